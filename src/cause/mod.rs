//! Why each election happened (design.md §5): a cause code, the culprit (the member whose
//! behaviour started it, not the one that reported it first), a confidence and the
//! evidence lines. A cause explains the election INTO its term.
//!
//! [`classify`] first settles the elections that need no earlier leader
//! (`campaign.rs`: `quorum_lost` for a term nobody could win, `network` for a campaign
//! nobody heard, `bootstrap` or `unknown` for the first election). Every other election
//! goes through `RULES`, an ordered table of small named rules (`rules.rs`), one per
//! way a leader's term ends; the first with evidence wins, in the order of
//! docs/causes.md:
//! 2. `membership_change`: the old leader was removed, or a removed member campaigned;
//! 3. planned hand-over (MsgTimeoutNow / transfer lines): `leader_shutdown` when the old
//!    leader was just being stopped (its stop signal, or without one `closing etcd server`),
//!    else `leader_transfer`;
//! 4. the old leader stopped gracefully without a hand-over: `leader_shutdown`;
//! 5. the old leader started again without a stop in between: `leader_crash`;
//! 6. the old leader's own lines show it stalled (late heartbeats, missed ticks, slow
//!    fsync, or silence across the election followed by a higher-term step-down):
//!    `leader_stall`;
//! 7. a healthy leader was deposed by a higher-term vote request from a member that had
//!    not lost it: `disruptive_candidate`;
//! 8. the leader lost quorum, or members report lost streams / inactive peers around
//!    the election: `network`;
//! 9. clock-difference warnings right before and nothing stronger: `clock_skew`;
//! 10. otherwise `unknown`, saying which logs are missing.
//!
//! Codes and confidences are typed here ([`CauseCode`], [`Confidence`]); the report's
//! [`Cause`] holds their names, written when a finding becomes a cause.

use crate::event::{hex, Event, Kind, NodeId};
use crate::lives::Life;
use crate::report::{Cause, Evidence, TermRow};
use crate::time::Instant;
use std::collections::{BTreeMap, BTreeSet};

mod campaign;
mod rules;
#[cfg(test)]
mod tests;

/// What the classifier needs besides the events.
pub struct Context<'a> {
    /// Events in merged order.
    pub events: &'a [Event],
    /// Input names by index.
    pub input_names: &'a [String],
    /// Display names.
    pub names: &'a BTreeMap<NodeId, String>,
    /// Members whose own log was read.
    pub has_log: &'a BTreeSet<NodeId>,
    /// Election timeout per member, when known (ms).
    pub election_ms: f64,
    /// Every member known (with a log or named by others).
    pub members: &'a BTreeSet<NodeId>,
    /// Each member's process lifetimes.
    pub lives: BTreeMap<NodeId, Vec<Life>>,
    /// Voter sets logged (`switched to configuration`), by event index.
    confs: Vec<(usize, BTreeSet<NodeId>)>,
    /// The events with a time: time windows are found by binary search, not by a scan
    /// of every event (a storm has millions).
    by_time: TimeIndex,
    /// The same for the few kinds some rules look for in wide windows (a restart up to
    /// five minutes after an election): starts, membership changes and step-downs.
    starts: TimeIndex,
    member_changes: TimeIndex,
    step_downs: TimeIndex,
    /// Indices of the events of each term, in merged order.
    by_term: std::collections::HashMap<u64, Vec<usize>>,
    /// The first and last time of each member's own lines: the stretch its log covers.
    spans: BTreeMap<NodeId, (i64, i64)>,
}

const SEC: i64 = 1_000_000_000;

/// A crashed leader's restart is looked for up to this long after the election.
const RESTART_WITHIN: i64 = 300 * SEC;

fn id_of(s: &Option<String>) -> Option<NodeId> {
    s.as_deref().and_then(|x| u64::from_str_radix(x, 16).ok())
}

