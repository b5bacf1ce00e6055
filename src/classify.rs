//! What each input on the command line is: an etcd log, a metrics dump or etcdctl
//! output (told by content), a support bundle (a directory or archive told by its
//! layout), or a directory to walk for those. Deciding this once, before anything is
//! read, lets a run say up front which inputs it will analyse and which it cannot.

use crate::bundle::{self, Bundle};
use crate::config::Config;
use crate::error::InputError;
use crate::input::{self, Source};
use crate::metrics;
use std::path::{Path, PathBuf};

/// The inputs of a run sorted by kind: metrics/status files, logs, and what could not be
/// read (or held no etcd log) with why.
pub struct Classified {
    /// Metrics dumps and etcdctl outputs: given to `--metrics`/`--status`, or found
    /// among the inputs by their content.
    pub metric_paths: Vec<PathBuf>,
    /// Logs as given (files, `-`) and the logs found in directories.
    pub log_args: Vec<String>,
    /// Inputs that could not be opened, directories and bundles without etcd logs.
    pub errors: Vec<InputError>,
    /// Support bundles (directories or archives) recognised by their layout.
    pub bundles: Vec<Bundle>,
}

/// The layout and the pod or node of a source read from a support bundle.
pub type BundleTag = Option<(&'static str, String)>;

/// What one command-line input is, before it is read.
enum Kind {
    /// A support-bundle archive (`.tar.gz`, `.zip`).
    Archive,
    /// A metrics dump or etcdctl output, told by its first lines.
    Metrics,
    /// A directory: walked, each file classified by content.
    Dir,
    /// A log, or standard input (`-`); a path that does not exist is an open error later.
    Log,
}

fn kind_of(arg: &str) -> Kind {
    let p = Path::new(arg);
    if arg != "-" && p.is_file() {
        if bundle::is_archive(p) {
            return Kind::Archive;
        }
        if let Ok(Some(_)) = metrics::detect_path(p) {
            return Kind::Metrics;
        }
    }
    if p.is_dir() {
        Kind::Dir
    } else {
        Kind::Log
    }
}

impl Classified {
    /// One walk per directory: each file is a metrics/status input, a log, or neither; a
    /// file that cannot be opened is an error, never silently neither.
    pub fn gather(cfg: &Config) -> Classified {
        let mut g = Classified {
            metric_paths: cfg
                .metrics
                .iter()
                .chain(cfg.status.iter())
                .map(PathBuf::from)
                .collect(),
            log_args: Vec::new(),
            errors: Vec::new(),
            bundles: Vec::new(),
        };
        for a in &cfg.inputs {
            match kind_of(a) {
                Kind::Archive => match bundle::scan_archive(Path::new(a)) {
                    Ok(b) => g.add_bundle(b),
                    Err(e) => g.errors.push(e),
                },
                Kind::Metrics => g.metric_paths.push(PathBuf::from(a)),
                Kind::Dir => g.add_dir(Path::new(a)),
                Kind::Log => g.log_args.push(a.clone()),
            }
        }
        g
    }

    /// A directory: a bundle when its layout says so, else its metrics files and etcd
    /// logs; one that yields nothing and no error is itself an error.
    fn add_dir(&mut self, p: &Path) {
        let (before, errors_before) = (self.log_args.len(), self.errors.len());
        let (files, e) = input::walk_files(p);
        self.errors.extend(e);
        let rel = bundle::relative(p, &files);
        if let Some(b) = Bundle::recognise(p, false, &rel) {
            self.add_bundle(b);
            return;
        }
        for f in files {
            if let Ok(Some(_)) = metrics::detect_path(&f) {
                self.metric_paths.push(f);
                continue;
            }
            match input::looks_like_etcd_log(&f) {
                Ok(true) => self.log_args.push(f.display().to_string()),
                Ok(false) => {}
                Err(e) => self.errors.push(e),
            }
        }
        // a directory whose files could not all be read has had its errors named
        if self.log_args.len() == before && self.errors.len() == errors_before {
            self.errors.push(InputError::NoLogsInDir(p.to_path_buf()));
        }
    }

    /// A recognised bundle is read when it holds etcd logs, and is an error otherwise.
    fn add_bundle(&mut self, b: Bundle) {
        if b.logs.is_empty() {
            self.errors.push(InputError::NoLogsInBundle {
                path: b.root.clone(),
                layout: b.layout.title(),
            });
        } else {
            self.bundles.push(b);
        }
    }

    /// Whether any log was found (files, directories' logs, bundles' logs).
    pub fn has_logs(&self) -> bool {
        !self.log_args.is_empty() || !self.bundles.is_empty()
    }

    /// The etcd logs of the bundles appended to `sources`; returns, for every source,
    /// the layout and the pod or node of those from a bundle.
    pub fn bundle_sources(&self, sources: &mut Vec<Source>) -> Vec<BundleTag> {
        let mut tags = vec![None; sources.len()];
        for b in &self.bundles {
            for l in &b.logs {
                sources.push(b.source(&l.path));
                tags.push(Some((b.layout.name(), l.label.clone())));
            }
        }
        tags
    }

    /// The bundles' etcdctl outputs, read as `--status` files.
    pub fn bundle_status(&self) -> Vec<Source> {
        self.bundles
            .iter()
            .flat_map(|b| b.status_files.iter().map(|f| b.source(f)))
            .collect()
    }
}

/// `--metrics` takes dumps and `--status` etcdctl outputs: a file of another kind given to
/// one of them (a log, most often, placed after the flag) is a usage error naming the
/// flag, rather than an input silently read as something else or not at all.
/// Directories are walked later and keep what they hold.
pub fn check_flag_files(cfg: &Config) -> Result<(), String> {
    let flags = [("--metrics", &cfg.metrics), ("--status", &cfg.status)];
    for (flag, files) in flags {
        for f in files {
            let p = Path::new(f);
            if f == "-" || p.is_dir() {
                continue;
            }
            let kind = metrics::detect_path(p).map_err(|e| format!("{flag} {f}: {e}"))?;
            if !fits_flag(flag, kind) {
                return Err(wrong_flag(flag, f, kind));
            }
        }
    }
    Ok(())
}

fn fits_flag(flag: &str, kind: Option<metrics::InputKind>) -> bool {
    use metrics::InputKind as K;
    match (flag, kind) {
        ("--metrics", Some(K::Prometheus)) => true,
        ("--status", Some(k)) => k != K::Prometheus,
        _ => false,
    }
}

fn wrong_flag(flag: &str, f: &str, kind: Option<metrics::InputKind>) -> String {
    let what = match kind {
        Some(k) => format!("it is {}", k.as_str()),
        None if matches!(input::looks_like_etcd_log(Path::new(f)), Ok(true)) => {
            "it looks like an etcd log: give logs as INPUTs, before or without the flag".to_string()
        }
        None => "it is none of the kinds raftlog reads".to_string(),
    };
    let wants = if flag == "--metrics" {
        "a Prometheus /metrics dump"
    } else {
        "an `etcdctl endpoint status` or `member list` output"
    };
    format!("{flag} {f}: not {wants} ({what}); {flag} takes one file per use")
}
