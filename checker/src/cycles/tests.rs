//! Cycle search tests over hand-built graphs.

use super::*;
use crate::graph::GraphBuilder;

struct Bare;

impl Explainer for Bare {
    fn explain(&self, a: Txn, b: Txn, rel: Rels) -> Option<Step> {
        Some(Step::bare(rel, a, b))
    }
}

/// A history of `n` trivial ops with `:index` = position.
fn history(n: usize) -> History {
    let edn = "{:index 0, :type :ok, :process 0, :f :txn, :value []}\n";
    let h1 =
        parsers::read_history(edn.as_bytes(), "t.edn", Some(parsers::Format::Edn), Default::default()).expect("parses");
    let base = h1.ops[0].clone();
    let mut h = h1;
    h.ops = (0..n)
        .map(|i| {
            let mut o = base.clone();
            o.index = i as u64;
            o
        })
        .collect();
    h
}

type Edges = Vec<(u32, u32, Rels)>;

const WW: Rels = Rels::WW;
const WR: Rels = Rels::WR;
const RW: Rels = Rels::RW;
const PR: Rels = Rels::PROCESS;
const RTM: Rels = Rels::REALTIME;

fn graph(n: usize, edges: &[(u32, u32, Rels)]) -> Graph {
    let mut b = GraphBuilder::new(n);
    for &(x, y, r) in edges {
        b.add(x, y, r);
    }
    b.build()
}

fn run_with(n: usize, edges: &[(u32, u32, Rels)], budget: u64) -> (Vec<Anomaly>, SearchStats) {
    let h = history(n);
    search(&h, &graph(n, edges), &Bare, &SearchOptions { budget })
}

fn run(n: usize, edges: &[(u32, u32, Rels)]) -> Vec<Anomaly> {
    run_with(n, edges, 1_000_000).0
}

fn names(out: &[Anomaly]) -> Vec<&'static str> {
    out.iter().map(Anomaly::name).collect()
}

fn cycle_of<'a>(out: &'a [Anomaly], kind: &str) -> &'a Cycle {
    out.iter()
        .find_map(|a| match a {
            Anomaly::Cycle { kind: k, cycle } if *k == kind => Some(cycle),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {kind} cycle in {:?}", names(out)))
}

/// Checks the cycle is well formed: consecutive steps, each relation on its edge.
fn check_cycle(g: &Graph, c: &Cycle) {
    let n = c.steps.len();
    for i in 0..n {
        let s = &c.steps[i];
        assert_eq!(s.to, c.steps[(i + 1) % n].from);
        assert!(g.rels(s.from, s.to).contains(s.rel), "{s:?}");
        assert_eq!(s.rel.iter().count(), 1);
    }
    let mut t = c.txns();
    t.sort_unstable();
    t.dedup();
    assert_eq!(t.len(), n, "simple");
    assert_eq!(c.steps[0].from, *c.txns().iter().min().unwrap(), "rotated to min");
}

fn rel_names(c: &Cycle) -> Vec<&'static str> {
    let mut v: Vec<&str> = c.steps.iter().map(|s| s.rel.single_name()).collect();
    v.sort_unstable();
    v
}

#[test]
fn classification() {
    assert_eq!(classify(&[WW, WW]), Some("G0"));
    assert_eq!(classify(&[WW, WR]), Some("G1c"));
    assert_eq!(classify(&[RW, WR]), Some("G-single-item"));
    assert_eq!(classify(&[RW, WR, RW, WR]), Some("G-nonadjacent-item"));
    assert_eq!(classify(&[RW, WR, WW, RW]), Some("G2-item"), "wrap-around adjacency");
    assert_eq!(classify(&[RW, RTM]), Some("G-single-item-realtime"));
    assert_eq!(classify(&[RW, PR, RTM]), Some("G-single-item-realtime"));
    assert_eq!(classify(&[WW, PR]), Some("G0-process"));
    assert_eq!(classify(&[Rels::RWP, WR]), Some("G-single"));
    assert_eq!(classify(&[Rels::RWP, RW]), Some("G2"));
    assert_eq!(classify(&[Rels::RWP, WR, RW, Rels::WWP, PR]), Some("G-nonadjacent-process"));
    assert_eq!(classify(&[PR, RTM]), None);
}

