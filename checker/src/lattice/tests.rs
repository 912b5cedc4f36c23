//! Data-driven tests of the lattice against tables computed by Elle's
//! `elle.consistency-model` (pasted below as they print), and against Elle's
//! own lattice and list-append test cases.

use super::*;

/// Elle's anomalies prohibited per model, verbatim: accepted names | count | prohibited anomalies (depth order) | prohibited cycle-exists models.
const TABLE_10: &str = r#"
| `1SR`, `PRAM`, `causal`, `linearizable`, `monotonic-reads`, `monotonic-writes`, `read-your-writes`, `sequential`, `session-serializable`, `view-serializable`, `writes-follow-reads` | 0 | (none) | (none) |
| `PL-1`, `read-uncommitted` | 3 | G0, cyclic-versions, duplicate-elements | PL-1 |
| `strong-session-PL-1`, `strong-session-read-uncommitted` | 4 | G0, cyclic-versions, duplicate-elements, G0-process | PL-1, strong-session-PL-1 |
| `strong-PL-1`, `strong-read-uncommitted` | 5 | G0, cyclic-versions, duplicate-elements, G0-process, G0-realtime | PL-1, strong-PL-1, strong-session-PL-1 |
| `PL-2`, `monotonic-atomic-view`, `read-committed` | 10 | G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, G1a, G1c, G1 | PL-1, PL-2 |
| `PL-2L`, `monotonic-view` | 11 | G-monotonic, G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, G1a, G1c, G1 | PL-1, PL-2 |
| `PL-MSR`, `monotonic-snapshot-read` | 11 | G-MSR, G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, G1a, G1c, G1 | PL-1, PL-2 |
| `causal-cerone`, `prefix`, `read-atomic` | 11 | G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, internal, G1a, G1c, G1 | PL-1, PL-2 |
| `PL-CS`, `cursor-stability` | 12 | G-cursor, G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, lost-update, G1a, G1c, G1 | PL-1, PL-2 |
| `parallel-snapshot-isolation`, `update-atomic` | 12 | G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, internal, lost-update, G1a, G1c, G1 | PL-1, PL-2 |
| `strong-session-PL-2`, `strong-session-read-committed` | 12 | G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, G1a, G1c, G1, G0-process, G1c-process | PL-1, PL-2, strong-session-PL-1, strong-session-PL-2 |
| `strong-PL-2`, `strong-read-committed` | 14 | G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, G1a, G1c, G1, G0-process, G1c-process, G0-realtime, G1c-realtime | PL-1, PL-2, strong-PL-1, strong-PL-2, strong-session-PL-1, strong-session-PL-2 |
| `PL-2+`, `consistent-view` | 15 | G-cursor, G-monotonic, G-single-item, G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, lost-update, G1a, G1c, G-single, G1 | PL-1, PL-2 |
| `PL-2.99`, `repeatable-read` | 15 | G-cursor, G-single-item, G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, lost-update, G-nonadjacent-item, G1a, G1c, G1, G2-item | PL-1, PL-2, PL-2.99 |
| `PL-FCV`, `forward-consistent-view` | 16 | G-SIb, G-cursor, G-monotonic, G-single-item, G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, lost-update, G1a, G1c, G-single, G1 | PL-1, PL-2 |
| `PL-3U`, `update-serializable` | 17 | G-SIb, G-cursor, G-monotonic, G-single-item, G-update, G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, lost-update, G1a, G1c, G-single, G1 | PL-1, PL-2 |
| `PL-SI`, `snapshot-isolation` | 21 | G-MSR, G-SI, G-SIb, G-cursor, G-monotonic, G-single-item, G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, internal, lost-update, G-nonadjacent-item, G1a, G1c, G-single, G1, G-nonadjacent | PL-1, PL-2, PL-SI |
| `PL-3`, `conflict-serializable`, `serializable` | 26 | G-MSR, G-SI, G-SIb, G-cursor, G-monotonic, G-single-item, G-update, G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, internal, lost-update, predicate-read-miss, G-nonadjacent-item, G1a, G1c, write-skew, G-single, G1, G2-item, G-nonadjacent, G2 | PL-1, PL-2, PL-2.99, PL-3, PL-SI |
| `strong-session-snapshot-isolation` | 28 | G-MSR, G-SI, G-SIb, G-cursor, G-monotonic, G-single-item, G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, internal, lost-update, G-nonadjacent-item, G-single-item-process, G1a, G1c, G-nonadjacent-item-process, G-single, G1, G-nonadjacent, G0-process, G1c-process, G-single-process, G1-process, G-nonadjacent-process | PL-1, PL-2, PL-SI, strong-session-PL-1, strong-session-PL-2, strong-session-snapshot-isolation |
| `strong-session-serializable` | 35 | G-MSR, G-SI, G-SIb, G-cursor, G-monotonic, G-single-item, G-update, G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, internal, lost-update, predicate-read-miss, G-nonadjacent-item, G-single-item-process, G1a, G1c, write-skew, G-nonadjacent-item-process, G-single, G1, G2-item, G-nonadjacent, G2, G0-process, G1c-process, G-single-process, G1-process, G2-item-process, G-nonadjacent-process, G2-process | PL-1, PL-2, PL-2.99, PL-3, PL-SI, strong-session-PL-1, strong-session-PL-2, strong-session-serializable, strong-session-snapshot-isolation |
| `strong-snapshot-isolation` | 35 | G-MSR, G-SI, G-SIb, G-cursor, G-monotonic, G-single-item, G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, internal, lost-update, G-nonadjacent-item, G-single-item-process, G1a, G1c, G-nonadjacent-item-process, G-single, G-single-item-realtime, G1, G-nonadjacent, G-nonadjacent-item-realtime, G0-process, G1c-process, G-single-process, G1-process, G-nonadjacent-process, G0-realtime, G1c-realtime, G-single-realtime, G1-realtime, G-nonadjacent-realtime | PL-1, PL-2, PL-SI, strong-PL-1, strong-PL-2, strong-session-PL-1, strong-session-PL-2, strong-session-snapshot-isolation, strong-snapshot-isolation |
| `PL-SS`, `strict-serializable`, `strong-serializable` | 44 | G-MSR, G-SI, G-SIb, G-cursor, G-monotonic, G-single-item, G-update, G0, G1b, cyclic-versions, dirty-update, duplicate-elements, future-read, incompatible-order, internal, lost-update, predicate-read-miss, G-nonadjacent-item, G-single-item-process, G1a, G1c, write-skew, G-nonadjacent-item-process, G-single, G-single-item-realtime, G1, G2-item, G-nonadjacent, G-nonadjacent-item-realtime, G2, G0-process, G1c-process, G-single-process, G1-process, G2-item-process, G-nonadjacent-process, G2-process, G0-realtime, G1c-realtime, G-single-realtime, G1-realtime, G2-item-realtime, G-nonadjacent-realtime, G2-realtime | PL-1, PL-2, PL-2.99, PL-3, PL-SI, PL-SS, strong-PL-1, strong-PL-2, strong-session-PL-1, strong-session-PL-2, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation |
"#;

