//! Times list-append inference, realtime edges and graph building on a history file.
//!
//! `cargo run --release -p parsers --example synth 1000000 edn > /tmp/h1m.edn`
//! `cargo run --release -p checker --example infer_bench /tmp/h1m.edn`

use checker::{list_append, order, Explainer, Rels};
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: infer_bench FILE");
    let t = Instant::now();
    let h = parsers::read_history_file(path.as_ref(), Default::default()).expect("readable history");
    eprintln!("parse: {:?} ({} ops, {} mops, {} read elements)", t.elapsed(), h.ops.len(), h.mops.len(), h.reads.len());
    for round in 0..2 {
        let t = Instant::now();
        let a = list_append::analyze(&h).expect("analyzable");
        let t_an = t.elapsed();
        let mut b = a.edges;
        let data_edges = b.len();
        let t = Instant::now();
        order::add_realtime_edges(&h, &mut b);
        let t_rt = t.elapsed();
        let rt_edges = b.len() - data_edges;
        let t = Instant::now();
        let g = b.build();
        let t_b = t.elapsed();
        let c = g.counts_by_rel();
        eprintln!(
            "round {round}: analyze {t_an:?} ({data_edges} data edges added, {} anomalies), realtime {t_rt:?} ({rt_edges} edges), build {t_b:?} ({} pairs)",
            a.anomalies.len(),
            g.edge_count()
        );
        eprintln!(
            "  heap: history {} MB, explainer {} MB, graph {} MB",
            h.heap_bytes() >> 20,
            a.explainer.heap_bytes() >> 20,
            g.heap_bytes() >> 20
        );
        // Explain the data edges of every 1000th vertex.
        let (t, mut n) = (Instant::now(), 0);
        for v in (0..g.vertex_count() as u32).step_by(1000) {
            for (to, rels) in g.edges_from(v) {
                for r in (rels & Rels::DATA).iter() {
                    let s = a.explainer.explain(v, to, r).expect("explainable");
                    assert_eq!((s.from, s.to, s.rel), (v, to, r));
                    n += 1;
                }
            }
        }
        eprintln!("  explained {n} sampled edges in {:?}", t.elapsed());
        let names: Vec<String> =
            Rels::SINGLES.iter().zip(c).filter(|(_, n)| *n > 0).map(|(r, n)| format!("{r}={n}")).collect();
        eprintln!("  edges by relation: {}", names.join(" "));
    }
}
