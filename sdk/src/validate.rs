//! Client-side checks of the constraints the docs state, shared by the SDK and the emulator.

use std::fmt;

use crate::action::Validate;
use crate::wire::WireEnum;

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// A string longer than allowed, in characters.
    TooLong {
        /// The allowed maximum.
        max: u64,
        /// The actual length.
        actual: u64,
    },
    /// A list with more items than allowed.
    TooManyItems {
        /// The allowed maximum.
        max: u64,
        /// The actual count.
        actual: u64,
    },
    /// A number outside its documented bounds.
    OutOfRange {
        /// The value, as text.
        value: String,
        /// The lower bound, if any.
        min: Option<String>,
        /// The upper bound, if any.
        max: Option<String>,
    },
    /// A required field that is not set (one the client supplies, when it could not).
    Missing,
    /// A value outside the documented set (strict mode, or a fixed integer set).
    NotAllowed {
        /// The value, as text.
        value: String,
        /// The allowed values.
        allowed: Vec<String>,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::TooLong { max, actual } => {
                write!(f, "at most {max} characters allowed, got {actual}")
            }
            Problem::TooManyItems { max, actual } => {
                write!(f, "at most {max} items allowed, got {actual}")
            }
            Problem::OutOfRange { value, min, max } => {
                write!(f, "{value} is out of range")?;
                match (min, max) {
                    (Some(lo), Some(hi)) => write!(f, " [{lo}, {hi}]"),
                    (Some(lo), None) => write!(f, " (minimum {lo})"),
                    (None, Some(hi)) => write!(f, " (maximum {hi})"),
                    (None, None) => Ok(()),
                }
            }
            Problem::Missing => f.write_str(
                "missing: set it on the call, or let the client supply it (ClientBuilder::platform, \
                 a signature source)",
            ),
            Problem::NotAllowed { value, allowed } => {
                write!(f, "{value:?} is not one of {}", allowed.join(", "))
            }
        }
    }
}

/// One violated constraint: the field's path in the request body and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// Path of the field, e.g. `SearchScopes[1].Owner.Type`.
    pub field: String,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

/// Every violation found in one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    violations: Vec<Violation>,
}

impl ValidationError {
    /// One violation (tests build errors with it).
    #[cfg(feature = "test-util")]
    pub(crate) fn single(field: &str, problem: Problem) -> Self {
        Self {
            violations: vec![Violation {
                field: field.to_owned(),
                problem,
            }],
        }
    }

    /// The violations, in field order (never empty).
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationError {}

#[derive(Debug, Clone)]
enum Segment {
    Field(&'static str),
    Index(usize),
}

/// Collects violations while the generated `validate` methods walk a request.
#[derive(Debug)]
pub struct Validator {
    strict_enums: bool,
    path: Vec<Segment>,
    violations: Vec<Violation>,
}

impl Validator {
    /// A validator. With `strict_enums`, enum values this SDK version does not know are
    /// violations (the emulator's mode); without, they pass, so that a caller can send a value
    /// the service added after this SDK was generated.
    pub fn new(strict_enums: bool) -> Self {
        Self {
            strict_enums,
            path: Vec::new(),
            violations: Vec::new(),
        }
    }

    /// Validates `value` from scratch.
    pub fn check<T: Validate + ?Sized>(
        value: &T,
        strict_enums: bool,
    ) -> Result<(), ValidationError> {
        let mut v = Self::new(strict_enums);
        value.validate(&mut v);
        v.finish()
    }

    /// Ends the walk: `Ok` when nothing was violated.
    pub fn finish(self) -> Result<(), ValidationError> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(ValidationError {
                violations: self.violations,
            })
        }
    }

