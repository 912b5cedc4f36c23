//! The whole check of a transactional history: inference, the additional
//! (process or realtime) graph the models need, cycle search, and the verdict.

use crate::anomaly::{Anomaly, CheckError, Explainer, Step};
use crate::cycles::{self, SearchOptions, SearchStats};
use crate::graph::GraphBuilder;
use crate::graph::{Graph, Txn};
use crate::lattice::{self, Boundary, Reportable, UnknownName, Validity};
use crate::list_append;
use crate::order;
use crate::rel::Rels;
use crate::rw_register::{self, RwOptions};
use history::History;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// What to check for.
#[derive(Clone, Debug)]
pub struct Options {
    /// Consistency models to check (names or aliases); Elle's default is
    /// `strict-serializable`. `none` stands for no model: alone (or with an
    /// empty list) nothing but the anomalies asked for is checked; next to
    /// models it adds nothing and is ignored (`a,none` is `a`).
    pub models: Vec<String>,
    /// Anomalies to check for, besides those the models prohibit.
    pub anomalies: Vec<String>,
    pub search: SearchOptions,
    /// Count the reads of `:info` transactions as observations, as Elle's
    /// list-append does. Off by default: an info transaction may never have
    /// committed, and an anomaly may only make the verdict invalid if it holds
    /// however the info transactions turned out. Their writes count either way
    /// (as possibly committed; one that an ok transaction read committed).
    /// rw-register never counts info reads (nor does Elle's).
    pub info_reads: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            models: vec!["strict-serializable".to_string()],
            anomalies: Vec::new(),
            search: SearchOptions::default(),
            info_reads: false,
        }
    }
}

/// Counts and timings of one check.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub ops: usize,
    /// Client transactions with micro-ops: the completions of client ops (ok,
    /// info or fail), plus the invocations that never completed (Jepsen closes
    /// them as `:info` at the end of the history; they are graph vertices).
    pub transactions: usize,
    /// Pairs of transactions ordered by each single relation, in
    /// [`Rels::SINGLES`] order ([`Graph::counts_by_rel`]). Realtime counts the
    /// pairs of the transitive reduction of real-time order: A precedes B when A
    /// completed before B was invoked, and the pair counts only when no C lies
    /// between them (invoked after A completed, completed before B was
    /// invoked): the edges Elle draws. Counted so also
    /// when the graph stores them through barriers.
    pub edges: [usize; 8],
    /// Edges the graph actually stores ([`Graph::edge_count`]: edges to and
    /// from realtime barriers included). It stays linear in the history
    /// where `edges` (realtime) grows with the square of the concurrency.
    pub stored_edges: usize,
    pub search: SearchStats,
    /// Which additional graph was added: `"realtime"`, `"process"` or `None`.
    pub additional_graph: Option<&'static str>,
    /// Milliseconds spent in inference, graph building and cycle search.
    pub infer_ms: u64,
    pub graph_ms: u64,
    pub search_ms: u64,
    /// rw-register: the version-order sources merged (the others made a cycle
    /// and were left out, or were not asked for).
    pub version_sources: Vec<&'static str>,
}

/// A requested model (or anomaly) that this checker cannot rule out (find)
/// in this workload; a check that asked for one is never simply valid.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Unchecked {
    /// The name as requested.
    pub name: String,
    /// `"consistency model"` or `"anomaly"`.
    pub what: &'static str,
    /// What it would take to check it.
    pub note: String,
}

/// The result of a check.
pub struct Report<'h> {
    /// `Unknown` also when nothing invalid was found but a requested model or
    /// anomaly cannot be ruled out here (see `unchecked`).
    pub valid: Validity,
    /// The requested models and anomalies this checker cannot rule out (find),
    /// in request order. When one is there and nothing invalid was found, the
    /// verdict is `Unknown`, never a vacuous `True`.
    pub unchecked: Vec<Unchecked>,
    /// Reported types, sorted by byte order.
    pub anomaly_types: Vec<&'static str>,
    pub boundary: Boundary,
    /// The reported anomalies by type (only the types in `anomaly_types`).
    pub anomalies: BTreeMap<&'static str, Vec<Anomaly>>,
    /// Every type found, reported or not (they all count for `not`).
    pub found: BTreeSet<&'static str>,
    pub stats: Stats,
    /// The dependency graph and its explainer, for plots and explanations.
    pub graph: Graph,
    pub explainer: Box<dyn Explainer + 'h>,
}

/// Why a check could not be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// A model or anomaly name the lattice does not know.
    Unknown(UnknownName),
    /// A history the checker cannot analyse.
    History(CheckError),
}

/// Explains data edges with the analyzer's explainer, process and realtime
/// edges from the history.
struct Combined<'h> {
    h: &'h History,
    data: Box<dyn Explainer + 'h>,
}

impl Explainer for Combined<'_> {
    fn explain(&self, a: Txn, b: Txn, rel: Rels) -> Option<Step> {
        match rel {
            Rels::PROCESS => order::explain_process(self.h, a, b),
            Rels::REALTIME => order::explain_realtime(self.h, a, b),
            _ => self.data.explain(a, b, rel),
        }
    }
}

