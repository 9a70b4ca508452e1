//! [`AuthLayer`]: a current bearer token on every attempt.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::{BoxFuture, Either};
use http::{HeaderValue, StatusCode};
use lusid_auth::{AccessToken, TokenProvider};
use tower::{Layer, Service};

use crate::{Error, HttpService, Operation, Request, Response};

/// Marks a `401` response whose token the auth layer has invalidated, so
/// the retry layer sends the request once more with a fresh token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenRejected;

/// Adds `Authorization: Bearer <token>` to every attempt, reading the token
/// from a [`TokenProvider`] each time (so a retried attempt carries a
/// refreshed token). A fresh cached token is read without awaiting
/// ([`TokenProvider::cached_token`]).
///
/// When LUSID answers `401` the layer tells the provider which token was
/// rejected ([`TokenProvider::invalidate`]) and marks the response; the
/// retry layer then sends the request once more (which reads a new token),
/// and a second `401` reaches the caller. The layer never retries by
/// itself. A failure to get a token is [`Error::Auth`], which the retry
/// layer treats as final: the token client has retried already. The header
/// value is marked sensitive, so hyper's and tracing's debug output hide it.
#[derive(Debug, Clone)]
pub struct AuthLayer {
    tokens: Arc<dyn TokenProvider>,
    header: Arc<HeaderCache>,
}

impl AuthLayer {
    /// A layer reading tokens from `tokens`.
    pub fn new(tokens: Arc<dyn TokenProvider>) -> Self {
        Self {
            tokens,
            header: Arc::default(),
        }
    }
}

/// The `Authorization` value of the token last used, so a cached token is
/// not formatted and validated again for every request.
#[derive(Default)]
struct HeaderCache(std::sync::Mutex<Option<(AccessToken, HeaderValue)>>);

impl std::fmt::Debug for HeaderCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HeaderCache")
    }
}

impl HeaderCache {
    fn value(&self, token: &AccessToken) -> Option<HeaderValue> {
        let mut cached = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((known, value)) = cached.as_ref() {
            if known.is_same(token) {
                return Some(value.clone());
            }
        }
        let value = bearer(token)?;
        *cached = Some((token.clone(), value.clone()));
        Some(value)
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            tokens: self.tokens.clone(),
            header: self.header.clone(),
            inner,
        }
    }
}

/// The service made by [`AuthLayer`].
#[derive(Clone, Debug)]
pub struct AuthService<S = HttpService> {
    tokens: Arc<dyn TokenProvider>,
    header: Arc<HeaderCache>,
    inner: S,
}

impl<S> Service<Request> for AuthService<S>
where
    S: Service<Request, Response = Response, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Error;
    type Future = Either<AuthFuture<S::Future>, BoxFuture<'static, Result<Response, Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if let Some(token) = self.tokens.cached_token() {
            return Either::Left(match authorized(request, &token, &self.header) {
                Ok(request) => AuthFuture {
                    inner: Some(self.inner.call(request)),
                    failed: None,
                    token: Some(token),
                    tokens: self.tokens.clone(),
                },
                Err(error) => AuthFuture {
                    inner: None,
                    failed: Some(error),
                    token: None,
                    tokens: self.tokens.clone(),
                },
            });
        }
        // The service polled ready goes into the future; a clone stays.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let tokens = self.tokens.clone();
        let header = self.header.clone();
        Either::Right(Box::pin(async move {
            let operation = request.extensions().get::<Operation>().copied();
            let token = tokens
                .access_token()
                .await
                .map_err(|source| Error::Auth { operation, source })?;
            let response = inner.call(authorized(request, &token, &header)?).await?;
            Ok(checked(response, &token, tokens.as_ref()))
        }))
    }
}

pin_project_lite::pin_project! {
    /// The future of [`AuthService`] when a cached token was at hand.
    pub struct AuthFuture<F> {
        #[pin]
        inner: Option<F>,
        failed: Option<Error>,
        token: Option<AccessToken>,
        tokens: Arc<dyn TokenProvider>,
    }
}

impl<F> Future for AuthFuture<F>
where
    F: Future<Output = Result<Response, Error>>,
{
    type Output = Result<Response, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Some(error) = this.failed.take() {
            return Poll::Ready(Err(error));
        }
        match this.inner.as_pin_mut() {
            Some(inner) => match inner.poll(cx) {
                Poll::Ready(Ok(response)) => {
                    let response = match this.token.as_ref() {
                        Some(token) => checked(response, token, this.tokens.as_ref()),
                        None => response,
                    };
                    Poll::Ready(Ok(response))
                }
                other => other,
            },
            None => Poll::Ready(Err(Error::InvalidRequest {
                operation: None,
                reason: "the auth layer's future was polled after it finished".to_owned(),
            })),
        }
    }
}

/// Invalidates `token` and marks the response when LUSID rejected it.
fn checked(mut response: Response, token: &AccessToken, tokens: &dyn TokenProvider) -> Response {
    if response.status() == StatusCode::UNAUTHORIZED {
        tracing::debug!("LUSID rejected the access token (401); it will be replaced");
        tokens.invalidate(token);
        response.extensions_mut().insert(TokenRejected);
    }
    response
}

/// `Bearer <token>`, marked sensitive; `None` when the token holds
/// characters a header cannot.
fn bearer(token: &AccessToken) -> Option<HeaderValue> {
    let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose_secret())).ok()?;
    value.set_sensitive(true);
    Some(value)
}

fn authorized(
    mut request: Request,
    token: &AccessToken,
    header: &HeaderCache,
) -> Result<Request, Error> {
    let value = header.value(token).ok_or_else(|| Error::InvalidRequest {
        operation: request.extensions().get::<Operation>().copied(),
        reason: "the access token contains characters not allowed in an HTTP header".to_owned(),
    })?;
    request
        .headers_mut()
        .insert(http::header::AUTHORIZATION, value);
    Ok(request)
}
