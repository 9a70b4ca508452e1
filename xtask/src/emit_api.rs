//! Renders the `lusid-api` generated files: one per tag, `pages.rs` and
//! `mod.rs`.

use std::collections::{BTreeMap, BTreeSet};

use crate::docs::{code_list, doc_comment};
use crate::emit_models::{DATE_TIME_DOC, gated_module_file};
use crate::emit_params::{
    new_argument_names, new_arguments, params_struct, render_params, render_setter,
};
use crate::emit_trait::render_trait;
use crate::error::Result;
use crate::naming::{module_name, pascal_case, snake_ident};
use crate::operation::{BodyKind, Location, Operation, Param, ResponseKind, Segment};
use crate::output::{GeneratedFile, HEADER};
use crate::selection::Gate;
use crate::types::{Crate, RustType};

/// The directory of generated files, relative to the workspace root.
pub const DIR: &str = "crates/lusid-api/src/generated";

/// Renders every tag file, the page implementations and the module file.
pub fn render(operations: &[Operation]) -> Result<Vec<GeneratedFile>> {
    let mut by_tag: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    for operation in operations {
        by_tag.entry(&operation.tag).or_default().push(operation);
    }
    let mut files = Vec::new();
    let mut modules = Vec::new();
    for (tag, operations) in &by_tag {
        let name = module_name(tag);
        let feature = crate::selection::tag_feature(tag);
        modules.push((Gate::Any(BTreeSet::from([feature])), name.clone()));
        files.push(GeneratedFile::new(
            format!("{DIR}/{name}.rs"),
            render_tag(tag, operations),
        ));
    }
    files.push(GeneratedFile::new(
        format!("{DIR}/pages.rs"),
        render_pages(operations),
    ));
    let mut module = gated_module_file(
        "Generated endpoint groups, one module per specification tag, each behind the \
         Cargo feature of its tag; all re-exported at the crate root.",
        &modules,
    );
    module.push_str("gated!(private pages);\n");
    module.push_str(
        "\n/// Declares a public module (rustfmt does not follow macro `mod` items).\n\
         macro_rules! public {\n($module:ident) => {\npub mod $module;\n};\n}\n\npublic!(params);\n",
    );
    files.push(GeneratedFile::new(format!("{DIR}/mod.rs"), module));
    files.push(crate::emit_param_enums::render(operations)?);
    Ok(files)
}

/// The group struct of a tag: `Instruments` → `InstrumentsApi`.
pub fn api_struct(tag: &str) -> String {
    format!("{}Api", pascal_case(tag))
}

/// The request builder of an operation: `ListInstruments` → `ListInstrumentsRequest`.
pub fn request_struct(operation: &Operation) -> String {
    format!("{}Request", pascal_case(&operation.id))
}

/// Renders one tag: the accessor on `Client`, the group struct with one
/// method per operation, and each operation's request builder.
fn render_tag(tag: &str, operations: &[&Operation]) -> String {
    let api = api_struct(tag);
    let accessor = snake_ident(tag);
    let mut out = format!("{HEADER}\n");
    out.push_str(&format!(
        "impl crate::Client {{\n/// The `{tag}` operations: [`{api}`].\npub fn {accessor}(&self) -> {api} {{\n\
         {api} {{ client: self.clone() }}\n}}\n}}\n\n"
    ));
    out.push_str(&doc_comment(&[
        format!("The operations of the LUSID `{tag}` API (specification tag `{tag}`)."),
        format!(
            "Get one with [`Client::{accessor}`](crate::Client::{accessor}). Each method returns a \
             request builder: set optional parameters on it, then `send().await` it."
        ),
    ]));
    out.push_str(&format!(
        "#[derive(Debug, Clone)]\npub struct {api} {{\nclient: crate::Client,\n}}\n\n"
    ));
    out.push_str(&format!("impl {api} {{\n"));
    for operation in operations {
        out.push_str(&render_method(operation));
    }
    out.push_str("}\n\n");
    for operation in operations {
        out.push_str(&render_params(operation));
        out.push_str(&render_request(operation));
    }
    out.push_str(&render_trait(tag, operations));
    out
}

