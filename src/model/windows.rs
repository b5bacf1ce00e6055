//! Leaderless windows, each tied to the led term that ended it: merged when they end at
//! the same new leader, moved back to when the old leader was really lost, counted
//! (failed requests, slow applies, dropped proposals), and the led terms' ends.

use super::machine::Member;
use super::sweep::{leaderless, Gaps};
use super::ModelOptions;
use crate::cause::Context;
use crate::event::{Event, Kind, NodeId};
use crate::report::{TermRow, Window};
use crate::time::Instant;
use std::collections::BTreeMap;

/// What the window stage reads besides the rows.
pub struct Inputs<'a> {
    pub ctx: &'a Context<'a>,
    pub leader_after: &'a [Option<NodeId>],
    pub members: &'a BTreeMap<NodeId, Member>,
    pub opts: &'a ModelOptions,
}

/// The led terms (rows with an election time), in term order.
struct Led {
    idx: Vec<usize>,
    at: Vec<Option<Instant>>,
    /// Their election times also run in time order (clocks agree): the last one before
    /// a moment is found by binary search.
    in_order: bool,
}

impl Led {
    fn new(rows: &[TermRow]) -> Led {
        let idx: Vec<usize> = (0..rows.len())
            .filter(|i| rows[*i].elected_at.is_some())
            .collect();
        let at: Vec<Option<Instant>> = idx.iter().map(|i| rows[*i].elected_at).collect();
        let in_order = at.windows(2).all(|p| p[0] <= p[1]);
        Led { idx, at, in_order }
    }

    /// The led term (position in `idx`) whose election ended the window.
    fn assign(&self, w: &Window) -> Option<usize> {
        let to = w.to?;
        if self.in_order {
            let n = self.at.partition_point(|e| e.is_some_and(|e| e <= to));
            n.checked_sub(1)
        } else {
            self.at.iter().rposition(|e| e.is_some_and(|e| e <= to))
        }
    }

    /// Windows that end at the same new leader are one window (members flapping within
    /// the same few milliseconds).
    fn merge_same_end(&self, windows: Vec<Window>) -> Vec<Window> {
        let mut merged: Vec<Window> = Vec::new();
        for w in windows {
            match merged.last_mut() {
                Some(last)
                    if last.to.is_some()
                        && self.assign(last) == self.assign(&w)
                        && self.assign(&w).is_some() =>
                {
                    last.to = w.to.max(last.to);
                }
                _ => merged.push(w),
            }
        }
        merged
    }

    /// The terms after the last leader before the window, up to the one elected at its
    /// end (rows are in term order: the terms in (lo, hi] are one slice of them).
    fn terms_of(&self, w: &Window, k: Option<usize>, rows: &[TermRow]) -> Vec<u64> {
        let (lo, hi) = match k {
            Some(k) => {
                let lo = if k > 0 { rows[self.idx[k - 1]].term } else { 0 };
                (lo, rows[self.idx[k]].term)
            }
            None => {
                let lo = self
                    .idx
                    .iter()
                    .rev()
                    .find(|i| rows[**i].elected_at.is_some_and(|e| e <= w.from));
                (lo.map_or(0, |i| rows[*i].term), u64::MAX)
            }
        };
        let a = rows.partition_point(|r| r.term <= lo);
        let b = rows.partition_point(|r| r.term <= hi);
        rows[a..b.max(a)].iter().map(|r| r.term).collect()
    }
}

/// The windows and the members' gaps; sets the led terms' `ended_at` and `led_ms`.
pub fn stage(rows: &mut [TermRow], x: &Inputs<'_>) -> (Vec<Window>, Gaps) {
    let events = x.ctx.events;
    let mut failed: Vec<Instant> = events
        .iter()
        .filter(|e| matches!(e.kind, Kind::RequestFailed { .. }))
        .filter_map(|e| e.ts)
        .collect();
    failed.sort_unstable();
    let (windows, gaps) = leaderless(events);
    let led = Led::new(rows);
    let mut windows = led.merge_same_end(windows);
    let mut ends_of: BTreeMap<usize, Instant> = BTreeMap::new();
    for w in windows.iter_mut() {
        let k = led.assign(w);
        if let Some(k) = k.filter(|k| *k > 0) {
            move_start(w, &rows[led.idx[k - 1]], x);
            let slot = ends_of.entry(led.idx[k]).or_insert(w.from);
            *slot = (*slot).min(w.from);
        }
        count_inside(w, &failed, x);
        w.terms = led.terms_of(w, k, rows);
    }
    set_ends(rows, &led.idx, &ends_of);
    (windows, gaps)
}