/// Each of the 15 item-level types, plain / -process / -realtime, is found
/// and classified from the relations taken.
#[test]
fn finds_each_item_type() {
    let cases: Vec<(&str, Edges, Vec<&str>)> = vec![
        ("G0", vec![(0, 1, WW), (1, 0, WW)], vec!["ww", "ww"]),
        ("G1c", vec![(0, 1, WW), (1, 0, WR)], vec!["wr", "ww"]),
        ("G-single-item", vec![(0, 1, RW), (1, 0, WR)], vec!["rw", "wr"]),
        ("G-nonadjacent-item", vec![(0, 1, RW), (1, 2, WR), (2, 3, RW), (3, 0, WR)], vec!["rw", "rw", "wr", "wr"]),
        ("G2-item", vec![(0, 1, RW), (1, 0, RW)], vec!["rw", "rw"]),
        ("G0-process", vec![(0, 1, WW), (1, 0, PR)], vec!["process", "ww"]),
        ("G1c-process", vec![(0, 1, WR), (1, 0, PR)], vec!["process", "wr"]),
        ("G-single-item-process", vec![(0, 1, RW), (1, 0, PR)], vec!["process", "rw"]),
        (
            "G-nonadjacent-item-process",
            vec![(0, 1, RW), (1, 2, WR), (2, 3, RW), (3, 0, PR)],
            vec!["process", "rw", "rw", "wr"],
        ),
        ("G2-item-process", vec![(0, 1, RW), (1, 2, RW), (2, 0, PR)], vec!["process", "rw", "rw"]),
        ("G0-realtime", vec![(0, 1, WW), (1, 0, RTM)], vec!["realtime", "ww"]),
        ("G1c-realtime", vec![(0, 1, WR), (1, 2, WW), (2, 0, RTM)], vec!["realtime", "wr", "ww"]),
        ("G-single-item-realtime", vec![(0, 1, RW), (1, 0, RTM)], vec!["realtime", "rw"]),
        (
            "G-nonadjacent-item-realtime",
            vec![(0, 1, RW), (1, 2, WR), (2, 3, RW), (3, 0, RTM)],
            vec!["realtime", "rw", "rw", "wr"],
        ),
        ("G2-item-realtime", vec![(0, 1, RW), (1, 2, RW), (2, 0, RTM)], vec!["realtime", "rw", "rw"]),
    ];
    for (kind, edges, rels) in cases {
        // Shift vertices so rotation to the minimum matters.
        let edges: Vec<_> = edges.iter().map(|&(a, b, r)| (a + 3, b + 3, r)).collect();
        let g = graph(10, &edges);
        let out = run(10, &edges);
        let cycles: Vec<&str> = out
            .iter()
            .filter_map(|a| match a {
                Anomaly::Cycle { kind, .. } => Some(*kind),
                _ => None,
            })
            .collect();
        assert_eq!(cycles, vec![kind], "{kind}: {:?}", names(&out));
        let c = cycle_of(&out, kind);
        check_cycle(&g, c);
        assert_eq!(rel_names(c), rels, "{kind}");
        assert_eq!(c.steps[0].from, 3);
    }
}

#[test]
fn shortest_cycle_and_relation_choice() {
    // Two G-single-item cycles through 0; the shorter is reported. The edge 2→0
    // carries ww and rw: the search takes ww (the rw would make it G2-item).
    let edges = [(0, 1, RW), (1, 2, WR), (2, 0, WW | RW), (1, 5, WW), (5, 6, WW), (6, 0, WW)];
    let out = run(7, &edges);
    let c = cycle_of(&out, "G-single-item");
    assert_eq!(c.txns(), vec![0, 1, 2]);
    assert_eq!(rel_names(c), vec!["rw", "wr", "ww"]);
}

/// A G-single-item marks G-nonadjacent-item, G2-item and the variants
/// redundant in its component.
#[test]
fn g_single_prunes_g2_item() {
    let edges = [(0, 1, RW), (1, 0, WR), (1, 2, RW), (2, 1, RW)];
    let out = run(3, &edges);
    let kinds: Vec<&str> = names(&out).into_iter().filter(|k| !k.ends_with("-cycle-exists")).collect();
    assert_eq!(kinds, vec!["G-single-item"]);
    // Without the G-single, the G2-item is found.
    let out = run(3, &[(1, 2, RW), (2, 1, RW)]);
    assert!(names(&out).contains(&"G2-item"));
}

