//! What an interrupted command must not leave behind. Temporary files and
//! directories (and a store `runs import` created) are registered while they
//! exist; on SIGINT or SIGTERM a watcher thread removes every registered path
//! and exits with 128 + the signal (130, 143), as a shell reports a killed
//! command. Renames into place run under [`hold`], so a signal waits for them
//! to finish and never lands between the two renames of `gen -o … --expect …`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

static PENDING: Mutex<Vec<(u64, PathBuf)>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

fn pending() -> MutexGuard<'static, Vec<(u64, PathBuf)>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// A path to remove on a signal, for as long as this value lives.
pub struct Registered(u64);

impl Drop for Registered {
    fn drop(&mut self) {
        pending().retain(|(id, _)| *id != self.0);
    }
}

/// Removes `path` (a file, or a directory with what is in it; links are removed,
/// never followed) if the process is interrupted before the result is dropped.
pub fn register(path: PathBuf) -> Registered {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    pending().push((id, path));
    Registered(id)
}

/// Holds off the signal watcher: renames done while the guard lives finish
/// before an interrupt removes anything.
pub fn hold() -> MutexGuard<'static, Vec<(u64, PathBuf)>> {
    pending()
}

fn remove(p: &std::path::Path) {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => {
            let _ = std::fs::remove_dir_all(p);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(p);
        }
        Err(_) => {}
    }
}

/// Starts the watcher. Without it (the signals cannot be hooked) the default
/// action stays: the process dies and what it registered is left.
pub fn install() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else { return };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let list = pending();
            for (_, p) in list.iter() {
                remove(p);
            }
            let name = if sig == SIGINT { "interrupted (SIGINT)" } else { "terminated (SIGTERM)" };
            let removed = if list.is_empty() { "" } else { "; removed its temporary files" };
            eprintln!("histcheck: {name}{removed}");
            std::process::exit(128 + sig);
        }
    });
}
