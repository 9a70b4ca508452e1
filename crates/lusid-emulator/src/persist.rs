//! The optional state file (`--state PATH`): the materialised instruments
//! (currencies, upserted instruments and every changed seed equity, with
//! all their versions), the LUID generator, and (format 2) the ledger of
//! property definitions, portfolios, transactions and quotes with every
//! version, written atomically after
//! every change (a temporary file in the same directory, synced, then
//! renamed over the old one) and read back at start.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domains::LedgerFile;
use crate::domains::instruments::InstrumentRecord;
use crate::error::EmulatorError;

/// `serde(with)` for a `rust_decimal::Decimal` kept in the state file as
/// its exact decimal text (`"10000.10"`).
pub(crate) mod serde_decimal {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the decimal's text.
    pub(crate) fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_string())
    }

    /// Reads it back exactly.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse()
            .map_err(|e| serde::de::Error::custom(format!("not a decimal: {raw}: {e}")))
    }
}

/// The state file's format version: 2 adds the ledger (`ledger`).
const FORMAT: u32 = 2;
/// The older format still read: instruments only (an empty ledger).
const FORMAT_INSTRUMENTS_ONLY: u32 = 1;

/// What the state file holds.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StateFile {
    /// Format version.
    pub(crate) format: u32,
    /// Data seed the instruments were made with.
    pub(crate) seed: u64,
    /// Number of seed equities.
    pub(crate) equities: usize,
    /// State of the LUID generator.
    pub(crate) luid_rng: u64,
    /// Materialised instruments, in LUID order.
    pub(crate) instruments: Vec<InstrumentRecord>,
    /// Property definitions, portfolios, transactions and quotes (absent
    /// in format 1).
    #[serde(default)]
    pub(crate) ledger: LedgerFile,
}

impl StateFile {
    /// A state to write.
    pub(crate) fn new(
        seed: u64,
        equities: usize,
        luid_rng: u64,
        instruments: Vec<InstrumentRecord>,
        ledger: LedgerFile,
    ) -> Self {
        Self {
            format: FORMAT,
            seed,
            equities,
            luid_rng,
            instruments,
            ledger,
        }
    }
}

fn state_error(path: &Path, message: impl Into<String>) -> EmulatorError {
    EmulatorError::State {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Reads the state file; `None` if it does not exist yet.
pub(crate) fn load(path: &Path) -> Result<Option<StateFile>, EmulatorError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(state_error(path, error.to_string())),
    };
    let state: StateFile = serde_json::from_slice(&bytes)
        .map_err(|e| state_error(path, format!("not an emulator state file: {e}")))?;
    if state.format != FORMAT && state.format != FORMAT_INSTRUMENTS_ONLY {
        return Err(state_error(
            path,
            format!(
                "format {} is not supported (expected {FORMAT} or {FORMAT_INSTRUMENTS_ONLY})",
                state.format
            ),
        ));
    }
    Ok(Some(state))
}

/// A temporary file next to `path`, unique to this write: the process id
/// alone is shared by every emulator of the process (two on one state
/// file renamed each other's temporary file away, or truncated it
/// half-written).
fn temporary(path: &Path) -> PathBuf {
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}-{n}", std::process::id()));
    path.with_file_name(name)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, synced, then renamed over `path`.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temporary(path);
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes a file the emulator generates for the user (a secrets file, a CA
/// certificate) at exactly `path`, replacing an earlier regular file there
/// atomically (a temporary file beside it, synced, renamed over it) with
/// `mode` (Unix; the umask does not apply, so a secrets file is never
/// readable by others).
///
/// It never writes through a symbolic link, which could point anywhere
/// (another user's file, a system file): a link at `path` is an
/// `InvalidInput` error, as is a directory, device or other non-regular
/// file. The parent directory must exist.
pub(crate) fn write_generated(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::io::{Error, ErrorKind};
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "it is a symbolic link, and a generated file is never written through one (remove the link or choose another path)",
            ));
        }
        Ok(meta) if !meta.is_file() => {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                "it exists and is not a regular file",
            ));
        }
        Ok(_) => {}
        Err(error) if error.kind() == ErrorKind::NotFound => {}
        Err(error) => return Err(error),
    }
    if path.file_name().is_none() {
        return Err(Error::new(ErrorKind::InvalidInput, "it names no file"));
    }
    let tmp = generated_temporary(path);
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
        let mut file = options.open(&tmp)?;
        #[cfg(unix)]
        file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(mode))?;
        #[cfg(not(unix))]
        let _ = mode;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A fresh hidden temporary name beside `path` (`.<name>.tmp-<pid>-<n>`).
fn generated_temporary(path: &Path) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    path.with_file_name(name)
}

/// Serialises and writes a state.
pub(crate) fn save(path: &Path, state: &StateFile) -> Result<(), EmulatorError> {
    let bytes = serde_json::to_vec(state).map_err(|e| state_error(path, e.to_string()))?;
    write_atomically(path, &bytes).map_err(|e| state_error(path, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn generated_files_replace_regular_files_and_never_follow_links() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("secrets.json");
        std::fs::write(&path, "old").unwrap_or_else(|e| panic!("{e}"));
        write_generated(&path, b"new", 0o600).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(&path).unwrap_or_default(), b"new");
        let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o600));
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "keep").unwrap_or_else(|e| panic!("{e}"));
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap_or_else(|e| panic!("{e}"));
        let error = write_generated(&link, b"x", 0o600).err();
        assert_eq!(
            error.map(|e| e.kind()),
            Some(std::io::ErrorKind::InvalidInput)
        );
        assert_eq!(std::fs::read(&target).unwrap_or_default(), b"keep");
        assert!(write_generated(dir.path(), b"x", 0o600).is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(names.len(), 3, "no temporary left: {names:?}");
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("state.json");
        write_atomically(&path, b"one").unwrap_or_else(|e| panic!("{e}"));
        write_atomically(&path, b"two").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(&path).unwrap_or_default(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(
            load(&dir.path().join("missing.json"))
                .map(|s| s.is_none())
                .unwrap_or(false)
        );
        assert!(load(&path).is_err());
    }
}
