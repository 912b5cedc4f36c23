//! The output of `histcheck elle` stays linear in the size of its input
//! (issue 13, item 10): an anomaly refers to the op and the micro-op by
//! index instead of repeating the read list, so a read of n garbage (or
//! aborted) elements gives n small anomalies, not n copies of the list.

use std::path::Path;
use std::process::Command;

/// A read of `n` elements of key 0 that no op appended (garbage reads), or,
/// with `aborted`, that one failed transaction appended (G1a).
fn history(n: usize, aborted: bool) -> String {
    let list: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    let list = list.join(" ");
    let mut s = String::new();
    if aborted {
        let apps: Vec<String> = (0..n).map(|i| format!("[:append 0 {i}]")).collect();
        let apps = apps.join(" ");
        s.push_str(&format!("{{:index 0, :type :invoke, :process 0, :f :txn, :value [{apps}]}}\n"));
        s.push_str(&format!("{{:index 1, :type :fail, :process 0, :f :txn, :value [{apps}]}}\n"));
    } else {
        s.push_str("{:index 0, :type :invoke, :process 0, :f :txn, :value [[:append 1 99999]]}\n");
        s.push_str("{:index 1, :type :ok, :process 0, :f :txn, :value [[:append 1 99999]]}\n");
    }
    s.push_str("{:index 2, :type :invoke, :process 1, :f :txn, :value [[:r 0 nil]]}\n");
    s.push_str(&format!("{{:index 3, :type :ok, :process 1, :f :txn, :value [[:r 0 [{list}]]]}}\n"));
    s
}

/// Bytes of stdout of `histcheck elle ARGS FILE`, and its exit code.
fn run(dir: &Path, name: &str, text: &str, args: &[&str]) -> (usize, usize, i32) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_histcheck")).arg("elle").args(args).arg(&path).output().unwrap();
    (text.len(), out.stdout.len(), out.status.code().unwrap_or(-1))
}

#[test]
fn garbage_and_aborted_reads_give_output_linear_in_the_input() {
    let dir = std::env::temp_dir().join(format!("histcheck-output-size-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for aborted in [false, true] {
        for args in [&["--json"][..], &[][..]] {
            let mut ratios = Vec::new();
            for n in [500, 2000] {
                let (input, output, code) = run(&dir, &format!("h-{aborted}-{n}.edn"), &history(n, aborted), args);
                assert_eq!(code, 1, "invalid");
                ratios.push(output as f64 / input as f64);
                assert!(
                    output <= 64 * input + 4096,
                    "aborted {aborted}, {args:?}, n = {n}: {output} bytes of output for {input} of input"
                );
            }
            // Linear: the ratio does not grow with n (it would by 4x if quadratic).
            assert!(ratios[1] <= ratios[0] * 1.5, "aborted {aborted}, {args:?}: ratios {ratios:?}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
