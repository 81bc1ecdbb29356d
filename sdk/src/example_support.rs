//! Assertions behind the generated example tests (`generated/<class>/examples.rs`).

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::generated::codes::ErrorCode;
use crate::wire::WireEnum;

/// Asserts that `request` serializes to the documented JSON `expected`.
pub(crate) fn check_request<R: serde::Serialize>(request: &R, expected: &str) {
    let actual = serde_json::to_value(request).expect("a request always serializes");
    let expected: Value = serde_json::from_str(expected).expect("the example is valid JSON");
    assert_eq!(
        actual, expected,
        "the request does not serialize to the documented JSON"
    );
}

/// Asserts that the documented reply `envelope` decodes: an error code is a known one, a
/// success's `Data` decodes into `D` and, with the `serde` feature, encodes back to the same
/// JSON (up to absent optional fields).
pub(crate) fn check_reply<D: DeserializeOwned + ServerRoundTrip>(envelope: &str) {
    let envelope: Value = serde_json::from_str(envelope).expect("the example is valid JSON");
    let code = envelope["Code"].as_str().expect("the example has a Code");
    if code != "Success" {
        assert!(
            !ErrorCode::from(code).is_unknown(),
            "unknown error code {code}"
        );
        return;
    }
    let data = match envelope.get("Data") {
        None | Some(Value::Null) => Value::Object(Default::default()),
        Some(data) => data.clone(),
    };
    let decoded: D = match serde_path_to_error::deserialize(&data) {
        Ok(d) => d,
        Err(e) => panic!(
            "the documented Data does not decode at {}: {}",
            e.path(),
            e.inner()
        ),
    };
    if let Some(encoded) = decoded.encode() {
        assert_eq!(
            prune(encoded),
            prune(data),
            "Data does not encode back to the documented JSON"
        );
    }
}

/// Encoding a decoded `Data` back to JSON, available with the `serde` feature.
pub(crate) trait ServerRoundTrip {
    /// The JSON of `self`, or `None` without the `serde` feature.
    fn encode(&self) -> Option<Value>;
}

#[cfg(feature = "serde")]
impl<T: serde::Serialize> ServerRoundTrip for T {
    fn encode(&self) -> Option<Value> {
        Some(serde_json::to_value(self).expect("Data always serializes"))
    }
}

#[cfg(not(feature = "serde"))]
impl<T> ServerRoundTrip for T {
    fn encode(&self) -> Option<Value> {
        None
    }
}

/// Drops nulls, empty lists and empty objects, which mean "absent" to the decoder.
fn prune(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, prune(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(prune).collect()),
        other => other,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}
