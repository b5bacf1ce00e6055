//! Envelopes found in public reports and shipped logs: TiDB PD's embedded etcd,
//! capnslog lines whose date was cut off, `journalctl -o json` records, zap records
//! glued on one line or hard-wrapped over several. Each is checked against the same
//! real lines in an envelope raftlog already read: every event is counted, at the same
//! time, with the same member, term and kind.

mod common;

use common::{analyze, fixture};
use raftlog::event::hex;
use raftlog::model::Analysis;

/// (time, member, term, kind) of an event.
type Row = (Option<String>, Option<String>, Option<u64>, String);

/// Every event, in order.
fn events(a: &Analysis) -> Vec<Row> {
    a.events
        .iter()
        .map(|e| {
            (
                e.ts.map(|t| t.rfc3339()),
                e.node.map(hex),
                e.term,
                e.kind.name().to_string(),
            )
        })
        .collect()
}

fn input(a: &Analysis) -> &raftlog::report::InputRow {
    &a.report.inputs[0]
}

fn members(a: &Analysis) -> Vec<(String, bool)> {
    let mut v: Vec<(String, bool)> = a
        .report
        .nodes
        .iter()
        .map(|n| (n.id.clone(), n.has_log))
        .collect();
    v.sort();
    v
}

/// tikv/pd#1369: the raft and capnslog lines of PD's embedded etcd, `file.go:N: [info] `.
#[test]
fn pd_embedded_etcd_lines_are_read() {
    let a = analyze(&[
        "terms",
        "--format",
        "json",
        &fixture("public/pd-1369-example-pd-0.log"),
    ]);
    let kinds: Vec<String> = events(&a).into_iter().map(|e| e.3).collect();
    assert_eq!(
        kinds,
        [
            "timeout_now_sent",
            "term_bump",
            "became_follower",
            "vote_granted",
            "lost_leader",
            "elected_leader"
        ]
    );
    let i = input(&a);
    assert_eq!(i.formats, ["golog"]);
    assert_eq!((i.lines, i.skipped_lines), (11, 0));
    assert!(a
        .events
        .iter()
        .all(|e| e.node.map(hex).as_deref() == Some("1fbe35312aff5d1d")));
    assert_eq!(
        a.events[5].ts.map(|t| t.rfc3339()).as_deref(),
        Some("2018-12-11T07:01:49.574Z")
    );
    let t5 = a.report.terms.iter().find(|t| t.term == 5).expect("term 5");
    assert_eq!(t5.leader.as_deref(), Some("a90f5955cb652e04"));
    // `pkg: [text]`: PD prints capnslog's entries as a slice
    let a = analyze(&[
        "terms",
        "--format",
        "json",
        &fixture("public/pd-1369-example-pd-1.log"),
    ]);
    let kinds: Vec<String> = events(&a).into_iter().map(|e| e.3).collect();
    assert_eq!(
        kinds,
        [
            "peer_active",
            "timing_config",
            "elected_leader",
            "member_identity"
        ]
    );
}

/// etcd's upgrade guides show the same member's lines with their date (3.2 guide) and
/// cut to a time of day (3.3 guide): the same events; the time-only copy alone has no
/// day, and takes it from the dated copy when both are read (their events then fall
/// on the same instants and are counted once).
#[test]
fn time_only_capnslog_lines_take_their_date_from_the_run() {
    let dated = analyze(&[
        "terms",
        "--format",
        "json",
        &fixture("public/etcd-upgrade-3-2-dated.log"),
    ]);
    let cut = analyze(&[
        "terms",
        "--format",
        "json",
        &fixture("public/etcd-upgrade-3-3-time-only.log"),
    ]);
    assert_eq!(events(&dated).len(), 15);
    let strip = |v: Vec<Row>| {
        v.into_iter()
            .map(|(t, n, term, k)| (t.map(|t| t[10..].to_string()), n, term, k))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(events(&cut)), strip(events(&dated)));
    assert_eq!(input(&cut).skipped_lines, 0);
    assert_eq!(input(&cut).formats, ["capnslog"]);
    assert!(
        input(&cut)
            .year_note
            .as_deref()
            .is_some_and(|n| n.starts_with("day unknown")),
        "{:?}",
        input(&cut).year_note
    );
    let both = analyze(&[
        "terms",
        "--format",
        "json",
        &fixture("public/etcd-upgrade-3-2-dated.log"),
        &fixture("public/etcd-upgrade-3-3-time-only.log"),
    ]);
    let second = &both.report.inputs[1];
    assert_eq!(
        second.year_note.as_deref(),
        Some(
            "date 2017-04-27 of time-only lines taken from the run's other inputs (their earliest event)"
        )
    );
    assert_eq!(
        second.duplicate_events, 15,
        "same instants as the dated copy"
    );
}

