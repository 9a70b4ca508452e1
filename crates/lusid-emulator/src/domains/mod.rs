//! LUSID's domains, one module each with its routes and rules: the
//! instrument master ([`instruments`]: routes, rules and its store, a
//! generic [`crate::bitemporal::Bitemporal`] store keyed by LUID over the
//! seeded equities, behind a lock of its own), and property definitions,
//! portfolios, transactions, holdings (computed from transactions) and
//! quotes, which keep their entities in the same generic store inside
//! one [`Ledger`] behind the state's lock and share the wire types of
//! [`wire`] and the request handling of [`common`]; and Drive's folders
//! and files ([`drive`], served under `/drive`).

pub(crate) mod common;
pub(crate) mod drive;
pub(crate) mod holdings;
pub(crate) mod instruments;
pub(crate) mod portfolios;
pub(crate) mod property_definitions;
pub(crate) mod quotes;
pub(crate) mod transactions;
pub(crate) mod wire;

use crate::bitemporal::{Bitemporal, History};
use crate::model::Provenance;
use crate::state::RequestCtx;
use wire::ResourceId;

/// The domains' entities.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    /// Property definitions by key `Domain/scope/code`.
    pub(crate) property_definitions:
        Bitemporal<String, property_definitions::PropertyDefinitionRecord>,
    /// Transaction portfolios by id.
    pub(crate) portfolios: Bitemporal<ResourceId, portfolios::PortfolioRecord>,
    /// Transactions by portfolio id and transaction id.
    pub(crate) transactions: Bitemporal<(ResourceId, String), transactions::TransactionRecord>,
    /// Quotes by scope, series and effective date.
    pub(crate) quotes: Bitemporal<quotes::QuoteKey, quotes::QuoteRecord>,
}

/// The ledger as the state file keeps it: every entity with its whole
/// history of versions.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct LedgerFile {
    pub(crate) property_definitions:
        History<String, property_definitions::PropertyDefinitionRecord>,
    pub(crate) portfolios: History<ResourceId, portfolios::PortfolioRecord>,
    pub(crate) transactions: History<(ResourceId, String), transactions::TransactionRecord>,
    pub(crate) quotes: History<quotes::QuoteKey, quotes::QuoteRecord>,
}

impl Ledger {
    /// A snapshot for the state file.
    pub(crate) fn to_file(&self) -> LedgerFile {
        LedgerFile {
            property_definitions: self.property_definitions.history(),
            portfolios: self.portfolios.history(),
            transactions: self.transactions.history(),
            quotes: self.quotes.history(),
        }
    }

    /// The ledger a state file held.
    pub(crate) fn from_file(file: LedgerFile) -> Self {
        Self {
            property_definitions: Bitemporal::from_history(file.property_definitions),
            portfolios: Bitemporal::from_history(file.portfolios),
            transactions: Bitemporal::from_history(file.transactions),
            quotes: Bitemporal::from_history(file.quotes),
        }
    }

    /// The latest `asAt` of any write.
    pub(crate) fn latest_as_at(&self) -> Option<time::OffsetDateTime> {
        [
            self.property_definitions.latest_as_at(),
            self.portfolios.latest_as_at(),
            self.transactions.latest_as_at(),
            self.quotes.latest_as_at(),
        ]
        .into_iter()
        .flatten()
        .max()
    }
}

/// The identity of a listing's query for its page tokens: a short hash of
/// its parts (each part delimited, so no two queries alias), so a token
/// stays small however long the filter is.
pub(crate) fn query_hash(parts: &[&str]) -> String {
    format!("{:016x}", crate::model::fnv1a64(parts))
}

/// Who makes a write: the caller and the request id.
pub(crate) fn provenance(ctx: &RequestCtx) -> Provenance {
    Provenance {
        user_id: ctx.user_id(),
        request_id: ctx.request_id.clone(),
    }
}
