//! Reading the service's reply envelopes.
//!
//! Two shapes exist: the CME envelope `{"Code","Message","EnglishMessage","RequestId","Data"}`
//! (the client API, and the old login reply) and the Tencent Cloud API 3.0 shape
//! `{"Response":{…,"Error":{"Code","Message"},"RequestId"}}` (the current login reply). Both are
//! accepted everywhere, and one rule tells them apart, `Code` first:
//!
//! 1. A top-level `Code` decides, whatever else the reply carries (a `Response` member
//!    included): `"Success"` (in any case) or `0` is a success whose payload is `Data`; any other
//!    code is an error answer. A `Code` that is neither a string nor a number is a decode error;
//!    `null` counts as absent.
//! 2. Without a `Code`, a `Response` object is the API 3.0 shape: an `Error` in it (not `null`)
//!    makes it an error answer, otherwise `Response` is the payload.
//! 3. Anything else is not an envelope: a decode error, or an HTTP error for an error status
//!    (as is a success with an error status).
//!
//! Only `Code` must be well-formed; the rest is read leniently. A reply that is not UTF-8 (a GBK
//! message) is read as lossy text, texts of another type than string or number are ignored, a
//! member whose name is no text (a lone surrogate escaped) is skipped, and the payload is only
//! skipped (not checked for number ranges) until it is decoded.
//!
//! A reply is read in two passes over its bytes, never through a `serde_json::Value` tree:
//! [`read`] reads the envelope's members, keeping the payload as raw JSON, and
//! [`Payload::decode`] decodes that straight into the action's typed reply.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use serde::de::value::{MapAccessDeserializer, MapDeserializer};
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::{ApiError, DecodeError, Error, Operation};
use crate::redact::{self, Scrubbed, Secrets};
use crate::transport::Reply;

/// The success payload of a reply.
pub(crate) struct Payload {
    /// The payload's JSON, a slice of the reply; `None` when the envelope has none.
    json: Option<Bytes>,
    /// The member the payload is in, for error paths: `Data` or `Response`.
    pub(crate) container: &'static str,
    /// The HTTP status of the reply.
    pub(crate) status: u16,
    /// The secrets of the exchange, scrubbed from decode errors (which may quote the reply).
    secrets: Secrets,
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the body: a login reply holds the ticket.
        f.debug_struct("Payload")
            .field("container", &self.container)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl Payload {
    /// The payload `json` (a slice of a reply, `None` when absent) of a reply that is not a CME
    /// envelope: VOD's `data`. `container` names it in error paths.
    #[cfg(feature = "upload")]
    pub(crate) fn new(
        json: Option<Bytes>,
        container: &'static str,
        status: u16,
        secrets: Secrets,
    ) -> Self {
        Self {
            json,
            container,
            status,
            secrets,
        }
    }

    /// Decodes the payload as `T`. A missing or `null` payload, or an empty list, decodes as an
    /// empty object, so that replies of actions without `Data` fields decode. A failure names the
    /// JSON path, e.g. `Data.MaterialInfoSet[3].BasicInfo.MaterialType`.
    pub(crate) fn decode<T: DeserializeOwned>(self, operation: Operation) -> Result<T, Error> {
        let container = self.container;
        let failed = |path: Option<String>, err: serde_json::Error| {
            let path = match path.as_deref() {
                None | Some(".") => container.to_owned(),
                Some(path) => format!("{container}.{path}"),
            };
            self.failed(operation, path, &err)
        };
        let Some(json) = &self.json else {
            return empty::<T, serde_json::Error>().map_err(|err| failed(None, err));
        };
        // The head already found the payload to be UTF-8: decoded as text, its strings are not
        // checked again one by one (about 8 % faster on a page of 1,000 materials).
        let decoded = match std::str::from_utf8(json) {
            Ok(text) => serde_json::from_str::<Data<T>>(text),
            Err(_) => serde_json::from_slice::<Data<T>>(json),
        };
        decoded.map(|Data(value)| value).map_err(|plain| {
            // Tracking the path costs an allocation per member, so only a failed decode is
            // decoded again, with tracking, to name where it failed.
            let mut tracked = serde_json::Deserializer::from_slice(json);
            match serde_path_to_error::deserialize::<_, Data<T>>(&mut tracked) {
                Err(err) => failed(Some(err.path().to_string()), err.into_inner()),
                Ok(_) => failed(None, plain),
            }
        })
    }

    /// The payload as JSON, as received (`null` when the reply has none), for raw calls.
    pub(crate) fn into_json(self, operation: Operation) -> Result<Value, Error> {
        match &self.json {
            None => Ok(Value::Null),
            Some(json) => serde_json::from_slice(json)
                .map_err(|err| self.failed(operation, self.container.to_owned(), &err)),
        }
    }

    /// The decode error for `err` at `path`. Both may quote the reply, so they are scrubbed of
    /// the exchange's secrets and of the credentials the payload holds.
    fn failed(&self, operation: Operation, path: String, err: &serde_json::Error) -> Error {
        let json = self.json.as_deref().unwrap_or_default();
        let secrets = self.secrets.and_credentials_in(json);
        let scrub = |text: &str| secrets.scrub(text, redact::TEXT_CHARS);
        let decode = DecodeError::new(
            Some(scrub(&path)),
            scrub(&err.to_string()),
            self.status,
            None,
        );
        Error::decode(operation, decode)
    }
}

/// A present payload: an object decodes as `T`; `null` and an empty list as an empty object.
struct Data<T>(T);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Data<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DataVisitor<T>(PhantomData<T>);

