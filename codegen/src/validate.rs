//! Checks a raw spec and builds the model; every problem is reported with its location.

use std::collections::BTreeSet;

use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::error::{Location, SpecError};
use crate::model::*;
use crate::naming::{is_identifier, kebab_case, pascal_case, snake_case};
use crate::raw::*;

/// Names a class's module (`sdk::<class>`), cargo feature and `Client` accessor cannot take:
/// the SDK's own modules and features, and `Client`'s hand-written methods.
const RESERVED_CLASS_MODULES: &[&str] = &[
    "action",
    "api_endpoint",
    "builder",
    "codes",
    "de",
    "execute",
    "execute_with",
    "generated",
    "login",
    "login_endpoint",
    "raw",
    "serde",
    "server",
    "mock",
    "test_util",
    "time",
    "signer",
    "types",
    "validate",
    "wire",
    "current_ticket",
    "default",
];

/// The commands of `cme` (the `cme-cli` crate) that are not ActionClasses: a class's command
/// (`cme material`) cannot take one of these names.
pub const CLI_COMMANDS: &[&str] = &[
    "completions",
    "configure",
    "emulator",
    "help",
    "login",
    "logout",
    "raw",
    "sign",
    "upload",
    "whoami",
];

/// The flags `cme` has on every command or every action command: the flag of a request field
/// (its wire name in kebab case) cannot take one of these names.
pub const CLI_FLAGS: &[&str] = &[
    "all",
    "cli-input-json",
    "cli-timeout",
    "debug",
    "endpoint",
    "generate-cli-skeleton",
    "help",
    "output",
    "profile",
    "query",
    "quiet",
    "user",
];

