//! detsys-testkit's SQLite event store: one append-only `event_log` table of
//! `(id, event, meta, data, at)` rows that a test framework's components share.
//!
//! histcheck reads the table itself, never the views, and parses `meta` and
//! `data` in Rust, so it needs neither the views nor SQLite's JSON1 functions.
//! From the rows of one run it rebuilds the Jepsen history (detsys's rewrite of
//! `NetworkTrace` rows that carry `jepsen-type`, see [`jepsen`]) and the state
//! trace (`ExecutionStep` merge patches applied to the deployment, see
//! [`trace`]); it writes checker results back as `Analysis` events and imports
//! Jepsen histories as new runs ([`import`]).
//!
//! Opening is read-only unless a command writes (a WAL store in a read-only
//! directory is read as immutable when its log is empty); writers use WAL mode
//! and a busy timeout, and every write is one transaction, so a failed command
//! leaves the store as it was and concurrent writers do not lose rows.
//!
//! Listing and checking many runs reads the whole table once; reading one run
//! looks its rows up through detsys's `idx_run_id` index. A row that no run
//! can be given (a `meta` that is not JSON, a missing or malformed test or run
//! id) is skipped and reported ([`SkippedRow`]), never fatal.
//!
//! # Example
//!
//! Create a store, import a one-transaction history as a run, and read the
//! run back:
//!
//! ```
//! use store::import::ImportItem;
//! use store::{Filter, Flavor, Store, DEFAULT_BUSY_MS};
//!
//! let dir = std::env::temp_dir().join(format!("store-doctest-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let db = dir.join("detsys.db");
//! # let _ = std::fs::remove_file(&db);
//! let mut store = Store::create(&db, DEFAULT_BUSY_MS).unwrap();
//! let ops = vec![
//!     r#"{"index":0,"type":"invoke","process":0,"f":"txn","value":[["append",":x",1]]}"#.to_string(),
//!     r#"{"index":1,"type":"ok","process":0,"f":"txn","value":[["append",":x",1]]}"#.to_string(),
//! ];
//! let item = ImportItem {
//!     source: "history.jsonl".into(),
//!     path: "/tmp/history.jsonl".into(),
//!     test_name: "example".into(),
//!     run_label: None,
//!     size: 0,
//!     hash: "0000000000000000".into(),
//!     ops,
//! };
//! let imported = store.import(&[item], false).unwrap();
//! let id = imported[0].id;
//!
//! let (runs, skipped) = store.list(Filter::default()).unwrap();
//! assert_eq!((runs.len(), runs[0].ops, skipped.len()), (1, 2, 0));
//! let stored = store.load_history(id, Flavor::ListAppend).unwrap();
//! assert!(stored.imported);
//! assert_eq!(stored.history.len(), 2);
//! # drop(store);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

#![forbid(unsafe_code)]

#[cfg(any(test, feature = "fixture"))]
pub mod fixture;
pub mod import;
pub mod jepsen;
mod json;
pub mod report_json;
pub mod trace;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crate::jepsen::{Flavor, StoredHistory};
pub use crate::trace::Trace;

/// The busy timeout when none is given: how long a command waits for another
/// process's lock before it gives up.
pub const DEFAULT_BUSY_MS: u64 = 5_000;

/// The SQL that creates a detsys-compatible store: the table, the five views
/// and the two indexes of detsys-testkit's migrations.
pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS event_log (
id           INTEGER  PRIMARY KEY,
event        TEXT     NOT NULL,
meta         JSON     NOT NULL CHECK(json_valid(meta)),
data         JSON     NOT NULL CHECK(json_valid(data)),
at           DATETIME NOT NULL DEFAULT (STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW')));

CREATE VIEW IF NOT EXISTS execution_step AS
  SELECT
    json_extract(meta, '$.test-id')        AS test_id,
    json_extract(meta, '$.run-id')         AS run_id,
    json_extract(data, '$.reactor')        AS reactor,
    json_extract(data, '$.logical-time')   AS logical_time,
    json_extract(data, '$.simulated-time') AS simulated_time,
    json_extract(data, '$.log-lines')      AS log_lines,
    json_extract(data, '$.diff')           AS heap_diff
  FROM event_log
  WHERE event = 'ExecutionStep';

CREATE VIEW IF NOT EXISTS jepsen_history AS
  SELECT
    json_extract(meta, '$.test-id')        AS test_id,
    json_extract(meta, '$.run-id')         AS run_id,
    json_extract(data, '$.jepsen-type')    AS kind,
    json_extract(data, '$.message')        AS event,
    json_extract(data, '$.args')           AS args,
    json_extract(data, '$.jepsen-process') AS process
  FROM event_log
  WHERE event = 'NetworkTrace'
  AND json_extract(data, '$.jepsen-type') IS NOT NULL;

CREATE VIEW IF NOT EXISTS network_trace AS
  SELECT
    json_extract(meta, '$.test-id')             AS test_id,
    json_extract(meta, '$.run-id')              AS run_id,
    json_extract(data, '$.message')             AS message,
    json_extract(data, '$.args')                AS args,
    json_extract(data, '$.from')                AS sender,
    json_extract(data, '$.to')                  AS receiver,
    json_extract(data, '$.kind')                AS kind,
    json_extract(data, '$.sent-logical-time')   AS sent_logical_time,
    json_extract(data, '$.recv-logical-time')   AS recv_logical_time,
    json_extract(data, '$.recv-simulated-time') AS recv_simulated_time,
    json_extract(data, '$.dropped')             AS dropped
  FROM event_log
  WHERE event = 'NetworkTrace';

CREATE VIEW IF NOT EXISTS run_info AS
  SELECT
    json_extract(meta, '$.test-id')        AS test_id,
    json_extract(meta, '$.run-id')         AS run_id,
    json_extract(data, '$.seed')           AS seed,
    json_extract(data, '$.faults')         AS faults,
    json_extract(data, '$.tick-frequency') AS tick_frequency,
    json_extract(data, '$.max-time-ns')    AS max_time_ns,
    json_extract(data, '$.min-time-ns')    AS min_time_ns
  FROM event_log
  WHERE event = 'CreateRun';

CREATE VIEW IF NOT EXISTS test_info AS
  SELECT
    json_extract(meta, '$.test-id')    AS test_id,
    json_extract(data, '$.agenda')     AS agenda,
    json_extract(data, '$.deployment') AS deployment,
    at                                 AS created_time
  FROM event_log
  WHERE event = 'CreateTest';

CREATE INDEX IF NOT EXISTS idx_test_id
  ON event_log(json_extract(meta, '$.test-id'), event);

CREATE INDEX IF NOT EXISTS idx_run_id
  ON event_log(json_extract(meta, '$.test-id'), json_extract(meta, '$.run-id'), event);
"#;

/// Tables with more rows than this are scanned in parallel.
const PARALLEL_SCAN_ROWS: i64 = 200_000;

/// The event name of an op imported from a Jepsen history (one row per op).
pub const IMPORTED_OP: &str = "JepsenOp";

/// A store error: what went wrong, naming the database and, where there is
/// one, the `event_log` row. Every store error is bad input (exit 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError {
    pub message: String,
    /// Another process held a lock for longer than the busy timeout: trying
    /// again at once would most likely wait as long and fail the same way.
    pub locked: bool,
}

impl StoreError {
    fn new(message: impl Into<String>) -> Self {
        StoreError { message: message.into(), locked: false }
    }

    fn locked(message: impl Into<String>) -> Self {
        StoreError { message: message.into(), locked: true }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreError {}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The database to use: `flag` (`--db`), else `$DETSYS_DB`, else `~/.detsys.db`,
/// as every detsys component does.
pub fn db_path(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("DETSYS_DB").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".detsys.db")),
        None => Err(StoreError::new("no database: give --db PATH, or set DETSYS_DB or HOME")),
    }
}

