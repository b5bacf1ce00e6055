//! Support bundles: a directory or an archive (`.tar.gz`, `.tgz`, `.tar`, `.zip`) laid
//! out by a collection tool. The layout is told by the tool's own paths; only the etcd
//! logs are read (each named by its pod or node), and the member list a bundle holds
//! names the members and tells which of them have no log in it. Archives are streamed,
//! never unpacked: a member is read by a thread that walks the archive to it and hands
//! its bytes over in bounded chunks. Paths per layout: fixtures/README.md ("Support
//! bundles").

use crate::error::InputError;
use crate::input::Source;
use crate::metrics::status::{self, ListedMember};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver};
use std::time::SystemTime;

/// A collection tool whose layout raftlog knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layout {
    /// OpenShift `oc adm must-gather`.
    MustGather,
    /// troubleshoot.sh (`kubectl support-bundle`).
    Troubleshoot,
    /// Talos `talosctl support`.
    TalosSupport,
    /// Rancher's logs-collector (RKE, RKE2, k3s nodes).
    RancherLogsCollector,
    /// `kubectl cluster-info dump --output-directory`.
    ClusterInfoDump,
    /// An archive of no known layout: its files that hold etcd records are read, each
    /// named by its file name.
    Archive,
}

/// Layouts in the order they are tried: the more specific markers first (a must-gather
/// or a troubleshoot.sh bundle also holds per-namespace pod files).
const LAYOUTS: [Layout; 5] = [
    Layout::MustGather,
    Layout::Troubleshoot,
    Layout::TalosSupport,
    Layout::RancherLogsCollector,
    Layout::ClusterInfoDump,
];

impl Layout {
    /// Name in JSON (`inputs[].layout`).
    pub fn name(self) -> &'static str {
        match self {
            Layout::MustGather => "must-gather",
            Layout::Troubleshoot => "troubleshoot",
            Layout::TalosSupport => "talos-support",
            Layout::RancherLogsCollector => "rancher-logs-collector",
            Layout::ClusterInfoDump => "cluster-info-dump",
            Layout::Archive => "archive",
        }
    }

    /// Name for people (stderr summary).
    pub fn title(self) -> &'static str {
        match self {
            Layout::MustGather => "OpenShift must-gather",
            Layout::Troubleshoot => "troubleshoot.sh support bundle",
            Layout::TalosSupport => "Talos support bundle",
            Layout::RancherLogsCollector => "Rancher logs-collector",
            Layout::ClusterInfoDump => "kubectl cluster-info dump",
            Layout::Archive => "no bundle layout",
        }
    }

    /// Whether a file at `c` (path components) is one the tool writes and no other
    /// layout here does.
    fn marks(self, c: &[&str]) -> bool {
        let has = |name: &str| c.contains(&name);
        match self {
            Layout::MustGather => {
                has("cluster-scoped-resources") || has("etcd_info") || self.etcd_log(c).is_some()
            }
            Layout::Troubleshoot => has("cluster-resources"),
            Layout::TalosSupport => matches!(
                c.last(),
                Some(&"controller-runtime.log" | &"dependencies.dot")
            ),
            Layout::RancherLogsCollector => has("systeminfo") || has("podlogs"),
            Layout::ClusterInfoDump => {
                c.last() == Some(&"nodes.json") || self.etcd_log(c).is_some()
            }
            Layout::Archive => false,
        }
    }

    /// The pod or node whose etcd log the file at `c` is, if it is one.
    fn etcd_log(self, c: &[&str]) -> Option<String> {
        let n = c.len();
        let at = |k: usize| -> &str {
            if k <= n && k > 0 {
                c[n - k]
            } else {
                ""
            }
        };
        match self {
            // namespaces/<ns>/pods/<pod>/etcd/etcd/logs/{current,previous}.log
            Layout::MustGather => (matches!(at(1), "current.log" | "previous.log")
                && at(2) == "logs"
                && at(3) == "etcd"
                && at(4) == "etcd"
                && at(6) == "pods"
                && at(8) == "namespaces")
                .then(|| at(5).to_string()),
            // <collector or cluster-resources/pods/logs>/<ns>/<pod>/etcd[-previous].log
            Layout::Troubleshoot => (matches!(at(1), "etcd.log" | "etcd-previous.log")
                && at(2).starts_with("etcd")
                && n >= 2)
                .then(|| at(2).to_string()),
            // <node>/etcd.log: etcd is a Talos system service, logged as <service>.log
            Layout::TalosSupport => {
                (at(1) == "etcd.log" && n >= 2 && at(2) != "kube-system").then(|| at(2).to_string())
            }
            Layout::RancherLogsCollector => rancher_log(c),
            // <ns>/<pod>/logs.txt of the static etcd pods
            Layout::ClusterInfoDump => (at(1) == "logs.txt" && at(2).starts_with("etcd") && n >= 3)
                .then(|| at(2).to_string()),
            Layout::Archive => None,
        }
    }

    /// Whether the file at `c` is an etcdctl output of the bundle (must-gather's
    /// `etcd_info/*.json`; those raftlog does not know, such as endpoint health, are
    /// skipped when read).
    fn status_file(self, c: &[&str]) -> bool {
        self == Layout::MustGather
            && c.len() >= 2
            && c[c.len() - 2] == "etcd_info"
            && c[c.len() - 1].ends_with(".json")
    }

    /// Whether the file at `c` is the bundle's `etcdctl member list -w json`.
    fn member_list(self, c: &[&str]) -> bool {
        self == Layout::MustGather
            && c.len() >= 2
            && c[c.len() - 2] == "etcd_info"
            && c[c.len() - 1] == "member_list.json"
    }
}

