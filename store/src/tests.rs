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
    let list = s.list(Filter::default()).unwrap();
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
    let shown = s.analyses(R1).unwrap();
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
