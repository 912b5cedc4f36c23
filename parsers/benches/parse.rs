//! Parsing, per format, of a generated 10k-transaction list-append history
//! (16 processes, 1–6 micro-ops, keys retired after 32 appends), and writing it.
//! Later stages (inference, cycle search, LTL) get their own benches in their crates.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use parsers::stream::OpWriter;
use parsers::{read_history, write_history, Format, ReadOptions};
use sim::{self, SimConfig};

fn config() -> SimConfig {
    SimConfig { txns: 10_000, processes: 16, mops: 6, keys: 8, max_writes_per_key: 32, ..SimConfig::default() }
}

fn bytes(f: Format) -> Vec<u8> {
    let mut w = OpWriter::new(f, Vec::new()).unwrap();
    sim::run(&config(), &mut w).unwrap();
    w.finish().unwrap()
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse-10k-txns");
    for f in [Format::Edn, Format::Json, Format::Jsonl] {
        let b = bytes(f);
        g.throughput(Throughput::Bytes(b.len() as u64));
        g.bench_function(f.name(), |bench| {
            bench.iter(|| read_history(&b[..], "bench", Some(f), ReadOptions::default()).unwrap())
        });
    }
    g.finish();
}

fn write(c: &mut Criterion) {
    let h = sim::simulate(&config()).history;
    let mut g = c.benchmark_group("write-10k-txns");
    for f in [Format::Edn, Format::Json] {
        g.bench_function(f.name(), |bench| {
            bench.iter_batched(
                || Vec::with_capacity(8 << 20),
                |mut out| {
                    write_history(&h, f, &mut out).unwrap();
                    out
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = parse, write
}
criterion_main!(benches);
