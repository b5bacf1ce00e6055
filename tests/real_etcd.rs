//! End-to-end against a real etcd cluster (Debian etcd-server 3.4): start a fresh
//! cluster with the project's harness, cause elections of different kinds, stop it, run
//! raftlog on its logs and compare with the ground truth the harness recorded.
//!
//! Runs only with RAFTLOG_REAL_ETCD=1 (scripts/test.sh sets it); the scenarios run one
//! after another in this single test (2 cores; never two clusters at once).

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

/// Where a run's logs go: under target/real-etcd/ so that a failing run can be read
/// afterwards; removed when the test passes.
fn workdir(name: &str) -> std::path::PathBuf {
    let d = root()
        .join("target/real-etcd")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Append a line of figures to target/real-etcd/figures.txt (scripts/test.sh prints it).
fn figures(line: &str) {
    use std::io::Write;
    let dir = root().join("target/real-etcd");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("figures.txt"))
    {
        let _ = writeln!(f, "{line}");
    }
}

fn enabled(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1")
}

fn run_harness(script: &str, out: &Path, args: &[&str], env: &[(&str, String)]) {
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("scripts").join(script))
        .arg(out)
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let st = cmd.status().expect("run harness");
    assert!(st.success(), "{script} {args:?} failed: {st}");
}

struct Figures {
    terms: usize,
    counters: usize,
    changes: u64,
    causes_checked: usize,
    causes_right: usize,
}

/// `raftlog metrics` on the run's own dumps reports each member's leader-change counter as
/// the raw line has it.
fn check_metrics(out: &Path) {
    let paths: Vec<std::path::PathBuf> = (1..=5)
        .map(|i| out.join(format!("metrics-n{i}.txt")))
        .filter(|p| p.exists())
        .collect();
    let (inputs, errs) = raftlog::metrics::load(&paths, &raftlog::metrics::LoadOptions::default());
    assert!(errs.is_empty(), "{errs:?}");
    let m = raftlog::metrics::analyze(inputs, &Default::default());
    assert_eq!(m.members.len(), paths.len());
    for p in &paths {
        let want = leader_changes_metric(p).unwrap() as f64;
        let file = p.file_name().unwrap().to_str().unwrap();
        let got = m
            .members
            .iter()
            .find(|x| x.input.ends_with(file))
            .and_then(|x| x.leader_changes_seen_total)
            .unwrap();
        assert_eq!(got.0, want, "{}", p.display());
    }
}

fn check(out: &Path, label: &str) -> Figures {
    check_metrics(out);
    let truth = Truth::load(out);
    // the command line way: a directory, as users give it
    let a = analyze(&["terms", out.to_str().unwrap()]);
    let terms = check_leaders(&a, &truth);
    let (counters, changes) = check_leader_change_counters(&a, &truth, out);
    let (causes_checked, causes_right) = check_causes(&a, &truth);
    eprintln!(
        "{label}: {terms} terms match status snapshots; {counters} members' leader-change counters match ({changes} changes); causes {causes_right}/{causes_checked}"
    );
    Figures {
        terms,
        counters,
        changes,
        causes_checked,
        causes_right,
    }
}

