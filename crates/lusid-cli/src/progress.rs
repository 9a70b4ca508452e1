//! Progress of an extraction on stderr: rows written and the rate.
//!
//! - stderr is a terminal: an indicatif spinner, redrawn in place (and
//!   ticking while a slow server is awaited);
//! - stderr is not a terminal but the output is a file (`--output`): a
//!   plain line every few seconds, and one when the extraction ends;
//! - stderr is not a terminal and the output is stdout: nothing, so that
//!   `lusid … > out 2> log` logs only warnings and errors.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a plain progress line is written.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// How progress is shown.
enum Display {
    Hidden,
    Bar(ProgressBar),
    Plain { last: Instant },
}

/// The progress of one extraction.
pub struct Progress {
    display: Display,
    started: Instant,
    position: u64,
}

impl Progress {
    /// Progress for an extraction writing to a file (`to_file`) or stdout,
    /// as the module documentation says.
    pub fn new(to_file: bool) -> Self {
        let display = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {human_pos} instruments ({rate}) {elapsed}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner())
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
                        let rate = state.per_sec();
                        let rate = if rate.is_finite() {
                            rate.round() as u64
                        } else {
                            0
                        };
                        let _ = write!(out, "{}/s", thousands(rate));
                    },
                ),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            Display::Bar(bar)
        } else if to_file {
            Display::Plain {
                last: Instant::now(),
            }
        } else {
            Display::Hidden
        };
        Self {
            display,
            started: Instant::now(),
            position: 0,
        }
    }

    /// Records that `written` instruments are written.
    pub fn set(&mut self, written: u64) {
        self.position = written;
        match &mut self.display {
            Display::Hidden => {}
            Display::Bar(bar) => bar.set_position(written),
            Display::Plain { last } => {
                if last.elapsed() >= PLAIN_EVERY {
                    *last = Instant::now();
                    let line = self.line();
                    crate::note(&line);
                }
            }
        }
    }

    /// Runs `work` (writing to a terminal the bar may share) with the bar
    /// cleared.
    pub fn suspend<R>(&self, work: impl FnOnce() -> R) -> R {
        match &self.display {
            Display::Bar(bar) => bar.suspend(work),
            _ => work(),
        }
    }

    /// Instruments so far, seconds elapsed, and the rate.
    fn figures(&self) -> (String, f64, String) {
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = if elapsed > 0.0 {
            self.position as f64 / elapsed
        } else {
            0.0
        };
        (
            thousands(self.position),
            elapsed,
            thousands(rate.round() as u64),
        )
    }

    /// `12,000 instruments in 3.5 s (3,400/s)`.
    fn line(&self) -> String {
        let (count, elapsed, rate) = self.figures();
        format!("{count} instruments in {elapsed:.1} s ({rate}/s)")
    }

    /// Clears the bar; with `summary` (a successful run to a file), says
    /// what was written where.
    pub fn finish(self, summary: Option<&str>) {
        if let Display::Bar(bar) = &self.display {
            bar.finish_and_clear();
        }
        if let (Some(summary), false) = (summary, matches!(self.display, Display::Hidden)) {
            let (count, elapsed, rate) = self.figures();
            let line =
                format!("wrote {count} instruments to {summary} in {elapsed:.1} s ({rate}/s)");
            let _ = writeln!(std::io::stderr(), "{line}");
        }
    }
}

/// `n` with thousands separators (`1,234,567`).
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1000), "1,000");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }
}
