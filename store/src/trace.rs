//! The state trace of a stored run, for LTL checks.
//!
//! As detsys's LTL checker does: the initial state is the deployment's
//! reactors with their `args`; each `ExecutionStep`, in logical-time order and
//! joined to the `NetworkTrace` row received at that logical time, applies its
//! `diff` (a JSON Merge Patch, RFC 7396) to its reactor's state. Each step is a
//! record:
//!
//! ```json
//! {"step": 0, "time": 0, "logical_time": 1, "reactor": "frontend",
//!  "event": {"message": "write", "sender": "client:0", "receiver": "frontend",
//!            "args": {"value": 1}, "event": {"value": 1}, "kind": "invoke", "sent_logical_time": 0,
//!            "recv_logical_time": 1, "dropped": false,
//!            "jepsen_type": "invoke", "jepsen_process": 0},
//!  "state": {"frontend": {…}, "register1": {…}}, "before": {…},
//!  "faults": [{"kind": "omission", "from": "frontend", "to": "register2", "at": 3}]}
//! ```
//!
//! `time` is the step's simulated time in milliseconds since the epoch,
//! `state` every node after the step and `before` every node before it (the
//! deployment's states at step 0); `faults` are the run's, from `CreateRun`.
//! `jepsen_type` and `jepsen_process` appear when the message carries them,
//! `log_lines` when the step has some.

use crate::{parse_data, RawRow, Result, RunId, RunRows, Scan, StoreError};
use history::Step;
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;

/// A run's trace, with what the rebuild had to leave out.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    pub id: RunId,
    pub steps: Vec<Step>,
    /// The deployment's reactors, in deployment order.
    pub nodes: Vec<String>,
    /// The run's faults, from `CreateRun` (`[]` when it has none).
    pub faults: Json,
    /// Steps dropped or diffs ignored, as detsys's checker would silently.
    pub warnings: Vec<String>,
}

