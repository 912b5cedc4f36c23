//! runs::check on detsys's register example: typed verdicts, written rows in
//! run order whatever the thread count, progress, and per-run errors.

use runs::{Progress, Request, Valid};
use store::fixture::{self, Variant};
use store::{Filter, Flavor, RunId, Store};

fn register_store(name: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("runs-check-{name}-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&p);
    let mut s = Store::create(&p, store::DEFAULT_BUSY_MS).unwrap();
    let mut rows = vec![fixture::register_test(0)];
    for (run, v) in [(0, Variant::Correct), (1, Variant::StaleRead), (2, Variant::TimedOutRead)] {
        rows.extend(fixture::register_run(RunId { test: 0, run }, v));
    }
    fixture::insert(&mut s, &rows).unwrap();
    p
}

#[derive(Default)]
struct Counted {
    events: Vec<String>,
}

impl Progress for Counted {
    fn reading(&mut self, _db: &str) {
        self.events.push("reading".into());
    }
    fn read(&mut self, skipped: &[store::SkippedRow]) {
        self.events.push(format!("read {}", skipped.len()));
    }
    fn start(&mut self, runs: usize) {
        self.events.push(format!("start {runs}"));
    }
    fn checked(&mut self) {
        self.events.push("checked".into());
    }
    fn done(&mut self) {
        self.events.push("done".into());
    }
}

fn elle_ltl(jobs: usize) -> Request {
    let ltl =
        ltl::spec::FormulaSet::parse(vec![ltl::spec::Source::new("ltl1", "always true")], ltl::spec::Syntax::Histcheck)
            .unwrap();
    Request { elle: Some(Flavor::ListAppend), ltl, jobs, ..Request::default() }
}

#[test]
fn the_stale_read_is_invalid_and_every_result_is_written_in_run_order() {
    let mut outcomes = Vec::new();
    for jobs in [1, 3] {
        let p = register_store(&format!("order-{jobs}"));
        let mut s = Store::open(&p, true, store::DEFAULT_BUSY_MS).unwrap();
        let mut progress = Counted::default();
        let report = runs::check(&mut s, &elle_ltl(jobs), &mut progress).unwrap();
        assert_eq!(report.checker, "elle list-append and ltl (1 formula)");
        assert_eq!(progress.events[..3], ["reading", "read 0", "start 3"]);
        assert_eq!(progress.events.iter().filter(|e| *e == "checked").count(), 3);
        assert_eq!(progress.events.last().unwrap(), "done");
        let verdicts: Vec<(RunId, Valid, Vec<String>, Vec<i64>)> = report
            .runs
            .iter()
            .map(|r| {
                let v = r.outcome.as_ref().unwrap();
                (r.id, v.valid, v.anomaly_types.clone(), v.rows.clone())
            })
            .collect();
        assert_eq!(verdicts[0].1, Valid::True);
        assert_eq!(verdicts[1].1, Valid::False);
        assert!(verdicts[1].2.iter().any(|t| t.starts_with("G-single")), "{:?}", verdicts[1].2);
        assert_eq!(verdicts[2].1, Valid::True);
        // Two Analysis rows per run (elle, then ltl), in run order.
        let rows: Vec<i64> = verdicts.iter().flat_map(|v| v.3.clone()).collect();
        assert_eq!(rows.len(), 6);
        assert!(rows.windows(2).all(|w| w[0] < w[1]), "{rows:?}");
        assert_eq!(report.summary().invalid, 1);
        assert_eq!(report.summary().written, 6);
        let doc = serde_json::to_value(report.doc()).unwrap();
        assert_eq!(doc["runs"][1]["valid"], serde_json::json!(false));
        assert_eq!(doc["runs"][1]["ltl_failing"], serde_json::json!([]));
        outcomes.push(verdicts.into_iter().map(|v| (v.0, v.1, v.2)).collect::<Vec<_>>());
        drop(s);
        let _ = std::fs::remove_file(&p);
    }
    assert_eq!(outcomes[0], outcomes[1], "the thread count changes nothing");
}

#[test]
fn a_run_that_cannot_be_checked_is_an_error_of_that_run() {
    let p = register_store("error");
    let mut s = Store::open(&p, false, store::DEFAULT_BUSY_MS).unwrap();
    // The register example read as rw-register: a run whose reads return
    // lists mixes the workloads and cannot be checked; the others are checked.
    let req = Request { elle: Some(Flavor::RwRegister), write: false, ..Request::default() };
    let report = runs::check(&mut s, &req, &mut ()).unwrap();
    assert_eq!(report.runs.len(), 3);
    assert_eq!(report.written, 0);
    let errors: Vec<(usize, &String)> =
        report.runs.iter().enumerate().filter_map(|(i, r)| r.outcome.as_ref().err().map(|e| (i, e))).collect();
    assert!(!errors.is_empty() && errors.len() < 3, "{errors:?}");
    for (_, e) in &errors {
        assert!(e.contains("mixes list-append and rw-register"), "{e}");
    }
    assert_eq!(report.summary().errors, errors.len());
    let doc = serde_json::to_value(report.doc()).unwrap();
    assert_eq!(doc["runs"][errors[0].0]["valid"], serde_json::Value::Null);
    // An unknown model is refused before any run is checked.
    let mut bad = Request { elle: Some(Flavor::ListAppend), write: false, ..Request::default() };
    bad.elle_request.consistency_models = vec!["serialisable".into()];
    let e = runs::check(&mut s, &bad, &mut ()).unwrap_err();
    assert!(matches!(e, runs::Error::Usage(_)), "{e}");
    // A missing run is a store error.
    let one = Request { filter: Filter::one(RunId { test: 0, run: 7 }), ..elle_ltl(1) };
    let e = runs::check(&mut s, &Request { write: false, ..one }, &mut ()).unwrap_err();
    assert!(e.to_string().contains("test 0 has no run 7"), "{e}");
    drop(s);
    let _ = std::fs::remove_file(&p);
}
