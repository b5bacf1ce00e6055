//! Inputs: files, directories (walked, etcd logs recognised by content), stdin; gzip
//! detected by magic bytes (multi-member); lines read as bytes with a length bound.

use crate::error::InputError;
use flate2::bufread::MultiGzDecoder;
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

/// Longest line raftlog keeps; the rest of a longer line is skipped and counted.
pub const MAX_LINE: usize = 4 << 20;

/// One thing to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file on disk.
    Path(PathBuf),
    /// Standard input.
    Stdin,
}

impl Source {
    /// Name shown in reports: the path as given, or `<stdin>`.
    pub fn name(&self) -> String {
        match self {
            Source::Path(p) => p.display().to_string(),
            Source::Stdin => "<stdin>".to_string(),
        }
    }
}

/// An opened input.
pub struct Opened {
    /// Decompressed byte stream.
    pub reader: Box<dyn BufRead + Send>,
    /// File modification time (for year-less lines).
    pub mtime: Option<SystemTime>,
    /// Whether the input was gzip.
    pub gzip: bool,
    /// Size on disk of a regular file.
    pub size: Option<u64>,
}

/// Adds the bytes read to a shared counter (progress of the whole run).
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Standard input read directly from its file descriptor (large reads, no lock and no
/// second buffer per read), or through `Stdin` where it cannot be duplicated.
fn stdin_reader() -> Box<dyn Read + Send> {
    use std::os::fd::AsFd;
    match io::stdin().as_fd().try_clone_to_owned() {
        Ok(fd) => Box::new(File::from(fd)),
        Err(_) => Box::new(io::stdin()),
    }
}

/// Open a source, sniffing gzip by magic bytes.
pub fn open(src: &Source) -> Result<Opened, InputError> {
    open_counted(src, None)
}

/// Open a source; bytes read from it (before decompression) are added to `count`.
pub fn open_counted(src: &Source, count: Option<Arc<AtomicU64>>) -> Result<Opened, InputError> {
    let (raw, mtime, size): (Box<dyn Read + Send>, Option<SystemTime>, Option<u64>) = match src {
        Source::Stdin => (stdin_reader(), None, None),
        Source::Path(p) => {
            let f = File::open(p).map_err(|e| InputError::open(p, e))?;
            let md = f.metadata().map_err(|e| InputError::open(p, e))?;
            if md.is_dir() {
                return Err(InputError::IsDir(p.clone()));
            }
            let size = md.is_file().then_some(md.len());
            (Box::new(f), md.modified().ok(), size)
        }
    };
    let raw: Box<dyn Read + Send> = match count {
        Some(count) => Box::new(Counting { inner: raw, count }),
        None => raw,
    };
    let mut br = BufReader::with_capacity(256 * 1024, raw);
    let head = br.fill_buf().map_err(|e| InputError::read(src, e))?;
    let gzip = head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b;
    let reader: Box<dyn BufRead + Send> = if gzip {
        Box::new(BufReader::with_capacity(
            256 * 1024,
            MultiGzDecoder::new(br),
        ))
    } else {
        Box::new(br)
    };
    Ok(Opened {
        reader,
        mtime,
        gzip,
        size,
    })
}

/// Read one line into `buf` (without the newline), keeping at most `max` bytes.
/// Returns `Ok(None)` at end of input, `Ok(Some(truncated))` otherwise.
pub fn read_line(r: &mut dyn BufRead, buf: &mut Vec<u8>, max: usize) -> io::Result<Option<bool>> {
    buf.clear();
    let mut truncated = false;
    let mut any = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(if any { Some(truncated) } else { None });
        }
        any = true;
        match memchr::memchr(b'\n', avail) {
            Some(i) => {
                let room = max.saturating_sub(buf.len());
                if i > room {
                    truncated = true;
                }
                buf.extend_from_slice(&avail[..i.min(room)]);
                r.consume(i + 1);
                return Ok(Some(truncated));
            }
            None => {
                let n = avail.len();
                let room = max.saturating_sub(buf.len());
                if n > room {
                    truncated = true;
                }
                buf.extend_from_slice(&avail[..n.min(room)]);
                r.consume(n);
            }
        }
    }
}

