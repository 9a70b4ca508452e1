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
use crate::error::CliError;
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
    check_paths(args)?;
    let input = match interrupt
        .guard(Input::open(args.from.clone(), args.input_format, mapping))
        .await
    {
        Ok(input) => input?,
        Err(caught) => return Err(stopped(caught, 0, None)),
    };
    // The resume report is read before anything is appended to it.
    let done = match &args.resume {
        Some(path) => report::done_rows(path).map_err(CliError::Resume)?,
        None => HashSet::new(),
    };
    let report_path = args.report.as_ref().or(args.resume.as_ref());
    let mut report = match report_path {
        Some(path) => Some(Report::append(path).map_err(|source| CliError::Report {
            path: path.clone(),
            source,
        })?),
        None => None,
    };
    // Rows the resumed report already holds get a line only in a new report.
    let record_skipped =
        args.report.is_some() && args.resume.is_some() && args.report != args.resume;

    // Pass 1: check every row (a signal stops it with nothing sent).
    let checked = match interrupt
        .guard(check_all(
            &input,
            args.dry_run.then_some(()).and(report.as_mut()),
        ))
        .await
    {
        Ok(checked) => checked?,
        Err(caught) => return Err(stopped(caught, 0, report_path)),
    };
    if checked.rows == 0 {
        return Err(CliError::Usage(format!(
            "{} has no rows to load",
            args.from.display()
        )));
    }
    if args.dry_run {
        return dry_run_summary(&checked, report_path.map(|p| p.as_path()));
    }

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
    let skipped_rows: Arc<std::sync::Mutex<Vec<(u64, String)>>> = Arc::default();

    let items = {
        let (stop, pending, read_error, skipped, skipped_rows) = (
            stop.clone(),
            pending.clone(),
            read_error.clone(),
            skipped.clone(),
            skipped_rows.clone(),
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
                if done.contains(&(row.row, row.id.clone())) {
                    skipped.fetch_add(1, Ordering::Relaxed);
                    if record_skipped {
                        lock(&skipped_rows).push((row.row, row.id));
                    }
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
                    settle(report, &skipped_rows)?;
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
        settle(report, &skipped_rows)?;
    }
    let summary = outcomes.summary();
    progress.finish();
    if let Some(error) = lock(&read_error).take() {
        return Err(CliError::Input(Box::new(error)));
    }
    let skipped = skipped.load(Ordering::Relaxed);
    print_summary(&summary, skipped, report_path.map(|p| p.as_path()))?;
    if let Some(caught) = caught {
        return Err(stopped(caught, summary.items, report_path));
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

/// Writes the `skipped` lines gathered so far, then flushes the report to
/// disk (after every batch and at the end).
fn settle(
    report: &mut Report,
    skipped_rows: &std::sync::Mutex<Vec<(u64, String)>>,
) -> Result<(), CliError> {
    let path = report.path().to_owned();
    let error = |source| CliError::Report {
        path: path.clone(),
        source,
    };
    for (row, id) in lock(skipped_rows).drain(..) {
        report.write_skipped(row, &id).map_err(error)?;
    }
    report.flush().map_err(error)
}

/// The error of an upsert stopped by a signal after `rows` rows.
fn stopped(caught: Caught, rows: u64, report: Option<&std::path::PathBuf>) -> CliError {
    CliError::UpsertInterrupted {
        caught,
        rows,
        report: report.cloned(),
    }
}

/// Refuses paths that would lose data: a report or resume file that is the
/// input, a report that already has lines (unless it is the resumed one),
/// `-` as a report.
fn check_paths(args: &UpsertArgs) -> Result<(), CliError> {
    let same_file = |a: &std::path::Path, b: &std::path::Path| match (
        std::fs::canonicalize(a),
        std::fs::canonicalize(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    for (flag, path) in [("--report", &args.report), ("--resume", &args.resume)] {
        let Some(path) = path else { continue };
        if path.as_os_str() == "-" {
            return Err(CliError::Usage(format!(
                "{flag} needs a file: the report is also what --resume reads"
            )));
        }
        if same_file(path, &args.from) {
            return Err(CliError::Usage(format!(
                "{flag} {} is the input file: the report would be appended to the rows being read",
                path.display()
            )));
        }
    }
    if let Some(resume) = &args.resume {
        if !resume.is_file() {
            return Err(CliError::Resume(format!(
                "cannot resume from {}: no such report file",
                resume.display()
            )));
        }
    }
    if let Some(report) = &args.report {
        let resumed = args.resume.as_deref().is_some_and(|r| same_file(r, report));
        let has_lines = std::fs::metadata(report).is_ok_and(|m| m.len() > 0);
        if has_lines && !resumed {
            return Err(CliError::Usage(format!(
                "the report {} already has lines: give a new file, or --resume {0} to finish that load",
                report.display()
            )));
        }
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
    duplicates: &HashMap<u64, RowError>,
    pending: &Pending,
    index: u64,
) -> BulkItem<InstrumentDefinition> {
    let parsed = match duplicates.get(&row.row) {
        Some(error) => Err(error.clone()),
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
    duplicates: HashMap<u64, RowError>,
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
    // Unique identifiers (type and value), likewise: two rows with the same
    // one would be upserted into the same instrument, the later one
    // overwriting the earlier.
    let mut first_row_with: HashMap<u64, u64> = HashMap::new();
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
        let mut error = if first != row.row {
            Some(RowError {
                column: None,
                reason: format!("correlation id `{}` is also used by row {first}", row.id),
            })
        } else {
            row.parsed.as_ref().err().cloned()
        };
        if let (None, Ok(definition)) = (&error, &row.parsed) {
            for (kind, value) in &definition.identifiers {
                if !rows::UNIQUE_IDENTIFIER_TYPES.contains(&kind.as_str()) {
                    continue;
                }
                let first = *first_row_with
                    .entry(hasher.hash_one((kind, &value.value)))
                    .or_insert(row.row);
                if first != row.row {
                    error = Some(RowError {
                        column: Some(kind.clone()),
                        reason: format!(
                            "{kind} `{}` is also used by row {first}: both would be upserted into one instrument",
                            value.value
                        ),
                    });
                    break;
                }
            }
        }
        if let (Some(error), true) = (&error, row.parsed.is_ok() || first != row.row) {
            checked.duplicates.insert(row.row, error.clone());
        }
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

fn dry_run_summary(checked: &Checked, report: Option<&std::path::Path>) -> Result<(), CliError> {
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
            report: report.map(ToOwned::to_owned),
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
        "{} {}: {} upserted, {} staged, {} failed, {} invalid, {} not sent",
        summary.items,
        if summary.items == 1 { "row" } else { "rows" },
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
