//! `raftlog report --format markdown`: a ticket-ready document for GitHub, GitLab or Jira.
//!
//! The content (title, summary in plain words, key figures, storms, terms, leaderless
//! windows, evidence, recommendations, what was read) is built once as a `Doc` from the
//! [`Analysis`]; this module renders it as Markdown (with a Mermaid gantt of leadership)
//! and `html.rs` renders the same `Doc` as a self-contained HTML page with a swimlane
//! picture. Every log-derived string stays raw in the `Doc` and is sanitised
//! ([`crate::sanitize::terminal`]) and escaped by the renderer.

use crate::event::NodeId;
use crate::model::Analysis;
use crate::report::{Evidence, TermRow};
use crate::sanitize::terminal;
use crate::time::{human_ms, human_span, Instant, Zone};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

/// Settings shared by the Markdown and HTML reports.
#[derive(Clone, Copy, Debug)]
pub struct ReportOptions {
    /// Zone for displayed times (always named in the report).
    pub tz: Zone,
    /// Cap for long tables (terms, windows, inputs); what is left out is counted.
    pub max_rows: usize,
    /// The analysis was redacted ([`crate::redact::Redactor`]): the report says so.
    pub redacted: bool,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            tz: Zone::Utc,
            max_rows: 50,
            redacted: false,
        }
    }
}

/// A piece of inline text. All strings are raw: renderers sanitise and escape them.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Inline {
    /// Plain text.
    Text(String),
    /// Code (codes, IDs, commands).
    Code(String),
    /// Emphasised text.
    Strong(String),
}

/// A run of inline pieces.
pub(crate) type Rich = Vec<Inline>;

fn t(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}
fn c(s: impl Into<String>) -> Inline {
    Inline::Code(s.into())
}
fn b(s: impl Into<String>) -> Inline {
    Inline::Strong(s.into())
}

/// A table with a note on what was left out.
#[derive(Clone, Debug, Default)]
pub(crate) struct Table {
    /// Column headings.
    pub head: Vec<String>,
    /// Right-aligned columns (numbers).
    pub right: Vec<usize>,
    /// Rows of cells.
    pub rows: Vec<Vec<Rich>>,
    /// "N more … not shown".
    pub more: Option<Rich>,
}

/// Evidence of one election.
#[derive(Clone, Debug)]
pub(crate) struct EvidenceBlock {
    /// The term.
    pub term: u64,
    /// Heading.
    pub heading: Rich,
    /// The cause in one sentence.
    pub text: Rich,
    /// `source:line  time  message` lines.
    pub lines: Vec<String>,
}

/// A recommendation.
#[derive(Clone, Debug)]
pub(crate) struct Rec {
    /// Code (`check_disk`, …).
    pub code: String,
    /// What to do.
    pub summary: String,
    /// Why.
    pub because: String,
    /// Commands or flags.
    pub actions: Vec<String>,
    /// Evidence lines.
    pub lines: Vec<String>,
}

/// One led term for the leadership chart.
#[derive(Clone, Debug)]
pub(crate) struct Led {
    /// Term.
    pub term: u64,
    /// Leader.
    pub leader: NodeId,
    /// From (elected).
    pub from: Instant,
    /// To (ended, or the end of the logs).
    pub to: Instant,
    /// Part of a storm episode.
    pub storm: bool,
}

/// The report content, shared by the Markdown and HTML renderers.
#[derive(Clone, Debug, Default)]
pub(crate) struct Doc {
    /// `etcd leader elections: n1, n2, n3, <time range>`.
    pub title: String,
    /// Time range with zone.
    pub range: String,
    /// Redaction notice.
    pub redaction: Option<String>,
    /// Summary paragraphs.
    pub summary: Vec<Rich>,
    /// Key figures.
    pub figures: Table,
    /// Storm episodes.
    pub storms: Option<Table>,
    /// Term table.
    pub terms: Table,
    /// Notes under the term table.
    pub terms_notes: Vec<String>,
    /// Leaderless windows.
    pub windows: Option<Table>,
    /// What to say when there is no leaderless window.
    pub no_windows: String,
    /// Anomalies.
    pub anomalies: Vec<Rich>,
    /// Near misses: health trouble that cost no election.
    pub near_misses: Vec<Rich>,
    /// Evidence per election.
    pub evidence: Vec<EvidenceBlock>,
    /// Elections with evidence left out.
    pub evidence_more: Option<Rich>,
    /// Recommendations.
    pub recs: Vec<Rec>,
    /// Inputs read.
    pub inputs: Table,
    /// Skipped lines by reason.
    pub skipped: Rich,
    /// Coverage per member.
    pub members: Table,
    /// Members whose logs are missing.
    pub missing: Option<Rich>,
    /// Notes (assumptions).
    pub notes: Vec<String>,
    /// Last line.
    pub footer: Rich,
    /// Zone label.
    pub zone: String,
    /// Leadership intervals (for the Mermaid chart).
    pub led: Vec<Led>,
}

/// `s` with its first letter in upper case.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Display name of a member given as hex.
pub(crate) fn name_of(a: &Analysis, hex: &str) -> String {
    u64::from_str_radix(hex, 16)
        .map(|i| a.name(i))
        .unwrap_or_else(|_| hex.to_string())
}

fn names_of(a: &Analysis, ids: &[String]) -> String {
    ids.iter()
        .map(|i| name_of(a, i))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

fn terms_span(v: &[u64]) -> String {
    match (v.first(), v.last()) {
        (Some(f), Some(l)) if f != l => format!("{f}–{l}"),
        (Some(f), _) => f.to_string(),
        _ => "-".into(),
    }
}

/// A time in the report zone with milliseconds.
pub(crate) fn when(o: &ReportOptions, t: Option<Instant>) -> String {
    t.map(|t| o.tz.display(t, 3)).unwrap_or_else(|| "-".into())
}

/// `2026-11-25 16:15:32 to 16:16:11 UTC` (the date once when both are on one day).
pub(crate) fn range(o: &ReportOptions, from: Option<Instant>, to: Option<Instant>) -> String {
    match (from, to) {
        (Some(f), Some(t)) => {
            let a = o.tz.display(f, 0);
            let b = o.tz.display(t, 0);
            let b = if a.get(..10) == b.get(..10) {
                b[11..].to_string()
            } else {
                b
            };
            format!("{a} to {b} {}", o.tz.label())
        }
        _ => "no timestamps".into(),
    }
}

/// Plain words for a cause code.
pub(crate) fn cause_words(code: &str) -> &'static str {
    match code {
        "bootstrap" => "the first election of the cluster",
        "membership_change" => "a membership change",
        "leader_transfer" => "a planned leadership transfer",
        "leader_shutdown" => "the leader being stopped",
        "leader_crash" => "the leader crashing",
        "leader_stall" => "a stalled leader, alive but not sending heartbeats in time",
        "network" => "network trouble between the leader and its followers",
        "disruptive_candidate" => "a disruptive member forcing a higher term",
        "clock_skew" => "clock skew",
        _ => "not known: not enough evidence in the logs",
    }
}