/// G2-item needs an adjacent rw pair; a G-nonadjacent-item is found instead.
#[test]
fn nonadjacent_found_before_g2_item() {
    let edges = [(0, 1, RW), (1, 2, WR), (2, 3, RW), (3, 0, WR)];
    let out = run(4, &edges);
    assert_eq!(names(&out), vec!["PL-SI-cycle-exists", "PL-2.99-cycle-exists", "G-nonadjacent-item"]);
}

fn cycle_exists(out: &[Anomaly]) -> Vec<(&'static str, &'static str, &'static str, Vec<Txn>)> {
    out.iter()
        .filter_map(|a| match a {
            Anomaly::CycleExists { kind, model, subgraph, scc } => Some((*kind, *model, *subgraph, scc.clone())),
            _ => None,
        })
        .collect()
}

/// One graph per pass-1 spec, ruling out that model (and the stronger ones).
/// Snapshot isolation and repeatable read are incomparable, so a G-single rules
/// out both.
#[test]
fn cycle_exists_per_model() {
    let rwp = Rels::RWP;
    let cases: Vec<(Edges, &str, &str, &str, Vec<Txn>)> = vec![
        (vec![(0, 1, WW), (1, 0, WW)], "PL-1-cycle-exists", "read-uncommitted", "[union ww wwp]", vec![0, 1]),
        (vec![(0, 1, WR), (1, 0, WR)], "PL-2-cycle-exists", "read-committed", "[union ww wwp wr wrp]", vec![0, 1]),
        (
            vec![(0, 1, RW), (1, 0, WR)],
            "PL-SI-cycle-exists",
            "snapshot-isolation",
            "[extension [union ww wwp wr wrp] [union rw rwp]]",
            vec![1],
        ),
        (
            vec![(0, 1, RW), (1, 0, RW)],
            "PL-2.99-cycle-exists",
            "repeatable-read",
            "[union ww wwp wr wrp rw]",
            vec![0, 1],
        ),
        (
            vec![(0, 1, rwp), (1, 0, rwp)],
            "PL-3-cycle-exists",
            "serializable",
            "[union ww wwp wr wrp rw rwp]",
            vec![0, 1],
        ),
        (
            vec![(0, 1, WW), (1, 0, PR)],
            "strong-session-PL-1-cycle-exists",
            "strong-session-read-uncommitted",
            "[union ww wwp process]",
            vec![0, 1],
        ),
        (
            vec![(0, 1, WR), (1, 0, PR)],
            "strong-session-PL-2-cycle-exists",
            "strong-session-read-committed",
            "[union ww wwp wr wrp process]",
            vec![0, 1],
        ),
        (
            vec![(0, 1, RW), (1, 0, PR)],
            "strong-session-snapshot-isolation-cycle-exists",
            "strong-session-snapshot-isolation",
            "[extension [union ww wwp wr wrp process] [union rw rwp]]",
            vec![1],
        ),
        (
            vec![(0, 1, RW), (1, 2, RW), (2, 0, PR)],
            "strong-session-serializable-cycle-exists",
            "strong-session-serializable",
            "[union ww wwp wr wrp rw rwp process]",
            vec![0, 1, 2],
        ),
        (
            vec![(0, 1, WW), (1, 0, RTM)],
            "strong-PL-1-cycle-exists",
            "strong-read-uncommitted",
            "[union ww wwp realtime]",
            vec![0, 1],
        ),
        (
            vec![(0, 1, WR), (1, 0, RTM)],
            "strong-PL-2-cycle-exists",
            "strong-read-committed",
            "[union ww wwp wr wrp realtime]",
            vec![0, 1],
        ),
        (
            vec![(0, 1, RW), (1, 0, RTM)],
            "strong-snapshot-isolation-cycle-exists",
            "strong-snapshot-isolation",
            "[extension [union ww wwp wr wrp realtime] [union rw rwp]]",
            vec![1],
        ),
        (
            vec![(0, 1, RW), (1, 2, RW), (2, 0, RTM)],
            "PL-SS-cycle-exists",
            "strong-serializable",
            "[union ww wwp wr wrp rw rwp realtime]",
            vec![0, 1, 2],
        ),
    ];
    for (edges, kind, model, subgraph, scc) in cases {
        let out = run(3, &edges);
        let mut expected = vec![(kind, model, subgraph, scc)];
        if kind == "PL-SI-cycle-exists" {
            expected.push(("PL-2.99-cycle-exists", "repeatable-read", "[union ww wwp wr wrp rw]", vec![0, 1]));
        }
        assert_eq!(cycle_exists(&out), expected, "{kind}");
    }
}

