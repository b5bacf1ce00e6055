//! The binary end to end: exit codes, error messages, stdin, bad inputs.

mod common;
use assert_cmd::Command;
use common::*;
use predicates::prelude::*;
use std::io::Write;

fn raftlog() -> Command {
    let mut c = Command::cargo_bin("raftlog").unwrap();
    c.current_dir(root());
    c
}

const ZAP: &str = "fixtures/real/zap-3-mixed";

#[test]
fn help_shows_examples_and_exit_codes() {
    raftlog()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes"))
        .stdout(predicate::str::contains("cat etcd.log | raftlog timeline"));
    raftlog()
        .arg("timeline")
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("NEWEST timestamp"));
}

#[test]
fn piped_stdin_is_read() {
    let data = std::fs::read(root().join(ZAP).join("n1.log")).unwrap();
    raftlog()
        .args(["timeline"])
        .write_stdin(data.clone())
        .assert()
        .success()
        .stdout(predicate::str::contains("became LEADER"))
        .stderr(predicate::str::contains("raftlog: read 1 input"));
    raftlog()
        .args(["terms", "-f", "json", "-"])
        .write_stdin(data)
        .assert()
        .success()
        .stdout(predicate::str::contains("\"name\": \"<stdin>\""));
}

#[test]
fn no_input_on_a_terminal_is_an_error_with_a_hint() {
    let cli = <raftlog::cli::Cli as clap::Parser>::parse_from(["raftlog", "timeline"]);
    let cfg = raftlog::config::Config::from_cli(cli.command).unwrap();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = raftlog::run(&cfg, true, &mut out, &mut err);
    assert_eq!(code, 2);
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("raftlog: error: no input"), "{err}");
    assert!(err.contains("cat etcd.log | raftlog timeline"), "{err}");
}

#[test]
fn missing_path_is_named_and_others_still_read() {
    raftlog()
        .args(["terms", "does-not-exist.log"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "raftlog: error: cannot open input: does-not-exist.log: No such file or directory",
        ))
        .stderr(predicate::str::contains("check the path"));
    // the other input is analysed and printed; the status still says one was missing
    raftlog()
        .args(["terms", "does-not-exist.log", &format!("{ZAP}/n1.log")])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("leader_"))
        .stderr(predicate::str::contains("does-not-exist.log"));
}

#[test]
fn directory_without_logs() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "hello\nworld\n").unwrap();
    raftlog()
        .args(["timeline", tmp.path().to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no etcd log found in directory"));
}

#[test]
fn empty_file_and_log_without_elections() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty.log");
    std::fs::write(&empty, "").unwrap();
    raftlog()
        .args(["timeline", empty.to_str().unwrap()])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("no etcd lines found in"));
    // real server lines without any election line
    let src = std::fs::read_to_string(root().join(ZAP).join("n1.log")).unwrap();
    let quiet: String = src
        .lines()
        .filter(|l| l.contains("\"caller\":\"etcdserver/") && !l.contains("leader"))
        .take(30)
        .map(|l| format!("{l}\n"))
        .collect();
    let f = tmp.path().join("quiet.log");
    std::fs::write(&f, quiet).unwrap();
    raftlog()
        .args(["terms", f.to_str().unwrap()])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No terms found"));
}

#[test]
fn binary_garbage_is_counted_not_fatal() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("garbage.bin");
    let mut bytes: Vec<u8> = (0..20000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    bytes.extend_from_slice(b"\n\xff\xfe\x00\x01 not a log\n");
    std::fs::write(&f, &bytes).unwrap();
    raftlog()
        .args(["timeline", f.to_str().unwrap(), &format!("{ZAP}/n2.log")])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("became LEADER"))
        .stderr(predicate::str::contains("not_etcd"));
}

#[test]
fn invalid_utf8_inside_a_json_line_still_parses() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("bad-utf8.log");
    let mut line = br#"{"level":"info","ts":"2026-11-25T16:15:34.414Z","caller":"raft/raft.go:771","msg":"a9e9e1d57dda5a31 became leader at term 2","junk":""#.to_vec();
    line.extend_from_slice(b"\xff\xfe\xc3");
    line.extend_from_slice(b"\"}\n");
    std::fs::write(&f, line).unwrap();
    raftlog()
        .args(["events", f.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"kind\":\"became_leader\""));
}

