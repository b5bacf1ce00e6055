//! Recommendations (`raftlog diagnose`): what to change or check next, each tied to the
//! evidence that led to it. No advice without evidence.
//!
//! Sources of the figures: etcd's tuning guide (heartbeat interval about the peer
//! round-trip time; election timeout at least 5 to 10 times the heartbeat and above the
//! worst round trip, at most 50000 ms) and hardware guide (WAL fsync p99 under 10 ms).

use crate::event::{hex, Kind, NodeId};
use crate::model::Analysis;
use crate::report::{Evidence, Recommendation};
use std::collections::{BTreeMap, BTreeSet};

mod disk_work;
mod near_miss;
mod timers;

use near_miss::near_miss_advice;
pub use near_miss::near_misses;

fn ev(a: &Analysis, i: usize) -> Evidence {
    Evidence::of(&a.events[i], &a.input_names)
}

fn id(s: &str) -> Option<NodeId> {
    u64::from_str_radix(s, 16).ok()
}

/// Round a duration in ms up to a "nice" flag value (multiple of 100 ms, or 500 ms above
/// 2 s).
fn nice_ms(ms: f64) -> u64 {
    let step = if ms > 2000.0 { 500.0 } else { 100.0 };
    ((ms / step).ceil() * step).max(step) as u64
}

