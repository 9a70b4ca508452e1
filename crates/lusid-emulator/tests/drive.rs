//! Drive (`/drive/api/...`): folders and files created, listed with
//! paging, searched, renamed, uploaded, downloaded and deleted, in memory
//! and in a directory that survives a restart; the other services'
//! operations answer 501 naming service and operation.

mod common;

use common::drive::{Drive, names, text};
use common::send;
use lusid_emulator::Emulator;
use serde_json::json;

#[tokio::test]
async fn folders_and_files_round_trip_in_memory() {
    let emu = Emulator::builder().equities(0).start().await.unwrap();
    let drive = Drive::new(&emu).await;

    let reports = drive.mkdir("/", "reports").await;
    let year = drive.mkdir("/reports", "2026").await;
    let contents: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let created = drive.upload("/reports/2026", "q4.csv", &contents).await;
    assert_eq!(created.status, 201, "{}", text(&created));
    let file = created.json();
    assert_eq!(file["name"], "q4.csv");
    assert_eq!(file["path"], "/reports/2026");
    assert_eq!(file["type"], "File");
    assert_eq!(file["size"], contents.len());
    assert!(file["createdBy"].as_str().is_some_and(|u| !u.is_empty()));
    assert!(file["createdOn"].as_str().unwrap().ends_with("+00:00"));
    let id = file["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a GUID: {id}");

    // The same name again: LUSID's conflict, and nothing replaced.
    let again = drive.upload("/reports/2026", "q4.csv", b"other").await;
    assert_eq!(again.status, 409, "{}", text(&again));
    assert!(text(&again).contains("already holds an item named q4.csv"));
    // Into a folder that does not exist: 404 naming it.
    let nowhere = drive.upload("/reports/2025", "q4.csv", b"x").await;
    assert_eq!(nowhere.status, 404, "{}", text(&nowhere));
    assert!(
        text(&nowhere).contains("/reports/2025"),
        "{}",
        text(&nowhere)
    );

    let download = drive
        .call("GET", &format!("/api/files/{id}/contents"), None)
        .await;
    assert_eq!(download.status, 200);
    assert_eq!(
        download.header("content-type"),
        Some("application/octet-stream")
    );
    assert!(download.body[..] == contents[..], "byte-identical");

    let got = drive.call("GET", &format!("/api/files/{id}"), None).await;
    assert_eq!(got.json()["id"], id.as_str());
    let folder = drive
        .call("GET", &format!("/api/folders/{year}"), None)
        .await;
    assert_eq!(folder.json()["type"], "Folder");
    assert_eq!(folder.json()["path"], "/reports");
    // A file's id is not a folder's.
    let wrong = drive.call("GET", &format!("/api/folders/{id}"), None).await;
    assert_eq!(wrong.status, 400, "{}", text(&wrong));

    // Contents replaced, then the file renamed and moved.
    let url = format!("{}/api/files/{id}/contents", emu.drive_url());
    let replaced = send(
        "PUT",
        &url,
        &[
            ("authorization", drive.auth.as_str()),
            ("content-type", "application/octet-stream"),
        ],
        &b"new contents"[..],
    )
    .await;
    assert_eq!(replaced.status, 200, "{}", text(&replaced));
    assert_eq!(replaced.json()["size"], 12);
    let moved = drive
        .call(
            "PUT",
            &format!("/api/files/{id}"),
            Some(json!({"path": "/reports", "name": "final.csv"})),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", text(&moved));
    assert_eq!(moved.json()["path"], "/reports");
    let download = drive
        .call("GET", &format!("/api/files/{id}/contents"), None)
        .await;
    assert_eq!(&download.body[..], b"new contents");
    // A folder cannot move into its own subfolder.
    let into_itself = drive
        .call(
            "PUT",
            &format!("/api/folders/{reports}"),
            Some(json!({"path": "/reports/2026", "name": "reports"})),
        )
        .await;
    assert_eq!(into_itself.status, 400, "{}", text(&into_itself));

    // Search by name, anywhere and within a path.
    let found = drive
        .call("POST", "/api/search", Some(json!({"name": "FINAL"})))
        .await;
    assert_eq!(names(&found.json()), ["final.csv"]);
    let within = drive
        .call(
            "POST",
            "/api/search",
            Some(json!({"name": "final", "withPath": "/reports/2026"})),
        )
        .await;
    assert_eq!(names(&within.json()), Vec::<String>::new());

    // Deleting a folder deletes what is in it.
    let deleted = drive
        .call("DELETE", &format!("/api/folders/{reports}"), None)
        .await;
    assert_eq!(deleted.status, 204, "{}", text(&deleted));
    let gone = drive.call("GET", &format!("/api/files/{id}"), None).await;
    assert_eq!(gone.status, 404);
    let root = drive.call("GET", "/api/folders", None).await;
    assert_eq!(names(&root.json()), Vec::<String>::new());
}

#[tokio::test]
async fn listings_page_sort_and_filter() {
    let emu = Emulator::builder().equities(0).start().await.unwrap();
    let drive = Drive::new(&emu).await;
    let folder = drive.mkdir("/", "many").await;
    for name in ["e.txt", "a.txt", "d.txt", "c.txt", "b.txt"] {
        let resp = drive.upload("/many", name, name.as_bytes()).await;
        assert_eq!(resp.status, 201, "{}", text(&resp));
    }
    drive.mkdir("/many", "sub").await;

    let mut seen = Vec::new();
    let mut page: Option<String> = None;
    let mut pages = 0;
    loop {
        let query = match &page {
            Some(token) => format!("?limit=2&page={token}"),
            None => "?limit=2".to_owned(),
        };
        let resp = drive
            .call(
                "GET",
                &format!("/api/folders/{folder}/contents{query}"),
                None,
            )
            .await;
        assert_eq!(resp.status, 200, "{}", text(&resp));
        let json = resp.json();
        seen.extend(names(&json));
        pages += 1;
        match json["nextPage"].as_str() {
            Some(token) => page = Some(token.to_owned()),
            None => {
                assert!(
                    json.get("nextPage").is_none(),
                    "the last page has no nextPage (not null): {}",
                    text(&resp)
                );
                break;
            }
        }
    }
    assert_eq!(seen, ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt", "sub"]);
    assert_eq!(pages, 3);

    let sorted = drive
        .call(
            "GET",
            &format!("/api/folders/{folder}/contents?sortBy=-Name"),
            None,
        )
        .await;
    assert_eq!(names(&sorted.json())[0], "sub");
    let files = drive
        .call(
            "GET",
            &format!("/api/folders/{folder}/contents?filter=type%20eq%20%27Folder%27"),
            None,
        )
        .await;
    assert_eq!(names(&files.json()), ["sub"]);
    let bad = drive
        .call(
            "GET",
            &format!("/api/folders/{folder}/contents?sortBy=Colour"),
            None,
        )
        .await;
    assert_eq!(bad.status, 400, "{}", text(&bad));
    assert!(text(&bad).contains("Colour"));
    for limit in ["0", "2001"] {
        let resp = drive
            .call(
                "GET",
                &format!("/api/folders/{folder}/contents?limit={limit}"),
                None,
            )
            .await;
        assert_eq!(resp.status, 400, "limit={limit}");
        assert!(
            text(&resp).contains("between 1 and 2000"),
            "{}",
            text(&resp)
        );
    }
}

#[tokio::test]
async fn bad_requests_say_what_is_wrong() {
    let emu = Emulator::builder().equities(0).start().await.unwrap();
    let drive = Drive::new(&emu).await;
    // No bearer token: 401, as every API.
    let anonymous = send(
        "GET",
        &format!("{}/api/folders", emu.drive_url()),
        &[],
        Vec::new(),
    )
    .await;
    assert_eq!(anonymous.status, 401);
    // Missing upload headers, bad names.
    let url = format!("{}/api/files", emu.drive_url());
    let no_name = send(
        "POST",
        &url,
        &[
            ("authorization", drive.auth.as_str()),
            ("x-lusid-drive-path", "/"),
        ],
        &b"x"[..],
    )
    .await;
    assert_eq!(no_name.status, 400);
    assert!(
        text(&no_name).contains("x-lusid-drive-filename"),
        "{}",
        text(&no_name)
    );
    let slash = drive.upload("/", "a/b", b"x").await;
    assert_eq!(slash.status, 400, "{}", text(&slash));
    let relative = drive.upload("reports", "a", b"x").await;
    assert_eq!(relative.status, 400, "{}", text(&relative));
    let not_json = send(
        "POST",
        &format!("{}/api/folders", emu.drive_url()),
        &[
            ("authorization", drive.auth.as_str()),
            ("content-type", "application/json"),
        ],
        &b"{\"path\": \"/\""[..],
    )
    .await;
    assert_eq!(not_json.status, 400, "{}", text(&not_json));
    let missing = drive
        .call(
            "DELETE",
            "/api/files/00000000-0000-4000-8000-000000000000",
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
    assert!(text(&missing).contains("00000000-0000-4000-8000-000000000000"));

    // Drive operations the emulator does not serve, and other services.
    let endpoints = drive.call("GET", "/api/metadata/endpoints", None).await;
    assert_eq!(endpoints.status, 501, "{}", text(&endpoints));
    let problem = endpoints.json();
    assert_eq!(
        problem["errorDetails"][0]["operationId"],
        "ListApiEndpoints"
    );
    assert_eq!(problem["errorDetails"][0]["service"], "Drive");
    let sql = send(
        "PUT",
        &format!("{}/honeycomb/api/Sql/csv", emu.base_url()),
        &[
            ("authorization", drive.auth.as_str()),
            ("content-type", "text/plain"),
        ],
        &b"select 1"[..],
    )
    .await;
    assert_eq!(sql.status, 501, "{}", text(&sql));
    assert!(
        text(&sql).contains("Luminesce operation PutByQueryCsv"),
        "{}",
        text(&sql)
    );
    // A service operation still needs a token before its 501.
    let anonymous_sql = send(
        "GET",
        &format!("{}/scheduler2/api/jobs", emu.base_url()),
        &[],
        Vec::new(),
    )
    .await;
    assert_eq!(anonymous_sql.status, 401);
}

#[tokio::test]
async fn uploads_are_journalled_without_their_contents() {
    let emu = Emulator::builder().equities(0).start().await.unwrap();
    let drive = Drive::new(&emu).await;
    let created = drive.upload("/", "big.bin", &[7u8; 100_000]).await;
    assert_eq!(created.status, 201, "{}", text(&created));
    let upload = emu
        .requests()
        .into_iter()
        .find(|request| request.uri == "/drive/api/files")
        .expect("the upload is journalled");
    assert_eq!(upload.header("x-lusid-drive-filename"), Some("big.bin"));
    assert_eq!(upload.header("content-length"), Some("100000"));
    assert!(
        upload.body.is_empty(),
        "the contents stream past the journal"
    );
}

#[tokio::test]
async fn a_directory_backed_drive_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let emu = Emulator::builder()
            .equities(0)
            .drive_dir(dir.path())
            .start()
            .await
            .unwrap();
        let drive = Drive::new(&emu).await;
        drive.mkdir("/", "kept").await;
        let created = drive.upload("/kept", "data.bin", b"persisted bytes").await;
        assert_eq!(created.status, 201, "{}", text(&created));
        emu.shutdown().await.unwrap();
        created.json()["id"].as_str().unwrap().to_owned()
    };
    assert!(dir.path().join("drive.json").is_file());
    assert_eq!(
        std::fs::read(dir.path().join("objects").join(&id)).unwrap(),
        b"persisted bytes"
    );

    let emu = Emulator::builder()
        .equities(0)
        .drive_dir(dir.path())
        .start()
        .await
        .unwrap();
    let drive = Drive::new(&emu).await;
    let download = drive
        .call("GET", &format!("/api/files/{id}/contents"), None)
        .await;
    assert_eq!(download.status, 200, "{}", text(&download));
    assert_eq!(&download.body[..], b"persisted bytes");
    let deleted = drive
        .call("DELETE", &format!("/api/files/{id}"), None)
        .await;
    assert_eq!(deleted.status, 204);
    assert!(!dir.path().join("objects").join(&id).exists());

    // A damaged index is a typed start-up error naming the directory.
    std::fs::write(dir.path().join("drive.json"), b"not json").unwrap();
    let error = Emulator::builder()
        .equities(0)
        .drive_dir(dir.path())
        .start()
        .await
        .expect_err("a damaged index");
    let message = error.to_string();
    assert!(
        message.contains("drive.json is not a Drive index"),
        "{message}"
    );
    assert!(
        message.contains(&dir.path().display().to_string()),
        "{message}"
    );
}