fn skip_words(reason: &str) -> String {
    match reason {
        "not_etcd" => "not an etcd line".into(),
        "bad_json" => "broken JSON".into(),
        "too_long" => "too long".into(),
        "unknown_raft_message" => "unrecognised raft message".into(),
        other => other.replace('_', " "),
    }
}

/// The message of a log line and its fields, without the envelope.
pub(crate) fn compact(raw: &str) -> String {
    use crate::parse::envelope::{peel, EnvState, Peeled};
    let st = EnvState::new(crate::time::current_year());
    let s = match peel(raw.as_bytes(), &st) {
        Peeled::Record(r) => {
            let mut out = String::new();
            if let Some(l) = r.level {
                out.push_str(l);
                out.push(' ');
            }
            out.push_str(r.msg.trim());
            if let Some(f) = &r.fields {
                const ENVELOPE: &[&str] = &[
                    "caller",
                    "msg",
                    "message",
                    "MESSAGE",
                    "level",
                    "severity",
                    "lvl",
                    "ts",
                    "timestamp",
                    "time",
                    "@timestamp",
                    "logger",
                ];
                for (k, v) in f.iter().filter(|(k, _)| !ENVELOPE.contains(k)) {
                    out.push_str(&format!(" {k}={v}"));
                }
            }
            out
        }
        _ => raw.trim().to_string(),
    };
    if s.chars().count() > 220 {
        format!("{}…", s.chars().take(220).collect::<String>())
    } else {
        s
    }
}

/// `source:line  time  message` of an evidence reference.
pub(crate) fn evidence_line(a: &Analysis, o: &ReportOptions, e: &Evidence) -> String {
    let text = a
        .raw_line(&e.source.input, e.source.line)
        .map(|r| compact(&r))
        .unwrap_or_else(|| format!("({})", e.kind));
    format!(
        "{}:{}  {}  {}",
        e.source.input,
        e.source.line,
        when(o, e.ts),
        text
    )
}

/// Whether a term row belongs in the report's term table.
fn interesting(r: &TermRow) -> bool {
    r.leader.is_some() || !r.candidates.is_empty() || r.cause.is_some()
}

/// Leadership intervals from the term rows.
pub(crate) fn led_terms(a: &Analysis) -> Vec<Led> {
    let r = &a.report;
    let end = r.summary.to;
    let storm_terms: BTreeSet<u64> = r
        .storms
        .iter()
        .flat_map(|s| s.first_term..=s.last_term)
        .collect();
    let mut out = Vec::new();
    for (i, row) in r.terms.iter().enumerate() {
        let (Some(l), Some(from)) = (&row.leader, row.elected_at) else {
            continue;
        };
        let Ok(id) = u64::from_str_radix(l, 16) else {
            continue;
        };
        let next = r.terms[i + 1..]
            .iter()
            .find_map(|x| x.started_at.or(x.elected_at));
        let to = row.ended_at.or(next).or(end).unwrap_or(from).max(from);
        out.push(Led {
            term: row.term,
            leader: id,
            from,
            to,
            storm: storm_terms.contains(&row.term),
        });
    }
    out
}

/// How often a cause occurred, and by culprit.
type CauseTally = (u64, BTreeMap<String, u64>);

/// Figures several sections share.
struct Facts {
    /// `" (39s)"`: how long the logs cover, or nothing without timestamps.
    span: String,
    /// Members whose logs were not read, by display name.
    missing: Vec<String>,
    /// The inputs that could not be read, in a few words.
    unread: Option<String>,
    /// Leaderless windows that reached the threshold.
    over: u64,
    /// Client requests that failed while the cluster had no leader.
    failed: u64,
}

fn facts(a: &Analysis) -> Facts {
    let r = &a.report;
    let s = &r.summary;
    Facts {
        span: match (s.from, s.to) {
            (Some(f), Some(to)) => format!(" ({})", human_ms(f.ms_until(to))),
            _ => String::new(),
        },
        missing: r
            .nodes
            .iter()
            .filter(|n| !n.has_log)
            .map(|n| n.name.clone().unwrap_or_else(|| n.id.clone()))
            .collect(),
        unread: crate::report::unreadable_brief(&r.unreadable()),
        over: r.leaderless.iter().filter(|w| w.over_threshold).count() as u64,
        failed: r.leaderless.iter().map(|w| w.failed_requests).sum(),
    }
}

/// Build the report content: one function per section, in the order of the document.
pub(crate) fn build(a: &Analysis, o: &ReportOptions) -> Doc {
    let f = facts(a);
    let zone = o.tz.label();
    let mut d = Doc {
        zone: zone.clone(),
        ..Default::default()
    };
    header(a, o, &mut d);
    d.summary = summary(a, o, &d.range, &f);
    d.figures = figures(a, &d.range, &f);
    d.storms = storms_table(a, o);
    (d.terms, d.terms_notes) = terms_table(a, o);
    d.no_windows = format!("None: {}", a.report.no_window_verdict());
    d.windows = windows_table(a, o);
    d.near_misses = near_misses(a, o);
    d.anomalies = a
        .report
        .anomalies
        .iter()
        .map(|an| vec![c(an.kind.clone()), t(format!(": {}", an.summary))])
        .collect();
    (d.evidence, d.evidence_more) = evidence(a, o);
    d.recs = recommendations(a, o);
    d.inputs = inputs_table(a, o);
    d.skipped = skipped_note(a);
    d.members = members_table(a, o);
    d.missing = missing_members(a, &f);
    d.notes = notes(a);
    d.footer = footer(a, &zone);
    d.led = led_terms(a);
    d
}

/// The title (members and time range) and the redaction notice.
fn header(a: &Analysis, o: &ReportOptions, d: &mut Doc) {
    let r = &a.report;
    let s = &r.summary;
    let member_names: Vec<String> = r
        .nodes
        .iter()
        .map(|n| n.name.clone().unwrap_or_else(|| n.id.clone()))
        .collect();
    let shown: String = if member_names.len() > 7 {
        format!(
            "{}, … ({} members)",
            member_names[..6].join(", "),
            member_names.len()
        )
    } else if member_names.is_empty() {
        "no members found".into()
    } else {
        member_names.join(", ")
    };
    d.range = range(o, s.from, s.to);
    d.title = format!("etcd leader elections: {shown}, {}", d.range);
    if o.redacted {
        let names_too = !a.names.is_empty()
            && a.names.values().all(|n| {
                n.strip_prefix("member-")
                    .is_some_and(|k| k.chars().all(|c| c.is_ascii_digit()))
            });
        d.redaction = Some(format!(
            "IP addresses, host names, URLs, request keys and values and input directories were replaced by stable placeholders (<ip-N>, <host-N>, <key-N>, …; the same value always gets the same placeholder){}. Member IDs are kept.",
            if names_too {
                "; member names were replaced by member-N"
            } else {
                ""
            }
        ));
    }
}

