//! Streamed bodies: [`UploadBody`] (a request body of known length, sent as
//! it is read) and [`ByteStream`] (a response body read as it arrives).
//! Neither is ever held in memory whole.

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};

/// The error type of the byte streams: any I/O or transport failure.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

type ChunkStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send>>;

/// Opens a reopenable upload's source anew.
type Reopen = Arc<dyn Fn() -> ChunkStream + Send + Sync>;

/// The size of the chunks read from an [`AsyncRead`] upload: 64 KiB.
const READ_CHUNK: usize = 64 * 1024;

/// A request body of a known length, streamed as it is read
/// (`application/octet-stream`: Drive's `CreateFile` and
/// `UpdateFileContents`). The length is sent as `Content-Length`; a source
/// that yields more or fewer bytes fails the request.
///
/// - [`from_reopenable`](Self::from_reopenable) (a file, opened again for
///   each attempt) is retried like any other request: a 429 on an upload is
///   sent again after its `Retry-After`.
/// - [`from_reader`](Self::from_reader), [`from_stream`](Self::from_stream)
///   and [`from_bytes`](Self::from_bytes) are sent once, never retried:
///   their bytes are gone after the first attempt. Cloning shares the one
///   source: whichever clone is sent first consumes it, and sending another
///   fails with [`Error::InvalidParameter`](crate::Error::InvalidParameter).
///
/// Two bodies are equal when they share the source.
#[derive(Clone)]
pub struct UploadBody {
    length: u64,
    source: Arc<Mutex<Option<ChunkStream>>>,
    reopen: Option<Reopen>,
}

impl UploadBody {
    /// A body of `length` bytes read from `reader` in 64 KiB chunks (a
    /// `tokio::fs::File`, a socket, ...).
    pub fn from_reader<R>(reader: R, length: u64) -> Self
    where
        R: AsyncRead + Send + 'static,
    {
        Self::from_stream(reader_chunks(reader), length)
    }

    /// A body of `length` bytes read from what `open` opens, called for
    /// each attempt (the first and every retry), so the request is retried
    /// as any other is. For a file:
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use lusid_api::UploadBody;
    /// let path = std::path::PathBuf::from("report.csv");
    /// let length = tokio::fs::metadata(&path).await?.len();
    /// let body = UploadBody::from_reopenable(length, move || tokio::fs::File::open(path.clone()));
    /// # let _ = body; Ok(()) }
    /// ```
    ///
    /// A failure to open is the attempt's error. Every source opened must
    /// hold the same `length` bytes.
    pub fn from_reopenable<F, Fut, R>(length: u64, open: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = std::io::Result<R>> + Send + 'static,
        R: AsyncRead + Send + 'static,
    {
        let reopen: Reopen = Arc::new(move || opened_chunks(open()));
        Self {
            length,
            source: Arc::new(Mutex::new(Some(reopen()))),
            reopen: Some(reopen),
        }
    }

    /// A body of `length` bytes taken from a stream of chunks.
    pub fn from_stream<S, E>(stream: S, length: u64) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        Self {
            length,
            source: Arc::new(Mutex::new(Some(Box::pin(
                stream.map(|chunk| chunk.map_err(Into::into)),
            )))),
            reopen: None,
        }
    }

    /// A body held in memory (small uploads, tests).
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        let length = bytes.len() as u64;
        Self::from_stream(
            futures_util::stream::once(async move { Ok::<_, BoxError>(bytes) }),
            length,
        )
    }

    /// The length in bytes, sent as `Content-Length`.
    pub fn len(&self) -> u64 {
        self.length
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// The source, taken out for sending (a reopenable source opened anew
    /// once the first was taken); `None` when a clone took a one-shot
    /// source.
    pub(crate) fn take(&self) -> Option<LengthChecked> {
        let taken = self.source.lock().ok().and_then(|mut source| source.take());
        let stream = match (taken, &self.reopen) {
            (Some(stream), _) => stream,
            (None, Some(reopen)) => reopen(),
            (None, None) => return None,
        };
        Some(LengthChecked::new(stream, self.length))
    }

    /// The body as the HTTP stack sends it: reopenable (retried) or one-shot.
    pub(crate) fn into_http_body(self, first: LengthChecked) -> lusid_http::Body {
        match self.reopen {
            Some(reopen) => {
                let length = self.length;
                lusid_http::Body::from_reopenable(first, move || {
                    LengthChecked::new(reopen(), length)
                })
            }
            None => lusid_http::Body::from_stream(first),
        }
    }
}

impl fmt::Debug for UploadBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadBody")
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

impl PartialEq for UploadBody {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.source, &other.source)
    }
}

/// `reader` in chunks of [`READ_CHUNK`].
fn reader_chunks<R>(reader: R) -> impl Stream<Item = Result<Bytes, BoxError>> + Send
where
    R: AsyncRead + Send + 'static,
{
    futures_util::stream::unfold(Box::pin(reader), |mut reader| async move {
        let mut buffer = vec![0; READ_CHUNK];
        match tokio_read(reader.as_mut(), &mut buffer).await {
            Ok(0) => None,
            Ok(read) => {
                buffer.truncate(read);
                Some((Ok(Bytes::from(buffer)), reader))
            }
            Err(error) => Some((Err(BoxError::from(error)), reader)),
        }
    })
}

