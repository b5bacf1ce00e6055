//! Election storms: at least `storm_threshold` unplanned leader changes within
//! `storm_window_ms`, with the causes of their elections and what they cost.

use super::ModelOptions;
use crate::report::{CauseCount, Storm, TermRow, Window};
use crate::time::Instant;
use std::collections::BTreeMap;

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

type Changes = Vec<(Instant, u64, Change)>;

/// The storms over the led terms, with their causes and failed requests.
pub fn stage(rows: &[TermRow], windows: &[Window], opts: &ModelOptions) -> Vec<Storm> {
    let mut storms = find(&changes(rows), windows, opts);
    for st in storms.iter_mut() {
        st.causes = causes(st, rows);
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
    storms
}

/// The leader changes by election time. The first leader in the input is not a change
/// the logs saw happen (bootstrap, or the logs begin later): storms count the changes
/// after it.
fn changes(rows: &[TermRow]) -> Changes {
    let first_led = rows.iter().position(|r| r.elected_at.is_some());
    rows.iter()
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
        .collect()
}

/// Episodes of at least the threshold of unplanned changes within the window, joined
/// when they overlap.
fn find(changes: &Changes, windows: &[Window], opts: &ModelOptions) -> Vec<Storm> {
    let unplanned: Vec<&(Instant, u64, Change)> = changes
        .iter()
        .filter(|c| c.2 == Change::Unplanned)
        .collect();
    let th = opts.storm_threshold.max(1) as usize;
    let w = opts.storm_window_ms * 1_000_000;
    let mut episodes: Vec<(usize, usize)> = Vec::new();
    let mut j = 0;
    for i in 0..unplanned.len() {
        j = j.max(i);
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
            storm(
                unplanned[a],
                unplanned[b],
                b + 1 - a,
                changes,
                windows,
                opts,
            )
        })
        .collect()
}

fn storm(
    first: &(Instant, u64, Change),
    last: &(Instant, u64, Change),
    elections: usize,
    changes: &Changes,
    windows: &[Window],
    opts: &ModelOptions,
) -> Storm {
    let (from, to) = (first.0, last.0);
    let w = opts.storm_window_ms * 1_000_000;
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
        elections: elections as u64,
        first_term: first.1,
        last_term: last.1,
        window_ms: opts.storm_window_ms,
        threshold: opts.storm_threshold,
        planned_transfers: planned,
        leader_changes: elections as u64 + planned,
        leaderless_ms,
        causes: Vec::new(),
        failed_requests: 0,
    }
}

/// The causes of the storm's elections, most frequent first, each with its culprits.
fn causes(st: &Storm, rows: &[TermRow]) -> Vec<CauseCount> {
    let mut by: BTreeMap<String, (u64, BTreeMap<String, u64>)> = BTreeMap::new();
    let inside = rows.iter().filter(|r| {
        r.elected_at.is_some_and(|e| e >= st.from && e <= st.to)
            && r.term >= st.first_term
            && r.term <= st.last_term
    });
    for c in inside.filter_map(|r| r.cause.as_ref()) {
        let slot = by.entry(c.code.clone()).or_default();
        slot.0 += 1;
        if let Some(cu) = &c.culprit {
            *slot.1.entry(cu.clone()).or_default() += 1;
        }
    }
    let mut causes: Vec<CauseCount> = by
        .into_iter()
        .map(|(code, (count, cul))| {
            let mut c: Vec<(String, u64)> = cul.into_iter().collect();
            c.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            CauseCount {
                code,
                count,
                culprits: c.into_iter().map(|x| x.0).collect(),
            }
        })
        .collect();
    causes.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
    causes
}
