//! Rendering a [`MetricsReport`]: terminal tables, the JSON document, CSV.

use super::{LatencySummary, MemberReport, MetricsReport, Num, PeerReport};
use crate::sanitize::{csv_text, terminal};
use std::io::{self, Write};
use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Alignment, Style};

fn dash<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

/// Seconds as a human latency (`0.68 ms`, `12.5 ms`, `150 ms`, `2.05 s`).
pub fn latency(s: Option<f64>) -> String {
    match s {
        None => "-".into(),
        Some(s) if !s.is_finite() => "-".into(),
        Some(s) if s >= 1.0 => format!("{s:.2} s"),
        Some(s) if s >= 0.1 => format!("{:.1} ms", s * 1e3),
        Some(s) if s >= 0.01 => format!("{:.1} ms", s * 1e3),
        Some(s) if s >= 0.001 => format!("{:.2} ms", s * 1e3),
        Some(s) => format!("{:.3} ms", s * 1e3),
    }
}

/// Bytes as `32.0 KiB`, `1.5 GiB`.
pub fn bytes(b: Option<f64>) -> String {
    let Some(b) = b.filter(|b| b.is_finite()) else {
        return "-".into();
    };
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b;
    let mut u = 0;
    while v >= 1024.0 && u < units.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{v:.0} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    }
}

