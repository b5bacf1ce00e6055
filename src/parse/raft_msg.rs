//! nom grammar for the raft library's election and leadership messages
//! (etcd-log-messages.md §2, every text variant from 2.0 to raft v3.6).
//!
//! The input is the message text alone (the capnslog payload after `raft: `, the Go-log
//! payload after `INFO: `, or the zap `msg`); the envelope was already removed.

use crate::event::{DropReason, Kind, LogPos, NodeId};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1, take_while_m_n};
use nom::character::complete::{char, digit1, space0};
use nom::combinator::{all_consuming, map, map_res, opt, value};
use nom::error::Error as NomError;
use nom::multi::separated_list0;
use nom::sequence::{delimited, preceded, terminated};
use nom::{IResult, Parser};

/// What the grammar made of a message.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// An event: `node` is the subject (the member that wrote the line) when printed.
    Event {
        /// The subject ID.
        node: Option<NodeId>,
        /// The term exactly as printed.
        term: Option<u64>,
        /// What happened.
        kind: Kind,
    },
    /// A raft message raftlog recognises but does not turn into an event
    /// (listed in `docs/events.md`); the string names it.
    NotEvent(&'static str),
}

type R<'a, T> = IResult<&'a str, T>;

/// `tag` with the error type fixed (nom 8 cannot infer it inside `value`/`opt`).
fn tg<'a>(t: &'static str) -> impl Parser<&'a str, Output = &'a str, Error = NomError<&'a str>> {
    tag(t)
}

fn id(i: &str) -> R<'_, NodeId> {
    map_res(
        take_while_m_n(1, 16, |c: char| c.is_ascii_hexdigit()),
        |s: &str| u64::from_str_radix(s, 16),
    )
    .parse(i)
}

fn num(i: &str) -> R<'_, u64> {
    map_res(digit1, |s: &str| s.parse::<u64>()).parse(i)
}

/// A term as printed; 2.x printed one rejection term with `%x` by mistake, so a value
/// with hex letters is read as hex.
fn term_num(i: &str) -> R<'_, u64> {
    map_res(take_while1(|c: char| c.is_ascii_hexdigit()), |s: &str| {
        if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<u64>().map_err(|_| ())
        } else {
            u64::from_str_radix(s, 16).map_err(|_| ())
        }
    })
    .parse(i)
}

fn msg_type(i: &str) -> R<'_, &str> {
    take_while1(|c: char| c.is_ascii_alphanumeric()).parse(i)
}

/// `MsgVote` / `MsgPreVote` / `vote` (≤3.0) → pre_vote flag.
fn vote_type(i: &str) -> R<'_, bool> {
    alt((
        value(true, tg("MsgPreVote")),
        value(false, tg("MsgVote")),
        value(false, tg("vote")),
    ))
    .parse(i)
}

/// `MsgVoteResp` / `MsgPreVoteResp` / `vote` (≤3.0) → pre_vote flag.
fn resp_type(i: &str) -> R<'_, bool> {
    alt((
        value(true, tg("MsgPreVoteResp")),
        value(false, tg("MsgVoteResp")),
        value(false, tg("vote")),
    ))
    .parse(i)
}

fn at_term(i: &str) -> R<'_, u64> {
    preceded(tg(" at term "), term_num).parse(i)
}

fn ev(node: NodeId, term: Option<u64>, kind: Kind) -> Outcome {
    Outcome::Event {
        node: Some(node),
        term,
        kind,
    }
}

