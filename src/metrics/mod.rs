//! Metrics and cluster status next to the logs: Prometheus `/metrics` dumps of etcd
//! members, `etcdctl endpoint status` and `etcdctl member list` outputs (issue 6,
//! design.md §6, `docs/metrics.md`).
//!
//! Typical use (what `raftlog metrics FILE|DIR...` does):
//!
//! ```no_run
//! use raftlog::metrics::{self, AnalyzeOptions, LoadOptions};
//! use std::path::PathBuf;
//!
//! let (inputs, errors) = metrics::load(&[PathBuf::from("dumps/")], &LoadOptions::default());
//! let mut stderr = raftlog::messages::stderr();
//! for e in &errors {
//!     raftlog::messages::error(&mut stderr, e);
//! }
//! let report = metrics::analyze(inputs, &AnalyzeOptions::default());
//! metrics::render::write_table(&report, &mut std::io::stdout()).unwrap();
//! ```
//!
//! Parts: [`expo`] (exposition parser), [`histogram`] (PromQL `histogram_quantile`),
//! [`dump`] (the etcd figures of one dump), [`status`] (etcdctl outputs), [`mod@detect`]
//! (input kind by content), [`render`] (table, JSON, CSV), [`rules`] (Prometheus
//! alerting rules).

pub mod detect;
pub mod dump;
pub mod expo;
pub mod histogram;
pub mod render;
pub mod rules;
pub mod status;

pub use detect::{detect, InputKind};
pub use dump::{Dump, DumpMeta, NameSource, TimeSource};
pub use histogram::{Histogram, LatencySummary};
pub use status::{EndpointStatus, ListedMember, StatusSummary};

use crate::error::InputError;
use crate::input::{self, Source};
use crate::time::Instant;
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// Version of the metrics JSON document.
pub const SCHEMA_VERSION: u32 = 1;

/// Largest etcdctl JSON/table input read (they are small; this bounds a wrong file).
pub const MAX_STATUS_BYTES: u64 = 64 << 20;

/// A figure as Prometheus gives it, serialised as an integer when it is one (counters,
/// gauges such as `has_leader`), else as a float; NaN and infinities become null.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if !v.is_finite() {
            s.serialize_none()
        } else if v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 {
            s.serialize_i64(v as i64)
        } else {
            s.serialize_f64(v)
        }
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.fract() == 0.0 && self.0.is_finite() && self.0.abs() < 9.007_199_254_740_992e15 {
            write!(f, "{}", self.0 as i64)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

fn num(v: Option<f64>) -> Option<Num> {
    v.map(Num)
}

/// A metrics input that could not be used (the others still are).
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// Opening or reading failed.
    #[error(transparent)]
    Input(#[from] InputError),
    /// An explicitly named file is not a dump, status or member list.
    #[error("not a metrics dump, endpoint status or member list: {0}: hint: raftlog metrics reads `curl $ENDPOINT/metrics` dumps and `etcdctl endpoint status|member list -w json|table` outputs")]
    NotRecognised(String),
    /// A directory held nothing raftlog metrics reads.
    #[error("no metrics dump, endpoint status or member list found in directory: {0}")]
    NothingInDir(PathBuf),
    /// An etcdctl output that could not be parsed.
    #[error("cannot parse {kind}: {input}: {message}")]
    Parse {
        /// Input name.
        input: String,
        /// What it was taken for.
        kind: &'static str,
        /// Why it failed.
        message: String,
    },
}

/// One input read: a dump, endpoint statuses, or a member list.
#[derive(Clone, Debug)]
pub enum Loaded {
    /// A `/metrics` dump.
    Dump(Box<Dump>),
    /// `etcdctl endpoint status` entries.
    Status(Vec<EndpointStatus>),
    /// `etcdctl member list` entries.
    Members(Vec<ListedMember>),
}

/// Per-input summary for messages and the `inputs` array of the JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputSummary {
    /// Input name.
    pub input: String,
    /// What it was read as.
    pub kind: InputKind,
    /// Lines read (dumps).
    pub lines: Option<u64>,
    /// Samples read (dumps).
    pub samples: Option<u64>,
    /// Entries read (status, member list).
    pub entries: Option<u64>,
    /// Malformed lines skipped (dumps).
    pub malformed_lines: u64,
    /// The first malformed lines, with their numbers.
    pub malformed_examples: Vec<expo::Malformed>,
    /// A read error that ended the input early.
    pub error: Option<String>,
}

impl InputSummary {
    /// A one-line warning for stderr, when something was skipped or went wrong.
    pub fn warning(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(m) = expo::malformed_summary(self.malformed_lines, &self.malformed_examples) {
            parts.push(m);
        }
        if let Some(e) = &self.error {
            parts.push(format!("read stopped early: {e}"));
        }
        if self.kind == InputKind::Prometheus && self.samples == Some(0) {
            parts.push("no samples".into());
        }
        if parts.is_empty() {
            None
        } else {
            Some(format!("{}: {}", self.input, parts.join("; ")))
        }
    }
}

/// Everything read, before analysis.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// `/metrics` dumps, in input order.
    pub dumps: Vec<Dump>,
    /// Endpoint statuses of all status inputs, in input order.
    pub status: Vec<EndpointStatus>,
    /// Members of all member-list inputs.
    pub members: Vec<ListedMember>,
    /// One summary per input.
    pub summaries: Vec<InputSummary>,
}

