//! Memory bounds, measured by a counting allocator (this file holds one test, so
//! nothing else allocates while it runs).

use ltl::compile::{compile, CompileOptions};
use ltl::trace::{load, StateMode, TraceOptions};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;
static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let now = NOW.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(now, Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        NOW.fetch_sub(l.size(), Relaxed);
        System.dealloc(p, l)
    }
}

#[global_allocator]
static A: Counting = Counting;

/// `--state-mode merge-patch` keeps the running state once and only the paths
/// the formula reads per step: a state of 500 keys over 1,000 steps (each step
/// patching one key) must not cost 1,000 copies of the state (tens of MB).
#[test]
fn merge_patch_keeps_only_the_projected_paths() {
    let mut text = String::new();
    let first: Vec<String> = (0..500).map(|i| format!("\"n{i}\": {{\"term\": 0, \"role\": \"follower\"}}")).collect();
    text.push_str(&format!("{{\"time\": 0, \"state\": {{{}}}}}\n", first.join(", ")));
    for t in 1..1000 {
        text.push_str(&format!("{{\"time\": {t}, \"state\": {{\"n{}\": {{\"term\": {t}}}}}}}\n", t % 500));
    }
    let f = ltl::parse::parse("always state.n1.term >= 0").unwrap();
    let plan = compile(&f, &CompileOptions::default()).unwrap();
    let opts = TraceOptions { state_mode: StateMode::MergePatch, ..TraceOptions::default() };
    let base = NOW.load(Relaxed);
    PEAK.store(base, Relaxed);
    let tr = load(text.as_bytes(), &plan.paths, &opts).unwrap();
    let peak = PEAK.load(Relaxed) - base;
    assert_eq!(tr.n, 1000);
    assert_eq!(ltl::evaluate(&plan, &tr, 1).verdict, ltl::Verdict::Holds);
    // One state is about 100 KB; the columns are a few KB.
    assert!(peak < 2_000_000, "peak {peak} bytes while loading");
}
