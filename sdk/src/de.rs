//! Tolerant decoding of reply fields: the service's docs disagree with its replies on types
//! (integers sent as strings, a URL sent as a list, `null` for an empty list), so reply types
//! accept every reasonable spelling of a value instead of failing the whole call.
//!
//! The generated reply types name these functions in `#[serde(deserialize_with = ...)]`.

use std::fmt;

use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer};
use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};

/// A list: a JSON array, `null` or absent (empty), an empty string (empty), or a single value
/// (a list of one: the docs give some lists, such as a project's `Category`, as one value).
pub fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct ListVisitor<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> ListVisitor<T> {
        fn one<E: de::Error>(item: Result<T, E>) -> Result<Vec<T>, E> {
            item.map(|item| vec![item])
        }
    }

    impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list or a single value")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            // Bounded: a hostile length hint must not reserve gigabytes.
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(items)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }

        fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Vec<T>, D2::Error> {
            d.deserialize_any(self)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
            Self::one(T::deserialize(MapAccessDeserializer::new(map)))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
            if v.trim().is_empty() {
                return Ok(Vec::new());
            }
            Self::one(T::deserialize(v.into_deserializer()))
        }

        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Vec<T>, E> {
            if v.trim().is_empty() {
                return Ok(Vec::new());
            }
            Self::one(T::deserialize(BorrowedStrDeserializer::new(v)))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<T>, E> {
            Self::one(T::deserialize(v.into_deserializer()))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<T>, E> {
            Self::one(T::deserialize(v.into_deserializer()))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<T>, E> {
            Self::one(T::deserialize(v.into_deserializer()))
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<T>, E> {
            Self::one(T::deserialize(v.into_deserializer()))
        }
    }

    deserializer.deserialize_any(ListVisitor(PhantomData))
}

/// A value that can be decoded from several JSON spellings.
pub trait Lenient: Sized {
    /// Decodes the value, accepting its alternative spellings.
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;

    /// Decodes an optional value: like [`deserialize_lenient`](Self::deserialize_lenient), and
    /// numbers and bools also take an empty string as absent.
    fn deserialize_lenient_opt<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Self>, D::Error> {
        Self::deserialize_lenient(deserializer).map(Some)
    }
}

/// Decodes a required lenient field.
pub fn lenient<'de, D: Deserializer<'de>, T: Lenient>(deserializer: D) -> Result<T, D::Error> {
    T::deserialize_lenient(deserializer)
}

/// Decodes an optional lenient field: `null` (or, with `#[serde(default)]`, absence) is `None`.
pub fn lenient_opt<'de, D: Deserializer<'de>, T: Lenient>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    struct OptVisitor<T>(PhantomData<T>);

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
            T::deserialize_lenient_opt(d)
        }
    }

    deserializer.deserialize_option(OptVisitor(PhantomData))
}

/// A required number or bool decoded by its optional visitor: an empty string is refused.
fn required<'de, D: Deserializer<'de>, T: Lenient>(deserializer: D) -> Result<T, D::Error> {
    T::deserialize_lenient_opt(deserializer)?
        .ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(""), &"a value"))
}

/// An integer: a JSON integer, an integral float, or a string holding one (an empty string is
/// absent).
impl Lenient for i64 {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        required(deserializer)
    }

    fn deserialize_lenient_opt<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Self>, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Option<i64>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string holding one")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<i64>, E> {
                Ok(Some(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<i64>, E> {
                i64::try_from(v)
                    .map(Some)
                    .map_err(|_| E::custom(format!("integer {v} is too large")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<i64>, E> {
                if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(Some(v as i64))
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(v), &self))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<i64>, E> {
                let t = v.trim();
                if t.is_empty() {
                    return Ok(None);
                }
                match t.parse::<i64>() {
                    Ok(n) => Ok(Some(n)),
                    // "90.0": an integral number written as a float.
                    Err(_) => match t.parse::<f64>() {
                        Ok(f) if f.is_finite() => self.visit_f64(f),
                        _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                    },
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A float: a JSON number or a string holding one (an empty string is absent).
impl Lenient for f64 {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        required(deserializer)
    }

    fn deserialize_lenient_opt<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Self>, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Option<f64>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a string holding one")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<f64>, E> {
                Ok(Some(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<f64>, E> {
                Ok(Some(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<f64>, E> {
                Ok(Some(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<f64>, E> {
                let t = v.trim();
                if t.is_empty() {
                    return Ok(None);
                }
                t.parse()
                    .map(Some)
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

/// A bool: a JSON bool, `0`/`1`, or the strings `"true"`/`"false"`/`"0"`/`"1"` (an empty
/// string is absent).
impl Lenient for bool {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        required(deserializer)
    }

    fn deserialize_lenient_opt<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Self>, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Option<bool>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a bool")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<bool>, E> {
                Ok(Some(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<bool>, E> {
                match v {
                    0 => Ok(Some(false)),
                    1 => Ok(Some(true)),
                    _ => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<bool>, E> {
                match v {
                    0 => Ok(Some(false)),
                    1 => Ok(Some(true)),
                    _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<bool>, E> {
                match v.trim() {
                    "true" | "1" => Ok(Some(true)),
                    "false" | "0" => Ok(Some(false)),
                    "" => Ok(None),
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
        #[serde(default, deserialize_with = "list")]
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
    fn empty_strings_are_absent_numbers_and_lists() {
        let r = decode(r#"{"id":"","duration":" ","flag":"","tags":"","count":"90.0"}"#).unwrap();
        assert_eq!((r.id, r.duration, r.flag), (None, None, None));
        assert!(r.tags.is_empty());
        assert_eq!(r.count, 90);
        assert!(
            decode(r#"{"count":""}"#).is_err(),
            "a required number stays required"
        );
    }

    #[test]
    fn a_single_value_is_a_list_of_one() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct Item {
            #[serde(rename = "K")]
            k: u8,
        }
        #[derive(Deserialize, Debug, PartialEq)]
        struct Lists {
            #[serde(default, deserialize_with = "list")]
            tags: Vec<String>,
            #[serde(default, deserialize_with = "list")]
            items: Vec<Item>,
            #[serde(default, deserialize_with = "list")]
            numbers: Vec<i64>,
        }
        let one: Lists =
            serde_json::from_str(r#"{"tags":"Default","items":{"K":1},"numbers":7}"#).unwrap();
        assert_eq!(one.tags, ["Default"]);
        assert_eq!(one.items, [Item { k: 1 }]);
        assert_eq!(one.numbers, [7]);
        let many: Lists =
            serde_json::from_str(r#"{"tags":["a","b"],"items":[{"K":1},{"K":2}],"numbers":null}"#)
                .unwrap();
        assert_eq!(many.tags, ["a", "b"]);
        assert_eq!(many.items.len(), 2);
        assert!(many.numbers.is_empty());
        assert!(serde_json::from_str::<Lists>(r#"{"items":"x"}"#).is_err());
    }

    #[test]
    fn refuses_nonsense() {
        assert!(decode(r#"{"id":"abc","count":1}"#).is_err());
        assert!(decode(r#"{"id":1.5,"count":1}"#).is_err());
        assert!(decode(r#"{"flag":"yes","count":1}"#).is_err());
        assert!(decode(r#"{}"#).is_err(), "a required field stays required");
    }
}
