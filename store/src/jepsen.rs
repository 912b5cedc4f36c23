//! The Jepsen history of a stored run.
//!
//! A detsys run's history is its `NetworkTrace` rows that carry `jepsen-type`,
//! in row order, rewritten as detsys's checker does: every op is a one-micro-op
//! transaction on the key `:x`; `write`/`ack` become an append (list-append) or
//! a write (rw-register), `read`/`value` a read. The value is `args.value` when
//! it is an integer or an array, else nil; an `ok` or `info` without one takes
//! its invocation's. An imported run's history is its imported ops, as read.
//!
//! Every op's position is its `event_log` row: `pos.line` is the row id (cut
//! to `u32::MAX`), `pos.col` is 1.

use crate::{json, RawRow, Result, RunId, RunRows, StoreError};
use history::{History, HistoryBuilder, SrcPos, Value};
use serde::Deserialize;
use serde_json::Value as Json;
use std::borrow::Cow;
use std::collections::HashMap;

/// Which micro-op a write becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// `[:append :x v]`: detsys's default, and what its register example is.
    ListAppend,
    /// `[:w :x v]`.
    RwRegister,
}

/// A run's history, with where it came from.
#[derive(Clone, Debug)]
pub struct StoredHistory {
    pub id: RunId,
    pub history: History,
    /// Imported from a Jepsen history (else rebuilt from `NetworkTrace` rows).
    pub imported: bool,
}

/// The position that stands for an `event_log` row.
pub fn row_pos(row: i64) -> SrcPos {
    SrcPos { line: row.clamp(0, u32::MAX as i64) as u32, col: 1 }
}

#[derive(Deserialize)]
struct NetOp<'a> {
    #[serde(rename = "jepsen-type", borrow)]
    jepsen_type: Option<Cow<'a, str>>,
    #[serde(rename = "jepsen-process")]
    jepsen_process: Option<Json>,
    #[serde(borrow)]
    message: Option<Cow<'a, str>>,
    #[serde(default)]
    args: Json,
}

/// `args.value` when it is an integer or an array, as detsys's checker takes it.
fn value_of(args: &Json) -> Option<&Json> {
    match args.get("value") {
        Some(v @ Json::Array(_)) => Some(v),
        Some(v @ Json::Number(n)) if n.is_i64() || n.is_u64() => Some(v),
        _ => None,
    }
}

fn kw(s: &str) -> Value {
    Value::keyword(s)
}

impl RunRows {
    fn rid(&self) -> RunId {
        self.id.unwrap_or(RunId { test: -1, run: -1 })
    }

