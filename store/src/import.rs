//! Importing Jepsen histories into a store, as new runs.
//!
//! Each history becomes one run: a `CreateRun` event whose `data` says where
//! it came from (`imported-from`: path, Jepsen run directory, size and an
//! FNV-1a hash of the bytes), and one `JepsenOp` event per op, whose `data` is
//! the op as a JSON Lines record (histcheck's JSON convention). Runs are
//! grouped into tests by Jepsen test name (the `<test>` of
//! `store/<test>/<time>/history.edn`): a name imported before gets its new
//! runs added to the same test; a new name gets a new test (`CreateTest` with
//! an empty agenda and deployment). Ids are detsys's: max + 1; when the
//! largest id is `i64::MAX` the import is refused (never wrapped).
//!
//! A whole import is one transaction: if anything fails, nothing is written.
//! A history whose bytes were imported before is refused unless forced.

use crate::{parse_data, Filter, Result, RunId, Store, StoreError, Wants, IMPORTED_OP};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// The writer named in the `meta` of imported events.
pub const COMPONENT: &str = "histcheck-import";

/// One history to import, already read.
#[derive(Clone, Debug)]
pub struct ImportItem {
    /// The file as the user named it (or as found under a directory).
    pub source: String,
    /// Its canonical path, recorded in the store.
    pub path: String,
    /// The Jepsen test name the run is grouped under.
    pub test_name: String,
    /// The Jepsen run directory (`<time>`), if the file is in a Jepsen store.
    pub run_label: Option<String>,
    pub size: u64,
    /// [`fnv1a64`] of the file's bytes, as 16 hex digits.
    pub hash: String,
    /// The ops, one JSON object (a JSON Lines record) each.
    pub ops: Vec<String>,
}

/// What one item became.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    pub source: String,
    pub id: RunId,
    pub ops: usize,
    /// Whether the test was created by this import.
    pub new_test: bool,
}

/// 64-bit FNV-1a: how imports recognise a file seen before.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Store {
    /// Imports the items in one transaction and returns the runs they became,
    /// in order. Refuses (and writes nothing) when an item's bytes were
    /// imported before, or appear twice among the items, unless `force`.
    pub fn import(&mut self, items: &[ImportItem], force: bool) -> Result<Vec<Imported>> {
        let name = self.name.clone();
        let busy = self.busy_ms;
        let tx = self.transaction()?;
        // What is there is read inside the write transaction, so that a
        // concurrent import cannot slip the same file in between.
        match import_in(&tx, &name, busy, items, force) {
            Ok(done) => {
                tx.commit().map_err(|e| crate::sql_error(&name, busy, "cannot commit the import", e))?;
                Ok(done)
            }
            Err(e) => {
                let _ = tx.rollback();
                Err(e)
            }
        }
    }
}

fn import_in(
    conn: &rusqlite::Connection,
    db: &str,
    busy: u64,
    items: &[ImportItem],
    force: bool,
) -> Result<Vec<Imported>> {
    let scan = crate::scan_conn(conn, db, busy, Filter::default(), Wants { counts: true, ..Wants::default() }, None)?;
    // Files imported before, by size and hash; tests by Jepsen name.
    let mut seen: BTreeMap<(u64, String), (RunId, String)> = BTreeMap::new();
    for (id, rr) in &scan.runs {
        let Some(raw) = &rr.create_run else { continue };
        let data = parse_data(db, raw, "CreateRun")?;
        let Some(from) = data.get("imported-from") else { continue };
        let size = from.get("size").and_then(Json::as_u64);
        let hash = from.get("fnv1a64").and_then(Json::as_str);
        let path = from.get("path").and_then(Json::as_str).unwrap_or("?");
        if let (Some(size), Some(hash)) = (size, hash) {
            seen.entry((size, hash.to_string())).or_insert((*id, path.to_string()));
        }
    }
    let mut tests_by_name: BTreeMap<String, i64> = BTreeMap::new();
    for (t, rows) in &scan.tests {
        for raw in rows {
            let data = parse_data(db, raw, "CreateTest")?;
            if let Some(n) = data.get("jepsen-test").and_then(Json::as_str) {
                tests_by_name.insert(n.to_string(), *t);
            }
        }
    }
    // The next free ids, or None when the largest is i64::MAX: checked, never wrapped.
    let mut next_test: Option<i64> = scan.all_runs.keys().next_back().map_or(Some(0), |t| t.checked_add(1));
    let mut next_run: BTreeMap<i64, Option<i64>> =
        scan.all_runs.iter().map(|(t, runs)| (*t, runs.iter().max().map_or(Some(0), |r| r.checked_add(1)))).collect();
    let mut batch: BTreeMap<(u64, String), &str> = BTreeMap::new();
    if !force {
        for it in items {
            let key = (it.size, it.hash.clone());
            if let Some((id, path)) = seen.get(&key) {
                return Err(StoreError::new(format!(
                    "{db}: {} was imported before, as {id} (from {path}); nothing was imported (use --force to import it again)",
                    it.source
                )));
            }
            if let Some(first) = batch.insert(key, &it.source) {
                return Err(StoreError::new(format!(
                    "{db}: {} and {first} have the same content; nothing was imported (use --force to import both)",
                    it.source
                )));
            }
        }
    }
    let mut ins = conn
        .prepare_cached("INSERT INTO event_log (event, meta, data) VALUES (?1, ?2, ?3)")
        .map_err(|e| crate::sql_error(db, busy, "cannot import", e))?;
    let mut insert = |event: &str, meta: &Json, data: &str, what: &str| {
        ins.execute([event, &meta.to_string(), data])
            .map(|_| ())
            .map_err(|e| crate::sql_error(db, busy, &format!("cannot import {what}"), e))
    };
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        let (test, new_test) = match tests_by_name.get(&it.test_name) {
            Some(t) => (*t, false),
            None => {
                // Ids are max + 1, as detsys allocates them; past i64::MAX there is none.
                let t = next_test.ok_or_else(|| {
                    StoreError::new(format!(
                        "{db}: cannot import {} as a new test: no test id is left after {} (the largest test id); nothing was imported",
                        it.source,
                        i64::MAX
                    ))
                })?;
                next_test = t.checked_add(1);
                let meta = json!({"component": COMPONENT, "test-id": t});
                let data = json!({"agenda": [], "deployment": [], "jepsen-test": it.test_name});
                insert("CreateTest", &meta, &data.to_string(), &it.source)?;
                tests_by_name.insert(it.test_name.clone(), t);
                (t, true)
            }
        };
        let run = next_run.get(&test).copied().unwrap_or(Some(0)).ok_or_else(|| {
            StoreError::new(format!(
                "{db}: cannot import {}: test {test} has no run id left after {} (its largest run id); nothing was imported",
                it.source,
                i64::MAX
            ))
        })?;
        next_run.insert(test, run.checked_add(1));
        let meta = json!({"component": COMPONENT, "test-id": test, "run-id": run});
        let data = json!({
            "test-id": test,
            "seed": null,
            "faults": [],
            "imported-from": {"path": it.path, "run": it.run_label, "size": it.size, "fnv1a64": it.hash},
        });
        insert("CreateRun", &meta, &data.to_string(), &it.source)?;
        for op in &it.ops {
            insert(IMPORTED_OP, &meta, op, &it.source)?;
        }
        out.push(Imported { source: it.source.clone(), id: RunId { test, run }, ops: it.ops.len(), new_test });
    }
    Ok(out)
}

