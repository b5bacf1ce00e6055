//! `--format json` (the document of design.md §4) and NDJSON events.

use crate::model::Analysis;
use crate::time::Instant;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use std::io::{self, Write};

/// The JSON object of the `i`-th event of an analysis (merged order).
fn event_value(a: &Analysis, i: usize, e: &crate::event::Event) -> Value {
    let input = a
        .input_names
        .get(e.origin.input as usize)
        .map(String::as_str)
        .unwrap_or("?");
    let name = e.node.and_then(|n| a.names.get(&n)).map(String::as_str);
    let m = e.to_json(
        input,
        name,
        a.show_raw.then(|| a.raw.get(i)).flatten().as_deref(),
    );
    let shift = a.clock_shifts.get(&(e.origin.input, e.node));
    match (shift, e.ts) {
        (Some(ms), Some(ts)) => Value::Object(with_ts_logged(m, ts, *ms)),
        _ => Value::Object(m),
    }
}

/// An event of a member whose clock was corrected: `ts` is on the corrected clock,
/// `ts_logged` (right after it) is the time as its line wrote it.
fn with_ts_logged(m: Map<String, Value>, ts: Instant, shift_ms: i64) -> Map<String, Value> {
    let logged = Instant(ts.0.saturating_add(shift_ms.saturating_mul(1_000_000)));
    let mut out = Map::with_capacity(m.len() + 1);
    for (k, v) in m {
        let at_ts = k == "ts";
        out.insert(k, v);
        if at_ts {
            out.insert("ts_logged".into(), Value::String(logged.rfc3339()));
        }
    }
    out
}

/// Event objects of an analysis, in merged order.
pub fn event_values(a: &Analysis) -> Vec<Value> {
    a.events
        .iter()
        .enumerate()
        .map(|(i, e)| event_value(a, i, e))
        .collect()
}

/// The events as a JSON array whose objects are made one at a time while it is written
/// (a storm's listing has millions of them).
struct EventArray<'a>(&'a Analysis);

impl Serialize for EventArray<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.0;
        s.collect_seq(
            a.events
                .iter()
                .enumerate()
                .map(|(i, e)| event_value(a, i, e)),
        )
    }
}

/// Write the whole document, pretty-printed, with a trailing newline.
pub fn write_document(a: &Analysis, with_events: bool, w: &mut dyn Write) -> io::Result<()> {
    if !a.sections.is_empty() {
        return super::clusters::write_document(a, with_events, w);
    }
    if with_events {
        let mut report = a.report.clone();
        report.events = Some(event_values(a));
        serde_json::to_writer_pretty(&mut *w, &report)?;
    } else {
        serde_json::to_writer_pretty(&mut *w, &a.report)?;
    }
    w.write_all(b"\n")
}

/// Write one JSON object per event per line.
pub fn write_ndjson(a: &Analysis, w: &mut dyn Write) -> io::Result<()> {
    if !a.sections.is_empty() {
        return super::clusters::write_ndjson(a, w);
    }
    for (i, e) in a.events.iter().enumerate() {
        serde_json::to_writer(&mut *w, &event_value(a, i, e))?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Write the events as one JSON array.
pub fn write_event_array(a: &Analysis, w: &mut dyn Write) -> io::Result<()> {
    if !a.sections.is_empty() {
        return super::clusters::write_event_array(a, w);
    }
    serde_json::to_writer_pretty(&mut *w, &EventArray(a))?;
    w.write_all(b"\n")
}
