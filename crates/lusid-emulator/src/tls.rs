//! HTTPS for [`crate::EmulatorBuilder::tls`]: a self-signed CA generated at
//! start, a server certificate it signs for `localhost`, `127.0.0.1` and
//! `::1`, and the rustls server configuration (ring provider only).

use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::EmulatorError;

/// The names the server certificate is valid for.
const SERVER_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The ALPN protocol id of HTTP/2.
pub(crate) const ALPN_H2: &[u8] = b"h2";
/// The ALPN protocol id of HTTP/1.1.
pub(crate) const ALPN_HTTP11: &[u8] = b"http/1.1";

/// How long a client may take to finish the TLS handshake.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A running emulator's TLS set-up.
#[derive(Clone)]
pub(crate) struct TlsSetup {
    /// The CA certificate, PEM.
    pub(crate) ca_pem: String,
    /// Accepts TLS connections with the server certificate.
    pub(crate) acceptor: TlsAcceptor,
}

impl std::fmt::Debug for TlsSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSetup").finish_non_exhaustive()
    }
}

fn tls_error(error: impl std::error::Error + Send + Sync + 'static) -> EmulatorError {
    EmulatorError::Tls(Box::new(error))
}

/// Generates a fresh CA and server certificate and the server
/// configuration; ALPN offers `h2` (when `http2`) and `http/1.1`.
pub(crate) fn generate(http2: bool) -> Result<TlsSetup, EmulatorError> {
    let now = time::OffsetDateTime::now_utc();
    let not_before = now - time::Duration::days(1);
    let not_after = now + time::Duration::days(365);

    let ca_key = KeyPair::generate().map_err(tls_error)?;
    let mut ca_params = CertificateParams::default();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "lusid-emulator local CA");
    ca_params
        .distinguished_name
        .push(DnType::OrganizationName, "lusid-emulator");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca_params.not_before = not_before;
    ca_params.not_after = not_after;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(tls_error)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().map_err(tls_error)?;
    let names: Vec<String> = SERVER_NAMES.iter().map(|n| (*n).to_owned()).collect();
    let mut params = CertificateParams::new(names).map_err(tls_error)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "lusid-emulator");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = not_before;
    params.not_after = not_after;
    let server_cert = params.signed_by(&server_key, &issuer).map_err(tls_error)?;

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_no_client_auth()
        .with_single_cert(vec![server_cert.der().clone()], key)
        .map_err(tls_error)?;
    config.alpn_protocols = if http2 {
        vec![ALPN_H2.to_vec(), ALPN_HTTP11.to_vec()]
    } else {
        vec![ALPN_HTTP11.to_vec()]
    };
    Ok(TlsSetup {
        ca_pem: ca_cert.pem(),
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_a_ca_pem_and_offers_alpn() {
        let setup = generate(true).expect("generate");
        assert!(setup.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(
            setup.acceptor.config().alpn_protocols,
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        let setup = generate(false).expect("generate");
        assert_eq!(
            setup.acceptor.config().alpn_protocols,
            vec![b"http/1.1".to_vec()]
        );
    }
}
