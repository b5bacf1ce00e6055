//! Why each election happened (design.md §5): a cause code, the culprit (the member whose
//! behaviour started it, not the one that reported it first), a confidence and the
//! evidence lines. A cause explains the election INTO its term.
//!
//! Rules, in order (the first that has evidence wins):
//! 1. no earlier leader: `bootstrap` when members started just before, else `unknown`;
//! 2. `membership_change`: the old leader was removed, or a removed member campaigned;
//! 3. planned hand-over (MsgTimeoutNow / transfer lines): `leader_shutdown` when the old
//!    leader was just being stopped (its stop signal, or without one `closing etcd server`),
//!    else `leader_transfer`;
//! 4. the old leader stopped gracefully without a hand-over: `leader_shutdown`;
//! 5. the old leader started again without a stop in between: `leader_crash`;
//! 6. the old leader's own lines show it stalled (late heartbeats, missed ticks, slow
//!    fsync, or silence across the election followed by a higher-term step-down):
//!    `leader_stall`;
//! 7. a healthy leader was deposed by a higher-term vote request from a member that had
//!    not lost it: `disruptive_candidate`;
//! 8. the leader lost quorum, or members report lost streams / inactive peers around
//!    the election: `network`;
//! 9. clock-difference warnings right before and nothing stronger: `clock_skew`;
//! 10. otherwise `unknown`, saying which logs are missing.

use crate::event::{hex, Event, Kind, NodeId};
use crate::lives::Life;
use crate::report::{Cause, Evidence, TermRow};
use crate::time::Instant;
use std::collections::{BTreeMap, BTreeSet};

/// What the classifier needs besides the events.
pub struct Context<'a> {
    /// Events in merged order.
    pub events: &'a [Event],
    /// Input names by index.
    pub input_names: &'a [String],
    /// Display names.
    pub names: &'a BTreeMap<NodeId, String>,
    /// Members whose own log was read.
    pub has_log: &'a BTreeSet<NodeId>,
    /// Election timeout per member, when known (ms).
    pub election_ms: f64,
    /// Every member known (with a log or named by others).
    pub members: &'a BTreeSet<NodeId>,
    /// Each member's process lifetimes.
    pub lives: BTreeMap<NodeId, Vec<Life>>,
    /// Voter sets logged (`switched to configuration`), by event index.
    confs: Vec<(usize, BTreeSet<NodeId>)>,
    /// (time, index) of the events with a time, sorted: time windows are found by
    /// binary search, not by a scan of every event (a storm has millions).
    by_time: Vec<(i64, usize)>,
    /// Indices of the events of each term, in merged order.
    by_term: std::collections::HashMap<u64, Vec<usize>>,
}

const SEC: i64 = 1_000_000_000;

/// A crashed leader's restart is looked for up to this long after the election.
const RESTART_WITHIN: i64 = 300 * SEC;

fn id_of(s: &Option<String>) -> Option<NodeId> {
    s.as_deref().and_then(|x| u64::from_str_radix(x, 16).ok())
}

impl<'a> Context<'a> {
    /// A context over `events` (in merged order).
    pub fn new(
        events: &'a [Event],
        input_names: &'a [String],
        names: &'a BTreeMap<NodeId, String>,
        has_log: &'a BTreeSet<NodeId>,
        members: &'a BTreeSet<NodeId>,
        election_ms: f64,
    ) -> Self {
        let mut by_time: Vec<(i64, usize)> = events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.ts.map(|t| (t.0, i)))
            .collect();
        by_time.sort_unstable();
        let mut by_term: std::collections::HashMap<u64, Vec<usize>> = Default::default();
        for (i, e) in events.iter().enumerate() {
            if let Some(t) = e.term {
                by_term.entry(t).or_default().push(i);
            }
        }
        Context {
            events,
            input_names,
            names,
            has_log,
            election_ms,
            members,
            lives: crate::lives::lives(events),
            confs: events
                .iter()
                .enumerate()
                .filter_map(|(i, e)| match &e.kind {
                    Kind::ConfigChange { voters, .. } if !voters.is_empty() => {
                        Some((i, voters.iter().copied().collect()))
                    }
                    _ => None,
                })
                .collect(),
            by_time,
            by_term,
        }
    }

    /// Indices (in merged order) of the events of `term`.
    pub fn of_term(&self, term: u64) -> &[usize] {
        self.by_term.get(&term).map_or(&[], Vec::as_slice)
    }

    /// Indices (in merged order) of the events with time in [from, to].
    pub fn in_time(&self, from: i64, to: i64) -> Vec<usize> {
        if from > to {
            return Vec::new();
        }
        let lo = self.by_time.partition_point(|(t, _)| *t < from);
        let hi = self.by_time.partition_point(|(t, _)| *t <= to);
        let mut v: Vec<usize> = self.by_time[lo..hi].iter().map(|x| x.1).collect();
        v.sort_unstable();
        v
    }
}

impl Context<'_> {
    fn ev(&self, i: usize) -> Evidence {
        Evidence::of(&self.events[i], self.input_names)
    }

    fn name(&self, id: NodeId) -> String {
        self.names.get(&id).cloned().unwrap_or_else(|| hex(id))
    }

    /// Indices of events of `node` with time in [from, to].
    fn of_node(&self, node: NodeId, from: i64, to: i64) -> impl Iterator<Item = usize> + '_ {
        self.in_time(from, to)
            .into_iter()
            .filter(move |i| self.events[*i].node == Some(node))
    }

    /// Indices of events of anyone with time in [from, to].
    fn any(&self, from: i64, to: i64) -> impl Iterator<Item = usize> + '_ {
        self.in_time(from, to).into_iter()
    }
}

fn mk(
    ctx: &Context<'_>,
    code: &str,
    culprit: Option<NodeId>,
    confidence: &str,
    summary: String,
    evidence: Vec<usize>,
) -> Cause {
    let mut seen = BTreeSet::new();
    let ev: Vec<Evidence> = evidence
        .into_iter()
        .filter(|i| seen.insert(*i))
        .take(6)
        .map(|i| ctx.ev(i))
        .collect();
    Cause {
        code: code.to_string(),
        culprit: culprit.map(hex),
        culprit_name: culprit.and_then(|c| ctx.names.get(&c).cloned()),
        confidence: confidence.to_string(),
        summary,
        evidence: ev,
        stopped_members: None,
        planned: None,
    }
}

