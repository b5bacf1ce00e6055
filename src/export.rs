//! Whole-document exports turned into one line per log record before the line pipeline
//! reads them: a saved Elasticsearch/OpenSearch `_search` response (`{"took":…,
//! "hits":{"hits":[…]}}`, pretty-printed or on one line) and a Grafana CSV download of a
//! Loki logs panel (Inspect → Data → Download CSV). Each record becomes a line in the
//! layout the per-line readers already know (an `{"_index":…,"_source":…}` hit, a
//! `logcli --output=jsonl` record), so the log line, its time and its source (pod,
//! container, host labels) are read by the same code as the one-per-line exports.
//!
//! Memory: a `_search` document is read as a stream (serde visitor over `hits.hits`):
//! one hit's tree and at most [`IN_FLIGHT`] chunks of [`CHUNK`] bytes of produced lines
//! are held at a time, never the whole text or the whole tree. A CSV is read one record
//! at a time.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::io::{self, BufRead, BufReader, Read};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::LazyLock;

/// Bytes of produced lines sent to the reader at a time.
const CHUNK: usize = 64 * 1024;
/// Chunks waiting for the line pipeline at most.
const IN_FLIGHT: usize = 16;

/// A whole-document export recognised at the start of an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// An Elasticsearch/OpenSearch `_search` response (also Kibana's `rawResponse`).
    SearchResponse,
    /// A Grafana CSV download of a logs panel: the delimiter and the header's columns.
    GrafanaCsv(u8),
}

impl Export {
    /// Name shown in `inputs[].wrappers`.
    pub fn name(self) -> &'static str {
        match self {
            Export::SearchResponse => "elasticsearch-search",
            Export::GrafanaCsv(_) => "grafana-csv",
        }
    }
}

/// The first keys an Elasticsearch/OpenSearch `_search` response starts with (Kibana's
/// Inspect → Response wraps it in `rawResponse`); a zap record starts with `level`, a
/// one-per-line hit with `_index`.
static SEARCH_START: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(
        r#"\A\s*\{\s*"(?:took|timed_out|_shards|hits|_scroll_id|pit_id|terminated_early|num_reduce_phases|_clusters|rawResponse)"\s*:"#,
    )
    .unwrap()
});

/// Tell a whole-document export from the first bytes of an input.
pub fn sniff(head: &[u8]) -> Option<Export> {
    if SEARCH_START.is_match(head) {
        return Some(Export::SearchResponse);
    }
    let (delim, header) = csv_head(head)?;
    Columns::find(&header)?;
    Some(Export::GrafanaCsv(delim))
}

