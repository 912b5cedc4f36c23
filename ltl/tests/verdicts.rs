//! Golden verdicts: the three views at the end of the trace, closed and open windows.

use ltl::compile::{compile, CompileOptions};
use ltl::trace::{load, load_steps, TraceOptions};
use ltl::Verdict::{self, *};

/// `p`/`q` per step as a string ("p", "q", "pq", "-"), time 10 per step.
fn trace(steps: &[&str]) -> String {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!("{{\"time\": {}, \"state\": {{\"p\": {}, \"q\": {}}}}}\n", i * 10, s.contains('p'), s.contains('q'))
        })
        .collect()
}

fn verdict(f: &str, steps: &[&str]) -> Verdict {
    let text = trace(steps);
    let formula = ltl::parse::parse(f).unwrap();
    let opts = CompileOptions::default();
    let plan = compile(&formula, &opts).unwrap();
    let tr = load(text.as_bytes(), &plan.paths, &TraceOptions::default()).unwrap();
    let out = ltl::evaluate(&plan, &tr, 3);
    let st = load_steps(text.as_bytes(), &TraceOptions::default()).unwrap();
    ltl::proof::check_proof(&st, &formula, &opts, &out.proof).unwrap();
    out.verdict
}

#[test]
fn the_rows_of_the_verdict_table() {
    assert_eq!(verdict("eventually state.p", &["-", "p", "-"]), Holds);
    assert_eq!(verdict("always state.p", &["p", "p"]), Holds);
    assert_eq!(verdict("eventually state.q", &["-", "p"]), Pending);
    assert_eq!(verdict("always state.p", &["p", "-", "p"]), Fails);
    assert_eq!(verdict("always (state.p -> eventually state.q)", &["p", "q", "p"]), Pending);
    assert_eq!(verdict("always (state.p -> eventually state.q)", &["p", "q", "p", "q"]), Holds);
}

#[test]
fn strong_and_weak_next_at_the_end() {
    assert_eq!(verdict("next true", &["-"]), Pending);
    assert_eq!(verdict("wnext false", &["-"]), Holds);
    assert_eq!(verdict("always wnext state.p", &["-", "p", "p"]), Holds);
    assert_eq!(verdict("always next state.p", &["-", "p", "p"]), Pending);
    assert_eq!(verdict("prev true", &["-", "-"]), Fails);
    assert_eq!(verdict("wprev false", &["-", "-"]), Holds);
    assert_eq!(verdict("!eventually state.q", &["-", "-"]), Holds);
    assert_eq!(verdict("eventually false", &["-", "-"]), Fails);
}

#[test]
fn windows_close_inside_the_trace() {
    // In steps: q must come within 2 steps.
    assert_eq!(verdict("eventually[..2] state.q", &["-", "-", "-", "q"]), Fails);
    assert_eq!(verdict("eventually[..2] state.q", &["-", "-"]), Pending);
    assert_eq!(verdict("eventually[1..2] state.q", &["q", "-", "q"]), Holds);
    // In time (10 ms a step): within 15 ms means steps 0 and 1 only.
    assert_eq!(verdict("eventually[..15ms] state.q", &["-", "-", "q"]), Fails);
    assert_eq!(verdict("eventually[..15ms] state.q", &["-"]), Pending);
    assert_eq!(verdict("eventually[..20ms) state.q", &["-", "-", "q"]), Fails);
    assert_eq!(verdict("eventually[..20ms] state.q", &["-", "-", "q"]), Holds);
    // A deadline written with bind closes the same way.
    let f = "bind w. eventually (state.q && time - w.time <= 15)";
    assert_eq!(verdict(f, &["-", "-", "q"]), Fails);
    assert_eq!(verdict(f, &["-"]), Pending);
    assert_eq!(verdict("always[..15ms] state.p", &["p", "p", "-"]), Holds);
    assert_eq!(verdict("always[..15ms] state.p", &["p"]), Holds); // not definite, but never violated
}

#[test]
fn until_release_since() {
    assert_eq!(verdict("state.p until state.q", &["p", "p", "q"]), Holds);
    assert_eq!(verdict("state.p until state.q", &["p", "-", "q"]), Fails);
    assert_eq!(verdict("state.p until state.q", &["p", "p"]), Pending);
    assert_eq!(verdict("state.p wuntil state.q", &["p", "p"]), Holds);
    assert_eq!(verdict("state.q release state.p", &["p", "p"]), Holds);
    assert_eq!(verdict("state.q release state.p", &["p", "-"]), Fails);
    assert_eq!(verdict("eventually (state.p since state.q)", &["-", "q", "p", "p"]), Holds);
    assert_eq!(verdict("always (state.p -> once state.q)", &["-", "q", "p"]), Holds);
    assert_eq!(verdict("always (state.p -> once state.q)", &["p", "q"]), Fails);
    assert_eq!(verdict("always (state.q -> historically[..10ms] state.p)", &["-", "p", "pq"]), Holds);
}
