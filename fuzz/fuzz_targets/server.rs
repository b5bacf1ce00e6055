//! Server evidence messages: capnslog/journald text rules, and zap messages with their
//! fields (the input is `msg` + NUL + a JSON object of fields).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = raftlog::parse::server::parse_text(&s);
    let (msg, fields) = s.split_once('\0').unwrap_or((&s, "{}"));
    if let Ok(f) = raftlog::parse::zapjson::Fields::scan(fields.as_bytes().into()) {
        let _ = raftlog::parse::server::parse_zap(msg, &f);
    }
    let _ = raftlog::parse::bulk_line(data);
});
