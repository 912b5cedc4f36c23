//! Checking one loaded history as `histcheck elle` does: the library entry
//! point that the command line, `runs check --elle` and any other program call.
//!
//! The pattern, which a new checker copies:
//!
//! 1. a typed [`Request`] (flags already parsed, files already read);
//! 2. [`prepare`]: the refusals (flags that make no sense for this history),
//!    the workload ([`detect_workload`]), the plain-register conversion and
//!    the "nothing to check" refusal, each a typed [`Error`];
//! 3. [`Prepared::check`]: the analysis, giving a [`Checked`] with the
//!    [`Report`] (for text and plots) and the `--json` [`Document`].
//!
//! The caller renders the result and maps [`Report::valid`] to its exit code.
//!
//! ```
//! use checker::elle::{prepare, Request};
//! use history::SrcPos;
//!
//! let edn = "{:type :invoke, :f :txn, :value [[:append :x 1]], :process 0}
//!            {:type :ok, :f :txn, :value [[:append :x 1]], :process 0}
//!            {:type :invoke, :f :txn, :value [[:r :x nil]], :process 1}
//!            {:type :ok, :f :txn, :value [[:r :x [1]]], :process 1}";
//! let h = parsers::read_history(edn.as_bytes(), "h.edn", None, Default::default()).unwrap();
//! let locate = |p: SrcPos| format!("h.edn:{}:{}", p.line, p.col);
//! let prepared = prepare("h.edn", &locate, h, &Request::default()).unwrap();
//! let checked = prepared.check().unwrap();
//! assert_eq!(checked.document.model, "list-append");
//! assert!(checked.report.anomaly_types.is_empty());
//! ```

use crate::check::{self, Options, Report};
use crate::cycles::SearchOptions;
use crate::register_history;
use crate::report_json::{self, Document};
use crate::rw_register::RwOptions;
use crate::{DetectError, Model};
use history::{snippet_of, History, Id, OpType, OpValue, SrcPos};
use serde_json::Value as Json;
use std::fmt::{self, Write as _};

/// Names an op's position for messages: `FILE:LINE:COL`, or a store's row.
pub type Locate<'a> = dyn Fn(SrcPos) -> String + 'a;

pub use history::Workload;

/// The workload from the micro-ops ([`Model::detect`]); the error names
/// the op(s) at fault, as `locate` places them and the op itself.
pub fn detect_workload(h: &History, locate: &Locate<'_>) -> Result<Workload, Error> {
    let at = |i: usize| {
        let op = &h.ops[i];
        format!("{}: {}", locate(op.pos), snippet_of(&h.op_to_value(op)))
    };
    match Model::detect(h) {
        Ok(Model::ListAppend) => Ok(Workload::ListAppend),
        Ok(Model::RwRegister(_)) => Ok(Workload::RwRegister),
        Err(e @ DetectError::Mixed { list_append, rw_register }) => Err(Error::input(format!(
            "{e}:\n  list-append:  {}\n  rw-register: {}",
            at(list_append),
            at(rw_register)
        ))),
        Err(e @ DetectError::NoTransactions { op }) => Err(Error::input(format!(
            "{e}, e.g.\n  {}\n`elle` checks list-append and rw-register transactions and plain register histories; a mutex, queue or set history needs a linearizability or set checker",
            at(op)
        ))),
        Err(e @ DetectError::UnknownFunction { op, pos, .. }) => Err(Error::input(format!(
            "{}: {e}\n  {}",
            locate(pos),
            snippet_of(&h.op_to_value(&h.ops[op]))
        ))),
    }
}

/// What to check a history for: the flags of `elle` (and of `runs check
/// --elle`), parsed.
#[derive(Clone, Debug)]
pub struct Request {
    /// The workload; `None` detects it from the micro-ops.
    pub workload: Option<Workload>,
    /// The consistency models as given, split at commas (`-c a,b` is
    /// `["a", "b"]`, see [`split_list`]): names are trimmed, empty ones left
    /// out, and `none` alone asks for no model. Naming no model at all
    /// (`-c ""`, `-c ,`) is refused.
    pub consistency_models: Vec<String>,
    /// The anomalies asked for besides those the models prohibit, as given,
    /// split at commas; empty asks for none.
    pub anomalies: Vec<String>,
    /// Work budget of the cycle search, per component and cycle type.
    pub budget: u64,
    /// list-append: take :info completions' reads as observations, as Elle does.
    pub info_reads: bool,
    /// rw-register: writes follow reads inside a transaction.
    pub wfr_keys: bool,
    /// rw-register: each key is sequentially consistent.
    pub sequential_keys: bool,
    /// rw-register: each key is linearizable.
    pub linearizable_keys: bool,
    /// rw-register: a known commit order, completion `:index`es, first
    /// committed first (the caller reads the file).
    pub txn_order: Option<Vec<u64>>,
    /// The time it took to read the history: `Some` puts the stage timings
    /// into the document (`--timings`).
    pub read_ms: Option<u64>,
}

