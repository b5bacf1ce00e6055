//! Typed events: the only thing the parsers emit.
//!
//! Kind names and fields are the contract of `docs/json.md` (design.md §3): names never
//! change meaning; new kinds may be added.

use crate::time::Instant;
use serde_json::{json, Map, Value};

/// An etcd member ID (`uint64`, printed by etcd as lower-case hex without padding).
pub type NodeId = u64;

/// Hex form of a member ID exactly as etcd prints it.
pub fn hex(id: NodeId) -> String {
    format!("{id:x}")
}

/// Where a line came from: the input's index in the run and the 1-based line number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Origin {
    /// Index into the run's list of inputs.
    pub input: u32,
    /// 1-based line number within that input (after decompression).
    pub line: u64,
}

/// Why a proposal or request was dropped by raft.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// `no leader at term T; dropping proposal`
    NoLeader,
    /// `no leader at term T; dropping index reading msg`
    NoLeaderReadIndex,
    /// `no leader at term T; dropping leader transfer msg`
    NoLeaderTransfer,
    /// `not forwarding to leader X at term T; dropping proposal`
    NotForwarding,
}

impl DropReason {
    /// Stable name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            DropReason::NoLeader => "no_leader",
            DropReason::NoLeaderReadIndex => "no_leader_read_index",
            DropReason::NoLeaderTransfer => "no_leader_transfer",
            DropReason::NotForwarding => "not_forwarding",
        }
    }
}

/// Background work of a member on its data dir: what its disk was doing beside the WAL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiskWork {
    /// A raft snapshot saved to the data dir (`triggering snapshot` / `saved snapshot`).
    Snapshot,
    /// An MVCC compaction (`finished scheduled compaction`).
    Compaction,
    /// A defragmentation of the backend database, which rewrites the whole db file.
    Defrag,
}

impl DiskWork {
    /// Stable name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            DiskWork::Snapshot => "snapshot",
            DiskWork::Compaction => "compaction",
            DiskWork::Defrag => "defrag",
        }
    }
}

/// A step of a server's stop logged beside (or instead of) the stop signal: a member
/// stopped through the API, an embedded etcd, or a log that lost its signal line still
/// shows these (etcd-log-messages.md S19, S20).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StopStep {
    /// The stopping member did not hand leadership over: `skipped leadership transfer; local
    /// server is not leader`, `… for single voting member cluster`; capnslog `skipped
    /// leadership transfer for stopping non-leader member`, `… for single [voting] member
    /// cluster`.
    TransferSkipped,
    /// zap `closing etcd server`: the server begins to stop.
    Closing,
    /// zap `closed etcd server`: the server has stopped.
    Closed,
}

impl StopStep {
    /// Stable name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            StopStep::TransferSkipped => "transfer_skipped",
            StopStep::Closing => "closing",
            StopStep::Closed => "closed",
        }
    }
}

/// A position in a member's raft log as vote lines print it: `[logterm: a, index: b]`
/// (the term of its last entry and that entry's index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct LogPos {
    /// Term of the last entry.
    pub term: u64,
    /// Index of the last entry.
    pub index: u64,
}

impl LogPos {
    /// Raft's vote rule: a candidate is granted only if its log is at least as up to
    /// date as the voter's (a higher last term, or the same term and an index at least
    /// as high).
    pub fn behind(self, voter: LogPos) -> bool {
        (self.term, self.index) < (voter.term, voter.index)
    }

    fn to_json(self) -> Value {
        json!({"term": self.term, "index": self.index})
    }
}

/// A member's identity as its start-up lines tell it (`member_identity` events).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Identity {
    /// The member's ID, when the line printed it.
    pub member: Option<NodeId>,
    /// `--name`.
    pub name: Option<String>,
    /// Advertised peer URLs.
    pub peer_urls: Vec<String>,
    /// Advertised client URLs.
    pub client_urls: Vec<String>,
    /// Cluster ID (hex).
    pub cluster_id: Option<String>,
    /// etcd version.
    pub version: Option<String>,
    /// The member restarted (its data directory existed).
    pub restart: bool,
    /// `name=peerURL` pairs from `initial-cluster`.
    pub initial_cluster: Vec<(String, String)>,
}

