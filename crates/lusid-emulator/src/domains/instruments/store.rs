//! The instrument master's store: the generic bitemporal store keyed by
//! LUID plus identifier indexes, over the lazily generated seed equities.
//! What an upsert or a delete may do is [`super::rules`]'.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::ops::Bound;

use fastrand::Rng;
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use super::index::IdentifierIndex;
use super::rules::{DeleteFailure, UpsertFailure, UpsertItem, same_definition, validate};
use crate::bitemporal::{Bitemporal, History, Version};
use crate::domains::instruments::seed::SeedEquities;
use crate::domains::instruments::seed::currencies::currency_luid;
use crate::domains::instruments::seed::equities::random_luid;
use crate::model::{
    ALL_SCOPES, CURRENCY_TYPE, DEFAULT_SCOPE, Instrument, InstrumentHistory, InstrumentState,
    InstrumentVersion, LUID_TYPE, Luid, Provenance, classify_definition, instrument_entity_id,
    is_unique_identifier_type,
};
use crate::time_fmt::{MIN_EFFECTIVE, to_ticks};

/// All instruments, listed in LUID order: the lazily generated seed
/// equities (`base`), overlaid by materialised instruments (`instruments`,
/// the bitemporal store every domain uses: currencies, new instruments, and
/// seed equities once changed), with an
/// index from each identifier of each materialised instrument's latest
/// version to its LUID. Seed equities are found from their identifiers by
/// [`SeedEquities::find`], so they need no index entries.
#[derive(Debug, Default)]
pub(crate) struct Store {
    instruments: Bitemporal<Luid, Instrument>,
    index: IdentifierIndex,
    base: Option<SeedEquities>,
    /// How many materialised instruments shadow a seed equity.
    shadowed: usize,
}

impl Store {
    /// A store holding `instruments` (LUIDs must be unique; later ones win).
    #[cfg(test)]
    pub(crate) fn new(instruments: History<Luid, Instrument>) -> Self {
        Self::with_base(instruments, None)
    }

    /// A store of the lazily generated `base` equities overlaid by
    /// `instruments` (which may shadow seed equities).
    pub(crate) fn with_base(
        instruments: History<Luid, Instrument>,
        base: Option<SeedEquities>,
    ) -> Self {
        let mut store = Self {
            // Later histories of a LUID replace earlier ones.
            instruments: Bitemporal::from_history(instruments),
            base,
            ..Self::default()
        };
        let mut shadowed = 0;
        for (luid, versions) in store.instruments.histories(..) {
            if let Some(latest) = versions.last().and_then(|v| v.value.as_ref()) {
                store.index.add(luid, latest);
            }
            if store
                .base
                .as_ref()
                .is_some_and(|b| b.index_of_luid(luid.as_str()).is_some())
            {
                shadowed += 1;
            }
        }
        store.shadowed = shadowed;
        store
    }

    /// Whether `luid` is a seed equity's.
    fn in_base(&self, luid: &Luid) -> bool {
        self.base
            .as_ref()
            .is_some_and(|b| b.index_of_luid(luid.as_str()).is_some())
    }

    /// Number of instruments (any state).
    pub(crate) fn len(&self) -> usize {
        self.instruments.len() + self.base.as_ref().map_or(0, SeedEquities::len) - self.shadowed
    }

    /// The materialised instruments with their histories, in LUID order
    /// (what the state file keeps).
    pub(crate) fn materialised(&self) -> impl Iterator<Item = (&Luid, &[InstrumentVersion])> {
        self.instruments.histories(..)
    }

