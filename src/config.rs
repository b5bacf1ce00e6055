//! Raw command line → validated configuration.

use crate::cli::{ColorWhen, Command, Common, FailOn, Format, TermRange};
use crate::event::NodeId;
use crate::ingest::IngestOptions;
use crate::model::ModelOptions;
use crate::time::{parse_iso, Instant, Zone};
use std::collections::BTreeMap;
use std::io::IsTerminal;

/// Storms: this many unplanned leader changes within [`STORM_WINDOW_MS`] make one. The
/// log commands, `raftlog metrics` and `raftlog rules` share these defaults, so that a
/// storm means the same in a diagnosis, a metrics flag and an alert.
pub const STORM_THRESHOLD: u64 = 4;

/// The storm window, milliseconds (as `--storm-window` gives it).
pub const STORM_WINDOW_MS: i64 = 15 * 60 * 1000;

/// [`STORM_WINDOW_MS`] as `--help` shows it (a unit test holds the two together).
pub const STORM_WINDOW: &str = "15m";

/// Largest `--storm-threshold`.
pub const STORM_THRESHOLD_MAX: u64 = 1_000_000;

/// Which command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `raftlog timeline`
    Timeline,
    /// `raftlog terms`
    Terms,
    /// `raftlog events`
    Events,
    /// `raftlog diagnose`
    Diagnose,
    /// `raftlog report`
    Report,
}

/// A time bound: absolute, or relative to the newest timestamp of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// An instant.
    At(Instant),
    /// This many milliseconds before the newest timestamp in the input.
    BeforeNewest(i64),
}

/// Validated configuration of one run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Command.
    pub mode: Mode,
    /// Inputs as given (`-` = stdin); empty means stdin.
    pub inputs: Vec<String>,
    /// Output format.
    pub format: Format,
    /// Display zone.
    pub tz: Zone,
    /// Colour tables.
    pub color: bool,
    /// Timeline shows every event.
    pub all: bool,
    /// JSON includes events.
    pub with_events: bool,
    /// Events include raw lines.
    pub raw: bool,
    /// No stderr summary.
    pub quiet: bool,
    /// Show a progress bar on stderr for inputs that take a while (set by the binary when
    /// stderr is a terminal and `--quiet` is not given).
    pub progress: bool,
    /// List unrecognised lines.
    pub verbose: bool,
    /// `--ignore-unreadable`: inputs that could not be read do not change the exit status.
    pub ignore_unreadable: bool,
    /// Lower bound.
    pub since: Option<Bound>,
    /// Upper bound.
    pub until: Option<Bound>,
    /// Parsing options.
    pub ingest: IngestOptions,
    /// Analysis options.
    pub model: ModelOptions,
    /// `--cluster-by`.
    pub cluster_by: crate::cluster::ClusterBy,
    /// `--fail-on`.
    pub fail_on: Vec<FailOn>,
    /// `--metrics` inputs.
    pub metrics: Vec<String>,
    /// `--status` inputs.
    pub status: Vec<String>,
    /// `--metrics-time`: when the metrics dumps were taken.
    pub metrics_time: Option<Bound>,
    /// `--output FILE` (report).
    pub output: Option<String>,
    /// `--redact`.
    pub redact: bool,
    /// `--redact-names`.
    pub redact_names: bool,
    /// Columns to fit the table output to (`--width`, `COLUMNS`, the terminal); `None`:
    /// whole lines (`--wide`, piped output, and every format but the tables).
    pub width: Option<usize>,
    /// `diagnose --brief`: one screen.
    pub brief: bool,
    /// End a terminal diagnose with a line pointing at the other formats.
    pub hint: bool,
    /// `--node`: names or hex IDs of the members shown (empty: all).
    pub nodes: Vec<String>,
    /// `--term`: the terms shown.
    pub terms: Option<TermRange>,
    /// `--kind`: the event kinds shown (empty: all).
    pub kinds: Vec<String>,
}

