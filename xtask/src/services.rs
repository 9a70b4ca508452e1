//! The other FINBOURNE services (Drive, Luminesce, ...): one generated crate
//! each, from `spec/<file>.json`, by the same pipeline as LUSID's
//! (selection, models, operations, the same emitters), on `lusid-api`'s
//! runtime.
//!
//! A service crate holds its models at its root (so the models' generated
//! code, which names `crate::Number` and `crate::Instrument`, works
//! unchanged), its operation groups next to them, `params` (the parameter
//! enums) and a `Client` holding a `lusid_api::Client` and the service's
//! base URL. The operations' code is LUSID's with four paths rewritten
//! ([`service_paths`]): models are `crate::` instead of `lusid_models::`,
//! and a request starts from the service's base URL
//! (`self.client.request_builder`) instead of a relative path.

use std::collections::BTreeSet;
use std::path::Path;

use crate::emit_models::{gated_module_file, render_model};
use crate::error::{Context, Result, bail};
use crate::model::Model;
use crate::naming::module_name;
use crate::operation::Operation;
use crate::output::{GeneratedFile, HEADER};
use crate::selection::Gate;

/// One service: its specification, crate and `lusid_auth::Service`.
pub struct ServiceCrate {
    /// The file under `spec/`, such as `lusid_drive.json`.
    pub spec_file: &'static str,
    /// The crate, such as `lusid-drive`.
    pub crate_name: &'static str,
    /// The `lusid_auth::Service` variant, such as `Drive`.
    pub variant: &'static str,
    /// `Service::name()`: the facade's feature and accessor, such as `drive`.
    pub feature: &'static str,
    /// What the service is for, one line (crate description and docs).
    pub purpose: &'static str,
}

/// Every service crate, in `lusid_auth::Service::ALL` order.
pub const SERVICES: [ServiceCrate; 10] = [
    ServiceCrate {
        spec_file: "finbourne_access.json",
        crate_name: "finbourne-access",
        variant: "Access",
        feature: "access",
        purpose: "policies, roles and the access decisions made from them",
    },
    ServiceCrate {
        spec_file: "finbourne_horizon.json",
        crate_name: "finbourne-horizon",
        variant: "Horizon",
        feature: "horizon",
        purpose: "integrations with vendors and other systems, and their runs",
    },
    ServiceCrate {
        spec_file: "finbourne_identity.json",
        crate_name: "finbourne-identity",
        variant: "Identity",
        feature: "identity",
        purpose: "users, roles, applications and personal access tokens",
    },
    ServiceCrate {
        spec_file: "finbourne_insights.json",
        crate_name: "finbourne-insights",
        variant: "Insights",
        feature: "insights",
        purpose: "logs of the requests made to the platform and of access decisions",
    },
    ServiceCrate {
        spec_file: "luminesce.json",
        crate_name: "lusid-luminesce",
        variant: "Luminesce",
        feature: "luminesce",
        purpose: "SQL queries over LUSID's data and other providers",
    },
    ServiceCrate {
        spec_file: "lusid_configuration.json",
        crate_name: "lusid-configuration",
        variant: "Configuration",
        feature: "configuration",
        purpose: "configuration sets and the items (values and secrets) they hold",
    },
    ServiceCrate {
        spec_file: "lusid_drive.json",
        crate_name: "lusid-drive",
        variant: "Drive",
        feature: "drive",
        purpose: "folders and files stored next to LUSID's data",
    },
    ServiceCrate {
        spec_file: "lusid_notifications.json",
        crate_name: "lusid-notifications",
        variant: "Notifications",
        feature: "notifications",
        purpose: "subscriptions to platform events and the notifications they deliver",
    },
    ServiceCrate {
        spec_file: "lusid_scheduler.json",
        crate_name: "lusid-scheduler",
        variant: "Scheduler",
        feature: "scheduler",
        purpose: "jobs (container images) and the schedules that run them",
    },
    ServiceCrate {
        spec_file: "lusid_workflow.json",
        crate_name: "lusid-workflow",
        variant: "Workflow",
        feature: "workflow",
        purpose: "task definitions, tasks, workers and event handlers",
    },
];

impl ServiceCrate {
    /// The crate's Rust name, such as `lusid_drive`.
    pub fn rust_name(&self) -> String {
        self.crate_name.replace('-', "_")
    }

