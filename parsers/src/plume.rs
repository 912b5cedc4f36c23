//! Plume / PolySI / IsoVista / AWDIT "plume" text: one micro-op per line,
//!
//! ```text
//! w(K,V,S,T)
//! r(K,V,S,T)
//! ```
//!
//! with `K` the key, `V` the value, `S` the session and `T` the transaction id, all
//! non-negative integers, except that `T = -1` marks an aborted write.
//!
//! Reading: consecutive lines with the same `S` and `T` form one transaction, read
//! as one completed op `{:index i, :type :ok, :process S, :f :txn, :value [[:w K V]
//! [:r K V] …]}`, `i` counting the ops from 0 in file order. Each aborted line
//! (`T = -1`) is an op of its own, `{… :type :fail, …}`. There are no invocations,
//! so transactions get no real-time order, as in Plume. The lines of one
//! transaction must be consecutive: a transaction that resumes after another one
//! is an error rather than silently split in two.
//!
//! Plume's histories start from an implicit transaction that writes `0` to every
//! key, so a read of `0` is a read of the initial state: it is read as `[:r K nil]`,
//! Jepsen's initial state, not as a read of the value 0 (which nobody wrote, and
//! which the rw-register checker would call a garbage read). A write of `0` keeps
//! its value, but a key that is both written `0` and read as `0` is an input error:
//! the read could be of the initial state or of that write.
//!
//! Writing ([`write_history`]) is for rw-register histories only: the micro-ops of
//! `:ok` completions as `w(k,v,process,index)` / `r(k,v,process,index)` (a read
//! of `nil` as `0`), the writes of `:fail` completions with `T = -1`.
//! Invocations and non-client ops (the nemesis) are left out. Anything else
//! (list-append, keys or values that are not non-negative integers, `:info`
//! completions) cannot be represented, and the writer says which op is at fault.
//! Nor can what would come back meaning something else: a read of the value `0`
//! (it would come back as a read of the initial state), or a write of `0` to a
//! key that some op reads as `nil` (the reader refuses that file).

use crate::json::{describe, next_line, push_i64, push_u64};
use crate::{InputError, OpSink, Source};
use history::{Atom, AtomRef, History, Id, MopKind, MopVal, OpType, OpValue, Process, SrcPos, Value};
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

/// One parsed line.
struct Line {
    read: bool,
    k: i64,
    v: i64,
    s: i64,
    t: i64,
}

fn found(b: &[u8], i: usize) -> String {
    if i >= b.len() {
        "the end of the line".into()
    } else {
        describe(b, i)
    }
}

struct LineParser<'b> {
    b: &'b [u8],
    i: usize,
}

impl LineParser<'_> {
    fn skip_spaces(&mut self) {
        while self.b.get(self.i).is_some_and(|&c| c == b' ' || c == b'\t' || c == b'\r') {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: u8, what: &str) -> Result<(), (usize, String)> {
        self.skip_spaces();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err((self.i, format!("expected '{}' {what}, found {}", c as char, found(self.b, self.i))))
        }
    }

    /// A non-negative integer, or `-1` when `may_abort`.
    fn number(&mut self, what: &str, may_abort: bool) -> Result<i64, (usize, String)> {
        self.skip_spaces();
        let start = self.i;
        let neg = self.b.get(self.i) == Some(&b'-');
        if neg {
            self.i += 1;
        }
        let digits = self.i;
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("");
        if self.i == digits {
            let kind =
                if may_abort { "a non-negative integer, or -1 for an aborted write" } else { "a non-negative integer" };
            return Err((self.i, format!("expected the {what} ({kind}), found {}", found(self.b, self.i))));
        }
        match text.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(n),
            Ok(-1) if may_abort => Ok(-1),
            Ok(n) => {
                let kind = if may_abort {
                    "a non-negative integer, or -1 for an aborted write"
                } else {
                    "a non-negative integer"
                };
                Err((start, format!("expected the {what} to be {kind}, found {n}")))
            }
            Err(_) => {
                let text = crate::error::quote_bytes(text.as_bytes(), crate::error::QUOTE_CHARS);
                Err((start, format!("the {what} {text} is out of range (at most {})", i64::MAX)))
            }
        }
    }

    /// The line, or `None` if it is blank.
    fn line(&mut self) -> Result<Option<Line>, (usize, String)> {
        self.skip_spaces();
        let read = match self.b.get(self.i) {
            None => return Ok(None),
            Some(b'r') => true,
            Some(b'w') => false,
            Some(_) => return Err((self.i, format!("expected r(...) or w(...), found {}", found(self.b, self.i)))),
        };
        self.i += 1;
        self.expect(b'(', if read { "after 'r'" } else { "after 'w'" })?;
        let k = self.number("key", false)?;
        self.expect(b',', "after the key")?;
        let v = self.number("value", false)?;
        self.expect(b',', "after the value")?;
        let s = self.number("session", false)?;
        self.expect(b',', "after the session")?;
        let t = self.number("transaction id", true)?;
        self.expect(b')', "after the transaction id")?;
        self.skip_spaces();
        if self.i < self.b.len() {
            return Err((self.i, format!("expected the end of the line after ')', found {}", found(self.b, self.i))));
        }
        Ok(Some(Line { read, k, v, s, t }))
    }
}

