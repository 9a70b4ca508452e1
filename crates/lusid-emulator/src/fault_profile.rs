//! Random, seeded fault injection: a fraction of API or token responses
//! replaced by throttling, server errors or dropped connections, plus
//! latency. Deterministic for a seed: the n-th API (or token) request
//! always gets the same outcome.

use std::time::Duration;

use fastrand::Rng;

use crate::faults::Fault;

/// How a throttling (429) fault spells `Retry-After`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryAfterStyle {
    /// Whole seconds, rounded up: `Retry-After: 2`.
    #[default]
    Seconds,
    /// Fractional seconds: `Retry-After: 0.25` (not RFC 9110, but sent by
    /// some gateways).
    FractionalSeconds,
    /// An HTTP date: `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`.
    HttpDate,
    /// No `Retry-After` header at all.
    Absent,
    /// Whole seconds under the header name `RETRY-AFTER` (written on the
    /// wire in that case; the connection is then closed).
    UpperCaseName,
}

impl RetryAfterStyle {
    /// Parses `seconds`, `fractional`, `http-date`, `absent` or `upper-case`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "seconds" => Some(Self::Seconds),
            "fractional" | "fractional-seconds" => Some(Self::FractionalSeconds),
            "http-date" | "date" => Some(Self::HttpDate),
            "absent" | "none" => Some(Self::Absent),
            "upper-case" | "uppercase" | "other-case" => Some(Self::UpperCaseName),
            _ => None,
        }
    }

    /// The fault answering with `status` and this style of `Retry-After`
    /// for a wait of `wait`.
    pub fn fault(self, status: u16, wait: Duration) -> Fault {
        let seconds = wait.as_secs_f64();
        match self {
            Self::Seconds => Fault::status_with_retry_after(status, format_seconds(wait)),
            Self::FractionalSeconds => {
                Fault::status_with_retry_after(status, format!("{seconds:.3}"))
            }
            Self::HttpDate => Fault::status_with_retry_after(status, http_date_after(wait)),
            Self::Absent => Fault::status(status),
            Self::UpperCaseName => Fault::Raw {
                status,
                headers: vec![("RETRY-AFTER".to_owned(), format_seconds(wait))],
                body: String::new(),
            },
        }
    }
}

/// Whole seconds, rounded up (at least 0).
fn format_seconds(wait: Duration) -> String {
    format!("{}", wait.as_secs_f64().ceil() as u64)
}

/// An IMF-fixdate `wait` from now (`Wed, 21 Oct 2015 07:28:00 GMT`), rounded
/// up to the next whole second.
pub(crate) fn http_date_after(wait: Duration) -> String {
    let at = time::OffsetDateTime::now_utc()
        + time::Duration::seconds(wait.as_secs_f64().ceil() as i64 + 1);
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.format(format).unwrap_or_default()
}

/// Fractions of one endpoint's responses to replace, and its latency.
/// Fractions are in `0.0..=1.0`; their sum is capped at 1.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FaultRates {
    /// Fraction answered 429 (`ApiRateLimitViolation`; on the token
    /// endpoint Okta's `E0000047` with `X-Rate-Limit-*` headers).
    pub throttle: f64,
    /// Fraction answered 500, 502, 503 or 504 (equally likely).
    pub server_error: f64,
    /// Fraction whose TCP connection is closed without a response.
    pub drop: f64,
    /// How throttling responses spell `Retry-After`.
    pub retry_after: RetryAfterStyle,
    /// The wait `Retry-After` asks for.
    pub retry_after_wait: Duration,
    /// Latency added before every response.
    pub latency: Duration,
}

impl Default for FaultRates {
    fn default() -> Self {
        Self {
            throttle: 0.0,
            server_error: 0.0,
            drop: 0.0,
            retry_after: RetryAfterStyle::Seconds,
            retry_after_wait: Duration::from_secs(1),
            latency: Duration::ZERO,
        }
    }
}

