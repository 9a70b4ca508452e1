//! [`Body`]: the body of requests and responses in the stack.

use std::fmt;
use std::future::Future as _;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;

use crate::BoxError;

type Stream = Pin<Box<dyn http_body::Body<Data = Bytes, Error = BoxError> + Send + Sync>>;

/// Makes a reopenable body's stream anew.
type Reopen = Arc<dyn Fn() -> Stream + Send + Sync>;

/// The body of a request or response travelling through the stack:
/// **replayable** bytes held in memory, a **reopenable** stream, or a
/// **one-shot** stream.
///
/// - A replayable body ([`Body::from`] bytes, strings, vectors; the JSON
///   bodies of every generated operation) is resent unchanged when the
///   retry layer sends an attempt again; [`try_clone`](Self::try_clone)
///   copies it cheaply (reference-counted).
/// - A reopenable stream ([`Body::from_reopenable`], a file upload that
///   can open its file again) streams each attempt, and a retry sends a
///   stream made anew: it is retried as bytes are, without being held in
///   memory.
/// - A one-shot stream ([`Body::from_stream`], an upload from a socket or a
///   pipe) is sent once: a request carrying one is never retried, since its
///   bytes are gone after the first attempt.
///
/// Responses are buffered into a replayable body (the per-attempt timeout
/// then covers reading the whole body) unless the request carries
/// [`StreamResponse`](crate::StreamResponse): then the body is a stream
/// whose gaps between chunks are bounded by an idle timeout instead.
pub struct Body {
    kind: Kind,
}

enum Kind {
    Full(Option<Bytes>),
    Stream(Stream),
    Reopenable { current: Stream, reopen: Reopen },
}

impl Body {
    /// An empty, replayable body.
    pub fn empty() -> Self {
        Self::from(Bytes::new())
    }

    /// A one-shot body streaming `body`'s frames (send it once; it is not
    /// retried). Give the length through `body`'s `size_hint` where the
    /// server requires `Content-Length`.
    pub fn from_stream<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + Sync + 'static,
        B::Error: Into<BoxError>,
    {
        Self {
            kind: Kind::Stream(Box::pin(body.map_err(Into::into))),
        }
    }

    /// A stream that can be made again for each retry: `first` is sent by
    /// the first attempt, and every later attempt sends what `reopen`
    /// returns (typically the same file opened again; a reopen that fails
    /// should return a body whose first frame is the error). The streams
    /// must yield the same bytes: a retry is a resend.
    pub fn from_reopenable<B, F>(first: B, reopen: F) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + Sync + 'static,
        B::Error: Into<BoxError>,
        F: Fn() -> B + Send + Sync + 'static,
    {
        let reopen: Reopen = Arc::new(move || -> Stream { Box::pin(reopen().map_err(Into::into)) });
        Self {
            kind: Kind::Reopenable {
                current: Box::pin(first.map_err(Into::into)),
                reopen,
            },
        }
    }

    /// The bytes of a replayable body, `None` for a stream.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.kind {
            Kind::Full(bytes) => Some(bytes.as_ref().unwrap_or(&EMPTY)),
            Kind::Stream(_) | Kind::Reopenable { .. } => None,
        }
    }

    /// Whether the body can be sent again ([`try_clone`](Self::try_clone)
    /// succeeds).
    pub fn is_replayable(&self) -> bool {
        matches!(self.kind, Kind::Full(_) | Kind::Reopenable { .. })
    }

    /// A copy of a replayable body (sharing its bytes), or a reopenable
    /// stream made anew; `None` for a one-shot stream.
    pub fn try_clone(&self) -> Option<Self> {
        match &self.kind {
            Kind::Full(_) => self.as_bytes().map(|bytes| Self::from(bytes.clone())),
            Kind::Reopenable { reopen, .. } => Some(Self {
                kind: Kind::Reopenable {
                    current: reopen(),
                    reopen: Arc::clone(reopen),
                },
            }),
            Kind::Stream(_) => None,
        }
    }

    /// Reads the whole body into memory.
    ///
    /// # Errors
    /// Whatever the stream fails with (a broken connection, an idle
    /// timeout); never for a replayable body.
    pub async fn collect_bytes(self) -> Result<Bytes, BoxError> {
        match self.kind {
            Kind::Full(bytes) => Ok(bytes.unwrap_or_default()),
            Kind::Stream(stream)
            | Kind::Reopenable {
                current: stream, ..
            } => Ok(stream.collect().await?.to_bytes()),
        }
    }

    /// A stream body whose frames must each arrive within `idle` of the
    /// previous one (or of the call); a longer gap ends it with an error.
    pub(crate) fn with_idle_timeout(self, idle: Duration) -> Self {
        match self.kind {
            Kind::Full(_) => self,
            Kind::Stream(inner) | Kind::Reopenable { current: inner, .. } => {
                Self::from_stream(IdleTimeout {
                    inner,
                    idle,
                    sleep: Box::pin(tokio::time::sleep(idle)),
                })
            }
        }
    }
}

