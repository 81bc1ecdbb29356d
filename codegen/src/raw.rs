//! The spec files as written: YAML read into plain structs, one item at a time, so that an
//! error names the item and the field it is in.

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_yaml::Value;

use crate::error::{Location, SpecError};

/// English and optional Chinese text. A bare string is English only.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum RawDoc {
    /// English only.
    Text(String),
    /// Both languages.
    Both {
        /// English.
        #[serde(rename = "En")]
        en: String,
        /// Chinese.
        #[serde(rename = "Zh", default)]
        zh: Option<String>,
    },
}

/// A field of a request, a `Data` or a struct.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct RawField {
    pub name: String,
    #[serde(rename = "Type")]
    pub ty: String,
    #[serde(default)]
    pub required: bool,
    pub doc: RawDoc,
    pub rust_name: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub sensitive: bool,
    pub default: Option<Value>,
    pub max_length: Option<u64>,
    pub max_items: Option<u64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub allowed: Option<Vec<i64>>,
    pub from_client: Option<RawFromClient>,
    pub format: Option<RawFormat>,
    /// Not in the docs: where the field was seen (real clients' code).
    pub undocumented: Option<String>,
}

/// A request value the client supplies when the caller leaves it unset.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub enum RawFromClient {
    /// The client's platform.
    Platform,
    /// A signature with action `Upload` from the client's signature source.
    UploadSignature,
}

/// The format of a string field's text.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub enum RawFormat {
    /// An ISO 8601 date and time with an offset (`2020-12-18T15:03:47+08:00`).
    DateTime,
}

/// A shared struct of `common.yaml`.
#[derive(Debug, Clone)]
pub struct RawStruct {
    pub name: String,
    pub doc: RawDoc,
    pub fields: Vec<RawField>,
}

/// A value of a string enum.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct RawEnumValue {
    pub value: String,
    pub variant: Option<String>,
    pub doc: RawDoc,
}

/// A string enum of `common.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct RawEnum {
    pub name: String,
    pub doc: RawDoc,
    pub values: Vec<RawEnumValue>,
}

/// How a code may be retried.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
pub enum RawRetry {
    /// Never retried.
    #[default]
    Never,
    /// Retried for idempotent actions.
    IfIdempotent,
    /// Always retried.
    Always,
}

/// A row of the error-code table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct RawErrorCode {
    pub code: String,
    /// The documented Chinese `Message`; absent where the docs give none.
    #[serde(default)]
    pub message: Option<String>,
    /// The documented `EnglishMessage`; absent where the docs give none.
    #[serde(default)]
    pub english_message: Option<String>,
    pub doc: RawDoc,
    #[serde(default)]
    pub retry: RawRetry,
    #[serde(default)]
    pub ticket_invalid: bool,
    #[serde(default)]
    pub not_executed: bool,
    /// What the code means for a caller; derived from the code's class when absent.
    pub category: Option<RawCategory>,
}

/// What an error code means for a caller.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub enum RawCategory {
    /// The resource does not exist.
    NotFound,
    /// The user may not do this.
    PermissionDenied,
    /// The request is malformed or a value is wrong.
    InvalidParameter,
    /// Rate limited.
    Throttled,
    /// Authentication: the signature, the ticket, the key.
    Auth,
    /// The service failed.
    Internal,
    /// Anything else.
    Other,
}

/// The service endpoints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct RawEndpoints {
    pub login: String,
    pub api: String,
}

/// `common.yaml`.
#[derive(Debug, Clone)]
pub struct RawCommon {
    pub endpoints: Option<RawEndpoints>,
    pub structs: Vec<RawStruct>,
    pub enums: Vec<RawEnum>,
    pub codes: Vec<RawErrorCode>,
}

/// How a list action pages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct RawPagination {
    pub offset: String,
    pub limit: String,
    pub total: String,
    pub items: String,
}

/// A documented request/reply pair.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct RawExample {
    pub name: String,
    pub request: Option<Value>,
    pub reply: Option<Value>,
}

