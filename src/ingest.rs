//! Read one input into events: block pipeline, per-line parsing, node attribution
//! (design.md §1 "per-node state": raft lines by their subject ID, server lines by zap
//! `local-member-id` or by the node the input is tied to), and zone/year resolution.
//!
//! The pipeline: a reader thread cuts the (decompressed) byte stream into blocks of
//! whole lines; parser threads take blocks as they come (prefilter, envelope, grammar)
//! and hand back only the lines that matter; the calling thread takes the blocks back in
//! order and does what needs the input in order: CRI partial re-joining, member
//! attribution, year resolution and which bulk evidence to keep. Memory is bounded by
//! the blocks in flight, not by the size of the input. Small inputs are read on the
//! calling thread alone; several inputs are read side by side.

use crate::error::InputError;
use crate::event::{Event, Kind, NodeId, Origin};
use crate::input::{self, Source, MAX_LINE};
use crate::parse::envelope::{cri_join, cri_partial, EnvState, Format, Wrappers};
use crate::parse::{self, parse_line, read_line, rejoin, LineClass, LineEvent, LineInfo};
use crate::raw_lines::RawLines;
use crate::time::{self, RawTime, Zone};
use chrono::Datelike;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::SystemTime;

/// Options that change how lines become events.
#[derive(Clone, Debug, Default)]
pub struct IngestOptions {
    /// Zone for zone-less timestamps.
    pub assume_tz: Zone,
    /// Zones for the zone-less timestamps of single inputs (`--assume-tz FILE=ZONE`):
    /// (file, zone), matched against an input's name or its last path components.
    pub zones: Vec<(String, Zone)>,
    /// Year for year-less timestamps (journald short).
    pub year: Option<i32>,
    /// Keep the raw line of every event (`--raw`).
    pub keep_raw: bool,
    /// Keep up to this many samples of unrecognised raft lines per input (`-v`).
    pub samples: usize,
    /// Parser threads (0: one per CPU).
    pub threads: usize,
    /// Bytes read so far from every input (before decompression), for a progress bar.
    pub progress: Option<Arc<AtomicU64>>,
}

/// Bulk evidence lines of one member, minute and kind that were counted, not kept.
#[derive(Clone, Debug, PartialEq)]
pub struct NotKeptMinute {
    /// The member that wrote them, when known.
    pub node: Option<NodeId>,
    /// Event kind name.
    pub kind: &'static str,
    /// How many.
    pub count: u64,
    /// The longest duration they printed.
    pub worst_ms: Option<f64>,
    /// The first of them: its line and time.
    pub first_line: u64,
    /// Time of the first (the minute is the one it falls in).
    pub first_ts: time::Instant,
    /// Time of the last.
    pub last_ts: time::Instant,
}

/// Per-minute counter of lines not kept while reading: (count, worst, first line, first
/// time, last time).
type NotKeptCounter = (u64, Option<f64>, u64, RawTime, RawTime);

/// What reading one input found.
#[derive(Clone, Debug, Default)]
pub struct InputSummary {
    /// Input name as given.
    pub name: String,
    /// Lines read.
    pub lines: u64,
    /// Lines per inner format.
    pub formats: BTreeMap<&'static str, u64>,
    /// Wrappers seen.
    pub wrappers: BTreeSet<&'static str>,
    /// Events produced.
    pub events: u64,
    /// Lines skipped or not understood, by reason.
    pub skipped: BTreeMap<&'static str, u64>,
    /// Members whose lines this input held.
    pub nodes: BTreeSet<NodeId>,
    /// Input was gzip-compressed.
    pub gzip: bool,
    /// Reading stopped early with this error (lines before it are kept).
    pub error: Option<String>,
    /// The input could not be read at all (`error` says why): it has no lines.
    pub unreadable: bool,
    /// How year-less timestamps got their year, when there were any.
    pub year_note: Option<String>,
    /// Zone-less timestamps were read in the assumed zone.
    pub assumed_zone: bool,
    /// Bulk evidence lines (slow applies, slow read-index waits) more than
    /// [`KEEP_AROUND_S`] seconds from any election activity of the input: counted by
    /// kind, not kept as events.
    pub evidence_not_kept: BTreeMap<&'static str, u64>,
    /// The same lines counted per member, minute and kind, so that a member's health
    /// episodes (`near_misses[]`) still count them.
    pub not_kept_minutes: Vec<NotKeptMinute>,
    /// Samples of raft lines with unknown text: (line, text).
    pub unknown_samples: Vec<(u64, String)>,
    /// Events left without a member (no identity line in the input, or lines of several
    /// members interleaved in one stream with nothing naming the writer).
    pub unattributed: u64,
    /// Sources named by a prefix or an export's labels (pod, container, compose
    /// service, journald host and process), with the members their lines revealed.
    pub sources: BTreeMap<String, BTreeSet<NodeId>>,
    /// Streams in which lines of several members were interleaved with nothing naming
    /// the writer: their lines without a member id were left unattributed.
    pub interleaved: bool,
    /// The support-bundle layout the input was found in (its name in JSON).
    pub layout: Option<&'static str>,
    /// The pod or node the bundle files the input under.
    pub pod: Option<String>,
    /// Time-only lines had no date in the input: placed on 1970-01-01 until the run's
    /// other inputs give one ([`date_from_run`]).
    pub day_unknown: bool,
    /// The input's lines came newest first (`logcli --direction backward`, a `_search`
    /// sorted by `@timestamp` desc, a Grafana download): it was read reversed.
    pub newest_first: bool,
}

