//! Reading the service's reply envelopes, tolerantly.
//!
//! Two shapes exist: the CME envelope `{"Code","Message","EnglishMessage","Data"}` (client API and
//! the old login reply) and the Tencent Cloud API 3.0 shape `{"Response":{…,"Error":{"Code",
//! "Message"},"RequestId"}}` (the current login reply). Both are accepted everywhere.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{ApiError, DecodeError, Error, Operation};
use crate::generated::codes::ErrorCode;
use crate::redact;
use crate::transport::Reply;

/// The success payload of a reply.
#[derive(Debug)]
pub(crate) struct Payload {
    /// `Data` (or the `Response` object), when present.
    pub(crate) data: Option<Value>,
    /// The member it came from, for error paths: `Data` or `Response`.
    pub(crate) container: &'static str,
    /// The HTTP status of the reply.
    pub(crate) status: u16,
}

impl Payload {
    /// Decodes the payload as `T`. A missing or `null` payload, or an empty list, decodes as an
    /// empty object, so that replies of actions without `Data` fields decode. A failure names the
    /// JSON path, e.g. `Data.MaterialInfoSet[3].BasicInfo.MaterialType`.
    pub(crate) fn decode<T: DeserializeOwned>(self, operation: Operation) -> Result<T, Error> {
        let data = match self.data {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(Value::Array(items)) if items.is_empty() => Value::Object(Map::new()),
            Some(other) => other,
        };
        serde_path_to_error::deserialize(data).map_err(|err| {
            let path = err.path().to_string();
            let path = if path == "." {
                self.container.to_owned()
            } else {
                format!("{}.{path}", self.container)
            };
            Error::decode(
                operation,
                DecodeError {
                    path: Some(path),
                    message: err.into_inner().to_string(),
                    http_status: self.status,
                    snippet: None,
                },
            )
        })
    }
}

/// Whether an envelope `Code` means success.
fn is_success_code(code: &str) -> bool {
    code.eq_ignore_ascii_case("success") || code == "0"
}

