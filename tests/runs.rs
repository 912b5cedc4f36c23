//! End-to-end tests of `histcheck elle --db` and `histcheck runs`, on detsys
//! stores the tests build with the detsys schema (`store::SCHEMA`).

use rusqlite::Connection;
use serde_json::{json, Value as Json};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use store::fixture::{self, Variant};
use store::{RunId, Store};

fn histcheck() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_histcheck"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("DETSYS_DB");
    c
}

fn run<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    histcheck().args(args).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[track_caller]
fn expect_code(o: &Output, want: i32) {
    assert_eq!(o.status.code(), Some(want), "exit code\n--- stdout\n{}\n--- stderr\n{}", stdout(o), stderr(o));
    assert!(!stderr(o).contains("panicked"), "panic: {}", stderr(o));
}

#[track_caller]
fn json_of(o: &Output) -> Json {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("one JSON document ({e}):\n{}\n{}", stdout(o), stderr(o)))
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("runs").join(name);
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

/// A store with detsys's register example: test 0, runs 0 (correct), 1 (stale read), 2 (timed-out read).
fn register_db(name: &str) -> PathBuf {
    let p = scratch(name).join("detsys.db");
    let mut s = Store::create(&p, 5000).unwrap();
    let mut rows = vec![fixture::register_test(0)];
    for (run, v) in [(0, Variant::Correct), (1, Variant::StaleRead), (2, Variant::TimedOutRead)] {
        rows.extend(fixture::register_run(RunId { test: 0, run }, v));
    }
    fixture::insert(&mut s, &rows).unwrap();
    p
}

/// A store of `runs` synthetic valid runs of `ops` ops each, in test 0.
fn synthetic_db(name: &str, runs: i64, ops: usize) -> PathBuf {
    let p = scratch(name).join("detsys.db");
    let mut s = Store::create(&p, 5000).unwrap();
    fixture::insert(&mut s, &[fixture::register_test(0)]).unwrap();
    for run in 0..runs {
        fixture::insert(&mut s, &fixture::synthetic_run(RunId { test: 0, run }, ops, 4, 0, run as u64 + 1)).unwrap();
    }
    p
}

/// The database's bytes (WAL content included), to show a command changed nothing.
fn snapshot(db: &Path) -> Vec<u8> {
    let mut b = fs::read(db).unwrap();
    if let Ok(w) = fs::read(format!("{}-wal", db.display())) {
        b.extend(w);
    }
    b
}

fn analyses(db: &Path) -> Vec<(Json, Json)> {
    let c = Connection::open(db).unwrap();
    let mut st = c.prepare("SELECT meta, data FROM event_log WHERE event = 'Analysis' ORDER BY id").unwrap();
    let rows = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .map(|(m, d)| (serde_json::from_str(&m).unwrap(), serde_json::from_str(&d).unwrap()))
        .collect();
    rows
}

/// The `data` text of the i-th Analysis event, as written.
fn stored_result_text(db: &Path, i: usize) -> String {
    let c = Connection::open(db).unwrap();
    let mut st = c.prepare("SELECT data FROM event_log WHERE event = 'Analysis' ORDER BY id").unwrap();
    let rows: Vec<String> = st.query_map([], |r| r.get::<_, String>(0)).unwrap().map(|r| r.unwrap()).collect();
    rows[i].clone()
}

fn d(p: &Path) -> String {
    p.display().to_string()
}

// ---------------------------------------------------------------------------
// elle --db
// ---------------------------------------------------------------------------

#[test]
fn elle_checks_the_register_runs() {
    let db = register_db("elle-register");
    let check = |r: &str| run(&["elle", "--db", &d(&db), "--test-id", "0", "--run-id", r, "--json"]);
    let ok = check("0");
    expect_code(&ok, 0);
    let doc = json_of(&ok);
    assert_eq!(doc["valid"], json!(true));
    assert_eq!((doc["test_id"].clone(), doc["run_id"].clone()), (json!(0), json!(0)));
    assert_eq!(doc["file"], json!(d(&db)));
    assert_eq!(doc["stats"]["ops"], json!(4));

    let stale = check("1");
    expect_code(&stale, 1);
    let doc = json_of(&stale);
    assert_eq!(doc["valid"], json!(false));
    assert_eq!(doc["anomaly_types"], json!(["G-single-item-realtime"]));

    let timed_out = check("2");
    expect_code(&timed_out, 0);

    // The human report names the run.
    let o = run(&["elle", "--db", &d(&db), "--test-id", "0", "--run-id", "1"]);
    expect_code(&o, 1);
    assert!(stdout(&o).starts_with(&format!("{} (test 0 run 1): list-append, 4 ops", d(&db))), "{}", stdout(&o));
}

#[test]
fn the_store_defaults_to_home() {
    let db = register_db("home");
    let home = db.parent().unwrap().join("home");
    fs::create_dir_all(&home).unwrap();
    fs::copy(&db, home.join(".detsys.db")).unwrap();
    let o = histcheck().args(["runs", "list", "--json"]).env("HOME", &home).output().unwrap();
    expect_code(&o, 0);
    assert_eq!(json_of(&o)["db"], json!(d(&home.join(".detsys.db"))));
    // $DETSYS_DB wins over HOME, and --db over both.
    let o = histcheck().args(["runs", "list", "--json"]).env("HOME", &home).env("DETSYS_DB", &db).output().unwrap();
    assert_eq!(json_of(&o)["db"], json!(d(&db)));
    let o = histcheck()
        .args(["runs", "list", "--json", "--db", &d(&home.join(".detsys.db"))])
        .env("DETSYS_DB", &db)
        .output()
        .unwrap();
    assert_eq!(json_of(&o)["db"], json!(d(&home.join(".detsys.db"))));
}

