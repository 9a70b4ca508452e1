//! A probe for instruction counts (`valgrind --tool=callgrind`): decodes one
//! 2000-instrument ListInstruments page, shaped as the emulator renders it
//! (the same page as `lusid-api`'s `page_decode` bench), `ROUNDS` times
//! (first argument, default 1) as `PagedResourceListOfInstrument`.
//!
//! Instructions per instrument = (count at 3 rounds - count at 1 round) / 4000.

use lusid_models::PagedResourceListOfInstrument;

/// One page of `count` equities shaped like the emulator's.
fn page(count: usize) -> String {
    let values: Vec<String> = (0..count)
        .map(|i| {
            format!(
                r#"{{"href":"http://127.0.0.1:8080/api/api/instruments/LusidInstrumentId/LUID_{i:08X}","scope":"default","lusidInstrumentId":"LUID_{i:08X}","version":{{"effectiveFrom":"0001-01-01T00:00:00.0000000+00:00","asAtDate":"2024-03-28T09:15:00.1234567+00:00","asAtCreated":"2024-03-28T09:15:00.1234567+00:00","userIdCreated":"00u1emulator","requestIdCreated":"0HN1:00000001","asAtModified":"2024-03-28T09:15:00.1234567+00:00","userIdModified":"00u1emulator","requestIdModified":"0HN1:00000001","asAtVersionNumber":1}},"name":"Synthetic Equity {i} plc","identifiers":{{"Figi":"BBG00{i:07}","Isin":"GB00{i:08}","Ticker":"EQ{i}","ClientInternal":"eq-{i}"}},"properties":[],"instrumentDefinition":{{"instrumentType":"Equity","identifiers":{{"figi":"BBG00{i:07}"}},"domCcy":"GBP","lotSize":100}},"state":"Active","assetClass":"Equities","domCcy":"GBP","relationships":[],"links":[{{"relation":"Properties","href":"http://127.0.0.1:8080/api/api/instruments/LusidInstrumentId/LUID_{i:08X}/properties","method":"GET"}}]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"nextPage":"eyJwYWdlIjoyfQ","previousPage":null,"values":[{}],"href":"http://127.0.0.1:8080/api/api/instruments","links":[]}}"#,
        values.join(",")
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: usize = std::env::args()
        .nth(1)
        .map(|text| text.parse())
        .transpose()?
        .unwrap_or(1);
    let bytes = page(2000).into_bytes();
    let mut total = 0;
    for _ in 0..rounds {
        // As `lusid-api` decodes a body: UTF-8 checked once, then from text.
        let page: PagedResourceListOfInstrument =
            serde_json::from_str(std::str::from_utf8(&bytes)?)?;
        total += page.values.len();
    }
    println!("{total} instruments decoded");
    Ok(())
}
