//! Reading the service's reply envelopes, tolerantly.
//!
//! Two shapes exist: the CME envelope `{"Code","Message","EnglishMessage","Data"}` (client API and
//! the old login reply) and the Tencent Cloud API 3.0 shape `{"Response":{…,"Error":{"Code",
//! "Message"},"RequestId"}}` (the current login reply). Both are accepted everywhere.
//!
//! A CME envelope is read in two passes over the reply's bytes, never through a
//! `serde_json::Value` tree: [`read`] decodes only the envelope's members (skipping `Data`
//! without building anything) to decide between success and error, and
//! [`Payload::decode`] decodes `Data` straight into the action's typed reply.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use serde::de::value::{MapAccessDeserializer, MapDeserializer};
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{ApiError, DecodeError, Error, Operation};
use crate::generated::codes::ErrorCode;
use crate::redact;
use crate::transport::Reply;

/// The success payload of a reply.
pub(crate) struct Payload {
    body: Body,
    /// The member the payload is in, for error paths: `Data` or `Response`.
    pub(crate) container: &'static str,
    /// The HTTP status of the reply.
    pub(crate) status: u16,
}

/// Where the payload is.
enum Body {
    /// A CME envelope whose `Code` means success, without `Data`: absent or `null` (held as
    /// `null`), or `[]`.
    Empty(Value),
    /// A CME envelope whose `Code` means success: `Data` is still in the reply's bytes.
    Envelope(Bytes),
    /// The `Response` object of an API 3.0 reply (login replies only).
    Json(Value),
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
    /// Decodes the payload as `T`. A missing or `null` payload, or an empty list, decodes as an
    /// empty object, so that replies of actions without `Data` fields decode. A failure names the
    /// JSON path, e.g. `Data.MaterialInfoSet[3].BasicInfo.MaterialType`.
    pub(crate) fn decode<T: DeserializeOwned>(self, operation: Operation) -> Result<T, Error> {
        let container = self.container;
        let status = self.status;
        let failed = |path: String, message: String| {
            Error::decode(
                operation,
                DecodeError {
                    path: Some(path),
                    message,
                    http_status: status,
                    snippet: None,
                },
            )
        };
        match self.body {
            Body::Empty(_) => empty::<T, serde_json::Error>()
                .map_err(|err| failed(container.to_owned(), err.to_string())),
            Body::Envelope(bytes) => {
                // Tracking the path costs an allocation per member, so only a failed decode is
                // decoded again, with tracking, to name where it failed.
                let data = serde_json::from_slice::<DataOf<T>>(&bytes).map_err(|plain| {
                    let mut json = serde_json::Deserializer::from_slice(&bytes);
                    match serde_path_to_error::deserialize::<_, DataOf<T>>(&mut json) {
                        Err(err) => {
                            // The path starts at the envelope, so with `Data`.
                            let path = err.path().to_string();
                            let path = if path == "." {
                                container.to_owned()
                            } else {
                                path
                            };
                            failed(path, err.into_inner().to_string())
                        }
                        Ok(_) => failed(container.to_owned(), plain.to_string()),
                    }
                })?;
                match data.data {
                    Some(Data(value)) => Ok(value),
                    None => empty::<T, serde_json::Error>()
                        .map_err(|err| failed(container.to_owned(), err.to_string())),
                }
            }
            Body::Json(value) => {
                let value = match value {
                    Value::Null => Value::Object(Map::new()),
                    Value::Array(items) if items.is_empty() => Value::Object(Map::new()),
                    other => other,
                };
                serde_path_to_error::deserialize(value).map_err(|err| {
                    let path = err.path().to_string();
                    let path = if path == "." {
                        container.to_owned()
                    } else {
                        format!("{container}.{path}")
                    };
                    failed(path, err.into_inner().to_string())
                })
            }
        }
    }

    /// The payload as JSON, as received (`null` when the reply has none), for raw calls.
    pub(crate) fn into_json(self, operation: Operation) -> Result<Value, Error> {
        match self.body {
            Body::Empty(value) => Ok(value),
            Body::Envelope(bytes) => {
                #[derive(Deserialize)]
                struct RawData {
                    #[serde(rename = "Data", default)]
                    data: Value,
                }
                serde_json::from_slice::<RawData>(&bytes)
                    .map(|raw| raw.data)
                    .map_err(|err| {
                        let decode = DecodeError {
                            path: Some(self.container.to_owned()),
                            message: err.to_string(),
                            http_status: self.status,
                            snippet: None,
                        };
                        Error::decode(operation, decode)
                    })
            }
            Body::Json(value) => Ok(value),
        }
    }
}

/// The envelope seen from its `Data`: every other member is skipped.
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct DataOf<T> {
    /// `None` when absent or `null`.
    #[serde(rename = "Data", default)]
    data: Option<Data<T>>,
}

/// A present, non-null `Data`: an object decodes as `T`, an empty list as an empty object.
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

