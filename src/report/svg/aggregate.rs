//! The swimlane of a long storm: beyond [`DENSITY_LIMIT`] terms, one mark per storm
//! episode (per lane, for the leaderless windows and for the elections) instead of one
//! per term, so that a storm of 100,000 terms draws a page of kilobytes, not of hundreds
//! of megabytes whose marks would overlap by the thousand on each pixel anyway. Terms,
//! windows and segments outside the episodes are drawn one by one as below the limit.

use super::{clip, esc, human_ms, span_text, Lane, Role, Scale, Seg, X0};
use crate::model::Analysis;
use crate::report::markdown::ReportOptions;
use crate::report::{Storm, Window};
use crate::time::Instant;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Terms (rows of `terms[]`) above which storm episodes are drawn as one mark each: about
/// one election per pixel of the 1,016-pixel lane.
pub(crate) const DENSITY_LIMIT: usize = 1_000;

/// A storm episode as drawn: its time extent (from the first campaign of its terms to its
/// last leader change) and its term range.
struct Episode<'a> {
    from: Instant,
    to: Instant,
    storm: &'a Storm,
}

/// What the leaderless windows inside one episode add up to.
#[derive(Default)]
struct Bands {
    count: u64,
    total_ms: i64,
    longest_ms: i64,
    over_threshold: u64,
    failed_requests: u64,
    from: Option<Instant>,
    to: Option<Instant>,
}

/// The storm episodes of a report too dense to draw term by term.
pub(crate) struct Aggregate<'a> {
    eps: Vec<Episode<'a>>,
}

