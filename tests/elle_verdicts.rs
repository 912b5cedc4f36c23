//! Regression tests for verdicts that must be earned (issue 12): reads without
//! a value, never-completed invocations, `:info` writers that somebody read,
//! reads inside `:fail` and `:info` completions, a transaction's own appends
//! read out of order, unknown micro-op functions, and models this checker
//! cannot rule out. Each history is a small fixture under `fixtures/elle/` or
//! `fixtures/elle-rw/` whose comment says what it shows.

mod common;
use checker::check::{self, Model, Options};
use checker::lattice::Validity;
use common::*;
use history::History;
use std::path::Path;

fn load(path: &str) -> History {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let bytes = std::fs::read(&p).unwrap();
    parsers::read_history(&bytes[..], path, None, Default::default()).unwrap()
}

fn serializable() -> [&'static str; 2] {
    ["-c", "serializable"]
}

// ---------------------------------------------------------------- item 3

#[test]
fn a_read_without_a_value_is_a_read_of_nil() {
    // list-append: `[:r :x]` after the append of 1 completed is a stale empty read.
    elle("fixtures/elle/read-without-value.edn", &[])
        .invalid(&["G-single-item-realtime"], &["strong-snapshot-isolation"])
        .cycle("G-single-item-realtime", "#1 -rt-> #3 -rw(x ∅→1 @0/0)-> #1");
    // rw-register: the same with a register.
    elle("fixtures/elle-rw/read-without-value.edn", &[])
        .invalid(&["G-single-item-realtime"], &["strong-snapshot-isolation"])
        .cycle("G-single-item-realtime", "#1 -rt-> #3 -rw(x nil→1 @0/0)-> #1");
}

// ---------------------------------------------------------------- item 4

#[test]
fn never_completed_invocations_are_closed_as_info() {
    let cycle = "#0 -wr(x 1 @0/0)-> #2 -rw(y ∅→1 @1/1)-> #0";
    elle("fixtures/elle/never-completed.edn", &serializable())
        .invalid(&["G-single-item"], &["consistent-view", "repeatable-read"])
        .cycle("G-single-item", cycle);
    let cycle = "#0 -wr(x 1 @0/0)-> #2 -rw(y nil→1 @1/1)-> #0";
    elle("fixtures/elle-rw/never-completed.edn", &serializable())
        .invalid(&["G-single-item"], &["consistent-view", "repeatable-read"])
        .cycle("G-single-item", cycle);
}

#[test]
fn a_never_completed_invocation_follows_what_completed_before_it_in_real_time() {
    // Closed as info at the end, it still started after #1 completed.
    elle("fixtures/elle/never-completed-realtime.edn", &[])
        .invalid(&["G1c-realtime"], &["strong-read-committed"])
        .cycle("G1c-realtime", "#2 -wr(y 1 @0/0)-> #1 -rt-> #2");
}

// ---------------------------------------------------------------- item 5

#[test]
fn rw_register_info_writer_that_was_read_committed() {
    let cycle = "#1 -wr(x 1 @0/0)-> #3 -rw(y nil→1 @1/1)-> #1";
    elle("fixtures/elle-rw/info-writer-read.edn", &serializable())
        .invalid(&["G-single-item"], &["consistent-view", "repeatable-read"])
        .cycle("G-single-item", cycle);
}

// ---------------------------------------------------------------- item 7

#[test]
fn failed_reads_are_no_observation() {
    // Elle reports a dirty-update from the failed #2's read [1 2].
    elle("fixtures/elle/fail-read-dirty-update.edn", &["-c", "read-committed"]).valid();
    elle("fixtures/elle/fail-read-dirty-update.edn", &["-c", "none", "-a", "dirty-update"]).valid();
}

#[test]
fn info_reads_are_ignored_unless_asked_for() {
    // Two info transactions and no ok one: nothing is known to have happened.
    elle("fixtures/elle/info-reads-g2.edn", &serializable()).unknown(&["empty-transaction-graph"], &[]);
    // With Elle's behaviour (info reads count), the library finds its G2-item.
    let h = load("fixtures/elle/info-reads-g2.edn");
    let opts = Options { models: vec!["serializable".into()], info_reads: true, ..Options::default() };
    let r = check::check(&h, &Model::ListAppend, &opts).unwrap();
    assert_eq!((r.valid, r.anomaly_types.clone()), (Validity::False, vec!["G2-item"]));
    let r = check::check(&h, &Model::ListAppend, &Options { info_reads: false, ..opts }).unwrap();
    assert_eq!(r.valid, Validity::Unknown);
}

