//! From what a person types to a request body: flag values (typed by the spec), JSON input
//! (`--cli-input-json`), their merge, the checks against the table of actions (unknown fields,
//! types, enum values, required fields), and request skeletons (`--generate-cli-skeleton`).
//!
//! Values of enums are matched without regard to case and sent as the spec spells them. A flag
//! of an owner-like struct (`Entity`) also takes `TYPE:ID` (`--owner PERSON:user_001`). A list
//! flag can be repeated, and each value may also be a JSON array. A struct flag takes a JSON
//! object. Every problem names the flag (and, inside JSON, the path).

use std::ffi::OsStr;
use std::io::Read;

use clap::builder::{PossibleValue, TypedValueParser};
use serde_json::{Map, Value};

use crate::error::Failure;
use crate::spec::{self, ActionSpec, FieldSpec, Type};

/// The wire value of `text` in enum `name`, matched without regard to case.
fn enum_value(name: &str, text: &str) -> Result<&'static str, String> {
    let Some(spec) = spec::enumeration(name) else {
        return Err(format!("unknown enum {name}"));
    };
    spec.values
        .iter()
        .find(|v| v.value.eq_ignore_ascii_case(text))
        .map(|v| v.value)
        .ok_or_else(|| {
            let all: Vec<&str> = spec.values.iter().map(|v| v.value).collect();
            format!("{text:?} is not one of {}", all.join(", "))
        })
}

fn got(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(40).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// Checks `value` against `ty` and returns it with enum values spelled as the spec does.
/// Errors start with the path (`Owner.Type: …`) when it is not empty.
pub fn check_value(ty: &Type, value: &Value, path: &str) -> Result<Value, String> {
    let at = |message: String| {
        if path.is_empty() {
            message
        } else {
            format!("{path}: {message}")
        }
    };
    let ok = match (ty, value) {
        (Type::String, Value::String(_)) | (Type::Bool, Value::Bool(_)) => true,
        (Type::Integer, Value::Number(n)) => n.is_i64(),
        (Type::Float, Value::Number(_)) => true,
        (Type::Enum(name), Value::String(text)) => {
            return enum_value(name, text)
                .map(|v| Value::String(v.to_owned()))
                .map_err(at)
        }
        (Type::List(inner), Value::Array(items)) => {
            return items
                .iter()
                .enumerate()
                .map(|(i, item)| check_value(inner, item, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        (Type::Struct(name), Value::Object(object)) => {
            let Some(s) = spec::structure(name) else {
                return Err(at(format!("unknown struct {name}")));
            };
            let prefix = if path.is_empty() {
                String::new()
            } else {
                format!("{path}.")
            };
            return check_object(s.fields, object, &prefix).map(Value::Object);
        }
        _ => false,
    };
    if ok {
        Ok(value.clone())
    } else {
        Err(at(format!(
            "expected {}, got {}",
            ty.describe(),
            got(value)
        )))
    }
}

/// Checks a JSON object against `fields`: no unknown key, every required field present (but
/// those the client fills), each value of its type; `null` leaves an optional field unset.
fn check_object(
    fields: &[FieldSpec],
    object: &Map<String, Value>,
    prefix: &str,
) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for (key, value) in object {
        let Some(field) = fields.iter().find(|f| f.wire == key) else {
            let known: Vec<&str> = fields.iter().map(|f| f.wire).collect();
            return Err(format!(
                "{prefix}{key}: unknown field (known: {})",
                known.join(", ")
            ));
        };
        if value.is_null() && (!field.required || field.from_client) {
            continue;
        }
        out.insert(
            key.clone(),
            check_value(&field.ty, value, &format!("{prefix}{key}"))?,
        );
    }
    for field in fields.iter().filter(|f| f.required && !f.from_client) {
        if !out.contains_key(field.wire) {
            return Err(format!("{prefix}{}: required field is missing", field.wire));
        }
    }
    Ok(out)
}

/// Checks a whole request body; the error names the flag of the top-level field
/// (`ClassId (--class-id): expected integer, got "nine"`).
pub fn check_body(action: &ActionSpec, body: &Value) -> Result<Value, Failure> {
    let Value::Object(object) = body else {
        return Err(Failure::usage(format!(
            "the request of {} must be a JSON object, got {}",
            action.name,
            got(body)
        )));
    };
    check_object(action.fields, object, "")
        .map(Value::Object)
        .map_err(|message| Failure::usage(with_flag(action, &message)))
}

/// `message` (which starts with a field path) with the flag of its top-level field named.
pub fn with_flag(action: &ActionSpec, message: &str) -> String {
    let top = message
        .split(['.', '[', ':'])
        .next()
        .unwrap_or_default()
        .trim();
    match action.field(top) {
        Some(field) => message.replacen(top, &format!("{top} (--{})", field.flag), 1),
        None => message.to_owned(),
    }
}

/// Parses the text of one flag value of type `ty` (for a list: one item, or a JSON array).
pub fn parse_flag(ty: &Type, text: &str) -> Result<Value, String> {
    let json =
        |text: &str| serde_json::from_str::<Value>(text).map_err(|e| format!("invalid JSON: {e}"));
    let value = match ty {
        Type::String => Value::String(text.to_owned()),
        Type::Integer => text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("expected an integer, got {text:?}"))?,
        Type::Float => match text.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Value::from(n),
            _ => return Err(format!("expected a number, got {text:?}")),
        },
        Type::Bool => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(format!("expected true or false, got {text:?}")),
        },
        Type::Enum(name) => Value::String(enum_value(name, text.trim())?.to_owned()),
        Type::Struct(name) => match entity(name, text)? {
            Some(value) => value,
            None => json(text)?,
        },
        Type::List(inner) => {
            if text.trim_start().starts_with('[') {
                json(text)?
            } else {
                Value::Array(vec![parse_flag(inner, text)?])
            }
        }
    };
    check_value(ty, &value, "")
}

