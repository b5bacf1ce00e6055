//! The rules for an election after a known leader (docs/causes.md rules 2 to 10), one
//! function each, named after what they find. `RULES` in `mod.rs` tries them in order and
//! the first with evidence decides; each doc comment says why the rule sits where it sits.

use super::{first_loss, refused_about, CauseCode, Confidence, Election, Finding};
use super::{RESTART_WITHIN, SEC};
use crate::event::{Event, Kind, NodeId};
use crate::lives::is_start;
use std::collections::{BTreeMap, BTreeSet};

/// Rule 2, first: a removed leader, or a removed member campaigning, explains the election
/// whatever else the old leader's lines show (a removed leader also stops, hands over or
/// goes quiet, which the later rules would take for the cause).
pub(super) fn membership_change(el: &Election<'_, '_>) -> Option<Finding> {
    let ctx = el.ctx;
    let mem: Vec<usize> =
        ctx.member_changes
            .within(el.prev_el, el.start + SEC, |i| match &ctx.events[i].kind {
                Kind::MemberChange {
                    action,
                    member,
                    from_store: false,
                    ..
                } => (*action == "removed" && *member == Some(el.l)) || *action == "removed_self",
                Kind::RemovedMemberRejected { member } => {
                    member.is_some_and(|m| el.candidates.contains(&m))
                }
                _ => false,
            });
    (!mem.is_empty()).then(|| {
        Finding::new(
            CauseCode::MembershipChange,
            Some(el.l),
            Confidence::High,
            format!(
                "leader {} was removed from the cluster (or a removed member campaigned)",
                el.lname
            ),
            mem,
        )
    })
}

/// Rule 3: a hand-over (MsgTimeoutNow, transfer lines) is the old leader's own planned
/// exit. It comes before the plain stop (rule 4) because etcd ≥ 3.3 hands over when it is
/// stopped: the stop and the hand-over together are a `leader_shutdown`, the hand-over
/// alone a `leader_transfer`.
pub(super) fn hand_over(el: &Election<'_, '_>) -> Option<Finding> {
    let transfer_ev = transfer_lines(el);
    if !el.row.transfer && transfer_ev.is_empty() {
        return None;
    }
    stopped_and_handed_over(el, &transfer_ev)
        .or_else(|| handed_over_then_gone(el, &transfer_ev))
        .or_else(|| Some(transfer(el, transfer_ev)))
}

/// The hand-over lines of the old leader's term: MsgTimeoutNow sent by it or received
/// from it, its transfer start, a move-leader request to or from it.
fn transfer_lines(el: &Election<'_, '_>) -> Vec<usize> {
    let (ctx, l) = (el.ctx, el.l);
    let window_lo = el.start - 10 * SEC;
    ctx.any(window_lo.max(el.prev_el), el.start + SEC)
        .filter(|i| {
            let e = &ctx.events[*i];
            let this_term = e.term.is_some_and(|t| t >= el.prev_term && t < el.row.term);
            match &e.kind {
                Kind::TimeoutNowReceived { from } => {
                    *from == l && e.term.map(|t| t.saturating_add(1)) == Some(el.row.term)
                }
                Kind::TransferStarted { .. } => e.node == Some(l) && this_term,
                Kind::TimeoutNowSent { .. } => e.node == Some(l),
                Kind::LeaderTransferRequested { from, .. } => e.node == Some(l) || *from == Some(l),
                _ => false,
            }
        })
        .collect()
}

/// The old leader's stop lines from its election to just after this one started: one per
/// stop, its first (the signal, else `closing etcd server` and the like).
fn stop_lines(el: &Election<'_, '_>) -> Vec<usize> {
    let ctx = el.ctx;
    let first_stops: BTreeSet<usize> = ctx
        .lives
        .get(&el.l)
        .into_iter()
        .flatten()
        .filter_map(|life| life.stop)
        .collect();
    first_stops
        .into_iter()
        .filter(|&i| {
            let e = &ctx.events[i];
            e.node == Some(el.l)
                && e.ts
                    .is_some_and(|t| (el.prev_el..=el.start + SEC).contains(&t.0))
        })
        .collect()
}

