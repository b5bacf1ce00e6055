//! Prometheus alerting rules for the conditions raftlog checks (`raftlog rules`).
//!
//! The file is one rule group with six alerts; thresholds and windows are parameters
//! ([`RulesConfig`]), by default the values of [`super::Thresholds`]: storm 4 leader
//! changes per 15 m, peer RTT 100 ms, WAL fsync p99 10 ms, backend commit p99 25 ms.
//! Every expression keeps the series' own labels (`instance`, `job`, and `To` for the
//! RTT), so each alert fires per member, and per peer link for the RTT.

use super::Thresholds;

/// Parameters of the rule file.
#[derive(Clone, Debug, PartialEq)]
pub struct RulesConfig {
    /// Rule group name.
    pub group: String,
    /// Extra label matchers put on every series, without braces (e.g.
    /// `job=~".*etcd.*"`); None for none.
    pub selector: Option<String>,
    /// `EtcdNoLeader` fires after `etcd_server_has_leader == 0` lasts this long (seconds).
    pub no_leader_for_seconds: u64,
    /// Leader changes at or above this many in [`RulesConfig::storm_window_seconds`].
    pub storm_threshold: u64,
    /// Storm window, seconds.
    pub storm_window_seconds: u64,
    /// Mean peer RTT above this (seconds) fires `EtcdPeerRoundTripTimeHigh`.
    pub peer_rtt_seconds: f64,
    /// WAL fsync p99 above this (seconds).
    pub wal_fsync_p99_seconds: f64,
    /// Backend commit p99 above this (seconds).
    pub backend_commit_p99_seconds: f64,
    /// Window of the `rate()`s under the RTT and latency alerts, seconds.
    pub rate_window_seconds: u64,
    /// Window of the failed-proposals rate, seconds.
    pub proposals_window_seconds: u64,
    /// How long the RTT and latency conditions must hold, seconds (0: fire at once).
    pub latency_for_seconds: u64,
}

impl Default for RulesConfig {
    fn default() -> Self {
        RulesConfig::from(&Thresholds::default())
    }
}

impl From<&Thresholds> for RulesConfig {
    /// Rules with the thresholds raftlog flags with (the RTT threshold is the heartbeat
    /// interval when one is set).
    fn from(t: &Thresholds) -> Self {
        RulesConfig {
            group: "raftlog-etcd".into(),
            selector: None,
            no_leader_for_seconds: 60,
            storm_threshold: t.storm_threshold,
            storm_window_seconds: t.storm_window_seconds,
            peer_rtt_seconds: t.rtt_threshold_seconds(),
            wal_fsync_p99_seconds: t.wal_fsync_p99_seconds,
            backend_commit_p99_seconds: t.backend_commit_p99_seconds,
            rate_window_seconds: 300,
            proposals_window_seconds: 900,
            latency_for_seconds: 600,
        }
    }
}

/// A Prometheus duration for `seconds` in the largest unit that divides it (`15m`,
/// `1h`, `90s`); at least `1s`.
pub fn prom_duration(seconds: u64) -> String {
    let s = seconds.max(1);
    if s % 86_400 == 0 {
        format!("{}d", s / 86_400)
    } else if s % 3600 == 0 {
        format!("{}h", s / 3600)
    } else if s % 60 == 0 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// A float as PromQL reads it (shortest round-trip form, e.g. `0.01`).
fn prom_float(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else if v > 0.0 {
        "+Inf".into()
    } else if v < 0.0 {
        "-Inf".into()
    } else {
        "NaN".into()
    }
}

fn human_seconds(v: f64) -> String {
    if v >= 1.0 {
        format!("{v} s")
    } else {
        let ms = (v * 1e6).round() / 1e3;
        format!("{ms} ms")
    }
}

/// YAML single-quoted scalar.
fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

struct Rule {
    alert: &'static str,
    expr: String,
    for_s: u64,
    severity: &'static str,
    summary: String,
    description: String,
}

/// The alerting-rule file (YAML) for `c`.
pub fn rules_yaml(c: &RulesConfig) -> String {
    let mut rules = Vec::from(leadership_rules(c));
    rules.extend(latency_rules(c));
    rules.push(proposals_rule(c));
    let mut y = String::new();
    y.push_str("# Prometheus alerting rules for the conditions raftlog checks (raftlog rules).\n");
    y.push_str(&format!(
        "# storm: {} leader changes per {}; peer RTT: {}; WAL fsync p99: {}; backend commit p99: {}\n",
        c.storm_threshold,
        prom_duration(c.storm_window_seconds),
        human_seconds(c.peer_rtt_seconds),
        human_seconds(c.wal_fsync_p99_seconds),
        human_seconds(c.backend_commit_p99_seconds)
    ));
    y.push_str("groups:\n");
    y.push_str(&format!("  - name: {}\n", q(&c.group)));
    y.push_str("    rules:\n");
    for r in rules {
        y.push_str(&format!("      - alert: {}\n", r.alert));
        y.push_str(&format!("        expr: {}\n", q(&r.expr)));
        if r.for_s > 0 {
            y.push_str(&format!("        for: {}\n", prom_duration(r.for_s)));
        }
        y.push_str("        labels:\n");
        y.push_str(&format!("          severity: {}\n", r.severity));
        y.push_str("        annotations:\n");
        y.push_str(&format!("          summary: {}\n", q(&r.summary)));
        y.push_str(&format!("          description: {}\n", q(&r.description)));
    }
    y
}

impl RulesConfig {
    /// A series with the selector's label matchers, if any.
    fn series(&self, metric: &str) -> String {
        match self.selector.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => format!("{metric}{{{s}}}"),
            _ => metric.to_string(),
        }
    }
}