/// The first documentation line of everything generated for an operation
/// (group method, parameters struct, request builder, trait method):
/// `` `GET /api/instruments` (operation `ListInstruments`) ``, as one `///`
/// line that is never wrapped, however long, so the method, path and id can
/// be searched for together.
pub fn operation_line(operation: &Operation) -> String {
    format!(
        "/// `{} {}` (operation `{}`)\n",
        operation.method, operation.path, operation.id
    )
}

/// The group method of an operation, which builds its request.
fn render_method(operation: &Operation) -> String {
    let request = request_struct(operation);
    let method = snake_ident(&operation.id);
    let arguments = new_arguments(operation);
    let mut out = operation_line(operation);
    out.push_str("///\n");
    out.push_str(&doc_comment(&method_doc(operation)));
    if operation.deprecated {
        out.push_str("#[deprecated(note = \"LUSID marks this operation as deprecated\")]\n");
    }
    // Clippy counts `&self` among the (at most 7) arguments.
    if arguments.len() >= 7 {
        out.push_str("#[allow(clippy::too_many_arguments)]\n");
    }
    out.push_str(&format!(
        "pub fn {method}(&self, {}) -> {request} {{\n{request}::from_params(self, {}::new({}))\n}}\n\n",
        arguments.join(", "),
        params_struct(operation),
        new_argument_names(operation).join(", ")
    ));
    out
}

/// The documentation of an operation's group method, after its
/// [`operation_line`].
fn method_doc(operation: &Operation) -> Vec<String> {
    let request = request_struct(operation);
    let mut paragraphs = Vec::new();
    let status = operation.api_status.as_deref().unwrap_or("unspecified");
    let (idempotent, reason) = operation.idempotent;
    paragraphs.push(format!(
        "API status: `{status}`. Idempotent: {} ({reason}).",
        if idempotent { "yes" } else { "no" }
    ));
    if operation.params.is_empty() {
        paragraphs.push("Parameters: none.".to_owned());
    } else {
        let mut lines = vec![
            "Parameters (required ones are arguments here, optional ones are setters on the request):".to_owned(),
        ];
        for param in &operation.params {
            lines.push(param_line(param, &request));
        }
        paragraphs.push(lines.join("\n"));
    }
    if let Some(body) = &operation.body {
        paragraphs.push(match body.kind {
            BodyKind::Json => format!(
                "Request body `{}`: {}, sent as JSON.",
                body.ident,
                body_doc(&body.ty)
            ),
            BodyKind::Text => format!("Request body `{}`: text, sent as `text/plain`.", body.ident),
            BodyKind::Binary => format!(
                "Request body `{}`: a [`UploadBody`](lusid_api::UploadBody) of known length, \
                 streamed as `application/octet-stream` with that `Content-Length` (never buffered, \
                 so never retried).",
                body.ident
            ),
        });
    }
    let success = &operation.success;
    let returned = match success.kind {
        ResponseKind::Json => body_doc(&success.ty),
        ResponseKind::Text => "the body as text".to_owned(),
        ResponseKind::Binary => {
            "a [`ByteStream`](lusid_api::ByteStream) of the body, read as it arrives".to_owned()
        }
        ResponseKind::Empty => "nothing".to_owned(),
    };
    let mut returns = format!("Returns {returned} (HTTP {}).", success.status);
    if operation.pagination.is_some() {
        returns.push_str(&format!(
            " Paginated: [`{request}::into_stream`] yields every item across pages, \
             [`{request}::into_pages`] every page."
        ));
    }
    paragraphs.push(returns);
    paragraphs.push("# Errors".to_owned());
    let mut errors = Vec::new();
    for error in &operation.errors {
        let with = match &error.schema {
            Some(name) => format!(" with [`{name}`](lusid_models::{name})"),
            None => String::new(),
        };
        errors.push(format!(
            "- [`Error::Status`](crate::Error::Status) for HTTP {}{with};",
            error.status
        ));
    }
    errors.push(
        "- [`Error::Status`](crate::Error::Status) for any other error status, with \
         [`LusidProblemDetails`](lusid_models::LusidProblemDetails) when LUSID sends them;"
            .to_owned(),
    );
    errors.push("- [`Error::Http`](crate::Error::Http) when no response arrived;".to_owned());
    errors.push(
        "- [`Error::Decode`](crate::Error::Decode) when the response body does not match;"
            .to_owned(),
    );
    errors.push(
        "- [`Error::InvalidParameter`](crate::Error::InvalidParameter) or \
         [`Error::Encode`](crate::Error::Encode) when the request cannot be built."
            .to_owned(),
    );
    paragraphs.push(errors.join("\n"));
    paragraphs
}

