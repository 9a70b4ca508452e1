//! Serde types of the LUSID API: every request and response body, generated
//! from `spec/lusid.json` by `cargo xtask codegen`.
//!
//! Each JSON schema becomes a struct of the same name whose fields keep the
//! wire order and wire names (through `#[serde(rename)]`). Optional fields are
//! `Option`s that are left out when `None`; fields that must be present but
//! may be `null` are `Option`s that serialise as `null`.
//!
//! Discriminated families (allOf inheritance and `oneOf` unions, such as
//! [`LusidInstrument`]) are enums keyed by their discriminator, with one boxed
//! variant per member and an `Unknown { tag, raw }` variant that keeps values
//! the specification does not describe. Schemas marked
//! `x-sdk-unknown-fields: preserve` keep unknown keys in `unknown_fields`.
//!
//! Each API tag is a Cargo feature (`instruments` by default, `full` for
//! everything): a schema is compiled when a tag that reaches it is on.
//!
//! Three hand-written types carry values without losing anything:
//!
//! - [`Number`]: a JSON number kept as the exact literal LUSID sent;
//! - [`RawJson`]: a JSON value kept as text (untyped values and unknown
//!   family members);
//! - [`datetime`]: the serde adapter for `time::OffsetDateTime` in LUSID's
//!   7-digit date-time format.
//!
//! Request models (schemas some operation sends) have chainable
//! `with_<field>` setters for their optional fields, and a few hand-written
//! conveniences build instrument definitions and properties (with the
//! `instruments` or `search` feature): `identifiers`,
//! `InstrumentDefinition::with_identifier` and `with_property`,
//! `PropertyValue::label` and `metric`, `Property::instrument` and `keyed`.
//!
//! String fields whose specification lists values (open lists: LUSID may add
//! values) are enums such as [`InstrumentState`], with an `Other(String)`
//! fallback that keeps unknown values verbatim.
#![deny(missing_docs)]

#[cfg(any(feature = "instruments", feature = "search"))]
mod convenience;
pub mod datetime;
// Used by the generated structs.
#[allow(dead_code)]
mod de;
// Used by the generated families; unused when no feature compiles one.
#[allow(dead_code)]
mod family;
mod generated;
pub mod json_path;
// Used by `de`.
#[allow(dead_code)]
mod key;
mod number;
mod raw;
// Used by the generated families; unused when no feature compiles one.
#[allow(dead_code)]
mod scan;

#[cfg(any(feature = "instruments", feature = "search"))]
pub use convenience::{PropertyKeyError, identifiers};
pub use generated::*;
pub use number::{Number, NumberError};
pub use raw::RawJson;
