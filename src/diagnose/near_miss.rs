//! Near misses (`near_misses[]`): a member's health trouble (slow fsync, late heartbeats,
//! slow applies, missed ticks, slow read-index waits, full send buffers) that did not cost
//! an election, per member and episode.
//!
//! Built from per-minute counters: each health line adds to its member's counter for the
//! minute it fell in, and the bulk lines that reading counted without keeping
//! (`InputRow::not_kept_minutes`) add theirs, so an episode far from any election (where
//! those lines are not kept) is still counted whole. Minutes at most one quiet minute
//! apart are one episode. An episode cost an election when, within a minute of it, an
//! election named the member as culprit or a term the member led ended: a paused
//! process logs its late heartbeats when it resumes, after the election it caused, and
//! a slow disk's syncs come before it.

use crate::event::{hex, Kind, NodeId};
use crate::model::Analysis;
use crate::report::{Evidence, NearMiss, SourceRef};
use crate::time::Instant;
use std::collections::BTreeMap;

const MINUTE_NS: i64 = 60_000_000_000;

/// The health kinds a near miss counts, with the duration the line printed.
fn health(k: &Kind) -> Option<(&'static str, Option<f64>)> {
    match k {
        Kind::SlowFsync { took_ms } => Some((k.name(), *took_ms)),
        Kind::HeartbeatOverrun { exceeded_ms, .. } => Some((k.name(), *exceeded_ms)),
        Kind::SlowApply { took_ms, .. } => Some((k.name(), *took_ms)),
        Kind::TickMissed { .. } | Kind::ReadIndexSlow | Kind::BufferFull { .. } => {
            Some((k.name(), None))
        }
        _ => None,
    }
}

/// One member's counter for one minute.
#[derive(Default)]
struct Minute {
    counts: BTreeMap<&'static str, u64>,
    worst_ms: Option<f64>,
    from: Option<Instant>,
    to: Option<Instant>,
    /// The first line of each kind.
    first: BTreeMap<&'static str, Evidence>,
}

impl Minute {
    fn add(&mut self, kind: &'static str, n: u64, ms: Option<f64>, t: (Instant, Instant)) {
        *self.counts.entry(kind).or_default() += n;
        self.worst_ms = self.worst_ms.into_iter().chain(ms).reduce(f64::max);
        self.from = Some(self.from.map_or(t.0, |f| f.min(t.0)));
        self.to = Some(self.to.map_or(t.1, |x| x.max(t.1)));
    }
}

/// The per-minute counters of every member.
fn minutes(a: &Analysis) -> BTreeMap<(NodeId, i64), Minute> {
    let mut out: BTreeMap<(NodeId, i64), Minute> = BTreeMap::new();
    for e in &a.events {
        let (Some(n), Some(t), Some((kind, ms))) = (e.node, e.ts, health(&e.kind)) else {
            continue;
        };
        let m = out.entry((n, t.0.div_euclid(MINUTE_NS))).or_default();
        m.add(kind, 1, ms, (t, t));
        m.first
            .entry(kind)
            .or_insert_with(|| Evidence::of(e, &a.input_names));
    }
    for row in &a.report.inputs {
        for k in &row.not_kept_minutes {
            let Some(n) = k.node else { continue };
            let m = out
                .entry((n, k.first_ts.0.div_euclid(MINUTE_NS)))
                .or_default();
            m.add(k.kind, k.count, k.worst_ms, (k.first_ts, k.last_ts));
            m.first.entry(k.kind).or_insert_with(|| Evidence {
                ts: Some(k.first_ts),
                node: Some(hex(n)),
                kind: k.kind.to_string(),
                source: SourceRef {
                    input: row.name.clone(),
                    line: k.first_line,
                },
            });
        }
    }
    out
}

/// Whether an episode of `node` from `from` to `to` cost an election (see the module
/// comment).
fn cost_election(a: &Analysis, node: &str, from: Instant, to: Instant) -> bool {
    let near = |t: Option<Instant>| {
        t.is_some_and(|t| t.0 >= from.0 - MINUTE_NS && t.0 <= to.0 + MINUTE_NS)
    };
    a.report.terms.iter().any(|t| {
        let culprit = t
            .cause
            .as_ref()
            .and_then(|c| c.culprit.as_deref())
            .is_some_and(|c| c == node);
        (culprit && near(t.started_at.or(t.elected_at)))
            || (t.leader.as_deref() == Some(node) && near(t.ended_at))
    })
}

