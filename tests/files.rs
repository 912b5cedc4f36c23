//! What the CLI leaves on disk: interrupted writes (SIGINT/SIGTERM), the
//! `gen -o … --expect …` pair, `convert -o` through links, `elle -d DIR`.

mod common;

use common::{histcheck, scratch, text};
use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// Waits (up to a minute) until `dir` holds a file whose name contains `part`.
fn wait_for(dir: &Path, part: &str, child: &mut Child) {
    let t0 = Instant::now();
    loop {
        if listing(dir).iter().any(|n| n.contains(part)) {
            return;
        }
        if let Ok(Some(st)) = child.try_wait() {
            panic!("histcheck ended ({st}) before a file named *{part}* appeared in {}", dir.display());
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "no *{part}* in {} after a minute", dir.display());
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn kill(child: &Child, sig: &str) {
    let st = Command::new("kill").arg(format!("-{sig}")).arg(child.id().to_string()).status().unwrap();
    assert!(st.success());
}

/// A job long enough that a signal sent once its temporary file exists lands mid-write.
fn interrupted(dir: &Path, args: &[&str], part: &str, sig: &str) -> (Option<i32>, String) {
    let mut child = histcheck().args(args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    wait_for(dir, part, &mut child);
    kill(&child, sig);
    let out = child.wait_with_output().unwrap();
    (out.status.code(), text(&out.stderr))
}

// ---------------------------------------------------------------- item 4: signals

#[test]
fn gen_interrupted_leaves_no_temporary_file() {
    let d = scratch("gen-sigint");
    let out = d.join("big.edn");
    let o = out.to_str().unwrap();
    let (code, err) =
        interrupted(&d, &["gen", "list-append", "--txns", "50000000", "-o", o], ".big.edn.histcheck-", "INT");
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("interrupted"), "{err}");
    assert_eq!(listing(&d), Vec::<String>::new());
}

#[test]
fn convert_terminated_leaves_no_temporary_file() {
    let d = scratch("convert-sigterm");
    let src = d.join("in.edn");
    let o = histcheck().args(["gen", "list-append", "--txns", "200000", "-o", src.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // An old output stays as it was.
    let out = d.join("out.json");
    fs::write(&out, "old").unwrap();
    let args = ["convert", src.to_str().unwrap(), "--to", "json", "-o", out.to_str().unwrap()];
    let (code, err) = interrupted(&d, &args, ".out.json.histcheck-", "TERM");
    assert_eq!(code, Some(143), "{err}");
    assert_eq!(listing(&d), vec!["in.edn", "out.json"]);
    assert_eq!(fs::read_to_string(&out).unwrap(), "old");
}

#[test]
fn runs_import_interrupted_removes_the_new_store() {
    let d = scratch("import-sigint");
    let src = d.join("h.edn");
    let o = histcheck().args(["gen", "list-append", "--txns", "400000", "-o", src.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let db = d.join("new.db");
    let args = ["runs", "import", "--db", db.to_str().unwrap(), src.to_str().unwrap()];
    let (code, err) = interrupted(&d, &args, "new.db", "INT");
    assert_eq!(code, Some(130), "{err}");
    assert_eq!(listing(&d), vec!["h.edn"]);
}

// ---------------------------------------------------------------- item 5: both or neither

#[test]
fn gen_with_an_unwritable_sidecar_writes_no_history() {
    let d = scratch("gen-sidecar");
    let out = d.join("h.edn");
    let bad = d.join("missing").join("x.json");
    let o = histcheck()
        .args(["gen", "list-append", "--txns", "20", "-o", out.to_str().unwrap(), "--expect", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("was not written either"), "{}", text(&o.stderr));
    assert_eq!(listing(&d), Vec::<String>::new());
    // An old history with its old sidecar: both stay as they were.
    fs::write(&out, "old history").unwrap();
    fs::create_dir(d.join("ro")).unwrap();
    let o = histcheck()
        .args(["gen", "list-append", "--txns", "20", "-o", out.to_str().unwrap(), "--expect", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(fs::read_to_string(&out).unwrap(), "old history");
    assert_eq!(listing(&d), vec!["h.edn", "ro"]);
}

// ---------------------------------------------------------------- item 6: links

#[test]
fn convert_through_a_symlink_keeps_the_link() {
    let d = scratch("convert-link");
    let src = d.join("in.edn");
    let o = histcheck().args(["gen", "list-append", "--txns", "20", "-o", src.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    fs::write(d.join("target.json"), "old").unwrap();
    std::os::unix::fs::symlink("target.json", d.join("link.json")).unwrap();
    let o = histcheck()
        .args(["convert", src.to_str().unwrap(), "--to", "json", "-o", d.join("link.json").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(fs::symlink_metadata(d.join("link.json")).unwrap().file_type().is_symlink());
    assert!(fs::read_to_string(d.join("target.json")).unwrap().starts_with('['));
    assert_eq!(listing(&d), vec!["in.edn", "link.json", "target.json"]);
    // A hard link: OUT becomes a new file, the other name keeps the old content (documented).
    fs::write(d.join("a.json"), "old").unwrap();
    fs::hard_link(d.join("a.json"), d.join("b.json")).unwrap();
    let o = histcheck()
        .args(["convert", src.to_str().unwrap(), "--to", "json", "-o", d.join("a.json").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(fs::read_to_string(d.join("a.json")).unwrap().starts_with('['));
    assert_eq!(fs::read_to_string(d.join("b.json")).unwrap(), "old");
}

// ---------------------------------------------------------------- item 3: elle -d DIR

const CYCLES: &str = "fixtures/elle/la-14-unobserved-writes.edn";
const VALID: &str = "fixtures/list-append-small.edn";

/// Every path under `dir`, relative, sorted (links listed, never followed).
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            if e.file_type().unwrap().is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

fn elle_d(file: &str, dir: &Path, extra: &[&str]) -> std::process::Output {
    histcheck().args(["elle", file, "-c", "serializable", "-d", dir.to_str().unwrap()]).args(extra).output().unwrap()
}

#[test]
fn elle_d_replaces_an_earlier_output_whole() {
    let s = scratch("elle-d-stale");
    let d = s.join("out");
    let o = elle_d(CYCLES, &d, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(tree(&d).iter().any(|p| p == "G0.txt"), "{:?}", tree(&d));
    // A valid history into the same DIR: none of the earlier files stay.
    let o = elle_d(VALID, &d, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(tree(&d), vec![".histcheck-elle", "result.json"]);
    // No temporary directory is left beside it.
    assert_eq!(listing(&s), vec!["out"]);
}

#[test]
fn elle_d_refuses_a_foreign_directory_and_never_follows_links() {
    let s = scratch("elle-d-links");
    let d = s.join("out");
    fs::create_dir(&d).unwrap();
    fs::write(s.join("victim"), "precious").unwrap();
    std::os::unix::fs::symlink("../victim", d.join("result.json")).unwrap();
    let o = elle_d(VALID, &d, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--force"), "{}", text(&o.stderr));
    assert_eq!(fs::read_to_string(s.join("victim")).unwrap(), "precious");
    assert!(fs::symlink_metadata(d.join("result.json")).unwrap().file_type().is_symlink());
    // --force replaces the directory; the link's target is untouched.
    let o = elle_d(VALID, &d, &["--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(fs::read_to_string(s.join("victim")).unwrap(), "precious");
    assert!(fs::symlink_metadata(d.join("result.json")).unwrap().is_file());
    assert_eq!(listing(&s), vec!["out", "victim"]);
}

#[test]
fn elle_d_on_an_existing_file_says_so() {
    let s = scratch("elle-d-file");
    let f = s.join("taken");
    fs::write(&f, "x").unwrap();
    let o = elle_d(VALID, &f, &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("exists and is not a directory"), "{err}");
    assert!(!err.contains("os error 17"), "{err}");
    assert_eq!(fs::read_to_string(&f).unwrap(), "x");
}

#[test]
fn elle_d_caps_the_plots_and_names_a_missing_dot() {
    let s = scratch("elle-d-plots");
    let d = s.join("out");
    let empty = s.join("empty-path");
    fs::create_dir(&empty).unwrap();
    let o = histcheck()
        .env("PATH", &empty)
        .args(["elle", CYCLES, "-c", "serializable", "--max-plots", "1", "-d", d.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("dot is not on the PATH"), "{err}");
    assert!(err.contains("plotted 1 of 2 cycles"), "{err}");
    let dots: Vec<_> = tree(&d).into_iter().filter(|p| p.ends_with(".dot")).collect();
    assert_eq!(dots.len(), 1, "{dots:?}");
    let result: serde_json::Value = serde_json::from_slice(&fs::read(d.join("result.json")).unwrap()).unwrap();
    assert!(result["anomalies"]["G0"].is_array() && result["anomalies"]["G-single-item"].is_array(), "{result}");
}
