//! `--since`/`--until` select what is shown, not what is analysed: the analysis reads
//! every line (member names, the leader elected before the window, causes and counters
//! stay what they are without the window), then the document keeps what intersects the
//! window, with the totals beside the counts.
//!
//! `--node`, `--term` and `--kind` are views of the same kind, applied after the time
//! window and after the near misses and advice are drawn from it ([`apply_filter`]).

use super::Analysis;
use crate::cli::TermRange;
use crate::event::{hex, Kind, NodeId};
use crate::report::{Report, Summary, TermRow, WindowSummary, WindowTotals};
use crate::time::Instant;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The time range shown; `None` ends are open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct View {
    /// Show what lasts until this time or later.
    pub since: Option<Instant>,
    /// Show what began at this time or earlier.
    pub until: Option<Instant>,
}

impl View {
    /// No bound: everything is shown.
    pub fn is_all(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// An instant inside the range (a time-less line is inside only with no bound).
    pub fn contains(&self, t: Option<Instant>) -> bool {
        match t {
            Some(t) => self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u),
            None => self.is_all(),
        }
    }

    /// A span `[from, to]` (`to` None: still open when the logs end) meets the range.
    pub fn overlaps(&self, from: Option<Instant>, to: Option<Instant>) -> bool {
        let Some(from) = from else {
            return self.is_all();
        };
        let to_ok = match (self.since, to) {
            (Some(s), Some(t)) => t >= s,
            _ => true,
        };
        self.until.is_none_or(|u| from <= u) && to_ok
    }
}

/// The figures a window's counts stand beside.
fn totals(r: &Report) -> WindowTotals {
    WindowTotals {
        terms_seen: r.summary.terms_seen,
        elections: r.summary.elections,
        leader_changes: r.summary.leader_changes,
        planned_transfers: r.summary.planned_transfers,
        leaderless_windows: r.leaderless.len() as u64,
        leaderless_ms: r.summary.leaderless_ms,
        storms: r.storms.len() as u64,
        anomalies: r.anomalies.len() as u64,
    }
}

/// When each term was first seen in any member's raft lines.
fn term_firsts(a: &Analysis) -> HashMap<u64, Instant> {
    let mut first: HashMap<u64, Instant> = HashMap::new();
    for e in a.events.iter().filter(|e| e.kind.is_raft()) {
        if let (Some(t), Some(ts)) = (e.term, e.ts) {
            let slot = first.entry(t).or_insert(ts);
            *slot = (*slot).min(ts);
        }
    }
    first
}

/// The span in which each term was the cluster's: from its first sign (a campaign, the
/// election, any line printing it) to the end of its leadership, or for a term nobody
/// led, to the next term's first sign; `None` ends are open.
fn term_spans(a: &Analysis) -> Vec<(Option<Instant>, Option<Instant>)> {
    let first = term_firsts(a);
    let rows = &a.report.terms;
    let start = |r: &TermRow| {
        [r.started_at, r.elected_at, first.get(&r.term).copied()]
            .into_iter()
            .flatten()
            .min()
    };
    let starts: Vec<Option<Instant>> = rows.iter().map(start).collect();
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let end = if r.elected_at.is_some() {
                r.ended_at
            } else {
                starts[i + 1..].iter().flatten().next().copied()
            };
            (starts[i], end)
        })
        .collect()
}

/// Keep what intersects `view` in `a`: terms, leaderless windows, storms, anomalies
/// about those terms (and those about no term), events, and the members' figures in
/// time; summary counts cover the window and `summary.window` holds the totals.
pub fn apply(a: &mut Analysis, view: View) {
    if view.is_all() {
        return;
    }
    let all = totals(&a.report);
    let spans = term_spans(a);
    let mut keep = spans.iter().map(|(f, t)| view.overlaps(*f, *t));
    a.report.terms.retain(|_| keep.next().unwrap_or(false));
    let kept: BTreeSet<u64> = a.report.terms.iter().map(|r| r.term).collect();
    let r = &mut a.report;
    r.leaderless.retain(|w| view.overlaps(Some(w.from), w.to));
    r.storms.retain(|s| view.overlaps(Some(s.from), Some(s.to)));
    r.anomalies
        .retain(|x| x.terms.is_empty() || x.terms.iter().any(|t| kept.contains(t)));
    retain_events(a, |e| view.contains(e.ts));
    nodes_in_view(a, view, &kept);
    summary_in_view(
        &mut a.report,
        a.events.iter().filter_map(|e| e.ts),
        view,
        all,
    );
}

