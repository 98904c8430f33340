//! Capture is bounded in memory and depth by the capture limit, whatever
//! the value: a return value nested 100 000 levels deep, and one of 100 MB.
//! The allocator of this binary counts, so memory is measured, not
//! guessed.

mod common;

use common::string;
use last9_genai::{TRUNCATION_MARKER, observe};
use peak_alloc::PeakAlloc;
use serde::Serialize;

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

/// A list nested without end, which writes nothing per level.
#[derive(Serialize)]
struct Node(Option<Box<Node>>);

impl Node {
    fn deep(levels: usize) -> Self {
        let mut node = Node(None);
        for _ in 0..levels {
            node = Node(Some(Box::new(node)));
        }
        node
    }

    fn depth(&self) -> usize {
        let (mut depth, mut next) = (0, &self.0);
        while let Some(inner) = next {
            depth += 1;
            next = &inner.0;
        }
        depth
    }
}

impl Drop for Node {
    // Iterative: the derived drop would recurse once per level.
    fn drop(&mut self) {
        let mut next = self.0.take();
        while let Some(mut inner) = next {
            next = inner.0.take();
        }
    }
}

#[observe]
fn build_tree(levels: usize) -> Node {
    Node::deep(levels)
}

/// Regression: the process aborted (stack overflow) capturing it.
#[test]
fn a_return_value_nested_100_000_levels_is_captured_on_a_small_stack() {
    let (_turn, h) = common::observed();
    let depth = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| build_tree(100_000).depth())
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert_eq!(depth, 100_000, "the value returned is the value built");
    let span = h.span("build_tree");
    let completion = common::event_attr(&span, "gen_ai.content.completion", "gen_ai.completion");
    assert_eq!(completion.as_deref(), Some(TRUNCATION_MARKER));
    assert_eq!(string(&span, "gen_ai.l9.capture_failed"), None);
}

/// 100 MB behind a `Serialize` impl.
#[derive(Serialize)]
struct Blob {
    id: &'static str,
    data: Vec<u8>,
    text: String,
}

#[observe]
fn fetch_blob(blob: &'static Blob) -> &'static Blob {
    blob
}

/// Regression: the return value was copied whole into a JSON tree (+100
/// MiB). Capture now costs the limit, not the value.
#[test]
fn a_100_mb_return_value_is_not_copied() {
    let (_turn, h) = common::observed();
    let blob: &'static Blob = Box::leak(Box::new(Blob {
        id: "blob-1",
        data: vec![7; 50 << 20],
        text: "x".repeat(50 << 20),
    }));
    let before = ALLOCATOR.current_usage();
    ALLOCATOR.reset_peak_usage();
    let returned = fetch_blob(blob);
    let peak = ALLOCATOR.peak_usage() - before;
    assert!(std::ptr::eq(returned, blob));
    assert!(
        peak < 1 << 20,
        "capturing a 100 MB value took {peak} bytes at its peak"
    );
    let span = h.span("fetch_blob");
    let completion =
        common::event_attr(&span, "gen_ai.content.completion", "gen_ai.completion").unwrap();
    assert!(completion.starts_with("{\"id\":\"blob-1\",\"data\":[7,7,7,"));
    assert!(completion.ends_with(TRUNCATION_MARKER));
    assert_eq!(
        completion.len(),
        last9_genai::DEFAULT_CAPTURE_LIMIT + TRUNCATION_MARKER.len(),
        "the limit, then the marker"
    );
}

/// The same list, known only by `Debug`.
#[derive(Debug)]
struct DebugNode(Option<Box<DebugNode>>);

impl Drop for DebugNode {
    fn drop(&mut self) {
        let mut next = self.0.take();
        while let Some(mut inner) = next {
            next = inner.0.take();
        }
    }
}

#[observe]
fn build_debug_tree(levels: usize) -> DebugNode {
    let mut node = DebugNode(None);
    for _ in 0..levels {
        node = DebugNode(Some(Box::new(node)));
    }
    node
}

/// `Debug` writes a few bytes per level, so the limit bounds the depth.
#[test]
fn a_debug_only_value_nested_100_000_levels_is_cut_at_the_limit() {
    let (_turn, h) = common::observed();
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(|| drop(build_debug_tree(100_000)))
        .unwrap()
        .join()
        .expect("no stack overflow");
    let span = h.span("build_debug_tree");
    let completion =
        common::event_attr(&span, "gen_ai.content.completion", "gen_ai.completion").unwrap();
    assert!(completion.starts_with("DebugNode(Some(DebugNode(Some("));
    assert_eq!(
        completion.len(),
        last9_genai::DEFAULT_CAPTURE_LIMIT + TRUNCATION_MARKER.len()
    );
}
