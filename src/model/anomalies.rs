//! Anomalies the model itself finds: a member's term or clock going back, two leaders
//! in a term, terms inflating without leaders, leaders whose own log is missing.

use super::machine::Member;
use super::names::display;
use crate::event::{hex, Event, NodeId};
use crate::report::{Anomaly, TermRow};
use crate::time::{human_ms, Instant};
use std::collections::{BTreeMap, BTreeSet, HashMap};

type Names = BTreeMap<NodeId, String>;

fn anomaly(kind: &str, summary: String, nodes: Vec<String>, terms: Vec<u64>) -> Anomaly {
    Anomaly {
        kind: kind.into(),
        summary,
        nodes,
        terms,
        offset_ms: None,
        hint: None,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A member printing a lower term after a higher one (restarts keep their persisted
/// term, so this is a lost data directory or a different member under the same ID).
pub fn term_regressions(members: &BTreeMap<NodeId, Member>, names: &Names) -> Vec<Anomaly> {
    let with = members.iter().filter(|(_, m)| !m.regressions.is_empty());
    with.map(|(n, m)| {
        let v = &m.regressions;
        let terms: BTreeSet<u64> = v.iter().flat_map(|(a, b)| [*a, *b]).collect();
        let summary = format!(
            "member {} printed term {} after term {} ({} time{})",
            display(names, *n),
            v[0].1,
            v[0].0,
            v.len(),
            plural(v.len())
        );
        anomaly(
            "term_regression",
            summary,
            vec![hex(*n)],
            terms.into_iter().collect(),
        )
    })
    .collect()
}

/// A member's own clock going backwards by more than a second inside its log: its
/// lines are kept in file order (design.md §1), not re-sorted.
pub fn clock_jumps(events: &[Event], names: &Names) -> Vec<Anomaly> {
    let mut newest: HashMap<NodeId, (Instant, u64)> = HashMap::new();
    // (max back ms, count, first line)
    let mut jumps: BTreeMap<NodeId, (i64, u64, u64)> = BTreeMap::new();
    for e in events.iter().filter(|e| !e.coarse_ts) {
        let (Some(n), Some(t)) = (e.node, e.ts) else {
            continue;
        };
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
    jumps
        .iter()
        .map(|(n, (back, count, line))| {
            let summary = format!(
                "the log of member {} goes back in time by up to {} ({} line(s), first at line {}): its lines are kept in file order, not re-sorted",
                display(names, *n),
                human_ms(*back),
                count,
                line
            );
            let mut a = anomaly("clock_jump", summary, vec![hex(*n)], Vec::new());
            a.offset_ms = Some(-*back);
            a
        })
        .collect()
}

/// Terms where more than one member led (or was acknowledged as leader).
pub fn split_brains(split: Vec<(u64, BTreeSet<NodeId>)>, names: &Names) -> Vec<Anomaly> {
    split
        .into_iter()
        .map(|(t, who)| {
            let listed: Vec<String> = who.iter().map(|i| display(names, *i)).collect();
            let summary = format!("term {t} has {} leaders: {}", who.len(), listed.join(", "));
            anomaly(
                "split_brain",
                summary,
                who.iter().map(|i| hex(*i)).collect(),
                vec![t],
            )
        })
        .collect()
}

/// Terms rising much faster than leaders change (split votes, a member campaigning
/// alone); not the campaigns of members left without a quorum, which no setting could
/// have won.
pub fn term_inflation(rows: &[TermRow], names: &Names) -> Option<Anomaly> {
    let in_vain = |r: &TermRow| r.cause.as_ref().is_some_and(|c| c.code == "quorum_lost");
    let failed: Vec<&TermRow> = rows
        .iter()
        .filter(|r| r.leader.is_none() && !in_vain(r))
        .collect();
    let failed_elections: Vec<u64> = failed
        .iter()
        .filter(|r| !r.candidates.is_empty())
        .map(|r| r.term)
        .collect();
    let led_count = rows.iter().filter(|r| r.leader.is_some()).count();
    if failed_elections.len() < 3 || failed_elections.len() < led_count.saturating_sub(1) {
        return None;
    }
    let mut by: BTreeMap<String, usize> = BTreeMap::new();
    for c in failed.iter().flat_map(|r| &r.candidates) {
        *by.entry(c.clone()).or_default() += 1;
    }
    let mut top: Vec<(String, usize)> = by.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let most: Vec<String> = top
        .iter()
        .take(3)
        .map(|(c, n)| {
            let name =
                u64::from_str_radix(c, 16).map_or_else(|_| c.clone(), |id| display(names, id));
            format!("{name} ({n})")
        })
        .collect();
    let summary = format!(
        "{} terms were campaigned for without electing a leader (split votes or a member campaigning alone), against {} terms with a leader; most campaigns from {}",
        failed_elections.len(),
        led_count,
        most.join(", ")
    );
    let nodes = top.into_iter().map(|x| x.0).collect();
    Some(anomaly("term_inflation", summary, nodes, failed_elections))
}

/// Leaders whose own log was not read (when some member's was): their side of those
/// elections is not visible.
pub fn incomplete(
    rows: &[TermRow],
    members: &BTreeMap<NodeId, Member>,
    names: &Names,
) -> Vec<Anomaly> {
    if !members.values().any(|a| a.has_log) {
        return Vec::new();
    }
    let mut missing: BTreeMap<NodeId, Vec<u64>> = BTreeMap::new();
    for r in rows {
        let leader = r
            .leader
            .as_deref()
            .and_then(|l| u64::from_str_radix(l, 16).ok());
        if let Some(l) = leader.filter(|l| !members.get(l).is_some_and(|a| a.has_log)) {
            missing.entry(l).or_default().push(r.term);
        }
    }
    missing
        .into_iter()
        .map(|(l, ts)| {
            let summary = format!(
                "no log of member {} was read, but it led {} term{}: its side of those elections is not visible",
                display(names, l),
                ts.len(),
                plural(ts.len())
            );
            anomaly("incomplete", summary, vec![hex(l)], ts)
        })
        .collect()
}
