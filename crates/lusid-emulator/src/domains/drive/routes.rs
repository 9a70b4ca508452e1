//! Drive's operations: `CreateFile`, `GetFile`, `UpdateFileMetadata`,
//! `DeleteFile`, `DownloadFile`, `UpdateFileContents` (`/drive/api/files`),
//! `GetRootFolder`, `CreateFolder`, `GetFolder`, `UpdateFolder`,
//! `DeleteFolder`, `GetFolderContents` (`/drive/api/folders`) and `Search`
//! (`/drive/api/search`). Items answer as Drive's `StorageObject`, lists
//! as `PagedResourceListOfStorageObject` (`values`, `nextPage`).

use axum::body::Body;
use axum::extract::{Extension, Path, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, StatusCode, Uri};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::Drive;
use super::contents::Staged;
use super::listing::listing;
use super::rules::{DriveProblem, check_name, check_path};
use super::tree::{Item, Tree};
use crate::domains::common::{json_body, reply};
use crate::problem::{Problem, json_response};
use crate::state::{RequestCtx, SharedState};
use crate::time_fmt::{format_lusid, to_ticks};

/// The header naming an uploaded file.
const FILENAME_HEADER: &str = "x-lusid-drive-filename";
/// The header naming the folder an uploaded file goes to.
const PATH_HEADER: &str = "x-lusid-drive-path";

/// `UpdateFile` / `UpdateFolder` / `CreateFolder`: the folder path and the
/// name.
#[derive(Debug, Deserialize)]
struct PathAndName {
    path: String,
    name: String,
}

/// `SearchBody`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchBody {
    #[serde(default)]
    with_path: Option<String>,
    name: String,
}

/// An item as Drive's `StorageObject`.
pub(crate) fn storage_object(tree: &Tree, item: &Item) -> Value {
    let mut object = json!({
        "id": item.id,
        "path": tree.path_of(item.parent.as_deref()),
        "name": item.name,
        "createdBy": item.created_by,
        "createdOn": format_lusid(item.created_on),
        "updatedBy": item.updated_by,
        "updatedOn": format_lusid(item.updated_on),
        "type": if item.folder { "Folder" } else { "File" },
    });
    if let Some(size) = item.size {
        object["size"] = json!(size);
    }
    object
}

fn now() -> OffsetDateTime {
    to_ticks(OffsetDateTime::now_utc())
}

fn fail(state: &SharedState, ctx: &RequestCtx, problem: DriveProblem) -> Response {
    reply(state, ctx, problem)
}

/// A header's value as text, or the problem naming it: missing, or not
/// visible ASCII.
fn header<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, DriveProblem> {
    let value = headers
        .get(name)
        .ok_or_else(|| DriveProblem::Invalid(name, format!("The {name} header is required.")))?;
    value.to_str().map_err(|_| {
        DriveProblem::Invalid(
            name,
            format!("The {name} header is not visible ASCII text, as HTTP headers must be."),
        )
    })
}

/// The upload's `Content-Length`.
fn content_length(headers: &HeaderMap) -> Result<u64, DriveProblem> {
    let value = headers.get(CONTENT_LENGTH).ok_or_else(|| {
        DriveProblem::Invalid(
            "Content-Length",
            "The Content-Length header is required (a body of known length, not chunked)."
                .to_owned(),
        )
    })?;
    let text = value.to_str().unwrap_or_default();
    text.parse().map_err(|_| {
        DriveProblem::Invalid(
            "Content-Length",
            "Content-Length is not a number.".to_owned(),
        )
    })
}

/// Answers `status` with item `id` of `tree`.
fn item_response(
    state: &SharedState,
    ctx: &RequestCtx,
    tree: &Tree,
    id: &str,
    status: StatusCode,
) -> Response {
    match tree.get(id) {
        Some(item) => json_response(status, &storage_object(tree, item)),
        None => fail(state, ctx, DriveProblem::FileNotFound(id.to_owned())),
    }
}

/// Saves the tree and answers `status` with the item; a failed save puts
/// `before` back and is the storage problem.
fn saved(
    state: &SharedState,
    ctx: &RequestCtx,
    tree: &mut Tree,
    before: Option<Tree>,
    id: &str,
    status: StatusCode,
) -> Response {
    if let Err(problem) = state.drive.save_or_undo(tree, before) {
        return fail(state, ctx, problem);
    }
    item_response(state, ctx, tree, id, status)
}

