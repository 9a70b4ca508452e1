//! Drive's listings (`GetRootFolder`, `GetFolderContents`, `Search`):
//! filtered by `filter`, sorted by `sortBy`, paged by `limit` and `page`.
//!
//! A page token (every list's [`PageToken`]) names the last item it
//! returned by its sort key (the sorted fields and the id), not by its
//! position: the next page starts
//! after that key, so items deleted or added between two pages neither
//! skip nor repeat the items still there.

use std::cmp::Ordering;

use axum::response::Response;
use http::{StatusCode, Uri};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::routes::storage_object;
use super::tree::{Item, Tree};
use crate::domains::common::{
    Errors, FieldFilter, PageToken, href, limit_param, push_error, reply,
};
use crate::problem::{Problem, json_response};
use crate::query::QueryParams;
use crate::state::{RequestCtx, SharedState};

/// Fields a listing's `filter` may name (lower case).
const FILTER_FIELDS: &[&str] = &["name", "type", "path", "createdby", "updatedby"];

/// Fields a listing's `sortBy` may name (lower case).
const SORT_FIELDS: &[&str] = &["name", "type", "size", "path", "createdon", "updatedon"];

/// What an item is sorted by: every field `sortBy` may name, and the id
/// that breaks ties.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SortKey {
    name: String,
    folder: bool,
    size: Option<u64>,
    path: String,
    #[serde(with = "crate::time_fmt::serde_lusid")]
    created_on: OffsetDateTime,
    #[serde(with = "crate::time_fmt::serde_lusid")]
    updated_on: OffsetDateTime,
    id: String,
}

impl SortKey {
    fn of(tree: &Tree, item: &Item) -> Self {
        Self {
            name: item.name.clone(),
            folder: item.folder,
            size: item.size,
            path: tree.path_of(item.parent.as_deref()),
            created_on: item.created_on,
            updated_on: item.updated_on,
            id: item.id.clone(),
        }
    }

    /// The order of `self` and `other` by `keys` (field, descending), then
    /// by id.
    fn compare(&self, other: &Self, keys: &[(String, bool)]) -> Ordering {
        keys.iter()
            .map(|(field, descending)| {
                let order = match field.as_str() {
                    "type" => self.folder.cmp(&other.folder).reverse(),
                    "size" => self.size.cmp(&other.size),
                    "path" => self.path.cmp(&other.path),
                    "createdon" => self.created_on.cmp(&other.created_on),
                    "updatedon" => self.updated_on.cmp(&other.updated_on),
                    _ => self.name.cmp(&other.name),
                };
                if *descending { order.reverse() } else { order }
            })
            .find(|order| order.is_ne())
            .unwrap_or_else(|| self.id.cmp(&other.id))
    }
}

/// The position of a Drive page token (`after`): the last item returned.
type DriveToken = PageToken<SortKey>;

/// Decodes `raw`, a token of the query `identity`; `None` when it is not
/// one.
fn decode_token(raw: &str, identity: &str) -> Option<SortKey> {
    DriveToken::decode(raw)
        .filter(|token| token.query == identity)
        .map(|token| token.after)
}

/// The token of the page after `last`. Drive is not bitemporal: the
/// token's `asAt` and `effectiveAt` are the time it was issued.
fn encode_token(identity: &str, last: &SortKey) -> String {
    let now = OffsetDateTime::now_utc();
    DriveToken::new(identity.to_owned(), now, now, last.clone()).encode()
}

/// How a listing is sorted: `sortBy` values such as `Name` or `-UpdatedOn`
/// (descending), compared in order; by name when none is given.
fn sort_keys(q: &QueryParams, errors: &mut Errors) -> Vec<(String, bool)> {
    let mut keys = Vec::new();
    for raw in q.all("sortBy") {
        for key in raw.split(',').map(str::trim).filter(|key| !key.is_empty()) {
            let (descending, field) = match key.strip_prefix('-') {
                Some(field) => (true, field),
                None => (false, key),
            };
            let field = field.to_ascii_lowercase();
            if SORT_FIELDS.contains(&field.as_str()) {
                keys.push((field, descending));
            } else {
                push_error(
                    errors,
                    "sortBy",
                    format!(
                        "The sort field '{key}' is not supported; supported: Name, Type, Size, Path, CreatedOn, UpdatedOn."
                    ),
                );
            }
        }
    }
    if keys.is_empty() {
        keys.push(("name".to_owned(), false));
    }
    keys
}

