//! How `histcheck elle` shows what it found: anomalies as JSON (with stable
//! field names), explained in plain English, and cycles as Graphviz plots.
//!
//! Ops are named by their `:index`; keys and values are shown as the user wrote
//! them (EDN in text, histcheck's JSON convention in JSON).

use checker::anomaly::{Anomaly, Cycle, Expected, Observed, Step, Version};
use checker::{Rels, Txn};
use history::{History, Id, Mop, MopVal};
use serde_json::{json, Map, Value as Json};
use std::fmt::Write as _;

/// The `:index` of a transaction's completion.
pub fn index(h: &History, t: Txn) -> u64 {
    h.ops[t as usize].index
}

/// A key or value by histcheck's JSON convention (`:x` → `":x"`, `"x"` → `"x"`, `3` → `3`).
pub fn atom_json(h: &History, id: Id) -> Json {
    let text = parsers::json::value_to_json(&h.atoms.to_value(id));
    serde_json::from_str(&text).unwrap_or(Json::String(text))
}

/// A key or value as EDN: `:x`, `"x"`, `3`.
pub fn atom_edn(h: &History, id: Id) -> String {
    h.atoms.to_value(id).to_string()
}

fn version_json(h: &History, v: Option<Version>) -> Json {
    match v {
        None => Json::Null,
        Some(Version::Init) => json!({"init": true}),
        Some(Version::Value(id)) => atom_json(h, id),
    }
}

fn list_json(h: &History, ids: &[Id]) -> Json {
    Json::Array(ids.iter().map(|&id| atom_json(h, id)).collect())
}

fn list_edn(h: &History, ids: &[Id]) -> String {
    let parts: Vec<String> = ids.iter().map(|&id| atom_edn(h, id)).collect();
    format!("[{}]", parts.join(" "))
}

fn txn_mop(h: &History, t: Txn, mop: u32) -> Option<&Mop> {
    h.mops(&h.ops[t as usize]).get(mop as usize)
}

fn mop_edn(h: &History, t: Txn, mop: u32) -> String {
    match txn_mop(h, t, mop) {
        Some(m) => h.mop_to_value(m).to_string(),
        None => format!("micro-op {mop}"),
    }
}

/// A step of a cycle as JSON.
pub fn step_json(h: &History, s: &Step) -> Json {
    let mut m = Map::new();
    m.insert("type".into(), Json::from(s.rel.single_name()));
    if let Some(k) = s.key {
        m.insert("key".into(), atom_json(h, k));
    }
    // rw-register's initial state is nil, rendered as null.
    let vj = |v: Option<Version>| match v {
        Some(Version::Init) if is_register_step(h, s) => Json::Null,
        v => version_json(h, v),
    };
    if s.value.is_some() {
        m.insert("value".into(), vj(s.value));
    }
    if s.value2.is_some() {
        m.insert("value2".into(), vj(s.value2));
    }
    if let Some(p) = s.process {
        m.insert("process".into(), Json::from(p));
    }
    m.insert("from".into(), Json::from(index(h, s.from)));
    m.insert("to".into(), Json::from(index(h, s.to)));
    if let Some(a) = s.a_mop {
        m.insert("a_mop".into(), Json::from(a));
    }
    if let Some(b) = s.b_mop {
        m.insert("b_mop".into(), Json::from(b));
    }
    if !s.sources.is_empty() {
        m.insert("sources".into(), json!(s.sources));
    }
    Json::Object(m)
}

fn txns_json(h: &History, ts: &[Txn]) -> Json {
    Json::Array(ts.iter().map(|&t| Json::from(index(h, t))).collect())
}