/// `POST /drive/api/files` (CreateFile): streams the body into a new file
/// named by `x-lusid-drive-filename` in the folder `x-lusid-drive-path`.
pub(crate) async fn create_file(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let drive = &state.drive;
    let checked = (|| {
        let name = header(&headers, FILENAME_HEADER)?.to_owned();
        let path = header(&headers, PATH_HEADER)?.to_owned();
        check_name(FILENAME_HEADER, &name)?;
        check_path(PATH_HEADER, &path)?;
        let length = content_length(&headers)?;
        let tree = drive.tree();
        let parent = tree.resolve_folder(&path)?;
        if tree.child(parent.as_deref(), &name).is_some() {
            return Err(DriveProblem::AlreadyExists { path, name });
        }
        Ok((name, path, parent, length))
    })();
    let (name, path, parent, length) = match checked {
        Ok(checked) => checked,
        Err(problem) => return fail(&state, &ctx, problem),
    };
    let staged = match drive.contents().stage(body, length).await {
        Ok(staged) => staged,
        Err(problem) => return fail(&state, &ctx, problem),
    };
    let at = now();
    let user = ctx.user_id();
    let item = Item {
        id: drive.new_id(),
        parent,
        name,
        folder: false,
        size: Some(length),
        created_by: user.clone(),
        created_on: at,
        updated_by: user,
        updated_on: at,
    };
    let id = item.id.clone();
    let mut tree = drive.tree();
    match place(drive, &mut tree, &path, item, staged) {
        Ok(()) => item_response(&state, &ctx, &tree, &id, StatusCode::CREATED),
        Err(problem) => fail(&state, &ctx, problem),
    }
}

/// Adds the uploaded file `item` (at folder `path`) to the tree with its
/// `staged` contents, unless another upload took the name or the folder
/// was deleted while it streamed (the contents are then discarded).
fn place(
    drive: &Drive,
    tree: &mut Tree,
    path: &str,
    item: Item,
    staged: Staged,
) -> Result<(), DriveProblem> {
    let free = still_a_folder(tree, item.parent.as_deref(), path).and_then(|()| {
        match tree.child(item.parent.as_deref(), &item.name) {
            Some(_) => Err(DriveProblem::AlreadyExists {
                path: path.to_owned(),
                name: item.name.clone(),
            }),
            None => Ok(()),
        }
    });
    if let Err(problem) = free {
        drive.contents().discard(staged);
        return Err(problem);
    }
    let before = drive.snapshot(tree);
    let id = item.id.clone();
    let saved = tree
        .insert(item)
        .map(drop)
        .and_then(|()| drive.save_or_undo(tree, before));
    if let Err(problem) = saved {
        drive.contents().discard(staged);
        return Err(problem);
    }
    commit_or_forget(drive, tree, &id, staged)
}

/// Commits the `staged` contents of the new file `id`, already saved in
/// the tree; when that fails, the file is taken out again.
fn commit_or_forget(
    drive: &Drive,
    tree: &mut Tree,
    id: &str,
    staged: Staged,
) -> Result<(), DriveProblem> {
    let committed = drive.contents().commit(id, staged);
    if committed.is_err() {
        tree.remove(id);
        if let Err(problem) = drive.save(tree) {
            tracing::warn!(
                ?problem,
                "could not save Drive's tree after a failed upload"
            );
        }
    }
    committed
}

/// Whether the folder `parent` (`None`: the root) an upload to `path`
/// goes to still exists: it may have been deleted while the upload
/// streamed.
fn still_a_folder(tree: &Tree, parent: Option<&str>, path: &str) -> Result<(), DriveProblem> {
    match parent {
        Some(id) if tree.folder(id).is_err() => Err(DriveProblem::PathNotFound(path.to_owned())),
        _ => Ok(()),
    }
}

/// `GET /drive/api/files/{id}` (GetFile).
pub(crate) async fn get_file(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(id): Path<String>,
) -> Response {
    let tree = state.drive.tree();
    match tree.file(&id) {
        Ok(item) => json_response(StatusCode::OK, &storage_object(&tree, item)),
        Err(problem) => fail(&state, &ctx, problem),
    }
}

/// `GET /drive/api/folders/{id}` (GetFolder).
pub(crate) async fn get_folder(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(id): Path<String>,
) -> Response {
    let tree = state.drive.tree();
    match tree.folder(&id) {
        Ok(item) => json_response(StatusCode::OK, &storage_object(&tree, item)),
        Err(problem) => fail(&state, &ctx, problem),
    }
}