/// Kind-specific data of an event.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum Kind {
    // ---- raft library ----
    BecameFollower,
    BecamePreCandidate,
    BecameCandidate,
    BecameLeader,
    ElectionStarted,
    VoteSent {
        to: NodeId,
        pre_vote: bool,
    },
    VoteGranted {
        candidate: NodeId,
        pre_vote: bool,
    },
    VoteRejected {
        candidate: NodeId,
        pre_vote: bool,
        /// The voter's log, as the line prints it.
        voter_log: LogPos,
        /// The candidate's log, as the line prints it.
        candidate_log: LogPos,
    },
    VoteIgnored {
        candidate: NodeId,
        pre_vote: bool,
        remaining_ticks: Option<u64>,
    },
    VoteResponse {
        from: NodeId,
        granted: bool,
        pre_vote: bool,
    },
    VoteTally {
        granted: u64,
        rejected: u64,
        pre_vote: Option<bool>,
        quorum: Option<u64>,
    },
    TermBump {
        from: NodeId,
        msg_type: String,
        old_term: u64,
    },
    LowerTermIgnored {
        from: NodeId,
        msg_type: String,
        sender_term: u64,
    },
    ElectedLeader {
        leader: NodeId,
    },
    ChangedLeader {
        from: NodeId,
        leader: NodeId,
    },
    LostLeader {
        leader: NodeId,
    },
    ForgotLeader {
        leader: NodeId,
    },
    TransferStarted {
        to: NodeId,
    },
    TransferAborted {
        to: NodeId,
    },
    TimeoutNowSent {
        to: NodeId,
    },
    TimeoutNowReceived {
        from: NodeId,
    },
    SteppedDown,
    ConfigChange {
        voters: Vec<NodeId>,
        learners: Vec<NodeId>,
        joint: bool,
    },
    ProposalDropped {
        reason: DropReason,
        leader: Option<NodeId>,
    },
    RaftBoot {
        peers: Vec<NodeId>,
        commit: u64,
        last_index: u64,
        last_term: u64,
    },
    CampaignRefused {
        reason: &'static str,
    },
    TickMissed {
        was_leader: Option<bool>,
    },
    SnapshotRestored {
        index: u64,
        snapshot_term: u64,
    },
    LogConflict {
        index: u64,
        existing_term: u64,
        conflicting_term: u64,
    },
    // ---- etcd server ----
    ProcessStart {
        version: Option<String>,
    },
    ProcessShutdown {
        signal: Option<String>,
    },
    /// A stop line other than the signal (see [`StopStep`]).
    ServerStop {
        step: StopStep,
    },
    /// Who a member is (boxed: it is the largest payload and rare).
    MemberIdentity(Box<Identity>),
    TimingConfig {
        heartbeat_ms: Option<f64>,
        election_ms: Option<f64>,
        election_ticks: Option<u64>,
        pre_vote: Option<bool>,
    },
    HeartbeatOverrun {
        to: Option<NodeId>,
        heartbeat_ms: Option<f64>,
        exceeded_ms: Option<f64>,
    },
    SlowFsync {
        took_ms: Option<f64>,
    },
    /// Snapshot, compaction or defrag work: `started` for the line that opens it, else
    /// the line that closes it (with its duration when etcd prints one).
    DiskWork {
        work: DiskWork,
        started: bool,
        took_ms: Option<f64>,
    },
    SlowApply {
        took_ms: Option<f64>,
        error: Option<String>,
    },
    ReadIndexSlow,
    StreamLost {
        peer: Option<NodeId>,
        error: Option<String>,
    },
    PeerInactive {
        peer: Option<NodeId>,
        error: Option<String>,
    },
    PeerActive {
        peer: Option<NodeId>,
    },
    PeerUnreachable {
        peer: Option<NodeId>,
        rtt_ms: Option<f64>,
        error: Option<String>,
    },
    BufferFull {
        peer: Option<NodeId>,
        msg_type: Option<String>,
    },
    ClockSkew {
        peer: Option<NodeId>,
        offset_ms: Option<f64>,
    },
    HealthNoLeader,
    RemovedMemberRejected {
        member: Option<NodeId>,
    },
    LeaderTransferRequested {
        from: Option<NodeId>,
        to: Option<NodeId>,
    },
    LeaderTransferFinished {
        from: Option<NodeId>,
        to: Option<NodeId>,
        took_ms: Option<f64>,
        ok: bool,
    },
    MemberChange {
        action: &'static str,
        member: Option<NodeId>,
        peer_urls: Vec<String>,
        from_store: bool,
    },
    RequestFailed {
        error: String,
    },
}

