//! The advice rules other than the stall and disk advice (`stall.rs`), one function each,
//! named after the advice code they write. `ADVICE` in `diagnose.rs` runs them in order.

use super::{culprits, ev, evidence_of, near_miss, term_list, timers, Facts};
use crate::cause::CauseCode;
use crate::event::{hex, Kind, NodeId};
use crate::report::{Anomaly, NodeRow, Recommendation};
use std::collections::{BTreeMap, BTreeSet};

/// Pre-vote against members that deposed a working leader when they came back, or that
/// kept raising the cluster's term while they could not win: only while some member's log
/// does not show pre-vote on.
pub(super) fn enable_pre_vote(f: &Facts<'_>, out: &mut Vec<Recommendation>) {
    let disruptive = f.causes_of(CauseCode::DisruptiveCandidate);
    let mut members = culprits(&disruptive);
    let raisers: BTreeMap<NodeId, Vec<usize>> = stale_raisers(f.a)
        .into_iter()
        .filter(|(n, _)| !members.contains(&hex(*n)))
        .collect();
    if disruptive.is_empty() && raisers.is_empty() {
        return;
    }
    let off: Vec<&NodeRow> =
        f.a.report
            .nodes
            .iter()
            .filter(|n| n.has_log && n.pre_vote != Some(true))
            .collect();
    if off.is_empty() {
        return;
    }
    let mut why = Vec::new();
    if !disruptive.is_empty() {
        why.push(format!(
            "{} election(s) were forced by {} returning with a higher term (terms {})",
            disruptive.len(),
            f.names(&members),
            term_list(&disruptive),
        ));
    }
    if !raisers.is_empty() {
        let ids: Vec<String> = raisers.keys().map(|n| hex(*n)).collect();
        why.push(format!(
            "{} raised other members' terms with vote requests that could not win (refused for a log behind theirs at two or more terms with no leader elected between)",
            f.names(&ids)
        ));
        members.extend(ids);
    }
    let off_names: Vec<String> = off
        .iter()
        .map(|n| n.name.clone().unwrap_or_else(|| n.id.clone()))
        .collect();
    let mut evidence = evidence_of(&disruptive);
    evidence.extend(raisers.values().flatten().take(4).map(|&i| ev(f.a, i)));
    out.push(Recommendation {
        code: "enable_pre_vote".into(),
        summary: if raisers.is_empty() {
            "turn pre-vote on (--pre-vote=true; the default from etcd 3.5) so that a member that was cut off cannot depose a working leader when it comes back"
        } else {
            "turn pre-vote on (--pre-vote=true; the default from etcd 3.5) so that a member whose log is behind cannot raise the cluster's term and put off the election of one that can win"
        }
        .into(),
        because: format!(
            "{}; pre-vote is {} on {}",
            why.join("; "),
            if off.iter().all(|n| n.pre_vote == Some(false)) { "off" } else { "not shown to be on" },
            off_names.join(", ")
        ),
        members,
        terms: disruptive.iter().map(|t| t.term).collect(),
        actions: pre_vote_actions(!disruptive.is_empty(), !raisers.is_empty()),
        evidence,
    });
}

/// What to do besides turning pre-vote on: find why the disruptive members were cut off,
/// and why the raisers' logs fell behind.
fn pre_vote_actions(disruptive: bool, raisers: bool) -> Vec<String> {
    let mut out = vec!["etcd --pre-vote=true (every member; etcd 3.4 defaults to false)".into()];
    if disruptive {
        out.push("find why the member was cut off: ping / ethtool -S <iface> between it and the others, firewall and MTU changes at that time".into());
    }
    if raisers {
        out.push("find why the member's log fell behind and why it campaigned: its own log around those terms (slow fdatasync, restarts, lost connections to the leader)".into());
    }
    out
}

