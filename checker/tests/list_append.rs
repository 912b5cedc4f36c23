//! list-append inference, detectors, explainer and orders, on Elle's fixtures
//! (its list-append checker, edge and detector tests) and on random serial executions.

#![allow(clippy::type_complexity, clippy::needless_range_loop)]

use checker::anomaly::{Anomaly, Expected, Observed, Version};
use checker::list_append::{analyze, analyze_with, Analysis};
use checker::order;
use checker::{Explainer, Graph, GraphBuilder, Rels};
use history::{History, Id};
use proptest::prelude::*;
use std::collections::BTreeSet;

/// Elle's transaction notation: `ax1ry12rx` → `[[:append :x 1] [:r :y [1 2]] [:r :x nil]]`.
fn txn(s: &str) -> String {
    if s.starts_with('[') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = String::from("[");
    let mut i = 0;
    while i < b.len() {
        let f = b[i] as char;
        let k = b[i + 1] as char;
        i += 2;
        let mut digits = String::new();
        while i < b.len() && b[i].is_ascii_digit() {
            digits.push(b[i] as char);
            i += 1;
        }
        match f {
            'a' => out.push_str(&format!("[:append :{k} {digits}]")),
            'r' if digits.is_empty() => out.push_str(&format!("[:r :{k} nil]")),
            'r' => {
                let v: Vec<String> = digits.chars().map(|c| c.to_string()).collect();
                out.push_str(&format!("[:r :{k} [{}]]", v.join(" ")));
            }
            _ => panic!("bad txn {s}"),
        }
    }
    out.push(']');
    out
}

/// Events `[pP] [TYPE] TXN`; `TYPE` is inv, ok, info or fail (default ok, process 0).
fn hist(events: &[&str]) -> History {
    let mut edn = String::new();
    for e in events {
        let mut p = 0;
        let mut ty = "ok";
        let mut t = "";
        for w in e.split_whitespace() {
            if let Some(n) = w.strip_prefix('p').and_then(|n| n.parse().ok()) {
                p = n;
            } else if ["inv", "ok", "info", "fail"].contains(&w) {
                ty = if w == "inv" { "invoke" } else { w };
            } else {
                t = w;
            }
        }
        let t = if e.contains('[') { &e[e.find('[').unwrap()..] } else { t };
        edn.push_str(&format!("{{:type :{ty}, :process {p}, :f :txn, :value {}}}\n", txn(t)));
    }
    parsers::read_history(edn.as_bytes(), "t.edn", Some(parsers::Format::Edn), Default::default()).unwrap()
}

/// `⟨TXN⟩` pairs by process P: inv (reads nil) then ok.
fn pairs(txns: &[(i64, &str)]) -> History {
    let mut ev = Vec::new();
    for (p, t) in txns {
        let inv: String = {
            let full = txn(t);
            // Replace read lists by nil.
            let mut s = String::new();
            let mut rest = full.as_str();
            while let Some(i) = rest.find("[:r ") {
                s.push_str(&rest[..i]);
                let after = &rest[i + 4..];
                let sp = after.find(' ').unwrap();
                s.push_str(&format!("[:r {} nil]", &after[..sp]));
                let v = &after[sp + 1..];
                let end = if v.starts_with("nil") { 4 } else { v.find(']').unwrap() + 2 };
                rest = &v[end..];
            }
            s.push_str(rest);
            s
        };
        ev.push(format!("p{p} inv {inv}"));
        ev.push(format!("p{p} ok {}", txn(t)));
    }
    let refs: Vec<&str> = ev.iter().map(String::as_str).collect();
    hist(&refs)
}

fn kw(h: &History, s: &str) -> Id {
    h.atoms.lookup(&history::Atom::Keyword(s.into())).unwrap()
}

fn int(h: &History, i: i64) -> Id {
    h.atoms.lookup(&history::Atom::Int(i)).unwrap()
}

fn run(h: &History) -> (Analysis<'_>, Graph) {
    let a = analyze(h).expect("analyzable");
    let mut b = GraphBuilder::new(h.ops.len());
    b.append(&mut a.edges.clone());
    (a, b.build())
}

fn edges(g: &Graph) -> BTreeSet<(u32, u32)> {
    (0..g.vertex_count() as u32).flat_map(|v| g.edges_from(v).map(move |(t, _)| (v, t))).collect()
}

fn set(e: &[(u32, u32)]) -> BTreeSet<(u32, u32)> {
    e.iter().copied().collect()
}

/// Every relation on every edge is explained, with matching ends.
fn assert_explainable(g: &Graph, ex: &dyn Explainer) {
    for v in 0..g.vertex_count() as u32 {
        for (t, rels) in g.edges_from(v) {
            for r in rels.iter() {
                let s = ex.explain(v, t, r).unwrap_or_else(|| panic!("no explanation for {v} -{r}-> {t}"));
                assert_eq!((s.from, s.to, s.rel), (v, t, r));
            }
        }
    }
}

fn names(a: &Analysis) -> Vec<&'static str> {
    a.anomalies.iter().map(Anomaly::name).collect()
}

// ---------------------------------------------------------------- edges (Elle's)