/// Move the window's start back to when the previous leader was really lost: its stall,
/// its peers seeing it go down, or a follower's election timer firing. Earlier starts
/// only count within two election timeouts of the moment the majority lost the leader
/// (a member that timed out long before was cut off, not representative).
fn move_start(w: &mut Window, prev: &TermRow, x: &Inputs<'_>) {
    let pl = prev
        .leader
        .as_deref()
        .and_then(|l| u64::from_str_radix(l, 16).ok());
    let (Some(pl), Some(to)) = (pl, w.to) else {
        return;
    };
    let reach = (2.0 * x.ctx.election_ms * 1e6) as i64 + 500_000_000;
    let lo = Instant(w.from.0 - reach);
    if let Some(s) = crate::cause::stall_start(x.ctx, pl, w.from, to) {
        if prev.elected_at.is_some_and(|e| s > e) && s >= lo {
            w.from = s;
            w.started_by = Some("leader_stall".into());
        }
    }
    if let Some(pe) = prev.elected_at {
        leader_down(w, x, pl, (pe, to, lo));
        election_timeout(w, x, pl, (pe, to, lo));
    }
}

/// Its peers saw its connections close or be refused: it went down then.
fn leader_down(
    w: &mut Window,
    x: &Inputs<'_>,
    pl: NodeId,
    (pe, to, lo): (Instant, Instant, Instant),
) {
    let refused = crate::cause::refused_about(x.ctx, pl, pe.0, to.0);
    if let Some(t) = refused.first().and_then(|i| x.ctx.events[*i].ts) {
        if t < w.from && t > pe && t >= lo {
            w.from = t;
            w.started_by = Some("leader_down".into());
        }
    }
}

/// A follower's election timer fired: it had not heard from the leader for at least
/// its election timeout.
fn election_timeout(
    w: &mut Window,
    x: &Inputs<'_>,
    pl: NodeId,
    (pe, to, lo): (Instant, Instant, Instant),
) {
    let events = x.ctx.events;
    let timed_out = x
        .ctx
        .in_time(pe.0.max(lo.0), to.0)
        .into_iter()
        .map(|i| (i, &events[i]))
        .find(|(i, e)| {
            matches!(e.kind, Kind::ElectionStarted)
                && e.ts.is_some_and(|t| t > pe && t <= to && t >= lo)
                && e.node.is_some_and(|n| {
                    n != pl && leader_before(events, x.leader_after, *i) == Some(pl)
                })
        });
    let Some((_, e)) = timed_out else { return };
    let et = e
        .node
        .and_then(|n| x.members.get(&n))
        .and_then(|a| a.election)
        .filter(|ms| *ms > 0.0);
    if let (Some(t), Some(et)) = (e.ts, et) {
        let s = Instant(t.0 - (et * 1e6) as i64);
        if s < w.from && s > pe {
            w.from = s;
            w.started_by = Some("election_timeout".into());
        }
    }
}

/// The member's leader just before event `i` (after its previous event).
fn leader_before(events: &[Event], after: &[Option<NodeId>], i: usize) -> Option<NodeId> {
    let n = events[i].node?;
    (0..i)
        .rev()
        .find(|j| events[*j].node == Some(n))
        .and_then(|j| after[j])
}

/// Duration, and what happened inside the window (up to a second after its end).
fn count_inside(w: &mut Window, failed: &[Instant], x: &Inputs<'_>) {
    w.duration_ms = w.to.map(|t| w.from.ms_until(t));
    let end_ns = w.to.map_or(i64::MAX, |t| t.0 + 1_000_000_000);
    w.failed_requests = failed
        .partition_point(|t| t.0 <= end_ns)
        .saturating_sub(failed.partition_point(|t| *t < w.from)) as u64;
    let inside = x.ctx.in_time(w.from.0, end_ns);
    let count =
        |f: fn(&Kind) -> bool| inside.iter().filter(|i| f(&x.ctx.events[**i].kind)).count() as u64;
    w.slow_applies = count(|k| matches!(k, Kind::SlowApply { .. }));
    w.proposals_dropped = count(|k| matches!(k, Kind::ProposalDropped { .. }));
    w.over_threshold = w
        .duration_ms
        .is_some_and(|d| d >= x.opts.leaderless_threshold_ms);
}

/// A led term ends where the window before the next led term starts (else at the next
/// election).
fn set_ends(rows: &mut [TermRow], led: &[usize], ends_of: &BTreeMap<usize, Instant>) {
    for (k, &i) in led.iter().enumerate() {
        let Some(el) = rows[i].elected_at else {
            continue;
        };
        let next = led.get(k + 1).copied();
        let end = next.and_then(|j| ends_of.get(&j).copied().or(rows[j].elected_at));
        rows[i].ended_at = end;
        rows[i].led_ms = end.map(|e| el.ms_until(e).max(0));
    }
}