/// Both process and realtime cycles: the session model is ruled out first and
/// its upward closure (strong-SI, strong-session-serializable, PL-SS) is not
/// reported again.
#[test]
fn cycle_exists_upward_closure() {
    let out = run(3, &[(0, 1, RW), (1, 0, PR | RTM)]);
    let kinds: Vec<&str> = cycle_exists(&out).into_iter().map(|x| x.0).collect();
    assert_eq!(kinds, vec!["strong-session-snapshot-isolation-cycle-exists"]);
}

/// LA-23-like ring: ww chain 0→1→…→n−1 and one rw n−1→0. The sequential
/// extension skips the linchpin n−1; the complete search finds the G-single-item.
fn ring(n: u32) -> Vec<(u32, u32, Rels)> {
    let mut e: Vec<_> = (0..n - 1).map(|i| (i, i + 1, WW)).collect();
    e.push((n - 1, 0, RW));
    // Noise: extra vertices hanging off the ring (not in the SCC).
    for i in 0..n {
        e.push((i, n + i, WR));
    }
    e
}

#[test]
fn sequential_extension_skips_linchpin() {
    let n = 200;
    let out = run(2 * n as usize, &ring(n));
    let ce = cycle_exists(&out);
    assert_eq!(ce.len(), 2);
    assert_eq!(ce[0].0, "PL-SI-cycle-exists");
    assert_eq!(ce[0].3, (0..n - 1).collect::<Vec<_>>(), "n−1 vertices, the linchpin omitted");
    assert_eq!(ce[1].0, "PL-2.99-cycle-exists");
    assert_eq!(ce[1].3, (0..n).collect::<Vec<_>>());
    let c = cycle_of(&out, "G-single-item");
    assert_eq!(c.steps.len(), n as usize);
    assert_eq!(names(&out), vec!["PL-SI-cycle-exists", "PL-2.99-cycle-exists", "G-single-item"]);
}

#[test]
fn budget_exhaustion_gives_timeout_and_fallback() {
    let n = 1000;
    let (out, stats) = run_with(2 * n as usize, &ring(n), 100);
    assert_eq!(
        names(&out),
        vec!["PL-SI-cycle-exists", "PL-2.99-cycle-exists", "cycle-search-timeout", "G-single-item"]
    );
    match &out[2] {
        Anomaly::CycleSearchTimeout { spec, does_not_contain, scc_size, budget } => {
            assert_eq!(*spec, "G-single-item");
            assert!(does_not_contain.is_empty());
            assert_eq!((*scc_size, *budget), (n as usize, 100));
        }
        a => panic!("{a:?}"),
    }
    // The fallback walk follows first out-edges around the whole ring.
    assert_eq!(cycle_of(&out, "G-single-item").steps.len(), n as usize);
    assert_eq!(stats.sccs, 1);
    assert_eq!(stats.largest_scc, n as usize);
    assert!(stats.work > 100);
    // Deterministic.
    assert_eq!(run_with(2 * n as usize, &ring(n), 100), (out, stats));
}

