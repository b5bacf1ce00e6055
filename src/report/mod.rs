//! The report value (the JSON document of design.md §4, documented in `docs/json.md`)
//! and one renderer per output format.

pub mod clusters;
pub mod csv;
pub mod diagnose;
pub mod fit;
pub mod html;
pub mod json;
pub mod markdown;
pub mod svg;
pub mod table;

use crate::time::Instant;
use serde::Serialize;
use std::collections::BTreeMap;

/// JSON schema version of [`Report`].
pub const SCHEMA_VERSION: u32 = 1;

/// A line reference: input name and 1-based line number.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SourceRef {
    /// Input name as given.
    pub input: String,
    /// Line number.
    pub line: u64,
}

/// "N input(s) could not be read: a, b" for the inputs of a run that could not be read
/// at all (the first three named); None when there are none.
pub fn unreadable_brief(names: &[&str]) -> Option<String> {
    let (n, more) = match names.len() {
        0 => return None,
        n if n > 3 => (3, format!(" and {} more", n - 3)),
        n => (n, String::new()),
    };
    Some(format!(
        "{} input{} could not be read: {}{more}",
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        names[..n].join(", ")
    ))
}

impl Report {
    /// Whether any term had a known leader. Logs without one (no election, no member
    /// naming a leader: a quiet member's server lines) cannot tell whether the cluster
    /// had a leader, so no "never without a leader" verdict may be drawn from them.
    pub fn leader_seen(&self) -> bool {
        self.terms.iter().any(|t| t.leader.is_some())
    }

    /// What to say when no leaderless window was found (a sentence without its
    /// capital): a verdict only when a leader was seen at all.
    pub fn no_window_verdict(&self) -> &'static str {
        if self.leader_seen() {
            "the cluster was never without a leader after its first election."
        } else {
            "no leader was seen in these logs (no election, and no member named one), so they cannot tell whether the cluster had one."
        }
    }

    /// With `--since`/`--until`: the range shown and what met it beside the totals of
    /// the whole logs, e.g. `since 2026-11-25 16:15:46 UTC: 6 of 9 elections, …`.
    pub fn window_brief(&self, tz: crate::time::Zone) -> Option<String> {
        let w = self.summary.window.as_ref()?;
        let at = |t: Option<Instant>| t.map(|t| tz.display(t, 0));
        let range = match (at(w.since), at(w.until)) {
            (Some(s), Some(u)) => format!("{s} to {u} {}", tz.label()),
            (Some(s), None) => format!("since {s} {}", tz.label()),
            (None, Some(u)) => format!("until {u} {}", tz.label()),
            (None, None) => String::new(),
        };
        let mut range = range;
        let mut filter = |what: &str, v: String| {
            if !range.is_empty() {
                range.push_str(", ");
            }
            range.push_str(&format!("{what} {v}"));
        };
        if !w.nodes.is_empty() {
            let names: Vec<String> = self
                .nodes
                .iter()
                .filter(|n| w.nodes.contains(&n.id))
                .map(|n| n.name.clone().unwrap_or_else(|| n.id.clone()))
                .collect();
            filter("members", names.join(","));
        }
        if let Some(t) = &w.terms {
            filter("terms", t.clone());
        }
        if !w.kinds.is_empty() {
            filter("kinds", w.kinds.join(","));
        }
        let (s, t) = (&self.summary, &w.totals);
        let of = |n: u64, total: u64, what: &str| format!("{n} of {total} {what}");
        Some(format!(
            "{range}: {}, {}, {}, {}, {} meet it (the whole logs were analysed)",
            of(s.elections, t.elections, "elections"),
            of(s.leader_changes, t.leader_changes, "leader changes"),
            of(
                self.leaderless.len() as u64,
                t.leaderless_windows,
                "leaderless windows"
            ),
            of(self.storms.len() as u64, t.storms, "storms"),
            of(self.anomalies.len() as u64, t.anomalies, "anomalies"),
        ))
    }

    /// Names of the inputs that could not be read at all.
    pub fn unreadable(&self) -> Vec<&str> {
        self.inputs
            .iter()
            .filter(|i| i.unreadable)
            .map(|i| i.name.as_str())
            .collect()
    }
}

