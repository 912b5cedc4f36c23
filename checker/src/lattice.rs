//! The consistency-model lattice and the anomaly implication DAG
//! (Elle's `elle.consistency-model`: the same tables, and the same functions
//! over them).
//!
//! The static data is Elle's, transcribed from the reference: the 54 accepted
//! model names and their canonical vertices, the model DAG ("a holds implies b
//! holds"), the anomalies each model directly proscribes, the anomaly
//! implication DAG ("a present implies b present") and the severity graph used
//! only for ordering. Everything else (the depth order, the prohibited sets, the
//! `not` / `also_not` boundary) is computed from it.
//!
//! # histcheck addition: `garbage-read`
//!
//! `garbage-read` (a read of a value nobody wrote, elle#8) is not in Elle. The
//! project decided it is **always reported and prohibited by every model; it is
//! not opt-in**. It is placed in the lattice as directly proscribed by `PL-1`
//! (read-uncommitted), so every lattice model that implies read-uncommitted
//! prohibits it and its boundary is `not = {read-uncommitted}`. On top of that,
//! [`reportable`] always puts it in both `prohibited` and `reportable`, whatever
//! models and anomalies were asked for (no models at all, or only the
//! single-object models), so a garbage read always makes `valid` false. It has
//! no implications. In [`depth_order`] it has depth 0 but is appended after
//! Elle's 60 names, so the 60-name prefix stays exactly Elle's list.
//!
//! # histcheck addition: `appends-out-of-order`
//!
//! A list-append read that shows two appends of **one** transaction to a key in
//! the opposite of their micro-op order (`[2 1 3]` where one transaction
//! appended 1, 2, 3). Elle reports nothing for it: every element has a
//! committed writer and its final append is last (no G1a, G1b), and the
//! dependency edges it would make run from the transaction to itself, which
//! Elle's graphs drop, so no cycle (G0) exists either; `incompatible-order`
//! needs two reads, `internal` a read by the transaction itself.
//!
//! It is **directly proscribed by `PL-1`** (read-uncommitted), as
//! `duplicate-elements` is: the list read is a state that no execution of the
//! transactions could produce, since even read-uncommitted applies a
//! transaction's writes to an object in the order it made them, so it rules out
//! read-uncommitted and every model that implies it, and nothing else (the
//! single-object models name no anomaly). It implies nothing. It is not always
//! reportable (unlike `garbage-read`): it counts when a model or `--anomalies`
//! prohibits it. In [`depth_order`] it comes last, after `garbage-read`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// histcheck's extra anomaly (see the module docs).
pub const GARBAGE_READ: &str = "garbage-read";
/// histcheck's extra list-append anomaly: a read shows one transaction's
/// appends to a key out of their micro-op order (see the module docs).
pub const APPENDS_OUT_OF_ORDER: &str = "appends-out-of-order";
/// Reported when the graph has no edges; not in the lattice.
pub const EMPTY_TRANSACTION_GRAPH: &str = "empty-transaction-graph";
/// Reported when a cycle search ran out of budget; not in the lattice.
pub const CYCLE_SEARCH_TIMEOUT: &str = "cycle-search-timeout";

