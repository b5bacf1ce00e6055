//! Exports of log stores, read from the command line: a saved Elasticsearch/OpenSearch
//! `_search` response, Grafana CSV downloads of a Loki logs panel, and inputs whose
//! lines come newest first. Each export holds the real lines of a capture
//! (fixtures/exports, built by scripts/build-exports.py); the assertion is that raftlog
//! tells the same history from the export as from the capture's own files.

mod common;

use common::{fixture, run_bin};
use serde_json::Value;

/// `terms -f json` of some inputs: (exit code, JSON, stderr).
fn terms(inputs: &[String]) -> (Option<i32>, Value, String) {
    let mut args = vec!["terms", "-f", "json"];
    args.extend(inputs.iter().map(String::as_str));
    let (code, out, err) = run_bin(&args);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, v, err)
}

fn members(capture: &str) -> Vec<String> {
    ["n1", "n2", "n3"]
        .iter()
        .map(|m| fixture(&format!("real/{capture}/{m}.log")))
        .collect()
}

/// `terms[]` without what necessarily differs between files and an export: the input
/// and line an evidence line came from. Evidence lines of different members printed in
/// the same millisecond have no order of their own (the merge puts them in the order
/// their inputs were first seen), so evidence is compared as a set.
fn comparable(terms: &Value) -> Value {
    match terms {
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                if k == "input" || k == "line" {
                    continue;
                }
                let mut v = comparable(v);
                if k == "evidence" {
                    if let Value::Array(a) = &mut v {
                        a.sort_by_key(|e| e.to_string());
                    }
                }
                out.insert(k.clone(), v);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(comparable).collect()),
        v => v.clone(),
    }
}

fn total(v: &Value, key: &str) -> u64 {
    v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[key].as_u64().unwrap())
        .sum()
}

fn input(v: &Value) -> &Value {
    &v["inputs"][0]
}

fn wrappers(v: &Value) -> Vec<&str> {
    input(v)["wrappers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect()
}

/// The export gives the capture's terms and events; it is read newest first, its three
/// pods told apart by their labels.
fn same_history(capture: &str, export: &str, wrapper: &str) -> Value {
    let (code, plain, _) = terms(&members(capture));
    assert_eq!(code, Some(0));
    let (code, exp, err) = terms(&[fixture(export)]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!plain["terms"].as_array().unwrap().is_empty());
    assert_eq!(comparable(&plain["terms"]), comparable(&exp["terms"]));
    assert_eq!(total(&plain, "events"), total(&exp, "events"));
    assert_eq!(total(&plain, "skipped_lines"), total(&exp, "skipped_lines"));
    assert!(wrappers(&exp).contains(&wrapper), "{:?}", wrappers(&exp));
    assert_eq!(input(&exp)["newest_first"], Value::Bool(true));
    assert!(err.contains("newest first"), "{err}");
    let sources: Vec<&String> = input(&exp)["sources"].as_object().unwrap().keys().collect();
    assert_eq!(sources, ["etcd-n1/etcd", "etcd-n2/etcd", "etcd-n3/etcd"]);
    assert_eq!(input(&exp)["unattributed"], 0);
    exp
}

#[test]
fn elasticsearch_search_response() {
    let v = same_history(
        "zap-3-mixed",
        "exports/es-search-zap-3-mixed.json",
        "elasticsearch-search",
    );
    // the hits are the lines: one per hit
    let hits = std::fs::read_to_string(fixture("exports/es-search-zap-3-mixed.json"))
        .unwrap()
        .matches("\"_index\" :")
        .count() as u64;
    assert_eq!(input(&v)["lines"], hits);
}

#[test]
fn grafana_csv_of_zap_lines() {
    same_history(
        "zap-3-mixed",
        "exports/grafana-zap-3-mixed.csv",
        "grafana-csv",
    );
}

/// `logcli query` with its default `--direction backward`.
#[test]
fn logcli_backward() {
    same_history(
        "zap-3-mixed",
        "exports/logcli-backward-zap-3-mixed.log",
        "loki",
    );
}

/// capnslog times have no zone: the export's `tsNs` (UTC, the shipper's µs) is used,
/// where raft's Go log printed whole seconds, so times differ; leaders, causes,
/// events and skipped lines (the capture's banners) do not.
#[test]
fn grafana_csv_of_capnslog_lines() {
    let (_, plain, _) = terms(&members("capnslog-3-mixed"));
    let (code, exp, err) = terms(&[fixture("exports/grafana-capnslog-3-mixed.csv")]);
    assert_eq!(code, Some(0), "{err}");
    let key = |v: &Value| -> Vec<(Value, Value, Value, Value)> {
        v["terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["term"].clone(),
                    t["leader"].clone(),
                    t["cause"]["code"].clone(),
                    t["cause"]["culprit"].clone(),
                )
            })
            .collect()
    };
    assert!(key(&plain).len() >= 5);
    assert_eq!(key(&plain), key(&exp));
    assert_eq!(total(&plain, "events"), total(&exp, "events"));
    assert_eq!(
        plain["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["skipped"]["not_etcd"].as_u64().unwrap_or(0))
            .sum::<u64>(),
        input(&exp)["skipped"]["not_etcd"].as_u64().unwrap()
    );
    assert_eq!(input(&exp)["newest_first"], Value::Bool(true));
}

