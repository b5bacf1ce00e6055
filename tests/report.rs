//! Ticket-ready reports (issue 5): Markdown and HTML of real captures (snapshots), valid
//! CommonMark with its tables and Mermaid block, hostile log text, redaction, and the
//! HTML rendered in headless Chromium (with RAFTLOG_BROWSER=1).

mod common;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use raftlog::model::Analysis;
use raftlog::redact::Redactor;
use raftlog::report::markdown::ReportOptions;
use std::path::{Path, PathBuf};
use std::process::Command;

const MIXED: &str = "fixtures/real/zap-3-mixed";
const STORM: &str = "fixtures/real/zap-5-storm";

/// Analyse with the `diagnose` arguments, so that raw lines are kept for the evidence.
/// Relative paths: cargo runs integration tests in the package root.
fn analyze(args: &[&str]) -> Analysis {
    let mut v = vec!["diagnose"];
    v.extend_from_slice(args);
    common::analyze(&v)
}

fn md(a: &Analysis, o: &ReportOptions) -> String {
    let mut out = Vec::new();
    raftlog::report::markdown::write(a, o, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn html(a: &Analysis, o: &ReportOptions) -> String {
    let mut out = Vec::new();
    raftlog::report::html::write(a, o, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn opts() -> ReportOptions {
    ReportOptions::default()
}

#[test]
fn markdown_snapshot_zap_3_mixed() {
    let a = analyze(&[MIXED]);
    insta::assert_snapshot!(md(&a, &opts()));
}

#[test]
fn html_snapshot_zap_3_mixed() {
    let a = analyze(&[MIXED]);
    insta::assert_snapshot!(html(&a, &opts()));
}

#[test]
fn markdown_snapshot_zap_5_storm_other_zone_capped() {
    let a = analyze(&[STORM]);
    let o = ReportOptions {
        tz: raftlog::time::Zone::Fixed(2 * 3600),
        max_rows: 4,
        redacted: false,
    };
    insta::assert_snapshot!(md(&a, &o));
}

#[test]
fn html_is_self_contained() {
    let a = analyze(&[MIXED]);
    let h = html(&a, &opts()).to_ascii_lowercase();
    assert!(h.starts_with("<!doctype html>"));
    assert!(h.contains("content-security-policy\" content=\"default-src 'none'"));
    for bad in [
        "<script", "<link", "<img", "<iframe", "src=", "href=", "@import", "url(http",
    ] {
        assert!(!h.contains(bad), "{bad} in the HTML report");
    }
    // the only URL in an attribute is the SVG namespace (URLs in text are not links)
    let attrs: Vec<&str> = h
        .match_indices("=\"http")
        .map(|(i, _)| &h[i..(i + 29).min(h.len())])
        .collect();
    assert_eq!(attrs, ["=\"http://www.w3.org/2000/svg\""]);
    assert_eq!(h.matches("<svg").count(), 1);
    assert_eq!(h.matches("<g class=\"lane\"").count(), 3);
    assert_eq!(h.matches("<g class=\"election\"").count(), 9);
    assert_eq!(h.matches("<g class=\"restart\"").count(), 2);
    assert_eq!(h.matches("<rect class=\"leaderless\"").count(), 8);
}

/// What a CommonMark parser (with GFM tables) sees in a Markdown report.
#[derive(Debug, Default)]
struct Parsed {
    /// Per table: header cell texts and the cell count of every row.
    tables: Vec<(Vec<String>, Vec<usize>)>,
    /// Fenced code blocks: (info string, content).
    blocks: Vec<(String, String)>,
    /// Raw HTML the parser passed through (must stay empty).
    html: Vec<String>,
    /// All text.
    text: String,
}

fn parse_md(s: &str) -> Parsed {
    let mut p = Parsed::default();
    let mut in_head = false;
    let mut cells = 0usize;
    let mut cell_text = String::new();
    let mut block: Option<(String, String)> = None;
    for ev in Parser::new_ext(s, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match ev {
            Event::Start(Tag::Table(_)) => p.tables.push((Vec::new(), Vec::new())),
            Event::Start(Tag::TableHead) => {
                in_head = true;
                cells = 0;
            }
            Event::End(TagEnd::TableHead) => {
                in_head = false;
                let t = p.tables.last_mut().unwrap();
                t.1.push(cells);
            }
            Event::Start(Tag::TableRow) => cells = 0,
            Event::End(TagEnd::TableRow) => p.tables.last_mut().unwrap().1.push(cells),
            Event::Start(Tag::TableCell) => {
                cells += 1;
                cell_text.clear();
            }
            Event::End(TagEnd::TableCell) if in_head => {
                p.tables.last_mut().unwrap().0.push(cell_text.clone());
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(i) => i.to_string(),
                    CodeBlockKind::Indented => "(indented)".into(),
                };
                block = Some((info, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(b) = block.take() {
                    p.blocks.push(b);
                }
            }
            Event::Text(t) | Event::Code(t) => {
                cell_text.push_str(&t);
                p.text.push_str(&t);
                if let Some(b) = &mut block {
                    b.1.push_str(&t);
                }
            }
            Event::Html(h) | Event::InlineHtml(h) => p.html.push(h.to_string()),
            _ => {}
        }
    }
    p
}

fn table_with<'a>(p: &'a Parsed, first: &str) -> &'a (Vec<String>, Vec<usize>) {
    p.tables
        .iter()
        .find(|t| t.0.first().map(String::as_str) == Some(first))
        .unwrap_or_else(|| panic!("no table starting with {first:?}: {:?}", p.tables))
}

fn assert_tables_regular(p: &Parsed) {
    for (head, rows) in &p.tables {
        for (i, n) in rows.iter().enumerate() {
            assert_eq!(*n, head.len(), "row {i} of table {head:?} has {n} cells");
        }
    }
}

#[test]
fn markdown_is_commonmark_with_tables_and_mermaid() {
    let a = analyze(&[MIXED]);
    let s = md(&a, &opts());
    let p = parse_md(&s);
    assert!(p.html.is_empty(), "raw HTML in Markdown: {:?}", p.html);
    assert_tables_regular(&p);
    let terms = table_with(&p, "Term");
    assert_eq!(
        terms.0,
        [
            "Term",
            "Leader",
            "Elected at (UTC)",
            "Election took",
            "Outcome",
            "Cause",
            "Culprit"
        ]
    );
    assert_eq!(terms.1.len(), 1 + 9, "header + 9 elected terms");
    assert_eq!(table_with(&p, "Figure").0.len(), 2);
    assert_eq!(table_with(&p, "From (UTC)").0.len(), 8, "storms");
    assert_eq!(table_with(&p, "Input").1.len(), 1 + 3, "3 inputs");
    assert_eq!(table_with(&p, "Member").1.len(), 1 + 3, "3 members");
    let windows = p
        .tables
        .iter()
        .find(|t| t.0.get(1).map(String::as_str) == Some("Duration"))
        .expect("leaderless windows table");
    assert_eq!(windows.1.len(), 1 + 8);
    // the Mermaid gantt: a fenced block, one section per member that led, a task per term
    let mermaid: Vec<&(String, String)> = p.blocks.iter().filter(|b| b.0 == "mermaid").collect();
    assert_eq!(mermaid.len(), 1);
    let m = &mermaid[0].1;
    assert!(m.starts_with("gantt\n"), "{m}");
    assert_eq!(m.matches("\n    section ").count(), 3);
    assert_eq!(m.matches("\n    term ").count(), 9);
    // evidence in code blocks with source:line
    let text: Vec<&(String, String)> = p.blocks.iter().filter(|b| b.0 == "text").collect();
    assert!(text.len() >= 9, "evidence blocks: {}", text.len());
    assert!(text[0]
        .1
        .contains("fixtures/real/zap-3-mixed/n1.log:75  2026-11-25 16:15:38.344"));
    // the summary in plain words
    assert!(p.text.contains("9 elections (terms 2–10)"), "{}", p.text);
    assert!(p.text.contains("the longest lasted 1.1s"));
}

#[test]
fn long_incidents_are_capped() {
    let a = analyze(&[STORM]);
    let o = ReportOptions {
        max_rows: 3,
        ..opts()
    };
    let s = md(&a, &o);
    let p = parse_md(&s);
    assert_tables_regular(&p);
    assert_eq!(table_with(&p, "Term").1.len(), 1 + 3);
    assert!(
        s.contains("4 more terms not shown (terms 5–8); `raftlog terms` lists them all."),
        "{s}"
    );
    assert!(s.contains("more windows not shown"));
    let h = html(&a, &o);
    assert!(h.contains("4 more terms not shown (terms 5–8); <code>raftlog terms</code>"));
}

/// zap-3-mixed with its 39 seconds stretched to about 30 days.
fn stretched_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let re = regex::Regex::new(r#""ts":"([^"]+)""#).unwrap();
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-25T16:15:32Z").unwrap();
    for n in ["n1", "n2", "n3"] {
        let text =
            std::fs::read_to_string(common::root().join(MIXED).join(format!("{n}.log"))).unwrap();
        let text = re.replace_all(&text, |c: &regex::Captures| {
            let t = chrono::DateTime::parse_from_rfc3339(&c[1]).unwrap();
            let ms = (t - start).num_milliseconds() * 66_000;
            let t = start + chrono::Duration::milliseconds(ms);
            format!(r#""ts":"{}""#, t.format("%Y-%m-%dT%H:%M:%S%.3fZ"))
        });
        std::fs::write(dir.path().join(format!("{n}.log")), text.as_ref()).unwrap();
    }
    dir
}

#[test]
fn timeline_axis_adapts_from_seconds_to_weeks() {
    let a = analyze(&[MIXED]);
    let h = html(&a, &opts());
    // 39 seconds: ticks every 5 seconds, labelled with seconds
    assert!(h.contains(">16:15:35</text>"), "5 s ticks");
    assert!(h.contains(">16:16:10</text>"));
    let dir = stretched_dir();
    let a = analyze(&[dir.path().to_str().unwrap()]);
    let span = a
        .report
        .summary
        .from
        .unwrap()
        .ms_until(a.report.summary.to.unwrap());
    assert!(span > 29 * 86_400_000, "{span}");
    let h = html(&a, &opts());
    // 30 days: weekly ticks labelled with the date
    let ticks = regex::Regex::new(r#"font-size="11" fill="\#37474f">(\d\d-\d\d)</text>"#).unwrap();
    let labels: Vec<&str> = ticks
        .captures_iter(&h)
        .map(|c| c.get(1).unwrap().as_str())
        .collect();
    assert!((4..=10).contains(&labels.len()), "{labels:?}");
    // every election still has its marker, and short elections stay visible
    assert_eq!(h.matches("<g class=\"election\"").count(), 9);
    let cand =
        regex::Regex::new(r#"<rect class="seg candidate" x="[\d.]+" y="[\d.]+" width="([\d.]+)""#)
            .unwrap();
    let widths: Vec<f64> = cand
        .captures_iter(&h)
        .map(|c| c[1].parse().unwrap())
        .collect();
    assert!(
        !widths.is_empty() && widths.iter().all(|w| *w >= 4.0),
        "{widths:?}"
    );
}

// ------------------------------------------------------------------ hostile log text

const EVIL_NAME: &str = "<img src=x onerror=alert(1)>";
const EVIL_FIELD: &str = r#","hostile":"a|b ```` c`d`\n\u001b[31mred <script>alert(1)</script> @here #1 [x](javascript:alert(1))""#;

/// The zap-3-mixed capture with a member named `<img src=x onerror=alert(1)>`, a member
/// whose name has `|`, backticks, a newline and an escape sequence, every line of one
/// member carrying a hostile field, and an input named with markup.
fn hostile_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = common::root().join(MIXED);
    let evil1 = serde_json::to_string(EVIL_NAME).unwrap();
    let evil2 = r#"n2|`x`\n\u001b[31m"#;
    for (n, out) in [("n1", "n1.log"), ("n2", "n2.log"), ("n3", "n3 <b>|`.log")] {
        let text = std::fs::read_to_string(root.join(format!("{n}.log"))).unwrap();
        let text: String = text
            .lines()
            .map(|l| {
                let l = l
                    .replace(r#""name":"n1""#, &format!(r#""name":{evil1}"#))
                    .replace("{Name:n1 ", &format!("{{Name:{EVIL_NAME} "))
                    .replace(r#""name":"n2""#, &format!(r#""name":"{evil2}""#))
                    .replace("{Name:n2 ", &format!("{{Name:{evil2} "));
                match l.rfind('}') {
                    Some(i) if n == "n2" => format!("{}{EVIL_FIELD}{}\n", &l[..i], &l[i..]),
                    _ => format!("{l}\n"),
                }
            })
            .collect();
        std::fs::write(dir.path().join(out), text).unwrap();
    }
    dir
}

/// Every occurrence of `needle` is in text content, not inside a tag.
fn only_in_text(html: &str, needle: &str) {
    let mut from = 0;
    while let Some(i) = html[from..].find(needle) {
        let at = from + i;
        let lt = html[..at].rfind('<');
        let gt = html[..at].rfind('>');
        assert!(
            gt > lt,
            "{needle:?} inside a tag at byte {at}: {}",
            &html[lt.unwrap_or(0)..(at + 40).min(html.len())]
        );
        from = at + needle.len();
    }
}

#[test]
fn hostile_names_and_messages_are_escaped() {
    let dir = hostile_dir();
    let a = analyze(&[dir.path().to_str().unwrap()]);
    assert!(
        a.names.values().any(|n| n == EVIL_NAME),
        "the evil name was learned from the logs: {:?}",
        a.names
    );
    assert!(a.raw.iter().any(|r| r.contains("hostile")));
    let o = opts();

    // HTML: nothing active, no raw escape byte
    let h = html(&a, &o);
    let lower = h.to_ascii_lowercase();
    assert!(!lower.contains("<img"), "active <img> in HTML");
    assert!(!lower.contains("<script"), "<script> in HTML");
    assert!(!lower.contains("<b>"), "markup from a file name in HTML");
    assert!(!h.contains('\x1b'), "raw ESC in HTML");
    only_in_text(&lower, "onerror");
    only_in_text(&lower, "javascript:");
    assert!(
        h.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "the name is shown, escaped"
    );
    assert!(
        h.contains("\\u{1b}[31m"),
        "the escape sequence is shown as text"
    );
    assert!(h.contains("<g class=\"lane\" data-member=\"a9e9e1d57dda5a31\"><title>&lt;img"));

    // Markdown: no raw HTML, tables keep their columns, code blocks are not broken
    let s = md(&a, &o);
    assert!(!s.contains('\x1b'), "raw ESC in Markdown");
    let p = parse_md(&s);
    assert!(p.html.is_empty(), "raw HTML in Markdown: {:?}", p.html);
    assert_tables_regular(&p);
    assert_eq!(table_with(&p, "Term").1.len(), 1 + 9);
    assert_eq!(table_with(&p, "Input").1.len(), 1 + 3);
    assert!(p.text.contains(EVIL_NAME), "the name is shown as text");
    assert!(
        p.text.contains("n3 <b>|`.log"),
        "the file name is shown as text"
    );
    assert!(
        p.text.contains("n2|`x`\\n\\u{1b}[31m"),
        "the other name is shown as text"
    );
    // the hostile field inside evidence stays inside its code block
    let ev = p
        .blocks
        .iter()
        .find(|b| {
            b.0 == "text"
                && b.1
                    .contains("hostile=a|b ```` c`d`\\n\\u{1b}[31mred <script>")
        })
        .expect("evidence block with the hostile field");
    assert!(ev.1.lines().count() >= 2, "{ev:?}");
    for b in &p.blocks {
        assert!(
            ["text", "sh", "mermaid"].contains(&b.0.as_str()),
            "block {b:?}"
        );
    }
    // Mermaid: names reduced to safe characters
    let m = &p.blocks.iter().find(|b| b.0 == "mermaid").unwrap().1;
    for l in m.lines().filter(|l| l.trim_start().starts_with("section")) {
        assert!(
            l.chars()
                .all(|c| c.is_ascii_alphanumeric() || " ._-/+".contains(c)),
            "{l}"
        );
    }
}

// ------------------------------------------------------------------ redaction

/// The zap-3-mixed capture moved onto real-looking addresses and host names, with
/// request keys in slow-request warnings and a DNS failure.
fn sensitive_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("must-gather/namespaces/prod-etcd");
    std::fs::create_dir_all(&sub).unwrap();
    let root = common::root().join(MIXED);
    for (i, n) in ["n1", "n2", "n3"].iter().enumerate() {
        let mut text = std::fs::read_to_string(root.join(format!("{n}.log"))).unwrap();
        for k in 1..=3 {
            text = text
                .replace(
                    &format!("http://127.0.0.1:2410{k}"),
                    &format!("https://etcd-{}.etcd.prod.corp.example:2380", k - 1),
                )
                .replace(
                    &format!("http://127.0.0.1:2400{k}"),
                    &format!("https://10.20.30.{k}:2379"),
                );
        }
        let mut text = text.replace("127.0.0.1", "10.20.30.99");
        text.push_str(&format!(
            r#"{{"level":"warn","ts":"2026-11-25T16:15:50.90{i}Z","caller":"etcdserver/util.go:163","msg":"apply request took too long","took":"1.2s","expected-duration":"100ms","prefix":"read-only range ","request":"key:\"/registry/secrets/prod/db-password\" range_end:\"/registry/secrets/prod/db-passwore\" ","response":"","error":"context deadline exceeded"}}
{{"level":"warn","ts":"2026-11-25T16:15:50.95{i}Z","caller":"rafthttp/probing_status.go:70","msg":"prober detected unhealthy status","round-tripper-name":"ROUND_TRIPPER_RAFT_MESSAGE","remote-peer-id":"63b302efdda86cd7","rtt":"0s","error":"dial tcp: lookup etcd-9.etcd.prod.corp.example on 10.96.0.10:53: no such host"}}
"#
        ));
        std::fs::write(sub.join(format!("{n}.log")), text).unwrap();
    }
    dir
}

const SECRETS: &[&str] = &[
    "10.20.30.",
    "10.96.0.10",
    "etcd-0.etcd",
    "etcd-9",
    "corp.example",
    "/registry/",
    "db-password",
    "must-gather",
    "prod-etcd",
];

fn assert_clean(what: &str, s: &str) {
    for x in SECRETS {
        assert!(!s.contains(x), "{what} still contains {x:?}");
    }
    let ipv4 = regex::Regex::new(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b").unwrap();
    assert!(
        !ipv4.is_match(s),
        "{what} still has an IP address: {:?}",
        ipv4.find(s)
    );
}

#[test]
fn redaction_replaces_addresses_hosts_keys_and_paths() {
    let dir = sensitive_dir();
    let path = dir.path().join("must-gather");
    let mut a = analyze(&[path.to_str().unwrap()]);
    // the input really has them
    let before: String = a.raw.iter().collect::<Vec<_>>().join("\n");
    assert!(before.contains("/registry/secrets/prod/db-password"));
    assert!(before.contains("etcd-0.etcd.prod.corp.example"));
    assert!(before.contains("10.20.30.1"));
    assert!(a.report.nodes[0].peer_urls[0].contains("etcd-0.etcd.prod.corp.example"));

    let mut r = Redactor::new(false);
    r.apply(&mut a);
    let o = ReportOptions {
        redacted: true,
        ..opts()
    };
    let s = md(&a, &o);
    let h = html(&a, &o);
    assert_clean("markdown", &s);
    assert_clean("html", &h);
    assert_clean("raw lines", &a.raw.iter().collect::<Vec<_>>().join("\n"));
    let json = serde_json::to_string(&a.report).unwrap();
    assert_clean("json", &json);

    // stable placeholders: member 1's host is <host-1> in its URL and in raw lines
    assert_eq!(a.report.nodes[0].name.as_deref(), Some("n1"), "names kept");
    assert_eq!(a.report.nodes[0].peer_urls, ["https://<host-1>:2380"]);
    assert_eq!(a.report.nodes[0].client_urls, ["https://<ip-1>:2379"]);
    assert!(a
        .raw
        .iter()
        .any(|l| l.contains(r#""initial-advertise-peer-urls":["https://<host-1>:2380"]"#)));
    assert!(a.raw.iter().any(|l| l.contains(
        r#""initial-cluster":"n1=https://<host-1>:2380,n2=https://<host-2>:2380,n3=https://<host-3>:2380""#
    )));
    let keyed: Vec<String> = a
        .raw
        .iter()
        .filter(|l| l.contains("apply request took too long"))
        .collect();
    assert_eq!(keyed.len(), 3);
    for l in &keyed {
        assert!(
            l.contains(r#"key:\"<key-1>\" range_end:\"<key-2>\""#),
            "{l}"
        );
    }
    assert!(a
        .raw
        .iter()
        .any(|l| l.contains("lookup <host-4> on <ip-") && l.contains(":53: no such host")));
    // the same host maps to the same placeholder again, also in a later analysis
    assert_eq!(
        r.text("https://etcd-1.etcd.prod.corp.example:2380/"),
        "https://<host-2>:2380/"
    );
    assert_eq!(r.text("10.20.30.1"), "<ip-1>");
    let mut b = analyze(&[path.to_str().unwrap()]);
    r.apply(&mut b);
    assert_eq!(b.report.nodes[1].peer_urls, ["https://<host-2>:2380"]);
    // input paths: the file name stays, the directories go; evidence still resolves
    assert_eq!(a.input_names, ["n1.log", "n2.log", "n3.log"]);
    assert!(s.contains("n1.log:75  2026-11-25 16:15:38.344  info a9e9e1d57dda5a31 [term: 2]"));
    // the report says so
    assert!(s.contains("> **Redacted.**"));
    assert!(h.contains("<p class=\"redacted\"><strong>Redacted.</strong>"));
    // hex member IDs are kept
    assert!(s.contains("`a9e9e1d57dda5a31`"));
}

#[test]
fn redaction_of_member_names_and_syslog_hosts() {
    // journald lines carry the host name (m1, m2, m3) in their prefix
    let mut a = analyze(&["fixtures/built/journald-zap-k3s"]);
    assert!(a.raw.iter().any(|l| l.contains(" m1 k3s[")));
    Redactor::new(true).apply(&mut a);
    let o = ReportOptions {
        redacted: true,
        ..opts()
    };
    let s = md(&a, &o);
    let h = html(&a, &o);
    let word = |w: &str| regex::Regex::new(&format!(r"\b{w}\b")).unwrap();
    for doc in [&s, &h, &a.raw.iter().collect::<Vec<_>>().join("\n")] {
        for n in ["n1", "n2", "n3", "m1", "m2", "m3"] {
            assert!(
                !word(n).is_match(doc),
                "{n} left in {}",
                &doc[..200.min(doc.len())]
            );
        }
        assert!(!doc.contains("127.0.0.1"));
    }
    assert!(a
        .raw
        .iter()
        .any(|l| l.contains(" <host-") && l.contains("> k3s[")));
    let names: Vec<&str> = a
        .report
        .nodes
        .iter()
        .filter_map(|n| n.name.as_deref())
        .collect();
    assert_eq!(names, ["member-1", "member-2", "member-3"]);
    assert!(s.starts_with("# etcd leader elections: member-1, member-2, member-3,"));
    assert!(s.contains("member names were replaced by member-N"));
    assert!(
        s.contains("| member-1.log |"),
        "file names carry the member name"
    );
}

// ------------------------------------------------------------------ headless browser

fn browser() -> Option<PathBuf> {
    for name in ["chromium", "chromium-headless-shell", "chromium-browser"] {
        for dir in std::env::var("PATH").unwrap_or_default().split(':') {
            let p = Path::new(dir).join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn chromium(bin: &Path, profile: &Path, extra: &[String], page: &Path) -> std::process::Output {
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    args.extend(extra.iter().cloned());
    args.push(format!("file://{}", page.display()));
    Command::new(bin)
        .args(&args)
        .output()
        .expect("run chromium")
}

/// Rows of the picture that hold leader-green pixels, grouped into bands.
fn green_bands(png_path: &Path) -> (u32, u32, Vec<(u32, u32)>, usize) {
    let file = std::io::BufReader::new(std::fs::File::open(png_path).unwrap());
    let mut dec = png::Decoder::new(file);
    dec.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let ch = info.color_type.samples();
    let (w, h) = (info.width, info.height);
    let px = |x: u32, y: u32| {
        let i = (y as usize * info.line_size) + x as usize * ch;
        (buf[i], buf[i + 1], buf[i + 2])
    };
    let is_green = |(r, g, b): (u8, u8, u8)| {
        (r as i32 - 0x2e).abs() < 24 && (g as i32 - 0x7d).abs() < 24 && (b as i32 - 0x32).abs() < 24
    };
    let mut rows = Vec::new();
    let mut non_white = 0usize;
    for y in 0..h {
        let mut greens = 0;
        for x in 0..w {
            let p = px(x, y);
            if is_green(p) {
                greens += 1;
            }
            if p != (255, 255, 255) {
                non_white += 1;
            }
        }
        if greens >= 20 {
            rows.push(y);
        }
    }
    let mut bands: Vec<(u32, u32)> = Vec::new();
    for y in rows {
        match bands.last_mut() {
            Some(b) if y <= b.1 + 2 => b.1 = y,
            _ => bands.push((y, y)),
        }
    }
    (w, h, bands, non_white)
}

#[test]
fn html_renders_in_headless_chromium() {
    if std::env::var("RAFTLOG_BROWSER").ok().as_deref() != Some("1") {
        eprintln!("skipped: set RAFTLOG_BROWSER=1 (with chromium installed) to render the HTML report in a headless browser");
        return;
    }
    let bin =
        browser().expect("RAFTLOG_BROWSER=1 but no chromium or chromium-headless-shell on PATH");
    let a = analyze(&[STORM]);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, html(&a, &opts())).unwrap();

    // the DOM as the browser built it
    let out = chromium(
        &bin,
        &dir.path().join("profile-dom"),
        &["--dump-dom".to_string()],
        &page,
    );
    assert!(
        out.status.success(),
        "chromium --dump-dom: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("<svg class=\"timeline\""),
        "no timeline in the DOM"
    );
    assert!(dom.trim_end().ends_with("</html>"));
    assert_eq!(
        dom.matches("<g class=\"lane\"").count(),
        5,
        "one lane per member"
    );
    assert_eq!(
        dom.matches("<g class=\"election\"").count(),
        7,
        "one marker per elected term"
    );
    for t in 2..=8 {
        assert!(
            dom.contains(&format!("data-term=\"{t}\"")),
            "term {t} marker"
        );
    }
    assert_eq!(dom.matches("<rect class=\"leaderless\"").count(), 6);
    assert_eq!(dom.matches("<g class=\"storm\"").count(), 1);
    assert!(!dom.contains("<script"));

    // the picture
    let png_path = dir.path().join("report.png");
    let out = chromium(
        &bin,
        &dir.path().join("profile-shot"),
        &[
            format!("--screenshot={}", png_path.display()),
            "--window-size=1280,1400".to_string(),
        ],
        &page,
    );
    assert!(
        out.status.success(),
        "chromium --screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (w, h, bands, non_white) = green_bands(&png_path);
    assert_eq!((w, h), (1280, 1400));
    assert!(
        non_white > 50_000,
        "blank page: {non_white} non-white pixels"
    );
    // every one of the 5 members led at least once in this storm: 5 lanes with green
    let lanes: Vec<&(u32, u32)> = bands.iter().filter(|b| b.1 - b.0 >= 10).collect();
    assert_eq!(lanes.len(), 5, "lane bands with leader colour: {bands:?}");
    if let Ok(keep) = std::env::var("RAFTLOG_SCREENSHOT") {
        std::fs::copy(&png_path, keep).unwrap();
    }
}
