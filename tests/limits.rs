//! Numbers past what a machine can hold are refused up front (exit 2), and
//! memory that still runs out is exit 2 with a message, never SIGABRT.

mod common;

use common::{histcheck, scratch, text};

#[test]
fn numeric_options_are_range_checked() {
    let cases: &[&[&str]] = &[
        &["gen", "list-append", "--mops", "100000000"],
        &["gen", "list-append", "--keys", "100000000"],
        &["gen", "rw-register", "--max-writes-per-key", "100000000000"],
        &["gen", "list-append", "--txns", "4294967296"],
        &["gen", "trace", "--kind", "cluster", "--nodes", "100000000"],
        &["gen", "trace", "--steps", "1000000001"],
        &["elle", "fixtures/list-append-small.edn", "--explain", "18446744073709551615"],
        &["elle", "fixtures/list-append-small.edn", "-d", "x", "--max-plots", "10000000"],
        &["runs", "check", "--elle", "list-append", "--jobs", "100000000"],
        &["runs", "list", "--busy-timeout", "18446744073709551615"],
        &["ltl", "--samples", "100000000", "always true", "t.jsonl"],
    ];
    for args in cases {
        let o = histcheck().args(*args).output().unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("is not in") || err.contains("invalid value"), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}

/// `elle` on a history bigger than a 200 MB address space: exit 2 and the
/// message, not an abort.
#[test]
fn out_of_memory_is_exit_2_with_a_message() {
    let d = scratch("oom");
    let h = d.join("big.edn");
    let o = histcheck().args(["gen", "list-append", "--txns", "300000", "-o", h.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let cmd = format!("ulimit -v 200000; exec '{}' elle '{}'", env!("CARGO_BIN_EXE_histcheck"), h.display());
    let o = std::process::Command::new("sh").arg("-c").arg(cmd).output().unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "status {:?}: {err}", o.status);
    assert!(err.contains("error: out of memory: an allocation of"), "{err}");
    assert!(err.contains("raise the limit"), "{err}");
}