/// RFC 7396 JSON Merge Patch: `patch` applied to `target`, in place.
pub fn merge_patch(target: &mut Json, patch: &Json) {
    let Json::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Json::Object(Map::new());
    }
    let Json::Object(t) = target else { return };
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Json::Null), v);
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An ISO-8601 / RFC 3339 instant (`1970-01-01T00:00:00.018529Z`, with `Z` or
/// an offset `+hh:mm`) in nanoseconds since the epoch.
pub fn parse_instant_ns(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (num(0, 4)?, num(5, 2)?, num(8, 2)?, num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac_ns = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                frac_ns = frac_ns * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        let digits = (i - start).min(9);
        if digits == 0 {
            return None;
        }
        frac_ns *= 10i64.pow(9 - digits as u32);
    }
    let offset_s = match &s[i..] {
        "Z" | "z" => 0,
        rest if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) && &rest[3..4] == ":" => {
            let oh = num(i + 1, 2)?;
            let om = num(i + 4, 2)?;
            let o = oh * 3600 + om * 60;
            if rest.starts_with('-') {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset_s;
    secs.checked_mul(1_000_000_000)?.checked_add(frac_ns)
}

/// A NetworkTrace row, parsed once.
struct Net {
    data: Json,
}

/// `dropped` is true (or 1, as the views give it).
fn is_dropped(j: &Json) -> bool {
    j.get("dropped").is_some_and(|d| d == &Json::Bool(true) || d == &json!(1))
}

fn get_i64(j: &Json, k: &str) -> Option<i64> {
    j.get(k).and_then(Json::as_i64)
}

impl RunRows {
    /// The run's trace. `scan` must have been made with [`crate::Wants::trace`]
    /// and hold the run's test. An empty trace is an error.
    pub fn trace(&self, scan: &Scan) -> Result<Trace> {
        let db = &scan.db;
        let id = self.id.unwrap_or(RunId { test: -1, run: -1 });
        let (nodes, initial) = deployment(scan, id)?;
        let faults = match &self.create_run {
            Some(raw) => match parse_data(db, raw, "CreateRun")?.get("faults") {
                Some(Json::Null) | None => json!([]),
                Some(f) => f.clone(),
            },
            None => json!([]),
        };
        let mut warnings = Vec::new();
        // Received messages by logical time; a delivered one wins over a dropped one.
        let mut by_time: BTreeMap<i64, Net> = BTreeMap::new();
        for raw in &self.network {
            let data = parse_data(db, raw, "NetworkTrace")?;
            let Some(t) = get_i64(&data, "recv-logical-time") else { continue };
            let dropped = is_dropped(&data);
            let replace = by_time.get(&t).is_none_or(|prev| is_dropped(&prev.data) && !dropped);
            if replace {
                by_time.insert(t, Net { data });
            }
        }
        struct Exec<'a> {
            raw: &'a RawRow,
            data: Json,
            lt: i64,
        }
        let mut execs = Vec::with_capacity(self.steps.len());
        for raw in &self.steps {
            let data = parse_data(db, raw, "ExecutionStep")?;
            let lt = get_i64(&data, "logical-time").ok_or_else(|| {
                StoreError::new(format!(
                    "{db}: event_log row {} (ExecutionStep, {id}): logical-time should be an integer, found {}",
                    raw.id,
                    data.get("logical-time").map_or("nothing".to_string(), Json::to_string)
                ))
            })?;
            execs.push(Exec { raw, data, lt });
        }
        execs.sort_by_key(|e| e.lt); // stable: row order within a logical time
        let mut state = initial;
        let mut steps = Vec::with_capacity(execs.len());
        let mut last_time = i64::MIN;
        for e in &execs {
            let rowid = e.raw.id;
            let Some(net) = by_time.get(&e.lt) else {
                warnings.push(format!(
                    "event_log row {rowid} (ExecutionStep, {id}): no NetworkTrace row was received at logical time {}; the step is left out, as detsys's checker does",
                    e.lt
                ));
                continue;
            };
            let reactor = match e.data.get("reactor").and_then(Json::as_str) {
                Some(r) => r.to_string(),
                None => {
                    return Err(StoreError::new(format!(
                        "{db}: event_log row {rowid} (ExecutionStep, {id}): reactor should be a string, found {}",
                        e.data.get("reactor").map_or("nothing".to_string(), Json::to_string)
                    )))
                }
            };
            let when = e
                .data
                .get("simulated-time")
                .and_then(Json::as_str)
                .or_else(|| net.data.get("recv-simulated-time").and_then(Json::as_str));
            let ns = when.and_then(parse_instant_ns).ok_or_else(|| {
                StoreError::new(format!(
                    "{db}: event_log row {rowid} (ExecutionStep, {id}): simulated-time should be an ISO-8601 instant such as 1970-01-01T00:00:00.01Z, found {}",
                    e.data.get("simulated-time").map_or("nothing".to_string(), Json::to_string)
                ))
            })?;
            let time = ns.div_euclid(1_000_000);
            if time < last_time {
                return Err(StoreError::new(format!(
                    "{db}: event_log row {rowid} (ExecutionStep, {id}): simulated time goes backwards at logical time {} ({} after {} ms)",
                    e.lt, time, last_time
                )));
            }
            last_time = time;
            let before = state.clone();
            match state.get_mut(&reactor) {
                Some(s) => {
                    if let Some(diff) = e.data.get("diff") {
                        merge_patch(s, diff);
                    }
                }
                None => warnings.push(format!(
                    "event_log row {rowid} (ExecutionStep, {id}): reactor \"{reactor}\" is not in the deployment; its diff is ignored, as detsys's checker does"
                )),
            }
            let n = &net.data;
            let mut event = Map::new();
            let field = |k: &str| n.get(k).cloned().unwrap_or(Json::Null);
            event.insert("message".into(), field("message"));
            event.insert("sender".into(), field("from"));
            event.insert("receiver".into(), field("to"));
            let args = n.get("args").cloned().unwrap_or_else(|| json!({}));
            // detsys's LTL checker calls the args `$.event`: the same value, under both names.
            event.insert("event".into(), args.clone());
            event.insert("args".into(), args);
            event.insert("kind".into(), field("kind"));
            event.insert("sent_logical_time".into(), field("sent-logical-time"));
            event.insert("recv_logical_time".into(), field("recv-logical-time"));
            event.insert("dropped".into(), Json::Bool(is_dropped(n)));
            for (k, name) in [("jepsen-type", "jepsen_type"), ("jepsen-process", "jepsen_process")] {
                if let Some(v) = n.get(k) {
                    event.insert(name.into(), v.clone());
                }
            }
            let step_no = steps.len() as u64;
            let mut rec = Map::new();
            rec.insert("step".into(), json!(step_no));
            rec.insert("time".into(), json!(time));
            rec.insert("logical_time".into(), json!(e.lt));
            rec.insert("reactor".into(), Json::String(reactor));
            rec.insert("event".into(), Json::Object(event));
            rec.insert("state".into(), Json::Object(state.clone()));
            rec.insert("before".into(), Json::Object(before));
            rec.insert("faults".into(), faults.clone());
            if let Some(l) = e.data.get("log-lines").filter(|l| !l.is_null()) {
                rec.insert("log_lines".into(), l.clone());
            }
            steps.push(Step { step: step_no, time, record: Json::Object(rec) });
        }
        if steps.is_empty() {
            return Err(StoreError::new(if execs.is_empty() {
                format!("{db}: {id} has no trace: it has no ExecutionStep rows")
            } else {
                format!(
                    "{db}: {id} has no trace: none of its {} ExecutionStep rows matches a received NetworkTrace row",
                    execs.len()
                )
            }));
        }
        Ok(Trace { id, steps, nodes, faults, warnings })
    }
}

/// The deployment of the run's test: node names and initial states.
fn deployment(scan: &Scan, id: RunId) -> Result<(Vec<String>, Map<String, Json>)> {
    let db = &scan.db;
    let rows = scan.tests.get(&id.test).map(Vec::as_slice).unwrap_or_default();
    let raw = match rows {
        [] => {
            return Err(StoreError::new(format!(
                "{db}: test {} has no CreateTest event, so the run has no deployment to start its trace from",
                id.test
            )))
        }
        [one] => one,
        [a, b, ..] => {
            return Err(StoreError::new(format!(
                "{db}: test {} has {} CreateTest events (rows {} and {}); which deployment to use is ambiguous",
                id.test,
                rows.len(),
                a.id,
                b.id
            )))
        }
    };
    let data = parse_data(db, raw, "CreateTest")?;
    let bad = |what: String| {
        StoreError::new(format!("{db}: event_log row {} (CreateTest, test {}): {what}", raw.id, id.test))
    };
    let Some(Json::Array(list)) = data.get("deployment") else {
        return Err(bad("deployment should be an array of {reactor, type, args}".into()));
    };
    let mut nodes = Vec::new();
    let mut state = Map::new();
    for (i, d) in list.iter().enumerate() {
        let Some(name) = d.get("reactor").and_then(Json::as_str) else {
            return Err(bad(format!("deployment[{i}] has no reactor name")));
        };
        if state.contains_key(name) {
            return Err(bad(format!("deployment[{i}] names reactor \"{name}\" a second time")));
        }
        nodes.push(name.to_string());
        state.insert(name.to_string(), d.get("args").cloned().unwrap_or_else(|| json!({})));
    }
    Ok((nodes, state))
}