/// Every kind name [`Kind::name`] gives, in its order (`--kind` accepts these).
pub const KIND_NAMES: &[&str] = &[
    "became_follower",
    "became_pre_candidate",
    "became_candidate",
    "became_leader",
    "election_started",
    "vote_sent",
    "vote_granted",
    "vote_rejected",
    "vote_ignored",
    "vote_response",
    "vote_tally",
    "term_bump",
    "lower_term_ignored",
    "elected_leader",
    "changed_leader",
    "lost_leader",
    "forgot_leader",
    "transfer_started",
    "transfer_aborted",
    "timeout_now_sent",
    "timeout_now_received",
    "stepped_down",
    "config_change",
    "proposal_dropped",
    "raft_boot",
    "campaign_refused",
    "tick_missed",
    "snapshot_restored",
    "log_conflict",
    "process_start",
    "process_shutdown",
    "server_stop",
    "member_identity",
    "timing_config",
    "heartbeat_overrun",
    "slow_fsync",
    "disk_work",
    "slow_apply",
    "read_index_slow",
    "stream_lost",
    "peer_inactive",
    "peer_active",
    "peer_unreachable",
    "buffer_full",
    "clock_skew",
    "health_no_leader",
    "removed_member_rejected",
    "leader_transfer_requested",
    "leader_transfer_finished",
    "member_change",
    "request_failed",
];

impl Kind {
    /// For link-trouble events: the peer's process closed its connections (`unexpected
    /// EOF`, `EOF`) or was not listening (`connection refused`): it was down, not cut off (a
    /// partition shows `i/o timeout` or `no route to host`).
    pub fn peer_gone(&self) -> bool {
        match self {
            Kind::StreamLost { error, .. }
            | Kind::PeerInactive { error, .. }
            | Kind::PeerUnreachable { error, .. } => error
                .as_deref()
                .is_some_and(|e| e.contains("connection refused") || e.contains("EOF")),
            _ => false,
        }
    }

    /// A line of a member's stop: the signal, or a later step of the stop (which is all a
    /// member stopped without a signal logs).
    pub fn is_stop(&self) -> bool {
        matches!(self, Kind::ProcessShutdown { .. } | Kind::ServerStop { .. })
    }

