//! `lusid drive ls|upload|download|mkdir|rm`: files in Drive by path,
//! built on the Drive operation table of `lusid api --service drive`.
//!
//! Drive addresses folders and files by id. A path such as
//! `/reports/2026/q4.csv` is resolved one name at a time: the root's
//! items (GetRootFolder), then each folder's (GetFolderContents), every
//! page followed through `nextPage`, an item matching by its exact `name`.
//! Uploads name the file and its folder's path in CreateFile's
//! `x-lusid-drive-filename` and `x-lusid-drive-path` headers, creating
//! missing folders first (CreateFolder, parent path and name).

use std::path::Path;

use serde::Deserialize;

use crate::api::invoke::{self, Invoker};
use crate::api::request::{Content, Payload};
use crate::cli::{DriveDownloadArgs, DriveLsArgs, DrivePathArgs, DriveUploadArgs};
use crate::error::CliError;
use crate::output::{Output, printable};
use crate::session::Session;

/// One folder or file, as Drive's StorageObject has it.
#[derive(Debug, Deserialize)]
struct Item {
    id: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default, rename = "updatedOn")]
    updated_on: Option<String>,
}

impl Item {
    fn is_folder(&self) -> bool {
        self.kind.eq_ignore_ascii_case("folder")
    }
}

/// A page of items (PagedResourceListOfStorageObject).
#[derive(Debug, Deserialize)]
struct Page {
    values: Vec<Item>,
    #[serde(default, rename = "nextPage")]
    next_page: Option<String>,
}

/// A Drive path split into names: `/reports/2026/` gives
/// `["reports", "2026"]`.
fn names(path: &str) -> Vec<&str> {
    path.split('/').filter(|name| !name.is_empty()).collect()
}

/// Where a path leads.
enum Found {
    /// The root folder.
    Root,
    /// A folder or file.
    Item(Item),
}

/// The Drive operations.
struct Drive {
    invoker: Invoker,
}

impl Drive {
    fn open(session: &Session) -> Result<Self, CliError> {
        Ok(Self {
            invoker: Invoker::open(session, "drive")?,
        })
    }

    /// Every item of the folder `id` (`None`: the root), page by page.
    async fn contents(&self, id: Option<&str>) -> Result<Vec<Item>, CliError> {
        let mut items = Vec::new();
        let mut page: Option<String> = None;
        let mut seen = std::collections::HashSet::new();
        loop {
            let mut params = Vec::new();
            if let Some(id) = id {
                params.push(format!("id={id}"));
            }
            if let Some(token) = &page {
                params.push(format!("page={token}"));
            }
            let operation = if id.is_some() {
                "GetFolderContents"
            } else {
                "GetRootFolder"
            };
            let next: Page = self.invoker.json_as(operation, &params, None).await?;
            items.extend(next.values);
            match next.next_page.filter(|token| !token.is_empty()) {
                // A token seen before would page for ever: an error, not
                // a listing silently cut short or repeated.
                Some(token) if !seen.insert(token.clone()) => {
                    return Err(CliError::Unsupported(format!(
                        "{operation} answered a page token it had given before as the next one: the listing cannot go on"
                    )));
                }
                Some(token) => page = Some(token),
                None => return Ok(items),
            }
        }
    }

    /// The item at `path`, or `None` when a name on the way is missing.
    async fn find(&self, path: &str) -> Result<Option<Found>, CliError> {
        let mut found = Found::Root;
        for name in names(path) {
            let folder = match &found {
                Found::Root => None,
                Found::Item(item) if item.is_folder() => Some(item.id.clone()),
                Found::Item(_) => return Ok(None),
            };
            let items = self.contents(folder.as_deref()).await?;
            match items.into_iter().find(|item| item.name == name) {
                Some(item) => found = Found::Item(item),
                None => return Ok(None),
            }
        }
        Ok(Some(found))
    }

    /// Creates every missing folder of `path` (`mkdir -p`).
    async fn make_folders(&self, path: &str) -> Result<(), CliError> {
        let mut parent = String::from("/");
        let mut folder: Option<String> = None;
        for name in names(path) {
            let id = match self.folder_in(folder.as_deref(), &parent, name).await? {
                Some(id) => id,
                None => match self.create_folder(&parent, name).await {
                    Ok(id) => id,
                    // Made meanwhile by someone else (another upload to the
                    // same new folder): use theirs.
                    Err(CliError::Api(error))
                        if error.status() == Some(http::StatusCode::CONFLICT) =>
                    {
                        self.folder_in(folder.as_deref(), &parent, name)
                            .await?
                            .ok_or(CliError::Api(error))?
                    }
                    Err(error) => return Err(error),
                },
            };
            parent = child_path(&parent, name);
            folder = Some(id);
        }
        Ok(())
    }

