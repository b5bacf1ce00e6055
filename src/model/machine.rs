//! One small state machine per member, fed that member's lines in file order.
//!
//! Design.md §1: within a member, file order wins (its clock may jump, and lines of the
//! same millisecond keep their order), so each member's machine sees its own lines in
//! the order its log printed them and never needs a global sort.

use crate::event::{Event, Kind, NodeId};
use crate::time::Instant;
use std::collections::BTreeSet;

/// What a member's own lines say it is doing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Role {
    /// No line has told yet.
    #[default]
    Unknown,
    /// Following (a leader known or not).
    Follower,
    /// Running a pre-vote round.
    PreCandidate,
    /// Campaigning for a term.
    Candidate,
    /// Leading its term.
    Leader,
    /// Its process stopped (until a start line).
    Stopped,
}

/// One member: its raft state as its lines tell it, and what the outputs need to know
/// of it (names, URLs, timers, counters).
#[derive(Default, Debug)]
pub struct Member {
    /// Current role.
    pub role: Role,
    /// Highest term its raft lines printed: the term is persisted, so a restart keeps
    /// it and a lower term printed later is a regression, not a new clock.
    pub term: u64,
    /// The leader it knows of, if any.
    pub leader: Option<NodeId>,
    /// When a line of its last named its leader (its last sign of a live leader).
    pub heard_at: Option<Instant>,
    /// (highest term so far, lower term printed after it), in file order.
    pub regressions: Vec<(u64, u64)>,
    /// Its name (`--name`, its own lines, or the initial cluster via its URLs).
    pub name: Option<String>,
    pub peer_urls: BTreeSet<String>,
    pub client_urls: BTreeSet<String>,
    /// Times of its first and last lines.
    pub first: Option<Instant>,
    pub last: Option<Instant>,
    pub version: Option<String>,
    pub cluster_id: Option<String>,
    /// Timer settings (ms), and the election timeout in ticks when only ticks are logged.
    pub heartbeat: Option<f64>,
    pub election: Option<f64>,
    pub election_ticks: Option<u64>,
    pub pre_vote_cfg: Option<bool>,
    pub pre_rounds: u64,
    pub campaigns: u64,
    /// `raft.node: … elected leader` / `changed leader` lines of its own.
    pub changes_seen: u64,
    /// Some line of its own log was read (not only the others naming it).
    pub has_log: bool,
}