/// An unknown model or anomaly name given by the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    pub name: String,
    /// `"consistency model"` or `"anomaly"`.
    pub what: &'static str,
    /// Close known names, for "did you mean".
    pub suggestions: Vec<&'static str>,
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.what == "anomaly" { "anomaly" } else { "consistency model" };
        write!(f, "Unknown {what} {}", self.name)?;
        if !self.suggestions.is_empty() {
            write!(f, " (did you mean {}?)", self.suggestions.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownName {}

/// Aliases: friendly name → canonical vertex (Elle's `canonical-model-names`:
/// several names for one model, e.g. `serializable` is `PL-3`).
const ALIASES: &[(&str, &str)] = &[
    ("consistent-view", "PL-2+"),
    ("conflict-serializable", "PL-3"),
    ("serializable", "PL-3"),
    ("cursor-stability", "PL-CS"),
    ("forward-consistent-view", "PL-FCV"),
    ("monotonic-snapshot-read", "PL-MSR"),
    ("monotonic-view", "PL-2L"),
    ("read-committed", "PL-2"),
    ("read-uncommitted", "PL-1"),
    ("repeatable-read", "PL-2.99"),
    ("snapshot-isolation", "PL-SI"),
    ("strict-serializable", "PL-SS"),
    ("strong-serializable", "PL-SS"),
    ("update-serializable", "PL-3U"),
    ("strong-session-read-uncommitted", "strong-session-PL-1"),
    ("strong-session-read-committed", "strong-session-PL-2"),
    ("strong-read-uncommitted", "strong-PL-1"),
    ("strong-read-committed", "strong-PL-2"),
];

/// The 54 accepted model names (Elle's, aliases included), sorted by byte order.
const MODEL_NAMES: &[&str] = &[
    "1SR",
    "PL-1",
    "PL-2",
    "PL-2+",
    "PL-2.99",
    "PL-2L",
    "PL-3",
    "PL-3U",
    "PL-CS",
    "PL-FCV",
    "PL-MSR",
    "PL-SI",
    "PL-SS",
    "PRAM",
    "causal",
    "causal-cerone",
    "conflict-serializable",
    "consistent-view",
    "cursor-stability",
    "forward-consistent-view",
    "linearizable",
    "monotonic-atomic-view",
    "monotonic-reads",
    "monotonic-snapshot-read",
    "monotonic-view",
    "monotonic-writes",
    "parallel-snapshot-isolation",
    "prefix",
    "read-atomic",
    "read-committed",
    "read-uncommitted",
    "read-your-writes",
    "repeatable-read",
    "sequential",
    "serializable",
    "session-serializable",
    "snapshot-isolation",
    "strict-serializable",
    "strong-PL-1",
    "strong-PL-2",
    "strong-read-committed",
    "strong-read-uncommitted",
    "strong-serializable",
    "strong-session-PL-1",
    "strong-session-PL-2",
    "strong-session-read-committed",
    "strong-session-read-uncommitted",
    "strong-session-serializable",
    "strong-session-snapshot-isolation",
    "strong-snapshot-isolation",
    "update-atomic",
    "update-serializable",
    "view-serializable",
    "writes-follow-reads",
];

/// The model DAG (Elle's `models`: an edge `a → b` means "a holds implies b
/// holds"), in any spelling; canonicalised on use.
const MODEL_DAG: &[(&str, &[&str])] = &[
    ("causal-cerone", &["read-atomic"]),
    ("consistent-view", &["cursor-stability", "monotonic-view"]),
    ("cursor-stability", &["read-committed"]),
    ("forward-consistent-view", &["consistent-view"]),
    ("read-committed", &["read-uncommitted"]),
    ("serializable", &["repeatable-read", "update-serializable", "snapshot-isolation", "view-serializable"]),
    ("update-serializable", &["forward-consistent-view"]),
    ("monotonic-atomic-view", &["read-committed"]),
    ("monotonic-view", &["read-committed"]),
    ("monotonic-snapshot-read", &["read-committed"]),
    ("parallel-snapshot-isolation", &["causal-cerone", "update-atomic"]),
    ("prefix", &["causal-cerone"]),
    ("read-atomic", &["monotonic-atomic-view"]),
    ("repeatable-read", &["cursor-stability", "monotonic-atomic-view"]),
    ("update-atomic", &["read-atomic"]),
    ("session-serializable", &["1SR"]),
    (
        "snapshot-isolation",
        &[
            "forward-consistent-view",
            "monotonic-atomic-view",
            "monotonic-snapshot-read",
            "parallel-snapshot-isolation",
            "prefix",
        ],
    ),
    (
        "strict-serializable",
        &[
            "serializable",
            "linearizable",
            "snapshot-isolation",
            "strong-snapshot-isolation",
            "strong-session-serializable",
            "session-serializable",
        ],
    ),
    ("strong-session-PL-1", &["PL-1"]),
    ("strong-session-PL-2", &["PL-2", "strong-session-PL-1"]),
    ("strong-PL-1", &["strong-session-PL-1"]),
    ("strong-PL-2", &["strong-session-PL-2", "strong-PL-1"]),
    ("strong-session-serializable", &["serializable", "strong-session-snapshot-isolation"]),
    ("strong-session-snapshot-isolation", &["snapshot-isolation", "strong-session-PL-2"]),
    ("strong-snapshot-isolation", &["strong-session-snapshot-isolation", "strong-PL-2"]),
    ("linearizable", &["sequential"]),
    ("sequential", &["causal"]),
    ("causal", &["writes-follow-reads", "PRAM"]),
    ("PRAM", &["monotonic-reads", "monotonic-writes", "read-your-writes"]),
];

/// Directly proscribed anomalies (Elle's `direct-proscribed-anomalies`), plus histcheck's `garbage-read` and
/// `appends-out-of-order` under PL-1.
const DIRECT: &[(&str, &[&str])] = &[
    ("causal-cerone", &["internal", "G1a"]),
    ("parallel-snapshot-isolation", &["internal", "G1a"]),
    ("prefix", &["internal", "G1a"]),
    ("cursor-stability", &["G1", "G-cursor", "lost-update"]),
    ("monotonic-view", &["G1", "G-monotonic"]),
    ("monotonic-snapshot-read", &["G1", "G-MSR"]),
    ("consistent-view", &["G1", "G-single"]),
    ("forward-consistent-view", &["G1", "G-SIb"]),
    ("serializable", &["G1", "G2", "predicate-read-miss", "PL-3-cycle-exists", "internal"]),
    ("PL-2", &["G1", "PL-2-cycle-exists"]),
    ("PL-1", &["G0", "duplicate-elements", "cyclic-versions", "PL-1-cycle-exists", GARBAGE_READ, APPENDS_OUT_OF_ORDER]),
    ("snapshot-isolation", &["internal", "G1", "G-SI", "G-nonadjacent", "PL-SI-cycle-exists"]),
    ("read-atomic", &["internal", "G1a", "future-read"]),
    ("repeatable-read", &["G1", "G2-item", "PL-2.99-cycle-exists", "lost-update"]),
    ("update-atomic", &["lost-update"]),
    ("strict-serializable", &["G1", "G1c-realtime", "G2-realtime", "PL-SS-cycle-exists"]),
    ("strong-session-PL-1", &["G0-process", "strong-session-PL-1-cycle-exists"]),
    ("strong-session-PL-2", &["G1c-process", "strong-session-PL-2-cycle-exists"]),
    ("strong-PL-1", &["G0-realtime", "strong-PL-1-cycle-exists"]),
    ("strong-PL-2", &["G1c-realtime", "strong-PL-2-cycle-exists"]),
    (
        "strong-session-snapshot-isolation",
        &["internal", "G1-process", "G-nonadjacent-process", "strong-session-snapshot-isolation-cycle-exists"],
    ),
    (
        "strong-snapshot-isolation",
        &["internal", "G1-realtime", "G-nonadjacent-realtime", "strong-snapshot-isolation-cycle-exists"],
    ),
    ("strong-session-serializable", &["G1-process", "G2-process", "strong-session-serializable-cycle-exists"]),
    ("update-serializable", &["G1", "G-update"]),
];

/// The anomaly implication DAG (Elle's `implied-anomalies`: an edge `a → b`
/// means "a history with a also has b", so a model that forbids b forbids a).
const IMPLIES: &[(&str, &[&str])] = &[
    ("G0", &["G1c", "G0-process"]),
    ("G0-process", &["G1c-process", "G0-realtime"]),
    ("G0-realtime", &["G1c-realtime"]),
    ("G1a", &["G1"]),
    ("G1b", &["G1"]),
    ("G1c", &["G1", "G1c-process"]),
    ("G1c-process", &["G1c-realtime", "G1-process"]),
    ("G1c-realtime", &["G1-realtime"]),
    ("G1", &["G1-process"]),
    ("G1-process", &["G1-realtime"]),
    ("G-single-item", &["G-single", "G-single-item-process", "G-nonadjacent-item"]),
    ("G-single-item-process", &["G-single-process", "G-single-item-realtime", "G-nonadjacent-item-process"]),
    ("G-single-item-realtime", &["G-single-realtime", "G-nonadjacent-item-realtime"]),
    ("G-single", &["G-nonadjacent", "GSIb", "G-single-process"]),
    ("G-single-process", &["G-nonadjacent-process", "G-single-realtime"]),
    ("G-single-realtime", &["G-nonadjacent-realtime"]),
    ("G-nonadjacent-item", &["G-nonadjacent", "G2-item", "G-nonadjacent-item-process"]),
    ("G-nonadjacent-item-process", &["G-nonadjacent-process", "G2-item-process", "G-nonadjacent-item-realtime"]),
    ("G-nonadjacent-item-realtime", &["G2-item-realtime", "G-nonadjacent-realtime"]),
    ("G-nonadjacent", &["G2", "G-nonadjacent-process"]),
    ("G-nonadjacent-process", &["G2-process", "G-nonadjacent-realtime"]),
    ("G-nonadjacent-realtime", &["G2-realtime"]),
    ("G2", &["G2-process"]),
    ("G2-item", &["G2", "G2-item-process"]),
    ("G2-item-process", &["G2-process", "G2-item-realtime"]),
    ("G2-item-realtime", &["G2-realtime"]),
    ("G2-process", &["G2-realtime"]),
    ("GSIa", &["GSI"]),
    ("GSIb", &["GSI"]),
    ("incompatible-order", &["G1a"]),
    ("future-read", &["G1c"]),
    ("dirty-update", &["G1a"]),
    ("lost-update", &["write-skew", "G2-item"]),
    ("write-skew", &["G2"]),
];

/// The severity graph (Elle's anomaly `severity` order), used only for the depth order.
const SEVERITY: &[(&str, &[&str])] = &[
    ("G0", &["G1c"]),
    ("G0-process", &["G1c-process"]),
    ("G0-realtime", &["G1c-realtime"]),
    ("G1c", &["G-single", "G2-item"]),
    ("G1c-process", &["G-single-process", "G2-item-process"]),
    ("G1c-realtime", &["G-single-realtime", "G2-item-realtime"]),
    ("G2", &["G0-process"]),
    ("G2-process", &["G0-realtime"]),
];

/// Computed lattice data.
struct Data {
    /// Model DAG on canonical vertices: down (implied) and up (implying).
    mdown: BTreeMap<&'static str, Vec<&'static str>>,
    mup: BTreeMap<&'static str, Vec<&'static str>>,
    /// Direct proscriptions by canonical model.
    direct: BTreeMap<&'static str, Vec<&'static str>>,
    /// Anomaly implication DAG: down (implied) and up (implying).
    adown: BTreeMap<&'static str, Vec<&'static str>>,
    aup: BTreeMap<&'static str, Vec<&'static str>>,
    /// The depth order: Elle's 60, then `garbage-read` and `appends-out-of-order`.
    depth: Vec<&'static str>,
}

fn data() -> &'static Data {
    static D: OnceLock<Data> = OnceLock::new();
    D.get_or_init(build)
}

fn canon_static(name: &str) -> Option<&'static str> {
    if let Some((_, c)) = ALIASES.iter().find(|(a, _)| *a == name) {
        return Some(c);
    }
    MODEL_NAMES.iter().find(|m| **m == name).copied()
}