impl InputSummary {
    /// Total skipped lines.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

/// An input's events and summary.
#[derive(Debug, Default)]
pub struct InputResult {
    /// Summary for `inputs[]`.
    pub summary: InputSummary,
    /// Events in file order.
    pub events: Vec<Event>,
    /// Raw lines of the events (same order) when `keep_raw`.
    pub raw: RawLines,
}

/// Bytes per block handed to a parser thread.
const BLOCK: usize = 1 << 20;

/// Bulk evidence within this many seconds of election activity is kept as events.
pub const KEEP_AROUND_S: i64 = 120;

/// At most this many bulk evidence events wait, per input, for election activity.
const MAX_HELD: usize = 50_000;

/// Inputs smaller than this (bytes on disk) are read on the calling thread alone.
const SMALL: u64 = 4 * BLOCK as u64;

/// Inner formats in the order of their declaration (index = `Format as usize`).
pub const FORMATS: [Format; 6] = [
    Format::ZapJson,
    Format::ZapConsole,
    Format::Capnslog,
    Format::GoLogRaft,
    Format::GoLog,
    Format::JournaldPayload,
];

/// What the reader hands on.
enum Chunk {
    /// Whole lines (the last one may lack its newline at the end of the input).
    Lines(Vec<u8>),
    /// A line longer than [`MAX_LINE`], skipped.
    TooLong,
    /// Reading failed; the whole lines before it were handed on.
    Failed(io::Error),
}

/// Cuts a byte stream into blocks of whole lines.
struct BlockReader<R> {
    r: R,
    carry: Vec<u8>,
    done: bool,
    error: Option<io::Error>,
}

impl<R: BufRead> BlockReader<R> {
    fn new(r: R) -> Self {
        BlockReader {
            r,
            carry: Vec::new(),
            done: false,
            error: None,
        }
    }

    /// Next chunk, reusing `data` for its bytes; None at the end.
    fn next(&mut self, mut data: Vec<u8>) -> Option<Chunk> {
        if let Some(e) = self.error.take() {
            self.done = true;
            return Some(Chunk::Failed(e));
        }
        if self.done {
            return None;
        }
        data.clear();
        data.append(&mut self.carry);
        loop {
            let want = if data.len() < BLOCK {
                BLOCK - data.len()
            } else {
                BLOCK
            };
            let before = data.len();
            match (&mut self.r).take(want as u64).read_to_end(&mut data) {
                Err(e) => {
                    // hand on the whole lines read before the error, then the error
                    return match memchr::memrchr(b'\n', &data) {
                        Some(p) => {
                            data.truncate(p + 1);
                            self.error = Some(e);
                            Some(Chunk::Lines(data))
                        }
                        None => {
                            self.done = true;
                            Some(Chunk::Failed(e))
                        }
                    };
                }
                Ok(_) if data.len() == before => {
                    self.done = true;
                    return (!data.is_empty()).then_some(Chunk::Lines(data));
                }
                Ok(_) => {}
            }
            if let Some(p) = memchr::memrchr(b'\n', &data[before..]) {
                let p = before + p;
                self.carry.extend_from_slice(&data[p + 1..]);
                data.truncate(p + 1);
                return Some(Chunk::Lines(data));
            }
            if data.len() > MAX_LINE {
                return Some(self.skip_line());
            }
        }
    }

    /// Skip the rest of an over-long line.
    fn skip_line(&mut self) -> Chunk {
        loop {
            let (n, found) = match self.r.fill_buf() {
                Ok([]) => {
                    self.done = true;
                    return Chunk::TooLong;
                }
                Ok(b) => match memchr::memchr(b'\n', b) {
                    Some(i) => (i + 1, true),
                    None => (b.len(), false),
                },
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.error = Some(e);
                    return Chunk::TooLong;
                }
            };
            self.r.consume(n);
            if found {
                return Chunk::TooLong;
            }
        }
    }
}

/// Per-line counts a parser thread keeps for a block.
#[derive(Default)]
struct Tally {
    formats: [u64; FORMATS.len()],
    wrappers: u16,
    not_etcd: u64,
    bad_json: u64,
    unknown_raft: u64,
    too_long: u64,
    /// First line with a full date: (line within the block, year).
    first_year: Option<(u64, i32)>,
    yearless: bool,
    zoneless: bool,
}

impl Tally {
    fn add_bulk(&mut self, line: u64, format: Format, time: RawTime) {
        let info = LineInfo {
            format: Some(format),
            time: Some(time),
            ..Default::default()
        };
        self.add(line, &info);
    }

    fn add(&mut self, line: u64, info: &LineInfo) {
        if let Some(f) = info.format {
            self.formats[f as usize] += 1;
        }
        self.wrappers |= info.wrappers;
        match info.class {
            LineClass::Other => self.not_etcd += 1,
            LineClass::BadJson => self.bad_json += 1,
            LineClass::UnknownRaft => self.unknown_raft += 1,
            _ => {}
        }
        if let Some(t) = info.time {
            if t.has_year {
                if self.first_year.is_none() {
                    self.first_year = Some((line, t.naive.year()));
                }
            } else if t.has_date {
                self.yearless = true;
            }
            if t.offset.is_none() {
                self.zoneless = true;
            }
        }
    }
}

/// A line a parser thread hands back.
enum Body {
    /// Parsed; with the raw text when `--raw` wants it.
    Parsed(LineInfo, Option<String>),
    /// The common case of a line with one event and no named writer stream, without the
    /// line's heap parts (freed on the parser thread, not across threads).
    One(LineEvent, Option<RawTime>, bool, Option<String>),
    /// To be parsed in order on the calling thread (CRI partial records and what may
    /// follow them).
    Raw(Vec<u8>),
}

/// What a parser thread made of a block.
#[derive(Default)]
struct Parsed {
    lines: u64,
    items: Vec<(u64, Body)>,
    tally: Tally,
    error: Option<io::Error>,
}