#[test]
fn elle_finds_the_store_through_detsys_db() {
    let db = register_db("elle-env");
    let o = histcheck().args(["elle", "--test-id", "0", "--run-id", "1"]).env("DETSYS_DB", &db).output().unwrap();
    expect_code(&o, 1);
    // A file and a stored run at once is a usage error; so is half a run.
    expect_code(&run(&["elle", "fixtures/elle/stale-read.edn", "--test-id", "0", "--run-id", "1"]), 2);
    expect_code(&run(&["elle", "--db", &d(&db), "--test-id", "0"]), 2);
    expect_code(&run(&["elle", "--db", &d(&db)]), 2);
}

#[test]
fn elle_names_missing_tests_runs_and_histories() {
    let db = register_db("elle-missing");
    let before = snapshot(&db);
    let o = run(&["elle", "--db", &d(&db), "--test-id", "3", "--run-id", "0"]);
    expect_code(&o, 2);
    assert_eq!(stderr(&o), format!("error: {}: no test 3 (tests: 0)\n", d(&db)));
    let o = run(&["elle", "--db", &d(&db), "--test-id", "0", "--run-id", "5"]);
    expect_code(&o, 2);
    assert_eq!(stderr(&o), format!("error: {}: test 0 has no run 5 (runs: 0–2)\n", d(&db)));
    {
        let mut s = Store::open(&db, true, 5000).unwrap();
        fixture::insert(&mut s, &[fixture::create_run(RunId { test: 0, run: 3 }, 9, json!([]))]).unwrap();
    }
    let o = run(&["elle", "--db", &d(&db), "--test-id", "0", "--run-id", "3"]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("test 0 run 3 has no history"), "{}", stderr(&o));
    // A missing database is named, and not created.
    let nowhere = db.with_file_name("nowhere.db");
    let o = run(&["elle", "--db", &d(&nowhere), "--test-id", "0", "--run-id", "0"]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("no such database"), "{}", stderr(&o));
    assert!(!nowhere.exists());
    drop(before);
}

// ---------------------------------------------------------------------------
// runs list / check / show
// ---------------------------------------------------------------------------

#[test]
fn list_shows_seeds_faults_ops_and_steps() {
    let db = register_db("list");
    let o = run(&["runs", "list", "--db", &d(&db), "--json"]);
    expect_code(&o, 0);
    let doc = json_of(&o);
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0]["seed"], json!(4));
    assert_eq!(runs[0]["ops"], json!(4));
    assert_eq!(runs[0]["steps"], json!(10));
    assert_eq!(runs[1]["faults"], json!([{"kind": "omission", "from": "frontend", "to": "register2", "at": 3}]));
    assert_eq!(runs[1]["last_analysis"], Json::Null);
    let o = run(&["runs", "list", "--db", &d(&db)]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("1 omission"), "{}", stdout(&o));
    // Filters, and a filter that matches nothing.
    let o = run(&["runs", "list", "--db", &d(&db), "--run-id", "2", "--json"]);
    assert_eq!(json_of(&o)["runs"].as_array().unwrap().len(), 1);
    let o = run(&["runs", "list", "--db", &d(&db), "--test-id", "7"]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("no test 7"), "{}", stderr(&o));
}

#[test]
fn check_writes_one_analysis_per_run() {
    let db = register_db("check");
    let o = run(&["runs", "check", "--db", &d(&db), "--elle", "list-append", "--json"]);
    expect_code(&o, 1);
    let doc = json_of(&o);
    assert_eq!(doc["summary"], json!({"runs": 3, "valid": 2, "invalid": 1, "unknown": 0, "errors": 0, "written": 3}));
    assert_eq!(doc["runs"][1]["anomaly_types"], json!(["G-single-item-realtime"]));
    let rows = analyses(&db);
    assert_eq!(rows.len(), 3);
    for (i, (meta, data)) in rows.iter().enumerate() {
        assert_eq!(meta, &json!({"component": "histcheck", "test-id": 0, "run-id": i}));
        assert_eq!(data["checker"], json!("elle list-append"));
        assert_eq!(data["checker-version"], json!(format!("histcheck {}", env!("CARGO_PKG_VERSION"))));
        assert_eq!(data["valid"], json!(i != 1));
        assert_eq!(data["result"]["valid"], data["valid"]);
        assert_eq!(data["result"]["run_id"], json!(i));
        assert!(doc["runs"][i]["analysis_row"].as_i64().is_some());
    }
    // The same document as `elle --db --json`.
    let e = run(&["elle", "--db", &d(&db), "--test-id", "0", "--run-id", "1", "--json"]);
    assert_eq!(rows[1].1["result"], json_of(&e));

    // show lists them; list shows the latest.
    let o = run(&["runs", "show", "--db", &d(&db), "--test-id", "0", "--run-id", "1", "--json"]);
    expect_code(&o, 0);
    let shown = json_of(&o);
    assert_eq!(shown["analyses"].as_array().unwrap().len(), 1);
    assert_eq!(shown["analyses"][0]["valid"], json!(false));
    assert_eq!(shown["analyses"][0]["result"]["anomaly_types"], json!(["G-single-item-realtime"]));
    let o = run(&["runs", "show", "--db", &d(&db), "--test-id", "0", "--run-id", "1"]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("G-single-item-realtime"), "{}", stdout(&o));
    let o = run(&["runs", "list", "--db", &d(&db), "--json"]);
    assert_eq!(json_of(&o)["runs"][1]["last_analysis"]["valid"], json!(false));
    assert_eq!(json_of(&o)["runs"][1]["last_analysis"]["checker"], json!("elle list-append"));

    // Filters: one run, written again.
    let o = run(&["runs", "check", "--db", &d(&db), "--elle", "list-append", "--test-id", "0", "--run-id", "0"]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("1 runs checked"), "{}", stdout(&o));
    assert_eq!(analyses(&db).len(), 4);
}