fn build() -> Data {
    let mut mdown: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
    let mut mup: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
    for (a, bs) in MODEL_DAG {
        let a = canon_static(a).expect("model DAG names are accepted names");
        for b in bs.iter() {
            let b = canon_static(b).expect("model DAG names are accepted names");
            mdown.entry(a).or_default().push(b);
            mup.entry(b).or_default().push(a);
        }
    }
    let mut direct: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
    for (m, as_) in DIRECT {
        let m = canon_static(m).expect("proscribing models are accepted names");
        direct.entry(m).or_default().extend(as_.iter().copied());
    }
    let mut adown: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
    let mut aup: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
    for (a, bs) in IMPLIES {
        for b in bs.iter() {
            adown.entry(a).or_default().push(b);
            aup.entry(b).or_default().push(a);
        }
    }
    // Depth order: longest-path depth over implication ∪ severity; anomalies that
    // are only directly proscribed get depth 0; ties by byte order.
    let mut names: BTreeSet<&'static str> = BTreeSet::new();
    let mut order_edges: BTreeMap<&'static str, BTreeSet<&'static str>> = BTreeMap::new();
    for (a, bs) in IMPLIES.iter().chain(SEVERITY) {
        names.insert(a);
        for b in bs.iter() {
            names.insert(b);
            order_edges.entry(a).or_default().insert(b);
        }
    }
    for (_, as_) in DIRECT {
        names.extend(as_.iter().copied().filter(|a| *a != GARBAGE_READ && *a != APPENDS_OUT_OF_ORDER));
    }
    let mut preds: BTreeMap<&'static str, usize> = names.iter().map(|n| (*n, 0)).collect();
    for bs in order_edges.values() {
        for b in bs {
            *preds.get_mut(b).unwrap() += 1;
        }
    }
    let mut depth_of: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut frontier: Vec<&'static str> = preds.iter().filter(|(_, p)| **p == 0).map(|(n, _)| *n).collect();
    for n in &frontier {
        depth_of.insert(n, 0);
    }
    while let Some(a) = frontier.pop() {
        let da = depth_of[a];
        if let Some(bs) = order_edges.get(a) {
            for b in bs {
                let d = depth_of.entry(b).or_insert(0);
                *d = (*d).max(da + 1);
                let p = preds.get_mut(b).unwrap();
                *p -= 1;
                if *p == 0 {
                    frontier.push(b);
                }
            }
        }
    }
    assert_eq!(depth_of.len(), names.len(), "the anomaly order graph is acyclic");
    let mut depth: Vec<&'static str> = names.into_iter().collect();
    depth.sort_by(|a, b| depth_of[a].cmp(&depth_of[b]).then(a.as_bytes().cmp(b.as_bytes())));
    depth.push(GARBAGE_READ);
    depth.push(APPENDS_OUT_OF_ORDER);
    Data { mdown, mup, direct, adown, aup, depth }
}

