//! Regression: an observed function whose body diverges (`todo!()`,
//! `panic!`, `loop {}`) warned of unreachable code that was the macro's.
#![deny(warnings)]

use last9_genai::observe;

#[observe]
fn not_yet(prompt: &str) -> String {
    let _ = prompt;
    todo!()
}

#[observe]
fn fails() -> Result<u32, std::io::Error> {
    panic!("no")
}

#[observe]
async fn not_yet_async(prompt: &str) -> String {
    let _ = prompt;
    unimplemented!()
}

fn main() {
    let _ = (not_yet, fails, not_yet_async);
}
