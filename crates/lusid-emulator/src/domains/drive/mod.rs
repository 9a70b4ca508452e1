//! Drive (FINBOURNE's file store, served under `/drive`): folders and
//! files created, listed with paging, searched by name, renamed, uploaded,
//! downloaded and deleted ([`routes`]), kept in a [`Tree`] of metadata
//! ([`tree`]) with their contents in memory or a directory
//! ([`contents`]), under the rules of [`rules`].
//!
//! A directory-backed Drive ([`crate::EmulatorBuilder::drive_dir`]) keeps
//! the tree in `drive.json` and each file's contents in `objects/<id>`,
//! so it survives a restart; an in-memory Drive starts empty each time.

pub(crate) mod contents;
pub(crate) mod listing;
pub(crate) mod routes;
pub(crate) mod rules;
pub(crate) mod tree;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use fastrand::Rng;

use crate::error::EmulatorError;
use contents::Contents;
use rules::DriveProblem;
use tree::Tree;

/// The tree's file in a directory-backed Drive.
const INDEX_FILE: &str = "drive.json";

/// Drive's state: the tree, the contents and the ids' generator.
#[derive(Debug)]
pub(crate) struct Drive {
    tree: Mutex<Tree>,
    contents: Contents,
    ids: Mutex<Rng>,
}

impl Drive {
    /// An empty Drive in memory.
    pub(crate) fn in_memory() -> Self {
        Self {
            tree: Mutex::default(),
            contents: Contents::Memory(Mutex::default()),
            ids: Mutex::new(Rng::new()),
        }
    }

    /// A Drive kept in `dir` (created if missing), with the tree it held.
    ///
    /// # Errors
    /// [`EmulatorError::Drive`] when the directory cannot be made or its
    /// `drive.json` cannot be read.
    pub(crate) fn in_directory(dir: &Path) -> Result<Self, EmulatorError> {
        let failed = |message: String| EmulatorError::Drive {
            path: dir.to_owned(),
            message,
        };
        std::fs::create_dir_all(dir.join("objects"))
            .map_err(|error| failed(format!("could not create the directory: {error}")))?;
        let index = dir.join(INDEX_FILE);
        let tree = match std::fs::read(&index) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|error| failed(format!("{INDEX_FILE} is not a Drive index: {error}")))?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Tree::default(),
            Err(error) => return Err(failed(format!("could not read {INDEX_FILE}: {error}"))),
        };
        tree.check()
            .map_err(|problem| failed(format!("{INDEX_FILE} is damaged: {problem}")))?;
        remove_parts(dir);
        Ok(Self {
            tree: Mutex::new(tree),
            contents: Contents::Directory(dir.to_owned()),
            ids: Mutex::new(Rng::new()),
        })
    }

    /// The tree, locked (recovering from a poisoned lock).
    pub(crate) fn tree(&self) -> MutexGuard<'_, Tree> {
        self.tree.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The contents store.
    pub(crate) fn contents(&self) -> &Contents {
        &self.contents
    }

    /// A new item id: a random (version 4) GUID, `8-4-4-4-12` lower-case
    /// hex.
    pub(crate) fn new_id(&self) -> String {
        let mut rng = self.ids.lock().unwrap_or_else(PoisonError::into_inner);
        let mut hex: Vec<u8> = (0..32)
            .map(|_| b"0123456789abcdef"[rng.usize(..16)])
            .collect();
        hex[12] = b'4';
        hex[16] = b"89ab"[rng.usize(..4)];
        let hex = String::from_utf8_lossy(&hex);
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }

    /// A copy of `tree` to put back if the change about to be made cannot
    /// be saved ([`save_or_undo`](Self::save_or_undo)); `None` in memory,
    /// where saving cannot fail.
    pub(crate) fn snapshot(&self, tree: &Tree) -> Option<Tree> {
        matches!(self.contents, Contents::Directory(_)).then(|| tree.clone())
    }

    /// Saves `tree`; when that fails, puts `before` back, so a change
    /// answered with the storage problem has not happened.
    pub(crate) fn save_or_undo(
        &self,
        tree: &mut Tree,
        before: Option<Tree>,
    ) -> Result<(), DriveProblem> {
        let saved = self.save(tree);
        if saved.is_err()
            && let Some(before) = before
        {
            *tree = before;
        }
        saved
    }

    /// Writes the tree to `drive.json` (atomically, through a temporary
    /// file) in a directory-backed Drive; nothing in memory.
    pub(crate) fn save(&self, tree: &Tree) -> Result<(), DriveProblem> {
        let Contents::Directory(dir) = &self.contents else {
            return Ok(());
        };
        let storage = |error: std::io::Error| {
            DriveProblem::Storage(format!("could not write {INDEX_FILE}: {error}"))
        };
        let bytes = serde_json::to_vec(tree)
            .map_err(|error| DriveProblem::Storage(format!("{INDEX_FILE}: {error}")))?;
        let temporary: PathBuf = dir.join(format!("{INDEX_FILE}.part"));
        std::fs::write(&temporary, bytes).map_err(storage)?;
        std::fs::rename(&temporary, dir.join(INDEX_FILE)).map_err(storage)
    }
}

/// Removes the `.part` files an earlier emulator left in `dir` when it
/// stopped mid-write (killed during an upload or a save): they are no
/// file's contents, and would fill the disk.
fn remove_parts(dir: &Path) {
    let index_part = dir.join(format!("{INDEX_FILE}.part"));
    let objects = std::fs::read_dir(dir.join("objects"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path());
    let parts = objects
        .filter(|path| path.extension().is_some_and(|ext| ext == "part"))
        .chain(index_part.exists().then_some(index_part));
    for part in parts {
        if let Err(error) = std::fs::remove_file(&part) {
            tracing::warn!(path = %part.display(), %error, "could not remove a Drive part file");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_version_4_guids() {
        let drive = Drive::in_memory();
        for _ in 0..100 {
            let id = drive.new_id();
            let groups: Vec<&str> = id.split('-').collect();
            assert_eq!(
                groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
                [8, 4, 4, 4, 12]
            );
            assert!(groups[2].starts_with('4'), "{id}");
            assert!(groups[3].starts_with(['8', '9', 'a', 'b']), "{id}");
        }
        assert_ne!(drive.new_id(), drive.new_id());
    }
}
