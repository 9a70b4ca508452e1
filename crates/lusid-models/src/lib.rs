//! Serde types of the LUSID API: every request and response body, generated
//! from `spec/lusid.json` by `cargo xtask codegen`.
//!
//! Each JSON schema becomes a struct of the same name whose fields keep the
//! wire order and wire names (through `#[serde(rename)]`). Optional fields are
//! `Option`s that are left out when `None`; fields that must be present but
//! may be `null` are `Option`s that serialise as `null`.
//!
//! Three hand-written types carry values without losing anything:
//!
//! - [`Number`]: a JSON number kept as the exact literal LUSID sent;
//! - [`RawJson`]: a JSON value kept as text (used for polymorphic schemas
//!   such as [`LusidInstrument`] until they are generated);
//! - [`datetime`]: the serde adapter for `time::OffsetDateTime` in LUSID's
//!   7-digit date-time format.
//!
//! String fields whose specification lists values (open lists: LUSID may add
//! values) are enums such as [`InstrumentState`], with an `Other(String)`
//! fallback that keeps unknown values verbatim.
#![deny(missing_docs)]

pub mod datetime;
mod generated;
mod number;
mod raw;

pub use generated::*;
pub use number::{Number, NumberError};
pub use raw::RawJson;