        impl<'de, T: DeserializeOwned> Visitor<'de> for DataVisitor<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
                if seq.next_element::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_type(de::Unexpected::Seq, &self));
                }
                empty()
            }

            fn visit_unit<E: de::Error>(self) -> Result<T, E> {
                empty()
            }
        }

        deserializer
            .deserialize_any(DataVisitor(PhantomData))
            .map(Data)
    }
}

/// `T` decoded from an empty object.
fn empty<T: DeserializeOwned, E: de::Error>() -> Result<T, E> {
    T::deserialize(MapDeserializer::<_, E>::new(
        std::iter::empty::<(&str, &str)>(),
    ))
}

/// The members of an object that [`read`] looks at, as raw JSON borrowed from the reply; the
/// others are skipped. One head serves the three levels of an API 3.0 reply: the reply,
/// `Response` and `Response.Error`.
#[derive(Default)]
struct Head<'a> {
    code: Option<&'a RawValue>,
    message: Option<&'a RawValue>,
    english_message: Option<&'a RawValue>,
    request_id: Option<&'a RawValue>,
    data: Option<&'a RawValue>,
    response: Option<&'a RawValue>,
    error: Option<&'a RawValue>,
}

impl<'a> Head<'a> {
    /// The head of `json`; `None` when it is not a JSON object.
    fn of(json: &'a [u8]) -> Option<Self> {
        serde_json::from_slice(json).ok()
    }
}

impl<'de> Deserialize<'de> for Head<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        enum Member {
            Code,
            Message,
            EnglishMessage,
            RequestId,
            Data,
            Response,
            Error,
            Other,
        }

        // Keys are read as bytes, so that one that is no text (a lone surrogate escaped) is
        // just another member rather than the end of the reply.
        impl<'de> Deserialize<'de> for Member {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct MemberVisitor;

                impl Visitor<'_> for MemberVisitor {
                    type Value = Member;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a member name")
                    }

                    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Member, E> {
                        Ok(match key {
                            b"Code" => Member::Code,
                            b"Message" => Member::Message,
                            b"EnglishMessage" => Member::EnglishMessage,
                            b"RequestId" => Member::RequestId,
                            b"Data" => Member::Data,
                            b"Response" => Member::Response,
                            b"Error" => Member::Error,
                            _ => Member::Other,
                        })
                    }

                    fn visit_str<E: de::Error>(self, key: &str) -> Result<Member, E> {
                        self.visit_bytes(key.as_bytes())
                    }
                }

                deserializer.deserialize_bytes(MemberVisitor)
            }
        }

        struct HeadVisitor;

        impl<'de> Visitor<'de> for HeadVisitor {
            type Value = Head<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Head<'de>, A::Error> {
                let mut head = Head::default();
                while let Some(member) = map.next_key::<Member>()? {
                    let slot = match member {
                        Member::Code => &mut head.code,
                        Member::Message => &mut head.message,
                        Member::EnglishMessage => &mut head.english_message,
                        Member::RequestId => &mut head.request_id,
                        Member::Data => &mut head.data,
                        Member::Response => &mut head.response,
                        Member::Error => &mut head.error,
                        Member::Other => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    // The last of repeated members wins; `null` is absent.
                    *slot = Some(map.next_value::<&RawValue>()?).filter(|v| v.get() != "null");
                }
                Ok(head)
            }
        }

        deserializer.deserialize_map(HeadVisitor)
    }
}

