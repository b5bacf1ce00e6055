//! The elections settled before the table of rules: a term nobody could win
//! (`quorum_lost`), a campaign nobody heard (`network`, the candidate cut off), and the
//! first election of the input (`bootstrap`, or `unknown` when the logs begin later).
//! None of them needs an earlier leader, and each outranks what the rules would say
//! about the old leader (docs/causes.md rules 0 and 1).

use super::{CauseCode, Confidence, Context, Finding, SEC};
use crate::event::{Event, Kind, NodeId};
use crate::lives::Life;
use crate::report::TermRow;
use crate::time::Instant;
use std::collections::BTreeSet;

/// Rule 0, for a term nobody won: when it was first campaigned for, too few members were
/// running for a quorum (the others stopped, or their logs had ended). No network claim:
/// nobody was there to hear the candidate.
pub(super) fn quorum_lost(
    ctx: &Context<'_>,
    row: &TermRow,
    campaigns: &[(NodeId, usize)],
) -> Option<Finding> {
    if row.leader.is_some() {
        return None;
    }
    let &(c, at) = campaigns.first()?;
    let e = &ctx.events[at];
    // a second-precision stamp is up to a second early
    let t = e.ts.map(|t| {
        if e.coarse_ts {
            Instant(t.0 + SEC - 1)
        } else {
            t
        }
    })?;
    let voters = voters_at(ctx, at);
    let down: Vec<(NodeId, &Life)> = voters
        .iter()
        .filter(|n| **n != c)
        .filter_map(|n| {
            let ls = ctx.lives.get(n)?;
            crate::lives::down_at(ls, ctx.events, t).map(|k| (*n, &ls[k]))
        })
        .collect();
    let running = voters.len() - down.len();
    let quorum = voters.len() / 2 + 1;
    if down.is_empty() || running >= quorum {
        return None;
    }
    let planned = down.iter().all(|(_, l)| l.stop.is_some());
    let mut ev: Vec<usize> = down.iter().map(|(_, l)| l.stop.unwrap_or(l.last)).collect();
    ev.push(at);
    let mut found = Finding::new(
        CauseCode::QuorumLost,
        None,
        if planned {
            Confidence::High
        } else {
            Confidence::Medium
        },
        format!(
            "only {running} of {} members were running when {} campaigned for term {} ({quorum} needed): {}; no election could succeed until enough of them were back",
            voters.len(),
            ctx.name(c),
            row.term,
            gone(ctx, &down)
        ),
        ev,
    );
    found.stopped = Some((down.iter().map(|(n, _)| *n).collect(), planned));
    Some(found)
}

