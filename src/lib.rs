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

pub mod bundle;
pub mod cause;
pub mod classify;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod diagnose;
pub mod error;
pub mod event;
pub mod export;
pub mod follow;
pub mod ingest;
pub mod input;
pub mod lives;
pub mod messages;
pub mod metrics;
pub mod model;
pub mod output;
pub mod parse;
pub mod progress;
pub mod raw_lines;
pub mod redact;
pub mod report;
pub mod sanitize;
pub mod time;

use clap::Parser;
use classify::{BundleTag, Classified};
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
/// Exit status: usage error, an input that could not be read, or no etcd line at all.
pub const EXIT_ERROR: i32 = 2;

/// An unrecognised raft line listed by `-v`: input name, line number, message.
pub type UnknownLine = (String, u64, String);

/// An input that could not be read at all, as its row of `inputs[]`: no lines, the
/// cause in `error`, so that reports say it was not read rather than leave it out.
fn unreadable_input(e: &error::InputError) -> Option<ingest::InputResult> {
    Some(ingest::InputResult {
        summary: ingest::InputSummary {
            name: e.input_name()?,
            error: Some(e.to_string()),
            unreadable: true,
            ..Default::default()
        },
        ..Default::default()
    })
}

/// Read the inputs of `cfg`, analyse them and return the analysis; errors about single
/// inputs are written to `err` (the run goes on with the others), and with `-v` the
/// unrecognised raft lines. Inputs that could not be read are rows of `inputs[]` with
/// their error.
pub fn analyze(
    cfg: &Config,
    stdin_is_terminal: bool,
    err: &mut dyn Write,
) -> Result<model::Analysis, RunError> {
    let (a, unknown) = analyze_listing_unknown(cfg, stdin_is_terminal, err)?;
    write_unknown(&unknown, err);
    Ok(a)
}

/// `-v`: the unrecognised raft lines on `err`.
fn write_unknown(unknown: &[UnknownLine], err: &mut dyn Write) {
    for (input, line, msg) in unknown {
        messages::status(
            err,
            format_args!(
                "unknown raft message: {input}:{line}: {}",
                sanitize::terminal(msg)
            ),
        );
    }
}

/// [`analyze`], returning the unrecognised raft lines (with `-v`) instead of writing
/// them, so that they can be redacted first.
///
/// The steps: classify the inputs, read the logs, measure the `--since`/`--until`
/// range, model each cluster, add the metrics, then apply the view and the filters.
pub fn analyze_listing_unknown(
    cfg: &Config,
    stdin_is_terminal: bool,
    err: &mut dyn Write,
) -> Result<(model::Analysis, Vec<UnknownLine>), RunError> {
    classify::check_flag_files(cfg).map_err(RunError::Usage)?;
    let mut inputs = Classified::gather(cfg);
    for e in &inputs.errors {
        messages::error(err, e);
    }
    // with the run's summary line: what was read, left out by -q
    for b in inputs.bundles.iter().filter(|_| !cfg.quiet) {
        messages::status(err, format_args!("support bundle: {}", b.summary()));
    }
    let logs = log_sources(cfg, &mut inputs, stdin_is_terminal, err)?;
    let mut results = read_logs(cfg, logs, err)?;
    let unknown = if cfg.verbose {
        unknown_lines(&results)
    } else {
        Vec::new()
    };
    ingest::date_from_run(&mut results);
    // keep input indexes dense for the report
    for (i, r) in results.iter_mut().enumerate() {
        for e in r.events.iter_mut() {
            e.origin.input = i as u32;
        }
    }
    let range = Range::measure(cfg, &mut results)?;
    let listed = listed_members(&inputs.bundles, err);
    let mut model_opts = cfg.model.clone();
    bundle::name_members(&listed, &results, &mut model_opts);
    // the window is a view: everything is analysed, then what meets it is kept
    let view = model::view::View {
        since: range.since,
        until: range.until,
    };
    let filter = model::view::Filter {
        nodes: cfg.nodes.clone(),
        terms: cfg.terms,
        kinds: cfg.kinds.clone(),
    };
    let mut check = NodeCheck::default();
    let mut a = analyze_clusters(
        results,
        cfg,
        &model_opts,
        (view, &filter),
        &mut check,
        |s| bundle::flag_unlogged(s, &listed),
    );
    a.show_raw = cfg.raw;
    for s in a.sections.iter_mut() {
        s.show_raw = cfg.raw;
    }
    add_metrics(cfg, &inputs, range.resolve(cfg.metrics_time), &mut a, err);
    if a.sections.is_empty() {
        conclude(&mut a, view, &filter, &mut check);
    }
    check.verdict(&cfg.nodes).map_err(RunError::Usage)?;
    Ok((a, unknown))
}