/// Whether `node` led the cluster at some time from `from` to `to`.
fn led(a: &Analysis, node: &str, from: Instant, to: Instant) -> bool {
    a.report.terms.iter().any(|t| {
        t.leader.as_deref() == Some(node)
            && t.elected_at.is_none_or(|e| e <= to)
            && t.ended_at.is_none_or(|e| e >= from)
    })
}

/// The near misses of an analysis, by member then time.
pub fn near_misses(a: &Analysis) -> Vec<NearMiss> {
    let mut out = Vec::new();
    let mut cur: Option<(NodeId, i64, Minute)> = None;
    let flush = |c: Option<(NodeId, i64, Minute)>, out: &mut Vec<NearMiss>| {
        let Some((n, _, m)) = c else { return };
        let (Some(from), Some(to)) = (m.from, m.to) else {
            return;
        };
        let node = hex(n);
        if cost_election(a, &node, from, to) {
            return;
        }
        let mut evidence: Vec<Evidence> = m.first.into_values().collect();
        evidence.sort_by_key(|e| e.ts);
        out.push(NearMiss {
            leader: led(a, &node, from, to),
            node,
            from,
            to,
            counts: m.counts.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            worst_ms: m.worst_ms,
            evidence,
        });
    };
    for ((n, minute), m) in minutes(a) {
        match &mut cur {
            // the same member, at most one quiet minute later: the same episode
            Some((cn, last, ep)) if *cn == n && minute - *last <= 2 => {
                for (k, v) in m.counts {
                    *ep.counts.entry(k).or_default() += v;
                }
                ep.worst_ms = ep.worst_ms.into_iter().chain(m.worst_ms).reduce(f64::max);
                ep.from = ep.from.min(m.from).or(m.from);
                ep.to = ep.to.max(m.to);
                for (k, e) in m.first {
                    ep.first.entry(k).or_insert(e);
                }
                *last = minute;
            }
            _ => {
                flush(cur.take(), &mut out);
                cur = Some((n, minute, m));
            }
        }
    }
    flush(cur, &mut out);
    out
}

/// Members whose near misses repeat (two episodes or more) are named in the advice: in
/// the disk or stall advice that already names them, else in a `check_near_misses` of
/// their own. One episode is left to the timeline and `diagnose`'s list.
pub fn near_miss_advice(a: &Analysis, out: &mut Vec<crate::report::Recommendation>) {
    let mut by_member: BTreeMap<&str, Vec<&NearMiss>> = BTreeMap::new();
    for nm in &a.report.near_misses {
        by_member.entry(nm.node.as_str()).or_default().push(nm);
    }
    for (node, eps) in by_member.into_iter().filter(|(_, e)| e.len() >= 2) {
        let name = super::member_name(a, node);
        let total: u64 = eps.iter().flat_map(|e| e.counts.values()).sum();
        let clause = format!(
            "{name} had {} near misses (health trouble that cost no election: {total} line(s), {})",
            eps.len(),
            eps.iter()
                .map(|e| e.when(a_time))
                .collect::<Vec<_>>()
                .join("; ")
        );
        let known = out.iter_mut().find(|r| {
            matches!(r.code.as_str(), "check_disk" | "check_stall")
                && r.members.iter().any(|m| m == node)
        });
        if let Some(rec) = known {
            rec.because.push_str(&format!("; {clause}"));
            continue;
        }
        out.push(crate::report::Recommendation {
            code: "check_near_misses".into(),
            summary: format!("find what keeps slowing {name} before it costs an election: its disk (fsync), its CPU or its load"),
            because: clause,
            members: vec![node.to_string()],
            terms: Vec::new(),
            actions: vec![
                "iostat -x 1   (on the member: await and %util of the WAL device)".into(),
                "top / pidstat -u 1 -p $(pidof etcd)   and the container's CPU throttling (cpu.stat nr_throttled, nr_periods)".into(),
            ],
            evidence: eps.iter().filter_map(|e| e.evidence.first().cloned()).take(3).collect(),
        });
    }
}

/// A time as the advice prints it (UTC, milliseconds).
fn a_time(t: Instant) -> String {
    crate::time::Zone::Utc.display(t, 3)
}

