//! Votes per candidate (`terms[].candidacies`), read by hand from the raw lines of real
//! captures: which member granted, rejected or ignored whose vote request.

mod common;
use common::*;
use raftlog::model::Analysis;

/// One round as names: (candidate, pre-vote, source, granted, rejected, ignored).
type Round = (String, bool, String, Vec<String>, Vec<String>, Vec<String>);

fn rounds(a: &Analysis, term: u64) -> Vec<Round> {
    let names = |ids: &[String]| -> Vec<String> {
        let mut v: Vec<String> = ids
            .iter()
            .map(|i| a.name(u64::from_str_radix(i, 16).unwrap()))
            .collect();
        v.sort();
        v
    };
    let row = a.report.terms.iter().find(|t| t.term == term).unwrap();
    row.candidacies
        .iter()
        .map(|c| {
            (
                names(std::slice::from_ref(&c.node)).remove(0),
                c.pre_vote,
                c.source.clone(),
                names(&c.granted),
                names(&c.rejected),
                names(&c.ignored),
            )
        })
        .collect()
}

fn r(cand: &str, pre: bool, g: &[&str], x: &[&str], i: &[&str]) -> Round {
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    (cand.into(), pre, "self".into(), v(g), v(x), v(i))
}

/// capnslog-3-slowdisk-defrag (etcd 3.4, raft Go log lines): term 2 has two candidates.
/// n1.log:64-71: n1 votes for itself, is rejected by n2 and n3; n2.log:64-71 and
/// n3.log:64-65: n2 votes for itself, n3 casts its vote for n2 and rejects n1, n1
/// rejects n2. Term 3: n1 campaigns, n3 votes for it (n3.log:79), n2 ignores it while its
/// lease holds (n2.log:86, printed at n2's term 2).
#[test]
fn two_candidates_in_one_term_are_not_mixed() {
    let a = analyze(&["terms", &fixture("real/capnslog-3-slowdisk-defrag")]);
    assert_eq!(
        rounds(&a, 2),
        vec![
            r("n1", false, &["n1"], &["n2", "n3"], &[]),
            r("n2", false, &["n2", "n3"], &["n1"], &[]),
        ]
    );
    assert_eq!(
        rounds(&a, 3),
        vec![r("n1", false, &["n1", "n3"], &[], &["n2"])]
    );
    // the winner's votes, as before
    let t2 = a.report.terms.iter().find(|t| t.term == 2).unwrap();
    assert_eq!(t2.winner_tally(), Some((2, 1)));
    assert_eq!(t2.candidate_count(), 2);
}

/// etcd35-zap-5-storm-prevote (etcd 3.5.1): the leader n2 is paused, n4 and n1 both
/// campaign for term 5 and nobody wins. n3 casts its vote for n4 and rejects n1; n5 casts
/// its vote for n1 and rejects n4 (n3.log, n5.log at 13:03:01.136-.137); n4 and n1 reject
/// each other. Every member voted, so none was against the term's candidates.
#[test]
fn split_vote_without_a_winner() {
    let a = analyze(&["terms", &fixture("real/etcd35-zap-5-storm-prevote")]);
    let real: Vec<Round> = rounds(&a, 5).into_iter().filter(|x| !x.1).collect();
    assert_eq!(
        real,
        vec![
            r("n4", false, &["n3", "n4"], &["n1", "n5"], &[]),
            r("n1", false, &["n1", "n5"], &["n3", "n4"], &[]),
        ]
    );
    let t5 = a.report.terms.iter().find(|t| t.term == 5).unwrap();
    assert!(t5.leader.is_none());
    assert_eq!(t5.votes_for.len(), 4);
    assert!(t5.votes_against.is_empty(), "{:?}", t5.votes_against);
    // the pre-vote round of n4 at term 5 (into 6): granted by the three others awake
    // (13:03:02.327-.335); n2, back from its pause and already at term 6, rejected the
    // request when it reached it (n2.log, 13:03:02.501)
    let pre6: Vec<Round> = rounds(&a, 6).into_iter().filter(|x| x.1).collect();
    assert!(
        pre6.contains(&r("n4", true, &["n1", "n3", "n4", "n5"], &["n2"], &[])),
        "{pre6:?}"
    );
}

/// zap-3-prevote-pause (the README's example): the leader n3 is paused; n2's pre-vote and
/// vote are granted by n1, n1's pre-vote is rejected by n2 (already at term 3), and n3,
/// back from the pause, ignores all three while its lease holds (n3 at 16:17:59.714).
#[test]
fn pre_vote_rounds_and_lease_ignores() {
    let a = analyze(&["terms", &fixture("real/zap-3-prevote-pause")]);
    assert_eq!(
        rounds(&a, 3),
        vec![
            r("n2", true, &["n1", "n2"], &[], &["n3"]),
            r("n2", false, &["n1", "n2"], &[], &["n3"]),
            r("n1", true, &["n1"], &["n2"], &["n3"]),
        ]
    );
}

/// `votes_for` and `votes_against` never name the same member, in any real capture.
#[test]
fn votes_for_and_against_are_disjoint() {
    let mut checked = 0;
    for e in std::fs::read_dir(root().join("fixtures/real")).unwrap() {
        let d = e.unwrap().path();
        let a = analyze(&["terms", d.to_str().unwrap()]);
        for t in &a.report.terms {
            let both: Vec<&String> = t
                .votes_for
                .iter()
                .filter(|v| t.votes_against.contains(v))
                .collect();
            assert!(both.is_empty(), "{} term {}: {both:?}", d.display(), t.term);
            checked += 1;
        }
    }
    assert!(checked > 100);
}

/// The terms table: the winner's tally and, when several ran, how many.
#[test]
fn table_shows_the_winners_tally_and_the_candidates() {
    let run = |d: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_raftlog"))
            .args(["terms", "-q", "--color", "never", &fixture(d)])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let row = |out: &str, term: &str| -> String {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(term))
            .unwrap()
            .to_string()
    };
    let t = run("real/capnslog-3-slowdisk-defrag");
    assert!(row(&t, "2").contains("+2 -1 (2 ran)"), "{t}");
    assert!(row(&t, "3").contains("+2 -0 "), "{t}");
    let t = run("real/etcd35-zap-5-storm-prevote");
    assert!(row(&t, "5").contains("split (2 ran)"), "{t}");
}