/// The logs to read: the inputs' logs and their bundles' logs, or standard input when
/// no input is given and it is not a terminal. Returns them with their bundle tags and
/// every input error so far (the classifier's first); the errors found here are written
/// to `err`.
fn log_sources(
    cfg: &Config,
    inputs: &mut Classified,
    stdin_is_terminal: bool,
    err: &mut dyn Write,
) -> Result<LogSources, RunError> {
    let has_logs = inputs.has_logs();
    let (mut sources, errors) = if !has_logs && !inputs.metric_paths.is_empty() {
        messages::error(
            err,
            "no log among the inputs (only metrics/status files): give the etcd logs too, or use `raftlog metrics`",
        );
        return Err(RunError::NoInput);
    } else if !has_logs && !inputs.errors.is_empty() {
        return Err(RunError::NoInput);
    } else if !has_logs {
        if stdin_is_terminal {
            messages::error(
                err,
                "no input: give log files or directories, or pipe a log in (e.g. cat etcd.log | raftlog timeline)",
            );
            return Err(RunError::NoInput);
        }
        (vec![Source::Stdin], Vec::new())
    } else {
        input::expand(&inputs.log_args)
    };
    let tags = inputs.bundle_sources(&mut sources);
    check_zones(cfg, &sources)?;
    for e in &errors {
        messages::error(err, e);
    }
    let mut all = std::mem::take(&mut inputs.errors);
    all.extend(errors);
    Ok(LogSources {
        sources,
        tags,
        errors: all,
    })
}

/// The logs a run reads, and the inputs it could not read so far.
struct LogSources {
    sources: Vec<Source>,
    /// For each source, its bundle's layout and pod, if it is from a bundle.
    tags: Vec<BundleTag>,
    errors: Vec<error::InputError>,
}

/// A zone for a file that is not read would be silently unused: a typo.
fn check_zones(cfg: &Config, sources: &[Source]) -> Result<(), RunError> {
    for (f, _) in &cfg.ingest.zones {
        if !sources.iter().any(|s| ingest::names_input(f, &s.name())) {
            return Err(RunError::Usage(format!(
                "--assume-tz {f}=...: no input is named {f} (give its path as listed in the inputs, or its file name)"
            )));
        }
    }
    Ok(())
}

/// Read the logs (in parallel, with a progress bar when asked); the results end with a
/// row for each input that could not be read. No result at all is [`RunError::NoInput`].
fn read_logs(
    cfg: &Config,
    logs: LogSources,
    err: &mut dyn Write,
) -> Result<Vec<ingest::InputResult>, RunError> {
    let LogSources {
        sources,
        tags,
        mut errors,
    } = logs;
    let mut results = Vec::new();
    for (read, tag) in read_with_progress(cfg, &sources).into_iter().zip(tags) {
        match read {
            Ok(mut r) => {
                (r.summary.layout, r.summary.pod) = tag.unzip();
                if let Some(e) = &r.summary.error {
                    messages::error(err, e);
                }
                results.push(r);
            }
            Err(e) => {
                messages::error(err, &e);
                errors.push(e);
            }
        }
    }
    if results.is_empty() {
        return Err(RunError::NoInput);
    }
    results.extend(errors.iter().filter_map(unreadable_input));
    Ok(results)
}

fn read_with_progress(
    cfg: &Config,
    sources: &[Source],
) -> Vec<Result<ingest::InputResult, error::InputError>> {
    let mut ingest_opts = cfg.ingest.clone();
    let progress = cfg.progress.then(|| {
        let read = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        ingest_opts.progress = Some(read.clone());
        let total = sources
            .iter()
            .map(|s| match s {
                Source::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
                Source::Stdin | Source::Member { .. } => None,
            })
            .sum::<Option<u64>>();
        progress::Progress::start(read, total)
    });
    let reads = ingest::read_inputs(sources, &ingest_opts);
    if let Some(p) = progress {
        p.finish();
    }
    reads
}

/// `-v`: the unrecognised raft lines of every input.
fn unknown_lines(results: &[ingest::InputResult]) -> Vec<UnknownLine> {
    results
        .iter()
        .flat_map(|r| {
            r.summary
                .unknown_samples
                .iter()
                .map(|(line, msg)| (r.summary.name.clone(), *line, msg.clone()))
        })
        .collect()
}