    /// The crate's directory, such as `crates/lusid-drive`.
    pub fn dir(&self) -> String {
        format!("crates/{}", self.crate_name)
    }

    /// The service's name for people: `Drive`.
    pub fn title(&self) -> &'static str {
        self.variant
    }
}

/// What one service generated, for `--stats` and the facade.
pub struct Generated {
    /// The service.
    pub service: &'static ServiceCrate,
    /// The operations generated.
    pub operations: Vec<Operation>,
    /// The models generated.
    pub models: Vec<Model>,
    /// The operations in the specification.
    pub spec_operations: usize,
    /// The schemas in the specification.
    pub spec_schemas: usize,
}

/// Builds the operations and models of every service.
pub fn build_all(root: &Path) -> Result<Vec<Generated>> {
    SERVICES
        .iter()
        .map(|service| build(root, service).with_context(|| format!("spec/{}", service.spec_file)))
        .collect()
}

fn build(root: &Path, service: &'static ServiceCrate) -> Result<Generated> {
    let mut spec = crate::spec::Spec::load(&root.join("spec").join(service.spec_file))?;
    spec.infer_discriminators();
    let selection = crate::selection::Selection::new(&spec).context("selecting operations")?;
    let mut models = crate::model::build_models(&spec, &selection).context("building models")?;
    untyped_self_references(&mut models);
    let operations = crate::operation::build_operations(&spec, &selection, &models)
        .context("building operations")?;
    Ok(Generated {
        service,
        spec_operations: spec.operations()?.len(),
        spec_schemas: spec.schema_names()?.len(),
        operations,
        models,
    })
}

/// A struct field whose type is the struct itself (Horizon's `JSchema`, a
/// JSON Schema whose `$ref` field is typed as a `JSchema`) would have
/// infinite size: it is kept untyped (`RawJson`, every byte kept) instead.
fn untyped_self_references(models: &mut [Model]) {
    for model in models {
        let name = model.name.clone();
        if let crate::model::ModelKind::Struct { fields, .. } = &mut model.kind {
            for field in fields {
                if field.ty == crate::types::RustType::Schema(name.clone()) {
                    field.ty = crate::types::RustType::Json;
                }
            }
        }
    }
}

/// The header of a service crate's files.
fn header(service: &ServiceCrate) -> String {
    HEADER.replace("spec/lusid.json", &format!("spec/{}", service.spec_file))
}

/// Rewrites an operation file rendered for `lusid-api` into the service
/// crate's paths.
pub fn service_paths(source: &str, service: &ServiceCrate) -> String {
    source
        .replace(HEADER, &header(service))
        .replace(
            "[`LusidProblemDetails`](lusid_models::LusidProblemDetails) when LUSID sends them",
            "the service's problem details in [`Error::Status`](crate::Error::Status)",
        )
        .replace(
            "crate::request::RequestBuilder::new(Self::OPERATION, ",
            "self.client.request_builder(Self::OPERATION, ",
        )
        .replace("lusid_models::", "crate::models::")
        .replace(
            "from spec/lusid.json",
            &format!("from spec/{}", service.spec_file),
        )
}

/// Every file of every service crate.
pub fn render(root: &Path, generated: &[Generated]) -> Result<Vec<GeneratedFile>> {
    let example_path = root.join(ROUNDTRIP_MAIN);
    let root_example = std::fs::read_to_string(&example_path)
        .with_context(|| format!("reading {}", example_path.display()))?;
    let mut files = Vec::new();
    for service in generated {
        files.extend(render_crate(service, &root_example)?);
    }
    Ok(files)
}

/// The hand-written engine of `cargo xtask roundtrip`, which each service
/// crate's `roundtrip` example copies (with its crate's name).
const ROUNDTRIP_MAIN: &str = "crates/lusid-models/examples/roundtrip/main.rs";

