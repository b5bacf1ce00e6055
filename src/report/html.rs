//! `raftlog report --format html`: one self-contained page (inline CSS and inline SVG, no
//! script, no network) with the content of the Markdown report and a swimlane timeline
//! of who led when. A Content-Security-Policy that forbids scripts and every external
//! resource backs up the escaping.

use crate::model::Analysis;
pub use crate::report::markdown::ReportOptions;
use crate::report::markdown::{build, Doc, Inline, Table};
use crate::report::svg::{esc, timeline};
use std::fmt::Write as _;
use std::io::{self, Write};

const CSS: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: #1f2328; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
main { max-width: 1240px; margin: 0 auto; padding: 20px 20px 40px; }
h1 { font-size: 24px; margin: 0 0 4px; line-height: 1.25; overflow-wrap: anywhere; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 15px; margin: 18px 0 4px; }
.redacted { border-left: 4px solid #9a6700; background: #fff8c5; padding: 8px 12px; margin: 12px 0; }
p { margin: 6px 0 10px; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
code { background: #eff1f3; padding: 1px 4px; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: #f6f8fa; border: 1px solid #d8dee4; border-radius: 6px; padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; margin: 6px 0 12px; }
table { border-collapse: collapse; margin: 6px 0 8px; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr { break-inside: avoid; page-break-inside: avoid; }
.more { color: #57606a; font-style: italic; }
.figures td:first-child { color: #57606a; }
.timeline-box { border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 4px 2px; margin: 8px 0 6px; break-inside: avoid; page-break-inside: avoid; }
svg.timeline { display: block; width: 100%; height: auto; }
.caption { color: #57606a; font-size: 12.5px; }
ol.recs > li { margin-bottom: 10px; }
footer { margin-top: 28px; color: #57606a; font-size: 12.5px; border-top: 1px solid #d0d7de; padding-top: 8px; }
@media print {
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  pre { white-space: pre-wrap; }
  @page { size: A4 landscape; margin: 12mm; }
}
"#;

fn rich(r: &[Inline]) -> String {
    let mut out = String::new();
    for i in r {
        match i {
            Inline::Text(s) => out.push_str(&esc(s)),
            Inline::Code(s) => {
                let _ = write!(out, "<code>{}</code>", esc(s));
            }
            Inline::Strong(s) => {
                let _ = write!(out, "<strong>{}</strong>", esc(s));
            }
        }
    }
    out
}

fn table(tb: &Table, class: &str, out: &mut String) {
    let _ = writeln!(out, r#"<table class="{class}">"#);
    out.push_str("<thead><tr>");
    for (i, h) in tb.head.iter().enumerate() {
        let cls = if tb.right.contains(&i) {
            r#" class="num""#
        } else {
            ""
        };
        let _ = write!(out, r#"<th scope="col"{cls}>{}</th>"#, esc(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &tb.rows {
        out.push_str("<tr>");
        for i in 0..tb.head.len() {
            let cls = if tb.right.contains(&i) {
                r#" class="num""#
            } else {
                ""
            };
            let cell = row.get(i).map(|c| rich(c)).unwrap_or_default();
            let _ = write!(out, "<td{cls}>{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
    if let Some(m) = &tb.more {
        let _ = writeln!(out, r#"<p class="more">{}</p>"#, rich(m));
    }
}

fn pre(lines: &[String], out: &mut String) {
    out.push_str("<pre>");
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&esc(l));
    }
    out.push_str("</pre>\n");
}

/// Hand what has been built so far to the writer: the page goes out section by section
/// rather than being held whole.
fn flush(out: &mut String, w: &mut dyn Write) -> io::Result<()> {
    w.write_all(out.as_bytes())?;
    out.clear();
    Ok(())
}

/// Write the HTML report.
pub fn write(a: &Analysis, o: &ReportOptions, w: &mut dyn Write) -> io::Result<()> {
    let d = build(a, o);
    let mut out = String::with_capacity(64 * 1024);
    html_head(&d, &mut out);
    out.push_str("<h2 id=\"timeline\">Who led when</h2>\n<div class=\"timeline-box\">\n");
    flush(&mut out, w)?;
    timeline(a, o, &mut out);
    out.push_str("</div>\n");
    flush(&mut out, w)?;
    html_caption(a, &d, &mut out);
    html_tables(&d, &mut out, w)?;
    html_findings(&d, &mut out);
    flush(&mut out, w)?;
    html_recommendations(&d, &mut out);
    html_read(&d, &mut out);
    out.push_str("</main>\n</body>\n</html>\n");
    flush(&mut out, w)
}

/// The document head, the title, the redaction notice and the summary.
fn html_head(d: &Doc, out: &mut String) {
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"generator\" content=\"raftlog\">\n");
    let _ = writeln!(out, "<title>{}</title>", esc(&d.title));
    let _ = writeln!(out, "<style>{CSS}</style>\n</head>\n<body>\n<main>");
    let _ = writeln!(out, "<h1>{}</h1>", esc(&d.title));
    if let Some(r) = &d.redaction {
        let _ = writeln!(
            out,
            r#"<p class="redacted"><strong>Redacted.</strong> {}</p>"#,
            esc(r)
        );
    }
    out.push_str("<h2 id=\"summary\">Summary</h2>\n");
    for p in &d.summary {
        let _ = writeln!(out, "<p>{}</p>", rich(p));
    }
}

/// The legend under the swimlane picture.
fn html_caption(a: &Analysis, d: &Doc, out: &mut String) {
    let near = if a.report.near_misses.is_empty() {
        ""
    } else {
        " Thin orange bars at the foot of a lane: near misses, that member's health trouble (late heartbeats, slow disk, slow applies, overload) that cost no election (yet)."
    };
    let _ = writeln!(
        out,
        r#"<p class="caption">One lane per member over wall time ({}). Green: leader; orange: candidate; yellow: pre-candidate; grey: follower; hatched green: still leader by its own lines after the others had moved on; hatched grey: stopped, crashed or no lines. Red bands: the cluster had no leader. Black marks: elections, labelled with the term.{near} Hover over any mark for details.</p>"#,
        esc(&d.zone)
    );
}

/// Key figures, storms, terms and leaderless windows.
fn html_tables(d: &Doc, out: &mut String, w: &mut dyn Write) -> io::Result<()> {
    out.push_str("<h2 id=\"figures\">Key figures</h2>\n");
    table(&d.figures, "figures", out);

    if let Some(st) = &d.storms {
        out.push_str("<h2 id=\"storms\">Election storms</h2>\n");
        table(st, "storms", out);
    }
    out.push_str("<h2 id=\"terms\">Terms</h2>\n");
    if d.terms.rows.is_empty() {
        out.push_str("<p>No term with a campaign or a known leader.</p>\n");
    } else {
        table(&d.terms, "terms", out);
    }
    for n in &d.terms_notes {
        let _ = writeln!(out, r#"<p class="more">{}</p>"#, esc(n));
    }
    flush(out, w)?;
    out.push_str("<h2 id=\"leaderless\">Leaderless windows</h2>\n");
    match &d.windows {
        Some(tb) => table(tb, "windows", out),
        None => {
            let _ = writeln!(out, "<p>{}</p>", esc(&d.no_windows));
        }
    }
    Ok(())
}

/// Anomalies, near misses and the evidence per election.
fn html_findings(d: &Doc, out: &mut String) {
    if !d.anomalies.is_empty() {
        out.push_str("<h2 id=\"anomalies\">Anomalies</h2>\n<ul>\n");
        for an in &d.anomalies {
            let _ = writeln!(out, "<li>{}</li>", rich(an));
        }
        out.push_str("</ul>\n");
    }
    if !d.near_misses.is_empty() {
        out.push_str("<h2 id=\"near-misses\">Near misses</h2>\n<p>Health trouble that cost no election (yet):</p>\n<ul>\n");
        for nm in &d.near_misses {
            let _ = writeln!(out, "<li>{}</li>", rich(nm));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h2 id=\"evidence\">Evidence</h2>\n");
    if d.evidence.is_empty() {
        out.push_str("<p>No election with evidence lines.</p>\n");
    }
    for e in &d.evidence {
        let _ = writeln!(out, r#"<h3 id="term-{}">{}</h3>"#, e.term, rich(&e.heading));
        let _ = writeln!(out, "<p>{}</p>", rich(&e.text));
        if !e.lines.is_empty() {
            pre(&e.lines, out);
        }
    }
    if let Some(m) = &d.evidence_more {
        let _ = writeln!(out, r#"<p class="more">{}</p>"#, rich(m));
    }
}

/// The numbered recommendations with their commands and evidence.
fn html_recommendations(d: &Doc, out: &mut String) {
    out.push_str("<h2 id=\"recommendations\">Recommendations</h2>\n");
    if d.recs.is_empty() {
        out.push_str("<p>None: nothing in the logs calls for a change.</p>\n");
    } else {
        out.push_str("<ol class=\"recs\">\n");
        for rec in &d.recs {
            let _ = writeln!(
                out,
                "<li><p><code>{}</code> {}</p><p>Because: {}</p>",
                esc(&rec.code),
                esc(&rec.summary),
                esc(&rec.because)
            );
            if !rec.actions.is_empty() {
                out.push_str("<p>Next steps:</p>\n");
                pre(&rec.actions, out);
            }
            if !rec.lines.is_empty() {
                out.push_str("<p>Evidence:</p>\n");
                pre(&rec.lines, out);
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ol>\n");
    }
}

/// What was read, the notes and the footer.
fn html_read(d: &Doc, out: &mut String) {
    out.push_str("<h2 id=\"read\">What was read</h2>\n");
    table(&d.inputs, "inputs", out);
    let _ = writeln!(out, "<p>{}</p>", rich(&d.skipped));
    table(&d.members, "members", out);
    if let Some(m) = &d.missing {
        let _ = writeln!(out, "<p>{}</p>", rich(m));
    }
    if !d.notes.is_empty() {
        out.push_str("<ul class=\"notes\">\n");
        for n in &d.notes {
            let _ = writeln!(out, "<li>Note: {}</li>", esc(n));
        }
        out.push_str("</ul>\n");
    }
    let _ = writeln!(out, "<footer>{}</footer>", rich(&d.footer));
}
