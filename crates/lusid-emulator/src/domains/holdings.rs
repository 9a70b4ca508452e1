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
//! position's `settledUnits` count its settled transactions. A position is
//! one instrument in one settlement currency (as LUSID: "one holding per
//! security instrument per settlement currency"). Trades towards zero (a
//! Buy of a short too) reduce the cost in proportion; a trade through zero
//! opens the other side at the excess's share of its consideration.
//! Amounts are exact decimals; a sum or product beyond a decimal's range is
//! a validation problem naming the transaction, and `filter` selects
//! holdings by their fields.

use std::collections::BTreeMap;

use axum::extract::{Extension, Path, State};
use axum::response::Response;
use http::{StatusCode, Uri};
use rust_decimal::Decimal;
use serde::Serialize;
use time::OffsetDateTime;

use super::common::{Errors, FieldFilter, href, reply, time_param};
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

/// The fields GetHoldings' `filter` can name (lower case).
const FILTER_FIELDS: [&str; 9] = [
    "instrumentuid",
    "instrumentscope",
    "holdingtype",
    "holdingtypename",
    "currency",
    "units",
    "settledunits",
    "cost.amount",
    "cost.currency",
];

impl HoldingWire {
    /// The value of a [`FILTER_FIELDS`] field, as text.
    fn field(&self, name: &str) -> Option<String> {
        Some(match name {
            "instrumentuid" => self.instrument_uid.clone(),
            "instrumentscope" => self.instrument_scope.clone(),
            "holdingtype" => self.holding_type.to_owned(),
            "holdingtypename" => self.holding_type_name.to_owned(),
            "currency" => self.currency.clone(),
            "units" => self.units.to_string(),
            "settledunits" => self.settled_units.to_string(),
            "cost.amount" => self.cost.amount.as_ref()?.to_string(),
            "cost.currency" => self.cost.currency.clone(),
            _ => return None,
        })
    }
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
}

/// Why holdings could not be computed: a sum or product left the range of
/// a decimal (96 bits, about 28 significant digits), as with two buys of
/// `79228162514264337593543950335` units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Overflow {
    /// The transaction at which it happened.
    pub(crate) transaction_id: String,
}

impl Position {
    /// Moves the position by `delta` units (positive for Buy and StockIn,
    /// negative for Sell and StockOut) for `consideration`. Moving away
    /// from zero adds the consideration to the cost (negatively for a
    /// short); moving towards zero reduces the cost in proportion to the
    /// units closed; moving through zero closes the position and opens the
    /// other side at the excess's share of the consideration. A flat
    /// position has no cost. `None` on overflow.
    fn trade(&mut self, delta: Decimal, consideration: Decimal, settled: bool) -> Option<()> {
        let held = self.units.abs();
        let moved = delta.abs();
        let opening =
            self.units.is_zero() || self.units.is_sign_positive() == delta.is_sign_positive();
        let signed = |amount: Decimal| {
            if delta.is_sign_negative() {
                -amount
            } else {
                amount
            }
        };
        self.cost = if opening {
            self.cost.checked_add(signed(consideration))?
        } else if moved <= held {
            self.cost.checked_sub(proportion(self.cost, moved, held)?)?
        } else {
            signed(proportion(consideration, moved - held, moved)?)
        };
        self.units = self.units.checked_add(delta)?;
        if settled {
            self.settled = self.settled.checked_add(delta)?;
        }
        if self.units.is_zero() {
            self.cost = Decimal::ZERO;
        }
        Some(())
    }
}

/// `amount × part / whole`, exactly where the product fits a decimal, else
/// as `amount / whole × part` or `part / whole × amount` (a 28-digit
/// quotient); `None` if no order fits.
fn proportion(amount: Decimal, part: Decimal, whole: Decimal) -> Option<Decimal> {
    amount
        .checked_mul(part)
        .and_then(|product| product.checked_div(whole))
        .or_else(|| amount.checked_div(whole)?.checked_mul(part))
        .or_else(|| part.checked_div(whole)?.checked_mul(amount))
}

/// Cash in one currency: settled and not yet settled.
#[derive(Debug, Default)]
struct Cash {
    settled: Decimal,
    unsettled: Decimal,
}

impl Cash {
    /// Adds `amount` to the settled or unsettled balance; `None` on
    /// overflow.
    fn add(&mut self, amount: Decimal, settled: bool) -> Option<()> {
        let balance = if settled {
            &mut self.settled
        } else {
            &mut self.unsettled
        };
        *balance = balance.checked_add(amount)?;
        Some(())
    }
}

/// The computed holdings: positions by LUID and settlement currency (LUSID
/// keeps one holding per instrument per settlement currency), then cash
/// by currency.
#[derive(Debug, Default)]
pub(crate) struct Holdings {
    positions: BTreeMap<(String, String), Position>,
    cash: BTreeMap<String, Cash>,
}

