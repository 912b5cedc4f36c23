//! How `histcheck elle` shows what it found: explained in plain English, and
//! cycles as Graphviz plots. (The `--json` document is
//! [`checker::report_json`]; keys and values go into it through [`checker::elle::atom_json`].)
//!
//! Ops are named by their `:index`; keys and values are shown as the user wrote
//! them (EDN in text, histcheck's JSON convention in JSON).

use crate::output::count;
use checker::anomaly::{Anomaly, Cycle};
use checker::explain::{Explanation, Line, Part};
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

/// One part of a sentence of [`checker::explain`], as text.
fn part_text(h: &History, p: &Part, out: &mut String) {
    match p {
        Part::Text(t) => out.push_str(t),
        Part::Named { n, .. } => {
            let _ = write!(out, "T{n}");
        }
        Part::OpRef(t) => out.push_str(&op_ref(h, *t)),
        Part::Op(t) => out.push_str(&op_edn(h, *t)),
        Part::Mop { txn, mop } => out.push_str(&mop_edn(h, *txn, *mop)),
        Part::Key(id) | Part::Value(id) => out.push_str(&atom_edn(h, *id)),
        Part::Initial { register: false } => out.push_str("the initial state"),
        Part::Initial { register: true } => out.push_str("nil (the initial state)"),
        Part::Nil => out.push_str("nil"),
        Part::List { elements, unknown_prefix: false } => out.push_str(&list_edn(h, elements)),
        Part::List { elements, unknown_prefix: true } => out.push_str(&list_edn(h, elements).replacen('[', "[… ", 1)),
        Part::Series { items, what } => out.push_str(&shown_items(items, what, |s| sentence(h, s)).join(", ")),
        Part::Indices(ix) => {
            let first: Vec<String> = ix.iter().take(INDICES_SHOWN).map(u64::to_string).collect();
            out.push_str(&first.join(", "));
            if ix.len() > INDICES_SHOWN {
                out.push_str(", …");
            }
        }
        Part::Index(i) => {
            let _ = write!(out, "{i}");
        }
        Part::Process(p) => {
            let _ = write!(out, "{p}");
        }
        Part::Duration(ns) => out.push_str(&crate::output::nanos(*ns)),
    }
}

/// How many ops of a component text names ([`Part::Indices`]).
const INDICES_SHOWN: usize = 12;

/// A sentence of [`checker::explain`] as text.
fn sentence(h: &History, parts: &[Part]) -> String {
    let mut out = String::new();
    for p in parts {
        part_text(h, p, &mut out);
    }
    out
}

/// The lines that explain an anomaly, without the heading.
pub fn explain(h: &History, a: &Anomaly) -> Vec<String> {
    match checker::explain::explain(h, a) {
        Explanation::Cycle { txns, steps } => {
            let name = |k: usize| format!("T{}", k + 1);
            let mut out = vec!["Let".to_string()];
            for (k, &t) in txns.iter().enumerate() {
                out.push(format!("  {} = {}", name(k), op_edn(h, t)));
            }
            out.push("Then:".into());
            let named = |t: Txn| format!("T{}", txns.iter().position(|&x| x == t).map_or(0, |i| i + 1));
            for s in &steps {
                out.push(format!(
                    "  - {} < {} ({}), because {}.",
                    named(s.from),
                    named(s.to),
                    s.rel.single_name(),
                    sentence(h, &s.because)
                ));
            }
            let mut chain: Vec<String> = (0..txns.len()).map(name).collect();
            chain.push(name(0));
            out.push(format!(
                "So {}: {} would have to precede itself, which no serial order allows.",
                chain.join(" < "),
                name(0)
            ));
            out
        }
        Explanation::Lines(lines) => lines
            .iter()
            .map(|l| match l {
                Line::Sentence(s) => sentence(h, s),
                Line::Detail(s) => format!("  {}", sentence(h, s)),
            })
            .collect(),
    }
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
