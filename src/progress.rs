//! Progress bar on stderr while inputs are read: bytes read of the total, throughput
//! and time left. It appears only when reading has taken more than a second (small
//! inputs never show one) and is cleared before the results are written. The binary
//! asks for it only when stderr is a terminal and `--quiet` is not given.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Reading shows a bar after this long.
const DELAY: Duration = Duration::from_secs(1);

/// A running progress display; dropping it (or [`Progress::finish`]) clears it.
pub struct Progress {
    stop: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

impl Progress {
    /// Watch `read` (bytes read so far, before decompression) grow towards `total`
    /// (unknown for standard input).
    pub fn start(read: Arc<AtomicU64>, total: Option<u64>) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let ticker = std::thread::spawn(move || {
            let began = Instant::now();
            let mut bar: Option<ProgressBar> = None;
            while !s.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
                if bar.is_none() && began.elapsed() >= DELAY {
                    bar = Some(make_bar(total));
                }
                if let Some(b) = &bar {
                    b.set_position(read.load(Ordering::Relaxed));
                }
            }
            if let Some(b) = bar {
                b.finish_and_clear();
            }
        });
        Progress {
            stop,
            ticker: Some(ticker),
        }
    }

    /// Clear the bar and stop watching.
    pub fn finish(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop_now();
    }
}

fn make_bar(total: Option<u64>) -> ProgressBar {
    let (bar, template) = match total {
        Some(n) => (
            ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
            "raftlog: reading {wide_bar} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
        ),
        None => (
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            "raftlog: reading {spinner} {binary_bytes} {binary_bytes_per_sec}",
        ),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}
