//! The TLS client configuration: rustls with the `ring` provider, the
//! platform's root certificates plus the configured CA bundle.

use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::BuildError;

/// The trusted roots: the platform's certificates (those it can parse) and
/// every certificate of `ca_bundle`. The bundle adds to the platform's
/// roots rather than replacing them, so a corporate CA does not cost the
/// public ones.
///
/// Returns the store and, when the platform has no usable roots, why (HTTPS
/// requests to hosts the bundle does not cover then fail with that reason).
pub(crate) fn roots(
    ca_bundle: Option<&Path>,
) -> Result<(RootCertStore, Option<String>), BuildError> {
    let mut store = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    let (added, _ignored) = store.add_parsable_certificates(native.certs);
    let mut missing = (added == 0).then(|| match native.errors.first() {
        Some(error) => format!("no usable platform root certificates ({error})"),
        None => "no platform root certificates were found".to_owned(),
    });
    if let Some(path) = ca_bundle {
        for certificate in bundle(path)? {
            store
                .add(certificate)
                .map_err(|error| BuildError::CaBundle {
                    path: path.to_owned(),
                    reason: format!("a certificate in it is not a usable CA: {error}"),
                })?;
        }
        missing = None;
    }
    Ok((store, missing))
}

/// Every certificate of a PEM file.
fn bundle(path: &Path) -> Result<Vec<CertificateDer<'static>>, BuildError> {
    let invalid = |reason: String| BuildError::CaBundle {
        path: path.to_owned(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|error| invalid(format!("cannot read it: {error}")))?;
    let certificates = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| invalid(format!("it is not valid PEM: {error}")))?;
    if certificates.is_empty() {
        return Err(invalid(
            "it holds no certificate (expected PEM `-----BEGIN CERTIFICATE-----` blocks)"
                .to_owned(),
        ));
    }
    Ok(certificates)
}

/// A rustls client configuration over `roots` with the `ring` provider.
pub(crate) fn client_config(roots: RootCertStore) -> Result<rustls::ClientConfig, BuildError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| BuildError::Tls(error.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_malformed_bundle_names_the_file() {
        let missing = Path::new("/nonexistent/corporate-ca.pem");
        let error = roots(Some(missing)).expect_err("missing");
        assert!(
            error.to_string().contains("/nonexistent/corporate-ca.pem"),
            "{error}"
        );

        let dir = std::env::temp_dir().join(format!("lusid-http-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").expect("written");
        let error = roots(Some(&empty)).expect_err("no certificate");
        assert!(error.to_string().contains("empty.pem"), "{error}");
        assert!(error.to_string().contains("no certificate"), "{error}");
        let broken = dir.join("broken.pem");
        std::fs::write(
            &broken,
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        )
        .expect("written");
        let error = roots(Some(&broken)).expect_err("malformed");
        assert!(error.to_string().contains("broken.pem"), "{error}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
