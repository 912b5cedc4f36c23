//! Reading a big EDN stream of op maps or JSON Lines file on all cores.
//!
//! The input is cut into blocks of a few MiB, each ending just before a line
//! that starts with `{`, and each block is read, by the usual reader, into
//! its own [`HistoryBuilder`] on one of a few worker threads, while the main
//! thread reads the next blocks and joins the finished ones in file order
//! ([`HistoryBuilder::append`]: atoms re-interned in first-occurrence order,
//! arenas concatenated, positions shifted by the lines before the block).
//! The caller then finishes the joined builder as it would a sequential one.
//!
//! A cut can be in the wrong place (inside a multi-line map or string, after
//! a `#_` or a tag), but then the block before it does not read cleanly to its
//! end: its last form is unfinished. So every block that reads without error
//! was cut between two top-level forms, and the blocks together read as the
//! whole input does. Any doubt at all (a block with an error, indices that do
//! not join, a read error) makes [`read`] give up with `None`, and the caller
//! reads the whole input again sequentially, for the result and the error
//! messages exactly as they have always been.

use crate::source::{count_newlines, Source};
use crate::{edn, json, Format};
use history::HistoryBuilder;
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

/// Files smaller than this are read sequentially: threads would not pay.
pub(crate) const MIN_BYTES: u64 = 4 << 20;
const MIN_BLOCK: usize = 256 << 10;
/// Blocks and their builders in flight cost memory (a few blocks' worth
/// beyond the history), and bigger blocks than this gain nothing.
const MAX_BLOCK: usize = 4 << 20;

/// The block size for an input of `len` bytes: many blocks per thread, so
/// that the last ones do not leave a thread idle for long and the blocks in
/// flight stay small beside the history.
pub(crate) fn block_size(len: u64, threads: usize) -> usize {
    ((len / (threads as u64 * 64).max(1)) as usize).clamp(MIN_BLOCK, MAX_BLOCK)
}

/// How many worker threads to use.
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(8)
}

struct Job {
    k: usize,
    buf: Vec<u8>,
    builder: HistoryBuilder,
}

struct Done {
    k: usize,
    buf: Vec<u8>,
    builder: HistoryBuilder,
    ok: bool,
    /// Line breaks in the block.
    lines: u32,
}

fn parse(job: Job, name: &str, format: Format) -> Done {
    let mut src = Source::from_vec(job.buf, name);
    let mut b = job.builder;
    let ok = match format {
        Format::Edn => edn::read_into(&mut src, &mut b).is_ok(),
        Format::Jsonl => json::read_lines_into(&mut src, &mut b).is_ok(),
        _ => false,
    };
    // The source counted the line breaks of what the reader consumed (the EDN
    // reader consumes all); count them here only for what it left.
    let (all, line) = (src.available().is_empty(), src.pos().line);
    let buf = src.take_buf();
    let lines = if all { line - 1 } else { count_newlines(&buf) };
    Done { k: job.k, buf, builder: b, ok, lines }
}

/// Joins finished blocks in file order.
struct Joiner {
    acc: Option<HistoryBuilder>,
    next: usize,
    pending: BTreeMap<usize, Done>,
    /// Line breaks before block `next`.
    line_base: u32,
    ok: bool,
    bufs: Vec<Vec<u8>>,
    builders: Vec<HistoryBuilder>,
    /// Blocks sent and not yet joined.
    in_flight: usize,
}

impl Joiner {
    fn take(&mut self, d: Done) {
        if !d.ok {
            self.ok = false;
        }
        self.pending.insert(d.k, d);
        while let Some(mut d) = self.pending.remove(&self.next) {
            self.next += 1;
            self.in_flight -= 1;
            if self.ok {
                match &mut self.acc {
                    None => self.acc = Some(std::mem::take(&mut d.builder)),
                    Some(acc) => self.ok = acc.append(&mut d.builder, self.line_base),
                }
                self.line_base = self.line_base.saturating_add(d.lines);
            }
            self.bufs.push(d.buf);
            self.builders.push(d.builder);
        }
    }
}

/// The last `\n{` in `buf[from..]`: where the block ends (after the `\n`).
fn cut(buf: &[u8], from: usize) -> Option<usize> {
    buf[from..].windows(2).rposition(|w| w == b"\n{").map(|p| from + p + 1)
}

