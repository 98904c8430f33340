//! The `#[observe]` attribute macro of [`last9-genai`](https://docs.rs/last9-genai).
//!
//! Depend on `last9-genai`, which re-exports the macro and provides
//! everything the generated code calls; the user guide is the documentation
//! of [`macro@observe`].

mod args;
mod expand;
mod params;
mod shape;
mod validate;

use proc_macro::TokenStream;

/// Gives a function a span with its inputs, output, latency, token usage and
/// cost, inside whatever conversation or workflow is current.
///
/// ```
/// use last9_genai::observe;
///
/// #[observe]
/// fn answer(question: &str) -> String {
///     format!("you asked: {question}")
/// }
/// # assert_eq!(answer("why?"), "you asked: why?");
/// ```
///
/// # What the span carries
///
/// | | |
/// |---|---|
/// | name | `name = "…"`, else the function's name |
/// | `gen_ai.l9.span.kind` | `kind = "…"`, default `llm` |
/// | `gen_ai.operation.name` | by kind, at span start: `chat`, `execute_tool` (with `gen_ai.tool.name`), `invoke_workflow` (chain), `invoke_agent`, `embeddings`, `retrieval` |
/// | `gen_ai.request.model`, `gen_ai.provider.name` | for kinds `llm` and `embedding`, at span start: `model = "…"` / `provider = "…"`, a parameter named `model`, a request type the runtime knows, a client argument that names its provider; else from a request argument or the response |
/// | `function.arg.{param}` | each captured argument: numbers, booleans and strings native, anything else as JSON (`Serialize`), else `Debug` text, else the type's name |
/// | messages | for a model call whose argument holds chat messages or a request: `gen_ai.input.messages`, `gen_ai.system_instructions`, `gen_ai.output.messages` (the conventions' JSON) and the Python SDK's `gen_ai.prompt` / `gen_ai.completion` arrays |
/// | event `gen_ai.content.prompt` | the input as text: a request's messages as `role: text` lines; a single string argument as is (a `model` parameter is never the prompt); chat messages (`[{role, content}]`) as `role: content` lines; a single argument as its text; else `name=value` pairs |
/// | event `gen_ai.content.completion` | the output as text: the response's text (empty for a turn that only asks for tools), a string as is, else JSON |
/// | `latency_ms` | wall time of the call (for async functions, from the first poll) |
/// | model, usage, response | `gen_ai.response.model`, `.id`, `.finish_reasons`, `gen_ai.usage.*`, `gen_ai.provider.name`, read from the return value (see below) |
/// | cost | with `pricing = …`; else the span processor prices the span |
/// | tool calls | `gen_ai.tool_calls.count` and one `gen_ai.tool.call` event per call the model asked for |
/// | status | OK; ERROR with the message and one `exception` event for an `Err` or a panic (with the panic's message) |
///
/// The span is current inside the body: observed functions, OpenTelemetry
/// spans and `tracing` spans made there are its children, also across
/// `.await` and when the runtime moves the task between threads.
///
/// # Functions it handles
///
/// Sync functions and `async fn`; methods taking `&self`, `&mut self` or
/// `self`; generic functions and `impl Trait` arguments; `-> impl Trait`;
/// early `return` and `?`; functions returning `impl Future` or
/// `Pin<Box<dyn Future>>` (so methods under `#[async_trait]` work when
/// `#[observe]` is placed on them inside the `#[async_trait]` impl); async fns
/// in traits. `Result` is recognised by name (`Result`, `io::Result`,
/// `anyhow::Result`, …): an `Err` is returned unchanged. A panic ends the span
/// with ERROR and goes on. Other attributes (doc comments, `#[must_use]`,
/// `#[inline]`, `cfg`, …) are kept. `const fn`, `extern` and variadic
/// functions are refused with a compile error.
///
/// # Usage from the return value
///
/// A return value that serializes (with `serde`) to the response of a
/// provider the crate knows — OpenAI (chat completions, Responses API,
/// embeddings) and the servers that speak its chat API (Azure OpenAI, Groq,
/// xAI, DeepSeek, Mistral, …), Anthropic, Gemini, AWS Bedrock (Converse,
/// Titan embeddings), Ollama, Cohere — is read for provider, model,
/// response id, finish reasons, token usage (as each provider counts it, in
/// the conventions' terms, cached and reasoning tokens included) and tool
/// calls, looking through `Result` and `Option`: `serde_json::Value`
/// responses and the typed responses of client crates such as
/// `async-openai` and `aws-sdk-bedrockruntime` (features) both work. A
/// value no provider's format recognises is read as none: no provider or
/// tokens, and a warning once per function names its keys.
/// A function that returns plain text records usage itself with
/// [`record_usage`](../last9_genai/fn.record_usage.html).
///
/// # Streams
///
/// A function that returns a stream of chunks gets a span that follows the
/// stream to its end, found from the value's type (never its name): a
/// boxed stream of `Result` chunks, as async-openai's `create_stream(..)`
/// gives, alone or in the `Ok` of a `Result`; and any stream when the
/// return type is written with `impl` (`impl Stream<Item = …>`, or
/// `Result<impl Stream<Item = …>, E>` from an `async fn`). The span ends
/// when the stream ends, yields an error, panics, or is dropped early
/// (cancelled), with the usage, model, finish reasons and text the chunks
/// carried.
///
/// ```
/// use futures::{Stream, StreamExt, executor::block_on};
/// use last9_genai::observe;
///
/// #[observe]
/// fn words() -> impl Stream<Item = String> {
///     futures::stream::iter(["Hel".to_owned(), "lo".to_owned()])
/// }
/// // The span ends here, its completion "Hello".
/// assert_eq!(block_on(words().collect::<Vec<_>>()), ["Hel", "lo"]);
/// ```
///
/// A stream of another concrete type cannot be wrapped: its span ends at
/// return, and a warning says once how to follow it
/// (`ObserveStream::observe_chunks`). `impl Iterator` is followed as
/// `impl Stream` is. Functions returning a future of a
/// stream (`-> impl Future<Output = impl Stream>`) are not followed either;
/// write them as `async fn`.
///
/// # Arguments
///
/// `name = "…"` names the span:
///
/// ```
/// # use last9_genai::observe;
/// #[observe(name = "support.answer")]
/// fn answer(q: &str) -> String { q.to_owned() }
/// # answer("q");
/// ```
///
/// `kind = "llm" | "tool" | "chain" | "agent" | "prompt" | "embedding" | "retriever"`
/// (alias `as_type`) sets `gen_ai.l9.span.kind`; tool spans count as tool
/// calls in workflow totals:
///
/// ```
/// # use last9_genai::observe;
/// #[observe(kind = "tool")]
/// fn search(query: &str) -> Vec<String> { vec![query.to_owned()] }
/// # search("q");
/// ```
///
/// `tags = [..]` and `metadata = { "key": value, .. }` (literal values,
/// written as text; nested objects and arrays of them as JSON text;
/// `category` is also written to `user.category`):
///
/// ```
/// # use last9_genai::observe;
/// #[observe(tags = ["production", "support"],
///           metadata = { "category": "customer_support", "version": 1, "limits": { "rpm": 60 } })]
/// fn handle(query: &str) -> String { query.to_owned() }
/// # handle("q");
/// ```
///
/// `model = "…"` and `provider = "…"` name the model a call asks for and its
/// provider, when no argument does (a parameter named `model`, or a request
/// type the runtime knows, such as async-openai's `CreateChatCompletionRequest`):
///
/// ```
/// # use last9_genai::observe;
/// #[observe(model = "llama3.1", provider = "ollama")]
/// fn local(prompt: &str) -> String { prompt.to_owned() }
/// # local("hi");
///
/// #[observe]
/// fn chat(model: &str, messages: Vec<serde_json::Value>) -> usize { messages.len() }
/// # chat("gpt-4o", vec![]);
/// ```
///
/// Without `provider = "…"`, a client argument that knows where its calls go
/// names the provider (`last9_genai::ProviderHint`: async-openai's `Client`
/// by its base URL, with feature `async-openai-client`, so Groq, Azure
/// OpenAI or a local Ollama are named for what they are; the Bedrock
/// runtime client; your own client), skipped, redacted or not; else the model's
/// name does, and a marker in the response (Azure's, Groq's) is written
/// over that guess.
///
/// `pricing = EXPR` prices the call from the usage in its return value. The
/// expression is evaluated once per function, on its first call; it may be a
/// `PricingTable`, a reference to one (a `static` `LazyLock`, say), or a
/// `Result<PricingTable, _>`:
///
/// ```
/// use std::sync::LazyLock;
/// use last9_genai::{ModelPricing, PricingTable, observe};
///
/// static PRICING: LazyLock<PricingTable> =
///     LazyLock::new(|| PricingTable::new([("gpt-4o", ModelPricing::new(2.50, 10.0))]).unwrap());
///
/// #[observe(pricing = PRICING)]
/// fn chat(prompt: &str) -> serde_json::Value {
///     serde_json::json!({ "model": "gpt-4o", "choices": [], "usage": { "prompt_tokens": 10, "completion_tokens": 5 } })
/// }
/// # chat("hi");
/// ```
///
/// `capture_input = false` and `capture_output = false` leave out the
/// arguments and prompt, or the completion; `capture_limit = N` sets the
/// limit of one captured value in bytes (default 4096, see
/// `last9_genai::set_capture_limit`). A longer value is cut on a character
/// boundary and marked; capturing it costs time proportional to the limit,
/// not to its size.
///
/// ```
/// # use last9_genai::observe;
/// #[observe(capture_output = false, capture_limit = 1024)]
/// fn classify(document: &str) -> String { document.to_owned() }
/// # classify("d");
/// ```
///
/// `skip(a, b)` leaves out arguments, `skip_all` all of them; `redact(a)`
/// records `[REDACTED]` in place of a value. Without being asked, every
/// captured value goes through the runtime's redaction rules
/// (`last9_genai::Redaction`): parameters, fields and keys whose names say
/// secret (`api_key`, `password`, `token`, `authorization`, …) are
/// redacted, and provider keys, bearer tokens, JWTs and the like are cut out
/// of any text, in arguments, the return value, the prompt and completion,
/// and error messages. `redaction = false` turns that off for one function.
///
/// ```
/// # use last9_genai::observe;
/// #[observe(skip(client), redact(email))]
/// fn lookup(client: &str, email: &str, api_key: &str) -> bool { true }
/// # lookup("c", "e", "k");
///
/// #[observe(redaction = false)]
/// fn echo_fixture(token: &str) -> String { token.to_owned() }
/// # echo_fixture("t");
/// ```
///
/// `crate = path` names the runtime crate when it is re-exported:
///
/// ```
/// mod telemetry { pub use last9_genai; }
///
/// #[last9_genai::observe(crate = telemetry::last9_genai)]
/// fn step() {}
/// # step();
/// ```
///
/// `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=false`, or
/// `last9_genai::set_capture_content(false)`, turns content capture off
/// process-wide; model, usage and cost are still recorded.
///
/// Duplicate, unknown or ill-typed arguments, and `skip` or `redact` of a
/// parameter that does not exist, are compile errors pointing at the token
/// at fault.
///
/// # Cost when nothing listens
///
/// Until a `Last9SpanProcessor` is built (or
/// `last9_genai::set_tracer_provider` called) an observed function does no
/// telemetry work at all. When its span is not sampled, nothing is captured
/// or serialized.
#[proc_macro_attribute]
pub fn observe(args: TokenStream, item: TokenStream) -> TokenStream {
    observe_or_fallback(args.into(), item.into()).into()
}

