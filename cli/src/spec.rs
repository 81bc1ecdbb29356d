//! The types of the table of actions that the codegen writes (`generated/actions.rs`): a
//! static, data-only description of every ActionClass, action and request field, and per
//! action its typed entry point into [`crate::dispatch`]. The command tree, the flags, the
//! request skeletons and the input checks are all built from it at run time.

use crate::dispatch::{Prepared, RequestError};
use crate::generated::actions::{CLASSES, ENUMS, STRUCTS};

/// English text and, where the spec has it, Chinese text.
#[derive(Debug, Clone, Copy)]
pub struct Text {
    /// English.
    pub en: &'static str,
    /// Chinese.
    pub zh: Option<&'static str>,
}

impl Text {
    /// The English text, then the Chinese one on the next line.
    pub fn bilingual(&self) -> String {
        match self.zh {
            Some(zh) => format!("{}\n{zh}", self.en),
            None => self.en.to_owned(),
        }
    }
}

/// An ActionClass: `cme <command>`.
#[derive(Debug)]
pub struct ClassSpec {
    /// The ActionClass, e.g. `Material`.
    pub name: &'static str,
    /// Its command, e.g. `material`.
    pub command: &'static str,
    /// What it is about.
    pub doc: Text,
    /// Its actions, in spec order.
    pub actions: &'static [ActionSpec],
}

impl ClassSpec {
    /// The action whose command (`list-media`) or ActionName (`ListMedia`) is `name`.
    pub fn action(&self, name: &str) -> Option<&'static ActionSpec> {
        self.actions
            .iter()
            .find(|a| a.command == name || a.name == name)
    }
}

/// Checks a request body given as JSON and makes it a typed request, ready to send: the
/// generated `crate::dispatch::single::<R>` or `paged::<R>` of the action's request type.
pub type Prepare = fn(serde_json::Value) -> Result<Box<dyn Prepared>, RequestError>;

/// One action: `cme <class> <command>`.
#[derive(Debug)]
pub struct ActionSpec {
    /// The ActionName, e.g. `ListMedia`.
    pub name: &'static str,
    /// Its command, e.g. `list-media`.
    pub command: &'static str,
    /// What it does.
    pub doc: Text,
    /// Its page in the official docs.
    pub doc_url: Option<&'static str>,
    /// Whether sending it twice is harmless (the SDK retries it after a lost reply).
    pub idempotent: bool,
    /// How it pages, for list actions (which get `--all`).
    pub paging: Option<Paging>,
    /// Its request fields, in spec order.
    pub fields: &'static [FieldSpec],
    /// Its typed entry point.
    pub prepare: Prepare,
}

impl ActionSpec {
    /// The request field with wire name `wire`.
    pub fn field(&self, wire: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.wire == wire)
    }
}

/// How a list action pages: request and `Data` field names.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    /// The request field with the offset.
    pub offset: &'static str,
    /// The request field with the page size.
    pub limit: &'static str,
    /// The `Data` field with the total count.
    pub total: &'static str,
    /// The `Data` list with the items of a page.
    pub items: &'static str,
}

/// A field of a request or of a struct requests hold.
#[derive(Debug)]
pub struct FieldSpec {
    /// The wire name, e.g. `ClassId`.
    pub wire: &'static str,
    /// The flag, without dashes, e.g. `class-id`.
    pub flag: &'static str,
    /// Its type.
    pub ty: Type,
    /// Whether the service requires it.
    pub required: bool,
    /// Whether the client fills it when it is left out (the platform, an upload signature).
    pub from_client: bool,
    /// Whether it holds a secret (a signature).
    pub sensitive: bool,
    /// Whether it is an ISO 8601 date and time.
    pub date_time: bool,
    /// The service's default, as JSON text.
    pub default: Option<&'static str>,
    /// The constraints the docs state.
    pub constraints: Constraints,
    /// What it is.
    pub doc: Text,
}

