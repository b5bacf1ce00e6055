//! zap JSON records that are not one per physical line: several records glued on one
//! line (writers sharing a file without a newline between them), and one record
//! hard-wrapped over several lines (a terminal, a Markdown paste, a line limit). Both
//! are told by a JSON tokenizer that follows strings and escapes, never by a string
//! search: a `msg` text may hold braces.

use super::zapjson::Fields;
use std::borrow::Cow;

/// A wrapped record is joined from at most this many physical lines (an etcd start-up
/// record of 1.4 kB is 18 lines on an 80-column terminal).
pub const MAX_WRAP_LINES: usize = 32;
/// ... and at most this many bytes.
pub const MAX_WRAP_BYTES: usize = 64 * 1024;

/// Where a JSON object stands after the bytes fed so far.
#[derive(Clone, Copy, Debug, Default)]
struct Scan {
    depth: u32,
    in_str: bool,
    esc: bool,
    started: bool,
}

/// What feeding bytes to a [`Scan`] found.
#[derive(Debug, PartialEq, Eq)]
enum Fed {
    /// The object closed at this index (exclusive) of the bytes fed.
    Closed(usize),
    /// Still open.
    Open,
    /// Not a JSON object (bytes before its `{`).
    NotObject,
}

impl Scan {
    fn feed(&mut self, b: &[u8]) -> Fed {
        for (i, &c) in b.iter().enumerate() {
            if !self.started {
                match c {
                    b'{' => {
                        self.started = true;
                        self.depth = 1;
                    }
                    b' ' | b'\t' => {}
                    _ => return Fed::NotObject,
                }
                continue;
            }
            if self.in_str {
                match (self.esc, c) {
                    (true, _) => self.esc = false,
                    (false, b'\\') => self.esc = true,
                    (false, b'"') => self.in_str = false,
                    _ => {}
                }
                continue;
            }
            match c {
                b'"' => self.in_str = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Fed::Closed(i + 1);
                    }
                }
                _ => {}
            }
        }
        Fed::Open
    }
}

/// The top-level JSON objects of a line that holds more than one (`{…}{…}`, `{…} {…}`);
/// `None` for a line with one record or none. A last piece that does not close is kept
/// as it is (read as a cut record).
pub fn split_glued(line: &[u8]) -> Option<Vec<&[u8]>> {
    if line.first() != Some(&b'{') {
        return None;
    }
    // cheap refusal first: a `}` followed by `{` (spaces between) somewhere
    let candidate = memchr::memchr_iter(b'}', line).any(|i| {
        line[i + 1..]
            .iter()
            .find(|c| **c != b' ')
            .is_some_and(|c| *c == b'{')
    });
    if !candidate {
        return None;
    }
    let mut pieces = Vec::new();
    let mut at = 0;
    while at < line.len() {
        let rest = &line[at..];
        let mut s = Scan::default();
        match s.feed(rest) {
            Fed::Closed(end) => {
                pieces.push(&rest[..end]);
                let skip = rest[end..].iter().take_while(|c| **c == b' ').count();
                at += end + skip;
                if line.get(at).is_some_and(|c| *c != b'{') {
                    // something else follows: leave it to the last piece
                    let last = pieces.pop()?;
                    let start = at - skip - last.len();
                    pieces.push(&line[start..]);
                    break;
                }
            }
            Fed::Open | Fed::NotObject => {
                pieces.push(rest);
                break;
            }
        }
    }
    (pieces.len() >= 2).then_some(pieces)
}

/// True for a line that opens a JSON object and does not close it: the first piece of
/// a hard-wrapped record. A complete zap line ends with `}`, so only lines that do not
/// are tokenized.
pub fn opens_record(line: &[u8]) -> bool {
    let line = trim_cr(line);
    line.first() == Some(&b'{')
        && line.last() != Some(&b'}')
        && line.len() <= MAX_WRAP_BYTES
        && Scan::default().feed(line) == Fed::Open
}

/// A line that starts a record of its own: never the rest of a wrapped one.
pub fn starts_record(line: &[u8]) -> bool {
    let t = line.trim_ascii_start();
    t.first() == Some(&b'{') || memchr::memmem::find(line, b"{\"level\":\"").is_some()
}

