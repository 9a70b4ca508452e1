//! Where Drive's file contents live: in memory, or in a directory
//! (`objects/<id>` under [`crate::EmulatorBuilder::drive_dir`]). Uploads
//! are streamed to a `.part` file renamed into place when complete, and
//! downloads streamed from the file, so a file is never held in memory
//! whole in a directory-backed Drive.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use http_body::Frame;
use http_body_util::BodyExt;
use tokio::io::{AsyncRead, AsyncWriteExt, ReadBuf};

use super::rules::DriveProblem;

/// The size of the chunks a download is read in: 64 KiB.
const CHUNK: usize = 64 * 1024;

/// The store of file contents (its `Debug` names the files, not their
/// bytes).
pub(crate) enum Contents {
    /// In memory, by file id (lost when the emulator stops).
    Memory(Mutex<HashMap<String, Bytes>>),
    /// Files under `objects/` of a directory, by file id.
    Directory(PathBuf),
}

impl std::fmt::Debug for Contents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory(files) => {
                let files = files.lock().unwrap_or_else(PoisonError::into_inner);
                f.debug_struct("Memory")
                    .field("files", &files.len())
                    .finish()
            }
            Self::Directory(dir) => f.debug_tuple("Directory").field(dir).finish(),
        }
    }
}

impl Contents {
    /// The path of a file's contents in a directory store.
    fn object(dir: &Path, id: &str) -> PathBuf {
        dir.join("objects").join(id)
    }

    /// Receives `body`, which must hold exactly `length` bytes, as new
    /// contents for a file, streaming it (to a `.part` file of its own in
    /// a directory store): [`commit`](Self::commit) it to a file id, or
    /// [`discard`](Self::discard) it.
    pub(crate) async fn stage(&self, body: Body, length: u64) -> Result<Staged, DriveProblem> {
        match self {
            Self::Memory(_) => {
                let mut buffer = BytesMut::new();
                let mut body = body;
                while let Some(frame) = body.frame().await {
                    let frame = frame.map_err(|error| {
                        DriveProblem::Storage(format!("the upload was cut off: {error}"))
                    })?;
                    if let Ok(data) = frame.into_data() {
                        buffer.extend_from_slice(&data);
                        check_not_past(length, buffer.len() as u64)?;
                    }
                }
                check_complete(length, buffer.len() as u64)?;
                Ok(Staged::Bytes(buffer.freeze()))
            }
            Self::Directory(dir) => {
                // A name of its own, so concurrent uploads to one file do
                // not write into each other.
                let part = dir
                    .join("objects")
                    .join(format!("upload-{:016x}.part", fastrand::u64(..)));
                if let Err(problem) = stream_to_file(&part, body, length).await {
                    let _ = tokio::fs::remove_file(&part).await;
                    return Err(problem);
                }
                Ok(Staged::File(part))
            }
        }
    }

    /// Makes `staged` the contents of file `id`, replacing earlier ones;
    /// quick and synchronous, so it is done with the tree locked, and the
    /// contents and the size recorded change together.
    pub(crate) fn commit(&self, id: &str, staged: Staged) -> Result<(), DriveProblem> {
        match (self, staged) {
            (Self::Memory(files), Staged::Bytes(bytes)) => {
                files
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(id.to_owned(), bytes);
                Ok(())
            }
            (Self::Directory(dir), Staged::File(part)) => {
                std::fs::rename(&part, Self::object(dir, id)).map_err(|error| {
                    let _ = std::fs::remove_file(&part);
                    DriveProblem::Storage(format!("could not rename {}: {error}", part.display()))
                })
            }
            (_, staged) => {
                self.discard(staged);
                Err(DriveProblem::Storage(
                    "staged contents of another store".to_owned(),
                ))
            }
        }
    }

    /// Drops staged contents that will not be committed.
    pub(crate) fn discard(&self, staged: Staged) {
        if let Staged::File(part) = staged
            && let Err(error) = std::fs::remove_file(&part)
        {
            tracing::warn!(path = %part.display(), %error, "could not remove a Drive upload's part file");
        }
    }

    /// File `id`'s contents, opened (synchronously, so it is done with the
    /// tree locked and matches the size recorded there): their length and
    /// their body, streamed from a directory store.
    pub(crate) fn open(&self, id: &str) -> Result<(u64, Body), DriveProblem> {
        match self {
            Self::Memory(files) => files
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(id)
                .cloned()
                .map(|bytes| (bytes.len() as u64, Body::from(bytes)))
                .ok_or_else(|| DriveProblem::Storage(format!("the contents of {id} are missing"))),
            Self::Directory(dir) => {
                let path = Self::object(dir, id);
                let failed = |error: std::io::Error| {
                    DriveProblem::Storage(format!("could not open {}: {error}", path.display()))
                };
                let file = std::fs::File::open(&path).map_err(failed)?;
                let length = file.metadata().map_err(failed)?.len();
                let body = Body::new(FileBody {
                    file: tokio::fs::File::from_std(file),
                    buffer: vec![0; CHUNK],
                });
                Ok((length, body))
            }
        }
    }

