//! The facade's accessors: `lusid::Client::instruments()` and one per tag,
//! each behind the facade feature of its tag.

use std::collections::BTreeMap;

use crate::emit_api::api_struct;
use crate::naming::snake_ident;
use crate::operation::Operation;
use crate::output::{GeneratedFile, HEADER};

/// Where the facade's generated code lives.
pub const DIR: &str = "crates/lusid/src/generated";

/// `crates/lusid/src/generated/mod.rs`: one `impl Client` per tag.
pub fn render(operations: &[Operation]) -> Vec<GeneratedFile> {
    let mut tags: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
    for operation in operations {
        tags.entry(operation.tag.as_str())
            .or_insert((operation.feature.as_str(), 0))
            .1 += 1;
    }
    let mut out = format!(
        "{HEADER}\n//! The API groups of [`Client`](crate::Client), one per specification tag, each \
         behind the Cargo feature of its tag.\n\n"
    );
    for (tag, (feature, count)) in tags {
        let api = api_struct(tag);
        let accessor = snake_ident(tag);
        out.push_str(&format!(
            "#[cfg(feature = \"{feature}\")]\nimpl crate::Client {{\n\
             /// The {count} operations of the LUSID `{tag}` API (feature `{feature}`): \
             [`{api}`](lusid_api::{api}).\n\
             pub fn {accessor}(&self) -> lusid_api::{api} {{\n\
             self.api.{accessor}()\n}}\n}}\n\n"
        ));
    }
    vec![GeneratedFile::new(format!("{DIR}/mod.rs"), out)]
}
