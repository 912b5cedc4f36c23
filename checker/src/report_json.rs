//! The `--json` result of a check as typed documents: [`Document`] is what
//! `histcheck elle --json` prints (and `result.json`, and the `result` of a
//! stored run's Analysis), with its keys in the documented order.
//!
//! Every type here derives `Serialize`, so the key order is the order of the
//! fields, never alphabetical (a `serde_json::Value` map sorts its keys). Keys
//! and values of the history are rendered by the caller's `atom` function
//! (histcheck's JSON convention lives in `parsers`, which this crate does not
//! depend on), so they are `serde_json::Value`s here.

use crate::anomaly::{Anomaly, Expected, Observed, Step, Version};
use crate::check::{Options, Report};
use crate::lattice::Validity;
use crate::{Rels, Txn};
use history::{History, Id, Mop, MopKind};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// How the caller renders a key or value of the history as JSON.
pub type Atom<'a> = dyn Fn(&History, Id) -> Json + 'a;

/// The verdict as JSON: `true`, `false` or `"unknown"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Valid(pub Validity);

impl Serialize for Valid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Validity::True => s.serialize_bool(true),
            Validity::False => s.serialize_bool(false),
            Validity::Unknown => s.serialize_str("unknown"),
        }
    }
}

/// A JSON object whose keys keep the order they were pushed in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ordered<V>(pub Vec<(&'static str, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// One file's entry of the `{"files": [...]}` document of `elle --json` with
/// several files: its document, or why it could not be checked.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum FileResult {
    /// The file's [`Document`].
    Checked(Box<Document>),
    /// The file could not be checked: `file`, then `error` (the message).
    Failed {
        /// The file as named on the command line.
        file: String,
        /// What went wrong, as printed.
        error: String,
    },
}

/// `elle --json` with several files: `{"files": [...]}`, in the order given.
#[derive(Clone, Debug, Serialize)]
pub struct FilesDocument {
    /// One entry per file.
    pub files: Vec<FileResult>,
}

/// The whole result of `histcheck elle --json`.
#[derive(Clone, Debug, Serialize)]
pub struct Document {
    /// The history file (or the store, for a stored run).
    pub file: String,
    /// A stored run's test and run (`elle --db`, `runs check`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<i64>,
    /// `list-append` or `rw-register`.
    pub model: &'static str,
    pub consistency_models: Vec<String>,
    pub anomalies_requested: Vec<String>,
    pub valid: Valid,
    pub anomaly_types: Vec<&'static str>,
    pub not: Vec<&'static str>,
    pub also_not: Vec<&'static str>,
    /// Requested models (and anomalies) this checker cannot rule out (find)
    /// here: `{name, what, note}`. When there are any and nothing invalid was
    /// found, `valid` is `"unknown"`.
    pub unchecked: Vec<crate::check::Unchecked>,
    /// Every reported anomaly, by type (types in byte order, as `anomaly_types`).
    pub anomalies: BTreeMap<&'static str, Vec<AnomalyDoc>>,
    pub stats: StatsDoc,
}

/// `stats` of [`Document`].
#[derive(Clone, Debug, Serialize)]
pub struct StatsDoc {
    pub ops: usize,
    pub transactions: usize,
    /// Edges by relation, in the order ww, wr, rw, then the others; relations
    /// without edges are left out.
    pub edges: Ordered<usize>,
    /// `realtime`, `process` or null.
    pub additional_graph: Option<&'static str>,
    pub sccs: usize,
    pub largest_scc: usize,
    pub search_work: u64,
    /// rw-register only: the version-order sources merged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_sources: Option<Vec<&'static str>>,
    /// `--timings` only (it varies from run to run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_ms: Option<TimeMs>,
}

/// Milliseconds per stage.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct TimeMs {
    pub read: u64,
    pub infer: u64,
    pub graph: u64,
    pub search: u64,
}