/// What [`read`] needs of a reply: the envelope's members, never its payload. The texts borrow
/// from the reply where they can.
#[derive(Default)]
struct Head<'a> {
    code: Option<Cow<'a, str>>,
    message: Option<Cow<'a, str>>,
    english_message: Option<Cow<'a, str>>,
    request_id: Option<Cow<'a, str>>,
    /// What `Data` holds, without decoding it.
    data: DataShape,
    /// Whether the reply has a `Response` member (the API 3.0 shape), even `null`.
    response: bool,
}

/// The shape of `Data`, found while skipping over it.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum DataShape {
    /// Absent or `null`: nothing to decode.
    #[default]
    Null,
    /// `[]`: nothing to decode either.
    EmptyList,
    /// Anything else: decoded by [`Payload::decode`].
    Present,
}

impl<'de> Deserialize<'de> for DataShape {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ShapeVisitor;

        impl<'de> Visitor<'de> for ShapeVisitor {
            type Value = DataShape;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_unit<E: de::Error>(self) -> Result<DataShape, E> {
                Ok(DataShape::Null)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DataShape, A::Error> {
                let mut shape = DataShape::EmptyList;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    shape = DataShape::Present;
                }
                Ok(shape)
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DataShape, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(DataShape::Present)
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<DataShape, E> {
                Ok(DataShape::Present)
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<DataShape, E> {
                Ok(DataShape::Present)
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<DataShape, E> {
                Ok(DataShape::Present)
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<DataShape, E> {
                Ok(DataShape::Present)
            }

            fn visit_str<E: de::Error>(self, _: &str) -> Result<DataShape, E> {
                Ok(DataShape::Present)
            }
        }

        deserializer.deserialize_any(ShapeVisitor)
    }
}

impl<'de> Deserialize<'de> for Head<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(field_identifier)]
        enum Member {
            Code,
            Message,
            EnglishMessage,
            RequestId,
            Data,
            Response,
            #[serde(other)]
            Other,
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
                    match member {
                        Member::Code => head.code = map.next_value::<Text<'de>>()?.0,
                        Member::Message => head.message = map.next_value::<Text<'de>>()?.0,
                        Member::EnglishMessage => {
                            head.english_message = map.next_value::<Text<'de>>()?.0;
                        }
                        Member::RequestId => {
                            head.request_id = map.next_value::<Text<'de>>()?.0;
                        }
                        Member::Data => head.data = map.next_value()?,
                        Member::Response => {
                            map.next_value::<IgnoredAny>()?;
                            head.response = true;
                        }
                        Member::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(head)
            }
        }

        deserializer.deserialize_map(HeadVisitor)
    }
}

/// A string member, or a number as its text; `None` when `null` or of another type.
struct Text<'a>(Option<Cow<'a, str>>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Option<Cow<'de, str>>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Some(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v)))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v.to_string())))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v.to_string())))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(serde_json::Number::from_f64(v).map(|n| Cow::Owned(n.to_string())))
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(None)
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(None)
            }
        }

        deserializer.deserialize_any(TextVisitor).map(Text)
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

    let Ok(head) = serde_json::from_slice::<Head>(&reply.body) else {
        return Err(not_envelope("the reply is not a JSON object"));
    };

    if head.response {
        // The API 3.0 shape (login replies): small, read as JSON.
        let Ok(Value::Object(mut top)) = serde_json::from_slice::<Value>(&reply.body) else {
            return Err(not_envelope("the reply is not a JSON object"));
        };
        let Some(Value::Object(mut response)) = top.remove("Response") else {
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
            body: Body::Json(Value::Object(response)),
            container: "Response",
            status,
        });
    }

    let Some(code) = head.code else {
        return Err(not_envelope("the reply has no `Code`"));
    };
    if is_success_code(&code) {
        if !ok_status {
            return Err(not_envelope("an error status with a success reply"));
        }
        let body = match head.data {
            DataShape::Null => Body::Empty(Value::Null),
            DataShape::EmptyList => Body::Empty(Value::Array(Vec::new())),
            DataShape::Present => Body::Envelope(reply.body.clone()),
        };
        return Ok(Payload {
            body,
            container: "Data",
            status,
        });
    }
    let api = ApiError {
        code: ErrorCode::from(code.as_ref()),
        message: head.message.map(Cow::into_owned).unwrap_or_default(),
        english_message: head
            .english_message
            .filter(|m| !m.trim().is_empty())
            .map(Cow::into_owned),
        http_status: status,
        request_id: head.request_id.map(Cow::into_owned),
    };
    Err(Error::from_api(operation, api, reply.retry_after))
}

/// Reads an HTTP 200 reply of action `A` as a call does: [`read`], then [`Payload::decode`].
pub(crate) fn decode_reply<A: crate::Action>(body: Bytes) -> Result<A::Data, Error> {
    let operation = Operation::Action(A::META);
    let reply = Reply {
        status: 200,
        retry_after: None,
        body,
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
