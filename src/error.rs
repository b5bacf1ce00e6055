//! Library errors. Each names the input and, where one helps, what to do.

use crate::input::Source;
use std::io;
use std::path::{Path, PathBuf};

/// An input that could not be read (the run goes on with the others).
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Opening or stat'ing a path failed.
    #[error("cannot open input: {path}: {source}{hint}", hint = open_hint(source))]
    Open {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// Reading failed part-way (truncated gzip, I/O error).
    #[error("cannot read input: {name}: {source}{hint}", hint = read_hint(source))]
    Read {
        /// Input name.
        name: String,
        /// The cause.
        source: io::Error,
    },
    /// A directory was given where a file was expected.
    #[error("input is a directory: {0}")]
    IsDir(PathBuf),
    /// A directory held no file that looks like an etcd log.
    #[error("no etcd log found in directory: {0}: hint: raftlog reads files whose lines are etcd log records (zap JSON, capnslog, journald, CRI...)")]
    NoLogsInDir(PathBuf),
    /// A support bundle whose layout was recognised but that holds no etcd log.
    #[error("no etcd log found in {path} ({layout})")]
    NoLogsInBundle {
        /// The directory or archive.
        path: PathBuf,
        /// The layout's name for people.
        layout: &'static str,
    },
}

fn open_hint(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::NotFound => " (check the path; use - for standard input)",
        io::ErrorKind::PermissionDenied => " (check the file's permissions, or run with sudo)",
        _ => "",
    }
}

fn read_hint(e: &io::Error) -> &'static str {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            " (the compressed file is truncated; lines read before the damage are kept)"
        }
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            " (the compressed data is corrupt; lines read before the damage are kept)"
        }
        _ => "",
    }
}

impl InputError {
    /// Build an open error.
    pub fn open(p: &Path, source: io::Error) -> Self {
        InputError::Open {
            path: p.to_path_buf(),
            source,
        }
    }

    /// Build a read error.
    pub fn read(src: &Source, source: io::Error) -> Self {
        InputError::Read {
            name: src.name(),
            source,
        }
    }

    /// The input that could not be read, as named in reports; None when the error is
    /// not about reading one input (a directory without etcd logs).
    pub fn input_name(&self) -> Option<String> {
        match self {
            InputError::Open { path, .. } | InputError::IsDir(path) => {
                Some(path.display().to_string())
            }
            InputError::Read { name, .. } => Some(name.clone()),
            InputError::NoLogsInDir(_) | InputError::NoLogsInBundle { .. } => None,
        }
    }
}

/// Errors of a run that stop it.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// No input could be read at all.
    #[error("no input could be read")]
    NoInput,
    /// Writing the output failed.
    #[error("cannot write output: {0}")]
    Write(#[from] io::Error),
    /// The command line asks for something that cannot be done with these inputs (a
    /// file given to the wrong flag, an empty time range, an output that is an input).
    #[error("{0}")]
    Usage(String),
}
