//! Request handling the domains share: reading `asAt`/`effectiveAt`,
//! `limit`, `page` and `filter`, JSON bodies, hrefs, and a page of a
//! sorted list.

use std::borrow::Cow;
use std::collections::BTreeMap;

use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::Uri;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::filter::{Filter, FilterError, Filterable};
use crate::problem::Problem;
use crate::query::QueryParams;
use crate::state::{RequestCtx, SharedState};
use crate::time_fmt::{parse_lusid, to_ticks};

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

/// Whether `raw` is a valid portfolio scope or code in LUSID: 1 to 64
/// ASCII letters, digits, `-` or `_` (`^[a-zA-Z0-9\-_]+$`), so it is also
/// a path segment needing no escaping.
pub(crate) fn is_lusid_code(raw: &str) -> bool {
    (1..=64).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Why `value` is not a valid LUSID scope or code for `field`, if it is
/// not one.
fn code_message(field: &str, value: &str) -> Option<String> {
    (!is_lusid_code(value)).then(|| {
        format!(
            "'{value}' is not a valid {field}: it must be 1 to 64 letters, digits, '-' or '_' (^[a-zA-Z0-9\\-_]+$)."
        )
    })
}

/// Records a validation error on `field` unless `value` is a valid LUSID
/// scope or code.
pub(crate) fn check_code(errors: &mut Errors, field: &str, value: &str) {
    if let Some(message) = code_message(field, value) {
        push_error(errors, field, message);
    }
}

/// The validation problem of a scope or code written to that LUSID would
/// refuse (`*`, the "every scope" of reads, or `a b`), if it is one.
pub(crate) fn invalid_code(field: &str, value: &str) -> Option<Problem> {
    code_message(field, value).map(|message| Problem::invalid_field(field, message))
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

/// Largest and default page size of LUSID's listings (`limit`: LUSID's
/// documented maximum and default, 2000).
pub(crate) const MAX_LIMIT: usize = 2000;

/// The current page token format.
const TOKEN_VERSION: u8 = 1;

/// A page token of any listing, opaque to clients: base64url (no padding)
/// of JSON holding the token format, a hash or name of the query it
/// belongs to, the `asAt` and `effectiveAt` the first page was read at (so
/// later pages see the same snapshot) and where the next page starts:
/// `P`, an offset or a sort position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PageToken<P> {
    /// Token format ([`TOKEN_VERSION`]).
    #[serde(rename = "v")]
    version: u8,
    /// The query the token belongs to.
    #[serde(rename = "q")]
    pub(crate) query: String,
    /// System time of the snapshot.
    #[serde(rename = "a", with = "crate::time_fmt::serde_lusid")]
    pub(crate) as_at: OffsetDateTime,
    /// Business time of the snapshot (the `asAt` again for a listing that
    /// reads no business time).
    #[serde(rename = "e", with = "crate::time_fmt::serde_lusid")]
    pub(crate) effective_at: OffsetDateTime,
    /// Where the next page starts (exclusive of what came before).
    #[serde(rename = "p")]
    pub(crate) after: P,
}

impl<P: Serialize + DeserializeOwned> PageToken<P> {
    /// A token of the current format.
    pub(crate) fn new(
        query: String,
        as_at: OffsetDateTime,
        effective_at: OffsetDateTime,
        after: P,
    ) -> Self {
        Self {
            version: TOKEN_VERSION,
            query,
            as_at,
            effective_at,
            after,
        }
    }

    /// The token's text.
    pub(crate) fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Decodes a token; `None` if it is not one of ours (of this format and
    /// position type).
    pub(crate) fn decode(raw: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD
            .decode(raw.trim().trim_end_matches('='))
            .ok()?;
        let token: Self = serde_json::from_slice(&bytes).ok()?;
        (token.version == TOKEN_VERSION).then_some(token)
    }
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
        let token = PageToken::<usize>::decode(raw)
            .filter(|t| t.query == identity)
            .map(|t| (t.after, t.as_at));
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
        let token = (next < total)
            .then(|| PageToken::new(self.identity.clone(), self.as_at, self.as_at, next).encode());
        (page, token)
    }
}

/// A domain's `filter` parameter: LUSID's filter syntax ([`crate::filter`],
/// the same parser and evaluator as the instrument master's) over the
/// field names (case-insensitive, such as `id.scope` or `displayName`) the
/// domain says exist.
#[derive(Debug)]
pub(crate) struct FieldFilter(Filter<String>);

impl Default for FieldFilter {
    fn default() -> Self {
        Self(Filter::True)
    }
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
    /// can filter on. Fields are passed to [`Self::matches`] in lower case.
    pub(crate) fn parse(raw: Option<&str>, known: &[&str]) -> Result<Self, String> {
        let field = |name: &str, key: Option<String>| {
            let lower = name.to_ascii_lowercase();
            match key {
                None if known.contains(&lower.as_str()) => Ok(lower),
                Some(_) => Err(FilterError(format!(
                    "The filter field '{name}' does not take a key in brackets."
                ))),
                None => Err(FilterError(format!(
                    "The filter field '{name}' is not supported by the emulator here; supported: {}.",
                    known.join(", ")
                ))),
            }
        };
        Filter::parse_with(raw.unwrap_or(""), &field)
            .map(Self)
            .map_err(|error| error.0)
    }

    /// Whether an entity matches; `value_of` gives a field's value.
    pub(crate) fn matches(&self, value_of: impl Fn(&str) -> Option<String>) -> bool {
        self.0.matches(&ByName(value_of))
    }
}

/// An entity seen through a function from field name to value.
struct ByName<G>(G);

impl<G: Fn(&str) -> Option<String>> Filterable<String> for ByName<G> {
    fn value_of(&self, field: &String) -> Option<Cow<'_, str>> {
        (self.0)(field).map(Cow::Owned)
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
        let either = FieldFilter::parse(
            Some("displayName eq 'Value' or (id.scope in ('x', 'a b') and not displayName eq 'x')"),
            &["id.scope", "displayname"],
        )
        .unwrap();
        assert!(
            either.matches(value),
            "or, in, not and parentheses as in instrument filters"
        );
        assert!(FieldFilter::parse(Some("nope eq 'x'"), &["id.scope"]).is_err());
        assert!(FieldFilter::parse(Some("id.scope eq x"), &["id.scope"]).is_err());
        assert!(FieldFilter::parse(Some("id.scope[k] eq 'x'"), &["id.scope"]).is_err());
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
