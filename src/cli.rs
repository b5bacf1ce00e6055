//! Command line (clap derive). The help text is the user documentation.

use crate::config::parse_duration_ms;
use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

const SECOND: i64 = 1000;
const HOUR: i64 = 3600 * SECOND;
const DAY: i64 = 24 * HOUR;
/// The longest duration option: far beyond any log's span, and far below the ~292 years
/// at which nanosecond arithmetic on it would overflow.
const MAX_DAYS: i64 = 3650;

/// A clap value parser for a duration option: milliseconds within `lo..=hi`. The error
/// (clap prefixes the flag) names the accepted range.
fn duration_in(
    lo: i64,
    hi: i64,
) -> impl Fn(&str) -> Result<i64, String> + Clone + Send + Sync + 'static {
    move |s: &str| {
        let ms = parse_duration_ms(s)?;
        if (lo..=hi).contains(&ms) {
            Ok(ms)
        } else {
            Err(format!(
                "{s} is out of range: accepted {} to {}",
                short(lo),
                short(hi)
            ))
        }
    }
}

/// A bound of a range in the largest unit that divides it (`3650d`, `1h`, `1s`, `0s`).
fn short(ms: i64) -> String {
    match ms {
        0 => "0s".into(),
        _ if ms % DAY == 0 => format!("{}d", ms / DAY),
        _ if ms % HOUR == 0 => format!("{}h", ms / HOUR),
        _ if ms % SECOND == 0 => format!("{}s", ms / SECOND),
        _ => format!("{ms}ms"),
    }
}

/// `--storm-window`: 1 s to 3650 days.
fn storm_window(s: &str) -> Result<i64, String> {
    duration_in(SECOND, MAX_DAYS * DAY)(s)
}

/// `--leaderless-threshold`, `--skew-tolerance`: 0 s to 3650 days.
fn span(s: &str) -> Result<i64, String> {
    duration_in(0, MAX_DAYS * DAY)(s)
}

/// Latency thresholds (`--heartbeat-interval`, `--rtt-threshold`, `--fsync-threshold`,
/// `--commit-threshold`): 1 ms to 1 h.
fn latency(s: &str) -> Result<i64, String> {
    duration_in(1, HOUR)(s)
}

/// `--term`: an inclusive range of terms; `None` ends are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TermRange {
    /// First term shown.
    pub from: Option<u64>,
    /// Last term shown.
    pub to: Option<u64>,
}

impl TermRange {
    /// Whether term `t` is in the range.
    pub fn contains(&self, t: u64) -> bool {
        self.from.is_none_or(|f| t >= f) && self.to.is_none_or(|u| t <= u)
    }
}

impl std::fmt::Display for TermRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.from, self.to) {
            (Some(a), Some(b)) if a == b => write!(f, "{a}"),
            (a, b) => {
                let s = |x: Option<u64>| x.map(|v| v.to_string()).unwrap_or_default();
                write!(f, "{}..{}", s(a), s(b))
            }
        }
    }
}

/// Parse `--term`: `N`, `N..M`, `N..`, `..M`.
pub fn parse_terms(s: &str) -> Result<TermRange, String> {
    let num = |x: &str| -> Result<Option<u64>, String> {
        let x = x.trim();
        if x.is_empty() {
            return Ok(None);
        }
        x.parse::<u64>()
            .map(Some)
            .map_err(|_| format!("'{s}' is not a term or range: write N, N..M, N.. or ..M"))
    };
    let r = match s.split_once("..") {
        None => {
            let n = num(s)?.ok_or_else(|| "a term is needed: N, N..M, N.. or ..M".to_string())?;
            TermRange {
                from: Some(n),
                to: Some(n),
            }
        }
        Some((a, b)) => TermRange {
            from: num(a)?,
            to: num(b)?,
        },
    };
    if let (Some(a), Some(b)) = (r.from, r.to) {
        if a > b {
            return Err(format!("'{s}': {a} is after {b}, the range holds nothing"));
        }
    }
    Ok(r)
}

/// `--version`: the package version and the commit it was built from (build.rs).
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("RAFTLOG_COMMIT"), ")");

const AFTER_HELP: &str = "\
Examples:
  cat etcd.log | raftlog timeline
  raftlog timeline n1.log n2.log.gz n3.log
  raftlog terms --format json must-gather/
  raftlog events --since 2h etcd-*.log | jq 'select(.kind==\"became_leader\")'

