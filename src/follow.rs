//! Following log files as `tail -F` does, for a live view of a running cluster: new lines
//! as they are written, a file rotated by rename (the rest of the old file is read before
//! the new one), a file truncated in place (copy-truncate: read again from its start), a
//! named file that does not exist yet (waited for), and files that appear later in a
//! watched directory. Compressed rotations (`*.gz`) in a directory are older history and
//! are left out, as are hidden files.
//!
//! The follower is polled: each [`Follower::poll`] reads what was appended since the last
//! one and returns complete lines only (a line still being written waits for its newline;
//! [`Follower::finish`] hands over a last line without one). Polling works the same on
//! every file system, including the network and overlay mounts logs live on in
//! containers, where change notifications are unreliable.

use std::fs::{File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// What a poll found for one followed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Complete lines appended to the file (without their line ends).
    Lines(Vec<Vec<u8>>),
    /// The file was truncated in place and is read again from its start.
    Truncated,
    /// The path now names another file (rotation by rename): the old file was read to
    /// its end first.
    Rotated,
    /// A named file that did not exist when the watch began appeared and is read from
    /// its start. (A file new in a watched directory is simply read from its start.)
    Appeared,
}

/// One followed path.
#[derive(Debug)]
struct Followed {
    path: PathBuf,
    file: Option<File>,
    /// (device, inode) of the open file: tells a rename rotation from growth.
    id: Option<(u64, u64)>,
    offset: u64,
    /// Bytes after the last newline: a line still being written.
    partial: Vec<u8>,
}

/// What one poll found: `(file index, change)` in file order, and the files that could
/// not be read this time (`(file index, error)`).
pub type Polled = (Vec<(usize, Change)>, Vec<(usize, io::Error)>);

/// Where to begin reading the files that exist when the watch starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// At their start (`--once`, or history wanted).
    Beginning,
    /// At their current end: only what is written from now on.
    End,
}

/// The followed files and watched directories.
#[derive(Debug)]
pub struct Follower {
    files: Vec<Followed>,
    dirs: Vec<PathBuf>,
}

/// Bytes read from one file per poll at most, so that one busy file does not hold the
/// others back (the rest is read at the next poll).
const MAX_READ: u64 = 8 << 20;

impl Follower {
    /// Follow `paths`: files (existing or not yet) and directories (their current and
    /// future regular files).
    pub fn new(paths: &[PathBuf], start: Start) -> Follower {
        let mut f = Follower {
            files: Vec::new(),
            dirs: Vec::new(),
        };
        for p in paths {
            if p.is_dir() {
                f.dirs.push(p.clone());
                for file in dir_logs(p) {
                    f.add(file, start);
                }
            } else {
                f.add(p.clone(), start);
            }
        }
        f
    }

    fn add(&mut self, path: PathBuf, start: Start) {
        let mut fo = Followed {
            path,
            file: None,
            id: None,
            offset: 0,
            partial: Vec::new(),
        };
        if let Ok(file) = File::open(&fo.path) {
            let md = file.metadata().ok();
            fo.id = md.as_ref().map(file_id);
            if start == Start::End {
                fo.offset = md.map_or(0, |m| m.len());
            }
            fo.file = Some(file);
        }
        self.files.push(fo);
    }

    /// The followed files, in the order of the indexes [`Follower::poll`] returns.
    pub fn paths(&self) -> Vec<&Path> {
        self.files.iter().map(|f| f.path.as_path()).collect()
    }

    /// Read what every file gained since the last poll: `(file index, change)` in file
    /// order. Errors of one file are returned beside the others' changes.
    pub fn poll(&mut self) -> Polled {
        self.discover();
        let (mut changes, mut errors) = (Vec::new(), Vec::new());
        for (i, f) in self.files.iter_mut().enumerate() {
            match f.poll() {
                Ok(cs) => changes.extend(cs.into_iter().map(|c| (i, c))),
                Err(e) => errors.push((i, e)),
            }
        }
        (changes, errors)
    }

    /// The last line of each file that has no line end yet, as when the input closed.
    pub fn finish(&mut self) -> Vec<(usize, Vec<u8>)> {
        self.files
            .iter_mut()
            .enumerate()
            .filter(|(_, f)| !f.partial.is_empty())
            .map(|(i, f)| (i, std::mem::take(&mut f.partial)))
            .collect()
    }

    /// Files new in the watched directories, read from their start.
    fn discover(&mut self) {
        for d in self.dirs.clone() {
            for p in dir_logs(&d) {
                if !self.files.iter().any(|f| f.path == p) {
                    self.add(p, Start::Beginning);
                }
            }
        }
    }
}

impl Followed {
    fn poll(&mut self) -> io::Result<Vec<Change>> {
        let mut out = Vec::new();
        let now = std::fs::metadata(&self.path).ok();
        let Some(file) = self.file.as_mut() else {
            // named but not there yet
            if now.is_some() {
                self.reopen()?;
                out.push(Change::Appeared);
                out.extend(self.read_lines()?);
            }
            return Ok(out);
        };
        let same = now.as_ref().map(file_id) == self.id;
        if same && now.as_ref().is_some_and(|m| m.len() < self.offset) {
            file.seek(SeekFrom::Start(0))?;
            self.offset = 0;
            self.partial.clear();
            out.push(Change::Truncated);
        }
        out.extend(self.read_lines()?);
        if now.is_some() && !same {
            // renamed away and replaced: the old file was read to its end above
            if !self.partial.is_empty() {
                out.push(Change::Lines(vec![std::mem::take(&mut self.partial)]));
            }
            self.reopen()?;
            out.push(Change::Rotated);
            out.extend(self.read_lines()?);
        }
        Ok(out)
    }

