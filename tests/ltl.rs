//! End-to-end tests of `histcheck ltl`: verdicts and exit codes on the cluster
//! fixture, proofs in JSON and text, tables, and input errors.

use serde_json::Value as Json;
use std::process::{Command, Output};

const CLUSTER: &str = "fixtures/ltl/cluster.jsonl";
const SPEC: &str = "fixtures/ltl/cluster.spec";

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_histcheck"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("ltl")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn out(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8")
}

fn err(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("UTF-8")
}

#[track_caller]
fn expect_code(o: &Output, want: i32) {
    assert_eq!(o.status.code(), Some(want), "--- stdout\n{}\n--- stderr\n{}", out(o), err(o));
    assert!(!err(o).contains("panicked"), "{}", err(o));
}

fn json(args: &[&str]) -> (Json, Output) {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    let o = run(&a);
    let doc = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", out(&o), err(&o)));
    (doc, o)
}

fn spec(name: &str) -> String {
    let text = std::fs::read_to_string(format!("{}/{SPEC}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    text.lines().find_map(|l| l.strip_prefix(&format!("{name}:"))).unwrap().trim().to_string()
}

#[test]
fn two_leaders_in_one_term_fail_at_step_30() {
    let (d, o) = json(&[&spec("election-safety"), CLUSTER]);
    expect_code(&o, 1);
    assert_eq!(d["verdict"], "fails");
    assert_eq!(d["first_failure"], serde_json::json!({"step": 30, "time": 300}));
    let p = &d["proof"];
    assert_eq!(p["kind"], "violation");
    assert_eq!(p["op"], "always");
    assert_eq!(p["witness"]["step"], 30);
    // The text names both leaders and their terms.
    let o = run(&[&spec("election-safety"), CLUSTER]);
    let text = out(&o);
    assert!(text.starts_with("fails: "), "{text}");
    assert!(text.contains("step 30 (t=300): state[a].term == state[b].term: 3 == 3"), "{text}");
}

#[test]
fn a_late_response_is_a_definite_failure_not_pending() {
    let (d, o) = json(&[&spec("answered-in-100ms"), CLUSTER]);
    expect_code(&o, 1);
    assert_eq!(d["verdict"], "fails");
    assert_eq!(d["definite"], true);
    assert_eq!(d["first_failure"]["step"], 20);
}

#[test]
fn an_unanswered_request_at_the_end_is_pending() {
    let (d, o) = json(&[&spec("answered"), CLUSTER]);
    expect_code(&o, 3);
    assert_eq!(d["verdict"], "pending");
    assert_eq!(d["pending"]["count"], 1);
    assert_eq!(d["pending"]["obligations"][0]["step"], 44);
    // --end turns it into a failure or a pass.
    expect_code(&run(&["--end", "strict", &spec("answered"), CLUSTER]), 1);
    expect_code(&run(&["--end", "lenient", &spec("answered"), CLUSTER]), 0);
    let text = out(&run(&[&spec("answered"), CLUSTER]));
    assert!(text.contains("1 obligation was still open"), "{text}");
}

#[test]
fn holding_properties_exit_0_with_a_satisfaction_proof() {
    let (d, o) = json(&[&spec("someone-leads"), CLUSTER]);
    expect_code(&o, 0);
    assert_eq!(d["proof"]["kind"], "satisfaction");
    assert_eq!(d["proof"]["witness"]["step"], 2);
    let (d, o) = json(&[&spec("terms-monotonic"), CLUSTER]);
    expect_code(&o, 0);
    assert_eq!(d["verdict"], "holds");
    assert_eq!(d["first_failure"], Json::Null);
}

#[test]
fn universal_evidence_is_a_range_with_samples() {
    let (d, o) = json(&["--samples", "2", "always state.n1.term >= 0", CLUSTER]);
    expect_code(&o, 0);
    let r = &d["proof"]["range"];
    assert_eq!(r["count"], 48);
    assert_eq!(r["from"]["step"], 0);
    assert_eq!(r["to"]["step"], 47);
    assert_eq!(r["samples"].as_array().unwrap().len(), 2);
}

#[test]
fn a_spec_file_gives_a_table_and_the_worst_exit_code() {
    let o = run(&["--spec", SPEC, CLUSTER]);
    expect_code(&o, 1);
    let t = out(&o);
    for line in ["election-safety", "step 30 (t=300)", "terms-monotonic", "pending"] {
        assert!(t.contains(line), "{t}");
    }
    let (d, o) = json(&["-f", "ok=eventually state.n3.role == \"leader\"", "-f", "open=eventually false", CLUSTER]);
    expect_code(&o, 1);
    assert_eq!(d["results"][0]["verdict"], "holds");
    assert_eq!(d["results"][1]["verdict"], "fails");
    let (_, o) = json(&["-f", "ok=true", "-f", "open=eventually state.nobody", CLUSTER]);
    expect_code(&o, 3);
}

#[test]
fn output_is_deterministic() {
    let a = run(&["--spec", SPEC, "--json", CLUSTER]);
    let b = run(&["--spec", SPEC, "--json", CLUSTER]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn formula_errors_show_a_caret() {
    let o = run(&["always (state.a == )", CLUSTER]);
    expect_code(&o, 2);
    let e = err(&o);
    assert!(e.contains("column 20"), "{e}");
    assert!(e.contains("  always (state.a == )\n"), "{e}");
    assert!(e.contains(&format!("\n  {}^", " ".repeat(19))), "{e}");
    expect_code(&run(&["always nosuchname", CLUSTER]), 2);
    expect_code(&run(&["-f", "bad", CLUSTER]), 2);
}

#[test]
fn trace_errors_name_the_file_and_line() {
    let o = run(&["always true", "fixtures/ltl/time-backwards.jsonl"]);
    expect_code(&o, 2);
    assert!(err(&o).contains("fixtures/ltl/time-backwards.jsonl:3: time goes backwards"), "{}", err(&o));
    let o = run(&["always state.a > 0", "fixtures/ltl/malformed.jsonl"]);
    expect_code(&o, 2);
    assert!(err(&o).contains("fixtures/ltl/malformed.jsonl:2:"), "{}", err(&o));
    let o = run(&["always true", "fixtures/ltl/no-such-file.jsonl"]);
    expect_code(&o, 2);
}

#[test]
fn merge_patches_build_the_state() {
    // n1's term goes 1, 1, 2, 1: it decreases at step 3 (t=12).
    let f = "forall n in nodes. always (bind w. wnext (state[n].term >= w.state[n].term))";
    let (d, o) = json(&["--state-mode", "merge-patch", f, "fixtures/ltl/patches.jsonl"]);
    expect_code(&o, 1);
    // The always under the forall fails at step 2, whose next step lowers the term.
    assert_eq!(d["first_failure"], serde_json::json!({"step": 2, "time": 9}));
    let text = out(&run(&["--state-mode", "merge-patch", f, "fixtures/ltl/patches.jsonl"]));
    assert!(text.contains("fails for n = \"n1\""), "{text}");
    let (d, o) = json(&[
        "--state-mode",
        "merge-patch",
        "eventually state.n2.role == \"leader\" && always len(state) == 2",
        "fixtures/ltl/patches.jsonl",
    ]);
    expect_code(&o, 0);
    assert_eq!(d["verdict"], "holds");
}

#[test]
fn metric_intervals_use_the_time_unit() {
    // Requests every 50 ms; with ms time, a response within 30 ms exists for request 1.
    let (d, o) = json(&["eventually[..30ms] (event.kind == \"response\" && event.id == 1)", CLUSTER]);
    expect_code(&o, 1);
    assert_eq!(d["verdict"], "fails");
    let (d, o) = json(&["eventually[..0.08s] (event.kind == \"response\" && event.id == 1)", CLUSTER]);
    expect_code(&o, 0);
    assert_eq!(d["proof"]["witness"]["step"], 8);
    // The same bound in steps.
    let (_, o) = json(&["eventually[..8] (event.kind == \"response\" && event.id == 1)", CLUSTER]);
    expect_code(&o, 0);
}

#[test]
fn detsys_formulas_are_accepted() {
    let (d, o) = json(&["--syntax", "detsys", "[] @n2'.role = `\"follower\"`", CLUSTER]);
    expect_code(&o, 1);
    assert_eq!(d["first_failure"]["step"], 30);
    let (_, o) = json(&["--syntax", "detsys", "forall n. <> @n'.term = `3`", CLUSTER]);
    expect_code(&o, 0);
    // @n is the state before the step: n1's term changes only when the step says so.
    let (_, o) = json(&["--syntax", "detsys", "<> (@n1.term = `2` && @n1'.term = `3`)", CLUSTER]);
    expect_code(&o, 0);
    let o = run(&["--syntax", "detsys", "[] @n1'.term == 1", CLUSTER]);
    expect_code(&o, 2);
    assert!(err(&o).contains("^"), "{}", err(&o));
}

/// The documented `histcheck ltl` examples (docs/ltl.md) run (on the cluster fixture) and never
/// hit a usage or formula error.
#[test]
fn readme_examples_run() {
    let readme = std::fs::read_to_string(format!("{}/docs/ltl.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let section = readme.split("# `histcheck ltl").nth(1).expect("docs/ltl.md has the ltl section");
    let block = section.split("```sh").nth(1).unwrap().split("```").next().unwrap();
    let bin = env!("CARGO_BIN_EXE_histcheck");
    let mut ran = 0;
    for line in block.lines().filter(|l| l.starts_with("histcheck ltl")) {
        let cmd = line.split("   #").next().unwrap().replacen("histcheck", bin, 1).replace("run.jsonl", CLUSTER);
        let o = Command::new("sh").arg("-c").arg(&cmd).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
        let code = o.status.code();
        assert!(matches!(code, Some(0 | 1 | 3)), "{cmd}: {code:?}\n{}", err(&o));
        ran += 1;
    }
    assert!(ran >= 4);
}

/// A trace written to a file of its own under the system's temporary directory.
fn temp_trace(name: &str, text: &str) -> String {
    let p = std::env::temp_dir().join(format!("histcheck-ltl-{}-{name}.jsonl", std::process::id()));
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn computed_values_take_indices() {
    let ok = temp_trace(
        "index-ok",
        "{\"state\": {\"x\": 2, \"a\": 1, \"b\": 20, \"i\": 1}}\n{\"state\": {\"x\": 2, \"a\": 5, \"b\": 20, \"i\": 1}}\n",
    );
    let bad = temp_trace(
        "index-bad",
        "{\"state\": {\"x\": 2, \"a\": 1, \"b\": 20, \"i\": 1}}\n{\"state\": {\"x\": 1, \"a\": 5, \"b\": 20, \"i\": 0}}\n",
    );
    let (d, o) = json(&["always state.x == [1,2][1]", &ok]);
    expect_code(&o, 0);
    assert_eq!(d["verdict"], "holds");
    let (d, o) = json(&["always state.x == [1,2][1]", &bad]);
    expect_code(&o, 1);
    assert_eq!(d["first_failure"], serde_json::json!({"step": 1, "time": 1}));
    // The leaf names the indexed term and the value it read.
    let f = "always [state.a, state.b][state.i] == 20";
    expect_code(&run(&[f, &ok]), 0);
    let o = run(&[f, &bad]);
    expect_code(&o, 1);
    assert!(out(&o).contains("[state.a, state.b][state.i] == 20: 5 == 20"), "{}", out(&o));
    let o = run(&["always [\"n1\", \"n2\"][step] != null && len(state)[0] == null", &ok]);
    expect_code(&o, 0);
    for p in [ok, bad] {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn a_blank_line_inside_the_trace_is_an_input_error() {
    let inner =
        temp_trace("blank-inner", "{\"state\": {\"x\": 1}}\n{\"state\": {\"x\": 1}}\n  \n{\"state\": {\"x\": 2}}\n");
    for f in ["always state.x == 1", "always true"] {
        let o = run(&[f, &inner]);
        expect_code(&o, 2);
        assert!(
            err(&o).contains(&format!(
                "{inner}:3: blank line inside the trace (one step per line; `step` is the 0-based line index)"
            )),
            "{}",
            err(&o)
        );
        assert_eq!(out(&o), "");
    }
    // Merge-patch mode reads with the other reader, to the same error.
    let o = run(&["--state-mode", "merge-patch", "always true", &inner]);
    expect_code(&o, 2);
    assert!(err(&o).contains(&format!("{inner}:3: blank line inside the trace")), "{}", err(&o));
    // Blank lines after the last step are ignored, and steps are file lines - 1.
    let trailing = temp_trace("blank-trailing", "{\"state\": {\"x\": 1}}\n{\"state\": {\"x\": 2}}\n\n \r\n\n");
    let (d, o) = json(&["always state.x == 1", &trailing]);
    expect_code(&o, 1);
    assert_eq!(d["first_failure"], serde_json::json!({"step": 1, "time": 1}));
    let (_, o) = json(&["--state-mode", "merge-patch", "always step <= 1", &trailing]);
    expect_code(&o, 0);
    for p in [inner, trailing] {
        let _ = std::fs::remove_file(p);
    }
}

/// `w.$…` reads the whole record of the bound step (a bound name freezes the
/// whole step, not only its state: docs/ltl.md, Formulas), as `$…`
/// reads the current one, and `w.before…` the state before it, as `before…` does.
#[test]
fn bound_records_and_their_limits() {
    let t = &temp_trace("bound-records-t", "{\"time\": 0, \"x\": 1, \"state\": {\"a\": 1}}\n{\"time\": 5, \"x\": 2, \"state\": {\"a\": 1}}\n{\"time\": 9, \"x\": 2, \"state\": {\"a\": 3}}\n");
    expect_code(&run(&["bind w. next ($.x == w.$.x + 1 && w.$.state.a == 1)", t]), 0);
    expect_code(&run(&["bind w. w.$.time == 0 && w.$.x == w.x", t]), 0);
    // x stays 2 from step 1 to step 2: the increment fails there.
    let (doc, o) = json(&["always (bind w. wnext ($.x == w.$.x + 1))", t]);
    expect_code(&o, 1);
    assert_eq!(doc["first_failure"]["step"], 1, "{doc}");
    // `w.before`: the state at the step before w (null when w is step 0).
    expect_code(&run(&["bind w. w.before == null", t]), 0);
    expect_code(&run(&["next next bind w. w.before.a == 1 && prev state.a == 1", t]), 0);
    expect_code(&run(&["always (bind w. w.before.a == null || w.before.a <= state.a)", t]), 0);
    expect_code(&run(&["next next bind w. w.before.a == 3", t]), 1);
}

/// `--end-time`: the run went on without steps until then, so a deadline that
/// ends before it is a definite failure instead of pending; an end time before
/// the last step, or one that is not a time, is exit 2.
#[test]
fn an_end_time_closes_the_windows_before_it() {
    let t = &temp_trace("end-time-t", "{\"time\": 0, \"event\": {\"kind\": \"request\", \"id\": 1}}\n{\"time\": 10, \"event\": {\"kind\": \"tick\"}}\n{\"time\": 50, \"event\": {\"kind\": \"tick\"}}\n");
    let f = "always (event.kind == \"request\" -> bind w. eventually (event.kind == \"response\" && event.id == w.event.id && time - w.time <= 100))";
    expect_code(&run(&[f, t]), 3);
    expect_code(&run(&["--end-time", "90", f, t]), 3);
    let (doc, o) = json(&["--end-time", "101", f, t]);
    expect_code(&o, 1);
    assert_eq!(doc["end_time"], 101, "{doc}");
    assert_eq!(doc["first_failure"]["step"], 0, "{doc}");
    // A duration is converted with --time-unit (ms): 1 s = 1000.
    expect_code(&run(&["--end-time", "1s", f, t]), 1);
    expect_code(&run(&["--end-time", "1m", "--time-unit", "s", f, t]), 3);
    expect_code(&run(&["--end-time", "2m", "--time-unit", "s", f, t]), 1);
    // Step windows do not close with time.
    expect_code(&run(&["--end-time", "1000", "eventually[..5] event.kind == \"response\"", t]), 3);
    let o = run(&["--end-time", "20", f, t]);
    expect_code(&o, 2);
    assert!(err(&o).contains("before the last step's time 50"), "{}", err(&o));
    expect_code(&run(&["--end-time", "soon", f, t]), 2);
}

/// `before…` (and detsys's `@n.path`) reads a record's own `before` where it has
/// one: a stored detsys run keeps the deployment state there at step 0, as
/// detsys's ltl sees it. Without one it is the previous step's state, null at 0.
#[test]
fn before_prefers_the_records_own_before() {
    let own = &temp_trace("before-own", "{\"time\": 0, \"state\": {\"r\": {\"v\": 1}}, \"before\": {\"r\": {\"v\": 0}}}\n{\"time\": 1, \"state\": {\"r\": {\"v\": 2}}, \"before\": {\"r\": {\"v\": 1}}}\n");
    let bare = &temp_trace(
        "before-bare",
        "{\"time\": 0, \"state\": {\"r\": {\"v\": 1}}}\n{\"time\": 1, \"state\": {\"r\": {\"v\": 2}}}\n",
    );
    expect_code(&run(&["--syntax", "detsys", "@r.v = `0`", own]), 0);
    expect_code(&run(&["--syntax", "detsys", "@r.v = `0`", bare]), 1);
    expect_code(&run(&["before.r.v == 0 && next before.r.v == 1", own]), 0);
    expect_code(&run(&["before.r.v == null && next before.r.v == 1", bare]), 0);
    expect_code(&run(&["always (before.r.v == null || before.r.v < state.r.v)", own]), 0);
    // A record's own `before` is the whole before-state: a node it lacks is null,
    // not the previous step's (the same rule for `len(before)` and `@n.path`).
    let partial = &temp_trace(
        "before-partial",
        "{\"time\": 0, \"state\": {\"r\": {\"v\": 1}}}\n{\"time\": 1, \"state\": {\"r\": {\"v\": 2}}, \"before\": {\"s\": {\"v\": 0}}}\n",
    );
    expect_code(&run(&["next (before.r.v == null && len(before) == 1 && before.s.v == 0)", partial]), 0);
    expect_code(&run(&["--syntax", "detsys", "<> (@s.v = `0`)", partial]), 0);
    expect_code(&run(&["--syntax", "detsys", "[] ~(@r.v = `1`)", partial]), 0);
}

/// The `--json` document, byte for byte: keys in the documented order (a typed
/// document, not a map whose keys come out sorted), a warning for a path no
/// record has, and ids past 2^53 compared exactly (the request is unanswered).
#[test]
fn json_output_is_the_documented_document_exactly() {
    let f = "always (event.kind == \"request\" -> bind w. eventually (event.kind == \"response\" && event.id == w.event.id)) && always state.n1.rol != \"x\"";
    let o = run(&["--json", "--samples", "1", f, "fixtures/ltl/golden.jsonl"]);
    expect_code(&o, 3);
    let want = std::fs::read_to_string(format!("{}/fixtures/ltl/golden.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert_eq!(out(&o), want);
    assert_eq!(
        err(&o),
        "warning: fixtures/ltl/golden.jsonl: no record of the trace has `state.n1.rol`, so it reads null at every step (did you mean `state.n1.role`?)\n"
    );
}

/// A path no record has (a typo, a node the trace lacks) is named on stderr and
/// in `--json`, with the closest existing path; detsys node names too.
#[test]
fn absent_paths_are_warned_about() {
    let o = run(&["forall a in nodes. always state[a].rol != \"leader\"", CLUSTER]);
    expect_code(&o, 0);
    assert!(
        err(&o).contains(
            "no record of the trace has `state.n1.rol`, so it reads null at every step (did you mean `state.n1.role`?)"
        ),
        "{}",
        err(&o)
    );
    let o = run(&["--syntax", "detsys", "[] ~(@n9'.role = `\"leader\"`)", CLUSTER]);
    assert!(err(&o).contains("no record of the trace has `state.n9`, so `state.n9.role` reads null at every step (did you mean `state.n1`?)"), "{}", err(&o));
    let (d, _) = json(&["-f", "a=always state.n1.rol == null", "-f", "b=always state.n1.role != null", CLUSTER]);
    assert_eq!(d["results"][0]["warnings"][0]["closest"], "state.n1.role");
    assert_eq!(d["results"][1]["warnings"], serde_json::json!([]));
    // Paths that exist somewhere, even as null, are not warned about.
    let o = run(&["always (event.node == null || event.node != null)", CLUSTER]);
    assert_eq!(err(&o), "");
}

/// Proofs embed at most 64 elements of an array (and 256 characters of a
/// string), with a count of what was cut, in JSON and in text.
#[test]
fn big_values_in_proofs_are_capped() {
    let xs: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
    let t = temp_trace("big-values", &format!("{{\"time\": 0, \"state\": {{\"xs\": [{}]}}}}\n", xs.join(", ")));
    let (d, o) = json(&["state.xs == []", &t]);
    expect_code(&o, 1);
    let left = &d["proof"]["left"];
    assert_eq!(left["value"].as_array().map(Vec::len), Some(64));
    assert_eq!(left["cut"], 936);
    let o = run(&["state.xs == []", &t]);
    assert!(out(&o).contains("(… 936 more elements, keys or characters cut)"), "{}", out(&o));
}

/// Formulas that used to crash or blow up: exit 2 with the column, or a verdict
/// at a cost linear in the text.
#[test]
fn pathological_formulas_are_errors_or_cheap() {
    let t = &temp_trace("patho", "{\"time\": 0, \"state\": {\"p\": true}}\n");
    let o = run(&["state.p /* never closed && false", t]);
    expect_code(&o, 2);
    assert!(err(&o).contains("unterminated comment"), "{}", err(&o));
    assert!(err(&o).contains("column 9") || err(&o).contains(":9"), "{}", err(&o));
    // A 16,000-segment path: a verdict, not a stack overflow.
    expect_code(&run(&[&format!("state{} == null", ".a".repeat(16_000)), t]), 0);
    expect_code(&run(&[&format!("state.p{} == null", "[0]".repeat(16_000)), t]), 0);
    // 3,000 chained lets: nested too deeply once expanded.
    let lets: String = (1..=3000).map(|k| format!("let a{k} = !a{};", k - 1)).collect();
    let o = run(&[&format!("let a0 = state.p; {lets} a3000"), t]);
    expect_code(&o, 2);
    assert!(err(&o).contains("once `let` names are expanded"), "{}", err(&o));
    // 40 doubling lets and 63 chained `<->`: a DAG, evaluated at once.
    let lets: String = (1..=40).map(|k| format!("let a{k} = a{} && a{};", k - 1, k - 1)).collect();
    expect_code(&run(&[&format!("let a0 = state.p; {lets} always a40"), t]), 0);
    expect_code(&run(&[&vec!["state.p"; 64].join(" <-> "), t]), 0);
}

#[test]
fn formula_errors_escape_control_characters_and_cap_quotes() {
    // An OSC sequence in the formula (it would retitle the terminal).
    let o = run(&["always state.x == 1 \u{1b}]0;p\u{7}", CLUSTER]);
    expect_code(&o, 2);
    let e = err(&o);
    assert!(!e.contains('\u{1b}') && !e.contains('\u{7}'), "{e:?}");
    assert!(e.contains("unexpected character `\\u{1b}`"), "{e}");
    assert!(e.contains("  always state.x == 1 \\u{1b}]0;p\\u{7}\n"), "{e}");
    // The caret stays under the escaped character.
    assert!(e.contains(&format!("\n  {}^", " ".repeat(20))), "{e}");
    // A raw control character inside a string literal.
    let o = run(&["always state.x == \"a\u{1b}[2Jb\"", CLUSTER]);
    expect_code(&o, 2);
    let e = err(&o);
    assert!(!e.contains('\u{1b}'), "{e:?}");
    assert!(e.contains("bad string literal"), "{e}");
    assert!(e.contains("\\u{1b}[2Jb"), "{e}");
    // A long name is cut in the message, a long line around the caret, each with a count.
    let long = "x".repeat(100_000);
    let o = run(&[&format!("always {long} == 1"), CLUSTER]);
    expect_code(&o, 2);
    let e = err(&o);
    assert!(e.len() < 1_000, "{} bytes: {}", e.len(), &e[..1_000]);
    assert!(e.contains("more chars]"), "{e}");
    // Names of formulas are escaped too.
    let o = run(&["-f", "a\u{1b}]0;x\u{7}b", CLUSTER]);
    expect_code(&o, 2);
    assert!(err(&o).contains("got `a\\u{1b}]0;x\\u{7}b`"), "{:?}", err(&o));
    let o = run(&["-f", "a\u{1b}b=nosuch", "-f", "c=always true", CLUSTER]);
    expect_code(&o, 2);
    assert!(err(&o).contains("formula `a\\u{1b}b`, column 1: unknown name `nosuch`"), "{:?}", err(&o));
}

#[test]
fn times_beyond_64_bits_say_so_and_i64_max_works() {
    for (name, t) in [("tmax-double", "9223372036854775807.0"), ("t93e18", "9.3e18"), ("tneg", "-1e19")] {
        let p = temp_trace(name, &format!("{{\"time\": 1}}\n{{\"time\": {t}}}\n"));
        for mode in ["full", "merge-patch"] {
            let o = run(&["--state-mode", mode, "always true", &p]);
            expect_code(&o, 2);
            let e = err(&o);
            assert!(e.contains(":2: ") && e.contains("outside the 64-bit integer range"), "{t} {mode}: {e}");
            assert!(!e.contains("not a whole number"), "{t} {mode}: {e}");
        }
    }
    let p = temp_trace("thalf", "{\"time\": 1.5}\n");
    for mode in ["full", "merge-patch"] {
        let o = run(&["--state-mode", mode, "always true", &p]);
        expect_code(&o, 2);
        assert!(err(&o).contains("not a whole number"), "{}", err(&o));
    }
    let p = temp_trace("tmax", "{\"time\": 1}\n{\"time\": 9223372036854775807}\n");
    for mode in ["full", "merge-patch"] {
        expect_code(&run(&["--state-mode", mode, "always true", &p]), 0);
    }
}

#[test]
fn an_end_time_of_i64_max_is_a_time() {
    let p = temp_trace("endmax", "{\"time\": 1}\n{\"time\": 2}\n");
    let (d, o) = json(&["--end-time", "9223372036854775807", "always true", &p]);
    expect_code(&o, 0);
    assert_eq!(d["end_time"], serde_json::json!(9223372036854775807i64));
    let o = run(&["--end-time", "9223372036854775808", "always true", &p]);
    expect_code(&o, 2);
    assert!(err(&o).contains("outside the range of times"), "{}", err(&o));
    let (d, o) = json(&["--end-time", "2.5", "always true", &p]);
    expect_code(&o, 0);
    assert_eq!(d["end_time"], 2);
}

#[test]
fn a_lone_surrogate_names_the_line_and_column_of_its_string() {
    let lines = "{\"time\": 1, \"state\": {\"p\": \"a\"}}\n{\"time\": 2, \"state\": {\"p\": \"x\\ud800y\"}}\n";
    let low = "{\"time\": 1, \"state\": {\"p\": \"a\"}}\n{\"time\": 2, \"state\": {\"p\": \"\\udc00\"}}\n";
    let pair = "{\"time\": 1, \"state\": {\"p\": \"\\ud83d\\ude00\"}}\n";
    for (name, text, code) in [("sur-high", lines, "\\ud800"), ("sur-low", low, "\\udc00")] {
        let p = temp_trace(name, text);
        // Read into a column, skipped by the fast reader, and parsed by serde (merge-patch).
        for args in [
            &["always state.p != \"z\"", &p][..],
            &["always true", &p][..],
            &["--state-mode", "merge-patch", "always state.p != \"z\"", &p][..],
        ] {
            let o = run(args);
            expect_code(&o, 2);
            let e = err(&o);
            let want = format!(":2: column 28: a lone UTF-16 surrogate ({code}) is not a character");
            assert!(e.contains(&want), "{args:?}: {e}");
        }
    }
    let p = temp_trace("sur-pair", pair);
    expect_code(&run(&["always state.p == \"\u{1f600}\"", &p]), 0);
    expect_code(&run(&["--state-mode", "merge-patch", "always state.p == \"\u{1f600}\"", &p]), 0);
}

/// A trace of `n` steps with distinct ids, written under the target directory.
fn unique_ids_trace(n: usize) -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("unique-ids-{n}.jsonl"));
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!("{{\"time\": {i}, \"event\": {{\"id\": {i}}}, \"state\": {{}}}}\n"));
    }
    std::fs::write(&path, s).unwrap();
    path.to_str().unwrap().to_string()
}

/// A `bind` body that is not a window and a join is evaluated per binding
/// (quadratic): `--budget` bounds that work, counted in units, not time. When it
/// runs out the verdict is pending (exit 3) whatever `--end` says, with a
/// message and `work` in `--json`; with enough budget the true verdict comes back.
#[test]
fn generic_bind_is_bounded_by_the_work_budget() {
    let f = "always (bind w. always (event.id != w.event.id || step == w.step))";
    let t = unique_ids_trace(3000);
    let o = run(&["--budget", "1000", f, &t]);
    expect_code(&o, 3);
    assert!(out(&o).contains("undecided: the work budget of 1,000 units"), "{}", out(&o));
    assert!(err(&o).contains("--budget N raises it"), "{}", err(&o));
    // Not a guess either way, even with --end strict or lenient.
    expect_code(&run(&["--budget", "1000", "--end", "strict", f, &t]), 3);
    expect_code(&run(&["--budget", "1000", "--end", "lenient", f, &t]), 3);
    let (doc, o) = json(&["--budget", "1000", f, &t]);
    expect_code(&o, 3);
    assert_eq!(doc["verdict"], "pending");
    assert_eq!(doc["definite"], false);
    assert_eq!(doc["work"], serde_json::json!({"spent": 1000, "budget": 1000, "exhausted": true}));
    // Ample budget: the true verdict, and the work spent is reported and within it.
    let (doc, o) = json(&["--budget", "100000000", f, &t]);
    expect_code(&o, 0);
    assert_eq!(doc["verdict"], "holds");
    assert_eq!(doc["work"]["exhausted"], false);
    let spent = doc["work"]["spent"].as_u64().unwrap();
    assert!(spent > 3000 * 3000 / 2 && spent <= 100_000_000, "{spent}");
    // A duplicate id fails, found within the same budget.
    let dup = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dup-ids.jsonl");
    let mut s = std::fs::read_to_string(&t).unwrap();
    s.push_str("{\"time\": 3000, \"event\": {\"id\": 7}, \"state\": {}}\n");
    std::fs::write(&dup, s).unwrap();
    expect_code(&run(&["--budget", "100000000", f, dup.to_str().unwrap()]), 1);
}

/// The work counted by per-binding evaluation grows with the pairs of steps it
/// visits: about four times as much for twice the steps, and the same on every run.
#[test]
fn bind_work_grows_with_the_pairs_visited() {
    let f = "always (bind w. always (event.id != w.event.id || step == w.step))";
    let spent = |n: usize| {
        let (doc, o) = json(&[f, &unique_ids_trace(n)]);
        expect_code(&o, 0);
        doc["work"]["spent"].as_u64().unwrap()
    };
    let (a, b) = (spent(500), spent(1000));
    assert!(b > 3 * a && b < 5 * a, "{a} {b}");
    assert_eq!(spent(500), a);
}
