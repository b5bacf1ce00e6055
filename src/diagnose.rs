//! Recommendations (`raftlog diagnose`): what to change or check next, each tied to the
//! evidence that led to it. No advice without evidence.
//!
//! Sources of the figures: etcd's tuning guide (heartbeat interval about the peer
//! round-trip time; election timeout at least 5 to 10 times the heartbeat and above the
//! worst round trip, at most 50000 ms) and hardware guide (WAL fsync p99 under 10 ms).
//!
//! The advice is an ordered table of small named rules (`ADVICE`), each reading the
//! figures several of them share (`Facts`) and adding what it finds; advice about the
//! elections that happened is then listed before general findings.

use crate::cause::CauseCode;
use crate::event::{Kind, NodeId};
use crate::model::Analysis;
use crate::report::{Evidence, Recommendation, TermRow};
use std::collections::BTreeSet;

mod advice;
mod cross_check;
mod disk_work;
mod near_miss;
mod stall;
mod timers;

pub use cross_check::cross_check;
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

/// What the advice rules read: the analysis, and the stall figures several of them share.
struct Facts<'a> {
    a: &'a Analysis,
    /// Late heartbeats: (exceeded ms, event index).
    over: Vec<(f64, usize)>,
    /// Slow fdatasync lines: (took ms, event index).
    fsync: Vec<(f64, usize)>,
    /// The terms caused by a stalled leader.
    stalls: Vec<&'a TermRow>,
    /// Their culprits (hex).
    stalled: Vec<String>,
    /// Leaders starved of CPU (hex, see [`stall::starved_leaders`]).
    starved: BTreeSet<String>,
    /// Leaders frozen by something other than their WAL (hex, see
    /// [`stall::frozen_leaders`]).
    frozen: BTreeSet<String>,
    /// Clock-drift warnings measured while a leader was frozen or starved (event indexes,
    /// see [`stall::drift_in_stalls`]): no clock evidence.
    stall_drift: Vec<usize>,
}

impl<'a> Facts<'a> {
    fn new(a: &'a Analysis) -> Facts<'a> {
        let mut over = Vec::new();
        let mut fsync = Vec::new();
        for (i, e) in a.events.iter().enumerate() {
            match &e.kind {
                Kind::HeartbeatOverrun {
                    exceeded_ms: Some(x),
                    ..
                } => over.push((*x, i)),
                Kind::SlowFsync { took_ms: Some(x) } => fsync.push((*x, i)),
                _ => {}
            }
        }
        let stalls = causes_of(a, CauseCode::LeaderStall);
        let stalled = culprits(&stalls);
        let starved = stall::starved_leaders(a, &over, &fsync);
        let frozen = stall::frozen_leaders(a, &over, &fsync);
        let held: BTreeSet<String> = frozen.union(&starved).cloned().collect();
        let stall_drift = stall::drift_in_stalls(a, &over, &held);
        Facts {
            a,
            over,
            fsync,
            stalls,
            stalled,
            starved,
            frozen,
            stall_drift,
        }
    }

    fn causes_of(&self, code: CauseCode) -> Vec<&'a TermRow> {
        causes_of(self.a, code)
    }

    fn name(&self, h: &str) -> String {
        member_name(self.a, h)
    }

    /// Members' names, comma-separated.
    fn names(&self, members: &[String]) -> String {
        let names: Vec<String> = members.iter().map(|m| self.name(m)).collect();
        names.join(", ")
    }
}

/// The terms whose cause is `code`.
fn causes_of(a: &Analysis, code: CauseCode) -> Vec<&TermRow> {
    a.report
        .terms
        .iter()
        .filter(|t| t.cause.as_ref().is_some_and(|c| c.code == code.name()))
        .collect()
}

/// The culprits (hex) of `rows`' causes, sorted, once each.
fn culprits(rows: &[&TermRow]) -> Vec<String> {
    let s: BTreeSet<String> = rows
        .iter()
        .filter_map(|t| t.cause.as_ref().and_then(|c| c.culprit.clone()))
        .collect();
    s.into_iter().collect()
}

/// The first two evidence lines of each of `rows`' causes, six at most.
fn evidence_of(rows: &[&TermRow]) -> Vec<Evidence> {
    rows.iter()
        .flat_map(|t| {
            t.cause
                .as_ref()
                .map(|c| c.evidence.iter().take(2).cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .take(6)
        .collect()
}

/// The terms of `rows`, comma-separated.
fn term_list(rows: &[&TermRow]) -> String {
    let terms: Vec<String> = rows.iter().map(|t| t.term.to_string()).collect();
    terms.join(",")
}

/// An advice rule: reads the facts and adds its advice (or completes earlier advice).
type Advice = fn(&Facts<'_>, &mut Vec<Recommendation>);

/// The advice rules, in the order their advice is listed within each group (elections
/// first, general findings after). Rules that complete earlier advice come after it:
/// near misses join the stall or disk advice that names their member, and the disk figure
/// from /metrics is skipped when a disk or stall advice already speaks for it.
const ADVICE: &[(&str, Advice)] = &[
    ("enable_pre_vote", advice::enable_pre_vote),
    ("check_stall", stall::check_stall),
    ("tune_timers", advice::tune_timers),
    ("check_near_misses", advice::check_near_misses),
    ("check_disk_metrics", advice::check_disk_metrics),
    ("check_network", advice::check_network),
    ("check_clocks", advice::check_clocks),
    ("check_crash", advice::check_crash),
    ("check_membership", advice::check_membership),
    ("add_missing_logs", advice::add_missing_logs),
];

/// Build the recommendations of an analysis.
pub fn recommendations(a: &Analysis) -> Vec<Recommendation> {
    let facts = Facts::new(a);
    let mut out = Vec::new();
    for (_, advise) in ADVICE {
        advise(&facts, &mut out);
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
