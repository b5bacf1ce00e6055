//! Support bundles end to end: each layout's fixture tree (fixtures/bundles/, built by
//! scripts/build-bundles.sh from real lines) read as a directory, as a .tar.gz and as a
//! .zip built from it here; only its etcd logs are read, named by pod or node, and the
//! analysis is the one of the same logs given by hand.

mod common;
use assert_cmd::Command;
use common::*;
use serde_json::Value;
use std::fs::File;
use std::io::Write;
use std::path::Path;

/// A layout's fixture, the layout's JSON and people's names, and its etcd logs: path in
/// the bundle, the pod or node it is filed under, and the log it holds (a real capture's
/// file, given by hand to compare).
struct Case {
    dir: &'static str,
    layout: &'static str,
    title: &'static str,
    logs: &'static [(&'static str, &'static str)],
    same_as: &'static [&'static str],
}

const MG: &str = "must-gather.local.5340870454426478390/quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-0000/namespaces/openshift-etcd/pods";
const REAL: &str = "fixtures/real/zap-3-mixed";

fn cases() -> Vec<Case> {
    vec![
        Case {
            dir: "must-gather",
            layout: "must-gather",
            title: "OpenShift must-gather recognised",
            logs: &[
                ("etcd-m1/etcd/etcd/logs/current.log", "etcd-m1"),
                ("etcd-m1/etcd/etcd/logs/previous.log", "etcd-m1"),
                ("etcd-m2/etcd/etcd/logs/current.log", "etcd-m2"),
            ],
            same_as: &["n1.log", "n2.log"],
        },
        Case {
            dir: "troubleshoot",
            layout: "troubleshoot",
            title: "troubleshoot.sh support bundle recognised",
            logs: &[
                (
                    "support-bundle-2026-11-25T16_30_00/etcd-logs/kube-system/etcd-m1/etcd.log",
                    "etcd-m1",
                ),
                (
                    "support-bundle-2026-11-25T16_30_00/etcd-logs/kube-system/etcd-m2/etcd.log",
                    "etcd-m2",
                ),
                (
                    "support-bundle-2026-11-25T16_30_00/etcd-logs/kube-system/etcd-m3/etcd.log",
                    "etcd-m3",
                ),
            ],
            same_as: &["n1.log", "n2.log", "n3.log"],
        },
        Case {
            dir: "talos-support",
            layout: "talos-support",
            title: "Talos support bundle recognised",
            logs: &[
                ("10.5.0.2/etcd.log", "10.5.0.2"),
                ("10.5.0.3/etcd.log", "10.5.0.3"),
                ("10.5.0.4/etcd.log", "10.5.0.4"),
            ],
            same_as: &["n1.log", "n2.log", "n3.log"],
        },
        Case {
            dir: "rancher-k3s",
            layout: "rancher-logs-collector",
            title: "Rancher logs-collector recognised",
            logs: &[(
                "m1-2026-11-25_16_30_00/journald/k3s",
                "m1-2026-11-25_16_30_00",
            )],
            same_as: &["../../built/journald-zap-k3s/n1.log"],
        },
        Case {
            dir: "rancher-rke2",
            layout: "rancher-logs-collector",
            title: "Rancher logs-collector recognised",
            logs: &[(
                "m2-2026-11-25_16_30_00/rke2/podlogs/kube-system-etcd-m2",
                "etcd-m2",
            )],
            same_as: &["n2.log"],
        },
        Case {
            dir: "cluster-info-dump",
            layout: "cluster-info-dump",
            title: "kubectl cluster-info dump recognised",
            logs: &[
                ("cluster-info/kube-system/etcd-m1/logs.txt", "etcd-m1"),
                ("cluster-info/kube-system/etcd-m2/logs.txt", "etcd-m2"),
                ("cluster-info/kube-system/etcd-m3/logs.txt", "etcd-m3"),
            ],
            same_as: &["n1.log", "n2.log", "n3.log"],
        },
    ]
}

fn bundle_dir(c: &Case) -> std::path::PathBuf {
    root().join("fixtures/bundles").join(c.dir)
}

