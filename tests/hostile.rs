//! Hostile, broken and messy inputs: raftlog finishes (or, for endless inputs, stops on
//! Ctrl-C within a second), in bounded memory, says what it could not read, and never
//! panics. The corpus is tests/hostile/ (see its README); large and system cases are
//! generated here.

mod common;
use assert_cmd::Command;
use common::*;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command as P, Stdio};
use std::time::{Duration, Instant as T};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("raftlog")
}

fn corpus() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/hostile"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "README.md")
        .collect();
    v.sort();
    v
}

/// Peak resident memory of a child, from /proc (kB).
fn peak_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

#[test]
fn every_hostile_file_alone_and_all_together() {
    for f in corpus() {
        for cmd in ["timeline", "diagnose"] {
            let out = Command::new(bin())
                .args([cmd, "--color", "never", f.to_str().unwrap()])
                .output()
                .unwrap();
            let code = out.status.code();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                matches!(code, Some(0) | Some(2)),
                "{cmd} {}: {code:?} {err}",
                f.display()
            );
            assert!(!err.contains("panicked"), "{}: {err}", f.display());
            assert!(
                !out.stdout.contains(&0x1b),
                "{}: raw ESC on stdout",
                f.display()
            );
        }
    }
    // the whole directory: one bad input does not lose the others, and the status says
    // that one (the truncated gzip) could not be read in full
    let out = Command::new(bin())
        .args([
            "terms",
            "-f",
            "json",
            root().join("tests/hostile").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("truncated.log.gz"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["terms"].as_array().unwrap().len() >= 5);
}

#[test]
fn what_could_not_be_read_is_counted_and_named() {
    let h = |f: &str| root().join("tests/hostile").join(f).display().to_string();
    let a = analyze(&["terms", &h("cri-unterminated.log")]);
    assert_eq!(
        a.report.inputs[0].skipped.get("unterminated_partial"),
        Some(&1)
    );
    let a = analyze(&["terms", &h("binary.bin")]);
    assert!(a.report.inputs[0].skipped_lines > 0);
    let a = analyze(&["terms", &h("cut-and-glued.log")]);
    let s = &a.report.inputs[0];
    assert!(
        s.skipped.get("bad_json").copied().unwrap_or(0) > 0,
        "{:?}",
        s.skipped
    );
    assert!(
        s.events > 20,
        "whole records after cut tails are read: {}",
        s.events
    );
    let a = analyze(&["terms", &h("huge-numbers.log")]);
    let terms: Vec<u64> = a.report.terms.iter().map(|t| t.term).collect();
    assert_eq!(
        terms,
        vec![3, u64::MAX],
        "terms above u64::MAX and 17-digit ids are not events"
    );
    assert_eq!(
        a.report.inputs[0].skipped.get("unknown_raft_message"),
        Some(&3)
    );
    Command::new(bin())
        .args(["terms", &h("truncated.log.gz")])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("truncated"));
}

