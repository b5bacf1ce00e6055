//! Per-node state and the cluster model: terms as the logical clock, leaderless windows,
//! storms and anomalies (design.md §1, §4).

use crate::event::{hex, Event, Kind, NodeId};
use crate::ingest::InputResult;
use crate::report::{Anomaly, InputRow, Report, TimelineRow};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};

mod anomalies;
mod describe;
mod fold;
mod machine;
mod names;
mod nodes;
pub mod outcome;
mod rows;
mod storms;
mod summary;
mod sweep;
mod terms;
pub mod view;
pub mod votes;
mod windows;

use summary::term_counts;

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
    let eff: Vec<Vec<(i64, u64, u8)>> = seqs.iter().map(|s| merge_keys(s)).collect();
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

/// Among lines with the same time (zap 3.4 prints milliseconds, the 3.4 raft Go log
/// whole seconds) the causal order of an election: campaign, votes, win, the others
/// learning of it.
fn merge_rank(k: &Kind) -> u8 {
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
}

/// The merge key of each element of one (input, member) sequence: its effective
/// (monotone) time and term, and its rank, so that the sequence keeps its file order.
fn merge_keys(s: &[(Event, Option<String>)]) -> Vec<(i64, u64, u8)> {
    let mut v = Vec::with_capacity(s.len());
    let mut cur = s
        .iter()
        .find_map(|(e, _)| e.ts)
        .map(|t| t.0)
        .unwrap_or(i64::MIN);
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
        v.push((cur, term, merge_rank(&e.kind)));
    }
    v
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

/// The model: one pass of the member machines and the term table over the events
/// (the fold), then the stages that read them, in order.
fn build(
    events: Vec<Event>,
    raw: Vec<String>,
    input_rows: Vec<InputRow>,
    input_names: Vec<String>,
    mut notes: Vec<String>,
    opts: &ModelOptions,
    clocks: &crate::clock::Clocks,
) -> Analysis {
    let f = fold::Fold::run(&events);
    let names = names::resolve(&f, opts);
    let fold::Fold {
        mut members,
        mut terms,
        url_to_id,
        leader_after,
        ..
    } = f;
    names::complete(&mut members, &names, &url_to_id);
    let mut anomalies = anomalies::term_regressions(&members, &names);
    anomalies.extend(anomalies::clock_jumps(&events, &names));
    let (mut rows, split) = rows::stage(&events, &mut terms, &names, members.len());
    anomalies.extend(anomalies::split_brains(split, &names));
    let who = Who::new(&members);
    let ctx = who.context(&events, &input_names, &names);
    crate::cause::classify(&ctx, &mut rows);
    let wx = windows::Inputs {
        ctx: &ctx,
        leader_after: &leader_after,
        members: &members,
        opts,
    };
    let (windows, gaps) = windows::stage(&mut rows, &wx);
    let storms = storms::stage(&rows, &windows, opts);
    anomalies.extend(anomalies::term_inflation(&rows, &names));
    let disp = |id: NodeId| names::display(&names, id);
    let (clock_anomalies, clock_notes) = clocks.report(opts.clock_correction, &disp);
    anomalies.extend(clock_anomalies);
    notes.extend(clock_notes);
    anomalies.extend(anomalies::incomplete(&rows, &members, &names));
    let nx = nodes::Inputs {
        ctx: &ctx,
        rows: &rows,
        windows: &windows,
        gaps: &gaps,
        clocks,
        opts,
    };
    let node_rows = nodes::node_rows(&members, &nx);
    notes.extend(summary::notes(&input_rows, &members, &node_rows, &names));
    let summary = summary::summary(&events, &rows, &windows, &members, notes);
    let report = summary::report(
        summary, input_rows, node_rows, rows, windows, storms, anomalies,
    );
    let kept = (events, raw, leader_after);
    Analysis::of(report, kept, input_names, names)
}

impl Analysis {
    /// An analysis of one cluster, before the renderers' options and the metrics.
    fn of(
        report: Report,
        (events, raw, leader_after): (Vec<Event>, Vec<String>, Vec<Option<NodeId>>),
        input_names: Vec<String>,
        names: BTreeMap<NodeId, String>,
    ) -> Analysis {
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
}

/// The members as the cause rules see them.
struct Who {
    has_log: BTreeSet<NodeId>,
    all: BTreeSet<NodeId>,
    /// The longest election timeout any member logged (1 s when none did).
    election_ms: f64,
}

impl Who {
    fn new(members: &BTreeMap<NodeId, machine::Member>) -> Who {
        let longest = members
            .values()
            .filter_map(|a| a.election)
            .fold(0.0f64, f64::max);
        Who {
            has_log: members
                .iter()
                .filter(|(_, a)| a.has_log)
                .map(|(id, _)| *id)
                .collect(),
            all: members.keys().copied().collect(),
            election_ms: if longest > 0.0 { longest } else { 1000.0 },
        }
    }

    fn context<'a>(
        &'a self,
        events: &'a [Event],
        input_names: &'a [String],
        names: &'a BTreeMap<NodeId, String>,
    ) -> crate::cause::Context<'a> {
        crate::cause::Context::new(
            events,
            input_names,
            names,
            &self.has_log,
            &self.all,
            self.election_ms,
        )
    }
}
