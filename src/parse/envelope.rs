//! Envelopes: peel outer wrappers (CRI, `kubectl --timestamps`, docker json-file,
//! journald/syslog, compose/goreman, paste decorations) and recognise the etcd line
//! inside (zap JSON, zap console, capnslog, raft Go `log`, etcd 0.5/2.0 Go `log`, bare
//! journald capnslog payloads). Formats are detected per line (etcd-log-messages.md §1).

use super::zapjson::Fields;
use crate::time::{parse_clock, parse_epoch, parse_golog, parse_iso, parse_syslog, RawTime};
use std::borrow::Cow;
use std::sync::LazyLock;

/// The inner etcd line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// zap JSON (etcd 3.4 `--logger=zap`, 3.5, 3.6; also shipper-renamed keys).
    ZapJson,
    /// zap console, TAB separated (3.6 `--log-format=console`).
    ZapConsole,
    /// capnslog pretty `YYYY-MM-DD HH:MM:SS.ffffff L | pkg: msg` (2.1–3.4).
    Capnslog,
    /// raft through Go `log`: `raftYYYY/MM/DD HH:MM:SS LEVEL: msg` (3.4 capnslog mode).
    GoLogRaft,
    /// etcd 0.5/2.0 and embedders: `YYYY/MM/DD HH:MM:SS [file.go:N: ][LEVEL: ]pkg: msg`.
    GoLog,
    /// capnslog journald formatter: message only, time from the journald prefix.
    JournaldPayload,
}

impl Format {
    /// Stable name used in JSON (`inputs[].formats`).
    pub fn name(self) -> &'static str {
        match self {
            Format::ZapJson => "zap-json",
            Format::ZapConsole => "zap-console",
            Format::Capnslog => "capnslog",
            Format::GoLogRaft => "raft-golog",
            Format::GoLog => "golog",
            Format::JournaldPayload => "journald-capnslog",
        }
    }
}

/// Outer wrappers, as bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Wrappers(pub u16);

impl Wrappers {
    /// containerd / CRI-O log file.
    pub const CRI: u16 = 1;
    /// `kubectl logs --timestamps`, must-gather `current.log`.
    pub const KUBECTL: u16 = 2;
    /// docker json-file.
    pub const DOCKER: u16 = 4;
    /// journald / syslog prefix.
    pub const JOURNALD: u16 = 8;
    /// docker-compose / goreman `name | ` prefix.
    pub const COMPOSE: u16 = 16;
    /// issue/chat paste decorations.
    pub const PASTE: u16 = 32;
    /// `kubectl logs --prefix`: `[pod/NAME/CONTAINER] `.
    pub const KUBECTL_PREFIX: u16 = 64;
    /// stern's default template: `POD CONTAINER `.
    pub const STERN: u16 = 128;
    /// Loki `logcli query` output (default `ts {labels} line`, or `--output=jsonl`).
    pub const LOKI: u16 = 256;
    /// Elasticsearch / OpenSearch hits (`{"_index":…,"_source":{…}}`, one per line).
    pub const ELASTICSEARCH: u16 = 512;
    /// `journalctl -o json` / `-o export`-as-JSON records (`MESSAGE`,
    /// `__REALTIME_TIMESTAMP`).
    pub const JOURNALD_JSON: u16 = 1024;

    /// Names of the wrappers present.
    pub fn names(self) -> Vec<&'static str> {
        let mut v = Vec::new();
        for (bit, n) in [
            (Self::CRI, "cri"),
            (Self::KUBECTL, "kubectl-timestamps"),
            (Self::DOCKER, "docker-json"),
            (Self::JOURNALD, "journald"),
            (Self::COMPOSE, "compose"),
            (Self::PASTE, "paste"),
            (Self::KUBECTL_PREFIX, "kubectl-prefix"),
            (Self::STERN, "stern"),
            (Self::LOKI, "loki"),
            (Self::ELASTICSEARCH, "elasticsearch"),
            (Self::JOURNALD_JSON, "journald-json"),
        ] {
            if self.0 & bit != 0 {
                v.push(n);
            }
        }
        v
    }
}

/// One recognised etcd log record.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    /// Inner format.
    pub format: Format,
    /// Wrappers peeled off.
    pub wrappers: Wrappers,
    /// The chosen timestamp (innermost with a zone, else outer with a zone, else inner,
    /// else outer).
    pub time: Option<RawTime>,
    /// The timestamp has second precision only.
    pub coarse: bool,
    /// Level, lower case (`info`, `warn`, ...), when printed.
    pub level: Option<&'static str>,
    /// capnslog package or zap logger name.
    pub pkg: Option<Cow<'a, str>>,
    /// Message text.
    pub msg: Cow<'a, str>,
    /// zap fields (JSON object) when the line carried them.
    pub fields: Option<Fields<'a>>,
    /// The record was found after leading garbage on the line (glued/interleaved write).
    pub glued: bool,
    /// Which process wrote the line when a wrapper tells (compose service name,
    /// journald `host ident[pid]`): lines of one stream belong to one member.
    pub stream: Option<String>,
}

