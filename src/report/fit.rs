//! Fitting terminal text to a width (`--width`, `COLUMNS`, the terminal): lines are
//! measured in display columns (wide characters count two, colour escapes none), cut on
//! character boundaries, and either trimmed with `…` (quoted log lines) or wrapped at
//! spaces with a hanging indent (prose).

use std::io::{self, Write};
use unicode_width::UnicodeWidthChar;

/// The narrowest width honoured: below it tables and indents no longer fit at all.
pub const MIN_WIDTH: usize = 40;

/// Split `s` into pieces that are either one ANSI escape sequence (`ESC [ … letter`) or
/// one character, with the display width of each (0 for escapes).
fn pieces(s: &str) -> impl Iterator<Item = (&str, usize)> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let c = rest.chars().next()?;
        let len = if c == '\x1b' && rest[1..].starts_with('[') {
            rest[2..]
                .find(|ch: char| ch.is_ascii_alphabetic())
                .map_or(rest.len(), |i| i + 3)
        } else {
            c.len_utf8()
        };
        let (head, tail) = rest.split_at(len);
        rest = tail;
        let w = if c == '\x1b' {
            0
        } else {
            c.width().unwrap_or(0)
        };
        Some((head, w))
    })
}

/// Display width of a line, colour escapes excluded.
pub fn width(s: &str) -> usize {
    pieces(s).map(|(_, w)| w).sum()
}

/// `s` cut to at most `max` display columns, ending in `…` when something was cut. A
/// cut inside coloured text ends with a colour reset so the colour does not run on.
pub fn trim(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    let mut escapes = false;
    for (p, w) in pieces(s) {
        if used + w + 1 > max {
            break;
        }
        escapes |= w == 0 && p.starts_with('\x1b');
        used += w;
        out.push_str(p);
    }
    out.push('…');
    if escapes {
        out.push_str("\x1b[0m");
    }
    out
}

/// The longest prefix of `s` that fits in `max` columns (at least one piece, so that
/// wrapping always moves on), and the rest.
fn split_at_width(s: &str, max: usize) -> (&str, &str) {
    let mut used = 0;
    let mut end = 0;
    for (p, w) in pieces(s) {
        if used + w > max && end > 0 {
            break;
        }
        used += w;
        end += p.len();
    }
    s.split_at(end)
}

/// `line` wrapped to `max` columns at spaces; continuation lines are indented two more
/// than the line's own indent, so they read as part of the same item. Words longer than
/// a line are cut.
pub fn wrap(line: &str, max: usize) -> Vec<String> {
    if width(line) <= max {
        return vec![line.to_string()];
    }
    let indent = line.len() - line.trim_start_matches(' ').len();
    let hang = " ".repeat((indent + 2).min(max / 2));
    let mut out: Vec<String> = Vec::new();
    let mut cur = " ".repeat(indent.min(max / 2));
    let mut cur_w = cur.len();
    let fresh = |out: &mut Vec<String>, cur: &mut String| {
        out.push(std::mem::replace(cur, hang.clone()));
        hang.len()
    };
    let mut at_start = true;
    for word in line
        .trim_start_matches(' ')
        .split(' ')
        .filter(|w| !w.is_empty())
    {
        let mut word = word;
        let mut ww = width(word);
        if !at_start {
            if cur_w + 1 + ww > max {
                cur_w = fresh(&mut out, &mut cur);
            } else {
                cur.push(' ');
                cur_w += 1;
            }
        }
        while cur_w + ww > max {
            let (head, tail) = split_at_width(word, max - cur_w);
            cur.push_str(head);
            cur_w = fresh(&mut out, &mut cur);
            word = tail;
            ww = width(word);
        }
        cur.push_str(word);
        cur_w += ww;
        at_start = false;
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// A writer that wraps every line longer than its width (see [`wrap`]) on the way to the
/// inner writer: the safety net under renderers that already fit what they can (tables
/// narrowed, quoted lines trimmed). Call [`FitWriter::finish`] at the end.
pub struct FitWriter<'a> {
    inner: &'a mut dyn Write,
    width: usize,
    line: Vec<u8>,
}

impl<'a> FitWriter<'a> {
    /// Fit what is written to `width` columns.
    pub fn new(inner: &'a mut dyn Write, width: usize) -> Self {
        FitWriter {
            inner,
            width,
            line: Vec::new(),
        }
    }

    fn emit(&mut self, newline: bool) -> io::Result<()> {
        let text = String::from_utf8_lossy(&self.line).into_owned();
        self.line.clear();
        let parts = wrap(&text, self.width);
        for (i, p) in parts.iter().enumerate() {
            if i + 1 < parts.len() || newline {
                writeln!(self.inner, "{p}")?;
            } else {
                write!(self.inner, "{p}")?;
            }
        }
        if parts.is_empty() && newline {
            writeln!(self.inner)?;
        }
        Ok(())
    }

    /// Write the last, unterminated line and flush.
    pub fn finish(mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            self.emit(false)?;
        }
        self.inner.flush()
    }
}

impl Write for FitWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(i) = memchr::memchr(b'\n', rest) {
            self.line.extend_from_slice(&rest[..i]);
            self.emit(true)?;
            rest = &rest[i + 1..];
        }
        self.line.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_count_columns_not_bytes() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("é…"), 2);
        assert_eq!(width("日本"), 4);
        assert_eq!(width("\x1b[1mbold\x1b[0m"), 4);
    }

    #[test]
    fn trim_cuts_on_characters_and_marks_the_cut() {
        assert_eq!(trim("short", 10), "short");
        assert_eq!(trim("abcdefghij", 5), "abcd…");
        // never splits a multi-byte character; a wide one that does not fit is left out
        assert_eq!(trim("ééééé", 3), "éé…");
        assert_eq!(trim("a日本語", 4), "a日…");
        assert_eq!(width(&trim("a日本語", 4)), 4);
        assert_eq!(trim("\x1b[31mredredred\x1b[0m", 4), "\x1b[31mred…\x1b[0m");
    }

    #[test]
    fn wrap_keeps_words_and_indents_continuations() {
        let got = wrap(
            "  cause leader_stall: the leader stopped sending heartbeats",
            24,
        );
        assert_eq!(
            got,
            vec![
                "  cause leader_stall:",
                "    the leader stopped",
                "    sending heartbeats"
            ]
        );
        for l in &got {
            assert!(width(l) <= 24, "{l}");
        }
        // a word longer than the line is cut, nothing is lost
        let got = wrap("x 0123456789abcdef", 8);
        assert!(got.iter().all(|l| width(l) <= 8), "{got:?}");
        let joined: String = got.concat().chars().filter(|c| *c != ' ').collect();
        assert_eq!(joined, "x0123456789abcdef");
    }

    #[test]
    fn writer_wraps_long_lines_only() {
        let mut out = Vec::new();
        let mut f = FitWriter::new(&mut out, 10);
        write!(f, "ok\n\naaaa bbbb cccc\nend").unwrap();
        f.finish().unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ok\n\naaaa bbbb\n  cccc\nend"
        );
    }
}
