#![deny(warnings)]
use std::future::Future;
use std::pin::Pin;

use last9_genai::observe;

struct S(u8);

impl S {
    #[observe]
    fn by_ref(&self) -> u8 {
        self.0
    }
    #[observe]
    fn by_mut(&mut self, n: u8) {
        self.0 += n;
    }
    #[observe]
    fn by_value(self) -> u8 {
        self.0
    }
    #[observe]
    async fn asynchronous(&self) -> Result<u8, String> {
        Ok(self.0)
    }
}

#[observe]
fn generic<T: Clone + std::fmt::Debug, U>(t: &T, _u: U, shown: impl std::fmt::Display) -> impl std::fmt::Debug {
    let _ = shown.to_string();
    t.clone()
}

#[observe]
fn early(x: i32) -> Result<i32, std::num::ParseIntError> {
    if x == 0 {
        return Ok(0);
    }
    let parsed: i32 = "7".parse()?;
    Ok(parsed * x)
}

#[observe]
fn future(x: u8) -> impl Future<Output = u8> + Send {
    async move { x }
}

#[observe]
fn boxed<'a>(x: &'a str) -> Pin<Box<dyn Future<Output = usize> + Send + 'a>> {
    Box::pin(async move { x.len() })
}

fn main() {
    let mut s = S(1);
    s.by_mut(1);
    let _ = s.by_ref();
    let _ = s.asynchronous();
    let _ = s.by_value();
    let _ = generic(&1u8, (), 2);
    let _ = early(3);
    let _ = future(1);
    let _ = boxed("x");
}
