//! Why an anomaly is one, in plain English, as structured explanations: Elle
//! keeps its explainer beside the analysis, and so does histcheck.
//!
//! [`explain`] turns an [`Anomaly`] into an [`Explanation`]: for a cycle, its
//! transactions (named T1, T2, … in cycle order) and, for each step, the
//! relation, the key and the sentence that says why one transaction precedes
//! the next; for any other anomaly, its sentences and the ops they are about.
//! A sentence is a list of [`Part`]s: words, and typed references to the
//! history (ops, micro-ops, keys, values, lists) that a renderer shows its own
//! way: `histcheck elle` as EDN text (its `elle_render`), an HTML report as
//! links. Nothing here decides how an op or a value is printed, nor cuts long
//! lists; the words are fixed here, so every renderer says the same thing.

use crate::anomaly::{Anomaly, Cycle, Expected, Observed, Step, Version};
use crate::graph::Txn;
use crate::rel::Rels;
use history::{History, Id, MopVal};
use std::borrow::Cow;

/// A piece of a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Words, as they are.
    Text(Cow<'static, str>),
    /// A transaction of a cycle by its name: `T{n}` (1-based, in cycle order).
    Named { n: usize, txn: Txn },
    /// A reference to a transaction: its `:index`, process and type (`op 12
    /// (process 3, ok)`).
    OpRef(Txn),
    /// A transaction's op, as written.
    Op(Txn),
    /// A micro-op of a transaction, as written (`mop`: its place in the op's value).
    Mop { txn: Txn, mop: u32 },
    /// A key.
    Key(Id),
    /// A value: an element of a list, or a register's value.
    Value(Id),
    /// A key's initial state: the empty list (list-append), or nil (`register`).
    Initial { register: bool },
    /// nil, a register's value.
    Nil,
    /// A list of elements; with `unknown_prefix`, any elements first, then these.
    List { elements: Vec<Id>, unknown_prefix: bool },
    /// Several items, one after the other (a renderer may show only the
    /// ends of a long series); `what` names one item (`op`, `version`, …).
    Series { items: Vec<Vec<Part>>, what: &'static str },
    /// Ops by their `:index` (a renderer may show only the first few).
    Indices(Vec<u64>),
    /// An op's `:index`.
    Index(u64),
    /// A process.
    Process(i64),
    /// A time span, in nanoseconds.
    Duration(i64),
}

/// A sentence: its parts, in order.
pub type Sentence = Vec<Part>;

/// A line of an explanation that is not about a cycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    /// What happened and why it is an anomaly.
    Sentence(Sentence),
    /// The evidence under it: an op as written, the ops of a component
    /// (text indents it).
    Detail(Sentence),
}

/// Why one transaction of a cycle precedes the next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepReason {
    pub from: Txn,
    pub to: Txn,
    /// The single relation of the step (`ww`, `wr`, `rw`, `process`, …).
    pub rel: Rels,
    /// The key, for data relations.
    pub key: Option<Id>,
    /// Why, as a clause naming the two as [`Part::Named`].
    pub because: Sentence,
}

/// The explanation of one anomaly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Explanation {
    /// A dependency cycle: its transactions in cycle order (named T1, T2, …),
    /// and why each precedes the next (the last step returns to T1).
    Cycle { txns: Vec<Txn>, steps: Vec<StepReason> },
    /// Any other anomaly.
    Lines(Vec<Line>),
}

fn t(s: &'static str) -> Part {
    Part::Text(Cow::Borrowed(s))
}

fn text(s: String) -> Part {
    Part::Text(Cow::Owned(s))
}

/// A list-append version: an element, or the initial (empty) state.
fn version(v: Option<Version>) -> Part {
    match v {
        Some(Version::Value(id)) => Part::Value(id),
        Some(Version::Init) | None => Part::Initial { register: false },
    }
}

