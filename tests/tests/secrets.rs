//! Secrets never leave the process. A catalogue of fake credentials goes
//! through every position a real one takes — arguments by name and inside
//! text, struct fields, nested JSON, `Debug`-only structs, prompt text,
//! returned text and structs, `Err` messages, metadata, tool calls, the
//! manual API, the console tree, `install()` errors and `Debug` of the
//! configuration — and the test searches everything exported, logged and
//! printed: no credential is found, and the text around them is.

mod common;

use std::sync::{Arc, Mutex};

use common::Harness;
use last9_genai::{ConsoleExporter, Install, Last9GenAI, Last9SpanProcessor, ToolCall, observe};
use opentelemetry::trace::{Span as _, Tracer, TracerProvider as _};
use opentelemetry_sdk::trace::{SdkTracerProvider, SimpleSpanProcessor, SpanData};
use serde::Serialize;
use serde_json::json;

const OPENAI: &str = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234";
const ANTHROPIC: &str = "sk-ant-api03-AbCdEfGhIjKlMnOpQrSt_uvwx";
const GOOGLE: &str = "AIzaSyA1234567890abcdefghijklmnopqrstuv";
const AWS: &str = "AKIAIOSFODNN7EXAMPLE";
const GITHUB: &str = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
const SLACK: &str = "xoxb-123456789012-abcdefABCDEF";
const STRIPE: &str = "sk_live_abcdefghijklmnop1234";
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N";
const BEARER: &str = "opaque.Bearer-Value_77";
const PEM_BODY: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC";
const PASSWORD: &str = "hunter2-Pa55word";
/// Values with no format of their own: only their names give them away.
const PLAIN: [&str; 4] = [
    "plain-secret-value-one",
    "plain-secret-value-two",
    "plain-secret-value-three",
    "plain-secret-value-four",
];

fn catalogue() -> Vec<&'static str> {
    let mut all = vec![
        OPENAI, ANTHROPIC, GOOGLE, AWS, GITHUB, SLACK, STRIPE, JWT, BEARER, PEM_BODY, PASSWORD,
    ];
    all.extend(PLAIN);
    all
}

fn pem() -> String {
    format!("-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----")
}

#[derive(Serialize)]
struct Settings {
    region: &'static str,
    api_key: &'static str,
    nested: serde_json::Value,
}

#[derive(Debug)]
#[allow(dead_code)]
struct Login {
    user: &'static str,
    token: &'static str,
}

#[derive(Serialize)]
struct Reply {
    text: String,
    credentials: Vec<&'static str>,
}

#[observe(metadata = { "note": "deploy with sk-proj-AbCdEfGhIjKlMnOpQrStUvWx1234 please" })]
fn call_model(prompt: &str, key: &str, creds: &str, settings: &Settings, login: &Login) -> Reply {
    let _ = (prompt, key, creds, settings, login);
    Reply {
        text: format!("Here is your key {ANTHROPIC} and a JWT {JWT}, enjoy"),
        credentials: vec![PLAIN[3]],
    }
}

#[observe]
fn fails(url: &str) -> Result<(), String> {
    Err(format!(
        "request to {url} failed: 401 with header Authorization: Bearer {BEARER}"
    ))
}

#[observe(kind = "tool")]
fn lookup(query: &str) -> serde_json::Value {
    let _ = query;
    json!({"model": "gpt-4o", "choices": [{"message": {"content": format!("token is {GITHUB}"),
           "tool_calls": [{"id": "c1", "function": {"name": "send",
           "arguments": format!("{{\"to\": \"ops\", \"slack\": \"{SLACK}\"}}")}}]}}]})
}

/// Every piece of text a span carries.
fn texts(span: &SpanData) -> Vec<String> {
    let mut all = vec![span.name.to_string()];
    all.extend(span.attributes.iter().map(|kv| kv.value.to_string()));
    for event in span.events.iter() {
        all.push(event.name.to_string());
        all.extend(event.attributes.iter().map(|kv| kv.value.to_string()));
    }
    // And the texts inside JSON values (the conventions' messages), as
    // they read once decoded.
    let decoded: Vec<String> = all
        .iter()
        .filter_map(|text| serde_json::from_str::<serde_json::Value>(text).ok())
        .flat_map(|value| string_leaves(&value))
        .collect();
    all.extend(decoded);
    if let opentelemetry::trace::Status::Error { description } = &span.status {
        all.push(description.to_string());
    }
    all
}

/// Every string inside `value`.
fn string_leaves(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(text) => vec![text.clone()],
        serde_json::Value::Array(items) => items.iter().flat_map(string_leaves).collect(),
        serde_json::Value::Object(fields) => fields.values().flat_map(string_leaves).collect(),
        _ => Vec::new(),
    }
}

