//! The cached ticket, and the login that all callers needing a new one share.
//!
//! A login runs as a *flight*: a task owned by the cache, not by any caller. Callers that need a
//! ticket join the flight in progress (or launch one) and wait for it to land; a caller that gives
//! up (its time budget ran out, or its future was dropped) stops waiting and leaves the flight
//! running, so the login is never restarted by whoever waits next. The flight is bounded by the
//! login's own time limits and retry policy (the client's defaults), never by a caller's.
//!
//! Whatever the flight ends with (a ticket, an error, a timeout, a panic in the signature source)
//! is handed to every caller that waited for it. After a failed flight the cache backs off before
//! the next one: callers meanwhile get the failure at once, so a burst of calls does not hammer a
//! failing signature source or login endpoint.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::FutureExt as _;
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::Instrument as _;

use crate::auth::Ticket;
use crate::error::{Error, Operation};
use crate::generated::types::LoginData;
use crate::options::RetryPolicy;

/// The cached ticket and the login in progress. Each stored ticket gets a new generation number;
/// a caller whose ticket of generation N was refused asks for a ticket that is not of
/// generation N, so concurrent callers share one login.
pub(crate) struct TicketCache {
    state: Arc<Mutex<State>>,
}

/// What a flight lands with, shared by its waiters.
type Outcome = Result<Landed, Error>;

/// A successful login: the ticket, its generation and the whole reply.
#[derive(Clone)]
struct Landed {
    ticket: Ticket,
    generation: u64,
    data: LoginData,
}

struct State {
    ticket: Option<Ticket>,
    generation: u64,
    /// The login in progress.
    flight: Option<Flight>,
    /// Flights launched so far; numbers them.
    flights: u64,
    /// The last failed login, while no login has succeeded since.
    failure: Option<Failure>,
}

/// A login in progress: its number and where it will land.
struct Flight {
    id: u64,
    done: watch::Receiver<Option<Outcome>>,
}

/// A failed login, handed to callers until `retry_at`.
struct Failure {
    error: Error,
    /// Logins that failed in a row.
    in_a_row: u32,
    retry_at: Instant,
}

