//! histcheck's data model: the operations of a Jepsen-style history, their
//! micro-ops, interned keys and values, and the steps of a state trace.
//!
//! This crate does no I/O. Readers (the `parsers` crate) hand op maps to a
//! [`HistoryBuilder`]; checkers read the resulting [`History`].
//!
//! # Example
//!
//! A reader hands each op map to the builder, which pairs invocations with
//! completions and checks the history's shape; the finished history can then
//! be summarised or checked:
//!
//! ```
//! use history::{HistoryBuilder, SrcPos, Value};
//!
//! let kw = |s: &str| Value::Keyword(s.into());
//! let mop = |f: &str, k: &str, v: Value| Value::Vector(vec![kw(f), kw(k), v]);
//! // {:type :invoke, :process 0, :f :txn, :value [[:append :x 1] [:r :x nil]]}
//! // {:type :ok, :process 0, :f :txn, :value [[:append :x 1] [:r :x [1]]]}
//! let op = |ty: &str, read: Value| {
//!     Value::Map(vec![
//!         (kw("type"), kw(ty)),
//!         (kw("process"), Value::Int(0)),
//!         (kw("f"), kw("txn")),
//!         (kw("value"), Value::Vector(vec![mop("append", "x", Value::Int(1)), mop("r", "x", read)])),
//!     ])
//! };
//! let mut b = HistoryBuilder::new();
//! b.push(&op("invoke", Value::Nil), SrcPos { line: 1, col: 1 }).unwrap();
//! b.push(&op("ok", Value::Vector(vec![Value::Int(1)])), SrcPos { line: 2, col: 1 }).unwrap();
//! let h = b.finish().unwrap();
//!
//! let stats = h.stats();
//! assert_eq!(stats.ops, 2);
//! assert_eq!(stats.transactions.ok, 1);
//! // Micro-ops are counted once per transaction, and one element was read.
//! assert_eq!((stats.micro_ops.append, stats.micro_ops.r, stats.read_elements), (1, 1, 1));
//! assert_eq!(h.partner_of(0), Some(1));
//! ```

#![forbid(unsafe_code)]

pub mod atom;
pub mod builder;
pub mod op;
pub mod stats;
pub mod trace;
pub mod value;
pub mod workload;

pub use atom::{Atom, AtomRef, Id, Interner};
pub use builder::{snippet_of, HistoryBuilder, OpError};
pub use op::{History, Mop, MopKind, MopVal, Op, OpType, OpValue, Process, SrcPos, Warning, NO_PARTNER};
pub use stats::Stats;
pub use trace::Step;
pub use value::Value;
pub use workload::Workload;
