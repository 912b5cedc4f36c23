//! Formula sets: named formulas from the command line (`name=FORMULA`) or a
//! spec file (`name: formula` lines), parsed in one of two syntaxes and
//! compiled together, so that every plan reads its columns from one trace.
//!
//! ```
//! use ltl::spec::{FormulaSet, Source, Syntax};
//! use ltl::compile::CompileOptions;
//! use ltl::syntax::Unit;
//!
//! let set = FormulaSet::parse(vec![Source::new("up", "always (time >= 0)")], Syntax::Histcheck).unwrap();
//! let opts = CompileOptions { time_unit: Unit::Ms, nodes: vec![], end_time: None };
//! let compiled = set.compile(&opts).unwrap();
//! assert_eq!(compiled.plans.len(), 1);
//! ```

use crate::compile::{compile_with_paths, CompileOptions, Plan};
use crate::syntax::Formula;
use crate::trace::PSeg;
use std::fmt;
use std::path::Path;

/// The syntax a formula is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// histcheck's own ([`crate::parse::parse`]).
    Histcheck,
    /// detsys-testkit's ltl formulas ([`crate::detsys::parse`]).
    Detsys,
}

impl Syntax {
    /// Parses one formula in this syntax.
    pub fn parse(self, src: &str) -> Result<Formula, crate::parse::ParseError> {
        match self {
            Syntax::Histcheck => crate::parse::parse(src),
            Syntax::Detsys => crate::detsys::parse(src),
        }
    }
}

/// A formula's name and text, before parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The name results are reported under.
    pub name: String,
    /// The formula as written.
    pub src: String,
}

impl Source {
    /// A named formula.
    pub fn new(name: impl Into<String>, src: impl Into<String>) -> Source {
        Source { name: name.into(), src: src.into() }
    }

    /// `NAME=FORMULA` (the command line's `-f`): a name that is not blank and
    /// holds none of `( !<>` and space, so that a formula with `=` in it is not
    /// taken for a name. Else the message to give.
    pub fn from_assignment(arg: &str) -> Result<Source, String> {
        match arg.split_once('=') {
            Some((name, src)) if !name.trim().is_empty() && !name.contains(['(', ' ', '!', '<', '>']) => {
                Ok(Source::new(name.trim(), src))
            }
            _ => Err(format!("-f wants NAME=FORMULA, got `{}`", quoted(arg))),
        }
    }
}

/// A piece of user input quoted in a message: escaped and cut short.
pub fn quoted(s: &str) -> String {
    history::builder::shown_text(s, history::builder::QUOTE_CHARS)
}

/// A spec file: a [`Source`] for each `name: formula` line; blank lines and
/// `#` comments are skipped; anything else is an error naming the line.
pub fn read_spec(spec: &Path) -> Result<Vec<Source>, String> {
    let text = std::fs::read_to_string(spec).map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    let mut out = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        match l.split_once(':') {
            Some((name, src)) if !name.trim().is_empty() && !name.trim().contains(' ') => {
                out.push(Source::new(name.trim(), src.trim()))
            }
            _ => return Err(format!("{}:{}: expected `name: formula`", spec.display(), k + 1)),
        }
    }
    Ok(out)
}

/// An error if two formulas have the same name (their results could not be told apart).
pub fn check_unique(sources: &[Source]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for f in sources {
        if !seen.insert(f.name.as_str()) {
            return Err(format!("two formulas are named `{}`", quoted(&f.name)));
        }
    }
    Ok(())
}

/// A formula that could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormulaError {
    /// The formula's name.
    pub name: String,
    /// The parser's message with the formula's line and a caret under the error.
    pub rendered: String,
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "formula `{}`: {}", self.name, self.rendered)
    }
}

impl std::error::Error for FormulaError {}

/// One parsed formula of a set.
#[derive(Clone, Debug)]
pub struct NamedFormula {
    /// The name results are reported under.
    pub name: String,
    /// The formula as written.
    pub src: String,
    /// The parsed formula.
    pub formula: Formula,
}

