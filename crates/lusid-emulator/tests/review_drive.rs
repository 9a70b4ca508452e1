//! A reviewer's attacks on Drive and on the other services' 501s, each
//! kept as a test: operations answering 405 or 404 where the docs promise
//! 501, an upload racing the deletion of its folder, paging while items
//! are deleted or added, a non-ASCII file name header, and uploads cut off
//! before their `Content-Length`.

mod common;

use std::path::Path;
use std::time::Duration;

use common::drive::{Drive, names, text};
use common::{Resp, access_token, send};
use lusid_emulator::{Emulator, RunningEmulator};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What these attacks need beyond the shared Drive client.
impl Drive<'_> {
    /// Starts a CreateFile on a raw connection declaring `declared` bytes
    /// and sending only `first`: the upload is in flight until more is
    /// written.
    async fn start_upload(
        &self,
        path: &str,
        name: &str,
        declared: usize,
        first: &[u8],
    ) -> TcpStream {
        let mut stream = TcpStream::connect(self.emu.addr()).await.unwrap();
        let head = format!(
            "POST /drive/api/files HTTP/1.1\r\nhost: {}\r\nauthorization: {}\r\n\
             content-type: application/octet-stream\r\nx-lusid-drive-filename: {name}\r\n\
             x-lusid-drive-path: {path}\r\ncontent-length: {declared}\r\nconnection: close\r\n\r\n",
            self.emu.addr(),
            self.auth
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(first).await.unwrap();
        stream.flush().await.unwrap();
        // Let the emulator take the headers and start streaming the body.
        tokio::time::sleep(Duration::from_millis(300)).await;
        stream
    }

    async fn search(&self, name: &str) -> Vec<String> {
        let resp = self
            .call("POST", "/api/search", Some(json!({"name": name})))
            .await;
        assert_eq!(resp.status, 200, "{}", text(&resp));
        names(&resp.json())
    }
}

/// Writes `rest` on an upload's connection and reads the whole response:
/// its status line and body.
async fn finish_upload(mut stream: TcpStream, rest: &[u8]) -> (u16, String) {
    stream.write_all(rest).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the emulator answers the upload")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {answer}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, body)| body.to_owned());
    (status, body)
}

/// The file names under `dir/objects`.
fn objects(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("objects"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

async fn emulator() -> RunningEmulator {
    Emulator::builder().equities(0).start().await.unwrap()
}

/// Asserts a 501 naming `service` and `operation`.
fn assert_not_implemented(resp: &Resp, service: &str, operation: &str, what: &str) {
    assert_eq!(resp.status, 501, "{what}: {}", text(resp));
    let body = resp.json();
    assert_eq!(body["name"], "NotImplemented", "{what}: {body}");
    assert_eq!(
        body["errorDetails"][0]["operationId"], operation,
        "{what}: {body}"
    );
    assert_eq!(
        body["errorDetails"][0]["service"], service,
        "{what}: {body}"
    );
    let title = body["title"].as_str().unwrap_or_default();
    assert!(
        title.contains(service) && title.contains(operation),
        "{what}: {body}"
    );
}

#[tokio::test]
async fn move_folder_answers_501_not_405() {
    // docs/emulator.md: "no `MoveFolder` ... (501)"; it answered 405,
    // because MoveFolder was listed among the implemented operations.
    let emu = emulator().await;
    let drive = Drive::new(&emu).await;
    let id = drive.mkdir("/", "reports").await;
    let resp = drive
        .call(
            "POST",
            &format!("/api/folders/{id}?overwrite=false"),
            Some(json!({"path": "/", "name": "moved"})),
        )
        .await;
    assert_not_implemented(&resp, "Drive", "MoveFolder", "POST /api/folders/{id}");
}

/// Every operation of a service's specification: `(method, served path
/// with its parameters filled in, operationId)`.
fn operations_of(spec_file: &str, base: &str) -> Vec<(String, String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../spec")
        .join(spec_file);
    let spec: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let mut operations = Vec::new();
    for (template, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            let filled: Vec<String> = template
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        "x1".to_owned()
                    } else {
                        segment.to_owned()
                    }
                })
                .collect();
            operations.push((
                method.to_ascii_uppercase(),
                format!("{base}{}", filled.join("/")),
                id.to_owned(),
            ));
        }
    }
    operations
}

