//! The generic bitemporal store every domain keeps its entities in: the
//! instrument master, property definitions, portfolios, transactions and
//! quotes.
//!
//! Every write is stamped with a server `asAt` from the [`AsAtClock`]
//! (strictly increasing, LUSID's 100 ns precision) and never overwrites: a
//! key's history is a list of versions, the latest at or before a read's
//! `asAt` is what that read sees, and a delete is a version without a
//! value. Business time (`effectiveAt`) is the domain's part: each value
//! carries its own effective dates (a portfolio's `created`, a
//! transaction's `transactionDate`, a quote's `effectiveAt`), which the
//! domain's rules filter on.
//!
//! A domain that never deletes for good (an instrument is soft-deleted: a
//! version in state `Deleted`) simply never writes a version without a
//! value.

use std::collections::BTreeMap;
use std::ops::RangeBounds;
use std::sync::{Mutex, PoisonError};

use time::{Duration, OffsetDateTime};

use crate::model::Provenance;
use crate::time_fmt::to_ticks;

/// Hands out server `asAt` stamps: now (in 100 ns ticks), but always after
/// the previous stamp, so versions written in the same tick stay ordered.
#[derive(Debug)]
pub(crate) struct AsAtClock {
    last: Mutex<OffsetDateTime>,
}

impl Default for AsAtClock {
    fn default() -> Self {
        Self {
            last: Mutex::new(OffsetDateTime::UNIX_EPOCH),
        }
    }
}

impl AsAtClock {
    /// Makes every later stamp later than `at` (after a restart from the
    /// state file).
    pub(crate) fn advance_to(&self, at: OffsetDateTime) {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if at > *last {
            *last = at;
        }
    }

    /// The next stamp.
    pub(crate) fn tick(&self) -> OffsetDateTime {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let now = to_ticks(OffsetDateTime::now_utc());
        let next = if now > *last {
            now
        } else {
            *last + Duration::nanoseconds(100)
        };
        *last = next;
        next
    }
}

/// One version of an entity: its value from `as_at` on (`None`: deleted).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Version<V> {
    /// System time the version was written.
    #[serde(with = "crate::time_fmt::serde_lusid")]
    pub(crate) as_at: OffsetDateTime,
    /// Who wrote it.
    pub(crate) provenance: Provenance,
    /// The value, or `None` for a delete.
    pub(crate) value: Option<V>,
}

/// What a read at some `asAt` sees of one entity.
#[derive(Debug)]
pub(crate) struct Seen<'a, V> {
    /// The value.
    pub(crate) value: &'a V,
    /// The version that created the entity (after its latest delete).
    pub(crate) created: &'a Version<V>,
    /// The version seen (its latest modification at that `asAt`).
    pub(crate) modified: &'a Version<V>,
    /// 1 for the creating version, counting up with each modification.
    pub(crate) number: usize,
}

/// Entities keyed by `K`, each with its history of versions.
#[derive(Debug)]
pub(crate) struct Bitemporal<K, V> {
    entries: BTreeMap<K, Vec<Version<V>>>,
}

impl<K, V> Default for Bitemporal<K, V> {
    fn default() -> Self {
        Self {
            entries: BTreeMap::new(),
        }
    }
}

/// Every key with its whole history, as the state file keeps them.
pub(crate) type History<K, V> = Vec<(K, Vec<Version<V>>)>;

impl<K: Ord + Clone, V: Clone> Bitemporal<K, V> {
    /// Every key with its whole history, in key order (for the state file).
    pub(crate) fn history(&self) -> History<K, V> {
        self.entries
            .iter()
            .map(|(key, versions)| (key.clone(), versions.clone()))
            .collect()
    }

    /// A store holding `history` (read back from the state file).
    pub(crate) fn from_history(history: History<K, V>) -> Self {
        Self {
            entries: history.into_iter().collect(),
        }
    }

    /// The latest `asAt` of any version.
    pub(crate) fn latest_as_at(&self) -> Option<OffsetDateTime> {
        self.entries
            .values()
            .filter_map(|versions| versions.last().map(|v| v.as_at))
            .max()
    }
}

