//! Request handling the domains share: reading `asAt`/`effectiveAt`,
//! `limit` and `page`, JSON bodies, hrefs, and a page of a sorted list.

use std::collections::BTreeMap;

use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::Uri;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domains::instruments::paging::MAX_LIMIT;
use crate::problem::Problem;
use crate::query::QueryParams;
use crate::state::{RequestCtx, SharedState};
use crate::time_fmt::{format_lusid, parse_lusid, to_ticks};

/// Validation errors by field.
pub(crate) type Errors = BTreeMap<String, Vec<String>>;

/// Adds a validation error for `field`.
pub(crate) fn push_error(errors: &mut Errors, field: &str, message: impl Into<String>) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(message.into());
}

/// Renders `problem` for this request.
pub(crate) fn reply(
    state: &SharedState,
    ctx: &RequestCtx,
    problem: impl Into<Problem>,
) -> Response {
    problem.into().render(&state.base_url, &ctx.request_id)
}

/// The request's URL (`href` of a response).
pub(crate) fn href(state: &SharedState, uri: &Uri) -> String {
    format!(
        "{}{}",
        state.base_url,
        uri.path_and_query().map_or("", |pq| pq.as_str())
    )
}

/// An absolute URL for a served path.
pub(crate) fn url(state: &SharedState, path: &str) -> String {
    format!("{}{path}", state.base_url)
}

/// Reads an optional date-time parameter.
pub(crate) fn time_param(
    q: &QueryParams,
    name: &str,
    errors: &mut Errors,
) -> Option<OffsetDateTime> {
    let raw = q.get(name)?;
    let parsed = parse_lusid(raw).map(to_ticks);
    if parsed.is_none() {
        push_error(
            errors,
            name,
            format!("The value '{raw}' is not a valid date-time."),
        );
    }
    parsed
}

/// Reads `limit` (1..=2000, default 2000).
pub(crate) fn limit_param(q: &QueryParams, errors: &mut Errors) -> usize {
    match q.get("limit") {
        None => MAX_LIMIT,
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as usize,
            Ok(n) => {
                push_error(
                    errors,
                    "limit",
                    format!("The field limit must be between 1 and {MAX_LIMIT}; {n} was given."),
                );
                MAX_LIMIT
            }
            Err(_) => {
                push_error(
                    errors,
                    "limit",
                    format!("The value '{raw}' is not valid for limit."),
                );
                MAX_LIMIT
            }
        },
    }
}

/// Parses a JSON body into `T`; a body that is not valid JSON of that shape
/// is a `ValidationError` on `requestBody` naming the line and column.
pub(crate) fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, Box<Problem>> {
    serde_json::from_slice(body).map_err(|error| {
        Box::new(Problem::invalid_field(
            "requestBody",
            format!("The request body is not valid: {error}."),
        ))
    })
}

/// What a page token carries: where the next page starts, the `asAt` the
/// first page was read at, and which query it belongs to.
#[derive(Debug, Serialize, Deserialize)]
struct ListToken {
    /// Offset of the page's first item.
    o: usize,
    /// The `asAt` of the listing.
    a: String,
    /// The query the token belongs to (filter, scope...).
    q: String,
}

/// A listing's paging state: the `asAt` it reads at and its first item.
#[derive(Debug)]
pub(crate) struct Paging {
    /// The `asAt` to read at (from the token, else the request, else now).
    pub(crate) as_at: OffsetDateTime,
    offset: usize,
    limit: usize,
    identity: String,
}

impl Paging {
    /// Reads `page`, `limit` and `asAt`; `identity` names the query (a
    /// token from another query is refused).
    pub(crate) fn read(
        q: &QueryParams,
        identity: String,
        now: OffsetDateTime,
        errors: &mut Errors,
    ) -> Result<Self, Box<Problem>> {
        let limit = limit_param(q, errors);
        let as_at = time_param(q, "asAt", errors).unwrap_or(now);
        let Some(raw) = q.get("page") else {
            return Ok(Self {
                as_at,
                offset: 0,
                limit,
                identity,
            });
        };
        let token: Option<ListToken> = URL_SAFE_NO_PAD
            .decode(raw)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let token = token
            .filter(|t| t.q == identity)
            .and_then(|t| parse_lusid(&t.a).map(|a| (t.o, a)));
        match token {
            Some((offset, as_at)) => Ok(Self {
                as_at,
                offset,
                limit,
                identity,
            }),
            None => Err(Box::new(Problem::invalid_page_token(format!(
                "The page token '{raw}' is not a token of this query."
            )))),
        }
    }

    /// A listing's paging, read after its other parameters: `page`,
    /// `limit` and `asAt` (at the server's next `asAt` when none is given),
    /// then every validation error collected in `errors` (the listing's own
    /// and paging's) as one problem. `identity` names the query, so a token
    /// from another query is refused. `Err` is the response to send: the
    /// invalid page token problem, or the validation problem.
    pub(crate) fn for_listing(
        state: &SharedState,
        ctx: &RequestCtx,
        q: &QueryParams,
        identity: String,
        mut errors: Errors,
    ) -> Result<Self, Box<Response>> {
        let paging = Self::read(q, identity, state.clock.tick(), &mut errors)
            .map_err(|problem| Box::new(reply(state, ctx, problem)))?;
        if !errors.is_empty() {
            return Err(Box::new(reply(state, ctx, Problem::validation(errors))));
        }
        Ok(paging)
    }

