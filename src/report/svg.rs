//! The swimlane timeline of the HTML report: one lane per member over wall time, role
//! intervals coloured, elections marked with their term, cluster leaderless windows shaded
//! across all lanes, storm episodes bracketed, restarts and stops marked. Plain inline
//! SVG with `<title>` hover texts: no script, no external resource.

use crate::event::{Event, Kind, NodeId};
use crate::model::Analysis;
use crate::report::markdown::{led_terms, Led, ReportOptions};
use crate::report::{TermRow, Window};
use crate::sanitize::terminal;
use crate::time::{human_ms, human_span, Instant, Zone};
use std::collections::BTreeMap;
use std::fmt::Write as _;

mod aggregate;
use aggregate::Aggregate;

/// Escape text for HTML and SVG (text and attribute values), after making control
/// characters visible.
pub fn esc(s: &str) -> String {
    let s = terminal(s);
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What a member was doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    /// Follower (or starting up).
    Follower,
    /// Still leader by its own lines after the others had moved on (stalled, cut off).
    StaleLeader,
    /// Pre-vote round.
    PreCandidate,
    /// Campaigning.
    Candidate,
    /// Leading.
    Leader,
    /// Stopped, crashed, or its log has no lines (yet / any more / at all).
    Down,
    /// A whole storm episode of a report too dense to draw term by term.
    Storm,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Follower => "follower",
            Role::StaleLeader => "stale leader",
            Role::PreCandidate => "pre-candidate",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
            Role::Down => "down / not logging",
            Role::Storm => "storm episode",
        }
    }
    fn class(self) -> &'static str {
        match self {
            Role::Follower => "follower",
            Role::StaleLeader => "stale",
            Role::PreCandidate => "pre-candidate",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
            Role::Down => "down",
            Role::Storm => "storm",
        }
    }
    fn fill(self) -> &'static str {
        match self {
            Role::Follower => "#cfd8dc",
            Role::StaleLeader => "url(#rl-stale)",
            Role::PreCandidate => "#ffd54f",
            Role::Candidate => "#fb8c00",
            Role::Leader => "#2e7d32",
            Role::Down => "url(#rl-down)",
            Role::Storm => "url(#rl-storm)",
        }
    }
    /// Minimum width in pixels so that very short intervals stay visible.
    fn min_px(self) -> f64 {
        match self {
            Role::Follower | Role::Down => 0.0,
            Role::Candidate | Role::PreCandidate | Role::Storm => 4.0,
            _ => 2.5,
        }
    }
}

/// An interval of one role.
#[derive(Clone, Debug)]
pub(crate) struct Seg {
    pub from: Instant,
    pub to: Instant,
    pub role: Role,
    pub term: Option<u64>,
    pub note: String,
}

/// One member's lane.
#[derive(Clone, Debug)]
pub(crate) struct Lane {
    pub id: NodeId,
    pub name: String,
    pub hex: String,
    pub has_log: bool,
    pub segs: Vec<Seg>,
    pub restarts: Vec<Instant>,
    pub shutdowns: Vec<Instant>,
}

fn sorted(s: &[Instant]) -> Vec<Instant> {
    let mut v = s.to_vec();
    v.sort();
    v
}

/// Subtract the `down` intervals from a segment.
fn clip(seg: Seg, down: &[(Instant, Instant, String)]) -> Vec<Seg> {
    let mut parts = vec![seg];
    for (df, dt, _) in down {
        let mut next = Vec::new();
        for p in parts {
            if *dt <= p.from || *df >= p.to {
                next.push(p);
                continue;
            }
            if p.from < *df {
                next.push(Seg {
                    to: *df,
                    ..p.clone()
                });
            }
            if *dt < p.to {
                next.push(Seg { from: *dt, ..p });
            }
        }
        parts = next;
    }
    parts
}

/// Role intervals per member, from the merged events (`became_*`, process start and
/// stop, first and last line) and the term rows (when the cluster saw a term end).
pub(crate) fn lanes(a: &Analysis, t0: Instant, t1: Instant) -> Vec<Lane> {
    let r = &a.report;
    let term_end: BTreeMap<u64, Option<Instant>> =
        r.terms.iter().map(|x| (x.term, x.ended_at)).collect();
    let led = led_terms(a);
    let mut by_node: BTreeMap<NodeId, Vec<&Event>> = BTreeMap::new();
    for e in &a.events {
        if let (Some(n), Some(_)) = (e.node, e.ts) {
            by_node.entry(n).or_default().push(e);
        }
    }
    let mut out = Vec::new();
    for n in &r.nodes {
        let Ok(id) = u64::from_str_radix(&n.id, 16) else {
            continue;
        };
        let mut lane = Lane {
            id,
            name: a.name(id),
            hex: n.id.clone(),
            has_log: n.has_log,
            segs: Vec::new(),
            restarts: sorted(&n.restarts),
            shutdowns: sorted(&n.shutdowns),
        };
        let evs: Vec<&Event> = by_node.get(&id).cloned().unwrap_or_default();
        if !n.has_log || evs.is_empty() {
            lane.segs = unlogged_segs(&led, id, t0, t1);
            out.push(lane);
            continue;
        }
        let times = effective_times(&evs);
        let mut down = down_intervals(a, &lane, &times, t0, t1);
        let roles = role_segs(&lane, &evs, &times, &term_end, t1);
        down.sort_by_key(|d| d.0);
        for s in roles {
            lane.segs.extend(clip(s, &down));
        }
        for (f, t, note) in down {
            if t > f {
                lane.segs.push(Seg {
                    from: f,
                    to: t,
                    role: Role::Down,
                    term: None,
                    note,
                });
            }
        }
        out.push(lane);
    }
    out
}

