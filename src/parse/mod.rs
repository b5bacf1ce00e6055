//! From a line of bytes to typed events: envelope → grammar.
//!
//! A cheap byte prefilter (aho-corasick over the literals of every message raftlog
//! knows) rejects most lines before any JSON decoding or grammar work.

pub mod envelope;
pub mod raft_msg;
pub mod rejoin;
pub mod server;
mod source;
pub mod zapjson;

use crate::event::{Kind, NodeId};
use crate::time::RawTime;
use aho_corasick::AhoCorasick;
use envelope::{Format, Peeled, Record};
use std::sync::LazyLock;

static PREFILTER: LazyLock<Prefilter> = LazyLock::new(|| {
    let mut pats: Vec<&str> = raft_msg::KEYWORDS.to_vec();
    pats.extend_from_slice(server::KEYWORDS);
    // Teddy (SIMD) when the set allows it, else the automaton
    let packed = aho_corasick::packed::Config::new()
        .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
        .builder()
        .extend(pats.iter())
        .build();
    let ac = AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(&pats)
        .expect("prefilter patterns");
    Prefilter { packed, ac }
});

struct Prefilter {
    packed: Option<aho_corasick::packed::Searcher>,
    ac: AhoCorasick,
}

/// True when the line may hold a message raftlog reads.
pub fn may_matter(line: &[u8]) -> bool {
    let p = &*PREFILTER;
    match &p.packed {
        Some(s) => s.find(line).is_some(),
        None => p.ac.is_match(line),
    }
}

/// One event as parsed from a line, before node attribution and zone resolution.
#[derive(Debug, Clone, PartialEq)]
pub struct LineEvent {
    /// Writer of the line when the line names it.
    pub node: Option<NodeId>,
    /// Term as printed.
    pub term: Option<u64>,
    /// What happened.
    pub kind: Kind,
    /// True when the node comes from the raft subject (always the writer).
    pub node_is_subject: bool,
}

/// What one line was.
#[derive(Debug, Default)]
pub struct LineInfo {
    /// Inner format, when the line was an etcd record.
    pub format: Option<Format>,
    /// Wrappers peeled.
    pub wrappers: u16,
    /// Timestamp chosen for the line.
    pub time: Option<RawTime>,
    /// Timestamp has second precision only.
    pub coarse: bool,
    /// Events.
    pub events: Vec<LineEvent>,
    /// Classification for the input statistics.
    pub class: LineClass,
    /// Message text (for `-v` listing of unrecognised raft lines).
    pub msg: Option<String>,
    /// Writer stream named by a wrapper (compose service, journald host+pid).
    pub stream: Option<String>,
}

/// How a line was counted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum LineClass {
    /// An etcd record that yielded events.
    #[default]
    Events,
    /// An etcd record raftlog recognises but that is not an event, or is not about
    /// elections.
    Etcd,
    /// A raft-library line whose text matches no known message.
    UnknownRaft,
    /// Empty line.
    Blank,
    /// Another program's line (grpc, panic, banner) or no known format.
    Other,
    /// A zap JSON line that could not be decoded.
    BadJson,
}

/// Cheap classification of a line that the prefilter rejected: the format, without
/// decoding JSON.
pub fn classify_cheap(line: &[u8], st: &envelope::EnvState) -> (Option<Format>, LineClass) {
    let t = line.trim_ascii_start();
    if t.is_empty() {
        return (None, LineClass::Blank);
    }
    if t[0] == b'{' && !t.starts_with(b"{\"log\":") && !source::is_export_json(t) {
        if find!(t, b"\"msg\":").is_some() || find!(t, b"\"message\":").is_some() {
            return (Some(Format::ZapJson), LineClass::Etcd);
        }
        return (None, LineClass::Other);
    }
    if looks_capnslog(line) {
        return (Some(Format::Capnslog), LineClass::Etcd);
    }
    if line.len() > 24
        && line.starts_with(b"raft")
        && line[4..8].iter().all(u8::is_ascii_digit)
        && line[8] == b'/'
    {
        return (Some(Format::GoLogRaft), LineClass::Etcd);
    }
    match envelope::peel(line, st) {
        Peeled::Record(r) => (Some(r.format), LineClass::Etcd),
        Peeled::Blank => (None, LineClass::Blank),
        Peeled::Other => (None, LineClass::Other),
        Peeled::BadJson => (None, LineClass::BadJson),
    }
}