#[test]
fn edge_fixtures() {
    let cases: &[(&[&str], &[(u32, u32)])] = &[
        (&[], &[]),
        (&["ax1"], &[]),
        (&["rx"], &[]),
        (&["ax1", "rx1"], &[(0, 1)]),
        (&["rx", "ax1", "rx1"], &[(0, 1), (1, 2)]),
        (&["ax2", "ax1", "rx12"], &[(1, 0), (0, 2)]),
        (&["az1ax1ay1", "rx1ay2", "ry12az3", "rz13"], &[(0, 1), (0, 2), (1, 2), (2, 3)]),
        (&["ax1ay1", "ax2ay2", "rx12ry21"], &[(0, 1), (0, 2), (1, 0), (1, 2)]),
        (&["ax1ry1", "ax2ay1", "rx12"], &[(0, 1), (1, 0), (1, 2)]),
        (&["rxay1", "ryax1", "rx1ry1"], &[(0, 1), (0, 2), (1, 0), (1, 2)]),
        (&["info [[:append :x 2] [:r :y nil]]", "ax1ay1", "rx12ry1"], &[(0, 2), (1, 2), (1, 0)]),
        (&["rx", "ax1"], &[(0, 1)]),
        (&["rx", "ax1", "ax2"], &[(0, 1), (0, 2)]),
        (&["ax1", "rx1", "ax2", "rx12"], &[(0, 1), (0, 2), (2, 3), (1, 2)]),
    ];
    for (ops, want) in cases {
        let h = hist(ops);
        let (a, g) = run(&h);
        assert_eq!(edges(&g), set(want), "{ops:?}");
        assert_explainable(&g, &a.explainer);
    }
}

#[test]
fn edge_relations_and_explanations() {
    // rx, ax1, rx1: rw from the empty read, wr to the read.
    let h = hist(&["rx", "ax1", "rx1"]);
    let (a, g) = run(&h);
    assert_eq!(g.rels(0, 1), Rels::RW);
    assert_eq!(g.rels(1, 2), Rels::WR);
    let x = kw(&h, "x");
    let s = a.explainer.explain(0, 1, Rels::RW).unwrap();
    assert_eq!(
        (s.key, s.value, s.value2, s.a_mop, s.b_mop),
        (Some(x), Some(Version::Init), Some(Version::Value(int(&h, 1))), Some(0), Some(0))
    );
    let s = a.explainer.explain(1, 2, Rels::WR).unwrap();
    assert_eq!((s.key, s.value, s.value2), (Some(x), Some(Version::Value(int(&h, 1))), None));
    assert!(a.explainer.explain(1, 2, Rels::WW).is_none());
    assert!(a.explainer.explain(2, 1, Rels::WR).is_none());
    // G0: ww both ways.
    let h = hist(&["ax1ay1", "ax2ay2", "rx12ry21"]);
    let (a, g) = run(&h);
    assert_eq!(g.rels(0, 1), Rels::WW);
    assert_eq!(g.rels(1, 0), Rels::WW);
    let s = a.explainer.explain(1, 0, Rels::WW).unwrap();
    let y = kw(&h, "y");
    assert_eq!(
        (s.key, s.value, s.value2, s.a_mop, s.b_mop),
        (Some(y), Some(Version::Value(int(&h, 2))), Some(Version::Value(int(&h, 1))), Some(1), Some(1))
    );
    assert_eq!(a.explainer.version_order(y), Some(&[int(&h, 2), int(&h, 1)][..]));
}

#[test]
fn la5_g_single_rw_from_init() {
    let h = hist(&["ax1ay1", "ax2ry", "rx12"]);
    let (a, g) = run(&h);
    assert!(g.rels(1, 0).contains(Rels::RW));
    assert!(g.rels(0, 1).contains(Rels::WW));
    let s = a.explainer.explain(1, 0, Rels::RW).unwrap();
    assert_eq!((s.key, s.value, s.a_mop, s.b_mop), (Some(kw(&h, "y")), Some(Version::Init), Some(1), Some(1)));
    assert!(a.anomalies.is_empty());
}

#[test]
fn la6_la15_g2_from_init() {
    let h = hist(&["ax1ry", "ay1rx"]);
    let (_, g) = run(&h);
    assert_eq!(g.rels(0, 1), Rels::RW);
    assert_eq!(g.rels(1, 0), Rels::RW);
    let h = hist(&["rxay1", "ryax1"]);
    let (_, g) = run(&h);
    assert_eq!(edges(&g), set(&[(0, 1), (1, 0)]));
}

#[test]
fn la14_unobserved_writes_follow_the_last_observed() {
    let h = hist(&[
        "p0 inv ax1ay1",
        "p1 inv ax2ay2",
        "p2 inv ax3ay3",
        "p3 inv rx",
        "p4 inv ry",
        "p0 ok ax1ay1",
        "p1 ok ax2ay2",
        "p2 ok ax3ay3",
        "p3 ok rx12",
        "p4 ok ry2",
    ]);
    let (a, g) = run(&h);
    // y's only read is [2]: appends of y 1 and y 3 follow 2.
    assert!(g.rels(9, 5).contains(Rels::RW));
    assert!(g.rels(5, 6).contains(Rels::WW));
    assert!(g.rels(6, 9).contains(Rels::WR));
    assert!(g.rels(6, 5).contains(Rels::WW));
    assert!(g.rels(6, 7).contains(Rels::WW));
    let s = a.explainer.explain(6, 5, Rels::WW).unwrap();
    assert_eq!(
        (s.value, s.value2, s.a_mop, s.b_mop),
        (Some(Version::Value(int(&h, 2))), Some(Version::Value(int(&h, 1))), Some(1), Some(1))
    );
    let s = a.explainer.explain(9, 5, Rels::RW).unwrap();
    assert_eq!(
        (s.value, s.value2, s.a_mop, s.b_mop),
        (Some(Version::Value(int(&h, 2))), Some(Version::Value(int(&h, 1))), Some(0), Some(1))
    );
    assert_explainable(&g, &a.explainer);
}