#[test]
fn an_info_write_that_was_read_still_makes_a_cycle() {
    let cycle = "#0 -wr(x 1 @0/0)-> #1 -ww(y 1→2 @1/1)-> #0";
    elle("fixtures/elle/info-write-read-g1c.edn", &serializable())
        .invalid(&["G1c"], &["read-committed"])
        .cycle("G1c", cycle);
}

// ---------------------------------------------------------------- item 6

#[test]
fn a_transactions_own_appends_read_out_of_order() {
    // #0 appended 1, 2, 3 to x; #1 read [2 1 3]: 1 (mop 0) shows after 2 (mop 1).
    let r = elle("fixtures/elle/own-appends-out-of-order.edn", &serializable());
    r.invalid(&["appends-out-of-order"], &["read-uncommitted"])
        .one("appends-out-of-order", serde_json::json!({"op": 1, "writer": 0, "element": 1}));
    // Requested alone, and ruled out by read-uncommitted, the weakest model.
    elle("fixtures/elle/own-appends-out-of-order.edn", &["-c", "none", "-a", "appends-out-of-order"])
        .invalid(&["appends-out-of-order"], &["read-uncommitted"]);
    elle("fixtures/elle/own-appends-out-of-order.edn", &["-c", "read-uncommitted"])
        .invalid(&["appends-out-of-order"], &["read-uncommitted"]);
}

#[test]
fn appends_out_of_order_in_every_read_that_shows_it() {
    // The longest read [2 1 3], a prefix of it [2 1], an in-order prefix [2],
    // and a read that is no prefix, [1 3 2] (incompatible, and out of order too).
    let edn = "{:index 0, :type :ok, :process 0, :value [[:append :x 1] [:append :x 2] [:append :x 3]]}\n\
               {:index 1, :type :ok, :process 1, :value [[:r :x [2 1 3]]]}\n\
               {:index 2, :type :ok, :process 2, :value [[:r :x [2 1]]]}\n\
               {:index 3, :type :ok, :process 3, :value [[:r :x [2]]]}\n\
               {:index 4, :type :ok, :process 4, :value [[:r :x [1 3 2]]]}\n";
    let h = parsers::read_history(edn.as_bytes(), "t.edn", None, Default::default()).unwrap();
    let opts = Options { models: vec!["read-uncommitted".into()], ..Options::default() };
    let r = check::check(&h, &Model::ListAppend, &opts).unwrap();
    assert_eq!(r.valid, Validity::False);
    let ops: Vec<u32> = r.anomalies["appends-out-of-order"]
        .iter()
        .map(|a| match a {
            checker::Anomaly::Read { op, writer: Some(0), .. } => *op,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ops, vec![1, 2, 4]);
}

// ---------------------------------------------------------------- item 2

/// Runs `histcheck elle FILE` and expects exit 2 with every `want` on stderr.
#[track_caller]
fn bad_input(file: &str, want: &[&str]) {
    let out = histcheck().args(["elle", file]).output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "exit code; stderr:\n{err}\nstdout:\n{}", text(&out.stdout));
    for w in want {
        assert!(err.contains(w), "stderr lacks {w:?}:\n{err}");
    }
}

