//! From a line of bytes to typed events: envelope → grammar.
//!
//! A cheap byte prefilter (aho-corasick over the literals of every message raftlog
//! knows) rejects most lines before any JSON decoding or grammar work.

pub mod envelope;
pub mod raft_msg;
pub mod server;
pub mod zapjson;

use crate::event::{Kind, NodeId};
use crate::time::RawTime;
use aho_corasick::AhoCorasick;
use envelope::{Format, Peeled, Record};
use std::sync::LazyLock;

static PREFILTER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    let mut pats: Vec<&str> = raft_msg::KEYWORDS.to_vec();
    pats.extend_from_slice(server::KEYWORDS);
    AhoCorasick::new(pats).expect("prefilter patterns")
});

/// True when the line may hold a message raftlog reads.
pub fn may_matter(line: &[u8]) -> bool {
    PREFILTER.is_match(line)
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
    pub wrappers: u8,
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
    if t[0] == b'{' && !t.starts_with(b"{\"log\":") {
        if memchr::memmem::find(t, b"\"msg\":").is_some()
            || memchr::memmem::find(t, b"\"message\":").is_some()
        {
            return (Some(Format::ZapJson), LineClass::Etcd);
        }
        return (None, LineClass::Other);
    }
    match envelope::peel(line, st) {
        Peeled::Record(r) => (Some(r.format), LineClass::Etcd),
        Peeled::Blank => (None, LineClass::Blank),
        Peeled::Other => (None, LineClass::Other),
        Peeled::BadJson => (None, LineClass::BadJson),
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

/// For a bare zap JSON line: whether its message may matter, decided from `msg` alone
/// (field values such as `local-member-id` or an error text would pass a prefilter over
/// the whole line). `None` when the line is not a well-formed zap record.
fn zap_msg_matters(line: &[u8]) -> Option<bool> {
    static MSG: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"\"msg\":\""));
    if let Some(p) = MSG.find(line) {
        // the key can only be a key: a quote inside a value is escaped
        let start = p + 7;
        let mut j = start;
        while let Some(k) = memchr::memchr2(b'"', b'\\', &line[j..]) {
            if line[j + k] == b'"' {
                return Some(may_matter(&line[start..j + k]));
            }
            j += k + 2;
            if j >= line.len() {
                break;
            }
        }
        return None;
    }
    let f = zapjson::Fields::scan(line.into()).ok()?;
    let msg = f.first_str(&["msg", "message", "MESSAGE"])?;
    Some(may_matter(msg.as_bytes()))
}

/// Parse one complete line (CRI partials already joined).
pub fn parse_line(line: &[u8], st: &envelope::EnvState) -> LineInfo {
    let mut info = LineInfo::default();
    let bare_zap = line.first() == Some(&b'{') && !line.starts_with(b"{\"log\":");
    let matters = match bare_zap.then(|| zap_msg_matters(line)).flatten() {
        Some(m) => {
            if !m {
                info.format = Some(Format::ZapJson);
                info.class = LineClass::Etcd;
            }
            m
        }
        None => {
            let m = may_matter(line);
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
