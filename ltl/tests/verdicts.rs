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

/// The verdict of `f` on a JSON Lines text, with the proof checked by the reference evaluator.
fn verdict_on(f: &str, text: &str) -> Verdict {
    let formula = ltl::parse::parse(f).unwrap_or_else(|e| panic!("{}", e.render(f)));
    let opts = CompileOptions::default();
    let plan = compile(&formula, &opts).unwrap();
    let tr = load(text.as_bytes(), &plan.paths, &TraceOptions::default()).unwrap();
    let out = ltl::evaluate(&plan, &tr, 3);
    let st = load_steps(text.as_bytes(), &TraceOptions::default()).unwrap();
    ltl::proof::check_proof(&st, &formula, &opts, &out.proof).unwrap_or_else(|e| panic!("{f}: {e}"));
    out.verdict
}

#[test]
fn segments_apply_to_computed_values() {
    let text = concat!(
        "{\"state\": {\"x\": 2, \"a\": 10, \"b\": 20, \"i\": 0, \"leader\": \"n1\", \"log\": [[1, 7], {\"k\": \"v\"}]}}\n",
        "{\"state\": {\"x\": 2, \"a\": 10, \"b\": 20, \"i\": 1, \"leader\": \"n2\", \"log\": []}}\n",
        "{\"state\": {\"x\": 1, \"a\": 11, \"b\": 20, \"i\": 0.0, \"leader\": \"n3\"}}\n",
    );
    let cases = [
        // Constant bases.
        ("always[..1] state.x == [1, 2][1]", Holds),
        ("always state.x == [1, 2][1]", Fails),
        ("always state.x == [1, 2].1", Fails),
        ("[\"n1\", \"n2\"][0] == state.leader", Holds),
        ("always[..1] [\"n1\", \"n2\"][step] == state.leader", Holds),
        ("always [\"n1\", \"n2\"][step] == state.leader", Fails),
        ("eventually [\"n1\", \"n2\"][step] == null", Holds),
        // Array terms: a dynamic index picks the element at each step (0.0 is 0: 11 != 10 at step 2).
        ("always [state.a, state.b][state.i] == [10, 20][state.i]", Fails),
        ("always[..1] [state.a, state.b][state.i] == [10, 20][state.i]", Holds),
        ("always [state.a, state.b][1] == 20", Holds),
        ("always [state.a, state.b][2] == null", Holds),
        ("always [state.a, state.b].a == null", Holds),
        // Segments after the element: into the log.
        ("[state.log, 0][0][0][1] == 7", Holds),
        ("[state.log][0][1].k == \"v\"", Holds),
        ("next [state.log][0][0] == null", Holds),
        ("always ([state.log][0] == state.log)", Holds),
        // Numbers have no fields; a missing path is null.
        ("always len(state.log)[0] == null", Holds),
        ("always (state.a + 1).k == null", Holds),
        ("always (state.a + 1)[0]", Fails),
        // A quantified value with a dynamic index.
        ("forall a in [[1, 2], [3, 4]]. eventually a[state.i] >= 2", Holds),
        ("exists a in [[1, 2], [3, 4]]. always a[state.i] == 1", Fails),
        ("forall a in [[1, 2], [3, 4]]. next a[state.i] == [2, 4][(a[0] - 1) / 2]", Holds),
    ];
    for (f, want) in cases {
        assert_eq!(verdict_on(f, text), want, "{f}");
    }
}

#[test]
fn step_is_the_zero_based_line_index() {
    // Each record holds its own 1-based line number; trailing blank lines are ignored.
    let text = "{\"n\": 1}\n{\"n\": 2}\r\n{\"n\": 3}\n\n  \n";
    assert_eq!(verdict_on("always step + 1 == $.n", text), Holds);
    assert_eq!(verdict_on("eventually (step == 2 && $.n == 3)", text), Holds);
    // The blank lines are not steps: step 3 is still to come.
    assert_eq!(verdict_on("eventually step == 3", text), Pending);
    // A blank line before a step would shift `step` off the line index: both readers refuse it.
    let text = "{\"n\": 1}\n{\"n\": 2}\n\n{\"n\": 4}\n";
    let e = load(text.as_bytes(), &[], &TraceOptions::default()).unwrap_err();
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("blank line inside the trace"), "{e}");
    let e = load_steps(text.as_bytes(), &TraceOptions::default()).unwrap_err();
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("`step` is the 0-based line index"), "{e}");
}

/// Both trace readers read a float exactly (serde_json's `float_roundtrip`), so
/// the fast evaluator and the proof checker agree on a comparison with it:
/// without it, serde_json reads 0.22117889315424738 one unit in the last place off.
#[test]
fn floats_are_read_exactly_by_both_readers() {
    let text = "{\"time\": 0, \"state\": {\"x\": 0.22117889315424738}}\n";
    let formula = ltl::parse::parse("state.x == 0.22117889315424738").unwrap();
    let opts = CompileOptions::default();
    let plan = compile(&formula, &opts).unwrap();
    let tr = load(text.as_bytes(), &plan.paths, &TraceOptions::default()).unwrap();
    let out = ltl::evaluate(&plan, &tr, 3);
    assert_eq!(out.verdict, Holds);
    let st = load_steps(text.as_bytes(), &TraceOptions::default()).unwrap();
    assert_eq!(st[0].record["state"]["x"].as_f64(), Some(0.22117889315424738));
    ltl::proof::check_proof(&st, &formula, &opts, &out.proof).unwrap();
}

