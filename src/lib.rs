//! raftlog reads etcd server logs and reconstructs what the cluster's Raft elections did:
//! who campaigned, who voted how, who won each term and when, how long the cluster had
//! no leader, which elections came in storms.
//!
//! Pipeline (design.md §1):
//!
//! ```text
//! input ──► parse::envelope ──► parse::raft_msg / parse::server ──► ingest ──► model ──► report
//! (bytes,    (wrappers, zap,      (nom grammar / server texts       (per input:  (terms,    (table, json,
//!  gzip,      capnslog, Go log,    → typed events)                   attribution, windows,   ndjson, csv)
//!  stdin)     journald, CRI…)                                        zones)       storms)
//! ```
//!
//! The core reads `impl BufRead` (see [`ingest::read_input`]) and writes `impl Write`
//! (see [`run`]), so almost everything is testable in process.
#![deny(missing_docs)]

pub mod cause;
pub mod cli;
pub mod config;
pub mod diagnose;
pub mod error;
pub mod event;
pub mod ingest;
pub mod input;
pub mod model;
pub mod parse;
pub mod report;
pub mod sanitize;
pub mod time;

use cli::{FailOn, Format};
use config::{Bound, Config, Mode};
use error::RunError;
use input::Source;
use report::table::TableOptions;
use std::io::{self, Write};

/// Exit status: analysed.
pub const EXIT_OK: i32 = 0;
/// Exit status: a `--fail-on` condition was found.
pub const EXIT_FINDING: i32 = 1;
/// Exit status: usage error or no input could be read.
pub const EXIT_ERROR: i32 = 2;

/// Read the inputs of `cfg`, analyse them and return the analysis; errors about single
/// inputs are written to `err` (the run goes on with the others).
pub fn analyze(
    cfg: &Config,
    stdin_is_terminal: bool,
    err: &mut dyn Write,
) -> Result<model::Analysis, RunError> {
    let (sources, errors) = if cfg.inputs.is_empty() {
        if stdin_is_terminal {
            let _ = writeln!(
                err,
                "raftlog: error: no input: give log files or directories, or pipe a log in (e.g. cat etcd.log | raftlog timeline)"
            );
            return Err(RunError::NoInput);
        }
        (vec![Source::Stdin], Vec::new())
    } else {
        input::expand(&cfg.inputs)
    };
    for e in &errors {
        let _ = writeln!(err, "raftlog: error: {e}");
    }
    let mut results = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        match ingest::read_input(i as u32, src, &cfg.ingest) {
            Ok(r) => {
                if let Some(e) = &r.summary.error {
                    let _ = writeln!(err, "raftlog: error: {e}");
                }
                results.push(r);
            }
            Err(e) => {
                let _ = writeln!(err, "raftlog: error: {e}");
            }
        }
    }
    if results.is_empty() {
        return Err(RunError::NoInput);
    }
    if cfg.verbose {
        for r in &results {
            for (line, msg) in &r.summary.unknown_samples {
                let _ = writeln!(
                    err,
                    "raftlog: unknown raft message: {}:{}: {}",
                    r.summary.name,
                    line,
                    sanitize::terminal(msg)
                );
            }
        }
    }
    // keep input indexes dense for the report
    for (i, r) in results.iter_mut().enumerate() {
        for e in r.events.iter_mut() {
            e.origin.input = i as u32;
        }
    }
    let newest = results
        .iter()
        .flat_map(|r| r.events.iter().filter_map(|e| e.ts))
        .max();
    let resolve = |b: Option<Bound>| -> Option<time::Instant> {
        match b? {
            Bound::At(t) => Some(t),
            Bound::BeforeNewest(ms) => {
                newest.map(|n| time::Instant(n.0.saturating_sub(ms.saturating_mul(1_000_000))))
            }
        }
    };
    let since = resolve(cfg.since);
    let until = resolve(cfg.until);
    let filter = move |e: &event::Event| match e.ts {
        Some(t) => since.is_none_or(|s| t >= s) && until.is_none_or(|u| t <= u),
        None => since.is_none() && until.is_none(),
    };
    let mut a = model::analyze(results, &cfg.model, filter);
    a.show_raw = cfg.raw;
    a.report.recommendations = diagnose::recommendations(&a);
    Ok(a)
}