/// Lines of an export, read from `r` (the decoded text of the input).
pub fn lines(export: Export, r: Box<dyn BufRead + Send>) -> Box<dyn BufRead + Send> {
    match export {
        Export::SearchResponse => Box::new(BufReader::with_capacity(CHUNK, search_lines(r))),
        Export::GrafanaCsv(delim) => {
            Box::new(BufReader::with_capacity(CHUNK, CsvLines::new(r, delim)))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Elasticsearch / OpenSearch `_search` responses

/// Chunks of lines sent by the parsing thread; a read error ends them.
struct ChannelReader {
    rx: Receiver<io::Result<Vec<u8>>>,
    cur: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.cur.len() {
            match self.rx.recv() {
                Ok(Ok(c)) => (self.cur, self.pos) = (c, 0),
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len() - self.pos);
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Parse the document on a thread of its own (serde's visitor is push-style), sending
/// the hits as lines; a damaged document ends the lines with an error that says where.
fn search_lines(r: Box<dyn BufRead + Send>) -> ChannelReader {
    let (tx, rx) = mpsc::sync_channel(IN_FLIGHT);
    std::thread::spawn(move || {
        let mut sink = Sink {
            tx: tx.clone(),
            buf: Vec::with_capacity(CHUNK),
            stopped: false,
        };
        let mut de = serde_json::Deserializer::from_reader(r);
        let found = Response(&mut sink)
            .deserialize(&mut de)
            .and_then(|f| de.end().map(|()| f));
        if sink.stopped {
            return; // nobody reads any more
        }
        sink.flush();
        let err = match found {
            Ok(true) => return,
            Ok(false) => "an Elasticsearch/OpenSearch _search response without hits.hits".into(),
            Err(e) => format!("damaged Elasticsearch/OpenSearch _search response: {e}"),
        };
        let _ = tx.send(Err(io::Error::new(io::ErrorKind::InvalidData, err)));
    });
    ChannelReader {
        rx,
        cur: Vec::new(),
        pos: 0,
    }
}

struct Sink {
    tx: SyncSender<io::Result<Vec<u8>>>,
    buf: Vec<u8>,
    /// The reader is gone: parsing stops.
    stopped: bool,
}

impl Sink {
    /// One hit as the line the one-per-line hit reader takes: `{"_index":…,"_source":…}`
    /// (a hit fetched with `fields` instead of `_source` gets its fields' first values).
    fn hit(&mut self, hit: Value) -> bool {
        let Value::Object(mut h) = hit else {
            // not a hit: its text is still a line, counted as not etcd
            return self.line(&hit);
        };
        let mut out = Map::new();
        out.insert("_index".into(), h.remove("_index").unwrap_or_default());
        let source = match (h.remove("_source"), h.remove("fields")) {
            (Some(s), _) => Some(s),
            (None, Some(Value::Object(f))) => Some(Value::Object(
                f.into_iter()
                    .map(|(k, v)| match v {
                        Value::Array(mut a) if !a.is_empty() => (k, a.swap_remove(0)),
                        v => (k, v),
                    })
                    .collect(),
            )),
            _ => None,
        };
        if let Some(s) = source {
            out.insert("_source".into(), s);
        }
        self.line(&Value::Object(out))
    }

    fn line(&mut self, v: &Value) -> bool {
        // compact JSON: a newline inside a value is escaped, so this is one line
        if serde_json::to_writer(&mut self.buf, v).is_err() {
            return false;
        }
        self.buf.push(b'\n');
        self.buf.len() < CHUNK || self.flush()
    }

    fn flush(&mut self) -> bool {
        if self.buf.is_empty() {
            return true;
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.stopped = self.tx.send(Ok(chunk)).is_err();
        !self.stopped
    }
}

/// The response object: `hits` holds the hits; Kibana's `rawResponse` holds a response.
struct Response<'s>(&'s mut Sink);

impl<'de> DeserializeSeed<'de> for Response<'_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Response<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a _search response object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(k) = m.next_key::<String>()? {
            found |= match k.as_str() {
                "hits" => m.next_value_seed(Hits(&mut *self.0, false))?,
                "rawResponse" => m.next_value_seed(Response(&mut *self.0))?,
                _ => m.next_value::<IgnoredAny>().map(|_| false)?,
            };
        }
        Ok(found)
    }
}

/// `hits`: the object (`total`, `max_score`, `hits`), then (`true`) its array.
struct Hits<'s>(&'s mut Sink, bool);

impl<'de> DeserializeSeed<'de> for Hits<'_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        if self.1 {
            d.deserialize_seq(self)
        } else {
            d.deserialize_map(self)
        }
    }
}