/// The history files under a path: the path itself, or every `history.edn`
/// below a directory (symbolic links, such as Jepsen's `latest`, are not followed).
pub fn find_histories(path: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut stack = vec![path.to_path_buf()];
    let mut found = Vec::new();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir)? {
            let e = e?;
            let ft = e.file_type()?;
            if ft.is_symlink() {
                continue;
            }
            if ft.is_dir() {
                stack.push(e.path());
            } else if e.file_name() == "history.edn" {
                found.push(e.path());
            }
        }
    }
    found.sort();
    out.extend(found);
    Ok(())
}

/// The Jepsen test and run a file belongs to: `<test>/<time>/history.edn`, or
/// the file's own name.
pub fn jepsen_names(path: &Path) -> (String, Option<String>) {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if name == "history.edn" {
        let run = path.parent();
        let test = run.and_then(Path::parent);
        if let (Some(r), Some(t)) = (run.and_then(Path::file_name), test.and_then(Path::file_name)) {
            return (t.to_string_lossy().into_owned(), Some(r.to_string_lossy().into_owned()));
        }
    }
    (name, None)
}

/// A history file read for import, with what the caller should tell the user.
#[derive(Clone, Debug)]
pub struct ReadItem {
    /// The run to import.
    pub item: ImportItem,
    /// The reader's warnings about the history.
    pub warnings: Vec<history::Warning>,
    /// What JSON Lines cannot hold exactly ([`parsers::json::lossy_constructs`]).
    pub lossy: Vec<String>,
}

/// Reads one history file (format from `format`, else its name, else its
/// content) into an [`ImportItem`]: its ops as JSON Lines records, its Jepsen
/// names, size and hash. An error is the message to print, naming the file.
pub fn read_item(path: &Path, format: Option<parsers::Format>) -> std::result::Result<ReadItem, String> {
    let source = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("{source}: cannot read the file: {e}"))?;
    let by_name = parsers::Format::from_path(path);
    let opts = parsers::ReadOptions { format, ..Default::default() };
    let h = parsers::read_history(&bytes[..], &source, by_name, opts).map_err(|e| e.to_string())?;
    let lossy = parsers::json::lossy_constructs(&h);
    let mut buf = Vec::new();
    parsers::json::write_lines(&h, &mut buf).map_err(|e| format!("{source}: {e}"))?;
    let text = String::from_utf8(buf).map_err(|e| format!("{source}: {e}"))?;
    let ops: Vec<String> = text.lines().map(str::to_string).collect();
    let (test_name, run_label) = jepsen_names(path);
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let item = ImportItem {
        source,
        path: canonical.display().to_string(),
        test_name,
        run_label,
        size: bytes.len() as u64,
        hash: format!("{:016x}", fnv1a64(&bytes)),
        ops,
    };
    let mut warnings = h.warnings.clone();
    if h.ops.is_empty() {
        // Not refused (a store may record an empty run), but never silent:
        // checking such a run later has nothing to check.
        warnings.push(history::Warning {
            pos: None,
            message: "the history is empty (no ops): imported as a run with 0 ops".into(),
        });
    }
    Ok(ReadItem { item, warnings, lossy })
}
