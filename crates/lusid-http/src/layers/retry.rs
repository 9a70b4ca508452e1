//! [`RetryLayer`]: the API side of the one retry policy.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Method;
use lusid_retry::{Outcome, RetryPolicy, RetryState};
use tower::Layer;

use super::auth::TokenRejected;
use super::trace::AttemptCounter;
use crate::{Error, Operation, Request, Response};

/// Retries API calls by a [`RetryPolicy`] (the one the token client uses
/// too), with [`tower::retry::Retry`]:
///
/// | outcome | retried when |
/// | --- | --- |
/// | 429 Too Many Requests | always, up to `max_rate_limit_retries` |
/// | 500, 502, 503, 504 | the operation is idempotent |
/// | connection could not be made (proxy outage included) | always (nothing was sent) |
/// | connection broke after sending, attempt timed out | the operation is idempotent |
/// | 401 whose token the auth layer invalidated | once, at once, with a fresh token |
/// | no token could be obtained ([`Error::Auth`]) | never: the token client has retried already |
/// | TLS certificate failure, proxy refusal (407, 403) | never |
/// | any other status | never |
///
/// An operation is idempotent when its [`Operation::idempotent`] says so
/// (GET, HEAD, PUT, DELETE, and the POSTs the generator marks: upserts and
/// read-only `$get`/`$query` calls), or, for a request without an
/// [`Operation`], when its method is GET, HEAD, PUT, DELETE or OPTIONS. A
/// request whose body is a one-shot stream is never retried. The error that
/// reaches the caller records how many attempts were made.
#[derive(Debug, Clone, Default)]
pub struct RetryLayer {
    policy: RetryPolicy,
}