/// `YYYY-MM-DD HH:MM:SS.ffffff [file.go:N ]L | ` at the start of the line, checked by
/// position (the envelope parser reads the same shape in full).
fn looks_capnslog(b: &[u8]) -> bool {
    if b.len() < 30
        || !b[..4].iter().all(u8::is_ascii_digit)
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return false;
    }
    let head = &b[19..b.len().min(160)];
    match find!(head, b" | ") {
        Some(p) if p >= 2 => {
            matches!(head[p - 1], b'C' | b'E' | b'W' | b'N' | b'I' | b'D' | b'T')
                && head[p - 2] == b' '
        }
        _ => false,
    }
}

fn is_raft_record(r: &Record<'_>) -> bool {
    if r.format == Format::GoLogRaft {
        return true;
    }
    if let Some(p) = &r.pkg {
        return p == "raft";
    }
    if let Some(f) = &r.fields {
        if let Some(c) = f.get_str("caller") {
            return c.starts_with("raft/")
                || (c.starts_with("v3@")
                    && (c.contains("/raft.go")
                        || c.contains("/node.go")
                        || c.contains("/log.go")));
        }
    }
    false
}

/// A substring search built once (building a searcher per call costs more than the
/// search on a short line).
macro_rules! find {
    ($hay:expr, $pat:literal) => {{
        static F: LazyLock<memchr::memmem::Finder<'static>> =
            LazyLock::new(|| memchr::memmem::Finder::new($pat));
        F.find($hay)
    }};
}
pub(crate) use find;

/// The `"msg":"` key of zap records.
static MSG_KEY: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(b"\"msg\":\""));

/// The `msg` text of a bare zap line (raw, escapes not undone), found without reading
/// the record: a quote inside a value is escaped, so `"msg":"` can only be the key.
fn zap_msg(line: &[u8]) -> Option<&[u8]> {
    let start = MSG_KEY.find(line)? + 7;
    let mut j = start;
    while let Some(k) = memchr::memchr2(b'"', b'\\', line.get(j..)?) {
        if line[j + k] == b'"' {
            return Some(&line[start..j + k]);
        }
        j += k + 2;
    }
    None
}

/// Bulk evidence lines, read by their message and the one or two fields their event
/// needs (a struggling cluster writes one per slow request; they can be half of a log):
/// a bare zap `apply request took too long` or slow read-index line without an `error`
/// or a member id, or a bare capnslog slow-request line whose result is not an error.
/// Returns what [`parse_line`] would give for the line (format, time, the one event,
/// written by the input's member) without decoding the whole record; `None` for
/// anything else, which is read in full as usual (errors can be leader trouble; member
/// ids attribute lines).
pub fn bulk_line(line: &[u8]) -> Option<(Format, RawTime, Kind)> {
    match line.first()? {
        b'{' => bulk_zap(line, zap_msg(line)?),
        b'0'..=b'9' => bulk_capnslog(line),
        _ => None,
    }
}

/// A line read by [`read_line`].
pub enum Read {
    /// Bulk evidence (see [`bulk_line`]): format, time, event.
    Bulk(Format, RawTime, Kind),
    /// Anything else, as [`parse_line`] reads it.
    Line(LineInfo),
}

/// [`bulk_line`], else [`parse_line`], finding a zap line's `msg` once for both.
pub fn read_line(line: &[u8], st: &envelope::EnvState) -> Read {
    let msg = match line.first() {
        Some(b'{') => zap_msg(line),
        _ => None,
    };
    let bulk = match (line.first(), msg) {
        (Some(b'{'), Some(m)) if !source::is_export_json(line) => bulk_zap(line, m),
        (Some(b'0'..=b'9'), _) => bulk_capnslog(line),
        _ => None,
    };
    match bulk {
        Some((f, t, k)) => Read::Bulk(f, t, k),
        None => Read::Line(parse_with(line, st, msg)),
    }
}