    /// The id of the folder `name` in the folder `id` (at `parent`), `None`
    /// when there is none; a file of that name is an error.
    async fn folder_in(
        &self,
        id: Option<&str>,
        parent: &str,
        name: &str,
    ) -> Result<Option<String>, CliError> {
        let items = self.contents(id).await?;
        match items.into_iter().find(|item| item.name == name) {
            Some(item) if item.is_folder() => Ok(Some(item.id)),
            Some(_) => Err(CliError::Usage(format!(
                "{} is a file in Drive, not a folder",
                child_path(parent, name)
            ))),
            None => Ok(None),
        }
    }

    /// Creates the folder `name` in the folder at `parent`: its id.
    async fn create_folder(&self, parent: &str, name: &str) -> Result<String, CliError> {
        let body = serde_json::json!({"path": parent, "name": name}).to_string();
        let item: Item = self
            .invoker
            .json_as(
                "CreateFolder",
                &[],
                Some(&Payload::bytes(body, "application/json")),
            )
            .await?;
        Ok(item.id)
    }
}

/// The path of `name` in the folder at `parent` (`/` and `a` give `/a`,
/// `/a` and `b` give `/a/b`).
fn child_path(parent: &str, name: &str) -> String {
    if parent.ends_with('/') {
        format!("{parent}{name}")
    } else {
        format!("{parent}/{name}")
    }
}

/// Checks every name of a Drive path about to be created, before anything
/// is sent (so a bad name leaves no folders half made): not `.` or `..`
/// (Drive paths have no relative parts), no control characters, no
/// leading or trailing white space (which an HTTP header drops, so the
/// file would be stored under another name).
fn check_new_names(path: &str, names: &[&str]) -> Result<(), CliError> {
    for name in names {
        let why = if *name == "." || *name == ".." {
            "Drive paths have no relative parts"
        } else if name.chars().any(char::is_control) {
            "it holds a control character"
        } else if name.trim() != *name {
            "it begins or ends with white space"
        } else {
            continue;
        };
        return Err(CliError::Usage(format!(
            "{path:?}: {name:?} cannot be a name in Drive: {why}"
        )));
    }
    Ok(())
}

/// The folder path and file name of a Drive file path; a path ending in
/// `/` takes `default_name`.
fn split_file_path<'a>(
    path: &'a str,
    default_name: Option<&'a str>,
) -> Result<(String, &'a str), CliError> {
    let mut parts = names(path);
    let name = if path.ends_with('/') {
        default_name
    } else {
        parts.pop()
    };
    let name = name.ok_or_else(|| {
        CliError::Usage(format!(
            "{path:?} names no file: give a Drive path such as /reports/q4.csv"
        ))
    })?;
    Ok((format!("/{}", parts.join("/")), name))
}

/// `lusid drive ls [PATH]`: one line per item, tab-separated: `folder` or
/// `file`, size in bytes (`-` for a folder), updatedOn, name (a folder's
/// with a trailing `/`; control characters escaped, so a name cannot
/// drive the terminal or break its line).
pub async fn ls(session: &Session, args: &DriveLsArgs) -> Result<(), CliError> {
    let drive = Drive::open(session)?;
    let items = match drive.find(&args.path).await? {
        Some(Found::Root) => drive.contents(None).await?,
        Some(Found::Item(item)) if item.is_folder() => drive.contents(Some(&item.id)).await?,
        Some(Found::Item(item)) => vec![item],
        None => return Err(not_found(&args.path)),
    };
    let mut text = String::new();
    for item in items {
        let (kind, size, suffix) = if item.is_folder() {
            ("folder", "-".to_owned(), "/")
        } else {
            (
                "file",
                item.size.map_or("-".to_owned(), |s| s.to_string()),
                "",
            )
        };
        text.push_str(&format!(
            "{kind}\t{size}\t{}\t{}{suffix}\n",
            printable(item.updated_on.as_deref().unwrap_or("-")),
            printable(&item.name)
        ));
    }
    print(&text)
}

