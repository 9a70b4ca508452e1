//! `GetHoldings`: the holdings of a transaction portfolio computed from its
//! transactions visible at `asAt` with a transaction date at or before
//! `effectiveAt`, with LUSID's default transaction types:
//!
//! | type | position (`P`) | cash in the settlement currency |
//! | --- | --- | --- |
//! | Buy | + units, + totalConsideration to cost | − totalConsideration |
//! | Sell | − units, cost reduced in proportion to the units sold | + totalConsideration |
//! | StockIn | + units, + totalConsideration to cost | none |
//! | StockOut | − units, cost reduced in proportion | none |
//! | FundsIn | none | + units (of the currency `CCY_xxx` or the settlement currency) |
//! | FundsOut | none | − units |
//!
//! Cash is a `B` (balance) holding once settled (settlement date at or
//! before `effectiveAt`) and a `C` (commitment) holding before; a
//! position's `settledUnits` count its settled transactions. Amounts are
//! exact decimals.

use std::collections::BTreeMap;

use axum::extract::{Extension, Path, State};
use axum::response::Response;
use http::{StatusCode, Uri};
use rust_decimal::Decimal;
use serde::Serialize;
use time::OffsetDateTime;

use super::common::{Errors, href, reply, time_param};
use super::portfolios::find;
use super::transactions::{TransactionRecord, visible};
use super::wire::{CurrencyAndAmount, Link, PropertyMap, ResourceId, VersionWire};
use crate::problem::{Problem, json_response};
use crate::query::QueryParams;
use crate::state::{RequestCtx, SharedState};

/// `PortfolioHolding`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HoldingWire {
    instrument_scope: String,
    instrument_uid: String,
    sub_holding_keys: PropertyMap,
    properties: PropertyMap,
    holding_type: &'static str,
    units: lusid_models::Number,
    settled_units: lusid_models::Number,
    cost: CurrencyAndAmount,
    cost_portfolio_ccy: CurrencyAndAmount,
    currency: String,
    holding_type_name: &'static str,
}

/// `VersionedResourceListWithWarningsOfPortfolioHolding`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ListWire {
    version: VersionWire,
    values: Vec<HoldingWire>,
    href: String,
    links: Vec<Link>,
}

/// A position being accumulated.
#[derive(Debug, Default)]
struct Position {
    scope: String,
    units: Decimal,
    settled: Decimal,
    cost: Decimal,
    currency: String,
}

/// Cash in one currency: settled and not yet settled.
#[derive(Debug, Default)]
struct Cash {
    settled: Decimal,
    unsettled: Decimal,
}

impl Cash {
    fn add(&mut self, amount: Decimal, settled: bool) {
        if settled {
            self.settled += amount;
        } else {
            self.unsettled += amount;
        }
    }
}

/// The computed holdings, positions by LUID then cash by currency.
#[derive(Debug, Default)]
pub(crate) struct Holdings {
    positions: BTreeMap<String, Position>,
    cash: BTreeMap<String, Cash>,
}