/// A test and run id pair. Run ids are numbered per test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunId {
    pub test: i64,
    pub run: i64,
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "test {} run {}", self.test, self.run)
    }
}

/// Which runs a command is about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub test: Option<i64>,
    pub run: Option<i64>,
}

impl Filter {
    pub fn one(id: RunId) -> Self {
        Filter { test: Some(id.test), run: Some(id.run) }
    }

    fn wants_test(&self, t: i64) -> bool {
        self.test.is_none_or(|x| x == t)
    }

    fn wants(&self, id: RunId) -> bool {
        self.wants_test(id.test) && self.run.is_none_or(|x| x == id.run)
    }
}

/// Which rows a scan keeps, besides the run and test descriptions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wants {
    /// The history: `NetworkTrace` rows with `jepsen-type`, imported ops.
    pub history: bool,
    /// The trace: every `NetworkTrace` and `ExecutionStep` row, the deployment.
    pub trace: bool,
    /// The `Analysis` rows.
    pub analyses: bool,
    /// Count every run's history ops and steps, and see every run (for
    /// listings and id allocation); else rows nobody wants are skipped unread.
    pub counts: bool,
}

/// One `event_log` row kept by a scan: its id and its `data` text.
#[derive(Clone, Debug)]
pub struct RawRow {
    pub id: i64,
    pub data: Box<str>,
}

/// A kept `Analysis` row: its data, insert time and writer.
#[derive(Clone, Debug)]
pub struct AnalysisRow {
    pub raw: RawRow,
    pub at: String,
    pub component: String,
}

/// Everything a scan kept of one run.
#[derive(Clone, Debug, Default)]
pub struct RunRows {
    pub id: Option<RunId>,
    /// The `CreateRun` row, if any.
    pub create_run: Option<RawRow>,
    /// `NetworkTrace` rows (with [`Wants::trace`] all of them, else only those
    /// that may carry `jepsen-type`), in row order.
    pub network: Vec<RawRow>,
    /// `ExecutionStep` rows, in row order (with [`Wants::trace`]).
    pub steps: Vec<RawRow>,
    /// Imported ops, in row order.
    pub imported: Vec<RawRow>,
    /// `Analysis` rows, in row order (with [`Wants::analyses`]).
    pub analyses: Vec<AnalysisRow>,
    /// Row counts, whatever was kept: history ops, execution steps (among
    /// the rows read: a single-run read of analyses reads no ops or steps).
    pub n_ops: usize,
    pub n_steps: usize,
}

/// A row of one of the events histcheck reads that no run can be given: its
/// `meta` is not JSON, or its `test-id` (or, for a per-run event, its
/// `run-id`) is missing, null or not an integer that fits an i64 (`"3"`,
/// `1.5`, `true`, `1e30`, 2^64−1). Such rows are left out and reported; the
/// other runs are read as usual.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SkippedRow {
    /// The `event_log` row id.
    pub row: i64,
    pub event: String,
    /// The `meta` field at fault: `test-id`, `run-id`, or `meta` itself.
    pub field: &'static str,
    /// The value found: `None` when the field is missing or `meta` is not JSON.
    pub value: Option<Json>,
    /// Why `meta` could not be read (when `field` is `meta`); not in `--json`.
    #[serde(skip)]
    pub detail: Option<String>,
}

impl fmt::Display for SkippedRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event_log row {} ({}) skipped: ", self.row, self.event)?;
        match (self.field, &self.value) {
            ("meta", _) => write!(f, "meta is not valid JSON: {}", self.detail.as_deref().unwrap_or("?")),
            (k, None) => write!(f, "meta has no {k}"),
            (k, Some(Json::Null)) => write!(f, "meta {k} is null"),
            (k, Some(v)) => write!(f, "meta {k} is {v}, not an integer"),
        }
    }
}

