//! `lusid drive` against a fake Drive (axum, in memory, on a loopback
//! port; base path `/drive`, as the derived URL has it), which pages its
//! folder listings two items at a time so listings follow `nextPage`.

mod common;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use common::fake::{self, Fake, authorised};
use common::text;
use serde_json::{Value, json};

/// One stored item.
#[derive(Clone)]
struct Item {
    id: String,
    parent: String,
    name: String,
    folder: bool,
    contents: Bytes,
}

#[derive(Clone, Default)]
struct Store(Arc<Mutex<Vec<Item>>>);

const ROOT: &str = "root";
const PAGE: usize = 2;

impl Store {
    fn json(item: &Item) -> Value {
        json!({"id": item.id, "path": "/", "name": item.name,
            "createdBy": "u", "createdOn": "2026-01-01T00:00:00.0000000+00:00",
            "updatedBy": "u", "updatedOn": "2026-01-01T00:00:00.0000000+00:00",
            "type": if item.folder { "Folder" } else { "File" },
            "size": if item.folder { Value::Null } else { json!(item.contents.len()) }})
    }

    fn page(&self, parent: &str, page: Option<&String>) -> Value {
        let items = self.0.lock().unwrap();
        let children: Vec<&Item> = items.iter().filter(|i| i.parent == parent).collect();
        let start: usize = page.and_then(|p| p.parse().ok()).unwrap_or(0);
        let values: Vec<Value> = children
            .iter()
            .skip(start)
            .take(PAGE)
            .map(|i| Self::json(i))
            .collect();
        let next = (start + PAGE < children.len()).then(|| (start + PAGE).to_string());
        json!({"values": values, "nextPage": next})
    }

    /// The id of the folder at `path` (`/a/b`).
    fn folder_id(&self, path: &str) -> Option<String> {
        let items = self.0.lock().unwrap();
        let mut id = ROOT.to_owned();
        for name in path.split('/').filter(|n| !n.is_empty()) {
            id = items
                .iter()
                .find(|i| i.parent == id && i.name == name && i.folder)?
                .id
                .clone();
        }
        Some(id)
    }

    fn add(&self, parent: String, name: &str, folder: bool, contents: Bytes) -> Item {
        let mut items = self.0.lock().unwrap();
        let item = Item {
            id: format!("id-{}", items.len() + 1),
            parent,
            name: name.to_owned(),
            folder,
            contents,
        };
        items.push(item.clone());
        item
    }
}

/// A JSON response.
struct Json(Value);

impl IntoResponse for Json {
    fn into_response(self) -> Response {
        ([("content-type", "application/json")], self.0.to_string()).into_response()
    }
}

/// The `page` query parameter (the fake's tokens need no decoding).
fn page_of(query: &Option<String>) -> Option<String> {
    query
        .as_deref()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("page=").map(str::to_owned))
}

fn unauthorised() -> Response {
    (StatusCode::UNAUTHORIZED, "no token").into_response()
}

async fn root(State(store): State<Store>, headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    if !authorised(&headers) {
        return unauthorised();
    }
    Json(store.page(ROOT, page_of(&q).as_ref())).into_response()
}

async fn contents(
    State(store): State<Store>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    if !authorised(&headers) {
        return unauthorised();
    }
    Json(store.page(&id, page_of(&q).as_ref())).into_response()
}

async fn create_folder(State(store): State<Store>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorised(&headers) {
        return unauthorised();
    }
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "JSON").into_response();
    };
    let (Some(path), Some(name)) = (body["path"].as_str(), body["name"].as_str()) else {
        return (StatusCode::BAD_REQUEST, "path and name").into_response();
    };
    let Some(parent) = store.folder_id(path) else {
        return (StatusCode::NOT_FOUND, "no parent").into_response();
    };
    let item = store.add(parent, name, true, Bytes::new());
    (StatusCode::CREATED, Json(Store::json(&item))).into_response()
}