/// A string member, or a number as its text; `None` when absent, `null` or of another type.
fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads a reply: its payload on success, otherwise the matching error. `secrets` are scrubbed
/// from any body snippet kept in the error.
pub(crate) fn read(
    operation: Operation,
    reply: &Reply,
    secrets: &[&str],
) -> Result<Payload, Error> {
    let status = reply.status;
    let ok_status = (200..300).contains(&status);
    let not_envelope = |message: &str| {
        let snippet = redact::snippet(&reply.body, secrets);
        if ok_status {
            Error::decode(
                operation,
                DecodeError {
                    path: None,
                    message: message.to_owned(),
                    http_status: status,
                    snippet: Some(snippet),
                },
            )
        } else {
            Error::http(operation, status, snippet, reply.retry_after)
        }
    };

    let Ok(Value::Object(mut top)) = serde_json::from_slice::<Value>(&reply.body) else {
        return Err(not_envelope("the reply is not a JSON object"));
    };

    if let Some(response) = top.remove("Response") {
        let Value::Object(mut response) = response else {
            return Err(not_envelope("`Response` is not an object"));
        };
        match response.remove("Error") {
            Some(Value::Object(error)) => {
                let api = ApiError {
                    code: ErrorCode::from(text(&error, "Code").unwrap_or_default().as_str()),
                    message: text(&error, "Message").unwrap_or_default(),
                    english_message: None,
                    http_status: status,
                    request_id: text(&response, "RequestId"),
                };
                return Err(Error::from_api(operation, api, reply.retry_after));
            }
            None | Some(Value::Null) => {}
            Some(_) => return Err(not_envelope("`Response.Error` is not an object")),
        }
        if !ok_status {
            return Err(not_envelope("an error status with a success reply"));
        }
        return Ok(Payload {
            data: Some(Value::Object(response)),
            container: "Response",
            status,
        });
    }

    let Some(code) = text(&top, "Code") else {
        return Err(not_envelope("the reply has no `Code`"));
    };
    if is_success_code(&code) {
        if !ok_status {
            return Err(not_envelope("an error status with a success reply"));
        }
        return Ok(Payload {
            data: top.remove("Data"),
            container: "Data",
            status,
        });
    }
    let api = ApiError {
        code: ErrorCode::from(code.as_str()),
        message: text(&top, "Message").unwrap_or_default(),
        english_message: text(&top, "EnglishMessage").filter(|m| !m.trim().is_empty()),
        http_status: status,
        request_id: text(&top, "RequestId"),
    };
    Err(Error::from_api(operation, api, reply.retry_after))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;
    use serde::Deserialize;

    use super::*;
    use crate::action::ActionMeta;
    use crate::error::ErrorKind;

    const OP: Operation = Operation::Action(ActionMeta::new("Material", "DeleteMaterial", false));

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            retry_after: None,
            body: Bytes::copy_from_slice(body.as_bytes()),
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Empty {}

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        #[serde(rename = "Kind")]
        kind: u8,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Listing {
        #[serde(rename = "Items", default)]
        items: Vec<Item>,
    }

    #[test]
    fn empty_data_in_every_spelling_decodes() {
        for body in [
            r#"{"Code":"Success","Message":"成功","EnglishMessage":"success"}"#,
            r#"{"Code":"Success","Data":null}"#,
            r#"{"Code":"Success","Data":{}}"#,
            r#"{"Code":"Success","Data":[]}"#,
            r#"{"Code":0,"Data":{}}"#,
        ] {
            let payload = read(OP, &reply(200, body), &[]).unwrap();
            assert_eq!(payload.decode::<Empty>(OP).unwrap(), Empty {}, "{body}");
            let payload = read(OP, &reply(200, body), &[]).unwrap();
            assert_eq!(
                payload.decode::<Listing>(OP).unwrap(),
                Listing { items: vec![] }
            );
        }
    }

    #[test]
    fn decode_errors_name_the_path() {
        let body = r#"{"Code":"Success","Data":{"Items":[{"Kind":1},{"Kind":"x"}]}}"#;
        let err = read(OP, &reply(200, body), &[])
            .unwrap()
            .decode::<Listing>(OP)
            .unwrap_err();
        let ErrorKind::Decode(decode) = err.kind() else {
            panic!("{err:?}")
        };
        assert_eq!(decode.path.as_deref(), Some("Data.Items[1].Kind"));
        assert!(err.to_string().starts_with(
            "Material/DeleteMaterial failed: cannot decode the reply at Data.Items[1].Kind: "
        ));
    }

    #[test]
    fn error_envelopes_keep_code_messages_and_status() {
        let body = r#"{"Code":"InvalidParameterValue.MaterialId","Message":"媒体不存在",
            "EnglishMessage":"material not exist","Data":[],"RequestId":"r-1"}"#;
        let err = read(OP, &reply(400, body), &[]).unwrap_err();
        let api = err.api().unwrap();
        assert_eq!(api.code.as_str(), "InvalidParameterValue.MaterialId");
        assert_eq!(api.http_status, 400);
        assert_eq!(api.request_id.as_deref(), Some("r-1"));
        assert_eq!(
            err.to_string(),
            "Material/DeleteMaterial failed: InvalidParameterValue.MaterialId: \
             material not exist (媒体不存在) [HTTP 400]"
        );
    }

    #[test]
    fn tc3_errors_and_success_are_read() {
        let body = r#"{"Response":{"Error":{"Code":"InvalidParameterValue.Platform",
            "Message":"platform not exist"},"RequestId":"r-2"}}"#;
        let err = read(OP, &reply(200, body), &[]).unwrap_err();
        assert_eq!(
            err.code().unwrap().as_str(),
            "InvalidParameterValue.Platform"
        );
        assert!(err
            .to_string()
            .ends_with("InvalidParameterValue.Platform: platform not exist"));

        let body = r#"{"Response":{"Authorization":"t","RequestId":"r"}}"#;
        let payload = read(OP, &reply(200, body), &[]).unwrap();
        assert_eq!(payload.container, "Response");
    }

    #[test]
    fn non_json_bodies_become_typed_errors() {
        let mut bad_gateway = reply(
            502,
            "<html><body>502 Bad Gateway ?auth=tf_secret</body></html>",
        );
        bad_gateway.retry_after = Some(Duration::from_secs(1));
        let err = read(OP, &bad_gateway, &["tf_secret"]).unwrap_err();
        let ErrorKind::Http(http) = err.kind() else {
            panic!("{err:?}")
        };
        assert_eq!(http.status, 502);
        assert!(err.is_retryable());
        assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
        assert!(!format!("{err} {err:?}").contains("tf_secret"));
        assert!(err
            .to_string()
            .starts_with("Material/DeleteMaterial failed: HTTP 502 Bad Gateway: <html>"));

        let err = read(OP, &reply(200, "OK"), &[]).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Decode(d) if d.path.is_none() && d.http_status == 200)
        );
        let err = read(OP, &reply(200, r#"{"Foo":1}"#), &[]).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Decode(_)));
        let err = read(OP, &reply(500, r#"{"Code":"Success"}"#), &[]).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Http(h) if h.status == 500));
    }
}
