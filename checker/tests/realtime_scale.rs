//! The realtime order stays linear in size however many operations are in
//! flight at once (issue 13, item 12), and the cycles through it are still
//! found and explained with two real transactions per realtime step.

use checker::anomaly::{Anomaly, Explainer, Step};
use checker::check::{check_list_append, Options};
use checker::cycles::{self, SearchOptions};
use checker::lattice::Validity;
use checker::list_append;
use checker::order::{self, RealtimeForm};
use checker::{Rels, Txn};
use history::History;
use sim::{simulate, Faults, Isolation, SimConfig, Workload};

/// `rounds` rounds of `p` transactions in flight at once: all `p` invocations,
/// then all `p` ok completions. Each appends to a key of its own, except two
/// planted transactions of process 0: in round 0 it reads `[7]` from key
/// 1000000, which it appends only in round 1 (a G1c-realtime cycle).
fn concurrent(p: usize, rounds: usize) -> History {
    let mut s = String::new();
    let mut index = 0usize;
    for r in 0..rounds {
        for kind in [":invoke", ":ok"] {
            for proc in 0..p {
                let key = r * p + proc;
                let value = match (r, proc, kind) {
                    (0, 0, ":invoke") => "[[:r 1000000 nil]]".to_string(),
                    (0, 0, _) => "[[:r 1000000 [7]]]".to_string(),
                    (1, 0, _) => "[[:append 1000000 7]]".to_string(),
                    _ => format!("[[:append {key} 1]]"),
                };
                s.push_str(&format!(
                    "{{:index {index}, :time {index}, :type {kind}, :process {proc}, :f :txn, :value {value}}}\n"
                ));
                index += 1;
            }
        }
    }
    parsers::read_history(s.as_bytes(), "concurrent.edn", Some(parsers::Format::Edn), Default::default())
        .expect("the generated history parses")
}

struct Stored {
    ops: usize,
    stored: usize,
    realtime_pairs: usize,
}

fn check_concurrent(p: usize) -> Stored {
    let rounds = 4;
    let h = concurrent(p, rounds);
    let r = check_list_append(&h, &Options::default()).expect("checks");
    assert_eq!(r.valid, Validity::False);
    assert!(r.anomaly_types.contains(&"G1c-realtime"), "{:?}", r.anomaly_types);
    // The planted cycle: T1 (round 0, process 0, completion at position p)
    // read what T2 (round 1, process 0, completion at position 3p) appended,
    // and T1 completed before T2 was invoked.
    let (t1, t2) = (p as Txn, (3 * p) as Txn);
    let cycle = match &r.anomalies["G1c-realtime"][0] {
        Anomaly::Cycle { cycle, .. } => cycle,
        a => panic!("not a cycle: {a:?}"),
    };
    let steps: Vec<(Rels, Txn, Txn)> = cycle.steps.iter().map(|s| (s.rel, s.from, s.to)).collect();
    assert_eq!(steps, vec![(Rels::REALTIME, t1, t2), (Rels::WR, t2, t1)]);
    let rt = &cycle.steps[0];
    assert!(order::explain_realtime(&h, rt.from, rt.to).is_some());
    assert!(h.ops[rt.from as usize].index < h.ops[h.partner_of(rt.to as usize).unwrap()].index);
    // The statistics count the pairs of the transitive reduction: each of the
    // p invocations of rounds 1..3 follows the p completions of the round before.
    assert_eq!(r.stats.edges[7], (rounds - 1) * p * p);
    assert_eq!(r.stats.stored_edges, r.graph.edge_count());
    Stored { ops: h.ops.len(), stored: r.graph.edge_count(), realtime_pairs: r.stats.edges[7] }
}

