//! Currency instruments from the embedded ISO 4217 list.

use std::collections::BTreeMap;

use crate::bitemporal::{History, Version};
use crate::model::{
    CURRENCY_TYPE, DEFAULT_SCOPE, Instrument, InstrumentState, LUID_TYPE, Luid, Provenance,
    instrument_entity_id,
};
use crate::time_fmt::MIN_EFFECTIVE;

use super::SeedContext;

/// The embedded ISO 4217 list (see the file's header for its columns).
const ISO_4217: &str = include_str!("iso4217.txt");

/// One row of the ISO 4217 list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Currency {
    /// Alphabetic code, e.g. `GBP`.
    pub(crate) code: &'static str,
    /// Numeric code, e.g. `826`.
    pub(crate) numeric: &'static str,
    /// Minor units, `None` where ISO says N.A.
    pub(crate) minor_units: Option<u8>,
    /// English name.
    pub(crate) name: &'static str,
}

/// All active ISO 4217 currencies, in alphabetic-code order.
pub(crate) fn iso_4217() -> Vec<Currency> {
    let mut out: Vec<Currency> = ISO_4217
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let mut parts = line.splitn(4, ' ');
            let code = parts.next()?;
            let numeric = parts.next()?;
            let minor = parts.next()?;
            let name = parts.next()?;
            Some(Currency {
                code,
                numeric,
                minor_units: minor.parse().ok(),
                name,
            })
        })
        .collect();
    out.sort_by(|a, b| a.code.cmp(b.code));
    out
}

/// Whether `code` is an active ISO 4217 code (the list is read once).
pub(crate) fn is_iso_4217(code: &str) -> bool {
    static CODES: std::sync::OnceLock<std::collections::BTreeSet<&'static str>> =
        std::sync::OnceLock::new();
    CODES
        .get_or_init(|| iso_4217().into_iter().map(|c| c.code).collect())
        .contains(code)
}

/// The LUID of a currency instrument.
pub(crate) fn currency_luid(code: &str) -> Luid {
    Luid(format!("CCY_{code}"))
}

/// Builds the currency instruments: LUID `CCY_<code>`, name the code,
/// identifiers `Currency` and `LusidInstrumentId`, no economic definition
/// (LUSID refuses one on currencies), asset class `Money`, `domCcy` the code.
pub(crate) fn currency_instruments(ctx: &SeedContext) -> History<Luid, Instrument> {
    iso_4217()
        .into_iter()
        .map(|currency| {
            let luid = currency_luid(currency.code);
            let identifiers = BTreeMap::from([
                (CURRENCY_TYPE.to_owned(), currency.code.to_owned()),
                (LUID_TYPE.to_owned(), luid.0.clone()),
            ]);
            let version = Version {
                as_at: ctx.as_at,
                provenance: Provenance {
                    user_id: ctx.user_id.clone(),
                    request_id: ctx.request_id.clone(),
                },
                value: Some(Instrument {
                    entity_unique_id: instrument_entity_id(&luid),
                    effective_from: MIN_EFFECTIVE,
                    scope: DEFAULT_SCOPE.to_owned(),
                    name: currency.code.to_owned(),
                    identifiers,
                    properties: Vec::new(),
                    definition: None,
                    instrument_type: None,
                    state: InstrumentState::Active,
                    asset_class: "Money".to_owned(),
                    dom_ccy: Some(currency.code.to_owned()),
                }),
            };
            (luid, vec![version])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_complete_sorted_and_unique() {
        let list = iso_4217();
        assert!(list.len() >= 175, "{}", list.len());
        assert_eq!(list.first().map(|c| c.code), Some("AED"));
        assert_eq!(list.last().map(|c| c.code), Some("ZWG"));
        for pair in list.windows(2) {
            assert!(pair[0].code < pair[1].code, "{pair:?}");
        }
        for c in &list {
            assert_eq!(c.code.len(), 3);
            assert!(c.code.chars().all(|ch| ch.is_ascii_uppercase()));
            assert_eq!(c.numeric.len(), 3);
        }
        for code in ["USD", "GBP", "EUR", "JPY", "CHF", "XAU", "XCG"] {
            assert!(is_iso_4217(code), "{code}");
        }
        assert!(!is_iso_4217("ANG"));
        let gbp = list.iter().find(|c| c.code == "GBP");
        assert_eq!(gbp.map(|c| c.minor_units), Some(Some(2)));
    }
}
