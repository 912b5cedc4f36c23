//! What the workspace's tests share (a dev-dependency only).
//!
//! - [`corpus`]: the public histories in `../shared/corpus` beside the
//!   repository. A test that needs them and finds them absent is skipped with a
//!   note locally, but fails under CI (`CI` set, as CI services do): a test
//!   never passes by skipping there.
//! - [`cases`]: a property test's case count, scaled by `PROPTEST_CASES`.

#![forbid(unsafe_code)]

use std::path::PathBuf;

/// proptest's own default case count, the unit `PROPTEST_CASES` is read against.
pub const PROPTEST_DEFAULT_CASES: u32 = 256;

/// Whether the tests run under CI: `CI` is set to anything but ``, `0` or
/// `false` (GitHub Actions, GitLab and most others set `CI=true`).
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "FALSE" | "False"))
}

/// The shared corpus directory, `../shared/corpus` beside the repository.
pub fn corpus_dir() -> PathBuf {
    // This crate is a directory of the repository: two levels up is the repository's parent.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

/// `corpus_dir()/sub` when it exists. When it does not, `test` (the test's
/// name) is named on stderr and the caller skips, except under CI, where a
/// missing corpus fails the test: CI must check what the test claims to check.
#[track_caller]
pub fn corpus(test: &str, sub: &str) -> Option<PathBuf> {
    present_or_skip(test, corpus_dir().join(sub), under_ci())
}

#[track_caller]
fn present_or_skip(test: &str, dir: PathBuf, ci: bool) -> Option<PathBuf> {
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        !ci,
        "{test}: the corpus {} is absent, and under CI a test may not pass by skipping; put ../shared/corpus beside the repository",
        dir.display()
    );
    eprintln!("note: {test}: {} is absent; skipped (this fails under CI=true)", dir.display());
    None
}

/// A property test's case count: `default` as written, scaled by
/// `PROPTEST_CASES / 256` when that variable is set (256 is proptest's own
/// default, so `PROPTEST_CASES=2560` runs every property test ten times as
/// long, `PROPTEST_CASES=26` a tenth), and never below 1. proptest reads the
/// variable only when a test keeps its default count; an explicit
/// `ProptestConfig { cases: n, .. }` or `with_cases(n)` ignores it, so every
/// property test of this workspace takes its count from here.
pub fn cases(default: u32) -> u32 {
    scale(default, std::env::var("PROPTEST_CASES").ok().as_deref())
}

fn scale(default: u32, env: Option<&str>) -> u32 {
    match env.and_then(|v| v.trim().parse::<u64>().ok()) {
        Some(n) => (u64::from(default) * n / u64::from(PROPTEST_DEFAULT_CASES)).clamp(1, u64::from(u32::MAX)) as u32,
        None => default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_corpus_is_skipped_locally() {
        assert_eq!(present_or_skip("t", PathBuf::from("/no/such/corpus"), false), None);
        let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(present_or_skip("t", here.clone(), true), Some(here));
    }

    #[test]
    #[should_panic(expected = "under CI a test may not pass by skipping")]
    fn a_missing_corpus_fails_under_ci() {
        present_or_skip("t", PathBuf::from("/no/such/corpus"), true);
    }

    /// Every `proptest_config` of the workspace takes its count from [`cases`]
    /// (or keeps proptest's default, which reads `PROPTEST_CASES` itself).
    #[test]
    fn every_property_test_honours_proptest_cases() {
        fn rs_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                if p.is_dir() && name != "target" && !name.starts_with('.') {
                    rs_files(&p, out);
                } else if name.ends_with(".rs") {
                    out.push(p);
                }
            }
        }
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        rs_files(&root, &mut files);
        let mut seen = 0;
        let mut bad = Vec::new();
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            for (i, line) in text.lines().enumerate() {
                let t = line.trim_start();
                if t.starts_with("#![proptest_config(") || t.starts_with("#[proptest_config(") {
                    seen += 1;
                    if !line.contains("testkit::cases(") && !line.contains("(ProptestConfig::default())") {
                        bad.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
                    }
                }
            }
        }
        assert!(seen > 10, "found only {seen} proptest configs under {}", root.display());
        assert!(bad.is_empty(), "property tests whose count ignores PROPTEST_CASES:\n{}", bad.join("\n"));
    }

    #[test]
    fn cases_scale_with_proptest_cases() {
        assert_eq!(scale(300, None), 300);
        assert_eq!(scale(300, Some("256")), 300);
        assert_eq!(scale(300, Some("2560")), 3000);
        assert_eq!(scale(300, Some("0")), 1);
        assert_eq!(scale(12, Some("1")), 1);
        assert_eq!(scale(256, Some("1000")), 1000);
        assert_eq!(scale(64, Some("not a number")), 64);
    }
}