/// The summary in plain words: elections, storms and leaderless time, the main cause,
/// what is missing.
fn summary(a: &Analysis, o: &ReportOptions, covered: &str, f: &Facts) -> Vec<Rich> {
    let mut out = vec![summary_elections(a, covered, f)];
    if let Some(b) = a.report.window_brief(o.tz) {
        out.push(vec![t(format!(
            "Only what meets the range given is shown: {b}."
        ))]);
    }
    out.push(summary_leaderless(a, o, f));
    out.extend(summary_causes(a));
    out.extend(summary_gaps(a, f));
    out
}

/// Which members were read and how many elections they show.
fn summary_elections(a: &Analysis, covered: &str, f: &Facts) -> Rich {
    let r = &a.report;
    let s = &r.summary;
    let span = &f.span;
    let elections: Vec<&TermRow> = r
        .terms
        .iter()
        .filter(|x| !x.candidates.is_empty())
        .collect();
    let election_terms: Vec<u64> = elections.iter().map(|x| x.term).collect();
    let mut p1: Rich = vec![t(format!(
        "From {}{span}, the logs of {} of {} members ({}) show ",
        covered,
        s.members_with_logs,
        s.members,
        names_of(a, &r.nodes.iter().map(|n| n.id.clone()).collect::<Vec<_>>())
    ))];
    if s.elections == 0 {
        let leaders: Vec<&TermRow> = r.terms.iter().filter(|x| x.leader.is_some()).collect();
        match leaders.as_slice() {
            [one] => p1.push(t(format!(
                "no election: {} led term {} throughout.",
                name_of(a, one.leader.as_deref().unwrap_or("")),
                one.term
            ))),
            _ => p1.push(t("no election.")),
        }
    } else {
        p1.push(t(format!(
            "{} (terms {}) and {}, {}.",
            plural(s.elections, "election", "elections"),
            terms_span(&election_terms),
            plural(s.leader_changes, "leader change", "leader changes"),
            match s.planned_transfers {
                0 => "none of them planned".to_string(),
                n if n == s.leader_changes => "all of them planned".to_string(),
                n => format!("{n} of them planned"),
            }
        )));
    }
    p1
}

/// The storms, then the leaderless time and what it cost.
fn summary_leaderless(a: &Analysis, o: &ReportOptions, f: &Facts) -> Rich {
    let r = &a.report;
    let s = &r.summary;
    let (over, failed) = (f.over, f.failed);
    let mut p2 = storm_sentences(a, o);
    if r.leaderless.is_empty() {
        p2.push(t(capitalised(r.no_window_verdict())));
    } else {
        p2.push(t(format!(
            "In total the cluster had no leader for {} in {}{}",
            human_ms(s.leaderless_ms),
            plural(r.leaderless.len() as u64, "window", "windows"),
            s.longest_leaderless_ms
                .map(|l| format!("; the longest lasted {}", human_ms(l)))
                .unwrap_or_default()
        )));
        if over > 0 {
            p2.push(t("; "));
            p2.push(b(format!(
                "{} reached the leaderless threshold",
                plural(over, "window", "windows")
            )));
        }
        if failed > 0 {
            p2.push(t(format!(
                "; {} failed while it had none",
                plural(failed, "client request", "client requests")
            )));
        }
        p2.push(t("."));
    }
    p2
}

/// One sentence per storm episode, or one saying there was none.
fn storm_sentences(a: &Analysis, o: &ReportOptions) -> Rich {
    let r = &a.report;
    let mut p2: Rich = Vec::new();
    if r.storms.is_empty() {
        p2.push(t("There was no election storm. "));
    } else {
        for st in &r.storms {
            p2.push(b("Election storm: "));
            p2.push(t(format!(
                "{} within {} from {} (terms {}–{}){}. ",
                plural(
                    st.elections,
                    "unplanned leader change",
                    "unplanned leader changes"
                ),
                human_ms(st.from.ms_until(st.to)),
                o.tz.display(st.from, 0),
                st.first_term,
                st.last_term,
                if st.planned_transfers > 0 {
                    format!(
                        ", with {} beside it",
                        plural(
                            st.planned_transfers,
                            "planned transfer",
                            "planned transfers"
                        )
                    )
                } else {
                    String::new()
                }
            )));
        }
    }
    p2
}

/// The most common cause of the elections after the first, and its usual culprit.
fn summary_causes(a: &Analysis) -> Option<Rich> {
    let r = &a.report;
    let mut counts: BTreeMap<&str, CauseTally> = BTreeMap::new();
    let mut caused = 0u64;
    for x in &r.terms {
        if let Some(cs) = &x.cause {
            if cs.code == "bootstrap" {
                continue;
            }
            caused += 1;
            let slot = counts.entry(cs.code.as_str()).or_default();
            slot.0 += 1;
            if let Some(cu) = &cs.culprit {
                *slot.1.entry(name_of(a, cu)).or_default() += 1;
            }
        }
    }
    let mut cv: Vec<(&str, CauseTally)> = counts.into_iter().collect();
    cv.sort_by(|x, y| y.1 .0.cmp(&x.1 .0).then(x.0.cmp(y.0)));
    let (code, (n, culprits)) = cv.first()?;
    let mut p3: Rich = vec![
        t(format!(
            "The most common cause of the elections after the first was {} (",
            cause_words(code)
        )),
        c(*code),
        t(format!(", {n} of {caused})")),
    ];
    let mut cul: Vec<(&String, &u64)> = culprits.iter().collect();
    cul.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
    if let Some((who, k)) = cul.first() {
        p3.push(t(", most often caused by "));
        p3.push(b((*who).clone()));
        p3.push(t(format!(" ({})", plural(**k, "time", "times"))));
    }
    if cv.len() > 1 {
        p3.push(t("; the others: "));
        for (i, (code, (n, _))) in cv[1..].iter().enumerate() {
            if i > 0 {
                p3.push(t(", "));
            }
            p3.push(c(*code));
            p3.push(t(format!(" ×{n}")));
        }
    }
    p3.push(t("."));
    Some(p3)
}