/// Rancher logs-collector: `<distro>/podlogs/kube-system-etcd-<node>[-previous]` (RKE2
/// static pods), `rke/containerlogs/etcd` (RKE), and the k3s / RKE2 server journals
/// `journald/k3s`, `journald/rke2-server` (embedded etcd: its lines among the server's).
/// The collector's output directory (first component) names the node where no pod does.
fn rancher_log(c: &[&str]) -> Option<String> {
    let n = c.len();
    let (dir, file) = (c.get(n.checked_sub(2)?)?, c[n - 1]);
    let node = || {
        if n >= 3 {
            c[0].to_string()
        } else {
            String::new()
        }
    };
    match *dir {
        "podlogs" => {
            let pod = file.strip_prefix("kube-system-")?;
            let pod = pod.strip_suffix("-previous").unwrap_or(pod);
            pod.starts_with("etcd-").then(|| pod.to_string())
        }
        "containerlogs" if file == "etcd" => Some(node()),
        "journald" if matches!(file, "k3s" | "rke2-server") => Some(node()),
        _ => None,
    }
}

/// An etcd log found in a bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleLog {
    /// Path inside the bundle (`/`-separated, from the bundle's root).
    pub path: String,
    /// The pod or node it belongs to.
    pub label: String,
}

/// A recognised bundle.
#[derive(Clone, Debug)]
pub struct Bundle {
    /// The directory or archive as given.
    pub root: PathBuf,
    /// Whether `root` is an archive.
    pub archive: bool,
    /// The layout told by its paths.
    pub layout: Layout,
    /// Its etcd logs, in path order.
    pub logs: Vec<BundleLog>,
    /// Its member lists (paths inside the bundle).
    pub member_lists: Vec<String>,
    /// Its etcdctl outputs (member list, endpoint status): read as `--status` files.
    pub status_files: Vec<String>,
    /// Files of the bundle that were left unread (not etcd logs).
    pub skipped_files: usize,
}

impl Bundle {
    /// Tell the layout of a bundle whose files are `files` (paths from its root). None
    /// when no known layout's marker is among them.
    pub fn recognise(root: &Path, archive: bool, files: &[String]) -> Option<Bundle> {
        let split: Vec<Vec<&str>> = files
            .iter()
            .map(|f| f.split('/').filter(|s| !s.is_empty()).collect())
            .collect();
        let layout = LAYOUTS
            .into_iter()
            .find(|l| split.iter().any(|c| l.marks(c)))?;
        let mut logs = Vec::new();
        let mut member_lists = Vec::new();
        let mut status_files = Vec::new();
        for (f, c) in files.iter().zip(&split) {
            if layout.status_file(c) {
                status_files.push(f.clone());
            }
            if let Some(label) = layout.etcd_log(c) {
                let label = if label.is_empty() {
                    bundle_stem(root)
                } else {
                    label
                };
                logs.push(BundleLog {
                    path: f.clone(),
                    label,
                });
            } else if layout.member_list(c) {
                member_lists.push(f.clone());
            }
        }
        let skipped_files = files.len() - logs.len() - status_files.len();
        Some(Bundle {
            root: root.to_path_buf(),
            archive,
            layout,
            logs,
            member_lists,
            status_files,
            skipped_files,
        })
    }

