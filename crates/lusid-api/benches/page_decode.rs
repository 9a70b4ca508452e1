//! Page deserialisation throughput: one 2000-instrument ListInstruments page
//! (as the emulator renders LUSID's JSON) decoded as the typed
//! `PagedResourceListOfInstrument`, as `RawPage` (what the CLI streams) and
//! as a `serde_json::Value` tree, from the same bytes.

use divan::counter::BytesCount;
use lusid_api::RawPage;
use lusid_models::PagedResourceListOfInstrument;

fn main() {
    divan::main();
}

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

fn bytes() -> Vec<u8> {
    page(2000).into_bytes()
}

#[divan::bench]
fn typed_models(bencher: divan::Bencher) {
    let bytes = bytes();
    bencher.counter(BytesCount::of_slice(&bytes)).bench(|| {
        let page: PagedResourceListOfInstrument =
            serde_json::from_slice(divan::black_box(&bytes)).expect("decodes");
        assert_eq!(page.values.len(), 2000);
        page
    });
}

#[divan::bench]
fn raw_page(bencher: divan::Bencher) {
    let bytes = bytes();
    bencher.counter(BytesCount::of_slice(&bytes)).bench(|| {
        let page: RawPage = serde_json::from_slice(divan::black_box(&bytes)).expect("decodes");
        assert_eq!(page.values.len(), 2000);
        page
    });
}

#[divan::bench]
fn serde_json_value(bencher: divan::Bencher) {
    let bytes = bytes();
    bencher.counter(BytesCount::of_slice(&bytes)).bench(|| {
        let page: serde_json::Value =
            serde_json::from_slice(divan::black_box(&bytes)).expect("decodes");
        assert_eq!(page["values"].as_array().map(Vec::len), Some(2000));
        page
    });
}