Exit codes: 0 analysed (findings do not change it), 1 a --fail-on condition was found,
2 usage error, an input that could not be read (the others are still analysed and
printed; --ignore-unreadable exits 0 then), or no etcd line in any input.";

/// Reconstruct etcd Raft elections from etcd server logs.
///
/// Reads etcd logs in any format etcd has written (zap JSON, zap console, capnslog,
/// raft Go log, journald, CRI, kubectl --timestamps, docker json-file, ...), from files,
/// directories (walked), .gz files or standard input, and tells who campaigned, who
/// voted how, who led each term, how long the cluster had no leader, and which
/// elections came in storms.
#[derive(Debug, Parser)]
#[command(
    name = "raftlog",
    version = VERSION,
    after_help = AFTER_HELP,
    max_term_width = 100
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands. Each lists only the options that change what it prints: the options of
/// the shared set that do nothing for a command are hidden from its help and refused
/// (see `Config::from_cli`).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Merged chronological table of election events (TIME NODE EVENT TERM LEADER), then
    /// the per-term summary, storms, leaderless windows and anomalies.
    #[command(
        after_help = TIMELINE_EXAMPLES,
        mut_arg("brief", hide),
        mut_arg("format", formats(&["table", "json"]))
    )]
    Timeline(Common),
    /// One row per term: leader, when elected, how long the election took, candidates,
    /// votes, how long the leader led.
    #[command(
        after_help = TERMS_EXAMPLES,
        mut_arg("all", hide),
        mut_arg("brief", hide),
        mut_arg("kind", hide),
        mut_arg("format", formats(&["table", "json", "csv"]))
    )]
    Terms(Common),
    /// Normalised events, one JSON object per line (NDJSON) by default.
    #[command(
        after_help = EVENTS_EXAMPLES,
        mut_arg("all", hide),
        mut_arg("brief", hide),
        mut_arg("events", hide),
        mut_arg("format", formats(&["ndjson", "json", "csv", "table"]))
    )]
    Events(Common),
    /// Why the elections happened: storms, the cause and culprit of every election with
    /// the log lines that show it, what it cost, and what to change. Prometheus /metrics
    /// dumps and `etcdctl endpoint status` outputs given among the inputs (or with
    /// --metrics / --status) are used as evidence and cross-checked.
    #[command(
        after_help = DIAGNOSE_EXAMPLES,
        mut_arg("all", hide),
        mut_arg("kind", hide),
        mut_arg("format", formats(&["table", "json"]))
    )]
    Diagnose(Common),
    /// Ticket-ready report: Markdown (default) or one self-contained HTML file with a
    /// swimlane timeline of who led when; --output FILE, --redact for sharing.
    #[command(
        after_help = REPORT_EXAMPLES,
        mut_arg("all", hide),
        mut_arg("events", hide),
        mut_arg("raw", hide),
        mut_arg("color", hide),
        mut_arg("width", hide),
        mut_arg("wide", hide),
        mut_arg("brief", hide),
        mut_arg("kind", hide),
        mut_arg("format", formats(&["markdown", "html"]))
    )]
    Report(Common),
    /// Per-member and per-peer figures from Prometheus /metrics dumps and `etcdctl
    /// endpoint status` / `member list` outputs, flagged against etcd's guidance (WAL
    /// fsync p99 < 10 ms, backend commit p99 < 25 ms, peer RTT, leader changes, failed
    /// proposals).
    #[command(after_help = METRICS_EXAMPLES)]
    Metrics(MetricsArgs),
    /// Prometheus alerting rules for the conditions raftlog checks.
    #[command(after_help = RULES_EXAMPLES)]
    Rules(RulesArgs),
    /// A completion script for a shell, on standard output.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// The manual page (roff), on standard output.
    #[command(after_help = "Example:\n  raftlog man > /usr/local/share/man/man1/raftlog.1")]
    Man,
}

fn hide(a: clap::Arg) -> clap::Arg {
    a.hide(true)
}

/// `--format` of one command: only the formats it writes are listed and accepted.
fn formats(names: &'static [&'static str]) -> impl FnOnce(clap::Arg) -> clap::Arg {
    move |a| {
        let values: Vec<clap::builder::PossibleValue> = Format::value_variants()
            .iter()
            .filter_map(ValueEnum::to_possible_value)
            .filter(|p| names.contains(&p.get_name()))
            .collect();
        let parser = clap::builder::PossibleValuesParser::new(values)
            .map(|s| Format::from_str(&s, false).expect("a listed format"));
        a.value_parser(parser)
    }
}

