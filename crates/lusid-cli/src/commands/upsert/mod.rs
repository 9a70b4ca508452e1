//! `lusid instruments upsert`: load instruments from CSV, NDJSON or JSON
//! with `lusid::bulk`, every row accounted for.
//!
//! 1. Every row is read and checked before anything is sent (name, a
//!    unique identifier, known identifier types, property keys, numbers,
//!    dates, duplicated correlation ids); `--dry-run` stops there.
//! 2. The rows are read again and sent in batches; invalid rows and rows a
//!    `--resume` report records as upserted are not sent.
//! 3. Each outcome is appended to the `--report` (flushed after every
//!    batch); stdout gets a summary; the exit status is 1 when any row
//!    failed, was invalid or was not sent.
//!
//! SIGINT/SIGTERM stop reading: the batches in flight finish and are
//! recorded, then the command exits 130/143.

mod input;
mod mapping;
mod progress;
mod report;
mod rows;

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::{FutureExt, StreamExt, future, stream};
use lusid::bulk::{BulkItem, BulkUpsert, ItemOutcome, Summary, UpsertInstruments};
use lusid::models::InstrumentDefinition;

pub use input::InputError;
pub use mapping::MappingError;

use crate::cli::UpsertArgs;
use crate::error::{CliError, Kept};
use crate::session::Session;
use crate::signals::{Caught, Interrupt};
use input::Input;
use mapping::Mapping;
use report::{Line, Report};
use rows::{Row, RowError};

/// Runs `lusid instruments upsert`.
pub async fn upsert(
    session: &Session,
    args: &UpsertArgs,
    interrupt: &mut Interrupt,
) -> Result<(), CliError> {
    let mapping = match &args.mapping {
        Some(path) => Mapping::read(path).map_err(|source| CliError::Mapping(Box::new(source)))?,
        None => Mapping::default(),
    };
    let input = Input::open(&args.from, args.input_format, mapping)?;
    let report_path = args.report.as_ref().or(args.resume.as_ref());
    let mut report = match report_path {
        Some(path) => Some(Report::append(path).map_err(|source| CliError::Report {
            path: path.clone(),
            source,
        })?),
        None => None,
    };

    // Pass 1: check every row.
    let checked = check_all(&input, args.dry_run.then_some(()).and(report.as_mut())).await?;
    if args.dry_run {
        return dry_run_summary(&checked);
    }
    let done = match &args.resume {
        Some(path) => report::done_ids(path).map_err(CliError::Resume)?,
        None => HashSet::new(),
    };

    // Pass 2: send.
    let client = session.client()?;
    let mut upsert = UpsertInstruments::new(&client);
    if let Some(scope) = &args.scope {
        upsert = upsert.scope(scope.clone());
    }
    let bulk = BulkUpsert::new(upsert)
        .batch_size(args.batch_size)
        .concurrency(args.concurrency);
    let stop = Arc::new(AtomicBool::new(false));
    let pending: Arc<Pending> = Arc::default();
    let read_error: Arc<std::sync::Mutex<Option<InputError>>> = Arc::default();
    let skipped = Arc::new(std::sync::atomic::AtomicU64::new(0));

    let items = {
        let (stop, pending, read_error, skipped) = (
            stop.clone(),
            pending.clone(),
            read_error.clone(),
            skipped.clone(),
        );
        let duplicates = Arc::new(checked.duplicates);
        let rows = stream::unfold(input.rows(), |mut rows| async move {
            rows.recv().await.map(|row| (row, rows))
        });
        let mut index = 0u64;
        rows.take_while(move |_| future::ready(!stop.load(Ordering::Relaxed)))
            .filter_map(move |row| {
                let row = match row {
                    Ok(row) => row,
                    Err(error) => {
                        *lock(&read_error) = Some(error);
                        return future::ready(None);
                    }
                };
                if done.contains(&row.id) {
                    skipped.fetch_add(1, Ordering::Relaxed);
                    return future::ready(None);
                }
                let item = to_item(row, &duplicates, &pending, index);
                index += 1;
                future::ready(Some(item))
            })
    };

    let mut outcomes = bulk.run(items);
    let mut progress = progress::Progress::new();
    let mut caught: Option<Caught> = None;
    let report_error = |path: &std::path::Path, source| CliError::Report {
        path: path.to_owned(),
        source,
    };
    loop {
        let next = match outcomes.next().now_or_never() {
            Some(next) => next,
            None => {
                // About to wait for a batch: everything so far is on disk.
                if let Some(report) = report.as_mut() {
                    report.flush().map_err(|e| report_error(report.path(), e))?;
                }
                progress.show(&outcomes.summary());
                if caught.is_some() {
                    outcomes.next().await
                } else {
                    tokio::select! {
                        next = outcomes.next() => next,
                        signal = interrupt.recv() => {
                            caught = Some(signal);
                            stop.store(true, Ordering::Relaxed);
                            progress.note(&format!(
                                "{signal}: finishing the batches in flight; no more rows are read"
                            ));
                            continue;
                        }
                    }
                }
            }
        };
        let Some(ItemOutcome {
            id, index, outcome, ..
        }) = next
        else {
            break;
        };
        let (row, invalid) = lock(&pending).remove(&index).unwrap_or((0, None));
        if let Some(report) = report.as_mut() {
            report
                .write(&Line {
                    row,
                    id: &id,
                    outcome: &outcome,
                    invalid: invalid.as_ref(),
                })
                .map_err(|e| report_error(report.path(), e))?;
        }
    }
    if let Some(report) = report.as_mut() {
        report.flush().map_err(|e| report_error(report.path(), e))?;
    }
    let summary = outcomes.summary();
    progress.finish();
    if let Some(error) = lock(&read_error).take() {
        return Err(CliError::Input(Box::new(error)));
    }
    let skipped = skipped.load(Ordering::Relaxed);
    print_summary(&summary, skipped, report_path.map(|p| p.as_path()))?;
    if let Some(caught) = caught {
        return Err(CliError::Signalled {
            caught,
            written: summary.items,
            kept: report_path.map_or(Kept::Nothing, |path| Kept::InPlace(path.clone())),
        });
    }
    let unsettled = summary.items - summary.upserted - summary.staged;
    if unsettled > 0 {
        return Err(CliError::RowsNotLoaded {
            rows: unsettled,
            report: report_path.cloned(),
        });
    }
    Ok(())
}