#[test]
fn unknown_micro_op_functions_are_bad_input() {
    // A typo for :r in a list-append history; it was silently left out.
    bad_input(
        "fixtures/elle/unknown-mop-read.edn",
        &["fixtures/elle/unknown-mop-read.edn:3:1:", "[:read :x nil]", ":read", "list-append", ":append and :r"],
    );
    bad_input(
        "fixtures/elle/unknown-mop-frobnicate.edn",
        &["unknown-mop-frobnicate.edn:3:1:", "[:frobnicate :x 1]", ":append and :r"],
    );
    bad_input(
        "fixtures/elle-rw/unknown-mop.edn",
        &["unknown-mop.edn:2:1:", "[:write :x 2]", "rw-register", ":w and :r"],
    );
    // The library says so too, with the op's position.
    let h = load("fixtures/elle/unknown-mop-read.edn");
    match Model::detect(&h) {
        Err(e @ checker::DetectError::UnknownFunction { op: 2, .. }) => {
            assert_eq!(e.op(), 2);
            if let checker::DetectError::UnknownFunction { pos, function, workload, accepted, .. } = &e {
                assert_eq!((pos.line, pos.col), (3, 1));
                assert_eq!(
                    (function.as_str(), *workload, *accepted),
                    (":read", Some("list-append"), &[":append", ":r"][..])
                );
            }
        }
        other => panic!("{other:?}"),
    }
    let e = check::check(&h, &Model::ListAppend, &Options::default()).err().expect("an error");
    assert!(matches!(e, check::Error::History(ref c) if c.ops == vec![2]), "{e:?}");
    // Knossos multi-register transactions are plain register histories, not errors.
    assert!(matches!(Model::detect(&load("fixtures/elle-rw/knossos-multi-register.edn")), Ok(Model::RwRegister(_))));
    elle("fixtures/elle-rw/knossos-multi-register.edn", &[]).valid();
}

// ---------------------------------------------------------------- item 11

#[test]
fn models_nothing_here_can_rule_out_are_never_a_vacuous_valid() {
    let g = "fixtures/elle/g-single-unrulable.edn";
    // A G-single-item history is not "valid" under linearizable: unknown, exit 3.
    for m in ["linearizable", "sequential", "causal", "PRAM", "1SR", "read-your-writes", "view-serializable"] {
        let r = elle(g, &["-c", m]);
        r.unknown(&[], &[]);
    }
    // With a model that the G-single-item rules out, it is invalid as before.
    elle(g, &["-c", "serializable,linearizable"]).invalid(&["G-single-item"], &["consistent-view", "repeatable-read"]);
    // A history with nothing wrong: valid for serializable, unknown once linearizable is asked.
    let ok = "fixtures/elle/fail-read-dirty-update.edn";
    elle(ok, &["-c", "serializable"]).valid();
    elle(ok, &["-c", "serializable,linearizable"]).unknown(&[], &[]);
    // The library says which model and why.
    let h = load(g);
    let opts = Options { models: vec!["linearizable".into()], ..Options::default() };
    let r = check::check(&h, &Model::ListAppend, &opts).unwrap();
    assert_eq!(r.valid, Validity::Unknown);
    assert_eq!(r.unchecked.len(), 1);
    assert_eq!((r.unchecked[0].name.as_str(), r.unchecked[0].what), ("linearizable", "consistency model"));
    assert!(r.unchecked[0].note.contains("linearizability checker"), "{}", r.unchecked[0].note);
    // An anomaly this workload never shows is not checked either.
    let opts = Options { models: vec![], anomalies: vec!["cyclic-versions".into()], ..Options::default() };
    let h = load(ok);
    let r = check::check(&h, &Model::ListAppend, &opts).unwrap();
    assert_eq!((r.valid, r.unchecked.len()), (Validity::Unknown, 1));
}

#[test]
fn none_next_to_a_model_is_ignored() {
    let g = "fixtures/elle/g-single-unrulable.edn";
    let a = elle(g, &["-c", "serializable"]);
    let b = elle(g, &["-c", "serializable,none"]);
    b.invalid(&["G-single-item"], &["consistent-view", "repeatable-read"]);
    assert_eq!(a.doc["anomalies"], b.doc["anomalies"]);
    let h = load(g);
    let opts = Options { models: vec!["none".into(), "serializable".into()], ..Options::default() };
    let r = check::check(&h, &Model::ListAppend, &opts).unwrap();
    assert_eq!((r.valid, r.anomaly_types.clone()), (Validity::False, vec!["G-single-item"]));
    let opts = Options { models: vec!["none".into()], anomalies: vec!["G1".into()], ..Options::default() };
    assert_eq!(check::check(&h, &Model::ListAppend, &opts).unwrap().valid, Validity::True);
}

