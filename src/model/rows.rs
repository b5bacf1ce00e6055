//! `terms[]`: one row per term from the term table, with its candidacies, votes and
//! outcome.

use super::names::sorted_ids;
use super::outcome;
use super::terms::{min_ts, TermAcc, TermTable};
use super::votes;
use crate::event::{hex, Event, Kind, NodeId};
use crate::report::{Candidacy, Learned, TermRow};
use crate::time::Instant;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

type Names = BTreeMap<NodeId, String>;
type Rounds = BTreeMap<u64, Vec<votes::Round>>;

/// The term rows with their outcomes, and the terms with more than one leader.
pub fn stage(
    events: &[Event],
    terms: &mut TermTable,
    names: &Names,
    members: usize,
) -> (Vec<TermRow>, Vec<(u64, BTreeSet<NodeId>)>) {
    let rounds = votes::rounds(events);
    add_round_candidates(terms, &rounds);
    let (mut rows, split) = term_rows(terms, &rounds, names);
    set_outcomes(&mut rows, &rounds, &voters_by_term(events), members as u64);
    leaders_by_votes(&mut rows, &rounds, names);
    (rows, split)
}

/// The leader of a won term with no line naming it: the one candidate whose granted
/// votes reached the quorum. Raft makes a candidate leader in the step that counts the
/// vote completing its quorum, so those votes prove the win even when the `became leader`
/// line is cut off. `leader_source` is `votes`.
fn leaders_by_votes(rows: &mut [TermRow], rounds: &Rounds, names: &Names) {
    for row in rows.iter_mut().filter(|r| r.leader.is_none()) {
        let (Some(q), Some(rs)) = (row.quorum, rounds.get(&row.term)) else {
            continue;
        };
        let won: Vec<NodeId> = rs
            .iter()
            .filter(|r| !r.pre_vote && r.term_known() && ballot(r).granted >= q)
            .map(|r| r.node)
            .collect();
        let [l] = won.as_slice() else {
            continue;
        };
        row.leader = Some(hex(*l));
        row.leader_name = names.get(l).cloned();
        row.leader_source = Some("votes".to_string());
    }
}

/// A term's candidates: every member some line proves campaigned for it, its own
/// `became candidate` or not (an excerpt that starts later, a missing log).
fn add_round_candidates(terms: &mut TermTable, rounds: &Rounds) {
    for (t, rs) in rounds {
        for r in rs.iter().filter(|r| !r.pre_vote && r.term_known()) {
            terms
                .by_term
                .entry(*t)
                .or_default()
                .candidates
                .insert(r.node);
        }
    }
}

/// The rows in term order, and the terms with more than one leader.
fn term_rows(
    terms: &TermTable,
    rounds: &Rounds,
    names: &Names,
) -> (Vec<TermRow>, Vec<(u64, BTreeSet<NodeId>)>) {
    let mut round_rows = candidacies(rounds, names);
    let mut split = Vec::new();
    let mut rows = Vec::with_capacity(terms.by_term.len());
    for (t, ta) in &terms.by_term {
        let (leader, source) = leader_of(ta);
        let mut claim: BTreeSet<NodeId> = ta.self_leaders.keys().copied().collect();
        claim.extend(ta.acks.iter().map(|a| a.0));
        if claim.len() > 1 {
            split.push((*t, claim));
        }
        let elected_at = leader.and_then(|l| elected_at(ta, l));
        let (vf, va) = votes_of(ta, leader);
        let pre = terms.pre_into.get(t).cloned().unwrap_or_default();
        rows.push(TermRow {
            term: *t,
            leader: leader.map(hex),
            leader_name: leader.and_then(|l| names.get(&l).cloned()),
            leader_source: source.map(str::to_string),
            started_at: ta.started,
            elected_at,
            ended_at: None,
            election_ms: ta
                .started
                .zip(elected_at)
                .map(|(s, e)| s.ms_until(e).max(0)),
            led_ms: None,
            candidates: sorted_ids(&ta.candidates, names),
            pre_candidates: sorted_ids(&pre, names),
            votes_for: sorted_ids(&vf, names),
            votes_against: sorted_ids(&va, names),
            candidacies: round_rows.remove(t).unwrap_or_default(),
            learned: leader.map(|l| learned(ta, l)).unwrap_or_default(),
            transfer: ta.transfer,
            cause: None,
            outcome: None,
            quorum: None,
        });
    }
    (rows, split)
}

/// The term's leader: one that says so itself (the lowest ID if several), else the one
/// most members acknowledged.
fn leader_of(ta: &TermAcc) -> (Option<NodeId>, Option<&'static str>) {
    if let Some(l) = ta.self_leaders.keys().next() {
        return (Some(*l), Some("self"));
    }
    if ta.acks.is_empty() {
        return (None, None);
    }
    let mut counts: BTreeMap<NodeId, usize> = BTreeMap::new();
    for a in &ta.acks {
        *counts.entry(a.0).or_default() += 1;
    }
    let best = counts
        .iter()
        .max_by_key(|(id, c)| (**c, Reverse(**id)))
        .map(|(id, _)| *id);
    (best, Some("peers"))
}

