//! Synthetic equities with valid FIGIs and ISINs, generated lazily.
//!
//! Nothing is stored per equity: equity `i` of a seed is a pure function of
//! `(seed, i)`, and every unique identifier maps back to `i` (LUIDs are
//! increasing in `i`, so LUID order is index order; FIGIs, ISINs and tickers
//! come from keyed permutations; `ClientInternal` is `EMU-EQ-<i+1>`). A
//! million equities cost no memory until a request renders a page of them.

use std::collections::BTreeMap;

use fastrand::Rng;
use time::Duration;
use time::macros::date;

use crate::bitemporal::Version;
use crate::model::{
    DEFAULT_SCOPE, Instrument, InstrumentHistory, InstrumentState, LUID_TYPE, Luid, Provenance,
    instrument_entity_id,
};

use super::SeedContext;
use super::checkdigits::{figi_check_digit, isin_check_digit};
use super::names::{MARKETS, Market, PREFIXES, SECTORS};
use super::permute::{Permutation, mix};

/// Characters of LUIDs, in ASCII order (so string order is numeric order).
const LUID_CHARS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// FIGI characters: digits and upper-case consonants.
const FIGI_CHARS: &[u8] = b"0123456789BCDFGHJKLMNPQRSTVWXYZ";
/// Digits.
const DIGITS: &[u8] = b"0123456789";
/// Ticker characters.
const TICKER_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// Ticker lengths, shortest first: the first 26³ equities get three
/// letters, the next 26⁴ four, and so on.
const TICKER_LENGTHS: [u32; 4] = [3, 4, 5, 6];
/// Prefix of the seeded `ClientInternal` identifiers.
const CLIENT_INTERNAL_PREFIX: &str = "EMU-EQ-";

/// The index of the first well-known equity (`EMU-EQ-000101`): far enough
/// in that small test emulators (up to 100 equities) hold synthetic
/// equities only, so upserting a real FIGI there still creates an
/// instrument.
pub(crate) const WELL_KNOWN_FIRST_INDEX: u64 = 100;

/// A real listed equity seeded under its real identifiers, so that the
/// examples (`instruments get Figi BBG000BLNNH6`) work against the emulator.
#[derive(Debug)]
struct WellKnown {
    name: &'static str,
    figi: &'static str,
    isin: &'static str,
    ticker: &'static str,
    market: &'static Market,
}

impl WellKnown {
    fn get(&self, kind: Permuted) -> &'static str {
        match kind {
            Permuted::Figi => self.figi,
            Permuted::Isin => self.isin,
            Permuted::Ticker => self.ticker,
        }
    }
}

/// US listings (the first market: `Inc`, `USD`).
const US: &Market = &MARKETS[0];

/// Equities `WELL_KNOWN_FIRST_INDEX..` of every seed, when there are that
/// many: Bloomberg composite FIGIs and ISINs (valid check digits).
const WELL_KNOWN: [WellKnown; 3] = [
    WellKnown {
        name: "International Business Machines Corp",
        figi: "BBG000BLNNH6",
        isin: "US4592001014",
        ticker: "IBM",
        market: US,
    },
    WellKnown {
        name: "Apple Inc",
        figi: "BBG000B9XRY4",
        isin: "US0378331005",
        ticker: "AAPL",
        market: US,
    },
    WellKnown {
        name: "Microsoft Corp",
        figi: "BBG000BPH459",
        isin: "US5949181045",
        ticker: "MSFT",
        market: US,
    },
];

/// The identifier types drawn from keyed permutations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Permuted {
    Figi,
    Isin,
    Ticker,
}

/// `digits` characters of `alphabet` spelling `n`, most significant first.
fn encode(mut n: u64, alphabet: &[u8], digits: usize) -> String {
    let base = alphabet.len() as u64;
    let mut out = vec![b'0'; digits];
    for slot in out.iter_mut().rev() {
        *slot = alphabet[(n % base) as usize];
        n /= base;
    }
    out.into_iter().map(char::from).collect()
}

