//! Prometheus text exposition parser: text format 0.0.4 and OpenMetrics text.
//!
//! Streaming over `impl BufRead`, one line at a time; it never panics. A line that is not
//! valid exposition is skipped and counted in [`ParseStats`] (the first
//! [`MAX_MALFORMED_EXAMPLES`] are kept with their line numbers and the reason), never
//! fatal. What is read:
//!
//! - `# HELP name text`, `# TYPE name type`, `# UNIT name unit` (recorded: TYPE), any other
//!   `#` line is a comment; `# EOF` (OpenMetrics) ends the exposition;
//! - samples `name{label="value",...} value [timestamp] [# {exemplar labels} value [ts]]`:
//!   metric names `[a-zA-Z_:][a-zA-Z0-9_:]*` (or a quoted name as the first item inside
//!   the braces, the UTF-8 form of Prometheus 3), label values with the escapes `\\`,
//!   `\"` and `\n` (another backslash sequence is kept as written), a trailing comma,
//!   blanks around tokens; values as Go's `ParseFloat` reads them, including `+Inf`,
//!   `-Inf`, `Inf` and `NaN`; the timestamp (milliseconds in 0.0.4, seconds in
//!   OpenMetrics) is kept as written; exemplars are checked for shape and ignored.

use crate::input::read_line;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::BufRead;

/// Longest exposition line kept; longer lines are skipped as malformed.
pub const MAX_EXPO_LINE: usize = 1 << 20;
/// How many malformed lines are kept with their line number and reason.
pub const MAX_MALFORMED_EXAMPLES: usize = 5;

/// One sample: a metric name, its labels in the order written, and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Metric (series) name, e.g. `etcd_disk_wal_fsync_duration_seconds_bucket`.
    pub name: String,
    /// Label pairs, unescaped.
    pub labels: Vec<(String, String)>,
    /// The value (may be NaN or infinite).
    pub value: f64,
    /// The sample's timestamp as written (milliseconds in 0.0.4, seconds in
    /// OpenMetrics), when it has one.
    pub timestamp: Option<f64>,
}

impl Sample {
    /// The value of label `key`, if present.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A malformed line: where, and why it was skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Malformed {
    /// 1-based line number.
    pub line: u64,
    /// What is wrong with it.
    pub reason: String,
}

/// What a parse saw.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ParseStats {
    /// Lines read (including comments and blank lines).
    pub lines: u64,
    /// Samples returned.
    pub samples: u64,
    /// Malformed lines skipped.
    pub malformed: u64,
    /// The first few malformed lines.
    pub malformed_examples: Vec<Malformed>,
    /// An OpenMetrics `# EOF` line was seen (reading stopped there).
    pub eof_marker: bool,
    /// Non-blank lines after `# EOF` that were not read.
    pub after_eof: u64,
    /// A read error that ended the input early (what was read before it is kept).
    pub io_error: Option<String>,
    /// Metric family types from `# TYPE` lines.
    #[serde(skip)]
    pub types: BTreeMap<String, String>,
}

impl ParseStats {
    fn bad(&mut self, line: u64, reason: &str) {
        self.malformed += 1;
        if self.malformed_examples.len() < MAX_MALFORMED_EXAMPLES {
            self.malformed_examples.push(Malformed {
                line,
                reason: reason.to_string(),
            });
        }
    }

    /// "3 malformed lines skipped (line 4: ..., line 9: ...)", or None when there were none.
    pub fn malformed_message(&self) -> Option<String> {
        malformed_summary(self.malformed, &self.malformed_examples)
    }
}

/// "3 malformed lines skipped (line 4: ..., line 9: ...)" from a count and its first
/// examples, or None when the count is zero.
pub fn malformed_summary(count: u64, examples: &[Malformed]) -> Option<String> {
    if count == 0 {
        return None;
    }
    let ex = examples
        .iter()
        .map(|m| format!("line {}: {}", m.line, m.reason))
        .collect::<Vec<_>>()
        .join("; ");
    Some(format!(
        "{} malformed line{} skipped ({}{})",
        count,
        if count == 1 { "" } else { "s" },
        ex,
        if count > examples.len() as u64 {
            "; ..."
        } else {
            ""
        }
    ))
}