/// The `--since`/`--until` range on the corrected clock, and the newest line that a
/// duration counts back from.
#[derive(Clone, Copy)]
struct Range {
    since: Option<time::Instant>,
    until: Option<time::Instant>,
    newest: Option<time::Instant>,
}

impl Range {
    /// Resolve the range against the logs (an empty range is a usage error) and drop
    /// the counted-not-kept minutes that do not reach into it (near misses are found
    /// in the view).
    fn measure(cfg: &Config, results: &mut [ingest::InputResult]) -> Result<Range, RunError> {
        // a range is judged on the corrected clock: measure it here too when one is given
        let ranged = cfg.since.is_some() || cfg.until.is_some();
        let clocks = if ranged && cfg.model.clock_correction {
            clock::Clocks::measure(results, cfg.model.skew_tolerance_ms)
        } else {
            clock::Clocks::default()
        };
        let mut range = Range {
            since: None,
            until: None,
            newest: newest_line(results, &clocks),
        };
        (range.since, range.until) = (range.resolve(cfg.since), range.resolve(cfg.until));
        if let (Some(s), Some(u)) = (range.since, range.until) {
            if s > u {
                return Err(RunError::Usage(format!(
                    "--since ({}) is after --until ({}): the range holds nothing",
                    s.rfc3339(),
                    u.rfc3339()
                )));
            }
        }
        for r in results.iter_mut() {
            let only = clock::Clocks::only_member(r);
            r.summary.not_kept_minutes.retain(|k| {
                let (first, last) = (
                    clocks.corrected(k.first_ts, k.node, only),
                    clocks.corrected(k.last_ts, k.node, only),
                );
                range.since.is_none_or(|s| last >= s) && range.until.is_none_or(|u| first <= u)
            });
        }
        Ok(range)
    }

    /// An instant, or a duration counted back from the newest line.
    fn resolve(&self, b: Option<Bound>) -> Option<time::Instant> {
        match b? {
            Bound::At(t) => Some(t),
            Bound::BeforeNewest(ms) => self
                .newest
                .map(|n| time::Instant(n.0.saturating_sub(ms.saturating_mul(1_000_000)))),
        }
    }
}

/// The metrics dumps and etcdctl outputs among the inputs and in the bundles, read and
/// flagged, and checked against the logs when they hold one cluster.
fn add_metrics(
    cfg: &Config,
    inputs: &Classified,
    time: Option<time::Instant>,
    a: &mut model::Analysis,
    err: &mut dyn Write,
) {
    let bundle_status = inputs.bundle_status();
    if inputs.metric_paths.is_empty() && bundle_status.is_empty() {
        return;
    }
    let load = metrics::LoadOptions { time, name: None };
    let mut m_inputs = load_metrics(&inputs.metric_paths, &load, err);
    load_bundle_status(&bundle_status, &load, &mut m_inputs, err);
    dump_times_from_logs(&mut m_inputs, a);
    let hb = max_heartbeat_ms(a);
    let opts = metrics::AnalyzeOptions {
        thresholds: metrics::Thresholds {
            heartbeat_interval_ms: (hb > 0.0).then_some(hb as u64),
            ..metrics::Thresholds::default()
                .with_storm(cfg.model.storm_threshold, cfg.model.storm_window_ms)
        },
        names: a
            .names
            .iter()
            .map(|(k, v)| (event::hex(*k), v.clone()))
            .collect(),
    };
    let m = metrics::analyze(m_inputs, &opts);
    if a.sections.is_empty() {
        diagnose::cross_check(a, &m);
    } else {
        a.report.summary.notes.push(format!(
            "the metrics dumps and etcdctl outputs were not checked against the logs: the logs hold {} clusters",
            a.sections.len()
        ));
    }
    a.metrics = Some(m);
}

/// The time of the newest line, which a relative `--since`/`--until` counts back from,
/// on the corrected clock ([`clock`]): a member whose host logs hours ahead in local time
/// does not move the range off every other line.
fn newest_line(results: &[ingest::InputResult], clocks: &clock::Clocks) -> Option<time::Instant> {
    results
        .iter()
        .flat_map(|r| {
            let only = clock::Clocks::only_member(r);
            r.events
                .iter()
                .filter_map(move |e| Some(clocks.corrected(e.ts?, e.node, only)))
        })
        .max()
}

/// `--node` values against the members of every cluster: a value that names none is a
/// usage error listing them (a typo would otherwise show an empty view).
#[derive(Default)]
struct NodeCheck {
    /// The values that named a member.
    matched: std::collections::BTreeSet<String>,
    /// Every member, `name (id)`.
    members: std::collections::BTreeSet<String>,
}

