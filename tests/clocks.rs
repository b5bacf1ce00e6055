//! Member clocks measured from causality (src/clock.rs) on real captures with one
//! member's clock moved by hand: a host logging local time four hours behind UTC without
//! a zone, and a clock 7 s slow. The shifts are made here, from the real files of
//! fixtures/real/ (see fixtures/README.md, "Shifted clocks"): the offsets expected are
//! the ones applied, known by construction, never read from raftlog's output.

mod common;
use common::*;
use raftlog::model::Analysis;
use std::path::{Path, PathBuf};

const N3: &str = "849335a4c3608382"; // n3 of zap-3-mixed (members.json)
const CAPNSLOG_N3: &str = "be6c5f5072dd5858"; // n3 of capnslog-3-mixed (members.json)
const FOUR_HOURS_MS: i64 = 4 * 3600 * 1000;

/// zap's `"ts":"2026-11-25T16:15:32.101Z"` moved by `secs`; with `zone: false` the `Z`
/// is dropped, as a host writing local time without a zone would.
fn shift_zap(src: &str, secs: i64, zone: bool) -> String {
    let re = regex::Regex::new(r#""ts":"([^"]+)Z""#).unwrap();
    re.replace_all(src, |c: &regex::Captures| {
        let t = chrono::NaiveDateTime::parse_from_str(&c[1], "%Y-%m-%dT%H:%M:%S%.3f").unwrap()
            + chrono::Duration::seconds(secs);
        let z = if zone { "Z" } else { "" };
        format!(r#""ts":"{}{z}""#, t.format("%Y-%m-%dT%H:%M:%S%.3f"))
    })
    .into_owned()
}

/// capnslog 3.4 lines (`2026-11-25 16:16:11.543293 I | ...`, zone-less) and its raft
/// lines (`raft2026/11/25 16:16:13 INFO: ...`, zone-less, whole seconds) moved by `secs`.
fn shift_capnslog(src: &str, secs: i64) -> String {
    let d = chrono::Duration::seconds(secs);
    let cap = regex::Regex::new(r"(?m)^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6})").unwrap();
    let raft = regex::Regex::new(r"(?m)^raft(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)").unwrap();
    let s = cap.replace_all(src, |c: &regex::Captures| {
        let f = "%Y-%m-%d %H:%M:%S%.6f";
        (chrono::NaiveDateTime::parse_from_str(&c[1], f).unwrap() + d)
            .format(f)
            .to_string()
    });
    raft.replace_all(&s, |c: &regex::Captures| {
        let f = "%Y/%m/%d %H:%M:%S";
        let t = chrono::NaiveDateTime::parse_from_str(&c[1], f).unwrap() + d;
        format!("raft{}", t.format(f))
    })
    .into_owned()
}

/// A copy of capture `name` with `n3.log` rewritten by `shift` and the other members'
/// logs unchanged (`members`: which of them to copy).
fn shifted(name: &str, members: &[&str], shift: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = root().join("fixtures/real").join(name);
    let tmp = tempfile::tempdir().unwrap();
    for n in members {
        let f = format!("{n}.log");
        std::fs::copy(dir.join(&f), tmp.path().join(&f)).unwrap();
    }
    let n3 = std::fs::read_to_string(dir.join("n3.log")).unwrap();
    std::fs::write(tmp.path().join("n3.log"), shift(&n3)).unwrap();
    tmp
}

fn four_hours_behind() -> tempfile::TempDir {
    shifted("zap-3-mixed", &["n1", "n2"], |s| {
        shift_zap(s, -4 * 3600, false)
    })
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn anomalies<'a>(a: &'a Analysis, kind: &str) -> Vec<&'a raftlog::report::Anomaly> {
    a.report
        .anomalies
        .iter()
        .filter(|x| x.kind == kind)
        .collect()
}

fn offset_of(a: &Analysis, id: &str) -> Option<i64> {
    a.report
        .nodes
        .iter()
        .find(|n| n.id == id)
        .and_then(|n| n.clock_offset_ms)
}

/// The merged timeline as (file name, line, time, kind): comparable across directories.
fn timeline(a: &Analysis) -> Vec<(String, u64, Option<i64>, &'static str)> {
    a.events
        .iter()
        .map(|e| {
            let input = PathBuf::from(&a.input_names[e.origin.input as usize]);
            let file = input.file_name().unwrap().to_string_lossy().into_owned();
            (file, e.origin.line, e.ts.map(|t| t.0), e.kind.name())
        })
        .collect()
}

/// Per term: (term, election_ms, led_ms); per leaderless window its length; the total.
type Durations = (Vec<(u64, Option<i64>, Option<i64>)>, Vec<Option<i64>>, i64);

/// Every duration the report gives: per term (election, leadership) and per window.
fn durations(a: &Analysis) -> Durations {
    let terms = a
        .report
        .terms
        .iter()
        .map(|r| (r.term, r.election_ms, r.led_ms))
        .collect();
    let windows = a.report.leaderless.iter().map(|w| w.duration_ms).collect();
    (terms, windows, a.report.summary.leaderless_ms)
}

fn original() -> Analysis {
    analyze(&["diagnose", &fixture("real/zap-3-mixed")])
}

#[test]
fn a_member_logging_four_hours_behind_without_a_zone_is_a_zone_offset() {
    let tmp = four_hours_behind();
    let a = analyze(&["diagnose", path(tmp.path())]);
    let z = anomalies(&a, "zone_offset");
    assert_eq!(z.len(), 1, "{:?}", a.report.anomalies);
    assert_eq!(z[0].nodes, vec![N3.to_string()]);
    assert_eq!(z[0].offset_ms, Some(-FOUR_HOURS_MS));
    let hint = z[0].hint.as_deref().unwrap();
    assert!(
        hint.starts_with("--assume-tz ") && hint.ends_with("n3.log=-04:00"),
        "{hint}"
    );
    assert!(
        anomalies(&a, "clock_skew").is_empty(),
        "{:?}",
        a.report.anomalies
    );
    assert_eq!(offset_of(&a, N3), Some(-FOUR_HOURS_MS));
    assert_eq!(offset_of(&a, "a9e9e1d57dda5a31"), None);
    assert_eq!(offset_of(&a, "63b302efdda86cd7"), None);
    assert!(a
        .report
        .summary
        .notes
        .iter()
        .any(|n| n.starts_with("member n3's clock corrected by -4h00m")));
    // leaders per term are the recorded ones
    check_leaders(&a, &Truth::load(&root().join("fixtures/real/zap-3-mixed")));
}

#[test]
fn the_corrected_timeline_and_durations_equal_the_unshifted_run() {
    let tmp = four_hours_behind();
    let a = analyze(&["diagnose", path(tmp.path())]);
    let b = original();
    assert_eq!(timeline(&a), timeline(&b));
    assert_eq!(durations(&a), durations(&b));
    assert_eq!(terms_key(&a), terms_key(&b));
}

#[test]
fn events_keep_the_time_as_logged_beside_the_corrected_one() {
    let tmp = four_hours_behind();
    let (code, out, _) = run_bin(&["events", path(tmp.path())]);
    assert_eq!(code, Some(0));
    let mut n3 = 0;
    for l in out.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let logged = v.get("ts_logged");
        if v["node"] == N3 {
            let (ts, logged) = (v["ts"].as_str().unwrap(), logged.unwrap().as_str().unwrap());
            let d = ts_ms(ts) - ts_ms(logged);
            assert_eq!(d, FOUR_HOURS_MS, "{l}");
            n3 += 1;
        } else {
            assert!(logged.is_none(), "{l}");
        }
    }
    assert!(n3 > 50, "{n3} events of n3");
}

