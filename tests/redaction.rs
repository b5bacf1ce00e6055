//! What leaves the machine: `--redact` holds in every command, format and stream, and
//! every sink is safe for the text it carries (CSV cells cannot start a formula, stderr
//! carries no terminal escape). Inputs: tests/hostile/planted/ and
//! tests/hostile/formula-name.log (built by scripts/build-hostile.sh from a real capture,
//! see tests/hostile/README.md).

mod common;
use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("raftlog")
}

fn planted() -> PathBuf {
    root().join("tests/hostile/planted")
}

/// Every log command with every format it has, and the options that add text.
const RUNS: &[&[&str]] = &[
    &["timeline", "--color", "never"],
    &["timeline", "--color", "never", "--all"],
    &["timeline", "-f", "json", "--events", "--raw"],
    &["terms", "--color", "never"],
    &["terms", "-f", "json"],
    &["terms", "-f", "csv"],
    &["events"],
    &["events", "--raw"],
    &["events", "-f", "json", "--raw"],
    &["events", "-f", "csv"],
    &["events", "-f", "table", "--color", "never"],
    &["diagnose", "--color", "never"],
    &["diagnose", "-f", "json", "--events", "--raw"],
    &["report"],
    &["report", "-f", "html"],
];

/// stdout and stderr of one run, with `-v` (stderr lists unrecognised lines too).
fn run(args: &[&str], extra: &[&str], input: &Path) -> (String, String) {
    let out = Command::new(bin())
        .args(args)
        .args(extra)
        .arg("-v")
        .arg(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?} {extra:?}");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The secrets planted in tests/hostile/planted/ other than member names: the domain,
/// the client addresses, the data directories and the input directories.
const SECRETS: &[&str] = &[
    "acme-corp",
    "example.com",
    "10.23.45.",
    "/srv/",
    "etcd-prod",
    "hostile/",
    "planted",
];
/// Its short member names (the third member is named after its FQDN).
const NAMES: &[&str] = &["master-0", "master-1", "master-2"];

fn leaks(text: &str, secrets: &[&str]) -> Vec<String> {
    secrets
        .iter()
        .filter(|s| text.contains(*s))
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn planted_secrets_leave_no_output_of_redact_redact_names() {
    let all: Vec<&str> = SECRETS.iter().chain(NAMES).copied().collect();
    for args in RUNS {
        let (out, err) = run(args, &["--redact", "--redact-names"], &planted());
        assert!(out.len() > 500, "{args:?}: {out}");
        assert!(out.contains("member-1"), "{args:?}");
        assert_eq!(leaks(&out, &all), Vec::<String>::new(), "{args:?} stdout");
        assert_eq!(leaks(&err, &all), Vec::<String>::new(), "{args:?} stderr");
    }
    // --output: the file written
    let dir = tempfile::tempdir().unwrap();
    for f in ["markdown", "html"] {
        let file = dir.path().join(format!("r.{f}"));
        let (_, err) = run(
            &["report", "-f", f, "--output", file.to_str().unwrap()],
            &["--redact", "--redact-names"],
            &planted(),
        );
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(leaks(&text, &all), Vec::<String>::new(), "{f}");
        assert_eq!(leaks(&err, &all), Vec::<String>::new(), "{f} stderr");
    }
}

#[test]
fn planted_secrets_leave_no_output_of_redact_but_names_stay() {
    for args in RUNS {
        let (out, err) = run(args, &["--redact"], &planted());
        assert_eq!(
            leaks(&out, SECRETS),
            Vec::<String>::new(),
            "{args:?} stdout"
        );
        assert_eq!(
            leaks(&err, SECRETS),
            Vec::<String>::new(),
            "{args:?} stderr"
        );
        // the short names are kept; the FQDN name is a host name, redacted as one
        assert!(
            out.contains("master-1") && out.contains("master-2"),
            "{args:?} names kept"
        );
    }
}

/// The hex id → names each place of the JSON document gives a member.
fn names_by_id(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut add = |id: &Value, name: &Value| {
        if let (Some(i), Some(n)) = (id.as_str(), name.as_str()) {
            m.entry(i.to_string()).or_default().insert(n.to_string());
        }
    };
    for n in doc["nodes"].as_array().unwrap() {
        add(&n["id"], &n["name"]);
    }
    for t in doc["terms"].as_array().unwrap() {
        add(&t["leader"], &t["leader_name"]);
        add(&t["cause"]["culprit"], &t["cause"]["culprit_name"]);
    }
    let metrics = &doc["metrics"];
    for x in metrics["members"].as_array().unwrap() {
        add(&x["id"], &x["name"]);
        for p in x["peers"].as_array().unwrap() {
            add(&p["id"], &p["name"]);
        }
    }
    for x in metrics["status"].as_array().unwrap() {
        add(&x["id"], &x["name"]);
    }
    for e in doc["events"].as_array().unwrap() {
        add(&e["node"], &e["node_name"]);
    }
    m
}

#[test]
fn one_member_one_pseudonym() {
    let p = planted();
    let (out, _) = run(
        &["diagnose", "-f", "json", "--events"],
        &["--redact", "--redact-names"],
        &p,
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    let names = names_by_id(&doc);
    assert_eq!(names.len(), 3, "{names:?}");
    for (id, n) in &names {
        assert_eq!(n.len(), 1, "{id} has several names: {n:?}");
    }
    let all: BTreeSet<&String> = names.values().flatten().collect();
    assert_eq!(all.len(), 3, "{names:?}");
    // a member's host is a spelling of its name: its URL carries its pseudonym
    for n in doc["nodes"].as_array().unwrap() {
        let name = n["name"].as_str().unwrap();
        assert_eq!(
            n["peer_urls"],
            serde_json::json!([format!("http://{name}:2380")]),
            "{n}"
        );
    }
    // and no text calls a member by a host placeholder
    let host = regex::Regex::new(r"host-\d").unwrap();
    for args in [&["report"][..], &["diagnose", "--color", "never"]] {
        let (out, _) = run(args, &["--redact", "--redact-names"], &p);
        assert!(!host.is_match(&out), "{args:?}: {out}");
    }
    // without --redact-names, the member named by its FQDN is called by that host's
    // placeholder everywhere (its name, its URL, the texts)
    let (out, _) = run(&["diagnose", "-f", "json"], &["--redact"], &p);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let n1 = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "a9e9e1d57dda5a31")
        .unwrap();
    let name = n1["name"].as_str().unwrap();
    assert!(name.starts_with("<host-"), "{name}");
    assert_eq!(
        n1["peer_urls"],
        serde_json::json!([format!("http://{name}:2380")])
    );
}

/// Cells of a CSV output that a spreadsheet would take for a formula.
fn formula_cells(csv_text: &str) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_text.as_bytes());
    let mut bad = Vec::new();
    for rec in r.records() {
        for cell in rec.unwrap().iter() {
            if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                bad.push(cell.to_string());
            }
        }
    }
    bad
}

