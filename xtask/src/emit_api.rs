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
use crate::operation::{Location, Operation, Param, Segment};
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
    files.push(GeneratedFile::new(format!("{DIR}/mod.rs"), module));
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

/// The argument type of a required parameter.
pub fn argument_type(ty: &RustType) -> String {
    match ty {
        RustType::String => "impl Into<String>".to_owned(),
        RustType::Array(item) if **item == RustType::String => {
            "impl IntoIterator<Item = impl Into<String>>".to_owned()
        }
        RustType::Array(item) => format!("impl IntoIterator<Item = {}>", item.render(Crate::Api)),
        other => other.render(Crate::Api),
    }
}

/// The expression converting an argument of [`argument_type`] to its stored type.
pub fn convert(ident: &str, ty: &RustType) -> String {
    match ty {
        RustType::String => format!("{ident}.into()"),
        RustType::Array(item) if **item == RustType::String => {
            format!("{ident}.into_iter().map(Into::into).collect()")
        }
        RustType::Array(_) => format!("{ident}.into_iter().collect()"),
        _ => ident.to_owned(),
    }
}

/// The stored type of a parameter in the request builder.
pub fn stored_type(param: &Param) -> String {
    let ty = param.ty.render(Crate::Api);
    match (&param.ty, param.required) {
        (RustType::Array(_), _) | (_, true) => ty,
        (_, false) => format!("Option<{ty}>"),
    }
}

/// The group method of an operation, which builds its request.
fn render_method(operation: &Operation) -> String {
    let request = request_struct(operation);
    let method = snake_ident(&operation.id);
    let arguments = new_arguments(operation);
    let mut out = doc_comment(&method_doc(operation));
    if operation.deprecated {
        out.push_str("#[deprecated(note = \"LUSID marks this operation as deprecated\")]\n");
    }
    // Clippy counts `&self` among the (at most 7) arguments.
    if arguments.len() >= 7 {
        out.push_str("#[allow(clippy::too_many_arguments)]\n");
    }
    out.push_str(&format!(
        "pub fn {method}(&self, {}) -> {request} {{\n{request} {{ client: self.client.clone(), \
         params: {}::new({}), call_options: lusid_http::CallOptions::new() }}\n}}\n\n",
        arguments.join(", "),
        params_struct(operation),
        new_argument_names(operation).join(", ")
    ));
    out
}