/// A service crate's `examples/roundtrip_<crate>`: a copy of lusid-models' engine
/// and the table of the service's schemas.
fn render_roundtrip(generated: &Generated, root_example: &str) -> Result<Vec<GeneratedFile>> {
    let service = generated.service;
    let dir = service.dir();
    let krate = service.rust_name();
    let header = header(service);
    let main = format!(
        "{header}// A copy of {ROUNDTRIP_MAIN}, for this crate's schemas.\n\n{}",
        root_example
            .replace("lusid_models::", &format!("{krate}::"))
            // Through a macro, so that the generator's rustfmt pass does not
            // look for `dispatch.rs` next to its scratch copy.
            .replace(
                "\nmod dispatch;\n",
                "\n/// Declares the schema table.\nmacro_rules! dispatch_module {\n() => {\nmod dispatch;\n};\n}\ndispatch_module!();\n",
            )
            .replace(
                "(see docs/codegen.md). Needs the\n//! `full` feature, which compiles every schema.",
                "(see docs/codegen.md).",
            )
    );
    let mut dispatch = format!(
        "{header}\n//! Every schema by name, for `cargo xtask roundtrip --all`.\n\n\
         /// Decodes JSON text as one schema's type and encodes it again.\n\
         pub type Roundtrip = fn(&str) -> Result<String, crate::Failure>;\n\n\
         /// Each schema's name and [`Roundtrip`], in specification order.\n\
         pub const SCHEMAS: &[(&str, Roundtrip)] = &[\n"
    );
    for model in &generated.models {
        dispatch.push_str(&format!(
            "    ({:?}, crate::run::<{krate}::models::{}>),\n",
            model.name, model.name
        ));
    }
    dispatch.push_str("];\n");
    let example = crate::roundtrip::example_name(service.crate_name);
    Ok(vec![
        GeneratedFile::new(format!("{dir}/examples/{example}/main.rs"), main),
        GeneratedFile::new(format!("{dir}/examples/{example}/dispatch.rs"), dispatch),
    ])
}

/// The directories a service crate's generated sources live in (every
/// file there is generated; stale ones are removed).
pub fn generated_dirs() -> Vec<String> {
    SERVICES
        .iter()
        .flat_map(|service| {
            [
                format!("{}/src", service.dir()),
                format!("{}/examples", service.dir()),
            ]
        })
        .collect()
}

fn render_crate(generated: &Generated, root_example: &str) -> Result<Vec<GeneratedFile>> {
    let service = generated.service;
    let dir = service.dir();
    let header = header(service);
    let mut files = Vec::new();
    let mut features: BTreeSet<String> = BTreeSet::new();

    let mut model_modules = Vec::new();
    for model in &generated.models {
        let module = module_name(&model.name);
        let gate = model.usage.gate();
        if let Gate::Any(set) = &gate {
            features.extend(set.iter().cloned());
        }
        model_modules.push((gate, module.clone()));
        files.push(GeneratedFile::new(
            format!("{dir}/src/models/{module}.rs"),
            render_model(model)
                .replace(HEADER, &header)
                .replace("crate::", "crate::models::"),
        ));
    }
    files.push(GeneratedFile::new(
        format!("{dir}/src/models/mod.rs"),
        gated_module_file(
            &format!(
                "The {} wire types, one module per schema, each compiled when one of the \
                 features of the operation groups that reach it is on; all re-exported here.",
                service.title()
            ),
            &model_modules,
        )
        .replace(HEADER, &header)
            + "\n/// Lossless numbers, untyped values and the LUSID date-time format, as the \
               fields use them.\npub use lusid_models_core::{Number, RawJson, datetime};\n\
               // What the generated code names as `crate::models::...`.\n\
               #[allow(unused_imports)]\nuse lusid_models_core::{de, family};\n",
    ));

    for operation in &generated.operations {
        features.insert(operation.feature.clone());
    }
    for file in crate::emit_api::render(&generated.operations)? {
        let name = file
            .path
            .rsplit('/')
            .next()
            .map(str::to_owned)
            .unwrap_or_default();
        let path = if name == "params.rs" {
            format!("{dir}/src/params.rs")
        } else {
            format!("{dir}/src/apis/{name}")
        };
        let mut contents = service_paths(&file.contents, service);
        if name == "mod.rs" {
            // The parameter enums are a module of the crate root here.
            contents = contents.replace("public!(params);\n", "").replace(
                "\n/// Declares a public module (rustfmt does not follow macro `mod` items).\n\
                 macro_rules! public {\n($module:ident) => {\npub mod $module;\n};\n}\n",
                "",
            );
        }
        files.push(GeneratedFile::new(path, contents));
    }
    if features.contains("default") || features.contains("full") {
        bail!("a tag of {} is named `default` or `full`", service.title());
    }
    files.push(GeneratedFile::new(
        format!("{dir}/src/lib.rs"),
        render_lib(generated, &header),
    ));
    files.push(GeneratedFile::new(
        format!("{dir}/src/client.rs"),
        render_client(service, &header),
    ));
    files.push(GeneratedFile::verbatim(
        format!("{dir}/Cargo.toml"),
        render_manifest(generated, &features),
    ));
    files.push(GeneratedFile::verbatim(
        format!("{dir}/README.md"),
        render_readme(generated),
    ));
    files.extend(render_roundtrip(generated, root_example)?);
    Ok(files)
}

