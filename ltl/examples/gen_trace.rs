//! Writes a benchmark trace on stdout.
//!
//! `cargo run --release -p ltl --example gen_trace -- pq 1000000 > pq.jsonl`:
//! `{"time": i, "state": {"p": …, "q": …}}`, p with rate 0.01, q with rate 0.05,
//! q forced true at the last step (so `always (state.p -> eventually state.q)` holds
//! and nothing can stop early).
//!
//! `… -- rr 1000000 > rr.jsonl`: client requests (rate 0.1) with ids, each answered
//! 1–80 time units later, time advancing 1–3 units a step, plus a few state fields:
//! `always (event.kind == "request" -> bind w. eventually (event.kind == "response"
//! && event.id == w.event.id && time - w.time <= 100))` holds.

use std::collections::VecDeque;
use std::io::{BufWriter, Write};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn chance(&mut self, per_mille: u64) -> bool {
        self.next() % 1000 < per_mille
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map_or("pq", String::as_str);
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let mut rng = Lcg(42);
    let out = std::io::stdout();
    let mut w = BufWriter::with_capacity(1 << 20, out.lock());
    match mode {
        "pq" => {
            for i in 0..n {
                let p = rng.chance(10);
                let q = rng.chance(50) || i + 1 == n;
                writeln!(w, "{{\"time\": {i}, \"state\": {{\"p\": {p}, \"q\": {q}}}}}").unwrap();
            }
        }
        _ => {
            let mut t: u64 = 0;
            let mut next_id = 0u64;
            let mut due: VecDeque<(u64, u64)> = VecDeque::new(); // (time, id), sorted by time
            for i in 0..n {
                t += 1 + rng.next() % 3;
                let left = n - i;
                let (kind, id) = if due.front().is_some_and(|&(dt, _)| dt <= t) || left <= due.len() {
                    let (_, id) = due.pop_front().unwrap();
                    ("response", id)
                } else if rng.chance(100) && left > due.len() + 1 {
                    next_id += 1;
                    let at = t + 1 + rng.next() % 80;
                    let pos = due.partition_point(|&(dt, _)| dt <= at);
                    due.insert(pos, (at, next_id));
                    ("request", next_id)
                } else {
                    ("tick", 0)
                };
                let node = ["n1", "n2", "n3"][(rng.next() % 3) as usize];
                writeln!(
                    w,
                    "{{\"time\": {t}, \"event\": {{\"kind\": \"{kind}\", \"id\": {id}, \"node\": \"{node}\"}}, \"state\": {{\"n1\": {{\"term\": {}, \"role\": \"follower\"}}, \"inflight\": {}}}}}",
                    i / 1000,
                    due.len()
                )
                .unwrap();
            }
        }
    }
}
