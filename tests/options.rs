//! No option value makes raftlog panic: every subcommand is fed extreme durations, counts
//! and times (0, negative, empty, u64::MAX, 106752 days, ...). A value out of range is a
//! usage error that names the flag; anything accepted runs to an exit status of 0, 1 or 2.

mod common;
use clap::Parser;
use common::*;
use proptest::prelude::*;
use raftlog::cli::{Cli, Command};

/// Duration-like values: units of every size, numbers at the limits, junk.
fn duration() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("106752d".to_string()),
        Just("0s".to_string()),
        Just("-5s".to_string()),
        Just(String::new()),
        Just("1ns".to_string()),
        Just(format!("{}s", u64::MAX)),
        Just(format!("{}d", u64::MAX)),
        Just("99999999999999999999999h".to_string()),
        Just("15".to_string()),
        Just("3650d".to_string()),
        (
            any::<u64>(),
            prop::sample::select(vec!["ns", "ms", "s", "m", "h", "d", "w", "y"])
        )
            .prop_map(|(n, u)| format!("{n}{u}")),
        (
            0u32..100_000,
            prop::sample::select(vec!["ms", "s", "m", "h", "d"])
        )
            .prop_map(|(n, u)| format!("{n}{u}")),
    ]
}

/// Count-like values.
fn count() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just(String::new()),
        Just(u64::MAX.to_string()),
        Just(u32::MAX.to_string()),
        Just("99999999999999999999".to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (0u64..2000).prop_map(|n| n.to_string()),
    ]
}

/// Time-like values (--since, --until, --metrics-time).
fn when() -> impl Strategy<Value = String> {
    prop_oneof![
        duration(),
        Just("@1e300".to_string()),
        Just("@-1e300".to_string()),
        Just("@NaN".to_string()),
        Just(format!("@{}", i64::MAX)),
        Just("9999-12-31T23:59:59Z".to_string()),
        Just("0000-01-01 00:00".to_string()),
        Just("2026-11-25T16:16:00Z".to_string()),
        (any::<i64>()).prop_map(|n| format!("@{n}")),
    ]
}

const LOG_OPTIONS: &[(&str, u8)] = &[
    ("--storm-window", 0),
    ("--leaderless-threshold", 0),
    ("--skew-tolerance", 0),
    ("--storm-threshold", 1),
    ("--threads", 1),
    ("--year", 1),
    ("--since", 2),
    ("--until", 2),
    ("--metrics-time", 2),
];
const METRICS_OPTIONS: &[(&str, u8)] = &[
    ("--storm-window", 0),
    ("--heartbeat-interval", 0),
    ("--storm-threshold", 1),
    ("--metrics-time", 2),
];
const RULES_OPTIONS: &[(&str, u8)] = &[
    ("--storm-window", 0),
    ("--rtt-threshold", 0),
    ("--fsync-threshold", 0),
    ("--commit-threshold", 0),
    ("--storm-threshold", 1),
];

fn options(cmd: &str) -> &'static [(&'static str, u8)] {
    match cmd {
        "metrics" => METRICS_OPTIONS,
        "rules" => RULES_OPTIONS,
        _ => LOG_OPTIONS,
    }
}