/// The rows of the runs a scan selected, with the tests they belong to.
#[derive(Clone, Debug, Default)]
pub struct Scan {
    /// The database, for messages.
    pub db: String,
    pub runs: BTreeMap<RunId, RunRows>,
    /// `CreateTest` rows by test id (more than one is an error when it is used).
    pub tests: BTreeMap<i64, Vec<RawRow>>,
    /// Every test id and run seen, whatever the filter: for "no such run" messages.
    pub all_runs: BTreeMap<i64, Vec<i64>>,
    /// How many `event_log` rows were read (a measure of the work done).
    pub rows_read: u64,
    /// Rows left out because no run can be given them, in row order: those
    /// whose test id is unreadable, and those of a test the filter selects
    /// whose run id is unreadable.
    pub skipped: Vec<SkippedRow>,
}

/// What [`Store::list`] says about one run.
#[derive(Clone, Debug)]
pub struct RunSummary {
    pub id: RunId,
    /// `CreateRun`'s `seed` (null when there is no `CreateRun`, or for an import).
    pub seed: Json,
    /// `CreateRun`'s `faults`, as stored.
    pub faults: Json,
    /// History ops (`NetworkTrace` rows with `jepsen-type`, or imported ops).
    pub ops: usize,
    /// `ExecutionStep` rows.
    pub steps: usize,
    /// Where an imported run came from.
    pub imported_from: Option<String>,
    /// The latest `Analysis` row of the run.
    pub last_analysis: Option<Analysis>,
}

/// One stored `Analysis` event.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// The `event_log` row id.
    pub row: i64,
    /// `at`, the insert time (UTC).
    pub at: String,
    /// `meta.component`: `histcheck`, or `checker` for detsys's own.
    pub component: String,
    /// `data.valid`: true, false or "unknown".
    pub valid: Json,
    /// `data.checker` (detsys's own checker writes none).
    pub checker: Option<String>,
    pub checker_version: Option<String>,
    /// `data.result`.
    pub result: Json,
    /// `data.result` as it is stored, keys in the writer's order.
    pub result_text: Option<Box<RawValue>>,
}

/// A result to write back.
#[derive(Clone, Debug)]
pub struct NewAnalysis {
    pub id: RunId,
    pub valid: Json,
    /// The checker's result document as JSON text (its keys keep their order).
    pub result: Box<RawValue>,
    pub checker: String,
    pub checker_version: String,
}

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The database as given, for messages.
    name: String,
    busy_ms: u64,
    /// Opened as immutable (a WAL store in a read-only directory, see
    /// [`Store::read_without_sharing`]).
    immutable: bool,
}

/// A read-only connection that takes no locks and uses no shared memory
/// (SQLite's `immutable` URI parameter).
fn immutable_conn(path: &Path) -> rusqlite::Result<Connection> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_err(|_| rusqlite::Error::InvalidPath(path.to_path_buf()))?.join(path)
    };
    let Some(text) = abs.to_str() else { return Err(rusqlite::Error::InvalidPath(path.to_path_buf())) };
    // file://<empty authority><path>, with every byte but unreserved ones and `/` escaped.
    let mut uri = String::from("file://");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(uri, flags)
}

/// Whether a SQLite error is a lock held by another process.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

#[derive(Deserialize)]
struct MetaIds {
    /// `None` when the key is missing, `Some(Json::Null)` when it is null.
    #[serde(rename = "test-id", default, deserialize_with = "present")]
    test_id: Option<Json>,
    #[serde(rename = "run-id", default, deserialize_with = "present")]
    run_id: Option<Json>,
    component: Option<Json>,
}

/// A field that is there, null included (serde reads a null `Option` as `None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<Json>, D::Error> {
    Json::deserialize(d).map(Some)
}