/// Items sent and not yet back: bulk index → (row, why it is invalid).
/// Bounded by the batches in flight.
type Pending = std::sync::Mutex<HashMap<u64, (u64, Option<RowError>)>>;

/// The lock of a mutex a panic cannot leave unusable here.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A row as a bulk item, remembering its row number (and, if invalid, its
/// column) until its outcome comes back.
fn to_item(
    row: Row,
    duplicates: &HashMap<u64, u64>,
    pending: &Pending,
    index: u64,
) -> BulkItem<InstrumentDefinition> {
    let parsed = match duplicates.get(&row.row) {
        Some(first) => Err(RowError {
            column: None,
            reason: format!("correlation id `{}` is also used by row {first}", row.id),
        }),
        None => row.parsed,
    };
    match parsed {
        Ok(definition) => {
            lock(pending).insert(index, (row.row, None));
            BulkItem::new(row.id, definition)
        }
        Err(error) => {
            let item = BulkItem::invalid(row.id, error.to_string());
            lock(pending).insert(index, (row.row, Some(error)));
            item
        }
    }
}

/// What the check pass found.
struct Checked {
    rows: u64,
    invalid: u64,
    /// Row → the first row with the same correlation id, for every later
    /// row reusing one.
    duplicates: HashMap<u64, u64>,
}

/// Reads and checks every row; with `dry_run_report`, records each.
async fn check_all(
    input: &Input,
    mut dry_run_report: Option<&mut Report>,
) -> Result<Checked, CliError> {
    // Correlation ids are remembered by a 64-bit hash (8 bytes a row, not
    // the id itself), so memory stays small for millions of rows.
    let hasher = std::collections::hash_map::RandomState::new();
    let mut first_row_of: HashMap<u64, u64> = HashMap::new();
    let mut checked = Checked {
        rows: 0,
        invalid: 0,
        duplicates: HashMap::new(),
    };
    let mut rows = input.rows();
    while let Some(row) = rows.recv().await {
        let row = row?;
        checked.rows += 1;
        let first = *first_row_of
            .entry(hasher.hash_one(&row.id))
            .or_insert(row.row);
        let error = if first != row.row {
            checked.duplicates.insert(row.row, first);
            Some(RowError {
                column: None,
                reason: format!("correlation id `{}` is also used by row {first}", row.id),
            })
        } else {
            row.parsed.as_ref().err().cloned()
        };
        if error.is_some() {
            checked.invalid += 1;
        }
        if let Some(report) = dry_run_report.as_deref_mut() {
            report
                .write_checked(row.row, &row.id, error.as_ref())
                .map_err(|source| CliError::Report {
                    path: report.path().to_owned(),
                    source,
                })?;
        }
        if let (Some(error), None) = (&error, &dry_run_report) {
            tracing::debug!(row = row.row, %error, "invalid row");
        }
    }
    if let Some(report) = dry_run_report {
        report.flush().map_err(|source| CliError::Report {
            path: report.path().to_owned(),
            source,
        })?;
    }
    Ok(checked)
}

fn dry_run_summary(checked: &Checked) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "dry run: {} rows, {} valid, {} invalid; nothing was sent",
        checked.rows,
        checked.rows - checked.invalid,
        checked.invalid
    )
    .map_err(|source| CliError::Output { path: None, source })?;
    if checked.invalid > 0 {
        return Err(CliError::RowsNotLoaded {
            rows: checked.invalid,
            report: None,
        });
    }
    Ok(())
}

fn print_summary(
    summary: &Summary,
    skipped: u64,
    report: Option<&std::path::Path>,
) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    let mut line = format!(
        "{} rows: {} upserted, {} staged, {} failed, {} invalid, {} not sent",
        summary.items,
        summary.upserted,
        summary.staged,
        summary.failed,
        summary.invalid,
        summary.not_sent
    );
    if summary.unconfirmed > 0 {
        line.push_str(&format!(", {} unconfirmed", summary.unconfirmed));
    }
    if skipped > 0 {
        line.push_str(&format!(
            "; {skipped} skipped (upserted in the resumed run)"
        ));
    }
    line.push_str(&format!(
        "; {} batches ({} retries) in {:.1} s",
        summary.batches,
        summary.retries,
        summary.elapsed.as_secs_f64()
    ));
    if let Some(report) = report {
        line.push_str(&format!("; report: {}", report.display()));
    }
    writeln!(stdout, "{line}").map_err(|source| CliError::Output { path: None, source })
}
