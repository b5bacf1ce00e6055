//! `--output` never destroys what it names: devices and FIFOs are written in place, a
//! symbolic link keeps pointing at a file whose content is replaced atomically, and an
//! output that is one of the inputs is refused before anything is written. Run as root
//! (CI) and, through `setpriv`, as the unprivileged user 65534.

mod common;
use common::*;
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("raftlog")
}

fn is_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A temporary directory holding a copy of a real capture's logs, readable by anyone.
fn workdir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for n in ["n1.log", "n2.log", "n3.log"] {
        let to = d.path().join(n);
        fs::copy(root().join("fixtures/real/zap-3-mixed").join(n), &to).unwrap();
        fs::set_permissions(&to, fs::Permissions::from_mode(0o644)).unwrap();
    }
    d
}

fn report(dir: &Path, output: &str, inputs: &[&str]) -> Output {
    Command::new(bin())
        .current_dir(dir)
        .args(["report", "-q", "--output", output])
        .args(inputs)
        .output()
        .unwrap()
}

/// `report` run as user and group 65534 with no supplementary groups.
fn report_unprivileged(dir: &Path, output: &str, inputs: &[&str]) -> Output {
    Command::new("setpriv")
        .current_dir(dir)
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(bin())
        .args(["report", "-q", "--output", output])
        .args(inputs)
        .output()
        .unwrap()
}

/// A character device like /dev/null (1, 3) created in `dir`; None (with the reason
/// printed) where the test may not create device nodes.
fn null_device(dir: &Path) -> Option<PathBuf> {
    let p = dir.join("null");
    match Command::new("mknod").arg(&p).args(["c", "1", "3"]).output() {
        Ok(o) if o.status.success() => {
            fs::set_permissions(&p, fs::Permissions::from_mode(0o666)).unwrap();
            Some(p)
        }
        Ok(o) => {
            eprintln!(
                "skipped: mknod failed (needs root): {}",
                String::from_utf8_lossy(&o.stderr)
            );
            None
        }
        Err(e) => {
            eprintln!("skipped: no mknod: {e}");
            None
        }
    }
}

fn assert_char_device(p: &Path) {
    let m = fs::symlink_metadata(p).unwrap();
    assert!(
        m.file_type().is_char_device(),
        "{} is no longer a device: {:?}",
        p.display(),
        m.file_type()
    );
    assert_eq!(m.rdev(), fs::metadata("/dev/null").unwrap().rdev());
}

#[test]
fn a_device_is_written_in_place_not_replaced() {
    let d = workdir();
    let Some(dev) = null_device(d.path()) else {
        return;
    };
    let o = report(d.path(), "null", &["n1.log", "n2.log"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_char_device(&dev);
    // no temporary file left beside it
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 4);
}

#[test]
fn a_device_survives_an_unprivileged_run_in_a_world_writable_directory() {
    if !is_root() {
        eprintln!("skipped: not root (setpriv to user 65534 needs root)");
        return;
    }
    let d = workdir();
    let Some(dev) = null_device(d.path()) else {
        return;
    };
    // a directory where user 65534 may rename over the root-owned device node
    fs::set_permissions(d.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let o = report_unprivileged(d.path(), "null", &["n1.log", "n2.log"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_char_device(&dev);
    assert_eq!(fs::symlink_metadata(&dev).unwrap().uid(), 0);
    // and the unprivileged user still cannot overwrite an input
    let o = report_unprivileged(d.path(), "n1.log", &["n1.log"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
}

#[test]
fn a_fifo_is_written_in_place() {
    let d = workdir();
    let fifo = d.path().join("fifo");
    let ok = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(ok.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::read(fifo).unwrap())
    };
    let o = report(d.path(), "fifo", &["n1.log", "n2.log", "n3.log"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    // first: a FIFO replaced by a file would leave the reader waiting forever
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    let got = String::from_utf8(reader.join().unwrap()).unwrap();
    assert!(got.starts_with("# etcd leader elections"), "{got:.200}");
}

#[test]
fn a_symlink_keeps_pointing_at_its_file_whose_content_is_replaced() {
    let d = workdir();
    let target = d.path().join("real.md");
    fs::write(&target, "old report\n").unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink("real.md", d.path().join("link.md")).unwrap();
    let o = report(d.path(), "link.md", &["n1.log", "n2.log"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let link = fs::symlink_metadata(d.path().join("link.md")).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    assert_eq!(
        fs::read_link(d.path().join("link.md")).unwrap(),
        Path::new("real.md")
    );
    let text = fs::read_to_string(&target).unwrap();
    assert!(text.starts_with("# etcd leader elections"), "{text:.200}");
    let m = fs::metadata(&target).unwrap();
    assert_eq!(m.permissions().mode() & 0o777, 0o640);
}

#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let d = workdir();
    let before = fs::read(d.path().join("n1.log")).unwrap();
    std::os::unix::fs::symlink("n1.log", d.path().join("alias.log")).unwrap();
    for (output, inputs) in [
        ("n1.log", vec!["n1.log", "n2.log"]),
        ("./n1.log", vec!["n1.log"]),
        // an input directory's file
        ("n1.log", vec!["."]),
        // a link to an input
        ("alias.log", vec!["n1.log"]),
    ] {
        let o = report(d.path(), output, &inputs);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{output} {inputs:?}: {err}");
        assert!(
            err.contains("--output") && err.contains("overwrite what it reads"),
            "{err}"
        );
        assert_eq!(fs::read(d.path().join("n1.log")).unwrap(), before);
    }
    // standard input redirected from the output file
    let o = Command::new(bin())
        .current_dir(d.path())
        .args(["report", "-q", "--output", "n1.log"])
        .stdin(fs::File::open(d.path().join("n1.log")).unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert_eq!(fs::read(d.path().join("n1.log")).unwrap(), before);
}

#[test]
fn a_new_file_in_an_input_directory_is_written() {
    let d = workdir();
    let o = report(d.path(), "report.md", &["."]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let text = fs::read_to_string(d.path().join("report.md")).unwrap();
    assert!(text.starts_with("# etcd leader elections"));
}