/// A time of day that goes back by more than 12 hours crossed midnight.
#[test]
fn time_only_lines_roll_over_at_midnight() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(fixture("public/etcd-upgrade-3-2-dated.log")).unwrap();
    let lines: Vec<&str> = src.lines().collect();
    // the dated first line, then the cut copies of lines 2 and 3 moved before midnight
    // and after it (the messages unchanged; only the clock is the test's)
    let text = format!(
        "{}\n23:59:59.900000{}\n00:00:00.100000{}\n",
        lines[0],
        &lines[1][26..],
        &lines[2][26..]
    );
    let p = dir.path().join("midnight.log");
    std::fs::write(&p, text).unwrap();
    let a = analyze(&["terms", "--format", "json", p.to_str().unwrap()]);
    let ts: Vec<String> = a
        .events
        .iter()
        .filter_map(|e| e.ts)
        .map(|t| t.rfc3339())
        .collect();
    assert_eq!(
        ts,
        [
            "2017-04-27T14:13:31.491746Z",
            "2017-04-27T23:59:59.900Z",
            "2017-04-28T00:00:00.100Z"
        ]
    );
    assert_eq!(
        input(&a).year_note.as_deref(),
        Some("date 2017-04-27 of time-only lines taken from other lines of the input")
    );
}

/// The 3.4 upgrade guide's lines are cut to their seconds: events without a time, all
/// counted; the terminal's `^C` echo is peeled off the interrupt line, which is read
/// (line 6); the two grpc lines are skipped as not etcd's; the third member is named only
/// by the second's stream lines, and is a member without a log.
#[test]
fn seconds_only_lines_and_members_named_by_peers() {
    let a = analyze(&[
        "terms",
        "--format",
        "json",
        &fixture("public/etcd-upgrade-3-4-seconds-only.log"),
    ]);
    let i = input(&a);
    assert_eq!((i.events, i.skipped_lines), (16, 2));
    assert_eq!(i.skipped.get("not_etcd"), Some(&2));
    assert!(a
        .events
        .iter()
        .any(|e| e.origin.line == 6
            && matches!(e.kind, raftlog::event::Kind::ProcessShutdown { .. })));
    assert!(a.events.iter().all(|e| e.ts.is_none()));
    let t9 = a.report.terms.iter().find(|t| t.term == 9).expect("term 9");
    assert_eq!(t9.leader.as_deref(), Some("729934363faa4a24"));
    assert_eq!(
        members(&a),
        [
            ("729934363faa4a24".to_string(), false),
            ("7339c4e5e833c029".to_string(), true),
            ("b548c2511513015".to_string(), false)
        ]
    );
}

/// `journalctl -o json` records around real zap and capnslog lines (every 7th MESSAGE
/// as an array of bytes): the events of the plain log, the host and process named.
#[test]
fn journal_json_records_are_read() {
    for (built, real) in [
        (
            "envelopes/journald-json-zap-3-mixed-n1.log",
            "real/zap-3-mixed/n1.log",
        ),
        (
            "envelopes/journald-json-capnslog-3-mixed-n1.log",
            "real/capnslog-3-mixed/n1.log",
        ),
    ] {
        let a = analyze(&["terms", "--format", "json", &fixture(built)]);
        let b = analyze(&["terms", "--format", "json", &fixture(real)]);
        assert!(!events(&b).is_empty());
        let untimed = |v: Vec<Row>| v.into_iter().map(|e| (e.1, e.2, e.3)).collect::<Vec<_>>();
        assert_eq!(untimed(events(&a)), untimed(events(&b)), "{built}");
        // the journal's stamp (µs, with a zone) is the time; raft's Go log lines print
        // whole seconds, so they differ from it by less than a second
        for (x, y) in a.events.iter().zip(&b.events) {
            let (x, y) = (x.ts.expect("time"), y.ts.expect("time"));
            assert!((0..1000).contains(&y.ms_until(x)), "{built}: {x} vs {y}");
        }
        let i = input(&a);
        assert!(i.wrappers.iter().any(|w| w == "journald-json"), "{built}");
        assert_eq!(i.skipped_lines, 0, "{built}: {:?}", i.skipped);
        let src: Vec<&String> = i.sources.keys().collect();
        assert_eq!(src.len(), 1, "{built}");
        assert!(src[0].starts_with("n1 etcd["), "{built}: {src:?}");
    }
}

/// Pairs of real zap records glued on one line (`}{`, `} {`), and real zap records
/// hard-wrapped at 80 columns: every event of the plain log, on the line where its
/// record starts.
#[test]
fn glued_and_wrapped_zap_records_are_read() {
    for (built, real, lines) in [
        (
            "envelopes/glued-zap-3-mixed-n2.log",
            "real/zap-3-mixed/n2.log",
            99,
        ),
        (
            "envelopes/wrapped-80-zap-3-mixed-n3.log",
            "real/zap-3-mixed/n3.log",
            516,
        ),
    ] {
        let a = analyze(&["terms", "--format", "json", &fixture(built)]);
        let b = analyze(&["terms", "--format", "json", &fixture(real)]);
        assert!(!events(&b).is_empty());
        assert_eq!(events(&a), events(&b), "{built}");
        let i = input(&a);
        assert_eq!((i.lines, i.skipped_lines), (lines, 0), "{built}");
    }
    // evidence points at the first physical line of a wrapped record
    let text = std::fs::read_to_string(fixture("envelopes/wrapped-80-zap-3-mixed-n3.log")).unwrap();
    let a = analyze(&[
        "terms",
        "--format",
        "json",
        &fixture("envelopes/wrapped-80-zap-3-mixed-n3.log"),
    ]);
    let lines: Vec<&str> = text.lines().collect();
    for e in &a.events {
        let first = lines[e.origin.line as usize - 1];
        assert!(
            first.starts_with("{\"level\":"),
            "line {}: {first}",
            e.origin.line
        );
    }
}