/// `inputs[]`.
#[derive(Clone, Debug, Serialize)]
pub struct InputRow {
    /// Name as given (`<stdin>` for standard input).
    pub name: String,
    /// Inner formats seen, by name.
    pub formats: Vec<String>,
    /// Outer wrappers seen.
    pub wrappers: Vec<String>,
    /// Lines read.
    pub lines: u64,
    /// Events produced.
    pub events: u64,
    /// Lines skipped or not understood (sum of `skipped`).
    pub skipped_lines: u64,
    /// Skipped lines by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Members whose lines the input held (hex ids).
    pub nodes: Vec<String>,
    /// The input was gzip-compressed.
    pub gzip: bool,
    /// Reading stopped early (lines before it were kept), or, for an input that could
    /// not be read at all, why.
    pub error: Option<String>,
    /// The input could not be read at all (`error` says why; shown in JSON by `error`
    /// with no lines).
    #[serde(skip)]
    pub unreadable: bool,
    /// Where the year of year-less timestamps came from.
    pub year_note: Option<String>,
    /// Zone-less timestamps were read in the `--assume-tz` zone.
    pub assumed_zone: bool,
    /// Events dropped because an earlier input already held them (not counted twice).
    pub duplicate_events: u64,
    /// Bulk evidence lines far from any election activity: counted by kind, not kept.
    pub evidence_not_kept: BTreeMap<String, u64>,
    /// The same lines per member, minute and kind (for `near_misses[]`).
    #[serde(skip)]
    pub not_kept_minutes: Vec<crate::ingest::NotKeptMinute>,
    /// Events tied to no member (see `docs/json.md`).
    pub unattributed: u64,
    /// Sources named by a prefix or an export's labels, with the members (hex ids)
    /// their lines revealed.
    pub sources: BTreeMap<String, Vec<String>>,
    /// The support-bundle layout the input was found in (absent outside bundles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    /// The pod or node the bundle files the input under (absent outside bundles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// The input's lines came newest first and were read reversed (absent otherwise).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub newest_first: bool,
}

/// A member-level leaderless gap (`nodes[].gaps`).
#[derive(Clone, Debug, Serialize)]
pub struct Gap {
    /// When the member lost its leader.
    pub from: Instant,
    /// When it knew a leader again (null: not before its log ended).
    pub to: Option<Instant>,
    /// Length in milliseconds (null when open).
    pub duration_ms: Option<i64>,
    /// The gap overlaps a cluster-level leaderless window.
    pub during_cluster_window: bool,
}

/// `nodes[]`.
#[derive(Clone, Debug, Serialize)]
pub struct NodeRow {
    /// Member ID (hex).
    pub id: String,
    /// Member name, when known.
    pub name: Option<String>,
    /// Peer URLs.
    pub peer_urls: Vec<String>,
    /// Client URLs.
    pub client_urls: Vec<String>,
    /// First time the member's own lines were seen.
    pub first_seen: Option<Instant>,
    /// Last time the member's own lines were seen.
    pub last_seen: Option<Instant>,
    /// etcd version.
    pub etcd_version: Option<String>,
    /// Cluster ID.
    pub cluster_id: Option<String>,
    /// `--heartbeat-interval`.
    pub heartbeat_interval_ms: Option<f64>,
    /// `--election-timeout`.
    pub election_timeout_ms: Option<f64>,
    /// Pre-vote on (from its configuration, or inferred from pre-candidate lines).
    pub pre_vote: Option<bool>,
    /// Process starts seen after the first one.
    pub restarts: Vec<Instant>,
    /// The last line of each lifetime that ended without a stop signal before the member
    /// started again (crashed, killed, OOM).
    pub crashes: Vec<Instant>,
    /// Graceful stops seen (signal received).
    pub shutdowns: Vec<Instant>,
    /// Pre-vote rounds (`became pre-candidate`).
    pub pre_vote_rounds: u64,
    /// Campaigns (`became candidate`).
    pub campaigns: u64,
    /// Terms this member led.
    pub terms_led: Vec<u64>,
    /// `elected leader` + `changed leader` lines (comparable to
    /// `etcd_server_leader_changes_seen_total` over the same span).
    pub leader_changes_seen: u64,
    /// The member's own log was among the inputs.
    pub has_log: bool,
    /// How far the member's clock was measured off and its times corrected (ms,
    /// positive = it was ahead); absent when nothing was corrected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock_offset_ms: Option<i64>,
    /// Times the member had no leader.
    pub gaps: Vec<Gap>,
}

/// Evidence line of a cause.
#[derive(Clone, Debug, Serialize)]
pub struct Evidence {
    /// When.
    pub ts: Option<Instant>,
    /// Which member wrote it.
    pub node: Option<String>,
    /// Event kind.
    pub kind: String,
    /// Where.
    pub source: SourceRef,
}

