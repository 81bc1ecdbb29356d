//! Support for the generated string enums: values this SDK does not know are kept, not refused.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// A string enum of the wire format. Implemented by every generated enum.
pub trait WireEnum: Sized {
    /// Every value this SDK version knows, in spec order.
    const VALUES: &'static [&'static str];
    /// The value as sent on the wire.
    fn as_str(&self) -> &str;
    /// Whether this is a value this SDK version does not know.
    fn is_unknown(&self) -> bool;
}

/// A wire value that this SDK version does not know, kept verbatim so it round-trips.
///
/// Build one through the enum's `From<&str>` (`MaterialType::from("NEW_TYPE")`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(Box<str>);

impl UnknownValue {
    /// Wraps a raw value. Only the generated `From<&str>` calls this, for values it does not know.
    #[doc(hidden)]
    pub fn new(value: &str) -> Self {
        Self(value.into())
    }

    /// The raw value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// Deserializes a string enum through its `From<&str>`, without allocating for known values.
/// A JSON number is accepted as its decimal text.
#[doc(hidden)]
pub fn deserialize_enum<'de, D, E>(deserializer: D) -> Result<E, D::Error>
where
    D: Deserializer<'de>,
    E: for<'a> From<&'a str>,
{
    struct EnumVisitor<E>(std::marker::PhantomData<E>);

    impl<E: for<'a> From<&'a str>> Visitor<'_> for EnumVisitor<E> {
        type Value = E;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<Er: de::Error>(self, v: &str) -> Result<E, Er> {
            Ok(E::from(v))
        }

        fn visit_i64<Er: de::Error>(self, v: i64) -> Result<E, Er> {
            Ok(E::from(v.to_string().as_str()))
        }

        fn visit_u64<Er: de::Error>(self, v: u64) -> Result<E, Er> {
            Ok(E::from(v.to_string().as_str()))
        }
    }

    // `deserialize_any`, not `deserialize_str`: JSON would refuse a number before the visitor
    // sees it.
    deserializer.deserialize_any(EnumVisitor(std::marker::PhantomData))
}

#[cfg(test)]
mod tests {
    #[derive(Debug, PartialEq)]
    struct Raw(String);

    impl From<&str> for Raw {
        fn from(value: &str) -> Self {
            Raw(value.to_owned())
        }
    }

    fn decode(json: &str) -> Result<Raw, serde_json::Error> {
        super::deserialize_enum(&mut serde_json::Deserializer::from_str(json))
    }

    #[test]
    fn strings_and_numbers_decode() {
        assert_eq!(decode(r#""VIDEO""#).unwrap(), Raw("VIDEO".into()));
        assert_eq!(decode("3").unwrap(), Raw("3".into()));
        assert_eq!(decode("-1").unwrap(), Raw("-1".into()));
        assert!(decode("{}").is_err());
        assert!(decode("1.5").is_err());
    }
}
