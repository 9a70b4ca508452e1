//! [`BulkUpsert`]: batching, bounded concurrency and one outcome per item.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Instant;

use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use lusid_http::RetryTally;

use super::{ItemOutcome, MapUpsert, Outcome, Summary};

/// The concurrency [`BulkUpsert`] uses unless told otherwise: batches in
/// flight at once.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// One input item: the caller's correlation id and the item, or why it
/// failed local validation (it then gets [`Outcome::Invalid`] and is not
/// sent).
#[derive(Debug, Clone)]
pub struct BulkItem<T> {
    id: String,
    item: Result<T, String>,
}

impl<T> BulkItem<T> {
    /// An item to send under correlation id `id`.
    pub fn new(id: impl Into<String>, item: T) -> Self {
        Self {
            id: id.into(),
            item: Ok(item),
        }
    }

    /// An item that failed validation: it is reported, not sent.
    pub fn invalid(id: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            item: Err(reason.into()),
        }
    }

    /// The correlation id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// Loads items with one of LUSID's map-keyed upserts: batches of at most
/// the operation's limit, a bounded number in flight, each batch one call
/// through the client's stack (whose retry policy retries it: upserts are
/// idempotent; there is no second retry loop here), and exactly one
/// [`Outcome`] per input item.
///
/// ```no_run
/// use lusid::bulk::{BulkItem, BulkUpsert, UpsertInstruments};
/// use lusid::models::InstrumentDefinition;
///
/// # async fn run(client: lusid::Client, definitions: Vec<(String, InstrumentDefinition)>) {
/// let items = definitions.into_iter().map(|(id, definition)| BulkItem::new(id, definition));
/// let mut outcomes = BulkUpsert::new(UpsertInstruments::new(&client).scope("default"))
///     .concurrency(4)
///     .run(futures_util::stream::iter(items));
/// while let Some(item) = outcomes.next().await {
///     println!("{} {}", item.id, item.outcome.name());
/// }
/// println!("{:?}", outcomes.summary());
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a bulk upsert does nothing until it is run"]
pub struct BulkUpsert<U> {
    upsert: U,
    batch_size: usize,
    concurrency: usize,
}

impl<U: MapUpsert> BulkUpsert<U> {
    /// Batches of `U::MAX_BATCH` items, [`DEFAULT_CONCURRENCY`] in flight.
    pub fn new(upsert: U) -> Self {
        Self {
            upsert,
            batch_size: U::MAX_BATCH,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    /// Items per request, from 1 to `U::MAX_BATCH` (LUSID's limit); a value
    /// outside that range is brought into it.
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = size.clamp(1, U::MAX_BATCH);
        self
    }

    /// Batches in flight at once, at least 1.
    pub fn concurrency(mut self, batches: usize) -> Self {
        self.concurrency = batches.max(1);
        self
    }

    /// The batch size in force.
    pub fn batch_size_in_force(&self) -> usize {
        self.batch_size
    }

    /// Upserts `items`, reading them only as batches are formed (so the
    /// input can be larger than memory), and yields one [`ItemOutcome`] per
    /// item as its batch completes. Batches complete in any order; an
    /// outcome's `index` is the item's position in the input.
    ///
    /// An id used twice in one batch would overwrite a map key: the later
    /// item gets [`Outcome::Invalid`] instead of being sent.
    pub fn run<S>(self, items: S) -> OutcomeStream
    where
        S: Stream<Item = BulkItem<U::Item>> + Send + 'static,
    {
        let summary = Arc::new(Mutex::new(Summary::default()));
        let started = Instant::now();
        let upsert = self.upsert;
        let counted = summary.clone();
        let retries = RetryTally::new();
        let tally = retries.clone();
        let outcomes = items
            .enumerate()
            .chunks(self.batch_size)
            .map(move |chunk| send_batch(upsert.clone(), chunk, counted.clone(), tally.clone()))
            .buffer_unordered(self.concurrency)
            .flat_map(stream::iter)
            .boxed();
        OutcomeStream {
            outcomes,
            summary,
            retries,
            started,
            ended: false,
        }
    }
}

/// Sends the valid items of `chunk` as one batch and gives every item of
/// the chunk its outcome.
async fn send_batch<U: MapUpsert>(
    upsert: U,
    chunk: Vec<(usize, BulkItem<U::Item>)>,
    summary: Arc<Mutex<Summary>>,
    retries: RetryTally,
) -> Vec<ItemOutcome> {
    let mut outcomes = Vec::with_capacity(chunk.len());
    let mut batch = BTreeMap::new();
    let mut sent = Vec::new();
    for (index, BulkItem { id, item }) in chunk {
        let index = index as u64;
        match item {
            Err(reason) => outcomes.push(ItemOutcome {
                id,
                index,
                outcome: Outcome::Invalid { reason },
            }),
            Ok(_) if batch.contains_key(&id) => {
                let reason = format!("correlation id `{id}` is used twice in one batch");
                outcomes.push(ItemOutcome {
                    id,
                    index,
                    outcome: Outcome::Invalid { reason },
                });
            }
            Ok(item) => {
                batch.insert(id.clone(), item);
                sent.push((id, index));
            }
        }
    }
    if sent.is_empty() {
        return outcomes;
    }
    let result = upsert.upsert(batch, &retries).await;
    {
        let mut summary = summary.lock().unwrap_or_else(PoisonError::into_inner);
        summary.batches += 1;
        summary.failed_batches += u64::from(result.is_err());
    }
    match result {
        Ok(mut response) => outcomes.extend(sent.into_iter().map(|(id, index)| ItemOutcome {
            outcome: response.take(&id),
            id,
            index,
        })),
        Err(error) => {
            let error = Arc::new(error);
            outcomes.extend(sent.into_iter().map(|(id, index)| ItemOutcome {
                id,
                index,
                outcome: Outcome::NotSent {
                    error: error.clone(),
                },
            }));
        }
    }
    outcomes
}

/// The outcomes of a [`BulkUpsert::run`]: a `Stream` of [`ItemOutcome`]
/// (`Unpin`: no pinning needed) with an inherent [`next`](Self::next) and
/// the running [`summary`](Self::summary).
pub struct OutcomeStream {
    outcomes: BoxStream<'static, ItemOutcome>,
    summary: Arc<Mutex<Summary>>,
    retries: RetryTally,
    started: Instant,
    ended: bool,
}

impl std::fmt::Debug for OutcomeStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutcomeStream")
            .field("summary", &self.summary())
            .field("ended", &self.ended)
            .finish()
    }
}

impl OutcomeStream {
    /// The next outcome, or `None` once every item has one.
    pub async fn next(&mut self) -> Option<ItemOutcome> {
        StreamExt::next(self).await
    }

    /// The counts so far; after the stream has ended, of the whole upsert.
    /// `elapsed` runs until the stream ends.
    pub fn summary(&self) -> Summary {
        let mut summary = self
            .summary
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        summary.retries = self.retries.get();
        summary
    }
}

impl Stream for OutcomeStream {
    type Item = ItemOutcome;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<ItemOutcome>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let polled = self.outcomes.poll_next_unpin(cx);
        let elapsed = self.started.elapsed();
        let mut summary = self.summary.lock().unwrap_or_else(PoisonError::into_inner);
        summary.elapsed = elapsed;
        match &polled {
            Poll::Ready(Some(item)) => summary.count(&item.outcome),
            Poll::Ready(None) => {
                drop(summary);
                self.ended = true;
            }
            Poll::Pending => {}
        }
        polled
    }
}
