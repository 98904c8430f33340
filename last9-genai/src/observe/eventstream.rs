//! The raw bytes of an AWS event stream (`application/vnd.amazon.eventstream`),
//! as AWS Bedrock's ConverseStream sends them over HTTP: length-prefixed
//! binary messages, each with a checksum of its prelude and of the whole,
//! headers naming the event, and the event's JSON as the payload.

use std::fmt::Display;

use super::stream::{End, MAX_SSE_EVENT, ReadChunks, StreamSoFar, failed};

/// Reads the raw bytes of an AWS event stream, as Bedrock's ConverseStream
/// sends it and `reqwest`'s `bytes_stream()` gives it: `Result<B, E>` where
/// `B` is bytes (`AsRef<[u8]>`). Each message's checksums are checked; an
/// event (`:event-type` `contentBlockDelta`, `metadata`, …) is read as
/// `{"<event-type>": payload}`, the shape ConverseStream's events have as
/// JSON, and an exception (`:exception-type` `throttlingException`, …) as
/// `{"<exception-type>": payload}`, which ends the span with it. Messages
/// split across items are joined. A message longer than [`MAX_SSE_EVENT`]
/// bytes is skipped, one whose checksum fails or whose payload is no JSON
/// counts as a chunk and is not read, and after a prelude that does not
/// check out (the stream is no event stream, or lost its place) nothing
/// more is read.
///
/// ```
/// use futures::{StreamExt, executor::block_on, stream};
/// use last9_genai::{EventStream, ObserveStream, ObservedStream, StreamCall};
///
/// # fn response_bytes() -> Vec<Result<Vec<u8>, std::io::Error>> { Vec::new() }
/// // `response.bytes_stream()` of a POST to `/model/{modelId}/converse-stream`.
/// let bytes = stream::iter(response_bytes());
/// let observed: ObservedStream<_, EventStream> =
///     bytes.observe_eventstream(StreamCall::new("converse_stream").provider("aws.bedrock"));
/// let _ = block_on(observed.count());
/// ```
#[derive(Debug, Default)]
pub struct EventStream {
    /// The message being read, from its first byte.
    message: Vec<u8>,
    /// Bytes of a message too long to keep, still to pass over.
    skip: usize,
    /// A prelude did not check out: the rest is not read.
    lost: bool,
}

/// The prelude: total length, headers' length, and their checksum.
const PRELUDE: usize = 12;
/// The prelude and the message's checksum at its end.
const FRAMING: usize = PRELUDE + 4;

impl EventStream {
    fn bytes(&mut self, mut bytes: &[u8], following: &mut StreamSoFar) -> Option<End> {
        while !bytes.is_empty() && !self.lost {
            if self.skip > 0 {
                let passed = self.skip.min(bytes.len());
                self.skip -= passed;
                bytes = &bytes[passed..];
                continue;
            }
            let wanted = match self.total_length() {
                Some(total) => total,
                None => PRELUDE,
            };
            let taken = (wanted - self.message.len()).min(bytes.len());
            self.message.extend_from_slice(&bytes[..taken]);
            bytes = &bytes[taken..];
            if self.message.len() == PRELUDE && wanted == PRELUDE {
                let Some(total) = self.checked_prelude() else {
                    self.lost = true;
                    self.message = Vec::new();
                    following.chunk();
                    return None;
                };
                if total > MAX_SSE_EVENT {
                    self.skip = total - PRELUDE;
                    self.message.clear();
                    following.chunk();
                }
                continue;
            }
            if self.message.len() == wanted {
                let end = message_done(&self.message, following);
                self.message.clear();
                if end.is_some() {
                    return end;
                }
            }
        }
        None
    }

    /// The length of the message being read, once its prelude is in.
    fn total_length(&self) -> Option<usize> {
        let prelude = self.message.get(..4)?;
        (self.message.len() >= PRELUDE).then(|| be_u32(prelude) as usize)
    }

    /// The total length the prelude gives, when its checksum checks out and
    /// the lengths it gives fit together.
    fn checked_prelude(&self) -> Option<usize> {
        let prelude = &self.message[..PRELUDE];
        let total = be_u32(&prelude[..4]) as usize;
        let headers = be_u32(&prelude[4..8]) as usize;
        let fits = total >= FRAMING && headers <= total - FRAMING;
        (fits && crc32(&prelude[..8]) == be_u32(&prelude[8..])).then_some(total)
    }
}

