//! Several clusters in one run (docs/clusters.md): the real captures of two unrelated
//! clusters given together are analysed one cluster at a time, never as one history.

mod common;
use assert_cmd::Command;
use common::*;
use serde_json::Value;

fn raftlog_out(args: &[&str]) -> String {
    let (code, out, err) = run_bin(args);
    assert_eq!(code, Some(0), "{args:?}: {err}");
    out
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&raftlog_out(args)).unwrap()
}

const ZAP: &str = "fixtures/real/zap-3-mixed";
const CAPNSLOG: &str = "fixtures/real/capnslog-3-mixed";
const A: &str = "fixtures/real/two-default-single/a.log";
const B: &str = "fixtures/real/two-default-single/b.log";
const A35: &str = "fixtures/real/etcd35-two-default-single/a.log";
const B35: &str = "fixtures/real/etcd35-two-default-single/b.log";

/// The last `etcdctl endpoint status` of a capture: (term, leader hex).
fn final_status(dir: &str) -> (u64, String) {
    let t = Truth::load(&root().join(dir));
    let (_, last) = t.statuses.last().expect("a status line");
    let s = last.iter().find(|s| s.id == s.leader).expect("a leader");
    (s.term, s.leader.clone())
}

#[test]
fn two_three_member_captures_are_two_clusters_without_split_brain() {
    let a = analyze(&["terms", ZAP, CAPNSLOG]);
    assert_eq!(a.sections.len(), 2, "one section per capture");
    assert!(
        a.report.anomalies.iter().all(|x| x.kind != "split_brain"),
        "{:?}",
        a.report.anomalies
    );
    for (s, dir) in a.sections.iter().zip([ZAP, CAPNSLOG]) {
        // each section holds that capture's three logs, and its final term and leader
        // are the ones etcdctl endpoint status reported for it
        assert!(s.report.inputs.iter().all(|i| i.name.starts_with(dir)));
        assert_eq!(s.report.inputs.len(), 3);
        let (term, leader) = final_status(dir);
        let last = s.report.terms.last().unwrap();
        assert_eq!((last.term, last.leader.as_deref()), (term, Some(&*leader)));
        // and the same rows as the capture read alone
        assert_eq!(terms_key(s), terms_key(&analyze(&["terms", dir])), "{dir}");
    }
}

#[test]
fn two_default_single_member_clusters_are_two_sections() {
    for (a, b) in [(A, B), (A35, B35)] {
        let x = analyze(&["terms", a, b]);
        assert_eq!(x.sections.len(), 2, "{a} {b}");
        assert!(x.report.anomalies.is_empty(), "{:?}", x.report.anomalies);
        for s in &x.sections {
            // one bootstrap election each, led by the default member to the end
            let led: Vec<_> = s
                .report
                .terms
                .iter()
                .filter_map(|t| t.leader.clone())
                .collect();
            assert_eq!(led, vec!["8e9e05c52164694d".to_string()]);
            assert!(s.report.leaderless.is_empty(), "{:?}", s.report.leaderless);
        }
    }
}

