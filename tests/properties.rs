//! Properties: the parsers never panic on arbitrary or damaged input, and the model's
//! invariants hold on every fixture.

mod common;
use common::*;
use proptest::prelude::*;
use raftlog::parse::envelope::{cri_join, EnvState};
use raftlog::parse::parse_line;

/// Real lines to mutate: one of each format from the fixtures.
fn seeds() -> Vec<Vec<u8>> {
    let data = include_str!("data/catalog-examples.tsv");
    data.lines()
        .skip(1)
        .filter_map(|l| l.splitn(3, '\t').nth(2))
        .map(|l| l.as_bytes().to_vec())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(line in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut st = EnvState::new(2024);
        if let Some(j) = cri_join(&line, &mut st) {
            let _ = parse_line(&j, &st);
        }
    }

    #[test]
    fn mutated_real_lines_never_panic(
        idx in 0usize..300,
        cut in 0usize..400,
        pos in 0usize..400,
        byte in any::<u8>(),
    ) {
        let seeds = seeds();
        let mut line = seeds[idx % seeds.len()].clone();
        if !line.is_empty() {
            let p = pos % line.len();
            line[p] = byte;
        }
        line.truncate(cut.min(line.len()));
        let st = EnvState::new(2024);
        let _ = parse_line(&line, &st);
    }

    #[test]
    fn huge_numbers_never_panic(term in any::<u64>(), id in "[0-9a-f]{1,20}") {
        let st = EnvState::new(2024);
        for msg in [
            format!("{id} became leader at term {term}"),
            format!("raft.node: {id} elected leader {id} at term {term}"),
            format!("{id} [term: {term}] received a MsgVote message with higher term from {id} [term: {term}]"),
            format!("{id} [logterm: {term}, index: {term}, vote: {id}] cast MsgVote for {id} [logterm: {term}, index: {term}] at term {term}"),
        ] {
            let line = format!("2023-05-01 10:00:05.123456 I | raft: {msg}");
            let info = parse_line(line.as_bytes(), &st);
            if id.len() <= 16 {
                prop_assert!(!info.events.is_empty(), "{}", line);
                prop_assert_eq!(info.events[0].term, Some(term));
            }
        }
    }
}

#[test]
fn model_invariants_hold_on_every_fixture() {
    let mut dirs = Vec::new();
    for base in ["real", "built"] {
        for e in std::fs::read_dir(root().join("fixtures").join(base)).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            }
        }
    }
    for d in dirs {
        let whole = analyze(&["terms", d.to_str().unwrap()]);
        let name = d.display().to_string();
        // a directory of several clusters (docs/clusters.md): each holds them alone
        let parts: Vec<&raftlog::model::Analysis> = if whole.sections.is_empty() {
            vec![&whole]
        } else {
            whole.sections.iter().collect()
        };
        for a in parts {
            // at most one leader per term, or a split_brain anomaly
            let mut leaders: std::collections::BTreeMap<u64, std::collections::BTreeSet<u64>> =
                Default::default();
            for e in &a.events {
                let l = match &e.kind {
                    raftlog::event::Kind::BecameLeader => e.node,
                    raftlog::event::Kind::ElectedLeader { leader }
                    | raftlog::event::Kind::ChangedLeader { leader, .. } => Some(*leader),
                    _ => None,
                };
                if let (Some(l), Some(t)) = (l, e.term) {
                    leaders.entry(t).or_default().insert(l);
                }
            }
            let split = a.report.anomalies.iter().any(|x| x.kind == "split_brain");
            for (t, ls) in &leaders {
                assert!(
                    ls.len() <= 1 || split,
                    "{name}: term {t} has leaders {ls:?} and no split_brain anomaly"
                );
                let row = a.report.terms.iter().find(|r| r.term == *t).unwrap();
                assert_eq!(
                    row.leader
                        .as_deref()
                        .map(|x| u64::from_str_radix(x, 16).unwrap()),
                    ls.iter().next().copied(),
                    "{name}: term {t}"
                );
            }
            assert!(!split, "{name}");
            // terms never decrease within a member (except across a restart, reported if so)
            assert!(
                !a.report
                    .anomalies
                    .iter()
                    .any(|x| x.kind == "term_regression"),
                "{name}: {:?}",
                a.report.anomalies
            );
            // every leaderless window lies between a leader loss and a leader gain
            for w in &a.report.leaderless {
                if let Some(to) = w.to {
                    assert!(w.from <= to, "{name}");
                    let gained = a.report.terms.iter().any(|t| {
                        t.elected_at.is_some_and(|e| e <= to) && w.terms.contains(&t.term)
                    });
                    assert!(gained, "{name}: window {:?} has no leader gain", w);
                }
                let led_before = a
                    .report
                    .terms
                    .iter()
                    .any(|t| t.elected_at.is_some_and(|e| e <= w.from));
                assert!(led_before, "{name}: window before any leader");
            }
            // JSON output deserialises back
            let mut out = Vec::new();
            raftlog::report::json::write_document(a, true, &mut out).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(v["schema_version"], 1);
        }
    }
}

