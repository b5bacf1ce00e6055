//! Member clocks from causality: how far each member's log clock is off, measured from
//! the Raft messages its lines show it received, before anything is ordered by time.
//!
//! A message is received after it was sent, so a line of member A that shows A received
//! something member B did (a vote request, B's higher term, B's leadership) gives, with
//! each clock reading its own line, `t_A - t_B = delay + (off(A) - off(B))`, where
//! `off(X)` is how far X's clock is ahead of true time: `off(A) - off(B) <= t_A - t_B`,
//! an upper bound. Pairs the other way round bound it from below, so each pair of
//! members gets an interval, closed over third members (difference constraints: the
//! tightest bounds are shortest paths). Its midpoint is the estimate (as NTP does: the
//! delays cancel when both directions are seen); an interval open on one side proves an
//! offset only when its closed side excludes agreement.
//!
//! The reference is the largest group of members whose clocks agree within the
//! tolerance, when it is a majority; with two members, the one whose lines carry their
//! zone. A member off by a whole or half number of hours (within [`ZONE_SLACK_MS`]) is a
//! zone mistake, a host that logs local time without a zone (`zone_offset`); any other
//! offset beyond the tolerance is `clock_skew`. On a capture where every member shares
//! one clock every offset is 0 and nothing is corrected.

use crate::event::{hex, Event, Kind, NodeId};
use crate::ingest::InputResult;
use crate::report::Anomaly;
use crate::time::human_ms;
use crate::time::Instant;
use std::collections::{BTreeMap, BTreeSet};

/// How far from a multiple of half an hour an offset may be and still be a zone mistake.
pub const ZONE_SLACK_MS: i64 = 2 * 60 * 1000;
const HALF_HOUR_MS: i64 = 30 * 60 * 1000;

/// Upper bounds on `off(a) - off(b)`: for each (later, earlier) pair of members, the
/// smallest `t_later - t_earlier` over the causal pairs, with how many pairs gave it.
pub type Bounds = BTreeMap<(NodeId, NodeId), (i64, usize)>;

/// What one member's lines prove about when other members did things (first times by
/// the doer's own clock), gathered in one pass.
#[derive(Default)]
struct Firsts {
    /// (member, term) → its first `became candidate` / `sent MsgVote` at that term.
    campaign: BTreeMap<(NodeId, u64), Instant>,
    /// (member, term) → its `became leader`.
    leader: BTreeMap<(NodeId, u64), Instant>,
    /// (voter, candidate, term) → the voter's first answer to its MsgVote.
    answer: BTreeMap<(NodeId, NodeId, u64), Instant>,
}

/// One observation: `later` saw at `at` (its clock) something `earlier` did in `term`.
enum Saw {
    Campaign(NodeId, u64),
    Leader(NodeId, u64),
    Answer(NodeId, NodeId, u64),
}

fn keep_min<K: Ord>(m: &mut BTreeMap<K, Instant>, k: K, t: Instant) {
    let slot = m.entry(k).or_insert(t);
    *slot = (*slot).min(t);
}

/// What the event proves its writer `n` saw of another member's doing.
fn saw(n: NodeId, term: u64, k: &Kind) -> Option<Saw> {
    match k {
        // the vote request reached n: the candidate had campaigned for that term
        Kind::VoteGranted {
            candidate,
            pre_vote: false,
        }
        | Kind::VoteRejected {
            candidate,
            pre_vote: false,
            ..
        } => Some(Saw::Campaign(*candidate, term)),
        Kind::TermBump { from, msg_type, .. } if msg_type == "MsgVote" => {
            Some(Saw::Campaign(*from, term))
        }
        Kind::LowerTermIgnored {
            from,
            msg_type,
            sender_term,
        } if msg_type == "MsgVote" => Some(Saw::Campaign(*from, *sender_term)),
        // a leader's message with its higher term, or the news of its election
        Kind::TermBump { from, msg_type, .. }
            if matches!(msg_type.as_str(), "MsgApp" | "MsgHeartbeat" | "MsgSnap") =>
        {
            Some(Saw::Leader(*from, term))
        }
        Kind::ElectedLeader { leader } | Kind::ChangedLeader { leader, .. } => {
            Some(Saw::Leader(*leader, term))
        }
        // the candidate received the voter's answer
        Kind::VoteResponse {
            from,
            pre_vote: false,
            ..
        } => Some(Saw::Answer(*from, n, term)),
        _ => None,
    }
    .filter(|s| match s {
        Saw::Campaign(x, _) | Saw::Leader(x, _) | Saw::Answer(x, _, _) => *x != n,
    })
}