/// The members down, each with how its life ended.
fn gone(ctx: &Context<'_>, down: &[(NodeId, &Life)]) -> String {
    down.iter()
        .map(|(n, l)| {
            let how = match l.stop {
                Some(i) if matches!(ctx.events[i].kind, Kind::ProcessShutdown { .. }) => {
                    "stopped by a signal"
                }
                Some(_) => "stopped: its server stop lines, no signal line",
                None => "its log ends there",
            };
            format!("{} ({how})", ctx.name(*n))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The voting members at event `at`: the last configuration logged before it, else every
/// member known.
fn voters_at(ctx: &Context<'_>, at: usize) -> BTreeSet<NodeId> {
    let k = ctx.confs.partition_point(|(i, _)| *i < at);
    match k {
        0 => ctx.members.clone(),
        _ => ctx.confs[k - 1].1.clone(),
    }
}

/// `(candidate, index of its became_candidate)` for a term, earliest first.
pub(super) fn campaigns(ctx: &Context<'_>, term: u64) -> Vec<(NodeId, usize)> {
    let mut v: Vec<(NodeId, usize)> = ctx
        .of_term(term)
        .iter()
        .map(|i| (*i, &ctx.events[*i]))
        .filter(|(_, e)| matches!(e.kind, Kind::BecameCandidate) && e.term == Some(term))
        .filter_map(|(i, e)| e.node.map(|n| (n, i)))
        .collect();
    v.sort_by_key(|(_, i)| (ctx.events[*i].ts, *i));
    let mut seen = BTreeSet::new();
    v.retain(|(n, _)| seen.insert(*n));
    v
}

/// When the first line proving a real campaign for `row`'s term was written, for a term
/// whose candidates are known only from their peers' lines (no `became candidate` read):
/// a vote granted or rejected at that term, a higher term from a candidate's message at
/// that term, or a candidate's own vote lines.
pub(super) fn first_seen(ctx: &Context<'_>, row: &TermRow) -> Option<i64> {
    let real = row
        .candidacies
        .iter()
        .filter(|c| !c.pre_vote)
        .map(|c| &c.node);
    let cands: BTreeSet<NodeId> = row
        .candidates
        .iter()
        .chain(real)
        .filter_map(|c| u64::from_str_radix(c, 16).ok())
        .collect();
    let proves = |e: &Event| match &e.kind {
        Kind::VoteGranted {
            candidate,
            pre_vote: false,
        }
        | Kind::VoteRejected {
            candidate,
            pre_vote: false,
            ..
        } => cands.contains(candidate),
        // a candidate's vote request, or any message it sent at the term once it had
        // campaigned for it (its vote response, append response, ...)
        Kind::TermBump { from, msg_type, .. } => cands.contains(from) && !msg_type.contains("Pre"),
        Kind::VoteSent {
            pre_vote: false, ..
        }
        | Kind::VoteResponse {
            pre_vote: false, ..
        }
        | Kind::VoteTally { .. }
        | Kind::BecameLeader => e.node.is_some_and(|n| cands.contains(&n)),
        _ => false,
    };
    ctx.of_term(row.term)
        .iter()
        .map(|i| &ctx.events[*i])
        .filter(|e| e.term == Some(row.term) && proves(e))
        .filter_map(|e| e.ts.map(|t| t.0))
        .min()
}

/// Nobody heard candidate `c`'s campaign for `term`: no other member logged a vote
/// decision about it or a higher term from it, and `c` got no answer from anyone. Needs
/// the log of another member covering the campaign: `c`'s own unanswered requests alone
/// do not show that nobody received them.
pub(super) fn solo(ctx: &Context<'_>, c: NodeId, term: u64, at: usize, et: i64) -> bool {
    let Some(t0) = ctx.events[at].ts.map(|t| t.0) else {
        return false;
    };
    // a campaign is answered within milliseconds when the candidate can reach anyone; a
    // candidate campaigns again after its randomised election timeout (< 2x)
    let next = ctx.events[at + 1..]
        .iter()
        .find(|e| {
            e.node == Some(c) && matches!(e.kind, Kind::BecameCandidate | Kind::BecamePreCandidate)
        })
        .and_then(|e| e.ts.map(|t| t.0))
        .unwrap_or(i64::MAX);
    // answers to a reachable candidate take a round trip (etcd's tuning guide keeps the
    // election timeout at 10x the RTT); answers that come later were queued while it was
    // cut off and delivered after the network healed
    // a candidate sends its vote requests only once its new term is on disk: a slow
    // fdatasync of its own that began with the campaign delays them until it returns
    let sent = own_sync_end(ctx, c, t0).unwrap_or(t0);
    let t1 = (sent + (et / 2).max(250_000_000)).min(next);
    let in_time = |e: &Event| e.ts.is_some_and(|t| t.0 >= t0 - SEC && t.0 < t1);
    let near = ctx.in_time(t0 - SEC, t1 - 1);
    let heard_by_others = near.iter().map(|i| &ctx.events[*i]).any(|e| {
        e.node.is_some_and(|n| n != c)
            && in_time(e)
            && match &e.kind {
                Kind::VoteGranted { candidate, .. } | Kind::VoteRejected { candidate, .. } => {
                    *candidate == c && e.term == Some(term)
                }
                Kind::VoteIgnored { candidate, .. } => *candidate == c,
                Kind::TermBump { from, .. } => *from == c && e.term == Some(term),
                _ => false,
            }
    });
    if heard_by_others || answered_after_slow_sync(ctx, c, term, sent, t1) {
        return false;
    }
    let answered = near.iter().map(|i| &ctx.events[*i]).any(|e| {
        e.node == Some(c)
            && e.term == Some(term)
            && in_time(e)
            && matches!(&e.kind, Kind::VoteResponse { from, .. } if *from != c)
    });
    if answered {
        return false;
    }
    // only the logs of members that would have received its requests can show nobody
    // did: without another member's log covering the campaign, its own unanswered
    // requests may as well have been lost on the way back, or the peers down
    ctx.covered_by_other(c, t0, t1)
}

/// When a slow fdatasync of member `c` that was under way at `t0` returned.
fn own_sync_end(ctx: &Context<'_>, c: NodeId, t0: i64) -> Option<i64> {
    ctx.of_node(c, t0, t0 + 10 * SEC).find_map(|j| {
        let f = &ctx.events[j];
        match (&f.kind, f.ts) {
            (Kind::SlowFsync { took_ms: Some(ms) }, Some(tf))
                if tf.0 - (ms * 1e6) as i64 <= t0 + 100_000_000 =>
            {
                Some(tf.0)
            }
            _ => None,
        }
    })
}

/// A member answered candidate `c`'s vote request late because its own raft loop was
/// blocked in a slow fdatasync when the request arrived: it answers as soon as the sync
/// returns, so the campaign was heard and the delay was the voter's disk, not the network.
fn answered_after_slow_sync(ctx: &Context<'_>, c: NodeId, term: u64, t0: i64, t1: i64) -> bool {
    const RIGHT_AFTER: i64 = 200_000_000;
    let answers = |e: &Event| match &e.kind {
        Kind::VoteGranted { candidate, .. } | Kind::VoteRejected { candidate, .. } => {
            *candidate == c && e.term == Some(term)
        }
        Kind::VoteIgnored { candidate, .. } => *candidate == c,
        _ => false,
    };
    ctx.any(t1, t0 + 10 * SEC).any(|i| {
        let e = &ctx.events[i];
        let (Some(n), Some(ta)) = (e.node.filter(|n| *n != c), e.ts) else {
            return false;
        };
        answers(e)
            && ctx.of_node(n, ta.0 - RIGHT_AFTER, ta.0).any(|j| {
                let f = &ctx.events[j];
                match (&f.kind, f.ts) {
                    (Kind::SlowFsync { took_ms: Some(ms) }, Some(tf)) => {
                        tf.0 - (ms * 1e6) as i64 <= t0 + RIGHT_AFTER / 2
                    }
                    _ => false,
                }
            })
    })
}

/// Rule 0, for a campaign nobody heard (see [`solo`]) that did not win: the candidate was
/// cut off from the cluster.
pub(super) fn alone(ctx: &Context<'_>, c: NodeId, term: u64, at: usize) -> Finding {
    let cname = ctx.name(c);
    let t0 = ctx.events[at].ts.map(|t| t.0).unwrap_or(0);
    let mut ev = vec![at];
    // what the member and the others said about the link around then
    ev.extend(
        ctx.any(t0 - 10 * SEC, t0 + SEC)
            .filter(|i| {
                let e = &ctx.events[*i];
                match &e.kind {
                    Kind::StreamLost { peer, .. }
                    | Kind::PeerInactive { peer, .. }
                    | Kind::PeerUnreachable { peer, .. } => e.node == Some(c) || *peer == Some(c),
                    Kind::SteppedDown => e.node == Some(c),
                    _ => false,
                }
            })
            .take(4),
    );
    let confident = ev.len() > 1;
    Finding::new(
        CauseCode::Network,
        Some(c),
        if confident {
            Confidence::High
        } else {
            Confidence::Medium
        },
        format!(
            "{cname} campaigned alone for term {term}: no other member heard it (cut off from the cluster)"
        ),
        ev,
    )
}

/// Rule 1, the first election of the input: `bootstrap` when members started just
/// before, else `unknown` (the logs begin after an earlier leader was elected).
pub(super) fn first_election(ctx: &Context<'_>, row: &TermRow, start: i64) -> Finding {
    let starts: Vec<usize> = ctx
        .any(start - 120 * SEC, start)
        .filter(|i| {
            matches!(
                ctx.events[*i].kind,
                Kind::ProcessStart { .. } | Kind::RaftBoot { .. }
            )
        })
        .collect();
    let earlier_terms = ctx.events.iter().any(|e| {
        e.kind.is_raft()
            && e.term
                .is_some_and(|t| t.saturating_add(1) < row.term && t > 1)
    });
    if !starts.is_empty() && !earlier_terms {
        Finding::new(
            CauseCode::Bootstrap,
            None,
            Confidence::High,
            format!(
                "first election after the members started (term {})",
                row.term
            ),
            starts,
        )
    } else {
        let missing = super::missing_logs(ctx, None, row);
        Finding::unknown(
            format!(
                "no leader before term {} is in the logs read, so why its election began is not in the input: {}",
                row.term,
                super::needs_text(ctx, &missing, row)
            ),
            Vec::new(),
            missing,
        )
    }
}