/// How the stop lines among `ev` (some of them stop lines) show a stop: a signal, or only
/// the server's later stop steps (stopped through the API or embedded, or the signal line is not in the log).
fn stop_how(el: &Election<'_, '_>, ev: &[usize]) -> &'static str {
    if ev
        .iter()
        .any(|i| matches!(el.ctx.events[*i].kind, Kind::ProcessShutdown { .. }))
    {
        "signal"
    } else {
        "its server stop lines, no signal line"
    }
}

/// A hand-over within 10 s of the old leader's stop: it was being stopped.
fn stopped_and_handed_over(el: &Election<'_, '_>, transfer_ev: &[usize]) -> Option<Finding> {
    let ctx = el.ctx;
    let mut ev: Vec<usize> = stop_lines(el)
        .into_iter()
        .filter(|i| {
            ctx.events[*i]
                .ts
                .is_some_and(|t| t.0 >= el.start - 10 * SEC)
        })
        .collect();
    if ev.is_empty() {
        return None;
    }
    ev.extend_from_slice(transfer_ev);
    let summary = format!(
        "leader {} was stopped ({}) and handed leadership over",
        el.lname,
        stop_how(el, &ev)
    );
    Some(Finding::new(
        CauseCode::LeaderShutdown,
        Some(el.l),
        Confidence::High,
        summary,
        ev,
    ))
}

/// Without the old leader's log the stop signal is not visible; a member that hands over
/// and then stops listening was being stopped.
fn handed_over_then_gone(el: &Election<'_, '_>, transfer_ev: &[usize]) -> Option<Finding> {
    if el.l_logged {
        return None;
    }
    let gone = refused_about(el.ctx, el.l, el.start, el.start + 10 * SEC);
    if gone.is_empty() {
        return None;
    }
    let mut ev = transfer_ev.to_vec();
    ev.extend(gone);
    Some(Finding::new(
        CauseCode::LeaderShutdown,
        Some(el.l),
        Confidence::Medium,
        format!("leader {} handed leadership over and then stopped accepting connections (stopped; its own log was not read)", el.lname),
        ev,
    ))
}

/// A hand-over with no stop: a planned move of leadership.
fn transfer(el: &Election<'_, '_>, transfer_ev: Vec<usize>) -> Finding {
    Finding::new(
        CauseCode::LeaderTransfer,
        Some(el.l),
        if transfer_ev.is_empty() {
            Confidence::Medium
        } else {
            Confidence::High
        },
        format!(
            "planned move of leadership away from {} (MsgTimeoutNow / move-leader)",
            el.lname
        ),
        transfer_ev,
    )
}

/// Rule 4: the old leader was stopped without a hand-over. After rule 3 (a stop with a
/// hand-over is told there), before the crash rules: a stop line means it did not crash.
pub(super) fn leader_shutdown(el: &Election<'_, '_>) -> Option<Finding> {
    let shutdown = stop_lines(el);
    if shutdown.is_empty() {
        return None;
    }
    let summary = format!(
        "leader {} was stopped ({}) before the election",
        el.lname,
        stop_how(el, &shutdown)
    );
    Some(Finding::new(
        CauseCode::LeaderShutdown,
        Some(el.l),
        Confidence::High,
        summary,
        shutdown,
    ))
}

/// Rule 5: the old leader started again after its election with no stop line (rule 4)
/// and no raft line in between: it died. Before the stall and network rules, whose lines
/// (its peers losing it) a dead leader also causes.
pub(super) fn leader_crash(el: &Election<'_, '_>) -> Option<Finding> {
    let (ctx, l, start) = (el.ctx, el.l, el.start);
    let r = restart(el)?;
    let mut ev = vec![r];
    // its last line before the election
    if let Some(last) = ctx
        .of_node(l, el.prev_el, start)
        .filter(|i| !is_start(&ctx.events[*i].kind))
        .last()
    {
        ev.insert(0, last);
    }
    ev.extend(first_loss(ctx, l, start));
    Some(Finding::new(
        CauseCode::LeaderCrash,
        Some(l),
        Confidence::High,
        format!(
            "leader {} died without a clean stop and started again",
            el.lname
        ),
        ev,
    ))
}

