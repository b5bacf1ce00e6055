//! Prefixes and export records that name the source of a line (a pod, a container, a
//! Loki stream): `kubectl logs --prefix`, stern, Loki `logcli` (default and `--output
//! jsonl`) and Elasticsearch/OpenSearch hits. The source becomes the line's writer
//! stream, so lines of several members interleaved in one input are told apart by the
//! prefix, not by who logged last.

use super::envelope::{set_stream, trim_end, Outer, WrapOut, Wrappers};
use super::zapjson::Fields;
use crate::time::{parse_iso, RawTime};
use std::borrow::Cow;
use std::sync::LazyLock;

/// Prefixes recognised by their first byte (called for every peeled line: cheap checks
/// first).
pub(super) fn peel_source(b: &[u8], first: u8, outer: &mut Outer) -> Option<WrapOut> {
    match first {
        // a terminal capture of stern or logcli keeps their colours
        0x1b => strip_sgr(b).map(WrapOut::Owned),
        b'[' if b.starts_with(b"[pod/") => kubectl_prefix(b, outer),
        b'{' if b.starts_with(b"{\"labels\":") || b.starts_with(b"{\"line\":") => {
            loki_jsonl(b, outer)
        }
        b'{' if b.starts_with(b"{\"_index\":") => es_hit(b, outer),
        b'{' if is_journal_json(b) => journal_json(b, outer),
        _ => None,
    }
}

/// A `journalctl -o json` record: journalctl writes the cursor and the realtime stamp
/// first.
fn is_journal_json(line: &[u8]) -> bool {
    line.starts_with(b"{\"__CURSOR\":") || line.starts_with(b"{\"__REALTIME_TIMESTAMP\":")
}

/// True for a JSON line that is an export record around a log line, not a zap record.
pub fn is_export_json(line: &[u8]) -> bool {
    line.starts_with(b"{\"labels\":")
        || line.starts_with(b"{\"line\":")
        || line.starts_with(b"{\"_index\":")
        || is_journal_json(line)
}

/// A journal record whose `MESSAGE` is an array of bytes (text that was not UTF-8):
/// its words are only seen once decoded.
pub fn bytes_message(line: &[u8]) -> bool {
    is_journal_json(line) && memchr::memmem::find(line, b"\"MESSAGE\":[").is_some()
}

/// `{"__CURSOR":…,"__REALTIME_TIMESTAMP":"µs",…,"MESSAGE":…}` (systemd's JSON export
/// format): the line is `MESSAGE` (a string, or an array of bytes when it was not
/// UTF-8), the time `__REALTIME_TIMESTAMP`, the writer `_HOSTNAME IDENT[_PID]` as the
/// journald short format names it.
fn journal_json(b: &[u8], outer: &mut Outer) -> Option<WrapOut> {
    let v = Fields::scan(Cow::Borrowed(b)).ok()?;
    let line: Vec<u8> = match v.get_str("MESSAGE") {
        Some(m) => m.as_bytes().to_vec(),
        None => {
            let raw = v.raw("MESSAGE")?;
            serde_json::from_str::<Vec<u8>>(&raw).ok()?
        }
    };
    if let Some(us) = v
        .get_str("__REALTIME_TIMESTAMP")
        .and_then(|t| t.parse::<u64>().ok())
    {
        if let Some(rt) = crate::time::parse_epoch_us(us) {
            outer.time.get_or_insert(rt);
        }
    }
    let ident = v
        .first_str(&["SYSLOG_IDENTIFIER", "_COMM"])
        .map(Cow::into_owned);
    let mut key = String::new();
    if let Some(h) = v.get_str("_HOSTNAME") {
        key.push_str(&h);
    }
    if let Some(i) = ident {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(&i);
        if let Some(pid) = v.get_str("_PID") {
            key.push_str(&format!("[{pid}]"));
        }
    }
    set_stream(outer, key.as_bytes());
    outer.wrappers.0 |= Wrappers::JOURNALD_JSON;
    Some(WrapOut::Owned(trim_end(&line).to_vec()))
}