#[test]
fn truncated_gzip_keeps_what_was_read() {
    use flate2::write::GzEncoder;
    let tmp = tempfile::tempdir().unwrap();
    let src = std::fs::read(root().join(ZAP).join("n1.log")).unwrap();
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&src).unwrap();
    let gz = enc.finish().unwrap();
    let f = tmp.path().join("n1.log.gz");
    std::fs::write(&f, &gz[..gz.len() / 2]).unwrap();
    let out = raftlog()
        .args(["events", f.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "raftlog: error: cannot read input",
        ))
        .stderr(predicate::str::contains("truncated"))
        .get_output()
        .stdout
        .clone();
    assert!(!out.is_empty(), "events before the damage are kept");
}

#[test]
fn gzip_by_magic_bytes_and_multi_member() {
    use flate2::write::GzEncoder;
    let tmp = tempfile::tempdir().unwrap();
    let mut all = Vec::new();
    for n in 1..=3 {
        let src = std::fs::read(root().join(ZAP).join(format!("n{n}.log"))).unwrap();
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&src).unwrap();
        all.extend(enc.finish().unwrap()); // cat a.gz b.gz c.gz
    }
    let f = tmp.path().join("all-members.log"); // no .gz name: detected by content
    std::fs::write(&f, &all).unwrap();
    let a = analyze(&["terms", f.to_str().unwrap()]);
    assert!(a.report.inputs[0].gzip);
    check_leaders(&a, &Truth::load(&root().join(ZAP)));
}

#[test]
fn ten_megabyte_line_is_skipped_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("long.log");
    let mut data = std::fs::read(root().join(ZAP).join("n1.log")).unwrap();
    data.extend(std::iter::repeat_n(b'x', 10 << 20));
    data.push(b'\n');
    data.extend(std::fs::read(root().join(ZAP).join("n2.log")).unwrap());
    std::fs::write(&f, &data).unwrap();
    let a = analyze(&["terms", f.to_str().unwrap()]);
    assert_eq!(a.report.inputs[0].skipped.get("too_long"), Some(&1));
    assert!(a.report.terms.len() >= 9);
}

#[test]
fn fail_on_storm_sets_exit_1() {
    raftlog()
        .args([
            "timeline",
            "--fail-on",
            "storm",
            "fixtures/real/zap-5-storm",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--fail-on: found storm"));
    raftlog()
        .args([
            "timeline",
            "--fail-on",
            "storm",
            "fixtures/real/capnslog-3-quiet",
        ])
        .assert()
        .code(0);
    raftlog()
        .args(["timeline", "--fail-on", "split-brain", ZAP])
        .assert()
        .code(0);
}

#[test]
fn usage_errors_exit_2() {
    raftlog()
        .args(["timeline", "--tz", "Mars/Olympus", ZAP])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "raftlog: error: --tz: unknown time zone",
        ));
    raftlog()
        .args(["timeline", "--storm-window", "15", ZAP])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no unit"));
    raftlog()
        .args(["timeline", "--since", "yesterday", ZAP])
        .assert()
        .code(2);
    raftlog().args(["nonsense"]).assert().code(2);
    raftlog()
        .args(["timeline", "--format", "csv", ZAP])
        .assert()
        .code(2);
    raftlog()
        .args(["timeline", "--name", "xyz", ZAP])
        .assert()
        .code(2);
}

