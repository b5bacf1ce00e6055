//! Snapshot, compaction and defrag work next to a stall: what else the stalled member's
//! disk was doing. etcd logs these lines at `info` level, so an operator reading only
//! the warnings misses them; yet a defrag rewrites the whole db file and blocks the
//! member's writes, and a snapshot commits the backend and writes a .snap file, all on
//! the disk the WAL usually shares.

use super::{ev, member_name};
use crate::event::{hex, DiskWork, Kind, NodeId};
use crate::model::Analysis;
use crate::report::Recommendation;
use std::collections::{BTreeMap, BTreeSet};

/// Work that started or finished this close to a stall is named beside it.
const SLACK_NS: i64 = 1_000_000_000;

/// One piece of work on one member: `[from, to]` in ns and the lines that show it.
struct Span {
    node: NodeId,
    work: DiskWork,
    from: i64,
    to: i64,
    took_ms: Option<f64>,
    lines: Vec<usize>,
}

impl Span {
    /// A start line never closed: the work is known at that instant only.
    fn at(node: NodeId, work: DiskWork, t: i64, line: usize) -> Span {
        Span {
            node,
            work,
            from: t,
            to: t,
            took_ms: None,
            lines: vec![line],
        }
    }
}

/// The spans of every member's background disk work. An end line with a duration
/// covers that duration; one without (snapshots, capnslog defrags) is paired with the
/// member's last start line of the same work; a start never closed covers its instant.
fn spans(a: &Analysis) -> Vec<Span> {
    let mut open: BTreeMap<(NodeId, DiskWork), (i64, usize)> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, e) in a.events.iter().enumerate() {
        let Kind::DiskWork {
            work,
            started,
            took_ms,
        } = e.kind
        else {
            continue;
        };
        let (Some(node), Some(t)) = (e.node, e.ts) else {
            continue;
        };
        if started {
            if let Some((from, j)) = open.insert((node, work), (t.0, i)) {
                out.push(Span::at(node, work, from, j));
            }
            continue;
        }
        let start = open.remove(&(node, work));
        let from = match (took_ms, start) {
            (Some(ms), _) => t.0 - (ms * 1e6) as i64,
            (None, Some((s, _))) => s,
            (None, None) => t.0,
        };
        let mut lines: Vec<usize> = start.map(|(_, j)| j).into_iter().collect();
        lines.push(i);
        let took = took_ms.or_else(|| start.map(|(s, _)| (t.0 - s) as f64 / 1e6));
        out.push(Span {
            node,
            work,
            from,
            to: t.0,
            took_ms: took,
            lines,
        });
    }
    for ((node, work), (from, j)) in open {
        out.push(Span::at(node, work, from, j));
    }
    out
}

/// When each stalled member was in trouble: its slow syncs and late heartbeats (each
/// covering the time it measured) and, for the elections it caused, the election
/// timeout before the campaign.
fn stall_windows(a: &Analysis, rec: &Recommendation) -> Vec<(NodeId, i64, i64)> {
    let members: BTreeSet<NodeId> = rec
        .members
        .iter()
        .filter_map(|h| u64::from_str_radix(h, 16).ok())
        .collect();
    let mut out = Vec::new();
    for e in &a.events {
        let (Some(node), Some(t)) = (e.node, e.ts) else {
            continue;
        };
        let measured = match e.kind {
            Kind::SlowFsync { took_ms } => took_ms,
            Kind::HeartbeatOverrun { exceeded_ms, .. } => exceeded_ms,
            _ => continue,
        };
        if members.contains(&node) {
            out.push((node, t.0 - (measured.unwrap_or(0.0) * 1e6) as i64, t.0));
        }
    }
    let et_ns = |h: &str| {
        a.report
            .nodes
            .iter()
            .find(|n| n.id == h)
            .and_then(|n| n.election_timeout_ms)
            .map_or(1_000_000_000, |ms| (ms * 1e6) as i64)
    };
    // a set: on a storm the advice names tens of thousands of terms
    let terms: BTreeSet<u64> = rec.terms.iter().copied().collect();
    for t in a.report.terms.iter().filter(|t| terms.contains(&t.term)) {
        let culprit = t.cause.as_ref().and_then(|c| c.culprit.as_deref());
        let (Some(h), Some(start)) = (culprit, t.started_at) else {
            continue;
        };
        if let Some(node) = u64::from_str_radix(h, 16)
            .ok()
            .filter(|n| members.contains(n))
        {
            out.push((node, start.0 - 2 * et_ns(h), start.0));
        }
    }
    out
}

/// Each member's stall windows sorted by start, with the latest end so far: whether one
/// overlaps a span is a binary search, not a scan (a storm has a window per election
/// and a span per snapshot).
struct Overlaps(BTreeMap<NodeId, Vec<(i64, i64)>>);