/// A register version: a value, or the initial nil.
fn register_value(v: Option<Version>) -> Part {
    match v {
        Some(Version::Value(id)) => Part::Value(id),
        Some(Version::Init) | None => Part::Initial { register: true },
    }
}

fn list(elements: &[Id]) -> Part {
    Part::List { elements: elements.to_vec(), unknown_prefix: false }
}

/// Why `s.from` (named `a`) precedes `s.to` (named `b`).
fn step_reason(h: &History, s: &Step, a: &Part, b: &Part) -> Sentence {
    let key = s.key.map_or_else(|| t("?"), Part::Key);
    if let Some(r) = register_reason(h, s, a, b, &key) {
        return r;
    }
    let (a, b) = (a.clone(), b.clone());
    match s.rel {
        Rels::WW | Rels::WWP => vec![
            a,
            t(" appended "),
            version(s.value),
            t(" to "),
            key.clone(),
            t(", and "),
            b,
            t(" appended "),
            version(s.value2),
            t(" right after it in "),
            key,
            t("'s version order"),
        ],
        Rels::WR | Rels::WRP => vec![
            b.clone(),
            t("'s read of "),
            key,
            t(" ended with "),
            version(s.value),
            t(", which "),
            a.clone(),
            t(" appended: "),
            b,
            t(" saw "),
            a,
            t("'s write"),
        ],
        Rels::RW | Rels::RWP => match s.value {
            Some(Version::Value(v)) => vec![
                a.clone(),
                t("'s read of "),
                key,
                t(" ended with "),
                Part::Value(v),
                t(", and "),
                b.clone(),
                t(" appended "),
                version(s.value2),
                t(" right after that element: "),
                a,
                t(" did not see "),
                b,
                t("'s append"),
            ],
            _ => vec![
                a.clone(),
                t(" read "),
                key.clone(),
                t(" as empty, and "),
                b.clone(),
                t(" appended "),
                version(s.value2),
                t(", the first element of "),
                key,
                t(": "),
                a,
                t(" did not see "),
                b,
                t("'s append"),
            ],
        },
        Rels::PROCESS => {
            let p = s.process.map_or_else(|| t("?"), Part::Process);
            vec![a.clone(), t(" and "), b, t(" are operations of process "), p, t(", "), a, t(" first")]
        }
        Rels::REALTIME => {
            let ca = &h.ops[s.from as usize];
            let inv = h.partner_of(s.to as usize).map(|i| &h.ops[i]);
            let mut r = vec![a, t(" completed (op "), Part::Index(ca.index), t(") before "), b, t(" was invoked")];
            if let Some(inv) = inv {
                r.extend([t(" (op "), Part::Index(inv.index), t(")")]);
                if let (Some(t1), Some(t2)) = (ca.time, inv.time) {
                    if t2 > t1 {
                        r.extend([t(", "), Part::Duration(t2 - t1), t(" earlier")]);
                    }
                }
            }
            r
        }
        _ => vec![a, t(" precedes "), b, text(format!(" by {}", s.rel.name()))],
    }
}

/// The clause for an rw-register ww, wr or rw step (its writer's micro-op is a `:w`).
fn register_reason(h: &History, s: &Step, a: &Part, b: &Part, key: &Part) -> Option<Sentence> {
    if !crate::report_json::is_register_step(h, s) {
        return None;
    }
    let from = if s.sources.is_empty() { None } else { Some(text(format!(" (from: {})", s.sources.join(", ")))) };
    let (a, b, key) = (a.clone(), b.clone(), key.clone());
    let mut r = match s.rel {
        Rels::WW => vec![
            a.clone(),
            t(" wrote "),
            register_value(s.value),
            t(" to "),
            key.clone(),
            t(", and "),
            b.clone(),
            t(" wrote "),
            register_value(s.value2),
            t(", which comes after "),
            register_value(s.value),
            t(" in "),
            key,
            t("'s version order"),
        ],
        Rels::WR => {
            let v = register_value(s.value);
            return Some(vec![
                a.clone(),
                t(" wrote "),
                v.clone(),
                t(" to "),
                key.clone(),
                t(", and "),
                b.clone(),
                t("'s read of "),
                key,
                t(" returned "),
                v,
                t(": "),
                b,
                t(" saw "),
                a,
                t("'s write"),
            ]);
        }
        Rels::RW => vec![
            a.clone(),
            t(" read "),
            key.clone(),
            t(" as "),
            register_value(s.value),
            t(", and "),
            b.clone(),
            t(" wrote "),
            register_value(s.value2),
            t(", which comes after "),
            register_value(s.value),
            t(" in "),
            key,
            t("'s version order"),
        ],
        _ => return None,
    };
    r.extend(from);
    if s.rel == Rels::RW {
        r.extend([t(": "), a, t(" did not see "), b, t("'s write")]);
    }
    Some(r)
}