impl<'a> Context<'a> {
    /// A context over `events` (in merged order).
    pub fn new(
        events: &'a [Event],
        input_names: &'a [String],
        names: &'a BTreeMap<NodeId, String>,
        has_log: &'a BTreeSet<NodeId>,
        members: &'a BTreeSet<NodeId>,
        election_ms: f64,
    ) -> Self {
        let by_time = TimeIndex::of(events, |_| true);
        let starts = TimeIndex::of(events, crate::lives::is_start);
        let member_changes = TimeIndex::of(events, |k| {
            matches!(
                k,
                Kind::MemberChange { .. } | Kind::RemovedMemberRejected { .. }
            )
        });
        let step_downs = TimeIndex::of(events, |k| matches!(k, Kind::SteppedDown));
        let mut by_term: std::collections::HashMap<u64, Vec<usize>> = Default::default();
        for (i, e) in events.iter().enumerate() {
            if let Some(t) = e.term {
                by_term.entry(t).or_default().push(i);
            }
        }
        let mut spans: BTreeMap<NodeId, (i64, i64)> = BTreeMap::new();
        for e in events {
            if let (Some(n), Some(t)) = (e.node, e.ts) {
                let span = spans.entry(n).or_insert((t.0, t.0));
                span.0 = span.0.min(t.0);
                span.1 = span.1.max(t.0);
            }
        }
        Context {
            spans,
            events,
            input_names,
            names,
            has_log,
            election_ms,
            members,
            lives: crate::lives::lives(events),
            confs: events
                .iter()
                .enumerate()
                .filter_map(|(i, e)| match &e.kind {
                    Kind::ConfigChange { voters, .. } if !voters.is_empty() => {
                        Some((i, voters.iter().copied().collect()))
                    }
                    _ => None,
                })
                .collect(),
            by_time,
            starts,
            member_changes,
            step_downs,
            by_term,
        }
    }

    /// Whether the log of a member other than `c` was read and covers [from, to]: its
    /// silence about a campaign then means it did not hear it.
    /// An excerpt quoted in pieces covers only the stretches it has lines in: the member
    /// must have a line within half a minute before `from` and one within half a minute
    /// after `to`.
    fn covered_by_other(&self, c: NodeId, from: i64, to: i64) -> bool {
        const NEAR: i64 = 30 * SEC;
        self.has_log.iter().any(|n| {
            *n != c
                && self
                    .spans
                    .get(n)
                    .is_some_and(|(lo, hi)| *lo <= from && *hi >= to)
                && self
                    .by_time
                    .has(from - NEAR, from, |i| self.events[i].node == Some(*n))
                && self
                    .by_time
                    .has(to, to + NEAR, |i| self.events[i].node == Some(*n))
        })
    }

    /// Indices (in merged order) of the events of `term`.
    pub fn of_term(&self, term: u64) -> &[usize] {
        self.by_term.get(&term).map_or(&[], Vec::as_slice)
    }

    /// Indices (in merged order) of the events with time in [from, to].
    pub fn in_time(&self, from: i64, to: i64) -> Vec<usize> {
        self.by_time.within(from, to, |_| true)
    }
}

/// (time, index) of some of the events with a time, sorted by time.
struct TimeIndex(Vec<(i64, usize)>);

impl TimeIndex {
    /// The timed events whose kind `keep` accepts.
    fn of(events: &[Event], keep: impl Fn(&Kind) -> bool) -> TimeIndex {
        let mut v: Vec<(i64, usize)> = events
            .iter()
            .enumerate()
            .filter(|(_, e)| keep(&e.kind))
            .filter_map(|(i, e)| e.ts.map(|t| (t.0, i)))
            .collect();
        v.sort_unstable();
        TimeIndex(v)
    }

    fn window(&self, from: i64, to: i64) -> &[(i64, usize)] {
        if from > to {
            return &[];
        }
        let lo = self.0.partition_point(|(t, _)| *t < from);
        let hi = self.0.partition_point(|(t, _)| *t <= to);
        &self.0[lo..hi]
    }

    /// Indices, in merged order, of the events with time in [from, to] that `keep`
    /// (by index) accepts: filtered before they are sorted.
    fn within(&self, from: i64, to: i64, keep: impl Fn(usize) -> bool) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .window(from, to)
            .iter()
            .map(|x| x.1)
            .filter(|i| keep(*i))
            .collect();
        v.sort_unstable();
        v
    }

    /// Whether an event with time in [from, to] is one `keep` accepts.
    fn has(&self, from: i64, to: i64, keep: impl Fn(usize) -> bool) -> bool {
        self.window(from, to).iter().any(|x| keep(x.1))
    }
}