impl Inputs {
    /// Add one read input of `kind`, named `input`.
    pub fn push(&mut self, kind: InputKind, input: &str, l: Loaded) {
        let mut sum = InputSummary {
            input: input.to_string(),
            kind,
            lines: None,
            samples: None,
            entries: None,
            malformed_lines: 0,
            malformed_examples: Vec::new(),
            error: None,
        };
        match l {
            Loaded::Dump(d) => {
                sum.lines = Some(d.stats.lines);
                sum.samples = Some(d.stats.samples);
                sum.malformed_lines = d.stats.malformed;
                sum.malformed_examples = d.stats.malformed_examples.clone();
                sum.error = d.stats.io_error.clone();
                self.dumps.push(*d);
            }
            Loaded::Status(v) => {
                sum.entries = Some(v.len() as u64);
                self.status.extend(v);
            }
            Loaded::Members(v) => {
                sum.entries = Some(v.len() as u64);
                self.members.extend(v);
            }
        }
        self.summaries.push(sum);
    }
}

/// Options for reading inputs.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// When the dumps and snapshots were taken (for one input, or inputs all taken at one
    /// moment). Without it a dump's time comes from its sample timestamps, if any; a
    /// file's modification time is never used.
    pub time: Option<Instant>,
    /// Fallback member name for dumps whose member neither `etcd_server_id` nor the
    /// file name tells (e.g. a dump read from stdin).
    pub name: Option<String>,
}

/// Read one input whose kind is known. `name` names the input in messages and output.
pub fn read_kind(
    reader: &mut dyn BufRead,
    kind: InputKind,
    name: &str,
    opts: &LoadOptions,
) -> Result<Loaded, MetricsError> {
    let time = opts.time;
    match kind {
        InputKind::Prometheus => Ok(Loaded::Dump(Box::new(Dump::read(
            reader,
            &DumpMeta {
                input: name.to_string(),
                time: opts.time,
                name: opts.name.clone(),
            },
        )))),
        _ => {
            let mut s = String::new();
            let mut bytes = Vec::new();
            reader
                .take(MAX_STATUS_BYTES)
                .read_to_end(&mut bytes)
                .map_err(|e| InputError::Read {
                    name: name.to_string(),
                    source: e,
                })?;
            s.push_str(&String::from_utf8_lossy(&bytes));
            let perr = |message: String| MetricsError::Parse {
                input: name.to_string(),
                kind: kind.as_str(),
                message,
            };
            match kind {
                InputKind::EndpointStatusJson | InputKind::EndpointStatusTable => {
                    let mut v = if kind == InputKind::EndpointStatusJson {
                        status::parse_endpoint_status_json(&s, name)
                    } else {
                        status::parse_endpoint_status_table(&s, name)
                    }
                    .map_err(|e| perr(e.0))?;
                    for e in v.iter_mut() {
                        e.time = time;
                    }
                    Ok(Loaded::Status(v))
                }
                _ => {
                    let v = if kind == InputKind::MemberListJson {
                        status::parse_member_list_json(&s, name)
                    } else {
                        status::parse_member_list_table(&s, name)
                    }
                    .map_err(|e| perr(e.0))?;
                    Ok(Loaded::Members(v))
                }
            }
        }
    }
}

/// Read one input, telling its kind by content ([`detect()`]). Returns
/// [`MetricsError::NotRecognised`] when it is none of the kinds.
pub fn read_input(
    reader: &mut dyn BufRead,
    name: &str,
    opts: &LoadOptions,
) -> Result<(InputKind, Loaded), MetricsError> {
    let head = reader.fill_buf().map_err(|e| InputError::Read {
        name: name.to_string(),
        source: e,
    })?;
    let kind = detect(head).ok_or_else(|| MetricsError::NotRecognised(name.to_string()))?;
    Ok((kind, read_kind(reader, kind, name, opts)?))
}

/// What a file holds, by content (gzip is looked through); `Ok(None)` for anything else
/// (e.g. a log). For the CLI to sort a mixed list of inputs.
pub fn detect_path(p: &Path) -> Result<Option<InputKind>, MetricsError> {
    let mut o = input::open(&Source::Path(p.to_path_buf()))?;
    let head = o
        .reader
        .fill_buf()
        .map_err(|e| InputError::read(&Source::Path(p.to_path_buf()), e))?;
    Ok(detect(head))
}

/// Read one file (gzip looked through), telling its kind by content.
pub fn read_path(p: &Path, opts: &LoadOptions) -> Result<(InputKind, Loaded), MetricsError> {
    let src = Source::Path(p.to_path_buf());
    let mut o = input::open(&src)?;
    read_input(o.reader.as_mut(), &src.name(), opts)
}

