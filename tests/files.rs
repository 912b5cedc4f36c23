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