    fn path_to(&self, last: Option<&'static str>) -> String {
        let mut out = String::new();
        for seg in self.path.iter().cloned().chain(last.map(Segment::Field)) {
            match seg {
                Segment::Field(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                Segment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// Records `problem` at `field[index]`.
    fn report_item(&mut self, field: &'static str, index: usize, problem: Problem) {
        self.path.push(Segment::Field(field));
        self.path.push(Segment::Index(index));
        let field = self.path_to(None);
        self.path.truncate(self.path.len() - 2);
        self.violations.push(Violation { field, problem });
    }

    fn report(&mut self, field: &'static str, problem: Problem) {
        let field = self.path_to(Some(field));
        self.violations.push(Violation { field, problem });
    }

    /// A required field that the client supplies when the caller does not: `present` says
    /// whether it is set.
    pub fn present(&mut self, field: &'static str, present: bool) {
        if !present {
            self.report(field, Problem::Missing);
        }
    }

    /// A string of at most `max` characters.
    pub fn max_chars(&mut self, field: &'static str, value: &str, max: u64) {
        let actual = value.chars().count() as u64;
        if actual > max {
            self.report(field, Problem::TooLong { max, actual });
        }
    }

    /// Each string of a list has at most `max` characters.
    pub fn max_chars_each(&mut self, field: &'static str, values: &[String], max: u64) {
        for (i, value) in values.iter().enumerate() {
            let actual = value.chars().count() as u64;
            if actual > max {
                self.report_item(field, i, Problem::TooLong { max, actual });
            }
        }
    }

    /// A list of at most `max` items.
    pub fn max_items<T>(&mut self, field: &'static str, values: &[T], max: u64) {
        let actual = values.len() as u64;
        if actual > max {
            self.report(field, Problem::TooManyItems { max, actual });
        }
    }

    /// An integer within `[min, max]` (either bound optional).
    pub fn int_range(
        &mut self,
        field: &'static str,
        value: i64,
        min: Option<i64>,
        max: Option<i64>,
    ) {
        if min.is_some_and(|m| value < m) || max.is_some_and(|m| value > m) {
            let problem = Problem::OutOfRange {
                value: value.to_string(),
                min: min.map(|m| m.to_string()),
                max: max.map(|m| m.to_string()),
            };
            self.report(field, problem);
        }
    }

    /// A float within `[min, max]` (either bound optional); NaN is always out of range.
    pub fn float_range(
        &mut self,
        field: &'static str,
        value: f64,
        min: Option<f64>,
        max: Option<f64>,
    ) {
        if value.is_nan() || min.is_some_and(|m| value < m) || max.is_some_and(|m| value > m) {
            let problem = Problem::OutOfRange {
                value: value.to_string(),
                min: min.map(|m| m.to_string()),
                max: max.map(|m| m.to_string()),
            };
            self.report(field, problem);
        }
    }

    /// An integer from a fixed set.
    pub fn allowed_int(&mut self, field: &'static str, value: i64, allowed: &[i64]) {
        if !allowed.contains(&value) {
            let problem = Problem::NotAllowed {
                value: value.to_string(),
                allowed: allowed.iter().map(i64::to_string).collect(),
            };
            self.report(field, problem);
        }
    }

    /// An enum value this SDK knows (checked only in strict mode).
    pub fn known<E: WireEnum>(&mut self, field: &'static str, value: &E) {
        if self.strict_enums && value.is_unknown() {
            self.report(field, not_allowed(value));
        }
    }

    /// Every enum value of a list is known (checked only in strict mode).
    pub fn known_each<E: WireEnum>(&mut self, field: &'static str, values: &[E]) {
        if !self.strict_enums {
            return;
        }
        for (i, value) in values.iter().enumerate() {
            if value.is_unknown() {
                self.report_item(field, i, not_allowed(value));
            }
        }
    }

    /// Validates a nested struct under `field`.
    pub fn nested<T: Validate + ?Sized>(&mut self, field: &'static str, value: &T) {
        self.path.push(Segment::Field(field));
        value.validate(self);
        self.path.pop();
    }

    /// Validates each struct of a list under `field[i]`.
    pub fn nested_each<T: Validate>(&mut self, field: &'static str, values: &[T]) {
        self.path.push(Segment::Field(field));
        for (i, value) in values.iter().enumerate() {
            self.path.push(Segment::Index(i));
            value.validate(self);
            self.path.pop();
        }
        self.path.pop();
    }
}

fn not_allowed<E: WireEnum>(value: &E) -> Problem {
    Problem::NotAllowed {
        value: value.as_str().to_owned(),
        allowed: E::VALUES.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Inner {
        name: String,
    }
    impl Validate for Inner {
        fn validate(&self, v: &mut Validator) {
            v.max_chars("Name", &self.name, 3);
        }
    }
    struct Outer {
        items: Vec<Inner>,
        tags: Vec<String>,
        limit: i64,
    }
    impl Validate for Outer {
        fn validate(&self, v: &mut Validator) {
            v.nested_each("Items", &self.items);
            v.max_items("Tags", &self.tags, 1);
            v.max_chars_each("Tags", &self.tags, 2);
            v.int_range("Limit", self.limit, Some(0), Some(30));
        }
    }

    #[test]
    fn reports_paths_and_problems() {
        let outer = Outer {
            items: vec![
                Inner { name: "ok".into() },
                Inner {
                    name: "名字太长了".into(),
                },
            ],
            tags: vec!["ab".into(), "abc".into()],
            limit: 31,
        };
        let err = Validator::check(&outer, false).unwrap_err();
        let fields: Vec<_> = err.violations().iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["Items[1].Name", "Tags", "Tags[1]", "Limit"]);
        assert_eq!(
            err.to_string(),
            "Items[1].Name: at most 3 characters allowed, got 5; \
             Tags: at most 1 items allowed, got 2; \
             Tags[1]: at most 2 characters allowed, got 3; \
             Limit: 31 is out of range [0, 30]"
        );
    }

    #[test]
    fn passes_valid_values() {
        let outer = Outer {
            items: vec![Inner { name: "abc".into() }],
            tags: vec!["ab".into()],
            limit: 0,
        };
        assert!(Validator::check(&outer, true).is_ok());
    }
}
