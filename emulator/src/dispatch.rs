//! What the generated router needs: the request [`Context`], the [`Failure`] an action answers
//! with, and [`handle`], which decodes and validates a body, runs the action and encodes its
//! `Data` into a [`Reply`].

use std::time::SystemTime;

use cme_sdk::validate::{Problem, ValidationError, Validator};
use cme_sdk::{ErrorCode, Validate};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Who makes a request, on which platform, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Context {
    /// The platform of the ticket.
    pub platform: String,
    /// The user of the ticket.
    pub user_id: String,
    /// When the request arrived.
    pub now: SystemTime,
}

impl Context {
    /// A context for `user_id` on `platform`, now.
    pub fn new(platform: impl Into<String>, user_id: impl Into<String>) -> Self {
        Self {
            platform: platform.into(),
            user_id: user_id.into(),
            now: SystemTime::now(),
        }
    }

    /// The request time in Unix seconds.
    pub fn unix_secs(&self) -> i64 {
        crate::time::unix_secs(self.now)
    }

    /// The request time in Unix milliseconds.
    pub fn unix_millis(&self) -> i64 {
        crate::time::unix_millis(self.now)
    }
}

/// Starts every text the emulator writes itself: where the docs give no text for a code, or a
/// detail does not start with the documented text, the emulator never passes its own words off
/// as the service's.
pub const AUTHORED_PREFIX: &str = "cme-emulator: ";

/// A refused request: the error envelope to send (`Code`, `Message`, `EnglishMessage`).
///
/// The texts are the ones the docs give for the code (`ErrorCode::message_zh`/`message_en`).
/// Where the docs give none, or a detail replaces the documented `EnglishMessage` with something
/// else, the text is the emulator's own and starts with [`AUTHORED_PREFIX`]; a code without a
/// documented Chinese `Message` gets the `EnglishMessage` as its `Message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    code: ErrorCode,
    english_message: String,
    before_action: bool,
}

impl Failure {
    /// A failure with the code's documented texts, or a marked text naming the code where the
    /// docs give none.
    pub fn new(code: ErrorCode) -> Self {
        let english_message = code
            .message_en()
            .map_or_else(|| authored(code.as_str()), str::to_owned);
        Self {
            code,
            english_message,
            before_action: false,
        }
    }

    /// Replaces the English message with a precise detail, as the service does (e.g.
    /// `resource not found : no face index`, `starttime bigger than endtime`). A detail that
    /// starts with the code's documented `EnglishMessage` is sent as it is; any other is marked
    /// with [`AUTHORED_PREFIX`].
    pub fn detail(mut self, english: impl Into<String>) -> Self {
        let english = english.into();
        self.english_message = match self.code.message_en() {
            Some(documented) if english.starts_with(documented) => english,
            _ => authored(&english),
        };
        self
    }

    /// Replaces the English message with a detail the docs show for this code (quoted from one
    /// of their example replies, e.g. `starttime bigger than endtime`), sent as it is.
    pub fn documented_detail(mut self, english: &'static str) -> Self {
        self.english_message = english.to_owned();
        self
    }

    /// `InvalidAction`: no action `class/action`.
    pub fn unknown_action(class: &str, action: &str) -> Self {
        Self::new(ErrorCode::InvalidAction)
            .detail(format!("invalid action: no action {class}/{action}"))
            .refused()
    }

    /// Marks a failure found before the action ran (the request never reached it).
    fn refused(mut self) -> Self {
        self.before_action = true;
        self
    }

    /// The failure for a body that does not decode into the request: invalid JSON
    /// (`InvalidParameter`), a missing field (`MissingParameter`) or a wrong type
    /// (`InvalidParameter`), naming the field's path.
    pub fn from_decode(error: &serde_path_to_error::Error<serde_json::Error>) -> Self {
        let inner = error.inner();
        let text = inner.to_string();
        let message = text
            .rfind(" at line ")
            .map_or(text.as_str(), |at| &text[..at]);
        let path = error.path().to_string();
        let failure = if inner.is_syntax() || inner.is_eof() {
            Self::new(ErrorCode::InvalidParameter).detail(format!("invalid JSON body: {text}"))
        } else if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            let field = if path == "." {
                field.to_owned()
            } else {
                format!("{path}.{field}")
            };
            Self::new(ErrorCode::MissingParameter)
                .detail(format!("missing required parameter {field}"))
        } else if path == "." {
            Self::new(ErrorCode::InvalidParameter)
                .detail(format!("the request body must be a JSON object: {message}"))
        } else {
            Self::new(ErrorCode::InvalidParameter)
                .detail(format!("invalid parameter {path}: {message}"))
        };
        failure.refused()
    }

    /// The failure for a request that breaks the documented constraints:
    /// `InvalidParameterValue.Limit` when `Limit` is out of range, else `InvalidParameterValue`,
    /// naming every field and its problem.
    pub fn from_validation(error: &ValidationError) -> Self {
        if let Some(missing) = error
            .violations()
            .iter()
            .find(|v| v.problem == Problem::Missing)
        {
            return Self::new(ErrorCode::MissingParameter)
                .detail(format!("missing parameter {}", missing.field))
                .refused();
        }
        let code = if error.violations().iter().any(|v| v.field == "Limit") {
            ErrorCode::InvalidParameterValueLimit
        } else {
            ErrorCode::InvalidParameterValue
        };
        Self::new(code)
            .detail(format!("invalid parameter value: {error}"))
            .refused()
    }

    /// The error code.
    pub fn code(&self) -> &ErrorCode {
        &self.code
    }

    /// The Chinese `Message`: the documented one, else the `EnglishMessage` (the emulator
    /// writes no Chinese of its own).
    pub fn message(&self) -> &str {
        self.code.message_zh().unwrap_or(&self.english_message)
    }

    /// The `EnglishMessage`.
    pub fn english_message(&self) -> &str {
        &self.english_message
    }

    /// Whether the action ran (false when the request was refused before reaching it).
    pub fn reached_action(&self) -> bool {
        !self.before_action
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.english_message)
    }
}

