//! Writes a large synthetic list-append history, for the ingest benchmark.
//!
//! `cargo run --release -p parsers --example synth -- TXNS edn|json|jsonl [PROCESSES] > FILE`
//!
//! The history is strictly serializable: each transaction takes effect at its
//! completion. Keys rotate as in Jepsen's list-append workload (a key retires
//! after 32 appends), so read lists stay short. This is only a load generator;
//! the workload simulator with isolation levels and faults is `histcheck gen`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Fmt {
    Edn,
    Json,
    Jsonl,
}

#[derive(Clone, Copy)]
enum Mop {
    Append(u64, u64),
    Read(u64),
}

const ACTIVE: usize = 8;
const MAX_APPENDS: u64 = 32;

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let txns: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let fmt = match args.get(2).map(String::as_str) {
        Some("json") => Fmt::Json,
        Some("jsonl") => Fmt::Jsonl,
        _ => Fmt::Edn,
    };
    let procs: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(16);
    let mut out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut active: Vec<u64> = (0..ACTIVE as u64).collect();
    let mut next_key = ACTIVE as u64;
    let mut appended: HashMap<u64, u64> = HashMap::new();
    let mut lists: HashMap<u64, Vec<u64>> = HashMap::new();
    let mut in_flight: Vec<Option<Vec<Mop>>> = vec![None; procs];
    let (mut index, mut time, mut started, mut done) = (0u64, 0u64, 0u64, 0u64);
    let mut line = String::with_capacity(4096);
    if fmt == Fmt::Json {
        out.write_all(b"[")?;
    }
    while done < txns {
        let p = rng.below(procs as u64) as usize;
        time += 1 + rng.below(50_000);
        line.clear();
        let kind = match in_flight[p].take() {
            None if started < txns => {
                let n = 1 + rng.below(6);
                let mut mops = Vec::new();
                for _ in 0..n {
                    let slot = rng.below(ACTIVE as u64) as usize;
                    let k = active[slot];
                    if rng.below(2) == 0 {
                        mops.push(Mop::Read(k));
                    } else {
                        let c = appended.entry(k).or_insert(0);
                        *c += 1;
                        mops.push(Mop::Append(k, *c));
                        if *c >= MAX_APPENDS {
                            active[slot] = next_key;
                            next_key += 1;
                        }
                    }
                }
                render(&mut line, fmt, &mops, None);
                in_flight[p] = Some(mops);
                started += 1;
                "invoke"
            }
            None => continue,
            Some(mops) => {
                let mut reads = Vec::new();
                for m in &mops {
                    match *m {
                        Mop::Append(k, v) => lists.entry(k).or_default().push(v),
                        Mop::Read(k) => reads.push(lists.get(&k).cloned().unwrap_or_default()),
                    }
                }
                render(&mut line, fmt, &mops, Some(&reads));
                done += 1;
                "ok"
            }
        };
        let value = std::mem::take(&mut line);
        match fmt {
            Fmt::Edn => {
                writeln!(out, "{{:index {index}, :time {time}, :type :{kind}, :process {p}, :f :txn, :value {value}}}")?
            }
            Fmt::Json | Fmt::Jsonl => {
                if fmt == Fmt::Json && index > 0 {
                    out.write_all(b",\n")?;
                }
                write!(
                    out,
                    "{{\"index\":{index},\"time\":{time},\"type\":\"{kind}\",\"process\":{p},\"f\":\"txn\",\"value\":{value}}}"
                )?;
                if fmt == Fmt::Jsonl {
                    out.write_all(b"\n")?;
                }
            }
        }
        line = value;
        index += 1;
    }
    if fmt == Fmt::Json {
        out.write_all(b"]\n")?;
    }
    out.flush()
}

fn render(s: &mut String, fmt: Fmt, mops: &[Mop], reads: Option<&[Vec<u64>]>) {
    let edn = fmt == Fmt::Edn;
    let sep = if edn { " " } else { "," };
    let nil = if edn { "nil" } else { "null" };
    let mut r = reads.map(|r| r.iter());
    s.push('[');
    for (i, m) in mops.iter().enumerate() {
        if i > 0 {
            s.push_str(sep);
        }
        let (f, k) = match *m {
            Mop::Append(k, _) => ("append", k),
            Mop::Read(k) => ("r", k),
        };
        if edn {
            let _ = write!(s, "[:{f} {k} ");
        } else {
            let _ = write!(s, "[\"{f}\",{k},");
        }
        match (*m, r.as_mut()) {
            (Mop::Append(_, v), _) => {
                let _ = write!(s, "{v}");
            }
            (Mop::Read(_), None) => s.push_str(nil),
            (Mop::Read(_), Some(it)) => {
                s.push('[');
                for (j, v) in it.next().into_iter().flatten().enumerate() {
                    if j > 0 {
                        s.push_str(sep);
                    }
                    let _ = write!(s, "{v}");
                }
                s.push(']');
            }
        }
        s.push(']');
    }
    s.push(']');
}