/// The canonical vertex of a model name or alias (`serializable` → `PL-3`).
pub fn canonical(name: &str) -> Option<&'static str> {
    canon_static(name)
}

/// The name to show for a canonical model (`PL-3` → `serializable`, `PL-SS` →
/// `strong-serializable`). Aliases are canonicalised first; a model with no
/// alias prints as itself; an unknown name gives `"?"`.
pub fn friendly(canonical: &str) -> &'static str {
    let Some(c) = canon_static(canonical) else { return "?" };
    match c {
        "PL-3" => "serializable",
        "PL-SS" => "strong-serializable",
        _ => ALIASES.iter().find(|(_, v)| *v == c).map(|(a, _)| *a).unwrap_or(c),
    }
}

/// Every accepted model name (54), sorted.
pub fn model_names() -> &'static [&'static str] {
    MODEL_NAMES
}

/// Every anomaly name the lattice knows (Elle's 60, plus `garbage-read` and
/// `appends-out-of-order`), in depth order.
pub fn depth_order() -> &'static [&'static str] {
    &data().depth
}

/// The interned name of a lattice anomaly (or of the two non-lattice ones).
fn intern_anomaly(name: &str) -> Option<&'static str> {
    data().depth.iter().copied().chain([EMPTY_TRANSACTION_GRAPH, CYCLE_SEARCH_TIMEOUT]).find(|a| *a == name)
}