    /// The page of `items` (sorted), and the token of the next page.
    pub(crate) fn page<T>(&self, items: Vec<T>) -> (Vec<T>, Option<String>) {
        let total = items.len();
        let page: Vec<T> = items
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .collect();
        let next = self.offset + page.len();
        let token = (next < total).then(|| {
            let token = ListToken {
                o: next,
                a: format_lusid(self.as_at),
                q: self.identity.clone(),
            };
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
        });
        (page, token)
    }
}

/// A simple filter of the new domains: conditions `field op 'value'`
/// (`eq`, `neq`, `startswith`) joined by `and`; field names compare
/// case-insensitively and the domain says which exist.
#[derive(Debug, Default)]
pub(crate) struct FieldFilter {
    conditions: Vec<(String, String, String)>,
}

impl FieldFilter {
    /// Parses the `filter` query parameter; a malformed one is recorded in
    /// `errors` (as the `filter` field) and filters nothing.
    pub(crate) fn from_query(raw: Option<&str>, known: &[&str], errors: &mut Errors) -> Self {
        Self::parse(raw, known).unwrap_or_else(|message| {
            push_error(errors, "filter", message);
            FieldFilter::default()
        })
    }

    /// Parses `raw`; `known` are the field names (lower case) the domain
    /// can filter on.
    pub(crate) fn parse(raw: Option<&str>, known: &[&str]) -> Result<Self, String> {
        let mut conditions = Vec::new();
        let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(Self { conditions });
        };
        let mut rest = raw;
        loop {
            let (field, after) = rest
                .trim_start()
                .split_once(' ')
                .ok_or_else(|| format!("Cannot parse the filter '{raw}'."))?;
            let (op, after) = after
                .trim_start()
                .split_once(' ')
                .ok_or_else(|| format!("Cannot parse the filter '{raw}'."))?;
            let after = after.trim_start();
            let body = after
                .strip_prefix('\'')
                .ok_or_else(|| format!("Expected a quoted value in the filter '{raw}'."))?;
            let end = body
                .find('\'')
                .ok_or_else(|| format!("Unterminated value in the filter '{raw}'."))?;
            let field = field.to_ascii_lowercase();
            if !known.contains(&field.as_str()) {
                return Err(format!(
                    "The filter field '{field}' is not supported by the emulator here; supported: {}.",
                    known.join(", ")
                ));
            }
            let op = op.to_ascii_lowercase();
            if !matches!(op.as_str(), "eq" | "neq" | "ne" | "startswith") {
                return Err(format!("The filter operator '{op}' is not supported."));
            }
            conditions.push((field, op, body[..end].to_owned()));
            let tail = body[end + 1..].trim_start();
            if tail.is_empty() {
                break;
            }
            let lower = tail.to_ascii_lowercase();
            if !lower.starts_with("and ") {
                return Err(format!("Cannot parse the filter '{raw}' at '{tail}'."));
            }
            rest = &tail[4..];
        }
        Ok(Self { conditions })
    }

    /// Whether an entity matches; `value_of` gives a field's value.
    pub(crate) fn matches(&self, value_of: impl Fn(&str) -> Option<String>) -> bool {
        self.conditions.iter().all(|(field, op, expected)| {
            let actual = value_of(field);
            match op.as_str() {
                "eq" => actual.as_deref() == Some(expected.as_str()),
                "startswith" => actual.is_some_and(|a| a.starts_with(expected.as_str())),
                _ => actual.as_deref() != Some(expected.as_str()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_filter_parses_and_matches() {
        let f = FieldFilter::parse(
            Some("id.scope eq 'a b' and displayName startswith 'Gro'"),
            &["id.scope", "displayname"],
        )
        .unwrap();
        let value = |field: &str| match field {
            "id.scope" => Some("a b".to_owned()),
            "displayname" => Some("Growth".to_owned()),
            _ => None,
        };
        assert!(f.matches(value));
        assert!(FieldFilter::parse(Some("nope eq 'x'"), &["id.scope"]).is_err());
        assert!(FieldFilter::parse(Some("id.scope eq x"), &["id.scope"]).is_err());
    }

    #[test]
    fn pages_carry_the_as_at_and_refuse_other_queries() {
        let now = to_ticks(OffsetDateTime::now_utc());
        let mut errors = Errors::new();
        let q = QueryParams::parse(Some("limit=2"));
        let paging = Paging::read(&q, "a".into(), now, &mut errors).unwrap();
        let (page, next) = paging.page(vec![1, 2, 3]);
        assert_eq!(page, [1, 2]);
        let next = next.unwrap();
        let q = QueryParams::parse(Some(&format!("limit=2&page={next}")));
        let later = now + time::Duration::seconds(5);
        let paging = Paging::read(&q, "a".into(), later, &mut errors).unwrap();
        assert_eq!(paging.as_at, now);
        let (page, next) = paging.page(vec![1, 2, 3]);
        assert_eq!((page, next), (vec![3], None));
        assert!(Paging::read(&q, "b".into(), later, &mut errors).is_err());
        assert!(errors.is_empty());
    }
}