/// A start of the old leader after its election, with no stop before it in file order,
/// after the old leader's own `became leader` (Go-log lines carry only seconds, so time
/// alone cannot order a start against them), and silent from the election until then.
fn restart(el: &Election<'_, '_>) -> Option<usize> {
    let (ctx, l, start) = (el.ctx, el.l, el.start);
    let led_idx = ctx
        .of_term(el.prev_term)
        .iter()
        .copied()
        .find(|i| {
            let e = &ctx.events[*i];
            e.node == Some(l)
                && e.term == Some(el.prev_term)
                && matches!(e.kind, Kind::BecameLeader)
        })
        .unwrap_or(0);
    // (a restart more than RESTART_WITHIN after the election is not taken for this crash;
    // the peers' refused connections of rule 5b still tell a crash)
    ctx.starts
        .within(el.prev_el - SEC, start + RESTART_WITHIN, |i| {
            ctx.events[i].node == Some(l) && i > led_idx
        })
        .first()
        .copied()
        .filter(|r| {
            // silent from the election until it started again (a paused leader that
            // resumed would have logged raft lines in between)
            let until = ctx.events[*r].ts.map_or(i64::MAX, |t| t.0);
            ctx.of_node(l, start, until)
                .take_while(|i| i < r)
                .all(|i| !ctx.events[i].kind.is_raft())
        })
}

/// Rule 5b, without the old leader's log: its peers' connections to it were refused, so
/// its process was down (a graceful stop would have handed leadership over, rule 3). Rule 5
/// needs the leader's own start lines; this is its stand-in when they are not in the input.
pub(super) fn leader_gone(el: &Election<'_, '_>) -> Option<Finding> {
    if el.l_logged {
        return None;
    }
    let mut ev = refused_about(el.ctx, el.l, el.start - 10 * SEC, el.start + 5 * SEC);
    if ev.is_empty() {
        return None;
    }
    ev.extend(first_loss(el.ctx, el.l, el.start));
    Some(Finding::new(
        CauseCode::LeaderCrash,
        Some(el.l),
        Confidence::Medium,
        format!(
            "leader {}'s connections closed and were refused: its process went down without handing over (its own log was not read)",
            el.lname
        ),
        ev,
    ))
}

/// Rule 5c: the old leader stepped down for lack of quorum before the election: it lost
/// the majority (cut off), it did not stall. Before the stall rules: a leader that steps
/// down was running and counting its followers' silence.
pub(super) fn leader_lost_quorum(el: &Election<'_, '_>) -> Option<Finding> {
    let ctx = el.ctx;
    let mut ev: Vec<usize> = ctx.step_downs.within(el.prev_el, el.start + SEC, |i| {
        ctx.events[i].node == Some(el.l)
    });
    if ev.is_empty() {
        return None;
    }
    ev.extend(first_loss(ctx, el.l, el.start));
    Some(Finding::new(
        CauseCode::Network,
        Some(el.l),
        Confidence::High,
        format!(
            "leader {} lost contact with the majority (stepped down: quorum not active)",
            el.lname
        ),
        ev,
    ))
}

/// The lines between `lo` and `hi` where members other than `x` logged a higher term
/// from `x`.
fn bumps_by<'e>(
    el: &'e Election<'_, '_>,
    x: NodeId,
    lo: i64,
    hi: i64,
) -> impl Iterator<Item = usize> + 'e {
    el.ctx.any(lo, hi).filter(move |i| {
        let e = &el.ctx.events[*i];
        matches!(&e.kind, Kind::TermBump { from, .. } if *from == x) && e.node != Some(x)
    })
}