/// Parse one raft message. `None`: not a raft election message.
pub fn parse(msg: &str) -> Option<Outcome> {
    let msg = msg.trim_end_matches(['\n', '\r', ' ']);
    if let Some(rest) = msg.strip_prefix("raft.node: ") {
        return node_line(rest);
    }
    if let Some(rest) = msg.strip_prefix("raft: ") {
        // 2014 development builds: `raft: lost leader X at term T` (no subject).
        return node_line_nosubject(rest);
    }
    if msg.starts_with("lost leader ")
        || msg.starts_with("elected leader ")
        || msg.starts_with("changed leader from ")
    {
        // the `raft: ` package prefix was already removed by the envelope
        return node_line_nosubject(msg);
    }
    if let Some(rest) = msg.strip_prefix("newRaft ") {
        return new_raft(rest);
    }
    if msg.starts_with("found conflict at index ") {
        return conflict(msg);
    }
    if msg.starts_with("A tick missed to fire") {
        return Some(Outcome::Event {
            node: None,
            term: None,
            kind: Kind::TickMissed { was_leader: None },
        });
    }
    if msg.starts_with("log [") && msg.contains("starts to restore snapshot") {
        return Some(Outcome::NotEvent("log_restore_snapshot"));
    }
    let (rest, subject) = terminated(id, char(' ')).parse(msg).ok()?;
    subject_line(subject, rest)
}

/// `elected leader Y at term T` / `changed leader from X to Y at term T` / `lost leader Y
/// at term T` (after `raft.node: <subject> `).
fn leader_change(i: &str) -> R<'_, (u64, Kind)> {
    alt((
        map(
            (preceded(tg("elected leader "), id), at_term),
            |(leader, t)| (t, Kind::ElectedLeader { leader }),
        ),
        map(
            (
                preceded(tg("changed leader from "), id),
                preceded(tg(" to "), id),
                at_term,
            ),
            |(from, leader, t)| (t, Kind::ChangedLeader { from, leader }),
        ),
        map(
            (preceded(tg("lost leader "), id), at_term),
            |(leader, t)| (t, Kind::LostLeader { leader }),
        ),
    ))
    .parse(i)
}

fn node_line(i: &str) -> Option<Outcome> {
    let (rest, node) = terminated(id, char(' ')).parse(i).ok()?;
    let p = leader_change;
    let (_, (t, kind)) = all_consuming(p).parse(rest).ok()?;
    Some(ev(node, Some(t), kind))
}

fn node_line_nosubject(i: &str) -> Option<Outcome> {
    let p = leader_change;
    let (_, (t, kind)) = all_consuming(p).parse(i).ok()?;
    Some(Outcome::Event {
        node: None,
        term: Some(t),
        kind,
    })
}

fn new_raft(i: &str) -> Option<Outcome> {
    // newRaft %x [peers: [%s], term: %d, commit: %d, applied: %d, lastindex: %d, lastterm: %d]
    let p = (
        id,
        preceded(
            tg(" [peers: ["),
            separated_list0(alt((tg(","), tg(" "))), id),
        ),
        preceded(tg("], term: "), num),
        preceded(tg(", commit: "), num),
        preceded(tg(", applied: "), num),
        preceded(tg(", lastindex: "), num),
        delimited(tg(", lastterm: "), num, char(']')),
    );
    let (_, (node, peers, term, commit, _applied, last_index, last_term)) =
        all_consuming(p).parse(i).ok()?;
    Some(ev(
        node,
        Some(term),
        Kind::RaftBoot {
            peers,
            commit,
            last_index,
            last_term,
        },
    ))
}

fn conflict(i: &str) -> Option<Outcome> {
    let p = (
        preceded(tg("found conflict at index "), num),
        preceded(tg(" [existing term: "), num),
        delimited(tg(", conflicting term: "), num, char(']')),
    );
    let (_, (index, existing_term, conflicting_term)) = all_consuming(p).parse(i).ok()?;
    Some(Outcome::Event {
        node: None,
        term: Some(conflicting_term),
        kind: Kind::LogConflict {
            index,
            existing_term,
            conflicting_term,
        },
    })
}

/// `[logterm: a, index: b` (the caller handles what follows)
fn logterm_index(i: &str) -> R<'_, (u64, u64)> {
    (
        preceded(tg("[logterm: "), num),
        preceded(tg(", index: "), num),
    )
        .parse(i)
}

