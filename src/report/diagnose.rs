//! `raftlog diagnose` on the terminal: the summary first, then each storm, each election
//! with its cause and the log lines that show it, the leaderless windows with their cost,
//! and the recommendations.

use crate::model::Analysis;
use crate::report::table::TableOptions;
use crate::report::{Cause, Evidence, TermRow};
use crate::sanitize::terminal;
use crate::time::{human_ms, human_span};
use std::collections::BTreeMap;
use std::io::{self, Write};

fn bold(o: &TableOptions, s: &str) -> String {
    if o.color {
        format!("\x1b[1m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn name_of(a: &Analysis, hex: &str) -> String {
    u64::from_str_radix(hex, 16)
        .map(|i| a.name(i))
        .unwrap_or_else(|_| hex.to_string())
}

fn evidence_line(a: &Analysis, o: &TableOptions, e: &Evidence) -> String {
    let when =
        e.ts.map(|t| o.tz.display(t, 3))
            .unwrap_or_else(|| "-".into());
    let raw = a
        .raw_line(&e.source.input, e.source.line)
        .map(|r| {
            let r = terminal(&crate::report::markdown::compact(&r));
            if o.width.is_some() {
                // trimmed with the whole line below
                r
            } else {
                // piped: 150 columns of the line, so that one evidence line stays one line
                crate::report::fit::trim(&r, 151)
            }
        })
        .unwrap_or_else(|| e.kind.clone());
    let at = format!(
        "      {}:{}  {}",
        terminal(&e.source.input),
        e.source.line,
        when
    );
    match o.width {
        // a long input name leaves the quoted line too little room: it goes below
        Some(w) if crate::report::fit::width(&at) > w / 2 => format!(
            "{}\n{}",
            crate::report::fit::trim(&at, w),
            crate::report::fit::trim(&format!("        {raw}"), w)
        ),
        Some(w) => crate::report::fit::trim(&format!("{at}  {raw}"), w),
        None => format!("{at}  {raw}"),
    }
}

/// The summary that opens the diagnosis (full and brief): what was read, the counts,
/// leaderless time, the causes with their culprits, the notes.
/// `max_notes`: how many notes are written (the others are counted).
fn write_head(
    a: &Analysis,
    o: &TableOptions,
    max_notes: usize,
    w: &mut dyn Write,
) -> io::Result<()> {
    let r = &a.report;
    let s = &r.summary;
    let span = crate::report::table::span(o.tz, s.from, s.to);
    writeln!(
        w,
        "  logs: {} member(s) with logs of {}{}, {span}",
        s.members_with_logs,
        s.members,
        crate::report::table::unreadable_coverage(r)
    )?;
    if let Some(b) = r.window_brief(o.tz) {
        writeln!(w, "  window: {b}")?;
    }
    let leaderless = if r.leaderless.is_empty() && !r.leader_seen() {
        "unknown (no leader seen)".to_string()
    } else {
        format!(
            "{} in {} window(s){}",
            human_ms(s.leaderless_ms),
            r.leaderless.len(),
            s.longest_leaderless_ms
                .map(|l| format!(", longest {}", human_ms(l)))
                .unwrap_or_default()
        )
    };
    writeln!(
        w,
        "  {} election(s), {} leader change(s) ({} planned), {} storm(s), leaderless {leaderless}",
        s.elections,
        s.leader_changes,
        s.planned_transfers,
        r.storms.len(),
    )?;
    writeln!(w, "  causes: {}", causes_line(a))?;
    for note in s.notes.iter().take(max_notes) {
        writeln!(w, "  note: {}", terminal(note))?;
    }
    if s.notes.len() > max_notes {
        writeln!(w, "  … and {} more note(s)", s.notes.len() - max_notes)?;
    }
    Ok(())
}

/// The causes of the elections after the first, most frequent first, with their
/// culprits.
fn causes_line(a: &Analysis) -> String {
    let r = &a.report;
    let mut causes: BTreeMap<&str, (u64, BTreeMap<String, u64>)> = BTreeMap::new();
    for t in &r.terms {
        if let Some(c) = &t.cause {
            if c.code == "bootstrap" {
                continue;
            }
            let slot = causes.entry(c.code.as_str()).or_default();
            slot.0 += 1;
            if let Some(cu) = &c.culprit {
                *slot.1.entry(name_of(a, cu)).or_default() += 1;
            }
        }
    }
    let mut cv: Vec<_> = causes.into_iter().collect();
    cv.sort_by(|x, y| y.1 .0.cmp(&x.1 .0).then(x.0.cmp(y.0)));
    if cv.is_empty() && !r.leader_seen() {
        return "none: no election, and no leader seen in these logs".into();
    }
    if cv.is_empty() {
        return "no election after the first leader".into();
    }
    cv.iter()
        .map(|(code, (n, cul))| {
            let mut c: Vec<_> = cul.iter().collect();
            c.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
            let who = c
                .iter()
                .map(|(k, v)| {
                    if **v > 1 {
                        format!("{} x{v}", terminal(k))
                    } else {
                        terminal(k)
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            if who.is_empty() {
                format!("{code} x{n}")
            } else {
                format!("{code} x{n} ({who})")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Write the diagnosis.
pub fn write(a: &Analysis, o: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "{}", bold(o, "Diagnosis"))?;
    write_head(a, o, usize::MAX, w)?;
    write_storms(a, o, w)?;
    write_elections(a, o, w)?;
    write_windows(a, o, w)?;
    write_near_misses(a, o, w)?;
    write_anomalies(a, o, w)?;
    write_recommendations(a, o, w)
}

/// Each storm episode with its causes and culprits.
fn write_storms(a: &Analysis, o: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    let r = &a.report;
    if r.storms.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "{}", bold(o, "Storms"))?;
    for st in &r.storms {
        writeln!(
            w,
            "  {} unplanned leader changes in {} from {} (terms {}-{}; threshold {} in {}); leaderless {}; {} failed request(s){}",
            st.elections,
            human_ms(st.from.ms_until(st.to)),
            o.tz.display(st.from, 3),
            st.first_term,
            st.last_term,
            st.threshold,
            human_ms(st.window_ms),
            human_ms(st.leaderless_ms),
            st.failed_requests,
            if st.planned_transfers > 0 {
                format!("; {} planned transfer(s) beside it", st.planned_transfers)
            } else {
                String::new()
            }
        )?;
        writeln!(
            w,
            "    causes: {}",
            st.causes
                .iter()
                .map(|c| format!(
                    "{} x{}{}",
                    c.code,
                    c.count,
                    if c.culprits.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " ({})",
                            c.culprits
                                .iter()
                                .map(|x| terminal(&name_of(a, x)))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                ))
                .collect::<Vec<_>>()
                .join("; ")
        )?;
    }
    Ok(())
}

/// Each election with a cause: who won, why, and the lines that show it.
fn write_elections(a: &Analysis, o: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    let r = &a.report;
    writeln!(w)?;
    writeln!(w, "{}", bold(o, "Elections"))?;
    let mut any = false;
    for t in &r.terms {
        let Some(c) = &t.cause else { continue };
        any = true;
        write_election(a, o, t, c, w)?;
    }
    if !any {
        writeln!(w, "  none")?;
    }
    Ok(())
}

/// One election: the outcome, refused votes, the cause and its evidence lines.
fn write_election(
    a: &Analysis,
    o: &TableOptions,
    t: &TermRow,
    c: &Cause,
    w: &mut dyn Write,
) -> io::Result<()> {
    let who = match (&t.leader, t.candidates.is_empty()) {
        (Some(l), _) => format!("{} elected", terminal(&name_of(a, l))),
        (None, false) => format!(
            "no leader ({} campaigned)",
            t.candidates
                .iter()
                .map(|x| terminal(&name_of(a, x)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        (None, true) => "no leader".into(),
    };
    let at = t
        .elected_at
        .or(t.started_at)
        .map(|x| o.tz.display(x, 3))
        .unwrap_or_else(|| "-".into());
    writeln!(
        w,
        "  term {:<6} {at}  {who}{} [outcome: {}]",
        t.term,
        t.election_ms
            .map(|m| format!(" in {}", human_span(m, t.started_at, t.elected_at)))
            .unwrap_or_default(),
        t.outcome_words()
    )?;
    // the log positions that show why a campaign nobody won was refused
    let refused = if t.leader.is_none() {
        t.stale_log_rejections()
    } else {
        Vec::new()
    };
    for (cand, x) in refused.iter().take(3) {
        writeln!(
            w,
            "    {} rejected {}: its log [logterm {}, index {}] is behind {}'s [logterm {}, index {}]",
            terminal(&name_of(a, &x.voter)),
            terminal(&name_of(a, cand)),
            x.candidate_log.term,
            x.candidate_log.index,
            terminal(&name_of(a, &x.voter)),
            x.voter_log.term,
            x.voter_log.index
        )?;
    }
    writeln!(
        w,
        "    cause {}{} [{}]: {}",
        c.code,
        c.culprit
            .as_deref()
            .map(|x| format!(" (culprit {})", terminal(&name_of(a, x))))
            .unwrap_or_default(),
        c.confidence,
        terminal(&c.summary)
    )?;
    for e in c.evidence.iter().take(3) {
        writeln!(w, "{}", evidence_line(a, o, e))?;
    }
    Ok(())
}

/// The leaderless windows with what they cost.
fn write_windows(a: &Analysis, o: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    let r = &a.report;
    if r.leaderless.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "{}", bold(o, "Leaderless windows"))?;
    for lw in &r.leaderless {
        let mut cost = Vec::new();
        if lw.failed_requests > 0 {
            cost.push(format!("{} failed request(s)", lw.failed_requests));
        }
        if lw.slow_applies > 0 {
            cost.push(format!("{} slow apply warning(s)", lw.slow_applies));
        }
        if lw.proposals_dropped > 0 {
            cost.push(format!("{} dropped proposal(s)", lw.proposals_dropped));
        }
        if cost.is_empty() {
            cost.push("no failed request in the logs".into());
        }
        writeln!(
            w,
            "  {}  {:>8}  terms {:<10} {}{}{}",
            o.tz.display(lw.from, 3),
            lw.duration_ms
                .map(|m| human_span(m, Some(lw.from), lw.to))
                .unwrap_or_else(|| "open".into()),
            lw.terms
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(","),
            cost.join(", "),
            lw.started_by
                .as_deref()
                .map(|b| format!(" (start: {})", b.replace('_', " ")))
                .unwrap_or_default(),
            if lw.over_threshold {
                "  OVER THRESHOLD"
            } else {
                ""
            }
        )?;
    }
    Ok(())
}

/// Health trouble that cost no election, with its evidence lines.
fn write_near_misses(a: &Analysis, o: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    let r = &a.report;
    if r.near_misses.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(
        w,
        "{}",
        bold(o, "Near misses (health trouble that cost no election)")
    )?;
    for nm in &r.near_misses {
        writeln!(
            w,
            "  {}{} {}: {}",
            terminal(&name_of(a, &nm.node)),
            if nm.leader { " (leader)" } else { "" },
            nm.when(|t| o.tz.display(t, 3)),
            nm.what()
        )?;
        for e in nm.evidence.iter().take(3) {
            writeln!(w, "{}", evidence_line(a, o, e))?;
        }
    }
    Ok(())
}

fn write_anomalies(a: &Analysis, o: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    let r = &a.report;
    if r.anomalies.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "{}", bold(o, "Anomalies"))?;
    for an in &r.anomalies {
        writeln!(w, "  {}: {}", an.kind, terminal(&an.summary))?;
    }
    Ok(())
}

/// The numbered recommendations with their commands and first evidence lines.
fn write_recommendations(a: &Analysis, o: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    let r = &a.report;
    writeln!(w)?;
    writeln!(w, "{}", bold(o, "Recommendations"))?;
    if r.recommendations.is_empty() {
        writeln!(w, "  none: nothing in the logs calls for a change")?;
    }
    for (k, rec) in r.recommendations.iter().enumerate() {
        writeln!(w, "  {}. [{}] {}", k + 1, rec.code, terminal(&rec.summary))?;
        writeln!(w, "     because: {}", terminal(&rec.because))?;
        for act in &rec.actions {
            writeln!(w, "     $ {}", terminal(act))?;
        }
        for e in rec.evidence.iter().take(2) {
            writeln!(w, "{}", evidence_line(a, o, e))?;
        }
    }
    Ok(())
}

/// Notes shown by `--brief`; the rest are counted.
const BRIEF_NOTES: usize = 1;

/// Findings shown by `--brief`; the rest are counted.
const BRIEF_FINDINGS: usize = 4;

/// `diagnose --brief`: one screen. The summary, the last leader, the first findings and
/// the first recommendation, and where the rest is.
pub fn write_brief(a: &Analysis, o: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    let r = &a.report;
    writeln!(w, "{}", bold(o, "Diagnosis (brief)"))?;
    write_head(a, o, BRIEF_NOTES, w)?;
    if let Some(t) = r.terms.iter().rev().find(|t| t.leader.is_some()) {
        let l = t.leader.as_deref().unwrap_or_default();
        writeln!(
            w,
            "  last leader: {} (term {})",
            terminal(&name_of(a, l)),
            t.term
        )?;
    }
    // the findings as the timeline lists them, the first few
    let items = crate::report::table::findings(a, o);
    writeln!(w, "{}", bold(o, "Findings"))?;
    for l in items.iter().take(BRIEF_FINDINGS) {
        writeln!(w, "{l}")?;
    }
    if items.len() > BRIEF_FINDINGS {
        writeln!(w, "  … and {} more", items.len() - BRIEF_FINDINGS)?;
    }
    writeln!(w, "{}", bold(o, "First recommendation"))?;
    match r.recommendations.first() {
        None => writeln!(w, "  none: nothing in the logs calls for a change")?,
        Some(rec) => {
            writeln!(w, "  [{}] {}", rec.code, terminal(&rec.summary))?;
            if let Some(act) = rec.actions.first() {
                writeln!(w, "     $ {}", terminal(act))?;
            }
            if r.recommendations.len() > 1 {
                writeln!(w, "  … and {} more", r.recommendations.len() - 1)?;
            }
        }
    }
    writeln!(
        w,
        "full: raftlog diagnose without --brief (each election with its evidence lines)"
    )
}