impl<'de> Visitor<'de> for Hits<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(if self.1 {
            "the hits.hits array"
        } else {
            "the hits object"
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(k) = m.next_key::<String>()? {
            if k == "hits" {
                found |= m.next_value_seed(Hits(&mut *self.0, true))?;
            } else {
                m.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<bool, A::Error> {
        while let Some(hit) = s.next_element::<Value>()? {
            if !self.0.hit(hit) {
                return Err(de::Error::custom("reading stopped"));
            }
        }
        Ok(true)
    }
}

// ---------------------------------------------------------------------------------------
// Grafana CSV

/// The delimiter and the header cells of a CSV head: Grafana writes an optional
/// `sep=X` line (Download for Excel), then the quoted field names, with the locale's
/// list separator (`,`, `;` in many European locales).
fn csv_head(head: &[u8]) -> Option<(u8, Vec<String>)> {
    let mut lines = head.split(|b| *b == b'\n');
    let mut first = lines.next()?;
    let mut sep = None;
    if let Some(rest) = first.strip_prefix(b"sep=") {
        sep = rest.first().copied();
        first = lines.next()?;
    }
    let first = first.strip_suffix(b"\r").unwrap_or(first);
    let delims: &[u8] = match &sep {
        Some(d) => std::slice::from_ref(d),
        None => b",;\t",
    };
    delims.iter().find_map(|&d| {
        let cells = header_cells(first, d)?;
        Columns::find(&cells).map(|_| (d, cells))
    })
}

fn header_cells(line: &[u8], delim: u8) -> Option<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delim)
        .from_reader(line);
    let rec = r.records().next()?.ok()?;
    Some(rec.iter().map(str::to_string).collect())
}

/// Where the columns of a Grafana logs CSV are.
#[derive(Clone, Debug, Default)]
struct Columns {
    line: usize,
    /// `Time` as Grafana displays it (its dashboard zone, not printed), or epoch ms.
    time: Option<usize>,
    /// `tsNs`: nanoseconds since the epoch (exact, UTC).
    ts_ns: Option<usize>,
    /// `labels`: the stream's labels, a JSON object (or a Loki `{k="v"}` set).
    labels: Option<usize>,
    /// Columns named as labels (`pod`, `container`, `instance`, `host`, …) when the
    /// labels were split into columns.
    named: Vec<(String, usize)>,
}

/// Label names read as the source of a line when a CSV has them as columns.
const LABEL_COLUMNS: &[&str] = &[
    "pod",
    "pod_name",
    "container",
    "container_name",
    "instance",
    "host",
    "hostname",
    "node_name",
    "nodename",
    "namespace",
    "job",
];

impl Columns {
    /// The columns of a header row: a log-line column (`Line`, `line`, `Message`,
    /// `body`) and a time or labels column, else not a logs CSV.
    fn find(cells: &[String]) -> Option<Columns> {
        let at = |names: &[&str]| {
            cells
                .iter()
                .position(|c| names.iter().any(|n| c.trim().eq_ignore_ascii_case(n)))
        };
        let mut c = Columns {
            line: at(&["line", "message", "body", "log"])?,
            time: at(&["time", "timestamp", "@timestamp", "ts"]),
            ts_ns: at(&["tsns"]),
            labels: at(&["labels"]),
            named: Vec::new(),
        };
        for (i, cell) in cells.iter().enumerate() {
            let name = cell.trim();
            if LABEL_COLUMNS.contains(&name) {
                c.named.push((name.to_string(), i));
            }
        }
        (c.time.is_some() || c.ts_ns.is_some() || c.labels.is_some()).then_some(c)
    }

    /// A record as a `logcli --output=jsonl` line; None when it has no line cell.
    fn record(&self, rec: &csv::StringRecord) -> Option<Value> {
        let line = rec.get(self.line)?;
        let mut labels = Map::new();
        if let Some(l) = self.labels.and_then(|i| rec.get(i)) {
            labels = parse_labels(l);
        }
        for (name, i) in &self.named {
            if let Some(v) = rec.get(*i).filter(|v| !v.is_empty()) {
                labels.insert(name.clone(), Value::String(v.to_string()));
            }
        }
        let ts = self
            .ts_ns
            .and_then(|i| rec.get(i))
            .and_then(ns_rfc3339)
            .or_else(|| self.time.and_then(|i| rec.get(i)).map(time_cell));
        let mut out = Map::new();
        if !labels.is_empty() {
            out.insert("labels".into(), Value::Object(labels));
        }
        out.insert("line".into(), Value::String(line.to_string()));
        if let Some(t) = ts {
            out.insert("timestamp".into(), Value::String(t));
        }
        Some(Value::Object(out))
    }
}

/// A `labels` cell: a JSON object (Grafana's display of the labels field), or a Loki
/// label set `{k="v", …}`; anything else gives no labels.
fn parse_labels(s: &str) -> Map<String, Value> {
    if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(s) {
        return m
            .into_iter()
            .map(|(k, v)| match v {
                Value::String(_) => (k, v),
                v => (k, Value::String(v.to_string())),
            })
            .collect();
    }
    static PAIR: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r#"([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)""#).unwrap()
    });
    if !s.trim_start().starts_with('{') {
        return Map::new();
    }
    PAIR.captures_iter(s)
        .map(|c| (c[1].to_string(), Value::String(c[2].replace("\\\"", "\""))))
        .collect()
}

