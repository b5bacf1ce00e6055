//! The one pass over the events: each member's line goes to that member's machine
//! ([`Member`]) and to the cluster's term table ([`TermTable`]); identity lines and the
//! members other lines name fill the member list.

use super::machine::Member;
use super::terms::TermTable;
use crate::event::{Event, Identity, Kind, NodeId};
use std::collections::{BTreeMap, BTreeSet};

/// The state the stages after the fold read.
#[derive(Default, Debug)]
pub struct Fold {
    /// Every member: with a log of its own, or named by another's lines.
    pub members: BTreeMap<NodeId, Member>,
    pub terms: TermTable,
    /// Peer URL → member (identity and member-change lines), to name members from an
    /// initial cluster (`name=url,…`).
    pub url_to_id: BTreeMap<String, NodeId>,
    /// Initial-cluster names → peer URL.
    pub name_to_url: BTreeMap<String, String>,
    /// Each member's leader after each event (parallel to the events; None for lines
    /// of no member).
    pub leader_after: Vec<Option<NodeId>>,
    /// Members named by some line, to be listed even without a log of their own.
    referenced: BTreeSet<NodeId>,
}

impl Fold {
    /// Fold every event, in merged order (each member's lines stay in file order).
    pub fn run(events: &[Event]) -> Fold {
        let mut f = Fold {
            leader_after: Vec::with_capacity(events.len()),
            ..Fold::default()
        };
        for e in events {
            f.apply(e);
        }
        for r in std::mem::take(&mut f.referenced) {
            f.members.entry(r).or_default();
        }
        f
    }

    /// Feed one event.
    pub fn apply(&mut self, e: &Event) {
        // members that only the others' lines name (a peer's stream errors, a pre-vote,
        // a transfer target): members without a log of their own
        self.referenced.extend(peers_named(&e.kind));
        let Some(n) = e.node else {
            self.leader_after.push(None);
            return;
        };
        let m = self.members.entry(n).or_default();
        m.step(n, e);
        self.leader_after.push(m.leader);
        self.terms.apply(n, e);
        match &e.kind {
            Kind::MemberIdentity(ident) => self.on_identity(n, ident),
            Kind::MemberChange {
                member: Some(m),
                peer_urls,
                ..
            } => self.on_member_change(*m, peer_urls),
            Kind::ElectedLeader { leader } | Kind::ChangedLeader { leader, .. } => {
                self.referenced.insert(*leader);
            }
            Kind::VoteGranted { candidate, .. } | Kind::VoteRejected { candidate, .. } => {
                self.referenced.insert(*candidate);
            }
            Kind::VoteResponse { from, .. } | Kind::TermBump { from, .. } => {
                self.referenced.insert(*from);
            }
            Kind::VoteSent { to, .. } => {
                self.referenced.insert(*to);
            }
            _ => {}
        }
    }

    /// A member's identity (its own, or another's when the line names the member).
    fn on_identity(&mut self, n: NodeId, ident: &Identity) {
        let who = ident.member.unwrap_or(n);
        let a = self.members.entry(who).or_default();
        if let Some(nm) = &ident.name {
            a.name = Some(nm.clone());
        }
        for u in &ident.peer_urls {
            a.peer_urls.insert(u.clone());
            self.url_to_id.insert(u.clone(), who);
        }
        a.client_urls.extend(ident.client_urls.iter().cloned());
        if ident.cluster_id.is_some() {
            a.cluster_id = ident.cluster_id.clone();
        }
        if ident.version.is_some() {
            a.version = ident.version.clone();
        }
        for (nm, url) in &ident.initial_cluster {
            self.name_to_url.insert(nm.clone(), url.clone());
        }
    }

    fn on_member_change(&mut self, m: NodeId, peer_urls: &[String]) {
        for u in peer_urls {
            self.url_to_id.insert(u.clone(), m);
        }
        self.referenced.insert(m);
    }
}

/// The other members a line names as raft peers (not a removed member a line rejects).
fn peers_named(k: &Kind) -> Option<NodeId> {
    match k {
        Kind::VoteGranted { candidate, .. }
        | Kind::VoteRejected { candidate, .. }
        | Kind::VoteIgnored { candidate, .. } => Some(*candidate),
        Kind::VoteResponse { from, .. }
        | Kind::LowerTermIgnored { from, .. }
        | Kind::TimeoutNowReceived { from } => Some(*from),
        Kind::LostLeader { leader } | Kind::ForgotLeader { leader } => Some(*leader),
        Kind::TransferStarted { to }
        | Kind::TransferAborted { to }
        | Kind::TimeoutNowSent { to } => Some(*to),
        Kind::HeartbeatOverrun { to, .. } => *to,
        Kind::StreamLost { peer, .. }
        | Kind::PeerInactive { peer, .. }
        | Kind::PeerActive { peer }
        | Kind::PeerUnreachable { peer, .. }
        | Kind::BufferFull { peer, .. }
        | Kind::ClockSkew { peer, .. } => *peer,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Instant;

    fn ev(node: Option<NodeId>, kind: Kind, term: Option<u64>) -> Event {
        Event {
            ts: Some(Instant(1_000_000_000)),
            node,
            term,
            ..Event::of(kind)
        }
    }

    #[test]
    fn leader_after_each_event_and_members_named_by_others() {
        let events = [
            ev(Some(1), Kind::BecameCandidate, Some(2)),
            ev(
                Some(1),
                Kind::VoteSent {
                    to: 3,
                    pre_vote: false,
                },
                Some(2),
            ),
            ev(None, Kind::HealthNoLeader, None),
            ev(Some(2), Kind::ElectedLeader { leader: 1 }, Some(2)),
            ev(Some(1), Kind::BecameLeader, Some(2)),
            ev(Some(2), Kind::LostLeader { leader: 1 }, Some(2)),
        ];
        let f = Fold::run(&events);
        assert_eq!(
            f.leader_after,
            vec![None, None, None, Some(1), Some(1), None]
        );
        // member 3 only appears as the target of a vote request: listed, without a log
        let listed: Vec<(NodeId, bool)> =
            f.members.iter().map(|(id, m)| (*id, m.has_log)).collect();
        assert_eq!(listed, vec![(1, true), (2, true), (3, false)]);
        assert_eq!(
            f.terms.by_term[&2].acks,
            vec![(1, 2, Some(Instant(1_000_000_000)))]
        );
    }
}