/// The verdict of the fast evaluator, checked against the reference evaluator's
/// verdict and by the proof checker.
fn verdict_everywhere(f: &str, text: &str) -> Verdict {
    let formula = ltl::parse::parse(f).unwrap_or_else(|e| panic!("{}", e.render(f)));
    let opts = CompileOptions::default();
    let plan = compile(&formula, &opts).unwrap();
    let tr = load(text.as_bytes(), &plan.paths, &TraceOptions::default()).unwrap();
    let out = ltl::evaluate(&plan, &tr, 3);
    let st = load_steps(text.as_bytes(), &TraceOptions::default()).unwrap();
    let r = ltl::reference::Ref::new(&plan, &st);
    let env = vec![0; plan.n_vars as usize];
    let reference = if r.value(plan.root, 0, ltl::eval::NV, &env) {
        Holds
    } else if !r.value(plan.root, 0, ltl::eval::W, &env) {
        Fails
    } else {
        Pending
    };
    assert_eq!(out.verdict, reference, "{f}: the fast evaluator and the reference disagree");
    ltl::proof::check_proof(&st, &formula, &opts, &out.proof).unwrap_or_else(|e| panic!("{f}: {e}"));
    out.verdict
}

/// Integers compare exactly, never as doubles: a request whose id differs from
/// the response's only past 2^53 is unanswered (the hash join of a compiled
/// `bind` keyed integers by their f64 bits, so it matched and said `holds`).
#[test]
fn integers_compare_exactly_in_joins_and_comparisons() {
    let req_resp = |a: &str, b: &str| {
        format!(
            "{{\"time\": 0, \"event\": {{\"kind\": \"request\", \"id\": {a}, \"ids\": [{a}]}}}}\n\
             {{\"time\": 1, \"event\": {{\"kind\": \"response\", \"id\": {b}, \"ids\": [{b}]}}}}\n"
        )
    };
    let answered = "always (event.kind == \"request\" -> bind w. eventually (event.kind == \"response\" && event.id == w.event.id))";
    let answered_list = "always (event.kind == \"request\" -> bind w. eventually (event.kind == \"response\" && event.ids == w.event.ids))";
    for (a, b) in [("9007199254740993", "9007199254740992"), ("12345678901234567", "12345678901234568")] {
        assert_eq!(verdict_everywhere(answered, &req_resp(a, b)), Pending, "{a} vs {b}");
        assert_eq!(verdict_everywhere(answered_list, &req_resp(a, b)), Pending, "[{a}] vs [{b}]");
        assert_eq!(verdict_everywhere(answered, &req_resp(a, a)), Holds, "{a}");
        assert_eq!(verdict_everywhere(answered_list, &req_resp(a, a)), Holds, "[{a}]");
    }
    // An integer and a double are equal only when they are the same number.
    assert_eq!(verdict_everywhere(answered, &req_resp("7", "7.0")), Holds);
    assert_eq!(verdict_everywhere(answered, &req_resp("9007199254740993", "9007199254740992.0")), Pending);
    assert_eq!(verdict_everywhere(answered_list, &req_resp("9007199254740993", "9007199254740992.0")), Pending);
    let t = "{\"time\": 0, \"state\": {\"a\": 9007199254740993, \"max\": 9223372036854775807}}\n";
    assert_eq!(verdict_everywhere("state.a == 9007199254740992.0", t), Fails);
    assert_eq!(verdict_everywhere("state.a > 9007199254740992.0", t), Holds);
    assert_eq!(verdict_everywhere("state.a != 9007199254740992", t), Holds);
    assert_eq!(verdict_everywhere("state.a - 1 == 9007199254740992", t), Holds);
    // Past i64, the exact result is rounded to a double: 2^63 > 2^63 - 1.
    assert_eq!(verdict_everywhere("state.max + 1 > state.max", t), Holds);
    assert_eq!(verdict_everywhere("state.max * 2 > state.max", t), Holds);
    // Doubles are doubles.
    assert_eq!(verdict_everywhere("0.1 + 0.2 == 0.3", t), Fails);
    assert_eq!(verdict_everywhere("1 == 1.0 && 7 / 2 == 3.5 && 6 / 3 == 2", t), Holds);
}

