//! Renders each operation's parameters struct (`ListInstrumentsParams`):
//! plain data, every path and query parameter and the body as public fields,
//! with a `new` taking the required ones. The setters of the optional ones
//! live on the request builder only ([`render_setter`]), which writes its
//! `params` field directly.
//!
//! The request builder holds one, and the tag's async trait takes one, so a
//! mock's expectations can inspect every parameter. Also the Rust types of a
//! parameter: stored, as an argument, and the conversion between them.

use crate::docs::{code_list, doc_comment};
use crate::emit_api::{operation_line, param_type_doc};
use crate::naming::pascal_case;
use crate::operation::{BodyKind, Location, Operation, Param};
use crate::types::{Crate, RustType};

/// The parameters struct of an operation: `ListInstruments` → `ListInstrumentsParams`.
pub fn params_struct(operation: &Operation) -> String {
    format!("{}Params", pascal_case(&operation.id))
}

/// The type of one value of a parameter (of each element, for a list): its
/// open enum when it has a value list, else its scalar type.
fn value_type(param: &Param) -> String {
    let scalar = match &param.ty {
        RustType::Array(item) => item,
        other => other,
    };
    match &param.enum_type {
        Some(name) => format!("crate::params::{name}"),
        None => scalar.render(Crate::Api),
    }
}

/// Whether a value is taken as `impl Into<...>` (strings and enums).
fn takes_into(param: &Param) -> bool {
    let scalar = match &param.ty {
        RustType::Array(item) => item,
        other => other,
    };
    param.enum_type.is_some() || *scalar == RustType::String
}

/// The stored type of a parameter: `Vec` for lists, `Option` for optional
/// scalars.
pub fn stored_type(param: &Param) -> String {
    let value = value_type(param);
    match (&param.ty, param.required) {
        (RustType::Array(_), _) => format!("Vec<{value}>"),
        (_, true) => value,
        (_, false) => format!("Option<{value}>"),
    }
}

/// The argument type of a parameter in `new`, the group method and setters.
pub fn argument_type(param: &Param) -> String {
    let value = value_type(param);
    match (&param.ty, takes_into(param)) {
        (RustType::Array(_), true) => format!("impl IntoIterator<Item = impl Into<{value}>>"),
        (RustType::Array(_), false) => format!("impl IntoIterator<Item = {value}>"),
        (_, true) => format!("impl Into<{value}>"),
        (_, false) => value,
    }
}

/// The expression converting an argument of [`argument_type`] named `ident`
/// to the parameter's value (the element of `Option`, or the `Vec`).
pub fn convert(param: &Param, ident: &str) -> String {
    match (&param.ty, takes_into(param)) {
        (RustType::Array(_), true) => format!("{ident}.into_iter().map(Into::into).collect()"),
        (RustType::Array(_), false) => format!("{ident}.into_iter().collect()"),
        (_, true) => format!("{ident}.into()"),
        (_, false) => ident.to_owned(),
    }
}

/// The arguments of `new` (and of the group method): the required
/// parameters, then the body.
pub fn new_arguments(operation: &Operation) -> Vec<String> {
    let mut arguments: Vec<String> = operation
        .params
        .iter()
        .filter(|param| param.required)
        .map(|param| format!("{}: {}", param.ident, argument_type(param)))
        .collect();
    if let Some(body) = &operation.body {
        let ty = match body.kind {
            BodyKind::Text => "impl Into<String>".to_owned(),
            _ => body.render_type(Crate::Api),
        };
        arguments.push(format!("{}: {ty}", body.ident));
    }
    arguments
}

/// The names passed on to `new`, in the order of [`new_arguments`].
pub fn new_argument_names(operation: &Operation) -> Vec<String> {
    let mut names: Vec<String> = operation
        .params
        .iter()
        .filter(|param| param.required)
        .map(|param| param.ident.clone())
        .collect();
    if let Some(body) = &operation.body {
        names.push(body.ident.clone());
    }
    names
}