const TIMELINE_EXAMPLES: &str = "\
Examples:
  cat etcd.log | raftlog timeline
  raftlog timeline n1.log n2.log.gz n3.log
  raftlog timeline --all --since 2h logs/          every event, the last two hours
  raftlog timeline -f json --events logs/ | jq .terms";

const TERMS_EXAMPLES: &str = "\
Examples:
  raftlog terms logs/
  raftlog terms -f csv logs/ > terms.csv
  raftlog terms -f json must-gather/ | jq '.terms[] | select(.cause.code==\"leader_stall\")'";

const EVENTS_EXAMPLES: &str = "\
Examples:
  raftlog events logs/ | jq 'select(.kind==\"became_leader\")'
  raftlog events --raw --since '2024-07-24 16:50' logs/    with each event's log line
  raftlog events -f csv logs/ > events.csv";

const DIAGNOSE_EXAMPLES: &str = "\
Examples:
  raftlog diagnose logs/ metrics-*.txt status.json
  raftlog diagnose --fail-on storm --fail-on split-brain logs/    exit 1 when found
  raftlog diagnose -f json logs/ > diagnosis.json";

const REPORT_EXAMPLES: &str = "\
Examples:
  raftlog report logs/ > incident.md
  raftlog report -f html --output incident.html logs/
  raftlog report --redact --redact-names logs/ > shareable.md";

const METRICS_EXAMPLES: &str = "\
Examples:
  curl -s http://10.0.0.1:2379/metrics > n1.metrics; raftlog metrics n1.metrics n2.metrics
  etcdctl endpoint status -w json --cluster > status.json; raftlog metrics *.metrics status.json";

const RULES_EXAMPLES: &str = "\
Examples:
  raftlog rules > etcd-raftlog.rules.yml && promtool check rules etcd-raftlog.rules.yml
  raftlog rules --selector 'job=\"etcd\"' logs/n1.log    heartbeat threshold from the logs";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  raftlog completions bash > /etc/bash_completion.d/raftlog
  raftlog completions zsh > \"${fpath[1]}/_raftlog\"
  raftlog completions fish > ~/.config/fish/completions/raftlog.fish";

/// `raftlog completions`.
#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Write the completion script for `shell`. Generated in memory first: the generator
/// panics on a write error, and `| head` closes the pipe.
pub fn write_completions(
    shell: clap_complete::Shell,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use clap::CommandFactory;
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "raftlog", &mut buf);
    out.write_all(&buf)?;
    out.flush()
}

/// Write the manual page (roff).
pub fn write_man(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use clap::CommandFactory;
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
    out.write_all(&buf)?;
    out.flush()
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Terminal table.
    Table,
    /// The whole JSON document (docs/json.md).
    Json,
    /// One JSON object per event per line.
    Ndjson,
    /// Comma-separated values.
    Csv,
    /// Markdown for tickets (`report`).
    Markdown,
    /// One self-contained HTML file with a timeline picture (`report`).
    Html,
}

/// When to colour the table output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// When stdout is a terminal and NO_COLOR is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `--cluster-by`: how the inputs are grouped into clusters (docs/clusters.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClusterBy {
    /// Cluster IDs, member links, and terms and times that cannot belong together.
    Auto,
    /// Cluster IDs and member links only.
    Id,
    /// Each input is a cluster.
    Input,
}

/// Conditions for `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// An election storm was found.
    Storm,
    /// A leaderless window at least --leaderless-threshold long.
    Leaderless,
    /// Two leaders in one term (also split_brain, as the JSON names it).
    #[value(alias = "split_brain")]
    SplitBrain,
    /// A member's clock disagrees with term order (also skew, clock_skew).
    #[value(alias = "skew", alias = "clock_skew")]
    ClockSkew,
    /// A member's term went backwards (also term_regression).
    #[value(alias = "term_regression")]
    TermRegression,
}

/// Options shared by the log commands.
#[derive(Debug, Args, Clone)]
pub struct Common {
    /// Log files, directories (walked; etcd logs recognised by content), .gz files, or
    /// - for standard input. With none, standard input is read when it is not a terminal.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// Output format [default: table; ndjson for `events`; markdown for `report`].
    #[arg(short = 'f', long, value_enum, help_heading = "Output")]
    pub format: Option<Format>,