    /// Instruments in LUID order, starting strictly after `after` if given:
    /// a merge of the materialised instruments and the seed equities, the
    /// latter generated one at a time.
    pub(crate) fn iter_after<'a>(
        &'a self,
        after: Option<&Luid>,
    ) -> Box<dyn Iterator<Item = InstrumentHistory<'a>> + 'a> {
        let from = after.map_or(Bound::Unbounded, |a| Bound::Excluded(a.clone()));
        let overlay = self
            .instruments
            .histories((from, Bound::Unbounded))
            .map(borrowed);
        let Some(base) = &self.base else {
            return Box::new(overlay);
        };
        let start = after.map_or(0, |a| base.first_after(a.as_str()));
        let seeded = (start..base.len() as u64)
            .map(move |i| (i, base.luid(i)))
            .filter(move |(_, luid)| !self.instruments.contains_key(luid));
        Box::new(MergeByLuid {
            overlay: overlay.peekable(),
            seeded: seeded.peekable(),
            base,
        })
    }

    /// The instrument with this LUID.
    pub(crate) fn get(&self, luid: &Luid) -> Option<InstrumentHistory<'_>> {
        if let Some(history) = self.instruments.history_of(luid) {
            return Some(borrowed(history));
        }
        let base = self.base.as_ref()?;
        base.index_of_luid(luid.as_str()).map(|i| base.history(i))
    }

    /// Whether an instrument has this LUID.
    fn contains(&self, luid: &Luid) -> bool {
        self.instruments.contains_key(luid) || self.in_base(luid)
    }

    /// Resolves an identifier to the instrument whose version at `as_at`
    /// is `Active`, lives in `scope` and carries that identifier. Currency
    /// instruments are found from any scope.
    ///
    /// `scope` `*` searches every scope. Returns the history and the index
    /// of the version at `as_at`.
    pub(crate) fn resolve(
        &self,
        scope: &str,
        kind: &str,
        value: &str,
        as_at: OffsetDateTime,
    ) -> Option<(InstrumentHistory<'_>, usize)> {
        let candidates = self.candidates(scope, kind, value);
        candidates.into_iter().find_map(|luid| {
            let history = self.get(&luid)?;
            let (index, version) = history.at(as_at)?;
            let visible = version.state == InstrumentState::Active
                && (scope == ALL_SCOPES
                    || version.scope == scope
                    || version.identifiers.contains_key(CURRENCY_TYPE))
                && version.identifiers.get(kind).map(String::as_str) == Some(value);
            visible.then_some((history, index))
        })
    }

    /// LUIDs that may carry `kind = value` in `scope` (or are currencies).
    fn candidates(&self, scope: &str, kind: &str, value: &str) -> Vec<Luid> {
        let mut out: Vec<Luid> = Vec::new();
        if kind == LUID_TYPE {
            out.push(Luid(value.to_owned()));
            return out;
        }
        if scope == ALL_SCOPES {
            out.extend(self.index.get_any_scope(kind, value));
        } else {
            out.extend(self.index.get(scope, kind, value).iter().cloned());
        }
        if kind == CURRENCY_TYPE && scope != DEFAULT_SCOPE {
            out.push(currency_luid(value));
        }
        if let Some(base) = &self.base {
            if let Some(i) = base.find(kind, value) {
                out.push(base.luid(i));
            }
        }
        out
    }

    /// A system time strictly after the latest version of `luid` (and not
    /// before `now`), so versions stay ordered; a seed equity's first change
    /// comes after its seeded version.
    fn next_as_at(&self, luid: &Luid, now: OffsetDateTime) -> OffsetDateTime {
        let now = to_ticks(now);
        if !self.instruments.contains_key(luid) && self.in_base(luid) {
            return now
                .max(crate::domains::instruments::seed::SEED_AS_AT + Duration::nanoseconds(100));
        }
        self.instruments.next_as_at(luid, now)
    }

    /// Creates or updates one instrument in `scope`, matching an existing
    /// instrument by any unique identifier (or currency code). Returns the
    /// instrument's LUID; its latest version is the one just written.
    pub(crate) fn upsert(
        &mut self,
        scope: &str,
        item: UpsertItem,
        provenance: &Provenance,
        now: OffsetDateTime,
        rng: &mut Rng,
    ) -> Result<Luid, UpsertFailure> {
        let currency = validate(&item)?;

        let matched = self.match_existing(scope, &item, currency.as_deref())?;
        if let Some(luid) = &matched {
            let scope_differs = self
                .get(luid)
                .and_then(|h| h.latest().map(|v| v.scope != scope))
                .is_some_and(|differs| differs && currency.is_none());
            if scope_differs {
                return Err(UpsertFailure::new(
                    "InstrumentIdentifierAlreadyInUse",
                    "The identifiers belong to an instrument in another scope.",
                ));
            }
        }
        let luid = match matched {
            Some(luid) => luid,
            None => {
                if let Some(given) = item.identifiers.get(LUID_TYPE) {
                    return Err(UpsertFailure::new(
                        "InstrumentNotFound",
                        format!(
                            "No instrument has LusidInstrumentId '{given}'; LUIDs are assigned by LUSID."
                        ),
                    ));
                }
                self.fresh_luid(rng)
            }
        };

        let previous = self.get(&luid).and_then(|h| h.latest().cloned());
        let mut identifiers = item.identifiers;
        identifiers.insert(LUID_TYPE.to_owned(), luid.0.clone());
        // Parsed only to classify; the text is what is stored.
        let parsed: Option<Value> = item
            .definition
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok());
        let (asset_class, dom_ccy) = match &currency {
            Some(code) => ("Money".to_owned(), Some(code.clone())),
            None => classify_definition(parsed.as_ref()),
        };
        let effective_from = item
            .effective_from
            .or(previous.as_ref().map(|p| p.effective_from))
            .unwrap_or(MIN_EFFECTIVE);
        let value = Instrument {
            entity_unique_id: previous.as_ref().map_or_else(
                || instrument_entity_id(&luid),
                |p| p.entity_unique_id.clone(),
            ),
            effective_from,
            scope: previous
                .as_ref()
                .map_or_else(|| scope.to_owned(), |p| p.scope.clone()),
            name: item.name,
            identifiers,
            properties: item.properties,
            instrument_type: parsed
                .as_ref()
                .and_then(|d| d.get("instrumentType"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            definition: item.definition,
            state: InstrumentState::Active,
            asset_class,
            dom_ccy,
        };
        if previous
            .as_ref()
            .is_some_and(|p| same_definition(p, &value))
        {
            // As LUSID: an identical re-upsert keeps the current version.
            return Ok(luid);
        }
        let version = Version {
            as_at: self.next_as_at(&luid, now),
            provenance: provenance.clone(),
            value: Some(value),
        };
        self.push_version(&luid, version);
        Ok(luid)
    }

    /// Finds the one existing instrument the item's unique identifiers
    /// point at; `Err` if they point at more than one.
    fn match_existing(
        &self,
        scope: &str,
        item: &UpsertItem,
        currency: Option<&str>,
    ) -> Result<Option<Luid>, UpsertFailure> {
        if let Some(code) = currency {
            let luid = currency_luid(code);
            return Ok(self.instruments.contains_key(&luid).then_some(luid));
        }
        let mut matched: BTreeSet<Luid> = BTreeSet::new();
        for (kind, value) in &item.identifiers {
            if !is_unique_identifier_type(kind) {
                continue;
            }
            if kind == LUID_TYPE {
                let luid = Luid(value.clone());
                if self.contains(&luid) {
                    matched.insert(luid);
                }
                continue;
            }
            matched.extend(self.index.get(scope, kind, value).iter().cloned());
            // A seed equity still carrying the identifier in its latest version.
            if let Some(base) = &self.base {
                if let Some(i) = base.find(kind, value) {
                    let luid = base.luid(i);
                    let carries = self.get(&luid).is_some_and(|h| {
                        h.latest().is_some_and(|v| {
                            v.scope == scope && v.identifiers.get(kind) == Some(value)
                        })
                    });
                    if carries {
                        matched.insert(luid);
                    }
                }
            }
        }
        if matched.len() > 1 {
            let list: Vec<&str> = matched.iter().map(Luid::as_str).collect();
            return Err(UpsertFailure::new(
                "InstrumentIdentifierAlreadyInUse",
                format!(
                    "The unique identifiers supplied belong to different instruments: {}.",
                    list.join(", ")
                ),
            ));
        }
        Ok(matched.into_iter().next())
    }

    /// A LUID not yet used.
    fn fresh_luid(&self, rng: &mut Rng) -> Luid {
        loop {
            let candidate = random_luid(rng);
            if !self.contains(&candidate) {
                return candidate;
            }
        }
    }

    /// Appends `version` to `luid`'s history (materialising a seed equity
    /// first) and reindexes.
    fn push_version(&mut self, luid: &Luid, version: InstrumentVersion) {
        if !self.instruments.contains_key(luid) {
            if let Some(base) = &self.base {
                if let Some(i) = base.index_of_luid(luid.as_str()) {
                    let seeded = base.history(i).versions.into_owned();
                    if self.instruments.insert_history(luid.clone(), seeded) {
                        self.shadowed += 1;
                    }
                }
            }
        }
        if let Some(previous) = self.instruments.latest(luid).and_then(|v| v.value.as_ref()) {
            self.index.remove(luid, previous);
        }
        if let Some(value) = &version.value {
            self.index.add(luid, value);
        }
        self.instruments.push(luid.clone(), version);
    }

    /// Soft-deletes the active instrument `kind = value` in `scope`: a new
    /// version in state `Deleted`. Returns the deletion's system time.
    pub(crate) fn delete(
        &mut self,
        scope: &str,
        kind: &str,
        value: &str,
        provenance: &Provenance,
        now: OffsetDateTime,
    ) -> Result<OffsetDateTime, DeleteFailure> {
        let far_future = now + Duration::days(36_500);
        let (luid, mut deleted) = {
            let (history, index) = self
                .resolve(scope, kind, value, far_future)
                .ok_or(DeleteFailure::NotFound)?;
            let current = history.value(index).ok_or(DeleteFailure::NotFound)?;
            (Luid::clone(&history.luid), current.clone())
        };
        if deleted.identifiers.contains_key(CURRENCY_TYPE) {
            return Err(DeleteFailure::Currency);
        }
        deleted.state = InstrumentState::Deleted;
        let as_at = self.next_as_at(&luid, now);
        let version = Version {
            as_at,
            provenance: provenance.clone(),
            value: Some(deleted),
        };
        self.push_version(&luid, version);
        Ok(as_at)
    }
}

