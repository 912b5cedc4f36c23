//! Corpus-mutant fuzzing of the built binary (issue 13, "done means"), and the
//! regressions of issue 13 item 16 at the command line.
//!
//! Real histories from `../shared/corpus` (EDN, JSON, JSON Lines made from an
//! EDN one, Plume text) and the LTL traces of `fixtures/ltl` are mutated (bit
//! flips, truncations, deep nesting, huge numbers, bytes that are not UTF-8,
//! control characters, cut and doubled lines, byte-order marks) and every
//! command that reads them is run on each mutant: `stats`, `convert --to
//! json`, `elle`, and `ltl 'always true'` for the traces. Each run must exit
//! 0-3 (never a signal), print no panic, and keep stderr small and free of
//! raw escape characters.
//!
//! Deterministic: the mutants come from a fixed seed (`HISTCHECK_FUZZ_SEED`
//! changes it). `HISTCHECK_FUZZ_CASES` sets the number of history mutants
//! (default 120, each run with three commands, plus a third as many trace
//! mutants). Mutants that fail are kept under the test's target directory,
//! named in the failure message.
//!
//! Without the corpus the test fails under CI (testkit's rule) and otherwise says so and
//! passes.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_histcheck");

/// Most stderr a run may print. Every input error is one message with a
/// snippet of at most a few hundred characters; the rest is headroom for
/// warnings.
const STDERR_MAX: usize = 16 * 1024;

/// A run that takes longer than this is reported as a hang (the inputs are
/// small: a run takes well under a second).
const HANG: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------- randomness

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// In `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

// ---------------------------------------------------------------- mutations

/// Control characters and escape sequences a history might smuggle to a terminal.
const CONTROL: &[&[u8]] = &[
    b"\x1b]0;pwned\x07",
    b"\x1b[2J",
    b"\x00",
    b"\x07",
    b"\x7f",
    b"\r",
    b"\t",
    "\u{9b}31m".as_bytes(),
    "\u{202e}".as_bytes(),
    "\u{feff}".as_bytes(),
];

/// Byte sequences that are not UTF-8.
const NOT_UTF8: &[&[u8]] = &[b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xe2\x82"];

/// One mutation of `data`; returns a short description.
fn mutate(data: &mut Vec<u8>, rng: &mut Rng, ltl: bool) -> String {
    let len = data.len().max(1);
    let at = rng.below(len + 1).min(data.len());
    match rng.below(10) {
        0 => {
            let n = 1 + rng.below(8);
            for _ in 0..n {
                if !data.is_empty() {
                    let i = rng.below(data.len());
                    data[i] ^= 1 << rng.below(8);
                }
            }
            format!("{n} bit flips")
        }
        1 => {
            data.truncate(at);
            format!("truncated at byte {at}")
        }
        2 => {
            // Deep nesting: far past any depth limit.
            let opener = *rng.pick(if ltl { &[b'[', b'{'][..] } else { &[b'[', b'{', b'(', b'['][..] });
            let depth = 100_000;
            let mut deep = vec![opener; depth];
            if rng.below(2) == 0 {
                let closer = match opener {
                    b'[' => b']',
                    b'{' => b'}',
                    _ => b')',
                };
                deep.resize(2 * depth, closer);
            }
            data.splice(at..at, deep);
            format!("{depth} × '{}' at byte {at}", opener as char)
        }
        3 => {
            // A huge number in place of a digit (or anywhere).
            let digits = if rng.below(4) == 0 { 2_000_000 } else { 200 + rng.below(100_000) };
            let pos = data.iter().skip(at).position(u8::is_ascii_digit).map_or(at, |p| at + p);
            let mut n = vec![b'9'; digits];
            if rng.below(3) == 0 {
                n.insert(0, b'-');
            }
            if rng.below(4) == 0 {
                n.extend_from_slice(b".5e99999");
            }
            data.splice(pos..pos, n);
            format!("a {digits}-digit number at byte {pos}")
        }
        4 => {
            let s = rng.pick(NOT_UTF8);
            data.splice(at..at, s.iter().copied());
            format!("{s:x?} (not UTF-8) at byte {at}")
        }
        5 => {
            let s = rng.pick(CONTROL);
            // Inside a string half the time.
            let pos = if rng.below(2) == 0 {
                data.iter().skip(at).position(|&b| b == b'"').map_or(at, |p| at + p + 1)
            } else {
                at
            };
            data.splice(pos..pos, s.iter().copied());
            format!("control bytes {s:x?} at byte {pos}")
        }
        6 => {
            // Drop or double a line.
            let lines: Vec<usize> = std::iter::once(0)
                .chain(data.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i + 1))
                .collect();
            let i = rng.below(lines.len());
            let start = lines[i];
            let end = lines.get(i + 1).copied().unwrap_or(data.len());
            if rng.below(2) == 0 {
                data.drain(start..end);
                format!("line {} dropped", i + 1)
            } else {
                let line = data[start..end].to_vec();
                data.splice(end..end, line);
                format!("line {} doubled", i + 1)
            }
        }
        7 => {
            // A chunk copied elsewhere.
            let from = rng.below(len).min(data.len());
            let n = rng.below(200).min(data.len() - from);
            let chunk = data[from..from + n].to_vec();
            data.splice(at..at, chunk);
            format!("{n} bytes from {from} copied to {at}")
        }
        8 => {
            // A byte replaced by a structural one.
            let b = *rng.pick(b"[]{}()\"\\:#,;\n -.0eN");
            if at < data.len() {
                data[at] = b;
            } else {
                data.push(b);
            }
            format!("byte {at} set to {:?}", b as char)
        }
        _ => {
            // Several of the above.
            let a = mutate(data, rng, ltl);
            let b = mutate(data, rng, ltl);
            format!("{a}; {b}")
        }
    }
}