#[cfg(test)]
mod tests {
    //! The rules on small event streams: one input per member, times in ms.
    use super::*;
    use crate::event::{Event, Origin};
    use crate::ingest::{InputResult, InputSummary, NotKeptMinute};
    use crate::model::{analyze, ModelOptions};

    const A: NodeId = 0xa;
    const B: NodeId = 0xb;
    const C: NodeId = 0xc;
    const MIN: i64 = 60_000;

    #[derive(Default)]
    struct Log(BTreeMap<NodeId, Vec<Event>>, Vec<NotKeptMinute>);

    impl Log {
        fn at(&mut self, ms: i64, node: NodeId, term: Option<u64>, kind: Kind) -> &mut Self {
            let evs = self.0.entry(node).or_default();
            let line = evs.len() as u64 + 1;
            evs.push(Event {
                ts: Some(Instant(ms * 1_000_000)),
                node: Some(node),
                term,
                origin: Origin { input: 0, line },
                ..Event::of(kind)
            });
            self
        }
        /// Every member starts; A wins term 2 with everyone's votes.
        fn boot() -> Log {
            let mut l = Log::default();
            for n in [A, B, C] {
                l.at(0, n, None, Kind::ProcessStart { version: None });
                l.at(1, n, Some(1), Kind::BecameFollower);
            }
            l.at(1000, A, Some(2), Kind::BecameCandidate);
            for n in [B, C] {
                let vote = Kind::VoteGranted {
                    candidate: A,
                    pre_vote: false,
                };
                l.at(1001, n, Some(2), vote);
            }
            l.at(1002, A, Some(2), Kind::BecameLeader);
            for n in [A, B, C] {
                l.at(1003, n, Some(2), Kind::ElectedLeader { leader: A });
            }
            l
        }
        fn fsync(&mut self, ms: i64, node: NodeId, took: f64) -> &mut Self {
            self.at(
                ms,
                node,
                None,
                Kind::SlowFsync {
                    took_ms: Some(took),
                },
            )
        }
        fn late(&mut self, ms: i64, to: NodeId, by: f64) -> &mut Self {
            let k = Kind::HeartbeatOverrun {
                to: Some(to),
                heartbeat_ms: Some(100.0),
                exceeded_ms: Some(by),
            };
            self.at(ms, A, None, k)
        }
        fn run(&self) -> Analysis {
            let inputs: Vec<InputResult> = self
                .0
                .iter()
                .enumerate()
                .map(|(i, (n, evs))| {
                    let mut evs = evs.clone();
                    for e in evs.iter_mut() {
                        e.origin.input = i as u32;
                    }
                    let not_kept = self.1.iter().filter(|k| k.node == Some(*n)).cloned();
                    InputResult {
                        summary: InputSummary {
                            name: format!("{n:x}.log"),
                            not_kept_minutes: not_kept.collect(),
                            ..Default::default()
                        },
                        events: evs,
                        raw: Default::default(),
                    }
                })
                .collect();
            let mut a = analyze(inputs, &ModelOptions::default());
            a.report.near_misses = near_misses(&a);
            a
        }
    }

    fn counts(nm: &NearMiss) -> Vec<(&str, u64)> {
        nm.counts.iter().map(|(k, v)| (k.as_str(), *v)).collect()
    }