/// The documentation of an operation's group method.
fn method_doc(operation: &Operation) -> Vec<String> {
    let request = request_struct(operation);
    let mut paragraphs = vec![format!(
        "`{} {}` (operation `{}`)",
        operation.method, operation.path, operation.id
    )];
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
        paragraphs.push(format!(
            "Request body `{}`: {}, sent as JSON.",
            body.ident,
            body_doc(&body.ty)
        ));
    }
    let success = &operation.success;
    let mut returns = format!(
        "Returns {} (HTTP {}).",
        body_doc(&success.ty),
        success.status
    );
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
    let (idempotent, _) = operation.idempotent;
    let mut out = doc_comment(&[format!(
        "The `{}` request (`{} {}`), built by [`{}::{}`]. Set optional parameters, then \
             [`send`](Self::send) it.",
        operation.id,
        operation.method,
        operation.path,
        api_struct(&operation.tag),
        snake_ident(&operation.id)
    )]);
    out.push_str(&format!(
        "#[derive(Debug, Clone)]\n#[must_use = \"a request does nothing until it is sent\"]\npub struct {request} {{\nclient: crate::Client,\n"
    ));
    out.push_str(&format!("params: {},\n", params_struct(operation)));
    out.push_str("call_options: lusid_http::CallOptions,\n");
    out.push_str("}\n\n");
    out.push_str(&format!(
        "impl {request} {{\n/// The operation this request performs, as the HTTP stack sees it.\n\
         pub const OPERATION: lusid_http::Operation = lusid_http::Operation {{ id: {:?}, path_template: {:?}, idempotent: {idempotent} }};\n\n",
        operation.id, operation.path
    ));
    for param in operation.params.iter().filter(|param| !param.required) {
        out.push_str(&render_setter(param, true));
    }
    out.push_str(&format!(
        "/// The parameters this request sends.\npub fn params(&self) -> &{0} {{\n&self.params\n}}\n\n\
         /// The parameters this request sends, taken out of it.\npub fn into_params(self) -> {0} {{\nself.params\n}}\n\n",
        params_struct(operation)
    ));
    out.push_str(CALL_OPTION_SETTERS);
    out.push_str(&render_send(operation));
    if let Some(pagination) = &operation.pagination {
        out.push_str(&render_pagination_methods(operation, pagination));
    }
    out.push_str("}\n\n");
    if let Some(pagination) = &operation.pagination {
        out.push_str(&render_paged_request(operation, pagination));
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

";

/// `send`: builds the HTTP request and executes it.
fn render_send(operation: &Operation) -> String {
    let response = operation.success.ty.render(Crate::Api);
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
        .filter(|param| param.location == Location::Query)
    {
        let wire = &param.wire;
        let ident = &param.ident;
        let line = match (&param.ty, param.required) {
            (RustType::Array(_), _) => {
                format!("request.query_each({wire:?}, &self.params.{ident})?;\n")
            }
            (_, true) => format!("request.query({wire:?}, Some(&self.params.{ident}))?;\n"),
            (_, false) => format!("request.query({wire:?}, self.params.{ident}.as_ref())?;\n"),
        };
        body.push_str(&line);
    }
    if let Some(request_body) = &operation.body {
        if needs_date_time_wrapper(&request_body.ty) {
            body.push_str(
                "request.json_body(&lusid_models::datetime::nested::DateTimesOut(&self.params.body))?;\n",
            );
        } else {
            body.push_str("request.json_body(&self.params.body)?;\n");
        }
    }
    body.push_str("request.call_options(self.call_options);\n");
    body.push_str("self.client.execute(request.build()?).await\n");
    let send_body = if needs_date_time_wrapper(&operation.success.ty) {
        format!(
            "let response: lusid_models::datetime::nested::DateTimesIn<{response}> = \
             self.send_as().await?;\nOk(response.0)\n"
        )
    } else {
        "self.send_as().await\n".to_owned()
    };
    let errors = "# Errors\nSee the [`Error`](crate::Error) variants: the status and LUSID's problem \
         details for an error status, the JSON path for a body that does not decode.";
    let send_doc = doc_comment(&[
        format!("Sends the request and decodes the response as `{response}`."),
        errors.to_owned(),
    ]);
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

/// `page_size`, `into_pages` and `into_stream` of a paginated request.
fn render_pagination_methods(
    operation: &Operation,
    pagination: &crate::operation::Pagination,
) -> String {
    let page = format!("lusid_models::{}", pagination.page_type);
    let item = pagination.item_type.render(Crate::Api);
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
    out.push_str(&doc_comment(&[
        format!(
            "Every page of `{}`, following `nextPage` until it is empty. Each page is requested \
             only when the previous one has been taken, with the same parameters plus `page`.{}",
            operation.id,
            if pagination.as_at.is_some() {
                " Without an `asAt`, the first request pins `asAt` to the current UTC time, so \
                 every page reads the same snapshot."
            } else {
                ""
            }
        ),
        "The stream ends after the first error.".to_owned(),
    ]));
    out.push_str(&format!(
        "pub fn into_pages(self) -> impl futures_util::Stream<Item = Result<{page}, crate::Error>> + Send + 'static {{\n\
         crate::paginator::pages(self)\n}}\n\n"
    ));
    out.push_str(&doc_comment(&[
        format!(
            "Every item of every page of `{}`, in order. At most one page is held in memory; the \
             next page is requested when the current one is used up.",
            operation.id
        ),
        "The stream ends after the first error.".to_owned(),
    ]));
    out.push_str(&format!(
        "pub fn into_stream(self) -> impl futures_util::Stream<Item = Result<{item}, crate::Error>> + Send + 'static {{\n\
         crate::paginator::items(self)\n}}\n\n"
    ));
    out.push_str(&doc_comment(&[
        format!(
            "Every page of `{}` with its items kept exactly as LUSID sent them, fields this \
             crate does not know included: for copying the data elsewhere unchanged.",
            operation.id
        ),
        "The stream ends after the first error.".to_owned(),
    ]));
    out.push_str(
        "pub fn into_raw_pages(self) -> impl futures_util::Stream<Item = Result<crate::RawPage, crate::Error>> + Send + 'static {\n\
         crate::paginator::pages_as::<Self, crate::RawPage>(self)\n}\n\n",
    );
    out
}

/// The `PagedRequest` implementation wiring a request to the paginator.
fn render_paged_request(
    operation: &Operation,
    pagination: &crate::operation::Pagination,
) -> String {
    let request = request_struct(operation);
    let page = format!("lusid_models::{}", pagination.page_type);
    let (page_size, set_page_size) = match &pagination.limit {
        Some(limit) => (
            format!("self.params.{limit}"),
            format!("self.params.{limit} = Some(size);"),
        ),
        None => ("None".to_owned(), "let _ = size;".to_owned()),
    };
    let pin_as_at = match &pagination.as_at {
        Some(as_at) => format!(
            "fn pin_as_at(&mut self, now: time::OffsetDateTime) {{\nself.params.{as_at}.get_or_insert(now);\n}}\n\n"
        ),
        None => String::new(),
    };
    format!(
        "impl crate::paginator::PagedRequest for {request} {{\ntype Page = {page};\n\n\
         const OPERATION_ID: &'static str = Self::OPERATION.id;\n\n\
         fn page_size(&self) -> Option<i64> {{\n{page_size}\n}}\n\n\
         fn set_page_size(&mut self, size: i64) {{\n{set_page_size}\n}}\n\n\
         {pin_as_at}\
         fn set_page_token(&mut self, token: String) {{\nself.params.page = Some(token);\n}}\n\n\
         fn send_page_as<P: serde::de::DeserializeOwned + Send>(self) -> impl std::future::Future<Output = Result<P, crate::Error>> + Send {{\nself.send_as()\n}}\n}}\n\n"
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
            "impl crate::paginator::Page for lusid_models::{} {{\ntype Item = {item};\n\n\
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