/// Rule 6a: a member that had campaigned alone (cut off) came back with its higher term
/// before this election was decided. Before the stall lines: a leader deposed by such a
/// term may also log late heartbeats, but the returning member is why the term changed.
/// The culprit is the member whose higher term reached the others first (it deposed
/// someone), else the one cut off first.
pub(super) fn isolated_returned(el: &Election<'_, '_>) -> Option<Finding> {
    let (ctx, l, start) = (el.ctx, el.l, el.start);
    let deposer = |x: NodeId| {
        bumps_by(el, x, start - 2 * SEC, el.decided)
            .next()
            .unwrap_or(usize::MAX)
    };
    let mut iso: Vec<(&NodeId, &Vec<usize>)> = el
        .isolated
        .iter()
        .filter(|(x, _)| **x != l || el.candidates.contains(x))
        .filter(|(x, _)| deposer(**x) != usize::MAX)
        .collect();
    iso.sort_by_key(|(x, at)| (deposer(**x), at.first().copied()));
    let (x, solo_at) = iso.first().copied()?;
    let mut ev: Vec<usize> = solo_at.iter().take(2).copied().collect();
    let deposed: Vec<usize> = bumps_by(el, *x, start - 2 * SEC, el.decided.max(start) + 60 * SEC)
        .take(3)
        .collect();
    let leader_deposed = deposed.iter().any(|i| ctx.events[*i].node == Some(l));
    ev.extend(deposed);
    Some(Finding::new(
        CauseCode::DisruptiveCandidate,
        Some(*x),
        if leader_deposed {
            Confidence::High
        } else {
            Confidence::Medium
        },
        format!(
            "{} campaigned alone while cut off (no pre-vote), then its higher term forced an election on the cluster led by {}",
            ctx.name(*x),
            el.lname
        ),
        ev,
    ))
}

/// Rule 6: the old leader's own lines show it stalled (a late heartbeat whose silence
/// covers the election start, a missed tick, a slow fdatasync of at least half an election
/// timeout). After the crash and quorum rules, which explain its silence better; before
/// the candidates' rules, since a stalled leader makes its followers campaign.
pub(super) fn leader_stall(el: &Election<'_, '_>) -> Option<Finding> {
    let (ctx, start, et) = (el.ctx, el.start, el.et);
    let mut ev: Vec<usize> = ctx
        .of_node(el.l, start - 5 * SEC, start + 60 * SEC)
        .filter(|i| {
            let e = &ctx.events[*i];
            match &e.kind {
                Kind::HeartbeatOverrun { exceeded_ms, .. } => {
                    // the late heartbeat's silence covered the election start
                    let ex = exceeded_ms.unwrap_or(0.0) * 1e6;
                    e.ts.is_some_and(|t| (t.0 as f64 - ex) <= start as f64 + et as f64)
                }
                Kind::TickMissed { .. } => true,
                Kind::SlowFsync { took_ms } => took_ms.unwrap_or(0.0) * 1e6 >= et as f64 / 2.0,
                _ => false,
            }
        })
        .collect();
    if ev.is_empty() {
        return None;
    }
    ev.extend(first_loss(ctx, el.l, start));
    Some(Finding::new(
        CauseCode::LeaderStall,
        Some(el.l),
        Confidence::High,
        format!(
            "leader {} stopped sending heartbeats in time (stalled: overload, slow disk, pause)",
            el.lname
        ),
        ev,
    ))
}

