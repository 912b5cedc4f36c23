//! Times list-append inference, realtime edges and graph building on a history file.
//!
//! `cargo run --release -p parsers --example synth 1000000 edn > /tmp/h1m.edn`
//! `cargo run --release -p checker --example infer_bench /tmp/h1m.edn`

use checker::{list_append, order, Rels};
use std::time::Instant;

/// CPU time of the process so far (user + system, all threads), from /proc.
fn cpu() -> std::time::Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<u64> = after.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the command.
    let ticks = f.get(10).copied().unwrap_or(0) + f.get(11).copied().unwrap_or(0);
    std::time::Duration::from_millis(ticks * 10)
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: infer_bench FILE");
    let t = Instant::now();
    let h = parsers::read_history_file(path.as_ref(), Default::default()).expect("readable history");
    eprintln!("parse: {:?} ({} ops, {} mops, {} read elements)", t.elapsed(), h.ops.len(), h.mops.len(), h.reads.len());
    for round in 0..2 {
        let (t, c0) = (Instant::now(), cpu());
        let a = list_append::analyze(&h).expect("analyzable");
        let (t_an, c_an) = (t.elapsed(), cpu() - c0);
        let mut b = a.edges;
        let data_edges = b.len();
        let (t, c0) = (Instant::now(), cpu());
        order::add_realtime_edges(&h, &mut b);
        let (t_rt, c_rt) = (t.elapsed(), cpu() - c0);
        let rt_edges = b.len() - data_edges;
        let (t, c0) = (Instant::now(), cpu());
        let g = b.build();
        let (t_b, c_b) = (t.elapsed(), cpu() - c0);
        let c = g.counts_by_rel();
        eprintln!(
            "round {round}: analyze {t_an:?} (cpu {c_an:?}; {data_edges} data edges added, {} anomalies), realtime {t_rt:?} (cpu {c_rt:?}; {rt_edges} edges), build {t_b:?} (cpu {c_b:?}; {} pairs)",
            a.anomalies.len(),
            g.edge_count()
        );
        let names: Vec<String> =
            Rels::SINGLES.iter().zip(c).filter(|(_, n)| *n > 0).map(|(r, n)| format!("{r}={n}")).collect();
        eprintln!("  edges by relation: {}", names.join(" "));
    }
}
