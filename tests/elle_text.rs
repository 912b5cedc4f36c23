//! The human output of `histcheck elle` and the text files of `elle -d DIR`
//! (issue 13, items 10, 16, 3 and 17): long lists are cut to their ends with a
//! count of what was cut, so the text is linear in the input even with a
//! large `--explain`; input is quoted with unsafe characters escaped; no
//! progress is drawn when stderr is not a terminal; errors end with one newline.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("histcheck-elle-text-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn elle(args: &[&str], file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_histcheck")).arg("elle").args(args).arg(file).output().unwrap()
}

/// One committed read of key 0 with `n` elements that no op appended, by a
/// transaction that also appends `n` elements to key 1.
fn garbage(n: usize) -> String {
    let list: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    let list = list.join(" ");
    let apps: Vec<String> = (0..n).map(|i| format!("[:append 1 {i}]")).collect();
    let apps = apps.join(" ");
    let mut s = String::new();
    s.push_str("{:index 0, :type :invoke, :process 1, :f :txn, :value [[:r 0 nil]]}\n");
    s.push_str(&format!("{{:index 1, :type :ok, :process 1, :f :txn, :value [[:r 0 [{list}]] {apps}]}}\n"));
    s
}

fn dir_bytes(dir: &Path) -> usize {
    let mut total = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".txt") {
            total += std::fs::metadata(e.path()).unwrap().len() as usize;
        }
    }
    total
}

#[test]
fn text_output_of_a_long_garbage_read_is_linear_in_the_input() {
    let dir = tmp("linear");
    let (mut out_ratios, mut txt_ratios) = (Vec::new(), Vec::new());
    for n in [500, 2000] {
        let text = garbage(n);
        let path = dir.join(format!("g-{n}.edn"));
        std::fs::write(&path, &text).unwrap();
        let d = dir.join(format!("out-{n}"));
        let out = elle(&["--explain", "100000", "-d", d.to_str().unwrap()], &path);
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(stdout.contains("garbage-read"), "{stdout}");
        // Each garbage element is explained, the list cut with a count.
        assert!(stdout.contains(&format!("… {} more elements …", group(n - 16))), "{}", &stdout[..2000]);
        let txt = dir_bytes(&d);
        assert!(txt > 0);
        let input = text.len();
        assert!(stdout.len() <= 400 * input, "n = {n}: {} bytes of text for {input} of input", stdout.len());
        assert!(txt <= 400 * input, "n = {n}: {txt} bytes of .txt for {input} of input");
        out_ratios.push(stdout.len() as f64 / input as f64);
        txt_ratios.push(txt as f64 / input as f64);
    }
    // Linear: the ratio does not grow with n (it grows about 4x when quadratic).
    assert!(out_ratios[1] <= out_ratios[0] * 1.5, "stdout ratios {out_ratios:?}");
    assert!(txt_ratios[1] <= txt_ratios[0] * 1.5, ".txt ratios {txt_ratios:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `1234` → `1,234`, as histcheck writes counts.
fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn keys_and_values_from_the_input_are_escaped_in_text() {
    let dir = tmp("escape");
    // A key with an OSC sequence that would retitle a terminal, read with a
    // garbage element (and a G-single would quote it in a cycle too).
    let key = "\":\\u001b]0;pwned\\u0007\"";
    let text = format!(
        "[{{\"index\":0,\"type\":\"invoke\",\"process\":0,\"f\":\"txn\",\"value\":[[\"r\",{key},null]]}},\n\
         {{\"index\":1,\"type\":\"ok\",\"process\":0,\"f\":\"txn\",\"value\":[[\"r\",{key},[7]]]}}]\n"
    );
    let path = dir.join("osc.json");
    std::fs::write(&path, text).unwrap();
    let d = dir.join("out");
    let out = elle(&["-d", d.to_str().unwrap()], &path);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("garbage-read"));
    assert!(!out.stdout.contains(&0x1b), "raw ESC on stdout: {}", String::from_utf8_lossy(&out.stdout));
    assert!(!out.stdout.contains(&0x07), "raw BEL on stdout");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\\u{1b}]0;pwned\\u{7}"));
    let txt = std::fs::read(d.join("garbage-read.txt")).unwrap();
    assert!(!txt.contains(&0x1b), "raw ESC in garbage-read.txt");
    // --json is left to JSON's own escaping.
    let json = elle(&["--json"], &path);
    assert_eq!(json.status.code(), Some(1));
    assert!(!json.stdout.contains(&0x1b));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn no_progress_is_drawn_when_stderr_is_not_a_terminal() {
    let dir = tmp("progress");
    // 30 G-single cycles, each on its own pair of keys: 30 plots.
    let mut s = String::new();
    let mut i = 0;
    for c in 0..30 {
        let (x, y) = (2 * c, 2 * c + 1);
        for (p, v) in [(0, format!("[[:append {x} 1] [:r {y} nil]]")), (1, format!("[[:append {y} 1] [:r {x} nil]]"))] {
            s.push_str(&format!("{{:index {i}, :type :invoke, :process {p}, :f :txn, :value {v}}}\n"));
            i += 1;
        }
        for (p, v) in [(0, format!("[[:append {x} 1] [:r {y} nil]]")), (1, format!("[[:append {y} 1] [:r {x} nil]]"))] {
            s.push_str(&format!("{{:index {i}, :type :ok, :process {p}, :f :txn, :value {v}}}\n"));
            i += 1;
        }
    }
    let path = dir.join("cycles.edn");
    std::fs::write(&path, s).unwrap();
    let d = dir.join("out");
    let out = Command::new(env!("CARGO_BIN_EXE_histcheck"))
        .env("PATH", "") // no Graphviz: DOT files only, and a note saying so
        .arg("elle")
        .arg("-d")
        .arg(&d)
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains('\r') && !stderr.contains('\u{1b}'), "progress drawn on a pipe: {stderr:?}");
    for line in stderr.lines() {
        assert!(line.starts_with("note: ") || line.starts_with("warning: "), "unexpected stderr line {line:?}");
    }
    let mut plots = 0;
    for e in std::fs::read_dir(&d).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            plots += std::fs::read_dir(e.path())
                .unwrap()
                .filter(|f| f.as_ref().unwrap().path().extension().is_some_and(|x| x == "dot"))
                .count();
        }
    }
    assert!(plots >= 30, "{plots} plots");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn errors_for_a_history_without_transactions_end_with_one_newline() {
    let dir = tmp("newline");
    let cases = [
        ("mutex.edn", "{:index 0, :type :invoke, :f :acquire, :process 0}\n{:index 1, :type :ok, :f :acquire, :process 0}\n"),
        ("mutex.json", "[{\"index\":0,\"type\":\"invoke\",\"f\":\"acquire\",\"process\":0},{\"index\":1,\"type\":\"ok\",\"f\":\"acquire\",\"process\":0}]\n"),
        ("empty.edn", ""),
        ("nemesis.edn", "{:index 0, :type :info, :f :kill, :process :nemesis}\n"),
    ];
    for (name, text) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        for args in [&[][..], &["--json"][..]] {
            let out = elle(args, &path);
            assert_eq!(out.status.code(), Some(2), "{name}");
            let err = String::from_utf8(out.stderr).unwrap();
            assert!(err.contains("no transactions") || err.contains("no client transactions"), "{name}: {err}");
            assert!(err.ends_with('\n') && !err.ends_with("\n\n"), "{name} {args:?}: {err:?}");
            assert!(err.lines().all(|l| !l.trim().is_empty()), "{name}: blank line in {err:?}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
