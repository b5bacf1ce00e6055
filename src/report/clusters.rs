//! Output of a run whose inputs hold several clusters (docs/clusters.md): one section
//! per cluster in the text formats, each rendered as a run of that cluster alone would
//! be; rows tagged with their `cluster` in JSON, NDJSON and CSV, with a `clusters[]`
//! summary in the JSON document.

use crate::model::Analysis;
use crate::time::{Instant, Zone};
use serde::Serialize;
use serde_json::{Map, Value};
use std::io::{self, Write};

/// `clusters[]`: one row per cluster, numbered from 1 in order of their first line.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterRow {
    /// The number the other rows' `cluster` key refers to.
    pub cluster: u32,
    /// Cluster IDs the members' logs printed (empty when none did).
    pub cluster_ids: Vec<String>,
    /// Inputs of this cluster, by name.
    pub inputs: Vec<String>,
    /// Its members (hex ids).
    pub nodes: Vec<String>,
    /// Earliest event time.
    pub from: Option<Instant>,
    /// Latest event time.
    pub to: Option<Instant>,
    /// Rows in `terms` for this cluster.
    pub terms_seen: u64,
    /// Terms somebody campaigned for.
    pub elections: u64,
    /// Sum of this cluster's leaderless windows.
    pub leaderless_ms: i64,
}

/// The `clusters[]` rows of a run of several clusters.
pub fn rows(a: &Analysis) -> Vec<ClusterRow> {
    a.sections
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let r = &s.report;
            let mut ids: Vec<String> = r
                .nodes
                .iter()
                .filter_map(|n| n.cluster_id.clone())
                .collect();
            ids.sort();
            ids.dedup();
            ClusterRow {
                cluster: k as u32 + 1,
                cluster_ids: ids,
                inputs: r.inputs.iter().map(|i| i.name.clone()).collect(),
                nodes: r.nodes.iter().map(|n| n.id.clone()).collect(),
                from: r.summary.from,
                to: r.summary.to,
                terms_seen: r.summary.terms_seen,
                elections: r.summary.elections,
                leaderless_ms: r.summary.leaderless_ms,
            }
        })
        .collect()
}

/// The one-line heading of cluster `k` (from 0), as text; the caller escapes it for
/// its format.
pub fn heading(a: &Analysis, k: usize, tz: Zone) -> String {
    let s = &a.sections[k];
    let row = &rows(a)[k];
    let ids = if row.cluster_ids.is_empty() {
        "no cluster ID in its logs".to_string()
    } else {
        format!("cluster ID {}", row.cluster_ids.join(", "))
    };
    let members: Vec<String> = s
        .report
        .nodes
        .iter()
        .map(|n| match &n.name {
            Some(name) => format!("{name} ({})", n.id),
            None => n.id.clone(),
        })
        .collect();
    format!(
        "Cluster {} of {}: {ids}; members {}; inputs {}; {}",
        k + 1,
        a.sections.len(),
        if members.is_empty() {
            "none seen".to_string()
        } else {
            members.join(", ")
        },
        row.inputs.join(", "),
        super::table::span(tz, row.from, row.to)
    )
}

/// A JSON object with `"cluster": k` as its first key.
fn tagged(v: Value, k: u32) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::with_capacity(m.len() + 1);
            out.insert("cluster".into(), Value::from(k));
            out.extend(m);
            Value::Object(out)
        }
        other => other,
    }
}

/// The rows of one array of each section's document, tagged with their cluster.
fn tagged_rows(docs: &[Value], key: &str) -> Value {
    Value::Array(
        docs.iter()
            .enumerate()
            .flat_map(|(k, d)| {
                let rows = d.get(key).and_then(Value::as_array).cloned();
                rows.unwrap_or_default()
                    .into_iter()
                    .map(move |r| tagged(r, k as u32 + 1))
            })
            .collect(),
    )
}

/// The whole JSON document of a run of several clusters: the one-cluster document's
/// keys, every node, term, window, storm, anomaly and recommendation (and event, with
/// `--events`) tagged with its `cluster`, and `clusters[]`.
pub fn write_document(a: &Analysis, with_events: bool, w: &mut dyn Write) -> io::Result<()> {
    let mut doc = serde_json::to_value(&a.report)?;
    let mut docs = Vec::with_capacity(a.sections.len());
    for s in &a.sections {
        let mut d = serde_json::to_value(&s.report)?;
        if with_events {
            d["events"] = Value::Array(super::json::event_values(s));
        }
        docs.push(d);
    }
    let names: Vec<Vec<String>> = rows(a).into_iter().map(|r| r.inputs).collect();
    if let Some(inputs) = doc.get_mut("inputs").and_then(Value::as_array_mut) {
        for i in inputs.iter_mut() {
            let name = i.get("name").and_then(Value::as_str).unwrap_or_default();
            if let Some(k) = names.iter().position(|n| n.iter().any(|x| x == name)) {
                *i = tagged(i.take(), k as u32 + 1);
            }
        }
    }
    let keys = [
        "nodes",
        "terms",
        "leaderless",
        "storms",
        "anomalies",
        "recommendations",
    ];
    for key in keys {
        doc[key] = tagged_rows(&docs, key);
    }
    // absent when there is none, as in a one-cluster document
    let near = tagged_rows(&docs, "near_misses");
    if near.as_array().is_some_and(|v| !v.is_empty()) {
        doc["near_misses"] = near;
    }
    if with_events {
        doc["events"] = tagged_rows(&docs, "events");
    }
    doc["clusters"] = serde_json::to_value(rows(a))?;
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}