fn subject_line(s: NodeId, i: &str) -> Option<Outcome> {
    if let Some(r) = i.strip_prefix("became ") {
        return became(s, r);
    }
    if let Some(r) = i.strip_prefix("is starting a new election") {
        let (_, t) = all_consuming(at_term).parse(r).ok()?;
        return Some(ev(s, Some(t), Kind::ElectionStarted));
    }
    if i.starts_with("[logterm: ") {
        return logterm_line(s, i);
    }
    if let Some(r) = i.strip_prefix("received ") {
        return received_line(s, r);
    }
    if i.starts_with("[quorum:") || i.starts_with("[q:") || i.starts_with("has received ") {
        return tally(s, i);
    }
    if let Some(r) = i.strip_prefix("[term: ") {
        return bracket_term_colon(s, r);
    }
    if let Some(r) = i.strip_prefix("[term ") {
        return bracket_term(s, r);
    }
    if i == "stepped down to follower since quorum is not active" {
        return Some(ev(s, None, Kind::SteppedDown));
    }
    if let Some(r) = i.strip_prefix("no leader at term ") {
        return no_leader(s, r);
    }
    if let Some(r) = i.strip_prefix("not forwarding to leader ") {
        return not_forwarding(s, r);
    }
    if let Some(r) = i.strip_prefix("switched to configuration ") {
        return config(s, r);
    }
    campaign_line(s, i)
}

/// `became follower|pre-candidate|candidate|leader at term T`.
fn became(s: NodeId, r: &str) -> Option<Outcome> {
    let (_, (role, t)) = all_consuming((
        alt((
            value(Kind::BecamePreCandidate, tg("pre-candidate")),
            value(Kind::BecameFollower, tg("follower")),
            value(Kind::BecameCandidate, tg("candidate")),
            value(Kind::BecameLeader, tg("leader")),
        )),
        at_term,
    ))
    .parse(r)
    .ok()?;
    Some(ev(s, Some(t), role))
}

/// `no leader at term T; dropping proposal|index reading msg|leader transfer msg`.
fn no_leader(s: NodeId, r: &str) -> Option<Outcome> {
    let (_, (t, reason)) = all_consuming((
        num,
        preceded(
            tg("; dropping "),
            alt((
                value(DropReason::NoLeader, tg("proposal")),
                value(DropReason::NoLeaderReadIndex, tg("index reading msg")),
                value(DropReason::NoLeaderTransfer, tg("leader transfer msg")),
            )),
        ),
    ))
    .parse(r)
    .ok()?;
    let kind = Kind::ProposalDropped {
        reason,
        leader: None,
    };
    Some(ev(s, Some(t), kind))
}

/// `not forwarding to leader L at term T; dropping proposal`.
fn not_forwarding(s: NodeId, r: &str) -> Option<Outcome> {
    let (_, (leader, t)) = all_consuming((id, terminated(at_term, tg("; dropping proposal"))))
        .parse(r)
        .ok()?;
    let kind = Kind::ProposalDropped {
        reason: DropReason::NotForwarding,
        leader: Some(leader),
    };
    Some(ev(s, Some(t), kind))
}