#[test]
fn unchecked_models_are_named_in_json_and_text() {
    let g = "fixtures/elle/g-single-unrulable.edn";
    let r = elle(g, &["-c", "linearizable"]);
    r.unknown(&[], &[]);
    assert_eq!(r.doc["unchecked"][0]["name"], "linearizable");
    assert_eq!(r.doc["unchecked"][0]["what"], "consistency model");
    assert!(r.doc["unchecked"][0]["note"].as_str().unwrap().contains("linearizability checker"), "{}", r.ctx());
    // The key sits between also_not and anomalies, and is [] when everything asked for was checked.
    let raw = String::from_utf8_lossy(&r.out.stdout);
    let at = |k: &str| raw.find(&format!("\n  \"{k}\":")).unwrap();
    assert!(at("also_not") < at("unchecked") && at("unchecked") < at("anomalies"), "{raw}");
    assert_eq!(elle(g, &["-c", "serializable"]).doc["unchecked"], serde_json::json!([]));
    // The human output says unknown, never valid, and names what was not checked.
    let out = histcheck().args(["elle", g, "-c", "linearizable"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Unknown:") && !text.contains("Valid"), "{text}");
    assert!(text.contains("Not checked: consistency model linearizable: "), "{text}");
}

#[test]
fn list_models_names_every_model_and_what_cannot_be_ruled_out() {
    let out = histcheck().args(["elle", "--list-models", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let models = doc["models"].as_array().unwrap();
    assert_eq!(models.len(), 54);
    let m = |n: &str| models.iter().find(|m| m["name"] == n).unwrap().clone();
    assert_eq!(m("linearizable")["can_rule_out"], false);
    assert_eq!(m("serializable")["can_rule_out"], true);
    assert_eq!(m("serializable")["canonical"], "PL-3");
    let anomalies = doc["anomalies"].as_array().unwrap();
    assert!(anomalies.iter().any(|a| a["name"] == "appends-out-of-order" && a["histcheck_only"] == true));
    let out = histcheck().args(["elle", "--list-models"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("linearizable: ") && text.contains("strict-serializable"), "{text}");
    // It takes no file, and is refused next to one.
    let out = histcheck().args(["elle", "--list-models", "fixtures/elle/stale-read.edn"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn info_reads_flag_restores_elles_reading() {
    let f = "fixtures/elle/info-reads-g2.edn";
    elle(f, &["-c", "serializable"]).unknown(&["empty-transaction-graph"], &[]);
    elle(f, &["-c", "serializable", "--info-reads"]).invalid(&["G2-item"], &["repeatable-read"]);
    // rw-register never reads :info reads: the flag would change nothing, so it is refused, not ignored.
    let out = histcheck().args(["elle", "fixtures/elle-rw/info-writer-read.edn", "--info-reads"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--info-reads"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// issue 13 item 16: a plain register history's errors quote the op's `:f`
/// escaped (a raw escape sequence would act on the user's terminal) and cut.
#[test]
fn register_history_errors_escape_control_characters() {
    let d = std::env::temp_dir().join(format!("histcheck-esc-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let long = "x".repeat(200_000);
    for f in ["\\u001b]0;pwned\\u0007", long.as_str()] {
        let p = d.join("h.jsonl");
        let text = format!(
            "{{\"type\":\"invoke\",\"process\":0,\"f\":\"read\",\"value\":null}}\n{{\"type\":\"ok\",\"process\":0,\"f\":\"read\",\"value\":1}}\n{{\"type\":\"invoke\",\"process\":0,\"f\":\"{f}\",\"value\":null}}\n"
        );
        std::fs::write(&p, text).unwrap();
        let out = histcheck().arg("elle").arg(&p).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(!out.stderr.contains(&0x1b), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(out.stderr.len() < 2000, "{} bytes of stderr", out.stderr.len());
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// `-c ""` or `-c ,` is a typo, not `none`: it must not pass as "valid".
#[test]
fn an_empty_model_list_is_refused() {
    for c in ["", ",", " , "] {
        let out = histcheck().args(["elle", "fixtures/elle/stale-read.edn", "-c", c]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "-c {c:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("names no consistency model"), "-c {c:?}");
    }
    // `-c none` is still a request for no model.
    let out = histcheck().args(["elle", "fixtures/elle/stale-read.edn", "-c", "none", "-a", "G1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}
