//! The model of each selected operation, for the API emitter.

use crate::error::{Context, Result, bail};
use crate::idempotency::idempotency;
use crate::json::Json;
use crate::model::{Model, ModelKind};
use crate::naming::{pascal_case, snake_ident};
use crate::selection::Selection;
use crate::spec::{Spec, flag, json_content_schema, opt_str, ref_name, str_field, str_list};
use crate::types::{RustType, map_schema};

/// One generated operation.
pub struct Operation {
    /// The `operationId`, such as `ListInstruments`.
    pub id: String,
    /// The upper-case HTTP method.
    pub method: &'static str,
    /// The path template.
    pub path: String,
    /// The path split into literal text and parameters.
    pub segments: Vec<Segment>,
    /// The first tag: the API group the operation belongs to.
    pub tag: String,
    /// The Cargo feature of the tag, such as `instruments`.
    pub feature: String,
    /// `x-fbn-apistatus`, such as `Stable` or `EarlyAccess`.
    pub api_status: Option<String>,
    /// Whether the operation is deprecated.
    pub deprecated: bool,
    /// Whether repeating the request is safe, and why.
    pub idempotent: (bool, &'static str),
    /// Path and query parameters in specification order.
    pub params: Vec<Param>,
    /// The JSON request body, if any.
    pub body: Option<Body>,
    /// The success response.
    pub success: Success,
    /// The documented error responses.
    pub errors: Vec<ErrorResponse>,
    /// How to follow pages, when the operation is paginated.
    pub pagination: Option<Pagination>,
}

/// The success response: its status and body type.
pub struct Success {
    /// The status, such as `200`.
    pub status: String,
    /// The body type (of a JSON response; `String` for the other kinds).
    pub ty: RustType,
    /// How the body is read.
    pub kind: ResponseKind,
}

/// A documented error response.
pub struct ErrorResponse {
    /// The status, such as `400`.
    pub status: String,
    /// The body schema, if the body is a named schema.
    pub schema: Option<String>,
}

/// A piece of a path template.
pub enum Segment {
    /// Text copied as is, such as `/api/instruments/`.
    Literal(String),
    /// A `{parameter}`: the wire name.
    Param(String),
}

/// Where a parameter goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A path segment.
    Path,
    /// A query parameter.
    Query,
    /// A request header (Drive's `x-lusid-drive-filename`).
    Header,
}

/// A path or query parameter.
pub struct Param {
    /// The wire name, such as `asAt`.
    pub wire: String,
    /// The Rust name, such as `as_at`.
    pub ident: String,
    /// Path or query.
    pub location: Location,
    /// The value type: a scalar or an array of scalars.
    pub ty: RustType,
    /// Whether the parameter is required (then a method argument).
    pub required: bool,
    /// The documented values of a string parameter (an open list).
    pub allowed_values: Vec<String>,
    /// The documented default.
    pub default: Option<String>,
    /// The generated open enum of `allowed_values` (in `lusid_api::params`),
    /// set by [`crate::emit_param_enums::assign`]; `None` for a parameter
    /// without a value list.
    pub enum_type: Option<String>,
}

/// A request body.
pub struct Body {
    /// The Rust argument name.
    pub ident: String,
    /// The body type (of a JSON body; `String` for the other kinds).
    pub ty: RustType,
    /// How the body is sent.
    pub kind: BodyKind,
}

/// How a request body is sent.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BodyKind {
    /// `application/json` (or its `text/json` and `*+json` aliases).
    Json,
    /// `text/plain` with a `type: string` schema (Luminesce's SQL): a `String`.
    Text,
    /// `application/octet-stream` or `format: binary`: streamed bytes of a
    /// known length (`lusid_api::UploadBody`), `Content-Length` set from it.
    Binary,
}

/// How a success response is read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ResponseKind {
    /// A JSON document decoded as the response type.
    Json,
    /// A `type: string` response declared as `text/plain` (Luminesce's CSV):
    /// the body as text.
    Text,
    /// `format: binary` or `application/octet-stream`: a stream of bytes
    /// (`lusid_api::ByteStream`), never buffered.
    Binary,
    /// No content declared: the body is ignored.
    Empty,
}

impl Body {
    /// The Rust type of the body as written in `krate`.
    pub fn render_type(&self, krate: crate::types::Crate) -> String {
        match self.kind {
            BodyKind::Json => self.ty.render(krate),
            BodyKind::Text => "String".to_owned(),
            BodyKind::Binary => "lusid_api::UploadBody".to_owned(),
        }
    }
}

impl Success {
    /// The Rust type `send` returns, as written in `krate`.
    pub fn render_type(&self, krate: crate::types::Crate) -> String {
        match self.kind {
            ResponseKind::Json => self.ty.render(krate),
            ResponseKind::Text => "String".to_owned(),
            ResponseKind::Binary => "lusid_api::ByteStream".to_owned(),
            ResponseKind::Empty => "()".to_owned(),
        }
    }
}