/// The line without ANSI SGR sequences (`ESC [ digits;… m`); None when it has none.
fn strip_sgr(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let mut found = false;
    while i < b.len() {
        if b[i] == 0x1b && b.get(i + 1) == Some(&b'[') {
            let end = b[i + 2..]
                .iter()
                .position(|c| !(c.is_ascii_digit() || *c == b';'));
            if let Some(e) = end {
                if b[i + 2 + e] == b'm' {
                    i += e + 3;
                    found = true;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    found.then_some(out)
}

/// `[pod/NAME/CONTAINER] line` (kubectl logs --prefix).
fn kubectl_prefix(b: &[u8], outer: &mut Outer) -> Option<WrapOut> {
    let close = memchr::memchr(b']', b)?;
    let name = &b[1..close];
    if b.get(close + 1) != Some(&b' ') || name.iter().any(u8::is_ascii_whitespace) {
        return None;
    }
    outer.wrappers.0 |= Wrappers::KUBECTL_PREFIX;
    set_stream(outer, name);
    Some(WrapOut::Slice(close + 2))
}

/// stern's default template, `POD CONTAINER line`, when the line is an etcd record.
static STERN: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(
        r#"^([a-z0-9][a-z0-9.-]*) ([a-z0-9][a-z0-9-]*) (?:\{"|\d{4}[-/]\d\d[-/]\d\d[ T]|raft ?\d{4}/)"#,
    )
    .unwrap()
});

pub(super) fn stern(b: &[u8], outer: &mut Outer) -> Option<WrapOut> {
    let c = STERN.captures(b)?;
    let (pod, container) = (c.get(1)?, c.get(2)?);
    outer.wrappers.0 |= Wrappers::STERN;
    let key = [pod.as_bytes(), b"/", container.as_bytes()].concat();
    set_stream(outer, &key);
    Some(WrapOut::Slice(container.end() + 1))
}

/// Loki labels `{k="v", k2="v2"}` at the start of `b`: (pairs, length).
fn labels(b: &[u8]) -> Option<(Vec<(String, String)>, usize)> {
    let mut i = 1;
    let mut pairs = Vec::new();
    if b.first() != Some(&b'{') {
        return None;
    }
    loop {
        if b.get(i) == Some(&b'}') {
            return Some((pairs, i + 1));
        }
        let eq = i + memchr::memchr(b'=', b.get(i..)?)?;
        let key = std::str::from_utf8(&b[i..eq]).ok()?;
        if key.is_empty() || !key.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
            return None;
        }
        if b.get(eq + 1) != Some(&b'"') {
            return None;
        }
        let mut j = eq + 2;
        let mut val = Vec::new();
        loop {
            match *b.get(j)? {
                b'"' => break,
                b'\\' => {
                    val.push(*b.get(j + 1)?);
                    j += 2;
                }
                c => {
                    val.push(c);
                    j += 1;
                }
            }
        }
        pairs.push((key.to_string(), String::from_utf8_lossy(&val).into_owned()));
        i = j + 1;
        if b.get(i..i + 2) == Some(b", ") {
            i += 2;
        }
    }
}

/// The writer stream named by labels or metadata: pod (and container) when named,
/// else the host, else every label (a Loki stream is its label set).
fn source_key<'k>(get: impl Fn(&str) -> Option<&'k str>, all: impl FnOnce() -> String) -> String {
    let first = |keys: &[&str]| keys.iter().find_map(|k| get(k).filter(|v| !v.is_empty()));
    let pod = first(&["pod", "pod_name", "kubernetes_pod_name", "k8s_pod_name"]);
    let container = first(&["container", "container_name", "kubernetes_container_name"]);
    match (pod, container) {
        (Some(p), Some(c)) => format!("{p}/{c}"),
        (Some(p), None) => p.to_string(),
        _ => match first(&["instance", "host", "hostname", "node_name", "nodename"]) {
            Some(h) => h.to_string(),
            None => all(),
        },
    }
}