/// One parsed exposition line.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    /// Empty or blank.
    Blank,
    /// A `#` comment that is not HELP/TYPE/UNIT/EOF.
    Comment,
    /// `# HELP name text` (text as written, escapes not undone).
    Help {
        /// Metric family name.
        name: String,
        /// Help text.
        text: String,
    },
    /// `# TYPE name type`.
    Type {
        /// Metric family name.
        name: String,
        /// counter, gauge, histogram, summary, untyped, unknown, ...
        kind: String,
    },
    /// `# UNIT name unit` (OpenMetrics).
    Unit,
    /// `# EOF` (OpenMetrics).
    Eof,
    /// A sample.
    Sample(Sample),
}

/// Parse one line (without its newline; a trailing `\r` is allowed).
pub fn parse_line(line: &str) -> Result<Line, &'static str> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let t = line.trim_matches(|c| c == ' ' || c == '\t');
    if t.is_empty() {
        return Ok(Line::Blank);
    }
    if let Some(rest) = t.strip_prefix('#') {
        return Ok(parse_comment(rest));
    }
    parse_sample(t).map(Line::Sample)
}

fn parse_comment(rest: &str) -> Line {
    let rest = rest.trim_start_matches([' ', '\t']);
    if rest.trim_end() == "EOF" {
        return Line::Eof;
    }
    let mut it = rest.splitn(2, [' ', '\t']);
    let kw = it.next().unwrap_or("");
    let tail = it.next().unwrap_or("").trim_start_matches([' ', '\t']);
    match kw {
        "HELP" | "TYPE" | "UNIT" => {
            let (name, rest) = match tail.split_once([' ', '\t']) {
                Some((n, r)) => (n, r.trim_start_matches([' ', '\t'])),
                None => (tail, ""),
            };
            if name.is_empty() {
                return Line::Comment;
            }
            let name = name.trim_matches('"').to_string();
            match kw {
                "HELP" => Line::Help {
                    name,
                    text: rest.to_string(),
                },
                "TYPE" => Line::Type {
                    name,
                    kind: rest.trim().to_ascii_lowercase(),
                },
                _ => Line::Unit,
            }
        }
        _ => Line::Comment,
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn name(&mut self, colon: bool) -> Option<String> {
        let start = self.i;
        while let Some(c) = self.peek() {
            let ok = c.is_ascii_alphabetic()
                || c == b'_'
                || (colon && c == b':')
                || (self.i > start && c.is_ascii_digit());
            if !ok {
                break;
            }
            self.i += 1;
        }
        if self.i == start {
            None
        } else {
            Some(String::from_utf8_lossy(&self.b[start..self.i]).into_owned())
        }
    }
    /// A double-quoted string; the cursor is on the opening quote.
    fn quoted(&mut self) -> Result<String, &'static str> {
        if !self.eat(b'"') {
            return Err("expected '\"'");
        }
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err("unterminated label value"),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(b'\\') => out.push(b'\\'),
                        Some(b'"') => out.push(b'"'),
                        Some(b'n') => out.push(b'\n'),
                        Some(c) => {
                            out.push(b'\\');
                            out.push(c);
                        }
                        None => return Err("unterminated label value"),
                    }
                    self.i += 1;
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }
    /// A token up to the next blank.
    fn token(&mut self) -> &str {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c == b' ' || c == b'\t' {
                break;
            }
            self.i += 1;
        }
        std::str::from_utf8(&self.b[start..self.i]).unwrap_or("")
    }
}

