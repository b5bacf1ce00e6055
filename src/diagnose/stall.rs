//! The stall advice: `check_stall` or `check_disk` for the leaders that stopped sending
//! heartbeats in time (and for slow fdatasync lines that cost no election yet). One
//! advice at most, the most specific the evidence allows: a healthy disk measured by
//! /metrics, then a leader starved of CPU, then slow syncs, then a pause.

use super::{disk_work, ev, evidence_of, member_name, term_list, Facts};
use crate::event::{hex, Kind, NodeId};
use crate::model::Analysis;
use crate::report::{Evidence, Recommendation, TermRow};
use std::collections::{BTreeMap, BTreeSet};

/// The stall advice, then the disk work running at the stall's time named in it.
pub(super) fn check_stall(f: &Facts<'_>, out: &mut Vec<Recommendation>) {
    let rec = if disk_healthy(f) {
        Some(healthy_disk_stall(f))
    } else if !f.starved.is_empty() {
        Some(starved_advice(f))
    } else if !f.fsync.is_empty() && !frozen_stalls(f) && syncs_before_stalls(f) {
        Some(disk_advice(f.a, &f.stalls, &f.over, &f.fsync))
    } else if !f.stalls.is_empty() {
        Some(paused_stall(f))
    } else {
        None
    };
    if let Some(mut rec) = rec {
        disk_work::name_disk_work(f.a, &mut rec);
        out.push(rec);
    }
}

/// /metrics dumps of every stalled leader show a healthy disk and no slow-sync line was
/// logged: the stall came from elsewhere (CPU starvation, a paused VM or process, GC).
fn disk_healthy(f: &Facts<'_>) -> bool {
    f.a.metrics.as_ref().is_some_and(|m| {
        !f.stalled.is_empty()
            && f.fsync.is_empty()
            && f.stalled.iter().all(|c| {
                m.members.iter().any(|x| {
                    x.id.as_deref() == Some(c.as_str())
                        && x.wal_fsync
                            .p99_seconds
                            .is_some_and(|p| p <= m.thresholds.wal_fsync_p99_seconds)
                })
            })
    })
}

/// `check_stall` for stalled leaders whose disks were measured fast.
fn healthy_disk_stall(f: &Facts<'_>) -> Recommendation {
    Recommendation {
        code: "check_stall".into(),
        summary: "find what froze the leaders: their disks were fast (WAL fsync p99 within 10 ms), so look for CPU starvation or throttling, a paused VM or container, or long pauses of the process".into(),
        because: format!(
            "{} election(s) caused by a leader that stopped sending heartbeats in time (terms {}), while its /metrics show a healthy WAL fsync",
            f.stalls.len(),
            term_list(&f.stalls)
        ),
        members: f.stalled.clone(),
        terms: f.stalls.iter().map(|t| t.term).collect(),
        actions: stall_actions(),
        evidence: evidence_of(&f.stalls),
    }
}

/// With elections caused by stalled leaders: one of those leaders logged a slow sync that
/// began (its line's time less the time it took) before the campaign that deposed it. A
/// sync that began later, while the others were already electing, did not hold the leader
/// before that campaign; without any such sync the disk explains none of the stalls.
fn syncs_before_stalls(f: &Facts<'_>) -> bool {
    if f.stalls.is_empty() {
        return true;
    }
    f.stalls.iter().any(|row| {
        let (Some(c), Some(start)) = (
            row.cause.as_ref().and_then(|c| c.culprit.as_deref()),
            row.started_at.or(row.elected_at),
        ) else {
            return true; // no time to compare: the slow sync may have held it
        };
        f.fsync.iter().any(|&(took, i)| {
            let e = &f.a.events[i];
            e.node.is_some_and(|n| hex(n) == c)
                && e.ts.is_some_and(|t| t.0 - (took * 1e6) as i64 <= start.0)
        })
    })
}