/// One parameter line of an operation's documentation.
fn param_line(param: &Param, request: &str) -> String {
    let location = match param.location {
        Location::Path => "path",
        Location::Query => "query",
        Location::Header => "header",
    };
    let presence = if param.required {
        "required"
    } else {
        "optional"
    };
    let mut line = format!(
        "- `{}` ({location}, {presence}): {}",
        param.wire,
        param_type_doc(param)
    );
    if !param.allowed_values.is_empty() {
        line.push_str(&format!(
            "; known values {}",
            code_list(&param.allowed_values, usize::MAX)
        ));
    }
    if let Some(default) = &param.default {
        line.push_str(&format!("; documented default `{default}`"));
    }
    if !param.required {
        line.push_str(&format!("; set with [`{request}::{}`]", param.ident));
    }
    line.push('.');
    line
}

/// The type part of a parameter's documentation.
pub fn param_type_doc(param: &Param) -> String {
    if let Some(name) = &param.enum_type {
        let link = format!("[`{name}`](crate::params::{name})");
        return match &param.ty {
            RustType::Array(_) => format!(
                "a list of {link} (or strings), sent as one `{}=` pair each",
                param.wire
            ),
            _ => format!("{link} (or any string)"),
        };
    }
    match &param.ty {
        RustType::DateTime => DATE_TIME_DOC.to_owned(),
        RustType::Array(item) => format!(
            "a list of {}, sent as one `{}=` pair each",
            plural(item),
            param.wire
        ),
        other => other.describe(),
    }
}

/// The plural of a scalar parameter type, for list parameters.
fn plural(ty: &RustType) -> String {
    match ty {
        RustType::DateTime => "date-times (in the LUSID form)".to_owned(),
        RustType::Integer => "integers".to_owned(),
        RustType::Boolean => "booleans".to_owned(),
        RustType::Number => "numbers".to_owned(),
        _ => "strings".to_owned(),
    }
}

/// A body or response type for documentation, linking models.
fn body_doc(ty: &RustType) -> String {
    match ty {
        RustType::Schema(name) => format!("[`{name}`](lusid_models::{name})"),
        RustType::Array(item) => format!("an array of {}", body_doc(item)),
        RustType::Map(value) => format!("an object mapping keys to {}", body_doc(value)),
        other => other.describe(),
    }
}

/// The request builder of an operation: setters, `send`, and pagination.
fn render_request(operation: &Operation) -> String {
    let request = request_struct(operation);
    let params = params_struct(operation);
    let api = api_struct(&operation.tag);
    let (idempotent, _) = operation.idempotent;
    let mut out = operation_line(operation);
    out.push_str("///\n");
    out.push_str(&doc_comment(&[format!(
        "The request builder of `{}`, made by [`{api}::{}`] (or [`from_params`](Self::from_params)). \
         Set optional parameters, then [`send`](Self::send) it.",
        operation.id,
        snake_ident(&operation.id)
    )]));
    out.push_str(&format!(
        "#[derive(Debug, Clone)]\n#[must_use = \"a request does nothing until it is sent\"]\npub struct {request} {{\nclient: crate::Client,\n"
    ));
    out.push_str(&format!("params: {params},\n"));
    out.push_str("call_options: lusid_http::CallOptions,\n");
    out.push_str("}\n\n");
    out.push_str(&format!(
        "impl {request} {{\n/// The operation this request performs, as the HTTP stack sees it.\n\
         pub const OPERATION: lusid_http::Operation = lusid_http::Operation {{ id: {:?}, path_template: {:?}, idempotent: {idempotent} }};\n\n",
        operation.id, operation.path
    ));
    out.push_str(&format!(
        "/// The request sending `params` with `api`'s client: what the group method and setters build.\n\
         pub fn from_params(api: &{api}, params: {params}) -> Self {{\n\
         Self {{ client: api.client.clone(), params, call_options: lusid_http::CallOptions::new() }}\n}}\n\n"
    ));
    for param in operation.params.iter().filter(|param| !param.required) {
        out.push_str(&render_setter(param));
    }
    out.push_str(&format!(
        "/// The parameters this request sends.\npub fn params(&self) -> &{params} {{\n&self.params\n}}\n\n\
         /// The parameters this request sends, taken out of it.\npub fn into_params(self) -> {params} {{\nself.params\n}}\n\n"
    ));
    out.push_str(CALL_OPTION_SETTERS);
    out.push_str(&render_send(operation));
    if let Some(pagination) = &operation.pagination {
        out.push_str(&render_pagination_methods(operation, pagination));
    }
    out.push_str("}\n\n");
    if let Some(pagination) = &operation.pagination {
        out.push_str(&render_paged_params(operation, pagination));
    }
    out
}

