//! Several members' lines in one input, interleaved by time (fixtures/built/*-interleaved,
//! exports, merges without a prefix; layouts in fixtures/README.md): each line is tied to
//! the member that wrote it, by the prefix or labels naming its source, or left
//! unattributed, never credited to whoever logged last.

mod common;
use common::*;
use raftlog::model::Analysis;
use std::collections::BTreeMap;

fn names(a: &Analysis) -> BTreeMap<String, Option<String>> {
    a.report
        .nodes
        .iter()
        .map(|n| (n.id.clone(), n.name.clone()))
        .collect()
}

/// Events as (member, term, time, content), counted.
fn attributed(a: &Analysis) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for e in a.events.iter().filter(|e| e.node.is_some()) {
        let k = format!("{:?} {:?} {:?} {:?}", e.node, e.term, e.ts, e.kind);
        *m.entry(k).or_default() += 1;
    }
    m
}

#[test]
fn prefixes_and_exports_give_the_leaders_names_and_causes_of_the_separate_files() {
    for (src, built) in [
        (
            "real/zap-3-mixed",
            &[
                "stern-zap-interleaved",
                "kubectl-prefix-zap-interleaved",
                "loki-logcli",
                "loki-jsonl",
                "elasticsearch-hits",
            ][..],
        ),
        (
            "real/capnslog-3-mixed",
            &[
                "stern-capnslog-interleaved",
                "kubectl-prefix-capnslog-interleaved",
            ][..],
        ),
    ] {
        let sep = analyze(&["terms", &fixture(src)]);
        for b in built {
            let a = analyze(&["terms", &fixture(&format!("built/{b}"))]);
            assert_eq!(terms_key(&a), terms_key(&sep), "{b}: leaders and causes");
            assert_eq!(names(&a), names(&sep), "{b}: member names");
            assert_eq!(attributed(&a), attributed(&sep), "{b}: events per member");
            let i = &a.report.inputs[0];
            assert_eq!(i.unattributed, 0, "{b}");
            // each pod is one member, and the three pods are the three members
            assert_eq!(i.sources.len(), 3, "{b}: {:?}", i.sources);
            assert!(
                i.sources.values().all(|m| m.len() == 1),
                "{b}: {:?}",
                i.sources
            );
            let mut members: Vec<_> = i.sources.values().flatten().cloned().collect();
            members.sort();
            let mut want: Vec<_> = sep.report.nodes.iter().map(|n| n.id.clone()).collect();
            want.sort();
            assert_eq!(members, want, "{b}");
            assert_eq!(
                i.skipped.get("not_etcd"),
                sep_not_etcd(&sep).as_ref(),
                "{b}"
            );
        }
    }
}

fn sep_not_etcd(a: &Analysis) -> Option<u64> {
    let n: u64 = a
        .report
        .inputs
        .iter()
        .filter_map(|i| i.skipped.get("not_etcd"))
        .sum();
    (n > 0).then_some(n)
}

#[test]
fn a_merge_without_prefix_leaves_lines_unattributed_rather_than_guess() {
    for (src, built) in [
        ("real/zap-3-mixed", "merged-zap-noprefix"),
        ("real/capnslog-3-mixed", "merged-capnslog-noprefix"),
    ] {
        let sep = analyze(&["terms", &fixture(src)]);
        let a = analyze(&["terms", &fixture(&format!("built/{built}"))]);
        // leaders come from the raft lines, which name their writer
        let leaders = |a: &Analysis| -> Vec<_> {
            a.report
                .terms
                .iter()
                .map(|t| (t.term, t.leader.clone()))
                .collect()
        };
        assert_eq!(leaders(&a), leaders(&sep), "{built}");
        // every event tied to a member is one that member wrote
        let (mine, truth) = (attributed(&a), attributed(&sep));
        for (k, n) in &mine {
            assert!(
                truth.get(k).is_some_and(|t| t >= n),
                "{built}: wrongly tied: {k}"
            );
        }
        // names are right or absent, never another member's
        for (id, name) in names(&a) {
            if let Some(n) = name {
                assert_eq!(Some(&Some(n)), names(&sep).get(&id), "{built}: {id}");
            }
        }
        let i = &a.report.inputs[0];
        assert!(i.unattributed > 0, "{built}");
        assert_eq!(
            i.unattributed as usize,
            a.events.iter().filter(|e| e.node.is_none()).count(),
            "{built}"
        );
    }
}

/// The five lines of the report: two `embed: name =`, two `starting member`, then the
/// first member's `became leader` (real lines of capnslog-3-mixed n1 and n2).
fn five_lines(prefix: bool) -> String {
    let n1 = std::fs::read_to_string(fixture("real/capnslog-3-mixed/n1.log")).unwrap();
    let n2 = std::fs::read_to_string(fixture("real/capnslog-3-mixed/n2.log")).unwrap();
    let (n1, n2): (Vec<&str>, Vec<&str>) = (n1.lines().collect(), n2.lines().collect());
    let pick = [
        (0, n1[7]),
        (1, n2[7]),
        (0, n1[14]),
        (1, n2[14]),
        (0, n1[83]),
    ];
    let mut out = String::new();
    for (pod, line) in pick {
        if prefix {
            out.push_str(&format!("[pod/etcd-{pod}/etcd] "));
        }
        out.push_str(line);
        out.push('\n');
    }
    assert!(out.contains("embed: name = n2") && out.contains("became leader at term 4"));
    out
}

fn analyze_text(name: &str, text: &str) -> Analysis {
    let dir = std::env::temp_dir().join(format!("raftlog-interleaved-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let a = analyze(&["terms", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    a
}

#[test]
fn two_start_up_blocks_do_not_lend_their_names_to_the_wrong_member() {
    let a = analyze_text("five.log", &five_lines(false));
    let t = &a.report.terms[0];
    assert_eq!((t.term, t.leader.as_deref()), (4, Some("d7c2f9150d1e1566")));
    // n1 led term 4; without a prefix its name cannot be known from these lines
    assert_ne!(t.leader_name.as_deref(), Some("n2"));
    assert!(names(&a).values().all(Option::is_none), "{:?}", names(&a));
    assert_eq!(a.report.inputs[0].unattributed, 2);

    let a = analyze_text("five-prefix.log", &five_lines(true));
    assert_eq!(a.report.terms[0].leader_name.as_deref(), Some("n1"));
    let want: BTreeMap<String, Option<String>> = [
        ("275259344bb2383".to_string(), Some("n2".to_string())),
        ("d7c2f9150d1e1566".to_string(), Some("n1".to_string())),
    ]
    .into();
    assert_eq!(names(&a), want);
    assert_eq!(a.report.inputs[0].unattributed, 0);
}