#[test]
fn closed_pipe_exits_quietly() {
    use std::process::{Command as P, Stdio};
    let bin = assert_cmd::cargo::cargo_bin("raftlog");
    let mut child = P::new(bin)
        .current_dir(root())
        .args(["events", "fixtures/real", "fixtures/built"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut out = child.stdout.take().unwrap();
        let mut buf = [0u8; 16];
        std::io::Read::read_exact(&mut out, &mut buf).unwrap();
        // drop: the pipe closes like `| head -c 16`
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("error"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn names_override_and_tz_display() {
    raftlog()
        .args([
            "terms",
            "--name",
            "a9e9e1d57dda5a31=etcd-a",
            "--tz",
            "+02:00",
            ZAP,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("etcd-a"))
        .stdout(predicate::str::contains("ELECTED (2026-11-25 UTC+02:00)"))
        .stdout(predicate::str::contains("18:15:34.414"));
}

#[test]
fn since_relative_to_newest_line() {
    let all = analyze(&["terms", ZAP]);
    let late = analyze(&["terms", "--since", "10s", ZAP]);
    assert!(late.events.len() < all.events.len());
    let newest = all.report.summary.to.unwrap();
    assert!(late
        .events
        .iter()
        .all(|e| e.ts.is_some_and(|t| newest.0 - t.0 <= 10_000_000_000)));
    let until = analyze(&["terms", "--until", "2026-11-25T16:15:40Z", ZAP]);
    assert!(until.report.terms.iter().all(|t| t.term <= 4));
}

#[test]
fn json_document_has_the_contract_keys() {
    let out = raftlog()
        .args(["timeline", "-f", "json", "--events", ZAP])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["schema_version"], 1);
    for k in [
        "raftlog_version",
        "inputs",
        "nodes",
        "terms",
        "leaderless",
        "storms",
        "anomalies",
        "events",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    // ids are hex strings, times RFC 3339 UTC
    let t = &v["terms"][2];
    assert!(t["leader"]
        .as_str()
        .unwrap()
        .chars()
        .all(|c| c.is_ascii_hexdigit()));
    assert!(t["elected_at"].as_str().unwrap().ends_with('Z'));
    let e = &v["events"][0];
    assert!(e["source"]["line"].as_u64().is_some());
}

#[test]
fn events_formats() {
    raftlog()
        .args(["events", "-f", "csv", ZAP])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "ts,node,node_name,kind,term,details,input,line\n",
        ));
    raftlog()
        .args(["terms", "-f", "csv", ZAP])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "term,leader,leader_name,leader_source,started_at",
        ));
    raftlog()
        .args(["events", "-f", "table", ZAP])
        .assert()
        .success()
        .stdout(predicate::str::contains("became_leader"));
    let out = raftlog()
        .args(["events", "--raw", &format!("{ZAP}/n1.log")])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let first: serde_json::Value =
        serde_json::from_slice(out.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert!(first["raw"].as_str().unwrap().starts_with('{'));
}

#[test]
fn hostile_text_is_sanitised_on_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("evil.log");
    std::fs::write(
        &f,
        "{\"level\":\"info\",\"ts\":\"2026-11-25T16:15:34.000Z\",\"caller\":\"embed/etcd.go:305\",\"msg\":\"starting an etcd server\",\"name\":\"evil\\u001b[31m\\u001b]0;pwned\\u0007\",\"local-member-id\":\"a\"}\n{\"level\":\"info\",\"ts\":\"2026-11-25T16:15:35.000Z\",\"caller\":\"raft/raft.go:771\",\"msg\":\"a became leader at term 2\"}\n",
    )
    .unwrap();
    let out = raftlog()
        .args(["timeline", "--color", "never", f.to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(
        !out.contains(&0x1b),
        "raw escape reached the terminal output"
    );
    assert!(String::from_utf8_lossy(&out).contains("evil\\u{1b}[31m"));
}

#[test]
fn diagnose_names_causes_evidence_and_advice() {
    let out = raftlog()
        .args(["diagnose", "--color", "never", ZAP])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let s = String::from_utf8(out).unwrap();
    assert!(s.contains("causes: leader_stall x4"), "{s}");
    assert!(s.contains("cause leader_crash (culprit n1) [high]"), "{s}");
    // evidence is quoted with its source line
    assert!(s.contains("n1.log:170"), "{s}");
    assert!(s.contains("received signal; shutting down"), "{s}");
    // advice tied to what was measured: heartbeats up to 2.4 s late with a 1 s timeout;
    // the directory's /metrics dumps show fast disks, so the stall came from elsewhere
    assert!(s.contains("[check_stall]"), "{s}");
    assert!(!s.contains("[check_disk]"), "{s}");
    assert!(
        s.contains("--heartbeat-interval=100 --election-timeout=4000"),
        "{s}"
    );
    assert!(
        !s.contains("[enable_pre_vote]"),
        "no disruptive member here: {s}"
    );
}

#[test]
fn diagnose_without_dumps_blames_no_disk_for_paused_leaders() {
    // zap-3-mixed's stalls are SIGSTOP pauses: late heartbeats once, on resuming, and no
    // slow fdatasync line; without /metrics dumps nothing shows a disk, so the advice
    // names a paused or starved process (it used to say check_disk with "0 slow
    // fdatasync warning(s)")
    let logs: Vec<String> = (1..=3).map(|n| format!("{ZAP}/n{n}.log")).collect();
    let mut args = vec!["diagnose"];
    args.extend(logs.iter().map(String::as_str));
    let a = analyze(&args);
    let codes: Vec<&str> = a
        .report
        .recommendations
        .iter()
        .map(|r| r.code.as_str())
        .collect();
    assert!(!codes.contains(&"check_disk"), "{codes:?}");
    let stall = a
        .report
        .recommendations
        .iter()
        .find(|r| r.code == "check_stall")
        .expect("check_stall");
    assert!(
        stall.summary.contains("paused process"),
        "{}",
        stall.summary
    );
    assert!(
        stall.because.contains("no slow fdatasync line"),
        "{}",
        stall.because
    );
    assert!(a.metrics.is_none());
}

#[test]
fn diagnose_recommends_pre_vote_only_when_it_is_off() {
    let a = analyze(&["diagnose", &fixture("real/netns-zap-3-part-follower")]);
    let codes: Vec<&str> = a
        .report
        .recommendations
        .iter()
        .map(|r| r.code.as_str())
        .collect();
    assert!(codes.contains(&"enable_pre_vote"), "{codes:?}");
    assert!(codes.contains(&"check_network"), "{codes:?}");
    let pv = a
        .report
        .recommendations
        .iter()
        .find(|r| r.code == "enable_pre_vote")
        .unwrap();
    assert_eq!(pv.members, vec!["e7de767aa47ed4f2".to_string()]);
    let b = analyze(&[
        "diagnose",
        &fixture("real/netns-zap-3-part-follower-prevote"),
    ]);
    assert!(
        b.report.recommendations.is_empty(),
        "{:?}",
        b.report.recommendations
    );
    // a quiet cluster gets no advice
    let c = analyze(&["diagnose", &fixture("real/capnslog-3-quiet")]);
    assert!(c.report.recommendations.is_empty());
    raftlog()
        .args([
            "diagnose",
            "-f",
            "json",
            &fixture("real/netns-zap-3-part-follower"),
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"code\": \"enable_pre_vote\""));
}

#[test]
fn diagnose_storm_lists_its_causes() {
    let a = analyze(&["diagnose", &fixture("real/capnslog-5-storm")]);
    assert_eq!(a.report.storms.len(), 1);
    let st = &a.report.storms[0];
    assert_eq!(st.causes[0].code, "leader_stall");
    assert_eq!(st.causes[0].count, st.elections);
    raftlog()
        .args([
            "diagnose",
            "--fail-on",
            "storm",
            "fixtures/real/capnslog-5-storm",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Storms"));
}

#[test]
fn metrics_command_reads_real_dumps() {
    let out = raftlog()
        .args(["metrics", "-f", "json", ZAP])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let members = v["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    for m in members {
        let name = m["name"].as_str().unwrap();
        let raw =
            std::fs::read_to_string(root().join(ZAP).join(format!("metrics-{name}.txt"))).unwrap();
        let line = raw
            .lines()
            .find(|l| l.starts_with("etcd_server_leader_changes_seen_total "))
            .unwrap();
        let want: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert_eq!(
            m["leader_changes_seen_total"].as_f64().unwrap(),
            want,
            "{name}"
        );
    }
    raftlog()
        .args(["metrics", ZAP])
        .assert()
        .success()
        .stdout(predicate::str::contains("WAL FSYNC P99"));
    raftlog()
        .args(["metrics", "-f", "csv", ZAP])
        .assert()
        .success();
    raftlog().args(["metrics", "nope.txt"]).assert().code(2);
}

#[test]
fn rules_command_prints_alerts() {
    raftlog()
        .args(["rules", "--storm-threshold", "3", "--storm-window", "10m"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "increase(etcd_server_leader_changes_seen_total[10m]) >= 3",
        ))
        .stdout(predicate::str::contains("etcd_server_has_leader"));
    // the heartbeat interval from the logs becomes the RTT threshold
    raftlog()
        .args(["rules", ZAP])
        .assert()
        .success()
        .stdout(predicate::str::contains("0.1"));
}

#[test]
fn diagnose_joins_dumps_and_status() {
    // the capture directory holds logs, /metrics dumps and endpoint status outputs
    let a = analyze(&["diagnose", ZAP]);
    let m = a.metrics.as_ref().expect("metrics read from the directory");
    assert_eq!(m.members.len(), 3);
    assert!(
        a.report
            .summary
            .notes
            .iter()
            .any(|n| n.contains("etcdctl endpoint status agrees with the logs: term 10")),
        "{:?}",
        a.report.summary.notes
    );
    assert!(!a
        .report
        .anomalies
        .iter()
        .any(|x| x.kind == "counter_mismatch" || x.kind == "status_mismatch"));
    // a log with its first half rotated away disagrees with the member's counter
    let tmp = tempfile::tempdir().unwrap();
    for f in ["n1.log", "n3.log", "metrics-n2.txt"] {
        std::fs::copy(root().join(ZAP).join(f), tmp.path().join(f)).unwrap();
    }
    let n2 = std::fs::read_to_string(root().join(ZAP).join("n2.log")).unwrap();
    let keep: Vec<&str> = n2.lines().collect();
    let head: Vec<&str> = keep.iter().take(20).copied().collect(); // the start block
    let tail: Vec<&str> = keep.iter().skip(120).copied().collect();
    std::fs::write(
        tmp.path().join("n2.log"),
        head.join("\n") + "\n" + &tail.join("\n") + "\n",
    )
    .unwrap();
    let b = analyze(&["diagnose", tmp.path().to_str().unwrap()]);
    assert!(
        b.report
            .anomalies
            .iter()
            .any(|x| x.kind == "counter_mismatch"),
        "{:?}",
        b.report.anomalies
    );
}

#[test]
fn report_command_writes_markdown_and_html() {
    raftlog()
        .args(["report", ZAP])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("# etcd leader elections"))
        .stdout(predicate::str::contains("```mermaid"));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("incident.html");
    raftlog()
        .args([
            "report",
            "-f",
            "html",
            "--output",
            out.to_str().unwrap(),
            "fixtures/real/zap-5-storm",
        ])
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("<svg") && html.contains("class=\"lane\""));
    // only the report is left in the directory (the temporary file was renamed)
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    // a report that cannot be written leaves nothing behind and exits 2
    raftlog()
        .args(["report", "--output", "/nonexistent-dir/x.md", ZAP])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot write output: /nonexistent-dir/x.md",
        ));
    // redaction: no peer URL host:port of the capture stays
    let red = raftlog()
        .args(["report", "--redact", ZAP])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let red = String::from_utf8(red).unwrap();
    assert!(!red.contains("127.0.0.1"), "addresses redacted");
    assert!(red.to_lowercase().contains("redacted"));
    raftlog()
        .args(["report", "-f", "json", ZAP])
        .assert()
        .code(2);
    raftlog()
        .args(["timeline", "-f", "html", ZAP])
        .assert()
        .code(2);
}

/// Slow-apply warnings (the S03 zap form of etcd-log-messages.md) near the elections are
/// events; those far from any election activity are counted, not kept, and the count is
/// reported.
#[test]
fn bulk_evidence_far_from_elections_is_counted_not_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let mut log = std::fs::read_to_string(root().join(ZAP).join("n1.log")).unwrap();
    let slow = |ts: &str| {
        format!(
            r#"{{"level":"warn","ts":"{ts}","caller":"etcdserver/util.go:163","msg":"apply request took too long","took":"138.497741ms","expected-duration":"100ms","prefix":"read-only range ","request":"key:\"/registry/volumeattachments\" range_end:\"/registry/volumeattachmentt\" count_only:true ","response":"range_response_count:0 size:6"}}"#
        ) + "\n"
    };
    // the log's last line is at 16:16:11.299: two within 120 s, three an hour later
    for ts in ["2026-11-25T16:16:40.000Z", "2026-11-25T16:18:00.000Z"] {
        log.push_str(&slow(ts));
    }
    for ts in [
        "2026-11-25T17:20:00.000Z",
        "2026-11-25T17:20:01.000Z",
        "2026-11-25T17:20:02.000Z",
    ] {
        log.push_str(&slow(ts));
    }
    let f = tmp.path().join("n1.log");
    std::fs::write(&f, log).unwrap();
    let json = |cmd: &str| -> serde_json::Value {
        let out = raftlog()
            .args([cmd, "--format", "json", f.to_str().unwrap()])
            .assert()
            .code(0)
            .stderr(predicate::str::contains(
                "3 slow-request warning(s) more than 120 s from any election counted, not kept",
            ))
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&out).unwrap()
    };
    let doc = json("timeline");
    assert_eq!(doc["inputs"][0]["evidence_not_kept"]["slow_apply"], 3);
    let events = json("events");
    let kept: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "slow_apply")
        .map(|e| e["ts"].as_str().unwrap())
        .collect();
    assert_eq!(
        kept,
        ["2026-11-25T16:16:40.000Z", "2026-11-25T16:18:00.000Z"]
    );
}

