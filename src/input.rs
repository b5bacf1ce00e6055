//! Inputs: files, directories (walked, etcd logs recognised by content), stdin; gzip
//! detected by magic bytes (multi-member); UTF-16 (with a BOM, or told by its NULs) and
//! a UTF-8 BOM decoded and terminal escape sequences removed, so the line pipeline only
//! ever sees UTF-8 text; lines read as bytes with a length bound.

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
    /// A file inside a support-bundle archive, streamed from it (never unpacked).
    Member {
        /// The archive on disk.
        archive: PathBuf,
        /// The file's path inside the archive.
        path: String,
    },
}

impl Source {
    /// Name shown in reports: the path as given, or `<stdin>`.
    pub fn name(&self) -> String {
        match self {
            Source::Path(p) => p.display().to_string(),
            Source::Stdin => "<stdin>".to_string(),
            Source::Member { archive, path } => format!("{}:{path}", archive.display()),
        }
    }
}

/// An opened input.
pub struct Opened {
    /// Decompressed, decoded byte stream (UTF-8, escape sequences removed).
    pub reader: Box<dyn BufRead + Send>,
    /// File modification time (for year-less lines).
    pub mtime: Option<SystemTime>,
    /// Whether the input was gzip.
    pub gzip: bool,
    /// Size on disk of a regular file.
    pub size: Option<u64>,
    /// Text encoding found at the start of the (decompressed) input.
    pub encoding: Encoding,
    /// Terminal escape sequences removed so far from the input.
    pub escapes: Arc<AtomicU64>,
    /// A whole-document export (`_search` response, Grafana CSV) read record by record.
    pub export: Option<crate::export::Export>,
}

/// Text encoding of an input, told by its first bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (or bytes that are not text) without a byte order mark.
    #[default]
    Utf8,
    /// UTF-8 behind a byte order mark (Windows editors, PowerShell 7 `Out-File`).
    Utf8Bom,
    /// UTF-16 little endian: PowerShell 5's `>` writes it, with a BOM and CRLF.
    Utf16Le,
    /// UTF-16 big endian.
    Utf16Be,
}

impl Encoding {
    /// Name in `inputs[].wrappers`; None for plain UTF-8.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Encoding::Utf8 => None,
            Encoding::Utf8Bom => Some("utf-8-bom"),
            Encoding::Utf16Le => Some("utf-16le"),
            Encoding::Utf16Be => Some("utf-16be"),
        }
    }

    /// The encoding of a stream starting with `head`: a byte order mark, or UTF-16
    /// without one when its first line is ASCII with a NUL in every other byte (an etcd
    /// line starts with ASCII, and ASCII text never holds NULs).
    pub fn sniff(head: &[u8]) -> Encoding {
        match head {
            [0xef, 0xbb, 0xbf, ..] => Encoding::Utf8Bom,
            [0xff, 0xfe, ..] => Encoding::Utf16Le,
            [0xfe, 0xff, ..] => Encoding::Utf16Be,
            _ => Self::sniff_bomless(head),
        }
    }

    fn sniff_bomless(head: &[u8]) -> Encoding {
        let (mut le, mut be, mut units) = (true, true, 0);
        for u in head[..head.len().min(512)].chunks_exact(2) {
            le &= u[0] != 0 && u[1] == 0;
            be &= u[0] == 0 && u[1] != 0;
            if !le && !be {
                return Encoding::Utf8;
            }
            units += 1;
            if u == b"\n\0" || u == b"\0\n" {
                break;
            }
        }
        match (units >= 8, le, be) {
            (true, true, _) => Encoding::Utf16Le,
            (true, _, true) => Encoding::Utf16Be,
            _ => Encoding::Utf8,
        }
    }
}

/// Where [`StripEscapes`] is within a terminal escape sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seq {
    /// Plain text.
    Text,
    /// After ESC.
    Escape,
    /// Control sequence (`ESC [` parameters, intermediates, final byte): SGR colour and
    /// cursor movement.
    Csi,
    /// `ESC` + intermediate bytes (character set selection), up to a final byte.
    Intermediate,
    /// Control string (`ESC ]` OSC window title or hyperlink, `ESC P` DCS, ...), up to
    /// BEL or `ESC \\`.
    String,
    /// ESC inside a control string: `\\` ends it, anything else starts a new sequence.
    StringEscape,
}

const ESC: u8 = 0x1b;

/// Removes terminal escape sequences from a byte stream: logs that went through a
/// colouring tool (`ccze`, `grc`, a pager, `stern`) carry SGR colour codes around words,
/// which would hide every line from the parsers. A sequence never takes a newline: a
/// broken one ends at the end of its line. Chunks without ESC cost one `memchr`.
pub struct StripEscapes<R> {
    inner: R,
    state: Seq,
    removed: Arc<AtomicU64>,
}

impl<R: Read> StripEscapes<R> {
    /// Wrap `inner`; the number of sequences removed is added to `removed`.
    pub fn new(inner: R, removed: Arc<AtomicU64>) -> Self {
        StripEscapes {
            inner,
            state: Seq::Text,
            removed,
        }
    }

