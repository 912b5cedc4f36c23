//! How `histcheck elle` shows what it found: explained in plain English, and
//! cycles as Graphviz plots. (The `--json` document is
//! [`checker::report_json`]; keys and values go into it through [`checker::elle::atom_json`].)
//!
//! Ops are named by their `:index`; keys and values are shown as the user wrote
//! them (EDN in text, histcheck's JSON convention in JSON).

use crate::output::count;
use checker::anomaly::{Anomaly, Cycle, Expected, Observed, Step, Version};
use checker::{Rels, Txn};
use history::builder::shown_value;
use history::{History, Id, Mop, MopVal, Op, Value};
use std::fmt::Write as _;

/// The `:index` of a transaction's completion.
pub fn index(h: &History, t: Txn) -> u64 {
    h.ops[t as usize].index
}

/// How many elements of a long list text shows at each end; the ones between
/// are only counted, so text output stays linear in the input.
const LIST_ENDS: usize = 8;

/// Longest key or value shown in text, in characters (more is cut, counted).
const ATOM_CHARS: usize = 80;

/// Longest op or micro-op shown in text, in characters (more is cut, counted).
const OP_CHARS: usize = 300;

/// A key or value as EDN: `:x`, `"x"`, `3`; characters a terminal could act
/// on escaped, and cut to [`ATOM_CHARS`] (see [`history::builder::shown_value`]).
pub fn atom_edn(h: &History, id: Id) -> String {
    shown_value(&h.atoms.to_value(id), ATOM_CHARS)
}

/// The marker put in place of the middle of a long list.
fn cut_elements(n: usize, what: &str) -> String {
    format!("… {} more {what}{} …", count(n as u64), if n == 1 { "" } else { "s" })
}

/// The items of a list to show: all of a short one, else the first and last
/// [`LIST_ENDS`], with `marker` of what was cut ([`cut_elements`]) between them.
fn ends<T, U>(items: &[T], what: &str, show: impl Fn(&T) -> U, marker: impl FnOnce(String) -> U) -> Vec<U> {
    if items.len() <= 2 * LIST_ENDS {
        return items.iter().map(show).collect();
    }
    let mut out: Vec<U> = items[..LIST_ENDS].iter().map(&show).collect();
    out.push(marker(cut_elements(items.len() - 2 * LIST_ENDS, what)));
    out.extend(items[items.len() - LIST_ENDS..].iter().map(&show));
    out
}

/// [`ends`] for text.
fn shown_items<T>(items: &[T], what: &str, show: impl Fn(&T) -> String) -> Vec<String> {
    ends(items, what, show, |m| m)
}

/// [`ends`] for EDN values: the marker is a symbol.
fn value_ends<T>(items: &[T], what: &str, show: impl Fn(&T) -> Value) -> Vec<Value> {
    ends(items, what, show, |m| Value::Symbol(m.into()))
}

fn list_edn(h: &History, ids: &[Id]) -> String {
    format!("[{}]", shown_items(ids, "element", |&id| atom_edn(h, id)).join(" "))
}

/// `v` with every collection longer than 2 × [`LIST_ENDS`] cut to its ends
/// and a symbol saying how much was cut, at every depth.
fn trimmed(v: &Value) -> Value {
    let seq = |items: &[Value]| value_ends(items, "element", trimmed);
    match v {
        Value::Vector(items) => Value::Vector(seq(items)),
        Value::List(items) => Value::List(seq(items)),
        Value::Set(items) => Value::Set(seq(items)),
        Value::Map(m) if m.len() > 2 * LIST_ENDS => {
            let pair = |(k, v): &(Value, Value)| (trimmed(k), trimmed(v));
            let mut out: Vec<(Value, Value)> = m[..LIST_ENDS].iter().map(pair).collect();
            let n = m.len() - 2 * LIST_ENDS;
            out.push((
                Value::Symbol("…".into()),
                Value::Symbol(format!("{} more entr{} …", count(n as u64), if n == 1 { "y" } else { "ies" }).into()),
            ));
            out.extend(m[m.len() - LIST_ENDS..].iter().map(pair));
            Value::Map(out)
        }
        Value::Map(m) => Value::Map(m.iter().map(|(k, v)| (trimmed(k), trimmed(v))).collect()),
        Value::Tagged(t, inner) => Value::Tagged(t.clone(), Box::new(trimmed(inner))),
        other => other.clone(),
    }
}

