//! The LTL evaluator's stages on generated 100k-step traces (`sim::trace`,
//! time in ns): reading the trace into columns, then evaluating with the verdict
//! and proof, for the two benchmark shapes. `ltl/bench/run.sh` times the
//! whole command on 1M steps; this harness is for regressions of one stage.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ltl::compile::{compile, CompileOptions, Plan};
use ltl::syntax::Unit;
use ltl::trace::{load, TraceOptions};
use sim::trace::{generate, TraceConfig, TraceKind};

const STEPS: usize = 100_000;

fn jsonl(cfg: &TraceConfig) -> Vec<u8> {
    let mut out = Vec::new();
    generate(cfg, |rec| -> Result<(), serde_json::Error> {
        serde_json::to_writer(&mut out, rec)?;
        out.push(b'\n');
        Ok(())
    })
    .unwrap();
    out
}

fn plan(src: &str) -> Plan {
    let opts = CompileOptions { time_unit: Unit::Ns, ..CompileOptions::default() };
    compile(&ltl::parse::parse(src).unwrap(), &opts).unwrap()
}

fn stages(c: &mut Criterion) {
    let props = jsonl(&TraceConfig { kind: TraceKind::Props, steps: STEPS, ..TraceConfig::default() });
    let cluster = jsonl(&TraceConfig { kind: TraceKind::Cluster, steps: STEPS, ..TraceConfig::default() });
    let deadline = TraceConfig::default().deadline_ns;
    let cases = [
        ("p -> eventually q", "always (state.p -> eventually state.q)", &props),
        ("p -> eventually[..10] q", "always (state.p -> eventually[..10] state.q)", &props),
        (
            "request -> bind w. response within the deadline",
            &*format!(
                "always (event.kind == \"request\" -> bind w. eventually (event.kind == \"response\" && event.id == w.event.id && time - w.time <= {deadline}))"
            ),
            &cluster,
        ),
    ];
    let mut g = c.benchmark_group("ltl-100k-steps");
    g.throughput(Throughput::Elements(STEPS as u64));
    g.sample_size(20);
    let topts = TraceOptions::default();
    for (name, src, text) in cases {
        let p = plan(src);
        g.bench_function(format!("load ({name})"), |b| b.iter(|| load(text, &p.paths, &topts).unwrap().n));
        g.bench_function(format!("evaluate ({name})"), |b| {
            b.iter_batched(
                || load(text, &p.paths, &topts).unwrap(),
                |tr| ltl::evaluate(&p, &tr, 3).verdict,
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