/// One rule for `before`: a record's own `before`, when it has one (not null), is
/// the whole state before the step, so a key it lacks is null; only a record
/// without one reads the previous step's state. `len(before)`, `before.x`,
/// `w.before.x` and `before[k]` agree. (`before.x` used to fall back to the
/// previous state key by key while `len(before)` read the record's own.)
#[test]
fn before_is_the_records_own_before_whole_or_the_previous_state() {
    let text = concat!(
        "{\"time\": 0, \"state\": {\"r\": {\"v\": 1}, \"k\": \"r\"}}\n",
        "{\"time\": 1, \"state\": {\"r\": {\"v\": 2}, \"k\": \"r\"}, \"before\": {\"q\": 5}}\n",
        "{\"time\": 2, \"state\": {\"r\": {\"v\": 3}, \"k\": \"r\"}, \"before\": null}\n",
    );
    for (f, want) in [
        ("next before.r.v == null", Holds),
        ("next before.q == 5", Holds),
        ("next len(before) == 1", Holds),
        ("next before[state.k].v == null", Holds),
        ("next bind w. w.before.r == null", Holds),
        ("next (bind w. w.before.q == 5)", Holds),
        // A null `before` is no `before`: the previous state.
        ("next next (before.r.v == 2 && len(before) == 2)", Holds),
        ("next next before.q == null", Holds),
        // Step 0 without one: null.
        ("before == null && before.r.v == null", Holds),
    ] {
        assert_eq!(verdict_everywhere(f, text), want, "{f}");
    }
}

/// A path no record has reads null everywhere, silently: `absent_paths` names it
/// with the closest existing key at the level where it goes missing, from what
/// every reader noted while reading (fast, streamed in pieces, serde/merge-patch).
#[test]
fn paths_no_record_has_are_named_with_the_closest_one() {
    let text = concat!(
        "{\"time\": 0, \"state\": {\"n1\": {\"role\": \"leader\"}, \"n2\": {\"role\": null}}, \"event\": {\"kind\": \"tick\"}}\n",
        "{\"time\": 1, \"state\": {\"n1\": {\"role\": \"follower\", \"log\": [1]}, \"n2\": {}}, \"faults\": []}\n",
    );
    let f = "forall a in nodes. always (state[a].rol != \"x\" && state[a].role != \"y\") && state.n9.role == null && $.faults == null && event.kind != null && state.n1.log[3] == null && before.n1.role == null";
    let formula = ltl::parse::parse(f).unwrap();
    let opts = CompileOptions { nodes: vec!["n1".into(), "n2".into()], ..CompileOptions::default() };
    let plan = compile(&formula, &opts).unwrap();
    let want = [
        ("state.n1.log[3]", "state.n1.log[3]", None),
        ("state.n1.rol", "state.n1.rol", Some("state.n1.role")),
        ("state.n2.rol", "state.n2.rol", Some("state.n2.role")),
        ("state.n9.role", "state.n9", Some("state.n1")),
    ];
    let check = |tr: &ltl::trace::Trace, reader: &str| {
        let got: Vec<(String, String, Option<String>)> =
            ltl::absent_paths(&plan, tr).into_iter().map(|w| (w.path, w.missing, w.closest)).collect();
        let want: Vec<(String, String, Option<String>)> =
            want.iter().map(|(p, m, c)| (p.to_string(), m.to_string(), c.map(String::from))).collect();
        assert_eq!(got, want, "{reader}");
    };
    check(&load(text.as_bytes(), &plan.paths, &TraceOptions::default()).unwrap(), "load");
    check(&ltl::trace::load_from(text.as_bytes(), &plan.paths, &TraceOptions::default()).unwrap(), "load_from");
    let steps = load_steps(text.as_bytes(), &TraceOptions::default()).unwrap();
    check(&ltl::trace::from_steps(&steps, &plan.paths), "from_steps");
    let w = &ltl::absent_paths(&plan, &load(text.as_bytes(), &plan.paths, &TraceOptions::default()).unwrap())[3];
    assert_eq!(
        w.to_string(),
        "no record of the trace has `state.n9`, so `state.n9.role` reads null at every step (did you mean `state.n1`?)"
    );
}

/// The reader finds a record's keys among the formula's paths by hashing, not
/// by scanning them: with K nodes in the state and a formula over all of them,
/// the comparisons grow like K per step, not K² (100,000 nodes took over a
/// minute for two steps).
#[test]
fn many_keys_cost_linear_probes() {
    let k = 3000;
    let state: Vec<String> = (0..k).map(|i| format!("\"n{i}\": {{\"up\": true}}")).collect();
    let line = format!("{{\"state\": {{{}}}}}\n", state.join(", "));
    let text = line.repeat(2);
    let formula = ltl::parse::parse("forall n in nodes. always state[n].up").unwrap();
    let opts = CompileOptions { nodes: (0..k).map(|i| format!("n{i}")).collect(), ..CompileOptions::default() };
    let plan = compile(&formula, &opts).unwrap();
    let tr = load(text.as_bytes(), &plan.paths, &TraceOptions::default()).unwrap();
    assert!(tr.key_probes <= 8 * 2 * k as u64, "{} probes for {k} keys", tr.key_probes);
    assert_eq!(ltl::evaluate(&plan, &tr, 1).verdict, Holds);
}
