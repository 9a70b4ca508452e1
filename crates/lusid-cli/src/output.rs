//! Writers for extracted instruments, one per `--format`, and the output
//! they write to.
//!
//! Each writer writes an instrument as soon as it arrives and is flushed
//! after every page. A JSON array is closed only when the extraction
//! succeeds, so a failed run never looks like a complete document; an
//! `--output` file is written under a temporary name and renamed into place
//! only on success, so a failed run never replaces an earlier good file
//! (see [`Output`]).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use lusid::models::{Instrument, Property, RawJson};

use crate::cli::Format;
use crate::error::Kept;

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

/// How many instruments a writer is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Any number (`list`): `json` is an array.
    Many,
    /// Exactly one (`get`): `json` is the instrument itself.
    One,
}

/// The writer for `format` over `out`; the flat formats get one column per
/// key of `properties` after the fixed ones.
pub fn writer(
    format: Format,
    shape: Shape,
    properties: &[String],
    out: Box<dyn Write + Send>,
) -> Box<dyn InstrumentWriter + Send> {
    let properties = properties.to_vec();
    match (format, shape) {
        (Format::Json, Shape::Many) => Box::new(JsonArray { out, written: 0 }),
        (Format::Json | Format::Ndjson, _) => Box::new(Ndjson { out }),
        (Format::Csv, _) => Box::new(Csv {
            out: csv::Writer::from_writer(out),
            header_written: false,
            properties,
        }),
        (Format::Table, _) => Box::new(Table {
            out,
            header_written: false,
            properties,
        }),
    }
}

/// Where the output goes.
///
/// - stdout (no `--output`, `-`, `/dev/stdout`, `/dev/fd/1`) or stderr
///   (`/dev/stderr`, `/dev/fd/2`): the process's own stream;
/// - a regular file, or a path that does not exist yet: written under a
///   hidden temporary name (`.lusid-output-*`) in the target's directory and
///   renamed over the target by [`Output::commit`] only after success, so a
///   failed run never replaces an earlier good file. An existing file keeps
///   its permission bits (and, when possible, its owner); a new file gets
///   the umask's mode. A symbolic link is followed: its target is replaced
///   and the link kept;
/// - anything else (a character device such as `/dev/null`, a FIFO, a
///   `/dev/fd/N` descriptor): opened and written in place.
///
/// The temporary file is removed whenever the `Output` is dropped without
/// being committed or kept (errors, signals, panics).
pub enum Output {
    /// The process's standard output.
    Stdout,
    /// The process's standard error.
    Stderr,
    /// A device, pipe or descriptor, written in place.
    InPlace {
        /// The `--output` path.
        path: PathBuf,
        /// The open file.
        file: File,
    },
    /// A regular file, written under a temporary name and renamed into place.
    Atomic {
        /// The `--output` path as given.
        path: PathBuf,
        /// The file replaced (the symbolic link's target, resolved).
        target: PathBuf,
        /// The temporary file beside `target`.
        temporary: tempfile::NamedTempFile,
    },
}

/// An I/O error without any path in its message (tempfile's errors name
/// the temporary file, which means nothing to the user).
fn plain(error: io::Error) -> io::Error {
    if let Some(code) = error.raw_os_error() {
        return io::Error::from_raw_os_error(code);
    }
    // tempfile's wrapper reads "<OS error> at path <temporary file>" and
    // hides the OS error: keep the first part only.
    let message = error.to_string();
    let message = match message.split_once(" at path ") {
        Some((os, _)) => os.to_owned(),
        None if error.get_ref().is_some() => error.kind().to_string(),
        None => message,
    };
    io::Error::new(error.kind(), message)
}

/// Paths that name the process's own stdout or stderr.
fn standard_stream(path: &Path) -> Option<bool> {
    match path.to_str()? {
        "-" | "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1" => Some(true),
        "/dev/stderr" | "/dev/fd/2" | "/proc/self/fd/2" => Some(false),
        _ => None,
    }
}

