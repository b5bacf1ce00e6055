//! Near misses (`near_misses[]`), consistent timer advice and durations at the precision
//! of their timestamps, on the real captures of fixtures/real/.

mod common;
use assert_cmd::Command;
use common::*;

fn raftlog() -> Command {
    let mut c = Command::cargo_bin("raftlog").unwrap();
    c.current_dir(root());
    c
}

fn stdout(args: &[&str]) -> String {
    let out = raftlog().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// etcd35-zap-3-cpu-nearmiss: the leader n2 starved of CPU for 6 s (truth.log CPUSTARVE
/// 13:04:52.261 to 13:04:58.269) stayed leader (truth.log "leader n2" before and after);
/// its log holds 13 late-heartbeat lines from 13:04:52.607 to 13:04:58.600, the worst
/// 1.809963299 s late, the first on line 83.
#[test]
fn a_starved_leader_that_kept_leading_is_a_near_miss() {
    let doc: serde_json::Value = serde_json::from_str(&stdout(&[
        "diagnose",
        "--format",
        "json",
        "fixtures/real/etcd35-zap-3-cpu-nearmiss",
    ]))
    .unwrap();
    let nm = doc["near_misses"].as_array().expect("near_misses[]");
    assert_eq!(nm.len(), 1, "{nm:?}");
    let n2 = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "n2")
        .unwrap()["id"]
        .clone();
    assert_eq!(nm[0]["node"], n2);
    assert_eq!(nm[0]["leader"], true);
    assert_eq!(nm[0]["from"], "2026-12-02T13:04:52.607Z");
    assert_eq!(nm[0]["to"], "2026-12-02T13:04:58.600Z");
    assert_eq!(
        nm[0]["counts"],
        serde_json::json!({"heartbeat_overrun": 13})
    );
    assert_eq!(nm[0]["worst_ms"], 1809.963299);
    assert_eq!(nm[0]["evidence"][0]["source"]["line"], 83);
    let text = stdout(&["timeline", "fixtures/real/etcd35-zap-3-cpu-nearmiss"]);
    assert!(
        text.contains("NEAR MISS n2 (leader) from 2026-12-02 13:04:52.607 for 6s: 13 late heartbeats (worst 1.8s); kept its leadership"),
        "{text}"
    );
}

/// zap-3-prevote-pause: the paused leader n3 logs its late heartbeats when it resumes,
/// after the election it caused: no near miss.
#[test]
fn a_paused_leader_that_was_deposed_is_no_near_miss() {
    let a = analyze(&["terms", "fixtures/real/zap-3-prevote-pause"]);
    assert!(
        a.report.near_misses.is_empty(),
        "{:?}",
        a.report.near_misses
    );
}

/// Slow-apply lines an hour after the log's last election are counted, not kept
/// (`evidence_not_kept`); the near miss still counts them, with the first one's line.
#[test]
fn lines_counted_not_kept_still_make_a_near_miss() {
    let tmp = tempfile::tempdir().unwrap();
    let mut log = std::fs::read_to_string(root().join("fixtures/real/zap-3-mixed/n1.log")).unwrap();
    let lines = log.lines().count();
    // the S03 zap line of fixtures/real/etcd35-zap-3-cpufollower/n2.log, re-timed
    let real =
        std::fs::read_to_string(root().join("fixtures/real/etcd35-zap-3-cpufollower/n2.log"))
            .unwrap()
            .lines()
            .find(|l| l.contains("apply request took too long"))
            .unwrap()
            .to_string();
    let v: serde_json::Value = serde_json::from_str(&real).unwrap();
    let old_ts = v["ts"].as_str().unwrap().to_string();
    let took = v["took"].as_str().unwrap().to_string();
    for ts in [
        "2026-11-25T17:20:00.000Z",
        "2026-11-25T17:20:01.000Z",
        "2026-11-25T17:21:30.000Z",
    ] {
        log.push_str(&real.replace(&old_ts, ts));
        log.push('\n');
    }
    let f = tmp.path().join("n1.log");
    std::fs::write(&f, log).unwrap();
    let a = analyze(&["terms", f.to_str().unwrap()]);
    assert_eq!(
        a.report.inputs[0].evidence_not_kept.get("slow_apply"),
        Some(&3)
    );
    let late: Vec<&raftlog::report::NearMiss> = a
        .report
        .near_misses
        .iter()
        .filter(|n| n.from.rfc3339().starts_with("2026-11-25T17:"))
        .collect();
    assert_eq!(late.len(), 1, "{:?}", a.report.near_misses);
    assert_eq!(late[0].counts.get("slow_apply"), Some(&3));
    assert_eq!(late[0].to.rfc3339(), "2026-11-25T17:21:30.000Z");
    let want_ms = raftlog::time::parse_go_duration_ms(&took).unwrap();
    assert_eq!(late[0].worst_ms, Some(want_ms));
    assert_eq!(late[0].evidence[0].source.line, lines as u64 + 1);
}