/// Each member's own file, its lines reversed (`tac`): the same terms as the files, and
/// each input says it was read reversed.
#[test]
fn newest_first_files_give_the_same_terms() {
    for capture in ["zap-3-mixed", "capnslog-3-mixed"] {
        let dir = tempfile::tempdir().unwrap();
        let mut reversed = Vec::new();
        for (i, path) in members(capture).iter().enumerate() {
            let text = std::fs::read_to_string(path).unwrap();
            let mut lines: Vec<&str> = text.lines().collect();
            lines.reverse();
            let p = dir.path().join(format!("n{}.log", i + 1));
            std::fs::write(&p, lines.join("\n") + "\n").unwrap();
            reversed.push(p.display().to_string());
        }
        let (_, plain, _) = terms(&members(capture));
        let (code, rev, err) = terms(&reversed);
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(
            comparable(&plain["terms"]),
            comparable(&rev["terms"]),
            "{capture}"
        );
        assert_eq!(total(&plain, "events"), total(&rev, "events"));
        for i in rev["inputs"].as_array().unwrap() {
            assert_eq!(i["newest_first"], Value::Bool(true), "{i}");
        }
        assert_eq!(err.matches("read reversed").count(), 3, "{err}");
        // oldest first, as captured: not reversed
        assert!(plain["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i.get("newest_first").is_none()));
    }
}

/// A `_search` response cut off (a download that stopped): the hits before the cut are
/// read, the damage is an error naming the input, exit 2, no panic.
#[test]
fn truncated_search_response_is_an_error_not_a_panic() {
    let text = std::fs::read_to_string(fixture("exports/es-search-zap-3-mixed.json")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();
    let (code, out, err) = run_bin(&["terms", "-f", "json", &cut.display().to_string()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("damaged Elasticsearch/OpenSearch _search response"),
        "{err}"
    );
    assert!(err.contains("cut.json"), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(input(&v)["error"].as_str().is_some());
    assert!(input(&v)["events"].as_u64().unwrap() > 0);
}

/// A CSV whose header is not a logs panel's: not read as an export; its lines are
/// counted as skipped, none dropped in silence.
#[test]
fn unrecognised_csv_lines_are_counted() {
    let src = std::fs::read_to_string(fixture("real/zap-3-mixed/n1.log")).unwrap();
    let mut csv = String::from("when,what\r\n");
    let n = src.lines().take(20).count();
    for l in src.lines().take(20) {
        csv.push_str(&format!("x,\"{}\"\r\n", l.replace('"', "\"\"")));
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("other.csv");
    std::fs::write(&p, csv).unwrap();
    let (code, _, err) = run_bin(&["terms", "-f", "json", &p.display().to_string()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no etcd lines"), "{err}");
    // the header and every row
    let skipped = format!("skipped {} lines (not_etcd {})", n + 1, n + 1);
    assert!(err.contains(&skipped), "{err}");
}
