//! [`FileTokenProvider`]: a personal access token read from a file and
//! re-read whenever the file changes.

use std::fs::Metadata;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use crate::{AccessToken, AccessTokenFile, Error, TokenProvider};

/// Reads a token file: its contents, trimmed; `InvalidData` if empty.
pub(crate) fn read_token(path: &Path) -> io::Result<AccessToken> {
    let text = std::fs::read_to_string(path)?;
    let token = text.trim();
    if token.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the file is empty",
        ));
    }
    Ok(AccessToken::new(token))
}

/// What identifies one version of the file.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

impl From<&Metadata> for Stamp {
    fn from(metadata: &Metadata) -> Self {
        Stamp {
            modified: metadata.modified().ok(),
            len: metadata.len(),
        }
    }
}

struct Current {
    token: AccessToken,
    /// `None` forces a re-read on the next call.
    stamp: Option<Stamp>,
}

/// A [`TokenProvider`] for a personal access token kept in a file
/// (`FBN_ACCESS_TOKEN_FILE`), e.g. one rotated by another process.
///
/// Every [`access_token`](TokenProvider::access_token) call looks at the
/// file's modification time and length (one `stat`, no read) and re-reads
/// the file when either changed. [`invalidate`](TokenProvider::invalidate)
/// (after a `401`) forces a re-read on the next call, which also covers a
/// rewrite that kept both the length and the modification time.
///
/// The contents are trimmed. If the file becomes unreadable or empty (for
/// instance while it is being rewritten), the last token read is kept and a
/// warning is logged; calls never fail.
pub struct FileTokenProvider {
    path: PathBuf,
    current: Mutex<Current>,
}

impl std::fmt::Debug for FileTokenProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileTokenProvider")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl FileTokenProvider {
    /// A provider for the file and token of a resolved configuration.
    pub fn new(file: &AccessTokenFile) -> Self {
        let stamp = std::fs::metadata(file.path())
            .ok()
            .map(|metadata| Stamp::from(&metadata));
        FileTokenProvider {
            path: file.path().to_owned(),
            current: Mutex::new(Current {
                token: file.token().clone(),
                stamp,
            }),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn token(&self) -> AccessToken {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let stamp = std::fs::metadata(&self.path)
            .ok()
            .map(|metadata| Stamp::from(&metadata));
        if stamp.is_some() && stamp == current.stamp {
            return current.token.clone();
        }
        match read_token(&self.path) {
            Ok(token) => {
                if token != current.token {
                    tracing::debug!(path = %self.path.display(), "access token file changed; using the new token");
                }
                current.token = token;
                current.stamp = stamp;
            }
            Err(error) => {
                tracing::warn!(path = %self.path.display(), %error, "cannot re-read the access token file; keeping the last token read");
            }
        }
        current.token.clone()
    }
}

#[async_trait::async_trait]
impl TokenProvider for FileTokenProvider {
    async fn access_token(&self) -> Result<AccessToken, Error> {
        Ok(self.token())
    }

    fn invalidate(&self, rejected: &AccessToken) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.token == *rejected {
            current.stamp = None;
        }
    }
}