/// Events of every cluster, one JSON object per line, each with its `cluster`.
pub fn write_ndjson(a: &Analysis, w: &mut dyn Write) -> io::Result<()> {
    for (k, s) in a.sections.iter().enumerate() {
        for v in super::json::event_values(s) {
            serde_json::to_writer(&mut *w, &tagged(v, k as u32 + 1))?;
            w.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// Events of every cluster as one JSON array, each with its `cluster`.
pub fn write_event_array(a: &Analysis, w: &mut dyn Write) -> io::Result<()> {
    let all: Vec<Value> = a
        .sections
        .iter()
        .enumerate()
        .flat_map(|(k, s)| {
            super::json::event_values(s)
                .into_iter()
                .map(move |v| tagged(v, k as u32 + 1))
        })
        .collect();
    serde_json::to_writer_pretty(&mut *w, &all)?;
    w.write_all(b"\n")
}

/// One CSV of every cluster's rows, as `write` writes them for one cluster, with a
/// last column `cluster`.
pub fn write_csv(
    a: &Analysis,
    write: fn(&Analysis, &mut dyn Write) -> io::Result<()>,
    w: &mut dyn Write,
) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    for (k, s) in a.sections.iter().enumerate() {
        let mut buf = Vec::new();
        write(s, &mut buf)?;
        let mut rd = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(buf.as_slice());
        for (n, rec) in rd.records().enumerate() {
            let mut rec = rec.map_err(io::Error::other)?;
            if n == 0 {
                if k > 0 {
                    continue;
                }
                rec.push_field("cluster");
            } else {
                rec.push_field(&(k + 1).to_string());
            }
            out.write_record(&rec).map_err(io::Error::other)?;
        }
    }
    out.flush()
}

/// Text formats: each cluster's output after its heading (`heading_line` formats the
/// heading for the format), one after the other.
pub fn write_sections(
    a: &Analysis,
    tz: Zone,
    heading_line: fn(&str) -> String,
    write: &dyn Fn(&Analysis, &mut dyn Write) -> io::Result<()>,
    w: &mut dyn Write,
) -> io::Result<()> {
    for k in 0..a.sections.len() {
        if k > 0 {
            writeln!(w)?;
        }
        writeln!(w, "{}", heading_line(&heading(a, k, tz)))?;
        writeln!(w)?;
        write(&a.sections[k], w)?;
    }
    Ok(())
}

/// The HTML report of several clusters: one page, one `<section>` per cluster holding
/// what the page of that cluster alone holds, its element ids prefixed with
/// `cluster-K-` so that links stay within the section.
pub fn write_html(
    a: &Analysis,
    o: &super::markdown::ReportOptions,
    w: &mut dyn Write,
) -> io::Result<()> {
    let mut pages = Vec::with_capacity(a.sections.len());
    for s in &a.sections {
        let mut buf = Vec::new();
        super::html::write(s, o, &mut buf)?;
        pages.push(String::from_utf8_lossy(&buf).into_owned());
    }
    let head_end = |p: &str| p.find("<main>").map(|i| i + "<main>".len());
    let first = &pages[0];
    let Some(h) = head_end(first) else {
        return w.write_all(first.as_bytes());
    };
    let title = format!("raftlog: {} clusters in these logs", a.sections.len());
    let head = &first[..h];
    let head = match (head.find("<title>"), head.find("</title>")) {
        (Some(s), Some(e)) => format!("{}<title>{title}</title>{}", &head[..s], &head[e + 8..]),
        _ => head.to_string(),
    };
    w.write_all(head.as_bytes())?;
    writeln!(w, "\n<h1>{title}</h1>\n<ol class=\"clusters\">")?;
    for k in 0..pages.len() {
        writeln!(
            w,
            "<li><a href=\"#cluster-{}\">{}</a></li>",
            k + 1,
            super::svg::esc(&heading(a, k, o.tz))
        )?;
    }
    writeln!(w, "</ol>")?;
    for (k, p) in pages.iter().enumerate() {
        let body = match (head_end(p), p.rfind("</main>")) {
            (Some(s), Some(e)) if s <= e => &p[s..e],
            _ => p.as_str(),
        };
        let prefix = format!("cluster-{}-", k + 1);
        let body = body
            .replace("id=\"", &format!("id=\"{prefix}"))
            .replace("href=\"#", &format!("href=\"#{prefix}"));
        writeln!(w, "<section id=\"cluster-{}\">", k + 1)?;
        w.write_all(body.as_bytes())?;
        writeln!(w, "</section>")?;
    }
    w.write_all(b"</main>\n</body>\n</html>\n")
}