/// Members whose real campaigns could not win yet moved others to their higher term (a
/// `received a … message with higher term from X` line of another member): their vote
/// requests were refused for a log behind the voter's at two or more terms with no leader
/// elected between them. Each such campaign raises the term and puts off the election of
/// a member that can win; pre-vote makes such a member ask first, without raising anyone's
/// term. (Requests ignored under the lease are left to the cause rules: a member whose
/// leader was paused or died sees them too.) With the indexes of the lines.
fn stale_raisers(a: &crate::model::Analysis) -> BTreeMap<NodeId, Vec<usize>> {
    /// What one member's campaigns showed: its refusals for a stale log (with their
    /// terms) and the lines of other members moved to its higher term.
    #[derive(Default)]
    struct Seen {
        behind_at: BTreeSet<u64>,
        refused: Vec<usize>,
        raised: Vec<(u64, usize)>,
    }
    let mut seen: BTreeMap<NodeId, Seen> = BTreeMap::new();
    for (i, e) in a.events.iter().enumerate() {
        if let Some(c) = e.kind.stale_refusal() {
            let s = seen.entry(c).or_default();
            s.behind_at.extend(e.term);
            s.refused.push(i);
        } else if let Kind::TermBump { from, .. } = &e.kind {
            if e.node != Some(*from) {
                let s = seen.entry(*from).or_default();
                s.raised.extend(e.term.map(|t| (t, i)));
            }
        }
    }
    let led: BTreeSet<u64> = a
        .report
        .terms
        .iter()
        .filter(|t| t.leader.is_some())
        .map(|t| t.term)
        .collect();
    // two refusals with no leader elected from the first to the second: one leaderless
    // stretch that its campaigns prolonged (in a storm, stale candidates are refused
    // between elected leaders as a matter of course)
    let repeated = |terms: &BTreeSet<u64>| {
        let v: Vec<u64> = terms.iter().copied().collect();
        v.windows(2)
            .find(|w| led.range(w[0]..=w[1]).next().is_none())
            .map(|w| w[0])
    };
    seen.into_iter()
        .filter_map(|(n, s)| {
            let first = repeated(&s.behind_at)?;
            // the raises of the terms it could not win
            let raised: Vec<usize> = s
                .raised
                .iter()
                .filter(|(t, _)| *t >= first)
                .map(|x| x.1)
                .collect();
            (!raised.is_empty()).then(|| {
                let mut lines: Vec<usize> = s.refused.into_iter().take(2).collect();
                lines.extend(raised.into_iter().take(2));
                (n, lines)
            })
        })
        .collect()
}

/// The election timers against the late heartbeats, leaving out the members whose
/// lateness the stall advice and the near misses already explain.
pub(super) fn tune_timers(f: &Facts<'_>, out: &mut Vec<Recommendation>) {
    let mut quiet_stalled: BTreeSet<String> = f.stalled.iter().cloned().collect();
    quiet_stalled.extend(f.starved.iter().cloned());
    quiet_stalled.extend(f.a.report.near_misses.iter().map(|n| n.node.clone()));
    let timer_inputs = timers::TimerInputs {
        over: &f.over,
        stall_terms: f.stalls.iter().map(|t| t.term).collect(),
        stalled: quiet_stalled,
    };
    out.extend(timers::timer_advice(f.a, &timer_inputs));
}

/// Repeated near misses, joined to the stall or disk advice that names their member.
pub(super) fn check_near_misses(f: &Facts<'_>, out: &mut Vec<Recommendation>) {
    near_miss::near_miss_advice(f.a, out);
}

/// The worst WAL fsync p99 of the /metrics dumps given with the logs, when over etcd's
/// guidance and no earlier advice speaks for it: a `check_disk` from the lines, or the
/// `check_stall` of a starved leader, or of a stalled one with no slow-sync line, which
/// quotes its histogram (a slow disk or a starved process; iostat tells).
pub(super) fn check_disk_metrics(f: &Facts<'_>, out: &mut Vec<Recommendation>) {
    let Some(m) = &f.a.metrics else { return };
    let Some((mem, p99)) = m.worst_wal_fsync_p99() else {
        return;
    };
    let stall_advice = mem.id.as_ref().is_some_and(|id| {
        f.starved.contains(id)
            || (f.stalled.contains(id) && (f.fsync.is_empty() || f.frozen.contains(id)))
    });
    let slow = p99 > m.thresholds.wal_fsync_p99_seconds;
    if !slow || out.iter().any(|x| x.code == "check_disk") || stall_advice {
        return;
    }
    out.push(Recommendation {
        code: "check_disk".into(),
        summary: "the WAL disk is too slow for etcd: fsync p99 must stay under 10 ms; use a dedicated low-latency SSD for the WAL (--wal-dir)".into(),
        because: format!("{}: etcd_disk_wal_fsync_duration_seconds p99 = {:.1} ms ({})", mem.label(), p99 * 1000.0, mem.input),
        members: mem.id.clone().into_iter().collect(),
        terms: Vec::new(),
        actions: vec!["iostat -x 1   (await and %util of the WAL device)".into()],
        evidence: Vec::new(),
    });
}

