//! `--output FILE`: write a report without destroying what the path names.
//!
//! - A regular file (or a symbolic link to one) is replaced atomically: the report goes to
//!   a temporary file next to the *target* and is renamed over it only when complete, so
//!   an interrupted run leaves the old file, and a link stays a link. The new file keeps
//!   the old one's permissions (and owner, when raftlog may set it).
//! - A device, FIFO or other non-regular file is opened and written in place: renaming
//!   over `/dev/null` would replace the device node with a regular file.
//! - A path that does not exist is created the same atomic way; a dangling link is
//!   refused rather than guessed at.
//! - A path that is one of the files being read is refused before anything is read
//!   ([`check_not_input`]): the report would overwrite the evidence.
//!
//! Files are compared by device and inode, not by path text, so `./n1.log`, a hard link
//! or a symbolic link to an input are all recognised.

use crate::input;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The device and inode of a path's final target (symbolic links followed).
fn identity(p: &Path) -> Option<(u64, u64)> {
    fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
}

/// Refuse an output path that is one of the files the run reads: an input named on the
/// command line, a file an input directory holds (the files a walk would read), or
/// standard input redirected from it. `inputs` are the arguments as given (`-` is
/// standard input; none means standard input too).
pub fn check_not_input(output: &str, inputs: &[&str]) -> Result<(), String> {
    let out = Path::new(output);
    let Ok(md) = fs::metadata(out) else {
        return Ok(()); // nothing there yet: nothing to overwrite
    };
    if !md.is_file() {
        return Ok(()); // devices and FIFOs are written in place, never replaced
    }
    let id = Some((md.dev(), md.ino()));
    let refuse = |what: String| {
        Err(format!(
            "--output {output} is {what}: the report would overwrite what it reads; write it elsewhere"
        ))
    };
    if (inputs.is_empty() || inputs.contains(&"-")) && identity(Path::new("/dev/stdin")) == id {
        return refuse("standard input".into());
    }
    for a in inputs.iter().filter(|a| **a != "-") {
        let p = Path::new(a);
        if identity(p) == id {
            return refuse(format!("the input {a}"));
        }
        if p.is_dir() {
            let (files, _) = input::walk_files(p);
            if let Some(f) = files.iter().find(|f| identity(f) == id) {
                return refuse(format!("{} in the input directory {a}", f.display()));
            }
        }
    }
    Ok(())
}

/// Write `body`'s output to `path` as the module documentation says.
pub fn write_with(
    path: &str,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let p = Path::new(path);
    match fs::metadata(p) {
        Ok(m) if m.is_dir() => Err(io::Error::other("is a directory")),
        Ok(m) if !m.is_file() => in_place(p, body),
        Ok(m) => replace(&fs::canonicalize(p)?, Some(&m), body),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if fs::symlink_metadata(p).is_ok() {
                return Err(io::Error::other(
                    "a symbolic link to nothing: give the file it should point to",
                ));
            }
            replace(p, None, body)
        }
        Err(e) => Err(e),
    }
}

/// Devices, FIFOs: open the existing node for writing (no create, no truncate) and write.
fn in_place(p: &Path, body: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let f = OpenOptions::new().write(true).open(p)?;
    let mut w = BufWriter::new(f);
    body(&mut w)?;
    w.flush()
}

/// Write to a new temporary file beside `target`, then rename it over `target`.
fn replace(
    target: &Path,
    old: Option<&fs::Metadata>,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let (tmp, f) = create_temp(target)?;
    crate::interrupt::remove_on_interrupt(Some(tmp.clone()));
    let result = (|| {
        if let Some(m) = old {
            // the report takes the old file's place: keep who may read it
            f.set_permissions(m.permissions())?;
            let _ = std::os::unix::fs::fchown(&f, Some(m.uid()), Some(m.gid()));
        }
        let mut w = BufWriter::new(f);
        body(&mut w)?;
        w.flush()?;
        w.get_ref().sync_all()?;
        drop(w);
        fs::rename(&tmp, target)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    crate::interrupt::remove_on_interrupt(None);
    result
}

/// A temporary file of our own beside `target`: created exclusively, so an existing file
/// or link of that name is never followed, truncated or later removed.
fn create_temp(target: &Path) -> io::Result<(PathBuf, File)> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let base = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("report");
    let mut last = None;
    for n in 0..100 {
        let tmp = dir.join(format!(".{base}.raftlog-{}-{n}.tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no temporary file name free")))
}