// ---------------------------------------------------------------- running

struct Outcome {
    code: Option<i32>,
    stderr: Vec<u8>,
    hung: bool,
}

fn run(args: &[&str], file: &Path) -> Outcome {
    let mut child = Command::new(BIN)
        .args(args)
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env_remove("RUST_BACKTRACE")
        .spawn()
        .expect("the binary runs");
    // Read stderr on a thread (a full pipe must not block the child), keeping
    // a bounded amount of it.
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut kept = Vec::new();
        let _ = (&mut err).take((STDERR_MAX * 4) as u64).read_to_end(&mut kept);
        let _ = std::io::copy(&mut err, &mut std::io::sink());
        kept
    });
    let start = Instant::now();
    let mut hung = false;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            hung = true;
            break child.wait().expect("wait");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Outcome { code: status.code(), stderr: reader.join().unwrap(), hung }
}

/// What is wrong with a run, if anything.
fn problem(o: &Outcome) -> Option<String> {
    let text = String::from_utf8_lossy(&o.stderr);
    if o.hung {
        return Some(format!("no answer after {HANG:?}"));
    }
    match o.code {
        None => return Some("killed by a signal".into()),
        Some(c) if !(0..=3).contains(&c) => return Some(format!("exit code {c}")),
        _ => {}
    }
    if text.contains("panicked at") || text.contains("RUST_BACKTRACE") {
        return Some("a panic".into());
    }
    if o.stderr.len() > STDERR_MAX {
        return Some(format!("{} bytes on stderr", o.stderr.len()));
    }
    if o.stderr.contains(&0x1b) {
        return Some("a raw ESC byte on stderr".into());
    }
    None
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz_corpus").join(name);
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

/// A seed file: its bytes, the extension mutants get, and the commands run on them.
struct Seed {
    name: String,
    bytes: Vec<u8>,
    ext: &'static str,
    commands: Vec<Vec<&'static str>>,
}

fn history_commands() -> Vec<Vec<&'static str>> {
    vec![vec!["stats"], vec!["convert", "--to", "json"], vec!["elle"]]
}