/// The text of a line with events, when `--raw` (or a quoting command) wants it.
fn raw_line(opts: &IngestOptions, line: &[u8], has_events: bool) -> Option<String> {
    (opts.keep_raw && has_events).then(|| String::from_utf8_lossy(line).into_owned())
}

/// Parse the lines of a block; only lines with events (or wanted samples) are kept.
fn parse_block(data: &[u8], st: &EnvState, opts: &IngestOptions) -> Parsed {
    let mut out = Parsed::default();
    let mut start = 0usize;
    let mut prev_partial = false;
    let mut wraps = rejoin::WrapTracker::default();
    while start < data.len() {
        let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
        let line = &data[start..end];
        start = end + 1;
        out.lines += 1;
        let n = out.lines;
        if line.len() > MAX_LINE {
            out.tally.too_long += 1;
            prev_partial = false;
            continue;
        }
        // A CRI partial record, the line after one, the lines of a hard-wrapped zap
        // record, and the first lines of the block (which may continue a record of the
        // block before) are joined in order.
        let partial = cri_partial(line);
        let wrapped = wraps.wrapped(line);
        if n <= rejoin::MAX_WRAP_LINES as u64 || prev_partial || partial || wrapped {
            out.items.push((n, Body::Raw(line.to_vec())));
            prev_partial = partial;
            continue;
        }
        // several zap records glued on one line: each is read
        if line.first() == Some(&b'{') {
            if let Some(pieces) = rejoin::split_glued(line) {
                for piece in pieces {
                    let info = parse_line(piece, st);
                    out.tally.add(n, &info);
                    if !info.events.is_empty() {
                        let raw = raw_line(opts, piece, true);
                        out.items.push((n, Body::Parsed(info, raw)));
                    }
                }
                continue;
            }
        }
        let info = match read_line(line, st) {
            parse::Read::Bulk(format, time, kind) => {
                out.tally.add_bulk(n, format, time);
                let ev = LineEvent {
                    node: None,
                    term: None,
                    kind,
                    node_is_subject: false,
                };
                let raw = raw_line(opts, line, true);
                out.items.push((n, Body::One(ev, Some(time), false, raw)));
                continue;
            }
            parse::Read::Line(info) => info,
        };
        out.tally.add(n, &info);
        if !info.events.is_empty() || (info.class == LineClass::UnknownRaft && opts.samples > 0) {
            let raw = raw_line(opts, line, !info.events.is_empty());
            let body = match info.events.len() {
                1 if info.stream.is_none() => {
                    let mut info = info;
                    let ev = info.events.pop().expect("one event");
                    Body::One(ev, info.time, info.coarse, raw)
                }
                _ => Body::Parsed(info, raw),
            };
            out.items.push((n, body));
        }
    }
    out
}

