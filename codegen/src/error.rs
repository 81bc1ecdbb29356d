//! Spec errors that say where: the file, the action (or struct, enum, code) and the field.

use std::fmt;

/// Where in the spec a problem is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The spec file, relative to the spec directory.
    pub file: String,
    /// The action, struct, enum or error code, as `action ListMedia`, `struct Entity`, ...
    pub item: Option<String>,
    /// The field (or enum value, or example), when the problem is inside one.
    pub field: Option<String>,
}

impl Location {
    /// The location of a whole file.
    pub fn file(file: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            ..Self::default()
        }
    }

    /// The same file, inside `item` (e.g. `action ListMedia`).
    pub fn item(&self, item: impl Into<String>) -> Self {
        Self {
            file: self.file.clone(),
            item: Some(item.into()),
            field: None,
        }
    }

    /// The same item, at `field` (e.g. `field Limit`).
    pub fn field(&self, field: impl Into<String>) -> Self {
        Self {
            file: self.file.clone(),
            item: self.item.clone(),
            field: Some(field.into()),
        }
    }

    /// A problem at this location.
    pub fn error(&self, message: impl Into<String>) -> SpecError {
        SpecError {
            location: self.clone(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(item) = &self.item {
            write!(f, ": {item}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        Ok(())
    }
}

/// One problem in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// Where it is.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Every problem found in a spec; generation writes nothing while there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}
