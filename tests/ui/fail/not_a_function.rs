use last9_genai::observe;

#[observe]
struct Client;

trait Agent {
    #[observe]
    fn run(&self) -> u8;
}

fn main() {}
