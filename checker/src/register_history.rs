//! Plain Jepsen register histories (`:f :read` / `:write` / `:cas`, no
//! transactions), seen as rw-register histories of one-micro-op transactions.
//!
//! Most Jepsen register tests log single-register ops: `{:f :write :value 3}`,
//! `{:f :read :value 3}`, `{:f :cas :value [3 4]}`. [`to_transactions`] turns
//! them into transactions on one key, `:register`:
//!
//! - an ok read of `v` is `[[:r :register v]]`; a read of `nil` is unknown (in
//!   Knossos a nil read is a wildcard), and so are reads that did not complete
//!   ok: they become empty transactions;
//! - a write of `v` is `[[:w :register v]]`, whatever its type (a failed write
//!   is an aborted transaction, as in Elle);
//! - an ok cas `[old new]` is `[[:r :register old] [:w :register new]]`; an info
//!   cas (or one never completed) may have written `new`: `[[:w :register new]]`;
//!   a failed cas did not happen: `[]`.
//!
//! With *keyed* values, as `jepsen.independent` writes them (`[k v]`, and
//! `[k [old new]]` for cas), each `k` is its own register. Knossos's
//! multi-register transactions (`:f :txn`, `[[:read :x v] [:write :y v]]`) are
//! read the same way. Every op keeps its position, `:index`, `:time` and
//! `:process`, so reports point at the user's file.

use crate::anomaly::CheckError;
use history::builder::{shown_text, shown_value, QUOTE_CHARS};
use history::{Atom, History, Id, Mop, MopKind, MopVal, OpType, OpValue, Value};

/// The name of the single register's key.
pub const REGISTER_KEY: &str = "register";

fn f_name(h: &History, f: Option<Id>) -> Option<String> {
    let v = h.atoms.to_value(f?);
    v.as_name().map(str::to_string)
}

fn mop_name(v: &Value) -> Option<MopKind> {
    match v.as_name()? {
        "read" | "r" => Some(MopKind::Read),
        "write" | "w" => Some(MopKind::Write),
        _ => None,
    }
}

/// A Knossos multi-register transaction: a vector of `[:read k v]` / `[:write k v]`.
fn multi_mops(v: &Value) -> Option<Vec<(MopKind, &Value, &Value)>> {
    let items = v.as_seq()?;
    items
        .iter()
        .map(|m| {
            let p = m.as_seq()?;
            (p.len() == 3).then_some(())?;
            Some((mop_name(&p[0])?, &p[1], &p[2]))
        })
        .collect()
}

/// Whether the history is a plain register history: no op has transaction
/// micro-ops, and some client op is a `:read`, `:write` or `:cas` (or a Knossos
/// multi-register `:txn`).
pub fn is_plain_register(h: &History) -> bool {
    if !h.mops.is_empty() {
        return false;
    }
    h.ops.iter().any(|op| {
        op.process.client().is_some()
            && match f_name(h, op.f).as_deref() {
                Some("read" | "write" | "cas") => true,
                Some("txn") => matches!(&op.value, OpValue::Other(v) if multi_mops(v).is_some()),
                _ => false,
            }
    })
}

fn pair(v: &Value) -> Option<(&Value, &Value)> {
    match v.as_seq() {
        Some([a, b]) => Some((a, b)),
        _ => None,
    }
}

fn value_of(op: &history::Op) -> Value {
    match &op.value {
        OpValue::Other(v) => (**v).clone(),
        _ => Value::Nil,
    }
}

/// Whether the history uses `jepsen.independent` keyed values: some read or
/// write has a `[k v]` value, or some cas a `[k [old new]]` one.
fn is_keyed(h: &History) -> bool {
    h.ops.iter().filter(|o| o.process.client().is_some()).any(|op| {
        let v = value_of(op);
        match f_name(h, op.f).as_deref() {
            Some("read" | "write") => pair(&v).is_some(),
            Some("cas") => pair(&v).is_some_and(|(_, b)| pair(b).is_some()),
            _ => false,
        }
    })
}

