//! `histcheck runs …`, `elle --db` and `ltl --db` on damaged or unusual
//! stores (issue 13): ids at the end of the i64 range, rows whose test or run
//! id is malformed, Analysis writes that fail, read-only directories, and
//! negative ids on the command line.

mod common;

use common::{histcheck, scratch, text};
use rusqlite::Connection;
use serde_json::{json, Value as Json};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use store::fixture::{self, Variant};
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

fn insert_raw(db: &Path, event: &str, meta: &str, data: &str) -> i64 {
    let c = Connection::open(db).unwrap();
    c.execute("INSERT INTO event_log (event, meta, data) VALUES (?1, ?2, ?3)", [event, meta, data]).unwrap();
    c.last_insert_rowid()
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

// ---------------------------------------------------------------------------
// Issue 13 item 9: rows with a malformed test or run id
// ---------------------------------------------------------------------------

/// The bad ids the audit found, as JSON text in `meta`.
const BAD_RUN_IDS: [&str; 6] = ["\"3\"", "1.5", "true", "1e30", "18446744073709551615", "null"];

/// A jepsen-type row (an op, so every history reader reads it) with this meta.
fn op_row(db: &Path, meta: &str) -> i64 {
    insert_raw(
        db,
        "NetworkTrace",
        meta,
        r#"{"message":"write","args":{"value":7},"from":"client:0","to":"frontend","kind":"invoke","sent-logical-time":20,"recv-logical-time":21,"recv-simulated-time":"1970-01-01T00:00:20Z","dropped":false,"jepsen-type":"invoke","jepsen-process":0}"#,
    )
}

#[test]
fn rows_with_malformed_ids_are_skipped_named_and_the_others_checked() {
    let dir = scratch("bad-ids");
    let db = register_db(&dir, 0, &[0, 1, 2]);
    let mut bad = Vec::new();
    for v in BAD_RUN_IDS {
        bad.push((op_row(&db, &format!(r#"{{"component":"x","test-id":0,"run-id":{v}}}"#)), v));
    }
    // No run id at all, a test id that is not an integer, an ExecutionStep and
    // a CreateRun with a bad run id.
    bad.push((op_row(&db, r#"{"component":"x","test-id":0}"#), "missing"));
    bad.push((op_row(&db, r#"{"component":"x","test-id":"0","run-id":0}"#), "\"0\""));
    bad.push((
        insert_raw(
            &db,
            "ExecutionStep",
            r#"{"test-id":0,"run-id":-0.5}"#,
            r#"{"reactor":"frontend","logical-time":1}"#,
        ),
        "-0.5",
    ));
    bad.push((insert_raw(&db, "CreateRun", r#"{"test-id":0,"run-id":[1]}"#, r#"{"seed":1}"#), "[1]"));
    let names_every_bad_row = |o: &Output, rows: &[(i64, &str)]| {
        let err = text(&o.stderr);
        for (row, v) in rows {
            // As serde_json writes it (1e30 is 1e+30).
            let shown = match *v {
                "missing" => "no run-id".to_string(),
                v => serde_json::from_str::<Json>(v).unwrap().to_string(),
            };
            let line = err.lines().find(|l| l.contains(&format!("event_log row {row} ")));
            let line = line.unwrap_or_else(|| panic!("no warning names row {row}\n{}", ctx(o)));
            assert!(line.starts_with("warning: "), "{line}");
            assert!(line.contains("skipped"), "{line}");
            assert!(line.contains(&shown), "{line} should show {shown}");
        }
    };

    // runs list: every run, every bad row named.
    let o = run(&["runs", "list", "--db", &d(&db), "--json"]);
    expect_code(&o, 0);
    let doc = json_of(&o);
    let ids: Vec<(Json, Json)> =
        doc["runs"].as_array().unwrap().iter().map(|r| (r["test_id"].clone(), r["run_id"].clone())).collect();
    assert_eq!(ids, [(json!(0), json!(0)), (json!(0), json!(1)), (json!(0), json!(2))]);
    assert_eq!(doc["runs"][0]["ops"], json!(4), "the bad rows are not counted as ops of a run");
    assert_eq!(doc["skipped_rows"].as_array().unwrap().len(), bad.len());
    names_every_bad_row(&o, &bad);
    let o = run(&["runs", "list", "--db", &d(&db)]);
    expect_code(&o, 0);
    assert!(text(&o.stdout).contains(&format!("{} event_log rows skipped", bad.len())), "{}", ctx(&o));

    // runs check: the runs are checked (run 1 is the stale read), the bad rows
    // counted in the summary and listed in the document.
    let o = run(&["runs", "check", "--db", &d(&db), "--elle", "list-append", "--no-write", "--json"]);
    expect_code(&o, 1);
    let doc = json_of(&o);
    assert_eq!(doc["summary"]["runs"], json!(3));
    assert_eq!(doc["summary"]["invalid"], json!(1));
    assert_eq!(doc["summary"]["errors"], json!(0));
    let skipped = doc["skipped_rows"].as_array().unwrap();
    // The ExecutionStep is not read for an Elle check.
    assert_eq!(skipped.len(), bad.len() - 1, "{skipped:?}");
    assert_eq!(skipped[0], json!({"row": bad[0].0, "event": "NetworkTrace", "field": "run-id", "value": "3"}));
    assert_eq!(skipped[5]["value"], Json::Null);
    names_every_bad_row(&o, &[&bad[..6], &bad[7..8]].concat());
    let o = run(&["runs", "check", "--db", &d(&db), "--elle", "list-append", "--no-write"]);
    expect_code(&o, 1);
    assert!(text(&o.stdout).contains("rows skipped"), "{}", ctx(&o));

    // A single run's readers.
    let o = run(&["elle", "--db", &d(&db), "--test-id", "0", "--run-id", "0"]);
    expect_code(&o, 0);
    let o = run(&["elle", "--db", &d(&db), "--test-id", "0", "--run-id", "1", "--json"]);
    expect_code(&o, 1);
    assert_eq!(json_of(&o)["stats"]["ops"], json!(4), "the row with run id true is not an op of run 1");
    let o = run(&["runs", "show", "--db", &d(&db), "--test-id", "0", "--run-id", "2"]);
    expect_code(&o, 0);
    let o = run(&["runs", "trace", "--db", &d(&db), "--test-id", "0", "--run-id", "0"]);
    expect_code(&o, 0);
    assert_eq!(text(&o.stdout).lines().count(), 10);
    let o =
        run(&["ltl", "eventually state.register1.value == [1]", "--db", &d(&db), "--test-id", "0", "--run-id", "0"]);
    expect_code(&o, 0);
}

#[test]
fn a_row_whose_meta_is_not_json_is_skipped_and_named() {
    let dir = scratch("bad-meta");
    let db = register_db(&dir, 0, &[0, 1]);
    // Written before the indexes existed (they evaluate json_extract on meta).
    let c = Connection::open(&db).unwrap();
    c.execute_batch("DROP INDEX idx_run_id; DROP INDEX idx_test_id; PRAGMA ignore_check_constraints = ON").unwrap();
    c.execute("INSERT INTO event_log (event, meta, data) VALUES ('NetworkTrace', '{\"test-id\":0,', '{\"jepsen-type\":\"ok\"}')", [])
        .unwrap();
    let row = c.last_insert_rowid();
    drop(c);
    for args in [
        vec!["runs", "list"],
        vec!["elle", "--test-id", "0", "--run-id", "0"],
        vec!["runs", "trace", "--test-id", "0", "--run-id", "0"],
    ] {
        let o = run(&[args.clone(), vec!["--db", &d(&db)]].concat());
        expect_code(&o, 0);
        assert!(
            text(&o.stderr).contains(&format!("event_log row {row} (NetworkTrace) skipped: meta is not valid JSON")),
            "{args:?}\n{}",
            ctx(&o)
        );
    }
}

// ---------------------------------------------------------------------------
// Issue 13 item 8: Analysis events that cannot be written
// ---------------------------------------------------------------------------

#[test]
fn a_run_whose_analysis_cannot_be_written_is_an_error_of_that_run() {
    let dir = scratch("write-refused");
    let db = register_db(&dir, 0, &[0, 1, 2, 3]);
    // The store refuses run 1's Analysis (as a full disk or a constraint would).
    Connection::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON event_log
             WHEN NEW.event = 'Analysis' AND json_extract(NEW.meta, '$.run-id') = 1
             BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END;",
        )
        .unwrap();
    let o = run(&["runs", "check", "--db", &d(&db), "--elle", "list-append", "--json"]);
    expect_code(&o, 2);
    let doc = json_of(&o);
    let runs = doc["runs"].as_array().unwrap();
    let err = runs[1]["error"].as_str().unwrap_or_else(|| panic!("run 1 has an error\n{}", ctx(&o)));
    assert!(err.contains("not written") && err.contains("refused by a trigger"), "{err}");
    // Its verdict is still reported; the later runs were still written.
    assert_eq!(runs[1]["valid"], json!(false));
    for i in [0, 2, 3] {
        assert!(runs[i].get("error").is_none(), "run {i}\n{}", ctx(&o));
        assert_eq!(runs[i]["analysis_rows"].as_array().unwrap().len(), 1, "run {i}");
    }
    assert_eq!(doc["summary"], json!({"runs": 4, "valid": 3, "invalid": 0, "unknown": 0, "errors": 1, "written": 3}));
    assert!(text(&o.stderr).contains("test 0 run 1"), "{}", ctx(&o));
    // The text report says so too.
    let o = run(&["runs", "check", "--db", &d(&db), "--elle", "list-append"]);
    expect_code(&o, 2);
    let out = text(&o.stdout);
    assert!(out.contains("not written"), "{}", ctx(&o));
    assert!(out.contains("1 could not be checked or written"), "{}", ctx(&o));
}

#[test]
fn a_lock_that_outlasts_the_busy_timeout_is_an_error_of_every_unwritten_run() {
    let dir = scratch("write-locked");
    let db = register_db(&dir, 0, &[0, 1, 2, 3, 4]);
    // Another process holds the write lock (the store is in WAL mode, so it can still be read).
    let holder = Connection::open(&db).unwrap();
    holder
        .execute_batch("BEGIN IMMEDIATE; INSERT INTO event_log (event, meta, data) VALUES ('Other', '{}', '{}');")
        .unwrap();
    let o = run(&["runs", "check", "--db", &d(&db), "--elle", "list-append", "--busy-timeout", "100", "--json"]);
    expect_code(&o, 2);
    let doc = json_of(&o);
    assert_eq!(doc["summary"], json!({"runs": 5, "valid": 0, "invalid": 0, "unknown": 0, "errors": 5, "written": 0}));
    for r in doc["runs"].as_array().unwrap() {
        let err = r["error"].as_str().unwrap_or_else(|| panic!("every run has an error\n{}", ctx(&o)));
        assert!(err.contains("not written") && err.contains("locked by another process"), "{err}");
        assert_eq!(r["analysis_rows"], json!([]));
    }
    holder.execute_batch("ROLLBACK").unwrap();
}

// ---------------------------------------------------------------------------
// Issue 13 item 17: read-only stores, negative ids
// ---------------------------------------------------------------------------

/// A directory for the read-only tests that every user can reach: under the
/// system's temporary directory, since the checkout (and so `target/`) may be
/// one that only its owner can enter.
struct OpenDir {
    dir: PathBuf,
    /// The binary to run: this build's, or a copy in `dir` when the
    /// unprivileged user cannot run it where it is.
    bin: PathBuf,
}

impl OpenDir {
    fn new(name: &str) -> OpenDir {
        let dir = std::env::temp_dir().join(format!("histcheck-runs-robust-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        chmod(&dir, 0o755);
        let mut bin = PathBuf::from(env!("CARGO_BIN_EXE_histcheck"));
        let runs = |b: &Path| unprivileged(b, &dir).arg("--help").output().is_ok_and(|o| o.status.success());
        if !runs(&bin) {
            let copy = dir.join("histcheck");
            fs::copy(&bin, &copy).unwrap();
            chmod(&copy, 0o755);
            bin = copy;
            assert!(runs(&bin), "the unprivileged user cannot run {}", bin.display());
        }
        OpenDir { dir, bin }
    }

    /// Runs the binary, as an unprivileged user when the tests run as root.
    fn run(&self, args: &[&str]) -> Output {
        unprivileged(&self.bin, &self.dir).env_remove("DETSYS_DB").args(args).output().expect("the binary runs")
    }

    /// Whether the user the binary runs as can create a file in `dir`.
    fn can_write_in(&self, dir: &Path) -> bool {
        let probe = dir.join("probe");
        let made = unprivileged(Path::new("/bin/sh"), &self.dir)
            .arg("-c")
            .arg("echo x > \"$1\"")
            .arg("sh")
            .arg(&probe)
            .output()
            .is_ok_and(|o| o.status.success());
        let _ = fs::remove_file(&probe);
        made
    }
}

impl Drop for OpenDir {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chmod").arg("-R").arg("u+rwx").arg(&self.dir).status();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A command run from `cwd` as uid/gid 65534 when the tests run as root:
/// root writes into a directory whatever its mode, so a read-only directory
/// would test nothing.
fn unprivileged(bin: &Path, cwd: &Path) -> std::process::Command {
    use std::os::unix::process::CommandExt;
    let mut c = std::process::Command::new(bin);
    c.current_dir(cwd);
    if is_root() {
        c.uid(65534).gid(65534);
    }
    c
}

/// Whether the effective user is root (the second field of `Uid:` in /proc/self/status).
fn is_root() -> bool {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:")).and_then(|l| l.split_whitespace().nth(1));
    uid == Some("0")
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_wal_store_in_a_read_only_directory_can_be_read() {
    let open = OpenDir::new("read-only");
    let dir = open.dir.join("store");
    fs::create_dir(&dir).unwrap();
    let db = register_db(&dir, 0, &[0, 1, 2]);
    let mode: String = Connection::open(&db).unwrap().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    // Closed: SQLite removed the -wal and -shm files.
    assert!(!dir.join("detsys.db-wal").exists() && !dir.join("detsys.db-shm").exists());
    chmod(&db, 0o444);
    chmod(&dir, 0o555);
    assert!(!open.can_write_in(&dir), "the directory is read-only for the user the binary runs as");
    // The probe can tell: it writes where everyone may.
    let writable = open.dir.join("writable");
    fs::create_dir(&writable).unwrap();
    chmod(&writable, 0o777);
    assert!(open.can_write_in(&writable));

    let o = open.run(&["runs", "list", "--db", &d(&db), "--json"]);
    expect_code(&o, 0);
    assert_eq!(json_of(&o)["runs"].as_array().unwrap().len(), 3);
    let o = open.run(&["runs", "check", "--db", &d(&db), "--elle", "list-append", "--no-write", "--json"]);
    expect_code(&o, 1);
    assert_eq!(json_of(&o)["summary"]["invalid"], json!(1));
    expect_code(&open.run(&["elle", "--db", &d(&db), "--test-id", "0", "--run-id", "1"]), 1);
    expect_code(&open.run(&["runs", "show", "--db", &d(&db), "--test-id", "0", "--run-id", "1"]), 0);
    let o = open.run(&["runs", "trace", "--db", &d(&db), "--test-id", "0", "--run-id", "1"]);
    expect_code(&o, 0);
    assert_eq!(text(&o.stdout).lines().count(), 6);
    // Writing is still refused, with a message.
    let o = open.run(&["runs", "check", "--db", &d(&db), "--elle", "list-append"]);
    expect_code(&o, 2);
    assert!(text(&o.stderr).contains(&d(&db)), "{}", ctx(&o));
    assert!(!dir.join("detsys.db-wal").exists() && !dir.join("detsys.db-shm").exists());
}

#[test]
fn a_read_only_store_with_a_write_ahead_log_loses_no_rows() {
    let open = OpenDir::new("read-only-wal");
    let src = register_db(&open.dir, 0, &[0, 1]);
    // A copy taken while a writer had committed rows that are still only in the WAL.
    let c = Connection::open(&src).unwrap();
    // An open reader keeps the writer's close from checkpointing and removing the log.
    let n: i64 = c.query_row("SELECT count(*) FROM event_log", [], |r| r.get(0)).unwrap();
    assert!(n > 0);
    fixture::insert(
        &mut Store::open(&src, true, 5000).unwrap(),
        &fixture::register_run(RunId { test: 0, run: 2 }, Variant::Correct),
    )
    .unwrap();
    let ro = open.dir.join("ro");
    fs::create_dir(&ro).unwrap();
    fs::copy(&src, ro.join("detsys.db")).unwrap();
    fs::copy(open.dir.join("detsys.db-wal"), ro.join("detsys.db-wal")).unwrap();
    drop(c);
    assert!(fs::metadata(ro.join("detsys.db-wal")).unwrap().len() > 0);
    chmod(&ro.join("detsys.db"), 0o444);
    chmod(&ro.join("detsys.db-wal"), 0o444);
    chmod(&ro, 0o555);
    assert!(!open.can_write_in(&ro));
    let o = open.run(&["runs", "list", "--db", &d(&ro.join("detsys.db")), "--json"]);
    // Either every run (the log read) or an error that says why: never the runs of the main file alone.
    match o.status.code() {
        Some(0) => assert_eq!(json_of(&o)["runs"].as_array().unwrap().len(), 3, "{}", ctx(&o)),
        _ => {
            expect_code(&o, 2);
            assert!(text(&o.stderr).contains("detsys.db-wal"), "{}", ctx(&o));
        }
    }
}

#[test]
fn negative_ids_are_accepted_with_a_space() {
    let dir = scratch("negative-ids");
    let db = register_db(&dir, -1, &[-3]);
    let db = d(&db);
    let o = run(&["elle", "--db", &db, "--test-id", "-1", "--run-id", "-3", "--json"]);
    expect_code(&o, 0);
    assert_eq!((json_of(&o)["test_id"].clone(), json_of(&o)["run_id"].clone()), (json!(-1), json!(-3)));
    let o = run(&["runs", "list", "--db", &db, "--test-id", "-1", "--run-id", "-3", "--json"]);
    expect_code(&o, 0);
    assert_eq!(json_of(&o)["runs"].as_array().unwrap().len(), 1);
    expect_code(&run(&["runs", "check", "--db", &db, "--test-id", "-1", "--elle", "list-append"]), 0);
    expect_code(&run(&["runs", "show", "--db", &db, "--test-id", "-1", "--run-id", "-3"]), 0);
    expect_code(&run(&["runs", "trace", "--db", &db, "--test-id", "-1", "--run-id", "-3"]), 0);
    expect_code(&run(&["ltl", "eventually true", "--db", &db, "--test-id", "-1", "--run-id", "-3"]), 0);
    // A negative number is still not taken for an unknown flag's value elsewhere.
    let o = run(&["runs", "list", "--db", &db, "--test-id", "-x"]);
    expect_code(&o, 2);
}