/// The width output is fitted to: `--wide` never; else `--width`; else `COLUMNS` (a
/// positive number; anything else is ignored, as shells leave it stale or empty); else the
/// terminal's width when standard output is one. Never below [`MIN_WIDTH`].
///
/// [`MIN_WIDTH`]: crate::report::fit::MIN_WIDTH
pub fn resolve_width(
    flag: Option<u16>,
    wide: bool,
    columns: Option<&str>,
    terminal: Option<usize>,
) -> Option<usize> {
    if wide {
        return None;
    }
    let from_env = columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    flag.map(usize::from)
        .or(from_env)
        .or(terminal)
        .map(|w| w.max(crate::report::fit::MIN_WIDTH))
}

/// Whether a run ends with the hint at the other formats: a terminal reading a
/// diagnose table (piped output and files stay as they are, byte for byte).
pub fn wants_hint(mode: Mode, format: Format, stdout_tty: bool, to_file: bool) -> bool {
    mode == Mode::Diagnose && format == Format::Table && stdout_tty && !to_file
}

/// The terminal's width in columns, when standard output is a terminal.
fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    // a pseudo-terminal nobody sized reports 0 columns: no width then
    terminal_size::terminal_size()
        .map(|(w, _)| usize::from(w.0))
        .filter(|&w| w > 0)
}

/// `--kind` names checked against the event kinds.
fn check_kinds(kinds: &[String]) -> Result<(), String> {
    for k in kinds {
        if !crate::event::KIND_NAMES.contains(&k.as_str()) {
            return Err(format!(
                "--kind {k}: no such event kind; the kinds are: {}",
                crate::event::KIND_NAMES.join(", ")
            ));
        }
    }
    Ok(())
}

/// Parse a duration like `15m`, `2h30m`, `5s`, `500ms` into milliseconds.
/// A negative duration is an error: no option counts backwards from its reference.
pub fn parse_duration_ms(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if t.starts_with('-') {
        return Err(format!("'{s}' is negative: write a positive duration"));
    }
    if t.chars().all(|c| c.is_ascii_digit()) && !t.is_empty() {
        return Err(format!("'{s}' has no unit: write e.g. {t}s, {t}m or {t}h"));
    }
    humantime::parse_duration(t)
        .map(|d| d.as_millis().min(i64::MAX as u128) as i64)
        .map_err(|e| format!("invalid duration '{s}': {e} (examples: 500ms, 5s, 15m, 2h30m)"))
}

/// Parse a `--since`/`--until`/`--metrics-time` value in display zone `tz`.
pub fn parse_bound(s: &str, tz: Zone) -> Result<Bound, String> {
    let t = s.trim();
    if let Some(rest) = t.strip_prefix('@') {
        let secs: f64 = rest
            .parse()
            .map_err(|_| format!("invalid time '{s}': @ must be followed by Unix seconds"))?;
        return Ok(Bound::At(Instant((secs * 1e9) as i64)));
    }
    if let Some((rt, n)) = parse_iso(t.as_bytes()) {
        if n == t.len() {
            return Ok(Bound::At(match rt.offset {
                Some(_) => rt.instant(Zone::Utc),
                None => tz.to_instant(rt.naive),
            }));
        }
    }
    // `YYYY-MM-DD HH:MM`, `YYYY-MM-DD`
    for (fmt, add) in [
        ("%Y-%m-%d %H:%M", ""),
        ("%Y-%m-%dT%H:%M", ""),
        ("%Y-%m-%d", " 00:00"),
    ] {
        let candidate = format!("{t}{add}");
        let f = if add.is_empty() {
            fmt.to_string()
        } else {
            "%Y-%m-%d %H:%M".to_string()
        };
        if let Ok(nd) = chrono::NaiveDateTime::parse_from_str(&candidate, &f) {
            return Ok(Bound::At(tz.to_instant(nd)));
        }
    }
    if let Some(d) = t.strip_prefix('-') {
        if parse_duration_ms(d).is_ok() {
            return Err(format!(
                "'{s}' is negative: a duration already counts back from the newest log line (write {d})"
            ));
        }
    }
    match parse_duration_ms(t) {
        Ok(ms) => Ok(Bound::BeforeNewest(ms)),
        Err(_) => Err(format!(
            "invalid time '{s}': use RFC 3339 (2024-07-24T16:50:41Z), 'YYYY-MM-DD HH:MM', @UNIX-SECONDS, or a duration like 2h (before the newest log line)"
        )),
    }
}

