//! Stops and restarts in real etcd 3.4 captures (fixtures/real/*-slowstop, zap-3-rolling),
//! as they were recorded and with their stop-signal lines taken out: a member stopped
//! through the API, an embedded etcd, or a log that lost the signal line logs only the
//! later steps of its stop (`closing etcd server`, `skipped leadership transfer …`,
//! `closed etcd server`), and must still count as stopped, planned.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// A copy of capture `name` under target/ in which ONLY the stop-signal lines (zap
/// `received signal; shutting down`, capnslog `received terminated signal, shutting
/// down...`) are removed from the member logs; every other file and line is as captured.
/// Returns the copy and the number of lines removed.
fn without_signal_lines(name: &str) -> (PathBuf, usize) {
    let src = root().join("fixtures/real").join(name);
    let dst = root()
        .join("target/stops-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dst);
    std::fs::create_dir_all(&dst).unwrap();
    let mut removed = 0;
    for f in std::fs::read_dir(&src).unwrap() {
        let p = f.unwrap().path();
        let file = p.file_name().unwrap().to_str().unwrap().to_string();
        if !file.ends_with(".log") || file == "truth.log" {
            std::fs::copy(&p, dst.join(&file)).unwrap();
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let mut out = String::new();
        for line in text.split_inclusive('\n') {
            if line.contains("\"msg\":\"received signal; shutting down\"")
                || line.contains(" signal, shutting down...")
            {
                removed += 1;
            } else {
                out.push_str(line);
            }
        }
        std::fs::write(dst.join(&file), out).unwrap();
    }
    (dst, removed)
}

/// (time, member name) of each `<verb> nX` line of truth.log.
fn truth_lines(dir: &Path, verb: &str) -> Vec<(raftlog::time::Instant, String)> {
    std::fs::read_to_string(dir.join("truth.log"))
        .unwrap()
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let (t, v, n) = (w.next()?, w.next()?, w.next()?);
            (v == verb).then(|| (ts(t), n.to_string()))
        })
        .collect()
}

/// Members stopped one at a time (followers first, 5 s apart): the last one campaigns
/// for terms that cannot succeed. Without any signal line, each campaign is still
/// `quorum_lost`, planned, with the two members the harness stopped first, no culprit and
/// no network claim; each member has one stop, between the harness's SIGTERM and the
/// process's exit; and every term reads as it does with the signal lines.
fn slowstop_without_signal(name: &str) {
    let (dir, removed) = without_signal_lines(name);
    assert_eq!(removed, 3, "{name}: one signal line per member");
    let truth = Truth::load(&dir);
    let sigterm = truth_lines(&dir, "SIGTERM");
    let exited = truth_lines(&dir, "exited");
    assert_eq!((sigterm.len(), exited.len()), (3, 3), "{name}: truth.log");
    let a = analyze(&["diagnose", dir.to_str().unwrap()]);
    check_leaders(&a, &truth);
    let want: Vec<String> = {
        let mut v: Vec<String> = sigterm[..2]
            .iter()
            .map(|s| truth.ids[&s.1].clone())
            .collect();
        v.sort();
        v
    };
    let in_vain: Vec<&raftlog::report::TermRow> = a
        .report
        .terms
        .iter()
        .filter(|t| t.started_at.is_some_and(|s| s > sigterm[1].0) && !t.candidates.is_empty())
        .collect();
    assert!(
        !in_vain.is_empty(),
        "{name}: the last member campaigned alone"
    );
    for t in &in_vain {
        let c = t.cause.as_ref().expect("cause");
        assert_eq!(
            (c.code.as_str(), c.culprit.as_deref(), c.planned),
            ("quorum_lost", None, Some(true)),
            "{name}: term {}: {}",
            t.term,
            c.summary
        );
        let mut got = c.stopped_members.clone().unwrap();
        got.sort();
        assert_eq!(got, want, "{name}: term {}", t.term);
        assert!(c.summary.contains("no signal line"), "{}", c.summary);
    }
    assert!(a
        .report
        .terms
        .iter()
        .all(|t| t.cause.as_ref().is_none_or(|c| c.code != "network")));
    assert!(
        advice(&a, "check_network").is_none(),
        "{name}: network advice"
    );
    assert!(a.report.storms.is_empty());
    for ((t0, n), (t1, n1)) in sigterm.iter().zip(&exited) {
        assert_eq!(n, n1);
        let node = a
            .report
            .nodes
            .iter()
            .find(|x| x.id == truth.ids[n])
            .unwrap();
        assert_eq!(node.shutdowns.len(), 1, "{name} {n}: {:?}", node.shutdowns);
        let s = node.shutdowns[0];
        assert!(
            s >= *t0 && s <= *t1,
            "{name} {n}: stop {s:?} not in [{t0:?}, {t1:?}]"
        );
        assert!(
            node.crashes.is_empty() && node.restarts.is_empty(),
            "{name} {n}"
        );
    }
    let full = analyze(&["diagnose", &fixture(&format!("real/{name}"))]);
    assert_eq!(
        terms_key(&a),
        terms_key(&full),
        "{name}: same terms and causes"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn zap_slowstop_without_signal_lines_is_planned_quorum_lost() {
    // what remains of each stop: `closing etcd server`, `skipped leadership transfer;
    // local server is not leader`, `closed etcd server`
    slowstop_without_signal("zap-3-slowstop");
}

#[test]
fn capnslog_slowstop_without_signal_lines_is_planned_quorum_lost() {
    // what remains: `skipped leadership transfer for stopping non-leader member`
    slowstop_without_signal("capnslog-3-slowstop");
}

/// A rolling restart of a real 3-member 3.4 cluster (followers first, the leader last).
#[test]
fn rolling_restart() {
    let n = check_rolling(&root().join("fixtures/real/zap-3-rolling"), "zap-3-rolling");
    assert_eq!(n, 1, "one election: the leader's restart");
}

/// The same rolling restart with its signal lines removed: still restarts after clean
/// stops (not crashes), and the leader's stop still a planned `leader_shutdown`.
#[test]
fn rolling_restart_without_signal_lines() {
    let (dir, removed) = without_signal_lines("zap-3-rolling");
    // three restarts and the final stop of the three members
    assert_eq!(removed, 6);
    let n = check_rolling(&dir, "zap-3-rolling without signal lines");
    assert_eq!(n, 1);
    let a = analyze(&["terms", dir.to_str().unwrap()]);
    let c = a.report.terms.last().unwrap().cause.clone().unwrap();
    assert_eq!(c.code, "leader_shutdown", "{}", c.summary);
    assert!(c.summary.contains("no signal line"), "{}", c.summary);
    let _ = std::fs::remove_dir_all(&dir);
}