impl Holdings {
    /// Applies the transactions (in transaction-date order) up to
    /// `effective_at`.
    pub(crate) fn compute<'a>(
        transactions: impl IntoIterator<Item = &'a TransactionRecord>,
        effective_at: OffsetDateTime,
    ) -> Self {
        let mut out = Self::default();
        for t in transactions {
            if t.transaction_date > effective_at {
                continue;
            }
            let settled = t.settlement_date <= effective_at;
            let ccy = t.settlement_currency.clone();
            match t.type_.as_str() {
                "Buy" | "StockIn" => {
                    let p = out.position(t);
                    p.units += t.units;
                    if settled {
                        p.settled += t.units;
                    }
                    p.cost += t.total_consideration;
                    if t.type_ == "Buy" {
                        out.cash
                            .entry(ccy)
                            .or_default()
                            .add(-t.total_consideration, settled);
                    }
                }
                "Sell" | "StockOut" => {
                    let p = out.position(t);
                    if p.units > Decimal::ZERO {
                        let share = (p.cost * t.units).checked_div(p.units).unwrap_or(p.cost);
                        p.cost -= share.min(p.cost);
                    } else {
                        p.cost -= t.total_consideration;
                    }
                    p.units -= t.units;
                    if settled {
                        p.settled -= t.units;
                    }
                    if p.units.is_zero() {
                        p.cost = Decimal::ZERO;
                    }
                    if t.type_ == "Sell" {
                        out.cash
                            .entry(ccy)
                            .or_default()
                            .add(t.total_consideration, settled);
                    }
                }
                "FundsIn" | "FundsOut" => {
                    let ccy = t
                        .instrument_uid
                        .strip_prefix("CCY_")
                        .map_or(ccy, str::to_owned);
                    let amount = if t.type_ == "FundsIn" {
                        t.units
                    } else {
                        -t.units
                    };
                    out.cash.entry(ccy).or_default().add(amount, settled);
                }
                _ => {}
            }
        }
        out
    }

    fn position(&mut self, t: &TransactionRecord) -> &mut Position {
        self.positions
            .entry(t.instrument_uid.clone())
            .or_insert_with(|| Position {
                scope: t.instrument_scope.clone(),
                currency: t.settlement_currency.clone(),
                ..Position::default()
            })
    }

    /// The holdings on the wire, in LUSID's shape.
    pub(crate) fn render(self, base_currency: &str) -> Vec<HoldingWire> {
        let mut out = Vec::new();
        let portfolio_ccy = |amount: Decimal, ccy: &str| {
            if ccy == base_currency {
                CurrencyAndAmount::new(amount, ccy)
            } else {
                CurrencyAndAmount::new(Decimal::ZERO, base_currency)
            }
        };
        for (luid, p) in self.positions {
            if p.units.is_zero() && p.settled.is_zero() {
                continue;
            }
            out.push(HoldingWire {
                instrument_scope: p.scope,
                instrument_uid: luid,
                sub_holding_keys: PropertyMap::new(),
                properties: PropertyMap::new(),
                holding_type: "P",
                units: p.units.into(),
                settled_units: p.settled.into(),
                cost: CurrencyAndAmount::new(p.cost, &p.currency),
                cost_portfolio_ccy: portfolio_ccy(p.cost, &p.currency),
                currency: p.currency,
                holding_type_name: "Position",
            });
        }
        for (ccy, cash) in self.cash {
            let luid = format!("CCY_{ccy}");
            for (amount, kind, name, settled) in [
                (cash.settled, "B", "Balance", cash.settled),
                (cash.unsettled, "C", "Commitment", Decimal::ZERO),
            ] {
                if amount.is_zero() {
                    continue;
                }
                out.push(HoldingWire {
                    instrument_scope: crate::model::DEFAULT_SCOPE.to_owned(),
                    instrument_uid: luid.clone(),
                    sub_holding_keys: PropertyMap::new(),
                    properties: PropertyMap::new(),
                    holding_type: kind,
                    units: amount.into(),
                    settled_units: settled.into(),
                    cost: CurrencyAndAmount::new(amount, &ccy),
                    cost_portfolio_ccy: portfolio_ccy(amount, &ccy),
                    currency: ccy.clone(),
                    holding_type_name: name,
                });
            }
        }
        out
    }
}

/// `GET /api/api/transactionportfolios/{scope}/{code}/holdings` (GetHoldings).
pub(crate) async fn get(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path((scope, code)): Path<(String, String)>,
    uri: Uri,
) -> Response {
    let q = QueryParams::parse(uri.query());
    let mut errors = Errors::new();
    let now = state.clock.tick();
    let as_at = time_param(&q, "asAt", &mut errors).unwrap_or(now);
    let effective_at = time_param(&q, "effectiveAt", &mut errors).unwrap_or(now);
    if !errors.is_empty() {
        return reply(&state, &ctx, Problem::validation(errors));
    }
    let id = ResourceId { scope, code };
    let ledger = state.read_ledger();
    let base_currency = match find(&ledger, &id, as_at) {
        Ok(seen) => seen.value.base_currency.clone(),
        Err(problem) => return reply(&state, &ctx, problem),
    };
    let transactions = visible(&ledger, &id, as_at);
    let holdings = Holdings::compute(transactions.iter().map(|(t, _)| *t), effective_at);
    json_response(
        StatusCode::OK,
        &ListWire {
            version: VersionWire::of_read(effective_at, as_at),
            values: holdings.render(&base_currency),
            href: href(&state, &uri),
            links: Vec::new(),
        },
    )
}