/// The network, for elections caused by members that could not reach the others, or
/// raft messages dropped for a full sending buffer.
pub(super) fn check_network(f: &Facts<'_>, out: &mut Vec<Recommendation>) {
    let a = f.a;
    let net = f.causes_of(CauseCode::Network);
    let (buffer, unreachable) = link_trouble(f);
    if net.is_empty() && buffer.is_empty() {
        return;
    }
    let members = culprits(&net);
    let pairs: Vec<String> = unreachable
        .keys()
        .filter(|(x, y)| {
            members.is_empty() || members.contains(&hex(*x)) || members.contains(&hex(*y))
        })
        .take(6)
        .map(|(x, y)| format!("{} -> {}", a.name(*x), a.name(*y)))
        .collect();
    let mut evidence = evidence_of(&net);
    evidence.extend(buffer.iter().take(2).map(|i| ev(a, *i)));
    out.push(Recommendation {
        code: "check_network".into(),
        summary: format!(
            "check the network between the members{}",
            if members.is_empty() { String::new() } else { format!(" around {}", f.names(&members)) }
        ),
        because: format!(
            "{} election(s) caused by members that could not reach the others{}{}",
            net.len(),
            if buffer.is_empty() { String::new() } else { format!("; {} dropped raft messages (sending buffer full)", buffer.len()) },
            if pairs.is_empty() { String::new() } else { format!("; unreachable: {}", pairs.join(", ")) }
        ),
        members,
        terms: net.iter().map(|t| t.term).collect(),
        actions: vec![
            "ping -c 100 <peer>   and   mtr <peer>   between the named members (loss, latency)".into(),
            "ethtool -S <iface> | grep -i -E 'drop|err'   on both ends".into(),
            "raftlog metrics <dumps>: etcd_network_peer_round_trip_time_seconds per peer and peer sent/received failures".into(),
        ],
        evidence,
    });
}

/// The full sending buffers, and the first line of each (member, peer) unreachable or
/// inactive pair.
fn link_trouble(f: &Facts<'_>) -> (Vec<usize>, BTreeMap<(NodeId, NodeId), usize>) {
    let mut buffer: Vec<usize> = Vec::new();
    let mut unreachable: BTreeMap<(NodeId, NodeId), usize> = BTreeMap::new();
    for (i, e) in f.a.events.iter().enumerate() {
        match &e.kind {
            Kind::BufferFull { .. } => buffer.push(i),
            Kind::PeerUnreachable { peer: Some(p), .. }
            | Kind::PeerInactive { peer: Some(p), .. } => {
                if let Some(n) = e.node {
                    unreachable.entry((n, *p)).or_insert(i);
                }
            }
            _ => {}
        }
    }
    (buffer, unreachable)
}

