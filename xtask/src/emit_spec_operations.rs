//! The emulator's operation table: `(method, path template, operationId)`
//! for every operation of the specification, in specification order,
//! written into the emulator's own sources so that a published
//! `lusid-emulator` keeps it (a build script reading `spec/lusid.json` would
//! look outside the package).

use crate::error::Result;
use crate::output::{GeneratedFile, HEADER};
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