/// Expand arguments into the files to read with their kinds: files are checked by
/// content (an explicitly named file that is none of the kinds is an error),
/// directories are walked (sorted, hidden entries skipped, symlink loops broken) and
/// keep the files recognised by content, silently skipping others such as logs.
pub fn expand(args: &[PathBuf]) -> (Vec<(PathBuf, InputKind)>, Vec<MetricsError>) {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    let mut seen_files = HashSet::new();
    for p in args {
        match std::fs::metadata(p) {
            Ok(md) if md.is_dir() => {
                let before = out.len();
                let (files, e) = input::walk_files(p);
                errs.extend(e.into_iter().map(MetricsError::from));
                for f in files {
                    if let Ok(Some(k)) = detect_path(&f) {
                        out.push((f, k));
                    }
                }
                if out.len() == before {
                    errs.push(MetricsError::NothingInDir(p.clone()));
                }
            }
            Ok(_) => match detect_path(p) {
                Ok(Some(k)) => out.push((p.clone(), k)),
                Ok(None) => errs.push(MetricsError::NotRecognised(p.display().to_string())),
                Err(e) => errs.push(e),
            },
            Err(e) => errs.push(InputError::open(p, e).into()),
        }
    }
    out.retain(|(p, _)| seen_files.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    (out, errs)
}

/// Expand and read every argument (files and directories); `-` reads standard input.
/// Errors about single inputs are returned beside what could be read.
pub fn load(args: &[PathBuf], opts: &LoadOptions) -> (Inputs, Vec<MetricsError>) {
    let mut inputs = Inputs::default();
    let mut errs = Vec::new();
    let (paths, stdin): (Vec<PathBuf>, Vec<PathBuf>) =
        args.iter().cloned().partition(|p| p.as_os_str() != "-");
    let (files, e) = expand(&paths);
    errs.extend(e);
    if !stdin.is_empty() {
        match input::open(&Source::Stdin) {
            Ok(mut o) => match read_input(o.reader.as_mut(), "<stdin>", opts) {
                Ok((k, l)) => inputs.push(k, "<stdin>", l),
                Err(e) => errs.push(e),
            },
            Err(e) => errs.push(e.into()),
        }
    }
    for (p, kind) in files {
        let src = Source::Path(p.clone());
        let name = src.name();
        let res = input::open(&src)
            .map_err(MetricsError::from)
            .and_then(|mut o| read_kind(o.reader.as_mut(), kind, &name, opts));
        match res {
            Ok(l) => inputs.push(kind, &name, l),
            Err(e) => errs.push(e),
        }
    }
    (inputs, errs)
}

/// Thresholds for the flags (defaults from etcd's documented guidance and the etcd
/// mixin; see `docs/metrics.md`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Thresholds {
    /// WAL fsync p99 above this is `wal_fsync_slow` (etcd: p99 should be below 10 ms).
    pub wal_fsync_p99_seconds: f64,
    /// Backend commit p99 above this is `backend_commit_slow` (etcd: below 25 ms).
    pub backend_commit_p99_seconds: f64,
    /// Peer RTT (mean or p99) above this is `peer_rtt_high` when the heartbeat interval
    /// is unknown.
    pub peer_rtt_seconds: f64,
    /// The cluster's heartbeat interval, when known: then it is the RTT threshold (etcd
    /// tuning guide: the heartbeat interval should be around the round-trip time).
    pub heartbeat_interval_ms: Option<u64>,
    /// Leader changes at or above this many per window are `leader_changes_high`.
    pub storm_threshold: u64,
    /// The storm window, seconds.
    pub storm_window_seconds: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            wal_fsync_p99_seconds: 0.010,
            backend_commit_p99_seconds: 0.025,
            peer_rtt_seconds: 0.100,
            heartbeat_interval_ms: None,
            storm_threshold: crate::config::STORM_THRESHOLD,
            storm_window_seconds: storm_window_seconds(crate::config::STORM_WINDOW_MS),
        }
    }
}

/// A storm window in whole seconds, at least one (rates are per second).
fn storm_window_seconds(ms: i64) -> u64 {
    (ms / 1000).max(1) as u64
}

impl Thresholds {
    /// These thresholds with the storm threshold and window of a command line
    /// (`--storm-threshold`, `--storm-window` in milliseconds).
    pub fn with_storm(self, threshold: u64, window_ms: i64) -> Self {
        Thresholds {
            storm_threshold: threshold,
            storm_window_seconds: storm_window_seconds(window_ms),
            ..self
        }
    }

    /// The RTT threshold in effect: the heartbeat interval when known, else
    /// [`Thresholds::peer_rtt_seconds`].
    pub fn rtt_threshold_seconds(&self) -> f64 {
        match self.heartbeat_interval_ms {
            Some(ms) if ms > 0 => ms as f64 / 1000.0,
            _ => self.peer_rtt_seconds,
        }
    }
}

/// Options for [`analyze`].
#[derive(Clone, Debug, Default)]
pub struct AnalyzeOptions {
    /// Flag thresholds.
    pub thresholds: Thresholds,
    /// Member names by hex id (`--name ID=NAME`); they win over member lists and file
    /// names.
    pub names: BTreeMap<String, String>,
}

/// One flag: a figure against etcd's guidance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Flag {
    /// `wal_fsync_slow`, `backend_commit_slow`, `peer_rtt_high`, `no_leader`,
    /// `leader_changes_high`, `proposals_failed`, `heartbeat_send_failures`.
    pub code: &'static str,
    /// One sentence with the figure and the threshold.
    pub summary: String,
    /// The figure (seconds for latencies, a count otherwise).
    pub value: Num,
    /// The threshold it was compared with.
    pub threshold: Num,
    /// The peer, for `peer_rtt_high`.
    pub peer: Option<String>,
}