/// `tsNs` (nanoseconds since the epoch) as RFC 3339 UTC.
fn ns_rfc3339(s: &str) -> Option<String> {
    let ns: i64 = s.trim().parse().ok()?;
    let t = chrono::DateTime::from_timestamp(
        ns.div_euclid(1_000_000_000),
        ns.rem_euclid(1_000_000_000) as u32,
    )?;
    Some(t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
}

/// A `Time` cell: epoch milliseconds (an export of raw values) become RFC 3339 UTC; a
/// displayed time is kept as printed (zone-less: read in `--assume-tz`, unless the log
/// line inside carries its own time).
fn time_cell(s: &str) -> String {
    let t = s.trim();
    if t.len() == 13 && t.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(r) = t
            .parse::<i64>()
            .ok()
            .and_then(|ms| ns_rfc3339(&(ms * 1_000_000).to_string()))
        {
            return r;
        }
    }
    t.to_string()
}

/// A Grafana CSV read one record at a time, each written as a line in the place of
/// the record's first line (header rows, the `sep=` line and the lines a quoted cell
/// spans become blank lines), so that line numbers are the CSV file's.
struct CsvLines<R: Read> {
    rdr: csv::Reader<R>,
    cols: Option<Columns>,
    rec: csv::StringRecord,
    out: Vec<u8>,
    pos: usize,
    /// Lines written so far.
    written: u64,
    done: bool,
}

impl<R: Read> CsvLines<R> {
    fn new(r: R, delim: u8) -> Self {
        CsvLines {
            rdr: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delim)
                .from_reader(r),
            cols: None,
            rec: csv::StringRecord::new(),
            out: Vec::new(),
            pos: 0,
            written: 0,
            done: false,
        }
    }

    /// Turn the next record into its line(s).
    fn next_record(&mut self) -> io::Result<()> {
        let start_line = self.rdr.position().line();
        match self.rdr.read_record(&mut self.rec) {
            Ok(true) => {}
            Ok(false) => {
                self.done = true;
                return Ok(());
            }
            Err(e) => return Err(csv_error(e)),
        }
        // blank lines up to the record's own line (the `sep=` line, cells spanning lines)
        let at = self.rec.position().map_or(start_line, |p| p.line());
        while self.written + 1 < at {
            self.out.push(b'\n');
            self.written += 1;
        }
        let cells: Vec<String> = self.rec.iter().map(str::to_string).collect();
        let found = Columns::find(&cells);
        let header = found.is_some();
        let line = if let Some(c) = found {
            // a header (Grafana writes one per data frame)
            self.cols = Some(c);
            None
        } else {
            self.cols.as_ref().and_then(|c| c.record(&self.rec))
        };
        match (line, &self.cols) {
            (Some(v), _) => serde_json::to_writer(&mut self.out, &v).map_err(io::Error::other)?,
            // a row without a line cell: its text as it is, counted as not etcd
            (None, Some(_)) if !header => self.out.extend_from_slice(cells.join(",").as_bytes()),
            // a header, or the `sep=` line before the first one
            (None, _) => {}
        }
        self.out.push(b'\n');
        self.written += 1;
        Ok(())
    }
}