    /// Forgets the contents of the files `ids` (a missing one is skipped).
    pub(crate) async fn remove(&self, ids: &[String]) {
        match self {
            Self::Memory(files) => {
                let mut files = files.lock().unwrap_or_else(PoisonError::into_inner);
                for id in ids {
                    files.remove(id);
                }
            }
            Self::Directory(dir) => {
                for id in ids {
                    let path = Self::object(dir, id);
                    if let Err(error) = tokio::fs::remove_file(&path).await
                        && error.kind() != std::io::ErrorKind::NotFound
                    {
                        tracing::warn!(path = %path.display(), %error, "could not remove a Drive file's contents");
                    }
                }
            }
        }
    }
}

/// New contents received in full, not yet any file's
/// ([`Contents::stage`]).
#[derive(Debug)]
pub(crate) enum Staged {
    /// In memory.
    Bytes(Bytes),
    /// In a `.part` file of the directory store.
    File(PathBuf),
}

/// Streams `body` into a new file at `path`, checking its length.
async fn stream_to_file(path: &Path, body: Body, length: u64) -> Result<(), DriveProblem> {
    let storage = |error: std::io::Error| {
        DriveProblem::Storage(format!("could not write {}: {error}", path.display()))
    };
    let mut file = tokio::fs::File::create(path).await.map_err(storage)?;
    let mut written = 0u64;
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|error| DriveProblem::Storage(format!("the upload was cut off: {error}")))?;
        if let Ok(data) = frame.into_data() {
            written += data.len() as u64;
            check_not_past(length, written)?;
            file.write_all(&data).await.map_err(storage)?;
        }
    }
    check_complete(length, written)?;
    file.flush().await.map_err(storage)?;
    file.sync_all().await.map_err(storage)
}

fn check_not_past(declared: u64, received: u64) -> Result<(), DriveProblem> {
    if received > declared {
        return Err(DriveProblem::LengthMismatch { declared, received });
    }
    Ok(())
}

fn check_complete(declared: u64, received: u64) -> Result<(), DriveProblem> {
    if received != declared {
        return Err(DriveProblem::LengthMismatch { declared, received });
    }
    Ok(())
}

/// A response body read from a file in [`CHUNK`]-sized frames.
struct FileBody {
    file: tokio::fs::File,
    buffer: Vec<u8>,
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let mut read = ReadBuf::new(&mut this.buffer);
        match Pin::new(&mut this.file).poll_read(cx, &mut read) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(error)) => Poll::Ready(Some(Err(error))),
            Poll::Ready(Ok(())) if read.filled().is_empty() => Poll::Ready(None),
            Poll::Ready(Ok(())) => {
                Poll::Ready(Some(Ok(Frame::data(Bytes::copy_from_slice(read.filled())))))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stages and commits `body` as file `id`'s contents.
    async fn write(
        contents: &Contents,
        id: &str,
        body: Body,
        length: u64,
    ) -> Result<(), DriveProblem> {
        let staged = contents.stage(body, length).await?;
        contents.commit(id, staged)
    }

    #[tokio::test]
    async fn directory_contents_stream_in_and_out_and_check_their_length() {
        let dir = std::env::temp_dir().join(format!("lusid-drive-contents-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("objects")).unwrap();
        let contents = Contents::Directory(dir.clone());
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        write(&contents, "f1", Body::from(data.clone()), data.len() as u64)
            .await
            .unwrap();
        let (length, body) = contents.open("f1").unwrap();
        assert_eq!(length, data.len() as u64);
        let back = body.collect().await.unwrap().to_bytes();
        assert_eq!(&back[..], &data[..]);

        // Too short and too long: refused, and nothing is left behind.
        for declared in [data.len() as u64 + 1, data.len() as u64 - 1] {
            let error = write(&contents, "f2", Body::from(data.clone()), declared)
                .await
                .unwrap_err();
            assert!(
                matches!(error, DriveProblem::LengthMismatch { .. }),
                "{error:?}"
            );
        }
        let left: Vec<_> = std::fs::read_dir(dir.join("objects"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from("f1")],
            "only f1 is stored"
        );
        contents
            .remove(&["f1".to_owned(), "missing".to_owned()])
            .await;
        assert!(!dir.join("objects/f1").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn memory_contents_round_trip() {
        let contents = Contents::Memory(Mutex::default());
        write(&contents, "f", Body::from("abc"), 3).await.unwrap();
        let back = contents.open("f").unwrap().1.collect().await.unwrap();
        assert_eq!(&back.to_bytes()[..], b"abc");
        contents.remove(&["f".to_owned()]).await;
        assert!(contents.open("f").is_err());
        // Staged contents discarded are no file's.
        let staged = contents.stage(Body::from("x"), 1).await.unwrap();
        contents.discard(staged);
        assert!(contents.open("f").is_err());
    }
}