/// Classify every term that had an election (a campaign) or a new leader.
pub fn classify(ctx: &Context<'_>, rows: &mut [TermRow]) {
    let et = (ctx.election_ms.max(100.0) * 1e6) as i64; // election timeout in ns
    let mut prev_led: Option<usize> = None;
    // members that campaigned alone (nobody heard them) since the last leader
    let mut isolated: BTreeMap<NodeId, Vec<usize>> = BTreeMap::new();
    for i in 0..rows.len() {
        let is_election = !rows[i].candidates.is_empty() || rows[i].leader.is_some();
        if !is_election {
            continue;
        }
        let start = rows[i].started_at.or(rows[i].elected_at).map(|t| t.0);
        let campaigns = campaigns(ctx, rows[i].term);
        let leader = id_of(&rows[i].leader);
        // the first campaign for this term, when nobody heard it and it did not win
        let first_solo = campaigns
            .first()
            .filter(|(c, at)| leader != Some(*c) && solo(ctx, *c, rows[i].term, *at, et))
            .copied();
        let lost = quorum_lost(ctx, &rows[i], &campaigns);
        let in_vain = lost.is_some();
        let cause = match (start, prev_led, first_solo) {
            (None, _, _) => None,
            _ if in_vain => lost,
            // members that start together campaign before their peers listen: an
            // unanswered campaign is part of the bootstrap, not a member cut off
            (Some(s), None, solo) => Some(first_election(ctx, &rows[i], s))
                .filter(|c| c.code == "bootstrap" || solo.is_none())
                .or_else(|| solo.map(|(c, at)| alone(ctx, c, rows[i].term, at))),
            (Some(_), Some(_), Some((c, at))) => Some(alone(ctx, c, rows[i].term, at)),
            (Some(s), Some(p), None) => {
                Some(classify_one(ctx, &rows[p], &rows[i], s, et, &isolated))
            }
        };
        let bootstrap = cause.as_ref().is_some_and(|c| c.code == "bootstrap");
        rows[i].cause = cause;
        if rows[i].leader.is_some() {
            prev_led = Some(i);
            isolated.clear();
        }
        // a member cut off while this term was won elsewhere keeps campaigning alone (one
        // left without a quorum was not cut off: nobody was there to hear it)
        for (c, at) in campaigns.iter().filter(|_| !in_vain && !bootstrap) {
            if leader != Some(*c) && solo(ctx, *c, rows[i].term, *at, et) {
                isolated.entry(*c).or_default().push(*at);
            }
        }
    }
}

/// Rule 0, for a term nobody won: when it was first campaigned for, too few members were
/// running for a quorum (the others stopped, or their logs had ended). No network claim:
/// nobody was there to hear the candidate.
fn quorum_lost(ctx: &Context<'_>, row: &TermRow, campaigns: &[(NodeId, usize)]) -> Option<Cause> {
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
    let gone = down
        .iter()
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
        .join(", ");
    let mut ev: Vec<usize> = down.iter().map(|(_, l)| l.stop.unwrap_or(l.last)).collect();
    ev.push(at);
    let mut cause = mk(
        ctx,
        "quorum_lost",
        None,
        if planned { "high" } else { "medium" },
        format!(
            "only {running} of {} members were running when {} campaigned for term {} ({quorum} needed): {gone}; no election could succeed until enough of them were back",
            voters.len(),
            ctx.name(c),
            row.term
        ),
        ev,
    );
    cause.stopped_members = Some(down.iter().map(|(n, _)| hex(*n)).collect());
    cause.planned = Some(planned);
    Some(cause)
}