    /// The source reading the bundle file at `path`.
    pub fn source(&self, path: &str) -> Source {
        if self.archive {
            Source::Member {
                archive: self.root.clone(),
                path: path.to_string(),
            }
        } else {
            Source::Path(self.root.join(path))
        }
    }

    /// The members of the bundle's member lists (first seen wins), with the errors of
    /// the lists that could not be read.
    pub fn listed_members(&self) -> (Listed, Vec<String>) {
        let mut out: Listed = Vec::new();
        let mut errs = Vec::new();
        for p in &self.member_lists {
            let src = self.source(p);
            match read_small(&src).and_then(|s| {
                status::parse_member_list_json(&s, &src.name()).map_err(|e| e.to_string())
            }) {
                Ok(ms) => {
                    for m in ms {
                        let Ok(id) = u64::from_str_radix(&m.id, 16) else {
                            continue;
                        };
                        if !out.iter().any(|x| x.0 == id) {
                            out.push((id, m));
                        }
                    }
                }
                Err(e) => errs.push(format!("cannot read member list: {}: {e}", src.name())),
            }
        }
        (out, errs)
    }
}

impl Bundle {
    /// The line of the stderr summary naming the layout recognised.
    pub fn summary(&self) -> String {
        let mut pods: Vec<&str> = self.logs.iter().map(|l| l.label.as_str()).collect();
        pods.dedup();
        format!(
            "{}: {}: {} etcd log{} read ({}), {} other file{} left unread{}",
            self.root.display(),
            match self.layout {
                Layout::Archive =>
                    "no bundle layout recognised, files holding etcd records read".to_string(),
                l => format!("{} recognised", l.title()),
            },
            self.logs.len(),
            if self.logs.len() == 1 { "" } else { "s" },
            pods.join(", "),
            self.skipped_files,
            if self.skipped_files == 1 { "" } else { "s" },
            if self.member_lists.is_empty() {
                String::new()
            } else {
                format!("; member list: {}", self.member_lists.join(", "))
            }
        )
    }
}

/// Members of the bundles' member lists, by id, with where they were listed.
pub type Listed = Vec<(u64, ListedMember)>;

/// Names from the member lists (a name given with `--name` wins) and, for a member
/// whose only log a bundle files under one pod or node, that pod or node as a last
/// resort.
pub fn name_members(
    listed: &Listed,
    results: &[crate::ingest::InputResult],
    opts: &mut crate::model::ModelOptions,
) {
    for (id, m) in listed {
        if !m.name.is_empty() {
            opts.names.entry(*id).or_insert_with(|| m.name.clone());
        }
    }
    for r in results {
        let s = &r.summary;
        if let (Some(pod), 1) = (&s.pod, s.nodes.len()) {
            let id = *s.nodes.iter().next().expect("one node");
            opts.fallback_names.entry(id).or_insert_with(|| pod.clone());
        }
    }
}

/// Members a bundle's member list names but whose log is not in the bundle: an
/// `incomplete` anomaly each (unless one already names the member), so that
/// `add_missing_logs` can ask for them.
pub fn flag_unlogged(a: &mut crate::model::Analysis, listed: &Listed) {
    for (id, m) in listed {
        let hex = crate::event::hex(*id);
        let logged = a.report.nodes.iter().any(|n| n.id == hex && n.has_log);
        let flagged = a
            .report
            .anomalies
            .iter()
            .any(|x| x.kind == "incomplete" && x.nodes.contains(&hex));
        if logged || flagged {
            continue;
        }
        let name = a.names.get(id).cloned().unwrap_or_else(|| hex.clone());
        a.report.anomalies.push(crate::report::Anomaly {
            kind: "incomplete".into(),
            summary: format!(
                "member {name} ({hex}) is in the member list {} but no log of it is in the bundle: its side of the elections is not visible",
                m.input
            ),
            nodes: vec![hex],
            terms: Vec::new(),
            offset_ms: None,
            hint: None,
        });
    }
}

/// The bundle's name without its archive extension, for logs the layout names no node
/// for.
fn bundle_stem(root: &Path) -> String {
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ARCHIVE_SUFFIXES
        .iter()
        .find_map(|s| name.strip_suffix(s))
        .map(str::to_string)
        .unwrap_or(name)
}