/// `ts {labels} line` (logcli default output; labels padded with spaces).
pub(super) fn loki_labels(b: &[u8], n: usize, rt: RawTime, outer: &mut Outer) -> Option<WrapOut> {
    let (pairs, len) = labels(&b[n + 1..])?;
    let after = n + 1 + len;
    if b.get(after) != Some(&b' ') {
        return None;
    }
    let rest = &b[after..];
    let skip = rest.iter().take_while(|c| **c == b' ').count();
    let key = source_key(
        |k| pairs.iter().find(|p| p.0 == k).map(|p| p.1.as_str()),
        || String::from_utf8_lossy(&b[n + 1..n + 1 + len]).into_owned(),
    );
    outer.wrappers.0 |= Wrappers::LOKI;
    set_stream(outer, key.as_bytes());
    outer.time.get_or_insert(rt);
    Some(WrapOut::Slice(after + skip))
}

/// `{"labels":{…},"line":"…","timestamp":"…"}` (logcli --output=jsonl).
fn loki_jsonl(b: &[u8], outer: &mut Outer) -> Option<WrapOut> {
    let v = Fields::scan(Cow::Borrowed(b)).ok()?;
    let line = v.get_str("line")?;
    if let Some(t) = v.get_str("timestamp") {
        if let Some((rt, _)) = parse_iso(t.as_bytes()) {
            outer.time.get_or_insert(rt);
        }
    }
    if let Some(raw) = v.raw("labels") {
        if let Ok(l) = Fields::scan(Cow::Borrowed(raw.as_bytes())) {
            let pairs: Vec<(String, String)> = l
                .iter()
                .map(|(k, v)| (k.to_string(), v.into_owned()))
                .collect();
            let key = source_key(
                |k| pairs.iter().find(|p| p.0 == k).map(|p| p.1.as_str()),
                || raw.to_string(),
            );
            set_stream(outer, key.as_bytes());
        }
    }
    outer.wrappers.0 |= Wrappers::LOKI;
    Some(WrapOut::Owned(trim_end(line.trim().as_bytes()).to_vec()))
}

/// `{"_index":…,"_source":{…}}`: one Elasticsearch/OpenSearch hit (elasticdump, or
/// `jq -c '.hits.hits[]'` of a `_search` response). The log line is `message` or `log`
/// of the source, else the source itself (a decoded zap record).
fn es_hit(b: &[u8], outer: &mut Outer) -> Option<WrapOut> {
    let v = Fields::scan(Cow::Borrowed(b)).ok()?;
    let src = v.raw("_source")?;
    let f = Fields::scan(Cow::Borrowed(src.as_bytes())).ok()?;
    if let Some(t) = f.get_str("@timestamp") {
        if let Some((rt, _)) = parse_iso(t.as_bytes()) {
            outer.time.get_or_insert(rt);
        }
    }
    let k8s = f
        .raw("kubernetes")
        .and_then(|r| Fields::scan(Cow::Owned(r.as_bytes().to_vec())).ok());
    let nested = |obj: &str, key: &str| -> Option<String> {
        let o = k8s.as_ref()?.raw(obj)?;
        Fields::scan(Cow::Borrowed(o.as_bytes()))
            .ok()?
            .get_str(key)
            .map(Cow::into_owned)
    };
    let mut meta: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            meta.push((k.to_string(), v));
        }
    };
    let k8s_str = |key: &str| k8s.as_ref()?.get_str(key).map(Cow::into_owned);
    put("pod", k8s_str("pod_name").or_else(|| nested("pod", "name")));
    put(
        "container",
        k8s_str("container_name").or_else(|| nested("container", "name")),
    );
    put("pod", f.get_str("kubernetes.pod_name").map(Cow::into_owned));
    put("pod", f.get_str("kubernetes.pod.name").map(Cow::into_owned));
    put(
        "container",
        f.get_str("kubernetes.container.name").map(Cow::into_owned),
    );
    put("host", f.get_str("host").map(Cow::into_owned));
    put("host", f.get_str("host.name").map(Cow::into_owned));
    let key = source_key(
        |k| meta.iter().find(|p| p.0 == k).map(|p| p.1.as_str()),
        String::new,
    );
    set_stream(outer, key.as_bytes());
    outer.wrappers.0 |= Wrappers::ELASTICSEARCH;
    // a shipper that decoded the zap record keeps its keys in the source (`message`
    // is then etcd's `msg`)
    let decoded = ["level", "severity", "caller", "ts"]
        .iter()
        .any(|k| f.raw(k).is_some());
    let line = match f.first_str(&["message", "log"]) {
        Some(l) if !decoded => trim_end(l.trim().as_bytes()).to_vec(),
        _ => src.as_bytes().to_vec(),
    };
    Some(WrapOut::Owned(line))
}