/// A field type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// Text.
    String,
    /// A 64-bit integer.
    Integer,
    /// A number.
    Float,
    /// `true` or `false`.
    Bool,
    /// A value of the named enum (see [`enumeration`]).
    Enum(&'static str),
    /// A JSON object with the fields of the named struct (see [`structure`]).
    Struct(&'static str),
    /// A list.
    List(&'static Type),
}

impl Type {
    /// The type in words, for help texts: `integer`, `list of string`, `Entity (JSON object)`.
    pub fn describe(&self) -> String {
        match self {
            Type::String => "string".into(),
            Type::Integer => "integer".into(),
            Type::Float => "number".into(),
            Type::Bool => "boolean".into(),
            Type::Enum(name) => format!("{name} (enum)"),
            Type::Struct(name) => format!("{name} (JSON object)"),
            Type::List(inner) => format!("list of {}", inner.describe()),
        }
    }
}

/// The constraints the docs state for a field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constraints {
    /// Max characters of a string (or of each string of a list).
    pub max_length: Option<u64>,
    /// Max items of a list.
    pub max_items: Option<u64>,
    /// Lower bound of a number.
    pub min: Option<f64>,
    /// Upper bound of a number.
    pub max: Option<f64>,
    /// The only integers allowed (empty: any).
    pub allowed: &'static [i64],
}

impl Constraints {
    /// No constraint.
    pub const NONE: Constraints = Constraints {
        max_length: None,
        max_items: None,
        min: None,
        max: None,
        allowed: &[],
    };

    /// The constraints in words (`at most 30 items; 0 to 30`), empty when there are none.
    pub fn describe(&self) -> String {
        let mut out = Vec::new();
        if let Some(n) = self.max_items {
            out.push(format!("at most {n} items"));
        }
        if let Some(n) = self.max_length {
            out.push(format!("at most {n} characters"));
        }
        match (self.min, self.max) {
            (Some(lo), Some(hi)) => out.push(format!("{lo} to {hi}")),
            (Some(lo), None) => out.push(format!("at least {lo}")),
            (None, Some(hi)) => out.push(format!("at most {hi}")),
            (None, None) => {}
        }
        if !self.allowed.is_empty() {
            let allowed: Vec<String> = self.allowed.iter().map(i64::to_string).collect();
            out.push(format!("one of {}", allowed.join(", ")));
        }
        out.join("; ")
    }
}

/// A struct requests hold.
#[derive(Debug)]
pub struct StructSpec {
    /// Its name, e.g. `Entity`.
    pub name: &'static str,
    /// What it is.
    pub doc: Text,
    /// Its fields, in spec order.
    pub fields: &'static [FieldSpec],
}

impl StructSpec {
    /// Whether it names an owner (`Type` an enum, `Id` a string, nothing else), which flags
    /// also take as `TYPE:ID` (`PERSON:user_001`).
    pub fn is_entity(&self) -> bool {
        matches!(
            self.fields,
            [a, b] if a.wire == "Type" && matches!(a.ty, Type::Enum(_)) && b.wire == "Id" && b.ty == Type::String
        )
    }
}

/// A string enum requests hold.
#[derive(Debug)]
pub struct EnumSpec {
    /// Its name, e.g. `MaterialType`.
    pub name: &'static str,
    /// What it is.
    pub doc: Text,
    /// Its values, in spec order.
    pub values: &'static [EnumValue],
}

/// A value of an enum.
#[derive(Debug)]
pub struct EnumValue {
    /// The value as sent.
    pub value: &'static str,
    /// What it means.
    pub doc: Text,
}

/// The ActionClass whose command (`material`) or name (`Material`) is `name`.
pub fn class(name: &str) -> Option<&'static ClassSpec> {
    CLASSES.iter().find(|c| c.command == name || c.name == name)
}

/// Every ActionClass.
pub fn classes() -> &'static [ClassSpec] {
    CLASSES
}

/// The struct named `name`.
pub fn structure(name: &str) -> Option<&'static StructSpec> {
    STRUCTS.iter().find(|s| s.name == name)
}

/// The enum named `name`.
pub fn enumeration(name: &str) -> Option<&'static EnumSpec> {
    ENUMS.iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_every_class_and_finds_by_either_name() {
        let names: Vec<_> = classes().iter().map(|c| c.command).collect();
        assert_eq!(names, ["material", "project", "task", "team"]);
        let material = class("Material").unwrap();
        assert!(std::ptr::eq(material, class("material").unwrap()));
        let list = material.action("list-media").unwrap();
        assert_eq!(list.name, "ListMedia");
        assert!(std::ptr::eq(list, material.action("ListMedia").unwrap()));
        assert!(list.paging.is_some());
        assert_eq!(list.field("ClassId").unwrap().flag, "class-id");
        assert!(class("nope").is_none() && material.action("nope").is_none());
    }

    #[test]
    fn every_named_type_is_in_the_table() {
        fn check(ty: &Type) {
            match ty {
                Type::Enum(name) => assert!(enumeration(name).is_some(), "{name}"),
                Type::Struct(name) => {
                    let s = structure(name).unwrap_or_else(|| panic!("{name}"));
                    s.fields.iter().for_each(|f| check(&f.ty));
                }
                Type::List(inner) => check(inner),
                _ => {}
            }
        }
        for action in classes().iter().flat_map(|c| c.actions) {
            action.fields.iter().for_each(|f| check(&f.ty));
        }
        assert!(structure("Entity").unwrap().is_entity());
        assert!(!structure("SortBy").unwrap().is_entity());
    }

    #[test]
    fn types_and_constraints_in_words() {
        assert_eq!(
            Type::List(&Type::Struct("SearchScope")).describe(),
            "list of SearchScope (JSON object)"
        );
        let c = Constraints {
            max_items: Some(30),
            min: Some(0.0),
            max: Some(30.0),
            ..Constraints::NONE
        };
        assert_eq!(c.describe(), "at most 30 items; 0 to 30");
        assert_eq!(Constraints::NONE.describe(), "");
    }
}