fn ts_ms(s: &str) -> i64 {
    ts(s).0 / 1_000_000
}

#[test]
fn assume_tz_for_that_file_makes_the_anomaly_go_away() {
    let tmp = four_hours_behind();
    let a = analyze(&["diagnose", "--assume-tz", "n3.log=-04:00", path(tmp.path())]);
    assert!(
        anomalies(&a, "zone_offset").is_empty(),
        "{:?}",
        a.report.anomalies
    );
    assert!(
        anomalies(&a, "clock_skew").is_empty(),
        "{:?}",
        a.report.anomalies
    );
    assert!(a.report.nodes.iter().all(|n| n.clock_offset_ms.is_none()));
    assert!(a.clock_shifts.is_empty());
    assert_eq!(timeline(&a), timeline(&original()));
    // the zone given for another file leaves this one as it was
    let c = analyze(&["diagnose", "--assume-tz", "n1.log=-04:00", path(tmp.path())]);
    assert!(!anomalies(&c, "zone_offset").is_empty());
}

#[test]
fn no_clock_correction_keeps_the_raw_wrong_order() {
    let tmp = four_hours_behind();
    let a = analyze(&["diagnose", "--no-clock-correction", path(tmp.path())]);
    // still reported, nothing moved
    assert_eq!(anomalies(&a, "zone_offset").len(), 1);
    assert!(a.report.nodes.iter().all(|n| n.clock_offset_ms.is_none()));
    assert!(a.clock_shifts.is_empty());
    // as logged, all of n3's lines come four hours before the others' (the capture took
    // under a minute)
    let is_n3: Vec<bool> = a
        .events
        .iter()
        .map(|e| e.node == Some(0x849335a4c3608382))
        .collect();
    let last_n3 = is_n3.iter().rposition(|x| *x).unwrap();
    let first_other = is_n3.iter().position(|x| !x).unwrap();
    assert!(last_n3 < first_other, "n3's raw times are four hours early");
    assert_ne!(timeline(&a), timeline(&original()));
}

