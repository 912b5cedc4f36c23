//! The simulator: 10k transactions into a History, per isolation level.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim::{simulate, Isolation, SimConfig};

fn gen(c: &mut Criterion) {
    let mut g = c.benchmark_group("gen-10k-txns");
    g.throughput(Throughput::Elements(10_000));
    for iso in Isolation::ALL {
        let cfg = SimConfig { txns: 10_000, processes: 16, mops: 6, isolation: iso, ..SimConfig::default() };
        g.bench_function(iso.name(), |b| b.iter(|| simulate(&cfg)));
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = gen
}
criterion_main!(benches);