/// Result of peeling one line.
#[derive(Debug)]
pub enum Peeled<'a> {
    /// An etcd record.
    Record(Box<Record<'a>>),
    /// A blank line.
    Blank,
    /// A line of another program (grpc, panic, banner) or of no known format.
    Other,
    /// A zap JSON line that could not be decoded (truncated, broken).
    BadJson,
}

/// Per-input state for wrappers that span lines (CRI partial lines) and for the year
/// of year-less journald lines.
#[derive(Debug, Default)]
pub struct EnvState {
    partial: Option<Vec<u8>>,
    /// Year used for year-less timestamps.
    pub year: i32,
}

impl EnvState {
    /// A CRI partial record still waiting for its final chunk (at the end of an input it
    /// was cut off).
    pub fn pending_partial(&self) -> bool {
        self.partial.is_some()
    }

    /// New state with the given default year.
    pub fn new(year: i32) -> Self {
        EnvState {
            partial: None,
            year,
        }
    }
}

/// Re-join CRI partial (`P`) chunks. Returns `None` while a record is incomplete.
pub fn cri_join<'a>(line: &'a [u8], st: &mut EnvState) -> Option<Cow<'a, [u8]>> {
    let Some((ts_len, tag_at)) = cri_header(line) else {
        if let Some(p) = st.partial.take() {
            // a partial record followed by a non-CRI line: flush what we had
            let _ = p;
        }
        return Some(Cow::Borrowed(line));
    };
    let flag = line[tag_at];
    let content = &line[(tag_at + 2).min(line.len())..];
    let _ = ts_len;
    match (flag, st.partial.as_mut()) {
        (b'P', Some(buf)) => {
            buf.extend_from_slice(content);
            None
        }
        (b'P', None) => {
            let mut buf = line.to_vec();
            buf[tag_at] = b'F';
            st.partial = Some(buf);
            None
        }
        (_, Some(_)) => {
            let mut buf = st.partial.take().unwrap_or_default();
            buf.extend_from_slice(content);
            Some(Cow::Owned(buf))
        }
        (_, None) => Some(Cow::Borrowed(line)),
    }
}

/// True for a CRI partial (`P`) record: its line goes on in the next record.
pub fn cri_partial(line: &[u8]) -> bool {
    let head = &line[..line.len().min(64)];
    line.first().is_some_and(u8::is_ascii_digit)
        && super::find!(head, b" std").is_some()
        && cri_header(line).is_some_and(|(_, at)| line[at] == b'P')
}

/// `<rfc3339> (stdout|stderr) (F|P) ` → (timestamp length, index of the F/P flag).
fn cri_header(line: &[u8]) -> Option<(usize, usize)> {
    let (_, n) = parse_iso(line)?;
    let rest = line.get(n..)?;
    let after = if rest.starts_with(b" stderr ") || rest.starts_with(b" stdout ") {
        n + 8
    } else {
        return None;
    };
    let flag = *line.get(after)?;
    if (flag == b'F' || flag == b'P')
        && (line.get(after + 1) == Some(&b' ') || line.len() == after + 1)
    {
        Some((n, after))
    } else {
        None
    }
}

fn level_letter(c: u8) -> Option<&'static str> {
    Some(match c {
        b'C' => "critical",
        b'E' => "error",
        b'W' => "warn",
        b'N' => "notice",
        b'I' => "info",
        b'D' => "debug",
        b'T' => "trace",
        _ => return None,
    })
}

fn level_word(s: &str) -> Option<&'static str> {
    Some(match s.to_ascii_lowercase().as_str() {
        "debug" => "debug",
        "info" => "info",
        "warn" | "warning" => "warn",
        "error" => "error",
        "dpanic" => "dpanic",
        "panic" => "panic",
        "fatal" => "fatal",
        "critical" => "critical",
        "notice" => "notice",
        _ => return None,
    })
}

static JOURNALD_IDENT: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(r"^ ([^\s\[\]:]+) ([A-Za-z0-9_.@/-]+)(?:\[\d+\])?: ").unwrap()
});
static COMPOSE: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(r"^(?:\d\d:\d\d:\d\d )?[A-Za-z][\w.-]*\s*\| ").unwrap()
});
static PASTE_LINE: LazyLock<regex::bytes::Regex> =
    LazyLock::new(|| regex::bytes::Regex::new(r"^Line \d+: ").unwrap());
static GLUE: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(
        r#"\{"level":"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} [CEWNIDT] \| |raft ?\d{4}/\d\d/\d\d \d\d:\d\d:\d\d [A-Z]+: "#,
    )
    .unwrap()
});

pub(super) struct Outer {
    pub(super) time: Option<RawTime>,
    pub(super) wrappers: Wrappers,
    pub(super) stream: Option<String>,
}