fn closure(
    start: impl IntoIterator<Item = &'static str>,
    edges: &BTreeMap<&'static str, Vec<&'static str>>,
) -> BTreeSet<&'static str> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&'static str> = start.into_iter().collect();
    while let Some(x) = stack.pop() {
        if seen.insert(x) {
            if let Some(ys) = edges.get(x) {
                stack.extend(ys.iter().copied().filter(|y| !seen.contains(y)));
            }
        }
    }
    seen
}

/// Canonical models implied by `models` (downward closure, the start included).
/// Unknown names are ignored.
pub fn all_implied_models(models: &[&str]) -> BTreeSet<&'static str> {
    closure(models.iter().filter_map(|m| canon_static(m)), &data().mdown)
}

/// Canonical models that imply one of `models` (upward closure, the start included).
/// Unknown names are ignored.
pub fn all_impossible_models(models: &[&str]) -> BTreeSet<&'static str> {
    closure(models.iter().filter_map(|m| canon_static(m)), &data().mup)
}

/// Anomalies that imply one of `anomalies` (upward closure, start included).
/// Names the lattice does not know are ignored (except `empty-transaction-graph`
/// and `cycle-search-timeout`, which stay as themselves).
pub fn all_anomalies_implying(anomalies: &[&str]) -> BTreeSet<&'static str> {
    closure(anomalies.iter().filter_map(|a| intern_anomaly(a)), &data().aup)
}

/// Anomalies implied by `anomalies` (downward closure, start included).
pub fn all_implied_anomalies(anomalies: &[&str]) -> BTreeSet<&'static str> {
    closure(anomalies.iter().filter_map(|a| intern_anomaly(a)), &data().adown)
}

/// Every anomaly the models prohibit.
pub fn anomalies_prohibited_by(models: &[&str]) -> BTreeSet<&'static str> {
    let d = data();
    let direct: Vec<&'static str> =
        all_implied_models(models).into_iter().flat_map(|m| d.direct.get(m).into_iter().flatten().copied()).collect();
    all_anomalies_implying(&direct)
}

/// Canonical models ruled out by the presence of `anomalies`.
pub fn anomalies_to_impossible_models(anomalies: &[&str]) -> BTreeSet<&'static str> {
    let implied = all_implied_anomalies(anomalies);
    let ms: Vec<&'static str> =
        data().direct.iter().filter(|(_, as_)| as_.iter().any(|a| implied.contains(a))).map(|(m, _)| *m).collect();
    all_impossible_models(&ms)
}

/// The models of `ms` that imply no other model of `ms` (canonical names).
pub fn weakest(ms: &[&str]) -> BTreeSet<&'static str> {
    extremes(ms, &data().mdown)
}

/// The models of `ms` implied by no other model of `ms` (canonical names).
pub fn strongest(ms: &[&str]) -> BTreeSet<&'static str> {
    extremes(ms, &data().mup)
}