/// Rule 6b: no stall line from the old leader (rule 6), and a third member ignored a
/// candidate's vote request under the leader's lease: it still heard a working leader, so
/// the election started from a member that could not hear it (a lossy or cut link, no
/// pre-vote), not from a silent leader (a stalled one logs late heartbeats when it
/// resumes). Before the silence case, which a leader deposed this way would also match.
/// The culprit is the first such candidate; high confidence when its higher term then
/// deposed the old leader.
pub(super) fn lease_ignored(el: &Election<'_, '_>) -> Option<Finding> {
    let (ctx, l, start, decided) = (el.ctx, el.l, el.start, el.decided);
    let ignored_by_other = |c: NodeId| -> Vec<usize> {
        ctx.any(start - SEC, decided)
            .filter(|i| {
                let e = &ctx.events[*i];
                matches!(&e.kind, Kind::VoteIgnored { candidate, pre_vote: false, .. } if *candidate == c)
                    && e.node.is_some_and(|n| n != l && n != c)
            })
            .collect()
    };
    // the old leader itself logged raft activity while the candidate campaigned: alive.
    // A third member's lease alone proves nothing: its lease counts its own ticks since
    // the last heartbeat, so a paused leader's followers may still be inside it. Only
    // lines within an election timeout of the campaign count: a paused leader that
    // resumes later logs its backlog (the queued vote requests it ignores at its old
    // term), which shows it was away, not alive.
    let active = ctx
        .of_node(
            l,
            start,
            decided.min(start + el.et + super::coarse_slack(ctx, start)),
        )
        .any(|i| ctx.events[i].kind.is_raft());
    if !active {
        return None;
    }
    let (c, ignores) = el
        .candidates
        .iter()
        .filter(|c| **c != l)
        .map(|c| (*c, ignored_by_other(*c)))
        .find(|(_, v)| !v.is_empty())?;
    let deposed: Vec<usize> = ctx
        .of_node(l, start, decided.max(start) + 30 * SEC)
        .filter(|i| matches!(&ctx.events[*i].kind, Kind::TermBump { from, .. } if *from == c))
        .take(1)
        .collect();
    let mut ev: Vec<usize> = ignores.into_iter().take(2).collect();
    ev.extend(deposed.iter().copied());
    Some(Finding::new(
        CauseCode::DisruptiveCandidate,
        Some(c),
        if deposed.is_empty() {
            Confidence::Medium
        } else {
            Confidence::High
        },
        format!(
            "{} campaigned while the others still heard leader {} (they ignored its vote requests under the leader's lease){}",
            ctx.name(c),
            el.lname,
            if deposed.is_empty() { "" } else { ", and its higher term deposed the leader" }
        ),
        ev,
    ))
}

/// Rule 6, its silence case: the old leader printed nothing across the election and then
/// learned of the higher term late, from an append or heartbeat (not a vote request):
/// stalled but alive, a paused or frozen process. After rule 6b, whose leader was shown
/// alive; before the vote-request rule 7, which this one's non-vote step-down rules out.
pub(super) fn leader_silent(el: &Election<'_, '_>) -> Option<Finding> {
    if !el.l_logged {
        return None;
    }
    let (ctx, start) = (el.ctx, el.start);
    let w = ctx.of_node(el.l, start, start + 60 * SEC).find(|i| {
        matches!(ctx.events[*i].kind, Kind::TermBump { .. })
            && ctx.events[*i].term.is_some_and(|t| t >= el.row.term)
    })?;
    let e = &ctx.events[w];
    let late = e.ts.is_some_and(|t| t.0 > start + el.et / 2);
    let by_vote = matches!(&e.kind, Kind::TermBump { msg_type, .. } if msg_type.contains("Vote"));
    if !late || by_vote {
        return None;
    }
    let mut ev = vec![w];
    ev.extend(first_loss(ctx, el.l, start));
    Some(Finding::new(
        CauseCode::LeaderStall,
        Some(el.l),
        Confidence::Medium,
        format!(
            "leader {} was silent while the others elected a new leader, then learned of the higher term",
            el.lname
        ),
        ev,
    ))
}

