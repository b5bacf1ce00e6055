//! Metrics dumps, etcdctl outputs, flags, rendering and alerting rules (issue 6).
//!
//! Real inputs: `fixtures/real/*/metrics-n*.txt` and `status-*.json` (etcd 3.4.23, see
//! fixtures/README.md) and `tests/data/metrics/quiet-27000/` (a `-w table` endpoint
//! status, member lists and two dumps of one member, captured with
//! scripts/etcd-cluster.sh; see tests/data/metrics/README.md). Synthetic inputs are in
//! `tests/data/metrics/synthetic/`.

use proptest::prelude::*;
use raftlog::metrics::expo::{parse_all, parse_line};
use raftlog::metrics::histogram::bucket_quantile;
use raftlog::metrics::status::{
    parse_endpoint_status_json, parse_endpoint_status_table, parse_member_list_json,
    parse_member_list_table,
};
use raftlog::metrics::{
    self, analyze, detect, detect_path, read_path, rules, AnalyzeOptions, InputKind, Inputs,
    LoadOptions, MetricsError, Thresholds,
};
use raftlog::time::{parse_iso, Instant, Zone};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// When the harness took a real capture's dumps (the `metrics nX` lines of truth.log, ten
/// milliseconds apart): a dump has no clock of its own, so the caller gives it, as
/// `--metrics-time` does on the command line.
fn dump_time(dir: &Path) -> Option<Instant> {
    let truth = std::fs::read_to_string(dir.join("truth.log")).ok()?;
    truth.lines().find_map(|line| {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() == 4 && w[1] == "metrics" {
            parse_iso(w[0].as_bytes()).map(|(rt, _)| rt.instant(Zone::Utc))
        } else {
            None
        }
    })
}

fn at_dump_time(dir: &Path) -> LoadOptions {
    LoadOptions {
        time: dump_time(dir),
        name: None,
    }
}

fn data(p: &str) -> PathBuf {
    root().join("tests/data/metrics").join(p)
}

fn real_dirs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures/real"))
        .expect("fixtures/real")
        .filter_map(|e| e.ok().map(|e| e.path()))
        // the captures of the cluster harnesses (the two-default-single ones have no
        // dumps and no member list)
        .filter(|p| p.is_dir() && p.join("members.json").exists())
        .collect();
    v.sort();
    assert!(v.len() >= 6, "real captures missing");
    v
}

fn files(dir: &Path, prefix: &str, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap().to_str().unwrap();
            n.starts_with(prefix) && n.ends_with(suffix)
        })
        .collect();
    v.sort();
    v
}

fn ts(s: &str) -> Instant {
    parse_iso(s.as_bytes()).expect(s).0.instant(Zone::Utc)
}

/// The raw value of a series line `name{labels} value`, found by plain text search.
fn raw_value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l[series.len()..].trim().parse::<f64>().ok())
}

/// members.json of a capture: name → hex id.
fn member_ids(dir: &Path) -> BTreeMap<String, String> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("members.json")).unwrap()).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_string(),
                m["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The `status [...]` lines of truth.log, in order: (time, [(endpoint, id, leader, term)]).
type TruthStatus = (Instant, Vec<(String, String, String, u64)>);

fn truth_statuses(dir: &Path) -> Vec<TruthStatus> {
    let text = std::fs::read_to_string(dir.join("truth.log")).unwrap();
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((when, rest)) = line.split_once(' ') else {
            continue;
        };
        let Some(json) = rest.strip_prefix("status ") else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        let entries = v
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["ep"].as_str().unwrap().to_string(),
                    e["id"].as_str().unwrap().to_string(),
                    e["leader"].as_str().unwrap().to_string(),
                    e["term"].as_u64().unwrap(),
                )
            })
            .collect();
        out.push((ts(when), entries));
    }
    out
}