/// For a line that is not Plume text: a hint at what the file may be instead.
/// Jepsen's `history.txt` (`1\t:invoke\t:txn\t[…]`, or a log's `INFO jepsen.util
/// - 1 :invoke :read nil`) is a log for people, not a history; the run's
/// `history.edn` is. Other text is only hinted at on the first line.
fn not_plume_hint(b: &[u8], first: bool) -> &'static str {
    let jepsen = [&b":invoke"[..], b":ok", b":fail", b":info"]
        .iter()
        .any(|t| b.windows(t.len() + 1).any(|w| matches!(w[0], b' ' | b'\t') && &w[1..] == *t));
    let structured = matches!(b.iter().find(|c| !c.is_ascii_whitespace()), Some(b'{' | b'[' | b'(' | b';'));
    if structured {
        if first {
            "; this looks like EDN or JSON, but a .txt file is read as Plume text: pass --format edn, json or jsonl"
        } else {
            ""
        }
    } else if jepsen {
        "; this looks like Jepsen's history.txt, a log for people that histcheck does not read: check the run's history.edn instead (or pass --format edn, json or jsonl if this is one of those)"
    } else if !first {
        ""
    } else {
        "; a .txt file is read as Plume text (r(key,value,session,txn) / w(…)): pass --format edn, json or jsonl if this is another format"
    }
}

fn kw(s: &str) -> Value {
    Value::keyword(s)
}

fn mop(l: &Line) -> Value {
    // 0 is every key's initial value: a read of it is a read of the initial state.
    let v = if l.read && l.v == 0 { Value::Nil } else { Value::Int(l.v) };
    Value::Vector(vec![kw(if l.read { "r" } else { "w" }), Value::Int(l.k), v])
}

fn op_map(index: i64, kind: &str, process: i64, mops: Vec<Value>) -> Value {
    Value::Map(vec![
        (kw("index"), Value::Int(index)),
        (kw("type"), kw(kind)),
        (kw("process"), Value::Int(process)),
        (kw("f"), kw("txn")),
        (kw("value"), Value::Vector(mops)),
    ])
}

/// The transaction being read.
struct Txn {
    s: i64,
    t: i64,
    pos: SrcPos,
    mops: Vec<Value>,
}