/// Run the pipeline over `reader`, handing each block's result to `consume` in order.
fn pipeline<R: BufRead + Send>(
    reader: R,
    threads: usize,
    st: &EnvState,
    opts: &IngestOptions,
    mut consume: impl FnMut(Parsed),
) {
    let parse_chunk = |chunk: Chunk| -> (Parsed, Option<Vec<u8>>) {
        match chunk {
            Chunk::Lines(d) => (parse_block(&d, st, opts), Some(d)),
            Chunk::TooLong => {
                let mut p = Parsed {
                    lines: 1,
                    ..Default::default()
                };
                p.tally.too_long = 1;
                (p, None)
            }
            Chunk::Failed(e) => (
                Parsed {
                    error: Some(e),
                    ..Default::default()
                },
                None,
            ),
        }
    };
    let mut br = BlockReader::new(reader);
    if threads <= 1 {
        let mut buf = Vec::new();
        while let Some(chunk) = br.next(std::mem::take(&mut buf)) {
            let (p, b) = parse_chunk(chunk);
            consume(p);
            buf = b.unwrap_or_default();
        }
        return;
    }
    let n_buf = threads * 2 + 2;
    let (work_tx, work_rx) = mpsc::sync_channel::<(u64, Chunk)>(n_buf);
    let work_rx = Mutex::new(work_rx);
    std::thread::scope(|s| {
        let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
        for _ in 0..n_buf {
            let _ = free_tx.send(Vec::new());
        }
        let (done_tx, done_rx) = mpsc::channel::<(u64, Parsed, Option<Vec<u8>>)>();
        s.spawn(move || {
            let mut seq = 0u64;
            while let Ok(buf) = free_rx.recv() {
                let Some(chunk) = br.next(buf) else { break };
                if work_tx.send((seq, chunk)).is_err() {
                    break;
                }
                seq += 1;
            }
        });
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            let parse_chunk = &parse_chunk;
            s.spawn(move || loop {
                let msg = work_rx.lock().map(|rx| rx.recv());
                let Ok(Ok((seq, chunk))) = msg else { break };
                let (p, b) = parse_chunk(chunk);
                if done_tx.send((seq, p, b)).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        let mut next = 0u64;
        let mut waiting = BTreeMap::new();
        for (seq, p, b) in done_rx {
            waiting.insert(seq, (p, b));
            while let Some((p, b)) = waiting.remove(&next) {
                consume(p);
                let _ = free_tx.send(b.unwrap_or_default());
                next += 1;
            }
        }
    });
}

/// One writer stream's attribution state.
#[derive(Default)]
struct Stream {
    current: Option<NodeId>,
    pending: Vec<usize>,
    /// Member of the latest line that named its writer.
    last: Option<NodeId>,
    /// Members whose lines named their writer in this stream.
    seen: BTreeSet<NodeId>,
    /// A member named again after another one, without a process start between: the
    /// members' lines are interleaved (a time-sorted merge), not concatenated, so a line
    /// that names no member cannot be tied to the latest one.
    interleaved: bool,
    /// Events that took their member from the stream, not from their own line.
    weak: Vec<usize>,
}

impl Stream {
    /// Note a line that names its writer.
    fn named(&mut self, node: NodeId) {
        if self.last.is_some_and(|l| l != node) && self.seen.contains(&node) {
            self.interleaved = true;
        }
        self.seen.insert(node);
        self.last = Some(node);
    }
}

struct Staged {
    line: u64,
    time: Option<RawTime>,
    coarse: bool,
    ev: LineEvent,
    node: Option<NodeId>,
    stream: usize,
    /// The member comes from the stream, not from the line.
    weak: bool,
    raw: Option<String>,
}

/// Seconds since the epoch as printed (zone applied when printed): enough to tell how
/// far apart two lines of one input are.
fn secs(t: &RawTime) -> i64 {
    t.naive.and_utc().timestamp() - i64::from(t.offset.unwrap_or(0))
}

/// Evidence that can fill a log (a struggling cluster logs one per slow request): kept
/// only near election activity.
fn bulk(k: &Kind) -> Option<&'static str> {
    match k {
        Kind::SlowApply { .. } | Kind::ReadIndexSlow => Some(k.name()),
        _ => None,
    }
}

/// The in-order half of reading an input.
struct Consumer<'o> {
    opts: &'o IngestOptions,
    st: EnvState,
    summary: InputSummary,
    line_no: u64,
    /// Events kept so far (times resolved at the end, when the year is known).
    events: Vec<Event>,
    /// Time of each event as printed.
    times: Vec<Option<RawTime>>,
    /// Raw line of each event (`--raw`).
    raw: RawLines,
    /// Index of the input.
    idx: u32,
    streams: Vec<Stream>,
    stream_ix: HashMap<Option<String>, usize>,
    /// Index of the stream of lines that name no writer, once seen.
    none_stream: Option<usize>,
    held: VecDeque<Staged>,
    /// Bulk lines not kept, per (member, minute as printed, kind).
    not_kept: BTreeMap<(Option<NodeId>, i64, &'static str), NotKeptCounter>,
    /// Time (seconds) of the latest election activity: bulk evidence within
    /// [`KEEP_AROUND_S`] of it is kept at once.
    anchor: Option<i64>,
    first_year: Option<(u64, i32)>,
    yearless: bool,
    formats: [u64; FORMATS.len()],
    wrappers: u16,
    error: Option<io::Error>,
    /// Hard-wrapped zap records being joined.
    rejoin: rejoin::Rejoin,
    /// Whether the lines come oldest or newest first, once told.
    order: Order,
}

/// Event lines waiting for their turn (see [`Order`]).
struct EventLine {
    line_no: u64,
    time: Option<RawTime>,
    coarse: bool,
    stream: Option<String>,
    events: Vec<LineEvent>,
    raw: Option<String>,
}

/// Event lines (with a time) looked at to tell the order of an input.
const ORDER_SNIFF: usize = 200;

/// The order of an input's lines. Exports are often newest first; attribution and the
/// model need them oldest first, so the first [`ORDER_SNIFF`] timed event lines are held
/// until the order is told. A newest-first input is then held whole (its event lines
/// only, not its other lines) and handed on reversed at its end.
enum Order {
    Telling(Vec<EventLine>),
    Oldest,
    Newest(Vec<EventLine>),
}

/// Times going down from one event line to the next, clearly more often than up: the
/// input is newest first. Small disorder is allowed (a shipper's or a merge's): a step
/// counts only beyond the precision of its times, so raft's whole-second lines among
/// microsecond ones (etcd 3.4 capnslog mode) do not count. Times of day without a date
/// (their day is placed later) do not tell.
fn newest_first(lines: &[EventLine]) -> bool {
    let ms = |t: &RawTime| {
        t.naive.and_utc().timestamp_millis() - i64::from(t.offset.unwrap_or(0)) * 1000
    };
    let times: Vec<(i64, bool)> = lines
        .iter()
        .filter_map(|l| {
            l.time
                .as_ref()
                .filter(|t| t.has_date)
                .map(|t| (ms(t), l.coarse))
        })
        .collect();
    let (mut down, mut up) = (0usize, 0usize);
    for w in times.windows(2) {
        let ((a, ca), (b, cb)) = (w[0], w[1]);
        let tol = if ca || cb { 999 } else { 0 };
        if b + tol < a {
            down += 1;
        } else if b > a + tol {
            up += 1;
        }
    }
    down >= 2 && down > 4 * up
}

impl Consumer<'_> {
    fn block(&mut self, p: Parsed) {
        let base = self.line_no;
        for (n, body) in p.items {
            if !matches!(body, Body::Raw(_)) && self.rejoin.is_open() {
                // the wrapped record ended without closing: its lines are read as they are
                self.flush_rejoin();
            }
            match body {
                Body::Parsed(info, raw) => self.line(base + n, info, raw),
                Body::One(ev, time, coarse, raw) => {
                    self.events_of(base + n, time, coarse, None, std::iter::once(ev), raw)
                }
                Body::Raw(bytes) => {
                    let Some(joined) = cri_join(&bytes, &mut self.st) else {
                        continue;
                    };
                    for (ln, rec) in self.rejoin.push(base + n, &joined) {
                        self.raw_record(ln, &rec);
                    }
                }
            }
        }
        self.tally(&p.tally, base);
        self.line_no = base + p.lines;
        if let Some(e) = p.error {
            self.error = Some(e);
        }
    }

    /// Read a line the parser threads left to the calling thread (CRI and wrapped
    /// records joined), each of its glued records.
    fn raw_record(&mut self, line_no: u64, line: &[u8]) {
        for info in parse::parse_records(line, &self.st) {
            let mut t = Tally::default();
            t.add(line_no, &info);
            self.tally(&t, 0);
            if info.class == LineClass::UnknownRaft || !info.events.is_empty() {
                let raw = raw_line(self.opts, line, !info.events.is_empty());
                self.line(line_no, info, raw);
            }
        }
    }

    fn flush_rejoin(&mut self) {
        for (ln, rec) in self.rejoin.flush() {
            self.raw_record(ln, &rec);
        }
    }

    fn tally(&mut self, t: &Tally, base: u64) {
        for (i, n) in t.formats.iter().enumerate() {
            self.formats[i] += n;
        }
        self.wrappers |= t.wrappers;
        for (k, n) in [
            ("not_etcd", t.not_etcd),
            ("bad_json", t.bad_json),
            ("unknown_raft_message", t.unknown_raft),
            ("too_long", t.too_long),
        ] {
            if n > 0 {
                *self.summary.skipped.entry(k).or_default() += n;
            }
        }
        if let Some((l, y)) = t.first_year {
            let l = base + l;
            if self.first_year.is_none_or(|(fl, _)| l < fl) {
                self.first_year = Some((l, y));
            }
        }
        self.yearless |= t.yearless;
        self.summary.assumed_zone |= t.zoneless;
    }

    fn line(&mut self, line_no: u64, info: LineInfo, raw: Option<String>) {
        if info.class == LineClass::UnknownRaft {
            if self.summary.unknown_samples.len() < self.opts.samples {
                if let Some(m) = info.msg {
                    self.summary.unknown_samples.push((line_no, m));
                }
            }
            return;
        }
        self.events_of(
            line_no,
            info.time,
            info.coarse,
            info.stream,
            info.events,
            raw,
        );
    }

    fn events_of(
        &mut self,
        line_no: u64,
        time: Option<RawTime>,
        coarse: bool,
        stream: Option<String>,
        events: impl IntoIterator<Item = LineEvent>,
        raw: Option<String>,
    ) {
        let (Order::Telling(held) | Order::Newest(held)) = &mut self.order else {
            // the usual case, without collecting the events
            return self.attribute(line_no, time, coarse, stream, events, raw);
        };
        held.push(EventLine {
            line_no,
            time,
            coarse,
            stream,
            events: events.into_iter().collect(),
            raw,
        });
        // lines without a time do not tell: stop holding them after a while
        let told = matches!(self.order, Order::Telling(ref v)
            if v.len() >= 4 * ORDER_SNIFF
                || v.iter().filter(|l| l.time.is_some()).count() >= ORDER_SNIFF);
        if told {
            self.tell_order();
        }
    }

    /// A held line, handed on as it was read.
    fn attribute_held(&mut self, l: EventLine) {
        self.attribute(l.line_no, l.time, l.coarse, l.stream, l.events, l.raw);
    }

    /// Decide the order from the lines held; oldest first, hand them on now.
    fn tell_order(&mut self) {
        if !matches!(self.order, Order::Telling(_)) {
            return;
        }
        let Order::Telling(held) = std::mem::replace(&mut self.order, Order::Oldest) else {
            return;
        };
        if newest_first(&held) {
            self.summary.newest_first = true;
            self.order = Order::Newest(held);
        } else {
            for l in held {
                self.attribute_held(l);
            }
        }
    }

    /// At the end of the input: a newest-first input's lines, oldest first.
    fn end_order(&mut self) {
        self.tell_order();
        if let Order::Newest(held) = std::mem::replace(&mut self.order, Order::Oldest) {
            for l in held.into_iter().rev() {
                self.attribute_held(l);
            }
        }
    }

    /// Tie the events of a line to their member, in the order of the lines.
    fn attribute(
        &mut self,
        line_no: u64,
        time: Option<RawTime>,
        coarse: bool,
        stream: Option<String>,
        events: impl IntoIterator<Item = LineEvent>,
        raw: Option<String>,
    ) {
        let si = match (&stream, self.none_stream) {
            // the usual case, without a hash lookup: no wrapper names writers
            (None, Some(i)) => i,
            _ => {
                let n_streams = self.streams.len();
                let none = stream.is_none();
                let si = *self.stream_ix.entry(stream).or_insert(n_streams);
                if si == n_streams {
                    self.streams.push(Stream::default());
                }
                if none {
                    self.none_stream = Some(si);
                }
                si
            }
        };
        for ev in events {
            let mut node = ev.node;
            let strong = ev.node_is_subject || node.is_some();
            if strong {
                let s = &mut self.streams[si];
                if let Some(n) = node {
                    s.named(n);
                }
                let was_unknown = s.current.is_none();
                s.current = node;
                for &p in s.pending.iter() {
                    self.events[p].node = node;
                }
                s.pending.clear();
                if was_unknown {
                    for h in self.held.iter_mut() {
                        if h.stream == si && h.node.is_none() {
                            h.node = node;
                        }
                    }
                }
            }
            // a process start opens a new segment: its identity comes in later lines
            if matches!(ev.kind, Kind::ProcessStart { .. }) && node.is_none() {
                self.streams[si].current = None;
                self.streams[si].last = None;
            }
            let weak = node.is_none();
            if node.is_none() {
                node = self.streams[si].current;
            }
            let s = Staged {
                line: line_no,
                time,
                coarse,
                ev,
                node,
                stream: si,
                weak,
                raw: raw.clone(),
            };
            self.stage(s);
        }
    }

    /// Keep an event; bulk evidence waits to see whether election activity is near.
    fn stage(&mut self, s: Staged) {
        let t = s.time.as_ref().map(secs);
        match (bulk(&s.ev.kind), t) {
            (Some(_), Some(t)) if !self.near_anchor(t) => self.hold(s, t),
            (Some(_), _) => self.push(s),
            (None, t) => {
                while let Some(h) = self.held.pop_front() {
                    let near = match (t, h.time.as_ref().map(secs)) {
                        (Some(t), Some(ht)) => (ht - t).abs() <= KEEP_AROUND_S,
                        _ => true,
                    };
                    if near {
                        self.push(h);
                    } else {
                        self.drop_held(&h);
                    }
                }
                if let Some(t) = t {
                    self.anchor = Some(t);
                }
                self.push(s);
            }
        }
    }

    /// Within [`KEEP_AROUND_S`] of the latest election activity (either side: inputs
    /// made by `cat` of several logs go back in time).
    fn near_anchor(&self, t: i64) -> bool {
        self.anchor.is_some_and(|a| (t - a).abs() <= KEEP_AROUND_S)
    }

    fn hold(&mut self, h: Staged, t: i64) {
        while self
            .held
            .front()
            .and_then(|h| h.time.as_ref().map(secs))
            .is_some_and(|ht| ht < t - KEEP_AROUND_S)
            || self.held.len() >= MAX_HELD
        {
            let old = self.held.pop_front().expect("non-empty");
            self.drop_held(&old);
        }
        self.held.push_back(h);
    }

    fn drop_held(&mut self, h: &Staged) {
        if let Some(k) = bulk(&h.ev.kind) {
            *self.summary.evidence_not_kept.entry(k).or_default() += 1;
            let Some(t) = h.time else { return };
            let node = h.node.or(self.streams[h.stream].current);
            let took = match &h.ev.kind {
                Kind::SlowApply { took_ms, .. } => *took_ms,
                _ => None,
            };
            let c = self
                .not_kept
                .entry((node, secs(&t).div_euclid(60), k))
                .or_insert((0, None, h.line, t, t));
            c.0 += 1;
            c.1 = c.1.into_iter().chain(took).reduce(f64::max);
            c.4 = t;
        }
    }

    fn push(&mut self, s: Staged) {
        if s.node.is_none() {
            self.streams[s.stream].pending.push(self.events.len());
        }
        if s.weak {
            self.streams[s.stream].weak.push(self.events.len());
        }
        self.events.push(Event {
            ts: None,
            node: s.node,
            term: s.ev.term,
            kind: s.ev.kind,
            origin: Origin {
                input: self.idx,
                line: s.line,
            },
            coarse_ts: s.coarse,
        });
        self.times.push(s.time);
        if let Some(r) = s.raw {
            self.raw.push(&r);
        }
    }
}