fn load_one(p: &Path, time: Option<Instant>) -> (InputKind, metrics::Loaded) {
    read_path(p, &LoadOptions { time, name: None })
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn analyze_files(
    paths: &[(&Path, Option<Instant>)],
    opts: &AnalyzeOptions,
) -> metrics::MetricsReport {
    let mut inputs = Inputs::default();
    for (p, t) in paths {
        let (k, l) = load_one(p, *t);
        inputs.push(k, &p.display().to_string(), l);
    }
    analyze(inputs, opts)
}

// ---------------------------------------------------------------- real dumps

/// The member's name (from the file name), id and version against the dump's raw lines.
fn check_identity(
    text: &str,
    m: &raftlog::metrics::MemberReport,
    ids: &std::collections::BTreeMap<String, String>,
    f: &std::path::Path,
) {
    let name = f
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .trim_start_matches("metrics-")
        .trim_end_matches(".txt")
        .to_string();
    // member from the file name, id from etcd_server_id, both as the harness knew them
    assert_eq!(m.name.as_deref(), Some(name.as_str()), "{}", f.display());
    assert_eq!(m.id.as_ref(), ids.get(&name), "{}", f.display());
    let raw_id = text
        .lines()
        .find_map(|l| l.strip_prefix("etcd_server_id{server_id=\""))
        .and_then(|l| l.split('"').next())
        .unwrap();
    assert_eq!(m.id.as_deref(), Some(raw_id));
    // the version as the dump's own etcd_server_version line has it (3.4.23 or 3.5.1)
    let raw_version = text
        .lines()
        .find_map(|l| l.strip_prefix("etcd_server_version{server_version=\""))
        .and_then(|l| l.split('"').next());
    assert!(
        matches!(raw_version, Some("3.4.23" | "3.5.1")),
        "{}",
        f.display()
    );
    assert_eq!(m.version.as_deref(), raw_version, "{}", f.display());
}

/// Each peer's mean RTT and send failures against the raw series; the links checked.
fn check_peer_rtts(
    text: &str,
    m: &raftlog::metrics::MemberReport,
    peer_ids: &[&String],
    f: &std::path::Path,
) -> usize {
    let mut checked = 0;
    for p in &m.peers {
        assert!(peer_ids.contains(&&p.id), "unexpected peer {}", p.id);
        let sum = raw_value(
            text,
            &format!(
                "etcd_network_peer_round_trip_time_seconds_sum{{To=\"{}\"}}",
                p.id
            ),
        );
        let count = raw_value(
            text,
            &format!(
                "etcd_network_peer_round_trip_time_seconds_count{{To=\"{}\"}}",
                p.id
            ),
        );
        match (sum, count) {
            (Some(s), Some(c)) if c > 0.0 => {
                assert_eq!(
                    p.rtt.mean_seconds,
                    Some(s / c),
                    "{} → {}",
                    f.display(),
                    p.id
                );
                assert_eq!(p.rtt.count.unwrap().0, c);
                assert!(p.rtt.p99_seconds.is_some());
                checked += 1;
            }
            _ => assert_eq!(p.rtt.mean_seconds, None),
        }
        let sent = raw_value(
            text,
            &format!("etcd_network_peer_sent_failures_total{{To=\"{}\"}}", p.id),
        );
        assert_eq!(p.sent_failures_total.map(|n| n.0), sent);
    }
    checked
}

#[test]
fn real_dumps_match_the_raw_series() {
    let mut dumps = 0;
    let mut peers_checked = 0;
    let mut complete_dumps = 0;
    for dir in real_dirs() {
        let ids = member_ids(&dir);
        for f in files(&dir, "metrics-n", ".txt") {
            let text = std::fs::read_to_string(&f).unwrap();
            let (kind, _) = load_one(&f, None);
            assert_eq!(kind, InputKind::Prometheus, "{}", f.display());
            let r = analyze_files(&[(&f, None)], &AnalyzeOptions::default());
            assert_eq!(r.members.len(), 1);
            let m = &r.members[0];
            check_identity(&text, m, &ids, &f);
            assert_eq!(m.malformed_lines, 0, "{}", f.display());
            // leader_changes_seen_total equals the raw line
            let raw = raw_value(&text, "etcd_server_leader_changes_seen_total").unwrap();
            assert_eq!(
                m.leader_changes_seen_total.unwrap().0,
                raw,
                "{}",
                f.display()
            );
            for (field, series) in [
                (
                    m.proposals_committed_total,
                    "etcd_server_proposals_committed_total",
                ),
                (
                    m.proposals_applied_total,
                    "etcd_server_proposals_applied_total",
                ),
                (
                    m.proposals_failed_total,
                    "etcd_server_proposals_failed_total",
                ),
                (
                    m.heartbeat_send_failures_total,
                    "etcd_server_heartbeat_send_failures_total",
                ),
                (m.db_total_size_in_bytes, "etcd_mvcc_db_total_size_in_bytes"),
            ] {
                assert_eq!(field.map(|n| n.0), raw_value(&text, series), "{series}");
            }
            assert_eq!(
                m.has_leader,
                raw_value(&text, "etcd_server_has_leader").map(|v| v == 1.0)
            );
            // per-peer mean RTT is sum/count of the raw series
            let peer_ids: Vec<&String> =
                ids.values().filter(|i| Some(*i) != m.id.as_ref()).collect();
            // a member that restarted shortly before the dump may not have probed
            // every peer yet
            assert!(m.peers.len() <= peer_ids.len(), "{}", f.display());
            if m.peers.len() == peer_ids.len() {
                complete_dumps += 1;
            }
            peers_checked += check_peer_rtts(&text, m, &peer_ids, &f);
            // the WAL fsync figures
            let c = raw_value(&text, "etcd_disk_wal_fsync_duration_seconds_count").unwrap();
            let s = raw_value(&text, "etcd_disk_wal_fsync_duration_seconds_sum").unwrap();
            assert_eq!(m.wal_fsync.count.unwrap().0, c);
            assert_eq!(m.wal_fsync.mean_seconds, Some(s / c));
            dumps += 1;
        }
    }
    assert!(dumps >= 30, "only {dumps} dumps");
    assert!(peers_checked >= 50, "only {peers_checked} peer links");
    assert!(
        complete_dumps >= 25,
        "only {complete_dumps} dumps with every peer"
    );
}

/// A whole capture directory: logs, truth.log and the harness's members.json are
/// skipped, the dumps and statuses read, members named from the file names, the peers
/// named through the other dumps' ids.
#[test]
fn real_capture_directory() {
    let dir = root().join("fixtures/real/zap-3-mixed");
    let (found, errs) = metrics::expand(std::slice::from_ref(&dir));
    assert!(errs.is_empty(), "{errs:?}");
    let kinds: Vec<InputKind> = found.iter().map(|(_, k)| *k).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == InputKind::Prometheus)
            .count(),
        3
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == InputKind::EndpointStatusJson)
            .count(),
        10
    );
    assert_eq!(found.len(), 13, "{found:?}");
    let (inputs, errs) = metrics::load(std::slice::from_ref(&dir), &at_dump_time(&dir));
    assert!(errs.is_empty());
    let r = analyze(inputs, &AnalyzeOptions::default());
    let names: Vec<&str> = r
        .members
        .iter()
        .map(|m| m.name.as_deref().unwrap())
        .collect();
    assert_eq!(names, ["n1", "n2", "n3"]);
    for m in &r.members {
        for p in &m.peers {
            assert!(p.name.is_some(), "peer {} of {} unnamed", p.id, m.label());
        }
    }
    // the final snapshot: term 10, led by n1 (truth.log)
    let s = r.status_summary.as_ref().unwrap();
    assert_eq!(s.term, Some(10));
    assert_eq!(s.leader.as_deref(), Some("a9e9e1d57dda5a31"));
    assert_eq!(s.leader_name.as_deref(), Some("n1"));
    assert!(s.disagreeing.is_empty() && s.without_leader.is_empty());
    // the dumps agree: n1 leads, and the leader-change counters are those of the raw files
    let n1 = r.member("n1").unwrap();
    assert_eq!(n1.is_leader, Some(true));
    assert_eq!(
        r.member("a9e9e1d57dda5a31").unwrap().name.as_deref(),
        Some("n1")
    );
    // storms in the 40 s this cluster lived: 9 changes seen by n2 and n3
    for n in ["n2", "n3"] {
        let m = r.member(n).unwrap();
        assert_eq!(m.leader_changes_seen_total.unwrap().0, 9.0);
        assert!(
            m.flags.iter().any(|f| f.code == "leader_changes_high"),
            "{n}"
        );
    }
    let worst = r.worst_peer_rtt().unwrap();
    assert!(worst.mean_seconds.unwrap() > 0.0);
}

#[test]
fn real_endpoint_status_json_matches_truth() {
    let mut checked = 0;
    for dir in real_dirs() {
        let truth = truth_statuses(&dir);
        for (k, (_, entries)) in truth.iter().enumerate() {
            let f = dir.join(format!("status-{}.json", k + 1));
            let text = std::fs::read_to_string(&f).unwrap();
            assert_eq!(detect(text.as_bytes()), Some(InputKind::EndpointStatusJson));
            let st = parse_endpoint_status_json(&text, "x").unwrap();
            assert_eq!(st.len(), entries.len(), "{}", f.display());
            for (e, (ep, id, leader, term)) in st.iter().zip(entries) {
                assert_eq!(&e.endpoint, ep);
                assert_eq!(e.id.as_deref(), Some(id.as_str()), "{}", f.display());
                if leader == "0" {
                    assert_eq!(e.leader, None, "{}", f.display());
                    assert_eq!(e.has_leader, Some(false));
                } else {
                    assert_eq!(
                        e.leader.as_deref(),
                        Some(leader.as_str()),
                        "{}",
                        f.display()
                    );
                    assert_eq!(e.is_leader, Some(id == leader));
                }
                assert_eq!(e.raft_term, Some(*term), "{}", f.display());
                assert!(e.cluster_id.is_some());
                checked += 1;
            }
        }
    }
    assert!(checked >= 150, "only {checked} endpoint statuses checked");
}

/// A partitioned member's status: no leader, and the error etcd reported.
#[test]
fn real_status_without_leader() {
    let f = root().join("fixtures/real/netns-zap-3-part-leader/status-2.json");
    let r = analyze_files(&[(&f, None)], &AnalyzeOptions::default());
    let e = r
        .status
        .iter()
        .find(|e| e.id.as_deref() == Some("3c6c08d66908f7e9"))
        .unwrap();
    assert_eq!(e.leader, None);
    assert_eq!(e.errors, ["etcdserver: no leader"]);
    let s = r.status_summary.unwrap();
    assert_eq!(s.term, Some(3));
    assert_eq!(s.leader.as_deref(), Some("5cf1bb6c3dd59bd1"));
    assert_eq!(s.without_leader, ["3c6c08d66908f7e9"]);
}