/// The lane of a member whose log was not read: down throughout, with the terms the
/// others saw it lead.
fn unlogged_segs(led: &[Led], id: NodeId, t0: Instant, t1: Instant) -> Vec<Seg> {
    let mut segs = vec![Seg {
        from: t0,
        to: t1,
        role: Role::Down,
        term: None,
        note: "no log of this member was read".into(),
    }];
    for l in led.iter().filter(|l| l.leader == id) {
        segs.push(Seg {
            from: l.from,
            to: l.to,
            role: Role::Leader,
            term: Some(l.term),
            note: "inferred from the other members' lines".into(),
        });
    }
    segs
}

/// Effective (monotone) times of a member's own lines.
fn effective_times(evs: &[&Event]) -> Vec<Instant> {
    let mut times: Vec<Instant> = Vec::with_capacity(evs.len());
    let mut cur = Instant(i64::MIN);
    for e in evs {
        cur = cur.max(e.ts.unwrap_or(cur));
        times.push(cur);
    }
    times
}

/// When a member was down: before its first line, stopped or crashed until a restart,
/// and after its final stop or last line.
fn down_intervals(
    a: &Analysis,
    lane: &Lane,
    times: &[Instant],
    t0: Instant,
    t1: Instant,
) -> Vec<(Instant, Instant, String)> {
    let first = times[0];
    let last = *times.last().unwrap_or(&first);
    let mut down: Vec<(Instant, Instant, String)> = Vec::new();
    if first > t0 {
        down.push((t0, first, "no lines from this member yet".into()));
    }
    for rs in &lane.restarts {
        let prev_stop = lane
            .shutdowns
            .iter()
            .filter(|s| *s < rs)
            .max()
            .copied()
            .filter(|s| !lane.restarts.iter().any(|x| x > s && x < rs));
        match prev_stop {
            Some(s) => down.push((s, *rs, "stopped (shutdown) until it started again".into())),
            None => {
                // crashed: from its last line before the start (or the first time a
                // peer lost it) until the start
                let Some(from) = crash_start(a, lane.id, times, *rs) else {
                    continue;
                };
                down.push((
                    from,
                    *rs,
                    "crashed or killed: no shutdown line before it started again".into(),
                ));
            }
        }
    }
    let final_stop = lane
        .shutdowns
        .iter()
        .max()
        .copied()
        .filter(|s| !lane.restarts.iter().any(|x| x > s));
    match final_stop {
        Some(s) if s < t1 => down.push((s, t1, "stopped (shutdown)".into())),
        _ if last < t1 => down.push((last, t1, "no more lines from this member".into())),
        _ => {}
    }
    down
}

/// Where a crash began: the member's last line before `restart`, or the first time a
/// peer lost it after that line.
fn crash_start(a: &Analysis, id: NodeId, times: &[Instant], restart: Instant) -> Option<Instant> {
    let rs = &restart;
    let lastl = times.iter().filter(|t| *t < rs).max().copied()?;
    let seen_gone = a
        .events
        .iter()
        .filter(|e| e.node != Some(id))
        .filter(|e| match &e.kind {
            Kind::StreamLost { peer, .. }
            | Kind::PeerInactive { peer, .. }
            | Kind::PeerUnreachable { peer, .. } => *peer == Some(id),
            _ => false,
        })
        .filter_map(|e| e.ts)
        .filter(|t| *t > lastl && t < rs)
        .min();
    Some(seen_gone.unwrap_or(lastl))
}