/// The zap half of [`bulk_line`], given the line's `msg`.
fn bulk_zap(line: &[u8], msg: &[u8]) -> Option<(Format, RawTime, Kind)> {
    let kind = match msg {
        b"apply request took too long" => {
            let at = find!(line, b"\"took\":\"")? + 8;
            let end = at + memchr::memchr(b'"', &line[at..])?;
            let took = std::str::from_utf8(&line[at..end]).ok()?;
            Kind::SlowApply {
                took_ms: Some(crate::time::parse_go_duration_ms(took)?),
                error: None,
            }
        }
        b"waiting for ReadIndex response took too long, retrying"
        | b"timed out waiting for read index response (local node might have slow network)" => {
            Kind::ReadIndexSlow
        }
        _ => return None,
    };
    if line.trim_ascii_end().last() != Some(&b'}')
        || find!(line, b"\"error\":").is_some()
        || find!(line, b"\"local-member-id\":").is_some()
    {
        return None;
    }
    let ts = find!(line, b"\"ts\":\"")? + 6;
    let (t, _) = crate::time::parse_iso(&line[ts..])?;
    Some((Format::ZapJson, t, kind))
}

/// The capnslog half of [`bulk_line`].
fn bulk_capnslog(line: &[u8]) -> Option<(Format, RawTime, Kind)> {
    if !looks_capnslog(line) {
        return None;
    }
    let head = &line[..line.len().min(80)];
    let p = find!(head, b" W | etcdserver: ")? + 17;
    let msg = std::str::from_utf8(&line[p..]).ok()?.trim_end();
    let mut v = server::slow_request(msg)?;
    let (t, _) = crate::time::parse_iso(line)?;
    match (v.pop(), v.is_empty(), t.offset) {
        (Some((None, k @ Kind::SlowApply { error: None, .. })), true, None) => {
            Some((Format::Capnslog, t, k))
        }
        _ => None,
    }
}

/// For a bare zap JSON line: whether its message may matter, decided from `msg` alone
/// (field values such as `local-member-id` or an error text would pass a prefilter over
/// the whole line). `None` when the line is not a well-formed zap record.
fn zap_msg_matters(line: &[u8], msg: Option<&[u8]>) -> Option<bool> {
    if let Some(msg) = msg {
        return Some(may_matter(msg));
    }
    // no `"msg":"` (shipper keys), or an unterminated one, which the scan rejects
    let f = zapjson::Fields::scan(line.into()).ok()?;
    let msg = f.first_str(&["msg", "message", "MESSAGE"])?;
    Some(may_matter(msg.as_bytes()))
}

/// Each record of a line: several when zap records were glued on it (see
/// [`rejoin::split_glued`]), else the line itself.
pub fn parse_records(line: &[u8], st: &envelope::EnvState) -> Vec<LineInfo> {
    match rejoin::split_glued(line) {
        Some(pieces) => pieces.into_iter().map(|p| parse_line(p, st)).collect(),
        None => vec![parse_line(line, st)],
    }
}

/// Parse one complete line (CRI partials already joined).
pub fn parse_line(line: &[u8], st: &envelope::EnvState) -> LineInfo {
    let msg = match line.first() {
        Some(b'{') => zap_msg(line),
        _ => None,
    };
    parse_with(line, st, msg)
}

