//! What happened to each election (`terms[].outcome`): won, a split vote, a candidate
//! refused, too few answers, overtaken by a higher term, or not known because the logs
//! end. Where several fit, the first in that order.

use crate::event::{Event, Kind, NodeId};
use crate::report::{Candidacy, TermRow};
use std::collections::HashMap;

/// The outcome of the campaigns for one term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A leader was elected (its own line or its peers' say so), or a candidate's votes
    /// reached a quorum.
    Won,
    /// Two or more members campaigned for the term and none reached a quorum.
    SplitVote,
    /// A single candidate was refused by so many members that it could no longer reach a
    /// quorum (raft's own rule for a lost vote), e.g. for a stale log.
    Rejected,
    /// Too few members answered (granted or rejected) to make a quorum before a higher
    /// term ended the campaign.
    NoQuorum,
    /// A higher term arrived before the campaign was decided.
    Superseded,
    /// Nothing decided it before the logs end.
    Unknown,
}

impl Outcome {
    /// The outcome a name stands for.
    pub fn from_name(name: &str) -> Option<Outcome> {
        [
            Outcome::Won,
            Outcome::SplitVote,
            Outcome::Rejected,
            Outcome::NoQuorum,
            Outcome::Superseded,
            Outcome::Unknown,
        ]
        .into_iter()
        .find(|o| o.name() == name)
    }

    /// Stable name in JSON and the reports.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Won => "won",
            Outcome::SplitVote => "split_vote",
            Outcome::Rejected => "rejected",
            Outcome::NoQuorum => "no_quorum",
            Outcome::Superseded => "superseded",
            Outcome::Unknown => "unknown",
        }
    }
}

/// One candidate's real (not pre-vote) round for the term: the votes its lines and its
/// peers' show (the larger of the voters seen and the candidate's own tally).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ballot {
    /// Votes granted, its own included.
    pub granted: u64,
    /// Votes rejected.
    pub rejected: u64,
}

/// What the analysis knows about one term.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// A leader of the term is known.
    pub led: bool,
    /// One ballot per member that provably campaigned for the term.
    pub ballots: Vec<Ballot>,
    /// Voting members.
    pub voters: u64,
    /// Votes needed to win.
    pub quorum: u64,
    /// Some member reached a higher term in the logs read.
    pub higher_term: bool,
}

/// The majority of `voters`.
pub fn quorum(voters: u64) -> u64 {
    voters / 2 + 1
}

/// The outcome of a term, or `None` when nobody campaigned for it and no leader is known
/// (a term only seen through a restart or an ignored request).
pub fn decide(f: &Facts) -> Option<Outcome> {
    if f.led || f.ballots.iter().any(|b| b.granted >= f.quorum) {
        return Some(Outcome::Won);
    }
    let [b] = f.ballots.as_slice() else {
        return (!f.ballots.is_empty()).then_some(Outcome::SplitVote);
    };
    if f.voters.saturating_sub(b.rejected) < f.quorum {
        return Some(Outcome::Rejected);
    }
    if !f.higher_term {
        return Some(Outcome::Unknown);
    }
    Some(if b.granted + b.rejected < f.quorum {
        Outcome::NoQuorum
    } else {
        Outcome::Superseded
    })
}

/// Refines the outcomes `decide` gave from the vote counts, with what only the lines
/// themselves show, for a term with a single real candidate:
/// - a voter refused it because its log was behind (`candidacies[].rejections` with
///   `candidate_behind`): `rejected`, whatever the other answers (raft never lets such
///   a voter grant it; the log positions show why it could not win);
/// - `no_quorum` needs the candidate's own log showing its election timer ran out with
///   too few answers (it started its next campaign at that term before any higher term
///   reached it). When a higher term from another member came first, or the candidacy is
///   known only from its peers' lines (the answers are not in the input), the higher
///   term arrived before the campaign was decided: `superseded`.
pub fn refine(events: &[Event], rows: &mut [TermRow]) {
    let mut by_node: HashMap<NodeId, Vec<usize>> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        if let (Some(n), Some(_)) = (e.node, e.term) {
            by_node.entry(n).or_default().push(i);
        }
    }
    let max_term = rows.iter().map(|r| r.term).max().unwrap_or(0);
    for row in rows.iter_mut() {
        if row.outcome.is_none() && max_term > row.term && sent_at_term(events, row) {
            row.outcome = Some(Outcome::Superseded.name().to_string());
            continue;
        }
        let ran: Vec<&Candidacy> = row.ran().collect();
        let ([c], Some(o)) = (
            ran.as_slice(),
            row.outcome.as_deref().and_then(Outcome::from_name),
        ) else {
            continue;
        };
        let stale = c.rejections.iter().any(|r| r.candidate_behind);
        let out = refined(o, stale, || timed_out(events, &by_node, c, row.term));
        row.outcome = Some(out.name().to_string());
    }
}