/// Role intervals from the member's `became_*` lines and restarts, a leader's term cut
/// where the cluster saw it end (the rest drawn as stale leadership).
fn role_segs(
    lane: &Lane,
    evs: &[&Event],
    times: &[Instant],
    term_end: &BTreeMap<u64, Option<Instant>>,
    t1: Instant,
) -> Vec<Seg> {
    let first = times[0];
    let mut changes: Vec<(Instant, Role, Option<u64>)> = vec![(first, Role::Follower, None)];
    for (e, ts) in evs.iter().zip(times.iter()) {
        let role = match e.kind {
            Kind::BecameFollower | Kind::SteppedDown => Role::Follower,
            Kind::BecamePreCandidate => Role::PreCandidate,
            Kind::BecameCandidate => Role::Candidate,
            Kind::BecameLeader => Role::Leader,
            _ => continue,
        };
        changes.push((*ts, role, e.term));
    }
    for rs in &lane.restarts {
        changes.push((*rs, Role::Follower, None));
    }
    changes.sort_by_key(|c| c.0);
    let mut roles: Vec<Seg> = Vec::new();
    for (i, (from, role, term)) in changes.iter().enumerate() {
        let to = changes.get(i + 1).map(|c| c.0).unwrap_or(t1);
        if to <= *from && i + 1 < changes.len() {
            // zero-length: still worth showing a candidate/leader step
            if matches!(role, Role::Follower) {
                continue;
            }
        }
        let to = to.max(*from);
        if *role == Role::Leader {
            roles.extend(leader_segs(*from, to, *term, term_end));
        } else {
            roles.push(Seg {
                from: *from,
                to,
                role: *role,
                term: *term,
                note: String::new(),
            });
        }
    }
    roles
}

/// A leader's interval, cut where the cluster saw its term end.
fn leader_segs(
    from: Instant,
    to: Instant,
    term: Option<u64>,
    term_end: &BTreeMap<u64, Option<Instant>>,
) -> Vec<Seg> {
    let end = term.and_then(|t| term_end.get(&t).copied().flatten());
    let led = |from, to| Seg {
        from,
        to,
        role: Role::Leader,
        term,
        note: String::new(),
    };
    match end {
        Some(e) if e < to && e >= from => vec![
            led(from, e),
            Seg {
                from: e,
                to,
                role: Role::StaleLeader,
                term,
                note: "its own lines still say leader; the others had stopped following it".into(),
            },
        ],
        _ => vec![led(from, to)],
    }
}

const W: f64 = 1200.0;
const X0: f64 = 168.0;
const X1: f64 = 1184.0;
const LANE_H: f64 = 30.0;
const LANE_GAP: f64 = 8.0;

struct Scale {
    t0: i64,
    t1: i64,
}

impl Scale {
    fn x(&self, t: Instant) -> f64 {
        let f = (t.0.clamp(self.t0, self.t1) - self.t0) as f64 / (self.t1 - self.t0) as f64;
        X0 + f * (X1 - X0)
    }
}

fn offset_ms(z: Zone, t: Instant) -> i64 {
    match z {
        Zone::Utc => 0,
        Zone::Fixed(o) => o as i64 * 1000,
        Zone::Local => {
            use chrono::{Local, Offset, TimeZone};
            Local
                .offset_from_utc_datetime(&t.to_utc().naive_utc())
                .fix()
                .local_minus_utc() as i64
                * 1000
        }
    }
}

/// Tick step for a span: about 6 to 10 ticks, from 100 ms to 30 days.
pub(crate) fn tick_step(span_ms: i64) -> i64 {
    const S: i64 = 1000;
    const M: i64 = 60 * S;
    const H: i64 = 60 * M;
    const D: i64 = 24 * H;
    let steps = [
        100,
        200,
        500,
        S,
        2 * S,
        5 * S,
        10 * S,
        15 * S,
        30 * S,
        M,
        2 * M,
        5 * M,
        10 * M,
        15 * M,
        30 * M,
        H,
        2 * H,
        3 * H,
        6 * H,
        12 * H,
        D,
        2 * D,
        7 * D,
        14 * D,
        30 * D,
    ];
    steps
        .iter()
        .copied()
        .find(|s| span_ms / s <= 10)
        .unwrap_or(30 * D)
}

fn tick_label(z: Zone, t: Instant, step: i64) -> (String, String) {
    let full = z.display(t, 3); // YYYY-MM-DD HH:MM:SS.mmm
    let date = full[..10].to_string();
    let label = if step < 1000 {
        full[11..23].to_string()
    } else if step < 60_000 {
        full[11..19].to_string()
    } else if step < 86_400_000 {
        full[11..16].to_string()
    } else {
        full[5..10].to_string()
    };
    (label, date)
}

fn span_text(o: &ReportOptions, from: Instant, to: Instant) -> String {
    format!(
        "{} – {} ({})",
        o.tz.display(from, 3),
        o.tz.display(to, 3),
        human_ms(from.ms_until(to))
    )
}

