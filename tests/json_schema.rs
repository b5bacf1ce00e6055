//! The JSON output deserialises into structs that mirror docs/json.md, with
//! `deny_unknown_fields`: a key added to the output without the page (or removed from it)
//! fails here.

mod common;
use common::*;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Doc {
    schema_version: u32,
    raftlog_version: String,
    summary: Summary,
    inputs: Vec<Input>,
    nodes: Vec<Node>,
    terms: Vec<Term>,
    leaderless: Vec<Window>,
    storms: Vec<Storm>,
    anomalies: Vec<Anomaly>,
    recommendations: Vec<Recommendation>,
    /// Present only when there is one.
    #[serde(default)]
    near_misses: Vec<NearMiss>,
    metrics: Option<serde_json::Value>,
    #[serde(default)]
    events: Option<Vec<serde_json::Map<String, serde_json::Value>>>,
    #[serde(default)]
    clusters: Option<Vec<ClusterRow>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ClusterRow {
    cluster: u64,
    cluster_ids: Vec<String>,
    inputs: Vec<String>,
    nodes: Vec<String>,
    from: Option<String>,
    to: Option<String>,
    terms_seen: u64,
    elections: u64,
    leaderless_ms: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Recommendation {
    /// docs/json.md, "Several clusters in one run".
    #[serde(default)]
    cluster: Option<u64>,
    code: String,
    summary: String,
    because: String,
    members: Vec<String>,
    terms: Vec<u64>,
    actions: Vec<String>,
    evidence: Vec<Evidence>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct CauseCount {
    code: String,
    count: u64,
    culprits: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Summary {
    from: Option<String>,
    to: Option<String>,
    members: u64,
    members_with_logs: u64,
    terms_seen: u64,
    elections: u64,
    leader_changes: u64,
    planned_transfers: u64,
    leaderless_ms: i64,
    longest_leaderless_ms: Option<i64>,
    notes: Vec<String>,
    /// only with --since/--until
    #[serde(default)]
    window: Option<WindowSummary>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct WindowSummary {
    since: Option<String>,
    until: Option<String>,
    totals: WindowTotals,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct WindowTotals {
    terms_seen: u64,
    elections: u64,
    leader_changes: u64,
    planned_transfers: u64,
    leaderless_windows: u64,
    leaderless_ms: i64,
    storms: u64,
    anomalies: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Candidacy {
    node: String,
    source: String,
    pre_vote: bool,
    granted: Vec<String>,
    rejected: Vec<String>,
    ignored: Vec<String>,
    evidence: Vec<String>,
    rejections: Vec<Rejection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Rejection {
    voter: String,
    voter_log: LogPos,
    candidate_log: LogPos,
    candidate_behind: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct LogPos {
    term: u64,
    index: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Input {
    /// docs/json.md, "Several clusters in one run".
    #[serde(default)]
    cluster: Option<u64>,
    name: String,
    formats: Vec<String>,
    wrappers: Vec<String>,
    lines: u64,
    events: u64,
    skipped_lines: u64,
    skipped: BTreeMap<String, u64>,
    nodes: Vec<String>,
    gzip: bool,
    error: Option<String>,
    year_note: Option<String>,
    assumed_zone: bool,
    duplicate_events: u64,
    evidence_not_kept: std::collections::BTreeMap<String, u64>,
    unattributed: u64,
    sources: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Gap {
    from: String,
    to: Option<String>,
    duration_ms: Option<i64>,
    during_cluster_window: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Node {
    /// docs/json.md, "Several clusters in one run".
    #[serde(default)]
    cluster: Option<u64>,
    id: String,
    name: Option<String>,
    peer_urls: Vec<String>,
    client_urls: Vec<String>,
    first_seen: Option<String>,
    last_seen: Option<String>,
    etcd_version: Option<String>,
    cluster_id: Option<String>,
    heartbeat_interval_ms: Option<f64>,
    election_timeout_ms: Option<f64>,
    pre_vote: Option<bool>,
    restarts: Vec<String>,
    crashes: Vec<String>,
    shutdowns: Vec<String>,
    pre_vote_rounds: u64,
    campaigns: u64,
    terms_led: Vec<u64>,
    leader_changes_seen: u64,
    has_log: bool,
    /// Present only when the member's times were corrected (src/clock.rs).
    #[serde(default)]
    clock_offset_ms: Option<i64>,
    gaps: Vec<Gap>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Source {
    input: String,
    line: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Evidence {
    ts: Option<String>,
    node: Option<String>,
    kind: String,
    source: Source,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Cause {
    code: String,
    culprit: Option<String>,
    culprit_name: Option<String>,
    confidence: String,
    summary: String,
    evidence: Vec<Evidence>,
    /// `quorum_lost` only.
    #[serde(default)]
    stopped_members: Option<Vec<String>>,
    /// `quorum_lost` only.
    #[serde(default)]
    planned: Option<bool>,
    /// `unknown` only.
    #[serde(default)]
    needs_logs: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Learned {
    node: String,
    at: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Term {
    /// docs/json.md, "Several clusters in one run".
    #[serde(default)]
    cluster: Option<u64>,
    term: u64,
    leader: Option<String>,
    leader_name: Option<String>,
    leader_source: Option<String>,
    started_at: Option<String>,
    elected_at: Option<String>,
    ended_at: Option<String>,
    election_ms: Option<i64>,
    led_ms: Option<i64>,
    candidates: Vec<String>,
    pre_candidates: Vec<String>,
    votes_for: Vec<String>,
    votes_against: Vec<String>,
    candidacies: Vec<Candidacy>,
    learned: Vec<Learned>,
    transfer: bool,
    cause: Option<Cause>,
    outcome: Option<String>,
    quorum: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Window {
    /// docs/json.md, "Several clusters in one run".
    #[serde(default)]
    cluster: Option<u64>,
    from: String,
    to: Option<String>,
    duration_ms: Option<i64>,
    terms: Vec<u64>,
    failed_requests: u64,
    over_threshold: bool,
    started_by: Option<String>,
    slow_applies: u64,
    proposals_dropped: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Storm {
    /// docs/json.md, "Several clusters in one run".
    #[serde(default)]
    cluster: Option<u64>,
    from: String,
    to: String,
    elections: u64,
    first_term: u64,
    last_term: u64,
    window_ms: i64,
    threshold: u64,
    planned_transfers: u64,
    leader_changes: u64,
    leaderless_ms: i64,
    causes: Vec<CauseCount>,
    failed_requests: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct NearMiss {
    node: String,
    from: String,
    to: String,
    leader: bool,
    counts: BTreeMap<String, u64>,
    worst_ms: Option<f64>,
    evidence: Vec<Evidence>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Anomaly {
    /// docs/json.md, "Several clusters in one run".
    #[serde(default)]
    cluster: Option<u64>,
    kind: String,
    summary: String,
    nodes: Vec<String>,
    terms: Vec<u64>,
    offset_ms: Option<i64>,
    /// Present only with an option to act on (zone_offset: `--assume-tz FILE=ZONE`).
    #[serde(default)]
    hint: Option<String>,
}

const CAUSES: &[&str] = &[
    "bootstrap",
    "membership_change",
    "leader_transfer",
    "leader_shutdown",
    "quorum_lost",
    "leader_crash",
    "leader_stall",
    "network",
    "disruptive_candidate",
    "clock_skew",
    "unknown",
];

#[test]
fn output_matches_the_documented_schema() {
    let mut dirs = vec![];
    for base in ["real", "built"] {
        for e in std::fs::read_dir(root().join("fixtures").join(base)).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            }
        }
    }
    dirs.sort();
    assert!(dirs.len() > 20);
    // and one document with a window (summary.window)
    let windowed = [
        "timeline",
        "--since",
        "2026-11-25T16:15:46Z",
        "--until",
        "2026-11-25T16:16:02Z",
    ];
    let windowed: Vec<String> = windowed.iter().map(|s| s.to_string()).collect();
    let mut runs: Vec<Vec<String>> = dirs
        .iter()
        .map(|d| vec!["timeline".to_string(), d.display().to_string()])
        .collect();
    runs.push([windowed, vec![fixture("real/zap-3-mixed")]].concat());
    for args in runs {
        let d = std::path::PathBuf::from(args.last().unwrap());
        let a = analyze(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let mut out = Vec::new();
        raftlog::report::json::write_document(&a, true, &mut out).unwrap();
        let doc: Doc =
            serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        assert_eq!(doc.schema_version, 1);
        check_terms(&doc);
        check_clusters(&doc);
        check_codes(&doc);
        // events carry the documented common keys
        for e in doc.events.unwrap() {
            for k in ["ts", "node", "node_name", "kind", "term", "source"] {
                assert!(e.contains_key(k), "{k} missing in {e:?}");
            }
        }
    }
}

/// Every term's cause code, confidence, quorum_lost fields, candidacy sources and ids.
fn check_terms(doc: &Doc) {
    for t in &doc.terms {
        if let Some(c) = &t.cause {
            assert!(CAUSES.contains(&c.code.as_str()), "{}", c.code);
            assert!(["high", "medium", "low"].contains(&c.confidence.as_str()));
            // the quorum_lost fields come with that code only, and always with it
            let q = c.code == "quorum_lost";
            assert_eq!(c.stopped_members.is_some(), q, "{}", c.code);
            assert_eq!(c.planned.is_some(), q, "{}", c.code);
            // what would settle it comes with unknown only, and always with it
            assert_eq!(c.needs_logs.is_some(), c.code == "unknown", "{}", c.code);
        }
        let voters = t
            .candidacies
            .iter()
            .flat_map(|c| [&c.granted, &c.rejected, &c.ignored].into_iter().flatten());
        for c in &t.candidacies {
            assert!(
                ["self", "peers"].contains(&c.source.as_str()),
                "{}",
                c.source
            );
        }
        for id in t
            .leader
            .iter()
            .chain(&t.candidates)
            .chain(&t.votes_for)
            .chain(t.candidacies.iter().map(|c| &c.node))
            .chain(voters)
        {
            assert!(
                !id.is_empty()
                    && id.len() <= 16
                    && id
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            );
        }
    }
}

/// Terms in (cluster, term) order; cluster numbers on every row only with several.
fn check_clusters(doc: &Doc) {
    for w in doc.terms.windows(2) {
        assert!(
            (w[0].cluster, w[0].term) < (w[1].cluster, w[1].term),
            "terms ascending by (cluster, term)"
        );
    }
    // several clusters: every row names one of them, one cluster: none does
    let n = doc.clusters.as_ref().map_or(0, |c| c.len() as u64);
    assert_ne!(n, 1);
    let ks = doc
        .terms
        .iter()
        .map(|t| t.cluster)
        .chain(doc.nodes.iter().map(|x| x.cluster))
        .chain(doc.anomalies.iter().map(|x| x.cluster));
    for k in ks {
        assert_eq!(k.is_some(), n > 0);
        assert!(k.is_none_or(|k| (1..=n).contains(&k)));
    }
}

/// Anomaly kinds, near-miss counters and recommendation codes from the documented lists.
fn check_codes(doc: &Doc) {
    for an in &doc.anomalies {
        assert!(
            [
                "split_brain",
                "term_regression",
                "clock_skew",
                "duplicate_input",
                "incomplete",
                "term_inflation",
                "status_mismatch",
                "counter_mismatch",
                "clock_jump",
                "zone_offset"
            ]
            .contains(&an.kind.as_str()),
            "{}",
            an.kind
        );
    }
    for nm in &doc.near_misses {
        for k in nm.counts.keys() {
            assert!(
                [
                    "slow_fsync",
                    "heartbeat_overrun",
                    "slow_apply",
                    "tick_missed",
                    "read_index_slow",
                    "buffer_full"
                ]
                .contains(&k.as_str()),
                "{k}"
            );
        }
    }
    for r in &doc.recommendations {
        assert!(
            [
                "enable_pre_vote",
                "tune_timers",
                "check_disk",
                "check_stall",
                "check_network",
                "check_clocks",
                "check_crash",
                "check_membership",
                "add_missing_logs",
                "check_near_misses"
            ]
            .contains(&r.code.as_str()),
            "{}",
            r.code
        );
    }
}