impl NodeCheck {
    fn see(&mut self, a: &model::Analysis, specs: &[String]) {
        let (_, unknown) = model::view::resolve_nodes(a, specs);
        self.matched.extend(
            specs
                .iter()
                .filter(|s| !unknown.contains(&s.as_str()))
                .cloned(),
        );
        for n in &a.report.nodes {
            self.members.insert(match &n.name {
                Some(name) => format!("{name} ({})", n.id),
                None => n.id.clone(),
            });
        }
    }

    fn verdict(&self, specs: &[String]) -> Result<(), String> {
        let Some(bad) = specs.iter().find(|s| !self.matched.contains(*s)) else {
            return Ok(());
        };
        let list: Vec<&str> = self.members.iter().map(String::as_str).collect();
        Err(format!(
            "--node {bad}: no such member; the members are: {}",
            if list.is_empty() {
                "none seen".to_string()
            } else {
                list.join(", ")
            }
        ))
    }
}

/// What each cluster's analysis ends with: the --since/--until view, then the near
/// misses and the advice over what it shows, then the --node/--term/--kind filter.
fn conclude(
    a: &mut model::Analysis,
    view: model::view::View,
    filter: &model::view::Filter,
    check: &mut NodeCheck,
) {
    model::view::apply(a, view);
    a.report.near_misses = diagnose::near_misses(a);
    a.report.recommendations = diagnose::recommendations(a);
    check.see(a, &filter.nodes);
    model::view::apply_filter(a, filter);
}

/// The model of each cluster among the inputs (see [`cluster`]), each with its
/// recommendations; one analysis as before when the inputs hold one cluster.
fn analyze_clusters(
    results: Vec<ingest::InputResult>,
    cfg: &Config,
    opts: &model::ModelOptions,
    (view, filter): (model::view::View, &model::view::Filter),
    check: &mut NodeCheck,
    each: impl Fn(&mut model::Analysis),
) -> model::Analysis {
    let groups = cluster::group(&results, cfg.cluster_by);
    if groups.len() < 2 {
        let mut a = model::analyze(results, opts);
        each(&mut a);
        return a;
    }
    let sections = cluster::split(results, &groups)
        .into_iter()
        .map(|inputs| {
            let mut s = model::analyze(inputs, opts);
            each(&mut s);
            conclude(&mut s, view, filter, check);
            s
        })
        .collect();
    cluster::combine(sections, &groups)
}

/// Write the output of `cfg`'s command for an analysis: with a width (terminal tables
/// only), every line is fitted to it ([`report::fit`]).
pub fn render(cfg: &Config, a: &model::Analysis, out: &mut dyn Write) -> io::Result<()> {
    let Some(width) = cfg.width else {
        return render_unfitted(cfg, a, out);
    };
    let mut fit = report::fit::FitWriter::new(out, width);
    render_unfitted(cfg, a, &mut fit)?;
    fit.finish()
}

/// The one line a terminal diagnose ends with ([`config::wants_hint`]).
pub const FORMAT_HINT: &str = "more: --format json (whole diagnosis), raftlog report -f md|html";

fn render_unfitted(cfg: &Config, a: &model::Analysis, out: &mut dyn Write) -> io::Result<()> {
    let topt = TableOptions {
        tz: cfg.tz,
        color: cfg.color,
        all: cfg.all,
        width: cfg.width,
    };
    if !a.sections.is_empty() {
        return render_sections(cfg, a, out);
    }
    match (cfg.mode, cfg.format) {
        (Mode::Timeline, Format::Table) => report::table::write_timeline(a, &topt, out),
        (Mode::Diagnose, Format::Table) if cfg.brief => {
            report::diagnose::write_brief(a, &topt, out)
        }
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
        (Mode::Report, Format::Markdown) => report::markdown::write(a, &report_opts(cfg), out),
        (Mode::Report, Format::Html) => report::html::write(a, &report_opts(cfg), out),
        (Mode::Timeline | Mode::Diagnose | Mode::Report, Format::Csv)
        | (Mode::Timeline | Mode::Terms | Mode::Diagnose | Mode::Report, Format::Ndjson)
        | (Mode::Report, Format::Table | Format::Json)
        | (_, Format::Markdown | Format::Html) => {
            Err(io::Error::other("format not available for this command"))
        }
    }
}

