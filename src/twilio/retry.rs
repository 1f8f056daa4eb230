//! When and how long to wait before retrying a Twilio request.
//!
//! Twilio answers 429 when a rate limit is hit (often with `Retry-After`) and 5xx during
//! incidents; both are worth retrying, with exponential backoff and full jitter so many clients
//! do not retry in lockstep. 4xx other than 429 are final.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Bounds on retrying one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1: never retry).
    pub max_attempts: u32,
    /// The backoff before the first retry; it doubles on each further retry.
    pub base_delay: Duration,
    /// The longest single wait, including one asked for by `Retry-After`.
    pub max_delay: Duration,
    /// The longest time spent waiting across all retries of one request.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
            max_total_wait: Duration::from_secs(45),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub const NONE: Self = Self {
        max_attempts: 1,
        base_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
        max_total_wait: Duration::ZERO,
    };

    /// Whether an answer with `status` may be retried.
    pub fn retryable(status: u16) -> bool {
        status == 429 || (500..=599).contains(&status)
    }

    /// How long to wait before attempt `attempt` + 1 (attempt counts from 1), given the
    /// server's `Retry-After` and the time already waited; `None` when the attempts or the
    /// time budget are spent, or the server asks for a wait longer than allowed.
    pub fn delay(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        waited: Duration,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let delay = match retry_after {
            Some(asked) if asked > self.max_delay => return None,
            Some(asked) => asked,
            None => {
                let backoff = self
                    .base_delay
                    .saturating_mul(2u32.saturating_pow(attempt - 1))
                    .min(self.max_delay);
                backoff.mul_f64(jitter())
            }
        };
        (waited + delay <= self.max_total_wait).then_some(delay)
    }
}

/// A `Retry-After` value in seconds; HTTP dates are not used by Twilio and are ignored.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// A factor in [0.5, 1): "equal jitter", so a retry never comes immediately.
fn jitter() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut x = u64::from(nanos) ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    0.5 + (x % 1000) as f64 / 2000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stops_at_the_attempt_limit() {
        let p = RetryPolicy::default();
        let first = p.delay(1, None, Duration::ZERO).unwrap();
        let third = p.delay(3, None, Duration::ZERO).unwrap();
        assert!(
            first >= Duration::from_millis(250) && first < Duration::from_millis(500),
            "{first:?}"
        );
        assert!(
            third >= Duration::from_secs(1) && third < Duration::from_secs(2),
            "{third:?}"
        );
        assert_eq!(
            p.delay(4, None, Duration::ZERO),
            None,
            "four attempts in all"
        );
    }

    #[test]
    fn retry_after_is_honoured_within_bounds() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(3)), Duration::ZERO),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(60)), Duration::ZERO),
            None,
            "longer than max_delay"
        );
        assert_eq!(
            p.delay(2, Some(Duration::from_secs(10)), Duration::from_secs(40)),
            None,
            "over the time budget"
        );
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn only_429_and_5xx_are_retryable() {
        assert!(RetryPolicy::retryable(429) && RetryPolicy::retryable(503));
        assert!(
            !RetryPolicy::retryable(400)
                && !RetryPolicy::retryable(401)
                && !RetryPolicy::retryable(404)
        );
    }
}
