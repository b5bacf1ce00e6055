//! Telling inputs apart by content, so that logs, `/metrics` dumps and etcdctl outputs
//! can be given in one list.

use super::expo::{parse_line, Line};
use serde::Serialize;

/// What an input holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// A Prometheus / OpenMetrics text exposition (`curl $ENDPOINT/metrics`).
    Prometheus,
    /// `etcdctl endpoint status -w json`.
    EndpointStatusJson,
    /// `etcdctl endpoint status -w table`.
    EndpointStatusTable,
    /// `etcdctl member list -w json`.
    MemberListJson,
    /// `etcdctl member list -w table`.
    MemberListTable,
}

impl InputKind {
    /// Short name, as in the JSON `inputs[].kind` (`prometheus`, `endpoint_status_json`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Prometheus => "prometheus",
            InputKind::EndpointStatusJson => "endpoint_status_json",
            InputKind::EndpointStatusTable => "endpoint_status_table",
            InputKind::MemberListJson => "member_list_json",
            InputKind::MemberListTable => "member_list_table",
        }
    }
}

/// How many bytes of an input [`detect`] wants to see (more is fine, less works for
/// small files).
pub const DETECT_BYTES: usize = 64 * 1024;

/// What `head` (the first bytes of an input, decompressed) holds, or None when it is
/// none of the kinds above (an etcd log, for instance).
///
/// - JSON (first non-blank byte `[` or `{`): an endpoint status array has `"Endpoint"`
///   and `"Status"` keys; a member list has `"members"` and `"peerURLs"`/`"ID"`. A zap log
///   line also starts with `{` but has neither.
/// - A table: a `|` row whose header names ENDPOINT and RAFT TERM / IS LEADER (endpoint
///   status), or ID, NAME and PEER ADDRS (member list).
/// - A Prometheus dump: among the first 50 non-blank lines, a `# HELP`/`# TYPE` line, or
///   at least one sample line and at least 80% of the non-comment lines parse as samples.
///   Log lines (timestamps first, `raft2026/…`, journald prefixes) do not parse as
///   samples.
pub fn detect(head: &[u8]) -> Option<InputKind> {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('[') || t.starts_with('{') {
        let compact: String = t
            .chars()
            .filter(|c| !c.is_whitespace())
            .take(DETECT_BYTES)
            .collect();
        if compact.contains("\"Endpoint\":") && compact.contains("\"Status\":") {
            return Some(InputKind::EndpointStatusJson);
        }
        if compact.contains("\"members\":")
            && (compact.contains("\"peerURLs\":") || compact.contains("\"ID\":"))
        {
            return Some(InputKind::MemberListJson);
        }
        return None;
    }
    if let Some(row) = t.lines().map(str::trim).find(|l| l.starts_with('|')) {
        let cells: Vec<String> = row
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_ascii_uppercase())
            .collect();
        let has = |n: &str| cells.iter().any(|c| c == n);
        if has("ENDPOINT") && (has("RAFT TERM") || has("IS LEADER")) {
            return Some(InputKind::EndpointStatusTable);
        }
        if has("ID") && has("NAME") && has("PEER ADDRS") {
            return Some(InputKind::MemberListTable);
        }
        return None;
    }
    // Prometheus: judge complete lines only (the head may end mid-line).
    let complete = match t.rfind('\n') {
        Some(i) if head.len() >= DETECT_BYTES => &t[..i],
        _ => t,
    };
    let mut samples = 0usize;
    let mut other = 0usize;
    let mut meta = false;
    for l in complete.lines().filter(|l| !l.trim().is_empty()).take(50) {
        match parse_line(l) {
            Ok(Line::Help { .. }) | Ok(Line::Type { .. }) => meta = true,
            Ok(Line::Sample(_)) => samples += 1,
            Ok(Line::Eof) => break,
            Ok(_) => {}
            Err(_) => other += 1,
        }
    }
    if meta && samples + other == 0 {
        return Some(InputKind::Prometheus);
    }
    if samples > 0 && (meta || samples * 5 >= (samples + other) * 4) {
        return Some(InputKind::Prometheus);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(
            detect(b"# HELP etcd_server_has_leader x\n# TYPE etcd_server_has_leader gauge\netcd_server_has_leader 1\n"),
            Some(InputKind::Prometheus)
        );
        assert_eq!(
            detect(b"etcd_server_has_leader 1\n"),
            Some(InputKind::Prometheus)
        );
        assert_eq!(
            detect(br#"[{"Endpoint":"http://127.0.0.1:2379","Status":{"header":{}}}]"#),
            Some(InputKind::EndpointStatusJson)
        );
        assert_eq!(
            detect(br#"{"header":{"cluster_id":1},"members":[{"ID":2,"name":"a","peerURLs":[]}]}"#),
            Some(InputKind::MemberListJson)
        );
        assert_eq!(
            detect(b"+---+\n| ENDPOINT | ID | IS LEADER | RAFT TERM |\n"),
            Some(InputKind::EndpointStatusTable)
        );
        assert_eq!(
            detect(b"| ID | STATUS | NAME | PEER ADDRS | CLIENT ADDRS |\n"),
            Some(InputKind::MemberListTable)
        );
    }

    #[test]
    fn logs_are_not_metrics() {
        for log in [
            &br#"{"level":"info","ts":"2026-11-25T16:15:34.637Z","caller":"raft/raft.go:923","msg":"a9e9e1d57dda5a31 became leader at term 2"}"#[..],
            b"2026-11-25 16:15:34.637441 I | raft: a9e9e1d57dda5a31 became leader at term 2\n",
            b"raft2026/11/25 16:15:34 INFO: a9e9e1d57dda5a31 became leader at term 2\n",
            b"Nov 25 16:15:34 host etcd[123]: a9e9e1d57dda5a31 became leader at term 2\n",
            b"2026-11-25T16:15:34.637Z\tINFO\traft/raft.go:923\tbecame leader\n",
            b"",
            b"hello world\n",
        ] {
            assert_eq!(detect(log), None, "{}", String::from_utf8_lossy(log));
        }
    }
}
