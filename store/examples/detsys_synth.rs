//! Writes a detsys store for trying and benchmarking `histcheck runs`.
//!
//! ```sh
//! cargo run --release -p store --example detsys_synth -- DB [--runs N] [--ops M] [--clients C] [--internal K] [--register]
//! ```
//!
//! `--register` writes detsys's register example (test 0: run 0 correct, run 1
//! a stale read after a dropped message, run 2 a timed-out read). Otherwise it
//! writes one test with N synthetic valid list-append runs of M history ops
//! each (invocations and completions) by C concurrent clients, with K internal
//! messages and execution steps per client op. The database must not exist.

use store::fixture::{self, Variant};
use store::{RunId, Store};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut db = None;
    let (mut runs, mut ops, mut clients, mut internal, mut register) = (1000usize, 1000usize, 5usize, 0usize, false);
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> usize {
            args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match a.as_str() {
            "--runs" => runs = num("--runs"),
            "--ops" => ops = num("--ops"),
            "--clients" => clients = num("--clients"),
            "--internal" => internal = num("--internal"),
            "--register" => register = true,
            _ if db.is_none() => db = Some(a),
            _ => panic!("unexpected argument {a}"),
        }
    }
    let db = db.expect("usage: detsys_synth DB [--runs N] [--ops M] [--clients C] [--internal K] [--register]");
    assert!(!std::path::Path::new(&db).exists(), "{db} exists; give a new path");
    let mut s = Store::create(std::path::Path::new(&db), store::DEFAULT_BUSY_MS).expect("create the store");
    let mut rows = vec![fixture::register_test(0)];
    if register {
        for (run, v) in [(0, Variant::Correct), (1, Variant::StaleRead), (2, Variant::TimedOutRead)] {
            rows.extend(fixture::register_run(RunId { test: 0, run }, v));
        }
        fixture::insert(&mut s, &rows).expect("insert");
        return;
    }
    fixture::insert(&mut s, &rows).expect("insert");
    for run in 0..runs {
        let rows = fixture::synthetic_run(RunId { test: 0, run: run as i64 }, ops, clients, internal, run as u64 + 1);
        fixture::insert(&mut s, &rows).expect("insert");
    }
}