/// Leadership transfers, refused campaigns, missed ticks, snapshots, forgotten leaders:
/// the subject lines after the election steps.
fn campaign_line(s: NodeId, i: &str) -> Option<Outcome> {
    if let Some(r) = i.strip_prefix("sends MsgTimeoutNow to ") {
        let (_, (to, _)) = all_consuming((
            id,
            delimited(
                tg(" immediately as "),
                id,
                tg(" already has up-to-date log"),
            ),
        ))
        .parse(r)
        .ok()?;
        return Some(ev(s, None, Kind::TimeoutNowSent { to }));
    }
    if let Some(r) = i.strip_prefix("sent MsgTimeoutNow to ") {
        let (_, to) = all_consuming(terminated(id, tg(" after received MsgAppResp")))
            .parse(r)
            .ok()?;
        return Some(ev(s, None, Kind::TimeoutNowSent { to }));
    }
    if i.starts_with("is unpromotable and can not campaign")
        || i.starts_with("is unpromotable; campaign() should have been called")
    {
        let kind = Kind::CampaignRefused {
            reason: "unpromotable",
        };
        return Some(ev(s, None, kind));
    }
    if let Some(r) = i.strip_prefix("cannot campaign at term ") {
        let (_, t) = terminated(num, tg(" since there are still "))
            .parse(r)
            .ok()?;
        let kind = Kind::CampaignRefused {
            reason: "pending_conf_change",
        };
        return Some(ev(s, Some(t), kind));
    }
    if let Some(r) = i.strip_prefix("forgetting leader ") {
        let (_, (leader, t)) = all_consuming((id, at_term)).parse(r).ok()?;
        return Some(ev(s, Some(t), Kind::ForgotLeader { leader }));
    }
    if let Some(r) = i.strip_prefix("(leader ") {
        return tick_missed(s, r);
    }
    if i.starts_with("A tick missed to fire") {
        return Some(ev(s, None, Kind::TickMissed { was_leader: None }));
    }
    if let Some(r) = i.strip_prefix("[commit: ") {
        return snapshot_line(s, r);
    }
    None
}

/// `(leader true|false) A tick missed to fire. Node blocks too long!`
fn tick_missed(s: NodeId, r: &str) -> Option<Outcome> {
    let (_, was) = all_consuming(terminated(
        alt((value(true, tg("true")), value(false, tg("false")))),
        tg(") A tick missed to fire. Node blocks too long!"),
    ))
    .parse(r)
    .ok()?;
    let kind = Kind::TickMissed {
        was_leader: Some(was),
    };
    Some(ev(s, None, kind))
}

fn logterm_line(s: NodeId, i: &str) -> Option<Outcome> {
    // sent vote request: `[logterm: a, index: b] sent MsgVote request to Y at term T`
    if let Ok((r, _)) = terminated(logterm_index, tg("] sent ")).parse(i) {
        let (_, (pre_vote, to, t)) =
            all_consuming((vote_type, preceded(tg(" request to "), id), at_term))
                .parse(r)
                .ok()?;
        return Some(ev(s, Some(t), Kind::VoteSent { to, pre_vote }));
    }
    // voter side: `[logterm: a, index: b, vote: v] cast|voted for|rejected|ignored ...`
    let (r, (mine, _)) = terminated((logterm_index, preceded(tg(", vote: "), id)), tg("] "))
        .parse(i)
        .ok()?;
    #[derive(Clone, Copy)]
    enum Act {
        Cast,
        Reject,
        Ignore,
    }
    let (r, (act, pre_vote)) = alt((
        map(delimited(tg("cast "), vote_type, tg(" for ")), |p| {
            (Act::Cast, p)
        }),
        map(tg("voted for "), |_| (Act::Cast, false)),
        map(delimited(tg("rejected "), vote_type, tg(" from ")), |p| {
            (Act::Reject, p)
        }),
        map(delimited(tg("ignored "), vote_type, tg(" from ")), |p| {
            (Act::Ignore, p)
        }),
    ))
    .parse(r)
    .ok()?;
    let (r, candidate) = terminated(id, char(' ')).parse(r).ok()?;
    let (r, theirs) = terminated(logterm_index, char(']')).parse(r).ok()?;
    let (r, t) = at_term(r).ok()?;
    let pos = |(term, index): (u64, u64)| LogPos { term, index };
    let kind = match act {
        Act::Cast => {
            if !r.is_empty() {
                return None;
            }
            Kind::VoteGranted {
                candidate,
                pre_vote,
            }
        }
        Act::Reject => {
            if !r.is_empty() {
                return None;
            }
            Kind::VoteRejected {
                candidate,
                pre_vote,
                voter_log: pos(mine),
                candidate_log: pos(theirs),
            }
        }
        Act::Ignore => {
            let (_, ticks) = all_consuming(opt(delimited(
                tg(": lease is not expired (remaining ticks: "),
                num,
                char(')'),
            )))
            .parse(r)
            .ok()?;
            Kind::VoteIgnored {
                candidate,
                pre_vote,
                remaining_ticks: ticks,
            }
        }
    };
    Some(ev(s, Some(t), kind))
}

