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
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod diagnose;
pub mod error;
pub mod event;
pub mod export;
pub mod ingest;
pub mod input;
pub mod lives;
pub mod metrics;
pub mod model;
pub mod output;
pub mod parse;
pub mod progress;
pub mod redact;
pub mod report;
pub mod sanitize;
pub mod time;

use clap::Parser;
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

/// The inputs of a run sorted by kind: metrics/status files, logs, and what could not be
/// read (or held no etcd log) with why.
struct Gathered {
    metric_paths: Vec<std::path::PathBuf>,
    log_args: Vec<String>,
    errors: Vec<error::InputError>,
    /// Support bundles (directories or archives) recognised by their layout.
    bundles: Vec<bundle::Bundle>,
}

/// One walk per directory: each file is a metrics/status input, a log, or neither; a
/// file that cannot be opened is an error, never silently neither.
fn gather(cfg: &Config) -> Gathered {
    // metrics dumps and etcdctl outputs among the inputs (by content) or given apart
    let mut g = Gathered {
        metric_paths: cfg
            .metrics
            .iter()
            .chain(cfg.status.iter())
            .map(std::path::PathBuf::from)
            .collect(),
        log_args: Vec::new(),
        errors: Vec::new(),
        bundles: Vec::new(),
    };
    for a in &cfg.inputs {
        let p = std::path::Path::new(a);
        if a != "-" && p.is_file() && bundle::is_archive(p) {
            match bundle::scan_archive(p) {
                Ok(b) => g.add_bundle(b),
                Err(e) => g.errors.push(e),
            }
            continue;
        }
        if a != "-" && p.is_file() {
            if let Ok(Some(_)) = metrics::detect_path(p) {
                g.metric_paths.push(p.to_path_buf());
                continue;
            }
        }
        if p.is_dir() {
            let (before, errors_before) = (g.log_args.len(), g.errors.len());
            let (files, e) = input::walk_files(p);
            g.errors.extend(e);
            let rel = bundle::relative(p, &files);
            if let Some(b) = bundle::Bundle::recognise(p, false, &rel) {
                g.add_bundle(b);
                continue;
            }
            for f in files {
                if let Ok(Some(_)) = metrics::detect_path(&f) {
                    g.metric_paths.push(f);
                    continue;
                }
                match input::looks_like_etcd_log(&f) {
                    Ok(true) => g.log_args.push(f.display().to_string()),
                    Ok(false) => {}
                    Err(e) => g.errors.push(e),
                }
            }
            // a directory whose files could not all be read has had its errors named
            if g.log_args.len() == before && g.errors.len() == errors_before {
                g.errors
                    .push(error::InputError::NoLogsInDir(p.to_path_buf()));
            }
            continue;
        }
        g.log_args.push(a.clone());
    }
    g
}

impl Gathered {
    /// A recognised bundle is read when it holds etcd logs, and is an error otherwise.
    fn add_bundle(&mut self, b: bundle::Bundle) {
        if b.logs.is_empty() {
            self.errors.push(error::InputError::NoLogsInBundle {
                path: b.root.clone(),
                layout: b.layout.title(),
            });
        } else {
            self.bundles.push(b);
        }
    }

    /// Whether any log was found (files, directories' logs, bundles' logs).
    fn has_logs(&self) -> bool {
        !self.log_args.is_empty() || !self.bundles.is_empty()
    }
}

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
        let _ = writeln!(
            err,
            "raftlog: unknown raft message: {input}:{line}: {}",
            sanitize::terminal(msg)
        );
    }
}