fn assert_clean(where_: &str, text: &str) {
    for secret in catalogue() {
        assert!(!text.contains(secret), "{where_} leaks {secret:?}:\n{text}");
    }
}

#[test]
fn no_credential_leaves_through_observe_or_the_console() {
    let (_turn, h) = common::observed();
    let settings = Settings {
        region: "eu-west-1",
        api_key: PLAIN[0],
        nested: json!({"aws": {"access_key_id": AWS, "secret_access_key": PLAIN[1]}, "pem": pem()}),
    };
    let login = Login {
        user: "ada",
        token: PLAIN[2],
    };
    let prompt = format!(
        "Summarize the logs. The Google key AIza is {GOOGLE}, Stripe {STRIPE}, \
         see https://db.local/?user=ada&password={PASSWORD}&region=eu"
    );
    let reply = call_model(&prompt, OPENAI, GITHUB, &settings, &login);
    assert!(
        reply.text.contains(ANTHROPIC),
        "the call returns what it returns"
    );
    assert!(fails("https://api.example.com/v1").is_err());
    lookup("weather");

    let spans = h.spans();
    let everything: Vec<String> = spans.iter().flat_map(texts).collect();
    let everything = everything.join("\n");
    assert_clean("the exported spans", &everything);
    // The text around the secrets is still there, marked.
    for kept in [
        "Summarize the logs. The Google key AIza is [REDACTED], Stripe [REDACTED]",
        "user=ada&password=[REDACTED]&region=eu",
        "\"region\":\"eu-west-1\"",
        "\"api_key\":\"[REDACTED]\"",
        "\"secret_access_key\":\"[REDACTED]\"",
        "user: \"ada\"",
        "token: \"[REDACTED]\"",
        "Here is your key [REDACTED] and a JWT [REDACTED], enjoy",
        "deploy with [REDACTED] please",
        "failed: 401 with header Authorization: [REDACTED]",
        "token is [REDACTED]",
        "\"to\": \"ops\"",
    ] {
        assert!(
            everything.contains(kept),
            "{kept:?} missing from:\n{everything}"
        );
    }
    let call = h.span("call_model");
    assert_eq!(
        common::string(&call, "function.arg.key").as_deref(),
        Some("[REDACTED]")
    );
    assert_eq!(
        common::string(&call, "function.arg.creds").as_deref(),
        Some("[REDACTED]")
    );

    // The console tree prints what was exported, and nothing more.
    let out = common::Written::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(Last9SpanProcessor::builder().wrap(SimpleSpanProcessor::new(
            ConsoleExporter::to_writer(out.clone()),
        )))
        .build();
    let tracer = provider.tracer("console");
    for span in &spans {
        let mut copy = tracer.start(span.name.clone());
        copy.set_attributes(span.attributes.clone());
        copy.set_status(span.status.clone());
        copy.end();
    }
    let _ = provider.shutdown();
    let printed = out.text();
    assert_clean("the console tree", &printed);
    assert!(printed.contains("Authorization: [REDACTED]"), "{printed}");
}

#[derive(Serialize)]
struct Account {
    name: &'static str,
    credentials: serde_json::Value,
    session: u64,
    api_keys: Vec<&'static str>,
    tool_args: String,
    note: &'static str,
}

fn account() -> Account {
    Account {
        name: "ada",
        credentials: json!({"user": "ada", "password": PLAIN[0]}),
        session: 918_273,
        api_keys: vec![PLAIN[3]],
        tool_args: format!("{{\"city\": \"Oslo\", \"api_key\": \"{}\"}}", PLAIN[1]),
        note: "rotated, new token: plain-secret-value-three",
    }
}

#[observe]
fn open_account(account: &Account) -> Account {
    let _ = account;
    self::account()
}

/// The same account as a JSON value (written as JSON, not a response).
#[observe]
fn account_json() -> serde_json::Value {
    serde_json::to_value(account()).unwrap()
}

/// A value with only `Debug`: its text is read as `Debug` text, where a
/// quoted value after a secret name is cut.
#[observe]
fn login_debug() -> Login {
    Login {
        user: "ada",
        token: PLAIN[2],
    }
}

#[observe(redaction = false)]
fn open_account_unredacted(account: &Account) -> usize {
    account.name.len()
}