/// Parse a float the way Go's `strconv.ParseFloat` does for exposition values:
/// decimal and exponent forms, `Inf`/`+Inf`/`-Inf`/`NaN` in any case.
pub fn parse_value(s: &str) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    match lower.as_str() {
        "+inf" | "inf" | "+infinity" | "infinity" => return Some(f64::INFINITY),
        "-inf" | "-infinity" => return Some(f64::NEG_INFINITY),
        "nan" | "+nan" | "-nan" => return Some(f64::NAN),
        _ => {}
    }
    // Rust also reads "inf"/"nan" spellings handled above; anything else must look numeric.
    if !s
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.' | b'e' | b'E'))
    {
        return None;
    }
    s.parse::<f64>().ok()
}

fn parse_labels(
    c: &mut Cursor<'_>,
    name: &mut Option<String>,
    labels: &mut Vec<(String, String)>,
) -> Result<(), &'static str> {
    // cursor is just after '{'
    loop {
        c.blanks();
        if c.eat(b'}') {
            return Ok(());
        }
        let key = match c.peek() {
            Some(b'"') => {
                let q = c.quoted()?;
                c.blanks();
                if c.peek() != Some(b'=') {
                    // a bare quoted string: the metric name (UTF-8 names)
                    if name.is_some() {
                        return Err("second metric name inside braces");
                    }
                    *name = Some(q);
                    c.blanks();
                    if c.eat(b',') {
                        continue;
                    }
                    if c.eat(b'}') {
                        return Ok(());
                    }
                    return Err("expected ',' or '}' after the metric name");
                }
                q
            }
            Some(_) => c.name(false).ok_or("invalid label name")?,
            None => return Err("unterminated label set"),
        };
        c.blanks();
        if !c.eat(b'=') {
            return Err("expected '=' after label name");
        }
        c.blanks();
        if c.peek() != Some(b'"') {
            return Err("label value not quoted");
        }
        let v = c.quoted()?;
        labels.push((key, v));
        c.blanks();
        if c.eat(b',') {
            continue;
        }
        if c.eat(b'}') {
            return Ok(());
        }
        return Err("expected ',' or '}' in label set");
    }
}

fn parse_sample(t: &str) -> Result<Sample, &'static str> {
    let mut c = Cursor {
        b: t.as_bytes(),
        i: 0,
    };
    let mut name = None;
    let mut labels = Vec::new();
    if c.eat(b'{') {
        parse_labels(&mut c, &mut name, &mut labels)?;
        c.blanks();
    } else {
        name = Some(c.name(true).ok_or("invalid metric name")?);
        let before = c.i;
        c.blanks();
        if c.eat(b'{') {
            parse_labels(&mut c, &mut None, &mut labels)?;
            c.blanks();
        } else if c.i == before && c.peek().is_some() {
            return Err("invalid character in metric name");
        }
    }
    let name = name.ok_or("no metric name")?;
    let v = c.token();
    if v.is_empty() {
        return Err("no value");
    }
    let value = parse_value(v).ok_or("invalid value")?;
    c.blanks();
    let mut timestamp = None;
    match c.peek() {
        None | Some(b'#') => {}
        Some(_) => {
            let ts = c.token();
            timestamp = parse_value(ts).filter(|x| x.is_finite());
            if timestamp.is_none() {
                return Err("invalid timestamp");
            }
            c.blanks();
            match c.peek() {
                None | Some(b'#') => {}
                Some(_) => return Err("unexpected text after the timestamp"),
            }
        }
    }
    // an exemplar (`# {labels} value [ts]`) is ignored; a '#' glued to the value would
    // have been caught as an invalid value above.
    Ok(Sample {
        name,
        labels,
        value,
        timestamp,
    })
}

/// Streaming reader: an iterator of [`Sample`]s over `impl BufRead`, counting what it
/// skips in [`ParseStats`].
pub struct Reader<R> {
    r: R,
    buf: Vec<u8>,
    stats: ParseStats,
    done: bool,
}

impl<R: BufRead> Reader<R> {
    /// Start reading `r`.
    pub fn new(r: R) -> Self {
        Reader {
            r,
            buf: Vec::with_capacity(256),
            stats: ParseStats::default(),
            done: false,
        }
    }