/// Build the recommendations of an analysis.
pub fn recommendations(a: &Analysis) -> Vec<Recommendation> {
    let r = &a.report;
    let mut out = Vec::new();
    let name = |h: &str| member_name(a, h);
    let causes_of = |code: &str| -> Vec<&crate::report::TermRow> {
        r.terms
            .iter()
            .filter(|t| t.cause.as_ref().is_some_and(|c| c.code == code))
            .collect()
    };
    let culprits = |rows: &[&crate::report::TermRow]| -> Vec<String> {
        let s: BTreeSet<String> = rows
            .iter()
            .filter_map(|t| t.cause.as_ref().and_then(|c| c.culprit.clone()))
            .collect();
        s.into_iter().collect()
    };
    let evidence_of = |rows: &[&crate::report::TermRow]| -> Vec<Evidence> {
        rows.iter()
            .flat_map(|t| {
                t.cause
                    .as_ref()
                    .map(|c| c.evidence.iter().take(2).cloned().collect::<Vec<_>>())
                    .unwrap_or_default()
            })
            .take(6)
            .collect()
    };

    // 1. pre-vote against disruptive members
    let disruptive = causes_of("disruptive_candidate");
    if !disruptive.is_empty() {
        let off: Vec<&crate::report::NodeRow> = r
            .nodes
            .iter()
            .filter(|n| n.has_log && n.pre_vote != Some(true))
            .collect();
        if !off.is_empty() {
            let members = culprits(&disruptive);
            out.push(Recommendation {
                code: "enable_pre_vote".into(),
                summary: "turn pre-vote on (--pre-vote=true; the default from etcd 3.5) so that a member that was cut off cannot depose a working leader when it comes back".into(),
                because: format!(
                    "{} election(s) were forced by {} returning with a higher term (terms {}); pre-vote is {} on {}",
                    disruptive.len(),
                    members.iter().map(|m| name(m)).collect::<Vec<_>>().join(", "),
                    disruptive.iter().map(|t| t.term.to_string()).collect::<Vec<_>>().join(","),
                    if off.iter().all(|n| n.pre_vote == Some(false)) { "off" } else { "not shown to be on" },
                    off.iter().map(|n| n.name.clone().unwrap_or_else(|| n.id.clone())).collect::<Vec<_>>().join(", ")
                ),
                members,
                terms: disruptive.iter().map(|t| t.term).collect(),
                actions: vec![
                    "etcd --pre-vote=true (every member; etcd 3.4 defaults to false)".into(),
                    "find why the member was cut off: ping / ethtool -S <iface> between it and the others, firewall and MTU changes at that time".into(),
                ],
                evidence: evidence_of(&disruptive),
            });
        }
    }

    // 2. stalls: disk and timers
    let stalls = causes_of("leader_stall");
    let mut over: Vec<(f64, usize)> = Vec::new(); // heartbeat overruns: exceeded ms
    let mut fsync: Vec<(f64, usize)> = Vec::new();
    let mut ticks: Vec<usize> = Vec::new();
    for (i, e) in a.events.iter().enumerate() {
        match &e.kind {
            Kind::HeartbeatOverrun {
                exceeded_ms: Some(x),
                ..
            } => over.push((*x, i)),
            Kind::SlowFsync { took_ms: Some(x) } => fsync.push((*x, i)),
            Kind::TickMissed { .. } => ticks.push(i),
            _ => {}
        }
    }
    // with /metrics dumps of the stalled leaders showing a healthy disk, the stall came
    // from elsewhere (CPU starvation, a paused VM or process, GC)
    let stalled = culprits(&stalls);
    let disk_healthy = a.metrics.as_ref().is_some_and(|m| {
        !stalled.is_empty()
            && fsync.is_empty()
            && stalled.iter().all(|c| {
                m.members.iter().any(|x| {
                    x.id.as_deref() == Some(c.as_str())
                        && x.wal_fsync
                            .p99_seconds
                            .is_some_and(|p| p <= m.thresholds.wal_fsync_p99_seconds)
                })
            })
    });
    let starved = starved_leaders(a, &over, &fsync);
    let before_stall_advice = out.len();
    if disk_healthy {
        out.push(Recommendation {
            code: "check_stall".into(),
            summary: "find what froze the leaders: their disks were fast (WAL fsync p99 within 10 ms), so look for CPU starvation or throttling, a paused VM or container, or long pauses of the process".into(),
            because: format!(
                "{} election(s) caused by a leader that stopped sending heartbeats in time (terms {}), while its /metrics show a healthy WAL fsync",
                stalls.len(),
                stalls.iter().map(|t| t.term.to_string()).collect::<Vec<_>>().join(",")
            ),
            members: stalled.clone(),
            terms: stalls.iter().map(|t| t.term).collect(),
            actions: stall_actions(),
            evidence: evidence_of(&stalls),
        });
    } else if !starved.is_empty() {
        out.push(starved_advice(a, &stalls, &starved, &over, &fsync));
    } else if !fsync.is_empty() {
        out.push(disk_advice(a, &stalls, &over, &fsync));
    } else if !stalls.is_empty() {
        out.push(Recommendation {
            code: "check_stall".into(),
            summary: "find what froze the leaders: no slow-disk line shows a slow disk, so look for a paused process, VM or container (SIGSTOP, freeze, live migration), CPU starvation or throttling, or long pauses of the process".into(),
            because: format!(
                "{} election(s) caused by a leader that stopped sending heartbeats in time (terms {}); {} late heartbeat(s) from the leader and no slow fdatasync line{}",
                stalls.len(),
                stalls.iter().map(|t| t.term.to_string()).collect::<Vec<_>>().join(","),
                over.len(),
                stalled_fsync_p99(a, &stalled)
            ),
            members: stalled.clone(),
            terms: stalls.iter().map(|t| t.term).collect(),
            actions: stall_actions(),
            evidence: evidence_of(&stalls),
        });
    }
    if let Some(rec) = out.get_mut(before_stall_advice) {
        disk_work::name_disk_work(a, rec);
    }
    let mut quiet_stalled: BTreeSet<String> = stalled.iter().cloned().collect();
    quiet_stalled.extend(starved.iter().cloned());
    quiet_stalled.extend(r.near_misses.iter().map(|n| n.node.clone()));
    let timer_inputs = timers::TimerInputs {
        over: &over,
        stall_terms: stalls.iter().map(|t| t.term).collect(),
        stalled: quiet_stalled,
    };
    out.extend(timers::timer_advice(a, &timer_inputs));

    near_miss_advice(a, &mut out);

    // 2b. figures from /metrics dumps given with the logs
    if let Some(m) = &a.metrics {
        if let Some((mem, p99)) = m.worst_wal_fsync_p99() {
            // a starved leader, or a stalled one with no slow-sync line: the check_stall
            // above quotes its histogram (a slow disk or a starved process; iostat tells)
            let stall_advice = mem.id.as_ref().is_some_and(|id| {
                starved.contains(id) || (fsync.is_empty() && stalled.contains(id))
            });
            if p99 > m.thresholds.wal_fsync_p99_seconds
                && !out.iter().any(|x| x.code == "check_disk")
                && !stall_advice
            {
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
        }
    }

    // 3. network
    let net = causes_of("network");
    let mut buffer: Vec<usize> = Vec::new();
    let mut unreachable: BTreeMap<(NodeId, NodeId), usize> = BTreeMap::new();
    for (i, e) in a.events.iter().enumerate() {
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
    if !net.is_empty() || !buffer.is_empty() {
        let members = culprits(&net);
        let pairs: Vec<String> = unreachable
            .keys()
            .filter(|(a_, b)| {
                members.is_empty() || members.contains(&hex(*a_)) || members.contains(&hex(*b))
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
                if members.is_empty() { String::new() } else { format!(" around {}", members.iter().map(|m| name(m)).collect::<Vec<_>>().join(", ")) }
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

    // 4. clocks
    let skew_events: Vec<usize> = a
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.kind, Kind::ClockSkew { .. }))
        .map(|(i, _)| i)
        .collect();
    let skew_anoms: Vec<&crate::report::Anomaly> = r
        .anomalies
        .iter()
        .filter(|x| x.kind == "clock_skew")
        .collect();
    if !skew_events.is_empty() || !skew_anoms.is_empty() {
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

    // 5. crashes
    let crashes = causes_of("leader_crash");
    if !crashes.is_empty() {
        let members = culprits(&crashes);
        out.push(Recommendation {
            code: "check_crash".into(),
            summary: "find out why the leader died without a clean stop (OOM kill, panic, node failure, liveness probe kill)".into(),
            because: format!(
                "{} election(s) followed a leader that stopped without a stop signal and started again: {}",
                crashes.len(),
                members.iter().map(|m| name(m)).collect::<Vec<_>>().join(", ")
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

    // 6. membership
    let mem = causes_of("membership_change");
    if !mem.is_empty() {
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

    // 7. missing logs
    let missing: Vec<&crate::report::Anomaly> = r
        .anomalies
        .iter()
        .filter(|x| x.kind == "incomplete")
        .collect();
    let unknown = causes_of("unknown");
    if !missing.is_empty() && !unknown.is_empty() {
        let members: BTreeSet<String> = missing.iter().flat_map(|x| x.nodes.clone()).collect();
        out.push(Recommendation {
            code: "add_missing_logs".into(),
            summary: format!(
                "add the logs of {} to tell a stall, crash or network fault apart",
                members.iter().map(|m| name(m)).collect::<Vec<_>>().join(", ")
            ),
            because: format!(
                "{} election(s) could not be explained from the logs given (terms {})",
                unknown.len(),
                unknown.iter().map(|t| t.term.to_string()).collect::<Vec<_>>().join(",")
            ),
            members: members.into_iter().collect(),
            terms: unknown.iter().map(|t| t.term).collect(),
            actions: vec!["kubectl logs <etcd pod of that member> (add --previous after a restart)   or   journalctl -u etcd --since <time>".into()],
            evidence: Vec::new(),
        });
    }
    // advice about the elections that happened first, general findings (figures from
    // /metrics, configuration) after, each group in the order above
    out.sort_by_key(|r| r.terms.is_empty());
    out
}

/// A member's name, from its hex id (the id itself when it is not one).
fn member_name(a: &Analysis, h: &str) -> String {
    id(h).map(|i| a.name(i)).unwrap_or_else(|| h.to_string())
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

/// Leaders that kept running, only late, during one stall: they logged late heartbeats at
/// two or more moments of one episode (lines less than 200 ms apart are one moment: each
/// line is per peer; moments more than 2.5 s apart are separate episodes), moments that no
/// slow fdatasync of their own explains (a WAL sync that blocks the raft loop is followed by
/// a late heartbeat as soon as it returns). A paused process logs its late heartbeats once,
/// when it resumes; a slow disk logs them right after its slow syncs; a process starved of
/// CPU (a cgroup quota, an overloaded host) sends every heartbeat late, once per slice of
/// CPU it gets. Starvation also makes fdatasync look slow, so slow syncs do not rule it out.
fn starved_leaders(
    a: &Analysis,
    over: &[(f64, usize)],
    fsync: &[(f64, usize)],
) -> BTreeSet<String> {
    const EXPLAINED_NS: i64 = 300_000_000;
    const SAME_MOMENT_NS: i64 = 200_000_000;
    const EPISODE_GAP_NS: i64 = 2_500_000_000;
    let mut times: BTreeMap<NodeId, Vec<i64>> = BTreeMap::new();
    for &(_, i) in over {
        let e = &a.events[i];
        let (Some(n), Some(t)) = (e.node, e.ts) else {
            continue;
        };
        let explained = fsync.iter().any(|&(_, j)| {
            let f = &a.events[j];
            f.node == Some(n)
                && f.ts
                    .is_some_and(|ft| t.0 >= ft.0 && t.0 - ft.0 <= EXPLAINED_NS)
        });
        if !explained {
            times.entry(n).or_default().push(t.0);
        }
    }
    let mut out = BTreeSet::new();
    for (n, mut ts) in times {
        ts.sort_unstable();
        let (mut moments, mut last) = (0usize, None::<i64>);
        for t in ts {
            match last {
                Some(l) if t - l <= SAME_MOMENT_NS => continue,
                Some(l) if t - l > EPISODE_GAP_NS => moments = 1,
                _ => moments += 1,
            }
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
fn starved_advice(
    a: &Analysis,
    stalls: &[&crate::report::TermRow],
    starved: &BTreeSet<String>,
    over: &[(f64, usize)],
    fsync: &[(f64, usize)],
) -> Recommendation {
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
    if let Some(m) = &a.metrics {
        for mem in m
            .members
            .iter()
            .filter(|x| x.id.as_ref().is_some_and(|i| starved.contains(i)))
        {
            if let Some(p) = mem.wal_fsync.p99_seconds {
                because.push_str(&format!(
                    "; {} WAL fsync p99 {:.1} ms",
                    mem.label(),
                    p * 1000.0
                ));
            }
        }
    }
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
    stalls: &[&crate::report::TermRow],
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
    // with dumps, what the member's own histograms measured
    if let Some(m) = &a.metrics {
        let slow = m
            .members
            .iter()
            .filter(|x| x.id.as_ref().is_some_and(|i| members.contains(i)));
        let ms = |p: Option<f64>| p.map_or("-".to_string(), |p| format!("{:.1} ms", p * 1000.0));
        for mem in slow {
            because.push_str(&format!(
                "; {}: WAL fsync p99 {}, backend commit p99 {} ({})",
                mem.label(),
                ms(mem.wal_fsync.p99_seconds),
                ms(mem.backend_commit.p99_seconds),
                mem.input
            ));
        }
    }
    if stalls.is_empty() {
        because.push_str("; no election followed: a member-level problem so far");
    } else {
        because.push_str(&format!(
            "; {} election(s) caused by a stalled leader (terms {})",
            stalls.len(),
            stalls
                .iter()
                .map(|t| t.term.to_string())
                .collect::<Vec<_>>()
                .join(",")
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

/// Join the figures of /metrics dumps and `etcdctl endpoint status` outputs with the log
/// analysis: the final term and leader must agree with the status snapshot, and each
/// member's leader-change counter with its own log (a mismatch usually means rotated-away
/// or missing log lines).
pub fn cross_check(a: &mut Analysis, m: &crate::metrics::MetricsReport) {
    use crate::report::Anomaly;
    let mut anomalies = Vec::new();
    let mut notes = Vec::new();
    if let Some(st) = &m.status_summary {
        if let (Some(term), Some(leader)) = (st.term, st.leader.as_deref()) {
            match a.report.terms.iter().find(|t| t.term == term) {
                Some(row) if row.leader.as_deref() == Some(leader) => notes.push(format!(
                    "etcdctl endpoint status agrees with the logs: term {term}, leader {}",
                    a.name(id(leader).unwrap_or(0))
                )),
                Some(row) if row.leader.is_some() => anomalies.push(Anomaly {
                    kind: "status_mismatch".into(),
                    summary: format!(
                        "etcdctl endpoint status says {} led term {term}; the logs say {}",
                        a.name(id(leader).unwrap_or(0)),
                        row.leader.as_deref().and_then(id).map(|i| a.name(i)).unwrap_or_default()
                    ),
                    nodes: vec![leader.to_string()],
                    terms: vec![term],
                    offset_ms: None,
                    hint: None,
                }),
                _ => notes.push(format!(
                    "etcdctl endpoint status shows term {term} (leader {}), which the logs do not reach: the logs end earlier or miss that member",
                    a.name(id(leader).unwrap_or(0))
                )),
            }
        }
    }
    for mem in &m.members {
        let (Some(mid), Some(counter)) = (mem.id.as_deref(), mem.leader_changes_seen_total) else {
            continue;
        };
        let Some(node) = id(mid) else { continue };
        let Some(row) = a.report.nodes.iter().find(|n| n.id == mid) else {
            continue;
        };
        if !row.has_log {
            continue;
        }
        let start = mem.process_start();
        let until = mem.dump_time;
        // the log must cover the member's life up to the dump
        let covers = match (start, row.first_seen) {
            (Some(s), Some(f)) => f.0 <= s.0 + 10_000_000_000,
            _ => false,
        };
        if !covers {
            notes.push(format!(
                "{}: its log starts after the process started, so its leader-change counter ({}) cannot be checked against it",
                a.name(node),
                counter.0
            ));
            continue;
        }
        let mut count = 0u64;
        for e in &a.events {
            if e.node != Some(node) {
                continue;
            }
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
        if count as f64 != counter.0 {
            anomalies.push(Anomaly {
                kind: "counter_mismatch".into(),
                summary: format!(
                    "{}: etcd_server_leader_changes_seen_total is {} but its log shows {count} leader changes since it started (log lines rotated away or missing?)",
                    a.name(node),
                    counter.0
                ),
                nodes: vec![mid.to_string()],
                terms: Vec::new(),
                offset_ms: None,
                hint: None,
            });
        }
    }
    a.report.anomalies.extend(anomalies);
    a.report.summary.notes.extend(notes);
    // the culprit's measured disk and network figures, next to the cause they support
    for t in a.report.terms.iter_mut() {
        let Some(c) = t.cause.as_mut() else { continue };
        let Some(culprit) = c.culprit.clone() else {
            continue;
        };
        let Some(mem) = m
            .members
            .iter()
            .find(|x| x.id.as_deref() == Some(culprit.as_str()))
        else {
            continue;
        };
        match c.code.as_str() {
            "leader_stall" => {
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
            "network" | "disruptive_candidate" => {
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
    a.report.metrics = serde_json::to_value(m).ok();
}