impl Store {
    /// Opens an existing store read-only (`write` false) or read-write. The file
    /// must exist: it is never created here (see [`Store::create`]).
    pub fn open(path: &Path, write: bool, busy_ms: u64) -> Result<Store> {
        let name = path.display().to_string();
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => return Err(StoreError::new(format!("{name}: is a directory, not a database"))),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::new(format!("{name}: no such database (give --db PATH or set DETSYS_DB)")))
            }
            Err(e) => return Err(StoreError::new(format!("{name}: cannot open: {e}"))),
        }
        let flags = if write { OpenFlags::SQLITE_OPEN_READ_WRITE } else { OpenFlags::SQLITE_OPEN_READ_ONLY }
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| StoreError::new(format!("{name}: cannot open the database: {e}")))?;
        let mut store = Store { conn, path: path.to_path_buf(), name, busy_ms, immutable: false };
        store.configure(false)?;
        if !write {
            store.read_without_sharing()?;
        }
        // The schema is checked before anything (such as the journal mode) is changed.
        store.check_schema()?;
        if write {
            store.configure(true)?;
        }
        Ok(store)
    }

    /// Opens a store read-write, creating the file and the detsys schema (table,
    /// views, indexes) when they are missing.
    pub fn create(path: &Path, busy_ms: u64) -> Result<Store> {
        let name = path.display().to_string();
        if path.is_dir() {
            return Err(StoreError::new(format!("{name}: is a directory, not a database")));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| StoreError::new(format!("{name}: cannot open or create the database: {e}")))?;
        let mut store = Store { conn, path: path.to_path_buf(), name, busy_ms, immutable: false };
        store.configure(false)?;
        let tables = store.tables()?;
        if !tables.iter().any(|t| t == "event_log") {
            if tables.iter().any(|t| t == "history" || t == "run") {
                return Err(store.old_schema());
            }
            if !tables.is_empty() {
                return Err(StoreError::new(format!(
                    "{}: not a detsys store: it has tables ({}) but no event_log; histcheck adds its schema only to a new or empty database",
                    store.name,
                    tables.join(", ")
                )));
            }
            let (name, busy) = (store.name.clone(), store.busy_ms);
            let tx = store.transaction()?;
            tx.execute_batch(SCHEMA).map_err(|e| sql_error(&name, busy, "cannot create the schema", e))?;
            tx.commit().map_err(|e| sql_error(&name, busy, "cannot create the schema", e))?;
        }
        store.configure(true)?;
        Ok(store)
    }

    /// Makes sure a read-only store can be read. A WAL-mode store whose
    /// `-shm` file does not exist and cannot be created (its directory is
    /// read-only) cannot be opened the usual way, although nothing needs to
    /// be written: when its write-ahead log is empty or absent (every commit
    /// is in the main file) and no rollback journal is left, it is opened as
    /// immutable (no locks, no shared memory). A log that holds commits is an
    /// error that says so: reading the main file alone would lose them.
    fn read_without_sharing(&mut self) -> Result<()> {
        let probe = |c: &Connection| c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0));
        let e = match probe(&self.conn) {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        if !matches!(e.sqlite_error_code(), Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen)) {
            return Err(self.sql_error("cannot read the schema", e));
        }
        let name = &self.name;
        for (suffix, what) in [("-wal", "write-ahead log"), ("-journal", "rollback journal")] {
            let side = format!("{}{suffix}", self.path.display());
            if std::fs::metadata(&side).is_ok_and(|m| m.len() > 0) {
                return Err(StoreError::new(format!(
                    "{name}: cannot read the store without writing beside it ({e}): its {what} {side} holds changes that SQLite reads only through files it must create in the store's directory; make the directory writable, or copy the store with its {suffix} file to one that is"
                )));
            }
        }
        let conn = immutable_conn(&self.path).and_then(|c| probe(&c).map(|_| c));
        match conn {
            Ok(c) => {
                self.conn = c;
                self.immutable = true;
                self.configure(false)
            }
            // The file itself cannot be read: SQLite's first answer says why.
            Err(_) => Err(self.sql_error("cannot read the schema", e)),
        }
    }

    /// A connection to the same store for another reader thread.
    fn reader(&self) -> Result<Connection> {
        let name = &self.name;
        let conn = if self.immutable {
            immutable_conn(&self.path)
        } else {
            Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        };
        let conn = conn.map_err(|e| StoreError::new(format!("{name}: cannot open the database: {e}")))?;
        conn.busy_timeout(Duration::from_millis(self.busy_ms))
            .map_err(|e| sql_error(name, self.busy_ms, "cannot set the busy timeout", e))?;
        Ok(conn)
    }

    /// Sets the busy timeout; with `write`, also WAL mode and its sync level.
    fn configure(&self, write: bool) -> Result<()> {
        self.conn
            .busy_timeout(Duration::from_millis(self.busy_ms))
            .map_err(|e| self.sql_error("cannot set the busy timeout", e))?;
        if write {
            // WAL lets readers and one writer work at once; the mode is kept in the file.
            // Two processes that switch at once both hold a shared lock and want an
            // exclusive one: SQLite then answers one of them "busy" at once, without
            // calling the busy handler (it would wait for the other forever), so
            // the switch is tried again until the busy timeout has passed.
            let start = std::time::Instant::now();
            let mode: String = loop {
                match self.conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)) {
                    Err(rusqlite::Error::SqliteFailure(e, _))
                        if e.code == rusqlite::ErrorCode::DatabaseBusy
                            && start.elapsed() < Duration::from_millis(self.busy_ms) =>
                    {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    r => break r.map_err(|e| self.sql_error("cannot switch to WAL mode", e))?,
                }
            };
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::new(format!(
                    "{}: cannot switch to WAL mode (the journal mode stays {mode})",
                    self.name
                )));
            }
            // In WAL mode NORMAL keeps the database consistent; a power cut may lose the last commits.
            self.conn
                .execute_batch("PRAGMA synchronous=NORMAL")
                .map_err(|e| self.sql_error("cannot set synchronous mode", e))?;
        }
        Ok(())
    }

    /// The database as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn sql_error(&self, what: &str, e: rusqlite::Error) -> StoreError {
        sql_error(&self.name, self.busy_ms, what, e)
    }

    fn tables(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .map_err(|e| self.sql_error("cannot read the schema", e))?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<std::result::Result<Vec<_>, _>>())
            .map_err(|e| self.sql_error("cannot read the schema", e))?;
        Ok(rows)
    }

    fn old_schema(&self) -> StoreError {
        StoreError::new(format!(
            "{}: this is detsys-testkit's old schema (tables history, run, …, before 2021-01-29), which histcheck does not read; migrate it with detsys-db up",
            self.name
        ))
    }

    fn check_schema(&self) -> Result<()> {
        let tables = self.tables()?;
        if tables.iter().any(|t| t == "event_log") {
            return Ok(());
        }
        if tables.iter().any(|t| t == "history" || t == "run") {
            return Err(self.old_schema());
        }
        Err(StoreError::new(format!("{}: not a detsys store: it has no event_log table", self.name)))
    }

    /// Starts a write transaction that takes the write lock at once (waiting
    /// up to the busy timeout for it).
    fn transaction(&mut self) -> Result<rusqlite::Transaction<'_>> {
        let busy = self.busy_ms;
        let name = self.name.clone();
        self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(|e| {
            if is_busy(&e) {
                StoreError::locked(format!(
                    "{name}: the database is locked by another process (waited {busy} ms to write)"
                ))
            } else {
                StoreError::new(format!("{name}: cannot start a transaction: {e}"))
            }
        })
    }

    /// Reads `event_log` in row order and keeps the rows of the runs `filter`
    /// selects, as `wants` says. `meta` is parsed for every row; `data` only
    /// for the rows kept, and later (see [`RunRows`]).
    ///
    /// A big table is read in as many row ranges as there are cores, each on
    /// its own read-only connection, and the parts are joined in row order.
    pub fn scan(&self, filter: Filter, wants: Wants) -> Result<Scan> {
        self.scan_split(filter, wants, PARALLEL_SCAN_ROWS)
    }

    /// [`Store::scan`], in parallel when the table has more than `min_rows` rows.
    pub fn scan_split(&self, filter: Filter, wants: Wants, min_rows: i64) -> Result<Scan> {
        let (name, busy) = (self.name.as_str(), self.busy_ms);
        let (lo, hi): (Option<i64>, Option<i64>) = self
            .conn
            .query_row("SELECT min(id), max(id) FROM event_log", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.sql_error("cannot read event_log", e))?;
        let (Some(lo), Some(hi)) = (lo, hi) else {
            return scan_conn(&self.conn, name, busy, filter, wants, None);
        };
        let parts = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8) as i64;
        // Row ids may span the whole i64 range: the ranges are computed in i128.
        let span = i128::from(hi) - i128::from(lo);
        if parts < 2 || span < i128::from(min_rows) {
            return scan_conn(&self.conn, name, busy, filter, wants, Some((lo, hi)));
        }
        let (lo128, hi128, parts128) = (i128::from(lo), i128::from(hi), i128::from(parts));
        let step = (span + parts128) / parts128;
        // Each bound lies in lo..=hi, so it fits an i64.
        let ranges: Vec<(i64, i64)> = (0..parts128)
            .map(|k| (lo128 + k * step, (lo128 + (k + 1) * step - 1).min(hi128)))
            .filter(|(a, b)| a <= b)
            .filter_map(|(a, b)| Some((i64::try_from(a).ok()?, i64::try_from(b).ok()?)))
            .collect();
        // Each reader's connection is opened here: a Store is not shared between threads.
        let mut readers = Vec::with_capacity(ranges.len() - 1);
        for _ in 1..ranges.len() {
            readers.push(self.reader()?);
        }
        let results: Vec<Result<Scan>> = std::thread::scope(|sc| {
            let handles: Vec<_> = ranges[1..]
                .iter()
                .zip(readers)
                .map(|(&r, conn)| sc.spawn(move || scan_conn(&conn, name, busy, filter, wants, Some(r))))
                .collect();
            let mut out = vec![scan_conn(&self.conn, name, busy, filter, wants, Some(ranges[0]))];
            for h in handles {
                out.push(h.join().unwrap_or_else(|_| Err(StoreError::new(format!("{name}: a reader thread failed")))));
            }
            out
        });
        let mut whole: Option<Scan> = None;
        for part in results {
            let part = part?;
            match &mut whole {
                None => whole = Some(part),
                Some(w) => w.append(part),
            }
        }
        Ok(whole.unwrap_or_default())
    }

    /// The rows of the runs `filter` selects, as `wants` says, for checking
    /// them; an error when the filter names a test or run that does not exist.
    /// One run (a test and a run id) is read through the run-id index (see
    /// [`Store::run_rows`]: only the rows SQLite gives that run are read, and
    /// only those are reported as skipped); other filters read the whole
    /// table ([`Store::scan`]).
    pub fn read_runs(&self, filter: Filter, wants: Wants) -> Result<Scan> {
        if let (Some(test), Some(run)) = (filter.test, filter.run) {
            let id = RunId { test, run };
            let (mut scan, rr) = self.run_rows(id, wants)?;
            scan.runs.insert(id, rr);
            return Ok(scan);
        }
        let scan = self.scan(filter, wants)?;
        scan.check_filter(filter)?;
        Ok(scan)
    }

    /// Every run `filter` selects, with its seed, faults, op and step counts and
    /// latest analysis, ordered by test and run; and the rows left out (see [`SkippedRow`]).
    pub fn list(&self, filter: Filter) -> Result<(Vec<RunSummary>, Vec<SkippedRow>)> {
        let scan = self.scan(filter, Wants { analyses: true, counts: true, ..Wants::default() })?;
        scan.check_filter(filter)?;
        let mut out = Vec::new();
        for (id, rr) in &scan.runs {
            let create = match &rr.create_run {
                Some(raw) => Some(parse_data(&scan.db, raw, "CreateRun")?),
                None => None,
            };
            let get = |k: &str| create.as_ref().and_then(|c| c.get(k)).cloned().unwrap_or(Json::Null);
            let imported_from = create
                .as_ref()
                .and_then(|c| c.get("imported-from"))
                .and_then(|i| i.get("path"))
                .and_then(Json::as_str)
                .map(str::to_string);
            let last_analysis = match rr.analyses.last() {
                Some(a) => Some(analysis_of(&scan.db, a)?),
                None => None,
            };
            out.push(RunSummary {
                id: *id,
                seed: get("seed"),
                faults: match get("faults") {
                    Json::Null => json!([]),
                    f => f,
                },
                ops: rr.n_ops,
                steps: rr.n_steps,
                imported_from,
                last_analysis,
            });
        }
        Ok((out, scan.skipped))
    }

    /// The stored analyses of one run, oldest first; and the rows left out
    /// that might have been the run's (see [`SkippedRow`]).
    pub fn analyses(&self, id: RunId) -> Result<(Vec<Analysis>, Vec<SkippedRow>)> {
        let (scan, rr) = self.run_rows(id, Wants { analyses: true, ..Wants::default() })?;
        let list = rr.analyses.iter().map(|a| analysis_of(&scan.db, a)).collect::<Result<_>>()?;
        Ok((list, scan.skipped))
    }

    /// The rows of one run, for its history or trace. A missing test or run is an error.
    ///
    /// The run's rows are looked up through detsys's index `idx_run_id` (and
    /// the test's `CreateTest` through `idx_test_id`), so the cost follows the
    /// run's size, not the table's. The whole table is read instead when the
    /// index is missing, when the lookup fails (such as on a `meta` that is
    /// not JSON, which only a store written without the indexes can hold), and
    /// when the run has no rows (to name the tests and runs there are).
    /// The lookup compares ids as SQLite does, so a row whose run id is
    /// `true` or `1.0` is found for run 1 (and then skipped and reported, see
    /// [`SkippedRow`]); rows whose ids are text or out of range are not found,
    /// and not reported.
    pub fn run_rows(&self, id: RunId, wants: Wants) -> Result<(Scan, RunRows)> {
        let mut scan = match self.scan_run_indexed(id, wants) {
            Ok(Some(scan)) => scan,
            Err(e) if e.locked => return Err(e),
            Ok(None) | Err(_) => self.scan(Filter::one(id), wants)?,
        };
        scan.run(id)?;
        let rr = scan.runs.remove(&id).unwrap_or_default();
        Ok((scan, rr))
    }

    /// One run's rows through the indexes, or `None` when that cannot be done
    /// (see [`Store::run_rows`]).
    fn scan_run_indexed(&self, id: RunId, wants: Wants) -> Result<Option<Scan>> {
        let (name, busy) = (self.name.as_str(), self.busy_ms);
        let indexed: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'event_log' AND name = 'idx_run_id'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.sql_error("cannot read the schema", e))?;
        if indexed == 0 {
            return Ok(None);
        }
        // Both reads see one snapshot of the store.
        let tx = self.conn.unchecked_transaction().map_err(|e| self.sql_error("cannot read event_log", e))?;
        let filter = Filter::one(id);
        let mut scan = scan_query(&tx, name, busy, filter, wants, &run_rows_sql(wants), [id.test, id.run])?;
        if !scan.runs.contains_key(&id) {
            return Ok(None);
        }
        scan.append(scan_query(&tx, name, busy, filter, wants, TEST_ROWS_SQL, [id.test])?);
        scan.skipped.sort_by_key(|s| s.row);
        Ok(Some(scan))
    }

    /// The Jepsen history of one run. Rows left out that might have been the
    /// run's (see [`SkippedRow`]) are among the history's warnings.
    pub fn load_history(&self, id: RunId, flavor: Flavor) -> Result<StoredHistory> {
        let (scan, rr) = self.run_rows(id, Wants { history: true, ..Wants::default() })?;
        let mut h = rr.history(&scan.db, flavor)?;
        let skipped = scan.skipped.iter().map(|s| history::Warning { pos: None, message: s.to_string() });
        h.history.warnings.extend(skipped);
        Ok(h)
    }

    /// The state trace of one run. Rows left out that might have been the
    /// run's (see [`SkippedRow`]) are among the trace's warnings.
    pub fn load_trace(&self, id: RunId) -> Result<Trace> {
        let (scan, rr) = self.run_rows(id, Wants { trace: true, ..Wants::default() })?;
        let mut t = rr.trace(&scan)?;
        t.warnings.extend(scan.skipped.iter().map(ToString::to_string));
        Ok(t)
    }

    /// Writes the analyses of one run in one transaction: all of them land or none.
    /// Returns their row ids.
    pub fn write_analyses(&mut self, list: &[NewAnalysis]) -> Result<Vec<i64>> {
        let name = self.name.clone();
        let tx = self.transaction()?;
        let mut ids = Vec::new();
        {
            let mut st = tx
                .prepare_cached("INSERT INTO event_log (event, meta, data) VALUES ('Analysis', ?1, ?2)")
                .map_err(|e| StoreError::new(format!("{name}: cannot write an Analysis event: {e}")))?;
            for a in list {
                let meta = json!({"component": "histcheck", "test-id": a.id.test, "run-id": a.id.run});
                let data = AnalysisData {
                    valid: &a.valid,
                    result: &a.result,
                    checker: &a.checker,
                    checker_version: &a.checker_version,
                };
                let data = serde_json::to_string(&data).map_err(|e| {
                    StoreError::new(format!("{name}: cannot write the Analysis event of {}: {e}", a.id))
                })?;
                st.execute([meta.to_string(), data]).map_err(|e| {
                    StoreError::new(format!("{name}: cannot write the Analysis event of {}: {e}", a.id))
                })?;
                ids.push(tx.last_insert_rowid());
            }
        }
        tx.commit().map_err(|e| {
            if is_busy(&e) {
                StoreError::locked(format!("{name}: the database is locked by another process (commit of an Analysis)"))
            } else {
                StoreError::new(format!("{name}: cannot commit an Analysis event: {e}"))
            }
        })?;
        Ok(ids)
    }

    /// The connection, for this crate's tests.
    #[cfg(test)]
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// [`Store::scan`] on a connection (or a transaction's).
pub(crate) fn scan_conn(
    conn: &Connection,
    name: &str,
    busy_ms: u64,
    filter: Filter,
    wants: Wants,
    range: Option<(i64, i64)>,
) -> Result<Scan> {
    let (lo, hi) = range.unwrap_or((i64::MIN, i64::MAX));
    let sql = "SELECT id, event, meta, data, at FROM event_log WHERE id BETWEEN ?1 AND ?2 ORDER BY id";
    scan_query(conn, name, busy_ms, filter, wants, sql, [lo, hi])
}

