//! `client`: a reply body through the real client, a `cme_sdk::mock` client answering every
//! attempt of the action with it.
//!
//! Input: `Class/Action`, a newline, the reply body. The client holds a ticket (so no first
//! login), retries nothing, and sends the action's documented example request. Checks:
//! - a reply with a ticket-invalid code leads to exactly one new login and one replay (two
//!   attempts), any other reply to no login and one attempt;
//! - the outcome agrees with the reference reading of the reply (see the `reply` target);
//! - the error shows no form of the ticket its attempt sent, nor of the reply's own ticket;
//! - no panic, in the call or in the tasks it spawns (the login runs as a task of its own).

use bytes::Bytes;
use cme_sdk::mock::{mock, Mock};
use cme_sdk::{Action, Client, Error, RetryPolicy, Ticket};
use serde::de::DeserializeOwned;

use super::framed::{self, Framed};
use super::login::payload_ticket;
use super::reply::{check_reading, outcome_features};
use super::{check, Features, Finding, Target};
use crate::actions::ACTIONS;
use crate::mutate::Mutator;
use crate::oracle::Expected;
use crate::{secrets, seeds};

/// The ticket the client starts with: Base64-like, so its encoded forms differ from it.
pub const TICKET: &str = "tf+S3cret/Ticket==";

/// What the calls share: a runtime and an HTTP client (never used: the mock answers).
pub struct Harness {
    runtime: tokio::runtime::Runtime,
    http: reqwest::Client,
}

impl Harness {
    fn new() -> Self {
        Self {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("a tokio runtime: {e}")),
            http: reqwest::Client::new(),
        }
    }
}

/// What one call came to.
pub struct Outcome {
    /// The call's result.
    pub result: Result<(), Error>,
    /// How many logins the mock answered.
    pub logins: usize,
    /// How many attempts of the action the mock answered.
    pub attempts: usize,
    /// The ticket the client holds after the call.
    pub ticket: Option<String>,
}

/// Sends `request` (JSON of `A`'s request) through a fresh mock client answering `body`.
pub fn call<A: Action + DeserializeOwned>(
    harness: &Harness,
    request: &str,
    body: Bytes,
) -> Outcome {
    let request: A = serde_json::from_str(request)
        .unwrap_or_else(|e| panic!("the example request of {} decodes: {e}", A::META));
    let rule = mock::<A>().then(move |_| cme_sdk::__private::mock_reply_bytes(200, body.clone()));
    let mock = Mock::new().with(&rule);
    let client = Client::builder()
        .mock(&mock)
        .ticket(Ticket::new(TICKET))
        .platform(cme_sdk::mock::MOCK_PLATFORM)
        .user(cme_sdk::mock::MOCK_USER)
        .retry(RetryPolicy::none())
        .validate_requests(false)
        .http_client(harness.http.clone())
        .build()
        .unwrap_or_else(|e| panic!("a mock client builds: {e}"));
    let result = harness.runtime.block_on(client.execute(&request)).map(drop);
    Outcome {
        result,
        logins: mock.logins(),
        attempts: rule.calls(),
        ticket: client
            .current_ticket()
            .map(|t| t.expose_secret().to_owned()),
    }
}

/// The `client` target.
pub struct ClientTarget {
    harness: Harness,
    headers: Vec<String>,
}

impl ClientTarget {
    /// The target.
    pub fn new() -> Self {
        Self {
            harness: Harness::new(),
            headers: framed::action_headers(),
        }
    }
}

impl Default for ClientTarget {
    fn default() -> Self {
        Self::new()
    }
}

impl Target for ClientTarget {
    fn name(&self) -> &'static str {
        "client"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let mut seeds = Vec::new();
        for entry in ACTIONS {
            for reply in entry.replies {
                seeds.push(framed::join(&entry.path(), reply.as_bytes()));
            }
        }
        for (i, reply) in seeds::hostile_replies(TICKET).iter().enumerate() {
            let entry = &ACTIONS[i % ACTIONS.len()];
            seeds.push(framed::join(&entry.path(), reply));
        }
        seeds
    }

    fn run(&mut self, input: &[u8]) -> Result<Features, Finding> {
        let framed = Framed::split(input);
        let entry = framed.action();
        let expected = Expected::of(framed.body);
        let request = entry.requests.first().copied().unwrap_or("{}");
        let outcome = (entry.call)(&self.harness, request, Bytes::copy_from_slice(framed.body));
        let sent = outcome.ticket.clone().unwrap_or_default();
        check_reading(&expected, &outcome.result, &[TICKET, &sent])?;
        // One new login whenever the client read a ticket-invalid code, and it reads one in
        // every reply the reference reads so (checked above with the code).
        let read_invalid = outcome
            .result
            .as_ref()
            .err()
            .and_then(Error::code)
            .is_some_and(|c| c.is_ticket_invalid());
        let relogins = usize::from(expected.ticket_invalid() || read_invalid);
        check!(
            outcome.logins == relogins && outcome.attempts == 1 + relogins,
            "{} logins and {} attempts for a reply {expected:?} (expected {relogins} and {})",
            outcome.logins,
            outcome.attempts,
            1 + relogins
        );
        if let Err(err) = &outcome.result {
            let shown = secrets::shown(err);
            let reply_ticket = payload_ticket(&expected);
            let mut secrets = vec![sent.as_str()];
            secrets.extend(reply_ticket.as_deref());
            if let Some(leak) = secrets::leak(&shown, &secrets) {
                return Err(Finding(format!("the call's error shows a secret: {leak}")));
            }
        }
        let mut features = outcome_features(&outcome.result);
        features.push(format!(
            "{} {} {}",
            entry.path(),
            expected.kind(),
            outcome.logins
        ));
        Ok(features)
    }

    fn mutate(&self, input: &[u8], mutator: &mut Mutator) -> Vec<u8> {
        framed::mutate(input, mutator, &self.headers)
    }

    fn dictionary(&self) -> Vec<Vec<u8>> {
        let mut words: Vec<Vec<u8>> = secrets::forms(TICKET)
            .into_iter()
            .chain(secrets::forms("mock-ticket-1"))
            .map(String::into_bytes)
            .collect();
        words.extend(crate::actions::CODES.iter().map(|c| c.as_bytes().to_vec()));
        words
    }
}