/// Regression: a secret key holding an object, a list or a number was cut
/// as `"credentials":[REDACTED]`, leaving no JSON behind; a `token: value`
/// pair inside a string was cut to the end of the text; and a secret in
/// JSON inside a JSON string (tool arguments) went out. Now the value of a
/// secret key is the string `"[REDACTED]"` whatever its shape, in the
/// arguments and the return value alike, and the captured text is JSON.
#[test]
fn secret_keys_of_any_shape_leave_json_behind() {
    let (_turn, h) = common::observed();
    open_account(&account());
    open_account_unredacted(&account());
    let expected = json!({
        "name": "ada",
        "credentials": "[REDACTED]",
        "session": "[REDACTED]",
        "api_keys": "[REDACTED]",
        "tool_args": "{\"city\": \"Oslo\", \"api_key\": \"[REDACTED]\"}",
        "note": "rotated, new token: [REDACTED]",
    });
    let span = h.span("open_account");
    let arg = common::string(&span, "function.arg.account").unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&arg).unwrap(),
        expected
    );
    let completion = common::completion(&span).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&completion).unwrap(),
        expected
    );
    account_json();
    let completion = common::completion(&h.span("account_json")).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&completion).unwrap(),
        expected
    );
    login_debug();
    assert_eq!(
        common::completion(&h.span("login_debug")).as_deref(),
        Some(r#"Login { user: "ada", token: "[REDACTED]" }"#)
    );
    // Switched off for a function, the keys are written as they are.
    let span = h.span("open_account_unredacted");
    let arg = common::string(&span, "function.arg.account").unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&arg).unwrap(),
        serde_json::to_value(account()).unwrap()
    );
}

#[test]
fn no_credential_leaves_through_the_manual_api() {
    // One test at a time: another switches redaction off for a moment.
    let (_turn, _) = common::observed();
    let h = Harness::with_pricing(None);
    let mut span = h.tracer.start("manual");
    let l9 = Last9GenAI::new();
    l9.add_content_events(
        &mut span,
        Some(&format!("my key is {OPENAI}, use it")),
        Some(&format!("{{\"password\": \"{PASSWORD}\", \"ok\": true}}")),
    );
    l9.add_tool_attributes(
        &mut span,
        &ToolCall::new("deploy")
            .arguments(json!({"target": "prod", "api_key": PLAIN[0], "pem": pem()}))
            .result(json!(format!("done; rotated to {STRIPE}"))),
    );
    l9.add_prompt_versioning(
        &mut span,
        &format!("Use {GOOGLE} for maps"),
        Some("maps"),
        None,
    );
    span.end();
    let everything = texts(&h.span("manual")).join("\n");
    assert_clean("the manual API's span", &everything);
    for kept in [
        "my key is [REDACTED], use it",
        "\"password\": \"[REDACTED]\", \"ok\": true",
        "\"target\":\"prod\"",
        "done; rotated to [REDACTED]",
        "Use [REDACTED] for maps",
    ] {
        assert!(
            everything.contains(kept),
            "{kept:?} missing from:\n{everything}"
        );
    }
}

/// Regression: the manual API's tool arguments and results were written by
/// `serde_json` and read as `Debug` text: a secret key holding an object
/// came out as `"credentials":[REDACTED]`, and a `token: value` pair inside
/// a string was cut to the end of the text, quotes and keys with it.
#[test]
fn the_manual_api_leaves_json_behind() {
    let (_turn, _) = common::observed();
    let h = Harness::with_pricing(None);
    let mut span = h.tracer.start("manual_json");
    let arguments = json!({
        "credentials": {"user": "ada", "password": PLAIN[0]},
        "note": format!("use token: {}", PLAIN[1]),
        "city": "Oslo",
    });
    let result = json!({"session": 42, "rows": [1, 2]});
    Last9GenAI::new().add_tool_attributes(
        &mut span,
        &ToolCall::new("lookup").arguments(arguments).result(result),
    );
    span.end();
    let span = h.span("manual_json");
    for key in [
        "gen_ai.tool.call.arguments",
        "gen_ai.function.call.arguments",
    ] {
        let text = common::string(&span, key).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            json!({"credentials": "[REDACTED]", "note": "use token: [REDACTED]", "city": "Oslo"}),
            "{key}"
        );
    }
    let text = common::string(&span, "gen_ai.tool.call.result").unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        json!({"session": "[REDACTED]", "rows": [1, 2]})
    );
}

/// Configuration never carries values out: header errors name the key
/// only, and `Debug` of the configuration hides values.
#[test]
fn configuration_errors_and_debug_hold_no_value() {
    for headers in [
        format!("Authorization=Bearer%20{BEARER}%zz"),
        format!("x-api-key{OPENAI}"),
        format!("a=1, {GITHUB}"),
        format!("bad key={}", PLAIN[0]),
    ] {
        let err = Install::default().headers(&headers).unwrap_err();
        assert_clean("a header error", &err.to_string());
        assert_clean("a header error's Debug", &format!("{err:?}"));
    }
    let install = Install::default()
        .headers(&format!("Authorization=Bearer%20{BEARER},x-key={OPENAI}"))
        .unwrap();
    let debug = format!("{install:?}");
    assert_clean("Install's Debug", &debug);
    assert!(debug.contains("Authorization"), "{debug}");
}