    /// Next state after byte `b`, and whether `b` is text to keep.
    fn step(&mut self, b: u8) -> bool {
        let state = match (self.state, b) {
            // `ESC \\` (string terminator): the backslash is a final byte
            (Seq::StringEscape, b'\\') => Seq::Intermediate,
            (Seq::StringEscape, _) => Seq::Escape,
            (s, _) => s,
        };
        let (next, keep) = match (state, b) {
            (Seq::Text, ESC) => (Seq::Escape, false),
            (Seq::Text, _) => (Seq::Text, true),
            (Seq::Escape, b'[') => (Seq::Csi, false),
            (Seq::Escape, b']' | b'P' | b'X' | b'^' | b'_') => (Seq::String, false),
            (Seq::Escape, 0x20..=0x2f) => (Seq::Intermediate, false),
            (Seq::Csi, 0x20..=0x3f) | (Seq::Intermediate, 0x20..=0x2f) => (state, false),
            (Seq::Escape | Seq::Intermediate, 0x30..=0x7e) | (Seq::Csi, 0x40..=0x7e) => {
                (Seq::Text, false)
            }
            (Seq::String, 0x07) => (Seq::Text, false),
            (Seq::String, ESC) => (Seq::StringEscape, false),
            (Seq::String, b) if b != b'\n' => (Seq::String, false),
            // a broken sequence ends here; the byte is text, or starts a new sequence
            (_, ESC) => (Seq::Escape, false),
            _ => (Seq::Text, true),
        };
        if self.state != Seq::Text && next == Seq::Text {
            self.removed.fetch_add(1, Ordering::Relaxed);
        }
        self.state = next;
        keep
    }

    /// Remove the sequences from `buf` in place; returns the length kept.
    fn strip(&mut self, buf: &mut [u8]) -> usize {
        let (mut r, mut w) = (0, 0);
        while r < buf.len() {
            if self.state == Seq::Text {
                let Some(i) = memchr::memchr(ESC, &buf[r..]) else {
                    buf.copy_within(r.., w);
                    w += buf.len() - r;
                    break;
                };
                buf.copy_within(r..r + i, w);
                w += i;
                r += i;
            }
            let b = buf[r];
            r += 1;
            if self.step(b) {
                buf[w] = b;
                w += 1;
            }
        }
        w
    }
}

impl<R: Read> Read for StripEscapes<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.inner.read(buf)?;
            if n == 0 || (self.state == Seq::Text && memchr::memchr(ESC, &buf[..n]).is_none()) {
                return Ok(n);
            }
            // a read made only of escape bytes must not look like the end of input
            let kept = self.strip(&mut buf[..n]);
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
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
        Source::Member { archive, path } => {
            let m = crate::bundle::open_member(archive, path)?;
            (m.reader, m.mtime, None)
        }
    };
    let raw: Box<dyn Read + Send> = match count {
        Some(count) => Box::new(Counting { inner: raw, count }),
        None => raw,
    };
    let mut opened = decode(src, raw)?;
    opened.mtime = mtime;
    opened.size = size;
    Ok(opened)
}

