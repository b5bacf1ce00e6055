//! `tune_timers`: one piece of timer advice, whatever led to it, so that the values it
//! gives never contradict each other.
//!
//! Three findings can ask for other timers: leaders whose heartbeats were late (the
//! election timeout must outlast the worst lateness a live leader showed), an election
//! timeout under 5x the heartbeat (etcd's tuning guide), and a peer round-trip time
//! above the heartbeat interval (the heartbeat should be near the RTT, the election
//! timeout 10x it). Each gives a floor; the advice takes the highest of each timer, then
//! keeps the election timeout at 5x the heartbeat or more and at 50000 ms or less.
//!
//! The RTT comes from /metrics dumps, whose histograms are cumulative since the process
//! started: a link to or from a member that was paused or stalled carries that pause in
//! its figures (a paused peer answers late). Such links are left out: links whose
//! member or peer was the culprit of a stall election, a starved leader or a member with
//! a near miss. Of the rest, the highest mean (`_sum / _count`) is used, not the p99: the
//! heartbeat follows the usual round trip, not its tail.

use super::nice_ms;
use crate::event::Kind;
use crate::model::Analysis;
use crate::report::{Evidence, Recommendation};
use std::collections::BTreeSet;

/// What the timer advice is computed from.
pub(super) struct TimerInputs<'a> {
    /// Late heartbeats: (exceeded ms, event index).
    pub over: &'a [(f64, usize)],
    /// Terms caused by a stalled leader.
    pub stall_terms: Vec<u64>,
    /// Members whose RTT figures are left out (hex ids).
    pub stalled: BTreeSet<String>,
}

/// The highest mean RTT (ms) of a link between two members neither of which stalled:
/// (ms, "member -> peer"), and the links left out.
fn clean_rtt(a: &Analysis, stalled: &BTreeSet<String>) -> (Option<(f64, String)>, usize) {
    let Some(m) = &a.metrics else {
        return (None, 0);
    };
    let mut best: Option<(f64, String)> = None;
    let mut left_out = 0;
    for mem in &m.members {
        for p in &mem.peers {
            let Some(mean) = p.rtt.mean_seconds else {
                continue;
            };
            let touched =
                stalled.contains(&p.id) || mem.id.as_ref().is_some_and(|i| stalled.contains(i));
            if touched {
                left_out += 1;
                continue;
            }
            let ms = mean * 1000.0;
            if best.as_ref().is_none_or(|b| ms > b.0) {
                let peer = p.name.clone().unwrap_or_else(|| p.id.clone());
                best = Some((ms, format!("{} -> {peer}", mem.label())));
            }
        }
    }
    (best, left_out)
}

/// The timers in force and what the findings ask of them.
struct Plan {
    /// The highest heartbeat interval and the lowest election timeout logged (ms).
    hb_max: f64,
    et_min: f64,
    /// The heartbeat interval to set, and the least election timeout the findings allow.
    hb_new: u64,
    et_floor: u64,
    /// One clause per finding.
    why: Vec<String>,
    /// Members whose configuration is off.
    members: BTreeSet<String>,
}

/// The highest heartbeat interval and lowest election timeout the members logged.
fn timers_in_force(a: &Analysis) -> Option<(f64, f64)> {
    let nodes = &a.report.nodes;
    let hb = nodes.iter().filter_map(|n| n.heartbeat_interval_ms);
    let hb_max = hb.fold(0.0, f64::max);
    let et_min = nodes
        .iter()
        .filter_map(|n| n.election_timeout_ms)
        .fold(f64::INFINITY, f64::min);
    (hb_max > 0.0 && et_min.is_finite()).then_some((hb_max, et_min))
}

/// Late heartbeats: the election timeout must outlast the worst lateness by half again.
fn late_floor(plan: &mut Plan, worst: f64) {
    plan.et_floor = plan.et_floor.max(nice_ms(worst * 1.5));
    plan.why.push(format!(
        "the leader's heartbeats were up to {} late while the election timeout is {} ms: it must outlast that by half again",
        crate::time::human_ms(worst as i64),
        plan.et_min
    ));
}

/// An election timeout under 5x the heartbeat (etcd's tuning guide).
fn ratio_floor(plan: &mut Plan, a: &Analysis) {
    let (hb_max, et_min) = (plan.hb_max, plan.et_min);
    if et_min >= 5.0 * hb_max {
        return;
    }
    plan.et_floor = plan.et_floor.max(nice_ms(10.0 * hb_max));
    plan.why.push(format!("the election timeout ({et_min} ms) is below 5x the heartbeat interval ({hb_max} ms); etcd's tuning guide keeps it at 5 to 10 times the heartbeat"));
    plan.members.extend(
        a.report
            .nodes
            .iter()
            .filter(|n| n.election_timeout_ms.is_some_and(|e| e < 5.0 * hb_max))
            .map(|n| n.id.clone()),
    );
}