/// The SQL that reads the rows of one run (`?1` the test id, `?2` the run id)
/// that `wants` needs, through detsys's index `idx_run_id` on (meta test-id,
/// meta run-id, event), in row order.
pub(crate) fn run_rows_sql(wants: Wants) -> String {
    let mut events = vec!["CreateRun"];
    if wants.history || wants.trace {
        events.push("NetworkTrace");
    }
    if wants.history {
        events.push(IMPORTED_OP);
    }
    if wants.trace {
        events.push("ExecutionStep");
    }
    if wants.analyses {
        events.push("Analysis");
    }
    let list = events.iter().map(|e| format!("'{e}'")).collect::<Vec<_>>().join(", ");
    format!(
        "SELECT id, event, meta, data, at FROM event_log \
         WHERE json_extract(meta, '$.test-id') = ?1 AND json_extract(meta, '$.run-id') = ?2 AND event IN ({list}) \
         ORDER BY id"
    )
}

/// The SQL that reads a test's `CreateTest` rows (`?1` the test id), through
/// detsys's index `idx_test_id` on (meta test-id, event).
pub(crate) const TEST_ROWS_SQL: &str = "SELECT id, event, meta, data, at FROM event_log \
     WHERE json_extract(meta, '$.test-id') = ?1 AND event = 'CreateTest' ORDER BY id";