/// Members without logs, unreadable inputs and anomalies, when there are any.
fn summary_gaps(a: &Analysis, f: &Facts) -> Option<Rich> {
    let r = &a.report;
    let mut p4: Rich = Vec::new();
    match (f.missing.is_empty(), &f.unread) {
        (false, None) => p4.push(t(format!(
            "No log was read for {}: what it did is inferred from the other members' lines. ",
            f.missing.join(", ")
        ))),
        (false, Some(u)) => p4.push(t(format!(
            "No log was read for {} ({u}, which may hold it): what it did is inferred from the other members' lines. ",
            f.missing.join(", ")
        ))),
        (true, Some(u)) => p4.push(t(format!(
            "{u}: what it held is missing from this report. "
        ))),
        (true, None) => {}
    }
    if !r.anomalies.is_empty() {
        let kinds: BTreeSet<&str> = r.anomalies.iter().map(|x| x.kind.as_str()).collect();
        p4.push(t(format!(
            "raftlog also found {}: ",
            plural(r.anomalies.len() as u64, "anomaly", "anomalies")
        )));
        for (i, k) in kinds.iter().enumerate() {
            if i > 0 {
                p4.push(t(", "));
            }
            p4.push(c(*k));
        }
        p4.push(t(" (see Anomalies)."));
    }
    (!p4.is_empty()).then_some(p4)
}

/// The key figures table.
fn figures(a: &Analysis, covered: &str, f: &Facts) -> Table {
    let mut fig = Table {
        head: vec!["Figure".into(), "Value".into()],
        ..Default::default()
    };
    for (k, v) in figures_counts(a, covered, f)
        .into_iter()
        .chain(figures_costs(a, f))
    {
        fig.rows.push(vec![vec![t(k)], v]);
    }
    fig
}

/// Key figures: what the logs cover and how many elections they show.
fn figures_counts(a: &Analysis, covered: &str, f: &Facts) -> Vec<(&'static str, Rich)> {
    let r = &a.report;
    let s = &r.summary;
    let span = &f.span;
    let all_terms: Vec<u64> = r.terms.iter().map(|x| x.term).collect();
    let mut rows = Vec::new();
    let mut push = |k: &'static str, v: Rich| rows.push((k, v));
    push("Time covered", vec![t(format!("{}{span}", covered))]);
    push(
        "Members",
        vec![t(format!(
            "{} ({} with logs{}{})",
            s.members,
            s.members_with_logs,
            if f.missing.is_empty() {
                String::new()
            } else {
                format!("; missing: {}", f.missing.join(", "))
            },
            f.unread
                .as_ref()
                .map(|u| format!("; {u}"))
                .unwrap_or_default()
        ))],
    );
    push(
        "Terms seen",
        vec![t(format!("{} ({})", s.terms_seen, terms_span(&all_terms)))],
    );
    push("Elections", vec![t(s.elections.to_string())]);
    push(
        "Leader changes",
        vec![t(format!(
            "{} ({} planned)",
            s.leader_changes, s.planned_transfers
        ))],
    );
    push("Election storms", vec![t(r.storms.len().to_string())]);
    rows
}

/// Key figures: leaderless time, failed requests, the slowest election, anomalies and
/// what was read.
fn figures_costs(a: &Analysis, f: &Facts) -> Vec<(&'static str, Rich)> {
    let r = &a.report;
    let s = &r.summary;
    let (over, failed) = (f.over, f.failed);
    let slowest = r
        .terms
        .iter()
        .filter_map(|x| x.election_ms.map(|m| (m, x.term)))
        .max_by_key(|(m, t)| (*m, std::cmp::Reverse(*t)));
    let leaderless = if r.leaderless.is_empty() && !r.leader_seen() {
        "unknown (no leader seen)".to_string()
    } else {
        format!(
            "{} in {}{}",
            human_ms(s.leaderless_ms),
            plural(r.leaderless.len() as u64, "window", "windows"),
            s.longest_leaderless_ms
                .map(|l| format!(", longest {}", human_ms(l)))
                .unwrap_or_default()
        )
    };
    vec![
        ("Leaderless time", vec![t(leaderless)]),
        (
            "Windows over the leaderless threshold",
            if over > 0 {
                vec![b(over.to_string())]
            } else {
                vec![t("0")]
            },
        ),
        (
            "Failed client requests while leaderless",
            vec![t(failed.to_string())],
        ),
        (
            "Slowest election",
            vec![t(slowest
                .map(|(m, tm)| format!("{} (term {tm})", human_ms(m)))
                .unwrap_or_else(|| "-".into()))],
        ),
        ("Anomalies", anomaly_kinds(a)),
        ("Lines read", vec![t(lines_read(a, f))]),
    ]
}

/// The kinds of the anomalies found, or `none`.
fn anomaly_kinds(a: &Analysis) -> Rich {
    let r = &a.report;
    if r.anomalies.is_empty() {
        return vec![t("none")];
    }
    let mut v = Vec::new();
    for (i, an) in r.anomalies.iter().enumerate() {
        if i > 0 {
            v.push(t(", "));
        }
        v.push(c(an.kind.clone()));
    }
    v
}

/// `N in K inputs (M skipped)`, and the inputs that could not be read.
fn lines_read(a: &Analysis, f: &Facts) -> String {
    let r = &a.report;
    let lines: u64 = r.inputs.iter().map(|i| i.lines).sum();
    let skipped: u64 = r.inputs.iter().map(|i| i.skipped_lines).sum();
    let read = (r.inputs.len() - r.unreadable().len()) as u64;
    format!(
        "{} in {} ({} skipped){}",
        lines,
        plural(read, "input", "inputs"),
        skipped,
        f.unread
            .as_ref()
            .map(|u| format!("; {u}"))
            .unwrap_or_default()
    )
}

/// The storm episodes, when there were any.
fn storms_table(a: &Analysis, o: &ReportOptions) -> Option<Table> {
    let r = &a.report;
    let zone = o.tz.label();
    if r.storms.is_empty() {
        return None;
    }
    let mut tb = Table {
        head: vec![
            format!("From ({zone})"),
            "Lasted".into(),
            "Terms".into(),
            "Unplanned changes".into(),
            "Planned transfers".into(),
            "Leaderless".into(),
            "Failed requests".into(),
            "Causes".into(),
        ],
        right: vec![1, 3, 4, 5, 6],
        ..Default::default()
    };
    for st in r.storms.iter().take(o.max_rows.max(1)) {
        let mut causes: Rich = Vec::new();
        for (i, cc) in st.causes.iter().enumerate() {
            if i > 0 {
                causes.push(t("; "));
            }
            causes.push(c(cc.code.clone()));
            causes.push(t(format!(" ×{}", cc.count)));
            if !cc.culprits.is_empty() {
                causes.push(t(format!(" ({})", names_of(a, &cc.culprits))));
            }
        }
        if causes.is_empty() {
            causes.push(t("-"));
        }
        tb.rows.push(vec![
            vec![t(o.tz.display(st.from, 3))],
            vec![t(human_ms(st.from.ms_until(st.to)))],
            vec![t(format!("{}–{}", st.first_term, st.last_term))],
            vec![t(st.elections.to_string())],
            vec![t(st.planned_transfers.to_string())],
            vec![t(human_ms(st.leaderless_ms))],
            vec![t(st.failed_requests.to_string())],
            causes,
        ]);
    }
    if r.storms.len() > o.max_rows.max(1) {
        tb.more = Some(vec![t(format!(
            "{} more storms not shown.",
            r.storms.len() - o.max_rows.max(1)
        ))]);
    }
    Some(tb)
}