/// Rule 7a: a candidate whose vote requests for this term were refused for its stale log
/// or ignored under the leader's lease, while the old leader was still sending (its
/// appends or heartbeats at its term reached members within an election timeout of the
/// campaign, or its own raft lines at that term), and whose higher term made a member
/// leave the leader's term: the classic disruptive member, which pre-vote stops. After
/// every rule about the old leader's own trouble (a stalled leader also keeps sending
/// once it resumes); before rule 7, which needs the leader's own step-down or an earlier
/// lonely campaign.
pub(super) fn stale_candidate(el: &Election<'_, '_>) -> Option<Finding> {
    let (ctx, l) = (el.ctx, el.l);
    let alive: Vec<usize> = ctx
        .any(
            el.start - el.et,
            el.start + el.et + super::coarse_slack(ctx, el.start),
        )
        .filter(|i| sent_by_leader(el, *i))
        .take(2)
        .collect();
    let alive = if alive.is_empty() {
        lease_renewed(el)
    } else {
        alive
    };
    if alive.is_empty() {
        return None;
    }
    let c_refused = |c: NodeId| -> (Vec<usize>, bool) {
        let mut stale = false;
        let ev = ctx
            .any(el.start - SEC, el.decided)
            .filter(|i| {
                let e = &ctx.events[*i];
                if e.kind.stale_refusal() == Some(c) && e.term == Some(el.row.term) {
                    stale = true;
                    return true;
                }
                matches!(e.kind, Kind::VoteIgnored { candidate, pre_vote: false, .. } if candidate == c)
            })
            .collect();
        (ev, stale)
    };
    el.candidates.iter().filter(|c| **c != l).find_map(|c| {
        let (refused, stale) = c_refused(*c);
        let mut deposed: Vec<usize> = bumps_by(el, *c, el.start - SEC, el.decided)
            .filter(|i| {
                // its vote request, or its answer to the leader's append or heartbeat (the
                // leader was sending); an append or heartbeat from it means it had already
                // won, not that it deposed a working leader
                let e = &ctx.events[*i];
                e.term == Some(el.row.term)
                    && matches!(&e.kind, Kind::TermBump { msg_type, .. }
                        if matches!(msg_type.as_str(), "MsgVote" | "MsgAppResp" | "MsgHeartbeatResp"))
            })
            .take(2)
            .collect();
        if deposed.is_empty() {
            deposed = unseen_deposition(el, *c);
        }
        if refused.is_empty() || deposed.is_empty() {
            return None;
        }
        let mut ev: Vec<usize> = refused.into_iter().take(2).collect();
        ev.extend(deposed);
        ev.extend(alive.iter().copied());
        Some(Finding::new(
            CauseCode::DisruptiveCandidate,
            Some(*c),
            if stale { Confidence::High } else { Confidence::Medium },
            format!(
                "{} campaigned while leader {} was still sending ({}), and its higher term made members leave the leader's term (no pre-vote)",
                ctx.name(*c),
                el.lname,
                if stale { "refused for its stale log" } else { "its vote requests ignored under the leader's lease" }
            ),
            ev,
        ))
    })
}

/// A member still at the old leader's term ignored vote requests under the lease at two
/// moments more than an election timeout apart: its lease (a leader known and heard
/// within the timeout) was renewed in between, and only the leader's appends and
/// heartbeats renew it, so the leader was sending. One such line alone proves nothing:
/// the lease counts that member's own ticks since it last heard the leader.
fn lease_renewed(el: &Election<'_, '_>) -> Vec<usize> {
    let ctx = el.ctx;
    let mut first: BTreeMap<NodeId, (usize, i64)> = BTreeMap::new();
    for i in ctx.any(el.start - el.et, el.decided) {
        let e = &ctx.events[i];
        let (Some(m), Some(t)) = (e.node, e.ts) else {
            continue;
        };
        if m == el.l
            || e.term != Some(el.prev_term)
            || !matches!(
                e.kind,
                Kind::VoteIgnored {
                    pre_vote: false,
                    ..
                }
            )
        {
            continue;
        }
        match first.get(&m) {
            Some(&(j, t0)) if t.0 - t0 > el.et => return vec![j, i],
            Some(_) => {}
            None => {
                first.insert(m, (i, t.0));
            }
        }
    }
    Vec::new()
}

