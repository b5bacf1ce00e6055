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

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

/// A storm of 3,000 terms, beyond the density limit of the HTML swimlane (1,000 terms):
/// each storm episode is drawn as one mark per lane, one election mark and one leaderless
/// band; every elected term is either drawn or inside an episode's term range, every
/// leaderless window is either drawn or counted in an episode's band, and the page stays
/// small.
#[test]
fn html_swimlane_aggregates_a_long_storm() {
    if !have_python() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    gen(
        &[
            "dense",
            "--fixture",
            "fixtures/real/zap-5-storm",
            "--terms",
            "3000",
            "--seed",
            "1",
        ],
        dir.path(),
    );
    let log = dir.path().join("all.log");
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("raftlog")
            .expect("raftlog binary")
            .args(args)
            .arg(&log)
            .output()
            .expect("run raftlog");
        assert!(out.status.success(), "raftlog {args:?}");
        out.stdout
    };
    let doc: serde_json::Value =
        serde_json::from_slice(&run(&["diagnose", "-f", "json"])).expect("JSON");
    let page = String::from_utf8(run(&["report", "-f", "html"])).expect("UTF-8 page");
    let terms = doc["terms"].as_array().expect("terms[]");
    let storms = doc["storms"].as_array().expect("storms[]").len();
    let members = doc["nodes"].as_array().expect("nodes[]").len();
    let windows = doc["leaderless"].as_array().expect("leaderless[]").len();
    assert!(
        terms.len() > 1_000,
        "{} terms: not beyond the limit",
        terms.len()
    );
    assert!(storms >= 1, "no storm found");
    assert!(page.len() < 256 * 1024, "page of {} bytes", page.len());
    assert_eq!(count(&page, r#"<g class="election-aggregate""#), storms);
    assert_eq!(count(&page, r#"<rect class="seg storm""#), storms * members);
    // every elected term: its own mark, or inside an aggregated term range
    let ranges: Vec<(u64, u64)> = page
        .split(r#"<g class="election-aggregate" data-terms=""#)
        .skip(1)
        .map(|s| {
            let r = &s[..s.find('"').expect("closing quote")];
            let (a, b) = r.split_once('-').expect("A-B");
            (
                a.parse().expect("first term"),
                b.parse().expect("last term"),
            )
        })
        .collect();
    let mut own = 0;
    for t in terms.iter().filter(|t| !t["elected_at"].is_null()) {
        let n = t["term"].as_u64().expect("term");
        if page.contains(&format!(r#"<g class="election" data-term="{n}">"#)) {
            own += 1;
        } else {
            assert!(
                ranges.iter().any(|(a, b)| (*a..=*b).contains(&n)),
                "term {n} neither drawn nor aggregated"
            );
        }
    }
    assert!(own < 100, "{own} terms still drawn one by one");
    // every leaderless window: its own band, or counted in an episode's band
    let drawn = count(&page, r#"<rect class="leaderless" "#);
    let summed: usize = page
        .split(r#"<rect class="leaderless aggregate""#)
        .skip(1)
        .map(|s| {
            let t = &s[s.find("<title>").expect("title") + 7..];
            t[..t.find(' ').expect("count")]
                .parse::<usize>()
                .expect("count")
        })
        .sum();
    assert_eq!(
        drawn + summed,
        windows,
        "leaderless windows drawn or counted"
    );
}