#[test]
fn json_tags_every_row_with_its_cluster() {
    let v = json(&["terms", "--format", "json", ZAP, CAPNSLOG]);
    let clusters = v["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 2);
    assert_eq!(
        clusters[0]["cluster_ids"],
        serde_json::json!(["140c9bb57912ecc2"])
    );
    assert_eq!(
        clusters[1]["cluster_ids"],
        serde_json::json!(["e0061a605e7fec06"])
    );
    for key in ["nodes", "terms", "leaderless", "anomalies"] {
        for row in v[key].as_array().unwrap() {
            assert!(row["cluster"].is_u64(), "{key}: {row}");
        }
    }
    // rows sorted by (cluster, term)
    let terms: Vec<(u64, u64)> = v["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["cluster"].as_u64().unwrap(), t["term"].as_u64().unwrap()))
        .collect();
    let mut sorted = terms.clone();
    sorted.sort();
    assert_eq!(terms, sorted);
    assert_eq!(terms.iter().filter(|t| t.0 == 1).count(), 10);
    assert_eq!(terms.iter().filter(|t| t.0 == 2).count(), 10);
    // a node's cluster is the cluster its cluster id names
    for n in v["nodes"].as_array().unwrap() {
        let k = n["cluster"].as_u64().unwrap() as usize;
        let ids = clusters[k - 1]["cluster_ids"].as_array().unwrap();
        assert!(ids.contains(&n["cluster_id"]), "{n}");
    }
}

#[test]
fn one_cluster_keeps_its_document() {
    let v = json(&["terms", "--format", "json", ZAP]);
    assert!(v.get("clusters").is_none());
    assert!(v["terms"][0].get("cluster").is_none());
}

#[test]
fn cluster_by_overrides_the_grouping() {
    // the two default clusters share their IDs: `id` trusts them and merges the logs
    let x = analyze(&["terms", "--cluster-by", "id", A, B]);
    assert!(x.sections.is_empty());
    assert!(x
        .report
        .anomalies
        .iter()
        .any(|a| a.kind == "term_regression"));
    // `input`: one cluster per input, here one per member's log
    let y = analyze(&["terms", "--cluster-by", "input", ZAP]);
    assert_eq!(y.sections.len(), 3);
}

#[test]
fn text_outputs_have_one_section_per_cluster() {
    let t = raftlog_out(&["timeline", A, B]);
    assert_eq!(
        t.matches("Cluster 1 of 2: cluster ID cdf818194e3a8c32")
            .count(),
        1
    );
    assert_eq!(
        t.matches("Cluster 2 of 2: cluster ID cdf818194e3a8c32")
            .count(),
        1
    );
    assert_eq!(t.matches("\nTerms\n").count(), 2);
    let md = raftlog_out(&["report", ZAP, CAPNSLOG]);
    assert_eq!(
        md.matches("\n# Cluster ").count() + usize::from(md.starts_with("# Cluster ")),
        2
    );
    let html = raftlog_out(&["report", "--format", "html", ZAP, CAPNSLOG]);
    assert_eq!(html.matches("<html").count(), 1);
    assert_eq!(html.matches("<section id=\"cluster-").count(), 2);
    assert!(html.contains("id=\"cluster-2-summary\""));
    let csv = raftlog_out(&["terms", "--format", "csv", A, B]);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("term,") && lines[0].ends_with(",cluster"));
    assert_eq!(lines.iter().filter(|l| l.starts_with("term,")).count(), 1);
    assert!(lines[1..].iter().any(|l| l.ends_with(",1")));
    assert!(lines[1..].iter().any(|l| l.ends_with(",2")));
    let nd = raftlog_out(&["events", A, B]);
    for l in nd.lines() {
        let e: Value = serde_json::from_str(l).unwrap();
        let k = e["cluster"].as_u64().unwrap();
        let want = if k == 1 { "a.log" } else { "b.log" };
        assert!(
            e["source"]["input"].as_str().unwrap().ends_with(want),
            "{l}"
        );
    }
}

#[test]
fn redaction_covers_every_cluster() {
    for args in [
        vec!["report", "--redact", "--redact-names", ZAP, CAPNSLOG],
        vec!["diagnose", "--redact", "--redact-names", ZAP, CAPNSLOG],
        vec![
            "terms",
            "-f",
            "json",
            "--redact",
            "--redact-names",
            ZAP,
            CAPNSLOG,
        ],
    ] {
        let out = raftlog_out(&args);
        for secret in ["127.0.0.1", "zap-3-mixed", "capnslog-3-mixed", "n1.log"] {
            assert!(!out.contains(secret), "{args:?}: {secret} left in");
        }
    }
}

#[test]
fn fail_on_split_brain_does_not_fire_across_clusters() {
    // before clusters were told apart, these two captures gave "term 2 has 2 leaders"
    // (and seven more terms alike) and --fail-on split-brain exited 1
    let out = Command::cargo_bin("raftlog")
        .unwrap()
        .current_dir(root())
        .args(["terms", "-q", "--fail-on", "split-brain", ZAP, CAPNSLOG])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}