#[test]
fn clocks_that_jump_cross_years_and_dst() {
    let h = |f: &str| root().join("tests/hostile").join(f).display().to_string();
    // a member's clock going back one hour: reported with its size, file order kept
    let a = analyze(&["terms", &h("clock-goes-back.log")]);
    let j = a
        .report
        .anomalies
        .iter()
        .find(|x| x.kind == "clock_jump")
        .expect("clock_jump");
    assert!(j.offset_ms.unwrap() <= -3_000_000, "{:?}", j);
    let b = analyze(&["terms", &fixture("real/zap-3-mixed/n1.log")]);
    let key = |x: &raftlog::model::Analysis| {
        x.report
            .terms
            .iter()
            .filter(|t| t.term <= 4)
            .map(|t| (t.term, t.leader.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&a), key(&b), "terms before the jump unchanged");
    // journald short across New Year: times keep increasing into the next year
    let a = analyze(&["terms", "--year", "2025", &h("journald-new-year.log")]);
    let ts: Vec<_> = a.events.iter().filter_map(|e| e.ts).collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "{ts:?}");
    assert!(ts.last().unwrap().rfc3339().starts_with("2026-01-01"));
    assert_eq!(
        a.report.terms.iter().filter(|t| t.leader.is_some()).count(),
        2
    );
    // zone-less capnslog across the spring DST change, read in local time of Berlin
    let out = Command::new(bin())
        .env("TZ", "Europe/Berlin")
        .args([
            "terms",
            "-f",
            "json",
            "--assume-tz",
            "local",
            &h("capnslog-dst.log"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t8 = v["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["term"] == 8)
        .unwrap();
    // 01:59:58 CET = 00:59:58Z; 03:00:01 CEST = 01:00:01Z: 3 s apart, not an hour
    assert_eq!(t8["elected_at"], "2025-03-30T00:59:58.100200Z");
    assert_eq!(
        t8["ended_at"].as_str().map(|s| &s[..19]),
        Some("2025-03-30T01:00:01")
    );
}

#[test]
fn gzip_bomb_is_streamed_in_bounded_memory() {
    // 512 MiB of zeros in ~0.5 MiB of gzip, then a real log
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("bomb.log.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&f).unwrap(),
        flate2::Compression::best(),
    );
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..512 {
        enc.write_all(&zeros).unwrap();
    }
    enc.write_all(b"\n").unwrap();
    enc.write_all(&std::fs::read(root().join("fixtures/real/zap-3-mixed/n1.log")).unwrap())
        .unwrap();
    enc.finish().unwrap();
    assert!(std::fs::metadata(&f).unwrap().len() < 4 << 20);
    let mut child = P::new(bin())
        .args(["terms", "-q", f.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut peak = 0;
    let start = T::now();
    loop {
        if let Some(kb) = peak_kb(pid) {
            peak = peak.max(kb);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "bomb not finished"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("leader_"),
        "the real log after the bomb is analysed"
    );
    assert!(peak < 64 * 1024, "peak RSS {peak} kB");
}

fn stops_on_ctrl_c(args: &[&str], keep: Option<&mut dyn FnMut()>) {
    let mut child = P::new(bin())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    std::thread::sleep(Duration::from_millis(1500));
    if let Some(k) = keep {
        k();
    }
    let peak = peak_kb(pid).unwrap_or(0);
    assert!(
        child.try_wait().unwrap().is_none(),
        "{args:?} ended on its own"
    );
    P::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    let t = T::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "{args:?} did not stop within a second of Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{args:?}");
    assert!(peak < 64 * 1024, "{args:?}: peak RSS {peak} kB");
}

#[test]
fn endless_inputs_stop_on_ctrl_c_in_constant_memory() {
    // /dev/zero: one line that never ends
    stops_on_ctrl_c(&["timeline", "/dev/zero"], None);
    // a FIFO whose writer never closes
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("live.log");
    assert!(P::new("mkfifo").arg(&fifo).status().unwrap().success());
    let f2 = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut w = std::fs::OpenOptions::new().write(true).open(&f2).unwrap();
        let data = std::fs::read(root().join("fixtures/real/zap-3-mixed/n1.log")).unwrap();
        let _ = w.write_all(&data);
        std::thread::sleep(Duration::from_secs(4)); // keep it open
    });
    stops_on_ctrl_c(&["timeline", fifo.to_str().unwrap()], None);
    let _ = writer.join();
}

#[test]
fn interrupted_report_leaves_no_file_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("incident.md");
    // the report waits for /dev/zero to end, then is interrupted
    stops_on_ctrl_c(
        &["report", "--output", out.to_str().unwrap(), "/dev/zero"],
        None,
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn ten_thousand_files_symlink_loops_and_dangling_links() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let line = std::fs::read_to_string(root().join("fixtures/real/zap-3-mixed/n1.log")).unwrap();
    let first: Vec<&str> = line.lines().take(60).collect();
    let body = first.join("\n") + "\n";
    for i in 0..10_000 {
        let sub = d.join(format!("d{}", i / 1000));
        if i % 1000 == 0 {
            std::fs::create_dir_all(&sub).unwrap();
        }
        std::fs::write(sub.join(format!("etcd-{i}.log")), &body).unwrap();
    }
    std::os::unix::fs::symlink(d, d.join("d0/loop")).unwrap();
    std::os::unix::fs::symlink(d.join("nowhere"), d.join("dangling.log")).unwrap();
    let t = T::now();
    let out = Command::new(bin())
        .args(["terms", "-f", "json", d.to_str().unwrap()])
        .output()
        .unwrap();
    // the dangling link could not be read: the others are analysed, the status is 2
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(t.elapsed() < Duration::from_secs(120));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dangling.log"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["inputs"].as_array().unwrap().len(), 10_001);
    // the same lines 10 000 times are one member's history, counted once
    let dups: u64 = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["duplicate_events"].as_u64().unwrap())
        .sum();
    assert!(dups > 0);
}

fn hostile(f: &str) -> String {
    root().join("tests/hostile").join(f).display().to_string()
}

/// `terms -f json` of the inputs: exit code, document, stderr.
fn terms_json(args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let out = Command::new(bin())
        .args(["terms", "-f", "json"])
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code(), v, err)
}

/// (term, leader, elected_at) of every term of a document.
fn leaders(v: &serde_json::Value) -> Vec<(u64, String, String)> {
    v["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["term"].as_u64().unwrap(),
                t["leader"].to_string(),
                t["elected_at"].to_string(),
            )
        })
        .collect()
}