/// The groups (tags) of a service with their accessor and operation count.
pub fn groups(operations: &[Operation]) -> Vec<(String, String, usize)> {
    let mut groups: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for operation in operations {
        *groups.entry(operation.tag.as_str()).or_default() += 1;
    }
    groups
        .into_iter()
        .map(|(tag, count)| (tag.to_owned(), crate::naming::snake_ident(tag), count))
        .collect()
}

fn render_lib(generated: &Generated, header: &str) -> String {
    let service = generated.service;
    let title = service.title();
    let example = example(generated);
    let mut group_lines = String::new();
    for (tag, accessor, count) in groups(&generated.operations) {
        group_lines.push_str(&format!(
            "//! - `client.{accessor}()`: the {count} operations of `{tag}` (feature `{accessor}`)\n"
        ));
    }
    format!(
        "{header}\n//! The FINBOURNE {title} API ({purpose}), generated from `spec/{spec}`: \
         {operations} operations and {schemas} schemas, on the runtime of \
         [`lusid-api`](https://docs.rs/lusid-api) (the same HTTP stack, token cache, errors, \
         request builders and paginators).\n//!\n\
         //! Most users reach it through the `lusid` facade with its `{feature}` feature: \
         `lusid::Client::{feature}()` returns this crate's [`Client`], whose base URL is \
         `Config::service_url(Service::{variant})` (configured, or the LUSID URL's origin \
         and `{base}`).\n//!\n\
         //! Operation groups (each a Cargo feature, all in `full`, the default):\n{group_lines}//!\n\
         //! ```no_run\n{example}//! ```\n\
         #![deny(missing_docs)]\n\n\
         /// Declares the modules (rustfmt does not follow macro `mod` items).\n\
         macro_rules! modules {{\n() => {{\nmod apis;\nmod client;\n\
         /// The wire types (schemas): the bodies and answers of the operations.\npub mod models;\n\
         /// The open enums of parameters with a documented value list.\npub mod params;\n}};\n}}\nmodules!();\n\n\
         // Empty when no group feature is on.\n\
         #[allow(unused_imports)]\npub use apis::*;\n\
         pub use client::Client;\n\n\
         /// The runtime's types the operations use: one error, the paginators and streams.\n\
         pub use lusid_api::{{BoxError, ByteStream, DEFAULT_PAGE_SIZE, Error, ErrorKind, ItemStream, \
         Page, PageStream, PagedParams, RawPage, UploadBody, paginate, paginate_pages}};\n\
         /// Lossless numbers, untyped values and the LUSID date-time format.\n\
         pub use lusid_models_core::{{Number, NumberError, RawJson, datetime, json_path}};\n\n\
         /// The service's identity in the configuration.\n\
         pub const SERVICE: lusid_auth::Service = lusid_auth::Service::{variant};\n",
        purpose = service.purpose,
        spec = service.spec_file,
        operations = generated.operations.len(),
        schemas = generated.models.len(),
        feature = service.feature,
        variant = service.variant,
        base = base_path(service),
    )
}

/// The base path of a service, as `lusid_auth::Service::base_path` has it.
pub fn base_path(service: &ServiceCrate) -> &'static str {
    match service.variant {
        "Access" => "/access",
        "Horizon" => "/horizon",
        "Identity" => "/identity",
        "Insights" => "/insights",
        "Luminesce" => "/honeycomb",
        "Configuration" => "/configuration",
        "Drive" => "/drive",
        "Notifications" => "/notification",
        "Scheduler" => "/scheduler2",
        _ => "/workflow",
    }
}