impl Evidence {
    /// The evidence entry of an event.
    pub fn of(e: &crate::event::Event, input_names: &[String]) -> Evidence {
        Evidence {
            ts: e.ts,
            node: e.node.map(crate::event::hex),
            kind: e.kind.name().to_string(),
            source: SourceRef {
                input: input_names
                    .get(e.origin.input as usize)
                    .cloned()
                    .unwrap_or_default(),
                line: e.origin.line,
            },
        }
    }
}

/// `terms[].cause`.
#[derive(Clone, Debug, Serialize)]
pub struct Cause {
    /// Cause code (design.md §5).
    pub code: String,
    /// Member whose behaviour started the election.
    pub culprit: Option<String>,
    /// Its name.
    pub culprit_name: Option<String>,
    /// `high`, `medium` or `low`.
    pub confidence: String,
    /// One sentence.
    pub summary: String,
    /// Supporting lines.
    pub evidence: Vec<Evidence>,
    /// `quorum_lost` only: the members (hex) that were stopped or gone when the term was
    /// campaigned for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_members: Option<Vec<String>>,
    /// `quorum_lost` only: every one of them was stopped by a signal (maintenance, a
    /// rolling restart), not lost to a crash or an unexplained end of its log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned: Option<bool>,
    /// `unknown` only: the members (hex) whose logs would settle it, the old leader first,
    /// then the candidates, then the other members named; empty when every member's log
    /// was read and only their lines from before the term would.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs_logs: Option<Vec<String>>,
}

/// When a member learned the leader of a term.
#[derive(Clone, Debug, Serialize)]
pub struct Learned {
    /// Member (hex).
    pub node: String,
    /// When its `elected leader`/`changed leader` line was written.
    pub at: Option<Instant>,
}

/// `terms[]`.
#[derive(Clone, Debug, Serialize)]
pub struct TermRow {
    /// The term.
    pub term: u64,
    /// Leader (hex) or null.
    pub leader: Option<String>,
    /// Leader's name.
    pub leader_name: Option<String>,
    /// `self` (its own `became leader`) or `peers` (inferred from others' lines).
    pub leader_source: Option<String>,
    /// First `became candidate` for this term.
    pub started_at: Option<Instant>,
    /// Leader's `became leader` (or the earliest peer acknowledgement).
    pub elected_at: Option<Instant>,
    /// When this term's leader stopped leading, as the cluster saw it.
    pub ended_at: Option<Instant>,
    /// `elected_at - started_at`.
    pub election_ms: Option<i64>,
    /// `ended_at - elected_at`.
    pub led_ms: Option<i64>,
    /// Members that became candidate for this term.
    pub candidates: Vec<String>,
    /// Members that ran a pre-vote round leading into this term.
    pub pre_candidates: Vec<String>,
    /// Members that voted for the leader (or for a candidate when none won).
    pub votes_for: Vec<String>,
    /// Members that rejected the leader's (or a candidate's) vote request.
    pub votes_against: Vec<String>,
    /// Each candidate's campaign rounds for this term (pre-vote rounds into it
    /// included), in order of first appearance.
    pub candidacies: Vec<Candidacy>,
    /// When each member learned the leader.
    pub learned: Vec<Learned>,
    /// This term came from a planned transfer (MsgTimeoutNow).
    pub transfer: bool,
    /// Why the election into this term happened.
    pub cause: Option<Cause>,
    /// What happened to the election (`won`, `split_vote`, `rejected`, `no_quorum`,
    /// `superseded`, `unknown`; docs/json.md); null when nobody campaigned for the term
    /// and no leader is known.
    pub outcome: Option<String>,
    /// Votes the term's candidates needed (the outcome's quorum).
    pub quorum: Option<u64>,
}

/// `terms[].candidacies`: one campaign round of one member, and how each member
/// answered it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Candidacy {
    /// The candidate (hex).
    pub node: String,
    /// `self` (its own `became candidate`/`became pre-candidate` line was read) or
    /// `peers` (known only from the other members' vote lines).
    pub source: String,
    /// A pre-vote round.
    pub pre_vote: bool,
    /// Members that granted the vote (the candidate itself with `self`).
    pub granted: Vec<String>,
    /// Members that rejected it.
    pub rejected: Vec<String>,
    /// Members that ignored it: their leader's lease had not expired.
    pub ignored: Vec<String>,
    /// Kinds of the lines that show this round (event kind names, sorted).
    pub evidence: Vec<String>,
    /// Each rejection with the log positions the voter's line prints.
    pub rejections: Vec<Rejection>,
}