// ------------------------------------------------- captures made for this module

#[test]
fn real_endpoint_status_table_matches_json() {
    let dir = data("quiet-27000");
    let table = std::fs::read_to_string(dir.join("endpoint-status-table.txt")).unwrap();
    let json = std::fs::read_to_string(dir.join("endpoint-status.json")).unwrap();
    assert_eq!(
        detect(table.as_bytes()),
        Some(InputKind::EndpointStatusTable)
    );
    let t = parse_endpoint_status_table(&table, "t").unwrap();
    let j = parse_endpoint_status_json(&json, "j").unwrap();
    assert_eq!(t.len(), 3);
    for (a, b) in t.iter().zip(&j) {
        assert_eq!(a.endpoint, b.endpoint);
        assert_eq!(a.id, b.id);
        assert_eq!(a.is_leader, b.is_leader);
        assert_eq!(a.is_learner, Some(false));
        assert_eq!(a.raft_term, b.raft_term);
        assert_eq!(a.raft_index, b.raft_index);
        assert_eq!(a.raft_applied_index, b.raft_applied_index);
        assert_eq!(a.version, b.version);
        // "20 kB" in the table is go-humanize's rounding of the exact size
        let exact = b.db_size_bytes.unwrap() as f64;
        assert!((a.db_size_bytes.unwrap() as f64 - exact).abs() / exact < 0.05);
    }
    // truth.log: n3 (a85d1a5fc91e6bfd) led term 2
    let truth = truth_statuses(&dir);
    let leader = &truth[0].1[0].2;
    let lead_rows: Vec<_> = t.iter().filter(|e| e.is_leader == Some(true)).collect();
    assert_eq!(lead_rows.len(), 1);
    assert_eq!(lead_rows[0].id.as_ref(), Some(leader));
    let r = analyze_files(
        &[(&dir.join("endpoint-status-table.txt"), None)],
        &AnalyzeOptions::default(),
    );
    let s = r.status_summary.unwrap();
    assert_eq!(s.term, Some(2));
    assert_eq!(s.leader.as_ref(), Some(leader));
    assert!(
        s.without_leader.is_empty(),
        "tables do not tell a follower's leader"
    );
}

#[test]
fn real_member_lists() {
    let dir = data("quiet-27000");
    let ids = member_ids(&dir);
    let json = std::fs::read_to_string(dir.join("member-list.json")).unwrap();
    let table = std::fs::read_to_string(dir.join("member-list-table.txt")).unwrap();
    assert_eq!(detect(json.as_bytes()), Some(InputKind::MemberListJson));
    assert_eq!(detect(table.as_bytes()), Some(InputKind::MemberListTable));
    // the harness's own members.json is not an etcdctl output
    let harness = std::fs::read(dir.join("members.json")).unwrap();
    assert_eq!(detect(&harness), None);
    for list in [
        parse_member_list_json(&json, "j").unwrap(),
        parse_member_list_table(&table, "t").unwrap(),
    ] {
        assert_eq!(list.len(), 3);
        for m in &list {
            assert_eq!(ids.get(&m.name), Some(&m.id), "{m:?}");
            assert_eq!(m.peer_urls.len(), 1);
            assert_eq!(m.client_urls.len(), 1);
            assert!(!m.is_learner);
        }
    }
    // a member list names the statuses and the dump
    let r = analyze_files(
        &[
            (&dir.join("member-list.json"), None),
            (&dir.join("endpoint-status-table.txt"), None),
            (&dir.join("late/metrics-n1.txt"), None),
        ],
        &AnalyzeOptions::default(),
    );
    let names: Vec<Option<&str>> = r.status.iter().map(|e| e.name.as_deref()).collect();
    assert_eq!(names, [Some("n1"), Some("n2"), Some("n3")]);
    assert_eq!(r.members[0].name.as_deref(), Some("n1"));
    assert_eq!(
        r.members[0].name_source,
        Some(metrics::NameSource::MemberList)
    );
    let peer_names: Vec<Option<&str>> = r.members[0]
        .peers
        .iter()
        .map(|p| p.name.as_deref())
        .collect();
    assert!(peer_names.iter().all(|n| n.is_some()), "{peer_names:?}");
    assert_eq!(r.member_list.len(), 3);
}

/// Two real dumps of one member 3.3 s apart: rates over the interval.
#[test]
fn real_two_dumps_of_one_member() {
    let dir = data("quiet-27000");
    let early = dir.join("early/metrics-n1.txt");
    let late = dir.join("late/metrics-n1.txt");
    // capture-times.txt: the early curl started at 16:58:09.647; truth.log: the late one
    // at 16:58:12.967
    let t0 = ts("2026-11-25T16:58:09.647Z");
    let t1 = ts("2026-11-25T16:58:12.967Z");
    let r = analyze_files(
        &[(&late, Some(t1)), (&early, Some(t0))],
        &AnalyzeOptions::default(),
    );
    assert_eq!(r.members.len(), 1, "{:?}", r.notes);
    let m = &r.members[0];
    assert_eq!(m.id.as_deref(), Some("7f4259a71ba5badf"));
    assert_eq!(m.input, late.display().to_string());
    let rates = m.rates.as_ref().unwrap();
    assert_eq!(rates.basis, "interval");
    assert!((rates.seconds - 3.32).abs() < 1e-9);
    assert_eq!(
        rates.previous_input.as_deref(),
        Some(early.display().to_string().as_str())
    );
    assert!(!rates.restarted);
    assert_eq!(rates.leader_changes.unwrap().0, 0.0);
    assert!(m.flags.is_empty(), "{:?}", m.flags);
    // without times the two dumps cannot be ordered: shown separately, with a note
    let r = analyze_files(
        &[(&late, Some(t0)), (&early, Some(t0))],
        &AnalyzeOptions::default(),
    );
    assert_eq!(r.members.len(), 2);
    assert!(r
        .notes
        .iter()
        .any(|n| n.contains("without distinct dump times")));
}

// ------------------------------------------------------------ quantiles