impl RetryLayer {
    /// A layer retrying by `policy`.
    pub fn new(policy: RetryPolicy) -> Self {
        Self { policy }
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = tower::retry::Retry<CallRetry, S>;

    fn layer(&self, inner: S) -> Self::Service {
        tower::retry::Retry::new(
            CallRetry {
                policy: self.policy.clone(),
                state: None,
            },
            inner,
        )
    }
}

/// The [`tower::retry::Policy`] of one call: the shared [`RetryPolicy`]
/// and this call's [`RetryState`] (started when the first attempt ends,
/// which records the call in the budget).
#[derive(Debug, Clone)]
pub struct CallRetry {
    policy: RetryPolicy,
    state: Option<RetryState>,
}

pin_project_lite::pin_project! {
    /// The wait before a retry, from [`CallRetry`]: it counts the retry as
    /// an attempt of the call when it ends, just before the attempt is
    /// sent, so a call ended during the wait (by its total timeout) reports
    /// only the attempts it sent.
    pub struct RetryWait {
        #[pin]
        sleep: tokio::time::Sleep,
        counter: Option<AttemptCounter>,
    }
}

impl Future for RetryWait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        match this.sleep.poll(cx) {
            Poll::Ready(()) => {
                if let Some(counter) = this.counter.take() {
                    counter.increment();
                }
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl tower::retry::Policy<Request, Response, Error> for CallRetry {
    type Future = RetryWait;

    fn retry(
        &mut self,
        request: &mut Request,
        result: &mut Result<Response, Error>,
    ) -> Option<Self::Future> {
        let state = self.state.get_or_insert_with(|| self.policy.start());
        let idempotent = is_idempotent(request);
        let outcome = match &*result {
            Ok(response) if response.extensions().get::<TokenRejected>().is_some() => {
                Outcome::Unauthorized
            }
            Ok(response) if response.status().is_success() => return None,
            Ok(response) => Outcome::Response {
                status: response.status(),
                headers: response.headers(),
            },
            Err(Error::Auth { .. }) => Outcome::Final,
            Err(error) => Outcome::Failed(error.failure_kind()),
        };
        let replayable = request.body().is_replayable();
        let wait = replayable
            .then(|| state.next_wait(&outcome, idempotent))
            .flatten();
        let attempts = state.attempts();
        let Some(wait) = wait else {
            if let Err(error) = result {
                error.set_attempts(attempts);
            }
            return None;
        };
        tracing::debug!(
            operation = request.extensions().get::<Operation>().map(|o| o.id),
            attempt = attempts,
            wait_ms = wait.as_millis() as u64,
            outcome = %Described(result),
            "retrying LUSID request"
        );
        if let Some(tally) = request
            .extensions()
            .get::<crate::CallOptions>()
            .and_then(|options| options.retry_tally.as_ref())
        {
            tally.add_one();
        }
        Some(RetryWait {
            sleep: tokio::time::sleep(wait),
            counter: request.extensions().get::<AttemptCounter>().cloned(),
        })
    }

    fn clone_request(&mut self, request: &Request) -> Option<Request> {
        // No state here: tower calls this on the service's own policy
        // before cloning it into the call's future, so state set here would
        // be shared by every later call.
        let body = request.body().try_clone()?;
        let mut clone = http::Request::new(body);
        *clone.method_mut() = request.method().clone();
        *clone.uri_mut() = request.uri().clone();
        *clone.version_mut() = request.version();
        *clone.headers_mut() = request.headers().clone();
        *clone.extensions_mut() = request.extensions().clone();
        Some(clone)
    }
}

fn is_idempotent(request: &Request) -> bool {
    match request.extensions().get::<Operation>() {
        Some(operation) => operation.idempotent,
        None => matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ),
    }
}

struct Described<'a>(&'a Result<Response, Error>);

impl std::fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Ok(response) => write!(f, "HTTP {}", response.status()),
            Err(error) => write!(f, "{error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tower::retry::Policy;

    use super::*;
    use crate::Body;

    fn response(status: u16, retry_after: Option<&str>) -> Result<Response, Error> {
        let mut builder = http::Response::builder().status(status);
        if let Some(value) = retry_after {
            builder = builder.header("retry-after", value);
        }
        Ok(builder.body(Body::empty()).unwrap())
    }

    fn request(method: Method, idempotent: Option<bool>, body: Body) -> Request {
        let mut request = http::Request::builder()
            .method(method)
            .uri("/api/instruments")
            .body(body)
            .unwrap();
        if let Some(idempotent) = idempotent {
            request.extensions_mut().insert(Operation {
                id: "Test",
                path_template: "/api/instruments",
                idempotent,
            });
        }
        request
    }

    fn policy() -> CallRetry {
        CallRetry {
            policy: RetryPolicy::default()
                .budget(None)
                .max_retry_after(Duration::from_secs(5)),
            state: None,
        }
    }

    #[tokio::test]
    async fn statuses_by_idempotency() {
        let mut get = request(Method::GET, Some(true), Body::empty());
        let mut post = request(Method::POST, Some(false), Body::from("{}"));
        for status in [429, 500, 502, 503, 504] {
            assert!(
                policy()
                    .retry(&mut get, &mut response(status, None))
                    .is_some(),
                "{status}"
            );
        }
        assert!(
            policy()
                .retry(&mut post, &mut response(429, None))
                .is_some()
        );
        for status in [500, 502, 503, 504, 400, 404, 409] {
            assert!(
                policy()
                    .retry(&mut post, &mut response(status, None))
                    .is_none(),
                "{status}"
            );
        }
        assert!(policy().retry(&mut get, &mut response(200, None)).is_none());
    }

    #[tokio::test]
    async fn a_token_failure_is_final_and_a_stream_is_never_resent() {
        let mut get = request(Method::GET, Some(true), Body::empty());
        let mut failure: Result<Response, Error> = Err(Error::Auth {
            operation: None,
            source: lusid_auth::Error::RateLimited {
                token_url: "https://acme.okta.com/oauth2/default/v1/token".into(),
                retry_after: None,
                attempts: 5,
            },
        });
        assert!(policy().retry(&mut get, &mut failure).is_none());

        let stream = Body::from_stream(http_body_util::Full::new(bytes::Bytes::from_static(b"x")));
        let mut upload = request(Method::PUT, Some(true), stream);
        assert!(policy().clone_request(&upload).is_none());
        assert!(
            policy()
                .retry(&mut upload, &mut response(503, None))
                .is_none()
        );
    }

    #[tokio::test]
    async fn the_final_error_counts_the_attempts() {
        let mut get = request(Method::GET, Some(true), Body::empty());
        let mut call = CallRetry {
            policy: RetryPolicy::default()
                .budget(None)
                .max_retries(2)
                .initial_backoff(Duration::from_millis(1)),
            state: None,
        };
        let refused = || -> Result<Response, Error> {
            Err(Error::Transport {
                operation: None,
                url: "http://127.0.0.1:9/api".into(),
                kind: lusid_retry::FailureKind::Connect,
                attempts: 1,
                source: "refused".into(),
            })
        };
        assert!(call.retry(&mut get, &mut refused()).is_some());
        assert!(call.retry(&mut get, &mut refused()).is_some());
        let mut last = refused();
        assert!(call.retry(&mut get, &mut last).is_none());
        match last {
            Err(Error::Transport { attempts, .. }) => assert_eq!(attempts, 3),
            other => panic!("{other:?}"),
        }
    }
}
