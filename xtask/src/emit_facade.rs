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
    out.push_str(
        "/// Declares a module (rustfmt does not follow macro `mod` items).\n\
         macro_rules! private {\n($module:ident) => {\nmod $module;\n};\n}\n\nprivate!(services);\n",
    );
    vec![GeneratedFile::new(format!("{DIR}/mod.rs"), out)]
}

/// `crates/lusid/src/generated/services.rs`: one accessor per service
/// crate (`client.drive()`), each behind the facade feature of its
/// service.
pub fn render_services(services: &[crate::services::Generated]) -> Vec<GeneratedFile> {
    let mut out = format!(
        "{HEADER}\n//! The other FINBOURNE services of [`Client`](crate::Client), each behind the \
         Cargo feature of its name.\n\n"
    );
    for generated in services {
        let service = generated.service;
        let krate = service.rust_name();
        let groups: Vec<String> = crate::services::groups(&generated.operations)
            .into_iter()
            .map(|(_, accessor, _)| format!("`{accessor}()`"))
            .collect();
        out.push_str(&format!(
            "#[cfg(feature = \"{feature}\")]\nimpl crate::Client {{\n\
             /// The FINBOURNE {title} API ({purpose}; feature `{feature}`, crate \
             [`{name}`]({krate})): {count} operations in the groups {groups}.\n\
             ///\n\
             /// Its requests go through this client's HTTP stack and token cache to \
             [`service_url`](crate::Client::service_url)`(Service::{variant})`: the configured \
             URL, else the LUSID URL's origin and `{base}`.\n\
             pub fn {feature}(&self) -> {krate}::Client {{\n\
             {krate}::Client::new(self.api.clone(), self.service_url(lusid_auth::Service::{variant}))\n}}\n}}\n\n",
            feature = service.feature,
            title = service.title(),
            purpose = service.purpose,
            name = service.crate_name,
            count = generated.operations.len(),
            groups = groups.join(", "),
            variant = service.variant,
            base = crate::services::base_path(service),
        ));
    }
    vec![GeneratedFile::new(format!("{DIR}/services.rs"), out)]
}
