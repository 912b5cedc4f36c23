//! Exit codes, messages on stderr, stdout that survives a closed pipe, and
//! human-readable numbers.

use history::Warning;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

/// The exit status of a command (the project's convention for every command).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// 0: the check passed (or `stats`/`convert` did their work).
    Pass,
    /// 1: a violation was found.
    #[allow(dead_code)]
    Violation,
    /// 2: bad input or usage.
    BadInput,
    /// 3: inconclusive.
    #[allow(dead_code)]
    Inconclusive,
}

impl Exit {
    /// The worse of two statuses, for a command that checks several things:
    /// bad input (something was not checked at all) over a violation (a
    /// definite finding) over inconclusive over pass. (The derived `Ord` is
    /// declaration order, not this.)
    pub fn worst(self, other: Exit) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Pass => 0,
            Exit::Inconclusive => 1,
            Exit::Violation => 2,
            Exit::BadInput => 3,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }

    pub fn code(self) -> u8 {
        match self {
            Exit::Pass => 0,
            Exit::Violation => 1,
            Exit::BadInput => 2,
            Exit::Inconclusive => 3,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}

/// A progress bar of `len` steps on stderr with the indicatif `template`, and
/// hidden when stderr is not a terminal (piped output gets no bar).
pub fn bar(len: u64, template: &str) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> "),
    );
    bar
}

/// Writes a line on stderr. A failing stderr is ignored: there is nowhere left to report it.
pub fn eline(msg: impl std::fmt::Display) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "{msg}");
}

/// `error: …` on stderr.
pub fn error(msg: impl std::fmt::Display) {
    eline(format_args!("error: {msg}"));
}

/// `warning: FILE:LINE:COL: message`, or `warning: FILE: message` when the warning has no position.
pub fn warning_line(file: &str, w: &Warning) -> String {
    match w.pos {
        Some(p) => format!("warning: {file}:{}:{}: {}", p.line, p.col, w.message),
        None => format!("warning: {file}: {}", w.message),
    }
}

pub fn print_warnings(file: &str, warnings: &[Warning]) {
    for w in warnings {
        eline(warning_line(file, w));
    }
}

/// What to do after a write to stdout failed. A closed pipe (`histcheck … | head`)
/// is not an error: the reader has all it wanted, so the command ends quietly with
/// the status it had. Any other failure is reported and the status is 2.
pub fn stdout_result(r: io::Result<()>, status: Exit) -> Exit {
    match r {
        Ok(()) => status,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => status,
        Err(e) => {
            error(format_args!("cannot write to standard output: {e}"));
            status.worst(Exit::BadInput)
        }
    }
}

/// Prints `doc` as one pretty JSON document on stdout, through a buffer (stdout
/// itself is line-buffered: one write call per line), and ends with `status`.
pub fn print_json(doc: &impl serde::Serialize, status: Exit) -> Exit {
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let r = serde_json::to_writer_pretty(&mut out, doc).map_err(io::Error::from).and_then(|_| writeln!(out));
    stdout_result(r.and_then(|_| out.flush()), status)
}

/// Prints `text` on stdout and ends with `status`.
pub fn print_text(text: &str, status: Exit) -> Exit {
    let mut out = io::stdout().lock();
    stdout_result(out.write_all(text.as_bytes()).and_then(|_| out.flush()), status)
}

/// `1234567` → `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let groups: Vec<String> =
        digits.as_bytes().rchunks(3).rev().map(|g| String::from_utf8_lossy(g).into_owned()).collect();
    groups.join(",")
}

/// A duration or instant in nanoseconds, for people: `850 ns`, `1.250 µs`,
/// `3.500 ms`, `12.345 s`, `2 min 5.000 s`, `1 h 2 min 5.000 s`.
pub fn nanos(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let n = ns.unsigned_abs();
    let body = if n < 1_000 {
        format!("{n} ns")
    } else if n < 1_000_000 {
        format!("{}.{:03} µs", n / 1_000, n % 1_000)
    } else if n < 1_000_000_000 {
        format!("{}.{:03} ms", n / 1_000_000, n % 1_000_000 / 1_000)
    } else {
        let ms_total = n / 1_000_000;
        let (secs, ms) = (ms_total / 1000, ms_total % 1000);
        let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
        if h > 0 {
            format!("{h} h {m} min {s}.{ms:03} s")
        } else if m > 0 {
            format!("{m} min {s}.{ms:03} s")
        } else {
            format!("{s}.{ms:03} s")
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1234567), "1,234,567");
    }

    #[test]
    fn nanos_read_well() {
        assert_eq!(nanos(0), "0 ns");
        assert_eq!(nanos(850), "850 ns");
        assert_eq!(nanos(1_250), "1.250 µs");
        assert_eq!(nanos(3_500_000), "3.500 ms");
        assert_eq!(nanos(12_345_000_000), "12.345 s");
        assert_eq!(nanos(125_000_000_000), "2 min 5.000 s");
        assert_eq!(nanos(3_725_000_000_000), "1 h 2 min 5.000 s");
        assert_eq!(nanos(-2_000), "-2.000 µs");
    }
}
