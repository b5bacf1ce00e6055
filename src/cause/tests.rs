//! The rules on small event streams: one input per member, times in ms.
use crate::event::{Event, Kind, NodeId, Origin, StopStep};
use crate::ingest::{InputResult, InputSummary};
use crate::model::{analyze, ModelOptions};
use crate::time::Instant;

const A: NodeId = 0xa;
const B: NodeId = 0xb;
const C: NodeId = 0xc;

struct Log(Vec<(NodeId, Vec<Event>)>, NodeId);

impl Log {
    fn new() -> Log {
        Log(vec![(A, vec![]), (B, vec![]), (C, vec![])], 0)
    }
    fn at(&mut self, ms: i64, node: NodeId, term: Option<u64>, kind: Kind) -> &mut Self {
        let slot = self.0.iter_mut().find(|(n, _)| *n == node).unwrap();
        let line = slot.1.len() as u64 + 1;
        slot.1.push(Event {
            ts: Some(Instant(ms * 1_000_000)),
            node: Some(node),
            term,
            origin: Origin { input: 0, line },
            ..Event::of(kind)
        });
        self
    }
    /// Every member starts, `leader` wins term 2 with everyone's votes.
    fn boot(leader: NodeId) -> Log {
        let mut l = Log::new();
        for n in [A, B, C] {
            l.at(0, n, None, Kind::ProcessStart { version: None });
            l.at(1, n, Some(1), Kind::BecameFollower);
        }
        l.at(1000, leader, Some(2), Kind::BecameCandidate);
        for n in [A, B, C].into_iter().filter(|n| *n != leader) {
            l.at(
                1001,
                n,
                Some(2),
                Kind::VoteGranted {
                    candidate: leader,
                    pre_vote: false,
                },
            );
        }
        l.at(1002, leader, Some(2), Kind::BecameLeader);
        for n in [A, B, C] {
            l.at(1003, n, Some(2), Kind::ElectedLeader { leader });
        }
        l.1 = leader;
        l
    }
    /// `winner` is elected into `term` at `ms` by the two others' votes.
    fn elect(&mut self, ms: i64, winner: NodeId, term: u64, voters: &[NodeId]) -> &mut Self {
        let old = self.1;
        self.at(ms, winner, Some(term - 1), Kind::ElectionStarted);
        self.at(ms, winner, Some(term), Kind::BecameCandidate);
        self.at(ms, winner, Some(term), Kind::LostLeader { leader: old });
        for v in voters {
            self.at(
                ms + 1,
                *v,
                Some(term),
                Kind::VoteGranted {
                    candidate: winner,
                    pre_vote: false,
                },
            );
            if *v != old {
                self.at(ms + 1, *v, Some(term), Kind::LostLeader { leader: old });
            }
            self.at(
                ms + 2,
                *v,
                Some(term),
                Kind::ElectedLeader { leader: winner },
            );
        }
        self.at(ms + 2, winner, Some(term), Kind::BecameLeader);
        self.1 = winner;
        self
    }
    fn run(&self, without: &[NodeId]) -> crate::model::Analysis {
        let inputs: Vec<InputResult> = self
            .0
            .iter()
            .filter(|(n, _)| !without.contains(n))
            .enumerate()
            .map(|(i, (n, evs))| {
                let mut evs = evs.clone();
                for e in evs.iter_mut() {
                    e.origin.input = i as u32;
                }
                InputResult {
                    summary: InputSummary {
                        name: format!("{n:x}.log"),
                        ..Default::default()
                    },
                    events: evs,
                    raw: Default::default(),
                }
            })
            .collect();
        analyze(inputs, &ModelOptions::default())
    }
}

fn cause(a: &crate::model::Analysis, term: u64) -> (String, Option<String>, String) {
    let c = a
        .report
        .terms
        .iter()
        .find(|t| t.term == term)
        .unwrap()
        .cause
        .clone()
        .unwrap();
    (c.code, c.culprit, c.confidence)
}

fn h(n: NodeId) -> Option<String> {
    Some(format!("{n:x}"))
}

#[test]
fn bootstrap_then_planned_transfer() {
    let mut l = Log::boot(A);
    l.at(5000, A, Some(2), Kind::TransferStarted { to: B });
    l.at(5001, B, Some(2), Kind::TimeoutNowReceived { from: A });
    l.elect(5001, B, 3, &[A, C]);
    let a = l.run(&[]);
    assert_eq!(cause(&a, 2).0, "bootstrap");
    assert_eq!(
        cause(&a, 3),
        ("leader_transfer".into(), h(A), "high".into())
    );
}

