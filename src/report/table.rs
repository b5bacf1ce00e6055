//! Terminal tables: the timeline, the term table, findings and the summary.

use crate::model::Analysis;
use crate::report::{Report, TermRow};
use crate::sanitize::terminal;
use crate::time::{human_ms, human_span, Instant, Zone};
use std::io::{self, Write};
use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::peaker::PriorityMax;
use tabled::settings::{Alignment, Padding, Style, Width};

/// Display settings for tables.
#[derive(Clone, Copy, Debug)]
pub struct TableOptions {
    /// Zone for displayed times.
    pub tz: Zone,
    /// ANSI colour for headings and findings.
    pub color: bool,
    /// Show every event in the timeline, not just the election steps.
    pub all: bool,
    /// Fit to this many columns (see [`crate::report::fit`]); `None`: whole lines.
    pub width: Option<usize>,
}

struct Paint(bool);

impl Paint {
    fn bold(&self, s: &str) -> String {
        if self.0 {
            format!("\x1b[1m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn red(&self, s: &str) -> String {
        if self.0 {
            format!("\x1b[31m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn yellow(&self, s: &str) -> String {
        if self.0 {
            format!("\x1b[33m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

fn time(tz: Zone, t: Option<Instant>) -> String {
    t.map(|t| tz.display(t, 3)).unwrap_or_else(|| "-".into())
}

/// When everything happened on one day (in the display zone), tables show the time of
/// day and name the date in the column header.
#[derive(Clone, Copy)]
struct Clock {
    tz: Zone,
    one_day: bool,
}

impl Clock {
    fn of(a: &Analysis, tz: Zone) -> Clock {
        let s = &a.report.summary;
        let one_day = match (s.from, s.to) {
            (Some(f), Some(t)) => tz.display(f, 0)[..10] == tz.display(t, 0)[..10],
            _ => false,
        };
        Clock { tz, one_day }
    }
    fn header(&self, a: &Analysis, what: &str) -> String {
        match (self.one_day, a.report.summary.from) {
            (true, Some(f)) => format!(
                "{what} ({} {})",
                &self.tz.display(f, 0)[..10],
                self.tz.label()
            ),
            _ => format!("{what} ({})", self.tz.label()),
        }
    }
    fn show(&self, t: Option<Instant>) -> String {
        match t {
            Some(t) if self.one_day => self.tz.display(t, 3)[11..].to_string(),
            other => time(self.tz, other),
        }
    }
}

/// The width of a table before any fitting, its last column's padding included.
fn natural_width(b: &Builder) -> usize {
    let mut t = b.clone().build();
    t.with(Style::empty()).with(Padding::new(1, 1, 0, 0));
    t.total_width()
}

/// A table as text; with a width, the widest columns are wrapped (at spaces where they
/// can be) until the table fits.
fn render(b: Builder, right: &[usize], width: Option<usize>) -> String {
    let mut t = b.build();
    t.with(Style::empty()).with(Padding::new(1, 1, 0, 0));
    for c in right {
        t.modify(Columns::new(*c..*c + 1), Alignment::right());
    }
    if let Some(w) = width {
        // the last column's right padding is trimmed below: it may use that column
        t.with(
            Width::wrap(w + 1)
                .priority(PriorityMax::right())
                .keep_words(true),
        );
    }
    let s = t.to_string();
    // trailing spaces from padding
    s.lines()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `raftlog timeline`: events, then the per-term summary, findings and the summary.
pub fn write_timeline(a: &Analysis, o: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    let p = Paint(o.color);
    let rows = a.timeline(o.all);
    let clock = Clock::of(a, o.tz);
    let mut b = Builder::default();
    b.push_record([
        clock.header(a, "TIME"),
        "NODE".into(),
        "EVENT".into(),
        "TERM".into(),
        "LEADER".into(),
    ]);
    for r in &rows {
        b.push_record([
            clock.show(r.ts),
            terminal(&r.node),
            terminal(&r.event),
            r.term.map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
            terminal(&r.leader),
        ]);
    }
    if rows.is_empty() {
        writeln!(w, "No election events found.")?;
    } else {
        writeln!(w, "{}", render(b, &[3], o.width))?;
    }
    writeln!(w)?;
    write_terms_table(a, o, w)?;
    writeln!(w)?;
    write_findings(a, o, w)?;
    writeln!(w)?;
    write_summary(&a.report, o, &p, w)
}

fn list(a: &Analysis, ids: &[String]) -> String {
    if ids.is_empty() {
        return "-".into();
    }
    ids.iter()
        .map(|i| {
            u64::from_str_radix(i, 16)
                .map(|id| a.name(id))
                .unwrap_or_else(|_| i.clone())
        })
        .map(|s| terminal(&s))
        .collect::<Vec<_>>()
        .join(",")
}

fn leader_cell(a: &Analysis, r: &TermRow) -> String {
    match &r.leader {
        Some(l) => {
            let n = u64::from_str_radix(l, 16)
                .map(|id| a.name(id))
                .unwrap_or_else(|_| l.clone());
            let n = terminal(&n);
            if r.leader_inferred() {
                format!("{n}*")
            } else {
                n
            }
        }
        None => "(none)".into(),
    }
}

/// How long the election took; `<1s` when both ends come from whole-second lines (the 3.4
/// raft Go log), where a zero would be a false precision.
fn took(r: &TermRow) -> String {
    r.election_ms
        .map(|ms| human_span(ms, r.started_at, r.elected_at))
        .unwrap_or_else(|| "-".into())
}

/// The VOTES column: the winner's tally (granted, its own vote included, and
/// rejected), and how many members ran when more than one did; with no winner, the one
/// candidate's tally or `split`.
fn votes_cell(r: &TermRow) -> String {
    let ran = r.candidate_count();
    let tally = match r.winner_tally() {
        Some(t) => Some(t),
        None if r.leader.is_none() && ran == 1 => {
            r.ran().last().map(|c| (c.granted.len(), c.rejected.len()))
        }
        None => None,
    };
    match (tally, ran) {
        (Some((g, x)), 0 | 1) => format!("+{g} -{x}"),
        (Some((g, x)), n) => format!("+{g} -{x} ({n} ran)"),
        (None, n) if n > 1 && r.leader.is_none() => format!("split ({n} ran)"),
        (None, _) => "-".into(),
    }
}

/// `raftlog terms`: one row per term.
pub fn write_terms_table(a: &Analysis, o: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    let p = Paint(o.color);
    let terms = &a.report.terms;
    if terms.is_empty() {
        return writeln!(w, "No terms found.");
    }
    writeln!(w, "{}", p.bold("Terms"))?;
    let clock = Clock::of(a, o.tz);
    let mut b = Builder::default();
    b.push_record([
        "TERM".to_string(),
        "LEADER".into(),
        clock.header(a, "ELECTED"),
        "TOOK".into(),
        "CANDIDATES".into(),
        "VOTES +/-".into(),
        "OUTCOME".into(),
        "LED FOR".into(),
        "CAUSE".into(),
    ]);
    let mut inferred = false;
    let last_term = terms.last().map(|r| r.term);
    for r in terms {
        inferred |= r.leader_inferred();
        let votes = votes_cell(r);
        let cause = cause_cell(a, r);
        b.push_record([
            r.term.to_string(),
            leader_cell(a, r),
            clock.show(r.elected_at),
            took(r),
            list(a, &r.candidates),
            votes,
            r.outcome_words(),
            r.led_ms.map(human_ms).unwrap_or_else(|| {
                // a later term ended it, even when no line says when
                if r.leader.is_some() && r.ended_at.is_none() && Some(r.term) == last_term {
                    "(to end)".into()
                } else {
                    "-".into()
                }
            }),
            cause,
        ]);
    }
    // too wide for the width: CANDIDATES goes first (VOTES still says how many ran),
    // then OUTCOME (a leader's term is won; the diagnose lines still say it)
    let mut left_out = Vec::new();
    let mut right = vec![0, 3, 7];
    for (col, name) in [(4, "CANDIDATES"), (5, "OUTCOME")] {
        if o.width.is_none_or(|wd| natural_width(&b) <= wd + 1) {
            break;
        }
        b.remove_column(col);
        right[2] -= 1;
        left_out.push(name);
    }
    writeln!(w, "{}", render(b, &right, o.width))?;
    if !left_out.is_empty() {
        writeln!(
            w,
            "{} left out to fit the width (--wide shows them)",
            left_out.join(" and ")
        )?;
    }
    if inferred {
        writeln!(w, "{}", crate::report::INFERRED_LEADER_NOTE)?;
    }
    Ok(())
}

/// The CAUSE cell: the code and its culprit, or `transfer` for a planned one.
fn cause_cell(a: &Analysis, r: &TermRow) -> String {
    match &r.cause {
        Some(c) => match &c.culprit {
            Some(cu) => {
                let n = u64::from_str_radix(cu, 16)
                    .map(|id| a.name(id))
                    .unwrap_or_else(|_| cu.clone());
                format!("{} ({})", c.code, terminal(&n))
            }
            None => c.code.clone(),
        },
        None => {
            if r.transfer {
                "transfer".into()
            } else {
                "-".into()
            }
        }
    }
}

/// Storms, leaderless windows and anomalies.
pub fn write_findings(a: &Analysis, o: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "{}", Paint(o.color).bold("Findings"))?;
    for l in findings(a, o) {
        writeln!(w, "{l}")?;
    }
    Ok(())
}

/// The findings, one line each: storms, leaderless windows over the threshold,
/// anomalies and near misses, or a line saying there is none.
pub(crate) fn findings(a: &Analysis, o: &TableOptions) -> Vec<String> {
    let p = Paint(o.color);
    let r = &a.report;
    let mut out = Vec::new();
    for s in &r.storms {
        let clock = Clock::of(a, o.tz);
        out.push(format!(
            "  {} {} unplanned leader changes {} to {} (terms {}-{}; threshold {} in {}){}",
            p.red("STORM"),
            s.elections,
            clock.show(Some(s.from)),
            clock.show(Some(s.to)),
            s.first_term,
            s.last_term,
            s.threshold,
            human_ms(s.window_ms),
            if s.planned_transfers > 0 {
                format!("; {} planned transfer(s) beside it", s.planned_transfers)
            } else {
                String::new()
            }
        ));
    }
    let over: Vec<_> = r.leaderless.iter().filter(|w| w.over_threshold).collect();
    for wd in &over {
        out.push(format!(
            "  {} no leader for {} from {} (terms {}){}",
            p.yellow("LEADERLESS"),
            wd.duration_ms
                .map(|m| human_span(m, Some(wd.from), wd.to))
                .unwrap_or_else(|| "?".into()),
            time(o.tz, Some(wd.from)),
            wd.terms
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(","),
            if wd.failed_requests > 0 {
                format!("; {} client requests failed", wd.failed_requests)
            } else {
                String::new()
            }
        ));
    }
    for an in &r.anomalies {
        out.push(format!(
            "  {} {}",
            p.red(&an.kind.to_uppercase()),
            terminal(&an.summary)
        ));
    }
    for nm in &r.near_misses {
        let node = u64::from_str_radix(&nm.node, 16)
            .map(|id| a.name(id))
            .unwrap_or_else(|_| nm.node.clone());
        out.push(format!(
            "  {} {}{} {}: {}",
            p.yellow("NEAR MISS"),
            terminal(&node),
            if nm.leader { " (leader)" } else { "" },
            nm.when(|t| time(o.tz, Some(t))),
            nm.what()
        ));
    }
    if out.is_empty() {
        out.push(
            "  none (no storm, no leaderless window over the threshold, no anomaly)".to_string(),
        );
    }
    out
}

/// "; N input(s) could not be read: …" for the coverage line, so that members without a
/// log are not taken for members that wrote none.
pub fn unreadable_coverage(r: &Report) -> String {
    crate::report::unreadable_brief(&r.unreadable())
        .map(|b| format!("; {}", terminal(&b)))
        .unwrap_or_default()
}

fn write_summary(r: &Report, o: &TableOptions, p: &Paint, w: &mut dyn Write) -> io::Result<()> {
    let s = &r.summary;
    writeln!(w, "{}", p.bold("Summary"))?;
    let span = span(o.tz, s.from, s.to);
    writeln!(w, "  covered: {span}")?;
    if let Some(b) = r.window_brief(o.tz) {
        writeln!(w, "  window: {b}")?;
    }
    let first = r.terms.first().map(|t| t.term);
    let last = r.terms.last().map(|t| t.term);
    writeln!(
        w,
        "  {} member{} ({} with logs{}); {} term{}{}; {} election{}; {} leader change{} ({} planned transfer{})",
        s.members,
        plural(s.members),
        s.members_with_logs,
        unreadable_coverage(r),
        s.terms_seen,
        plural(s.terms_seen),
        match (first, last) {
            (Some(f), Some(l)) if f != l => format!(" ({f}-{l})"),
            (Some(f), _) => format!(" ({f})"),
            _ => String::new(),
        },
        s.elections,
        plural(s.elections),
        s.leader_changes,
        plural(s.leader_changes),
        s.planned_transfers,
        plural(s.planned_transfers),
    )?;
    let n = r.leaderless.len() as u64;
    if n == 0 && !r.leader_seen() {
        writeln!(w, "  leaderless: unknown: {}", r.no_window_verdict())?;
    } else {
        writeln!(
            w,
            "  leaderless: {} in {} window{}{}",
            human_ms(s.leaderless_ms),
            n,
            plural(n),
            s.longest_leaderless_ms
                .map(|l| format!(", longest {}", human_ms(l)))
                .unwrap_or_default()
        )?;
    }
    for note in &s.notes {
        writeln!(w, "  note: {}", terminal(note))?;
    }
    Ok(())
}

/// `2026-11-25 16:15:32 to 2026-11-25 16:16:11 UTC (39.2s)`.
pub fn span(tz: Zone, from: Option<Instant>, to: Option<Instant>) -> String {
    match (from, to) {
        (Some(f), Some(t)) => format!(
            "{} to {} {} ({})",
            tz.display(f, 0),
            tz.display(t, 0),
            tz.label(),
            human_ms(f.ms_until(t))
        ),
        _ => "no timestamps".into(),
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `raftlog events --format table`. A storm's listing has millions of rows, so rows are
/// formatted twice (once for the column widths, once to write them) instead of being held
/// in a table builder; the layout is the one `render` gives (empty style, one space of
/// padding, TERM right-aligned, trailing spaces trimmed).
pub fn write_events_table(a: &Analysis, o: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    let clock = Clock::of(a, o.tz);
    let head = [
        clock.header(a, "TIME"),
        "NODE".into(),
        "KIND".into(),
        "TERM".into(),
        "DETAIL".into(),
        "SOURCE".into(),
    ];
    let row = |e: &crate::event::Event| -> [String; 6] {
        let input = a
            .input_names
            .get(e.origin.input as usize)
            .map(String::as_str)
            .unwrap_or_default();
        [
            clock.show(e.ts),
            terminal(&a.opt_name(e.node)),
            e.kind.name().to_string(),
            e.term.map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
            terminal(&a.describe(e)),
            terminal(&format!("{}:{}", input, e.origin.line)),
        ]
    };
    let mut widths = head.each_ref().map(|c| cell_width(c));
    for e in &a.events {
        for (wd, c) in widths.iter_mut().zip(row(e).iter()) {
            *wd = (*wd).max(cell_width(c));
        }
    }
    // fitted: DETAIL gets what the other columns leave (at least 16), its cells cut
    let detail = o.width.map(|max| {
        let others: usize = widths
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 4)
            .map(|(_, w)| w + 2)
            .sum();
        widths[4] = widths[4].min(max.saturating_sub(others + 2).max(16));
        widths[4]
    });
    let fit = |mut cells: [String; 6]| {
        if let Some(d) = detail {
            cells[4] = crate::report::fit::trim(&cells[4], d);
        }
        cells
    };
    let mut line = String::new();
    write_row(&head, &widths, &mut line, o.width, w)?;
    for e in &a.events {
        write_row(&fit(row(e)), &widths, &mut line, o.width, w)?;
    }
    Ok(())
}

/// Display width of a cell, as the table builder measures it (cells are single lines:
/// `terminal` escapes line breaks).
fn cell_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// One line of the events table; column 3 (TERM) is right-aligned. With a width, a row
/// longer than it is cut with `…` (one event, one line: the table stays greppable).
fn write_row(
    cells: &[String; 6],
    widths: &[usize; 6],
    line: &mut String,
    width: Option<usize>,
    w: &mut dyn Write,
) -> io::Result<()> {
    line.clear();
    for (i, (c, wd)) in cells.iter().zip(widths).enumerate() {
        let pad = wd.saturating_sub(cell_width(c));
        line.push(' ');
        if i == 3 {
            line.extend(std::iter::repeat_n(' ', pad));
            line.push_str(c);
        } else {
            line.push_str(c);
            line.extend(std::iter::repeat_n(' ', pad));
        }
        line.push(' ');
    }
    match width {
        Some(max) => writeln!(w, "{}", crate::report::fit::trim(line.trim_end(), max)),
        None => writeln!(w, "{}", line.trim_end()),
    }
}
