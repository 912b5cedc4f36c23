//! Generated state traces for the LTL side: one JSON record per step,
//! `{"time": t, "step": i, "event": {…}, "state": {…}}`, with time in
//! nanoseconds, never decreasing.
//!
//! Two kinds:
//!
//! - [`TraceKind::Props`]: `state` holds boolean propositions, each true at a
//!   step with its own probability (`{"p": true, "q": false}`); the event is
//!   `{"kind": "tick"}`. Nothing is injected.
//! - [`TraceKind::Cluster`]: a small cluster `n1 … nN`; `state` maps each node
//!   to `{"role": "leader"|"follower", "term": t, "pending": k}` (`pending`:
//!   requests sent to it and not answered). Events:
//!   `{"kind": "init"}`, `{"kind": "elect", "node", "term"}` (the old leader
//!   becomes a follower in the same step), `{"kind": "step-down", "node",
//!   "term"}`, `{"kind": "request", "id", "from": "c1", "to", "deadline"}`,
//!   `{"kind": "response", "id", "from", "to": "c1"}` and `{"kind": "tick"}`.
//!   Without violations: never two leaders at once, and every request is answered
//!   (once) by its `deadline` (an absolute time) and before the trace ends.
//!
//! Violations, each drawn with its probability per step where it can happen,
//! are recorded as [`InjectedViolation`]s with their steps:
//!
//! - `leader-overlap`: at an election the old leader does not step down; for a
//!   few steps two nodes are leaders, until a `step-down` event;
//! - `missed-deadline`: a request is answered after its deadline;
//! - `lost-response`: a request is never answered.

use super::rng::Rng;
use history::Step;
use serde::Serialize;
use serde_json::{json, Map, Value as Json};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TraceKind {
    Props,
    Cluster,
}

/// Probabilities of the cluster's violations (per election for
/// `leader_overlap`, per request for the others).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Violations {
    pub leader_overlap: f64,
    pub missed_deadline: f64,
    pub lost_response: f64,
}

impl Violations {
    pub const NAMES: [&'static str; 3] = ["leader-overlap", "missed-deadline", "lost-response"];

    /// Parses `leader-overlap=0.1,missed-deadline=0.01`.
    pub fn parse(s: &str) -> Result<Violations, String> {
        let mut v = Violations::default();
        for (name, p) in parse_rates(s, "violation")? {
            let slot = match name.as_str() {
                "leader-overlap" => &mut v.leader_overlap,
                "missed-deadline" => &mut v.missed_deadline,
                "lost-response" => &mut v.lost_response,
                _ => {
                    return Err(format!(
                        "unknown violation '{name}' (expected one of {})",
                        Violations::NAMES.join(", ")
                    ))
                }
            };
            *slot = p;
        }
        Ok(v)
    }
}

/// Parses `name=p,name=p` with probabilities in `[0, 1]` (`_` read as `-`).
pub fn parse_rates(s: &str, what: &str) -> Result<Vec<(String, f64)>, String> {
    let mut out: Vec<(String, f64)> = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, val) = part
            .split_once('=')
            .ok_or_else(|| format!("expected NAME=PROBABILITY in the {what} list, found '{part}'"))?;
        let name = name.trim().replace('_', "-");
        if name.is_empty() {
            return Err(format!("a {what} needs a name, found '{part}'"));
        }
        let p: f64 = val
            .trim()
            .parse()
            .map_err(|_| format!("{what} {name}: expected a probability such as 0.3, found '{}'", val.trim()))?;
        if !(0.0..=1.0).contains(&p) {
            return Err(format!("{what} {name}: the probability must be between 0 and 1, found {p}"));
        }
        out.retain(|(n, _)| *n != name);
        out.push((name, p));
    }
    Ok(out)
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceConfig {
    pub kind: TraceKind,
    pub steps: usize,
    pub seed: u64,
    /// Propositions and their probabilities (props traces).
    pub props: Vec<(String, f64)>,
    /// Cluster size (cluster traces).
    pub nodes: usize,
    pub violations: Violations,
    /// Time between steps: uniform in `0..=step_ns` (cluster steps can share a time).
    pub step_ns: u64,
    /// How long after a request its deadline is.
    pub deadline_ns: u64,
}