/// `histogram_quantile` by hand on real buckets: n2's backend commit histogram in
/// fixtures/real/zap-3-mixed/metrics-n2.txt has le=0.001:15, 0.002:24, 0.004:29,
/// 0.008:30, ... +Inf:30 (30 observations).
///
/// - p50: rank = 0.5 × 30 = 15. The first bucket with a cumulative count ≥ 15 is
///   le=0.001 (15), the lowest, whose lower end is 0: 0 + 0.001 × 15/15 = 0.001.
/// - p90: rank = 27. le=0.002 has 24 < 27; le=0.004 has 29 ≥ 27. Inside it:
///   0.002 + (0.004 − 0.002) × (27 − 24)/(29 − 24) = 0.002 + 0.002 × 0.6 = 0.0032.
/// - p99: rank = 29.7. le=0.004 has 29 < 29.7; le=0.008 has 30:
///   0.004 + 0.004 × (29.7 − 29)/(30 − 29) = 0.004 + 0.0028 = 0.0068.
/// - mean = sum/count = 0.038658078000000005 / 30.
///
/// And n2's RTT to n3 (849335a4c3608382): le≤0.0512:2, le=0.1024:4, ... +Inf:4.
/// p99: rank = 3.96 → le=0.1024: 0.0512 + 0.0512 × (3.96 − 2)/(4 − 2) = 0.101376.
#[test]
fn quantiles_by_hand() {
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-15 + 1e-12 * b.abs();
    let f = root().join("fixtures/real/zap-3-mixed/metrics-n2.txt");
    let r = analyze_files(&[(&f, None)], &AnalyzeOptions::default());
    let bc = &r.members[0].backend_commit;
    assert_eq!(bc.count.unwrap().0, 30.0);
    assert!(close(bc.p50_seconds.unwrap(), 0.001));
    assert!(
        close(bc.p90_seconds.unwrap(), 0.0032),
        "{:?}",
        bc.p90_seconds
    );
    assert!(
        close(bc.p99_seconds.unwrap(), 0.0068),
        "{:?}",
        bc.p99_seconds
    );
    assert!(close(bc.mean_seconds.unwrap(), 0.038658078000000005 / 30.0));
    let p = r.members[0]
        .peers
        .iter()
        .find(|p| p.id == "849335a4c3608382")
        .unwrap();
    assert!(close(p.rtt.p99_seconds.unwrap(), 0.101376));
    // the +Inf rule: a quantile beyond the highest finite bucket is that bucket's bound
    // (le=0.05 in synthetic/malformed/metrics-n8.txt: 1, 2, +Inf:4 → p99 rank 3.96 > 2 → 0.05)
    assert_eq!(
        bucket_quantile(0.99, &[(0.025, 1.0), (0.05, 2.0), (f64::INFINITY, 4.0)]),
        0.05
    );
}

// ------------------------------------------------------ exposition edge cases

#[test]
fn openmetrics_dump() {
    let f = data("synthetic/openmetrics/metrics-n7.txt");
    let text = std::fs::read_to_string(&f).unwrap();
    let (samples, st) = parse_all(text.as_bytes());
    assert!(st.eof_marker);
    assert_eq!(st.after_eof, 1, "the line after # EOF is not read");
    assert_eq!(st.malformed, 0, "{:?}", st.malformed_examples);
    let weird = samples.iter().find(|s| s.name == "weird_info").unwrap();
    assert_eq!(weird.label("path"), Some(r"C:\etcd\data"));
    assert_eq!(weird.label("msg"), Some("said \"hi\"\nthen left"));
    assert!(weird.value.is_nan());
    let r = analyze_files(&[(&f, None)], &AnalyzeOptions::default());
    let m = &r.members[0];
    assert_eq!(m.name.as_deref(), Some("n7"));
    assert_eq!(m.id.as_deref(), Some("00ab12cd34ef5678"));
    assert_eq!(m.version.as_deref(), Some("3.6.0"));
    assert_eq!(
        m.has_leader,
        Some(true),
        "the has_leader 0 after # EOF is ignored"
    );
    assert_eq!(m.leader_changes_seen_total.unwrap().0, 5.0);
    // buckets 0.001:0, 0.008:10 (with an exemplar), 0.016:90, 0.032:100, +Inf:100
    // p50: rank 50 → le=0.016: 0.008 + 0.008 × (50 − 10)/(90 − 10) = 0.012
    // p90: rank 90 → le=0.016: 0.008 + 0.008 × 80/80 = 0.016
    // p99: rank 99 → le=0.032: 0.016 + 0.016 × (99 − 90)/(100 − 90) = 0.0304
    let w = &m.wal_fsync;
    assert!((w.p50_seconds.unwrap() - 0.012).abs() < 1e-15);
    assert!((w.p90_seconds.unwrap() - 0.016).abs() < 1e-15);
    assert!((w.p99_seconds.unwrap() - 0.0304).abs() < 1e-15);
    assert_eq!(w.mean_seconds, Some(0.0125));
    let codes: Vec<&str> = m.flags.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["wal_fsync_slow"]);
    assert_eq!(m.flags[0].value.0, w.p99_seconds.unwrap());
    assert_eq!(m.flags[0].threshold.0, 0.01);
    // +Inf DB size is not a number JSON can hold: null
    let mut out = Vec::new();
    metrics::render::write_json(&r, &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(v["members"][0]["db_total_size_in_bytes"].is_null());
}

#[test]
fn malformed_lines_are_counted_not_fatal() {
    let f = data("synthetic/malformed/metrics-n8.txt");
    let r = analyze_files(&[(&f, None)], &AnalyzeOptions::default());
    let m = &r.members[0];
    assert_eq!(m.malformed_lines, 6);
    let inp = &r.inputs[0];
    let lines: Vec<u64> = inp.malformed_examples.iter().map(|x| x.line).collect();
    assert_eq!(lines, [5, 7, 8, 9, 11], "the first five are kept");
    let w = inp.warning().unwrap();
    assert!(w.contains("6 malformed lines skipped (line 5: "), "{w}");
    assert!(w.ends_with("; ...)"), "{w}");
    // what is well-formed is used
    assert_eq!(m.name.as_deref(), Some("n8"));
    assert_eq!(m.id, None);
    assert_eq!(m.has_leader, Some(false));
    assert_eq!(m.proposals_failed_total.unwrap().0, 3.0);
    assert_eq!(m.slow_apply_total.unwrap().0, 7.0);
    assert_eq!(
        m.heartbeat_send_failures_total, None,
        "its line was malformed"
    );
    assert_eq!(m.peers[0].id, "deadbeef");
    assert_eq!(m.peers[0].sent_failures_total.unwrap().0, 12.0);
    let codes: Vec<&str> = m.flags.iter().map(|f| f.code).collect();
    assert_eq!(
        codes,
        ["backend_commit_slow", "no_leader", "proposals_failed"]
    );
    let bc = m
        .flags
        .iter()
        .find(|f| f.code == "backend_commit_slow")
        .unwrap();
    assert_eq!((bc.value.0, bc.threshold.0), (0.05, 0.025));
}

#[test]
fn unreadable_inputs_do_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, [0u8, 159, 146, 150, 0xff, b'\n', 1, 2, 3]).unwrap();
    let badjson = dir.path().join("status.json");
    std::fs::write(&badjson, r#"[{"Endpoint": "x", "Status": {"header": "#).unwrap();
    let missing = dir.path().join("missing.txt");
    let good = data("synthetic/openmetrics/metrics-n7.txt");
    let (inputs, errs) = metrics::load(
        &[junk.clone(), badjson, missing, good],
        &LoadOptions::default(),
    );
    assert_eq!(inputs.dumps.len(), 1);
    let msgs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert_eq!(errs.len(), 3, "{msgs:?}");
    assert!(
        matches!(errs[0], MetricsError::NotRecognised(_)),
        "{msgs:?}"
    );
    assert!(
        msgs.iter().any(|m| m.contains("cannot open input")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("cannot parse endpoint_status_json")),
        "{msgs:?}"
    );
    assert_eq!(detect_path(&junk).unwrap(), None);
    // a directory with nothing of ours
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(
        empty.path().join("etcd.log"),
        "2026-11-25 16:15:34.637441 I | raft: x\n",
    )
    .unwrap();
    let (_, errs) = metrics::expand(&[empty.path().to_path_buf()]);
    assert!(matches!(errs[0], MetricsError::NothingInDir(_)));
}