/// Every stalled leader was frozen by something other than its WAL (see
/// [`frozen_leaders`]), so its slow-sync lines, if any, do not make the stall a disk's.
fn frozen_stalls(f: &Facts<'_>) -> bool {
    !f.stalled.is_empty() && f.stalled.iter().all(|c| f.frozen.contains(c))
}

/// `check_stall` for stalled leaders with no slow-disk line, or whose slow-sync lines do
/// not explain how late they were: paused or starved.
fn paused_stall(f: &Facts<'_>) -> Recommendation {
    let syncs = if f.fsync.is_empty() {
        "no slow fdatasync line".to_string()
    } else if frozen_lateness(f) == 0.0 && !syncs_before_stalls(f) {
        format!(
            "{} slow fdatasync line(s), each begun (its time less the time it took) after the campaign that deposed the leader, so none held it before that campaign; a starved or paused process logs slow syncs too",
            f.fsync.len()
        )
    } else {
        format!(
            "{} slow fdatasync line(s), none just before a heartbeat {} late: etcd logs every WAL sync over 1 s as it returns, before the late heartbeat it causes, so the raft loop was frozen by something else; a starved or paused process logs slow syncs too",
            f.fsync.len(),
            crate::time::human_ms(frozen_lateness(f) as i64)
        )
    };
    let summary = if f.fsync.is_empty() {
        "find what froze the leaders: no slow-disk line shows a slow disk, so look for a paused process, VM or container (SIGSTOP, freeze, live migration), CPU starvation or throttling, or long pauses of the process"
    } else {
        "find what froze the leaders: their slow-sync lines do not explain how late they were, so look for CPU starvation or throttling, a paused process, VM or container (SIGSTOP, freeze, live migration), or long pauses of the process"
    };
    Recommendation {
        code: "check_stall".into(),
        summary: summary.into(),
        because: format!(
            "{} election(s) caused by a leader that stopped sending heartbeats in time (terms {}); {} late heartbeat(s) from the leader and {syncs}{}{}",
            f.stalls.len(),
            term_list(&f.stalls),
            f.over.len(),
            stalled_fsync_p99(f.a, &f.stalled),
            drift_clause(f)
        ),
        members: f.stalled.clone(),
        terms: f.stalls.iter().map(|t| t.term).collect(),
        actions: stall_actions(),
        evidence: evidence_of(&f.stalls),
    }
}

/// With dumps, the WAL fsync p99 of stalled leaders whose histogram is over etcd's
/// guidance, as a clause for the paused-or-starved advice: a slow disk and a starved
/// process both inflate it.
fn stalled_fsync_p99(a: &Analysis, stalled: &[String]) -> String {
    let Some(m) = &a.metrics else {
        return String::new();
    };
    m.members
        .iter()
        .filter(|x| x.id.as_ref().is_some_and(|i| stalled.contains(i)))
        .filter_map(|x| {
            let p = x.wal_fsync.p99_seconds?;
            (p > m.thresholds.wal_fsync_p99_seconds).then(|| {
                format!(
                    "; {}'s WAL fsync p99 is {:.1} ms ({}): a slow disk or a process starved of CPU, which iostat -x and cpu.stat tell apart",
                    x.label(),
                    p * 1000.0,
                    x.input
                )
            })
        })
        .collect()
}

/// Commands that tell a paused or starved process apart.
fn stall_actions() -> Vec<String> {
    vec![
        "top / pidstat -u 1 -p $(pidof etcd)   and the container's CPU throttling (cpu.stat nr_throttled, nr_periods)".into(),
        "journalctl -k and the hypervisor's events at the evidence times (VM pauses, live migration)".into(),
    ]
}

/// etcd warns of every WAL sync over this (`slow fdatasync`, `sync duration of …`:
/// wal's warnSyncDuration).
const SLOW_SYNC_WARN_MS: f64 = 1000.0;