impl Default for TraceConfig {
    fn default() -> Self {
        TraceConfig {
            kind: TraceKind::Props,
            steps: 1000,
            seed: 0,
            props: vec![("p".into(), 0.5), ("q".into(), 0.1)],
            nodes: 3,
            violations: Violations::default(),
            step_ns: 1_000_000,
            deadline_ns: 50_000_000,
        }
    }
}

/// A violation injected into a cluster trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InjectedViolation {
    /// `leader-overlap`, `missed-deadline` or `lost-response`.
    pub kind: &'static str,
    /// The step where it begins (the election; the request).
    pub step: u64,
    /// The step where it shows or ends (the step-down; the late response), if any.
    pub until: Option<u64>,
    pub detail: String,
}

/// Generates the trace, handing each record to `sink`; returns the violations injected.
pub fn generate<E>(
    cfg: &TraceConfig,
    mut sink: impl FnMut(&Json) -> Result<(), E>,
) -> Result<Vec<InjectedViolation>, E> {
    let mut rng = Rng::new(cfg.seed);
    match cfg.kind {
        TraceKind::Props => {
            let mut t: i64 = 0;
            let tick = json!({"kind": "tick"});
            for i in 0..cfg.steps {
                let mut state = Map::new();
                for (name, p) in &cfg.props {
                    state.insert(name.clone(), Json::Bool(rng.chance(*p)));
                }
                let rec = json!({"time": t, "step": i, "event": tick, "state": state});
                sink(&rec)?;
                t += 1 + rng.below(cfg.step_ns.max(1)) as i64;
            }
            Ok(Vec::new())
        }
        TraceKind::Cluster => Cluster::new(cfg).run(&mut rng, &mut sink),
    }
}

/// Generates the whole trace in memory.
pub fn trace(cfg: &TraceConfig) -> (Vec<Step>, Vec<InjectedViolation>) {
    let mut steps = Vec::with_capacity(cfg.steps);
    let injected = generate::<()>(cfg, |rec| {
        steps.push(Step { step: steps.len() as u64, time: rec["time"].as_i64().unwrap_or(0), record: rec.clone() });
        Ok(())
    })
    .unwrap_or_default();
    (steps, injected)
}

struct Request {
    id: u64,
    to: usize,
    deadline: i64,
    /// When it is answered; `None`: never (lost).
    due: Option<i64>,
    step: u64,
    late: bool,
}

struct Cluster<'c> {
    cfg: &'c TraceConfig,
    leaders: Vec<bool>,
    term: Vec<u64>,
    pending: Vec<u64>,
    requests: Vec<Request>,
    /// (node to step down, at step, overlap index in `injected`).
    overlap: Option<(usize, u64, usize)>,
    injected: Vec<InjectedViolation>,
}

impl<'c> Cluster<'c> {
    fn new(cfg: &'c TraceConfig) -> Self {
        let n = cfg.nodes.max(1);
        let mut leaders = vec![false; n];
        leaders[0] = true;
        Cluster {
            cfg,
            leaders,
            term: vec![1; n],
            pending: vec![0; n],
            requests: Vec::new(),
            overlap: None,
            injected: Vec::new(),
        }
    }

    fn name(i: usize) -> String {
        format!("n{}", i + 1)
    }

    fn state(&self) -> Json {
        let mut m = Map::new();
        for i in 0..self.leaders.len() {
            m.insert(
                Self::name(i),
                json!({
                    "role": if self.leaders[i] { "leader" } else { "follower" },
                    "term": self.term[i],
                    "pending": self.pending[i],
                }),
            );
        }
        Json::Object(m)
    }

    fn leader(&self) -> usize {
        (0..self.leaders.len()).rev().find(|&i| self.leaders[i]).unwrap_or(0)
    }

