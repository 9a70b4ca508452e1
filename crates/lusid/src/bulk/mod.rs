//! Bulk loading through LUSID's map-keyed upserts, with every item
//! accounted for.
//!
//! [`BulkUpsert`] takes a stream of [`BulkItem`]s (a correlation id and an
//! item, or the reason it failed validation), sends them in batches of at
//! most the operation's limit (2000 for UpsertInstruments) with bounded
//! concurrency (default [`DEFAULT_CONCURRENCY`]), and yields exactly one
//! [`ItemOutcome`] per item: [`Outcome::Upserted`] (LUID and version),
//! [`Outcome::Staged`], [`Outcome::Failed`] (LUSID's `ErrorDetail` from the
//! response's `failed` map), [`Outcome::Invalid`] (not sent),
//! [`Outcome::NotSent`] (the batch failed for good: status, request id,
//! attempts) or [`Outcome::Unconfirmed`] (the response did not mention it).
//! [`OutcomeStream::summary`] counts them.
//!
//! Each batch is one call through the client's stack, so its retry policy
//! (429s, 5xx, broken connections: upserts are idempotent) applies once; the
//! batcher adds no retry loop of its own.
//!
//! Other operations of the same shape plug in through [`MapUpsert`].

mod outcome;
mod run;
mod summary;
mod upsert;

pub use outcome::{ItemOutcome, Outcome};
pub use run::{BulkItem, BulkUpsert, DEFAULT_CONCURRENCY, OutcomeStream};
pub use summary::Summary;
#[cfg(feature = "instruments")]
pub use upsert::UpsertInstruments;
pub use upsert::{BatchResponse, MapUpsert};
