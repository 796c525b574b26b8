//! The log-scan progress bar: on stderr, only when stderr is a terminal, and only once a scan
//! has run for a moment (a quick scan never flickers a bar). Never drawn into a pipe, a file
//! or a test's captured output.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How long a scan runs before the bar appears.
pub const DELAY: Duration = Duration::from_millis(300);

pub struct ScanProgress {
    /// Where the bar would be drawn; `None`: not a terminal, never drawn.
    target: std::sync::Mutex<Option<ProgressDrawTarget>>,
    delay: Duration,
    started: Instant,
    bar: OnceLock<ProgressBar>,
}

impl ScanProgress {
    /// For this process's stderr. `delay`: `DELAY` unless a test sets it.
    pub fn for_stderr(delay: Duration) -> Arc<ScanProgress> {
        let target = std::io::stderr()
            .is_terminal()
            .then(ProgressDrawTarget::stderr);
        Arc::new(ScanProgress::new(target, delay))
    }

    pub fn new(target: Option<ProgressDrawTarget>, delay: Duration) -> ScanProgress {
        ScanProgress {
            target: std::sync::Mutex::new(target),
            delay,
            started: Instant::now(),
            bar: OnceLock::new(),
        }
    }

    /// `done` of `total` bytes read (called from the scan's worker threads). At `done >=
    /// total` the bar goes away.
    pub fn update(&self, done: u64, total: u64) {
        if let Some(bar) = self.bar.get() {
            bar.set_position(done.min(total));
            if done >= total {
                bar.finish_and_clear();
            }
            return;
        }
        if done >= total || self.started.elapsed() < self.delay {
            return;
        }
        let Some(target) = self.target.lock().ok().and_then(|mut t| t.take()) else {
            return;
        };
        let bar = ProgressBar::with_draw_target(Some(total), target)
            .with_finish(ProgressFinish::AndClear)
            .with_message("reading gateway logs");
        if let Ok(style) = ProgressStyle::with_template("{msg} {wide_bar} {bytes}/{total_bytes}") {
            bar.set_style(style);
        }
        bar.set_position(done);
        let _ = self.bar.set(bar);
    }

    /// Whether a bar was ever created.
    pub fn shown(&self) -> bool {
        self.bar.get().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_bar_without_a_terminal_or_before_the_delay() {
        let none = ScanProgress::new(None, Duration::ZERO);
        none.update(10, 100);
        assert!(!none.shown(), "not a terminal: never a bar");

        let slow = ScanProgress::new(Some(ProgressDrawTarget::hidden()), Duration::from_secs(60));
        slow.update(10, 100);
        assert!(!slow.shown(), "a quick scan shows no bar");

        let shown = ScanProgress::new(Some(ProgressDrawTarget::hidden()), Duration::ZERO);
        shown.update(10, 100);
        assert!(shown.shown());
        shown.update(100, 100);
        assert!(shown.bar.get().is_some_and(ProgressBar::is_finished));

        let done = ScanProgress::new(Some(ProgressDrawTarget::hidden()), Duration::ZERO);
        done.update(100, 100);
        assert!(!done.shown(), "nothing left to show");
    }
}
