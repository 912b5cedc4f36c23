//! Builders of detsys stores for tests and benchmarks: detsys's register
//! example (a frontend and two register replicas, one client) as the events
//! its components would write, in three variants, and synthetic runs of any
//! size.
//!
//! The correct run is detsys's register example without faults: the client
//! appends 1, then reads `[1]`.

use crate::{Result, RunId, Store, StoreError};
use serde_json::{json, Value as Json};

/// One `event_log` row to insert.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub event: &'static str,
    pub meta: Json,
    pub data: Json,
}

/// Which register run to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Append 1 (acknowledged), then a read of `[1]`: valid.
    Correct,
    /// The write to register2 is dropped (an omission fault at logical time
    /// 3), the frontend acknowledges after register1's reply, and the read is
    /// answered by register2 first: `[]`, a stale read (G-single-item-realtime).
    StaleRead,
    /// Append 1 (acknowledged), then a read that gets no answer before the
    /// client times out: an `info` op, valid.
    TimedOutRead,
}

/// `CreateTest` of the register example: the agenda and deployment.
pub fn register_test(test: i64) -> Row {
    Row {
        event: "CreateTest",
        meta: json!({"component": "generator", "test-id": test}),
        data: json!({
            "agenda": [
                {"kind": "invoke", "event": "write", "args": {"value": 1}, "from": "client:0", "to": "frontend", "at": "1970-01-01T00:00:00Z"},
                {"kind": "invoke", "event": "read", "args": {}, "from": "client:0", "to": "frontend", "at": "1970-01-01T00:00:10Z"}
            ],
            "deployment": [
                {"reactor": "frontend", "type": "frontend", "args": {"inFlight": {}, "inFlightSessionToClient": {}, "nextSessionId": 0}},
                {"reactor": "register1", "type": "register", "args": {"value": [], "sessions": []}},
                {"reactor": "register2", "type": "register", "args": {"value": [], "sessions": []}}
            ]
        }),
    }
}

fn run_meta(component: &str, id: RunId) -> Json {
    json!({"component": component, "test-id": id.test, "run-id": id.run})
}

/// A `NetworkTrace` row.
#[allow(clippy::too_many_arguments)]
pub fn network(
    id: RunId,
    message: &str,
    args: Json,
    from: &str,
    to: &str,
    kind: &str,
    sent: i64,
    recv: i64,
    at: &str,
    dropped: bool,
    jepsen: Option<(&str, i64)>,
) -> Row {
    let mut data = json!({
        "message": message, "args": args, "from": from, "to": to, "kind": kind,
        "sent-logical-time": sent, "recv-logical-time": recv, "recv-simulated-time": at,
        "dropped": dropped,
    });
    if let Some((ty, p)) = jepsen {
        data["jepsen-type"] = json!(ty);
        data["jepsen-process"] = json!(p);
    }
    Row { event: "NetworkTrace", meta: run_meta("scheduler", id), data }
}

/// An `ExecutionStep` row.
pub fn step(id: RunId, reactor: &str, logical_time: i64, at: &str, diff: Json) -> Row {
    Row {
        event: "ExecutionStep",
        meta: json!({"component": "executor", "run-id": id.run, "test-id": id.test}),
        data: json!({"reactor": reactor, "logical-time": logical_time, "simulated-time": at, "log-lines": null, "diff": diff}),
    }
}

/// A `CreateRun` row.
pub fn create_run(id: RunId, seed: i64, faults: Json) -> Row {
    Row {
        event: "CreateRun",
        meta: run_meta("scheduler", id),
        data: json!({"test-id": id.test, "seed": seed, "faults": faults, "tick-frequency": 5000, "min-time-ns": 0, "max-time-ns": 0}),
    }
}

