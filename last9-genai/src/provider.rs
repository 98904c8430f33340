//! Telling the provider of a model from its name.

/// The `gen_ai.provider.name` of a model, guessed from its name:
/// `claude…` → `anthropic`, `gpt…`/`o1`/`o3`/`o4…`/`chatgpt…` → `openai`,
/// `gemini…` → `gcp.gemini`, `command…` → `cohere`, `mistral…`/`mixtral…` →
/// `mistral_ai`, `deepseek…` → `deepseek`. A provider prefix
/// (`azure/gpt-4o`) is looked through. `None` when unknown.
///
/// ```
/// use last9_genai::detect_provider;
///
/// assert_eq!(detect_provider("gpt-4o-2024-08-06"), Some("openai"));
/// assert_eq!(detect_provider("claude-sonnet-4-5"), Some("anthropic"));
/// assert_eq!(detect_provider("gemini-2.0-flash"), Some("gcp.gemini"));
/// assert_eq!(detect_provider("llama3.1"), None);
/// ```
pub fn detect_provider(model: &str) -> Option<&'static str> {
    let name = model
        .rsplit('/')
        .next()
        .unwrap_or(model)
        .to_ascii_lowercase();
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| name.starts_with(p));
    if name.contains("claude") {
        Some("anthropic")
    } else if name.contains("gpt") || starts(&["o1", "o3", "o4", "chatgpt", "text-embedding-"]) {
        Some("openai")
    } else if name.contains("gemini") {
        Some("gcp.gemini")
    } else if starts(&["command"]) {
        Some("cohere")
    } else if starts(&["mistral", "mixtral", "codestral"]) {
        Some("mistral_ai")
    } else if starts(&["deepseek"]) {
        Some("deepseek")
    } else {
        None
    }
}