/// The text of a raw byte stream: gzip sniffed by magic bytes and looked through, the
/// encoding told and decoded, terminal escape sequences removed.
pub fn decode(src: &Source, raw: Box<dyn Read + Send>) -> Result<Opened, InputError> {
    let mut br = BufReader::with_capacity(256 * 1024, raw);
    let head = br.fill_buf().map_err(|e| InputError::read(src, e))?;
    let gzip = head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b;
    let mut reader: Box<dyn BufRead + Send> = if gzip {
        Box::new(BufReader::with_capacity(
            256 * 1024,
            MultiGzDecoder::new(br),
        ))
    } else {
        Box::new(br)
    };
    // the encoding is told after decompression, so a gzipped UTF-16 log is read too
    let encoding = Encoding::sniff(reader.fill_buf().map_err(|e| InputError::read(src, e))?);
    let text: Box<dyn Read + Send> = match encoding {
        Encoding::Utf8 => Box::new(reader),
        Encoding::Utf8Bom => {
            reader.consume(3);
            Box::new(reader)
        }
        Encoding::Utf16Le | Encoding::Utf16Be => Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(if encoding == Encoding::Utf16Le {
                    encoding_rs::UTF_16LE
                } else {
                    encoding_rs::UTF_16BE
                }))
                .strip_bom(true)
                .build_with_buffer(reader, vec![0; 64 * 1024])
                .map_err(|e| InputError::read(src, e))?,
        ),
    };
    let escapes = Arc::new(AtomicU64::new(0));
    let mut reader: Box<dyn BufRead + Send> = Box::new(BufReader::with_capacity(
        256 * 1024,
        StripEscapes::new(text, escapes.clone()),
    ));
    // a saved `_search` response or a Grafana CSV: one line per record from here on
    let export = crate::export::sniff(reader.fill_buf().map_err(|e| InputError::read(src, e))?);
    if let Some(x) = export {
        reader = crate::export::lines(x, reader);
    }
    Ok(Opened {
        reader,
        mtime: None,
        gzip,
        size: None,
        encoding,
        escapes,
        export,
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
                for f in files {
                    match looks_like_etcd_log(&f) {
                        Ok(true) => out.push(Source::Path(f)),
                        Ok(false) => {}
                        Err(e) => errs.push(e),
                    }
                }
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
        Source::Stdin | Source::Member { .. } => true,
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

/// Content sniffing for directory walks: the first 256 KiB (decompressed, decoded) hold
/// an etcd record of a known format with an etcd-specific word in it. A file that cannot
/// be opened is an error, never silently "not a log".
pub fn looks_like_etcd_log(p: &Path) -> Result<bool, InputError> {
    let src = Source::Path(p.to_path_buf());
    let mut o = open(&src)?;
    looks_like_etcd_text(&src, o.reader.as_mut())
}

/// [`looks_like_etcd_log`] on an opened (decoded) input.
pub fn looks_like_etcd_text(src: &Source, reader: &mut dyn BufRead) -> Result<bool, InputError> {
    let mut buf = Vec::new();
    let mut total = 0usize;
    let st = crate::parse::envelope::EnvState::new(crate::time::current_year());
    for _ in 0..2000 {
        match read_line(reader, &mut buf, 64 * 1024) {
            Ok(Some(_)) => {}
            Ok(None) => break,
            // damage before any etcd line: the file may well be a log, say so
            Err(e) => return Err(InputError::read(src, e)),
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
                return Ok(true);
            }
        }
        if total > 256 * 1024 {
            break;
        }
    }
    Ok(false)
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

    /// Reads one byte at a time, so that sequences are cut at every possible place.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn stripped(data: &[u8], trickle: bool) -> (Vec<u8>, u64) {
        let removed = Arc::new(AtomicU64::new(0));
        let mut out = Vec::new();
        if trickle {
            StripEscapes::new(Trickle(data), removed.clone())
                .read_to_end(&mut out)
                .unwrap();
        } else {
            StripEscapes::new(data, removed.clone())
                .read_to_end(&mut out)
                .unwrap();
        }
        (out, removed.load(Ordering::Relaxed))
    }

    #[test]
    fn escape_sequences_are_removed_and_newlines_kept() {
        let cases: [(&[u8], &[u8], u64); 7] = [
            (b"plain line\n", b"plain line\n", 0),
            // ccze -A: SGR around every word
            (
                b"\x1b[22m\x1b[36m2026-11-25\x1b[0m\x1b[22m\x1b[36m I\x1b[0m\n",
                b"2026-11-25 I\n",
                6,
            ),
            // OSC window title ended by BEL, hyperlink ended by ESC \\
            (b"a\x1b]0;title\x07b\x1b]8;;http://x\x1b\\c\n", b"abc\n", 2),
            // character set selection, a two-byte escape, cursor movement
            (b"\x1b(Bx\x1b7y\x1b[2;5Hz\n", b"xyz\n", 3),
            // broken sequences end at the end of their line, never taking it
            (b"a\x1b[12\nb\x1b]title\nc\x1b\n", b"a\nb\nc\n", 3),
            // JSON-escaped escapes are text, not sequences
            (
                b"{\"msg\":\"\\u001b[31m\"}\n",
                b"{\"msg\":\"\\u001b[31m\"}\n",
                0,
            ),
            // a chunk made only of escapes is not the end of the input
            (b"\x1b[0m\x1b[0m\x1b[0mend\n", b"end\n", 3),
        ];
        for (input, want, n) in cases {
            for trickle in [false, true] {
                let (out, removed) = stripped(input, trickle);
                assert_eq!(
                    String::from_utf8_lossy(&out),
                    String::from_utf8_lossy(want),
                    "{trickle}"
                );
                assert_eq!(removed, n, "{}", String::from_utf8_lossy(input));
            }
        }
    }

    fn utf16(text: &str, le: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        for u in (bom.then_some(0xfeff).into_iter()).chain(text.encode_utf16()) {
            out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    }

    #[test]
    fn encodings_are_told_by_bom_or_by_nuls() {
        let line = "{\"level\":\"info\",\"msg\":\"x\"}\r\n";
        assert_eq!(Encoding::sniff(line.as_bytes()), Encoding::Utf8);
        assert_eq!(Encoding::sniff(b"\xef\xbb\xbf{"), Encoding::Utf8Bom);
        for bom in [true, false] {
            assert_eq!(Encoding::sniff(&utf16(line, true, bom)), Encoding::Utf16Le);
            assert_eq!(Encoding::sniff(&utf16(line, false, bom)), Encoding::Utf16Be);
        }
        // too short to tell, NULs in binary data, and text after a first ASCII line
        assert_eq!(Encoding::sniff(&utf16("ab", true, false)), Encoding::Utf8);
        assert_eq!(Encoding::sniff(&[0u8; 64]), Encoding::Utf8);
        assert_eq!(
            Encoding::sniff(&utf16("2026-11-25 I | x\nüñí", true, false)),
            Encoding::Utf16Le
        );
    }
}