/// [`parse_line`] given the `msg` of a zap line (found by [`zap_msg`]).
fn parse_with(line: &[u8], st: &envelope::EnvState, msg: Option<&[u8]>) -> LineInfo {
    let mut info = LineInfo::default();
    let bare_zap = line.first() == Some(&b'{')
        && !line.starts_with(b"{\"log\":")
        && !source::is_export_json(line);
    let matters = match bare_zap.then(|| zap_msg_matters(line, msg)).flatten() {
        Some(m) => {
            if !m {
                info.format = Some(Format::ZapJson);
                info.class = LineClass::Etcd;
            }
            m
        }
        None => {
            // a journal record's MESSAGE as an array of bytes hides its words
            let m = may_matter(line) || source::bytes_message(line);
            if !m {
                let (f, c) = classify_cheap(line, st);
                info.format = f;
                info.class = c;
            }
            m
        }
    };
    if !matters {
        return info;
    }
    let rec = match envelope::peel(line, st) {
        Peeled::Record(r) => r,
        Peeled::Blank => {
            info.class = LineClass::Blank;
            return info;
        }
        Peeled::Other => {
            info.class = LineClass::Other;
            return info;
        }
        Peeled::BadJson => {
            info.class = LineClass::BadJson;
            return info;
        }
    };
    info.format = Some(rec.format);
    info.wrappers = rec.wrappers.0;
    info.time = rec.time;
    info.coarse = rec.coarse;
    info.class = LineClass::Etcd;
    info.stream = rec.stream.clone();
    let msg: &str = &rec.msg;

    // 1. zap server messages: exact msg
    if let Some(fields) = &rec.fields {
        if let Some(o) = server::parse_zap(msg, fields) {
            push_server(&mut info, o);
            return info;
        }
    }
    // 2. raft grammar
    let raft_line = is_raft_record(&rec);
    let try_raft = raft_line || rec.pkg.is_none();
    if try_raft {
        if let Some(o) = raft_msg::parse(msg) {
            match o {
                raft_msg::Outcome::Event { node, term, kind } => {
                    info.events.push(LineEvent {
                        node,
                        term,
                        kind,
                        node_is_subject: node.is_some(),
                    });
                    info.class = LineClass::Events;
                }
                raft_msg::Outcome::NotEvent(_) => {}
            }
            return info;
        }
        if raft_line {
            info.class = LineClass::UnknownRaft;
            info.msg = Some(msg.to_string());
            return info;
        }
    }
    // 3. server text (capnslog, journald payloads, Go log; also capnslog-looking text
    //    inside zap `msg` from shippers)
    if let Some(o) = server::parse_text(msg) {
        push_server(&mut info, o);
    }
    info
}