fn utf16(text: &str, le: bool, bom: bool) -> Vec<u8> {
    let units = bom
        .then_some(0xfeff_u16)
        .into_iter()
        .chain(text.encode_utf16());
    units
        .flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() })
        .collect()
}

#[test]
fn utf16_and_bom_logs_read_as_their_utf8_original() {
    let orig = fixture("real/zap-3-prevote-pause/n1.log");
    let (code, want, err) = terms_json(&[&orig]);
    assert_eq!(code, Some(0), "{err}");
    assert!(leaders(&want).len() >= 3, "{want}");
    let text = std::fs::read_to_string(&orig).unwrap();
    let crlf = text.replace('\n', "\r\n");
    let tmp = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&std::fs::read(hostile("utf16le-bom-crlf.log")).unwrap())
        .unwrap();
    let mut bom8 = b"\xef\xbb\xbf".to_vec();
    bom8.extend_from_slice(crlf.as_bytes());
    let variants: [(&str, Vec<u8>, &str); 5] = [
        ("be-bom.log", utf16(&text, false, true), "utf-16be"),
        ("be.log", utf16(&crlf, false, false), "utf-16be"),
        ("le.log", utf16(&text, true, false), "utf-16le"),
        ("le-bom-crlf.log.gz", gz.finish().unwrap(), "utf-16le"),
        ("utf8-bom.log", bom8, "utf-8-bom"),
    ];
    let mut cases = vec![(hostile("utf16le-bom-crlf.log"), "utf-16le")];
    for (name, bytes, enc) in variants {
        let p = tmp.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        cases.push((p.display().to_string(), enc));
    }
    for (path, enc) in cases {
        let (code, got, err) = terms_json(&[&path]);
        assert_eq!(code, Some(0), "{path}: {err}");
        assert_eq!(leaders(&got), leaders(&want), "{path}");
        let (i, w) = (&got["inputs"][0], &want["inputs"][0]);
        assert_eq!(i["events"], w["events"], "{path}");
        assert_eq!(i["lines"], w["lines"], "{path}");
        assert_eq!(i["skipped_lines"], w["skipped_lines"], "{path}");
        assert!(
            i["wrappers"].as_array().unwrap().contains(&enc.into()),
            "{path}: {i}"
        );
    }
}

#[test]
fn colour_codes_are_removed_before_parsing() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain.log");
    let mut all = Vec::new();
    for n in ["n1", "n2", "n3"] {
        all.extend(std::fs::read(fixture(&format!("real/capnslog-3-mixed/{n}.log"))).unwrap());
    }
    std::fs::write(&plain, &all).unwrap();
    let (_, want, _) = terms_json(&[plain.to_str().unwrap()]);
    let coloured = hostile("ansi-ccze-capnslog.log");
    let (code, got, err) = terms_json(&[&coloured]);
    assert_eq!(code, Some(0), "{err}");
    assert!(leaders(&want).len() >= 10, "{want}");
    assert_eq!(leaders(&got), leaders(&want));
    let (i, w) = (&got["inputs"][0], &want["inputs"][0]);
    assert_eq!(i["events"], w["events"]);
    assert_eq!(i["formats"], w["formats"]);
    assert!(
        i["wrappers"]
            .as_array()
            .unwrap()
            .contains(&"ansi-escapes".into()),
        "{i}"
    );
    // the raw lines kept for evidence are the text without the codes
    let out = Command::new(bin())
        .args(["events", "--raw", &coloured])
        .output()
        .unwrap();
    assert!(!out.stdout.contains(&0x1b));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            r#""raw":"raft2026/11/25 16:16:13 INFO: be6c5f5072dd5858 became leader at term 2 ""#
        ),
        "{}",
        &text[..text.len().min(2000)]
    );
}

/// Run the binary as the unprivileged user 65534 in `dir` (root reads files whatever
/// their mode). None, with the reason printed, when that cannot be done here.
fn as_nobody(dir: &std::path::Path) -> Option<impl Fn(&[&str]) -> std::process::Output + '_> {
    let root_user = P::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if !root_user {
        eprintln!("skipped: not root, so raftlog cannot be run as another user to meet a file it may not read");
        return None;
    }
    let run = move |exe: &std::path::Path, args: &[&str]| {
        P::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(exe)
            .args(args)
            .current_dir(dir)
            .output()
    };
    // the build directory may be closed to other users: then run a copy
    let mut exe = bin();
    if !run(&exe, &["--version"]).is_ok_and(|o| o.status.success()) {
        exe = dir.join("raftlog");
        std::fs::copy(bin(), &exe).unwrap();
        if !run(&exe, &["--version"]).is_ok_and(|o| o.status.success()) {
            eprintln!("skipped: setpriv cannot run raftlog as user 65534 here");
            return None;
        }
    }
    Some(move |args: &[&str]| run(&exe, args).unwrap())
}

