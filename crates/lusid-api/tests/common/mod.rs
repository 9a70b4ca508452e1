//! A fake `HttpService` that records requests and answers from a closure.
//!
//! Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use lusid_api::Client;
use lusid_http::{Operation, Request, Response};
use tower::util::BoxCloneSyncService;

/// What the fake service saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: http::Method,
    pub uri: String,
    pub operation: Option<Operation>,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Seen {
    /// The query pairs, decoded, in order.
    pub fn query(&self) -> Vec<(String, String)> {
        let query = self.uri.split_once('?').map_or("", |(_, query)| query);
        query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').expect("name=value");
                (decode(name), decode(value))
            })
            .collect()
    }
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .expect("UTF-8")
        .into_owned()
}

/// A response with a status, headers and a body.
pub fn respond(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(lusid_http::Body::from(body.to_owned()))
        .expect("response")
}

/// A client over a fake service answering with `answer`, and the log of
/// requests it saw.
pub fn fake_client(
    answer: impl Fn(&Seen) -> Result<Response, lusid_http::Error> + Send + Sync + 'static,
) -> (Client, Arc<Mutex<Vec<Seen>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let answer = Arc::new(answer);
    let service = {
        let log = Arc::clone(&log);
        tower::service_fn(move |request: Request| {
            let seen = Seen {
                method: request.method().clone(),
                uri: request.uri().to_string(),
                operation: request.extensions().get::<Operation>().copied(),
                headers: request.headers().clone(),
                body: request
                    .body()
                    .as_bytes()
                    .cloned()
                    .expect("a replayable body"),
            };
            log.lock().expect("log").push(seen.clone());
            let result = answer(&seen);
            async move { result }
        })
    };
    (Client::new(BoxCloneSyncService::new(service)), log)
}

/// A minimal instrument as LUSID sends it.
pub fn instrument_json(id: &str) -> String {
    format!(
        r#"{{"lusidInstrumentId":"{id}","version":{{"effectiveFrom":"0001-01-01T00:00:00.0000000+00:00","asAtDate":"2024-03-28T09:15:00.1234567+00:00"}},"name":"Instrument {id}","identifiers":{{"LusidInstrumentId":"{id}"}},"state":"Active"}}"#
    )
}