fn push_server(info: &mut LineInfo, o: server::ServerOutcome) {
    match o {
        server::ServerOutcome::Events(v) => {
            for (node, kind) in v {
                info.events.push(LineEvent {
                    node,
                    term: None,
                    kind,
                    node_is_subject: false,
                });
            }
            if !info.events.is_empty() {
                info.class = LineClass::Events;
            }
        }
        server::ServerOutcome::NotEvent(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Snapshot, compaction and defrag lines, as real etcd 3.4.23 (zap, capnslog) and
    /// 3.5.1 (zap) wrote them for a single member (`fixtures/real/*-slowdisk-defrag`
    /// hold the same messages from clusters).
    #[test]
    fn disk_work_lines() {
        use crate::event::DiskWork::{Compaction, Defrag, Snapshot};
        let st = envelope::EnvState::new(2026);
        let cases: &[(&str, crate::event::DiskWork, bool, Option<f64>)] = &[
            (r#"{"level":"info","ts":"2026-12-02T15:48:54.800Z","caller":"etcdserver/server.go:1423","msg":"triggering snapshot","local-member-id":"eacaa9bd9b9b6ba","local-member-applied-index":51,"local-member-snapshot-index":0,"local-member-snapshot-count":50}"#, Snapshot, true, None),
            (r#"{"level":"info","ts":"2026-12-02T15:48:54.804Z","caller":"etcdserver/server.go:2430","msg":"saved snapshot","snapshot-index":51}"#, Snapshot, false, None),
            (r#"{"level":"info","ts":"2026-12-02T15:49:06.862Z","caller":"mvcc/kvstore_compaction.go:56","msg":"finished scheduled compaction","compact-revision":250,"took":"262.763µs"}"#, Compaction, false, Some(0.262763)),
            (r#"{"level":"info","ts":"2026-12-02T15:49:06.904Z","caller":"backend/backend.go:403","msg":"defragmenting","path":"/tmp/dw/z34.data/member/snap/db","current-db-size-bytes":53248,"current-db-size":"53 kB","current-db-size-in-use-bytes":45056,"current-db-size-in-use":"45 kB"}"#, Defrag, true, None),
            (r#"{"level":"info","ts":"2026-12-02T15:49:06.909Z","caller":"backend/backend.go:475","msg":"defragmented","path":"/tmp/dw/z34.data/member/snap/db","current-db-size-bytes-diff":-28672,"current-db-size-bytes":24576,"current-db-size":"25 kB","current-db-size-in-use-bytes-diff":-28672,"current-db-size-in-use-bytes":16384,"current-db-size-in-use":"16 kB","took":"9.263417ms"}"#, Defrag, false, Some(9.263417)),
            (r#"{"level":"info","ts":"2026-12-02T15:49:54.228Z","caller":"backend/backend.go:539","msg":"finished defragmenting directory","path":"/tmp/dw/z35.data/member/snap/db","current-db-size-bytes-diff":-28672,"current-db-size-bytes":24576,"current-db-size":"25 kB","current-db-size-in-use-bytes-diff":-24576,"current-db-size-in-use-bytes":16384,"current-db-size-in-use":"16 kB","took":"17.980589ms"}"#, Defrag, false, Some(17.980589)),
            ("2026-12-02 15:49:17.241772 I | etcdserver: start to snapshot (applied: 51, lastsnap: 0)", Snapshot, true, None),
            ("2026-12-02 15:49:17.247360 I | etcdserver: saved snapshot at index 51", Snapshot, false, None),
            ("2026-12-02 15:49:28.973621 I | mvcc: finished scheduled compaction at 250 (took 445.866µs)", Compaction, false, Some(0.445866)),
            ("2026-12-02 15:49:29.018715 N | etcdserver/api/v3rpc: starting to defragment the storage backend...", Defrag, true, None),
            ("2026-12-02 15:49:29.030104 N | etcdserver/api/v3rpc: finished defragmenting the storage backend", Defrag, false, None),
        ];
        for (line, work, started, took) in cases {
            assert!(may_matter(line.as_bytes()), "{line}");
            let info = parse_line(line.as_bytes(), &st);
            assert_eq!(info.events.len(), 1, "{line}");
            match &info.events[0].kind {
                Kind::DiskWork {
                    work: w,
                    started: s,
                    took_ms,
                } => {
                    assert_eq!((w, s), (work, started), "{line}");
                    assert_eq!(
                        took_ms.map(|t| (t * 1e6).round()),
                        took.map(|t| (t * 1e6).round()),
                        "{line}"
                    );
                }
                k => panic!("{line}: {k:?}"),
            }
        }
        // the gRPC handler's lines around the backend's would count each defrag twice
        for line in [
            r#"{"level":"info","ts":"2026-12-02T15:49:06.900Z","caller":"v3rpc/maintenance.go:82","msg":"starting defragment"}"#,
            r#"{"level":"info","ts":"2026-12-02T15:49:06.909Z","caller":"v3rpc/maintenance.go:96","msg":"finished defragment"}"#,
        ] {
            assert!(parse_line(line.as_bytes(), &st).events.is_empty(), "{line}");
        }
    }

    /// Every stop line of the catalog (S19 "on stop", S20) by version and format: the signal
    /// is `process_shutdown`, every later step a `server_stop`. Lines from the real captures
    /// (`fixtures/real/`: 3.4.23 zap and capnslog, 3.5.1 zap), from the built fixtures
    /// (`fixtures/built/`, made from the catalog's formats: 3.6 zap console, 2.3 capnslog),
    /// and one written from the catalog's format string (3.3 `single member cluster`).
    #[test]
    fn stop_lines_of_every_version() {
        use crate::event::StopStep::{Closed, Closing, TransferSkipped};
        let st = envelope::EnvState::new(2026);
        let stop = |s| Some(Kind::ServerStop { step: s });
        let signal = Some(Kind::ProcessShutdown {
            signal: Some("terminated".into()),
        });
        let cases = [
            // 3.4.23 zap (zap-3-slowdisk/n1.log:72-74, :105)
            (
                r#"{"level":"info","ts":"2026-12-02T13:05:54.235Z","caller":"osutil/interrupt_unix.go:64","msg":"received signal; shutting down","signal":"terminated"}"#,
                signal.clone(),
            ),
            (
                r#"{"level":"info","ts":"2026-12-02T13:05:54.235Z","caller":"embed/etcd.go:371","msg":"closing etcd server","name":"n1","data-dir":"/work/capnew/zap-3-slowdisk/data1","advertise-peer-urls":["http://127.0.0.1:26901"],"advertise-client-urls":["http://127.0.0.1:26801"]}"#,
                stop(Closing),
            ),
            (
                r#"{"level":"info","ts":"2026-12-02T13:05:54.236Z","caller":"etcdserver/server.go:1494","msg":"skipped leadership transfer; local server is not leader","local-member-id":"2b5601e7719b43a9","current-leader-member-id":"c9a424b31808f858"}"#,
                stop(TransferSkipped),
            ),
            (
                r#"{"level":"info","ts":"2026-12-02T13:05:54.246Z","caller":"embed/etcd.go:375","msg":"closed etcd server","name":"n1","data-dir":"/work/capnew/zap-3-slowdisk/data1","advertise-peer-urls":["http://127.0.0.1:26901"],"advertise-client-urls":["http://127.0.0.1:26801"]}"#,
                stop(Closed),
            ),
            // 3.5.1 zap (etcd35-two-default-single/a.log, etcd35-zap-3-mixed-prevote/n1.log)
            (
                r#"{"level":"info","ts":"2026-12-02T16:12:15.136Z","caller":"embed/etcd.go:367","msg":"closing etcd server","name":"default","data-dir":"/work/wt-h2/fixtures/real/etcd35-two-default-single/data-a","advertise-peer-urls":["http://localhost:2380"],"advertise-client-urls":["http://localhost:2379"]}"#,
                stop(Closing),
            ),
            (
                r#"{"level":"info","ts":"2026-12-02T16:12:15.138Z","caller":"etcdserver/server.go:1438","msg":"skipped leadership transfer for single voting member cluster","local-member-id":"8e9e05c52164694d","current-leader-member-id":"8e9e05c52164694d"}"#,
                stop(TransferSkipped),
            ),
            (
                r#"{"level":"info","ts":"2026-12-02T13:02:45.783Z","caller":"etcdserver/server.go:1429","msg":"skipped leadership transfer; local server is not leader","local-member-id":"9a7212d68bf9f52","current-leader-member-id":"0"}"#,
                stop(TransferSkipped),
            ),
            // 3.6 zap console (zap-console-3.6/n2.log)
            (
                "2026-11-25T16:16:11.069001Z\tinfo\tembed/etcd.go:371\tclosing etcd server\t{\"name\": \"n2\", \"data-dir\": \"/work/main/fixtures/real/zap-3-mixed/data2\", \"advertise-peer-urls\": [\"http://127.0.0.1:24102\"], \"advertise-client-urls\": [\"http://127.0.0.1:24002\"]}",
                stop(Closing),
            ),
            (
                "2026-11-25T16:16:11.069002Z\tinfo\tetcdserver/server.go:1494\tskipped leadership transfer; local server is not leader\t{\"local-member-id\": \"63b302efdda86cd7\", \"current-leader-member-id\": \"a9e9e1d57dda5a31\"}",
                stop(TransferSkipped),
            ),
            // 3.4 capnslog (capnslog-3-quiet/n1.log:71-72, two-default-single/a.log:42)
            (
                "2026-11-25 16:18:07.369096 N | pkg/osutil: received terminated signal, shutting down...",
                signal.clone(),
            ),
            (
                "2026-11-25 16:18:07.369298 I | etcdserver: skipped leadership transfer for stopping non-leader member",
                stop(TransferSkipped),
            ),
            (
                "2026-12-02 16:12:09.680049 I | etcdserver: skipped leadership transfer for single voting member cluster",
                stop(TransferSkipped),
            ),
            // 3.3 capnslog, from the catalog's S19 text
            (
                "2023-05-01 10:00:02.251977 I | etcdserver: skipped leadership transfer for single member cluster",
                stop(TransferSkipped),
            ),
            // 2.3 capnslog (capnslog-2.3/n1.log:86): the signal is its only stop line
            (
                "2026-11-25 16:16:01.664000 N | osutil: received terminated signal, shutting down...",
                signal,
            ),
            // not stops: a transfer is also `etcdctl move-leader` (the catalog's S19 3.4.23
            // example); `stopping remote peer` also follows a member's removal
            (
                r#"{"level":"info","ts":"2023-05-01T10:00:05.123Z","caller":"etcdserver/server.go:1456","msg":"leadership transfer starting","local-member-id":"8e9e05c52164694d","current-leader-member-id":"8e9e05c52164694d","transferee-member-id":"91bc3c398fb3c146"}"#,
                Some(Kind::LeaderTransferRequested {
                    from: Some(0x8e9e05c52164694d),
                    to: Some(0x91bc3c398fb3c146),
                }),
            ),
            (
                r#"{"level":"info","ts":"2026-12-02T13:05:54.236Z","caller":"rafthttp/peer.go:333","msg":"stopping remote peer","remote-peer-id":"96f81a6edb7e02f"}"#,
                None,
            ),
        ];
        for (line, want) in cases {
            let info = parse_line(line.as_bytes(), &st);
            let got = info.events.first().map(|e| e.kind.clone());
            assert_eq!(got, want, "{line}");
            assert_eq!(info.events.len(), usize::from(want.is_some()), "{line}");
            assert_eq!(
                got.as_ref().is_some_and(Kind::is_stop),
                matches!(
                    want,
                    Some(Kind::ServerStop { .. } | Kind::ProcessShutdown { .. })
                ),
                "{line}"
            );
        }
    }

    /// The start lines of every version open a process lifetime (restart detection):
    /// zap `starting an etcd server` and `restarting local member`, capnslog
    /// `etcd Version:` and `restarting member … at commit index` (2.x and 3.x), raft's
    /// `newRaft`.
    #[test]
    fn start_lines_of_every_version() {
        let st = envelope::EnvState::new(2026);
        for line in [
            // 3.5.17 (the catalog's S11 example, shortened to the fields raftlog reads)
            r#"{"level":"info","ts":"2023-05-01T10:00:05.123456Z","caller":"embed/etcd.go:311","msg":"starting an etcd server","etcd-version":"3.5.17","member-initialized":false,"name":"infra1","heartbeat-interval":"100ms","election-timeout":"1s","pre-vote":true}"#,
            // 3.4.23 zap (zap-3-mixed/n1.log:93)
            r#"{"level":"info","ts":"2026-11-25T16:15:45.939Z","caller":"etcdserver/raft.go:586","msg":"restarting local member","cluster-id":"140c9bb57912ecc2","local-member-id":"a9e9e1d57dda5a31","commit-index":44}"#,
            // 3.4 capnslog (capnslog-3-quiet/n1.log, capnslog-3-mixed/n1.log:103)
            "2026-11-25 16:18:03.268389 I | etcdmain: etcd Version: 3.4.23",
            "2026-11-25 16:16:25.079550 I | etcdserver: restarting member d7c2f9150d1e1566 in cluster e0061a605e7fec06 at commit index 44",
            // 3.3 capnslog (capnslog-3.3/n1.log:1)
            "2026-11-25 16:15:32.100000 I | etcdmain: etcd Version: 3.3.27",
            // 2.3 capnslog (capnslog-2.3/n1.log:51, :11)
            "2026-11-25 16:15:45.939000 I | etcdserver: restarting member a9e9e1d57dda5a31 in cluster 140c9bb57912ecc2 at commit index 44",
            "2026-11-25 16:15:34.111001 I | raft: newRaft a9e9e1d57dda5a31 [peers: [], term: 0, commit: 0, applied: 0, lastindex: 0, lastterm: 0]",
        ] {
            let info = parse_line(line.as_bytes(), &st);
            assert!(
                info.events.iter().any(|e| crate::lives::is_start(&e.kind)),
                "{line}: {:?}",
                info.events
            );
        }
    }

    /// zap lines are prefiltered on their `msg` alone: every message `parse_zap` knows
    /// must pass, or its lines would be skipped unread.
    #[test]
    fn every_zap_server_message_passes_the_prefilter() {
        let src = include_str!("server.rs");
        let body = &src[src.find("pub fn parse_zap").unwrap()..];
        // parse_zap and the functions of its message families, up to the text rules
        let body = &body[..body.find("\nstruct TextRule").unwrap()];
        let mut msgs = Vec::new();
        for line in body.lines() {
            let t = line.trim_start().trim_start_matches("| ");
            if !t.starts_with('"') || !(t.contains("=>") || t.ends_with('|')) {
                continue;
            }
            let arm = t.split("=>").next().unwrap_or(t);
            for (i, part) in arm.split('"').enumerate() {
                if i % 2 == 1 {
                    msgs.push(part.to_string());
                }
            }
        }
        assert!(msgs.len() >= 35, "{msgs:?}");
        for m in &msgs {
            assert!(
                may_matter(m.as_bytes()),
                "zap message `{m}` does not pass the prefilter"
            );
        }
    }

    /// The short way through bulk lines gives what the full parser gives (real lines of
    /// a busy etcd 3.4, `fixtures/background/`).
    #[test]
    fn bulk_lines_read_short_as_in_full() {
        let st = envelope::EnvState::new(2026);
        let mut n = 0;
        for text in [
            include_str!("../../fixtures/background/zap.log"),
            include_str!("../../fixtures/background/capnslog.log"),
        ] {
            for line in text.lines() {
                let full = parse_line(line.as_bytes(), &st);
                match bulk_line(line.as_bytes()) {
                    Some((format, time, kind)) => {
                        n += 1;
                        assert_eq!(full.format, Some(format), "{line}");
                        assert_eq!(full.time, Some(time), "{line}");
                        assert!(!full.coarse && full.stream.is_none(), "{line}");
                        assert_eq!(full.events.len(), 1, "{line}");
                        let e = &full.events[0];
                        assert_eq!((e.node, e.term, &e.kind), (None, None, &kind), "{line}");
                    }
                    None => assert!(
                        full.events
                            .iter()
                            .all(|e| !matches!(e.kind, Kind::SlowApply { error: None, .. })),
                        "a slow request missed by the short way: {line}"
                    ),
                }
            }
        }
        assert!(n > 300, "{n}");
    }

    #[test]
    fn zap_lines_are_judged_by_their_message() {
        let st = envelope::EnvState::new(2026);
        // a member id in a field does not make a compaction line an election line
        let l = br#"{"level":"info","ts":"2026-11-25T16:15:34.129Z","caller":"mvcc/index.go:214","msg":"compact tree index","revision":1234,"local-member-id":"a9e9e1d57dda5a31"}"#;
        let i = parse_line(l, &st);
        assert_eq!(
            (i.format, i.class, i.events.len()),
            (Some(Format::ZapJson), LineClass::Etcd, 0)
        );
        let l = br#"{"level":"info","ts":"2026-11-25T16:15:34.414Z","caller":"raft/raft.go:771","msg":"a9e9e1d57dda5a31 became leader at term 2"}"#;
        assert_eq!(parse_line(l, &st).events[0].kind, Kind::BecameLeader);
        // an escaped quote inside msg does not end it early
        let l = br#"{"level":"warn","ts":"2026-11-25T16:15:34.414Z","msg":"x \"y\" became leader","caller":"raft/raft.go:771"}"#;
        assert_eq!(parse_line(l, &st).class, LineClass::UnknownRaft);
    }
}
