//! Following LUSID's page tokens.
//!
//! A paginated LUSID operation takes a `page` token and returns a page with
//! `values` and `nextPage`. To read everything, send the request, then send
//! it again with every parameter unchanged plus `page=<nextPage>`, until
//! `nextPage` is null or empty.
//!
//! The generated code implements [`Page`] for each page type and
//! [`PagedParams`] for the parameters struct of each paginated operation.
//! [`paginate`] and [`paginate_pages`] follow the tokens over any function
//! from parameters to one page: the request builders' `into_stream()` and
//! `into_pages()` use them with `send`, and code written against a tag's
//! trait (`&dyn InstrumentsApiClient`, a mockall mock) uses them with the
//! trait method. Pages are fetched one at a time, only when the consumer
//! asks for more, so at most one page is held in memory.

use std::collections::HashSet;
use std::future::Future;

use futures_util::stream::{self, StreamExt, TryStreamExt};
use lusid_models::RawJson;

use crate::{Error, ItemStream, PageStream};

/// The page size (`limit`) the streams ask for when the request sets none.
pub const DEFAULT_PAGE_SIZE: i64 = 2000;

/// A page of results: its items and the token of the next page.
///
/// Implemented by every generated page type (`PagedResourceListOfInstrument`,
/// ...) and by [`RawPage`].
pub trait Page {
    /// One result.
    type Item;

    /// The `nextPage` token; `None` or empty on the last page.
    fn next_page(&self) -> Option<&str>;

    /// The page's items, in order.
    fn into_items(self) -> Vec<Self::Item>;
}

