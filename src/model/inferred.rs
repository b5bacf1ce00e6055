//! Leaders known only from the other members' lines, for excerpts that begin after the
//! leader's own `became leader` and its peers' `elected leader` lines (issue 16 item 3):
//! - a member that receives an append, heartbeat or snapshot from X at term T (with a
//!   higher or a lower term than its own): only a leader sends those;
//! - a member's `lost leader X at term T`: X led the term that member was in when it
//!   last followed X. Without pre-vote the line carries the new term (the member changed
//!   term first), so X led the term before that change; with pre-vote the term has not
//!   changed yet and X led T itself (etcd-log-messages.md §2.1, reading rules).
//!
//! A term with two different such leaders, or already with a leader, is left alone.

use crate::event::{hex, Event, Kind, NodeId};
use crate::report::TermRow;
use std::collections::{BTreeMap, HashMap};

/// Leaders of terms with no leader in `rows` (or no row), with the index of the first
/// event showing each.
pub fn leaders(events: &[Event], rows: &[TermRow]) -> BTreeMap<u64, (NodeId, usize)> {
    let led: std::collections::BTreeSet<u64> = rows
        .iter()
        .filter(|r| r.leader.is_some())
        .map(|r| r.term)
        .collect();
    // each member's events, so that a `lost leader` line looks back over its own only
    let mut by_node: HashMap<NodeId, Vec<usize>> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        if let Some(n) = e.node {
            by_node.entry(n).or_default().push(i);
        }
    }
    let mut found: BTreeMap<u64, Option<(NodeId, usize)>> = BTreeMap::new();
    for i in 0..events.len() {
        let own = events[i]
            .node
            .and_then(|n| by_node.get(&n))
            .map_or(&[][..], |v| &v[..v.partition_point(|j| *j < i)]);
        let Some((term, x)) = leader_shown(events, i, own) else {
            continue;
        };
        if led.contains(&term) {
            continue;
        }
        let slot = found.entry(term).or_insert(Some((x, i)));
        if slot.is_some_and(|(y, _)| y != x) {
            *slot = None; // two leaders named: not ours to settle
        }
    }
    found
        .into_iter()
        .filter_map(|(t, v)| v.map(|v| (t, v)))
        .collect()
}

/// Writes the leaders of [`leaders`] into the rows of their terms that have none, with
/// `leader_source` `peers`; such a term was won. The term table gives a row to every term
/// such a message names.
pub fn fill(
    found: &BTreeMap<u64, (NodeId, usize)>,
    rows: &mut [TermRow],
    names: &BTreeMap<NodeId, String>,
) {
    for row in rows.iter_mut() {
        let Some((x, _)) = found.get(&row.term) else {
            continue;
        };
        row.leader = Some(hex(*x));
        row.leader_name = names.get(x).cloned();
        row.leader_source = Some("peers".to_string());
        row.outcome = Some(super::outcome::Outcome::Won.name().to_string());
    }
}

/// The (term, leader) event `i` shows, if any.
/// `earlier` holds the indices of the same member's events before `i`.
fn leader_shown(events: &[Event], i: usize, earlier: &[usize]) -> Option<(u64, NodeId)> {
    let e = &events[i];
    match &e.kind {
        Kind::LostLeader { leader } => Some((term_followed(events, i, earlier, *leader)?, *leader)),
        _ => leader_by_message(e),
    }
}

/// The (term, leader) a message line shows: an append, heartbeat or snapshot received
/// from X at term T (only a leader sends them), or an answer to one addressed to this
/// member at term T (only a leader receives those). The term may be one that no other
/// line of the excerpt prints: a lower-term message names the sender's term.
pub fn leader_by_message(e: &Event) -> Option<(u64, NodeId)> {
    let from_leader = |m: &str| matches!(m, "MsgApp" | "MsgHeartbeat" | "MsgSnap");
    let to_leader = |m: &str| matches!(m, "MsgAppResp" | "MsgHeartbeatResp");
    match &e.kind {
        Kind::TermBump { from, msg_type, .. } if from_leader(msg_type) => Some((e.term?, *from)),
        Kind::LowerTermIgnored {
            from,
            msg_type,
            sender_term,
        } if from_leader(msg_type) => Some((*sender_term, *from)),
        Kind::LowerTermIgnored {
            msg_type,
            sender_term,
            ..
        } if to_leader(msg_type) => Some((*sender_term, e.node?)),
        _ => None,
    }
}