/// Per-peer figures of a member.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeerReport {
    /// Peer member id (hex, as in the `To`/`From` label).
    pub id: String,
    /// Peer name, when known.
    pub name: Option<String>,
    /// Round-trip time to the peer (`etcd_network_peer_round_trip_time_seconds{To}`).
    pub rtt: RttSummary,
    /// `etcd_network_peer_sent_failures_total{To}` (null: no such series, i.e. none).
    pub sent_failures_total: Option<Num>,
    /// `etcd_network_peer_received_failures_total{From}`.
    pub received_failures_total: Option<Num>,
}

/// RTT figures in seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct RttSummary {
    /// Observations (`_count`).
    pub count: Option<Num>,
    /// `_sum / _count`.
    pub mean_seconds: Option<f64>,
    /// 99th percentile estimated from the buckets.
    pub p99_seconds: Option<f64>,
}

/// Counter rates of a member, over its life (one dump) or between two dumps.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rates {
    /// `life` (from `process_start_time_seconds` to the dump time) or `interval`
    /// (between two dumps of the member).
    pub basis: &'static str,
    /// Start of the span.
    pub from: Option<Instant>,
    /// End of the span.
    pub to: Option<Instant>,
    /// Span length, seconds.
    pub seconds: f64,
    /// The earlier dump (interval basis).
    pub previous_input: Option<String>,
    /// The member restarted between the two dumps (counters restarted from zero; the
    /// later values are used as the increase, as Prometheus does for counter resets).
    pub restarted: bool,
    /// Leader changes in the span.
    pub leader_changes: Option<Num>,
    /// Leader changes per hour.
    pub leader_changes_per_hour: Option<f64>,
    /// Leader changes per storm window: the count itself when the span is shorter than
    /// the window, else the count scaled to the window.
    pub leader_changes_per_window: Option<f64>,
    /// The storm window, seconds.
    pub window_seconds: u64,
    /// Failed proposals in the span.
    pub proposals_failed: Option<Num>,
    /// Heartbeat send failures in the span.
    pub heartbeat_send_failures: Option<Num>,
}

/// One member's figures and flags (an element of the JSON `members` array).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberReport {
    /// Member name, when known.
    pub name: Option<String>,
    /// Member id (hex) from `etcd_server_id`.
    pub id: Option<String>,
    /// The dump the figures come from (the latest one of the member).
    pub input: String,
    /// How the name was found.
    pub name_source: Option<NameSource>,
    /// When the dump was taken, when known.
    pub dump_time: Option<Instant>,
    /// Where the dump time came from.
    pub dump_time_source: Option<TimeSource>,
    /// `etcd_server_version{server_version}`.
    pub version: Option<String>,
    /// `process_start_time_seconds`.
    pub process_start_time_seconds: Option<f64>,
    /// Seconds from process start to the dump.
    pub life_seconds: Option<f64>,
    /// `etcd_server_has_leader == 1`.
    pub has_leader: Option<bool>,
    /// `etcd_server_is_leader == 1`.
    pub is_leader: Option<bool>,
    /// `etcd_server_leader_changes_seen_total`.
    pub leader_changes_seen_total: Option<Num>,
    /// `etcd_server_proposals_failed_total`.
    pub proposals_failed_total: Option<Num>,
    /// `etcd_server_proposals_pending`.
    pub proposals_pending: Option<Num>,
    /// `etcd_server_proposals_committed_total`.
    pub proposals_committed_total: Option<Num>,
    /// `etcd_server_proposals_applied_total`.
    pub proposals_applied_total: Option<Num>,
    /// committed − applied.
    pub proposals_commit_apply_gap: Option<Num>,
    /// `etcd_server_heartbeat_send_failures_total`.
    pub heartbeat_send_failures_total: Option<Num>,
    /// `etcd_server_slow_apply_total`.
    pub slow_apply_total: Option<Num>,
    /// `etcd_mvcc_db_total_size_in_bytes` (or the `etcd_debugging_` one).
    pub db_total_size_in_bytes: Option<Num>,
    /// `etcd_disk_wal_fsync_duration_seconds`.
    pub wal_fsync: LatencySummary,
    /// `etcd_disk_backend_commit_duration_seconds`.
    pub backend_commit: LatencySummary,
    /// Per peer, by id.
    pub peers: Vec<PeerReport>,
    /// Rates over the member's life or between two dumps.
    pub rates: Option<Rates>,
    /// Flags, in a fixed order.
    pub flags: Vec<Flag>,
    /// Malformed lines skipped in the dump.
    pub malformed_lines: u64,
}

impl MemberReport {
    /// `process_start_time_seconds` as an instant (microsecond precision).
    pub fn process_start(&self) -> Option<Instant> {
        let s = self.process_start_time_seconds.filter(|s| s.is_finite())?;
        Some(Instant(((s * 1e6).round() as i64).saturating_mul(1000)))
    }

    /// Name if known, else id, else the input.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.id.clone())
            .unwrap_or_else(|| self.input.clone())
    }
}