fn extremes(ms: &[&str], edges: &BTreeMap<&'static str, Vec<&'static str>>) -> BTreeSet<&'static str> {
    let set: BTreeSet<&'static str> = ms.iter().filter_map(|m| canon_static(m)).collect();
    set.iter()
        .copied()
        .filter(|m| {
            let reach = closure(edges.get(m).into_iter().flatten().copied(), edges);
            !set.iter().any(|o| o != m && reach.contains(o))
        })
        .collect()
}

/// The models ruled out by `anomalies`: the weakest (`not`) and the rest
/// (`also_not`), friendly names, sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Boundary {
    pub not: Vec<&'static str>,
    pub also_not: Vec<&'static str>,
}

/// `not` = the weakest models the anomalies rule out, `also_not` = the other
/// ruled-out models (as Elle's `friendly-boundary`). `empty-transaction-graph` and
/// `cycle-search-timeout` rule out nothing.
pub fn boundary(anomalies: &[&str]) -> Boundary {
    let impossible = anomalies_to_impossible_models(anomalies);
    let imp: Vec<&str> = impossible.iter().copied().collect();
    let not = weakest(&imp);
    let mut b = Boundary {
        not: not.iter().map(|m| friendly(m)).collect(),
        also_not: impossible.iter().filter(|m| !not.contains(*m)).map(|m| friendly(m)).collect(),
    };
    b.not.sort_unstable();
    b.also_not.sort_unstable();
    b
}

// ------------------------------------------------ what this checker can rule out

/// The workloads this checker has.
pub const WORKLOADS: [&str; 2] = ["list-append", "rw-register"];

/// Anomalies the checker reports itself in both workloads: the 15 item-level
/// cycle types, the 13 `<MODEL>-cycle-exists`, and the non-cycle ones.
const FOUND_BOTH: &[&str] = &[
    "G0",
    "G0-process",
    "G0-realtime",
    "G1c",
    "G1c-process",
    "G1c-realtime",
    "G-single-item",
    "G-single-item-process",
    "G-single-item-realtime",
    "G-nonadjacent-item",
    "G-nonadjacent-item-process",
    "G-nonadjacent-item-realtime",
    "G2-item",
    "G2-item-process",
    "G2-item-realtime",
    "PL-1-cycle-exists",
    "PL-2-cycle-exists",
    "PL-SI-cycle-exists",
    "PL-2.99-cycle-exists",
    "PL-3-cycle-exists",
    "strong-session-PL-1-cycle-exists",
    "strong-session-PL-2-cycle-exists",
    "strong-session-snapshot-isolation-cycle-exists",
    "strong-session-serializable-cycle-exists",
    "strong-PL-1-cycle-exists",
    "strong-PL-2-cycle-exists",
    "strong-snapshot-isolation-cycle-exists",
    "PL-SS-cycle-exists",
    "G1a",
    "G1b",
    "internal",
    "lost-update",
    GARBAGE_READ,
];
/// Anomalies only the list-append analysis reports.
const FOUND_LIST_APPEND: &[&str] =
    &["future-read", "incompatible-order", "duplicate-elements", "dirty-update", APPENDS_OUT_OF_ORDER];
/// Anomalies only the rw-register analysis reports.
const FOUND_RW_REGISTER: &[&str] = &["cyclic-versions"];

/// Whether the checker reports anomaly `name` itself in `workload`
/// (`"list-append"` or `"rw-register"`).
pub fn found_in(name: &str, workload: &str) -> bool {
    FOUND_BOTH.contains(&name)
        || match workload {
            "list-append" => FOUND_LIST_APPEND.contains(&name),
            "rw-register" => FOUND_RW_REGISTER.contains(&name),
            _ => false,
        }
}

/// Whether the checker can find anomaly `name` in `workload`: it reports
/// `name` or some anomaly that implies it (`G2` through `G2-item`).
pub fn detectable_in(name: &str, workload: &str) -> bool {
    all_anomalies_implying(&[name]).iter().any(|a| found_in(a, workload))
}

/// Whether the checker can rule model `name` out (in either workload): some
/// anomaly the model prohibits is one the checker reports. False for unknown
/// names and for the 11 models that prohibit nothing Elle's lattice names
/// (`linearizable`, `sequential`, `causal`, `PRAM`, `monotonic-reads`,
/// `monotonic-writes`, `read-your-writes`, `writes-follow-reads`, `1SR`,
/// `session-serializable`, `view-serializable`).
pub fn can_rule_out(name: &str) -> bool {
    canon_static(name).is_some()
        && anomalies_prohibited_by(&[name]).iter().any(|a| WORKLOADS.iter().any(|w| found_in(a, w)))
}

