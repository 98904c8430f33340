//! Compile-time behaviour of `#[observe]`: every function shape and argument
//! compiles without a warning (`ui/pass`), and every misuse is an error
//! pointing at the token at fault (`ui/fail`, with the expected `.stderr`).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