/// Which additional graph the reportable anomalies need (one graph is added,
/// as Elle does, the strongest that a reportable cycle type names):
/// realtime if any `-realtime` cycle type is reportable, else process if any
/// `-process` type is.
pub fn additional_graph(rep: &Reportable) -> Option<&'static str> {
    if rep.reportable.iter().any(|a| a.ends_with("-realtime")) {
        Some("realtime")
    } else if rep.reportable.iter().any(|a| a.ends_with("-process")) {
        Some("process")
    } else {
        None
    }
}

/// The workload of a history, with its inference options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Model {
    ListAppend,
    RwRegister(RwOptions),
}

impl Model {
    /// The name used on the command line and in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Model::ListAppend => "list-append",
            Model::RwRegister(_) => "rw-register",
        }
    }
}

/// Checks a list-append history.
pub fn check_list_append<'h>(h: &'h History, opts: &Options) -> Result<Report<'h>, Error> {
    check(h, &Model::ListAppend, opts)
}

/// Checks an rw-register history, with the version-order sources `rw` turns on.
pub fn check_rw_register<'h>(h: &'h History, opts: &Options, rw: &RwOptions) -> Result<Report<'h>, Error> {
    check(h, &Model::RwRegister(rw.clone()), opts)
}

/// Checks a history of either workload.
pub fn check<'h>(h: &'h History, model: &Model, opts: &Options) -> Result<Report<'h>, Error> {
    let models: Vec<&str> = opts.models.iter().map(String::as_str).filter(|m| *m != "none").collect();
    let anomalies: Vec<&str> = opts.anomalies.iter().map(String::as_str).collect();
    let rep = lattice::reportable(&models, &anomalies).map_err(Error::Unknown)?;
    let mut unchecked: Vec<Unchecked> = Vec::new();
    for m in &models {
        if let Some(note) = lattice::unchecked_note(m) {
            if !unchecked.iter().any(|u| u.name == *m) {
                unchecked.push(Unchecked { name: m.to_string(), what: "consistency model", note: note.to_string() });
            }
        }
    }
    for a in &anomalies {
        if !lattice::detectable_in(a, model.name()) && !unchecked.iter().any(|u| u.name == *a) {
            let how = if lattice::WORKLOADS.iter().any(|w| lattice::detectable_in(a, w)) {
                format!("histcheck elle finds it only in other workloads than {}", model.name())
            } else {
                "histcheck elle does not find it (nor any anomaly that implies it)".to_string()
            };
            unchecked.push(Unchecked { name: a.to_string(), what: "anomaly", note: how });
        }
    }
    model.validate(h).map_err(|e| {
        let op = e.op();
        Error::History(CheckError { message: format!("the op at {}: {e}", h.ops[op].pos), ops: vec![op as u32] })
    })?;

    let t0 = Instant::now();
    let mut version_sources = Vec::new();
    let (edges, found_anomalies, data): (GraphBuilder, Vec<Anomaly>, Box<dyn Explainer + 'h>) = match model {
        Model::ListAppend => {
            let a = list_append::analyze_with(h, opts.info_reads).map_err(Error::History)?;
            (a.edges, a.anomalies, Box::new(a.explainer))
        }
        Model::RwRegister(rw) => {
            let a = rw_register::analyze(h, rw).map_err(Error::History)?;
            version_sources = a.sources;
            (a.edges, a.anomalies, Box::new(a.explainer))
        }
    };
    let infer_ms = t0.elapsed().as_millis() as u64;

    let t1 = Instant::now();
    let mut edges = edges;
    let extra = additional_graph(&rep);
    match extra {
        Some("realtime") => order::add_realtime_edges(h, &mut edges),
        Some(_) => order::add_process_edges(h, &mut edges),
        None => {}
    }
    let graph = edges.build();
    let graph_ms = t1.elapsed().as_millis() as u64;

    let explainer: Box<dyn Explainer + 'h> = Box::new(Combined { h, data });
    let mut all = found_anomalies;
    if graph.edge_count() == 0 {
        all.push(Anomaly::EmptyTransactionGraph);
    }
    let t2 = Instant::now();
    let (cycles, search) = cycles::search(h, &graph, explainer.as_ref(), &opts.search);
    let search_ms = t2.elapsed().as_millis() as u64;
    all.extend(cycles);

    let found: BTreeSet<&'static str> = all.iter().map(Anomaly::name).collect();
    let mut verdict = lattice::verdict(&found, &rep);
    if verdict.valid == Validity::True && !unchecked.is_empty() {
        verdict.valid = Validity::Unknown;
    }
    let keep: BTreeSet<&'static str> = verdict.anomaly_types.iter().copied().collect();
    let mut by_type: BTreeMap<&'static str, Vec<Anomaly>> = BTreeMap::new();
    for a in all {
        if keep.contains(a.name()) {
            by_type.entry(a.name()).or_default().push(a);
        }
    }
    let stats = Stats {
        ops: h.ops.len(),
        transactions: h
            .ops
            .iter()
            .enumerate()
            .filter(|&(i, o)| {
                o.process.client().is_some()
                    && !h.mops(o).is_empty()
                    && (o.kind.is_completion() || h.partner_of(i).is_none())
            })
            .count(),
        edges: graph.counts_by_rel(),
        stored_edges: graph.edge_count(),
        search,
        additional_graph: extra,
        infer_ms,
        graph_ms,
        search_ms,
        version_sources,
    };
    Ok(Report {
        valid: verdict.valid,
        unchecked,
        anomaly_types: verdict.anomaly_types,
        boundary: verdict.boundary,
        anomalies: by_type,
        found,
        stats,
        graph,
        explainer,
    })
}