/// Build a blank-style table; columns `right_from..right_to` (inclusive) are right-aligned.
fn render(b: Builder, right_from: usize, right_to: usize) -> String {
    let mut t = b.build();
    t.with(Style::blank());
    let n = t.count_columns();
    let end = (right_to + 1).min(n);
    if right_from < end {
        t.modify(Columns::new(right_from..end), Alignment::right());
    }
    t.to_string()
        .lines()
        .map(|l| l.trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

fn member_name(m: &MemberReport) -> String {
    terminal(&m.name.clone().unwrap_or_else(|| "?".into()))
}

fn leader_cell(m: &MemberReport) -> &'static str {
    match (m.is_leader, m.has_leader) {
        (Some(true), _) => "self",
        (_, Some(true)) => "yes",
        (_, Some(false)) => "NONE",
        _ => "-",
    }
}

fn rate_cell(m: &MemberReport) -> String {
    let Some(x) = &m.rates else {
        return "-".into();
    };
    let Some(count) = x.leader_changes else {
        return "-".into();
    };
    let span = crate::time::human_ms((x.seconds * 1e3) as i64);
    let basis = match (x.basis, x.restarted) {
        ("life", _) => "of life",
        (_, true) => "between dumps, restarted",
        _ => "between dumps",
    };
    match x.leader_changes_per_window {
        Some(pw) if x.seconds > x.window_seconds as f64 => format!(
            "{pw:.1} per {} ({count} in {span} {basis})",
            super::rules::prom_duration(x.window_seconds)
        ),
        _ => format!("{count} in {span} {basis}"),
    }
}

/// Terminal tables: members, proposals and disk, peers, flags, then the latest endpoint
/// status of each endpoint, the member list and notes.
pub fn write_table(r: &MetricsReport, w: &mut dyn Write) -> io::Result<()> {
    if r.members.is_empty() && r.status.is_empty() && r.member_list.is_empty() {
        writeln!(w, "no metrics dumps or status outputs read")?;
        return Ok(());
    }
    let mut sec = Sections::default();
    if !r.members.is_empty() {
        write_members(r, &mut sec, w)?;
        write_proposals(r, &mut sec, w)?;
        write_peers(r, &mut sec, w)?;
        write_flags(r, &mut sec, w)?;
    }
    if !r.status.is_empty() {
        write_status(r, &mut sec, w)?;
        write_status_summary(r, w)?;
    }
    if !r.member_list.is_empty() {
        write_member_list(r, &mut sec, w)?;
    }
    if !r.notes.is_empty() {
        writeln!(w)?;
    }
    for n in &r.notes {
        writeln!(w, "note: {}", terminal(n))?;
    }
    Ok(())
}

/// Section titles, with a blank line between sections.
#[derive(Default)]
struct Sections {
    started: bool,
}

impl Sections {
    fn start(&mut self, w: &mut dyn Write, title: &str) -> io::Result<()> {
        if self.started {
            writeln!(w)?;
        }
        self.started = true;
        writeln!(w, "{title}")
    }
}

/// Each member's identity, leader and database size from its /metrics dump.
fn write_members(r: &MetricsReport, sec: &mut Sections, w: &mut dyn Write) -> io::Result<()> {
    sec.start(w, "Members (from /metrics dumps)")?;
    let mut b = Builder::default();
    b.push_record([
        "MEMBER",
        "ID",
        "VERSION",
        "LEADER",
        "LEADER CHANGES",
        "RATE",
        "DB SIZE",
    ]);
    for m in &r.members {
        b.push_record([
            member_name(m),
            terminal(&dash(m.id.as_deref())),
            terminal(&dash(m.version.as_deref())),
            leader_cell(m).to_string(),
            dash(m.leader_changes_seen_total),
            rate_cell(m),
            bytes(m.db_total_size_in_bytes.map(|n| n.0)),
        ]);
    }
    writeln!(w, "{}", render(b, 4, 4))?;
    Ok(())
}

/// Each member's proposals, heartbeats and disk latencies.
fn write_proposals(r: &MetricsReport, sec: &mut Sections, w: &mut dyn Write) -> io::Result<()> {
    sec.start(w, "Proposals and disk")?;
    let mut b = Builder::default();
    b.push_record([
        "MEMBER",
        "FAILED",
        "PENDING",
        "APPLY GAP",
        "HB FAILURES",
        "SLOW APPLY",
        "WAL FSYNC P99",
        "COMMIT P99",
    ]);
    for m in &r.members {
        b.push_record([
            member_name(m),
            dash(m.proposals_failed_total),
            dash(m.proposals_pending),
            dash(m.proposals_commit_apply_gap),
            dash(m.heartbeat_send_failures_total),
            dash(m.slow_apply_total),
            latency(m.wal_fsync.p99_seconds),
            latency(m.backend_commit.p99_seconds),
        ]);
    }
    writeln!(w, "{}", render(b, 1, 99))?;
    Ok(())
}

/// Round trips and failures per peer, when the dumps have them.
fn write_peers(r: &MetricsReport, sec: &mut Sections, w: &mut dyn Write) -> io::Result<()> {
    let peers: Vec<(&MemberReport, &PeerReport)> = r
        .members
        .iter()
        .flat_map(|m| m.peers.iter().map(move |p| (m, p)))
        .collect();
    if peers.is_empty() {
        return Ok(());
    }
    sec.start(w, "Peers")?;
    let mut b = Builder::default();
    b.push_record([
        "MEMBER",
        "PEER",
        "PEER ID",
        "RTT COUNT",
        "RTT MEAN",
        "RTT P99",
        "SENT FAIL",
        "RECV FAIL",
    ]);
    for (m, p) in peers {
        b.push_record([
            member_name(m),
            terminal(&dash(p.name.as_deref())),
            terminal(&p.id),
            dash(p.rtt.count),
            latency(p.rtt.mean_seconds),
            latency(p.rtt.p99_seconds),
            dash(p.sent_failures_total),
            dash(p.received_failures_total),
        ]);
    }
    writeln!(w, "{}", render(b, 3, 99))?;
    Ok(())
}

/// The figures over their thresholds, or the thresholds when none is.
fn write_flags(r: &MetricsReport, sec: &mut Sections, w: &mut dyn Write) -> io::Result<()> {
    let flags: Vec<_> = r.flags().collect();
    if flags.is_empty() {
        sec.start(w, "Flags: none")?;
        writeln!(
            w,
            "(thresholds: WAL fsync p99 {}, backend commit p99 {}, peer RTT {}, {} leader changes per {})",
            latency(Some(r.thresholds.wal_fsync_p99_seconds)),
            latency(Some(r.thresholds.backend_commit_p99_seconds)),
            latency(Some(r.rtt_threshold_seconds)),
            r.thresholds.storm_threshold,
            super::rules::prom_duration(r.thresholds.storm_window_seconds)
        )?;
    } else {
        sec.start(w, "Flags")?;
        let mut b = Builder::default();
        b.push_record(["MEMBER", "FLAG", "VALUE", "THRESHOLD", "SUMMARY"]);
        for (m, f) in flags {
            let is_latency = matches!(
                f.code,
                "wal_fsync_slow" | "backend_commit_slow" | "peer_rtt_high"
            );
            let (v, t) = if is_latency {
                (latency(Some(f.value.0)), latency(Some(f.threshold.0)))
            } else {
                (
                    Num((f.value.0 * 10.0).round() / 10.0).to_string(),
                    f.threshold.to_string(),
                )
            };
            b.push_record([
                member_name(m),
                f.code.to_string(),
                v,
                t,
                terminal(&f.summary),
            ]);
        }
        writeln!(w, "{}", render(b, 2, 3))?;
    }

    Ok(())
}

/// The latest `endpoint status` of each endpoint.
fn write_status(r: &MetricsReport, sec: &mut Sections, w: &mut dyn Write) -> io::Result<()> {
    let latest = super::status::latest_per_endpoint(&r.status);
    let inputs: std::collections::BTreeSet<&str> =
        r.status.iter().map(|e| e.input.as_str()).collect();
    sec.start(
        w,
        &if inputs.len() > 1 {
            format!(
                "Endpoint status (latest of {} snapshots per endpoint)",
                inputs.len()
            )
        } else {
            "Endpoint status".to_string()
        },
    )?;
    let mut b = Builder::default();
    b.push_record([
        "ENDPOINT", "ID", "NAME", "LEADER", "TERM", "INDEX", "APPLIED", "DB SIZE", "ERRORS",
    ]);
    let name_of = |id: &str| -> String {
        r.status
            .iter()
            .find(|e| e.id.as_deref() == Some(id))
            .and_then(|e| e.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    for e in latest {
        b.push_record([
            terminal(&e.endpoint),
            terminal(&dash(e.id.as_deref())),
            terminal(&dash(e.name.as_deref())),
            match (&e.leader, e.is_leader) {
                (_, Some(true)) => "self".to_string(),
                (Some(l), _) => terminal(&name_of(l)),
                (None, _) => "-".into(),
            },
            dash(e.raft_term),
            dash(e.raft_index),
            dash(e.raft_applied_index),
            bytes(e.db_size_bytes.map(|b| b as f64)),
            terminal(&e.errors.join(", ")),
        ]);
    }
    writeln!(w, "{}", render(b, 4, 7))?;
    Ok(())
}

/// What the endpoints say together: the highest term, its leader, who disagrees.
fn write_status_summary(r: &MetricsReport, w: &mut dyn Write) -> io::Result<()> {
    let Some(s) = &r.status_summary else {
        return Ok(());
    };
    writeln!(
        w,
        "Highest term {}, leader {}{}",
        dash(s.term),
        terminal(&dash(s.leader.as_deref())),
        s.leader_name
            .as_ref()
            .map(|n| format!(" ({})", terminal(n)))
            .unwrap_or_default()
    )?;
    if !s.without_leader.is_empty() {
        writeln!(
            w,
            "Endpoints without a leader in their latest status: {}",
            terminal(&s.without_leader.join(", "))
        )?;
    }
    if !s.disagreeing.is_empty() {
        writeln!(
            w,
            "Endpoints that disagree about the leader at that term: {}",
            terminal(&s.disagreeing.join(", "))
        )?;
    }
    Ok(())
}

fn write_member_list(r: &MetricsReport, sec: &mut Sections, w: &mut dyn Write) -> io::Result<()> {
    sec.start(w, "Member list")?;
    let mut b = Builder::default();
    b.push_record(["ID", "NAME", "PEER URLS", "CLIENT URLS", "LEARNER"]);
    for m in &r.member_list {
        b.push_record([
            terminal(&m.id),
            terminal(&m.name),
            terminal(&m.peer_urls.join(",")),
            terminal(&m.client_urls.join(",")),
            yes_no(Some(m.is_learner)).to_string(),
        ]);
    }
    writeln!(w, "{}", render(b, 99, 99))?;

    Ok(())
}

/// The JSON document (`docs/metrics.md`), pretty-printed, with a final newline.
pub fn write_json(r: &MetricsReport, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, r).map_err(io::Error::other)?;
    writeln!(w)
}

/// The CSV columns, in order.
pub const CSV_HEADER: &[&str] = &[
    "kind",
    "member",
    "member_id",
    "input",
    "dump_time",
    "version",
    "has_leader",
    "is_leader",
    "leader_changes_seen_total",
    "proposals_failed_total",
    "proposals_pending",
    "proposals_committed_total",
    "proposals_applied_total",
    "proposals_commit_apply_gap",
    "heartbeat_send_failures_total",
    "slow_apply_total",
    "db_total_size_in_bytes",
    "wal_fsync_count",
    "wal_fsync_mean_seconds",
    "wal_fsync_p50_seconds",
    "wal_fsync_p90_seconds",
    "wal_fsync_p99_seconds",
    "backend_commit_count",
    "backend_commit_mean_seconds",
    "backend_commit_p50_seconds",
    "backend_commit_p90_seconds",
    "backend_commit_p99_seconds",
    "peer_id",
    "peer_name",
    "rtt_count",
    "rtt_mean_seconds",
    "rtt_p99_seconds",
    "sent_failures_total",
    "received_failures_total",
    "flags",
];

fn f(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| x.to_string())
        .unwrap_or_default()
}

fn n(v: Option<Num>) -> String {
    v.filter(|x| x.0.is_finite())
        .map(|x| x.to_string())
        .unwrap_or_default()
}

fn b(v: Option<bool>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn lat_cells(l: &LatencySummary) -> [String; 5] {
    [
        n(l.count),
        f(l.mean_seconds),
        f(l.p50_seconds),
        f(l.p90_seconds),
        f(l.p99_seconds),
    ]
}

/// CSV: one row per member (`kind` = `member`), then one per member and peer
/// (`kind` = `peer`, member columns other than the name/id/input left empty), all with
/// [`CSV_HEADER`]. Empty cells are unknown values.
pub fn write_csv(r: &MetricsReport, w: &mut dyn Write) -> io::Result<()> {
    let mut c = csv::Writer::from_writer(w);
    c.write_record(CSV_HEADER).map_err(io::Error::other)?;
    for m in &r.members {
        let mut row: Vec<String> = vec![
            "member".into(),
            csv_text(m.name.as_deref().unwrap_or_default()),
            csv_text(m.id.as_deref().unwrap_or_default()),
            csv_text(&m.input),
            m.dump_time.map(|t| t.rfc3339()).unwrap_or_default(),
            csv_text(m.version.as_deref().unwrap_or_default()),
            b(m.has_leader),
            b(m.is_leader),
            n(m.leader_changes_seen_total),
            n(m.proposals_failed_total),
            n(m.proposals_pending),
            n(m.proposals_committed_total),
            n(m.proposals_applied_total),
            n(m.proposals_commit_apply_gap),
            n(m.heartbeat_send_failures_total),
            n(m.slow_apply_total),
            n(m.db_total_size_in_bytes),
        ];
        row.extend(lat_cells(&m.wal_fsync));
        row.extend(lat_cells(&m.backend_commit));
        row.extend(std::iter::repeat_n(String::new(), 7));
        row.push(m.flags.iter().map(|f| f.code).collect::<Vec<_>>().join(";"));
        c.write_record(&row).map_err(io::Error::other)?;
    }
    for m in &r.members {
        for p in &m.peers {
            let mut row: Vec<String> = vec![
                "peer".into(),
                csv_text(m.name.as_deref().unwrap_or_default()),
                csv_text(m.id.as_deref().unwrap_or_default()),
                csv_text(&m.input),
            ];
            row.extend(std::iter::repeat_n(String::new(), 23));
            row.extend([
                csv_text(&p.id),
                csv_text(p.name.as_deref().unwrap_or_default()),
                n(p.rtt.count),
                f(p.rtt.mean_seconds),
                f(p.rtt.p99_seconds),
                n(p.sent_failures_total),
                n(p.received_failures_total),
                m.flags
                    .iter()
                    .filter(|f| f.peer.as_deref() == Some(p.id.as_str()))
                    .map(|f| f.code)
                    .collect::<Vec<_>>()
                    .join(";"),
            ]);
            c.write_record(&row).map_err(io::Error::other)?;
        }
    }
    c.flush()
}
