use last9_genai::observe;

#[observe(skip(prompt, nope))]
fn f(prompt: &str) {
    let _ = prompt;
}

#[observe(redact(secret))]
fn g(key: &str) {
    let _ = key;
}

fn main() {}
