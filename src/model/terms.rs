//! The cluster's term table: what every member's lines say about each term.
//!
//! Terms are the logical clock (design.md §1): the lines of different members are
//! joined by the term they print, not by their times, so the table needs no global
//! order of the events, only each line's term.

use crate::event::{Event, Kind, NodeId};
use crate::time::Instant;
use std::collections::{BTreeMap, BTreeSet};

/// One term, as the lines of all members tell it.
#[derive(Default, Debug)]
pub struct TermAcc {
    /// Members that campaigned for it.
    pub candidates: BTreeSet<NodeId>,
    /// The earliest campaign's time.
    pub started: Option<Instant>,
    /// Members whose own line says they became leader, with the earliest such time.
    pub self_leaders: BTreeMap<NodeId, Option<Instant>>,
    /// (leader, acker, time): a member's line naming the term's leader.
    pub acks: Vec<(NodeId, NodeId, Option<Instant>)>,
    /// (voter, candidate) real votes granted and rejected (pre-votes decide no term).
    pub granted: BTreeSet<(NodeId, NodeId)>,
    pub rejected: BTreeSet<(NodeId, NodeId)>,
    /// A leadership transfer (MsgTimeoutNow) started it.
    pub transfer: bool,
}

/// The term table, keyed by term.
#[derive(Default, Debug)]
pub struct TermTable {
    pub by_term: BTreeMap<u64, TermAcc>,
    /// Pre-candidates by the term their pre-vote would start (their term + 1): kept
    /// apart, as a pre-vote alone does not make a term.
    pub pre_into: BTreeMap<u64, BTreeSet<NodeId>>,
}

impl TermTable {
    /// Feed one line of member `n`. Every raft line with a term makes the term known.
    pub fn apply(&mut self, n: NodeId, e: &Event) {
        if let Some(t) = e.term {
            if t > 0 && e.kind.is_raft() {
                self.by_term.entry(t).or_default();
            }
        }
        // a lower-term message from (or to) a leader names a term the excerpt may not
        // print otherwise; its leader is filled in from the same line later
        if let Some((t, _)) = super::inferred::leader_by_message(e) {
            self.by_term.entry(t).or_default();
        }
        let t = e.term.unwrap_or(0);
        match &e.kind {
            Kind::BecameCandidate => self.on_candidate(t, n, e.ts),
            Kind::BecamePreCandidate => self.on_pre_candidate(t, n),
            Kind::BecameLeader => self.on_leader(t, n, e.ts),
            Kind::ElectedLeader { leader } | Kind::ChangedLeader { leader, .. } => {
                self.on_ack(t, *leader, n, e.ts)
            }
            Kind::VoteGranted {
                candidate,
                pre_vote: false,
            } => self.on_vote(t, n, *candidate, true),
            Kind::VoteRejected {
                candidate,
                pre_vote: false,
                ..
            } => self.on_vote(t, n, *candidate, false),
            Kind::VoteResponse {
                from,
                granted,
                pre_vote: false,
            } => self.on_vote(t, *from, n, *granted),
            Kind::TimeoutNowReceived { .. } => self.on_timeout_now(t),
            _ => {}
        }
    }

    fn on_candidate(&mut self, t: u64, n: NodeId, at: Option<Instant>) {
        let ta = self.by_term.entry(t).or_default();
        ta.candidates.insert(n);
        ta.started = min_ts(ta.started, at);
    }

    fn on_pre_candidate(&mut self, t: u64, n: NodeId) {
        self.pre_into
            .entry(t.saturating_add(1))
            .or_default()
            .insert(n);
    }

    fn on_leader(&mut self, t: u64, n: NodeId, at: Option<Instant>) {
        let ta = self.by_term.entry(t).or_default();
        let slot = ta.self_leaders.entry(n).or_insert(at);
        *slot = min_ts(*slot, at);
    }

    fn on_ack(&mut self, t: u64, leader: NodeId, acker: NodeId, at: Option<Instant>) {
        self.by_term
            .entry(t)
            .or_default()
            .acks
            .push((leader, acker, at));
    }

    fn on_vote(&mut self, t: u64, voter: NodeId, candidate: NodeId, granted: bool) {
        let ta = self.by_term.entry(t).or_default();
        if granted {
            ta.granted.insert((voter, candidate));
        } else {
            ta.rejected.insert((voter, candidate));
        }
    }

    /// MsgTimeoutNow received at term t: the campaign it starts is for t + 1.
    fn on_timeout_now(&mut self, t: u64) {
        self.by_term
            .entry(t.saturating_add(1))
            .or_default()
            .transfer = true;
    }
}

/// The earlier of two optional times.
pub fn min_ts(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::LogPos;

    fn ev(node: NodeId, kind: Kind, term: u64, sec: i64) -> Event {
        Event {
            ts: Some(Instant(sec * 1_000_000_000)),
            node: Some(node),
            term: Some(term),
            ..Event::of(kind)
        }
    }

    #[test]
    fn one_election_from_three_members_lines() {
        let mut t = TermTable::default();
        // members' lines arrive in any order across members: the term joins them
        let lines = [
            ev(
                2,
                Kind::VoteGranted {
                    candidate: 1,
                    pre_vote: false,
                },
                5,
                3,
            ),
            ev(1, Kind::BecamePreCandidate, 4, 1),
            ev(1, Kind::BecameCandidate, 5, 2),
            ev(
                3,
                Kind::VoteRejected {
                    candidate: 1,
                    pre_vote: false,
                    voter_log: LogPos::default(),
                    candidate_log: LogPos::default(),
                },
                5,
                3,
            ),
            ev(1, Kind::BecameLeader, 5, 4),
            ev(2, Kind::ElectedLeader { leader: 1 }, 5, 5),
        ];
        for e in &lines {
            t.apply(e.node.unwrap(), e);
        }
        let ta = &t.by_term[&5];
        assert_eq!(ta.candidates, [1].into_iter().collect());
        assert_eq!(ta.started, Some(Instant(2_000_000_000)));
        assert_eq!(ta.self_leaders.get(&1), Some(&Some(Instant(4_000_000_000))));
        assert_eq!(ta.acks, vec![(1, 2, Some(Instant(5_000_000_000)))]);
        assert_eq!(ta.granted, [(2, 1)].into_iter().collect());
        assert_eq!(ta.rejected, [(3, 1)].into_iter().collect());
        assert_eq!(t.pre_into[&5], [1].into_iter().collect());
        // the pre-candidate's own term 4 is known from its line, with nothing in it
        assert!(t.by_term[&4].candidates.is_empty());
    }
}
