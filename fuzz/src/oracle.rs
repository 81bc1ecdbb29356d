//! What a reply must come to, read independently of the SDK: the reference reading of the
//! envelope rule (`Code` first) that the decoder targets hold the SDK to.
//!
//! The rule, as `sdk/src/envelope.rs` documents it:
//!
//! 1. A top-level `Code` decides, whatever else the reply carries: `"Success"` (in any case) or
//!    `0` (a number, or a string) is a success whose payload is `Data`; any other code is an
//!    error answer.
//!    `null` counts as absent; the last of repeated members counts.
//! 2. Without a `Code`, a `Response` object is the API 3.0 shape: an `Error` in it (not `null`)
//!    makes it an error answer, otherwise `Response` is the payload.
//! 3. Anything else is not an envelope.
//!
//! Only `Code` must be well-formed: bad bytes elsewhere (a GBK message, a non-UTF-8 key, a
//! number out of any range) must never cost the code. So the reference reads the reply with
//! [`json::parse`], which takes any bytes in strings and any number.

use crate::json::{self, Node};

/// The longest code the SDK keeps whole (`redact::TEXT_CHARS`); a longer one is cut.
const LONGEST_CODE: usize = 500;

/// What the SDK must make of a reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// A success: the SDK returns the payload's `Data`, or a decode error when the payload does
    /// not fit the action's type, and never an API error.
    Success {
        /// The payload (`Data`, or `Response` of the API 3.0 shape), if there is one.
        payload: Option<Node>,
    },
    /// An error answer: the SDK returns an error, never `Ok`.
    Failure {
        /// The code, when it is plain (letters, digits, `.`, `_`, `-`, at most 500
        /// characters): the API error must carry exactly it. `None` for another code (one the
        /// SDK scrubs, cuts or cannot read), which only has to fail.
        code: Option<String>,
    },
    /// Not an envelope (not a JSON object, a `Code` of another type, a `Response` that is not an
    /// object...): the SDK returns an error, never `Ok`.
    NotEnvelope,
    /// Nested deeper than the reference reads ([`json::MAX_DEPTH`]): no expectation.
    TooDeep,
}

impl Expected {
    /// The reference reading of a reply body.
    pub fn of(body: &[u8]) -> Self {
        if let Some(top) = json::parse(body) {
            return Self::of_tree(&top);
        }
        if json::nesting(body) >= json::MAX_DEPTH {
            return Expected::TooDeep;
        }
        // Raw control characters in strings are not JSON, yet a lenient reader may take them
        // (the SDK does in member names): such a reply may be read as what it says or refused,
        // but an error answer must never be a success.
        match json::parse_lenient(body).map(|top| Self::of_tree(&top)) {
            Some(Expected::Failure { .. }) => Expected::Failure { code: None },
            Some(success @ Expected::Success { .. }) => success,
            _ => Expected::NotEnvelope,
        }
    }

    fn of_tree(top: &Node) -> Self {
        if !matches!(top, Node::Object(_)) {
            return Expected::NotEnvelope;
        }
        if let Some(code) = present(top.member("Code")) {
            return match code {
                Node::String(bytes) => match std::str::from_utf8(bytes) {
                    // The code as text: a string `"0"` is the number `0`.
                    Ok(code) if code.eq_ignore_ascii_case("success") || code == "0" => {
                        Expected::Success {
                            payload: present(top.member("Data")).cloned(),
                        }
                    }
                    Ok(code) => Expected::Failure { code: plain(code) },
                    // Read as lossy text, or not at all (a lone surrogate): never a success.
                    Err(_) => Expected::Failure { code: None },
                },
                Node::Number(raw) if raw == "0" => Expected::Success {
                    payload: present(top.member("Data")).cloned(),
                },
                Node::Number(raw) => Expected::Failure { code: plain(raw) },
                _ => Expected::NotEnvelope,
            };
        }
        let Some(response @ Node::Object(_)) = present(top.member("Response")) else {
            return Expected::NotEnvelope;
        };
        match present(response.member("Error")) {
            None => Expected::Success {
                payload: Some(response.clone()),
            },
            Some(error @ Node::Object(_)) => Expected::Failure {
                code: match present(error.member("Code")) {
                    Some(Node::String(bytes)) => std::str::from_utf8(bytes).ok().and_then(plain),
                    Some(Node::Number(raw)) => plain(raw),
                    _ => None,
                },
            },
            Some(_) => Expected::NotEnvelope,
        }
    }