    /// Display times in this zone: UTC, local or an offset like +02:00 (JSON, NDJSON and
    /// CSV always write UTC).
    #[arg(
        long,
        value_name = "ZONE",
        default_value = "UTC",
        env = "RAFTLOG_TZ",
        help_heading = "Output"
    )]
    pub tz: String,

    /// Display times in UTC (the default; same as --tz UTC).
    #[arg(long, conflicts_with = "tz", help_heading = "Output")]
    pub utc: bool,

    /// Colour the table output.
    #[arg(
        long,
        value_enum,
        default_value = "auto",
        value_name = "WHEN",
        help_heading = "Output"
    )]
    pub color: ColorWhen,

    /// Timeline: show every event, not only the election steps.
    #[arg(long, help_heading = "Output")]
    pub all: bool,

    /// JSON: include the events array (`events[]`).
    #[arg(long, help_heading = "Output")]
    pub events: bool,

    /// Events: include the raw log line of each event.
    #[arg(long, help_heading = "Output")]
    pub raw: bool,

    /// Fit the table output to N columns (at least 40): narrower tables, quoted log
    /// lines trimmed with …, text wrapped. Default: $COLUMNS, else the terminal's width
    /// when standard output is a terminal; piped output is not fitted.
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..),
        help_heading = "Output"
    )]
    pub width: Option<u16>,

    /// Never fit the output to a width (whole lines, as when piped).
    #[arg(long, conflicts_with = "width", help_heading = "Output")]
    pub wide: bool,

    /// Diagnose: one screen (verdict, elections, leaderless time, top causes, the first
    /// findings and recommendation); the full diagnosis without it.
    #[arg(long, help_heading = "Output")]
    pub brief: bool,

    /// Write the output to this file; - is standard output. A regular file (or a link's
    /// target) is replaced only when the output is complete; a device or FIFO is written
    /// in place; an input is refused.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<String>,

    /// Replace IP addresses, host names, URLs, request keys, paths and file names with
    /// stable placeholders in every format (and the stderr summary), so the output can
    /// leave the company. Member names are kept, except names that are qualified host
    /// names; member and cluster IDs are kept.
    #[arg(long, help_heading = "Output")]
    pub redact: bool,

    /// With --redact, replace member names too: one member-N per member, whatever
    /// spelling (name, FQDN, host of its URLs, metrics file name) it appears under.
    #[arg(long, requires = "redact", help_heading = "Output")]
    pub redact_names: bool,

    /// Do not print the summary of what was read on stderr (nor the progress bar).
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,

    /// Parser threads (default: one per CPU). Large files are cut at line boundaries
    /// and read in parallel; several inputs are read side by side.
    #[arg(
        short = 'j',
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u16).range(1..=1024),
        help_heading = "Input"
    )]
    pub threads: Option<u16>,

    /// List unrecognised raft lines (up to 20 per input) on stderr.
    #[arg(short, long, help_heading = "Output")]
    pub verbose: bool,

    /// Exit 0 even when some inputs could not be read (they are still named on stderr
    /// and in the output); by default such a run exits 2 after analysing the others.
    #[arg(long, help_heading = "Input")]
    pub ignore_unreadable: bool,

    /// Show what lasts until this time or later: RFC 3339 (2024-07-24T16:50:41Z),
    /// 'YYYY-MM-DD HH:MM[:SS]' in the --tz zone, @UNIX-SECONDS, or a duration like 2h
    /// meaning that long before the NEWEST timestamp in the input (logs are usually read
    /// after the fact, so this is not measured from now). A view: every line is still
    /// analysed (names, earlier leaders, causes); the terms, windows, storms and events
    /// that meet the range are shown, and --fail-on judges them.
    #[arg(
        long,
        value_name = "TIME",
        help_heading = "Filter",
        allow_hyphen_values = true
    )]
    pub since: Option<String>,

    /// Show what began at this time or earlier (same forms as --since; a view, as
    /// --since).
    #[arg(
        long,
        value_name = "TIME",
        help_heading = "Filter",
        allow_hyphen_values = true
    )]
    pub until: Option<String>,

    /// Show only this member: its name or hex ID (repeatable). A view: terms it led or
    /// campaigned in, its events and figures, the findings about those terms; names,
    /// leaders and causes are those of the whole analysis.
    #[arg(long, value_name = "NAME|ID", help_heading = "Filter")]
    pub node: Vec<String>,

    /// Show only these terms: N, N..M (inclusive), N.. or ..M. A view, as --node.
    #[arg(long, value_name = "N..M", value_parser = parse_terms, help_heading = "Filter")]
    pub term: Option<TermRange>,

    /// events, timeline: show only events of this kind (repeatable; the JSON `kind`
    /// names, docs/events.md). Terms, findings and figures are unchanged.
    #[arg(long, value_name = "KIND", help_heading = "Filter")]
    pub kind: Vec<String>,

    /// Zone in which zone-less log times (capnslog, Go log, journald) are read: UTC,
    /// local or an offset like +08:00; FILE=ZONE for one input only (its path as given,
    /// or its file name), as a `zone_offset` anomaly suggests (repeatable). The summary
    /// says when this assumption was used.
    #[arg(
        long,
        value_name = "[FILE=]ZONE",
        default_value = "UTC",
        help_heading = "Input"
    )]
    pub assume_tz: Vec<String>,

    /// Year for journald lines that print none (default: from other lines of the input,
    /// else the file's modification time, else the current year).
    #[arg(
        long,
        value_name = "YYYY",
        value_parser = clap::value_parser!(i32).range(1970..=9999),
        help_heading = "Input"
    )]
    pub year: Option<i32>,

    /// Name a member: --name 8e9e05c52164694d=etcd-0 (repeatable; names are otherwise
    /// learned from the logs).
    #[arg(long = "name", value_name = "ID=NAME", help_heading = "Input")]
    pub names: Vec<String>,

    /// Storm window: this many unplanned leader changes within --storm-window make a
    /// storm (as the etcd mixin alert etcdHighNumberOfLeaderChanges).
    #[arg(
        long,
        default_value = crate::config::STORM_WINDOW,
        value_name = "DURATION",
        value_parser = storm_window,
        help_heading = "Analysis"
    )]
    pub storm_window: i64,

    /// How the inputs are grouped into clusters, each analysed on its own: auto (cluster
    /// IDs, member links, and terms and times that cannot belong together), id (cluster
    /// IDs and member links only), input (each input is a cluster).
    #[arg(
        long,
        value_enum,
        default_value = "auto",
        value_name = "HOW",
        help_heading = "Analysis"
    )]
    pub cluster_by: ClusterBy,

    /// Leader changes within the storm window that make a storm.
    #[arg(
        long,
        default_value_t = crate::config::STORM_THRESHOLD,
        value_name = "N",
        value_parser = clap::value_parser!(u64).range(1..=crate::config::STORM_THRESHOLD_MAX),
        help_heading = "Analysis"
    )]
    pub storm_threshold: u64,

    /// Cluster leaderless windows at least this long are findings.
    #[arg(
        long,
        default_value = "5s",
        value_name = "DURATION",
        value_parser = span,
        help_heading = "Analysis"
    )]
    pub leaderless_threshold: i64,

    /// Clock offsets larger than this are reported as clock skew.
    #[arg(
        long,
        default_value = "1s",
        value_name = "DURATION",
        value_parser = span,
        help_heading = "Analysis"
    )]
    pub skew_tolerance: i64,

    /// Keep every member's times as logged: do not move a member whose clock is measured
    /// off (a time zone or a skew) onto the others' clock.
    #[arg(long, help_heading = "Analysis")]
    pub no_clock_correction: bool,

    /// Exit with status 1 when this is found (repeatable).
    #[arg(long, value_enum, value_name = "CONDITION", help_heading = "Analysis")]
    pub fail_on: Vec<FailOn>,

    /// Prometheus /metrics dumps to use as evidence (files or directories; dumps among the
    /// INPUTs are recognised by content too).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub metrics: Vec<String>,

    /// `etcdctl endpoint status -w json|table` or `member list` outputs to cross-check the
    /// final term and leader (also recognised among the INPUTs).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub status: Vec<String>,

    /// When the metrics dumps were taken (same forms as --since; a dump has no clock of
    /// its own). Default: the dump's sample timestamps if it has any, else the newest
    /// line of the same member's log.
    #[arg(
        long,
        value_name = "TIME",
        help_heading = "Input",
        allow_hyphen_values = true
    )]
    pub metrics_time: Option<String>,
}

