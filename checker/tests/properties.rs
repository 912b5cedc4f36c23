//! Property tests of the list-append checker on generated histories.
//!
//! A serial execution is generated here (random transactions of 1–4 micro-ops
//! over 3–5 keys, applied one at a time to a map of lists, emitted as
//! invoke/ok pairs in sequence on several processes, never overlapping), then
//! written as EDN and read back with `parsers::read_history`.
//!
//! - (a) a serial execution is strictly serializable: always valid;
//! - (b) a stale read (one ok read replaced by a strictly shorter prefix of
//!   what it should have read, missing an append that completed before the
//!   reading transaction began) is always found as a cycle;
//! - (c) an aborted read (one appending transaction turned into `:fail`, a
//!   later ok read observing its element) is always a G1a under
//!   read-committed.

use checker::check::{check_list_append, Options};
use checker::cycles::CYCLE_TYPES;
use checker::lattice::Validity;
use history::History;
use proptest::prelude::*;
use std::fmt::Write as _;

#[derive(Clone, Debug)]
enum Mop {
    Append(usize, u64),
    /// The list read (filled in by [`execute`]).
    Read(usize, Vec<u64>),
}

#[derive(Clone, Debug)]
struct Txn {
    process: u32,
    mops: Vec<Mop>,
    /// `"ok"` or `"fail"`.
    kind: &'static str,
}

/// Per transaction: its process and its micro-ops as (is-append, key).
type Spec = Vec<(u32, Vec<(bool, usize)>)>;

fn arb_spec() -> impl Strategy<Value = (usize, Spec)> {
    (3usize..=5, 2u32..=4).prop_flat_map(|(nkeys, nproc)| {
        let txn = (0..nproc, prop::collection::vec((any::<bool>(), 0..nkeys), 1..=4));
        (Just(nkeys), prop::collection::vec(txn, 2..=12))
    })
}

/// Runs the transactions one at a time against a map of lists. Appended values
/// are unique per key (1, 2, … in order).
fn execute(nkeys: usize, spec: &Spec) -> Vec<Txn> {
    let mut state: Vec<Vec<u64>> = vec![Vec::new(); nkeys];
    spec.iter()
        .map(|(process, mops)| Txn {
            process: *process,
            kind: "ok",
            mops: mops
                .iter()
                .map(|&(append, k)| {
                    if append {
                        let v = state[k].len() as u64 + 1;
                        state[k].push(v);
                        Mop::Append(k, v)
                    } else {
                        Mop::Read(k, state[k].clone())
                    }
                })
                .collect(),
        })
        .collect()
}

fn mop_edn(m: &Mop, invoke: bool) -> String {
    match m {
        Mop::Append(k, v) => format!("[:append :k{k} {v}]"),
        Mop::Read(k, _) if invoke => format!("[:r :k{k} nil]"),
        Mop::Read(k, l) => {
            let l: Vec<String> = l.iter().map(u64::to_string).collect();
            format!("[:r :k{k} [{}]]", l.join(" "))
        }
    }
}

/// The execution as Jepsen EDN: each transaction an invoke immediately followed
/// by its completion, so transaction i is ops 2i and 2i+1.
fn edn(txns: &[Txn]) -> String {
    let mut s = String::new();
    for (i, t) in txns.iter().enumerate() {
        for (j, kind) in [(0, "invoke"), (1, t.kind)] {
            let v: Vec<String> = t.mops.iter().map(|m| mop_edn(m, j == 0)).collect();
            writeln!(
                s,
                "{{:index {}, :time {}, :type :{kind}, :process {}, :f :txn, :value [{}]}}",
                2 * i + j,
                2 * i + j,
                t.process,
                v.join(" ")
            )
            .unwrap();
        }
    }
    s
}

fn read(txns: &[Txn]) -> History {
    let text = edn(txns);
    parsers::read_history(text.as_bytes(), "gen.edn", Some(parsers::Format::Edn), Default::default())
        .unwrap_or_else(|e| panic!("generated history does not read: {e:?}\n{text}"))
}