/// `lusid drive upload LOCAL_FILE DRIVE_PATH`: streams the file (its size
/// as Content-Length) and prints the new file's id.
pub async fn upload(session: &Session, args: &DriveUploadArgs) -> Result<(), CliError> {
    let len = super::api::file_size(&args.local)?;
    let local_name = args.local.file_name().and_then(|n| n.to_str());
    let (folder, name) = split_file_path(&args.drive_path, local_name)?;
    let mut all = names(&folder);
    all.push(name);
    check_new_names(&args.drive_path, &all)?;
    let drive = Drive::open(session)?;
    drive.make_folders(&folder).await?;
    let payload = Payload {
        content: Content::File {
            path: args.local.clone(),
            len,
        },
        media_type: "application/octet-stream",
    };
    let params = [
        format!("x-lusid-drive-filename={name}"),
        format!("x-lusid-drive-path={folder}"),
        format!("Content-Length={len}"),
    ];
    let item: Item = drive
        .invoker
        .json_as("CreateFile", &params, Some(&payload))
        .await?;
    print(&format!("{}\n", item.id))
}

/// `lusid drive download DRIVE_PATH LOCAL_FILE`: streams the contents to
/// a temporary file beside LOCAL_FILE, renamed into place on success.
pub async fn download(session: &Session, args: &DriveDownloadArgs) -> Result<(), CliError> {
    let local = args.local.as_path();
    let to_stdout = local == Path::new("-");
    if !to_stdout && !args.force && std::fs::symlink_metadata(local).is_ok() {
        return Err(CliError::Usage(format!(
            "{} exists: pass --force to replace it",
            local.display()
        )));
    }
    let output = Output::open(Some(local)).map_err(|source| CliError::Output {
        path: Some(local.to_owned()),
        source,
    })?;
    let drive = Drive::open(session)?;
    let id = match drive.find(&args.drive_path).await? {
        Some(Found::Item(item)) if !item.is_folder() => item.id,
        Some(_) => {
            return Err(CliError::Usage(format!(
                "{} is a folder in Drive: `lusid drive ls {}` lists it",
                args.drive_path, args.drive_path
            )));
        }
        None => return Err(not_found(&args.drive_path)),
    };
    let output_path = output.path().map(ToOwned::to_owned);
    let output_error = |source| CliError::Output {
        path: output_path.clone(),
        source,
    };
    let response = drive
        .invoker
        .raw("DownloadFile", &[format!("id={id}")], None)
        .await?;
    let mut out = output.writer().map_err(output_error)?;
    invoke::copy_body(response, out.as_mut(), &output_error).await?;
    drop(out);
    output.commit().map_err(output_error)
}

/// `lusid drive mkdir PATH`: creates the folder and any missing parents.
pub async fn mkdir(session: &Session, args: &DrivePathArgs) -> Result<(), CliError> {
    check_new_names(&args.path, &names(&args.path))?;
    Drive::open(session)?.make_folders(&args.path).await
}

/// `lusid drive rm PATH`: deletes a file or a folder.
pub async fn rm(session: &Session, args: &DrivePathArgs) -> Result<(), CliError> {
    let drive = Drive::open(session)?;
    let item = match drive.find(&args.path).await? {
        Some(Found::Item(item)) => item,
        Some(Found::Root) => {
            return Err(CliError::Usage(
                "the root folder cannot be deleted".to_owned(),
            ));
        }
        None => return Err(not_found(&args.path)),
    };
    let operation = if item.is_folder() {
        "DeleteFolder"
    } else {
        "DeleteFile"
    };
    drive
        .invoker
        .raw(operation, &[format!("id={}", item.id)], None)
        .await
        .map(drop)
}

fn not_found(path: &str) -> CliError {
    CliError::NotFound(format!("no file or folder {path} in Drive"))
}

fn print(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|source| CliError::Output { path: None, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_folder_and_name() {
        assert_eq!(names("/reports/2026/"), vec!["reports", "2026"]);
        assert!(names("/").is_empty());
        let (folder, name) = split_file_path("/reports/2026/q4.csv", None).expect("a file");
        assert_eq!((folder.as_str(), name), ("/reports/2026", "q4.csv"));
        let (folder, name) = split_file_path("/reports/", Some("a.csv")).expect("a file");
        assert_eq!((folder.as_str(), name), ("/reports", "a.csv"));
        let (folder, name) = split_file_path("q4.csv", None).expect("a file");
        assert_eq!((folder.as_str(), name), ("/", "q4.csv"));
        assert!(split_file_path("/", None).is_err());
    }

    #[test]
    fn new_names_are_checked_and_child_paths_joined() {
        assert!(check_new_names("/a/b.csv", &["a", "b.csv"]).is_ok());
        for bad in ["..", ".", " lead", "trail ", "tab\there"] {
            assert!(check_new_names("/x", &[bad]).is_err(), "{bad:?}");
        }
        assert_eq!(child_path("/", "a"), "/a");
        assert_eq!(child_path("/a", "b"), "/a/b");
    }
}
