//! The consistency-model lattice and the anomaly implication DAG
//! (`shared/reference/elle-model.md` §8–§12). STUB: being written.

use std::collections::BTreeSet;

/// An unknown model or anomaly name given by the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName {
    pub name: String,
    /// `"consistency model"` or `"anomaly"`.
    pub what: &'static str,
    /// Close known names, for "did you mean".
    pub suggestions: Vec<&'static str>,
}

/// The canonical vertex of a model name or alias (`serializable` → `PL-3`).
pub fn canonical(name: &str) -> Option<&'static str> {
    let _ = name;
    todo!()
}

/// The name to show for a canonical model (`PL-3` → `serializable`, `PL-SS` → `strong-serializable`).
pub fn friendly(canonical: &str) -> &'static str {
    let _ = canonical;
    todo!()
}

/// Every accepted model name (54), sorted.
pub fn model_names() -> &'static [&'static str] {
    todo!()
}

/// Every anomaly name the lattice knows (Elle's 60, plus `garbage-read`), in depth order.
pub fn depth_order() -> &'static [&'static str] {
    todo!()
}

/// Canonical models implied by `models` (downward closure, the start included).
pub fn all_implied_models(models: &[&str]) -> BTreeSet<&'static str> {
    let _ = models;
    todo!()
}

/// Canonical models that imply one of `models` (upward closure, the start included).
pub fn all_impossible_models(models: &[&str]) -> BTreeSet<&'static str> {
    let _ = models;
    todo!()
}

/// Anomalies that imply one of `anomalies` (upward closure, start included).
pub fn all_anomalies_implying(anomalies: &[&str]) -> BTreeSet<&'static str> {
    let _ = anomalies;
    todo!()
}

/// Anomalies implied by `anomalies` (downward closure, start included).
pub fn all_implied_anomalies(anomalies: &[&str]) -> BTreeSet<&'static str> {
    let _ = anomalies;
    todo!()
}

/// Every anomaly the models prohibit.
pub fn anomalies_prohibited_by(models: &[&str]) -> BTreeSet<&'static str> {
    let _ = models;
    todo!()
}

/// Canonical models ruled out by the presence of `anomalies`.
pub fn anomalies_to_impossible_models(anomalies: &[&str]) -> BTreeSet<&'static str> {
    let _ = anomalies;
    todo!()
}

/// The models ruled out by `anomalies`: the weakest (`not`) and the rest
/// (`also_not`), friendly names, sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Boundary {
    pub not: Vec<&'static str>,
    pub also_not: Vec<&'static str>,
}

pub fn boundary(anomalies: &[&str]) -> Boundary {
    let _ = anomalies;
    todo!()
}

/// What the user asked to check: the prohibited anomalies and the reportable ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reportable {
    pub prohibited: BTreeSet<&'static str>,
    pub reportable: BTreeSet<&'static str>,
}

/// From `-c` models and `--anomalies` names (either may be empty).
pub fn reportable(models: &[&str], anomalies: &[&str]) -> Result<Reportable, UnknownName> {
    let _ = (models, anomalies);
    todo!()
}

/// `valid`: true, false, or unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    True,
    False,
    Unknown,
}

/// The verdict derived from the anomaly types found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub valid: Validity,
    /// The reported types, sorted by byte order (empty when valid).
    pub anomaly_types: Vec<&'static str>,
    pub boundary: Boundary,
}

/// Elle's result derivation (§12.4) from every anomaly type found (reportable or not).
pub fn verdict(found: &BTreeSet<&'static str>, rep: &Reportable) -> Verdict {
    let _ = (found, rep);
    todo!()
}