impl Default for Request {
    /// `elle`'s defaults: detect the workload, check strict-serializable.
    fn default() -> Self {
        Request {
            workload: None,
            consistency_models: vec!["strict-serializable".to_string()],
            anomalies: Vec::new(),
            budget: SearchOptions::default().budget,
            info_reads: false,
            wfr_keys: false,
            sequential_keys: false,
            linearizable_keys: false,
            txn_order: None,
            read_ms: None,
        }
    }
}

impl Request {
    /// The checker options of the request.
    pub fn options(&self) -> Options {
        options(&self.consistency_models, &self.anomalies, self.budget, self.info_reads)
    }
}

/// Splits a comma-separated list as the command line gives it (`"a,b"` is
/// `["a", "b"]`, `""` is `[""]`): what clap's `value_delimiter = ','` does.
pub fn split_list(list: &str) -> Vec<String> {
    list.split(',').map(str::to_string).collect()
}

/// The names of a list split at commas: trimmed, empty ones left out, and
/// `none` alone (or nothing) the empty list.
pub fn names(list: &[String]) -> Vec<String> {
    let joined = list.join(",");
    let t = joined.trim();
    if t.is_empty() || t == "none" {
        return Vec::new();
    }
    t.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// The checker options from the lists as given (see [`Request`]).
pub fn options(consistency_models: &[String], anomalies: &[String], budget: u64, info_reads: bool) -> Options {
    Options {
        models: names(consistency_models),
        anomalies: names(anomalies),
        search: SearchOptions { budget },
        info_reads,
    }
}

/// Whether an error is about the request (the flags) or the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request makes no sense (for this history): a flag to change.
    Usage,
    /// The history cannot be checked as asked.
    Input,
}

/// Why a history was not checked: the message, complete (it names the file
/// and the ops at fault; the command line prints it as `error: MESSAGE`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    fn usage(message: impl Into<String>) -> Error {
        Error { kind: ErrorKind::Usage, message: message.into() }
    }

    fn input(message: impl Into<String>) -> Error {
        Error { kind: ErrorKind::Input, message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Why a history holds nothing to check, if it does not: no client
/// transaction at all (an empty file, only nemesis ops), or only failed ones,
/// which did not happen. A verdict on such a history would claim a check that
/// never ran, so it is an input error, not `unknown`.
pub fn nothing_to_check(h: &History) -> Option<String> {
    let (mut total, mut failed) = (0u64, 0u64);
    for (i, op) in h.ops.iter().enumerate() {
        if op.process.client().is_none() || !matches!(op.value, OpValue::Txn { .. }) {
            continue;
        }
        // One transaction per completion, and one per invocation never completed.
        match op.kind {
            OpType::Invoke if h.partner_of(i).is_some() => continue,
            OpType::Fail => failed += 1,
            _ => {}
        }
        total += 1;
    }
    if total == 0 {
        Some("the history has no client transactions".into())
    } else if failed == total {
        let all = if total == 1 { "its only transaction".to_string() } else { format!("all {total} transactions") };
        Some(format!("{all} failed (:fail), so none of them took effect"))
    } else {
        None
    }
}

/// A key or value of the history by histcheck's JSON convention (`:x` →
/// `":x"`, `"x"` → `"x"`, `3` → `3`), as the documents give them.
pub fn atom_json(h: &History, id: Id) -> Json {
    let text = parsers::json::value_to_json(&h.atoms.to_value(id));
    serde_json::from_str(&text).unwrap_or(Json::String(text))
}

/// A history ready to be checked: the refusals passed, the workload known,
/// a plain register history turned into transactions.
pub struct Prepared<'a> {
    /// The history to check (the transactions of a plain register history).
    pub history: History,
    pub workload: Workload,
    pub options: Options,
    /// Plain register history: one-micro-op transactions (two for a cas).
    pub plain_register: bool,
    rw: RwOptions,
    name: String,
    locate: &'a Locate<'a>,
    read_ms: Option<u64>,
}

/// A checked history.
pub struct Checked<'p> {
    /// The history checked (the transactions of a plain register history).
    pub history: &'p History,
    pub workload: Workload,
    pub options: &'p Options,
    pub report: Report<'p>,
    /// The `--json` document (`file` is the name given to [`prepare`]).
    pub document: Document,
}