/// A member list is a small JSON document: read at most this much of it.
const SMALL_FILE: u64 = 4 << 20;

/// Open a bundle file for reading as text (gzip looked through, encoding decoded).
pub fn open_text(src: &Source) -> Result<crate::input::Opened, InputError> {
    crate::input::decode(src, raw_reader(src)?)
}

fn read_small(src: &Source) -> Result<String, String> {
    let o = open_text(src).map_err(|e| e.to_string())?;
    let mut s = String::new();
    o.reader
        .take(SMALL_FILE)
        .read_to_string(&mut s)
        .map_err(|e| e.to_string())?;
    Ok(s)
}

fn raw_reader(src: &Source) -> Result<Box<dyn Read + Send>, InputError> {
    match src {
        Source::Path(p) => Ok(Box::new(File::open(p).map_err(|e| InputError::open(p, e))?)),
        Source::Member { archive, path } => Ok(open_member(archive, path)?.reader),
        Source::Stdin => Err(InputError::read(
            src,
            io::Error::other("standard input is not a bundle"),
        )),
    }
}

/// The files of the directory `dir` as paths from it, with the walk's errors; then its
/// layout, if one is recognised.
pub fn scan_dir(dir: &Path) -> (Option<Bundle>, Vec<InputError>) {
    let (files, errs) = crate::input::walk_files(dir);
    (Bundle::recognise(dir, false, &relative(dir, &files)), errs)
}

/// `files` below `dir` as `/`-separated paths from it.
pub fn relative(dir: &Path, files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .filter_map(|f| f.strip_prefix(dir).ok())
        .map(|f| f.to_string_lossy().replace('\\', "/"))
        .collect()
}

/// File names raftlog reads as archives.
const ARCHIVE_SUFFIXES: [&str; 4] = [".tar.gz", ".tgz", ".tar", ".zip"];

/// Whether `p` is named as an archive raftlog reads as a bundle.
pub fn is_archive(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    ARCHIVE_SUFFIXES.iter().any(|s| name.ends_with(s))
}