    /// The stable kind name used in JSON, NDJSON and CSV.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::BecameFollower => "became_follower",
            Kind::BecamePreCandidate => "became_pre_candidate",
            Kind::BecameCandidate => "became_candidate",
            Kind::BecameLeader => "became_leader",
            Kind::ElectionStarted => "election_started",
            Kind::VoteSent { .. } => "vote_sent",
            Kind::VoteGranted { .. } => "vote_granted",
            Kind::VoteRejected { .. } => "vote_rejected",
            Kind::VoteIgnored { .. } => "vote_ignored",
            Kind::VoteResponse { .. } => "vote_response",
            Kind::VoteTally { .. } => "vote_tally",
            Kind::TermBump { .. } => "term_bump",
            Kind::LowerTermIgnored { .. } => "lower_term_ignored",
            Kind::ElectedLeader { .. } => "elected_leader",
            Kind::ChangedLeader { .. } => "changed_leader",
            Kind::LostLeader { .. } => "lost_leader",
            Kind::ForgotLeader { .. } => "forgot_leader",
            Kind::TransferStarted { .. } => "transfer_started",
            Kind::TransferAborted { .. } => "transfer_aborted",
            Kind::TimeoutNowSent { .. } => "timeout_now_sent",
            Kind::TimeoutNowReceived { .. } => "timeout_now_received",
            Kind::SteppedDown => "stepped_down",
            Kind::ConfigChange { .. } => "config_change",
            Kind::ProposalDropped { .. } => "proposal_dropped",
            Kind::RaftBoot { .. } => "raft_boot",
            Kind::CampaignRefused { .. } => "campaign_refused",
            Kind::TickMissed { .. } => "tick_missed",
            Kind::SnapshotRestored { .. } => "snapshot_restored",
            Kind::LogConflict { .. } => "log_conflict",
            Kind::ProcessStart { .. } => "process_start",
            Kind::ProcessShutdown { .. } => "process_shutdown",
            Kind::ServerStop { .. } => "server_stop",
            Kind::MemberIdentity(_) => "member_identity",
            Kind::TimingConfig { .. } => "timing_config",
            Kind::HeartbeatOverrun { .. } => "heartbeat_overrun",
            Kind::SlowFsync { .. } => "slow_fsync",
            Kind::DiskWork { .. } => "disk_work",
            Kind::SlowApply { .. } => "slow_apply",
            Kind::ReadIndexSlow => "read_index_slow",
            Kind::StreamLost { .. } => "stream_lost",
            Kind::PeerInactive { .. } => "peer_inactive",
            Kind::PeerActive { .. } => "peer_active",
            Kind::PeerUnreachable { .. } => "peer_unreachable",
            Kind::BufferFull { .. } => "buffer_full",
            Kind::ClockSkew { .. } => "clock_skew",
            Kind::HealthNoLeader => "health_no_leader",
            Kind::RemovedMemberRejected { .. } => "removed_member_rejected",
            Kind::LeaderTransferRequested { .. } => "leader_transfer_requested",
            Kind::LeaderTransferFinished { .. } => "leader_transfer_finished",
            Kind::MemberChange { .. } => "member_change",
            Kind::RequestFailed { .. } => "request_failed",
        }
    }

    /// The candidate of a real (not pre-vote) vote refused because its log was behind
    /// the voter's (`rejected MsgVote from X [logterm, index]`).
    pub fn stale_refusal(&self) -> Option<NodeId> {
        match self {
            Kind::VoteRejected {
                candidate,
                pre_vote: false,
                voter_log,
                candidate_log,
            } if candidate_log.behind(*voter_log) => Some(*candidate),
            _ => None,
        }
    }

    /// True for kinds that come from the raft library (subject ID = the writing node).
    pub fn is_raft(&self) -> bool {
        !matches!(
            self,
            Kind::ProcessStart { .. }
                | Kind::ProcessShutdown { .. }
                | Kind::ServerStop { .. }
                | Kind::MemberIdentity(_)
                | Kind::TimingConfig { .. }
                | Kind::HeartbeatOverrun { .. }
                | Kind::SlowFsync { .. }
                | Kind::DiskWork { .. }
                | Kind::SlowApply { .. }
                | Kind::ReadIndexSlow
                | Kind::StreamLost { .. }
                | Kind::PeerInactive { .. }
                | Kind::PeerActive { .. }
                | Kind::PeerUnreachable { .. }
                | Kind::BufferFull { .. }
                | Kind::ClockSkew { .. }
                | Kind::HealthNoLeader
                | Kind::RemovedMemberRejected { .. }
                | Kind::LeaderTransferRequested { .. }
                | Kind::LeaderTransferFinished { .. }
                | Kind::MemberChange { .. }
                | Kind::RequestFailed { .. }
        )
    }

    /// Kind-specific JSON fields, in a fixed order. Each family of kinds writes its own
    /// (this match stays exhaustive, so a new kind cannot go without its fields).
    pub fn fields(&self, out: &mut Map<String, Value>) {
        match self {
            Kind::BecameFollower
            | Kind::BecamePreCandidate
            | Kind::BecameCandidate
            | Kind::BecameLeader
            | Kind::ElectionStarted
            | Kind::SteppedDown
            | Kind::ReadIndexSlow
            | Kind::HealthNoLeader => {}
            Kind::VoteSent { .. }
            | Kind::VoteGranted { .. }
            | Kind::VoteRejected { .. }
            | Kind::VoteIgnored { .. }
            | Kind::VoteResponse { .. }
            | Kind::VoteTally { .. }
            | Kind::TermBump { .. }
            | Kind::LowerTermIgnored { .. } => self.vote_fields(out),
            Kind::ElectedLeader { .. }
            | Kind::LostLeader { .. }
            | Kind::ForgotLeader { .. }
            | Kind::ChangedLeader { .. }
            | Kind::TransferStarted { .. }
            | Kind::TransferAborted { .. }
            | Kind::TimeoutNowSent { .. }
            | Kind::TimeoutNowReceived { .. }
            | Kind::ConfigChange { .. }
            | Kind::ProposalDropped { .. }
            | Kind::RaftBoot { .. }
            | Kind::CampaignRefused { .. }
            | Kind::TickMissed { .. }
            | Kind::SnapshotRestored { .. }
            | Kind::LogConflict { .. } => self.leader_log_fields(out),
            Kind::ProcessStart { .. }
            | Kind::ProcessShutdown { .. }
            | Kind::ServerStop { .. }
            | Kind::MemberIdentity(_)
            | Kind::TimingConfig { .. }
            | Kind::HeartbeatOverrun { .. }
            | Kind::SlowFsync { .. }
            | Kind::DiskWork { .. }
            | Kind::SlowApply { .. }
            | Kind::MemberChange { .. }
            | Kind::RequestFailed { .. } => self.server_fields(out),
            Kind::StreamLost { .. }
            | Kind::PeerInactive { .. }
            | Kind::PeerActive { .. }
            | Kind::PeerUnreachable { .. }
            | Kind::BufferFull { .. }
            | Kind::ClockSkew { .. }
            | Kind::RemovedMemberRejected { .. }
            | Kind::LeaderTransferRequested { .. }
            | Kind::LeaderTransferFinished { .. } => self.peer_fields(out),
        }
    }

    /// Campaigns, votes and the terms they carry.
    fn vote_fields(&self, o: &mut Map<String, Value>) {
        match self {
            Kind::VoteSent { to, pre_vote } => {
                put(o, "to", id(to));
                put(o, "pre_vote", json!(pre_vote));
            }
            Kind::VoteGranted {
                candidate,
                pre_vote,
            } => {
                put(o, "candidate", id(candidate));
                put(o, "pre_vote", json!(pre_vote));
            }
            Kind::VoteRejected {
                candidate,
                pre_vote,
                voter_log,
                candidate_log,
            } => {
                put(o, "candidate", id(candidate));
                put(o, "pre_vote", json!(pre_vote));
                put(o, "voter_log", voter_log.to_json());
                put(o, "candidate_log", candidate_log.to_json());
            }
            Kind::VoteIgnored {
                candidate,
                pre_vote,
                remaining_ticks,
            } => {
                put(o, "candidate", id(candidate));
                put(o, "pre_vote", json!(pre_vote));
                put(o, "remaining_ticks", json!(remaining_ticks));
            }
            Kind::VoteResponse {
                from,
                granted,
                pre_vote,
            } => {
                put(o, "from", id(from));
                put(o, "granted", json!(granted));
                put(o, "pre_vote", json!(pre_vote));
            }
            Kind::VoteTally {
                granted,
                rejected,
                pre_vote,
                quorum,
            } => {
                put(o, "granted", json!(granted));
                put(o, "rejected", json!(rejected));
                put(o, "pre_vote", json!(pre_vote));
                put(o, "quorum", json!(quorum));
            }
            _ => self.term_fields(o),
        }
    }

    /// Messages that carry another term than the member's.
    fn term_fields(&self, o: &mut Map<String, Value>) {
        match self {
            Kind::TermBump {
                from,
                msg_type,
                old_term,
            } => {
                put(o, "from", id(from));
                put(o, "msg_type", json!(msg_type));
                put(o, "old_term", json!(old_term));
            }
            Kind::LowerTermIgnored {
                from,
                msg_type,
                sender_term,
            } => {
                put(o, "from", id(from));
                put(o, "msg_type", json!(msg_type));
                put(o, "sender_term", json!(sender_term));
            }
            _ => {}
        }
    }

    /// Leaders, transfers, configuration and the raft log.
    fn leader_log_fields(&self, o: &mut Map<String, Value>) {
        match self {
            Kind::ElectedLeader { leader }
            | Kind::LostLeader { leader }
            | Kind::ForgotLeader { leader } => put(o, "leader", id(leader)),
            Kind::ChangedLeader { from, leader } => {
                put(o, "from", id(from));
                put(o, "leader", id(leader));
            }
            Kind::TransferStarted { to }
            | Kind::TransferAborted { to }
            | Kind::TimeoutNowSent { to } => put(o, "to", id(to)),
            Kind::TimeoutNowReceived { from } => put(o, "from", id(from)),
            Kind::ConfigChange {
                voters,
                learners,
                joint,
            } => {
                put(o, "voters", ids(voters));
                put(o, "learners", ids(learners));
                put(o, "joint", json!(joint));
            }
            Kind::ProposalDropped { reason, leader } => {
                put(o, "reason", json!(reason.name()));
                put(o, "leader", oid(leader));
            }
            Kind::CampaignRefused { reason } => put(o, "reason", json!(reason)),
            Kind::TickMissed { was_leader } => put(o, "was_leader", json!(was_leader)),
            _ => self.log_fields(o),
        }
    }

    /// The raft log at boot, on a snapshot and on a conflict.
    fn log_fields(&self, o: &mut Map<String, Value>) {
        match self {
            Kind::RaftBoot {
                peers,
                commit,
                last_index,
                last_term,
            } => {
                put(o, "peers", ids(peers));
                put(o, "commit", json!(commit));
                put(o, "last_index", json!(last_index));
                put(o, "last_term", json!(last_term));
            }
            Kind::SnapshotRestored {
                index,
                snapshot_term,
            } => {
                put(o, "index", json!(index));
                put(o, "snapshot_term", json!(snapshot_term));
            }
            Kind::LogConflict {
                index,
                existing_term,
                conflicting_term,
            } => {
                put(o, "index", json!(index));
                put(o, "existing_term", json!(existing_term));
                put(o, "conflicting_term", json!(conflicting_term));
            }
            _ => {}
        }
    }

    /// The process, its identity, timers, disk and apply loop, and membership.
    fn server_fields(&self, o: &mut Map<String, Value>) {
        match self {
            Kind::ProcessStart { version } => put(o, "version", json!(version)),
            Kind::ProcessShutdown { signal } => put(o, "signal", json!(signal)),
            Kind::ServerStop { step } => put(o, "step", json!(step.name())),
            Kind::MemberIdentity(ident) => identity_fields(ident, o),
            Kind::TimingConfig {
                heartbeat_ms,
                election_ms,
                election_ticks,
                pre_vote,
            } => {
                put(o, "heartbeat_interval_ms", ms(heartbeat_ms));
                put(o, "election_timeout_ms", ms(election_ms));
                put(o, "election_ticks", json!(election_ticks));
                put(o, "pre_vote", json!(pre_vote));
            }
            Kind::HeartbeatOverrun {
                to,
                heartbeat_ms,
                exceeded_ms,
            } => {
                put(o, "to", oid(to));
                put(o, "heartbeat_interval_ms", ms(heartbeat_ms));
                put(o, "exceeded_ms", ms(exceeded_ms));
            }
            Kind::SlowFsync { took_ms } => put(o, "took_ms", ms(took_ms)),
            Kind::DiskWork {
                work,
                started,
                took_ms,
            } => {
                put(o, "work", json!(work.name()));
                put(o, "phase", json!(if *started { "start" } else { "end" }));
                put(o, "took_ms", ms(took_ms));
            }
            Kind::SlowApply { took_ms, error } => {
                put(o, "took_ms", ms(took_ms));
                put(o, "error", json!(error));
            }
            Kind::MemberChange {
                action,
                member,
                peer_urls,
                from_store,
            } => {
                put(o, "action", json!(action));
                put(o, "member", oid(member));
                put(o, "peer_urls", json!(peer_urls));
                put(o, "from_store", json!(from_store));
            }
            Kind::RequestFailed { error } => put(o, "error", json!(error)),
            _ => {}
        }
    }

    /// Peer links and leadership transfers between members.
    fn peer_fields(&self, o: &mut Map<String, Value>) {
        match self {
            Kind::StreamLost { peer, error } | Kind::PeerInactive { peer, error } => {
                put(o, "peer", oid(peer));
                put(o, "error", json!(error));
            }
            Kind::PeerActive { peer } => put(o, "peer", oid(peer)),
            Kind::PeerUnreachable {
                peer,
                rtt_ms,
                error,
            } => {
                put(o, "peer", oid(peer));
                put(o, "rtt_ms", ms(rtt_ms));
                put(o, "error", json!(error));
            }
            Kind::BufferFull { peer, msg_type } => {
                put(o, "peer", oid(peer));
                put(o, "msg_type", json!(msg_type));
            }
            Kind::ClockSkew { peer, offset_ms } => {
                put(o, "peer", oid(peer));
                put(o, "offset_ms", ms(offset_ms));
            }
            Kind::RemovedMemberRejected { member } => put(o, "member", oid(member)),
            Kind::LeaderTransferRequested { from, to } => {
                put(o, "from", oid(from));
                put(o, "to", oid(to));
            }
            Kind::LeaderTransferFinished {
                from,
                to,
                took_ms,
                ok,
            } => {
                put(o, "from", oid(from));
                put(o, "to", oid(to));
                put(o, "took_ms", ms(took_ms));
                put(o, "ok", json!(ok));
            }
            _ => {}
        }
    }
}