/// Marks the fields that hold structs with client-supplied fields inside, to a fixed point
/// (a struct may hold one that holds one).
fn mark_client_supplied(api: &mut Api) {
    loop {
        let supplied: BTreeSet<String> = api
            .structs
            .iter()
            .filter(|s| s.fields.iter().any(|f| f.client_supplied))
            .map(|s| s.name.clone())
            .collect();
        let mut changed = false;
        let fields = api
            .structs
            .iter_mut()
            .flat_map(|s| s.fields.iter_mut())
            .chain(
                api.classes
                    .iter_mut()
                    .flat_map(|c| c.actions.iter_mut())
                    .flat_map(|a| a.request.iter_mut()),
            );
        for f in fields {
            if !f.client_supplied
                && matches!(f.ty.element(), TypeRef::Struct(name) if supplied.contains(name))
            {
                f.client_supplied = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// The struct the SDK runtime decodes the login reply into, and the field it needs.
const LOGIN_DATA: (&str, &str) = ("LoginData", "Authorization");

/// The wire value of a successful reply's `Code`.
pub const SUCCESS: &str = "Success";

/// Builds the model, or returns every problem found.
pub fn build(raw: &RawSpec) -> Result<Api, Vec<SpecError>> {
    let mut cx = Checker {
        errors: Vec::new(),
        structs: raw.common.structs.iter().map(|s| s.name.clone()).collect(),
        enum_defs: Vec::new(),
    };
    let common_at = Location::file(COMMON_FILE);

    let (login_endpoint, api_endpoint) = match &raw.common.endpoints {
        Some(e) => (e.login.clone(), e.api.clone()),
        None => {
            cx.errors.push(
                common_at
                    .item("Endpoints")
                    .error("missing: Login and Api endpoints"),
            );
            (String::new(), String::new())
        }
    };

    let mut type_names = BTreeSet::new();
    let mut check_type_name = |cx: &mut Checker, name: &str, at: &Location| {
        if !is_type_name(name) {
            cx.errors
                .push(at.error(format!("{name:?} is not a PascalCase Rust identifier")));
        }
        if !type_names.insert(name.to_owned()) {
            cx.errors
                .push(at.error(format!("duplicate type name {name}")));
        }
    };

    for e in &raw.common.enums {
        let at = common_at.item(format!("enum {}", e.name));
        check_type_name(&mut cx, &e.name, &at);
        let def = cx.build_enum(e, &at);
        cx.enum_defs.push(def);
    }
    let enums = cx.enum_defs.clone();
    let mut structs = Vec::new();
    for s in &raw.common.structs {
        let at = common_at.item(format!("struct {}", s.name));
        check_type_name(&mut cx, &s.name, &at);
        let fields = cx.build_fields(&s.fields, &at);
        cx.check_setters(&fields, &["new"], &at);
        structs.push(StructDef {
            name: s.name.clone(),
            doc: doc(&s.doc),
            fields,
            input: false,
            output: false,
            used_by: Vec::new(),
        });
    }
    let codes = cx.build_codes(&raw.common.codes, &common_at);

    let mut api = Api {
        login_endpoint,
        api_endpoint,
        structs,
        enums,
        codes,
        classes: Vec::new(),
        spec_hash: spec_hash(&raw.sources),
    };

    let mut class_names = BTreeSet::new();
    // Action name -> file: the emulator's `Service` has one method per action name.
    let mut all_actions = std::collections::BTreeMap::new();
    for c in &raw.classes {
        let at = Location::file(c.file.clone());
        if !is_type_name(&c.name) {
            cx.errors.push(at.error(format!(
                "ActionClass {:?} is not a PascalCase identifier",
                c.name
            )));
        } else if crate::naming::is_keyword(&snake_case(&c.name)) {
            let module = snake_case(&c.name);
            cx.errors.push(at.error(format!(
                "ActionClass {}: {module:?} is a Rust keyword and cannot name its module",
                c.name
            )));
        } else if RESERVED_CLASS_MODULES.contains(&snake_case(&c.name).as_str()) {
            cx.errors.push(at.error(format!(
                "ActionClass {}: its module or accessor `{}` would clash with a name the SDK \
                 already uses",
                c.name,
                snake_case(&c.name)
            )));
        }
        if CLI_COMMANDS.contains(&kebab_case(&c.name).as_str()) {
            cx.errors.push(at.error(format!(
                "ActionClass {}: its command `cme {}` would clash with a command of the CLI",
                c.name,
                kebab_case(&c.name)
            )));
        }
        if !class_names.insert(c.name.clone()) {
            cx.errors
                .push(at.error(format!("duplicate ActionClass {}", c.name)));
        }
        let mut action_names = BTreeSet::new();
        let mut actions = Vec::new();
        for a in &c.actions {
            let at = at.item(format!("action {}", a.name));
            if !action_names.insert(a.name.clone()) {
                cx.errors
                    .push(at.error(format!("duplicate action {}", a.name)));
            } else if let Some(other) = all_actions.insert(a.name.clone(), c.file.clone()) {
                cx.errors.push(at.error(format!(
                    "duplicate action {} (also in {other}): the emulator has one method per action name",
                    a.name
                )));
            }
            if !is_type_name(&a.name) {
                cx.errors.push(at.error(format!(
                    "action name {:?} is not a PascalCase identifier",
                    a.name
                )));
            } else if crate::naming::is_keyword(&snake_case(&a.name)) {
                let method = snake_case(&a.name);
                cx.errors.push(at.error(format!(
                    "{method:?} is a Rust keyword and cannot name the action's method"
                )));
            }
            let action = Action {
                name: a.name.clone(),
                doc: doc(&a.doc),
                doc_url: a.doc_url.clone(),
                idempotent: a.idempotent,
                pagination: a.pagination.as_ref().map(|p| Pagination {
                    offset: p.offset.clone(),
                    limit: p.limit.clone(),
                    total: p.total.clone(),
                    items: p.items.clone(),
                }),
                request: cx.build_fields(&a.request, &at),
                data: cx.build_fields(&a.data, &at),
                errors: a.errors.clone(),
                examples: Vec::new(),
                hand_written_decoder: a.hand_written_decoder,
            };
            for f in action.data.iter().filter(|f| f.from_client.is_some()) {
                cx.errors.push(at.field(format!("field {}", f.name)).error(
                    "`FromClient` is for request fields: a reply's `Data` field comes from the service",
                ));
            }
            cx.check_setters(&action.request, CALL_METHODS, &at);
            cx.check_flags(&action.request, &at);
            actions.push((action, a, at));
        }
        let mut built = Vec::new();
        for (mut action, a, at) in actions {
            cx.check_pagination(&action, &at);
            cx.check_errors(&action, &api.codes, &at);
            action.examples = a
                .examples
                .iter()
                .filter_map(|e| {
                    cx.build_example(e, &action, &api, &at.field(format!("example {:?}", e.name)))
                })
                .collect();
            built.push(action);
        }
        api.classes.push(Class {
            name: c.name.clone(),
            file: c.file.clone(),
            doc: doc(&c.doc),
            actions: built,
        });
    }
    api.classes.sort_by(|a, b| a.name.cmp(&b.name));
    mark_usage(&mut api);
    mark_recursion(&mut api);
    mark_client_supplied(&mut api);
    cx.errors.extend(check_login_data(&api, &common_at));

    if cx.errors.is_empty() {
        Ok(api)
    } else {
        Err(cx.errors)
    }
}

/// The methods of the SDK's `Call` (sdk/src/call.rs) and the generated constructor `new`: the
/// setter of an optional request field cannot have these names.
const CALL_METHODS: &[&str] = &[
    "new",
    "map",
    "request",
    "into_request",
    "timeout",
    "attempt_timeout",
    "retry",
    "send",
    "pages",
    "items",
];

fn is_type_name(name: &str) -> bool {
    is_identifier(name) && name.starts_with(|c: char| c.is_ascii_uppercase())
}

fn doc(raw: &RawDoc) -> Doc {
    match raw {
        RawDoc::Text(en) => Doc {
            en: en.trim().to_owned(),
            zh: None,
        },
        RawDoc::Both { en, zh } => Doc {
            en: en.trim().to_owned(),
            zh: zh
                .as_ref()
                .map(|z| z.trim().to_owned())
                .filter(|z| !z.is_empty()),
        },
    }
}

fn spec_hash(sources: &[(String, String)]) -> String {
    let mut hasher = Sha256::new();
    for (name, text) in sources {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Marks each struct as reachable from requests (`input`) and/or replies (`output`), and each
/// struct and enum with the ActionClasses whose actions use it (`used_by`). A struct no action
/// uses (like `LoginData`) counts as output.
fn mark_usage(api: &mut Api) {
    /// Adds the struct or enum names `ty` reaches to `seen`.
    fn visit(api: &Api, ty: &TypeRef, seen: &mut BTreeSet<String>) {
        match ty.element() {
            TypeRef::Struct(name) if seen.insert(name.clone()) => {
                if let Some(s) = api.find_struct(name) {
                    for f in &s.fields {
                        visit(api, &f.ty, seen);
                    }
                }
            }
            TypeRef::Enum(name) => {
                seen.insert(name.clone());
            }
            _ => {}
        }
    }
    let mut input = BTreeSet::new();
    let mut output = BTreeSet::new();
    let mut by_class: Vec<(String, BTreeSet<String>)> = Vec::new();
    for c in &api.classes {
        let mut used = BTreeSet::new();
        for a in &c.actions {
            for f in &a.request {
                visit(api, &f.ty, &mut input);
                visit(api, &f.ty, &mut used);
            }
            for f in &a.data {
                visit(api, &f.ty, &mut output);
                visit(api, &f.ty, &mut used);
            }
        }
        by_class.push((c.name.clone(), used));
    }
    let users = |name: &str| -> Vec<String> {
        by_class
            .iter()
            .filter(|(_, used)| used.contains(name))
            .map(|(class, _)| class.clone())
            .collect()
    };
    for s in &mut api.structs {
        s.input = input.contains(&s.name);
        s.output = output.contains(&s.name) || !s.input;
        s.used_by = users(&s.name);
    }
    for e in &mut api.enums {
        e.used_by = users(&e.name);
    }
}

/// The runtime decodes the login reply into `LoginData`, reading `Authorization` (the ticket).
fn check_login_data(api: &Api, at: &Location) -> Option<SpecError> {
    let (name, field) = LOGIN_DATA;
    let at = at.item(format!("struct {name}"));
    match api.find_struct(name) {
        None => Some(at.error(format!(
            "missing: the SDK decodes the login reply into a struct {name} with a required string field {field}"
        ))),
        Some(s) if !s.fields.iter().any(|f| f.name == field && f.ty == TypeRef::String && f.required) => {
            Some(at.error(format!("needs a required string field {field} (the ticket)")))
        }
        Some(_) => None,
    }
}

/// Boxes every struct-typed field (outside a list) whose struct can contain its owner again,
/// so that recursive types such as `MaterialInfo` -> `LinkMaterial` -> `MaterialInfo` have a
/// finite size.
fn mark_recursion(api: &mut Api) {
    fn reaches(api: &Api, from: &str, target: &str, seen: &mut BTreeSet<String>) -> bool {
        if from == target {
            return true;
        }
        if !seen.insert(from.to_owned()) {
            return false;
        }
        let Some(s) = api.find_struct(from) else {
            return false;
        };
        s.fields.iter().any(|f| match &f.ty {
            TypeRef::Struct(next) => reaches(api, next, target, seen),
            _ => false,
        })
    }
    let snapshot = api.clone();
    for s in &mut api.structs {
        for f in &mut s.fields {
            if let TypeRef::Struct(inner) = &f.ty {
                f.boxed = reaches(&snapshot, inner, &s.name, &mut BTreeSet::new());
            }
        }
    }
}

struct Checker {
    errors: Vec<SpecError>,
    structs: BTreeSet<String>,
    /// The enums, once built (struct fields refer to them).
    enum_defs: Vec<EnumDef>,
}

impl Checker {
    fn build_enum(&mut self, e: &RawEnum, at: &Location) -> EnumDef {
        let mut values = Vec::new();
        let mut seen_values = BTreeSet::new();
        let mut seen_variants = BTreeSet::new();
        if e.values.is_empty() {
            self.errors
                .push(at.error("an enum needs at least one value"));
        }
        for v in &e.values {
            let vat = at.field(format!("value {:?}", v.value));
            let variant = v.variant.clone().unwrap_or_else(|| pascal_case(&v.value));
            if !is_type_name(&variant) || variant == "Unknown" {
                let hint = if v.variant.is_some() {
                    ""
                } else {
                    "; give it a `Variant`"
                };
                self.errors.push(vat.error(format!(
                    "the value does not map to a Rust variant ({variant:?} is not a PascalCase identifier or is reserved){hint}"
                )));
            }
            if !seen_values.insert(v.value.clone()) {
                self.errors.push(vat.error("duplicate value"));
            }
            if !seen_variants.insert(variant.clone()) {
                self.errors.push(vat.error(format!(
                    "duplicate variant {variant}; give one value an explicit `Variant`"
                )));
            }
            values.push(EnumValue {
                value: v.value.clone(),
                variant,
                doc: doc(&v.doc),
            });
        }
        EnumDef {
            name: e.name.clone(),
            doc: doc(&e.doc),
            values,
            used_by: Vec::new(),
        }
    }

    fn build_codes(&mut self, raw: &[RawErrorCode], at: &Location) -> Vec<ErrorCodeDef> {
        let mut seen = BTreeSet::new();
        let mut variants = BTreeSet::new();
        raw.iter()
            .map(|c| {
                let cat = at.item(format!("error code {}", c.code));
                let variant = pascal_case(&c.code);
                if !is_type_name(&variant) || variant == "Unknown" {
                    self.errors.push(cat.error(format!(
                        "the code does not map to a Rust variant ({variant:?})"
                    )));
                }
                if c.retry == RawRetry::Always && !c.not_executed {
                    self.errors.push(cat.error(
                        "Retry: Always needs NotExecuted: true (a request that is not idempotent \
                         is sent again only when the service guarantees it was not executed); \
                         use Retry: IfIdempotent",
                    ));
                }
                for (key, text) in [
                    ("Message", &c.message),
                    ("EnglishMessage", &c.english_message),
                ] {
                    if text.as_deref().is_some_and(|t| t.trim().is_empty()) {
                        self.errors.push(cat.error(format!(
                            "{key} is empty; leave it out where the docs give no text"
                        )));
                    }
                }
                if c.code == SUCCESS {
                    self.errors
                        .push(cat.error("`Success` is not an error code"));
                }
                if !seen.insert(c.code.clone()) {
                    self.errors.push(cat.error("duplicate error code"));
                } else if !variants.insert(variant.clone()) {
                    self.errors
                        .push(cat.error(format!("two codes map to the variant {variant}")));
                }
                ErrorCodeDef {
                    code: c.code.clone(),
                    variant,
                    message: c.message.clone(),
                    english_message: c.english_message.clone(),
                    doc: doc(&c.doc),
                    retry: match c.retry {
                        RawRetry::Never => Retry::Never,
                        RawRetry::IfIdempotent => Retry::IfIdempotent,
                        RawRetry::Always => Retry::Always,
                    },
                    ticket_invalid: c.ticket_invalid,
                    not_executed: c.not_executed,
                    category: c.category.map_or_else(
                        || Category::of_class(&c.code),
                        |category| match category {
                            RawCategory::NotFound => Category::NotFound,
                            RawCategory::PermissionDenied => Category::PermissionDenied,
                            RawCategory::InvalidParameter => Category::InvalidParameter,
                            RawCategory::Throttled => Category::Throttled,
                            RawCategory::Auth => Category::Auth,
                            RawCategory::Internal => Category::Internal,
                            RawCategory::Other => Category::Other,
                        },
                    ),
                }
            })
            .collect()
    }

    fn parse_type(&self, spec: &str) -> Result<TypeRef, String> {
        let spec = spec.trim();
        if let Some(inner) = spec.strip_prefix("list<").and_then(|s| s.strip_suffix('>')) {
            return Ok(TypeRef::List(Box::new(self.parse_type(inner)?)));
        }
        match spec {
            "string" => Ok(TypeRef::String),
            "integer" => Ok(TypeRef::Integer),
            "float" => Ok(TypeRef::Float),
            "bool" => Ok(TypeRef::Bool),
            name if self.structs.contains(name) => Ok(TypeRef::Struct(name.to_owned())),
            name if self.enum_defs.iter().any(|e| e.name == name) => Ok(TypeRef::Enum(name.to_owned())),
            name => Err(format!(
                "unknown type {name:?} (expected string, integer, float, bool, list<T> or a struct or enum of common.yaml)"
            )),
        }
    }

    fn build_fields(&mut self, raw: &[RawField], at: &Location) -> Vec<Field> {
        let mut names = BTreeSet::new();
        let mut rust_names = BTreeSet::new();
        let mut fields = Vec::new();
        for f in raw {
            let fat = at.field(format!("field {}", f.name));
            let mut errs: Vec<String> = Vec::new();
            let mut err = |msg: String| errs.push(msg);
            let mut duplicate = false;
            for name in std::iter::once(&f.name).chain(&f.aliases) {
                if name.is_empty() {
                    err("empty wire name".into());
                } else if !names.insert(name.clone()) {
                    duplicate = true;
                    err(format!("duplicate field or alias {name}"));
                }
            }
            let rust_name = match &f.rust_name {
                Some(n) => {
                    if !is_identifier(n) || n.starts_with(|c: char| c.is_ascii_uppercase()) {
                        err(format!(
                            "RustName {n:?} is not a snake_case Rust identifier"
                        ));
                    }
                    n.clone()
                }
                None => {
                    let n = snake_case(&f.name);
                    if crate::naming::is_keyword(&n) {
                        err(format!(
                            "{n:?} is a Rust keyword; give the field a `RustName`"
                        ));
                    } else if !is_identifier(&n) {
                        err(format!("the wire name does not map to a Rust identifier ({n:?}); give the field a `RustName`"));
                    }
                    n
                }
            };
            if !rust_names.insert(rust_name.clone()) && !duplicate {
                err(format!("duplicate Rust name {rust_name}"));
            }
            let ty = match self.parse_type(&f.ty) {
                Ok(t) => t,
                Err(msg) => {
                    err(msg);
                    TypeRef::String
                }
            };
            if f.required && f.default.is_some() {
                err("a required field cannot have a `Default`".into());
            }
            if f.sensitive && ty != TypeRef::String {
                err("only string fields can be `Sensitive`".into());
            }
            if f.from_client.is_some() && (ty != TypeRef::String || !f.required) {
                err("`FromClient` is only for required string fields (the client fills them when the caller does not)".into());
            }
            if f.format.is_some() && ty != TypeRef::String {
                err("`Format` is only for string fields".into());
            }
            if f.undocumented
                .as_deref()
                .is_some_and(|seen| seen.trim().is_empty())
            {
                err("`Undocumented` must say where the field was seen".into());
            }
            let default = f
                .default
                .as_ref()
                .and_then(|d| match serde_json::to_value(d) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        err(format!("Default is not plain data: {e}"));
                        None
                    }
                });
            if let Some(d) = &default {
                let types = Types {
                    structs: &[],
                    enums: &self.enum_defs,
                };
                if let Err(m) = types.check_value(d, &ty) {
                    err(m.under("Default"));
                }
            }
            let constraints = Constraints {
                max_length: f.max_length,
                max_items: f.max_items,
                min: f.min,
                max: f.max,
                allowed: f.allowed.clone(),
            };
            for msg in constraint_errors(&constraints, &ty) {
                err(msg);
            }
            self.errors.extend(errs.into_iter().map(|m| fat.error(m)));
            fields.push(Field {
                name: f.name.clone(),
                rust_name,
                ty,
                required: f.required,
                doc: doc(&f.doc),
                aliases: f.aliases.clone(),
                sensitive: f.sensitive,
                boxed: false,
                default,
                constraints,
                from_client: f.from_client.map(|c| match c {
                    RawFromClient::Platform => FromClient::Platform,
                    RawFromClient::UploadSignature => FromClient::UploadSignature,
                }),
                format: f.format.map(|RawFormat::DateTime| Format::DateTime),
                client_supplied: f.from_client.is_some(),
                undocumented: f.undocumented.clone(),
            });
        }
        fields
    }

    /// Refuses optional fields whose setter would clash with a method named in `reserved`.
    fn check_setters(&mut self, fields: &[Field], reserved: &[&str], at: &Location) {
        for f in fields
            .iter()
            .filter(|f| !f.is_argument() && reserved.contains(&f.rust_name.as_str()))
        {
            self.errors.push(at.field(format!("field {}", f.name)).error(format!(
                "the setter `{}` would clash with a generated or `Call` method; give the field a `RustName`",
                f.rust_name
            )));
        }
    }

    /// Refuses request fields whose command-line flag (the wire name in kebab case) clashes
    /// with a flag of the CLI or with another field's.
    fn check_flags(&mut self, fields: &[Field], at: &Location) {
        let mut seen = std::collections::BTreeMap::new();
        for f in fields {
            let flag = kebab_case(&f.name);
            let at = at.field(format!("field {}", f.name));
            if CLI_FLAGS.contains(&flag.as_str()) {
                self.errors.push(at.error(format!(
                    "its flag `--{flag}` would clash with a flag of the CLI"
                )));
            } else if let Some(other) = seen
                .insert(flag.clone(), f.name.clone())
                .filter(|other| *other != f.name)
            {
                self.errors.push(at.error(format!(
                    "its flag `--{flag}` is also the flag of field {other}"
                )));
            }
        }
    }

    fn check_pagination(&mut self, action: &Action, at: &Location) {
        let Some(p) = &action.pagination else { return };
        let at = at.field("Pagination");
        let find = |fields: &[Field], name: &str| fields.iter().find(|f| f.name == name).cloned();
        match find(&action.request, &p.offset) {
            Some(f) if f.ty == TypeRef::Integer && !f.required => {}
            Some(_) => self.errors.push(at.error(format!(
                "Offset field {} must be an optional integer",
                p.offset
            ))),
            None => self
                .errors
                .push(at.error(format!("Offset field {} is not a request field", p.offset))),
        }
        match find(&action.request, &p.limit) {
            Some(f) if f.ty == TypeRef::Integer => {}
            _ => self.errors.push(at.error(format!(
                "Limit field {} must be an integer request field",
                p.limit
            ))),
        }
        match find(&action.data, &p.total) {
            Some(f) if f.ty == TypeRef::Integer => {}
            _ => self.errors.push(at.error(format!(
                "Total field {} must be an integer Data field",
                p.total
            ))),
        }
        match find(&action.data, &p.items) {
            Some(f) if matches!(f.ty, TypeRef::List(_)) => {}
            _ => self
                .errors
                .push(at.error(format!("Items field {} must be a list Data field", p.items))),
        }
    }

    fn check_errors(&mut self, action: &Action, codes: &[ErrorCodeDef], at: &Location) {
        let mut seen = BTreeSet::new();
        for code in &action.errors {
            let at = at.field(format!("error {code}"));
            if !codes.iter().any(|c| &c.code == code) {
                self.errors
                    .push(at.error("not in the ErrorCodes table of common.yaml"));
            }
            if !seen.insert(code) {
                self.errors.push(at.error("listed twice"));
            }
        }
    }

    fn build_example(
        &mut self,
        e: &RawExample,
        action: &Action,
        api: &Api,
        at: &Location,
    ) -> Option<Example> {
        let to_json = |v: &serde_yaml::Value| serde_json::to_value(v).map_err(|e| e.to_string());
        let request = match e.request.as_ref().map(to_json).transpose() {
            Ok(r) => r,
            Err(msg) => {
                self.errors
                    .push(at.error(format!("Request is not plain data: {msg}")));
                return None;
            }
        };
        let reply = match e.reply.as_ref().map(to_json).transpose() {
            Ok(r) => r,
            Err(msg) => {
                self.errors
                    .push(at.error(format!("Reply is not plain data: {msg}")));
                return None;
            }
        };
        if request.is_none() && reply.is_none() {
            self.errors
                .push(at.error("an example needs a Request, a Reply or both"));
        }
        if let Some(req) = &request {
            if let Err(m) = Types::of(api).check_object(req, &action.request) {
                self.errors.push(at.error(m.under("Request")));
            }
        }
        if let Some(reply) = &reply {
            if let Err(msg) = self.check_reply(reply, action, api) {
                self.errors.push(at.error(msg));
            }
        }
        Some(Example {
            name: e.name.clone(),
            request,
            reply,
        })
    }

    fn check_reply(&self, reply: &Json, action: &Action, api: &Api) -> Result<(), String> {
        let obj = reply
            .as_object()
            .ok_or("Reply must be an envelope object")?;
        for key in obj.keys() {
            if !["Code", "Message", "EnglishMessage", "Data", "RequestId"].contains(&key.as_str()) {
                return Err(format!("Reply: unknown envelope key {key:?}"));
            }
        }
        let code = obj
            .get("Code")
            .and_then(Json::as_str)
            .ok_or("Reply: `Code` must be a string")?;
        if code == SUCCESS {
            match obj.get("Data") {
                None | Some(Json::Null) => Ok(()),
                Some(data) => Types::of(api)
                    .check_object(data, &action.data)
                    .map_err(|e| e.under("Reply.Data")),
            }
        } else if let Some(row) = api.codes.iter().find(|c| c.code == code) {
            check_example_texts(obj, row)
        } else {
            Err(format!(
                "Reply: Code {code:?} is not in the ErrorCodes table"
            ))
        }
    }
}

/// The texts of an example's error reply (taken from the docs) against the code's row: its
/// `Message` is the row's documented one, and its `EnglishMessage` starts with the row's (the
/// service may add a detail, e.g. `resource not found : no face index`).
fn check_example_texts(
    reply: &serde_json::Map<String, Json>,
    row: &ErrorCodeDef,
) -> Result<(), String> {
    let text = |key: &str| reply.get(key).and_then(Json::as_str);
    if let Some(message) = text("Message") {
        if row.message.as_deref() != Some(message) {
            return Err(format!(
                "Reply: Message {message:?} is not the documented Message of {} in the \
                 ErrorCodes table ({:?})",
                row.code, row.message
            ));
        }
    }
    if let (Some(english), Some(documented)) = (text("EnglishMessage"), &row.english_message) {
        if !english.starts_with(documented.as_str()) {
            return Err(format!(
                "Reply: EnglishMessage {english:?} does not start with the documented \
                 EnglishMessage of {} in the ErrorCodes table ({documented:?})",
                row.code
            ));
        }
    }
    Ok(())
}

/// A mismatch between example data and the declared fields: where, and what.
struct Mismatch {
    path: String,
    message: String,
}

impl Mismatch {
    fn new(message: String) -> Self {
        Self {
            path: String::new(),
            message,
        }
    }

    /// The same mismatch seen from one level up (`key` is a field name or `[i]`).
    fn inside(mut self, key: &str) -> Self {
        self.path = if self.path.is_empty() || self.path.starts_with('[') {
            format!("{key}{}", self.path)
        } else {
            format!("{key}.{}", self.path)
        };
        self
    }

    fn under(self, root: &str) -> String {
        let m = self.inside(root);
        format!("{}: {}", m.path, m.message)
    }
}

/// The declared structs and enums, for checking example and default values.
struct Types<'a> {
    structs: &'a [StructDef],
    enums: &'a [EnumDef],
}

impl<'a> Types<'a> {
    fn of(api: &'a Api) -> Self {
        Self {
            structs: &api.structs,
            enums: &api.enums,
        }
    }

    /// Checks that a JSON object matches `fields`: known keys, typed values, required present.
    fn check_object(&self, value: &Json, fields: &[Field]) -> Result<(), Mismatch> {
        let obj = value
            .as_object()
            .ok_or_else(|| Mismatch::new(format!("expected an object, got {value}")))?;
        for (key, v) in obj {
            let field = fields.iter().find(|f| &f.name == key).ok_or_else(|| {
                let known: Vec<_> = fields.iter().map(|f| f.name.as_str()).collect();
                Mismatch::new(format!("unknown field (known: {})", known.join(", "))).inside(key)
            })?;
            self.check_value(v, &field.ty).map_err(|m| m.inside(key))?;
        }
        match fields
            .iter()
            .find(|f| f.required && !obj.contains_key(&f.name))
        {
            Some(missing) => Err(Mismatch::new(format!(
                "required field {} is missing",
                missing.name
            ))),
            None => Ok(()),
        }
    }

    /// Checks that `value` is of type `ty`.
    fn check_value(&self, value: &Json, ty: &TypeRef) -> Result<(), Mismatch> {
        match (ty, value) {
            (TypeRef::String, Json::String(_)) | (TypeRef::Bool, Json::Bool(_)) => Ok(()),
            // An `i64` in Rust: a larger `u64` does not fit.
            (TypeRef::Integer, Json::Number(n)) if n.is_i64() => Ok(()),
            (TypeRef::Float, Json::Number(_)) => Ok(()),
            (TypeRef::List(inner), Json::Array(items)) => {
                items.iter().enumerate().try_for_each(|(i, item)| {
                    self.check_value(item, inner)
                        .map_err(|m| m.inside(&format!("[{i}]")))
                })
            }
            (TypeRef::Enum(name), Json::String(s)) => {
                let values: Vec<&str> = self
                    .enums
                    .iter()
                    .filter(|e| &e.name == name)
                    .flat_map(|e| e.values.iter().map(|v| v.value.as_str()))
                    .collect();
                if values.contains(&s.as_str()) {
                    Ok(())
                } else {
                    Err(Mismatch::new(format!(
                        "{s:?} is not a value of {name} ({})",
                        values.join(", ")
                    )))
                }
            }
            (TypeRef::Struct(name), Json::Object(_)) => {
                match self.structs.iter().find(|s| &s.name == name) {
                    Some(s) => self.check_object(value, &s.fields),
                    None => Err(Mismatch::new(format!(
                        "a {name} value cannot be given here"
                    ))),
                }
            }
            (ty, v) => Err(Mismatch::new(format!(
                "expected {}, got {v}",
                ty.spec_name()
            ))),
        }
    }
}

/// Constraints that do not fit the field's type, or contradict each other.
fn constraint_errors(c: &Constraints, ty: &TypeRef) -> Vec<String> {
    let mut out = Vec::new();
    let is_list = matches!(ty, TypeRef::List(_));
    let strings = *ty == TypeRef::String || *ty == TypeRef::List(Box::new(TypeRef::String));
    if c.max_length.is_some() && !strings {
        out.push("MaxLength applies only to string or list<string> fields".into());
    }
    if c.max_items.is_some() && !is_list {
        out.push("MaxItems applies only to list fields".into());
    }
    let numeric = matches!(ty, TypeRef::Integer | TypeRef::Float);
    if (c.min.is_some() || c.max.is_some()) && !numeric {
        out.push("Min/Max apply only to integer or float fields".into());
    }
    if *ty == TypeRef::Integer {
        for b in [c.min, c.max].into_iter().flatten() {
            if b.fract() != 0.0 {
                out.push(format!("bound {b} of an integer field must be an integer"));
            }
        }
    }
    if let (Some(lo), Some(hi)) = (c.min, c.max) {
        if lo > hi {
            out.push(format!("Min {lo} is greater than Max {hi}"));
        }
    }
    if let Some(allowed) = &c.allowed {
        if *ty != TypeRef::Integer {
            out.push("Allowed applies only to integer fields".into());
        } else if allowed.is_empty() {
            out.push("Allowed needs at least one value".into());
        }
    }
    out
}