/// An empty range is a usage error: absolute bounds are compared here, and so are two
/// durations (both count back from the same newest line); mixed forms are compared once
/// the newest line is known (`analyze`).
fn check_range(since: Option<Bound>, until: Option<Bound>) -> Result<(), String> {
    let inverted = match (since, until) {
        (Some(Bound::At(s)), Some(Bound::At(u))) => s > u,
        (Some(Bound::BeforeNewest(s)), Some(Bound::BeforeNewest(u))) => s < u,
        _ => false,
    };
    if inverted {
        return Err("--since is after --until: the range holds nothing".into());
    }
    Ok(())
}

/// Parse `--name ID=NAME`.
pub fn parse_name(s: &str) -> Result<(NodeId, String), String> {
    let (id, name) = s.split_once('=').ok_or_else(|| {
        format!("invalid --name '{s}': write ID=NAME, e.g. 8e9e05c52164694d=etcd-0")
    })?;
    let id = id.trim().trim_start_matches("0x");
    if id.is_empty() || id.len() > 16 {
        return Err(format!(
            "invalid --name '{s}': the ID must be 1 to 16 hex digits"
        ));
    }
    let n = u64::from_str_radix(id, 16)
        .map_err(|_| format!("invalid --name '{s}': the ID must be hex as etcd prints it"))?;
    if name.trim().is_empty() {
        return Err(format!("invalid --name '{s}': the name is empty"));
    }
    Ok((n, name.trim().to_string()))
}

/// The shared options that do nothing for a command (hidden from its help): refused with
/// what they are for, rather than silently ignored.
/// `--assume-tz` values: ZONE for every input (the last one given), FILE=ZONE for one.
fn parse_assume_tz(values: &[String]) -> Result<(Zone, Vec<(String, Zone)>), String> {
    let mut all = Zone::Utc;
    let mut one = Vec::new();
    for v in values {
        match v.rsplit_once('=') {
            Some((file, zone)) if !file.is_empty() => {
                let z = Zone::parse(zone).map_err(|e| format!("--assume-tz {v}: {e}"))?;
                one.push((file.to_string(), z));
            }
            _ => all = Zone::parse(v).map_err(|e| format!("--assume-tz: {e}"))?,
        }
    }
    Ok((all, one))
}

fn refuse_unused(mode: Mode, c: &Common) -> Result<(), String> {
    if c.all && mode != Mode::Timeline {
        return Err("--all is for `raftlog timeline` (every event, not only the election steps); `raftlog events` lists every event already".into());
    }
    if c.events && matches!(mode, Mode::Events | Mode::Report) {
        return Err("--events adds the events array to a JSON document of timeline, terms or diagnose; `raftlog events` lists them itself".into());
    }
    if c.brief && mode != Mode::Diagnose {
        return Err("--brief is for `raftlog diagnose` (a one-screen diagnosis)".into());
    }
    if !c.kind.is_empty() && !matches!(mode, Mode::Events | Mode::Timeline) {
        return Err("--kind is for `raftlog events` and `raftlog timeline` (the event rows); use --node or --term here".into());
    }
    if (c.width.is_some() || c.wide) && mode == Mode::Report {
        return Err(
            "--width and --wide are for the terminal tables; a report is never fitted".into(),
        );
    }
    if c.raw && mode == Mode::Report {
        return Err("--raw is for `raftlog events` (and JSON --events); a report quotes its evidence lines already".into());
    }
    Ok(())
}

