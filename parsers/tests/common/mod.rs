//! Helpers shared by the parsers' integration tests (each test file is its own
//! crate and uses a part of this module).
#![allow(dead_code)]

use history::{History, Value};
use parsers::InputError;
use std::path::{Path, PathBuf};

/// Two reads of one input agree: the same ops, micro-ops, interned ids, pairs,
/// warnings and flags, or the same error at the same position.
pub fn same(a: &Result<History, InputError>, b: &Result<History, InputError>) -> Result<(), String> {
    match (a, b) {
        (Ok(a), Ok(b)) => {
            let va: Vec<Value> = a.ops.iter().map(|o| a.op_to_value(o)).collect();
            let vb: Vec<Value> = b.ops.iter().map(|o| b.op_to_value(o)).collect();
            if va != vb {
                return Err(format!("ops differ:\n{va:?}\n{vb:?}"));
            }
            if a.ops != b.ops || a.mops != b.mops || a.reads != b.reads {
                return Err("op records, micro-ops or read lists differ".into());
            }
            if a.atoms.table_len() != b.atoms.table_len() {
                return Err("interned atoms differ".into());
            }
            if a.partner != b.partner || a.warnings != b.warnings {
                return Err(format!("pairs or warnings differ: {:?} vs {:?}", a.warnings, b.warnings));
            }
            if (a.index_given, a.process_defaulted) != (b.index_given, b.process_defaulted) {
                return Err("flags differ".into());
            }
            Ok(())
        }
        (Err(a), Err(b)) if a == b => Ok(()),
        _ => Err(format!("outcomes differ:\n{a:?}\n{b:?}")),
    }
}

/// `base` proptest cases at proptest's default of 256, scaled by `PROPTEST_CASES`.
pub fn cases(base: u32) -> u32 {
    (u64::from(base) * u64::from(proptest::test_runner::Config::default().cases) / 256).max(1) as u32
}

/// The shared corpus (`../shared/corpus`), if it is here. Its absence is a
/// failure under `CI=true` (a test must not pass by skipping there), else a note.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(std::env::var("CI").map_or(true, |v| v != "true"), "CI=true but {} is absent", dir.display());
    eprintln!("note: {} is absent; checking the fixtures only", dir.display());
    None
}

/// The files below `dir` (recursively, in sorted order) with one of the
/// extensions `exts`; nothing when `dir` does not exist (no corpus here).
pub fn files_with(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_with(&p, exts, out);
        } else if p.extension().is_some_and(|x| exts.iter().any(|e| x == *e)) {
            out.push(p);
        }
    }
}