#[test]
fn a_hand_over_after_a_stop_signal_is_a_shutdown() {
    let mut l = Log::boot(A);
    l.at(
        5000,
        A,
        None,
        Kind::ProcessShutdown {
            signal: Some("terminated".into()),
        },
    );
    l.at(5000, A, Some(2), Kind::TransferStarted { to: B });
    l.at(5001, B, Some(2), Kind::TimeoutNowReceived { from: A });
    l.elect(5001, B, 3, &[A, C]);
    let a = l.run(&[]);
    assert_eq!(
        cause(&a, 3),
        ("leader_shutdown".into(), h(A), "high".into())
    );
}

/// The same hand-over when the leader's log has no signal line, only `closing etcd
/// server` (stopped through the API, embedded etcd, or the line was lost).
#[test]
fn a_hand_over_after_closing_etcd_server_is_a_shutdown() {
    let mut l = Log::boot(A);
    l.at(
        5000,
        A,
        None,
        Kind::ServerStop {
            step: StopStep::Closing,
        },
    );
    l.at(5000, A, Some(2), Kind::TransferStarted { to: B });
    l.at(5001, B, Some(2), Kind::TimeoutNowReceived { from: A });
    l.elect(5001, B, 3, &[A, C]);
    let a = l.run(&[]);
    assert_eq!(
        cause(&a, 3),
        ("leader_shutdown".into(), h(A), "high".into())
    );
    let t = a.report.terms.iter().find(|t| t.term == 3).unwrap();
    let summary = &t.cause.as_ref().unwrap().summary;
    assert!(summary.contains("no signal line"), "{summary}");
    assert!(crate::cause::planned(t));
}

#[test]
fn a_restart_without_a_stop_is_a_crash() {
    let mut l = Log::boot(A);
    l.elect(7000, B, 3, &[C]);
    l.at(9000, A, None, Kind::ProcessStart { version: None });
    l.at(9001, A, Some(3), Kind::BecameFollower);
    let a = l.run(&[]);
    assert_eq!(cause(&a, 3), ("leader_crash".into(), h(A), "high".into()));
}

#[test]
fn silence_then_a_higher_term_is_a_stall_and_late_heartbeats_make_it_certain() {
    let mut l = Log::boot(A);
    l.elect(7000, B, 3, &[C]);
    l.at(
        9000,
        A,
        Some(3),
        Kind::TermBump {
            from: B,
            msg_type: "MsgHeartbeat".into(),
            old_term: 2,
        },
    );
    let a = l.run(&[]);
    assert_eq!(cause(&a, 3), ("leader_stall".into(), h(A), "medium".into()));
    // the same with the leader's own report of its late heartbeats (silent 4 s)
    l.at(
        9000,
        A,
        None,
        Kind::HeartbeatOverrun {
            to: Some(B),
            heartbeat_ms: Some(100.0),
            exceeded_ms: Some(4000.0),
        },
    );
    let a = l.run(&[]);
    assert_eq!(cause(&a, 3), ("leader_stall".into(), h(A), "high".into()));
    // the leaderless window starts when it went silent, not when the others noticed
    let w = a.report.leaderless.last().unwrap();
    assert_eq!(w.started_by.as_deref(), Some("leader_stall"));
    assert_eq!(w.from, Instant(5000 * 1_000_000));
}

#[test]
fn without_the_old_leaders_log_nothing_is_guessed() {
    let mut l = Log::boot(A);
    l.elect(7000, B, 3, &[C]);
    l.at(
        9000,
        A,
        Some(3),
        Kind::TermBump {
            from: B,
            msg_type: "MsgHeartbeat".into(),
            old_term: 2,
        },
    );
    let a = l.run(&[A]);
    let (code, culprit, conf) = cause(&a, 3);
    assert_eq!(
        (code.as_str(), culprit, conf.as_str()),
        ("unknown", None, "low")
    );
    // ...unless its peers saw its connections refused: its process was down
    l.at(
        6500,
        B,
        None,
        Kind::StreamLost {
            peer: Some(A),
            error: Some("dial tcp: connect: connection refused".into()),
        },
    );
    let a = l.run(&[A]);
    assert_eq!(cause(&a, 3), ("leader_crash".into(), h(A), "medium".into()));
}