impl Context<'_> {
    fn ev(&self, i: usize) -> Evidence {
        Evidence::of(&self.events[i], self.input_names)
    }

    fn name(&self, id: NodeId) -> String {
        self.names.get(&id).cloned().unwrap_or_else(|| hex(id))
    }

    /// Indices of events of `node` with time in [from, to].
    fn of_node(&self, node: NodeId, from: i64, to: i64) -> impl Iterator<Item = usize> + '_ {
        self.by_time
            .within(from, to, |i| self.events[i].node == Some(node))
            .into_iter()
    }

    /// Indices of events of anyone with time in [from, to].
    fn any(&self, from: i64, to: i64) -> impl Iterator<Item = usize> + '_ {
        self.in_time(from, to).into_iter()
    }
}
/// A cause code (design.md §5, docs/causes.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CauseCode {
    /// The first election after the members started.
    Bootstrap,
    /// The old leader was removed, or a removed member campaigned.
    MembershipChange,
    /// A planned move of leadership (MsgTimeoutNow, move-leader).
    LeaderTransfer,
    /// The old leader was stopped (with or without a hand-over).
    LeaderShutdown,
    /// Too few members were running for any election to succeed.
    QuorumLost,
    /// The old leader died without a clean stop.
    LeaderCrash,
    /// The old leader stopped sending heartbeats in time.
    LeaderStall,
    /// A member was cut off, or the followers stopped hearing the leader.
    Network,
    /// A member's higher term forced an election on a working leader.
    DisruptiveCandidate,
    /// Clock-difference warnings and nothing stronger.
    ClockSkew,
    /// The logs do not tell.
    Unknown,
}

impl CauseCode {
    /// Every code, in the order of docs/causes.md.
    pub const ALL: [CauseCode; 11] = [
        CauseCode::Bootstrap,
        CauseCode::MembershipChange,
        CauseCode::LeaderTransfer,
        CauseCode::LeaderShutdown,
        CauseCode::QuorumLost,
        CauseCode::LeaderCrash,
        CauseCode::LeaderStall,
        CauseCode::Network,
        CauseCode::DisruptiveCandidate,
        CauseCode::ClockSkew,
        CauseCode::Unknown,
    ];

    /// The code as the outputs write it (`terms[].cause.code`).
    pub fn name(self) -> &'static str {
        match self {
            CauseCode::Bootstrap => "bootstrap",
            CauseCode::MembershipChange => "membership_change",
            CauseCode::LeaderTransfer => "leader_transfer",
            CauseCode::LeaderShutdown => "leader_shutdown",
            CauseCode::QuorumLost => "quorum_lost",
            CauseCode::LeaderCrash => "leader_crash",
            CauseCode::LeaderStall => "leader_stall",
            CauseCode::Network => "network",
            CauseCode::DisruptiveCandidate => "disruptive_candidate",
            CauseCode::ClockSkew => "clock_skew",
            CauseCode::Unknown => "unknown",
        }
    }

    /// The code a report's cause names, if it is one.
    pub fn from_name(name: &str) -> Option<CauseCode> {
        CauseCode::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// How sure a cause is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confidence {
    /// The culprit's own lines (or an unambiguous signal) show it.
    High,
    /// Indirect evidence: other members' lines, or part of the picture missing.
    Medium,
    /// A guess, or no evidence at all.
    Low,
}

