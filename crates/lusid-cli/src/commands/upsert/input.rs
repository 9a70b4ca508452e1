//! Reading the input file record by record, on a blocking thread, into a
//! bounded channel: memory does not grow with the file.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde_json::value::RawValue;
use tokio::sync::mpsc;

use super::mapping::{Mapping, MappingError};
use super::rows::{self, Row};
use crate::cli::InputFormat;

/// Rows read ahead of the sender.
const READ_AHEAD: usize = 4096;

/// Why the input cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file cannot be opened or read.
    #[error("cannot read {}", .path.display())]
    Io {
        /// The file (`-` for stdin).
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not CSV, NDJSON or JSON as its format says.
    #[error("{} is not valid {format} at line {line}: {reason}", .path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The format read.
        format: &'static str,
        /// Where.
        line: u64,
        /// What.
        reason: String,
    },
    /// The CSV header or mapping cannot be used.
    #[error("the CSV header of {} cannot be used", .path.display())]
    Mapping {
        /// The file.
        path: PathBuf,
        /// What.
        #[source]
        source: MappingError,
    },
    /// `--from -` with stdin a terminal.
    #[error(
        "--from - reads stdin, which is a terminal here: pipe the rows in, or give --from FILE"
    )]
    Terminal,
    /// The format cannot be told from the file name.
    #[error("cannot tell the format of {} from its name: give --input-format csv, ndjson or json", .0.display())]
    UnknownFormat(PathBuf),
}

/// The input: a file (stdin is first copied to a temporary file, so it can
/// be read twice: once to check every row, once to send).
pub struct Input {
    path: PathBuf,
    shown: PathBuf,
    format: InputFormat,
    mapping: Arc<Mapping>,
    _spooled: Option<tempfile::TempPath>,
}

impl Input {
    /// Opens `path` (`-`: stdin, which must not be a terminal) as `format`,
    /// or as its extension says. Copying stdin runs on a blocking thread, so
    /// a signal can stop the wait.
    pub async fn open(
        path: PathBuf,
        format: Option<InputFormat>,
        mapping: Mapping,
    ) -> Result<Self, InputError> {
        let format = match format {
            Some(format) => format,
            None => match path.extension().and_then(|e| e.to_str()) {
                Some(ext) if ext.eq_ignore_ascii_case("csv") => InputFormat::Csv,
                Some(ext) if ext.eq_ignore_ascii_case("json") => InputFormat::Json,
                Some(ext)
                    if ["ndjson", "jsonl"]
                        .iter()
                        .any(|e| ext.eq_ignore_ascii_case(e)) =>
                {
                    InputFormat::Ndjson
                }
                _ if path == Path::new("-") => InputFormat::Ndjson,
                _ => return Err(InputError::UnknownFormat(path)),
            },
        };
        let io = |path: &Path, source| InputError::Io {
            path: path.to_owned(),
            source,
        };
        let (read_path, spooled) = if path == Path::new("-") {
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                return Err(InputError::Terminal);
            }
            let spool = tokio::task::spawn_blocking(|| -> std::io::Result<tempfile::TempPath> {
                let mut file = tempfile::NamedTempFile::new()?;
                std::io::copy(&mut std::io::stdin().lock(), &mut file)?;
                Ok(file.into_temp_path())
            });
            let spooled = match spool.await {
                Ok(result) => result.map_err(|e| io(&path, e))?,
                Err(join) => return Err(io(&path, std::io::Error::other(join.to_string()))),
            };
            (spooled.to_path_buf(), Some(spooled))
        } else {
            if path.is_dir() {
                return Err(io(
                    &path,
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, "it is a directory"),
                ));
            }
            File::open(&path).map_err(|e| io(&path, e))?;
            (path.clone(), None)
        };
        Ok(Self {
            path: read_path,
            shown: path,
            format,
            mapping: Arc::new(mapping),
            _spooled: spooled,
        })
    }

    /// Reads every row in order on a blocking thread. The receiver gets
    /// each [`Row`] and, last, any error that stopped the reading. Dropping
    /// the receiver stops the reader.
    pub fn rows(&self) -> mpsc::Receiver<Result<Row, InputError>> {
        let (sender, receiver) = mpsc::channel(READ_AHEAD);
        let (path, shown, format, mapping) = (
            self.path.clone(),
            self.shown.clone(),
            self.format,
            self.mapping.clone(),
        );
        tokio::task::spawn_blocking(move || {
            let send = |row: Row| sender.blocking_send(Ok(row)).is_ok();
            let result = read(&path, &shown, format, &mapping, send);
            if let Err(error) = result {
                let _ = sender.blocking_send(Err(error));
            }
        });
        receiver
    }
}

