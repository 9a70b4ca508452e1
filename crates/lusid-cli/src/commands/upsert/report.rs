//! The `--report` file: one NDJSON line per input row, appended and
//! flushed after every batch; and reading one back for `--resume`.
//!
//! A line: `{"row": 12, "id": "12", "outcome": "upserted", "luid":
//! "LUID_…"}`; `failed` lines add `type` and `detail` (LUSID's
//! `ErrorDetail`), `invalid` lines `column` and `reason`, `not_sent` lines
//! `status`, `requestId` and `error`.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use lusid::bulk::Outcome;

use super::rows::RowError;

/// What the report says of one row.
pub struct Line<'a> {
    /// The row.
    pub row: u64,
    /// Its correlation id.
    pub id: &'a str,
    /// Its outcome.
    pub outcome: &'a Outcome,
    /// For an invalid row: the column and reason.
    pub invalid: Option<&'a RowError>,
}

/// One report line, fields in this order, absent ones left out.
#[derive(Debug, Default, serde::Serialize)]
struct Recorded<'a> {
    row: u64,
    id: &'a str,
    outcome: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    luid: Option<&'a str>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    error_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(rename = "requestId", skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

/// The report being written.
pub struct Report {
    path: PathBuf,
    out: BufWriter<File>,
}

impl Report {
    /// Opens `path` for appending (created if absent).
    pub fn append(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            path: path.to_owned(),
            out: BufWriter::new(file),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds a line (buffered until [`flush`](Self::flush)).
    pub fn write(&mut self, line: &Line<'_>) -> std::io::Result<()> {
        let mut record = Recorded {
            row: line.row,
            id: line.id,
            outcome: line.outcome.name(),
            ..Recorded::default()
        };
        let error;
        match line.outcome {
            Outcome::Upserted { luid, .. } | Outcome::Staged { luid } => record.luid = Some(luid),
            Outcome::Failed {
                error_type, detail, ..
            } => {
                record.error_type = error_type.as_deref();
                record.detail = detail.as_deref();
            }
            Outcome::Invalid { reason } => {
                record.column = line.invalid.and_then(|e| e.column.as_deref());
                record.reason = Some(line.invalid.map_or(reason.as_str(), |e| e.reason.as_str()));
            }
            Outcome::NotSent { error: failure } => {
                record.status = failure.status().map(|s| s.as_u16());
                record.request_id = failure.request_id();
                error = failure.to_string();
                record.error = Some(&error);
            }
            _ => {}
        }
        self.record(&record)
    }

    /// Adds a `--dry-run` line: outcome `valid`, or `invalid` with the
    /// column and reason.
    pub fn write_checked(
        &mut self,
        row: u64,
        id: &str,
        error: Option<&RowError>,
    ) -> std::io::Result<()> {
        self.record(&Recorded {
            row,
            id,
            outcome: if error.is_some() { "invalid" } else { "valid" },
            column: error.and_then(|e| e.column.as_deref()),
            reason: error.map(|e| e.reason.as_str()),
            ..Recorded::default()
        })
    }

    /// Adds a `skipped` line: a row a resumed report records as upserted.
    pub fn write_skipped(&mut self, row: u64, id: &str) -> std::io::Result<()> {
        self.record(&Recorded {
            row,
            id,
            outcome: "skipped",
            ..Recorded::default()
        })
    }

    fn record(&mut self, record: &Recorded<'_>) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, record)?;
        self.out.write_all(b"\n")
    }

    /// Writes what is buffered to the file.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()?;
        self.out.get_ref().sync_data()
    }
}

/// The rows (row, correlation id) a previous report records as upserted
/// or staged (`skipped` lines of an earlier resume count too).
///
/// # Errors
/// The file cannot be read, or a line other than the last is not a report
/// line (so a file that is not a report is refused).
pub fn done_rows(path: &Path) -> Result<HashSet<(u64, String)>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the report {}: {e}", path.display()))?;
    #[derive(serde::Deserialize)]
    struct Recorded {
        row: u64,
        id: String,
        outcome: String,
    }
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut done = HashSet::new();
    for (index, line) in lines.iter().enumerate() {
        match serde_json::from_str::<Recorded>(line) {
            Ok(recorded) => {
                if matches!(recorded.outcome.as_str(), "upserted" | "staged" | "skipped") {
                    done.insert((recorded.row, recorded.id));
                }
            }
            // A last line cut short by a crash mid-write.
            Err(_) if index + 1 == lines.len() && !text.ends_with('\n') => {
                tracing::warn!(line = index + 1, "skipping the cut-short last report line");
            }
            Err(error) => {
                return Err(format!(
                    "{} is not a report of `lusid instruments upsert`: line {}: {error}",
                    path.display(),
                    index + 1
                ));
            }
        }
    }
    Ok(done)
}