/// Output formats of `raftlog metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricsFormat {
    /// Terminal tables.
    Table,
    /// One JSON document (docs/metrics.md).
    Json,
    /// Comma-separated values.
    Csv,
}

/// `raftlog metrics`.
#[derive(Debug, Args, Clone)]
pub struct MetricsArgs {
    /// Dumps (`curl $ENDPOINT/metrics > n1.metrics`), `etcdctl endpoint status -w json`
    /// or `-w table` outputs, `etcdctl member list -w json` outputs, directories, or -.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<String>,

    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value = "table")]
    pub format: MetricsFormat,

    /// Name a member: --name 8e9e05c52164694d=etcd-0 (repeatable).
    #[arg(long = "name", value_name = "ID=NAME")]
    pub names: Vec<String>,

    /// The cluster's heartbeat interval: peer RTT above it is flagged (default: flag
    /// above 100ms).
    #[arg(long, value_name = "DURATION", value_parser = latency)]
    pub heartbeat_interval: Option<i64>,

    /// Leader changes at or above this many per --storm-window are flagged.
    #[arg(long, default_value_t = crate::config::STORM_THRESHOLD, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=crate::config::STORM_THRESHOLD_MAX))]
    pub storm_threshold: u64,

    /// Window for the leader-change flag.
    #[arg(long, default_value = crate::config::STORM_WINDOW, value_name = "DURATION", value_parser = storm_window)]
    pub storm_window: i64,

    /// When the dumps were taken: RFC 3339, 'YYYY-MM-DD HH:MM[:SS]' (UTC) or
    /// @UNIX-SECONDS. A dump has no clock of its own: without this, its sample timestamps
    /// are used if it has any, else its time is unknown and there are no rates over the
    /// member's life (a file's modification time is never used).
    #[arg(long, value_name = "TIME")]
    pub metrics_time: Option<String>,
}