/// For a model this checker cannot rule out, what it would take (`None` for
/// the others and for unknown names).
pub fn unchecked_note(name: &str) -> Option<&'static str> {
    if canon_static(name).is_none() || can_rule_out(name) {
        return None;
    }
    Some(match canon_static(name)? {
        "linearizable" => "a single-object real-time model: it needs a linearizability checker (Knossos, Porcupine); histcheck elle cannot rule it out (strict-serializable implies it)",
        "sequential" => "a single-object model: it needs a sequential-consistency checker (Knossos, Porcupine); histcheck elle cannot rule it out (strict-serializable implies linearizable, which implies it)",
        "causal" | "PRAM" | "monotonic-reads" | "monotonic-writes" | "read-your-writes" | "writes-follow-reads" => {
            "a single-object session guarantee: no anomaly of Elle's lattice characterises it, so histcheck elle cannot rule it out"
        }
        "view-serializable" => "no anomaly of Elle's lattice characterises it (deciding it is NP-complete), so histcheck elle cannot rule it out; serializable implies it",
        "1SR" | "session-serializable" => "no anomaly of Elle's lattice characterises it, so histcheck elle cannot rule it out; strict-serializable implies it",
        _ => "no anomaly this checker finds is prohibited by it, so histcheck elle cannot rule it out",
    })
}

/// One accepted model name, for listings (`histcheck elle --list-models`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ModelInfo {
    /// The name as accepted by `-c`.
    pub name: &'static str,
    /// Its vertex in the lattice (`serializable` → `PL-3`).
    pub canonical: &'static str,
    /// The name reports print for it (`PL-3` → `serializable`).
    pub friendly: &'static str,
    /// The other accepted names of the same vertex, sorted.
    pub aliases: Vec<&'static str>,
    /// Whether this checker can rule it out (see [`can_rule_out`]).
    pub can_rule_out: bool,
    /// For a model it cannot rule out: what it would take.
    pub note: Option<&'static str>,
}

/// One anomaly name, for listings.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AnomalyInfo {
    pub name: &'static str,
    /// The workloads in which the checker reports it itself.
    pub found_in: Vec<&'static str>,
    /// The workloads in which it can be found, itself or through an anomaly
    /// that implies it (`G2` through `G2-item`).
    pub detectable_in: Vec<&'static str>,
    /// The weakest models its presence rules out (empty for the two below).
    pub rules_out: Vec<&'static str>,
    /// histcheck's own (`garbage-read`, `appends-out-of-order`), not Elle's.
    pub histcheck_only: bool,
    /// Not a lattice anomaly (`empty-transaction-graph`, `cycle-search-timeout`):
    /// it makes a verdict unknown, not invalid.
    pub inconclusive: bool,
}

/// Every model and anomaly name, for listings.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Catalog {
    /// The 54 accepted model names, sorted by byte order.
    pub models: Vec<ModelInfo>,
    /// The 62 lattice anomalies in depth order, then `empty-transaction-graph`
    /// and `cycle-search-timeout`.
    pub anomalies: Vec<AnomalyInfo>,
}

/// Every accepted model name and every anomaly name, with aliases and what
/// this checker can do about each.
pub fn catalog() -> Catalog {
    let models = MODEL_NAMES
        .iter()
        .map(|&name| {
            let canonical = canon_static(name).expect("accepted names canonicalise");
            let mut aliases: Vec<&'static str> =
                MODEL_NAMES.iter().copied().filter(|&m| m != name && canon_static(m) == Some(canonical)).collect();
            aliases.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            ModelInfo {
                name,
                canonical,
                friendly: friendly(canonical),
                aliases,
                can_rule_out: can_rule_out(name),
                note: unchecked_note(name),
            }
        })
        .collect();
    let anomalies = data()
        .depth
        .iter()
        .copied()
        .chain([EMPTY_TRANSACTION_GRAPH, CYCLE_SEARCH_TIMEOUT])
        .map(|name| {
            let inconclusive = name == EMPTY_TRANSACTION_GRAPH || name == CYCLE_SEARCH_TIMEOUT;
            AnomalyInfo {
                name,
                found_in: WORKLOADS.iter().copied().filter(|w| inconclusive || found_in(name, w)).collect(),
                detectable_in: WORKLOADS.iter().copied().filter(|w| inconclusive || detectable_in(name, w)).collect(),
                rules_out: boundary(&[name]).not,
                histcheck_only: name == GARBAGE_READ || name == APPENDS_OUT_OF_ORDER,
                inconclusive,
            }
        })
        .collect();
    Catalog { models, anomalies }
}