/// The documentation of one parameter: wire name, place, type, values.
pub fn param_doc(param: &Param) -> String {
    let location = match param.location {
        Location::Path => "path",
        Location::Query => "query",
        Location::Header => "header",
    };
    let mut doc = format!("`{}` ({location}): {}", param.wire, param_type_doc(param));
    if !param.allowed_values.is_empty() {
        doc.push_str(&format!(
            "; known values {}",
            code_list(&param.allowed_values, usize::MAX)
        ));
    }
    if let Some(default) = &param.default {
        doc.push_str(&format!("; documented default `{default}`"));
    }
    doc.push('.');
    doc
}

/// Renders the parameters struct of an operation and its `impl`.
pub fn render_params(operation: &Operation) -> String {
    let params = params_struct(operation);
    let mut out = operation_line(operation);
    out.push_str("///\n");
    out.push_str(&doc_comment(&[
        format!(
            "The parameters of `{}`: what its request builder \
             ([`{}`](crate::{})) sends, and what the tag's trait method takes.",
            operation.id,
            crate::emit_api::request_struct(operation),
            crate::emit_api::request_struct(operation)
        ),
        "Plain data: build one with [`new`](Self::new) (the required parameters), then set \
         the public fields of the optional ones (or take one from a request builder with \
         `into_params()`); read them in a mock's expectations. `#[non_exhaustive]`: LUSID \
         adds parameters over time."
            .to_owned(),
    ]));
    let default = operation.body.is_none() && operation.params.iter().all(|param| !param.required);
    out.push_str(&format!(
        "#[derive(Debug, Clone, PartialEq{})]\n#[non_exhaustive]\npub struct {params} {{\n",
        if default { ", Default" } else { "" }
    ));
    for param in &operation.params {
        out.push_str(&doc_comment(&[param_doc(param)]));
        out.push_str(&format!("pub {}: {},\n", param.ident, stored_type(param)));
    }
    if let Some(body) = &operation.body {
        out.push_str(match body.kind {
            BodyKind::Json => "/// The JSON request body.\n",
            BodyKind::Text => "/// The `text/plain` request body.\n",
            BodyKind::Binary => {
                "/// The `application/octet-stream` request body: streamed, with its length as `Content-Length`.\n"
            }
        });
        out.push_str(&format!("pub body: {},\n", body.render_type(Crate::Api)));
    }
    out.push_str("}\n\n");
    out.push_str(&format!("impl {params} {{\n"));
    out.push_str(&render_new(operation));
    out.push_str("}\n\n");
    out
}

/// `new`: the required parameters and the body; optional ones unset.
fn render_new(operation: &Operation) -> String {
    let mut fields = Vec::new();
    for param in &operation.params {
        let value = if param.required {
            convert(param, &param.ident)
        } else if let RustType::Array(_) = param.ty {
            "Vec::new()".to_owned()
        } else {
            "None".to_owned()
        };
        if value == param.ident {
            fields.push(value);
        } else {
            fields.push(format!("{}: {value}", param.ident));
        }
    }
    if let Some(body) = &operation.body {
        fields.push(if body.kind == BodyKind::Text {
            format!("body: {}.into()", body.ident)
        } else if body.ident == "body" {
            "body".to_owned()
        } else {
            format!("body: {}", body.ident)
        });
    }
    let arguments = new_arguments(operation);
    let mut out = doc_comment(&["The required parameters; every optional one unset.".to_owned()]);
    if arguments.len() > 7 {
        out.push_str("#[allow(clippy::too_many_arguments)]\n");
    }
    out.push_str(&format!(
        "pub fn new({}) -> Self {{\nSelf {{ {} }}\n}}\n\n",
        arguments.join(", "),
        fields.join(", ")
    ));
    out
}

/// The request builder's chainable setter of an optional parameter, which
/// writes the builder's `params` field.
pub fn render_setter(param: &Param) -> String {
    let mut doc = format!("Sets {}", param_doc(param));
    if let RustType::Array(_) = param.ty {
        doc.push_str(" Replaces any earlier values.");
    }
    let ident = &param.ident;
    let argument = argument_type(param);
    let value = match param.ty {
        RustType::Array(_) => convert(param, ident),
        _ => format!("Some({})", convert(param, ident)),
    };
    format!(
        "{}pub fn {ident}(mut self, {ident}: {argument}) -> Self {{\nself.params.{ident} = {value};\nself\n}}\n\n",
        doc_comment(&[doc])
    )
}
