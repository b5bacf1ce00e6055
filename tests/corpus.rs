//! The benchmark corpora made by scripts/gen-corpus.py tell the same election history as
//! the real captures they are made from: raftlog finds the same terms, leaders, causes
//! and culprits in a generated sparse corpus (real lines time-shifted, thousands of real
//! background lines mixed in) as in the fixture, the generator is deterministic, and a
//! dense corpus repeats the fixture's storm with renumbered terms.
//!
//! Skipped (with a note) when python3 is not installed.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn have_python() -> bool {
    let ok = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("note: python3 not found, scripts/gen-corpus.py not tested");
    }
    ok
}

/// Run scripts/gen-corpus.py ARGS --out OUT from the repository root.
fn gen(args: &[&str], out: &Path) {
    let o = std::process::Command::new("python3")
        .arg("scripts/gen-corpus.py")
        .args(args)
        .arg("--out")
        .arg(out)
        .current_dir(root())
        .output()
        .expect("run python3");
    assert!(
        o.status.success(),
        "gen-corpus.py {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// One term as `raftlog diagnose --format json` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    term: u64,
    leader: Option<String>,
    cause: Option<String>,
    culprit: Option<String>,
}

fn diagnose(inputs: &[PathBuf]) -> Vec<Term> {
    let out = Command::cargo_bin("raftlog")
        .expect("raftlog binary")
        .current_dir(root())
        .args(["diagnose", "--format", "json"])
        .args(inputs)
        .output()
        .expect("run raftlog");
    assert!(
        out.status.success(),
        "raftlog diagnose {inputs:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let s = |x: &serde_json::Value| x.as_str().map(str::to_string);
    v["terms"]
        .as_array()
        .expect("terms[]")
        .iter()
        .map(|t| Term {
            term: t["term"].as_u64().expect("term number"),
            leader: s(&t["leader"]),
            cause: s(&t["cause"]["code"]),
            culprit: s(&t["cause"]["culprit"]),
        })
        .collect()
}

fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/real").join(name)
}

fn sparse_args<'a>(fix: &'a str, bg: &'a str, seed: &'a str) -> Vec<&'a str> {
    vec![
        "sparse",
        "--fixture",
        fix,
        "--background",
        bg,
        "--size",
        "4M",
        "--seed",
        seed,
    ]
}

/// Generated sparse corpus (all.log = cat of the members) vs the fixture directory.
fn check_sparse(name: &str, background: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let fix = format!("fixtures/real/{name}");
    let bg = format!("fixtures/background/{background}");
    gen(&sparse_args(&fix, &bg, "7"), dir.path());
    let all = dir.path().join("all.log");
    let size = std::fs::metadata(&all).expect("all.log").len();
    assert!(
        ((4 << 20) - (1 << 16)..=(4 << 20) + (1 << 16)).contains(&size),
        "{name}: all.log is {size} bytes, not about 4 MiB"
    );
    let got = diagnose(&[all]);
    let want = diagnose(&[fixture(name)]);
    assert!(
        want.iter().any(|t| t.leader.is_some()),
        "{name}: no leader in the fixture"
    );
    assert!(
        want.iter().any(|t| t.cause.is_some()),
        "{name}: no cause in the fixture"
    );
    assert_eq!(got, want, "{name}: generated corpus vs fixture");
}

#[test]
fn sparse_zap_keeps_terms_leaders_and_causes() {
    if have_python() {
        check_sparse("zap-3-mixed", "zap.log");
    }
}

#[test]
fn sparse_capnslog_keeps_terms_leaders_and_causes() {
    if have_python() {
        check_sparse("capnslog-3-mixed", "capnslog.log");
    }
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| {
            let p = e.expect("entry").path();
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("read"))
        })
        .collect()
}

#[test]
fn generator_is_deterministic() {
    if !have_python() {
        return;
    }
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let fix = "fixtures/real/zap-3-mixed";
    let bg = "fixtures/background/zap.log";
    let mut args = sparse_args(fix, bg, "7");
    args.push("--gzip");
    gen(&args, a.path());
    gen(&args, b.path());
    let (fa, fb) = (files(a.path()), files(b.path()));
    let names: Vec<&str> = fa.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["all.log", "all.log.gz", "n1.log", "n2.log", "n3.log"]
    );
    assert!(fa == fb, "two runs with the same seed differ");
    // all.log is the concatenation of the member files
    let cat: Vec<u8> = ["n1.log", "n2.log", "n3.log"]
        .iter()
        .flat_map(|n| fa[*n].clone())
        .collect();
    assert!(
        cat == fa["all.log"],
        "all.log is not n1.log + n2.log + n3.log"
    );
    // another seed gives another corpus
    gen(&sparse_args(fix, bg, "8"), c.path());
    assert!(
        files(c.path())["all.log"] != fa["all.log"],
        "seed 8 gives the same corpus as seed 7"
    );
}

#[test]
fn dense_repeats_the_storm_with_renumbered_terms() {
    if !have_python() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // zap-5-storm: bootstrap term 2, then six pauses; the storm part spans terms 2..=8
    // (D = 7), so 21 terms make exactly 3 repetitions
    gen(
        &[
            "dense",
            "--fixture",
            "fixtures/real/zap-5-storm",
            "--terms",
            "21",
            "--seed",
            "1",
        ],
        dir.path(),
    );
    let want = diagnose(&[fixture("zap-5-storm")]);
    let got = diagnose(&[dir.path().join("all.log")]);
    let boot = want
        .iter()
        .find(|t| t.cause.as_deref() == Some("bootstrap"))
        .expect("a bootstrap term in the fixture")
        .term;
    let max = want.iter().map(|t| t.term).max().expect("terms");
    let d = max - boot + 1;
    let storm: Vec<&Term> = want.iter().filter(|t| t.term >= boot).collect();
    let before = want.len() - storm.len();
    assert!(storm.len() >= 2, "storm part too small: {want:?}");
    assert_eq!(
        got.len(),
        before + 3 * storm.len(),
        "3 repetitions of the {} storm terms (+ {before} before it): {got:?}",
        storm.len()
    );
    let by_term: BTreeMap<u64, &Term> = got.iter().map(|t| (t.term, t)).collect();
    for j in 0..3 {
        for t in &storm {
            let n = t.term + j * d;
            let g = by_term
                .get(&n)
                .unwrap_or_else(|| panic!("term {n} missing: {got:?}"));
            // the bootstrap election is not repeated: repetitions j >= 1 start in a term
            // whose leader is not elected in the logs
            if t.term > boot {
                assert_eq!(g.leader, t.leader, "term {n} (= {} + {j} x {d})", t.term);
                assert!(g.leader.is_some(), "term {n} has no leader");
            }
        }
    }
}
