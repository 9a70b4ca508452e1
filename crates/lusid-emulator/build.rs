//! Extracts `(method, path template, operationId)` for every operation of
//! `spec/lusid.json` into `$OUT_DIR/spec_operations.rs`, so the emulator
//! can answer any operation it does not implement with a 501 naming it.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let spec_path = manifest.join("../../spec/lusid.json");
    println!("cargo::rerun-if-changed={}", spec_path.display());
    println!("cargo::rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let mut code = String::from("&[\n");
    match std::fs::read(&spec_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
    {
        Some(spec) => {
            let paths = spec.get("paths").and_then(|p| p.as_object());
            for (path, item) in paths.into_iter().flatten() {
                let Some(item) = item.as_object() else {
                    continue;
                };
                for (method, operation) in item {
                    let method = method.to_ascii_uppercase();
                    if !["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
                        .contains(&method.as_str())
                    {
                        continue;
                    }
                    let Some(id) = operation.get("operationId").and_then(|v| v.as_str()) else {
                        continue;
                    };
                    let _ = writeln!(code, "    ({method:?}, {path:?}, {id:?}),");
                }
            }
        }
        None => println!(
            "cargo::warning=cannot read {}; the emulator will not know LUSID's other operations",
            spec_path.display()
        ),
    }
    code.push_str("]\n");
    if let Err(error) = std::fs::write(out.join("spec_operations.rs"), code) {
        println!("cargo::warning=cannot write spec_operations.rs: {error}");
        std::process::exit(1);
    }
}