fn received_line(s: NodeId, i: &str) -> Option<Outcome> {
    // `received MsgTimeoutNow from Y but is not promotable`
    if let Some(r) = i.strip_prefix("MsgTimeoutNow from ") {
        let (_, _from) = all_consuming(terminated(id, tg(" but is not promotable")))
            .parse(r)
            .ok()?;
        return Some(ev(
            s,
            None,
            Kind::CampaignRefused {
                reason: "timeout_now_unpromotable",
            },
        ));
    }
    let (_, (pre_vote, rejection, from, t)) = all_consuming((
        resp_type,
        map(opt(tg(" rejection")), |o| o.is_some()),
        preceded(tg(" from "), id),
        at_term,
    ))
    .parse(i)
    .ok()?;
    Some(ev(
        s,
        Some(t),
        Kind::VoteResponse {
            from,
            granted: !rejection,
            pre_vote,
        },
    ))
}

fn tally(s: NodeId, i: &str) -> Option<Outcome> {
    let (r, quorum) = opt(terminated(
        alt((
            delimited(tg("[quorum:"), num, char(']')),
            delimited(tg("[q:"), num, char(']')),
        )),
        char(' '),
    ))
    .parse(i)
    .ok()?;
    let (_, (granted, pre_vote, rejected)) = all_consuming((
        preceded(tg("has received "), num),
        delimited(
            char(' '),
            opt(terminated(resp_type_strict, char(' '))),
            tg("votes and "),
        ),
        terminated(num, tg(" vote rejections")),
    ))
    .parse(r)
    .ok()?;
    Some(ev(
        s,
        None,
        Kind::VoteTally {
            granted,
            rejected,
            pre_vote,
            quorum,
        },
    ))
}

fn resp_type_strict(i: &str) -> R<'_, bool> {
    alt((
        value(true, tg("MsgPreVoteResp")),
        value(false, tg("MsgVoteResp")),
    ))
    .parse(i)
}

fn bracket_term_colon(s: NodeId, i: &str) -> Option<Outcome> {
    // `[term: a] received a MsgX message with higher term from Y [term: b]`
    // `[term: a] ignored a MsgX message with lower term from Y [term: b]`
    let (r, my_term) = terminated(num, tg("] ")).parse(i).ok()?;
    if r.starts_with("ignored entry appends from") {
        return Some(Outcome::NotEvent("ignored_entry_appends"));
    }
    let (_, (higher, mt, from, their)) = all_consuming((
        alt((
            value(true, tg("received a ")),
            value(false, tg("ignored a ")),
        )),
        msg_type,
        preceded(
            alt((
                tg(" message with higher term from "),
                tg(" message with lower term from "),
            )),
            id,
        ),
        delimited(tg(" [term: "), num, char(']')),
    ))
    .parse(r)
    .ok()?;
    if higher {
        Some(ev(
            s,
            Some(their),
            Kind::TermBump {
                from,
                msg_type: mt.to_string(),
                old_term: my_term,
            },
        ))
    } else {
        Some(ev(
            s,
            Some(my_term),
            Kind::LowerTermIgnored {
                from,
                msg_type: mt.to_string(),
                sender_term: their,
            },
        ))
    }
}