/// Elle's `friendly-boundary` of each single anomaly, verbatim: reported anomalies (alone) | not | also-not.
const TABLE_11: &str = r#"
| G-MSR | monotonic-snapshot-read | serializable, snapshot-isolation, strong-serializable, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation |
| G-SI, PL-SI-cycle-exists, G-nonadjacent | snapshot-isolation | serializable, strong-serializable, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation |
| G-SIb | forward-consistent-view | serializable, snapshot-isolation, strong-serializable, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation, update-serializable |
| G-cursor | cursor-stability | consistent-view, forward-consistent-view, repeatable-read, serializable, snapshot-isolation, strong-serializable, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation, update-serializable |
| G-monotonic | monotonic-view | consistent-view, forward-consistent-view, serializable, snapshot-isolation, strong-serializable, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation, update-serializable |
| G-single-item | consistent-view, repeatable-read | forward-consistent-view, serializable, snapshot-isolation, strong-serializable, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation, update-serializable |
| G-update | update-serializable | serializable, strong-serializable, strong-session-serializable |
| G0, PL-1-cycle-exists, cyclic-versions, duplicate-elements | read-uncommitted | causal-cerone, consistent-view, cursor-stability, forward-consistent-view, monotonic-atomic-view, monotonic-snapshot-read, monotonic-view, parallel-snapshot-isolation, prefix, read-atomic, read-committed, repeatable-read, serializable, snapshot-isolation, strong-read-committed, strong-read-uncommitted, strong-serializable, strong-session-read-committed, strong-session-read-uncommitted, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation, update-atomic, update-serializable |
| G1b, PL-2-cycle-exists, dirty-update, future-read, incompatible-order, G1a, G1c, G1 | read-committed | causal-cerone, consistent-view, cursor-stability, forward-consistent-view, monotonic-atomic-view, monotonic-snapshot-read, monotonic-view, parallel-snapshot-isolation, prefix, read-atomic, repeatable-read, serializable, snapshot-isolation, strong-read-committed, strong-serializable, strong-session-read-committed, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation, update-atomic, update-serializable |
| GSIa, GSIb, GSI | (empty) | (empty) |
| PL-2.99-cycle-exists, G2-item | repeatable-read | serializable, strong-serializable, strong-session-serializable |
| PL-3-cycle-exists, predicate-read-miss, write-skew, G2 | serializable | strong-serializable, strong-session-serializable |
| PL-SS-cycle-exists, G2-item-realtime, G2-realtime | strong-serializable | (empty) |
| internal | read-atomic | causal-cerone, parallel-snapshot-isolation, prefix, serializable, snapshot-isolation, strong-serializable, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation, update-atomic |
| lost-update | cursor-stability, update-atomic | consistent-view, forward-consistent-view, parallel-snapshot-isolation, repeatable-read, serializable, snapshot-isolation, strong-serializable, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation, update-serializable |
| strong-PL-1-cycle-exists, G0-realtime | strong-read-uncommitted | strong-read-committed, strong-serializable, strong-snapshot-isolation |
| strong-PL-2-cycle-exists, G1c-realtime | strong-read-committed | strong-serializable, strong-snapshot-isolation |
| strong-session-PL-1-cycle-exists, G0-process | strong-session-read-uncommitted | strong-read-committed, strong-read-uncommitted, strong-serializable, strong-session-read-committed, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation |
| strong-session-PL-2-cycle-exists, G1c-process | strong-session-read-committed | strong-read-committed, strong-serializable, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation |
| strong-session-serializable-cycle-exists, G2-item-process, G2-process | strong-session-serializable | strong-serializable |
| strong-session-snapshot-isolation-cycle-exists, G-single-item-process, G-nonadjacent-item-process, G-single-process, G1-process, G-nonadjacent-process | strong-session-snapshot-isolation | strong-serializable, strong-session-serializable, strong-snapshot-isolation |
| strong-snapshot-isolation-cycle-exists, G-single-item-realtime, G-nonadjacent-item-realtime, G-single-realtime, G1-realtime, G-nonadjacent-realtime | strong-snapshot-isolation | strong-serializable |
| G-nonadjacent-item | repeatable-read, snapshot-isolation | serializable, strong-serializable, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation |
| G-single | consistent-view | forward-consistent-view, serializable, snapshot-isolation, strong-serializable, strong-session-serializable, strong-session-snapshot-isolation, strong-snapshot-isolation, update-serializable |
"#;

