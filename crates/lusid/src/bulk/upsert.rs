//! The upserts the batcher can drive: [`MapUpsert`], and its
//! implementation for `UpsertInstruments`.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use lusid_http::RetryTally;

use super::Outcome;
use crate::Error;

/// One of LUSID's map-keyed upserts: a request body mapping correlation
/// ids to items, a response with `values`, `staged` and `failed` maps keyed
/// by the same ids (UpsertInstruments, UpsertQuotes,
/// UpsertInstrumentProperties, ...). Implement it to drive another such
/// operation with [`BulkUpsert`](super::BulkUpsert).
pub trait MapUpsert: Clone + Send + Sync + 'static {
    /// The value type of the request map, such as `InstrumentDefinition`.
    type Item: Send + 'static;

    /// The operationId, for messages.
    const OPERATION: &'static str;

    /// The most items LUSID accepts in one request.
    const MAX_BATCH: usize;

    /// Sends one batch (one request, through the stack's own retries, each
    /// retry counted into `retries` with the request's `retry_tally`) and
    /// returns what the response says of each id.
    ///
    /// # Errors
    /// The call's [`Error`] when the batch failed as a whole.
    fn upsert(
        &self,
        batch: BTreeMap<String, Self::Item>,
        retries: &RetryTally,
    ) -> impl Future<Output = Result<BatchResponse, Error>> + Send;
}

/// What one successful batch's response says of its ids.
#[derive(Debug, Default)]
pub struct BatchResponse {
    outcomes: HashMap<String, Outcome>,
}

impl BatchResponse {
    /// An empty response.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records what the response says of `id`; the first record of an id wins.
    pub fn insert(&mut self, id: String, outcome: Outcome) {
        self.outcomes.entry(id).or_insert(outcome);
    }

    /// Takes the outcome of `id`; [`Outcome::Unconfirmed`] when the
    /// response did not mention it.
    pub(crate) fn take(&mut self, id: &str) -> Outcome {
        self.outcomes.remove(id).unwrap_or(Outcome::Unconfirmed)
    }
}

/// `POST /api/instruments` (operation `UpsertInstruments`) as a
/// [`MapUpsert`]: items are `InstrumentDefinition`s, at most 2000 a request.
#[cfg(feature = "instruments")]
#[derive(Debug, Clone)]
pub struct UpsertInstruments {
    client: crate::Client,
    scope: Option<String>,
}

#[cfg(feature = "instruments")]
impl UpsertInstruments {
    /// Upserts through `client`, into the default instrument scope.
    pub fn new(client: &crate::Client) -> Self {
        Self {
            client: client.clone(),
            scope: None,
        }
    }

    /// Upserts into instrument scope `scope` (the `scope` query parameter).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }
}

#[cfg(feature = "instruments")]
impl MapUpsert for UpsertInstruments {
    type Item = lusid_models::InstrumentDefinition;

    const OPERATION: &'static str = "UpsertInstruments";

    /// LUSID's documented limit for UpsertInstruments.
    const MAX_BATCH: usize = 2000;

    async fn upsert(
        &self,
        batch: BTreeMap<String, Self::Item>,
        retries: &RetryTally,
    ) -> Result<BatchResponse, Error> {
        let mut request = self
            .client
            .instruments()
            .upsert_instruments(batch)
            .retry_tally(retries.clone());
        if let Some(scope) = &self.scope {
            request = request.scope(scope.clone());
        }
        let response = request.send().await?;
        let mut outcomes = BatchResponse::new();
        for (id, instrument) in response.values.into_iter().flatten() {
            outcomes.insert(id, Outcome::upserted_instrument(instrument));
        }
        for (id, instrument) in response.staged.into_iter().flatten() {
            outcomes.insert(
                id,
                Outcome::Staged {
                    luid: instrument.lusid_instrument_id,
                },
            );
        }
        for (id, detail) in response.failed.into_iter().flatten() {
            outcomes.insert(id, Outcome::failed(detail));
        }
        Ok(outcomes)
    }
}