/// [`render`] for a run whose inputs hold several clusters: one section per cluster
/// ([`report::clusters`]).
fn render_sections(cfg: &Config, a: &model::Analysis, out: &mut dyn Write) -> io::Result<()> {
    use report::clusters as c;
    let md = |s: &str| format!("# {}", report::markdown::md_text(s));
    match (cfg.mode, cfg.format) {
        (Mode::Timeline | Mode::Terms | Mode::Diagnose, Format::Json) => {
            c::write_document(a, cfg.with_events, out)
        }
        (Mode::Events, Format::Json) => c::write_event_array(a, out),
        (Mode::Events, Format::Ndjson) => c::write_ndjson(a, out),
        (Mode::Events, Format::Csv) => c::write_csv(a, report::csv::write_events, out),
        (Mode::Terms, Format::Csv) => c::write_csv(a, report::csv::write_terms, out),
        (Mode::Report, Format::Html) => c::write_html(a, &report_opts(cfg), out),
        (Mode::Report, Format::Markdown) => c::write_sections(
            a,
            cfg.tz,
            md,
            &|s, w| report::markdown::write(s, &report_opts(cfg), w),
            out,
        ),
        (_, Format::Table) => c::write_sections(
            a,
            cfg.tz,
            sanitize::terminal,
            &|s, w| render_unfitted(cfg, s, w),
            out,
        ),
        _ => render_unfitted(cfg, &a.sections[0], out),
    }
}

fn report_opts(cfg: &Config) -> report::markdown::ReportOptions {
    report::markdown::ReportOptions {
        tz: cfg.tz,
        max_rows: 50,
        redacted: cfg.redact,
    }
}

/// Write `render`'s output to `path` without destroying what it names (see [`output`]):
/// regular files are replaced atomically (an interrupted or failed run leaves no partial
/// report), devices and FIFOs are written in place.
pub fn render_to_file(cfg: &Config, a: &model::Analysis, path: &str) -> io::Result<()> {
    output::write_with(path, |w| render(cfg, a, w))
}

/// Ctrl-C: stop at once (status 130), removing a half-written `--output` file first.
pub mod interrupt {
    use std::path::PathBuf;
    use std::sync::Mutex;

    static TEMP: Mutex<Option<PathBuf>> = Mutex::new(None);

    /// Register (or clear) the temporary file to delete if the run is interrupted.
    pub fn remove_on_interrupt(p: Option<PathBuf>) {
        if let Ok(mut t) = TEMP.lock() {
            *t = p;
        }
    }

    /// Install the SIGINT/SIGTERM handler (once, from `main`).
    pub fn install() {
        let _ = ctrlc::set_handler(|| {
            if let Ok(t) = TEMP.lock() {
                if let Some(p) = t.as_ref() {
                    let _ = std::fs::remove_file(p);
                }
            }
            crate::messages::status(&mut std::io::stderr(), "interrupted");
            std::process::exit(130);
        });
    }
}

/// The longest heartbeat interval the members' logs configured (0 when none did).
fn max_heartbeat_ms(a: &model::Analysis) -> f64 {
    a.report
        .nodes
        .iter()
        .filter_map(|n| n.heartbeat_interval_ms)
        .fold(0.0f64, f64::max)
}

/// One-line summary of what was read, for stderr.
pub fn read_summary(a: &model::Analysis) -> String {
    let r = &a.report;
    let lines: u64 = r.inputs.iter().map(|i| i.lines).sum();
    let events: u64 = r.inputs.iter().map(|i| i.events).sum();
    let read = r.inputs.iter().filter(|i| !i.unreadable).count();
    let mut skipped: std::collections::BTreeMap<&str, u64> = Default::default();
    for i in &r.inputs {
        for (k, v) in &i.skipped {
            *skipped.entry(k.as_str()).or_default() += v;
        }
    }
    let total: u64 = skipped.values().sum();
    let mut s = format!(
        "raftlog: read {} input{}, {} lines, {} events, {} member{} ({} with logs)",
        read,
        if read == 1 { "" } else { "s" },
        lines,
        events,
        r.summary.members,
        if r.summary.members == 1 { "" } else { "s" },
        r.summary.members_with_logs
    );
    if read < r.inputs.len() {
        s.push_str(&format!("; {} could not be read", r.inputs.len() - read));
    }
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
    let far: u64 = r
        .inputs
        .iter()
        .flat_map(|i| i.evidence_not_kept.values())
        .sum();
    if far > 0 {
        s.push_str(&format!(
            "; {far} slow-request warning(s) more than {} s from any election counted, not kept",
            ingest::KEEP_AROUND_S
        ));
    }
    let dups: u64 = r.inputs.iter().map(|i| i.duplicate_events).sum();
    if dups > 0 {
        s.push_str(&format!(
            "; {dups} duplicate event(s) from overlapping inputs counted once"
        ));
    }
    if events == 0 {
        s.push_str("; no election events found");
    }
    s
}