fn put(o: &mut Map<String, Value>, k: &str, v: Value) {
    o.insert(k.to_string(), v);
}

fn id(v: &NodeId) -> Value {
    Value::String(hex(*v))
}

fn oid(v: &Option<NodeId>) -> Value {
    v.map(|x| Value::String(hex(x))).unwrap_or(Value::Null)
}

fn ids(v: &[NodeId]) -> Value {
    Value::Array(v.iter().map(|x| Value::String(hex(*x))).collect())
}

fn ms(v: &Option<f64>) -> Value {
    v.map(|x| json!(round3(x))).unwrap_or(Value::Null)
}

fn identity_fields(ident: &Identity, o: &mut Map<String, Value>) {
    let Identity {
        member,
        name,
        peer_urls,
        client_urls,
        cluster_id,
        version,
        restart,
        initial_cluster,
    } = ident;
    put(o, "member", oid(member));
    put(o, "name", json!(name));
    put(o, "peer_urls", json!(peer_urls));
    put(o, "client_urls", json!(client_urls));
    put(o, "cluster_id", json!(cluster_id));
    put(o, "etcd_version", json!(version));
    put(o, "restart", json!(restart));
    let ic: Map<String, Value> = initial_cluster
        .iter()
        .map(|(n, u)| (n.clone(), json!(u)))
        .collect();
    put(o, "initial_cluster", Value::Object(ic));
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// One normalised event.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// When it happened (null when the line had no usable time).
    pub ts: Option<Instant>,
    /// The member that wrote the line (the subject of a raft message), when known.
    pub node: Option<NodeId>,
    /// The term exactly as the message printed it.
    pub term: Option<u64>,
    /// What happened.
    pub kind: Kind,
    /// Input and line number.
    pub origin: Origin,
    /// The timestamp has second precision only (Go `log` lines): order by file position.
    pub coarse_ts: bool,
}

