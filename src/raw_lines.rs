//! The text of event lines, for the commands that quote evidence (`diagnose`, `report`)
//! and for `--raw`. Held in memory, a 3.1 M-event storm's lines took about 1.3 GB as one
//! `String` each; here each line is appended once to a spool (an unnamed temporary file,
//! deleted by the system when raftlog exits) and each event keeps a 16-byte reference to
//! it, so the memory of a quoting command no longer grows with the text of its input.
//! When no temporary file can be made (a read-only or full `TMPDIR`), the spool is a byte
//! buffer in memory: slower to grow, but nothing is lost.

use crate::event::Event;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::OnceLock;

/// Where one line's text is: spool, byte offset, length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ref {
    off: u64,
    len: u32,
    spool: u32,
}

/// One spool: an append-only store of line texts, written while an input is read, then
/// only read.
enum Backing {
    File(File),
    Memory(Vec<u8>),
}

impl Backing {
    fn read(&self, r: Ref) -> Option<String> {
        let (off, len) = (usize::try_from(r.off).ok()?, r.len as usize);
        match self {
            Backing::Memory(b) => {
                Some(String::from_utf8_lossy(b.get(off..off + len)?).into_owned())
            }
            Backing::File(f) => {
                let mut buf = vec![0u8; len];
                read_at(f, &mut buf, r.off).ok()?;
                Some(
                    String::from_utf8(buf)
                        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                )
            }
        }
    }
}

#[cfg(unix)]
fn read_at(f: &File, buf: &mut [u8], off: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, buf, off)
}

#[cfg(windows)]
fn read_at(f: &File, mut buf: &mut [u8], mut off: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(f, buf, off)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                off += n as u64;
            }
        }
    }
    Ok(())
}

/// The spool being written.
enum Writer {
    File(BufWriter<File>),
    Memory(Vec<u8>),
}

/// The raw lines of a sequence of events, one per event in the same order (or none at
/// all when the command keeps no text).
#[derive(Default)]
pub struct RawLines {
    spools: Vec<Backing>,
    refs: Vec<Ref>,
    writing: Option<(Writer, u64)>,
    /// Event indexes sorted by (input, line), built on the first lookup by line.
    by_line: OnceLock<Vec<u32>>,
}

impl std::fmt::Debug for RawLines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawLines({} lines)", self.refs.len())
    }
}

impl RawLines {
    /// Append the text of the next event's line; it can be read after [`Self::finish`]
    /// (or [`Self::append`], which finishes both sides).
    pub fn push(&mut self, text: &str) {
        let (w, pos) = self.writing.get_or_insert_with(|| {
            let w = match tempfile::tempfile() {
                Ok(f) => Writer::File(BufWriter::with_capacity(1 << 16, f)),
                Err(_) => Writer::Memory(Vec::new()),
            };
            (w, 0)
        });
        let written = match w {
            Writer::File(f) => f.write_all(text.as_bytes()),
            Writer::Memory(b) => {
                b.extend_from_slice(text.as_bytes());
                Ok(())
            }
        };
        if written.is_err() {
            // the temporary file filled its disk: what it holds stays readable, the rest
            // of the lines go to memory
            self.spill();
            return self.push(text);
        }
        self.refs.push(Ref {
            off: *pos,
            len: text.len() as u32,
            spool: self.spools.len() as u32,
        });
        *pos += text.len() as u64;
    }

    /// Close the spool being written, if any, so that its lines can be read.
    pub fn finish(&mut self) {
        if let Some((w, _)) = self.writing.take() {
            let backing = match w {
                Writer::Memory(b) => Backing::Memory(b),
                Writer::File(f) => match f.into_inner() {
                    Ok(f) => Backing::File(f),
                    // the last buffer could not be written (a full disk): the lines it
                    // held read as missing, the others as written
                    Err(e) => Backing::File(e.into_inner().into_parts().0),
                },
            };
            self.spools.push(backing);
        }
    }

    fn spill(&mut self) {
        self.finish();
        self.writing = Some((Writer::Memory(Vec::new()), 0));
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.refs.len()
    }

    /// No lines kept.
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// The text of the `i`-th event's line.
    pub fn get(&self, i: usize) -> Option<String> {
        let r = *self.refs.get(i)?;
        self.spools.get(r.spool as usize)?.read(r)
    }