/// `TYPE:ID` as an owner-like struct (`{"Type": "PERSON", "Id": "user_001"}`), when `name`
/// is one and `text` is not JSON.
fn entity(name: &str, text: &str) -> Result<Option<Value>, String> {
    let Some(s) = spec::structure(name).filter(|s| s.is_entity()) else {
        return Ok(None);
    };
    if text.trim_start().starts_with('{') {
        return Ok(None);
    }
    let (Some((kind, id)), Type::Enum(kinds)) = (text.split_once(':'), s.fields[0].ty) else {
        return Err(format!(
            "expected TYPE:ID (e.g. PERSON:user_001) or a JSON object, got {text:?}"
        ));
    };
    let kind = enum_value(kinds, kind.trim())?;
    Ok(Some(serde_json::json!({ "Type": kind, "Id": id })))
}

/// The value parser of a flag of type `ty`: typed by the spec, with the values of an enum
/// listed in help and completions.
#[derive(Debug, Clone, Copy)]
pub struct FlagValue(pub &'static Type);

impl TypedValueParser for FlagValue {
    type Value = Value;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Value, clap::Error> {
        let fail = |why: String| {
            let flag = arg.map_or_else(|| "...".to_owned(), ToString::to_string);
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("invalid value for '{flag}': {why}\n"),
            )
            .with_cmd(cmd)
        };
        let text = value
            .to_str()
            .ok_or_else(|| fail("not valid UTF-8".into()))?;
        parse_flag(self.0, text).map_err(fail)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        let ty = match self.0 {
            Type::List(inner) => inner,
            ty => ty,
        };
        let Type::Enum(name) = ty else { return None };
        let values = spec::enumeration(name)?.values.iter();
        Some(Box::new(
            values.map(|v| PossibleValue::new(v.value).help(v.doc.en)),
        ))
    }
}

/// The JSON of `--cli-input-json`: `file://PATH`, `-` (standard input) or the JSON itself.
pub fn read_input_json(source: &str) -> Result<Value, Failure> {
    read_json("--cli-input-json", source)
}

