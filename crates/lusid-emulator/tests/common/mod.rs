//! A minimal HTTP/1.1 client for the emulator's tests (one connection per
//! request) plus helpers.

#![allow(dead_code)]

pub mod drive;
pub mod tls;

use bytes::Bytes;
use http::{HeaderMap, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use lusid_emulator::{Emulator, RunningEmulator};
use serde_json::Value;
use tokio::net::TcpStream;

/// A response, fully read.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    /// The body as JSON (panics with the body text if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends one request to an absolute `http://host:port/...` URL.
pub async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Resp {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let stream = TcpStream::connect(authority).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("host", authority);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder.body(Full::new(body.into())).expect("request");
    let response = sender.send_request(request).await.expect("send");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Resp {
        status,
        headers,
        body,
    }
}

/// Form-encodes pairs.
pub fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// Percent-encodes one query value.
pub fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// POSTs a form to the token endpoint.
pub async fn token_request(
    emu: &RunningEmulator,
    pairs: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> Resp {
    let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
    headers.extend_from_slice(extra);
    send("POST", &emu.token_url(), &headers, form(pairs)).await
}

/// A password grant with the emulator's credentials and the given scope.
pub async fn password_grant(emu: &RunningEmulator, scope: &str) -> Resp {
    let c = emu.credentials().clone();
    token_request(
        emu,
        &[
            ("grant_type", "password"),
            ("username", &c.username),
            ("password", &c.password),
            ("scope", scope),
            ("client_id", &c.client_id),
            ("client_secret", &c.client_secret),
        ],
        &[],
    )
    .await
}

/// A fresh access token.
pub async fn access_token(emu: &RunningEmulator) -> String {
    let resp = password_grant(emu, "openid client groups").await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    resp.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// Calls the LUSID API: `path` is a spec path (`/api/instruments…`).
pub async fn api(
    emu: &RunningEmulator,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Resp {
    let url = format!("{}{path}", emu.lusid_url());
    let auth = format!("Bearer {token}");
    let mut headers = vec![("authorization", auth.as_str())];
    let bytes = match &body {
        Some(value) => {
            headers.push(("content-type", "application/json"));
            Bytes::from(serde_json::to_vec(value).expect("json"))
        }
        None => Bytes::new(),
    };
    send(method, &url, &headers, bytes).await
}

/// Calls the API with a JSON body sent as this exact text (so decimal
/// literals reach the emulator as written, never through an `f64`).
pub async fn api_text(
    emu: &RunningEmulator,
    token: &str,
    method: &str,
    path: &str,
    body: String,
) -> Resp {
    let url = format!("{}{path}", emu.lusid_url());
    let auth = format!("Bearer {token}");
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    send(method, &url, &headers, body).await
}

/// A small emulator ([`small_emulator`]) and a token for it.
pub async fn setup() -> (RunningEmulator, String) {
    let emu = small_emulator().await;
    let token = access_token(&emu).await;
    (emu, token)
}

/// An emulator with a small data set.
pub async fn small_emulator() -> RunningEmulator {
    Emulator::builder()
        .equities(30)
        .seed(11)
        .start()
        .await
        .expect("start")
}

/// Creates a `system/string` property definition for each key
/// (`Domain/scope/code`) with CreatePropertyDefinition, asserting 201: the
/// emulator, like LUSID, refuses property values without a definition.
pub async fn define_properties(emu: &RunningEmulator, token: &str, keys: &[&str]) {
    for key in keys {
        let mut parts = key.splitn(3, '/');
        let (domain, scope, code) = (
            parts.next().expect("domain"),
            parts.next().expect("scope"),
            parts.next().expect("code"),
        );
        let body = serde_json::json!({"domain": domain, "scope": scope, "code": code,
            "displayName": code, "dataTypeId": {"scope": "system", "code": "string"}});
        let resp = api(emu, token, "POST", "/api/propertydefinitions", Some(body)).await;
        assert_eq!(
            resp.status,
            201,
            "{key}: {}",
            String::from_utf8_lossy(&resp.body)
        );
    }
}