fn cells(line: &str) -> Vec<String> {
    let line = line.trim().trim_start_matches('|').trim_end_matches('|');
    line.split('|').map(|c| c.trim().to_string()).collect()
}

fn list(cell: &str) -> Vec<String> {
    if cell.starts_with('(') {
        return Vec::new();
    }
    cell.split(',').map(|s| s.trim().trim_matches('`').to_string()).filter(|s| !s.is_empty()).collect()
}

fn set(v: &[&str]) -> BTreeSet<&'static str> {
    v.iter().map(|a| intern_anomaly(a).unwrap_or_else(|| panic!("unknown anomaly {a}"))).collect()
}

const ELLE_60: &str = "G-MSR G-SI G-SIb G-cursor G-monotonic G-single-item G-update G0 G1b GSIa
PL-1-cycle-exists PL-2-cycle-exists PL-2.99-cycle-exists PL-3-cycle-exists
PL-SI-cycle-exists PL-SS-cycle-exists cyclic-versions dirty-update
duplicate-elements future-read incompatible-order internal lost-update
predicate-read-miss strong-PL-1-cycle-exists strong-PL-2-cycle-exists
strong-session-PL-1-cycle-exists strong-session-PL-2-cycle-exists
strong-session-serializable-cycle-exists
strong-session-snapshot-isolation-cycle-exists
strong-snapshot-isolation-cycle-exists G-nonadjacent-item
G-single-item-process G1a G1c write-skew G-nonadjacent-item-process G-single
G-single-item-realtime G1 G2-item G-nonadjacent G-nonadjacent-item-realtime
GSIb G2 GSI G0-process G1c-process G-single-process G1-process
G2-item-process G-nonadjacent-process G2-process G0-realtime G1c-realtime
G-single-realtime G1-realtime G2-item-realtime G-nonadjacent-realtime
G2-realtime";