/// How the stop lines among `ev` (some of them stop lines) show a stop: a signal, or only
/// the server's later stop steps (stopped through the API or embedded, or the signal line is not in the log).
fn stop_how(ctx: &Context<'_>, ev: &[usize]) -> &'static str {
    if ev
        .iter()
        .any(|i| matches!(ctx.events[*i].kind, Kind::ProcessShutdown { .. }))
    {
        "signal"
    } else {
        "its server stop lines, no signal line"
    }
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
fn campaigns(ctx: &Context<'_>, term: u64) -> Vec<(NodeId, usize)> {
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

/// Nobody heard candidate `c`'s campaign for `term`: no other member logged a vote
/// decision about it or a higher term from it, and `c` got no answer from anyone. Needs
/// at least one other member's log (or `c`'s own, showing no answers).
fn solo(ctx: &Context<'_>, c: NodeId, term: u64, at: usize, et: i64) -> bool {
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
    // with neither its own log nor anyone else's, nothing can be said
    ctx.has_log.iter().any(|n| *n != c) || ctx.has_log.contains(&c)
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

fn alone(ctx: &Context<'_>, c: NodeId, term: u64, at: usize) -> Cause {
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
    mk(
        ctx,
        "network",
        Some(c),
        if confident { "high" } else { "medium" },
        format!(
            "{cname} campaigned alone for term {term}: no other member heard it (cut off from the cluster{})",
            if ctx.has_log.len() > 1 { "" } else { "; only its own log was read" }
        ),
        ev,
    )
}

fn first_election(ctx: &Context<'_>, row: &TermRow, start: i64) -> Cause {
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
        mk(
            ctx,
            "bootstrap",
            None,
            "high",
            format!(
                "first election after the members started (term {})",
                row.term
            ),
            starts,
        )
    } else {
        mk(
            ctx,
            "unknown",
            None,
            "low",
            format!(
                "the logs begin after the leader before term {} was elected: its cause is not in the input",
                row.term
            ),
            Vec::new(),
        )
    }
}

fn classify_one(
    ctx: &Context<'_>,
    prev: &TermRow,
    row: &TermRow,
    start: i64,
    et: i64,
    isolated: &BTreeMap<NodeId, Vec<usize>>,
) -> Cause {
    let old = id_of(&prev.leader);
    let new = id_of(&row.leader);
    let prev_el = prev.elected_at.map(|t| t.0).unwrap_or(start - 3600 * SEC);
    let candidates: Vec<NodeId> = row
        .candidates
        .iter()
        .filter_map(|c| u64::from_str_radix(c, 16).ok())
        .collect();
    let Some(l) = old else {
        return mk(
            ctx,
            "unknown",
            None,
            "low",
            "no earlier leader is known".into(),
            Vec::new(),
        );
    };
    let lname = ctx.name(l);
    let l_logged = ctx.has_log.contains(&l);

    // 2. membership change
    let mem: Vec<usize> = ctx
        .any(prev_el, start + SEC)
        .filter(|i| match &ctx.events[*i].kind {
            Kind::MemberChange {
                action,
                member,
                from_store: false,
                ..
            } => (*action == "removed" && *member == Some(l)) || *action == "removed_self",
            Kind::RemovedMemberRejected { member } => {
                member.is_some_and(|m| candidates.contains(&m))
            }
            _ => false,
        })
        .collect();
    if !mem.is_empty() {
        return mk(
            ctx,
            "membership_change",
            Some(l),
            "high",
            format!("leader {lname} was removed from the cluster (or a removed member campaigned)"),
            mem,
        );
    }

    // 3. planned hand-over
    let window_lo = start - 10 * SEC;
    let transfer_ev: Vec<usize> = ctx
        .any(window_lo.max(prev_el), start + SEC)
        .filter(|i| {
            let e = &ctx.events[*i];
            let this_term = e.term.is_some_and(|t| t >= prev.term && t < row.term);
            match &e.kind {
                Kind::TimeoutNowReceived { from } => {
                    *from == l && e.term.map(|t| t.saturating_add(1)) == Some(row.term)
                }
                Kind::TransferStarted { .. } => e.node == Some(l) && this_term,
                Kind::TimeoutNowSent { .. } => e.node == Some(l),
                Kind::LeaderTransferRequested { from, .. } => e.node == Some(l) || *from == Some(l),
                _ => false,
            }
        })
        .collect();
    // one line per stop, its first: the signal, else `closing etcd server` and the like
    let first_stops: BTreeSet<usize> = ctx
        .lives
        .get(&l)
        .into_iter()
        .flatten()
        .filter_map(|life| life.stop)
        .collect();
    let shutdown: Vec<usize> = ctx
        .of_node(l, prev_el, start + SEC)
        .filter(|i| first_stops.contains(i))
        .collect();
    if row.transfer || !transfer_ev.is_empty() {
        let recent_stop: Vec<usize> = shutdown
            .iter()
            .copied()
            .filter(|i| ctx.events[*i].ts.is_some_and(|t| t.0 >= start - 10 * SEC))
            .collect();
        if !recent_stop.is_empty() {
            let mut ev = recent_stop;
            ev.extend(transfer_ev);
            return mk(
                ctx,
                "leader_shutdown",
                Some(l),
                "high",
                format!(
                    "leader {lname} was stopped ({}) and handed leadership over",
                    stop_how(ctx, &ev)
                ),
                ev,
            );
        }
        if !l_logged {
            // without its log the stop signal is not visible; a member that hands over and
            // then stops listening was being stopped
            let gone = refused_about(ctx, l, start, start + 10 * SEC);
            if !gone.is_empty() {
                let mut ev = transfer_ev;
                ev.extend(gone);
                return mk(
                    ctx,
                    "leader_shutdown",
                    Some(l),
                    "medium",
                    format!("leader {lname} handed leadership over and then stopped accepting connections (stopped; its own log was not read)"),
                    ev,
                );
            }
        }
        return mk(
            ctx,
            "leader_transfer",
            Some(l),
            if transfer_ev.is_empty() {
                "medium"
            } else {
                "high"
            },
            format!("planned move of leadership away from {lname} (MsgTimeoutNow / move-leader)"),
            transfer_ev,
        );
    }
    // 4. graceful stop without hand-over
    if !shutdown.is_empty() {
        return mk(
            ctx,
            "leader_shutdown",
            Some(l),
            "high",
            format!(
                "leader {lname} was stopped ({}) before the election",
                stop_how(ctx, &shutdown)
            ),
            shutdown,
        );
    }
    // 5. crash: a start of the old leader after its election, with no stop before it
    // in file order, after the old leader's own `became leader` (Go-log lines carry
    // only seconds, so time alone cannot order a start against them)
    let led_idx = ctx
        .of_term(prev.term)
        .iter()
        .copied()
        .find(|i| {
            let e = &ctx.events[*i];
            e.node == Some(l) && e.term == Some(prev.term) && matches!(e.kind, Kind::BecameLeader)
        })
        .unwrap_or(0);
    // (a restart more than RESTART_WITHIN after the election is not taken for this crash;
    // the peers' refused connections below still tell a crash)
    let restart: Option<usize> = ctx
        .of_node(l, prev_el - SEC, start + RESTART_WITHIN)
        .filter(|i| *i > led_idx)
        .find(|i| is_start(&ctx.events[*i].kind))
        .filter(|r| {
            // silent from the election until it started again (a paused leader that
            // resumed would have logged raft lines in between)
            let until = ctx.events[*r].ts.map_or(i64::MAX, |t| t.0);
            ctx.of_node(l, start, until)
                .take_while(|i| i < r)
                .all(|i| !ctx.events[i].kind.is_raft())
        });
    if let Some(r) = restart {
        let mut ev = vec![r];
        // its last line before the election
        if let Some(last) = ctx
            .of_node(l, prev_el, start)
            .filter(|i| !is_start(&ctx.events[*i].kind))
            .last()
        {
            ev.insert(0, last);
        }
        ev.extend(first_loss(ctx, l, start));
        return mk(
            ctx,
            "leader_crash",
            Some(l),
            "high",
            format!("leader {lname} died without a clean stop and started again"),
            ev,
        );
    }
    // 5b. without the old leader's log: its peers' connections to it were refused, so its
    // process was down (a graceful stop would have handed leadership over)
    if !l_logged {
        let gone = refused_about(ctx, l, start - 10 * SEC, start + 5 * SEC);
        if !gone.is_empty() {
            let mut ev = gone;
            ev.extend(first_loss(ctx, l, start));
            return mk(
                ctx,
                "leader_crash",
                Some(l),
                "medium",
                format!(
                    "leader {lname}'s connections closed and were refused: its process went down without handing over (its own log was not read)"
                ),
                ev,
            );
        }
    }
    // 5c. the old leader stepped down for lack of quorum before the election: it lost the
    // majority (cut off), it did not stall
    let quorum_loss: Vec<usize> = ctx
        .of_node(l, prev_el, start + SEC)
        .filter(|i| matches!(ctx.events[*i].kind, Kind::SteppedDown))
        .collect();
    if !quorum_loss.is_empty() {
        let mut ev = quorum_loss;
        ev.extend(first_loss(ctx, l, start));
        return mk(
            ctx,
            "network",
            Some(l),
            "high",
            format!(
                "leader {lname} lost contact with the majority (stepped down: quorum not active)"
            ),
            ev,
        );
    }
    // 6a. a member that had campaigned alone (cut off) came back with its higher term
    // the member whose higher term reached the others first (it deposed someone), else the
    // one cut off first; only a member whose higher term reached the others before this
    // election was decided
    let decided = row.elected_at.map(|t| t.0).unwrap_or(start + 10 * SEC);
    let deposer = |x: NodeId| {
        ctx.any(start - 2 * SEC, decided)
            .find(|i| {
                let e = &ctx.events[*i];
                matches!(&e.kind, Kind::TermBump { from, .. } if *from == x) && e.node != Some(x)
            })
            .unwrap_or(usize::MAX)
    };
    let mut iso: Vec<(&NodeId, &Vec<usize>)> = isolated
        .iter()
        .filter(|(x, _)| **x != l || candidates.contains(x))
        .filter(|(x, _)| deposer(**x) != usize::MAX)
        .collect();
    iso.sort_by_key(|(x, at)| (deposer(**x), at.first().copied()));
    if let Some((x, solo_at)) = iso.first().copied() {
        let xname = ctx.name(*x);
        let mut ev: Vec<usize> = solo_at.iter().take(2).copied().collect();
        let deposed: Vec<usize> = ctx
            .any(start - 2 * SEC, decided.max(start) + 60 * SEC)
            .filter(|i| {
                let e = &ctx.events[*i];
                matches!(&e.kind, Kind::TermBump { from, .. } if from == x) && e.node != Some(*x)
            })
            .take(3)
            .collect();
        let leader_deposed = deposed.iter().any(|i| ctx.events[*i].node == Some(l));
        ev.extend(deposed);
        return mk(
            ctx,
            "disruptive_candidate",
            Some(*x),
            if leader_deposed { "high" } else { "medium" },
            format!(
                "{xname} campaigned alone while cut off (no pre-vote), then its higher term forced an election on the cluster led by {lname}"
            ),
            ev,
        );
    }
    // 6. stall evidence on the old leader
    let stall: Vec<usize> = ctx
        .of_node(l, start - 5 * SEC, start + 60 * SEC)
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
    if !stall.is_empty() {
        let mut ev = stall;
        ev.extend(first_loss(ctx, l, start));
        return mk(
            ctx,
            "leader_stall",
            Some(l),
            "high",
            format!("leader {lname} stopped sending heartbeats in time (stalled: overload, slow disk, pause)"),
            ev,
        );
    }
    // 6b. no stall line from the old leader, and a third member ignored a candidate's vote
    // request under the leader's lease: it still heard a working leader, so the election
    // started from a member that could not hear it (a lossy or cut link, no pre-vote), not
    // from a silent leader (a stalled one logs late heartbeats when it resumes: rule 6)
    if let Some(c) = lease_ignored(ctx, l, &candidates, start, decided) {
        return c;
    }
    // silence across the election, then a higher-term step-down = stalled but alive
    if l_logged {
        let before = ctx
            .of_node(l, start - 10 * SEC, start)
            .filter(|i| ctx.events[*i].kind.is_raft())
            .count();
        let woke: Option<usize> = ctx.of_node(l, start, start + 60 * SEC).find(|i| {
            matches!(ctx.events[*i].kind, Kind::TermBump { .. })
                && ctx.events[*i].term.is_some_and(|t| t >= row.term)
        });
        if let Some(w) = woke {
            let e = &ctx.events[w];
            let late = e.ts.is_some_and(|t| t.0 > start + et / 2);
            let by_vote =
                matches!(&e.kind, Kind::TermBump { msg_type, .. } if msg_type.contains("Vote"));
            if late && !by_vote {
                let mut ev = vec![w];
                ev.extend(first_loss(ctx, l, start));
                let _ = before;
                return mk(
                    ctx,
                    "leader_stall",
                    Some(l),
                    "medium",
                    format!(
                        "leader {lname} was silent while the others elected a new leader, then learned of the higher term"
                    ),
                    ev,
                );
            }
        }
    }
    // 7. disruptive candidate: the leader (or its followers) was deposed by a vote request
    for c in &candidates {
        if *c == l {
            continue;
        }
        let bumps: Vec<usize> = ctx
            .any(start - 2 * SEC, start + 2 * SEC)
            .filter(|i| {
                let e = &ctx.events[*i];
                matches!(&e.kind, Kind::TermBump { from, msg_type, .. } if from == c && msg_type.contains("Vote"))
                    && e.node.is_some()
                    && e.node != Some(*c)
            })
            .collect();
        // the member that campaigned had been campaigning alone before (isolated), or the
        // leader itself was deposed while healthy
        let leader_deposed = bumps.iter().any(|i| ctx.events[*i].node == Some(l));
        let solo: Vec<usize> = ctx
            .of_node(*c, prev_el, start - 1)
            .filter(|i| {
                matches!(
                    ctx.events[*i].kind,
                    Kind::BecameCandidate | Kind::BecamePreCandidate
                )
            })
            .collect();
        if leader_deposed || (!bumps.is_empty() && !solo.is_empty()) {
            let mut ev = solo.clone();
            ev.truncate(2);
            ev.extend(bumps);
            let cname = ctx.name(*c);
            return mk(
                ctx,
                "disruptive_candidate",
                Some(*c),
                if leader_deposed { "high" } else { "medium" },
                format!(
                    "{cname} forced a higher term on a working leader {lname}{}",
                    if solo.is_empty() {
                        ""
                    } else {
                        " after campaigning alone (isolated, no pre-vote)"
                    }
                ),
                ev,
            );
        }
    }
    // 8. network
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
    if !stepped.is_empty() || !net.is_empty() {
        let mut ev = stepped.clone();
        ev.extend(net.iter().take(4));
        return mk(
            ctx,
            "network",
            Some(l),
            if !stepped.is_empty() { "high" } else { "medium" },
            format!("the followers stopped hearing leader {lname} over the network while it was running"),
            ev,
        );
    }
    // 9. clock skew
    let skew: Vec<usize> = ctx
        .any(start - 60 * SEC, start)
        .filter(|i| matches!(ctx.events[*i].kind, Kind::ClockSkew { .. }))
        .collect();
    if !skew.is_empty() {
        let culprit = match &ctx.events[skew[0]].kind {
            Kind::ClockSkew { peer, .. } => *peer,
            _ => None,
        };
        return mk(
            ctx,
            "clock_skew",
            culprit,
            "low",
            "clock-difference warnings right before the election, nothing stronger".into(),
            skew,
        );
    }
    // 10. unknown
    let _ = new;
    let loss = first_loss(ctx, l, start);
    mk(
        ctx,
        "unknown",
        None,
        "low",
        if l_logged {
            format!("leader {lname}'s log shows no reason; the followers lost it")
        } else {
            format!("no log of the old leader {lname} was read: add it to tell a stall, crash or network fault apart")
        },
        loss,
    )
}

/// Rule 6b: the first candidate (not the old leader `l`) whose MsgVote for this election
/// a third member ignored because its leader's lease had not expired. The culprit is that
/// candidate; high confidence when its higher term then deposed `l`.
fn lease_ignored(
    ctx: &Context<'_>,
    l: NodeId,
    candidates: &[NodeId],
    start: i64,
    decided: i64,
) -> Option<Cause> {
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
    // the last heartbeat, so a paused leader's followers may still be inside it.
    let active = ctx
        .of_node(l, start, decided)
        .any(|i| ctx.events[i].kind.is_raft());
    if !active {
        return None;
    }
    let (c, ignores) = candidates
        .iter()
        .filter(|c| **c != l)
        .map(|c| (*c, ignored_by_other(*c)))
        .find(|(_, v)| !v.is_empty())?;
    let deposed: Vec<usize> = ctx
        .of_node(l, start, decided.max(start) + 30 * SEC)
        .filter(|i| matches!(&ctx.events[*i].kind, Kind::TermBump { from, .. } if *from == c))
        .take(1)
        .collect();
    let (cname, lname) = (ctx.name(c), ctx.name(l));
    let mut ev: Vec<usize> = ignores.into_iter().take(2).collect();
    ev.extend(deposed.iter().copied());
    Some(mk(
        ctx,
        "disruptive_candidate",
        Some(c),
        if deposed.is_empty() { "medium" } else { "high" },
        format!(
            "{cname} campaigned while the others still heard leader {lname} (they ignored its vote requests under the leader's lease){}",
            if deposed.is_empty() { "" } else { ", and its higher term deposed the leader" }
        ),
        ev,
    ))
}

pub use crate::lives::is_start;

/// Other members' link errors about `l` that say its process was gone.
pub fn refused_about(ctx: &Context<'_>, l: NodeId, from: i64, to: i64) -> Vec<usize> {
    ctx.any(from, to)
        .filter(|i| {
            let e = &ctx.events[*i];
            let about = match &e.kind {
                Kind::StreamLost { peer, .. }
                | Kind::PeerInactive { peer, .. }
                | Kind::PeerUnreachable { peer, .. } => *peer == Some(l),
                _ => false,
            };
            about && e.node != Some(l) && e.kind.peer_gone()
        })
        .take(3)
        .collect()
}

/// The first member (other than `l`) that lost `l` around `start`.
fn first_loss(ctx: &Context<'_>, l: NodeId, start: i64) -> Vec<usize> {
    ctx.any(start - 5 * SEC, start + 5 * SEC)
        .filter(|i| {
            let e = &ctx.events[*i];
            e.node != Some(l) && matches!(&e.kind, Kind::LostLeader { leader } if *leader == l)
        })
        .take(1)
        .collect()
}

/// Whether a term's cause makes it a planned change (not counted in storms): a transfer,
/// a graceful stop of the leader, or the campaigns of members left without a quorum by
/// stops (a maintenance or a rolling restart).
pub fn planned(row: &TermRow) -> bool {
    row.cause.as_ref().is_some_and(|c| match c.code.as_str() {
        "leader_transfer" | "leader_shutdown" => true,
        "quorum_lost" => c.planned == Some(true),
        _ => false,
    })
}

/// For leaderless windows: when the old leader's own late-heartbeat report shows it went
/// silent before the followers noticed, the window really began then.
pub fn stall_start(
    ctx: &Context<'_>,
    leader: NodeId,
    from: Instant,
    to: Instant,
) -> Option<Instant> {
    ctx.of_node(leader, from.0, to.0 + 60 * SEC)
        .filter_map(|i| {
            let e = &ctx.events[i];
            match &e.kind {
                Kind::HeartbeatOverrun {
                    exceeded_ms: Some(x),
                    ..
                } => e.ts.map(|t| Instant(t.0 - (*x * 1e6) as i64)),
                _ => None,
            }
        })
        .filter(|s| *s < from)
        .min()
}

#[cfg(test)]
mod tests {
    //! The rules on small event streams: one input per member, times in ms.
    use crate::event::{Event, Kind, NodeId, Origin, StopStep};
    use crate::ingest::{InputResult, InputSummary};
    use crate::model::{analyze, ModelOptions};
    use crate::time::Instant;

    const A: NodeId = 0xa;
    const B: NodeId = 0xb;
    const C: NodeId = 0xc;

    struct Log(Vec<(NodeId, Vec<Event>)>, NodeId);

    impl Log {
        fn new() -> Log {
            Log(vec![(A, vec![]), (B, vec![]), (C, vec![])], 0)
        }
        fn at(&mut self, ms: i64, node: NodeId, term: Option<u64>, kind: Kind) -> &mut Self {
            let slot = self.0.iter_mut().find(|(n, _)| *n == node).unwrap();
            let line = slot.1.len() as u64 + 1;
            slot.1.push(Event {
                ts: Some(Instant(ms * 1_000_000)),
                node: Some(node),
                term,
                kind,
                origin: Origin { input: 0, line },
                coarse_ts: false,
            });
            self
        }
        /// Every member starts, `leader` wins term 2 with everyone's votes.
        fn boot(leader: NodeId) -> Log {
            let mut l = Log::new();
            for n in [A, B, C] {
                l.at(0, n, None, Kind::ProcessStart { version: None });
                l.at(1, n, Some(1), Kind::BecameFollower);
            }
            l.at(1000, leader, Some(2), Kind::BecameCandidate);
            for n in [A, B, C].into_iter().filter(|n| *n != leader) {
                l.at(
                    1001,
                    n,
                    Some(2),
                    Kind::VoteGranted {
                        candidate: leader,
                        pre_vote: false,
                    },
                );
            }
            l.at(1002, leader, Some(2), Kind::BecameLeader);
            for n in [A, B, C] {
                l.at(1003, n, Some(2), Kind::ElectedLeader { leader });
            }
            l.1 = leader;
            l
        }
        /// `winner` is elected into `term` at `ms` by the two others' votes.
        fn elect(&mut self, ms: i64, winner: NodeId, term: u64, voters: &[NodeId]) -> &mut Self {
            let old = self.1;
            self.at(ms, winner, Some(term - 1), Kind::ElectionStarted);
            self.at(ms, winner, Some(term), Kind::BecameCandidate);
            self.at(ms, winner, Some(term), Kind::LostLeader { leader: old });
            for v in voters {
                self.at(
                    ms + 1,
                    *v,
                    Some(term),
                    Kind::VoteGranted {
                        candidate: winner,
                        pre_vote: false,
                    },
                );
                if *v != old {
                    self.at(ms + 1, *v, Some(term), Kind::LostLeader { leader: old });
                }
                self.at(
                    ms + 2,
                    *v,
                    Some(term),
                    Kind::ElectedLeader { leader: winner },
                );
            }
            self.at(ms + 2, winner, Some(term), Kind::BecameLeader);
            self.1 = winner;
            self
        }
        fn run(&self, without: &[NodeId]) -> crate::model::Analysis {
            let inputs: Vec<InputResult> = self
                .0
                .iter()
                .filter(|(n, _)| !without.contains(n))
                .enumerate()
                .map(|(i, (n, evs))| {
                    let mut evs = evs.clone();
                    for e in evs.iter_mut() {
                        e.origin.input = i as u32;
                    }
                    InputResult {
                        summary: InputSummary {
                            name: format!("{n:x}.log"),
                            ..Default::default()
                        },
                        events: evs,
                        raw: Vec::new(),
                    }
                })
                .collect();
            analyze(inputs, &ModelOptions::default())
        }
    }

    fn cause(a: &crate::model::Analysis, term: u64) -> (String, Option<String>, String) {
        let c = a
            .report
            .terms
            .iter()
            .find(|t| t.term == term)
            .unwrap()
            .cause
            .clone()
            .unwrap();
        (c.code, c.culprit, c.confidence)
    }

    fn h(n: NodeId) -> Option<String> {
        Some(format!("{n:x}"))
    }

    #[test]
    fn bootstrap_then_planned_transfer() {
        let mut l = Log::boot(A);
        l.at(5000, A, Some(2), Kind::TransferStarted { to: B });
        l.at(5001, B, Some(2), Kind::TimeoutNowReceived { from: A });
        l.elect(5001, B, 3, &[A, C]);
        let a = l.run(&[]);
        assert_eq!(cause(&a, 2).0, "bootstrap");
        assert_eq!(
            cause(&a, 3),
            ("leader_transfer".into(), h(A), "high".into())
        );
    }

    #[test]
    fn a_hand_over_after_a_stop_signal_is_a_shutdown() {
        let mut l = Log::boot(A);
        l.at(
            5000,
            A,
            None,
            Kind::ProcessShutdown {
                signal: Some("terminated".into()),
            },
        );
        l.at(5000, A, Some(2), Kind::TransferStarted { to: B });
        l.at(5001, B, Some(2), Kind::TimeoutNowReceived { from: A });
        l.elect(5001, B, 3, &[A, C]);
        let a = l.run(&[]);
        assert_eq!(
            cause(&a, 3),
            ("leader_shutdown".into(), h(A), "high".into())
        );
    }

    /// The same hand-over when the leader's log has no signal line, only `closing etcd
    /// server` (stopped through the API, embedded etcd, or the line was lost).
    #[test]
    fn a_hand_over_after_closing_etcd_server_is_a_shutdown() {
        let mut l = Log::boot(A);
        l.at(
            5000,
            A,
            None,
            Kind::ServerStop {
                step: StopStep::Closing,
            },
        );
        l.at(5000, A, Some(2), Kind::TransferStarted { to: B });
        l.at(5001, B, Some(2), Kind::TimeoutNowReceived { from: A });
        l.elect(5001, B, 3, &[A, C]);
        let a = l.run(&[]);
        assert_eq!(
            cause(&a, 3),
            ("leader_shutdown".into(), h(A), "high".into())
        );
        let t = a.report.terms.iter().find(|t| t.term == 3).unwrap();
        let summary = &t.cause.as_ref().unwrap().summary;
        assert!(summary.contains("no signal line"), "{summary}");
        assert!(crate::cause::planned(t));
    }

    #[test]
    fn a_restart_without_a_stop_is_a_crash() {
        let mut l = Log::boot(A);
        l.elect(7000, B, 3, &[C]);
        l.at(9000, A, None, Kind::ProcessStart { version: None });
        l.at(9001, A, Some(3), Kind::BecameFollower);
        let a = l.run(&[]);
        assert_eq!(cause(&a, 3), ("leader_crash".into(), h(A), "high".into()));
    }

    #[test]
    fn silence_then_a_higher_term_is_a_stall_and_late_heartbeats_make_it_certain() {
        let mut l = Log::boot(A);
        l.elect(7000, B, 3, &[C]);
        l.at(
            9000,
            A,
            Some(3),
            Kind::TermBump {
                from: B,
                msg_type: "MsgHeartbeat".into(),
                old_term: 2,
            },
        );
        let a = l.run(&[]);
        assert_eq!(cause(&a, 3), ("leader_stall".into(), h(A), "medium".into()));
        // the same with the leader's own report of its late heartbeats (silent 4 s)
        l.at(
            9000,
            A,
            None,
            Kind::HeartbeatOverrun {
                to: Some(B),
                heartbeat_ms: Some(100.0),
                exceeded_ms: Some(4000.0),
            },
        );
        let a = l.run(&[]);
        assert_eq!(cause(&a, 3), ("leader_stall".into(), h(A), "high".into()));
        // the leaderless window starts when it went silent, not when the others noticed
        let w = a.report.leaderless.last().unwrap();
        assert_eq!(w.started_by.as_deref(), Some("leader_stall"));
        assert_eq!(w.from, Instant(5000 * 1_000_000));
    }

    #[test]
    fn without_the_old_leaders_log_nothing_is_guessed() {
        let mut l = Log::boot(A);
        l.elect(7000, B, 3, &[C]);
        l.at(
            9000,
            A,
            Some(3),
            Kind::TermBump {
                from: B,
                msg_type: "MsgHeartbeat".into(),
                old_term: 2,
            },
        );
        let a = l.run(&[A]);
        let (code, culprit, conf) = cause(&a, 3);
        assert_eq!(
            (code.as_str(), culprit, conf.as_str()),
            ("unknown", None, "low")
        );
        // ...unless its peers saw its connections refused: its process was down
        l.at(
            6500,
            B,
            None,
            Kind::StreamLost {
                peer: Some(A),
                error: Some("dial tcp: connect: connection refused".into()),
            },
        );
        let a = l.run(&[A]);
        assert_eq!(cause(&a, 3), ("leader_crash".into(), h(A), "medium".into()));
    }

    #[test]
    fn a_member_cut_off_campaigns_alone_then_deposes_the_leader() {
        let mut l = Log::boot(A);
        // C is cut off: its campaigns for terms 3 and 4 reach nobody
        l.at(5000, C, Some(2), Kind::LostLeader { leader: A });
        l.at(5000, C, Some(3), Kind::BecameCandidate);
        l.at(6500, C, Some(4), Kind::BecameCandidate);
        // back: its higher term deposes the working leader A, C wins term 5
        l.at(
            8000,
            A,
            Some(4),
            Kind::TermBump {
                from: C,
                msg_type: "MsgAppResp".into(),
                old_term: 2,
            },
        );
        l.elect(8100, C, 5, &[A, B]);
        let a = l.run(&[]);
        assert_eq!(cause(&a, 3).0, "network");
        assert_eq!(cause(&a, 3).1, h(C));
        assert_eq!(cause(&a, 4).0, "network");
        assert_eq!(
            cause(&a, 5),
            ("disruptive_candidate".into(), h(C), "high".into())
        );
    }

    #[test]
    fn a_quorum_loss_step_down_is_network_on_the_leader() {
        let mut l = Log::boot(A);
        l.at(6000, A, None, Kind::SteppedDown);
        l.elect(6500, B, 3, &[C]);
        let a = l.run(&[]);
        assert_eq!(cause(&a, 3), ("network".into(), h(A), "high".into()));
    }

    fn stop(l: &mut Log, ms: i64, n: NodeId) {
        l.at(
            ms,
            n,
            None,
            Kind::ProcessShutdown {
                signal: Some("terminated".into()),
            },
        );
    }

    /// The leader `A` left alone after `B` and `C` went: it steps down, then campaigns
    /// for terms 3, 4 and 5 with nobody to answer.
    fn left_alone(l: &mut Log) {
        l.at(7500, A, Some(2), Kind::SteppedDown);
        l.at(7500, A, Some(2), Kind::BecameFollower);
        for (k, term) in [3u64, 4, 5].into_iter().enumerate() {
            let ms = 9000 + 1500 * k as i64;
            l.at(ms, A, Some(term - 1), Kind::ElectionStarted);
            l.at(ms, A, Some(term), Kind::BecameCandidate);
        }
    }

    fn lost(a: &crate::model::Analysis, term: u64) -> crate::report::Cause {
        let t = a.report.terms.iter().find(|t| t.term == term).unwrap();
        t.cause.clone().unwrap()
    }

    /// Terms 3-5, campaigned for by A alone after B and C stopped: planned `quorum_lost`,
    /// no culprit, B and C named.
    fn planned_quorum_lost(a: &crate::model::Analysis) -> Vec<crate::report::Cause> {
        [3, 4, 5]
            .into_iter()
            .map(|term| {
                let c = lost(a, term);
                assert_eq!(
                    (c.code.as_str(), c.culprit.clone(), c.confidence.as_str()),
                    ("quorum_lost", None, "high"),
                    "term {term}"
                );
                assert_eq!(c.planned, Some(true), "term {term}");
                assert_eq!(c.stopped_members, Some(vec!["b".into(), "c".into()]));
                c
            })
            .collect()
    }

    #[test]
    fn members_stopped_until_no_quorum_make_planned_quorum_lost() {
        let mut l = Log::boot(A);
        stop(&mut l, 5000, C);
        stop(&mut l, 6000, B);
        left_alone(&mut l);
        let a = l.run(&[]);
        for c in planned_quorum_lost(&a) {
            assert!(c.summary.starts_with("only 1 of 3 members were running"));
        }
        // campaigns that could not succeed are no term inflation, and planned: no storm
        assert!(a
            .report
            .anomalies
            .iter()
            .all(|x| x.kind != "term_inflation"));
        assert!(a.report.storms.is_empty());
    }

    /// Members whose logs show only the later steps of a stop (zap `closing etcd server`,
    /// capnslog `skipped leadership transfer for stopping non-leader member`), no signal:
    /// still stopped, so the campaigns of the member left alone are planned `quorum_lost`.
    #[test]
    fn stops_without_a_signal_line_are_planned_quorum_lost() {
        let mut l = Log::boot(A);
        l.at(
            5000,
            C,
            None,
            Kind::ServerStop {
                step: StopStep::Closing,
            },
        );
        l.at(
            5010,
            C,
            None,
            Kind::ServerStop {
                step: StopStep::Closed,
            },
        );
        l.at(
            6000,
            B,
            None,
            Kind::ServerStop {
                step: StopStep::TransferSkipped,
            },
        );
        left_alone(&mut l);
        let a = l.run(&[]);
        for c in planned_quorum_lost(&a) {
            assert!(
                c.summary
                    .contains("c (stopped: its server stop lines, no signal line)"),
                "{}",
                c.summary
            );
        }
        assert!(a.report.storms.is_empty());
        // one stop each, at the first stop line
        let c = a.report.nodes.iter().find(|n| n.id == "c").unwrap();
        assert_eq!(c.shutdowns, vec![Instant(5000 * 1_000_000)]);
        assert!(c.restarts.is_empty() && c.crashes.is_empty());
    }

    /// Only the leader's log: it is stopped (hands leadership to B as it goes), its stop
    /// logs lost connections and `closed etcd server`, and it starts again 4 s later and
    /// hears of B after 80 ms. While it is away and booting its log says nothing about the
    /// cluster: no leaderless window, no member gap, and its term ends when B was elected.
    #[test]
    fn a_stopped_member_is_away_until_it_hears_of_a_leader_again() {
        let mut l = Log::boot(A);
        stop(&mut l, 5000, A);
        l.at(5002, A, Some(3), Kind::BecameFollower);
        l.at(5002, A, Some(3), Kind::ElectedLeader { leader: B });
        l.at(
            5005,
            A,
            None,
            Kind::StreamLost {
                peer: Some(B),
                error: None,
            },
        );
        l.at(
            5010,
            A,
            None,
            Kind::ServerStop {
                step: StopStep::Closed,
            },
        );
        l.at(9000, A, None, Kind::ProcessStart { version: None });
        l.at(9001, A, Some(3), Kind::BecameFollower);
        l.at(9080, A, Some(3), Kind::ElectedLeader { leader: B });
        let a = l.run(&[B, C]);
        assert!(a.report.leaderless.is_empty(), "{:?}", a.report.leaderless);
        let n = a.report.nodes.iter().find(|n| n.id == "a").unwrap();
        assert!(n.gaps.is_empty(), "{:?}", n.gaps);
        let t2 = a.report.terms.iter().find(|t| t.term == 2).unwrap();
        assert_eq!(t2.led_ms, Some(4000));
        assert_eq!(n.restarts, vec![Instant(9000 * 1_000_000)]);
    }

    #[test]
    fn a_member_whose_log_ends_without_a_stop_is_an_unplanned_loss() {
        let mut l = Log::boot(A);
        stop(&mut l, 5000, C);
        // B's last line, and no stop line: it died (or its log was cut)
        l.at(6000, B, Some(2), Kind::BecameFollower);
        left_alone(&mut l);
        let a = l.run(&[]);
        let c = lost(&a, 3);
        assert_eq!(
            (c.code.as_str(), c.confidence.as_str()),
            ("quorum_lost", "medium")
        );
        assert_eq!(c.planned, Some(false));
        assert_eq!(c.stopped_members, Some(vec!["b".into(), "c".into()]));
        assert!(
            c.summary.contains("b (its log ends there)"),
            "{}",
            c.summary
        );
    }

    #[test]
    fn one_member_stopped_of_three_leaves_a_quorum() {
        // C stopped; A and B still run: a campaign nobody answered is not quorum_lost
        let mut l = Log::boot(A);
        stop(&mut l, 5000, C);
        l.at(9000, B, Some(2), Kind::ElectionStarted);
        l.at(9000, B, Some(3), Kind::BecameCandidate);
        l.at(12000, A, Some(2), Kind::BecameFollower);
        let a = l.run(&[]);
        assert_eq!(cause(&a, 3).0, "network");
        assert!(lost(&a, 3).planned.is_none());
    }

    #[test]
    fn members_not_yet_started_are_not_stopped() {
        // B and C's logs begin after A's lonely campaign: nothing says they were down
        let mut l = Log::new();
        l.at(0, A, None, Kind::ProcessStart { version: None });
        l.at(1, A, Some(1), Kind::BecameFollower);
        l.at(1000, A, Some(2), Kind::BecameCandidate);
        for n in [B, C] {
            l.at(3000, n, None, Kind::ProcessStart { version: None });
        }
        let a = l.run(&[]);
        assert_ne!(cause(&a, 2).0, "quorum_lost");
    }

    #[test]
    fn a_kill_and_restart_seconds_after_the_first_start_is_a_restart_and_a_crash() {
        let mut l = Log::boot(A);
        // A's last line at 3 s, then it is killed; B takes over; A starts again at 6 s
        l.at(3000, A, Some(2), Kind::ElectedLeader { leader: A });
        l.elect(4500, B, 3, &[C]);
        l.at(6000, A, None, Kind::ProcessStart { version: None });
        l.at(6001, A, Some(2), Kind::BecameFollower);
        l.at(
            6001,
            A,
            Some(2),
            Kind::RaftBoot {
                peers: vec![],
                commit: 5,
                last_index: 5,
                last_term: 2,
            },
        );
        l.at(6100, A, Some(3), Kind::BecameFollower);
        let a = l.run(&[]);
        let n = a.report.nodes.iter().find(|n| n.id == "a").unwrap();
        assert_eq!(n.restarts, vec![Instant(6000 * 1_000_000)]);
        assert_eq!(n.crashes, vec![Instant(3000 * 1_000_000)]);
        // B and C started once: their boot lines are one start each
        for x in a.report.nodes.iter().filter(|n| n.id != "a") {
            assert!(x.restarts.is_empty() && x.crashes.is_empty(), "{}", x.id);
        }
        assert!(a
            .report
            .summary
            .notes
            .iter()
            .any(|s| s.contains("started again (crashed or killed) once")));
        assert_eq!(cause(&a, 3).0, "leader_crash");
    }

    #[test]
    fn leaders_stopped_in_turn_are_not_a_storm() {
        // a rolling restart: each leader stopped in turn hands over; 4 leader changes in
        // a few seconds, every one planned
        let mut l = Log::boot(A);
        let order = [(A, B, C), (B, C, A), (C, A, B), (A, B, C)];
        for (k, (old, new, other)) in order.into_iter().enumerate() {
            let ms = 5000 + 3000 * k as i64;
            let term = 3 + k as u64;
            stop(&mut l, ms, old);
            l.at(ms, old, Some(term - 1), Kind::TransferStarted { to: new });
            l.at(
                ms + 1,
                new,
                Some(term - 1),
                Kind::TimeoutNowReceived { from: old },
            );
            l.elect(ms + 1, new, term, &[other]);
            l.at(ms + 1000, old, None, Kind::ProcessStart { version: None });
            l.at(ms + 1001, old, Some(term), Kind::BecameFollower);
        }
        let a = l.run(&[]);
        for term in 3..=6 {
            assert_eq!(cause(&a, term).0, "leader_shutdown", "term {term}");
        }
        assert!(a.report.storms.is_empty(), "{:?}", a.report.storms);
        let n = a.report.nodes.iter().find(|n| n.id == "a").unwrap();
        assert_eq!(n.restarts.len(), 2);
        assert!(n.crashes.is_empty());
    }
}