/// Peel one complete line (CRI partials already joined).
pub fn peel<'a>(line: &'a [u8], st: &EnvState) -> Peeled<'a> {
    let mut b = trim_end(line);
    // paste decorations and indentation
    let mut outer = Outer {
        time: None,
        wrappers: Wrappers::default(),
        stream: None,
    };
    b = strip_paste(b, &mut outer);
    if b.is_empty() {
        return Peeled::Blank;
    }
    // up to three wrappers deep (e.g. journald around compose around capnslog)
    let mut inner: Cow<'a, [u8]> = Cow::Borrowed(b);
    for _ in 0..3 {
        match peel_wrapper(&inner, st, &mut outer) {
            Some(WrapOut::Slice(start)) => {
                inner = match inner {
                    Cow::Borrowed(s) => Cow::Borrowed(&s[start..]),
                    Cow::Owned(v) => Cow::Owned(v[start..].to_vec()),
                };
            }
            Some(WrapOut::Owned(v)) => inner = Cow::Owned(v),
            None => break,
        }
    }
    match inner {
        Cow::Borrowed(s) => recognise(s, outer, false),
        Cow::Owned(v) => match recognise(&v, outer, false) {
            Peeled::Record(r) => Peeled::Record(Box::new(r.into_owned())),
            Peeled::Blank => Peeled::Blank,
            Peeled::Other => Peeled::Other,
            Peeled::BadJson => Peeled::BadJson,
        },
    }
}

impl Record<'_> {
    fn into_owned(self) -> Record<'static> {
        Record {
            format: self.format,
            wrappers: self.wrappers,
            time: self.time,
            coarse: self.coarse,
            level: self.level,
            pkg: self.pkg.map(|p| Cow::Owned(p.into_owned())),
            msg: Cow::Owned(self.msg.into_owned()),
            fields: self.fields.map(Fields::into_owned),
            glued: self.glued,
            stream: self.stream,
        }
    }
}

pub(super) fn trim_end(mut b: &[u8]) -> &[u8] {
    while let Some((&last, rest)) = b.split_last() {
        if last == b'\n' || last == b'\r' {
            b = rest;
        } else {
            break;
        }
    }
    b
}

fn strip_paste<'a>(mut b: &'a [u8], outer: &mut Outer) -> &'a [u8] {
    loop {
        let start = b;
        let ws = b.iter().take_while(|c| **c == b' ' || **c == b'\t').count();
        if ws > 0 {
            b = &b[ws..];
            if ws >= 4 {
                outer.wrappers.0 |= Wrappers::PASTE;
            }
        }
        if b.starts_with(b"> ") || b == b">" {
            b = &b[b.len().min(2)..];
            outer.wrappers.0 |= Wrappers::PASTE;
        } else if b.starts_with(b"| ") {
            b = &b[2..];
            outer.wrappers.0 |= Wrappers::PASTE;
        } else if b.starts_with(b"^C") {
            // a terminal's echo of Ctrl-C, glued in front of the line the interrupted
            // process printed next (etcd's own `received interrupt signal` line)
            b = &b[2..];
            outer.wrappers.0 |= Wrappers::PASTE;
        } else if let Some(m) = PASTE_LINE.find(b) {
            b = &b[m.end()..];
            outer.wrappers.0 |= Wrappers::PASTE;
        }
        if b.len() == start.len() {
            return b;
        }
    }
}

pub(super) enum WrapOut {
    Slice(usize),
    Owned(Vec<u8>),
}