/// One anomaly: `type` first, then the fields of its kind.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum AnomalyDoc {
    Cycle {
        #[serde(rename = "type")]
        ty: &'static str,
        /// Each transaction once, from the smallest index; `steps[i]` goes from `cycle[i]` to the next.
        cycle: Vec<u64>,
        steps: Vec<StepDoc>,
    },
    /// G1a, G1b, future-read, garbage-read: a read of `element`.
    Read {
        #[serde(rename = "type")]
        ty: &'static str,
        op: u64,
        /// The micro-op's index in the op's `:value` (as a step's `a_mop`): not a
        /// copy, since a read of n elements can give n anomalies (issue 13 item 10).
        mop: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        writer: Option<u64>,
        element: Json,
    },
    Internal {
        #[serde(rename = "type")]
        ty: &'static str,
        op: u64,
        mop: u32,
        expected: ExpectedDoc,
    },
    DuplicateElements {
        #[serde(rename = "type")]
        ty: &'static str,
        op: u64,
        mop: u32,
        /// `[element, times]` pairs.
        duplicates: Vec<(Json, u32)>,
    },
    IncompatibleOrder {
        #[serde(rename = "type")]
        ty: &'static str,
        key: Json,
        values: [Vec<Json>; 2],
    },
    DirtyUpdate {
        #[serde(rename = "type")]
        ty: &'static str,
        key: Json,
        values: Vec<Json>,
        txns: Vec<u64>,
    },
    LostUpdate {
        #[serde(rename = "type")]
        ty: &'static str,
        key: Json,
        value: Json,
        txns: Vec<u64>,
    },
    CyclicVersions {
        #[serde(rename = "type")]
        ty: &'static str,
        key: Json,
        scc: Vec<Json>,
        sources: Vec<&'static str>,
    },
    CycleExists {
        #[serde(rename = "type")]
        ty: &'static str,
        not: &'static str,
        subgraph: &'static str,
        scc_size: usize,
        scc: Vec<u64>,
    },
    CycleSearchTimeout {
        #[serde(rename = "type")]
        ty: &'static str,
        spec: &'static str,
        does_not_contain: Vec<&'static str>,
        scc_size: usize,
        budget: u64,
    },
    /// `empty-transaction-graph`: only its type.
    Bare {
        #[serde(rename = "type")]
        ty: &'static str,
    },
}

/// What an `internal` read should have seen.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum ExpectedDoc {
    /// list-append: the elements the read must end with, after a prefix of
    /// `unknown_prefix` elements not known.
    List { unknown_prefix: bool, elements: Vec<Json> },
    /// rw-register: the value (null for nil).
    Register { value: Option<Json> },
}

/// One step of a cycle.
#[derive(Clone, Debug, Serialize)]
pub struct StepDoc {
    /// The relation: `ww`, `wr`, `rw`, `process`, `realtime`, …
    #[serde(rename = "type")]
    pub ty: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value2: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<i64>,
    pub from: u64,
    pub to: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a_mop: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b_mop: Option<u32>,
    /// rw-register ww/rw steps: the version-order sources of the edge.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<&'static str>,
}

/// The document of a check. `read_ms` is `Some` with `--timings` (then
/// `stats.time_ms` is filled in).
pub fn document(
    file: &str,
    model: &'static str,
    h: &History,
    opts: &Options,
    r: &Report<'_>,
    read_ms: Option<u64>,
    atom: &Atom<'_>,
) -> Document {
    let anomalies =
        r.anomalies.iter().map(|(ty, list)| (*ty, list.iter().map(|a| anomaly(h, a, atom)).collect())).collect();
    let s = &r.stats;
    let edges = Ordered(
        Rels::SINGLES
            .iter()
            .zip(s.edges.iter())
            .filter(|(_, &n)| n > 0)
            .map(|(rel, &n)| (rel.single_name(), n))
            .collect(),
    );
    let stats = StatsDoc {
        ops: s.ops,
        transactions: s.transactions,
        edges,
        additional_graph: s.additional_graph,
        sccs: s.search.sccs,
        largest_scc: s.search.largest_scc,
        search_work: s.search.work,
        version_sources: (model == "rw-register").then(|| s.version_sources.clone()),
        time_ms: read_ms.map(|read| TimeMs { read, infer: s.infer_ms, graph: s.graph_ms, search: s.search_ms }),
    };
    Document {
        file: file.to_string(),
        test_id: None,
        run_id: None,
        model,
        consistency_models: opts.models.clone(),
        anomalies_requested: opts.anomalies.clone(),
        valid: Valid(r.valid),
        anomaly_types: r.anomaly_types.clone(),
        not: r.boundary.not.clone(),
        also_not: r.boundary.also_not.clone(),
        unchecked: r.unchecked.clone(),
        anomalies,
        stats,
    }
}

/// The `:index` of a transaction's completion.
fn index(h: &History, t: Txn) -> u64 {
    h.ops[t as usize].index
}

fn indices(h: &History, ts: &[Txn]) -> Vec<u64> {
    ts.iter().map(|&t| index(h, t)).collect()
}

fn list(h: &History, ids: &[Id], atom: &Atom<'_>) -> Vec<Json> {
    ids.iter().map(|&id| atom(h, id)).collect()
}

/// A list-append version: the initial state is `{"init": true}`.
fn version(h: &History, v: Option<Version>, atom: &Atom<'_>) -> Json {
    match v {
        None => Json::Null,
        Some(Version::Init) => {
            let mut m = serde_json::Map::new();
            m.insert("init".into(), Json::Bool(true));
            Json::Object(m)
        }
        Some(Version::Value(id)) => atom(h, id),
    }
}

