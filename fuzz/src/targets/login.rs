//! `login`: the login reply, read as the login exchange reads it after sending a signature.
//!
//! Input: an HTTP 200 login reply body. Checks, beside those of the `reply` target:
//! - a success has a ticket that is not blank;
//! - an error never shows the signature sent, in any form (verbatim, percent-encoded once or
//!   twice, JSON-escaped), even when the reply echoes it;
//! - an error about a success reply never shows the reply's own ticket (`Authorization`) when
//!   it looks like one;
//! - no panic.

use bytes::Bytes;
use cme_sdk::{SignAction, SignParams, Signer};

use super::reply::{check_reading, outcome_features};
use super::{check, Features, Finding, Target};
use crate::json::Node;
use crate::mutate::Mutator;
use crate::oracle::Expected;
use crate::{secrets, seeds};

/// The `login` target.
pub struct LoginTarget {
    signature: String,
}

impl LoginTarget {
    /// The target, with a fixed login signature (Base64, so it has `+`, `/` or `=`).
    pub fn new() -> Self {
        let signer = Signer::new("AKIDfuzzSecretId", "fuzz-secret-key");
        let params = SignParams::new("fuzz_platform", "fuzz_user", SignAction::Login)
            .now(1_700_000_000)
            .random(4_242);
        Self {
            signature: signer.sign(&params).expose_secret().to_owned(),
        }
    }
}

impl Default for LoginTarget {
    fn default() -> Self {
        Self::new()
    }
}

/// A value that looks like a ticket or a signature: eight characters or more of Base64 and
/// `-_`, with a digit and one of `+/=`. The SDK's own texts have no such run, so finding one in
/// an error means it came from the reply.
pub fn ticket_like(text: &str) -> bool {
    text.len() >= 8
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=_-".contains(&b))
        && text.bytes().any(|b| b.is_ascii_digit())
        && text.bytes().any(|b| b"+/=".contains(&b))
}

/// The ticket of a success payload, if it looks like one.
pub fn payload_ticket(expected: &Expected) -> Option<String> {
    let Expected::Success {
        payload: Some(payload),
    } = expected
    else {
        return None;
    };
    match payload.member("Authorization") {
        Some(Node::String(bytes)) => std::str::from_utf8(bytes)
            .ok()
            .filter(|t| ticket_like(t))
            .map(str::to_owned),
        _ => None,
    }
}

impl Target for LoginTarget {
    fn name(&self) -> &'static str {
        "login"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        seeds::hostile_replies(&self.signature)
    }

    fn run(&mut self, input: &[u8]) -> Result<Features, Finding> {
        let expected = Expected::of(input);
        let result =
            cme_sdk::__private::decode_login_reply(Bytes::copy_from_slice(input), &self.signature);
        check_reading(&expected, &result, &[&self.signature])?;
        match &result {
            Ok(data) => check!(
                !data.authorization.trim().is_empty(),
                "a login succeeded with a blank ticket"
            ),
            Err(err) => {
                let shown = secrets::shown(err);
                let reply_ticket = payload_ticket(&expected);
                let mut secrets = vec![self.signature.as_str()];
                secrets.extend(reply_ticket.as_deref());
                if let Some(leak) = secrets::leak(&shown, &secrets) {
                    return Err(Finding(format!("the login error shows a secret: {leak}")));
                }
            }
        }
        let mut features = outcome_features(&result);
        features.push(format!("login {}", expected.kind()));
        Ok(features)
    }

    fn mutate(&self, input: &[u8], mutator: &mut Mutator) -> Vec<u8> {
        mutator.mutate(input)
    }

    fn dictionary(&self) -> Vec<Vec<u8>> {
        let mut words: Vec<Vec<u8>> = secrets::forms(&self.signature)
            .into_iter()
            .map(String::into_bytes)
            .collect();
        words.extend(
            [
                "Authorization",
                "AppId",
                "TfUid",
                "UserId",
                "Platform",
                "RequestId",
            ]
            .map(|w| w.as_bytes().to_vec()),
        );
        words
    }
}