/// The `--assume-tz FILE=ZONE` zone of the input named `name` (the last one given that
/// names it): `FILE` is its name, or its last path components (`n3.log`, `logs/n3.log`).
pub fn zone_of(zones: &[(String, Zone)], name: &str) -> Option<Zone> {
    zones
        .iter()
        .rev()
        .find(|(f, _)| names_input(f, name))
        .map(|(_, z)| *z)
}

/// Whether `file` (as given to `--assume-tz FILE=ZONE`) names the input `name`.
pub fn names_input(file: &str, name: &str) -> bool {
    name == file || std::path::Path::new(name).ends_with(file)
}

/// Read one input. Open errors are returned; read errors part-way are recorded in the
/// summary and the events before them kept.
pub fn read_input(idx: u32, src: &Source, opts: &IngestOptions) -> Result<InputResult, InputError> {
    read_input_with(idx, src, opts, threads(opts))
}

fn threads(opts: &IngestOptions) -> usize {
    match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// Read several inputs side by side (results in the order of `sources`).
pub fn read_inputs(
    sources: &[Source],
    opts: &IngestOptions,
) -> Vec<Result<InputResult, InputError>> {
    let threads = threads(opts);
    if sources.len() <= 1 || threads <= 1 {
        return sources
            .iter()
            .enumerate()
            .map(|(i, s)| read_input_with(i as u32, s, opts, threads))
            .collect();
    }
    let side_by_side = threads.min(sources.len());
    let per_input = (threads / side_by_side).max(1);
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Result<InputResult, InputError>>>> =
        sources.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..side_by_side {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(src) = sources.get(i) else { break };
                let r = read_input_with(i as u32, src, opts, per_input);
                if let Ok(mut slot) = results[i].lock() {
                    *slot = Some(r);
                }
            });
        }
    });
    results
        .into_iter()
        .zip(sources)
        .map(|(m, src)| {
            m.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| Err(InputError::read(src, io::Error::other("reading stopped"))))
        })
        .collect()
}