/// A member as text: a string, or a number as written; `None` for other types.
fn text(raw: Option<&RawValue>) -> Option<String> {
    let raw = raw?.get();
    match raw.as_bytes().first()? {
        b'"' => serde_json::from_str(raw).ok(),
        b'-' | b'0'..=b'9' => Some(raw.to_owned()),
        _ => None,
    }
}

/// What the rule makes of a reply.
enum Verdict<'a> {
    /// A success: the member holding the payload, and the payload unless absent or `null`.
    Success(&'static str, Option<&'a RawValue>),
    /// An error answer.
    Failure(Failure),
    /// Not an envelope, and why.
    NotEnvelope(&'static str),
}

/// The texts of an error answer.
struct Failure {
    code: String,
    message: Option<String>,
    english_message: Option<String>,
    request_id: Option<String>,
}

impl<'a> Head<'a> {
    /// The rule of the module docs.
    fn verdict(&self) -> Verdict<'a> {
        if let Some(code) = self.code {
            return match text(Some(code)) {
                None => Verdict::NotEnvelope("the reply's `Code` is not a string or a number"),
                Some(code) if is_success_code(&code) => Verdict::Success("Data", self.data),
                Some(code) => Verdict::Failure(Failure {
                    code,
                    message: text(self.message),
                    english_message: text(self.english_message),
                    request_id: text(self.request_id),
                }),
            };
        }
        let Some(raw) = self.response else {
            return Verdict::NotEnvelope("the reply has no `Code`");
        };
        let Some(response) = Head::of(raw.get().as_bytes()) else {
            return Verdict::NotEnvelope("`Response` is not an object");
        };
        let Some(error) = response.error else {
            return Verdict::Success("Response", Some(raw));
        };
        let Some(error) = Head::of(error.get().as_bytes()) else {
            return Verdict::NotEnvelope("`Response.Error` is not an object");
        };
        Verdict::Failure(Failure {
            code: text(error.code).unwrap_or_default(),
            message: text(error.message),
            english_message: None,
            request_id: text(response.request_id),
        })
    }
}

/// Whether an envelope `Code` means success.
fn is_success_code(code: &str) -> bool {
    code.eq_ignore_ascii_case("success") || code == "0"
}

/// Reads a reply: its payload on success, otherwise the matching error. `secrets` (what the
/// exchange sent) are scrubbed from every text of the reply kept in an error.
pub(crate) fn read(
    operation: Operation,
    reply: &Reply,
    secrets: &[&str],
) -> Result<Payload, Error> {
    let secrets = Secrets::new(secrets);
    let status = reply.status;
    let ok_status = (200..300).contains(&status);
    let not_envelope = |message: &'static str| {
        // The body may hold credentials of its own (a ticket in a reply that is not quite
        // JSON): they are secrets too for the snippet that quotes it.
        let snippet = secrets.and_credentials_in(&reply.body).snippet(&reply.body);
        if ok_status {
            let decode = DecodeError::new(None, Scrubbed::from(message), status, Some(snippet));
            Error::decode(operation, decode)
        } else {
            Error::http(operation, status, snippet, reply.retry_after)
        }
    };

    if let Some(limit) = reply.over_limit {
        // Nothing of the body is shown: it was not read whole, so it cannot be scrubbed whole.
        if !ok_status {
            return Err(Error::http(
                operation,
                status,
                Scrubbed::from(""),
                reply.retry_after,
            ));
        }
        let message =
            format!("the reply is larger than the client's maximum reply size ({limit} bytes)");
        let decode = DecodeError::new(None, redact::scrub(&message), status, None);
        return Err(Error::decode(operation, decode));
    }

    // A bad byte costs the text it is in, never the code: a reply that is not UTF-8 is read
    // again as lossy text.
    let lossy: Bytes;
    let (body, head) = match Head::of(&reply.body) {
        Some(head) => (&reply.body, head),
        None => match String::from_utf8_lossy(&reply.body) {
            Cow::Owned(text) => {
                lossy = Bytes::from(text);
                match Head::of(&lossy) {
                    Some(head) => (&lossy, head),
                    None => return Err(not_envelope("the reply is not a JSON object")),
                }
            }
            Cow::Borrowed(_) => return Err(not_envelope("the reply is not a JSON object")),
        },
    };

    match head.verdict() {
        Verdict::Success(..) if !ok_status => {
            Err(not_envelope("an error status with a success reply"))
        }
        Verdict::Success(container, json) => Ok(Payload {
            json: json.map(|raw| body.slice_ref(raw.get().as_bytes())),
            container,
            status,
            secrets,
        }),
        Verdict::Failure(failure) => {
            let api = ApiError::from_reply(
                &failure.code,
                failure.message.as_deref(),
                failure.english_message.as_deref(),
                status,
                failure.request_id.as_deref(),
                &secrets,
            );
            Err(Error::from_api(operation, api, reply.retry_after))
        }
        Verdict::NotEnvelope(why) => Err(not_envelope(why)),
    }
}