#[test]
fn no_write_changes_nothing_and_output_is_deterministic() {
    let db = synthetic_db("no-write", 12, 60);
    let before = snapshot(&db);
    let a = run(&["runs", "check", "--db", &d(&db), "--elle", "list-append", "--no-write", "--json", "--jobs", "1"]);
    let b = run(&["runs", "check", "--db", &d(&db), "--elle", "list-append", "--no-write", "--json", "--jobs", "2"]);
    expect_code(&a, 0);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(json_of(&a)["summary"]["valid"], json!(12));
    assert!(snapshot(&db) == before, "the store is unchanged");
    assert!(analyses(&db).is_empty());
    let t = run(&["runs", "check", "--db", &d(&db), "--elle", "list-append", "--no-write"]);
    expect_code(&t, 0);
    assert!(
        stdout(&t).contains("12 runs checked with elle list-append (strict-serializable): 12 valid"),
        "{}",
        stdout(&t)
    );
    assert!(stdout(&t).contains("Nothing was written"), "{}", stdout(&t));
    // Piped, there is no progress bar.
    assert_eq!(stderr(&t), "");
}

#[test]
fn concurrent_checks_lose_no_results() {
    let db = synthetic_db("concurrent", 40, 200);
    // Start from detsys's own journal mode: the processes race to switch it to WAL.
    let c = Connection::open(&db).unwrap();
    let mode: String = c.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "delete");
    drop(c);
    let args = ["runs", "check", "--db", &d(&db), "--elle", "list-append", "--jobs", "1"];
    let children: Vec<_> = (0..3)
        .map(|_| {
            histcheck()
                .args(args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        expect_code(&o, 0);
    }
    let rows = analyses(&db);
    assert_eq!(rows.len(), 120);
    for run in 0..40 {
        let n = rows.iter().filter(|(m, _)| m["run-id"] == json!(run)).count();
        assert_eq!(n, 3, "run {run}");
    }
}

#[test]
fn a_run_that_cannot_be_checked_is_named_and_the_others_are_written() {
    let db = register_db("check-partial");
    {
        let mut s = Store::open(&db, true, 5000).unwrap();
        fixture::insert(&mut s, &[fixture::create_run(RunId { test: 0, run: 3 }, 9, json!([]))]).unwrap();
    }
    let o = run(&["runs", "check", "--db", &d(&db), "--elle", "list-append"]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("test 0 run 3 has no history"), "{}", stderr(&o));
    assert!(stdout(&o).contains("1 could not be checked"), "{}", stdout(&o));
    assert_eq!(analyses(&db).len(), 3);
    // A bad model name checks nothing and writes nothing.
    let o = run(&["runs", "check", "--db", &d(&db), "--elle", "list-append", "-c", "serialisable"]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("unknown consistency model 'serialisable'"), "{}", stderr(&o));
    assert_eq!(analyses(&db).len(), 3);
}

// ---------------------------------------------------------------------------
// faults
// ---------------------------------------------------------------------------

#[test]
fn a_locked_database_is_an_error_and_nothing_is_written() {
    let db = register_db("locked");
    // Another process holds the write lock.
    let holder = Connection::open(&db).unwrap();
    holder
        .execute_batch("BEGIN IMMEDIATE; INSERT INTO event_log (event, meta, data) VALUES ('Other', '{}', '{}');")
        .unwrap();
    let o = run(&["runs", "check", "--db", &d(&db), "--elle", "list-append", "--busy-timeout", "200"]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("locked by another process"), "{}", stderr(&o));
    holder.execute_batch("ROLLBACK").unwrap();
    assert!(analyses(&db).is_empty());
    // An exclusive lock (a rollback-journal writer committing) also stops readers.
    let db2 = register_db("locked-exclusive");
    {
        let c = Connection::open(&db2).unwrap();
        let mode: String = c.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "delete");
    }
    let holder = Connection::open(&db2).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let o = run(&["runs", "list", "--db", &d(&db2), "--busy-timeout", "200"]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("locked by another process"), "{}", stderr(&o));
    holder.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn corrupt_and_foreign_files_are_refused() {
    let dir = scratch("corrupt");
    let junk = dir.join("junk.db");
    fs::write(&junk, vec![b'x'; 4096]).unwrap();
    let before = fs::read(&junk).unwrap();
    for args in [
        vec!["runs", "list", "--db", junk.to_str().unwrap()],
        vec!["runs", "check", "--db", junk.to_str().unwrap(), "--elle", "list-append"],
        vec!["elle", "--db", junk.to_str().unwrap(), "--test-id", "0", "--run-id", "0"],
    ] {
        let o = run(&args);
        expect_code(&o, 2);
        assert!(stderr(&o).contains("not an SQLite database, or a corrupt one"), "{}", stderr(&o));
    }
    assert!(fs::read(&junk).unwrap() == before, "the junk file is unchanged");
    // A truncated store: the header is there, the pages are not.
    let db = register_db("truncated");
    let bytes = fs::read(&db).unwrap();
    let cut = dir.join("cut.db");
    fs::write(&cut, &bytes[..bytes.len().min(1024) + 100]).unwrap();
    let o = run(&["runs", "list", "--db", cut.to_str().unwrap()]);
    expect_code(&o, 2);
    assert!(stderr(&o).starts_with(&format!("error: {}: ", cut.display())), "{}", stderr(&o));
    // An SQLite file that is not a detsys store.
    let other = dir.join("other.db");
    Connection::open(&other).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
    let o = run(&["runs", "list", "--db", other.to_str().unwrap()]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("not a detsys store: it has no event_log table"), "{}", stderr(&o));
    // The importer does not add its schema to someone else's database.
    let before = fs::read(&other).unwrap();
    let o = run(&["runs", "import", "--db", other.to_str().unwrap(), "fixtures/list-append-small.edn"]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("not a detsys store: it has tables (t) but no event_log"), "{}", stderr(&o));
    assert!(fs::read(&other).unwrap() == before, "the foreign database is unchanged");
}

#[test]
fn malformed_json_is_named_by_row() {
    let db = register_db("malformed");
    let c = Connection::open(&db).unwrap();
    c.execute_batch("PRAGMA ignore_check_constraints = ON").unwrap();
    c.execute(
        "INSERT INTO event_log (event, meta, data) VALUES ('NetworkTrace', '{\"test-id\":0,\"run-id\":1}', '{\"jepsen-type\":')",
        [],
    )
    .unwrap();
    let row = c.last_insert_rowid();
    drop(c);
    let before = snapshot(&db);
    let o = run(&["elle", "--db", &d(&db), "--test-id", "0", "--run-id", "1"]);
    expect_code(&o, 2);
    assert!(
        stderr(&o).starts_with(&format!(
            "error: {}: event_log row {row} (NetworkTrace, test 0 run 1): data is not valid JSON",
            d(&db)
        )),
        "{}",
        stderr(&o)
    );
    let o = run(&["runs", "check", "--db", &d(&db), "--elle", "list-append", "--no-write"]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains(&format!("event_log row {row}")), "{}", stderr(&o));
    assert!(snapshot(&db) == before, "the store is unchanged");
}

// ---------------------------------------------------------------------------
// import
// ---------------------------------------------------------------------------

/// A Jepsen store directory: store/<test>/<time>/history.edn, with a `latest` link.
fn jepsen_store(dir: &Path) -> PathBuf {
    let root = dir.join("store");
    for (test, time, file) in [
        ("append-test", "20240101T000000.000Z", "fixtures/elle/stale-read.edn"),
        ("append-test", "20240102T000000.000Z", "fixtures/list-append-small.edn"),
        ("other-test", "20240103T000000.000Z", "fixtures/elle/la-06-g2.edn"),
    ] {
        let run = root.join(test).join(time);
        fs::create_dir_all(&run).unwrap();
        fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(file), run.join("history.edn")).unwrap();
        fs::write(run.join("results.edn"), "{:valid? true}").unwrap();
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        root.join("append-test").join("20240102T000000.000Z"),
        root.join("append-test").join("latest"),
    )
    .unwrap();
    root
}