    #[test]
    fn a_slow_leader_that_keeps_leading_is_a_near_miss() {
        let mut l = Log::boot();
        l.fsync(10 * MIN, A, 1023.4);
        l.late(10 * MIN, B, 900.0).late(10 * MIN, C, 901.0);
        l.late(10 * MIN + 4000, B, 300.0);
        l.at(20 * MIN, B, Some(2), Kind::BecameFollower);
        let a = l.run();
        let nm = &a.report.near_misses;
        assert_eq!(nm.len(), 1, "{nm:?}");
        assert_eq!(nm[0].node, "a");
        assert!(nm[0].leader);
        assert_eq!(
            counts(&nm[0]),
            [("heartbeat_overrun", 3), ("slow_fsync", 1)]
        );
        assert_eq!(nm[0].worst_ms, Some(1023.4));
        assert_eq!(
            (nm[0].from, nm[0].to),
            (Instant(600_000_000_000), Instant(604_000_000_000))
        );
        let kinds: Vec<&str> = nm[0].evidence.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds.len(), 2, "the first line of each kind");
        assert!(kinds.contains(&"slow_fsync") && kinds.contains(&"heartbeat_overrun"));
        assert_eq!(
            nm[0].what(),
            "3 late heartbeats, 1 slow fdatasync (worst 1s); kept its leadership"
        );
    }

    #[test]
    fn trouble_of_a_leader_that_lost_its_term_is_no_near_miss() {
        let mut l = Log::boot();
        // A's late heartbeats are logged when it resumes, after B took over
        l.at(10 * MIN, B, Some(2), Kind::ElectionStarted);
        l.at(10 * MIN, B, Some(3), Kind::BecameCandidate);
        let vote = Kind::VoteGranted {
            candidate: B,
            pre_vote: false,
        };
        l.at(10 * MIN + 1, C, Some(3), vote);
        l.at(10 * MIN + 2, B, Some(3), Kind::BecameLeader);
        l.at(10 * MIN + 3, C, Some(3), Kind::ElectedLeader { leader: B });
        l.late(10 * MIN + 2500, B, 2400.0);
        let a = l.run();
        assert!(
            a.report.near_misses.is_empty(),
            "{:?}",
            a.report.near_misses
        );
    }

    #[test]
    fn one_quiet_minute_keeps_an_episode_two_split_it() {
        let mut l = Log::boot();
        // B (a follower): minutes 10 and 12 are one episode, 15 another
        l.fsync(10 * MIN + 5, B, 1500.0);
        l.fsync(12 * MIN + 5, B, 1200.0);
        l.fsync(15 * MIN + 5, B, 1100.0);
        let a = l.run();
        let nm = &a.report.near_misses;
        assert_eq!(nm.len(), 2, "{nm:?}");
        assert!(!nm[0].leader && nm[0].node == "b");
        assert_eq!(counts(&nm[0]), [("slow_fsync", 2)]);
        assert_eq!(nm[0].worst_ms, Some(1500.0));
        assert_eq!(counts(&nm[1]), [("slow_fsync", 1)]);
        assert_eq!(nm[1].from, Instant((15 * MIN + 5) * 1_000_000));
        assert!(nm[0].what().ends_with("no election followed"));
    }

    #[test]
    fn repeated_near_misses_join_the_advice_that_names_the_member() {
        let mut l = Log::boot();
        l.fsync(10 * MIN, B, 1500.0);
        l.fsync(15 * MIN, B, 1100.0);
        let a = l.run();
        let mut recs = crate::diagnose::recommendations(&a);
        let disk = recs.iter().find(|r| r.code == "check_disk").unwrap();
        assert!(
            disk.because.contains("b had 2 near misses"),
            "{}",
            disk.because
        );
        assert!(!recs.iter().any(|r| r.code == "check_near_misses"));
        // with no advice naming the member, one of their own
        recs.retain(|r| r.code != "check_disk");
        near_miss_advice(&a, &mut recs);
        let own = recs.iter().find(|r| r.code == "check_near_misses").unwrap();
        assert_eq!(own.members, ["b"]);
        assert_eq!(own.evidence.len(), 2);
    }

    #[test]
    fn lines_not_kept_while_reading_are_counted() {
        let mut l = Log::boot();
        l.at(
            10 * MIN + 30_000,
            C,
            None,
            Kind::SlowApply {
                took_ms: Some(250.0),
                error: None,
            },
        );
        // 40 slow applies of minute 11 were counted by reading, not kept
        l.1.push(NotKeptMinute {
            node: Some(C),
            kind: "slow_apply",
            count: 40,
            worst_ms: Some(812.5),
            first_line: 77,
            first_ts: Instant((11 * MIN + 2000) * 1_000_000),
            last_ts: Instant((11 * MIN + 50_000) * 1_000_000),
        });
        let a = l.run();
        let nm = &a.report.near_misses;
        assert_eq!(nm.len(), 1, "{nm:?}");
        assert_eq!(counts(&nm[0]), [("slow_apply", 41)]);
        assert_eq!(nm[0].worst_ms, Some(812.5));
        assert_eq!(nm[0].to, Instant((11 * MIN + 50_000) * 1_000_000));
        assert_eq!(nm[0].evidence.len(), 1, "the first slow apply only");
    }
}
