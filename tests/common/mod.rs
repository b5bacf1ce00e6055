//! Shared helpers: run raftlog in process, read a harness's ground truth, compare.
#![allow(dead_code)]

use clap::Parser;
use raftlog::event::Kind;
use raftlog::model::Analysis;
use raftlog::time::{parse_iso, Instant, Zone};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the raftlog binary from the repository root: exit code, stdout, stderr.
pub fn run_bin(args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_raftlog"))
        .current_dir(root())
        .args(args)
        .env("NO_COLOR", "1")
        // output is fitted to COLUMNS when set: tests set it themselves
        .env_remove("COLUMNS")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// [`run_bin`] with extra environment variables.
pub fn run_bin_env(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_raftlog"))
        .current_dir(root())
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Path under fixtures/.
pub fn fixture(p: &str) -> String {
    root().join("fixtures").join(p).display().to_string()
}

/// Analyse like the command line would, in process.
pub fn analyze(args: &[&str]) -> Analysis {
    let cli = raftlog::cli::Cli::parse_from(std::iter::once("raftlog").chain(args.iter().copied()));
    let cfg = raftlog::config::Config::from_cli(cli.command).expect("valid args");
    let mut err = Vec::new();
    raftlog::analyze(&cfg, false, &mut err)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&err)))
}

pub fn ts(s: &str) -> Instant {
    parse_iso(s.as_bytes()).expect(s).0.instant(Zone::Utc)
}

/// One `etcdctl endpoint status` entry.
#[derive(Debug, Clone)]
pub struct Status {
    pub id: String,
    pub leader: String,
    pub term: u64,
}

/// What the harness recorded.
#[derive(Debug, Default)]
pub struct Truth {
    pub statuses: Vec<(Instant, Vec<Status>)>,
    /// (time, verb, member name, extra)
    pub actions: Vec<(Instant, String, String, String)>,
    pub metrics_at: BTreeMap<String, Instant>,
    pub ids: BTreeMap<String, String>,
}

impl Truth {
    pub fn load(dir: &Path) -> Truth {
        let mut t = Truth::default();
        let text = std::fs::read_to_string(dir.join("truth.log")).expect("truth.log");
        for line in text.lines() {
            let Some((when, rest)) = line.split_once(' ') else {
                continue;
            };
            let when = ts(when);
            let words: Vec<&str> = rest.split_whitespace().collect();
            match words.first().copied() {
                Some("status") => {
                    let json = rest.trim_start_matches("status").trim();
                    let v: serde_json::Value = match serde_json::from_str(json) {
                        Ok(v) => v,
                        Err(_) => continue,
                    };
                    let mut st = Vec::new();
                    for e in v.as_array().into_iter().flatten() {
                        st.push(Status {
                            id: e["id"].as_str().unwrap_or("").to_string(),
                            leader: e["leader"].as_str().unwrap_or("").to_string(),
                            term: e["term"].as_u64().unwrap_or(0),
                        });
                    }
                    t.statuses.push((when, st));
                }
                Some("metrics") if words.len() >= 2 => {
                    t.metrics_at.insert(words[1].to_string(), when);
                }
                Some(v @ ("SIGSTOP" | "SIGKILL" | "SIGTERM" | "PARTITION" | "HEAL"))
                    if words.len() >= 2 =>
                {
                    t.actions
                        .push((when, v.to_string(), words[1].to_string(), String::new()));
                }
                // faults with a window: "SLOWDISK n2 start (...)" ... "SLOWDISK n2 end"
                Some(v @ ("SLOWDISK" | "CPUSTARVE" | "LOSSY" | "CONTROL")) if words.len() >= 3 => {
                    t.actions.push((
                        when,
                        v.to_string(),
                        words[1].to_string(),
                        words[2].to_string(),
                    ));
                }
                Some("move-leader") if words.len() >= 5 && words[1] == "from" => {
                    t.actions.push((
                        when,
                        "move-leader".into(),
                        words[2].to_string(),
                        words[4].to_string(),
                    ));
                }
                _ => {}
            }
        }
        if let Ok(m) = std::fs::read_to_string(dir.join("members.json")) {
            let v: serde_json::Value = serde_json::from_str(&m).expect("members.json");
            for e in v.as_array().into_iter().flatten() {
                t.ids.insert(
                    e["name"].as_str().unwrap_or("").to_string(),
                    e["id"].as_str().unwrap_or("").to_string(),
                );
            }
        }
        t
    }
}