/// A micro-op as [`History::mop_to_value`] writes it, its list cut to its ends
/// (without building the whole list).
fn mop_value_short(h: &History, m: &Mop) -> Value {
    let mut v = vec![Value::keyword(m.kind.name()), h.atoms.to_value(m.key)];
    match m.val {
        MopVal::List { .. } => {
            let ids = h.list(m.val).unwrap_or_default();
            v.push(Value::Vector(value_ends(ids, "element", |&id| h.atoms.to_value(id))));
        }
        val => v.extend(h.mop_val_value(val)),
    }
    Value::Vector(v)
}

/// An op as [`History::op_to_value`] writes it, with its micro-ops and every
/// long list cut to their ends (without building the whole op).
fn op_value_short(h: &History, op: &Op) -> Value {
    h.op_to_value_with(op, |mops| Value::Vector(value_ends(mops, "micro-op", |x| mop_value_short(h, x))), trimmed)
}

fn txn_mop(h: &History, t: Txn, mop: u32) -> Option<&Mop> {
    h.mops(&h.ops[t as usize]).get(mop as usize)
}

fn mop_edn(h: &History, t: Txn, mop: u32) -> String {
    match txn_mop(h, t, mop) {
        Some(m) => shown_value(&mop_value_short(h, m), OP_CHARS),
        None => format!("micro-op {mop}"),
    }
}

// ---------------------------------------------------------------------------
// Plain-English explanations
// ---------------------------------------------------------------------------

/// The op as one line of EDN, as the user wrote it: long lists cut to their
/// ends, unsafe characters escaped, at most [`OP_CHARS`] characters.
pub fn op_edn(h: &History, t: Txn) -> String {
    shown_value(&op_value_short(h, &h.ops[t as usize]), OP_CHARS)
}

/// `op 12 (process 3)`.
fn op_ref(h: &History, t: Txn) -> String {
    let op = &h.ops[t as usize];
    match op.process.client() {
        Some(p) => format!("op {} (process {p}, {})", op.index, op.kind.name()),
        None => format!("op {} ({})", op.index, op.kind.name()),
    }
}

fn version_edn(h: &History, v: Option<Version>) -> String {
    match v {
        Some(Version::Value(id)) => atom_edn(h, id),
        Some(Version::Init) | None => "the initial state".to_string(),
    }
}

/// One sentence saying why `steps`' `from` precedes its `to`; `a` and `b` are
/// the names the explanation gives them (T1, T2, …).
fn step_reason(h: &History, s: &Step, a: &str, b: &str) -> String {
    let key = s.key.map(|k| atom_edn(h, k)).unwrap_or_else(|| "?".into());
    if let Some(r) = register_reason(h, s, a, b, &key) {
        return r;
    }
    match s.rel {
        Rels::WW | Rels::WWP => format!(
            "{a} appended {} to {key}, and {b} appended {} right after it in {key}'s version order",
            version_edn(h, s.value),
            version_edn(h, s.value2)
        ),
        Rels::WR | Rels::WRP => format!(
            "{b}'s read of {key} ended with {}, which {a} appended: {b} saw {a}'s write",
            version_edn(h, s.value)
        ),
        Rels::RW | Rels::RWP => match s.value {
            Some(Version::Value(v)) => format!(
                "{a}'s read of {key} ended with {}, and {b} appended {} right after that element: {a} did not see {b}'s append",
                atom_edn(h, v),
                version_edn(h, s.value2)
            ),
            _ => format!(
                "{a} read {key} as empty, and {b} appended {}, the first element of {key}: {a} did not see {b}'s append",
                version_edn(h, s.value2)
            ),
        },
        Rels::PROCESS => {
            let p = s.process.map(|p| p.to_string()).unwrap_or_else(|| "?".into());
            format!("{a} and {b} are operations of process {p}, {a} first")
        }
        Rels::REALTIME => {
            let ca = &h.ops[s.from as usize];
            let inv = h.partner_of(s.to as usize).map(|i| &h.ops[i]);
            let mut r = format!("{a} completed (op {}) before {b} was invoked", ca.index);
            if let Some(inv) = inv {
                let _ = write!(r, " (op {})", inv.index);
                if let (Some(t1), Some(t2)) = (ca.time, inv.time) {
                    if t2 > t1 {
                        let _ = write!(r, ", {} earlier", crate::output::nanos(t2 - t1));
                    }
                }
            }
            r
        }
        _ => format!("{a} precedes {b} by {}", s.rel.name()),
    }
}