/// The term table and the notes under it.
fn terms_table(a: &Analysis, o: &ReportOptions) -> (Table, Vec<String>) {
    let r = &a.report;
    let zone = o.tz.label();
    let rows: Vec<&TermRow> = r.terms.iter().filter(|x| interesting(x)).collect();
    let mut tb = Table {
        head: vec![
            "Term".into(),
            "Leader".into(),
            format!("Elected at ({zone})"),
            "Election took".into(),
            "Outcome".into(),
            "Cause".into(),
            "Culprit".into(),
        ],
        right: vec![0, 3],
        ..Default::default()
    };
    let cap = o.max_rows.max(1);
    let mut inferred = false;
    for row in rows.iter().take(cap) {
        tb.rows.push(term_row(a, o, row, &mut inferred));
    }
    if rows.len() > cap {
        let rest: Vec<u64> = rows[cap..].iter().map(|x| x.term).collect();
        tb.more = Some(vec![
            t(format!(
                "{} more terms not shown (terms {}); ",
                rest.len(),
                terms_span(&rest)
            )),
            c("raftlog terms"),
            t(" lists them all."),
        ]);
    }
    let mut notes = Vec::new();
    let quiet = r.terms.len() - rows.len();
    if inferred {
        notes.push(crate::report::INFERRED_LEADER_NOTE.into());
    }
    if quiet > 0 {
        notes.push(format!(
            "{} without a campaign or a known leader (e.g. the initial term) {} left out.",
            plural(quiet as u64, "term", "terms"),
            if quiet == 1 { "is" } else { "are" }
        ));
    }
    (tb, notes)
}

/// One row of the term table; `inferred`: the leader was inferred from its peers.
fn term_row(a: &Analysis, o: &ReportOptions, row: &TermRow, inferred: &mut bool) -> Vec<Rich> {
    let leader = match &row.leader {
        Some(l) => {
            let mut n = name_of(a, l);
            if row.leader_inferred() {
                *inferred = true;
                n.push('*');
            }
            vec![t(n)]
        }
        None => vec![t(format!(
            "none (candidates: {})",
            names_of(a, &row.candidates)
        ))],
    };
    let cause = match &row.cause {
        Some(cs) => {
            let mut v = vec![c(cs.code.clone())];
            if cs.confidence != "high" {
                v.push(t(format!(" ({} confidence)", cs.confidence)));
            }
            v
        }
        None if row.transfer => vec![c("leader_transfer")],
        None => vec![t("-")],
    };
    let culprit = row
        .cause
        .as_ref()
        .and_then(|cs| cs.culprit.as_deref())
        .map(|x| name_of(a, x))
        .unwrap_or_else(|| "-".into());
    vec![
        vec![t(row.term.to_string())],
        leader,
        vec![t(when(o, row.elected_at.or(row.started_at)))],
        vec![t(row
            .election_ms
            .map(|m| human_span(m, row.started_at, row.elected_at))
            .unwrap_or_else(|| "-".into()))],
        vec![t(row.outcome_words())],
        cause,
        vec![t(culprit)],
    ]
}

/// The leaderless windows, when there were any.
fn windows_table(a: &Analysis, o: &ReportOptions) -> Option<Table> {
    let r = &a.report;
    let zone = o.tz.label();
    let cap = o.max_rows.max(1);
    if r.leaderless.is_empty() {
        return None;
    }
    let mut tb = Table {
        head: vec![
            format!("From ({zone})"),
            "Duration".into(),
            "Terms".into(),
            "Started by".into(),
            "Impact".into(),
        ],
        right: vec![1],
        ..Default::default()
    };
    for w in r.leaderless.iter().take(cap) {
        tb.rows.push(window_row(o, w));
    }
    if r.leaderless.len() > cap {
        let rest = &r.leaderless[cap..];
        let ms: i64 = rest.iter().filter_map(|w| w.duration_ms).sum();
        tb.more = Some(vec![
            t(format!(
                "{} more windows not shown ({} in total); ",
                rest.len(),
                human_ms(ms)
            )),
            c("raftlog diagnose"),
            t(" lists them all."),
        ]);
    }
    Some(tb)
}

/// One row of the leaderless windows table.
fn window_row(o: &ReportOptions, w: &crate::report::Window) -> Vec<Rich> {
    let dur = w
        .duration_ms
        .map(|m| human_span(m, Some(w.from), w.to))
        .unwrap_or_else(|| "open (to the end of the logs)".into());
    let dur = if w.over_threshold {
        vec![b(format!("{dur} (over threshold)"))]
    } else {
        vec![t(dur)]
    };
    let mut impact = Vec::new();
    if w.failed_requests > 0 {
        impact.push(plural(
            w.failed_requests,
            "failed request",
            "failed requests",
        ));
    }
    if w.proposals_dropped > 0 {
        impact.push(plural(
            w.proposals_dropped,
            "dropped proposal",
            "dropped proposals",
        ));
    }
    if w.slow_applies > 0 {
        impact.push(plural(w.slow_applies, "slow apply", "slow applies"));
    }
    if impact.is_empty() {
        impact.push("none in the logs".into());
    }
    vec![
        vec![t(o.tz.display(w.from, 3))],
        dur,
        vec![t(w
            .terms
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", "))],
        vec![t(w
            .started_by
            .as_deref()
            .map(|x| x.replace('_', " "))
            .unwrap_or_else(|| "majority lost the leader".into()))],
        vec![t(impact.join(", "))],
    ]
}

/// Health trouble that cost no election.
fn near_misses(a: &Analysis, o: &ReportOptions) -> Vec<Rich> {
    let mut out = Vec::new();
    for nm in &a.report.near_misses {
        let mut item = vec![b(format!(
            "{}{}",
            name_of(a, &nm.node),
            if nm.leader { " (leader)" } else { "" }
        ))];
        item.push(t(format!(
            " {}: {}",
            nm.when(|x| when(o, Some(x))),
            nm.what()
        )));
        if let Some(e) = nm.evidence.first() {
            item.push(t(" ("));
            item.push(c(format!("{}:{}", e.source.input, e.source.line)));
            item.push(t(")"));
        }
        out.push(item);
    }
    out
}

