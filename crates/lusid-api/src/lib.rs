//! One method per LUSID operation, generated from `spec/lusid.json`.
//!
//! A [`Client`] wraps the HTTP stack of `lusid-http`. Operations are grouped
//! by specification tag: `client.instruments()` returns an [`InstrumentsApi`],
//! whose methods take the required parameters and return a request builder.
//! Optional parameters are chainable setters; `send().await` performs the
//! call:
//!
//! ```no_run
//! # async fn run(client: lusid_api::Client) -> Result<(), lusid_api::Error> {
//! let instrument = client
//!     .instruments()
//!     .get_instrument("Figi", "BBG000BLNNH6")
//!     .property_keys(["Instrument/default/Name"])
//!     .send()
//!     .await?;
//! println!("{} is {}", instrument.lusid_instrument_id, instrument.state);
//! # Ok(()) }
//! ```
//!
//! Paginated operations (a `page` parameter and a response with `nextPage`
//! and `values`) also offer `into_stream()` and `into_pages()`, which return
//! an [`ItemStream`] and a [`PageStream`]: `Unpin`, with their own
//! `try_next`, so no `pin!` and no trait import are needed:
//!
//! ```no_run
//! # async fn run(client: lusid_api::Client) -> Result<(), lusid_api::Error> {
//! let request = client.instruments().list_instruments().filter("State eq 'Active'").page_size(500);
//! let mut instruments = request.into_stream();
//! while let Some(instrument) = instruments.try_next().await? {
//!     println!("{}", instrument.name);
//! }
//! # Ok(()) }
//! ```
//!
//! Each operation also has a plain parameters struct (`ListInstrumentsParams`:
//! public fields, `new` with the required parameters) that its request
//! builder holds (`request.params()`, `XxxRequest::from_params(&api, params)`)
//! and that the tag's object-safe trait (`InstrumentsApiClient`, mocked by
//! `MockInstrumentsApiClient` under the `mock` feature) takes. [`paginate`]
//! and [`paginate_pages`] follow the page tokens over such a trait, so the
//! same code pages through the client and a mock. Parameters with a
//! documented value list take the open enums of [`params`]
//! (`.membership_type(params::MembershipType::Candidate)`, or any string).
//!
//! Every call fails with one [`Error`], which names the operation and, for an
//! error status, carries LUSID's problem details and request id.
#![deny(missing_docs)]

mod client;
mod error;
mod generated;
// The paginator and the request builder serve the generated tag modules;
// which of their items are used depends on the tags compiled, so only a
// `full` build (every tag) reports the unused ones.
#[cfg_attr(not(feature = "full"), allow(dead_code))]
mod paginator;
mod problem;
#[cfg_attr(not(feature = "full"), allow(dead_code))]
mod request;
mod stream;
mod transfer;

/// The request machinery the generated service crates (`lusid-drive`,
/// `lusid-luminesce`, ...) call; not a stable API of its own.
#[doc(hidden)]
pub mod __runtime {
    pub use crate::request::{ParamValue, RequestBuilder};
}

pub use client::Client;
pub use error::{Error, ErrorKind};
// Empty when no tag feature is on.
#[cfg_attr(not(feature = "full"), allow(unused_imports))]
pub use generated::*;
pub use paginator::{DEFAULT_PAGE_SIZE, Page, PagedParams, RawPage, paginate, paginate_pages};
pub use problem::ProblemDetails;
pub use stream::{ItemStream, PageStream};
pub use transfer::{BoxError, ByteStream, UploadBody};

/// The HTTP status type of [`Error::status`].
pub use http::StatusCode;
