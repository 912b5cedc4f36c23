//! Property tests of the rw-register checker on histories from the simulator
//! (`sim`, workload rw-register):
//!
//! - (a) a strictly serializable history (concurrent clients, crashes) is valid
//!   under strict serializability with every version-order source on at once;
//! - (a') a history at any level from read committed up is valid under that
//!   level's model with `wfr-keys` and `sequential-keys`;
//! - (b) an injected stale read is always found (with `linearizable-keys`);
//! - (c) an injected aborted read is always a G1a of the injected op;
//! - (d) a read changed to return a value nobody wrote is always a garbage-read;
//! - (e) each injected fault gives exactly the anomaly types the sidecar predicts.

use checker::anomaly::Anomaly;
use checker::check::{check_rw_register, Options};
use checker::lattice::Validity;
use checker::rw_register::RwOptions;
use history::{History, MopKind, MopVal};
use proptest::prelude::*;
use sim::{self, simulate, Faults, Isolation, SimConfig, Workload};

fn all_sources() -> RwOptions {
    RwOptions { wfr_keys: true, sequential_keys: true, linearizable_keys: true, txn_order: None }
}

fn config(seed: u64, processes: usize, keys: usize, txns: usize, faults: Faults) -> SimConfig {
    SimConfig {
        workload: Workload::RwRegister,
        txns,
        processes,
        keys,
        seed,
        isolation: Isolation::StrictSerializable,
        faults,
        ..SimConfig::default()
    }
}

fn report_of(h: &History, rw: &RwOptions) -> (Validity, Vec<&'static str>, Vec<Anomaly>) {
    let r = check_rw_register(h, &Options::default(), rw).unwrap_or_else(|e| panic!("check failed: {e:?}"));
    let all: Vec<Anomaly> = r.anomalies.values().flatten().cloned().collect();
    (r.valid, r.anomaly_types.clone(), all)
}

/// The position of the op with this `:index`.
fn pos_of(h: &History, index: u64) -> u32 {
    h.ops.iter().position(|o| o.index == index).expect("an op with that :index") as u32
}