/// The per-call settings every request builder has, carried to the HTTP
/// stack as [`lusid_http::CallOptions`].
const CALL_OPTION_SETTERS: &str = "\
/// Bounds each attempt of this call (sending the request and reading the whole response), \
instead of the client's per-attempt timeout.
pub fn attempt_timeout(mut self, timeout: std::time::Duration) -> Self {
self.call_options = self.call_options.attempt_timeout(timeout);
self
}

/// Bounds this whole call, every retry and wait included, instead of the client's total \
timeout.
pub fn total_timeout(mut self, timeout: std::time::Duration) -> Self {
self.call_options = self.call_options.total_timeout(timeout);
self
}

/// Also counts this call's retries into `tally` (shared by its clones), for a caller's own statistics; the retries themselves follow the client's retry policy.
pub fn retry_tally(mut self, tally: lusid_http::RetryTally) -> Self {
self.call_options = self.call_options.retry_tally(tally);
self
}

";

/// `send`: builds the HTTP request and executes it.
fn render_send(operation: &Operation) -> String {
    let response = operation.success.render_type(Crate::Api);
    let method = operation.method;
    let mut body = format!(
        "let mut request = crate::request::RequestBuilder::new(Self::OPERATION, http::Method::{method});\n"
    );
    for segment in &operation.segments {
        match segment {
            Segment::Literal(text) => body.push_str(&format!("request.path({text:?});\n")),
            Segment::Param(wire) => {
                if let Some(param) = operation.params.iter().find(|param| param.wire == *wire) {
                    body.push_str(&format!(
                        "request.path_param({wire:?}, &self.params.{})?;\n",
                        param.ident
                    ));
                }
            }
        }
    }
    for param in operation
        .params
        .iter()
        .filter(|param| param.location != Location::Path)
    {
        let wire = &param.wire;
        let ident = &param.ident;
        let line = match (param.location, &param.ty, param.required) {
            (Location::Header, _, true) => {
                format!("request.header({wire:?}, Some(&self.params.{ident}))?;\n")
            }
            (Location::Header, _, false) => {
                format!("request.header({wire:?}, self.params.{ident}.as_ref())?;\n")
            }
            (_, RustType::Array(_), _) => {
                format!("request.query_each({wire:?}, &self.params.{ident})?;\n")
            }
            (_, RustType::Map(_), true) => {
                format!("request.query_map({wire:?}, Some(&self.params.{ident}))?;\n")
            }
            (_, RustType::Map(_), false) => {
                format!("request.query_map({wire:?}, self.params.{ident}.as_ref())?;\n")
            }
            (_, _, true) => format!("request.query({wire:?}, Some(&self.params.{ident}))?;\n"),
            (_, _, false) => format!("request.query({wire:?}, self.params.{ident}.as_ref())?;\n"),
        };
        body.push_str(&line);
    }
    if let Some(request_body) = &operation.body {
        match request_body.kind {
            BodyKind::Json if needs_date_time_wrapper(&request_body.ty) => body.push_str(
                "request.json_body(&lusid_models::datetime::nested::DateTimesOut(&self.params.body))?;\n",
            ),
            BodyKind::Json => body.push_str("request.json_body(&self.params.body)?;\n"),
            BodyKind::Text => body.push_str("request.text_body(self.params.body);\n"),
            BodyKind::Binary => body.push_str("request.binary_body(self.params.body);\n"),
        }
    }
    body.push_str("request.call_options(self.call_options);\n");
    let errors = "# Errors\nSee the [`Error`](crate::Error) variants: the status and LUSID's problem \
         details for an error status, the JSON path for a body that does not decode.";
    let send_doc = |what: &str| doc_comment(&[what.to_owned(), errors.to_owned()]);
    match operation.success.kind {
        ResponseKind::Json => {}
        ResponseKind::Text => {
            body.push_str("request.accept(\"text/plain\");\n");
            body.push_str("self.client.execute_text(request.build()?).await\n");
            return format!(
                "{}pub async fn send(self) -> Result<String, crate::Error> {{\n{body}}}\n\n",
                send_doc("Sends the request and returns the response body as text.")
            );
        }
        ResponseKind::Binary => {
            body.push_str("request.accept(\"*/*\");\n");
            body.push_str("self.client.execute_stream(request.build()?).await\n");
            return format!(
                "{}pub async fn send(self) -> Result<lusid_api::ByteStream, crate::Error> {{\n{body}}}\n\n",
                send_doc(
                    "Sends the request and returns the response body as a stream of bytes, \
                     read from the connection as it is consumed (a tokio `AsyncRead`: \
                     `tokio::io::copy` it into a file)."
                )
            );
        }
        ResponseKind::Empty => {
            body.push_str("self.client.execute_empty(request.build()?).await\n");
            return format!(
                "{}pub async fn send(self) -> Result<(), crate::Error> {{\n{body}}}\n\n",
                send_doc("Sends the request; a success status is all it answers.")
            );
        }
    }
    body.push_str("self.client.execute(request.build()?).await\n");
    let send_body = if needs_date_time_wrapper(&operation.success.ty) {
        format!(
            "let response: lusid_models::datetime::nested::DateTimesIn<{response}> = \
             self.send_as().await?;\nOk(response.0)\n"
        )
    } else {
        "self.send_as().await\n".to_owned()
    };
    let send_doc = send_doc(&format!(
        "Sends the request and decodes the response as `{response}`."
    ));
    let send_as_doc = doc_comment(&[
        "Sends the request and decodes a successful response as any `T`: a type of your own, \
         `serde_json::Value`, or [`RawJson`](lusid_models::RawJson) to keep the body exactly as \
         LUSID sent it."
            .to_owned(),
        errors.to_owned(),
    ]);
    format!(
        "{send_doc}pub async fn send(self) -> Result<{response}, crate::Error> {{\n{send_body}}}\n\n\
         {send_as_doc}pub async fn send_as<T: serde::de::DeserializeOwned>(self) -> Result<T, crate::Error> {{\n{body}}}\n\n"
    )
}

