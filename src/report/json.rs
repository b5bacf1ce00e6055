//! `--format json` (the document of design.md §4) and NDJSON events.

use crate::model::Analysis;
use serde_json::Value;
use std::io::{self, Write};

/// Event objects of an analysis, in merged order.
pub fn event_values(a: &Analysis) -> Vec<Value> {
    a.events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let input = a
                .input_names
                .get(e.origin.input as usize)
                .map(String::as_str)
                .unwrap_or("?");
            let name = e.node.and_then(|n| a.names.get(&n)).map(String::as_str);
            Value::Object(e.to_json(
                input,
                name,
                a.raw.get(i).map(String::as_str).filter(|_| a.show_raw),
            ))
        })
        .collect()
}

/// Write the whole document, pretty-printed, with a trailing newline.
pub fn write_document(a: &Analysis, with_events: bool, w: &mut dyn Write) -> io::Result<()> {
    let mut report = a.report.clone();
    if with_events {
        report.events = Some(event_values(a));
    }
    serde_json::to_writer_pretty(&mut *w, &report)?;
    w.write_all(b"\n")
}

/// Write one JSON object per event per line.
pub fn write_ndjson(a: &Analysis, w: &mut dyn Write) -> io::Result<()> {
    for v in event_values(a) {
        serde_json::to_writer(&mut *w, &v)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Write the events as one JSON array.
pub fn write_event_array(a: &Analysis, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &event_values(a))?;
    w.write_all(b"\n")
}
