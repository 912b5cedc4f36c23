//! Writing simulated ops straight to a file, without building a
//! [`history::History`]: the fast path of `histcheck gen`.
//!
//! [`OpWriter`] is a [`sim::Sink`]. Its output is byte for byte what
//! [`crate::write_history`] writes for the same history (tests check this), in
//! EDN, JSON or JSON Lines.

use crate::Format;
use history::MopKind;
use sim::{SimOp, SimVal, Sink};
use std::io::{self, Write};

const CHUNK: usize = 1 << 20;

/// Streams ops in one of the history formats (not Plume).
pub struct OpWriter<W: Write> {
    out: W,
    buf: Vec<u8>,
    format: Format,
    ops: u64,
}

impl<W: Write> OpWriter<W> {
    /// `format` must be EDN, JSON or JSON Lines.
    pub fn new(format: Format, out: W) -> io::Result<Self> {
        if format == Format::Plume {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "the op writer writes EDN, JSON or JSON Lines"));
        }
        Ok(OpWriter { out, buf: Vec::with_capacity(CHUNK + 4096), format, ops: 0 })
    }

    /// How many ops have been written.
    pub fn ops(&self) -> u64 {
        self.ops
    }

    /// Closes the document (JSON's `]`), flushes, and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.format == Format::Json {
            self.buf.extend_from_slice(if self.ops == 0 { b"[]\n" } else { b"]\n" });
        }
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()?;
        Ok(self.out)
    }

    /// Writes one op.
    pub fn write_op(&mut self, op: &SimOp<'_>) -> io::Result<()> {
        let (t, b) = (if self.format == Format::Edn { &EDN } else { &JSON }, &mut self.buf);
        if self.format == Format::Json {
            b.extend_from_slice(if self.ops == 0 { b"[" } else { b",\n" });
        }
        b.extend_from_slice(t.index);
        push_u64(b, op.index);
        b.extend_from_slice(t.time);
        push_i64(b, op.time);
        b.extend_from_slice(t.kind);
        b.extend_from_slice(op.kind.name().as_bytes());
        b.extend_from_slice(t.process);
        push_i64(b, op.process);
        b.extend_from_slice(t.value);
        for (i, m) in op.mops.iter().enumerate() {
            if i > 0 {
                b.push(t.sep);
            }
            b.extend_from_slice(match m.kind {
                MopKind::Append => t.append,
                MopKind::Read => t.read,
                MopKind::Write => t.write,
            });
            push_i64(b, m.key);
            b.push(t.sep);
            match m.val {
                SimVal::Nil => b.extend_from_slice(t.nil),
                SimVal::Int(v) => push_i64(b, v),
                SimVal::List { .. } => {
                    b.push(b'[');
                    for (j, &x) in op.list(m.val).iter().enumerate() {
                        if j > 0 {
                            b.push(t.sep);
                        }
                        push_i64(b, x);
                    }
                    b.push(b']');
                }
            }
            b.push(b']');
        }
        b.extend_from_slice(b"]}");
        if self.format != Format::Json {
            b.push(b'\n');
        }
        self.ops += 1;
        if self.buf.len() >= CHUNK {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// The tokens of one op in EDN or JSON, in the order they are written.
struct Tokens {
    index: &'static [u8],
    time: &'static [u8],
    kind: &'static [u8],
    process: &'static [u8],
    value: &'static [u8],
    sep: u8,
    append: &'static [u8],
    read: &'static [u8],
    write: &'static [u8],
    nil: &'static [u8],
}

const EDN: Tokens = Tokens {
    index: b"{:index ",
    time: b", :time ",
    kind: b", :type :",
    process: b", :process ",
    value: b", :f :txn, :value [",
    sep: b' ',
    append: b"[:append ",
    read: b"[:r ",
    write: b"[:w ",
    nil: b"nil",
};

const JSON: Tokens = Tokens {
    index: b"{\"index\":",
    time: b",\"time\":",
    kind: b",\"type\":\"",
    process: b"\",\"process\":",
    value: b",\"f\":\"txn\",\"value\":[",
    sep: b',',
    append: b"[\"append\",",
    read: b"[\"r\",",
    write: b"[\"w\",",
    nil: b"null",
};

impl<W: Write> Sink for OpWriter<W> {
    type Error = io::Error;
    fn op(&mut self, op: &SimOp<'_>) -> io::Result<()> {
        self.write_op(op)
    }
}

#[inline]
fn push_u64(b: &mut Vec<u8>, mut n: u64) {
    if n < 10 {
        b.push(b'0' + n as u8);
        return;
    }
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    while n > 0 {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    b.extend_from_slice(&tmp[i..]);
}

#[inline]
fn push_i64(b: &mut Vec<u8>, n: i64) {
    if n < 0 {
        b.push(b'-');
    }
    push_u64(b, n.unsigned_abs());
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::{simulate, Faults, Isolation, SimConfig, Workload};

    fn streamed(c: &SimConfig, f: Format) -> Vec<u8> {
        let mut w = OpWriter::new(f, Vec::new()).unwrap();
        sim::run(c, &mut w).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn streams_exactly_what_write_history_writes() {
        for workload in [Workload::ListAppend, Workload::RwRegister] {
            for iso in [Isolation::StrictSerializable, Isolation::SnapshotIsolation, Isolation::ReadUncommitted] {
                let c = SimConfig {
                    workload,
                    isolation: iso,
                    txns: 150,
                    faults: Faults::parse("crash=0.05,aborted-read=0.05").unwrap(),
                    ..SimConfig::default()
                };
                let h = simulate(&c).history;
                for f in [Format::Edn, Format::Json, Format::Jsonl] {
                    let mut want = Vec::new();
                    crate::write_history(&h, f, &mut want).unwrap();
                    let got = streamed(&c, f);
                    assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap(), "{f:?}");
                }
            }
        }
        for f in [Format::Edn, Format::Json, Format::Jsonl] {
            let c = SimConfig { txns: 0, ..SimConfig::default() };
            let mut want = Vec::new();
            crate::write_history(&simulate(&c).history, f, &mut want).unwrap();
            assert_eq!(streamed(&c, f), want, "{f:?}");
        }
    }

    #[test]
    fn integers_format() {
        let mut b = Vec::new();
        for n in [0i64, 7, 10, 99, 123456789, -1, -40, i64::MIN, i64::MAX] {
            b.clear();
            push_i64(&mut b, n);
            assert_eq!(String::from_utf8(b.clone()).unwrap(), n.to_string());
        }
    }
}