/// Whether a body type holds date-times outside any generated struct (a bare
/// date-time, or a list or map of them): such bodies go through the
/// `datetime::nested` wrappers, since `OffsetDateTime` has no serde
/// implementation of its own in the LUSID format.
fn needs_date_time_wrapper(ty: &RustType) -> bool {
    ty.has_datetime()
}

/// `page_size`, `into_pages`, `into_stream` and `into_raw_pages` of a
/// paginated request, over [`paginate`](lusid_api::paginate) and
/// [`paginate_pages`](lusid_api::paginate_pages).
fn render_pagination_methods(
    operation: &Operation,
    pagination: &crate::operation::Pagination,
) -> String {
    let page = format!("lusid_models::{}", pagination.page_type);
    let item = pagination.item_type.render(Crate::Api);
    let params = params_struct(operation);
    let mut out = String::new();
    if let Some(limit) = &pagination.limit {
        out.push_str(&doc_comment(&["Sets how many items each page holds (the `limit` query parameter). When \
             paginating without it, [`into_stream`](Self::into_stream) and \
             [`into_pages`](Self::into_pages) ask for [`DEFAULT_PAGE_SIZE`](crate::DEFAULT_PAGE_SIZE) \
             items per page."
            .to_owned()]));
        out.push_str(&format!(
            "pub fn page_size(self, size: i64) -> Self {{\nself.{limit}(size)\n}}\n\n"
        ));
    }
    out.push_str(&format!(
        "/// This request with other parameters (the paginator's next page).\n\
         fn with_params(&self, params: {params}) -> Self {{\n\
         Self {{ client: self.client.clone(), params, call_options: self.call_options.clone() }}\n}}\n\n"
    ));
    let as_at = if pagination.as_at.is_some() {
        " Without an `asAt`, the first request pins `asAt` to the current UTC time, so \
         every page reads the same snapshot."
    } else {
        ""
    };
    let ends = "The stream ends after the first error. It is `Unpin`: \
         `while let Some(x) = stream.try_next().await? {}` needs no `pin!` and no trait import."
        .to_owned();
    out.push_str(&doc_comment(&[
        format!(
            "Every page of `{}`, following `nextPage` until it is empty. Each page is requested \
             only when the previous one has been taken, with the same parameters plus `page`.{as_at}",
            operation.id,
        ),
        ends.clone(),
    ]));
    out.push_str(&format!(
        "pub fn into_pages(self) -> crate::PageStream<'static, {page}> {{\n\
         let params = self.params.clone();\n\
         crate::paginate_pages(params, move |params| self.with_params(params).send())\n}}\n\n"
    ));
    out.push_str(&doc_comment(&[
        format!(
            "Every item of every page of `{}`, in order. At most one page is held in memory; the \
             next page is requested when the current one is used up.{as_at}",
            operation.id
        ),
        ends.clone(),
    ]));
    out.push_str(&format!(
        "pub fn into_stream(self) -> crate::ItemStream<'static, {item}> {{\n\
         let params = self.params.clone();\n\
         crate::paginate(params, move |params| self.with_params(params).send())\n}}\n\n"
    ));
    out.push_str(&doc_comment(&[
        format!(
            "Every page of `{}` with its items kept exactly as LUSID sent them, fields this \
             crate does not know included: for copying the data elsewhere unchanged.",
            operation.id
        ),
        ends,
    ]));
    out.push_str(
        "pub fn into_raw_pages(self) -> crate::PageStream<'static, crate::RawPage> {\n\
         let params = self.params.clone();\n\
         crate::paginate_pages(params, move |params| self.with_params(params).send_as::<crate::RawPage>())\n}\n\n",
    );
    out
}