/// The error of a run in which no input that could be read held a line of any format
/// raftlog knows: nothing to judge, so no verdict is printed. Judged over the whole run:
/// directories and bundles hold other programs' logs, and a quiet member has no raft
/// lines, so one input without etcd lines is normal.
pub fn no_etcd_lines(a: &model::Analysis) -> Option<String> {
    let read: Vec<&report::InputRow> = a.report.inputs.iter().filter(|i| !i.unreadable).collect();
    if read.is_empty() || read.iter().any(|i| !i.formats.is_empty()) {
        return None;
    }
    let mut names: Vec<String> = read.iter().take(5).map(|i| i.name.clone()).collect();
    if read.len() > 5 {
        names.push(format!("and {} more", read.len() - 5));
    }
    let formats: Vec<&str> = ingest::FORMATS.iter().map(|f| f.name()).collect();
    Some(format!(
        "no etcd lines found in {}: formats tried: {}, bare or inside {}; gzip, UTF-16 and terminal colour codes looked through (hint: give etcd's own server log, e.g. journalctl -u etcd, kubectl logs etcd-<node> -n kube-system, or the member's log file)",
        sanitize::terminal(&names.join(", ")),
        formats.join(", "),
        parse::envelope::Wrappers(u16::MAX).names().join(", ")
    ))
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

/// The members of the bundles' member lists; lists that cannot be read are errors on
/// `err`.
fn listed_members(bundles: &[bundle::Bundle], err: &mut dyn Write) -> bundle::Listed {
    let mut listed = bundle::Listed::new();
    for b in bundles {
        let (ms, errs) = b.listed_members();
        for e in errs {
            messages::error(err, e);
        }
        for m in ms {
            if !listed.iter().any(|x| x.0 == m.0) {
                listed.push(m);
            }
        }
    }
    listed
}

/// A bundle's etcdctl outputs (member list, endpoint status) read as `--status` files;
/// those of kinds raftlog does not read (endpoint health) are passed over.
fn load_bundle_status(
    srcs: &[Source],
    opts: &metrics::LoadOptions,
    inputs: &mut metrics::Inputs,
    err: &mut dyn Write,
) {
    for src in srcs {
        let name = src.name();
        let res = bundle::open_text(src)
            .map_err(metrics::MetricsError::from)
            .and_then(|mut o| metrics::read_input(o.reader.as_mut(), &name, opts));
        match res {
            Ok((kind, l)) => inputs.push(kind, &name, l),
            Err(metrics::MetricsError::NotRecognised(_)) => {}
            Err(e) => {
                messages::error(err, e);
            }
        }
    }
}

/// Read metrics dumps and etcdctl outputs, reporting errors and malformed lines on `err`.
fn load_metrics(
    paths: &[std::path::PathBuf],
    opts: &metrics::LoadOptions,
    err: &mut dyn Write,
) -> metrics::Inputs {
    let (inputs, errs) = metrics::load(paths, opts);
    for e in &errs {
        messages::error(err, e);
    }
    for s in &inputs.summaries {
        if let Some(w) = s.warning() {
            messages::warning(err, w);
        }
    }
    inputs
}

/// A dump read with logs and no time of its own is dated by the newest line of the same
/// member's log: the logs were collected with the dump, so it was taken at or after it.
fn dump_times_from_logs(inputs: &mut metrics::Inputs, a: &model::Analysis) {
    for d in inputs.dumps.iter_mut().filter(|d| d.time.is_none()) {
        let row = a
            .report
            .nodes
            .iter()
            .find(|n| n.has_log && d.id.as_deref() == Some(n.id.as_str()));
        if let Some(t) = row.and_then(|n| n.last_seen) {
            d.time = Some(t);
            d.time_source = Some(metrics::TimeSource::LastLogLine);
        }
    }
}

/// `--metrics-time` of `raftlog metrics`: an instant (there are no logs to count a
/// duration back from).
fn metrics_time(s: Option<&str>) -> Result<Option<time::Instant>, String> {
    match s.map(|s| config::parse_bound(s, time::Zone::Utc)).transpose() {
        Ok(None) => Ok(None),
        Ok(Some(Bound::At(t))) => Ok(Some(t)),
        Ok(Some(Bound::BeforeNewest(_))) => Err(
            "--metrics-time: a duration counts back from the newest log line and `raftlog metrics` reads no logs: give the time (RFC 3339 or @UNIX-SECONDS)".into(),
        ),
        Err(e) => Err(format!("--metrics-time: {e}")),
    }
}

/// `raftlog metrics`: read dumps and status outputs, flag them, render.
pub fn run_metrics(args: &cli::MetricsArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let err: &mut dyn Write = &mut sanitize::TerminalWriter::new(err);
    let mut names = std::collections::BTreeMap::new();
    for n in &args.names {
        match config::parse_name(n) {
            Ok((id, name)) => {
                names.insert(event::hex(id), name);
            }
            Err(e) => {
                messages::error(err, e);
                return EXIT_ERROR;
            }
        }
    }
    let time = match metrics_time(args.metrics_time.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            messages::error(err, e);
            return EXIT_ERROR;
        }
    };
    let paths: Vec<std::path::PathBuf> = args.inputs.iter().map(std::path::PathBuf::from).collect();
    let load = metrics::LoadOptions { time, name: None };
    let inputs = load_metrics(&paths, &load, err);
    if inputs.summaries.is_empty() {
        messages::error(err, "no metrics dump or etcdctl output could be read");
        return EXIT_ERROR;
    }
    let opts = metrics::AnalyzeOptions {
        thresholds: metrics::Thresholds {
            heartbeat_interval_ms: args.heartbeat_interval.map(|h| h as u64),
            ..metrics::Thresholds::default().with_storm(args.storm_threshold, args.storm_window)
        },
        names,
    };
    let report = metrics::analyze(inputs, &opts);
    let r = match args.format {
        cli::MetricsFormat::Table => metrics::render::write_table(&report, out),
        cli::MetricsFormat::Json => metrics::render::write_json(&report, out),
        cli::MetricsFormat::Csv => metrics::render::write_csv(&report, out),
    };
    match r.and_then(|_| out.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            messages::error(err, format_args!("cannot write output: {e}"));
            EXIT_ERROR
        }
    }
}