impl Overlaps {
    fn new(windows: Vec<(NodeId, i64, i64)>) -> Overlaps {
        let mut by: BTreeMap<NodeId, Vec<(i64, i64)>> = BTreeMap::new();
        for (n, from, to) in windows {
            by.entry(n).or_default().push((from, to));
        }
        for v in by.values_mut() {
            v.sort_unstable();
            let mut latest = i64::MIN;
            for w in v.iter_mut() {
                latest = latest.max(w.1);
                w.1 = latest;
            }
        }
        Overlaps(by)
    }

    /// Whether a window of `node` meets [from, to].
    fn any(&self, node: NodeId, from: i64, to: i64) -> bool {
        let Some(v) = self.0.get(&node) else {
            return false;
        };
        // the windows starting by `to`; the latest end among them reaches `from`?
        let k = v.partition_point(|w| w.0 <= to);
        k > 0 && v[k - 1].1 >= from
    }
}

/// "a defrag of its db (took 4.5s)", "3 snapshots (longest 7ms)".
fn describe(work: DiskWork, spans: &[&Span]) -> String {
    let (one, many) = match work {
        DiskWork::Snapshot => ("saving a snapshot", "snapshots"),
        DiskWork::Compaction => ("a compaction", "compactions"),
        DiskWork::Defrag => ("a defrag of its db", "defrags of its db"),
    };
    let longest = spans
        .iter()
        .filter_map(|s| s.took_ms)
        .fold(None, |m: Option<f64>, t| Some(m.map_or(t, |m| m.max(t))));
    let human = |ms: f64| crate::time::human_ms(ms.round() as i64);
    match (spans.len(), longest) {
        (1, Some(ms)) => format!("{one} (took {})", human(ms)),
        (1, None) => one.to_string(),
        (n, Some(ms)) => format!("{n} {many} (longest {})", human(ms)),
        (n, None) => format!("{n} {many}"),
    }
}

/// Name the background disk work of the stalled members of `rec` (a `check_disk` or
/// `check_stall`) that ran during or next to their stalls: in `because`, as evidence,
/// and with what to change about it.
pub(super) fn name_disk_work(a: &Analysis, rec: &mut Recommendation) {
    let windows = Overlaps::new(stall_windows(a, rec));
    let near: Vec<Span> = spans(a)
        .into_iter()
        .filter(|s| windows.any(s.node, s.from - SLACK_NS, s.to + SLACK_NS))
        .collect();
    if near.is_empty() {
        return;
    }
    let mut by_member: BTreeMap<NodeId, BTreeMap<DiskWork, Vec<&Span>>> = BTreeMap::new();
    for s in &near {
        by_member
            .entry(s.node)
            .or_default()
            .entry(s.work)
            .or_default()
            .push(s);
    }
    let clauses: Vec<String> = by_member
        .iter()
        .map(|(n, works)| {
            let w: Vec<String> = works.iter().map(|(w, v)| describe(*w, v)).collect();
            format!(
                "{} was also busy with {}",
                member_name(a, &hex(*n)),
                w.join(", ")
            )
        })
        .collect();
    rec.because.push_str(&format!(
        "; at the time of the stall {}: background work that writes to the data dir and competes with the WAL for the disk unless the WAL has its own (--wal-dir)",
        clauses.join("; ")
    ));
    let works: BTreeSet<DiskWork> = near.iter().map(|s| s.work).collect();
    for w in works {
        rec.actions.push(action(w).into());
    }
    for s in &near {
        rec.evidence.extend(s.lines.iter().map(|&i| ev(a, i)));
    }
}

fn action(w: DiskWork) -> &'static str {
    match w {
        DiskWork::Defrag => "defragment one member at a time, the leader last and after `etcdctl move-leader` to another member, at a quiet hour: a defrag blocks the member's writes while it rewrites the db",
        DiskWork::Snapshot => "etcd saves a snapshot every --snapshot-count applied entries (a backend commit, a .snap file and a WAL record): keep the data dir on a disk that absorbs them without slowing the WAL",
        DiskWork::Compaction => "keep compactions small and steady (--auto-compaction-mode/--auto-compaction-retention) so that each one deletes few revisions",
    }
}

#[cfg(test)]
mod overlap_tests {
    use super::Overlaps;

    #[test]
    fn a_span_meets_a_window_of_its_member_only() {
        // a long window hidden behind a later-starting short one still counts
        let w = Overlaps::new(vec![(1, 0, 100), (1, 10, 20), (2, 500, 600)]);
        assert!(w.any(1, 50, 60), "inside the long window");
        assert!(w.any(1, 100, 200), "touching its end");
        assert!(!w.any(1, 101, 200), "after every window of 1");
        assert!(!w.any(1, -50, -1), "before every window of 1");
        assert!(!w.any(2, 50, 60), "member 2's window is elsewhere");
        assert!(w.any(2, 600, 700));
        assert!(!w.any(3, 0, 1000), "no window of member 3");
    }
}