/// Whether a step is about registers: its writer's micro-op is a `:w`.
fn is_register_step(h: &History, s: &Step) -> bool {
    let (t, m) = match s.rel {
        Rels::WW | Rels::WR => (s.from, s.a_mop),
        Rels::RW => (s.to, s.b_mop),
        _ => return false,
    };
    m.and_then(|m| txn_mop(h, t, m)).is_some_and(|m| m.kind == history::MopKind::Write)
}

fn register_value(h: &History, v: Option<Version>) -> String {
    match v {
        Some(Version::Value(id)) => atom_edn(h, id),
        Some(Version::Init) | None => "nil (the initial state)".to_string(),
    }
}

/// The sentence for an rw-register ww, wr or rw step.
fn register_reason(h: &History, s: &Step, a: &str, b: &str, key: &str) -> Option<String> {
    if !is_register_step(h, s) {
        return None;
    }
    let from = if s.sources.is_empty() { String::new() } else { format!(" (from: {})", s.sources.join(", ")) };
    Some(match s.rel {
        Rels::WW => format!(
            "{a} wrote {} to {key}, and {b} wrote {}, which comes after {} in {key}'s version order{from}",
            register_value(h, s.value),
            register_value(h, s.value2),
            register_value(h, s.value)
        ),
        Rels::WR => {
            let v = register_value(h, s.value);
            format!("{a} wrote {v} to {key}, and {b}'s read of {key} returned {v}: {b} saw {a}'s write")
        }
        Rels::RW => format!(
            "{a} read {key} as {}, and {b} wrote {}, which comes after {} in {key}'s version order{from}: {a} did not see {b}'s write",
            register_value(h, s.value),
            register_value(h, s.value2),
            register_value(h, s.value)
        ),
        _ => return None,
    })
}