/// `raftlog rules`: a Prometheus alerting-rule file.
pub fn run_rules(args: &cli::RulesArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let err: &mut dyn Write = &mut sanitize::TerminalWriter::new(err);
    let parsed = (|| -> Result<metrics::rules::RulesConfig, String> {
        let mut t = metrics::Thresholds {
            wal_fsync_p99_seconds: args.fsync_threshold as f64 / 1000.0,
            backend_commit_p99_seconds: args.commit_threshold as f64 / 1000.0,
            ..metrics::Thresholds::default().with_storm(args.storm_threshold, args.storm_window)
        };
        if let Some(r) = args.rtt_threshold {
            t.peer_rtt_seconds = r as f64 / 1000.0;
        } else if !args.inputs.is_empty() {
            // the heartbeat interval the logs show
            let cli = cli::Cli::try_parse_from(
                ["raftlog", "terms", "-q"]
                    .into_iter()
                    .map(String::from)
                    .chain(args.inputs.iter().cloned()),
            )
            .map_err(|e| e.to_string())?;
            let cfg = Config::from_cli(cli.command)?;
            let a = analyze(&cfg, false, &mut *err).map_err(|e| e.to_string())?;
            let hb = max_heartbeat_ms(&a);
            if hb > 0.0 {
                t.heartbeat_interval_ms = Some(hb as u64);
            }
        }
        let mut rc = metrics::rules::RulesConfig::from(&t);
        rc.selector = args.selector.clone();
        Ok(rc)
    })();
    match parsed {
        Ok(rc) => {
            let text = metrics::rules::rules_yaml(&rc);
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Ok(()) => EXIT_OK,
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
                Err(e) => {
                    messages::error(err, format_args!("cannot write output: {e}"));
                    EXIT_ERROR
                }
            }
        }
        Err(e) => {
            messages::error(err, e);
            EXIT_ERROR
        }
    }
}