/// A peer round trip above the heartbeat: the heartbeat near the RTT, the election
/// timeout 10x it. Whether the RTT was used.
fn rtt_floor(plan: &mut Plan, rtt: Option<&(f64, String)>, skipped: &str) -> bool {
    let hb_max = plan.hb_max;
    let Some((ms, link)) = rtt.filter(|r| r.0 > hb_max) else {
        return false;
    };
    plan.hb_new = plan.hb_new.max(nice_ms(*ms));
    plan.et_floor = plan.et_floor.max(10 * nice_ms(*ms));
    plan.why.push(format!(
        "the mean peer round trip {link} is {ms:.1} ms, above the heartbeat interval ({hb_max} ms): the heartbeat should be near the RTT and the election timeout 10x it (etcd_network_peer_round_trip_time_seconds, the highest mean of the links){skipped}"
    ));
    true
}

/// The one `tune_timers` recommendation, when a finding calls for other timers.
pub(super) fn timer_advice(a: &Analysis, inp: &TimerInputs<'_>) -> Option<Recommendation> {
    let (hb_max, et_min) = timers_in_force(a)?;
    let mut plan = Plan {
        hb_max,
        et_min,
        hb_new: nice_ms(hb_max),
        et_floor: 0,
        why: Vec::new(),
        members: BTreeSet::new(),
    };
    let worst = inp.over.iter().map(|x| x.0).fold(0.0, f64::max);
    let late = worst > 0.0 && worst * 1.5 > et_min;
    if late {
        late_floor(&mut plan, worst);
    }
    ratio_floor(&mut plan, a);
    let (rtt, left_out) = clean_rtt(a, &inp.stalled);
    let left = format!(
        "{left_out} link(s) to or from {} left out (a paused or stalled member inflates them)",
        inp.stalled
            .iter()
            .map(|h| super::member_name(a, h))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let skipped = if left_out > 0 {
        format!("; {left}")
    } else {
        String::new()
    };
    let rtt_used = rtt_floor(&mut plan, rtt.as_ref(), &skipped);
    if plan.why.is_empty() {
        return None;
    }
    let et_new = plan.et_floor.max(5 * plan.hb_new).min(50_000);
    if plan.hb_new as f64 <= hb_max && et_new as f64 <= et_min {
        return None;
    }
    if let (Some((ms, link)), false) = (&rtt, rtt_used) {
        plan.why.push(format!(
            "the highest mean peer round trip is {ms:.1} ms ({link}), within the heartbeat{skipped}"
        ));
    } else if rtt.is_none() && left_out > 0 {
        plan.why.push(format!("no peer round trip is used: {left}"));
    }
    Some(recommendation(a, inp, plan, et_new, late))
}

/// The advice itself, from the plan.
fn recommendation(
    a: &Analysis,
    inp: &TimerInputs<'_>,
    plan: Plan,
    et_new: u64,
    late: bool,
) -> Recommendation {
    let Plan {
        hb_max,
        et_min,
        hb_new,
        ..
    } = plan;
    Recommendation {
        code: "tune_timers".into(),
        summary: format!(
            "set --heartbeat-interval={hb_new} --election-timeout={et_new} on every member (now {hb_max} / {et_min} ms){}: longer timeouts also mean longer leaderless windows when a leader really dies",
            if late { ", after fixing what made the leaders late" } else { "" }
        ),
        because: format!("computed from: {}", plan.why.join("; ")),
        members: plan.members.into_iter().collect(),
        terms: inp.stall_terms.clone(),
        actions: vec![
            format!("etcd --heartbeat-interval={hb_new} --election-timeout={et_new}   (the same on every member; keep election timeout >= 5x heartbeat and <= 50000)"),
            "ping -c 100 between the members to confirm the round-trip time (etcd_network_peer_round_trip_time_seconds)".into(),
        ],
        evidence: evidence(a, inp.over),
    }
}

/// The late heartbeats, else the timing configuration lines.
fn evidence(a: &Analysis, over: &[(f64, usize)]) -> Vec<Evidence> {
    let ev = |i: usize| Evidence::of(&a.events[i], &a.input_names);
    if !over.is_empty() {
        return over.iter().take(3).map(|(_, i)| ev(*i)).collect();
    }
    a.events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.kind, Kind::TimingConfig { .. }))
        .take(3)
        .map(|(i, _)| ev(i))
        .collect()
}