#[test]
fn la22_integer_keys() {
    let h = hist(&[
        "p2 inv [[:append 9 2]]",
        "p2 ok [[:append 9 2]]",
        "p4 inv [[:append 8 1] [:r 9 nil]]",
        "p4 ok [[:append 8 1] [:r 9 nil]]",
        "p7 inv [[:r 6 nil] [:r 8 nil] [:append 9 5]]",
        "p7 ok [[:r 6 nil] [:r 8 nil] [:append 9 5]]",
        "p9 inv [[:append 6 2] [:r 9 nil]]",
        "p9 ok [[:append 6 2] [:r 9 [2]]]",
    ]);
    let (a, g) = run(&h);
    let (t1, t2, t3, t4) = (1, 3, 5, 7);
    assert_eq!(g.rels(t1, t3), Rels::WW);
    assert_eq!(g.rels(t1, t4), Rels::WR);
    assert_eq!(g.rels(t2, t1), Rels::RW);
    assert_eq!(g.rels(t3, t2), Rels::RW);
    assert_eq!(g.rels(t3, t4), Rels::RW);
    assert_eq!(g.rels(t4, t3), Rels::RW);
    assert_eq!(g.edge_count(), 6);
    assert!(a.anomalies.is_empty());
    assert_explainable(&g, &a.explainer);
}

// ------------------------------------------------------------- detectors

#[test]
fn la2_g1a() {
    let h = hist(&["fail ax1", "rx1"]);
    let (a, g) = run(&h);
    assert_eq!(g.edge_count(), 0);
    assert_eq!(a.anomalies, vec![Anomaly::Read { kind: "G1a", op: 1, mop: 0, writer: Some(0), element: int(&h, 1) }]);
    // Elle's G1a test: every element a failed op appended, in every ok read.
    let h = hist(&["rx1ax2", "rx12ry3", "fail ax1"]);
    let (a, _) = run(&h);
    let g1a: Vec<_> = a.anomalies.iter().filter(|x| x.name() == "G1a").cloned().collect();
    assert_eq!(
        g1a,
        vec![
            Anomaly::Read { kind: "G1a", op: 0, mop: 0, writer: Some(2), element: int(&h, 1) },
            Anomaly::Read { kind: "G1a", op: 1, mop: 0, writer: Some(2), element: int(&h, 1) },
        ]
    );
    // y 3 was appended by nobody.
    assert!(a.anomalies.contains(&Anomaly::Read {
        kind: "garbage-read",
        op: 1,
        mop: 1,
        writer: None,
        element: int(&h, 3)
    }));
}

#[test]
fn la3_g1b() {
    let h = pairs(&[(0, "ax1ax2"), (0, "rx1")]);
    let (a, g) = run(&h);
    assert_eq!(a.anomalies, vec![Anomaly::Read { kind: "G1b", op: 3, mop: 0, writer: Some(1), element: int(&h, 1) }]);
    assert!(g.rels(3, 1).contains(Rels::RW));
    assert!(g.rels(1, 3).contains(Rels::WR));
    let s = a.explainer.explain(3, 1, Rels::RW).unwrap();
    assert_eq!(
        (s.value, s.value2, s.a_mop, s.b_mop),
        (Some(Version::Value(int(&h, 1))), Some(Version::Value(int(&h, 2))), Some(0), Some(1))
    );
    // Elle's G1b test.
    let h = hist(&["rx1", "rx12ry3", "ax1ax2", "rx123"]);
    let (a, _) = run(&h);
    let g1b: Vec<_> = a.anomalies.iter().filter(|x| x.name() == "G1b").cloned().collect();
    assert_eq!(g1b, vec![Anomaly::Read { kind: "G1b", op: 0, mop: 0, writer: Some(2), element: int(&h, 1) }]);
    let h = hist(&["ax1rx1ax2"]);
    let (a, _) = run(&h);
    assert!(a.anomalies.is_empty());
}

/// An append is intermediate when its transaction appends to the key again
/// later, whatever the later append's value and however long the
/// transaction. Transactions of more than 16 micro-ops use a hash set instead
/// of a scan, and that path once ignored a later append without a value.
#[test]
fn intermediate_appends_in_small_and_big_transactions() {
    for pad in [0, 20] {
        let filler: String = (0..pad).map(|_| "[:r :y nil] ").collect();
        let t = format!("[[:append :x 1] {filler}[:append :x nil]]");
        let h = pairs(&[(0, &t), (1, "rx1")]);
        let (a, _) = run(&h);
        let g1b: Vec<_> = a.anomalies.iter().filter(|x| x.name() == "G1b").cloned().collect();
        assert_eq!(
            g1b,
            vec![Anomaly::Read { kind: "G1b", op: 3, mop: 0, writer: Some(1), element: int(&h, 1) }],
            "{pad} reads between the appends"
        );
    }
}

#[test]
fn la10_incompatible_order() {
    let h = hist(&["ax1ry1", "ax2", "ax3ay1", "rx13", "rx123"]);
    let (a, g) = run(&h);
    let (one, two, three) = (int(&h, 1), int(&h, 2), int(&h, 3));
    assert_eq!(
        a.anomalies,
        vec![Anomaly::IncompatibleOrder { key: kw(&h, "x"), values: [vec![one, three], vec![one, two, three]] }]
    );
    // Version order [1 2 3]: the G1c edges.
    assert!(g.rels(2, 0).contains(Rels::WR));
    assert!(g.rels(0, 1).contains(Rels::WW));
    assert!(g.rels(1, 2).contains(Rels::WW));
    assert_explainable(&g, &a.explainer);
}