/// The evidence of the elections (the first election only when there is no other),
/// and a note on what was left out.
fn evidence(a: &Analysis, o: &ReportOptions) -> (Vec<EvidenceBlock>, Option<Rich>) {
    let r = &a.report;
    let with_ev: Vec<&TermRow> = r
        .terms
        .iter()
        .filter(|x| x.cause.as_ref().is_some_and(|cs| !cs.evidence.is_empty()))
        .collect();
    let non_boot: Vec<&TermRow> = with_ev
        .iter()
        .copied()
        .filter(|x| x.cause.as_ref().is_some_and(|cs| cs.code != "bootstrap"))
        .collect();
    let pick = if non_boot.is_empty() {
        with_ev
    } else {
        non_boot
    };
    let ecap = (o.max_rows / 4).clamp(3, 20);
    let blocks = pick
        .iter()
        .take(ecap)
        .filter_map(|row| evidence_block(a, o, row))
        .collect();
    let more = (pick.len() > ecap).then(|| {
        vec![
            t(format!(
                "Evidence of {} more elections not shown; ",
                pick.len() - ecap
            )),
            c("raftlog diagnose"),
            t(" prints it all."),
        ]
    });
    (blocks, more)
}

/// The cause of one election in a sentence, with its first evidence lines.
fn evidence_block(a: &Analysis, o: &ReportOptions, row: &TermRow) -> Option<EvidenceBlock> {
    let cs = row.cause.as_ref()?;
    let mut heading: Rich = vec![t(format!("Term {}: ", row.term)), c(cs.code.clone())];
    if let Some(cu) = &cs.culprit {
        heading.push(t(format!(", culprit {}", name_of(a, cu))));
    }
    heading.push(t(format!(" ({} confidence)", cs.confidence)));
    let elected = match &row.leader {
        Some(l) => format!(
            " {} was elected at {}{}.",
            name_of(a, l),
            when(o, row.elected_at),
            row.election_ms
                .map(|m| format!(" after {}", human_span(m, row.started_at, row.elected_at)))
                .unwrap_or_default()
        ),
        None => " No leader was elected.".into(),
    };
    let mut summary = cs.summary.clone();
    if !summary.ends_with('.') {
        summary.push('.');
    }
    Some(EvidenceBlock {
        term: row.term,
        heading,
        text: vec![t(format!("{}{elected}", capitalise(&summary)))],
        lines: cs
            .evidence
            .iter()
            .take(3)
            .map(|e| evidence_line(a, o, e))
            .collect(),
    })
}

/// The recommendations with their first evidence lines.
fn recommendations(a: &Analysis, o: &ReportOptions) -> Vec<Rec> {
    a.report
        .recommendations
        .iter()
        .map(|rec| Rec {
            code: rec.code.clone(),
            summary: rec.summary.clone(),
            because: rec.because.clone(),
            actions: rec.actions.clone(),
            lines: rec
                .evidence
                .iter()
                .take(3)
                .map(|e| evidence_line(a, o, e))
                .collect(),
        })
        .collect()
}

/// The inputs read, with their formats and counts.
fn inputs_table(a: &Analysis, o: &ReportOptions) -> Table {
    let r = &a.report;
    let cap = o.max_rows.max(1);
    let mut tb = Table {
        head: vec![
            "Input".into(),
            "Formats".into(),
            "Lines".into(),
            "Events".into(),
            "Skipped".into(),
            "Members".into(),
        ],
        right: vec![2, 3, 4],
        ..Default::default()
    };
    for i in r.inputs.iter().take(cap) {
        let mut formats = i.formats.join(", ");
        if !i.wrappers.is_empty() {
            formats = format!("{formats} in {}", i.wrappers.join(", "));
        }
        if i.gzip {
            formats.push_str(" (gzip)");
        }
        if formats.is_empty() {
            formats = "-".into();
        }
        let mut name = vec![t(i.name.clone())];
        match &i.error {
            Some(e) if i.unreadable => name.push(t(format!(" (could not be read: {e})"))),
            Some(e) => name.push(t(format!(" (stopped early: {e})"))),
            None => {}
        }
        tb.rows.push(vec![
            name,
            vec![t(formats)],
            vec![t(i.lines.to_string())],
            vec![t(i.events.to_string())],
            vec![t(i.skipped_lines.to_string())],
            vec![t(if i.nodes.is_empty() {
                "-".to_string()
            } else {
                names_of(a, &i.nodes)
            })],
        ]);
    }
    if r.inputs.len() > cap {
        let rest = &r.inputs[cap..];
        tb.more = Some(vec![t(format!(
            "{} more inputs not shown ({} lines).",
            rest.len(),
            rest.iter().map(|i| i.lines).sum::<u64>()
        ))]);
    }
    tb
}

/// Skipped lines by reason, in words.
fn skipped_note(a: &Analysis) -> Rich {
    let r = &a.report;
    let skipped: u64 = r.inputs.iter().map(|i| i.skipped_lines).sum();
    let mut by_reason: BTreeMap<&str, u64> = BTreeMap::new();
    for i in &r.inputs {
        for (k, v) in &i.skipped {
            *by_reason.entry(k.as_str()).or_default() += v;
        }
    }
    if by_reason.is_empty() || skipped == 0 {
        vec![t("No line was skipped.")]
    } else {
        let mut v = vec![t("Skipped lines by reason: ")];
        for (i, (k, n)) in by_reason.iter().enumerate() {
            if i > 0 {
                v.push(t(", "));
            }
            v.push(t(format!("{} ", skip_words(k))));
            v.push(c(*k));
            v.push(t(format!(": {n}")));
        }
        v.push(t(
            ". Lines of other programs and etcd lines that are not about elections are normal.",
        ));
        v
    }
}

/// Coverage per member.
fn members_table(a: &Analysis, o: &ReportOptions) -> Table {
    let r = &a.report;
    let zone = o.tz.label();
    let cap = o.max_rows.max(1);
    let mut tb = Table {
        head: vec![
            "Member".into(),
            "ID".into(),
            "Log read".into(),
            format!("First line ({zone})"),
            format!("Last line ({zone})"),
            "Restarts".into(),
            "Terms led".into(),
            "etcd".into(),
        ],
        right: vec![5, 6],
        ..Default::default()
    };
    for n in r.nodes.iter().take(cap) {
        tb.rows.push(vec![
            vec![t(n.name.clone().unwrap_or_else(|| "-".into()))],
            vec![c(n.id.clone())],
            vec![if n.has_log { t("yes") } else { b("no") }],
            vec![t(when(o, n.first_seen))],
            vec![t(when(o, n.last_seen))],
            vec![t(match n.crashes.len() {
                0 => n.restarts.len().to_string(),
                k => format!("{} ({k} after a crash)", n.restarts.len()),
            })],
            vec![t(n.terms_led.len().to_string())],
            vec![t(n.etcd_version.clone().unwrap_or_else(|| "-".into()))],
        ]);
    }
    if r.nodes.len() > cap {
        tb.more = Some(vec![t(format!(
            "{} more members not shown.",
            r.nodes.len() - cap
        ))]);
    }
    tb
}

