//! Per-node state and the cluster model: terms as the logical clock, leaderless windows,
//! storms and anomalies (design.md §1, §4).

use crate::event::{hex, Event, Kind, NodeId, StopStep};
use crate::ingest::InputResult;
use crate::report::{
    Anomaly, Candidacy, Gap, InputRow, Learned, NodeRow, Report, Storm, Summary, TermRow,
    TimelineRow, Window, SCHEMA_VERSION,
};
use crate::time::{human_ms, Instant};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};

pub mod inferred;
pub mod outcome;
pub mod view;
pub mod votes;

/// Analysis settings.
#[derive(Clone, Debug)]
pub struct ModelOptions {
    /// Storm sliding window.
    pub storm_window_ms: i64,
    /// Leader changes within the window that make a storm.
    pub storm_threshold: u64,
    /// Leaderless windows at least this long are findings.
    pub leaderless_threshold_ms: i64,
    /// Clock offsets above this are reported.
    pub skew_tolerance_ms: i64,
    /// Move the times of members whose clock is measured off onto the others' clock
    /// (`--no-clock-correction` turns it off).
    pub clock_correction: bool,
    /// `--name ID=NAME`.
    pub names: BTreeMap<NodeId, String>,
    /// Names used when neither `--name` nor the logs name a member (the pod or node a
    /// support bundle files the member's only log under).
    pub fallback_names: BTreeMap<NodeId, String>,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions {
            storm_window_ms: 15 * 60 * 1000,
            storm_threshold: 4,
            leaderless_threshold_ms: 5000,
            skew_tolerance_ms: 1000,
            clock_correction: true,
            names: BTreeMap::new(),
            fallback_names: BTreeMap::new(),
        }
    }
}

/// Everything the renderers need.
#[derive(Debug)]
pub struct Analysis {
    /// The JSON document.
    pub report: Report,
    /// Events in merged chronological order.
    pub events: Vec<Event>,
    /// Raw lines parallel to `events` (empty unless `--raw`).
    pub raw: Vec<String>,
    /// Each member's leader after each event (parallel to `events`).
    pub leader_after: Vec<Option<NodeId>>,
    /// Input names by index.
    pub input_names: Vec<String>,
    /// Display names of members.
    pub names: BTreeMap<NodeId, String>,
    /// Put the raw lines into event output (`--raw`).
    pub show_raw: bool,
    /// Figures from /metrics dumps and etcdctl outputs given with the logs.
    pub metrics: Option<crate::metrics::MetricsReport>,
    /// One analysis per cluster when the inputs held more than one (docs/clusters.md):
    /// then this analysis holds their rows together and no events of its own. Empty for
    /// one cluster.
    pub sections: Vec<Analysis>,
    /// The clock correction applied to the events of each (input index, member), in ms
    /// ([`crate::clock`]); empty when no member's clock was corrected.
    pub clock_shifts: BTreeMap<(u32, Option<NodeId>), i64>,
}

impl Analysis {
    /// The raw text of a line, when raw lines were kept.
    pub fn raw_line(&self, input: &str, line: u64) -> Option<&str> {
        self.events
            .iter()
            .zip(self.raw.iter())
            .find(|(e, _)| {
                e.origin.line == line
                    && self
                        .input_names
                        .get(e.origin.input as usize)
                        .map(String::as_str)
                        == Some(input)
            })
            .map(|(_, r)| r.as_str())
    }

    /// Display name of a member: its name, else the shortest prefix of its hex ID (at
    /// least 6 digits) that no other member of the input shares, like a short git hash.
    pub fn name(&self, id: NodeId) -> String {
        if let Some(n) = self.names.get(&id) {
            return n.clone();
        }
        let h = hex(id);
        let others: Vec<String> = self
            .report
            .nodes
            .iter()
            .map(|n| n.id.clone())
            .filter(|o| *o != h)
            .collect();
        let mut len = 6.min(h.len());
        while len < h.len() && others.iter().any(|o| o.starts_with(&h[..len])) {
            len += 1;
        }
        h[..len].to_string()
    }

    /// Optional name.
    pub fn opt_name(&self, id: Option<NodeId>) -> String {
        id.map(|i| self.name(i)).unwrap_or_else(|| "-".to_string())
    }

    /// The timeline rows. `all`: every event, not just the election steps.
    pub fn timeline(&self, all: bool) -> Vec<TimelineRow> {
        let mut rows = Vec::new();
        // a stop that logged no signal still shows: its first stop line (`closing etcd
        // server`, …) stands for it; after a signal the later steps add nothing
        let first_stops: BTreeSet<usize> = if all {
            BTreeSet::new()
        } else {
            crate::lives::lives(&self.events)
                .values()
                .flatten()
                .filter_map(|l| l.stop)
                .collect()
        };
        for (i, e) in self.events.iter().enumerate() {
            if !all && !in_timeline(&e.kind) && !first_stops.contains(&i) {
                continue;
            }
            rows.push(TimelineRow {
                ts: e.ts,
                node: self.opt_name(e.node),
                event: self.describe(e),
                term: e.term,
                leader: self.opt_name(self.leader_after[i]),
                kind: e.kind.name(),
            });
        }
        rows
    }

    /// Words for one event.
    pub fn describe(&self, e: &Event) -> String {
        let n = |id: &NodeId| self.name(*id);
        let pv = |p: &bool| if *p { " (pre-vote)" } else { "" };
        let ms = |v: &Option<f64>| {
            v.map(|x| human_ms(x.round() as i64))
                .unwrap_or_else(|| "?".into())
        };
        match &e.kind {
            Kind::BecameFollower => "became follower".into(),
            Kind::BecamePreCandidate => "became pre-candidate".into(),
            Kind::BecameCandidate => "became candidate".into(),
            Kind::BecameLeader => "became LEADER".into(),
            Kind::ElectionStarted => "election timeout, starts election".into(),
            Kind::VoteSent { to, pre_vote } => {
                format!("asked {} for a vote{}", n(to), pv(pre_vote))
            }
            Kind::VoteGranted {
                candidate,
                pre_vote,
            } => format!("voted for {}{}", n(candidate), pv(pre_vote)),
            Kind::VoteRejected {
                candidate,
                pre_vote,
                ..
            } => format!("rejected vote for {}{}", n(candidate), pv(pre_vote)),
            Kind::VoteIgnored {
                candidate,
                pre_vote,
                ..
            } => {
                format!(
                    "ignored vote from {}{} (leader lease)",
                    n(candidate),
                    pv(pre_vote)
                )
            }
            Kind::VoteResponse {
                from,
                granted,
                pre_vote,
            } => format!(
                "{} vote from {}{}",
                if *granted { "got" } else { "refused" },
                n(from),
                pv(pre_vote)
            ),
            Kind::VoteTally {
                granted,
                rejected,
                pre_vote,
                ..
            } => format!(
                "tally {granted} for, {rejected} against{}",
                if *pre_vote == Some(true) {
                    " (pre-vote)"
                } else {
                    ""
                }
            ),
            Kind::TermBump {
                from,
                msg_type,
                old_term,
            } => {
                format!("higher term from {} ({msg_type}, was {old_term})", n(from))
            }
            Kind::LowerTermIgnored { from, msg_type, .. } => {
                format!("ignored stale {msg_type} from {}", n(from))
            }
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
            Kind::SteppedDown => "stepped down: quorum not active".into(),
            Kind::ConfigChange { voters, .. } => format!(
                "configuration: voters {}",
                voters.iter().map(n).collect::<Vec<_>>().join(",")
            ),
            Kind::ProposalDropped { reason, .. } => format!("dropped request ({})", reason.name()),
            Kind::RaftBoot { peers, .. } => {
                format!("raft boot ({} peers in snapshot)", peers.len())
            }
            Kind::CampaignRefused { reason } => format!("cannot campaign ({reason})"),
            Kind::TickMissed { .. } => "tick missed: node blocked".into(),
            Kind::SnapshotRestored { index, .. } => format!("restored snapshot at index {index}"),
            Kind::LogConflict { index, .. } => format!("log conflict at index {index}"),
            Kind::ProcessStart { version } => match version {
                Some(v) => format!("process start (etcd {v})"),
                None => "process start".into(),
            },
            Kind::ProcessShutdown { signal } => match signal {
                Some(s) => format!("shutting down ({s})"),
                None => "shutting down".into(),
            },
            Kind::ServerStop { step } => match step {
                StopStep::TransferSkipped => "stopping: leadership transfer skipped".into(),
                StopStep::Closing => "stopping: closing etcd server".into(),
                StopStep::Closed => "stopped: closed etcd server".into(),
            },
            Kind::MemberIdentity(_) => "member identity".into(),
            Kind::TimingConfig { .. } => "timer settings".into(),
            Kind::HeartbeatOverrun {
                to, exceeded_ms, ..
            } => format!(
                "heartbeat late by {} to {}",
                ms(exceeded_ms),
                to.map(|t| self.name(t)).unwrap_or_else(|| "?".into())
            ),
            Kind::SlowFsync { took_ms } => format!("slow fdatasync {}", ms(took_ms)),
            Kind::DiskWork {
                work,
                started: true,
                ..
            } => format!("{} started", work.name()),
            Kind::DiskWork {
                work,
                took_ms: Some(t),
                ..
            } => format!("{} finished in {}", work.name(), ms(&Some(*t))),
            Kind::DiskWork { work, .. } => format!("{} finished", work.name()),
            Kind::SlowApply { took_ms, .. } => format!("slow apply {}", ms(took_ms)),
            Kind::ReadIndexSlow => "slow read index".into(),
            Kind::StreamLost { peer, .. } => format!("lost stream to {}", self.opt_name(*peer)),
            Kind::PeerInactive { peer, .. } => format!("peer {} inactive", self.opt_name(*peer)),
            Kind::PeerActive { peer } => format!("peer {} active", self.opt_name(*peer)),
            Kind::PeerUnreachable { peer, .. } => {
                format!("peer {} unreachable", self.opt_name(*peer))
            }
            Kind::BufferFull { peer, .. } => {
                format!("send buffer full to {}", self.opt_name(*peer))
            }
            Kind::ClockSkew { peer, offset_ms } => {
                format!(
                    "clock differs from {} by {}",
                    self.opt_name(*peer),
                    ms(offset_ms)
                )
            }
            Kind::HealthNoLeader => "/health: no leader".into(),
            Kind::RemovedMemberRejected { member } => {
                format!(
                    "rejected message from removed member {}",
                    self.opt_name(*member)
                )
            }
            Kind::LeaderTransferRequested { from, to } => {
                format!(
                    "leadership transfer {} -> {}",
                    self.opt_name(*from),
                    self.opt_name(*to)
                )
            }
            Kind::LeaderTransferFinished { ok, to, .. } => {
                if *ok {
                    format!("leadership transfer to {} done", self.opt_name(*to))
                } else {
                    "leadership transfer failed".into()
                }
            }
            Kind::MemberChange { action, member, .. } => {
                format!("member {} {action}", self.opt_name(*member))
            }
            Kind::RequestFailed { error } => format!("request failed: {error}"),
        }
    }
}