/// Reads Plume text, one op per transaction (see the module docs).
pub fn read_ops(src: &mut Source<'_>, sink: &mut OpSink<'_>) -> Result<(), InputError> {
    crate::json::skip_bom(src)?;
    let mut index: i64 = 0;
    let mut cur: Option<Txn> = None;
    // First line of every transaction read so far, to catch one that resumes.
    let mut started: HashMap<(i64, i64), u32> = HashMap::new();
    // The first line that reads 0 from a key, and the first that writes 0 to it.
    let mut zero_read: HashMap<i64, u32> = HashMap::new();
    let mut zero_written: HashMap<i64, u32> = HashMap::new();
    let mut emit = |src: &Source<'_>, v: Value, pos: SrcPos| -> Result<(), InputError> {
        sink(&v, pos).map_err(|e| InputError::from_op(src.name(), e))
    };
    while let Some((len, newline)) = next_line(src)? {
        let b = &src.available()[..len];
        let mut p = LineParser { b, i: 0 };
        let line = match p.line() {
            Ok(Some(l)) => l,
            Ok(None) => {
                src.consume(len + usize::from(newline));
                continue;
            }
            Err((off, msg)) => {
                let first = index == 0 && cur.is_none();
                return Err(src.error_at(off, format!("{msg}{}", not_plume_hint(b, first))));
            }
        };
        let lead = b.iter().position(|&c| !matches!(c, b' ' | b'\t' | b'\r')).unwrap_or(0);
        src.consume(lead);
        let pos = src.pos();
        let line_no = pos.line;
        if line.v == 0 {
            let (mine, theirs) =
                if line.read { (&mut zero_read, &zero_written) } else { (&mut zero_written, &zero_read) };
            mine.entry(line.k).or_insert(line_no);
            if let Some(other) = theirs.get(&line.k) {
                let (this, that) =
                    if line.read { ("read as 0 here", "written 0") } else { ("written 0 here", "read as 0") };
                return Err(src.error_at(
                    0,
                    format!(
                        "key {} is {this} and {that} at line {other}, but 0 is the initial value of every key in Plume text, so the read cannot be told from a read of the initial state; write values other than 0",
                        line.k
                    ),
                ));
            }
        }
        if line.t == -1 {
            emit(src, op_map(index, "fail", line.s, vec![mop(&line)]), pos)?;
            index += 1;
        } else {
            match &mut cur {
                Some(c) if c.s == line.s && c.t == line.t => c.mops.push(mop(&line)),
                _ => {
                    if let Some(first) = started.get(&(line.s, line.t)) {
                        return Err(src.error_at(
                            0,
                            format!(
                                "transaction {} of session {} started at line {first} and was followed by other transactions; the lines of one transaction must be consecutive",
                                line.t, line.s
                            ),
                        ));
                    }
                    started.insert((line.s, line.t), line_no);
                    if let Some(done) = cur.take() {
                        emit(src, op_map(index, "ok", done.s, done.mops), done.pos)?;
                        index += 1;
                    }
                    cur = Some(Txn { s: line.s, t: line.t, pos, mops: vec![mop(&line)] });
                }
            }
        }
        src.consume(len - lead + usize::from(newline));
    }
    if let Some(done) = cur.take() {
        emit(src, op_map(index, "ok", done.s, done.mops), done.pos)?;
    }
    Ok(())
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("cannot write the history as Plume text: {msg}"))
}

/// A key or value as a non-negative integer.
fn non_negative(h: &History, id: Id) -> Option<i64> {
    let n = match h.atoms.resolve(id) {
        AtomRef::Int(i) => i,
        AtomRef::Table(Atom::Int(i)) => *i,
        _ => return None,
    };
    (n >= 0).then_some(n)
}

/// One line to write: (read?, key, value, session, txn).
type PlumeLine = (bool, i64, i64, i64, i64);

