//! Renders each tag's async trait (`InstrumentsApiClient`): one method per
//! operation taking its parameters struct and returning the decoded
//! response, implemented by the tag's group struct (`InstrumentsApi`) and,
//! under the `mock` feature, mocked by mockall (`MockInstrumentsApiClient`).

use crate::docs::doc_comment;
use crate::emit_api::{api_struct, operation_line, request_struct};
use crate::emit_params::params_struct;
use crate::naming::{pascal_case, snake_ident};
use crate::operation::Operation;
use crate::types::Crate;

/// The trait of a tag: `Instruments` → `InstrumentsApiClient`.
pub fn trait_name(tag: &str) -> String {
    format!("{}ApiClient", pascal_case(tag))
}

/// The signature of an operation's trait method, without a body.
fn signature(operation: &Operation) -> String {
    format!(
        "async fn {}(&self, params: {}) -> Result<{}, crate::Error>",
        snake_ident(&operation.id),
        params_struct(operation),
        operation.success.render_type(Crate::Api)
    )
}

/// Renders the trait of a tag and its implementation for the group struct.
pub fn render_trait(tag: &str, operations: &[&Operation]) -> String {
    let name = trait_name(tag);
    let api = api_struct(tag);
    let mut out = doc_comment(&[
        format!(
            "The `{tag}` operations as an object-safe async trait, implemented by [`{api}`]: \
             write code against `&dyn {name}` (or `impl {name}`) and give it \
             `client.{}()` in production and a mock in tests.",
            snake_ident(tag)
        ),
        format!(
            "Each method sends one request with every parameter taken from its parameters \
             struct and returns the decoded response: one page, for a paginated operation \
             ([`paginate`](crate::paginate) and [`paginate_pages`](crate::paginate_pages) \
             follow the pages over any implementation, mocks included); the request builders \
             of [`{api}`] add streams, timeouts and `send_as`. With the `mock` feature, \
             mockall generates `Mock{name}`; see docs/codegen.md."
        ),
        "Compiled with the `traits` feature (which `mock` turns on), so builds that do not \
         use the traits do not compile a boxed future per operation."
            .to_owned(),
    ]);
    out.push_str(&format!(
        "#[cfg(feature = \"traits\")]\n#[cfg_attr(feature = \"mock\", mockall::automock)]\n\
         #[async_trait::async_trait]\npub trait {name}: Send + Sync {{\n"
    ));
    for operation in operations {
        out.push_str(&operation_line(operation));
        out.push_str("///\n");
        out.push_str(&doc_comment(&[format!(
            "[`{api}::{}`] with the parameters of `params`: one request (one page, for a \
             paginated operation; [`paginate`](crate::paginate) follows the pages).",
            snake_ident(&operation.id)
        )]));
        out.push_str(
            "///\n/// # Errors\n/// As [`send`](crate::{request}::send): see [`Error`](crate::Error).\n"
                .replace("{request}", &request_struct(operation))
                .as_str(),
        );
        if operation.deprecated {
            // Not `#[deprecated]`: async-trait would drop it from the impl and
            // mockall would warn inside its own expansion.
            out.push_str("///\n/// Deprecated: LUSID marks this operation as deprecated.\n");
        }
        out.push_str(&signature(operation));
        out.push_str(";\n\n");
    }
    out.push_str("}\n\n");
    out.push_str(&format!(
        "#[cfg(feature = \"traits\")]\n#[async_trait::async_trait]\nimpl {name} for {api} {{\n"
    ));
    for operation in operations {
        out.push_str(&format!(
            "{} {{\n{}::from_params(self, params).send().await\n}}\n\n",
            signature(operation),
            request_struct(operation)
        ));
    }
    out.push_str("}\n\n");
    out
}
