//! A reviewer's checks of the Drive client of the `lusid` facade against
//! the emulator: uploads, paged listings followed to the end, streamed
//! downloads, and the problems of a missing file and of an operation the
//! emulator does not implement (MoveFolder, which answered 405).

#![cfg(feature = "drive")]

use futures_util::StreamExt;
use lusid_emulator::Emulator;

#[tokio::test]
async fn drive_round_trips_through_the_facade_against_the_emulator() {
    let emu = Emulator::builder().equities(0).start().await.unwrap();
    let client = lusid::Client::for_emulator(&emu).unwrap();
    let drive = client.drive();
    let folder = drive
        .folders()
        .create_folder(lusid::drive::models::CreateFolder::new("/", "reports"))
        .send()
        .await
        .expect("CreateFolder");
    for name in ["e.csv", "d.csv", "c.csv", "b.csv", "a.csv"] {
        drive
            .files()
            .create_file(
                name,
                "/reports",
                lusid::drive::UploadBody::from_bytes(name.as_bytes().to_vec()),
            )
            .send()
            .await
            .unwrap_or_else(|error| panic!("CreateFile {name}: {error}"));
    }
    // Every page followed, two at a time.
    let names: Vec<String> = drive
        .folders()
        .get_folder_contents(folder.id.clone())
        .page_size(2)
        .into_stream()
        .map(|item| item.expect("an item").name)
        .collect()
        .await;
    assert_eq!(names, ["a.csv", "b.csv", "c.csv", "d.csv", "e.csv"]);
    let root: Vec<String> = drive
        .folders()
        .get_root_folder()
        .page_size(1)
        .into_stream()
        .map(|item| item.expect("an item").name)
        .collect()
        .await;
    assert_eq!(root, ["reports"]);

    // A streamed download.
    let found = drive
        .search()
        .search(lusid::drive::models::SearchBody::new("c.csv"))
        .send()
        .await
        .expect("Search");
    let id = found.values[0].id.clone();
    let mut download = drive
        .files()
        .download_file(id.clone())
        .send()
        .await
        .expect("DownloadFile");
    assert_eq!(download.content_length(), Some(5));
    let mut bytes = Vec::new();
    tokio::io::copy(&mut download, &mut bytes).await.unwrap();
    assert_eq!(bytes, b"c.csv");

    // A missing file's problem.
    let error = drive
        .files()
        .download_file("no-such-file")
        .send()
        .await
        .expect_err("a missing file");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404), "{error}");
    let problem = error.problem().expect("problem details");
    assert_eq!(problem.name(), "FileNotFound", "{error}");
}

#[tokio::test]
async fn operations_the_emulator_does_not_serve_are_501_naming_them() {
    let emu = Emulator::builder().equities(0).start().await.unwrap();
    let client = lusid::Client::for_emulator(&emu).unwrap();
    let folder = client
        .drive()
        .folders()
        .create_folder(lusid::drive::models::CreateFolder::new("/", "a"))
        .send()
        .await
        .expect("CreateFolder");
    let error = client
        .drive()
        .folders()
        .move_folder(folder.id, vec![])
        .send()
        .await
        .expect_err("MoveFolder is not implemented");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(501), "{error}");
    assert!(error.to_string().contains("MoveFolder"), "{error}");
}

#[tokio::test]
async fn the_clients_debug_shows_no_secret_and_no_token() {
    let emu = Emulator::builder().equities(0).start().await.unwrap();
    let client = lusid::Client::for_emulator(&emu).unwrap();
    let drive = client.drive();
    drive
        .folders()
        .get_root_folder()
        .send()
        .await
        .expect("GetRootFolder");
    let sent = emu.requests();
    let authorization = sent
        .iter()
        .rev()
        .find_map(|request| request.header("authorization").map(str::to_owned))
        .expect("an authorised request");
    let token = authorization.trim_start_matches("Bearer ");
    for debug in [format!("{client:?}"), format!("{drive:?}")] {
        assert!(!debug.contains(token), "the token in {debug}");
        assert!(!debug.contains(&emu.credentials().password), "{debug}");
        assert!(!debug.contains(&emu.credentials().client_secret), "{debug}");
    }
}

#[tokio::test]
async fn a_reopenable_upload_is_retried_after_a_429_and_a_one_shot_upload_is_not() {
    let emu = Emulator::builder().equities(0).start().await.unwrap();
    let client = lusid::Client::for_emulator(&emu).unwrap();
    let drive = client.drive();
    let path = std::env::temp_dir().join(format!("lusid-reopenable-{}.csv", std::process::id()));
    let contents = b"retried,upload\n1,2\n";
    std::fs::write(&path, contents).unwrap();
    let length = contents.len() as u64;
    let uploads = |emu: &lusid_emulator::RunningEmulator| {
        emu.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.uri.starts_with("/drive/api/files"))
            .count()
    };

    // Reopened for the retry: sent twice, stored whole.
    emu.faults().push_api_for(
        "CreateFile",
        lusid_emulator::Fault::status_with_retry_after(429, "0"),
    );
    let opened = path.clone();
    let created = drive
        .files()
        .create_file(
            "r.csv",
            "/",
            lusid::drive::UploadBody::from_reopenable(length, move || {
                tokio::fs::File::open(opened.clone())
            }),
        )
        .send()
        .await
        .expect("CreateFile is retried after the 429");
    assert_eq!(uploads(&emu), 2, "the 429'd attempt and its retry");
    let mut download = drive
        .files()
        .download_file(created.id.clone())
        .send()
        .await
        .expect("DownloadFile");
    let mut bytes = Vec::new();
    tokio::io::copy(&mut download, &mut bytes).await.unwrap();
    assert_eq!(bytes, contents);

    // A one-shot reader is sent once: the 429 is the caller's.
    emu.faults().push_api_for(
        "CreateFile",
        lusid_emulator::Fault::status_with_retry_after(429, "0"),
    );
    let reader = tokio::fs::File::open(&path).await.unwrap();
    let error = drive
        .files()
        .create_file(
            "s.csv",
            "/",
            lusid::drive::UploadBody::from_reader(reader, length),
        )
        .send()
        .await
        .expect_err("a one-shot upload is not retried");
    assert!(error.to_string().contains("429"), "{error}");
    assert_eq!(uploads(&emu), 3, "sent once");
    std::fs::remove_file(&path).unwrap();
}
