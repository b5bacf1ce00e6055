//! Per-node state and the cluster model: terms as the logical clock, leaderless windows,
//! storms and anomalies (design.md §1, §4).

use crate::event::{hex, Event, Kind, NodeId};
use crate::ingest::InputResult;
use crate::raw_lines::RawLines;
use crate::report::{Anomaly, InputRow, Report, TimelineRow};
use std::collections::{BTreeMap, BTreeSet};

mod anomalies;
mod describe;
mod fold;
pub mod inferred;
mod machine;
mod merge;
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

pub(crate) use merge::kind_digest;
use merge::{dedup, merge};
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
    /// Raw lines parallel to `events` (empty unless `--raw` or a quoting command).
    pub raw: RawLines,
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
    pub fn raw_line(&self, input: &str, line: u64) -> Option<String> {
        let ix = self.input_names.iter().position(|n| n == input)?;
        self.raw.at_line(&self.events, ix as u32, line)
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
    outcome::refine(&a.events, &mut a.report.terms);
    a.report.anomalies.extend(dup_anomalies);
    a.clock_shifts = shifts;
    a
}

/// The model: one pass of the member machines and the term table over the events
/// (the fold), then the stages that read them, in order.
fn build(
    events: Vec<Event>,
    raw: RawLines,
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
    // leaders known only from their peers' lines: the cause rules read them, and they are
    // written into the rows once everything else has read the rows' own leaders
    let inferred = inferred::leaders(&events, &rows);
    crate::cause::classify(&ctx, &mut rows, &inferred);
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
    let mut report = summary::report(
        summary, input_rows, node_rows, rows, windows, storms, anomalies,
    );
    inferred::fill(&inferred, &mut report.terms, &names);
    let kept = (events, raw, leader_after);
    Analysis::of(report, kept, input_names, names)
}

impl Analysis {
    /// An analysis of one cluster, before the renderers' options and the metrics.
    fn of(
        report: Report,
        (events, raw, leader_after): (Vec<Event>, RawLines, Vec<Option<NodeId>>),
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