/// What the user asked to check: the prohibited anomalies and the reportable ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reportable {
    pub prohibited: BTreeSet<&'static str>,
    pub reportable: BTreeSet<&'static str>,
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(!a[i - 1].eq_ignore_ascii_case(&b[j - 1]));
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Up to 3 known names close to `name`: by edit distance (at most a third of
/// the name's length, at least 2), or having it as a prefix.
fn suggest(name: &str, known: impl Iterator<Item = &'static str>) -> Vec<&'static str> {
    let limit = (name.chars().count() / 3).max(2);
    let lower = name.to_ascii_lowercase();
    let mut c: Vec<(usize, &'static str)> = known
        .filter_map(|k| {
            let d = edit_distance(name, k);
            if d <= limit {
                Some((d, k))
            } else if !lower.is_empty() && k.to_ascii_lowercase().starts_with(&lower) {
                Some((limit + 1, k))
            } else {
                None
            }
        })
        .collect();
    c.sort();
    c.dedup_by_key(|x| x.1);
    c.into_iter().take(3).map(|(_, k)| k).collect()
}

/// From `-c` models and `--anomalies` names (either may be empty; an empty
/// model list means no models, the caller applies the default).
///
/// `prohibited = all_anomalies_implying(anomalies) ∪ anomalies_prohibited_by(models) ∪ {garbage-read}`;
/// `reportable = prohibited ∪ {empty-transaction-graph, cycle-search-timeout}`
/// (those two say the check could not be completed, so they are always shown).
pub fn reportable(models: &[&str], anomalies: &[&str]) -> Result<Reportable, UnknownName> {
    for m in models {
        if canon_static(m).is_none() {
            return Err(UnknownName {
                name: m.to_string(),
                what: "consistency model",
                suggestions: suggest(m, MODEL_NAMES.iter().copied()),
            });
        }
    }
    for a in anomalies {
        if intern_anomaly(a).is_none() {
            let known = data().depth.iter().copied().chain([EMPTY_TRANSACTION_GRAPH, CYCLE_SEARCH_TIMEOUT]);
            return Err(UnknownName { name: a.to_string(), what: "anomaly", suggestions: suggest(a, known) });
        }
    }
    let mut prohibited = all_anomalies_implying(anomalies);
    prohibited.extend(anomalies_prohibited_by(models));
    prohibited.insert(GARBAGE_READ);
    let mut reportable = prohibited.clone();
    reportable.insert(EMPTY_TRANSACTION_GRAPH);
    reportable.insert(CYCLE_SEARCH_TIMEOUT);
    Ok(Reportable { prohibited, reportable })
}

/// `valid`: true, false, or unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    True,
    False,
    Unknown,
}

/// The verdict derived from the anomaly types found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub valid: Validity,
    /// The reported types, sorted by byte order (empty when valid).
    pub anomaly_types: Vec<&'static str>,
    pub boundary: Boundary,
}

/// The canonical model of a `<MODEL>-cycle-exists` name.
fn cycle_exists_model(name: &str) -> Option<&'static str> {
    name.strip_suffix("-cycle-exists").and_then(canon_static)
}

/// Elle's result derivation (`elle.txn/result-map`) from every anomaly type found (reportable or not):
///
/// 1. `bad = found ∩ prohibited`;
/// 2. `rep = found ∩ reportable`, minus every `<M>-cycle-exists` whose model M
///    the other reported types already rule out;
/// 3. `rep` empty → valid, no types, empty boundary;
/// 4. otherwise valid is false if `bad` is non-empty, else unknown; the types
///    are `rep` in byte order; the boundary comes from **all** found types.
pub fn verdict(found: &BTreeSet<&'static str>, rep: &Reportable) -> Verdict {
    let bad = found.iter().any(|a| rep.prohibited.contains(a));
    let mut r: Vec<&'static str> = found.iter().copied().filter(|a| rep.reportable.contains(a)).collect();
    let others: Vec<&str> = r.iter().copied().filter(|a| cycle_exists_model(a).is_none()).collect();
    let ruled_out = anomalies_to_impossible_models(&others);
    r.retain(|a| match cycle_exists_model(a) {
        Some(m) => !ruled_out.contains(m),
        None => true,
    });
    if r.is_empty() {
        return Verdict { valid: Validity::True, anomaly_types: Vec::new(), boundary: Boundary::default() };
    }
    r.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let all: Vec<&str> =
        found.iter().copied().filter(|a| *a != EMPTY_TRANSACTION_GRAPH && *a != CYCLE_SEARCH_TIMEOUT).collect();
    Verdict { valid: if bad { Validity::False } else { Validity::Unknown }, anomaly_types: r, boundary: boundary(&all) }
}

#[cfg(test)]
mod tests;