/// Keeps the rows `sql` returns (id, event, meta, data, at, in row order) as
/// [`Store::scan`] does.
fn scan_query<P: rusqlite::Params>(
    conn: &Connection,
    name: &str,
    busy_ms: u64,
    filter: Filter,
    wants: Wants,
    sql: &str,
    params: P,
) -> Result<Scan> {
    let mut scan = Scan { db: name.to_string(), ..Scan::default() };
    let mut st = conn.prepare(sql).map_err(|e| sql_error(name, busy_ms, "cannot read event_log", e))?;
    let mut rows = st.query(params).map_err(|e| sql_error(name, busy_ms, "cannot read event_log", e))?;
    let mut seen: BTreeMap<i64, std::collections::BTreeSet<i64>> = BTreeMap::new();
    loop {
        let row = match rows.next() {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e) => return Err(sql_error(name, busy_ms, "cannot read event_log", e)),
        };
        let id: i64 = row.get(0).map_err(|e| sql_error(name, busy_ms, "cannot read event_log", e))?;
        scan.rows_read += 1;
        // An event that is not text is none of those read here.
        let event = text_of(row.get_ref(1), name, id, "event").unwrap_or("");
        let kind = match event {
            "CreateTest" => Kind::CreateTest,
            "CreateRun" => Kind::CreateRun,
            "NetworkTrace" => Kind::Network,
            "ExecutionStep" => Kind::Step,
            "Analysis" => Kind::Analysis,
            IMPORTED_OP => Kind::Imported,
            _ => continue,
        };
        // Rows nobody asked for are skipped before their meta is parsed.
        let skip = !wants.trace
            && !wants.counts
            && match kind {
                Kind::Step => true,
                Kind::Network => !text_of(row.get_ref(3), name, id, "data")?.contains("\"jepsen-type\""),
                Kind::Analysis => !wants.analyses,
                _ => false,
            };
        if skip {
            continue;
        }
        let skipped = |field: &'static str, value: Option<&Json>, detail: Option<String>| SkippedRow {
            row: id,
            event: event.to_string(),
            field,
            value: value.cloned(),
            detail,
        };
        let meta: std::result::Result<MetaIds, String> = match row.get_ref(2) {
            Ok(ValueRef::Text(b) | ValueRef::Blob(b)) => match std::str::from_utf8(b) {
                Ok(text) => serde_json::from_str(text).map_err(|e| e.to_string()),
                Err(e) => Err(format!("it is not UTF-8 text ({e})")),
            },
            Ok(ValueRef::Null) => Err("it is NULL".into()),
            Ok(v) => Err(format!("it is {:?}, not text", v.data_type())),
            Err(e) => Err(e.to_string()),
        };
        let meta = match meta {
            Ok(m) => m,
            Err(e) => {
                scan.skipped.push(skipped("meta", None, Some(e)));
                continue;
            }
        };
        let Some(test) = meta.test_id.as_ref().and_then(Json::as_i64) else {
            scan.skipped.push(skipped("test-id", meta.test_id.as_ref(), None));
            continue;
        };
        let run = meta.run_id.as_ref().and_then(Json::as_i64);
        if kind == Kind::CreateTest {
            seen.entry(test).or_default();
            if filter.wants_test(test) {
                let data = text_of(row.get_ref(3), name, id, "data")?;
                scan.tests.entry(test).or_default().push(RawRow { id, data: data.into() });
            }
            continue;
        }
        let Some(run) = run else {
            // A row of another test is no run's the command wants, whatever its run id.
            if filter.wants_test(test) {
                scan.skipped.push(skipped("run-id", meta.run_id.as_ref(), None));
            }
            continue;
        };
        seen.entry(test).or_default().insert(run);
        let rid = RunId { test, run };
        if !filter.wants(rid) {
            continue;
        }
        let data = text_of(row.get_ref(3), name, id, "data")?;
        let entry = scan.runs.entry(rid).or_insert_with(|| RunRows { id: Some(rid), ..RunRows::default() });
        let raw = || RawRow { id, data: data.into() };
        match kind {
            Kind::CreateRun => {
                if entry.create_run.is_none() {
                    entry.create_run = Some(raw());
                }
            }
            Kind::Network => {
                // A row without the text "jepsen-type" cannot be a history op.
                let maybe_op = data.contains("\"jepsen-type\"");
                if maybe_op {
                    entry.n_ops += 1;
                }
                if wants.trace || (wants.history && maybe_op) {
                    entry.network.push(raw());
                }
            }
            Kind::Step => {
                entry.n_steps += 1;
                if wants.trace {
                    entry.steps.push(raw());
                }
            }
            Kind::Imported => {
                entry.n_ops += 1;
                if wants.history {
                    entry.imported.push(raw());
                }
            }
            Kind::Analysis => {
                if wants.analyses {
                    let at = row.get_ref(4).ok().and_then(|v| v.as_str().ok().map(str::to_string)).unwrap_or_default();
                    let comp = meta.component.as_ref().and_then(Json::as_str).unwrap_or("").to_string();
                    entry.analyses.push(AnalysisRow { raw: raw(), at, component: comp });
                }
            }
            Kind::CreateTest => {}
        }
    }
    drop(rows);
    scan.all_runs = seen.into_iter().map(|(t, rs)| (t, rs.into_iter().collect())).collect();
    Ok(scan)
}

