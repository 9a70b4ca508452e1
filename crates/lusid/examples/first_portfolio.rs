//! The first LUSID workflow against the in-process emulator: property
//! definitions, a portfolio, an instrument, transactions (a cash deposit,
//! two buys, a sell), holdings at three effective dates and at an earlier
//! asAt, quotes, and a paged portfolio list. Units and costs are checked
//! as exact decimals.
//!
//! ```sh
//! cargo run -p lusid --example first_portfolio \
//!     --features emulator,rust_decimal,portfolios,transaction_portfolios,quotes,property_definitions
//! ```

use std::collections::BTreeMap;
use std::error::Error;

use futures_util::TryStreamExt;
use lusid::models::{
    CreatePropertyDefinitionRequest, CreateTransactionPortfolioRequest, CurrencyAndAmount,
    InstrumentDefinition, InstrumentIdValue, MetricValue, Number, PerpetualProperty,
    PortfolioHolding, PropertyValue, QuoteId, QuoteSeriesId, ResourceId, TransactionPrice,
    TransactionRequest, UpsertQuoteRequest,
};
use rust_decimal::Decimal;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Fails the example with `message` unless `condition` holds.
fn ensure(condition: bool, message: &str) -> Result<()> {
    if condition {
        println!("ok: {message}");
        Ok(())
    } else {
        Err(format!("check failed: {message}").into())
    }
}

fn dec(literal: &str) -> Result<Decimal> {
    Ok(literal.parse::<Decimal>()?)
}

fn num(literal: &str) -> Result<Number> {
    Ok(literal.parse::<Number>()?)
}

/// The holding of `uid` with `holding_type` (`P`, `B`, `C`).
fn find<'a>(
    holdings: &'a [PortfolioHolding],
    uid: &str,
    kind: &str,
) -> Option<&'a PortfolioHolding> {
    holdings
        .iter()
        .find(|h| h.instrument_uid == uid && h.holding_type == kind)
}

/// Units and cost of a holding as exact decimals.
fn units_and_cost(holding: Option<&PortfolioHolding>) -> Result<(Decimal, Decimal)> {
    let holding = holding.ok_or("holding not found")?;
    let cost = holding.cost.amount.as_ref().ok_or("holding without cost")?;
    Ok((Decimal::try_from(&holding.units)?, Decimal::try_from(cost)?))
}