#[test]
fn a_member_cut_off_campaigns_alone_then_deposes_the_leader() {
    let mut l = Log::boot(A);
    // C is cut off: its campaigns for terms 3 and 4 reach nobody
    l.at(5000, C, Some(2), Kind::LostLeader { leader: A });
    l.at(5000, C, Some(3), Kind::BecameCandidate);
    l.at(6500, C, Some(4), Kind::BecameCandidate);
    // back: its higher term deposes the working leader A, C wins term 5
    l.at(
        8000,
        A,
        Some(4),
        Kind::TermBump {
            from: C,
            msg_type: "MsgAppResp".into(),
            old_term: 2,
        },
    );
    l.elect(8100, C, 5, &[A, B]);
    let a = l.run(&[]);
    assert_eq!(cause(&a, 3).0, "network");
    assert_eq!(cause(&a, 3).1, h(C));
    assert_eq!(cause(&a, 4).0, "network");
    assert_eq!(
        cause(&a, 5),
        ("disruptive_candidate".into(), h(C), "high".into())
    );
}

#[test]
fn a_quorum_loss_step_down_is_network_on_the_leader() {
    let mut l = Log::boot(A);
    l.at(6000, A, None, Kind::SteppedDown);
    l.elect(6500, B, 3, &[C]);
    let a = l.run(&[]);
    assert_eq!(cause(&a, 3), ("network".into(), h(A), "high".into()));
}

fn stop(l: &mut Log, ms: i64, n: NodeId) {
    l.at(
        ms,
        n,
        None,
        Kind::ProcessShutdown {
            signal: Some("terminated".into()),
        },
    );
}

/// The leader `A` left alone after `B` and `C` went: it steps down, then campaigns
/// for terms 3, 4 and 5 with nobody to answer.
fn left_alone(l: &mut Log) {
    l.at(7500, A, Some(2), Kind::SteppedDown);
    l.at(7500, A, Some(2), Kind::BecameFollower);
    for (k, term) in [3u64, 4, 5].into_iter().enumerate() {
        let ms = 9000 + 1500 * k as i64;
        l.at(ms, A, Some(term - 1), Kind::ElectionStarted);
        l.at(ms, A, Some(term), Kind::BecameCandidate);
    }
}

fn lost(a: &crate::model::Analysis, term: u64) -> crate::report::Cause {
    let t = a.report.terms.iter().find(|t| t.term == term).unwrap();
    t.cause.clone().unwrap()
}

/// Terms 3-5, campaigned for by A alone after B and C stopped: planned `quorum_lost`,
/// no culprit, B and C named.
fn planned_quorum_lost(a: &crate::model::Analysis) -> Vec<crate::report::Cause> {
    [3, 4, 5]
        .into_iter()
        .map(|term| {
            let c = lost(a, term);
            assert_eq!(
                (c.code.as_str(), c.culprit.clone(), c.confidence.as_str()),
                ("quorum_lost", None, "high"),
                "term {term}"
            );
            assert_eq!(c.planned, Some(true), "term {term}");
            assert_eq!(c.stopped_members, Some(vec!["b".into(), "c".into()]));
            c
        })
        .collect()
}

#[test]
fn members_stopped_until_no_quorum_make_planned_quorum_lost() {
    let mut l = Log::boot(A);
    stop(&mut l, 5000, C);
    stop(&mut l, 6000, B);
    left_alone(&mut l);
    let a = l.run(&[]);
    for c in planned_quorum_lost(&a) {
        assert!(c.summary.starts_with("only 1 of 3 members were running"));
    }
    // campaigns that could not succeed are no term inflation, and planned: no storm
    assert!(a
        .report
        .anomalies
        .iter()
        .all(|x| x.kind != "term_inflation"));
    assert!(a.report.storms.is_empty());
}

/// Members whose logs show only the later steps of a stop (zap `closing etcd server`,
/// capnslog `skipped leadership transfer for stopping non-leader member`), no signal:
/// still stopped, so the campaigns of the member left alone are planned `quorum_lost`.
#[test]
fn stops_without_a_signal_line_are_planned_quorum_lost() {
    let mut l = Log::boot(A);
    l.at(
        5000,
        C,
        None,
        Kind::ServerStop {
            step: StopStep::Closing,
        },
    );
    l.at(
        5010,
        C,
        None,
        Kind::ServerStop {
            step: StopStep::Closed,
        },
    );
    l.at(
        6000,
        B,
        None,
        Kind::ServerStop {
            step: StopStep::TransferSkipped,
        },
    );
    left_alone(&mut l);
    let a = l.run(&[]);
    for c in planned_quorum_lost(&a) {
        assert!(
            c.summary
                .contains("c (stopped: its server stop lines, no signal line)"),
            "{}",
            c.summary
        );
    }
    assert!(a.report.storms.is_empty());
    // one stop each, at the first stop line
    let c = a.report.nodes.iter().find(|n| n.id == "c").unwrap();
    assert_eq!(c.shutdowns, vec![Instant(5000 * 1_000_000)]);
    assert!(c.restarts.is_empty() && c.crashes.is_empty());
}

