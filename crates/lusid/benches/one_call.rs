//! One ListInstruments call (`limit=1`) against the in-process emulator:
//! through the whole SDK stack (trace, retry, auth with a warm token cache,
//! headers, base URL, timeouts, hyper, decoding into `Instrument`) against a
//! bare hyper GET with the same bearer token, reading the body whole and
//! decoding it into the same typed page.

use std::sync::LazyLock;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use lusid_emulator::{Emulator, RunningEmulator};

fn main() {
    divan::main();
}

struct Setup {
    runtime: tokio::runtime::Runtime,
    _emulator: RunningEmulator,
    client: lusid::Client,
    hyper: HyperClient<HttpConnector, Empty<Bytes>>,
    uri: String,
    bearer: String,
}

static SETUP: LazyLock<Setup> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let emulator = runtime
        .block_on(Emulator::builder().equities(100).start())
        .expect("the emulator starts");
    let credentials = emulator.credentials();
    let config = lusid::auth::Config::builder()
        .lusid_url(emulator.lusid_url())
        .token_url(emulator.token_url())
        .username(credentials.username.clone())
        .password(credentials.password.clone())
        .client_id(credentials.client_id.clone())
        .client_secret(credentials.client_secret.clone())
        .build()
        .expect("configuration");
    let client = lusid::Client::builder()
        .config(config)
        .build()
        .expect("the client builds");
    // The SDK's own cached token, so both sides send the same one.
    let bearer = runtime.block_on(async {
        let tokens = client.token_provider().expect("a token provider");
        let token = tokens.access_token().await.expect("a token");
        format!("Bearer {}", token.expose_secret())
    });
    // Warm the SDK's token cache and both connection pools.
    runtime.block_on(async {
        client
            .instruments()
            .list_instruments()
            .limit(1)
            .send()
            .await
            .expect("a page");
    });
    let uri = format!("{}/api/instruments?limit=1", emulator.lusid_url());
    let hyper = HyperClient::builder(TokioExecutor::new()).build_http();
    Setup {
        runtime,
        _emulator: emulator,
        client,
        hyper,
        uri,
        bearer,
    }
});

#[divan::bench(sample_count = 200)]
fn sdk_stack(bencher: divan::Bencher) {
    let setup = &*SETUP;
    bencher.bench(|| {
        setup.runtime.block_on(async {
            let page = setup
                .client
                .instruments()
                .list_instruments()
                .limit(1)
                .send()
                .await
                .expect("a page");
            assert_eq!(page.values.len(), 1);
        })
    });
}

#[divan::bench(sample_count = 200)]
fn bare_hyper(bencher: divan::Bencher) {
    let setup = &*SETUP;
    bencher.bench(|| {
        setup.runtime.block_on(async {
            let request = http::Request::get(&setup.uri)
                .header("authorization", &setup.bearer)
                .body(Empty::<Bytes>::new())
                .expect("a request");
            let response = setup.hyper.request(request).await.expect("a response");
            assert!(response.status().is_success());
            let body = response
                .into_body()
                .collect()
                .await
                .expect("a body")
                .to_bytes();
            // Decoded into the same typed page the SDK returns.
            let page: lusid::models::PagedResourceListOfInstrument =
                serde_json::from_slice(&body).expect("a page");
            assert_eq!(page.values.len(), 1);
        })
    });
}