/// Write the timeline SVG.
/// A thin orange bar at the foot of a member's lane for each of its near misses.
fn near_miss_marks(
    a: &Analysis,
    o: &ReportOptions,
    sc: &Scale,
    lane_y: &BTreeMap<NodeId, f64>,
    out: &mut String,
) {
    for nm in &a.report.near_misses {
        let Some(y) = u64::from_str_radix(&nm.node, 16)
            .ok()
            .and_then(|i| lane_y.get(&i))
        else {
            continue;
        };
        let x1 = sc.x(nm.from);
        let wd = (sc.x(nm.to) - x1).max(3.0);
        let title = format!(
            "near miss of {} {}: {}",
            a.name(u64::from_str_radix(&nm.node, 16).unwrap_or(0)),
            nm.when(|t| o.tz.display(t, 3)),
            nm.what()
        );
        let _ = writeln!(
            out,
            r##"<rect class="near-miss" x="{x1:.2}" y="{:.1}" width="{wd:.2}" height="4" fill="#fb8c00" fill-opacity="0.85"><title>{}</title></rect>"##,
            y + LANE_H - 4.0,
            esc(&title)
        );
    }
}

/// The legend entry of [`near_miss_marks`]: the same bar, and what it stands for.
fn near_miss_legend(x: f64, y: f64, out: &mut String) {
    let _ = write!(
        out,
        r##"<rect class="near-miss" x="{x:.1}" y="{:.1}" width="16" height="4" fill="#fb8c00" fill-opacity="0.85"/><text x="{:.1}" y="{y:.1}" font-size="11" fill="#37474f">near miss: health trouble that cost no election (hover for what and when)</text>"##,
        y - 4.0,
        x + 20.0,
    );
}

pub(crate) fn timeline(a: &Analysis, o: &ReportOptions, out: &mut String) {
    let r = &a.report;
    let (Some(from), Some(to)) = (r.summary.from, r.summary.to) else {
        out.push_str("<p>No timestamps: no timeline can be drawn.</p>\n");
        return;
    };
    let to = if to.0 <= from.0 {
        Instant(from.0 + 1_000_000_000)
    } else {
        to
    };
    let pad = ((to.0 - from.0) / 200).max(1);
    let t0 = Instant(from.0 - pad);
    let t1 = Instant(to.0 + pad);
    let mut lanes = lanes(a, t0, t1);
    let agg = Aggregate::of(a);
    if let Some(g) = &agg {
        lanes.iter_mut().for_each(|l| g.fold_lane(l));
    }
    let lay = layout(&lanes, !r.storms.is_empty(), t0, t1);
    let near_drawn = a
        .report
        .near_misses
        .iter()
        .any(|nm| u64::from_str_radix(&nm.node, 16).is_ok_and(|i| lay.lane_y.contains_key(&i)));
    // a second legend row for the storm aggregate and the near misses, when drawn
    let height = lay.legend_y
        + if agg.is_some() || near_drawn {
            44.0
        } else {
            26.0
        };
    svg_open(o, (from, to), height, agg.is_some(), out);
    let (step, ticks) = ticks(o.tz, t0, t1);
    for l in &lanes {
        draw_lane(o, &lay, l, out);
    }
    draw_grid(&lay, &ticks, out);
    near_miss_marks(a, o, &lay.sc, &lay.lane_y, out);
    leaderless_bands(o, &lay, agg.as_ref(), &r.leaderless, out);
    if let Some(g) = &agg {
        g.draw_bands(
            &r.leaderless,
            t1,
            &lay.sc,
            o,
            (lay.lanes_top - 3.0, lay.lanes_h + 6.0),
            out,
        );
        g.draw_marks(a, &lay.sc, lay.term_y, out);
    }
    elections(a, o, &lay, agg.as_ref(), out);
    storm_brackets(a, o, &lay, out);
    draw_axis(o, &lay, step, &ticks, out);
    legend(&lay, agg.is_some(), near_drawn, out);
    out.push_str("</g>\n</svg>\n");
}

/// Where everything goes: the time scale and the rows, top to bottom (storm brackets,
/// term labels, one lane per member, the axis, the legend).
struct Layout {
    sc: Scale,
    t1: Instant,
    storm_y: f64,
    term_y: f64,
    lanes_top: f64,
    lanes_h: f64,
    lanes_bottom: f64,
    axis_y: f64,
    legend_y: f64,
    lane_y: BTreeMap<NodeId, f64>,
}

fn layout(lanes: &[Lane], has_storms: bool, t0: Instant, t1: Instant) -> Layout {
    let term_y = if has_storms { 40.0 } else { 20.0 };
    let lanes_top = term_y + 8.0;
    let lanes_h = lanes.len() as f64 * (LANE_H + LANE_GAP) - LANE_GAP;
    let lanes_bottom = lanes_top + lanes_h.max(0.0);
    let axis_y = lanes_bottom + 6.0;
    Layout {
        sc: Scale { t0: t0.0, t1: t1.0 },
        t1,
        storm_y: 6.0,
        term_y,
        lanes_top,
        lanes_h,
        lanes_bottom,
        axis_y,
        legend_y: axis_y + 44.0,
        lane_y: lanes
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id, lanes_top + i as f64 * (LANE_H + LANE_GAP)))
            .collect(),
    }
}