/// Whether `item` (at `path`) passes `filter`.
fn passes(filter: &FieldFilter, item: &Item, path: &str) -> bool {
    filter.matches(|field| match field {
        "name" => Some(item.name.clone()),
        "type" => Some(if item.folder { "Folder" } else { "File" }.to_owned()),
        "path" => Some(path.to_owned()),
        "createdby" => Some(item.created_by.clone()),
        "updatedby" => Some(item.updated_by.clone()),
        _ => None,
    })
}

/// The request's paging: the limit and the key the page starts after;
/// `Err` is the response to send (a token of another query, or the
/// validation errors collected in `errors` and here).
fn paging(
    state: &SharedState,
    ctx: &RequestCtx,
    q: &QueryParams,
    identity: &str,
    mut errors: Errors,
) -> Result<(usize, Option<SortKey>), Box<Response>> {
    let limit = limit_param(q, &mut errors);
    let after = match q.get("page").filter(|raw| !raw.is_empty()) {
        None => None,
        Some(raw) => match decode_token(raw, identity) {
            Some(after) => Some(after),
            None => {
                return Err(Box::new(reply(
                    state,
                    ctx,
                    Problem::invalid_page_token(format!(
                        "The page token '{raw}' is not a token of this query."
                    )),
                )));
            }
        },
    };
    if !errors.is_empty() {
        return Err(Box::new(reply(state, ctx, Problem::validation(errors))));
    }
    Ok((limit, after))
}

/// One page of `items` (of `tree`), filtered, sorted and paged by the
/// request's `filter`, `sortBy`, `limit` and `page`; `identity` names the
/// folder or search listed.
pub(crate) fn listing(
    state: &SharedState,
    ctx: &RequestCtx,
    uri: &Uri,
    identity: &str,
    tree: &Tree,
    items: Vec<&Item>,
) -> Response {
    let q = QueryParams::parse(uri.query());
    let mut errors = Errors::new();
    let filter = FieldFilter::from_query(q.get("filter"), FILTER_FIELDS, &mut errors);
    let keys = sort_keys(&q, &mut errors);
    let identity = format!(
        "drive:{identity}:{}:{}",
        q.get("filter").unwrap_or(""),
        q.all("sortBy").join(",")
    );
    let (limit, after) = match paging(state, ctx, &q, &identity, errors) {
        Ok(paging) => paging,
        Err(response) => return *response,
    };
    let mut rows: Vec<(&Item, SortKey)> = items
        .into_iter()
        .map(|item| (item, SortKey::of(tree, item)))
        .filter(|(item, key)| passes(&filter, item, &key.path))
        .filter(|(_, key)| {
            after
                .as_ref()
                .is_none_or(|after| key.compare(after, &keys).is_gt())
        })
        .collect();
    rows.sort_by(|(_, a), (_, b)| a.compare(b, &keys));
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = more
        .then(|| rows.last())
        .flatten()
        .map(|(_, last)| encode_token(&identity, last));
    let values: Vec<Value> = rows
        .into_iter()
        .map(|(item, _)| storage_object(tree, item))
        .collect();
    let mut body = json!({"values": values, "href": href(state, uri)});
    if let Some(next) = next {
        // Present while more remain, absent on the last page (never null).
        body["nextPage"] = Value::String(next);
    }
    json_response(StatusCode::OK, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_belong_to_their_query() {
        let key = SortKey {
            name: "a".to_owned(),
            folder: false,
            size: Some(1),
            path: "/".to_owned(),
            created_on: OffsetDateTime::UNIX_EPOCH,
            updated_on: OffsetDateTime::UNIX_EPOCH,
            id: "x".to_owned(),
        };
        let raw = encode_token("one", &key);
        assert_eq!(
            decode_token(&raw, "one").map(|k| k.id),
            Some("x".to_owned())
        );
        assert!(decode_token(&raw, "two").is_none());
        assert!(decode_token("garbage", "one").is_none());
        let offset = PageToken::new("one".to_owned(), key.created_on, key.created_on, 3_usize);
        assert!(
            decode_token(&offset.encode(), "one").is_none(),
            "another kind of list's token is refused"
        );
    }
}