    fn run<E>(
        mut self,
        rng: &mut Rng,
        sink: &mut impl FnMut(&Json) -> Result<(), E>,
    ) -> Result<Vec<InjectedViolation>, E> {
        let cfg = self.cfg;
        let n = self.leaders.len();
        let v = cfg.violations;
        let mut t: i64 = 0;
        let mut next_id = 1u64;
        let steps = cfg.steps as u64;
        for step in 0..steps {
            let left = steps - step;
            let event: Json = if step == 0 {
                json!({"kind": "init"})
            } else if let Some((node, at, _)) = self.overlap.filter(|&(_, at, _)| at <= step) {
                self.leaders[node] = false;
                if let Some((_, _, k)) = self.overlap.take() {
                    self.injected[k].until = Some(step);
                }
                let _ = at;
                json!({"kind": "step-down", "node": Self::name(node), "term": self.term[node]})
            } else if let Some(pos) = self.due_now(t, left) {
                let r = self.requests.swap_remove(pos);
                self.pending[r.to] -= 1;
                if r.late {
                    if let Some(k) = self.injected.iter().position(|x| x.kind == "missed-deadline" && x.step == r.step)
                    {
                        self.injected[k].until = Some(step);
                        self.injected[k].detail =
                            format!("request {} (deadline {}) is answered at time {t}, step {step}", r.id, r.deadline);
                    }
                }
                json!({"kind": "response", "id": r.id, "from": Self::name(r.to), "to": "c1"})
            } else {
                let roll = rng.unit();
                if roll < 0.02 && n > 1 && self.overlap.is_none() && left > 8 {
                    let old = self.leader();
                    let new = (old + 1 + rng.below(n as u64 - 1) as usize) % n;
                    let term = self.term.iter().copied().max().unwrap_or(1) + 1;
                    self.leaders[new] = true;
                    self.term[new] = term;
                    if rng.chance(v.leader_overlap) {
                        let until = step + 1 + rng.range(1, 5);
                        self.overlap = Some((old, until, self.injected.len()));
                        self.injected.push(InjectedViolation {
                            kind: "leader-overlap",
                            step,
                            until: None,
                            detail: format!(
                                "{} is elected for term {term} while {} stays leader until it steps down",
                                Self::name(new),
                                Self::name(old)
                            ),
                        });
                    } else {
                        self.leaders[old] = false;
                        self.term[old] = term;
                    }
                    json!({"kind": "elect", "node": Self::name(new), "term": term})
                } else if roll < 0.45 && left > 2 {
                    let id = next_id;
                    next_id += 1;
                    let to = self.leader();
                    let d = cfg.deadline_ns.max(2) as i64;
                    let deadline = t + d;
                    let (due, late) = if rng.chance(v.lost_response) {
                        self.injected.push(InjectedViolation {
                            kind: "lost-response",
                            step,
                            until: None,
                            detail: format!("request {id} to {} is never answered", Self::name(to)),
                        });
                        (None, false)
                    } else if rng.chance(v.missed_deadline) {
                        self.injected.push(InjectedViolation {
                            kind: "missed-deadline",
                            step,
                            until: None,
                            detail: format!("request {id} (deadline {deadline}) is answered late"),
                        });
                        (Some(deadline + 1 + rng.below(d as u64) as i64), true)
                    } else {
                        (Some(t + 1 + rng.below(d as u64 / 2) as i64), false)
                    };
                    self.pending[to] += 1;
                    self.requests.push(Request { id, to, deadline, due, step, late });
                    json!({"kind": "request", "id": id, "from": "c1", "to": Self::name(to), "deadline": deadline})
                } else {
                    json!({"kind": "tick"})
                }
            };
            let rec = json!({"time": t, "step": step, "event": event, "state": self.state()});
            sink(&rec)?;
            // Time moves on, but never past the deadline of a request that must be answered in time.
            let mut inc = rng.below(cfg.step_ns.max(1) + 1) as i64;
            if let Some(limit) = self.requests.iter().filter(|r| !r.late && r.due.is_some()).map(|r| r.deadline).min() {
                inc = inc.min(limit - 1 - t).max(0);
            }
            t += inc;
        }
        // A late answer that the trace ended before: it is simply missing.
        for r in self.requests.iter().filter(|r| r.late) {
            if let Some(k) = self.injected.iter().position(|x| x.kind == "missed-deadline" && x.step == r.step) {
                self.injected[k].detail =
                    format!("request {} (deadline {}) is never answered: the trace ends", r.id, r.deadline);
            }
        }
        Ok(self.injected)
    }

