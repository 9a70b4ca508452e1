//! Support for the generated `Deserialize` implementations of structs (see
//! `xtask/src/emit_serde.rs`): each struct implements [`FromMap`], a single
//! `visit_map` over its keys, and its `Deserialize` calls [`deserialize`].
//!
//! Written by the generator instead of `#[derive(Deserialize)]`, which
//! would add a field-identifier enum, its visitor and a `visit_seq` to each
//! of 2000 types: most of the crate's build time.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserializer, Error, MapAccess, Visitor};

pub use crate::key::Key;

/// A struct read from the entries of a JSON object.
pub trait FromMap<'de>: Sized {
    /// The schema name, for "expected struct ..." messages.
    const NAME: &'static str;

    /// Reads the struct from the object's entries.
    ///
    /// # Errors
    /// A field that does not decode, is repeated, or is required and absent.
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// Deserialises a struct from a JSON object (an array is not accepted).
///
/// # Errors
/// The deserializer's error, or one of [`FromMap::from_map`].
pub fn deserialize<'de, T: FromMap<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_struct(T::NAME, &[], StructVisitor(PhantomData))
}

/// Stores a field's value, failing when the key was already seen.
///
/// # Errors
/// `duplicate field` naming the wire name.
pub fn set<T, E: Error>(slot: &mut Option<T>, value: T, wire: &'static str) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(wire));
    }
    *slot = Some(value);
    Ok(())
}

/// The value of a required field.
///
/// # Errors
/// `missing field` naming the wire name when the key was absent.
pub fn required<T, E: Error>(slot: Option<T>, wire: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(wire))
}

/// Deserialises an open enum from a JSON string: a listed value (`known`)
/// becomes its variant without copying the text; any other value is kept
/// in the `Other` variant (`other`).
///
/// # Errors
/// When the value is not a string.
pub fn open_enum<'de, T, D: Deserializer<'de>>(
    deserializer: D,
    known: fn(&str) -> Option<T>,
    other: fn(String) -> T,
) -> Result<T, D::Error> {
    deserializer.deserialize_str(OpenEnumVisitor { known, other })
}

/// Reads an open enum's string, allocating only for unlisted values.
struct OpenEnumVisitor<T> {
    known: fn(&str) -> Option<T>,
    other: fn(String) -> T,
}

impl<T> Visitor<'_> for OpenEnumVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<T, E> {
        Ok((self.known)(text).unwrap_or_else(|| (self.other)(text.to_owned())))
    }

    fn visit_string<E: Error>(self, text: String) -> Result<T, E> {
        Ok(match (self.known)(&text) {
            Some(value) => value,
            None => (self.other)(text),
        })
    }
}

/// Hands the object's entries to [`FromMap::from_map`].
struct StructVisitor<T>(PhantomData<T>);

impl<'de, T: FromMap<'de>> Visitor<'de> for StructVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::from_map(map)
    }
}
