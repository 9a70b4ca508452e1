use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use http::{HeaderValue, StatusCode};
use lusid_auth::{AccessToken, TokenProvider};
use tower::{Layer, Service, ServiceExt};

use crate::{Error, HttpService, Operation, Request, Response};

/// Adds `Authorization: Bearer <token>` to every attempt, reading the token
/// from a [`TokenProvider`] each time (so a retried attempt carries a
/// refreshed token), and recovers once from a 401.
///
/// When LUSID answers 401 the layer tells the provider which token was
/// rejected ([`TokenProvider::invalidate`]), asks for a new one and sends the
/// request once more; a second 401 is returned to the caller. The header value
/// is marked sensitive, so hyper's and tracing's debug output hide it.
#[derive(Debug, Clone)]
pub struct AuthLayer {
    tokens: Arc<dyn TokenProvider>,
}

impl AuthLayer {
    /// A layer reading tokens from `tokens`.
    pub fn new(tokens: Arc<dyn TokenProvider>) -> Self {
        Self { tokens }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            tokens: self.tokens.clone(),
            inner,
        }
    }
}

/// The service made by [`AuthLayer`].
#[derive(Clone)]
pub struct AuthService<S = HttpService> {
    tokens: Arc<dyn TokenProvider>,
    inner: S,
}

impl<S> Service<Request> for AuthService<S>
where
    S: Service<Request, Response = Response, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Response, Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let tokens = self.tokens.clone();
        let inner = self.inner.clone();
        Box::pin(async move {
            let operation = request.extensions().get::<Operation>().copied();
            let token = current_token(tokens.as_ref(), operation).await?;
            let retry = request.clone();
            let response = inner.clone().oneshot(authorized(request, &token)?).await?;
            if response.status() != StatusCode::UNAUTHORIZED {
                return Ok(response);
            }
            tracing::debug!(
                operation = operation.map(|o| o.id),
                "LUSID rejected the access token (401); fetching a new one and trying once more"
            );
            tokens.invalidate(&token);
            let fresh = current_token(tokens.as_ref(), operation).await?;
            inner.oneshot(authorized(retry, &fresh)?).await
        })
    }
}

async fn current_token(
    tokens: &dyn TokenProvider,
    operation: Option<Operation>,
) -> Result<AccessToken, Error> {
    tokens
        .access_token()
        .await
        .map_err(|source| Error::Auth { operation, source })
}

fn authorized(mut request: Request, token: &AccessToken) -> Result<Request, Error> {
    let mut value =
        HeaderValue::try_from(format!("Bearer {}", token.expose_secret())).map_err(|_| {
            Error::InvalidRequest {
                operation: request.extensions().get::<Operation>().copied(),
                reason: "the access token contains characters not allowed in an HTTP header"
                    .to_owned(),
            }
        })?;
    value.set_sensitive(true);
    request
        .headers_mut()
        .insert(http::header::AUTHORIZATION, value);
    Ok(request)
}
