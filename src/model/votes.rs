//! Votes per candidate: who granted, rejected or ignored each campaign round
//! (`terms[].candidacies`). Several members can campaign for the same term, and their
//! votes must not be mixed: a member that voted for one rejected the other.
//!
//! A round is known from every line that proves it, so that an excerpt that starts a
//! line after `became candidate` (or lacks the candidate's log) still shows it: the
//! candidate's own lines (`became candidate`, `starting a new election` when pre-vote is
//! off, its vote requests, the responses it received, its tallies, `became leader`) and
//! its peers' (a `MsgVote` with a higher term from it, their votes, `elected leader`).

use crate::event::{Event, Kind, LogPos, NodeId};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

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
    /// Kinds of the lines that show the round (event kind names).
    pub evidence: BTreeSet<&'static str>,
    /// The candidate's latest tally: (granted, rejected, quorum when the line prints it).
    pub tally: Option<(u64, u64, Option<u64>)>,
    /// Rejections with the log positions the voter's line prints: (voter, the voter's
    /// log, the candidate's log).
    pub rejections: Vec<(NodeId, LogPos, LogPos)>,
}

impl Round {
    /// The round is known to have asked for `into`: some line prints that term (a
    /// round known only from ignored requests sits at a guessed term).
    pub fn term_known(&self) -> bool {
        self.evidence.iter().any(|k| *k != "vote_ignored")
    }
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
            ..
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
    /// Candidate → its latest real round, own line or not.
    latest_real: HashMap<NodeId, usize>,
    /// Term → how many real rounds campaign for it.
    real_at: HashMap<u64, usize>,
}

impl Rounds {
    /// A member's own `became (pre-)candidate`. A round already known from votes that
    /// were merged before this line (clocks a little apart) is that round.
    /// A member raises its term for a real campaign, so it has one real round per
    /// term: its other lines of that term belong to it. Pre-vote rounds do not raise the
    /// term, so each `became pre-candidate` opens a new one.
    fn start(&mut self, node: NodeId, pre_vote: bool, into: u64, kind: &'static str) {
        let key = (node, pre_vote, into);
        let i = match self.by_term.get(&key) {
            Some(&i) if !pre_vote || !self.all[i].own_line => i,
            _ => self.push(node, pre_vote, into),
        };
        self.by_term.insert(key, i);
        self.own(i, kind);
    }

    /// A line that shows the round `into` of `node` (its own line when `own`): the
    /// round it belongs to, opened when none is known yet.
    fn claim(
        &mut self,
        node: NodeId,
        pre_vote: bool,
        into: u64,
        kind: &'static str,
        own: bool,
    ) -> usize {
        let i = match self.by_term.get(&(node, pre_vote, into)) {
            Some(&i) => i,
            None => {
                let i = self.push(node, pre_vote, into);
                self.by_term.insert((node, pre_vote, into), i);
                i
            }
        };
        if own {
            self.own(i, kind);
        } else {
            self.all[i].evidence.insert(kind);
        }
        i
    }

    /// Candidate `x` is seen at term `t` (a message of it with a higher term reached a
    /// member). Its latest real round, when known only from requests ignored under the
    /// lease, sits at a guessed term (the voter's plus one), at most `t`: a candidate raises its
    /// term only by campaigning or by hearing a higher one, so with no other member known
    /// to have campaigned for `t`, that round was for `t`.
    fn settle_ignored(&mut self, x: NodeId, t: u64) {
        // its latest real round, if that one is guessed: an earlier guessed round was
        // followed by campaigns that its later lines do show
        let Some(&i) = self.latest_real.get(&x) else {
            return;
        };
        let r = &self.all[i];
        if r.into > t || !r.evidence.iter().all(|k| *k == "vote_ignored") {
            return;
        }
        if self.real_at.get(&t).is_some_and(|n| *n > 0) {
            return;
        }
        let old = self.all[i].into;
        if self.by_term.get(&(x, false, old)) == Some(&i) {
            self.by_term.remove(&(x, false, old));
        }
        if let Some(n) = self.real_at.get_mut(&old) {
            *n -= 1;
        }
        *self.real_at.entry(t).or_default() += 1;
        self.all[i].into = t;
        self.all[i].evidence.insert("term_bump");
        self.by_term.insert((x, false, t), i);
    }

