//! `--since`/`--until` are a view: the analysis reads every line, the output keeps what
//! intersects the range (issue: a window used to drop the lines before it, losing member
//! names, the leader elected before it and the causes of the elections inside it).

mod common;
use common::*;

/// Real captures of the harness's `mixed` scenario (etcd 3.4 zap and capnslog, 3.5.1),
/// `--since` halfway between the leader's SIGKILL and the next pause (truth.log): the
/// same names, leaders, causes and votes as the whole run.
#[test]
fn since_in_the_middle_of_an_incident_changes_nothing_shown() {
    for name in ["zap-3-mixed", "capnslog-3-mixed", "etcd35-zap-3-mixed"] {
        let dir = fixture(&format!("real/{name}"));
        let truth = Truth::load(std::path::Path::new(&dir));
        let since = after_the_kill(&truth);
        let full = analyze(&["terms", &dir]);
        let win = analyze(&["terms", "--since", &since.rfc3339(), &dir]);
        let n = check_window_view(&full, &win, since);
        assert!(n >= 4, "{name}: {n} terms shown");
        // the crash itself is before the window; the election it caused ends inside it
        let crash = win
            .report
            .terms
            .iter()
            .find(|t| t.cause.as_ref().is_some_and(|c| c.code == "leader_crash"));
        assert!(
            crash.is_some(),
            "{name}: the election after the kill is shown"
        );
        assert!(win.report.nodes.iter().all(|n| n.name.is_some()), "{name}");
    }
}

/// The members' own leader-change counters (in the capture's /metrics dumps, taken at
/// the end) still match their logs with `--until` before the end: a window used to cut
/// the lines counted (a false counter_mismatch), and etcdctl's final status was said to
/// be a term the logs do not reach.
#[test]
fn a_window_does_not_make_counters_mismatch() {
    let dir = fixture("real/zap-3-mixed");
    let truth = Truth::load(std::path::Path::new(&dir));
    let at = after_the_kill(&truth).rfc3339();
    for bound in ["--until", "--since"] {
        let win = analyze(&["diagnose", bound, &at, &dir]);
        assert!(win.metrics.is_some(), "the dumps are read with the logs");
        let kinds: Vec<&str> = win
            .report
            .anomalies
            .iter()
            .map(|a| a.kind.as_str())
            .collect();
        assert!(!kinds.contains(&"counter_mismatch"), "{bound}: {kinds:?}");
        assert!(
            win.report
                .summary
                .notes
                .iter()
                .any(|n| n.contains("endpoint status agrees with the logs")),
            "{bound}: {:?}",
            win.report.summary.notes
        );
    }
}

/// `diagnose --since X --fail-on storm`: a storm is a finding when it meets the window;
/// one that ended before it no longer fails the run, one that runs into it still does.
#[test]
fn fail_on_covers_what_meets_the_window() {
    let dir = fixture("real/zap-3-mixed");
    let full = analyze(&["terms", &dir]);
    assert_eq!(full.report.storms.len(), 1);
    let storm = &full.report.storms[0];
    let (code, _, _) = run_bin(&["diagnose", "-q", "--fail-on", "storm", &dir]);
    assert_eq!(code, Some(1));
    // after the storm's last leader change: nothing to fail on
    let after = raftlog::time::Instant(storm.to.0 + 1_000_000).rfc3339();
    let (code, out, err) = run_bin(&[
        "diagnose",
        "-q",
        "--fail-on",
        "storm",
        "--since",
        &after,
        &dir,
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("0 of 1 storms"), "{out}");
    // its last three leader changes: the storm still meets the window
    let late = full.report.terms[full.report.terms.len() - 3]
        .elected_at
        .unwrap()
        .rfc3339();
    let (code, out, err) = run_bin(&[
        "diagnose",
        "-q",
        "--fail-on",
        "storm",
        "--since",
        &late,
        &dir,
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(out.contains("1 of 1 storms"), "{out}");
}

/// The summary's counts cover the window, the totals beside them (JSON and table).
#[test]
fn summary_counts_cover_the_window_with_the_totals() {
    let dir = fixture("real/zap-3-mixed");
    let full = analyze(&["terms", &dir]);
    let from = full.report.terms[6].elected_at.unwrap();
    let win = analyze(&["terms", "--since", &from.rfc3339(), &dir]);
    let shown = &win.report.terms;
    let s = &win.report.summary;
    assert_eq!(s.terms_seen, shown.len() as u64);
    assert_eq!(
        s.elections,
        shown.iter().filter(|t| !t.candidates.is_empty()).count() as u64
    );
    assert!(s.elections < full.report.summary.elections);
    let w = s.window.as_ref().unwrap();
    assert_eq!(w.totals.elections, full.report.summary.elections);
    let (_, out, _) = run_bin(&["timeline", "-q", "--since", &from.rfc3339(), &dir]);
    let want = format!(
        "{} of {} elections",
        s.elections, full.report.summary.elections
    );
    assert!(out.contains(&want), "{out}");
    // no window: no summary.window, in JSON neither
    assert!(full.report.summary.window.is_none());
    let (_, json, _) = run_bin(&["terms", "-q", "-f", "json", &dir]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["summary"].get("window").is_none());
}

/// `--until` before an election: the term led then is shown with its leader, and what
/// began after the range is not.
#[test]
fn until_keeps_the_leader_of_the_time() {
    let dir = fixture("real/zap-3-mixed");
    let full = analyze(&["terms", &dir]);
    let t4 = full.report.terms.iter().find(|t| t.term == 4).unwrap();
    let until = raftlog::time::Instant(t4.elected_at.unwrap().0 + 500_000_000);
    let win = analyze(&["terms", "--until", &until.rfc3339(), &dir]);
    let last = win.report.terms.last().unwrap();
    assert_eq!(last.term, 4);
    assert_eq!(last.leader, t4.leader);
    assert_eq!(
        last.led_ms, t4.led_ms,
        "led for as long as in the whole run"
    );
    assert!(win.events.iter().all(|e| e.ts.is_some_and(|t| t <= until)));
}
