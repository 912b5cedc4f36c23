//! End-to-end tests of `histcheck gen`: formats, `-o`, `--expect`, determinism,
//! traces, and bad usage (exit 2).

use serde_json::Value as Json;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_histcheck")).args(args).output().expect("the binary runs")
}

#[track_caller]
fn expect_code(o: &Output, want: i32) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(want), "stderr:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gen").join(name);
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn stats(file: &Path) -> Json {
    let o = run(&[Path::new("stats"), Path::new("--json"), file]);
    expect_code(&o, 0);
    let doc: Json = serde_json::from_slice(&o.stdout).unwrap();
    doc["files"][0]["stats"].clone()
}

fn p(d: &Path, name: &str) -> String {
    d.join(name).display().to_string()
}

#[test]
fn writes_each_format_with_the_stated_counts() {
    let d = scratch("formats");
    let mut edn = Vec::new();
    for ext in ["edn", "json", "jsonl"] {
        let out = p(&d, &format!("h.{ext}"));
        let o = run(&["gen", "list-append", "--txns", "300", "--processes", "4", "--seed", "5", "-o", &out]);
        expect_code(&o, 0);
        let s = stats(Path::new(&out));
        assert_eq!(s["ops"], 600, "{s}");
        assert_eq!(s["transactions"]["ok"], 300, "{s}");
        assert_eq!(s["processes"], 4, "{s}");
        // Every format holds the same history: convert each to EDN.
        let o = run(&["convert", &out, "--to", "edn"]);
        expect_code(&o, 0);
        edn.push(o.stdout);
    }
    assert_eq!(edn[0], edn[1]);
    assert_eq!(edn[0], edn[2]);
    assert_eq!(fs::read(d.join("h.edn")).unwrap(), edn[0], "gen writes what convert writes");
    // No temporary file is left behind.
    let mut names: Vec<String> =
        fs::read_dir(&d).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["h.edn", "h.json", "h.jsonl"]);
}

#[test]
fn stdout_is_deterministic_per_seed() {
    let args = ["gen", "rw-register", "--txns", "200", "--isolation", "snapshot-isolation", "--seed", "9"];
    let a = run(&args);
    expect_code(&a, 0);
    let b = run(&args);
    assert_eq!(a.stdout, b.stdout);
    assert!(String::from_utf8_lossy(&a.stdout).starts_with("{:index 0, :time "));
    assert!(String::from_utf8_lossy(&a.stdout).contains("[:w "));
    let c = run(&["gen", "rw-register", "--txns", "200", "--isolation", "snapshot-isolation", "--seed", "10"]);
    assert_ne!(a.stdout, c.stdout);
    let j = run(&["gen", "list-append", "--txns", "20", "--format", "json"]);
    expect_code(&j, 0);
    let v: Json = serde_json::from_slice(&j.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 40);
}

#[test]
fn expect_records_the_injected_faults() {
    let d = scratch("expect");
    let (out, exp) = (p(&d, "h.edn"), p(&d, "expect.json"));
    let o = run(&[
        "gen",
        "list-append",
        "--txns",
        "500",
        "--faults",
        "crash=0.05,aborted-read=0.02,stale-read=0.02",
        "-o",
        &out,
        "--expect",
        &exp,
    ]);
    expect_code(&o, 0);
    let text = fs::read_to_string(&exp).unwrap();
    let at = |k: &str| text.find(&format!("\n  \"{k}\": ")).unwrap_or_else(|| panic!("no top-level {k}"));
    assert!(at("config") < at("injected") && at("injected") < at("expected"), "sidecar keys in order");
    let doc: Json = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["config"]["txns"], 500);
    assert_eq!(doc["config"]["isolation"], "strict-serializable");
    assert_eq!(doc["config"]["faults"]["crash"], 0.05);
    let injected = doc["injected"].as_array().unwrap();
    let count = |k: &str| injected.iter().filter(|i| i["kind"] == k).count();
    assert!(count("aborted-read") > 0 && count("stale-read") > 0, "{doc}");
    for i in injected {
        for field in ["kind", "op_index", "key", "detail", "anomaly"] {
            assert!(i.get(field).is_some(), "{i}");
        }
    }
    let s = stats(Path::new(&out));
    assert_eq!(s["ops_by_type"]["info"].as_u64().unwrap() as usize, count("crash"));
    assert!(s["ops_by_type"]["fail"].as_u64().unwrap() as usize >= count("aborted-read"));
    // What a checker should report, per model the store guarantees: the checker
    // reports exactly that.
    let expected = doc["expected"].as_object().unwrap();
    assert_eq!(expected.len(), 5, "{doc}");
    assert_eq!(expected["strict-serializable"], serde_json::json!(["G-single-item-realtime", "G1a"]));
    assert_eq!(expected["serializable"], serde_json::json!(["G1a"]));
    assert_eq!(expected["read-uncommitted"], serde_json::json!([]));
    for (model, want) in expected {
        let want: Vec<String> = want.as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()).collect();
        let (code, types) = elle_types(&out, &["-c", model]);
        assert_eq!(types, want, "{model}");
        assert_eq!(code, if want.is_empty() { 0 } else { 1 }, "{model}");
    }
    for i in injected {
        assert_eq!(i["expected"].as_object().unwrap().len(), 5, "{i}");
    }
}

#[test]
fn plume_for_rw_register_only() {
    let d = scratch("plume");
    let out = p(&d, "h.txt");
    let o = run(&["gen", "rw-register", "--txns", "50", "-o", &out]);
    expect_code(&o, 0);
    assert_eq!(stats(Path::new(&out))["transactions"]["ok"], 50);
    let o = run(&["gen", "list-append", "--txns", "50", "--format", "plume"]);
    expect_code(&o, 2);
}