/// The JSON object a `flag` gives: `file://PATH`, `-` (standard input) or the JSON itself.
pub fn read_json(flag: &str, source: &str) -> Result<Value, Failure> {
    let (text, from) = if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::io(format!("reading {flag} from standard input"), e))?;
        (text, "standard input".to_owned())
    } else if let Some(path) = source.strip_prefix("file://") {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::io(format!("reading {flag} {path}"), e))?;
        (text, path.to_owned())
    } else if source.trim_start().starts_with(['{', '[']) {
        (source.to_owned(), "the command line".to_owned())
    } else {
        return Err(Failure::usage(format!(
            "{flag} takes file://PATH, - (standard input) or a JSON object, got {source:?}"
        )));
    };
    serde_json::from_str(&text)
        .map_err(|e| Failure::usage(format!("{flag} ({from}) is not valid JSON: {e}")))
}

/// A template of `ty` for skeletons: typed placeholders (the documented default or minimum of a
/// number, an enum's first value), one item per list, every field of a struct.
fn skeleton_value(ty: &Type, field: Option<&FieldSpec>, depth: usize) -> Value {
    let documented = field
        .and_then(|f| f.default)
        .and_then(|d| serde_json::from_str(d).ok());
    if let Some(default) = documented {
        return default;
    }
    match ty {
        Type::String => Value::String(String::new()),
        Type::Integer => {
            let min = field.and_then(|f| f.constraints.min).unwrap_or(0.0);
            Value::from(min as i64)
        }
        Type::Float => Value::from(field.and_then(|f| f.constraints.min).unwrap_or(0.0)),
        Type::Bool => Value::Bool(false),
        Type::Enum(name) => spec::enumeration(name)
            .and_then(|e| e.values.first())
            .map_or(Value::Null, |v| Value::String(v.value.to_owned())),
        Type::List(inner) => Value::Array(vec![skeleton_value(inner, None, depth)]),
        Type::Struct(name) => match spec::structure(name) {
            // A recursive struct stops after a few levels.
            Some(s) if depth < 4 => Value::Object(skeleton_fields(s.fields, depth + 1)),
            _ => Value::Object(Map::new()),
        },
    }
}

fn skeleton_fields(fields: &[FieldSpec], depth: usize) -> Map<String, Value> {
    fields
        .iter()
        .map(|f| {
            // `null` leaves a field the client fills to the client.
            let value = if f.from_client {
                Value::Null
            } else {
                skeleton_value(&f.ty, Some(f), depth)
            };
            (f.wire.to_owned(), value)
        })
        .collect()
}