#[cfg(test)]
mod tests {
    use super::super::envelope::{peel, EnvState, Peeled};

    /// Real lines of fixtures/real (zap-3-mixed n1, capnslog-3-mixed n1).
    const ZAP: &str = r#"{"level":"info","ts":"2026-11-25T16:15:34.414Z","caller":"raft/raft.go:771","msg":"a9e9e1d57dda5a31 became leader at term 2"}"#;
    const GOLOG: &str = "raft2026/11/25 16:16:19 INFO: d7c2f9150d1e1566 became leader at term 4";

    /// (message, stream) of a peeled line.
    fn rec(line: &str) -> (String, Option<String>) {
        match peel(line.as_bytes(), &EnvState::new(2026)) {
            Peeled::Record(r) => (r.msg.to_string(), r.stream.clone()),
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn stern_plain_and_coloured() {
        let (msg, stream) = rec(&format!("etcd-0 etcd {ZAP}"));
        assert_eq!(msg, "a9e9e1d57dda5a31 became leader at term 2");
        assert_eq!(stream.as_deref(), Some("etcd-0/etcd"));
        // fatih/color SGR sequences around the pod and container names (a terminal copy)
        let (msg, stream) = rec(&format!(
            "\x1b[32metcd-1\x1b[0m \x1b[36metcd\x1b[0m {GOLOG}"
        ));
        assert_eq!(msg, "d7c2f9150d1e1566 became leader at term 4");
        assert_eq!(stream.as_deref(), Some("etcd-1/etcd"));
    }

    #[test]
    fn kubectl_prefix_with_and_without_timestamps() {
        let (_, stream) = rec(&format!("[pod/etcd-2/etcd] {GOLOG}"));
        assert_eq!(stream.as_deref(), Some("pod/etcd-2/etcd"));
        let (msg, stream) = rec(&format!(
            "[pod/etcd-2/etcd] 2026-11-25T16:15:34.414523111Z {ZAP}"
        ));
        assert_eq!(stream.as_deref(), Some("pod/etcd-2/etcd"));
        assert_eq!(msg, "a9e9e1d57dda5a31 became leader at term 2");
        // a capnslog banner in brackets is not a prefix
        assert!(matches!(
            peel(
                b"[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead",
                &EnvState::new(2026)
            ),
            Peeled::Other
        ));
    }

    #[test]
    fn loki_labels_name_the_source() {
        let (msg, stream) = rec(&format!(
            r#"2026-11-25T16:15:34Z {{container="etcd", pod="etcd-0"}}   {ZAP}"#
        ));
        assert_eq!(stream.as_deref(), Some("etcd-0/etcd"));
        assert_eq!(msg, "a9e9e1d57dda5a31 became leader at term 2");
        // no pod label: the label set is the stream; a quoted `}` does not end it
        let (msg, stream) = rec(&format!(r#"2026-11-25T16:15:34Z {{job="a}} b"}} {GOLOG}"#));
        assert_eq!(stream.as_deref(), Some(r#"{job="a} b"}"#));
        assert_eq!(msg, "d7c2f9150d1e1566 became leader at term 4");
    }
}