/// The causal bounds among the members of `events` (events without a member or a time
/// are left out). A second-precision time (Go `log` raft lines) was cut down to its
/// second: as the later line of a pair it widens the bound by up to a second; as the
/// earlier one it only loosens it.
pub fn bounds<'a>(events: impl Iterator<Item = &'a Event> + Clone) -> Bounds {
    let usable = |e: &&Event| e.node.is_some() && e.ts.is_some();
    let mut f = Firsts::default();
    for e in events.clone().filter(usable) {
        let (Some(n), Some(t), term) = (e.node, e.ts, e.term.unwrap_or(0)) else {
            continue;
        };
        match &e.kind {
            Kind::BecameCandidate
            | Kind::VoteSent {
                pre_vote: false, ..
            } => keep_min(&mut f.campaign, (n, term), t),
            Kind::BecameLeader => keep_min(&mut f.leader, (n, term), t),
            Kind::VoteGranted {
                candidate,
                pre_vote: false,
            }
            | Kind::VoteRejected {
                candidate,
                pre_vote: false,
                ..
            } => keep_min(&mut f.answer, (n, *candidate, term), t),
            _ => {}
        }
    }
    let mut out = Bounds::new();
    for e in events.filter(usable) {
        let (Some(n), Some(t)) = (e.node, e.ts) else {
            continue;
        };
        let Some(s) = saw(n, e.term.unwrap_or(0), &e.kind) else {
            continue;
        };
        let (earlier, at) = match s {
            Saw::Campaign(x, term) => (x, f.campaign.get(&(x, term))),
            Saw::Leader(x, term) => (x, f.leader.get(&(x, term))),
            Saw::Answer(x, cand, term) => (x, f.answer.get(&(x, cand, term))),
        };
        let Some(at) = at else { continue };
        let gap = at.ms_until(t) + if e.coarse_ts { 999 } else { 0 };
        let slot = out.entry((n, earlier)).or_insert((gap, 0));
        slot.0 = slot.0.min(gap);
        slot.1 += 1;
    }
    out
}

/// Pairwise intervals of `off(a) - off(b)`, tightened through third members.
struct Intervals {
    ids: Vec<NodeId>,
    /// `up[i][j]`: upper bound on `off(ids[i]) - off(ids[j])` (None: unbounded).
    up: Vec<Vec<Option<i64>>>,
}

impl Intervals {
    fn new(b: &Bounds) -> Intervals {
        let ids: Vec<NodeId> = b
            .keys()
            .flat_map(|(x, y)| [*x, *y])
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let ix = |id: NodeId| ids.binary_search(&id).unwrap_or(0);
        let n = ids.len();
        let mut up = vec![vec![None; n]; n];
        for ((a, c), (gap, _)) in b {
            up[ix(*a)][ix(*c)] = Some(*gap);
        }
        let direct = up.clone();
        for k in 0..n {
            for i in 0..n {
                for j in 0..n {
                    if let (Some(x), Some(y)) = (up[i][k], up[k][j]) {
                        if up[i][j].is_none_or(|u| x + y < u) {
                            up[i][j] = Some(x + y);
                        }
                    }
                }
            }
        }
        // a cycle below zero: bounds that contradict each other (a clock that jumped
        // within a log); paths through it mean nothing, keep the direct bounds
        if (0..n).any(|i| up[i][i].is_some_and(|d| d < 0)) {
            up = direct;
        }
        Intervals { ids, up }
    }

    fn ix(&self, id: NodeId) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }

    /// Estimate of `off(a) - off(b)`: the interval's midpoint; with one side open, its
    /// closed side when that proves an offset beyond `tol`, else 0 (nothing shows one);
    /// None when nothing bounds it.
    fn relative(&self, a: NodeId, b: NodeId, tol: i64) -> Option<f64> {
        let (i, j) = (self.ix(a)?, self.ix(b)?);
        if i == j {
            return Some(0.0);
        }
        match (self.up[i][j], self.up[j][i].map(|u| -u)) {
            (Some(hi), Some(lo)) => Some((hi + lo) as f64 / 2.0),
            (Some(hi), None) => Some(if hi < -tol { hi as f64 } else { 0.0 }),
            (None, Some(lo)) => Some(if lo > tol { lo as f64 } else { 0.0 }),
            (None, None) => None,
        }
    }
}