/// A compiled example of the crate docs: the first GET operation without
/// required parameters, if any.
fn example(generated: &Generated) -> String {
    let service = generated.service;
    let krate = service.rust_name();
    let mut lines = vec![
        format!("# async fn run(api: lusid_api::Client) -> Result<(), {krate}::Error> {{"),
        format!(
            "// Usually `lusid::Client::{}()`; by hand: the LUSID client and the base URL.",
            service.feature
        ),
        format!(
            "let client = {krate}::Client::new(api, \"https://acme.lusid.com{}\");",
            base_path(service)
        ),
    ];
    if let Some(operation) = generated.operations.iter().find(|operation| {
        operation.method == "GET"
            && operation.body.is_none()
            && operation.params.iter().all(|param| !param.required)
    }) {
        lines.push(format!(
            "let answer = client.{}().{}().send().await?;",
            crate::naming::snake_ident(&operation.tag),
            crate::naming::snake_ident(&operation.id)
        ));
        lines.push("# let _ = answer;".to_owned());
    } else {
        lines.push("# let _ = client;".to_owned());
    }
    lines.push("# Ok(()) }".to_owned());
    lines.iter().map(|line| format!("//! {line}\n")).collect()
}

fn render_client(service: &ServiceCrate, header: &str) -> String {
    let title = service.title();
    format!(
        "{header}\n//! [`Client`]: the {title} API's client, over `lusid-api`'s.\n\n\
         use std::sync::Arc;\n\n\
         /// The {title} API: its operation groups hang off it. Holds \
         `lusid-api`'s [`Client`](lusid_api::Client) (the HTTP stack, token cache and retry \
         budget it shares with LUSID's operations) and the service's base URL, which every \
         request's absolute URI starts with.\n\
         ///\n/// Cloning is cheap.\n\
         #[derive(Clone, Debug)]\npub struct Client {{\n    api: lusid_api::Client,\n    base_url: Arc<str>,\n}}\n\n\
         impl Client {{\n\
         /// A client sending requests for `base_url` (such as \
         `https://acme.lusid.com{base}`; a trailing slash is ignored) through `api`.\n\
         pub fn new(api: lusid_api::Client, base_url: impl Into<String>) -> Self {{\n\
         let base_url: String = base_url.into();\n\
         Self {{ api, base_url: Arc::from(base_url.trim_end_matches('/')) }}\n}}\n\n\
         /// The base URL, without a trailing slash.\npub fn base_url(&self) -> &str {{\n&self.base_url\n}}\n\n\
         /// The `lusid-api` client underneath.\npub fn api(&self) -> &lusid_api::Client {{\n&self.api\n}}\n\n\
         /// A request of `operation` whose URI starts with the base URL.\n\
         #[allow(dead_code)]\n\
         pub(crate) fn request_builder(&self, operation: lusid_http::Operation, method: http::Method) -> lusid_api::__runtime::RequestBuilder {{\n\
         lusid_api::__runtime::RequestBuilder::absolute(operation, method, &self.base_url)\n}}\n\n\
         /// Sends and decodes a JSON answer.\n#[allow(dead_code)]\n\
         pub(crate) async fn execute<T: serde::de::DeserializeOwned>(&self, request: lusid_http::Request) -> Result<T, crate::Error> {{\n\
         self.api.execute(request).await\n}}\n\n\
         /// Sends and reads a text answer.\n#[allow(dead_code)]\n\
         pub(crate) async fn execute_text(&self, request: lusid_http::Request) -> Result<String, crate::Error> {{\n\
         self.api.execute_text(request).await\n}}\n\n\
         /// Sends and ignores the answer's body.\n#[allow(dead_code)]\n\
         pub(crate) async fn execute_empty(&self, request: lusid_http::Request) -> Result<(), crate::Error> {{\n\
         self.api.execute_empty(request).await\n}}\n\n\
         /// Sends and streams the answer's body.\n#[allow(dead_code)]\n\
         pub(crate) async fn execute_stream(&self, request: lusid_http::Request) -> Result<crate::ByteStream, crate::Error> {{\n\
         self.api.execute_stream(request).await\n}}\n}}\n",
        base = base_path(service),
    )
}