fn read_input_with(
    idx: u32,
    src: &Source,
    opts: &IngestOptions,
    threads: usize,
) -> Result<InputResult, InputError> {
    let own;
    let opts = match zone_of(&opts.zones, &src.name()) {
        Some(z) => {
            own = IngestOptions {
                assume_tz: z,
                ..opts.clone()
            };
            &own
        }
        None => opts,
    };
    let opened = input::open_counted(src, opts.progress.clone())?;
    let small = opened.size.is_some_and(|n| n < SMALL);
    let threads = if small { 1 } else { threads };
    let (mut r, error) = read_reader_inner(idx, opened.reader, opened.mtime, opts, threads);
    r.summary.name = src.name();
    r.summary.gzip = opened.gzip;
    // what was undone before the lines were parsed, named beside the wrappers
    r.summary.wrappers.extend(opened.encoding.name());
    r.summary
        .wrappers
        .extend(opened.export.map(crate::export::Export::name));
    if opened.escapes.load(Ordering::Relaxed) > 0 {
        r.summary.wrappers.insert("ansi-escapes");
    }
    r.summary.error = error.map(|e| InputError::read(src, e).to_string());
    Ok(r)
}

/// Read one input from a byte stream (already decompressed). `mtime` is the file's
/// modification time, used for the year of year-less timestamps; `threads` parser
/// threads are used (1: everything on the calling thread).
pub fn read_reader<R: BufRead + Send>(
    idx: u32,
    reader: R,
    mtime: Option<SystemTime>,
    opts: &IngestOptions,
    threads: usize,
) -> InputResult {
    let (mut r, error) = read_reader_inner(idx, reader, mtime, opts, threads);
    r.summary.error = error.map(|e| e.to_string());
    r
}