/// P operations in flight at once: the stored edges grow linearly in P (the
/// pairs they stand for grow as P²).
#[test]
fn stored_realtime_edges_grow_linearly_with_concurrency() {
    let a = check_concurrent(200);
    let b = check_concurrent(400);
    for s in [&a, &b] {
        assert!(s.stored <= 2 * s.ops, "{} stored edges for {} ops", s.stored, s.ops);
    }
    assert_eq!(b.realtime_pairs, 4 * a.realtime_pairs);
    assert!(b.stored <= 2 * a.stored + 16, "{} then {}", a.stored, b.stored);
}

/// Explains data steps with the analyzer, realtime steps from the history.
struct Both<'h, E: Explainer> {
    h: &'h History,
    data: E,
}

impl<E: Explainer> Explainer for Both<'_, E> {
    fn explain(&self, a: Txn, b: Txn, rel: Rels) -> Option<Step> {
        if rel == Rels::REALTIME {
            order::explain_realtime(self.h, a, b)
        } else {
            self.data.explain(a, b, rel)
        }
    }
}

/// The two forms of the realtime order have the same transitive closure: the
/// same components, the same "cycle exists" verdicts, the same validity; and
/// every realtime step of a cycle found through barriers is a true realtime
/// pair of two transactions.
#[test]
fn barriers_and_explicit_edges_agree() {
    let mut with_cycles = 0;
    for seed in 0..6u64 {
        let cfg = SimConfig {
            workload: Workload::ListAppend,
            txns: 300,
            processes: 12,
            keys: 3,
            mops: 3,
            seed,
            isolation: Isolation::StrictSerializable,
            faults: Faults { stale_read: 0.05, ..Faults::default() },
            ..SimConfig::default()
        };
        let h = simulate(&cfg).history;
        let run = |form: RealtimeForm| {
            let a = list_append::analyze_with(&h, false).expect("analyses");
            let mut b = a.edges;
            order::add_realtime_edges_as(&h, &mut b, form);
            let g = b.build();
            let ex = Both { h: &h, data: a.explainer };
            let (anoms, stats) = cycles::search(&h, &g, &ex, &SearchOptions::default());
            (g, anoms, stats)
        };
        let (ge, ae, se) = run(RealtimeForm::Explicit);
        let (gb, ab, sb) = run(RealtimeForm::Barriers);
        assert!(!ge.has_barriers());
        assert!(gb.has_barriers() || ge.counts_by_rel()[7] == 0);
        assert_eq!(ge.counts_by_rel(), gb.counts_by_rel(), "seed {seed}");
        assert_eq!((se.sccs, se.largest_scc), (sb.sccs, sb.largest_scc), "seed {seed}");
        let exists = |v: &[Anomaly]| -> Vec<Anomaly> {
            v.iter().filter(|a| matches!(a, Anomaly::CycleExists { .. })).cloned().collect()
        };
        assert_eq!(exists(&ae), exists(&ab), "seed {seed}");
        assert_eq!(ae.is_empty(), ab.is_empty(), "seed {seed}");
        let types = |v: &[Anomaly]| v.iter().map(Anomaly::name).collect::<std::collections::BTreeSet<_>>();
        assert_eq!(types(&ae), types(&ab), "seed {seed}");
        if exists(&ab).iter().any(|a| a.name().starts_with("strong-")) {
            with_cycles += 1;
        }
        for a in &ab {
            if let Anomaly::Cycle { cycle, .. } = a {
                for s in &cycle.steps {
                    assert!((s.from as usize) < h.ops.len() && (s.to as usize) < h.ops.len());
                    if s.rel == Rels::REALTIME {
                        assert!(order::explain_realtime(&h, s.from, s.to).is_some(), "seed {seed}: {s:?}");
                    }
                }
            }
        }
    }
    assert!(with_cycles >= 2, "only {with_cycles} histories with realtime cycles");
}

/// Process order is one edge per ok op: no blow-up with concurrency.
#[test]
fn process_edges_are_linear() {
    let h = concurrent(300, 4);
    let mut b = checker::GraphBuilder::new(h.ops.len());
    order::add_process_edges(&h, &mut b);
    assert!(b.len() < h.ops.len());
}