fn render_manifest(generated: &Generated, features: &BTreeSet<String>) -> String {
    let service = generated.service;
    let quoted = |items: &BTreeSet<String>| -> String {
        items
            .iter()
            .map(|item| format!("\"{item}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = format!(
        "# @generated by `cargo xtask codegen` from spec/{spec}. Do not edit by hand.\n\
         [package]\n\
         name = \"{name}\"\n\
         description = \"The FINBOURNE {title} API ({purpose}): request builders, paginators and \
         wire types generated from its OpenAPI description, on lusid-api's runtime.\"\n\
         version.workspace = true\n\
         edition.workspace = true\n\
         rust-version.workspace = true\n\
         license.workspace = true\n\
         repository.workspace = true\n\
         readme = \"README.md\"\n\
         keywords = [\"lusid\", \"finbourne\", \"{feature}\", \"api-client\", \"sdk\"]\n\
         categories = [\"api-bindings\", \"finance\", \"web-programming::http-client\"]\n\n\
         [package.metadata.docs.rs]\n\
         features = [\"full\", \"mock\"]\n\
         rustdoc-args = [\"--cfg\", \"docsrs\"]\n\n\
         [features]\n\
         # Every operation group: the facade's `{feature}` feature turns this crate on with them.\n\
         default = [\"full\"]\n\
         full = [{all}]\n",
        spec = service.spec_file,
        name = service.crate_name,
        title = service.title(),
        purpose = service.purpose,
        feature = service.feature,
        all = quoted(features),
    );
    for feature in features {
        out.push_str(&format!("{feature} = []\n"));
    }
    out.push_str(
        "# `<Group>ApiClient`, an object-safe async trait per compiled group.\n\
         traits = [\"dep:async-trait\"]\n\
         # `Mock<Group>ApiClient`, a mockall mock of each compiled group's trait.\n\
         mock = [\"traits\", \"dep:mockall\"]\n\n\
         [dependencies]\n\
         async-trait = { workspace = true, optional = true }\n\
         http.workspace = true\n\
         # The runtime (client, errors, request builder, paginators), without LUSID's groups.\n\
         lusid-api = { path = \"../lusid-api\", version = \"0.1.0\", default-features = false }\n\
         lusid-auth.workspace = true\n\
         lusid-http.workspace = true\n\
         lusid-models-core.workspace = true\n\
         mockall = { workspace = true, optional = true }\n\
         serde.workspace = true\n\
         serde_json.workspace = true\n\
         time.workspace = true\n",
    );
    out
}

fn render_readme(generated: &Generated) -> String {
    let service = generated.service;
    format!(
        "# {name}\n\n\
         The FINBOURNE {title} API ({purpose}) for Rust: {operations} operations and {schemas} \
         wire types generated from `spec/{spec}` by `cargo xtask codegen`, on the runtime of \
         [`lusid-api`](https://docs.rs/lusid-api): the same HTTP stack, token cache and retry \
         budget as LUSID's operations, request builders, paginators, open enums, lossless \
         numbers and date-times.\n\n\
         Reach it through the facade:\n\n\
         ```toml\n[dependencies]\nlusid = {{ version = \"0.1\", features = [\"{feature}\"] }}\n```\n\n\
         then `client.{feature}()`. Its URL is `FBN_{upper}_URL` or the secrets file's \
         `api.{feature}Url`, else the LUSID URL's origin and `{base}`: see \
         [docs/services.md](https://github.com/lusid-rs/lusid-rs/blob/main/docs/services.md).\n\n\
         Generated: do not edit; change the generator in `xtask/` instead.\n",
        name = service.crate_name,
        title = service.title(),
        purpose = service.purpose,
        operations = generated.operations.len(),
        schemas = generated.models.len(),
        spec = service.spec_file,
        feature = service.feature,
        upper = service.feature.to_uppercase(),
        base = base_path(service),
    )
}

/// Prints each service's operations and schemas against its specification.
pub fn print_stats(generated: &[Generated]) {
    for service in generated {
        println!(
            "service:    {}: {} operations generated of {}, {} schemas of {}",
            service.service.crate_name,
            service.operations.len(),
            service.spec_operations,
            service.models.len(),
            service.spec_schemas
        );
    }
}