/// The old leader's `became follower at T` (T at least this term) whose cause line is not
/// in the logs (its line before it is no `received a … message with higher term`), logged
/// within 200 ms of a vote request of candidate `c` reaching another member, with no
/// other member's request seen then: `c`'s higher term deposed it. With both lines.
fn unseen_deposition(el: &Election<'_, '_>, c: NodeId) -> Vec<usize> {
    const NEAR_NS: i64 = 200_000_000;
    let ctx = el.ctx;
    let asked_by = |e: &Event| match &e.kind {
        Kind::VoteIgnored { candidate, .. } | Kind::VoteRejected { candidate, .. } => {
            Some(*candidate)
        }
        Kind::TermBump { from, msg_type, .. } if msg_type.contains("Vote") => Some(*from),
        _ => None,
    };
    let mut prev_of_l: Option<usize> = None;
    for i in ctx.any(el.start - SEC, el.decided) {
        let e = &ctx.events[i];
        if e.node != Some(el.l) {
            continue;
        }
        let unexplained =
            !prev_of_l.is_some_and(|p| matches!(ctx.events[p].kind, Kind::TermBump { .. }));
        prev_of_l = Some(i);
        let (Kind::BecameFollower, Some(t), Some(at)) = (&e.kind, e.term, e.ts) else {
            continue;
        };
        if t < el.row.term || !unexplained {
            continue;
        }
        let near: Vec<usize> = ctx
            .any(at.0 - NEAR_NS, at.0 + NEAR_NS)
            .filter(|j| ctx.events[*j].node != Some(el.l))
            .filter(|j| asked_by(&ctx.events[*j]).is_some())
            .collect();
        let by: BTreeSet<NodeId> = near
            .iter()
            .filter_map(|j| asked_by(&ctx.events[*j]))
            .collect();
        if by.len() == 1 && by.contains(&c) {
            return vec![near[0], i];
        }
    }
    Vec::new()
}

/// Event `i` shows the old leader sending at its term: an append or heartbeat from it
/// received by a member, or its own raft line at that term.
fn sent_by_leader(el: &Election<'_, '_>, i: usize) -> bool {
    let e = &el.ctx.events[i];
    let from_leader =
        |from: &NodeId, m: &str| *from == el.l && matches!(m, "MsgApp" | "MsgHeartbeat");
    match &e.kind {
        Kind::LowerTermIgnored {
            from,
            msg_type,
            sender_term,
        } => from_leader(from, msg_type) && *sender_term == el.prev_term,
        Kind::TermBump { from, msg_type, .. } => from_leader(from, msg_type),
        k => e.node == Some(el.l) && k.is_raft() && e.term == Some(el.prev_term),
    }
}

/// Rule 7: a candidate's vote request deposed the working leader (or its followers, after
/// campaigning alone). After every rule about the old leader's own trouble: a higher term
/// is what any election looks like from the leader, so it is blamed on the candidate only
/// when nothing says the leader failed first.
pub(super) fn disruptive_candidate(el: &Election<'_, '_>) -> Option<Finding> {
    el.candidates
        .iter()
        .filter(|c| **c != el.l)
        .find_map(|c| deposed_by_vote(el, *c))
}

/// Candidate `c`'s vote requests gave a higher term to the old leader, or to others after
/// `c` had campaigned alone.
fn deposed_by_vote(el: &Election<'_, '_>, c: NodeId) -> Option<Finding> {
    let (ctx, l, start) = (el.ctx, el.l, el.start);
    let bumps: Vec<usize> = ctx
        .any(start - 2 * SEC, start + 2 * SEC)
        .filter(|i| {
            let e = &ctx.events[*i];
            matches!(&e.kind, Kind::TermBump { from, msg_type, .. } if *from == c && msg_type.contains("Vote"))
                && e.node.is_some()
                && e.node != Some(c)
        })
        .collect();
    // the member that campaigned had been campaigning alone before (isolated), or it
    // deposed the leader while healthy: its request reached the leader still at its own
    // term, or after an earlier message of the same member had moved it off that term (a
    // leader already at a later term for other reasons had stopped leading before)
    let moved_by_c = ctx
        .of_node(l, el.prev_el, start + 2 * SEC)
        .find(|i| matches!(&ctx.events[*i].kind, Kind::TermBump { from, old_term, .. } if *from == c && *old_term == el.prev_term));
    let leader_deposed = bumps.iter().any(|i| {
        let e = &ctx.events[*i];
        e.node == Some(l)
            && (moved_by_c.is_some()
                || matches!(e.kind, Kind::TermBump { old_term, .. } if old_term == el.prev_term))
    });
    let solo: Vec<usize> = ctx
        .of_node(c, el.prev_el, start - 1)
        .filter(|i| {
            matches!(
                ctx.events[*i].kind,
                Kind::BecameCandidate | Kind::BecamePreCandidate
            )
        })
        .collect();
    if !leader_deposed && (bumps.is_empty() || solo.is_empty()) {
        return None;
    }
    let after_solo = if solo.is_empty() {
        ""
    } else {
        " after campaigning alone (isolated, no pre-vote)"
    };
    let mut ev = solo;
    ev.truncate(2);
    ev.extend(moved_by_c);
    ev.extend(bumps);
    Some(Finding::new(
        CauseCode::DisruptiveCandidate,
        Some(c),
        if leader_deposed {
            Confidence::High
        } else {
            Confidence::Medium
        },
        format!(
            "{} forced a higher term on a working leader {}{after_solo}",
            ctx.name(c),
            el.lname
        ),
        ev,
    ))
}