/// The `PagedParams` implementation of a paginated operation's parameters,
/// which [`paginate`](lusid_api::paginate) changes between pages.
fn render_paged_params(operation: &Operation, pagination: &crate::operation::Pagination) -> String {
    let params = params_struct(operation);
    let (page_size, set_page_size) = match &pagination.limit {
        Some(limit) => (
            format!("self.{limit}"),
            format!("self.{limit} = Some(size);"),
        ),
        None => ("None".to_owned(), "let _ = size;".to_owned()),
    };
    let pin_as_at = match &pagination.as_at {
        Some(as_at) => format!(
            "fn pin_as_at(&mut self, now: time::OffsetDateTime) {{\nself.{as_at}.get_or_insert(now);\n}}\n\n"
        ),
        None => String::new(),
    };
    format!(
        "impl crate::PagedParams for {params} {{\n\
         const OPERATION_ID: &'static str = {:?};\n\n\
         fn page_size(&self) -> Option<i64> {{\n{page_size}\n}}\n\n\
         fn set_page_size(&mut self, size: i64) {{\n{set_page_size}\n}}\n\n\
         {pin_as_at}\
         fn set_page_token(&mut self, token: String) {{\nself.page = Some(token);\n}}\n}}\n\n",
        operation.id
    )
}

/// `pages.rs`: the `Page` implementation of every page type, once each.
fn render_pages(operations: &[Operation]) -> String {
    let mut out = format!("{HEADER}\n//! How the paginator reads each page type.\n\n");
    let mut features: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for operation in operations {
        if let Some(pagination) = &operation.pagination {
            features
                .entry(&pagination.page_type)
                .or_default()
                .insert(operation.feature.clone());
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for operation in operations {
        let Some(pagination) = &operation.pagination else {
            continue;
        };
        if seen.contains(&pagination.page_type.as_str()) {
            continue;
        }
        seen.push(&pagination.page_type);
        if let Some(features) = features.get(pagination.page_type.as_str()) {
            out.push_str(&Gate::Any(features.clone()).attribute());
        }
        let item = pagination.item_type.render(Crate::Api);
        let next_page = if pagination.next_page_optional {
            "self.next_page.as_deref()"
        } else {
            "Some(self.next_page.as_str())"
        };
        let values = if pagination.values_optional {
            "self.values.unwrap_or_default()"
        } else {
            "self.values"
        };
        out.push_str(&format!(
            "impl crate::Page for lusid_models::{} {{\ntype Item = {item};\n\n\
             fn next_page(&self) -> Option<&str> {{\n{next_page}\n}}\n\n\
             fn into_items(self) -> Vec<Self::Item> {{\n{values}\n}}\n}}\n\n",
            pagination.page_type
        ));
    }
    out
}

/// Everything generated for one operation, as one file: its group method
/// (in an `impl` of the group struct), parameters struct, request builder
/// and trait method (for snapshot tests).
#[cfg(test)]
pub fn render_operation(operation: &Operation) -> String {
    let mut out = format!(
        "{HEADER}\nimpl {} {{\n{}}}\n\n",
        api_struct(&operation.tag),
        render_method(operation)
    );
    out.push_str(&render_params(operation));
    out.push_str(&render_request(operation));
    out.push_str(&render_trait(&operation.tag, &[operation]));
    out
}

/// Finds the operation doc lines (`` `METHOD /path` (operation `Id`) ``)
/// that are split over several lines in generated source: each problem as
/// `line number: text`. A doc line that starts with `` `METHOD /`` or
/// mentions `(operation` must be a whole operation line.
#[cfg(test)]
pub fn split_operation_lines(source: &str) -> Vec<String> {
    const METHODS: [&str; 7] = ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"];
    let is_whole = |text: &str| -> bool {
        let Some((method, rest)) = text.strip_prefix('`').and_then(|rest| rest.split_once(' '))
        else {
            return false;
        };
        let Some((path, rest)) = rest.split_once("` (operation `") else {
            return false;
        };
        let Some(id) = rest.strip_suffix("`)") else {
            return false;
        };
        METHODS.contains(&method)
            && path.starts_with('/')
            && !path.contains(' ')
            && !id.is_empty()
            && id.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    };
    let mut problems = Vec::new();
    for (index, line) in source.lines().enumerate() {
        let Some(doc) = line.trim_start().strip_prefix("///") else {
            continue;
        };
        let text = doc.trim();
        let starts_like_one = METHODS
            .iter()
            .any(|method| text.starts_with(&format!("`{method} /")));
        if (starts_like_one || text.contains("(operation")) && !is_whole(text) {
            problems.push(format!("{}: {line}", index + 1));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_finds_split_operation_lines() {
        let split_after_path = "/// `POST /api/instruments/$batchupsertproperties` (operation\n\
             /// `BatchUpsertInstrumentProperties`)\n";
        assert_eq!(split_operation_lines(split_after_path).len(), 1);
        let split_before = "/// `POST /api/instruments/$batchupsertproperties`\n\
             /// (operation `BatchUpsertInstrumentProperties`)\n";
        assert_eq!(split_operation_lines(split_before).len(), 2);
        let whole = "    /// `POST /api/instruments/$batchupsertproperties` (operation `BatchUpsertInstrumentProperties`)\n\
             /// The `X` request (`GET /api/x`), built by ...\n";
        assert!(split_operation_lines(whole).is_empty());
    }

    #[test]
    fn no_generated_operation_line_is_split() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root");
        let dir = root.join(DIR);
        let mut lines = 0;
        let mut problems = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("generated directory") {
            let path = entry.expect("entry").path();
            let source = std::fs::read_to_string(&path).expect("source");
            lines += source.matches("(operation `").count();
            for problem in split_operation_lines(&source) {
                problems.push(format!("{}:{problem}", path.display()));
            }
        }
        assert!(
            problems.is_empty(),
            "split operation lines:\n{}",
            problems.join("\n")
        );
        // Group method, parameters struct, request builder and trait method.
        assert!(lines >= 4 * 898, "only {lines} operation lines found");
    }

    #[test]
    fn no_service_operation_line_is_split() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root");
        let mut lines = 0;
        let mut problems = Vec::new();
        for service in &crate::services::SERVICES {
            let dir = root.join(service.dir()).join("src/apis");
            for entry in std::fs::read_dir(&dir).expect("generated directory") {
                let path = entry.expect("entry").path();
                let source = std::fs::read_to_string(&path).expect("source");
                lines += source.matches("(operation `").count();
                for problem in split_operation_lines(&source) {
                    problems.push(format!("{}:{problem}", path.display()));
                }
            }
        }
        assert!(
            problems.is_empty(),
            "split operation lines:\n{}",
            problems.join("\n")
        );
        // The services' 385 operations, four lines each.
        assert!(lines >= 4 * 385, "only {lines} operation lines found");
    }
}