#[test]
fn la11_dirty_update() {
    let h = hist(&["p0 fail ax1"]);
    let (a, g) = run(&h);
    assert!(a.anomalies.is_empty());
    assert_eq!(g.edge_count(), 0);
    let h = hist(&["p0 fail ax1", "p1 ax2", "p2 rx12"]);
    let (a, _) = run(&h);
    let x = kw(&h, "x");
    let du: Vec<_> = a.anomalies.iter().filter(|a| a.name() == "dirty-update").cloned().collect();
    assert_eq!(du, vec![Anomaly::DirtyUpdate { key: x, values: vec![int(&h, 1), int(&h, 2)], txns: [0, 1] }]);
    assert!(names(&a).contains(&"G1a"));
    let h = hist(&["p0 fail ax1", "p1 info ax2", "p2 ax3", "p3 rx123"]);
    let (a, _) = run(&h);
    let du: Vec<_> = a.anomalies.iter().filter(|a| a.name() == "dirty-update").cloned().collect();
    assert_eq!(
        du,
        vec![Anomaly::DirtyUpdate { key: x, values: vec![int(&h, 1), int(&h, 2), int(&h, 3)], txns: [0, 2] }]
    );
}

#[test]
fn la12_duplicate_elements() {
    let h = hist(&["ax1ry1", "ax2ay1", "rx121"]);
    let (a, g) = run(&h);
    assert_eq!(a.anomalies, vec![Anomaly::DuplicateElements { op: 2, mop: 0, duplicates: vec![(int(&h, 1), 2)] }]);
    assert!(g.rels(1, 0).contains(Rels::WR));
    assert!(g.rels(0, 1).contains(Rels::WW));
    assert_explainable(&g, &a.explainer);
}

#[test]
fn la13_and_internal_fixtures() {
    let h = hist(&["ax1ax2ax4", "ax3rx1234"]);
    let (a, _) = run(&h);
    assert_eq!(
        a.anomalies,
        vec![Anomaly::Internal {
            op: 1,
            mop: 1,
            expected: Expected::List { unknown_prefix: true, elems: vec![int(&h, 3)] }
        }]
    );
    let h = hist(&["[[:r :y [5 6]] [:append :x 3] [:r :x [1 2 3]] [:append :x 4] [:r :x [1 2 3 4]]]"]);
    assert!(!names(&run(&h).0).contains(&"internal"));
    let h = pairs(&[(0, "rxrx2")]);
    let (a, _) = run(&h);
    let int_: Vec<_> = a.anomalies.iter().filter(|a| a.name() == "internal").cloned().collect();
    assert_eq!(
        int_,
        vec![Anomaly::Internal { op: 1, mop: 1, expected: Expected::List { unknown_prefix: false, elems: vec![] } }]
    );
    for v in ["[1 2]", "[0 2 3]", "[1 2 3 4]", "[1]"] {
        let t = format!("[[:r :x [1 2]] [:append :x 3] [:r :x {v}]]");
        let h = hist(&[&t]);
        let (a, _) = run(&h);
        let e = Expected::List { unknown_prefix: false, elems: vec![int(&h, 1), int(&h, 2), int(&h, 3)] };
        assert!(a.anomalies.contains(&Anomaly::Internal { op: 0, mop: 2, expected: e }), "{v}");
    }
}

#[test]
fn internal_suffix_form_on_separate_keys() {
    let h = hist(&["[[:append :x 3] [:r :x [1 2 3 4]]]", "[[:append :y 3] [:r :y []]]"]);
    let (a, _) = run(&h);
    let ints: Vec<_> = a.anomalies.iter().filter(|a| a.name() == "internal").cloned().collect();
    let e = Expected::List { unknown_prefix: true, elems: vec![int(&h, 3)] };
    assert_eq!(
        ints,
        vec![
            Anomaly::Internal { op: 0, mop: 1, expected: e.clone() },
            Anomaly::Internal { op: 1, mop: 1, expected: e }
        ]
    );
    // FaunaDB: a nil read after one's own append.
    let h = hist(&["p1 inv [[:append 0 6] [:r 0 nil]]", "p1 ok [[:append 0 6] [:r 0 nil]]"]);
    let (a, _) = run(&h);
    let e = Expected::List { unknown_prefix: true, elems: vec![int(&h, 6)] };
    assert_eq!(a.anomalies, vec![Anomaly::Internal { op: 1, mop: 1, expected: e }]);
}

#[test]
fn la17_lost_update() {
    let h = pairs(&[(0, "ax0"), (0, "rx0ax1"), (0, "rx0ax2")]);
    let (a, g) = run(&h);
    let x = kw(&h, "x");
    assert_eq!(
        a.anomalies,
        vec![Anomaly::LostUpdate { key: x, value: Observed::List(vec![int(&h, 0)]), txns: vec![3, 5] }]
    );
    assert!(g.rels(5, 3).contains(Rels::RW));
    assert!(g.rels(3, 5).contains(Rels::RW));
    let h = pairs(&[(0, "rxax1ax2"), (0, "rx12")]);
    let (a, _) = run(&h);
    assert!(a.anomalies.is_empty());
}

#[test]
fn la21_and_future_read_fixtures() {
    let h = hist(&["p0 inv [[:r :x [1]] [:append :x 1]]", "p0 ok [[:r :x [1]] [:append :x 1]]"]);
    let (a, g) = run(&h);
    assert_eq!(g.edge_count(), 0);
    assert_eq!(
        a.anomalies,
        vec![Anomaly::Read { kind: "future-read", op: 1, mop: 0, writer: Some(1), element: int(&h, 1) }]
    );
    let h = pairs(&[(0, "rx012ax1")]);
    let (a, _) = run(&h);
    let fr: Vec<_> = a.anomalies.iter().filter(|a| a.name() == "future-read").cloned().collect();
    assert_eq!(fr, vec![Anomaly::Read { kind: "future-read", op: 1, mop: 0, writer: Some(1), element: int(&h, 1) }]);
    let h = pairs(&[(0, "ax1rx01ax0ax3")]);
    let (a, _) = run(&h);
    assert!(!names(&a).contains(&"internal"));
    let fr: Vec<_> = a.anomalies.iter().filter(|a| a.name() == "future-read").cloned().collect();
    assert_eq!(fr, vec![Anomaly::Read { kind: "future-read", op: 1, mop: 1, writer: Some(1), element: int(&h, 0) }]);
}