/// `terms[].candidacies[].rejections`: a voter's `rejected MsgVote from` line.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Rejection {
    /// The voter (hex).
    pub voter: String,
    /// The voter's log: `[logterm, index]` of its last entry.
    pub voter_log: crate::event::LogPos,
    /// The candidate's log as the voter saw it in the request.
    pub candidate_log: crate::event::LogPos,
    /// The candidate's log is behind the voter's: raft refuses such a candidate.
    pub candidate_behind: bool,
}

/// The footnote for leaders marked `*`: known from other lines than their own `became
/// leader` (see [`TermRow::leader_inferred`]).
pub const INFERRED_LEADER_NOTE: &str =
    "* leader inferred from other lines than its own `became leader` (its peers', its messages or a won vote)";

impl TermRow {
    /// The leader is known, but not from its own `became leader` line.
    pub fn leader_inferred(&self) -> bool {
        self.leader.is_some() && self.leader_source.as_deref() != Some("self")
    }

    /// The winner's real (not pre-vote) round: granted and rejected counts.
    pub fn winner_tally(&self) -> Option<(usize, usize)> {
        let l = self.leader.as_deref()?;
        // a round known only from `elected leader` lines has no votes to show
        self.ran()
            .filter(|c| c.node == l)
            .last()
            .filter(|c| !c.granted.is_empty() || !c.rejected.is_empty())
            .map(|c| (c.granted.len(), c.rejected.len()))
    }

    /// The real (not pre-vote) rounds known to have asked for this term: any line of
    /// the candidate's, or a peer's line printing the term asked for (a vote granted or
    /// rejected, a `MsgVote` with a higher term, `elected leader`). A round known only from ignored requests is placed here by a guess (they
    /// print the voter's lower term), so it is not counted as having run.
    pub fn ran(&self) -> impl Iterator<Item = &Candidacy> {
        self.candidacies
            .iter()
            .filter(|c| !c.pre_vote && c.evidence.iter().any(|k| k != "vote_ignored"))
    }

    /// The outcome in words (`split vote`, `no quorum`), `-` when there is none.
    pub fn outcome_words(&self) -> String {
        self.outcome
            .as_deref()
            .map_or_else(|| "-".to_string(), |o| o.replace('_', " "))
    }

    /// The rejections of this term's real rounds whose voter's log was ahead of the
    /// candidate's: what shows a `rejected` outcome came from a stale log.
    pub fn stale_log_rejections(&self) -> Vec<(&str, &Rejection)> {
        self.ran()
            .flat_map(|c| c.rejections.iter().map(move |x| (c.node.as_str(), x)))
            .filter(|(_, x)| x.candidate_behind)
            .collect()
    }

    /// Members that campaigned for this term (see [`TermRow::ran`]).
    pub fn candidate_count(&self) -> usize {
        let s: std::collections::BTreeSet<&str> = self.ran().map(|c| c.node.as_str()).collect();
        s.len()
    }
}

/// `leaderless[]`.
#[derive(Clone, Debug, Serialize)]
pub struct Window {
    /// Start.
    pub from: Instant,
    /// End (null when no leader was known again before the logs end).
    pub to: Option<Instant>,
    /// Length (null when open).
    pub duration_ms: Option<i64>,
    /// Terms campaigned for or elected inside the window.
    pub terms: Vec<u64>,
    /// Client requests that failed with a leader-related error inside it.
    pub failed_requests: u64,
    /// The window is at least `--leaderless-threshold` long.
    pub over_threshold: bool,
    /// How the start was found: `leader_stall` (the old leader's own late-heartbeat
    /// report says when it went silent), `election_timeout` (the first follower whose
    /// election timer fired had not heard from the leader for at least its election
    /// timeout), `leader_down` (its peers saw its connections close or be refused), or
    /// null (the moment a majority stopped seeing a leader).
    pub started_by: Option<String>,
    /// Slow-apply warnings (`apply request took too long`) inside the window.
    pub slow_applies: u64,
    /// Proposals and reads raft dropped for lack of a leader inside the window.
    pub proposals_dropped: u64,
}