#[test]
fn a_zone_offset_does_not_fire_fail_on_clock_skew_a_skew_does() {
    let tmp = four_hours_behind();
    let (code, _, _) = run_bin(&["diagnose", "--fail-on", "clock-skew", path(tmp.path())]);
    assert_eq!(code, Some(0));
    let skew = shifted("zap-3-mixed", &["n1", "n2"], |s| shift_zap(s, -7, true));
    let (code, _, _) = run_bin(&["diagnose", "--fail-on", "clock-skew", path(skew.path())]);
    assert_eq!(code, Some(1));
}

#[test]
fn a_clock_seven_seconds_slow_is_clock_skew_and_corrected() {
    let tmp = shifted("zap-3-mixed", &["n1", "n2"], |s| shift_zap(s, -7, true));
    let a = analyze(&["diagnose", path(tmp.path())]);
    assert!(
        anomalies(&a, "zone_offset").is_empty(),
        "{:?}",
        a.report.anomalies
    );
    let s = anomalies(&a, "clock_skew");
    assert_eq!(s.len(), 1, "{:?}", a.report.anomalies);
    assert_eq!(s[0].nodes, vec![N3.to_string()]);
    // measured from message delays of a few milliseconds on one machine
    let off = s[0].offset_ms.unwrap();
    assert!((-7_050..=-6_950).contains(&off), "offset {off}");
    assert_eq!(offset_of(&a, N3), Some(off));
    check_leaders(&a, &Truth::load(&root().join("fixtures/real/zap-3-mixed")));
}

#[test]
fn a_capnslog_host_in_local_time_is_a_zone_offset() {
    // capnslog writes no zone at all: only the times move; its raft lines have whole
    // seconds
    let tmp = shifted("capnslog-3-mixed", &["n1", "n2"], |s| {
        shift_capnslog(s, -4 * 3600)
    });
    let a = analyze(&["diagnose", path(tmp.path())]);
    let z = anomalies(&a, "zone_offset");
    assert_eq!(z.len(), 1, "{:?}", a.report.anomalies);
    assert_eq!(z[0].nodes, vec![CAPNSLOG_N3.to_string()]);
    assert_eq!(z[0].offset_ms, Some(-FOUR_HOURS_MS));
    assert!(anomalies(&a, "clock_skew").is_empty());
    let b = analyze(&["diagnose", &fixture("real/capnslog-3-mixed")]);
    assert_eq!(timeline(&a), timeline(&b));
    assert_eq!(durations(&a), durations(&b));
}

