//! The other FINBOURNE services through `lusid::Client`: each request goes
//! to its service's base path (derived from the LUSID URL's origin) with the
//! shared bearer token, one token request serves LUSID and the services,
//! paged operations follow `nextPage`, and Drive's uploads and downloads
//! stream.
//!
//! A small axum server on an ephemeral loopback port plays the token
//! endpoint and every service, recording what it received.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use lusid::auth::Service;

/// One request the fake server received.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    /// Path and query.
    target: String,
    authorization: Option<String>,
    content_type: Option<String>,
    content_length: Option<String>,
    /// The body's length and FNV-1a hash (bodies are not kept).
    body_len: u64,
    body_hash: u64,
    /// Small bodies, as text.
    body_text: String,
}

#[derive(Default)]
struct Recorder {
    tokens: Mutex<u32>,
    seen: Mutex<Vec<Seen>>,
}

/// The byte at `index` of the generated files: a pattern that catches
/// reordered, dropped or repeated chunks.
fn pattern(index: u64) -> u8 {
    (index % 251) as u8 ^ (index / 65_536) as u8
}

fn fnv(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// The size of the streamed files: 50 MB.
const FILE_SIZE: u64 = 50 * 1024 * 1024;

/// A lazily produced body of `size` bytes of [`pattern`], in 64 KiB chunks.
fn pattern_stream(size: u64) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    const CHUNK: u64 = 64 * 1024;
    futures_util::stream::iter((0..size.div_ceil(CHUNK)).map(move |chunk| {
        let start = chunk * CHUNK;
        let end = (start + CHUNK).min(size);
        Ok((start..end).map(pattern).collect::<Vec<u8>>().into())
    }))
}

fn expected_hash(size: u64) -> u64 {
    let mut hash = FNV_START;
    let mut buffer = Vec::with_capacity(65_536);
    let mut index = 0;
    while index < size {
        buffer.clear();
        let end = (index + 65_536).min(size);
        buffer.extend((index..end).map(pattern));
        hash = fnv(hash, &buffer);
        index = end;
    }
    hash
}

fn storage_object(id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "path": "/reports", "name": format!("{id}.csv"),
        "createdBy": "alice", "createdOn": "2024-01-31T09:30:00.1234567+00:00",
        "updatedBy": "alice", "updatedOn": "2024-01-31T09:30:00.1234567+00:00",
        "type": "File", "size": 3
    })
}

