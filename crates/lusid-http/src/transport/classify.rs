//! Which [`FailureKind`] a transport error is.

use lusid_retry::FailureKind;

use super::ProxyError;

/// The kind of `error`, a transport failure whose connection was
/// (`connecting`) or was not yet established: a TLS certificate or
/// handshake failure is [`FailureKind::Tls`] (the same server fails the same
/// way); a proxy's refusal is [`FailureKind::Other`], its outage
/// [`FailureKind::Connect`]; any other failure while connecting is
/// [`FailureKind::Connect`] (nothing was sent), later ones
/// [`FailureKind::Send`].
pub(crate) fn failure_kind(
    error: &(dyn std::error::Error + 'static),
    connecting: bool,
) -> FailureKind {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(proxy) = current.downcast_ref::<ProxyError>() {
            return if proxy.is_transient() {
                FailureKind::Connect
            } else {
                FailureKind::Other
            };
        }
        if is_tls(current) {
            return FailureKind::Tls;
        }
        cause = current.source();
    }
    if connecting {
        FailureKind::Connect
    } else {
        FailureKind::Send
    }
}

/// Whether `error` is a rustls error, directly or inside (possibly nested)
/// `io::Error`s, whose `source()` skips the error they wrap.
fn is_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = error;
    loop {
        if current.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        match current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => current = inner,
            None => return false,
        }
    }
}
