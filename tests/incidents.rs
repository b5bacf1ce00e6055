//! The incident corpus (tests/incidents/README.md): real etcd log excerpts from public
//! reports, each with labels written by hand from the raw lines. This runs
//! `raftlog diagnose --format json` on every case, checks every label against the JSON
//! and prints a table of the wrong ones.
//!
//! The rules are still being reworked, so the set of wrong labels is held by a ratchet,
//! `tests/incidents/known-wrong.txt` (`case: label`, one a line): the test fails when a
//! label goes wrong that the file does not list (a regression), and when a listed label
//! now holds (delete its line, so the list only shrinks). `RAFTLOG_UPDATE_KNOWN_WRONG=1`
//! rewrites the file from the current run instead.

mod common;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const KNOWN_WRONG: &str = "tests/incidents/known-wrong.txt";

/// One checkable claim of a case: its text (as written in known-wrong.txt) and whether
/// diagnose's JSON bears it out.
struct Label {
    text: String,
    holds: bool,
}

fn incidents_dir() -> PathBuf {
    common::root().join("tests/incidents")
}

fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(incidents_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Input paths relative to the repository root (where run_bin runs): a case's own files
/// sit beside its case.json; `fixtures/...` names an existing public fixture.
fn inputs(dir: &Path, case: &Value) -> Vec<String> {
    let name = dir.file_name().unwrap().to_str().unwrap();
    case["files"]
        .as_array()
        .expect("case.json: files")
        .iter()
        .map(|f| {
            let f = f.as_str().unwrap();
            if f.starts_with("fixtures/") {
                f.to_string()
            } else {
                format!("tests/incidents/{name}/{f}")
            }
        })
        .collect()
}

fn diagnose(files: &[String]) -> Option<Value> {
    let mut args = vec!["diagnose", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let (code, out, _err) = common::run_bin(&args);
    if code != Some(0) {
        return None;
    }
    serde_json::from_str(&out).ok()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn term_row(out: &Value, term: u64) -> Option<&Value> {
    out["terms"]
        .as_array()?
        .iter()
        .find(|t| t["term"].as_u64() == Some(term))
}

/// The members that campaigned for a term as raftlog reports them: `candidates` and the
/// real (not pre-vote) rounds of `candidacies`.
fn reported_candidates(row: Option<&Value>) -> BTreeSet<String> {
    let Some(row) = row else {
        return BTreeSet::new();
    };
    let mut set: BTreeSet<String> = strs(&row["candidates"]).into_iter().collect();
    for c in row["candidacies"].as_array().into_iter().flatten() {
        if c["pre_vote"].as_bool() != Some(true) {
            if let Some(n) = c["node"].as_str() {
                set.insert(n.to_string());
            }
        }
    }
    set
}

fn cause_is(row: Option<&Value>, code: &str, culprit: Option<&str>) -> bool {
    let Some(cause) = row.map(|r| &r["cause"]) else {
        return false;
    };
    cause["code"].as_str() == Some(code) && cause["culprit"].as_str() == culprit
}

/// Labels of one `terms` entry of a case.
fn term_labels(out: &Value, want: &Value) -> Vec<Label> {
    let term = want["term"].as_u64().expect("case.json: term");
    let row = term_row(out, term);
    let mut labels = Vec::new();
    if let Some(leader) = want["leader"].as_str() {
        labels.push(Label {
            text: format!("term {term} leader = {leader}"),
            holds: row.and_then(|r| r["leader"].as_str()) == Some(leader),
        });
    }
    if want.get("candidates").is_some() {
        let set: BTreeSet<String> = strs(&want["candidates"]).into_iter().collect();
        let list: Vec<&str> = set.iter().map(String::as_str).collect();
        labels.push(Label {
            text: format!("term {term} candidates = [{}]", list.join(", ")),
            holds: reported_candidates(row) == set,
        });
    }
    if let Some(outcome) = want["outcome"].as_str() {
        labels.push(Label {
            text: format!("term {term} outcome = {outcome}"),
            holds: row.and_then(|r| r["outcome"].as_str()) == Some(outcome),
        });
    }
    if let Some(code) = want["cause"]["code"].as_str() {
        let culprit = want["cause"]["culprit"].as_str();
        labels.push(Label {
            text: format!("term {term} cause = {code}/{}", culprit.unwrap_or("-")),
            holds: cause_is(row, code, culprit),
        });
    }
    if let Some(needs) = want["unsettled"].as_str() {
        labels.push(Label {
            text: format!("term {term} cause = unknown ({needs})"),
            holds: row.is_some_and(|r| {
                r["cause"]["code"].as_str() == Some("unknown")
                    && needs_named(&r["cause"]["needs_logs"], needs, &kinds(out, "nodes", "id"))
            }),
        });
    }
    labels
}

/// An `unsettled` label's members against `cause.needs_logs`: every member ID the label
/// names that the input's lines name too (`nodes[]`) must be there — a member only the
/// rest of the issue report names cannot be; "lines (from) before term T" means every
/// log was read (empty). A label that names no member ("the other four members' logs")
/// asks only for the list.
fn needs_named(got: &Value, want: &str, members: &BTreeSet<String>) -> bool {
    let Some(got) = got.as_array() else {
        return false;
    };
    let got: Vec<&str> = got.iter().filter_map(Value::as_str).collect();
    if want.contains("before term") {
        return got.is_empty();
    }
    want.split(|c: char| !c.is_ascii_hexdigit())
        .filter(|w| w.len() >= 6 && w.chars().any(|c| c.is_ascii_digit()))
        .filter(|id| members.contains(*id))
        .all(|id| got.contains(&id))
}

fn kinds(out: &Value, key: &str, field: &str) -> BTreeSet<String> {
    out[key]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a[field].as_str().map(String::from))
        .collect()
}

/// Claims the lines contradict: no term may carry them.
fn must_not_label(out: &Value, claim: &Value) -> Label {
    if let Some(code) = claim["cause"].as_str() {
        let culprit = claim["culprit"].as_str();
        let any = out["terms"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| cause_is(Some(t), code, culprit));
        return Label {
            text: format!("no cause {code}/{}", culprit.unwrap_or("-")),
            holds: !any,
        };
    }
    if let Some(kind) = claim["anomaly"].as_str() {
        return Label {
            text: format!("no anomaly {kind}"),
            holds: !kinds(out, "anomalies", "kind").contains(kind),
        };
    }
    let code = claim["advice"].as_str().expect("case.json: must_not entry");
    Label {
        text: format!("no advice {code}"),
        holds: !kinds(out, "recommendations", "code").contains(code),
    }
}

fn case_labels(out: &Value, case: &Value) -> Vec<Label> {
    let mut labels: Vec<Label> = Vec::new();
    for t in case["terms"].as_array().into_iter().flatten() {
        labels.extend(term_labels(out, t));
    }
    for m in case["must_not"].as_array().into_iter().flatten() {
        labels.push(must_not_label(out, m));
    }
    let anomalies = kinds(out, "anomalies", "kind");
    for a in strs(&case["anomalies"]) {
        let holds = anomalies.contains(&a);
        labels.push(Label {
            text: format!("anomaly {a}"),
            holds,
        });
    }
    let advice = kinds(out, "recommendations", "code");
    for a in strs(&case["advice"]) {
        let holds = advice.contains(&a);
        labels.push(Label {
            text: format!("advice {a}"),
            holds,
        });
    }
    labels
}

/// Every label of every case as `case: label`, with whether it holds.
fn run_corpus() -> Vec<(String, bool)> {
    let mut all = Vec::new();
    for dir in case_dirs() {
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(dir.join("case.json")).unwrap();
        let case: Value = serde_json::from_str(&text).expect("case.json parses");
        let out = diagnose(&inputs(&dir, &case));
        all.push((
            format!("{name}: diagnose --format json succeeds"),
            out.is_some(),
        ));
        let out = out.unwrap_or(Value::Null);
        for l in case_labels(&out, &case) {
            all.push((format!("{name}: {}", l.text), l.holds));
        }
    }
    all
}

fn read_known_wrong() -> BTreeSet<String> {
    let text = std::fs::read_to_string(common::root().join(KNOWN_WRONG)).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

fn write_known_wrong(wrong: &BTreeSet<String>) {
    let mut text = String::from(
        "# Incident-corpus labels that raftlog does not yet meet (tests/incidents.rs).\n\
         # One `case: label` a line. Delete a line once its label holds; never add one\n\
         # to hide a regression.\n",
    );
    for w in wrong {
        text.push_str(w);
        text.push('\n');
    }
    std::fs::write(common::root().join(KNOWN_WRONG), text).unwrap();
}

#[test]
fn incident_corpus_labels() {
    let all = run_corpus();
    let cases = case_dirs().len();
    assert!(cases >= 25, "the corpus holds {cases} cases, fewer than 25");
    let wrong: BTreeSet<String> = all
        .iter()
        .filter(|(_, holds)| !holds)
        .map(|(l, _)| l.clone())
        .collect();
    println!(
        "incident corpus: {cases} cases, {} labels, {} hold, {} wrong",
        all.len(),
        all.len() - wrong.len(),
        wrong.len()
    );
    println!("{:<70} | wrong", "case: label");
    for w in &wrong {
        println!("{w:<70} | x");
    }
    if std::env::var_os("RAFTLOG_UPDATE_KNOWN_WRONG").is_some() {
        write_known_wrong(&wrong);
        return;
    }
    let known = read_known_wrong();
    let regressions: Vec<&String> = wrong.difference(&known).collect();
    let fixed: Vec<&String> = known.difference(&wrong).collect();
    assert!(
        regressions.is_empty() && fixed.is_empty(),
        "labels wrong but not in {KNOWN_WRONG} (regressions): {regressions:#?}\n\
         labels in {KNOWN_WRONG} that now hold or no longer exist (delete these lines): {fixed:#?}"
    );
}

/// The checker itself: a label holds or fails on the JSON as written, so a test that
/// cannot fail is not hiding here.
#[test]
fn labels_are_checked_against_the_json() {
    let out: Value = serde_json::json!({
        "terms": [{"term": 5, "leader": "a", "candidates": ["a"],
                   "candidacies": [{"node": "b", "pre_vote": false}, {"node": "c", "pre_vote": true}],
                   "cause": {"code": "network", "culprit": "b"}}],
        "anomalies": [{"kind": "clock_skew"}],
        "recommendations": [{"code": "check_network"}]
    });
    let case: Value = serde_json::json!({
        "terms": [{"term": 5, "leader": "a", "candidates": ["a", "b"], "outcome": "won",
                   "cause": {"code": "network", "culprit": "b"}},
                  {"term": 6, "leader": "a", "candidates": []}],
        "must_not": [{"cause": "network", "culprit": "b"}, {"anomaly": "split_brain"}, {"advice": "check_network"}],
        "anomalies": ["clock_skew", "zone_offset"],
        "advice": ["check_network"]
    });
    let got: Vec<(String, bool)> = case_labels(&out, &case)
        .into_iter()
        .map(|l| (l.text, l.holds))
        .collect();
    let want = [
        ("term 5 leader = a", true),
        ("term 5 candidates = [a, b]", true),
        ("term 5 outcome = won", false),
        ("term 5 cause = network/b", true),
        ("term 6 leader = a", false),
        ("term 6 candidates = []", true),
        ("no cause network/b", false),
        ("no anomaly split_brain", true),
        ("no advice check_network", false),
        ("anomaly clock_skew", true),
        ("anomaly zone_offset", false),
        ("advice check_network", true),
    ];
    let want: Vec<(String, bool)> = want.iter().map(|(t, h)| (t.to_string(), *h)).collect();
    assert_eq!(got, want);
}
