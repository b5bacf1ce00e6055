//! `nodes[]`: one row per member, from its machine, its lifetimes and its gaps.

use super::machine::Member;
use super::sweep::Gaps;
use super::ModelOptions;
use crate::event::{hex, NodeId};
use crate::lives::{End, Life};
use crate::report::{Gap, NodeRow, TermRow, Window};
use crate::time::Instant;
use std::collections::BTreeMap;

/// What the node rows read.
pub struct Inputs<'a> {
    pub ctx: &'a crate::cause::Context<'a>,
    pub rows: &'a [TermRow],
    pub windows: &'a [Window],
    pub gaps: &'a Gaps,
    pub clocks: &'a crate::clock::Clocks,
    pub opts: &'a ModelOptions,
}

/// Cluster windows by start, with the latest end among the first k (open = +inf), to
/// tell a member's gap that overlaps one without scanning them all per gap.
struct WindowIndex {
    from: Vec<i64>,
    to_max: Vec<i64>,
}

impl WindowIndex {
    fn new(windows: &[Window]) -> WindowIndex {
        let mut span: Vec<(i64, i64)> = windows
            .iter()
            .map(|w| (w.from.0, w.to.map_or(i64::MAX, |t| t.0)))
            .collect();
        span.sort_unstable();
        let to_max = span
            .iter()
            .scan(i64::MIN, |m, w| {
                *m = (*m).max(w.1);
                Some(*m)
            })
            .collect();
        WindowIndex {
            from: span.iter().map(|w| w.0).collect(),
            to_max,
        }
    }

    /// Some window starts by the gap's end and ends at or after its start.
    fn overlaps(&self, from: Instant, to: Option<Instant>) -> bool {
        let n = to.map_or(self.from.len(), |t| {
            self.from.partition_point(|f| *f <= t.0)
        });
        n > 0 && self.to_max[n - 1] >= from.0
    }
}

/// The rows, named members first by name, then by ID.
pub fn node_rows(members: &BTreeMap<NodeId, Member>, x: &Inputs<'_>) -> Vec<NodeRow> {
    let index = WindowIndex::new(x.windows);
    let mut rows: Vec<NodeRow> = members
        .iter()
        .map(|(id, a)| node_row(*id, a, x, &index))
        .collect();
    rows.sort_by(|a, b| {
        (a.name.is_none(), a.name.clone(), a.id.clone()).cmp(&(
            b.name.is_none(),
            b.name.clone(),
            b.id.clone(),
        ))
    });
    rows
}

fn node_row(id: NodeId, a: &Member, x: &Inputs<'_>, index: &WindowIndex) -> NodeRow {
    let lives: &[Life] = x.ctx.lives.get(&id).map_or(&[], Vec::as_slice);
    let hid = hex(id);
    NodeRow {
        name: a.name.clone(),
        peer_urls: a.peer_urls.iter().cloned().collect(),
        client_urls: a.client_urls.iter().cloned().collect(),
        first_seen: a.first,
        last_seen: a.last,
        etcd_version: a.version.clone(),
        cluster_id: a.cluster_id.clone(),
        heartbeat_interval_ms: a.heartbeat,
        election_timeout_ms: a.election,
        pre_vote: a.pre_vote_cfg.or((a.pre_rounds > 0).then_some(true)),
        restarts: lives.iter().skip(1).filter_map(|l| l.from).collect(),
        crashes: lives
            .iter()
            .filter(|l| l.end == End::Crashed)
            .filter_map(|l| l.to)
            .collect(),
        // one per stopped lifetime, at its first stop line: the signal, or (when a stop
        // logged no signal) `closing etcd server` and the like
        shutdowns: lives
            .iter()
            .filter_map(|l| l.stop.and_then(|i| x.ctx.events[i].ts))
            .collect(),
        pre_vote_rounds: a.pre_rounds,
        campaigns: a.campaigns,
        terms_led: x
            .rows
            .iter()
            .filter(|r| r.leader.as_deref() == Some(hid.as_str()))
            .map(|r| r.term)
            .collect(),
        leader_changes_seen: a.changes_seen,
        has_log: a.has_log,
        clock_offset_ms: x
            .clocks
            .offsets
            .get(&id)
            .filter(|_| x.opts.clock_correction)
            .map(|o| o.correction_ms),
        gaps: x
            .gaps
            .get(&id)
            .map_or_else(Vec::new, |g| gap_rows(g, index)),
        id: hid,
    }
}

fn gap_rows(g: &[(Instant, Option<Instant>)], index: &WindowIndex) -> Vec<Gap> {
    g.iter()
        .map(|(from, to)| Gap {
            from: *from,
            to: *to,
            duration_ms: to.map(|t| from.ms_until(t)),
            during_cluster_window: index.overlaps(*from, *to),
        })
        .collect()
}