/// The worst peer round-trip time across members (for causes and timing advice).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorstRtt {
    /// Member (name, else id) that measured it.
    pub member: String,
    /// Its id.
    pub member_id: Option<String>,
    /// The peer id.
    pub peer: String,
    /// The peer name, when known.
    pub peer_name: Option<String>,
    /// Mean RTT, seconds.
    pub mean_seconds: Option<f64>,
    /// p99 RTT, seconds.
    pub p99_seconds: Option<f64>,
}

/// Result of [`analyze`]: what `raftlog metrics` renders.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricsReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Thresholds in effect.
    pub thresholds: Thresholds,
    /// The RTT threshold in effect, seconds.
    pub rtt_threshold_seconds: f64,
    /// One entry per input read.
    pub inputs: Vec<InputSummary>,
    /// Members, by name then id.
    pub members: Vec<MemberReport>,
    /// Endpoint statuses, in input order.
    pub status: Vec<EndpointStatus>,
    /// Highest term and its leader according to the statuses (null without statuses).
    pub status_summary: Option<StatusSummary>,
    /// Members from `etcdctl member list`, by id (first seen wins).
    pub member_list: Vec<ListedMember>,
    /// Notes about the analysis (dumps that could not be paired, ...).
    pub notes: Vec<String>,
}

impl MetricsReport {
    /// All flags with the member they belong to.
    pub fn flags(&self) -> impl Iterator<Item = (&MemberReport, &Flag)> {
        self.members
            .iter()
            .flat_map(|m| m.flags.iter().map(move |f| (m, f)))
    }

    /// A member by hex id or name.
    pub fn member(&self, id_or_name: &str) -> Option<&MemberReport> {
        self.members
            .iter()
            .find(|m| m.id.as_deref() == Some(id_or_name) || m.name.as_deref() == Some(id_or_name))
    }

    /// The peer link with the highest RTT (the larger of mean and p99).
    pub fn worst_peer_rtt(&self) -> Option<WorstRtt> {
        let mut best: Option<(f64, WorstRtt)> = None;
        for m in &self.members {
            for p in &m.peers {
                let v = p
                    .rtt
                    .mean_seconds
                    .into_iter()
                    .chain(p.rtt.p99_seconds)
                    .fold(f64::NAN, f64::max);
                if v.is_nan() {
                    continue;
                }
                if best.as_ref().is_none_or(|(b, _)| v > *b) {
                    best = Some((
                        v,
                        WorstRtt {
                            member: m.label(),
                            member_id: m.id.clone(),
                            peer: p.id.clone(),
                            peer_name: p.name.clone(),
                            mean_seconds: p.rtt.mean_seconds,
                            p99_seconds: p.rtt.p99_seconds,
                        },
                    ));
                }
            }
        }
        best.map(|(_, w)| w)
    }

