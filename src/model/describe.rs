//! Words for one event (the timeline's `event` column), by kind group.

use super::Analysis;
use crate::event::{Event, Kind, NodeId, StopStep};
use crate::time::human_ms;

fn pv(p: bool) -> &'static str {
    if p {
        " (pre-vote)"
    } else {
        ""
    }
}

fn ms(v: Option<f64>) -> String {
    v.map(|x| human_ms(x.round() as i64))
        .unwrap_or_else(|| "?".into())
}

impl Analysis {
    /// Words for one event.
    pub fn describe(&self, e: &Event) -> String {
        let k = &e.kind;
        self.election_words(k)
            .or_else(|| self.vote_words(k))
            .or_else(|| self.leader_words(k))
            .or_else(|| self.process_words(k))
            .or_else(|| self.slow_words(k))
            .or_else(|| self.peer_words(k))
            .unwrap_or_else(|| self.member_words(k))
    }

    /// Role changes and campaigns.
    fn election_words(&self, k: &Kind) -> Option<String> {
        Some(match k {
            Kind::BecameFollower => "became follower".into(),
            Kind::BecamePreCandidate => "became pre-candidate".into(),
            Kind::BecameCandidate => "became candidate".into(),
            Kind::BecameLeader => "became LEADER".into(),
            Kind::ElectionStarted => "election timeout, starts election".into(),
            Kind::SteppedDown => "stepped down: quorum not active".into(),
            Kind::CampaignRefused { reason } => format!("cannot campaign ({reason})"),
            Kind::TermBump {
                from,
                msg_type,
                old_term,
            } => format!(
                "higher term from {} ({msg_type}, was {old_term})",
                self.name(*from)
            ),
            Kind::LowerTermIgnored { from, msg_type, .. } => {
                format!("ignored stale {msg_type} from {}", self.name(*from))
            }
            _ => return None,
        })
    }

    /// Vote requests, answers and tallies.
    fn vote_words(&self, k: &Kind) -> Option<String> {
        let n = |id: &NodeId| self.name(*id);
        Some(match k {
            Kind::VoteSent { to, pre_vote } => {
                format!("asked {} for a vote{}", n(to), pv(*pre_vote))
            }
            Kind::VoteGranted {
                candidate,
                pre_vote,
            } => format!("voted for {}{}", n(candidate), pv(*pre_vote)),
            Kind::VoteRejected {
                candidate,
                pre_vote,
                ..
            } => format!("rejected vote for {}{}", n(candidate), pv(*pre_vote)),
            Kind::VoteIgnored {
                candidate,
                pre_vote,
                ..
            } => format!(
                "ignored vote from {}{} (leader lease)",
                n(candidate),
                pv(*pre_vote)
            ),
            Kind::VoteResponse {
                from,
                granted,
                pre_vote,
            } => format!(
                "{} vote from {}{}",
                if *granted { "got" } else { "refused" },
                n(from),
                pv(*pre_vote)
            ),
            Kind::VoteTally {
                granted,
                rejected,
                pre_vote,
                ..
            } => format!(
                "tally {granted} for, {rejected} against{}",
                pv(*pre_vote == Some(true))
            ),
            _ => return None,
        })
    }

    /// Leaders known, lost and handed over.
    fn leader_words(&self, k: &Kind) -> Option<String> {
        let n = |id: &NodeId| self.name(*id);
        Some(match k {
            Kind::ElectedLeader { leader } => format!("leader is {}", n(leader)),
            Kind::ChangedLeader { from, leader } => {
                format!("leader changed {} -> {}", n(from), n(leader))
            }
            Kind::LostLeader { leader } => format!("lost leader {}", n(leader)),
            Kind::ForgotLeader { leader } => format!("forgot leader {}", n(leader)),
            Kind::TransferStarted { to } => format!("transferring leadership to {}", n(to)),
            Kind::TransferAborted { to } => format!("aborted transfer to {}", n(to)),
            Kind::TimeoutNowSent { to } => format!("sent MsgTimeoutNow to {}", n(to)),
            Kind::TimeoutNowReceived { from } => {
                format!("MsgTimeoutNow from {}, campaigns", n(from))
            }
            Kind::LeaderTransferRequested { from, to } => format!(
                "leadership transfer {} -> {}",
                self.opt_name(*from),
                self.opt_name(*to)
            ),
            Kind::LeaderTransferFinished { ok: true, to, .. } => {
                format!("leadership transfer to {} done", self.opt_name(*to))
            }
            Kind::LeaderTransferFinished { .. } => "leadership transfer failed".into(),
            _ => return None,
        })
    }

