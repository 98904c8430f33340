//! Bedrock's ConverseStream as raw AWS event-stream bytes, through
//! `observe_eventstream`: the fixture's events read as their JSON is, split
//! anywhere; and hostile bytes (a bad checksum, a lost prelude, an
//! enormous length, a cut message, headers cut short, no JSON), none of
//! which panics, blocks or changes what passes.

mod common;

use common::{attr, int, string};
use examples::provider::event_message;
use futures::StreamExt as _;
use last9_genai::{ObserveStream as _, StreamCall};
use opentelemetry::trace::Status;
use opentelemetry_sdk::trace::SpanData;
use serde_json::Value as Json;

/// The fixture's events, as JSON objects of one key each.
fn fixture_events() -> Vec<(String, Json)> {
    let file = format!(
        "{}/fixtures/providers/bedrock/converse_stream.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let events: Vec<Json> = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    events
        .into_iter()
        .map(|event| {
            let (name, payload) = event.as_object().unwrap().iter().next().unwrap();
            (name.clone(), payload.clone())
        })
        .collect()
}

/// An event message, as Bedrock sends one.
fn event(name: &str, payload: &Json) -> Vec<u8> {
    event_message(
        &[
            (":event-type", name),
            (":content-type", "application/json"),
            (":message-type", "event"),
        ],
        payload.to_string().as_bytes(),
    )
}

/// The fixture's events as one byte string.
fn fixture_bytes() -> Vec<u8> {
    fixture_events()
        .iter()
        .flat_map(|(name, payload)| event(name, payload))
        .collect()
}

/// The span of `items` followed as an event stream, each passed on as it
/// was.
fn followed(items: Vec<Vec<u8>>) -> SpanData {
    let (_guard, h) = common::observed();
    let sent: Vec<Result<Vec<u8>, std::io::Error>> = items.iter().cloned().map(Ok).collect();
    // Not `futures::executor::block_on`: the harness's simple processor
    // blocks on its exporter when the span ends, inside the poll.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let passed: Vec<Vec<u8>> = runtime.block_on(
        futures::stream::iter(sent)
            .observe_eventstream(
                StreamCall::new("converse_stream")
                    .model("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
                    .provider("aws.bedrock"),
            )
            .map(Result::unwrap)
            .collect(),
    );
    assert_eq!(passed, items, "every item passes through unchanged");
    h.span("converse_stream")
}

fn completion(span: &SpanData) -> Option<String> {
    common::completion(span)
}

fn tokens(span: &SpanData) -> [Option<i64>; 3] {
    [
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.cache_read.input_tokens",
    ]
    .map(|key| int(span, key))
}

const ANSWER: &str = "I'll look up the current weather in Paris.";

/// The fixture read from its bytes as from its JSON (see `providers.rs`):
/// text, tool call, stop reason, tokens with the cache added; one chunk
/// a message; split into pieces of any size.
#[test]
fn a_converse_stream_is_read_from_its_bytes_split_anywhere() {
    let bytes = fixture_bytes();
    let messages = fixture_events().len() as i64;
    for size in [bytes.len(), 1, 2, 3, 11, 12, 13, 64, 1000] {
        let span = followed(bytes.chunks(size).map(<[u8]>::to_vec).collect());
        assert_eq!(
            completion(&span).as_deref(),
            Some(ANSWER),
            "pieces of {size}"
        );
        assert_eq!(
            tokens(&span),
            [Some(1512), Some(85), Some(1500)],
            "pieces of {size}"
        );
        assert_eq!(
            string(&span, "gen_ai.tool.name").as_deref(),
            Some("get_weather")
        );
        assert_eq!(int(&span, "gen_ai.l9.stream.chunks"), Some(messages));
        assert_eq!(span.status, Status::Ok);
    }
}

/// An exception message ends the span with its type, after what came
/// before it; so does an error message, with its code and message.
#[test]
fn exceptions_and_errors_end_the_span_with_them() {
    let events = fixture_events();
    let mut bytes: Vec<u8> = events[..3].iter().flat_map(|(n, p)| event(n, p)).collect();
    bytes.extend(event_message(
        &[
            (":exception-type", "throttlingException"),
            (":content-type", "application/json"),
            (":message-type", "exception"),
        ],
        br#"{"message":"Too many requests, please wait before trying again."}"#,
    ));
    let span = followed(vec![bytes]);
    assert_eq!(
        string(&span, "error.type").as_deref(),
        Some("throttlingException")
    );
    assert_eq!(
        span.status,
        Status::error("Too many requests, please wait before trying again.")
    );
    assert_eq!(
        completion(&span).as_deref(),
        Some("I'll look up the current weather in Paris.")
    );

    let error = event_message(
        &[
            (":message-type", "error"),
            (":error-code", "InternalFailure"),
            (":error-message", "We encountered an internal error."),
        ],
        b"",
    );
    let span = followed(vec![error]);
    assert_eq!(
        string(&span, "error.type").as_deref(),
        Some("InternalFailure")
    );
    assert_eq!(
        span.status,
        Status::error("We encountered an internal error.")
    );
}

/// A message whose checksum fails counts and is not read; the ones around
/// it are. A payload that is no JSON, an event with no name, headers cut
/// short or of unknown types: each counts, none is read, nothing panics.
#[test]
fn a_bad_message_counts_and_is_not_read() {
    let events = fixture_events();
    let mut messages: Vec<Vec<u8>> = events.iter().map(|(n, p)| event(n, p)).collect();
    // The second text delta (" the current weather in Paris.") garbled.
    let garbled = &mut messages[2];
    let middle = garbled.len() - 10;
    garbled[middle] ^= 0x20;
    // Four more that cannot be read.
    let mut cut_headers = event_message(&[(":event-type", "contentBlockDelta")], b"{}");
    cut_headers[12] = 200; // a header name longer than the headers
    let fixed = |m: &mut Vec<u8>| {
        let end = m.len() - 4;
        let crc = crc(&m[..end]);
        m[end..].copy_from_slice(&crc.to_be_bytes());
    };
    fixed(&mut cut_headers);
    let mut unknown_type = event_message(&[(":event-type", "messageStop")], b"{}");
    unknown_type[12 + 1 + 11] = 42; // the header's type
    fixed(&mut unknown_type);
    messages.insert(
        3,
        event_message(&[(":event-type", "contentBlockDelta")], b"{not json"),
    );
    messages.insert(
        3,
        event_message(&[(":message-type", "event")], br#"{"delta":{"text":"x"}}"#),
    );
    messages.insert(3, cut_headers);
    messages.insert(3, unknown_type);
    let count = messages.len() as i64;
    let span = followed(messages);
    assert_eq!(completion(&span).as_deref(), Some("I'll look up"));
    assert_eq!(tokens(&span), [Some(1512), Some(85), Some(1500)]);
    assert_eq!(int(&span, "gen_ai.l9.stream.chunks"), Some(count));
    assert_eq!(span.status, Status::Ok);
}

/// A prelude whose checksum holds but whose lengths cannot be: shorter
/// than a prelude and a checksum, or headers longer than the message. The
/// stream has lost its place: one chunk counts, nothing more is read.
#[test]
fn a_prelude_whose_lengths_cannot_be_stops_the_reading() {
    for (total, headers) in [(0u32, 0u32), (8, 0), (12, 0), (15, 0), (16, 1), (40, 30)] {
        let mut prelude = Vec::new();
        prelude.extend_from_slice(&total.to_be_bytes());
        prelude.extend_from_slice(&headers.to_be_bytes());
        prelude.extend_from_slice(&crc(&prelude).to_be_bytes());
        prelude.extend_from_slice(&[0; 64]);
        let span = followed(vec![prelude, fixture_bytes()]);
        assert_eq!(
            int(&span, "gen_ai.l9.stream.chunks"),
            Some(1),
            "{total}/{headers}"
        );
        assert_eq!(tokens(&span), [None, None, None], "{total}/{headers}");
    }
}

/// Bytes that are no event stream (an SSE body, JSON, zeros): the first
/// prelude fails its checksum, one chunk counts, nothing more is read.
#[test]
fn bytes_that_are_no_event_stream_are_read_as_nothing() {
    for bytes in [
        b"data: {\"choices\": []}\n\n".to_vec(),
        br#"{"output": {"message": {}}, "usage": {"inputTokens": 5}}"#.to_vec(),
        vec![0; 64],
    ] {
        let mut items = vec![bytes];
        items.push(fixture_bytes());
        let span = followed(items);
        assert_eq!(int(&span, "gen_ai.l9.stream.chunks"), Some(1));
        assert_eq!(tokens(&span), [None, None, None]);
        assert_eq!(completion(&span).as_deref(), Some(""));
    }
}

/// A message that says it is 64 MiB, past the bound, is passed over, not
/// kept: the messages after it are read. A stream cut inside a message
/// counts it, and keeps what came before.
#[test]
fn an_enormous_message_is_skipped_and_a_cut_one_counted() {
    let events = fixture_events();
    let enormous = items_enormous_prelude();
    let skipped = (64 << 20) - 12;
    let mut items = vec![event(&events[0].0, &events[0].1), enormous];
    items.extend(std::iter::repeat_n(vec![b'x'; 1 << 20], skipped >> 20));
    items.push(vec![b'x'; skipped & ((1 << 20) - 1)]);
    items.extend(events[1..].iter().map(|(n, p)| event(n, p)));
    let span = followed(items);
    assert_eq!(completion(&span).as_deref(), Some(ANSWER));
    assert_eq!(
        int(&span, "gen_ai.l9.stream.chunks"),
        Some(events.len() as i64 + 1)
    );

    // Cut while it is passed over: it counts once.
    let mut cut_short = vec![event(&events[0].0, &events[0].1)];
    cut_short.push(items_enormous_prelude());
    cut_short.push(vec![b'x'; 1000]);
    let span = followed(cut_short);
    assert_eq!(int(&span, "gen_ai.l9.stream.chunks"), Some(2));

    let whole = event(&events[1].0, &events[1].1);
    let cut = event(&events[2].0, &events[2].1);
    let span = followed(vec![whole, cut[..cut.len() / 2].to_vec()]);
    assert_eq!(completion(&span).as_deref(), Some("I'll look up"));
    assert_eq!(int(&span, "gen_ai.l9.stream.chunks"), Some(2));
    assert_eq!(attr(&span, "gen_ai.l9.cancelled"), None);
}

/// The prelude of a message that says it is 64 MiB, its checksum right.
fn items_enormous_prelude() -> Vec<u8> {
    let mut prelude = Vec::new();
    prelude.extend_from_slice(&(64u32 << 20).to_be_bytes());
    prelude.extend_from_slice(&0u32.to_be_bytes());
    prelude.extend_from_slice(&crc(&prelude).to_be_bytes());
    prelude
}

/// CRC-32 as zlib computes it, for the tests' own messages.
fn crc(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}