#[test]
fn garbage_read_once_per_element() {
    // 7 appended by nobody; 5 appended by an invocation that never completed (not garbage).
    let h = hist(&["p0 inv ax1", "p0 ok ax1", "p1 inv ax5", "p2 inv rx", "p2 ok [[:r :x [1 7 5 7]]]"]);
    let (a, _) = run(&h);
    let gr: Vec<_> = a.anomalies.iter().filter(|a| a.name() == "garbage-read").cloned().collect();
    assert_eq!(gr, vec![Anomaly::Read { kind: "garbage-read", op: 4, mop: 0, writer: None, element: int(&h, 7) }]);
}

#[test]
fn duplicate_appends_are_an_input_error() {
    let h = hist(&["p0 inv [[:append :x 1] [:r :y nil]]", "p1 inv [[:append :y 2] [:append :x 1]]"]);
    let e = analyze(&h).err().expect("error");
    assert_eq!(e.ops, vec![0, 1]);
    assert!(
        e.message.contains("value 1 is appended to key :x twice: by the op at 1:1 and the op at 2:1"),
        "{}",
        e.message
    );
    // An invocation and its completion are one transaction.
    let h = hist(&["p0 inv ax1", "p0 ok ax1", "p1 inv rx", "p1 ok rx1"]);
    assert!(analyze(&h).is_ok());
    // Twice within one transaction.
    let h = hist(&["ax1ax1"]);
    let e = analyze(&h).err().expect("error");
    assert_eq!(e.ops, vec![0, 0]);
    assert!(e.message.contains("twice by the op at 1:1"), "{}", e.message);
}

// ------------------------------------------------------------ orders

#[test]
fn la7_realtime_and_la8_process() {
    let h = hist(&[
        "p0 inv ax1",
        "p0 ok ax1",
        "p1 inv ax2",
        "p1 ok ax2",
        "p2 inv rx",
        "p2 ok rx1",
        "p3 inv rx",
        "p3 ok rx12",
    ]);
    let (a, _) = run(&h);
    let mut b = GraphBuilder::new(h.ops.len());
    order::add_realtime_edges(&h, &mut b);
    let g = b.build();
    assert_eq!(edges(&g), set(&[(1, 3), (3, 5), (5, 7)]));
    assert!(order::explain_realtime(&h, 3, 5).is_some());
    assert!(order::explain_realtime(&h, 1, 7).is_some());
    assert!(order::explain_realtime(&h, 5, 3).is_none());
    let s = a.explainer.explain(5, 3, Rels::RW).unwrap();
    assert_eq!((s.a_mop, s.b_mop), (Some(0), Some(0)));

    let h = hist(&[
        "p0 inv ax1",
        "p0 ok ax1",
        "p1 inv ax2",
        "p1 ok ax2",
        "p1 inv rx",
        "p1 ok rx1",
        "p2 inv rx",
        "p2 ok rx12",
    ]);
    let mut b = GraphBuilder::new(h.ops.len());
    order::add_process_edges(&h, &mut b);
    let g = b.build();
    assert_eq!(edges(&g), set(&[(3, 5)]));
    let s = order::explain_process(&h, 3, 5).unwrap();
    assert_eq!((s.rel, s.process), (Rels::PROCESS, Some(1)));
    assert!(order::explain_process(&h, 5, 3).is_none());
    assert!(order::explain_process(&h, 1, 3).is_none());
}

#[test]
fn process_chain_skips_info_and_fail() {
    let h = hist(&["p0 ax1", "p0 info ax2", "p0 fail ax3", "p0 ax4", "p1 ax5", "p0 ax6"]);
    let mut b = GraphBuilder::new(h.ops.len());
    order::add_process_edges(&h, &mut b);
    assert_eq!(edges(&b.build()), set(&[(0, 3), (3, 5)]));
    // Completion-only: no realtime edges.
    let mut b = GraphBuilder::new(h.ops.len());
    order::add_realtime_edges(&h, &mut b);
    assert!(b.is_empty());
}

/// A random concurrent history of `procs` processes: (kind per op, partner).
fn concurrent(seed: u64, procs: usize, txns: usize) -> History {
    let mut rng = seed | 1;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut ev = Vec::new();
    let mut busy = vec![false; procs];
    let mut started = 0;
    let mut v = 0;
    while started < txns || busy.iter().any(|b| *b) {
        let p = (next() % procs as u64) as usize;
        if busy[p] {
            let ty = ["ok", "ok", "ok", "info", "fail"][(next() % 5) as usize];
            ev.push(format!("p{p} {ty} ax{}", v % 10));
            busy[p] = false;
        } else if started < txns {
            v += 1;
            ev.push(format!("p{p} inv ax{}", v % 10));
            busy[p] = true;
            started += 1;
        }
    }
    let refs: Vec<&str> = ev.iter().map(String::as_str).collect();
    hist(&refs)
}

#[test]
fn realtime_is_a_reduction_with_the_same_closure() {
    for seed in 1..30u64 {
        let procs = 1 + (seed as usize % 6);
        let h = concurrent(seed, procs, 60);
        let mut b = GraphBuilder::new(h.ops.len());
        order::add_realtime_edges(&h, &mut b);
        let n_edges = b.len();
        let g = b.build();
        let txns = h.ops.iter().filter(|o| o.kind != history::OpType::Invoke).count();
        assert!(n_edges <= txns * procs, "{n_edges} edges for {txns} txns, {procs} processes");
        let n = h.ops.len();
        // Closure of the edges.
        let mut reach = vec![vec![false; n]; n];
        for a in (0..n).rev() {
            for (t, r) in g.edges_from(a as u32) {
                assert_eq!(r, Rels::REALTIME);
                assert!(order::explain_realtime(&h, a as u32, t).is_some());
                reach[a][t as usize] = true;
                for c in 0..n {
                    if reach[t as usize][c] {
                        reach[a][c] = true;
                    }
                }
            }
        }
        // Edges only go forward in completion order? No: targets may complete
        // earlier than... check the closure equals "a ok, completed before b's invocation".
        for a in 0..n {
            for b in 0..n {
                let want = h.ops[a].kind == history::OpType::Ok
                    && h.ops[b].kind != history::OpType::Invoke
                    && h.partner_of(b).is_some_and(|i| a < i);
                assert_eq!(reach[a][b], want, "seed {seed}: {a} -> {b}");
            }
        }
    }
}