/// The rows of one register run (not its test's `CreateTest`), in insertion order.
pub fn register_run(id: RunId, variant: Variant) -> Vec<Row> {
    let nt = network;
    let mut rows = Vec::new();
    let faults = match variant {
        Variant::StaleRead => json!([{"kind": "omission", "from": "frontend", "to": "register2", "at": 3}]),
        _ => json!([]),
    };
    let seed = match variant {
        Variant::Correct => 4,
        Variant::StaleRead => 5,
        Variant::TimedOutRead => 6,
    };
    rows.push(create_run(id, seed, faults));
    // The write, as in the reference fixture.
    rows.push(nt(
        id,
        "write",
        json!({"value": 1}),
        "client:0",
        "frontend",
        "invoke",
        0,
        1,
        "1970-01-01T00:00:00Z",
        false,
        Some(("invoke", 0)),
    ));
    rows.push(step(id, "frontend", 1, "1970-01-01T00:00:00Z", json!({"inFlight": {"0": {"Id": "0", "At": "1970-01-01T00:00:00Z"}}, "inFlightSessionToClient": {"0": 0}, "nextSessionId": 1})));
    rows.push(nt(
        id,
        "write",
        json!({"id": "0", "request": {"value": 1}}),
        "frontend",
        "register1",
        "message",
        1,
        2,
        "1970-01-01T00:00:00.01Z",
        false,
        None,
    ));
    rows.push(step(id, "register1", 2, "1970-01-01T00:00:00.01Z", json!({"value": [1], "sessions": ["0"]})));
    let dropped = variant == Variant::StaleRead;
    rows.push(nt(
        id,
        "write",
        json!({"id": "0", "request": {"value": 1}}),
        "frontend",
        "register2",
        "message",
        1,
        3,
        "1970-01-01T00:00:00.02Z",
        dropped,
        None,
    ));
    if !dropped {
        rows.push(step(id, "register2", 3, "1970-01-01T00:00:00.02Z", json!({"value": [1], "sessions": ["0"]})));
    }
    rows.push(nt(
        id,
        "ack",
        json!({"id": "0", "response": {}}),
        "register1",
        "frontend",
        "message",
        2,
        4,
        "1970-01-01T00:00:00.03Z",
        false,
        None,
    ));
    if dropped {
        // The frontend answers the client on the first acknowledgement.
        rows.push(step(
            id,
            "frontend",
            4,
            "1970-01-01T00:00:00.03Z",
            json!({"inFlight": {"0": null}, "inFlightSessionToClient": {"0": null}}),
        ));
    } else {
        rows.push(step(id, "frontend", 4, "1970-01-01T00:00:00.03Z", json!({})));
        rows.push(nt(
            id,
            "ack",
            json!({"id": "0", "response": {}}),
            "register2",
            "frontend",
            "message",
            3,
            5,
            "1970-01-01T00:00:00.04Z",
            false,
            None,
        ));
        rows.push(step(
            id,
            "frontend",
            5,
            "1970-01-01T00:00:00.04Z",
            json!({"inFlight": {"0": null}, "inFlightSessionToClient": {"0": null}}),
        ));
    }
    rows.push(nt(
        id,
        "ack",
        json!({}),
        "frontend",
        "client:0",
        "ok",
        5,
        6,
        "1970-01-01T00:00:00.04Z",
        false,
        Some(("ok", 0)),
    ));
    // The read.
    rows.push(nt(
        id,
        "read",
        json!({}),
        "client:0",
        "frontend",
        "invoke",
        6,
        7,
        "1970-01-01T00:00:10Z",
        false,
        Some(("invoke", 0)),
    ));
    rows.push(step(id, "frontend", 7, "1970-01-01T00:00:10Z", json!({"inFlight": {"1": {"Id": "1", "At": "1970-01-01T00:00:10Z"}}, "inFlightSessionToClient": {"1": 0}, "nextSessionId": 2})));
    match variant {
        Variant::Correct => {
            rows.push(nt(
                id,
                "read",
                json!({"id": "1", "request": {}}),
                "frontend",
                "register1",
                "message",
                7,
                8,
                "1970-01-01T00:00:10.01Z",
                false,
                None,
            ));
            rows.push(step(id, "register1", 8, "1970-01-01T00:00:10.01Z", json!({})));
            rows.push(nt(
                id,
                "read",
                json!({"id": "1", "request": {}}),
                "frontend",
                "register2",
                "message",
                7,
                9,
                "1970-01-01T00:00:10.02Z",
                false,
                None,
            ));
            rows.push(step(id, "register2", 9, "1970-01-01T00:00:10.02Z", json!({})));
            rows.push(nt(
                id,
                "value",
                json!({"id": "1", "response": {"value": [1]}}),
                "register1",
                "frontend",
                "message",
                8,
                10,
                "1970-01-01T00:00:10.03Z",
                false,
                None,
            ));
            rows.push(step(id, "frontend", 10, "1970-01-01T00:00:10.03Z", json!({})));
            rows.push(nt(
                id,
                "value",
                json!({"id": "1", "response": {"value": [1]}}),
                "register2",
                "frontend",
                "message",
                9,
                11,
                "1970-01-01T00:00:10.04Z",
                false,
                None,
            ));
            rows.push(step(
                id,
                "frontend",
                11,
                "1970-01-01T00:00:10.04Z",
                json!({"inFlight": {"1": null}, "inFlightSessionToClient": {"1": null}}),
            ));
            rows.push(nt(
                id,
                "value",
                json!({"value": [1]}),
                "frontend",
                "client:0",
                "ok",
                11,
                12,
                "1970-01-01T00:00:10.04Z",
                false,
                Some(("ok", 0)),
            ));
        }
        Variant::StaleRead => {
            rows.push(nt(
                id,
                "read",
                json!({"id": "1", "request": {}}),
                "frontend",
                "register2",
                "message",
                7,
                8,
                "1970-01-01T00:00:10.01Z",
                false,
                None,
            ));
            rows.push(step(id, "register2", 8, "1970-01-01T00:00:10.01Z", json!({})));
            rows.push(nt(
                id,
                "value",
                json!({"id": "1", "response": {"value": []}}),
                "register2",
                "frontend",
                "message",
                8,
                9,
                "1970-01-01T00:00:10.02Z",
                false,
                None,
            ));
            rows.push(step(
                id,
                "frontend",
                9,
                "1970-01-01T00:00:10.02Z",
                json!({"inFlight": {"1": null}, "inFlightSessionToClient": {"1": null}}),
            ));
            rows.push(nt(
                id,
                "value",
                json!({"value": []}),
                "frontend",
                "client:0",
                "ok",
                9,
                10,
                "1970-01-01T00:00:10.02Z",
                false,
                Some(("ok", 0)),
            ));
        }
        Variant::TimedOutRead => {
            // Both reads to the registers are lost; 30 s later the client gives up.
            rows.push(nt(
                id,
                "read",
                json!({"id": "1", "request": {}}),
                "frontend",
                "register1",
                "message",
                7,
                8,
                "1970-01-01T00:00:10.01Z",
                true,
                None,
            ));
            rows.push(nt(
                id,
                "read",
                json!({"id": "1", "request": {}}),
                "frontend",
                "register2",
                "message",
                7,
                9,
                "1970-01-01T00:00:10.02Z",
                true,
                None,
            ));
            rows.push(nt(
                id,
                "read",
                json!({}),
                "frontend",
                "client:0",
                "invoke",
                9,
                9,
                "1970-01-01T00:00:40Z",
                false,
                Some(("info", 0)),
            ));
        }
    }
    rows
}

