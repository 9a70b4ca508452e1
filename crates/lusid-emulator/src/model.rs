//! The emulator's own domain types for instruments, independent of the wire.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use lusid_models::Property;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::bitemporal::{Seen, Version, seen_at_index, visible_index};

/// The scope LUSID puts instruments in when no scope is given.
pub(crate) const DEFAULT_SCOPE: &str = "default";

/// The scope that means "every scope" in lists and lookups.
pub(crate) const ALL_SCOPES: &str = "*";

/// The identifier type every instrument carries: its LUID.
pub(crate) const LUID_TYPE: &str = "LusidInstrumentId";

/// The identifier type of currency instruments (`CCY_<code>`).
pub(crate) const CURRENCY_TYPE: &str = "Currency";

/// Identifier types the emulator knows. Lookups by any other type are a
/// validation error (`identifierType`).
pub(crate) const KNOWN_IDENTIFIER_TYPES: &[&str] = &[
    "LusidInstrumentId",
    "Currency",
    "Figi",
    "Isin",
    "Ticker",
    "ClientInternal",
    "Sedol",
    "Cusip",
    "CompositeFigi",
    "ShareClassFigi",
    "Wertpapier",
    "RIC",
    "QuotePermId",
    "EdiKey",
];

/// Identifier types that are unique in LUSID: each value identifies at most
/// one instrument per scope, and only these match an upsert to an existing
/// instrument. Every other known type (`Isin`, `Sedol`, `Cusip`, `Ticker`,
/// `RIC`, `Wertpapier`, `CompositeFigi`, `ShareClassFigi`) is non-unique:
/// several instruments may share a value.
pub(crate) const UNIQUE_IDENTIFIER_TYPES: &[&str] = &[
    "LusidInstrumentId",
    "Figi",
    "ClientInternal",
    "EdiKey",
    "QuotePermId",
    "Currency",
];

/// The domain every instrument property key starts with.
pub(crate) const INSTRUMENT_PROPERTY_DOMAIN: &str = "Instrument";

/// Returns the canonical spelling of a known identifier type (matching is
/// case-insensitive, as in LUSID), or `None`.
pub(crate) fn canonical_identifier_type(raw: &str) -> Option<&'static str> {
    KNOWN_IDENTIFIER_TYPES
        .iter()
        .copied()
        .find(|known| known.eq_ignore_ascii_case(raw))
}

/// Whether a (canonical) identifier type is unique, so usable for upsert
/// matching.
pub(crate) fn is_unique_identifier_type(kind: &str) -> bool {
    UNIQUE_IDENTIFIER_TYPES.contains(&kind)
}

/// Whether `key` is an instrument property key, `Instrument/<scope>/<code>`:
/// exactly three `/`-separated parts, none empty, the first exactly
/// `Instrument`.
pub(crate) fn is_instrument_property_key(key: &str) -> bool {
    let mut parts = key.split('/');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(INSTRUMENT_PROPERTY_DOMAIN), Some(scope), Some(code), None)
            if !scope.is_empty() && !code.is_empty()
    )
}

/// A LUSID instrument identifier (`CCY_GBP`, `LUID_ABCD1234`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Luid(pub(crate) String);

impl Luid {
    /// The identifier as a string slice.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Luid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The lifecycle state of an instrument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum InstrumentState {
    /// Visible to default lists and lookups.
    Active,
    /// Present but not active (not produced by the emulator yet).
    #[allow(dead_code)]
    Inactive,
    /// Soft-deleted by `DeleteInstrument`.
    Deleted,
}

impl InstrumentState {
    /// The wire spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
            Self::Deleted => "Deleted",
        }
    }
}

/// Who and which request made a version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Provenance {
    /// Okta-style user id.
    pub(crate) user_id: String,
    /// The `lusid-meta-requestId` of the request.
    pub(crate) request_id: String,
}

/// What one version of an instrument records: the value the bitemporal
/// store keeps per version (its system time and provenance are the
/// [`Version`]'s). Business time is `effective_from`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Instrument {
    /// A stable UUID-shaped id (`version.entityUniqueId`), the same in
    /// every version.
    pub(crate) entity_unique_id: String,
    /// Business time from which the instrument is effective.
    pub(crate) effective_from: OffsetDateTime,
    /// Scope the instrument lives in.
    pub(crate) scope: String,
    /// Display name.
    pub(crate) name: String,
    /// Identifier type → value, always including `LusidInstrumentId`.
    pub(crate) identifiers: BTreeMap<String, String>,
    /// Properties as given.
    pub(crate) properties: Vec<Property>,
    /// Economic definition as given (a polymorphic `LusidInstrument`, kept
    /// as JSON text so unknown instrument types survive).
    pub(crate) definition: Option<String>,
    /// `instrumentType` of the definition, if any (for filters).
    pub(crate) instrument_type: Option<String>,
    /// Lifecycle state (a delete is a version in state `Deleted`, never a
    /// version without a value).
    pub(crate) state: InstrumentState,
    /// LUSID asset class (`Equities`, `Money`, `Unknown`…).
    pub(crate) asset_class: String,
    /// Domestic currency, if known.
    pub(crate) dom_ccy: Option<String>,
}

