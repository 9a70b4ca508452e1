//! Counts of a bulk upsert, kept as its outcomes are yielded.

use std::time::Duration;

use super::Outcome;

/// What a bulk upsert did so far (or in all, once its stream has ended).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Items with an outcome.
    pub items: u64,
    /// Items LUSID upserted.
    pub upserted: u64,
    /// Items LUSID staged for approval.
    pub staged: u64,
    /// Items LUSID refused (its `failed` map).
    pub failed: u64,
    /// Items that failed local validation and were not sent.
    pub invalid: u64,
    /// Items whose batch failed for good.
    pub not_sent: u64,
    /// Items a successful response did not mention.
    pub unconfirmed: u64,
    /// Batches sent (each one request, its retries not counted).
    pub batches: u64,
    /// Batches that failed for good.
    pub failed_batches: u64,
    /// Retries the stack made for the batches (429s, 5xx, broken
    /// connections), counted per request.
    pub retries: u64,
    /// Time since the upsert started.
    pub elapsed: Duration,
}

impl Summary {
    /// Counts one outcome.
    pub(crate) fn count(&mut self, outcome: &Outcome) {
        self.items += 1;
        let counter = match outcome {
            Outcome::Upserted { .. } => &mut self.upserted,
            Outcome::Staged { .. } => &mut self.staged,
            Outcome::Failed { .. } => &mut self.failed,
            Outcome::Invalid { .. } => &mut self.invalid,
            Outcome::NotSent { .. } => &mut self.not_sent,
            Outcome::Unconfirmed => &mut self.unconfirmed,
        };
        *counter += 1;
    }

    /// Whether every item was upserted or staged.
    pub fn all_succeeded(&self) -> bool {
        self.upserted + self.staged == self.items
    }
}
