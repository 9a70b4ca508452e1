//! The optional state file (`--state PATH`): the materialised instruments
//! (currencies, upserted instruments and every changed seed equity, with
//! all their versions) and the LUID generator, written atomically after
//! every change (a temporary file in the same directory, synced, then
//! renamed over the old one) and read back at start.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::EmulatorError;
use crate::model::InstrumentHistory;

/// The state file's format version.
const FORMAT: u32 = 1;

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
    pub(crate) instruments: Vec<InstrumentHistory>,
}

/// The same, borrowed, for writing.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StateFileRef<'a> {
    pub(crate) format: u32,
    pub(crate) seed: u64,
    pub(crate) equities: usize,
    pub(crate) luid_rng: u64,
    pub(crate) instruments: Vec<&'a InstrumentHistory>,
}

impl<'a> StateFileRef<'a> {
    /// A state to write.
    pub(crate) fn new(
        seed: u64,
        equities: usize,
        luid_rng: u64,
        instruments: Vec<&'a InstrumentHistory>,
    ) -> Self {
        Self {
            format: FORMAT,
            seed,
            equities,
            luid_rng,
            instruments,
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
    if state.format != FORMAT {
        return Err(state_error(
            path,
            format!(
                "format {} is not supported (expected {FORMAT})",
                state.format
            ),
        ));
    }
    Ok(Some(state))
}

/// The temporary file next to `path`.
fn temporary(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, synced, then renamed over `path`.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temporary(path);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Serialises and writes a state.
pub(crate) fn save(path: &Path, state: &StateFileRef<'_>) -> Result<(), EmulatorError> {
    let bytes = serde_json::to_vec(state).map_err(|e| state_error(path, e.to_string()))?;
    write_atomically(path, &bytes).map_err(|e| state_error(path, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

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