/// What two analyses must agree on: per term its leader, cause and culprit.
#[allow(clippy::type_complexity)]
pub fn terms_key(a: &Analysis) -> Vec<(u64, Option<String>, Option<(String, Option<String>)>)> {
    a.report
        .terms
        .iter()
        .map(|t| {
            (
                t.term,
                t.leader.clone(),
                t.cause
                    .as_ref()
                    .map(|c| (c.code.clone(), c.culprit.clone())),
            )
        })
        .collect()
}

/// `etcd_server_leader_changes_seen_total` from a metrics dump.
pub fn leader_changes_metric(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find(|l| l.starts_with("etcd_server_leader_changes_seen_total "))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map(|v| v as u64)
}

/// Check every (term, leader) in the status snapshots against raftlog's terms. Returns
/// the number of distinct terms checked.
pub fn check_leaders(a: &Analysis, truth: &Truth) -> usize {
    let mut expected: BTreeMap<u64, String> = BTreeMap::new();
    for (_, st) in &truth.statuses {
        for s in st {
            if s.leader != "0" && !s.leader.is_empty() {
                if let Some(prev) = expected.insert(s.term, s.leader.clone()) {
                    assert_eq!(
                        prev, s.leader,
                        "status snapshots disagree on term {}",
                        s.term
                    );
                }
            }
        }
    }
    assert!(!expected.is_empty(), "no status snapshot in truth.log");
    for (term, leader) in &expected {
        let row = a
            .report
            .terms
            .iter()
            .find(|r| r.term == *term)
            .unwrap_or_else(|| panic!("term {term} is missing from raftlog's terms"));
        assert_eq!(
            row.leader.as_deref(),
            Some(leader.as_str()),
            "leader of term {term}"
        );
    }
    assert!(
        !a.report.anomalies.iter().any(|x| x.kind == "split_brain"),
        "split brain reported: {:?}",
        a.report.anomalies
    );
    expected.len()
}

/// For each member with a metrics dump: elected_leader + changed_leader events since its
/// last start, up to the dump, equal `etcd_server_leader_changes_seen_total`. Returns
/// (members checked, total leader changes matched).
pub fn check_leader_change_counters(a: &Analysis, truth: &Truth, dir: &Path) -> (usize, u64) {
    let mut members = 0;
    let mut total = 0;
    for (name, at) in &truth.metrics_at {
        let id = truth
            .ids
            .get(name)
            .unwrap_or_else(|| panic!("no id for {name}"));
        let node = u64::from_str_radix(id, 16).unwrap();
        let metric = leader_changes_metric(&dir.join(format!("metrics-{name}.txt")))
            .unwrap_or_else(|| panic!("no counter in metrics-{name}.txt"));
        let mut count = 0u64;
        for e in &a.events {
            if e.node != Some(node) {
                continue;
            }
            if e.ts.is_some_and(|t| t > *at) {
                continue;
            }
            match e.kind {
                Kind::ProcessStart { .. } => count = 0,
                Kind::ElectedLeader { .. } | Kind::ChangedLeader { .. } => count += 1,
                _ => {}
            }
        }
        assert_eq!(count, metric, "leader changes seen by {name} ({id})");
        members += 1;
        total += metric;
    }
    (members, total)
}

