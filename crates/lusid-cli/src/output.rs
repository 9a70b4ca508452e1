//! Writers for extracted instruments, one per `--format`, and the output
//! they write to.
//!
//! Each writer writes an instrument as soon as it arrives and is flushed
//! after every page. A JSON array is closed only when the extraction
//! succeeds, so a failed run never looks like a complete document; an
//! `--output` file is written under a temporary name and renamed into place
//! only on success, so a failed run never replaces an earlier good file.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use lusid::models::{Instrument, RawJson};

use crate::cli::Format;

/// Why one instrument could not be written.
#[derive(Debug)]
pub enum WriteError {
    /// The output failed.
    Io(io::Error),
    /// The instrument did not decode into the columns of a flat format.
    Decode(serde_json::Error),
}

impl From<io::Error> for WriteError {
    fn from(error: io::Error) -> Self {
        WriteError::Io(error)
    }
}

/// Writes instruments in one format.
pub trait InstrumentWriter {
    /// Writes one instrument, given exactly as LUSID sent it.
    fn write(&mut self, instrument: &RawJson) -> Result<(), WriteError>;
    /// Pushes what is buffered to the output (called after every page).
    fn flush(&mut self) -> io::Result<()>;
    /// Completes the document (the JSON array's `]`, the header of an empty
    /// CSV) after a successful extraction, and flushes.
    fn finish(&mut self) -> io::Result<()>;
}

/// The writer for `format` over `out`.
pub fn writer(format: Format, out: Box<dyn Write + Send>) -> Box<dyn InstrumentWriter + Send> {
    match format {
        Format::Json => Box::new(JsonArray { out, written: 0 }),
        Format::Ndjson => Box::new(Ndjson { out }),
        Format::Csv => Box::new(Csv {
            out: csv::Writer::from_writer(out),
            header_written: false,
        }),
        Format::Table => Box::new(Table {
            out,
            header_written: false,
        }),
    }
}

/// Bytes buffered before a write system call (a page is flushed as a whole
/// anyway): large enough that a 2000-instrument page takes a few dozen
/// writes rather than hundreds.
const OUTPUT_BUFFER: usize = 256 * 1024;

/// Where the output goes: stdout, or a file written under a temporary name
/// in the same directory and renamed into place by [`Output::commit`].
pub enum Output {
    /// Standard output.
    Stdout,
    /// A file being written.
    File {
        /// The `--output` path.
        path: PathBuf,
        /// The temporary file beside it.
        temporary: tempfile::NamedTempFile,
    },
}

impl Output {
    /// Stdout, or a temporary file beside `path`.
    pub fn open(path: Option<&Path>) -> io::Result<Self> {
        let Some(path) = path else {
            return Ok(Output::Stdout);
        };
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let temporary = tempfile::Builder::new()
            .prefix(".lusid-output-")
            .tempfile_in(directory)?;
        Ok(Output::File {
            path: path.to_owned(),
            temporary,
        })
    }

    /// A buffered writer over this output.
    pub fn writer(&self) -> io::Result<Box<dyn Write + Send>> {
        Ok(match self {
            Output::Stdout => Box::new(io::BufWriter::with_capacity(OUTPUT_BUFFER, io::stdout())),
            Output::File { temporary, .. } => Box::new(io::BufWriter::with_capacity(
                OUTPUT_BUFFER,
                temporary.as_file().try_clone()?,
            )),
        })
    }

    /// After success: moves the file into place (replacing an earlier one).
    pub fn commit(self) -> io::Result<()> {
        match self {
            Output::Stdout => Ok(()),
            Output::File { path, temporary } => {
                temporary.persist(&path).map_err(|error| error.error)?;
                Ok(())
            }
        }
    }

    /// After a failure: keeps what was written as `<path>.partial` (leaving
    /// an earlier file at `path` untouched) and returns where it is.
    pub fn keep_partial(self) -> Option<PathBuf> {
        match self {
            Output::Stdout => None,
            Output::File { path, temporary } => {
                let mut partial = path.into_os_string();
                partial.push(".partial");
                let partial = PathBuf::from(partial);
                temporary.persist(&partial).ok().map(|_| partial)
            }
        }
    }
}