/// Run one command line in process; the exit status, or the usage error's text.
fn run(args: &[String]) -> Result<i32, String> {
    let cli = Cli::try_parse_from(args).map_err(|e| e.to_string())?;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = match &cli.command {
        Command::Metrics(a) => raftlog::run_metrics(a, &mut out, &mut err),
        Command::Rules(a) => raftlog::run_rules(a, &mut out, &mut err),
        _ => {
            let cfg = raftlog::config::Config::from_cli(cli.command)?;
            raftlog::run(&cfg, true, &mut out, &mut err)
        }
    };
    Ok(code)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn extreme_option_values_never_panic(
        cmd in prop::sample::select(
            vec!["timeline", "terms", "events", "diagnose", "report", "metrics", "rules"]),
        picks in prop::collection::vec((any::<prop::sample::Index>(), duration(), count(), when()), 1..4),
    ) {
        let dir = fixture("real/zap-3-mixed");
        let mut args: Vec<String> = vec!["raftlog".into(), cmd.into()];
        let mut flags = Vec::new();
        for (i, d, c, w) in &picks {
            let (flag, kind) = options(cmd)[i.index(options(cmd).len())];
            let value = match kind { 0 => d, 1 => c, _ => w };
            flags.push(flag);
            args.push(format!("{flag}={value}"));
        }
        match cmd {
            "metrics" => args.push(format!("{dir}/metrics-n1.txt")),
            "rules" => {}
            _ => {
                args.push("-q".into());
                args.push(format!("{dir}/n1.log"));
                args.push(format!("{dir}/metrics-n1.txt"));
            }
        }
        match run(&args) {
            Ok(code) => prop_assert!((0..=2).contains(&code), "{args:?}: {code}"),
            Err(e) => prop_assert!(
                flags.iter().any(|f| e.contains(f)),
                "{args:?}: the error names no flag: {e}"
            ),
        }
    }
}

/// The case of the issue, and the range in the message.
#[test]
fn storm_window_of_106752_days_is_a_usage_error() {
    for cmd in ["timeline", "diagnose", "metrics", "rules"] {
        let e = run(&[
            "raftlog".into(),
            cmd.into(),
            "--storm-window".into(),
            "106752d".into(),
            fixture("real/zap-3-mixed/n1.log"),
        ])
        .unwrap_err();
        assert!(
            e.contains("--storm-window") && e.contains("accepted 1s to 3650d"),
            "{cmd}: {e}"
        );
    }
}

/// An inverted range holds nothing: a usage error, not an empty table with exit 0. So is
/// a negative duration, which used to be read as its opposite.
#[test]
fn inverted_and_negative_ranges_are_usage_errors() {
    let dir = fixture("real/zap-3-mixed");
    for (since, until) in [
        ("2026-11-25T16:16:00Z", "2026-11-25T16:10:00Z"),
        ("1m", "5m"),
        ("10s", "2026-11-25T10:00:00Z"),
    ] {
        let (code, out, err) =
            run_bin(&["timeline", "-q", "--since", since, "--until", until, &dir]);
        assert_eq!(code, Some(2), "{since}..{until}: {err}");
        assert!(out.is_empty());
        assert!(
            err.contains("--since") && err.contains("after --until"),
            "{err}"
        );
    }
    let (code, _, err) = run_bin(&["timeline", "-q", "--since", "-5s", &dir]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--since") && err.contains("write 5s"), "{err}");
    // a range that holds something still works
    let (code, out, _) = run_bin(&["terms", "-q", "--since", "30s", "--until", "10s", &dir]);
    assert_eq!(code, Some(0));
    assert!(!out.is_empty());
}

/// `--status` and `--metrics` take one value each: the logs after them are logs, and a
/// log given to the flag is an error that names it.
#[test]
fn status_and_metrics_take_one_file_each() {
    let f = |n: &str| fixture(&format!("real/zap-3-mixed/{n}"));
    let (code, _, err) = run_bin(&[
        "diagnose",
        "-f",
        "json",
        "--status",
        &f("status-10.json"),
        &f("n1.log"),
        &f("n2.log"),
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("read 2 inputs"), "{err}");
    let (code, _, err) = run_bin(&["timeline", "-q", "--status", &f("n1.log"), &f("n2.log")]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--status") && err.contains("looks like an etcd log"),
        "{err}"
    );
    let (code, _, err) = run_bin(&[
        "timeline",
        "-q",
        "--metrics",
        &f("status-1.json"),
        &f("n2.log"),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--metrics") && err.contains("endpoint_status_json"),
        "{err}"
    );
}
