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

use crate::model::{
    DEFAULT_SCOPE, InstrumentHistory, InstrumentState, InstrumentVersion, LUID_TYPE, Luid,
    Provenance, uuid_like,
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

    fn figi(&self, index: u64) -> String {
        let body = format!("BBG{}", encode(self.figi.apply(index), FIGI_CHARS, 8));
        let check = figi_check_digit(&body).unwrap_or('0');
        format!("{body}{check}")
    }

    fn isin(&self, index: u64) -> String {
        let body = format!(
            "{}{}",
            self.market(index).country,
            encode(self.nsin.apply(index), DIGITS, 9)
        );
        let check = isin_check_digit(&body).unwrap_or('0');
        format!("{body}{check}")
    }

    fn ticker(&self, index: u64) -> String {
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

    fn client_internal(index: u64) -> String {
        format!("{CLIENT_INTERNAL_PREFIX}{:06}", index + 1)
    }

    /// The index of the equity that was seeded with identifier
    /// `kind = value`, if any.
    pub(crate) fn find(&self, kind: &str, value: &str) -> Option<u64> {
        let index = match kind {
            LUID_TYPE => return self.index_of_luid(value),
            "Figi" => {
                let body = value.get(3..11).filter(|_| value.len() == 12)?;
                self.figi.invert(decode(body, FIGI_CHARS)?)?
            }
            "Isin" => {
                let body = value.get(2..11).filter(|_| value.len() == 12)?;
                self.nsin.invert(decode(body, DIGITS)?)?
            }
            "Ticker" => {
                let len = u32::try_from(value.len()).ok()?;
                let tier = TICKER_LENGTHS.iter().position(|l| *l == len)?;
                let offset: u64 = TICKER_LENGTHS[..tier].iter().map(|l| 26_u64.pow(*l)).sum();
                offset + self.tickers[tier].invert(decode(value, TICKER_CHARS)?)?
            }
            "ClientInternal" => value
                .strip_prefix(CLIENT_INTERNAL_PREFIX)?
                .parse::<u64>()
                .ok()?
                .checked_sub(1)?,
            _ => return None,
        };
        let seeded = match kind {
            "Figi" => self.figi(index),
            "Isin" => self.isin(index),
            "Ticker" => self.ticker(index),
            _ => Self::client_internal(index),
        };
        (index < self.count && seeded == value).then_some(index)
    }

    /// Equity `index` as an instrument with its one seeded version.
    pub(crate) fn history(&self, index: u64) -> InstrumentHistory {
        let luid = self.luid(index);
        let market = self.market(index);
        let prefix = PREFIXES[(self.draw(index, 3) % PREFIXES.len() as u64) as usize];
        let sector = SECTORS[(self.draw(index, 4) % SECTORS.len() as u64) as usize];
        let name = format!("{prefix} {sector} {}", market.legal_form);
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
        InstrumentHistory {
            entity_unique_id: uuid_like(&[luid.as_str(), "instrument"]),
            versions: vec![InstrumentVersion {
                as_at: self.ctx.as_at,
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
                provenance: Provenance {
                    user_id: self.ctx.user_id.clone(),
                    request_id: self.ctx.request_id.clone(),
                },
            }],
            luid,
        }
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
            let v = &eq.versions[0];
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
        assert_eq!(equities.find("Figi", "BBG000BLNNH6"), None);
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
}
