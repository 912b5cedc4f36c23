//! The simulator and the checker against each other: a store simulated at an
//! isolation level, with no fault injected, gives histories valid under that
//! level and every weaker one; each injected fault is found.

use checker::check::{check_list_append, Options};
use checker::lattice::{self, Validity};
use history::sim::{simulate, Faults, Isolation, SimConfig, Workload};
use proptest::prelude::*;

fn config(seed: u64, isolation: Isolation, faults: Faults) -> SimConfig {
    SimConfig {
        workload: Workload::ListAppend,
        txns: 400,
        processes: 6,
        keys: 4,
        mops: 4,
        seed,
        isolation,
        faults,
        ..SimConfig::default()
    }
}

fn check(h: &history::History, model: &str) -> (Validity, Vec<&'static str>, std::collections::BTreeSet<&'static str>) {
    let opts = Options { models: vec![model.to_string()], ..Options::default() };
    let r = check_list_append(h, &opts).expect("a simulated history can be checked");
    (r.valid, r.anomaly_types.clone(), r.found.clone())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: testkit::cases(12), ..ProptestConfig::default() })]

    /// No fault: valid under the store's level and each weaker one.
    #[test]
    fn correct_stores_are_valid_under_their_level_and_weaker(seed in any::<u64>(), level in 0usize..5) {
        let iso = Isolation::ALL[level];
        let sim = simulate(&config(seed, iso, Faults::default()));
        for weaker in iso.and_weaker() {
            let (valid, types, _) = check(&sim.history, weaker.name());
            prop_assert_eq!(valid, Validity::True, "{} store under {}: {:?}", iso, weaker, types);
        }
    }

    /// Each fault, injected into a strictly serializable store, is found: the
    /// anomaly the sidecar names, or one that implies it (a stronger find in the
    /// same component makes the weaker one redundant).
    #[test]
    fn injected_faults_are_found(seed in any::<u64>(), which in 0usize..4) {
        let mut faults = Faults::default();
        match which {
            0 => faults.stale_read = 0.02,
            1 => faults.aborted_read = 0.02,
            2 => faults.intermediate_read = 0.02,
            _ => faults.lost_write = 0.02,
        }
        let sim = simulate(&config(seed, Isolation::StrictSerializable, faults));
        let (valid, types, found) = check(&sim.history, "strict-serializable");
        if sim.injected.is_empty() {
            prop_assert_eq!(valid, Validity::True, "{:?}", types);
        } else {
            prop_assert_eq!(valid, Validity::False, "{:?}", sim.injected);
            let found: Vec<&str> = found.into_iter().collect();
            let implied = lattice::all_implied_anomalies(&found);
            for inj in &sim.injected {
                prop_assert!(implied.contains(inj.anomaly), "{} (op {}) not found in {:?}", inj.anomaly, inj.op_index, types);
            }
        }
    }
}

/// Crashes are not anomalies: `:info` transactions may or may not have committed.
#[test]
fn crashes_alone_stay_valid() {
    for seed in 0..4 {
        let faults = Faults { crash: 0.05, ..Faults::default() };
        let sim = simulate(&config(seed, Isolation::StrictSerializable, faults));
        assert!(sim.history.ops.iter().any(|o| o.kind == history::OpType::Info), "seed {seed} crashed nothing");
        let (valid, types, _) = check(&sim.history, "strict-serializable");
        assert_eq!(valid, Validity::True, "seed {seed}: {types:?}");
    }
}
