//! What became of one item of a bulk upsert.

use std::sync::Arc;

use lusid_models::{ErrorDetail, Instrument, Version};

use crate::Error;

/// What became of one input item: exactly one per item, whatever happened
/// to its batch.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Outcome {
    /// LUSID upserted the item: it is in the response's `values` map.
    Upserted {
        /// The LUID of the entity (for instruments, `lusidInstrumentId`).
        luid: String,
        /// The entity's version after the upsert (`version`).
        version: Box<Version>,
    },
    /// LUSID accepted the item as a staged modification awaiting approval:
    /// it is in the response's `staged` map.
    Staged {
        /// The LUID of the entity the staged change applies to.
        luid: String,
    },
    /// LUSID refused the item: it is in the response's `failed` map (an
    /// `ErrorDetail`), while the rest of its batch went on.
    Failed {
        /// `ErrorDetail.type`: LUSID's name of the failure, such as
        /// `InstrumentIdentifierAlreadyInUse`.
        error_type: Option<String>,
        /// `ErrorDetail.detail`: LUSID's message.
        detail: Option<String>,
        /// `ErrorDetail.errorDetails`: further details, as LUSID sent them.
        error_details: Vec<std::collections::BTreeMap<String, String>>,
    },
    /// The item failed local validation and was not sent.
    Invalid {
        /// What was wrong with it.
        reason: String,
    },
    /// Its batch failed for good (after the stack's retries): the item may
    /// or may not have reached LUSID. The error is shared by every item of
    /// the batch and carries the status, LUSID's problem details, the
    /// request id and the attempts made.
    NotSent {
        /// Why the batch failed.
        error: Arc<Error>,
    },
    /// The batch succeeded but its response named the item in none of
    /// `values`, `staged` and `failed`: LUSID did not say what became of it.
    Unconfirmed,
}

impl Outcome {
    /// A short lower-case name of the variant (`upserted`, `staged`,
    /// `failed`, `invalid`, `not_sent`, `unconfirmed`), for reports.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Upserted { .. } => "upserted",
            Outcome::Staged { .. } => "staged",
            Outcome::Failed { .. } => "failed",
            Outcome::Invalid { .. } => "invalid",
            Outcome::NotSent { .. } => "not_sent",
            Outcome::Unconfirmed => "unconfirmed",
        }
    }

    /// Whether LUSID holds the item now (upserted or staged).
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Upserted { .. } | Outcome::Staged { .. })
    }

    /// The outcome of an upserted instrument.
    pub(crate) fn upserted_instrument(instrument: Instrument) -> Self {
        Outcome::Upserted {
            luid: instrument.lusid_instrument_id,
            version: Box::new(instrument.version),
        }
    }

    /// The outcome of an item in the `failed` map.
    pub(crate) fn failed(detail: ErrorDetail) -> Self {
        Outcome::Failed {
            error_type: detail.type_,
            detail: detail.detail,
            error_details: detail.error_details.unwrap_or_default(),
        }
    }
}

/// One item's [`Outcome`], with the caller's correlation id and the item's
/// position in the input.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ItemOutcome {
    /// The caller's correlation id (the key of the item in the request map).
    pub id: String,
    /// The item's position in the input, from 0.
    pub index: u64,
    /// What became of it.
    pub outcome: Outcome,
}
