//! Login tickets: random, bound to a platform and a user, valid for a configurable lifetime.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::ids;

/// Who a valid ticket belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Session {
    pub(crate) platform: String,
    pub(crate) user_id: String,
}

/// Why a ticket is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TicketError {
    /// No ticket was sent.
    Missing,
    /// The emulator never issued it (or forgot it after it expired).
    Unknown,
    /// It expired.
    Expired,
}

impl TicketError {
    pub(crate) fn detail(self) -> &'static str {
        match self {
            TicketError::Missing => "session invalid: no auth ticket",
            TicketError::Unknown => "session invalid: unknown ticket",
            TicketError::Expired => "session invalid: ticket expired",
        }
    }
}

#[derive(Debug)]
struct Entry {
    session: Session,
    expires: Instant,
}

/// The tickets issued so far.
#[derive(Debug)]
pub(crate) struct Tickets {
    lifetime: Duration,
    map: Mutex<HashMap<String, Entry>>,
}

impl Tickets {
    pub(crate) fn new(lifetime: Duration) -> Self {
        Self {
            lifetime,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Issues a new ticket.
    pub(crate) fn issue(&self, platform: &str, user_id: &str) -> String {
        let ticket = ids::ticket();
        let now = Instant::now();
        let expires = now
            .checked_add(self.lifetime)
            .or_else(|| now.checked_add(Duration::from_secs(86_400 * 365 * 100)))
            .unwrap_or(now);
        let mut map = self.lock();
        // forget tickets that expired long ago, so a long-running emulator does not grow
        map.retain(|_, e| {
            e.expires
                .checked_add(Duration::from_secs(3600))
                .is_none_or(|t| t > now)
        });
        map.insert(
            ticket.clone(),
            Entry {
                session: Session {
                    platform: platform.to_owned(),
                    user_id: user_id.to_owned(),
                },
                expires,
            },
        );
        ticket
    }

    /// The session of a ticket.
    pub(crate) fn check(&self, ticket: Option<&str>) -> Result<Session, TicketError> {
        let ticket = ticket
            .filter(|t| !t.is_empty())
            .ok_or(TicketError::Missing)?;
        let map = self.lock();
        let entry = map.get(ticket).ok_or(TicketError::Unknown)?;
        if Instant::now() >= entry.expires {
            return Err(TicketError::Expired);
        }
        Ok(entry.session.clone())
    }

    /// Makes every ticket issued so far expire now.
    pub(crate) fn expire_all(&self) {
        let now = Instant::now();
        for entry in self.lock().values_mut() {
            entry.expires = entry.expires.min(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_check_expire() {
        let tickets = Tickets::new(Duration::from_secs(60));
        let t = tickets.issue("p", "u");
        assert!(t.starts_with("tf_"));
        assert_eq!(
            tickets.check(Some(&t)).map(|s| s.user_id),
            Ok("u".to_owned())
        );
        assert_eq!(tickets.check(None), Err(TicketError::Missing));
        assert_eq!(tickets.check(Some("tf_nope")), Err(TicketError::Unknown));
        tickets.expire_all();
        assert_eq!(tickets.check(Some(&t)), Err(TicketError::Expired));
        let zero = Tickets::new(Duration::ZERO);
        let t = zero.issue("p", "u");
        assert_eq!(zero.check(Some(&t)), Err(TicketError::Expired));
    }
}