/// Expand command-line arguments into sources: `-` is stdin, directories are walked
/// (sorted; hidden entries skipped; symlink loops broken) and their files kept when
/// they look like etcd logs. Errors are returned beside the sources found.
pub fn expand(args: &[String]) -> (Vec<Source>, Vec<InputError>) {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for a in args {
        if a == "-" {
            out.push(Source::Stdin);
            continue;
        }
        let p = PathBuf::from(a);
        match std::fs::metadata(&p) {
            Ok(md) if md.is_dir() => {
                let (files, e) = walk_files(&p);
                errs.extend(e);
                let before = out.len();
                out.extend(
                    files
                        .into_iter()
                        .filter(|f| looks_like_etcd_log(f))
                        .map(Source::Path),
                );
                if out.len() == before {
                    errs.push(InputError::NoLogsInDir(p));
                }
            }
            Ok(_) => out.push(Source::Path(p)),
            Err(e) => errs.push(InputError::open(&p, e)),
        }
    }
    // the same file named twice (e.g. a file and its directory) is read once
    let mut seen = HashSet::new();
    out.retain(|s| match s {
        Source::Path(p) => seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())),
        Source::Stdin => true,
    });
    (out, errs)
}

/// Every regular file below `dir`, depth first in sorted order; hidden entries are
/// skipped and symlink loops walked once. Errors (unreadable entries, dangling links) are
/// returned beside the files. Shared by the log and the metrics inputs, which then keep
/// the files they recognise by content.
pub fn walk_files(dir: &Path) -> (Vec<PathBuf>, Vec<InputError>) {
    fn walk(
        dir: &Path,
        depth: usize,
        seen: &mut HashSet<PathBuf>,
        out: &mut Vec<PathBuf>,
        errs: &mut Vec<InputError>,
    ) {
        if depth > 32 {
            return;
        }
        let canon = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if !seen.insert(canon) {
            return;
        }
        let rd = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                errs.push(InputError::open(dir, e));
                return;
            }
        };
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            match std::fs::metadata(&p) {
                Ok(md) if md.is_dir() => walk(&p, depth + 1, seen, out, errs),
                Ok(md) if md.is_file() => out.push(p),
                Ok(_) => {}
                Err(e) => errs.push(InputError::open(&p, e)),
            }
        }
    }
    let mut out = Vec::new();
    let mut errs = Vec::new();
    walk(dir, 0, &mut HashSet::new(), &mut out, &mut errs);
    (out, errs)
}

/// Content sniffing for directory walks: the first 256 KiB (decompressed) hold an etcd
/// record of a known format with an etcd-specific word in it.
pub fn looks_like_etcd_log(p: &Path) -> bool {
    let Ok(mut o) = open(&Source::Path(p.to_path_buf())) else {
        return false;
    };
    let mut buf = Vec::new();
    let mut total = 0usize;
    let st = crate::parse::envelope::EnvState::new(crate::time::current_year());
    for _ in 0..2000 {
        match read_line(o.reader.as_mut(), &mut buf, 64 * 1024) {
            Ok(Some(_)) => {}
            _ => break,
        }
        total += buf.len() + 1;
        if crate::parse::may_matter(&buf) {
            let info = crate::parse::parse_line(&buf, &st);
            if info.format.is_some()
                && matches!(
                    info.class,
                    crate::parse::LineClass::Events | crate::parse::LineClass::UnknownRaft
                )
            {
                return true;
            }
        }
        if total > 256 * 1024 {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_lines() {
        let data = b"short\nthis line is long\nend".to_vec();
        let mut r: &[u8] = &data;
        let mut buf = Vec::new();
        assert_eq!(read_line(&mut r, &mut buf, 8).unwrap(), Some(false));
        assert_eq!(buf, b"short");
        assert_eq!(read_line(&mut r, &mut buf, 8).unwrap(), Some(true));
        assert_eq!(buf, b"this lin");
        assert_eq!(read_line(&mut r, &mut buf, 8).unwrap(), Some(false));
        assert_eq!(buf, b"end");
        assert_eq!(read_line(&mut r, &mut buf, 8).unwrap(), None);
    }
}