    fn push(&mut self, node: NodeId, pre_vote: bool, into: u64) -> usize {
        self.all.push(Round {
            node,
            pre_vote,
            into,
            ..Default::default()
        });
        let i = self.all.len() - 1;
        if !pre_vote {
            self.latest_real.insert(node, i);
            *self.real_at.entry(into).or_default() += 1;
        }
        i
    }

    /// The candidate's own line of round `i`.
    fn own(&mut self, i: usize, kind: &'static str) {
        let r = &mut self.all[i];
        r.own_line = true;
        r.granted.insert(r.node);
        r.evidence.insert(kind);
        self.current.insert((r.node, r.pre_vote), i);
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
        let i = self.push(cand, pre_vote, into);
        self.by_term.insert(key, i);
        i
    }
}

/// What a member's lines tell about its pre-vote setting and term, for the lines that
/// print neither (tallies, `starting a new election`).
#[derive(Default)]
struct Members {
    /// Members known to run without pre-vote (configured off, or etcd before 3.4,
    /// which never enables it).
    no_pre_vote: HashSet<NodeId>,
    /// Each member's latest term.
    term: HashMap<NodeId, u64>,
}

impl Members {
    fn learn(&mut self, n: NodeId, e: &Event) {
        let old = |v: &str| {
            let mut it = v.trim_start_matches('v').split('.');
            let major: u32 = it.next().and_then(|x| x.parse().ok()).unwrap_or(0);
            let minor: u32 = it.next().and_then(|x| x.parse().ok()).unwrap_or(0);
            major > 0 && (major, minor) < (3, 4)
        };
        match &e.kind {
            Kind::TimingConfig {
                pre_vote: Some(p), ..
            } => {
                if *p {
                    self.no_pre_vote.remove(&n);
                } else {
                    self.no_pre_vote.insert(n);
                }
            }
            Kind::ProcessStart { version: Some(v) } if old(v) => {
                self.no_pre_vote.insert(n);
            }
            Kind::MemberIdentity(id) if id.version.as_deref().is_some_and(old) => {
                self.no_pre_vote.insert(n);
            }
            _ => {}
        }
        if let (true, Some(t)) = (e.kind.is_raft(), e.term) {
            self.term.insert(n, t);
        }
    }
}

/// Every campaign round in `events` (merged order), by the term it campaigned for,
/// each term's rounds in order of first appearance.
pub fn rounds(events: &[Event]) -> BTreeMap<u64, Vec<Round>> {
    let mut rs = Rounds::default();
    let mut ms = Members::default();
    for e in events {
        let Some(n) = e.node else { continue };
        ms.learn(n, e);
        let Some(t) = e.term.or_else(|| ms.term.get(&n).copied()) else {
            continue;
        };
        if !campaign_line(&mut rs, &ms, n, t, e) {
            vote_line(&mut rs, t, e);
        }
    }
    let mut out: BTreeMap<u64, Vec<Round>> = BTreeMap::new();
    for r in rs.all {
        out.entry(r.into).or_default().push(r);
    }
    out
}

/// A line other than a vote that shows a campaign of member `n` (the writer) or of
/// another; `t` is the term it prints, else the writer's latest. False for other lines.
fn campaign_line(rs: &mut Rounds, ms: &Members, n: NodeId, t: u64, e: &Event) -> bool {
    let kind = e.kind.name();
    let next = t.saturating_add(1);
    match &e.kind {
        Kind::BecameCandidate => rs.start(n, false, t, kind),
        Kind::BecamePreCandidate => rs.start(n, true, next, kind),
        Kind::BecameLeader => {
            rs.claim(n, false, t, kind, true);
        }
        // names the term before the campaign; with pre-vote it opens a pre-vote round,
        // whose own line follows
        Kind::ElectionStarted if ms.no_pre_vote.contains(&n) => {
            rs.claim(n, false, next, kind, true);
        }
        // a pre-vote request prints the term before the one it asks for
        Kind::VoteSent { pre_vote, .. } => {
            rs.claim(n, *pre_vote, if *pre_vote { next } else { t }, kind, true);
        }
        Kind::VoteTally {
            granted,
            rejected,
            pre_vote,
            quorum,
        } => {
            let pre = *pre_vote == Some(true);
            let i = rs.claim(n, pre, if pre { next } else { t }, kind, true);
            rs.all[i].tally = Some((*granted, *rejected, *quorum));
        }
        Kind::ElectedLeader { leader } | Kind::ChangedLeader { leader, .. } => {
            rs.claim(*leader, false, t, kind, *leader == n);
        }
        // only a real vote request raises the voter's term (a pre-vote never does)
        Kind::TermBump { from, msg_type, .. } if msg_type == "MsgVote" => {
            rs.claim(*from, false, t, kind, false);
        }
        // any other message from a member with a higher term shows the term it is at:
        // its campaign seen only through requests ignored under the lease was for it
        Kind::TermBump { from, .. } => rs.settle_ignored(*from, t),
        // a real vote request that arrived below the voter's term still prints the term
        // its candidate campaigned for
        Kind::LowerTermIgnored {
            from,
            msg_type,
            sender_term,
        } if msg_type == "MsgVote" => {
            rs.claim(*from, false, *sender_term, kind, false);
        }
        _ => return false,
    }
    true
}