#[test]
fn gzip_dumps_are_read() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read(root().join("fixtures/real/zap-3-mixed/metrics-n3.txt")).unwrap();
    let p = dir.path().join("metrics-n3.txt.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&p).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(&src).unwrap();
    gz.finish().unwrap();
    assert_eq!(detect_path(&p).unwrap(), Some(InputKind::Prometheus));
    let r = analyze_files(&[(&p, None)], &AnalyzeOptions::default());
    assert_eq!(r.members[0].name.as_deref(), Some("n3"));
    assert_eq!(r.members[0].id.as_deref(), Some("849335a4c3608382"));
}

#[test]
fn detection_of_every_real_file() {
    for dir in real_dirs() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let n = p.file_name().unwrap().to_str().unwrap().to_string();
            let want = if n.starts_with("metrics-") {
                Some(InputKind::Prometheus)
            } else if n.starts_with("status-") {
                Some(InputKind::EndpointStatusJson)
            } else {
                None // logs, truth.log, members.json, netns.json
            };
            assert_eq!(detect_path(&p).unwrap(), want, "{}", p.display());
        }
    }
}

// ---------------------------------------------------------------- flags

/// Two synthetic dumps of member m1, 10 minutes apart: leader changes 3 → 9 (6 in 10
/// minutes: at or above 4 per 15 minutes), failed proposals 2 → 7 (growing), heartbeat
/// send failures 1 → 1 (not growing), and no leader in the later dump.
#[test]
fn interval_flags() {
    let t0 = ts("2025-11-25T16:00:00Z");
    let t1 = ts("2025-11-25T16:10:00Z");
    let a = data("synthetic/interval/t0/metrics-m1.txt");
    let b = data("synthetic/interval/t1/metrics-m1.txt");
    let r = analyze_files(
        &[(&a, Some(t0)), (&b, Some(t1))],
        &AnalyzeOptions::default(),
    );
    assert_eq!(r.members.len(), 1);
    let m = &r.members[0];
    let rt = m.rates.as_ref().unwrap();
    assert_eq!(rt.basis, "interval");
    assert_eq!(rt.seconds, 600.0);
    assert_eq!(rt.leader_changes.unwrap().0, 6.0);
    assert_eq!(rt.leader_changes_per_hour, Some(36.0));
    assert_eq!(rt.leader_changes_per_window, Some(6.0));
    assert_eq!(rt.proposals_failed.unwrap().0, 5.0);
    assert_eq!(rt.heartbeat_send_failures.unwrap().0, 0.0);
    let codes: Vec<&str> = m.flags.iter().map(|f| f.code).collect();
    assert_eq!(
        codes,
        ["no_leader", "leader_changes_high", "proposals_failed"]
    );
    let lc = &m.flags[1];
    assert_eq!((lc.value.0, lc.threshold.0), (6.0, 4.0));
    assert!(
        lc.summary.contains("between two dumps 10m00s apart"),
        "{}",
        lc.summary
    );
    let pf = &m.flags[2];
    assert_eq!(pf.value.0, 5.0);
    assert!(pf.summary.contains("between the two dumps"));
    // a higher storm threshold, a longer window: 6 in 10 min is below 7 per 15 min
    let opts = AnalyzeOptions {
        thresholds: Thresholds {
            storm_threshold: 7,
            ..Default::default()
        },
        ..Default::default()
    };
    let r = analyze_files(&[(&a, Some(t0)), (&b, Some(t1))], &opts);
    assert!(!r.members[0]
        .flags
        .iter()
        .any(|f| f.code == "leader_changes_high"));
}

/// Over a member's life (one dump): a span longer than the window is scaled to it.
#[test]
fn life_rates_and_restarts() {
    let start = 1_764_086_400.0; // process_start_time_seconds of the synthetic dumps
    let a = data("synthetic/interval/t0/metrics-m1.txt");
    // 3 leader changes in 2 hours: 3 / 7200 s × 900 s = 0.375 per 15 min
    let t = Instant((start as i64 + 7200) * 1_000_000_000);
    let r = analyze_files(&[(&a, Some(t))], &AnalyzeOptions::default());
    let m = &r.members[0];
    let rt = m.rates.as_ref().unwrap();
    assert_eq!(rt.basis, "life");
    assert_eq!(rt.seconds, 7200.0);
    assert_eq!(rt.leader_changes_per_window, Some(0.375));
    assert_eq!(rt.leader_changes_per_hour, Some(1.5));
    assert_eq!(m.life_seconds, Some(7200.0));
    let codes: Vec<&str> = m.flags.iter().map(|f| f.code).collect();
    // 2 failed proposals and 1 heartbeat failure since start
    assert_eq!(codes, ["proposals_failed", "heartbeat_send_failures"]);
    // no time: no rates
    let r = analyze_files(&[(&a, None)], &AnalyzeOptions::default());
    let m = &r.members[0];
    assert_eq!(m.dump_time_source, None);
    assert!(m.rates.is_none());

    // a restart between two dumps: the counter started again; the later value is the increase
    let d0 = "etcd_server_id{server_id=\"aa\"} 1\nprocess_start_time_seconds 1000\netcd_server_leader_changes_seen_total 50\netcd_server_proposals_failed_total 9\n";
    let d1 = "etcd_server_id{server_id=\"aa\"} 1\nprocess_start_time_seconds 5000\netcd_server_leader_changes_seen_total 2\netcd_server_proposals_failed_total 0\n";
    let mut inputs = Inputs::default();
    for (text, secs, name) in [(d0, 4000, "x0"), (d1, 6000, "x1")] {
        let d = metrics::Dump::read(
            text.as_bytes(),
            &metrics::DumpMeta {
                input: name.into(),
                time: Some(Instant(secs * 1_000_000_000)),
                ..Default::default()
            },
        );
        inputs.push(
            InputKind::Prometheus,
            name,
            metrics::Loaded::Dump(Box::new(d)),
        );
    }
    let r = analyze(inputs, &AnalyzeOptions::default());
    let rt = r.members[0].rates.as_ref().unwrap();
    assert!(rt.restarted);
    assert_eq!(rt.leader_changes.unwrap().0, 2.0);
    assert_eq!(rt.proposals_failed.unwrap().0, 0.0);
    assert!(r.members[0].flags.is_empty(), "{:?}", r.members[0].flags);
}

/// Dumps without `etcd_server_id` (older etcd) pair by name; the fallback name names
/// a dump whose file name tells nothing.
#[test]
fn pairing_by_name_and_fallback_names() {
    let text = "etcd_server_has_leader 1\netcd_server_leader_changes_seen_total 1\n";
    let mut inputs = Inputs::default();
    for (input, secs) in [("a/metrics-x.txt", 100), ("b/metrics-x.txt", 200)] {
        let d = metrics::Dump::read(
            text.as_bytes(),
            &metrics::DumpMeta {
                input: input.into(),
                time: Some(Instant(secs * 1_000_000_000)),
                ..Default::default()
            },
        );
        inputs.push(
            InputKind::Prometheus,
            input,
            metrics::Loaded::Dump(Box::new(d)),
        );
    }
    let d = metrics::Dump::read(
        text.as_bytes(),
        &metrics::DumpMeta {
            input: "<stdin>".into(),
            name: Some("etcd-2".into()),
            ..Default::default()
        },
    );
    inputs.push(
        InputKind::Prometheus,
        "<stdin>",
        metrics::Loaded::Dump(Box::new(d)),
    );
    let r = analyze(inputs, &AnalyzeOptions::default());
    assert_eq!(r.members.len(), 2);
    assert_eq!(r.members[0].name.as_deref(), Some("etcd-2"));
    assert_eq!(
        r.members[0].name_source,
        Some(metrics::NameSource::Explicit)
    );
    assert_eq!(r.members[1].name.as_deref(), Some("x"));
    assert_eq!(r.members[1].rates.as_ref().unwrap().basis, "interval");
    assert_eq!(r.members[1].rates.as_ref().unwrap().seconds, 100.0);
}

