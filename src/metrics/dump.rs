//! One `/metrics` dump of one etcd member: the figures raftlog uses, read from the
//! exposition stream without keeping the rest.

use super::expo::{ParseStats, Reader, Sample};
use super::histogram::Histogram;
use crate::time::Instant;
use std::collections::BTreeMap;
use std::io::BufRead;

/// Where a dump's time came from. A dump has no clock of its own, and a file's
/// modification time changes with every copy or checkout, so it is never used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeSource {
    /// Given by the caller (`--metrics-time`, or the time a harness recorded).
    Explicit,
    /// The newest sample timestamp written in the exposition.
    SampleTimestamp,
    /// The newest line of the same member's log read alongside (`diagnose` and the other
    /// log commands): the dump was taken at or after it, as far as the logs tell.
    LastLogLine,
}

/// How the member a dump belongs to was named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameSource {
    /// From a name map given by the caller (`--name ID=NAME`).
    Given,
    /// From `etcdctl member list` / endpoint status inputs read alongside.
    MemberList,
    /// From the file name (`metrics-n1.txt` → `n1`).
    FileName,
    /// The fallback name given by the caller for this input.
    Explicit,
}

/// Per-peer series of one dump.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PeerSeries {
    /// `etcd_network_peer_round_trip_time_seconds{To=peer}`.
    pub rtt: Histogram,
    /// `etcd_network_peer_sent_failures_total{To=peer}`.
    pub sent_failures_total: Option<f64>,
    /// `etcd_network_peer_received_failures_total{From=peer}`.
    pub received_failures_total: Option<f64>,
}

/// The figures of one dump (raw; see [`super::MemberReport`] for what is reported).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dump {
    /// Input name (path as given, or `<stdin>`).
    pub input: String,
    /// Member name, when one is known (see [`Dump::name_source`]).
    pub name: Option<String>,
    /// How [`Dump::name`] was found.
    pub name_source: Option<NameSource>,
    /// Member id (lower-case hex) from `etcd_server_id{server_id=…}`.
    pub id: Option<String>,
    /// When the dump was taken, when known.
    pub time: Option<Instant>,
    /// Where [`Dump::time`] came from.
    pub time_source: Option<TimeSource>,
    /// `etcd_server_version{server_version=…}`.
    pub version: Option<String>,
    /// `process_start_time_seconds` (Unix seconds).
    pub process_start_time_seconds: Option<f64>,
    /// `etcd_server_has_leader`.
    pub has_leader: Option<f64>,
    /// `etcd_server_is_leader`.
    pub is_leader: Option<f64>,
    /// `etcd_server_leader_changes_seen_total`.
    pub leader_changes_seen_total: Option<f64>,
    /// `etcd_server_proposals_failed_total`.
    pub proposals_failed_total: Option<f64>,
    /// `etcd_server_proposals_pending`.
    pub proposals_pending: Option<f64>,
    /// `etcd_server_proposals_committed_total`.
    pub proposals_committed_total: Option<f64>,
    /// `etcd_server_proposals_applied_total`.
    pub proposals_applied_total: Option<f64>,
    /// `etcd_server_heartbeat_send_failures_total`.
    pub heartbeat_send_failures_total: Option<f64>,
    /// `etcd_server_slow_apply_total`.
    pub slow_apply_total: Option<f64>,
    /// `etcd_mvcc_db_total_size_in_bytes`, else `etcd_debugging_mvcc_db_total_size_in_bytes`.
    pub db_total_size_in_bytes: Option<f64>,
    /// `etcd_disk_wal_fsync_duration_seconds`.
    pub wal_fsync: Histogram,
    /// `etcd_disk_backend_commit_duration_seconds`.
    pub backend_commit: Histogram,
    /// Per peer id (`To` / `From` label).
    pub peers: BTreeMap<String, PeerSeries>,
    /// What the exposition parser saw (malformed lines etc.).
    pub stats: ParseStats,
    /// Number of etcd series seen (0 means this is probably not an etcd dump).
    pub etcd_series: u64,
    /// Other `etcd_server_id` values seen in the same input (several dumps concatenated?).
    pub conflicting_ids: Vec<String>,
    /// The newest sample timestamp of the exposition, if samples carry any.
    pub newest_sample_time: Option<Instant>,
}

/// What the caller knows about an input besides its bytes.
#[derive(Clone, Debug, Default)]
pub struct DumpMeta {
    /// Input name for messages and the `input` field.
    pub input: String,
    /// Dump time given by the caller (wins over sample timestamps).
    pub time: Option<Instant>,
    /// Fallback member name for this input (used when neither `etcd_server_id` nor the
    /// file name tells the member).
    pub name: Option<String>,
}