impl TicketCache {
    pub(crate) fn new(ticket: Option<Ticket>) -> Self {
        let generation = u64::from(ticket.is_some());
        Self {
            state: Arc::new(Mutex::new(State {
                ticket,
                generation,
                flight: None,
                flights: 0,
                failure: None,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// The current ticket, if any.
    pub(crate) fn current(&self) -> Option<Ticket> {
        self.lock().ticket.clone()
    }

    /// A ticket and its generation: the cached one unless it is of generation `stale` (refused by
    /// the service), else the one the login in progress lands with, launching `login` when none
    /// is in progress. While the cache backs off after a failed login, that failure is returned.
    ///
    /// `login` runs as a task of its own, bounded by its own time limits; `policy` (the login's
    /// retry policy) sets the backoff after it fails. Dropping the returned future only stops
    /// waiting.
    pub(crate) async fn get<F, Fut>(
        &self,
        stale: Option<u64>,
        operation: Operation,
        policy: &RetryPolicy,
        login: F,
    ) -> Result<(Ticket, u64), Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<LoginData, Error>> + Send + 'static,
    {
        let done = {
            let mut state = self.lock();
            if let Some(ticket) = &state.ticket {
                if Some(state.generation) != stale {
                    return Ok((ticket.clone(), state.generation));
                }
            }
            match (&state.flight, &state.failure) {
                (Some(flight), _) => flight.done.clone(),
                (None, Some(failure)) if Instant::now() < failure.retry_at => {
                    let wait = failure.retry_at - Instant::now();
                    tracing::debug!(
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "the last login failed; not logging in again yet"
                    );
                    return Err(failure
                        .error
                        .clone()
                        .for_operation(operation)
                        .with_retry_after(wait));
                }
                (None, _) => self.launch(&mut state, policy, login()),
            }
        };
        let landed = wait(done, operation).await?;
        Ok((landed.ticket, landed.generation))
    }

    /// Logs in now, whatever is cached and even while backing off after a failure (an explicit
    /// request to log in), joining the login in progress if there is one.
    pub(crate) async fn refresh<Fut>(
        &self,
        policy: &RetryPolicy,
        login: impl FnOnce() -> Fut,
    ) -> Result<LoginData, Error>
    where
        Fut: Future<Output = Result<LoginData, Error>> + Send + 'static,
    {
        let done = {
            let mut state = self.lock();
            match &state.flight {
                Some(flight) => flight.done.clone(),
                None => self.launch(&mut state, policy, login()),
            }
        };
        wait(done, Operation::Login).await.map(|landed| landed.data)
    }

    /// Starts a flight running `login` and records it in `state`; returns where it will land.
    fn launch(
        &self,
        state: &mut State,
        policy: &RetryPolicy,
        login: impl Future<Output = Result<LoginData, Error>> + Send + 'static,
    ) -> watch::Receiver<Option<Outcome>> {
        state.flights += 1;
        let id = state.flights;
        let (sender, done) = watch::channel(None);
        state.flight = Some(Flight {
            id,
            done: done.clone(),
        });
        let mut pilot = Pilot {
            state: Arc::clone(&self.state),
            id,
            policy: policy.clone(),
            sender: Some(sender),
        };
        // The flight's logs stay under the call that launched it, as if it ran inline.
        let span = tracing::Span::current();
        tokio::spawn(
            async move {
                let result = AssertUnwindSafe(login)
                    .catch_unwind()
                    .await
                    .unwrap_or_else(|panic| Err(Error::login_panicked(panic.as_ref())));
                pilot.land(result);
            }
            .instrument(span),
        );
        done
    }
}

/// Waits for a flight to land; its outcome, reported for `operation`.
async fn wait(
    mut done: watch::Receiver<Option<Outcome>>,
    operation: Operation,
) -> Result<Landed, Error> {
    let outcome = match done.wait_for(Option::is_some).await {
        Ok(landed) => landed.clone(),
        // The pilot always lands before it is dropped; a closed channel means its task was
        // dropped unlanded, which its `Drop` turned into an outcome already. Be safe anyway.
        Err(_) => None,
    };
    match outcome {
        Some(Ok(landed)) => Ok(landed),
        Some(Err(err)) => Err(err.for_operation(operation)),
        None => Err(Error::login_abandoned(operation)),
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // The state is only read and assigned under the lock; a panic elsewhere cannot leave it
    // half-written.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Owned by a flight's task: records its outcome in the cache and hands it to the waiters, even
/// when the task is dropped before the login ends (a runtime shutting down).
struct Pilot {
    state: Arc<Mutex<State>>,
    id: u64,
    policy: RetryPolicy,
    sender: Option<watch::Sender<Option<Outcome>>>,
}

impl Pilot {
    fn land(&mut self, result: Result<LoginData, Error>) {
        let Some(sender) = self.sender.take() else {
            return;
        };
        let outcome = {
            let mut state = lock(&self.state);
            if state.flight.as_ref().is_some_and(|f| f.id == self.id) {
                state.flight = None;
            }
            match result {
                Ok(data) => {
                    let ticket = Ticket::new(data.authorization.clone());
                    state.generation += 1;
                    state.ticket = Some(ticket.clone());
                    state.failure = None;
                    Ok(Landed {
                        ticket,
                        generation: state.generation,
                        data,
                    })
                }
                Err(error) => {
                    let in_a_row = state.failure.as_ref().map_or(0, |f| f.in_a_row) + 1;
                    let backoff = login_backoff(&self.policy, in_a_row);
                    tracing::debug!(
                        error = %error,
                        in_a_row,
                        backoff_ms = u64::try_from(backoff.as_millis()).unwrap_or(u64::MAX),
                        "login failed"
                    );
                    state.failure = Some(Failure {
                        error: error.clone(),
                        in_a_row,
                        retry_at: Instant::now() + backoff,
                    });
                    Err(error)
                }
            }
        };
        // Every waiter may be gone; the outcome is in the cache regardless.
        sender.send_replace(Some(outcome));
    }
}

impl Drop for Pilot {
    fn drop(&mut self) {
        if let Some(sender) = self.sender.take() {
            // Dropped unlanded: clear the flight without backing off, so the next caller logs in
            // again, and tell the waiters.
            let mut state = lock(&self.state);
            if state.flight.as_ref().is_some_and(|f| f.id == self.id) {
                state.flight = None;
            }
            drop(state);
            sender.send_replace(Some(Err(Error::login_abandoned(Operation::Login))));
        }
    }
}

/// How long to wait after the `in_a_row`-th failed login in a row before the next one: the
/// policy's backoff ceiling (base delay doubling up to the maximum), without jitter.
fn login_backoff(policy: &RetryPolicy, in_a_row: u32) -> Duration {
    policy.ceiling(in_a_row)
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::atomic::{AtomicUsize, Ordering};

    fn data(ticket: &str) -> LoginData {
        serde_json::from_value(serde_json::json!({ "Authorization": ticket })).unwrap()
    }

    const OP: Operation = Operation::Login;

    fn policy() -> RetryPolicy {
        RetryPolicy::new()
            .with_base_delay(Duration::from_secs(1))
            .with_max_delay(Duration::from_secs(4))
    }

    #[tokio::test(start_paused = true)]
    async fn a_cached_ticket_is_returned_until_it_is_stale() {
        let cache = TicketCache::new(Some(Ticket::new("t0")));
        let logins = Arc::new(AtomicUsize::new(0));
        let login = || {
            let logins = logins.clone();
            async move {
                let n = logins.fetch_add(1, Ordering::SeqCst) + 1;
                Ok(data(&format!("t{n}")))
            }
        };
        let (ticket, generation) = cache.get(None, OP, &policy(), login).await.unwrap();
        assert_eq!((ticket.expose_secret(), generation), ("t0", 1));
        let (ticket, generation) = cache
            .get(Some(generation), OP, &policy(), login)
            .await
            .unwrap();
        assert_eq!((ticket.expose_secret(), generation), ("t1", 2));
        // A caller whose (older) ticket was refused gets the newer one without a login.
        let (ticket, _) = cache.get(Some(1), OP, &policy(), login).await.unwrap();
        assert_eq!(ticket.expose_secret(), "t1");
        assert_eq!(logins.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_login_lands_as_an_error_for_every_waiter() {
        let cache = Arc::new(TicketCache::new(None));
        let waiters = (0..10).map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .get(None, OP, &policy(), || async {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        panic!("the source broke");
                    })
                    .await
            })
        });
        for waiter in futures_util::future::join_all(waiters).await {
            let err = waiter.unwrap().unwrap_err();
            assert!(err.is_auth(), "{err:?}");
            assert!(err.to_string().contains("the source broke"), "{err}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn failures_back_off_doubling_and_a_success_resets() {
        let cache = TicketCache::new(None);
        let fail = || async { Err(Error::config("nope")) };
        let ok = || async { Ok(data("t")) };
        assert!(cache.get(None, OP, &policy(), fail).await.is_err());
        // Within the first window (1 s) nothing is launched: `ok` would succeed.
        tokio::time::advance(Duration::from_millis(990)).await;
        let err = cache.get(None, OP, &policy(), ok).await.unwrap_err();
        assert_eq!(err.retry_after(), Some(Duration::from_millis(10)));
        tokio::time::advance(Duration::from_millis(10)).await;
        assert!(cache.get(None, OP, &policy(), fail).await.is_err());
        // The second failure in a row waits 2 s.
        tokio::time::advance(Duration::from_millis(1990)).await;
        assert!(cache.get(None, OP, &policy(), ok).await.is_err());
        tokio::time::advance(Duration::from_millis(10)).await;
        assert!(cache.get(None, OP, &policy(), ok).await.is_ok());
        // An explicit login does not wait for a backoff.
        let cache = TicketCache::new(None);
        assert!(cache.get(None, OP, &policy(), fail).await.is_err());
        assert!(cache.refresh(&policy(), ok).await.is_ok());
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    #[test]
    fn a_login_whose_runtime_shut_down_is_launched_again() {
        let cache = TicketCache::new(None);
        let first = runtime();
        let waited = first.block_on(async {
            let hangs = || std::future::pending::<Result<LoginData, Error>>();
            let policy = policy();
            let waiting = cache.get(None, OP, &policy, hangs);
            tokio::time::timeout(Duration::from_millis(5), waiting).await
        });
        assert!(waited.is_err(), "the login hangs");
        drop(first); // drops the flight's task
        let (ticket, _) = runtime()
            .block_on(cache.get(None, OP, &policy(), || async { Ok(data("t")) }))
            .unwrap();
        assert_eq!(ticket.expose_secret(), "t");
    }
}