/// The term member `events[i].node` was in when it last followed the leader its
/// `lost leader … at term T` line (event `i`) names: the term before its change to T
/// when its earlier lines show one, else T (pre-vote: no change yet). None when its
/// earlier lines do not tell, or when the member it lost (`x`) is the one whose vote
/// request moved it to T: a leader that campaigns again had stepped down before, at a
/// term these lines do not show.
fn term_followed(events: &[Event], i: usize, earlier: &[usize], x: NodeId) -> Option<u64> {
    let t = events[i].term?;
    let n = events[i].node?;
    let mut changed = false;
    for e in earlier.iter().rev().map(|j| &events[*j]) {
        match e.term {
            // it changed to T when it campaigned or heard T: X led the term before, if
            // its lines show it
            Some(p) if p < t => return changed.then_some(p),
            Some(p) if p == t => {
                if led_at_term(e, n, x) {
                    return Some(t); // it followed (or was) X at T, then lost it
                }
                if asked_by(e, x) {
                    return None;
                }
                changed |= term_change(e);
            }
            _ => {}
        }
    }
    (!changed && !earlier.is_empty()).then_some(t)
}

/// Event `e` of member `n` shows `x` leading at the event's term.
fn led_at_term(e: &Event, n: NodeId, x: NodeId) -> bool {
    match &e.kind {
        Kind::BecameLeader => n == x,
        Kind::ElectedLeader { leader } => *leader == x,
        _ => leader_by_message(e).is_some_and(|(t, l)| Some(t) == e.term && l == x),
    }
}

/// Event `e` is a vote request from `x` reaching the member, or its answer to one.
fn asked_by(e: &Event, x: NodeId) -> bool {
    match &e.kind {
        Kind::TermBump { from, msg_type, .. } => *from == x && msg_type.contains("Vote"),
        Kind::VoteGranted { candidate, .. } | Kind::VoteRejected { candidate, .. } => {
            *candidate == x
        }
        _ => false,
    }
}