#[test]
fn realtime_edges_stay_linear() {
    let h = concurrent(7, 8, 3000);
    let mut b = GraphBuilder::new(h.ops.len());
    order::add_realtime_edges(&h, &mut b);
    assert!(b.len() <= 3000 * 8, "{}", b.len());
    assert!(b.len() >= 3000 / 2);
}

// -------------------------------------------------- random serial executions

#[derive(Clone, Debug)]
enum M {
    Append(u8),
    Read(u8),
}

#[derive(Clone, Debug)]
struct T {
    mops: Vec<M>,
    /// 0 ok, 1 info (applied), 2 info (not applied), 3 fail
    outcome: u8,
    process: u8,
}

fn arb_txn() -> impl Strategy<Value = T> {
    (
        prop::collection::vec(prop_oneof![(0u8..4).prop_map(M::Append), (0u8..4).prop_map(M::Read)], 1..5),
        prop_oneof![8 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)],
        0u8..4,
    )
        .prop_map(|(mops, outcome, process)| T { mops, outcome, process })
}

fn serial_history(txns: &[T], paired: bool) -> History {
    let mut state: Vec<Vec<u32>> = vec![Vec::new(); 4];
    let mut next = 0u32;
    let mut edn = String::new();
    for t in txns {
        let applied = matches!(t.outcome, 0 | 1);
        let mut local = state.clone();
        let (mut inv, mut done) = (String::from("["), String::from("["));
        for m in &t.mops {
            match m {
                M::Append(k) => {
                    next += 1;
                    local[*k as usize].push(next);
                    let s = format!("[:append {k} {next}]");
                    inv.push_str(&s);
                    done.push_str(&s);
                }
                M::Read(k) => {
                    inv.push_str(&format!("[:r {k} nil]"));
                    let l: Vec<String> = local[*k as usize].iter().map(|v| v.to_string()).collect();
                    done.push_str(&format!("[:r {k} [{}]]", l.join(" ")));
                }
            }
        }
        inv.push(']');
        done.push(']');
        if applied {
            state = local;
        }
        let ty = ["ok", "info", "info", "fail"][t.outcome as usize];
        let val = if t.outcome == 0 { &done } else { &inv };
        let p = t.process;
        if paired {
            edn.push_str(&format!("{{:type :invoke, :process {p}, :value {inv}}}\n"));
        }
        edn.push_str(&format!("{{:type :{ty}, :process {p}, :value {val}}}\n"));
    }
    parsers::read_history(edn.as_bytes(), "t.edn", Some(parsers::Format::Edn), Default::default()).unwrap()
}

fn acyclic(g: &Graph, mask: Rels) -> bool {
    let n = g.vertex_count();
    let mut indeg = vec![0u32; n];
    for v in 0..n as u32 {
        for (t, r) in g.edges_from(v) {
            if r.intersects(mask) {
                indeg[t as usize] += 1;
            }
        }
    }
    let mut stack: Vec<u32> = (0..n as u32).filter(|&v| indeg[v as usize] == 0).collect();
    let mut seen = 0;
    while let Some(v) = stack.pop() {
        seen += 1;
        for (t, r) in g.edges_from(v) {
            if r.intersects(mask) {
                indeg[t as usize] -= 1;
                if indeg[t as usize] == 0 {
                    stack.push(t);
                }
            }
        }
    }
    seen == n
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(testkit::cases(300)))]
    #[test]
    fn serial_executions_are_clean(txns in prop::collection::vec(arb_txn(), 0..40), paired in any::<bool>()) {
        let h = serial_history(&txns, paired);
        let a = analyze(&h).expect("analyzable");
        prop_assert!(a.anomalies.is_empty(), "{:?}", a.anomalies);
        let mut b = a.edges.clone();
        if paired {
            order::add_realtime_edges(&h, &mut b);
        }
        order::add_process_edges(&h, &mut b);
        let g = b.build();
        prop_assert!(acyclic(&g, Rels::WW | Rels::WR | Rels::RW));
        if paired {
            prop_assert!(acyclic(&g, Rels::WW | Rels::WR | Rels::RW | Rels::REALTIME));
        }
        for v in 0..g.vertex_count() as u32 {
            for (t, rels) in g.edges_from(v) {
                for r in rels.iter() {
                    let s = match r {
                        Rels::PROCESS => order::explain_process(&h, v, t),
                        Rels::REALTIME => order::explain_realtime(&h, v, t),
                        _ => a.explainer.explain(v, t, r),
                    };
                    let s = s.unwrap_or_else(|| panic!("unexplained {v} -{r}-> {t}"));
                    prop_assert_eq!((s.from, s.to, s.rel), (v, t, r));
                }
            }
        }
    }
}