impl Confidence {
    /// The confidence as the outputs write it (`terms[].cause.confidence`).
    pub fn name(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// What a rule found, in typed form; [`Finding::into_cause`] writes it as the report's
/// [`Cause`].
struct Finding {
    code: CauseCode,
    culprit: Option<NodeId>,
    confidence: Confidence,
    summary: String,
    /// Event indices, strongest first; repeats are dropped and six kept when written.
    evidence: Vec<usize>,
    /// `quorum_lost` only: the members down, and whether every one was stopped.
    stopped: Option<(Vec<NodeId>, bool)>,
    /// `unknown` only: the members whose logs would settle it (empty: every log was read,
    /// the lines from before the term would).
    needs: Option<Vec<NodeId>>,
}

impl Finding {
    fn new(
        code: CauseCode,
        culprit: Option<NodeId>,
        confidence: Confidence,
        summary: String,
        evidence: Vec<usize>,
    ) -> Finding {
        Finding {
            code,
            culprit,
            confidence,
            summary,
            evidence,
            stopped: None,
            needs: None,
        }
    }

    /// An `unknown` finding that says what would settle it.
    fn unknown(summary: String, evidence: Vec<usize>, needs: Vec<NodeId>) -> Finding {
        Finding {
            needs: Some(needs),
            ..Finding::new(CauseCode::Unknown, None, Confidence::Low, summary, evidence)
        }
    }

    fn into_cause(self, ctx: &Context<'_>) -> Cause {
        let mut seen = BTreeSet::new();
        let evidence: Vec<Evidence> = self
            .evidence
            .into_iter()
            .filter(|i| seen.insert(*i))
            .take(6)
            .map(|i| ctx.ev(i))
            .collect();
        let (stopped_members, planned) = match self.stopped {
            Some((down, planned)) => (Some(down.into_iter().map(hex).collect()), Some(planned)),
            None => (None, None),
        };
        Cause {
            code: self.code.name().to_string(),
            culprit: self.culprit.map(hex),
            culprit_name: self.culprit.and_then(|c| ctx.names.get(&c).cloned()),
            confidence: self.confidence.name().to_string(),
            summary: self.summary,
            evidence,
            stopped_members,
            planned,
            needs_logs: self.needs.map(|n| n.into_iter().map(hex).collect()),
        }
    }
}

/// Classify every term that had an election (a campaign) or a new leader.
/// `inferred`: the leaders known only from their peers' lines (appends, heartbeats,
/// `lost leader`), [`crate::model::inferred::leaders`].
pub fn classify(
    ctx: &Context<'_>,
    rows: &mut [TermRow],
    inferred: &BTreeMap<u64, (NodeId, usize)>,
) {
    let et = (ctx.election_ms.max(100.0) * 1e6) as i64; // election timeout in ns
    let mut prev: Option<Prev> = None;
    // members that campaigned alone (nobody heard them) since the last leader
    let mut isolated: BTreeMap<NodeId, Vec<usize>> = BTreeMap::new();
    let mut episode = Episode::default();
    for row in rows.iter_mut() {
        let is_election = !row.candidates.is_empty()
            || row.leader.is_some()
            || row.candidacies.iter().any(|c| !c.pre_vote);
        if !is_election {
            continue;
        }
        let start = row
            .started_at
            .or(row.elected_at)
            .map(|t| t.0)
            .or_else(|| campaign::first_seen(ctx, row));
        let term = row.term;
        let campaigns = campaign::campaigns(ctx, term);
        let leader = id_of(&row.leader);
        // the first campaign for this term, when nobody heard it and it did not win
        let solo = |&(c, at): &(NodeId, usize)| campaign::solo(ctx, c, term, at, et);
        let first_solo = campaigns
            .first()
            .filter(|ca| leader != Some(ca.0) && solo(ca))
            .copied();
        let lost = campaign::quorum_lost(ctx, row, &campaigns);
        let prev_led = Prev::latest(prev, inferred, term);
        let in_vain = lost.is_some();
        let finding = match (start, prev_led, first_solo) {
            (None, p, _)
                if ctx
                    .of_term(term)
                    .iter()
                    .all(|i| ctx.events[*i].ts.is_none()) =>
            {
                Some(untimed(ctx, row, p.map(|p| p.leader)))
            }
            (None, _, _) => None,
            _ if in_vain => lost,
            // members that start together campaign before their peers listen: an
            // unanswered campaign is part of the bootstrap, not a member cut off
            (Some(s), None, first_solo) => Some(campaign::first_election(ctx, row, s))
                .filter(|f| f.code == CauseCode::Bootstrap || first_solo.is_none())
                .or_else(|| first_solo.map(|(c, at)| campaign::alone(ctx, c, term, at))),
            (Some(_), Some(_), Some((c, at))) => Some(campaign::alone(ctx, c, term, at)),
            (Some(s), Some(p), None) => Some(decide(ctx, p, row, s, et, &isolated)),
        };
        let bootstrap = finding
            .as_ref()
            .is_some_and(|f| f.code == CauseCode::Bootstrap);
        // only elections the rules explain form episodes: a campaign nobody heard or one
        // left without a quorum has its own cause and ends the episode
        let by_rules = !in_vain && prev_led.is_some() && first_solo.is_none();
        let cause = finding.map(|f| f.into_cause(ctx));
        row.cause = match (by_rules, start) {
            (true, Some(s)) => episode.follow(term, s, et, cause),
            _ => {
                episode.end();
                cause
            }
        };
        if let Some(l) = leader {
            episode.end();
            prev = Some(Prev {
                term,
                leader: l,
                elected_at: row.elected_at.map(|t| t.0),
            });
            isolated.clear();
        }
        // a member cut off while this term was won elsewhere keeps campaigning alone (one
        // left without a quorum was not cut off: nobody was there to hear it)
        for ca in campaigns.iter().filter(|_| !in_vain && !bootstrap) {
            if leader != Some(ca.0) && solo(ca) {
                isolated.entry(ca.0).or_default().push(ca.1);
            }
        }
    }
}

/// An election whose lines carry no time (an excerpt of bare raft lines): the rules,
/// which read time windows, cannot place it. Only the order of the old leader's own
/// lines can: a stop signal followed by its hand-over of the term. Otherwise the cause is
/// `unknown`, saying whose log would settle it.
fn untimed(ctx: &Context<'_>, row: &TermRow, old_leader: Option<NodeId>) -> Finding {
    if let Some(f) = old_leader.and_then(|l| stopped_then_handed_over(ctx, row, l)) {
        return f;
    }
    let missing = missing_logs(ctx, old_leader, row);
    // a vote request that reached a member already at a higher term (queued while the
    // candidate could not reach it) is timed by its arrival, not by the campaign
    let late_only = !row.candidacies.is_empty()
        && row
            .candidacies
            .iter()
            .all(|c| c.evidence.iter().all(|k| k == "lower_term_ignored"));
    let why = if late_only {
        format!(
            "the campaign for term {} is known only from vote requests that reached members already at a higher term, so when it began is not in the lines",
            row.term
        )
    } else {
        format!(
            "the lines of the election into term {} carry no time, so no rule can place it",
            row.term
        )
    };
    Finding::unknown(
        format!("{why}: {}", needs_text(ctx, &missing, row)),
        Vec::new(),
        missing,
    )
}

/// The old leader `l`'s own log, in its order, shows a stop signal and then its hand-over
/// of the term before `row` (`starts leadership transfer`, `sends MsgTimeoutNow`) with no
/// start between them: it was stopped and handed leadership over, as etcd does on SIGTERM
/// or SIGINT. For lines without times, whose order within one log is all there is.
fn stopped_then_handed_over(ctx: &Context<'_>, row: &TermRow, l: NodeId) -> Option<Finding> {
    let prev = row.term.checked_sub(1)?;
    let mine = || {
        ctx.events
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.node == Some(l))
    };
    let stop = mine()
        .filter(|(_, e)| matches!(e.kind, Kind::ProcessShutdown { .. }))
        .map(|(i, _)| i)
        .next_back()?;
    let hand_over = mine()
        .skip_while(|(i, _)| *i <= stop)
        .take_while(|(_, e)| !matches!(e.kind, Kind::ProcessStart { .. }))
        .find(|(_, e)| {
            e.term == Some(prev)
                && matches!(
                    e.kind,
                    Kind::TransferStarted { .. } | Kind::TimeoutNowSent { .. }
                )
        })
        .map(|(i, _)| i)?;
    Some(Finding::new(
        CauseCode::LeaderShutdown,
        Some(l),
        Confidence::High,
        format!(
            "leader {} was stopped (signal) and handed leadership over (its lines carry no time; their order in its log shows it)",
            ctx.name(l)
        ),
        vec![stop, hand_over],
    ))
}

/// A run of elections after a known leader that keep failing (a split vote, a rejected
/// or superseded campaign), each campaign starting within two election timeouts of the
/// one before (the longest randomised timeout), plus a second for whole-second stamps.
/// The run ends with the first election that elects a leader, which belongs to it, or
/// with a campaign nobody heard or one without a quorum. Every election of an episode
/// has the episode's first cause and culprit: the later campaigns are the cluster still
/// recovering from the same fault, not new faults (docs/causes.md, "Episodes").
#[derive(Default)]
struct Episode {
    /// The term whose election opened the episode, and its cause.
    first: Option<(u64, Cause)>,
    /// When the latest campaign of the episode started (ns).
    last: i64,
}

impl Episode {
    fn end(&mut self) {
        self.first = None;
    }

