//! Deterministic seed data: ISO 4217 currencies and synthetic equities.

pub(crate) mod checkdigits;
pub(crate) mod currencies;
pub(crate) mod equities;
mod names;
mod permute;

use time::OffsetDateTime;
use time::macros::datetime;

use crate::bitemporal::History;
use crate::model::{Instrument, Luid, okta_user_id};

pub(crate) use equities::SeedEquities;

/// The system time at which seed data is recorded (`version.asAtDate`).
pub(crate) const SEED_AS_AT: OffsetDateTime = datetime!(2024-01-01 00:00:00 UTC);

/// Fixed provenance and time of seed data.
#[derive(Clone, Debug)]
pub(crate) struct SeedContext {
    /// Seed of the generator.
    pub(crate) seed: u64,
    /// `asAt` of every seeded version.
    pub(crate) as_at: OffsetDateTime,
    /// `userIdCreated` of seeded versions.
    pub(crate) user_id: String,
    /// `requestIdCreated` of seeded versions.
    pub(crate) request_id: String,
}

impl SeedContext {
    /// The context for `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            seed,
            as_at: SEED_AS_AT,
            user_id: okta_user_id("lusid-emulator-seed"),
            request_id: format!("0HSEED{seed:016X}:00000001"),
        }
    }
}

/// The seed data for `seed`: the currency instruments (materialised) and
/// `equities` lazily generated equities.
pub(crate) fn seed_data(seed: u64, equities: usize) -> (History<Luid, Instrument>, SeedEquities) {
    let ctx = SeedContext::new(seed);
    (
        currencies::currency_instruments(&ctx),
        SeedEquities::new(&ctx, equities),
    )
}

/// All seed instruments for `seed`, materialised (for tests).
#[cfg(test)]
pub(crate) fn seed_instruments(seed: u64, equities: usize) -> History<Luid, Instrument> {
    let (mut out, lazy) = seed_data(seed, equities);
    out.extend((0..lazy.len() as u64).map(|i| {
        let history = lazy.history(i);
        (history.luid.into_owned(), history.versions.into_owned())
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_is_deterministic() {
        assert_eq!(seed_instruments(1, 50), seed_instruments(1, 50));
        assert_ne!(seed_instruments(1, 50), seed_instruments(2, 50));
    }
}