/// Pagination through `page` tokens and `nextPage`.
pub struct Pagination {
    /// The page schema, such as `PagedResourceListOfInstrument`.
    pub page_type: String,
    /// The type of one item of `values`.
    pub item_type: RustType,
    /// Whether `values` is an `Option` in the page struct.
    pub values_optional: bool,
    /// Whether `nextPage` is an `Option` in the page struct.
    pub next_page_optional: bool,
    /// The Rust name of the `limit` parameter, when there is one.
    pub limit: Option<String>,
    /// The Rust name of the optional date-time `asAt` parameter, when there
    /// is one: the paginator pins it for a consistent snapshot.
    pub as_at: Option<String>,
}

/// Rust names of the request builders' own members, which parameters must
/// not take.
const RESERVED: [&str; 13] = [
    "client",
    "send",
    "send_as",
    "into_stream",
    "into_pages",
    "into_raw_pages",
    "page_size",
    "params",
    "into_params",
    "from_params",
    "attempt_timeout",
    "total_timeout",
    "body",
];

/// Builds every selected operation.
pub fn build_operations(
    spec: &Spec,
    selection: &Selection<'_>,
    models: &[Model],
) -> Result<Vec<Operation>> {
    let mut operations = selection
        .operations
        .iter()
        .map(|operation| {
            let id = operation.id()?;
            build(
                spec,
                operation.path,
                operation.method,
                operation.operation,
                models,
            )
            .with_context(|| format!("operation `{id}` ({} {})", operation.method, operation.path))
        })
        .collect::<Result<Vec<_>>>()?;
    crate::emit_param_enums::assign(&mut operations).context("naming parameter enums")?;
    Ok(operations)
}

/// Builds one operation.
fn build(
    spec: &Spec,
    path: &str,
    method: &'static str,
    operation: &Json,
    models: &[Model],
) -> Result<Operation> {
    let id = str_field(operation, "operationId")?.to_owned();
    let tag = str_list(operation, "tags")?
        .first()
        .map(|tag| (*tag).to_owned())
        .unwrap_or_else(|| "Default".to_owned());
    let mut params = Vec::new();
    for parameter in operation
        .get("parameters")
        .and_then(Json::as_array)
        .unwrap_or_default()
    {
        // A binary body's `Content-Length` is set from the body's length.
        if opt_str(parameter, "in") == Some("header")
            && opt_str(parameter, "name")
                .is_some_and(|name| name.eq_ignore_ascii_case("content-length"))
        {
            continue;
        }
        let mut param = build_param(parameter)?;
        // A parameter named like a builder method (Horizon's `pageSize`)
        // takes a suffix.
        if RESERVED.contains(&param.ident.as_str()) {
            param.ident.push_str("_param");
        }
        if RESERVED.contains(&param.ident.as_str())
            || params
                .iter()
                .any(|other: &Param| other.ident == param.ident)
        {
            bail!(
                "parameter `{}` clashes with another Rust name `{}`",
                param.wire,
                param.ident
            );
        }
        params.push(param);
    }
    let segments = parse_path(path, &params)?;
    let body = build_body(spec, operation, &id)?;
    let (success, errors) = build_responses(spec, operation, &id)?;
    let pagination = detect_pagination(&params, &success.ty, models);
    Ok(Operation {
        idempotent: idempotency(method, path, &id),
        feature: crate::selection::tag_feature(&tag),
        id,
        method,
        path: path.to_owned(),
        segments,
        tag,
        api_status: opt_str(operation, "x-fbn-apistatus").map(str::to_owned),
        deprecated: flag(operation, "deprecated"),
        params,
        body,
        success,
        errors,
        pagination,
    })
}

/// Builds a parameter.
fn build_param(parameter: &Json) -> Result<Param> {
    let wire = str_field(parameter, "name")?.to_owned();
    let location = match str_field(parameter, "in")? {
        "path" => Location::Path,
        "query" => Location::Query,
        "header" => Location::Header,
        other => {
            bail!("parameter `{wire}` is in {other:?}; only path, query and header are supported")
        }
    };
    let schema = parameter
        .get("schema")
        .ok_or_else(|| crate::error::Error::new(format!("parameter `{wire}` has no schema")))?;
    let ty = param_type(schema).with_context(|| format!("parameter `{wire}`"))?;
    if let RustType::Array(_) = ty {
        let explode = parameter
            .get("explode")
            .and_then(Json::as_bool)
            .unwrap_or(true);
        if location != Location::Query || !explode {
            bail!(
                "array parameter `{wire}` must be an exploded query parameter (x-sdk-collection-format: multi)"
            );
        }
    }
    let value_schema = schema.get("items").unwrap_or(schema);
    Ok(Param {
        ident: snake_ident(&wire),
        location,
        ty,
        required: flag(parameter, "required") || location == Location::Path,
        allowed_values: str_list(value_schema, "x-allowed-values")?
            .into_iter()
            .map(str::to_owned)
            .collect(),
        default: schema
            .get("x-documented-default")
            .or_else(|| schema.get("default"))
            .map(ToString::to_string),
        enum_type: None,
        wire,
    })
}