impl Config {
    /// Validate a parsed command line. Errors are usage errors (exit 2); when several
    /// things are wrong, the first in the order below is reported.
    pub fn from_cli(cmd: Command) -> Result<Config, String> {
        let (mode, c) = mode_of(cmd)?;
        refuse_unused(mode, &c)?;
        let tz = if c.utc {
            Zone::Utc
        } else {
            Zone::parse(&c.tz).map_err(|e| format!("--tz: {e}"))?
        };
        let (assume_tz, zones) = parse_assume_tz(&c.assume_tz)?;
        let format = checked_format(mode, &c)?;
        let names = parse_names(&c.names)?;
        let color = wants_color(c.color) && format == Format::Table;
        let bound = |flag: &str, v: &Option<String>| {
            v.as_deref()
                .map(|s| parse_bound(s, tz))
                .transpose()
                .map_err(|e| format!("{flag}: {e}"))
        };
        let since = bound("--since", &c.since)?;
        let until = bound("--until", &c.until)?;
        check_range(since, until)?;
        let columns = std::env::var("COLUMNS").ok();
        let width = resolve_width(c.width, c.wide, columns.as_deref(), terminal_width())
            .filter(|_| format == Format::Table);
        let to_file = c.output.as_deref().is_some_and(|o| o != "-");
        let hint = wants_hint(mode, format, std::io::stdout().is_terminal(), to_file);
        let metrics_time = bound("--metrics-time", &c.metrics_time)?;
        let ingest = ingest_options(mode, &c, assume_tz, zones);
        let model = model_options(&c, names);
        Ok(Config {
            mode,
            inputs: c.inputs,
            format,
            tz,
            color,
            all: c.all,
            with_events: c.events,
            raw: c.raw,
            quiet: c.quiet,
            progress: false,
            verbose: c.verbose,
            ignore_unreadable: c.ignore_unreadable,
            since,
            until,
            ingest,
            model,
            cluster_by: match c.cluster_by {
                crate::cli::ClusterBy::Auto => crate::cluster::ClusterBy::Auto,
                crate::cli::ClusterBy::Id => crate::cluster::ClusterBy::Id,
                crate::cli::ClusterBy::Input => crate::cluster::ClusterBy::Input,
            },
            fail_on: c.fail_on,
            metrics: c.metrics,
            status: c.status,
            metrics_time,
            output: c.output.filter(|o| o != "-"),
            redact: c.redact,
            redact_names: c.redact_names,
            width,
            brief: c.brief,
            hint,
            nodes: c.node,
            terms: c.term,
            kinds: c.kind,
        })
    }
}

/// The log command and its options; the other commands are configured by their own
/// arguments.
fn mode_of(cmd: Command) -> Result<(Mode, Common), String> {
    Ok(match cmd {
        Command::Timeline(c) => (Mode::Timeline, c),
        Command::Terms(c) => (Mode::Terms, c),
        Command::Events(c) => (Mode::Events, c),
        Command::Diagnose(c) => (Mode::Diagnose, c),
        Command::Report(c) => (Mode::Report, c),
        Command::Metrics(_) | Command::Rules(_) | Command::Completions(_) | Command::Man => {
            return Err("internal: this command has its own configuration".into())
        }
    })
}

/// The output format: the command's default, or `--format` when the command writes it;
/// then the options that need a particular format.
fn checked_format(mode: Mode, c: &Common) -> Result<Format, String> {
    let format = format_of(mode, c.format)?;
    if c.brief && format != Format::Table {
        return Err("--brief is a terminal view; --format json holds the whole diagnosis".into());
    }
    check_kinds(&c.kind)?;
    if matches!(mode, Mode::Timeline | Mode::Diagnose) && format == Format::Csv {
        return Err("this command has no CSV form: use `raftlog events --format csv` or `raftlog terms --format csv`".into());
    }
    Ok(format)
}

fn format_of(mode: Mode, given: Option<Format>) -> Result<Format, String> {
    Ok(match (mode, given) {
        (Mode::Report, None) => Format::Markdown,
        (Mode::Report, Some(f @ (Format::Markdown | Format::Html))) => f,
        (Mode::Report, Some(_)) => {
            return Err("report writes --format markdown or html (for JSON use `raftlog diagnose --format json`)".into())
        }
        (_, Some(Format::Markdown | Format::Html)) => {
            return Err("--format markdown and html are for `raftlog report`".into())
        }
        (Mode::Events, None) => Format::Ndjson,
        (_, None) => Format::Table,
        (Mode::Events, Some(f)) => f,
        (_, Some(Format::Ndjson)) => {
            return Err("--format ndjson is for `raftlog events`; use --format json here".into())
        }
        (_, Some(f)) => f,
    })
}

/// `--name ID=NAME` values.
fn parse_names(values: &[String]) -> Result<BTreeMap<NodeId, String>, String> {
    let mut names = BTreeMap::new();
    for n in values {
        let (id, name) = parse_name(n)?;
        names.insert(id, name);
    }
    Ok(names)
}