fn bracket_term(s: NodeId, i: &str) -> Option<Outcome> {
    let (r, t) = terminated(num, tg("] ")).parse(i).ok()?;
    if let Some(r2) = r.strip_prefix("starts to transfer leadership to ") {
        let (_, to) = all_consuming(id).parse(r2).ok()?;
        return Some(ev(s, Some(t), Kind::TransferStarted { to }));
    }
    if let Some(r2) = r.strip_prefix("received MsgTimeoutNow from ") {
        let (_, from) = all_consuming(terminated(
            id,
            (
                tg(" and starts an election to get leadership"),
                opt(char('.')),
            ),
        ))
        .parse(r2)
        .ok()?;
        return Some(ev(s, Some(t), Kind::TimeoutNowReceived { from }));
    }
    if let Some(r2) = r.strip_prefix("abort previous transferring leadership to ") {
        let (_, to) = all_consuming(id).parse(r2).ok()?;
        return Some(ev(s, Some(t), Kind::TransferAborted { to }));
    }
    if r.starts_with("transfer leadership to ") {
        return Some(Outcome::NotEvent("transfer_in_progress"));
    }
    if r.starts_with("transfer leadership") || r.starts_with("ignoring MsgHup") {
        return Some(Outcome::NotEvent("transfer_debug"));
    }
    None
}

fn decimal_list(i: &str) -> R<'_, Vec<u64>> {
    delimited(
        char('('),
        separated_list0(char(' '), num),
        (space0, char(')')),
    )
    .parse(i)
}

fn config(s: NodeId, i: &str) -> Option<Outcome> {
    // voters=(a b c)[&&(a b)][ learners=(...)][ learners_next=(...)][ autoleave]
    let (r, (voters, outgoing)) = (
        preceded(tg("voters="), decimal_list),
        opt(preceded(tg("&&"), decimal_list)),
    )
        .parse(i)
        .ok()?;
    let (r, learners) = opt(preceded(tg(" learners="), decimal_list))
        .parse(r)
        .ok()?;
    let (r, _) = opt(preceded(tg(" learners_next="), decimal_list))
        .parse(r)
        .ok()?;
    let (_, _) = all_consuming(opt(tg(" autoleave"))).parse(r).ok()?;
    Some(ev(
        s,
        None,
        Kind::ConfigChange {
            voters,
            learners: learners.unwrap_or_default(),
            joint: outgoing.is_some(),
        },
    ))
}

fn snapshot_line(s: NodeId, i: &str) -> Option<Outcome> {
    // [commit: a, lastindex: b, lastterm: c] restored snapshot [index: i, term: t]
    // [commit: a, lastindex: b, lastterm: c] starts to restore snapshot [...]   (≤3.3)
    // [commit: a] restored snapshot [...] / ignored snapshot / fast-forwarded commit to snapshot
    let (r, _) = (
        num,
        opt((
            preceded(tg(", lastindex: "), num),
            preceded(tg(", lastterm: "), num),
        )),
        tg("] "),
    )
        .parse(i)
        .ok()?;
    let (r, restored) = alt((
        value(true, tg("restored snapshot ")),
        value(true, tg("starts to restore snapshot ")),
        value(false, tg("ignored snapshot ")),
        value(false, tg("fast-forwarded commit to snapshot ")),
    ))
    .parse(r)
    .ok()?;
    let (_, (index, snapshot_term)) = all_consuming((
        preceded(tg("[index: "), num),
        delimited(tg(", term: "), num, char(']')),
    ))
    .parse(r)
    .ok()?;
    if !restored {
        return Some(Outcome::NotEvent("snapshot_ignored"));
    }
    Some(ev(
        s,
        None,
        Kind::SnapshotRestored {
            index,
            snapshot_term,
        },
    ))
}