fn trim_cr(b: &[u8]) -> &[u8] {
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// A wrapped record being joined.
#[derive(Debug)]
struct Pending {
    lines: Vec<(u64, Vec<u8>)>,
    joined: Vec<u8>,
    scan: Scan,
}

/// Joins hard-wrapped records, in input order. Lines that are not joined come out
/// unchanged, each with its own number; a joined record comes out once, numbered by
/// its first line (the evidence points there).
#[derive(Debug, Default)]
pub struct Rejoin {
    pending: Option<Pending>,
}

impl Rejoin {
    /// Take the next physical line; returns the lines to read now, in order.
    pub fn push(&mut self, n: u64, line: &[u8]) -> Vec<(u64, Cow<'static, [u8]>)> {
        let line = trim_cr(line);
        let mut out = Vec::new();
        if let Some(mut p) = self.pending.take() {
            if !starts_record(line) {
                p.lines.push((n, line.to_vec()));
                p.joined.extend_from_slice(line);
                match p.scan.feed(line) {
                    Fed::Closed(end) if line[end..].trim_ascii().is_empty() => {
                        if is_record(&p.joined) {
                            out.push((p.lines[0].0, Cow::Owned(p.joined)));
                        } else {
                            replay(p, &mut out);
                        }
                    }
                    Fed::Open
                        if p.lines.len() < MAX_WRAP_LINES && p.joined.len() <= MAX_WRAP_BYTES =>
                    {
                        self.pending = Some(p);
                    }
                    _ => replay(p, &mut out),
                }
                return out;
            }
            replay(p, &mut out);
        }
        if opens_record(line) {
            let mut scan = Scan::default();
            scan.feed(line);
            self.pending = Some(Pending {
                lines: vec![(n, line.to_vec())],
                joined: line.to_vec(),
                scan,
            });
        } else {
            out.push((n, Cow::Owned(line.to_vec())));
        }
        out
    }

    /// The lines of a record still open (the input ended, or a line that is not a
    /// continuation came): each is read as it is.
    pub fn flush(&mut self) -> Vec<(u64, Cow<'static, [u8]>)> {
        let mut out = Vec::new();
        if let Some(p) = self.pending.take() {
            replay(p, &mut out);
        }
        out
    }

    /// True while a record is open.
    pub fn is_open(&self) -> bool {
        self.pending.is_some()
    }
}

fn replay(p: Pending, out: &mut Vec<(u64, Cow<'static, [u8]>)>) {
    for (n, l) in p.lines {
        out.push((n, Cow::Owned(l)));
    }
}

/// A joined text is kept only when it reads as one record with a message.
fn is_record(b: &[u8]) -> bool {
    Fields::scan(Cow::Borrowed(b))
        .ok()
        .is_some_and(|f| f.first_str(&["msg", "message", "MESSAGE"]).is_some())
}

/// The wrap state of a block as its parser thread sees it: which lines must be read in
/// order on the calling thread.
#[derive(Debug, Default)]
pub struct WrapTracker {
    open: Option<(Scan, usize, usize)>,
}

impl WrapTracker {
    /// True when `line` is part of a wrapped record (its first line or a continuation),
    /// or is the line that ends one left open (the calling thread must see it to give
    /// the record up in order).
    pub fn wrapped(&mut self, line: &[u8]) -> bool {
        let line = trim_cr(line);
        let was_open = self.open.is_some();
        if let Some((mut scan, lines, bytes)) = self.open.take() {
            if !starts_record(line) {
                let (lines, bytes) = (lines + 1, bytes + line.len());
                if scan.feed(line) == Fed::Open && lines < MAX_WRAP_LINES && bytes <= MAX_WRAP_BYTES
                {
                    self.open = Some((scan, lines, bytes));
                }
                return true;
            }
        }
        if opens_record(line) {
            let mut scan = Scan::default();
            scan.feed(line);
            self.open = Some((scan, 1, line.len()));
            return true;
        }
        was_open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_inside_strings_do_not_split() {
        let l = br#"{"msg":"a } { b","x":"{Name:n1}"}{"msg":"c"} {"msg":"d"}"#;
        let p = split_glued(l).unwrap();
        assert_eq!(
            p,
            vec![
                &br#"{"msg":"a } { b","x":"{Name:n1}"}"#[..],
                &br#"{"msg":"c"}"#[..],
                &br#"{"msg":"d"}"#[..]
            ]
        );
        assert!(split_glued(br#"{"msg":"a }{ b"}"#).is_none());
        assert!(split_glued(br#"{"msg":"escaped \"}{\" quote"}"#).is_none());
    }

    #[test]
    fn wrapped_lines_join_or_replay() {
        let mut r = Rejoin::default();
        assert!(r.push(1, br#"{"level":"info","msg":"a b"#).is_empty());
        let out = r.push(2, br#"c","x":1}"#);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, 1);
        assert_eq!(&*out[0].1, br#"{"level":"info","msg":"a bc","x":1}"#);
        // a cut record followed by a new one: both read as they are
        assert!(r.push(3, br#"{"level":"info","msg":"cut"#).is_empty());
        let out = r.push(4, br#"{"level":"info","msg":"whole"}"#);
        assert_eq!(out.iter().map(|o| o.0).collect::<Vec<_>>(), vec![3, 4]);
        // more than MAX_WRAP_LINES lines: given up, every line read as it is
        assert!(r.push(5, br#"{"msg":"x"#).is_empty());
        for i in 1..MAX_WRAP_LINES - 1 {
            assert!(r.push(5 + i as u64, b"y").is_empty());
        }
        let out = r.push(100, b"y");
        assert_eq!(out.len(), MAX_WRAP_LINES);
        assert_eq!(out[0].0, 5);
    }
}