/// `histcheck elle --json` on `file`: the exit code and the anomaly types.
fn elle_types(file: &str, extra: &[&str]) -> (i32, Vec<String>) {
    let mut args = vec!["elle", file, "--json"];
    args.extend_from_slice(extra);
    let o = run(&args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    let doc: Json = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}; stderr:\n{err}"));
    let types = doc["anomaly_types"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()).collect();
    (o.status.code().unwrap(), types)
}

/// Plume text starts every key at 0, and a read of 0 is a read of that initial
/// state: the same simulation written as Plume (by gen, or by convert from EDN)
/// gets the verdict it gets as EDN, under every model that needs no real-time
/// order (Plume text has none). It used to be a garbage read of 0.
#[test]
fn plume_and_edn_give_the_same_verdicts() {
    let d = scratch("plume-verdicts");
    let (edn, plume, conv) = (p(&d, "g.edn"), p(&d, "g.plume"), p(&d, "c.plume"));
    let runs = [
        ("strict-serializable", ""),
        ("serializable", ""),
        ("snapshot-isolation", ""),
        ("read-committed", ""),
        ("strict-serializable", "aborted-read=0.02,intermediate-read=0.02"),
    ];
    for (iso, faults) in runs {
        for seed in ["1", "2"] {
            let gen = |out: &str| {
                let o = run(&[
                    "gen",
                    "rw-register",
                    "--txns",
                    "500",
                    "--isolation",
                    iso,
                    "--faults",
                    faults,
                    "--seed",
                    seed,
                    "-o",
                    out,
                ]);
                expect_code(&o, 0);
            };
            gen(&edn);
            gen(&plume);
            expect_code(&run(&["convert", &edn, "--to", "plume", "-o", &conv]), 0);
            assert_eq!(
                fs::read(&plume).unwrap(),
                fs::read(&conv).unwrap(),
                "gen and convert write the same Plume text"
            );
            let models: &[&str] = if iso == "strict-serializable" {
                &["serializable", "read-committed"]
            } else {
                &[iso, "read-committed"]
            };
            for model in models {
                let want = elle_types(&edn, &["-c", model]);
                let got = elle_types(&plume, &["-c", model]);
                assert_eq!(got, want, "{iso} store, faults '{faults}', seed {seed}, checked for {model}");
                if faults.is_empty() {
                    assert_eq!(got, (0, vec![]), "{iso} store, seed {seed}, checked for {model}");
                } else {
                    assert_eq!(got.0, 1, "{iso} store, faults '{faults}', seed {seed}: {got:?}");
                }
            }
        }
    }
    // The issue's own example: the default model.
    expect_code(&run(&["gen", "rw-register", "--txns", "500", "-o", &plume]), 0);
    assert_eq!(elle_types(&plume, &[]), (0, vec![]));
}

#[test]
fn traces_have_their_steps_and_violations() {
    let d = scratch("trace");
    let (out, exp) = (p(&d, "t.jsonl"), p(&d, "t.expect.json"));
    let o = run(&["gen", "trace", "--kind", "props", "--props", "a=0.3,b=0.9", "--steps", "100"]);
    expect_code(&o, 0);
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.lines().count(), 100);
    let first: Json = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["step"], 0);
    assert!(first["state"]["a"].is_boolean() && first["state"]["b"].is_boolean());
    let o = run(&[
        "gen",
        "trace",
        "--kind",
        "cluster",
        "--steps",
        "3000",
        "--violations",
        "leader-overlap=0.5,missed-deadline=0.02",
        "-o",
        &out,
        "--expect",
        &exp,
    ]);
    expect_code(&o, 0);
    assert_eq!(fs::read_to_string(&out).unwrap().lines().count(), 3000);
    let doc: Json = serde_json::from_slice(&fs::read(&exp).unwrap()).unwrap();
    let inj = doc["injected"].as_array().unwrap();
    assert!(inj.iter().any(|i| i["kind"] == "leader-overlap"));
    assert!(inj.iter().any(|i| i["kind"] == "missed-deadline"));
    assert!(inj.iter().all(|i| i["step"].is_u64()));
}

#[test]
fn bad_usage_exits_2_with_a_message() {
    let d = scratch("bad");
    let same = p(&d, "x.json");
    let cases: Vec<Vec<&str>> = vec![
        vec!["gen", "list-append", "--isolation", "eventual"],
        vec!["gen", "list-append", "--faults", "bogus=0.1"],
        vec!["gen", "list-append", "--faults", "crash=1.5"],
        vec!["gen", "list-append", "--processes", "0"],
        vec!["gen", "list-append", "--keys", "0"],
        vec!["gen", "list-append", "--txns", "ten"],
        vec!["gen", "list-append", "-o", &same, "--expect", &same],
        vec!["gen", "trace", "--props", "p=2"],
        vec!["gen", "trace", "--kind", "cluster", "--violations", "meteor=0.1"],
        vec!["gen", "trace", "--violations", "leader-overlap=0.1"],
        vec!["gen", "nothing"],
    ];
    for args in cases {
        let o = run(&args);
        expect_code(&o, 2);
        assert!(!o.stderr.is_empty(), "{args:?}: no message");
        assert!(o.stdout.is_empty(), "{args:?}: wrote output");
    }
    assert!(fs::read_dir(&d).unwrap().next().is_none(), "nothing written");
    let dir = d.display().to_string();
    expect_code(&run(&["gen", "list-append", "-o", &dir]), 2);
}
