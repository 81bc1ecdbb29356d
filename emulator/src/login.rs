//! The login exchange (`GET /?signature=`): verifies a `Login` signature and issues a ticket,
//! replying in the current (`Response`) or the legacy (`Code`/`Data`) shape.

use std::time::SystemTime;

use cme_sdk::{ErrorCode, SignAction, Verifier};
use serde_json::{json, Value};

use crate::config::LoginShape;
use crate::dispatch::Failure;
use crate::signature::{signature_param, verify_refusal};
use crate::state::Store;
use crate::tickets::Tickets;
use crate::{ids, time};

/// A refused login: its code and English message.
struct Refusal {
    code: ErrorCode,
    english: String,
}

impl Refusal {
    fn new(code: ErrorCode, english: impl Into<String>) -> Self {
        Self {
            code,
            english: english.into(),
        }
    }
}

/// Runs the exchange and builds the reply body.
pub(crate) fn exchange(
    query: Option<&str>,
    verifier: &Verifier,
    store: &Store,
    tickets: &Tickets,
    shape: LoginShape,
) -> Value {
    let request_id = ids::request_id();
    match issue(query, verifier, store, tickets) {
        Ok((ticket, platform, user_id, tf_uid)) => match shape {
            LoginShape::Current => json!({"Response": {
                "AppId": store.app_id(),
                "Authorization": ticket,
                "Platform": platform,
                "RequestId": request_id,
                "TfUid": tf_uid,
            }}),
            LoginShape::Legacy => json!({
                "Code": "Success",
                "Message": "成功",
                "EnglishMessage": "OK",
                "Data": {
                    "AppId": store.app_id(),
                    "Platform": platform,
                    "UserId": user_id,
                    "Authorization": ticket,
                },
            }),
        },
        Err(refusal) => match shape {
            LoginShape::Current => {
                let failure = Failure::new(refusal.code).detail(refusal.english);
                json!({"Response": {
                    "Error": {"Code": failure.code().as_str(), "Message": failure.english_message()},
                    "RequestId": request_id,
                }})
            }
            LoginShape::Legacy => {
                let code = match refusal.code {
                    ErrorCode::InvalidParameterValuePlatform | ErrorCode::MissingParameter => {
                        refusal.code
                    }
                    _ => ErrorCode::SignatureVerifyFail,
                };
                let failure = Failure::new(code).detail(refusal.english);
                json!({
                    "Code": failure.code().as_str(),
                    "Message": failure.message(),
                    "EnglishMessage": failure.english_message(),
                })
            }
        },
    }
}

/// Verifies the signature and issues a ticket: (ticket, platform, user ID, TfUid).
fn issue(
    query: Option<&str>,
    verifier: &Verifier,
    store: &Store,
    tickets: &Tickets,
) -> Result<(String, String, String, String), Refusal> {
    let signature = signature_param(query, "signature")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Refusal::new(ErrorCode::MissingParameter, "missing parameter signature"))?;
    let now = SystemTime::now();
    let now_unix = u64::try_from(time::unix_secs(now)).unwrap_or(0);
    let claims = verifier
        .verify(&signature, Some(SignAction::Login), now_unix)
        .map_err(|e| {
            let (code, english) = verify_refusal(&e);
            Refusal::new(code, english)
        })?;
    let mut platform = store.lock(&claims.platform).ok_or_else(|| {
        Refusal::new(
            ErrorCode::InvalidParameterValuePlatform,
            "platform not exist",
        )
    })?;
    if claims.user_id.is_empty() {
        return Err(Refusal::new(
            ErrorCode::AuthFailureSignatureFailure,
            "signature failure: empty userId",
        ));
    }
    let tf_uid = platform
        .ensure_user(&claims.user_id, time::unix_secs(now))
        .tf_uid
        .clone();
    drop(platform);
    let ticket = tickets.issue(&claims.platform, &claims.user_id);
    Ok((ticket, claims.platform, claims.user_id, tf_uid))
}