/// Check the cause and culprit of the election that followed each fault the harness
/// caused. Returns (elections checked, right).
pub fn check_causes(a: &Analysis, truth: &Truth) -> (usize, usize) {
    let mut checked = 0;
    let mut right = 0;
    for (k, (when, verb, member, _)) in truth.actions.iter().enumerate() {
        let want = match verb.as_str() {
            "SIGSTOP" => "leader_stall",
            "SIGKILL" => "leader_crash",
            "SIGTERM" => "leader_shutdown",
            "move-leader" => "leader_transfer",
            _ => continue,
        };
        let next_action = truth.actions.get(k + 1).map(|x| x.0);
        // the election that followed is for a term above the one the cluster had before
        let term_before = truth
            .statuses
            .iter()
            .rfind(|(t, _)| t < when)
            .map(|(_, st)| st.iter().map(|s| s.term).max().unwrap_or(0))
            .unwrap_or(0);
        // Go-log lines (3.4 capnslog mode) carry whole seconds: allow for the truncation
        let lo = Instant(when.0 - 999_000_000);
        let Some(row) = a.report.terms.iter().find(|r| {
            r.elected_at.is_some_and(|e| {
                let coarse = e.0 % 1_000_000_000 == 0;
                (e >= *when || (coarse && e >= lo)) && next_action.is_none_or(|n| e <= n)
            }) && r.term > term_before
        }) else {
            panic!("no election after {verb} {member} at {when}");
        };
        let culprit = truth.ids.get(member).cloned();
        let got = row.cause.as_ref().expect("cause");
        checked += 1;
        if got.code == want && got.culprit == culprit {
            right += 1;
        } else {
            eprintln!(
                "term {}: after {verb} {member} expected {want} ({culprit:?}), got {} ({:?})",
                row.term, got.code, got.culprit
            );
        }
    }
    (checked, right)
}

/// Check the causes of the elections a network partition caused. Returns (elections
/// checked, right). With pre-vote on and a follower cut off, no election may follow.
pub fn check_partition(a: &Analysis, truth: &Truth, prevote: bool) -> (usize, usize) {
    let (when, _, member, _) = truth
        .actions
        .iter()
        .find(|x| x.1 == "PARTITION")
        .expect("PARTITION in truth.log");
    let x = truth.ids.get(member).expect("id of the cut member").clone();
    // the leader and term just before the cut
    let (_, before) = truth
        .statuses
        .iter()
        .rfind(|(t, _)| t < when)
        .expect("status before the partition");
    let t0 = before.iter().map(|s| s.term).max().unwrap();
    let was_leader = before.iter().any(|s| s.leader == x);
    let after: Vec<&raftlog::report::TermRow> = a
        .report
        .terms
        .iter()
        .filter(|t| t.term > t0 && (t.leader.is_some() || !t.candidates.is_empty()))
        .collect();
    if prevote && !was_leader {
        assert!(
            after.is_empty(),
            "pre-vote: no election may follow a follower's partition, got {:?}",
            after.iter().map(|t| t.term).collect::<Vec<_>>()
        );
        assert!(
            a.report
                .nodes
                .iter()
                .any(|n| n.id == x && n.pre_vote_rounds > 0),
            "the cut member ran pre-vote rounds"
        );
        return (1, 1);
    }
    assert!(!after.is_empty(), "elections after the partition");
    let mut checked = 0;
    let mut right = 0;
    let first_led = after.iter().find(|t| t.leader.is_some()).map(|t| t.term);
    let last_led = after
        .iter()
        .rev()
        .find(|t| t.leader.is_some())
        .map(|t| t.term);
    for t in &after {
        let c = t.cause.as_ref().expect("cause");
        checked += 1;
        let mut ok = c.culprit.as_deref() == Some(x.as_str())
            && ["network", "disruptive_candidate"].contains(&c.code.as_str());
        if was_leader && Some(t.term) == first_led {
            ok &= c.code == "network";
        }
        if !was_leader && Some(t.term) == last_led {
            ok &= c.code == "disruptive_candidate";
        }
        if ok {
            right += 1;
        } else {
            eprintln!(
                "term {}: partition of {member} ({x}): got {} ({:?})",
                t.term, c.code, c.culprit
            );
        }
    }
    (checked, right)
}