async fn handle(State(recorder): State<Arc<Recorder>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(String::new, |pq| pq.as_str().to_owned());
    if parts.uri.path().starts_with("/oauth2/") {
        *recorder.tokens.lock().expect("lock") += 1;
        return (
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"access_token":"shared-token","token_type":"Bearer","expires_in":3600}"#,
        )
            .into_response();
    }
    let header_text = |headers: &HeaderMap, name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let mut stream = body.into_data_stream();
    let (mut body_len, mut body_hash, mut body_text) = (0u64, FNV_START, Vec::new());
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        body_len += chunk.len() as u64;
        body_hash = fnv(body_hash, &chunk);
        if body_text.len() < 4096 {
            body_text.extend_from_slice(&chunk);
        }
    }
    let method = parts.method.to_string();
    recorder.seen.lock().expect("lock").push(Seen {
        method: method.clone(),
        target: target.clone(),
        authorization: header_text(&parts.headers, header::AUTHORIZATION),
        content_type: header_text(&parts.headers, header::CONTENT_TYPE),
        content_length: header_text(&parts.headers, header::CONTENT_LENGTH),
        body_len,
        body_hash,
        body_text: String::from_utf8_lossy(&body_text).into_owned(),
    });
    let path = parts.uri.path();
    let json = |value: serde_json::Value| {
        (
            [(header::CONTENT_TYPE, "application/json")],
            value.to_string(),
        )
            .into_response()
    };
    if method == "DELETE" {
        return StatusCode::NO_CONTENT.into_response();
    }
    if method == "GET" && path.ends_with("/contents") {
        return (
            [
                (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
                (header::CONTENT_LENGTH, FILE_SIZE.to_string()),
            ],
            Body::from_stream(pattern_stream(FILE_SIZE)),
        )
            .into_response();
    }
    if path.ends_with("/Sql/csv") {
        return (
            [(header::CONTENT_TYPE, "text/plain")],
            "Name,Count\nAcme,2\n",
        )
            .into_response();
    }
    if path.ends_with("/Sql/json") {
        return json(serde_json::json!(r#"[{"Name":"Acme"}]"#));
    }
    // Paged listings: page 1 points at page 2.
    let paged = [
        "/drive/api/folders",
        "/access/api/policies/page",
        "/insights/api/access",
        "/notification/api/subscriptions",
        "/scheduler2/api/images/repository",
        "/workflow/api/eventhandlers",
    ];
    if method == "GET" && paged.contains(&path) {
        return if target.contains("page=t2") {
            json(serde_json::json!({ "values": [storage_object("b")] }))
        } else {
            json(serde_json::json!({ "values": [storage_object("a")], "nextPage": "t2" }))
        };
    }
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        storage_object("f1").to_string(),
    )
        .into_response()
}

struct Fake {
    recorder: Arc<Recorder>,
    client: lusid::Client,
}

impl Fake {
    fn seen(&self) -> Vec<Seen> {
        self.recorder.seen.lock().expect("lock").clone()
    }

    fn last(&self) -> Seen {
        self.seen().last().cloned().expect("a request")
    }

    fn tokens(&self) -> u32 {
        *self.recorder.tokens.lock().expect("lock")
    }
}

async fn start() -> Fake {
    let recorder = Arc::new(Recorder::default());
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(recorder.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let config = lusid::auth::Config::builder()
        .with_env_vars(|_| None)
        .lusid_url(format!("http://{address}/api"))
        .token_url(format!("http://{address}/oauth2/token"))
        .username("alice")
        .password("secret-password")
        .client_id("client")
        .client_secret("secret-client")
        .build()
        .expect("config");
    let client = lusid::Client::builder()
        .config(config)
        .build()
        .expect("client");
    Fake { recorder, client }
}

fn assert_request(seen: &Seen, method: &str, target: &str) {
    assert_eq!(seen.method, method, "{seen:?}");
    assert_eq!(seen.target, target, "{seen:?}");
    assert_eq!(
        seen.authorization.as_deref(),
        Some("Bearer shared-token"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn service_urls_are_derived_from_the_lusid_urls_origin() {
    let fake = start().await;
    let drive = fake.client.drive();
    assert!(drive.base_url().ends_with("/drive"), "{}", drive.base_url());
    assert_eq!(
        fake.client.service_url(Service::Luminesce),
        fake.client.luminesce().base_url()
    );
    assert!(fake.client.luminesce().base_url().ends_with("/honeycomb"));
    assert!(fake.client.scheduler().base_url().ends_with("/scheduler2"));
    assert!(
        fake.client
            .notifications()
            .base_url()
            .ends_with("/notification")
    );
}

#[tokio::test]
async fn one_token_request_serves_lusid_and_two_services() {
    let fake = start().await;
    let _: serde_json::Value = fake
        .client
        .instruments()
        .get_instrument("Figi", "BBG000BLNNH6")
        .send_as()
        .await
        .expect("LUSID");
    assert_request(
        &fake.last(),
        "GET",
        "/api/api/instruments/Figi/BBG000BLNNH6",
    );
    let folder = fake
        .client
        .drive()
        .folders()
        .get_folder("f1")
        .send()
        .await
        .expect("Drive");
    assert_eq!(folder.id, "f1");
    assert_request(&fake.last(), "GET", "/drive/api/folders/f1");
    let csv = fake
        .client
        .luminesce()
        .sql_execution()
        .put_by_query_csv("select 1")
        .send()
        .await
        .expect("Luminesce");
    assert_eq!(csv, "Name,Count\nAcme,2\n");
    assert_eq!(fake.tokens(), 1, "one token request for every service");
}

#[tokio::test]
async fn drive_uses_every_method_and_body_kind_at_its_base_path() {
    let fake = start().await;
    let drive = fake.client.drive();

    // POST with a JSON body.
    let created = drive
        .folders()
        .create_folder(lusid::drive::models::CreateFolder::new("/", "reports"))
        .send()
        .await
        .expect("CreateFolder");
    assert_eq!(created.id, "f1");
    let seen = fake.last();
    assert_request(&seen, "POST", "/drive/api/folders");
    assert_eq!(seen.content_type.as_deref(), Some("application/json"));
    assert_eq!(seen.body_text, r#"{"path":"/","name":"reports"}"#);

    // PUT with a JSON body.
    drive
        .folders()
        .update_folder(
            "f1",
            lusid::drive::models::UpdateFolder::new("/", "renamed"),
        )
        .send()
        .await
        .expect("UpdateFolder");
    assert_request(&fake.last(), "PUT", "/drive/api/folders/f1");

    // POST with an octet-stream body and header parameters.
    drive
        .files()
        .create_file(
            "a.csv",
            "/reports",
            lusid::drive::UploadBody::from_bytes(&b"a,b"[..]),
        )
        .send()
        .await
        .expect("CreateFile");
    let seen = fake.last();
    assert_request(&seen, "POST", "/drive/api/files");
    assert_eq!(
        seen.content_type.as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(seen.content_length.as_deref(), Some("3"));
    assert_eq!(seen.body_text, "a,b");

    // DELETE answering 204.
    drive
        .files()
        .delete_file("f1")
        .send()
        .await
        .expect("DeleteFile");
    assert_request(&fake.last(), "DELETE", "/drive/api/files/f1");
}

#[tokio::test]
async fn luminesce_sends_sql_as_text_and_reads_text_and_json_strings() {
    let fake = start().await;
    let luminesce = fake.client.luminesce();
    let json = luminesce
        .sql_execution()
        .put_by_query_json("select Name from Lusid.Instrument")
        .send()
        .await
        .expect("PutByQueryJson");
    assert_eq!(json, r#"[{"Name":"Acme"}]"#);
    let seen = fake.last();
    assert_request(&seen, "PUT", "/honeycomb/api/Sql/json");
    assert_eq!(seen.content_type.as_deref(), Some("text/plain"));
    assert_eq!(seen.body_text, "select Name from Lusid.Instrument");
}

#[tokio::test]
async fn a_paged_operation_of_each_service_follows_next_page() {
    let fake = start().await;
    let names: Vec<String> = fake
        .client
        .drive()
        .folders()
        .get_root_folder()
        .into_stream()
        .map(|object| object.expect("item").id)
        .collect()
        .await;
    assert_eq!(names, ["a", "b"]);
    let targets: Vec<String> = fake.seen().iter().map(|seen| seen.target.clone()).collect();
    assert!(targets[0].starts_with("/drive/api/folders?"), "{targets:?}");
    assert!(targets[1].contains("page=t2"), "{targets:?}");

    async fn pages<T>(mut pages: lusid::api::PageStream<'static, T>) -> usize {
        let mut count = 0;
        while pages.try_next().await.expect("page").is_some() {
            count += 1;
        }
        count
    }
    let client = &fake.client;
    assert_eq!(
        pages(client.access().policies().page_policies().into_raw_pages()).await,
        2
    );
    assert_eq!(
        pages(
            client
                .insights()
                .access_evaluations()
                .list_access_evaluation_logs()
                .into_raw_pages()
        )
        .await,
        2
    );
    assert_eq!(
        pages(
            client
                .notifications()
                .subscriptions()
                .list_subscriptions()
                .into_raw_pages()
        )
        .await,
        2
    );
    assert_eq!(
        pages(
            client
                .scheduler()
                .images()
                .list_repositories()
                .into_raw_pages()
        )
        .await,
        2
    );
    assert_eq!(
        pages(
            client
                .workflow()
                .event_handlers()
                .list_event_handlers()
                .into_raw_pages()
        )
        .await,
        2
    );
    for seen in fake.seen() {
        assert_eq!(seen.authorization.as_deref(), Some("Bearer shared-token"));
    }
}

#[tokio::test]
async fn drive_streams_a_50_mb_upload_and_download() {
    let fake = start().await;
    let drive = fake.client.drive();
    let upload = lusid::drive::UploadBody::from_stream(pattern_stream(FILE_SIZE), FILE_SIZE);
    drive
        .files()
        .update_file_contents("f1", upload)
        .send()
        .await
        .expect("UpdateFileContents");
    let seen = fake.last();
    assert_request(&seen, "PUT", "/drive/api/files/f1/contents");
    assert_eq!(seen.content_length, Some(FILE_SIZE.to_string()));
    assert_eq!(seen.body_len, FILE_SIZE);
    assert_eq!(
        seen.body_hash,
        expected_hash(FILE_SIZE),
        "arrived whole, in order"
    );

    let mut download = drive
        .files()
        .download_file("f1")
        .send()
        .await
        .expect("DownloadFile");
    assert_eq!(download.content_length(), Some(FILE_SIZE));
    // Copied as a tokio AsyncRead into a sink that hashes what it is given.
    let mut sink = HashingSink::default();
    let copied = tokio::io::copy(&mut download, &mut sink)
        .await
        .expect("copy");
    assert_eq!(copied, FILE_SIZE);
    assert_eq!(sink.hash, expected_hash(FILE_SIZE));
}

#[tokio::test]
async fn an_upload_shorter_than_its_length_fails() {
    let fake = start().await;
    let short = lusid::drive::UploadBody::from_stream(pattern_stream(10), 20);
    let error = fake
        .client
        .drive()
        .files()
        .update_file_contents("f1", short)
        .send()
        .await
        .expect_err("short body");
    assert!(matches!(error, lusid::Error::Http(_)), "{error}");
}

/// A tokio writer that hashes and counts what it is given.
struct HashingSink {
    hash: u64,
}

impl Default for HashingSink {
    fn default() -> Self {
        Self { hash: FNV_START }
    }
}

impl tokio::io::AsyncWrite for HashingSink {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.hash = fnv(self.hash, buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}