/// The clocks, from clock-difference warnings or a skew the analysis measured.
pub(super) fn check_clocks(f: &Facts<'_>, out: &mut Vec<Recommendation>) {
    let a = f.a;
    let skew_events: Vec<usize> = a
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.kind, Kind::ClockSkew { .. }))
        .map(|(i, _)| i)
        .filter(|i| !f.stall_drift.contains(i))
        .collect();
    let skew_anoms: Vec<&Anomaly> = a
        .report
        .anomalies
        .iter()
        .filter(|x| x.kind == "clock_skew")
        .collect();
    if skew_events.is_empty() && skew_anoms.is_empty() {
        return;
    }
    let members: BTreeSet<String> = skew_anoms
        .iter()
        .flat_map(|x| x.nodes.clone())
        .chain(skew_events.iter().filter_map(|i| match &a.events[*i].kind {
            Kind::ClockSkew { peer: Some(p), .. } => Some(hex(*p)),
            _ => None,
        }))
        .collect();
    out.push(Recommendation {
        code: "check_clocks".into(),
        summary: "synchronise the members' clocks (NTP/chrony); skewed clocks break lease and TTL semantics and make logs hard to correlate".into(),
        because: format!(
            "{} clock-difference warning(s){}",
            skew_events.len(),
            skew_anoms.first().map(|x| format!("; {}", x.summary)).unwrap_or_default()
        ),
        members: members.into_iter().collect(),
        terms: Vec::new(),
        actions: vec!["chronyc tracking   (or timedatectl status) on each named member".into()],
        evidence: skew_events.iter().take(3).map(|i| ev(a, *i)).collect(),
    });
}

/// Why a leader died without a clean stop.
pub(super) fn check_crash(f: &Facts<'_>, out: &mut Vec<Recommendation>) {
    let crashes = f.causes_of(CauseCode::LeaderCrash);
    if crashes.is_empty() {
        return;
    }
    let members = culprits(&crashes);
    out.push(Recommendation {
        code: "check_crash".into(),
        summary: "find out why the leader died without a clean stop (OOM kill, panic, node failure, liveness probe kill)".into(),
        because: format!(
            "{} election(s) followed a leader that stopped without a stop signal and started again: {}",
            crashes.len(),
            f.names(&members)
        ),
        members,
        terms: crashes.iter().map(|t| t.term).collect(),
        actions: vec![
            "kubectl logs --previous <etcd pod>   or   journalctl -u etcd -b -1   (the end of the member's previous log)".into(),
            "dmesg -T | grep -i -E 'oom|killed process'   on the member's node".into(),
            "kubectl describe pod <etcd pod>   (Last State, exit code 137 = SIGKILL)".into(),
        ],
        evidence: evidence_of(&crashes),
    });
}

/// The membership changes that cost elections.
pub(super) fn check_membership(f: &Facts<'_>, out: &mut Vec<Recommendation>) {
    let mem = f.causes_of(CauseCode::MembershipChange);
    if mem.is_empty() {
        return;
    }
    out.push(Recommendation {
        code: "check_membership".into(),
        summary: "review the membership changes: remove or replace members one at a time, and move leadership away before removing the leader".into(),
        because: format!("{} election(s) followed membership changes", mem.len()),
        members: culprits(&mem),
        terms: mem.iter().map(|t| t.term).collect(),
        actions: vec!["etcdctl member list -w table".into(), "etcdctl move-leader <id> before removing the leader".into()],
        evidence: evidence_of(&mem),
    });
}

/// The logs to add, when elections stay unexplained and members' logs are missing.
pub(super) fn add_missing_logs(f: &Facts<'_>, out: &mut Vec<Recommendation>) {
    let missing: Vec<&Anomaly> =
        f.a.report
            .anomalies
            .iter()
            .filter(|x| x.kind == "incomplete")
            .collect();
    let unknown = f.causes_of(CauseCode::Unknown);
    if missing.is_empty() || unknown.is_empty() {
        return;
    }
    let members: Vec<String> = missing
        .iter()
        .flat_map(|x| x.nodes.clone())
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    out.push(Recommendation {
        code: "add_missing_logs".into(),
        summary: format!(
            "add the logs of {} to tell a stall, crash or network fault apart",
            f.names(&members)
        ),
        because: format!(
            "{} election(s) could not be explained from the logs given (terms {})",
            unknown.len(),
            term_list(&unknown)
        ),
        members,
        terms: unknown.iter().map(|t| t.term).collect(),
        actions: vec!["kubectl logs <etcd pod of that member> (add --previous after a restart)   or   journalctl -u etcd --since <time>".into()],
        evidence: Vec::new(),
    });
}