fn chmod(p: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn unreadable_files_and_directories_are_named_and_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    chmod(tmp.path(), 0o755);
    let d = tmp.path().join("logs");
    std::fs::create_dir_all(d.join("locked")).unwrap();
    for n in ["n1", "n2", "n3"] {
        let src = fixture(&format!("real/zap-3-prevote-pause/{n}.log"));
        std::fs::copy(&src, d.join(format!("{n}.log"))).unwrap();
    }
    std::fs::copy(
        fixture("real/zap-3-prevote-pause/n3.log"),
        d.join("locked/n3-copy.log"),
    )
    .unwrap();
    chmod(&d.join("n3.log"), 0o000);
    chmod(&d.join("locked"), 0o000);
    let Some(raftlog) = as_nobody(tmp.path()) else {
        return;
    };
    let out = raftlog(&["terms", "-f", "json", "logs"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for p in ["logs/n3.log", "logs/locked"] {
        assert!(
            err.contains(&format!(
                "raftlog: error: cannot open input: {p}: Permission denied"
            )),
            "{err}"
        );
    }
    assert!(err.contains("2 inputs could not be read in full"), "{err}");
    // the others were analysed and printed; the failures are rows of inputs[]
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(leaders(&v).len() >= 3, "{v}");
    let rows = v["inputs"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "{v}");
    for p in ["logs/n3.log", "logs/locked"] {
        let row = rows.iter().find(|r| r["name"] == p).expect(p);
        assert_eq!(row["lines"], 0);
        assert!(row["error"].as_str().unwrap().contains("Permission denied"));
    }
    // the member without a log is not silently inferred
    let out = raftlog(&["timeline", "--color", "never", "logs"]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "3 members (2 with logs; 2 inputs could not be read: logs/locked, logs/n3.log)"
        ),
        "{text}"
    );
    assert!(
        text.contains("no log of n3 was read (it may be among them)"),
        "{text}"
    );
    let out = raftlog(&["report", "logs"]);
    assert_eq!(out.status.code(), Some(2));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains("No log was read for n3 (2 inputs could not be read: logs/locked, logs/n3.log, which may hold it)"),
        "{md}"
    );
    assert!(
        md.contains("logs/n3.log (could not be read: cannot open input"),
        "{md}"
    );
    // a file named on the command line, and the old exit status on request
    let out = raftlog(&["terms", "logs/n3.log", "logs/n1.log"]);
    assert_eq!(out.status.code(), Some(2));
    let out = raftlog(&["terms", "--ignore-unreadable", "logs"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("logs/n3.log: Permission denied"));
}

#[test]
fn dangling_links_and_damaged_gzip_are_named_and_exit_2() {
    use flate2::write::GzEncoder;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::copy(fixture("real/zap-3-prevote-pause/n1.log"), d.join("n1.log")).unwrap();
    std::os::unix::fs::symlink(d.join("gone.log"), d.join("n2.log")).unwrap();
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&std::fs::read(fixture("real/zap-3-prevote-pause/n3.log")).unwrap())
        .unwrap();
    let gz = enc.finish().unwrap();
    std::fs::write(d.join("n3.log.gz"), &gz[..gz.len() / 2]).unwrap();
    let dir = d.to_str().unwrap();
    let (code, v, err) = terms_json(&[dir]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("n2.log: No such file or directory"), "{err}");
    assert!(
        err.contains("n3.log.gz: incomplete deflate stream"),
        "{err}"
    );
    let rows = v["inputs"].as_array().unwrap();
    let row = |n: &str| {
        rows.iter()
            .find(|r| r["name"].as_str().unwrap().ends_with(n))
            .unwrap_or_else(|| panic!("{n}: {v}"))
    };
    assert_eq!(row("n2.log")["lines"], 0);
    assert!(
        row("n3.log.gz")["lines"].as_u64().unwrap() > 0,
        "read up to the damage"
    );
    assert!(row("n3.log.gz")["error"]
        .as_str()
        .unwrap()
        .contains("truncated"));
    let out = Command::new(bin()).args(["report", dir]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains("n2.log (could not be read: cannot open input"),
        "{md}"
    );
    assert!(
        md.contains("n3.log.gz (stopped early: cannot read input"),
        "{md}"
    );
    let (code, _, _) = terms_json(&["--ignore-unreadable", dir]);
    assert_eq!(code, Some(0));
}