/// The lines of a history, or why it cannot be written.
fn plume_lines(h: &History) -> io::Result<Vec<PlumeLine>> {
    let mut lines = Vec::new();
    let mut zero_writes: HashMap<i64, u64> = HashMap::new();
    let mut nil_reads: HashSet<i64> = HashSet::new();
    let mut first_nil_read: HashMap<i64, u64> = HashMap::new();
    for op in &h.ops {
        let Process::Client(p) = op.process else { continue };
        let at = format!("op index {} (line {})", op.index, op.pos.line);
        let aborted = match op.kind {
            OpType::Invoke => continue,
            OpType::Ok => false,
            OpType::Fail => true,
            OpType::Info => {
                return Err(invalid(format!(
                    "{at} is an :info completion (its outcome is unknown), which Plume text cannot represent; decide whether it committed or drop it first"
                )))
            }
        };
        if p < 0 {
            return Err(invalid(format!("{at} has process {p}, but Plume sessions are non-negative integers")));
        }
        match &op.value {
            OpValue::Txn { .. } => {}
            OpValue::Absent | OpValue::Other(_) if aborted => continue,
            OpValue::Absent => return Err(invalid(format!("{at} has no :value; Plume text holds only transactions"))),
            OpValue::Other(v) => {
                return Err(invalid(format!(
                    "{at} is not a transaction (its :value is {}); Plume text holds only rw-register transactions",
                    v.kind_name()
                )))
            }
        }
        let t = if aborted { -1 } else { op.index as i64 };
        for m in h.mops(op) {
            if m.kind == MopKind::Append {
                return Err(invalid(format!(
                    "{at} has an append micro-op; Plume text holds only rw-register histories ([:r k v] and [:w k v])"
                )));
            }
            let read = m.kind == MopKind::Read;
            if read && aborted {
                continue;
            }
            let Some(k) = non_negative(h, m.key) else {
                return Err(invalid(format!(
                    "{at} has the key {}, but Plume keys are non-negative integers",
                    h.atoms.resolve(m.key)
                )));
            };
            let v = match m.val {
                MopVal::Atom(id) => match non_negative(h, id) {
                    Some(v) => v,
                    None => {
                        return Err(invalid(format!(
                            "{at} has the value {} for key {k}, but Plume values are non-negative integers",
                            h.atoms.resolve(id)
                        )))
                    }
                },
                MopVal::Nil | MopVal::Absent if read => {
                    nil_reads.insert(k);
                    first_nil_read.entry(k).or_insert(op.index);
                    0
                }
                MopVal::Nil | MopVal::Absent => {
                    return Err(invalid(format!("{at} writes nil to key {k}; Plume values are non-negative integers")))
                }
                MopVal::List { .. } => {
                    return Err(invalid(format!(
                        "{at} reads a list from key {k}; Plume text holds only rw-register histories"
                    )))
                }
            };
            if !read && v == 0 {
                zero_writes.entry(k).or_insert(op.index);
            }
            if read && v == 0 && matches!(m.val, MopVal::Atom(_)) {
                return Err(invalid(format!(
                    "{at} reads the value 0 from key {k}; in Plume text 0 is every key's initial value, so the read would come back as a read of the initial state (nil) and could change the verdict"
                )));
            }
            lines.push((read, k, v, p, t));
        }
    }
    let mut clashes: Vec<(&i64, &u64)> = zero_writes.iter().filter(|(k, _)| nil_reads.contains(k)).collect();
    clashes.sort();
    if let Some((k, w)) = clashes.first() {
        return Err(invalid(format!(
            "op index {w} writes 0 to key {k}, and op index {} reads nil from it; Plume text writes a nil read as 0 (its initial value), so the two would be indistinguishable",
            first_nil_read[k]
        )));
    }
    Ok(lines)
}

