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
//!
//! The types live in several crates that this one re-exports (see
//! docs/codegen.md): `lusid-models-core` (the hand-written value types and
//! serde support) and the generated `lusid-models-part-*` crates, which split
//! the schemas along their dependency graph so that no compiler process holds
//! all 2000 of them. Depend on this crate (or the `lusid` facade), never on
//! the parts: which part holds which schema changes with the specification.
//!
//! ```
//! # #[cfg(feature = "instruments")] {
//! use lusid_models::{InstrumentDefinition, Property, PropertyValue, identifiers};
//!
//! let definition = InstrumentDefinition::new(
//!     "Acme plc",
//!     identifiers([("Figi", "BBG000BLNNH6"), ("ClientInternal", "acme-1")]),
//! )
//! .with_property(Property::instrument("default", "Sector", PropertyValue::label("Tech"))?)
//! .with_property(Property::instrument(
//!     "default",
//!     "SharesOutstanding",
//!     PropertyValue::metric("1234567.8901234567890".parse::<lusid_models::Number>()?, "Shares"),
//! )?);
//! assert_eq!(definition.properties.map(|p| p.len()), Some(2));
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod parts;

pub use lusid_models_core::{Number, NumberError, RawJson, datetime, json_path};
pub use parts::*;