/// An anomaly as JSON, with `type` first among its fields' names in meaning
/// (serde_json orders keys alphabetically, which keeps the output stable).
pub fn anomaly_json(h: &History, a: &Anomaly) -> Json {
    let mut m = Map::new();
    m.insert("type".into(), Json::from(a.name()));
    match a {
        Anomaly::Cycle { cycle, .. } => {
            m.insert("cycle".into(), txns_json(h, &cycle.txns()));
            m.insert("steps".into(), Json::Array(cycle.steps.iter().map(|s| step_json(h, s)).collect()));
        }
        Anomaly::Read { op, mop, writer, element, .. } => {
            m.insert("op".into(), Json::from(index(h, *op)));
            // The micro-op by its index in the op's :value (as the steps' a_mop/b_mop),
            // not a copy: a read of n elements can give n anomalies (issue 13 item 10).
            m.insert("mop".into(), Json::from(*mop));
            if let Some(w) = writer {
                if w != op {
                    m.insert("writer".into(), Json::from(index(h, *w)));
                }
            }
            m.insert("element".into(), atom_json(h, *element));
        }
        Anomaly::Internal { op, mop, expected } => {
            m.insert("op".into(), Json::from(index(h, *op)));
            m.insert("mop".into(), Json::from(*mop));
            let e = match expected {
                Expected::List { unknown_prefix, elems } => {
                    json!({"unknown_prefix": unknown_prefix, "elements": list_json(h, elems)})
                }
                Expected::Register(v) => json!({"value": v.map(|id| atom_json(h, id))}),
            };
            m.insert("expected".into(), e);
        }
        Anomaly::DuplicateElements { op, mop, duplicates } => {
            m.insert("op".into(), Json::from(index(h, *op)));
            m.insert("mop".into(), Json::from(*mop));
            m.insert(
                "duplicates".into(),
                Json::Array(duplicates.iter().map(|(e, n)| json!([atom_json(h, *e), n])).collect()),
            );
        }
        Anomaly::IncompatibleOrder { key, values } => {
            m.insert("key".into(), atom_json(h, *key));
            m.insert("values".into(), json!([list_json(h, &values[0]), list_json(h, &values[1])]));
        }
        Anomaly::DirtyUpdate { key, values, txns } => {
            m.insert("key".into(), atom_json(h, *key));
            m.insert("values".into(), list_json(h, values));
            m.insert("txns".into(), txns_json(h, txns));
        }
        Anomaly::LostUpdate { key, value, txns } => {
            m.insert("key".into(), atom_json(h, *key));
            let v = match value {
                Observed::List(l) => list_json(h, l),
                Observed::Register(v) => v.map(|id| atom_json(h, id)).unwrap_or(Json::Null),
            };
            m.insert("value".into(), v);
            m.insert("txns".into(), txns_json(h, txns));
        }
        Anomaly::CyclicVersions { key, scc, sources } => {
            m.insert("key".into(), atom_json(h, *key));
            let vj = |v: &Version| match v {
                Version::Init => Json::Null,
                v => version_json(h, Some(*v)),
            };
            m.insert("scc".into(), Json::Array(scc.iter().map(vj).collect()));
            m.insert("sources".into(), json!(sources));
        }
        Anomaly::CycleExists { model, subgraph, scc, .. } => {
            m.insert("not".into(), Json::from(*model));
            m.insert("subgraph".into(), Json::from(*subgraph));
            m.insert("scc_size".into(), Json::from(scc.len()));
            m.insert("scc".into(), txns_json(h, scc));
        }
        Anomaly::CycleSearchTimeout { spec, does_not_contain, scc_size, budget } => {
            m.insert("spec".into(), Json::from(*spec));
            m.insert("does_not_contain".into(), json!(does_not_contain));
            m.insert("scc_size".into(), Json::from(*scc_size));
            m.insert("budget".into(), Json::from(*budget));
        }
        Anomaly::EmptyTransactionGraph => {}
    }
    Json::Object(m)
}

// ---------------------------------------------------------------------------
// Plain-English explanations
// ---------------------------------------------------------------------------

/// The op as one line of EDN, as the user wrote it.
pub fn op_edn(h: &History, t: Txn) -> String {
    h.op_to_value(&h.ops[t as usize]).to_string()
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
            let d: Vec<String> = duplicates.iter().map(|(e, n)| format!("{} ×{n}", atom_edn(h, *e))).collect();
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
            let names: Vec<String> = txns.iter().map(|&t| op_ref(h, t)).collect();
            out.push(format!(
                "{} all read {} as {v} and then wrote it: at most one of those updates can follow that read in any serial order, the others were lost (lost update).",
                names.join(", "),
                atom_edn(h, *key)
            ));
        }
        Anomaly::CyclicVersions { key, scc, sources } => {
            let vs: Vec<String> = scc.iter().map(|v| register_value(h, Some(*v))).collect();
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