    /// The member with the highest WAL fsync p99, with that p99 in seconds.
    pub fn worst_wal_fsync_p99(&self) -> Option<(&MemberReport, f64)> {
        self.members
            .iter()
            .filter_map(|m| m.wal_fsync.p99_seconds.map(|v| (m, v)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// The member with the highest backend commit p99, with that p99 in seconds.
    pub fn worst_backend_commit_p99(&self) -> Option<(&MemberReport, f64)> {
        self.members
            .iter()
            .filter_map(|m| m.backend_commit.p99_seconds.map(|v| (m, v)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

fn bool_of(v: Option<f64>) -> Option<bool> {
    v.filter(|x| !x.is_nan()).map(|x| x != 0.0)
}

fn ms(s: f64) -> String {
    render::latency(Some(s))
}

/// Increase of a counter between two dumps, Prometheus style: a decrease (or a restart)
/// means the counter started again from zero, and the later value is the increase.
fn increase(prev: Option<f64>, cur: Option<f64>, restarted: bool) -> Option<f64> {
    let c = cur?;
    match prev {
        Some(p) if !restarted && c >= p => Some(c - p),
        Some(_) => Some(c),
        None => None,
    }
}

fn per_window(count: f64, span: f64, window: f64) -> f64 {
    if span <= window {
        count
    } else {
        count / span * window
    }
}

fn rates(cur: &Dump, prev: Option<&Dump>, th: &Thresholds) -> Option<Rates> {
    let window = th.storm_window_seconds.max(1);
    match prev {
        Some(p) => {
            let (t0, t1) = (p.time?, cur.time?);
            let seconds = (t1.0 - t0.0) as f64 / 1e9;
            if seconds <= 0.0 {
                return None;
            }
            let restarted = match (p.process_start_time_seconds, cur.process_start_time_seconds) {
                (Some(a), Some(b)) => (a - b).abs() > 1.0,
                _ => false,
            } || matches!((p.leader_changes_seen_total, cur.leader_changes_seen_total), (Some(a), Some(b)) if b < a);
            let lc = increase(
                p.leader_changes_seen_total,
                cur.leader_changes_seen_total,
                restarted,
            );
            Some(Rates {
                basis: "interval",
                from: Some(t0),
                to: Some(t1),
                seconds,
                previous_input: Some(p.input.clone()),
                restarted,
                leader_changes: num(lc),
                leader_changes_per_hour: lc.map(|c| c / seconds * 3600.0),
                leader_changes_per_window: lc.map(|c| per_window(c, seconds, window as f64)),
                window_seconds: window,
                proposals_failed: num(increase(
                    p.proposals_failed_total,
                    cur.proposals_failed_total,
                    restarted,
                )),
                heartbeat_send_failures: num(increase(
                    p.heartbeat_send_failures_total,
                    cur.heartbeat_send_failures_total,
                    restarted,
                )),
            })
        }
        None => {
            let seconds = cur.life_seconds()?;
            let start = cur.process_start_time_seconds?;
            let lc = cur.leader_changes_seen_total;
            Some(Rates {
                basis: "life",
                from: Some(Instant(((start * 1e6).round() as i64).saturating_mul(1000))),
                to: cur.time,
                seconds,
                previous_input: None,
                restarted: false,
                leader_changes: num(lc),
                leader_changes_per_hour: lc.map(|c| c / seconds * 3600.0),
                leader_changes_per_window: lc.map(|c| per_window(c, seconds, window as f64)),
                window_seconds: window,
                proposals_failed: num(cur.proposals_failed_total),
                heartbeat_send_failures: num(cur.heartbeat_send_failures_total),
            })
        }
    }
}

fn human_window(s: u64) -> String {
    if s % 3600 == 0 {
        format!("{} h", s / 3600)
    } else if s % 60 == 0 {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

fn flags(m: &MemberReport, cur: &Dump, th: &Thresholds) -> Vec<Flag> {
    let who = m.label();
    let mut out = latency_flags(m, &who, th);
    out.extend(rtt_flags(m, &who, th));
    if m.has_leader == Some(false) {
        out.push(Flag {
            code: "no_leader",
            summary: format!(
                "{who} had no leader when the dump was taken (etcd_server_has_leader 0)"
            ),
            value: Num(0.0),
            threshold: Num(1.0),
            peer: None,
        });
    }
    out.extend(leader_changes_flag(m, &who, th));
    out.extend(failure_flags(m, cur, &who));
    out
}

/// The disk: WAL fsync and backend commit p99 against etcd's guidance.
fn latency_flags(m: &MemberReport, who: &str, th: &Thresholds) -> Vec<Flag> {
    let mut out = Vec::new();
    if let Some(p99) = m.wal_fsync.p99_seconds {
        if p99 > th.wal_fsync_p99_seconds {
            out.push(Flag {
                code: "wal_fsync_slow",
                summary: format!(
                    "{who}: WAL fsync p99 is {} (etcd guidance: below {}); the disk is too slow for etcd",
                    ms(p99),
                    ms(th.wal_fsync_p99_seconds)
                ),
                value: Num(p99),
                threshold: Num(th.wal_fsync_p99_seconds),
                peer: None,
            });
        }
    }
    if let Some(p99) = m.backend_commit.p99_seconds {
        if p99 > th.backend_commit_p99_seconds {
            out.push(Flag {
                code: "backend_commit_slow",
                summary: format!(
                    "{who}: backend commit p99 is {} (etcd guidance: below {})",
                    ms(p99),
                    ms(th.backend_commit_p99_seconds)
                ),
                value: Num(p99),
                threshold: Num(th.backend_commit_p99_seconds),
                peer: None,
            });
        }
    }
    out
}

/// Each peer link whose mean (else p99) round-trip time is above the threshold.
fn rtt_flags(m: &MemberReport, who: &str, th: &Thresholds) -> Vec<Flag> {
    let rtt_t = th.rtt_threshold_seconds();
    let basis = if th.heartbeat_interval_ms.is_some_and(|x| x > 0) {
        "the heartbeat interval"
    } else {
        "the default threshold"
    };
    let mut out = Vec::new();
    for p in &m.peers {
        let peer = p.name.clone().unwrap_or_else(|| p.id.clone());
        let over = match (p.rtt.mean_seconds, p.rtt.p99_seconds) {
            (Some(mean), _) if mean > rtt_t => Some(("mean", mean)),
            (_, Some(p99)) if p99 > rtt_t => Some(("p99", p99)),
            _ => None,
        };
        if let Some((what, v)) = over {
            out.push(Flag {
                code: "peer_rtt_high",
                summary: format!(
                    "{who} → {peer}: {what} round-trip time {} is above {basis} ({})",
                    ms(v),
                    ms(rtt_t)
                ),
                value: Num(v),
                threshold: Num(rtt_t),
                peer: Some(p.id.clone()),
            });
        }
    }
    out
}

/// Leader changes per storm window at or above the storm threshold.
fn leader_changes_flag(m: &MemberReport, who: &str, th: &Thresholds) -> Option<Flag> {
    let r = m.rates.as_ref()?;
    let (Some(pw), Some(count)) = (r.leader_changes_per_window, r.leader_changes) else {
        return None;
    };
    // NaN (no window) is never at or above the threshold
    let over = pw >= th.storm_threshold as f64;
    if !over {
        return None;
    }
    let span = if r.basis == "life" {
        format!(
            "in its {} of life",
            crate::time::human_ms((r.seconds * 1e3) as i64)
        )
    } else {
        format!(
            "between two dumps {} apart",
            crate::time::human_ms((r.seconds * 1e3) as i64)
        )
    };
    let scaled = if r.seconds > r.window_seconds as f64 {
        format!(", {pw:.1} per {}", human_window(r.window_seconds))
    } else {
        String::new()
    };
    Some(Flag {
        code: "leader_changes_high",
        summary: format!(
            "{who} saw {count} leader changes {span}{scaled}: at or above the storm threshold of {} per {}",
            th.storm_threshold,
            human_window(r.window_seconds)
        ),
        value: Num(pw),
        threshold: Num(th.storm_threshold as f64),
        peer: None,
    })
}

/// Failed proposals and heartbeat send failures: between two dumps when there are
/// two, else since the member started.
fn failure_flags(m: &MemberReport, cur: &Dump, who: &str) -> Vec<Flag> {
    let mut out = Vec::new();
    let interval = m.rates.as_ref().filter(|r| r.basis == "interval");
    let failed = match interval {
        Some(r) => r.proposals_failed.map(|n| (n.0, "between the two dumps")),
        None => cur
            .proposals_failed_total
            .map(|n| (n, "since the member started")),
    };
    if let Some((n, when)) = failed.filter(|(n, _)| *n > 0.0) {
        out.push(Flag {
            code: "proposals_failed",
            summary: format!("{who}: {} failed proposals {when}", Num(n)),
            value: Num(n),
            threshold: Num(0.0),
            peer: None,
        });
    }
    let hb = match interval {
        Some(r) => r
            .heartbeat_send_failures
            .map(|n| (n.0, "between the two dumps")),
        None => cur
            .heartbeat_send_failures_total
            .map(|n| (n, "since the member started")),
    };
    if let Some((n, when)) = hb.filter(|(n, _)| *n > 0.0) {
        out.push(Flag {
            code: "heartbeat_send_failures",
            summary: format!(
                "{who}: {} heartbeat send failures {when} (the leader could not send heartbeats on time: slow disk, CPU starvation or network)",
                Num(n)
            ),
            value: Num(n),
            threshold: Num(0.0),
            peer: None,
        });
    }
    out
}

fn member_report(
    cur: &Dump,
    prev: Option<&Dump>,
    names: &BTreeMap<String, (String, NameSource)>,
    th: &Thresholds,
) -> MemberReport {
    let (name, name_source) = match cur.id.as_ref().and_then(|i| names.get(i)) {
        Some((n, s)) => (Some(n.clone()), Some(*s)),
        None => (cur.name.clone(), cur.name_source),
    };
    let peers = cur
        .peers
        .iter()
        .map(|(id, p)| PeerReport {
            id: id.clone(),
            name: names.get(id).map(|(n, _)| n.clone()),
            rtt: RttSummary {
                count: num(p.rtt.observations()),
                mean_seconds: p.rtt.mean(),
                p99_seconds: p.rtt.quantile(0.99),
            },
            sent_failures_total: num(p.sent_failures_total),
            received_failures_total: num(p.received_failures_total),
        })
        .collect();
    let gap = match (cur.proposals_committed_total, cur.proposals_applied_total) {
        (Some(c), Some(a)) => Some(c - a),
        _ => None,
    };
    let mut m = MemberReport {
        name,
        id: cur.id.clone(),
        input: cur.input.clone(),
        name_source,
        dump_time: cur.time,
        dump_time_source: cur.time_source,
        version: cur.version.clone(),
        process_start_time_seconds: cur.process_start_time_seconds,
        life_seconds: cur.life_seconds(),
        has_leader: bool_of(cur.has_leader),
        is_leader: bool_of(cur.is_leader),
        leader_changes_seen_total: num(cur.leader_changes_seen_total),
        proposals_failed_total: num(cur.proposals_failed_total),
        proposals_pending: num(cur.proposals_pending),
        proposals_committed_total: num(cur.proposals_committed_total),
        proposals_applied_total: num(cur.proposals_applied_total),
        proposals_commit_apply_gap: num(gap),
        heartbeat_send_failures_total: num(cur.heartbeat_send_failures_total),
        slow_apply_total: num(cur.slow_apply_total),
        db_total_size_in_bytes: num(cur.db_total_size_in_bytes),
        wal_fsync: cur.wal_fsync.summary(),
        backend_commit: cur.backend_commit.summary(),
        peers,
        rates: rates(cur, prev, th),
        flags: Vec::new(),
        malformed_lines: cur.stats.malformed,
    };
    m.flags = flags(&m, cur, th);
    m
}

/// Analyse what was read: one [`MemberReport`] per member (two dumps of one member,
/// same id or same name at different known times, give interval rates), flags,
/// endpoint statuses named from member lists, and the status summary.
pub fn analyze(inputs: Inputs, opts: &AnalyzeOptions) -> MetricsReport {
    let th = &opts.thresholds;
    let mut notes = Vec::new();
    let (names, member_list) = names_by_id(&inputs, opts);
    let groups = group_dumps(&inputs.dumps, &mut notes);
    let members = member_reports(groups, &names, th, &mut notes);
    let mut status = inputs.status;
    name_statuses(&mut status, &names, &member_list);
    let status_summary = if status.is_empty() {
        None
    } else {
        Some(status::summarize(&status))
    };
    MetricsReport {
        schema_version: SCHEMA_VERSION,
        rtt_threshold_seconds: th.rtt_threshold_seconds(),
        thresholds: th.clone(),
        inputs: inputs.summaries,
        members,
        status,
        status_summary,
        member_list,
        notes,
    }
}

type Names = BTreeMap<String, (String, NameSource)>;

/// Member names by id: given > member list > dump file names; and the member list,
/// one row per id.
fn names_by_id(inputs: &Inputs, opts: &AnalyzeOptions) -> (Names, Vec<ListedMember>) {
    let mut names: Names = BTreeMap::new();
    for d in &inputs.dumps {
        if let (Some(id), Some(n)) = (&d.id, &d.name) {
            names
                .entry(id.clone())
                .or_insert((n.clone(), d.name_source.unwrap_or(NameSource::FileName)));
        }
    }
    let mut member_list: Vec<ListedMember> = Vec::new();
    for m in &inputs.members {
        if !member_list.iter().any(|x| x.id == m.id) {
            member_list.push(m.clone());
        }
        if !m.name.is_empty() {
            names.insert(m.id.clone(), (m.name.clone(), NameSource::MemberList));
        }
    }
    member_list.sort_by(|a, b| a.id.cmp(&b.id));
    for (id, n) in &opts.names {
        names.insert(id.to_ascii_lowercase(), (n.clone(), NameSource::Given));
    }
    (names, member_list)
}

/// The dumps grouped by member (same id, else same name), with notes on dumps that
/// are not of an etcd member or name several ids.
fn group_dumps<'a>(
    dumps: &'a [Dump],
    notes: &mut Vec<String>,
) -> Vec<(Option<String>, Vec<&'a Dump>)> {
    let mut groups: Vec<(Option<String>, Vec<&Dump>)> = Vec::new();
    for d in dumps {
        if d.etcd_series == 0 {
            notes.push(format!(
                "{}: no etcd series in this dump (is it the /metrics of an etcd member?)",
                d.input
            ));
        }
        if !d.conflicting_ids.is_empty() {
            notes.push(format!(
                "{}: several etcd_server_id values ({} and {}); the first is used",
                d.input,
                d.id.as_deref().unwrap_or("?"),
                d.conflicting_ids.join(", ")
            ));
        }
        let key = d.key();
        match groups.iter_mut().find(|(k, _)| key.is_some() && *k == key) {
            Some((_, v)) => v.push(d),
            None => groups.push((key, vec![d])),
        }
    }
    groups
}

/// One report per member: its latest dump, with interval rates from its earliest when
/// the dumps have distinct times (else each dump on its own); sorted by name.
fn member_reports(
    groups: Vec<(Option<String>, Vec<&Dump>)>,
    names: &Names,
    th: &Thresholds,
    notes: &mut Vec<String>,
) -> Vec<MemberReport> {
    let mut members = Vec::new();
    for (_, mut ds) in groups {
        if ds.len() == 1 {
            members.push(member_report(ds[0], None, names, th));
            continue;
        }
        let mut times: Vec<i64> = ds.iter().filter_map(|d| d.time.map(|t| t.0)).collect();
        times.sort_unstable();
        times.dedup();
        if times.len() == ds.len() {
            ds.sort_by_key(|d| d.time);
            let (first, last) = (ds[0], ds[ds.len() - 1]);
            if ds.len() > 2 {
                notes.push(format!(
                    "{} dumps of {}: rates use the earliest ({}) and the latest ({})",
                    ds.len(),
                    last.id.as_deref().or(last.name.as_deref()).unwrap_or("?"),
                    first.input,
                    last.input
                ));
            }
            members.push(member_report(last, Some(first), names, th));
        } else {
            notes.push(format!(
                "{} dumps of {} without distinct dump times ({}); shown separately, no interval rates (a dump has no clock of its own: read each with its own --metrics-time)",
                ds.len(),
                ds[0].id.as_deref().or(ds[0].name.as_deref()).unwrap_or("?"),
                ds.iter().map(|d| d.input.as_str()).collect::<Vec<_>>().join(", ")
            ));
            for d in ds {
                members.push(member_report(d, None, names, th));
            }
        }
    }
    members.sort_by(|a, b| {
        (a.name.is_none(), &a.name, &a.id, &a.input).cmp(&(
            b.name.is_none(),
            &b.name,
            &b.id,
            &b.input,
        ))
    });
    for m in &members {
        if m.dump_time.is_none() && m.process_start_time_seconds.is_some() {
            notes.push(format!(
                "{}: dump time unknown (a dump has no clock of its own; the file's modification time is not used): no rates over the member's life; give it with --metrics-time TIME",
                m.input
            ));
        }
    }
    members
}

/// Endpoint statuses named from the member list (by id, else by client URL).
fn name_statuses(status: &mut [EndpointStatus], names: &Names, member_list: &[ListedMember]) {
    for e in status.iter_mut() {
        e.name =
            e.id.as_ref()
                .and_then(|i| names.get(i))
                .map(|(n, _)| n.clone())
                .or_else(|| {
                    member_list
                        .iter()
                        .find(|m| m.client_urls.contains(&e.endpoint))
                        .map(|m| m.name.clone())
                        .filter(|n| !n.is_empty())
                });
    }
}
