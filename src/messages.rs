//! raftlog's own lines on stderr: errors, warnings, notes and status lines, each with
//! its `raftlog: ` prefix, written here and nowhere else, so that every message looks
//! the same and a user can grep or filter them by level.
//!
//! Messages quote file names and log text; they reach the terminal through
//! [`sanitize::TerminalWriter`] (see [`stderr`] and the entry points of `lib`), which
//! makes them safe to print line by line. The functions here only format: a message
//! with a newline in it stays several lines, as the sanitising writer expects.

use crate::sanitize;
use std::fmt::Display;
use std::io::{self, Write};

/// The level of a message, as its prefix shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Something could not be done: an input not read, an output not written, a usage
    /// error. The exit status says so too.
    Error,
    /// Something was done but a user should look: counted, not guessed.
    Warning,
    /// Context for reading the output (a year taken from the file's time, a log
    /// written newest first).
    Note,
}

impl Level {
    fn prefix(self) -> &'static str {
        match self {
            Level::Error => "raftlog: error: ",
            Level::Warning => "raftlog: warning: ",
            Level::Note => "raftlog: note: ",
        }
    }
}

/// Write one message of `level` on `w`. Failing to write to stderr is not reported:
/// there is nowhere left to report it.
pub fn message(w: &mut dyn Write, level: Level, msg: impl Display) {
    let _ = writeln!(w, "{}{msg}", level.prefix());
}

/// `raftlog: error: MSG`.
pub fn error(w: &mut dyn Write, msg: impl Display) {
    message(w, Level::Error, msg);
}

/// `raftlog: warning: MSG`.
pub fn warning(w: &mut dyn Write, msg: impl Display) {
    message(w, Level::Warning, msg);
}

/// `raftlog: note: MSG`.
pub fn note(w: &mut dyn Write, msg: impl Display) {
    message(w, Level::Note, msg);
}

/// A status line without a level (`raftlog: read 3 inputs, ...`, `raftlog: --fail-on:
/// found storm`): what the run did, left out by `-q` where the callers say so.
pub fn status(w: &mut dyn Write, msg: impl Display) {
    let _ = writeln!(w, "raftlog: {msg}");
}

/// The process's stderr behind the sanitising writer, for messages written outside
/// [`crate::run`] (usage errors found before a run starts).
pub fn stderr() -> sanitize::TerminalWriter<io::Stderr> {
    sanitize::TerminalWriter::new(io::stderr())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl FnOnce(&mut dyn Write)) -> String {
        let mut out = Vec::new();
        {
            let mut w = sanitize::TerminalWriter::new(&mut out);
            f(&mut w);
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn each_level_has_its_prefix() {
        let s = written(|w| {
            error(w, "cannot open input: x.log");
            warning(w, format_args!("{}: {} event(s)", "a.log", 2));
            note(w, "n1.log: year from the file's time");
            status(w, "interrupted");
        });
        assert_eq!(
            s,
            "raftlog: error: cannot open input: x.log\n\
             raftlog: warning: a.log: 2 event(s)\n\
             raftlog: note: n1.log: year from the file's time\n\
             raftlog: interrupted\n"
        );
    }

    #[test]
    fn quoted_names_cannot_drive_the_terminal() {
        let s = written(|w| error(w, "cannot open input: d/\x1b]0;owned\x07x.log"));
        assert_eq!(
            s,
            "raftlog: error: cannot open input: d/\\u{1b}]0;owned\\u{7}x.log\n"
        );
    }
}
