//! Terminal output fitted to a width (`--width`, `COLUMNS`), `--wide`, `diagnose --brief`:
//! what a user in an 80-column terminal sees.

mod common;

use common::{run_bin, run_bin_env};
use unicode_width::UnicodeWidthStr;

/// Every capture under fixtures/real, as a directory argument.
fn real_fixtures() -> Vec<String> {
    let mut dirs: Vec<String> = std::fs::read_dir(common::root().join("fixtures/real"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| format!("fixtures/real/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 20, "the real captures are there: {dirs:?}");
    dirs
}

/// Lines wider than `max` display columns.
fn too_wide(text: &str, max: usize) -> Vec<String> {
    text.lines()
        .filter(|l| UnicodeWidthStr::width(*l) > max)
        .map(str::to_string)
        .collect()
}

#[test]
fn diagnose_and_timeline_fit_80_columns_on_every_real_capture() {
    let mut wide_seen = false;
    for dir in real_fixtures() {
        for cmd in ["diagnose", "timeline"] {
            let (code, out, err) = run_bin_env(&[cmd, "-q", &dir], &[("COLUMNS", "80")]);
            assert_eq!(code, Some(0), "{cmd} {dir}: {err}");
            assert!(out.lines().count() > 5, "{cmd} {dir} printed something");
            let long = too_wide(&out, 80);
            assert!(
                long.is_empty(),
                "{cmd} {dir}: lines over 80:\n{}",
                long.join("\n")
            );
            // --wide: whole lines again, as when piped
            let (_, whole, _) = run_bin_env(&[cmd, "-q", "--wide", &dir], &[("COLUMNS", "80")]);
            let (_, piped, _) = run_bin(&[cmd, "-q", &dir]);
            assert_eq!(whole, piped, "{cmd} {dir}: --wide is the unfitted output");
            wide_seen |= !too_wide(&whole, 80).is_empty();
        }
    }
    assert!(wide_seen, "without fitting, some lines are longer than 80");
}

#[test]
fn width_flag_beats_columns_and_json_is_never_fitted() {
    let dir = "fixtures/real/zap-5-storm";
    let (_, out, _) = run_bin_env(
        &["diagnose", "-q", "--width", "100", dir],
        &[("COLUMNS", "60")],
    );
    assert!(too_wide(&out, 100).is_empty());
    assert!(
        !too_wide(&out, 80).is_empty(),
        "fitted to 100, not to COLUMNS=60"
    );
    let (_, json, _) = run_bin_env(&["diagnose", "-q", "-f", "json", dir], &[("COLUMNS", "80")]);
    let (_, piped, _) = run_bin(&["diagnose", "-q", "-f", "json", dir]);
    assert_eq!(json, piped);
    // evidence lines are cut with an ellipsis, not wrapped or dropped
    let (_, out, _) = run_bin_env(&["diagnose", "-q", dir], &[("COLUMNS", "80")]);
    assert!(out
        .lines()
        .any(|l| l.ends_with('…') && l.contains("info starting an etcd server")));
    let (_, err_out, err) = run_bin(&["report", "--width", "80", dir]);
    assert!(err_out.is_empty() && err.contains("--width"), "{err}");
}

#[test]
fn terms_table_drops_candidates_to_fit_and_says_so() {
    let dir = "fixtures/real/zap-5-storm";
    let (_, out, _) = run_bin_env(&["terms", "-q", dir], &[("COLUMNS", "80")]);
    assert!(too_wide(&out, 80).is_empty(), "{out}");
    let header = out.lines().find(|l| l.contains(" TERM ")).expect("header");
    assert!(
        !header.contains("CANDIDATES") && !header.contains("OUTCOME"),
        "{out}"
    );
    assert!(
        out.contains("CANDIDATES and OUTCOME left out to fit the width"),
        "{out}"
    );
    // the rows are still there: term 8, led by n5 to the end, elected after n2 stalled
    let row = out
        .lines()
        .find(|l| l.trim_start().starts_with("8 "))
        .expect("term 8");
    assert!(
        row.contains("n5") && row.contains("leader_stall (n2)"),
        "{row}"
    );
    let (_, wide, _) = run_bin(&["terms", "-q", dir]);
    assert!(wide.contains(" CANDIDATES ") && wide.contains(" OUTCOME "));
}

/// zap-5-storm's harness (truth.log) stopped the leader six times with SIGSTOP: n4, n2,
/// n4, n1, n3, n2, each stop costing an election (leader stalls: n4 and n2 twice, n1 and
/// n3 once); `etcdctl endpoint status` at the end and n1.log's `elected leader
/// 3304575518950d25 at term 8` give n5 as the last leader. `diagnose --brief` names these
/// on one screen.
#[test]
fn brief_is_one_screen_with_the_key_facts() {
    let dir = "fixtures/real/zap-5-storm";
    let (code, out, err) = run_bin_env(&["diagnose", "-q", "--brief", dir], &[("COLUMNS", "80")]);
    assert_eq!(code, Some(0), "{err}");
    let n = out.lines().count();
    assert!(n <= 24, "{n} lines:\n{out}");
    assert!(too_wide(&out, 80).is_empty(), "{out}");
    assert!(out.contains("last leader: n5 (term 8)"), "{out}");
    assert!(out.contains("leader_stall x6"), "{out}");
    assert!(out.contains("n2 x2, n4 x2"), "culprits: {out}");
    assert!(out.contains("STORM"), "{out}");
    assert!(out.contains("full: raftlog diagnose"), "{out}");
    // one screen per cluster on every real capture
    for dir in real_fixtures() {
        let (_, out, _) = run_bin_env(&["diagnose", "-q", "--brief", &dir], &[("COLUMNS", "80")]);
        assert!(too_wide(&out, 80).is_empty(), "{dir}: {out}");
        let mut screens: Vec<Vec<&str>> = vec![Vec::new()];
        for l in out.lines() {
            if l.starts_with("Cluster ") {
                screens.push(Vec::new());
            }
            screens.last_mut().unwrap().push(l);
        }
        for s in screens.iter().filter(|s| !s.is_empty()) {
            assert!(s.len() <= 24, "{dir}: {} lines:\n{}", s.len(), s.join("\n"));
        }
    }
    let (code, _, err) = run_bin(&["timeline", "--brief", dir]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--brief"), "{err}");
}

#[test]
fn events_table_keeps_one_line_per_event_within_the_width() {
    let dir = "fixtures/real/zap-5-storm";
    let (_, fitted, _) = run_bin_env(&["events", "-q", "-f", "table", dir], &[("COLUMNS", "80")]);
    let (_, whole, _) = run_bin(&["events", "-q", "-f", "table", dir]);
    assert!(too_wide(&fitted, 80).is_empty());
    assert!(!too_wide(&whole, 80).is_empty());
    assert_eq!(fitted.lines().count(), whole.lines().count());
    // each row starts as the whole row does: time, member, kind, term
    for (f, w) in fitted.lines().zip(whole.lines()) {
        let head: String = w.chars().take(50).collect();
        assert!(f.starts_with(&head), "{f}\n{w}");
    }
}

/// On a terminal (a pseudo-terminal of 80 columns made by util-linux `script`): the
/// output is fitted with no COLUMNS, and a diagnose ends with the hint at the other
/// formats; piped, neither.
#[test]
fn a_terminal_gets_its_width_and_the_format_hint() {
    if !std::path::Path::new("/usr/bin/script").exists() {
        eprintln!("skipped: no /usr/bin/script to make a pseudo-terminal");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_raftlog");
    let cmd = format!("stty cols 80 rows 30; {bin} diagnose -q fixtures/real/zap-5-storm");
    let out = std::process::Command::new("/usr/bin/script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(common::root())
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(too_wide(&text, 80).is_empty(), "{text}");
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert!(last.starts_with("more: --format json"), "{last}");
    let (_, piped, _) = run_bin(&["diagnose", "-q", "fixtures/real/zap-5-storm"]);
    assert!(!piped.contains("more: --format json"));
    assert!(!too_wide(&piped, 80).is_empty());
}