    /// What has been seen so far.
    pub fn stats(&self) -> &ParseStats {
        &self.stats
    }

    /// The statistics, once done.
    pub fn into_stats(self) -> ParseStats {
        self.stats
    }

    fn drain_after_eof(&mut self) {
        loop {
            match read_line(&mut self.r, &mut self.buf, MAX_EXPO_LINE) {
                Ok(Some(_)) => {
                    self.stats.lines += 1;
                    if !self.buf.iter().all(|c| c.is_ascii_whitespace()) {
                        self.stats.after_eof += 1;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    self.stats.io_error = Some(e.to_string());
                    return;
                }
            }
        }
    }
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Sample;

    fn next(&mut self) -> Option<Sample> {
        while !self.done {
            let truncated = match read_line(&mut self.r, &mut self.buf, MAX_EXPO_LINE) {
                Ok(Some(t)) => t,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.stats.io_error = Some(e.to_string());
                    self.done = true;
                    return None;
                }
            };
            self.stats.lines += 1;
            let n = self.stats.lines;
            if truncated {
                self.stats.bad(n, "line too long");
                continue;
            }
            let text = String::from_utf8_lossy(&self.buf);
            let text = if n == 1 {
                text.trim_start_matches('\u{feff}')
            } else {
                &text
            };
            match parse_line(text) {
                Ok(Line::Sample(s)) => {
                    self.stats.samples += 1;
                    return Some(s);
                }
                Ok(Line::Eof) => {
                    self.stats.eof_marker = true;
                    self.done = true;
                    self.drain_after_eof();
                    return None;
                }
                Ok(Line::Type { name, kind }) => {
                    self.stats.types.insert(name, kind);
                }
                Ok(_) => {}
                Err(reason) => self.stats.bad(n, reason),
            }
        }
        None
    }
}