fn tree_bytes(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                out.push((e.path(), fs::read(e.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn import_round_trip() {
    let dir = scratch("import");
    let root = jepsen_store(&dir);
    let inputs = tree_bytes(&root);
    let db = dir.join("imported.db");
    let o = run(&["runs", "import", "--db", &d(&db), &d(&root), "--json"]);
    expect_code(&o, 0);
    let doc = json_of(&o);
    let imported = doc["imported"].as_array().unwrap();
    assert_eq!(imported.len(), 3, "the latest link is not followed: {doc}");
    assert_eq!(
        imported.iter().map(|i| (i["test_id"].as_i64().unwrap(), i["run_id"].as_i64().unwrap())).collect::<Vec<_>>(),
        [(0, 0), (0, 1), (1, 0)]
    );
    assert!(tree_bytes(&root) == inputs, "the inputs are unchanged");

    // Listed and checked like detsys runs, with the results of the files themselves.
    let o = run(&["runs", "list", "--db", &d(&db), "--json"]);
    expect_code(&o, 0);
    let list = json_of(&o);
    assert_eq!(list["runs"].as_array().unwrap().len(), 3);
    assert!(list["runs"][0]["imported_from"]
        .as_str()
        .unwrap()
        .ends_with("append-test/20240101T000000.000Z/history.edn"));
    let files = [
        root.join("append-test/20240101T000000.000Z/history.edn"),
        root.join("append-test/20240102T000000.000Z/history.edn"),
        root.join("other-test/20240103T000000.000Z/history.edn"),
    ];
    for (i, f) in files.iter().enumerate() {
        let (t, r) = (imported[i]["test_id"].to_string(), imported[i]["run_id"].to_string());
        let from_db = run(&["elle", "--db", &d(&db), "--test-id", &t, "--run-id", &r, "--json"]);
        let from_file = run(&["elle", &d(f), "--json"]);
        assert_eq!(from_db.status.code(), from_file.status.code());
        let (mut a, b) = (json_of(&from_db), json_of(&from_file));
        let m = a.as_object_mut().unwrap();
        m.remove("test_id");
        m.remove("run_id");
        m.insert("file".into(), b["file"].clone());
        assert_eq!(a, b, "{}", f.display());
    }
    let o = run(&["runs", "check", "--db", &d(&db), "--elle", "list-append", "--json"]);
    expect_code(&o, 1);
    assert_eq!(json_of(&o)["summary"]["invalid"], json!(2));

    // The same files again are refused, and nothing changes; --force imports them again.
    let before = snapshot(&db);
    let o = run(&["runs", "import", "--db", &d(&db), &d(&files[1])]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("was imported before, as test 0 run 1"), "{}", stderr(&o));
    assert!(snapshot(&db) == before, "the store is unchanged");
    let o = run(&["runs", "import", "--db", &d(&db), &d(&files[1]), "--force", "--json"]);
    expect_code(&o, 0);
    assert_eq!(json_of(&o)["imported"][0]["test_id"], json!(0), "grouped with its Jepsen test");
    assert_eq!(json_of(&o)["imported"][0]["run_id"], json!(2));

    // A plain file becomes its own test.
    let o = run(&["runs", "import", "--db", &d(&db), "fixtures/list-append-small.json", "--json"]);
    expect_code(&o, 0);
    assert_eq!(json_of(&o)["imported"][0]["test_id"], json!(2));
}

#[test]
fn a_failed_import_leaves_no_trace() {
    let dir = scratch("import-fail");
    let db = dir.join("new.db");
    let o =
        run(&["runs", "import", "--db", &d(&db), "fixtures/list-append-small.edn", "fixtures/bad/unclosed-map.edn"]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("fixtures/bad/unclosed-map.edn:"), "{}", stderr(&o));
    assert!(!db.exists(), "no store is created by a failed import");
    // Two copies of one history in one import are refused.
    let copy = dir.join("copy.edn");
    fs::copy("fixtures/list-append-small.edn", &copy).unwrap();
    let o = run(&["runs", "import", "--db", &d(&db), "fixtures/list-append-small.edn", &d(&copy)]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("have the same content"), "{}", stderr(&o));
    assert!(!db.exists());
    // The views work on a store the importer created.
    let o = run(&["runs", "import", "--db", &d(&db), "fixtures/list-append-small.edn"]);
    expect_code(&o, 0);
    let c = Connection::open(&db).unwrap();
    let n: i64 = c.query_row("SELECT count(*) FROM run_info", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
}

// ---------------------------------------------------------------------------
// trace
// ---------------------------------------------------------------------------

fn trace_of(db: &Path, run_id: &str) -> Vec<Json> {
    let o = run(&["runs", "trace", "--db", &d(db), "--test-id", "0", "--run-id", run_id]);
    expect_code(&o, 0);
    stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The logical time of the first step where `p` holds (detsys's `<>` witness).
fn eventually(t: &[Json], p: impl Fn(&Json) -> bool) -> Option<i64> {
    t.iter().find(|s| p(s)).map(|s| s["logical_time"].as_i64().unwrap())
}

#[test]
fn traces_rebuild_the_state_of_every_node() {
    let db = register_db("trace");
    let t = trace_of(&db, "0");
    assert_eq!(t.len(), 10);
    // detsys's own formulas for its register example: <> @register1'.value = `[1]` holds,
    // witness at logical time 2;
    // [] @register2'.value = `[]` fails, first at logical time 3.
    assert_eq!(eventually(&t, |s| s["state"]["register1"]["value"] == json!([1])), Some(2));
    assert_eq!(eventually(&t, |s| s["state"]["register2"]["value"] != json!([])), Some(3));
    // `before` is the state after the previous step; step 0's is the deployment.
    for w in t.windows(2) {
        assert_eq!(w[1]["before"], w[0]["state"]);
    }
    assert_eq!(t[0]["before"]["register2"], json!({"value": [], "sessions": []}));
    // forall n. [] (@n'.value = `[1]` -> <> $.message = `"ack"`): every replica that
    // holds [1] is followed by an ack.
    for node in ["register1", "register2"] {
        let at = eventually(&t, |s| s["state"][node]["value"] == json!([1])).unwrap();
        assert!(t.iter().any(|s| s["logical_time"].as_i64().unwrap() >= at && s["event"]["message"] == json!("ack")));
    }
    // The atoms detsys lacked: simulated time (ms), the faults, the message's kind and times.
    assert_eq!(t[9]["time"], json!(10_040));
    assert_eq!(t[9]["event"]["sent_logical_time"], json!(9));
    assert_eq!(t[0]["event"]["kind"], json!("invoke"));
    assert_eq!(t[0]["event"]["jepsen_type"], json!("invoke"));

    // The stale run: register2 never sees the write, and the run's fault is in every step.
    let stale = trace_of(&db, "1");
    assert_eq!(eventually(&stale, |s| s["state"]["register2"]["value"] != json!([])), None);
    assert!(stale
        .iter()
        .all(|s| s["faults"] == json!([{"kind": "omission", "from": "frontend", "to": "register2", "at": 3}])));
    assert_eq!(
        eventually(&stale, |s| s["event"]["message"] == json!("value")
            && s["event"]["args"]["response"]["value"] == json!([])),
        Some(9)
    );

    // An imported run has no trace.
    let o = run(&["runs", "import", "--db", &d(&db), "fixtures/list-append-small.edn"]);
    expect_code(&o, 0);
    let o = run(&["runs", "trace", "--db", &d(&db), "--test-id", "1", "--run-id", "0"]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("test 1 run 0 has no trace: it has no ExecutionStep rows"), "{}", stderr(&o));
}

#[test]
fn rw_register_runs_write_and_read_single_values() {
    let db = register_db("rw");
    // The register example reads lists: as rw-register it mixes the workloads, which is refused.
    let o = run(&["elle", "--db", &d(&db), "--test-id", "0", "--run-id", "0", "--model", "rw-register"]);
    expect_code(&o, 2);
    assert!(stderr(&o).contains("mixes list-append and rw-register micro-ops"), "{}", stderr(&o));
    // A register whose reads return one value.
    let id = RunId { test: 0, run: 3 };
    let nt = |msg: &str, args: Json, kind: &str, ty: &str, lt: i64| {
        fixture::network(
            id,
            msg,
            args,
            "client:0",
            "frontend",
            kind,
            lt - 1,
            lt,
            "1970-01-01T00:00:00Z",
            false,
            Some((ty, 0)),
        )
    };
    {
        let mut s = Store::open(&db, true, 5000).unwrap();
        fixture::insert(
            &mut s,
            &[
                fixture::create_run(id, 9, json!([])),
                nt("write", json!({"value": 5}), "invoke", "invoke", 1),
                nt("ack", json!({}), "ok", "ok", 2),
                nt("read", json!({}), "invoke", "invoke", 3),
                nt("value", json!({"value": 5}), "ok", "ok", 4),
            ],
        )
        .unwrap();
    }
    let o = run(&["elle", "--db", &d(&db), "--test-id", "0", "--run-id", "3", "--model", "rw-register", "--json"]);
    expect_code(&o, 0);
    assert_eq!(json_of(&o)["model"], json!("rw-register"));
    let o = run(&["runs", "check", "--db", &d(&db), "--elle", "rw-register", "--run-id", "3", "--json"]);
    expect_code(&o, 0);
    assert_eq!(json_of(&o)["checker"], json!("elle rw-register"));
    assert_eq!(analyses(&db).last().unwrap().1["checker"], json!("elle rw-register"));
}

#[test]
fn ltl_checks_the_rebuilt_state_of_stored_runs() {
    let db = register_db("ltl");
    let ltl = |syntax: &str, f: &str, run_id: &str| {
        run(&["ltl", "--syntax", syntax, f, "--db", &d(&db), "--test-id", "0", "--run-id", run_id])
    };
    // The formulas detsys's documentation gives for its register example, in detsys's
    // syntax and in histcheck's.
    expect_code(&ltl("detsys", "<> @register1'.value = `[1]`", "0"), 0);
    expect_code(&ltl("histcheck", "eventually state.register1.value == [1]", "0"), 0);
    let o = ltl("detsys", "[] @register2'.value = `[]`", "0");
    expect_code(&o, 1);
    assert!(stdout(&o).contains("[1] == []"), "{}", stdout(&o));
    // After the dropped write register2 stays empty.
    expect_code(&ltl("detsys", "[] @register2'.value = `[]`", "1"), 0);
    // Quantifiers range over the deployment's reactors: a replica keeps [1] after
    // the last ack, so the obligation is still open at the end (pending, exit 3).
    let o = ltl("detsys", "forall n. [] (@n'.value = `[1]` -> <> $.message = `\"ack\"`)", "0");
    expect_code(&o, 3);
    assert!(stdout(&o).starts_with("pending"), "{}", stdout(&o));
    // `$.event` is the message's args, as in detsys; the state before a step is `@n`.
    expect_code(&ltl("detsys", "<> $.event.value = `1`", "0"), 0);
    expect_code(&ltl("detsys", "<> (@register1.value = `[]` && @register1'.value = `[1]`)", "0"), 0);
    // The atoms detsys lacked: the run's faults and simulated time.
    expect_code(&ltl("histcheck", "always $.faults == []", "0"), 0);
    expect_code(&ltl("histcheck", "always $.faults == []", "1"), 1);
    expect_code(&ltl("histcheck", "always (event.message == \"read\" -> $.logical_time >= 7)", "0"), 0);
    // Several formulas, --json, and a missing run.
    let o = run(&[
        "ltl",
        "-f",
        "a=eventually state.register1.value == [1]",
        "--db",
        &d(&db),
        "--test-id",
        "0",
        "--run-id",
        "2",
        "--json",
    ]);
    expect_code(&o, 0);
    assert_eq!(json_of(&o)["file"], json!(format!("{} (test 0 run 2)", d(&db))));
    let o = ltl("histcheck", "eventually true", "9");
    expect_code(&o, 2);
    assert!(stderr(&o).contains("test 0 has no run 9"), "{}", stderr(&o));
}

#[test]
fn check_runs_ltl_formulas_over_stored_traces() {
    let db = register_db("check-ltl");
    let spec = db.with_file_name("register.spec");
    fs::write(
        &spec,
        "# the replicas\nreplicated: eventually state.register2.value == [1]\nno-faults: always $.faults == []\n",
    )
    .unwrap();
    let o = run(&[
        "runs",
        "check",
        "--db",
        &d(&db),
        "--elle",
        "list-append",
        "--spec",
        &d(&spec),
        "--syntax",
        "histcheck",
        "--json",
    ]);
    expect_code(&o, 1);
    let doc = json_of(&o);
    assert_eq!(doc["checker"], json!("elle list-append and ltl (2 formulas)"));
    assert_eq!(doc["runs"][0]["valid"], json!(true));
    assert_eq!(doc["runs"][1]["valid"], json!(false));
    assert_eq!(doc["runs"][1]["anomaly_types"], json!(["G-single-item-realtime"]));
    assert_eq!(doc["runs"][1]["ltl_failing"], json!(["replicated (pending)", "no-faults"]));
    // Two Analysis events per run, written together.
    assert_eq!(doc["summary"]["written"], json!(6));
    let rows = analyses(&db);
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[2].0["run-id"], json!(1));
    assert_eq!(rows[3].1["checker"], json!("ltl"));
    assert_eq!(rows[3].1["valid"], json!(false));
    assert_eq!(rows[3].1["result"]["results"][1]["name"], json!("no-faults"));
    assert_eq!(rows[3].1["result"]["results"][1]["verdict"], json!("fails"));
    // --ltl alone, in detsys's syntax, without writing.
    let o = run(&[
        "runs",
        "check",
        "--db",
        &d(&db),
        "--syntax",
        "detsys",
        "--ltl",
        "<> @register1'.value = `[1]`",
        "--no-write",
    ]);
    expect_code(&o, 0);
    assert!(stdout(&o).contains("3 runs checked with ltl (1 formula): 3 valid"), "{}", stdout(&o));
    // A bad formula checks nothing; so does asking for nothing.
    let o = run(&["runs", "check", "--db", &d(&db), "--ltl", "always (", "--no-write"]);
    expect_code(&o, 2);
    expect_code(&run(&["runs", "check", "--db", &d(&db)]), 2);
    assert_eq!(analyses(&db).len(), 6);
}

/// issue 12 item 12 for stored runs: a path no step of a run has is named, on
/// stderr (in run order) and in the stored result, with the closest existing one.
#[test]
fn check_runs_ltl_warns_about_paths_no_step_has() {
    let db = register_db("check-ltl-absent");
    let o = run(&["runs", "check", "--db", &d(&db), "--ltl", "always state.register2.valeu == null"]);
    expect_code(&o, 0);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("test 0 run 0: ltl1: no record of the trace has `state.register2.valeu`"), "{err}");
    assert!(err.contains("state.register2.value"), "{err}");
    let rows = analyses(&db);
    let w = &rows[0].1["result"]["results"][0]["warnings"];
    assert!(w[0].as_str().unwrap().contains("state.register2.valeu"), "{w}");
    // The proof is written with its keys in the documented order, kind first.
    let text = stored_result_text(&db, 0);
    assert!(text.contains("\"proof\":{\"kind\":"), "{text}");
}

// ---------------------------------------------------------------- golden --json

/// Runs `histcheck ARGS…` and asserts its exit code and its exact stdout, with
/// the database's path written `DB`: a golden test of a `--json` document,
/// whose keys must stay in the documented order (issue 12, item 14).
#[track_caller]
fn golden(db: &Path, args: &[&str], want_code: i32, want: &str) {
    let o = run(args);
    expect_code(&o, want_code);
    // The insert time of an Analysis varies: `"at": "…"` becomes `"at": "AT"`.
    let got: Vec<String> = stdout(&o)
        .replace(&d(db), "DB")
        .lines()
        .map(|l| match l.find("\"at\": \"") {
            Some(i) => format!("{}\"at\": \"AT\"{}", &l[..i], if l.ends_with(',') { "," } else { "" }),
            None => l.to_string(),
        })
        .collect();
    let got = got.join("\n") + "\n";
    assert!(
        got == want,
        "histcheck {}: stdout differs from the golden text\n--- got\n{got}--- want\n{want}",
        args.join(" ")
    );
}

#[test]
fn golden_json_runs() {
    let db = register_db("golden");
    let p = d(&db);
    golden(
        &db,
        &["runs", "list", "--db", &p, "--run-id", "1", "--json"],
        0,
        r#"{
  "db": "DB",
  "runs": [
    {
      "test_id": 0,
      "run_id": 1,
      "seed": 5,
      "faults": [
        {
          "at": 3,
          "from": "frontend",
          "kind": "omission",
          "to": "register2"
        }
      ],
      "ops": 4,
      "steps": 6,
      "imported_from": null,
      "last_analysis": null
    }
  ],
  "skipped_rows": []
}
"#,
    );
    golden(
        &db,
        &["runs", "check", "--db", &p, "--elle", "list-append", "--no-write", "--json"],
        1,
        r#"{
  "db": "DB",
  "checker": "elle list-append",
  "consistency_models": [
    "strict-serializable"
  ],
  "anomalies_requested": [],
  "write": false,
  "runs": [
    {
      "test_id": 0,
      "run_id": 0,
      "ops": 4,
      "valid": true,
      "anomaly_types": [],
      "not": [],
      "analysis_row": null,
      "analysis_rows": []
    },
    {
      "test_id": 0,
      "run_id": 1,
      "ops": 4,
      "valid": false,
      "anomaly_types": [
        "G-single-item-realtime"
      ],
      "not": [
        "strong-snapshot-isolation"
      ],
      "analysis_row": null,
      "analysis_rows": []
    },
    {
      "test_id": 0,
      "run_id": 2,
      "ops": 4,
      "valid": true,
      "anomaly_types": [],
      "not": [],
      "analysis_row": null,
      "analysis_rows": []
    }
  ],
  "skipped_rows": [],
  "summary": {
    "runs": 3,
    "valid": 2,
    "invalid": 1,
    "unknown": 0,
    "errors": 0,
    "written": 0
  }
}
"#,
    );
    golden(
        &db,
        &["elle", "--db", &p, "--test-id", "0", "--run-id", "0", "-c", "serializable", "--json"],
        0,
        r#"{
  "file": "DB",
  "test_id": 0,
  "run_id": 0,
  "model": "list-append",
  "consistency_models": [
    "serializable"
  ],
  "anomalies_requested": [],
  "valid": true,
  "anomaly_types": [],
  "not": [],
  "also_not": [],
  "unchecked": [],
  "anomalies": {},
  "stats": {
    "ops": 4,
    "transactions": 2,
    "edges": {
      "wr": 1
    },
    "additional_graph": null,
    "sccs": 0,
    "largest_scc": 0,
    "search_work": 0
  }
}
"#,
    );
    // A written analysis, shown with its result as it was written (keys in order).
    let o = run(&["runs", "check", "--db", &p, "--elle", "list-append", "--test-id", "0", "--run-id", "0"]);
    expect_code(&o, 0);
    golden(
        &db,
        &["runs", "show", "--db", &p, "--test-id", "0", "--run-id", "0", "--json"],
        0,
        r#"{
  "db": "DB",
  "test_id": 0,
  "run_id": 0,
  "analyses": [
    {
      "row": 58,
      "at": "AT",
      "component": "histcheck",
      "checker": "elle list-append",
      "checker_version": "histcheck 0.1.0",
      "valid": true,
      "result": {"file":"DB","test_id":0,"run_id":0,"model":"list-append","consistency_models":["strict-serializable"],"anomalies_requested":[],"valid":true,"anomaly_types":[],"not":[],"also_not":[],"unchecked":[],"anomalies":{},"stats":{"ops":4,"transactions":2,"edges":{"wr":1,"realtime":1},"additional_graph":"realtime","sccs":0,"largest_scc":0,"search_work":0}}
    }
  ]
}
"#,
    );
    let dir = scratch("golden-import");
    let fresh = dir.join("imported.db");
    golden(
        &fresh,
        &["runs", "import", "--db", &d(&fresh), "fixtures/rw-register-small.edn", "--json"],
        0,
        r#"{
  "db": "DB",
  "imported": [
    {
      "source": "fixtures/rw-register-small.edn",
      "test_id": 0,
      "run_id": 0,
      "ops": 8,
      "new_test": true
    }
  ]
}
"#,
    );
}

