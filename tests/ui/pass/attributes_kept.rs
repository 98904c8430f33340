#![deny(warnings)]
use last9_genai::observe;

/// Doc comments are kept.
#[observe]
#[must_use]
#[inline]
pub fn documented(x: u8) -> u8 {
    x
}

#[observe]
#[track_caller]
fn located() -> u32 {
    std::panic::Location::caller().line()
}

#[cfg(any())]
#[observe]
fn compiled_out() -> u8 {
    missing_function()
}

#[observe]
#[cfg(all())]
fn compiled_in() -> u8 {
    1
}

fn main() {
    let _ = documented(1);
    let _ = located();
    let _ = compiled_in();
}