fn peel_wrapper(b: &[u8], st: &EnvState, outer: &mut Outer) -> Option<WrapOut> {
    let first = *b.first()?;
    if let Some(w) = super::source::peel_source(b, first, outer) {
        return Some(w);
    }
    // docker json-file
    if first == b'{' && b.starts_with(b"{\"log\":") {
        let v = Fields::scan(Cow::Borrowed(b)).ok()?;
        let log = v.get_str("log")?;
        if let Some(t) = v.get_str("time") {
            if let Some((rt, _)) = parse_iso(t.as_bytes()) {
                outer.time.get_or_insert(rt);
            }
        }
        outer.wrappers.0 |= Wrappers::DOCKER;
        return Some(WrapOut::Owned(trim_end(log.as_bytes()).to_vec()));
    }
    if first.is_ascii_digit() {
        if let Some((rt, n)) = parse_iso(b) {
            let rest = &b[n..];
            // CRI: `ts stderr F `
            if let Some((_, tag_at)) = cri_header(b) {
                outer.time.get_or_insert(rt);
                outer.wrappers.0 |= Wrappers::CRI;
                return Some(WrapOut::Slice((tag_at + 2).min(b.len())));
            }
            // Loki logcli default output: `ts {labels} line`
            if rt.offset.is_some() && rest.starts_with(b" {") {
                if let Some(w) = super::source::loki_labels(b, n, rt, outer) {
                    return Some(w);
                }
            }
            // journald short-iso / short-iso-precise: `ts host ident[pid]: `
            if rt.offset.is_some() {
                if let Some(m) = JOURNALD_IDENT.captures(rest) {
                    let whole = m.get(0).map(|x| x.end()).unwrap_or(0);
                    set_stream(outer, &rest[..whole]);
                    outer.time.get_or_insert(rt);
                    outer.wrappers.0 |= Wrappers::JOURNALD;
                    return Some(WrapOut::Slice(n + whole));
                }
            }
            // kubectl --timestamps: RFC 3339 with zone, then a space, then the line
            // (not zap console pasted with its TABs turned into spaces)
            if rt.offset.is_some()
                && rest.first() == Some(&b' ')
                && b.get(10) == Some(&b'T')
                && !console_with_spaces(rest)
            {
                outer.time.get_or_insert(rt);
                outer.wrappers.0 |= Wrappers::KUBECTL;
                return Some(WrapOut::Slice(n + 1));
            }
        }
        // goreman with a clock: `07:34:18 etcd3 | `
        if let Some(m) = COMPOSE.find(b) {
            outer.wrappers.0 |= Wrappers::COMPOSE;
            set_stream(outer, compose_name(&b[..m.end()]));
            return Some(WrapOut::Slice(m.end()));
        }
        return None;
    }
    if first.is_ascii_uppercase() {
        // journald short / short-precise: `May 28 14:09:59 host ident[pid]: `
        if let Some((rt, n)) = parse_syslog(b, st.year) {
            if let Some(m) = JOURNALD_IDENT.captures(&b[n..]) {
                let whole = m.get(0).map(|x| x.end()).unwrap_or(0);
                set_stream(outer, &b[n..n + whole]);
                outer.time.get_or_insert(rt);
                outer.wrappers.0 |= Wrappers::JOURNALD;
                return Some(WrapOut::Slice(n + whole));
            }
        }
    }
    if first.is_ascii_alphabetic() && !b.starts_with(b"raft") {
        if let Some(m) = COMPOSE.find(b) {
            outer.wrappers.0 |= Wrappers::COMPOSE;
            set_stream(outer, compose_name(&b[..m.end()]));
            return Some(WrapOut::Slice(m.end()));
        }
        if let Some(w) = super::source::stern(b, outer) {
            return Some(w);
        }
    }
    if first.is_ascii_alphabetic() && b.starts_with(b"raft") && !is_golog_raft(b) {
        if let Some(m) = COMPOSE.find(b) {
            outer.wrappers.0 |= Wrappers::COMPOSE;
            set_stream(outer, compose_name(&b[..m.end()]));
            return Some(WrapOut::Slice(m.end()));
        }
    }
    None
}

/// ` <level><2+ spaces>` right after a timestamp: a zap console line whose TABs were
/// turned into runs of spaces (pastes in issues).
fn console_with_spaces(rest: &[u8]) -> bool {
    let t = rest.trim_ascii_start();
    let end = t
        .iter()
        .position(|c| *c == b' ' || *c == b'\t')
        .unwrap_or(t.len());
    let word = std::str::from_utf8(&t[..end]).unwrap_or("");
    level_word(word).is_some() && t[end..].starts_with(b"  ")
}

pub(super) fn set_stream(outer: &mut Outer, key: &[u8]) {
    if outer.stream.is_none() {
        let k = String::from_utf8_lossy(key)
            .trim()
            .trim_end_matches(':')
            .to_string();
        if !k.is_empty() {
            outer.stream = Some(k);
        }
    }
}

/// `07:34:18 etcd3 | ` or `etcd1  | ` → `etcd3` / `etcd1`.
fn compose_name(prefix: &[u8]) -> &[u8] {
    let p = prefix.trim_ascii();
    let p = p.strip_suffix(b"|").unwrap_or(p).trim_ascii();
    match p.iter().rposition(|c| *c == b' ') {
        Some(i) => &p[i + 1..],
        None => p,
    }
}

fn is_golog_raft(b: &[u8]) -> bool {
    let r = &b[4..];
    let r = r.strip_prefix(b" ").unwrap_or(r);
    parse_golog(r).is_some()
}

fn choose_time(inner: Option<RawTime>, outer: Option<RawTime>) -> Option<RawTime> {
    match (inner, outer) {
        (Some(i), _) if i.offset.is_some() => Some(i),
        (_, Some(o)) if o.offset.is_some() => Some(o),
        (Some(i), _) => Some(i),
        (None, o) => o,
    }
}

fn recognise(b: &[u8], outer: Outer, glued: bool) -> Peeled<'_> {
    match try_recognise(b, &outer, glued) {
        Some(p) => p,
        None => {
            if !glued {
                // a tail of one record followed by a whole next record
                if let Some(pos) = GLUE
                    .find_iter(b)
                    .map(|m| m.start())
                    .filter(|p| *p > 0)
                    .last()
                {
                    if let Some(p @ Peeled::Record(_)) = try_recognise(&b[pos..], &outer, true) {
                        return p;
                    }
                }
            }
            if outer.wrappers.0 & (Wrappers::JOURNALD | Wrappers::JOURNALD_JSON) != 0 {
                // capnslog journald formatter: bare message, time from the prefix
                let msg = String::from_utf8_lossy(b);
                return Peeled::Record(Box::new(Record {
                    format: Format::JournaldPayload,
                    wrappers: outer.wrappers,
                    time: outer.time,
                    coarse: outer
                        .time
                        .map(|t| t.naive.and_utc().timestamp_subsec_nanos() == 0)
                        .unwrap_or(false),
                    level: None,
                    pkg: None,
                    msg,
                    fields: None,
                    glued,
                    stream: outer.stream.clone(),
                }));
            }
            if b.first() == Some(&b'{') && memchr::memmem::find(b, b"\"msg\"").is_some() {
                return Peeled::BadJson;
            }
            Peeled::Other
        }
    }
}