fn seeds(corpus: &Path, dir: &Path) -> Vec<Seed> {
    let mut seeds = Vec::new();
    let mut add = |rel: &str, ext: &'static str| {
        let p = corpus.join(rel);
        let bytes = fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        seeds.push(Seed { name: rel.to_string(), bytes, ext, commands: history_commands() });
    };
    add("list-append/elle-cli__paper-example.edn", "edn");
    add("list-append/si-without-g-single.edn", "edn");
    add("list-append/list-append-gh-30.edn", "edn");
    add("rw-register/elle-cli__rw-register.edn", "edn");
    add("linearizability/knossos/cas-register/good/memstress3-30.edn", "edn");
    add("linearizability/elle-cli/cas-register/bad/rethink-fail-minimal.edn", "edn");
    add("list-append/paper-example.json", "json");
    add("rw-register/rw-register.json", "json");
    add("isolation-text/galera.txt", "txt");
    add("isolation-text/yugabyte.txt", "txt");
    // JSON Lines: the corpus has none; made from an EDN one by the binary.
    for rel in ["list-append/si-without-g-single.edn", "linearizability/knossos/cas-register/good/memstress3-30.edn"] {
        let out = Command::new(BIN)
            .args(["convert", "--to", "jsonl"])
            .arg(corpus.join(rel))
            .output()
            .expect("the binary runs");
        assert_eq!(out.status.code(), Some(0), "convert {rel} to jsonl: {}", String::from_utf8_lossy(&out.stderr));
        let _ = fs::write(dir.join("seed.jsonl"), &out.stdout);
        seeds.push(Seed {
            name: format!("{rel} as JSON Lines"),
            bytes: out.stdout,
            ext: "jsonl",
            commands: history_commands(),
        });
    }
    seeds
}

fn trace_seeds() -> Vec<Seed> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ltl");
    ["cluster.jsonl", "patches.jsonl"]
        .iter()
        .map(|f| {
            let bytes = fs::read(fixtures.join(f)).unwrap();
            // A mutant of a long trace is as good as one of its head.
            let cut = bytes.iter().enumerate().filter(|(_, &b)| b == b'\n').nth(40).map_or(bytes.len(), |(i, _)| i + 1);
            Seed {
                name: format!("fixtures/ltl/{f}"),
                bytes: bytes[..cut].to_vec(),
                ext: "jsonl",
                commands: vec![vec!["ltl", "always true"], vec!["ltl", "always (state.n1.term >= 0)"]],
            }
        })
        .collect()
}

/// Runs `cases` mutants of `seeds` on two threads; returns the failures.
fn fuzz(seeds: &[Seed], cases: u64, seed: u64, dir: &Path, ltl: bool) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let case = next.fetch_add(1, Ordering::Relaxed) as u64;
                if case >= cases {
                    return;
                }
                let mut rng = Rng::new(seed ^ (case + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
                let src = &seeds[(case as usize) % seeds.len()];
                let mut data = src.bytes.clone();
                let what = mutate(&mut data, &mut rng, ltl);
                let file = dir.join(format!("case-{case}.{}", src.ext));
                fs::write(&file, &data).unwrap();
                let mut failed = false;
                for args in &src.commands {
                    let o = run(args, &file);
                    if let Some(p) = problem(&o) {
                        failed = true;
                        let shown = String::from_utf8_lossy(&o.stderr);
                        let shown: String = shown.chars().take(1500).collect();
                        failures.lock().unwrap().push(format!(
                            "case {case}: {} ({what}): `histcheck {} {}`: {p}\n--- stderr (head)\n{}",
                            src.name,
                            args.join(" "),
                            file.display(),
                            shown.escape_debug()
                        ));
                    }
                }
                if !failed {
                    let _ = fs::remove_file(&file);
                }
            });
        }
    });
    failures.into_inner().unwrap()
}

