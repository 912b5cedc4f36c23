//! The one error path of every command: a command returns `Result<Exit, Error>`,
//! `?` carries bad input or usage up to `main`, and `main` prints it once and
//! exits 2. A command that finished returns its own `Exit` (pass, violation,
//! inconclusive, or bad input after it has already printed what went wrong,
//! e.g. one of several files).

use crate::output::{self, Exit};
use std::fmt::Display;

/// Why a command stopped before it could give a verdict: exit 2.
#[derive(Debug)]
pub enum Error {
    /// Printed as `error: MESSAGE`.
    Msg(String),
    /// Printed as it is: a message that carries its own `error:` line and
    /// snippet (a parser's `InputError`, a formula error with its caret).
    Raw(String),
}

impl Error {
    /// `error: MESSAGE`.
    pub fn msg(m: impl Display) -> Error {
        Error::Msg(m.to_string())
    }

    /// A fully formatted message, printed as it is.
    pub fn raw(m: impl Display) -> Error {
        Error::Raw(m.to_string())
    }

    /// Prints the error on stderr.
    pub fn report(&self) {
        match self {
            Error::Msg(m) => output::error(m),
            Error::Raw(m) => output::eline(m),
        }
    }
}

impl From<parsers::InputError> for Error {
    fn from(e: parsers::InputError) -> Error {
        Error::raw(e)
    }
}

/// What a command returns.
pub type Result<T = Exit> = std::result::Result<T, Error>;

/// The exit status of a command's result, after printing its error if any.
pub fn finish(r: Result) -> Exit {
    r.unwrap_or_else(|e| {
        e.report();
        Exit::BadInput
    })
}