fn try_recognise<'a>(b: &'a [u8], outer: &Outer, glued: bool) -> Option<Peeled<'a>> {
    let first = *b.first()?;
    if first == b'{' {
        return Some(zap_json(b, outer, glued));
    }
    if first.is_ascii_digit() {
        // capnslog: `YYYY-MM-DD HH:MM:SS.ffffff [file.go:N ]L | pkg: msg`
        if b.len() > 26 && b[10] == b' ' && b[4] == b'-' {
            if let Some((rt, n)) = parse_iso(b) {
                if rt.offset.is_none() {
                    return capnslog(b, n, Some(rt), outer, glued);
                }
            }
        }
        // zap console: `ts\tlevel\t[logger\t]caller\tmsg[\t{fields}]`
        if let Some((rt, n)) = parse_iso(b) {
            if b.get(n) == Some(&b'\t') || console_with_spaces(&b[n..]) {
                return zap_console(b, n, rt, outer, glued);
            }
        }
        // capnslog whose date was cut off (a paste) or never printed: a time of day only
        if let Some((rt, n)) = parse_clock(b) {
            if let Some(p) = capnslog(b, n, Some(rt), outer, glued) {
                return Some(p);
            }
        }
        // capnslog cut down to its seconds (`SS.ffffff L | `): no time at all
        if b.len() > 12 && b[2] == b'.' && b[..2].iter().all(u8::is_ascii_digit) {
            let n = 3 + b[3..].iter().take_while(|c| c.is_ascii_digit()).count();
            if let Some(p) = capnslog(b, n, None, outer, glued) {
                return Some(p);
            }
        }
        // 2014 development builds: `HH:MM:SS.ffffff file.go:N: pkg: msg` (no date: no time)
        if b.len() > 9 && b[2] == b':' && b[5] == b':' {
            return time_only_golog(b, outer, glued);
        }
        // Go log: `YYYY/MM/DD HH:MM:SS[.ffffff] [file.go:N: ][LEVEL: ]pkg: msg`
        if let Some((rt, n)) = parse_golog(b) {
            return golog(b, n, rt, outer, glued, Format::GoLog);
        }
        return None;
    }
    if first == b'r' && b.starts_with(b"raft") {
        let off = if b.get(4) == Some(&b' ') { 5 } else { 4 };
        if let Some((rt, n)) = parse_golog(&b[off..]) {
            return golog(b, off + n, rt, outer, glued, Format::GoLogRaft);
        }
    }
    None
}

fn capnslog<'a>(
    b: &'a [u8],
    n: usize,
    rt: Option<RawTime>,
    outer: &Outer,
    glued: bool,
) -> Option<Peeled<'a>> {
    let mut i = n;
    if b.get(i) != Some(&b' ') {
        return None;
    }
    i += 1;
    if b.get(i) == Some(&b'[') {
        let close = memchr::memchr(b']', &b[i..])?;
        i += close + 1;
        if b.get(i) != Some(&b' ') {
            return None;
        }
        i += 1;
    }
    let level = level_letter(*b.get(i)?)?;
    if b.get(i + 1..i + 4) != Some(b" | ") {
        return None;
    }
    let body = &b[i + 4..];
    let body_s = String::from_utf8_lossy(body);
    let (pkg, msg) = split_pkg(body_s);
    Some(Peeled::Record(Box::new(Record {
        format: Format::Capnslog,
        wrappers: outer.wrappers,
        time: choose_time(rt, outer.time),
        coarse: false,
        level: Some(level),
        pkg,
        msg,
        fields: None,
        glued,
        stream: outer.stream.clone(),
    })))
}

/// Split `pkg: message` (pkg = `[a-z0-9/_.-]+`).
fn split_pkg(body: Cow<'_, str>) -> (Option<Cow<'_, str>>, Cow<'_, str>) {
    let end = body
        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "/_.-".contains(c)))
        .unwrap_or(body.len());
    if end > 0 && body[end..].starts_with(": ") {
        match body {
            Cow::Borrowed(s) => (Some(Cow::Borrowed(&s[..end])), Cow::Borrowed(&s[end + 2..])),
            Cow::Owned(s) => (
                Some(Cow::Owned(s[..end].to_string())),
                Cow::Owned(s[end + 2..].to_string()),
            ),
        }
    } else {
        (None, body)
    }
}