/// One action.
#[derive(Debug, Clone)]
pub struct RawAction {
    pub name: String,
    pub doc: RawDoc,
    pub doc_url: Option<String>,
    pub idempotent: bool,
    pub pagination: Option<RawPagination>,
    pub request: Vec<RawField>,
    pub data: Vec<RawField>,
    pub errors: Vec<String>,
    pub examples: Vec<RawExample>,
    pub hand_written_decoder: bool,
}

/// An `<ActionClass>.yaml` file.
#[derive(Debug, Clone)]
pub struct RawClass {
    pub file: String,
    pub name: String,
    pub doc: RawDoc,
    pub actions: Vec<RawAction>,
}

/// Every file of a spec directory.
#[derive(Debug, Clone)]
pub struct RawSpec {
    pub common: RawCommon,
    pub classes: Vec<RawClass>,
    /// `(file name, contents)` of every file read, sorted by name (for the spec hash).
    pub sources: Vec<(String, String)>,
}

/// The spec's top-level keys of an action, parsed before its fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct ActionShell {
    name: String,
    doc: RawDoc,
    #[serde(rename = "DocUrl")]
    doc_url: Option<String>,
    idempotent: bool,
    pagination: Option<Value>,
    #[serde(default)]
    request: Vec<Value>,
    #[serde(default)]
    data: Vec<Value>,
    #[serde(default)]
    errors: Vec<String>,
    #[serde(default)]
    examples: Vec<Value>,
    #[serde(default)]
    hand_written_decoder: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct StructShell {
    name: String,
    doc: RawDoc,
    fields: Vec<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct CommonShell {
    endpoints: Option<Value>,
    #[serde(default)]
    structs: Vec<Value>,
    #[serde(default)]
    enums: Vec<Value>,
    #[serde(default)]
    error_codes: Vec<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct ClassShell {
    action_class: String,
    doc: RawDoc,
    #[serde(default)]
    actions: Vec<Value>,
}

/// Parses `value` as `T`, or records an error at `at`.
fn parse<T: DeserializeOwned>(
    value: Value,
    at: &Location,
    errors: &mut Vec<SpecError>,
) -> Option<T> {
    match serde_yaml::from_value(value) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(at.error(e.to_string()));
            None
        }
    }
}

/// The `Name` of a mapping, to name it in errors before it is parsed.
fn name_of(value: &Value) -> Option<&str> {
    value.get("Name").and_then(Value::as_str)
}

fn parse_fields(values: Vec<Value>, at: &Location, errors: &mut Vec<SpecError>) -> Vec<RawField> {
    values
        .into_iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let label = match name_of(&v) {
                Some(name) => format!("field {name}"),
                None => format!("field #{}", i + 1),
            };
            parse(v, &at.field(label), errors)
        })
        .collect()
}

fn parse_common(value: Value, at: &Location, errors: &mut Vec<SpecError>) -> RawCommon {
    let mut common = RawCommon {
        endpoints: None,
        structs: Vec::new(),
        enums: Vec::new(),
        codes: Vec::new(),
    };
    let Some(shell) = parse::<CommonShell>(value, at, errors) else {
        return common;
    };
    common.endpoints = shell
        .endpoints
        .and_then(|v| parse(v, &at.item("Endpoints"), errors));
    for (i, v) in shell.structs.into_iter().enumerate() {
        let item = at.item(match name_of(&v) {
            Some(name) => format!("struct {name}"),
            None => format!("struct #{}", i + 1),
        });
        if let Some(s) = parse::<StructShell>(v, &item, errors) {
            let item = at.item(format!("struct {}", s.name));
            common.structs.push(RawStruct {
                fields: parse_fields(s.fields, &item, errors),
                name: s.name,
                doc: s.doc,
            });
        }
    }
    for (i, v) in shell.enums.into_iter().enumerate() {
        let item = at.item(match name_of(&v) {
            Some(name) => format!("enum {name}"),
            None => format!("enum #{}", i + 1),
        });
        common.enums.extend(parse::<RawEnum>(v, &item, errors));
    }
    for (i, v) in shell.error_codes.into_iter().enumerate() {
        let item = at.item(match v.get("Code").and_then(Value::as_str) {
            Some(code) => format!("error code {code}"),
            None => format!("error code #{}", i + 1),
        });
        common.codes.extend(parse::<RawErrorCode>(v, &item, errors));
    }
    common
}

