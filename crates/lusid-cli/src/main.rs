//! `lusid`: the LUSID command-line tool.
//!
//! stdout carries only the command's result; progress and logs go to
//! stderr, logs through tracing, filtered by `-v` (info), `-vv` (debug),
//! `-vvv` (trace), else `RUST_LOG` (default `warn`). Exit status: 0
//! success, 1 failure, 2 usage error, 130 after SIGINT, 143 after SIGTERM
//! (see docs/cli.md).

mod api;
mod cli;
mod commands;
mod error;
mod output;
mod parse;
mod progress;
mod session;
mod signals;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::cli::Cli;
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_max_level(LevelFilter::TRACE)
        .finish()
        .with(log_filter(cli.global.verbose))
        .init();
    // One extraction is one sequential stream of pages: a single-threaded
    // runtime avoids waking the connection task on another thread for every
    // read.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return report(&CliError::Runtime(error)),
    };
    // Every exit goes back through here, so destructors (which remove
    // temporary output files) always run.
    let outcome = runtime.block_on(async {
        let mut interrupt = signals::Interrupt::install();
        commands::run(cli, &mut interrupt).await
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => report(&error),
    }
}

/// The log filter: `-v` info, `-vv` debug, `-vvv` trace for everything;
/// without `-v`, `RUST_LOG` (comma-separated `target=level` directives and
/// a bare default `level`, such as `lusid_http=debug,warn`), else `warn`.
fn log_filter(verbose: u8) -> Targets {
    let everything = |level| Targets::new().with_default(level);
    match verbose {
        0 => std::env::var("RUST_LOG")
            .ok()
            .and_then(|directives| directives.parse::<Targets>().ok())
            .unwrap_or_else(|| everything(LevelFilter::WARN)),
        1 => everything(LevelFilter::INFO),
        2 => everything(LevelFilter::DEBUG),
        _ => everything(LevelFilter::TRACE),
    }
}

/// Prints the error, its causes and any hint to stderr (if stderr is still
/// there), and returns its exit status.
fn report(error: &CliError) -> ExitCode {
    let mut message = format!("error: {error}");
    let mut source = error.causes();
    while let Some(cause) = source {
        // Some errors end their message with their root cause already;
        // a cause the message already says is not repeated.
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(&format!("\n  caused by: {text}"));
        }
        source = cause.source();
    }
    if let Some(hint) = error.hint() {
        message.push_str(&format!("\n  hint: {hint}"));
    }
    note(&terminal_safe(&message));
    ExitCode::from(error.exit_code())
}

/// `text` with every control character but newline and tab escaped
/// (`\u{1b}`, `\r`): error messages carry what services sent (problem
/// details, SQL error text), which must not drive the terminal.
fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Writes a line for the user to stderr. Unlike `eprintln!`, a closed
/// stderr is ignored rather than a panic.
pub fn note(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}