/// The inverse of [`encode`].
fn decode(text: &str, alphabet: &[u8]) -> Option<u64> {
    let base = alphabet.len() as u64;
    text.bytes().try_fold(0_u64, |acc, byte| {
        let digit = alphabet.iter().position(|&c| c == byte)? as u64;
        acc.checked_mul(base)?.checked_add(digit)
    })
}

/// A new random LUID (`LUID_` + 8 upper-case alphanumerics), for upserts.
pub(crate) fn random_luid(rng: &mut Rng) -> Luid {
    let n = rng.u64(..36_u64.pow(8));
    Luid(format!("LUID_{}", encode(n, LUID_CHARS, 8)))
}

/// The seeded equities of one seed: `count` of them, generated on demand.
#[derive(Clone, Debug)]
pub(crate) struct SeedEquities {
    ctx: SeedContext,
    count: u64,
    stride: u64,
    figi: Permutation,
    nsin: Permutation,
    tickers: [Permutation; 4],
}

impl SeedEquities {
    /// `count` equities for the context's seed.
    pub(crate) fn new(ctx: &SeedContext, count: usize) -> Self {
        let count = count as u64;
        let seed = ctx.seed;
        Self {
            ctx: ctx.clone(),
            count,
            stride: (36_u64.pow(8) / count.max(1)).max(1),
            figi: Permutation::new(mix(seed ^ 0xf161), 31_u64.pow(8)),
            nsin: Permutation::new(mix(seed ^ 0x151e), 10_u64.pow(9)),
            tickers: TICKER_LENGTHS
                .map(|len| Permutation::new(mix(seed ^ 0x71c4 ^ u64::from(len)), 26_u64.pow(len))),
        }
    }

    /// Number of equities.
    pub(crate) fn len(&self) -> usize {
        self.count as usize
    }

    fn draw(&self, index: u64, salt: u64) -> u64 {
        mix(self.ctx.seed ^ mix(index ^ salt.rotate_left(32)))
    }

    fn luid_number(&self, index: u64) -> u64 {
        index * self.stride + self.draw(index, 1) % self.stride
    }

    /// The LUID of equity `index`.
    pub(crate) fn luid(&self, index: u64) -> Luid {
        Luid(format!(
            "LUID_{}",
            encode(self.luid_number(index), LUID_CHARS, 8)
        ))
    }

    /// The index of the equity with this LUID.
    pub(crate) fn index_of_luid(&self, luid: &str) -> Option<u64> {
        let body = luid.strip_prefix("LUID_").filter(|b| b.len() == 8)?;
        let n = decode(body, LUID_CHARS)?;
        let index = n / self.stride;
        (index < self.count && self.luid_number(index) == n).then_some(index)
    }