/// The progress bar: shown on a terminal once reading takes over a second, never when
/// stderr is not a terminal, never with --quiet.
#[test]
fn progress_bar_only_on_a_terminal() {
    let bin = assert_cmd::cargo::cargo_bin("raftlog");
    let log = root().join(ZAP).join("n1.log");
    let slow_pipe = |args: &str| {
        format!(
            "(cat {log}; sleep 1.6; cat {log}) | {bin} timeline {args} --format json > /dev/null",
            log = log.display(),
            bin = bin.display()
        )
    };
    // stderr is a pipe here: no bar, only the summary line
    let out = std::process::Command::new("sh")
        .args(["-c", &slow_pipe("")])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("reading"), "{err}");
    assert!(err.starts_with("raftlog: read 1 input"), "{err}");
    // under a terminal (util-linux `script`), the bar shows bytes and throughput
    let Ok(out) = std::process::Command::new("script")
        .args(["-qec", &slow_pipe(""), "/dev/null"])
        .output()
    else {
        eprintln!("skipped: no `script` to give raftlog a terminal");
        return;
    };
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(tty.contains("raftlog: reading"), "{tty}");
    assert!(tty.contains("/s"), "{tty}");
    let out = std::process::Command::new("script")
        .args(["-qec", &slow_pipe("--quiet"), "/dev/null"])
        .output()
        .unwrap();
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(!tty.contains("reading"), "{tty}");
}

