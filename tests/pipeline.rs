//! The parallel reading pipeline gives exactly what reading on one thread gives: the
//! same events with the same line numbers and members, and the same counts, however the
//! input falls across blocks (CRI partial records split between blocks included).

use raftlog::ingest::{read_reader, IngestOptions, InputResult};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture repeated until the input spans several blocks; `shift` bytes of a line that
/// raftlog does not read are put in front so that block ends fall elsewhere each time.
fn big_input(fixture: &str, shift: usize) -> Vec<u8> {
    let one = std::fs::read(root().join(fixture)).unwrap();
    let mut data = Vec::new();
    data.extend(std::iter::repeat_n(b'x', shift));
    data.push(b'\n');
    while data.len() < 3 << 20 {
        data.extend_from_slice(&one);
    }
    data
}

fn read(data: &[u8], threads: usize) -> InputResult {
    let opts = IngestOptions {
        keep_raw: true,
        samples: 5,
        ..Default::default()
    };
    read_reader(0, data, None, &opts, threads)
}

fn same(a: &InputResult, b: &InputResult, what: &str) {
    assert_eq!(a.events.len(), b.events.len(), "{what}: event count");
    for (x, y) in a.events.iter().zip(&b.events) {
        assert_eq!(x, y, "{what}");
    }
    assert!(a.raw.iter().eq(b.raw.iter()), "{what}: raw lines");
    let (s, t) = (&a.summary, &b.summary);
    assert_eq!(s.lines, t.lines, "{what}: lines");
    assert_eq!(s.formats, t.formats, "{what}: formats");
    assert_eq!(s.wrappers, t.wrappers, "{what}: wrappers");
    assert_eq!(s.skipped, t.skipped, "{what}: skipped");
    assert_eq!(s.nodes, t.nodes, "{what}: nodes");
    assert_eq!(s.unknown_samples, t.unknown_samples, "{what}: samples");
    assert_eq!(s.evidence_not_kept, t.evidence_not_kept, "{what}: not kept");
}

#[test]
fn threads_give_what_one_thread_gives() {
    for fixture in [
        "fixtures/real/zap-3-mixed/n2.log",
        "fixtures/real/capnslog-3-mixed/n1.log",
        "fixtures/built/cri/n1.log",
        "fixtures/built/journald-short-precise/n1.log",
        "fixtures/built/compose-interleaved/all.log",
    ] {
        for shift in [0, 333, 4097] {
            let data = big_input(fixture, shift);
            let one = read(&data, 1);
            assert!(one.events.len() > 1000, "{fixture}: {}", one.events.len());
            for threads in [2, 3] {
                same(
                    &one,
                    &read(&data, threads),
                    &format!("{fixture} shift {shift} threads {threads}"),
                );
            }
        }
    }
}

#[test]
fn line_numbers_count_every_line() {
    let data = big_input("fixtures/real/zap-3-mixed/n1.log", 10);
    let r = read(&data, 2);
    let newlines = data.iter().filter(|c| **c == b'\n').count() as u64;
    assert_eq!(r.summary.lines, newlines);
    // the last event of the input is on one of the last lines of the last copy
    let last = r.events.iter().map(|e| e.origin.line).max().unwrap();
    assert!(
        last > newlines - 400 && last <= newlines,
        "{last} of {newlines}"
    );
}
