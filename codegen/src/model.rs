//! The validated model of the API that the generators read.

use serde_json::Value as Json;

/// English and optional Chinese text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// English.
    pub en: String,
    /// Chinese.
    pub zh: Option<String>,
}

/// A field type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// `string`
    String,
    /// `integer` (i64)
    Integer,
    /// `float` (f64)
    Float,
    /// `bool`
    Bool,
    /// `list<T>`
    List(Box<TypeRef>),
    /// A struct of `common.yaml`.
    Struct(String),
    /// An enum of `common.yaml`.
    Enum(String),
}

impl TypeRef {
    /// The type as the spec spells it.
    pub fn spec_name(&self) -> String {
        match self {
            TypeRef::String => "string".into(),
            TypeRef::Integer => "integer".into(),
            TypeRef::Float => "float".into(),
            TypeRef::Bool => "bool".into(),
            TypeRef::List(t) => format!("list<{}>", t.spec_name()),
            TypeRef::Struct(n) | TypeRef::Enum(n) => n.clone(),
        }
    }

    /// The innermost type of a (possibly nested) list.
    pub fn element(&self) -> &TypeRef {
        match self {
            TypeRef::List(t) => t.element(),
            t => t,
        }
    }
}

/// The documented constraints of a field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    /// Max characters of a string (or of each string of a list).
    pub max_length: Option<u64>,
    /// Max items of a list.
    pub max_items: Option<u64>,
    /// Lower bound of a number.
    pub min: Option<f64>,
    /// Upper bound of a number.
    pub max: Option<f64>,
    /// The only integers allowed.
    pub allowed: Option<Vec<i64>>,
}

/// A field of a request, a `Data` or a struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Wire name.
    pub name: String,
    /// Rust name.
    pub rust_name: String,
    /// Type.
    pub ty: TypeRef,
    /// Whether it is required.
    pub required: bool,
    /// Description.
    pub doc: Doc,
    /// Other wire names accepted when decoding.
    pub aliases: Vec<String>,
    /// Redacted in `Debug`.
    pub sensitive: bool,
    /// Held in a `Box`: the field's struct contains the field's owner (a recursive type).
    pub boxed: bool,
    /// The service's default.
    pub default: Option<Json>,
    /// Constraints.
    pub constraints: Constraints,
    /// The client supplies it when the caller leaves it unset.
    pub from_client: Option<FromClient>,
    /// The format of its text.
    pub format: Option<Format>,
    /// The client supplies it, or fields of the structs it holds (computed).
    pub client_supplied: bool,
    /// Not in the docs: where the field was seen instead.
    pub undocumented: Option<String>,
}

impl Field {
    /// Whether the caller must give it: a constructor argument, not a setter. A required field
    /// the client can supply is a setter (an override).
    pub fn is_argument(&self) -> bool {
        self.required && self.from_client.is_none()
    }
}

/// A request value the client supplies when the caller leaves it unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FromClient {
    /// The client's platform.
    Platform,
    /// A signature with action `Upload` from the client's signature source.
    UploadSignature,
}

/// The format of a string field's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An ISO 8601 date and time with an offset.
    DateTime,
}

/// A shared struct.
#[derive(Debug, Clone, PartialEq)]
pub struct StructDef {
    /// Rust and spec name.
    pub name: String,
    /// Description.
    pub doc: Doc,
    /// Fields, in spec order.
    pub fields: Vec<Field>,
    /// Reachable from a request.
    pub input: bool,
    /// Reachable from a reply (or used by no action, like `LoginData`).
    pub output: bool,
    /// The ActionClasses whose actions use it, sorted; empty when no action does.
    pub used_by: Vec<String>,
}

/// A value of a string enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumValue {
    /// Wire value.
    pub value: String,
    /// Rust variant.
    pub variant: String,
    /// Description.
    pub doc: Doc,
}

/// A string enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumDef {
    /// Rust and spec name.
    pub name: String,
    /// Description.
    pub doc: Doc,
    /// Values, in spec order.
    pub values: Vec<EnumValue>,
    /// The ActionClasses whose actions use it, sorted; empty when no action does.
    pub used_by: Vec<String>,
}

/// When an error code may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Never.
    Never,
    /// Only for idempotent actions.
    IfIdempotent,
    /// Always.
    Always,
}

