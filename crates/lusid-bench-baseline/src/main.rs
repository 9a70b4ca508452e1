//! `lusid-bench-baseline SECRETS [PAGE_SIZE]`: the least a client can do to
//! extract the instrument master, as the yardstick for the SDK's overhead.
//!
//! Reads a LUSID secrets file, gets a token with the password grant, then
//! sends `GET {lusidUrl}/api/instruments?limit=N[&page=TOKEN]` until
//! `nextPage` is empty, writing each instrument's JSON text as one line to
//! stdout. hyper's pooled client and serde_json only: no retries, no typed
//! models, no TLS (the emulator is plain HTTP on loopback).

use std::io::{BufWriter, Write};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use serde_json::value::RawValue;

type Error = Box<dyn std::error::Error + Send + Sync>;
type HttpClient = Client<HttpConnector, Full<Bytes>>;

#[derive(Deserialize)]
struct Secrets {
    api: Api,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Api {
    token_url: String,
    username: String,
    password: String,
    client_id: String,
    client_secret: String,
    lusid_url: String,
}

#[derive(Deserialize)]
struct Token {
    access_token: String,
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    values: Vec<&'a RawValue>,
    #[serde(rename = "nextPage", default)]
    next_page: Option<String>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(count) => {
            eprintln!("{count} instruments");
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<u64, Error> {
    let mut args = std::env::args().skip(1);
    let secrets_path = args
        .next()
        .ok_or("usage: lusid-bench-baseline SECRETS [PAGE_SIZE]")?;
    let page_size: u32 = args.next().map_or(Ok(2000), |raw| raw.parse())?;
    let secrets: Secrets = serde_json::from_slice(&std::fs::read(secrets_path)?)?;
    let api = secrets.api;
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();

    let form = [
        ("grant_type", "password"),
        ("username", &api.username),
        ("password", &api.password),
        ("client_id", &api.client_id),
        ("client_secret", &api.client_secret),
        ("scope", "openid client groups"),
    ]
    .iter()
    .map(|(key, value)| format!("{key}={}", encode(value)))
    .collect::<Vec<_>>()
    .join("&");
    let request = Request::builder()
        .method(Method::POST)
        .uri(&api.token_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(form)))?;
    let token: Token = serde_json::from_slice(&send(&client, request).await?)?;
    let bearer = format!("Bearer {}", token.access_token);

    let base = format!(
        "{}/api/instruments?limit={page_size}",
        api.lusid_url.trim_end_matches('/')
    );
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut next: Option<String> = None;
    let mut count = 0u64;
    loop {
        let uri = match &next {
            Some(token) => format!("{base}&page={}", encode(token)),
            None => base.clone(),
        };
        let request = Request::builder()
            .uri(uri)
            .header("authorization", &bearer)
            .body(Full::new(Bytes::new()))?;
        let body = send(&client, request).await?;
        let page: Page<'_> = serde_json::from_slice(&body)?;
        for value in &page.values {
            out.write_all(value.get().as_bytes())?;
            out.write_all(b"\n")?;
        }
        count += page.values.len() as u64;
        match page.next_page {
            Some(token) if !token.is_empty() => next = Some(token),
            _ => break,
        }
    }
    out.flush()?;
    Ok(count)
}

/// Sends `request` and returns the body of a 2xx response.
async fn send(client: &HttpClient, request: Request<Full<Bytes>>) -> Result<Bytes, Error> {
    let response = client.request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)).into());
    }
    Ok(body)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}