/// The RTT threshold is the heartbeat interval when one is given.
#[test]
fn rtt_threshold_follows_the_heartbeat_interval() {
    let f = root().join("fixtures/real/zap-3-mixed/metrics-n3.txt");
    // n3 → n2: mean 100.4 ms, p99 202.8 ms; n3 → n1: mean 21.0 ms, p99 50.7 ms
    let r = analyze_files(&[(&f, None)], &AnalyzeOptions::default());
    let rtt: Vec<_> = r.members[0]
        .flags
        .iter()
        .filter(|f| f.code == "peer_rtt_high")
        .collect();
    assert_eq!(rtt.len(), 1);
    assert_eq!(rtt[0].peer.as_deref(), Some("63b302efdda86cd7"));
    assert_eq!(rtt[0].threshold.0, 0.1);
    let opts = AnalyzeOptions {
        thresholds: Thresholds {
            heartbeat_interval_ms: Some(20),
            ..Default::default()
        },
        names: [("63b302efdda86cd7".to_string(), "second".to_string())].into(),
    };
    let r = analyze_files(&[(&f, None)], &opts);
    assert_eq!(r.rtt_threshold_seconds, 0.02);
    let rtt: Vec<_> = r.members[0]
        .flags
        .iter()
        .filter(|f| f.code == "peer_rtt_high")
        .collect();
    assert_eq!(rtt.len(), 2, "{rtt:?}");
    assert!(rtt.iter().all(|f| f.threshold.0 == 0.02));
    assert!(
        rtt[0].summary.contains("heartbeat interval"),
        "{}",
        rtt[0].summary
    );
    let named = r.members[0]
        .peers
        .iter()
        .find(|p| p.id == "63b302efdda86cd7")
        .unwrap();
    assert_eq!(named.name.as_deref(), Some("second"));
}

// ------------------------------------------------------------- rendering

#[test]
fn json_document_shape() {
    let dir = root().join("fixtures/real/capnslog-5-storm");
    let (inputs, errs) = metrics::load(std::slice::from_ref(&dir), &at_dump_time(&dir));
    assert!(errs.is_empty());
    let r = analyze(inputs, &AnalyzeOptions::default());
    let mut out = Vec::new();
    metrics::render::write_json(&r, &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["schema_version"], 1);
    let members = v["members"].as_array().unwrap();
    assert_eq!(members.len(), 5);
    for m in members {
        for k in [
            "name",
            "id",
            "input",
            "dump_time",
            "version",
            "has_leader",
            "is_leader",
            "leader_changes_seen_total",
            "proposals_failed_total",
            "proposals_pending",
            "proposals_committed_total",
            "proposals_applied_total",
            "proposals_commit_apply_gap",
            "heartbeat_send_failures_total",
            "slow_apply_total",
            "db_total_size_in_bytes",
            "wal_fsync",
            "backend_commit",
            "peers",
            "rates",
            "flags",
        ] {
            assert!(m.get(k).is_some(), "members[].{k} missing");
        }
        for h in ["wal_fsync", "backend_commit"] {
            for k in [
                "count",
                "mean_seconds",
                "p50_seconds",
                "p90_seconds",
                "p99_seconds",
            ] {
                assert!(m[h].get(k).is_some(), "{h}.{k}");
            }
        }
        assert!(
            m["leader_changes_seen_total"].is_u64(),
            "counters are integers"
        );
        for p in m["peers"].as_array().unwrap() {
            for k in [
                "id",
                "name",
                "rtt",
                "sent_failures_total",
                "received_failures_total",
            ] {
                assert!(p.get(k).is_some(), "peers[].{k}");
            }
            for k in ["count", "mean_seconds", "p99_seconds"] {
                assert!(p["rtt"].get(k).is_some(), "rtt.{k}");
            }
        }
        for f in m["flags"].as_array().unwrap() {
            for k in ["code", "summary", "value", "threshold"] {
                assert!(f.get(k).is_some(), "flags[].{k}");
            }
        }
    }
    assert!(v["status"].as_array().unwrap().len() >= 5);
    assert!(v["status_summary"]["leader"].is_string());
    // the storm: every member saw 7 or more leader changes in under a minute
    assert!(members.iter().all(|m| m["flags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "leader_changes_high")));
}

#[test]
fn table_and_csv() {
    let dir = root().join("fixtures/real/zap-3-mixed");
    let (inputs, _) = metrics::load(std::slice::from_ref(&dir), &at_dump_time(&dir));
    let r = analyze(inputs, &AnalyzeOptions::default());
    let mut out = Vec::new();
    metrics::render::write_table(&r, &mut out).unwrap();
    let t = String::from_utf8(out).unwrap();
    for s in [
        "Members (from /metrics dumps)",
        "Proposals and disk",
        "Peers",
        "Flags",
        "leader_changes_high",
        "Endpoint status (latest of 10 snapshots per endpoint)",
        "Highest term 10, leader a9e9e1d57dda5a31 (n1)",
    ] {
        assert!(t.contains(s), "{s:?} missing in\n{t}");
    }
    let status_rows = t
        .lines()
        .skip_while(|l| !l.starts_with("Endpoint status"))
        .filter(|l| l.contains("http://127.0.0.1:"))
        .count();
    assert_eq!(status_rows, 3, "one row per endpoint\n{t}");

    let mut out = Vec::new();
    metrics::render::write_csv(&r, &mut out).unwrap();
    let mut rd = csv::Reader::from_reader(&out[..]);
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, metrics::render::CSV_HEADER);
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.iter().filter(|r| &r[0] == "member").count(), 3);
    assert_eq!(rows.iter().filter(|r| &r[0] == "peer").count(), 6);
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let n2 = rows
        .iter()
        .find(|r| &r[0] == "member" && &r[1] == "n2")
        .unwrap();
    assert_eq!(&n2[col("leader_changes_seen_total")], "9");
    assert!(n2[col("flags")].contains("leader_changes_high"));
    let link = rows
        .iter()
        .find(|r| &r[0] == "peer" && &r[1] == "n3" && &r[col("peer_name")] == "n2")
        .unwrap();
    assert!(link[col("rtt_mean_seconds")].parse::<f64>().unwrap() > 0.1);
    assert_eq!(&link[col("flags")], "peer_rtt_high");
}

#[test]
fn nothing_read_renders() {
    let r = analyze(Inputs::default(), &AnalyzeOptions::default());
    let mut out = Vec::new();
    metrics::render::write_table(&r, &mut out).unwrap();
    assert!(String::from_utf8(out).unwrap().contains("no metrics dumps"));
    let mut out = Vec::new();
    metrics::render::write_json(&r, &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["members"], serde_json::json!([]));
    assert!(v["status_summary"].is_null());
}

// ----------------------------------------------------------------- rules

fn promtool() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("promtool"))
        .find(|p| p.is_file())
}

