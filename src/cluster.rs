//! One cluster at a time: the inputs of a run are grouped into clusters before the
//! model is built, so that the logs of unrelated clusters (two environments, two
//! tickets) are never merged into one history (docs/clusters.md).
//!
//! The unit is the input: an input is never split. The rule (`--cluster-by auto`):
//!
//! 1. Inputs are taken in order of their first timestamp.
//! 2. An input joins a group it is *linked* to — a cluster ID or a member (with its own
//!    lines or named by them: a vote, a leader, a peer) in common — unless something
//!    *contradicts* it with an input of the group: both name cluster IDs and none in
//!    common; or a member with its own lines in both goes back in term (a member's term
//!    is persisted, so a later line never shows a lower term: a lower one is another
//!    incarnation, a fresh data directory, i.e. another cluster with the same IDs, as
//!    every default-configured etcd has); or such a member wrote different raft lines
//!    over the same time span in both (one process writes one log; copies of a log,
//!    rotated files that overlap, agree line for line).
//! 3. Among several groups it may join: one sharing a cluster ID first, then one whose
//!    time span overlaps the input's, then the latest started.
//! 4. Otherwise it starts a new group.
//! 5. An input that names no member and no cluster ID (an unreadable input, one without
//!    etcd lines) joins the group whose time span overlaps its own, else the first.
//!
//! `--cluster-by id` keeps rules 1-5 without the term and time contradictions (cluster
//! IDs and member links alone); `--cluster-by input` makes each input its own cluster.

use crate::event::{Event, Kind, NodeId};
use crate::ingest::InputResult;
use crate::model::Analysis;
use crate::report::{InputRow, Report, Summary};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// How inputs are grouped into clusters (`--cluster-by`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClusterBy {
    /// Cluster IDs, member links, and terms and times that cannot belong together.
    #[default]
    Auto,
    /// Cluster IDs and member links only.
    Id,
    /// Each input is a cluster.
    Input,
}

/// What one member's own lines in one input show.
#[derive(Default)]
struct Own<'a> {
    /// Raft lines with a time and a term: (time ns, term), in file order.
    terms: Vec<(i64, u64)>,
    /// Time span of the raft lines.
    span: Option<(i64, i64)>,
    /// The raft lines, to tell a copy of the log from another log over the same span.
    lines: Vec<&'a Event>,
}

/// What an input shows about the cluster it belongs to.
#[derive(Default)]
struct Profile<'a> {
    cluster_ids: BTreeSet<String>,
    members: BTreeSet<NodeId>,
    own: BTreeMap<NodeId, Own<'a>>,
    span: Option<(i64, i64)>,
}

/// Members a line names besides its writer.
fn named(k: &Kind) -> Vec<NodeId> {
    match k {
        Kind::VoteSent { to, .. }
        | Kind::TransferStarted { to }
        | Kind::TransferAborted { to }
        | Kind::TimeoutNowSent { to } => vec![*to],
        Kind::VoteGranted { candidate, .. }
        | Kind::VoteRejected { candidate, .. }
        | Kind::VoteIgnored { candidate, .. } => vec![*candidate],
        Kind::VoteResponse { from, .. }
        | Kind::TermBump { from, .. }
        | Kind::LowerTermIgnored { from, .. }
        | Kind::TimeoutNowReceived { from } => vec![*from],
        Kind::ElectedLeader { leader }
        | Kind::LostLeader { leader }
        | Kind::ForgotLeader { leader } => vec![*leader],
        Kind::ChangedLeader { from, leader } => vec![*from, *leader],
        Kind::ConfigChange {
            voters, learners, ..
        } => voters.iter().chain(learners).copied().collect(),
        Kind::RaftBoot { peers, .. } => peers.clone(),
        Kind::MemberChange {
            member: Some(m), ..
        } => vec![*m],
        Kind::MemberIdentity(i) => i.member.into_iter().collect(),
        _ => Vec::new(),
    }
}

fn widen(span: &mut Option<(i64, i64)>, t: i64) {
    *span = Some(span.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
}

fn profile(events: &[Event]) -> Profile<'_> {
    let mut p = Profile::default();
    for e in events {
        if let Some(t) = e.ts {
            widen(&mut p.span, t.0);
        }
        p.members.extend(named(&e.kind));
        if let Kind::MemberIdentity(i) = &e.kind {
            p.cluster_ids.extend(i.cluster_id.iter().cloned());
        }
        let Some(n) = e.node else { continue };
        p.members.insert(n);
        // a log-conflict line prints the term of an entry, not the member's term
        if !e.kind.is_raft() || matches!(e.kind, Kind::LogConflict { .. }) {
            continue;
        }
        let Some(t) = e.ts else { continue };
        let own = p.own.entry(n).or_default();
        widen(&mut own.span, t.0);
        if let Some(term) = e.term {
            own.terms.push((t.0, term));
        }
        own.lines.push(e);
    }
    p
}

