//! insta snapshots of the generated code for representative schemas and
//! operations, under `xtask/tests/snapshots/`. After an intended change to
//! the generator, review with `cargo insta review` (or rerun with
//! `INSTA_UPDATE=always`) and check in the `.snap` files.

use std::path::Path;
use std::sync::{Mutex, OnceLock};

use crate::model::{Model, build_models};
use crate::operation::{Operation, build_operations};
use crate::output::{GeneratedFile, format_all};
use crate::selection::Selection;
use crate::spec::Spec;

/// The models and operations of `spec/lusid.json`, built once.
fn pipeline() -> &'static (Vec<Model>, Vec<Operation>) {
    static PIPELINE: OnceLock<(Vec<Model>, Vec<Operation>)> = OnceLock::new();
    PIPELINE.get_or_init(|| {
        let spec = Spec::load(&root().join("spec/lusid.json")).expect("spec");
        let selection = Selection::new(&spec).expect("selection");
        let models = build_models(&spec, &selection).expect("models");
        let operations = build_operations(&spec, &selection, &models).expect("operations");
        (models, operations)
    })
}

fn root() -> &'static Path {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().expect("workspace root")
}

/// Formats one file as codegen does; one at a time, since `format_all`
/// uses one scratch directory per process.
fn formatted(path: &str, contents: String) -> String {
    static RUSTFMT: Mutex<()> = Mutex::new(());
    let mut files = [GeneratedFile::new(path.to_owned(), contents)];
    {
        let _guard = RUSTFMT
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        format_all(&mut files, root()).expect("rustfmt");
    }
    let [file] = files;
    file.contents
}

/// The generated file of one schema.
fn schema(name: &str) -> String {
    let (models, _) = pipeline();
    let model = models
        .iter()
        .find(|model| model.name == name)
        .expect("schema");
    formatted(
        &format!("{}.rs", crate::naming::module_name(name)),
        crate::emit_models::render_model(model),
    )
}

/// Everything generated for one operation.
fn operation(id: &str) -> String {
    let (_, operations) = pipeline();
    let operation = operations
        .iter()
        .find(|operation| operation.id == id)
        .expect("operation");
    formatted("operation.rs", crate::emit_api::render_operation(operation))
}

macro_rules! snapshot {
    ($name:literal, $code:expr) => {
        insta::with_settings!({
            snapshot_path => "../tests/snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $code);
        })
    };
}

#[test]
fn plain_struct() {
    let code = schema("Link");
    assert!(code.contains("pub struct Link {"));
    snapshot!("schema_link", code);
}

#[test]
fn standalone_open_enum() {
    let code = schema("AggregationOp");
    assert!(code.contains("Other(String)"));
    snapshot!("schema_aggregation_op", code);
}

#[test]
fn discriminated_family() {
    let code = schema("InstrumentLeg");
    assert!(code.contains("pub enum InstrumentLeg {"));
    assert!(code.contains("Unknown {"));
    snapshot!("schema_instrument_leg", code);
}

#[test]
fn struct_preserving_unknown_fields() {
    let code = schema("OpaqueDependency");
    assert!(
        code.contains("pub unknown_fields: std::collections::BTreeMap<String, crate::RawJson>")
    );
    snapshot!("schema_opaque_dependency", code);
}

#[test]
fn paginated_operation() {
    let code = operation("ListInstruments");
    assert!(code.contains("pub fn into_stream(self) -> crate::ItemStream<'static,"));
    assert!(code.contains("pub struct ListInstrumentsParams {"));
    assert!(code.contains("impl crate::PagedParams for ListInstrumentsParams {"));
    assert!(code.contains("pub membership_type: Option<crate::params::MembershipType>,"));
    // One setter per optional parameter, on the request builder only.
    assert_eq!(code.matches("pub fn filter(").count(), 1);
    assert!(code.contains("self.params.filter = Some(filter.into());"));
    snapshot!("operation_list_instruments", code);
}

#[test]
fn post_with_a_body() {
    let code = operation("UpsertInstruments");
    assert!(code.contains("request.json_body(&self.params.body)?;"));
    snapshot!("operation_upsert_instruments", code);
}
