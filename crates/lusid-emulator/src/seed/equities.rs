//! Synthetic equities with valid FIGIs and ISINs.

use std::collections::{BTreeMap, HashSet};

use fastrand::Rng;
use lusid_models::RawJson;
use serde_json::json;
use time::Duration;
use time::macros::date;

use crate::model::{
    DEFAULT_SCOPE, InstrumentHistory, InstrumentState, InstrumentVersion, LUID_TYPE, Luid,
    Provenance, uuid_like,
};

use super::SeedContext;
use super::checkdigits::{figi_check_digit, isin_check_digit};
use super::names::{MARKETS, PREFIXES, SECTORS};

/// Characters of generated LUIDs.
const LUID_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// FIGI characters: digits and upper-case consonants.
const FIGI_CHARS: &[u8] = b"0123456789BCDFGHJKLMNPQRSTVWXYZ";
/// ISIN NSIN characters.
const NSIN_CHARS: &[u8] = b"0123456789";
/// Ticker characters.
const TICKER_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Picks `len` characters of `alphabet`.
fn random_string(rng: &mut Rng, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| char::from(alphabet[rng.usize(..alphabet.len())]))
        .collect()
}

/// Draws values from `make` until one is not in `seen`, then records it.
fn unique(seen: &mut HashSet<String>, mut make: impl FnMut() -> String) -> String {
    loop {
        let candidate = make();
        if seen.insert(candidate.clone()) {
            return candidate;
        }
    }
}

/// A new random LUID (`LUID_` + 8 upper-case alphanumerics).
pub(crate) fn random_luid(rng: &mut Rng) -> Luid {
    Luid(format!("LUID_{}", random_string(rng, LUID_CHARS, 8)))
}

/// A random FIGI: `BBG` + 8 FIGI characters + check digit.
fn random_figi(rng: &mut Rng) -> String {
    let body = format!("BBG{}", random_string(rng, FIGI_CHARS, 8));
    let check = figi_check_digit(&body).unwrap_or('0');
    format!("{body}{check}")
}

/// A random ISIN for `country`: prefix + 9-digit NSIN + check digit.
fn random_isin(rng: &mut Rng, country: &str) -> String {
    let body = format!("{country}{}", random_string(rng, NSIN_CHARS, 9));
    let check = isin_check_digit(&body).unwrap_or('0');
    format!("{body}{check}")
}

/// Builds `count` equities from the seeded generator. Identifiers (LUID,
/// FIGI, ISIN, ticker) are unique among themselves; names may repeat.
pub(crate) fn equity_instruments(ctx: &SeedContext, count: usize) -> Vec<InstrumentHistory> {
    let mut rng = Rng::with_seed(ctx.seed);
    let mut luids = HashSet::new();
    let mut figis = HashSet::new();
    let mut isins = HashSet::new();
    let mut tickers = HashSet::new();
    let epoch = date!(1990 - 01 - 01);
    let mut out = Vec::with_capacity(count);
    for index in 0..count {
        let luid = Luid(unique(&mut luids, || random_luid(&mut rng).0));
        let market = MARKETS[rng.usize(..MARKETS.len())];
        let prefix = PREFIXES[rng.usize(..PREFIXES.len())];
        let sector = SECTORS[rng.usize(..SECTORS.len())];
        let name = format!("{prefix} {sector} {}", market.legal_form);
        let figi = unique(&mut figis, || random_figi(&mut rng));
        let isin = unique(&mut isins, || random_isin(&mut rng, market.country));
        let ticker_len = if rng.bool() { 3 } else { 4 };
        // Tickers get longer after collisions (3-4 letters run out near
        // 475,000 equities); `EQ<n>` has digits and so never clashes.
        let ticker = (0..24)
            .map(|attempt| random_string(&mut rng, TICKER_CHARS, ticker_len + attempt / 4))
            .find(|candidate| tickers.insert(candidate.clone()))
            .unwrap_or_else(|| format!("EQ{index}"));
        let client_internal = format!("EMU-EQ-{:06}", index + 1);
        let listed = epoch + Duration::days(rng.i64(0..11_000));
        let identifiers = BTreeMap::from([
            ("Figi".to_owned(), figi.clone()),
            ("Isin".to_owned(), isin.clone()),
            ("Ticker".to_owned(), ticker),
            ("ClientInternal".to_owned(), client_internal.clone()),
            (LUID_TYPE.to_owned(), luid.0.clone()),
        ]);
        let definition = json!({
            "instrumentType": "Equity",
            "identifiers": {
                "LusidInstrumentId": luid.0,
                "Figi": figi,
                "Isin": isin,
                "ClientInternal": client_internal,
            },
            "domCcy": market.currency,
            "lotSize": 1,
        });
        out.push(InstrumentHistory {
            entity_unique_id: uuid_like(&[luid.as_str(), "instrument"]),
            versions: vec![InstrumentVersion {
                as_at: ctx.as_at,
                effective_from: listed.midnight().assume_utc(),
                scope: DEFAULT_SCOPE.to_owned(),
                name,
                identifiers,
                properties: Vec::new(),
                definition: RawJson::from_value(&definition).ok(),
                instrument_type: Some("Equity".to_owned()),
                state: InstrumentState::Active,
                asset_class: "Equities".to_owned(),
                dom_ccy: Some(market.currency.to_owned()),
                provenance: Provenance {
                    user_id: ctx.user_id.clone(),
                    request_id: ctx.request_id.clone(),
                },
            }],
            luid,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::checkdigits::{is_valid_figi, is_valid_isin};
    use super::*;

    #[test]
    fn equities_have_valid_unique_identifiers() {
        let ctx = SeedContext::new(7);
        let equities = equity_instruments(&ctx, 500);
        assert_eq!(equities.len(), 500);
        let mut seen = HashSet::new();
        for eq in &equities {
            let v = &eq.versions[0];
            assert!(eq.luid.0.starts_with("LUID_") && eq.luid.0.len() == 13);
            let figi = &v.identifiers["Figi"];
            let isin = &v.identifiers["Isin"];
            assert!(is_valid_figi(figi), "{figi}");
            assert!(is_valid_isin(isin), "{isin}");
            assert!(seen.insert(figi.clone()));
            assert!(seen.insert(isin.clone()));
            assert!(seen.insert(eq.luid.0.clone()));
            assert_eq!(v.identifiers[LUID_TYPE], eq.luid.0);
        }
    }

    #[test]
    fn equal_seeds_give_identical_data_and_different_seeds_differ() {
        let a = equity_instruments(&SeedContext::new(42), 100);
        let b = equity_instruments(&SeedContext::new(42), 100);
        let c = equity_instruments(&SeedContext::new(43), 100);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