/// `runs import` reads its files in parallel, but tells the user about them in
/// file order: the warnings of the first file come first, whatever thread read
/// it. (The readers printed their own warnings while they ran, so two files'
/// warnings came out in whichever order the threads finished.)
#[test]
fn import_warnings_come_in_file_order() {
    let dir = scratch("import-warning-order");
    for i in 0..12 {
        let db = dir.join(format!("s{i}.db"));
        let (first, second) = if i % 2 == 0 {
            ("fixtures/lossy.edn", "fixtures/no-process.edn")
        } else {
            ("fixtures/no-process.edn", "fixtures/lossy.edn")
        };
        let o = run(&["runs", "import", "--db", &d(&db), first, second]);
        expect_code(&o, 0);
        let err = stderr(&o);
        let named: Vec<&str> = err
            .lines()
            .map(|l| if l.contains("lossy.edn") { "fixtures/lossy.edn" } else { "fixtures/no-process.edn" })
            .collect();
        let mut want = vec![first; named.iter().filter(|n| **n == first).count()];
        want.extend(vec![second; named.len() - want.len()]);
        assert_eq!(named, want, "warnings out of file order:\n{err}");
        assert_eq!(named.len(), 3, "{err}");
    }
}

/// An empty history file is imported (a run may be empty) but with a warning
/// that names it, never silently.
#[test]
fn import_of_an_empty_history_is_named() {
    let dir = scratch("import-empty");
    let empty = dir.join("empty.edn");
    fs::write(&empty, "").unwrap();
    let o = run(&["runs", "import", "--db", &d(&dir.join("s.db")), &d(&empty)]);
    expect_code(&o, 0);
    assert!(stderr(&o).contains(&format!("warning: {}: the history is empty (no ops)", d(&empty))), "{}", stderr(&o));
}
