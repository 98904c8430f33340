//! The fields of a value that a model response or request is read from,
//! as a JSON tree: only the keys the readers look at
//! ([`is_response_key`], [`is_request_key`], [`is_stream_key`]) are kept and
//! walked into, strings are cut at the capture limit, and the whole is
//! bounded by a budget. A response's echoes, log probabilities and other
//! large fields cost nothing; a value that is neither costs little.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Leaf, Sink, Stop, walk};
use crate::record::request::{REQUEST_OPAQUE_KEYS, is_request_key};
use crate::record::wire::{OPAQUE_KEYS, STREAM_OPAQUE_KEYS, is_response_key, is_stream_key};
use crate::text::cut_bytes;

/// The keys a reader looks at, and those whose values it reads whole.
struct Keys {
    kept: fn(&str) -> bool,
    opaque: &'static [&'static str],
}

/// At most this many values are kept.
const MAX_NODES: usize = 10_000;
/// At most this many bytes of text (strings and keys) are kept.
const MAX_BYTES: usize = 1 << 20;

enum Frame {
    Array(Vec<Value>),
    /// An object, and the key whose value comes next.
    Object(Map<String, Value>, Option<String>),
}

struct Tree {
    keys: Keys,
    stack: Vec<Frame>,
    root: Option<Value>,
    string_limit: usize,
    nodes: usize,
    bytes: usize,
    /// Inside an opaque value (tool-call arguments) from this depth of the
    /// stack on: every key is kept.
    opaque_from: Option<usize>,
    /// The key just given is opaque: the container that follows is.
    opaque_next: bool,
}

impl Tree {
    fn count(&mut self, bytes: usize) -> Result<(), Stop> {
        self.nodes += 1;
        self.bytes += bytes;
        if self.nodes > MAX_NODES || self.bytes > MAX_BYTES {
            return Err(Stop::Full);
        }
        Ok(())
    }

    fn push(&mut self, value: Value) {
        match self.stack.last_mut() {
            Some(Frame::Array(items)) => items.push(value),
            Some(Frame::Object(map, key)) => {
                if let Some(key) = key.take() {
                    map.insert(key, value);
                }
            }
            None => self.root = Some(value),
        }
    }

    fn begin(&mut self, frame: Frame) -> Result<(), Stop> {
        self.count(0)?;
        if std::mem::take(&mut self.opaque_next) && self.opaque_from.is_none() {
            self.opaque_from = Some(self.stack.len());
        }
        self.stack.push(frame);
        Ok(())
    }

    fn end(&mut self) {
        let value = match self.stack.pop() {
            Some(Frame::Array(items)) => Value::Array(items),
            Some(Frame::Object(map, _)) => Value::Object(map),
            None => return,
        };
        if self.opaque_from == Some(self.stack.len()) {
            self.opaque_from = None;
        }
        self.push(value);
    }

    /// The tree, closing whatever the walk left open when it stopped.
    fn finish(mut self) -> Option<Value> {
        while !self.stack.is_empty() {
            self.end();
        }
        self.root
    }
}

impl Sink for Tree {
    fn leaf(&mut self, leaf: Leaf<'_>) -> Result<(), Stop> {
        self.opaque_next = false;
        let value = match leaf {
            Leaf::Null => Value::Null,
            Leaf::Bool(b) => Value::Bool(b),
            Leaf::I64(n) => Value::from(n),
            Leaf::U64(n) => Value::from(n),
            Leaf::F64(f) => Value::from(f),
            Leaf::Str(s) => {
                let kept = s.len().min(self.string_limit);
                self.count(kept)?;
                self.push(Value::String(cut_bytes(s, self.string_limit).into_owned()));
                return Ok(());
            }
        };
        self.count(0)?;
        self.push(value);
        Ok(())
    }

    fn begin_array(&mut self) -> Result<(), Stop> {
        self.begin(Frame::Array(Vec::new()))
    }

    fn end_array(&mut self) -> Result<(), Stop> {
        self.end();
        Ok(())
    }

    fn begin_object(&mut self) -> Result<(), Stop> {
        self.begin(Frame::Object(Map::new(), None))
    }

    fn key(&mut self, key: &str) -> Result<bool, Stop> {
        let opaque = self.opaque_from.is_some();
        if !opaque && !(self.keys.kept)(key) {
            return Ok(false);
        }
        self.count(key.len())?;
        self.opaque_next = !opaque && self.keys.opaque.contains(&key);
        if let Some(Frame::Object(_, next)) = self.stack.last_mut() {
            *next = Some(key.to_owned());
        }
        Ok(true)
    }

    fn end_object(&mut self) -> Result<(), Stop> {
        self.end();
        Ok(())
    }
}

/// The response fields of `value`, walked within the budget (strings cut at
/// `limit`); `None` when the value is not an object or could not be walked.
/// A walk stopped by the budget or the depth bound keeps what it read.
pub(crate) fn response_tree<T: Serialize + ?Sized>(value: &T, limit: usize) -> Option<Value> {
    let keys = Keys {
        kept: is_response_key,
        opaque: OPAQUE_KEYS,
    };
    tree(value, keys, limit)
}

