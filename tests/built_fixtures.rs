//! The fixtures built from the catalog's formats (fixtures/built/, see
//! fixtures/README.md) describe the same real cluster histories as their sources: every
//! envelope and version must give the same leaders per term as the source's ground truth.

mod common;
use common::*;

fn dirs() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("fixtures/built"))
        .expect("fixtures/built")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("truth.log").exists())
        .collect();
    v.sort();
    v
}

#[test]
fn every_built_envelope_gives_the_true_leaders() {
    let dirs = dirs();
    assert!(dirs.len() >= 20, "only {} built fixtures", dirs.len());
    let mut report = Vec::new();
    for d in &dirs {
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        let a = analyze(&["terms", d.to_str().unwrap()]);
        let truth = Truth::load(d);
        let n = check_leaders(&a, &truth);
        let skipped: u64 = a
            .report
            .inputs
            .iter()
            .map(|i| i.skipped.get("unknown_raft_message").copied().unwrap_or(0))
            .sum();
        assert_eq!(skipped, 0, "{name}: unrecognised raft lines");
        assert!(a.report.inputs.iter().all(|i| i.lines > 0));
        report.push(format!("{name}: {n} terms"));
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn wrappers_keep_the_causes_of_the_source() {
    // wrappers do not change the lines inside: the causes must be those of the real capture
    let src = analyze(&["terms", &fixture("real/zap-3-mixed")]);
    for w in [
        "cri",
        "docker-json",
        "kubectl-timestamps-concat",
        "compose-interleaved",
        "journald-zap-k3s",
        "shipper-renamed",
        "zap-epoch-ts",
    ] {
        let a = analyze(&["terms", &fixture(&format!("built/{w}"))]);
        assert_eq!(terms_key(&a), terms_key(&src), "{w}");
        assert!(
            a.report
                .inputs
                .iter()
                .all(|i| i.skipped_lines == 0 || w == "journald-zap-k3s"),
            "{w}: {:?}",
            a.report
                .inputs
                .iter()
                .map(|i| &i.skipped)
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn version_envelopes_keep_the_causes_they_can_show() {
    // converted versions keep the server lines the catalog documents (signals, restarts,
    // heartbeat warnings, transfers), so the causes survive where that version logged them
    let truth_dir = root().join("fixtures/real/zap-3-mixed");
    let truth = Truth::load(&truth_dir);
    for v in [
        "zap-3.5.0",
        "zap-3.5.8-trimmed",
        "zap-3.6-plus0800",
        "zap-console-3.6",
        "capnslog-3.3",
    ] {
        let a = analyze(&["terms", &fixture(&format!("built/{v}"))]);
        let (checked, right) = check_causes(&a, &truth);
        assert_eq!(checked, right, "{v}: causes");
    }
}

#[test]
fn journald_years_come_from_the_input_or_are_stated() {
    let a = analyze(&["terms", &fixture("built/journald-short-capnslog-3.3")]);
    assert!(a.report.inputs.iter().all(|i| i.year_note.is_some()));
    let a2 = analyze(&[
        "terms",
        "--year",
        "2026",
        &fixture("built/journald-short-capnslog-3.3"),
    ]);
    check_leaders(
        &a2,
        &Truth::load(&root().join("fixtures/built/journald-short-capnslog-3.3")),
    );
    assert!(a2.report.inputs[0]
        .year_note
        .as_deref()
        .unwrap()
        .contains("--year"));
}

#[test]
fn single_follower_view() {
    // issue: one member's log alone gives that member's view, without guessing
    let a = analyze(&["timeline", &fixture("built/single-follower-3.5/n1.log")]);
    let terms: Vec<u64> = a.report.terms.iter().map(|t| t.term).collect();
    assert_eq!(terms, vec![8242, 8243, 8245, 8246, 8248]);
    let leaders: Vec<(u64, Option<String>)> = a
        .report
        .terms
        .iter()
        .filter(|t| t.leader.is_some())
        .map(|t| (t.term, t.leader.clone()))
        .collect();
    assert_eq!(
        leaders,
        vec![
            (8242, Some("b4933a6e66319f9e".into())),
            (8245, Some("fd422379fda50e48".into())),
            (8246, Some("b4933a6e66319f9e".into())),
            (8248, Some("fd422379fda50e48".into())),
        ]
    );
    // all inferred from the member's own raft.node lines
    assert!(a
        .report
        .terms
        .iter()
        .filter(|t| t.leader.is_some())
        .all(|t| t.leader_source.as_deref() == Some("peers")));
    let node = a
        .report
        .nodes
        .iter()
        .find(|n| n.id == "8e9e05c52164694d")
        .unwrap();
    assert_eq!(node.leader_changes_seen, 4);
    assert_eq!(node.campaigns, 1);
    let span = a
        .report
        .summary
        .from
        .unwrap()
        .ms_until(a.report.summary.to.unwrap());
    assert!(span < 60_000, "under a minute: {span} ms");
    // the timeline rows carry each step
    let rows = a.timeline(false);
    let kinds: Vec<&str> = rows.iter().map(|r| r.kind).collect();
    for k in [
        "elected_leader",
        "vote_rejected",
        "vote_ignored",
        "election_started",
        "became_candidate",
        "lost_leader",
        "term_bump",
        "changed_leader",
    ] {
        assert!(kinds.contains(&k), "timeline lacks {k}");
    }
    assert!(a
        .report
        .summary
        .notes
        .iter()
        .any(|n| n.contains("one member")));
}