async fn create_file(State(store): State<Store>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorised(&headers) {
        return unauthorised();
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/octet-stream")
    {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, "octet-stream").into_response();
    }
    let length: Option<usize> = header("content-length").and_then(|v| v.parse().ok());
    if length != Some(body.len()) {
        return (StatusCode::LENGTH_REQUIRED, "content-length").into_response();
    }
    let (Some(name), Some(path)) = (
        header("x-lusid-drive-filename"),
        header("x-lusid-drive-path"),
    ) else {
        return (StatusCode::BAD_REQUEST, "headers").into_response();
    };
    let Some(parent) = store.folder_id(&path) else {
        return (StatusCode::NOT_FOUND, "no folder").into_response();
    };
    let item = store.add(parent, &name, false, body);
    (StatusCode::CREATED, Json(Store::json(&item))).into_response()
}

async fn download(
    State(store): State<Store>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !authorised(&headers) {
        return unauthorised();
    }
    let items = store.0.lock().unwrap();
    match items.iter().find(|i| i.id == id && !i.folder) {
        Some(item) if item.name == "broken.bin" => (
            StatusCode::BAD_REQUEST,
            Json(json!({"title": "the file is being scanned", "status": 400})),
        )
            .into_response(),
        Some(item) => (
            [("content-type", "application/octet-stream")],
            item.contents.clone(),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"title": "no such file", "status": 404})),
        )
            .into_response(),
    }
}

async fn remove(
    State(store): State<Store>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !authorised(&headers) {
        return unauthorised();
    }
    store.0.lock().unwrap().retain(|i| i.id != id);
    StatusCode::NO_CONTENT.into_response()
}

fn drive() -> (Fake, Store) {
    let store = Store::default();
    let router = Router::new()
        .route("/drive/api/folders", get(root).post(create_folder))
        .route("/drive/api/folders/{id}/contents", get(contents))
        .route("/drive/api/folders/{id}", delete(remove))
        .route("/drive/api/files", post(create_file))
        .route("/drive/api/files/{id}/contents", get(download))
        .route("/drive/api/files/{id}", delete(remove))
        .layer(DefaultBodyLimit::max(128 << 20))
        .with_state(store.clone());
    (fake::start(router), store)
}

fn run(fake: &Fake, args: &[&str]) -> std::process::Output {
    fake.command(args).output().unwrap()
}