/// A materialised instrument's history, borrowed from the store.
fn borrowed<'a>((luid, versions): (&'a Luid, &'a [InstrumentVersion])) -> InstrumentHistory<'a> {
    InstrumentHistory {
        luid: Cow::Borrowed(luid),
        versions: Cow::Borrowed(versions),
    }
}

/// Merges the materialised instruments with the seed equities, in LUID
/// order (the seed iterator already skips shadowed LUIDs).
struct MergeByLuid<'a, O: Iterator<Item = InstrumentHistory<'a>>, S: Iterator<Item = (u64, Luid)>> {
    overlay: std::iter::Peekable<O>,
    seeded: std::iter::Peekable<S>,
    base: &'a SeedEquities,
}

impl<'a, O, S> Iterator for MergeByLuid<'a, O, S>
where
    O: Iterator<Item = InstrumentHistory<'a>>,
    S: Iterator<Item = (u64, Luid)>,
{
    type Item = InstrumentHistory<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let take_overlay = match (self.overlay.peek(), self.seeded.peek()) {
            (Some(o), Some((_, luid))) => *o.luid < *luid,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        if take_overlay {
            self.overlay.next()
        } else {
            self.seeded.next().map(|(i, _)| self.base.history(i))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domains::instruments::seed::seed_instruments;

    fn provenance() -> Provenance {
        Provenance {
            user_id: "00utest".to_owned(),
            request_id: "req".to_owned(),
        }
    }

    fn item(name: &str, ids: &[(&str, &str)]) -> UpsertItem {
        UpsertItem {
            name: name.to_owned(),
            identifiers: ids
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            effective_from: None,
            properties: Vec::new(),
            definition: None,
        }
    }

    #[test]
    fn upsert_creates_then_matches_by_unique_identifier() {
        let mut store = Store::new(seed_instruments(1, 3));
        let mut rng = Rng::with_seed(9);
        let now = OffsetDateTime::now_utc();
        let luid = store
            .upsert(
                "default",
                item("One", &[("Figi", "BBG000BLNNH6"), ("Ticker", "IBM")]),
                &provenance(),
                now,
                &mut rng,
            )
            .unwrap_or_else(|e| panic!("{e:?}"));
        let again = store
            .upsert(
                "default",
                item("One renamed", &[("Figi", "BBG000BLNNH6")]),
                &provenance(),
                now,
                &mut rng,
            )
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(luid, again);
        let history = store.get(&luid).unwrap_or_else(|| panic!("missing"));
        assert_eq!(history.versions.len(), 2);
        assert!(history.versions[1].as_at > history.versions[0].as_at);
        // The ticker was dropped by the second upsert, so it no longer resolves.
        assert!(
            store
                .resolve("default", "Ticker", "IBM", now + Duration::hours(1))
                .is_none()
        );
    }

    #[test]
    fn conflicting_identifiers_fail() {
        let mut store = Store::new(Vec::new());
        let mut rng = Rng::with_seed(9);
        let now = OffsetDateTime::now_utc();
        for (name, figi) in [("A", "BBG000BLNNH6"), ("B", "BBG000B9XRY4")] {
            store
                .upsert(
                    "default",
                    item(name, &[("Figi", figi)]),
                    &provenance(),
                    now,
                    &mut rng,
                )
                .unwrap_or_else(|e| panic!("{e:?}"));
        }
        let failure = store
            .upsert(
                "default",
                item(
                    "C",
                    &[
                        ("Figi", "BBG000BLNNH6"),
                        ("Isin", "x"),
                        ("ClientInternal", "y"),
                    ],
                ),
                &provenance(),
                now,
                &mut rng,
            )
            .err();
        assert!(failure.is_none(), "single match is fine");
        let failure = store.upsert(
            "default",
            item(
                "D",
                &[
                    ("Figi", "BBG000BLNNH6"),
                    ("Isin", "x"),
                    ("ClientInternal", "z"),
                ],
            ),
            &provenance(),
            now,
            &mut rng,
        );
        assert!(failure.is_ok());
        // A's ClientInternal is now z: B's Figi with it names two instruments.
        let conflict = store.upsert(
            "default",
            item("E", &[("Figi", "BBG000B9XRY4"), ("ClientInternal", "z")]),
            &provenance(),
            now,
            &mut rng,
        );
        assert_eq!(
            conflict.err().map(|f| f.kind),
            Some("InstrumentIdentifierAlreadyInUse")
        );
    }

    #[test]
    fn non_unique_identifiers_neither_match_nor_suffice() {
        let mut store = Store::new(Vec::new());
        let mut rng = Rng::with_seed(9);
        let now = OffsetDateTime::now_utc();
        let shared = [("Isin", "GB0007980591"), ("Sedol", "0798059")];
        let mut luids = Vec::new();
        for (name, client) in [("A", "A-1"), ("B", "B-1")] {
            let mut ids = shared.to_vec();
            ids.push(("ClientInternal", client));
            let luid = store
                .upsert("default", item(name, &ids), &provenance(), now, &mut rng)
                .unwrap_or_else(|e| panic!("{e:?}"));
            luids.push(luid);
        }
        assert_ne!(luids[0], luids[1], "sharing an Isin does not match");
        let only_non_unique = store.upsert(
            "default",
            item(
                "C",
                &[("Isin", "GB0007980591"), ("Cusip", "x"), ("Ticker", "BP")],
            ),
            &provenance(),
            now,
            &mut rng,
        );
        let failure = only_non_unique.err().unwrap_or_else(|| panic!("must fail"));
        assert_eq!(failure.kind, "ValidationError");
        assert!(failure.detail.starts_with("At least one unique identifier"));
        for (kind, value) in [("QuotePermId", "Q-1"), ("EdiKey", "E-1")] {
            let first = store.upsert(
                "default",
                item("D", &[(kind, value)]),
                &provenance(),
                now,
                &mut rng,
            );
            let second = store.upsert(
                "default",
                item("D2", &[(kind, value)]),
                &provenance(),
                now,
                &mut rng,
            );
            assert_eq!(first.ok(), second.ok(), "{kind} is unique and matches");
        }
    }

    #[test]
    fn identical_upsert_keeps_the_version_and_a_change_adds_one() {
        let mut store = Store::new(Vec::new());
        let mut rng = Rng::with_seed(9);
        let now = OffsetDateTime::now_utc();
        let mut first = item("A", &[("ClientInternal", "A-1"), ("Isin", "GB0007980591")]);
        first.definition = Some(r#"{"instrumentType": "Equity", "domCcy": "GBP"}"#.to_owned());
        let luid = store
            .upsert("default", first.clone(), &provenance(), now, &mut rng)
            .unwrap_or_else(|e| panic!("{e:?}"));
        let mut same = first.clone();
        same.definition = Some(r#"{"domCcy":"GBP","instrumentType":"Equity"}"#.to_owned());
        let later = now + Duration::seconds(1);
        let again = store
            .upsert("default", same, &provenance(), later, &mut rng)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(luid, again);
        let versions = |store: &Store| store.get(&luid).map_or(0, |h| h.versions.len());
        assert_eq!(versions(&store), 1);
        let mut renamed = first;
        renamed.name = "A renamed".to_owned();
        store
            .upsert("default", renamed, &provenance(), later, &mut rng)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(versions(&store), 2);
    }

    #[test]
    fn delete_marks_deleted_and_currency_cannot_be_deleted() {
        let mut store = Store::new(seed_instruments(1, 3));
        let now = OffsetDateTime::now_utc();
        assert_eq!(
            store.delete("default", "Currency", "GBP", &provenance(), now),
            Err(DeleteFailure::Currency)
        );
        let luid = store
            .iter_after(None)
            .find(|h| h.luid.0.starts_with("LUID_"))
            .map(|h| h.luid.into_owned())
            .unwrap_or_else(|| panic!("no equity"));
        let at = store
            .delete("default", LUID_TYPE, luid.as_str(), &provenance(), now)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(
            store
                .resolve("default", LUID_TYPE, luid.as_str(), at)
                .is_none()
        );
        assert!(
            store
                .resolve(
                    "default",
                    LUID_TYPE,
                    luid.as_str(),
                    at - Duration::nanoseconds(100)
                )
                .is_some()
        );
        assert_eq!(
            store.delete("default", LUID_TYPE, luid.as_str(), &provenance(), now),
            Err(DeleteFailure::NotFound)
        );
    }
}
