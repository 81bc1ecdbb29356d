//! Request counters, to prove what reached the emulator and what it did.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

/// Counters per route: `Login`, or the action as `Class/Name`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Stats {
    /// Requests received, faulted ones included.
    pub received: BTreeMap<String, u64>,
    /// Requests whose action actually ran (it passed the ticket check and the request checks,
    /// and no fault stopped it first), whatever its outcome. For `Login`: exchanges that ran
    /// (granted or refused).
    pub executed: BTreeMap<String, u64>,
}

impl Stats {
    /// Requests received for `route` (`Login` or `Class/Name`).
    pub fn received(&self, route: &str) -> u64 {
        self.received.get(route).copied().unwrap_or(0)
    }

    /// Times the action of `route` ran (`Login` or `Class/Name`).
    pub fn executed(&self, route: &str) -> u64 {
        self.executed.get(route).copied().unwrap_or(0)
    }
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters(Mutex<Stats>);

impl Counters {
    fn with(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner));
    }

    pub(crate) fn received(&self, route: &str) {
        self.with(|s| count(&mut s.received, route));
    }

    pub(crate) fn executed(&self, route: &str) {
        self.with(|s| count(&mut s.executed, route));
    }

    pub(crate) fn snapshot(&self) -> Stats {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn reset(&self) {
        self.with(|s| *s = Stats::default());
    }
}

/// Adds one to `route`'s counter; the route's name is copied only the first time.
fn count(counters: &mut BTreeMap<String, u64>, route: &str) {
    match counters.get_mut(route) {
        Some(n) => *n += 1,
        None => {
            counters.insert(route.to_owned(), 1);
        }
    }
}