/// Read a whole exposition into memory (convenience for small inputs and tests).
pub fn parse_all<R: BufRead>(r: R) -> (Vec<Sample>, ParseStats) {
    let mut rd = Reader::new(r);
    let v: Vec<Sample> = rd.by_ref().collect();
    (v, rd.into_stats())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(s: &str) -> Sample {
        match parse_line(s) {
            Ok(Line::Sample(x)) => x,
            other => panic!("{s:?}: {other:?}"),
        }
    }

    #[test]
    fn plain_and_labelled() {
        let s = sample("etcd_server_has_leader 1");
        assert_eq!(s.name, "etcd_server_has_leader");
        assert!(s.labels.is_empty());
        assert_eq!(s.value, 1.0);
        let s = sample(r#"etcd_server_id{server_id="a9e9e1d57dda5a31"} 1"#);
        assert_eq!(s.label("server_id"), Some("a9e9e1d57dda5a31"));
        let s = sample(r#"x{a="1",b="2",} 3 1700000000000"#);
        assert_eq!(s.labels.len(), 2);
        assert_eq!(s.value, 3.0);
        let s = sample("  x  {  a = \"1\" , b=\"2\"  }   4.5e-3  ");
        assert_eq!(s.label("b"), Some("2"));
        assert_eq!(s.value, 0.0045);
        let s = sample("ns:rule:sum 2");
        assert_eq!(s.name, "ns:rule:sum");
    }

    #[test]
    fn escapes() {
        let s = sample(r#"m{path="C:\\dir\\x",msg="say \"hi\"\nbye",odd="\t"} 1"#);
        assert_eq!(s.label("path"), Some(r"C:\dir\x"));
        assert_eq!(s.label("msg"), Some("say \"hi\"\nbye"));
        assert_eq!(s.label("odd"), Some(r"\t"));
        // a brace, comma or '#' inside a quoted value is data
        let s = sample(r#"m{v="a,b}c # d"} 2"#);
        assert_eq!(s.label("v"), Some("a,b}c # d"));
        assert_eq!(s.value, 2.0);
    }

    #[test]
    fn special_values() {
        assert_eq!(sample(r#"b{le="+Inf"} +Inf"#).value, f64::INFINITY);
        assert_eq!(sample("g -Inf").value, f64::NEG_INFINITY);
        assert!(sample("g NaN").value.is_nan());
        assert_eq!(sample("g Inf").value, f64::INFINITY);
        assert_eq!(sample("g 2.147483648e+09").value, 2147483648.0);
        assert_eq!(sample("g -0.5").value, -0.5);
        assert_eq!(sample("g .5").value, 0.5);
    }

    #[test]
    fn openmetrics_exemplars_and_timestamps() {
        let s = sample(r#"foo_bucket{le="0.01"} 17 # {trace_id="KOO5S4vxi0o"} 0.004 1.6e9"#);
        assert_eq!(s.value, 17.0);
        assert_eq!(s.label("le"), Some("0.01"));
        let s = sample(r#"foo_total 5 1520879607.789 # {id="x"} 1"#);
        assert_eq!(s.value, 5.0);
        let s = sample(r#"{"my.dotted.name",code="200"} 7"#);
        assert_eq!(s.name, "my.dotted.name");
        assert_eq!(s.label("code"), Some("200"));
        assert_eq!(parse_line("# EOF"), Ok(Line::Eof));
        assert_eq!(parse_line("#EOF"), Ok(Line::Eof));
    }

    #[test]
    fn comments() {
        assert_eq!(
            parse_line("# TYPE etcd_server_has_leader gauge"),
            Ok(Line::Type {
                name: "etcd_server_has_leader".into(),
                kind: "gauge".into()
            })
        );
        assert!(matches!(
            parse_line("# HELP x Some help with \\n escapes"),
            Ok(Line::Help { .. })
        ));
        assert_eq!(parse_line("# just a comment"), Ok(Line::Comment));
        assert_eq!(parse_line("#"), Ok(Line::Comment));
        assert_eq!(parse_line("   "), Ok(Line::Blank));
        assert_eq!(parse_line("# UNIT x seconds"), Ok(Line::Unit));
    }

    #[test]
    fn malformed() {
        for bad in [
            "1abc 2",
            "m",
            "m{",
            "m{a=1} 2",
            r#"m{a="1" 2"#,
            r#"m{a="1"} two"#,
            "m 1 notatime",
            "m 1 2 3",
            "m{a=\"x} 1",
            "m-x 1",
            r#"m{="x"} 1"#,
            "m 1#x",
            "{} 1",
            "m 0x1p3",
        ] {
            assert!(
                parse_line(bad).is_err(),
                "{bad:?} should be malformed: {:?}",
                parse_line(bad)
            );
        }
    }

    #[test]
    fn reader_counts_and_stops_at_eof() {
        let text = "# TYPE a counter\na_total 1\nbad line here\n\nb 2\r\n# EOF\nc 3\n";
        let (v, st) = parse_all(text.as_bytes());
        assert_eq!(
            v.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["a_total", "b"]
        );
        assert_eq!(st.malformed, 1);
        assert_eq!(st.malformed_examples[0].line, 3);
        assert!(st.eof_marker);
        assert_eq!(st.after_eof, 1);
        assert_eq!(st.types.get("a").map(|s| s.as_str()), Some("counter"));
        assert!(st.malformed_message().unwrap().contains("line 3"));
    }

    #[test]
    fn reader_survives_binary_and_long_lines() {
        let mut data = vec![0xff, 0xfe, b'\n'];
        data.extend(std::iter::repeat_n(b'a', MAX_EXPO_LINE + 10));
        data.extend_from_slice(b" 1\nok 1\n");
        let (v, st) = parse_all(&data[..]);
        assert_eq!(v.len(), 1);
        assert_eq!(st.malformed, 2);
        assert_eq!(st.malformed_examples[1].reason, "line too long");
    }
}