/// The members whose logs are missing, when there are any.
fn missing_members(a: &Analysis, f: &Facts) -> Option<Rich> {
    if f.missing.is_empty() {
        return None;
    }
    let r = &a.report;
    let mut v = vec![b("Members whose logs are missing: ")];
    for (i, n) in r.nodes.iter().filter(|n| !n.has_log).enumerate() {
        if i > 0 {
            v.push(t(", "));
        }
        v.push(t(format!(
            "{} ",
            n.name.clone().unwrap_or_else(|| "(unnamed)".into())
        )));
        v.push(c(n.id.clone()));
    }
    v.push(t(". Add their logs for a complete picture (their own campaigns, votes and stalls are not visible)."));
    Some(v)
}

/// The analysis's notes, then each input's note on the year of its timestamps.
fn notes(a: &Analysis) -> Vec<String> {
    let r = &a.report;
    let mut notes = r.summary.notes.clone();
    for i in &r.inputs {
        if let Some(y) = &i.year_note {
            let n = format!("{}: {}", i.name, y);
            if !notes.contains(&n) {
                notes.push(n);
            }
        }
    }
    notes
}

/// The last line: version, inputs, zone and what member IDs are.
fn footer(a: &Analysis, zone: &str) -> Rich {
    let r = &a.report;
    vec![
        t(format!(
            "Generated by raftlog {} from {}. Times are shown in {}. Member IDs are etcd's hex IDs, as ",
            r.raftlog_version,
            plural((r.inputs.len() - r.unreadable().len()) as u64, "input", "inputs"),
            zone
        )),
        c("etcdctl member list"),
        t(" prints them."),
    ]
}