/// Whether `path` names an open descriptor (`/dev/fd/N`,
/// `/proc/self/fd/N`), which is written in place even when it is a file.
fn descriptor_path(path: &Path) -> bool {
    path.starts_with("/dev/fd")
        || path.starts_with("/proc/self/fd")
        || path.starts_with("/proc/thread-self/fd")
}

/// The file a chain of symbolic links ends at (which need not exist).
fn link_target(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_owned();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let next = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if next.is_relative() => parent.join(next),
                    _ => next,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::from_raw_os_error(40))
}

/// The directory a file at `path` is created in.
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

impl Output {
    /// Opens the output `path` names (stdout for `None`), before anything
    /// is requested, so that an unusable path fails at once.
    pub fn open(path: Option<&Path>) -> io::Result<Self> {
        let Some(path) = path else {
            return Ok(Output::Stdout);
        };
        if let Some(stdout) = standard_stream(path) {
            return Ok(if stdout {
                Output::Stdout
            } else {
                Output::Stderr
            });
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "it is a directory",
            )),
            Ok(meta) if meta.is_file() && !descriptor_path(path) => {
                let target = std::fs::canonicalize(path)?;
                let temporary = Self::temporary(&target, None)?;
                let file = temporary.as_file();
                file.set_permissions(meta.permissions()).map_err(plain)?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::MetadataExt;
                    let created = file.metadata().map_err(plain)?;
                    if created.uid() != meta.uid() || created.gid() != meta.gid() {
                        // Only root may give a file away; anyone else's
                        // replacement is theirs, as with any editor.
                        let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
                    }
                }
                Ok(Output::Atomic {
                    path: path.to_owned(),
                    target,
                    temporary,
                })
            }
            Ok(_) => {
                let file = std::fs::OpenOptions::new().write(true).open(path)?;
                Ok(Output::InPlace {
                    path: path.to_owned(),
                    file,
                })
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                let target = link_target(path)?;
                if !directory_of(&target).is_dir() {
                    return Err(io::Error::new(
                        io::ErrorKind::NotFound,
                        format!(
                            "directory {} does not exist",
                            directory_of(&target).display()
                        ),
                    ));
                }
                let temporary = Self::temporary(&target, Some(0o666))?;
                Ok(Output::Atomic {
                    path: path.to_owned(),
                    target,
                    temporary,
                })
            }
            Err(error) => Err(error),
        }
    }

    /// A hidden temporary file beside `target`: mode `mode` less the umask
    /// (new files), else 0600 until the caller sets the replaced file's.
    fn temporary(target: &Path, mode: Option<u32>) -> io::Result<tempfile::NamedTempFile> {
        let mut builder = tempfile::Builder::new();
        builder.prefix(".lusid-output-");
        #[cfg(unix)]
        if let Some(mode) = mode {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(mode));
        }
        #[cfg(not(unix))]
        let _ = mode;
        builder.tempfile_in(directory_of(target)).map_err(plain)
    }

    /// The path to name in messages (`None` for stdout).
    pub fn path(&self) -> Option<&Path> {
        match self {
            Output::Stdout => None,
            Output::Stderr => Some(Path::new("/dev/stderr")),
            Output::InPlace { path, .. } | Output::Atomic { path, .. } => Some(path),
        }
    }

    /// Whether the output is a file or device rather than the process's
    /// own stdout or stderr.
    pub fn is_named(&self) -> bool {
        matches!(self, Output::InPlace { .. } | Output::Atomic { .. })
    }

    /// A writer over this output that holds what is written until
    /// `flush` (called once a page), so a page reaches the output whole.
    pub fn writer(&self) -> io::Result<Box<dyn Write + Send>> {
        let inner: Box<dyn Write + Send> = match self {
            Output::Stdout => Box::new(io::stdout()),
            Output::Stderr => Box::new(io::stderr()),
            Output::InPlace { file, .. } => Box::new(file.try_clone()?),
            Output::Atomic { temporary, .. } => {
                Box::new(temporary.as_file().try_clone().map_err(plain)?)
            }
        };
        Ok(Box::new(PageBuffer {
            inner,
            buffer: Vec::with_capacity(OUTPUT_BUFFER),
        }))
    }

    /// After success: moves the file into place (replacing an earlier one,
    /// or a symbolic link's target) after syncing it.
    pub fn commit(self) -> io::Result<()> {
        match self {
            Output::Stdout | Output::Stderr => Ok(()),
            Output::InPlace { file, .. } => {
                // Devices and pipes may not support fsync.
                let _ = file.sync_all();
                Ok(())
            }
            Output::Atomic {
                target, temporary, ..
            } => {
                temporary.as_file().sync_all().map_err(plain)?;
                temporary
                    .persist(&target)
                    .map_err(|error| plain(error.error))?;
                Ok(())
            }
        }
    }

    /// After a failure or signal: keeps what was written as
    /// `<target>.partial` (leaving the `--output` file untouched) and says
    /// where the `written` complete records are.
    pub fn keep_partial(self, written: u64) -> Kept {
        match self {
            Output::Stdout => Kept::Stdout,
            Output::Stderr => Kept::InPlace(PathBuf::from("/dev/stderr")),
            Output::InPlace { path, .. } => Kept::InPlace(path),
            Output::Atomic { path, .. } if written == 0 => Kept::Unchanged(path),
            Output::Atomic {
                path,
                target,
                temporary,
            } => {
                let mut partial = target.into_os_string();
                partial.push(".partial");
                let partial = PathBuf::from(partial);
                match temporary.persist(&partial) {
                    Ok(_) => Kept::Partial {
                        partial,
                        output: path,
                    },
                    Err(_) => Kept::Lost(path),
                }
            }
        }
    }
}

