//! Renders each operation's parameters struct (`ListInstrumentsParams`):
//! every path and query parameter and the body as public fields, with a
//! `new` taking the required ones and a chainable setter per optional one.
//!
//! The request builder holds one, and the tag's async trait takes one, so a
//! mock's expectations can inspect every parameter.

use crate::docs::{code_list, doc_comment};
use crate::emit_api::{argument_type, convert, param_type_doc, stored_type};
use crate::naming::pascal_case;
use crate::operation::{Location, Operation, Param};
use crate::types::{Crate, RustType};

/// The parameters struct of an operation: `ListInstruments` → `ListInstrumentsParams`.
pub fn params_struct(operation: &Operation) -> String {
    format!("{}Params", pascal_case(&operation.id))
}

/// The arguments of `new` (and of the group method): the required
/// parameters, then the body.
pub fn new_arguments(operation: &Operation) -> Vec<String> {
    let mut arguments: Vec<String> = operation
        .params
        .iter()
        .filter(|param| param.required)
        .map(|param| format!("{}: {}", param.ident, argument_type(&param.ty)))
        .collect();
    if let Some(body) = &operation.body {
        arguments.push(format!("{}: {}", body.ident, body.ty.render(Crate::Api)));
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
    let mut out = doc_comment(&[
        format!(
            "The parameters of `{}` (`{} {}`): what its request builder sends, and what the \
             tag's trait method takes.",
            operation.id, operation.method, operation.path
        ),
        "Build one with [`new`](Self::new) (the required parameters) and the setters of the \
         optional ones; read any of them through the public fields, for instance in a mock's \
         expectations. `#[non_exhaustive]`: LUSID adds parameters over time."
            .to_owned(),
    ]);
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
        out.push_str("/// The JSON request body.\n");
        out.push_str(&format!("pub body: {},\n", body.ty.render(Crate::Api)));
    }
    out.push_str("}\n\n");
    out.push_str(&format!("impl {params} {{\n"));
    out.push_str(&render_new(operation));
    for param in operation.params.iter().filter(|param| !param.required) {
        out.push_str(&render_setter(param, false));
    }
    out.push_str("}\n\n");
    out
}

/// `new`: the required parameters and the body; optional ones unset.
fn render_new(operation: &Operation) -> String {
    let mut fields = Vec::new();
    for param in &operation.params {
        let value = if param.required {
            convert(&param.ident, &param.ty)
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
        fields.push(if body.ident == "body" {
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

/// A chainable setter for an optional parameter: on the parameters struct
/// (`builder == false`), or on the request builder, delegating to it.
pub fn render_setter(param: &Param, builder: bool) -> String {
    let mut doc = format!("Sets {}", param_doc(param));
    if let RustType::Array(_) = param.ty {
        doc.push_str(" Replaces any earlier values.");
    }
    let ident = &param.ident;
    let argument = argument_type(&param.ty);
    let body = if builder {
        format!("self.params = self.params.{ident}({ident});")
    } else {
        let value = match param.ty {
            RustType::Array(_) => convert(ident, &param.ty),
            _ => format!("Some({})", convert(ident, &param.ty)),
        };
        format!("self.{ident} = {value};")
    };
    format!(
        "{}pub fn {ident}(mut self, {ident}: {argument}) -> Self {{\n{body}\nself\n}}\n\n",
        doc_comment(&[doc])
    )
}