/// Path of a log inside the bundle (must-gather's logs are given from the pods dir).
fn inner(c: &Case, p: &str) -> String {
    if c.dir == "must-gather" {
        format!("{MG}/{p}")
    } else {
        p.to_string()
    }
}

fn files(dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    let (fs, errs) = raftlog::input::walk_files(dir);
    assert!(errs.is_empty());
    fs.into_iter()
        .map(|f| (f.strip_prefix(dir).unwrap().display().to_string(), f))
        .collect()
}

/// `tar czf OUT -C DIR .`
fn tar_gz(dir: &Path, out: &Path) {
    let gz = flate2::write::GzEncoder::new(File::create(out).unwrap(), flate2::Compression::fast());
    let mut t = tar::Builder::new(gz);
    for (rel, f) in files(dir) {
        t.append_path_with_name(&f, format!("./{rel}")).unwrap();
    }
    t.into_inner().unwrap().finish().unwrap();
}

/// `cd DIR && zip -r OUT .` (deflated, as talosctl writes its bundle)
fn zip(dir: &Path, out: &Path) {
    let mut z = zip::ZipWriter::new(File::create(out).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (rel, f) in files(dir) {
        z.start_file(rel, opts).unwrap();
        z.write_all(&std::fs::read(f).unwrap()).unwrap();
    }
    z.finish().unwrap();
}

fn run_json(args: &[&str]) -> (Value, String) {
    let (code, out, err) = run_bin(args);
    assert_eq!(code, Some(0), "{args:?}: {err}");
    (serde_json::from_str(&out).unwrap(), err)
}

/// Each term's leader and election time: what the user compares.
fn terms(v: &Value) -> Vec<(Value, Value, Value)> {
    v["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["term"].clone(),
                t["leader"].clone(),
                t["elected_at"].clone(),
            )
        })
        .collect()
}

#[test]
fn each_layout_is_recognised_and_only_its_etcd_logs_read_from_dir_tgz_and_zip() {
    let tmp = tempfile::tempdir().unwrap();
    for c in cases() {
        let dir = bundle_dir(&c);
        let tgz = tmp.path().join(format!("{}.tar.gz", c.dir));
        let zipped = tmp.path().join(format!("{}.zip", c.dir));
        tar_gz(&dir, &tgz);
        zip(&dir, &zipped);
        let by_hand: Vec<String> = c.same_as.iter().map(|f| format!("{REAL}/{f}")).collect();
        let by_hand: Vec<&str> = by_hand.iter().map(String::as_str).collect();
        let (want, _) = run_json(&[&["terms", "-f", "json"], &by_hand[..]].concat());
        for (bundle, prefix) in [
            (dir.display().to_string(), format!("{}/", dir.display())),
            (tgz.display().to_string(), format!("{}:", tgz.display())),
            (
                zipped.display().to_string(),
                format!("{}:", zipped.display()),
            ),
        ] {
            let (v, err) = run_json(&["terms", "-f", "json", &bundle]);
            assert!(err.contains(&format!("{bundle}: {}", c.title)), "{err}");
            let rows: Vec<(String, String, String)> = v["inputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    let s = |k: &str| i[k].as_str().unwrap_or("?").to_string();
                    (s("name"), s("layout"), s("pod"))
                })
                .collect();
            let expected: Vec<(String, String, String)> = c
                .logs
                .iter()
                .map(|(p, pod)| {
                    let name = format!("{prefix}{}", inner(&c, p));
                    (name, c.layout.to_string(), pod.to_string())
                })
                .collect();
            assert_eq!(rows, expected, "{bundle}");
            let lines = |v: &Value| -> u64 {
                v["inputs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["lines"].as_u64().unwrap())
                    .sum()
            };
            assert_eq!(
                lines(&v),
                lines(&want),
                "{bundle}: the etcd logs' lines, no more"
            );
            assert_eq!(terms(&v), terms(&want), "{bundle}");
        }
    }
}