/// What a windowed fault of the harness (slow disk, starved CPU, lossy network, or the
/// control run) did, as the cluster recorded it, and what raftlog said about it.
#[derive(Debug)]
pub struct FaultCheck {
    /// The fault's verb in truth.log (SLOWDISK, CPUSTARVE, LOSSY, CONTROL).
    pub verb: String,
    /// The member the fault was put on, by hex id.
    pub member: String,
    /// It led the cluster when the fault began.
    pub was_leader: bool,
    /// The cluster's term went up across the fault (status snapshots).
    pub cluster_elected: bool,
    /// The terms raftlog shows campaigned for or led from the fault's start to 3 s after
    /// its end.
    pub terms: Vec<u64>,
    /// Those of them whose cause and culprit are the expected ones.
    pub right: usize,
}

/// Check the elections around a windowed fault against the cluster's record: a fault on
/// the leader that the cluster answered with an election is `want` (leader_stall for disk
/// and CPU, network for loss) with the faulted member as culprit for every election of
/// the window; a fault that caused no election gets none from raftlog either; and a
/// member that was a follower is never the culprit of an election.
pub fn check_fault(a: &Analysis, truth: &Truth, want: &str) -> FaultCheck {
    let find = |edge: &str| {
        truth
            .actions
            .iter()
            .find(|x| {
                x.3 == edge && ["SLOWDISK", "CPUSTARVE", "LOSSY", "CONTROL"].contains(&x.1.as_str())
            })
            .unwrap_or_else(|| panic!("no fault {edge} in truth.log"))
    };
    let (start, verb, name, _) = find("start");
    let (end, _, _, _) = find("end");
    let member = truth
        .ids
        .get(name)
        .expect("id of the faulted member")
        .clone();
    let (_, before) = truth
        .statuses
        .iter()
        .rfind(|(t, _)| t < start)
        .expect("status before the fault");
    let t0 = before.iter().map(|s| s.term).max().unwrap_or(0);
    let was_leader = before.iter().any(|s| s.leader == member);
    let t1 = truth
        .statuses
        .iter()
        .filter(|(t, _)| t > end)
        .flat_map(|(_, st)| st.iter().map(|s| s.term))
        .max()
        .unwrap_or(t0);
    let horizon = Instant(end.0 + 3_000_000_000);
    let rows: Vec<&raftlog::report::TermRow> = a
        .report
        .terms
        .iter()
        .filter(|t| t.term > t0 && (t.leader.is_some() || !t.candidates.is_empty()))
        .filter(|t| {
            t.started_at
                .or(t.elected_at)
                .is_some_and(|s| s >= *start && s <= horizon)
        })
        .collect();
    let right = rows
        .iter()
        .filter(|t| {
            t.cause
                .as_ref()
                .is_some_and(|c| c.code == want && c.culprit.as_deref() == Some(member.as_str()))
        })
        .count();
    for t in &rows {
        eprintln!(
            "{verb} {name}: term {} cause {:?}",
            t.term,
            t.cause.as_ref().map(|c| (&c.code, &c.culprit))
        );
    }
    FaultCheck {
        verb: verb.clone(),
        member,
        was_leader,
        cluster_elected: t1 > t0,
        terms: rows.iter().map(|t| t.term).collect(),
        right,
    }
}

/// No election of the analysis names `member` as its culprit.
pub fn never_culprit(a: &Analysis, member: &str) -> bool {
    a.report.terms.iter().all(|t| {
        t.cause
            .as_ref()
            .is_none_or(|c| c.culprit.as_deref() != Some(member))
    })
}

/// The first recommendation of this code, if any.
pub fn advice<'a>(a: &'a Analysis, code: &str) -> Option<&'a raftlog::report::Recommendation> {
    a.report.recommendations.iter().find(|r| r.code == code)
}