    /// Process lifetime, configuration and raft log state.
    fn process_words(&self, k: &Kind) -> Option<String> {
        Some(match k {
            Kind::ProcessStart { version: Some(v) } => format!("process start (etcd {v})"),
            Kind::ProcessStart { version: None } => "process start".into(),
            Kind::ProcessShutdown { signal: Some(s) } => format!("shutting down ({s})"),
            Kind::ProcessShutdown { signal: None } => "shutting down".into(),
            Kind::ServerStop { step } => match step {
                StopStep::TransferSkipped => "stopping: leadership transfer skipped".into(),
                StopStep::Closing => "stopping: closing etcd server".into(),
                StopStep::Closed => "stopped: closed etcd server".into(),
            },
            Kind::MemberIdentity(_) => "member identity".into(),
            Kind::TimingConfig { .. } => "timer settings".into(),
            Kind::ConfigChange { voters, .. } => format!(
                "configuration: voters {}",
                voters
                    .iter()
                    .map(|v| self.name(*v))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Kind::RaftBoot { peers, .. } => {
                format!("raft boot ({} peers in snapshot)", peers.len())
            }
            Kind::SnapshotRestored { index, .. } => format!("restored snapshot at index {index}"),
            Kind::LogConflict { index, .. } => format!("log conflict at index {index}"),
            _ => return None,
        })
    }

    /// Slow disks, applies and ticks.
    fn slow_words(&self, k: &Kind) -> Option<String> {
        Some(match k {
            Kind::HeartbeatOverrun {
                to, exceeded_ms, ..
            } => format!(
                "heartbeat late by {} to {}",
                ms(*exceeded_ms),
                to.map(|t| self.name(t)).unwrap_or_else(|| "?".into())
            ),
            Kind::TickMissed { .. } => "tick missed: node blocked".into(),
            Kind::SlowFsync { took_ms } => format!("slow fdatasync {}", ms(*took_ms)),
            Kind::DiskWork {
                work,
                started: true,
                ..
            } => format!("{} started", work.name()),
            Kind::DiskWork {
                work,
                took_ms: Some(t),
                ..
            } => format!("{} finished in {}", work.name(), ms(Some(*t))),
            Kind::DiskWork { work, .. } => format!("{} finished", work.name()),
            Kind::SlowApply { took_ms, .. } => format!("slow apply {}", ms(*took_ms)),
            Kind::ReadIndexSlow => "slow read index".into(),
            Kind::ProposalDropped { reason, .. } => format!("dropped request ({})", reason.name()),
            _ => return None,
        })
    }

    /// The network as a member sees its peers.
    fn peer_words(&self, k: &Kind) -> Option<String> {
        let o = |p: &Option<NodeId>| self.opt_name(*p);
        Some(match k {
            Kind::StreamLost { peer, .. } => format!("lost stream to {}", o(peer)),
            Kind::PeerInactive { peer, .. } => format!("peer {} inactive", o(peer)),
            Kind::PeerActive { peer } => format!("peer {} active", o(peer)),
            Kind::PeerUnreachable { peer, .. } => format!("peer {} unreachable", o(peer)),
            Kind::BufferFull { peer, .. } => format!("send buffer full to {}", o(peer)),
            Kind::ClockSkew { peer, offset_ms } => {
                format!("clock differs from {} by {}", o(peer), ms(*offset_ms))
            }
            _ => return None,
        })
    }

    /// Membership and client-facing lines (the kinds no other group takes).
    fn member_words(&self, k: &Kind) -> String {
        match k {
            Kind::HealthNoLeader => "/health: no leader".into(),
            Kind::RemovedMemberRejected { member } => format!(
                "rejected message from removed member {}",
                self.opt_name(*member)
            ),
            Kind::MemberChange { action, member, .. } => {
                format!("member {} {action}", self.opt_name(*member))
            }
            Kind::RequestFailed { error } => format!("request failed: {error}"),
            // every kind has words in one of the groups above; a kind added without
            // them shows its JSON name rather than nothing
            other => other.name().to_string(),
        }
    }
}