#[test]
fn must_gather_member_list_names_members_and_flags_those_without_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = root().join("fixtures/bundles/must-gather");
    let tgz = tmp.path().join("must-gather.tar.gz");
    tar_gz(&dir, &tgz);
    for bundle in [dir.display().to_string(), tgz.display().to_string()] {
        // --until is a view (the whole bundle is analysed): the member list's names and
        // the bundle's endpoint status hold for any range
        let (v, err) = run_json(&[
            "diagnose",
            "-f",
            "json",
            "--until",
            "2026-11-25T16:15:45Z",
            &bundle,
        ]);
        assert!(
            v["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["id"] == "849335a4c3608382"
                    && n["name"] == "n3"
                    && n["has_log"] == false),
            "{bundle}: {err}"
        );
        // the endpoint status of etcd_info/ is read as a --status file
        let status = v["metrics"]["status"].to_string();
        assert!(
            status.contains("http://127.0.0.1:24003"),
            "{bundle}: {status}"
        );
        // the whole bundle: n3 led term 6, the existing anomaly says so, once
        let (v, _) = run_json(&["diagnose", "-f", "json", &bundle]);
        let n3: Vec<&Value> = v["anomalies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["nodes"][0] == "849335a4c3608382")
            .collect();
        assert_eq!(n3.len(), 1, "{n3:?}");
        assert!(n3[0]["summary"].as_str().unwrap().contains("led 1 term"));
    }
}

#[test]
fn an_archive_of_no_known_layout_reads_the_files_that_hold_etcd_records() {
    let tmp = tempfile::tempdir().unwrap();
    let src = root().join(REAL);
    let tgz = tmp.path().join("logs.tgz");
    let gz =
        flate2::write::GzEncoder::new(File::create(&tgz).unwrap(), flate2::Compression::fast());
    let mut t = tar::Builder::new(gz);
    for f in ["n1.log", "n2.log", "truth.log", "members.json"] {
        t.append_path_with_name(src.join(f), format!("logs/{f}"))
            .unwrap();
    }
    t.into_inner().unwrap().finish().unwrap();
    let (v, err) = run_json(&["terms", "-f", "json", tgz.to_str().unwrap()]);
    assert!(err.contains("no bundle layout recognised"), "{err}");
    let names: Vec<&str> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    let want = [
        format!("{}:logs/n1.log", tgz.display()),
        format!("{}:logs/n2.log", tgz.display()),
    ];
    assert_eq!(names, want);
}

#[test]
fn a_damaged_archive_is_an_error_naming_it_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("cut.tar.gz");
    let good = tmp.path().join("ok.tar.gz");
    tar_gz(&root().join("fixtures/bundles/talos-support"), &good);
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    let out = Command::cargo_bin("raftlog")
        .unwrap()
        .args([
            "terms",
            bad.to_str().unwrap(),
            &fixture("real/zap-3-mixed/n1.log"),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot read input: {}", bad.display())),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("n1"));
}

#[test]
fn a_member_no_line_names_is_shown_by_its_pod() {
    // the last 60 lines of n2's real log: no line of them says n2's name
    let tmp = tempfile::tempdir().unwrap();
    let b = tmp.path().join("support-bundle-2026-11-25T16_30_00");
    let log = b.join("etcd-logs/kube-system/etcd-m2/etcd.log");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::create_dir_all(b.join("cluster-resources/pods")).unwrap();
    std::fs::write(b.join("cluster-resources/pods/kube-system.json"), "{}\n").unwrap();
    let text = std::fs::read_to_string(root().join(REAL).join("n2.log")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&log, lines[lines.len() - 60..].join("\n") + "\n").unwrap();
    let (direct, _) = run_json(&["terms", "-f", "json", log.to_str().unwrap()]);
    let (v, err) = run_json(&["terms", "-f", "json", tmp.path().to_str().unwrap()]);
    assert!(
        err.contains("troubleshoot.sh support bundle recognised"),
        "{err}"
    );
    let name_of = |v: &Value| -> Value {
        v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == "63b302efdda86cd7")
            .map(|n| n["name"].clone())
            .unwrap()
    };
    assert_eq!(name_of(&direct), Value::Null);
    assert_eq!(name_of(&v), "etcd-m2");
}