/// Each member's clock offset (ms, positive = ahead) against the reference members,
/// with the number of reference members it was measured against; members that agree
/// with the reference, or that nothing measures, are left out.
pub fn estimate(b: &Bounds, tol: i64, zoned: &BTreeSet<NodeId>) -> BTreeMap<NodeId, (i64, usize)> {
    let iv = Intervals::new(b);
    let ids = iv.ids.clone();
    let agree = |a: NodeId, c: NodeId| {
        iv.relative(a, c, tol)
            .is_some_and(|x| x.abs() <= tol as f64)
    };
    let mut best: Vec<NodeId> = Vec::new();
    for a in &ids {
        let group: Vec<NodeId> = ids.iter().copied().filter(|c| agree(*a, *c)).collect();
        if group.len() > best.len() {
            best = group;
        }
    }
    if best.len() * 2 <= ids.len() {
        // no majority: with two members, the one whose lines name their zone
        let z: Vec<NodeId> = ids.iter().copied().filter(|i| zoned.contains(i)).collect();
        if ids.len() != 2 || z.len() != 1 {
            return BTreeMap::new();
        }
        best = z;
    }
    let mut out = BTreeMap::new();
    for id in ids.iter().filter(|i| !best.contains(i)) {
        let mut v: Vec<f64> = best
            .iter()
            .filter_map(|c| iv.relative(*id, *c, tol))
            .collect();
        if v.is_empty() {
            continue;
        }
        let o = median(&mut v).round() as i64;
        if o.abs() > tol {
            out.insert(*id, (o, v.len()));
        }
    }
    out
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// What an offset beyond the tolerance is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// A whole or half number of hours (`zone_ms`), plus `residual_ms`: a zone mistake.
    Zone {
        /// The multiple of half an hour.
        zone_ms: i64,
        /// What is left (within [`ZONE_SLACK_MS`]).
        residual_ms: i64,
    },
    /// Any other offset.
    Skew,
}

/// Classify an offset (ms) that is beyond the tolerance: a zone mistake when it is
/// within [`ZONE_SLACK_MS`] of a non-zero multiple of half an hour no larger than 14 h.
pub fn classify(offset_ms: i64) -> Class {
    let halves = (offset_ms as f64 / HALF_HOUR_MS as f64).round() as i64;
    let zone_ms = halves * HALF_HOUR_MS;
    let residual_ms = offset_ms - zone_ms;
    // zones run from UTC-12:00 to UTC+14:00: a difference of 14 h at most
    if halves != 0 && halves.abs() <= 28 && residual_ms.abs() <= ZONE_SLACK_MS {
        Class::Zone {
            zone_ms,
            residual_ms,
        }
    } else {
        Class::Skew
    }
}

/// One member's measured clock.
#[derive(Clone, Debug, PartialEq)]
pub struct Offset {
    /// The estimate against the reference (ms, positive = ahead).
    pub measured_ms: i64,
    /// Zone mistake or skew.
    pub class: Class,
    /// What the member's times are moved back by: the whole zone, plus the residual
    /// when it is beyond the tolerance (a skewed clock in a wrong zone).
    pub correction_ms: i64,
    /// Reference members it was measured against.
    pub against: usize,
    /// The member's inputs, and whether each one's times were read in an assumed zone.
    pub inputs: Vec<(String, bool)>,
}

/// The clocks of one cluster's members, measured before the model orders anything.
#[derive(Clone, Debug, Default)]
pub struct Clocks {
    /// Members whose clock is off, by member.
    pub offsets: BTreeMap<NodeId, Offset>,
    /// The tolerance used.
    pub tolerance_ms: i64,
}

impl Clocks {
    /// Measure the clocks of the members of `inputs`.
    pub fn measure(inputs: &[InputResult], tolerance_ms: i64) -> Clocks {
        let b = bounds(inputs.iter().flat_map(|i| i.events.iter()));
        // members whose times carry their zone: some input holds their lines with
        // every time zoned
        let zoned: BTreeSet<NodeId> = inputs
            .iter()
            .filter(|i| !i.summary.assumed_zone)
            .flat_map(|i| i.summary.nodes.iter().copied())
            .collect();
        let offsets = estimate(&b, tolerance_ms, &zoned)
            .into_iter()
            .map(|(id, (o, against))| {
                let class = classify(o);
                let correction_ms = match class {
                    Class::Zone {
                        zone_ms,
                        residual_ms,
                    } if residual_ms.abs() <= tolerance_ms => zone_ms,
                    _ => o,
                };
                let inputs = inputs
                    .iter()
                    .filter(|i| i.summary.nodes.contains(&id))
                    .map(|i| (i.summary.name.clone(), i.summary.assumed_zone))
                    .collect();
                let off = Offset {
                    measured_ms: o,
                    class,
                    correction_ms,
                    against,
                    inputs,
                };
                (id, off)
            })
            .collect();
        Clocks {
            offsets,
            tolerance_ms,
        }
    }