impl std::error::Error for Failure {}

/// `text`, marked as written by the emulator.
fn authored(text: &str) -> String {
    format!("{AUTHORED_PREFIX}{text}")
}

/// What a successful action answers: the success envelope
/// `{"Code":"Success","Message":"成功","EnglishMessage":"success","Data":{…}}`, encoded as JSON
/// once, its `Data` straight from the typed value (never through a `serde_json::Value` tree).
/// A `Data` with no fields is left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    body: Vec<u8>,
    /// Where the `Data` starts in `body`, if there is one (it ends before the closing `}`).
    data_at: Option<usize>,
}

impl Reply {
    const HEAD: &'static str = r#"{"Code":"Success","Message":"成功","EnglishMessage":"success""#;
    const DATA: &'static str = r#","Data":"#;

    /// Encodes the envelope around `data`.
    fn encode<D: Serialize>(data: &D) -> Result<Self, Failure> {
        let mut body = Vec::with_capacity(1024);
        body.extend_from_slice(Self::HEAD.as_bytes());
        body.extend_from_slice(Self::DATA.as_bytes());
        let data_at = body.len();
        serde_json::to_writer(&mut body, data).map_err(|e| {
            Failure::new(ErrorCode::InternalError).detail(format!("system error: {e}"))
        })?;
        let data_at = if body[data_at..] == *b"{}" {
            body.truncate(Self::HEAD.len());
            None
        } else {
            Some(data_at)
        };
        body.push(b'}');
        Ok(Self { body, data_at })
    }

    /// The `Data` as JSON (an object), or `None` when it has no fields.
    pub fn data(&self) -> Option<&[u8]> {
        let end = self.body.len() - 1;
        self.data_at.map(|at| &self.body[at..end])
    }

    /// The whole envelope, to send.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }
}