/// `--since T` shows a part of the same analysis: against the run without it, the
/// members keep their names, every term shown has the same leader, cause and votes, the
/// term led at T and every term begun or elected after it are shown, the anomalies are
/// among the whole run's, and `summary.window` holds the whole run's counts. Returns the
/// number of terms compared.
pub fn check_window_view(full: &Analysis, win: &Analysis, since: Instant) -> usize {
    let names = |a: &Analysis| -> Vec<(String, Option<String>)> {
        a.report
            .nodes
            .iter()
            .map(|n| (n.id.clone(), n.name.clone()))
            .collect()
    };
    assert_eq!(names(win), names(full), "members and their names");
    for t in &win.report.terms {
        let f = full
            .report
            .terms
            .iter()
            .find(|x| x.term == t.term)
            .unwrap_or_else(|| panic!("term {} not in the whole run", t.term));
        assert_eq!(t.leader, f.leader, "term {} leader", t.term);
        assert_eq!(t.leader_name, f.leader_name, "term {} leader name", t.term);
        let cause = |x: &raftlog::report::TermRow| {
            x.cause
                .as_ref()
                .map(|c| (c.code.clone(), c.culprit.clone()))
        };
        assert_eq!(cause(t), cause(f), "term {} cause", t.term);
        assert_eq!(t.candidacies, f.candidacies, "term {} votes", t.term);
    }
    let shown: Vec<u64> = win.report.terms.iter().map(|t| t.term).collect();
    for f in &full.report.terms {
        let after = [f.started_at, f.elected_at]
            .iter()
            .flatten()
            .any(|t| *t >= since);
        let led_at_since =
            f.elected_at.is_some_and(|e| e <= since) && f.ended_at.is_none_or(|e| e >= since);
        if after || led_at_since {
            assert!(
                shown.contains(&f.term),
                "term {} not shown: {shown:?}",
                f.term
            );
        }
    }
    for x in &win.report.anomalies {
        assert!(
            full.report
                .anomalies
                .iter()
                .any(|y| y.kind == x.kind && y.summary == x.summary),
            "{} not in the whole run: {}",
            x.kind,
            x.summary
        );
    }
    let w = win.report.summary.window.as_ref().expect("summary.window");
    let s = &full.report.summary;
    assert_eq!(
        (
            w.totals.elections,
            w.totals.leader_changes,
            w.totals.terms_seen
        ),
        (s.elections, s.leader_changes, s.terms_seen)
    );
    assert_eq!(w.totals.storms, full.report.storms.len() as u64);
    assert_eq!(
        w.totals.leaderless_windows,
        full.report.leaderless.len() as u64
    );
    assert_eq!(w.since, Some(since));
    assert!(win.events.iter().all(|e| e.ts.is_some_and(|t| t >= since)));
    let later = full
        .events
        .iter()
        .filter(|e| e.ts.is_some_and(|t| t >= since))
        .count();
    assert_eq!(win.events.len(), later, "the events at or after --since");
    shown.len()
}

/// The middle of a harness's run: halfway between its SIGKILL and the next fault.
pub fn after_the_kill(truth: &Truth) -> Instant {
    let kill = truth
        .actions
        .iter()
        .position(|a| a.1 == "SIGKILL")
        .expect("a SIGKILL in truth.log");
    let next = &truth.actions[kill + 1];
    let k = truth.actions[kill].0;
    Instant(k.0 + (next.0 .0 - k.0) / 2)
}

/// A member stopped by the harness: (when, name, whether it led at the time).
type Stop = (Instant, String, bool);

/// The stops, the restarts (when, name) and the end of a rolling restart's truth.log.
fn rolling_truth(raw: &str) -> (Vec<Stop>, Vec<(Instant, String)>, Option<Instant>) {
    let (mut leader, mut stops, mut restarts, mut end) = (None, Vec::new(), Vec::new(), None);
    for line in raw.lines() {
        let Some((when, rest)) = line.split_once(' ') else {
            continue;
        };
        let w: Vec<&str> = rest.split_whitespace().collect();
        match (w.first().copied(), w.get(1).copied()) {
            (Some("leader"), Some(n)) => leader = Some(n.to_string()),
            (Some("SIGTERM"), Some(n)) => {
                stops.push((ts(when), n.to_string(), leader.as_deref() == Some(n)))
            }
            (Some("restart"), Some(n)) => restarts.push((ts(when), n.to_string())),
            (Some("stopped"), _) => end = Some(ts(when)),
            _ => {}
        }
    }
    (stops, restarts, end)
}

