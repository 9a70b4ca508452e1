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