/// Only the leader's log: it is stopped (hands leadership to B as it goes), its stop
/// logs lost connections and `closed etcd server`, and it starts again 4 s later and
/// hears of B after 80 ms. While it is away and booting its log says nothing about the
/// cluster: no leaderless window, no member gap, and its term ends when B was elected.
#[test]
fn a_stopped_member_is_away_until_it_hears_of_a_leader_again() {
    let mut l = Log::boot(A);
    stop(&mut l, 5000, A);
    l.at(5002, A, Some(3), Kind::BecameFollower);
    l.at(5002, A, Some(3), Kind::ElectedLeader { leader: B });
    l.at(
        5005,
        A,
        None,
        Kind::StreamLost {
            peer: Some(B),
            error: None,
        },
    );
    l.at(
        5010,
        A,
        None,
        Kind::ServerStop {
            step: StopStep::Closed,
        },
    );
    l.at(9000, A, None, Kind::ProcessStart { version: None });
    l.at(9001, A, Some(3), Kind::BecameFollower);
    l.at(9080, A, Some(3), Kind::ElectedLeader { leader: B });
    let a = l.run(&[B, C]);
    assert!(a.report.leaderless.is_empty(), "{:?}", a.report.leaderless);
    let n = a.report.nodes.iter().find(|n| n.id == "a").unwrap();
    assert!(n.gaps.is_empty(), "{:?}", n.gaps);
    let t2 = a.report.terms.iter().find(|t| t.term == 2).unwrap();
    assert_eq!(t2.led_ms, Some(4000));
    assert_eq!(n.restarts, vec![Instant(9000 * 1_000_000)]);
}

#[test]
fn a_member_whose_log_ends_without_a_stop_is_an_unplanned_loss() {
    let mut l = Log::boot(A);
    stop(&mut l, 5000, C);
    // B's last line, and no stop line: it died (or its log was cut)
    l.at(6000, B, Some(2), Kind::BecameFollower);
    left_alone(&mut l);
    let a = l.run(&[]);
    let c = lost(&a, 3);
    assert_eq!(
        (c.code.as_str(), c.confidence.as_str()),
        ("quorum_lost", "medium")
    );
    assert_eq!(c.planned, Some(false));
    assert_eq!(c.stopped_members, Some(vec!["b".into(), "c".into()]));
    assert!(
        c.summary.contains("b (its log ends there)"),
        "{}",
        c.summary
    );
}

#[test]
fn one_member_stopped_of_three_leaves_a_quorum() {
    // C stopped; A and B still run: a campaign nobody answered is not quorum_lost
    let mut l = Log::boot(A);
    stop(&mut l, 5000, C);
    l.at(9000, B, Some(2), Kind::ElectionStarted);
    l.at(9000, B, Some(3), Kind::BecameCandidate);
    l.at(12000, A, Some(2), Kind::BecameFollower);
    let a = l.run(&[]);
    assert_eq!(cause(&a, 3).0, "network");
    assert!(lost(&a, 3).planned.is_none());
}

#[test]
fn members_not_yet_started_are_not_stopped() {
    // B and C's logs begin after A's lonely campaign: nothing says they were down
    let mut l = Log::new();
    l.at(0, A, None, Kind::ProcessStart { version: None });
    l.at(1, A, Some(1), Kind::BecameFollower);
    l.at(1000, A, Some(2), Kind::BecameCandidate);
    for n in [B, C] {
        l.at(3000, n, None, Kind::ProcessStart { version: None });
    }
    let a = l.run(&[]);
    assert_ne!(cause(&a, 2).0, "quorum_lost");
}

