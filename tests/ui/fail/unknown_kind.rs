use last9_genai::observe;

#[observe(kind = "llmm")]
fn f() {}

fn main() {}
