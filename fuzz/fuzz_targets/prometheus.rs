//! The Prometheus text exposition parser and the per-member figures on arbitrary input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (samples, _stats) = raftlog::metrics::expo::parse_all(data);
    let _ = samples.len();
    let meta = raftlog::metrics::dump::DumpMeta::default();
    let _ = raftlog::metrics::dump::Dump::read(data, &meta);
});