fn run(cmd: &mut std::process::Command) -> (bool, String) {
    let out = cmd.output().expect("run promtool");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// `promtool test rules` cases for the default rules: each alert fires on its series
/// (member a) and not on the healthy one (member b).
const PROMTOOL_TESTS: &str = r#"rule_files:
  - default.yml
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'etcd_server_has_leader{instance="a",job="etcd"}'
        values: '1 1 0 0 0 0 0'
      - series: 'etcd_server_has_leader{instance="b",job="etcd"}'
        values: '1 1 1 1 1 1 1'
      - series: 'etcd_server_leader_changes_seen_total{instance="a",job="etcd"}'
        values: '0 1 2 3 4 5 6'
      - series: 'etcd_server_leader_changes_seen_total{instance="b",job="etcd"}'
        values: '1 1 1 1 1 1 2'
      - series: 'etcd_server_proposals_failed_total{instance="a",job="etcd"}'
        values: '0 0 0 1 2 3 4'
      - series: 'etcd_server_proposals_failed_total{instance="b",job="etcd"}'
        values: '0 0 0 0 0 0 0'
    alert_rule_test:
      - eval_time: 2m
        alertname: EtcdNoLeader
        exp_alerts: []
      - eval_time: 6m
        alertname: EtcdNoLeader
        exp_alerts:
          - exp_labels: {severity: critical, instance: a, job: etcd}
            exp_annotations:
              summary: 'etcd member has no leader'
              description: 'etcd member a has had no leader for more than 1m.'
      - eval_time: 6m
        alertname: EtcdHighNumberOfLeaderChanges
        exp_alerts:
          - exp_labels: {severity: warning, instance: a, job: etcd}
            exp_annotations:
              summary: 'etcd leader election storm'
              description: 'etcd member a saw 4 or more leader changes within 15m (an election storm: check peer round-trip times, disk latency and CPU starvation).'
      - eval_time: 6m
        alertname: EtcdProposalsFailing
        exp_alerts:
          - exp_labels: {severity: warning, instance: a, job: etcd}
            exp_annotations:
              summary: 'etcd proposals failing'
              description: 'etcd member a has failed proposals within 15m (usually leader elections or loss of quorum).'
  - interval: 1m
    input_series:
      - series: 'etcd_network_peer_round_trip_time_seconds_sum{instance="a",job="etcd",To="b1"}'
        values: '0+0.3x30'
      - series: 'etcd_network_peer_round_trip_time_seconds_count{instance="a",job="etcd",To="b1"}'
        values: '0+1x30'
      - series: 'etcd_network_peer_round_trip_time_seconds_sum{instance="a",job="etcd",To="c1"}'
        values: '0+0.01x30'
      - series: 'etcd_network_peer_round_trip_time_seconds_count{instance="a",job="etcd",To="c1"}'
        values: '0+1x30'
      - series: 'etcd_disk_wal_fsync_duration_seconds_bucket{instance="a",job="etcd",le="0.008"}'
        values: '0+10x30'
      - series: 'etcd_disk_wal_fsync_duration_seconds_bucket{instance="a",job="etcd",le="0.016"}'
        values: '0+90x30'
      - series: 'etcd_disk_wal_fsync_duration_seconds_bucket{instance="a",job="etcd",le="+Inf"}'
        values: '0+100x30'
      - series: 'etcd_disk_wal_fsync_duration_seconds_bucket{instance="b",job="etcd",le="0.008"}'
        values: '0+100x30'
      - series: 'etcd_disk_wal_fsync_duration_seconds_bucket{instance="b",job="etcd",le="+Inf"}'
        values: '0+100x30'
      - series: 'etcd_disk_backend_commit_duration_seconds_bucket{instance="a",job="etcd",le="0.025"}'
        values: '0+50x30'
      - series: 'etcd_disk_backend_commit_duration_seconds_bucket{instance="a",job="etcd",le="0.05"}'
        values: '0+100x30'
      - series: 'etcd_disk_backend_commit_duration_seconds_bucket{instance="a",job="etcd",le="+Inf"}'
        values: '0+100x30'
    alert_rule_test:
      - eval_time: 5m
        alertname: EtcdPeerRoundTripTimeHigh
        exp_alerts: []
      - eval_time: 20m
        alertname: EtcdPeerRoundTripTimeHigh
        exp_alerts:
          - exp_labels: {severity: warning, instance: a, job: etcd, To: b1}
            exp_annotations:
              summary: 'etcd peer round-trip time high'
              description: 'Mean round-trip time from etcd member a to peer b1 is above 100 ms (the heartbeat interval should be close to the round-trip time and the election timeout well above it).'
      - eval_time: 20m
        alertname: EtcdWALFsyncSlow
        exp_alerts:
          - exp_labels: {severity: warning, instance: a, job: etcd}
            exp_annotations:
              summary: 'etcd WAL fsync slow'
              description: '99th percentile of WAL fsync on etcd member a is above 10 ms (etcd guidance: below 10 ms); a slow disk delays heartbeats and causes elections.'
      - eval_time: 20m
        alertname: EtcdBackendCommitSlow
        exp_alerts:
          - exp_labels: {severity: warning, instance: a, job: etcd}
            exp_annotations:
              summary: 'etcd backend commit slow'
              description: '99th percentile of backend commits on etcd member a is above 25 ms (etcd guidance: below 25 ms).'
"#;

/// `promtool check rules` accepts the file (default and custom parameters), and
/// `promtool test rules` shows that each alert fires on the series it is meant for and
/// stays quiet otherwise.
#[test]
fn rules_pass_promtool() {
    let Some(promtool) = promtool() else {
        eprintln!("skipped: promtool not on PATH (Debian: apt-get install prometheus)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let custom = rules::RulesConfig {
        selector: Some(r#"job=~".*etcd.*""#.into()),
        ..rules::RulesConfig::from(&Thresholds {
            heartbeat_interval_ms: Some(250),
            storm_threshold: 3,
            storm_window_seconds: 3600,
            ..Default::default()
        })
    };
    for (name, cfg) in [
        ("default.yml", rules::RulesConfig::default()),
        ("custom.yml", custom),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, rules::rules_yaml(&cfg)).unwrap();
        let (ok, out) = run(std::process::Command::new(&promtool)
            .arg("check")
            .arg("rules")
            .arg(&p));
        assert!(ok, "promtool check rules {name}:\n{out}");
        assert!(out.contains("SUCCESS: 6 rules found"), "{out}");
    }
    let custom = std::fs::read_to_string(dir.path().join("custom.yml")).unwrap();
    assert!(custom.contains("[1h]) >= 3"));
    assert!(custom.contains("> 0.25"));

    let tests = PROMTOOL_TESTS;
    let tp = dir.path().join("tests.yml");
    std::fs::write(&tp, tests).unwrap();
    let (ok, out) = run(std::process::Command::new(&promtool)
        .current_dir(dir.path())
        .arg("test")
        .arg("rules")
        .arg(&tp));
    assert!(ok, "promtool test rules:\n{out}");
}

// ------------------------------------------------------------ robustness

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn exposition_lines_never_panic(s in "\\PC{0,80}") {
        let _ = parse_line(&s);
    }

    #[test]
    fn exposition_like_lines_never_panic(
        s in r#"[a-z_:{}="\\, #+\-.0-9eIfNa\t]{0,60}"#
    ) {
        let _ = parse_line(&s);
        let _ = detect(s.as_bytes());
    }

    #[test]
    fn readers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let (_, st) = parse_all(&bytes[..]);
        prop_assert!(st.samples + st.malformed <= st.lines);
        let _ = detect(&bytes);
        let s = String::from_utf8_lossy(&bytes);
        let _ = parse_endpoint_status_table(&s, "x");
        let _ = parse_member_list_table(&s, "x");
        let _ = parse_endpoint_status_json(&s, "x");
    }

    #[test]
    fn quantiles_stay_within_the_buckets(
        counts in proptest::collection::vec(0u32..50, 1..8),
        q in 0.0f64..=1.0,
    ) {
        // cumulative buckets at 1, 2, 4, ... and +Inf
        let mut cum = 0.0;
        let mut b = Vec::new();
        for (i, c) in counts.iter().enumerate() {
            cum += *c as f64;
            b.push(((1u64 << i) as f64, cum));
        }
        b.push((f64::INFINITY, cum));
        let v = bucket_quantile(q, &b);
        if cum == 0.0 {
            prop_assert!(v.is_nan());
        } else if !v.is_nan() {
            prop_assert!((0.0..=(1u64 << (counts.len() - 1)) as f64).contains(&v), "{v}");
        }
    }
}