/// Checks under one model: the validity and the reported types.
fn check(txns: &[Txn], model: &str) -> (Validity, Vec<&'static str>) {
    let h = read(txns);
    let opts = Options { models: vec![model.to_string()], ..Options::default() };
    let r = check_list_append(&h, &opts).unwrap_or_else(|e| panic!("check failed: {e:?}\n{}", edn(txns)));
    (r.valid, r.anomaly_types)
}

/// Reads that can be made stale: (txn, mop, key, len) where the txn touched the
/// key in no earlier mop (so a shorter read is not an internal anomaly) and the
/// list read is non-empty (so every element was appended by an earlier,
/// completed txn).
fn stale_candidates(txns: &[Txn]) -> Vec<(usize, usize, usize, usize)> {
    let mut out = Vec::new();
    for (t, txn) in txns.iter().enumerate() {
        for (m, mop) in txn.mops.iter().enumerate() {
            if let Mop::Read(k, l) = mop {
                let touched = txn.mops[..m].iter().any(|e| matches!(e, Mop::Append(j, _) | Mop::Read(j, _) if j == k));
                if !touched && !l.is_empty() {
                    out.push((t, m, *k, l.len()));
                }
            }
        }
    }
    out
}

/// Appends that a later ok read observes: (appending txn).
fn aborted_candidates(txns: &[Txn]) -> Vec<usize> {
    let mut out = Vec::new();
    for (a, txn) in txns.iter().enumerate() {
        let seen = txn.mops.iter().any(|m| match m {
            Mop::Append(k, v) => txns[a + 1..]
                .iter()
                .any(|t| t.mops.iter().any(|r| matches!(r, Mop::Read(j, l) if j == k && l.contains(v)))),
            Mop::Read(..) => false,
        });
        if seen {
            out.push(a);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: testkit::cases(64), ..ProptestConfig::default() })]

    /// (a) A serial execution is strictly serializable.
    #[test]
    fn serial_execution_is_valid((nkeys, spec) in arb_spec()) {
        let txns = execute(nkeys, &spec);
        let (valid, types) = check(&txns, "strict-serializable");
        prop_assert_eq!(valid, Validity::True, "types {:?} for\n{}", types, edn(&txns));
        prop_assert!(types.is_empty());
    }

    /// (b) A stale read is always found: the reader missed an append that
    /// completed before it began (a realtime cycle), or the miss also shows
    /// without realtime edges (e.g. a ww path back to the reader).
    #[test]
    fn stale_read_is_found((nkeys, spec) in arb_spec(), pick in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>()) {
        let mut txns = execute(nkeys, &spec);
        let cands = stale_candidates(&txns);
        prop_assume!(!cands.is_empty());
        let (t, m, k, len) = cands[pick.index(cands.len())];
        let keep = cut.index(len); // 0 ..= len-1: strictly shorter, possibly empty
        if let Mop::Read(_, l) = &mut txns[t].mops[m] {
            l.truncate(keep);
        }
        let (valid, types) = check(&txns, "strict-serializable");
        prop_assert_eq!(valid, Validity::False, "stale read of :k{} in txn {} kept {} of {}; types {:?} for\n{}", k, t, keep, len, types, edn(&txns));
        prop_assert!(
            types.iter().any(|ty| CYCLE_TYPES.contains(ty)),
            "no cycle type among {:?} for\n{}", types, edn(&txns)
        );
    }

    /// (c) An aborted read is a G1a under read-committed.
    #[test]
    fn aborted_read_is_g1a((nkeys, spec) in arb_spec(), pick in any::<prop::sample::Index>()) {
        let mut txns = execute(nkeys, &spec);
        let cands = aborted_candidates(&txns);
        prop_assume!(!cands.is_empty());
        let a = cands[pick.index(cands.len())];
        txns[a].kind = "fail";
        let (valid, types) = check(&txns, "read-committed");
        prop_assert_eq!(valid, Validity::False, "types {:?} for\n{}", types, edn(&txns));
        prop_assert!(types.contains(&"G1a"), "no G1a among {:?} for\n{}", types, edn(&txns));
    }
}