/// When the leader won: its own `became leader`, else the first acknowledgement.
fn elected_at(ta: &TermAcc, l: NodeId) -> Option<Instant> {
    ta.self_leaders.get(&l).copied().flatten().or_else(|| {
        ta.acks
            .iter()
            .filter(|a| a.0 == l)
            .filter_map(|a| a.2)
            .min()
    })
}

/// Votes for and against the leader (or, with no winner, any candidate).
fn votes_of(ta: &TermAcc, leader: Option<NodeId>) -> (BTreeSet<NodeId>, BTreeSet<NodeId>) {
    let cand_set: BTreeSet<NodeId> = match leader {
        Some(l) => [l].into_iter().collect(),
        None => ta.candidates.clone(),
    };
    let mut vf: BTreeSet<NodeId> = ta
        .granted
        .iter()
        .filter(|(_, c)| cand_set.contains(c))
        .map(|(v, _)| *v)
        .collect();
    vf.extend(cand_set.iter().filter(|c| ta.candidates.contains(c)));
    // with no winner, a member that voted for one candidate and rejected another
    // voted: it is not against (terms[].candidacies tells whom it chose)
    let va: BTreeSet<NodeId> = ta
        .rejected
        .iter()
        .filter(|(v, c)| cand_set.contains(c) && (leader.is_some() || !vf.contains(v)))
        .map(|(v, _)| *v)
        .collect();
    (vf, va)
}

/// Who learned of the leader, each at its first acknowledgement, earliest first.
fn learned(ta: &TermAcc, l: NodeId) -> Vec<Learned> {
    let mut learned: BTreeMap<NodeId, Option<Instant>> = BTreeMap::new();
    for a in ta.acks.iter().filter(|a| a.0 == l) {
        let slot = learned.entry(a.1).or_insert(a.2);
        *slot = min_ts(*slot, a.2);
    }
    let mut lr: Vec<(NodeId, Option<Instant>)> = learned.into_iter().collect();
    lr.sort_by_key(|(id, at)| (*at, *id));
    lr.into_iter()
        .map(|(id, at)| Learned { node: hex(id), at })
        .collect()
}

/// `terms[].candidacies`, by term.
fn candidacies(rounds: &Rounds, names: &Names) -> BTreeMap<u64, Vec<Candidacy>> {
    rounds
        .iter()
        .map(|(t, rs)| (*t, rs.iter().map(|r| candidacy(r, names)).collect()))
        .collect()
}

fn candidacy(r: &votes::Round, names: &Names) -> Candidacy {
    Candidacy {
        node: hex(r.node),
        source: if r.own_line { "self" } else { "peers" }.to_string(),
        pre_vote: r.pre_vote,
        granted: sorted_ids(&r.granted, names),
        rejected: sorted_ids(&r.rejected, names),
        ignored: sorted_ids(&r.ignored, names),
        evidence: r.evidence.iter().map(|k| k.to_string()).collect(),
        rejections: r
            .rejections
            .iter()
            .map(|(v, mine, theirs)| crate::report::Rejection {
                voter: hex(*v),
                voter_log: *mine,
                candidate_log: *theirs,
                candidate_behind: theirs.behind(*mine),
            })
            .collect(),
    }
}

/// Voting members at each term: those of the latest `switched to configuration` line
/// before the term's first line. Terms before any such line are absent.
fn voters_by_term(events: &[Event]) -> BTreeMap<u64, u64> {
    let mut out = BTreeMap::new();
    let mut voters = 0u64;
    for e in events {
        if let Kind::ConfigChange { voters: v, .. } = &e.kind {
            if !v.is_empty() {
                voters = v.len() as u64;
            }
        }
        if let (Some(t), true) = (e.term, voters > 0 && e.kind.is_raft()) {
            out.entry(t).or_insert(voters);
        }
    }
    out
}

/// `terms[].outcome` and `quorum`. The quorum is the one a 3.3-or-older tally prints,
/// else the majority of the voters the configuration lines give, else of every member
/// the lines name (fewer than the real members when some are never named).
fn set_outcomes(rows: &mut [TermRow], rounds: &Rounds, voters: &BTreeMap<u64, u64>, members: u64) {
    let max_term = rows.iter().map(|r| r.term).max().unwrap_or(0);
    let none = Vec::new();
    for row in rows.iter_mut() {
        let rs = rounds.get(&row.term).unwrap_or(&none);
        let ran: Vec<&votes::Round> = rs
            .iter()
            .filter(|r| !r.pre_vote && r.term_known())
            .collect();
        let n = voters.get(&row.term).copied().unwrap_or(members).max(1);
        let printed = ran.iter().find_map(|r| r.tally.and_then(|t| t.2));
        let q = printed.unwrap_or_else(|| outcome::quorum(n));
        let facts = outcome::Facts {
            led: row.leader.is_some(),
            ballots: ran.iter().map(|r| ballot(r)).collect(),
            voters: n,
            quorum: q,
            higher_term: max_term > row.term,
        };
        if let Some(o) = outcome::decide(&facts) {
            row.outcome = Some(o.name().to_string());
            row.quorum = Some(q);
        }
    }
}

fn ballot(r: &votes::Round) -> outcome::Ballot {
    let (g, x) = r.tally.map_or((0, 0), |t| (t.0, t.1));
    outcome::Ballot {
        granted: g.max(r.granted.len() as u64),
        rejected: x.max(r.rejected.len() as u64),
    }
}