#[test]
fn no_etcd_line_in_the_whole_run_is_exit_2_without_a_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let notes = tmp.path().join("notes.txt");
    std::fs::write(&notes, "hello\nworld\n").unwrap();
    let notes = notes.to_str().unwrap();
    let empty = "tests/hostile/empty.log";
    let runs: [&[&str]; 8] = [
        &["timeline"],
        &["terms"],
        &["diagnose"],
        &["report"],
        &["report", "-f", "html"],
        &["terms", "-f", "json"],
        &["diagnose", "-f", "json"],
        &["events"],
    ];
    for args in runs {
        let out = raftlog()
            .args(args)
            .args([notes, empty, "tests/hostile/binary.bin"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}: a verdict from no data");
        assert!(
            err.contains(&format!("raftlog: error: no etcd lines found in {notes}, {empty}, tests/hostile/binary.bin: formats tried: zap-json, zap-console, capnslog")),
            "{args:?}: {err}"
        );
    }
    // judged per run: beside a real log, a file of other lines is normal
    raftlog()
        .args(["terms", notes, &format!("{ZAP}/n1.log")])
        .assert()
        .code(0);
}

#[test]
fn etcd_lines_without_a_leader_give_no_health_verdict() {
    let quiet = "tests/hostile/no-elections.log";
    for args in [&["report"][..], &["report", "-f", "html"]] {
        let out = raftlog().args(args).arg(quiet).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("never without a leader"), "{args:?}: {text}");
        assert!(
            text.contains("o leader was seen in these logs (no election, and no member named one), so they cannot tell whether the cluster had one."),
            "{args:?}: {text}"
        );
    }
    raftlog()
        .args(["timeline", quiet])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "leaderless: unknown: no leader was seen",
        ));
    raftlog()
        .args(["diagnose", quiet])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "leaderless unknown (no leader seen)",
        ))
        .stdout(predicate::str::contains("after the first leader").not());
    // a leader seen throughout still gets the verdict
    raftlog()
        .args(["report", "fixtures/real/capnslog-3-quiet"])
        .assert()
        .stdout(predicate::str::contains("never without a leader"));
}

