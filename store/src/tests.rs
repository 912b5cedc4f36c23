use crate::fixture::{self, Variant};
use crate::trace::{merge_patch, parse_instant_ns};
use crate::*;
use serde_json::json;
use std::path::PathBuf;

/// A fresh database path in a scratch directory for one test.
fn db(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("histcheck-store-tests-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join(format!("{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
    }
    p
}

/// A store with the register test 0 and its three runs: 0 correct, 1 stale read, 2 timed-out read.
fn register_store(name: &str) -> (PathBuf, Store) {
    let p = db(name);
    let mut s = Store::create(&p, DEFAULT_BUSY_MS).unwrap();
    let mut rows = vec![fixture::register_test(0)];
    for (run, v) in [(0, Variant::Correct), (1, Variant::StaleRead), (2, Variant::TimedOutRead)] {
        rows.extend(fixture::register_run(RunId { test: 0, run }, v));
    }
    fixture::insert(&mut s, &rows).unwrap();
    (p, s)
}

fn edn(h: &::history::History) -> String {
    let mut out = Vec::new();
    parsers::edn::write_history(h, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

const R0: RunId = RunId { test: 0, run: 0 };
const R1: RunId = RunId { test: 0, run: 1 };
const R2: RunId = RunId { test: 0, run: 2 };

#[test]
fn the_reference_fixture_rebuilds_its_history() {
    let (_, s) = register_store("history");
    let h = s.load_history(R0, Flavor::ListAppend).unwrap();
    assert!(!h.imported);
    assert_eq!(
        edn(&h.history),
        "{:index 0, :type :invoke, :process 0, :f :txn, :value [[:append :x 1]]}\n\
         {:index 1, :type :ok, :process 0, :f :txn, :value [[:append :x 1]]}\n\
         {:index 2, :type :invoke, :process 0, :f :txn, :value [[:r :x nil]]}\n\
         {:index 3, :type :ok, :process 0, :f :txn, :value [[:r :x [1]]]}\n"
    );
    // Positions are event_log rows: the write's invocation is row 3 (after CreateTest, CreateRun).
    assert_eq!(h.history.ops[0].pos.line, 3);
    let w = s.load_history(R0, Flavor::RwRegister).unwrap();
    assert!(edn(&w.history).contains("[[:w :x 1]]"));
}

#[test]
fn a_stale_read_and_a_timed_out_read() {
    let (_, s) = register_store("variants");
    let stale = edn(&s.load_history(R1, Flavor::ListAppend).unwrap().history);
    assert!(stale.ends_with("{:index 3, :type :ok, :process 0, :f :txn, :value [[:r :x []]]}\n"), "{stale}");
    let timed_out = edn(&s.load_history(R2, Flavor::ListAppend).unwrap().history);
    assert!(timed_out.ends_with("{:index 3, :type :info, :process 0, :f :txn, :value [[:r :x nil]]}\n"), "{timed_out}");
}

#[test]
fn the_trace_applies_merge_patches_to_the_deployment() {
    let (_, s) = register_store("trace");
    let t = s.load_trace(R0).unwrap();
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    assert_eq!(t.nodes, ["frontend", "register1", "register2"]);
    let lts: Vec<i64> = t.steps.iter().map(|st| st.record["logical_time"].as_i64().unwrap()).collect();
    assert_eq!(lts, [1, 2, 3, 4, 5, 7, 8, 9, 10, 11]);
    assert_eq!(t.steps[1].record["state"]["register1"], json!({"value": [1], "sessions": ["0"]}));
    assert_eq!(t.steps[1].record["before"]["register1"], json!({"value": [], "sessions": []}));
    assert_eq!(t.steps[4].record["state"]["frontend"]["inFlight"], json!({}));
    assert_eq!(t.steps[3].record["state"]["frontend"]["inFlight"]["0"]["Id"], json!("0"));
    // Step 0: before is the deployment, the event is the client's invocation.
    let first = &t.steps[0].record;
    assert_eq!(first["before"]["frontend"], json!({"inFlight": {}, "inFlightSessionToClient": {}, "nextSessionId": 0}));
    assert_eq!(
        first["event"],
        json!({"message": "write", "sender": "client:0", "receiver": "frontend", "args": {"value": 1}, "event": {"value": 1},
               "kind": "invoke", "sent_logical_time": 0, "recv_logical_time": 1, "dropped": false,
               "jepsen_type": "invoke", "jepsen_process": 0})
    );
    assert_eq!(first["faults"], json!([]));
    assert_eq!(first["step"], json!(0));
    // Simulated time in ms: the read arrives at 10 s; 10.04 s at the last step.
    assert_eq!(t.steps[5].time, 10_000);
    assert_eq!(t.steps[9].time, 10_040);
    assert_eq!(t.steps[9].record["time"], json!(10_040));
    assert_eq!(t.steps[9].step, 9);
}

#[test]
fn a_dropped_message_leaves_its_replica_stale() {
    let (_, s) = register_store("trace-fault");
    let t = s.load_trace(R1).unwrap();
    let lts: Vec<i64> = t.steps.iter().map(|st| st.record["logical_time"].as_i64().unwrap()).collect();
    assert!(!lts.contains(&3), "the dropped message gets no step: {lts:?}");
    let last = &t.steps.last().unwrap().record;
    assert_eq!(last["state"]["register2"], json!({"value": [], "sessions": []}));
    assert_eq!(last["state"]["register1"], json!({"value": [1], "sessions": ["0"]}));
    assert_eq!(last["faults"], json!([{"kind": "omission", "from": "frontend", "to": "register2", "at": 3}]));
}

#[test]
fn merge_patch_follows_rfc_7396() {
    let cases = [
        (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
        (json!({"a": "b"}), json!({"b": "c"}), json!({"a": "b", "b": "c"})),
        (json!({"a": "b"}), json!({"a": null}), json!({})),
        (json!({"a": [{"b": "c"}]}), json!({"a": [1]}), json!({"a": [1]})),
        (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
        (json!({"a": "b"}), json!(["c"]), json!(["c"])),
        (json!({"e": null}), json!({"a": 1}), json!({"e": null, "a": 1})),
        (json!([1, 2]), json!({"a": "b", "c": null}), json!({"a": "b"})),
        (json!({}), json!({"a": {"bb": {"ccc": null}}}), json!({"a": {"bb": {}}})),
    ];
    for (mut t, p, want) in cases {
        merge_patch(&mut t, &p);
        assert_eq!(t, want);
    }
}

#[test]
fn instants_parse_to_nanoseconds() {
    assert_eq!(parse_instant_ns("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(parse_instant_ns("1970-01-01T00:00:00.018529Z"), Some(18_529_000));
    assert_eq!(parse_instant_ns("1970-01-01T00:00:10.04Z"), Some(10_040_000_000));
    assert_eq!(parse_instant_ns("2021-01-29T12:00:00+01:00"), Some(1_611_918_000_000_000_000));
    assert_eq!(parse_instant_ns("1970-01-02T00:00:00.000000001Z"), Some(86_400_000_000_001));
    assert_eq!(parse_instant_ns("yesterday"), None);
    assert_eq!(parse_instant_ns("1970-13-01T00:00:00Z"), None);
    assert_eq!(parse_instant_ns("1970-01-01T00:00:00"), None);
}

#[test]
fn missing_tests_runs_and_histories_are_named() {
    let (p, mut s) = register_store("missing");
    let e = s.load_history(RunId { test: 4, run: 0 }, Flavor::ListAppend).unwrap_err();
    assert_eq!(e.message, format!("{}: no test 4 (tests: 0)", p.display()));
    let e = s.load_history(RunId { test: 0, run: 9 }, Flavor::ListAppend).unwrap_err();
    assert_eq!(e.message, format!("{}: test 0 has no run 9 (runs: 0–2)", p.display()));
    // A run with only a CreateRun has no history and no trace.
    fixture::insert(&mut s, &[fixture::create_run(RunId { test: 0, run: 3 }, 1, json!([]))]).unwrap();
    let e = s.load_history(RunId { test: 0, run: 3 }, Flavor::ListAppend).unwrap_err();
    assert!(e.message.contains("test 0 run 3 has no history"), "{e}");
    let e = s.load_trace(RunId { test: 0, run: 3 }).unwrap_err();
    assert!(e.message.contains("test 0 run 3 has no trace: it has no ExecutionStep rows"), "{e}");
}

#[test]
fn malformed_json_names_the_row() {
    let (p, s) = register_store("malformed");
    // The CHECK constraints would refuse this; a store written without them may still hold it.
    s.connection().execute_batch("PRAGMA ignore_check_constraints = ON").unwrap();
    s.connection()
        .execute(
            "INSERT INTO event_log (event, meta, data) VALUES ('NetworkTrace', '{\"test-id\":0,\"run-id\":0}', '{\"jepsen-type\": \"ok\", ')",
            [],
        )
        .unwrap();
    let row = s.connection().last_insert_rowid();
    let e = s.load_history(R0, Flavor::ListAppend).unwrap_err();
    assert!(
        e.message.starts_with(&format!(
            "{}: event_log row {row} (NetworkTrace, test 0 run 0): data is not valid JSON",
            p.display()
        )),
        "{e}"
    );
    // Other runs still load.
    s.load_history(R1, Flavor::ListAppend).unwrap();
}

#[test]
fn unknown_messages_are_refused() {
    let (_, mut s) = register_store("unknown-message");
    let id = RunId { test: 0, run: 3 };
    fixture::insert(
        &mut s,
        &[
            fixture::create_run(id, 1, json!([])),
            fixture::network(
                id,
                "cas",
                json!({}),
                "client:0",
                "frontend",
                "invoke",
                0,
                1,
                "1970-01-01T00:00:00Z",
                false,
                Some(("invoke", 0)),
            ),
        ],
    )
    .unwrap();
    let e = s.load_history(id, Flavor::ListAppend).unwrap_err();
    assert!(e.message.contains("message \"cas\" has no Jepsen meaning"), "{e}");
}

#[test]
fn analyses_are_written_and_listed() {
    let (p, mut s) = register_store("analyses");
    let a = NewAnalysis {
        id: R1,
        valid: json!(false),
        result: serde_json::value::to_raw_value(&json!({"anomaly_types": ["G-single-item-realtime"], "a": 1})).unwrap(),
        checker: "elle list-append".into(),
        checker_version: "histcheck 0".into(),
    };
    s.write_analyses(std::slice::from_ref(&a)).unwrap();
    drop(s);
    let s = Store::open(&p, false, DEFAULT_BUSY_MS).unwrap();
    let (list, skipped) = s.list(Filter::default()).unwrap();
    assert!(skipped.is_empty());
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].ops, 4);
    assert_eq!(list[0].steps, 10);
    assert_eq!(list[1].faults, json!([{"kind": "omission", "from": "frontend", "to": "register2", "at": 3}]));
    assert_eq!(list[1].seed, json!(5));
    assert!(list[0].last_analysis.is_none());
    let last = list[1].last_analysis.as_ref().unwrap();
    assert_eq!(last.valid, json!(false));
    assert_eq!(last.component, "histcheck");
    assert_eq!(last.checker.as_deref(), Some("elle list-append"));
    let (shown, _) = s.analyses(R1).unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].result, serde_json::from_str::<serde_json::Value>(a.result.get()).unwrap());
    // The result's text is kept as written, keys in the writer's order.
    assert_eq!(shown[0].result_text.as_ref().unwrap().get(), a.result.get());
    // A read-only store refuses to write.
    let mut ro = Store::open(&p, false, DEFAULT_BUSY_MS).unwrap();
    assert!(ro.write_analyses(&[a]).is_err());
}

#[test]
fn opening_never_creates_and_names_what_is_wrong() {
    let p = db("nothing-here");
    let e = Store::open(&p, false, 100).err().unwrap();
    assert!(e.message.contains("no such database"), "{e}");
    assert!(!p.exists());
    std::fs::write(&p, b"this is not a database, just some text that is long enough to be a header....").unwrap();
    let e = Store::open(&p, false, 100).err().unwrap();
    assert!(e.message.contains("not an SQLite database"), "{e}");
    let p2 = db("other-schema");
    {
        let c = rusqlite::Connection::open(&p2).unwrap();
        c.execute_batch(
            "CREATE TABLE history (test_id INT, run_id INT, id INT, kind TEXT, event TEXT, args JSON, process INT)",
        )
        .unwrap();
    }
    let e = Store::open(&p2, false, 100).err().unwrap();
    assert!(e.message.contains("old schema"), "{e}");
}

#[test]
fn synthetic_runs_are_valid_shapes() {
    let id = RunId { test: 0, run: 0 };
    let rows = fixture::synthetic_run(id, 1000, 5, 0, 7);
    let ops = rows.iter().filter(|r| r.data.get("jepsen-type").is_some()).count();
    assert_eq!(ops, 1000);
    let p = db("synthetic");
    let mut s = Store::create(&p, DEFAULT_BUSY_MS).unwrap();
    fixture::insert(&mut s, &rows).unwrap();
    let h = s.load_history(id, Flavor::ListAppend).unwrap();
    assert_eq!(h.history.ops.len(), 1000);
}

#[test]
fn a_parallel_scan_reads_what_a_serial_one_does() {
    let (p, mut s) = register_store("parallel-scan");
    for run in 3..9 {
        fixture::insert(&mut s, &fixture::synthetic_run(RunId { test: 0, run }, 40, 3, 1, run as u64)).unwrap();
    }
    drop(s);
    let s = Store::open(&p, false, DEFAULT_BUSY_MS).unwrap();
    for wants in [
        Wants { history: true, ..Wants::default() },
        Wants { trace: true, analyses: true, counts: true, ..Wants::default() },
    ] {
        let serial = s.scan_split(Filter::default(), wants, i64::MAX).unwrap();
        let parallel = s.scan_split(Filter::default(), wants, 1).unwrap();
        assert_eq!(serial.runs.keys().collect::<Vec<_>>(), parallel.runs.keys().collect::<Vec<_>>());
        for (id, a) in &serial.runs {
            let b = &parallel.runs[id];
            let ids = |v: &[RawRow]| v.iter().map(|r| r.id).collect::<Vec<_>>();
            assert_eq!(ids(&a.network), ids(&b.network), "{id}");
            assert_eq!(ids(&a.steps), ids(&b.steps), "{id}");
            assert_eq!(a.create_run.as_ref().map(|r| r.id), b.create_run.as_ref().map(|r| r.id));
            assert_eq!((a.n_ops, a.n_steps), (b.n_ops, b.n_steps));
        }
        assert_eq!(serial.all_runs, parallel.all_runs);
        assert_eq!(serial.tests.keys().collect::<Vec<_>>(), parallel.tests.keys().collect::<Vec<_>>());
    }
}

#[test]
fn only_integer_and_array_values_are_taken() {
    let (_, mut s) = register_store("odd-args");
    let id = RunId { test: 0, run: 3 };
    let nt = |msg: &str, args: serde_json::Value, ty: &str, lt: i64| {
        fixture::network(
            id,
            msg,
            args,
            "client:0",
            "frontend",
            "invoke",
            lt - 1,
            lt,
            "1970-01-01T00:00:00Z",
            false,
            Some((ty, 0)),
        )
    };
    fixture::insert(
        &mut s,
        &[
            fixture::create_run(id, 1, json!([])),
            nt("write", json!({"value": 1.5, "other": [1, 2]}), "invoke", 1),
            nt("ack", json!({}), "ok", 2),
            nt("write", json!({"value": 18446744073709551615u64}), "invoke", 3),
            nt("ack", json!("done"), "ok", 4),
            nt("read", json!([]), "invoke", 5),
            nt("value", json!({"value": [1, "two", {"k": null}]}), "ok", 6),
            nt("write", json!({"value": [7, 8]}), "invoke", 7),
            nt("ack", json!({"value": "x"}), "info", 8),
        ],
    )
    .unwrap();
    let h = s.load_history(id, Flavor::ListAppend).unwrap();
    assert_eq!(
        edn(&h.history),
        "{:index 0, :type :invoke, :process 0, :f :txn, :value [[:append :x nil]]}\n\
         {:index 1, :type :ok, :process 0, :f :txn, :value [[:append :x nil]]}\n\
         {:index 2, :type :invoke, :process 0, :f :txn, :value [[:append :x 18446744073709551615N]]}\n\
         {:index 3, :type :ok, :process 0, :f :txn, :value [[:append :x 18446744073709551615N]]}\n\
         {:index 4, :type :invoke, :process 0, :f :txn, :value [[:r :x nil]]}\n\
         {:index 5, :type :ok, :process 0, :f :txn, :value [[:r :x [1 \"two\" {\"k\" nil}]]]}\n\
         {:index 6, :type :invoke, :process 0, :f :txn, :value [[:append :x [7 8]]]}\n\
         {:index 7, :type :info, :process 0, :f :txn, :value [[:append :x [7 8]]]}\n"
    );
}

#[test]
fn a_parallel_scan_of_row_ids_spanning_the_whole_range() {
    let (p, s) = register_store("row-id-span");
    // Rows at both ends of the id range: the split must not overflow.
    let c = s.connection();
    for id in [i64::MIN, i64::MIN + 1, i64::MAX - 1, i64::MAX] {
        c.execute("INSERT INTO event_log (id, event, meta, data) VALUES (?1, 'Other', '{}', '{}')", [id]).unwrap();
    }
    drop(s);
    let s = Store::open(&p, false, DEFAULT_BUSY_MS).unwrap();
    let wants = Wants { history: true, counts: true, ..Wants::default() };
    let serial = s.scan_split(Filter::default(), wants, i64::MAX).unwrap();
    let parallel = s.scan_split(Filter::default(), wants, 1).unwrap();
    assert_eq!(serial.all_runs, parallel.all_runs);
    assert_eq!(serial.runs.keys().collect::<Vec<_>>(), parallel.runs.keys().collect::<Vec<_>>());
    assert_eq!(serial.runs[&R1].n_ops, 4);
}

#[test]
fn an_immutable_connection_reads_a_path_with_uri_characters() {
    let dir = db("uri").with_file_name("a b?c%d#e&f=g");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("x.db");
    let _ = std::fs::remove_file(&p);
    let mut s = Store::create(&p, DEFAULT_BUSY_MS).unwrap();
    fixture::insert(&mut s, &[fixture::register_test(0)]).unwrap();
    drop(s);
    let c = immutable_conn(&p).unwrap();
    let n: i64 = c.query_row("SELECT count(*) FROM event_log", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
}

/// The plan SQLite makes for `sql`: the detail column of EXPLAIN QUERY PLAN.
fn plan(s: &Store, sql: &str, params: &[i64]) -> Vec<String> {
    let mut st = s.connection().prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let rows = st
        .query_map(rusqlite::params_from_iter(params.iter()), |r| r.get::<_, String>(3))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    rows
}

#[test]
fn single_run_reads_use_the_run_id_index() {
    let (_, mut s) = register_store("indexed");
    for run in 3..40 {
        fixture::insert(&mut s, &fixture::synthetic_run(RunId { test: 0, run }, 20, 2, 1, run as u64)).unwrap();
    }
    let all_wants = [
        Wants { history: true, ..Wants::default() },
        Wants { trace: true, ..Wants::default() },
        Wants { analyses: true, ..Wants::default() },
    ];
    for wants in all_wants {
        let p = plan(&s, &run_rows_sql(wants), &[0, 1]);
        assert!(p.iter().any(|d| d.contains("USING INDEX idx_run_id")), "{wants:?}: {p:?}");
        assert!(!p.iter().any(|d| d.starts_with("SCAN")), "{wants:?}: {p:?}");
    }
    let p = plan(&s, TEST_ROWS_SQL, &[0]);
    assert!(p.iter().any(|d| d.contains("USING INDEX idx_test_id")), "{p:?}");
    assert!(!p.iter().any(|d| d.starts_with("SCAN")), "{p:?}");

    let total: i64 = s.connection().query_row("SELECT count(*) FROM event_log", [], |r| r.get(0)).unwrap();
    let everything = Wants { history: true, trace: true, analyses: true, ..Wants::default() };
    for id in [R0, R1, R2, RunId { test: 0, run: 17 }] {
        let whole = s.scan(Filter::one(id), everything).unwrap();
        let w = &whole.runs[&id];
        let own = 1 + w.network.len() + w.steps.len() + w.imported.len() + w.analyses.len();
        for wants in all_wants {
            // The same rows as a scan of the whole table…
            let (scan, rr) = s.run_rows(id, wants).unwrap();
            let full = s.scan(Filter::one(id), wants).unwrap();
            let f = &full.runs[&id];
            let ids = |v: &[RawRow]| v.iter().map(|r| r.id).collect::<Vec<_>>();
            assert_eq!(ids(&rr.network), ids(&f.network), "{id} {wants:?}");
            assert_eq!(ids(&rr.steps), ids(&f.steps), "{id} {wants:?}");
            assert_eq!(ids(&rr.imported), ids(&f.imported), "{id} {wants:?}");
            assert_eq!(rr.analyses.len(), f.analyses.len(), "{id} {wants:?}");
            assert_eq!(rr.create_run.as_ref().map(|r| r.id), f.create_run.as_ref().map(|r| r.id));
            if !wants.analyses {
                assert_eq!((rr.n_ops, rr.n_steps), (f.n_ops, f.n_steps), "{id} {wants:?}");
            }
            assert_eq!(scan.tests.keys().collect::<Vec<_>>(), [&0]);
            // …for the work of reading the run's own rows and its test's CreateTest.
            assert!(
                scan.rows_read as usize <= own + 1,
                "{id} {wants:?}: read {} rows, the run has {own}",
                scan.rows_read
            );
            assert_eq!(full.rows_read, total as u64);
        }
    }
    assert_eq!(s.load_trace(R0).unwrap().steps.len(), 10, "the deployment is found");
    // Checking one run (`runs check --test-id --run-id`) reads it through the index too.
    let id = RunId { test: 0, run: 17 };
    let one = s.read_runs(Filter::one(id), Wants { history: true, trace: true, ..Wants::default() }).unwrap();
    assert_eq!(one.runs.keys().collect::<Vec<_>>(), [&id]);
    let rr = &one.runs[&id];
    assert!(one.rows_read as usize <= 2 + rr.network.len() + rr.steps.len(), "read {} rows", one.rows_read);
    // A test's runs are read from the whole table, and a missing run is named.
    let test = s.read_runs(Filter { test: Some(0), run: None }, Wants::default()).unwrap();
    assert_eq!(test.rows_read, total as u64);
    let missing = s.read_runs(Filter::one(RunId { test: 0, run: 99 }), Wants::default()).unwrap_err();
    assert!(missing.message.contains("test 0 has no run 99"), "{missing}");
}

#[test]
fn a_single_run_read_reports_the_rows_sqlite_takes_for_the_run() {
    let (_, s) = register_store("indexed-bad-id");
    // json_extract reads true as 1: the index finds the row for run 1, and it is skipped and named.
    s.connection()
        .execute(
            "INSERT INTO event_log (event, meta, data) VALUES ('NetworkTrace', '{\"test-id\":0,\"run-id\":true}', '{\"jepsen-type\":\"ok\",\"jepsen-process\":0,\"message\":\"ack\"}')",
            [],
        )
        .unwrap();
    let row = s.connection().last_insert_rowid();
    let h = s.load_history(R1, Flavor::ListAppend).unwrap();
    assert_eq!(h.history.ops.len(), 4);
    let w: Vec<String> = h.history.warnings.iter().map(|w| w.message.clone()).collect();
    assert_eq!(w, [format!("event_log row {row} (NetworkTrace) skipped: meta run-id is true, not an integer")]);
    // Run 0 does not see it.
    assert!(s.load_history(R0, Flavor::ListAppend).unwrap().history.warnings.is_empty());
}