/// A term without an outcome whose single candidate is known from its peers' lines only
/// through vote requests they ignored (which print the voter's term, not the
/// candidate's), yet a message it sent at this term reached a member (`received a …
/// message with higher term from X [term: T]`): it did campaign for T, and since a higher
/// term followed and its answers are not in the input, the campaign was superseded.
fn sent_at_term(events: &[Event], row: &TermRow) -> bool {
    let real: Vec<&Candidacy> = row.candidacies.iter().filter(|c| !c.pre_vote).collect();
    let [c] = real.as_slice() else {
        return false;
    };
    let Ok(x) = u64::from_str_radix(&c.node, 16) else {
        return false;
    };
    c.source == "peers"
        && events.iter().any(|e| {
            e.term == Some(row.term)
                && matches!(&e.kind, Kind::TermBump { from, msg_type, .. } if *from == x && !msg_type.contains("Pre"))
        })
}

/// The outcome of a single candidate's campaign that the counts gave as `o`, once a
/// stale-log rejection (`stale`) and whether its own lines show its timer ran out
/// (`timed_out`, asked only for `no_quorum`) are weighed.
fn refined(o: Outcome, stale: bool, timed_out: impl FnOnce() -> bool) -> Outcome {
    match o {
        Outcome::Won | Outcome::SplitVote => o,
        _ if stale => Outcome::Rejected,
        Outcome::NoQuorum if !timed_out() => Outcome::Superseded,
        _ => o,
    }
}