/// The request fields of `value` (chat messages, a request's model and
/// system instructions), as [`response_tree`] walks a response.
pub(crate) fn request_tree<T: Serialize + ?Sized>(value: &T, limit: usize) -> Option<Value> {
    let keys = Keys {
        kept: is_request_key,
        opaque: REQUEST_OPAQUE_KEYS,
    };
    tree(value, keys, limit)
}

/// The fields of one chunk of a streamed response, as [`response_tree`]
/// walks a response.
pub(crate) fn stream_tree<T: Serialize + ?Sized>(value: &T, limit: usize) -> Option<Value> {
    let keys = Keys {
        kept: is_stream_key,
        opaque: STREAM_OPAQUE_KEYS,
    };
    tree(value, keys, limit)
}

fn tree<T: Serialize + ?Sized>(value: &T, keys: Keys, limit: usize) -> Option<Value> {
    let mut tree = Tree {
        keys,
        stack: Vec::new(),
        root: None,
        string_limit: limit,
        nodes: 0,
        bytes: 0,
        opaque_from: None,
        opaque_next: false,
    };
    match walk(value, &mut tree) {
        Ok(()) | Err(Stop::Full | Stop::TooDeep) => tree.finish(),
        Err(Stop::Refused(_)) => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::record::response::read;

    fn responses() -> Vec<Value> {
        vec![
            json!({"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o",
                   "system_fingerprint": "fp", "choices": [{"index": 0, "logprobs": {"content": [1, 2, 3]},
                   "message": {"role": "assistant", "content": "Hi", "tool_calls": [{"id": "c1", "type": "function",
                   "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
                   "finish_reason": "tool_calls"}],
                   "usage": {"prompt_tokens": 10, "completion_tokens": 5,
                             "prompt_tokens_details": {"cached_tokens": 2},
                             "completion_tokens_details": {"reasoning_tokens": 1}}}),
            json!({"Ok": {"id": "msg_1", "type": "message", "model": "claude-sonnet-4-5", "stop_reason": "tool_use",
                   "content": [{"type": "text", "text": "Let me check"},
                               {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"city": "Paris", "days": [1, 2]}}],
                   "usage": {"input_tokens": 7, "output_tokens": 3, "cache_read_input_tokens": 4}}}),
            json!({"candidates": [{"content": {"parts": [{"text": "a", "thought": true}, {"text": "b"},
                   {"functionCall": {"name": "f", "args": {"q": 1}}}]}, "finishReason": "STOP"}],
                   "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2, "thoughtsTokenCount": 1},
                   "modelVersion": "gemini-2.5-flash", "responseId": "r1"}),
            json!({"candidates": [{"content": {"parts": [{"text": "b"},
                   {"function_call": {"name": "f", "args": {"q": 1}}}]}, "finish_reason": "STOP"}],
                   "usage_metadata": {"prompt_token_count": 3, "candidates_token_count": 2},
                   "model_version": "gemini-2.5-flash", "response_id": "r2", "sdk_http_response": {"headers": {}}}),
            json!({"object": "response", "id": "resp_1", "model": "gpt-4.1", "status": "completed",
                   "output": [{"type": "message", "content": [{"type": "output_text", "text": "Done"}]},
                              {"type": "function_call", "call_id": "fc1", "name": "g", "arguments": "{}"}],
                   "usage": {"input_tokens": 9, "output_tokens": 4,
                             "input_tokens_details": {"cached_tokens": 0},
                             "output_tokens_details": {"reasoning_tokens": 2}}}),
        ]
    }

    #[test]
    fn reads_every_response_as_the_whole_value_does() {
        for response in responses() {
            let tree = response_tree(&response, 4096).unwrap();
            assert_eq!(read(&tree, 4096), read(&response, 4096), "{response}");
            assert!(read(&tree, 4096).is_some());
        }
    }

    #[test]
    fn keeps_only_what_the_readers_look_at_and_arguments_whole() {
        let tree = response_tree(&responses()[1], 4096).unwrap();
        assert_eq!(
            tree["Ok"]["content"][1]["input"],
            json!({"city": "Paris", "days": [1, 2]})
        );
        let tree = response_tree(&responses()[0], 4096).unwrap();
        assert_eq!(tree.get("system_fingerprint"), None);
        assert_eq!(tree["choices"][0].get("logprobs"), None);
        assert_eq!(tree["choices"][0].get("index"), None);
    }

    #[test]
    fn strings_are_cut_at_the_limit() {
        let long = json!({"model": "m", "choices": [{"message": {"content": "é".repeat(10_000)}}]});
        let tree = response_tree(&long, 7).unwrap();
        assert_eq!(
            tree["choices"][0]["message"]["content"],
            json!(format!("ééé{}", crate::text::TRUNCATION_MARKER))
        );
    }

    /// Regression: a 100 MB return value was copied whole to be read as a
    /// response. Now the budget stops the walk, keeping what came first.
    #[test]
    fn an_enormous_value_stops_at_the_budget() {
        #[derive(Serialize)]
        struct Huge {
            model: &'static str,
            choices: Vec<Value>,
        }
        let huge = Huge {
            model: "m",
            choices: vec![json!({"finish_reason": "stop"}); 100_000],
        };
        let tree = response_tree(&huge, 4096).unwrap();
        let kept = tree["choices"].as_array().unwrap().len();
        assert!(kept < MAX_NODES, "{kept}");
        assert_eq!(tree["model"], "m");
    }
}