#[test]
fn does_not_contain_lists_searched_types() {
    // A G2-item-realtime: G-single-item... are searched first, without success.
    let edges = [(0, 1, RW), (1, 2, RW), (2, 0, RTM), (2, 3, RW), (3, 2, RTM | WW)];
    let full = run(4, &edges);
    assert!(names(&full).contains(&"G-single-item"), "{:?}", names(&full));
    let (out, _) = run_with(4, &edges, 1);
    let t = out.iter().find(|a| a.name() == "cycle-search-timeout").expect("timeout");
    let Anomaly::CycleSearchTimeout { spec, does_not_contain, .. } = t else { unreachable!() };
    let pos = CYCLE_TYPES.iter().position(|k| k == spec).unwrap();
    assert!(does_not_contain.iter().all(|k| CYCLE_TYPES[..pos].contains(k)));
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn random_edges(rng: &mut Rng, n: u32, m: usize) -> Vec<(u32, u32, Rels)> {
    let rels = [WW, WR, RW, PR, RTM, WW | RW, WR | RTM];
    (0..m)
        .map(|_| {
            let a = rng.below(n as u64) as u32;
            let b = rng.below(n as u64) as u32;
            (a, b, rels[rng.below(rels.len() as u64) as usize])
        })
        .collect()
}

#[test]
fn tarjan_agrees_with_petgraph() {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    for round in 0..30 {
        let n = 5 + rng.below(60) as u32;
        let m = rng.below(3 * n as u64) as usize;
        let edges = random_edges(&mut rng, n, m);
        let g = graph(n as usize, &edges);
        let mine = whole_sccs(&g);
        let mut pg = petgraph::graph::DiGraph::<(), ()>::new();
        let nodes: Vec<_> = (0..n).map(|_| pg.add_node(())).collect();
        for v in 0..n {
            for (w, _) in g.edges_from(v) {
                pg.add_edge(nodes[v as usize], nodes[w as usize], ());
            }
        }
        let mut theirs: Vec<Vec<u32>> = petgraph::algo::tarjan_scc(&pg)
            .into_iter()
            .filter(|c| c.len() >= 2)
            .map(|c| {
                let mut c: Vec<u32> = c.into_iter().map(|x| x.index() as u32).collect();
                c.sort_unstable();
                c
            })
            .collect();
        theirs.sort_unstable_by_key(|c| c[0]);
        assert_eq!(mine, theirs, "round {round}");
        // The same routine over an edge list (as the rw-register version graphs use it).
        let pairs: Vec<(u32, u32)> = edges.iter().map(|e| (e.0, e.1)).collect();
        let mut sc = scc::SccScratch::default();
        assert_eq!(scc::cyclic_sccs(n as usize, &pairs, &mut sc), theirs, "round {round}");
        let self_loop = pairs.iter().any(|p| p.0 == p.1);
        assert_eq!(scc::has_cycle(n as usize, &pairs, &mut sc), !theirs.is_empty() || self_loop, "round {round}");
    }
}

/// Every reported cycle is well formed, of its own type, and the output is the
/// same with one thread as with many.
#[test]
fn deterministic_across_thread_counts() {
    let mut rng = Rng(12345);
    let n = 3000u32;
    let edges = random_edges(&mut rng, n, 4000);
    let h = history(n as usize);
    let g = graph(n as usize, &edges);
    let opts = SearchOptions { budget: 20_000 };
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| search(&h, &g, &Bare, &opts));
    let many = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap().install(|| search(&h, &g, &Bare, &opts));
    assert_eq!(one, many);
    assert!(one.1.sccs >= 1);
    for a in &one.0 {
        if let Anomaly::Cycle { kind, cycle } = a {
            check_cycle(&g, cycle);
            let rels: Vec<Rels> = cycle.steps.iter().map(|s| s.rel).collect();
            assert_eq!(classify(&rels), Some(*kind));
        }
    }
}

/// Many small components, searched in parallel, come out in order of their smallest vertex.
#[test]
fn components_in_order() {
    let mut edges = Vec::new();
    for k in (0..50u32).rev() {
        edges.push((3 * k, 3 * k + 1, RW));
        edges.push((3 * k + 1, 3 * k, WR));
    }
    let (out, stats) = run_with(150, &edges, 1000);
    assert_eq!(stats.sccs, 50);
    let firsts: Vec<Txn> = out
        .iter()
        .filter_map(|a| match a {
            Anomaly::Cycle { cycle, .. } => Some(cycle.steps[0].from),
            _ => None,
        })
        .collect();
    assert_eq!(firsts, (0..50).map(|k| 3 * k).collect::<Vec<_>>());
}

#[test]
fn acyclic_graph_reports_nothing() {
    let out = run(4, &[(0, 1, WW), (1, 2, RW), (0, 2, RTM), (2, 3, PR)]);
    assert!(out.is_empty());
}

