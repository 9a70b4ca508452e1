//! The accept loop and per-connection serving (hyper HTTP/1.1, or HTTP/2
//! over TLS when ALPN picks `h2`, under the axum router), with a
//! per-connection control that lets a fault close the TCP connection
//! without a response, or write a raw response whose header names keep
//! their case.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tower::Service;

use crate::tls::{self, TlsSetup};

/// What a fault asks the connection to do instead of answering normally.
#[derive(Debug)]
pub(crate) enum ConnAction {
    /// Close the connection without a response.
    Drop,
    /// Write these bytes, then close.
    Raw(Vec<u8>),
}

/// Per-connection control, inserted into every request's extensions.
#[derive(Clone, Debug)]
pub(crate) struct ConnControl {
    sender: Arc<Mutex<Option<oneshot::Sender<ConnAction>>>>,
}

impl ConnControl {
    /// Asks the connection to act; the current request's response is then
    /// never written. Returns `false` if the connection already acted.
    pub(crate) fn act(&self, action: ConnAction) -> bool {
        let sender = self
            .sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        sender.is_some_and(|s| s.send(action).is_ok())
    }
}

/// A stream (TCP, or TLS over TCP) shared between hyper and the connection
/// task, so the task can take the socket back after dropping hyper's
/// connection.
#[derive(Debug)]
struct SharedStream<S>(Arc<Mutex<S>>);

impl<S> Clone for SharedStream<S> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<S: Unpin> SharedStream<S> {
    fn with<R>(&self, f: impl FnOnce(Pin<&mut S>) -> R) -> R {
        let mut guard = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        f(Pin::new(&mut *guard))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for SharedStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.with(|s| s.poll_read(cx, buf))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for SharedStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.with(|s| s.poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.with(|s| s.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.with(|s| s.poll_shutdown(cx))
    }
}

/// Which HTTP versions a connection is served with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocol {
    /// HTTP/1.1 only (plain connections, or ALPN `http/1.1`).
    Http1,
    /// HTTP/2 only (ALPN `h2`).
    Http2,
    /// TLS without ALPN: HTTP/2 if the client sends its preface, else
    /// HTTP/1.1.
    Detect,
}

/// Serves `app` on `listener` (over TLS when `tls` is given) until
/// `shutdown` fires, then lets open connections finish their current
/// request and waits for them.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<TlsSetup>,
    shutdown: oneshot::Receiver<()>,
) -> io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    match &tls {
                        None => {
                            tokio::spawn(connection(stream, Protocol::Http1, app.clone(), stop_rx.clone()));
                        }
                        Some(tls) => {
                            tokio::spawn(tls_connection(stream, tls.clone(), app.clone(), stop_rx.clone()));
                        }
                    }
                }
                Err(error) => {
                    tracing::debug!(%error, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            },
        }
    }
    drop(listener);
    drop(stop_rx);
    let _ = stop_tx.send(true);
    // Resolves once every connection task has dropped its receiver.
    stop_tx.closed().await;
    Ok(())
}

/// Completes the TLS handshake (unless the server stops or the client
/// takes too long), then serves the connection with the protocol ALPN
/// picked.
async fn tls_connection(
    stream: TcpStream,
    tls: TlsSetup,
    app: Router,
    mut stop: watch::Receiver<bool>,
) {
    let handshake = tokio::time::timeout(tls::HANDSHAKE_TIMEOUT, tls.acceptor.accept(stream));
    let stream = tokio::select! {
        result = handshake => match result {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => {
                tracing::debug!(%error, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!("TLS handshake timed out");
                return;
            }
        },
        _ = stop.changed() => return,
    };
    let http2_offered = tls
        .acceptor
        .config()
        .alpn_protocols
        .iter()
        .any(|p| p == tls::ALPN_H2);
    let protocol = match stream.get_ref().1.alpn_protocol() {
        Some(tls::ALPN_H2) => Protocol::Http2,
        Some(_) => Protocol::Http1,
        None if http2_offered => Protocol::Detect,
        None => Protocol::Http1,
    };
    connection(stream, protocol, app, stop).await;
}

/// Serves one connection.
async fn connection<S>(stream: S, protocol: Protocol, app: Router, mut stop: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let shared = SharedStream(Arc::new(Mutex::new(stream)));
    let (action_tx, action_rx) = oneshot::channel();
    let control = ConnControl {
        sender: Arc::new(Mutex::new(Some(action_tx))),
    };
    let service = hyper::service::service_fn(move |mut request: http::Request<Incoming>| {
        request.extensions_mut().insert(control.clone());
        let mut app = app.clone();
        async move {
            let request = request.map(Body::new);
            app.call(request).await
        }
    });
    // Boxed (not stack-pinned) so that dropping it really drops it and
    // hands the socket back.
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().keep_alive(true);
    let builder = match protocol {
        Protocol::Http1 => builder.http1_only(),
        Protocol::Http2 => builder.http2_only(),
        Protocol::Detect => builder,
    };
    let mut conn = Box::pin(builder.serve_connection(TokioIo::new(shared.clone()), service));
    tokio::pin!(action_rx);
    let mut stopping = false;
    let action = loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
                break None;
            }
            action = &mut action_rx => match action {
                Ok(action) => break Some(action),
                Err(_) => break None,
            },
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_err() || *stop.borrow() {
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    };
    let Some(action) = action else { return };
    // Drop hyper's connection (and the request future) to get the socket back.
    drop(conn);
    let Ok(stream) = Arc::try_unwrap(shared.0) else {
        return;
    };
    let mut stream = stream.into_inner().unwrap_or_else(PoisonError::into_inner);
    match action {
        // Dropping the stream closes the socket with no response written.
        ConnAction::Drop => drop(stream),
        ConnAction::Raw(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.flush().await;
            let _ = stream.shutdown().await;
        }
    }
}
