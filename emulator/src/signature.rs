//! Signature helpers shared by the routes that verify one: why a signature is refused, and how a
//! signature is read from a query string.

use cme_sdk::{ErrorCode, VerifyError};

/// Why a signature is refused, as a code and a detail.
pub(crate) fn verify_refusal(error: &VerifyError) -> (ErrorCode, String) {
    match error {
        VerifyError::Expired => (
            ErrorCode::AuthFailureSignatureExpire,
            "signature expired".to_owned(),
        ),
        VerifyError::UnknownSecretId => (
            ErrorCode::AuthFailureSignatureFailure,
            "signature failure: secretId not found".to_owned(),
        ),
        VerifyError::BadSignature => (
            ErrorCode::AuthFailureSignatureFailure,
            "signature failure: signature does not match".to_owned(),
        ),
        other => (
            ErrorCode::AuthFailureSignatureFailure,
            format!("signature failure: {other}"),
        ),
    }
}

/// The signature of a query string: `+` turned into a space by a client that did not
/// percent-encode it is turned back (Base64 has no spaces).
pub(crate) fn signature_param(query: Option<&str>, name: &str) -> Option<String> {
    let query = query.unwrap_or("");
    if !query.contains(['%', '+']) {
        // nothing to decode (the usual `auth=<ticket>`): the pairs as they are
        return query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key == name).then(|| value.to_owned())
        });
    }
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.replace(' ', "+"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_decode_as_forms_do() {
        for query in [
            "auth=tf_abc",
            "x=1&auth=tf_abc&auth=second",
            "auth",
            "auth=&x=1",
            "",
            "&&auth=a=b",
            "signature=ab%2Bc%2F%3D&auth=tf%5Fx",
            "signature=ab+c",
            "%61uth=encoded&auth=plain",
        ] {
            for name in ["auth", "signature"] {
                let slow = form_urlencoded::parse(query.as_bytes())
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.replace(' ', "+"));
                assert_eq!(
                    signature_param(Some(query), name),
                    slow,
                    "{name} in {query}"
                );
            }
        }
        assert_eq!(signature_param(None, "auth"), None);
        assert_eq!(
            signature_param(Some("signature=ab+c"), "signature").as_deref(),
            Some("ab+c")
        );
    }
}