#[tokio::test]
async fn every_other_service_operation_is_401_without_a_token_and_501_with_one() {
    // Luminesce's FakeNodeReclaim (`GET /fakeNodeReclaim`, outside
    // `/api/`) answered 404 where docs/emulator.md promises 501 for every
    // operation of the specifications.
    let emu = emulator().await;
    let auth = format!("Bearer {}", access_token(&emu).await);
    let base = emu.base_url();
    let services = [
        ("finbourne_access.json", "Access", "/access"),
        ("finbourne_horizon.json", "Horizon", "/horizon"),
        ("finbourne_identity.json", "Identity", "/identity"),
        ("finbourne_insights.json", "Insights", "/insights"),
        ("luminesce.json", "Luminesce", "/honeycomb"),
        (
            "lusid_configuration.json",
            "Configuration",
            "/configuration",
        ),
        ("lusid_notifications.json", "Notifications", "/notification"),
        ("lusid_scheduler.json", "Scheduler", "/scheduler2"),
        ("lusid_workflow.json", "Workflow", "/workflow"),
        ("lusid_drive.json", "Drive", "/drive"),
    ];
    let drive_unimplemented = [
        "MoveFolder",
        "ListApiEndpoints",
        "ListAccessControlledResources",
    ];
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (file, service, prefix) in services {
        for (method, path, id) in operations_of(file, prefix) {
            if service == "Drive" && !drive_unimplemented.contains(&id.as_str()) {
                continue;
            }
            let url = format!("{base}{path}");
            let anonymous = send(&method, &url, &[], Vec::new()).await;
            let signed_in = send(
                &method,
                &url,
                &[("authorization", auth.as_str())],
                Vec::new(),
            )
            .await;
            checked += 1;
            let named = method == "HEAD"
                || (signed_in.status == 501
                    && signed_in.body.starts_with(b"{")
                    && signed_in.json()["errorDetails"][0]["operationId"] == id.as_str()
                    && signed_in.json()["errorDetails"][0]["service"] == service);
            if anonymous.status != 401 || signed_in.status != 501 || !named {
                wrong.push(format!(
                    "{service} {id} ({method} {path}): {} without a token, {} with one: {}",
                    anonymous.status,
                    signed_in.status,
                    text(&signed_in)
                ));
            }
        }
    }
    assert!(checked > 300, "only {checked} operations found");
    assert!(
        wrong.is_empty(),
        "{} of {checked}:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[tokio::test]
async fn paths_under_a_service_that_are_no_operation_are_404() {
    let emu = emulator().await;
    let auth = format!("Bearer {}", access_token(&emu).await);
    let base = emu.base_url();
    for path in [
        "/drive/api/nope",
        "/drive/nope",
        "/drive/api/files/x1/contents/more",
        "/honeycomb/api/Sql/csv/extra/segments",
        "/honeycomb/fakeNodeReclaim/x",
        "/scheduler2/api",
    ] {
        let resp = send(
            "GET",
            &format!("{base}{path}"),
            &[("authorization", auth.as_str())],
            Vec::new(),
        )
        .await;
        assert_eq!(resp.status, 404, "{path}: {}", text(&resp));
    }
    // Not under any service's base path.
    let resp = send(
        "GET",
        &format!("{base}/drivex/api/files"),
        &[("authorization", auth.as_str())],
        Vec::new(),
    )
    .await;
    assert_eq!(resp.status, 404, "{}", text(&resp));
}

#[tokio::test]
async fn an_upload_whose_folder_is_deleted_meanwhile_is_refused_and_leaves_nothing() {
    // The upload checked its folder before streaming and not after: it
    // answered 201 with a file whose folder no longer existed (listed
    // nowhere, `path` "/", kept in drive.json for ever).
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .equities(0)
        .drive_dir(dir.path())
        .start()
        .await
        .unwrap();
    let drive = Drive::new(&emu).await;
    let folder = drive.mkdir("/", "doomed").await;
    let upload = drive
        .start_upload("/doomed", "orphan.txt", 10, b"hello")
        .await;
    let deleted = drive
        .call("DELETE", &format!("/api/folders/{folder}"), None)
        .await;
    assert_eq!(deleted.status, 204, "{}", text(&deleted));
    let (status, body) = finish_upload(upload, b"world").await;
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains("FolderNotFound") && body.contains("/doomed"),
        "{body}"
    );
    assert!(drive.search("orphan").await.is_empty());
    assert_eq!(objects(dir.path()), Vec::<String>::new());
    let index = std::fs::read_to_string(dir.path().join("drive.json")).unwrap();
    assert!(!index.contains("orphan"), "{index}");
}

#[tokio::test]
async fn an_upload_cut_off_before_its_length_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .equities(0)
        .drive_dir(dir.path())
        .start()
        .await
        .unwrap();
    let drive = Drive::new(&emu).await;
    let mut upload = drive.start_upload("/", "short.txt", 10, b"hello").await;
    upload.shutdown().await.unwrap();
    drop(upload);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(drive.search("short").await.is_empty());
    assert_eq!(objects(dir.path()), Vec::<String>::new());
    // The name is free for a complete upload.
    let resp = drive.upload("/", "short.txt", b"0123456789").await;
    assert_eq!(resp.status, 201, "{}", text(&resp));
}