mod generated {
    use proptest::prelude::*;
    use raftlog::event::{Event, Kind, Origin};
    use raftlog::ingest::{InputResult, InputSummary};
    use raftlog::model::{analyze, ModelOptions};
    use raftlog::time::Instant;

    fn kind(k: u8, other: u64) -> Kind {
        match k % 12 {
            0 => Kind::BecameFollower,
            1 => Kind::BecameCandidate,
            2 => Kind::BecameLeader,
            3 => Kind::BecamePreCandidate,
            4 => Kind::ElectionStarted,
            5 => Kind::ElectedLeader { leader: other },
            6 => Kind::LostLeader { leader: other },
            7 => Kind::ChangedLeader {
                from: other,
                leader: other ^ 1,
            },
            8 => Kind::VoteGranted {
                candidate: other,
                pre_vote: false,
            },
            9 => Kind::TermBump {
                from: other,
                msg_type: "MsgVote".into(),
                old_term: 0,
            },
            10 => Kind::ProcessStart { version: None },
            _ => Kind::HeartbeatOverrun {
                to: Some(other),
                heartbeat_ms: Some(100.0),
                exceeded_ms: Some(5000.0),
            },
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

        /// Arbitrary event streams (any order, terms up to u64::MAX, clocks going back):
        /// the model never panics, every term has at most one leader unless a split_brain
        /// anomaly says otherwise, and every leaderless window is ordered.
        #[test]
        fn model_never_panics_and_keeps_its_invariants(
            evs in proptest::collection::vec((0u64..4, any::<u8>(), 0u64..6, prop_oneof![0u64..20, Just(u64::MAX)], -5000i64..60_000), 0..200)
        ) {
            let mut per: Vec<Vec<Event>> = vec![Vec::new(); 4];
            for (node, k, other, term, ms) in evs {
                let line = per[node as usize].len() as u64 + 1;
                per[node as usize].push(Event {
                    ts: Some(Instant(ms * 1_000_000)),
                    node: Some(node + 1),
                    term: Some(term),
                    origin: Origin { input: node as u32, line },
                    ..Event::of(kind(k, other + 1))
                });
            }
            let inputs: Vec<InputResult> = per
                .into_iter()
                .enumerate()
                .map(|(i, events)| InputResult {
                    summary: InputSummary { name: format!("n{i}"), ..Default::default() },
                    events,
                    raw: Default::default(),
                })
                .collect();
            let a = analyze(inputs, &ModelOptions::default());
            let split = a.report.anomalies.iter().any(|x| x.kind == "split_brain");
            let mut leaders: std::collections::BTreeMap<u64, std::collections::BTreeSet<u64>> = Default::default();
            for e in &a.events {
                let l = match &e.kind {
                    Kind::BecameLeader => e.node,
                    Kind::ElectedLeader { leader } | Kind::ChangedLeader { leader, .. } => Some(*leader),
                    _ => None,
                };
                if let (Some(l), Some(t)) = (l, e.term) {
                    if t > 0 {
                        leaders.entry(t).or_default().insert(l);
                    }
                }
            }
            for ls in leaders.values() {
                prop_assert!(ls.len() <= 1 || split);
            }
            for w in &a.report.leaderless {
                if let Some(to) = w.to {
                    prop_assert!(w.from <= to);
                }
            }
            let mut out = Vec::new();
            raftlog::report::json::write_document(&a, true, &mut out).unwrap();
            prop_assert!(serde_json::from_slice::<serde_json::Value>(&out).is_ok());
        }
    }
}
