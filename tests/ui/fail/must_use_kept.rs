#![deny(unused_must_use)]
use last9_genai::observe;

#[observe]
#[must_use]
fn important() -> u8 {
    1
}

fn main() {
    important();
}