fn golog<'a>(
    b: &'a [u8],
    n: usize,
    rt: RawTime,
    outer: &Outer,
    glued: bool,
    format: Format,
) -> Option<Peeled<'a>> {
    let rest = b.get(n..)?;
    let rest = rest.strip_prefix(b" ")?;
    let s = String::from_utf8_lossy(rest);
    let mut s: &str = &s;
    // optional `file.go:123: ` (embedders)
    if let Some(p) = s.find(".go:") {
        if let Some(end) = s[p..].find(": ") {
            if !s[..p].contains(' ') {
                s = &s[p + end + 2..];
            }
        }
    }
    let mut level = None;
    if let Some(colon) = s.find(": ") {
        if let Some(l) = level_word(&s[..colon]) {
            if s[..colon].bytes().all(|c| c.is_ascii_uppercase()) {
                level = Some(l);
                s = &s[colon + 2..];
            }
        }
    }
    // TiDB PD's embedded etcd (ngaut/log): `file.go:N: [info] ` before the text
    let bracketed = level.is_none() && s.starts_with('[');
    if bracketed {
        if let Some(close) = s.find("] ") {
            if let Some(l) = level_word(&s[1..close]) {
                level = Some(l);
                s = &s[close + 2..];
            }
        }
    }
    let owned = s.to_string();
    let (pkg, msg) = if format == Format::GoLogRaft {
        (Some(Cow::Borrowed("raft")), Cow::Owned(owned))
    } else {
        let (p, m) = split_pkg(Cow::Owned(owned));
        if p.is_none() && level.is_none() {
            return None; // a Go log line of another program
        }
        if bracketed && level.is_some() {
            pd_message(p, m)
        } else {
            (p, m)
        }
    };
    Some(Peeled::Record(Box::new(Record {
        format,
        wrappers: outer.wrappers,
        time: choose_time(Some(rt), outer.time),
        coarse: rt.naive.and_utc().timestamp_subsec_nanos() == 0,
        level,
        pkg: pkg.map(|p| Cow::Owned(p.into_owned())),
        msg,
        fields: None,
        glued,
        stream: outer.stream.clone(),
    })))
}

/// PD forwards etcd's capnslog entries as `pkg: [text]` (the entries slice printed with
/// `%v`) and raft's `raft.node:` lines with that prefix read as a package: give both the
/// shape the other formats have.
fn pd_message<'a>(
    pkg: Option<Cow<'a, str>>,
    msg: Cow<'a, str>,
) -> (Option<Cow<'a, str>>, Cow<'a, str>) {
    match pkg.as_deref() {
        Some("raft.node") => (
            Some(Cow::Borrowed("raft")),
            Cow::Owned(format!("raft.node: {msg}")),
        ),
        Some(_) if msg.starts_with('[') && msg.ends_with(']') && msg.len() >= 2 => {
            let inner = msg[1..msg.len() - 1].to_string();
            (pkg, Cow::Owned(inner))
        }
        _ => (pkg, msg),
    }
}

fn time_only_golog<'a>(b: &'a [u8], outer: &Outer, glued: bool) -> Option<Peeled<'a>> {
    let sp = memchr::memchr(b' ', b)?;
    let clock = &b[..sp];
    if !clock
        .iter()
        .all(|c| c.is_ascii_digit() || *c == b':' || *c == b'.')
    {
        return None;
    }
    let s = String::from_utf8_lossy(&b[sp + 1..]);
    let mut s: &str = &s;
    if let Some(p) = s.find(".go:") {
        if let Some(end) = s[p..].find(": ") {
            if !s[..p].contains(' ') {
                s = &s[p + end + 2..];
            }
        }
    }
    let (pkg, msg) = split_pkg(Cow::Owned(s.to_string()));
    pkg.as_ref()?;
    Some(Peeled::Record(Box::new(Record {
        format: Format::GoLog,
        wrappers: outer.wrappers,
        time: outer.time,
        coarse: false,
        level: None,
        pkg: pkg.map(|p| Cow::Owned(p.into_owned())),
        msg: Cow::Owned(msg.into_owned()),
        fields: None,
        glued,
        stream: outer.stream.clone(),
    })))
}

fn zap_console<'a>(
    b: &'a [u8],
    n: usize,
    rt: RawTime,
    outer: &Outer,
    glued: bool,
) -> Option<Peeled<'a>> {
    let s = String::from_utf8_lossy(&b[n + 1..]);
    let mut parts: Vec<&str> = if s.contains('\t') {
        s.splitn(5, '\t').collect()
    } else {
        // TABs shown as runs of spaces (pasted from an issue)
        static SPACES: LazyLock<regex::Regex> =
            LazyLock::new(|| regex::Regex::new(r" {2,}").unwrap());
        SPACES.splitn(s.trim_start(), 5).collect()
    };
    if parts.len() < 3 {
        return None;
    }
    let level = level_word(parts[0])?;
    // logger is present when the field after it is the caller (`dir/file.go:N`)
    let has_logger = parts.len() >= 4 && !parts[1].contains(".go:") && parts[2].contains(".go:");
    let logger = if has_logger {
        Some(parts.remove(1).to_string())
    } else {
        None
    };
    if !parts[1].contains(".go:") {
        return None;
    }
    let rest = parts[2..].join("\t");
    let (msg, fields) = match rest.rfind("\t{") {
        Some(p) if rest.ends_with('}') => {
            let f = Fields::scan(Cow::Owned(rest.as_bytes()[p + 1..].to_vec())).ok();
            match f {
                Some(f) => (rest[..p].to_string(), Some(f)),
                None => (rest.clone(), None),
            }
        }
        _ => (rest.clone(), None),
    };
    Some(Peeled::Record(Box::new(Record {
        format: Format::ZapConsole,
        wrappers: outer.wrappers,
        time: choose_time(Some(rt), outer.time),
        coarse: false,
        level: Some(level),
        pkg: logger.map(Cow::Owned),
        msg: Cow::Owned(msg),
        fields: Some(fields.unwrap_or_else(Fields::empty)),
        glued,
        stream: outer.stream.clone(),
    })))
}

