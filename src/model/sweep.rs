//! Cluster leaderless windows by a sweep over time: the cluster has a leader while at
//! least a majority of the members present (members whose log is running) see one.
//! Windows before the first leader (bootstrap) are not reported. The sweep also gives
//! each member's own gaps (after it first saw a leader).
//!
//! This is the one stage that needs the events in time order: majorities are counted
//! across members at each moment.

use crate::event::{Event, Kind, NodeId};
use crate::report::Window;
use crate::time::Instant;
use std::collections::{BTreeMap, BTreeSet};

/// Each member's gaps: (from, to), `to` None while still open at the end.
pub type Gaps = BTreeMap<NodeId, Vec<(Instant, Option<Instant>)>>;

#[derive(Clone, Copy, PartialEq)]
enum Seen {
    Absent,
    NoLeader,
    Leader,
}

#[derive(Default)]
struct Sweep {
    st: BTreeMap<NodeId, Seen>,
    gaps: Gaps,
    seen_leader: BTreeSet<NodeId>,
    windows: Vec<Window>,
    open: Option<Instant>,
    ever_led: bool,
    campaign_since_open: bool,
    /// A stopped member is away from its first stop line until, started again, it
    /// hears of a leader or campaigns (value: started again): the lines its stop still
    /// logs (lost connections, `closed etcd server`) and its boot do not tell of the
    /// cluster.
    away: BTreeMap<NodeId, bool>,
}

/// The windows and the members' gaps.
pub fn leaderless(events: &[Event]) -> (Vec<Window>, Gaps) {
    let mut timed: Vec<&Event> = events
        .iter()
        .filter(|e| e.ts.is_some() && e.node.is_some())
        .collect();
    timed.sort_by_key(|e| e.ts);
    let mut s = Sweep::default();
    for e in timed {
        if let (Some(n), Some(t)) = (e.node, e.ts) {
            s.step(n, t, &e.kind);
        }
    }
    s.finish()
}

/// A member's line that tells it takes part in elections again: it knows a leader, lost
/// one, or campaigns.
fn in_election(k: &Kind) -> bool {
    matches!(
        k,
        Kind::BecameLeader
            | Kind::ElectedLeader { .. }
            | Kind::ChangedLeader { .. }
            | Kind::LostLeader { .. }
            | Kind::ForgotLeader { .. }
            | Kind::BecameCandidate
            | Kind::BecamePreCandidate
    )
}

fn window(from: Instant, to: Option<Instant>) -> Window {
    Window {
        from,
        to,
        duration_ms: to.map(|t| from.ms_until(t)),
        terms: Vec::new(),
        failed_requests: 0,
        over_threshold: false,
        started_by: None,
        slow_applies: 0,
        proposals_dropped: 0,
    }
}

impl Sweep {
    fn step(&mut self, n: NodeId, t: Instant, k: &Kind) {
        let prev = *self.st.get(&n).unwrap_or(&Seen::Absent);
        self.track_away(n, k);
        let next = self.next_state(n, prev, k);
        if matches!(k, Kind::BecameCandidate) {
            self.campaign_since_open = true;
        }
        self.track_gap(n, t, prev, next);
        self.st.insert(n, next);
        self.track_window(t, k);
    }

    fn track_away(&mut self, n: NodeId, k: &Kind) {
        if k.is_stop() {
            self.away.insert(n, false);
        } else if crate::lives::is_start(k) {
            if let Some(again) = self.away.get_mut(&n) {
                *again = true;
            }
        } else if self.away.get(&n) == Some(&true) && in_election(k) {
            self.away.remove(&n);
        }
    }

    fn next_state(&self, n: NodeId, prev: Seen, k: &Kind) -> Seen {
        match k {
            _ if self.away.contains_key(&n) => Seen::Absent,
            Kind::BecameLeader | Kind::ElectedLeader { .. } | Kind::ChangedLeader { .. } => {
                Seen::Leader
            }
            Kind::LostLeader { .. }
            | Kind::ForgotLeader { .. }
            | Kind::BecameCandidate
            | Kind::BecamePreCandidate
            | Kind::SteppedDown
            | Kind::RaftBoot { .. }
            | Kind::ProcessStart { .. } => Seen::NoLeader,
            Kind::ProcessShutdown { .. } | Kind::ServerStop { .. } => Seen::Absent,
            _ if prev == Seen::Absent => Seen::NoLeader,
            _ => prev,
        }
    }

    /// Member-level gaps, after the member first saw a leader; stopping is not a gap.
    fn track_gap(&mut self, n: NodeId, t: Instant, prev: Seen, next: Seen) {
        if next == Seen::Leader {
            self.seen_leader.insert(n);
        }
        if !self.seen_leader.contains(&n) {
            return;
        }
        let g = self.gaps.entry(n).or_default();
        let in_gap = g.last().is_some_and(|(_, to)| to.is_none());
        if next == Seen::NoLeader && !in_gap && prev == Seen::Leader {
            g.push((t, None));
        } else if next == Seen::Leader && in_gap {
            if let Some(last) = g.last_mut() {
                last.1 = Some(t);
            }
        } else if next == Seen::Absent && in_gap {
            g.pop();
        }
    }

    /// Open or close the cluster window after a member's state changed.
    fn track_window(&mut self, t: Instant, k: &Kind) {
        let present = self.st.values().filter(|s| **s != Seen::Absent).count();
        let with = self.st.values().filter(|s| **s == Seen::Leader).count();
        if present > 0 && with > present / 2 {
            self.ever_led = true;
            if let Some(from) = self.open.take() {
                self.windows.push(window(from, Some(t)));
            }
        } else if self.ever_led && self.open.is_none() && present > 0 {
            self.open = Some(t);
            self.campaign_since_open = matches!(k, Kind::BecameCandidate);
        }
    }

    /// A window still open at the end counts only when somebody campaigned in it.
    fn finish(mut self) -> (Vec<Window>, Gaps) {
        if let Some(from) = self.open {
            if self.campaign_since_open {
                self.windows.push(window(from, None));
            }
        }
        (self.windows, self.gaps)
    }
}