/// The lines that explain an anomaly, without the heading.
pub fn explain(h: &History, a: &Anomaly) -> Vec<String> {
    let mut out = Vec::new();
    match a {
        Anomaly::Cycle { cycle, .. } => explain_cycle(h, cycle, &mut out),
        Anomaly::Read { kind, op, mop, writer, element } => {
            let read = mop_edn(h, *op, *mop);
            let e = atom_edn(h, *element);
            out.push(format!("{} read {read}.", op_ref(h, *op)));
            let register = txn_mop(h, *op, *mop).is_some_and(|m| matches!(m.val, MopVal::Atom(_)));
            out.push(match (*kind, writer) {
                ("G1a", Some(w)) if register => format!(
                    "Value {e} was written by {}, which failed: a committed read saw an aborted write (G1a, aborted read).",
                    op_ref(h, *w)
                ),
                ("G1b", Some(w)) if register => format!(
                    "Value {e} was an intermediate write of {}, which wrote the key again later in the same transaction: the read saw a state that transaction never committed (G1b, intermediate read).",
                    op_ref(h, *w)
                ),
                ("garbage-read", _) if register => format!(
                    "No operation in the history ever wrote {e} to this key, and it is not the initial nil: the value came from nowhere (garbage read)."
                ),
                ("G1a", Some(w)) => format!(
                    "Element {e} was appended by {}, which failed: a committed read saw an aborted write (G1a, aborted read).",
                    op_ref(h, *w)
                ),
                ("G1b", Some(w)) => format!(
                    "Element {e} was an intermediate append of {}, which appended to the key again later in the same transaction: the read saw a state that transaction never committed (G1b, intermediate read).",
                    op_ref(h, *w)
                ),
                ("future-read", _) => format!(
                    "The same transaction appends {e} to this key only later: it read its own write before making it (future read)."
                ),
                ("garbage-read", _) => format!(
                    "No operation in the history ever appended {e} to this key: the value came from nowhere (garbage read)."
                ),
                ("appends-out-of-order", Some(w)) => format!(
                    "Element {e} was appended by {} before another of its appends to this key, yet the read shows that one first: the transaction's appends took effect out of order, a state no execution could produce (appends out of order).",
                    op_ref(h, *w)
                ),
                (k, _) => format!("Element {e} ({k})."),
            });
            out.push(format!("  {}", op_edn(h, *op)));
            if let Some(w) = writer.filter(|w| w != op) {
                out.push(format!("  {}", op_edn(h, w)));
            }
        }
        Anomaly::Internal { op, mop, expected } => {
            let exp = match expected {
                Expected::List { unknown_prefix: true, elems } => {
                    format!("a list ending in {}", list_edn(h, elems).replacen('[', "[… ", 1))
                }
                Expected::List { elems, .. } => list_edn(h, elems),
                Expected::Register(Some(v)) => atom_edn(h, *v),
                Expected::Register(None) => "nil".into(),
            };
            out.push(format!(
                "{} read {}, but its own earlier reads and writes of the key say it should have read {exp} (internal inconsistency).",
                op_ref(h, *op),
                mop_edn(h, *op, *mop)
            ));
            out.push(format!("  {}", op_edn(h, *op)));
        }
        Anomaly::DuplicateElements { op, mop, duplicates } => {
            let d = shown_items(duplicates, "duplicated element", |(e, n)| format!("{} ×{n}", atom_edn(h, *e)));
            out.push(format!(
                "{} read {}, which has the same element more than once ({}): each element is appended once, so a list cannot repeat it.",
                op_ref(h, *op),
                mop_edn(h, *op, *mop),
                d.join(", ")
            ));
            out.push(format!("  {}", op_edn(h, *op)));
        }
        Anomaly::IncompatibleOrder { key, values } => {
            out.push(format!(
                "Two reads of {} disagree on its order: {} is not a prefix of {}, so no single order of appends explains both.",
                atom_edn(h, *key),
                list_edn(h, &values[0]),
                list_edn(h, &values[1])
            ));
        }
        Anomaly::DirtyUpdate { key, values, txns } => {
            out.push(format!(
                "In {}'s version order {}, {} (committed) built on a version written by {}, which failed: a committed write extended an aborted one (dirty update).",
                atom_edn(h, *key),
                list_edn(h, values),
                op_ref(h, txns[1]),
                op_ref(h, txns[0])
            ));
        }
        Anomaly::LostUpdate { key, value, txns } => {
            let v = match value {
                Observed::List(l) => list_edn(h, l),
                Observed::Register(Some(v)) => atom_edn(h, *v),
                Observed::Register(None) => "nil".into(),
            };
            let names = shown_items(txns, "op", |&t| op_ref(h, t));
            out.push(format!(
                "{} all read {} as {v} and then wrote it: at most one of those updates can follow that read in any serial order, the others were lost (lost update).",
                names.join(", "),
                atom_edn(h, *key)
            ));
        }
        Anomaly::CyclicVersions { key, scc, sources } => {
            let vs = shown_items(scc, "version", |v| register_value(h, Some(*v)));
            out.push(format!(
                "The version order inferred for {} from {} has a cycle through {}.",
                atom_edn(h, *key),
                sources.join(", "),
                vs.join(", ")
            ));
        }
        Anomaly::CycleExists { model, subgraph, scc, .. } => {
            out.push(format!(
                "A group of {} transactions is cyclic in the relations {model} forbids ({subgraph}), so the history is not {model}, though no cycle of a more specific type was reported for it.",
                scc.len()
            ));
            let first: Vec<String> = scc.iter().take(12).map(|&t| index(h, t).to_string()).collect();
            out.push(format!("  ops {}{}", first.join(", "), if scc.len() > 12 { ", …" } else { "" }));
        }
        Anomaly::CycleSearchTimeout { spec, does_not_contain, scc_size, budget } => {
            let searched = if does_not_contain.is_empty() {
                String::new()
            } else {
                format!(" (it had found no {})", does_not_contain.join(", "))
            };
            out.push(format!(
                "The search for a {spec} cycle in a component of {scc_size} transactions used up its budget of {budget} steps{searched}; what it did not search is unknown. Raise --budget to search further."
            ));
        }
        Anomaly::EmptyTransactionGraph => {
            out.push(
                "No transaction is ordered before any other (no ww, wr, rw, process or realtime edges), so nothing can be said about cycles."
                    .into(),
            );
        }
    }
    out
}