#[test]
fn csv_cells_never_start_a_formula() {
    let f = root().join("tests/hostile/formula-name.log");
    let name = r#"=HYPERLINK("http://evil.example/","x")"#;
    for cmd in ["terms", "events"] {
        let (out, _) = run(&[cmd, "-f", "csv"], &[], &f);
        assert_eq!(formula_cells(&out), Vec::<String>::new(), "{cmd}");
        // the name is still there, readable, behind the quote
        let mut r = csv::Reader::from_reader(out.as_bytes());
        let col = if cmd == "terms" {
            "leader_name"
        } else {
            "node_name"
        };
        let i = r.headers().unwrap().iter().position(|h| h == col).unwrap();
        assert!(
            r.records().any(|x| x.unwrap()[i] == format!("'{name}")),
            "{cmd}: {out}"
        );
    }
    // metrics CSV: a member named by its dump's file name
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("@evil.txt");
    std::fs::copy(fixture("real/zap-3-mixed/metrics-n1.txt"), &dump).unwrap();
    let out = Command::new(bin())
        .args(["metrics", "-f", "csv"])
        .arg(&dump)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("'@evil"), "{text}");
    let bad: Vec<String> = formula_cells(&text)
        .into_iter()
        .filter(|c| c.parse::<f64>().is_err())
        .collect();
    assert_eq!(bad, Vec::<String>::new());
}

#[test]
fn file_names_with_escapes_reach_stderr_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("logs");
    std::fs::create_dir(&d).unwrap();
    // a real log and a truncated gzip whose names retitle and clear a terminal
    let evil = "\x1b]0;owned\x07\x1b[2J";
    std::fs::copy(
        fixture("real/zap-3-mixed/n1.log"),
        d.join(format!("n1{evil}.log")),
    )
    .unwrap();
    std::fs::copy(
        root().join("tests/hostile/truncated.log.gz"),
        d.join(format!("t{evil}.log.gz")),
    )
    .unwrap();
    for args in [
        &["timeline", "-v"][..],
        &["report", "--redact"],
        &["diagnose"],
    ] {
        let out = Command::new(bin()).args(args).arg(&d).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.stderr.contains(&0x1b) && !out.stderr.contains(&0x07),
            "{args:?}: {err:?}"
        );
        assert!(err.contains(r"t\u{1b}]0;owned\u{7}"), "{args:?}: {err}");
    }
}
