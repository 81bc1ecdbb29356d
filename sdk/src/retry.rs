//! The time budget of a call and the decision to retry a failed attempt.

use std::future::Future;
use std::time::Duration;

use futures_util::FutureExt as _;

use tokio::time::Instant;

use crate::error::{Error, Operation, TimeoutKind};
use crate::options::RetryPolicy;

/// The time limits of one call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    deadline: Instant,
    total: Duration,
    per_attempt: Duration,
}

impl Budget {
    /// A budget of `total` from now, each attempt bounded by `per_attempt`.
    pub(crate) fn new(total: Duration, per_attempt: Duration) -> Self {
        let now = Instant::now();
        Self {
            deadline: now.checked_add(total).unwrap_or_else(|| far_future(now)),
            total,
            per_attempt,
        }
    }

    /// Runs `fut` within the whole call's budget.
    ///
    /// Not an `async fn`: one would hold `fut` twice in its state (as the argument and inside
    /// the timeout), doubling the size of every call's future, which is then copied around.
    pub(crate) fn within<T>(
        &self,
        operation: Operation,
        fut: impl Future<Output = Result<T, Error>>,
    ) -> impl Future<Output = Result<T, Error>> {
        let total = self.total;
        tokio::time::timeout_at(self.deadline, fut).map(move |result| {
            result.unwrap_or_else(|_| Err(Error::timeout(operation, TimeoutKind::Call(total))))
        })
    }

    /// Runs one attempt `fut` within the attempt limit and the call's budget (counted from now).
    pub(crate) fn attempt<T>(
        &self,
        operation: Operation,
        fut: impl Future<Output = Result<T, Error>>,
    ) -> impl Future<Output = Result<T, Error>> {
        let now = Instant::now();
        let attempt_deadline = now
            .checked_add(self.per_attempt)
            .unwrap_or_else(|| far_future(now));
        let (until, kind) = if attempt_deadline < self.deadline {
            (attempt_deadline, TimeoutKind::Attempt(self.per_attempt))
        } else {
            (self.deadline, TimeoutKind::Call(self.total))
        };
        tokio::time::timeout_at(until, fut)
            .map(move |result| result.unwrap_or_else(|_| Err(Error::timeout(operation, kind))))
    }
}

/// A deadline that never comes in practice, for limits too large to add to `now`.
fn far_future(now: Instant) -> Instant {
    now + Duration::from_secs(100 * 365 * 24 * 3600)
}

/// Counts the attempts of a call and decides, after each failure, whether to try again.
#[derive(Debug)]
pub(crate) struct Retrier<'a> {
    policy: &'a RetryPolicy,
    budget: Budget,
    /// Requests sent, replays after a re-login included.
    sent: u32,
    /// Attempts that count against the policy.
    counted: u32,
}

impl<'a> Retrier<'a> {
    pub(crate) fn new(policy: &'a RetryPolicy, budget: Budget) -> Self {
        Self {
            policy,
            budget,
            sent: 0,
            counted: 0,
        }
    }

    /// Records that a request is being sent; returns its number (from 1).
    pub(crate) fn sending(&mut self) -> u32 {
        self.sent += 1;
        self.counted += 1;
        self.sent
    }

    /// Lets the next attempt (a replay after a re-login) not count against the policy.
    pub(crate) fn forgive_last(&mut self) {
        self.counted = self.counted.saturating_sub(1);
    }

    /// Requests sent so far.
    pub(crate) fn sent(&self) -> u32 {
        self.sent
    }

    /// After a failed attempt: waits and returns `Ok` when the call should try again, or returns
    /// the error (with the attempt count) when it should not: not retryable, out of attempts, or
    /// the wait would not fit in the call's budget.
    pub(crate) async fn after_failure(&mut self, err: Error) -> Result<(), Error> {
        let err = err.with_attempts(self.sent);
        if !err.is_retryable() || self.counted >= self.policy.max_attempts() {
            return Err(err);
        }
        let backoff = self.policy.backoff(self.counted);
        let delay = err
            .retry_after()
            .map_or(backoff, |asked| asked.max(backoff));
        let resume = Instant::now().checked_add(delay);
        if resume.is_none_or(|at| at >= self.budget.deadline) {
            return Err(err);
        }
        tracing::debug!(
            attempt = self.sent,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            error = %err,
            "retrying"
        );
        tokio::time::sleep(delay).await;
        Ok(())
    }
}
