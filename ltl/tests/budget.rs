//! The work budget of on-demand evaluation: counted in units, reported, never
//! exceeded, and a spent budget never yields a verdict. Shapes compiled to a
//! window and a hash join spend (almost) nothing per binding.

use ltl::compile::{compile, CompileOptions};
use ltl::reference::Ref;
use ltl::trace::{load, load_steps, TraceOptions};
use ltl::Verdict;

/// Requests with ids 0..n/2 in the first half of the trace, their responses in
/// the second half in reverse order (the last request is answered first), and,
/// if `drop` is set, that request's response left out.
fn requests(n: usize, drop: Option<usize>) -> String {
    let half = n / 2;
    let mut s = String::new();
    let mut line = |t: usize, kind: &str, id: usize| {
        s.push_str(&format!("{{\"time\": {t}, \"event\": {{\"kind\": \"{kind}\", \"id\": {id}}}, \"state\": {{}}}}\n"))
    };
    for i in 0..half {
        line(i, "request", i);
    }
    for i in 0..n - half {
        let id = half.saturating_sub(1 + i);
        line(half + i, if drop == Some(id) { "other" } else { "response" }, id);
    }
    s
}

fn run(f: &str, text: &str, budget: u64) -> ltl::Outcome {
    let formula = ltl::parse::parse(f).unwrap();
    let plan = compile(&formula, &CompileOptions::default()).unwrap();
    let tr = load(text.as_bytes(), &plan.paths, &TraceOptions::default()).unwrap();
    ltl::evaluate_with(&plan, &tr, 3, budget)
}

/// The verdict of the naive reference evaluator.
fn reference(f: &str, text: &str) -> Verdict {
    let formula = ltl::parse::parse(f).unwrap();
    let plan = compile(&formula, &CompileOptions::default()).unwrap();
    let steps = load_steps(text.as_bytes(), &TraceOptions::default()).unwrap();
    let r = Ref::new(&plan, &steps);
    let env = vec![0; plan.n_vars as usize];
    if r.value(plan.root, 0, 2, &env) {
        Verdict::Holds
    } else if !r.value(plan.root, 0, 4, &env) {
        Verdict::Fails
    } else {
        Verdict::Pending
    }
}

/// A body with a conjunct that is neither a join nor a time bound: per binding.
const GENERIC: &str = "always (event.kind == \"request\" -> bind w. eventually (event.kind == \"response\" && event.id == w.event.id && event.kind != w.event.kind))";
/// The same with the order left to the window: a window and a hash join.
const JOIN: &str =
    "always (event.kind == \"request\" -> bind w. eventually (event.kind == \"response\" && event.id == w.event.id))";

#[test]
fn a_spent_budget_gives_no_verdict() {
    let text = requests(400, None);
    let full = run(GENERIC, &text, u64::MAX);
    assert_eq!(full.verdict, reference(GENERIC, &text));
    assert_eq!(full.verdict, Verdict::Holds);
    assert!(!full.work.exhausted);
    for budget in [0, 1, 10, 1000, full.work.spent - 1] {
        let o = run(GENERIC, &text, budget);
        assert_eq!(o.verdict, Verdict::Pending, "budget {budget}");
        assert!(o.work.exhausted && !o.definite && o.pending.is_empty() && o.first_failure.is_none());
        assert_eq!((o.work.spent, o.work.budget), (budget, budget));
    }
    // Exactly enough: the same outcome as with no limit.
    let o = run(GENERIC, &text, full.work.spent);
    assert_eq!((o.verdict, o.work.spent, o.work.exhausted), (full.verdict, full.work.spent, false));
}

#[test]
fn generic_bind_work_is_quadratic_and_join_work_is_not() {
    let spent = |f: &str, n: usize| {
        let o = run(f, &requests(n, None), u64::MAX);
        assert_eq!(o.verdict, Verdict::Holds, "{f} on {n} steps");
        o.work.spent
    };
    let (a, b) = (spent(GENERIC, 1000), spent(GENERIC, 2000));
    assert!(b > 3 * a && b < 5 * a, "generic: {a} then {b}");
    // The join: no per-binding work, only the proof's few witnesses (linear).
    let (c, d) = (spent(JOIN, 1000), spent(JOIN, 2000));
    assert!(d <= 2 * c + 100 && 20 * c < a, "join: {c} then {d} (generic: {a})");
}

#[test]
fn join_shape_agrees_with_the_reference_evaluator() {
    for (n, drop) in [(1, None), (2, None), (2, Some(0)), (200, None), (200, Some(99)), (200, Some(0)), (201, Some(50))]
    {
        let text = requests(n, drop);
        for f in [JOIN, GENERIC] {
            let o = run(f, &text, u64::MAX);
            assert_eq!(o.verdict, reference(f, &text), "{f} on {n} steps, dropped {drop:?}");
        }
    }
}