/// `raftlog rules`.
#[derive(Debug, Args, Clone)]
pub struct RulesArgs {
    /// Optional etcd logs: take the heartbeat interval (the RTT threshold) from their
    /// configuration lines.
    #[arg(value_name = "LOG")]
    pub inputs: Vec<String>,

    /// Leader changes per --storm-window that fire the storm alert.
    #[arg(long, default_value_t = crate::config::STORM_THRESHOLD, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=crate::config::STORM_THRESHOLD_MAX))]
    pub storm_threshold: u64,

    /// Window of the storm alert.
    #[arg(long, default_value = crate::config::STORM_WINDOW, value_name = "DURATION", value_parser = storm_window)]
    pub storm_window: i64,

    /// Peer round-trip time above this fires the RTT alert (default: the heartbeat
    /// interval from the logs, else 100ms).
    #[arg(long, value_name = "DURATION", value_parser = latency)]
    pub rtt_threshold: Option<i64>,

    /// WAL fsync p99 threshold.
    #[arg(long, default_value = "10ms", value_name = "DURATION", value_parser = latency)]
    pub fsync_threshold: i64,

    /// Backend commit p99 threshold.
    #[arg(long, default_value = "25ms", value_name = "DURATION", value_parser = latency)]
    pub commit_threshold: i64,

    /// Label matchers added to every series, e.g. 'job="etcd"'.
    #[arg(long, value_name = "MATCHERS")]
    pub selector: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn term_ranges() {
        let r = |f, t| TermRange { from: f, to: t };
        assert_eq!(parse_terms("5"), Ok(r(Some(5), Some(5))));
        assert_eq!(parse_terms("3..4"), Ok(r(Some(3), Some(4))));
        assert_eq!(parse_terms("7.."), Ok(r(Some(7), None)));
        assert_eq!(parse_terms("..2"), Ok(r(None, Some(2))));
        assert!(parse_terms("4..3").is_err());
        assert!(parse_terms("x").is_err());
        assert!(parse_terms("").is_err());
        assert!(parse_terms("-1").is_err());
        assert_eq!(parse_terms("3..4").unwrap().to_string(), "3..4");
        assert_eq!(parse_terms("5").unwrap().to_string(), "5");
        assert_eq!(parse_terms("..2").unwrap().to_string(), "..2");
        assert!(r(Some(3), Some(4)).contains(4) && !r(Some(3), Some(4)).contains(5));
    }

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
