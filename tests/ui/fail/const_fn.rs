use last9_genai::observe;

#[observe]
const fn f() -> u8 {
    1
}

fn main() {}