/// A line of `b` at a lower term than a line of `a` written strictly earlier.
fn term_goes_back(a: &Own, b: &Own) -> bool {
    let mut prior: Vec<(i64, u64)> = a.terms.clone();
    prior.sort_unstable();
    let mut running = Vec::with_capacity(prior.len());
    let mut max = 0;
    for (t, term) in &prior {
        max = max.max(*term);
        running.push((*t, max));
    }
    b.terms.iter().any(|(t, term)| {
        let before = running.partition_point(|(pt, _)| pt < t);
        before > 0 && running[before - 1].1 > *term
    })
}

/// Both logs hold raft lines of the member, inside the other's span, that the other
/// does not hold.
fn different_lines_meanwhile(a: &Own, b: &Own) -> bool {
    let (Some((alo, ahi)), Some((blo, bhi))) = (a.span, b.span) else {
        return false;
    };
    let (lo, hi) = (alo.max(blo), ahi.min(bhi));
    if lo > hi {
        return false;
    }
    // (time, term, content digest) of the lines inside the common span only: a member
    // in two unrelated inputs rarely overlaps, a copy overlaps whole
    let keys = |x: &Own| -> HashSet<(i64, Option<u64>, u64)> {
        x.lines
            .iter()
            .filter_map(|e| {
                let t = e.ts?.0;
                (lo..=hi)
                    .contains(&t)
                    .then(|| (t, e.term, crate::model::kind_digest(&e.kind)))
            })
            .collect()
    };
    let (ka, kb) = (keys(a), keys(b));
    !ka.is_subset(&kb) && !kb.is_subset(&ka)
}

fn contradicts(a: &Profile, b: &Profile, by: ClusterBy) -> bool {
    if !a.cluster_ids.is_empty()
        && !b.cluster_ids.is_empty()
        && a.cluster_ids.is_disjoint(&b.cluster_ids)
    {
        return true;
    }
    if by != ClusterBy::Auto {
        return false;
    }
    a.own.iter().any(|(n, x)| {
        b.own.get(n).is_some_and(|y| {
            term_goes_back(x, y) || term_goes_back(y, x) || different_lines_meanwhile(x, y)
        })
    })
}

/// What grouping reads of an input, hashed: equal for copies of one log.
fn fingerprint(p: &Profile) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    p.cluster_ids.hash(&mut h);
    p.members.hash(&mut h);
    p.span.hash(&mut h);
    for (n, own) in &p.own {
        n.hash(&mut h);
        for e in &own.lines {
            (
                e.ts.map(|t| t.0),
                e.term,
                crate::model::kind_digest(&e.kind),
            )
                .hash(&mut h);
        }
    }
    h.finish()
}

fn linked(a: &Profile, b: &Profile) -> bool {
    !a.cluster_ids.is_disjoint(&b.cluster_ids) || !a.members.is_disjoint(&b.members)
}

fn overlaps(a: Option<(i64, i64)>, b: Option<(i64, i64)>) -> bool {
    matches!((a, b), (Some((alo, ahi)), Some((blo, bhi))) if alo <= bhi && blo <= ahi)
}