fn zap_json<'a>(b: &'a [u8], outer: &Outer, glued: bool) -> Peeled<'a> {
    let Ok(obj) = Fields::scan(Cow::Borrowed(b)) else {
        return Peeled::BadJson;
    };
    let Some(msg) = ["msg", "message", "MESSAGE"]
        .iter()
        .find_map(|k| obj.get_str_borrowed(k))
    else {
        return Peeled::Other;
    };
    let level = obj
        .first_str(&["level", "severity", "lvl"])
        .as_deref()
        .and_then(level_word);
    let mut time = None;
    for k in ["ts", "timestamp", "time", "@timestamp"] {
        if let Some(raw) = obj.raw(k) {
            time = match raw.as_bytes().first() {
                Some(b'"') => obj
                    .get_str(k)
                    .and_then(|s| parse_iso(s.as_bytes()).map(|x| x.0)),
                Some(b'-' | b'0'..=b'9') => raw.parse::<f64>().ok().and_then(parse_epoch),
                _ => None,
            };
            if time.is_some() {
                break;
            }
        }
    }
    let logger = obj.get_str("logger").map(|l| Cow::Owned(l.into_owned()));
    Peeled::Record(Box::new(Record {
        format: Format::ZapJson,
        wrappers: outer.wrappers,
        time: choose_time(time, outer.time),
        coarse: false,
        level,
        pkg: logger,
        msg,
        fields: Some(obj),
        glued,
        stream: outer.stream.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(line: &str) -> Record<'static> {
        let st = EnvState::new(2024);
        match peel(line.as_bytes(), &st) {
            Peeled::Record(r) => r.into_owned(),
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn capnslog_with_and_without_file() {
        let r = rec(
            "2019-07-17 15:42:21.355274 I | raft: f1d74eb7f5870412 became candidate at term 21287",
        );
        assert_eq!(r.format, Format::Capnslog);
        assert_eq!(r.pkg.as_deref(), Some("raft"));
        assert_eq!(r.msg, "f1d74eb7f5870412 became candidate at term 21287");
        let r = rec("2019-07-17 15:42:21.355274 [raft.go:123] I | raft: x");
        assert_eq!(r.msg, "x");
        let r = rec("2023-05-01 10:00:06.061982 W | etcdserver/api/etcdhttp: /health error; no leader (status code 503)");
        assert_eq!(r.pkg.as_deref(), Some("etcdserver/api/etcdhttp"));
    }

    #[test]
    fn golog_raft_and_wrappers() {
        let r = rec("May 28 14:09:59 zabbix etcd[293226]: raft2020/05/28 14:09:59 INFO: raft.node: a4260e614ee580b lost leader d3cd49bf905a75d0 at term 7");
        assert_eq!(r.format, Format::GoLogRaft);
        assert!(r.wrappers.0 & Wrappers::JOURNALD != 0);
        assert_eq!(r.level, Some("info"));
        assert!(r.msg.starts_with("raft.node:"));
        let r = rec("Mar 13 05:51:14 mn-0 etcd[825]: raft.node: 4bc7141c11bf71da changed leader from 8296553e8d2c027d to 60d080439b99d9ca at term 153");
        assert_eq!(r.format, Format::JournaldPayload);
        let r = rec("07:34:18 etcd3 | 2015-12-10 07:34:18.737709 I | raft: fd422379fda50e48 [q:2] has received 2 votes and 0 vote rejections");
        assert_eq!(r.format, Format::Capnslog);
        assert!(r.wrappers.0 & Wrappers::COMPOSE != 0);
        let r = rec("2015/06/19 21:24:24 raft: ce2a822cea30bfca became follower at term 2");
        assert_eq!(r.format, Format::GoLog);
        assert_eq!(r.msg, "ce2a822cea30bfca became follower at term 2");
        let r = rec("2018/06/28 23:41:03 raft.go:764: INFO: 3 [logterm: 2, index: 17480, vote: 0] ignored MsgVote from 1 [logterm: 2, index: 17480] at term 2: lease is not expired (remaining ticks: 100)");
        assert_eq!(r.format, Format::GoLog);
        assert!(r.msg.starts_with("3 [logterm"));
    }

    #[test]
    fn zap_variants() {
        let r = rec(
            r#"{"level":"info","ts":"2024-01-31T16:54:41.675186+0800","logger":"raft","caller":"v3@v3.6.0/raft.go:912","msg":"91bc3c398fb3c146 became candidate at term 5"}"#,
        );
        assert_eq!(r.format, Format::ZapJson);
        assert_eq!(r.time.unwrap().offset, Some(8 * 3600));
        let r = rec(
            r#"{"severity":"INFO","timestamp":"2024-01-31T16:54:41Z","message":"x became leader at term 2"}"#,
        );
        assert_eq!(r.msg, "x became leader at term 2");
        let r = rec(r#"{"level":"info","ts":1612345678.1234567,"msg":"m"}"#);
        assert!(r.time.is_some());
        let r = rec("2025-05-01T10:00:05.123456Z\tinfo\traft\tv3@v3.6.0/raft.go:912\t91bc3c398fb3c146 became candidate at term 5");
        assert_eq!(r.format, Format::ZapConsole);
        assert_eq!(r.pkg.as_deref(), Some("raft"));
        assert_eq!(r.msg, "91bc3c398fb3c146 became candidate at term 5");
        let r = rec("2025-05-01T10:00:05.123456Z\twarn\tetcdserver/raft.go:387\tleader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk\t{\"to\": \"fd422379fda50e48\", \"heartbeat-interval\": \"100ms\"}");
        assert_eq!(r.fields.unwrap().get("to").unwrap(), "fd422379fda50e48");
    }

    #[test]
    fn outer_wrappers() {
        let r = rec(
            r#"2022-02-05T00:46:42.582666628Z stderr F {"level":"info","ts":"2022-02-05T00:46:42.582Z","caller":"raft/raft.go:771","msg":"a became leader at term 2"}"#,
        );
        assert!(r.wrappers.0 & Wrappers::CRI != 0);
        let r = rec("2023-03-14T10:00:00.123456789Z 2023-03-14 10:00:00.123456 I | raft: a became leader at term 2");
        assert!(r.wrappers.0 & Wrappers::KUBECTL != 0);
        // zone-less capnslog inside: the zoned outer time wins
        assert_eq!(r.time.unwrap().offset, Some(0));
        let r = rec(
            r#"{"log":"2019-01-01 10:00:00.000001 I | raft: a became leader at term 2\n","stream":"stderr","time":"2019-01-01T10:00:00.000002Z"}"#,
        );
        assert!(r.wrappers.0 & Wrappers::DOCKER != 0);
        assert_eq!(r.format, Format::Capnslog);
        let r = rec("2020-05-28T14:09:59.123456+00:00 zabbix etcd[1]: raft2020/05/28 14:09:59 INFO: a became leader at term 2");
        assert!(r.wrappers.0 & Wrappers::JOURNALD != 0);
    }

    /// etcd's upgrade guide pastes `^C21.192174 N | pkg/osutil: received interrupt signal,
    /// shutting down...`: the terminal's echo of Ctrl-C before the next line.
    #[test]
    fn a_ctrl_c_echo_before_a_line_is_peeled() {
        let r = rec("^C21.192174 N | pkg/osutil: received interrupt signal, shutting down...");
        assert_eq!(r.pkg.as_deref(), Some("pkg/osutil"));
        assert_eq!(r.msg, "received interrupt signal, shutting down...");
    }

    #[test]
    fn glued_and_paste() {
        let r = rec(
            r#"at term 5"}{"level":"info","ts":"2021-11-18T17:36:15.677Z","caller":"raft/raft.go:923","msg":"414796d1a9011fd6 is starting a new election at term 27"}"#,
        );
        assert!(r.glued);
        assert!(r.msg.contains("starting a new election"));
        let r = rec("> Line 1234: 2019-07-17 15:42:21.355274 I | raft: f1 became leader at term 3");
        assert_eq!(r.msg, "f1 became leader at term 3");
    }

    #[test]
    fn others() {
        let st = EnvState::new(2024);
        assert!(matches!(
            peel(b"[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead", &st),
            Peeled::Other
        ));
        assert!(matches!(
            peel(
                b"WARNING: 2023/05/01 10:00:05 grpc: addrConn.createTransport failed",
                &st
            ),
            Peeled::Other
        ));
        assert!(matches!(
            peel(
                br#"{"level":"info","ts":"2021-11-18T17:36:15.677Z","msg":"trunc"#,
                &st
            ),
            Peeled::BadJson
        ));
        assert!(matches!(peel(b"", &st), Peeled::Blank));
    }

    #[test]
    fn cri_partial_rejoined() {
        let mut st = EnvState::new(2024);
        assert!(cri_join(
            b"2022-02-05T00:46:42.5Z stderr P {\"level\":\"info\",",
            &mut st
        )
        .is_none());
        assert!(cri_join(
            b"2022-02-05T00:46:42.5Z stderr P \"msg\":\"a became",
            &mut st
        )
        .is_none());
        let j = cri_join(
            b"2022-02-05T00:46:42.6Z stderr F  leader at term 2\"}",
            &mut st,
        )
        .unwrap();
        let r = match peel(&j, &st) {
            Peeled::Record(r) => r,
            o => panic!("{o:?}"),
        };
        assert_eq!(r.msg, "a became leader at term 2");
    }
}