/// The rw-register view of a plain register history (see the module docs).
/// Errors name the op that does not fit: an `:f` other than read, write, cas
/// (and txn), or values that are keyed in some ops and not in others.
pub fn to_transactions(h: &History) -> Result<History, CheckError> {
    let keyed = is_keyed(h);
    let mut out = h.clone();
    out.mops = Vec::with_capacity(h.ops.len());
    out.reads = Vec::new();
    let reg = out.atoms.intern(Atom::Keyword(REGISTER_KEY.into()));
    let bad = |i: usize, why: String| CheckError {
        message: format!("the op at {} does not fit a register history: {why}", h.ops[i].pos),
        ops: vec![i as u32],
    };
    for (i, op) in h.ops.iter().enumerate() {
        if op.process.client().is_none() {
            continue;
        }
        let v = value_of(op);
        let f = f_name(h, op.f);
        let start = out.mops.len() as u32;
        let push = |out: &mut History, kind: MopKind, key: Id, val: &Value| {
            let val = if val.is_nil() { MopVal::Nil } else { MopVal::Atom(out.atoms.intern_value(val)) };
            out.mops.push(Mop { kind, key, val });
        };
        // (key, value) of a read or write, keyed or not.
        let split = |out: &mut History, v: &Value| -> Result<(Id, Value), CheckError> {
            if keyed {
                match pair(v) {
                    Some((k, x)) => Ok((out.atoms.intern_value(k), x.clone())),
                    None if v.is_nil() => Ok((reg, Value::Nil)),
                    None => Err(bad(
                        i,
                        format!("other ops have [key value] values (jepsen.independent), but this one's is {v}"),
                    )),
                }
            } else {
                Ok((reg, v.clone()))
            }
        };
        match f.as_deref() {
            Some("read") => {
                let (k, x) = split(&mut out, &v)?;
                if op.kind == OpType::Ok && !x.is_nil() {
                    push(&mut out, MopKind::Read, k, &x);
                }
            }
            Some("write") => {
                let (k, x) = split(&mut out, &v)?;
                if !(op.kind == OpType::Invoke && x.is_nil() && h.partner_of(i).is_some()) {
                    push(&mut out, MopKind::Write, k, &x);
                }
            }
            Some("cas") => {
                let (k, ov) = split(&mut out, &v)?;
                let Some((old, new)) = pair(&ov) else {
                    return Err(bad(i, format!("a cas value is [old new], found {}", shown_value(&ov, QUOTE_CHARS))));
                };
                match op.kind {
                    OpType::Ok => {
                        push(&mut out, MopKind::Read, k, old);
                        push(&mut out, MopKind::Write, k, new);
                    }
                    OpType::Info | OpType::Invoke => push(&mut out, MopKind::Write, k, new),
                    OpType::Fail => {}
                }
            }
            Some("txn") => {
                let Some(ms) = multi_mops(&v) else {
                    if v.is_nil() {
                        // An invocation or crash without a value.
                        out.ops[i].value = OpValue::Txn { start, len: 0 };
                        continue;
                    }
                    return Err(bad(
                        i,
                        format!(
                            "a :txn value here is [[:read k v] [:write k v] …], found {}",
                            shown_value(&v, QUOTE_CHARS)
                        ),
                    ));
                };
                for (kind, k, x) in ms {
                    let k = out.atoms.intern_value(k);
                    match kind {
                        MopKind::Read if op.kind == OpType::Ok && !x.is_nil() => push(&mut out, kind, k, x),
                        MopKind::Write => push(&mut out, kind, k, x),
                        _ => {}
                    }
                }
            }
            other => {
                let f = other.map_or_else(|| "no :f".to_string(), |f| format!(":f :{}", shown_text(f, QUOTE_CHARS)));
                return Err(bad(i, format!("it has {f}; a register history has only :read, :write and :cas ops")));
            }
        }
        let len = out.mops.len() as u32 - start;
        out.ops[i].value = OpValue::Txn { start, len };
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use history::HistoryBuilder;

    fn build(lines: &str) -> History {
        let mut b = HistoryBuilder::new();
        for (n, l) in lines.lines().filter(|l| !l.trim().is_empty()).enumerate() {
            let v = parsers::edn::parse_value(l).unwrap();
            b.push(&v, history::SrcPos { line: n as u32 + 1, col: 1 }).unwrap();
        }
        b.finish().unwrap()
    }

    fn txns(h: &History) -> Vec<String> {
        h.ops
            .iter()
            .map(|o| match o.value {
                OpValue::Txn { .. } => {
                    let ms: Vec<String> = h.mops(o).iter().map(|m| h.mop_to_value(m).to_string()).collect();
                    format!("{} [{}]", o.kind.name(), ms.join(" "))
                }
                _ => format!("{} other", o.kind.name()),
            })
            .collect()
    }

    #[test]
    fn single_register() {
        let h = build(
            r#"{:process 0, :type :invoke, :f :write, :value 1}
               {:process 0, :type :ok, :f :write, :value 1}
               {:process 1, :type :invoke, :f :read, :value nil}
               {:process 1, :type :ok, :f :read, :value 1}
               {:process 2, :type :invoke, :f :cas, :value [1 2]}
               {:process 2, :type :ok, :f :cas, :value [1 2]}
               {:process 3, :type :invoke, :f :cas, :value [7 8]}
               {:process 3, :type :fail, :f :cas, :value [7 8]}
               {:process 1, :type :invoke, :f :read, :value nil}
               {:process 1, :type :ok, :f :read, :value nil}
               {:process :nemesis, :type :info, :f :start, :value "partition"}"#,
        );
        assert!(is_plain_register(&h));
        let t = to_transactions(&h).unwrap();
        assert_eq!(
            txns(&t),
            vec![
                "invoke [[:w :register 1]]",
                "ok [[:w :register 1]]",
                "invoke []",
                "ok [[:r :register 1]]",
                "invoke [[:w :register 2]]",
                "ok [[:r :register 1] [:w :register 2]]",
                "invoke [[:w :register 8]]",
                "fail []",
                "invoke []",
                "ok []",
                "info other",
            ]
        );
        assert_eq!(t.ops[5].pos, h.ops[5].pos);
        assert_eq!(t.partner, h.partner);
    }

    #[test]
    fn keyed_and_multi_register() {
        let h = build(
            r#"{:process 0, :type :ok, :f :write, :value [:a 1]}
               {:process 1, :type :ok, :f :read, :value [:b 3]}
               {:process 2, :type :ok, :f :cas, :value [:a [1 2]]}"#,
        );
        let t = to_transactions(&h).unwrap();
        assert_eq!(txns(&t), vec!["ok [[:w :a 1]]", "ok [[:r :b 3]]", "ok [[:r :a 1] [:w :a 2]]"]);
        let m = build(
            r#"{:process 0, :type :ok, :f :txn, :value [[:read :x 0] [:write :y 2]]}
               {:process 1, :type :ok, :f :txn, :value [[:read :x nil]]}"#,
        );
        assert!(is_plain_register(&m));
        assert_eq!(txns(&to_transactions(&m).unwrap()), vec!["ok [[:r :x 0] [:w :y 2]]", "ok []"]);
    }

    #[test]
    fn misfits_are_errors() {
        let h = build(
            r#"{:process 0, :type :ok, :f :write, :value [:a 1]}
               {:process 0, :type :ok, :f :write, :value 5}"#,
        );
        let e = to_transactions(&h).unwrap_err();
        assert_eq!(e.ops, vec![1]);
        let h = build(
            r#"{:process 0, :type :ok, :f :acquire}
               {:process 0, :type :ok, :f :read, :value 1}"#,
        );
        assert!(to_transactions(&h).unwrap_err().message.contains(":f :acquire"));
        let txn = build(r#"{:process 0, :type :ok, :f :txn, :value [[:w :x 1]]}"#);
        assert!(!is_plain_register(&txn));
    }
}