impl Event {
    /// An event of `kind` with nothing else known (no time, member, term or position):
    /// what builders start from, setting the fields they know.
    pub fn of(kind: Kind) -> Event {
        Event {
            ts: None,
            node: None,
            term: None,
            kind,
            origin: Origin::default(),
            coarse_ts: false,
        }
    }

    /// The NDJSON/JSON object of this event.
    pub fn to_json(
        &self,
        input_name: &str,
        node_name: Option<&str>,
        raw: Option<&str>,
    ) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert(
            "ts".into(),
            self.ts.map(|t| json!(t.rfc3339())).unwrap_or(Value::Null),
        );
        m.insert(
            "node".into(),
            self.node.map(|n| json!(hex(n))).unwrap_or(Value::Null),
        );
        m.insert("node_name".into(), json!(node_name));
        m.insert("kind".into(), json!(self.kind.name()));
        m.insert("term".into(), json!(self.term));
        self.kind.fields(&mut m);
        m.insert(
            "source".into(),
            json!({"input": input_name, "line": self.origin.line}),
        );
        if let Some(r) = raw {
            m.insert("raw".into(), json!(r));
        }
        m
    }
}

#[cfg(test)]
mod kind_name_tests {
    use super::KIND_NAMES;
    use std::collections::BTreeSet;

    /// `--kind` lists and accepts KIND_NAMES: they must be exactly the kinds
    /// docs/events.md documents (first column of its tables, `a` / `b` rows split).
    #[test]
    fn kind_names_are_the_documented_kinds() {
        let doc = include_str!("../docs/events.md");
        let mut documented = BTreeSet::new();
        for line in doc.lines() {
            let Some(first) = line.strip_prefix("| `") else {
                continue;
            };
            let cell = first.split(" |").next().unwrap_or_default();
            for name in cell.split(" / ") {
                documented.insert(name.trim_matches('`').to_string());
            }
        }
        let ours: BTreeSet<String> = KIND_NAMES.iter().map(|s| s.to_string()).collect();
        assert_eq!(ours.len(), KIND_NAMES.len(), "a name listed twice");
        assert_eq!(ours, documented);
    }
}
