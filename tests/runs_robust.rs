//! `histcheck runs …`, `elle --db` and `ltl --db` on damaged or unusual
//! stores (issue 13): ids at the end of the i64 range, rows whose test or run
//! id is malformed, Analysis writes that fail, read-only directories, and
//! negative ids on the command line.

mod common;

use common::{histcheck, scratch, text};
use serde_json::{json, Value as Json};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use store::fixture::{self, Variant};
use store::rusqlite::Connection;
use store::{RunId, Store};

fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    histcheck().env_remove("DETSYS_DB").args(args).output().expect("the binary runs")
}

fn ctx(o: &Output) -> String {
    format!("--- stdout\n{}\n--- stderr\n{}", text(&o.stdout), text(&o.stderr))
}

#[track_caller]
fn expect_code(o: &Output, want: i32) {
    assert_eq!(o.status.code(), Some(want), "exit code\n{}", ctx(o));
    assert!(!text(&o.stderr).contains("panicked"), "panic: {}", ctx(o));
}

#[track_caller]
fn json_of(o: &Output) -> Json {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("one JSON document ({e}):\n{}", ctx(o)))
}

fn d(p: &Path) -> String {
    p.display().to_string()
}

/// A store in `dir` with the register test `test` and its runs 0 (valid), 1
/// (stale read, invalid) and 2 (timed-out read, valid).
fn register_db(dir: &Path, test: i64, runs: &[i64]) -> PathBuf {
    let p = dir.join("detsys.db");
    let mut s = Store::create(&p, 5000).unwrap();
    let mut rows = vec![fixture::register_test(test)];
    for &run in runs {
        let v = [Variant::Correct, Variant::StaleRead, Variant::TimedOutRead][run.rem_euclid(3) as usize];
        rows.extend(fixture::register_run(RunId { test, run }, v));
    }
    fixture::insert(&mut s, &rows).unwrap();
    p
}

fn count_rows(db: &Path) -> i64 {
    Connection::open(db).unwrap().query_row("SELECT count(*) FROM event_log", [], |r| r.get(0)).unwrap()
}

// ---------------------------------------------------------------------------
// Issue 13 item 7: ids at the end of the range
// ---------------------------------------------------------------------------

#[test]
fn import_refuses_to_wrap_a_test_id() {
    let dir = scratch("wrap-test");
    let db = register_db(&dir, i64::MAX, &[0]);
    let before = count_rows(&db);
    let o = run(&["runs", "import", "--db", &d(&db), "fixtures/list-append-small.edn"]);
    expect_code(&o, 2);
    let err = text(&o.stderr);
    assert!(err.contains("no test id is left after 9223372036854775807"), "{}", ctx(&o));
    assert!(err.contains("nothing was imported"), "{}", ctx(&o));
    assert_eq!(count_rows(&db), before, "nothing was written");
    assert!(!err.contains("-9223372036854775808"), "{}", ctx(&o));
}

#[test]
fn import_refuses_to_wrap_a_run_id() {
    let dir = scratch("wrap-run");
    let db = dir.join("detsys.db");
    let mut s = Store::create(&db, 5000).unwrap();
    // A test that a Jepsen history named list-append-small.edn is imported into,
    // whose last run has the largest id there is.
    let test = fixture::Row {
        event: "CreateTest",
        meta: json!({"component": "histcheck-import", "test-id": 4}),
        data: json!({"agenda": [], "deployment": [], "jepsen-test": "list-append-small.edn"}),
    };
    fixture::insert(&mut s, &[test, fixture::create_run(RunId { test: 4, run: i64::MAX }, 1, json!([]))]).unwrap();
    drop(s);
    let before = count_rows(&db);
    let o = run(&["runs", "import", "--db", &d(&db), "fixtures/list-append-small.edn"]);
    expect_code(&o, 2);
    let err = text(&o.stderr);
    assert!(err.contains("test 4 has no run id left after 9223372036854775807"), "{}", ctx(&o));
    assert!(err.contains("nothing was imported"), "{}", ctx(&o));
    assert_eq!(count_rows(&db), before, "nothing was written");
    // A history of another name still gets a new test (5), run 0.
    let other = dir.join("other.edn");
    fs::copy("fixtures/list-append-small.edn", &other).unwrap();
    fs::write(&other, format!("{}\n", fs::read_to_string(&other).unwrap())).unwrap();
    let o = run(&["runs", "import", "--db", &d(&db), &d(&other), "--json"]);
    expect_code(&o, 0);
    assert_eq!(json_of(&o)["imported"][0]["test_id"], json!(5));
    assert_eq!(json_of(&o)["imported"][0]["run_id"], json!(0));
}