impl Dump {
    /// Read one dump from `r`, streaming. Never fails: malformed lines are counted in
    /// [`Dump::stats`], a read error ends the input early (kept in `stats.io_error`).
    pub fn read<R: BufRead>(r: R, meta: &DumpMeta) -> Dump {
        let mut d = Dump {
            input: meta.input.clone(),
            ..Default::default()
        };
        let mut main_db: Option<f64> = None;
        let mut debug_db: Option<f64> = None;
        let mut rd = Reader::new(r);
        for s in rd.by_ref() {
            d.take(s, &mut main_db, &mut debug_db);
        }
        d.stats = rd.into_stats();
        d.db_total_size_in_bytes = main_db.or(debug_db);
        if let Some(t) = meta.time {
            d.time = Some(t);
            d.time_source = Some(TimeSource::Explicit);
        } else if let Some(t) = d.newest_sample_time {
            d.time = Some(t);
            d.time_source = Some(TimeSource::SampleTimestamp);
        }
        if let Some(n) = name_from_file(&meta.input) {
            d.name = Some(n);
            d.name_source = Some(NameSource::FileName);
        } else if let Some(n) = &meta.name {
            d.name = Some(n.clone());
            d.name_source = Some(NameSource::Explicit);
        }
        d
    }

    fn take(&mut self, s: Sample, main_db: &mut Option<f64>, debug_db: &mut Option<f64>) {
        let n = s.name.as_str();
        if n.starts_with("etcd_") {
            self.etcd_series += 1;
        }
        if let Some(t) = s.timestamp.and_then(sample_instant) {
            self.newest_sample_time = self.newest_sample_time.max(Some(t));
        }
        let v = s.value;
        match n {
            "etcd_server_has_leader" => self.has_leader = Some(v),
            "etcd_server_is_leader" => self.is_leader = Some(v),
            "etcd_server_leader_changes_seen_total" => self.leader_changes_seen_total = Some(v),
            "etcd_server_proposals_failed_total" => self.proposals_failed_total = Some(v),
            "etcd_server_proposals_pending" => self.proposals_pending = Some(v),
            "etcd_server_proposals_committed_total" => self.proposals_committed_total = Some(v),
            "etcd_server_proposals_applied_total" => self.proposals_applied_total = Some(v),
            "etcd_server_heartbeat_send_failures_total" => {
                self.heartbeat_send_failures_total = Some(v)
            }
            "etcd_server_slow_apply_total" => self.slow_apply_total = Some(v),
            "etcd_mvcc_db_total_size_in_bytes" => *main_db = Some(v),
            "etcd_debugging_mvcc_db_total_size_in_bytes" => *debug_db = Some(v),
            "process_start_time_seconds" => self.process_start_time_seconds = Some(v),
            "etcd_server_version" => {
                if let Some(x) = s.label("server_version") {
                    self.version = Some(x.to_string());
                }
            }
            "etcd_server_id" => {
                if let Some(x) = s.label("server_id") {
                    let x = x.to_ascii_lowercase();
                    match &self.id {
                        None => self.id = Some(x),
                        Some(cur) if *cur != x && !self.conflicting_ids.contains(&x) => {
                            self.conflicting_ids.push(x)
                        }
                        _ => {}
                    }
                }
            }
            "etcd_network_peer_sent_failures_total" => {
                if let Some(p) = s.label("To") {
                    self.peer(p).sent_failures_total = Some(v);
                }
            }
            "etcd_network_peer_received_failures_total" => {
                if let Some(p) = s.label("From") {
                    self.peer(p).received_failures_total = Some(v);
                }
            }
            _ => {
                if let Some(base) = n.strip_prefix("etcd_network_peer_round_trip_time_seconds") {
                    if let Some(p) = s.label("To") {
                        let p = p.to_string();
                        take_hist(&mut self.peer(&p).rtt, base, &s);
                    }
                } else if let Some(base) = n.strip_prefix("etcd_disk_wal_fsync_duration_seconds") {
                    take_hist(&mut self.wal_fsync, base, &s);
                } else if let Some(base) =
                    n.strip_prefix("etcd_disk_backend_commit_duration_seconds")
                {
                    take_hist(&mut self.backend_commit, base, &s);
                }
            }
        }
    }

    fn peer(&mut self, id: &str) -> &mut PeerSeries {
        self.peers.entry(id.to_ascii_lowercase()).or_default()
    }

    /// Seconds the member had been running when the dump was taken.
    pub fn life_seconds(&self) -> Option<f64> {
        let t = self.time?;
        let start = self.process_start_time_seconds?;
        let now = t.0 as f64 / 1e9;
        let life = now - start;
        if life.is_finite() && life > 0.0 {
            Some(life)
        } else {
            None
        }
    }

    /// The key that ties dumps of one member together: the id, else the name.
    pub fn key(&self) -> Option<String> {
        self.id
            .clone()
            .or_else(|| self.name.as_ref().map(|n| format!("name:{n}")))
    }
}