    /// The request to answer now: the earliest due, if due; every request is
    /// answered before the trace ends (the lost ones excepted).
    fn due_now(&self, t: i64, left: u64) -> Option<usize> {
        let mut best: Option<(i64, usize)> = None;
        for (i, r) in self.requests.iter().enumerate() {
            if let Some(due) = r.due {
                let earlier = match best {
                    None => true,
                    Some((d, _)) => due < d,
                };
                if earlier {
                    best = Some((due, i));
                }
            }
        }
        let answerable = self.requests.iter().filter(|r| r.due.is_some()).count() as u64;
        best.filter(|&(due, _)| due <= t || answerable + 1 >= left).map(|(_, i)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn props_follow_their_rates_and_time_increases() {
        let cfg = TraceConfig { steps: 5000, ..TraceConfig::default() };
        let (steps, inj) = trace(&cfg);
        assert!(inj.is_empty());
        assert_eq!(steps.len(), 5000);
        let p = steps.iter().filter(|s| s.record["state"]["p"] == Json::Bool(true)).count();
        let q = steps.iter().filter(|s| s.record["state"]["q"] == Json::Bool(true)).count();
        assert!((2200..2800).contains(&p), "{p}");
        assert!((300..700).contains(&q), "{q}");
        assert!(steps.windows(2).all(|w| w[0].time < w[1].time));
        assert_eq!(trace(&cfg).0, steps, "deterministic");
    }

    fn leaders(s: &Step) -> usize {
        s.record["state"].as_object().unwrap().values().filter(|n| n["role"] == "leader").count()
    }

    /// Request ids with their deadline and step, and responses with their time.
    /// (id, deadline or time, step).
    type Events = Vec<(u64, i64, u64)>;

    fn answers(steps: &[Step]) -> (Events, Events) {
        let (mut req, mut resp) = (Vec::new(), Vec::new());
        for s in steps {
            let e = &s.record["event"];
            match e["kind"].as_str() {
                Some("request") => req.push((e["id"].as_u64().unwrap(), e["deadline"].as_i64().unwrap(), s.step)),
                Some("response") => resp.push((e["id"].as_u64().unwrap(), s.time, s.step)),
                _ => {}
            }
        }
        (req, resp)
    }

    #[test]
    fn a_correct_cluster_has_one_leader_and_answers_in_time() {
        for seed in 0..4 {
            let cfg = TraceConfig { kind: TraceKind::Cluster, steps: 3000, seed, ..TraceConfig::default() };
            let (steps, inj) = trace(&cfg);
            assert!(inj.is_empty());
            assert!(steps.iter().all(|s| leaders(s) == 1));
            assert!(steps.windows(2).all(|w| w[0].time <= w[1].time));
            assert!(steps.iter().any(|s| s.record["event"]["kind"] == "elect"));
            let (req, resp) = answers(&steps);
            assert!(req.len() > 500);
            assert_eq!(req.len(), resp.len(), "every request is answered");
            for (id, deadline, _) in req {
                let (_, t, _) = resp.iter().find(|r| r.0 == id).unwrap();
                assert!(*t <= deadline, "request {id} answered at {t}, deadline {deadline}");
            }
        }
    }

    #[test]
    fn injected_violations_are_where_recorded() {
        let cfg = TraceConfig {
            kind: TraceKind::Cluster,
            steps: 5000,
            seed: 5,
            violations: Violations::parse("leader-overlap=0.3,missed-deadline=0.01,lost-response=0.01").unwrap(),
            ..TraceConfig::default()
        };
        let (steps, inj) = trace(&cfg);
        for kind in Violations::NAMES {
            assert!(inj.iter().any(|i| i.kind == kind), "no {kind}");
        }
        let (req, resp) = answers(&steps);
        for i in &inj {
            match i.kind {
                "leader-overlap" => {
                    let until = i.until.unwrap() as usize;
                    assert!((i.step as usize..until).all(|s| leaders(&steps[s]) == 2), "{i:?}");
                }
                "missed-deadline" => {
                    let (id, deadline, _) = *req.iter().find(|r| r.2 == i.step).unwrap();
                    if let Some((_, t, _)) = resp.iter().find(|r| r.0 == id) {
                        assert!(*t > deadline);
                    }
                }
                _ => {
                    let (id, _, _) = *req.iter().find(|r| r.2 == i.step).unwrap();
                    assert!(resp.iter().all(|r| r.0 != id));
                }
            }
        }
        let overlapping = steps.iter().filter(|s| leaders(s) > 1).count();
        let recorded: u64 = inj.iter().filter(|i| i.kind == "leader-overlap").map(|i| i.until.unwrap() - i.step).sum();
        assert_eq!(overlapping as u64, recorded, "two leaders only where recorded");
    }
}