fn read_reader_inner<R: BufRead + Send>(
    idx: u32,
    reader: R,
    mtime: Option<SystemTime>,
    opts: &IngestOptions,
    threads: usize,
) -> (InputResult, Option<io::Error>) {
    let default_year = opts
        .year
        .unwrap_or_else(|| mtime.map(time::year_of).unwrap_or_else(time::current_year));
    let st = EnvState::new(default_year);
    let mut c = Consumer {
        opts,
        st: EnvState::new(default_year),
        summary: InputSummary::default(),
        line_no: 0,
        events: Vec::new(),
        times: Vec::new(),
        raw: RawLines::default(),
        idx,
        streams: Vec::new(),
        stream_ix: HashMap::new(),
        none_stream: None,
        held: VecDeque::new(),
        not_kept: BTreeMap::new(),
        anchor: None,
        first_year: None,
        yearless: false,
        formats: [0; FORMATS.len()],
        wrappers: 0,
        error: None,
        rejoin: rejoin::Rejoin::default(),
        order: Order::Telling(Vec::new()),
    };
    pipeline(reader, threads, &st, opts, |p| c.block(p));
    c.flush_rejoin();
    c.end_order();
    let error = c.error.take();
    (finish(c, mtime, default_year), error)
}

/// Dates for times of day whose date was not printed (capnslog lines cut by a paste):
/// the date of the input's dated lines, stepping a day forward when the clock goes back
/// by more than 12 hours (midnight); without any, 1970-01-01 until [`date_from_run`].
struct Days {
    /// Date of the first dated line of the input.
    base: Option<chrono::NaiveDate>,
    /// The latest time placed or read.
    last: Option<chrono::NaiveDateTime>,
    /// Time-only lines were seen.
    any: bool,
}

impl Days {
    fn new(times: &[Option<RawTime>]) -> Days {
        let base = times
            .iter()
            .flatten()
            .find(|t| t.has_year)
            .map(|t| t.naive.date());
        Days {
            base,
            last: None,
            any: false,
        }
    }

    fn dated(&mut self, t: &RawTime) {
        self.last = Some(t.naive);
    }

    fn place(&mut self, t: &RawTime) -> RawTime {
        self.any = true;
        let day = match (self.last, self.base) {
            (Some(l), _) => l.date(),
            (None, Some(b)) => b,
            (None, None) => time::clock_epoch(),
        };
        let mut at = day.and_time(t.naive.time());
        if self
            .last
            .is_some_and(|l| at < l - chrono::Duration::hours(12))
        {
            at += chrono::Duration::days(1);
        }
        self.last = Some(at);
        RawTime {
            naive: at,
            has_year: true,
            has_date: true,
            ..*t
        }
    }

    fn note(&self) -> Option<String> {
        if !self.any {
            return None;
        }
        Some(match self.base {
            Some(d) => format!("date {d} of time-only lines taken from other lines of the input"),
            None => "day unknown: time-only lines (no date printed) are placed on 1970-01-01"
                .to_string(),
        })
    }
}

/// Time-only inputs without any dated line take their date from the run's other
/// inputs (the day of their earliest event): their events move by whole days from
/// 1970-01-01, and their note says so.
pub fn date_from_run(results: &mut [InputResult]) {
    let earliest = results
        .iter()
        .filter(|r| !r.summary.day_unknown)
        .flat_map(|r| r.events.iter().filter_map(|e| e.ts))
        .min();
    for r in results.iter_mut().filter(|r| r.summary.day_unknown) {
        let Some(t) = earliest else { continue };
        let day = t.to_utc().date_naive();
        let shift = (day - time::clock_epoch()).num_days() * 86_400 * 1_000_000_000;
        for e in r.events.iter_mut() {
            if let Some(ts) = e.ts.as_mut() {
                ts.0 = ts.0.saturating_add(shift);
            }
        }
        r.summary.day_unknown = false;
        r.summary.year_note = Some(format!(
            "date {day} of time-only lines taken from the run's other inputs (their earliest event)"
        ));
    }
}

/// Sources and their members for the summary; in interleaved streams, events that took
/// their member from the stream are left unattributed rather than guessed.
fn attribute_sources(
    events: &mut [Event],
    streams: &[Stream],
    stream_ix: &HashMap<Option<String>, usize>,
    summary: &mut InputSummary,
) {
    for s in streams.iter().filter(|s| s.interleaved) {
        summary.interleaved = true;
        for &i in &s.weak {
            events[i].node = None;
        }
    }
    for (key, &i) in stream_ix {
        if let Some(k) = key {
            let nodes = summary.sources.entry(k.clone()).or_default();
            nodes.extend(streams[i].seen.iter().copied());
        }
    }
}