/// A rolling restart (`scripts/etcd-cluster.sh DIR rolling`: each member in turn SIGTERM
/// and started again, the leader last) against the harness's truth.log: every restart is
/// in `nodes[].restarts` (none is a crash), every stop in `nodes[].shutdowns`, the
/// elections the stops caused are `leader_shutdown`/`leader_transfer` of the stopped leader
/// and planned, nothing is blamed on the network, and `diagnose --fail-on storm` passes
/// even when a single unplanned change would make a storm. Returns the elections checked.
pub fn check_rolling(dir: &Path, label: &str) -> usize {
    let truth = Truth::load(dir);
    let raw = std::fs::read_to_string(dir.join("truth.log")).unwrap();
    let (stops, restarts, end) = rolling_truth(&raw);
    let members = truth.ids.len();
    assert_eq!(stops.len(), members, "{label}: one SIGTERM per member");
    assert_eq!(restarts.len(), members, "{label}: one restart per member");
    assert!(
        stops.iter().any(|s| s.2),
        "{label}: the leader was restarted"
    );
    let a = analyze(&["diagnose", dir.to_str().unwrap()]);
    check_leaders(&a, &truth);
    let node = |name: &str| {
        let id = &truth.ids[name];
        a.report.nodes.iter().find(|n| &n.id == id).unwrap()
    };
    let within = |t: Instant, lo: Instant, ms: i64| t >= lo && t.0 <= lo.0 + ms * 1_000_000;
    for (t, name) in &restarts {
        let n = node(name);
        assert_eq!(n.restarts.len(), 1, "{label} {name}: {:?}", n.restarts);
        assert!(
            within(n.restarts[0], *t, 5000),
            "{label} {name}: {:?} vs {t:?}",
            n.restarts
        );
        assert!(
            n.crashes.is_empty(),
            "{label} {name}: crashes {:?}",
            n.crashes
        );
    }
    for (t, name, _) in &stops {
        let n = node(name);
        assert!(
            n.shutdowns.iter().any(|s| within(*s, *t, 2000)),
            "{label} {name}: stop at {t:?} not in {:?}",
            n.shutdowns
        );
    }
    let end = end.expect("stopped in truth.log");
    let mut checked = 0;
    for r in &a.report.terms {
        let Some(at) = r.elected_at.filter(|e| *e > stops[0].0 && *e < end) else {
            continue;
        };
        // the stop before this election was the leader's
        let (_, name, was_leader) = stops.iter().rfind(|s| s.0 <= at).unwrap();
        assert!(
            was_leader,
            "{label}: term {} elected after {name}'s stop",
            r.term
        );
        let c = r.cause.as_ref().expect("cause");
        assert!(
            c.code == "leader_shutdown" || c.code == "leader_transfer",
            "{label}: term {}: {} ({})",
            r.term,
            c.code,
            c.summary
        );
        assert_eq!(
            c.culprit.as_ref(),
            Some(&truth.ids[name]),
            "{label}: term {}",
            r.term
        );
        assert!(raftlog::cause::planned(r), "{label}: term {}", r.term);
        checked += 1;
    }
    assert!(checked >= 1, "{label}: an election after the leader's stop");
    for r in &a.report.terms {
        let code = r.cause.as_ref().map(|c| c.code.as_str());
        assert_ne!(code, Some("network"), "{label}: term {}", r.term);
    }
    assert!(
        advice(&a, "check_network").is_none(),
        "{label}: network advice"
    );
    assert!(a.report.storms.is_empty(), "{label}: {:?}", a.report.storms);
    let d = dir.to_str().unwrap();
    for extra in [&[][..], &["--storm-threshold", "1"][..]] {
        let mut args = vec!["diagnose", "--fail-on", "storm"];
        args.extend_from_slice(extra);
        args.push(d);
        let (code, _, err) = run_bin(&args);
        assert_eq!(code, Some(0), "{label}: {args:?}: {err}");
    }
    checked
}