/// Bytes reserved for one page of output; a page is written out whole
/// by `flush`.
const OUTPUT_BUFFER: usize = 256 * 1024;

/// Holds everything written until `flush`, then writes it in one go, so
/// the output only ever gets whole pages (and so whole records), and a
/// progress bar on the same terminal can step aside for it.
struct PageBuffer {
    inner: Box<dyn Write + Send>,
    buffer: Vec<u8>,
}

impl Write for PageBuffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.buffer.is_empty() {
            let result = self.inner.write_all(&self.buffer);
            self.buffer.clear();
            result?;
        }
        self.inner.flush()
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

/// The flat columns of the CSV and table formats: the six fixed ones, one
/// per requested property key (empty when the instrument has none), then
/// `identifiers`, a JSON object of identifier type to value (without
/// `LusidInstrumentId`, which has its own column).
struct Row {
    luid: String,
    name: String,
    scope: String,
    state: String,
    effective_from: String,
    as_at: String,
    identifiers: String,
    properties: Vec<String>,
}

/// The fixed column names before the property columns, shared by CSV and
/// table headers.
const COLUMNS: [&str; 6] = [
    "lusidInstrumentId",
    "name",
    "scope",
    "state",
    "effectiveFrom",
    "asAtDate",
];

/// The last column's name.
const IDENTIFIERS: &str = "identifiers";

/// Every column name for these property keys, in order.
fn header(properties: &[String]) -> impl Iterator<Item = &str> {
    COLUMNS
        .iter()
        .copied()
        .chain(properties.iter().map(String::as_str))
        .chain(std::iter::once(IDENTIFIERS))
}

impl Row {
    fn of(raw: &RawJson, keys: &[String]) -> Result<Self, WriteError> {
        let mut instrument: Instrument = raw.deserialize_into().map_err(WriteError::Decode)?;
        instrument.identifiers.remove("LusidInstrumentId");
        // A JSON object, so no identifier value can pose as another.
        let identifiers =
            serde_json::to_string(&instrument.identifiers).map_err(WriteError::Decode)?;
        let held = instrument.properties.unwrap_or_default();
        let properties = keys
            .iter()
            .map(|key| {
                held.iter()
                    .find(|p| &p.key == key)
                    .map_or_else(String::new, property_text)
            })
            .collect();
        Ok(Self {
            effective_from: instant(&instrument.version.effective_from),
            as_at: instant(&instrument.version.as_at_date),
            state: instrument.state.to_string(),
            scope: instrument.scope.unwrap_or_default(),
            luid: instrument.lusid_instrument_id,
            name: instrument.name,
            identifiers,
            properties,
        })
    }

