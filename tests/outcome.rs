//! Campaigns from every line that proves one, and what happened to each election
//! (`terms[].outcome`), checked against raw lines of real captures read by hand.

mod common;
use common::*;
use raftlog::model::Analysis;
use raftlog::report::TermRow;

fn term(a: &Analysis, t: u64) -> &TermRow {
    a.report.terms.iter().find(|r| r.term == t).unwrap()
}

/// The members of netns-zap-3-part-leader (fixtures/README.md): n2 is cut off and
/// campaigns alone for terms 4-6.
const N2: &str = "3c6c08d66908f7e9";
const N1: &str = "14c7eb1fc5a37fe2";
const N3: &str = "5cf1bb6c3dd59bd1";

/// Every term with a leader is `won`, on every real capture (the leader is read from
/// the members' own lines, so this holds whatever the votes seen).
#[test]
fn every_led_term_is_won_on_real_captures() {
    let dirs = std::fs::read_dir(root().join("fixtures/real")).unwrap();
    let mut led = 0;
    for d in dirs {
        let d = d.unwrap().path();
        let a = analyze(&["terms", &d.display().to_string()]);
        for r in a.report.terms.iter().filter(|r| r.leader.is_some()) {
            assert_eq!(r.outcome.as_deref(), Some("won"), "{d:?} term {}", r.term);
            led += 1;
        }
    }
    assert!(led > 100, "{led} led terms");
}

/// etcd35-zap-5-storm-prevote (etcd 3.5.1, 5 members): n4 and n1 both campaign for
/// term 5; n3 casts its vote for n4, n5 for n1, n4 and n1 reject each other (n3.log,
/// n5.log at 13:03:01.136-.137): 2 votes each, 3 needed, nobody leads term 5.
#[test]
fn a_real_split_vote() {
    let a = analyze(&["terms", &fixture("real/etcd35-zap-5-storm-prevote")]);
    let t = term(&a, 5);
    assert_eq!(t.leader, None);
    assert_eq!(t.outcome.as_deref(), Some("split_vote"));
    assert_eq!(t.quorum, Some(3));
    assert_eq!(t.candidates.len(), 2);
}

/// netns-zap-3-part-leader n1.log / n3.log 16:35:07.875-.876: `[logterm: 3, index: 29,
/// vote: 0] rejected MsgVote from 3c6c08d66908f7e9 [logterm: 2, index: 28] at term 6`:
/// both others refuse n2 for its stale log. Terms 4 and 5: n2's requests are ignored
/// under the leader's lease (n1, n3 `ignored MsgVote … lease is not expired`), only its
/// own vote, and a higher term follows.
#[test]
fn a_stale_candidate_is_rejected_with_the_log_positions() {
    let a = analyze(&["terms", &fixture("real/netns-zap-3-part-leader")]);
    let t6 = term(&a, 6);
    assert_eq!(t6.outcome.as_deref(), Some("rejected"));
    let mut stale: Vec<(String, u64, u64, u64, u64)> = t6
        .stale_log_rejections()
        .iter()
        .map(|(c, x)| {
            assert_eq!(*c, N2);
            (
                x.voter.clone(),
                x.voter_log.term,
                x.voter_log.index,
                x.candidate_log.term,
                x.candidate_log.index,
            )
        })
        .collect();
    stale.sort();
    assert_eq!(
        stale,
        vec![(N1.into(), 3, 29, 2, 28), (N3.into(), 3, 29, 2, 28)]
    );
    for t in [4, 5] {
        assert_eq!(
            term(&a, t).outcome.as_deref(),
            Some("no_quorum"),
            "term {t}"
        );
    }
}

/// The same capture cut right after n2's `became candidate at term 6` (n2.log line 114):
/// an excerpt that starts with its self vote, vote requests and tallies. n2 is still
/// term 6's candidate, from its own lines.
#[test]
fn a_candidate_without_its_became_candidate_line_is_found_from_its_own_lines() {
    let src = std::fs::read_to_string(fixture("real/netns-zap-3-part-leader/n2.log")).unwrap();
    let lines: Vec<&str> = src.lines().collect();
    assert!(lines[113].contains("became candidate at term 6"));
    let tmp = tempfile::tempdir().unwrap();
    let cut = tmp.path().join("n2-excerpt.log");
    std::fs::write(&cut, lines[114..].join("\n")).unwrap();
    let a = analyze(&["terms", &cut.display().to_string()]);
    let t6 = term(&a, 6);
    assert_eq!(t6.candidates, vec![N2.to_string()]);
    let c: Vec<_> = t6.ran().collect();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].source, "self");
    assert!(!c[0].evidence.iter().any(|k| k == "became_candidate"));
    // its tally: 1 vote, 2 rejections of 3 members
    assert_eq!(t6.outcome.as_deref(), Some("rejected"));
    assert!(a.report.summary.elections >= 1);
}

/// Only the peers' logs (n1.log, n3.log): n2 is term 6's candidate from their
/// `received a MsgVote message with higher term from 3c6c08d66908f7e9 [term: 6]` and
/// `rejected MsgVote from` lines.
#[test]
fn a_candidate_whose_log_is_missing_is_found_from_its_peers_lines() {
    let a = analyze(&[
        "terms",
        &fixture("real/netns-zap-3-part-leader/n1.log"),
        &fixture("real/netns-zap-3-part-leader/n3.log"),
    ]);
    let t6 = term(&a, 6);
    assert!(t6.candidates.contains(&N2.to_string()));
    let c: Vec<_> = t6.ran().filter(|c| c.node == N2).collect();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].source, "peers");
    assert!(c[0].evidence.iter().any(|k| k == "term_bump"));
    assert_eq!(t6.outcome.as_deref(), Some("rejected"));
}
