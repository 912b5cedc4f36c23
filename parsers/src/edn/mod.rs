//! Jepsen EDN: a streaming reader for `history.edn` and a writer.
//!
//! The reader never holds the file whole and never builds one tree of it. It
//! parses one top-level element at a time out of [`Source::available`]; when an
//! element runs past the end of the buffer it asks the source for more input and
//! parses the element again from its first byte. Both file shapes are read this
//! way: a stream of op maps, and one top-level vector or list of op maps, whose
//! opener is consumed and whose elements are then streamed one by one.
//!
//! The grammar is EDN as Clojure prints it: maps, vectors, lists, sets,
//! keywords, symbols, strings, characters, integers (with `N`, hexadecimal,
//! `NNrDDD` radix), floats (with `M`, `##Inf`, `##-Inf`, `##NaN`), `nil`,
//! `true`, `false`, comments, `#_` and tagged literals (`#jepsen.history.Op{…}`,
//! `#inst "…"`, `#object[…]`), and namespaced maps (`#:ns{:a 1}`). Ratios such
//! as `1/3`, which [`Value`] cannot hold, are kept as symbols of their text so
//! they are written back unchanged.
//!
//! The hot paths (whitespace, integers, keywords and symbols, strings without
//! escapes) are hand-written on `&[u8]` with a byte class table; nom recognises
//! the rarer number shapes and character names.
//!
//! The module by job: `lex` (byte classes, leaf grammars), `error` (errors
//! inside one element), `pool` (recycled buffers), `value` (the generic parser
//! of one element), `fast` (op maps of the common shape straight into the
//! builder), `reader` (the streaming driver) and `writer`.
//!
//! [`Source::available`]: crate::Source::available
//! [`Value`]: history::Value

mod error;
mod fast;
mod lex;
mod pool;
mod reader;
mod value;
mod writer;

pub use reader::{parse_value, read_into, read_ops};
pub use writer::write_history;

/// How deeply collections, tagged literals and `#_` may nest.
pub const MAX_DEPTH: u32 = 256;

#[cfg(test)]
mod tests;
