//! The instrument master: `ListInstruments`, `GetInstrument`,
//! `GetInstruments`, `UpsertInstruments`, `DeleteInstrument`.
//!
//! - [`routes`]: the handlers (parameters, wire shapes, problems);
//! - [`rules`]: what a valid upsert carries, when an upsert records
//!   nothing new, why an upsert or a delete fails;
//! - [`store`]: the instruments with every version in the generic
//!   bitemporal store, over the lazily generated seed equities, and the
//!   identifier index ([`index`]) that resolves
//!   `Instrument/default/Figi`-style identifiers to LUIDs;
//! - [`seed`]: the currencies and the lazily generated equities the
//!   emulator starts with;
//! - [`fields`], [`sort`] and [`paging`]: the fields `ListInstruments`
//!   filters (with the shared [`crate::filter`]) and sorts on, `sortBy`,
//!   and its pages;
//! - [`render`]: an instrument version as LUSID's `Instrument` JSON;
//! - [`record`]: an instrument as the state file keeps it.

pub(crate) mod fields;
mod index;
pub(crate) mod paging;
pub(crate) mod record;
pub(crate) mod render;
pub(crate) mod routes;
pub(crate) mod rules;
pub(crate) mod seed;
pub(crate) mod sort;
pub(crate) mod store;

pub(crate) use record::InstrumentRecord;
pub(crate) use routes::{delete_one, get_many, get_one, list, persist, upsert};
pub(crate) use store::Store;