/// `GET /drive/api/files/{id}/contents` (DownloadFile): the contents,
/// streamed, as `application/octet-stream`.
pub(crate) async fn download_file(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(id): Path<String>,
) -> Response {
    // Opened with the tree locked, so the length is the one recorded,
    // however contents are replaced meanwhile.
    let opened = {
        let tree = state.drive.tree();
        tree.file(&id)
            .and_then(|item| open_checked(&state.drive, item))
    };
    match opened {
        Ok((length, body)) => (
            StatusCode::OK,
            [
                (
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                ),
                (CONTENT_LENGTH, HeaderValue::from(length)),
            ],
            body,
        )
            .into_response(),
        Err(problem) => fail(&state, &ctx, problem),
    }
}

/// File `item`'s contents, opened: their length and body; contents of
/// another length than the recorded size (changed behind the emulator's
/// back) are the storage problem, not a download cut short.
fn open_checked(drive: &Drive, item: &Item) -> Result<(u64, Body), DriveProblem> {
    let (length, body) = drive.contents().open(&item.id)?;
    let size = item.size.unwrap_or(0);
    if length != size {
        return Err(DriveProblem::Storage(format!(
            "the contents of {} hold {length} bytes where its size is {size}",
            item.id
        )));
    }
    Ok((length, body))
}

/// `PUT /drive/api/files/{id}/contents` (UpdateFileContents): replaces
/// the contents, streamed, once the whole body has arrived.
pub(crate) async fn update_file_contents(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let drive = &state.drive;
    let checked = content_length(&headers).and_then(|length| {
        drive.tree().file(&id)?;
        Ok(length)
    });
    let length = match checked {
        Ok(length) => length,
        Err(problem) => return fail(&state, &ctx, problem),
    };
    let staged = match drive.contents().stage(body, length).await {
        Ok(staged) => staged,
        Err(problem) => return fail(&state, &ctx, problem),
    };
    // Committed with the tree locked, so the contents and the size
    // recorded change together.
    let mut tree = drive.tree();
    if let Err(problem) = tree.file(&id) {
        // Deleted while the new contents streamed.
        drive.contents().discard(staged);
        return fail(&state, &ctx, problem);
    }
    let before = drive.snapshot(&tree);
    if let Some(item) = tree.get_mut(&id) {
        item.size = Some(length);
        item.updated_by = ctx.user_id();
        item.updated_on = now();
    }
    if let Err(problem) = drive.save_or_undo(&mut tree, before.clone()) {
        drive.contents().discard(staged);
        return fail(&state, &ctx, problem);
    }
    if let Err(problem) = drive.contents().commit(&id, staged) {
        // The old contents stay: so does their size.
        if let Some(before) = before {
            *tree = before;
            if let Err(problem) = drive.save(&tree) {
                tracing::warn!(
                    ?problem,
                    "could not save Drive's tree after a failed update"
                );
            }
        }
        return fail(&state, &ctx, problem);
    }
    item_response(&state, &ctx, &tree, &id, StatusCode::OK)
}

/// Renames or moves item `id` (a file when `folder` is false) to `body`'s
/// folder path and name.
fn rename(state: &SharedState, ctx: &RequestCtx, id: &str, folder: bool, body: &[u8]) -> Response {
    let target: PathAndName = match json_body(body) {
        Ok(target) => target,
        Err(problem) => return reply(state, ctx, *problem),
    };
    let drive = &state.drive;
    let mut tree = drive.tree();
    let moved = (|| {
        check_name("name", &target.name)?;
        check_path("path", &target.path)?;
        if folder {
            tree.folder(id)?;
        } else {
            tree.file(id)?;
        }
        let parent = tree.resolve_folder(&target.path)?;
        if folder && tree.is_within(parent.as_deref(), id) {
            return Err(DriveProblem::MoveIntoItself(target.path.clone()));
        }
        if let Some(other) = tree.child(parent.as_deref(), &target.name)
            && other.id != id
        {
            return Err(DriveProblem::AlreadyExists {
                path: target.path.clone(),
                name: target.name.clone(),
            });
        }
        Ok(parent)
    })();
    let parent = match moved {
        Ok(parent) => parent,
        Err(problem) => return fail(state, ctx, problem),
    };
    let before = drive.snapshot(&tree);
    if let Some(item) = tree.get_mut(id) {
        item.parent = parent;
        item.name = target.name;
        item.updated_by = ctx.user_id();
        item.updated_on = now();
    }
    saved(state, ctx, &mut tree, before, id, StatusCode::OK)
}

/// `PUT /drive/api/files/{id}` (UpdateFileMetadata): renames or moves a
/// file (`path`, `name`).
pub(crate) async fn update_file_metadata(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    rename(&state, &ctx, &id, false, &body)
}

/// `PUT /drive/api/folders/{id}` (UpdateFolder): renames or moves a
/// folder (`path`, `name`) with everything in it.
pub(crate) async fn update_folder(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    rename(&state, &ctx, &id, true, &body)
}