fn csv_error(e: csv::Error) -> io::Error {
    let at = e
        .position()
        .map(|p| format!(" at line {}", p.line()))
        .unwrap_or_default();
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        k => io::Error::new(
            io::ErrorKind::InvalidData,
            format!("damaged Grafana CSV{at}: {k:?}"),
        ),
    }
}

impl<R: Read> Read for CsvLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.out.clear();
            self.pos = 0;
            while self.out.len() < CHUNK && !self.done {
                self.next_record()?;
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(export: Export, text: &str) -> (String, Option<io::Error>) {
        let mut r = lines(export, Box::new(io::Cursor::new(text.as_bytes().to_vec())));
        let mut out = String::new();
        let mut err = None;
        loop {
            let mut line = String::new();
            match r.read_line(&mut line) {
                Ok(0) => break,
                Ok(_) => out.push_str(&line),
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        (out, err)
    }

    #[test]
    fn search_response_is_told_and_read_hit_by_hit() {
        let doc = r#"{
  "took" : 3, "timed_out" : false,
  "hits" : { "total" : { "value" : 2, "relation" : "eq" }, "max_score" : null,
    "hits" : [
      { "_index" : "logs", "_id" : "a", "_source" : { "message" : "one\nline", "kubernetes" : { "pod_name" : "etcd-0" } } },
      { "_index" : "logs", "_id" : "b", "fields" : { "log" : [ "two" ] } }
    ] } }"#;
        assert_eq!(sniff(doc.as_bytes()), Some(Export::SearchResponse));
        let (out, err) = read_all(Export::SearchResponse, doc);
        assert!(err.is_none(), "{err:?}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines,
            [
                r#"{"_index":"logs","_source":{"message":"one\nline","kubernetes":{"pod_name":"etcd-0"}}}"#,
                r#"{"_index":"logs","_source":{"log":"two"}}"#
            ]
        );
        // a zap record and a one-per-line hit are not whole responses
        assert_eq!(sniff(br#"{"level":"info","msg":"x"}"#), None);
        assert_eq!(sniff(br#"{"_index":"logs","_source":{}}"#), None);
    }

    #[test]
    fn damaged_or_hitless_response_ends_with_an_error() {
        let doc = r#"{"took":1,"hits":{"hits":[{"_index":"l","_source":{"message":"a"}},{"_index":"l","_sou"#;
        let (out, err) = read_all(Export::SearchResponse, doc);
        assert_eq!(out.lines().count(), 1);
        let err = err.expect("an error").to_string();
        assert!(
            err.contains("damaged Elasticsearch/OpenSearch _search response"),
            "{err}"
        );
        let (out, err) = read_all(Export::SearchResponse, r#"{"took":1,"timed_out":false}"#);
        assert!(out.is_empty());
        assert!(err.unwrap().to_string().contains("without hits.hits"));
    }

    #[test]
    fn grafana_csv_layouts() {
        // Grafana 8+ Loki frame (labels, Time, Line, tsNs, id), `;` locale, Excel `sep=`
        let csv = "sep=;\r\n\"labels\";\"Time\";\"Line\";\"tsNs\";\"id\"\r\n{\"pod\":\"etcd-1\"};2026-11-25 16:15:34.414;\"{\"\"msg\"\":\"\"x;y\"\"}\";1764087334414000000;abc\r\nbroken";
        let Some(Export::GrafanaCsv(d)) = sniff(csv.as_bytes()) else {
            panic!("not told")
        };
        assert_eq!(d, b';');
        let (out, err) = read_all(Export::GrafanaCsv(d), csv);
        assert!(err.is_none());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[..2], ["", ""]);
        assert_eq!(
            lines[2],
            r#"{"labels":{"pod":"etcd-1"},"line":"{\"msg\":\"x;y\"}","timestamp":"2025-11-25T16:15:34.414000000Z"}"#
        );
        // a row with no line cell is kept as text (counted as not etcd later)
        assert_eq!(lines[3], "broken");
        // a plain CSV of something else is not an export
        assert_eq!(sniff(b"name,value\r\na,1\r\n"), None);
    }
}
