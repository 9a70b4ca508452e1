//! `lusid instruments list`, `get` and `delete`.

use std::io::Write;

use crate::cli::{DeleteArgs, GetArgs, ListArgs};
use crate::error::{CliError, Kept};
use crate::output::{self, Output, Shape, WriteError};
use crate::progress::Progress;
use crate::session::Session;
use crate::signals::Interrupt;
use lusid::models::RawJson;

/// How an extraction ended early.
enum Stop {
    /// A call or the output failed.
    Failed(CliError),
    /// SIGINT or SIGTERM.
    Signal(crate::signals::Caught),
}

/// Extracts instruments page by page, writing each page as it arrives,
/// every instrument exactly as LUSID sent it (the flat formats decode it).
/// A signal stops it as a failure does: the complete records are kept.
pub async fn list(
    session: &Session,
    args: &ListArgs,
    interrupt: &mut Interrupt,
) -> Result<(), CliError> {
    let client = session.client()?;
    let read = &args.read;
    let output = Output::open(read.output.as_deref()).map_err(|source| CliError::Output {
        path: read.output.clone(),
        source,
    })?;
    let output_path = output.path().map(ToOwned::to_owned);
    let output_error = |source| CliError::Output {
        path: output_path.clone(),
        source,
    };
    let mut writer = output::writer(
        args.format,
        Shape::Many,
        &read.property_keys,
        output.writer().map_err(output_error)?,
    );

    let page_size = match args.limit {
        Some(limit) => args.page_size.min(limit.max(1)),
        None => args.page_size,
    };
    let page_size = i64::try_from(page_size).unwrap_or(2000);
    let mut request = client.instruments().list_instruments().page_size(page_size);
    if let Some(scope) = &read.scope {
        request = request.scope(scope);
    }
    if let Some(as_at) = read.as_at {
        request = request.as_at(as_at);
    }
    if let Some(effective_at) = &read.effective_at {
        request = request.effective_at(effective_at);
    }
    if let Some(filter) = &args.filter {
        request = request.filter(filter);
    }
    if !args.sort_by.is_empty() {
        request = request.sort_by(args.sort_by.iter());
    }
    if !read.property_keys.is_empty() {
        request = request.instrument_property_keys(read.property_keys.iter());
    }

    let mut progress = Progress::new(output.is_named());
    let limit_reached = |written: u64| args.limit.is_some_and(|limit| written >= limit);
    let mut written: u64 = 0;
    let extraction = async {
        let mut pages = request.into_raw_pages();
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
            progress.suspend(|| writer.flush()).map_err(output_error)?;
            progress.set(written);
        }
        progress.suspend(|| writer.finish()).map_err(output_error)
    };
    // Records are written synchronously between awaits, so whenever a
    // signal drops the extraction, the writer holds whole records only.
    let outcome = match interrupt.guard(extraction).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(Stop::Failed(error)),
        Err(caught) => Err(Stop::Signal(caught)),
    };
    match outcome {
        Ok(()) => {
            let summary = output.path().map(|p| p.display().to_string());
            output.commit().map_err(output_error)?;
            progress.finish(summary.as_deref());
            tracing::info!(instruments = written, "extraction complete");
            Ok(())
        }
        Err(Stop::Failed(error @ CliError::Output { .. })) => {
            progress.finish(None);
            Err(error)
        }
        Err(Stop::Failed(error)) if written == 0 => {
            progress.finish(None);
            Err(error)
        }
        Err(stop) => {
            progress.finish(None);
            // Whole records only: the JSON array stays open, so the output
            // cannot be mistaken for a complete extraction.
            let flushed = writer.flush();
            drop(writer);
            if let Err(source) = flushed {
                // The output itself is failing: say so rather than claim
                // records were kept.
                if let Stop::Signal(caught) = stop {
                    return Err(CliError::Signalled {
                        caught,
                        written: 0,
                        kept: Kept::Nothing,
                    });
                }
                return Err(output_error(source));
            }
            let kept = output.keep_partial(written);
            Err(match stop {
                Stop::Failed(error) => CliError::Interrupted {
                    written,
                    kept,
                    source: Box::new(error),
                },
                Stop::Signal(caught) => CliError::Signalled {
                    caught,
                    written,
                    kept,
                },
            })
        }
    }
}

/// Gets one instrument by identifier and writes it in `--format`: by
/// default exactly as LUSID sent it.
pub async fn get(session: &Session, args: &GetArgs) -> Result<(), CliError> {
    let client = session.client()?;
    let read = &args.read;
    let output = Output::open(read.output.as_deref()).map_err(|source| CliError::Output {
        path: read.output.clone(),
        source,
    })?;
    let output_path = output.path().map(ToOwned::to_owned);
    let output_error = |source| CliError::Output {
        path: output_path.clone(),
        source,
    };
    let mut request = client
        .instruments()
        .get_instrument(&args.identifier_type, &args.identifier);
    if let Some(scope) = &read.scope {
        request = request.scope(scope);
    }
    if let Some(as_at) = read.as_at {
        request = request.as_at(as_at);
    }
    if let Some(effective_at) = &read.effective_at {
        request = request.effective_at(effective_at);
    }
    if !read.property_keys.is_empty() {
        request = request.property_keys(read.property_keys.iter());
    }
    let instrument: RawJson = request.send_as().await?;
    let mut writer = output::writer(
        args.format,
        Shape::One,
        &read.property_keys,
        output.writer().map_err(output_error)?,
    );
    writer.write(&instrument).map_err(|error| match error {
        WriteError::Io(source) => output_error(source),
        WriteError::Decode(source) => CliError::Decode {
            position: 1,
            source,
        },
    })?;
    writer.finish().map_err(output_error)?;
    drop(writer);
    output.commit().map_err(output_error)
}

/// Deletes one instrument by identifier and prints LUSID's response (the
/// `asAt` of the deletion) on stdout.
pub async fn delete(session: &Session, args: &DeleteArgs) -> Result<(), CliError> {
    let client = session.client()?;
    let mut request = client
        .instruments()
        .delete_instrument(&args.identifier_type, &args.identifier);
    if let Some(scope) = &args.scope {
        request = request.scope(scope);
    }
    let response: RawJson = request.send_as().await?;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(response.get().as_bytes())
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush())
        .map_err(|source| CliError::Output { path: None, source })
}