/// Lists the root `limit` at a time from `page`: the names and the next
/// token.
async fn root_page(
    drive: &Drive<'_>,
    query: &str,
    page: Option<&str>,
) -> (Vec<String>, Option<String>) {
    let page = page.map_or(String::new(), |token| format!("&page={token}"));
    let resp = drive
        .call("GET", &format!("/api/folders?{query}{page}"), None)
        .await;
    assert_eq!(resp.status, 200, "{}", text(&resp));
    let body = resp.json();
    (names(&body), body["nextPage"].as_str().map(str::to_owned))
}

async fn id_of(drive: &Drive<'_>, name: &str) -> String {
    let resp = drive
        .call("POST", "/api/search", Some(json!({"name": name})))
        .await;
    let body = resp.json();
    let item = body["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["name"] == name)
        .unwrap_or_else(|| panic!("{name} not found: {body}"));
    item["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn deleting_or_adding_items_between_pages_neither_skips_nor_repeats() {
    // Page tokens held an offset: deleting the items of page 1 before
    // asking for page 2 skipped a whole page (the usual "list a page,
    // delete it, go on" clean-up missed half the files), and adding one
    // before the cursor repeated an item.
    let emu = emulator().await;
    let drive = Drive::new(&emu).await;
    for name in ["a", "b", "c", "d", "e", "f", "g"] {
        let resp = drive.upload("/", name, b"x").await;
        assert_eq!(resp.status, 201, "{}", text(&resp));
    }
    let (first, next) = root_page(&drive, "limit=2", None).await;
    assert_eq!(first, ["a", "b"]);
    for name in &first {
        let id = id_of(&drive, name).await;
        let resp = drive
            .call("DELETE", &format!("/api/files/{id}"), None)
            .await;
        assert_eq!(resp.status, 204, "{}", text(&resp));
    }
    let (second, next) = root_page(&drive, "limit=2", next.as_deref()).await;
    assert_eq!(second, ["c", "d"], "page 2 after deleting page 1");
    // An item added before the cursor is not repeated on the next page.
    assert_eq!(drive.upload("/", "0", b"x").await.status, 201);
    let (third, next) = root_page(&drive, "limit=2", next.as_deref()).await;
    assert_eq!(
        third,
        ["e", "f"],
        "page 3 after adding an item before the cursor"
    );
    let (last, next) = root_page(&drive, "limit=2", next.as_deref()).await;
    assert_eq!((last, next), (vec!["g".to_owned()], None));

    // Descending, with the item the token names deleted meanwhile.
    let (first, next) = root_page(&drive, "limit=2&sortBy=-Name", None).await;
    assert_eq!(first, ["g", "f"]);
    let id = id_of(&drive, "f").await;
    assert_eq!(
        drive
            .call("DELETE", &format!("/api/files/{id}"), None)
            .await
            .status,
        204
    );
    let (second, _) = root_page(&drive, "limit=2&sortBy=-Name", next.as_deref()).await;
    assert_eq!(second, ["e", "d"]);
    // A token of another query is still refused.
    let resp = drive
        .call(
            "GET",
            &format!("/api/folders?limit=2&sortBy=Name&page={}", next.unwrap()),
            None,
        )
        .await;
    assert_eq!(resp.status, 400, "{}", text(&resp));
    assert_eq!(resp.json()["name"], "InvalidPageToken");
}

#[tokio::test]
async fn a_non_ascii_file_name_header_is_called_invalid_not_missing() {
    // A file name header holding UTF-8 ("é") was answered "The
    // x-lusid-drive-filename header is required." although it was sent.
    let emu = emulator().await;
    let drive = Drive::new(&emu).await;
    let resp = drive.upload("/", "résumé.txt", b"x").await;
    assert_eq!(resp.status, 400, "{}", text(&resp));
    let body = text(&resp);
    assert!(body.contains("x-lusid-drive-filename"), "{body}");
    assert!(!body.contains("is required"), "{body}");
    assert!(body.contains("ASCII"), "{body}");
    // Missing is still called missing.
    let url = format!("{}/api/files", emu.drive_url());
    let resp = send(
        "POST",
        &url,
        &[
            ("authorization", drive.auth.as_str()),
            ("x-lusid-drive-path", "/"),
        ],
        b"x".to_vec(),
    )
    .await;
    assert_eq!(resp.status, 400);
    assert!(
        text(&resp).contains("The x-lusid-drive-filename header is required."),
        "{}",
        text(&resp)
    );
}

/// The id in a 201 `StorageObject`.
fn id_in(resp: &Resp) -> String {
    assert_eq!(resp.status, 201, "{}", text(resp));
    resp.json()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_download_of_contents_changed_behind_drives_back_is_a_storage_error() {
    // The download announced the recorded size (5) and sent the 2 bytes
    // stored: the client saw a connection cut mid-body, not a problem.
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .equities(0)
        .drive_dir(dir.path())
        .start()
        .await
        .unwrap();
    let drive = Drive::new(&emu).await;
    let id = id_in(&drive.upload("/", "five.txt", b"hello").await);
    std::fs::write(dir.path().join("objects").join(&id), b"he").unwrap();
    let resp = drive
        .call("GET", &format!("/api/files/{id}/contents"), None)
        .await;
    assert_eq!(resp.status, 500, "{}", text(&resp));
    let detail = resp.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        detail.contains(&id) && detail.contains("2 bytes") && detail.contains("size is 5"),
        "{detail}"
    );
}

/// Replaces file `id`'s contents (at Drive's URL `drive_url`) with `body`.
async fn put_contents(drive_url: String, auth: String, id: String, body: Vec<u8>) -> Resp {
    let url = format!("{drive_url}/api/files/{id}/contents");
    send(
        "PUT",
        &url,
        &[
            ("authorization", auth.as_str()),
            ("content-type", "application/octet-stream"),
        ],
        body,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_content_updates_leave_the_size_and_the_contents_agreeing() {
    // Contents were renamed into place before the size was recorded, each
    // step on its own: two updates could interleave and leave one's size
    // with the other's bytes.
    for dir in [None, Some(tempfile::tempdir().unwrap())] {
        let mut builder = Emulator::builder().equities(0);
        if let Some(dir) = &dir {
            builder = builder.drive_dir(dir.path());
        }
        let emu = builder.start().await.unwrap();
        let drive = Drive::new(&emu).await;
        let id = id_in(&drive.upload("/", "busy.bin", b"x").await);
        let mut updates = tokio::task::JoinSet::new();
        for n in 1..=24usize {
            updates.spawn(put_contents(
                emu.drive_url(),
                drive.auth.clone(),
                id.clone(),
                vec![b'a' + (n % 26) as u8; n * 997],
            ));
        }
        while let Some(resp) = updates.join_next().await {
            let resp = resp.unwrap();
            assert_eq!(resp.status, 200, "{}", text(&resp));
        }
        let meta = drive.call("GET", &format!("/api/files/{id}"), None).await;
        let size = meta.json()["size"].as_u64().unwrap();
        let body = drive
            .call("GET", &format!("/api/files/{id}/contents"), None)
            .await;
        assert_eq!(body.status, 200, "{}", text(&body));
        assert_eq!(
            body.body.len() as u64,
            size,
            "in a directory: {}",
            dir.is_some()
        );
        let n = usize::try_from(size).unwrap() / 997;
        assert!(body.body.iter().all(|b| *b == b'a' + (n % 26) as u8));
    }
}

#[tokio::test]
#[ignore = "two emulators on one --drive-dir each keep their own tree and overwrite the other's drive.json; refusing the second needs an OS file lock (std's File::try_lock is Rust 1.89, above the 1.85 MSRV) or a lock crate"]
async fn two_emulators_on_one_drive_dir_do_not_lose_each_others_changes() {
    let dir = tempfile::tempdir().unwrap();
    let start = || {
        Emulator::builder()
            .equities(0)
            .drive_dir(dir.path())
            .start()
    };
    let first = start().await.unwrap();
    let Ok(second) = start().await else {
        // Refusing the second is a fine answer.
        return;
    };
    Drive::new(&first).await.mkdir("/", "from-first").await;
    Drive::new(&second).await.mkdir("/", "from-second").await;
    first.shutdown().await.unwrap();
    second.shutdown().await.unwrap();
    let again = start().await.unwrap();
    let drive = Drive::new(&again).await;
    let (names, _) = root_page(&drive, "limit=10", None).await;
    assert_eq!(names, ["from-first", "from-second"]);
}

#[tokio::test]
async fn a_restart_removes_the_part_files_an_interrupted_emulator_left() {
    // An emulator killed mid-upload (or mid-save) left its `.part` files
    // in the Drive directory for ever: a 50 MiB upload cut by kill -9
    // kept 50 MiB.
    let dir = tempfile::tempdir().unwrap();
    let start = || {
        Emulator::builder()
            .equities(0)
            .drive_dir(dir.path())
            .start()
    };
    let emu = start().await.unwrap();
    let drive = Drive::new(&emu).await;
    let id = id_in(&drive.upload("/", "kept.txt", b"kept").await);
    emu.shutdown().await.unwrap();
    let objects_dir = dir.path().join("objects");
    std::fs::write(
        objects_dir.join("upload-00000000deadbeef.part"),
        b"half an upload",
    )
    .unwrap();
    std::fs::write(dir.path().join("drive.json.part"), b"{\"items\": {").unwrap();

    let emu = start().await.unwrap();
    assert_eq!(objects(dir.path()), std::slice::from_ref(&id));
    assert!(!dir.path().join("drive.json.part").exists());
    let drive = Drive::new(&emu).await;
    let resp = drive
        .call("GET", &format!("/api/files/{id}/contents"), None)
        .await;
    assert_eq!((resp.status, &resp.body[..]), (200, &b"kept"[..]));
}

#[tokio::test]
async fn a_change_that_cannot_be_saved_is_answered_500_and_not_made() {
    // With drive.json unwritable, CreateFolder answered 500 yet the folder
    // was there on the next listing (and gone after a restart).
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .equities(0)
        .drive_dir(dir.path())
        .start()
        .await
        .unwrap();
    let drive = Drive::new(&emu).await;
    let folder = drive.mkdir("/", "kept").await;
    let file = id_in(&drive.upload("/kept", "a.txt", b"old").await);
    // drive.json becomes a directory: renaming the new index onto it fails.
    std::fs::remove_file(dir.path().join("drive.json")).unwrap();
    std::fs::create_dir_all(dir.path().join("drive.json").join("blocker")).unwrap();

    let attempts = [
        drive
            .call(
                "POST",
                "/api/folders",
                Some(json!({"path": "/", "name": "new"})),
            )
            .await,
        drive.upload("/kept", "b.txt", b"new").await,
        drive
            .call(
                "PUT",
                &format!("/api/folders/{folder}"),
                Some(json!({"path": "/", "name": "renamed"})),
            )
            .await,
        put_contents(
            emu.drive_url(),
            drive.auth.clone(),
            file.clone(),
            b"newer".to_vec(),
        )
        .await,
        drive
            .call("DELETE", &format!("/api/files/{file}"), None)
            .await,
        drive
            .call("DELETE", &format!("/api/folders/{folder}"), None)
            .await,
    ];
    for resp in &attempts {
        assert_eq!(resp.status, 500, "{}", text(resp));
        assert!(text(resp).contains("drive.json"), "{}", text(resp));
    }
    let (root, _) = root_page(&drive, "limit=10", None).await;
    assert_eq!(root, ["kept"]);
    let inside = drive
        .call("GET", &format!("/api/folders/{folder}/contents"), None)
        .await;
    assert_eq!(names(&inside.json()), ["a.txt"]);
    let meta = drive.call("GET", &format!("/api/files/{file}"), None).await;
    assert_eq!(meta.json()["size"], 3);
    let contents = drive
        .call("GET", &format!("/api/files/{file}/contents"), None)
        .await;
    assert_eq!((contents.status, &contents.body[..]), (200, &b"old"[..]));
    assert_eq!(objects(dir.path()), std::slice::from_ref(&file));
}

#[tokio::test]
async fn a_running_emulators_debug_shows_no_token_and_no_file_contents() {
    let emu = emulator().await;
    let token = access_token(&emu).await;
    let drive = Drive::new(&emu).await;
    id_in(
        &drive
            .upload("/", "secret.txt", b"TOP-SECRET-CONTENTS")
            .await,
    );
    let debug = format!("{emu:?}");
    assert!(
        !debug.contains(&token),
        "a bearer token in Debug: {}",
        &debug[..debug.len().min(2000)]
    );
    assert!(
        !debug.contains("TOP-SECRET-CONTENTS") && !debug.contains("84, 79, 80"),
        "file contents in Debug"
    );
    assert!(
        !debug.contains(&emu.credentials().password),
        "the password in Debug"
    );
    assert!(
        !debug.contains(&emu.credentials().client_secret),
        "the client secret in Debug"
    );
}

/// A drive.json item.
fn index_item(id: &str, parent: Option<&str>, name: &str, folder: bool) -> Value {
    json!({
        "id": id, "parent": parent, "name": name, "folder": folder,
        "size": if folder { Value::Null } else { json!(1) },
        "createdBy": "u", "createdOn": "2026-01-01T00:00:00.0000000+00:00",
        "updatedBy": "u", "updatedOn": "2026-01-01T00:00:00.0000000+00:00",
    })
}

#[tokio::test]
async fn a_drive_json_that_parses_but_does_not_hold_together_is_a_start_up_error() {
    // Only JSON syntax was checked: folders inside each other made every
    // listing loop for ever (with the tree locked, so every Drive request
    // hung), and a missing folder made files vanish.
    let cases = [
        (
            "inside itself",
            vec![
                ("a", index_item("a", Some("b"), "a", true)),
                ("b", index_item("b", Some("a"), "b", true)),
            ],
        ),
        (
            "is not a folder",
            vec![("f", index_item("f", Some("gone"), "f.txt", false))],
        ),
        (
            "named",
            vec![
                ("x", index_item("x", None, "same", true)),
                ("y", index_item("y", None, "same", false)),
            ],
        ),
        (
            "has the id",
            vec![("k", index_item("other", None, "n", true))],
        ),
        (
            "invalid name",
            vec![("k", index_item("k", None, "..", true))],
        ),
        (
            "not a plain file name",
            vec![(
                "../../etc/passwd",
                index_item("../../etc/passwd", None, "p", false),
            )],
        ),
    ];
    for (why, items) in cases {
        let dir = tempfile::tempdir().unwrap();
        let items: serde_json::Map<String, Value> = items
            .into_iter()
            .map(|(key, item)| (key.to_owned(), item))
            .collect();
        std::fs::write(
            dir.path().join("drive.json"),
            json!({"items": items}).to_string(),
        )
        .unwrap();
        let started = tokio::time::timeout(
            Duration::from_secs(10),
            Emulator::builder()
                .equities(0)
                .drive_dir(dir.path())
                .start(),
        )
        .await
        .expect("start-up ends");
        let error = match started {
            Ok(_) => panic!("{why}: a damaged drive.json was accepted"),
            Err(error) => error.to_string(),
        };
        assert!(
            error.contains("drive.json") && error.contains(why),
            "{why}: {error}"
        );
    }
}

/// CreateFile of `name` in the root (at Drive's URL `drive_url`).
async fn create_file(drive_url: String, auth: String, name: String, body: Vec<u8>) -> Resp {
    send(
        "POST",
        &format!("{drive_url}/api/files"),
        &[
            ("authorization", auth.as_str()),
            ("content-type", "application/octet-stream"),
            ("x-lusid-drive-filename", name.as_str()),
            ("x-lusid-drive-path", "/"),
        ],
        body,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_uploads_of_one_name_make_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::builder()
        .equities(0)
        .drive_dir(dir.path())
        .start()
        .await
        .unwrap();
    let drive = Drive::new(&emu).await;
    let mut uploads = tokio::task::JoinSet::new();
    for n in 0..16usize {
        uploads.spawn(create_file(
            emu.drive_url(),
            drive.auth.clone(),
            "same.bin".to_owned(),
            vec![n as u8; 50_000 + n],
        ));
    }
    let mut statuses = Vec::new();
    while let Some(resp) = uploads.join_next().await {
        statuses.push(resp.unwrap().status);
    }
    statuses.sort_unstable();
    assert_eq!(statuses[0], 201, "{statuses:?}");
    assert!(statuses[1..].iter().all(|s| *s == 409), "{statuses:?}");
    assert_eq!(drive.search("same.bin").await, ["same.bin"]);
    let id = id_of(&drive, "same.bin").await;
    assert_eq!(objects(dir.path()), std::slice::from_ref(&id));
    let meta = drive.call("GET", &format!("/api/files/{id}"), None).await;
    let size = meta.json()["size"].as_u64().unwrap();
    let body = drive
        .call("GET", &format!("/api/files/{id}/contents"), None)
        .await;
    assert_eq!(body.body.len() as u64, size);
    assert!(body.body.iter().all(|b| u64::from(*b) == size - 50_000));
}

#[tokio::test]
async fn a_chunked_upload_names_content_length_as_the_wire_spells_it() {
    // The missing header was reported under `content-length`, the other
    // Content-Length problems under `Content-Length`.
    let emu = emulator().await;
    let drive = Drive::new(&emu).await;
    let mut stream = TcpStream::connect(emu.addr()).await.unwrap();
    let request = format!(
        "POST /drive/api/files HTTP/1.1\r\nhost: x\r\nauthorization: {}\r\n\
         x-lusid-drive-filename: c.txt\r\nx-lusid-drive-path: /\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        drive.auth
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let (status, body) = finish_upload(stream, b"").await;
    assert_eq!(status, 400, "{body}");
    let problem: Value = serde_json::from_str(&body).unwrap();
    let message = problem["errors"]["Content-Length"][0]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("required"), "{problem}");
    assert!(drive.search("c.txt").await.is_empty());
}
