//! The named stream types of paginated operations: [`ItemStream`] and
//! [`PageStream`].
//!
//! Both box the stream inside, so they are `Unpin`: `stream.try_next().await`
//! works on a plain `let mut` binding, with no `pin!` and no trait import.
//! They also implement [`futures_util::Stream`], for every combinator of
//! `StreamExt` and `TryStreamExt`.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{Stream, StreamExt};

use crate::Error;

/// The boxed stream inside [`ItemStream`] and [`PageStream`].
type Boxed<'a, T> = Pin<Box<dyn Stream<Item = Result<T, Error>> + Send + 'a>>;

/// Defines one named stream type over [`Boxed`].
macro_rules! named_stream {
    ($(#[$doc:meta])* $name:ident, $param:ident, $what:literal) => {
        $(#[$doc])*
        #[must_use = "a stream does nothing until it is polled"]
        pub struct $name<'a, $param> {
            inner: Boxed<'a, $param>,
        }

        impl<'a, $param> $name<'a, $param> {
            #[doc = concat!("Wraps any stream of ", $what, " (for instance a stream built in a test).")]
            pub fn new(stream: impl Stream<Item = Result<$param, Error>> + Send + 'a) -> Self {
                Self {
                    inner: Box::pin(stream),
                }
            }

            #[doc = concat!("The next of the ", $what, ": `Ok(None)` at the end.")]
            ///
            /// `while let Some(x) = stream.try_next().await? { ... }` reads them all.
            ///
            /// # Errors
            /// The error that ended the stream: a failed page request (see
            /// [`Error`]), or [`Error::RepeatedPageToken`] when LUSID sends a page
            /// token already followed. The stream yields nothing after an error.
            pub async fn try_next(&mut self) -> Result<Option<$param>, Error> {
                self.inner.next().await.transpose()
            }
        }

        impl<$param> Stream for $name<'_, $param> {
            type Item = Result<$param, Error>;

            fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
                self.inner.as_mut().poll_next(cx)
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                self.inner.size_hint()
            }
        }

        impl<$param> fmt::Debug for $name<'_, $param> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

named_stream!(
    /// Every item of every page of a paginated operation, in order: what the
    /// generated `into_stream()` and [`paginate`](crate::paginate) return.
    ///
    /// At most one page is held in memory; the next page is requested when
    /// the current one is used up. `'a` is what the stream borrows: `'static`
    /// for the request builders' streams, the lifetime of the client for
    /// [`paginate`](crate::paginate) over a borrowed trait object.
    ItemStream,
    T,
    "items"
);

named_stream!(
    /// Every page of a paginated operation, in order: what the generated
    /// `into_pages()` and `into_raw_pages()` and
    /// [`paginate_pages`](crate::paginate_pages) return.
    ///
    /// Each page is requested only when the previous one has been taken.
    /// `'a` is what the stream borrows, as for [`ItemStream`].
    PageStream,
    P,
    "pages"
);
