//! Votes per candidate: who granted, rejected or ignored each campaign round
//! (`terms[].candidacies`). Several members can campaign for the same term, and their
//! votes must not be mixed: a member that voted for one rejected the other.

use crate::event::{Event, Kind, NodeId};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One campaign round of one member: a pre-vote round or a real one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Round {
    /// The candidate.
    pub node: NodeId,
    /// Its own `became (pre-)candidate` line was read (else the round is known only
    /// from the other members' votes).
    pub own_line: bool,
    /// A pre-vote round.
    pub pre_vote: bool,
    /// The term the round campaigns for (a pre-vote round at term T asks for T+1).
    pub into: u64,
    /// Members that granted the vote; the candidate itself when its own line was read
    /// (raft's campaign votes for itself before asking the others).
    pub granted: BTreeSet<NodeId>,
    /// Members that rejected it.
    pub rejected: BTreeSet<NodeId>,
    /// Members that ignored it because their leader's lease had not expired.
    pub ignored: BTreeSet<NodeId>,
}

/// What a member answered.
#[derive(Clone, Copy)]
enum Answer {
    Granted,
    Rejected,
    Ignored,
}

/// A vote line, from the voter's side or from the candidate's: (voter, candidate,
/// pre-vote, answer, written by the candidate).
fn vote_of(e: &Event) -> Option<(NodeId, NodeId, bool, Answer, bool)> {
    let n = e.node?;
    Some(match &e.kind {
        Kind::VoteGranted {
            candidate,
            pre_vote,
        } => (n, *candidate, *pre_vote, Answer::Granted, false),
        Kind::VoteRejected {
            candidate,
            pre_vote,
        } => (n, *candidate, *pre_vote, Answer::Rejected, false),
        Kind::VoteIgnored {
            candidate,
            pre_vote,
            ..
        } => (n, *candidate, *pre_vote, Answer::Ignored, false),
        Kind::VoteResponse {
            from,
            granted,
            pre_vote,
        } => {
            let a = if *granted {
                Answer::Granted
            } else {
                Answer::Rejected
            };
            (*from, n, *pre_vote, a, true)
        }
        _ => return None,
    })
}

/// How the term a vote line prints relates to the term its round campaigns for.
#[derive(Clone, Copy)]
enum Fit {
    /// The same term.
    Exact,
    /// The round's term is at least the printed one.
    AtLeast,
    /// The round's term is above the printed one.
    Above,
}

/// Rounds found so far, with the indexes to find a vote's round.
#[derive(Default)]
struct Rounds {
    all: Vec<Round>,
    /// (candidate, pre-vote, term campaigned for) → its latest round.
    by_term: HashMap<(NodeId, bool, u64), usize>,
    /// (candidate, pre-vote) → its latest round with its own line.
    current: HashMap<(NodeId, bool), usize>,
}

impl Rounds {
    /// A member's own `became (pre-)candidate`. A round already known from votes that
    /// were merged before this line (clocks a little apart) is that round.
    fn start(&mut self, node: NodeId, pre_vote: bool, into: u64) {
        let key = (node, pre_vote, into);
        let i = match self.by_term.get(&key) {
            Some(&i) if !self.all[i].own_line => i,
            _ => {
                self.all.push(Round {
                    node,
                    pre_vote,
                    into,
                    ..Default::default()
                });
                self.all.len() - 1
            }
        };
        let r = &mut self.all[i];
        r.own_line = true;
        r.granted.insert(node);
        self.by_term.insert(key, i);
        self.current.insert((node, pre_vote), i);
    }

    /// The round a vote line belongs to. A real vote granted or rejected prints the
    /// candidate's term (the voter moved to it first). A pre-vote answer prints the
    /// voter's own term, at most the one asked for, and an ignored vote (raft ignores
    /// only a higher term, while its lease holds) a term below it: such a line goes to
    /// the candidate's latest round that fits, else to a round for the next term.
    fn find(&mut self, cand: NodeId, pre_vote: bool, printed: u64, how: Fit) -> usize {
        let into = match how {
            Fit::Exact => printed,
            Fit::AtLeast | Fit::Above => {
                if let Some(&i) = self.current.get(&(cand, pre_vote)) {
                    let r = self.all[i].into;
                    if r > printed || (r == printed && matches!(how, Fit::AtLeast)) {
                        return i;
                    }
                }
                printed.saturating_add(1)
            }
        };
        let key = (cand, pre_vote, into);
        if let Some(&i) = self.by_term.get(&key) {
            return i;
        }
        self.all.push(Round {
            node: cand,
            pre_vote,
            into,
            ..Default::default()
        });
        self.by_term.insert(key, self.all.len() - 1);
        self.all.len() - 1
    }
}

/// Every campaign round in `events` (merged order), by the term it campaigned for,
/// each term's rounds in order of first appearance.
pub fn rounds(events: &[Event]) -> BTreeMap<u64, Vec<Round>> {
    let mut rs = Rounds::default();
    for e in events {
        let (Some(n), Some(t)) = (e.node, e.term) else {
            continue;
        };
        match e.kind {
            Kind::BecameCandidate => rs.start(n, false, t),
            Kind::BecamePreCandidate => rs.start(n, true, t.saturating_add(1)),
            _ => {
                let Some((voter, cand, pre, answer, by_candidate)) = vote_of(e) else {
                    continue;
                };
                // the candidate's own responses print its campaign term (the term
                // before the one asked for, in a pre-vote round)
                let (printed, how) = match (by_candidate, pre, answer) {
                    (true, true, _) => (t.saturating_add(1), Fit::Exact),
                    (_, _, Answer::Ignored) => (t, Fit::Above),
                    (_, true, _) => (t, Fit::AtLeast),
                    _ => (t, Fit::Exact),
                };
                let i = rs.find(cand, pre, printed, how);
                let r = &mut rs.all[i];
                match answer {
                    Answer::Granted => r.granted.insert(voter),
                    Answer::Rejected => r.rejected.insert(voter),
                    Answer::Ignored => r.ignored.insert(voter),
                };
            }
        }
    }
    let mut out: BTreeMap<u64, Vec<Round>> = BTreeMap::new();
    for r in rs.all {
        out.entry(r.into).or_default().push(r);
    }
    out
}