/// The message of a history error: `NAME: MESSAGE` and each op at fault.
fn located(name: &str, locate: &Locate<'_>, h: &History, e: &crate::CheckError) -> String {
    let mut msg = format!("{name}: {}", e.message);
    for &t in &e.ops {
        let op = &h.ops[t as usize];
        let _ = write!(msg, "\n  {}: {}", locate(op.pos), snippet_of(&h.op_to_value(op)));
    }
    msg
}

/// Refuses what cannot be checked as asked, detects the workload and turns a
/// plain register history into transactions. `name` names the history in
/// messages and is the document's `file`; `locate` places its ops.
pub fn prepare<'a>(name: &str, locate: &'a Locate<'a>, h: History, req: &Request) -> Result<Prepared<'a>, Error> {
    // `-c ""` or `-c ,` names no model: a typo, not a request for none (that is `-c none`).
    let given = req.consistency_models.join(",");
    if given.trim() != "none" && names(&req.consistency_models).is_empty() {
        return Err(Error::usage(format!(
            "-c {given:?} names no consistency model: give one or more (histcheck elle --list-models), or `none` to check only the anomalies given with -a"
        )));
    }
    let detected = detect_workload(&h, locate)?;
    let workload = req.workload.unwrap_or(detected);
    let rw_flags = req.wfr_keys || req.sequential_keys || req.linearizable_keys || req.txn_order.is_some();
    if workload == Workload::ListAppend && rw_flags {
        return Err(Error::usage(
            "--wfr-keys, --sequential-keys, --linearizable-keys and --txn-order order the versions of registers: they need --model rw-register (list-append reads carry their version order)",
        ));
    }
    if workload == Workload::RwRegister && req.info_reads {
        return Err(Error::usage(
            "--info-reads takes list-append :info reads as observations; rw-register never does (Elle neither), so it would change nothing here",
        ));
    }
    let plain = register_history::is_plain_register(&h);
    if workload == Workload::ListAppend && plain {
        return Err(Error::usage(format!(
            "{name} is a plain register history (:read, :write and :cas ops, no transactions): check it with --model rw-register, or without --model"
        )));
    }
    // Plain register histories are checked as one-micro-op transactions (two
    // for a cas), with --linearizable-keys and --wfr-keys implied.
    let plain = workload == Workload::RwRegister && plain;
    let h = if plain {
        register_history::to_transactions(&h).map_err(|e| Error::input(located(name, locate, &h, &e)))?
    } else {
        h
    };
    if let Some(why) = nothing_to_check(&h) {
        return Err(Error::input(format!("{name}: nothing to check: {why}")));
    }
    let rw = RwOptions {
        // A cas reads and then writes, atomically: its write follows its read.
        wfr_keys: req.wfr_keys || plain,
        sequential_keys: req.sequential_keys,
        linearizable_keys: req.linearizable_keys || plain,
        txn_order: req.txn_order.clone(),
    };
    Ok(Prepared {
        history: h,
        workload,
        options: req.options(),
        plain_register: plain,
        rw,
        name: name.to_string(),
        locate,
        read_ms: req.read_ms,
    })
}

impl Prepared<'_> {
    /// Checks the history: the report and its document. Errors: a model or
    /// anomaly name the checker does not know (usage), a history it cannot
    /// analyse (input, naming the ops).
    pub fn check(&self) -> Result<Checked<'_>, Error> {
        let h = &self.history;
        let report = match self.workload {
            Workload::ListAppend => check::check_list_append(h, &self.options),
            Workload::RwRegister => check::check_rw_register(h, &self.options, &self.rw),
        };
        let report = match report {
            Ok(r) => r,
            Err(check::Error::Unknown(u)) => {
                let hint = if u.suggestions.is_empty() {
                    String::new()
                } else {
                    format!(" (did you mean {}?)", u.suggestions.join(", "))
                };
                return Err(Error::usage(format!("unknown {} '{}'{hint}", u.what, u.name)));
            }
            Err(check::Error::History(e)) => {
                let mut msg = located(&self.name, self.locate, h, &e);
                if self.plain_register && e.ops.len() == 2 {
                    msg.push_str("\n  (Jepsen register tests often write the same small values again and again; such a history needs a linearizability checker such as Knossos or Porcupine, which histcheck elle is not)");
                }
                return Err(Error::input(msg));
            }
        };
        let document = report_json::document(
            &self.name,
            self.workload.name(),
            h,
            &self.options,
            &report,
            self.read_ms,
            &atom_json,
        );
        Ok(Checked { history: h, workload: self.workload, options: &self.options, report, document })
    }
}