/// Parsed formulas, in the order given.
#[derive(Clone, Debug, Default)]
pub struct FormulaSet {
    /// The formulas, in order.
    pub formulas: Vec<NamedFormula>,
}

/// A set's plans, compiled against one list of paths that they share (the
/// columns a trace must be read with).
#[derive(Clone, Debug)]
pub struct CompiledSet {
    /// One plan per formula, in the set's order.
    pub plans: Vec<Plan>,
    /// Every path the plans read.
    pub paths: Vec<Vec<PSeg>>,
}

impl FormulaSet {
    /// Parses every formula; the first that fails is the error.
    pub fn parse(sources: Vec<Source>, syntax: Syntax) -> Result<FormulaSet, FormulaError> {
        let mut formulas = Vec::with_capacity(sources.len());
        for Source { name, src } in sources {
            match syntax.parse(&src) {
                Ok(formula) => formulas.push(NamedFormula { name, src, formula }),
                Err(e) => return Err(FormulaError { rendered: e.render(&src), name }),
            }
        }
        Ok(FormulaSet { formulas })
    }

    /// How many formulas there are.
    pub fn len(&self) -> usize {
        self.formulas.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.formulas.is_empty()
    }

    /// Whether a formula quantifies over `nodes` (so the domain must be known).
    pub fn uses_nodes(&self) -> bool {
        self.formulas.iter().any(|f| crate::compile::uses_nodes(&f.formula))
    }

    /// Compiles every formula; the first that fails is the error,
    /// `formula `NAME`: MESSAGE`.
    pub fn compile(&self, opts: &CompileOptions) -> Result<CompiledSet, String> {
        let mut plans = Vec::with_capacity(self.formulas.len());
        let mut paths = Vec::new();
        for f in &self.formulas {
            let p =
                compile_with_paths(&f.formula, opts, paths).map_err(|e| format!("formula `{}`: {}", f.name, e.0))?;
            paths = p.paths.clone();
            plans.push(p);
        }
        Ok(CompiledSet { plans, paths })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_assignment_needs_a_name() {
        assert_eq!(Source::from_assignment("up=always x").unwrap(), Source::new("up", "always x"));
        assert_eq!(Source::from_assignment("up=a == 1").unwrap(), Source::new("up", "a == 1"));
        // A space in the name: a formula, not an assignment.
        assert!(Source::from_assignment(" up =a == 1").is_err());
        assert!(Source::from_assignment("a == 1").is_err());
        assert!(Source::from_assignment("always (a == 1)").is_err());
        assert!(Source::from_assignment("=x").is_err());
    }

    #[test]
    fn duplicate_names_are_refused() {
        let s = [Source::new("a", "true"), Source::new("b", "true"), Source::new("a", "false")];
        assert_eq!(check_unique(&s).unwrap_err(), "two formulas are named `a`");
        assert!(check_unique(&s[..2]).is_ok());
    }

    #[test]
    fn a_parse_error_names_the_formula() {
        let e =
            FormulaSet::parse(vec![Source::new("ok", "true"), Source::new("bad", "always (x >")], Syntax::Histcheck)
                .unwrap_err();
        assert_eq!(e.name, "bad");
        assert!(e.to_string().starts_with("formula `bad`: "), "{e}");
    }

    #[test]
    fn compiled_plans_share_their_paths() {
        let set = FormulaSet::parse(
            vec![Source::new("a", "always (state.x == 1)"), Source::new("b", "eventually (state.y == 2)")],
            Syntax::Histcheck,
        )
        .unwrap();
        let c =
            set.compile(&CompileOptions { time_unit: crate::syntax::Unit::Ms, nodes: vec![], end_time: None }).unwrap();
        assert_eq!(c.plans.len(), 2);
        assert_eq!(c.paths, c.plans[1].paths);
        assert!(c.paths.len() >= 2);
    }
}
