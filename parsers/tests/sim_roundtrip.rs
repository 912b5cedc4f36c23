//! Simulated histories read back identically through every format: the
//! streamed bytes parse to the history the simulator built, and writing that
//! history again gives the same bytes.

use history::History;
use parsers::stream::OpWriter;
use parsers::{read_history, write_history, Format, ReadOptions};
use proptest::prelude::*;
use sim::{self, Faults, Isolation, SimConfig, Workload};

fn same(a: &History, b: &History) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.ops.len(), b.ops.len());
    for (x, y) in a.ops.iter().zip(&b.ops) {
        prop_assert_eq!((x.index, x.time, x.kind, x.process), (y.index, y.time, y.kind, y.process));
        prop_assert_eq!(a.op_to_value(x), b.op_to_value(y));
    }
    prop_assert_eq!(&a.partner, &b.partner);
    Ok(())
}

fn config() -> impl Strategy<Value = SimConfig> {
    (
        0usize..60,
        1usize..6,
        1usize..5,
        1usize..6,
        any::<u64>(),
        0usize..5,
        any::<bool>(),
        prop::collection::vec(0.0f64..0.2, 6),
        2usize..10,
    )
        .prop_map(|(txns, processes, keys, mops, seed, iso, la, f, mw)| SimConfig {
            workload: if la { Workload::ListAppend } else { Workload::RwRegister },
            txns,
            processes,
            keys,
            mops,
            seed,
            isolation: Isolation::ALL[iso],
            faults: Faults {
                stale_read: f[0],
                aborted_read: f[1],
                lost_write: f[2],
                intermediate_read: f[3],
                duplicate_append: f[4],
                crash: f[5],
            },
            max_writes_per_key: mw,
            ..SimConfig::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: testkit::cases(48), ..ProptestConfig::default() })]

    #[test]
    fn generated_histories_round_trip(cfg in config()) {
        let built = sim::simulate(&cfg);
        for f in [Format::Edn, Format::Json, Format::Jsonl] {
            let mut w = OpWriter::new(f, Vec::new()).unwrap();
            let injected = sim::run(&cfg, &mut w).unwrap();
            prop_assert_eq!(&injected, &built.injected);
            let bytes = w.finish().unwrap();
            let read = read_history(&bytes[..], "gen", Some(f), ReadOptions::default())
                .map_err(|e| TestCaseError::fail(format!("{f:?}: {e}")))?;
            prop_assert!(read.warnings.is_empty(), "{:?}", read.warnings);
            same(&read, &built.history)?;
            let mut again = Vec::new();
            write_history(&read, f, &mut again).unwrap();
            prop_assert_eq!(again, bytes);
        }
    }
}