    fn reopen(&mut self) -> io::Result<()> {
        let file = File::open(&self.path)?;
        self.id = Some(file_id(&file.metadata()?));
        self.file = Some(file);
        self.offset = 0;
        self.partial.clear();
        Ok(())
    }

    /// The complete lines from `offset` on (at most [`MAX_READ`] bytes this time).
    fn read_lines(&mut self) -> io::Result<Vec<Change>> {
        let Some(file) = self.file.as_mut() else {
            return Ok(Vec::new());
        };
        file.seek(SeekFrom::Start(self.offset))?;
        let mut buf = Vec::new();
        let n = file.take(MAX_READ).read_to_end(&mut buf)?;
        self.offset += n as u64;
        if n == 0 {
            return Ok(Vec::new());
        }
        let mut data = std::mem::take(&mut self.partial);
        data.extend_from_slice(&buf);
        let mut lines: Vec<Vec<u8>> = data.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        // what follows the last newline is a line still being written
        self.partial = lines.pop().unwrap_or_default();
        for l in lines.iter_mut() {
            if l.last() == Some(&b'\r') {
                l.pop();
            }
        }
        Ok(if lines.is_empty() {
            Vec::new()
        } else {
            vec![Change::Lines(lines)]
        })
    }
}

fn file_id(m: &Metadata) -> (u64, u64) {
    (m.dev(), m.ino())
}

/// The regular files of a directory that can be followed, sorted: not hidden, not
/// compressed rotations.
fn dir_logs(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with('.') && !name.ends_with(".gz")
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn append(p: &Path, s: &str) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .unwrap();
        f.write_all(s.as_bytes()).unwrap();
    }

    /// The lines of every change, as strings, and the other changes by name.
    fn seen(f: &mut Follower) -> Vec<String> {
        let (changes, errors) = f.poll();
        assert!(errors.is_empty(), "{errors:?}");
        changes
            .into_iter()
            .flat_map(|(i, c)| match c {
                Change::Lines(ls) => ls
                    .into_iter()
                    .map(|l| format!("{i}:{}", String::from_utf8(l).unwrap()))
                    .collect(),
                other => vec![format!("{i}:{other:?}")],
            })
            .collect()
    }

    #[test]
    fn new_lines_only_complete_ones_from_the_end_or_the_start() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("n1.log");
        append(&p, "old 1\nold 2\n");
        let mut end = Follower::new(std::slice::from_ref(&p), Start::End);
        let mut all = Follower::new(std::slice::from_ref(&p), Start::Beginning);
        assert_eq!(seen(&mut end), Vec::<String>::new());
        assert_eq!(seen(&mut all), ["0:old 1", "0:old 2"]);
        append(&p, "new 1\r\nnew 2 par");
        assert_eq!(seen(&mut end), ["0:new 1"]);
        append(&p, "t\n");
        assert_eq!(seen(&mut end), ["0:new 2 part"]);
        append(&p, "no end yet");
        assert_eq!(seen(&mut end), Vec::<String>::new());
        assert_eq!(end.finish(), vec![(0, b"no end yet".to_vec())]);
    }

    #[test]
    fn rename_rotation_reads_the_old_file_to_its_end_then_the_new_one() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("etcd.log");
        append(&p, "a\n");
        let mut f = Follower::new(std::slice::from_ref(&p), Start::End);
        append(&p, "b\n");
        // written just before the rename, not yet polled
        append(&p, "c\n");
        std::fs::rename(&p, d.path().join("etcd.log.1")).unwrap();
        append(&p, "d\n");
        assert_eq!(seen(&mut f), ["0:b", "0:c", "0:Rotated", "0:d"]);
        append(&p, "e\n");
        assert_eq!(seen(&mut f), ["0:e"]);
    }

    #[test]
    fn copy_truncate_reads_again_from_the_start() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("etcd.log");
        append(&p, "a long first line\n");
        let mut f = Follower::new(std::slice::from_ref(&p), Start::End);
        std::fs::write(&p, "").unwrap();
        append(&p, "x\n");
        assert_eq!(seen(&mut f), ["0:Truncated", "0:x"]);
    }

    #[test]
    fn a_named_file_is_waited_for_and_new_files_of_a_directory_are_followed() {
        let d = tempfile::tempdir().unwrap();
        let later = d.path().join("later.log");
        let dir = d.path().join("logs");
        std::fs::create_dir(&dir).unwrap();
        append(&dir.join("n1.log"), "n1 old\n");
        let mut f = Follower::new(&[later.clone(), dir.clone()], Start::End);
        assert_eq!(seen(&mut f), Vec::<String>::new());
        append(&later, "first\n");
        append(&dir.join("n2.log"), "n2 from its start\n");
        append(&dir.join("n2.log.1.gz"), "not followed\n");
        append(&dir.join(".hidden"), "not followed\n");
        assert_eq!(
            seen(&mut f),
            ["0:Appeared", "0:first", "2:n2 from its start"]
        );
        assert_eq!(f.paths()[2], dir.join("n2.log"));
    }
}
