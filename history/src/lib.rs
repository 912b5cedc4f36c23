//! histcheck's data model: the operations of a Jepsen-style history, their
//! micro-ops, interned keys and values, and the steps of a state trace.
//!
//! This crate does no I/O. Readers (the `parsers` crate) hand op maps to a
//! [`HistoryBuilder`]; checkers read the resulting [`History`].

#![forbid(unsafe_code)]

pub mod atom;
pub mod builder;
pub mod op;
pub mod stats;
pub mod trace;
pub mod value;

pub use atom::{Atom, AtomRef, Id, Interner};
pub use builder::{snippet_of, HistoryBuilder, OpError};
pub use op::{History, Mop, MopKind, MopVal, Op, OpType, OpValue, Process, SrcPos, Warning, NO_PARTNER};
pub use stats::Stats;
pub use trace::Step;
pub use value::Value;