/// Reads the file, calling `send` for each row until it returns false.
fn read(
    path: &Path,
    shown: &Path,
    format: InputFormat,
    mapping: &Mapping,
    mut send: impl FnMut(Row) -> bool,
) -> Result<(), InputError> {
    let io = |source| InputError::Io {
        path: shown.to_owned(),
        source,
    };
    let syntax = |format: &'static str, line: u64, reason: String| InputError::Syntax {
        path: shown.to_owned(),
        format,
        line,
        reason,
    };
    let file = BufReader::with_capacity(256 * 1024, CrlfToLf::new(File::open(path).map_err(io)?));
    match format {
        InputFormat::Ndjson => {
            for (index, line) in file.lines().enumerate() {
                let line = line.map_err(io)?;
                let number = index as u64 + 1;
                if line.trim().is_empty() {
                    continue;
                }
                let raw: &RawValue = serde_json::from_str(&line)
                    .map_err(|e| syntax("NDJSON", number, e.to_string()))?;
                if !send(rows::from_json(number, raw)) {
                    return Ok(());
                }
            }
            Ok(())
        }
        InputFormat::Json => read_json_array(file, &mut send)
            .map_err(|e| syntax("JSON", e.line() as u64, e.to_string())),
        InputFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
            let header = reader
                .headers()
                .map_err(|e| syntax("CSV", 1, e.to_string()))?
                .clone();
            let columns = mapping
                .columns(&header)
                .map_err(|source| InputError::Mapping {
                    path: shown.to_owned(),
                    source,
                })?;
            let mut record = csv::StringRecord::new();
            loop {
                let line = reader.position().line() + 1;
                match reader.read_record(&mut record) {
                    Ok(false) => return Ok(()),
                    Ok(true) => {
                        // The reader is now past the record's terminator
                        // (blank lines before it were skipped): its first
                        // line is found back from its end.
                        let inside: u64 = record
                            .iter()
                            .map(|field| field.matches('\n').count() as u64)
                            .sum();
                        let after = reader.position().line();
                        let last = if reader.is_done() {
                            after
                        } else {
                            after.saturating_sub(1)
                        };
                        // The record's own position is right unless blank
                        // lines preceded it, the end-based one unless the
                        // file ends without a newline: the larger is right.
                        let from_start = record.position().map_or(line, |p| p.line());
                        let line = last.saturating_sub(inside).max(from_start).max(2);
                        if !send(rows::from_csv(line, &columns, &record, mapping)) {
                            return Ok(());
                        }
                    }
                    Err(error) => return Err(syntax("CSV", line, error.to_string())),
                }
            }
        }
    }
}

/// Reads a JSON array element by element (never the whole array at once).
fn read_json_array(
    reader: impl Read,
    send: &mut impl FnMut(Row) -> bool,
) -> Result<(), serde_json::Error> {
    struct Elements<'a, F>(&'a mut F);

    impl<'de, F: FnMut(Row) -> bool> Visitor<'de> for Elements<'_, F> {
        type Value = ();

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON array of instrument definitions")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut position = 0u64;
            let mut sending = true;
            while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
                position += 1;
                if sending {
                    sending = (self.0)(rows::from_json(position, &raw));
                }
            }
            Ok(())
        }
    }

    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    deserializer.deserialize_seq(Elements(send))?;
    deserializer.end()
}

/// A reader that turns each CRLF into LF, so that line numbers (which the
/// CSV reader counts by LF) are right for files written on Windows.
struct CrlfToLf<R> {
    inner: R,
    /// A `\r` read at the end of the last chunk, not yet known to precede `\n`.
    pending_cr: bool,
}

impl<R: Read> CrlfToLf<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            pending_cr: false,
        }
    }
}

impl<R: Read> Read for CrlfToLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            // Room for a held-back `\r`.
            let start = usize::from(self.pending_cr);
            let read = self.inner.read(&mut buf[start..])?;
            if read == 0 {
                if self.pending_cr {
                    self.pending_cr = false;
                    buf[0] = b'\r';
                    return Ok(1);
                }
                return Ok(0);
            }
            if self.pending_cr {
                buf[0] = b'\r';
                self.pending_cr = false;
            }
            let mut end = start + read;
            if buf[end - 1] == b'\r' {
                self.pending_cr = true;
                end -= 1;
            }
            let mut out = 0;
            for i in 0..end {
                if buf[i] == b'\r' && i + 1 < end && buf[i + 1] == b'\n' {
                    continue;
                }
                buf[out] = buf[i];
                out += 1;
            }
            if out > 0 {
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(input: &[u8], chunk: usize) -> Vec<u8> {
        struct Chunked<'a>(&'a [u8], usize);
        impl Read for Chunked<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut out = Vec::new();
        CrlfToLf::new(Chunked(input, chunk))
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn crlf_becomes_lf_across_chunk_boundaries() {
        let input = b"name,Figi\r\nA,B\r\n\r\nlone\rcr\r";
        for chunk in 1..8 {
            assert_eq!(
                convert(input, chunk),
                b"name,Figi\nA,B\n\nlone\rcr\r",
                "{chunk}"
            );
        }
    }
}
