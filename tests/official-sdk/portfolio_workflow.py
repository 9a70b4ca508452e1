"""The first LUSID workflow with the official Python SDK (`lusid-sdk`),
unchanged, against the lusid-rs emulator.

Usage: python portfolio_workflow.py SECRETS_FILE

Creates property definitions and a portfolio, upserts an instrument and
transactions (a cash deposit, buys, a sell), gets holdings at three
effective dates and at an earlier asAt, upserts and gets quotes, and lists
portfolios with paging; asserts units and costs and exits non-zero on the
first mismatch. Written against lusid-sdk 2.x.
"""

import sys
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import lusid
from lusid.extensions import SecretsFileConfigurationLoader, SyncApiClientFactory


def check(condition, message):
    if not condition:
        print(f"FAIL: {message}")
        sys.exit(1)
    print(f"ok: {message}")


def dec(x):
    """A JSON number as the exact decimal of its text (floats via repr)."""
    return Decimal(repr(x)) if isinstance(x, float) else Decimal(x)


def by_key(holdings):
    return {(h.instrument_uid, h.holding_type): h for h in holdings.values}


def main(secrets):
    factory = SyncApiClientFactory(config_loaders=[SecretsFileConfigurationLoader(secrets)])
    propdefs = factory.build(lusid.PropertyDefinitionsApi)
    tx_portfolios = factory.build(lusid.TransactionPortfoliosApi)
    portfolios = factory.build(lusid.PortfoliosApi)
    instruments = factory.build(lusid.InstrumentsApi)
    quotes = factory.build(lusid.QuotesApi)

    scope = f"sdk-{uuid.uuid4().hex[:8]}"

    # Property definitions.
    for domain, code in [("Transaction", "Strategy"), ("Portfolio", "Manager")]:
        created = propdefs.create_property_definition(
            create_property_definition_request=lusid.CreatePropertyDefinitionRequest(
                domain=domain,
                scope=scope,
                code=code,
                display_name=code,
                data_type_id=lusid.ResourceId(scope="system", code="string"),
            )
        )
        check(created.key == f"{domain}/{scope}/{code}", f"create_property_definition {created.key}")
    got = propdefs.get_property_definition(domain="Transaction", scope=scope, code="Strategy")
    check(got.value_type == "String" and got.version.as_at_date is not None, "get_property_definition")

    # A portfolio; a second create is PortfolioWithIdAlreadyExists.
    request = lusid.CreateTransactionPortfolioRequest(
        display_name="SDK Growth",
        code="GROWTH",
        base_currency="GBP",
        created=datetime(2024, 1, 1, tzinfo=timezone.utc),
        properties={
            f"Portfolio/{scope}/Manager": lusid.ModelProperty(
                key=f"Portfolio/{scope}/Manager", value=lusid.PropertyValue(label_value="Ann")
            )
        },
    )
    portfolio = tx_portfolios.create_portfolio(scope=scope, create_transaction_portfolio_request=request)
    check(portfolio.id.scope == scope and portfolio.id.code == "GROWTH", "create_portfolio returns the id")
    check(portfolio.created == datetime(2024, 1, 1, tzinfo=timezone.utc), "the portfolio's created date")
    try:
        tx_portfolios.create_portfolio(scope=scope, create_transaction_portfolio_request=request)
        check(False, "a second create_portfolio fails")
    except lusid.ApiException as e:
        check(e.status == 400 and "PortfolioWithIdAlreadyExists" in e.body, "a second create is PortfolioWithIdAlreadyExists")

    # An instrument.
    figi = "BBG000SDK" + uuid.uuid4().hex[:3].upper()
    upserted = instruments.upsert_instruments(
        request_body={"acme": lusid.InstrumentDefinition(name="Acme plc", identifiers={"Figi": lusid.InstrumentIdValue(value=figi)})}
    )
    luid = upserted.values["acme"].lusid_instrument_id

    # Transactions: a deposit, two buys, a sell.
    def tx(tid, kind, date, settle, units, amount, ids=None):
        return lusid.TransactionRequest(
            transaction_id=tid,
            type=kind,
            instrument_identifiers=ids or {"Instrument/default/Figi": figi},
            transaction_date=date,
            settlement_date=settle,
            units=units,
            transaction_price=lusid.TransactionPrice(price=100, type="Price"),
            total_consideration=lusid.CurrencyAndAmount(amount=amount, currency="GBP"),
            properties={
                f"Transaction/{scope}/Strategy": lusid.PerpetualProperty(
                    key=f"Transaction/{scope}/Strategy", value=lusid.PropertyValue(label_value="Core")
                )
            },
        )

    first = tx_portfolios.upsert_transactions(
        scope=scope,
        code="GROWTH",
        transaction_request=[
            tx("cash-1", "FundsIn", "2024-01-02T00:00:00Z", "2024-01-02T00:00:00Z", 50000, 50000,
               {"Instrument/default/Currency": "GBP"}),
            tx("buy-1", "Buy", "2024-01-03T00:00:00Z", "2024-01-05T00:00:00Z", 100, 10000.5),
            tx("buy-2", "Buy", "2024-01-08T00:00:00Z", "2024-01-10T00:00:00Z", 50, 5250.25),
        ],
    )
    check(first.version.as_at_date is not None, "upsert_transactions returns a version")
    tx_portfolios.upsert_transactions(
        scope=scope,
        code="GROWTH",
        transaction_request=[tx("sell-1", "Sell", "2024-01-15T00:00:00Z", "2024-01-17T00:00:00Z", 30, 3600.3)],
    )

    def holdings(effective_at, as_at=None):
        return by_key(tx_portfolios.get_holdings(scope=scope, code="GROWTH", effective_at=effective_at, as_at=as_at))

    # 1. Trade date of the first buy, before it settles: a commitment.
    h = holdings("2024-01-03T00:00:00Z")
    check(dec(h[(luid, "P")].units) == 100 and dec(h[(luid, "P")].settled_units) == 0, "day 3: 100 units, none settled")
    check(dec(h[(luid, "P")].cost.amount) == Decimal("10000.5"), "day 3: cost 10000.5")
    check(dec(h[("CCY_GBP", "B")].units) == 50000, "day 3: 50000 GBP settled cash")
    check(dec(h[("CCY_GBP", "C")].units) == Decimal("-10000.5"), "day 3: -10000.5 GBP committed")

    # 2. After both buys settle.
    h = holdings("2024-01-12T00:00:00Z")
    check(dec(h[(luid, "P")].units) == 150, "day 12: 150 units")
    check(dec(h[(luid, "P")].cost.amount) == Decimal("15250.75"), "day 12: cost 15250.75")
    check(dec(h[("CCY_GBP", "B")].units) == Decimal("34749.25"), "day 12: 34749.25 GBP cash")
    check(("CCY_GBP", "C") not in h, "day 12: no commitments")

    # 3. After the sell: cost reduced by 30/150.
    h = holdings("2024-01-20T00:00:00Z")
    check(dec(h[(luid, "P")].units) == 120, "day 20: 120 units")
    check(dec(h[(luid, "P")].cost.amount) == Decimal("12200.6"), "day 20: cost 12200.6 (15250.75 less a fifth)")
    check(dec(h[("CCY_GBP", "B")].units) == Decimal("38349.55"), "day 20: 38349.55 GBP cash")

    # 4. At the asAt of the first upsert: the sell is not there yet. (The
    # SDK's datetime keeps microseconds of LUSID's 100 ns stamp: add one.)
    h = holdings("2024-01-20T00:00:00Z", as_at=first.version.as_at_date + timedelta(microseconds=1))
    check(dec(h[(luid, "P")].units) == 150, "earlier asAt: 150 units, the sell not yet booked")

    listed = tx_portfolios.get_transactions(scope=scope, code="GROWTH")
    check([t.transaction_id for t in listed.values] == ["cash-1", "buy-1", "buy-2", "sell-1"], "get_transactions in date order")
    check(all(t.instrument_uid for t in listed.values), "transactions carry their instrumentUid")

    # Quotes.
    series = lusid.QuoteSeriesId(provider="Lusid", price_source="", instrument_id=figi,
                                 instrument_id_type="Figi", quote_type="Price", field="mid")
    up = quotes.upsert_quotes(
        scope=scope,
        request_body={
            "q1": lusid.UpsertQuoteRequest(
                quote_id=lusid.QuoteId(quote_series_id=series, effective_at="2024-01-15T00:00:00Z"),
                metric_value=lusid.MetricValue(value=120.01, unit="GBP"),
            ),
            "bad": lusid.UpsertQuoteRequest(
                quote_id=lusid.QuoteId(
                    quote_series_id=lusid.QuoteSeriesId(provider="Lusid", instrument_id=figi, instrument_id_type="Nope",
                                                        quote_type="Price", field="mid"),
                    effective_at="2024-01-15T00:00:00Z",
                ),
                metric_value=lusid.MetricValue(value=1, unit="GBP"),
            ),
        },
    )
    check("q1" in up.values and "bad" in up.failed, "upsert_quotes values and failed keyed by the request's keys")
    got = quotes.get_quotes(scope=scope, effective_at="2024-01-20T00:00:00Z", request_body={"k": series})
    check(dec(got.values["k"].metric_value.value) == Decimal("120.01"), "get_quotes finds the quote")
    got = quotes.get_quotes(scope=scope, effective_at="2024-01-10T00:00:00Z", request_body={"k": series})
    check("k" in (got.not_found or {}), "get_quotes before the quote: not found")
    listed = quotes.list_quotes_for_scope(scope=scope)
    check(len(listed.values) == 1, "list_quotes_for_scope")

    # More portfolios, listed with paging.
    for i in range(3):
        tx_portfolios.create_portfolio(
            scope=scope,
            create_transaction_portfolio_request=lusid.CreateTransactionPortfolioRequest(
                display_name=f"Extra {i}", code=f"EXTRA{i}", base_currency="USD"
            ),
        )
    codes, page, pages = [], None, 0
    while True:
        result = portfolios.list_portfolios(limit=2, page=page, filter=f"id.scope eq '{scope}'")
        pages += 1
        codes.extend(p.id.code for p in result.values)
        page = result.next_page
        if not page:
            break
    check(codes == ["EXTRA0", "EXTRA1", "EXTRA2", "GROWTH"] and pages == 2, f"list_portfolios pages: {codes} in {pages} pages")
    check(len(portfolios.list_portfolios_for_scope(scope=scope).values) == 4, "list_portfolios_for_scope")

    deleted = portfolios.delete_portfolio(scope=scope, code="EXTRA0")
    check(deleted.as_at is not None, "delete_portfolio")
    try:
        portfolios.get_portfolio(scope=scope, code="EXTRA0")
        check(False, "a deleted portfolio is gone")
    except lusid.ApiException as e:
        check(e.status == 404 and "PortfolioNotFound" in e.body, "a deleted portfolio is PortfolioNotFound")
    print("portfolio workflow: all checks passed")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python portfolio_workflow.py SECRETS_FILE")
        sys.exit(2)
    main(sys.argv[1])