/// Decodes `body` into the request `R`, naming the path of the first problem. The common case,
/// a good body, is decoded once without tracking paths; only a failed one is decoded again to
/// name the path.
fn decode<R: DeserializeOwned>(body: &[u8]) -> Result<R, Failure> {
    let trailing = |e: serde_json::Error| {
        Failure::new(ErrorCode::InvalidParameter)
            .detail(format!("invalid JSON body: {e}"))
            .refused()
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    match R::deserialize(&mut de) {
        Ok(request) => {
            de.end().map_err(trailing)?;
            Ok(request)
        }
        // decoded again, tracking the path, only to name where it failed
        Err(_) => {
            let de = &mut serde_json::Deserializer::from_slice(body);
            serde_path_to_error::deserialize(de).map_err(|e| Failure::from_decode(&e))
        }
    }
}

/// Decodes `body` into the request `R` (an empty body is `{}`), validates it strictly (unknown
/// enum values are violations), runs `f`, and encodes its `Data` (see [`Reply`]).
pub fn handle<R, D>(body: &[u8], f: impl FnOnce(R) -> Result<D, Failure>) -> Result<Reply, Failure>
where
    R: DeserializeOwned + Validate,
    D: Serialize,
{
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        let failure = match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            Err(e) => {
                Failure::new(ErrorCode::InvalidParameter).detail(format!("invalid JSON body: {e}"))
            }
            Ok(_) => Failure::new(ErrorCode::InvalidParameter)
                .detail("the request body must be a JSON object"),
        };
        return Err(failure.refused());
    }
    let request: R = decode(body)?;
    Validator::check(&request, true).map_err(|e| Failure::from_validation(&e))?;
    Reply::encode(&f(request)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cme_sdk::material::{
        CreateClassData, CreateClassRequest, DeleteMaterialData, ListMediaRequest,
    };

    fn run<R: DeserializeOwned + Validate>(body: &str) -> Result<Reply, Failure> {
        handle(body.as_bytes(), |_: R| Ok(DeleteMaterialData::default()))
    }

    #[test]
    fn decodes_validates_and_encodes() {
        let ok = run::<ListMediaRequest>(
            r#"{"Platform":"p","ClassId":9,"Owner":{"Type":"PERSON","Id":"u"}}"#,
        );
        let ok = ok.expect("handled");
        assert_eq!(ok.data(), None);
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&ok.into_body()).expect("JSON"),
            serde_json::json!({"Code": "Success", "Message": "成功", "EnglishMessage": "success"})
        );
        let mut data = CreateClassData::default();
        data.class_id = 12;
        let reply = handle(
            br#"{"ParentClassId":9,"Name":"a","Owner":{"Type":"PERSON","Id":"u"}}"#,
            |r: CreateClassRequest| {
                assert_eq!(r.name, "a");
                Ok(data)
            },
        )
        .expect("handled");
        assert_eq!(reply.data(), Some(&br#"{"ClassId":12}"#[..]));
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&reply.into_body()).expect("JSON"),
            serde_json::json!({"Code": "Success", "Message": "成功", "EnglishMessage": "success",
                "Data": {"ClassId": 12}})
        );
    }

    #[test]
    fn names_the_problem() {
        let cases = [
            ("{not json", "InvalidParameter", "invalid JSON body"),
            ("[1]", "InvalidParameter", "must be a JSON object"),
            (
                r#"{"Platform":"p","ClassId":9}"#,
                "MissingParameter",
                "Owner",
            ),
            (
                r#"{"Platform":"p","ClassId":9,"Owner":{"Type":"PERSON"}}"#,
                "MissingParameter",
                "Owner.Id",
            ),
            (
                r#"{"Platform":"p","ClassId":"x","Owner":{"Type":"PERSON","Id":"u"}}"#,
                "InvalidParameter",
                "ClassId",
            ),
            (
                r#"{"Platform":"p","ClassId":9,"Owner":{"Type":"PERSON","Id":"u"},"Limit":31}"#,
                "InvalidParameterValue.Limit",
                "Limit: 31",
            ),
            (
                r#"{"Platform":"p","ClassId":9,"Owner":{"Type":"ROBOT","Id":"u"}}"#,
                "InvalidParameterValue",
                "Owner.Type",
            ),
            (
                r#"{"Platform":"p","ClassId":9,"Owner":{"Type":"PERSON","Id":"u"}} x"#,
                "InvalidParameter",
                "trailing",
            ),
        ];
        for (body, code, detail) in cases {
            let failure = run::<ListMediaRequest>(body).expect_err(body);
            assert_eq!(failure.code().as_str(), code, "{body}");
            assert!(
                failure.english_message().contains(detail),
                "{body}: {failure}"
            );
            assert!(!failure.reached_action());
        }
    }

    #[test]
    fn failures_carry_documented_messages_and_mark_the_emulators_own() {
        let f = Failure::new(ErrorCode::OperationDeniedPermissionDeny);
        assert_eq!(
            (f.message(), f.english_message()),
            ("权限不足", "permission denied")
        );
        let detailed = f.clone().detail("permission denied: not yours");
        assert_eq!(detailed.english_message(), "permission denied: not yours");
        let f = f.detail("not yours");
        assert_eq!(
            (f.message(), f.english_message()),
            ("权限不足", "cme-emulator: not yours")
        );
        assert!(f.reached_action());
        // No documented text at all: the emulator's own, in both fields.
        let f = Failure::new(ErrorCode::RequestLimitExceeded);
        assert_eq!(
            (f.message(), f.english_message()),
            (
                "cme-emulator: RequestLimitExceeded",
                "cme-emulator: RequestLimitExceeded"
            )
        );
        let f = Failure::new(ErrorCode::InvalidParameterValueClassExist).detail("class exists: a");
        assert_eq!(f.message(), "cme-emulator: class exists: a");
        // Only an English text documented.
        let f = Failure::new(ErrorCode::InvalidParameterValuePlatform);
        assert_eq!(
            (f.message(), f.english_message()),
            ("platform not exist", "platform not exist")
        );
        // Only a Chinese text documented: the detail is the emulator's.
        let f = Failure::new(ErrorCode::InvalidParameterValue).detail("Limit: 31 > 30");
        assert_eq!(
            (f.message(), f.english_message()),
            ("参数值错误", "cme-emulator: Limit: 31 > 30")
        );
        assert_eq!(
            Failure::unknown_action("A", "B").code(),
            &ErrorCode::InvalidAction
        );
    }
}
