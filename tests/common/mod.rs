//! Helpers shared by the end-to-end `elle` tests (`tests/elle.rs`,
//! `tests/elle_rw.rs`): running the binary, checking the verdict, and reading
//! the spec's cycle notation (`#0 -ww(x 1→2 @0/0)-> #1 -…-> #0`).
//!
//! Each integration test is its own crate and uses a part of this module.
#![allow(dead_code)]

use serde_json::{json, Value as Json};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// ---------------------------------------------------------------- running

/// The binary, run from the package root so fixture paths read as written here.
pub fn histcheck() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_histcheck"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh, empty scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(env!("CARGO_CRATE_NAME")).join(name);
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

/// The result of one `histcheck elle FILE OPTS… --json`.
pub struct Res {
    pub what: String,
    pub out: Output,
    pub doc: Json,
}

/// Runs `histcheck elle FILE OPTS… --json` and parses the document.
#[track_caller]
pub fn elle(file: &str, opts: &[&str]) -> Res {
    let mut args: Vec<&str> = vec!["elle", file];
    args.extend_from_slice(opts);
    args.push("--json");
    let out = histcheck().args(&args).output().expect("the binary runs");
    let what = format!("histcheck {}", args.join(" "));
    let doc: Json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: stdout is not one JSON document ({e})\n--- stdout\n{}\n--- stderr\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    });
    Res { what, out, doc }
}

pub fn strs(v: &[&str]) -> Json {
    Json::Array(v.iter().map(|s| Json::String(s.to_string())).collect())
}

impl Res {
    pub fn ctx(&self) -> String {
        format!("{}\n--- stdout\n{}\n--- stderr\n{}", self.what, text(&self.out.stdout), text(&self.out.stderr))
    }

    #[track_caller]
    pub fn code(&self, want: i32) -> &Self {
        assert_eq!(self.out.status.code(), Some(want), "exit code of {}", self.ctx());
        assert!(!text(&self.out.stderr).contains("panicked"), "panic in {}", self.ctx());
        self
    }

    /// The anomaly map's keys must be exactly the reported types.
    #[track_caller]
    pub fn verdict(&self, code: i32, valid: Json, types: &[&str], not: &[&str]) -> &Self {
        self.code(code);
        assert_eq!(self.doc["valid"], valid, "valid in {}", self.ctx());
        assert_eq!(self.doc["anomaly_types"], strs(types), "anomaly_types in {}", self.ctx());
        assert_eq!(self.doc["not"], strs(not), "not in {}", self.ctx());
        let keys: Vec<&str> = match self.doc.get("anomalies") {
            Some(Json::Object(m)) => m.keys().map(String::as_str).collect(),
            None | Some(Json::Null) => vec![],
            Some(other) => panic!("anomalies is not an object: {other} in {}", self.ctx()),
        };
        let want: BTreeSet<&str> = types.iter().copied().collect();
        assert_eq!(keys.into_iter().collect::<BTreeSet<_>>(), want, "anomalies keys in {}", self.ctx());
        self
    }

    /// Elle's `{valid}`: exit 0, valid, nothing reported, nothing ruled out.
    #[track_caller]
    pub fn valid(&self) -> &Self {
        self.verdict(0, json!(true), &[], &[])
    }

    #[track_caller]
    pub fn invalid(&self, types: &[&str], not: &[&str]) -> &Self {
        self.verdict(1, json!(false), types, not)
    }

    #[track_caller]
    pub fn unknown(&self, types: &[&str], not: &[&str]) -> &Self {
        self.verdict(3, json!("unknown"), types, not)
    }

    #[track_caller]
    pub fn also_not(&self, also: &[&str]) -> &Self {
        assert_eq!(self.doc["also_not"], strs(also), "also_not in {}", self.ctx());
        self
    }

    /// The reported anomalies of one type.
    #[track_caller]
    pub fn of(&self, kind: &str) -> &Vec<Json> {
        self.doc["anomalies"][kind].as_array().unwrap_or_else(|| panic!("no anomalies[{kind:?}] in {}", self.ctx()))
    }

