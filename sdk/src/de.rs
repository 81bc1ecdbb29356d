//! Tolerant decoding of reply fields: the service's docs disagree with its replies on types
//! (integers sent as strings, a URL sent as a list, `null` for an empty list), so reply types
//! accept every reasonable spelling of a value instead of failing the whole call.
//!
//! The generated reply types name these functions in `#[serde(deserialize_with = ...)]`.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};

/// An absent or `null` value decodes as `T::default()` (an empty list, for instance).
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A value that can be decoded from several JSON spellings.
pub trait Lenient: Sized {
    /// Decodes the value, accepting its alternative spellings.
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// Decodes a required lenient field.
pub fn lenient<'de, D: Deserializer<'de>, T: Lenient>(deserializer: D) -> Result<T, D::Error> {
    T::deserialize_lenient(deserializer)
}

/// Decodes an optional lenient field: `null` (or, with `#[serde(default)]`, absence) is `None`.
pub fn lenient_opt<'de, D: Deserializer<'de>, T: Lenient>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    struct OptVisitor<T>(std::marker::PhantomData<T>);

    impl<'de, T: Lenient> Visitor<'de> for OptVisitor<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an optional value")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            T::deserialize_lenient(d).map(Some)
        }
    }

    deserializer.deserialize_option(OptVisitor(std::marker::PhantomData))
}

/// An integer: a JSON integer, an integral float, or a string holding an integer.
impl Lenient for i64 {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = i64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string holding one")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
                Ok(v)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
                i64::try_from(v).map_err(|_| E::custom(format!("integer {v} is too large")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
                if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(v as i64)
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(v), &self))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
                v.trim()
                    .parse()
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A float: a JSON number or a string holding one.
impl Lenient for f64 {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = f64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a string holding one")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
                Ok(v)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
                v.trim()
                    .parse()
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A string: a JSON string, a number or bool (as its text), or a list of strings (its first
/// item; the docs describe `MediaUrl` as a list while the service sends a string).
impl Lenient for String {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = String;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
                Ok(v.to_owned())
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
                Ok(v)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<String, A::Error> {
                let first: Option<String> = seq.next_element()?;
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(first.unwrap_or_default())
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A bool: a JSON bool, `0`/`1`, or the strings `"true"`/`"false"`/`"0"`/`"1"`.
impl Lenient for bool {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = bool;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a bool")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
                Ok(v)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
                match v {
                    0 => Ok(false),
                    1 => Ok(true),
                    _ => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
                match v {
                    0 => Ok(false),
                    1 => Ok(true),
                    _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
                match v {
                    "true" | "1" => Ok(true),
                    "false" | "0" => Ok(false),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Reply {
        #[serde(default, deserialize_with = "lenient_opt")]
        id: Option<i64>,
        #[serde(default, deserialize_with = "lenient_opt")]
        url: Option<String>,
        #[serde(default, deserialize_with = "lenient_opt")]
        duration: Option<f64>,
        #[serde(default, deserialize_with = "lenient_opt")]
        flag: Option<bool>,
        #[serde(default, deserialize_with = "null_as_default")]
        tags: Vec<String>,
        #[serde(deserialize_with = "lenient")]
        count: i64,
    }

    fn decode(json: &str) -> Result<Reply, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn accepts_alternative_spellings() {
        let r = decode(
            r#"{"id":"42","url":["a","b"],"duration":"1.5","flag":1,"tags":null,"count":3.0}"#,
        )
        .unwrap();
        assert_eq!(
            r,
            Reply {
                id: Some(42),
                url: Some("a".into()),
                duration: Some(1.5),
                flag: Some(true),
                tags: vec![],
                count: 3
            }
        );
    }

    #[test]
    fn absent_and_null_are_none() {
        let r = decode(r#"{"id":null,"count":"7"}"#).unwrap();
        assert_eq!(r.id, None);
        assert_eq!(r.url, None);
        assert!(r.tags.is_empty());
        assert_eq!(r.count, 7);
    }

    #[test]
    fn refuses_nonsense() {
        assert!(decode(r#"{"id":"abc","count":1}"#).is_err());
        assert!(decode(r#"{"id":1.5,"count":1}"#).is_err());
        assert!(decode(r#"{"flag":"yes","count":1}"#).is_err());
        assert!(decode(r#"{}"#).is_err(), "a required field stays required");
    }
}