/// `storms[]`.
#[derive(Clone, Debug, Serialize)]
pub struct Storm {
    /// First leader change of the episode.
    pub from: Instant,
    /// Last leader change.
    pub to: Instant,
    /// Unplanned leader changes in the episode.
    pub elections: u64,
    /// First term elected in the episode.
    pub first_term: u64,
    /// Last term elected in the episode.
    pub last_term: u64,
    /// `--storm-window`.
    pub window_ms: i64,
    /// `--storm-threshold`.
    pub threshold: u64,
    /// Planned transfers inside the episode (not counted in `elections`).
    pub planned_transfers: u64,
    /// All leader changes in the episode, planned included (what the etcd mixin alert
    /// counts).
    pub leader_changes: u64,
    /// Cluster leaderless time inside the episode.
    pub leaderless_ms: i64,
    /// Causes of the episode's elections, most frequent first: `{code, count}`.
    pub causes: Vec<CauseCount>,
    /// Client requests that failed with a leader-related error during the episode.
    pub failed_requests: u64,
}

/// A cause code and how often it occurred.
#[derive(Clone, Debug, Serialize)]
pub struct CauseCount {
    /// Cause code.
    pub code: String,
    /// Occurrences.
    pub count: u64,
    /// Culprits (hex), most frequent first.
    pub culprits: Vec<String>,
}

/// A recommendation, tied to its evidence (`raftlog diagnose`).
#[derive(Clone, Debug, Serialize)]
pub struct Recommendation {
    /// `enable_pre_vote`, `tune_timers`, `check_disk`, `check_stall`, `check_network`, `check_clocks`,
    /// `check_crash`, `check_membership`, `add_missing_logs`, `check_near_misses`.
    pub code: String,
    /// What to change or check, in one sentence.
    pub summary: String,
    /// Why: the figures and terms that led to it.
    pub because: String,
    /// Members concerned (hex).
    pub members: Vec<String>,
    /// Terms concerned.
    pub terms: Vec<u64>,
    /// Commands to run next, or flags to set.
    pub actions: Vec<String>,
    /// Supporting lines.
    pub evidence: Vec<Evidence>,
}

/// `near_misses[]`: one member's health trouble in one episode (minutes with health
/// lines, at most one quiet minute apart) that did not cost an election.
#[derive(Clone, Debug, Serialize)]
pub struct NearMiss {
    /// Member (hex).
    pub node: String,
    /// The first health line of the episode.
    pub from: Instant,
    /// The last one.
    pub to: Instant,
    /// The member led the cluster during the episode.
    pub leader: bool,
    /// Lines by event kind (`slow_fsync`, `heartbeat_overrun`, `slow_apply`,
    /// `tick_missed`, `read_index_slow`, `buffer_full`).
    pub counts: BTreeMap<String, u64>,
    /// The longest duration the lines printed (fdatasync or apply took, heartbeat late
    /// by), in milliseconds.
    pub worst_ms: Option<f64>,
    /// The first line of each kind.
    pub evidence: Vec<Evidence>,
}

impl NearMiss {
    /// What happened, in words: `3 slow fdatasyncs, 12 late heartbeats (worst 1.1s); kept
    /// its leadership`.
    pub fn what(&self) -> String {
        fn label(k: &str, n: u64) -> String {
            let (one, many) = match k {
                "slow_fsync" => ("slow fdatasync", "slow fdatasyncs"),
                "heartbeat_overrun" => ("late heartbeat", "late heartbeats"),
                "slow_apply" => ("slow apply", "slow applies"),
                "tick_missed" => ("missed tick", "missed ticks"),
                "read_index_slow" => ("slow read-index wait", "slow read-index waits"),
                "buffer_full" => ("full send buffer", "full send buffers"),
                other => (other, other),
            };
            format!("{n} {}", if n == 1 { one } else { many })
        }
        let counts: Vec<String> = self.counts.iter().map(|(k, n)| label(k, *n)).collect();
        format!(
            "{}{}; {}",
            counts.join(", "),
            self.worst_ms
                .map(|w| format!(" (worst {})", crate::time::human_ms(w as i64)))
                .unwrap_or_default(),
            if self.leader {
                "kept its leadership"
            } else {
                "no election followed"
            }
        )
    }

    /// When: `from <t> for <d>`, or `at <t>` for a single moment.
    pub fn when(&self, show: impl Fn(Instant) -> String) -> String {
        if self.from == self.to {
            format!("at {}", show(self.from))
        } else {
            format!(
                "from {} for {}",
                show(self.from),
                crate::time::human_ms(self.from.ms_until(self.to))
            )
        }
    }
}