impl Member {
    /// Feed one of this member's own lines (`me` is its id).
    pub fn step(&mut self, me: NodeId, e: &Event) {
        self.has_log = true;
        if let Some(t) = e.ts {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        self.on_term(e);
        match &e.kind {
            Kind::BecameFollower => self.role = Role::Follower,
            Kind::BecamePreCandidate => self.on_pre_candidate(),
            Kind::BecameCandidate => self.on_candidate(),
            Kind::BecameLeader => self.on_leader(me, me, e.ts),
            Kind::ElectedLeader { leader } | Kind::ChangedLeader { leader, .. } => {
                self.changes_seen += 1;
                self.on_leader(me, *leader, e.ts);
            }
            Kind::LostLeader { .. } | Kind::ForgotLeader { .. } => self.leader = None,
            Kind::SteppedDown => self.on_follow_nobody(Role::Follower),
            Kind::ProcessStart { version } => {
                self.on_follow_nobody(Role::Follower);
                if version.is_some() {
                    self.version = version.clone();
                }
            }
            Kind::RaftBoot { .. } => self.on_follow_nobody(Role::Follower),
            Kind::ProcessShutdown { .. } | Kind::ServerStop { .. } => {
                self.on_follow_nobody(Role::Stopped)
            }
            Kind::TimingConfig {
                heartbeat_ms,
                election_ms,
                election_ticks,
                pre_vote,
            } => self.on_timing(*heartbeat_ms, *election_ms, *election_ticks, *pre_vote),
            _ => {}
        }
    }

    /// A raft line's term: the highest so far, or a regression (a log conflict's term is
    /// an entry's, not the member's).
    fn on_term(&mut self, e: &Event) {
        let Some(t) = e.term else { return };
        if !e.kind.is_raft() || matches!(e.kind, Kind::LogConflict { .. }) {
            return;
        }
        if t < self.term {
            self.regressions.push((self.term, t));
        } else {
            self.term = t;
        }
    }

    fn on_pre_candidate(&mut self) {
        self.role = Role::PreCandidate;
        self.leader = None;
        self.pre_rounds += 1;
    }

    fn on_candidate(&mut self) {
        self.role = Role::Candidate;
        self.leader = None;
        self.campaigns += 1;
    }

    fn on_leader(&mut self, me: NodeId, leader: NodeId, at: Option<Instant>) {
        self.role = if leader == me {
            Role::Leader
        } else {
            Role::Follower
        };
        self.leader = Some(leader);
        if at.is_some() {
            self.heard_at = at;
        }
    }

    /// Stepping down, (re)starting or stopping: no leader known any more.
    fn on_follow_nobody(&mut self, role: Role) {
        self.role = role;
        self.leader = None;
    }

    fn on_timing(
        &mut self,
        heartbeat: Option<f64>,
        election: Option<f64>,
        ticks: Option<u64>,
        pre_vote: Option<bool>,
    ) {
        self.heartbeat = heartbeat.or(self.heartbeat);
        self.election = election.or(self.election);
        self.election_ticks = ticks.or(self.election_ticks);
        self.pre_vote_cfg = pre_vote.or(self.pre_vote_cfg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: NodeId = 0xa1;
    const OTHER: NodeId = 0xb2;

    fn ev(kind: Kind, term: Option<u64>, sec: i64) -> Event {
        Event {
            ts: Some(Instant(sec * 1_000_000_000)),
            node: Some(ME),
            term,
            ..Event::of(kind)
        }
    }

    fn feed(events: &[Event]) -> Member {
        let mut m = Member::default();
        for e in events {
            m.step(ME, e);
        }
        m
    }

    #[test]
    fn campaign_win_then_deposed() {
        let m = feed(&[
            ev(Kind::BecameFollower, Some(2), 1),
            ev(Kind::BecameCandidate, Some(3), 2),
        ]);
        assert_eq!(
            (m.role, m.term, m.leader, m.campaigns),
            (Role::Candidate, 3, None, 1)
        );
        let mut m = m;
        m.step(ME, &ev(Kind::BecameLeader, Some(3), 3));
        assert_eq!((m.role, m.leader), (Role::Leader, Some(ME)));
        // a higher term from a peer, then that peer's election heard of
        m.step(ME, &ev(Kind::BecameFollower, Some(4), 4));
        m.step(ME, &ev(Kind::ElectedLeader { leader: OTHER }, Some(4), 5));
        assert_eq!((m.role, m.term, m.leader), (Role::Follower, 4, Some(OTHER)));
        assert_eq!(m.heard_at, Some(Instant(5_000_000_000)));
        assert_eq!(
            (m.changes_seen, m.first, m.last),
            (
                1,
                Some(Instant(1_000_000_000)),
                Some(Instant(5_000_000_000))
            )
        );
        assert!(m.regressions.is_empty());
    }

    #[test]
    fn restart_keeps_term_and_forgets_leader() {
        let mut m = feed(&[
            ev(Kind::ElectedLeader { leader: OTHER }, Some(7), 1),
            ev(Kind::ProcessShutdown { signal: None }, None, 2),
        ]);
        assert_eq!((m.role, m.leader, m.term), (Role::Stopped, None, 7));
        m.step(
            ME,
            &ev(
                Kind::ProcessStart {
                    version: Some("3.5.1".into()),
                },
                None,
                3,
            ),
        );
        assert_eq!((m.role, m.leader, m.term), (Role::Follower, None, 7));
        assert_eq!(m.version.as_deref(), Some("3.5.1"));
        // the restarted member prints its persisted term again: no regression
        m.step(ME, &ev(Kind::BecameFollower, Some(7), 4));
        assert!(m.regressions.is_empty());
    }

    #[test]
    fn lower_term_after_higher_is_a_regression() {
        let m = feed(&[
            ev(Kind::BecameFollower, Some(9), 1),
            ev(Kind::BecameFollower, Some(5), 2),
            ev(Kind::BecameCandidate, Some(10), 3),
        ]);
        assert_eq!(m.regressions, vec![(9, 5)]);
        assert_eq!(m.term, 10);
    }

    #[test]
    fn log_conflict_term_is_not_the_members() {
        let m = feed(&[
            ev(Kind::BecameFollower, Some(9), 1),
            ev(
                Kind::LogConflict {
                    index: 5,
                    existing_term: 2,
                    conflicting_term: 3,
                },
                Some(2),
                2,
            ),
        ]);
        assert!(m.regressions.is_empty());
        assert_eq!(m.term, 9);
    }
}
