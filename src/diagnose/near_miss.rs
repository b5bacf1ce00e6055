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
    let (lo, hi) = (a.report.summary.from, a.report.summary.to);
    for row in &a.report.inputs {
        for k in &row.not_kept_minutes {
            let Some(n) = k.node else { continue };
            // a --since/--until view keeps the minutes of its range only
            if lo.is_some_and(|l| k.last_ts < l) || hi.is_some_and(|h| k.first_ts > h) {
                continue;
            }
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