/// One whole message: an event read as its JSON, an exception or error
/// ending the span; anything else counts as a chunk.
fn message_done(message: &[u8], following: &mut StreamSoFar) -> Option<End> {
    let (body, checksum) = message.split_at(message.len() - 4);
    if crc32(body) != be_u32(checksum) {
        following.chunk();
        return None;
    }
    let headers_len = be_u32(&message[4..8]) as usize;
    let headers = Headers::read(&body[PRELUDE..PRELUDE + headers_len]);
    let payload = &body[PRELUDE + headers_len..];
    let name = match headers.message_type {
        Some("error") => {
            following.chunk();
            let code = headers.error_code.unwrap_or("error");
            let message = headers.error_message.unwrap_or(code);
            return Some(End::Failed(code.to_owned(), message.to_owned()));
        }
        Some("exception") => headers.exception_type,
        _ => headers.event_type,
    };
    let parsed = serde_json::from_slice::<serde_json::Value>(payload);
    match (name, parsed) {
        (Some(name), Ok(payload)) => {
            let mut event = serde_json::Map::with_capacity(1);
            event.insert(name.to_owned(), payload);
            following.read(&serde_json::Value::Object(event))
        }
        _ => {
            following.chunk();
            None
        }
    }
}

/// The headers a message is read by.
#[derive(Debug, Default)]
struct Headers<'m> {
    message_type: Option<&'m str>,
    event_type: Option<&'m str>,
    exception_type: Option<&'m str>,
    error_code: Option<&'m str>,
    error_message: Option<&'m str>,
}

impl<'m> Headers<'m> {
    /// Reads the string headers it knows; the others are passed over, and a
    /// header cut short ends the reading.
    fn read(mut bytes: &'m [u8]) -> Self {
        let mut headers = Self::default();
        while let Some((&name_len, rest)) = bytes.split_first() {
            let Some((name, rest)) = rest.split_at_checked(usize::from(name_len)) else {
                break;
            };
            let Some((&kind, rest)) = rest.split_first() else {
                break;
            };
            let value_len = match kind {
                // true, false
                0 | 1 => 0,
                // byte, short, int, long, timestamp, uuid
                2 => 1,
                3 => 2,
                4 => 4,
                5 | 8 => 8,
                9 => 16,
                // bytes, string: a two-byte length first
                6 | 7 => match rest.get(..2) {
                    Some(len) => 2 + usize::from(u16::from_be_bytes([len[0], len[1]])),
                    None => break,
                },
                _ => break,
            };
            let Some((value, rest)) = rest.split_at_checked(value_len) else {
                break;
            };
            bytes = rest;
            if kind != 7 {
                continue;
            }
            let Ok(text) = std::str::from_utf8(&value[2..]) else {
                continue;
            };
            let slot = match name {
                b":message-type" => &mut headers.message_type,
                b":event-type" => &mut headers.event_type,
                b":exception-type" => &mut headers.exception_type,
                b":error-code" => &mut headers.error_code,
                b":error-message" => &mut headers.error_message,
                _ => continue,
            };
            *slot = Some(text);
        }
        headers
    }
}

impl<B: AsRef<[u8]>, E: Display> ReadChunks<Result<B, E>> for EventStream {
    fn read_item(&mut self, item: &Result<B, E>, following: &mut StreamSoFar) -> Option<End> {
        match item {
            Ok(bytes) => self.bytes(bytes.as_ref(), following),
            Err(error) => Some(failed(error)),
        }
    }

    /// A message cut short by the stream's end counts as a chunk, unread
    /// (one too long to keep counted when it was passed over).
    fn read_rest(&mut self, following: &mut StreamSoFar) -> Option<End> {
        if !self.message.is_empty() {
            self.message = Vec::new();
            following.chunk();
        }
        None
    }
}

fn be_u32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// CRC-32 (IEEE 802.3, as zlib computes it), the checksum of AWS event
/// stream messages.
fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |crc, byte| {
        CRC_TABLE[usize::from((crc as u8) ^ byte)] ^ (crc >> 8)
    })
}

/// The CRC-32 of each byte value, made at compile time.
static CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut crc = n as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                0xEDB8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[n] = crc;
        n += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_is_zlibs() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }
}
