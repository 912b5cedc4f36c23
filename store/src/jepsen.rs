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
use history::{History, HistoryBuilder, MopKind, MopVal, OpType, Process, SrcPos, Value};
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
    args: Args,
}

/// `args`, of which only `value` matters: parsed without building the rest.
#[derive(Default)]
struct Args {
    value: Option<Val>,
}

/// `args.value` when detsys's checker takes it: an integer or an array.
#[derive(Clone, Debug)]
enum Val {
    Int(i64),
    /// An integer beyond `i64`.
    Big(Json),
    List(Vec<Json>),
}

impl<'de> Deserialize<'de> for Args {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Args;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the message's args")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> std::result::Result<Args, A::Error> {
                let mut value = None;
                while let Some(k) = m.next_key::<Cow<'de, str>>()? {
                    if k == "value" {
                        value = m.next_value::<OptVal>()?.0;
                    } else {
                        m.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(Args { value })
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> std::result::Result<Args, A::Error> {
                while s.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Args::default())
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Args, E> {
                Ok(Args::default())
            }
            fn visit_i64<E>(self, _: i64) -> std::result::Result<Args, E> {
                Ok(Args::default())
            }
            fn visit_u64<E>(self, _: u64) -> std::result::Result<Args, E> {
                Ok(Args::default())
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<Args, E> {
                Ok(Args::default())
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<Args, E> {
                Ok(Args::default())
            }
            fn visit_unit<E>(self) -> std::result::Result<Args, E> {
                Ok(Args::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// A `value`: Some for an integer or an array, None for anything else.
struct OptVal(Option<Val>);

impl<'de> Deserialize<'de> for OptVal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(OptVal(match Json::deserialize(d)? {
            Json::Number(n) => match n.as_i64() {
                Some(i) => Some(Val::Int(i)),
                None if n.is_u64() => Some(Val::Big(Json::Number(n))),
                None => None,
            },
            Json::Array(a) => Some(Val::List(a)),
            _ => None,
        }))
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
        let key = b.intern_keyword("x");
        let txn = b.intern_keyword("txn");
        let mut last_invoke: HashMap<i64, Option<Val>> = HashMap::new();
        let mut index = 0u64;
        let bad = |raw: &RawRow, msg: String| {
            StoreError::new(format!("{db}: event_log row {} (NetworkTrace, {id}): {msg}", raw.id))
        };
        for raw in &self.network {
            let op: NetOp<'_> =
                serde_json::from_str(&raw.data).map_err(|e| bad(raw, format!("data is not valid JSON: {e}")))?;
            let Some(ty) = op.jepsen_type.as_deref() else { continue };
            let kind = match ty {
                "invoke" => OpType::Invoke,
                "ok" => OpType::Ok,
                "info" => OpType::Info,
                "fail" => OpType::Fail,
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
            let mop = match (message, flavor) {
                ("write" | "ack", Flavor::ListAppend) => MopKind::Append,
                ("write" | "ack", Flavor::RwRegister) => MopKind::Write,
                ("read" | "value", _) => MopKind::Read,
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
            let value = match kind {
                OpType::Invoke => {
                    last_invoke.insert(process, op.args.value.clone());
                    op.args.value
                }
                _ => op.args.value.or_else(|| last_invoke.get(&process).cloned().flatten()),
            };
            let pos = row_pos(raw.id);
            b.begin_op(pos);
            let res = push_fast(&mut b, index, kind, txn, process, mop, key, value.as_ref());
            if res.is_err() {
                // The full message, with the op shown, comes from pushing it as a value.
                let v = value.as_ref().map(|v| match v {
                    Val::Int(i) => Value::Int(*i),
                    Val::Big(j) => json::to_value(j),
                    Val::List(l) => Value::Vector(l.iter().map(json::to_value).collect()),
                });
                let map = Value::Map(vec![
                    (kw("index"), Value::Int(index as i64)),
                    (kw("type"), kw(ty)),
                    (kw("f"), kw("txn")),
                    (kw("process"), Value::Int(process)),
                    (
                        kw("value"),
                        Value::Vector(vec![Value::Vector(vec![kw(mop.name()), kw("x"), v.unwrap_or(Value::Nil)])]),
                    ),
                ]);
                let e = match (b.push(&map, pos), res) {
                    (Err(e), _) | (Ok(()), Err(e)) => e,
                    (Ok(()), Ok(())) => unreachable!("res is an error"),
                };
                return Err(StoreError::new(format!(
                    "{db}: event_log row {} (NetworkTrace, {id}): {}\n  {}",
                    raw.id, e.message, e.snippet
                )));
            }
            index += 1;
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
        let opts = parsers::ReadOptions { format: Some(parsers::Format::Jsonl), ..Default::default() };
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

/// Adds one rewritten op through the builder's low-level calls (no values built).
#[allow(clippy::too_many_arguments)]
fn push_fast(
    b: &mut HistoryBuilder,
    index: u64,
    kind: OpType,
    txn: history::Id,
    process: i64,
    mop: MopKind,
    key: history::Id,
    value: Option<&Val>,
) -> std::result::Result<(), history::OpError> {
    b.set_index(index)?;
    b.set_type(kind)?;
    b.set_f(txn)?;
    b.set_process(Process::Client(process))?;
    b.set_value_txn()?;
    let val = match value {
        None => MopVal::Nil,
        Some(Val::Int(i)) => MopVal::Atom(b.intern_int(*i)),
        Some(Val::List(l)) if mop == MopKind::Read => {
            let start = b.reads_len();
            for e in l {
                let id = match e.as_i64() {
                    Some(i) => b.intern_int(i),
                    None => b.atoms_mut().intern_value(&json::to_value(e)),
                };
                b.push_read(id);
            }
            MopVal::List { start, len: l.len() as u32 }
        }
        Some(Val::List(l)) => {
            let v = Value::Vector(l.iter().map(json::to_value).collect());
            MopVal::Atom(b.atoms_mut().intern_value(&v))
        }
        Some(Val::Big(j)) => MopVal::Atom(b.atoms_mut().intern_value(&json::to_value(j))),
    };
    b.push_mop(mop, key, val);
    b.end_op()
}