/// A slow sync of member `n` logged at most 300 ms before `t`: the sync that blocked the
/// raft loop just before a late heartbeat (it is logged as it returns).
fn explained_by_sync(a: &Analysis, fsync: &[(f64, usize)], n: NodeId, t: i64) -> bool {
    const EXPLAINED_NS: i64 = 300_000_000;
    fsync.iter().any(|&(_, j)| {
        let f = &a.events[j];
        f.node == Some(n) && f.ts.is_some_and(|ft| t >= ft.0 && t - ft.0 <= EXPLAINED_NS)
    })
}

/// Leaders frozen by something other than their WAL: a heartbeat at least 1 s late with
/// no slow sync of their own just before it. The raft loop syncs the WAL and then sends
/// the heartbeats of the next round, so a sync that made a heartbeat 1 s late took over
/// 1 s and was logged as it returned, just before the late-heartbeat line. Without that
/// line the loop was held by a pause or CPU starvation, and the slow syncs logged later
/// are what such a process shows too.
pub(super) fn frozen_leaders(
    a: &Analysis,
    over: &[(f64, usize)],
    fsync: &[(f64, usize)],
) -> BTreeSet<String> {
    over.iter()
        .filter(|&&(late, _)| late >= SLOW_SYNC_WARN_MS)
        .filter_map(|&(_, i)| {
            let e = &a.events[i];
            let (n, t) = (e.node?, e.ts?);
            (!explained_by_sync(a, fsync, n, t.0)).then(|| hex(n))
        })
        .collect()
}

/// Clock-drift warnings logged by or about a frozen or starved leader within 10 s of one of
/// its late heartbeats (event indexes). etcd's prober compares the peer's clock with the
/// local one across a round trip; a process that is itself frozen or starved stretches
/// that round trip (its rtt reads hundreds of ms on a LAN) and the "drift" with it.
pub(super) fn drift_in_stalls(
    a: &Analysis,
    over: &[(f64, usize)],
    held: &BTreeSet<String>,
) -> Vec<usize> {
    const NEAR_NS: i64 = 10_000_000_000;
    let late: Vec<(NodeId, i64)> = over
        .iter()
        .filter_map(|&(_, i)| Some((a.events[i].node?, a.events[i].ts?.0)))
        .filter(|(n, _)| held.contains(&hex(*n)))
        .collect();
    let near = |m: NodeId, w: i64| {
        late.iter()
            .any(|&(n, t)| n == m && (w - t).abs() <= NEAR_NS)
    };
    a.events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let Kind::ClockSkew { peer, .. } = e.kind else {
                return None;
            };
            let w = e.ts?.0;
            let by = e.node.is_some_and(|n| near(n, w));
            (by || peer.is_some_and(|p| near(p, w))).then_some(i)
        })
        .collect()
}

/// The clause saying which clock-drift warnings were left out, and why.
fn drift_clause(f: &Facts<'_>) -> String {
    if f.stall_drift.is_empty() {
        return String::new();
    }
    format!(
        "; {} clock-drift warning(s) measured while a leader was frozen are not counted as clock skew",
        f.stall_drift.len()
    )
}

/// The most a frozen leader's heartbeat was late, in ms.
fn frozen_lateness(f: &Facts<'_>) -> f64 {
    f.over
        .iter()
        .filter(|&&(_, i)| {
            f.a.events[i]
                .node
                .is_some_and(|n| f.frozen.contains(&hex(n)))
        })
        .map(|x| x.0)
        .fold(0.0, f64::max)
}