fn explain_cycle(h: &History, c: &Cycle) -> Explanation {
    let txns = c.txns();
    let name = |x: Txn| Part::Named { n: txns.iter().position(|&y| y == x).map_or(0, |i| i + 1), txn: x };
    let steps = c
        .steps
        .iter()
        .map(|s| StepReason {
            from: s.from,
            to: s.to,
            rel: s.rel,
            key: s.key,
            because: step_reason(h, s, &name(s.from), &name(s.to)),
        })
        .collect();
    Explanation::Cycle { txns, steps }
}

/// The explanation of an anomaly of `h`.
pub fn explain(h: &History, a: &Anomaly) -> Explanation {
    let mut out = Vec::new();
    match a {
        Anomaly::Cycle { cycle, .. } => return explain_cycle(h, cycle),
        Anomaly::Read { kind, op, mop, writer, element } => {
            let (op, mop, e) = (*op, *mop, Part::Value(*element));
            out.push(Line::Sentence(vec![Part::OpRef(op), t(" read "), Part::Mop { txn: op, mop }, t(".")]));
            let register =
                h.mops(&h.ops[op as usize]).get(mop as usize).is_some_and(|m| matches!(m.val, MopVal::Atom(_)));
            out.push(Line::Sentence(match (*kind, writer) {
                ("G1a", Some(w)) if register => vec![
                    t("Value "),
                    e,
                    t(" was written by "),
                    Part::OpRef(*w),
                    t(", which failed: a committed read saw an aborted write (G1a, aborted read)."),
                ],
                ("G1b", Some(w)) if register => vec![
                    t("Value "),
                    e,
                    t(" was an intermediate write of "),
                    Part::OpRef(*w),
                    t(", which wrote the key again later in the same transaction: the read saw a state that transaction never committed (G1b, intermediate read)."),
                ],
                ("garbage-read", _) if register => vec![
                    t("No operation in the history ever wrote "),
                    e,
                    t(" to this key, and it is not the initial nil: the value came from nowhere (garbage read)."),
                ],
                ("G1a", Some(w)) => vec![
                    t("Element "),
                    e,
                    t(" was appended by "),
                    Part::OpRef(*w),
                    t(", which failed: a committed read saw an aborted write (G1a, aborted read)."),
                ],
                ("G1b", Some(w)) => vec![
                    t("Element "),
                    e,
                    t(" was an intermediate append of "),
                    Part::OpRef(*w),
                    t(", which appended to the key again later in the same transaction: the read saw a state that transaction never committed (G1b, intermediate read)."),
                ],
                ("future-read", _) => vec![
                    t("The same transaction appends "),
                    e,
                    t(" to this key only later: it read its own write before making it (future read)."),
                ],
                ("garbage-read", _) => vec![
                    t("No operation in the history ever appended "),
                    e,
                    t(" to this key: the value came from nowhere (garbage read)."),
                ],
                ("appends-out-of-order", Some(w)) => vec![
                    t("Element "),
                    e,
                    t(" was appended by "),
                    Part::OpRef(*w),
                    t(" before another of its appends to this key, yet the read shows that one first: the transaction's appends took effect out of order, a state no execution could produce (appends out of order)."),
                ],
                (k, _) => vec![t("Element "), e, text(format!(" ({k})."))],
            }));
            out.push(Line::Detail(vec![Part::Op(op)]));
            if let Some(w) = writer.filter(|&w| w != op) {
                out.push(Line::Detail(vec![Part::Op(w)]));
            }
        }
        Anomaly::Internal { op, mop, expected } => {
            let mut s = vec![
                Part::OpRef(*op),
                t(" read "),
                Part::Mop { txn: *op, mop: *mop },
                t(", but its own earlier reads and writes of the key say it should have read "),
            ];
            match expected {
                Expected::List { unknown_prefix: true, elems } => {
                    s.extend([t("a list ending in "), Part::List { elements: elems.clone(), unknown_prefix: true }])
                }
                Expected::List { elems, .. } => s.push(list(elems)),
                Expected::Register(Some(v)) => s.push(Part::Value(*v)),
                Expected::Register(None) => s.push(Part::Nil),
            }
            s.push(t(" (internal inconsistency)."));
            out.push(Line::Sentence(s));
            out.push(Line::Detail(vec![Part::Op(*op)]));
        }
        Anomaly::DuplicateElements { op, mop, duplicates } => {
            let items = duplicates.iter().map(|&(e, n)| vec![Part::Value(e), text(format!(" ×{n}"))]).collect();
            out.push(Line::Sentence(vec![
                Part::OpRef(*op),
                t(" read "),
                Part::Mop { txn: *op, mop: *mop },
                t(", which has the same element more than once ("),
                Part::Series { items, what: "duplicated element" },
                t("): each element is appended once, so a list cannot repeat it."),
            ]));
            out.push(Line::Detail(vec![Part::Op(*op)]));
        }
        Anomaly::IncompatibleOrder { key, values } => {
            out.push(Line::Sentence(vec![
                t("Two reads of "),
                Part::Key(*key),
                t(" disagree on its order: "),
                list(&values[0]),
                t(" is not a prefix of "),
                list(&values[1]),
                t(", so no single order of appends explains both."),
            ]));
        }
        Anomaly::DirtyUpdate { key, values, txns } => {
            out.push(Line::Sentence(vec![
                t("In "),
                Part::Key(*key),
                t("'s version order "),
                list(values),
                t(", "),
                Part::OpRef(txns[1]),
                t(" (committed) built on a version written by "),
                Part::OpRef(txns[0]),
                t(", which failed: a committed write extended an aborted one (dirty update)."),
            ]));
        }
        Anomaly::LostUpdate { key, value, txns } => {
            let v = match value {
                Observed::List(l) => list(l),
                Observed::Register(Some(v)) => Part::Value(*v),
                Observed::Register(None) => Part::Nil,
            };
            let items = txns.iter().map(|&t| vec![Part::OpRef(t)]).collect();
            out.push(Line::Sentence(vec![
                Part::Series { items, what: "op" },
                t(" all read "),
                Part::Key(*key),
                t(" as "),
                v,
                t(" and then wrote it: at most one of those updates can follow that read in any serial order, the others were lost (lost update)."),
            ]));
        }
        Anomaly::CyclicVersions { key, scc, sources } => {
            let items = scc.iter().map(|v| vec![register_value(Some(*v))]).collect();
            out.push(Line::Sentence(vec![
                t("The version order inferred for "),
                Part::Key(*key),
                text(format!(" from {} has a cycle through ", sources.join(", "))),
                Part::Series { items, what: "version" },
                t("."),
            ]));
        }
        Anomaly::CycleExists { model, subgraph, scc, .. } => {
            out.push(Line::Sentence(vec![text(format!(
                "A group of {} transactions is cyclic in the relations {model} forbids ({subgraph}), so the history is not {model}, though no cycle of a more specific type was reported for it.",
                scc.len()
            ))]));
            let indices = scc.iter().map(|&x| h.ops[x as usize].index).collect();
            out.push(Line::Detail(vec![t("ops "), Part::Indices(indices)]));
        }
        Anomaly::CycleSearchTimeout { spec, does_not_contain, scc_size, budget } => {
            let searched = if does_not_contain.is_empty() {
                String::new()
            } else {
                format!(" (it had found no {})", does_not_contain.join(", "))
            };
            out.push(Line::Sentence(vec![text(format!(
                "The search for a {spec} cycle in a component of {scc_size} transactions used up its budget of {budget} steps{searched}; what it did not search is unknown. Raise --budget to search further."
            ))]));
        }
        Anomaly::EmptyTransactionGraph => {
            out.push(Line::Sentence(vec![t(
                "No transaction is ordered before any other (no ww, wr, rw, process or realtime edges), so nothing can be said about cycles.",
            )]));
        }
    }
    Explanation::Lines(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_list_append, Options};

    fn history(edn: &str) -> History {
        parsers::read_history(edn.as_bytes(), "t.edn", None, Default::default()).unwrap()
    }

    /// A G0 cycle is explained step by step: typed relation, key and names.
    #[test]
    fn cycle_steps_are_typed() {
        let h = history(
            "{:type :invoke, :f :txn, :value [[:append :x 1] [:append :y 1]], :process 0}
             {:type :ok, :f :txn, :value [[:append :x 1] [:append :y 1]], :process 0}
             {:type :invoke, :f :txn, :value [[:append :x 2] [:append :y 2]], :process 1}
             {:type :ok, :f :txn, :value [[:append :x 2] [:append :y 2]], :process 1}
             {:type :invoke, :f :txn, :value [[:r :x nil] [:r :y nil]], :process 2}
             {:type :ok, :f :txn, :value [[:r :x [1 2]] [:r :y [2 1]]], :process 2}",
        );
        let r = check_list_append(&h, &Options::default()).unwrap();
        let g0 = &r.anomalies["G0"][0];
        let Explanation::Cycle { txns, steps } = explain(&h, g0) else { panic!("a cycle") };
        assert_eq!(txns.len(), 2);
        assert_eq!(steps.len(), 2);
        for (i, s) in steps.iter().enumerate() {
            assert_eq!(s.rel, Rels::WW);
            assert_eq!(s.from, txns[i]);
            assert!(s.key.is_some());
            assert_eq!(s.because[0], Part::Named { n: i + 1, txn: s.from });
            assert_eq!(s.because[1], t(" appended "));
            assert!(matches!(s.because[2], Part::Value(_)));
            assert_eq!(s.because[4], Part::Key(s.key.unwrap()));
        }
    }

    /// An aborted read names the reader's micro-op and the failed writer.
    #[test]
    fn g1a_names_the_writer() {
        let h = history(
            "{:type :invoke, :f :txn, :value [[:append :x 1]], :process 0}
             {:type :fail, :f :txn, :value [[:append :x 1]], :process 0}
             {:type :invoke, :f :txn, :value [[:r :x nil]], :process 1}
             {:type :ok, :f :txn, :value [[:r :x [1]]], :process 1}",
        );
        let r = check_list_append(&h, &Options::default()).unwrap();
        let Explanation::Lines(lines) = explain(&h, &r.anomalies["G1a"][0]) else { panic!("lines") };
        assert_eq!(lines[0], Line::Sentence(vec![Part::OpRef(3), t(" read "), Part::Mop { txn: 3, mop: 0 }, t(".")]));
        let Line::Sentence(why) = &lines[1] else { panic!("a sentence") };
        assert_eq!(why[0], t("Element "));
        assert_eq!(why[3], Part::OpRef(1));
        assert_eq!(lines[2..], [Line::Detail(vec![Part::Op(3)]), Line::Detail(vec![Part::Op(1)])]);
    }
}