#[test]
fn depth_order_is_elles_60_then_histchecks_two() {
    let elle: Vec<&str> = ELLE_60.split_whitespace().collect();
    assert_eq!(elle.len(), 60);
    let d = depth_order();
    assert_eq!(d.len(), 62);
    assert_eq!(&d[..60], &elle[..]);
    assert_eq!(d[60], GARBAGE_READ);
    assert_eq!(d[61], APPENDS_OUT_OF_ORDER);
}

#[test]
fn names_and_friendly_names() {
    assert_eq!(model_names().len(), 54);
    let mut sorted = model_names().to_vec();
    sorted.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(sorted, model_names());
    assert_eq!(canonical("serializable"), Some("PL-3"));
    assert_eq!(canonical("conflict-serializable"), Some("PL-3"));
    assert_eq!(canonical("strict-serializable"), Some("PL-SS"));
    assert_eq!(canonical("read-atomic"), Some("read-atomic"));
    assert_eq!(canonical("stricct-snappshot-isolation"), None);
    assert_eq!(friendly("PL-3"), "serializable");
    assert_eq!(friendly("PL-SS"), "strong-serializable");
    assert_eq!(friendly("strict-serializable"), "strong-serializable");
    assert_eq!(friendly("PL-2"), "read-committed");
    assert_eq!(friendly("PL-2+"), "consistent-view");
    assert_eq!(friendly("strong-PL-2"), "strong-read-committed");
    assert_eq!(friendly("strong-session-snapshot-isolation"), "strong-session-snapshot-isolation");
    // Every accepted name canonicalises; every canonical vertex prints as an accepted name.
    for m in model_names() {
        let c = canonical(m).unwrap();
        assert_eq!(canonical(friendly(c)), Some(c), "{m}");
    }
}

