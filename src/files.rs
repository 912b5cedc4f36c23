//! Writing output files without losing what was there: a temporary file in the
//! same directory, renamed over the target only once everything was written.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::cleanup::{self, Registered};

/// Whether two paths name one file (by any path: `./`, symlinks, hard links).
pub fn same_file(a: &Path, b: &Path) -> bool {
    if let (Ok(ca), Ok(cb)) = (fs::canonicalize(a), fs::canonicalize(b)) {
        if ca == cb {
            return true;
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(ma), Ok(mb)) = (fs::metadata(a), fs::metadata(b)) {
            return ma.dev() == mb.dev() && ma.ino() == mb.ino();
        }
    }
    false
}

/// A new, empty file `.BASE.histcheck-PID-N.tmp` in `dir`, never an existing one.
pub fn create_temp(dir: &Path, base: &str) -> io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    let mut n = 0u32;
    loop {
        let p = dir.join(format!(".{base}.histcheck-{pid}-{n}.tmp"));
        match OpenOptions::new().write(true).create_new(true).open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    }
}

/// An output written in full to a temporary file beside its target (or, for a
/// target that is not a regular file, such as a FIFO or /dev/null, written
/// directly): [`commit`] renames it into place. Dropped uncommitted, the
/// temporary file is removed. An interrupt removes it too ([`crate::cleanup`]).
pub struct Staged {
    /// The temporary file and its target; `None` when written directly.
    tmp: Option<(PathBuf, PathBuf)>,
    _reg: Option<Registered>,
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some((tmp, _)) = &self.tmp {
            let _ = fs::remove_file(tmp);
        }
    }
}

/// Writes what `write` produces for `path` into a temporary file in the
/// directory of `path` (of its target, for a symlink: the link is kept and its
/// target replaced, with its permissions). A hard link is not kept: `path`
/// becomes a new file and the other names keep the old content.
pub fn stage(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<Staged> {
    let meta = fs::metadata(path).ok();
    if let Some(m) = &meta {
        if !m.is_file() {
            let mut f = OpenOptions::new().write(true).open(path)?;
            write(&mut f)?;
            return Ok(Staged { tmp: None, _reg: None });
        }
    }
    let target: PathBuf = if meta.is_some() { fs::canonicalize(path)? } else { path.to_path_buf() };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let (tmp_path, mut tmp): (PathBuf, File) = create_temp(&dir, &base)?;
    let reg = cleanup::register(tmp_path.clone());
    let staged = Staged { tmp: Some((tmp_path.clone(), target)), _reg: Some(reg) };
    write(&mut tmp)?;
    tmp.sync_all()?;
    if let Some(m) = &meta {
        fs::set_permissions(&tmp_path, m.permissions())?;
    }
    Ok(staged)
}

/// Renames every staged file into place: all of them or none. When a rename
/// fails, the targets already replaced get their old content back (kept as a
/// hard link, or a copy, until all renames are done) or, if new, are removed.
pub fn commit(staged: Vec<Staged>) -> io::Result<()> {
    let _hold = cleanup::hold();
    // (backup of the old target, if any; the target) for each rename done.
    let mut done: Vec<(Option<PathBuf>, PathBuf)> = Vec::new();
    let mut result = Ok(());
    for s in &staged {
        let Some((tmp, target)) = &s.tmp else { continue };
        let backup = if staged.len() > 1 && fs::symlink_metadata(target).is_ok() {
            match keep_old(target) {
                Ok(b) => Some(b),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        } else {
            None
        };
        match fs::rename(tmp, target) {
            Ok(()) => done.push((backup, target.clone())),
            Err(e) => {
                if let Some(b) = backup {
                    let _ = fs::remove_file(b);
                }
                result = Err(e);
                break;
            }
        }
    }
    for (backup, target) in done {
        match (&result, backup) {
            (Ok(()), Some(b)) => {
                let _ = fs::remove_file(b);
            }
            (Ok(()), None) => {}
            (Err(_), Some(b)) => {
                let _ = fs::rename(b, &target);
            }
            (Err(_), None) => {
                let _ = fs::remove_file(&target);
            }
        }
    }
    result
}

/// A second name (a hard link, else a copy) for the current content of `target`.
fn keep_old(target: &Path) -> io::Result<PathBuf> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let (b, f) = create_temp(&dir, &format!("{base}.old"))?;
    drop(f);
    fs::remove_file(&b)?;
    if fs::hard_link(target, &b).is_err() {
        fs::copy(target, &b)?;
    }
    Ok(b)
}

/// Writes `path` through a temporary file in its directory and a rename, so a
/// failed write leaves `path` as it was (see [`stage`] for links and special files).
pub fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    commit(vec![stage(path, write)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The second rename fails (its target became a directory): the first
    /// target gets its old content back, and a new one is removed.
    #[test]
    fn commit_is_all_or_nothing() {
        let d = std::env::temp_dir().join(format!("histcheck-commit-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        let (a, b, c) = (d.join("a"), d.join("b"), d.join("c"));
        fs::write(&a, "old a").unwrap();
        let sa = stage(&a, |w| w.write_all(b"new a")).unwrap();
        let sc = stage(&c, |w| w.write_all(b"new c")).unwrap();
        let sb = stage(&b, |w| w.write_all(b"new b")).unwrap();
        fs::create_dir(&b).unwrap();
        fs::write(b.join("x"), "").unwrap();
        assert!(commit(vec![sa, sc, sb]).is_err());
        assert_eq!(fs::read_to_string(&a).unwrap(), "old a");
        assert!(!c.exists());
        let mut names: Vec<_> = fs::read_dir(&d).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        assert_eq!(names, ["a", "b"]);
        fs::remove_dir_all(&d).unwrap();
    }
}