fn is_zip(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// The files of an archive, in archive order (one pass, nothing kept but names); then its
/// layout, or the files that hold etcd records when it has none.
pub fn scan_archive(p: &Path) -> Result<Bundle, InputError> {
    let src = Source::Path(p.to_path_buf());
    let f = File::open(p).map_err(|e| InputError::open(p, e))?;
    let files = if is_zip(p) {
        let z = zip::ZipArchive::new(BufReader::new(f))
            .map_err(|e| InputError::read(&src, io::Error::other(e)))?;
        z.file_names()
            .filter(|n| !n.ends_with('/'))
            .map(str::to_string)
            .collect::<Vec<_>>()
    } else {
        let mut files = Vec::new();
        let mut a = tar::Archive::new(tar_stream(f).map_err(|e| InputError::read(&src, e))?);
        for e in a.entries().map_err(|e| InputError::read(&src, e))? {
            let e = e.map_err(|e| InputError::read(&src, e))?;
            if e.header().entry_type().is_file() {
                let path = e.path().map_err(|e| InputError::read(&src, e))?;
                files.push(path.to_string_lossy().into_owned());
            }
        }
        files
    };
    let files: Vec<String> = files
        .into_iter()
        .map(|f| f.trim_start_matches("./").to_string())
        .collect();
    let mut b = match Bundle::recognise(p, true, &files) {
        Some(b) => b,
        None => sniff_archive(p, files.len())?,
    };
    // in path order as a directory's; a tar may hold a file twice (appended): read once
    b.logs.sort_by(|x, y| x.path.cmp(&y.path));
    b.logs.dedup();
    Ok(b)
}

/// An archive of no known layout: a second pass keeps the files whose first 256 KiB
/// hold etcd records (as a directory walk does), reading no more than that of each.
fn sniff_archive(p: &Path, count: usize) -> Result<Bundle, InputError> {
    let src = Source::Path(p.to_path_buf());
    let mut logs = Vec::new();
    let mut keep = |path: String, r: &mut dyn Read| -> Result<(), InputError> {
        let path = path.trim_start_matches("./").to_string();
        let member = Source::Member {
            archive: p.to_path_buf(),
            path: path.clone(),
        };
        let mut head = Vec::new();
        r.take(SNIFF)
            .read_to_end(&mut head)
            .map_err(|e| InputError::read(&member, e))?;
        let mut o = crate::input::decode(&member, Box::new(io::Cursor::new(head)))?;
        // a head cut inside a gzip stream ends in an error after its first lines
        if crate::input::looks_like_etcd_text(&member, o.reader.as_mut()).unwrap_or(false) {
            let label = path.rsplit('/').next().unwrap_or_default().to_string();
            logs.push(BundleLog { path, label });
        }
        Ok(())
    };
    let f = File::open(p).map_err(|e| InputError::open(p, e))?;
    if is_zip(p) {
        let mut z = zip::ZipArchive::new(BufReader::new(f))
            .map_err(|e| InputError::read(&src, io::Error::other(e)))?;
        for i in 0..z.len() {
            let mut e = z
                .by_index(i)
                .map_err(|e| InputError::read(&src, io::Error::other(e)))?;
            if e.is_file() {
                keep(e.name().to_string(), &mut e)?;
            }
        }
    } else {
        let mut a = tar::Archive::new(tar_stream(f).map_err(|e| InputError::read(&src, e))?);
        for e in a.entries().map_err(|e| InputError::read(&src, e))? {
            let mut e = e.map_err(|e| InputError::read(&src, e))?;
            if e.header().entry_type().is_file() {
                let path = e.path().map_err(|e| InputError::read(&src, e))?;
                keep(path.to_string_lossy().into_owned(), &mut e)?;
            }
        }
    }
    Ok(Bundle {
        root: p.to_path_buf(),
        archive: true,
        layout: Layout::Archive,
        skipped_files: count - logs.len(),
        logs,
        member_lists: Vec::new(),
        status_files: Vec::new(),
    })
}

/// How much of an archive's file is looked at to tell whether it is an etcd log.
const SNIFF: u64 = 256 * 1024;

/// A tar stream, gunzipped when it starts with gzip's magic bytes.
fn tar_stream(f: File) -> io::Result<Box<dyn Read + Send>> {
    use std::io::BufRead;
    let mut br = BufReader::with_capacity(256 * 1024, f);
    let head = br.fill_buf()?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::bufread::MultiGzDecoder::new(br))
    } else {
        Box::new(br)
    })
}

/// A file inside an archive, being read.
pub struct Member {
    /// Its bytes (still compressed when the file itself is gzip).
    pub reader: Box<dyn Read + Send>,
    /// The archive's modification time (for year-less lines).
    pub mtime: Option<SystemTime>,
}

/// Chunks in flight between an archive's reading thread and the line reader.
const CHUNKS: usize = 4;
const CHUNK: usize = 256 * 1024;

/// Open the file `path` inside `archive`: a thread walks the archive to it and sends
/// its bytes; at most [`CHUNKS`] chunks wait, so memory stays bounded whatever the sizes.
pub fn open_member(archive: &Path, path: &str) -> Result<Member, InputError> {
    let md = std::fs::metadata(archive).map_err(|e| InputError::open(archive, e))?;
    let (tx, rx) = sync_channel::<io::Result<Vec<u8>>>(CHUNKS);
    let (archive_p, path_s) = (archive.to_path_buf(), path.to_string());
    std::thread::spawn(move || {
        let send = |r: io::Result<Vec<u8>>| tx.send(r).is_ok();
        let res = if is_zip(&archive_p) {
            stream_zip(&archive_p, &path_s, &send)
        } else {
            stream_tar(&archive_p, &path_s, &send)
        };
        if let Err(e) = res {
            send(Err(e));
        }
    });
    Ok(Member {
        reader: Box::new(ChannelReader {
            rx,
            buf: Vec::new(),
            pos: 0,
        }),
        mtime: md.modified().ok(),
    })
}

/// Copy `r` to `send` in chunks; stops early when the reader is gone.
fn pump(r: &mut dyn Read, send: &dyn Fn(io::Result<Vec<u8>>) -> bool) -> io::Result<()> {
    loop {
        let mut chunk = vec![0u8; CHUNK];
        let n = match r.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(());
        }
        chunk.truncate(n);
        if !send(Ok(chunk)) {
            return Ok(());
        }
    }
}

fn not_in_archive(path: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("no file {path} in the archive"),
    )
}