/// One bitemporal version of an instrument.
pub(crate) type InstrumentVersion = Version<Instrument>;

/// The `entityUniqueId` of the instrument with this LUID.
pub(crate) fn instrument_entity_id(luid: &Luid) -> String {
    uuid_like(&[luid.as_str(), "instrument"])
}

/// An instrument with all its versions, oldest first (never empty):
/// borrowed from the store's bitemporal overlay, or generated for a seed
/// equity nobody has changed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct InstrumentHistory<'a> {
    /// The instrument's LUID.
    pub(crate) luid: Cow<'a, Luid>,
    /// Versions, ordered by `as_at` ascending.
    pub(crate) versions: Cow<'a, [InstrumentVersion]>,
}

impl InstrumentHistory<'static> {
    /// A history owned outright (a seed equity's).
    pub(crate) fn owned(luid: Luid, versions: Vec<InstrumentVersion>) -> Self {
        Self {
            luid: Cow::Owned(luid),
            versions: Cow::Owned(versions),
        }
    }
}

impl InstrumentHistory<'_> {
    /// The position and value of the version visible at system time
    /// `as_at`, if any.
    pub(crate) fn at(&self, as_at: OffsetDateTime) -> Option<(usize, &Instrument)> {
        let index = visible_index(&self.versions, as_at)?;
        self.value(index).map(|value| (index, value))
    }

    /// The value of the version at `index`.
    pub(crate) fn value(&self, index: usize) -> Option<&Instrument> {
        self.versions.get(index).and_then(|v| v.value.as_ref())
    }

    /// The latest value.
    pub(crate) fn latest(&self) -> Option<&Instrument> {
        self.versions.last().and_then(|v| v.value.as_ref())
    }

    /// What a read sees as of the version at `index` (created, modified,
    /// version number).
    pub(crate) fn seen(&self, index: usize) -> Option<Seen<'_, Instrument>> {
        seen_at_index(&self.versions, index)
    }
}

/// Derives LUSID's `assetClass` and `domCcy` from an economic definition.
pub(crate) fn classify_definition(definition: Option<&Value>) -> (String, Option<String>) {
    let Some(def) = definition else {
        return ("Unknown".to_owned(), None);
    };
    let instrument_type = def
        .get("instrumentType")
        .and_then(Value::as_str)
        .unwrap_or("Unknown");
    let asset_class = match instrument_type {
        "Equity" | "EquityOption" | "EquitySwap" | "FundShareClass" | "PreferredShare" => {
            "Equities"
        }
        "Bond" | "ComplexBond" | "CreditDefaultSwap" | "CdsIndex" | "InflationLinkedBond" => {
            "Credit"
        }
        "FxForward" | "FxOption" | "FxSwap" => "FX",
        "InterestRateSwap" | "InterestRateSwaption" | "ForwardRateAgreement" | "CapFloor" => {
            "InterestRates"
        }
        "Cash" | "TermDeposit" | "CashPerpetual" => "Money",
        "CommodityForward" | "CommodityCalendarSwap" => "Commodities",
        "SimpleInstrument" => def
            .get("assetClass")
            .and_then(Value::as_str)
            .unwrap_or("Unknown"),
        _ => "Unknown",
    };
    let dom_ccy = def.get("domCcy").and_then(Value::as_str).map(str::to_owned);
    (asset_class.to_owned(), dom_ccy)
}

/// A stable 64-bit FNV-1a hash (used for ids and page-token query hashes;
/// not for security).
pub(crate) fn fnv1a64(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// A UUID-shaped string derived deterministically from `parts`.
pub(crate) fn uuid_like(parts: &[&str]) -> String {
    let a = fnv1a64(parts);
    let b = fnv1a64(&[&a.to_string(), "uuid"]);
    let hex = format!("{a:016x}{b:016x}");
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// An Okta-style user id (`00u` + 17 characters) derived from a username.
pub(crate) fn okta_user_id(username: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut state = fnv1a64(&[username, "okta-user"]);
    let mut id = String::from("00u");
    for _ in 0..17 {
        let index = (state % ALPHABET.len() as u64) as usize;
        id.push(char::from(ALPHABET[index]));
        state = state.rotate_left(7) ^ fnv1a64(&[&state.to_string()]);
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instrument_property_keys_have_three_non_empty_parts() {
        assert!(is_instrument_property_key("Instrument/default/Sector"));
        for bad in [
            "Instrument/default",
            "Instrument/default/Sector/Extra",
            "Instrument//Sector",
            "Instrument/default/",
            "instrument/default/Sector",
            "Portfolio/default/Sector",
            "Sector",
            "",
        ] {
            assert!(!is_instrument_property_key(bad), "{bad}");
        }
    }

    #[test]
    fn only_lusid_unique_types_are_unique() {
        for kind in [
            "Figi",
            "ClientInternal",
            "EdiKey",
            "QuotePermId",
            "Currency",
        ] {
            assert!(is_unique_identifier_type(kind), "{kind}");
        }
        for kind in ["Isin", "Sedol", "Cusip", "Ticker", "RIC", "Wertpapier"] {
            assert!(!is_unique_identifier_type(kind), "{kind}");
        }
    }
}