    /// The run's history. A run with no history rows is an error.
    pub fn history(&self, db: &str, flavor: Flavor) -> Result<StoredHistory> {
        let id = self.rid();
        if !self.imported.is_empty() {
            return self.imported_history(db);
        }
        let mut b = HistoryBuilder::new();
        b.reserve(self.network.len());
        let mut last_invoke: HashMap<i64, Json> = HashMap::new();
        let mut index = 0i64;
        let bad = |raw: &RawRow, msg: String| {
            StoreError::new(format!("{db}: event_log row {} (NetworkTrace, {id}): {msg}", raw.id))
        };
        for raw in &self.network {
            let op: NetOp<'_> =
                serde_json::from_str(&raw.data).map_err(|e| bad(raw, format!("data is not valid JSON: {e}")))?;
            let Some(ty) = op.jepsen_type.as_deref() else { continue };
            let ty = match ty {
                "invoke" | "ok" | "info" | "fail" => ty,
                other => {
                    return Err(bad(raw, format!("jepsen-type should be invoke, ok, info or fail, found \"{other}\"")))
                }
            };
            let process = match &op.jepsen_process {
                Some(p) => {
                    p.as_i64().ok_or_else(|| bad(raw, format!("jepsen-process should be an integer, found {p}")))?
                }
                None => return Err(bad(raw, "a row with jepsen-type has no jepsen-process".into())),
            };
            let message = op.message.as_deref().unwrap_or("");
            let f = match (message, flavor) {
                ("write" | "ack", Flavor::ListAppend) => "append",
                ("write" | "ack", Flavor::RwRegister) => "w",
                ("read" | "value", _) => "r",
                (m, _) => {
                    return Err(bad(
                        raw,
                        format!(
                            "message \"{m}\" has no Jepsen meaning: histcheck rewrites write/ack as {} and read/value as reads of one key, as detsys's checker does",
                            if flavor == Flavor::ListAppend { "appends" } else { "writes" }
                        ),
                    ))
                }
            };
            let value = match ty {
                "invoke" => {
                    let v = value_of(&op.args).cloned();
                    last_invoke.insert(process, op.args.clone());
                    v
                }
                _ => value_of(&op.args).or_else(|| last_invoke.get(&process).and_then(value_of)).cloned(),
            };
            let v = value.as_ref().map(json::to_value).unwrap_or(Value::Nil);
            let map = Value::Map(vec![
                (kw("index"), Value::Int(index)),
                (kw("type"), kw(ty)),
                (kw("f"), kw("txn")),
                (kw("process"), Value::Int(process)),
                (kw("value"), Value::Vector(vec![Value::Vector(vec![kw(f), kw("x"), v])])),
            ]);
            index += 1;
            b.push(&map, row_pos(raw.id)).map_err(|e| {
                StoreError::new(format!(
                    "{db}: event_log row {} (NetworkTrace, {id}): {}\n  {}",
                    raw.id, e.message, e.snippet
                ))
            })?;
        }
        if b.is_empty() {
            return Err(StoreError::new(format!(
                "{db}: {id} has no history: none of its {} NetworkTrace rows carries jepsen-type, and it has no imported ops",
                self.network.len()
            )));
        }
        let history = b.finish().map_err(|e| {
            StoreError::new(format!("{db}: event_log row {} ({id}): {}\n  {}", e.pos.line, e.message, e.snippet))
        })?;
        Ok(StoredHistory { id, history, imported: false })
    }

    /// An imported run: its ops are JSON Lines records, one per row.
    fn imported_history(&self, db: &str) -> Result<StoredHistory> {
        let id = self.rid();
        let mut text = String::with_capacity(self.imported.iter().map(|r| r.data.len() + 1).sum());
        for r in &self.imported {
            // One line per row: the stored JSON never holds a raw newline outside strings,
            // but compact it anyway so line k is row k.
            if r.data.contains('\n') {
                let j: Json = serde_json::from_str(&r.data).map_err(|e| {
                    StoreError::new(format!(
                        "{db}: event_log row {} (imported op, {id}): data is not valid JSON: {e}",
                        r.id
                    ))
                })?;
                text.push_str(&j.to_string());
            } else {
                text.push_str(&r.data);
            }
            text.push('\n');
        }
        let name = format!("{db} ({id})");
        let opts = parsers::ReadOptions { format: Some(parsers::Format::Jsonl), progress: None };
        let row_of = |line: u32| self.imported.get((line as usize).wrapping_sub(1)).map(|r| r.id);
        let mut h = parsers::read_history(text.as_bytes(), &name, Some(parsers::Format::Jsonl), opts).map_err(|e| {
            let row =
                row_of(e.pos.line).map(|r| format!("event_log row {r}")).unwrap_or_else(|| "an imported op".into());
            StoreError::new(format!("{db}: {row} (imported op, {id}): {}\n  {}", e.message, e.snippet))
        })?;
        for op in &mut h.ops {
            if let Some(r) = row_of(op.pos.line) {
                op.pos = row_pos(r);
            }
        }
        for w in &mut h.warnings {
            if let Some(p) = &mut w.pos {
                if let Some(r) = row_of(p.line) {
                    *p = row_pos(r);
                }
            }
        }
        Ok(StoredHistory { id, history: h, imported: true })
    }
}