    /// The correction (ms) of a line written by `node`; lines without a member take
    /// that of `only`, the only member of their input.
    fn correction(&self, node: Option<NodeId>, only: Option<NodeId>) -> i64 {
        node.or(only)
            .and_then(|n| self.offsets.get(&n))
            .map_or(0, |o| o.correction_ms)
    }

    /// `t`, a time of a line written by `node` (see [`Clocks::correction`]), on the
    /// reference clock.
    pub fn corrected(&self, t: Instant, node: Option<NodeId>, only: Option<NodeId>) -> Instant {
        let c = self.correction(node, only);
        Instant(t.0.saturating_sub(c.saturating_mul(1_000_000)))
    }

    /// The member of an input that holds one member's lines only.
    pub fn only_member(inp: &InputResult) -> Option<NodeId> {
        (inp.summary.nodes.len() == 1)
            .then(|| inp.summary.nodes.iter().next().copied())
            .flatten()
    }

    /// Move every time of the measured members back onto the reference clock. Returns
    /// the correction applied per (input index, member) for `ts_logged`.
    pub fn apply(&self, inputs: &mut [InputResult]) -> BTreeMap<(u32, Option<NodeId>), i64> {
        let mut applied = BTreeMap::new();
        if self.offsets.is_empty() {
            return applied;
        }
        for inp in inputs.iter_mut() {
            let only = Clocks::only_member(inp);
            for e in inp.events.iter_mut() {
                let c = self.correction(e.node, only);
                if c != 0 {
                    e.ts = e.ts.map(|t| self.corrected(t, e.node, only));
                    applied.insert((e.origin.input, e.node), c);
                }
            }
            for k in inp.summary.not_kept_minutes.iter_mut() {
                k.first_ts = self.corrected(k.first_ts, k.node, only);
                k.last_ts = self.corrected(k.last_ts, k.node, only);
            }
        }
        applied
    }
}

impl Clocks {
    /// The anomalies (`zone_offset`, `clock_skew`) and the notes that say what was
    /// corrected; `corrected`: the times were moved (else `--no-clock-correction`).
    pub fn report(
        &self,
        corrected: bool,
        disp: &dyn Fn(NodeId) -> String,
    ) -> (Vec<Anomaly>, Vec<String>) {
        let mut anomalies = Vec::new();
        let mut notes = Vec::new();
        for (id, o) in &self.offsets {
            let (name, against) = (disp(*id), o.against);
            let measured = format!("measured from the messages it received and sent, against {against} member(s) whose clocks agree");
            let skew = |off: i64, what: &str| Anomaly {
                kind: "clock_skew".into(),
                summary: format!(
                    "the clock of member {name} is about {} {} the others{what} ({measured})",
                    human_ms(off.abs()),
                    if off > 0 { "ahead of" } else { "behind" },
                ),
                nodes: vec![hex(*id)],
                terms: Vec::new(),
                offset_ms: Some(off),
                hint: None,
            };
            match o.class {
                Class::Zone {
                    zone_ms,
                    residual_ms,
                } => {
                    anomalies.push(self.zone_anomaly(*id, &name, zone_ms, o, &measured));
                    if residual_ms.abs() > self.tolerance_ms {
                        anomalies.push(skew(residual_ms, " beyond its time-zone difference"));
                    }
                }
                Class::Skew => anomalies.push(skew(o.measured_ms, "")),
            }
            if corrected {
                notes.push(format!(
                    "member {name}'s clock corrected by {}: its times are moved by {} onto the others' clock for the timeline and every duration (--no-clock-correction keeps them as logged)",
                    signed(o.correction_ms),
                    signed(-o.correction_ms)
                ));
            }
        }
        (anomalies, notes)
    }

