//! The cached ticket, and the login that all callers needing a new one share.

use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::auth::Ticket;
use crate::error::{Error, Operation};

/// The cached ticket. Each stored ticket gets a new generation number; a caller whose ticket of
/// generation N was refused logs in again only if the cache still holds generation N, so
/// concurrent callers share one login.
pub(crate) struct TicketCache {
    slot: Mutex<Slot>,
    /// Held for the duration of a login: logins never overlap.
    gate: tokio::sync::Mutex<()>,
}

struct Slot {
    ticket: Option<Ticket>,
    generation: u64,
    /// Logins that failed so far, and the last failure, handed to the callers that waited for it.
    failures: u64,
    last_failure: Option<Error>,
}

impl TicketCache {
    pub(crate) fn new(ticket: Option<Ticket>) -> Self {
        let generation = u64::from(ticket.is_some());
        Self {
            slot: Mutex::new(Slot {
                ticket,
                generation,
                failures: 0,
                last_failure: None,
            }),
            gate: tokio::sync::Mutex::new(()),
        }
    }

    fn slot(&self) -> MutexGuard<'_, Slot> {
        // The slot is only read and assigned; a panic elsewhere cannot leave it half-written.
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current ticket, if any.
    pub(crate) fn current(&self) -> Option<Ticket> {
        self.slot().ticket.clone()
    }

    /// A ticket and its generation: the cached one unless it is of generation `stale` (refused by
    /// the service), else one from a login: the one another caller is doing, or `login`.
    pub(crate) async fn get<F, Fut>(
        &self,
        stale: Option<u64>,
        operation: Operation,
        login: F,
    ) -> Result<(Ticket, u64), Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Ticket, Error>>,
    {
        let (seen_generation, seen_failures) = {
            let slot = self.slot();
            match &slot.ticket {
                Some(ticket) if Some(slot.generation) != stale => {
                    return Ok((ticket.clone(), slot.generation));
                }
                _ => (slot.generation, slot.failures),
            }
        };
        let _gate = self.gate.lock().await;
        {
            let slot = self.slot();
            if slot.generation != seen_generation {
                if let Some(ticket) = &slot.ticket {
                    return Ok((ticket.clone(), slot.generation));
                }
            }
            if slot.failures != seen_failures {
                if let Some(err) = &slot.last_failure {
                    return Err(err.clone().for_operation(operation));
                }
            }
        }
        match login().await {
            Ok(ticket) => Ok(self.store(ticket)),
            Err(err) => Err(self.record_failure(err)),
        }
    }

    /// Logs in now, whatever is cached, after any login in progress.
    pub(crate) async fn refresh<F, Fut, T>(&self, login: F) -> Result<T, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(Ticket, T), Error>>,
    {
        let _gate = self.gate.lock().await;
        match login().await {
            Ok((ticket, value)) => {
                self.store(ticket);
                Ok(value)
            }
            Err(err) => Err(self.record_failure(err)),
        }
    }

    /// Stores a new ticket; the caller holds the gate.
    fn store(&self, ticket: Ticket) -> (Ticket, u64) {
        let mut slot = self.slot();
        slot.generation += 1;
        slot.ticket = Some(ticket.clone());
        (ticket, slot.generation)
    }

    /// Records a failed login for the callers waiting on it; the caller holds the gate. A timeout
    /// is not shared: it comes from the failed caller's own time limit, and a waiter with more
    /// time logs in itself.
    fn record_failure(&self, err: Error) -> Error {
        if err.is_timeout() {
            return err;
        }
        let mut slot = self.slot();
        slot.failures += 1;
        slot.last_failure = Some(err.clone());
        err
    }
}