/// The type of a parameter: string (a value list becomes an open enum
/// later, see [`crate::emit_param_enums`]), date-time, integer, boolean, number, or an array of those.
fn param_type(schema: &Json) -> Result<RustType> {
    match opt_str(schema, "type") {
        Some("string") if opt_str(schema, "format") == Some("date-time") => Ok(RustType::DateTime),
        Some("string") => Ok(RustType::String),
        Some("integer") => Ok(RustType::Integer),
        Some("boolean") => Ok(RustType::Boolean),
        Some("number") => Ok(RustType::Number),
        // Luminesce's `scalarParameters`: a form-exploded map of strings
        // (`name=value` pairs).
        Some("object")
            if schema
                .get("additionalProperties")
                .and_then(|values| opt_str(values, "type"))
                == Some("string") =>
        {
            Ok(RustType::Map(Box::new(RustType::String)))
        }
        Some("array") => {
            let items = schema
                .get("items")
                .ok_or_else(|| crate::error::Error::new("array without items"))?;
            let item = param_type(items)?;
            if let RustType::Array(_) = item {
                bail!("nested array parameters are not supported");
            }
            Ok(RustType::Array(Box::new(item)))
        }
        other => bail!("unsupported parameter type {other:?}"),
    }
}

/// Splits a path template into literals and parameters, checking that each
/// `{name}` is a path parameter and each path parameter appears.
fn parse_path(path: &str, params: &[Param]) -> Result<Vec<Segment>> {
    let mut segments = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            bail!("unclosed `{{` in path");
        };
        if open > 0 {
            segments.push(Segment::Literal(rest[..open].to_owned()));
        }
        let name = &rest[open + 1..open + close];
        if !params
            .iter()
            .any(|param| param.wire == name && param.location == Location::Path)
        {
            bail!("path names `{{{name}}}` but no such path parameter exists");
        }
        segments.push(Segment::Param(name.to_owned()));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        segments.push(Segment::Literal(rest.to_owned()));
    }
    for param in params
        .iter()
        .filter(|param| param.location == Location::Path)
    {
        let used = segments
            .iter()
            .any(|segment| matches!(segment, Segment::Param(name) if *name == param.wire));
        if !used {
            bail!("path parameter `{}` is not in the path", param.wire);
        }
    }
    Ok(segments)
}

/// The JSON request body. Named after its schema when it is a `$ref`
/// (`UpsertFooRequest` → `upsert_foo_request`), else `request_body`, as the
/// specification gives bodies no names.
fn build_body(spec: &Spec, operation: &Json, id: &str) -> Result<Option<Body>> {
    let Some(request_body) = operation.get("requestBody") else {
        return Ok(None);
    };
    if let Some(schema) = json_content_schema(request_body) {
        let ident = match ref_name(schema)? {
            Some(name) => snake_ident(name),
            None => "request_body".to_owned(),
        };
        let ty = content_type(spec, schema, id).context("request body")?;
        return Ok(Some(Body {
            ident,
            ty,
            kind: BodyKind::Json,
        }));
    }
    let content = request_body.get("content");
    let binary = content
        .and_then(|content| content.get("application/octet-stream"))
        .and_then(|media| media.get("schema"));
    if binary.is_some_and(|schema| opt_str(schema, "type") == Some("string")) {
        return Ok(Some(Body {
            ident: "body".to_owned(),
            ty: RustType::String,
            kind: BodyKind::Binary,
        }));
    }
    let text = content
        .and_then(|content| content.get("text/plain"))
        .and_then(|media| media.get("schema"));
    match text {
        Some(schema) if opt_str(schema, "type") == Some("string") => {
            let kind = if opt_str(schema, "format") == Some("binary") {
                BodyKind::Binary
            } else {
                BodyKind::Text
            };
            Ok(Some(Body {
                ident: "body".to_owned(),
                ty: RustType::String,
                kind,
            }))
        }
        _ => bail!("request body without application/json, text/plain or octet-stream content"),
    }
}