/// A sample timestamp as an instant. The text format writes milliseconds, OpenMetrics
/// seconds; which one is told by the size (from 1e11 on, seconds would be after the
/// year 5000, milliseconds before 1973 below it). Times outside 1970..9999 are ignored.
fn sample_instant(ts: f64) -> Option<Instant> {
    // microseconds: exact in an f64, where nanoseconds of today's dates are not
    let us = if ts.abs() >= 1e11 { ts * 1e3 } else { ts * 1e6 };
    (0.0..253_402_300_800e6)
        .contains(&us)
        .then(|| Instant(us.round() as i64 * 1000))
}

fn take_hist(h: &mut Histogram, suffix: &str, s: &Sample) {
    match suffix {
        "_bucket" => {
            if let Some(le) = s.label("le").and_then(super::expo::parse_value) {
                h.bucket(le, s.value);
            }
        }
        "_sum" => h.sum = Some(s.value),
        "_count" => h.count = Some(s.value),
        _ => {}
    }
}

/// The member name a file name tells, if any: the base name without directories,
/// compression and dump extensions (`.gz`, `.txt`, `.prom`, `.metrics`, `.out`), and
/// without a `metrics` prefix or suffix joined by `-`, `_` or `.`:
/// `metrics-n1.txt` → `n1`, `etcd-0.metrics` → `etcd-0`, `n2_metrics.prom` → `n2`.
/// A name that is nothing but `metrics` (or empty) tells nothing.
pub fn name_from_file(input: &str) -> Option<String> {
    if input == "<stdin>" || input == "-" {
        return None;
    }
    let base = std::path::Path::new(input).file_name()?.to_str()?;
    let mut s = base.to_string();
    loop {
        let lower = s.to_ascii_lowercase();
        let ext = [".gz", ".txt", ".prom", ".metrics", ".out", ".log"]
            .iter()
            .find(|e| lower.ends_with(*e) && lower.len() > e.len());
        match ext {
            Some(e) => s.truncate(s.len() - e.len()),
            None => break,
        }
    }
    let lower = s.to_ascii_lowercase();
    for sep in ['-', '_', '.'] {
        let pre = format!("metrics{sep}");
        if lower.starts_with(&pre) && lower.len() > pre.len() {
            return Some(s[pre.len()..].to_string());
        }
        let suf = format!("{sep}metrics");
        if lower.ends_with(&suf) && lower.len() > suf.len() {
            return Some(s[..s.len() - suf.len()].to_string());
        }
    }
    if lower == "metrics" || s.is_empty() {
        None
    } else {
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_files() {
        assert_eq!(name_from_file("a/b/metrics-n1.txt").as_deref(), Some("n1"));
        assert_eq!(name_from_file("etcd-0.metrics").as_deref(), Some("etcd-0"));
        assert_eq!(name_from_file("n2_metrics.prom").as_deref(), Some("n2"));
        assert_eq!(
            name_from_file("metrics_etcd-a.txt.gz").as_deref(),
            Some("etcd-a")
        );
        assert_eq!(name_from_file("master-0.txt").as_deref(), Some("master-0"));
        assert_eq!(name_from_file("metrics.txt"), None);
        assert_eq!(name_from_file("metrics"), None);
        assert_eq!(name_from_file("<stdin>"), None);
    }

    #[test]
    fn reads_figures() {
        let text = r#"# HELP etcd_server_id Server or member ID in hexadecimal format.
# TYPE etcd_server_id gauge
etcd_server_id{server_id="ABCD"} 1
etcd_server_has_leader 1
etcd_server_leader_changes_seen_total 3
etcd_debugging_mvcc_db_total_size_in_bytes 100
etcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"} 1
etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"} 2
etcd_disk_wal_fsync_duration_seconds_sum 0.5
etcd_disk_wal_fsync_duration_seconds_count 2
etcd_network_peer_round_trip_time_seconds_sum{To="Beef"} 0.375
etcd_network_peer_round_trip_time_seconds_count{To="beef"} 3
etcd_network_peer_received_failures_total{From="f00d"} 4
garbage here
"#;
        let d = Dump::read(
            text.as_bytes(),
            &DumpMeta {
                input: "x/metrics-n9.txt".into(),
                ..Default::default()
            },
        );
        assert_eq!(d.id.as_deref(), Some("abcd"));
        assert_eq!(d.name.as_deref(), Some("n9"));
        assert_eq!(d.leader_changes_seen_total, Some(3.0));
        assert_eq!(d.db_total_size_in_bytes, Some(100.0));
        assert_eq!(d.wal_fsync.mean(), Some(0.25));
        assert_eq!(d.peers["beef"].rtt.mean(), Some(0.125));
        assert_eq!(d.peers["f00d"].received_failures_total, Some(4.0));
        assert_eq!(d.stats.malformed, 1);
    }
}
