//! A request body streamed from a local file (Drive's CreateFile and
//! UpdateFileContents take `application/octet-stream` with a
//! `Content-Length`): read in chunks as the transport asks for them, never
//! whole, with the file's size as the exact size hint. [`FileBody::body`]
//! makes it a stack body that a retry sends again by opening the file anew
//! (a 429 on an upload is retried after its `Retry-After`).

use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};

/// How much is read from the file per chunk.
const CHUNK: usize = 64 * 1024;

/// The body of a file of a known size.
pub struct FileBody {
    file: Result<tokio::fs::File, Option<std::io::Error>>,
    remaining: u64,
    buffer: BytesMut,
}

/// Why a file body could not be streamed.
#[derive(Debug, thiserror::Error)]
pub enum FileBodyError {
    /// The file ended before its size said it would (it shrank while sent).
    #[error("the file ended {remaining} bytes before its size when it was opened")]
    Truncated {
        /// The bytes still expected.
        remaining: u64,
    },
    /// Reading failed.
    #[error("could not read the file: {0}")]
    Read(#[from] std::io::Error),
}

impl FileBody {
    /// Opens `path`, which holds `len` bytes.
    ///
    /// # Errors
    /// The I/O error of opening it.
    pub async fn open(path: &Path, len: u64) -> std::io::Result<Self> {
        Ok(Self {
            file: Ok(tokio::fs::File::open(path).await?),
            remaining: len,
            buffer: BytesMut::new(),
        })
    }

    /// `path` opened again for a retry: a file that can no longer be
    /// opened is a body whose first frame is that error.
    fn reopen(path: &Path, len: u64) -> Self {
        Self {
            file: std::fs::File::open(path)
                .map(tokio::fs::File::from_std)
                .map_err(Some),
            remaining: len,
            buffer: BytesMut::new(),
        }
    }

    /// The stack body of `path`, which holds `len` bytes: this opened file
    /// first, then the file opened anew for each retry, so the retry layer
    /// may resend it.
    pub fn body(self, path: &Path, len: u64) -> lusid::stack::Body {
        let path = path.to_path_buf();
        lusid::stack::Body::from_reopenable(self, move || Self::reopen(&path, len))
    }
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = FileBodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, FileBodyError>>> {
        let this = &mut *self;
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = usize::try_from(this.remaining).map_or(CHUNK, |r| r.min(CHUNK));
        this.buffer.resize(want, 0);
        let file = match &mut this.file {
            Ok(file) => file,
            Err(error) => {
                let error = error
                    .take()
                    .unwrap_or_else(|| std::io::Error::other("the file could not be opened again"));
                return Poll::Ready(Some(Err(error.into())));
            }
        };
        let mut read = ReadBuf::new(&mut this.buffer[..]);
        match Pin::new(file).poll_read(cx, &mut read) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(error)) => Poll::Ready(Some(Err(error.into()))),
            Poll::Ready(Ok(())) => {
                let n = read.filled().len();
                if n == 0 {
                    return Poll::Ready(Some(Err(FileBodyError::Truncated {
                        remaining: this.remaining,
                    })));
                }
                this.remaining -= n as u64;
                let chunk = this.buffer.split_to(n).freeze();
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