#[test]
fn upload_creates_folders_ls_pages_and_download_round_trips() {
    let (fake, store) = drive();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("q4.csv");
    std::fs::write(&local, "a,b\n1,2\n").unwrap();
    for name in ["one.csv", "two.csv", "q4.csv"] {
        let out = run(
            &fake,
            &[
                "drive",
                "upload",
                local.to_str().unwrap(),
                &format!("/reports/2026/{name}"),
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).trim().starts_with("id-"));
    }
    // Two folders made once, three files.
    assert_eq!(store.0.lock().unwrap().len(), 5);

    // Three items: two pages of the fake's listing.
    let out = run(&fake, &["drive", "ls", "/reports/2026"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    let names: Vec<&str> = listing
        .lines()
        .map(|l| l.rsplit('\t').next().unwrap())
        .collect();
    assert_eq!(names, ["one.csv", "two.csv", "q4.csv"]);
    assert!(listing.starts_with("file\t8\t2026-01-01T00:00:00.0000000+00:00\tone.csv\n"));
    let out = run(&fake, &["drive", "ls"]);
    assert_eq!(
        text(&out.stdout),
        "folder\t-\t2026-01-01T00:00:00.0000000+00:00\treports/\n"
    );

    let back = dir.path().join("back.csv");
    let out = run(
        &fake,
        &[
            "drive",
            "download",
            "/reports/2026/q4.csv",
            back.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&back).unwrap(), b"a,b\n1,2\n");

    // An existing file is kept without --force, replaced with it.
    std::fs::write(&back, "mine").unwrap();
    let out = run(
        &fake,
        &[
            "drive",
            "download",
            "/reports/2026/q4.csv",
            back.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--force"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read(&back).unwrap(), b"mine");
    let out = run(
        &fake,
        &[
            "drive",
            "download",
            "/reports/2026/q4.csv",
            back.to_str().unwrap(),
            "--force",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&back).unwrap(), b"a,b\n1,2\n");

    // rm, then the path names nothing.
    let out = run(&fake, &["drive", "rm", "/reports/2026/q4.csv"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(
        &fake,
        &[
            "drive",
            "download",
            "/reports/2026/q4.csv",
            back.to_str().unwrap(),
            "--force",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no file or folder /reports/2026/q4.csv in Drive"));
    assert_eq!(std::fs::read(&back).unwrap(), b"a,b\n1,2\n");
}

#[test]
fn a_failed_download_leaves_the_existing_file_and_no_temporary() {
    let (fake, store) = drive();
    let dir = tempfile::tempdir().unwrap();
    // A file the fake refuses to serve (400 with problem details).
    store.add(
        ROOT.to_owned(),
        "broken.bin",
        false,
        Bytes::from_static(b"x"),
    );
    let target = dir.path().join("local.bin");
    std::fs::write(&target, "keep").unwrap();
    let out = run(
        &fake,
        &[
            "drive",
            "download",
            "/broken.bin",
            target.to_str().unwrap(),
            "--force",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("DownloadFile") && stderr.contains("400"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary file is left");
}

#[test]
fn upload_refuses_a_directory_or_a_missing_file() {
    let (fake, _store) = drive();
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &fake,
        &["drive", "upload", dir.path().to_str().unwrap(), "/x"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("it is a directory, not a file"),
        "{}",
        text(&out.stderr)
    );
    let missing = dir.path().join("missing.csv");
    let out = run(&fake, &["drive", "upload", missing.to_str().unwrap(), "/x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("missing.csv"),
        "{}",
        text(&out.stderr)
    );
}

/// Peak resident set of `lusid ARGS` in KiB, from /usr/bin/time.
fn peak_kib(fake: &Fake, args: &[&str], dir: &std::path::Path) -> u64 {
    let report = dir.join("time.txt");
    let mut all = vec![
        "-f",
        "%M",
        "-o",
        report.to_str().unwrap(),
        env!("CARGO_BIN_EXE_lusid"),
    ];
    all.extend_from_slice(args);
    // `fake.command` runs `lusid`; run /usr/bin/time with its environment.
    let plain = fake.command(&[]);
    let mut timed = std::process::Command::new("/usr/bin/time");
    timed.args(&all);
    for (name, value) in plain.get_envs() {
        match value {
            Some(value) => timed.env(name, value),
            None => timed.env_remove(name),
        };
    }
    let status = timed.output().unwrap();
    assert!(status.status.success(), "{}", text(&status.stderr));
    std::fs::read_to_string(&report)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_50_mb_file_round_trips_byte_identical_in_bounded_memory() {
    if !std::path::Path::new("/usr/bin/time").exists() {
        eprintln!("skipped: no /usr/bin/time to measure the peak RSS");
        return;
    }
    let (fake, _store) = drive();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("big.bin");
    let mut data = vec![0_u8; 50 << 20];
    let mut x = 0x2545_f491_u32;
    for byte in &mut data {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *byte = x as u8;
    }
    std::fs::write(&local, &data).unwrap();
    let up = peak_kib(
        &fake,
        &["drive", "upload", local.to_str().unwrap(), "/big/big.bin"],
        dir.path(),
    );
    let back = dir.path().join("back.bin");
    let down = peak_kib(
        &fake,
        &["drive", "download", "/big/big.bin", back.to_str().unwrap()],
        dir.path(),
    );
    assert!(std::fs::read(&back).unwrap() == data, "byte-identical");
    eprintln!("peak RSS: upload {up} KiB, download {down} KiB");
    assert!(up < 25 * 1024, "upload peak {up} KiB");
    assert!(down < 25 * 1024, "download peak {down} KiB");
}
