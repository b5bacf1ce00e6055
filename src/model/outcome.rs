//! What happened to each election (`terms[].outcome`): won, a split vote, a candidate
//! refused, too few answers, overtaken by a higher term, or not known because the logs
//! end. Where several fit, the first in that order.

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

    #[test]
    fn a_term_nobody_campaigned_for_has_no_outcome() {
        assert_eq!(three(&[], false, true), None);
    }
}
