//! A rustls client (ring provider, roots = only the given CA) and one-shot
//! HTTP/1.1 or HTTP/2 requests over any stream, for the TLS and proxy tests.

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, Version};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto::ring};

use super::Resp;

/// ALPN `h2` then `http/1.1`.
pub const H2_AND_H1: &[&[u8]] = &[b"h2", b"http/1.1"];
/// ALPN `http/1.1` only.
pub const H1_ONLY: &[&[u8]] = &[b"http/1.1"];

/// A client configuration trusting only `ca_pems` and offering `alpn`.
pub fn client_config(ca_pems: &[&str], alpn: &[&[u8]]) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for pem in ca_pems {
        let cert = CertificateDer::from_pem_slice(pem.as_bytes()).expect("CA PEM");
        roots.add(cert).expect("add CA");
    }
    let mut config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// The TLS handshake over `io` for `server_name` (`127.0.0.1`, `localhost`, …).
pub async fn handshake<IO>(
    io: IO,
    config: Arc<ClientConfig>,
    server_name: &str,
) -> std::io::Result<TlsStream<IO>>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let name = ServerName::try_from(server_name.to_owned()).expect("server name");
    TlsConnector::from(config).connect(name, io).await
}

/// Connects to `addr` over TLS, trusting `ca_pem`, offering `alpn`.
pub async fn connect(
    addr: std::net::SocketAddr,
    ca_pem: &str,
    alpn: &[&[u8]],
) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    handshake(tcp, client_config(&[ca_pem], alpn), "127.0.0.1")
        .await
        .expect("TLS handshake")
}

/// The ALPN protocol a client TLS stream negotiated.
pub fn negotiated<IO>(stream: &TlsStream<IO>) -> Option<Vec<u8>> {
    stream.get_ref().1.alpn_protocol().map(<[u8]>::to_vec)
}

/// Sends one request over `io` with HTTP/2 (`h2`) or HTTP/1.1 and reads the
/// response; returns it with the version the response came in.
pub async fn send_over<IO>(
    io: IO,
    h2: bool,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> (Resp, Version)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let uri: http::Uri = url.parse().expect("URL");
    let authority = uri.authority().expect("authority").as_str().to_owned();
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let io = TokioIo::new(io);
    let mut builder = Request::builder().method(method);
    builder = if h2 {
        builder.uri(uri).version(Version::HTTP_2)
    } else {
        builder.uri(path).header("host", authority)
    };
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder.body(Full::new(body.into())).expect("request");
    let response = if h2 {
        let (mut sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .expect("h2 handshake");
        tokio::spawn(async move {
            let _ = conn.await;
        });
        sender.send_request(request).await.expect("send")
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .expect("http1 handshake");
        tokio::spawn(async move {
            let _ = conn.await;
        });
        sender.send_request(request).await.expect("send")
    };
    let version = response.version();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        Resp {
            status,
            headers,
            body,
        },
        version,
    )
}
