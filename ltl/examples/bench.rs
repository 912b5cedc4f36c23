//! Times the phases of a check: `bench FORMULA TRACE.jsonl [runs]`.

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (src, path) = (&args[1], &args[2]);
    let runs: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(3);
    for _ in 0..runs {
        let t0 = Instant::now();
        let bytes = std::fs::read(path).unwrap();
        let t1 = Instant::now();
        let f = ltl::parse::parse(src).unwrap();
        let plan = ltl::compile::compile(&f, &Default::default()).unwrap();
        let tr = ltl::trace::load(&bytes, &plan.paths, &Default::default()).unwrap();
        let t2 = Instant::now();
        let ev = ltl::eval::Eval::new(&plan, &tr);
        let t3 = Instant::now();
        drop(ev);
        let out = ltl::evaluate(&plan, &tr, 3);
        let t4 = Instant::now();
        eprintln!(
            "read {:.0} ms, load {:.0} ms, eval {:.0} ms, evaluate+proof {:.0} ms; {} steps, {}",
            (t1 - t0).as_secs_f64() * 1e3,
            (t2 - t1).as_secs_f64() * 1e3,
            (t3 - t2).as_secs_f64() * 1e3,
            (t4 - t3).as_secs_f64() * 1e3,
            tr.n,
            out.verdict.name()
        );
    }
}
