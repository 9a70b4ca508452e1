//! Serde adapter for date-times inside containers: `Vec<OffsetDateTime>`,
//! `BTreeMap<String, OffsetDateTime>`, and any nesting of those with
//! `Option`, such as `Option<Vec<BTreeMap<String, OffsetDateTime>>>`.
//!
//! Use it with `#[serde(with = "lusid_models::datetime::nested")]`, or wrap
//! a whole value in [`DateTimesOut`] (to serialise) or [`DateTimesIn`] (to
//! deserialise), as the API crate does for bodies that are bare date-times
//! or containers of them.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

/// A value whose date-times are written in the LUSID form: a date-time, or an
/// `Option`, `Vec` or string-keyed `BTreeMap` of such values.
pub trait DateTimeValue: Sized {
    /// Serialises the value, writing each date-time with [`super::format()`].
    ///
    /// # Errors
    /// The serializer's error.
    fn serialize_value<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;

    /// Deserialises the value, reading each date-time with [`super::parse`].
    ///
    /// # Errors
    /// The deserializer's error.
    fn deserialize_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// Serialises a container of date-times.
///
/// # Errors
/// The serializer's error.
pub fn serialize<T: DateTimeValue, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    value.serialize_value(serializer)
}

/// Deserialises a container of date-times.
///
/// # Errors
/// The deserializer's error.
pub fn deserialize<'de, T: DateTimeValue, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    T::deserialize_value(deserializer)
}

/// Serialises a borrowed [`DateTimeValue`] with LUSID date-times.
pub struct DateTimesOut<'a, T>(pub &'a T);

impl<T: DateTimeValue> Serialize for DateTimesOut<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_value(serializer)
    }
}

/// Deserialises a [`DateTimeValue`] with LUSID date-times; the value is
/// the `.0` field.
pub struct DateTimesIn<T>(pub T);

impl<'de, T: DateTimeValue> Deserialize<'de> for DateTimesIn<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize_value(deserializer).map(DateTimesIn)
    }
}

impl DateTimeValue for OffsetDateTime {
    fn serialize_value<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        super::serialize(self, serializer)
    }

    fn deserialize_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::deserialize(deserializer)
    }
}

impl<T: DateTimeValue> DateTimeValue for Option<T> {
    fn serialize_value<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(value) => serializer.serialize_some(&DateTimesOut(value)),
            None => serializer.serialize_none(),
        }
    }

    fn deserialize_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Option::<DateTimesIn<T>>::deserialize(deserializer)?.map(|DateTimesIn(value)| value))
    }
}

impl<T: DateTimeValue> DateTimeValue for Vec<T> {
    fn serialize_value<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(DateTimesOut))
    }

    fn deserialize_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let values = Vec::<DateTimesIn<T>>::deserialize(deserializer)?;
        Ok(values.into_iter().map(|DateTimesIn(value)| value).collect())
    }
}

impl<T: DateTimeValue> DateTimeValue for BTreeMap<String, T> {
    fn serialize_value<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter().map(|(key, value)| (key, DateTimesOut(value))))
    }

    fn deserialize_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let values = BTreeMap::<String, DateTimesIn<T>>::deserialize(deserializer)?;
        Ok(values
            .into_iter()
            .map(|(key, DateTimesIn(value))| (key, value))
            .collect())
    }
}