fn stream_zip(
    archive: &Path,
    path: &str,
    send: &dyn Fn(io::Result<Vec<u8>>) -> bool,
) -> io::Result<()> {
    let mut z =
        zip::ZipArchive::new(BufReader::new(File::open(archive)?)).map_err(io::Error::other)?;
    let mut f = z.by_name(path).map_err(|e| match e {
        zip::result::ZipError::FileNotFound => not_in_archive(path),
        e => io::Error::other(e),
    })?;
    pump(&mut f, send)
}

fn stream_tar(
    archive: &Path,
    path: &str,
    send: &dyn Fn(io::Result<Vec<u8>>) -> bool,
) -> io::Result<()> {
    let mut a = tar::Archive::new(tar_stream(File::open(archive)?)?);
    for e in a.entries()? {
        let mut e = e?;
        let p = e.path()?.to_string_lossy().into_owned();
        if e.header().entry_type().is_file() && p.trim_start_matches("./") == path {
            return pump(&mut e, send);
        }
    }
    Err(not_in_archive(path))
}

/// The reading end of [`open_member`].
struct ChannelReader {
    rx: Receiver<io::Result<Vec<u8>>>,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.buf = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                // the thread is done: the end of the file
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recognise(files: &[&str]) -> Option<Bundle> {
        let files: Vec<String> = files.iter().map(|s| s.to_string()).collect();
        Bundle::recognise(Path::new("b.tar.gz"), true, &files)
    }

    #[test]
    fn layouts_are_told_by_their_paths_and_only_etcd_logs_kept() {
        let mg = recognise(&[
            "mg/img/timestamp",
            "mg/img/etcd_info/member_list.json",
            "mg/img/namespaces/openshift-etcd/pods/etcd-m0/etcd/etcd/logs/current.log",
            "mg/img/namespaces/openshift-etcd/pods/etcd-m0/etcd/etcd/logs/previous.log",
            "mg/img/namespaces/openshift-etcd/pods/etcd-m0/etcdctl/etcdctl/logs/current.log",
        ])
        .unwrap();
        assert_eq!(mg.layout, Layout::MustGather);
        assert_eq!(mg.logs.len(), 2);
        assert!(mg.logs.iter().all(|l| l.label == "etcd-m0"));
        assert_eq!(mg.member_lists, vec!["mg/img/etcd_info/member_list.json"]);
        assert_eq!(mg.skipped_files, 2);

        let rancher = recognise(&[
            "node1-2026/systeminfo/hostname",
            "node1-2026/journald/k3s",
            "node1-2026/journald/containerd",
            "node1-2026/rke2/podlogs/kube-system-etcd-node1-previous",
            "node1-2026/rke2/podlogs/kube-system-kube-apiserver-node1",
        ])
        .unwrap();
        assert_eq!(rancher.layout, Layout::RancherLogsCollector);
        let labels: Vec<&str> = rancher.logs.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["node1-2026", "etcd-node1"]);

        assert!(recognise(&["a/n1.log", "b/notes.txt"]).is_none());
    }

    #[test]
    fn member_list_names_win_over_pods_and_given_names_over_both() {
        let mut opts = crate::model::ModelOptions::default();
        opts.names.insert(3, "given".into());
        let listed: Listed = [(1, "from-list"), (3, "listed-too")]
            .into_iter()
            .map(|(id, name)| {
                let m = ListedMember {
                    id: crate::event::hex(id),
                    name: name.into(),
                    ..Default::default()
                };
                (id, m)
            })
            .collect();
        let input = |pod: &str, nodes: &[u64]| {
            let mut r = crate::ingest::InputResult::default();
            r.summary.pod = Some(pod.into());
            r.summary.nodes = nodes.iter().copied().collect();
            r
        };
        // a pod names its only member; an input of two members names neither
        let results = [
            input("etcd-a", &[1]),
            input("etcd-b", &[2]),
            input("both", &[4, 5]),
        ];
        name_members(&listed, &results, &mut opts);
        assert_eq!(opts.names.get(&1).map(String::as_str), Some("from-list"));
        assert_eq!(opts.names.get(&3).map(String::as_str), Some("given"));
        assert_eq!(
            opts.fallback_names.get(&2).map(String::as_str),
            Some("etcd-b")
        );
        assert!(!opts.fallback_names.contains_key(&4) && !opts.names.contains_key(&4));
    }
}
