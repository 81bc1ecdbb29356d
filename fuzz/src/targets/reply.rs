//! `reply`: the reply decoder of every action, against the reference reading of the envelope.
//!
//! Input: `Class/Action`, a newline, an HTTP 200 reply body. Checks:
//! - a reply the reference reads as an error answer or not an envelope is never `Ok`
//!   (a non-`Success` code decoded as a success);
//! - an error answer with a plain code comes back as an API error with exactly that code, and
//!   one whose code marks the ticket invalid as such (so the client logs in again): bad bytes
//!   elsewhere never lose the code;
//! - a success is `Ok` or a decode error, never an API error;
//! - no panic.

use bytes::Bytes;
use cme_sdk::{Error, ErrorKind};

use super::framed::{self, Framed};
use super::{check, Features, Finding, Target};
use crate::actions::{ACTIONS, CODES};
use crate::mutate::Mutator;
use crate::oracle::Expected;
use crate::seeds;

/// The `reply` target.
pub struct ReplyTarget {
    headers: Vec<String>,
}

impl ReplyTarget {
    /// The target.
    pub fn new() -> Self {
        Self {
            headers: framed::action_headers(),
        }
    }
}

impl Default for ReplyTarget {
    fn default() -> Self {
        Self::new()
    }
}

/// Checks what the SDK made of a reply against what the reference expects; shared with the
/// targets that read replies through other paths (`login`, `client`). `secrets` are texts the
/// SDK scrubs from errors, so that a code holding one is not expected verbatim.
pub fn check_reading<T>(
    expected: &Expected,
    result: &Result<T, Error>,
    secrets: &[&str],
) -> Result<(), Finding> {
    let err = match result {
        Ok(_) => {
            check!(
                expected.may_succeed(),
                "decoded as a success, but the reply is {expected:?}"
            );
            return Ok(());
        }
        Err(err) => err,
    };
    if matches!(expected, Expected::Success { .. }) {
        check!(
            err.api().is_none(),
            "a success reply became an API error: {err}"
        );
    }
    if let Some(code) = expected.code() {
        if !secrets.iter().any(|s| code.contains(s)) {
            let got = err.code().map(|c| c.as_str());
            check!(
                got == Some(code),
                "the reply's code {code:?} came back as {got:?}: {err}"
            );
        }
    }
    Ok(())
}

/// The features of an outcome: its kind, the API code's category, the decode path (indexes
/// left out).
pub fn outcome_features<T>(result: &Result<T, Error>) -> Features {
    let mut features = Vec::new();
    match result {
        Ok(_) => features.push("ok".to_owned()),
        Err(err) => match err.kind() {
            ErrorKind::Decode(decode) => {
                let path = decode.path.as_deref().unwrap_or("-");
                let path: String = path.chars().filter(|c| !c.is_ascii_digit()).collect();
                features.push(format!("decode {path}"));
                let words: Vec<&str> = decode.message.split_whitespace().take(2).collect();
                features.push(format!("decode-message {}", words.join(" ")));
            }
            ErrorKind::Api(api) => features.push(format!(
                "api {:?} {}",
                api.code.category(),
                api.code.is_ticket_invalid()
            )),
            other => features.push(format!("{other:?}").chars().take(24).collect()),
        },
    }
    features
}

impl Target for ReplyTarget {
    fn name(&self) -> &'static str {
        "reply"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let mut seeds = Vec::new();
        for entry in ACTIONS {
            for reply in entry.replies {
                seeds.push(framed::join(&entry.path(), reply.as_bytes()));
            }
        }
        // The hostile replies, each for a few actions.
        for (i, reply) in seeds::hostile_replies("tf+S3cret/Ticket==")
            .iter()
            .enumerate()
        {
            for entry in ACTIONS.iter().skip(i % 7).step_by(7) {
                seeds.push(framed::join(&entry.path(), reply));
            }
        }
        seeds
    }

    fn run(&mut self, input: &[u8]) -> Result<Features, Finding> {
        let framed = Framed::split(input);
        let entry = framed.action();
        let expected = Expected::of(framed.body);
        let result = (entry.decode)(Bytes::copy_from_slice(framed.body));
        check_reading(&expected, &result, &[])?;
        if expected.ticket_invalid() {
            let ticket_invalid = result
                .as_ref()
                .err()
                .and_then(Error::code)
                .is_some_and(|c| c.is_ticket_invalid());
            check!(
                ticket_invalid,
                "a ticket-invalid reply is not read as one (no new login would follow)"
            );
        }
        let mut features = outcome_features(&result);
        features.push(format!("{} {}", entry.path(), expected.kind()));
        Ok(features)
    }

    fn mutate(&self, input: &[u8], mutator: &mut Mutator) -> Vec<u8> {
        framed::mutate(input, mutator, &self.headers)
    }

    fn dictionary(&self) -> Vec<Vec<u8>> {
        CODES.iter().map(|c| c.as_bytes().to_vec()).collect()
    }
}