impl Holdings {
    /// Applies the transactions (in transaction-date order) up to
    /// `effective_at`; `Err` names the transaction at which an amount left
    /// the range of a decimal.
    pub(crate) fn compute<'a>(
        transactions: impl IntoIterator<Item = &'a TransactionRecord>,
        effective_at: OffsetDateTime,
    ) -> Result<Self, Overflow> {
        let mut out = Self::default();
        for t in transactions {
            if t.transaction_date > effective_at {
                continue;
            }
            out.apply(t, t.settlement_date <= effective_at)
                .ok_or_else(|| Overflow {
                    transaction_id: t.transaction_id.clone(),
                })?;
        }
        Ok(out)
    }

    /// Applies one transaction; `None` on overflow.
    fn apply(&mut self, t: &TransactionRecord, settled: bool) -> Option<()> {
        let ccy = t.settlement_currency.clone();
        match t.type_.as_str() {
            "Buy" | "StockIn" => {
                self.position(t)
                    .trade(t.units, t.total_consideration, settled)?;
                if t.type_ == "Buy" {
                    self.cash
                        .entry(ccy)
                        .or_default()
                        .add(-t.total_consideration, settled)?;
                }
            }
            "Sell" | "StockOut" => {
                self.position(t)
                    .trade(-t.units, t.total_consideration, settled)?;
                if t.type_ == "Sell" {
                    self.cash
                        .entry(ccy)
                        .or_default()
                        .add(t.total_consideration, settled)?;
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
                self.cash.entry(ccy).or_default().add(amount, settled)?;
            }
            _ => {}
        }
        Some(())
    }

    /// The position of `t`'s instrument in its settlement currency.
    fn position(&mut self, t: &TransactionRecord) -> &mut Position {
        self.positions
            .entry((t.instrument_uid.clone(), t.settlement_currency.clone()))
            .or_insert_with(|| Position {
                scope: t.instrument_scope.clone(),
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
        for ((luid, currency), p) in self.positions {
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
                cost: CurrencyAndAmount::new(p.cost, &currency),
                cost_portfolio_ccy: portfolio_ccy(p.cost, &currency),
                currency,
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
    let filter = FieldFilter::from_query(q.get("filter"), &FILTER_FIELDS, &mut errors);
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
    let holdings = match Holdings::compute(transactions.iter().map(|(t, _)| *t), effective_at) {
        Ok(holdings) => holdings,
        Err(overflow) => {
            let message = format!(
                "The holdings cannot be computed: at transaction {} a position or cash balance leaves the range of a decimal (about 28 significant digits).",
                overflow.transaction_id
            );
            return reply(
                &state,
                &ctx,
                Problem::invalid_field("transactions", message),
            );
        }
    };
    json_response(
        StatusCode::OK,
        &ListWire {
            version: VersionWire::of_read(effective_at, as_at),
            values: holdings
                .render(&base_currency)
                .into_iter()
                .filter(|h| filter.matches(|field| h.field(field)))
                .collect(),
            href: href(&state, &uri),
            links: Vec::new(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time_fmt::parse_lusid;

    fn at(date: &str) -> OffsetDateTime {
        parse_lusid(date).expect("date")
    }

    fn dec(s: &str) -> Decimal {
        s.parse().expect("decimal")
    }

    /// The key of a GBP position.
    fn key(luid: &str) -> (String, String) {
        (luid.to_owned(), "GBP".to_owned())
    }

    #[test]
    fn the_six_default_types_move_positions_and_cash() {
        let txs = [
            TransactionRecord::example(
                "FundsIn",
                "CCY_GBP",
                "2024-01-01",
                "2024-01-01",
                "1000.00",
                "1000.00",
            ),
            TransactionRecord::example(
                "StockIn",
                "LUID_A",
                "2024-01-02",
                "2024-01-02",
                "30",
                "300.30",
            ),
            TransactionRecord::example("Buy", "LUID_A", "2024-01-03", "2024-01-04", "0.5", "7.25"),
            TransactionRecord::example(
                "StockOut",
                "LUID_A",
                "2024-01-05",
                "2024-01-05",
                "10.5",
                "0",
            ),
            TransactionRecord::example(
                "FundsOut",
                "CCY_GBP",
                "2024-01-06",
                "2024-01-08",
                "100",
                "100",
            ),
            TransactionRecord::example("Sell", "LUID_B", "2024-01-06", "2024-01-06", "5", "50"),
        ];
        let h = Holdings::compute(txs.iter(), at("2024-01-07")).expect("holdings");
        let a = &h.positions[&key("LUID_A")];
        assert_eq!(a.units, dec("20"));
        // 307.55 less 10.5/30.5 of it, exactly as Decimal computes it.
        let expected = dec("307.55") - dec("307.55") * dec("10.5") / dec("30.5");
        assert_eq!(a.cost, expected);
        // Selling what is not held opens a short at minus the consideration.
        let b = &h.positions[&key("LUID_B")];
        assert_eq!((b.units, b.cost), (dec("-5"), dec("-50")));
        let cash = &h.cash["GBP"];
        // 1000 - 7.25 (buy settled on the 4th) + 50 (sell); the FundsOut settles on the 8th.
        assert_eq!(cash.settled, dec("1042.75"));
        assert_eq!(cash.unsettled, dec("-100"));
        // Before anything settles on day 3 the buy's cash is a commitment
        // and its units are not settled.
        let h = Holdings::compute(txs.iter(), at("2024-01-03")).expect("holdings");
        assert_eq!(h.positions[&key("LUID_A")].settled, dec("30"));
        assert_eq!(h.positions[&key("LUID_A")].units, dec("30.5"));
        assert_eq!(h.cash["GBP"].unsettled, dec("-7.25"));
        let rendered = h.render("GBP");
        let kinds: Vec<&str> = rendered.iter().map(|r| r.holding_type).collect();
        assert_eq!(kinds, ["P", "B", "C"]);
    }
}