    /// Every line, in order (for tests and for redaction's first look).
    pub fn iter(&self) -> impl Iterator<Item = String> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or_default())
    }

    /// Append the lines of `other` after these.
    pub fn append(&mut self, mut other: RawLines) {
        self.finish();
        other.finish();
        let base = self.spools.len() as u32;
        self.spools.append(&mut other.spools);
        self.refs.extend(other.refs.into_iter().map(|r| Ref {
            spool: r.spool + base,
            ..r
        }));
        self.by_line = OnceLock::new();
    }

    /// Keep the lines of the events for which `keep` (by index) holds.
    pub fn retain(&mut self, keep: &[bool]) {
        let mut i = 0..;
        self.refs
            .retain(|_| keep.get(i.next().unwrap_or(0)).copied().unwrap_or(true));
        self.by_line = OnceLock::new();
    }

    /// Swap the lines of two events (the merge reorders events and lines together).
    pub fn swap(&mut self, a: usize, b: usize) {
        self.refs.swap(a, b);
        self.by_line = OnceLock::new();
    }

    /// Replace every line by `f` of it, in order (redaction).
    pub fn map(&mut self, mut f: impl FnMut(&str) -> String) {
        self.finish();
        let mut out = RawLines::default();
        for text in self.iter() {
            out.push(&f(&text));
        }
        out.finish();
        *self = out;
    }

    /// The line of the first event (in `events` order) read from input `input` at
    /// line `line`; `events` are the events these lines belong to.
    pub fn at_line(&self, events: &[Event], input: u32, line: u64) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let ix = self.by_line.get_or_init(|| {
            let mut ix: Vec<u32> = (0..events.len().min(self.len()) as u32).collect();
            // stable: among events of one line, the first in event order answers
            ix.sort_by_key(|&i| {
                let o = &events[i as usize].origin;
                (o.input, o.line)
            });
            ix
        });
        let key = |i: &u32| {
            let o = &events[*i as usize].origin;
            (o.input, o.line)
        };
        let at = ix.partition_point(|i| key(i) < (input, line));
        ix.get(at)
            .filter(|i| key(i) == (input, line))
            .and_then(|&i| self.get(i as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Kind, Origin};

    fn lines(texts: &[&str]) -> RawLines {
        let mut r = RawLines::default();
        for t in texts {
            r.push(t);
        }
        r.finish();
        r
    }

    fn at(input: u32, line: u64) -> Event {
        Event {
            origin: Origin { input, line },
            ..Event::of(Kind::BecameLeader)
        }
    }

    #[test]
    fn lines_read_back_as_written_with_non_ascii_and_empty_ones() {
        let r = lines(&["first", "", "zweite Zeile: ü ✓", "{\"msg\":\"x\"}"]);
        assert_eq!(r.len(), 4);
        let got: Vec<String> = r.iter().collect();
        assert_eq!(got, ["first", "", "zweite Zeile: ü ✓", "{\"msg\":\"x\"}"]);
        assert_eq!(r.get(4), None);
    }

    #[test]
    fn lines_can_be_read_before_finish_is_called_by_append() {
        let mut a = RawLines::default();
        a.push("a1");
        let mut b = RawLines::default();
        b.push("b1");
        b.push("b2");
        a.append(b);
        assert_eq!(a.iter().collect::<Vec<_>>(), ["a1", "b1", "b2"]);
    }

    #[test]
    fn retain_swap_and_map_keep_lines_with_their_events() {
        let mut r = lines(&["l0", "l1", "l2", "l3"]);
        r.retain(&[true, false, true, true]);
        assert_eq!(r.iter().collect::<Vec<_>>(), ["l0", "l2", "l3"]);
        r.swap(0, 2);
        assert_eq!(r.iter().collect::<Vec<_>>(), ["l3", "l2", "l0"]);
        r.map(|t| t.replace('l', "L"));
        assert_eq!(r.iter().collect::<Vec<_>>(), ["L3", "L2", "L0"]);
    }

    #[test]
    fn a_line_is_found_by_input_and_number_first_event_first() {
        // two events of input 1 line 7 (glued records): the first in event order answers
        let events = vec![at(1, 9), at(0, 7), at(1, 7), at(1, 7)];
        let r = lines(&["one-9", "zero-7", "one-7 first", "one-7 second"]);
        assert_eq!(r.at_line(&events, 1, 7).as_deref(), Some("one-7 first"));
        assert_eq!(r.at_line(&events, 0, 7).as_deref(), Some("zero-7"));
        assert_eq!(r.at_line(&events, 1, 9).as_deref(), Some("one-9"));
        assert_eq!(r.at_line(&events, 0, 9), None);
        assert_eq!(RawLines::default().at_line(&events, 1, 7), None);
    }

    #[test]
    fn the_index_by_line_follows_a_retain() {
        let events = vec![at(0, 1), at(0, 2)];
        let mut r = lines(&["a", "b"]);
        assert_eq!(r.at_line(&events, 0, 2).as_deref(), Some("b"));
        r.retain(&[false, true]);
        assert_eq!(r.at_line(&events[1..], 0, 2).as_deref(), Some("b"));
        assert_eq!(r.at_line(&events[1..], 0, 1), None);
    }
}
