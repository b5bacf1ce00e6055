//! `--node`, `--term`, `--kind`: views over the full analysis. The filtered JSON holds
//! exactly the unfiltered rows that match, unchanged; nothing else differs but the
//! summary's counts of what is shown and `summary.window` (the filter echoed).
//!
//! fixtures/real/zap-5-storm: its harness (truth.log) stopped the leader six times
//! (SIGSTOP n4, n2, n4, n1, n3, n2); `etcdctl endpoint status` between the stops gives
//! the leaders n4 (term 2), n2 (3), n4 (4), n1 (5), n3 (6), n2 (7), n5 (8). Member IDs
//! from the status lines: n4 = cd4f91837934ec19, n2 = 73f0277a6f4f62f.

mod common;

use common::run_bin;
use serde_json::Value;

const DIR: &str = "fixtures/real/zap-5-storm";
const N4: &str = "cd4f91837934ec19";

fn doc(extra: &[&str]) -> Value {
    let mut args = vec!["timeline", "-q", "-f", "json", "--events"];
    args.extend_from_slice(extra);
    args.push(DIR);
    let (code, out, err) = run_bin(&args);
    assert_eq!(code, Some(0), "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

fn rows<'a>(d: &'a Value, key: &str) -> &'a Vec<Value> {
    d[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is an array"))
}

fn terms_of(d: &Value) -> Vec<u64> {
    rows(d, "terms")
        .iter()
        .map(|t| t["term"].as_u64().unwrap())
        .collect()
}

/// The unfiltered rows of `key` for which `keep` holds, in their order.
fn kept(d: &Value, key: &str, keep: impl Fn(&Value) -> bool) -> Vec<Value> {
    rows(d, key).iter().filter(|r| keep(r)).cloned().collect()
}

/// Keys that must be identical whatever the filter.
fn same_keys(all: &Value, f: &Value, keys: &[&str]) {
    for k in keys {
        assert_eq!(all[k], f[k], "{k} changed under a filter");
    }
}

#[test]
fn term_range_keeps_those_terms_and_what_is_about_them() {
    let all = doc(&[]);
    let f = doc(&["--term", "3..4"]);
    assert_eq!(terms_of(&f), vec![3, 4]);
    let in_range = |t: &Value| t.as_u64().is_some_and(|t| (3..=4).contains(&t));
    assert_eq!(
        rows(&f, "terms"),
        &kept(&all, "terms", |r| in_range(&r["term"]))
    );
    assert_eq!(
        rows(&f, "leaderless"),
        &kept(&all, "leaderless", |w| w["terms"]
            .as_array()
            .unwrap()
            .iter()
            .any(in_range))
    );
    // the storm spans terms 3-8: it is about terms 3 and 4 too
    assert_eq!(rows(&f, "storms"), rows(&all, "storms"));
    // events printing a term: those of terms 3 and 4, unchanged
    let with_term: Vec<&Value> = rows(&f, "events")
        .iter()
        .filter(|e| !e["term"].is_null())
        .collect();
    let expect: Vec<&Value> = rows(&all, "events")
        .iter()
        .filter(|e| in_range(&e["term"]))
        .collect();
    assert_eq!(with_term, expect);
    same_keys(
        &all,
        &f,
        &["inputs", "recommendations", "metrics", "schema_version"],
    );
    // names and leaders are those of the whole analysis: term 4's leader is still n4
    assert_eq!(rows(&f, "terms")[1]["leader"], N4);
    assert_eq!(f["summary"]["window"]["terms"], "3..4");
    assert_eq!(
        f["summary"]["window"]["totals"]["elections"],
        all["summary"]["elections"]
    );
    assert_eq!(f["summary"]["elections"], 2);
}

#[test]
fn node_keeps_the_terms_it_took_part_in_and_its_own_rows() {
    let all = doc(&[]);
    for spec in ["n4", N4, "0xCD4F91837934EC19"] {
        let f = doc(&["--node", spec]);
        // n4 led terms 2 and 4; its stalls (SIGSTOP) caused the elections of 3 and 5
        assert_eq!(terms_of(&f), vec![2, 3, 4, 5], "--node {spec}");
        assert_eq!(
            rows(&f, "terms"),
            &kept(&all, "terms", |r| [2, 3, 4, 5]
                .contains(&r["term"].as_u64().unwrap()))
        );
        // its member row is unchanged: every one of its lines is still counted
        assert_eq!(rows(&f, "nodes"), &kept(&all, "nodes", |n| n["id"] == N4));
        assert_eq!(
            rows(&f, "events"),
            &kept(&all, "events", |e| e["node"] == N4)
        );
        same_keys(&all, &f, &["inputs", "recommendations", "metrics"]);
        assert_eq!(f["summary"]["window"]["nodes"], serde_json::json!([N4]));
    }
    // two members: the union
    let f = doc(&["--node", "n4", "--node", "n1"]);
    assert_eq!(terms_of(&f), vec![2, 3, 4, 5, 6]);
    assert_eq!(rows(&f, "nodes").len(), 2);
}

#[test]
fn kind_changes_only_the_events_shown() {
    let all = doc(&[]);
    let f = doc(&["--kind", "elected_leader", "--kind", "became_leader"]);
    let want = kept(&all, "events", |e| {
        e["kind"] == "elected_leader" || e["kind"] == "became_leader"
    });
    assert!(!want.is_empty());
    assert_eq!(rows(&f, "events"), &want);
    same_keys(
        &all,
        &f,
        &[
            "terms",
            "nodes",
            "leaderless",
            "storms",
            "anomalies",
            "inputs",
            "recommendations",
        ],
    );
    let mut s = f["summary"].clone();
    let window = s.as_object_mut().unwrap().remove("window").unwrap();
    assert_eq!(
        s, all["summary"],
        "the summary counts do not change with the kinds"
    );
    assert_eq!(
        window["kinds"],
        serde_json::json!(["elected_leader", "became_leader"])
    );
}

#[test]
fn unknown_member_or_kind_is_a_usage_error_naming_the_choices() {
    let (code, out, err) = run_bin(&["terms", "--node", "n9", DIR]);
    assert_eq!(code, Some(2));
    assert!(out.is_empty());
    assert!(
        err.contains("--node n9") && err.contains("n4 (cd4f91837934ec19)"),
        "{err}"
    );
    let (code, _, err) = run_bin(&["events", "--kind", "leader", DIR]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("elected_leader") && err.contains("slow_fsync"),
        "{err}"
    );
    let (code, _, err) = run_bin(&["terms", "--kind", "elected_leader", DIR]);
    assert_eq!(code, Some(2), "--kind is for events and timeline: {err}");
    let (code, _, err) = run_bin(&["terms", "--term", "5..3", DIR]);
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn term_ranges_open_at_either_end() {
    assert_eq!(terms_of(&doc(&["--term", "7.."])), vec![7, 8]);
    assert_eq!(terms_of(&doc(&["--term", "..2"])), vec![1, 2]);
    assert_eq!(terms_of(&doc(&["--term", "5"])), vec![5]);
}

/// Two clusters (zap-5-storm and capnslog-3-cpu, whose members are n1-n3 of another
/// cluster ID): n5 is a member of the first only, and led term 8 there (truth.log). The
/// other cluster shows nothing, rather than everything.
#[test]
fn node_of_one_cluster_among_several() {
    let (code, out, err) = run_bin(&[
        "terms",
        "-q",
        "-f",
        "json",
        "--node",
        "n5",
        DIR,
        "fixtures/real/capnslog-3-cpu",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows(&d, "clusters").len(), 2);
    assert_eq!(terms_of(&d), vec![8]);
    let ids: Vec<&str> = rows(&d, "nodes")
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["3304575518950d25"]);
}