#[test]
fn corpus_mutants_never_crash_any_command() {
    // Absent: a note, or under CI a failure (testkit's rule for every corpus test).
    let Some(corpus) = testkit::corpus("corpus_mutants_never_crash_any_command", "") else { return };
    let corpus = corpus.as_path();
    let cases = env_num("HISTCHECK_FUZZ_CASES", 120);
    let seed = env_num("HISTCHECK_FUZZ_SEED", 0x005E_ED13);
    let dir = scratch("histories");
    let mut failures = fuzz(&seeds(corpus, &dir), cases, seed, &dir, false);
    let tdir = scratch("traces");
    failures.extend(fuzz(&trace_seeds(), cases.div_ceil(3), seed, &tdir, true));
    assert!(failures.is_empty(), "{} failing runs (seed {seed:#x}):\n\n{}", failures.len(), failures.join("\n\n"));
}

// ---------------------------------------------------------------- item 16

fn stats_stderr(name: &str, bytes: &[u8]) -> (Option<i32>, Vec<u8>) {
    let dir = scratch("item16");
    let file = dir.join(name);
    fs::write(&file, bytes).unwrap();
    let out = Command::new(BIN).arg("stats").arg(&file).output().expect("the binary runs");
    (out.status.code(), out.stderr)
}

/// An OSC sequence (which retitles a terminal) in a history of each format:
/// exit 2, and the error shows it escaped, without the ESC byte.
#[test]
fn errors_never_echo_control_characters() {
    let osc = "\u{1b}]0;pwned\u{7}";
    let cases = [
        ("a.edn", format!("{{:type :ok, :process 0, :value [[:r :x \"{osc}\"]] :bad}}\n")),
        ("b.edn", format!("{{:type :ok, :process 0, :value [[:r :x 1]]}}\n{{:type :{osc}, :process 0}}\n")),
        ("c.json", format!("[{{\"type\":\"ok\",\"process\":0,\"time\":\"{osc}\"}}]\n")),
        ("d.json", "[{\"type\":\"\\u001b]0;pwned\\u0007\",\"process\":0}]\n".to_string()),
        ("e.jsonl", format!("{{\"type\":\"ok\"{osc},\"process\":0}}\n")),
        ("f.txt", format!("w(1,1,1,1)\nr(1,1,1,1){osc}\n")),
    ];
    for (name, text) in cases {
        let (code, err) = stats_stderr(name, text.as_bytes());
        let shown = String::from_utf8_lossy(&err);
        assert_eq!(code, Some(2), "{name}: {shown}");
        assert!(!err.contains(&0x1b) && !err.contains(&0x07), "{name}: raw control bytes on stderr: {shown:?}");
        assert!(shown.contains(r"\u{1b}") || shown.contains(r"\u001b"), "{name}: the escape is shown: {shown}");
    }
}

/// A 10 MB number in a history of each format: the error quotes a bounded
/// part of it (under 2 KB of stderr in all), saying how much was cut.
#[test]
fn errors_quote_a_huge_number_in_part() {
    let n = "9".repeat(10_000_000);
    let cases = [
        ("a.edn", format!("{{:type :ok, :process 0, :time {n}, :value 1}}\n")),
        ("b.edn", format!("{{:type :ok, :process 0, :value [[:r :x {n}]]}} {n}x\n")),
        ("c.json", format!("[{{\"type\":\"ok\",\"process\":0,\"index\":{n}}}]\n")),
        ("d.jsonl", format!("{{\"type\":\"ok\",\"process\":0,\"time\":{n}}}\n")),
        ("e.txt", format!("w(1,{n},1,1)\n")),
    ];
    for (name, text) in cases {
        let (code, err) = stats_stderr(name, text.as_bytes());
        let shown = String::from_utf8_lossy(&err);
        assert_eq!(code, Some(2), "{name}: {}", &shown[..shown.len().min(2000)]);
        assert!(err.len() < 2048, "{name}: {} bytes on stderr: {}", err.len(), &shown[..shown.len().min(3000)]);
        assert!(shown.contains(" more chars]") || shown.contains(" chars before]"), "{name}: {shown}");
    }
}