/// Kinds shown in the default timeline.
pub fn in_timeline(k: &Kind) -> bool {
    matches!(
        k,
        Kind::BecameFollower
            | Kind::BecamePreCandidate
            | Kind::BecameCandidate
            | Kind::BecameLeader
            | Kind::ElectionStarted
            | Kind::VoteGranted { .. }
            | Kind::VoteRejected { .. }
            | Kind::VoteIgnored { .. }
            | Kind::TermBump { .. }
            | Kind::ElectedLeader { .. }
            | Kind::ChangedLeader { .. }
            | Kind::LostLeader { .. }
            | Kind::ForgotLeader { .. }
            | Kind::TransferStarted { .. }
            | Kind::TransferAborted { .. }
            | Kind::TimeoutNowReceived { .. }
            | Kind::SteppedDown
            | Kind::ProcessStart { .. }
            | Kind::ProcessShutdown { .. }
            | Kind::LeaderTransferRequested { .. }
            | Kind::CampaignRefused { .. }
    ) || matches!(k, Kind::MemberChange { from_store: false, action, .. } if *action != "added")
}

#[derive(Default, Debug)]
struct NodeAcc {
    name: Option<String>,
    peer_urls: BTreeSet<String>,
    client_urls: BTreeSet<String>,
    first: Option<Instant>,
    last: Option<Instant>,
    version: Option<String>,
    cluster_id: Option<String>,
    heartbeat: Option<f64>,
    election: Option<f64>,
    election_ticks: Option<u64>,
    pre_vote_cfg: Option<bool>,
    starts: Vec<Instant>,
    pre_rounds: u64,
    campaigns: u64,
    changes_seen: u64,
    has_log: bool,
}

#[derive(Default, Debug)]
struct TermAcc {
    candidates: BTreeSet<NodeId>,
    started: Option<Instant>,
    self_leaders: BTreeMap<NodeId, Option<Instant>>,
    acks: Vec<(NodeId, NodeId, Option<Instant>)>, // (leader, acker, ts)
    granted: BTreeSet<(NodeId, NodeId)>,          // (voter, candidate)
    rejected: BTreeSet<(NodeId, NodeId)>,
    transfer: bool,
}