/// [`analyze`], returning the unrecognised raft lines (with `-v`) instead of writing
/// them, so that they can be redacted first.
pub fn analyze_listing_unknown(
    cfg: &Config,
    stdin_is_terminal: bool,
    err: &mut dyn Write,
) -> Result<(model::Analysis, Vec<UnknownLine>), RunError> {
    check_flag_files(cfg).map_err(RunError::Usage)?;
    let g = gather(cfg);
    let has_logs = g.has_logs();
    let Gathered {
        metric_paths,
        log_args,
        errors: walk_errors,
        bundles,
    } = g;
    for e in &walk_errors {
        let _ = writeln!(err, "raftlog: error: {e}");
    }
    // with the run's summary line: what was read, left out by -q
    for b in bundles.iter().filter(|_| !cfg.quiet) {
        let _ = writeln!(err, "raftlog: support bundle: {}", b.summary());
    }
    let only_metrics = !has_logs && !metric_paths.is_empty();
    let (mut sources, mut errors) = if only_metrics {
        let _ = writeln!(
            err,
            "raftlog: error: no log among the inputs (only metrics/status files): give the etcd logs too, or use `raftlog metrics`"
        );
        return Err(RunError::NoInput);
    } else if !has_logs && !walk_errors.is_empty() {
        return Err(RunError::NoInput);
    } else if !has_logs {
        if stdin_is_terminal {
            let _ = writeln!(
                err,
                "raftlog: error: no input: give log files or directories, or pipe a log in (e.g. cat etcd.log | raftlog timeline)"
            );
            return Err(RunError::NoInput);
        }
        (vec![Source::Stdin], Vec::new())
    } else {
        input::expand(&log_args)
    };
    let tags = bundle_sources(&bundles, &mut sources);
    // a zone for a file that is not read would be silently unused: a typo
    for (f, _) in &cfg.ingest.zones {
        if !sources.iter().any(|s| ingest::names_input(f, &s.name())) {
            return Err(RunError::Usage(format!(
                "--assume-tz {f}=...: no input is named {f} (give its path as listed in the inputs, or its file name)"
            )));
        }
    }
    for e in &errors {
        let _ = writeln!(err, "raftlog: error: {e}");
    }
    errors.splice(0..0, walk_errors);
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
    let reads = ingest::read_inputs(&sources, &ingest_opts);
    if let Some(p) = progress {
        p.finish();
    }
    let mut results = Vec::new();
    for (read, tag) in reads.into_iter().zip(tags) {
        match read {
            Ok(mut r) => {
                (r.summary.layout, r.summary.pod) = tag.unzip();
                if let Some(e) = &r.summary.error {
                    let _ = writeln!(err, "raftlog: error: {e}");
                }
                results.push(r);
            }
            Err(e) => {
                let _ = writeln!(err, "raftlog: error: {e}");
                errors.push(e);
            }
        }
    }
    if results.is_empty() {
        return Err(RunError::NoInput);
    }
    let mut unknown: Vec<UnknownLine> = Vec::new();
    results.extend(errors.iter().filter_map(unreadable_input));
    if cfg.verbose {
        for r in &results {
            for (line, msg) in &r.summary.unknown_samples {
                unknown.push((r.summary.name.clone(), *line, msg.clone()));
            }
        }
    }
    ingest::date_from_run(&mut results);
    // keep input indexes dense for the report
    for (i, r) in results.iter_mut().enumerate() {
        for e in r.events.iter_mut() {
            e.origin.input = i as u32;
        }
    }
    // a range is judged on the corrected clock: measure it here too when one is given
    let ranged = cfg.since.is_some() || cfg.until.is_some();
    let clocks = if ranged && cfg.model.clock_correction {
        clock::Clocks::measure(&results, cfg.model.skew_tolerance_ms)
    } else {
        clock::Clocks::default()
    };
    let newest = newest_line(&results, &clocks);
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
    if let (Some(s), Some(u)) = (since, until) {
        if s > u {
            return Err(RunError::Usage(format!(
                "--since ({}) is after --until ({}): the range holds nothing",
                s.rfc3339(),
                u.rfc3339()
            )));
        }
    }
    // the minutes of lines counted, not kept, that reach into the range (near misses
    // are found in the view)
    for r in results.iter_mut() {
        let only = clock::Clocks::only_member(r);
        r.summary.not_kept_minutes.retain(|k| {
            let (first, last) = (
                clocks.corrected(k.first_ts, k.node, only),
                clocks.corrected(k.last_ts, k.node, only),
            );
            since.is_none_or(|s| last >= s) && until.is_none_or(|u| first <= u)
        });
    }
    let listed = listed_members(&bundles, err);
    let mut model_opts = cfg.model.clone();
    bundle::name_members(&listed, &results, &mut model_opts);
    // the window is a view: everything is analysed, then what meets it is kept
    let view = model::view::View { since, until };
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
    let bundle_status: Vec<Source> = bundles
        .iter()
        .flat_map(|b| b.status_files.iter().map(|f| b.source(f)))
        .collect();
    if !metric_paths.is_empty() || !bundle_status.is_empty() {
        let load = metrics::LoadOptions {
            time: resolve(cfg.metrics_time),
            name: None,
        };
        let mut inputs = load_metrics(&metric_paths, &load, err);
        load_bundle_status(&bundle_status, &load, &mut inputs, err);
        dump_times_from_logs(&mut inputs, &a);
        let hb = max_heartbeat_ms(&a);
        let opts = metrics::AnalyzeOptions {
            thresholds: metrics::Thresholds {
                heartbeat_interval_ms: (hb > 0.0).then_some(hb as u64),
                storm_threshold: cfg.model.storm_threshold as u32,
                storm_window_seconds: (cfg.model.storm_window_ms / 1000).max(1) as u64,
                ..Default::default()
            },
            names: a
                .names
                .iter()
                .map(|(k, v)| (event::hex(*k), v.clone()))
                .collect(),
        };
        let m = metrics::analyze(inputs, &opts);
        if a.sections.is_empty() {
            diagnose::cross_check(&mut a, &m);
        } else {
            a.report.summary.notes.push(format!(
                "the metrics dumps and etcdctl outputs were not checked against the logs: the logs hold {} clusters",
                a.sections.len()
            ));
        }
        a.metrics = Some(m);
    }
    if a.sections.is_empty() {
        conclude(&mut a, view, &filter, &mut check);
    }
    check.verdict(&cfg.nodes).map_err(RunError::Usage)?;
    Ok((a, unknown))
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

/// `--metrics` takes dumps and `--status` etcdctl outputs: a file of another kind given to
/// one of them (a log, most often, placed after the flag) is a usage error naming the
/// flag, rather than an input silently read as something else or not at all.
/// Directories are walked later and keep what they hold.
fn check_flag_files(cfg: &Config) -> Result<(), String> {
    use metrics::InputKind as K;
    let flags = [("--metrics", &cfg.metrics), ("--status", &cfg.status)];
    for (flag, files) in flags {
        for f in files {
            let p = std::path::Path::new(f);
            if f == "-" || p.is_dir() {
                continue;
            }
            let kind = metrics::detect_path(p).map_err(|e| format!("{flag} {f}: {e}"))?;
            let fits = match (flag, kind) {
                ("--metrics", Some(K::Prometheus)) => true,
                ("--status", Some(k)) => k != K::Prometheus,
                _ => false,
            };
            if fits {
                continue;
            }
            let what = match kind {
                Some(k) => format!("it is {}", k.as_str()),
                None if matches!(input::looks_like_etcd_log(p), Ok(true)) => {
                    "it looks like an etcd log: give logs as INPUTs, before or without the flag"
                        .to_string()
                }
                None => "it is none of the kinds raftlog reads".to_string(),
            };
            let wants = if flag == "--metrics" {
                "a Prometheus /metrics dump"
            } else {
                "an `etcdctl endpoint status` or `member list` output"
            };
            return Err(format!(
                "{flag} {f}: not {wants} ({what}); {flag} takes one file per use"
            ));
        }
    }
    Ok(())
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
            eprintln!("raftlog: interrupted");
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

/// The etcd logs of the bundles appended to `sources`; returns, for every source, the
/// layout and the pod or node of those from a bundle.
fn bundle_sources(
    bundles: &[bundle::Bundle],
    sources: &mut Vec<Source>,
) -> Vec<Option<(&'static str, String)>> {
    let mut tags = vec![None; sources.len()];
    for b in bundles {
        for l in &b.logs {
            sources.push(b.source(&l.path));
            tags.push(Some((b.layout.name(), l.label.clone())));
        }
    }
    tags
}

/// The members of the bundles' member lists; lists that cannot be read are errors on
/// `err`.
fn listed_members(bundles: &[bundle::Bundle], err: &mut dyn Write) -> bundle::Listed {
    let mut listed = bundle::Listed::new();
    for b in bundles {
        let (ms, errs) = b.listed_members();
        for e in errs {
            let _ = writeln!(err, "raftlog: error: {e}");
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
                let _ = writeln!(err, "raftlog: error: {e}");
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
        let _ = writeln!(err, "raftlog: error: {e}");
    }
    for s in &inputs.summaries {
        if let Some(w) = s.warning() {
            let _ = writeln!(err, "raftlog: warning: {w}");
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
                let _ = writeln!(err, "raftlog: error: {e}");
                return EXIT_ERROR;
            }
        }
    }
    let time = match metrics_time(args.metrics_time.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(err, "raftlog: error: {e}");
            return EXIT_ERROR;
        }
    };
    let paths: Vec<std::path::PathBuf> = args.inputs.iter().map(std::path::PathBuf::from).collect();
    let load = metrics::LoadOptions { time, name: None };
    let inputs = load_metrics(&paths, &load, err);
    if inputs.summaries.is_empty() {
        let _ = writeln!(
            err,
            "raftlog: error: no metrics dump or etcdctl output could be read"
        );
        return EXIT_ERROR;
    }
    let opts = metrics::AnalyzeOptions {
        thresholds: metrics::Thresholds {
            heartbeat_interval_ms: args.heartbeat_interval.map(|h| h as u64),
            storm_threshold: args.storm_threshold,
            storm_window_seconds: (args.storm_window / 1000).max(1) as u64,
            ..Default::default()
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
            let _ = writeln!(err, "raftlog: error: cannot write output: {e}");
            EXIT_ERROR
        }
    }
}

/// `raftlog rules`: a Prometheus alerting-rule file.
pub fn run_rules(args: &cli::RulesArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let err: &mut dyn Write = &mut sanitize::TerminalWriter::new(err);
    let parsed = (|| -> Result<metrics::rules::RulesConfig, String> {
        let mut t = metrics::Thresholds {
            storm_threshold: args.storm_threshold,
            storm_window_seconds: (args.storm_window / 1000).max(1) as u64,
            wal_fsync_p99_seconds: args.fsync_threshold as f64 / 1000.0,
            backend_commit_p99_seconds: args.commit_threshold as f64 / 1000.0,
            ..Default::default()
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
                    let _ = writeln!(err, "raftlog: error: cannot write output: {e}");
                    EXIT_ERROR
                }
            }
        }
        Err(e) => {
            let _ = writeln!(err, "raftlog: error: {e}");
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
    if let Some(path) = &cfg.output {
        let inputs: Vec<&str> = cfg
            .inputs
            .iter()
            .chain(&cfg.metrics)
            .chain(&cfg.status)
            .map(String::as_str)
            .collect();
        if let Err(e) = output::check_not_input(path, &inputs) {
            let _ = writeln!(err, "raftlog: error: {e}");
            return EXIT_ERROR;
        }
    }
    let (mut a, mut unknown) = match analyze_listing_unknown(cfg, stdin_is_terminal, err) {
        Ok(a) => a,
        Err(RunError::NoInput) => return EXIT_ERROR,
        Err(e) => {
            let _ = writeln!(err, "raftlog: error: {e}");
            return EXIT_ERROR;
        }
    };
    if cfg.redact {
        let mut r = redact::Redactor::new(cfg.redact_names);
        // the clusters first: their lines teach the redactor what the rows together
        // (copies of their rows) must hide
        for s in a.sections.iter_mut() {
            r.apply(s);
        }
        r.apply(&mut a);
        for (input, _, msg) in unknown.iter_mut() {
            *input = r.input_label(input);
            *msg = r.text(msg);
        }
    }
    write_unknown(&unknown, err);
    if !cfg.quiet {
        let _ = writeln!(err, "{}", read_summary(&a));
        for i in &a.report.inputs {
            if let Some(n) = &i.year_note {
                let _ = writeln!(err, "raftlog: note: {}: {}", i.name, n);
            }
            if i.newest_first {
                let _ = writeln!(
                    err,
                    "raftlog: note: {}: {}",
                    i.name,
                    model::NEWEST_FIRST_NOTE
                );
            }
            if i.unattributed > 0 {
                let _ = writeln!(
                    err,
                    "raftlog: warning: {}: {} event(s) tied to no member (their lines name none, and lines of several members are interleaved with no prefix naming the pod, or no line names the member): counted as unattributed, not guessed",
                    i.name, i.unattributed
                );
            }
        }
    }
    if let Some(msg) = no_etcd_lines(&a) {
        let _ = writeln!(err, "raftlog: error: {msg}");
        return EXIT_ERROR;
    }
    if let Some(path) = &cfg.output {
        if let Err(e) = render_to_file(cfg, &a, path) {
            let _ = writeln!(err, "raftlog: error: cannot write output: {path}: {e}");
            return EXIT_ERROR;
        }
    } else {
        let hint = |out: &mut dyn Write| {
            if cfg.hint {
                writeln!(out, "\n{FORMAT_HINT}")?;
            }
            Ok(())
        };
        match render(cfg, &a, out)
            .and_then(|_| hint(out))
            .and_then(|_| out.flush())
        {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return EXIT_OK,
            Err(e) => {
                let _ = writeln!(err, "raftlog: error: cannot write output: {e}");
                return EXIT_ERROR;
            }
        }
    }
    let failed = failed_conditions(cfg, &a);
    if !failed.is_empty() && !cfg.quiet {
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
    // as ripgrep: the others were analysed and printed, the status still tells
    let unread = a.report.inputs.iter().filter(|i| i.error.is_some()).count();
    if unread > 0 && !cfg.ignore_unreadable {
        if !cfg.quiet {
            let _ = writeln!(
                err,
                "raftlog: {unread} input{} could not be read in full (named above): exit status 2 (--ignore-unreadable: 0)",
                if unread == 1 { "" } else { "s" }
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
