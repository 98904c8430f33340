// Regression: an argument error used to drop the function. Now the
// function is kept as written, its callers compile against it, and the
// argument errors are the only ones reported.
use last9_genai::observe;

#[observe(kind = "tol")]
fn lookup(id: u32) -> u32 {
    id
}

#[observe(skip(missing))]
async fn fetch(id: u32) -> u32 {
    id
}

fn main() {
    let _: u32 = lookup(7);
    let _ = fetch(7);
}