/// Inserts rows in one transaction.
pub fn insert(store: &mut Store, rows: &[Row]) -> Result<()> {
    let name = store.name().to_string();
    let err = |e: rusqlite::Error| StoreError::new(format!("{name}: cannot insert: {e}"));
    let tx = store.transaction()?;
    {
        let mut st = tx.prepare_cached("INSERT INTO event_log (event, meta, data) VALUES (?1, ?2, ?3)").map_err(err)?;
        for r in rows {
            st.execute([r.event, &r.meta.to_string(), &r.data.to_string()]).map_err(err)?;
        }
    }
    tx.commit().map_err(err)
}

/// A synthetic valid list-append run on one key, as detsys's rewrite sees it:
/// `ops` history rows (invocations and completions) by `clients` concurrent
/// clients, appends of distinct integers and reads of the whole list, each op
/// taking effect when it completes. With `internal` > 0, every client op also
/// has that many internal messages, each with an `ExecutionStep`.
pub fn synthetic_run(id: RunId, ops: usize, clients: usize, internal: usize, seed: u64) -> Vec<Row> {
    let mut rng = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let clients = clients.max(1);
    let mut rows = vec![create_run(id, seed as i64, json!([]))];
    let mut list: Vec<i64> = Vec::new();
    // Per client, the op in flight: Some(appended value) or Some(None) for a read.
    let mut pending: Vec<Option<Option<i64>>> = vec![None; clients];
    let mut in_flight = 0usize;
    let mut next_value = 1i64;
    let mut lt = 0i64;
    let mut emitted = 0usize;
    while emitted < ops {
        let mut c = (next() % clients as u64) as usize;
        if pending[c].is_none() && emitted + in_flight + 2 > ops {
            // No room for another op: complete one in flight, or stop.
            match pending.iter().position(Option::is_some) {
                Some(p) => c = p,
                None => break,
            }
        }
        let process = c as i64;
        let client = format!("client:{c}");
        lt += 1;
        let at = format!(
            "1970-01-01T{:02}:{:02}:{:02}.{:03}Z",
            lt / 3_600_000,
            (lt / 60_000) % 60,
            (lt / 1000) % 60,
            lt % 1000
        );
        match pending[c] {
            None => {
                let append = next() % 2 == 0;
                let (msg, args) = if append { ("write", json!({"value": next_value})) } else { ("read", json!({})) };
                pending[c] = Some(append.then_some(next_value));
                if append {
                    next_value += 1;
                }
                rows.push(network(
                    id,
                    msg,
                    args,
                    &client,
                    "frontend",
                    "invoke",
                    lt - 1,
                    lt,
                    &at,
                    false,
                    Some(("invoke", process)),
                ));
                in_flight += 1;
                emitted += 1;
                for k in 0..internal {
                    lt += 1;
                    rows.push(network(
                        id,
                        msg,
                        json!({"id": k}),
                        "frontend",
                        "register1",
                        "message",
                        lt - 1,
                        lt,
                        &at,
                        false,
                        None,
                    ));
                    rows.push(step(id, "register1", lt, &at, json!({"n": lt})));
                }
            }
            Some(appended) => {
                let (msg, args) = match appended {
                    // The ack carries no value: the invocation's is used.
                    Some(v) => {
                        list.push(v);
                        ("ack", json!({}))
                    }
                    None => ("value", json!({"value": list})),
                };
                rows.push(network(
                    id,
                    msg,
                    args,
                    "frontend",
                    &client,
                    "ok",
                    lt - 1,
                    lt,
                    &at,
                    false,
                    Some(("ok", process)),
                ));
                pending[c] = None;
                in_flight -= 1;
                emitted += 1;
            }
        }
    }
    rows
}
