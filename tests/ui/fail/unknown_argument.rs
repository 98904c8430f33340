use last9_genai::observe;

#[observe(nmae = "x")]
fn f() {}

fn main() {}