/// Big transactions (hash indices instead of scans) give the same anomalies.
#[test]
fn big_transactions_match_small_ones() {
    let run_with = |pad: usize| {
        let padding = |t: usize| -> String { (0..pad).map(|i| format!("[:append :p{t}x{i} {i}]")).collect() };
        let ops = [
            format!("[{}[:r :x [1 2]] [:append :x 3] [:r :x [1 2 4]]]", padding(0)),
            format!("[{}[:append :y 1] [:r :y [0 1]] [:append :y 0] [:append :y 3]]", padding(1)),
            "[[:append :z 5]]".to_string(),
            format!("[{}[:r :z [5]] [:append :z 6]]", padding(3)),
            format!("[{}[:r :z [5]] [:append :z 7]]", padding(4)),
            format!("[{}[:append :w 1] [:append :w 2]]", padding(5)),
            "[[:r :w [1]]]".to_string(),
        ];
        let refs: Vec<&str> = ops.iter().map(String::as_str).collect();
        let h = hist(&refs);
        let a = analyze(&h).unwrap();
        let p = pad as u32;
        let want = vec![
            Anomaly::Read { kind: "G1b", op: 6, mop: 0, writer: Some(5), element: int(&h, 1) },
            // Op 1 appended 1 before 0 to y and read [0 1].
            Anomaly::Read { kind: "appends-out-of-order", op: 1, mop: p + 1, writer: Some(1), element: int(&h, 1) },
            Anomaly::Read { kind: "future-read", op: 1, mop: p + 1, writer: Some(1), element: int(&h, 0) },
            Anomaly::Internal {
                op: 0,
                mop: p + 2,
                expected: Expected::List { unknown_prefix: false, elems: vec![int(&h, 1), int(&h, 2), int(&h, 3)] },
            },
            Anomaly::LostUpdate { key: kw(&h, "z"), value: Observed::List(vec![int(&h, 5)]), txns: vec![3, 4] },
        ];
        let got: Vec<_> = a
            .anomalies
            .iter()
            .filter(|x| x.name() != "garbage-read" && x.name() != "incompatible-order")
            .cloned()
            .collect();
        assert_eq!(got, want, "padding {pad}");
    };
    run_with(0);
    run_with(20);
}

// ------------------------------------- random histories vs. a naive reference

#[derive(Clone, Debug)]
enum RM {
    Append(u8),
    /// A read: picks from the key's appended values (and a garbage value) by these seeds.
    Read(u8, Vec<u8>, bool),
}

fn arb_rtxn() -> impl Strategy<Value = (Vec<RM>, u8)> {
    (
        prop::collection::vec(
            prop_oneof![
                (0u8..3).prop_map(RM::Append),
                ((0u8..3), prop::collection::vec(any::<u8>(), 0..6), any::<bool>())
                    .prop_map(|(k, s, n)| RM::Read(k, s, n)),
            ],
            1..5,
        ),
        prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
    )
}

/// Completion-only EDN for random (mostly anomalous) histories, and the parsed history.
fn random_history(txns: &[(Vec<RM>, u8)]) -> History {
    let mut appended: Vec<Vec<u32>> = vec![Vec::new(); 3];
    let mut next = 0;
    let mut edn = String::new();
    for (mops, kind) in txns {
        let mut v = String::from("[");
        for m in mops {
            match m {
                RM::Append(k) => {
                    next += 1;
                    appended[*k as usize].push(next);
                    v.push_str(&format!("[:append {k} {next}]"));
                }
                RM::Read(k, seeds, nil) => {
                    if *nil && seeds.is_empty() {
                        v.push_str(&format!("[:r {k} nil]"));
                        continue;
                    }
                    let pool = &appended[*k as usize];
                    // Mostly a prefix of the appends so far (so orders agree), sometimes scrambled.
                    let l: Vec<String> = if seeds.first().is_some_and(|s| s % 4 != 0) {
                        let n = (seeds[0] as usize) % (pool.len() + 1);
                        pool[..n].iter().map(|x| x.to_string()).collect()
                    } else {
                        seeds
                            .iter()
                            .map(|s| {
                                if pool.is_empty() || *s == 7 {
                                    999.to_string()
                                } else {
                                    pool[*s as usize % pool.len()].to_string()
                                }
                            })
                            .collect()
                    };
                    v.push_str(&format!("[:r {k} [{}]]", l.join(" ")));
                }
            }
        }
        v.push(']');
        let ty = ["ok", "info", "fail"][*kind as usize];
        edn.push_str(&format!("{{:type :{ty}, :process 0, :value {v}}}\n"));
    }
    parsers::read_history(edn.as_bytes(), "t.edn", Some(parsers::Format::Edn), Default::default()).unwrap()
}

