//! The typed `histcheck stats --json` document: per file, what was read (its
//! format, [`Stats`] and warnings) or why it could not be.
//!
//! Keys come in the order of the fields below: `{"files": [...]}`, each entry
//! `file`, `format`, `stats`, `warnings` when read, or `file`, `error` when not.

use crate::InputError;
use history::{Stats, Warning};
use serde::Serialize;

/// The `stats --json` document.
#[derive(Debug, Serialize)]
pub struct StatsDoc {
    /// One entry per file, in the order given.
    pub files: Vec<FileStats>,
}

/// One file of a [`StatsDoc`].
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum FileStats {
    /// The file was read.
    Read {
        /// The file as named on the command line.
        file: String,
        /// The format it was read as.
        format: &'static str,
        /// Its summary.
        stats: Stats,
        /// The reader's warnings.
        warnings: Vec<Located>,
    },
    /// The file could not be read.
    Failed {
        /// The file as named on the command line.
        file: String,
        /// Why, and where.
        error: Located,
    },
}

/// A message with its place in the file (`null` line and column when it has none).
#[derive(Debug, Serialize)]
pub struct Located {
    /// 1-based line, if the message has a place.
    pub line: Option<u32>,
    /// 1-based column, if the message has a place.
    pub col: Option<u32>,
    /// The message.
    pub message: String,
}

impl From<&Warning> for Located {
    fn from(w: &Warning) -> Self {
        Located { line: w.pos.map(|p| p.line), col: w.pos.map(|p| p.col), message: w.message.clone() }
    }
}

impl From<&InputError> for Located {
    fn from(e: &InputError) -> Self {
        let placed = e.pos.line > 0;
        Located { line: placed.then_some(e.pos.line), col: placed.then_some(e.pos.col), message: e.message.clone() }
    }
}
