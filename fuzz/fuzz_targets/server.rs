//! Server evidence messages: capnslog/journald text rules, and zap messages with their
//! fields (the input is `msg` + NUL + a JSON object of fields).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = raftlog::parse::server::parse_text(&s);
    let (msg, fields) = s.split_once('\0').unwrap_or((&s, "{}"));
    if let Ok(serde_json::Value::Object(f)) = serde_json::from_str::<serde_json::Value>(fields) {
        let _ = raftlog::parse::server::parse_zap(msg, &f);
    }
});