#[test]
fn with_two_members_the_one_whose_lines_carry_their_zone_is_the_reference() {
    let tmp = shifted("zap-3-mixed", &["n1"], |s| shift_zap(s, -4 * 3600, false));
    let a = analyze(&["diagnose", path(tmp.path())]);
    let z = anomalies(&a, "zone_offset");
    assert_eq!(z.len(), 1, "{:?}", a.report.anomalies);
    assert_eq!(z[0].nodes, vec![N3.to_string()]);
    assert_eq!(z[0].offset_ms, Some(-FOUR_HOURS_MS));
    // both zoned: who is off cannot be told, nothing is claimed or moved
    let both = shifted("zap-3-mixed", &["n1"], |s| shift_zap(s, -4 * 3600, true));
    let b = analyze(&["diagnose", path(both.path())]);
    assert!(
        anomalies(&b, "zone_offset").is_empty(),
        "{:?}",
        b.report.anomalies
    );
    assert!(b.clock_shifts.is_empty());
}

#[test]
fn every_real_capture_has_one_clock() {
    // every member of a capture logged on one host clock: every offset is 0, nothing
    // is corrected and no clock anomaly is reported
    let mut dirs = 0;
    for d in std::fs::read_dir(root().join("fixtures/real")).unwrap() {
        let d = d.unwrap().path();
        if !d.is_dir() {
            continue;
        }
        let a = analyze(&["diagnose", path(&d)]);
        let sections: Vec<&Analysis> = if a.sections.is_empty() {
            vec![&a]
        } else {
            a.sections.iter().collect()
        };
        for s in sections {
            assert!(s.clock_shifts.is_empty(), "{}", d.display());
            assert!(
                s.report.nodes.iter().all(|n| n.clock_offset_ms.is_none()),
                "{}",
                d.display()
            );
            assert!(
                !s.report
                    .anomalies
                    .iter()
                    .any(|x| x.kind == "zone_offset" || x.kind == "clock_skew"),
                "{}: {:?}",
                d.display(),
                s.report.anomalies
            );
        }
        dirs += 1;
    }
    assert!(dirs >= 30, "{dirs} captures");
}

#[test]
fn a_zone_for_a_file_that_is_not_read_is_a_usage_error() {
    let tmp = four_hours_behind();
    let (code, _, err) = run_bin(&["diagnose", "--assume-tz", "n4.log=-04:00", path(tmp.path())]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no input is named n4.log"), "{err}");
    let (code, _, err) = run_bin(&["diagnose", "--assume-tz", "n3.log=EDT", path(tmp.path())]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--assume-tz n3.log=EDT"), "{err}");
}

#[test]
fn a_relative_since_counts_back_from_the_newest_line_on_the_corrected_clock() {
    // n3's host logs 4 hours ahead, zone-less: its last lines are not the newest
    let tmp = shifted("zap-3-mixed", &["n1", "n2"], |s| {
        shift_zap(s, 4 * 3600, false)
    });
    let a = analyze(&["diagnose", "--since", "20s", path(tmp.path())]);
    assert_eq!(
        anomalies(&a, "zone_offset")[0].offset_ms,
        Some(FOUR_HOURS_MS)
    );
    let b = analyze(&["diagnose", "--since", "20s", &fixture("real/zap-3-mixed")]);
    assert!(!terms_key(&b).is_empty());
    assert_eq!(terms_key(&a), terms_key(&b));
    assert_eq!(durations(&a), durations(&b));
}