/// TABLE_10: anomalies_prohibited_by([m]) for every accepted name, Elle's sets plus
/// histcheck's garbage-read (for every model that prohibits anything).
#[test]
fn table_10_prohibited_per_model() {
    let mut covered = BTreeSet::new();
    let depth = depth_order();
    let mut rows = 0;
    for line in TABLE_10.lines().filter(|l| l.starts_with('|')) {
        rows += 1;
        let c = cells(line);
        assert_eq!(c.len(), 4, "{line}");
        let names = list(&c[0]);
        let count: usize = c[1].parse().unwrap();
        let named = list(&c[2]);
        assert_eq!(named.len(), count, "{line}");
        let cycle_exists: Vec<String> = list(&c[3]).iter().map(|m| format!("{m}-cycle-exists")).collect();
        let expected: Vec<&str> = named.iter().chain(&cycle_exists).map(String::as_str).collect();
        let expected = set(&expected);
        for name in &names {
            covered.insert(name.clone());
            let mut got = anomalies_prohibited_by(&[name.as_str()]);
            assert_eq!(got.remove(GARBAGE_READ), count > 0, "garbage-read for {name}");
            assert_eq!(got.remove(APPENDS_OUT_OF_ORDER), count > 0, "appends-out-of-order for {name}");
            assert_eq!(got, expected, "prohibited by {name}");
            // The table lists the named anomalies in depth order.
            let in_order: Vec<&str> =
                depth.iter().copied().filter(|a| got.contains(a) && !a.ends_with("-cycle-exists")).collect();
            let named_refs: Vec<&str> = named.iter().map(String::as_str).collect();
            assert_eq!(in_order, named_refs, "depth order of {name}");
        }
    }
    assert_eq!(rows, 22);
    let all: BTreeSet<String> = model_names().iter().map(|s| s.to_string()).collect();
    assert_eq!(covered, all, "every accepted name is in the table");
    // The default model: 44 named plus 13 cycle-exists (57), garbage-read and appends-out-of-order.
    assert_eq!(anomalies_prohibited_by(&["strict-serializable"]).len(), 57 + 2);
}

/// TABLE_11: boundary([a]) for every anomaly of the lattice.
#[test]
fn table_11_boundary_per_anomaly() {
    let mut covered = BTreeSet::new();
    for line in TABLE_11.lines().filter(|l| l.starts_with('|')) {
        let c = cells(line);
        assert_eq!(c.len(), 3, "{line}");
        let not = list(&c[1]);
        let also = list(&c[2]);
        for a in list(&c[0]) {
            covered.insert(a.clone());
            let b = boundary(&[a.as_str()]);
            assert_eq!(b.not, not, "not for {a}");
            assert_eq!(b.also_not, also, "also-not for {a}");
        }
    }
    // Every one of Elle's 60 is in the table.
    let elle: BTreeSet<String> = ELLE_60.split_whitespace().map(String::from).collect();
    assert_eq!(covered, elle);
    // garbage-read is ruled out exactly like G0.
    assert_eq!(boundary(&[GARBAGE_READ]), boundary(&["G0"]));
    assert_eq!(boundary(&[GARBAGE_READ]).not, vec!["read-uncommitted"]);
    // appends-out-of-order too (it is directly proscribed by PL-1).
    assert_eq!(boundary(&[APPENDS_OUT_OF_ORDER]), boundary(&["G0"]));
    assert_eq!(boundary(&[EMPTY_TRANSACTION_GRAPH, CYCLE_SEARCH_TIMEOUT]), Boundary::default());
}

