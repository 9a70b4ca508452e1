//! LUSID's domains, one module each with its routes and rules: the
//! instrument master ([`instruments`], over the seeded instrument store of
//! `crate::store`), and property definitions, portfolios, transactions,
//! holdings (computed from transactions) and quotes, which keep their
//! entities in the generic [`crate::bitemporal::Bitemporal`] store inside
//! one [`Ledger`] behind the state's lock and share the wire types of
//! [`wire`] and the request handling of [`common`].

pub(crate) mod common;
pub(crate) mod holdings;
pub(crate) mod instruments;
pub(crate) mod portfolios;
pub(crate) mod property_definitions;
pub(crate) mod quotes;
pub(crate) mod transactions;
pub(crate) mod wire;

use crate::bitemporal::Bitemporal;
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

/// Who makes a write: the caller and the request id.
pub(crate) fn provenance(ctx: &RequestCtx) -> Provenance {
    Provenance {
        user_id: ctx.user_id(),
        request_id: ctx.request_id.clone(),
    }
}
