//! CSV (RFC 4180) of events and of terms, for spreadsheets. Cells of text from logs or
//! file names go through [`csv_text`], so none can start a formula.

use crate::model::Analysis;
use crate::sanitize::csv_text;
use std::io::{self, Write};

fn to_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// Events: `ts,node,node_name,kind,term,details,input,line` (`details` is the JSON object
/// of the kind-specific fields).
pub fn write_events(a: &Analysis, w: &mut dyn Write) -> io::Result<()> {
    let mut wr = csv::Writer::from_writer(w);
    wr.write_record([
        "ts",
        "node",
        "node_name",
        "kind",
        "term",
        "details",
        "input",
        "line",
    ])
    .map_err(to_io)?;
    for e in &a.events {
        let mut fields = serde_json::Map::new();
        e.kind.fields(&mut fields);
        let input = a
            .input_names
            .get(e.origin.input as usize)
            .cloned()
            .unwrap_or_default();
        wr.write_record([
            e.ts.map(|t| t.rfc3339()).unwrap_or_default(),
            e.node.map(crate::event::hex).unwrap_or_default(),
            csv_text(e.node.and_then(|n| a.names.get(&n)).map_or("", |n| n)),
            e.kind.name().to_string(),
            e.term.map(|t| t.to_string()).unwrap_or_default(),
            csv_text(&serde_json::Value::Object(fields).to_string()),
            csv_text(&input),
            e.origin.line.to_string(),
        ])
        .map_err(to_io)?;
    }
    wr.flush()
}

/// Terms: one row per term, the columns of `terms[]` (lists space-separated).
pub fn write_terms(a: &Analysis, w: &mut dyn Write) -> io::Result<()> {
    let mut wr = csv::Writer::from_writer(w);
    wr.write_record([
        "term",
        "leader",
        "leader_name",
        "leader_source",
        "started_at",
        "elected_at",
        "ended_at",
        "election_ms",
        "led_ms",
        "candidates",
        "pre_candidates",
        "votes_for",
        "votes_against",
        "transfer",
        "cause",
        "culprit",
        "culprit_name",
        "confidence",
    ])
    .map_err(to_io)?;
    let t = |x: &Option<crate::time::Instant>| x.map(|v| v.rfc3339()).unwrap_or_default();
    let n = |x: &Option<i64>| x.map(|v| v.to_string()).unwrap_or_default();
    for r in &a.report.terms {
        let c = r.cause.as_ref();
        wr.write_record([
            r.term.to_string(),
            r.leader.clone().unwrap_or_default(),
            csv_text(r.leader_name.as_deref().unwrap_or_default()),
            r.leader_source.clone().unwrap_or_default(),
            t(&r.started_at),
            t(&r.elected_at),
            t(&r.ended_at),
            n(&r.election_ms),
            n(&r.led_ms),
            r.candidates.join(" "),
            r.pre_candidates.join(" "),
            r.votes_for.join(" "),
            r.votes_against.join(" "),
            r.transfer.to_string(),
            c.map(|c| c.code.clone()).unwrap_or_default(),
            c.and_then(|c| c.culprit.clone()).unwrap_or_default(),
            csv_text(
                c.and_then(|c| c.culprit_name.as_deref())
                    .unwrap_or_default(),
            ),
            c.map(|c| c.confidence.clone()).unwrap_or_default(),
        ])
        .map_err(to_io)?;
    }
    wr.flush()
}