/// The parameters struct of a paginated operation
/// (`ListInstrumentsParams`, ...): what [`paginate`] changes between pages.
///
/// Generated for every operation with a `page` query parameter whose
/// response has `nextPage` and `values`.
pub trait PagedParams: Clone + Send + 'static {
    /// The operationId, for the errors the paginator raises itself.
    const OPERATION_ID: &'static str;

    /// The requested page size (the `limit` parameter), if set.
    fn page_size(&self) -> Option<i64>;

    /// Sets the page size (`limit`); does nothing for operations without one.
    fn set_page_size(&mut self, size: i64);

    /// Sets the `page` token.
    fn set_page_token(&mut self, token: String);

    /// Sets `asAt` to `now` unless it is set; does nothing for operations
    /// without an `asAt` parameter.
    fn pin_as_at(&mut self, now: time::OffsetDateTime) {
        let _ = now;
    }
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
enum Cursor<Q> {
    /// Nothing sent yet.
    Start(Q),
    /// `template` is the first request's parameters; `token` selects the
    /// next page; `seen` holds every token followed so far.
    Next {
        template: Q,
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
fn first_request<Q: PagedParams>(mut params: Q) -> Q {
    if params.page_size().is_none() {
        params.set_page_size(DEFAULT_PAGE_SIZE);
    }
    params.pin_as_at(time::OffsetDateTime::now_utc());
    params
}

/// The parameters of the page after the first: the first request's (with
/// its pinned `asAt`) with the new `page` token and every other parameter
/// unchanged.
fn next_request<Q: PagedParams>(template: &Q, token: String) -> Q {
    let mut params = template.clone();
    params.set_page_token(token);
    params
}

/// Every page, following `nextPage` from `params`: `fetch` sends one
/// request and returns its page (a trait method, a mock, or a request
/// builder's `send`).
///
/// Before the first request, a page size of [`DEFAULT_PAGE_SIZE`] is set
/// when `params` has none, and `asAt` (for operations that take one) is
/// pinned to the current UTC time when unset, so every page reads the same
/// snapshot; a `page` token already in `params` is kept, so a pagination can
/// resume. Each later request is the first one's parameters plus the new
/// `page` token. The next page is fetched only when the stream is polled
/// past the current one.
///
/// The stream ends after the last page (a `nextPage` that is null or
/// empty) or after the first error, including
/// [`Error::RepeatedPageToken`] when a page names a token already followed.
///
/// ```no_run
/// use lusid_api::{InstrumentsApiClient, ListInstrumentsParams};
///
/// # async fn run(api: &dyn InstrumentsApiClient) -> Result<(), lusid_api::Error> {
/// let mut pages = lusid_api::paginate_pages(ListInstrumentsParams::new(), |params| {
///     api.list_instruments(params)
/// });
/// while let Some(page) = pages.try_next().await? {
///     println!("{} instruments", page.values.len());
/// }
/// # Ok(()) }
/// ```
pub fn paginate_pages<'a, Q, P, F, Fut>(params: Q, fetch: F) -> PageStream<'a, P>
where
    Q: PagedParams,
    P: Page + Send + 'a,
    F: FnMut(Q) -> Fut + Send + 'a,
    Fut: Future<Output = Result<P, Error>> + Send + 'a,
{
    PageStream::new(page_stream(params, fetch))
}

/// Every item of every page, in order, following `nextPage` from `params`
/// as [`paginate_pages`] does; the next page is fetched only when the
/// current page's items are used up.
///
/// This is how code written against a tag's trait reads a whole listing,
/// the same way against the client (`client.instruments()`) and a mock:
///
/// ```no_run
/// use lusid_api::{InstrumentsApiClient, ListInstrumentsParams};
///
/// # async fn run(api: &dyn InstrumentsApiClient) -> Result<(), lusid_api::Error> {
/// let mut params = ListInstrumentsParams::new();
/// params.filter = Some("State eq 'Active'".to_owned());
/// let mut instruments = lusid_api::paginate(params, |params| api.list_instruments(params));
/// while let Some(instrument) = instruments.try_next().await? {
///     println!("{}", instrument.name);
/// }
/// # Ok(()) }
/// ```
///
/// # Errors
/// The stream yields the first error (see [`paginate_pages`]) and then ends.
pub fn paginate<'a, Q, P, F, Fut>(params: Q, fetch: F) -> ItemStream<'a, P::Item>
where
    Q: PagedParams,
    P: Page + Send + 'a,
    P::Item: Send + 'a,
    F: FnMut(Q) -> Fut + Send + 'a,
    Fut: Future<Output = Result<P, Error>> + Send + 'a,
{
    ItemStream::new(
        page_stream(params, fetch)
            .map_ok(|page| stream::iter(page.into_items()).map(Ok))
            .try_flatten(),
    )
}

/// The unboxed stream of [`paginate_pages`].
fn page_stream<'a, Q, P, F, Fut>(
    params: Q,
    fetch: F,
) -> impl futures_util::Stream<Item = Result<P, Error>> + Send + 'a
where
    Q: PagedParams,
    P: Page + Send + 'a,
    F: FnMut(Q) -> Fut + Send + 'a,
    Fut: Future<Output = Result<P, Error>> + Send + 'a,
{
    stream::try_unfold(
        (Cursor::Start(params), fetch),
        |(cursor, mut fetch)| async move {
            let (request, template, mut seen) = match cursor {
                Cursor::Done => return Ok(None),
                Cursor::Repeated { token, pages } => {
                    return Err(Error::RepeatedPageToken {
                        operation: Q::OPERATION_ID,
                        token,
                        pages,
                    });
                }
                Cursor::Start(params) => {
                    let params = first_request(params);
                    (params.clone(), params, SeenTokens::default())
                }
                Cursor::Next {
                    template,
                    token,
                    mut seen,
                } => {
                    let params = next_request(&template, token.clone());
                    seen.tokens.insert(token);
                    (params, template, seen)
                }
            };
            let page = fetch(request).await?;
            seen.pages += 1;
            // A token already followed would repeat pages forever: deliver
            // this page, then stop with an error.
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
            Ok(Some((page, (next, fetch))))
        },
    )
}
