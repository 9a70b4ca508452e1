//! Renders the schema dispatcher of the `roundtrip` example of
//! `lusid-models` (`cargo xtask roundtrip` runs it): schema name → decode and
//! re-encode as that schema's type.

use crate::model::Model;
use crate::output::{GeneratedFile, HEADER};

/// The generated dispatcher, relative to the workspace root.
pub const PATH: &str = "crates/lusid-models/examples/roundtrip/dispatch.rs";

/// Renders the dispatcher over every model.
pub fn render(models: &[Model]) -> GeneratedFile {
    let mut out = format!(
        "{HEADER}\n//! Every schema by name, for `cargo xtask roundtrip` (needs the `full` feature).\n\n\
         /// Decodes JSON text as one schema's type and encodes it again.\n\
         pub type Roundtrip = fn(&str) -> Result<String, crate::Failure>;\n\n\
         /// Each schema's name and [`Roundtrip`], in specification order.\n\
         pub const SCHEMAS: &[(&str, Roundtrip)] = &[\n"
    );
    for model in models {
        out.push_str(&format!(
            "    ({:?}, crate::run::<lusid_models::{}>),\n",
            model.name, model.name
        ));
    }
    out.push_str("];\n");
    GeneratedFile::new(PATH.to_owned(), out)
}