#[tokio::main]
async fn main() -> Result<()> {
    let emulator = lusid_emulator::Emulator::builder()
        .equities(10)
        .start()
        .await?;
    let client = lusid::Client::for_emulator(&emulator)?;
    let scope = "first-portfolio";

    // Property definitions for transactions and portfolios.
    for domain in ["Transaction", "Portfolio"] {
        let request = CreatePropertyDefinitionRequest::new(
            domain,
            scope,
            "Strategy",
            "Strategy",
            ResourceId::new("system", "string"),
        );
        let created = client
            .property_definitions()
            .create_property_definition(request)
            .send()
            .await?;
        ensure(
            created.key.as_deref() == Some(&format!("{domain}/{scope}/Strategy")),
            "create a property definition",
        )?;
    }

    // A portfolio created on 1 January 2024.
    let mut request = CreateTransactionPortfolioRequest::new("Growth", "GROWTH", "GBP");
    request.created = Some(lusid::time::macros::datetime!(2024-01-01 00:00 UTC));
    let portfolio = client
        .transaction_portfolios()
        .create_portfolio(scope, request)
        .send()
        .await?;
    ensure(portfolio.id.code == "GROWTH", "create the portfolio")?;

    // An instrument.
    let identifiers = BTreeMap::from([("Figi".to_owned(), InstrumentIdValue::new("BBG000FIRST1"))]);
    let upserted = client
        .instruments()
        .upsert_instruments(BTreeMap::from([(
            "acme".to_owned(),
            InstrumentDefinition::new("Acme plc", identifiers),
        )]))
        .send()
        .await?;
    let luid = upserted
        .values
        .as_ref()
        .and_then(|values| values.get("acme"))
        .map(|i| i.lusid_instrument_id.clone())
        .ok_or("the instrument was not upserted")?;

    // Transactions: a deposit and two buys, then a sell.
    let tx = |id: &str,
              kind: &str,
              date: &str,
              settle: &str,
              units: &str,
              amount: &str,
              currency: bool|
     -> Result<TransactionRequest> {
        let identifier = if currency {
            (
                "Instrument/default/Currency".to_owned(),
                Some("GBP".to_owned()),
            )
        } else {
            (
                "Instrument/default/Figi".to_owned(),
                Some("BBG000FIRST1".to_owned()),
            )
        };
        let mut consideration = CurrencyAndAmount::new("GBP");
        consideration.amount = Some(num(amount)?);
        let mut request = TransactionRequest::new(
            id,
            kind,
            BTreeMap::from([identifier]),
            date,
            settle,
            num(units)?,
            consideration,
        );
        request.transaction_price = Some(
            TransactionPrice::default()
                .with_price(num("100")?)
                .with_type("Price"),
        );
        let key = format!("Transaction/{scope}/Strategy");
        let mut property = PerpetualProperty::new(key.clone());
        property.value = Some(PropertyValue::default().with_label_value("Core"));
        request.properties = Some(BTreeMap::from([(key, property)]));
        Ok(request)
    };
    let first = client
        .transaction_portfolios()
        .upsert_transactions(
            scope,
            "GROWTH",
            vec![
                tx(
                    "cash-1",
                    "FundsIn",
                    "2024-01-02T00:00:00Z",
                    "2024-01-02T00:00:00Z",
                    "50000",
                    "50000",
                    true,
                )?,
                tx(
                    "buy-1",
                    "Buy",
                    "2024-01-03T00:00:00Z",
                    "2024-01-05T00:00:00Z",
                    "100",
                    "10000.50",
                    false,
                )?,
                tx(
                    "buy-2",
                    "Buy",
                    "2024-01-08T00:00:00Z",
                    "2024-01-10T00:00:00Z",
                    "50",
                    "5250.25",
                    false,
                )?,
            ],
        )
        .send()
        .await?;
    client
        .transaction_portfolios()
        .upsert_transactions(
            scope,
            "GROWTH",
            vec![tx(
                "sell-1",
                "Sell",
                "2024-01-15T00:00:00Z",
                "2024-01-17T00:00:00Z",
                "30",
                "3600.30",
                false,
            )?],
        )
        .send()
        .await?;

    let holdings = |effective_at: &'static str, as_at: Option<lusid::time::OffsetDateTime>| {
        let client = client.clone();
        async move {
            let mut request = client
                .transaction_portfolios()
                .get_holdings(scope, "GROWTH")
                .effective_at(effective_at);
            if let Some(as_at) = as_at {
                request = request.as_at(as_at);
            }
            Ok::<_, Box<dyn Error>>(request.send().await?.values)
        }
    };

    let day3 = holdings("2024-01-03T00:00:00Z", None).await?;
    ensure(
        units_and_cost(find(&day3, &luid, "P"))? == (dec("100")?, dec("10000.50")?),
        "3 Jan: 100 units costing 10000.50",
    )?;
    ensure(
        units_and_cost(find(&day3, "CCY_GBP", "C"))?.0 == dec("-10000.50")?,
        "3 Jan: 10000.50 GBP committed",
    )?;
    let day12 = holdings("2024-01-12T00:00:00Z", None).await?;
    ensure(
        units_and_cost(find(&day12, &luid, "P"))? == (dec("150")?, dec("15250.75")?),
        "12 Jan: 150 units costing 15250.75",
    )?;
    ensure(
        units_and_cost(find(&day12, "CCY_GBP", "B"))?.0 == dec("34749.25")?,
        "12 Jan: 34749.25 GBP settled",
    )?;
    let day20 = holdings("2024-01-20T00:00:00Z", None).await?;
    ensure(
        units_and_cost(find(&day20, &luid, "P"))? == (dec("120")?, dec("12200.60")?),
        "20 Jan: 120 units costing 12200.60 (a fifth sold)",
    )?;
    ensure(
        units_and_cost(find(&day20, "CCY_GBP", "B"))?.0 == dec("38349.55")?,
        "20 Jan: 38349.55 GBP",
    )?;
    let earlier = holdings("2024-01-20T00:00:00Z", Some(first.version.as_at_date)).await?;
    ensure(
        units_and_cost(find(&earlier, &luid, "P"))?.0 == dec("150")?,
        "at the first upsert's asAt the sell is not booked",
    )?;

    // Quotes.
    let series = QuoteSeriesId::new("Lusid", "BBG000FIRST1", "Figi", "Price", "mid");
    let mut quote = UpsertQuoteRequest::new(QuoteId::new(series.clone(), "2024-01-15T00:00:00Z"));
    quote.metric_value = Some(MetricValue::default().with_value(num("120.0125")?));
    let upserted = client
        .quotes()
        .upsert_quotes(scope, BTreeMap::from([("q1".to_owned(), quote)]))
        .send()
        .await?;
    ensure(
        upserted
            .values
            .as_ref()
            .is_some_and(|v| v.contains_key("q1")),
        "upsert a quote",
    )?;
    let got = client
        .quotes()
        .get_quotes(scope, BTreeMap::from([("k".to_owned(), series)]))
        .effective_at("2024-01-20T00:00:00Z")
        .send()
        .await?;
    let value = got
        .values
        .as_ref()
        .and_then(|v| v.get("k"))
        .and_then(|q| q.metric_value.as_ref())
        .and_then(|m| m.value.as_ref())
        .ok_or("quote not found")?;
    ensure(value.as_str() == "120.0125", "get the quote back, exactly")?;

    // More portfolios, listed in pages of two.
    for code in ["EXTRA0", "EXTRA1", "EXTRA2"] {
        client
            .transaction_portfolios()
            .create_portfolio(
                scope,
                CreateTransactionPortfolioRequest::new(code, code, "USD"),
            )
            .send()
            .await?;
    }
    let codes: Vec<String> = client
        .portfolios()
        .list_portfolios()
        .filter(format!("id.scope eq '{scope}'"))
        .page_size(2)
        .into_stream()
        .map_ok(|p| p.id.code)
        .try_collect()
        .await?;
    ensure(
        codes == ["EXTRA0", "EXTRA1", "EXTRA2", "GROWTH"],
        "list the portfolios page by page",
    )?;

    emulator.shutdown().await?;
    println!("first portfolio workflow: done");
    Ok(())
}