/// Leaders that kept running, only late, during one stall: they logged late heartbeats at
/// two or more moments of one episode (lines less than 200 ms apart are one moment: each
/// line is per peer; late heartbeats more than 2.5 s apart, explained or not, end an
/// episode), moments that no slow fdatasync of their own explains (a WAL sync that
/// blocks the raft loop is followed by a late heartbeat as soon as it returns). A paused process logs its late heartbeats once,
/// when it resumes; a slow disk logs them right after its slow syncs; a process starved of
/// CPU (a cgroup quota, an overloaded host) sends every heartbeat late, once per slice of
/// CPU it gets. Starvation also makes fdatasync look slow, so slow syncs do not rule it out.
pub(super) fn starved_leaders(
    a: &Analysis,
    over: &[(f64, usize)],
    fsync: &[(f64, usize)],
) -> BTreeSet<String> {
    const SAME_MOMENT_NS: i64 = 200_000_000;
    const EPISODE_GAP_NS: i64 = 2_500_000_000;
    let mut times: BTreeMap<NodeId, Vec<(i64, bool)>> = BTreeMap::new();
    for &(_, i) in over {
        let e = &a.events[i];
        let (Some(n), Some(t)) = (e.node, e.ts) else {
            continue;
        };
        let unexplained = !explained_by_sync(a, fsync, n, t.0);
        times.entry(n).or_default().push((t.0, unexplained));
    }
    let mut out = BTreeSet::new();
    for (n, mut ts) in times {
        ts.sort_unstable();
        let (mut moments, mut last, mut last_any) = (0usize, None::<i64>, None::<i64>);
        for (t, unexplained) in ts {
            // an explained late heartbeat keeps the episode going: the stall went on
            if last_any.is_some_and(|l| t - l > EPISODE_GAP_NS) {
                moments = 0;
            }
            last_any = Some(t);
            if !unexplained || last.is_some_and(|l| t - l <= SAME_MOMENT_NS) {
                continue;
            }
            moments += 1;
            last = Some(t);
            if moments >= 2 {
                out.insert(hex(n));
                break;
            }
        }
    }
    out
}

/// `check_stall` for leaders that were starved of CPU (see [`starved_leaders`]).
fn starved_advice(f: &Facts<'_>) -> Recommendation {
    let (a, stalls, starved) = (f.a, &f.stalls, &f.starved);
    let (over, fsync) = (&f.over, &f.fsync);
    let mine = |i: usize| a.events[i].node.is_some_and(|n| starved.contains(&hex(n)));
    let late: Vec<usize> = over.iter().map(|x| x.1).filter(|&i| mine(i)).collect();
    let syncs: Vec<&(f64, usize)> = fsync.iter().filter(|x| mine(x.1)).collect();
    let names: Vec<String> = starved.iter().map(|h| member_name(a, h)).collect();
    let mut because = format!(
        "{} kept sending heartbeats late, again and again within seconds ({} late-heartbeat line(s)): the process ran, but slowly",
        names.join(", "),
        late.len()
    );
    if !syncs.is_empty() {
        let worst = syncs.iter().map(|x| x.0).fold(0.0, f64::max);
        because.push_str(&format!(
            "; its {} slow fdatasync warning(s) (worst {}) are what a starved process shows too, so they do not prove a slow disk (iostat settles it)",
            syncs.len(),
            crate::time::human_ms(worst as i64)
        ));
    }
    because.push_str(&starved_p99(a, starved));
    let mut evidence: Vec<Evidence> = late.iter().take(3).map(|&i| ev(a, i)).collect();
    evidence.extend(syncs.iter().take(2).map(|x| ev(a, x.1)));
    let terms: Vec<u64> = stalls
        .iter()
        .filter(|t| {
            t.cause
                .as_ref()
                .and_then(|c| c.culprit.as_ref())
                .is_some_and(|c| starved.contains(c))
        })
        .map(|t| t.term)
        .collect();
    if terms.is_empty() {
        because.push_str("; it kept its leadership (a near miss)");
    }
    because.push_str(&drift_clause(f));
    Recommendation {
        code: "check_stall".into(),
        summary: "find what starved the leader of CPU: a CPU limit or throttling of its container or cgroup, a noisy neighbour or an overloaded host; give etcd dedicated CPU (requests = limits, no CPU limit below its need) before touching the timers".into(),
        because,
        members: starved.iter().cloned().collect(),
        terms,
        actions: stall_actions(),
        evidence,
    }
}

