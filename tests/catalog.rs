//! Every example line of the etcd log message catalog (etcd-log-messages.md, extracted to
//! tests/data/catalog-examples.tsv by scripts/extract-catalog-examples.py) parses to the
//! documented event, version by version and envelope by envelope.

use raftlog::parse::envelope::EnvState;
use raftlog::parse::{parse_line, LineClass};

/// Allowed kinds for the first event of a line of a catalog section (`-` = recognised,
/// not an event).
fn expected(sec: &str, line: &str) -> &'static [&'static str] {
    match sec {
        "R01" => &["became_follower"],
        "R02" => &["became_candidate"],
        "R03" => &["became_pre_candidate"],
        "R04" => &["became_leader"],
        "R05" => &["election_started"],
        "R06" => &["vote_sent"],
        "R07" | "R08" => &["vote_response"],
        "R09" => &["vote_tally"],
        "R10" => &["vote_granted"],
        "R11" => &["vote_rejected"],
        "R12" => &["vote_ignored"],
        "R13" => &["term_bump"],
        "R14" => &["lower_term_ignored"],
        "R15" => &["elected_leader"],
        "R16" => &["changed_leader"],
        "R17" => &["lost_leader"],
        "R18" => &["stepped_down"],
        "R19" | "R20" | "R21" | "R22" => &["proposal_dropped"],
        "R23" => &["raft_boot"],
        "R24" => &["config_change"],
        "R25" => &["transfer_started"],
        "R26" | "R27" => &["timeout_now_sent"],
        "R28" => &["timeout_now_received"],
        "R29" => &["transfer_aborted"],
        "R30" => &["-"],
        "R31" | "R32" | "R33" | "R34" => &["campaign_refused"],
        "R35" => &["forgot_leader"],
        "R36" => &["tick_missed"],
        "R37" => &["snapshot_restored"],
        "R38" => &["log_conflict"],
        "S01" if line.contains("server is likely overloaded") => &["-"],
        "S01" => &["heartbeat_overrun"],
        "S02" => &["slow_fsync"],
        "S03" => &["slow_apply"],
        "S04" => &["read_index_slow"],
        "S05" if line.contains("established") => &["-"],
        "S05" => &["stream_lost"],
        "S06" if line.contains("became active") => &["peer_active"],
        "S06" if line.contains("failed to") && !line.contains("became") => &["stream_lost"],
        "S06" => &["peer_inactive"],
        "S07" if line.contains("clock") => &["clock_skew"],
        "S07" => &["peer_unreachable"],
        "S08" => &["buffer_full"],
        "S09" => &["health_no_leader"],
        "S10" => &["removed_member_rejected"],
        "S11" if line.contains("heartbeat =") || line.contains("election =") => &["timing_config"],
        "S11" if line.contains("name =") || line.contains("initial cluster") => {
            &["member_identity"]
        }
        "S11" => &["process_start"],
        "S12" => &["timing_config"],
        "S13" | "S14" | "S15" | "S16" => &["member_identity"],
        "S17" if line.contains("added remote peer") => &["-"],
        "S17" => &["member_change"],
        "S18" => &["timing_config"],
        "S19" if line.contains("finished") => &["leader_transfer_finished"],
        "S19" => &["leader_transfer_requested"],
        "S20" => &["process_shutdown"],
        _ => &[],
    }
}

#[test]
fn every_catalog_example_parses_to_its_kind() {
    let data = include_str!("data/catalog-examples.tsv");
    let st = EnvState::new(2024);
    let mut checked = 0;
    let mut failures = Vec::new();
    for row in data.lines().skip(1) {
        let mut parts = row.splitn(3, '\t');
        let (sec, label, line) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let info = parse_line(line.as_bytes(), &st);
        let got: Vec<&str> = info.events.iter().map(|e| e.kind.name()).collect();
        checked += 1;
        if sec == "A" {
            // Appendix A: raft election lines from public issues, every envelope
            if !info.events.iter().any(|e| e.kind.is_raft()) {
                failures.push(format!("{sec} [{label}] no raft event: {line}"));
            }
            continue;
        }
        let want = expected(sec, line);
        assert!(!want.is_empty(), "no expectation for section {sec}");
        let ok = if want == ["-"] {
            got.is_empty() && matches!(info.class, LineClass::Etcd)
        } else {
            got.first().is_some_and(|g| want.contains(g))
        };
        if !ok {
            failures.push(format!(
                "{sec} [{label}] want {want:?} got {got:?} ({:?}): {line}",
                info.class
            ));
        }
        // every example has a time (from the line or its wrapper) and a known format
        if info.format.is_none() {
            failures.push(format!("{sec} [{label}] no format: {line}"));
        }
    }
    assert!(checked > 250, "only {checked} examples");
    assert!(
        failures.is_empty(),
        "{} of {checked} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_raft_example_names_its_writer_and_term() {
    let data = include_str!("data/catalog-examples.tsv");
    let st = EnvState::new(2024);
    for row in data.lines().skip(1) {
        let mut parts = row.splitn(3, '\t');
        let (sec, _, line) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        if !sec.starts_with('R') || matches!(sec, "R30" | "R38") {
            continue;
        }
        let info = parse_line(line.as_bytes(), &st);
        let e = &info.events[0];
        if sec == "R36" && line.contains("| raft: A tick") {
            continue; // 3.3 prints no ID
        }
        assert!(e.node.is_some(), "{sec}: writer of {line}");
        assert!(info.time.is_some(), "{sec}: time of {line}");
    }
}