/// A row of the error-code table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCodeDef {
    /// The code.
    pub code: String,
    /// Rust variant.
    pub variant: String,
    /// The documented Chinese `Message`, if the docs give one.
    pub message: Option<String>,
    /// The documented `EnglishMessage`, if the docs give one.
    pub english_message: Option<String>,
    /// Description.
    pub doc: Doc,
    /// Retry class.
    pub retry: Retry,
    /// The ticket is invalid.
    pub ticket_invalid: bool,
    /// The service guarantees that a request answered with this code was not executed.
    pub not_executed: bool,
    /// What the code means for a caller.
    pub category: Category,
}

/// What an error code means for a caller (`ErrorCategory` in the SDK).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
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

impl Category {
    /// The category of a code whose spec does not say: that of its class, the part before the
    /// first `.` (Tencent Cloud's convention).
    pub fn of_class(code: &str) -> Self {
        let class = code.split_once('.').map_or(code, |(class, _)| class);
        match class {
            "ResourceNotFound" => Self::NotFound,
            "OperationDenied" | "UnauthorizedOperation" => Self::PermissionDenied,
            "InvalidParameter"
            | "InvalidParameterValue"
            | "MissingParameter"
            | "UnknownParameter"
            | "InvalidRequest"
            | "RequestSizeLimitExceeded" => Self::InvalidParameter,
            "RequestLimitExceeded" => Self::Throttled,
            "AuthFailure" => Self::Auth,
            "InternalError" => Self::Internal,
            _ => Self::Other,
        }
    }

    /// The variant's name, as the spec and the SDK spell it.
    pub fn name(self) -> &'static str {
        match self {
            Self::NotFound => "NotFound",
            Self::PermissionDenied => "PermissionDenied",
            Self::InvalidParameter => "InvalidParameter",
            Self::Throttled => "Throttled",
            Self::Auth => "Auth",
            Self::Internal => "Internal",
            Self::Other => "Other",
        }
    }
}

/// How a list action pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination {
    /// Request field with the offset.
    pub offset: String,
    /// Request field with the page size.
    pub limit: String,
    /// `Data` field with the total.
    pub total: String,
    /// `Data` list with the items.
    pub items: String,
}

/// A documented request/reply pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Its name.
    pub name: String,
    /// The request body.
    pub request: Option<Json>,
    /// The whole reply envelope.
    pub reply: Option<Json>,
}

/// One action.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// ActionName.
    pub name: String,
    /// Description.
    pub doc: Doc,
    /// The official doc page.
    pub doc_url: Option<String>,
    /// Safe to replay.
    pub idempotent: bool,
    /// Paging, for list actions.
    pub pagination: Option<Pagination>,
    /// Request fields.
    pub request: Vec<Field>,
    /// `Data` fields.
    pub data: Vec<Field>,
    /// Error codes the docs name.
    pub errors: Vec<String>,
    /// Examples.
    pub examples: Vec<Example>,
    /// The `Data` type's `Deserialize` is written by hand in the SDK (the docs disagree on its
    /// shape).
    pub hand_written_decoder: bool,
}

/// An ActionClass.
#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    /// ActionClass.
    pub name: String,
    /// Its spec file.
    pub file: String,
    /// Description.
    pub doc: Doc,
    /// Actions, in spec order.
    pub actions: Vec<Action>,
}

/// The whole validated API.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// Default login endpoint.
    pub login_endpoint: String,
    /// Default API endpoint.
    pub api_endpoint: String,
    /// Shared structs.
    pub structs: Vec<StructDef>,
    /// Shared enums.
    pub enums: Vec<EnumDef>,
    /// The error-code table.
    pub codes: Vec<ErrorCodeDef>,
    /// ActionClasses, sorted by name.
    pub classes: Vec<Class>,
    /// SHA-256 of the spec files, hex.
    pub spec_hash: String,
}

impl Api {
    /// A struct by name.
    pub fn find_struct(&self, name: &str) -> Option<&StructDef> {
        self.structs.iter().find(|s| s.name == name)
    }

    /// An enum by name.
    pub fn find_enum(&self, name: &str) -> Option<&EnumDef> {
        self.enums.iter().find(|e| e.name == name)
    }
}