    /// Exactly one anomaly of `kind`, which has (at least) the fields of `want`.
    #[track_caller]
    pub fn one(&self, kind: &str, want: Json) -> &Self {
        let all = self.of(kind);
        assert_eq!(all.len(), 1, "one {kind} expected in {}", self.ctx());
        assert_eq!(all[0]["type"], json!(kind), "type field in {}", self.ctx());
        if let Err(e) = subset(&all[0], &want, "") {
            panic!("{kind}: {e}\nwant (subset) {want}\ngot {}\nin {}", all[0], self.ctx());
        }
        self
    }

    /// Exactly one cycle of `kind`, the one `notation` describes.
    #[track_caller]
    pub fn cycle(&self, kind: &str, notation: &str) -> &Self {
        let all = self.of(kind);
        assert_eq!(all.len(), 1, "one {kind} cycle expected in {}", self.ctx());
        if let Err(e) = same_cycle(&all[0], kind, &parse_cycle(notation)) {
            panic!("{kind}: {e}\nwant {notation}\ngot {}\nin {}", all[0], self.ctx());
        }
        self
    }
}

// ---------------------------------------------------------------- matching

/// A micro-op the spec gives: the contract renders `mop` either as its index
/// in the op's `:value` or as the micro-op itself (`["r", ":x", [1]]`); the
/// spec does not settle which, so both are accepted.
pub fn mop(index: u64, m: Json) -> Json {
    json!({ "$mop": [index, m] })
}

