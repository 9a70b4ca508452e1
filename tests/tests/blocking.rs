//! `lusid::blocking`: every operation without an async runtime.

use lusid_emulator::Emulator;

/// An emulator served by its own multi-threaded runtime, so the test's
/// thread has no runtime of its own.
fn emulator() -> (tokio::runtime::Runtime, lusid_emulator::RunningEmulator) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emulator = runtime
        .block_on(Emulator::builder().equities(3).start())
        .unwrap();
    (runtime, emulator)
}

#[test]
fn calls_and_pages_without_a_runtime() {
    let (_runtime, emulator) = emulator();
    let client = lusid::Client::builder()
        .emulator(&emulator)
        .unwrap()
        .build_blocking()
        .unwrap();
    let page = client
        .call(|c| c.instruments().list_instruments().limit(1).send())
        .unwrap();
    assert_eq!(page.values[0].lusid_instrument_id, "CCY_AED");
    let luids: Vec<String> = client
        .iter(|c| {
            c.instruments()
                .list_instruments()
                .page_size(50)
                .into_stream()
        })
        .map(|item| item.map(|instrument| instrument.lusid_instrument_id))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(luids.len(), 181);
    // Dropping part-way stops the paging without hanging.
    let first_two: Vec<_> = client
        .iter(|c| {
            c.instruments()
                .list_instruments()
                .page_size(1)
                .into_stream()
        })
        .take(2)
        .collect();
    assert_eq!(first_two.len(), 2);
}

#[test]
fn inside_an_async_runtime_it_returns_an_error_never_panics_or_blocks() {
    let (runtime, emulator) = emulator();
    let client = lusid::Client::builder()
        .emulator(&emulator)
        .unwrap()
        .build_blocking()
        .unwrap();
    runtime.block_on(async {
        let error = client
            .call(|c| c.instruments().list_instruments().limit(1).send())
            .expect_err("inside a runtime");
        assert_eq!(error.kind(), lusid::ErrorKind::Configuration);
        assert!(error.to_string().contains("async runtime"), "{error}");
        let mut items = client.iter(|c| c.instruments().list_instruments().into_stream());
        assert!(matches!(items.next(), Some(Err(_))));
        assert!(items.next().is_none());
        // The last clone dropped inside a runtime does not panic.
        drop(items);
        drop(client);
    });
}