fn min_ts(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Merge events of all inputs into one chronological sequence, keeping the file order
/// of each (input, member) sequence (design.md §1: within a node, file order wins).
fn merge(inputs: Vec<InputResult>) -> (Vec<Event>, Vec<String>) {
    let mut seqs: Vec<Vec<(Event, Option<String>)>> = Vec::new();
    let mut index: HashMap<(u32, Option<NodeId>), usize> = HashMap::new();
    for inp in inputs {
        let has_raw = !inp.raw.is_empty();
        let mut raw = inp.raw.into_iter();
        for e in inp.events {
            let r = if has_raw { raw.next() } else { None };
            let key = (e.origin.input, e.node);
            let i = *index.entry(key).or_insert_with(|| {
                seqs.push(Vec::new());
                seqs.len() - 1
            });
            seqs[i].push((e, r));
        }
    }
    // effective (monotone) time and term per element for the merge
    // among lines with the same time (zap 3.4 prints milliseconds, the 3.4 raft Go log
    // whole seconds) the causal order of an election: campaign, votes, win, the others
    // learning of it
    let rank = |k: &Kind| -> u8 {
        match k {
            Kind::ProcessStart { .. }
            | Kind::RaftBoot { .. }
            | Kind::ElectionStarted
            | Kind::BecamePreCandidate
            | Kind::BecameCandidate
            | Kind::VoteSent { .. }
            | Kind::TimeoutNowReceived { .. }
            | Kind::TransferStarted { .. }
            | Kind::TimeoutNowSent { .. }
            | Kind::LeaderTransferRequested { .. } => 0,
            Kind::BecameLeader => 2,
            Kind::ElectedLeader { .. } | Kind::ChangedLeader { .. } => 3,
            _ => 1,
        }
    };
    let mut eff: Vec<Vec<(i64, u64, u8)>> = Vec::with_capacity(seqs.len());
    for s in &seqs {
        let mut v = Vec::with_capacity(s.len());
        let first = s
            .iter()
            .find_map(|(e, _)| e.ts)
            .map(|t| t.0)
            .unwrap_or(i64::MIN);
        let mut cur = first;
        let mut term = 0u64;
        for (e, _) in s {
            if let Some(t) = e.ts {
                cur = cur.max(t.0);
            }
            if e.kind.is_raft() {
                if let Some(t) = e.term {
                    term = term.max(t);
                }
            }
            v.push((cur, term, rank(&e.kind)));
        }
        eff.push(v);
    }
    let mut heap = BinaryHeap::new();
    for (i, v) in eff.iter().enumerate() {
        if let Some(&(t, term, r)) = v.first() {
            heap.push(Reverse((t, term, r, i, 0usize)));
        }
    }
    let total: usize = seqs.iter().map(|s| s.len()).sum();
    let mut out = Vec::with_capacity(total);
    let mut raws = Vec::new();
    let mut taken: Vec<std::vec::IntoIter<(Event, Option<String>)>> =
        seqs.into_iter().map(|s| s.into_iter()).collect();
    while let Some(Reverse((_, _, _, i, pos))) = heap.pop() {
        if let Some((e, r)) = taken[i].next() {
            out.push(e);
            if let Some(r) = r {
                raws.push(r);
            }
        }
        let next = pos + 1;
        if let Some(&(t, term, r)) = eff[i].get(next) {
            heap.push(Reverse((t, term, r, i, next)));
        }
    }
    (out, raws)
}

/// The note on inputs that could not be read at all: what they held is missing, and a
/// member whose log may be among them is seen only through the others' lines.
fn unreadable_note(rows: &[InputRow], without_log: Vec<String>) -> Option<String> {
    let unread: Vec<&str> = rows
        .iter()
        .filter(|i| i.unreadable)
        .map(|i| i.name.as_str())
        .collect();
    let which = crate::report::unreadable_brief(&unread)?;
    Some(if without_log.is_empty() {
        format!("{which} (what it held is missing from this analysis)")
    } else {
        format!(
            "{which}; no log of {} was read (it may be among them): its leadership, votes and causes are inferred from the other members' lines",
            without_log.join(", ")
        )
    })
}

/// The other members a line names as raft peers (not a removed member a line rejects).
fn peers_named(k: &Kind) -> Option<NodeId> {
    match k {
        Kind::VoteGranted { candidate, .. }
        | Kind::VoteRejected { candidate, .. }
        | Kind::VoteIgnored { candidate, .. } => Some(*candidate),
        Kind::VoteResponse { from, .. }
        | Kind::LowerTermIgnored { from, .. }
        | Kind::TimeoutNowReceived { from } => Some(*from),
        Kind::LostLeader { leader } | Kind::ForgotLeader { leader } => Some(*leader),
        Kind::TransferStarted { to }
        | Kind::TransferAborted { to }
        | Kind::TimeoutNowSent { to } => Some(*to),
        Kind::HeartbeatOverrun { to, .. } => *to,
        Kind::StreamLost { peer, .. }
        | Kind::PeerInactive { peer, .. }
        | Kind::PeerActive { peer }
        | Kind::PeerUnreachable { peer, .. }
        | Kind::BufferFull { peer, .. }
        | Kind::ClockSkew { peer, .. } => *peer,
        _ => None,
    }
}

/// The note on an input whose lines came newest first.
pub const NEWEST_FIRST_NOTE: &str =
    "newest first (its times go down, as in logcli --direction backward, a _search sorted by time desc or a Grafana download): read reversed";

/// Build the analysis from the inputs' events.
pub fn analyze(mut inputs: Vec<InputResult>, opts: &ModelOptions) -> Analysis {
    let dups = dedup(&mut inputs);
    let input_rows: Vec<InputRow> = inputs
        .iter()
        .map(|i| {
            let s = &i.summary;
            InputRow {
                name: s.name.clone(),
                formats: s.formats.keys().map(|k| k.to_string()).collect(),
                wrappers: s.wrappers.iter().map(|k| k.to_string()).collect(),
                lines: s.lines,
                events: s.events,
                skipped_lines: s.skipped_total(),
                skipped: s.skipped.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
                nodes: s.nodes.iter().map(|n| hex(*n)).collect(),
                gzip: s.gzip,
                error: s.error.clone(),
                unreadable: s.unreadable,
                year_note: s.year_note.clone(),
                assumed_zone: s.assumed_zone,
                duplicate_events: dups.get(&(s.name.clone())).map(|d| d.0).unwrap_or(0),
                evidence_not_kept: s
                    .evidence_not_kept
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect(),
                not_kept_minutes: s.not_kept_minutes.clone(),
                unattributed: s.unattributed,
                sources: s
                    .sources
                    .iter()
                    .map(|(k, v)| (k.clone(), v.iter().map(|n| hex(*n)).collect()))
                    .collect(),
                layout: s.layout.map(str::to_string),
                pod: s.pod.clone(),
                newest_first: s.newest_first,
            }
        })
        .collect();
    let mut dup_anomalies = Vec::new();
    for (name, (n, others)) in &dups {
        dup_anomalies.push(Anomaly {
            kind: "duplicate_input".into(),
            summary: format!(
                "{n} event(s) of {name} were already read from {} (the same lines given twice, a rotated file and its copy, or overlapping logs): counted once",
                others.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
            nodes: Vec::new(),
            terms: Vec::new(),
            offset_ms: None,
            hint: None,
        });
    }
    let mut notes = Vec::new();
    for i in &inputs {
        if let Some(y) = &i.summary.year_note {
            notes.push(format!("{}: {}", i.summary.name, y));
        }
        if i.summary.newest_first {
            notes.push(format!("{}: {NEWEST_FIRST_NOTE}", i.summary.name));
        }
    }
    let input_names: Vec<String> = inputs.iter().map(|i| i.summary.name.clone()).collect();
    // clocks are measured, and corrected, before anything is ordered by time
    let clocks = crate::clock::Clocks::measure(&inputs, opts.skew_tolerance_ms);
    let shifts = if opts.clock_correction {
        clocks.apply(&mut inputs)
    } else {
        BTreeMap::new()
    };
    let (events, raw) = merge(inputs);
    let mut a = build(events, raw, input_rows, input_names, notes, opts, &clocks);
    inferred::fill(&a.events, &mut a.report.terms, &a.names);
    outcome::refine(&a.events, &mut a.report.terms);
    a.report.anomalies.extend(dup_anomalies);
    a.clock_shifts = shifts;
    a
}

/// Drop events that an earlier input already held for the same member (same time, term
/// and content): the same file given twice, a rotated file and its gzipped copy,
/// `previous.log` and `current.log` overlapping, two collectors of one member. Repeats
/// inside one input are real and kept. Returns, per input name, the number dropped and
/// the inputs that already had them.
/// A 64-bit digest of an event's content (kind and fields), without building its text.
pub(crate) fn kind_digest(k: &Kind) -> u64 {
    use std::hash::Hasher;
    struct Feed<'a>(&'a mut std::collections::hash_map::DefaultHasher);
    impl std::fmt::Write for Feed<'_> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let _ = std::fmt::write(&mut Feed(&mut h), format_args!("{k:?}"));
    h.finish()
}

fn dedup(inputs: &mut [InputResult]) -> BTreeMap<String, (u64, BTreeSet<String>)> {
    let mut out: BTreeMap<String, (u64, BTreeSet<String>)> = BTreeMap::new();
    if inputs.len() < 2 {
        return out;
    }
    // Only events of a member that another input also covers at that time can be
    // duplicates: time ranges per (input, member) limit the work (and the memory) to
    // the overlaps (rotated copies, previous/current logs), none for one file per member.
    let mut ranges: Vec<HashMap<NodeId, (i64, i64)>> = Vec::with_capacity(inputs.len());
    for inp in inputs.iter() {
        let mut r: HashMap<NodeId, (i64, i64)> = HashMap::new();
        for e in &inp.events {
            if let (Some(n), Some(t)) = (e.node, e.ts) {
                let x = r.entry(n).or_insert((t.0, t.0));
                x.0 = x.0.min(t.0);
                x.1 = x.1.max(t.0);
            }
        }
        ranges.push(r);
    }
    let covered = |js: std::ops::Range<usize>, n: NodeId, t: i64| {
        js.into_iter().find(|j| {
            ranges[*j]
                .get(&n)
                .is_some_and(|(lo, hi)| *lo <= t && t <= *hi)
        })
    };
    let mut seen: HashMap<(NodeId, i64, Option<u64>, u64), usize> = HashMap::new();
    let names: Vec<String> = inputs.iter().map(|i| i.summary.name.clone()).collect();
    let total = inputs.len();
    for (k, inp) in inputs.iter_mut().enumerate() {
        let mut mine: Vec<(NodeId, i64, Option<u64>, u64)> = Vec::new();
        let has_raw = !inp.raw.is_empty();
        let mut keep = Vec::with_capacity(inp.events.len());
        for e in &inp.events {
            let (Some(n), Some(t)) = (e.node, e.ts) else {
                keep.push(true);
                continue;
            };
            let earlier = covered(0..k, n, t.0).is_some();
            let later = covered(k + 1..total, n, t.0).is_some();
            if !earlier && !later {
                keep.push(true);
                continue;
            }
            let key = (n, t.0, e.term, kind_digest(&e.kind));
            match seen.get(&key) {
                Some(&other) if earlier && other != k => {
                    let slot = out.entry(names[k].clone()).or_default();
                    slot.0 += 1;
                    slot.1.insert(names[other].clone());
                    keep.push(false);
                }
                _ => {
                    keep.push(true);
                    if later {
                        mine.push(key);
                    }
                }
            }
        }
        for key in mine {
            seen.entry(key).or_insert(k);
        }
        if keep.iter().any(|x| !x) {
            let mut it = keep.iter();
            inp.events.retain(|_| *it.next().unwrap_or(&true));
            if has_raw {
                let mut it = keep.iter();
                inp.raw.retain(|_| *it.next().unwrap_or(&true));
            }
            inp.summary.events = inp.events.len() as u64;
        }
    }
    out
}

fn build(
    events: Vec<Event>,
    raw: Vec<String>,
    input_rows: Vec<InputRow>,
    input_names: Vec<String>,
    mut notes: Vec<String>,
    opts: &ModelOptions,
    clocks: &crate::clock::Clocks,
) -> Analysis {
    let mut nodes: BTreeMap<NodeId, NodeAcc> = BTreeMap::new();
    let mut terms: BTreeMap<u64, TermAcc> = BTreeMap::new();
    let mut pre_into: BTreeMap<u64, BTreeSet<NodeId>> = BTreeMap::new();
    let mut url_to_id: BTreeMap<String, NodeId> = BTreeMap::new();
    let mut name_to_url: BTreeMap<String, String> = BTreeMap::new();
    let mut referenced: BTreeSet<NodeId> = BTreeSet::new();
    let mut anomalies: Vec<Anomaly> = Vec::new();
    let mut max_term: HashMap<NodeId, (u64, usize)> = HashMap::new();
    let mut regressions: BTreeMap<NodeId, Vec<(u64, u64)>> = BTreeMap::new();

    for (idx, e) in events.iter().enumerate() {
        let Some(n) = e.node else { continue };
        let acc = nodes.entry(n).or_default();
        acc.has_log = true;
        if let Some(t) = e.ts {
            acc.first = min_ts(acc.first, Some(t));
            acc.last = Some(acc.last.map_or(t, |l| l.max(t)));
        }
        // term regression within a node (restarts keep their persisted term)
        if let Some(t) = e.term {
            if e.kind.is_raft() && !matches!(e.kind, Kind::LogConflict { .. }) {
                let entry = max_term.entry(n).or_insert((t, idx));
                if t < entry.0 {
                    regressions.entry(n).or_default().push((entry.0, t));
                } else {
                    *entry = (t, idx);
                }
            }
        }
        if let Some(t) = e.term {
            if t > 0 && e.kind.is_raft() {
                terms.entry(t).or_default();
            }
        }
        match &e.kind {
            Kind::BecameCandidate => {
                let t = e.term.unwrap_or(0);
                let ta = terms.entry(t).or_default();
                ta.candidates.insert(n);
                ta.started = min_ts(ta.started, e.ts);
                nodes.entry(n).or_default().campaigns += 1;
            }
            Kind::BecamePreCandidate => {
                let t = e.term.unwrap_or(0);
                pre_into.entry(t.saturating_add(1)).or_default().insert(n);
                nodes.entry(n).or_default().pre_rounds += 1;
            }
            Kind::BecameLeader => {
                let t = e.term.unwrap_or(0);
                let ta = terms.entry(t).or_default();
                let slot = ta.self_leaders.entry(n).or_insert(e.ts);
                *slot = min_ts(*slot, e.ts);
            }
            Kind::ElectedLeader { leader } | Kind::ChangedLeader { leader, .. } => {
                let t = e.term.unwrap_or(0);
                terms.entry(t).or_default().acks.push((*leader, n, e.ts));
                nodes.entry(n).or_default().changes_seen += 1;
                referenced.insert(*leader);
            }
            Kind::VoteGranted {
                candidate,
                pre_vote: false,
            } => {
                let t = e.term.unwrap_or(0);
                terms.entry(t).or_default().granted.insert((n, *candidate));
                referenced.insert(*candidate);
            }
            Kind::VoteRejected {
                candidate,
                pre_vote: false,
                ..
            } => {
                let t = e.term.unwrap_or(0);
                terms.entry(t).or_default().rejected.insert((n, *candidate));
                referenced.insert(*candidate);
            }
            Kind::VoteResponse {
                from,
                granted,
                pre_vote: false,
            } => {
                let t = e.term.unwrap_or(0);
                let ta = terms.entry(t).or_default();
                if *granted {
                    ta.granted.insert((*from, n));
                } else {
                    ta.rejected.insert((*from, n));
                }
                referenced.insert(*from);
            }
            Kind::TimeoutNowReceived { .. } => {
                let t = e.term.unwrap_or(0);
                terms.entry(t.saturating_add(1)).or_default().transfer = true;
            }
            Kind::ProcessStart { version } => {
                let a = nodes.entry(n).or_default();
                if let Some(t) = e.ts {
                    a.starts.push(t);
                }
                if version.is_some() {
                    a.version = version.clone();
                }
            }
            Kind::RaftBoot { .. } => {
                if let Some(t) = e.ts {
                    nodes.entry(n).or_default().starts.push(t);
                }
            }
            Kind::MemberIdentity(ident) => {
                let crate::event::Identity {
                    member,
                    name,
                    peer_urls,
                    client_urls,
                    cluster_id,
                    version,
                    initial_cluster,
                    ..
                } = &**ident;
                let who = member.unwrap_or(n);
                let a = nodes.entry(who).or_default();
                if let Some(nm) = name {
                    a.name = Some(nm.clone());
                }
                for u in peer_urls {
                    a.peer_urls.insert(u.clone());
                    url_to_id.insert(u.clone(), who);
                }
                for u in client_urls {
                    a.client_urls.insert(u.clone());
                }
                if cluster_id.is_some() {
                    a.cluster_id = cluster_id.clone();
                }
                if version.is_some() {
                    a.version = version.clone();
                }
                for (nm, url) in initial_cluster {
                    name_to_url.insert(nm.clone(), url.clone());
                }
            }
            Kind::MemberChange {
                member: Some(m),
                peer_urls,
                ..
            } => {
                for u in peer_urls {
                    url_to_id.insert(u.clone(), *m);
                }
                referenced.insert(*m);
            }
            Kind::TimingConfig {
                heartbeat_ms,
                election_ms,
                election_ticks,
                pre_vote,
            } => {
                let a = nodes.entry(n).or_default();
                if heartbeat_ms.is_some() {
                    a.heartbeat = *heartbeat_ms;
                }
                if election_ms.is_some() {
                    a.election = *election_ms;
                }
                if election_ticks.is_some() {
                    a.election_ticks = *election_ticks;
                }
                if pre_vote.is_some() {
                    a.pre_vote_cfg = *pre_vote;
                }
            }
            Kind::VoteSent { to, .. } => {
                referenced.insert(*to);
            }
            Kind::TermBump { from, .. } => {
                referenced.insert(*from);
            }
            _ => {}
        }
    }
    // members that only the others' lines name (a peer's stream errors, a pre-vote, a
    // transfer target): members without a log of their own
    referenced.extend(events.iter().flat_map(|e| peers_named(&e.kind)));
    for r in referenced {
        nodes.entry(r).or_default();
    }
    // names: --name, then names learned from the logs, then initial-cluster via URLs
    let mut names: BTreeMap<NodeId, String> = opts.fallback_names.clone();
    for (nm, url) in &name_to_url {
        if let Some(id) = url_to_id.get(url) {
            names.insert(*id, nm.clone());
        }
    }
    for (id, a) in &nodes {
        if let Some(nm) = &a.name {
            names.insert(*id, nm.clone());
        }
    }
    for (id, nm) in &opts.names {
        names.insert(*id, nm.clone());
    }
    for (id, a) in nodes.iter_mut() {
        if a.name.is_none() {
            a.name = names.get(id).cloned();
        }
        if a.peer_urls.is_empty() {
            for (u, i) in &url_to_id {
                if i == id {
                    a.peer_urls.insert(u.clone());
                }
            }
        }
        if a.election.is_none() {
            if let (Some(t), Some(h)) = (a.election_ticks, a.heartbeat) {
                a.election = Some(t as f64 * h);
            }
        }
    }
    // term regression anomalies
    for (n, v) in &regressions {
        let terms_v: BTreeSet<u64> = v.iter().flat_map(|(a, b)| [*a, *b]).collect();
        anomalies.push(Anomaly {
            kind: "term_regression".into(),
            summary: format!(
                "member {} printed term {} after term {} ({} time{})",
                names.get(n).cloned().unwrap_or_else(|| hex(*n)),
                v[0].1,
                v[0].0,
                v.len(),
                if v.len() == 1 { "" } else { "s" }
            ),
            nodes: vec![hex(*n)],
            terms: terms_v.into_iter().collect(),
            offset_ms: None,
            hint: None,
        });
    }

    // a member's own clock going backwards inside its log (lines kept in file order)
    let mut newest: HashMap<NodeId, (Instant, u64)> = HashMap::new();
    let mut jumps: BTreeMap<NodeId, (i64, u64, u64)> = BTreeMap::new(); // (max back ms, count, first line)
    for e in &events {
        let (Some(n), Some(t)) = (e.node, e.ts) else {
            continue;
        };
        if e.coarse_ts {
            continue;
        }
        let slot = newest.entry(n).or_insert((t, e.origin.line));
        if t.0 + 1_000_000_000 < slot.0 .0 {
            let back = t.ms_until(slot.0).max(0);
            let j = jumps.entry(n).or_insert((0, 0, e.origin.line));
            j.0 = j.0.max(back);
            j.1 += 1;
        } else if t > slot.0 {
            *slot = (t, e.origin.line);
        }
    }
    for (n, (back, count, line)) in &jumps {
        anomalies.push(Anomaly {
            kind: "clock_jump".into(),
            summary: format!(
                "the log of member {} goes back in time by up to {} ({} line(s), first at line {}): its lines are kept in file order, not re-sorted",
                names.get(n).cloned().unwrap_or_else(|| hex(*n)),
                human_ms(*back),
                count,
                line
            ),
            nodes: vec![hex(*n)],
            terms: Vec::new(),
            offset_ms: Some(-*back),
            hint: None,
        });
    }

    // per-member view: leader after each event, presence, gaps
    let leader_after = member_views(&events);

    // term rows
    let disp = |id: NodeId| names.get(&id).cloned().unwrap_or_else(|| hex(id));
    let mut rows: Vec<TermRow> = Vec::new();
    let mut split: Vec<(u64, BTreeSet<NodeId>)> = Vec::new();
    let all_rounds = votes::rounds(&events);
    let mut round_rows = candidacies(&all_rounds, &names);
    // a term's candidates: every member some line proves campaigned for it, its own
    // `became candidate` or not (an excerpt that starts later, a missing log)
    for (t, rs) in &all_rounds {
        for r in rs.iter().filter(|r| !r.pre_vote && r.term_known()) {
            terms.entry(*t).or_default().candidates.insert(r.node);
        }
    }
    for (t, ta) in &terms {
        let mut claim: BTreeSet<NodeId> = ta.self_leaders.keys().copied().collect();
        let acked: BTreeSet<NodeId> = ta.acks.iter().map(|a| a.0).collect();
        let (leader, source) = if let Some(l) = claim.iter().next().copied() {
            (Some(l), Some("self"))
        } else if !acked.is_empty() {
            // most acknowledged leader
            let mut counts: BTreeMap<NodeId, usize> = BTreeMap::new();
            for a in &ta.acks {
                *counts.entry(a.0).or_default() += 1;
            }
            let best = counts
                .iter()
                .max_by_key(|(id, c)| (**c, Reverse(**id)))
                .map(|(id, _)| *id);
            (best, Some("peers"))
        } else {
            (None, None)
        };
        claim.extend(acked.iter().copied());
        if claim.len() > 1 {
            split.push((*t, claim.clone()));
        }
        let elected_at = match leader {
            Some(l) => ta.self_leaders.get(&l).copied().flatten().or_else(|| {
                ta.acks
                    .iter()
                    .filter(|a| a.0 == l)
                    .filter_map(|a| a.2)
                    .min()
            }),
            None => None,
        };
        let election_ms = match (ta.started, elected_at) {
            (Some(s), Some(e)) => Some(s.ms_until(e).max(0)),
            _ => None,
        };
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
        for c in &cand_set {
            if ta.candidates.contains(c) {
                vf.insert(*c);
            }
        }
        // with no winner, a member that voted for one candidate and rejected another
        // voted: it is not against (terms[].candidacies tells whom it chose)
        let va: BTreeSet<NodeId> = ta
            .rejected
            .iter()
            .filter(|(v, c)| cand_set.contains(c) && (leader.is_some() || !vf.contains(v)))
            .map(|(v, _)| *v)
            .collect();
        let mut learned: BTreeMap<NodeId, Option<Instant>> = BTreeMap::new();
        if let Some(l) = leader {
            for a in ta.acks.iter().filter(|a| a.0 == l) {
                let slot = learned.entry(a.1).or_insert(a.2);
                *slot = min_ts(*slot, a.2);
            }
        }
        let mut lr: Vec<(NodeId, Option<Instant>)> = learned.into_iter().collect();
        lr.sort_by_key(|(id, at)| (*at, *id));
        rows.push(TermRow {
            term: *t,
            leader: leader.map(hex),
            leader_name: leader.and_then(|l| names.get(&l).cloned()),
            leader_source: source.map(str::to_string),
            started_at: ta.started,
            elected_at,
            ended_at: None,
            election_ms,
            led_ms: None,
            candidates: sorted_ids(&ta.candidates, &names),
            pre_candidates: sorted_ids(&pre_into.get(t).cloned().unwrap_or_default(), &names),
            votes_for: sorted_ids(&vf, &names),
            votes_against: sorted_ids(&va, &names),
            candidacies: round_rows.remove(t).unwrap_or_default(),
            learned: lr
                .into_iter()
                .map(|(id, at)| Learned { node: hex(id), at })
                .collect(),
            transfer: ta.transfer,
            cause: None,
            outcome: None,
            quorum: None,
        });
    }
    set_outcomes(
        &mut rows,
        &all_rounds,
        &voters_by_term(&events),
        nodes.len() as u64,
    );
    for (t, who) in split {
        anomalies.push(Anomaly {
            kind: "split_brain".into(),
            summary: format!(
                "term {t} has {} leaders: {}",
                who.len(),
                who.iter().map(|i| disp(*i)).collect::<Vec<_>>().join(", ")
            ),
            nodes: who.iter().map(|i| hex(*i)).collect(),
            terms: vec![t],
            offset_ms: None,
            hint: None,
        });
    }

    // causes
    let has_log: BTreeSet<NodeId> = nodes
        .iter()
        .filter(|(_, a)| a.has_log)
        .map(|(id, _)| *id)
        .collect();
    let election_ms = nodes
        .values()
        .filter_map(|a| a.election)
        .fold(0.0f64, f64::max);
    let members: BTreeSet<NodeId> = nodes.keys().copied().collect();
    let ctx = crate::cause::Context::new(
        &events,
        &input_names,
        &names,
        &has_log,
        &members,
        if election_ms > 0.0 {
            election_ms
        } else {
            1000.0
        },
    );
    crate::cause::classify(&ctx, &mut rows);

    // leaderless windows, each tied to the led term that ended it
    let mut failed: Vec<Instant> = events
        .iter()
        .filter(|e| matches!(e.kind, Kind::RequestFailed { .. }))
        .filter_map(|e| e.ts)
        .collect();
    failed.sort_unstable();
    let (mut windows, gaps) = leaderless(&events);
    let led: Vec<usize> = (0..rows.len())
        .filter(|i| rows[*i].elected_at.is_some())
        .collect();
    // election times of the led terms in term order; when they also run in time order
    // (clocks agree) the last one before a moment is found by binary search
    let led_at: Vec<Option<Instant>> = led.iter().map(|i| rows[*i].elected_at).collect();
    let led_in_order = led_at.windows(2).all(|p| p[0] <= p[1]);
    let assign = |w: &Window| {
        w.to.and_then(|to| {
            if led_in_order {
                let n = led_at.partition_point(|e| e.is_some_and(|e| e <= to));
                n.checked_sub(1)
            } else {
                led_at.iter().rposition(|e| e.is_some_and(|e| e <= to))
            }
        })
    };
    // windows that end at the same new leader are one window (members flapping within
    // the same few milliseconds)
    let mut merged: Vec<Window> = Vec::new();
    for w in windows.drain(..) {
        match merged.last_mut() {
            Some(last)
                if last.to.is_some() && assign(last) == assign(&w) && assign(&w).is_some() =>
            {
                last.to = w.to.max(last.to);
            }
            _ => merged.push(w),
        }
    }
    windows = merged;
    let mut ends_of: BTreeMap<usize, Instant> = BTreeMap::new();
    for w in windows.iter_mut() {
        let k = assign(w);
        if let Some(k) = k {
            if k > 0 {
                let prev = &rows[led[k - 1]];
                if let (Some(pl), Some(to)) = (
                    prev.leader
                        .as_deref()
                        .and_then(|l| u64::from_str_radix(l, 16).ok()),
                    w.to,
                ) {
                    // the earlier starts below only count when they lie within two
                    // election timeouts of the moment the majority lost the leader (a member
                    // that timed out long before was cut off, not representative)
                    let reach = (2.0 * ctx.election_ms * 1e6) as i64 + 500_000_000;
                    let lo = Instant(w.from.0 - reach);
                    if let Some(s) = crate::cause::stall_start(&ctx, pl, w.from, to) {
                        if prev.elected_at.is_some_and(|e| s > e) && s >= lo {
                            w.from = s;
                            w.started_by = Some("leader_stall".into());
                        }
                    }
                    // its peers saw its connections close or be refused: it went down then
                    if let Some(pe) = prev.elected_at {
                        if let Some(i) = crate::cause::refused_about(&ctx, pl, pe.0, to.0).first() {
                            if let Some(t) = events[*i].ts {
                                if t < w.from && t > pe && t >= lo {
                                    w.from = t;
                                    w.started_by = Some("leader_down".into());
                                }
                            }
                        }
                    }
                    // a follower's election timer fired: it had not heard from the leader
                    // for at least its election timeout
                    if let Some(pe) = prev.elected_at {
                        let timed_out = ctx
                            .in_time(pe.0.max(lo.0), to.0)
                            .into_iter()
                            .map(|i| (i, &events[i]))
                            .find(|(i, e)| {
                                matches!(e.kind, Kind::ElectionStarted)
                                    && e.ts.is_some_and(|t| t > pe && t <= to && t >= lo)
                                    && e.node.is_some_and(|n| {
                                        n != pl
                                            && leader_before(&events, &leader_after, *i) == Some(pl)
                                    })
                            });
                        if let Some((_, e)) = timed_out {
                            let et = e
                                .node
                                .and_then(|n| nodes.get(&n))
                                .and_then(|a| a.election)
                                .filter(|ms| *ms > 0.0);
                            if let (Some(t), Some(et)) = (e.ts, et) {
                                let s = Instant(t.0 - (et * 1e6) as i64);
                                if s < w.from && s > pe {
                                    w.from = s;
                                    w.started_by = Some("election_timeout".into());
                                }
                            }
                        }
                    }
                }
                let slot = ends_of.entry(led[k]).or_insert(w.from);
                *slot = (*slot).min(w.from);
            }
        }
        w.duration_ms = w.to.map(|t| w.from.ms_until(t));
        let end = w.to.map(|t| Instant(t.0 + 1_000_000_000));
        let end_ns = end.map_or(i64::MAX, |e| e.0);
        w.failed_requests = failed
            .partition_point(|t| t.0 <= end_ns)
            .saturating_sub(failed.partition_point(|t| *t < w.from))
            as u64;
        let inside = ctx.in_time(w.from.0, end_ns);
        w.slow_applies = inside
            .iter()
            .filter(|i| matches!(events[**i].kind, Kind::SlowApply { .. }))
            .count() as u64;
        w.proposals_dropped = inside
            .iter()
            .filter(|i| matches!(events[**i].kind, Kind::ProposalDropped { .. }))
            .count() as u64;
        w.over_threshold = w
            .duration_ms
            .is_some_and(|d| d >= opts.leaderless_threshold_ms);
        // the terms after the last leader before the window, up to the one elected at its end
        // rows are in term order: the terms in (lo, hi] are one slice of them
        let terms_in = |lo: u64, hi: u64| -> Vec<u64> {
            let a = rows.partition_point(|r| r.term <= lo);
            let b = rows.partition_point(|r| r.term <= hi);
            rows[a..b.max(a)].iter().map(|r| r.term).collect()
        };
        w.terms = match k {
            Some(k) => {
                let lo = if k > 0 { rows[led[k - 1]].term } else { 0 };
                terms_in(lo, rows[led[k]].term)
            }
            None => {
                let lo = led
                    .iter()
                    .rev()
                    .find(|i| rows[**i].elected_at.is_some_and(|e| e <= w.from))
                    .map(|i| rows[*i].term)
                    .unwrap_or(0);
                terms_in(lo, u64::MAX)
            }
        };
    }
    // ended_at / led_ms
    for (k, &i) in led.iter().enumerate() {
        let el = rows[i].elected_at.unwrap();
        let next = led.get(k + 1).copied();
        let end = next.and_then(|j| ends_of.get(&j).copied().or(rows[j].elected_at));
        rows[i].ended_at = end;
        rows[i].led_ms = end.map(|e| el.ms_until(e).max(0));
    }

    // storms over unplanned leader changes
    // the first leader in the input is not a change the logs saw happen (bootstrap, or
    // the logs begin later): storms count the changes after it
    let first_led = rows.iter().position(|r| r.elected_at.is_some());
    let changes: Vec<(Instant, u64, Change)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let kind = if Some(i) == first_led
                || r.cause.as_ref().is_some_and(|c| c.code == "bootstrap")
            {
                Change::First
            } else if crate::cause::planned(r) {
                Change::Planned
            } else {
                Change::Unplanned
            };
            r.elected_at.map(|t| (t, r.term, kind))
        })
        .collect();
    let mut storms = storms(&changes, &windows, opts);
    for st in storms.iter_mut() {
        let mut by: BTreeMap<String, (u64, BTreeMap<String, u64>)> = BTreeMap::new();
        for r in rows.iter().filter(|r| {
            r.elected_at.is_some_and(|e| e >= st.from && e <= st.to)
                && r.term >= st.first_term
                && r.term <= st.last_term
        }) {
            if let Some(c) = &r.cause {
                let slot = by.entry(c.code.clone()).or_default();
                slot.0 += 1;
                if let Some(cu) = &c.culprit {
                    *slot.1.entry(cu.clone()).or_default() += 1;
                }
            }
        }
        let mut causes: Vec<crate::report::CauseCount> = by
            .into_iter()
            .map(|(code, (count, cul))| {
                let mut c: Vec<(String, u64)> = cul.into_iter().collect();
                c.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                crate::report::CauseCount {
                    code,
                    count,
                    culprits: c.into_iter().map(|x| x.0).collect(),
                }
            })
            .collect();
        causes.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
        st.causes = causes;
        st.failed_requests = windows
            .iter()
            .filter(|w| {
                w.terms
                    .last()
                    .is_some_and(|t| *t >= st.first_term && *t <= st.last_term)
            })
            .map(|w| w.failed_requests)
            .sum();
    }

    // term inflation: terms rising much faster than leaders change (split votes, a member
    // campaigning alone); not the campaigns of members left without a quorum, which no
    // setting could have won
    let in_vain = |r: &TermRow| r.cause.as_ref().is_some_and(|c| c.code == "quorum_lost");
    let failed_elections: Vec<u64> = rows
        .iter()
        .filter(|r| r.leader.is_none() && !r.candidates.is_empty() && !in_vain(r))
        .map(|r| r.term)
        .collect();
    let led_count = rows.iter().filter(|r| r.leader.is_some()).count();
    if failed_elections.len() >= 3 && failed_elections.len() >= led_count.saturating_sub(1) {
        let mut by: BTreeMap<String, usize> = BTreeMap::new();
        for r in rows.iter().filter(|r| r.leader.is_none() && !in_vain(r)) {
            for c in &r.candidates {
                *by.entry(c.clone()).or_default() += 1;
            }
        }
        let mut top: Vec<(String, usize)> = by.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        anomalies.push(Anomaly {
            kind: "term_inflation".into(),
            summary: format!(
                "{} terms were campaigned for without electing a leader (split votes or a member campaigning alone), against {} terms with a leader; most campaigns from {}",
                failed_elections.len(),
                led_count,
                top.iter()
                    .take(3)
                    .map(|(c, n)| format!(
                        "{} ({n})",
                        u64::from_str_radix(c, 16).map(disp).unwrap_or_else(|_| c.clone())
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            nodes: top.iter().map(|x| x.0.clone()).collect(),
            terms: failed_elections.clone(),
            offset_ms: None,
            hint: None,
        });
    }

    // clocks measured from causality: zone mistakes and skews, with what was corrected
    let (clock_anomalies, clock_notes) = clocks.report(opts.clock_correction, &disp);
    anomalies.extend(clock_anomalies);
    notes.extend(clock_notes);

    // incomplete: leaders whose own log is missing
    let mut missing: BTreeMap<NodeId, Vec<u64>> = BTreeMap::new();
    let logged = nodes.values().filter(|a| a.has_log).count();
    for r in &rows {
        if let Some(l) = r
            .leader
            .as_deref()
            .and_then(|l| u64::from_str_radix(l, 16).ok())
        {
            if !nodes.get(&l).is_some_and(|a| a.has_log) {
                missing.entry(l).or_default().push(r.term);
            }
        }
    }
    if logged > 0 {
        for (l, ts) in &missing {
            anomalies.push(Anomaly {
                kind: "incomplete".into(),
                summary: format!(
                    "no log of member {} was read, but it led {} term{}: its side of those elections is not visible",
                    disp(*l),
                    ts.len(),
                    if ts.len() == 1 { "" } else { "s" }
                ),
                nodes: vec![hex(*l)],
                terms: ts.clone(),
                offset_ms: None,
                hint: None,
            });
        }
    }

    // nodes
    // cluster windows by start, with the latest end among the first k (open = +inf), to
    // tell a member's gap that overlaps one without scanning them all per gap
    let mut win_span: Vec<(i64, i64)> = windows
        .iter()
        .map(|w| (w.from.0, w.to.map_or(i64::MAX, |t| t.0)))
        .collect();
    win_span.sort_unstable();
    let win_from: Vec<i64> = win_span.iter().map(|w| w.0).collect();
    let win_to_max: Vec<i64> = win_span
        .iter()
        .scan(i64::MIN, |m, w| {
            *m = (*m).max(w.1);
            Some(*m)
        })
        .collect();
    let mut node_rows: Vec<NodeRow> = nodes
        .iter()
        .map(|(id, a)| {
            let lives: &[crate::lives::Life] = ctx.lives.get(id).map_or(&[], Vec::as_slice);
            NodeRow {
                id: hex(*id),
                name: a.name.clone(),
                peer_urls: a.peer_urls.iter().cloned().collect(),
                client_urls: a.client_urls.iter().cloned().collect(),
                first_seen: a.first,
                last_seen: a.last,
                etcd_version: a.version.clone(),
                cluster_id: a.cluster_id.clone(),
                heartbeat_interval_ms: a.heartbeat,
                election_timeout_ms: a.election,
                pre_vote: a
                    .pre_vote_cfg
                    .or(if a.pre_rounds > 0 { Some(true) } else { None }),
                restarts: lives.iter().skip(1).filter_map(|l| l.from).collect(),
                crashes: lives
                    .iter()
                    .filter(|l| l.end == crate::lives::End::Crashed)
                    .filter_map(|l| l.to)
                    .collect(),
                // one per stopped lifetime, at its first stop line: the signal, or (when
                // a stop logged no signal) `closing etcd server` and the like
                shutdowns: lives
                    .iter()
                    .filter_map(|l| l.stop.and_then(|i| events[i].ts))
                    .collect(),
                pre_vote_rounds: a.pre_rounds,
                campaigns: a.campaigns,
                terms_led: rows
                    .iter()
                    .filter(|r| r.leader.as_deref() == Some(hex(*id).as_str()))
                    .map(|r| r.term)
                    .collect(),
                leader_changes_seen: a.changes_seen,
                has_log: a.has_log,
                clock_offset_ms: clocks
                    .offsets
                    .get(id)
                    .filter(|_| opts.clock_correction)
                    .map(|o| o.correction_ms),
                gaps: gaps
                    .get(id)
                    .map(|g| {
                        g.iter()
                            .map(|(from, to)| Gap {
                                from: *from,
                                to: *to,
                                duration_ms: to.map(|t| from.ms_until(t)),
                                during_cluster_window: {
                                    // windows starting by the gap's end; any of them
                                    // ending at or after the gap's start
                                    let n = to.map_or(win_from.len(), |t| {
                                        win_from.partition_point(|f| *f <= t.0)
                                    });
                                    n > 0 && win_to_max[n - 1] >= from.0
                                },
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    node_rows.sort_by(|a, b| {
        (a.name.is_none(), a.name.clone(), a.id.clone()).cmp(&(
            b.name.is_none(),
            b.name.clone(),
            b.id.clone(),
        ))
    });

    // summary
    let from = events.iter().filter_map(|e| e.ts).min();
    let to = events.iter().filter_map(|e| e.ts).max();
    let leaderless_ms: i64 = windows.iter().filter_map(|w| w.duration_ms).sum();
    if input_rows.iter().any(|i| i.assumed_zone) {
        notes.push(
            "zone-less timestamps (capnslog, Go log, journald) were read in the --assume-tz zone"
                .to_string(),
        );
    }
    if logged == 1 {
        notes.push(
            "only one member's log was read: leaders, windows and votes are that member's view"
                .to_string(),
        );
    }
    // a crash + restart is easy to miss in a long log: say so wherever notes are shown
    for n in node_rows.iter().filter(|n| !n.crashes.is_empty()) {
        let k = n.crashes.len();
        notes.push(format!(
            "{}: its lines ended without a stop line and it started again (crashed or killed) {}",
            n.name.clone().unwrap_or_else(|| n.id.clone()),
            if k == 1 {
                "once".to_string()
            } else {
                format!("{k} times")
            }
        ));
    }
    let without_log = nodes
        .iter()
        .filter(|(_, a)| !a.has_log)
        .map(|(id, _)| disp(*id));
    notes.extend(unreadable_note(&input_rows, without_log.collect()));
    let (elections, leader_changes, planned_transfers) = term_counts(&rows);
    let summary = Summary {
        window: None,
        from,
        to,
        members: node_rows.len() as u64,
        members_with_logs: logged as u64,
        terms_seen: rows.len() as u64,
        elections,
        leader_changes,
        planned_transfers,
        leaderless_ms,
        longest_leaderless_ms: windows.iter().filter_map(|w| w.duration_ms).max(),
        notes,
    };
    let report = Report {
        schema_version: SCHEMA_VERSION,
        raftlog_version: env!("CARGO_PKG_VERSION").to_string(),
        summary,
        inputs: input_rows,
        nodes: node_rows,
        terms: rows,
        leaderless: windows,
        storms,
        anomalies,
        recommendations: Vec::new(),
        near_misses: Vec::new(),
        metrics: None,
        events: None,
    };
    Analysis {
        report,
        events,
        raw,
        leader_after,
        input_names,
        names,
        show_raw: false,
        metrics: None,
        sections: Vec::new(),
        clock_shifts: BTreeMap::new(),
    }
}

/// Elections (terms somebody campaigned for), leader changes (terms with a leader) and
/// planned transfers among them.
fn term_counts(rows: &[TermRow]) -> (u64, u64, u64) {
    let elections = rows.iter().filter(|r| !r.candidates.is_empty()).count();
    let led = rows.iter().filter(|r| r.leader.is_some());
    let planned = led
        .clone()
        .filter(|r| {
            r.cause
                .as_ref()
                .is_some_and(|c| c.code == "leader_transfer")
        })
        .count();
    (elections as u64, led.count() as u64, planned as u64)
}

/// `terms[].candidacies`, by term.
fn candidacies(
    rounds: &BTreeMap<u64, Vec<votes::Round>>,
    names: &BTreeMap<NodeId, String>,
) -> BTreeMap<u64, Vec<Candidacy>> {
    rounds
        .iter()
        .map(|(t, rs)| {
            let rows = rs
                .iter()
                .map(|r| Candidacy {
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
                })
                .collect();
            (*t, rows)
        })
        .collect()
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
fn set_outcomes(
    rows: &mut [TermRow],
    rounds: &BTreeMap<u64, Vec<votes::Round>>,
    voters: &BTreeMap<u64, u64>,
    members: u64,
) {
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
            ballots: ran
                .iter()
                .map(|r| {
                    let (g, x) = r.tally.map_or((0, 0), |t| (t.0, t.1));
                    outcome::Ballot {
                        granted: g.max(r.granted.len() as u64),
                        rejected: x.max(r.rejected.len() as u64),
                    }
                })
                .collect(),
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

fn sorted_ids(s: &BTreeSet<NodeId>, names: &BTreeMap<NodeId, String>) -> Vec<String> {
    let mut v: Vec<(Option<String>, NodeId)> =
        s.iter().map(|i| (names.get(i).cloned(), *i)).collect();
    v.sort_by(|a, b| (a.0.is_none(), &a.0, a.1).cmp(&(b.0.is_none(), &b.0, b.1)));
    v.into_iter().map(|(_, i)| hex(i)).collect()
}

/// Each member's view of its leader after every event (from its own `raft.node:` lines,
/// `became leader`, campaigns and process start/stop).
/// The member's leader just before event `i` (from its previous event).
fn leader_before(events: &[Event], after: &[Option<NodeId>], i: usize) -> Option<NodeId> {
    let n = events[i].node?;
    (0..i)
        .rev()
        .find(|j| events[*j].node == Some(n))
        .and_then(|j| after[j])
}

fn member_views(events: &[Event]) -> Vec<Option<NodeId>> {
    let mut cur: HashMap<NodeId, Option<NodeId>> = HashMap::new();
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let Some(n) = e.node else {
            out.push(None);
            continue;
        };
        let slot = cur.entry(n).or_insert(None);
        match &e.kind {
            Kind::BecameLeader => *slot = Some(n),
            Kind::ElectedLeader { leader } | Kind::ChangedLeader { leader, .. } => {
                *slot = Some(*leader)
            }
            Kind::LostLeader { .. }
            | Kind::ForgotLeader { .. }
            | Kind::BecameCandidate
            | Kind::BecamePreCandidate
            | Kind::ProcessStart { .. }
            | Kind::RaftBoot { .. }
            | Kind::ProcessShutdown { .. }
            | Kind::ServerStop { .. }
            | Kind::SteppedDown => *slot = None,
            _ => {}
        }
        out.push(*slot);
    }
    out
}

type Gaps = BTreeMap<NodeId, Vec<(Instant, Option<Instant>)>>;

/// A member's line that tells it takes part in elections again: it knows a leader, lost
/// one, or campaigns.
fn in_election(k: &Kind) -> bool {
    matches!(
        k,
        Kind::BecameLeader
            | Kind::ElectedLeader { .. }
            | Kind::ChangedLeader { .. }
            | Kind::LostLeader { .. }
            | Kind::ForgotLeader { .. }
            | Kind::BecameCandidate
            | Kind::BecamePreCandidate
    )
}

/// Cluster leaderless windows by a sweep over time: the cluster has a leader while at
/// least a majority of the members present (members whose log is running) see one.
/// Windows before the first leader (bootstrap) are not reported. Also returns the
/// member-level gaps.
fn leaderless(events: &[Event]) -> (Vec<Window>, Gaps) {
    #[derive(Clone, Copy, PartialEq)]
    enum S {
        Absent,
        NoLeader,
        Leader,
    }
    let mut st: BTreeMap<NodeId, S> = BTreeMap::new();
    let mut gaps: Gaps = BTreeMap::new();
    let mut seen_leader: BTreeSet<NodeId> = BTreeSet::new();
    let mut windows = Vec::new();
    let mut open: Option<Instant> = None;
    let mut ever_led = false;
    let mut campaign_since_open = false;
    let mut timed: Vec<&Event> = events
        .iter()
        .filter(|e| e.ts.is_some() && e.node.is_some())
        .collect();
    timed.sort_by_key(|e| e.ts);
    // a stopped member is away from its first stop line until, started again, it hears of
    // a leader or campaigns (value: started again): the lines its stop still logs (lost
    // connections, `closed etcd server`) and its boot do not tell of the cluster
    let mut away: BTreeMap<NodeId, bool> = BTreeMap::new();
    // members present from their first line
    for e in &timed {
        let n = e.node.unwrap();
        let t = e.ts.unwrap();
        let prev = *st.get(&n).unwrap_or(&S::Absent);
        if e.kind.is_stop() {
            away.insert(n, false);
        } else if crate::lives::is_start(&e.kind) {
            if let Some(again) = away.get_mut(&n) {
                *again = true;
            }
        } else if away.get(&n) == Some(&true) && in_election(&e.kind) {
            away.remove(&n);
        }
        let next = match &e.kind {
            _ if away.contains_key(&n) => S::Absent,
            Kind::BecameLeader | Kind::ElectedLeader { .. } | Kind::ChangedLeader { .. } => {
                S::Leader
            }
            Kind::LostLeader { .. }
            | Kind::ForgotLeader { .. }
            | Kind::BecameCandidate
            | Kind::BecamePreCandidate
            | Kind::SteppedDown
            | Kind::RaftBoot { .. }
            | Kind::ProcessStart { .. } => S::NoLeader,
            Kind::ProcessShutdown { .. } | Kind::ServerStop { .. } => S::Absent,
            _ => {
                if prev == S::Absent {
                    S::NoLeader
                } else {
                    prev
                }
            }
        };
        if matches!(e.kind, Kind::BecameCandidate) {
            campaign_since_open = true;
        }
        // member-level gaps (after the member first saw a leader)
        if next == S::Leader {
            seen_leader.insert(n);
        }
        if seen_leader.contains(&n) {
            let g = gaps.entry(n).or_default();
            let in_gap = g.last().is_some_and(|(_, to)| to.is_none());
            if next == S::NoLeader && !in_gap && prev == S::Leader {
                g.push((t, None));
            } else if next == S::Leader && in_gap {
                if let Some(last) = g.last_mut() {
                    last.1 = Some(t);
                }
            } else if next == S::Absent && in_gap {
                // stopping is not a leaderless gap
                g.pop();
            }
        }
        st.insert(n, next);
        let present = st.values().filter(|s| **s != S::Absent).count();
        let with = st.values().filter(|s| **s == S::Leader).count();
        let has = present > 0 && with > present / 2;
        if has {
            ever_led = true;
            if let Some(from) = open.take() {
                windows.push(Window {
                    from,
                    to: Some(t),
                    duration_ms: Some(from.ms_until(t)),
                    terms: Vec::new(),
                    failed_requests: 0,
                    over_threshold: false,
                    started_by: None,
                    slow_applies: 0,
                    proposals_dropped: 0,
                });
            }
        } else if ever_led && open.is_none() && present > 0 {
            open = Some(t);
            campaign_since_open = matches!(e.kind, Kind::BecameCandidate);
        }
    }
    if let Some(from) = open {
        if campaign_since_open {
            windows.push(Window {
                from,
                to: None,
                duration_ms: None,
                terms: Vec::new(),
                failed_requests: 0,
                over_threshold: false,
                started_by: None,
                slow_applies: 0,
                proposals_dropped: 0,
            });
        }
    }
    // drop member gaps still open at the end of the log when the member stopped
    for g in gaps.values_mut() {
        g.retain(|(f, to)| to.is_some() || *f >= Instant(i64::MIN));
    }
    (windows, gaps)
}

/// How a leader change counts for storms.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Change {
    /// Counted.
    Unplanned,
    /// A planned transfer: listed beside the storm.
    Planned,
    /// The first leader of the input (bootstrap, or the logs begin later).
    First,
}

fn storms(
    changes: &[(Instant, u64, Change)],
    windows: &[Window],
    opts: &ModelOptions,
) -> Vec<Storm> {
    let unplanned: Vec<&(Instant, u64, Change)> = changes
        .iter()
        .filter(|c| c.2 == Change::Unplanned)
        .collect();
    let th = opts.storm_threshold.max(1) as usize;
    let w = opts.storm_window_ms * 1_000_000;
    let mut episodes: Vec<(usize, usize)> = Vec::new();
    let mut j = 0;
    for i in 0..unplanned.len() {
        if j < i {
            j = i;
        }
        while j + 1 < unplanned.len() && unplanned[j + 1].0 .0 - unplanned[i].0 .0 <= w {
            j += 1;
        }
        if j + 1 - i >= th {
            match episodes.last_mut() {
                Some(last) if i <= last.1 => last.1 = last.1.max(j),
                _ => episodes.push((i, j)),
            }
        }
    }
    episodes
        .into_iter()
        .map(|(a, b)| {
            let from = unplanned[a].0;
            let to = unplanned[b].0;
            let planned = changes
                .iter()
                .filter(|c| c.2 == Change::Planned && c.0 >= from && c.0 <= to)
                .count() as u64;
            let leaderless_ms = windows
                .iter()
                .filter_map(|wd| {
                    let s = wd.from.max(Instant(from.0 - w));
                    let e = wd.to?.min(to);
                    (e > s && wd.from <= to).then(|| s.ms_until(e))
                })
                .sum();
            Storm {
                from,
                to,
                elections: (b + 1 - a) as u64,
                first_term: unplanned[a].1,
                last_term: unplanned[b].1,
                window_ms: opts.storm_window_ms,
                threshold: opts.storm_threshold,
                planned_transfers: planned,
                leader_changes: (b + 1 - a) as u64 + planned,
                leaderless_ms,
                causes: Vec::new(),
                failed_requests: 0,
            }
        })
        .collect()
}
