//! Snapshots of every command and output format on a real capture (insta; review changes
//! with `cargo insta review` or INSTA_UPDATE=always and git diff).

const DIR: &str = "fixtures/real/zap-3-mixed";

fn render(args: &[&str]) -> String {
    let cli = <raftlog::cli::Cli as clap::Parser>::parse_from(
        std::iter::once("raftlog").chain(args.iter().copied()),
    );
    let cfg = raftlog::config::Config::from_cli(cli.command).unwrap();
    let mut err = Vec::new();
    let a = raftlog::analyze(&cfg, false, &mut err).unwrap();
    let mut out = Vec::new();
    raftlog::render(&cfg, &a, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn timeline_table() {
    insta::assert_snapshot!(render(&["timeline", "--color", "never", DIR]));
}

#[test]
fn terms_table() {
    insta::assert_snapshot!(render(&["terms", "--color", "never", DIR]));
}

#[test]
fn terms_csv() {
    insta::assert_snapshot!(render(&["terms", "-f", "csv", DIR]));
}

#[test]
fn terms_json() {
    // the log files only (the directory's /metrics dumps add their own figures)
    insta::assert_snapshot!(render(&[
        "terms",
        "-f",
        "json",
        "fixtures/real/zap-3-mixed/n1.log",
        "fixtures/real/zap-3-mixed/n2.log",
        "fixtures/real/zap-3-mixed/n3.log"
    ]));
}

#[test]
fn events_ndjson_head() {
    let s = render(&["events", DIR]);
    let head: Vec<&str> = s.lines().take(40).collect();
    insta::assert_snapshot!(head.join("\n"));
}

#[test]
fn events_csv_head() {
    let s = render(&["events", "-f", "csv", DIR]);
    let head: Vec<&str> = s.lines().take(25).collect();
    insta::assert_snapshot!(head.join("\n"));
}

#[test]
fn diagnose_table() {
    insta::assert_snapshot!(render(&["diagnose", "--color", "never", DIR]));
}

#[test]
fn timeline_single_follower_other_zone() {
    insta::assert_snapshot!(render(&[
        "timeline",
        "--color",
        "never",
        "--tz",
        "+08:00",
        "fixtures/built/single-follower-3.5/n1.log"
    ]));
}