fn parse_class(file: &str, value: Value, errors: &mut Vec<SpecError>) -> Option<RawClass> {
    let at = Location::file(file);
    let shell = parse::<ClassShell>(value, &at, errors)?;
    let mut actions = Vec::new();
    for (i, v) in shell.actions.into_iter().enumerate() {
        let item = at.item(match name_of(&v) {
            Some(name) => format!("action {name}"),
            None => format!("action #{}", i + 1),
        });
        let Some(a) = parse::<ActionShell>(v, &item, errors) else {
            continue;
        };
        let item = at.item(format!("action {}", a.name));
        let examples = a
            .examples
            .into_iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let label = match name_of(&v) {
                    Some(name) => format!("example {name:?}"),
                    None => format!("example #{}", i + 1),
                };
                parse(v, &item.field(label), errors)
            })
            .collect();
        actions.push(RawAction {
            pagination: a
                .pagination
                .and_then(|v| parse(v, &item.field("Pagination"), errors)),
            request: parse_fields(a.request, &item, errors),
            data: parse_fields(a.data, &item, errors),
            name: a.name,
            doc: a.doc,
            doc_url: a.doc_url,
            idempotent: a.idempotent,
            errors: a.errors,
            examples,
            hand_written_decoder: a.hand_written_decoder,
        });
    }
    Some(RawClass {
        file: file.to_owned(),
        name: shell.action_class,
        doc: shell.doc,
        actions,
    })
}

/// The name of the shared-definitions file.
pub const COMMON_FILE: &str = "common.yaml";

/// Reads every `*.yaml` file of `dir`. Syntax and shape errors are all collected.
pub fn read_dir(dir: &Path) -> Result<RawSpec, Vec<SpecError>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        vec![Location::file(dir.display().to_string())
            .error(format!("cannot read the spec directory: {e}"))]
    })?;
    let mut files = BTreeMap::new();
    let mut errors = Vec::new();
    for entry in entries {
        let path = match entry {
            Ok(entry) => entry.path(),
            Err(e) => {
                errors.push(Location::file(dir.display().to_string()).error(e.to_string()));
                continue;
            }
        };
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                files.insert(name, text);
            }
            Err(e) => errors.push(Location::file(name).error(format!("cannot read: {e}"))),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    parse_sources(files.into_iter().collect())
}

/// Parses spec files given as `(file name, contents)`, in any order.
pub fn parse_sources(mut sources: Vec<(String, String)>) -> Result<RawSpec, Vec<SpecError>> {
    // Sorted by name, so that the spec hash (and so the output) does not depend on the order
    // the files were listed in.
    sources.sort();
    let mut errors = Vec::new();
    let mut common = None;
    let mut classes = Vec::new();
    for (name, text) in &sources {
        let at = Location::file(name.clone());
        let value: Value = match serde_yaml::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                errors.push(at.error(format!("invalid YAML: {e}")));
                continue;
            }
        };
        if name == COMMON_FILE {
            common = Some(parse_common(value, &at, &mut errors));
        } else {
            classes.extend(parse_class(name, value, &mut errors));
        }
    }
    let common = match common {
        Some(c) => c,
        None => {
            // When common.yaml exists but is not valid YAML, that error is already reported.
            if !sources.iter().any(|(name, _)| name == COMMON_FILE) {
                errors.push(
                    Location::file(COMMON_FILE).error("missing: the spec needs a common.yaml"),
                );
            }
            return Err(errors);
        }
    };
    if errors.is_empty() {
        Ok(RawSpec {
            common,
            classes,
            sources,
        })
    } else {
        Err(errors)
    }
}