/// Group the inputs of a run into clusters: each group lists input indexes in input
/// order; groups in order of their first timestamp. One group holds every input when
/// nothing tells clusters apart.
pub fn group(inputs: &[InputResult], by: ClusterBy) -> Vec<Vec<usize>> {
    if by == ClusterBy::Input || inputs.len() < 2 {
        return (0..inputs.len()).map(|i| vec![i]).collect();
    }
    let profiles: Vec<Profile> = inputs.iter().map(|i| profile(&i.events)).collect();
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by_key(|&i| (profiles[i].span.map_or(i64::MAX, |s| s.0), i));
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut spans: Vec<Option<(i64, i64)>> = Vec::new();
    let mut loose = Vec::new();
    // an exact copy of an input already placed goes where it went: it links to and
    // contradicts the same inputs, and comparing it with every input again makes a
    // directory of many copies (rotated duplicates, a bundle's mirrors) quadratic
    let mut placed: HashMap<u64, usize> = HashMap::new();
    for i in order {
        let p = &profiles[i];
        if p.members.is_empty() && p.cluster_ids.is_empty() {
            loose.push(i);
            continue;
        }
        let print = fingerprint(p);
        if let Some(&g) = placed.get(&print) {
            groups[g].push(i);
            continue;
        }
        let best = (0..groups.len())
            .filter(|&g| {
                groups[g].iter().any(|&j| linked(p, &profiles[j]))
                    && !groups[g].iter().any(|&j| contradicts(p, &profiles[j], by))
            })
            .max_by_key(|&g| {
                let same_id = groups[g]
                    .iter()
                    .any(|&j| !p.cluster_ids.is_disjoint(&profiles[j].cluster_ids));
                (same_id, overlaps(p.span, spans[g]), g)
            });
        let g = best.unwrap_or_else(|| {
            groups.push(Vec::new());
            spans.push(None);
            groups.len() - 1
        });
        groups[g].push(i);
        placed.insert(print, g);
        if let Some((lo, hi)) = p.span {
            widen(&mut spans[g], lo);
            widen(&mut spans[g], hi);
        }
    }
    if groups.is_empty() {
        groups.push(Vec::new());
        spans.push(None);
    }
    for i in loose {
        let g = (0..groups.len())
            .find(|&g| overlaps(profiles[i].span, spans[g]))
            .unwrap_or(0);
        groups[g].push(i);
    }
    for g in groups.iter_mut() {
        g.sort_unstable();
    }
    groups
}

/// The inputs of each group, in group order, with their events' input indexes made
/// dense within the group.
pub fn split(inputs: Vec<InputResult>, groups: &[Vec<usize>]) -> Vec<Vec<InputResult>> {
    let mut slots: Vec<Option<InputResult>> = inputs.into_iter().map(Some).collect();
    groups
        .iter()
        .map(|g| {
            g.iter()
                .enumerate()
                .filter_map(|(k, &i)| {
                    let mut r = slots.get_mut(i)?.take()?;
                    for e in r.events.iter_mut() {
                        e.origin.input = k as u32;
                    }
                    Some(r)
                })
                .collect()
        })
        .collect()
}

/// The analysis of a run of several clusters: the sections' rows together (inputs in
/// the order given, the other rows cluster by cluster), headline figures summed, and
/// the sections themselves for the renderers.
pub fn combine(sections: Vec<Analysis>, groups: &[Vec<usize>]) -> Analysis {
    let total = groups.iter().map(Vec::len).sum();
    let mut inputs: Vec<Option<InputRow>> = vec![None; total];
    let mut input_names = vec![String::new(); total];
    for (s, g) in sections.iter().zip(groups) {
        for (row, &i) in s.report.inputs.iter().zip(g) {
            input_names[i] = row.name.clone();
            inputs[i] = Some(row.clone());
        }
    }
    let mut notes = vec![format!(
        "the inputs hold {} clusters (docs/clusters.md): each is analysed on its own, and no finding spans two of them",
        sections.len()
    )];
    for (k, s) in sections.iter().enumerate() {
        notes.extend(
            s.report
                .summary
                .notes
                .iter()
                .map(|n| format!("cluster {}: {n}", k + 1)),
        );
    }
    let sum = |f: &dyn Fn(&Summary) -> u64| sections.iter().map(|s| f(&s.report.summary)).sum();
    let summary = Summary {
        from: sections.iter().filter_map(|s| s.report.summary.from).min(),
        to: sections.iter().filter_map(|s| s.report.summary.to).max(),
        members: sum(&|s| s.members),
        members_with_logs: sum(&|s| s.members_with_logs),
        terms_seen: sum(&|s| s.terms_seen),
        elections: sum(&|s| s.elections),
        leader_changes: sum(&|s| s.leader_changes),
        planned_transfers: sum(&|s| s.planned_transfers),
        leaderless_ms: sections
            .iter()
            .map(|s| s.report.summary.leaderless_ms)
            .sum(),
        longest_leaderless_ms: sections
            .iter()
            .filter_map(|s| s.report.summary.longest_leaderless_ms)
            .max(),
        notes,
        window: combined_window(&sections),
    };
    let report = Report {
        schema_version: crate::report::SCHEMA_VERSION,
        raftlog_version: env!("CARGO_PKG_VERSION").to_string(),
        summary,
        inputs: inputs.into_iter().flatten().collect(),
        nodes: sections
            .iter()
            .flat_map(|s| s.report.nodes.clone())
            .collect(),
        terms: sections
            .iter()
            .flat_map(|s| s.report.terms.clone())
            .collect(),
        leaderless: sections
            .iter()
            .flat_map(|s| s.report.leaderless.clone())
            .collect(),
        storms: sections
            .iter()
            .flat_map(|s| s.report.storms.clone())
            .collect(),
        anomalies: sections
            .iter()
            .flat_map(|s| s.report.anomalies.clone())
            .collect(),
        recommendations: sections
            .iter()
            .flat_map(|s| s.report.recommendations.clone())
            .collect(),
        near_misses: sections
            .iter()
            .flat_map(|s| s.report.near_misses.clone())
            .collect(),
        metrics: None,
        events: None,
    };
    Analysis {
        report,
        events: Vec::new(),
        raw: Default::default(),
        leader_after: Vec::new(),
        input_names,
        names: sections
            .iter()
            .flat_map(|s| s.names.iter().map(|(k, v)| (*k, v.clone())))
            .collect(),
        show_raw: false,
        clock_shifts: Default::default(),
        metrics: None,
        sections,
    }
}