/// Each command's help lists the options and formats that change what it prints, with
/// examples; the shared options that do nothing for it are refused, saying what they are for.
#[test]
fn each_command_lists_and_takes_only_its_options() {
    let help = |cmd: &str| {
        let o = raftlog().args([cmd, "--help"]).output().unwrap();
        assert!(o.status.success());
        String::from_utf8(o.stdout).unwrap()
    };
    let report = help("report");
    for absent in [
        "--all", "--raw", "--events", "--color", "- table:", "- json:",
    ] {
        assert!(!report.contains(absent), "report --help lists {absent}");
    }
    assert!(report.contains("- html:") && report.contains("raftlog report -f html --output"));
    let terms = help("terms");
    assert!(!terms.contains("--all") && terms.contains("- csv:") && !terms.contains("- ndjson:"));
    let timeline = help("timeline");
    assert!(timeline.contains("--all") && !timeline.contains("- csv:"));
    assert!(help("events").contains("- ndjson:"));
    for (args, says) in [
        (&["terms", "--all"][..], "--all is for `raftlog timeline`"),
        (&["report", "--raw"][..], "--raw is for `raftlog events`"),
        (
            &["events", "--events"][..],
            "--events adds the events array",
        ),
        (&["terms", "-f", "html"][..], "invalid value 'html'"),
    ] {
        raftlog()
            .args(args)
            .arg(ZAP)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(says));
    }
}