impl<'a> Aggregate<'a> {
    /// The episodes to aggregate, or None when the report is drawn term by term (at most
    /// [`DENSITY_LIMIT`] terms, or no storm to fold the terms into).
    pub(crate) fn of(a: &'a Analysis) -> Option<Aggregate<'a>> {
        let r = &a.report;
        if r.terms.len() <= DENSITY_LIMIT || r.storms.is_empty() {
            return None;
        }
        let mut eps: Vec<Episode> = r
            .storms
            .iter()
            .map(|s| Episode {
                from: s.from,
                to: s.to.max(s.from),
                storm: s,
            })
            .collect();
        eps.sort_by_key(|e| e.from);
        let mut g = Aggregate { eps };
        // an episode starts with the first campaign of its terms, before its first
        // leader change
        for t in &r.terms {
            if let (Some(i), Some(at)) = (g.episode_of_term(t.term), t.started_at) {
                g.eps[i].from = g.eps[i].from.min(at);
            }
        }
        // keep the extents disjoint and sorted, as the lookups below assume
        for i in 1..g.eps.len() {
            let prev_to = g.eps[i - 1].to;
            if g.eps[i].from < prev_to {
                g.eps[i].from = prev_to;
            }
            g.eps[i].to = g.eps[i].to.max(g.eps[i].from);
        }
        Some(g)
    }

    /// The `<defs>` pattern of aggregated lane segments.
    pub(crate) const PATTERN: &'static str = r##"<pattern id="rl-storm" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#2e7d32"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fb8c00" stroke-width="3"/></pattern>
"##;

    /// Episodes overlapping `[from, to]`, as an index range.
    fn overlapping(&self, from: Instant, to: Instant) -> std::ops::Range<usize> {
        let lo = self.eps.partition_point(|e| e.to < from);
        let hi = self.eps.partition_point(|e| e.from <= to);
        lo..hi.max(lo)
    }

    /// The term belongs to an episode: no mark of its own.
    pub(crate) fn covers_term(&self, term: u64) -> bool {
        self.episode_of_term(term).is_some()
    }

    /// The window overlaps an episode: summarised in the episode's band.
    pub(crate) fn covers_window(&self, w: &Window, t1: Instant) -> bool {
        !self.overlapping(w.from, w.to.unwrap_or(t1)).is_empty()
    }

    /// Replace a lane's segments inside the episodes by one segment per episode that
    /// counts them.
    pub(crate) fn fold_lane(&self, lane: &mut Lane) {
        let cuts: Vec<(Instant, Instant, String)> = self
            .eps
            .iter()
            .map(|e| (e.from, e.to, String::new()))
            .collect();
        // leader, candidate, pre-candidate segments per episode
        let mut counts = vec![[0u64; 3]; self.eps.len()];
        let mut kept = Vec::with_capacity(lane.segs.len());
        for s in std::mem::take(&mut lane.segs) {
            let range = self.overlapping(s.from, s.to);
            if range.is_empty() {
                kept.push(s);
                continue;
            }
            let slot = match s.role {
                Role::Leader => Some(0),
                Role::Candidate => Some(1),
                Role::PreCandidate => Some(2),
                _ => None,
            };
            for c in counts[range.clone()].iter_mut() {
                if let Some(k) = slot {
                    c[k] += 1;
                }
            }
            kept.extend(clip(s, &cuts[range]));
        }
        for (e, c) in self.eps.iter().zip(&counts) {
            kept.push(Seg {
                from: e.from,
                to: e.to,
                role: Role::Storm,
                term: None,
                note: format!(
                    "terms {}–{}: leader {} times, candidate {} times, pre-candidate {} times",
                    e.storm.first_term, e.storm.last_term, c[0], c[1], c[2]
                ),
            });
        }
        lane.segs = kept;
    }

    /// One shaded band per episode that summarises its leaderless windows.
    pub(crate) fn draw_bands(
        &self,
        windows: &[Window],
        t1: Instant,
        sc: &Scale,
        o: &ReportOptions,
        (top, height): (f64, f64),
        out: &mut String,
    ) {
        let mut bands: Vec<Bands> = (0..self.eps.len()).map(|_| Bands::default()).collect();
        for w in windows {
            let to = w.to.unwrap_or(t1);
            let Some(i) = self.overlapping(w.from, to).next() else {
                continue;
            };
            let b = &mut bands[i];
            b.count += 1;
            b.total_ms += w.duration_ms.unwrap_or(0);
            b.longest_ms = b.longest_ms.max(w.duration_ms.unwrap_or(0));
            b.over_threshold += u64::from(w.over_threshold);
            b.failed_requests += w.failed_requests;
            b.from = Some(b.from.map_or(w.from, |f| f.min(w.from)));
            b.to = Some(b.to.map_or(to, |t| t.max(to)));
        }
        for (e, b) in self.eps.iter().zip(&bands) {
            let (Some(from), Some(to)) = (b.from, b.to) else {
                continue;
            };
            let x1 = sc.x(from);
            let wd = (sc.x(to) - x1).max(3.0);
            let title = format!(
                "{} leaderless windows during the storm of terms {}–{}, {}: {} without a leader in total, longest {}; {} over the threshold; {} failed requests",
                b.count,
                e.storm.first_term,
                e.storm.last_term,
                span_text(o, from, to),
                human_ms(b.total_ms),
                human_ms(b.longest_ms),
                b.over_threshold,
                b.failed_requests
            );
            let _ = writeln!(
                out,
                r##"<rect class="leaderless aggregate" x="{:.2}" y="{top:.1}" width="{wd:.2}" height="{height:.1}" fill="#e53935" fill-opacity="0.14" stroke="#c62828" stroke-width="0.6" stroke-opacity="0.7"><title>{}</title></rect>"##,
                x1.max(X0),
                esc(&title)
            );
        }
    }

    /// One election mark per episode: its term range, leaders and campaigns that failed.
    pub(crate) fn draw_marks(&self, a: &Analysis, sc: &Scale, term_y: f64, out: &mut String) {
        // per episode: leaders elected (by name) and campaigns without a leader
        let mut leaders: Vec<BTreeMap<String, u64>> = vec![BTreeMap::new(); self.eps.len()];
        let mut failed = vec![0u64; self.eps.len()];
        for row in &a.report.terms {
            let Some(i) = self.episode_of_term(row.term) else {
                continue;
            };
            match &row.leader {
                Some(l) => {
                    let name = u64::from_str_radix(l, 16)
                        .map(|id| a.name(id))
                        .unwrap_or_else(|_| l.clone());
                    *leaders[i].entry(name).or_default() += 1;
                }
                None if !row.candidates.is_empty() => failed[i] += 1,
                None => {}
            }
        }
        for (i, e) in self.eps.iter().enumerate() {
            let st = e.storm;
            let elected: u64 = leaders[i].values().sum();
            let title = format!(
                "terms {}–{}: {} leaders elected ({}), {} campaigns without a leader; causes: {}",
                st.first_term,
                st.last_term,
                elected,
                leaders[i]
                    .iter()
                    .map(|(n, c)| format!("{n} {c}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                failed[i],
                st.causes
                    .iter()
                    .map(|c| format!("{} {}", c.code, c.count))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let x1 = sc.x(e.from);
            let wd = (sc.x(e.to) - x1).max(3.0);
            let _ = writeln!(
                out,
                r##"<g class="election-aggregate" data-terms="{}-{}"><title>{}</title><rect x="{x1:.2}" y="{:.1}" width="{wd:.2}" height="6" fill="#1b1b1b"/><text x="{x1:.2}" y="{:.1}" font-size="11" font-weight="600" fill="#1b1b1b">{}–{}</text></g>"##,
                st.first_term,
                st.last_term,
                esc(&title),
                term_y - 4.0,
                term_y - 6.0,
                st.first_term,
                st.last_term
            );
        }
    }

    /// The episode whose term range holds `term` (episodes are chronological, so their
    /// term ranges are ascending).
    fn episode_of_term(&self, term: u64) -> Option<usize> {
        let i = self.eps.partition_point(|e| e.storm.last_term < term);
        self.eps
            .get(i)
            .filter(|e| e.storm.first_term <= term && term <= e.storm.last_term)
            .map(|_| i)
    }

    /// The legend entry of aggregated segments.
    pub(crate) fn legend(x: f64, legend_y: f64, out: &mut String) {
        let _ = write!(
            out,
            r##"<rect x="{x:.1}" y="{:.1}" width="16" height="11" fill="url(#rl-storm)" stroke="#90a4ae" stroke-width="0.5"/><text x="{:.1}" y="{legend_y:.1}" font-size="11" fill="#37474f">storm episode: one mark per member for all its terms (hover for counts)</text>"##,
            legend_y - 9.0,
            x + 20.0,
        );
    }
}
