//! Envelope detection and the whole line pipeline on arbitrary bytes, line by line (so
//! CRI partial-line state is exercised too).
#![no_main]
use libfuzzer_sys::fuzz_target;
use raftlog::parse::envelope::{cri_join, EnvState};
use raftlog::parse::parse_line;

fuzz_target!(|data: &[u8]| {
    let mut st = EnvState::new(2024);
    for line in data.split(|b| *b == b'\n') {
        if let Some(j) = cri_join(line, &mut st) {
            let _ = parse_line(&j, &st);
        }
    }
});