/// Write the output of `cfg`'s command for an analysis.
pub fn render(cfg: &Config, a: &model::Analysis, out: &mut dyn Write) -> io::Result<()> {
    let topt = TableOptions {
        tz: cfg.tz,
        color: cfg.color,
        all: cfg.all,
    };
    match (cfg.mode, cfg.format) {
        (Mode::Timeline, Format::Table) => report::table::write_timeline(a, &topt, out),
        (Mode::Diagnose, Format::Table) => report::diagnose::write(a, &topt, out),
        (Mode::Diagnose, Format::Json) => report::json::write_document(a, cfg.with_events, out),
        (Mode::Terms, Format::Table) => report::table::write_terms_table(a, &topt, out),
        (Mode::Events, Format::Table) => report::table::write_events_table(a, &topt, out),
        (Mode::Timeline | Mode::Terms, Format::Json) => {
            report::json::write_document(a, cfg.with_events, out)
        }
        (Mode::Events, Format::Json) => report::json::write_event_array(a, out),
        (Mode::Events, Format::Ndjson) => report::json::write_ndjson(a, out),
        (Mode::Events, Format::Csv) => report::csv::write_events(a, out),
        (Mode::Terms, Format::Csv) => report::csv::write_terms(a, out),
        (Mode::Timeline | Mode::Diagnose, Format::Csv)
        | (Mode::Timeline | Mode::Terms | Mode::Diagnose, Format::Ndjson) => {
            Err(io::Error::other("format not available for this command"))
        }
    }
}

/// One-line summary of what was read, for stderr.
pub fn read_summary(a: &model::Analysis) -> String {
    let r = &a.report;
    let lines: u64 = r.inputs.iter().map(|i| i.lines).sum();
    let events: u64 = r.inputs.iter().map(|i| i.events).sum();
    let mut skipped: std::collections::BTreeMap<&str, u64> = Default::default();
    for i in &r.inputs {
        for (k, v) in &i.skipped {
            *skipped.entry(k.as_str()).or_default() += v;
        }
    }
    let total: u64 = skipped.values().sum();
    let mut s = format!(
        "raftlog: read {} input{}, {} lines, {} events, {} member{} ({} with logs)",
        r.inputs.len(),
        if r.inputs.len() == 1 { "" } else { "s" },
        lines,
        events,
        r.summary.members,
        if r.summary.members == 1 { "" } else { "s" },
        r.summary.members_with_logs
    );
    if total > 0 {
        s.push_str(&format!(
            "; skipped {} line{} ({})",
            total,
            if total == 1 { "" } else { "s" },
            skipped
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if events == 0 {
        s.push_str("; no election events found");
    }
    s
}

/// Which `--fail-on` conditions the analysis meets.
pub fn failed_conditions(cfg: &Config, a: &model::Analysis) -> Vec<FailOn> {
    let r = &a.report;
    cfg.fail_on
        .iter()
        .copied()
        .filter(|f| match f {
            FailOn::Storm => !r.storms.is_empty(),
            FailOn::Leaderless => r.leaderless.iter().any(|w| w.over_threshold),
            FailOn::SplitBrain => r.anomalies.iter().any(|x| x.kind == "split_brain"),
            FailOn::ClockSkew => r.anomalies.iter().any(|x| x.kind == "clock_skew"),
            FailOn::TermRegression => r.anomalies.iter().any(|x| x.kind == "term_regression"),
        })
        .collect()
}

/// Run a whole command: analyse, render to `out`, report on `err`; returns the exit
/// status. A closed output pipe ends the run quietly with status 0.
pub fn run(cfg: &Config, stdin_is_terminal: bool, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let a = match analyze(cfg, stdin_is_terminal, err) {
        Ok(a) => a,
        Err(RunError::NoInput) => return EXIT_ERROR,
        Err(e) => {
            let _ = writeln!(err, "raftlog: error: {e}");
            return EXIT_ERROR;
        }
    };
    if !cfg.quiet {
        let _ = writeln!(err, "{}", read_summary(&a));
        for i in &a.report.inputs {
            if let Some(n) = &i.year_note {
                let _ = writeln!(err, "raftlog: note: {}: {}", i.name, n);
            }
        }
    }
    match render(cfg, &a, out).and_then(|_| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return EXIT_OK,
        Err(e) => {
            let _ = writeln!(err, "raftlog: error: cannot write output: {e}");
            return EXIT_ERROR;
        }
    }
    let failed = failed_conditions(cfg, &a);
    if !failed.is_empty() {
        if !cfg.quiet {
            let _ = writeln!(
                err,
                "raftlog: --fail-on: found {}",
                failed
                    .iter()
                    .map(|f| format!("{f:?}").to_lowercase())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        return EXIT_FINDING;
    }
    EXIT_OK
}
