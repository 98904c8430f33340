use last9_genai::observe;

#[observe(capture_input = "yes")]
fn f() {}

#[observe(name = 42)]
fn g() {}

#[observe(tags = [production])]
fn h() {}

#[observe(metadata = { "k": some_constant })]
fn i() {}

fn main() {}