/// The window's totals over every cluster (each section counted its own).
fn combined_window(sections: &[Analysis]) -> Option<crate::report::WindowSummary> {
    let windows: Vec<&crate::report::WindowSummary> = sections
        .iter()
        .filter_map(|s| s.report.summary.window.as_ref())
        .collect();
    let first = windows.first()?;
    let mut totals = crate::report::WindowTotals::default();
    for w in &windows {
        let t = &w.totals;
        totals.terms_seen += t.terms_seen;
        totals.elections += t.elections;
        totals.leader_changes += t.leader_changes;
        totals.planned_transfers += t.planned_transfers;
        totals.leaderless_windows += t.leaderless_windows;
        totals.leaderless_ms += t.leaderless_ms;
        totals.storms += t.storms;
        totals.anomalies += t.anomalies;
    }
    let mut nodes: Vec<String> = windows.iter().flat_map(|w| w.nodes.clone()).collect();
    nodes.sort();
    nodes.dedup();
    Some(crate::report::WindowSummary {
        since: first.since,
        until: first.until,
        totals,
        nodes,
        terms: first.terms.clone(),
        kinds: first.kinds.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Identity, Origin};
    use crate::time::Instant;

    const S: i64 = 1_000_000_000;

    /// A raft line of `node` at second `sec`, term `term`.
    fn raft(node: NodeId, sec: i64, term: u64, kind: Kind) -> Event {
        Event {
            ts: Some(Instant(sec * S)),
            node: Some(node),
            term: Some(term),
            origin: Origin { input: 0, line: 1 },
            ..Event::of(kind)
        }
    }

    /// A start-up line of `node` naming its cluster.
    fn identity(node: NodeId, sec: i64, cluster: &str) -> Event {
        Event {
            ts: Some(Instant(sec * S)),
            node: Some(node),
            term: None,
            kind: Kind::MemberIdentity(Box::new(Identity {
                member: Some(node),
                cluster_id: Some(cluster.into()),
                ..Default::default()
            })),
            origin: Origin { input: 0, line: 1 },
            coarse_ts: false,
        }
    }

    fn input(events: Vec<Event>) -> InputResult {
        InputResult {
            events,
            ..Default::default()
        }
    }

    /// A single-member cluster's bootstrap: follower at term 1, elected at term 2.
    fn bootstrap(node: NodeId, sec: i64, cluster: Option<&str>) -> InputResult {
        let mut v: Vec<Event> = cluster
            .map(|c| identity(node, sec, c))
            .into_iter()
            .collect();
        v.push(raft(node, sec, 1, Kind::BecameFollower));
        v.push(raft(node, sec + 1, 2, Kind::BecameCandidate));
        v.push(raft(node, sec + 1, 2, Kind::BecameLeader));
        input(v)
    }

    const DEFAULT: NodeId = 0x8e9e05c52164694d;

    #[test]
    fn two_default_single_members_are_two_clusters() {
        // the same member and cluster IDs, one run after the other: the second starts
        // again at term 1 after the first reached term 2
        let a = bootstrap(DEFAULT, 100, Some("cdf818194e3a8c32"));
        let b = bootstrap(DEFAULT, 200, Some("cdf818194e3a8c32"));
        assert_eq!(group(&[a, b], ClusterBy::Auto), vec![vec![0], vec![1]]);
    }

    #[test]
    fn id_mode_trusts_a_shared_cluster_id() {
        let a = bootstrap(DEFAULT, 100, Some("cdf818194e3a8c32"));
        let b = bootstrap(DEFAULT, 200, Some("cdf818194e3a8c32"));
        assert_eq!(group(&[a, b], ClusterBy::Id), vec![vec![0, 1]]);
    }

    #[test]
    fn a_restart_keeps_its_cluster() {
        // rotated logs of one member: the second file goes on at the term it had reached
        let a = bootstrap(7, 100, None);
        let b = input(vec![
            raft(7, 300, 2, Kind::BecameFollower),
            raft(7, 301, 3, Kind::BecameCandidate),
            raft(7, 301, 3, Kind::BecameLeader),
        ]);
        assert_eq!(group(&[b, a], ClusterBy::Auto), vec![vec![0, 1]]);
    }

    #[test]
    fn different_cluster_ids_never_join() {
        // the second input names the first one's member (a vote), but its own cluster
        let a = bootstrap(1, 100, Some("aaaa"));
        let mut b = bootstrap(2, 100, Some("bbbb"));
        b.events.push(raft(
            2,
            102,
            2,
            Kind::VoteGranted {
                candidate: 1,
                pre_vote: false,
            },
        ));
        assert_eq!(group(&[a, b], ClusterBy::Auto), vec![vec![0], vec![1]]);
    }

    #[test]
    fn members_of_one_cluster_join_by_the_members_they_name() {
        // three members' logs without a cluster ID: each names the leader it voted for
        let vote = |n, at| {
            input(vec![
                raft(n, 100, 1, Kind::BecameFollower),
                raft(
                    n,
                    at,
                    2,
                    Kind::VoteGranted {
                        candidate: 1,
                        pre_vote: false,
                    },
                ),
            ])
        };
        let leader = bootstrap(1, 100, None);
        let got = group(&[vote(2, 101), leader, vote(3, 101)], ClusterBy::Auto);
        assert_eq!(got, vec![vec![0, 1, 2]]);
    }

    #[test]
    fn unrelated_members_without_ids_are_two_clusters() {
        let a = bootstrap(1, 100, None);
        let b = bootstrap(2, 100, None);
        assert_eq!(group(&[a, b], ClusterBy::Auto), vec![vec![0], vec![1]]);
    }

    #[test]
    fn one_member_writing_two_logs_at_once_is_two_clusters() {
        // the same member at the same terms over the same seconds, with other lines:
        // two processes (two environments), not one
        let a = input(vec![
            raft(5, 100, 4, Kind::BecameFollower),
            raft(5, 110, 5, Kind::BecameCandidate),
        ]);
        let b = input(vec![
            raft(5, 101, 4, Kind::BecameFollower),
            raft(5, 111, 5, Kind::BecameCandidate),
        ]);
        assert_eq!(group(&[a, b], ClusterBy::Auto), vec![vec![0], vec![1]]);
    }

    #[test]
    fn a_copy_of_a_log_stays_with_it() {
        // the same file given twice, or two overlapping rotated files: same lines
        let a = bootstrap(DEFAULT, 100, Some("cdf818194e3a8c32"));
        let b = bootstrap(DEFAULT, 100, Some("cdf818194e3a8c32"));
        assert_eq!(group(&[a, b], ClusterBy::Auto), vec![vec![0, 1]]);
    }

    #[test]
    fn an_input_naming_nothing_joins_the_cluster_of_its_time() {
        let a = bootstrap(1, 100, Some("aaaa"));
        let b = bootstrap(2, 500, Some("bbbb"));
        let mut c = input(vec![raft(1, 501, 2, Kind::BecameLeader)]);
        c.events[0].node = None;
        c.events[0].kind = Kind::ReadIndexSlow;
        let unreadable = InputResult::default();
        let got = group(&[a, b, c, unreadable], ClusterBy::Auto);
        assert_eq!(got, vec![vec![0, 3], vec![1, 2]]);
    }

    #[test]
    fn input_mode_makes_each_input_a_cluster() {
        let a = bootstrap(1, 100, Some("aaaa"));
        let b = bootstrap(2, 100, Some("aaaa"));
        assert_eq!(group(&[a, b], ClusterBy::Input), vec![vec![0], vec![1]]);
    }
}