/// The `<svg>` element, its title and the fill patterns.
fn svg_open(
    o: &ReportOptions,
    (from, to): (Instant, Instant),
    height: f64,
    agg: bool,
    out: &mut String,
) {
    let _ = writeln!(
        out,
        r##"<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height:.0}" width="100%" role="img" aria-label="Leadership timeline: one lane per member" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="12">"##
    );
    let _ = writeln!(
        out,
        r##"<title>Who led when: one lane per member, {} to {}</title>
<defs>
<pattern id="rl-down" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eceff1"/><line x1="0" y1="0" x2="0" y2="6" stroke="#90a4ae" stroke-width="2"/></pattern>
<pattern id="rl-stale" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#c8e6c9"/><line x1="0" y1="0" x2="0" y2="6" stroke="#2e7d32" stroke-width="2"/></pattern>
{}</defs>"##,
        esc(&o.tz.display(from, 3)),
        esc(&o.tz.display(to, 3)),
        if agg { Aggregate::PATTERN } else { "" }
    );
}

/// The tick step and the ticks, on round times of the report zone.
fn ticks(z: Zone, t0: Instant, t1: Instant) -> (i64, Vec<Instant>) {
    let step = tick_step(t1.0.saturating_sub(t0.0) / 1_000_000);
    let off = offset_ms(z, t0);
    let t0_ms = t0.0.div_euclid(1_000_000);
    let mut tick = ((t0_ms + off).div_euclid(step) + 1) * step - off;
    let mut ticks = Vec::new();
    while tick * 1_000_000 <= t1.0 && ticks.len() < 40 {
        ticks.push(Instant(tick * 1_000_000));
        tick += step;
    }
    (step, ticks)
}

/// One member's lane: background, name, role intervals, restarts and stops.
fn draw_lane(o: &ReportOptions, lay: &Layout, l: &Lane, out: &mut String) {
    let y = lay.lane_y[&l.id];
    let _ = writeln!(
        out,
        r##"<g class="lane" data-member="{}"><title>{}</title>"##,
        esc(&l.hex),
        esc(&format!(
            "{} ({}){}",
            l.name,
            l.hex,
            if l.has_log { "" } else { ": no log read" }
        ))
    );
    let _ = writeln!(
        out,
        r##"<rect x="{X0}" y="{y}" width="{:.1}" height="{LANE_H}" fill="#f5f7f8" stroke="#b0bec5" stroke-width="0.5"/>"##,
        X1 - X0
    );
    let label: String = l.name.chars().take(18).collect();
    let label = if l.name.chars().count() > 18 {
        format!("{label}…")
    } else {
        label
    };
    let _ = writeln!(
        out,
        r##"<text x="{:.0}" y="{:.1}" text-anchor="end" font-weight="600" fill="#263238">{}</text><text x="{:.0}" y="{:.1}" text-anchor="end" font-size="9.5" fill="#607d8b" font-family="ui-monospace, Menlo, Consolas, monospace">{}</text>"##,
        X0 - 8.0,
        y + 13.0,
        esc(&label),
        X0 - 8.0,
        y + 25.0,
        esc(&l.hex)
    );
    let mut segs: Vec<&Seg> = l.segs.iter().collect();
    segs.sort_by_key(|s| (s.role, s.from));
    for s in segs {
        draw_seg(o, &lay.sc, l, y, s, out);
    }
    lane_marks(o, &lay.sc, l, y, out);
    out.push_str("</g>\n");
}

/// One role interval of a lane, with its hover text.
fn draw_seg(o: &ReportOptions, sc: &Scale, l: &Lane, y: f64, s: &Seg, out: &mut String) {
    let x1 = sc.x(s.from);
    let x2 = sc.x(s.to);
    let mut w = x2 - x1;
    let mut x = x1;
    if w < s.role.min_px() {
        // very short: a visible mark that ends where the interval ends (a
        // campaign ends at the election mark, drawn just left of it)
        w = s.role.min_px();
        x = (x2 - w).max(X0).min(X1 - w);
    }
    if w <= 0.0 {
        return;
    }
    let what = match (s.role, s.term) {
        (Role::Leader, Some(t)) => format!("leader of term {t}"),
        (Role::StaleLeader, Some(t)) => format!("stale leader of term {t}"),
        (Role::Candidate, Some(t)) => format!("candidate for term {t}"),
        (Role::PreCandidate, Some(t)) => format!("pre-candidate at term {t}"),
        (Role::Follower, Some(t)) => format!("follower at term {t}"),
        (role, _) => role.name().to_string(),
    };
    let note = if s.note.is_empty() {
        String::new()
    } else {
        format!("; {}", s.note)
    };
    let (inset, h) = match s.role {
        Role::Follower => (7.0, LANE_H - 14.0),
        Role::PreCandidate => (4.0, LANE_H - 8.0),
        _ => (2.0, LANE_H - 4.0),
    };
    let _ = writeln!(
        out,
        r##"<rect class="seg {}" x="{x:.2}" y="{:.1}" width="{w:.2}" height="{h:.1}" fill="{}"><title>{}</title></rect>"##,
        s.role.class(),
        y + inset,
        s.role.fill(),
        esc(&format!(
            "{}: {what}, {}{note}",
            l.name,
            span_text(o, s.from, s.to)
        ))
    );
}