    /// The index of the first equity whose LUID sorts after `after`.
    pub(crate) fn first_after(&self, after: &str) -> u64 {
        let (mut low, mut high) = (0, self.count);
        while low < high {
            let mid = low + (high - low) / 2;
            if self.luid(mid).as_str() <= after {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        low
    }

    fn market(&self, index: u64) -> &'static Market {
        &MARKETS[(self.draw(index, 2) % MARKETS.len() as u64) as usize]
    }

    /// The FIGI the keyed permutation gives equity `index`.
    fn natural_figi(&self, index: u64) -> String {
        let body = format!("BBG{}", encode(self.figi.apply(index), FIGI_CHARS, 8));
        let check = figi_check_digit(&body).unwrap_or('0');
        format!("{body}{check}")
    }

    /// The ISIN the keyed permutation gives equity `index`.
    fn natural_isin(&self, index: u64) -> String {
        let body = format!(
            "{}{}",
            self.market(index).country,
            encode(self.nsin.apply(index), DIGITS, 9)
        );
        let check = isin_check_digit(&body).unwrap_or('0');
        format!("{body}{check}")
    }

    /// The ticker the keyed permutations give equity `index`.
    fn natural_ticker(&self, index: u64) -> String {
        let mut offset = 0;
        for (len, permutation) in TICKER_LENGTHS.iter().zip(&self.tickers) {
            let size = 26_u64.pow(*len);
            if index < offset + size {
                return encode(
                    permutation.apply(index - offset),
                    TICKER_CHARS,
                    *len as usize,
                );
            }
            offset += size;
        }
        format!("EQ{index}")
    }

    /// The permutation's value of `kind` for equity `index`.
    fn natural(&self, kind: Permuted, index: u64) -> String {
        match kind {
            Permuted::Figi => self.natural_figi(index),
            Permuted::Isin => self.natural_isin(index),
            Permuted::Ticker => self.natural_ticker(index),
        }
    }

    /// The index whose permutation value of `kind` is `value` (whatever the
    /// equity count), by inverting the permutation.
    fn natural_index(&self, kind: Permuted, value: &str) -> Option<u64> {
        let index = match kind {
            Permuted::Figi => {
                let body = value.get(3..11).filter(|_| value.len() == 12)?;
                self.figi.invert(decode(body, FIGI_CHARS)?)?
            }
            Permuted::Isin => {
                let body = value.get(2..11).filter(|_| value.len() == 12)?;
                self.nsin.invert(decode(body, DIGITS)?)?
            }
            Permuted::Ticker => {
                let len = u32::try_from(value.len()).ok()?;
                let tier = TICKER_LENGTHS.iter().position(|l| *l == len)?;
                let offset: u64 = TICKER_LENGTHS[..tier].iter().map(|l| 26_u64.pow(*l)).sum();
                offset + self.tickers[tier].invert(decode(value, TICKER_CHARS)?)?
            }
        };
        (self.natural(kind, index) == value).then_some(index)
    }

    /// The well-known equity at `index`, if this seed has that many equities.
    fn well_known(&self, index: u64) -> Option<&'static WellKnown> {
        if index >= self.count {
            return None;
        }
        let slot = index.checked_sub(WELL_KNOWN_FIRST_INDEX)?;
        WELL_KNOWN.get(usize::try_from(slot).ok()?)
    }