/// The observed function; on error, the error and the item exactly as
/// written, so that its callers still compile against it and the error is
/// the only one reported (rust-analyzer, too, keeps seeing the function).
fn observe_or_fallback(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    observe_or_error(args, item.clone()).unwrap_or_else(|error| {
        let error = error.into_compile_error();
        quote::quote!(#error #item)
    })
}

/// Parse, validate, then generate; the first error stops.
fn observe_or_error(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> syn::Result<proc_macro2::TokenStream> {
    let args: args::Args = syn::parse2(args)?;
    let function = parse_function(item)?;
    validate::validate(&args, &function)?;
    let params = params::captured(&args, &function);
    Ok(expand::expand(&args, &function, &params))
}

/// The function `#[observe]` is on, or an error saying what it is on.
fn parse_function(item: proc_macro2::TokenStream) -> syn::Result<syn::ItemFn> {
    if let Ok(function) = syn::parse2::<syn::ItemFn>(item.clone()) {
        return Ok(function);
    }
    match syn::parse2::<syn::TraitItemFn>(item.clone()) {
        Ok(method) if method.default.is_none() => Err(syn::Error::new_spanned(
            &method.sig,
            "#[observe] needs a function body: put it on the method of an `impl`, or on a default method",
        )),
        _ => Err(syn::Error::new_spanned(
            item,
            "#[observe] goes on a function, a method or an associated function",
        )),
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::observe_or_fallback;

    /// Regression: an argument error used to replace the function with the
    /// error alone.
    #[test]
    fn an_error_keeps_the_function_as_written() {
        let item = quote!(
            fn lookup(id: u32) -> u32 {
                id
            }
        );
        for args in [
            quote!(kind = "tol"),
            quote!(skip(missing)),
            quote!(nmae = "x"),
        ] {
            let out = observe_or_fallback(args.clone(), item.clone()).to_string();
            assert!(
                out.starts_with(":: core :: compile_error !"),
                "{args}: {out}"
            );
            assert!(out.ends_with(&item.to_string()), "{args}: {out}");
        }
        let on_const = quote!(
            const fn c() {}
        );
        let out = observe_or_fallback(quote!(), on_const.clone()).to_string();
        assert!(out.contains("compile_error") && out.ends_with(&on_const.to_string()));
    }

    #[test]
    fn a_valid_function_is_expanded_without_an_error() {
        let out = observe_or_fallback(
            quote!(),
            quote!(
                fn f() {}
            ),
        )
        .to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("Observation :: start"), "{out}");
    }
}