/// Switched off, per function or globally, values are captured as they are.
#[test]
fn redaction_can_be_switched_off() {
    #[observe(redaction = false)]
    fn fixture(token: &str) -> String {
        token.to_owned()
    }
    let (_turn, h) = common::observed();
    fixture(OPENAI);
    let span = h.span("fixture");
    assert_eq!(
        common::string(&span, "function.arg.token").as_deref(),
        Some(OPENAI)
    );
    h.exporter.reset();
    last9_genai::set_redaction(last9_genai::Redaction::off());
    let reply = call_model(
        "p",
        OPENAI,
        "c",
        &Settings {
            region: "r",
            api_key: PLAIN[0],
            nested: json!(null),
        },
        &Login {
            user: "u",
            token: "t",
        },
    );
    last9_genai::set_redaction(last9_genai::Redaction::default());
    let _ = reply;
    let span = h.span("call_model");
    assert_eq!(
        common::string(&span, "function.arg.key").as_deref(),
        Some(OPENAI)
    );
}

/// Each call site remembers whether a parameter's name is secret, for the
/// rules in force: the answer holds on every later call, and is given again
/// when the rules change.
#[test]
fn a_parameter_name_is_judged_once_per_rules() {
    #[observe]
    fn open(account_number: &str, api_key: &str) -> usize {
        account_number.len() + api_key.len()
    }
    let (_turn, h) = common::observed();
    let args = |span: &SpanData| {
        ["function.arg.account_number", "function.arg.api_key"]
            .map(|key| common::string(span, key).unwrap())
    };
    // The second and third calls read the call site's memory.
    for _ in 0..3 {
        open("12345678", PLAIN[0]);
    }
    let spans = h.spans();
    assert_eq!(spans.len(), 3);
    for span in &spans {
        assert_eq!(args(span), ["12345678", "[REDACTED]"]);
    }
    h.exporter.reset();
    last9_genai::set_redaction(last9_genai::Redaction::default().name("account_number"));
    open("12345678", PLAIN[0]);
    open("12345678", PLAIN[0]);
    last9_genai::set_redaction(last9_genai::Redaction::default());
    open("12345678", PLAIN[0]);
    let spans = h.spans();
    assert_eq!(args(&spans[0]), ["[REDACTED]", "[REDACTED]"]);
    assert_eq!(args(&spans[1]), ["[REDACTED]", "[REDACTED]"]);
    assert_eq!(args(&spans[2]), ["12345678", "[REDACTED]"]);
}

/// Keeps every `tracing` event's message.
#[derive(Clone, Default)]
struct Logged(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Logged {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Message(String);
        impl tracing::field::Visit for Message {
            fn record_debug(&mut self, _: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{value:?} "));
            }
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        self.0.lock().unwrap().push(message.0);
    }
}

/// An exporter whose every export fails with an error quoting its
/// endpoint, credentials and all.
#[derive(Debug)]
struct Failing;

impl opentelemetry_sdk::trace::SpanExporter for Failing {
    async fn export(&self, _: Vec<SpanData>) -> opentelemetry_sdk::error::OTelSdkResult {
        Err(opentelemetry_sdk::error::OTelSdkError::InternalFailure(
            format!(
                "POST https://ingest:{PASSWORD}@otlp.example.com/v1/traces failed with Authorization: Bearer {BEARER}"
            ),
        ))
    }
}

/// What the library logs holds no credential either.
#[test]
fn no_credential_leaves_through_what_is_logged() {
    use tracing_subscriber::layer::SubscriberExt;
    let logged = Logged::default();
    let subscriber = tracing_subscriber::registry().with(logged.clone());
    tracing::subscriber::with_default(subscriber, || {
        let health = last9_genai::ExportHealth::new(8);
        let provider = SdkTracerProvider::builder()
            .with_span_processor(
                Last9SpanProcessor::builder()
                    .export_health(health.clone())
                    .wrap(SimpleSpanProcessor::new(health.exporter(Failing))),
            )
            .build();
        provider.tracer("t").start("s").end();
        assert_eq!(health.counts().failed, 1);
    });
    let logged = logged.0.lock().unwrap().join("\n");
    assert!(
        logged.contains("1 spans failed to export so far"),
        "{logged}"
    );
    assert!(
        logged.contains("https://ingest:[REDACTED]@otlp.example.com"),
        "{logged}"
    );
    assert_clean("the logs", &logged);
}