/// The request template of `action` (`--generate-cli-skeleton`): every field, with typed
/// placeholders; `null` for the fields the client fills (the platform, a signature).
pub fn skeleton(action: &ActionSpec) -> Value {
    Value::Object(skeleton_fields(action.fields, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn action(class: &str, name: &str) -> &'static ActionSpec {
        spec::class(class).unwrap().action(name).unwrap()
    }

    #[test]
    fn flag_values_are_typed() {
        assert_eq!(parse_flag(&Type::Integer, "9"), Ok(json!(9)));
        assert_eq!(
            parse_flag(&Type::Integer, "nine"),
            Err("expected an integer, got \"nine\"".into())
        );
        assert_eq!(parse_flag(&Type::Float, "1.5"), Ok(json!(1.5)));
        assert!(parse_flag(&Type::Float, "NaN").is_err());
        assert_eq!(parse_flag(&Type::Bool, "TRUE"), Ok(json!(true)));
        assert_eq!(
            parse_flag(&Type::Enum("MaterialType"), "video"),
            Ok(json!("VIDEO"))
        );
        let err = parse_flag(&Type::Enum("MaterialType"), "movie").unwrap_err();
        assert!(err.starts_with("\"movie\" is not one of VIDEO, "), "{err}");
    }

    #[test]
    fn owners_lists_and_json() {
        let entity = Type::Struct("Entity");
        assert_eq!(
            parse_flag(&entity, "person:user_001"),
            Ok(json!({"Type": "PERSON", "Id": "user_001"}))
        );
        assert_eq!(
            parse_flag(&entity, r#"{"Type":"TEAM","Id":"t1"}"#),
            Ok(json!({"Type": "TEAM", "Id": "t1"}))
        );
        assert!(parse_flag(&entity, "user_001")
            .unwrap_err()
            .contains("TYPE:ID"));
        assert_eq!(
            parse_flag(&entity, r#"{"Type":"TEAM"}"#),
            Err("Id: required field is missing".into())
        );
        let list = Type::List(&Type::Enum("MaterialType"));
        assert_eq!(parse_flag(&list, "audio"), Ok(json!(["AUDIO"])));
        assert_eq!(
            parse_flag(&list, r#"["audio","Video"]"#),
            Ok(json!(["AUDIO", "VIDEO"]))
        );
        assert!(parse_flag(&list, r#"["audio", 1]"#)
            .unwrap_err()
            .starts_with("[1]: "));
        let sort = Type::Struct("SortBy");
        assert_eq!(
            parse_flag(&sort, r#"{"Field":"CreateTime","Sortt":"Asc"}"#),
            Err("Sortt: unknown field (known: Field, Order)".into())
        );
        assert!(parse_flag(&sort, "{oops")
            .unwrap_err()
            .starts_with("invalid JSON"));
    }

    #[test]
    fn bodies_are_checked_naming_the_flag() {
        let list = action("material", "list-media");
        let body = json!({"ClassId": 9, "Owner": {"Type": "person", "Id": "u"}, "Limit": null});
        assert_eq!(
            check_body(list, &body).unwrap(),
            json!({"ClassId": 9, "Owner": {"Type": "PERSON", "Id": "u"}})
        );
        let err = check_body(
            list,
            &json!({"ClassId": "nine", "Owner": {"Type": "PERSON", "Id": "u"}}),
        );
        assert_eq!(
            err.unwrap_err().to_string(),
            "ClassId (--class-id): expected integer, got \"nine\""
        );
        let err = check_body(
            list,
            &json!({"ClassId": 9, "Owner": {"Type": "ROBOT", "Id": "u"}}),
        );
        assert!(err
            .unwrap_err()
            .to_string()
            .starts_with("Owner (--owner).Type: \"ROBOT\" is not one of PERSON"));
        let err = check_body(list, &json!({"ClassId": 9}));
        assert_eq!(
            err.unwrap_err().to_string(),
            "Owner (--owner): required field is missing"
        );
        let err = check_body(list, &json!({"ClassId": 9, "Bogus": 1}));
        assert!(err
            .unwrap_err()
            .to_string()
            .starts_with("Bogus: unknown field (known: Platform, ClassId"));
        assert!(check_body(list, &json!([])).is_err());
    }

    #[test]
    fn skeletons_have_every_field_and_pass_the_checks() {
        let list = action("material", "list-media");
        assert_eq!(
            skeleton(list),
            json!({"Platform": null, "ClassId": 0, "Owner": {"Type": "PERSON", "Id": ""}, "Offset": 0, "Limit": 20})
        );
        for action in spec::classes().iter().flat_map(|c| c.actions) {
            let template = skeleton(action);
            let keys: Vec<&str> = template
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let wires: Vec<&str> = action.fields.iter().map(|f| f.wire).collect();
            assert_eq!(keys.len(), wires.len(), "{}", action.name);
            check_body(action, &template).unwrap_or_else(|e| panic!("{}: {e}", action.name));
        }
    }

    #[test]
    fn input_json_sources() {
        assert_eq!(read_input_json(r#"{"A": 1}"#).unwrap(), json!({"A": 1}));
        assert_eq!(read_input_json("req.json").unwrap_err().exit_code(), 2);
        assert_eq!(read_input_json("{oops").unwrap_err().exit_code(), 2);
        let missing = read_input_json("file:///nonexistent/cme/req.json").unwrap_err();
        assert_eq!(missing.exit_code(), 6);
        assert!(missing.to_string().contains("/nonexistent/cme/req.json"));
    }
}