/// Reads an HTTP 200 reply of action `A` as a call does: [`read`], then [`Payload::decode`].
pub(crate) fn decode_reply<A: crate::Action>(body: Bytes) -> Result<A::Data, Error> {
    let operation = Operation::Action(A::META);
    let reply = Reply {
        status: 200,
        retry_after: None,
        body,
        over_limit: None,
    };
    read(operation, &reply, &[])?.decode(operation)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;
    use serde::Deserialize;

    use super::*;
    use crate::action::ActionMeta;
    use crate::error::ErrorKind;
    use crate::generated::codes::ErrorCode;

    const OP: Operation = Operation::Action(ActionMeta::new("Material", "DeleteMaterial", false));

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            retry_after: None,
            body: Bytes::copy_from_slice(body.as_bytes()),
            over_limit: None,
        }
    }

    fn bytes_reply(status: u16, body: &[u8]) -> Reply {
        Reply {
            status,
            retry_after: None,
            body: Bytes::copy_from_slice(body),
            over_limit: None,
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
    fn data_that_is_not_an_object_is_refused_at_data() {
        for body in [
            r#"{"Code":"Success","Data":[{"Kind":1}]}"#,
            r#"{"Code":"Success","Data":"text"}"#,
            r#"{"Code":"Success","Data":7}"#,
        ] {
            let err = read(OP, &reply(200, body), &[])
                .unwrap()
                .decode::<Listing>(OP)
                .unwrap_err();
            let ErrorKind::Decode(decode) = err.kind() else {
                panic!("{err:?}")
            };
            assert_eq!(decode.path.as_deref(), Some("Data"), "{body}");
        }
    }

    #[test]
    fn members_are_read_whatever_their_order_and_spelling() {
        let body = r#"{"Data":{"Items":[{"Kind":2}]},"RequestId":"r","Code":"success"}"#;
        let payload = read(OP, &reply(200, body), &[]).unwrap();
        assert_eq!(
            payload.decode::<Listing>(OP).unwrap(),
            Listing {
                items: vec![Item { kind: 2 }]
            }
        );
        // Escaped texts, a numeric code, members of other types.
        let body = r#"{"Code":1001,"Message":"\u5a92\u4f53\u4e0d\u5b58\u5728",
            "EnglishMessage":{"x":[1]},"RequestId":["r"],"Data":{"Items":"?"}}"#;
        let err = read(OP, &reply(200, body), &[]).unwrap_err();
        let api = err.api().unwrap();
        assert_eq!(api.code.as_str(), "1001");
        assert_eq!(api.message, "媒体不存在");
        assert_eq!(api.english_message, None);
        assert_eq!(api.request_id, None);
    }

    #[test]
    fn raw_payloads_are_the_data_as_received() {
        let json = |body: &str| {
            read(OP, &reply(200, body), &[])
                .unwrap()
                .into_json(OP)
                .unwrap()
        };
        assert_eq!(json(r#"{"Code":"Success"}"#), Value::Null);
        assert_eq!(json(r#"{"Code":"Success","Data":null}"#), Value::Null);
        assert_eq!(
            json(r#"{"Code":"Success","Data":[]}"#),
            serde_json::json!([])
        );
        assert_eq!(
            json(r#"{"Code":"Success","Data":{"A":[1,{"B":null}]}}"#),
            serde_json::json!({"A": [1, {"B": null}]})
        );
        let body = r#"{"Response":{"Authorization":"t","RequestId":"r"}}"#;
        assert_eq!(
            json(body),
            serde_json::json!({"Authorization": "t", "RequestId": "r"})
        );
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
    fn a_code_decides_whatever_else_the_reply_carries() {
        for (body, code) in [
            (r#"{"Code":"InternalError","Response":{}}"#, "InternalError"),
            (
                r#"{"Response":{"Authorization":"t"},"Code":"AuthFailure.SessionInvalid"}"#,
                "AuthFailure.SessionInvalid",
            ),
            (
                r#"{"Code":"InternalError","Response":{"Error":null},"Data":{}}"#,
                "InternalError",
            ),
            (r#"{"Code":7,"Response":{"Authorization":"t"}}"#, "7"),
        ] {
            let err = read(OP, &reply(200, body), &[]).unwrap_err();
            assert_eq!(err.code().map(ErrorCode::as_str), Some(code), "{body}");
        }
        let body = r#"{"Code":"AuthFailure.SessionInvalid","Response":{}}"#;
        assert!(read(OP, &reply(200, body), &[])
            .unwrap_err()
            .is_ticket_invalid());

        // A success `Code` with a `Response` member: the payload is `Data`.
        let body = r#"{"Response":{"Error":{"Code":"X"}},"Code":"Success","Data":{"Items":[]}}"#;
        let payload = read(OP, &reply(200, body), &[]).unwrap();
        assert_eq!(payload.container, "Data");
        assert_eq!(
            payload.decode::<Listing>(OP).unwrap(),
            Listing { items: vec![] }
        );

        // A `Code` that is neither a string nor a number is never a success.
        for body in [
            r#"{"Code":true,"Response":{}}"#,
            r#"{"Code":{"A":1},"Data":{}}"#,
            r#"{"Code":["Success"],"Data":{}}"#,
        ] {
            let err = read(OP, &reply(200, body), &[]).unwrap_err();
            assert!(
                matches!(err.kind(), ErrorKind::Decode(_)),
                "{body}: {err:?}"
            );
        }
        // A `null` `Code` is no `Code`.
        let body = r#"{"Code":null,"Response":{"Authorization":"t"}}"#;
        let payload = read(OP, &reply(200, body), &[]).unwrap();
        assert_eq!(payload.container, "Response");
    }

    #[test]
    fn a_bad_byte_elsewhere_keeps_the_code() {
        // "登录态失效" in GBK, and stray bytes in the other texts.
        let gbk = [
            &br#"{"Code":"AuthFailure.SessionInvalid","Message":""#[..],
            b"\xb5\xc7\xc2\xbc\xcc\xac\xca\xa7\xd0\xa7",
            br#"","EnglishMessage":"session "#,
            b"\xff",
            br#" invalid","RequestId":"r-"#,
            b"\xfe\"}",
        ]
        .concat();
        let err = read(OP, &bytes_reply(200, &gbk), &[]).unwrap_err();
        assert!(err.is_ticket_invalid(), "{err:?}");
        let api = err.api().unwrap();
        assert!(api.message.contains('\u{fffd}'), "{api:?}");
        assert_eq!(
            api.english_message.as_deref(),
            Some("session \u{fffd} invalid")
        );
        assert_eq!(api.request_id.as_deref(), Some("r-\u{fffd}"));

        for body in [
            &b"{\"Code\":\"InvalidParameter\",\"Data\":{\"\xff\":1}}"[..],
            b"{\"Code\":\"InvalidParameter\",\"Data\":{\"N\":1e999}}",
            b"{\"Data\":{\"N\":[-1e400]},\"Code\":\"InvalidParameter\",\"Message\":\"m\"}",
            b"{\"Code\":\"InvalidParameter\",\"Data\":{\"N\":123456789012345678901234567890}}",
        ] {
            let err = read(OP, &bytes_reply(200, body), &[]).unwrap_err();
            assert_eq!(
                err.code().map(ErrorCode::as_str),
                Some("InvalidParameter"),
                "{}: {err:?}",
                String::from_utf8_lossy(body)
            );
        }

        // A key that is no text (a lone surrogate escaped) costs its member, never the code.
        for body in [
            r#"{"Code":"AuthFailure.SessionInvalid","Message\uD800":"m"}"#,
            r#"{"Response":{"Error":{"Code":"AuthFailure.SessionInvalid","\udc00":1}}}"#,
        ] {
            let err = read(OP, &reply(200, body), &[]).unwrap_err();
            assert!(err.is_ticket_invalid(), "{body}: {err:?}");
        }

        // A success with a bad byte in a text of `Data` decodes it leniently.
        let body = b"{\"Code\":\"Success\",\"Data\":{\"Name\":\"a\xffb\"}}";
        #[derive(Debug, Deserialize)]
        struct Named {
            #[serde(rename = "Name")]
            name: String,
        }
        let named = read(OP, &bytes_reply(200, body), &[])
            .unwrap()
            .decode::<Named>(OP)
            .unwrap();
        assert_eq!(named.name, "a\u{fffd}b");
    }

    #[test]
    fn decode_errors_never_quote_a_secret() {
        #[derive(Debug, Deserialize)]
        struct Login {
            #[serde(rename = "AppId")]
            _app_id: u64,
        }
        // The secret the exchange sent, and a ticket the reply itself holds.
        for (body, secret) in [
            (
                r#"{"Code":"Success","Data":{"AppId":"tf_sent+1"}}"#,
                "tf_sent+1",
            ),
            (
                r#"{"Response":{"Authorization":"tf_new","AppId":"tf_new"}}"#,
                "tf_new",
            ),
            // What no JSON value tree holds, elsewhere in the payload, hides no credential.
            (
                r#"{"Response":{"Authorization":"tf_new","AppId":"tf_new","N":1e999}}"#,
                "tf_new",
            ),
            (
                &format!(
                    r#"{{"Response":{{"N":{}{},"Authorization":"tf_new","AppId":"tf_new"}}}}"#,
                    "[".repeat(200),
                    "]".repeat(200)
                ),
                "tf_new",
            ),
        ] {
            let err = read(OP, &reply(200, body), &["tf_sent+1"])
                .unwrap()
                .decode::<Login>(OP)
                .unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(secret), "{shown}");
            assert!(shown.contains(r#"invalid type: string "<redacted>", expected u64"#));
        }
    }

    #[test]
    fn snippets_of_replies_that_are_no_envelope_never_quote_their_credentials() {
        // A raw control character in a key: not JSON, so the reply is quoted as a snippet
        // (found by the `login` fuzz target).
        for status in [200, 502] {
            let body = "{\"Response\":{\"Authorization\":\"f+0Ticke\",\"\r\":\"f+0Ticke\"}}";
            let err = read(OP, &reply(status, body), &["tf_sent+1"]).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("f+0Ticke"), "{shown}");
            assert!(shown.contains("Authorization"), "{shown}");
        }
    }

    #[test]
    fn a_huge_message_makes_a_short_error() {
        let huge = "媒体不存在\n".repeat(100_000);
        let body = serde_json::json!({"Code": "InvalidParameter", "Message": huge,
            "EnglishMessage": "x".repeat(1 << 20), "RequestId": "r".repeat(1 << 20)});
        let err = read(OP, &reply(200, &body.to_string()), &[]).unwrap_err();
        let shown = err.to_string();
        assert!(shown.chars().count() < 1200, "{}", shown.len());
        assert!(shown.starts_with("Material/DeleteMaterial failed: InvalidParameter: xxx"));
        assert!(format!("{err:?}").chars().count() < 2000);
        let api = err.api().unwrap();
        assert!(api.message.starts_with("媒体不存在 媒体不存在"));
        assert!(api.message.ends_with('…'));
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
        // A gateway's 502 may come after the service ran the request: retried only when
        // the action is idempotent.
        assert!(!err.is_retryable());
        let idempotent = Operation::Action(ActionMeta::new("Material", "DeleteMaterial", true));
        assert!(read(idempotent, &bad_gateway, &[])
            .unwrap_err()
            .is_retryable());
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