    fn zone_anomaly(
        &self,
        id: NodeId,
        name: &str,
        zone_ms: i64,
        o: &Offset,
        measured: &str,
    ) -> Anomaly {
        let zone = zone_str(zone_ms);
        let zoneless: Vec<&str> = o
            .inputs
            .iter()
            .filter(|(_, assumed)| *assumed)
            .map(|(n, _)| n.as_str())
            .collect();
        let (why, hint) = if zoneless.is_empty() {
            (
                "its lines carry a zone: the host's clock or zone setting is off by whole hours"
                    .to_string(),
                None,
            )
        } else {
            (
                "a host logging local time without a zone, read as UTC".to_string(),
                Some(
                    zoneless
                        .iter()
                        .map(|f| format!("--assume-tz {f}={zone}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            )
        };
        let fix = hint
            .as_deref()
            .map(|h| format!("; to read its times in that zone: {h}"))
            .unwrap_or_default();
        Anomaly {
            kind: "zone_offset".into(),
            summary: format!(
                "the times of member {name} are {} {} the others', a whole time-zone difference ({why}; {measured}){fix}",
                human_ms(zone_ms.abs()),
                if zone_ms > 0 { "ahead of" } else { "behind" },
            ),
            nodes: vec![hex(id)],
            terms: Vec::new(),
            offset_ms: Some(zone_ms),
            hint,
        }
    }
}

/// `+4h00m`, `-7.0s`.
fn signed(ms: i64) -> String {
    if ms < 0 {
        human_ms(ms)
    } else {
        format!("+{}", human_ms(ms))
    }
}

/// A zone offset as `--assume-tz` takes it: `-04:00`, `+05:30`.
pub fn zone_str(ms: i64) -> String {
    let mins = ms.abs() / 60_000;
    let sign = if ms < 0 { '-' } else { '+' };
    format!("{sign}{:02}:{:02}", mins / 60, mins % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: NodeId = 0xa;
    const B: NodeId = 0xb;
    const C: NodeId = 0xc;

    fn ev(node: NodeId, ms: i64, term: u64, kind: Kind) -> Event {
        Event {
            ts: Some(Instant(ms * 1_000_000)),
            node: Some(node),
            term: Some(term),
            ..Event::of(kind)
        }
    }

    /// An election of term `t` won by `x` at true time `at`, on clocks ahead by `off`:
    /// x campaigns, the others grant 5 ms later, x hears them 5 ms after that, becomes
    /// leader 1 ms later, and the others learn it 5 ms after that.
    fn election(
        x: NodeId,
        others: &[NodeId],
        t: u64,
        at: i64,
        off: &dyn Fn(NodeId) -> i64,
    ) -> Vec<Event> {
        let mut v = vec![ev(x, at + off(x), t, Kind::BecameCandidate)];
        for o in others {
            v.push(ev(
                *o,
                at + 5 + off(*o),
                t,
                Kind::VoteGranted {
                    candidate: x,
                    pre_vote: false,
                },
            ));
            v.push(ev(
                x,
                at + 10 + off(x),
                t,
                Kind::VoteResponse {
                    from: *o,
                    granted: true,
                    pre_vote: false,
                },
            ));
        }
        v.push(ev(x, at + 11 + off(x), t, Kind::BecameLeader));
        for o in others {
            v.push(ev(
                *o,
                at + 16 + off(*o),
                t,
                Kind::ElectedLeader { leader: x },
            ));
        }
        v
    }

    fn run(
        off: &dyn Fn(NodeId) -> i64,
        zoned: &[NodeId],
        members: &[NodeId],
    ) -> BTreeMap<NodeId, (i64, usize)> {
        let mut evs = Vec::new();
        for (k, x) in members.iter().enumerate() {
            let others: Vec<NodeId> = members.iter().copied().filter(|o| o != x).collect();
            evs.extend(election(
                *x,
                &others,
                k as u64 + 2,
                10_000 * (k as i64 + 1),
                off,
            ));
        }
        let b = bounds(evs.iter());
        estimate(&b, 1000, &zoned.iter().copied().collect())
    }

    #[test]
    fn one_clock_gives_no_offset() {
        assert!(run(&|_| 0, &[], &[A, B, C]).is_empty());
    }

    #[test]
    fn a_member_four_hours_behind_is_measured_exactly() {
        // C's host writes local time at -04:00 without a zone; delays are 5 ms each way,
        // so the midpoints are exact
        let r = run(
            &|n| if n == C { -4 * 3_600_000 } else { 0 },
            &[],
            &[A, B, C],
        );
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[&C], (-14_400_000, 2));
        assert_eq!(
            classify(-14_400_000),
            Class::Zone {
                zone_ms: -14_400_000,
                residual_ms: 0
            }
        );
    }

    #[test]
    fn a_member_that_never_leads_is_measured_from_one_side() {
        // only A leads: C only receives, and B, A see nothing of C but its answers
        let off = |n| if n == C { 7_000 } else { 0 };
        let evs = election(A, &[B, C], 2, 10_000, &off);
        let r = estimate(&bounds(evs.iter()), 1000, &BTreeSet::new());
        // answers go both ways (C answers A, A hears it): midpoint of [7000-5, 7000+5]
        assert_eq!(r[&C], (7_000, 2));
    }

    #[test]
    fn an_open_interval_proves_only_what_its_closed_side_excludes() {
        // C learned A's leadership an hour late (it was down): one upper bound of +1h
        // is consistent with agreeing clocks, so no offset
        let v = [
            ev(A, 0, 2, Kind::BecameLeader),
            ev(C, 3_600_000, 2, Kind::ElectedLeader { leader: A }),
            ev(B, 5, 2, Kind::ElectedLeader { leader: A }),
        ];
        assert!(estimate(&bounds(v.iter()), 1000, &BTreeSet::new()).is_empty());
        // but learning it 4 hours before it happened proves C is behind
        let v = [
            ev(A, 14_400_000, 2, Kind::BecameLeader),
            ev(C, 3, 2, Kind::ElectedLeader { leader: A }),
            ev(B, 14_400_005, 2, Kind::ElectedLeader { leader: A }),
        ];
        let r = estimate(&bounds(v.iter()), 1000, &BTreeSet::new());
        assert_eq!(r[&C].0, -14_399_997);
    }

    #[test]
    fn two_members_need_a_zoned_reference() {
        let off = |n| if n == B { 2 * 3_600_000 } else { 0 };
        assert!(
            run(&off, &[], &[A, B]).is_empty(),
            "who is off cannot be told"
        );
        assert_eq!(run(&off, &[A], &[A, B])[&B].0, 7_200_000);
        assert_eq!(run(&off, &[B], &[A, B])[&A].0, -7_200_000);
    }

    #[test]
    fn zones_and_skews_are_told_apart() {
        assert_eq!(classify(5 * 60_000), Class::Skew);
        assert_eq!(classify(7_000), Class::Skew);
        assert_eq!(
            classify(-(5 * 3_600_000 + 30 * 60_000) + 90_000),
            Class::Zone {
                zone_ms: -19_800_000,
                residual_ms: 90_000
            }
        );
        // 3 minutes from a half hour is not a zone, nor a year (a year-less date placed
        // in the wrong year)
        assert_eq!(classify(33 * 60_000), Class::Skew);
        assert_eq!(classify(365 * 24 * 3_600_000), Class::Skew);
        assert_eq!(
            classify(14 * 3_600_000),
            Class::Zone {
                zone_ms: 14 * 3_600_000,
                residual_ms: 0
            }
        );
        assert_eq!(
            classify(28 * 60_000),
            Class::Zone {
                zone_ms: 1_800_000,
                residual_ms: -120_000
            }
        );
    }

    #[test]
    fn pre_votes_and_own_lines_are_not_pairs() {
        let v = [
            ev(A, 0, 2, Kind::BecameCandidate),
            ev(
                B,
                3_600_000,
                2,
                Kind::VoteGranted {
                    candidate: A,
                    pre_vote: true,
                },
            ),
            ev(A, 3_600_000, 2, Kind::ElectedLeader { leader: A }),
        ];
        assert!(bounds(v.iter()).is_empty());
    }

    #[test]
    fn a_second_precision_line_widens_its_bound_by_a_second() {
        let mut late = ev(B, 2_000, 2, Kind::ElectedLeader { leader: A });
        late.coarse_ts = true;
        let v = [ev(A, 2_400, 2, Kind::BecameLeader), late];
        // B's line was written between 2.000 and 2.999 s: at most 599 ms after A's
        assert_eq!(bounds(v.iter())[&(B, A)], (599, 1));
    }

    #[test]
    fn lower_term_and_higher_term_lines_pair_with_the_sender() {
        let v = [
            ev(A, 100, 3, Kind::BecameCandidate),
            ev(
                B,
                40,
                4,
                Kind::LowerTermIgnored {
                    from: A,
                    msg_type: "MsgVote".into(),
                    sender_term: 3,
                },
            ),
            ev(
                C,
                250,
                3,
                Kind::TermBump {
                    from: A,
                    msg_type: "MsgVote".into(),
                    old_term: 2,
                },
            ),
        ];
        let b = bounds(v.iter());
        assert_eq!(b[&(B, A)], (-60, 1));
        assert_eq!(b[&(C, A)], (150, 1));
    }
}