/// Performance smoke test: 1M vertices, 20M edges (a random DAG) plus planted
/// cycles. Run with `cargo test -p checker --release -- --ignored --nocapture big_graph`.
#[test]
#[ignore]
fn big_graph_performance() {
    use std::time::Instant;
    let n = 1_000_000u32;
    let m = 20_000_000usize;
    let mut rng = Rng(0xdeadbeef);
    let t = Instant::now();
    let mut b = GraphBuilder::new(n as usize);
    b.reserve(m + 100);
    let rels = [WW, WR, RW, RTM, WR | RTM];
    for _ in 0..m {
        let a = rng.below(n as u64 - 1) as u32;
        let span = 1 + rng.below(1000) as u32;
        let c = (a + span).min(n - 1);
        b.add(a, c, rels[rng.below(rels.len() as u64) as usize]);
    }
    // Planted: a G-single-item, a G2-item, a G1c-realtime, and one big ring (G-single-item).
    b.add(100, 101, RW);
    b.add(101, 100, WR);
    b.add(500_000, 500_001, RW);
    b.add(500_001, 500_000, RW);
    b.add(700_000, 700_001, WR);
    b.add(700_001, 700_000, RTM);
    for i in 800_000..810_000u32 {
        b.add(i, i + 1, WW);
    }
    b.add(810_000, 800_000, RW);
    let h = history(n as usize);
    let g = b.build();
    let t_build = t.elapsed();
    let t = Instant::now();
    let sccs = whole_sccs(&g);
    let t_scc = t.elapsed();
    let t = Instant::now();
    let (out, stats) = search(&h, &g, &Bare, &SearchOptions::default());
    let t_search = t.elapsed();
    println!(
        "big graph: {} vertices, {} edges; build {:?}; SCC alone {:?} ({} sccs, largest {}); full search {:?}; stats {:?}",
        g.vertex_count(),
        g.edge_count(),
        t_build,
        t_scc,
        sccs.len(),
        sccs.iter().map(Vec::len).max().unwrap_or(0),
        t_search,
        stats
    );
    println!("found: {:?}", names(&out));
    assert!(names(&out).contains(&"G-single-item"));
    assert!(names(&out).contains(&"G2-item"));
    assert!(names(&out).contains(&"G1c-realtime"));
}

/// Forward rw chords along a ww chain cannot close a G-single: the free graph's
/// topological order rules them out, so only the back edge is tried and a
/// small budget suffices.
#[test]
fn single_rw_search_skips_forward_chords() {
    let n = 2000u32;
    let mut edges: Vec<_> = (0..n - 1).map(|i| (i, i + 1, WW)).collect();
    edges.extend((0..n - 2).map(|i| (i, i + 2, RW)));
    edges.push((n - 1, 0, RW));
    let (out, stats) = run_with(n as usize, &edges, 50_000);
    assert!(!names(&out).contains(&"cycle-search-timeout"), "{:?}", names(&out));
    assert_eq!(cycle_of(&out, "G-single-item").steps.len(), n as usize);
    assert!(stats.work < 50_000, "{stats:?}");
}

/// Performance smoke test: one giant component (a random graph of 1M vertices
/// and 20M edges): pass 1's 13 projections, then budgeted searches.
#[test]
#[ignore]
fn huge_scc_performance() {
    use std::time::Instant;
    let n = 1_000_000u32;
    let m = 20_000_000usize;
    let mut rng = Rng(0xfeedface);
    let mut b = GraphBuilder::new(n as usize);
    b.reserve(m);
    let rels = [WW, WR, WR, RW, RTM, WR | RTM, WW | RTM];
    for _ in 0..m {
        let a = rng.below(n as u64) as u32;
        let c = rng.below(n as u64) as u32;
        b.add(a, c, rels[rng.below(rels.len() as u64) as usize]);
    }
    let h = history(n as usize);
    let g = b.build();
    let t = Instant::now();
    let sccs = whole_sccs(&g);
    let t_scc = t.elapsed();
    let t = Instant::now();
    let (out, stats) = search(&h, &g, &Bare, &SearchOptions::default());
    println!(
        "huge scc: {} edges; SCC {:?} (largest {}); search {:?}; {:?}; found {:?}",
        g.edge_count(),
        t_scc,
        sccs.iter().map(Vec::len).max().unwrap_or(0),
        t.elapsed(),
        stats,
        names(&out)
    );
}

/// A pair ordered by both an allowed data relation and realtime is a data step:
/// two rw edges, one of them also realtime (Elle's lost-update case), are a
/// G2-item, not also a G-single-item-realtime through the realtime label.
#[test]
fn realtime_does_not_relabel_an_allowed_data_step() {
    let out = run(2, &[(0, 1, RW | RTM), (1, 0, RW)]);
    let cycles: Vec<&str> = out.iter().filter(|a| matches!(a, Anomaly::Cycle { .. })).map(Anomaly::name).collect();
    assert_eq!(cycles, vec!["G2-item"], "{out:?}");
}

/// Where the type does not allow the pair's data relation, the realtime order
/// is the step: rt chain (each pair also rw) closed by a wr is a G1c-realtime.
#[test]
fn realtime_is_taken_where_the_data_relation_is_not_allowed() {
    let out = run(3, &[(0, 1, RW | RTM), (1, 2, RTM), (2, 0, WR)]);
    let c = cycle_of(&out, "G1c-realtime");
    assert_eq!(rel_names(c), vec!["realtime", "realtime", "wr"]);
}