/// Restart and stop marks of a lane.
fn lane_marks(o: &ReportOptions, sc: &Scale, l: &Lane, y: f64, out: &mut String) {
    for rs in &l.restarts {
        let x = sc.x(*rs);
        let _ = writeln!(
            out,
            r##"<g class="restart"><title>{}</title><line x1="{x:.2}" y1="{:.1}" x2="{x:.2}" y2="{:.1}" stroke="#1565c0" stroke-width="2"/><path d="M{:.2} {:.1} l5 -8 l5 8 z" fill="#1565c0"/></g>"##,
            esc(&format!(
                "{} started again at {}",
                l.name,
                o.tz.display(*rs, 3)
            )),
            y,
            y + LANE_H,
            x - 5.0,
            y + LANE_H
        );
    }
    for sd in &l.shutdowns {
        let x = sc.x(*sd);
        let _ = writeln!(
            out,
            r##"<g class="shutdown"><title>{}</title><rect x="{:.2}" y="{:.1}" width="7" height="7" fill="#37474f"/></g>"##,
            esc(&format!(
                "{} was stopped at {} (its first stop line)",
                l.name,
                o.tz.display(*sd, 3)
            )),
            x - 3.5,
            y + LANE_H - 7.0
        );
    }
}

/// The grid lines over the lanes.
fn draw_grid(lay: &Layout, ticks: &[Instant], out: &mut String) {
    let (lanes_top, lanes_bottom) = (lay.lanes_top, lay.lanes_bottom);
    let sc = &lay.sc;
    for tk in ticks {
        let x = sc.x(*tk);
        let _ = writeln!(
            out,
            r##"<line class="grid" x1="{x:.2}" y1="{:.1}" x2="{x:.2}" y2="{:.1}" stroke="#263238" stroke-opacity="0.18" stroke-width="1"/>"##,
            lanes_top - 2.0,
            lanes_bottom + 2.0
        );
    }
}

