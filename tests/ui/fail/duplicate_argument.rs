use last9_genai::observe;

#[observe(kind = "tool", as_type = "chain")]
fn f() {}

fn main() {}
