//! `lusid instruments list` and `lusid instruments get`.

use std::fs::File;
use std::io::{BufWriter, Write};

use futures_util::TryStreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{GetArgs, ListArgs};
use crate::error::CliError;
use crate::output;
use crate::session::Session;

/// Extracts instruments page by page, writing each page as it arrives.
pub async fn list(session: &Session, args: &ListArgs) -> Result<(), CliError> {
    let client = session.client()?;
    let output_error = |source| CliError::Output {
        path: args.output.clone(),
        source,
    };
    let out: Box<dyn Write + Send> = match &args.output {
        Some(path) => Box::new(BufWriter::new(File::create(path).map_err(output_error)?)),
        None => Box::new(BufWriter::new(std::io::stdout())),
    };
    let mut writer = output::writer(args.format, out);

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
    let mut written: u64 = 0;
    let outcome = async {
        let mut pages = std::pin::pin!(request.into_pages());
        while let Some(page) = pages.try_next().await? {
            for instrument in &page.values {
                if args.limit.is_some_and(|limit| written >= limit) {
                    return Ok(());
                }
                writer.write(instrument).map_err(output_error)?;
                written += 1;
            }
            writer.flush().map_err(output_error)?;
            progress.set_position(written);
        }
        Ok::<(), CliError>(())
    }
    .await;
    progress.finish_and_clear();
    let finished = writer.finish().map_err(output_error);
    match outcome.and(finished) {
        Ok(()) => {
            tracing::info!(instruments = written, "extraction complete");
            Ok(())
        }
        Err(error) if written > 0 => Err(CliError::Interrupted {
            written,
            source: Box::new(error),
        }),
        Err(error) => Err(error),
    }
}

/// Gets one instrument by identifier and prints it as LUSID sends it.
pub async fn get(session: &Session, args: &GetArgs) -> Result<(), CliError> {
    let client = session.client()?;
    let mut request = client
        .instruments()
        .get_instrument(&args.identifier_type, &args.identifier);
    if let Some(scope) = &args.scope {
        request = request.scope(scope);
    }
    let instrument = request.send().await?;
    let output_error = |source| CliError::Output { path: None, source };
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &instrument)
        .map_err(|e| output_error(std::io::Error::other(e)))?;
    writeln!(stdout)
        .and_then(|()| stdout.flush())
        .map_err(output_error)
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
