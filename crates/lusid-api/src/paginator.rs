//! Following LUSID's page tokens.
//!
//! A paginated LUSID operation takes a `page` token and returns a page with
//! `values` and `nextPage`. To read everything, send the request, then send
//! it again with every parameter unchanged plus `page=<nextPage>`, until
//! `nextPage` is null or empty.
//!
//! The generated code implements [`Page`] for each page type and
//! [`PagedRequest`] for each paginated request builder; the streams here are
//! generic. Pages are fetched one at a time, only when the consumer asks for
//! more, so at most one page is held in memory.

use std::collections::HashSet;
use std::future::Future;

use futures_util::stream::{self, Stream, StreamExt, TryStreamExt};
use lusid_models::RawJson;
use serde::de::DeserializeOwned;

use crate::Error;

/// The page size (`limit`) the streams ask for when the request sets none.
pub const DEFAULT_PAGE_SIZE: i64 = 2000;

/// A page of results: its items and the token of the next page.
pub(crate) trait Page {
    /// One result.
    type Item;

    /// The `nextPage` token; `None` or empty on the last page.
    fn next_page(&self) -> Option<&str>;

    /// The page's items, in order.
    fn into_items(self) -> Vec<Self::Item>;
}

/// A request builder of a paginated operation.
pub(crate) trait PagedRequest: Clone + Send + 'static {
    /// What one call returns.
    type Page: Page + Send;

    /// The operationId, for errors raised by the paginator itself.
    const OPERATION_ID: &'static str;

    /// The requested page size (`limit`), if set.
    fn page_size(&self) -> Option<i64>;

    /// Sets the page size (`limit`); a no-op for operations without one.
    fn set_page_size(&mut self, size: i64);

    /// Sets the `page` token.
    fn set_page_token(&mut self, token: String);

    /// Sets `asAt` to `now` unless the caller set one; a no-op for
    /// operations without an `asAt` parameter.
    fn pin_as_at(&mut self, now: time::OffsetDateTime) {
        let _ = now;
    }

    /// Sends the request and decodes the page as `P`: [`Self::Page`], or
    /// [`RawPage`] to keep the items as LUSID sent them.
    fn send_page_as<P: DeserializeOwned + Send>(
        self,
    ) -> impl Future<Output = Result<P, Error>> + Send;
}

/// A page whose items are kept exactly as LUSID sent them, byte for byte,
/// including fields this crate does not know: returned by the generated
/// `into_raw_pages()` of every paginated operation.
///
/// Decode an item later with [`RawJson::deserialize_into`], or write
/// [`RawJson::get`] straight to an output.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[non_exhaustive]
pub struct RawPage {
    /// JSON `nextPage`: the token of the next page; `None` or empty on the last page.
    #[serde(rename = "nextPage", default)]
    pub next_page: Option<String>,
    /// JSON `values`: the page's items, each as its JSON text.
    pub values: Vec<RawJson>,
}

impl Page for RawPage {
    type Item = RawJson;

    fn next_page(&self) -> Option<&str> {
        self.next_page.as_deref()
    }

    fn into_items(self) -> Vec<RawJson> {
        self.values
    }
}

/// Where a pagination is.
enum Cursor<R> {
    /// Nothing sent yet.
    Start(R),
    /// `template` is the first request; `token` selects the next page;
    /// `seen` holds every token followed so far.
    Next {
        template: R,
        token: String,
        seen: SeenTokens,
    },
    /// The last page named a token already followed: report it next.
    Repeated { token: String, pages: u64 },
    /// The last page has been returned.
    Done,
}

/// The page tokens a pagination has followed, and how many pages it got.
#[derive(Default)]
struct SeenTokens {
    tokens: HashSet<String>,
    pages: u64,
}

/// Prepares the first request: applies [`DEFAULT_PAGE_SIZE`] when no page
/// size is set, and pins `asAt` to the current UTC time when the operation
/// takes one and the caller gave none. The `page` token, if the caller set
/// one, is kept, so a pagination can resume.
///
/// Pinning `asAt` makes every page read the same snapshot: without it, each
/// page would be evaluated at its own request time and an instrument written
/// between two pages could be skipped or repeated. LUSID pages carry no
/// as-at time, so the client's clock gives it, before the first request;
/// a server answering page tokens for the original query then sees the
/// same `asAt` on every page. (A client clock behind the server's reads a
/// slightly older snapshot, never a moving one.)
fn first_request<R: PagedRequest>(mut request: R) -> R {
    if request.page_size().is_none() {
        request.set_page_size(DEFAULT_PAGE_SIZE);
    }
    request.pin_as_at(time::OffsetDateTime::now_utc());
    request
}

/// The request for the page after the first: the first request (with its
/// pinned `asAt`) with the new `page` token and every other parameter
/// unchanged.
fn next_request<R: PagedRequest>(template: &R, token: String) -> R {
    let mut request = template.clone();
    request.set_page_token(token);
    request
}

/// Every page, following `nextPage`. Ends after the last page or the first
/// error.
pub(crate) fn pages<R: PagedRequest>(
    request: R,
) -> impl Stream<Item = Result<R::Page, Error>> + Send + 'static
where
    R::Page: DeserializeOwned,
    <R::Page as Page>::Item: Send,
{
    pages_as::<R, R::Page>(request)
}

/// Every page decoded as `P`, following `nextPage`. Ends after the last page
/// or the first error.
pub(crate) fn pages_as<R: PagedRequest, P: Page + DeserializeOwned + Send>(
    request: R,
) -> impl Stream<Item = Result<P, Error>> + Send + 'static
where
    P::Item: Send,
{
    stream::try_unfold(Cursor::Start(request), |cursor| async move {
        let (request, template, mut seen) = match cursor {
            Cursor::Done => return Ok(None),
            Cursor::Repeated { token, pages } => {
                return Err(Error::RepeatedPageToken {
                    operation: R::OPERATION_ID,
                    token,
                    pages,
                });
            }
            Cursor::Start(request) => {
                let request = first_request(request);
                (request.clone(), request, SeenTokens::default())
            }
            Cursor::Next {
                template,
                token,
                mut seen,
            } => {
                let request = next_request(&template, token.clone());
                seen.tokens.insert(token);
                (request, template, seen)
            }
        };
        let page = request.send_page_as::<P>().await?;
        seen.pages += 1;
        // A token already followed would repeat pages forever: deliver this
        // page, then stop with an error.
        let next = match page.next_page() {
            Some(token) if seen.tokens.contains(token) => Cursor::Repeated {
                token: token.to_owned(),
                pages: seen.pages,
            },
            Some(token) if !token.is_empty() => Cursor::Next {
                template,
                token: token.to_owned(),
                seen,
            },
            _ => Cursor::Done,
        };
        Ok(Some((page, next)))
    })
}

/// Every item of every page, in order; the next page is fetched only when
/// the current page's items are used up.
pub(crate) fn items<R: PagedRequest>(
    request: R,
) -> impl Stream<Item = Result<<R::Page as Page>::Item, Error>> + Send + 'static
where
    R::Page: DeserializeOwned,
    <R::Page as Page>::Item: Send,
{
    items_as::<R, R::Page>(request)
}

/// Every item of every page decoded as `P`, in order.
pub(crate) fn items_as<R: PagedRequest, P: Page + DeserializeOwned + Send>(
    request: R,
) -> impl Stream<Item = Result<P::Item, Error>> + Send + 'static
where
    P::Item: Send,
{
    pages_as::<R, P>(request)
        .map_ok(|page| stream::iter(page.into_items()).map(Ok))
        .try_flatten()
}