/// A message for a failed SQL call: a lock held by another process, a file
/// that is not a database, or SQLite's own words.
fn sql_error(name: &str, busy_ms: u64, what: &str, e: rusqlite::Error) -> StoreError {
    if is_busy(&e) {
        return StoreError::locked(format!(
            "{name}: the database is locked by another process (waited {busy_ms} ms; {what})"
        ));
    }
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => {
            StoreError::new(format!("{name}: not an SQLite database, or a corrupt one ({what}: {e})"))
        }
        Some(ErrorCode::DatabaseCorrupt) => StoreError::new(format!("{name}: the database is corrupt ({what}: {e})")),
        Some(ErrorCode::ReadOnly) => StoreError::new(format!("{name}: the database cannot be written ({what}: {e})")),
        _ => StoreError::new(format!("{name}: {what}: {e}")),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    CreateTest,
    CreateRun,
    Network,
    Step,
    Analysis,
    Imported,
}

/// A TEXT (or BLOB of UTF-8) column of a row.
fn text_of<'a>(
    v: std::result::Result<rusqlite::types::ValueRef<'a>, rusqlite::Error>,
    db: &str,
    id: i64,
    col: &str,
) -> Result<&'a str> {
    use rusqlite::types::ValueRef;
    let v = v.map_err(|e| StoreError::new(format!("{db}: event_log row {id}: cannot read {col}: {e}")))?;
    let bytes = match v {
        ValueRef::Text(b) | ValueRef::Blob(b) => b,
        ValueRef::Null => return Err(StoreError::new(format!("{db}: event_log row {id}: {col} is NULL"))),
        other => {
            return Err(StoreError::new(format!(
                "{db}: event_log row {id}: {col} is {:?}, not text",
                other.data_type()
            )))
        }
    };
    std::str::from_utf8(bytes)
        .map_err(|e| StoreError::new(format!("{db}: event_log row {id}: {col} is not UTF-8 text: {e}")))
}