fn finish(mut c: Consumer<'_>, mtime: Option<SystemTime>, default_year: i32) -> InputResult {
    let opts = c.opts;
    while let Some(h) = c.held.pop_front() {
        c.drop_held(&h);
    }
    let mut summary = c.summary;
    if c.st.pending_partial() {
        // a CRI record whose final chunk never came (the file was cut)
        *summary.skipped.entry("unterminated_partial").or_default() += 1;
    }
    for (i, n) in c.formats.iter().enumerate() {
        if *n > 0 {
            summary.formats.insert(FORMATS[i].name(), *n);
        }
    }
    for w in Wrappers(c.wrappers).names() {
        summary.wrappers.insert(w);
    }
    // leftover pending events: the input never named its member after them
    for s in &c.streams {
        for &p in &s.pending {
            c.events[p].node = s.current;
        }
    }
    attribute_sources(&mut c.events, &c.streams, &c.stream_ix, &mut summary);
    let (year_base, note) = year_base(opts.year, c.first_year, mtime, default_year);
    if c.yearless {
        summary.year_note = Some(note);
    }
    let mut events = c.events;
    let mut days = Days::new(&c.times);
    date_events(&mut events, c.times, &mut days, year_base, opts.assume_tz);
    for e in &events {
        if let Some(n) = e.node {
            summary.nodes.insert(n);
        } else {
            summary.unattributed += 1;
        }
    }
    summary.not_kept_minutes = not_kept_minutes(&c.not_kept, year_base, opts.assume_tz);
    if let Some(note) = days.note() {
        summary.day_unknown = days.base.is_none();
        summary.year_note = Some(match summary.year_note.take() {
            Some(y) => format!("{y}; {note}"),
            None => note,
        });
    }
    let mut raw = c.raw;
    raw.finish();
    summary.lines = c.line_no;
    summary.events = events.len() as u64;
    InputResult {
        summary,
        events,
        raw,
    }
}

/// The year of lines that print none (journald, capnslog): `--year`, else the year of
/// the input's other lines, else the file's or the current year; and the note that
/// says which, shown when the input has such lines.
fn year_base(
    given: Option<i32>,
    first_year: Option<(u64, i32)>,
    mtime: Option<SystemTime>,
    default_year: i32,
) -> (i32, String) {
    match (given, first_year.map(|(_, y)| y)) {
        (Some(y), _) => (y, format!("year {y} from --year")),
        (None, Some(y)) => (y, format!("year {y} taken from other lines of the input")),
        (None, None) => (
            default_year,
            match mtime {
                Some(_) => format!("year {default_year} taken from the file's modification time (use --year to set it)"),
                None => format!("year {default_year} assumed (current year; use --year to set it)"),
            },
        ),
    }
}

/// Each event's instant: year-less lines take `year_base`, moving to the next year
/// where the months wrap from November or December to January or February; lines
/// without a date take the day of the lines around them.
fn date_events(
    events: &mut [Event],
    times: Vec<Option<RawTime>>,
    days: &mut Days,
    year_base: i32,
    tz: Zone,
) {
    let mut year = year_base;
    let mut last_month = 0u32;
    for (e, t) in events.iter_mut().zip(times) {
        e.ts = t.map(|t| {
            if !t.has_date {
                days.place(&t).instant(tz)
            } else if t.has_year {
                days.dated(&t);
                t.instant(tz)
            } else {
                let m = t.naive.month();
                if last_month >= 11 && m <= 2 {
                    year += 1; // crossed a year boundary
                }
                last_month = m;
                t.with_year(year).instant(tz)
            }
        });
    }
}

/// The per-minute counts of lines counted and not kept, with their times.
fn not_kept_minutes(
    not_kept: &BTreeMap<(Option<NodeId>, i64, &'static str), NotKeptCounter>,
    year_base: i32,
    tz: Zone,
) -> Vec<NotKeptMinute> {
    let at = |t: &RawTime| {
        if t.has_year {
            t.instant(tz)
        } else {
            t.with_year(year_base).instant(tz)
        }
    };
    not_kept
        .iter()
        .map(
            |(&(node, _, kind), (count, worst, line, first, last))| NotKeptMinute {
                node,
                kind,
                count: *count,
                worst_ms: *worst,
                first_line: *line,
                first_ts: at(first),
                last_ts: at(last),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_table_matches_declaration_order() {
        for (i, f) in FORMATS.iter().enumerate() {
            assert_eq!(*f as usize, i);
        }
    }

    fn lines_of(data: &[u8], block_reads: bool) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut br = BlockReader::new(data);
        let mut buf = Vec::new();
        while let Some(c) = br.next(std::mem::take(&mut buf)) {
            match c {
                Chunk::Lines(d) => {
                    let _ = block_reads;
                    for l in d.split(|c| *c == b'\n') {
                        out.push(l.to_vec());
                    }
                    if d.ends_with(b"\n") {
                        out.pop();
                    }
                    buf = d;
                }
                Chunk::TooLong => out.push(b"<too long>".to_vec()),
                Chunk::Failed(_) => out.push(b"<failed>".to_vec()),
            }
        }
        out
    }

    #[test]
    fn blocks_end_at_line_ends() {
        let mut data = Vec::new();
        for i in 0..300_000 {
            data.extend_from_slice(format!("line {i}\n").as_bytes());
        }
        data.extend_from_slice(b"last without newline");
        let lines = lines_of(&data, true);
        assert_eq!(lines.len(), 300_001);
        assert_eq!(lines[123_456], b"line 123456");
        assert_eq!(lines[300_000], b"last without newline");
    }

    #[test]
    fn over_long_lines_are_skipped_in_constant_memory() {
        let mut data = b"first\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', MAX_LINE + BLOCK * 3));
        data.extend_from_slice(b"\nafter\n");
        let lines = lines_of(&data, true);
        assert_eq!(
            lines,
            vec![b"first".to_vec(), b"<too long>".to_vec(), b"after".to_vec()]
        );
    }
}