fn capitalise(s: &str) -> String {
    let mut ch = s.chars();
    match ch.next() {
        Some(f) => f.to_uppercase().collect::<String>() + ch.as_str(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------- Markdown escaping

/// Inline Markdown text: control characters made visible, then every character that
/// CommonMark/GFM could read as markup backslash-escaped (`|` too, so table cells stay
/// cells; `@` and `#` so that tickets do not mention people or link issues).
pub fn md_text(s: &str) -> String {
    let s = terminal(s);
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        if matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '$' | '#' | '@'
        ) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// A code span that no content can close: the fence is longer than any backtick run.
/// `cell`: inside a table row, where `|` must be escaped even in code.
pub fn md_code(s: &str, cell: bool) -> String {
    let s = terminal(s);
    let run = longest_run(&s, '`');
    let fence = "`".repeat(run + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.starts_with(' ') || s.is_empty() {
        " "
    } else {
        ""
    };
    let body = if cell { s.replace('|', "\\|") } else { s };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// A fenced code block whose fence is longer than any backtick run in the content.
pub fn md_block(info: &str, lines: &[String]) -> String {
    let body: Vec<String> = lines.iter().map(|l| terminal(l)).collect();
    let run = body.iter().map(|l| longest_run(l, '`')).max().unwrap_or(0);
    let fence = "`".repeat((run + 1).max(3));
    let mut out = format!("{fence}{info}\n");
    for l in &body {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&fence);
    out.push('\n');
    out
}

fn longest_run(s: &str, c: char) -> usize {
    let mut best = 0;
    let mut cur = 0;
    for ch in s.chars() {
        if ch == c {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

fn md_rich(r: &[Inline], cell: bool) -> String {
    let mut out = String::new();
    for i in r {
        match i {
            Inline::Text(s) => out.push_str(&md_text(s)),
            Inline::Code(s) => out.push_str(&md_code(s, cell)),
            Inline::Strong(s) => {
                let e = md_text(s);
                if e.trim().is_empty() {
                    out.push_str(&e);
                } else {
                    // keep spaces outside the markers so that they stay emphasis
                    let lead = &e[..e.len() - e.trim_start().len()];
                    let trail = &e[e.trim_end().len()..];
                    out.push_str(&format!("{lead}**{}**{trail}", e.trim()));
                }
            }
        }
    }
    out
}

fn md_table(tb: &Table, w: &mut dyn Write) -> io::Result<()> {
    let head: Vec<String> = tb.head.iter().map(|h| md_text(h)).collect();
    writeln!(w, "| {} |", head.join(" | "))?;
    let sep: Vec<&str> = (0..tb.head.len())
        .map(|i| if tb.right.contains(&i) { "---:" } else { "---" })
        .collect();
    writeln!(w, "| {} |", sep.join(" | "))?;
    for row in &tb.rows {
        let cells: Vec<String> = (0..tb.head.len())
            .map(|i| {
                let s = row.get(i).map(|c| md_rich(c, true)).unwrap_or_default();
                if s.trim().is_empty() {
                    "-".to_string()
                } else {
                    s
                }
            })
            .collect();
        writeln!(w, "| {} |", cells.join(" | "))?;
    }
    if let Some(m) = &tb.more {
        writeln!(w)?;
        writeln!(w, "_{}_", md_rich(m, false))?;
    }
    Ok(())
}

/// Characters Mermaid accepts in section and task names.
pub fn mermaid_text(s: &str) -> String {
    let s = terminal(s);
    let mut out: String = s
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || matches!(ch, ' ' | '.' | '-' | '_' | '/' | '+') {
                ch
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    out = out.trim().to_string();
    if out.is_empty() {
        out.push('_');
    }
    out
}

fn mermaid(a: &Analysis, o: &ReportOptions, d: &Doc, w: &mut dyn Write) -> io::Result<()> {
    if d.led.is_empty() {
        return Ok(());
    }
    let cap = o.max_rows.max(1);
    let span = match (a.report.summary.from, a.report.summary.to) {
        (Some(f), Some(t)) => f.ms_until(t),
        _ => 0,
    };
    let axis = if span >= 86_400_000 {
        "%m-%d %H:%M"
    } else if span >= 600_000 {
        "%H:%M"
    } else {
        "%H:%M:%S"
    };
    let mut by: BTreeMap<NodeId, Vec<&Led>> = BTreeMap::new();
    for l in d.led.iter().take(cap) {
        by.entry(l.leader).or_default().push(l);
    }
    let dt = |t: Instant| o.tz.display(t, 3);
    let mut out = vec![
        "gantt".to_string(),
        format!("    title Leader per term ({})", mermaid_text(&d.zone)),
        "    dateFormat YYYY-MM-DD HH:mm:ss.SSS".to_string(),
        format!("    axisFormat {axis}"),
        "    todayMarker off".to_string(),
    ];
    // one section per member, in report order
    let mut never = Vec::new();
    for n in &a.report.nodes {
        let Ok(id) = u64::from_str_radix(&n.id, 16) else {
            continue;
        };
        let Some(v) = by.get(&id) else {
            never.push(a.name(id));
            continue;
        };
        out.push(format!("    section {}", mermaid_text(&a.name(id))));
        for l in v {
            out.push(format!(
                "    term {} :{}t{}_{}, {}, {}",
                l.term,
                if l.storm { "crit, " } else { "" },
                l.term,
                n.id,
                dt(l.from),
                dt(l.to)
            ));
        }
    }
    writeln!(w, "{}", md_block("mermaid", &out).trim_end())?;
    writeln!(w)?;
    let mut note = String::from("One bar per term, on the member that led it");
    if !a.report.storms.is_empty() {
        note.push_str("; terms inside a storm are highlighted");
    }
    note.push('.');
    if !never.is_empty() {
        note.push_str(&format!(" Never led: {}.", never.join(", ")));
    }
    if d.led.len() > cap {
        note.push_str(&format!(
            " {} more led terms are not in the chart.",
            d.led.len() - cap
        ));
    }
    writeln!(w, "_{}_", md_text(&note))
}

/// Write the Markdown report.
pub fn write(a: &Analysis, o: &ReportOptions, w: &mut dyn Write) -> io::Result<()> {
    let d = build(a, o);
    md_head(a, o, &d, w)?;
    md_tables(&d, w)?;
    md_findings(&d, w)?;
    md_recommendations(&d, w)?;
    md_read(&d, w)
}

/// Title, redaction notice, summary and the leadership chart.
fn md_head(a: &Analysis, o: &ReportOptions, d: &Doc, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "# {}", md_text(&d.title))?;
    writeln!(w)?;
    if let Some(r) = &d.redaction {
        writeln!(w, "> **Redacted.** {}", md_text(r))?;
        writeln!(w)?;
    }
    writeln!(w, "## Summary")?;
    writeln!(w)?;
    for p in &d.summary {
        writeln!(w, "{}", md_rich(p, false))?;
        writeln!(w)?;
    }
    if !d.led.is_empty() {
        writeln!(w, "## Who led when")?;
        writeln!(w)?;
        mermaid(a, o, d, w)?;
        writeln!(w)?;
    }
    Ok(())
}

/// Key figures, storms, terms and leaderless windows.
fn md_tables(d: &Doc, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## Key figures")?;
    writeln!(w)?;
    md_table(&d.figures, w)?;
    writeln!(w)?;
    if let Some(st) = &d.storms {
        writeln!(w, "## Election storms")?;
        writeln!(w)?;
        md_table(st, w)?;
        writeln!(w)?;
    }
    writeln!(w, "## Terms")?;
    writeln!(w)?;
    if d.terms.rows.is_empty() {
        writeln!(w, "No term with a campaign or a known leader.")?;
    } else {
        md_table(&d.terms, w)?;
    }
    for n in &d.terms_notes {
        writeln!(w)?;
        writeln!(w, "{}", md_text(n))?;
    }
    writeln!(w)?;
    writeln!(w, "## Leaderless windows")?;
    writeln!(w)?;
    match &d.windows {
        Some(tb) => md_table(tb, w)?,
        None => writeln!(w, "{}", md_text(&d.no_windows))?,
    }
    writeln!(w)?;
    Ok(())
}

/// Anomalies, near misses and the evidence per election.
fn md_findings(d: &Doc, w: &mut dyn Write) -> io::Result<()> {
    if !d.anomalies.is_empty() {
        writeln!(w, "## Anomalies")?;
        writeln!(w)?;
        for an in &d.anomalies {
            writeln!(w, "- {}", md_rich(an, false))?;
        }
        writeln!(w)?;
    }
    if !d.near_misses.is_empty() {
        writeln!(w, "## Near misses")?;
        writeln!(w)?;
        writeln!(w, "Health trouble that cost no election (yet):")?;
        writeln!(w)?;
        for nm in &d.near_misses {
            writeln!(w, "- {}", md_rich(nm, false))?;
        }
        writeln!(w)?;
    }
    writeln!(w, "## Evidence")?;
    writeln!(w)?;
    if d.evidence.is_empty() {
        writeln!(w, "No election with evidence lines.")?;
        writeln!(w)?;
    }
    for e in &d.evidence {
        writeln!(w, "### {}", md_rich(&e.heading, false))?;
        writeln!(w)?;
        writeln!(w, "{}", md_rich(&e.text, false))?;
        writeln!(w)?;
        if !e.lines.is_empty() {
            write!(w, "{}", md_block("text", &e.lines))?;
            writeln!(w)?;
        }
    }
    if let Some(m) = &d.evidence_more {
        writeln!(w, "_{}_", md_rich(m, false))?;
        writeln!(w)?;
    }
    Ok(())
}

/// The numbered recommendations with their commands and evidence.
fn md_recommendations(d: &Doc, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## Recommendations")?;
    writeln!(w)?;
    if d.recs.is_empty() {
        writeln!(w, "None: nothing in the logs calls for a change.")?;
        writeln!(w)?;
    }
    for (k, rec) in d.recs.iter().enumerate() {
        let marker = format!("{}. ", k + 1);
        let ind = " ".repeat(marker.len());
        writeln!(
            w,
            "{marker}{} {}",
            md_code(&rec.code, false),
            md_text(&rec.summary)
        )?;
        writeln!(w)?;
        writeln!(w, "{ind}Because: {}", md_text(&rec.because))?;
        writeln!(w)?;
        if !rec.actions.is_empty() {
            writeln!(w, "{ind}Next steps:")?;
            writeln!(w)?;
            for l in md_block("sh", &rec.actions).lines() {
                writeln!(w, "{ind}{l}")?;
            }
            writeln!(w)?;
        }
        if !rec.lines.is_empty() {
            writeln!(w, "{ind}Evidence:")?;
            writeln!(w)?;
            for l in md_block("text", &rec.lines).lines() {
                writeln!(w, "{ind}{l}")?;
            }
            writeln!(w)?;
        }
    }
    Ok(())
}

/// What was read, the notes and the footer.
fn md_read(d: &Doc, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "## What was read")?;
    writeln!(w)?;
    md_table(&d.inputs, w)?;
    writeln!(w)?;
    writeln!(w, "{}", md_rich(&d.skipped, false))?;
    writeln!(w)?;
    md_table(&d.members, w)?;
    writeln!(w)?;
    if let Some(m) = &d.missing {
        writeln!(w, "{}", md_rich(m, false))?;
        writeln!(w)?;
    }
    for n in &d.notes {
        writeln!(w, "- Note: {}", md_text(n))?;
    }
    if !d.notes.is_empty() {
        writeln!(w)?;
    }
    writeln!(w, "---")?;
    writeln!(w)?;
    writeln!(w, "_{}_", md_rich(&d.footer, false))
}