static EMPTY: Bytes = Bytes::new();

impl Default for Body {
    fn default() -> Self {
        Self::empty()
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self {
            kind: Kind::Full(Some(bytes)),
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Self::from(Bytes::from(bytes))
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Self::from(Bytes::from(text))
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Self::from(Bytes::from_static(text.as_bytes()))
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Full(bytes) => f
                .debug_struct("Body")
                .field("bytes", &bytes.as_ref().map_or(0, Bytes::len))
                .finish(),
            Kind::Stream(_) => f.debug_struct("Body").field("stream", &true).finish(),
            Kind::Reopenable { .. } => f
                .debug_struct("Body")
                .field("stream", &true)
                .field("reopenable", &true)
                .finish(),
        }
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().kind {
            Kind::Full(bytes) => Poll::Ready(
                bytes
                    .take()
                    .filter(|bytes| !bytes.is_empty())
                    .map(|bytes| Ok(Frame::data(bytes))),
            ),
            Kind::Stream(stream)
            | Kind::Reopenable {
                current: stream, ..
            } => stream.as_mut().poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Full(bytes) => bytes.as_ref().is_none_or(Bytes::is_empty),
            Kind::Stream(stream)
            | Kind::Reopenable {
                current: stream, ..
            } => stream.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            Kind::Stream(stream)
            | Kind::Reopenable {
                current: stream, ..
            } => stream.size_hint(),
        }
    }
}

/// A stream whose frames must arrive within `idle` of each other.
struct IdleTimeout {
    inner: Stream,
    idle: Duration,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

/// The error ending a streamed body that stalled.
#[derive(Debug, thiserror::Error)]
#[error("no data arrived for {0:?} (the idle timeout between chunks of a streamed body)")]
pub struct IdleTimeoutError(pub Duration);

impl http_body::Body for IdleTimeout {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        match this.inner.as_mut().poll_frame(cx) {
            Poll::Ready(frame) => {
                let deadline = tokio::time::Instant::now() + this.idle;
                this.sleep.as_mut().reset(deadline);
                Poll::Ready(frame)
            }
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(IdleTimeoutError(this.idle))))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn replayable_bodies_clone_and_streams_do_not() {
        let body = Body::from("abc");
        assert_eq!(body.as_bytes().map(|b| &b[..]), Some(&b"abc"[..]));
        let copy = body.try_clone().expect("replayable");
        assert_eq!(copy.collect_bytes().await.expect("bytes"), "abc");
        let stream = Body::from_stream(http_body_util::Full::new(Bytes::from_static(b"xyz")));
        assert!(stream.try_clone().is_none());
        assert!(!stream.is_replayable());
        assert_eq!(stream.collect_bytes().await.expect("bytes"), "xyz");
    }

    #[tokio::test]
    async fn reopenable_streams_are_made_anew_for_each_copy() {
        let opened = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&opened);
        let body = Body::from_reopenable(
            http_body_util::Full::new(Bytes::from_static(b"first")),
            move || {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                http_body_util::Full::new(Bytes::from(format!("again {n}")))
            },
        );
        assert!(body.is_replayable());
        assert!(body.as_bytes().is_none(), "a stream, not bytes in memory");
        let copy = body.try_clone().expect("reopenable");
        let copy_of_copy = copy.try_clone().expect("reopenable");
        assert_eq!(opened.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert_eq!(body.collect_bytes().await.expect("bytes"), "first");
        assert_eq!(copy.collect_bytes().await.expect("bytes"), "again 1");
        assert_eq!(
            copy_of_copy.collect_bytes().await.expect("bytes"),
            "again 2"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_stream_ends_with_an_idle_timeout() {
        let (mut sender, stalled) = http_body_util::channel::Channel::<Bytes, BoxError>::new(1);
        sender
            .send_data(Bytes::from_static(b"first"))
            .await
            .expect("sent");
        let body = Body::from_stream(stalled).with_idle_timeout(Duration::from_secs(5));
        let error = body.collect_bytes().await.expect_err("stalls");
        assert!(error.to_string().contains("idle timeout"), "{error}");
        drop(sender);
    }
}
