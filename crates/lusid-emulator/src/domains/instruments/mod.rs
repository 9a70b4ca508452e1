//! The instrument master: `ListInstruments`, `GetInstrument`,
//! `GetInstruments`, `UpsertInstruments`, `DeleteInstrument`.
//!
//! - [`routes`]: the handlers (parameters, wire shapes, problems);
//! - [`rules`]: what a valid upsert carries, when an upsert records
//!   nothing new, why an upsert or a delete fails;
//! - [`store`]: the instruments with every version, over the lazily
//!   generated seed equities, and the identifier index ([`index`]) that
//!   resolves `Instrument/default/Figi`-style identifiers to LUIDs.

mod index;
pub(crate) mod routes;
pub(crate) mod rules;
pub(crate) mod store;

pub(crate) use routes::{delete_one, get_many, get_one, list, persist, upsert};
pub(crate) use store::Store;
