//! The emulator's operation table: `(method, path template, operationId)`
//! for every operation of the specification, in specification order,
//! written into the emulator's own sources so that a published
//! `lusid-emulator` keeps it (a build script reading `spec/lusid.json` would
//! look outside the package), and the same table for each other service.

use std::path::Path;

use crate::error::Result;
use crate::output::{GeneratedFile, HEADER};
use crate::services::{SERVICES, base_path};
use crate::spec::Spec;

/// The directory of the emulator's generated files.
pub const DIR: &str = "crates/lusid-emulator/src/generated";

/// `spec_operations.rs`: the constant `SPEC_OPERATIONS`.
pub fn render(spec: &Spec) -> Result<GeneratedFile> {
    let mut out = format!(
        "{HEADER}\n//! LUSID's operation table: `(method, path template, operationId)` for\n\
         //! every operation of `spec/lusid.json`, in specification order.\n\n\
         /// `(method, spec path template, operationId)` for every spec operation.\n\
         pub(crate) const SPEC_OPERATIONS: &[(&str, &str, &str)] = &[\n"
    );
    for operation in spec.operations()? {
        out.push_str(&format!(
            "({:?}, {:?}, {:?}),\n",
            operation.method,
            operation.path,
            operation.id()?
        ));
    }
    out.push_str("];\n");
    Ok(GeneratedFile::new(format!("{DIR}/spec_operations.rs"), out))
}

/// `service_operations.rs`: the constant `SERVICE_OPERATIONS`, the same
/// table for each of the other FINBOURNE services (Drive, Luminesce, ...),
/// with the service's name and base path, so the emulator can name any
/// service operation it does not serve.
pub fn render_services(root: &Path) -> Result<GeneratedFile> {
    let mut out = format!(
        "{HEADER}\n//! The other FINBOURNE services' operation tables: for each service of\n\
         //! `spec/` beside `lusid.json`, its name, base path and\n\
         //! `(method, path template, operationId)` for every operation, in\n\
         //! specification order.\n\n\
         /// `(method, spec path template, operationId)` for every operation of\n\
         /// a service.\n\
         pub(crate) type Operations = &'static [(&'static str, &'static str, &'static str)];\n\n\
         /// `(service, base path, operations)` for every other service.\n\
         pub(crate) const SERVICE_OPERATIONS: &[(&str, &str, Operations)] = &[\n"
    );
    for service in &SERVICES {
        let spec = Spec::load(&root.join("spec").join(service.spec_file))?;
        out.push_str(&format!(
            "({:?}, {:?}, &[\n",
            service.title(),
            base_path(service)
        ));
        for operation in spec.operations()? {
            out.push_str(&format!(
                "({:?}, {:?}, {:?}),\n",
                operation.method,
                operation.path,
                operation.id()?
            ));
        }
        out.push_str("]),\n");
    }
    out.push_str("];\n");
    Ok(GeneratedFile::new(
        format!("{DIR}/service_operations.rs"),
        out.replace(HEADER, &HEADER.replace("spec/lusid.json", "spec/*.json")),
    ))
}