/// The chunks of the source `opening` opens (its error if it cannot).
fn opened_chunks<Fut, R>(opening: Fut) -> ChunkStream
where
    Fut: std::future::Future<Output = std::io::Result<R>> + Send + 'static,
    R: AsyncRead + Send + 'static,
{
    Box::pin(
        futures_util::stream::once(opening).flat_map(|opened| match opened {
            Ok(reader) => reader_chunks(reader).left_stream(),
            Err(error) => {
                futures_util::stream::once(async move { Err(BoxError::from(error)) }).right_stream()
            }
        }),
    )
}

/// Reads once from a pinned reader.
async fn tokio_read<R: AsyncRead + ?Sized>(
    mut reader: Pin<&mut R>,
    buffer: &mut [u8],
) -> std::io::Result<usize> {
    std::future::poll_fn(|cx| {
        let mut read = ReadBuf::new(buffer);
        match reader.as_mut().poll_read(cx, &mut read) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(read.filled().len())),
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// The HTTP body of an upload: exact size hint, fails when the source
/// yields more or fewer bytes than announced. (The mutex makes it `Sync`
/// without requiring the source to be; it is only reached through
/// `&mut`, so it never blocks.)
pub(crate) struct LengthChecked {
    stream: Mutex<ChunkStream>,
    remaining: u64,
    length: u64,
}

impl LengthChecked {
    /// `stream`, which must yield exactly `length` bytes.
    fn new(stream: ChunkStream, length: u64) -> Self {
        Self {
            stream: Mutex::new(stream),
            remaining: length,
            length,
        }
    }
}

/// The source of an upload yielded a different number of bytes than its
/// announced length.
#[derive(Debug, thiserror::Error)]
#[error("the upload body announced {announced} bytes (Content-Length) but its source {actual}")]
struct LengthMismatch {
    announced: u64,
    actual: String,
}

impl http_body::Body for LengthChecked {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let stream = match this.stream.get_mut() {
            Ok(stream) => stream,
            Err(poisoned) => poisoned.into_inner(),
        };
        match stream.as_mut().poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(error))),
            Poll::Ready(Some(Ok(chunk))) => {
                let size = chunk.len() as u64;
                if size > this.remaining {
                    return Poll::Ready(Some(Err(Box::new(LengthMismatch {
                        announced: this.length,
                        actual: "yielded more".to_owned(),
                    }))));
                }
                this.remaining -= size;
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            Poll::Ready(None) if this.remaining > 0 => {
                Poll::Ready(Some(Err(Box::new(LengthMismatch {
                    announced: this.length,
                    actual: format!("ended after {}", this.length - this.remaining),
                }))))
            }
            Poll::Ready(None) => Poll::Ready(None),
        }
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// A response body read from the connection as it is consumed (Drive's
/// `DownloadFile`, Luminesce's Excel, Parquet and SQLite results): a
/// [`Stream`] of `Result<Bytes, BoxError>` chunks and a tokio [`AsyncRead`],
/// so `tokio::io::copy(&mut stream, &mut file)` writes it into a file
/// without holding it in memory.
pub struct ByteStream {
    body: lusid_http::Body,
    current: Bytes,
    length: Option<u64>,
}

impl ByteStream {
    pub(crate) fn new(body: lusid_http::Body, length: Option<u64>) -> Self {
        Self {
            body,
            current: Bytes::new(),
            length,
        }
    }

    /// The `Content-Length` the server announced, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.length
    }

    /// The next chunk, `None` at the end.
    ///
    /// # Errors
    /// The transport's error when the connection fails or stalls (the idle
    /// timeout) mid-body.
    pub async fn try_next(&mut self) -> Result<Option<Bytes>, BoxError> {
        futures_util::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx))
            .await
            .transpose()
    }

    /// Reads the rest of the body into memory (small bodies only).
    ///
    /// # Errors
    /// As [`try_next`](Self::try_next).
    pub async fn collect(mut self) -> Result<Bytes, BoxError> {
        let mut all = Vec::new();
        while let Some(chunk) = self.try_next().await? {
            all.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(all))
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("content_length", &self.length)
            .finish_non_exhaustive()
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if !this.current.is_empty() {
            return Poll::Ready(Some(Ok(std::mem::take(&mut this.current))));
        }
        loop {
            match http_body::Body::poll_frame(Pin::new(&mut this.body), cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        if !data.is_empty() {
                            return Poll::Ready(Some(Ok(data)));
                        }
                    }
                }
            }
        }
    }
}

impl AsyncRead for ByteStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.current.is_empty() {
            match Pin::new(&mut *this).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Ready(Some(Err(error))) => {
                    return Poll::Ready(Err(std::io::Error::other(error)));
                }
                Poll::Ready(Some(Ok(chunk))) => this.current = chunk,
            }
        }
        let take = this.current.len().min(buf.remaining());
        buf.put_slice(&this.current.split_to(take));
        Poll::Ready(Ok(()))
    }
}
