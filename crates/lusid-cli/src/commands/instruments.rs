//! `lusid instruments list` and `lusid instruments get`.

use std::io::Write;

use futures_util::TryStreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{GetArgs, ListArgs};
use crate::error::CliError;
use crate::output::{self, Output, WriteError};
use crate::session::Session;
use lusid::models::RawJson;

/// Extracts instruments page by page, writing each page as it arrives,
/// every instrument exactly as LUSID sent it (the flat formats decode it).
pub async fn list(session: &Session, args: &ListArgs) -> Result<(), CliError> {
    let client = session.client()?;
    let output_error = |source| CliError::Output {
        path: args.output.clone(),
        source,
    };
    let output = Output::open(args.output.as_deref()).map_err(output_error)?;
    let mut writer = output::writer(args.format, output.writer().map_err(output_error)?);

    let page_size = match args.limit {
        Some(limit) => args
            .page_size
            .min(i64::try_from(limit.max(1)).unwrap_or(i64::MAX)),
        None => args.page_size,
    };
    let mut request = client.instruments().list_instruments().page_size(page_size);
    if let Some(scope) = &args.scope {
        request = request.scope(scope);
    }
    if let Some(as_at) = args.as_at {
        request = request.as_at(as_at);
    }
    if let Some(effective_at) = &args.effective_at {
        request = request.effective_at(effective_at);
    }
    if let Some(filter) = &args.filter {
        request = request.filter(filter);
    }

    let progress = progress_bar();
    let limit_reached = |written: u64| args.limit.is_some_and(|limit| written >= limit);
    let mut written: u64 = 0;
    let outcome = async {
        let mut pages = std::pin::pin!(request.into_raw_pages());
        while !limit_reached(written) {
            let Some(page) = pages.try_next().await? else {
                break;
            };
            for instrument in &page.values {
                if limit_reached(written) {
                    break;
                }
                writer.write(instrument).map_err(|error| match error {
                    WriteError::Io(source) => output_error(source),
                    WriteError::Decode(source) => CliError::Decode {
                        position: written + 1,
                        source,
                    },
                })?;
                written += 1;
            }
            writer.flush().map_err(output_error)?;
            progress.set_position(written);
        }
        writer.finish().map_err(output_error)
    }
    .await;
    progress.finish_and_clear();
    match outcome {
        Ok(()) => {
            output.commit().map_err(output_error)?;
            tracing::info!(instruments = written, "extraction complete");
            Ok(())
        }
        Err(error @ CliError::Output { .. }) => Err(error),
        Err(error) if written == 0 => Err(error),
        Err(error) => {
            // Whole records only: the JSON array stays open, so the output
            // cannot be mistaken for a complete extraction.
            let flushed = writer.flush();
            drop(writer);
            let partial = output.keep_partial();
            flushed.map_err(output_error)?;
            Err(CliError::Interrupted {
                written,
                partial,
                source: Box::new(error),
            })
        }
    }
}

/// Gets one instrument by identifier and prints it exactly as LUSID sent it.
pub async fn get(session: &Session, args: &GetArgs) -> Result<(), CliError> {
    let client = session.client()?;
    let mut request = client
        .instruments()
        .get_instrument(&args.identifier_type, &args.identifier);
    if let Some(scope) = &args.scope {
        request = request.scope(scope);
    }
    let instrument: RawJson = request.send_as().await?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(instrument.get().as_bytes())
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush())
        .map_err(|source| CliError::Output { path: None, source })
}

/// A spinner with a count on stderr, drawn only when stderr is a terminal.
fn progress_bar() -> ProgressBar {
    let progress = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    progress.set_style(
        ProgressStyle::with_template("{spinner} {human_pos} instruments ({per_sec}) {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    progress
}