/// Event `e` changes (or, for its own campaign lines, shows a change of) the member's
/// term to the event's term; a pre-vote round does not change it.
fn term_change(e: &Event) -> bool {
    matches!(
        e.kind,
        Kind::BecameCandidate
            | Kind::BecameFollower
            | Kind::TermBump { .. }
            | Kind::VoteSent {
                pre_vote: false,
                ..
            }
            | Kind::VoteResponse {
                pre_vote: false,
                ..
            }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Origin;

    const A: NodeId = 0xa;
    const B: NodeId = 0xb;

    fn ev(node: NodeId, term: u64, kind: Kind) -> Event {
        Event {
            node: Some(node),
            term: Some(term),
            origin: Origin { input: 0, line: 1 },
            ..Event::of(kind)
        }
    }

    fn lost(node: NodeId, term: u64, leader: NodeId) -> Event {
        ev(node, term, Kind::LostLeader { leader })
    }

    /// etcd-1864: `4ed8 is starting a new election at term 1`, `became candidate at term
    /// 2`, then `lost leader db19 at term 2`: db19 led term 1.
    /// etcd-13794: `c53a [term: 530482] ignored a MsgHeartbeatResp message with lower term
    /// from fe31 [term: 530478]`: only a leader receives heartbeat answers, so c53a led
    /// 530478; a lower-term vote request names no leader.
    #[test]
    fn an_answer_to_a_heartbeat_names_its_receiver_leader_of_the_senders_term() {
        let low = |msg: &str| {
            ev(
                A,
                530482,
                Kind::LowerTermIgnored {
                    from: B,
                    msg_type: msg.into(),
                    sender_term: 530478,
                },
            )
        };
        assert_eq!(
            leader_by_message(&low("MsgHeartbeatResp")),
            Some((530478, A))
        );
        assert_eq!(leader_by_message(&low("MsgAppResp")), Some((530478, A)));
        assert_eq!(leader_by_message(&low("MsgHeartbeat")), Some((530478, B)));
        assert_eq!(leader_by_message(&low("MsgVote")), None);
    }

    #[test]
    fn lost_leader_after_a_term_change_names_the_term_before() {
        let e = [
            ev(B, 1, Kind::ElectionStarted),
            ev(B, 2, Kind::BecameCandidate),
            lost(B, 2, A),
        ];
        assert_eq!(leaders(&e, &[]), BTreeMap::from([(1, (A, 2))]));
    }

    /// etcd-9668-a: `134af… sent vote request to 2a09… at term 12284`, then `lost leader
    /// 2a09… at term 12284`: its own campaign changed its term, and its earlier term is
    /// not in the lines, so the lost-leader line names no term (2a09's appends at 12283
    /// do).
    #[test]
    fn a_campaign_line_is_a_term_change() {
        let sent = Kind::VoteSent {
            to: A,
            pre_vote: false,
        };
        assert!(leaders(&[ev(B, 12284, sent), lost(B, 12284, A)], &[]).is_empty());
    }

    /// With pre-vote the member becomes pre-candidate at its own term and says it lost
    /// the leader of that same term.
    #[test]
    fn lost_leader_without_a_term_change_names_that_term() {
        let e = [ev(B, 7, Kind::BecamePreCandidate), lost(B, 7, A)];
        assert_eq!(leaders(&e, &[]), BTreeMap::from([(7, (A, 1))]));
        // a member's first line tells nothing about its earlier term
        assert!(leaders(&[lost(B, 7, A)], &[]).is_empty());
    }

    /// etcd-9668-d: `ignored a MsgApp message with lower term from 91d2 [term: 12273]`:
    /// 91d2 led 12273; a MsgAppResp (a follower's answer) names its receiver instead, and
    /// two lines naming different leaders of one term settle nothing.
    #[test]
    fn appends_and_heartbeats_come_from_the_leader() {
        let app = |m: &str| Kind::LowerTermIgnored {
            from: A,
            msg_type: m.into(),
            sender_term: 12273,
        };
        let e = [ev(B, 12274, app("MsgApp"))];
        assert_eq!(leaders(&e, &[]), BTreeMap::from([(12273, (A, 0))]));
        let e = [ev(B, 12274, app("MsgAppResp"))];
        assert_eq!(leaders(&e, &[]), BTreeMap::from([(12273, (B, 0))]));
        let e = [ev(B, 12274, app("MsgApp")), ev(B, 12274, app("MsgAppResp"))];
        assert!(leaders(&e, &[]).is_empty());
        let bump = Kind::TermBump {
            from: A,
            msg_type: "MsgAppResp".into(),
            old_term: 3,
        };
        assert!(leaders(&[ev(B, 4, bump)], &[]).is_empty());
    }

    /// etcd-9464: sn-2 `received a MsgVote message with higher term from 8296… [term:
    /// 156]`, then `lost leader 8296… at term 156`: 8296 had led some earlier term and
    /// stepped down at a term the lines do not show; nothing is inferred.
    #[test]
    fn a_lost_leader_that_is_now_campaigning_names_no_term() {
        let bump = Kind::TermBump {
            from: A,
            msg_type: "MsgVote".into(),
            old_term: 154,
        };
        let e = [
            ev(B, 154, Kind::BecameFollower),
            ev(B, 156, bump),
            lost(B, 156, A),
        ];
        assert!(leaders(&e, &[]).is_empty());
    }

    /// A leader that steps down at its own term (a stop) says it lost itself at that
    /// term: it led that term, not the one before its election.
    #[test]
    fn a_leader_losing_itself_at_its_own_term_led_that_term() {
        let e = [
            ev(A, 1, Kind::BecameFollower),
            ev(A, 2, Kind::BecameCandidate),
            ev(A, 2, Kind::BecameLeader),
            ev(A, 2, Kind::BecameFollower),
            lost(A, 2, A),
        ];
        assert_eq!(leaders(&e, &[]), BTreeMap::from([(2, (A, 4))]));
    }

    #[test]
    fn two_leaders_named_for_one_term_settle_nothing() {
        let e = [
            ev(B, 1, Kind::BecameFollower),
            ev(B, 2, Kind::BecameCandidate),
            lost(B, 2, A),
            ev(A, 1, Kind::BecameFollower),
            ev(A, 2, Kind::BecameCandidate),
            lost(A, 2, B),
        ];
        assert!(leaders(&e, &[]).is_empty());
    }
}
