//! Writing output files without losing what was there: a temporary file in the
//! same directory, renamed over the target only once everything was written.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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

/// Writes `path` through a temporary file in its directory and a rename, so a
/// failed write leaves `path` as it was. A symlink keeps its link: its target is
/// replaced, with its permissions. An existing path that is not a regular file (a
/// FIFO, /dev/null) is written directly, never renamed over.
pub fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let meta = fs::metadata(path).ok();
    if let Some(m) = &meta {
        if !m.is_file() {
            let mut f = OpenOptions::new().write(true).open(path)?;
            return write(&mut f);
        }
    }
    let target: PathBuf = if meta.is_some() { fs::canonicalize(path)? } else { path.to_path_buf() };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let (tmp_path, mut tmp): (PathBuf, File) = create_temp(&dir, &base)?;
    let result = (|| {
        write(&mut tmp)?;
        tmp.sync_all()?;
        if let Some(m) = &meta {
            fs::set_permissions(&tmp_path, m.permissions())?;
        }
        fs::rename(&tmp_path, &target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp_path);
    }
    result
}
