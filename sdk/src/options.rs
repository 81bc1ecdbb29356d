//! Per-call options and the retry policy.

use std::time::Duration;

/// How failed attempts are retried: up to [`max_attempts`](Self::max_attempts) attempts in all,
/// waiting a random time between zero and `min(max_delay, base_delay × 2^(retry−1))` before each
/// retry ("full jitter"), or the server's `Retry-After` when that is longer.
///
/// What is retried: a connection that failed before the request was sent, and codes the service
/// guarantees were not executed ([`Retryability::Always`](crate::Retryability::Always); no
/// documented code is); everything else that may have reached the service only for idempotent
/// actions: HTTP 429, a gateway's 502/503/504, a timeout or a reset after the request was sent,
/// and the codes the spec marks [`IfIdempotent`](crate::Retryability::IfIdempotent) (internal
/// errors, throttling). A `CreateClass` is never sent twice because of a 429.
///
/// The client's policy (not a call's) also governs its login, which all calls share: the login's
/// own retries, and how long the client waits after a failed login before logging in again
/// (the base delay, doubled after each failure in a row, at most the maximum delay). Calls
/// that need a ticket meanwhile fail at once with that login's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, base delay 200 ms, maximum delay 20 s.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// The default policy: 3 attempts, base delay 200 ms, maximum delay 20 s.
    pub fn new() -> Self {
        Self::default()
    }

    /// One attempt, no retries.
    pub fn none() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// Sets the number of attempts, the first included (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the delay the backoff starts from.
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Sets the longest backoff delay (a longer `Retry-After` is still honoured within the call's
    /// time budget).
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The number of attempts, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay the backoff starts from.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The longest backoff delay.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The longest delay before retry number `retry` (1 for the first retry): the base delay
    /// doubled for each retry after the first, at most the maximum delay.
    pub(crate) fn ceiling(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        self.base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay)
    }

    /// The random delay before retry number `retry` (1 for the first retry), at most
    /// [`ceiling`](Self::ceiling).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry);
        Duration::try_from_secs_f64(ceiling.as_secs_f64() * crate::random::unit_f64())
            .map_or(ceiling, |delay| delay.min(ceiling))
    }
}

/// Options of one call that override the client's defaults; unset options keep the defaults.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// Options that keep every client default.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bounds the whole call, retries and the wait for a login included. A call that gives up
    /// waiting leaves the login running for the others; the login has the client's limits.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Bounds each attempt (sending the request and reading the reply).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Replaces the client's retry policy for this call's requests (the login it may wait for
    /// is shared and follows the client's policy).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_the_exponential_ceiling_and_the_cap() {
        let policy = RetryPolicy::new()
            .with_base_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_millis(350));
        for _ in 0..200 {
            assert!(policy.backoff(1) <= Duration::from_millis(100));
            assert!(policy.backoff(2) <= Duration::from_millis(200));
            assert!(policy.backoff(3) <= Duration::from_millis(350));
            assert!(policy.backoff(u32::MAX) <= Duration::from_millis(350));
        }
    }

    #[test]
    fn at_least_one_attempt() {
        assert_eq!(RetryPolicy::none().max_attempts(), 1);
        assert_eq!(RetryPolicy::new().with_max_attempts(0).max_attempts(), 1);
    }
}
