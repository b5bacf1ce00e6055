//! `summary`: the run's span, counts and notes.

use super::machine::Member;
use crate::event::{Event, NodeId};
use crate::report::{
    Anomaly, InputRow, NodeRow, Report, Storm, Summary, TermRow, Window, SCHEMA_VERSION,
};
use std::collections::BTreeMap;

/// Notes the model adds after those of the inputs and the clocks.
pub fn notes(
    input_rows: &[InputRow],
    members: &BTreeMap<NodeId, Member>,
    node_rows: &[NodeRow],
    names: &BTreeMap<NodeId, String>,
) -> Vec<String> {
    let mut notes = Vec::new();
    if input_rows.iter().any(|i| i.assumed_zone) {
        notes.push(
            "zone-less timestamps (capnslog, Go log, journald) were read in the --assume-tz zone"
                .to_string(),
        );
    }
    if members.values().filter(|a| a.has_log).count() == 1 {
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
    let without_log = members
        .iter()
        .filter(|(_, a)| !a.has_log)
        .map(|(id, _)| super::names::display(names, *id));
    notes.extend(unreadable_note(input_rows, without_log.collect()));
    notes
}

/// The summary over the rows and windows.
pub fn summary(
    events: &[Event],
    rows: &[TermRow],
    windows: &[Window],
    members: &BTreeMap<NodeId, Member>,
    notes: Vec<String>,
) -> Summary {
    let (elections, leader_changes, planned_transfers) = term_counts(rows);
    Summary {
        window: None,
        from: events.iter().filter_map(|e| e.ts).min(),
        to: events.iter().filter_map(|e| e.ts).max(),
        members: members.len() as u64,
        members_with_logs: members.values().filter(|a| a.has_log).count() as u64,
        terms_seen: rows.len() as u64,
        elections,
        leader_changes,
        planned_transfers,
        leaderless_ms: windows.iter().filter_map(|w| w.duration_ms).sum(),
        longest_leaderless_ms: windows.iter().filter_map(|w| w.duration_ms).max(),
        notes,
    }
}

/// Elections (terms somebody campaigned for), leader changes (terms with a leader) and
/// planned transfers among them.
pub(super) fn term_counts(rows: &[TermRow]) -> (u64, u64, u64) {
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

/// The report value of one cluster (recommendations, near misses, metrics and events
/// are added after the model).
pub fn report(
    summary: Summary,
    inputs: Vec<InputRow>,
    nodes: Vec<NodeRow>,
    terms: Vec<TermRow>,
    leaderless: Vec<Window>,
    storms: Vec<Storm>,
    anomalies: Vec<Anomaly>,
) -> Report {
    Report {
        schema_version: SCHEMA_VERSION,
        raftlog_version: env!("CARGO_PKG_VERSION").to_string(),
        summary,
        inputs,
        nodes,
        terms,
        leaderless,
        storms,
        anomalies,
        recommendations: Vec::new(),
        near_misses: Vec::new(),
        metrics: None,
        events: None,
    }
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