fn txn_mop(h: &History, t: Txn, mop: u32) -> Option<&Mop> {
    h.mops(&h.ops[t as usize]).get(mop as usize)
}

/// Whether a step's versions are a register's (its write side writes), whose
/// initial state is nil, rendered as null.
pub(crate) fn is_register_step(h: &History, s: &Step) -> bool {
    let (t, m) = match s.rel {
        Rels::WW | Rels::WR => (s.from, s.a_mop),
        Rels::RW => (s.to, s.b_mop),
        _ => return false,
    };
    m.and_then(|m| txn_mop(h, t, m)).is_some_and(|m| m.kind == MopKind::Write)
}

/// A step of a cycle.
pub fn step(h: &History, s: &Step, atom: &Atom<'_>) -> StepDoc {
    let register = is_register_step(h, s);
    let v = |v: Option<Version>| match v {
        None => None,
        Some(Version::Init) if register => Some(Json::Null),
        v => Some(version(h, v, atom)),
    };
    StepDoc {
        ty: s.rel.single_name(),
        key: s.key.map(|k| atom(h, k)),
        value: v(s.value),
        value2: v(s.value2),
        process: s.process,
        from: index(h, s.from),
        to: index(h, s.to),
        a_mop: s.a_mop,
        b_mop: s.b_mop,
        sources: s.sources.clone(),
    }
}

/// An anomaly of the report.
pub fn anomaly(h: &History, a: &Anomaly, atom: &Atom<'_>) -> AnomalyDoc {
    let ty = a.name();
    match a {
        Anomaly::Cycle { cycle, .. } => AnomalyDoc::Cycle {
            ty,
            cycle: indices(h, &cycle.txns()),
            steps: cycle.steps.iter().map(|s| step(h, s, atom)).collect(),
        },
        Anomaly::Read { op, mop: m, writer, element, .. } => AnomalyDoc::Read {
            ty,
            op: index(h, *op),
            mop: *m,
            writer: writer.filter(|w| w != op).map(|w| index(h, w)),
            element: atom(h, *element),
        },
        Anomaly::Internal { op, mop: m, expected } => AnomalyDoc::Internal {
            ty,
            op: index(h, *op),
            mop: *m,
            expected: match expected {
                Expected::List { unknown_prefix, elems } => {
                    ExpectedDoc::List { unknown_prefix: *unknown_prefix, elements: list(h, elems, atom) }
                }
                Expected::Register(v) => ExpectedDoc::Register { value: v.map(|id| atom(h, id)) },
            },
        },
        Anomaly::DuplicateElements { op, mop: m, duplicates } => AnomalyDoc::DuplicateElements {
            ty,
            op: index(h, *op),
            mop: *m,
            duplicates: duplicates.iter().map(|(e, n)| (atom(h, *e), *n)).collect(),
        },
        Anomaly::IncompatibleOrder { key, values } => AnomalyDoc::IncompatibleOrder {
            ty,
            key: atom(h, *key),
            values: [list(h, &values[0], atom), list(h, &values[1], atom)],
        },
        Anomaly::DirtyUpdate { key, values, txns } => {
            AnomalyDoc::DirtyUpdate { ty, key: atom(h, *key), values: list(h, values, atom), txns: indices(h, txns) }
        }
        Anomaly::LostUpdate { key, value, txns } => AnomalyDoc::LostUpdate {
            ty,
            key: atom(h, *key),
            value: match value {
                Observed::List(l) => Json::Array(list(h, l, atom)),
                Observed::Register(v) => v.map(|id| atom(h, id)).unwrap_or(Json::Null),
            },
            txns: indices(h, txns),
        },
        Anomaly::CyclicVersions { key, scc, sources } => AnomalyDoc::CyclicVersions {
            ty,
            key: atom(h, *key),
            scc: scc
                .iter()
                .map(|v| match v {
                    Version::Init => Json::Null,
                    v => version(h, Some(*v), atom),
                })
                .collect(),
            sources: sources.clone(),
        },
        Anomaly::CycleExists { model, subgraph, scc, .. } => {
            AnomalyDoc::CycleExists { ty, not: model, subgraph, scc_size: scc.len(), scc: indices(h, scc) }
        }
        Anomaly::CycleSearchTimeout { spec, does_not_contain, scc_size, budget } => AnomalyDoc::CycleSearchTimeout {
            ty,
            spec,
            does_not_contain: does_not_contain.clone(),
            scc_size: *scc_size,
            budget: *budget,
        },
        Anomaly::EmptyTransactionGraph => AnomalyDoc::Bare { ty },
    }
}
