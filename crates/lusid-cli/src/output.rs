//! Writers for extracted instruments, one per `--format`. Each writes an
//! instrument as soon as it arrives and flushes after every page, so a long
//! extraction that fails part-way leaves every complete record it got.

use std::io::{self, Write};

use lusid::models::Instrument;

use crate::cli::Format;

/// Writes instruments in one format.
pub trait InstrumentWriter {
    /// Writes one instrument.
    fn write(&mut self, instrument: &Instrument) -> io::Result<()>;
    /// Pushes what is buffered to the output (called after every page).
    fn flush(&mut self) -> io::Result<()>;
    /// Closes the document (the JSON array's `]`) and flushes.
    fn finish(self: Box<Self>) -> io::Result<()>;
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

/// Keeps the I/O error kind inside a serde_json error, so a closed pipe
/// stays a [`io::ErrorKind::BrokenPipe`].
fn json_error(error: serde_json::Error) -> io::Error {
    match error.io_error_kind() {
        Some(kind) => io::Error::new(kind, error),
        None => io::Error::other(error),
    }
}

/// Keeps the I/O error kind inside a csv error, like [`json_error`].
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
    fn write(&mut self, instrument: &Instrument) -> io::Result<()> {
        self.out
            .write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
        serde_json::to_writer(&mut self.out, instrument).map_err(json_error)?;
        self.written += 1;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out
            .write_all(if self.written == 0 { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }
}

struct Ndjson {
    out: Box<dyn Write + Send>,
}

impl InstrumentWriter for Ndjson {
    fn write(&mut self, instrument: &Instrument) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, instrument).map_err(json_error)?;
        self.out.write_all(b"\n")
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.flush()
    }
}

/// The flat columns of the CSV and table formats.
struct Row {
    luid: String,
    name: String,
    scope: String,
    state: String,
    effective_from: String,
    as_at: String,
    identifiers: String,
}

impl Row {
    fn of(instrument: &Instrument) -> Self {
        let identifiers = instrument
            .identifiers
            .iter()
            .filter(|(kind, _)| kind.as_str() != "LusidInstrumentId")
            .map(|(kind, value)| format!("{kind}={}", value.as_deref().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(";");
        Self {
            luid: instrument.lusid_instrument_id.clone(),
            name: instrument.name.clone(),
            scope: instrument.scope.clone().unwrap_or_default(),
            state: instrument.state.to_string(),
            effective_from: instant(&instrument.version.effective_from),
            as_at: instant(&instrument.version.as_at_date),
            identifiers,
        }
    }
}

struct Csv {
    out: csv::Writer<Box<dyn Write + Send>>,
    header_written: bool,
}

impl InstrumentWriter for Csv {
    fn write(&mut self, instrument: &Instrument) -> io::Result<()> {
        if !self.header_written {
            self.out
                .write_record([
                    "lusidInstrumentId",
                    "name",
                    "scope",
                    "state",
                    "effectiveFrom",
                    "asAtDate",
                    "identifiers",
                ])
                .map_err(csv_error)?;
            self.header_written = true;
        }
        let row = Row::of(instrument);
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
            .map_err(csv_error)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.flush()
    }
}

struct Table {
    out: Box<dyn Write + Send>,
    header_written: bool,
}

impl InstrumentWriter for Table {
    fn write(&mut self, instrument: &Instrument) -> io::Result<()> {
        if !self.header_written {
            writeln!(
                self.out,
                "{:<14} {:<32} {:<8} {:<10} IDENTIFIERS",
                "LUID", "NAME", "STATE", "SCOPE"
            )?;
            self.header_written = true;
        }
        let row = Row::of(instrument);
        writeln!(
            self.out,
            "{:<14} {:<32} {:<8} {:<10} {}",
            row.luid,
            truncate(&row.name, 32),
            row.state,
            row.scope,
            row.identifiers
        )
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.flush()
    }
}

/// An instant in LUSID's form, or time's own when LUSID's cannot hold it
/// (a year outside 0000 to 9999, which no LUSID response carries).
fn instant(value: &time::OffsetDateTime) -> String {
    lusid::models::datetime::format(value).unwrap_or_else(|_| value.to_string())
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
