"""Drives the lusid-rs emulator with the official LUSID Python SDK (`lusid-sdk`).

Usage: python check.py SECRETS_FILE

Lists (with paging), gets, batch-gets, upserts and deletes instruments
exactly as a user of the official SDK would, and exits non-zero on the first
mismatch. Written against lusid-sdk 2.x (`lusid.extensions.SyncApiClientFactory`).
"""

import sys
import uuid

import lusid
from lusid.extensions import SecretsFileConfigurationLoader, SyncApiClientFactory


def check(condition, message):
    if not condition:
        print(f"FAIL: {message}")
        sys.exit(1)
    print(f"ok: {message}")


def main(secrets):
    factory = SyncApiClientFactory(config_loaders=[SecretsFileConfigurationLoader(secrets)])
    api = factory.build(lusid.InstrumentsApi)

    # List with paging: small pages, follow next_page to the end.
    seen = []
    page = None
    pages = 0
    while True:
        result = api.list_instruments(limit=50, page=page)
        pages += 1
        seen.extend(i.lusid_instrument_id for i in result.values)
        page = result.next_page
        if not page:
            break
    check(pages > 1, f"list_instruments pages through {len(seen)} instruments in {pages} pages")
    check(len(seen) == len(set(seen)), "no instrument listed twice")
    check(seen[0] == "CCY_AED", "the first instrument is CCY_AED")

    # Get one by a unique identifier.
    first_equity = next(i for i in seen if i.startswith("LUID_"))
    got = api.get_instrument(identifier_type="LusidInstrumentId", identifier=first_equity)
    check(got.lusid_instrument_id == first_equity, "get_instrument by LusidInstrumentId")
    figi = got.identifiers["Figi"]
    by_figi = api.get_instrument(identifier_type="Figi", identifier=figi)
    check(by_figi.lusid_instrument_id == first_equity, "get_instrument by Figi")

    # Batch get, with one unknown value.
    batch = api.get_instruments(identifier_type="Figi", request_body=[figi, "BBG000NOTHERE"])
    check(figi in batch.values and "BBG000NOTHERE" in batch.failed, "get_instruments values and failed")

    # Upsert a new instrument with a property: without its definition the
    # item fails (PropertyNotDefined, as in LUSID), then it is defined.
    client_id = f"SDK-{uuid.uuid4().hex[:10].upper()}"
    undefined = lusid.InstrumentDefinition(
        name="Undefined Property plc",
        identifiers={"ClientInternal": lusid.InstrumentIdValue(value=f"{client_id}-U")},
        properties=[
            lusid.ModelProperty(
                key="Instrument/sdkcheck/Sector",
                value=lusid.PropertyValue(label_value="Technology"),
            )
        ],
    )
    refused = api.upsert_instruments(request_body={"u": undefined})
    check(
        not refused.values and refused.failed["u"].type == "PropertyNotDefined",
        "a property without a definition fails the item with PropertyNotDefined",
    )
    propdefs = factory.build(lusid.PropertyDefinitionsApi)
    propdefs.create_property_definition(
        create_property_definition_request=lusid.CreatePropertyDefinitionRequest(
            domain="Instrument",
            scope="sdkcheck",
            code="Sector",
            display_name="Sector",
            data_type_id=lusid.ResourceId(scope="system", code="string"),
        )
    )
    definition = lusid.InstrumentDefinition(
        name="Official SDK Check plc",
        identifiers={"ClientInternal": lusid.InstrumentIdValue(value=client_id)},
        properties=[
            lusid.ModelProperty(
                key="Instrument/sdkcheck/Sector",
                value=lusid.PropertyValue(label_value="Technology"),
            )
        ],
        definition=lusid.Equity(instrument_type="Equity", dom_ccy="GBP"),
    )
    upserted = api.upsert_instruments(request_body={"one": definition})
    check("one" in upserted.values and not upserted.failed, "upsert_instruments creates an instrument")
    luid = upserted.values["one"].lusid_instrument_id
    fetched = api.get_instrument(
        identifier_type="ClientInternal",
        identifier=client_id,
        property_keys=["Instrument/sdkcheck/Sector"],
    )
    check(fetched.lusid_instrument_id == luid, "the upserted instrument is found by ClientInternal")
    check(
        [p.key for p in fetched.properties or []] == ["Instrument/sdkcheck/Sector"],
        "the property is decorated when asked for",
    )

    # Upsert again: same instrument, new version.
    definition.name = "Official SDK Check plc (renamed)"
    again = api.upsert_instruments(request_body={"one": definition})
    check(again.values["one"].lusid_instrument_id == luid, "a second upsert matches the same instrument")
    check(again.values["one"].version.as_at_version_number == 2, "and makes version 2")

    # Delete, then get is a 404 with LUSID's error.
    deleted = api.delete_instrument(identifier_type="ClientInternal", identifier=client_id)
    check(deleted.as_at is not None, "delete_instrument returns an asAt")
    try:
        api.get_instrument(identifier_type="ClientInternal", identifier=client_id)
        check(False, "get after delete fails")
    except lusid.ApiException as error:
        check(error.status == 404, f"get after delete is a 404 ({error.status})")

    # An invalid filter is a validation error, not an empty list.
    try:
        api.list_instruments(filter="Name eq")
        check(False, "an invalid filter fails")
    except lusid.ApiException as error:
        check(error.status == 400, f"an invalid filter is a 400 ({error.status})")

    print("PASS")


if __name__ == "__main__":
    main(sys.argv[1])
