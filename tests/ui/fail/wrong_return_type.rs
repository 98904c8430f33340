use last9_genai::observe;

#[observe]
fn f() -> u8 {
    "not a number"
}

fn main() {}