/// Parses a kept row's `data`.
pub(crate) fn parse_data(db: &str, raw: &RawRow, event: &str) -> Result<Json> {
    serde_json::from_str(&raw.data)
        .map_err(|e| StoreError::new(format!("{db}: event_log row {} ({event}): data is not valid JSON: {e}", raw.id)))
}

/// The `data` of an Analysis event histcheck writes, keys in this order.
#[derive(Serialize)]
struct AnalysisData<'a> {
    valid: &'a Json,
    result: &'a RawValue,
    checker: &'a str,
    #[serde(rename = "checker-version")]
    checker_version: &'a str,
}

/// An Analysis's `data.result` as its stored text.
#[derive(Deserialize)]
struct ResultText<'a> {
    #[serde(borrow)]
    result: Option<&'a RawValue>,
}

fn analysis_of(db: &str, a: &AnalysisRow) -> Result<Analysis> {
    let raw = &a.raw;
    let data = parse_data(db, raw, "Analysis")?;
    let result_text =
        serde_json::from_str::<ResultText<'_>>(&raw.data).ok().and_then(|r| r.result.map(RawValue::to_owned));
    let (at, component) = (a.at.clone(), a.component.clone());
    let s = |k: &str| data.get(k).and_then(Json::as_str).map(str::to_string);
    Ok(Analysis {
        row: raw.id,
        at,
        component,
        valid: data.get("valid").cloned().unwrap_or(Json::Null),
        checker: s("checker"),
        checker_version: s("checker-version"),
        result: data.get("result").cloned().unwrap_or(Json::Null),
        result_text,
    })
}

impl Scan {
    /// Adds the rows of a later part of the table.
    fn append(&mut self, part: Scan) {
        for (id, rr) in part.runs {
            let e = self.runs.entry(id).or_insert_with(|| RunRows { id: Some(id), ..RunRows::default() });
            if e.create_run.is_none() {
                e.create_run = rr.create_run;
            }
            e.network.extend(rr.network);
            e.steps.extend(rr.steps);
            e.imported.extend(rr.imported);
            e.analyses.extend(rr.analyses);
            e.n_ops += rr.n_ops;
            e.n_steps += rr.n_steps;
        }
        for (t, rows) in part.tests {
            self.tests.entry(t).or_default().extend(rows);
        }
        self.skipped.extend(part.skipped);
        self.rows_read += part.rows_read;
        for (t, runs) in part.all_runs {
            let mine = self.all_runs.entry(t).or_default();
            mine.extend(runs);
            mine.sort_unstable();
            mine.dedup();
        }
    }

    /// The rows of a run, or an error naming what is missing: the test, or the run.
    pub fn run(&self, id: RunId) -> Result<&RunRows> {
        if let Some(rr) = self.runs.get(&id) {
            return Ok(rr);
        }
        match self.all_runs.get(&id.test) {
            None => {
                Err(StoreError::new(format!("{}: no test {} (tests: {})", self.db, id.test, ids(self.all_runs.keys()))))
            }
            Some(runs) => Err(StoreError::new(format!(
                "{}: test {} has no run {} (runs: {})",
                self.db,
                id.test,
                id.run,
                ids(runs.iter())
            ))),
        }
    }

    /// An error when a filter names a test or run that does not exist.
    pub fn check_filter(&self, f: Filter) -> Result<()> {
        match (f.test, f.run) {
            (Some(t), Some(r)) => self.run(RunId { test: t, run: r }).map(|_| ()),
            (Some(t), None) if !self.all_runs.contains_key(&t) => {
                Err(StoreError::new(format!("{}: no test {t} (tests: {})", self.db, ids(self.all_runs.keys()))))
            }
            (None, Some(r)) if !self.runs.keys().any(|k| k.run == r) => {
                Err(StoreError::new(format!("{}: no test has a run {r}", self.db)))
            }
            _ => Ok(()),
        }
    }
}

/// `0–4, 7, 9` (or `none`).
fn ids<'a>(it: impl Iterator<Item = &'a i64>) -> String {
    let v: Vec<i64> = it.copied().collect();
    if v.is_empty() {
        return "none".into();
    }
    let mut parts = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        parts.push(if j > i { format!("{}–{}", v[i], v[j]) } else { v[i].to_string() });
        i = j + 1;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests;
