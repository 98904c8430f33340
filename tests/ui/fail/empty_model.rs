use last9_genai::observe;

#[observe(model = "", provider = " ")]
fn chat(prompt: &str) -> String {
    prompt.to_owned()
}

fn main() {
    let _: u8 = chat("hi");
}
