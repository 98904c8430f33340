#![deny(warnings)]
use last9_genai::observe;

#[observe]
fn bare() {}

#[observe()]
fn empty_parens(x: u8) -> u8 {
    x
}

fn main() {
    bare();
    empty_parens(1);
}