    /// The cause of the election into `term` (started at `start`) that the rules gave as
    /// `own`: the episode's first cause when it follows the episode's last campaign in
    /// time (`own` itself when it already names that code and culprit, with its own
    /// evidence), else `own`, which opens a new episode.
    fn follow(&mut self, term: u64, start: i64, et: i64, own: Option<Cause>) -> Option<Cause> {
        let within = start - self.last <= 2 * et + SEC;
        if let (Some((t0, first)), true) = (&self.first, within) {
            self.last = self.last.max(start);
            // the rules already name the episode's cause: keep this election's own evidence
            let same = |c: &Cause| c.code == first.code && c.culprit == first.culprit;
            if own.as_ref().is_some_and(same) {
                return own;
            }
            let mut c = first.clone();
            c.summary = format!(
                "the elections since term {t0} kept failing, one campaign after another: term {term} continues that episode ({})",
                first.summary
            );
            return Some(c);
        }
        self.first = own.clone().map(|c| (term, c));
        self.last = start;
        own
    }
}

/// The leader whose term an election ended: its term, the member, and when it was
/// elected (not known for a leader seen only through its peers' lines).
#[derive(Clone, Copy)]
struct Prev {
    term: u64,
    leader: NodeId,
    elected_at: Option<i64>,
}

impl Prev {
    /// The latest leader before `term`: `led` (the last term with a leader in the rows)
    /// or a later one known only from its peers' lines.
    fn latest(
        led: Option<Prev>,
        inferred: &BTreeMap<u64, (NodeId, usize)>,
        term: u64,
    ) -> Option<Prev> {
        let peers = inferred.range(..term).next_back().map(|(t, (x, _))| Prev {
            term: *t,
            leader: *x,
            elected_at: None,
        });
        match (led, peers) {
            (Some(a), Some(b)) if b.term > a.term => Some(b),
            (None, b) => b,
            (a, _) => a,
        }
    }
}

/// An election after a known leader: what the rules read.
struct Election<'c, 'a> {
    ctx: &'c Context<'a>,
    /// The term of the old leader.
    prev_term: u64,
    /// The term elected into.
    row: &'c TermRow,
    /// When the election started (ns).
    start: i64,
    /// The election timeout (ns).
    et: i64,
    /// Members that campaigned alone since the old leader was elected, with those campaigns.
    isolated: &'c BTreeMap<NodeId, Vec<usize>>,
    /// The old leader, its name, and whether its own log was read.
    l: NodeId,
    lname: String,
    l_logged: bool,
    /// When the old leader was elected (an hour before `start` when not known).
    prev_el: i64,
    /// This term's candidates.
    candidates: Vec<NodeId>,
    /// When this election was decided (10 s after `start` when nobody won).
    decided: i64,
}

/// A rule for an election after a known leader: a finding when its evidence is there.
type Rule = fn(&Election<'_, '_>) -> Option<Finding>;

/// The rules, strongest explanation first (docs/causes.md rules 2 to 9; rule 10,
/// [`rules::unexplained`], when none has evidence). Each rule's doc comment says why it
/// sits where it sits.
const RULES: &[(&str, Rule)] = &[
    ("membership_change", rules::membership_change),
    ("hand_over", rules::hand_over),
    ("leader_shutdown", rules::leader_shutdown),
    ("leader_crash", rules::leader_crash),
    ("leader_gone", rules::leader_gone),
    ("leader_lost_quorum", rules::leader_lost_quorum),
    ("isolated_returned", rules::isolated_returned),
    ("leader_stall", rules::leader_stall),
    ("lease_ignored", rules::lease_ignored),
    ("leader_silent", rules::leader_silent),
    ("stale_candidate", rules::stale_candidate),
    ("disruptive_candidate", rules::disruptive_candidate),
    ("network", rules::network),
    ("clock_skew", rules::clock_skew),
];

/// Why the election into `row` ended `prev`'s leadership: the first rule with evidence.
fn decide(
    ctx: &Context<'_>,
    prev: Prev,
    row: &TermRow,
    start: i64,
    et: i64,
    isolated: &BTreeMap<NodeId, Vec<usize>>,
) -> Finding {
    let l = prev.leader;
    let el = Election {
        ctx,
        prev_term: prev.term,
        row,
        start,
        et,
        isolated,
        l,
        lname: ctx.name(l),
        l_logged: ctx.has_log.contains(&l),
        prev_el: prev.elected_at.unwrap_or(start - 3600 * SEC),
        candidates: row
            .candidates
            .iter()
            .filter_map(|c| u64::from_str_radix(c, 16).ok())
            .collect(),
        decided: row.elected_at.map(|t| t.0).unwrap_or(start + 10 * SEC),
    };
    RULES
        .iter()
        .find_map(|(_, rule)| rule(&el))
        .unwrap_or_else(|| rules::unexplained(&el))
}

pub use crate::lives::is_start;

/// What log would settle an `unknown` cause of the election into `row`'s term: the
/// logs not read of the old leader (when known), of the term's candidates, then of the
/// other members named, in that order; with every member's log read, their lines from
/// before the term (the excerpt begins too late).
fn missing_logs(ctx: &Context<'_>, old_leader: Option<NodeId>, row: &TermRow) -> Vec<NodeId> {
    let mut missing: Vec<NodeId> = Vec::new();
    let cands = row
        .candidates
        .iter()
        .filter_map(|c| u64::from_str_radix(c, 16).ok());
    for n in old_leader
        .into_iter()
        .chain(cands)
        .chain(ctx.members.iter().copied())
    {
        if !ctx.has_log.contains(&n) && !missing.contains(&n) {
            missing.push(n);
        }
    }
    missing
}

/// [`missing_logs`] in words: "needs X's and Y's logs".
fn needs_text(ctx: &Context<'_>, missing: &[NodeId], row: &TermRow) -> String {
    let names: Vec<String> = missing
        .iter()
        .map(|n| format!("{}'s", ctx.name(*n)))
        .collect();
    match names.as_slice() {
        [] => format!("needs the members' lines from before term {}", row.term),
        [one] => format!("needs {one} log"),
        [init @ .., last] => format!("needs {} and {last} logs", init.join(", ")),
    }
}

/// How much later than its stamp a line at `t` may have been written: just under a
/// second when the lines stamped then carry whole seconds (Go-log raft lines), else 0.
fn coarse_slack(ctx: &Context<'_>, t: i64) -> i64 {
    let coarse = ctx.in_time(t, t).iter().any(|i| ctx.events[*i].coarse_ts);
    if coarse {
        SEC - 1
    } else {
        0
    }
}

/// Other members' link errors about `l` that say its process was gone.
pub fn refused_about(ctx: &Context<'_>, l: NodeId, from: i64, to: i64) -> Vec<usize> {
    ctx.any(from, to)
        .filter(|i| {
            let e = &ctx.events[*i];
            let about = match &e.kind {
                Kind::StreamLost { peer, .. }
                | Kind::PeerInactive { peer, .. }
                | Kind::PeerUnreachable { peer, .. } => *peer == Some(l),
                _ => false,
            };
            about && e.node != Some(l) && e.kind.peer_gone()
        })
        .take(3)
        .collect()
}

/// The first member (other than `l`) that lost `l` around `start`.
fn first_loss(ctx: &Context<'_>, l: NodeId, start: i64) -> Vec<usize> {
    ctx.any(start - 5 * SEC, start + 5 * SEC)
        .filter(|i| {
            let e = &ctx.events[*i];
            e.node != Some(l) && matches!(&e.kind, Kind::LostLeader { leader } if *leader == l)
        })
        .take(1)
        .collect()
}

/// Whether a term's cause makes it a planned change (not counted in storms): a transfer,
/// a graceful stop of the leader, or the campaigns of members left without a quorum by
/// stops (a maintenance or a rolling restart).
pub fn planned(row: &TermRow) -> bool {
    row.cause
        .as_ref()
        .is_some_and(|c| match CauseCode::from_name(&c.code) {
            Some(CauseCode::LeaderTransfer | CauseCode::LeaderShutdown) => true,
            Some(CauseCode::QuorumLost) => c.planned == Some(true),
            _ => false,
        })
}

/// For leaderless windows: when the old leader's own late-heartbeat report shows it went
/// silent before the followers noticed, the window really began then.
pub fn stall_start(
    ctx: &Context<'_>,
    leader: NodeId,
    from: Instant,
    to: Instant,
) -> Option<Instant> {
    ctx.of_node(leader, from.0, to.0 + 60 * SEC)
        .filter_map(|i| {
            let e = &ctx.events[i];
            match &e.kind {
                Kind::HeartbeatOverrun {
                    exceeded_ms: Some(x),
                    ..
                } => e.ts.map(|t| Instant(t.0 - (*x * 1e6) as i64)),
                _ => None,
            }
        })
        .filter(|s| *s < from)
        .min()
}