/// The members' figures in time cover the window; who they are (names, URLs, versions,
/// timers, first and last line) does not change.
fn nodes_in_view(a: &mut Analysis, view: View, kept: &BTreeSet<u64>) {
    #[derive(Default)]
    struct Counts {
        pre: u64,
        campaigns: u64,
        changes: u64,
    }
    let mut counts: BTreeMap<NodeId, Counts> = BTreeMap::new();
    for e in &a.events {
        let Some(n) = e.node else { continue };
        let c = counts.entry(n).or_default();
        match e.kind {
            Kind::BecamePreCandidate => c.pre += 1,
            Kind::BecameCandidate => c.campaigns += 1,
            Kind::ElectedLeader { .. } | Kind::ChangedLeader { .. } => c.changes += 1,
            _ => {}
        }
    }
    let by_hex: HashMap<String, Counts> = counts.into_iter().map(|(k, v)| (hex(k), v)).collect();
    for n in a.report.nodes.iter_mut() {
        let c = by_hex.get(&n.id);
        n.pre_vote_rounds = c.map_or(0, |c| c.pre);
        n.campaigns = c.map_or(0, |c| c.campaigns);
        n.leader_changes_seen = c.map_or(0, |c| c.changes);
        n.restarts.retain(|t| view.contains(Some(*t)));
        n.shutdowns.retain(|t| view.contains(Some(*t)));
        n.terms_led.retain(|t| kept.contains(t));
        n.gaps.retain(|g| view.overlaps(Some(g.from), g.to));
    }
}

/// Summary counts over what is shown, the totals beside them.
fn summary_in_view(
    r: &mut Report,
    shown: impl Iterator<Item = Instant> + Clone,
    view: View,
    all: WindowTotals,
) {
    let counts = super::term_counts(&r.terms);
    let s: &mut Summary = &mut r.summary;
    s.from = shown.clone().min();
    s.to = shown.max();
    s.terms_seen = r.terms.len() as u64;
    (s.elections, s.leader_changes, s.planned_transfers) = counts;
    s.leaderless_ms = r.leaderless.iter().filter_map(|w| w.duration_ms).sum();
    s.longest_leaderless_ms = r.leaderless.iter().filter_map(|w| w.duration_ms).max();
    s.window = Some(WindowSummary {
        since: view.since,
        until: view.until,
        totals: all,
        nodes: Vec::new(),
        terms: None,
        kinds: Vec::new(),
    });
}

/// `--node`, `--term`, `--kind`: which members, terms and event kinds are shown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Members by name or hex ID, as given (empty: all).
    pub nodes: Vec<String>,
    /// Terms (None: all).
    pub terms: Option<TermRange>,
    /// Event kind names (empty: all).
    pub kinds: Vec<String>,
}

impl Filter {
    /// Nothing filtered.
    pub fn is_all(&self) -> bool {
        self.nodes.is_empty() && self.terms.is_none() && self.kinds.is_empty()
    }
}

/// Whether `spec` (a `--node` value) names the member `id`/`name`: its name exactly, or
/// its hex ID (a leading 0x and letter case aside).
fn names_member(spec: &str, id: &str, name: Option<&str>) -> bool {
    let s = spec.trim();
    name == Some(s) || s.trim_start_matches("0x").eq_ignore_ascii_case(id)
}

/// The members the `--node` values name, as hex IDs, and the values that name none.
pub fn resolve_nodes<'s>(a: &Analysis, specs: &'s [String]) -> (BTreeSet<String>, Vec<&'s str>) {
    let mut ids = BTreeSet::new();
    let mut unknown = Vec::new();
    for spec in specs {
        let hits: Vec<&String> = a
            .report
            .nodes
            .iter()
            .filter(|n| names_member(spec, &n.id, n.name.as_deref()))
            .map(|n| &n.id)
            .collect();
        if hits.is_empty() {
            unknown.push(spec.as_str());
        }
        ids.extend(hits.into_iter().cloned());
    }
    (ids, unknown)
}

/// Whether the member `id` took part in a term: led it, campaigned in it, or is the
/// culprit of its cause (a stalled leader is blamed for the next term's election).
fn took_part(t: &TermRow, id: &str) -> bool {
    t.leader.as_deref() == Some(id)
        || t.candidates.iter().any(|c| c == id)
        || t.pre_candidates.iter().any(|c| c == id)
        || t.cause
            .as_ref()
            .and_then(|c| c.culprit.as_deref())
            .is_some_and(|c| c == id)
}

/// Keep the events for which `keep` holds, with their leaders and raw lines.
fn retain_events(a: &mut Analysis, keep: impl Fn(&crate::event::Event) -> bool) {
    let inside: Vec<bool> = a.events.iter().map(keep).collect();
    let mut i = 0..;
    a.events.retain(|_| inside[i.next().unwrap_or(0)]);
    let mut i = 0..;
    a.leader_after.retain(|_| inside[i.next().unwrap_or(0)]);
    if !a.raw.is_empty() {
        a.raw.retain(&inside);
    }
}