/// Rule 8: the old leader stepped down around the election, or members reported lost
/// streams or inactive, unreachable or overflowing peers about it just before. Late in the
/// order because link errors are also what a stalled, crashed or deposed leader leaves.
pub(super) fn network(el: &Election<'_, '_>) -> Option<Finding> {
    let (ctx, l, start) = (el.ctx, el.l, el.start);
    let stepped: Vec<usize> = ctx
        .of_node(l, start - 5 * SEC, start + 30 * SEC)
        .filter(|i| matches!(ctx.events[*i].kind, Kind::SteppedDown))
        .collect();
    let net: Vec<usize> = ctx
        .any(start - 10 * SEC, start + SEC)
        .filter(|i| {
            let e = &ctx.events[*i];
            let about_l = |p: &Option<NodeId>| *p == Some(l) || e.node == Some(l);
            match &e.kind {
                Kind::StreamLost { peer, .. }
                | Kind::PeerInactive { peer, .. }
                | Kind::PeerUnreachable { peer, .. }
                | Kind::BufferFull { peer, .. } => about_l(peer),
                _ => false,
            }
        })
        .collect();
    if stepped.is_empty() && net.is_empty() {
        return None;
    }
    let confidence = if stepped.is_empty() {
        Confidence::Medium
    } else {
        Confidence::High
    };
    let mut ev = stepped;
    ev.extend(net.iter().take(4));
    Some(Finding::new(
        CauseCode::Network,
        Some(l),
        confidence,
        format!(
            "the followers stopped hearing leader {} over the network while it was running",
            el.lname
        ),
        ev,
    ))
}

/// Rule 9: clock-difference warnings in the minute before, and nothing stronger: skew
/// rarely ends a term by itself, so it is the last guess before `unknown`.
pub(super) fn clock_skew(el: &Election<'_, '_>) -> Option<Finding> {
    let ctx = el.ctx;
    let skew: Vec<usize> = ctx
        .any(el.start - 60 * SEC, el.start)
        .filter(|i| matches!(ctx.events[*i].kind, Kind::ClockSkew { .. }))
        .collect();
    let culprit = match &ctx.events[*skew.first()?].kind {
        Kind::ClockSkew { peer, .. } => *peer,
        _ => None,
    };
    Some(Finding::new(
        CauseCode::ClockSkew,
        culprit,
        Confidence::Low,
        "clock-difference warnings right before the election, nothing stronger".into(),
        skew,
    ))
}

/// Rule 10, when no rule has evidence: `unknown`, saying whether the old leader's log
/// was read (without it a stall, a crash and a network fault look alike).
pub(super) fn unexplained(el: &Election<'_, '_>) -> Finding {
    let missing = super::missing_logs(el.ctx, Some(el.l), el.row);
    let needs = super::needs_text(el.ctx, &missing, el.row);
    let summary = if el.l_logged {
        format!(
            "leader {}'s log shows no reason; the followers lost it ({needs})",
            el.lname
        )
    } else {
        format!("no log of the old leader {} was read: add it to tell a stall, crash or network fault apart ({needs})", el.lname)
    };
    Finding::unknown(summary, first_loss(el.ctx, el.l, el.start), missing)
}