/// `--color`: `auto` colours a terminal unless `NO_COLOR` is set (no-color.org).
fn wants_color(when: ColorWhen) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

fn ingest_options(
    mode: Mode,
    c: &Common,
    assume_tz: Zone,
    zones: Vec<(String, Zone)>,
) -> IngestOptions {
    IngestOptions {
        assume_tz,
        zones,
        year: c.year,
        // diagnose and report quote the evidence lines
        keep_raw: c.raw || matches!(mode, Mode::Diagnose | Mode::Report),
        samples: if c.verbose { 20 } else { 0 },
        threads: c.threads.map_or(0, usize::from),
        progress: None,
    }
}

fn model_options(c: &Common, names: BTreeMap<NodeId, String>) -> ModelOptions {
    ModelOptions {
        storm_window_ms: c.storm_window,
        storm_threshold: c.storm_threshold,
        leaderless_threshold_ms: c.leaderless_threshold,
        skew_tolerance_ms: c.skew_tolerance,
        clock_correction: !c.no_clock_correction,
        names,
        fallback_names: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storm_window_default_is_one_value() {
        assert_eq!(parse_duration_ms(STORM_WINDOW).unwrap(), STORM_WINDOW_MS);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("15m").unwrap(), 900_000);
        assert_eq!(parse_duration_ms("500ms").unwrap(), 500);
        assert_eq!(parse_duration_ms("2h30m").unwrap(), 9_000_000);
        assert!(parse_duration_ms("15").is_err());
        assert!(parse_duration_ms("-5s").is_err());
    }

    #[test]
    fn bounds() {
        assert_eq!(
            parse_bound("2h", Zone::Utc).unwrap(),
            Bound::BeforeNewest(7_200_000)
        );
        // a negative duration is refused, not read as its opposite
        let e = parse_bound("-2h", Zone::Utc).unwrap_err();
        assert!(e.contains("write 2h"), "{e}");
        match parse_bound("2024-07-24T16:50:41Z", Zone::Utc).unwrap() {
            Bound::At(t) => assert_eq!(t.rfc3339(), "2024-07-24T16:50:41.000Z"),
            b => panic!("{b:?}"),
        }
        match parse_bound("2024-07-24 16:50", Zone::Fixed(3600)).unwrap() {
            Bound::At(t) => assert_eq!(t.rfc3339(), "2024-07-24T15:50:00.000Z"),
            b => panic!("{b:?}"),
        }
        assert!(parse_bound("yesterday", Zone::Utc).is_err());
    }

    #[test]
    fn width_order_flag_columns_terminal() {
        assert_eq!(resolve_width(None, false, None, None), None);
        assert_eq!(resolve_width(None, false, None, Some(120)), Some(120));
        assert_eq!(resolve_width(None, false, Some("80"), Some(120)), Some(80));
        assert_eq!(
            resolve_width(Some(100), false, Some("80"), Some(120)),
            Some(100)
        );
        assert_eq!(resolve_width(Some(100), true, Some("80"), Some(120)), None);
        // a stale or empty COLUMNS is not a width
        assert_eq!(resolve_width(None, false, Some(""), None), None);
        assert_eq!(resolve_width(None, false, Some("0"), Some(90)), Some(90));
        assert_eq!(resolve_width(None, false, Some("wide"), None), None);
        assert_eq!(resolve_width(Some(10), false, None, None), Some(40));
    }

    #[test]
    fn hint_only_for_a_terminal_diagnose_table() {
        assert!(wants_hint(Mode::Diagnose, Format::Table, true, false));
        assert!(!wants_hint(Mode::Diagnose, Format::Table, false, false));
        assert!(!wants_hint(Mode::Diagnose, Format::Table, true, true));
        assert!(!wants_hint(Mode::Diagnose, Format::Json, true, false));
        assert!(!wants_hint(Mode::Timeline, Format::Table, true, false));
    }

    #[test]
    fn names() {
        assert_eq!(
            parse_name("8e9e05c52164694d=etcd-0").unwrap(),
            (0x8e9e05c52164694d, "etcd-0".into())
        );
        assert!(parse_name("zz=x").is_err());
        assert!(parse_name("abc").is_err());
    }
}
