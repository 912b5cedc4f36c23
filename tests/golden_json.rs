//! Golden tests of the exact `--json` text: every document's keys in their
//! documented order, byte for byte (a key-order change, a new or renamed key,
//! a changed number format fails here). The expected outputs are the files of
//! `tests/golden/`; `UPDATE_GOLDEN=1 cargo test --test golden_json` rewrites
//! them from the current binary (review the diff before committing it).

use std::fs;
use std::path::Path;
use std::process::Command;

/// Runs `histcheck ARGS…` from the package root and compares its stdout with
/// `tests/golden/NAME`, and its exit code with `code`.
#[track_caller]
fn golden(name: &str, args: &[&str], code: i32) {
    golden_in(name, args, code, None)
}

/// [`golden`], with `dir` (a scratch directory named in the output) written
/// as `DIR` in the compared text.
#[track_caller]
fn golden_in(name: &str, args: &[&str], code: i32, dir: Option<&Path>) {
    let mut out = Command::new(env!("CARGO_BIN_EXE_histcheck"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DETSYS_DB")
        .output()
        .expect("the binary runs");
    if let Some(d) = dir {
        out.stdout =
            String::from_utf8(out.stdout).expect("UTF-8").replace(&d.display().to_string(), "DIR").into_bytes();
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "histcheck {}: exit code; stderr:\n{stderr}", args.join(" "));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::write(&path, &out.stdout).expect("the golden file is written");
        return;
    }
    let want = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    if out.stdout != want {
        let got = String::from_utf8_lossy(&out.stdout);
        let want = String::from_utf8_lossy(&want);
        let line = got.lines().zip(want.lines()).position(|(g, w)| g != w).map_or(0, |i| i + 1);
        panic!(
            "histcheck {}: stdout differs from {} (first at line {line}; UPDATE_GOLDEN=1 rewrites it)\n--- got:\n{got}\n--- want:\n{want}",
            args.join(" "),
            path.display()
        );
    }
}

#[test]
fn elle_list_append_with_anomalies() {
    golden("elle-la-g1a.json", &["elle", "--json", "fixtures/elle/la-02-g1a.edn"], 1);
    golden("elle-la-internal.json", &["elle", "--json", "fixtures/elle/la-13-internal.edn"], 1);
    golden("elle-la-g-single.json", &["elle", "--json", "fixtures/elle/la-05-g-single.edn"], 1);
}

#[test]
fn elle_rw_register() {
    golden("elle-rw-g1c.json", &["elle", "--json", "fixtures/elle-rw/rw-08-g1c.edn"], 1);
    golden("elle-rw-plain-register.json", &["elle", "--json", "fixtures/elle-rw/plain-register-stale-read.edn"], 1);
}

/// Read anomalies without a model (`-c none -a G1a`): `writer`, `element`.
#[test]
fn elle_anomalies_without_a_model() {
    golden(
        "elle-la-g1a-no-model.json",
        &["elle", "fixtures/elle/la-02-g1a.edn", "-c", "none", "-a", "G1a", "--json"],
        1,
    );
    golden(
        "elle-la-internal-no-model.json",
        &["elle", "fixtures/elle/la-13-internal.edn", "-c", "none", "-a", "internal", "--json"],
        1,
    );
}

/// rw-register with a version-order source (`--wfr-keys`) and one model.
#[test]
fn elle_rw_register_with_wfr_keys() {
    golden(
        "elle-rw-wfr-serializable.json",
        &["elle", "fixtures/elle-rw/rw-13-wfr.edn", "--wfr-keys", "-c", "serializable", "--json"],
        1,
    );
}

#[test]
fn elle_valid() {
    golden("elle-valid.json", &["elle", "--json", "fixtures/list-append-small.edn"], 0);
}

#[test]
fn elle_several_files() {
    golden(
        "elle-several.json",
        &["elle", "--json", "fixtures/elle/la-01-g0.edn", "fixtures/elle/la-06-g2.edn", "fixtures/bad/bad-type.edn"],
        2,
    );
}

#[test]
fn elle_list_models() {
    golden("elle-list-models.json", &["elle", "--list-models", "--json"], 0);
}

#[test]
fn stats() {
    golden("stats.json", &["stats", "--json", "fixtures/list-append-small.edn", "fixtures/rw-register-small.edn"], 0);
}

#[test]
fn gen_seeded_history() {
    golden(
        "gen-list-append.edn",
        &["gen", "list-append", "--txns", "12", "--seed", "5", "--faults", "aborted-read=0.2"],
        0,
    );
    golden("gen-rw-register.jsonl", &["gen", "rw-register", "--txns", "12", "--seed", "5", "--format", "jsonl"], 0);
}

#[test]
fn ltl_one_formula_and_a_spec() {
    golden(
        "ltl-one.json",
        &["ltl", "--json", "eventually (state.n1.role == \"leader\")", "fixtures/ltl/cluster.jsonl"],
        0,
    );
    golden("ltl-spec.json", &["ltl", "--json", "--spec", "fixtures/ltl/cluster.spec", "fixtures/ltl/cluster.jsonl"], 1);
}

/// detsys's register example: run 0 correct, run 1 a stale read after a
/// dropped message, run 2 a timed-out read.
fn register_store(name: &str) -> (std::path::PathBuf, String) {
    use store::fixture::{self, Variant};
    use store::{RunId, Store};
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden").join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("scratch directory");
    let db = dir.join("detsys.db");
    let mut s = Store::create(&db, 5000).expect("store");
    let mut rows = vec![fixture::register_test(0)];
    for (run, v) in [(0, Variant::Correct), (1, Variant::StaleRead), (2, Variant::TimedOutRead)] {
        rows.extend(fixture::register_run(RunId { test: 0, run }, v));
    }
    fixture::insert(&mut s, &rows).expect("rows");
    let shown = db.display().to_string();
    (dir, shown)
}

#[test]
fn runs_list_check_and_show() {
    let (dir, db) = register_store("runs");
    golden_in("runs-list.json", &["runs", "list", "--db", &db, "--json"], 0, Some(&dir));
    golden_in(
        "runs-check.json",
        &["runs", "check", "--db", &db, "--json", "--no-write", "--elle", "list-append", "--ltl", "always true"],
        1,
        Some(&dir),
    );
    golden_in(
        "runs-show-none.json",
        &["runs", "show", "--db", &db, "--test-id", "0", "--run-id", "1", "--json"],
        0,
        Some(&dir),
    );
}

/// `stats --json` of a good file and a bad one: the exact text, keys in the documented order.
#[test]
fn stats_with_a_bad_file() {
    golden(
        "stats-with-a-bad-file.json",
        &["stats", "--json", "fixtures/rw-register-small.edn", "fixtures/bad/bad-type.edn"],
        2,
    );
}

/// `convert --to json`: the exact text (op fields in Jepsen's order, histcheck's JSON convention).
#[test]
fn convert_to_json() {
    golden("convert-rw-register.json", &["convert", "fixtures/rw-register-small.edn", "--to", "json"], 0);
}

/// `convert --to jsonl`: the exact text.
#[test]
fn convert_to_jsonl() {
    golden("convert-rw-register.jsonl", &["convert", "fixtures/rw-register-small.edn", "--to", "jsonl"], 0);
}