#[test]
fn a_kill_and_restart_seconds_after_the_first_start_is_a_restart_and_a_crash() {
    let mut l = Log::boot(A);
    // A's last line at 3 s, then it is killed; B takes over; A starts again at 6 s
    l.at(3000, A, Some(2), Kind::ElectedLeader { leader: A });
    l.elect(4500, B, 3, &[C]);
    l.at(6000, A, None, Kind::ProcessStart { version: None });
    l.at(6001, A, Some(2), Kind::BecameFollower);
    l.at(
        6001,
        A,
        Some(2),
        Kind::RaftBoot {
            peers: vec![],
            commit: 5,
            last_index: 5,
            last_term: 2,
        },
    );
    l.at(6100, A, Some(3), Kind::BecameFollower);
    let a = l.run(&[]);
    let n = a.report.nodes.iter().find(|n| n.id == "a").unwrap();
    assert_eq!(n.restarts, vec![Instant(6000 * 1_000_000)]);
    assert_eq!(n.crashes, vec![Instant(3000 * 1_000_000)]);
    // B and C started once: their boot lines are one start each
    for x in a.report.nodes.iter().filter(|n| n.id != "a") {
        assert!(x.restarts.is_empty() && x.crashes.is_empty(), "{}", x.id);
    }
    assert!(a
        .report
        .summary
        .notes
        .iter()
        .any(|s| s.contains("started again (crashed or killed) once")));
    assert_eq!(cause(&a, 3).0, "leader_crash");
}

#[test]
fn leaders_stopped_in_turn_are_not_a_storm() {
    // a rolling restart: each leader stopped in turn hands over; 4 leader changes in
    // a few seconds, every one planned
    let mut l = Log::boot(A);
    let order = [(A, B, C), (B, C, A), (C, A, B), (A, B, C)];
    for (k, (old, new, other)) in order.into_iter().enumerate() {
        let ms = 5000 + 3000 * k as i64;
        let term = 3 + k as u64;
        stop(&mut l, ms, old);
        l.at(ms, old, Some(term - 1), Kind::TransferStarted { to: new });
        l.at(
            ms + 1,
            new,
            Some(term - 1),
            Kind::TimeoutNowReceived { from: old },
        );
        l.elect(ms + 1, new, term, &[other]);
        l.at(ms + 1000, old, None, Kind::ProcessStart { version: None });
        l.at(ms + 1001, old, Some(term), Kind::BecameFollower);
    }
    let a = l.run(&[]);
    for term in 3..=6 {
        assert_eq!(cause(&a, term).0, "leader_shutdown", "term {term}");
    }
    assert!(a.report.storms.is_empty(), "{:?}", a.report.storms);
    let n = a.report.nodes.iter().find(|n| n.id == "a").unwrap();
    assert_eq!(n.restarts.len(), 2);
    assert!(n.crashes.is_empty());
}

/// Every cause code is written once under its own name, and docs/causes.md, which users
/// read to interpret `terms[].cause.code`, explains each one and names each rule.
#[test]
fn every_code_and_rule_is_documented_under_its_own_name() {
    use crate::cause::CauseCode;
    let docs = include_str!("../../docs/causes.md");
    let mut names = std::collections::BTreeSet::new();
    for code in CauseCode::ALL {
        assert!(names.insert(code.name()), "{} twice", code.name());
        assert_eq!(CauseCode::from_name(code.name()), Some(code));
        assert!(docs.contains(&format!("`{}`", code.name())), "{code:?}");
    }
    assert_eq!(CauseCode::from_name("leader-stall"), None);
    let mut rules = std::collections::BTreeSet::new();
    for (name, _) in super::RULES {
        assert!(rules.insert(*name), "rule {name} twice");
        assert!(docs.contains(&format!("`{name}`")), "rule {name}");
    }
}

/// A campaign nobody answered, seen only in the candidate's own log: whether the others
/// received its requests is not in the input, so no `network` (cut off) claim, and the
/// unknown cause says whose log would settle it (the old leader's first).
#[test]
fn a_lonely_campaign_in_its_own_log_only_is_no_cut() {
    let mut l = Log::boot(A);
    l.at(5000, C, Some(2), Kind::LostLeader { leader: A });
    l.at(5000, C, Some(3), Kind::BecameCandidate);
    l.at(
        5000,
        C,
        Some(3),
        Kind::VoteSent {
            to: A,
            pre_vote: false,
        },
    );
    let a = l.run(&[A, B]);
    let t = a.report.terms.iter().find(|t| t.term == 3).unwrap();
    let c = t.cause.as_ref().unwrap();
    assert_eq!((c.code.as_str(), c.culprit.as_deref()), ("unknown", None));
    assert!(c.summary.contains("needs a's log"), "{}", c.summary);
    assert_eq!(c.needs_logs, Some(vec!["a".to_string()]));
    // with B's log covering the campaign and silent about it, C was cut off
    l.at(9000, B, Some(2), Kind::BecameFollower);
    let a = l.run(&[A]);
    assert_eq!(cause(&a, 3).0, "network");
    assert_eq!(cause(&a, 3).1, h(C));
}

