//! The log analysis checked against /metrics dumps and `etcdctl endpoint status`
//! outputs given with the logs, and the culprits' measured figures added to their causes.

use super::id;
use crate::cause::CauseCode;
use crate::event::{Kind, NodeId};
use crate::metrics::status::StatusSummary;
use crate::metrics::{MemberReport, MetricsReport};
use crate::model::Analysis;
use crate::report::{Anomaly, Cause};
use crate::time::Instant;

/// Join the figures of /metrics dumps and `etcdctl endpoint status` outputs with the log
/// analysis: the final term and leader must agree with the status snapshot, and each
/// member's leader-change counter with its own log (a mismatch usually means rotated-away
/// or missing log lines).
pub fn cross_check(a: &mut Analysis, m: &MetricsReport) {
    let mut found = Found::default();
    if let Some(st) = &m.status_summary {
        check_status(a, st, &mut found);
    }
    for mem in &m.members {
        check_counter(a, mem, &mut found);
    }
    a.report.anomalies.extend(found.anomalies);
    a.report.summary.notes.extend(found.notes);
    // the culprit's measured disk and network figures, next to the cause they support
    for t in a.report.terms.iter_mut() {
        let Some(c) = t.cause.as_mut() else { continue };
        let Some(mem) = c
            .culprit
            .as_deref()
            .and_then(|culprit| m.members.iter().find(|x| x.id.as_deref() == Some(culprit)))
        else {
            continue;
        };
        add_figures(c, mem, m);
    }
    a.report.metrics = serde_json::to_value(m).ok();
}

/// What the checks found, in the order found.
#[derive(Default)]
struct Found {
    anomalies: Vec<Anomaly>,
    notes: Vec<String>,
}

/// An anomaly about one member or term, with no offset and no hint.
fn anomaly(kind: &str, summary: String, node: &str, terms: Vec<u64>) -> Anomaly {
    Anomaly {
        kind: kind.into(),
        summary,
        nodes: vec![node.to_string()],
        terms,
        offset_ms: None,
        hint: None,
    }
}

/// The status snapshot's term and leader against the logs' term table.
fn check_status(a: &Analysis, st: &StatusSummary, found: &mut Found) {
    let (Some(term), Some(leader)) = (st.term, st.leader.as_deref()) else {
        return;
    };
    let said = a.name(id(leader).unwrap_or(0));
    match a.report.terms.iter().find(|t| t.term == term) {
        Some(row) if row.leader.as_deref() == Some(leader) => found.notes.push(format!(
            "etcdctl endpoint status agrees with the logs: term {term}, leader {said}"
        )),
        Some(row) if row.leader.is_some() => found.anomalies.push(anomaly(
            "status_mismatch",
            format!(
                "etcdctl endpoint status says {said} led term {term}; the logs say {}",
                row.leader.as_deref().and_then(id).map(|i| a.name(i)).unwrap_or_default()
            ),
            leader,
            vec![term],
        )),
        _ => found.notes.push(format!(
            "etcdctl endpoint status shows term {term} (leader {said}), which the logs do not reach: the logs end earlier or miss that member"
        )),
    }
}

/// A member's leader-change counter against the leader changes its own log shows since
/// its process started, when its log covers that whole life.
fn check_counter(a: &Analysis, mem: &MemberReport, found: &mut Found) {
    let (Some(mid), Some(counter)) = (mem.id.as_deref(), mem.leader_changes_seen_total) else {
        return;
    };
    let Some(node) = id(mid) else { return };
    let Some(row) = a.report.nodes.iter().find(|n| n.id == mid) else {
        return;
    };
    if !row.has_log {
        return;
    }
    // the log must cover the member's life up to the dump
    let covers = match (mem.process_start(), row.first_seen) {
        (Some(s), Some(f)) => f.0 <= s.0 + 10_000_000_000,
        _ => false,
    };
    if !covers {
        found.notes.push(format!(
            "{}: its log starts after the process started, so its leader-change counter ({}) cannot be checked against it",
            a.name(node),
            counter.0
        ));
        return;
    }
    let count = leader_changes_logged(a, node, mem.dump_time);
    if count as f64 != counter.0 {
        found.anomalies.push(anomaly(
            "counter_mismatch",
            format!(
                "{}: etcd_server_leader_changes_seen_total is {} but its log shows {count} leader changes since it started (log lines rotated away or missing?)",
                a.name(node),
                counter.0
            ),
            mid,
            Vec::new(),
        ));
    }
}

/// The leader changes `node`'s log shows since its last start, up to `until`.
fn leader_changes_logged(a: &Analysis, node: NodeId, until: Option<Instant>) -> u64 {
    let mut count = 0u64;
    for e in a.events.iter().filter(|e| e.node == Some(node)) {
        if let (Some(t), Some(u)) = (e.ts, until) {
            if t > u {
                continue;
            }
        }
        match e.kind {
            Kind::ProcessStart { .. } => count = 0,
            Kind::ElectedLeader { .. } | Kind::ChangedLeader { .. } => count += 1,
            _ => {}
        }
    }
    count
}

/// The culprit's measured figure that supports its cause: its WAL fsync p99 for a stall,
/// its worst peer round trip for a network cause or a disruptive candidate.
fn add_figures(c: &mut Cause, mem: &MemberReport, m: &MetricsReport) {
    match CauseCode::from_name(&c.code) {
        Some(CauseCode::LeaderStall) => {
            if let Some(p99) = mem.wal_fsync.p99_seconds {
                let slow = p99 > m.thresholds.wal_fsync_p99_seconds;
                c.summary.push_str(&format!(
                    "; its WAL fsync p99 is {:.1} ms ({} etcd's 10 ms, from {})",
                    p99 * 1000.0,
                    if slow { "above" } else { "within" },
                    mem.input
                ));
            }
        }
        Some(CauseCode::Network | CauseCode::DisruptiveCandidate) => {
            let worst = mem
                .peers
                .iter()
                .filter_map(|p| p.rtt.p99_seconds.or(p.rtt.mean_seconds).map(|v| (v, p)))
                .max_by(|x, y| x.0.total_cmp(&y.0));
            if let Some((v, p)) = worst {
                c.summary.push_str(&format!(
                    "; its worst peer round trip (p99, to {}) is {:.1} ms (from {})",
                    p.name.clone().unwrap_or_else(|| p.id.clone()),
                    v * 1000.0,
                    mem.input
                ));
            }
        }
        _ => {}
    }
}
