//! Line parser and reading pipeline micro-benchmarks (`cargo bench --bench parse`).
//! The lines are real etcd 3.4 lines from `fixtures/real/` and the S03 examples of
//! etcd-log-messages.md; the block is a real capture repeated to 8 MiB, alone and
//! with those slow-request warnings between its lines as in a struggling cluster.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use raftlog::ingest::{read_reader, IngestOptions};
use raftlog::parse::envelope::EnvState;
use raftlog::parse::parse_line;
use std::hint::black_box;

const ZAP_RAFT: &str = r#"{"level":"info","ts":"2026-11-25T16:15:34.414Z","caller":"raft/node.go:327","msg":"raft.node: a9e9e1d57dda5a31 elected leader a9e9e1d57dda5a31 at term 2"}"#;
const ZAP_SLOW: &str = r#"{"level":"warn","ts":"2022-05-10T04:41:48.256Z","caller":"etcdserver/util.go:163","msg":"apply request took too long","took":"138.497741ms","expected-duration":"100ms","prefix":"read-only range ","request":"key:\"/registry/volumeattachments\" range_end:\"/registry/volumeattachmentt\" count_only:true ","response":"range_response_count:0 size:6"}"#;
const ZAP_OTHER: &str = r#"{"level":"info","ts":"2026-11-25T16:15:34.129Z","caller":"fileutil/purge.go:42","msg":"started to purge file","dir":"/var/lib/etcd/member/snap","suffix":"snap.db","max":5,"interval":"30s"}"#;
const CAPNSLOG_RAFT: &str =
    "raft2026/11/25 16:16:19 INFO: d7c2f9150d1e1566 became leader at term 4";
const CAPNSLOG_SLOW: &str = r#"2020-10-20 12:15:22.876237 W | etcdserver: read-only range request "key:\"/registry/storageclasses\" range_end:\"/registry/storageclasset\" count_only:true " with result "range_response_count:0 size:6" took too long (2.285637356s) to execute"#;
const CAPNSLOG_OTHER: &str = "2026-11-25 16:16:13.555981 I | pkg/fileutil: started to purge file, dir: /var/lib/etcd/member/snap, suffix: snap.db, max: 5, interval: 30s";

fn lines(c: &mut Criterion) {
    let st = EnvState::new(2026);
    let mut g = c.benchmark_group("parse_line");
    for (name, line) in [
        ("zap_raft", ZAP_RAFT),
        ("zap_slow_apply", ZAP_SLOW),
        ("zap_other", ZAP_OTHER),
        ("capnslog_raft", CAPNSLOG_RAFT),
        ("capnslog_slow_apply", CAPNSLOG_SLOW),
        ("capnslog_other", CAPNSLOG_OTHER),
    ] {
        g.throughput(Throughput::Bytes(line.len() as u64 + 1));
        g.bench_function(name, |b| {
            b.iter(|| parse_line(black_box(line.as_bytes()), &st))
        });
    }
    g.finish();
}

fn block(fixture: &str, filler: &[&str]) -> Vec<u8> {
    let one = std::fs::read_to_string(format!("{}/{fixture}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut out = String::new();
    while out.len() < 8 << 20 {
        for l in one.lines() {
            out.push_str(l);
            out.push('\n');
            for f in filler {
                out.push_str(f);
                out.push('\n');
            }
        }
    }
    out.into_bytes()
}

fn pipeline(c: &mut Criterion) {
    let mut g = c.benchmark_group("read_reader");
    g.sample_size(10);
    let opts = IngestOptions::default();
    for (name, data) in [
        ("zap_dense", block("fixtures/real/zap-5-storm/n1.log", &[])),
        (
            "zap_sparse",
            block(
                "fixtures/real/zap-3-mixed/n1.log",
                &[ZAP_SLOW, ZAP_OTHER, ZAP_SLOW, ZAP_OTHER],
            ),
        ),
        (
            "capnslog_sparse",
            block(
                "fixtures/real/capnslog-3-mixed/n1.log",
                &[CAPNSLOG_SLOW, CAPNSLOG_OTHER, CAPNSLOG_SLOW, CAPNSLOG_OTHER],
            ),
        ),
    ] {
        g.throughput(Throughput::Bytes(data.len() as u64));
        for threads in [1, 2] {
            g.bench_function(format!("{name}/threads={threads}"), |b| {
                b.iter(|| read_reader(0, black_box(&data[..]), None, &opts, threads))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, lines, pipeline);
criterion_main!(benches);