/// Leader A goes silent; B and C split the vote for term 3, B wins term 4 on its next
/// timeout, and A learns of term 4 from B's heartbeat right after: both elections
/// are A's stall (one episode). A campaign long after the split vote starts a new one.
#[test]
fn elections_after_a_split_vote_name_the_episodes_first_cause() {
    let split = |l: &mut Log, ms: i64, term: u64| {
        for (c, v) in [(B, C), (C, B)] {
            l.at(ms, c, Some(term), Kind::BecameCandidate);
            l.at(ms, c, Some(term), Kind::LostLeader { leader: A });
            let rejected = Kind::VoteRejected {
                candidate: c,
                pre_vote: false,
                voter_log: Default::default(),
                candidate_log: Default::default(),
            };
            l.at(ms + 1, v, Some(term), rejected);
        }
    };
    let heartbeat_from_b = |l: &mut Log, ms: i64, term: u64| {
        let bump = Kind::TermBump {
            from: B,
            msg_type: "MsgHeartbeat".into(),
            old_term: 2,
        };
        l.at(ms, A, Some(term), bump);
    };
    // B's next campaign, without `lost leader` lines: B and C lost A at term 3 already
    let win = |l: &mut Log, ms: i64| {
        l.at(ms, B, Some(3), Kind::ElectionStarted);
        l.at(ms, B, Some(4), Kind::BecameCandidate);
        let granted = Kind::VoteGranted {
            candidate: B,
            pre_vote: false,
        };
        l.at(ms + 1, C, Some(4), granted);
        l.at(ms + 2, B, Some(4), Kind::BecameLeader);
        l.at(ms + 2, C, Some(4), Kind::ElectedLeader { leader: B });
    };
    let mut l = Log::boot(A);
    split(&mut l, 6000, 3);
    win(&mut l, 7500);
    heartbeat_from_b(&mut l, 7600, 4);
    let a = l.run(&[]);
    let t3 = a.report.terms.iter().find(|t| t.term == 3).unwrap();
    assert_eq!(t3.outcome.as_deref(), Some("split_vote"));
    assert_eq!(cause(&a, 3).0, "leader_stall");
    assert_eq!(cause(&a, 3).1, h(A));
    assert_eq!(cause(&a, 4).0, "leader_stall");
    assert_eq!(cause(&a, 4).1, h(A));
    // the same split vote, but B's winning campaign comes 10 s later (beyond two election
    // timeouts): its own rules decide it, and A's step-down then is no stall
    let mut l = Log::boot(A);
    split(&mut l, 6000, 3);
    win(&mut l, 16000);
    heartbeat_from_b(&mut l, 16003, 4);
    let a = l.run(&[]);
    assert_eq!(cause(&a, 3).0, "leader_stall");
    assert_ne!(cause(&a, 4).0, "leader_stall");
}

/// etcd-9668-d, in small: C asks for term 3 with a log behind B's, B rejects it for that
/// and leaves term 2 on C's request, while leader A's appends at term 2 still reach B.
/// A's log is not read. C is the disruptive candidate; without A's appends (nothing
/// shows A alive) the rule does not claim it.
#[test]
fn a_stale_candidate_deposing_a_live_leader_is_disruptive() {
    let run = |leader_sends: bool| {
        let mut l = Log::boot(A);
        l.at(5000, C, Some(3), Kind::BecameCandidate);
        let bump = Kind::TermBump {
            from: C,
            msg_type: "MsgVote".into(),
            old_term: 2,
        };
        l.at(5001, B, Some(3), bump);
        let pos = |term, index| crate::event::LogPos { term, index };
        let rejected = Kind::VoteRejected {
            candidate: C,
            pre_vote: false,
            voter_log: pos(2, 20),
            candidate_log: pos(2, 9),
        };
        l.at(5001, B, Some(3), rejected);
        if leader_sends {
            let app = Kind::LowerTermIgnored {
                from: A,
                msg_type: "MsgApp".into(),
                sender_term: 2,
            };
            l.at(5002, B, Some(3), app);
        }
        l.run(&[A])
    };
    let a = run(true);
    assert_eq!(
        cause(&a, 3),
        ("disruptive_candidate".into(), h(C), "high".into())
    );
    assert_ne!(cause(&run(false), 3).0, "disruptive_candidate");
}