/// A vote line, granted, rejected or ignored, from the voter's side or the candidate's.
fn vote_line(rs: &mut Rounds, t: u64, e: &Event) {
    let Some((voter, cand, pre, answer, by_candidate)) = vote_of(e) else {
        return;
    };
    // the candidate's own responses print its campaign term (the term before the one
    // asked for, in a pre-vote round)
    let (printed, how) = match (by_candidate, pre, answer) {
        (true, true, _) => (t.saturating_add(1), Fit::Exact),
        (_, _, Answer::Ignored) => (t, Fit::Above),
        (_, true, _) => (t, Fit::AtLeast),
        _ => (t, Fit::Exact),
    };
    let i = rs.find(cand, pre, printed, how);
    if by_candidate {
        rs.own(i, e.kind.name());
    }
    let r = &mut rs.all[i];
    r.evidence.insert(e.kind.name());
    match answer {
        Answer::Granted => r.granted.insert(voter),
        Answer::Rejected => r.rejected.insert(voter),
        Answer::Ignored => r.ignored.insert(voter),
    };
    if let Kind::VoteRejected {
        voter_log,
        candidate_log,
        ..
    } = e.kind
    {
        r.rejections.push((voter, voter_log, candidate_log));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: NodeId = 0xa;
    const B: NodeId = 0xb;

    fn ev(node: NodeId, term: Option<u64>, kind: Kind) -> Event {
        Event {
            node: Some(node),
            term,
            ..Event::of(kind)
        }
    }

    /// (candidate, pre-vote, term, own line, term known) of every round.
    fn summary(events: &[Event]) -> Vec<(NodeId, bool, u64, bool, bool)> {
        rounds(events)
            .into_values()
            .flatten()
            .map(|r| (r.node, r.pre_vote, r.into, r.own_line, r.term_known()))
            .collect()
    }

    #[test]
    fn a_vote_request_without_became_candidate_is_the_candidates_own_round() {
        // `a [logterm: 4, index: 9] sent MsgVote request to b at term 5`
        let e = [ev(
            A,
            Some(5),
            Kind::VoteSent {
                to: B,
                pre_vote: false,
            },
        )];
        assert_eq!(summary(&e), vec![(A, false, 5, true, true)]);
    }

    #[test]
    fn a_tally_takes_the_candidates_latest_term() {
        // `a received MsgVoteResp from a at term 5`, then the tally (no term printed)
        let e = [
            ev(
                A,
                Some(5),
                Kind::VoteResponse {
                    from: A,
                    granted: true,
                    pre_vote: false,
                },
            ),
            ev(
                A,
                None,
                Kind::VoteTally {
                    granted: 1,
                    rejected: 2,
                    pre_vote: Some(false),
                    quorum: None,
                },
            ),
        ];
        let r = rounds(&e);
        assert_eq!(r[&5].len(), 1);
        assert_eq!(r[&5][0].tally, Some((1, 2, None)));
        assert!(r[&5][0].own_line);
    }

    #[test]
    fn a_higher_term_vote_request_is_a_campaign_seen_by_peers() {
        // `b [term: 4] received a MsgVote message with higher term from a [term: 5]`
        let vote = |mt: &str| {
            ev(
                B,
                Some(5),
                Kind::TermBump {
                    from: A,
                    msg_type: mt.into(),
                    old_term: 4,
                },
            )
        };
        assert_eq!(
            summary(&[vote("MsgVote")]),
            vec![(A, false, 5, false, true)]
        );
        // a higher-term append proves a leader, not a vote request: `elected leader` says it
        assert_eq!(summary(&[vote("MsgApp")]), vec![]);
    }

    #[test]
    fn elected_leader_is_a_campaign_own_or_seen_by_peers() {
        let e = [
            ev(B, Some(5), Kind::ElectedLeader { leader: A }),
            ev(A, Some(6), Kind::ElectedLeader { leader: A }),
        ];
        assert_eq!(
            summary(&e),
            vec![(A, false, 5, false, true), (A, false, 6, true, true)]
        );
    }

    #[test]
    fn starting_an_election_is_a_campaign_only_without_pre_vote() {
        let start = ev(A, Some(4), Kind::ElectionStarted);
        assert_eq!(summary(std::slice::from_ref(&start)), vec![]);
        let off = ev(
            A,
            None,
            Kind::TimingConfig {
                heartbeat_ms: None,
                election_ms: None,
                election_ticks: None,
                pre_vote: Some(false),
            },
        );
        assert_eq!(summary(&[off, start]), vec![(A, false, 5, true, true)]);
    }

    #[test]
    fn a_pre_vote_request_is_a_pre_vote_round_into_the_next_term() {
        // `a [logterm: 4, index: 9] sent MsgPreVote request to b at term 4`
        let e = [ev(
            A,
            Some(4),
            Kind::VoteSent {
                to: B,
                pre_vote: true,
            },
        )];
        assert_eq!(summary(&e), vec![(A, true, 5, true, true)]);
    }

    fn ignored(voter: NodeId, term: u64, candidate: NodeId) -> Event {
        ev(
            voter,
            Some(term),
            Kind::VoteIgnored {
                candidate,
                pre_vote: false,
                remaining_ticks: Some(4),
            },
        )
    }

    fn bump(node: NodeId, term: u64, from: NodeId, msg: &str, old_term: u64) -> Event {
        ev(
            node,
            Some(term),
            Kind::TermBump {
                from,
                msg_type: msg.into(),
                old_term,
            },
        )
    }

    /// etcd-12287: the leader at 4363 ignores A's requests under its lease, then receives
    /// A's MsgAppResp at 4365: A's campaign was for 4365, not the guessed 4364.
    #[test]
    fn a_later_message_settles_the_term_of_an_ignored_campaign() {
        let e = [
            ignored(B, 4363, A),
            ignored(B, 4363, A),
            bump(B, 4365, A, "MsgAppResp", 4363),
        ];
        assert_eq!(summary(&e), vec![(A, false, 4365, false, true)]);
    }

    /// Another member known to campaign for that term could have raised A to it: the
    /// ignored round keeps its guessed term, unknown.
    #[test]
    fn an_ignored_campaign_is_not_settled_on_a_term_another_member_ran_for() {
        let e = [
            ev(B, Some(7), Kind::BecameCandidate),
            ignored(0xc, 5, A),
            bump(0xc, 7, A, "MsgAppResp", 5),
        ];
        let got = summary(&e);
        assert!(got.contains(&(A, false, 6, false, false)), "{got:?}");
    }

    /// etcd-10014: `[term: 12] ignored a MsgVote message with lower term from X [term: 7]`
    /// proves X campaigned for 7.
    #[test]
    fn a_vote_request_ignored_for_its_lower_term_is_a_campaign_for_that_term() {
        let e = [ev(
            B,
            Some(12),
            Kind::LowerTermIgnored {
                from: A,
                msg_type: "MsgVote".into(),
                sender_term: 7,
            },
        )];
        assert_eq!(summary(&e), vec![(A, false, 7, false, true)]);
    }

    #[test]
    fn an_ignored_request_alone_leaves_the_term_unknown() {
        let e = [ev(
            B,
            Some(4),
            Kind::VoteIgnored {
                candidate: A,
                pre_vote: false,
                remaining_ticks: Some(3),
            },
        )];
        assert_eq!(summary(&e), vec![(A, false, 5, false, false)]);
    }
}