    /// The well-known equities present, with their indices.
    fn well_known_present(&self) -> impl Iterator<Item = (u64, &'static WellKnown)> + '_ {
        (WELL_KNOWN_FIRST_INDEX..WELL_KNOWN_FIRST_INDEX + WELL_KNOWN.len() as u64)
            .filter_map(|index| self.well_known(index).map(|known| (index, known)))
    }

    /// The seeded value of `kind` for equity `index`: a well-known equity's
    /// real identifier; otherwise the permutation's value, except that an
    /// equity whose permutation value is a well-known identifier swaps
    /// values with that well-known equity (so every value stays unique and
    /// maps back to its index).
    fn value(&self, kind: Permuted, index: u64) -> String {
        if let Some(known) = self.well_known(index) {
            return known.get(kind).to_owned();
        }
        let natural = self.natural(kind, index);
        for (known_index, known) in self.well_known_present() {
            if natural == known.get(kind) {
                return self.natural(kind, known_index);
            }
        }
        natural
    }

    /// The index of the equity seeded with `kind = value` (the inverse of
    /// [`Self::value`]).
    fn find_permuted(&self, kind: Permuted, value: &str) -> Option<u64> {
        for (known_index, known) in self.well_known_present() {
            if value == known.get(kind) {
                return Some(known_index);
            }
        }
        let index = self.natural_index(kind, value)?;
        if let Some(known) = self.well_known(index) {
            // A well-known equity's permutation value belongs to the equity
            // whose own permutation value is the well-known identifier.
            let swapped = self.natural_index(kind, known.get(kind))?;
            return (swapped < self.count && self.well_known(swapped).is_none()).then_some(swapped);
        }
        (index < self.count).then_some(index)
    }

    fn figi(&self, index: u64) -> String {
        self.value(Permuted::Figi, index)
    }

    fn isin(&self, index: u64) -> String {
        self.value(Permuted::Isin, index)
    }

    fn ticker(&self, index: u64) -> String {
        self.value(Permuted::Ticker, index)
    }

    fn client_internal(index: u64) -> String {
        format!("{CLIENT_INTERNAL_PREFIX}{:06}", index + 1)
    }

    /// The index of the equity that was seeded with identifier
    /// `kind = value`, if any.
    pub(crate) fn find(&self, kind: &str, value: &str) -> Option<u64> {
        match kind {
            LUID_TYPE => self.index_of_luid(value),
            "Figi" => self.find_permuted(Permuted::Figi, value),
            "Isin" => self.find_permuted(Permuted::Isin, value),
            "Ticker" => self.find_permuted(Permuted::Ticker, value),
            "ClientInternal" => {
                let index = value
                    .strip_prefix(CLIENT_INTERNAL_PREFIX)?
                    .parse::<u64>()
                    .ok()?
                    .checked_sub(1)?;
                (index < self.count && Self::client_internal(index) == value).then_some(index)
            }
            _ => None,
        }
    }

    /// Equity `index` as an instrument with its one seeded version.
    pub(crate) fn history(&self, index: u64) -> InstrumentHistory<'static> {
        let luid = self.luid(index);
        let known = self.well_known(index);
        let market = known.map_or_else(|| self.market(index), |known| known.market);
        let name = match known {
            Some(known) => known.name.to_owned(),
            None => {
                let prefix = PREFIXES[(self.draw(index, 3) % PREFIXES.len() as u64) as usize];
                let sector = SECTORS[(self.draw(index, 4) % SECTORS.len() as u64) as usize];
                format!("{prefix} {sector} {}", market.legal_form)
            }
        };
        let figi = self.figi(index);
        let isin = self.isin(index);
        let client_internal = Self::client_internal(index);
        let listed = date!(1990 - 01 - 01) + Duration::days((self.draw(index, 5) % 11_000) as i64);
        let definition = serde_json::json!({
            "instrumentType": "Equity",
            "identifiers": {
                "LusidInstrumentId": luid.as_str(),
                "Figi": figi,
                "Isin": isin,
                "ClientInternal": client_internal,
            },
            "domCcy": market.currency,
            "lotSize": 1,
        })
        .to_string();
        let identifiers = BTreeMap::from([
            ("Figi".to_owned(), figi),
            ("Isin".to_owned(), isin),
            ("Ticker".to_owned(), self.ticker(index)),
            ("ClientInternal".to_owned(), client_internal),
            (LUID_TYPE.to_owned(), luid.0.clone()),
        ]);
        let version = Version {
            as_at: self.ctx.as_at,
            provenance: Provenance {
                user_id: self.ctx.user_id.clone(),
                request_id: self.ctx.request_id.clone(),
            },
            value: Some(Instrument {
                entity_unique_id: instrument_entity_id(&luid),
                effective_from: listed.midnight().assume_utc(),
                scope: DEFAULT_SCOPE.to_owned(),
                name,
                identifiers,
                properties: Vec::new(),
                definition: Some(definition),
                instrument_type: Some("Equity".to_owned()),
                state: InstrumentState::Active,
                asset_class: "Equities".to_owned(),
                dom_ccy: Some(market.currency.to_owned()),
            }),
        };
        InstrumentHistory::owned(luid, vec![version])
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::super::checkdigits::{is_valid_figi, is_valid_isin};
    use super::*;

    #[test]
    fn equities_have_valid_unique_identifiers_that_map_back() {
        let equities = SeedEquities::new(&SeedContext::new(7), 20_000);
        let mut seen = HashSet::new();
        let mut previous = String::new();
        for index in (0..20_000).step_by(7) {
            let eq = equities.history(index);
            let v = eq.latest().unwrap_or_else(|| panic!("no value"));
            assert!(eq.luid.0.starts_with("LUID_") && eq.luid.0.len() == 13);
            assert!(eq.luid.0 > previous, "LUIDs increase with the index");
            previous = eq.luid.0.clone();
            for kind in ["Figi", "Isin", "Ticker", "ClientInternal", LUID_TYPE] {
                let value = &v.identifiers[kind];
                assert!(seen.insert(value.clone()), "{kind} {value} repeats");
                assert_eq!(equities.find(kind, value), Some(index), "{kind} {value}");
            }
            assert!(is_valid_figi(&v.identifiers["Figi"]));
            assert!(is_valid_isin(&v.identifiers["Isin"]));
        }
        assert_eq!(equities.find("Figi", "BBG000BLNNH6"), Some(100));
        assert_eq!(equities.find("ClientInternal", "EMU-EQ-020001"), None);
        assert_eq!(equities.first_after(""), 0);
        assert_eq!(equities.first_after(equities.luid(10).as_str()), 11);
        assert_eq!(equities.first_after("LUID_ZZZZZZZZ"), 20_000);
    }

    #[test]
    fn equal_seeds_give_identical_data_and_different_seeds_differ() {
        let a = SeedEquities::new(&SeedContext::new(42), 100);
        let b = SeedEquities::new(&SeedContext::new(42), 100);
        let c = SeedEquities::new(&SeedContext::new(43), 100);
        for i in 0..100 {
            assert_eq!(a.history(i), b.history(i));
        }
        assert!((0..100).any(|i| a.history(i) != c.history(i)));
    }

    #[test]
    fn well_known_equities_have_their_real_identifiers_when_there_are_enough() {
        for seed in [1, 7, 11] {
            let equities = SeedEquities::new(&SeedContext::new(seed), 1000);
            let ibm = equities.history(100);
            let v = ibm.latest().unwrap_or_else(|| panic!("no value"));
            assert_eq!(v.name, "International Business Machines Corp");
            assert_eq!(v.identifiers["Figi"], "BBG000BLNNH6");
            assert_eq!(v.identifiers["Isin"], "US4592001014");
            assert_eq!(v.identifiers["Ticker"], "IBM");
            assert_eq!(v.identifiers["ClientInternal"], "EMU-EQ-000101");
            assert_eq!(v.dom_ccy.as_deref(), Some("USD"));
            assert_eq!(
                equities
                    .history(101)
                    .latest()
                    .map(|v| v.identifiers["Figi"].clone())
                    .unwrap_or_default(),
                "BBG000B9XRY4"
            );
            assert_eq!(
                equities
                    .history(102)
                    .latest()
                    .map(|v| v.identifiers["Isin"].clone())
                    .unwrap_or_default(),
                "US5949181045"
            );
            for (kind, value, index) in [
                ("Figi", "BBG000BLNNH6", 100),
                ("Isin", "US0378331005", 101),
                ("Ticker", "MSFT", 102),
            ] {
                assert_eq!(equities.find(kind, value), Some(index), "{kind} {value}");
            }
            let mut seen = HashSet::new();
            for index in 0..1000 {
                let history = equities.history(index);
                let v = history.latest().unwrap_or_else(|| panic!("no value"));
                for kind in ["Figi", "Isin", "Ticker"] {
                    let value = &v.identifiers[kind];
                    assert!(seen.insert(value.clone()), "{kind} {value} repeats");
                    assert_eq!(equities.find(kind, value), Some(index), "{kind} {value}");
                }
                assert!(is_valid_figi(&v.identifiers["Figi"]));
                assert!(is_valid_isin(&v.identifiers["Isin"]));
            }
            // The permutation values the well-known equities gave up map
            // to nobody (or to the equity that drew a real identifier).
            let small = SeedEquities::new(&SeedContext::new(seed), 100);
            assert_eq!(small.find("Figi", "BBG000BLNNH6"), None);
        }
    }

    #[test]
    fn an_equity_drawing_a_well_known_identifier_swaps_with_it() {
        let equities = SeedEquities::new(&SeedContext::new(3), 200_000);
        // Ticker "IBM" is a three-letter ticker: some index below 26^3
        // draws it from the permutation.
        let drawer = equities
            .natural_index(Permuted::Ticker, "IBM")
            .unwrap_or_else(|| panic!("IBM is in the three-letter domain"));
        assert_ne!(drawer, 100);
        let given_up = equities.natural_ticker(100);
        assert_eq!(equities.ticker(drawer), given_up);
        assert_eq!(equities.find("Ticker", &given_up), Some(drawer));
        assert_eq!(equities.find("Ticker", "IBM"), Some(100));
    }
}
