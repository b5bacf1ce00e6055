//! Make log-derived text safe to print: control characters, escape sequences and
//! bidirectional overrides are replaced before text reaches a terminal, and CSV cells
//! cannot start a spreadsheet formula.

use std::io::{self, Write};

/// Replace control characters (C0, DEL, C1) and bidi/format characters with visible
/// escapes, so a log line cannot move the cursor, change colours or reorder text.
pub fn terminal(s: &str) -> String {
    if !s.chars().any(needs_escape) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            match c {
                '\t' => out.push(' '),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A CSV cell holding text from logs or file names, safe to open in a spreadsheet:
/// text starting with `=`, `+`, `-`, `@`, a tab or a carriage return would be taken for a
/// formula, so it gets a leading `'` (OWASP's rule against CSV injection). Quoting is
/// left to the CSV writer. Not for numbers raftlog writes itself: `-5` stays a number.
pub fn csv_text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// A writer for stderr: each line written through it goes through [`terminal`] before
/// it reaches the inner writer, so no file name, path or log text in a message can
/// retitle, clear or recolour the user's terminal. Lines are held until their newline
/// (a character split across two writes stays whole); the rest goes out on `flush` or
/// drop.
pub struct TerminalWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> TerminalWriter<W> {
    /// Wrap `inner`.
    pub fn new(inner: W) -> Self {
        TerminalWriter {
            inner,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, line: &[u8]) -> io::Result<()> {
        self.inner
            .write_all(terminal(&String::from_utf8_lossy(line)).as_bytes())
    }
}

impl<W: Write> Write for TerminalWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        while let Some(i) = self.pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=i).collect();
            self.emit(&line[..i])?;
            self.inner.write_all(b"\n")?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.emit(&rest)?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for TerminalWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

fn needs_escape(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || u == 0x7f
        || (0x80..0xa0).contains(&u)
        || matches!(u, 0x200b..=0x200f | 0x202a..=0x202e | 0x2066..=0x2069 | 0xfeff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(terminal("plain"), "plain");
        assert_eq!(terminal("a\x1b[31mred"), "a\\u{1b}[31mred");
        assert_eq!(terminal("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(terminal("l1\nl2"), "l1\\nl2");
    }

    #[test]
    fn stderr_lines() {
        let mut out = Vec::new();
        {
            let mut w = TerminalWriter::new(&mut out);
            // a file name with an OSC title sequence, a character split across writes
            w.write_all(b"raftlog: error: d/\x1b]0;owned\x07x.log: denied\nnext \xc3")
                .unwrap();
            w.write_all(b"\xa9 \x1b[2J").unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "raftlog: error: d/\\u{1b}]0;owned\\u{7}x.log: denied\nnext \u{e9} \\u{1b}[2J"
        );
    }

    #[test]
    fn csv_formulas() {
        assert_eq!(
            csv_text("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        for s in ["+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_text(s), format!("'{s}"));
        }
        assert_eq!(csv_text("n1"), "n1");
        assert_eq!(csv_text(""), "");
        assert_eq!(csv_text("a=b"), "a=b");
    }
}