#[test]
fn fail_on_takes_both_spellings() {
    // the JSON names anomalies split_brain, clock_skew, term_regression; the options
    // are kebab-case: both are accepted
    for c in [
        "split_brain",
        "split-brain",
        "clock_skew",
        "clock-skew",
        "skew",
        "term_regression",
        "term-regression",
    ] {
        raftlog()
            .args(["diagnose", "-q", "--fail-on", c, ZAP])
            .assert()
            .code(0);
    }
    // zap-3-mixed has a storm: the condition is found
    raftlog()
        .args(["diagnose", "-q", "--fail-on", "storm", ZAP])
        .assert()
        .code(1);
}

#[test]
fn completions_and_man_page_are_generated() {
    for (shell, marker) in [
        ("bash", "complete -F _raftlog"),
        ("zsh", "#compdef raftlog"),
        ("fish", "complete -c raftlog"),
        ("elvish", "raftlog"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let o = raftlog().args(["completions", shell]).output().unwrap();
        assert!(o.status.success(), "{shell}");
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(text.contains(marker), "{shell}");
        // every subcommand and a command-specific option are completed
        for word in ["diagnose", "--storm-window"] {
            assert!(text.contains(word), "{shell}: {word}");
        }
    }
    let o = raftlog().arg("man").output().unwrap();
    assert!(o.status.success());
    let man = String::from_utf8(o.stdout).unwrap();
    assert!(
        man.starts_with(".ie") && man.contains(".TH raftlog 1"),
        "{}",
        &man[..200]
    );
    assert!(man.contains("Reconstruct etcd Raft elections"));
    raftlog()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value 'tcsh'"));
}

#[test]
fn version_names_the_commit() {
    let o = raftlog().arg("--version").output().unwrap();
    let v = String::from_utf8(o.stdout).unwrap();
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8(o.stdout).unwrap().trim().to_string());
    assert!(
        v.starts_with(&format!("raftlog {} (", env!("CARGO_PKG_VERSION"))),
        "{v}"
    );
    if let Some(h) = head {
        assert!(v.contains(&h), "{v} does not name {h}");
    }
}

/// The evidence lines `diagnose` quotes are read back from a temporary file; with no
/// usable temporary directory they are kept in memory instead, and the output is the same.
#[test]
fn evidence_is_quoted_with_or_without_a_temporary_directory() {
    let run = |tmp: &str| {
        let out = raftlog()
            .env("TMPDIR", tmp)
            .args(["diagnose", "--width", "400", ZAP])
            .output()
            .unwrap();
        assert!(out.status.success(), "{tmp}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let spooled = run(&std::env::temp_dir().to_string_lossy());
    let in_memory = run("/nonexistent/raftlog-no-tmp");
    assert!(
        spooled.contains("lost leader a9e9e1d57dda5a31 at term 3"),
        "a quoted line: {spooled}"
    );
    assert_eq!(spooled, in_memory);
}