/// Run a whole command: analyse, render to `out`, report on `err`; returns the exit
/// status. A closed output pipe ends the run quietly with status 0.
///
/// Everything written to `err` goes through [`sanitize::TerminalWriter`]. With
/// `--redact`, the analysis is redacted once, before any output (stdout, `--output`,
/// and the summary and `-v` lines on stderr) is written.
pub fn run(cfg: &Config, stdin_is_terminal: bool, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let err: &mut dyn Write = &mut sanitize::TerminalWriter::new(err);
    if let Err(e) = check_output_path(cfg) {
        messages::error(err, e);
        return EXIT_ERROR;
    }
    let (mut a, mut unknown) = match analyze_listing_unknown(cfg, stdin_is_terminal, err) {
        Ok(a) => a,
        Err(RunError::NoInput) => return EXIT_ERROR,
        Err(e) => {
            messages::error(err, e);
            return EXIT_ERROR;
        }
    };
    if cfg.redact {
        redact_all(cfg, &mut a, &mut unknown);
    }
    write_unknown(&unknown, err);
    if !cfg.quiet {
        write_read_notes(&a, err);
    }
    if let Some(msg) = no_etcd_lines(&a) {
        messages::error(err, msg);
        return EXIT_ERROR;
    }
    if let Some(code) = write_output(cfg, &a, out, err) {
        return code;
    }
    exit_status(cfg, &a, err)
}

/// `--output` must not name one of the inputs (it would be replaced before it is read).
fn check_output_path(cfg: &Config) -> Result<(), String> {
    let Some(path) = &cfg.output else {
        return Ok(());
    };
    let inputs: Vec<&str> = cfg
        .inputs
        .iter()
        .chain(&cfg.metrics)
        .chain(&cfg.status)
        .map(String::as_str)
        .collect();
    output::check_not_input(path, &inputs)
}

/// `--redact`: the analysis and the `-v` lines, before anything is written.
fn redact_all(cfg: &Config, a: &mut model::Analysis, unknown: &mut [UnknownLine]) {
    let mut r = redact::Redactor::new(cfg.redact_names);
    // the clusters first: their lines teach the redactor what the rows together
    // (copies of their rows) must hide
    for s in a.sections.iter_mut() {
        r.apply(s);
    }
    r.apply(a);
    for (input, _, msg) in unknown.iter_mut() {
        *input = r.input_label(input);
        *msg = r.text(msg);
    }
}

/// The summary line, then per input the notes on its dates and order and the events
/// tied to no member.
fn write_read_notes(a: &model::Analysis, err: &mut dyn Write) {
    let _ = writeln!(err, "{}", read_summary(a));
    for i in &a.report.inputs {
        if let Some(n) = &i.year_note {
            messages::note(err, format_args!("{}: {}", i.name, n));
        }
        if i.newest_first {
            messages::note(
                err,
                format_args!("{}: {}", i.name, model::NEWEST_FIRST_NOTE),
            );
        }
        if i.unattributed > 0 {
            messages::warning(
                err,
                format_args!(
                    "{}: {} event(s) tied to no member (their lines name none, and lines of several members are interleaved with no prefix naming the pod, or no line names the member): counted as unattributed, not guessed",
                    i.name, i.unattributed
                ),
            );
        }
    }
}

/// Render to `--output` or to `out`; returns the exit status when the run ends here
/// (an output that cannot be written, or a closed pipe).
fn write_output(
    cfg: &Config,
    a: &model::Analysis,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Option<i32> {
    if let Some(path) = &cfg.output {
        if let Err(e) = render_to_file(cfg, a, path) {
            messages::error(err, format_args!("cannot write output: {path}: {e}"));
            return Some(EXIT_ERROR);
        }
        return None;
    }
    let hint = |out: &mut dyn Write| {
        if cfg.hint {
            writeln!(out, "\n{FORMAT_HINT}")?;
        }
        Ok(())
    };
    match render(cfg, a, out)
        .and_then(|_| hint(out))
        .and_then(|_| out.flush())
    {
        Ok(()) => None,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Some(EXIT_OK),
        Err(e) => {
            messages::error(err, format_args!("cannot write output: {e}"));
            Some(EXIT_ERROR)
        }
    }
}

/// The status of a run whose output was written: the `--fail-on` findings, and inputs
/// that could not be read in full.
fn exit_status(cfg: &Config, a: &model::Analysis, err: &mut dyn Write) -> i32 {
    let failed = failed_conditions(cfg, a);
    if !failed.is_empty() && !cfg.quiet {
        messages::status(
            err,
            format_args!(
                "--fail-on: found {}",
                failed
                    .iter()
                    .map(|f| format!("{f:?}").to_lowercase())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    // as ripgrep: the others were analysed and printed, the status still tells
    let unread = a.report.inputs.iter().filter(|i| i.error.is_some()).count();
    if unread > 0 && !cfg.ignore_unreadable {
        if !cfg.quiet {
            messages::status(
                err,
                format_args!(
                    "{unread} input{} could not be read in full (named above): exit status 2 (--ignore-unreadable: 0)",
                    if unread == 1 { "" } else { "s" }
                ),
            );
        }
        return EXIT_ERROR;
    }
    if failed.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDING
    }
}