/// Apply `--node`/`--term`/`--kind` to an analysis already seen through its time window.
/// Shown: the terms in the range that a named member took part in ([`took_part`]); the
/// events of the named members printing a term in the range, or printing none while
/// those terms were the cluster's; the leaderless windows, storms and anomalies about
/// those terms (anomalies about no term or about a named member); the named members'
/// rows and near misses. `--kind` keeps only events of those kinds and changes nothing
/// else. Names, leaders, causes and advice are those of the whole analysis; the summary
/// counts cover what is shown and `summary.window` holds the totals and the filter.
pub fn apply_filter(a: &mut Analysis, f: &Filter) {
    if f.is_all() {
        return;
    }
    let all = a
        .report
        .summary
        .window
        .as_ref()
        .map_or_else(|| totals(&a.report), |w| w.totals);
    let window = a.report.summary.window.take();
    let (ids, _) = resolve_nodes(a, &f.nodes);
    if !f.nodes.is_empty() || f.terms.is_some() {
        // a cluster none of whose members is named shows none of its rows
        let members = (!f.nodes.is_empty()).then_some(&ids);
        by_members_and_terms(a, members, f.terms);
    }
    let view = View {
        since: window.as_ref().and_then(|w| w.since),
        until: window.as_ref().and_then(|w| w.until),
    };
    // the kinds shown change no count: the summary is taken before them
    let shown: Vec<Instant> = a.events.iter().filter_map(|e| e.ts).collect();
    let (from, to) = (a.report.summary.from, a.report.summary.to);
    summary_in_view(&mut a.report, shown.iter().copied(), view, all);
    if f.nodes.is_empty() && f.terms.is_none() {
        (a.report.summary.from, a.report.summary.to) = (from, to);
    }
    if !f.kinds.is_empty() {
        retain_events(a, |e| f.kinds.iter().any(|k| k == e.kind.name()));
    }
    if let Some(w) = a.report.summary.window.as_mut() {
        w.nodes = ids.into_iter().collect();
        w.terms = f.terms.map(|t| t.to_string());
        w.kinds = f.kinds.clone();
    }
}

/// The `--node`/`--term` part of [`apply_filter`].
/// `ids`: the members shown (`None`: every member).
fn by_members_and_terms(
    a: &mut Analysis,
    ids: Option<&BTreeSet<String>>,
    terms: Option<TermRange>,
) {
    let in_range = |t: u64| terms.is_none_or(|r| r.contains(t));
    let spans = term_spans(a);
    let keep: Vec<bool> = a
        .report
        .terms
        .iter()
        .map(|t| in_range(t.term) && ids.is_none_or(|ids| ids.iter().any(|n| took_part(t, n))))
        .collect();
    // while the kept terms were the cluster's (for events and near misses printing none)
    let kept_spans: Vec<(Option<Instant>, Option<Instant>)> = spans
        .into_iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(s, _)| s)
        .collect();
    let during = |from: Option<Instant>, to: Option<Instant>| {
        kept_spans.iter().any(|(f, t)| {
            View {
                since: from,
                until: to,
            }
            .overlaps(*f, *t)
        })
    };
    let mut k = keep.iter();
    a.report.terms.retain(|_| *k.next().unwrap_or(&false));
    let kept: BTreeSet<u64> = a.report.terms.iter().map(|r| r.term).collect();
    let member_ok = |n: &str| ids.is_none_or(|ids| ids.contains(n));
    let by_term = terms.is_some();
    retain_events(a, |e| {
        let who = ids.is_none() || e.node.is_some_and(|n| member_ok(&hex(n)));
        let when = match e.term {
            _ if !by_term => true,
            Some(t) => in_range(t),
            None => e.ts.is_some() && during(e.ts, e.ts),
        };
        who && when
    });
    let r = &mut a.report;
    r.leaderless
        .retain(|w| w.terms.iter().any(|t| kept.contains(t)));
    r.storms.retain(|s| {
        kept.iter()
            .any(|t| (s.first_term..=s.last_term).contains(t))
    });
    r.anomalies.retain(|x| {
        (x.terms.is_empty() || x.terms.iter().any(|t| kept.contains(t)))
            && (x.nodes.is_empty() || x.nodes.iter().any(|n| member_ok(n)))
    });
    r.near_misses
        .retain(|m| member_ok(&m.node) && (!by_term || during(Some(m.from), Some(m.to))));
    r.nodes.retain(|n| member_ok(&n.id));
    nodes_in_view(a, View::default(), &kept);
}