fn friendly_set(ms: BTreeSet<&'static str>) -> BTreeSet<&'static str> {
    ms.into_iter().map(friendly).collect()
}

fn fs(v: &[&'static str]) -> BTreeSet<&'static str> {
    v.iter().copied().collect()
}

/// Elle's consistency-model test cases.
#[test]
fn lattice_fixtures() {
    assert_eq!(all_implied_anomalies(&["G-SI"]), fs(&["G-SI"]));
    let mut rc = anomalies_prohibited_by(&["read-committed"]);
    rc.remove(GARBAGE_READ);
    rc.remove(APPENDS_OUT_OF_ORDER);
    assert_eq!(
        rc,
        fs(&[
            "G0",
            "G1",
            "G1a",
            "G1b",
            "G1c",
            "PL-1-cycle-exists",
            "PL-2-cycle-exists",
            "cyclic-versions",
            "dirty-update",
            "duplicate-elements",
            "future-read",
            "incompatible-order"
        ])
    );
    let e = reportable(&["stricct-snappshot-isolation"], &[]).unwrap_err();
    assert_eq!(e.what, "consistency model");
    assert!(e.suggestions.contains(&"strong-snapshot-isolation"), "{:?}", e.suggestions);
    assert!(e.to_string().starts_with("Unknown consistency model"));

    let w = |ms: &[&str]| friendly_set(weakest(ms));
    let s = |ms: &[&str]| friendly_set(strongest(ms));
    assert_eq!(w(&[]), fs(&[]));
    assert_eq!(s(&[]), fs(&[]));
    assert_eq!(w(&["serializable", "strict-serializable"]), fs(&["serializable"]));
    assert_eq!(s(&["serializable", "strong-serializable", "strict-serializable"]), fs(&["strong-serializable"]));
    let m = ["repeatable-read", "read-committed", "sequential", "read-your-writes"];
    assert_eq!(w(&m), fs(&["read-your-writes", "read-committed"]));
    assert_eq!(s(&m), fs(&["repeatable-read", "sequential"]));
    for m in [["serializable", "read-atomic"], ["read-atomic", "serializable"]] {
        assert_eq!(w(&m), fs(&["read-atomic"]));
        assert_eq!(s(&m), fs(&["serializable"]));
    }
    assert_eq!(all_impossible_models(&["strong-session-serializable"]), fs(&["strong-session-serializable", "PL-SS"]));

    let imp = |a: &[&str]| friendly_set(anomalies_to_impossible_models(a));
    assert_eq!(
        imp(&["G-single"]),
        fs(&[
            "consistent-view",
            "forward-consistent-view",
            "strong-serializable",
            "serializable",
            "snapshot-isolation",
            "strong-session-serializable",
            "strong-session-snapshot-isolation",
            "strong-snapshot-isolation",
            "update-serializable"
        ])
    );
    assert_eq!(
        imp(&["G-SI"]),
        fs(&[
            "snapshot-isolation",
            "serializable",
            "strong-serializable",
            "strong-session-serializable",
            "strong-session-snapshot-isolation",
            "strong-snapshot-isolation"
        ])
    );
    assert_eq!(
        imp(&["dirty-update"]),
        fs(&[
            "read-committed",
            "monotonic-atomic-view",
            "snapshot-isolation",
            "repeatable-read",
            "update-atomic",
            "serializable",
            "strong-serializable",
            "update-serializable",
            "cursor-stability",
            "forward-consistent-view",
            "consistent-view",
            "monotonic-view",
            "monotonic-snapshot-read",
            "causal-cerone",
            "parallel-snapshot-isolation",
            "prefix",
            "read-atomic",
            "strong-session-read-committed",
            "strong-session-serializable",
            "strong-session-snapshot-isolation",
            "strong-read-committed",
            "strong-snapshot-isolation"
        ])
    );
    assert_eq!(
        imp(&["internal"]),
        fs(&[
            "causal-cerone",
            "parallel-snapshot-isolation",
            "prefix",
            "read-atomic",
            "update-atomic",
            "serializable",
            "snapshot-isolation",
            "strong-serializable",
            "strong-session-serializable",
            "strong-session-snapshot-isolation",
            "strong-snapshot-isolation"
        ])
    );

    assert_eq!(boundary(&[]), Boundary::default());
    assert_eq!(boundary(&["cyclic-versions"]).not, vec!["read-uncommitted"]);
    assert_eq!(boundary(&["cyclic-versions"]).also_not.len(), 24);
    assert_eq!(boundary(&["G1a"]).not, vec!["read-committed"]);
    assert_eq!(boundary(&["G1a"]).also_not.len(), 21);
    assert_eq!(boundary(&["G2", "internal"]), boundary(&["internal"]));
    assert_eq!(boundary(&["lost-update"]).not, vec!["cursor-stability", "update-atomic"]);
    let b = boundary(&["G-single-realtime"]);
    assert_eq!((b.not, b.also_not), (vec!["strong-snapshot-isolation"], vec!["strong-serializable"]));
}

#[test]
fn requested_anomalies_expand_upwards() {
    let r = reportable(&[], &["G1"]).unwrap();
    let mut p = r.prohibited.clone();
    p.remove(GARBAGE_READ);
    assert_eq!(p, fs(&["G1", "G1a", "G1b", "G1c", "G0", "future-read", "incompatible-order", "dirty-update"]));
    let r = reportable(&[], &["G2"]).unwrap();
    assert!(!r.prohibited.contains("G0") && !r.prohibited.contains("G1c"));
    assert!(r.prohibited.contains("G2-item") && r.prohibited.contains("lost-update"));
    assert!(r.reportable.contains(EMPTY_TRANSACTION_GRAPH) && r.reportable.contains(CYCLE_SEARCH_TIMEOUT));
    // garbage-read is always prohibited, even with no models or single-object models only.
    for (ms, as_) in [(&[][..], &[][..]), (&["linearizable", "PRAM"][..], &[][..]), (&[][..], &["G0"][..])] {
        let r = reportable(ms, as_).unwrap();
        assert!(r.prohibited.contains(GARBAGE_READ) && r.reportable.contains(GARBAGE_READ));
    }
    let e = reportable(&[], &["G-singel"]).unwrap_err();
    assert_eq!(e.what, "anomaly");
    assert!(e.suggestions.contains(&"G-single"), "{:?}", e.suggestions);
    assert!(e.suggestions.len() <= 3);
    let e = reportable(&["strong-session"], &[]).unwrap_err();
    assert!(!e.suggestions.is_empty() && e.suggestions.iter().all(|s| s.starts_with("strong-session")));
}

fn v(models: &[&str], anomalies: &[&str], found: &[&'static str]) -> Verdict {
    verdict(&found.iter().copied().collect(), &reportable(models, anomalies).unwrap())
}

/// Elle's result derivation, and Elle's list-append checker cases at the verdict level.
#[test]
fn verdicts() {
    // LA-2: only G1a (+ empty graph) against read-uncommitted.
    let r = v(&["read-uncommitted"], &[], &["G1a", EMPTY_TRANSACTION_GRAPH]);
    assert_eq!(r.valid, Validity::Unknown);
    assert_eq!(r.anomaly_types, vec![EMPTY_TRANSACTION_GRAPH]);
    assert_eq!(r.boundary.not, vec!["read-committed"]);
    let r = v(&["read-committed"], &[], &["G1a", EMPTY_TRANSACTION_GRAPH]);
    assert_eq!(r.valid, Validity::False);
    assert_eq!(r.anomaly_types, vec!["G1a", EMPTY_TRANSACTION_GRAPH]);
    // Only G1a, nothing reportable: exactly valid.
    let r = v(&["read-uncommitted"], &[], &["G1a"]);
    assert_eq!(r, Verdict { valid: Validity::True, anomaly_types: vec![], boundary: Boundary::default() });
    // LA-3 with A=[G2]: the G1b is not reportable but sets `not`.
    let r = v(&[], &["G2"], &["G1b", "G-single-item"]);
    assert_eq!((r.valid, r.anomaly_types.clone()), (Validity::False, vec!["G-single-item"]));
    assert_eq!(r.boundary.not, vec!["read-committed"]);
    // LA-3 default model: byte order of types.
    let r = v(&["strict-serializable"], &[], &["G1b", "G-single-item"]);
    assert_eq!(r.anomaly_types, vec!["G-single-item", "G1b"]);
    // LA-1 with A=[G2]: G0 is not covered.
    assert_eq!(v(&[], &["G2"], &["G0"]).valid, Validity::True);
    assert_eq!(v(&[], &["G1"], &["G0"]).anomaly_types, vec!["G0"]);
    // Redundant cycle-exists entries are dropped; non-redundant ones kept.
    let r = v(&["snapshot-isolation"], &[], &["G-single-item", "PL-SI-cycle-exists"]);
    assert_eq!(r.anomaly_types, vec!["G-single-item"]);
    let r = v(&["snapshot-isolation"], &[], &["PL-SI-cycle-exists", CYCLE_SEARCH_TIMEOUT]);
    assert_eq!(r.valid, Validity::False);
    assert_eq!(r.anomaly_types, vec!["PL-SI-cycle-exists", CYCLE_SEARCH_TIMEOUT]);
    assert_eq!(r.boundary.not, vec!["snapshot-isolation"]);
    // Huge-scc shape: G2-item-realtime does not rule out strong-SI, so its cycle-exists stays.
    let r = v(&[], &[], &[]);
    assert_eq!(r.valid, Validity::True);
    let r = v(
        &["strict-serializable"],
        &[],
        &["G2-item-realtime", CYCLE_SEARCH_TIMEOUT, "strong-snapshot-isolation-cycle-exists"],
    );
    assert_eq!(
        r.anomaly_types,
        vec!["G2-item-realtime", CYCLE_SEARCH_TIMEOUT, "strong-snapshot-isolation-cycle-exists"]
    );
    // Only a timeout: unknown, nothing ruled out.
    let r = v(&["serializable"], &[], &[CYCLE_SEARCH_TIMEOUT]);
    assert_eq!(r.valid, Validity::Unknown);
    assert_eq!(r.boundary, Boundary::default());
    // garbage-read always makes the history invalid.
    let r = v(&[], &[], &[GARBAGE_READ]);
    assert_eq!((r.valid, r.anomaly_types.clone()), (Validity::False, vec![GARBAGE_READ]));
    assert_eq!(r.boundary.not, vec!["read-uncommitted"]);
    assert_eq!(v(&["linearizable"], &[], &[GARBAGE_READ]).valid, Validity::False);
    // LA-11: only an empty graph with A=[dirty-update].
    let r = v(&[], &["dirty-update"], &[EMPTY_TRANSACTION_GRAPH]);
    assert_eq!((r.valid, r.boundary.clone()), (Validity::Unknown, Boundary::default()));
}

/// Issue 12 item 11: the models nothing here can rule out are exactly the 11
/// that prohibit no anomaly (TABLE_10's first row); every other one prohibits G0.
#[test]
fn models_this_checker_can_rule_out() {
    let c = catalog();
    assert_eq!(c.models.len(), 54);
    let cannot: Vec<&str> = c.models.iter().filter(|m| !m.can_rule_out).map(|m| m.name).collect();
    assert_eq!(
        cannot,
        vec![
            "1SR",
            "PRAM",
            "causal",
            "linearizable",
            "monotonic-reads",
            "monotonic-writes",
            "read-your-writes",
            "sequential",
            "session-serializable",
            "view-serializable",
            "writes-follow-reads"
        ]
    );
    for m in &c.models {
        assert_eq!(m.note.is_some(), !m.can_rule_out, "{}", m.name);
        assert_eq!(m.can_rule_out, anomalies_prohibited_by(&[m.name]).contains("G0"), "{}", m.name);
    }
    let ser = c.models.iter().find(|m| m.name == "serializable").unwrap();
    assert_eq!((ser.canonical, ser.friendly), ("PL-3", "serializable"));
    assert_eq!(ser.aliases, vec!["PL-3", "conflict-serializable"]);
    let strict = c.models.iter().find(|m| m.name == "PL-SS").unwrap();
    assert_eq!(strict.aliases, vec!["strict-serializable", "strong-serializable"]);
    assert!(unchecked_note("linearizable").unwrap().contains("linearizability checker"));
    assert_eq!(unchecked_note("serializable"), None);

    // Anomalies: 62 lattice names in depth order, then the two inconclusive ones.
    assert_eq!(c.anomalies.len(), 64);
    let a = |n: &str| c.anomalies.iter().find(|a| a.name == n).unwrap().clone();
    assert_eq!(a("G2-item").found_in, vec!["list-append", "rw-register"]);
    assert_eq!((a("G2").found_in.len(), a("G2").detectable_in.len()), (0, 2));
    assert_eq!(a("cyclic-versions").found_in, vec!["rw-register"]);
    assert_eq!(a("appends-out-of-order").found_in, vec!["list-append"]);
    assert!(a("appends-out-of-order").histcheck_only && a("garbage-read").histcheck_only);
    for never in ["G-cursor", "G-monotonic", "G-MSR", "G-SI", "G-SIb", "G-update", "GSIa", "predicate-read-miss"] {
        assert!(a(never).detectable_in.is_empty(), "{never}");
    }
    assert!(a("cycle-search-timeout").inconclusive && a("cycle-search-timeout").rules_out.is_empty());
    assert_eq!(a("G1a").rules_out, vec!["read-committed"]);
}