/// Leaderless windows shaded across all lanes (those the storm aggregate does not draw).
fn leaderless_bands(
    o: &ReportOptions,
    lay: &Layout,
    agg: Option<&Aggregate>,
    windows: &[Window],
    out: &mut String,
) {
    let (sc, t1) = (&lay.sc, lay.t1);
    for w in windows {
        if agg.is_some_and(|g| g.covers_window(w, t1)) {
            continue;
        }
        let x1 = sc.x(w.from);
        let x2 = sc.x(w.to.unwrap_or(t1));
        let wd = (x2 - x1).max(3.0);
        let x = (x1 + (x2 - x1) / 2.0 - wd / 2.0).max(X0);
        let title = format!(
            "no leader for {} from {}{} (terms {}){}{}",
            w.duration_ms
                .map(|m| human_span(m, Some(w.from), w.to))
                .unwrap_or_else(|| "the rest of the logs".into()),
            o.tz.display(w.from, 3),
            w.to.map(|t| format!(" to {}", o.tz.display(t, 3)))
                .unwrap_or_default(),
            w.terms
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            w.started_by
                .as_deref()
                .map(|s| format!("; started by {}", s.replace('_', " ")))
                .unwrap_or_default(),
            if w.failed_requests > 0 {
                format!("; {} failed requests", w.failed_requests)
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            out,
            r##"<rect class="leaderless" x="{x:.2}" y="{:.1}" width="{wd:.2}" height="{:.1}" fill="#e53935" fill-opacity="0.28" stroke="#c62828" stroke-width="0.6" stroke-opacity="0.7"><title>{}</title></rect>"##,
            lay.lanes_top - 3.0,
            lay.lanes_h + 6.0,
            esc(&title)
        );
    }
}

/// An election mark per term (a dashed line per candidate when nobody won), the term
/// labelled when there is room.
fn elections(
    a: &Analysis,
    o: &ReportOptions,
    lay: &Layout,
    agg: Option<&Aggregate>,
    out: &mut String,
) {
    let mut last_label = f64::NEG_INFINITY;
    for row in &a.report.terms {
        if agg.is_some_and(|g| g.covers_term(row.term)) {
            continue;
        }
        let cause = row
            .cause
            .as_ref()
            .map(|c| {
                format!(
                    "; cause {}{}",
                    c.code,
                    c.culprit
                        .as_deref()
                        .and_then(|x| u64::from_str_radix(x, 16).ok())
                        .map(|x| format!(" (culprit {})", a.name(x)))
                        .unwrap_or_default()
                )
            })
            .unwrap_or_default();
        match (&row.leader, row.elected_at) {
            (Some(l), Some(at)) => {
                elected_mark(a, o, lay, (row, &cause), (l, at), &mut last_label, out)
            }
            (None, _) if !row.candidates.is_empty() => failed_campaign(a, o, lay, row, &cause, out),
            _ => {}
        }
    }
}

/// The mark of an election won: a line down to the winner's lane, and the term when
/// the last label is far enough to the left.
fn elected_mark(
    a: &Analysis,
    o: &ReportOptions,
    lay: &Layout,
    (row, cause): (&TermRow, &str),
    (l, at): (&String, Instant),
    last_label: &mut f64,
    out: &mut String,
) {
    let (sc, term_y) = (&lay.sc, lay.term_y);
    let Some(id) = u64::from_str_radix(l, 16).ok() else {
        return;
    };
    let Some(y) = lay.lane_y.get(&id) else { return };
    let x = sc.x(at);
    let title = format!(
        "term {}: {} elected at {}{}{}",
        row.term,
        a.name(id),
        o.tz.display(at, 3),
        row.election_ms
            .map(|m| {
                format!(
                    ", election took {}",
                    human_span(m, row.started_at, row.elected_at)
                )
            })
            .unwrap_or_default(),
        cause
    );
    let _ = write!(
        out,
        r##"<g class="election" data-term="{}"><title>{}</title><line x1="{x:.2}" y1="{:.1}" x2="{x:.2}" y2="{:.1}" stroke="#1b1b1b" stroke-width="1.6"/><path d="M{:.2} {:.1} l4 -6 l-8 0 z" fill="#1b1b1b"/>"##,
        row.term,
        esc(&title),
        term_y + 2.0,
        y + LANE_H,
        x,
        term_y + 2.0
    );
    if x - *last_label >= 22.0 {
        let _ = write!(
            out,
            r##"<text class="term-label" x="{x:.2}" y="{:.1}" text-anchor="middle" font-size="11" font-weight="600" fill="#1b1b1b">{}</text>"##,
            term_y - 6.0,
            row.term
        );
        *last_label = x;
    }
    out.push_str("</g>\n");
}

/// A campaign nobody won: a dashed line on each candidate's lane.
fn failed_campaign(
    a: &Analysis,
    o: &ReportOptions,
    lay: &Layout,
    row: &TermRow,
    cause: &str,
    out: &mut String,
) {
    let sc = &lay.sc;
    let Some(at) = row.started_at else { return };
    let x = sc.x(at);
    let names: Vec<String> = row
        .candidates
        .iter()
        .map(|c| {
            u64::from_str_radix(c, 16)
                .map(|i| a.name(i))
                .unwrap_or_else(|_| c.clone())
        })
        .collect();
    let _ = write!(
        out,
        r##"<g class="election-failed" data-term="{}"><title>{}</title>"##,
        row.term,
        esc(&format!(
            "term {}: campaign by {} at {}, no leader elected{}",
            row.term,
            names.join(", "),
            o.tz.display(at, 3),
            cause
        ))
    );
    for c in &row.candidates {
        let Some(y) = u64::from_str_radix(c, 16)
            .ok()
            .and_then(|i| lay.lane_y.get(&i))
        else {
            continue;
        };
        let _ = write!(
            out,
            r##"<line x1="{x:.2}" y1="{:.1}" x2="{x:.2}" y2="{:.1}" stroke="#e65100" stroke-width="1.4" stroke-dasharray="3 2"/>"##,
            y,
            y + LANE_H
        );
    }
    out.push_str("</g>\n");
}

/// A bracket over each storm episode, with what it was.
fn storm_brackets(a: &Analysis, o: &ReportOptions, lay: &Layout, out: &mut String) {
    let (sc, storm_y) = (&lay.sc, lay.storm_y);
    for st in &a.report.storms {
        let x1 = sc.x(st.from);
        let x2 = sc.x(st.to).max(x1 + 8.0);
        let y = storm_y + 12.0;
        let label = format!(
            "storm: {} unplanned leader changes in {} (terms {}–{})",
            st.elections,
            human_ms(st.from.ms_until(st.to)),
            st.first_term,
            st.last_term
        );
        let (tx, anchor) = if x1 > X0 + (X1 - X0) * 0.6 {
            (x2, "end")
        } else {
            (x1 + 2.0, "start")
        };
        let _ = writeln!(
            out,
            r##"<g class="storm"><title>{}</title><path d="M{x1:.2} {:.1} V{y:.1} H{x2:.2} V{:.1}" fill="none" stroke="#b71c1c" stroke-width="2"/><text x="{tx:.2}" y="{:.1}" text-anchor="{anchor}" font-size="11" font-weight="600" fill="#b71c1c">{}</text></g>"##,
            esc(&format!(
                "{label}, from {} to {}; leaderless {} during it",
                o.tz.display(st.from, 3),
                o.tz.display(st.to, 3),
                human_ms(st.leaderless_ms)
            )),
            y + 7.0,
            y + 7.0,
            y - 4.0,
            esc(&label)
        );
    }
}

/// The time axis with its tick labels, and the date under the first tick of each day.
fn draw_axis(o: &ReportOptions, lay: &Layout, step: i64, ticks: &[Instant], out: &mut String) {
    let (sc, axis_y) = (&lay.sc, lay.axis_y);
    let _ = writeln!(
        out,
        r##"<g class="axis"><line x1="{X0}" y1="{axis_y:.1}" x2="{X1}" y2="{axis_y:.1}" stroke="#455a64" stroke-width="1"/>"##
    );
    let mut prev_date = String::new();
    for tk in ticks {
        let x = sc.x(*tk);
        let (label, date) = tick_label(o.tz, *tk, step);
        let _ = write!(
            out,
            r##"<line x1="{x:.2}" y1="{axis_y:.1}" x2="{x:.2}" y2="{:.1}" stroke="#455a64"/><text x="{x:.2}" y="{:.1}" text-anchor="middle" font-size="11" fill="#37474f">{}</text>"##,
            axis_y + 5.0,
            axis_y + 17.0,
            esc(&label)
        );
        if date != prev_date && step < 86_400_000 {
            let _ = write!(
                out,
                r##"<text x="{x:.2}" y="{:.1}" text-anchor="middle" font-size="9.5" fill="#78909c">{}</text>"##,
                axis_y + 29.0,
                esc(&date)
            );
            prev_date = date;
        }
    }
    let _ = writeln!(
        out,
        r##"<text x="{:.0}" y="{:.1}" text-anchor="end" font-size="11" fill="#37474f">time ({})</text></g>"##,
        X0 - 8.0,
        axis_y + 17.0,
        esc(&o.tz.label())
    );
}

/// The legend: the roles and marks, then the aggregate and near miss rows when drawn.
fn legend(lay: &Layout, agg: bool, near_drawn: bool, out: &mut String) {
    let legend_y = lay.legend_y;
    let mut x = X0;
    let _ = write!(out, r##"<g class="legend">"##);
    let items: [(&str, &str, &str); 6] = [
        ("leader", "#2e7d32", ""),
        ("candidate", "#fb8c00", ""),
        ("pre-candidate", "#ffd54f", ""),
        ("follower", "#cfd8dc", ""),
        ("stale leader", "url(#rl-stale)", ""),
        ("down / not logging", "url(#rl-down)", ""),
    ];
    for (label, fill, _) in items {
        let _ = write!(
            out,
            r##"<rect x="{x:.1}" y="{:.1}" width="16" height="11" fill="{fill}" stroke="#90a4ae" stroke-width="0.5"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#37474f">{label}</text>"##,
            legend_y - 9.0,
            x + 20.0,
            legend_y
        );
        x += 28.0 + label.len() as f64 * 6.3;
    }
    let _ = write!(
        out,
        r##"<rect x="{x:.1}" y="{:.1}" width="16" height="11" fill="#e53935" fill-opacity="0.28" stroke="#c62828" stroke-width="0.6"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#37474f">no leader (cluster)</text>"##,
        legend_y - 9.0,
        x + 20.0,
        legend_y
    );
    x += 28.0 + 19.0 * 6.3;
    let _ = write!(
        out,
        r##"<path d="M{:.1} {:.1} l4 -6 l-8 0 z" fill="#1b1b1b"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#37474f">election (term)</text>"##,
        x + 6.0,
        legend_y - 1.0,
        x + 16.0,
        legend_y
    );
    x += 22.0 + 15.0 * 6.3;
    let _ = write!(
        out,
        r##"<path d="M{:.1} {:.1} l5 -8 l5 8 z" fill="#1565c0"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#37474f">restart</text><rect x="{:.1}" y="{:.1}" width="7" height="7" fill="#37474f"/><text x="{:.1}" y="{:.1}" font-size="11" fill="#37474f">stop</text>"##,
        x,
        legend_y + 1.0,
        x + 14.0,
        legend_y,
        x + 66.0,
        legend_y - 6.0,
        x + 78.0,
        legend_y
    );
    let mut x = X0;
    if agg {
        Aggregate::legend(X0, legend_y + 18.0, out);
        x += 480.0;
    }
    if near_drawn {
        near_miss_legend(x, legend_y + 18.0, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_adapt() {
        assert_eq!(tick_step(10_000), 1_000);
        assert_eq!(tick_step(40_000), 5_000);
        assert_eq!(tick_step(3_600_000), 600_000);
        assert_eq!(tick_step(30 * 86_400_000), 7 * 86_400_000);
    }

    #[test]
    fn escapes() {
        assert_eq!(
            esc("<img src=x onerror=alert(1)>\x1b[31m\"'&"),
            "&lt;img src=x onerror=alert(1)&gt;\\u{1b}[31m&quot;&#39;&amp;"
        );
    }
}