/// `want`'s fields all appear in `got` with equal values (recursively for
/// objects; arrays and scalars compare exactly, except `mop(…)` markers).
pub fn subset(got: &Json, want: &Json, path: &str) -> Result<(), String> {
    match want {
        Json::Object(w) if w.contains_key("$mop") => {
            let alts = w["$mop"].as_array().unwrap();
            if *got == alts[0] || *got == alts[1] {
                Ok(())
            } else {
                Err(format!("{path}: {got} is neither mop index {} nor micro-op {}", alts[0], alts[1]))
            }
        }
        Json::Object(w) => {
            for (k, v) in w {
                let g = got.get(k).ok_or_else(|| format!("{path}.{k}: missing"))?;
                subset(g, v, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        _ if got == want => Ok(()),
        _ => Err(format!("{path}: got {got}, want {want}")),
    }
}

/// One step of an expected cycle: its ends, type, and the fields the spec gives.
#[derive(Debug)]
pub struct Want {
    pub from: u64,
    pub to: u64,
    pub kind: &'static str,
    pub fields: Json,
}

/// A key as the notation writes it: `x` is the keyword `:x`, digits an integer.
pub fn key(k: &str) -> Json {
    match k.parse::<i64>() {
        Ok(n) => json!(n),
        Err(_) => json!(format!(":{k}")),
    }
}

/// A value: `∅` is the list-append initial state, `nil` (or `_`) the
/// rw-register one (JSON null), digits an integer.
pub fn val(v: &str) -> Json {
    if v == "∅" {
        json!({"init": true})
    } else if v == "nil" || v == "_" {
        Json::Null
    } else {
        json!(v.parse::<i64>().unwrap_or_else(|_| panic!("bad value {v:?} in the notation")))
    }
}

/// `@a/b` → (a_mop, b_mop).
pub fn mops_of(s: &str) -> (Json, Json) {
    let (a, b) = s.strip_prefix('@').and_then(|s| s.split_once('/')).expect("@a/b");
    (json!(a.parse::<u64>().unwrap()), json!(b.parse::<u64>().unwrap()))
}

pub fn parse_label(label: &str, from: u64, to: u64) -> Want {
    let (name, inner) = match label.split_once('(') {
        Some((n, rest)) => (n, rest.strip_suffix(')').expect("label ends in )")),
        None => (label, ""),
    };
    let parts: Vec<&str> = inner.split_whitespace().collect();
    let (kind, fields) = match name {
        "ww" | "rw" => {
            let (v1, v2) = parts[1].split_once('→').expect("v→v'");
            let (a, b) = mops_of(parts[2]);
            let kind = if name == "ww" { "ww" } else { "rw" };
            (kind, json!({"key": key(parts[0]), "value": val(v1), "value2": val(v2), "a_mop": a, "b_mop": b}))
        }
        "wr" => {
            let (a, b) = mops_of(parts[2]);
            ("wr", json!({"key": key(parts[0]), "value": val(parts[1]), "a_mop": a, "b_mop": b}))
        }
        "p" => ("process", json!({"process": inner.parse::<i64>().unwrap()})),
        // `rt(a'=#3, b=#4)`: Elle's own realtime detail; histcheck's step has only from/to.
        "rt" => ("realtime", json!({})),
        other => panic!("unknown step {other:?}"),
    };
    Want { from, to, kind, fields }
}

/// Parses `#5 -rw(x 1→2 @0/0)-> #3 -rt-> #5`.
pub fn parse_cycle(s: &str) -> Vec<Want> {
    let mut nodes = Vec::new();
    let mut labels = Vec::new();
    let mut rest = s.trim();
    loop {
        let r = rest.strip_prefix('#').unwrap_or_else(|| panic!("expected #n at {rest:?}"));
        let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
        nodes.push(r[..end].parse::<u64>().unwrap());
        rest = r[end..].trim_start();
        if rest.is_empty() {
            break;
        }
        let r = rest.strip_prefix('-').unwrap_or_else(|| panic!("expected -label-> at {rest:?}"));
        let arrow = r.find("->").expect("->");
        labels.push(&r[..arrow]);
        rest = r[arrow + 2..].trim_start();
    }
    assert_eq!(nodes.first(), nodes.last(), "a cycle returns to its start: {s}");
    labels.iter().enumerate().map(|(i, l)| parse_label(l, nodes[i], nodes[i + 1])).collect()
}

/// Compares a reported cycle with the expected steps: the same set of ops, the
/// same multiset of step types, and each expected step (matched by its ends)
/// with the given fields. Also checks the contract's shape: `cycle` rotated to
/// its smallest index, `steps[i]` going `cycle[i] → cycle[i+1]`.
pub fn same_cycle(got: &Json, kind: &str, want: &[Want]) -> Result<(), String> {
    if got["type"] != json!(kind) {
        return Err(format!("type is {}", got["type"]));
    }
    let cycle: Vec<u64> =
        got["cycle"].as_array().ok_or("no cycle array")?.iter().map(|v| v.as_u64().unwrap()).collect();
    let steps = got["steps"].as_array().ok_or("no steps array")?;
    let got_set: BTreeSet<u64> = cycle.iter().copied().collect();
    let want_set: BTreeSet<u64> = want.iter().map(|w| w.from).collect();
    if got_set != want_set || cycle.len() != want.len() {
        return Err(format!("ops {cycle:?}, want the set {want_set:?}"));
    }
    if cycle.first() != got_set.first() {
        return Err(format!("cycle {cycle:?} is not rotated to its smallest index"));
    }
    if steps.len() != cycle.len() {
        return Err(format!("{} steps for {} ops", steps.len(), cycle.len()));
    }
    for (i, s) in steps.iter().enumerate() {
        let (f, t) = (cycle[i], cycle[(i + 1) % cycle.len()]);
        if s["from"] != json!(f) || s["to"] != json!(t) {
            return Err(format!("steps[{i}] should go {f} -> {t}: {s}"));
        }
    }
    let mut got_kinds: BTreeMap<String, usize> = BTreeMap::new();
    for s in steps {
        *got_kinds.entry(s["type"].as_str().unwrap_or("?").to_string()).or_default() += 1;
    }
    let mut want_kinds: BTreeMap<String, usize> = BTreeMap::new();
    for w in want {
        *want_kinds.entry(w.kind.to_string()).or_default() += 1;
    }
    if got_kinds != want_kinds {
        return Err(format!("step types {got_kinds:?}, want {want_kinds:?}"));
    }
    for w in want {
        let s = steps
            .iter()
            .find(|s| s["from"] == json!(w.from) && s["to"] == json!(w.to))
            .ok_or_else(|| format!("no step {} -> {}", w.from, w.to))?;
        if s["type"] != json!(w.kind) {
            return Err(format!("step {} -> {} is {}, want {}", w.from, w.to, s["type"], w.kind));
        }
        subset(s, &w.fields, &format!("step {} -> {}", w.from, w.to))?;
    }
    Ok(())
}

// ---------------------------------------------------------------- LA-1 … LA-22