/// Elle's edge rules, written down directly; with `info_reads` off, the reads
/// of info transactions are left out (histcheck's default).
fn reference_edges(h: &History, info_reads: bool) -> std::collections::BTreeMap<(u32, u32), u8> {
    use history::{MopKind, MopVal, OpType};
    use std::collections::BTreeMap;
    let possible = |t: usize| matches!(h.ops[t].kind, OpType::Ok | OpType::Info);
    let reads = |t: usize| h.ops[t].kind == OpType::Ok || (info_reads && h.ops[t].kind == OpType::Info);
    let mut keys: Vec<Id> = Vec::new();
    for m in &h.mops {
        if !keys.contains(&m.key) {
            keys.push(m.key);
        }
    }
    let mut out: BTreeMap<(u32, u32), u8> = BTreeMap::new();
    let mut add = |a: usize, b: usize, r: Rels| {
        if a != b {
            *out.entry((a as u32, b as u32)).or_default() |= r.bits();
        }
    };
    for &k in &keys {
        // Observed values, by (length, first occurrence).
        let mut obs: Vec<Vec<Id>> = Vec::new();
        let mut writer: BTreeMap<Id, usize> = BTreeMap::new();
        let mut appends = 0;
        for (t, op) in h.ops.iter().enumerate() {
            for m in h.mops(op) {
                if m.key != k {
                    continue;
                }
                match (m.kind, m.val) {
                    (MopKind::Append, MopVal::Atom(v)) if possible(t) => {
                        writer.insert(v, t);
                        appends += 1;
                    }
                    (MopKind::Read, MopVal::List { .. }) if reads(t) => {
                        let l = h.list(m.val).unwrap().to_vec();
                        if !l.is_empty() && !obs.contains(&l) {
                            obs.push(l);
                        }
                    }
                    _ => {}
                }
            }
        }
        let mut idx: Vec<usize> = (0..obs.len()).collect();
        idx.sort_by_key(|&i| (obs[i].len(), i));
        let longest: Vec<Id> = match idx.last() {
            Some(&i) => obs[i].clone(),
            None if appends == 1 => vec![*writer.keys().next().unwrap()],
            None => vec![],
        };
        let mut vers: Vec<Id> = Vec::new();
        for x in longest {
            if !vers.contains(&x) {
                vers.push(x);
            }
        }
        let prev = |v: Id| -> Option<Id> {
            match vers.iter().position(|&x| x == v) {
                Some(0) => None,
                Some(i) => Some(vers[i - 1]),
                None => vers.last().copied(),
            }
        };
        for (b, op) in h.ops.iter().enumerate() {
            if !possible(b) {
                continue;
            }
            for m in h.mops(op) {
                if m.key != k {
                    continue;
                }
                match (m.kind, m.val) {
                    (MopKind::Read, MopVal::List { .. }) if reads(b) => {
                        if let Some(last) = h.list(m.val).unwrap().last() {
                            if let Some(&a) = writer.get(last) {
                                add(a, b, Rels::WR);
                            }
                        }
                    }
                    (MopKind::Append, MopVal::Atom(v)) => {
                        let p = prev(v);
                        if let Some(p) = p {
                            if let Some(&a) = writer.get(&p) {
                                add(a, b, Rels::WW);
                            }
                        }
                        for (a, aop) in h.ops.iter().enumerate() {
                            if !reads(a) {
                                continue;
                            }
                            let reads_p = h.mops(aop).iter().any(|r| {
                                r.key == k
                                    && r.kind == MopKind::Read
                                    && match r.val {
                                        MopVal::Nil => p.is_none() && aop.kind == OpType::Ok,
                                        MopVal::List { .. } => h.list(r.val).unwrap().last().copied() == p,
                                        _ => false,
                                    }
                            });
                            if reads_p {
                                add(a, b, Rels::RW);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(testkit::cases(400)))]
    #[test]
    fn random_histories_match_the_reference(txns in prop::collection::vec(arb_rtxn(), 0..25)) {
        let h = random_history(&txns);
        for info_reads in [false, true] {
            let a = analyze_with(&h, info_reads).expect("analyzable");
            let g = a.edges.clone().build();
            let got: std::collections::BTreeMap<(u32, u32), u8> =
                (0..g.vertex_count() as u32).flat_map(|v| g.edges_from(v).map(move |(t, r)| ((v, t), r.bits()))).collect();
            prop_assert_eq!(got, reference_edges(&h, info_reads));
            assert_explainable(&g, &a.explainer);
            let again = analyze_with(&h, info_reads).unwrap();
            prop_assert_eq!(&a.anomalies, &again.anomalies);
        }
    }
}

/// An info or fail completion without a transaction value: its appends are its invocation's.
#[test]
fn completions_without_a_value_use_their_invocations_appends() {
    let edn = "{:type :invoke, :process 0, :value [[:r :y nil] [:append :x 1]]}\n\
               {:type :info, :process 0, :value nil}\n\
               {:type :invoke, :process 1, :value [[:append :y 2]]}\n\
               {:type :fail, :process 1}\n\
               {:type :invoke, :process 2, :value [[:r :x nil] [:r :y nil]]}\n\
               {:type :ok, :process 2, :value [[:r :x [1]] [:r :y [2]]]}\n";
    let h = parsers::read_history(edn.as_bytes(), "t.edn", Some(parsers::Format::Edn), Default::default()).unwrap();
    let (a, g) = run(&h);
    assert_eq!(g.rels(1, 5), Rels::WR);
    let s = a.explainer.explain(1, 5, Rels::WR).unwrap();
    assert_eq!((s.a_mop, s.b_mop), (Some(1), Some(0)));
    assert_eq!(a.anomalies, vec![Anomaly::Read { kind: "G1a", op: 5, mop: 1, writer: Some(3), element: int(&h, 2) }]);
    assert_explainable(&g, &a.explainer);
}

/// Enough work for several key chunks: every edge is still explained.
#[test]
fn large_serial_history_is_clean_and_explained() {
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let txns: Vec<T> = (0..4000)
        .map(|_| T {
            mops: (0..1 + next() % 4)
                .map(|_| if next() % 2 == 0 { M::Append((next() % 4) as u8) } else { M::Read((next() % 4) as u8) })
                .collect(),
            outcome: [0, 0, 0, 0, 0, 0, 1, 2, 3][(next() % 9) as usize],
            process: (next() % 4) as u8,
        })
        .collect();
    let h = serial_history(&txns, true);
    let a = analyze(&h).unwrap();
    assert!(a.anomalies.is_empty());
    let g = a.edges.clone().build();
    assert!(g.edge_count() > 1000);
    assert!(acyclic(&g, Rels::WW | Rels::WR | Rels::RW));
    assert_explainable(&g, &a.explainer);
}

#[test]
fn the_earliest_duplicate_append_is_reported() {
    // x 5 repeats at ops 0/2, x 2 at ops 1/3: the repeat completed first (op 2) is named.
    let h = hist(&["p0 ax5", "p1 ax2", "p2 ax5", "p3 ax2"]);
    let e = analyze(&h).err().unwrap();
    assert_eq!(e.ops, vec![0, 2]);
    assert!(e.message.starts_with("value 5 is appended to key :x twice"), "{}", e.message);
}