/// Literals at least one of which every raft message of this grammar contains; used by
/// the byte prefilter (see `parse::prefilter`).
pub const KEYWORDS: &[&str] = &[
    "became ",
    "election",
    "vote",
    "Vote",
    "leader",
    "higher term",
    "lower term",
    "newRaft",
    "switched to configuration",
    "conflict at index",
    "tick missed",
    "campaign",
    "snapshot [",
    "MsgTimeoutNow",
    "stepped down",
    "quorum",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(msg: &str) -> Kind {
        match parse(msg) {
            Some(Outcome::Event { kind, .. }) => kind,
            other => panic!("{msg}: {other:?}"),
        }
    }

    fn full(msg: &str) -> (Option<NodeId>, Option<u64>, Kind) {
        match parse(msg) {
            Some(Outcome::Event { node, term, kind }) => (node, term, kind),
            other => panic!("{msg}: {other:?}"),
        }
    }

    #[test]
    fn roles() {
        let (n, t, k) = full("8e9e05c52164694d became follower at term 5");
        assert_eq!(n, Some(0x8e9e05c52164694d));
        assert_eq!(t, Some(5));
        assert_eq!(k, Kind::BecameFollower);
        assert_eq!(
            kind("91bc3c398fb3c146 became pre-candidate at term 4"),
            Kind::BecamePreCandidate
        );
        assert_eq!(kind("3 became leader at term 2"), Kind::BecameLeader);
        assert!(parse("91bc3c398fb3c146 became leader at term").is_none());
        assert!(parse("91bc3c398fb3c146 became leader at term 5 extra").is_none());
    }

    #[test]
    fn node_lines() {
        let (n, t, k) =
            full("raft.node: fd422379fda50e48 changed leader from 8e9e05c52164694d to 91bc3c398fb3c146 at term 5");
        assert_eq!(n, Some(0xfd422379fda50e48));
        assert_eq!(t, Some(5));
        assert_eq!(
            k,
            Kind::ChangedLeader {
                from: 0x8e9e05c52164694d,
                leader: 0x91bc3c398fb3c146
            }
        );
        assert_eq!(
            kind("raft.node: a4260e614ee580b lost leader d3cd49bf905a75d0 at term 7"),
            Kind::LostLeader {
                leader: 0xd3cd49bf905a75d0
            }
        );
    }

    #[test]
    fn votes_all_versions() {
        assert_eq!(
            kind("46c01644950728dc [logterm: 1, index: 4, vote: 0] voted for 420c9b9a89d8b23d [logterm: 1, index: 4] at term 56"),
            Kind::VoteGranted { candidate: 0x420c9b9a89d8b23d, pre_vote: false }
        );
        assert_eq!(
            kind("fd422379fda50e48 [logterm: 4, index: 1042, vote: 8e9e05c52164694d] cast MsgPreVote for 91bc3c398fb3c146 [logterm: 4, index: 1042] at term 4"),
            Kind::VoteGranted { candidate: 0x91bc3c398fb3c146, pre_vote: true }
        );
        assert_eq!(
            kind("f3fb46502e44e344 [logterm: 1, index: 3, vote: 0] ignored vote from c9ee48a5685b13a3 [logterm: 1, index: 3] at term 1: lease is not expired (remaining ticks: 1)"),
            Kind::VoteIgnored { candidate: 0xc9ee48a5685b13a3, pre_vote: false, remaining_ticks: Some(1) }
        );
        assert_eq!(
            kind("c9ee48a5685b13a3 [quorum:2] has received 1 votes and 1 vote rejections"),
            Kind::VoteTally {
                granted: 1,
                rejected: 1,
                pre_vote: None,
                quorum: Some(2)
            }
        );
        assert_eq!(
            kind("fd422379fda50e48 [q:2] has received 2 votes and 0 vote rejections"),
            Kind::VoteTally {
                granted: 2,
                rejected: 0,
                pre_vote: None,
                quorum: Some(2)
            }
        );
        assert_eq!(
            kind("91bc3c398fb3c146 has received 2 MsgPreVoteResp votes and 0 vote rejections"),
            Kind::VoteTally {
                granted: 2,
                rejected: 0,
                pre_vote: Some(true),
                quorum: None
            }
        );
        assert_eq!(
            kind("91bc3c398fb3c146 received MsgVoteResp rejection from 8e9e05c52164694d at term 5"),
            Kind::VoteResponse {
                from: 0x8e9e05c52164694d,
                granted: false,
                pre_vote: false
            }
        );
        assert_eq!(
            kind("91bc3c398fb3c146 received vote from fd422379fda50e48 at term 5"),
            Kind::VoteResponse {
                from: 0xfd422379fda50e48,
                granted: true,
                pre_vote: false
            }
        );
        assert_eq!(
            kind("a4260e614ee580b [logterm: 6, index: 17] sent MsgVote request to d3cd49bf905a75d0 at term 7"),
            Kind::VoteSent { to: 0xd3cd49bf905a75d0, pre_vote: false }
        );
    }

    /// R11 of the message catalog: the voter's log and the candidate's, as printed.
    #[test]
    fn rejection_keeps_both_log_positions() {
        assert_eq!(
            kind("8e9e05c52164694d [logterm: 4, index: 1043, vote: 0] rejected MsgVote from 91bc3c398fb3c146 [logterm: 4, index: 1042] at term 5"),
            Kind::VoteRejected {
                candidate: 0x91bc3c398fb3c146,
                pre_vote: false,
                voter_log: LogPos { term: 4, index: 1043 },
                candidate_log: LogPos { term: 4, index: 1042 },
            }
        );
        assert!(LogPos {
            term: 4,
            index: 1042
        }
        .behind(LogPos {
            term: 4,
            index: 1043
        }));
        assert!(LogPos { term: 2, index: 99 }.behind(LogPos { term: 3, index: 29 }));
        assert!(!LogPos {
            term: 4,
            index: 1043
        }
        .behind(LogPos {
            term: 4,
            index: 1043
        }));
    }

    #[test]
    fn hex_term_in_2x_rejection() {
        let (_, t, _) = full("ce2a822cea30bfca [logterm: 1, index: 4, vote: 0] rejected vote from 420c9b9a89d8b23d [logterm: 1, index: 3] at term 1a");
        assert_eq!(t, Some(26));
    }

    #[test]
    fn term_bump() {
        let (n, t, k) = full("fd422379fda50e48 [term: 4] received a MsgVote message with higher term from 91bc3c398fb3c146 [term: 5]");
        assert_eq!(n, Some(0xfd422379fda50e48));
        assert_eq!(t, Some(5));
        assert_eq!(
            k,
            Kind::TermBump {
                from: 0x91bc3c398fb3c146,
                msg_type: "MsgVote".into(),
                old_term: 4
            }
        );
    }

    #[test]
    fn config_decimal_ids() {
        let k = kind("c330302d396f2768 switched to configuration voters=(2531763403718161201 12987238743530219448)");
        assert_eq!(
            k,
            Kind::ConfigChange {
                voters: vec![2531763403718161201, 12987238743530219448],
                learners: vec![],
                joint: false
            }
        );
        let k = kind("1 switched to configuration voters=(1 2)&&(1 2 3) learners=(4) autoleave");
        assert!(matches!(k, Kind::ConfigChange { joint: true, .. }));
        assert!(matches!(
            kind("c330302d396f2768 switched to configuration voters=()"),
            Kind::ConfigChange { .. }
        ));
    }

    #[test]
    fn never_panics_on_prefixes() {
        let s = "fd422379fda50e48 [logterm: 4, index: 1043, vote: 8e9e05c52164694d] ignored MsgVote from 91bc3c398fb3c146 [logterm: 4, index: 1042] at term 4: lease is not expired (remaining ticks: 3)";
        for i in 0..s.len() {
            let _ = parse(&s[..i]);
        }
        assert!(parse("12345678901234567 became leader at term 1").is_none());
        assert!(parse("8e9e05c52164694d became leader at term 99999999999999999999999").is_none());
    }
}