/// Real clusters never run at the same time (2 cores; ports and namespaces).
static ONE_CLUSTER: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn real_etcd_partitions() {
    if !enabled("RAFTLOG_REAL_ETCD") || !enabled("RAFTLOG_NETNS") {
        eprintln!("skipped: set RAFTLOG_REAL_ETCD=1 RAFTLOG_NETNS=1 (root, ip netns) to cut members off a real cluster");
        return;
    }
    let _one = ONE_CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let work = workdir("partitions");
    let id = std::process::id() % 200;
    let mut checked = 0;
    let mut right = 0;
    for (k, (scenario, logger, prevote)) in [
        ("part-leader", "zap", "false"),
        ("part-follower", "zap", "false"),
        ("part-follower", "zap", "true"),
        ("part-leader", "capnslog", "false"),
        ("part-follower", "capnslog", "false"),
    ]
    .into_iter()
    .enumerate()
    {
        let out = work.join(format!("{logger}-{scenario}-{prevote}"));
        run_harness(
            "etcd-netns-cluster.sh",
            &out,
            &[scenario, logger, "3", prevote],
            &[
                ("TAG", format!("rt{id}{k}")),
                ("NET", format!("10.79.{}", (id + k as u32 * 7) % 250)),
                ("HB", "100".into()),
                ("ET", "1000".into()),
            ],
        );
        let truth = Truth::load(&out);
        let a = analyze(&["terms", out.to_str().unwrap()]);
        let terms = check_leaders(&a, &truth);
        let (members, changes) = check_leader_change_counters(&a, &truth, &out);
        let (c, r) = check_partition(&a, &truth, prevote == "true");
        eprintln!(
            "{logger} {scenario} pre-vote={prevote}: {terms} terms match, {members} counters ({changes} changes), partition causes {r}/{c}"
        );
        checked += c;
        right += r;
    }
    eprintln!("real etcd partitions: causes right {right}/{checked}");
    figures(&format!("real etcd partitions (5 clusters in network namespaces): elections after the cut with the right cause and culprit {right}/{checked}"));
    assert_eq!(checked, right, "logs kept in {}", work.display());
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn real_etcd_clusters() {
    if !enabled("RAFTLOG_REAL_ETCD") {
        eprintln!(
            "skipped: set RAFTLOG_REAL_ETCD=1 to run against real etcd (scripts/test.sh does)"
        );
        return;
    }
    let _one = ONE_CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let base0 = 26000 + (std::process::id() % 40) * 200;
    let work = workdir("clusters");
    let mut total = Figures {
        terms: 0,
        counters: 0,
        changes: 0,
        causes_checked: 0,
        causes_right: 0,
    };
    let mut k = 0;
    for (scenario, n) in [("mixed", "3"), ("storm", "5")] {
        for logger in ["zap", "capnslog"] {
            let out = work.join(format!("{logger}-{scenario}"));
            let base = (base0 + k * 20).to_string();
            k += 1;
            run_harness(
                "etcd-cluster.sh",
                &out,
                &[scenario, logger, n, "false"],
                &[("BASE", base), ("HB", "100".into()), ("ET", "1000".into())],
            );
            let f = check(&out, &format!("{logger} {scenario}"));
            assert!(
                f.terms >= 5,
                "{logger} {scenario}: too few terms seen ({})",
                f.terms
            );
            if scenario == "storm" {
                let a = analyze(&["timeline", out.to_str().unwrap()]);
                let metric = leader_changes_metric(&out.join("metrics-n1.txt")).unwrap();
                assert_eq!(
                    a.report.storms.len(),
                    1,
                    "{logger} storm: {:?}",
                    a.report.storms
                );
                assert_eq!(
                    a.report.storms[0].elections,
                    metric - 1,
                    "{logger} storm: unplanned leader changes in the storm vs the counter"
                );
            }
            total.terms += f.terms;
            total.counters += f.counters;
            total.changes += f.changes;
            total.causes_checked += f.causes_checked;
            total.causes_right += f.causes_right;
        }
    }
    eprintln!(
        "real etcd total: {} terms checked, {} counters matched ({} leader changes), causes right {}/{}",
        total.terms, total.counters, total.changes, total.causes_right, total.causes_checked
    );
    figures(&format!(
        "real etcd loopback (4 clusters: zap/capnslog x mixed/storm): {} terms match etcdctl endpoint status, {} members' leader-change counters match their logs ({} leader changes), causes right {}/{}",
        total.terms, total.counters, total.changes, total.causes_right, total.causes_checked
    ));
    assert_eq!(
        total.causes_checked, total.causes_right,
        "every fault's election gets its cause"
    );
}