    /// Every cell, in column order.
    fn cells(&self) -> impl Iterator<Item = &str> {
        [
            &self.luid,
            &self.name,
            &self.scope,
            &self.state,
            &self.effective_from,
            &self.as_at,
        ]
        .into_iter()
        .chain(&self.properties)
        .chain(std::iter::once(&self.identifiers))
        .map(String::as_str)
    }
}

/// A property's value as one cell: a label as text, a metric as its exact
/// literal (and unit, if any), a label set as a JSON array.
fn property_text(property: &Property) -> String {
    let Some(value) = &property.value else {
        return String::new();
    };
    if let Some(label) = &value.label_value {
        return label.clone();
    }
    if let Some(metric) = &value.metric_value {
        let number = metric.value.as_ref().map(|n| n.as_str().to_owned());
        return match (number, &metric.unit) {
            (Some(number), Some(unit)) if !unit.is_empty() => format!("{number} {unit}"),
            (Some(number), _) => number,
            (None, Some(unit)) => unit.clone(),
            (None, None) => String::new(),
        };
    }
    if let Some(set) = &value.label_value_set {
        return serde_json::to_string(&set.values).unwrap_or_default();
    }
    serde_json::to_string(value).unwrap_or_default()
}

struct Csv {
    out: csv::Writer<Box<dyn Write + Send>>,
    header_written: bool,
    properties: Vec<String>,
}

impl Csv {
    fn header(&mut self) -> io::Result<()> {
        if !self.header_written {
            self.out
                .write_record(header(&self.properties))
                .map_err(csv_error)?;
            self.header_written = true;
        }
        Ok(())
    }
}

impl InstrumentWriter for Csv {
    fn write(&mut self, instrument: &RawJson) -> Result<(), WriteError> {
        let row = Row::of(instrument, &self.properties)?;
        self.header()?;
        self.out.write_record(row.cells()).map_err(csv_error)?;
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

/// Widths of the table's fixed columns (the name is truncated to its
/// width; LUSID instants are 33 characters).
const TABLE_WIDTHS: [usize; 6] = [14, 32, 10, 8, 33, 33];

/// The narrowest a property column is padded to.
const PROPERTY_WIDTH: usize = 12;

struct Table {
    out: Box<dyn Write + Send>,
    header_written: bool,
    properties: Vec<String>,
}

impl Table {
    /// The padding of column `index`: the fixed widths, then each property
    /// column as wide as its key; the last column is not padded.
    fn width(&self, index: usize) -> Option<usize> {
        match TABLE_WIDTHS.get(index) {
            Some(width) => Some(*width),
            None => self
                .properties
                .get(index - TABLE_WIDTHS.len())
                .map(|key| key.chars().count().max(PROPERTY_WIDTH)),
        }
    }

    /// Writes one line of cells, control characters escaped, separated by
    /// a space (two before the property and identifier columns).
    fn line<'a>(&mut self, cells: impl Iterator<Item = &'a str>) -> io::Result<()> {
        let mut line = String::new();
        for (index, cell) in cells.enumerate() {
            let cell = printable(cell);
            if index > 0 {
                line.push_str(if index >= TABLE_WIDTHS.len() {
                    "  "
                } else {
                    " "
                });
            }
            match self.width(index) {
                // Only the name is cut: every other value is shown whole.
                Some(width) if index == 1 => {
                    line.push_str(&format!("{:<width$}", truncate(&cell, width)))
                }
                Some(width) => line.push_str(&format!("{cell:<width$}")),
                None => line.push_str(&cell),
            }
        }
        writeln!(self.out, "{}", line.trim_end())
    }

    fn header(&mut self) -> io::Result<()> {
        if !self.header_written {
            let properties = self.properties.clone();
            self.line(header(&properties))?;
            self.header_written = true;
        }
        Ok(())
    }
}

impl InstrumentWriter for Table {
    fn write(&mut self, instrument: &RawJson) -> Result<(), WriteError> {
        let row = Row::of(instrument, &self.properties)?;
        self.header()?;
        self.line(row.cells())?;
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
pub fn printable(text: &str) -> String {
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