/// Deletes item `id` (a folder with everything in it): 204.
async fn delete(state: &SharedState, ctx: &RequestCtx, id: &str, folder: bool) -> Response {
    let drive = &state.drive;
    let removed = {
        let mut tree = drive.tree();
        let found = if folder {
            tree.folder(id)
        } else {
            tree.file(id)
        };
        if let Err(problem) = found {
            return fail(state, ctx, problem);
        }
        let before = drive.snapshot(&tree);
        let removed = tree.remove(id);
        if let Err(problem) = drive.save_or_undo(&mut tree, before) {
            return fail(state, ctx, problem);
        }
        removed
    };
    let files: Vec<String> = removed
        .into_iter()
        .filter(|item| !item.folder)
        .map(|item| item.id)
        .collect();
    drive.contents().remove(&files).await;
    StatusCode::NO_CONTENT.into_response()
}

/// `DELETE /drive/api/files/{id}` (DeleteFile).
pub(crate) async fn delete_file(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(id): Path<String>,
) -> Response {
    delete(&state, &ctx, &id, false).await
}

/// `DELETE /drive/api/folders/{id}` (DeleteFolder): the folder and
/// everything in it.
pub(crate) async fn delete_folder(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(id): Path<String>,
) -> Response {
    delete(&state, &ctx, &id, true).await
}

/// `POST /drive/api/folders` (CreateFolder): a folder `name` in the folder
/// at `path`.
pub(crate) async fn create_folder(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    body: Bytes,
) -> Response {
    let request: PathAndName = match json_body(&body) {
        Ok(request) => request,
        Err(problem) => return reply(&state, &ctx, *problem),
    };
    let drive = &state.drive;
    let id = drive.new_id();
    let mut tree = drive.tree();
    let before = drive.snapshot(&tree);
    let created = (|| {
        check_name("name", &request.name)?;
        check_path("path", &request.path)?;
        let parent = tree.resolve_folder(&request.path)?;
        let at = now();
        let user = ctx.user_id();
        tree.insert(Item {
            id: id.clone(),
            parent,
            name: request.name,
            folder: true,
            size: None,
            created_by: user.clone(),
            created_on: at,
            updated_by: user,
            updated_on: at,
        })
        .map(drop)
    })();
    if let Err(problem) = created {
        return fail(&state, &ctx, problem);
    }
    saved(&state, &ctx, &mut tree, before, &id, StatusCode::CREATED)
}

/// `GET /drive/api/folders` (GetRootFolder): the root folder's items.
pub(crate) async fn root_contents(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    uri: Uri,
) -> Response {
    let tree = state.drive.tree();
    let items = tree.children(None);
    listing(&state, &ctx, &uri, "root", &tree, items)
}

/// `GET /drive/api/folders/{id}/contents` (GetFolderContents).
pub(crate) async fn folder_contents(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    Path(id): Path<String>,
    uri: Uri,
) -> Response {
    let tree = state.drive.tree();
    if let Err(problem) = tree.folder(&id) {
        return fail(&state, &ctx, problem);
    }
    let items = tree.children(Some(&id));
    listing(&state, &ctx, &uri, &id, &tree, items)
}

/// `POST /drive/api/search` (Search): every item whose name contains
/// `name` (ignoring case), within `withPath` when given.
pub(crate) async fn search(
    State(state): State<SharedState>,
    Extension(ctx): Extension<RequestCtx>,
    uri: Uri,
    body: Bytes,
) -> Response {
    let request: SearchBody = match json_body(&body) {
        Ok(request) => request,
        Err(problem) => return reply(&state, &ctx, *problem),
    };
    if request.name.is_empty() {
        return reply(
            &state,
            &ctx,
            Problem::invalid_field("name", "The name to search for must not be empty."),
        );
    }
    let tree = state.drive.tree();
    let within = match request.with_path.as_deref().filter(|path| *path != "/") {
        Some(path) => match tree.resolve_folder(path) {
            Ok(folder) => folder,
            Err(problem) => return fail(&state, &ctx, problem),
        },
        None => None,
    };
    let needle = request.name.to_lowercase();
    let items: Vec<&Item> = tree
        .all()
        .filter(|item| item.name.to_lowercase().contains(&needle))
        .filter(|item| {
            within
                .as_deref()
                .is_none_or(|folder| tree.is_within(item.parent.as_deref(), folder))
        })
        .collect();
    let identity = format!("search:{}:{}", request.name, within.unwrap_or_default());
    listing(&state, &ctx, &uri, &identity, &tree, items)
}