    /// Whether the SDK may return `Ok` for this reply.
    pub fn may_succeed(&self) -> bool {
        matches!(self, Expected::Success { .. } | Expected::TooDeep)
    }

    /// The plain code of an error answer.
    pub fn code(&self) -> Option<&str> {
        match self {
            Expected::Failure { code } => code.as_deref(),
            _ => None,
        }
    }

    /// Whether the reply says the ticket is invalid (its code is one the spec marks so), which
    /// must lead to a new login.
    pub fn ticket_invalid(&self) -> bool {
        self.code()
            .is_some_and(|code| cme_sdk::ErrorCode::from(code).is_ticket_invalid())
    }

    /// A short name of the kind, for the driver's features.
    pub fn kind(&self) -> &'static str {
        match self {
            Expected::Success { .. } => "success",
            Expected::Failure { code: Some(_) } => "failure",
            Expected::Failure { code: None } => "failure-unplain",
            Expected::NotEnvelope => "not-envelope",
            Expected::TooDeep => "too-deep",
        }
    }
}

/// A member that is there and not `null`.
fn present(node: Option<&Node>) -> Option<&Node> {
    node.filter(|n| **n != Node::Null)
}

/// `code` if it is plain (see [`Expected::Failure`]).
fn plain(code: &str) -> Option<String> {
    let plain = !code.is_empty()
        && code.chars().count() <= LONGEST_CODE
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    plain.then(|| code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(body: &[u8]) -> Option<String> {
        match Expected::of(body) {
            Expected::Failure { code } => code,
            other => panic!("{}: {other:?}", String::from_utf8_lossy(body)),
        }
    }

    #[test]
    fn the_code_decides_first() {
        assert_eq!(
            code(br#"{"Code":"InternalError","Response":{}}"#).as_deref(),
            Some("InternalError")
        );
        assert!(
            Expected::of(br#"{"Code":"AuthFailure.SessionInvalid","Response":{}}"#)
                .ticket_invalid()
        );
        assert!(Expected::of(br#"{"Code":"sUcCeSs","Data":{"A":1}}"#).may_succeed());
        assert!(Expected::of(br#"{"Code":0}"#).may_succeed());
        assert_eq!(code(br#"{"Code":-0}"#).as_deref(), Some("-0"));
        assert_eq!(
            Expected::of(br#"{"Code":true,"Response":{}}"#),
            Expected::NotEnvelope
        );
        // The last non-null `Code` counts; a last `null` removes it.
        assert_eq!(
            code(br#"{"Code":"Success","Code":"X"}"#).as_deref(),
            Some("X")
        );
        assert!(Expected::of(br#"{"Code":"X","Code":null,"Response":{"A":1}}"#).may_succeed());
    }

    #[test]
    fn bad_bytes_elsewhere_keep_the_code() {
        let gbk = b"{\"Code\":\"AuthFailure.SessionInvalid\",\"Message\":\"\xb5\xc7\",\"Data\":{\"\xff\":1e999}}";
        assert!(Expected::of(gbk).ticket_invalid());
        assert_eq!(code(b"{\"Code\":\"A\xffB\"}"), None);
    }

    #[test]
    fn api_3_replies() {
        assert!(Expected::of(br#"{"Response":{"Authorization":"t"}}"#).may_succeed());
        assert_eq!(
            code(br#"{"Response":{"Error":{"Code":"AuthFailure"}}}"#).as_deref(),
            Some("AuthFailure")
        );
        assert_eq!(code(br#"{"Response":{"Error":{}}}"#), None);
        assert_eq!(
            Expected::of(br#"{"Response":{"Error":7}}"#),
            Expected::NotEnvelope
        );
        assert_eq!(Expected::of(br#"{"Response":[]}"#), Expected::NotEnvelope);
        assert_eq!(Expected::of(br#"{"Data":{}}"#), Expected::NotEnvelope);
        assert_eq!(Expected::of(b"[]"), Expected::NotEnvelope);
    }
}