proptest! {
    #![proptest_config(ProptestConfig { cases: testkit::cases(48), ..ProptestConfig::default() })]

    #[test]
    fn strict_serializable_is_valid_under_every_source(
        seed in any::<u64>(), processes in 1usize..8, keys in 1usize..6, txns in 1usize..300, crash in 0.0f64..0.2,
    ) {
        let faults = Faults { crash, ..Faults::default() };
        let h = simulate(&config(seed, processes, keys, txns, faults)).history;
        let (valid, types, _) = report_of(&h, &all_sources());
        prop_assert!(valid != Validity::False, "seed {seed}: {types:?}");
    }

    /// Read committed and up (under read uncommitted a process may read a write
    /// that later aborts, and then an older version: its keys are not sequential).
    #[test]
    fn every_level_is_valid_under_its_model_with_wfr_and_sequential_keys(
        seed in any::<u64>(), processes in 1usize..6, keys in 1usize..5, level in 0usize..4, crash in 0.0f64..0.1,
    ) {
        let iso = Isolation::ALL[level];
        let mut cfg = config(seed, processes, keys, 250, Faults { crash, ..Faults::default() });
        cfg.isolation = iso;
        let h = simulate(&cfg).history;
        let rw = RwOptions { wfr_keys: true, sequential_keys: true, ..Default::default() };
        let opts = Options { models: vec![iso.name().to_string()], ..Options::default() };
        let r = check_rw_register(&h, &opts, &rw).unwrap_or_else(|e| panic!("check failed: {e:?}"));
        prop_assert!(r.valid != Validity::False, "seed {seed}, {iso}: {:?}", r.anomaly_types);
    }

    #[test]
    fn stale_read_is_found(seed in any::<u64>(), processes in 2usize..6, keys in 1usize..4) {
        let faults = Faults { stale_read: 0.05, ..Faults::default() };
        let sim = simulate(&config(seed, processes, keys, 400, faults));
        prop_assume!(sim.injected.iter().any(|i| i.kind == "stale-read"));
        let (valid, types, _) = report_of(&sim.history, &RwOptions { linearizable_keys: true, ..Default::default() });
        prop_assert_eq!(valid, Validity::False, "seed {}: {:?}", seed, types);
        // Usually a real-time cycle or a cyclic version order; a stale read of a
        // transaction's own earlier write of the key is also a G1b.
    }

    #[test]
    fn aborted_read_is_g1a(seed in any::<u64>(), processes in 1usize..6, keys in 1usize..4) {
        let faults = Faults { aborted_read: 0.05, ..Faults::default() };
        let sim = simulate(&config(seed, processes, keys, 300, faults));
        let injected: Vec<u32> =
            sim.injected.iter().filter(|i| i.kind == "aborted-read").map(|i| pos_of(&sim.history, i.op_index)).collect();
        prop_assume!(!injected.is_empty());
        let (valid, _, all) = report_of(&sim.history, &RwOptions::default());
        prop_assert_eq!(valid, Validity::False);
        for op in injected {
            let found = all.iter().any(|a| matches!(a, Anomaly::Read { kind: "G1a", op: o, .. } if *o == op));
            prop_assert!(found, "no G1a at op {}", op);
        }
    }

    /// Each fault, at any level, makes the checker (default options: no
    /// version-order source) report exactly the anomaly types the sidecar
    /// predicts, under every model the store guarantees.
    #[test]
    fn each_fault_gives_exactly_the_anomalies_the_sidecar_predicts(
        seed in any::<u64>(), processes in 1usize..6, keys in 1usize..5, which in 0usize..4, level in 0usize..5,
    ) {
        let fault = ["stale-read", "aborted-read", "intermediate-read", "lost-write"][which];
        let mut cfg = config(seed, processes, keys, 300, Faults::parse(&format!("{fault}=0.03")).unwrap());
        cfg.isolation = Isolation::ALL[level];
        let sim = simulate(&cfg);
        let expected = sim::expected(&cfg, &sim.injected);
        for model in cfg.isolation.and_weaker() {
            let opts = Options { models: vec![model.name().to_string()], ..Options::default() };
            let r = check_rw_register(&sim.history, &opts, &RwOptions::default())
                .unwrap_or_else(|e| panic!("check failed: {e:?}"));
            // A history so small or so single-keyed that nothing orders anything
            // is unknown; that says nothing about the faults.
            let types: Vec<&str> = r.anomaly_types.iter().copied().filter(|t| *t != "empty-transaction-graph").collect();
            prop_assert_eq!(
                &types, &expected[model.name()],
                "seed {}, {} store, {}, checked for {}: {:?}", seed, cfg.isolation, fault, model, sim.injected
            );
        }
    }

    #[test]
    fn garbage_read_is_found(seed in any::<u64>(), processes in 1usize..6, pick in any::<prop::sample::Index>()) {
        let mut h = simulate(&config(seed, processes, 3, 200, Faults::default())).history;
        // An ok read micro-op, made to return a value no op wrote.
        let reads: Vec<(usize, usize)> = h
            .ops
            .iter()
            .enumerate()
            .filter(|(_, o)| o.kind == history::OpType::Ok)
            .flat_map(|(i, o)| {
                let (s, n) = match o.value { history::OpValue::Txn { start, len } => (start as usize, len as usize), _ => (0, 0) };
                (s..s + n).map(move |m| (i, m))
            })
            .filter(|&(_, m)| h.mops[m].kind == MopKind::Read)
            .collect();
        prop_assume!(!reads.is_empty());
        let (op, m) = reads[pick.index(reads.len())];
        let junk = h.atoms.intern_int(987_654_321);
        h.mops[m].val = MopVal::Atom(junk);
        let (valid, types, all) = report_of(&h, &all_sources());
        prop_assert_eq!(valid, Validity::False, "{:?}", types);
        let found = all.iter().any(|a| matches!(a, Anomaly::Read { kind: "garbage-read", op: o, .. } if *o == op as u32));
        prop_assert!(found, "no garbage-read at op {}", op);
    }
}