impl<K: Ord + Clone, V> Bitemporal<K, V> {
    /// Writes `value` for `key` as of `as_at` (which must not be before the
    /// key's latest version; the [`AsAtClock`] guarantees it).
    pub(crate) fn put(&mut self, key: K, value: V, as_at: OffsetDateTime, provenance: Provenance) {
        self.entries.entry(key).or_default().push(Version {
            as_at,
            provenance,
            value: Some(value),
        });
    }

    /// Deletes `key` as of `as_at`; `false` if it was not live then.
    pub(crate) fn delete(
        &mut self,
        key: &K,
        as_at: OffsetDateTime,
        provenance: Provenance,
    ) -> bool {
        if self.get(key, as_at).is_none() {
            return false;
        }
        if let Some(versions) = self.entries.get_mut(key) {
            versions.push(Version {
                as_at,
                provenance,
                value: None,
            });
        }
        true
    }

    /// Appends a version already stamped (a value or a delete) to `key`'s
    /// history; its `as_at` must not be before the key's latest version
    /// (see [`Self::next_as_at`]).
    pub(crate) fn push(&mut self, key: K, version: Version<V>) {
        self.entries.entry(key).or_default().push(version);
    }

    /// Gives `key` a whole history (an entity brought in from elsewhere, as
    /// a lazily generated seed instrument once it changes); `false`, and
    /// nothing changed, if `key` already has one.
    pub(crate) fn insert_history(&mut self, key: K, versions: Vec<Version<V>>) -> bool {
        match self.entries.entry(key) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(versions);
                true
            }
            std::collections::btree_map::Entry::Occupied(_) => false,
        }
    }

    /// A stamp for a write to `key` at `now`: `now`, or 100 ns after the
    /// key's latest version if that is not before `now`, so a key's
    /// versions stay strictly ordered even when one request writes it
    /// twice.
    pub(crate) fn next_as_at(&self, key: &K, now: OffsetDateTime) -> OffsetDateTime {
        match self.latest(key) {
            Some(latest) if latest.as_at >= now => latest.as_at + Duration::nanoseconds(100),
            _ => now,
        }
    }

    /// The latest version of `key` (a value or a delete).
    pub(crate) fn latest(&self, key: &K) -> Option<&Version<V>> {
        self.entries.get(key).and_then(|versions| versions.last())
    }

    /// `key` as stored with its whole history, oldest first.
    pub(crate) fn history_of(&self, key: &K) -> Option<(&K, &[Version<V>])> {
        self.entries
            .get_key_value(key)
            .map(|(key, versions)| (key, versions.as_slice()))
    }

    /// Whether `key` has any history.
    pub(crate) fn contains_key(&self, key: &K) -> bool {
        self.entries.contains_key(key)
    }

    /// How many keys have a history.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Every key with its whole history whose key falls in `range`, in key
    /// order.
    pub(crate) fn histories<R: RangeBounds<K>>(
        &self,
        range: R,
    ) -> impl DoubleEndedIterator<Item = (&K, &[Version<V>])> {
        self.entries
            .range(range)
            .map(|(key, versions)| (key, versions.as_slice()))
    }

    /// What a read at `as_at` sees of `key`.
    pub(crate) fn get(&self, key: &K, as_at: OffsetDateTime) -> Option<Seen<'_, V>> {
        self.entries
            .get(key)
            .and_then(|versions| seen(versions, as_at))
    }

    /// The live entities at `as_at`, in key order.
    pub(crate) fn iter_at(&self, as_at: OffsetDateTime) -> impl Iterator<Item = (&K, Seen<'_, V>)> {
        self.entries
            .iter()
            .filter_map(move |(key, versions)| seen(versions, as_at).map(|s| (key, s)))
    }

    /// The live entities at `as_at` whose keys fall in `range`, in key order.
    pub(crate) fn range_at<R: RangeBounds<K>>(
        &self,
        range: R,
        as_at: OffsetDateTime,
    ) -> impl DoubleEndedIterator<Item = (&K, Seen<'_, V>)> {
        self.entries
            .range(range)
            .filter_map(move |(key, versions)| seen(versions, as_at).map(|s| (key, s)))
    }
}