fn explain_cycle(h: &History, c: &Cycle, out: &mut Vec<String>) {
    let txns = c.txns();
    let name = |t: Txn| format!("T{}", txns.iter().position(|&x| x == t).map(|i| i + 1).unwrap_or(0));
    out.push("Let".into());
    for &t in &txns {
        out.push(format!("  {} = {}", name(t), op_edn(h, t)));
    }
    out.push("Then:".into());
    for s in &c.steps {
        let (a, b) = (name(s.from), name(s.to));
        let reason = step_reason(h, s, &a, &b);
        out.push(format!("  - {a} < {b} ({}), because {reason}.", s.rel.single_name()));
    }
    let mut chain: Vec<String> = txns.iter().map(|&t| name(t)).collect();
    chain.push(name(txns[0]));
    out.push(format!(
        "So {}: {} would have to precede itself, which no serial order allows.",
        chain.join(" < "),
        name(txns[0])
    ));
}

// ---------------------------------------------------------------------------
// Graphviz
// ---------------------------------------------------------------------------

fn dot_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '"' | '\\' | '{' | '}' | '|' | '<' | '>') {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

fn rel_colour(r: Rels) -> &'static str {
    match r {
        Rels::WW => "#C02700",
        Rels::WR => "#C000A5",
        Rels::RW => "#5B00C0",
        Rels::WWP => "#FF6740",
        Rels::WRP => "#FF46E5",
        Rels::RWP => "#9D45FF",
        Rels::PROCESS => "#00C0C0",
        Rels::REALTIME => "#0050C0",
        _ => "#585858",
    }
}

/// A Graphviz plot of a cycle: one record node per transaction (a field per
/// micro-op), edges from micro-op to micro-op, labelled and coloured by relation.
pub fn cycle_dot(h: &History, c: &Cycle, title: &str) -> String {
    let mut d = String::new();
    let _ = writeln!(d, "digraph \"{}\" {{", dot_escape(title));
    d.push_str(
        "  node [shape=record, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for (k, t) in c.txns().into_iter().enumerate() {
        let op = &h.ops[t as usize];
        let colour = match op.kind {
            history::OpType::Ok => "#0058AD",
            history::OpType::Info => "#AC6E00",
            _ => "#A50053",
        };
        let fields: Vec<String> = h
            .mops(op)
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let name = match m.kind {
                    history::MopKind::Append => "a",
                    history::MopKind::Read => "r",
                    history::MopKind::Write => "w",
                };
                let val = match m.val {
                    MopVal::Absent => String::new(),
                    MopVal::Nil => " nil".into(),
                    MopVal::Atom(id) => format!(" {}", atom_edn(h, id)),
                    MopVal::List { .. } => format!(" {}", list_edn(h, h.list(m.val).unwrap_or_default())),
                };
                format!("<f{i}> {}", dot_escape(&format!("{name} {}{val}", atom_edn(h, m.key))))
            })
            .collect();
        let label = if fields.is_empty() { dot_escape(&format!("op {}", op.index)) } else { fields.join("|") };
        // Named as in the text explanation (T1, T2, … in cycle order), with the op's index.
        let _ = writeln!(
            d,
            "  T{} [label=\"{label}\", color=\"{colour}\", xlabel=\"T{} (op {})\"];",
            op.index,
            k + 1,
            op.index
        );
    }
    for s in &c.steps {
        let port = |t: Txn, m: Option<u32>| match m {
            Some(i) if txn_mop(h, t, i).is_some() => format!("T{}:f{i}", index(h, t)),
            _ => format!("T{}", index(h, t)),
        };
        let colour = rel_colour(s.rel);
        let _ = writeln!(
            d,
            "  {} -> {} [label=\"{}\", color=\"{colour}\", fontcolor=\"{colour}\"];",
            port(s.from, s.a_mop),
            port(s.to, s.b_mop),
            s.rel.label()
        );
    }
    d.push_str("}\n");
    d
}
