//! Pages of `ListInstruments`. Its `page` token is every listing's
//! [`PageToken`](crate::domains::common::PageToken), bound to a hash of the
//! query (scope, filter, sortBy, asAt, effectiveAt as given), whose
//! position is the last item's [`SortKey`] (its LUID and, when sorted, its
//! sort values).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use time::OffsetDateTime;

use crate::domains::instruments::Store;
use crate::domains::instruments::fields::{InstrumentFilter, Listed};
use crate::domains::instruments::sort::{SortKey, SortSpec};
use crate::model::{ALL_SCOPES, Instrument, InstrumentHistory, Luid, fnv1a64};

/// The query fields a page token is bound to.
#[derive(Clone, Debug)]
pub(crate) struct QueryIdentity<'a> {
    pub(crate) scope: &'a str,
    pub(crate) filter: &'a str,
    pub(crate) sort: &'a SortSpec,
    pub(crate) as_at: Option<&'a str>,
    pub(crate) effective_at: Option<&'a str>,
}

impl QueryIdentity<'_> {
    /// A hex hash of the query.
    pub(crate) fn hash(&self) -> String {
        let sort = self.sort.canonical();
        format!(
            "{:016x}",
            fnv1a64(&[
                self.scope,
                self.filter,
                &sort,
                self.as_at.unwrap_or("\u{0}"),
                self.effective_at.unwrap_or("\u{0}"),
            ])
        )
    }
}

/// What a page is drawn from.
pub(crate) struct PageQuery<'a> {
    pub(crate) scope: &'a str,
    pub(crate) filter: &'a InstrumentFilter,
    pub(crate) sort: &'a SortSpec,
    pub(crate) as_at: OffsetDateTime,
    pub(crate) effective_at: OffsetDateTime,
    pub(crate) limit: usize,
    pub(crate) after: Option<&'a SortKey>,
}

/// One listed instrument: its history and the index of the version shown.
pub(crate) struct PageItem<'a> {
    pub(crate) history: InstrumentHistory<'a>,
    pub(crate) version_index: usize,
}

impl PageItem<'_> {
    /// The value of the version shown (`None` only for a delete, which a
    /// list never shows).
    pub(crate) fn version(&self) -> Option<&Instrument> {
        self.history.value(self.version_index)
    }

    /// The item's position under `sort`.
    fn key(&self, sort: &SortSpec) -> Option<SortKey> {
        self.version()
            .map(|version| sort.key(self.history.luid.as_str(), version))
    }
}

/// A page plus the position to continue from, if there is more.
pub(crate) struct Page<'a> {
    pub(crate) items: Vec<PageItem<'a>>,
    pub(crate) next: Option<SortKey>,
}

/// The version of `history` a list shows, if it passes scope, time and filter.
fn visible<'a>(history: InstrumentHistory<'a>, q: &PageQuery<'_>) -> Option<PageItem<'a>> {
    let (version_index, version) = history.at(q.as_at)?;
    let shown = (q.scope == ALL_SCOPES || version.scope == q.scope)
        && version.effective_from <= q.effective_at
        && q.filter.matches(&Listed {
            luid: history.luid.as_str(),
            instrument: version,
        });
    shown.then_some(PageItem {
        history,
        version_index,
    })
}

/// Heap entry ordered by the page's sort spec.
struct Ranked<'a, 'q> {
    key: SortKey,
    item: PageItem<'a>,
    spec: &'q SortSpec,
}

impl PartialEq for Ranked<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ranked<'_, '_> {}
impl PartialOrd for Ranked<'_, '_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked<'_, '_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.spec.compare(&self.key, &other.key)
    }
}

/// Collects one page. In LUID order this is a range scan of the store; when
/// sorted it is one pass keeping at most `limit + 1` candidates, so memory
/// is bounded by the page size either way.
pub(crate) fn collect_page<'a>(store: &'a Store, q: &PageQuery<'_>) -> Page<'a> {
    let mut items: Vec<PageItem<'a>> = Vec::with_capacity(q.limit.min(1024) + 1);
    if q.sort.is_luid_order() {
        let after = q.after.map(|k| Luid(k.luid.clone()));
        for history in store.iter_after(after.as_ref()) {
            if let Some(item) = visible(history, q) {
                items.push(item);
                if items.len() > q.limit {
                    break;
                }
            }
        }
    } else {
        let mut heap: BinaryHeap<Ranked<'a, '_>> = BinaryHeap::new();
        for history in store.iter_after(None) {
            let Some(item) = visible(history, q) else {
                continue;
            };
            let Some(key) = item.key(q.sort) else {
                continue;
            };
            if q.after
                .is_some_and(|after| q.sort.compare(&key, after) != Ordering::Greater)
            {
                continue;
            }
            heap.push(Ranked {
                key,
                item,
                spec: q.sort,
            });
            if heap.len() > q.limit + 1 {
                heap.pop();
            }
        }
        items = heap.into_sorted_vec().into_iter().map(|r| r.item).collect();
    }
    let more = items.len() > q.limit;
    items.truncate(q.limit);
    let next = if more {
        items.last().and_then(|last| last.key(q.sort))
    } else {
        None
    };
    Page { items, next }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domains::common::PageToken;
    use crate::domains::instruments::seed::seed_instruments;

    #[test]
    fn token_round_trips_and_rejects_garbage() {
        let token = PageToken::new(
            "abc".to_owned(),
            crate::domains::instruments::seed::SEED_AS_AT,
            crate::domains::instruments::seed::SEED_AS_AT,
            SortKey {
                values: vec![Some("x".to_owned()), None],
                luid: "CCY_GBP".to_owned(),
            },
        );
        assert_eq!(PageToken::decode(&token.encode()), Some(token));
        assert_eq!(PageToken::<SortKey>::decode("not a token"), None);
        assert_eq!(PageToken::<SortKey>::decode(""), None);
        let offset = PageToken::new("abc".to_owned(), SEED, SEED, 7_usize).encode();
        assert_eq!(
            PageToken::<SortKey>::decode(&offset),
            None,
            "another listing's token is not a sort position"
        );
    }

    const SEED: OffsetDateTime = crate::domains::instruments::seed::SEED_AS_AT;

    fn all_pages(store: &Store, sort: &SortSpec, limit: usize) -> Vec<String> {
        let filter = crate::domains::instruments::fields::parse_filter("State eq 'Active'")
            .unwrap_or(crate::filter::Filter::True);
        let mut after: Option<SortKey> = None;
        let mut seen = Vec::new();
        loop {
            let q = PageQuery {
                scope: "default",
                filter: &filter,
                sort,
                as_at: OffsetDateTime::now_utc(),
                effective_at: OffsetDateTime::now_utc(),
                limit,
                after: after.as_ref(),
            };
            let page = collect_page(store, &q);
            seen.extend(page.items.iter().map(|i| i.history.luid.0.clone()));
            match page.next {
                Some(next) => after = Some(next),
                None => return seen,
            }
        }
    }

    #[test]
    fn paging_visits_everything_once_in_both_orders() {
        let store = Store::new(seed_instruments(3, 40));
        let total = store.len();
        let luid_order = all_pages(&store, &SortSpec::default(), 7);
        assert_eq!(luid_order.len(), total);
        let mut sorted = luid_order.clone();
        sorted.sort();
        assert_eq!(sorted, luid_order);

        let by_name = SortSpec::parse(&["-Name".to_owned()]).unwrap_or_default();
        let named = all_pages(&store, &by_name, 7);
        assert_eq!(named.len(), total);
        let mut unique = named.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), total);
    }
}
