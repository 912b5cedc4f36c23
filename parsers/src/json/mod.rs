//! elle-cli JSON (one top-level array of op objects) and JSON Lines (one op object
//! per line): streaming readers and writers.
//!
//! # The JSON ↔ EDN convention
//!
//! JSON has no keywords, so histcheck follows elle-cli's convention and extends it
//! so that everything else survives a round trip as well.
//!
//! Reading:
//!
//! - The keys of an op object are field names: `"index"` is the keyword `:index`,
//!   `"type"` is `:type`, and so on (`":index"` is accepted too).
//! - The string values of `"type"` and `"f"` are keywords: `"ok"` is `:ok`,
//!   `"txn"` is `:txn` (`":ok"` is accepted too).
//! - When `"value"` is an array whose first element is a micro-op (an array of two
//!   or three elements starting with `"append"`, `"r"` or `"w"`), the first element
//!   of every micro-op that starts with a string becomes a keyword: `"append"` is
//!   `:append`.
//! - Everywhere else (micro-op keys and values, `"process"`, other fields, keys of
//!   nested objects) a string `":name"` (a colon, then at least one character that
//!   is not a colon) is the keyword `:name`; a string starting with `"::"` is the
//!   string with one colon removed (`"::x"` is the string `":x"`); every other
//!   string is a string. So `"x"` is the string `"x"`, a different key from `:x`,
//!   as in elle-cli.
//! - Integers are integers, or big integers beyond 64 bits (kept exactly); numbers
//!   with a fraction or an exponent are doubles; `null` is nil; arrays are vectors;
//!   objects are maps.
//!
//! Writing is the inverse: op field names, `type`/`f` keywords and micro-op names
//! are written as plain strings; other keywords as `":name"`; strings that start
//! with `:` get one more colon. What JSON cannot hold is written as the closest
//! thing, and [`lossy_constructs`] lists it so the CLI can warn: lists and sets
//! become arrays, symbols and characters strings, tagged literals `#tag v` their
//! value `v`, decimals (`1.5M`) and big integers that fit 64 bits (`1N`) plain
//! numbers, NaN and infinities `null`, map keys that are neither strings nor
//! keywords strings. Everything else converts EDN → JSON → EDN to an equal history.
//!
//! # Streaming
//!
//! Neither reader holds the file or a document tree of it. The parser works
//! through the [`Source`] buffer one op object at a time, builds each into a
//! [`Value`], hands it to the sink with its position and then recycles it (its
//! vectors and common names are reused for the next op: see `Pool`). When an
//! object runs past the end of the buffer, what came before it is consumed, the
//! buffer refilled, and the object parsed again from its start. Line and column
//! are tracked by the parser itself (newlines can only be in whitespace), so the
//! buffer is consumed once per chunk, not once per op.
//!
//! [`read_array_into`] and [`read_lines_into`] (what [`crate::read_history`]
//! uses) go one step further, as the EDN reader does: an op object of the common
//! shape (`"index"`, `"time"`, `"type"`, `"process"`, `"f"` and a `"value"` of
//! `["append"|"r"|"w", k, v]` micro-ops with integer, `null` or unescaped string
//! keys and values) is decoded straight into the [`HistoryBuilder`] without a
//! [`Value`]; any other field's value is parsed as a [`Value`] and kept as an
//! extra field. Anything unusual, and any op the builder rejects, is read again
//! from its first byte by the generic path, so results and errors are the same.
//!
//! The parser is hand-written rather than serde_json's: serde_json turns integers
//! beyond 64 bits into doubles and reports errors relative to the slice it was
//! given, and its `Value` would have to be converted again; this one builds
//! histcheck's values directly, keeps big integers exactly, and says where the
//! problem is and what was expected there.
//!
//! # The module by job
//!
//! `lex` (descriptions of input, known names, string texts), `pool` (recycled
//! vectors and names), `value` (the generic parser of one value), `fast` (op
//! objects of the common shape straight into the builder), `reader` (the
//! streaming array and JSON Lines readers), `writer`, and `lossy` (what a
//! conversion to JSON loses).
//!
//! [`Source`]: crate::Source
//! [`Value`]: history::Value
//! [`HistoryBuilder`]: history::HistoryBuilder

mod fast;
mod lex;
mod lossy;
mod pool;
mod reader;
mod value;
mod writer;

pub(crate) use lex::describe;
pub use lossy::lossy_constructs;
pub(crate) use reader::{next_line, skip_bom};
pub use reader::{read_array, read_array_into, read_lines, read_lines_into, value_from_json};
pub(crate) use writer::{push_i64, push_u64};
pub use writer::{show_json, value_to_json, write_array, write_lines};

/// Deepest nesting of arrays and objects accepted (deeper input is an error, not a stack overflow).
const MAX_DEPTH: u32 = 256;

#[cfg(test)]
mod tests;
