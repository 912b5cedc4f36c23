//! histcheck's transactional checker: dependency-graph inference, cycle search,
//! anomaly classification and the consistency-model lattice, in the manner of
//! Jepsen's Elle.
//!
//! - [`list_append`] infers ww/wr/rw edges and non-cycle anomalies;
//! - [`rw_register`] does the same for registers, from inferred version graphs;
//! - [`order`] adds process and realtime edges;
//! - [`cycles`] finds and classifies cycles;
//! - [`lattice`] says which models the anomalies rule out;
//! - [`check`] runs the whole pipeline;
//! - [`detect`] tells the workload of a history ([`Model::detect`]).
//! - [`report_json`] gives its result as the typed `--json` document;
//! - [`explain`] says why an anomaly is one, as structured sentences;
//! - [`elle`] checks one loaded history as `histcheck elle` does (the entry point).

#![forbid(unsafe_code)]

pub mod anomaly;
pub mod check;
pub mod cycles;
pub mod detect;
pub mod elle;
pub mod explain;
pub mod graph;
mod group;
pub mod lattice;
pub mod list_append;
pub mod order;
pub mod register_history;
pub mod rel;
pub mod report_json;
pub mod rw_register;

pub use anomaly::{Anomaly, CheckError, Cycle, Explainer, Step, Version};
pub use check::Model;
pub use detect::DetectError;
pub use graph::{Graph, GraphBuilder, Txn};
pub use rel::Rels;