/// No leader, and leader changes at or above the storm threshold.
fn leadership_rules(c: &RulesConfig) -> [Rule; 2] {
    let sw = prom_duration(c.storm_window_seconds);
    [
        Rule {
            alert: "EtcdNoLeader",
            expr: format!("{} == 0", c.series("etcd_server_has_leader")),
            for_s: c.no_leader_for_seconds,
            severity: "critical",
            summary: "etcd member has no leader".into(),
            description: "etcd member {{ $labels.instance }} has had no leader for more than ".to_string()
                + &prom_duration(c.no_leader_for_seconds)
                + ".",
        },
        Rule {
            alert: "EtcdHighNumberOfLeaderChanges",
            expr: format!(
                "increase({}[{sw}]) >= {}",
                c.series("etcd_server_leader_changes_seen_total"),
                c.storm_threshold
            ),
            for_s: 0,
            severity: "warning",
            summary: "etcd leader election storm".into(),
            description: format!(
                "etcd member {{{{ $labels.instance }}}} saw {} or more leader changes within {sw} (an election storm: check peer round-trip times, disk latency and CPU starvation).",
                c.storm_threshold
            ),
        },
    ]
}

/// Peer round-trip time, WAL fsync and backend commit latency.
fn latency_rules(c: &RulesConfig) -> [Rule; 3] {
    let rw = prom_duration(c.rate_window_seconds);
    [
        Rule {
            alert: "EtcdPeerRoundTripTimeHigh",
            expr: format!(
                "rate({}[{rw}]) / rate({}[{rw}]) > {}",
                c.series("etcd_network_peer_round_trip_time_seconds_sum"),
                c.series("etcd_network_peer_round_trip_time_seconds_count"),
                prom_float(c.peer_rtt_seconds)
            ),
            for_s: c.latency_for_seconds,
            severity: "warning",
            summary: "etcd peer round-trip time high".into(),
            description: format!(
                "Mean round-trip time from etcd member {{{{ $labels.instance }}}} to peer {{{{ $labels.To }}}} is above {} (the heartbeat interval should be close to the round-trip time and the election timeout well above it).",
                human_seconds(c.peer_rtt_seconds)
            ),
        },
        Rule {
            alert: "EtcdWALFsyncSlow",
            expr: format!(
                "histogram_quantile(0.99, rate({}[{rw}])) > {}",
                c.series("etcd_disk_wal_fsync_duration_seconds_bucket"),
                prom_float(c.wal_fsync_p99_seconds)
            ),
            for_s: c.latency_for_seconds,
            severity: "warning",
            summary: "etcd WAL fsync slow".into(),
            description: format!(
                "99th percentile of WAL fsync on etcd member {{{{ $labels.instance }}}} is above {} (etcd guidance: below 10 ms); a slow disk delays heartbeats and causes elections.",
                human_seconds(c.wal_fsync_p99_seconds)
            ),
        },
        Rule {
            alert: "EtcdBackendCommitSlow",
            expr: format!(
                "histogram_quantile(0.99, rate({}[{rw}])) > {}",
                c.series("etcd_disk_backend_commit_duration_seconds_bucket"),
                prom_float(c.backend_commit_p99_seconds)
            ),
            for_s: c.latency_for_seconds,
            severity: "warning",
            summary: "etcd backend commit slow".into(),
            description: format!(
                "99th percentile of backend commits on etcd member {{{{ $labels.instance }}}} is above {} (etcd guidance: below 25 ms).",
                human_seconds(c.backend_commit_p99_seconds)
            ),
        },
    ]
}

/// Failed proposals.
fn proposals_rule(c: &RulesConfig) -> Rule {
    let pw = prom_duration(c.proposals_window_seconds);
    Rule {
        alert: "EtcdProposalsFailing",
        expr: format!(
            "rate({}[{pw}]) > 0",
            c.series("etcd_server_proposals_failed_total")
        ),
        for_s: 0,
        severity: "warning",
        summary: "etcd proposals failing".into(),
        description: format!(
            "etcd member {{{{ $labels.instance }}}} has failed proposals within {pw} (usually leader elections or loss of quorum)."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(prom_duration(900), "15m");
        assert_eq!(prom_duration(3600), "1h");
        assert_eq!(prom_duration(90), "90s");
        assert_eq!(prom_duration(0), "1s");
        assert_eq!(prom_duration(172_800), "2d");
    }

    #[test]
    fn default_expressions() {
        let y = rules_yaml(&RulesConfig::default());
        assert!(y.contains("expr: 'etcd_server_has_leader == 0'\n        for: 1m\n"));
        assert!(y.contains("expr: 'increase(etcd_server_leader_changes_seen_total[15m]) >= 4'"));
        assert!(y.contains("expr: 'rate(etcd_network_peer_round_trip_time_seconds_sum[5m]) / rate(etcd_network_peer_round_trip_time_seconds_count[5m]) > 0.1'"));
        assert!(y.contains("expr: 'histogram_quantile(0.99, rate(etcd_disk_wal_fsync_duration_seconds_bucket[5m])) > 0.01'"));
        assert!(y.contains("expr: 'histogram_quantile(0.99, rate(etcd_disk_backend_commit_duration_seconds_bucket[5m])) > 0.025'"));
        assert!(y.contains("expr: 'rate(etcd_server_proposals_failed_total[15m]) > 0'"));
    }

    #[test]
    fn selector_and_quotes() {
        let c = RulesConfig {
            selector: Some(r#"job=~".*etcd.*""#.into()),
            group: "it's".into(),
            ..Default::default()
        };
        let y = rules_yaml(&c);
        assert!(y.contains(r#"'etcd_server_has_leader{job=~".*etcd.*"} == 0'"#));
        assert!(y.contains("name: 'it''s'"));
    }
}
