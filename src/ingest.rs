//! Read one input into events: line loop, per-line parsing, node attribution
//! (design.md §1 "per-node state": raft lines by their subject ID, server lines by zap
//! `local-member-id` or by the node the input is tied to), and zone/year resolution.

use crate::error::InputError;
use crate::event::{Event, Kind, NodeId, Origin};
use crate::input::{self, Source, MAX_LINE};
use crate::parse::envelope::{cri_join, EnvState, Wrappers};
use crate::parse::{parse_line, LineClass, LineEvent};
use crate::time::{self, RawTime, Zone};
use chrono::Datelike;
use std::collections::{BTreeMap, BTreeSet};

/// Options that change how lines become events.
#[derive(Clone, Debug, Default)]
pub struct IngestOptions {
    /// Zone for zone-less timestamps.
    pub assume_tz: Zone,
    /// Year for year-less timestamps (journald short).
    pub year: Option<i32>,
    /// Keep the raw line of every event (`--raw`).
    pub keep_raw: bool,
    /// Keep up to this many samples of unrecognised raft lines per input (`-v`).
    pub samples: usize,
}

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
    /// How year-less timestamps got their year, when there were any.
    pub year_note: Option<String>,
    /// Zone-less timestamps were read in the assumed zone.
    pub assumed_zone: bool,
    /// Lines whose record was found after leading garbage (glued writes).
    pub glued: u64,
    /// Samples of raft lines with unknown text: (line, text).
    pub unknown_samples: Vec<(u64, String)>,
    /// Events left without a member (no identity line in the input).
    pub unattributed: u64,
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
    pub raw: Vec<String>,
}

struct Staged {
    line: u64,
    time: Option<RawTime>,
    coarse: bool,
    ev: LineEvent,
    node: Option<NodeId>,
}

/// Read one input. Open errors are returned; read errors part-way are recorded in the
/// summary and the events before them kept.
pub fn read_input(idx: u32, src: &Source, opts: &IngestOptions) -> Result<InputResult, InputError> {
    let mut opened = input::open(src)?;
    let mut summary = InputSummary {
        name: src.name(),
        gzip: opened.gzip,
        ..Default::default()
    };
    let default_year = opts.year.unwrap_or_else(|| {
        opened
            .mtime
            .map(time::year_of)
            .unwrap_or_else(time::current_year)
    });
    let mut st = EnvState::new(default_year);
    let mut staged: Vec<Staged> = Vec::new();
    let mut raw: Vec<String> = Vec::new();
    // attribution state per writer stream (one per input unless a wrapper names writers)
    let mut streams: std::collections::HashMap<Option<String>, (Option<NodeId>, Vec<usize>)> =
        std::collections::HashMap::new();
    let mut learned_year: Option<i32> = None;
    let mut yearless = false;
    let mut buf = Vec::with_capacity(4096);
    let mut line_no = 0u64;
    loop {
        let truncated = match input::read_line(opened.reader.as_mut(), &mut buf, MAX_LINE) {
            Ok(Some(t)) => t,
            Ok(None) => break,
            Err(e) => {
                summary.error = Some(InputError::read(src, e).to_string());
                break;
            }
        };
        line_no += 1;
        if truncated {
            *summary.skipped.entry("too_long").or_default() += 1;
            continue;
        }
        let Some(joined) = cri_join(&buf, &mut st) else {
            continue;
        };
        let info = parse_line(&joined, &st);
        if let Some(f) = info.format {
            *summary.formats.entry(f.name()).or_default() += 1;
        }
        for w in Wrappers(info.wrappers).names() {
            summary.wrappers.insert(w);
        }
        match info.class {
            LineClass::Other => *summary.skipped.entry("not_etcd").or_default() += 1,
            LineClass::BadJson => *summary.skipped.entry("bad_json").or_default() += 1,
            LineClass::UnknownRaft => {
                *summary.skipped.entry("unknown_raft_message").or_default() += 1;
                if summary.unknown_samples.len() < opts.samples {
                    if let Some(m) = &info.msg {
                        summary.unknown_samples.push((line_no, m.clone()));
                    }
                }
            }
            _ => {}
        }
        if let Some(t) = info.time {
            if t.has_year {
                learned_year.get_or_insert(t.naive.year());
            } else {
                yearless = true;
            }
            if t.offset.is_none() {
                summary.assumed_zone = true;
            }
        }
        if info.events.is_empty() {
            continue;
        }
        let raw_line = opts
            .keep_raw
            .then(|| String::from_utf8_lossy(&joined).into_owned());
        let (current, pending) = streams.entry(info.stream.clone()).or_default();
        for ev in info.events {
            let mut node = ev.node;
            let strong = ev.node_is_subject || node.is_some();
            if strong {
                *current = node;
                for &p in pending.iter() {
                    staged[p].node = node;
                }
                pending.clear();
            }
            // a process start opens a new segment: its identity comes in later lines
            if matches!(ev.kind, Kind::ProcessStart { .. }) && node.is_none() {
                *current = None;
            }
            if node.is_none() {
                node = *current;
            }
            if node.is_none() {
                pending.push(staged.len());
            }
            staged.push(Staged {
                line: line_no,
                time: info.time,
                coarse: info.coarse,
                ev,
                node,
            });
            if let Some(r) = &raw_line {
                raw.push(r.clone());
            }
        }
        if info.wrappers & Wrappers::PASTE != 0 {
            // nothing extra: paste decorations are only noted in `wrappers`
        }
    }
    if st.pending_partial() {
        // a CRI record whose final chunk never came (the file was cut)
        *summary.skipped.entry("unterminated_partial").or_default() += 1;
    }
    // leftover pending events: the input never named its member after them
    for (current, pending) in streams.values() {
        for &p in pending {
            staged[p].node = *current;
        }
    }
    // year for year-less timestamps
    let year_base = match (opts.year, learned_year) {
        (Some(y), _) => {
            if yearless {
                summary.year_note = Some(format!("year {y} from --year"));
            }
            y
        }
        (None, Some(y)) => {
            if yearless {
                summary.year_note = Some(format!("year {y} taken from other lines of the input"));
            }
            y
        }
        (None, None) => {
            if yearless {
                summary.year_note = Some(match opened.mtime {
                    Some(_) => format!("year {default_year} taken from the file's modification time (use --year to set it)"),
                    None => format!("year {default_year} assumed (current year; use --year to set it)"),
                });
            }
            default_year
        }
    };
    let mut events = Vec::with_capacity(staged.len());
    let mut year = year_base;
    let mut last_month = 0u32;
    for s in staged {
        let ts = s.time.map(|t| {
            if t.has_year {
                t.instant(opts.assume_tz)
            } else {
                let m = t.naive.month();
                if last_month >= 11 && m <= 2 {
                    year += 1; // crossed a year boundary
                }
                last_month = m;
                t.with_year(year).instant(opts.assume_tz)
            }
        });
        if let Some(n) = s.node {
            summary.nodes.insert(n);
        } else {
            summary.unattributed += 1;
        }
        events.push(Event {
            ts,
            node: s.node,
            term: s.ev.term,
            kind: s.ev.kind,
            origin: Origin {
                input: idx,
                line: s.line,
            },
            coarse_ts: s.coarse,
        });
    }
    summary.lines = line_no;
    summary.events = events.len() as u64;
    Ok(InputResult {
        summary,
        events,
        raw,
    })
}