/// Candidate `c`'s own lines show its campaign for `term` ran out its election timer: its
/// next campaign (`starting a new election at term T`, a pre-vote round at T, or a
/// campaign for a higher term) comes before any higher term from another member.
fn timed_out(
    events: &[Event],
    by_node: &HashMap<NodeId, Vec<usize>>,
    c: &Candidacy,
    term: u64,
) -> bool {
    let Some(own) = (c.source == "self")
        .then(|| u64::from_str_radix(&c.node, 16).ok())
        .flatten()
        .and_then(|n| by_node.get(&n))
    else {
        return false;
    };
    let at_or_after = own.partition_point(|i| events[*i].term.is_some_and(|t| t < term));
    own[at_or_after..]
        .iter()
        .map(|i| &events[*i])
        .find(|e| {
            e.term.is_some_and(|t| t > term)
                || matches!(e.kind, Kind::ElectionStarted | Kind::BecamePreCandidate)
        })
        .is_some_and(|e| {
            matches!(
                e.kind,
                Kind::ElectionStarted | Kind::BecamePreCandidate | Kind::BecameCandidate
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn three(ballots: &[(u64, u64)], led: bool, higher_term: bool) -> Option<Outcome> {
        decide(&Facts {
            led,
            ballots: ballots
                .iter()
                .map(|&(granted, rejected)| Ballot { granted, rejected })
                .collect(),
            voters: 3,
            quorum: quorum(3),
            higher_term,
        })
    }

    #[test]
    fn quorum_is_a_majority() {
        assert_eq!(quorum(1), 1);
        assert_eq!(quorum(2), 2);
        assert_eq!(quorum(3), 2);
        assert_eq!(quorum(4), 3);
        assert_eq!(quorum(5), 3);
    }

    #[test]
    fn a_known_leader_is_won_whatever_the_votes_seen() {
        // the leader's own `became leader` with none of the votes in the excerpt
        assert_eq!(three(&[(1, 0)], true, true), Some(Outcome::Won));
        // only the peers' `elected leader` lines: no ballot at all
        assert_eq!(three(&[], true, false), Some(Outcome::Won));
    }

    #[test]
    fn a_tally_reaching_the_quorum_is_won() {
        // `has received 2 MsgVoteResp votes and 0 vote rejections`, excerpt ends before
        // `became leader`
        assert_eq!(three(&[(2, 0)], false, false), Some(Outcome::Won));
    }

    #[test]
    fn two_candidates_short_of_a_quorum_split_the_vote() {
        // 5 members: n4 has n3's vote, n1 has n5's; each rejected the other
        let f = Facts {
            led: false,
            ballots: vec![
                Ballot {
                    granted: 2,
                    rejected: 2,
                },
                Ballot {
                    granted: 2,
                    rejected: 2,
                },
            ],
            voters: 5,
            quorum: 3,
            higher_term: true,
        };
        assert_eq!(decide(&f), Some(Outcome::SplitVote));
        // split even when the others' answers are not in the logs
        assert_eq!(
            three(&[(1, 0), (1, 0)], false, false),
            Some(Outcome::SplitVote)
        );
    }

    #[test]
    fn a_candidate_refused_by_a_majority_is_rejected() {
        // 3 members: both others rejected it (stale log), nothing else needed
        assert_eq!(three(&[(1, 2)], false, true), Some(Outcome::Rejected));
        assert_eq!(three(&[(1, 2)], false, false), Some(Outcome::Rejected));
    }

    #[test]
    fn too_few_answers_before_a_higher_term_is_no_quorum() {
        // only its own vote: the others never answered, and a later term followed
        assert_eq!(three(&[(1, 0)], false, true), Some(Outcome::NoQuorum));
    }

    #[test]
    fn enough_answers_but_undecided_before_a_higher_term_is_superseded() {
        // its own vote and one rejection answer a quorum of 2, yet the third member's
        // answer would still have decided it: a higher term came first
        assert_eq!(three(&[(1, 1)], false, true), Some(Outcome::Superseded));
    }

    #[test]
    fn undecided_when_the_logs_end_is_unknown() {
        assert_eq!(three(&[(1, 0)], false, false), Some(Outcome::Unknown));
        assert_eq!(three(&[(1, 1)], false, false), Some(Outcome::Unknown));
    }

    /// etcd-9668-b: `134af… rejected MsgVote from 91d2… [logterm: 12252, index:
    /// 153343038]` with its own index 153343045: one stale-log rejection of three members
    /// is enough to say why the candidate could not win.
    #[test]
    fn a_stale_log_rejection_makes_a_single_campaign_rejected() {
        for o in [Outcome::NoQuorum, Outcome::Superseded, Outcome::Unknown] {
            assert_eq!(refined(o, true, || true), Outcome::Rejected, "{o:?}");
        }
        // a won term or a split vote stays what the counts say
        assert_eq!(refined(Outcome::Won, true, || true), Outcome::Won);
        assert_eq!(
            refined(Outcome::SplitVote, true, || true),
            Outcome::SplitVote
        );
    }

    /// wksctl-237: `40fd… is starting a new election at term 3` after its requests went
    /// unanswered: its timer ran out (no_quorum). etcd-12610: 6e5d's campaign for 3 is
    /// cut short 0.26 s later by 8dd5's term 24 (superseded).
    #[test]
    fn no_quorum_needs_the_candidates_timer_to_run_out() {
        assert_eq!(
            refined(Outcome::NoQuorum, false, || true),
            Outcome::NoQuorum
        );
        assert_eq!(
            refined(Outcome::NoQuorum, false, || false),
            Outcome::Superseded
        );
        assert_eq!(refined(Outcome::Unknown, false, || false), Outcome::Unknown);
    }

    #[test]
    fn names_round_trip() {
        for o in [Outcome::Won, Outcome::Rejected, Outcome::Unknown] {
            assert_eq!(Outcome::from_name(o.name()), Some(o));
        }
        assert_eq!(Outcome::from_name("lost"), None);
    }

    #[test]
    fn a_term_nobody_campaigned_for_has_no_outcome() {
        assert_eq!(three(&[], false, true), None);
    }
}