/// `anomalies[]`.
#[derive(Clone, Debug, Serialize)]
pub struct Anomaly {
    /// `split_brain`, `term_regression`, `clock_skew`, `duplicate_input`, `incomplete`.
    pub kind: String,
    /// One sentence.
    pub summary: String,
    /// Members involved (hex).
    pub nodes: Vec<String>,
    /// Terms involved.
    pub terms: Vec<u64>,
    /// Measured clock offset (clock_skew, zone_offset).
    pub offset_ms: Option<i64>,
    /// What to do about it, when there is an option for it (zone_offset: `--assume-tz
    /// FILE=ZONE`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Headline figures (additive to design.md §4).
#[derive(Clone, Debug, Serialize, Default)]
pub struct Summary {
    /// Earliest event time.
    pub from: Option<Instant>,
    /// Latest event time.
    pub to: Option<Instant>,
    /// Members seen.
    pub members: u64,
    /// Members whose own log was read.
    pub members_with_logs: u64,
    /// Rows in `terms`.
    pub terms_seen: u64,
    /// Terms somebody campaigned for.
    pub elections: u64,
    /// Terms with a known leader.
    pub leader_changes: u64,
    /// Planned transfers among them.
    pub planned_transfers: u64,
    /// Sum of cluster leaderless windows.
    pub leaderless_ms: i64,
    /// Longest window.
    pub longest_leaderless_ms: Option<i64>,
    /// Notes on assumptions made (zones, years, missing logs).
    pub notes: Vec<String>,
    /// With `--since`/`--until` only: the range shown and the figures of the whole
    /// logs (the counts above cover what intersects the range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<WindowSummary>,
}

/// `summary.window`: what `--since`/`--until` showed, and the totals beside it.
#[derive(Clone, Debug, Serialize)]
pub struct WindowSummary {
    /// `--since`, resolved (null: open).
    pub since: Option<Instant>,
    /// `--until`, resolved (null: open).
    pub until: Option<Instant>,
    /// The same figures over the whole logs.
    pub totals: WindowTotals,
    /// `--node`: the members shown (hex IDs), when given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<String>,
    /// `--term`: the terms shown (`N`, `N..M`, `N..`, `..M`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terms: Option<String>,
    /// `--kind`: the event kinds shown, when given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
}

/// The figures of the whole logs beside a window's.
#[derive(Clone, Copy, Debug, Serialize, Default)]
pub struct WindowTotals {
    /// Rows of `terms`.
    pub terms_seen: u64,
    /// Elections.
    pub elections: u64,
    /// Terms with a known leader.
    pub leader_changes: u64,
    /// Planned transfers among them.
    pub planned_transfers: u64,
    /// Cluster leaderless windows.
    pub leaderless_windows: u64,
    /// Their total length.
    pub leaderless_ms: i64,
    /// Storms.
    pub storms: u64,
    /// Anomalies.
    pub anomalies: u64,
}

/// The whole document.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// raftlog version.
    pub raftlog_version: String,
    /// Headline figures.
    pub summary: Summary,
    /// What was read.
    pub inputs: Vec<InputRow>,
    /// Members.
    pub nodes: Vec<NodeRow>,
    /// One row per term.
    pub terms: Vec<TermRow>,
    /// Cluster leaderless windows.
    pub leaderless: Vec<Window>,
    /// Election storms.
    pub storms: Vec<Storm>,
    /// Anomalies.
    pub anomalies: Vec<Anomaly>,
    /// What to change or check next, each tied to its evidence.
    pub recommendations: Vec<Recommendation>,
    /// Health trouble of a member that cost no election (yet), one per member and
    /// episode; absent when there is none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub near_misses: Vec<NearMiss>,
    /// Figures from /metrics dumps and etcdctl outputs read with the logs (the document
    /// of `raftlog metrics --format json`, docs/metrics.md), or null.
    pub metrics: Option<serde_json::Value>,
    /// Events (only with `--events`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<serde_json::Value>>,
}

/// A row of the timeline table.
#[derive(Clone, Debug)]
pub struct TimelineRow {
    /// When.
    pub ts: Option<Instant>,
    /// Member display name.
    pub node: String,
    /// What happened, in words.
    pub event: String,
    /// Term printed by the line.
    pub term: Option<u64>,
    /// The member's leader after this event.
    pub leader: String,
    /// Event kind.
    pub kind: &'static str,
}