/// `check_disk` from slow fdatasync lines. Late heartbeats are reported beside them but are
/// no disk evidence: etcd's warning says "likely from slow disk" whatever the cause.
fn disk_advice(
    a: &Analysis,
    stalls: &[&TermRow],
    over: &[(f64, usize)],
    fsync: &[(f64, usize)],
) -> Recommendation {
    let members: BTreeSet<String> = fsync
        .iter()
        .filter_map(|(_, i)| a.events[*i].node.map(hex))
        .collect();
    let worst_fsync = fsync.iter().map(|x| x.0).fold(0.0, f64::max);
    let mut evidence: Vec<Evidence> = fsync.iter().take(3).map(|(_, i)| ev(a, *i)).collect();
    evidence.extend(over.iter().take(3).map(|(_, i)| ev(a, *i)));
    let names: Vec<String> = members.iter().map(|h| member_name(a, h)).collect();
    let mut because = format!(
        "{} slow fdatasync warning(s) on {} (worst {})",
        fsync.len(),
        names.join(", "),
        crate::time::human_ms(worst_fsync as i64)
    );
    if !over.is_empty() {
        because.push_str(&format!(
            "; {} late heartbeat(s) from the leader",
            over.len()
        ));
    }
    because.push_str(&measured_disks(a, &members));
    if stalls.is_empty() {
        because.push_str("; no election followed: a member-level problem so far");
    } else {
        because.push_str(&format!(
            "; {} election(s) caused by a stalled leader (terms {})",
            stalls.len(),
            term_list(stalls)
        ));
    }
    Recommendation {
        code: "check_disk".into(),
        summary: "check the disk of the stalling members: etcd needs WAL fsync p99 under 10 ms; put the WAL on a dedicated low-latency SSD (--wal-dir) and keep other I/O off it".into(),
        because,
        members: members.into_iter().collect(),
        terms: stalls.iter().map(|t| t.term).collect(),
        actions: vec![
            "iostat -x 1   (on the member: await and %util of the WAL device)".into(),
            "raftlog metrics <dumps>   or   curl -s http://<member>:2379/metrics | grep etcd_disk_wal_fsync_duration_seconds   (p99 must stay < 10 ms)".into(),
            // etcd times fdatasync by the wall clock: a process starved of CPU measures
            // slow syncs on a healthy disk (a CPU-starved follower logs nothing else)
            "if iostat shows a healthy WAL device: the member's CPU throttling (cgroup cpu.stat nr_throttled, throttled_time), since a process starved of CPU logs slow fdatasync too".into(),
        ],
        evidence,
    }
}

/// With dumps, what the slow-syncing members' own histograms measured, as clauses.
fn measured_disks(a: &Analysis, members: &BTreeSet<String>) -> String {
    let Some(m) = &a.metrics else {
        return String::new();
    };
    let ms = |p: Option<f64>| p.map_or("-".to_string(), |p| format!("{:.1} ms", p * 1000.0));
    m.members
        .iter()
        .filter(|x| x.id.as_ref().is_some_and(|i| members.contains(i)))
        .map(|mem| {
            format!(
                "; {}: WAL fsync p99 {}, backend commit p99 {} ({})",
                mem.label(),
                ms(mem.wal_fsync.p99_seconds),
                ms(mem.backend_commit.p99_seconds),
                mem.input
            )
        })
        .collect()
}

/// With dumps, the starved leaders' WAL fsync p99, as clauses.
fn starved_p99(a: &Analysis, starved: &BTreeSet<String>) -> String {
    let Some(m) = &a.metrics else {
        return String::new();
    };
    m.members
        .iter()
        .filter(|x| x.id.as_ref().is_some_and(|i| starved.contains(i)))
        .filter_map(|mem| {
            let p = mem.wal_fsync.p99_seconds?;
            Some(format!(
                "; {} WAL fsync p99 {:.1} ms",
                mem.label(),
                p * 1000.0
            ))
        })
        .collect()
}