/// The position in `versions` of the version a read at `as_at` sees (a
/// value or a delete), if any was written by then.
pub(crate) fn visible_index<V>(versions: &[Version<V>], as_at: OffsetDateTime) -> Option<usize> {
    versions.iter().rposition(|v| v.as_at <= as_at)
}

/// The view of one history at `as_at`.
pub(crate) fn seen<V>(versions: &[Version<V>], as_at: OffsetDateTime) -> Option<Seen<'_, V>> {
    seen_at_index(versions, visible_index(versions, as_at)?)
}

/// The view of one history as of its version at `visible` (`None` if that
/// version is a delete or there is none).
pub(crate) fn seen_at_index<V>(versions: &[Version<V>], visible: usize) -> Option<Seen<'_, V>> {
    let modified = versions.get(visible)?;
    let value = modified.value.as_ref()?;
    let created_at = versions[..=visible]
        .iter()
        .rposition(|v| v.value.is_none())
        .map_or(0, |deleted| deleted + 1);
    Some(Seen {
        value,
        created: &versions[created_at],
        modified,
        number: visible - created_at + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who() -> Provenance {
        Provenance {
            user_id: "u".into(),
            request_id: "r".into(),
        }
    }

    #[test]
    fn reads_honour_as_at_and_deletes() {
        let clock = AsAtClock::default();
        let (t1, t2, t3, t4) = (clock.tick(), clock.tick(), clock.tick(), clock.tick());
        assert!(t1 < t2 && t2 < t3 && t3 < t4);
        let mut store: Bitemporal<&str, i32> = Bitemporal::default();
        store.put("a", 1, t1, who());
        store.put("a", 2, t2, who());
        assert!(store.get(&"a", t1 - Duration::nanoseconds(100)).is_none());
        assert_eq!(*store.get(&"a", t1).map(|s| s.value).unwrap(), 1);
        let seen = store.get(&"a", t2).unwrap();
        assert_eq!((*seen.value, seen.number, seen.created.as_at), (2, 2, t1));
        assert!(store.delete(&"a", t3, who()));
        assert!(!store.delete(&"a", t3, who()));
        assert!(store.get(&"a", t3).is_none());
        assert_eq!(*store.get(&"a", t2).unwrap().value, 2);
        store.put("a", 5, t4, who());
        let seen = store.get(&"a", t4).unwrap();
        assert_eq!((*seen.value, seen.number, seen.created.as_at), (5, 1, t4));
        assert_eq!(store.iter_at(t3).count(), 0);
        assert_eq!(store.iter_at(t4).count(), 1);
    }

    #[test]
    fn stamps_stay_ordered_and_histories_are_brought_in_whole() {
        let clock = AsAtClock::default();
        let now = clock.tick();
        let mut store: Bitemporal<&str, i32> = Bitemporal::default();
        assert_eq!(store.next_as_at(&"a", now), now);
        store.put("a", 1, now, who());
        let second = store.next_as_at(&"a", now);
        assert_eq!(second, now + Duration::nanoseconds(100));
        store.push(
            "a",
            Version {
                as_at: second,
                provenance: who(),
                value: Some(2),
            },
        );
        assert_eq!(
            store.get(&"a", second).map(|s| (*s.value, s.number)),
            Some((2, 2))
        );
        assert_eq!(
            store.next_as_at(&"a", now + Duration::seconds(1)),
            now + Duration::seconds(1)
        );

        let seeded = vec![Version {
            as_at: now - Duration::days(1),
            provenance: who(),
            value: Some(7),
        }];
        assert!(store.insert_history("b", seeded.clone()));
        assert!(
            !store.insert_history("b", Vec::new()),
            "an existing history is kept"
        );
        assert_eq!(
            store.history_of(&"b").map(|(k, v)| (*k, v.len())),
            Some(("b", 1))
        );
        assert_eq!(store.len(), 2);
        let keys: Vec<&str> = store.histories("b"..).map(|(k, _)| *k).collect();
        assert_eq!(keys, ["b"]);
        assert_eq!(visible_index(&seeded, now - Duration::days(2)), None);
        let seen = seen_at_index(&seeded, 0).map(|s| (*s.value, s.number));
        assert_eq!(seen, Some((7, 1)));
        assert!(seen_at_index(&seeded, 1).is_none());
    }
}