/// The type of a body or response schema; value lists there are not supported.
fn content_type(spec: &Spec, schema: &Json, id: &str) -> Result<RustType> {
    let mut enums = Vec::new();
    let ty = map_schema(
        spec,
        schema,
        &format!("{}Body", pascal_case(id)),
        id,
        &mut enums,
    )?;
    if !enums.is_empty() {
        bail!("inline value lists in bodies are not supported");
    }
    Ok(ty)
}

/// The success response (the single 2xx) and the documented error statuses.
fn build_responses(
    spec: &Spec,
    operation: &Json,
    id: &str,
) -> Result<(Success, Vec<ErrorResponse>)> {
    let responses = operation
        .get("responses")
        .and_then(Json::as_object)
        .ok_or_else(|| crate::error::Error::new("no responses"))?;
    let mut success = None;
    let mut errors = Vec::new();
    for (status, response) in responses {
        let schema = json_content_schema(response);
        if status.starts_with('2') {
            if success.is_some() {
                bail!("more than one success response");
            }
            let (kind, ty) = match response_kind(response, schema) {
                ResponseKind::Json => {
                    let Some(schema) = schema else {
                        bail!("success response {status} has no JSON body");
                    };
                    let ty = content_type(spec, schema, id)
                        .with_context(|| format!("response {status}"))?;
                    (ResponseKind::Json, ty)
                }
                other => (other, RustType::String),
            };
            success = Some(Success {
                status: status.clone(),
                ty,
                kind,
            });
        } else if status != "default" {
            let schema = match schema {
                Some(schema) => ref_name(schema)?.map(str::to_owned),
                None => None,
            };
            errors.push(ErrorResponse {
                status: status.clone(),
                schema,
            });
        }
    }
    // No 2xx declared (the services' deletes declare only `default`): a
    // success status with nothing to read.
    let success = success.unwrap_or(Success {
        status: "2xx".to_owned(),
        ty: RustType::String,
        kind: ResponseKind::Empty,
    });
    Ok((success, errors))
}

/// How a success response is read: binary when any content is
/// `format: binary` or `application/octet-stream`; text when the schema is a
/// plain string and `text/plain` is declared; empty without content.
fn response_kind(response: &Json, json_schema: Option<&Json>) -> ResponseKind {
    let Some(content) = response.get("content").and_then(Json::as_object) else {
        return ResponseKind::Empty;
    };
    if content.is_empty() {
        return ResponseKind::Empty;
    }
    let binary = content.iter().any(|(media, value)| {
        media == "application/octet-stream"
            || value
                .get("schema")
                .is_some_and(|schema| opt_str(schema, "format") == Some("binary"))
    });
    if binary {
        return ResponseKind::Binary;
    }
    let text_declared = content.iter().any(|(media, _)| media == "text/plain");
    let plain_string = json_schema
        .or_else(|| content.first().and_then(|(_, value)| value.get("schema")))
        .is_some_and(|schema| {
            opt_str(schema, "type") == Some("string") && schema.get("format").is_none()
        });
    if text_declared && plain_string {
        return ResponseKind::Text;
    }
    ResponseKind::Json
}

/// An operation is paginated when it has a `page` query parameter and its
/// response is a struct with `nextPage` (string) and `values` (array).
fn detect_pagination(params: &[Param], success: &RustType, models: &[Model]) -> Option<Pagination> {
    let has_page = params.iter().any(|param| {
        param.wire == "page" && param.location == Location::Query && param.ty == RustType::String
    });
    let RustType::Schema(page_type) = success else {
        return None;
    };
    if !has_page {
        return None;
    }
    let model = models.iter().find(|model| model.name == *page_type)?;
    let ModelKind::Struct { fields, .. } = &model.kind else {
        return None;
    };
    let next_page = fields
        .iter()
        .find(|field| field.wire == "nextPage" && field.ty == RustType::String)?;
    let values = fields.iter().find(|field| field.wire == "values")?;
    let RustType::Array(item_type) = &values.ty else {
        return None;
    };
    let limit = params
        .iter()
        .find(|param| param.wire == "limit" && param.ty == RustType::Integer && !param.required)
        .map(|param| param.ident.clone());
    Some(Pagination {
        page_type: page_type.clone(),
        item_type: (**item_type).clone(),
        values_optional: values.is_option(),
        next_page_optional: next_page.is_option(),
        limit,
        as_at: params
            .iter()
            .find(|param| param.wire == "asAt" && param.ty == RustType::DateTime && !param.required)
            .map(|param| param.ident.clone()),
    })
}

/// LUSID's own string responses (`DeleteReconciliationMapping` declares
/// `text/plain`, `application/json` and `text/json`) stay JSON-decoded, as
/// they always were: only the other services read text.
pub fn read_strings_as_json(operations: &mut [Operation]) {
    for operation in operations {
        if operation.success.kind == ResponseKind::Text {
            operation.success.kind = ResponseKind::Json;
        }
    }
}