impl FaultRates {
    /// Whether any fault or latency is configured.
    pub fn is_active(&self) -> bool {
        self.throttle > 0.0 || self.server_error > 0.0 || self.drop > 0.0 || !self.latency.is_zero()
    }

    /// Draws the outcome of one request.
    pub(crate) fn draw(&self, rng: &mut Rng) -> Option<Fault> {
        let roll = rng.f64();
        let throttle = self.throttle.clamp(0.0, 1.0);
        let server_error = throttle + self.server_error.clamp(0.0, 1.0);
        let drop = server_error + self.drop.clamp(0.0, 1.0);
        // Always draw the status too, so the sequence of rolls does not
        // depend on which branch was taken.
        let status = [500, 502, 503, 504][rng.usize(..4)];
        if roll < throttle {
            Some(self.retry_after.fault(429, self.retry_after_wait))
        } else if roll < server_error {
            Some(Fault::status(status))
        } else if roll < drop {
            Some(Fault::Drop)
        } else {
            None
        }
    }
}

/// Seeded random faults for the API and the token endpoint.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct FaultProfile {
    /// Seed of the draws (equal seeds and request sequences give equal
    /// faults).
    pub seed: u64,
    /// Rates for LUSID API requests.
    pub api: FaultRates,
    /// Rates for token requests.
    pub token: FaultRates,
}

impl FaultProfile {
    /// A profile with no faults and this seed.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            ..Self::default()
        }
    }

    /// Sets the API rates.
    pub fn api(mut self, rates: FaultRates) -> Self {
        self.api = rates;
        self
    }

    /// Sets the token-endpoint rates.
    pub fn token(mut self, rates: FaultRates) -> Self {
        self.token = rates;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_deterministic_and_follow_the_rates() {
        let rates = FaultRates {
            throttle: 0.2,
            server_error: 0.1,
            drop: 0.1,
            ..FaultRates::default()
        };
        let run = |seed| {
            let mut rng = Rng::with_seed(seed);
            (0..2000).map(|_| rates.draw(&mut rng)).collect::<Vec<_>>()
        };
        let a = run(5);
        assert_eq!(a, run(5));
        assert_ne!(a, run(6));
        let throttled = a
            .iter()
            .filter(|f| matches!(f, Some(Fault::Status { status: 429, .. })))
            .count();
        let dropped = a.iter().filter(|f| matches!(f, Some(Fault::Drop))).count();
        let errors = a
            .iter()
            .filter(|f| matches!(f, Some(Fault::Status { status, .. }) if *status >= 500))
            .count();
        assert!((300..500).contains(&throttled), "{throttled}");
        assert!((120..280).contains(&dropped), "{dropped}");
        assert!((120..280).contains(&errors), "{errors}");
    }

    #[test]
    fn retry_after_styles() {
        let wait = Duration::from_millis(1500);
        assert_eq!(
            RetryAfterStyle::Seconds.fault(429, wait),
            Fault::status_with_retry_after(429, "2")
        );
        assert_eq!(
            RetryAfterStyle::FractionalSeconds.fault(429, wait),
            Fault::status_with_retry_after(429, "1.500")
        );
        assert_eq!(RetryAfterStyle::Absent.fault(429, wait), Fault::status(429));
        let Fault::Status {
            retry_after: Some(date),
            ..
        } = RetryAfterStyle::HttpDate.fault(429, wait)
        else {
            panic!("expected a status fault");
        };
        assert!(date.ends_with(" GMT") && date.len() == 29, "{date}");
        assert!(matches!(
            RetryAfterStyle::UpperCaseName.fault(429, wait),
            Fault::Raw { status: 429, .. }
        ));
        assert_eq!(
            RetryAfterStyle::parse("http-date"),
            Some(RetryAfterStyle::HttpDate)
        );
        assert_eq!(RetryAfterStyle::parse("bogus"), None);
    }
}
