//! The checker's stages on a generated 10k-transaction list-append history
//! (16 processes, 1–6 micro-ops, keys retired after 32 appends): inference,
//! realtime edges and graph building, cycle search, and the whole check. A
//! snapshot-isolation history is used for the search, so it has cycles to find.

use checker::check::{check_list_append, Options};
use checker::cycles::{self, SearchOptions};
use checker::{list_append, order};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim::{self, Isolation, SimConfig};

fn history(isolation: Isolation) -> history::History {
    let cfg = SimConfig {
        txns: 10_000,
        processes: 16,
        mops: 6,
        keys: 8,
        max_writes_per_key: 32,
        isolation,
        ..SimConfig::default()
    };
    sim::simulate(&cfg).history
}

fn stages(c: &mut Criterion) {
    let mut g = c.benchmark_group("check-10k-txns");
    g.throughput(Throughput::Elements(10_000));
    let h = history(Isolation::StrictSerializable);
    g.bench_function("infer", |b| b.iter(|| list_append::analyze(&h).unwrap().edges.len()));
    g.bench_function("realtime+build", |b| {
        b.iter_batched(
            || list_append::analyze(&h).unwrap().edges,
            |mut edges| {
                order::add_realtime_edges(&h, &mut edges);
                edges.build().edge_count()
            },
            criterion::BatchSize::LargeInput,
        )
    });
    let si = history(Isolation::SnapshotIsolation);
    let a = list_append::analyze(&si).unwrap();
    let mut edges = a.edges.clone();
    order::add_realtime_edges(&si, &mut edges);
    let graph = edges.build();
    g.bench_function("search (snapshot-isolation store)", |b| {
        b.iter(|| cycles::search(&si, &graph, &a.explainer, &SearchOptions::default()).0.len())
    });
    let opts = Options::default();
    g.bench_function("whole check, strict-serializable", |b| {
        b.iter(|| check_list_append(&h, &opts).ok().map(|r| r.anomaly_types.len()))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = stages
}
criterion_main!(benches);