/// zap-3-mixed: every member was paused (truth.log SIGSTOP n1, n2, n3), so every peer
/// round trip of the dumps carries a pause (n3 -> n2 mean 100.4 ms): the timer advice
/// uses none of them, and gives one pair of values, from the worst late heartbeat (2.4 s:
/// an election timeout of 1.5 x 2.4 s, rounded up to 4000 ms).
#[test]
fn timer_advice_is_one_and_ignores_round_trips_of_paused_members() {
    let a = analyze(&["diagnose", "fixtures/real/zap-3-mixed"]);
    let timers: Vec<&raftlog::report::Recommendation> = a
        .report
        .recommendations
        .iter()
        .filter(|r| r.code == "tune_timers")
        .collect();
    assert_eq!(timers.len(), 1, "{timers:?}");
    let t = timers[0];
    assert!(
        t.summary
            .starts_with("set --heartbeat-interval=100 --election-timeout=4000 on every member"),
        "{}",
        t.summary
    );
    assert!(t.because.starts_with("computed from: "), "{}", t.because);
    assert!(t.because.contains("up to 2.4s late"), "{}", t.because);
    assert!(
        t.because.contains("no peer round trip is used") && t.because.contains("left out"),
        "{}",
        t.because
    );
}

/// capnslog-3-cpu: the raft lines of the 3.4 capnslog log carry whole seconds, so an
/// election between two of them took "<1s", never "0ms".
#[test]
fn durations_between_whole_second_lines_print_under_a_second() {
    let text = stdout(&["diagnose", "fixtures/real/capnslog-3-cpu"]);
    assert!(text.contains("n1 elected in <1s"), "{text}");
    assert!(!text.contains("elected in 0ms"), "{text}");
    let md = stdout(&["report", "fixtures/real/capnslog-3-cpu"]);
    assert!(!md.contains(" after 0ms"), "{md}");
}

/// The swimlane of the HTML report draws each near miss as a thin orange bar at the foot of
/// the member's lane; its legend names that mark and the caption under it says what it
/// means. A report without near misses has neither.
#[test]
fn the_swimlane_legend_explains_the_near_miss_mark() {
    let html = stdout(&[
        "report",
        "--format",
        "html",
        "fixtures/real/etcd35-zap-3-cpu-nearmiss",
    ]);
    let svg = &html[html.find("<svg class=\"timeline\"").unwrap()..html.find("</svg>").unwrap()];
    // the mark on n2's lane, and the same mark in the legend with its words
    assert_eq!(
        svg.matches(r#"<rect class="near-miss""#).count(),
        2,
        "{svg}"
    );
    assert!(svg.contains("<title>near miss of n2 "), "{svg}");
    let legend = &svg[svg.find(r#"<g class="legend">"#).unwrap()..];
    assert!(
        legend.contains(r#"<rect class="near-miss""#)
            && legend.contains("near miss: health trouble that cost no election"),
        "{legend}"
    );
    assert!(
        html.contains("Thin orange bars at the foot of a lane: near misses"),
        "caption"
    );
    let quiet = stdout(&["report", "--format", "html", "fixtures/real/zap-3-rolling"]);
    assert!(!quiet.contains("near-miss") && !quiet.contains("Thin orange bars"));
}