/// Reads an EDN stream of op maps or JSON Lines (`format`) from `reader` in
/// blocks of about `block` bytes on `threads` worker threads. The builder
/// holds every op, not yet finished; `None` means the input must be read
/// sequentially (see the module notes).
pub(crate) fn read<R: Read>(
    mut reader: R,
    name: &str,
    format: Format,
    block: usize,
    threads: usize,
    mut progress: Option<&mut dyn FnMut(u64)>,
) -> Option<HistoryBuilder> {
    if !matches!(format, Format::Edn | Format::Jsonl) {
        return None;
    }
    let block = block.max(1);
    let threads = threads.max(1);
    // Blocks read ahead and not yet joined: memory stays a few blocks.
    let window = threads + 1;
    let (job_tx, job_rx) = mpsc::sync_channel::<Job>(window);
    let job_rx = Mutex::new(job_rx);
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    let abort = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let (job_rx, abort) = (&job_rx, &abort);
            s.spawn(move || loop {
                let job = match job_rx.lock() {
                    Ok(rx) => match rx.recv() {
                        Ok(job) => job,
                        Err(_) => return,
                    },
                    Err(_) => return,
                };
                let k = job.k;
                let done = if abort.load(Ordering::Relaxed) {
                    Done { k, buf: job.buf, builder: job.builder, ok: false, lines: 0 }
                } else {
                    // A panic is a bug the sequential reader meets too: give
                    // up here (never leave the main thread waiting) and let it.
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse(job, name, format))).unwrap_or_else(
                        |_| Done { k, buf: Vec::new(), builder: HistoryBuilder::new(), ok: false, lines: 0 },
                    )
                };
                if done_tx.send(done).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        let mut j = Joiner {
            acc: None,
            next: 0,
            pending: BTreeMap::new(),
            line_base: 0,
            ok: true,
            bufs: Vec::new(),
            builders: Vec::new(),
            in_flight: 0,
        };
        let mut carry: Vec<u8> = Vec::new();
        let mut total = 0u64;
        let mut eof = false;
        let mut k = 0;
        while !eof && j.ok {
            while j.in_flight >= window {
                match done_rx.recv() {
                    Ok(d) => j.take(d),
                    Err(_) => break,
                }
            }
            while let Ok(d) = done_rx.try_recv() {
                j.take(d);
            }
            if !j.ok {
                break;
            }
            let mut buf = j.bufs.pop().unwrap_or_default();
            buf.clear();
            buf.reserve(block + carry.len() + 4096);
            buf.extend_from_slice(&carry);
            carry.clear();
            let mut searched = 0;
            let end = loop {
                let want = (searched + block).saturating_sub(buf.len()).max(block.min(4096));
                match (&mut reader).take(want as u64).read_to_end(&mut buf) {
                    Ok(n) => {
                        total += n as u64;
                        if let Some(p) = progress.as_mut() {
                            p(total);
                        }
                        if n < want {
                            eof = true;
                            break buf.len();
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => {
                        j.ok = false;
                        break buf.len();
                    }
                }
                if buf.len() >= searched + block {
                    if let Some(c) = cut(&buf, searched.saturating_sub(1)) {
                        break c;
                    }
                    // No line opens a map (tagged ops, one op over many
                    // lines): not the shape this reader is for.
                    if buf.len() > (4 * block).max(1 << 20) {
                        j.ok = false;
                        break buf.len();
                    }
                    searched = buf.len();
                }
            };
            if !j.ok {
                break;
            }
            carry.extend_from_slice(&buf[end..]);
            buf.truncate(end);
            let builder = j.builders.pop().unwrap_or_default();
            j.in_flight += 1;
            if job_tx.send(Job { k, buf, builder }).is_err() {
                j.ok = false;
                break;
            }
            k += 1;
        }
        if !j.ok {
            abort.store(true, Ordering::Relaxed);
        }
        drop(job_tx);
        for d in done_rx {
            j.take(d);
        }
        if j.ok {
            Some(j.acc.unwrap_or_default())
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_history, read_history_file, write_history, Parallel, ReadOptions};
    use history::{History, Id};
    use proptest::prelude::*;
    use sim::{self, Faults, Isolation, SimConfig, Workload};
    use std::path::{Path, PathBuf};
    use std::sync::atomic::AtomicUsize;

    /// Everything of a history, atoms resolved: equal for equal histories.
    fn dump(h: &History) -> String {
        let v = |id: Id| h.atoms.to_value(id).to_string();
        let mut s = format!(
            "index_given {} defaulted {} atoms {}\nwarnings {:?}\npartner {:?}\nmops {:?}\nreads {:?}\n",
            h.index_given,
            h.process_defaulted,
            h.atoms.table_len(),
            h.warnings,
            h.partner,
            h.mops,
            h.reads
        );
        for op in &h.ops {
            s += &format!("{op:?} f={:?} p={:?}\n", op.f.map(v), h.op_to_value(op).to_string());
            for m in h.mops(op) {
                s += &format!("  {} {:?}\n", v(m.key), h.mop_val_value(m.val).map(|x| x.to_string()));
            }
        }
        s
    }

    fn outcome(r: Result<History, crate::InputError>) -> String {
        match r {
            Ok(h) => dump(&h),
            Err(e) => format!("error: {e}"),
        }
    }

    fn temp(bytes: &[u8], ext: &str) -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("histcheck-par-{}-{n}.{ext}", std::process::id()));
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn read_file(p: &Path, parallel: Parallel) -> String {
        outcome(read_history_file(p, ReadOptions { parallel, ..Default::default() }))
    }

    /// The parallel reader's result (or `None` when it gives up), finished.
    fn parallel(bytes: &[u8], format: Format, block: usize) -> Option<String> {
        read(bytes, "t", format, block, 2, None)
            .map(|b| outcome(b.finish().map_err(|e| crate::InputError::from_op("t", e))))
    }

    fn sequential(bytes: &[u8], format: Format) -> String {
        outcome(read_history(bytes, "t", Some(format), ReadOptions::default()))
    }

    /// Through files: whatever the block size, the outcome (history or error)
    /// is the sequential one.
    fn same_through_files(bytes: &[u8], ext: &str, blocks: &[usize]) {
        let p = temp(bytes, ext);
        let want = read_file(&p, Parallel::Off);
        for &b in blocks {
            assert_eq!(
                read_file(&p, Parallel::Blocks(b)),
                want,
                "block {b}, input:\n{}",
                String::from_utf8_lossy(bytes)
            );
        }
        let _ = std::fs::remove_file(&p);
    }

    #[test]
    fn cuts_before_a_line_opening_a_map() {
        assert_eq!(cut(b"{:a 1}\n{:b 2}\n{:c", 0), Some(14));
        assert_eq!(cut(b"{:a 1}\n{:b 2}\n{:c", 14), None);
        assert_eq!(cut(b"{:a 1}\n {:b 2}\n", 0), None);
    }

    fn fixtures(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                fixtures(&p, out);
            } else {
                out.push(p);
            }
        }
    }

    #[test]
    fn every_fixture_reads_the_same_in_blocks() {
        let mut files = Vec::new();
        fixtures(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures"), &mut files);
        assert!(files.len() > 20);
        for p in files {
            let want = read_file(&p, Parallel::Off);
            for b in [1, 40, 200, 1000, 1 << 20] {
                assert_eq!(read_file(&p, Parallel::Blocks(b)), want, "{} block {b}", p.display());
            }
        }
    }

    fn sim_bytes(cfg: &SimConfig, f: Format) -> Vec<u8> {
        let mut out = Vec::new();
        write_history(&sim::simulate(cfg).history, f, &mut out).unwrap();
        out
    }

    #[test]
    fn generated_histories_read_the_same_in_blocks_and_in_parallel() {
        for (txns, seed) in [(0, 1), (1, 2), (30, 3), (400, 4), (3000, 5)] {
            let cfg = SimConfig { txns, seed, ..SimConfig::default() };
            for f in [Format::Edn, Format::Jsonl] {
                let bytes = sim_bytes(&cfg, f);
                let want = sequential(&bytes, f);
                for b in [1, 100, 333, 4096, 50_000, 1 << 20] {
                    // Cut at every op boundary, so the parallel path must hold.
                    assert_eq!(parallel(&bytes, f, b).as_deref(), Some(&*want), "{f:?} {txns} txns, block {b}");
                }
            }
        }
    }

    #[test]
    fn string_keys_named_processes_and_no_index_join_as_one() {
        let mut text = String::new();
        for i in 0..200 {
            let key = format!("\"k{}\"", i % 7);
            text +=
                &format!("{{:type :invoke, :process {}, :f :txn, :value [[:append {key} {i}] [:r :x nil]]}}\n", i % 3);
            text += &format!(
                "{{:type :ok, :process {}, :f :txn, :value [[:append {key} {i}] [:r :x [{i} {}]]], :extra \"e{i}\"}}\n",
                i % 3,
                i as i64 * 4_000_000_000
            );
            if i % 13 == 0 {
                text += &format!("{{:type :info, :process :nemesis, :f :kill{}, :value nil}}\n", i % 4);
            }
        }
        let want = sequential(text.as_bytes(), Format::Edn);
        assert!(!want.starts_with("error"), "{want}");
        for b in [1, 64, 500, 3000] {
            assert_eq!(parallel(text.as_bytes(), Format::Edn, b).as_deref(), Some(&*want), "block {b}");
        }
        same_through_files(text.as_bytes(), "edn", &[1, 64, 500]);
        // And with no :process at all: one defaulted client, warned about.
        let text = (0..50).map(|i| format!("{{:type :ok, :f :txn, :value [[:append 1 {i}]]}}\n")).collect::<String>();
        let want = sequential(text.as_bytes(), Format::Edn);
        assert!(want.contains("defaulted true"), "{want}");
        assert_eq!(parallel(text.as_bytes(), Format::Edn, 100).as_deref(), Some(&*want));
    }

    /// Inputs where a cut can fall in the wrong place or a late block is bad:
    /// the outcome is always the sequential one, error messages included.
    #[test]
    fn adversarial_inputs_fall_back_to_the_sequential_outcome() {
        let ok = |i: usize| format!("{{:index {i}, :type :ok, :process 0, :f :txn, :value [[:append 1 {i}]]}}\n");
        let many = |n: usize| (0..n).map(ok).collect::<String>();
        let cases: Vec<String> = vec![
            // A map over several lines, one of them opening a map.
            format!(
                "{}{{:index 40, :type :ok, :process 0,\n{{:a 1}} 2, :value nil}}\n{}",
                many(40),
                (41..80).map(ok).collect::<String>()
            ),
            // A string holding "\n{".
            format!(
                "{}{{:index 40, :type :ok, :process 0, :error \"x\n{{:index 41, :type :ok}}\n\"}}\n{}",
                many(40),
                (42..80).map(ok).collect::<String>()
            ),
            // Comments and discards before lines opening a map.
            format!(
                "; comment\n{}#_\n{{:index 99, :type :ok}}\n;; {{\n{}",
                many(30),
                (30..60).map(ok).collect::<String>()
            ),
            format!("{}#_ {{:index 99\n{{:a 1}}}}\n{}", many(30), (30..60).map(ok).collect::<String>()),
            // A tag on its own line.
            format!(
                "{}#jepsen.history.Op\n{{:index 30, :type :ok, :process 0}}\n{}",
                many(30),
                (31..60).map(ok).collect::<String>()
            ),
            // Tagged ops: no line opens a map.
            many(60).replace("{:index", "#jepsen.history.Op{:index"),
            // Bad input in a late block.
            format!("{}{{:index 60, :type :done, :process 0}}\n{}", many(60), (61..70).map(ok).collect::<String>()),
            format!("{}{{:index 60, :type :ok, :process 0\n", many(60)),
            format!("{}{{:index 60 :type}}\n", many(60)),
            format!("{}]\n", many(60)),
            // Indices that do not increase across a cut, or stop being given.
            format!("{}{}", many(60), many(10)),
            format!("{}{{:type :ok, :process 0}}\n", many(60)),
            format!("{{:type :ok, :process 0}}\n{}", many(60)),
            // Pairing errors found only when finished.
            format!("{}{{:index 60, :type :invoke, :process 0}}\n{{:index 61, :type :invoke, :process 0}}\n", many(60)),
            // One vector of ops, and a vector after the stream.
            format!("[{}]\n", many(60)),
            format!("{}[{}]\n", many(30), many(2)),
            // Blank lines, CRLF, trailing spaces, no final newline, a BOM.
            format!("\n\n{}\r\n  \n{}", many(20).replace('\n', " \r\n"), ok(20).trim_end()),
            format!("\u{feff}{}", many(30)),
            format!("{}\u{feff}{}", many(30), (30..40).map(ok).collect::<String>()),
            // Characters of several bytes (columns count characters).
            many(40).replace(":process 0", ":error \"é€\", :process 0") + "{:index 40, :type :done, :note \"é\"}\n",
        ];
        for text in &cases {
            same_through_files(text.as_bytes(), "edn", &[1, 50, 200, 1000, 4000]);
        }
        // JSON Lines: bad lines late, lines that are not objects, blank lines, a BOM late.
        let ok = |i: usize| {
            format!("{{\"index\": {i}, \"type\": \"ok\", \"process\": 0, \"f\": \"txn\", \"value\": [[\"append\", 1, {i}]]}}\n")
        };
        let many = |n: usize| (0..n).map(ok).collect::<String>();
        let cases: Vec<String> = vec![
            many(50),
            format!("{}{{\"index\": 50, \"type\": \"ok\", \"process\": 0}} {{}}\n", many(50)),
            format!("{}{{\"index\": 50, \"type\": \"ok\",\n\"process\": 0}}\n", many(50)),
            format!("{}\n\n  \n{}", many(20), (20..40).map(ok).collect::<String>()),
            format!("{}\u{feff}{}", many(30), (30..40).map(ok).collect::<String>()),
            format!("{}[1]\n", many(30)),
            format!("{}{}", many(30), many(3)),
        ];
        for text in &cases {
            same_through_files(text.as_bytes(), "jsonl", &[1, 50, 200, 1000]);
        }
    }

    #[test]
    fn a_wrong_cut_is_caught_by_the_block_before_it() {
        // The only line opening a map is inside the first op.
        let text = "{:index 0, :type :ok, :process 0,\n{:a 1} 2}\n {:index 1, :type :ok, :process 0}\n";
        assert_eq!(parallel(text.as_bytes(), Format::Edn, 1), None);
        assert!(!sequential(text.as_bytes(), Format::Edn).starts_with("error"));
    }

    #[test]
    fn progress_reaches_the_file_size() {
        let bytes = sim_bytes(&SimConfig { txns: 500, ..SimConfig::default() }, Format::Edn);
        let mut last = 0;
        let mut tick = |n: u64| last = n;
        let b = read(&bytes[..], "t", Format::Edn, 1000, 2, Some(&mut tick));
        assert!(b.is_some());
        assert_eq!(last, bytes.len() as u64);
    }

    fn config() -> impl Strategy<Value = SimConfig> {
        (0usize..120, 1usize..6, 1usize..5, 1usize..6, any::<u64>(), 0usize..5, any::<bool>(), 0.0f64..0.2).prop_map(
            |(txns, processes, keys, mops, seed, iso, la, f)| SimConfig {
                workload: if la { Workload::ListAppend } else { Workload::RwRegister },
                txns,
                processes,
                keys,
                mops,
                seed,
                isolation: Isolation::ALL[iso],
                faults: Faults { stale_read: f, crash: f, aborted_read: f, ..Faults::default() },
                ..SimConfig::default()
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: testkit::cases(64), ..ProptestConfig::default() })]

        /// Random histories, random block sizes, and random damage (a byte
        /// changed or a line break inserted somewhere): the outcome is the
        /// sequential one, and intact inputs take the parallel path.
        #[test]
        fn random_cuts_and_damage(cfg in config(), block in 1usize..2000, json in any::<bool>(),
                                  damage in prop::option::of((any::<prop::sample::Index>(), prop::sample::select(vec![b'\n', b'{', b'"', b'#', b';', b'x', b']']))))
        {
            let f = if json { Format::Jsonl } else { Format::Edn };
            let mut bytes = sim_bytes(&cfg, f);
            let intact = damage.is_none();
            if let (Some((at, b)), false) = (damage, bytes.is_empty()) {
                let i = at.index(bytes.len());
                bytes[i] = b;
            }
            let want = sequential(&bytes, f);
            match parallel(&bytes, f, block) {
                Some(got) => prop_assert_eq!(got, want),
                None => prop_assert!(!intact, "an intact input fell back"),
            }
        }
    }
}
