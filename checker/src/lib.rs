//! histcheck's transactional checker: dependency-graph inference, cycle search,
//! anomaly classification and the consistency-model lattice, in the manner of
//! Jepsen's Elle.
//!
//! - [`list_append`] infers ww/wr/rw edges and non-cycle anomalies;
//! - [`rw_register`] does the same for registers, from inferred version graphs;
//! - [`txn`] holds what both share: transaction kinds, micro-op extraction,
//!   key grouping and chunking, intermediate writes, lost-update grouping;
//! - [`order`] adds process and realtime edges;
//! - [`cycles`] finds and classifies cycles;
//! - [`lattice`] says which models the anomalies rule out;
//! - [`check`] runs the whole pipeline;
//! - [`detect`] tells the workload of a history ([`Model::detect`]).
//! - [`report_json`] gives its result as the typed `--json` document;
//! - [`explain`] says why an anomaly is one, as structured sentences;
//! - [`elle`] checks one loaded history as `histcheck elle` does (the entry point).
//!
//! # Example
//!
//! Three list-append transactions: the last one reads `:x` as `[1 2]` and `:y`
//! as `[2 1]`, so each of the first two wrote after the other, a G0 cycle:
//!
//! ```
//! use checker::check::{check, Options};
//! use checker::lattice::Validity;
//! use checker::Model;
//! use parsers::{read_history, Format, ReadOptions};
//!
//! let edn = "
//! {:index 0, :type :ok, :process 0, :f :txn, :value [[:append :x 1] [:append :y 1]]}
//! {:index 1, :type :ok, :process 0, :f :txn, :value [[:append :x 2] [:append :y 2]]}
//! {:index 2, :type :ok, :process 0, :f :txn, :value [[:r :x [1 2]] [:r :y [2 1]]]}";
//! let h = read_history(edn.as_bytes(), "g0.edn", Some(Format::Edn), ReadOptions::default()).unwrap();
//!
//! // Options::default() checks strict serializability, as Elle does.
//! let report = check(&h, &Model::ListAppend, &Options::default()).unwrap();
//! assert_eq!(report.valid, Validity::False);
//! assert_eq!(report.anomaly_types, ["G0"]);
//! ```
//!
//! `histcheck elle` goes through [`elle`], which also makes every refusal
//! (unknown micro-ops, flags that do not fit the workload, nothing to check)
//! before checking, and builds the `--json` document:
//!
//! ```
//! use checker::elle::{prepare, Request, Workload};
//! use checker::lattice::Validity;
//! # use parsers::{read_history, Format, ReadOptions};
//! # let edn = "
//! # {:index 0, :type :ok, :process 0, :f :txn, :value [[:append :x 1] [:append :y 1]]}
//! # {:index 1, :type :ok, :process 0, :f :txn, :value [[:append :x 2] [:append :y 2]]}
//! # {:index 2, :type :ok, :process 0, :f :txn, :value [[:r :x [1 2]] [:r :y [2 1]]]}";
//! # let h = read_history(edn.as_bytes(), "g0.edn", Some(Format::Edn), ReadOptions::default()).unwrap();
//! // Where an op is, for messages: here its line in g0.edn.
//! let locate = |p: history::SrcPos| format!("g0.edn:{}:{}", p.line, p.col);
//! let prepared = prepare("g0.edn", &locate, h, &Request::default()).unwrap();
//! let checked = prepared.check().unwrap();
//! assert_eq!(checked.workload, Workload::ListAppend);
//! assert_eq!(checked.report.valid, Validity::False);
//! let json = serde_json::to_value(&checked.document).unwrap();
//! assert_eq!(json["anomaly_types"], serde_json::json!(["G0"]));
//! ```

#![forbid(unsafe_code)]

pub mod anomaly;
pub mod check;
pub mod cycles;
pub mod detect;
pub mod elle;
pub mod explain;
pub mod graph;
pub mod lattice;
pub mod list_append;
pub mod order;
pub mod register_history;
pub mod rel;
pub mod report_json;
pub mod rw_register;
pub mod txn;

pub use anomaly::{Anomaly, CheckError, Cycle, Explainer, Step, Version};
pub use check::Model;
pub use detect::DetectError;
pub use graph::{Graph, GraphBuilder, Txn};
pub use rel::Rels;