/// Keeps the I/O error kind inside a csv error, so a closed pipe stays a
/// [`io::ErrorKind::BrokenPipe`].
fn csv_error(error: csv::Error) -> io::Error {
    match error.kind() {
        csv::ErrorKind::Io(io) => io::Error::new(io.kind(), error),
        _ => io::Error::other(error),
    }
}

struct JsonArray {
    out: Box<dyn Write + Send>,
    written: u64,
}

impl InstrumentWriter for JsonArray {
    fn write(&mut self, instrument: &RawJson) -> Result<(), WriteError> {
        self.out
            .write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
        self.out.write_all(instrument.get().as_bytes())?;
        self.written += 1;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out
            .write_all(if self.written == 0 { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

struct Ndjson {
    out: Box<dyn Write + Send>,
}

impl InstrumentWriter for Ndjson {
    fn write(&mut self, instrument: &RawJson) -> Result<(), WriteError> {
        self.out.write_all(instrument.get().as_bytes())?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The flat columns of the CSV and table formats; `identifiers` is a JSON
/// object of identifier type to value (without `LusidInstrumentId`, which
/// has its own column).
struct Row {
    luid: String,
    name: String,
    scope: String,
    state: String,
    effective_from: String,
    as_at: String,
    identifiers: String,
}

const CSV_HEADER: [&str; 7] = [
    "lusidInstrumentId",
    "name",
    "scope",
    "state",
    "effectiveFrom",
    "asAtDate",
    "identifiers",
];

impl Row {
    fn of(raw: &RawJson) -> Result<Self, WriteError> {
        let mut instrument: Instrument = raw.deserialize_into().map_err(WriteError::Decode)?;
        instrument.identifiers.remove("LusidInstrumentId");
        // A JSON object, so no identifier value can pose as another.
        let identifiers =
            serde_json::to_string(&instrument.identifiers).map_err(WriteError::Decode)?;
        Ok(Self {
            effective_from: instant(&instrument.version.effective_from),
            as_at: instant(&instrument.version.as_at_date),
            state: instrument.state.to_string(),
            scope: instrument.scope.unwrap_or_default(),
            luid: instrument.lusid_instrument_id,
            name: instrument.name,
            identifiers,
        })
    }
}

struct Csv {
    out: csv::Writer<Box<dyn Write + Send>>,
    header_written: bool,
}

impl Csv {
    fn header(&mut self) -> io::Result<()> {
        if !self.header_written {
            self.out.write_record(CSV_HEADER).map_err(csv_error)?;
            self.header_written = true;
        }
        Ok(())
    }
}

impl InstrumentWriter for Csv {
    fn write(&mut self, instrument: &RawJson) -> Result<(), WriteError> {
        let row = Row::of(instrument)?;
        self.header()?;
        self.out
            .write_record([
                &row.luid,
                &row.name,
                &row.scope,
                &row.state,
                &row.effective_from,
                &row.as_at,
                &row.identifiers,
            ])
            .map_err(csv_error)?;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.header()?;
        self.out.flush()
    }
}

struct Table {
    out: Box<dyn Write + Send>,
    header_written: bool,
}

impl Table {
    fn header(&mut self) -> io::Result<()> {
        if !self.header_written {
            writeln!(
                self.out,
                "{:<14} {:<32} {:<8} {:<10} IDENTIFIERS",
                "LUID", "NAME", "STATE", "SCOPE"
            )?;
            self.header_written = true;
        }
        Ok(())
    }
}

impl InstrumentWriter for Table {
    fn write(&mut self, instrument: &RawJson) -> Result<(), WriteError> {
        let row = Row::of(instrument)?;
        self.header()?;
        writeln!(
            self.out,
            "{:<14} {:<32} {:<8} {:<10} {}",
            printable(&row.luid),
            truncate(&printable(&row.name), 32),
            printable(&row.state),
            printable(&row.scope),
            printable(&row.identifiers)
        )?;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.header()?;
        self.out.flush()
    }
}

/// An instant in LUSID's form, or time's own when LUSID's cannot hold it
/// (a year outside 0000 to 9999, which no LUSID response carries).
fn instant(value: &time::OffsetDateTime) -> String {
    lusid::models::datetime::format(value).unwrap_or_else(|_| value.to_string())
}

/// `text` with control characters escaped (`\u{1b}`, `\n`), so server data
/// cannot drive the terminal or break a row.
fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(width - 1).collect();
        cut.push('…');
        cut
    }
}
