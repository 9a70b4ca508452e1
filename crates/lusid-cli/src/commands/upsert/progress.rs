//! Progress of an upsert on stderr, when stderr is a terminal: rows done,
//! upserted, failed, and the rate.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lusid::bulk::Summary;

/// The bar, or nothing when stderr is not a terminal.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A spinner on stderr if it is a terminal.
    pub fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Self { bar }
    }

    /// Shows `summary`.
    pub fn show(&mut self, summary: &Summary) {
        if let Some(bar) = &self.bar {
            let seconds = summary.elapsed.as_secs_f64();
            let rate = if seconds > 0.0 {
                (summary.items as f64 / seconds).round() as u64
            } else {
                0
            };
            bar.set_message(format!(
                "{} rows done: {} upserted, {} failed, {} invalid, {} not sent ({rate} rows/s)",
                summary.items,
                summary.upserted + summary.staged,
                summary.failed,
                summary.invalid,
                summary.not_sent
            ));
        }
    }

    /// Prints `line` on stderr above the bar.
    pub fn note(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| crate::note(line)),
            None => crate::note(line),
        }
    }

    /// Clears the bar.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