/// Writes an rw-register history as Plume text (see the module docs); an error of
/// kind `InvalidData` says why a history cannot be written, before anything is.
pub fn write_history<W: Write>(h: &History, mut out: W) -> io::Result<()> {
    let lines = plume_lines(h)?;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    for (read, k, v, s, t) in lines {
        buf.extend_from_slice(if read { b"r(" } else { b"w(" });
        push_i64(&mut buf, k);
        buf.push(b',');
        push_i64(&mut buf, v);
        buf.push(b',');
        push_u64(&mut buf, s as u64);
        buf.push(b',');
        push_i64(&mut buf, t);
        buf.extend_from_slice(b")\n");
        if buf.len() >= 1 << 16 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_history, Format, ReadOptions};
    use history::HistoryBuilder;

    fn read(text: &str) -> Result<History, InputError> {
        read_history(text.as_bytes(), "h.txt", Some(Format::Plume), ReadOptions::default())
    }

    fn write(h: &History) -> io::Result<String> {
        let mut out = Vec::new();
        write_history(h, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    const GALERA: &str = "w(0,1,1,1)\nw(0,2,1,1)\nw(0,3,1,2)\nw(0,4,1,2)\nr(0,4,1,3)\nw(0,5,1,3)\nr(0,5,1,4)\nr(0,5,1,4)\nr(0,4,2,8)\nw(0,10,2,8)\nw(0,11,2,9)\nw(0,12,2,9)\nw(0,13,2,10)\nw(0,14,2,10)\n";

    #[test]
    fn reads_a_galera_like_history() {
        let h = read(GALERA).unwrap();
        assert_eq!(h.len(), 7);
        assert!(h.index_given);
        let v = h.op_to_value(&h.ops[2]);
        assert_eq!(v.to_string(), "{:index 2, :type :ok, :process 1, :f :txn, :value [[:r 0 4] [:w 0 5]]}");
        assert_eq!(h.ops[2].pos, SrcPos { line: 5, col: 1 });
        assert_eq!(h.ops[6].pos, SrcPos { line: 13, col: 1 });
        assert!(h.partner.iter().all(|&p| p == history::NO_PARTNER));
        // Written back, it keeps the transactions (numbered by op index).
        let text = write(&h).unwrap();
        assert_eq!(text.lines().count(), 14);
        assert!(text.starts_with("w(0,1,1,0)\nw(0,2,1,0)\nw(0,3,1,1)\n"), "{text}");
        let back = read(&text).unwrap();
        let vals = |h: &History| h.ops.iter().map(|o| h.op_to_value(o)).collect::<Vec<_>>();
        assert_eq!(vals(&back), vals(&h));
    }

    #[test]
    fn aborted_writes_blank_lines_and_spaces() {
        let h = read("\n w( 1 , 2 ,0,-1)\r\nr(1,0,0,5)\n\nr(2,0,0,5)  \nr(1,2,1,5)").unwrap();
        let vals: Vec<String> = h.ops.iter().map(|o| h.op_to_value(o).to_string()).collect();
        assert_eq!(
            vals,
            [
                "{:index 0, :type :fail, :process 0, :f :txn, :value [[:w 1 2]]}",
                "{:index 1, :type :ok, :process 0, :f :txn, :value [[:r 1 nil] [:r 2 nil]]}",
                "{:index 2, :type :ok, :process 1, :f :txn, :value [[:r 1 2]]}",
            ]
        );
        assert_eq!(h.ops[0].pos, SrcPos { line: 2, col: 2 });
        assert_eq!(write(&h).unwrap(), "w(1,2,0,-1)\nr(1,0,0,1)\nr(2,0,0,1)\nr(1,2,1,2)\n");
        assert!(read("").unwrap().is_empty());
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = read("w(0,1,1,1)\nw(0,1)\n").unwrap_err().to_string();
        assert!(e.starts_with("h.txt:2:6: expected ',' after the value, found ')'"), "{e}");
        let e = read("w(0)\n").unwrap_err().to_string();
        assert!(e.starts_with("h.txt:1:4: expected ',' after the key, found ')'"), "{e}");
        let e = read("w(0,1,1,1)\nx(0,1,1,1)\n").unwrap_err().to_string();
        assert!(e.starts_with("h.txt:2:1: expected r(...) or w(...), found 'x'"), "{e}");
        let e = read("r(99999999999999999999,1,1,1)\n").unwrap_err().to_string();
        assert!(e.starts_with("h.txt:1:3: the key 99999999999999999999 is out of range"), "{e}");
        let e = read("r(1,-1,1,1)\n").unwrap_err().to_string();
        assert!(e.starts_with("h.txt:1:5: expected the value to be a non-negative integer, found -1"), "{e}");
        let e = read("r(1,1,1,-2)\n").unwrap_err().to_string();
        assert!(e.contains("-1 for an aborted write"), "{e}");
        let e = read("r(1,1,1,1) x\n").unwrap_err().to_string();
        assert!(e.starts_with("h.txt:1:12: expected the end of the line"), "{e}");
        let e = read("r(1,1,1,1\n").unwrap_err().to_string();
        assert!(e.starts_with("h.txt:1:10: expected ')' after the transaction id, found the end of the line"), "{e}");
        let e = read("w(0,1,1,1)\nw(0,2,2,2)\nw(0,3,1,1)\n").unwrap_err().to_string();
        assert!(e.starts_with("h.txt:3:1: transaction 1 of session 1 started at line 1"), "{e}");
    }

    /// Jepsen's history.txt and other text in a .txt file get a hint (issue 12 item 15).
    #[test]
    fn text_that_is_not_plume_gets_a_hint() {
        for text in ["1\t:invoke\t:txn\t[[:append 5 1]]\n", "INFO jepsen.util - 1 :invoke :read nil\n"] {
            let e = read(text).unwrap_err().to_string();
            assert!(e.starts_with("h.txt:1:1: expected r(...) or w(...), found "), "{e}");
            assert!(e.contains("this looks like Jepsen's history.txt"), "{e}");
            assert!(e.contains("history.edn"), "{e}");
        }
        // Further down the file, too.
        let e = read("w(0,1,1,1)\n2\t:ok\t:txn\t[[:r 5 [1]]]\n").unwrap_err().to_string();
        assert!(e.starts_with("h.txt:2:1: ") && e.contains("Jepsen's history.txt"), "{e}");
        let e = read("{:type :ok, :process 0, :value []}\n").unwrap_err().to_string();
        assert!(e.contains("this looks like EDN or JSON") && e.contains("--format edn"), "{e}");
        let e = read("hello\n").unwrap_err().to_string();
        assert!(e.contains("a .txt file is read as Plume text") && e.contains("--format"), "{e}");
        // A typo in a later Plume line gets no hint.
        let e = read("w(0,1,1,1)\nx(0,1,1,1)\n").unwrap_err().to_string();
        assert!(!e.contains("--format") && !e.contains("Jepsen"), "{e}");
    }

    fn build(ops: &[&str]) -> History {
        // Tiny EDN-free builder input: (type, process, mops as (f, k, v)).
        let mut b = HistoryBuilder::new();
        for (i, o) in ops.iter().enumerate() {
            let v: Value = crate::json::value_from_json(o).unwrap();
            // Keys of these test maps are ":type" etc., i.e. keywords.
            b.push(&v, SrcPos { line: i as u32 + 1, col: 1 }).unwrap();
        }
        b.finish().unwrap()
    }

    #[test]
    fn writer_refuses_what_plume_cannot_hold() {
        let cases = [
            (
                r#"{":type":":ok",":process":0,":value":[[":append",1,2]]}"#,
                "op index 0 (line 1) has an append micro-op",
            ),
            (r#"{":type":":ok",":process":0,":value":[[":w","x",2]]}"#, "has the key \"x\""),
            (r#"{":type":":ok",":process":0,":value":[[":w",1,-2]]}"#, "has the value -2"),
            (r#"{":type":":info",":process":0,":value":[[":w",1,2]]}"#, "op index 0 (line 1) is an :info completion"),
            (r#"{":type":":ok",":process":0,":value":[[":w",1,null]]}"#, "writes nil"),
            (r#"{":type":":ok",":process":0,":f":":read",":value":3}"#, "is not a transaction"),
        ];
        for (op, want) in cases {
            let e = write(&build(&[op])).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidData);
            assert!(e.to_string().contains(want), "{e} / {want}");
        }
        let e = write(&build(&[
            r#"{":type":":ok",":process":0,":value":[[":w",1,0]]}"#,
            r#"{":type":":ok",":process":1,":value":[[":r",1,null]]}"#,
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("writes 0 to key 1"), "{e}");
        // Nemesis ops and invocations are left out; fail reads dropped.
        let h = build(&[
            r#"{":type":":invoke",":process":0,":value":[[":w",1,3],[":r",2,null]]}"#,
            r#"{":type":":info",":process":":nemesis",":value":null}"#,
            r#"{":type":":fail",":process":0,":value":[[":w",1,3],[":r",2,null]]}"#,
            r#"{":type":":invoke",":process":0,":value":[[":r",1,null]]}"#,
            r#"{":type":":ok",":process":0,":value":[[":r",1,null]]}"#,
        ]);
        assert_eq!(write(&h).unwrap(), "w(1,3,0,-1)\nr(1,0,0,4)\n");
    }

    /// Every key starts at 0 in Plume text: a read of 0 is a read of the initial
    /// state, nil in the history (a read of the value 0, which nobody wrote, would
    /// be a garbage read), and it is written back as 0.
    #[test]
    fn a_read_of_zero_is_a_read_of_the_initial_state() {
        let h = read("r(3,0,1,1)\nw(3,1,1,1)\nr(3,1,2,2)\nw(4,0,2,2)\n").unwrap();
        let vals: Vec<String> = h.ops.iter().map(|o| h.op_to_value(o).to_string()).collect();
        assert_eq!(
            vals,
            [
                "{:index 0, :type :ok, :process 1, :f :txn, :value [[:r 3 nil] [:w 3 1]]}",
                // A write of 0 that nobody reads as 0 keeps its value.
                "{:index 1, :type :ok, :process 2, :f :txn, :value [[:r 3 1] [:w 4 0]]}",
            ]
        );
        assert_eq!(write(&h).unwrap(), "r(3,0,1,0)\nw(3,1,1,0)\nr(3,1,2,1)\nw(4,0,2,1)\n");
    }

    /// A key that is both written 0 and read as 0: the read could be of the initial
    /// state or of that write, so the history means nothing definite.
    #[test]
    fn a_write_of_zero_read_back_as_zero_is_refused() {
        for text in ["w(3,0,1,1)\nr(3,0,2,2)\n", "r(3,0,2,2)\nw(3,0,1,1)\n", "r(3,0,2,2)\nw(3,0,1,-1)\n"] {
            let e = read(text).unwrap_err().to_string();
            assert!(e.starts_with("h.txt:2:1: key 3 is "), "{e}");
            assert!(e.contains("0 is the initial value of every key in Plume text"), "{e}");
        }
        // Zero written to one key and read from another is fine.
        assert!(read("w(3,0,1,1)\nr(4,0,2,2)\n").is_ok());
    }

    /// The writer never changes what a history says: a read of the value 0 would
    /// come back as a read of the initial state, so it is refused.
    #[test]
    fn writer_refuses_a_read_of_the_value_zero() {
        let h = build(&[
            r#"{":type":":ok",":process":0,":value":[[":w",1,5]]}"#,
            r#"{":type":":ok",":process":1,":value":[[":r",2,0]]}"#,
        ]);
        let e = write(&h).unwrap_err().to_string();
        assert!(e.contains("op index 1 (line 2) reads the value 0 from key 2"), "{e}");
    }

    /// The PolySI corpus files, where the initial value of every key is 0 (so a
    /// read of 0 that no op wrote is of the initial state, not a garbage read):
    /// every read names a value some op wrote, or the initial state (yugabyte.txt's
    /// 29 reads of 0 used to be garbage reads); written back and read again, they
    /// are the same.
    #[test]
    fn corpus_files_read_without_garbage() {
        let Some(dir) = testkit::corpus("plume::corpus_files_read_without_garbage", "isolation-text") else { return };
        for (name, nil_reads) in [("galera.txt", 0), ("yugabyte.txt", 29)] {
            let p = dir.join(name);
            let opts = ReadOptions { format: Some(Format::Plume), ..Default::default() };
            let h = crate::read_history_file(&p, opts).unwrap_or_else(|e| panic!("{e}"));
            let mut written = HashSet::new();
            for op in &h.ops {
                for m in h.mops(op).iter().filter(|m| m.kind == MopKind::Write) {
                    written.insert((m.key, m.val));
                }
            }
            let (mut nils, mut garbage) = (0, Vec::new());
            for op in &h.ops {
                for m in h.mops(op).iter().filter(|m| m.kind == MopKind::Read) {
                    if m.val == MopVal::Nil {
                        nils += 1;
                    } else if !written.contains(&(m.key, m.val)) {
                        garbage.push(h.op_to_value(op).to_string());
                    }
                }
            }
            assert!(garbage.is_empty(), "{name}: reads of values nobody wrote: {garbage:?}");
            assert_eq!(nils, nil_reads, "{name}: reads of the initial state");
            let text = write(&h).unwrap();
            let back = read(&text).unwrap();
            let vals = |h: &History| h.ops.iter().map(|o| h.op_to_value(o).to_string()).collect::<Vec<_>>();
            assert_eq!(vals(&back), vals(&h), "{name}");
        }
    }
}