// ------------------------------------------------------------- dump times

fn raftlog_json(args: &[&str]) -> serde_json::Value {
    let o = std::process::Command::new(assert_cmd::cargo::cargo_bin("raftlog"))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn flag_codes(m: &serde_json::Value) -> Vec<String> {
    m["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// capnslog-3-mixed: n3 saw 9 leader changes in the 40 s it lived. A copy of its dump
/// (cp without -p: the file's modification time is the copy's) must not turn that into
/// "0.0 per 15 min over days": with no time of its own the dump time is unknown and
/// said so; `--metrics-time` gives it.
#[test]
fn a_copied_dump_takes_no_time_from_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("metrics-n3.txt");
    std::fs::copy(
        root().join("fixtures/real/capnslog-3-mixed/metrics-n3.txt"),
        &dump,
    )
    .unwrap();
    let d = dump.to_str().unwrap();
    let v = raftlog_json(&["metrics", "-f", "json", d]);
    let m = &v["members"][0];
    assert_eq!(m["leader_changes_seen_total"], 9);
    assert!(m["dump_time"].is_null(), "{}", m["dump_time"]);
    assert!(m["dump_time_source"].is_null());
    assert!(m["rates"].is_null() && m["life_seconds"].is_null());
    // unknown, not invented: no rate, and nothing claimed about the storm...
    assert!(!flag_codes(m).contains(&"leader_changes_high".to_string()));
    let notes = v["notes"].to_string();
    assert!(notes.contains("dump time unknown") && notes.contains("--metrics-time"));
    // ...until the time is given (truth.log: the harness took it at 16:16:50.103)
    let v = raftlog_json(&[
        "metrics",
        "-f",
        "json",
        "--metrics-time",
        "2026-11-25T16:16:50.103Z",
        d,
    ]);
    let m = &v["members"][0];
    assert_eq!(m["dump_time_source"], "explicit");
    assert!((m["life_seconds"].as_f64().unwrap() - 39.353).abs() < 0.01);
    assert_eq!(m["rates"]["basis"], "life");
    assert!(flag_codes(m).contains(&"leader_changes_high".to_string()));
}

/// With the logs (a copied capture directory), each dump is dated by the newest line of
/// its member's log.
#[test]
fn dumps_read_with_logs_take_the_time_of_their_members_last_line() {
    let tmp = tempfile::tempdir().unwrap();
    let src = root().join("fixtures/real/capnslog-3-mixed");
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, tmp.path().join(p.file_name().unwrap())).unwrap();
    }
    let v = raftlog_json(&["diagnose", "-f", "json", "-q", tmp.path().to_str().unwrap()]);
    let members = v["metrics"]["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    for m in members {
        assert_eq!(m["dump_time_source"], "last_log_line", "{}", m["name"]);
        let last = v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == m["id"])
            .unwrap()["last_seen"]
            .clone();
        assert_eq!(m["dump_time"], last);
    }
    let n3 = members.iter().find(|m| m["name"] == "n3").unwrap();
    assert!(n3["life_seconds"].as_f64().unwrap() < 60.0);
    assert!(flag_codes(n3).contains(&"leader_changes_high".to_string()));
}

/// Sample timestamps date a dump. The input is the real n3 dump with a timestamp
/// (milliseconds, as the text format writes them) appended to every sample line, the
/// moment truth.log says it was taken.
#[test]
fn sample_timestamps_date_a_dump() {
    let text =
        std::fs::read_to_string(root().join("fixtures/real/capnslog-3-mixed/metrics-n3.txt"))
            .unwrap();
    let stamped: String = text
        .lines()
        .map(|l| {
            if l.starts_with('#') || l.trim().is_empty() {
                format!("{l}\n")
            } else {
                format!("{l} 1795623410103\n")
            }
        })
        .collect();
    let d = metrics::Dump::read(
        stamped.as_bytes(),
        &metrics::DumpMeta {
            input: "metrics-n3.txt".into(),
            ..Default::default()
        },
    );
    assert_eq!(d.stats.malformed, 0);
    assert_eq!(d.time_source, Some(metrics::TimeSource::SampleTimestamp));
    assert_eq!(d.time, Some(ts("2026-11-25T16:16:50.103Z")));
    // an explicit time wins
    let t = ts("2026-11-25T16:17:00Z");
    let d = metrics::Dump::read(
        stamped.as_bytes(),
        &metrics::DumpMeta {
            input: "metrics-n3.txt".into(),
            time: Some(t),
            ..Default::default()
        },
    );
    assert_eq!(
        (d.time, d.time_source),
        (Some(t), Some(metrics::TimeSource::Explicit))
    );
}

/// Without a dump time the leader-change flag is raised only when it is proven: the
/// dump cannot be later than the analysis, so the counter over the longest possible
/// life is the lowest possible rate.
#[test]
fn leader_change_flag_without_dump_time_is_not_guessed() {
    // 9 leader changes, no dump time (a copied file, no --metrics-time, no log): the
    // member's life is unknown, so no rate and no storm flag; the output does not depend
    // on when raftlog runs (an earlier version bounded the life by the clock's time)
    let p = root().join("fixtures/real/capnslog-3-mixed/metrics-n3.txt");
    let (kind, loaded) = load_one(&p, None);
    let mut inputs = Inputs::default();
    inputs.push(kind, "metrics-n3.txt", loaded);
    let r = analyze(inputs, &AnalyzeOptions::default());
    let m = &r.members[0];
    assert_eq!(m.leader_changes_seen_total.map(|n| n.0), Some(9.0));
    assert!(m.dump_time.is_none() && m.rates.is_none());
    assert!(
        !m.flags.iter().any(|f| f.code == "leader_changes_high"),
        "{:?}",
        m.flags
    );
}
