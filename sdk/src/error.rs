//! The one error type of the SDK.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::action::{ActionMeta, ErrorCategory, Retryability};
use crate::generated::codes::ErrorCode;
use crate::redact::{self, Scrubbed, Secrets};
#[cfg(feature = "upload")]
use crate::upload::{UploadError, UploadStep};
use crate::validate::ValidationError;

/// A boxed error, as returned by a signature callback.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// Whether an HTTP status calls for a retry, whatever the body says: 429 (throttled) and a
/// gateway's 502, 503 or 504 are transient, but any of them may come after the service ran the
/// request (nothing documents otherwise), so they are retried only for idempotent actions.
fn status_retryable(status: u16, operation: Operation) -> bool {
    matches!(status, 429 | 502..=504) && operation.idempotent()
}

/// A failed call. `Display` names the action and, for errors of the service, its code and
/// message; the ticket, signatures and keys never appear in it, in `Debug` or in the source chain.
///
/// Every text in it that comes from outside the SDK (the service's code and messages, a body
/// snippet, a decode error that quotes the reply, a signature source's error) is scrubbed of
/// credentials (also percent-encoded or double-encoded), put on one line and bounded (500
/// characters, 200 for a body snippet), so an error is never longer than a few lines whatever
/// the service sends. A signature source's error is kept, scrubbed, as the text of the
/// [`source`](StdError::source).
///
/// Inspect it with [`kind`](Self::kind) and the predicates.
#[derive(Clone)]
pub struct Error(Box<Inner>);

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    operation: Operation,
    stage: Stage,
    attempts: u32,
    retryable: bool,
    retry_after: Option<Duration>,
    source: Option<Arc<dyn StdError + Send + Sync>>,
    page_offset: Option<i64>,
    /// The step of an upload that failed, when the error ended one.
    #[cfg(feature = "upload")]
    upload_step: Option<UploadStep>,
}

/// What failed: a call of an action, an explicit login, building the client, or a step of an
/// upload that is not a CME action (VOD, COS, the input).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Operation {
    Action(ActionMeta),
    Login,
    Build,
    #[cfg(feature = "upload")]
    Upload(UploadStep),
}

impl Operation {
    /// Whether sending this operation twice is harmless. Every VOD and COS request of an upload
    /// is: a part sent twice is stored once, and an apply or a commit sent twice is what the
    /// official upload SDKs do after a lost reply.
    fn idempotent(self) -> bool {
        match self {
            Operation::Action(meta) => meta.idempotent,
            Operation::Login | Operation::Build => true,
            #[cfg(feature = "upload")]
            Operation::Upload(_) => true,
        }
    }
}

/// Where within a call the failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Call,
    Login,
}

/// The kinds of [`Error`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The service answered with an error code.
    Api(ApiError),
    /// No ticket could be had: the login was refused, the signature source failed, or the ticket
    /// was refused again right after a fresh login.
    Auth(AuthError),
    /// A timeout: connecting, one attempt, or the whole call's time budget.
    Timeout(TimeoutKind),
    /// The connection failed or broke (DNS, TCP, TLS, reset); see [`source`](StdError::source).
    Transport(TransportError),
    /// An HTTP error status with a body that is not the service's envelope (a proxy's HTML page),
    /// or one larger than the client's
    /// [`max_reply_size`](crate::ClientBuilder::max_reply_size).
    Http(HttpError),
    /// The reply could not be decoded, or (with a success status) was larger than the client's
    /// [`max_reply_size`](crate::ClientBuilder::max_reply_size).
    Decode(DecodeError),
    /// The request broke a documented constraint; nothing was sent.
    InvalidRequest(ValidationError),
    /// The request could not be encoded as JSON; nothing was sent.
    Encode(String),
    /// The client was configured wrongly (from [`ClientBuilder::build`](crate::ClientBuilder::build)).
    Config(String),
    /// A walk over pages ([`Call::pages`](crate::Call::pages)) could not go on.
    Paging(PagingError),
    /// An upload failed in a way of its own (VOD or COS refused a request, the input or the
    /// checkpoint cannot be used, the upload was aborted); the step is
    /// [`Error::upload_step`]. Its other failures keep their kinds (a transport error, a
    /// timeout, a CME `Api` error).
    #[cfg(feature = "upload")]
    Upload(UploadError),
}

/// Why a walk over pages stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagingError {
    /// The service answered a page with the items of the page before: it ignores `Offset`.
    Stalled {
        /// The offset asked for.
        offset: i64,
    },
    /// The walk reached its bound ([`Call::max_pages`](crate::Call::max_pages)).
    TooManyPages {
        /// The bound.
        max_pages: u32,
    },
}

impl fmt::Display for PagingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PagingError::Stalled { offset } => write!(
                f,
                "the page at offset {offset} repeats the previous page: the service ignores the offset"
            ),
            PagingError::TooManyPages { max_pages } => write!(
                f,
                "stopped after {max_pages} pages (raise the bound with Call::max_pages)"
            ),
        }
    }
}

/// An error answer of the service. Its texts are scrubbed of credentials, on one line and at
/// most 500 characters long.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// `Code`.
    pub code: ErrorCode,
    /// `Message`: usually Chinese (empty when absent).
    pub message: String,
    /// `EnglishMessage`, when present and not empty.
    pub english_message: Option<String>,
    /// The HTTP status of the reply.
    pub http_status: u16,
    /// `RequestId`, when the reply has one.
    pub request_id: Option<String>,
}

impl ApiError {
    /// An error answer as read from a reply, its texts scrubbed of `secrets`.
    pub(crate) fn from_reply(
        code: &str,
        message: Option<&str>,
        english_message: Option<&str>,
        http_status: u16,
        request_id: Option<&str>,
        secrets: &Secrets,
    ) -> Self {
        let text = |text: &str| secrets.scrub(text, redact::TEXT_CHARS).into_string();
        Self {
            code: ErrorCode::from(text(code).as_str()),
            message: message.map(text).unwrap_or_default(),
            english_message: english_message.map(text).filter(|m| !m.is_empty()),
            http_status,
            request_id: request_id.map(text),
        }
    }

    /// The most useful message: the English one and the Chinese one in parentheses when the
    /// reply has both, otherwise whichever it has. When the reply has none, the texts the docs
    /// give for the code ([`ErrorCode::message_en`], [`ErrorCode::message_zh`]); never a text
    /// the service is not documented to send (most codes have none: `None`).
    pub fn best_message(&self) -> Option<String> {
        let en = self
            .english_message
            .as_deref()
            .filter(|m| !m.trim().is_empty());
        let zh = Some(self.message.as_str()).filter(|m| !m.trim().is_empty());
        match (en, zh) {
            (Some(en), Some(zh)) if en != zh => Some(format!("{en} ({zh})")),
            (Some(one), _) | (None, Some(one)) => Some(one.to_owned()),
            (None, None) => match (self.code.message_en(), self.code.message_zh()) {
                (Some(en), Some(zh)) => Some(format!("{en} ({zh})")),
                (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
                (None, None) => None,
            },
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_str())?;
        if let Some(message) = self.best_message() {
            write!(f, ": {message}")?;
        }
        if !(200..300).contains(&self.http_status) {
            write!(f, " [HTTP {}]", self.http_status)?;
        }
        Ok(())
    }
}

/// Why no usable ticket could be had.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AuthError {
    /// The login exchange refused the signature.
    LoginRefused(ApiError),
    /// The service refused the ticket again right after a fresh login.
    TicketRefused(ApiError),
    /// The signature source failed; the cause is the error's [`source`](StdError::source).
    SignatureSource,
    /// The ticket was refused (or there is none) and no signature source is configured.
    NoSignatureSource,
    /// The login was dropped before it ended (the runtime it ran on shut down); the next call
    /// logs in again.
    LoginAbandoned,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::LoginRefused(api) => write!(f, "login refused: {api}"),
            AuthError::TicketRefused(api) => {
                write!(f, "ticket refused right after a fresh login: {api}")
            }
            AuthError::SignatureSource => f.write_str("the signature source failed"),
            AuthError::NoSignatureSource => {
                f.write_str("a login is needed but no signature source is configured")
            }
            AuthError::LoginAbandoned => {
                f.write_str("the login was dropped before it ended (its runtime shut down)")
            }
        }
    }
}

/// Which time limit ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Connecting to the server.
    Connect,
    /// One attempt (sending the request and reading the reply), with the limit.
    Attempt(Duration),
    /// The whole call, retries and login included, with the limit.
    Call(Duration),
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeoutKind::Connect => f.write_str("timed out connecting"),
            TimeoutKind::Attempt(limit) => write!(f, "attempt timed out after {limit:?}"),
            TimeoutKind::Call(limit) => write!(f, "call timed out after {limit:?}"),
        }
    }
}

/// A connection failure.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TransportError {
    /// Whether it failed while connecting, so the request was certainly not sent.
    pub connect: bool,
    detail: Scrubbed,
}

/// An HTTP error status without the service's envelope.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpError {
    /// The HTTP status.
    pub status: u16,
    /// The start of the body, redacted, on one line.
    pub snippet: String,
}

/// A reply that could not be decoded.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// Where in the reply, e.g. `Data.MaterialInfoSet[3].BasicInfo.MaterialType`; `None` when
    /// the body is not a JSON envelope at all.
    pub path: Option<String>,
    /// What is wrong (scrubbed of credentials, on one line, at most 500 characters).
    pub message: String,
    /// The HTTP status of the reply.
    pub http_status: u16,
    /// The start of the body, redacted, when the body is not a JSON envelope.
    pub snippet: Option<String>,
}

impl DecodeError {
    /// A decode error; its texts may quote the reply, so they come scrubbed.
    pub(crate) fn new(
        path: Option<Scrubbed>,
        message: Scrubbed,
        http_status: u16,
        snippet: Option<Scrubbed>,
    ) -> Self {
        Self {
            path: path.map(Scrubbed::into_string),
            message: message.into_string(),
            http_status,
            snippet: snippet.map(Scrubbed::into_string),
        }
    }
}

/// A foreign error (a signature source's) kept as its scrubbed text: it may quote what it
/// fetched.
struct Foreign(Scrubbed);

impl fmt::Display for Foreign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for Foreign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl StdError for Foreign {}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Api(api) => api.fmt(f),
            ErrorKind::Auth(auth) => write!(f, "authentication failed: {auth}"),
            ErrorKind::Timeout(kind) => kind.fmt(f),
            ErrorKind::Transport(t) => write!(f, "transport error: {}", t.detail),
            ErrorKind::Http(http) => {
                write!(f, "HTTP {}", http.status)?;
                if let Some(reason) = reqwest::StatusCode::from_u16(http.status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                {
                    write!(f, " {reason}")?;
                }
                if !http.snippet.is_empty() {
                    write!(f, ": {}", http.snippet)?;
                }
                Ok(())
            }
            ErrorKind::Decode(d) => {
                f.write_str("cannot decode the reply")?;
                if let Some(path) = &d.path {
                    write!(f, " at {path}")?;
                }
                write!(f, ": {}", d.message)?;
                if !(200..300).contains(&d.http_status) {
                    write!(f, " [HTTP {}]", d.http_status)?;
                }
                if let Some(snippet) = d.snippet.as_deref().filter(|s| !s.is_empty()) {
                    write!(f, ": {snippet}")?;
                }
                Ok(())
            }
            ErrorKind::InvalidRequest(v) => write!(f, "invalid request: {v}"),
            ErrorKind::Encode(message) => write!(f, "cannot encode the request: {message}"),
            ErrorKind::Config(message) => f.write_str(message),
            ErrorKind::Paging(paging) => paging.fmt(f),
            #[cfg(feature = "upload")]
            ErrorKind::Upload(upload) => upload.fmt(f),
        }
    }
}

impl Error {
    fn new(operation: Operation, kind: ErrorKind, retryable: bool) -> Self {
        Self(Box::new(Inner {
            kind,
            operation,
            stage: Stage::Call,
            attempts: 0,
            retryable,
            retry_after: None,
            source: None,
            page_offset: None,
            #[cfg(feature = "upload")]
            upload_step: match operation {
                Operation::Upload(step) => Some(step),
                _ => None,
            },
        }))
    }

    /// An upload's own failure at `step`; `retryable` says whether sending the same request
    /// again may succeed.
    #[cfg(feature = "upload")]
    pub(crate) fn upload(step: UploadStep, kind: UploadError, retryable: bool) -> Self {
        Self::new(Operation::Upload(step), ErrorKind::Upload(kind), retryable)
    }

    /// Overrides whether sending the same request again may succeed (an upload retries VOD's
    /// HTTP 500 on the backup host, which a CME call would not).
    #[cfg(feature = "upload")]
    pub(crate) fn retryable(mut self, retryable: bool) -> Self {
        self.0.retryable = retryable;
        self
    }

    /// Records the step of an upload this error ended (for the errors of CME actions, whose
    /// operation is the action).
    #[cfg(feature = "upload")]
    pub(crate) fn at_upload_step(mut self, step: UploadStep) -> Self {
        self.0.upload_step = Some(step);
        self
    }

    /// The step of an upload that failed, when this error ended an upload
    /// ([`Upload::send`](crate::upload::Upload::send)).
    #[cfg(feature = "upload")]
    #[cfg_attr(docsrs, doc(cfg(feature = "upload")))]
    pub fn upload_step(&self) -> Option<UploadStep> {
        self.0.upload_step
    }

    /// The upload's own failure, when the error is one ([`ErrorKind::Upload`]).
    #[cfg(feature = "upload")]
    #[cfg_attr(docsrs, doc(cfg(feature = "upload")))]
    pub fn upload_error(&self) -> Option<&UploadError> {
        match &self.0.kind {
            ErrorKind::Upload(upload) => Some(upload),
            _ => None,
        }
    }

    pub(crate) fn from_api(
        operation: Operation,
        api: ApiError,
        retry_after: Option<Duration>,
    ) -> Self {
        let retryable = status_retryable(api.http_status, operation)
            || match api.code.retry() {
                Retryability::Always => true,
                Retryability::IfIdempotent => operation.idempotent(),
                Retryability::Never => false,
            };
        let mut err = Self::new(operation, ErrorKind::Api(api), retryable);
        err.0.retry_after = retry_after;
        err
    }

    pub(crate) fn auth(operation: Operation, auth: AuthError) -> Self {
        Self::new(operation, ErrorKind::Auth(auth), false).at_login()
    }

    /// The signature callback failed with `cause`.
    pub(crate) fn signature_source(operation: Operation, cause: BoxError) -> Self {
        let mut err = Self::auth(operation, AuthError::SignatureSource);
        let text = redact::scrub(&chain(&*cause));
        err.0.source = Some(Arc::new(Foreign(text)));
        err
    }

    /// The login panicked; the only code of the user's it runs is the signature source.
    pub(crate) fn login_panicked(payload: &(dyn std::any::Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        Self::signature_source(Operation::Login, format!("panicked: {what}").into())
    }

    /// The login was dropped before it ended.
    pub(crate) fn login_abandoned(operation: Operation) -> Self {
        Self::auth(operation, AuthError::LoginAbandoned)
    }

    pub(crate) fn timeout(operation: Operation, kind: TimeoutKind) -> Self {
        let retryable = match kind {
            TimeoutKind::Connect => true,
            _ => operation.idempotent(),
        };
        Self::new(operation, ErrorKind::Timeout(kind), retryable)
    }

    /// A reqwest failure. The URL (which holds the ticket or the signature) is dropped, and any
    /// of `secrets` is scrubbed from the message.
    pub(crate) fn transport(operation: Operation, err: reqwest::Error, secrets: &[&str]) -> Self {
        let err = err.without_url();
        let connect = err.is_connect();
        if err.is_timeout() && connect {
            let mut timeout = Self::timeout(operation, TimeoutKind::Connect);
            timeout.0.source = Some(Arc::new(err));
            return timeout;
        }
        let detail = Secrets::new(secrets).scrub(&chain(&err), redact::TEXT_CHARS);
        let kind = ErrorKind::Transport(TransportError { connect, detail });
        let mut out = Self::new(operation, kind, connect || operation.idempotent());
        out.0.source = Some(Arc::new(err));
        out
    }

    pub(crate) fn http(
        operation: Operation,
        status: u16,
        snippet: Scrubbed,
        retry_after: Option<Duration>,
    ) -> Self {
        let snippet = snippet.into_string();
        let kind = ErrorKind::Http(HttpError { status, snippet });
        let mut err = Self::new(operation, kind, status_retryable(status, operation));
        err.0.retry_after = retry_after;
        err
    }

    pub(crate) fn decode(operation: Operation, decode: DecodeError) -> Self {
        Self::new(operation, ErrorKind::Decode(decode), false)
    }

    pub(crate) fn invalid_request(meta: ActionMeta, err: ValidationError) -> Self {
        Self::new(
            Operation::Action(meta),
            ErrorKind::InvalidRequest(err),
            false,
        )
    }

    pub(crate) fn encode(operation: Operation, err: &serde_json::Error) -> Self {
        let message = redact::scrub(&err.to_string()).into_string();
        Self::new(operation, ErrorKind::Encode(message), false)
    }

    /// A configuration error; `message` may quote what the user gave (an endpoint).
    pub(crate) fn config(message: impl Into<String>) -> Self {
        let message = redact::scrub(&message.into()).into_string();
        Self::new(Operation::Build, ErrorKind::Config(message), false)
    }

    /// A walk over pages that could not go on.
    pub(crate) fn paging(meta: ActionMeta, paging: PagingError) -> Self {
        Self::new(Operation::Action(meta), ErrorKind::Paging(paging), false)
    }

    /// A connection failure known by its description only (no `reqwest::Error` behind it).
    #[cfg(feature = "test-util")]
    pub(crate) fn transport_detail(operation: Operation, connect: bool, detail: &str) -> Self {
        let kind = ErrorKind::Transport(TransportError {
            connect,
            detail: redact::scrub(detail),
        });
        Self::new(operation, kind, connect || operation.idempotent())
    }

    /// Records the offset of the page whose call failed.
    pub(crate) fn at_page_offset(mut self, offset: i64) -> Self {
        self.0.page_offset = Some(offset);
        self
    }

    /// Marks the error as having happened during the login exchange.
    pub(crate) fn at_login(mut self) -> Self {
        self.0.stage = Stage::Login;
        self
    }

    /// Records how long to wait before trying again (the rest of the login backoff).
    pub(crate) fn with_retry_after(mut self, delay: Duration) -> Self {
        self.0.retry_after = Some(delay);
        self
    }

    /// Records how many requests the call sent.
    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.0.attempts = attempts;
        self
    }

    /// The same failure, reported for another operation (a shared login failure).
    pub(crate) fn for_operation(mut self, operation: Operation) -> Self {
        self.0.operation = operation;
        self
    }

    /// Whether the service said the ticket is invalid.
    pub(crate) fn is_ticket_invalid(&self) -> bool {
        matches!(&self.0.kind, ErrorKind::Api(api) if api.code.is_ticket_invalid())
    }

    /// Turns an API error into the auth error `as_auth` makes of it (a refused login or ticket);
    /// other errors are kept.
    pub(crate) fn api_as_auth(mut self, as_auth: fn(ApiError) -> AuthError) -> Self {
        if let ErrorKind::Api(api) = &self.0.kind {
            self.0.kind = ErrorKind::Auth(as_auth(api.clone()));
            self.0.retryable = false;
        }
        self
    }

    /// The kind of failure, with its details.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The service's error code: of an API error, or of a refused login or ticket.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.api().map(|api| &api.code)
    }

    /// The service's error answer: of an API error, or of a refused login or ticket.
    pub fn api(&self) -> Option<&ApiError> {
        match &self.0.kind {
            ErrorKind::Api(api)
            | ErrorKind::Auth(AuthError::LoginRefused(api) | AuthError::TicketRefused(api)) => {
                Some(api)
            }
            _ => None,
        }
    }

    /// Whether trying again may succeed and is safe: a connection that failed before the request
    /// was sent, a code the service guarantees was not executed
    /// ([`Retryability::Always`]), and, for idempotent actions only, HTTP 429 and 502/503/504,
    /// codes marked [`Retryability::IfIdempotent`] (internal errors, throttling), timeouts and
    /// resets.
    pub fn is_retryable(&self) -> bool {
        self.0.retryable
    }

    /// Whether a time limit ran out.
    pub fn is_timeout(&self) -> bool {
        matches!(self.0.kind, ErrorKind::Timeout(_))
    }

    /// Whether no usable ticket could be had ([`ErrorKind::Auth`]).
    pub fn is_auth(&self) -> bool {
        matches!(self.0.kind, ErrorKind::Auth(_))
    }

    /// The action that failed (`None` for an explicit login or a configuration error).
    pub fn action(&self) -> Option<ActionMeta> {
        match self.0.operation {
            Operation::Action(meta) => Some(meta),
            _ => None,
        }
    }

    /// How many requests the failing step sent: the call's API requests, or the login requests
    /// when the login failed (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }

    /// The HTTP status of the reply that failed, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match &self.0.kind {
            ErrorKind::Http(http) => Some(http.status),
            ErrorKind::Decode(decode) => Some(decode.http_status),
            _ => self.api().map(|api| api.http_status),
        }
    }

    /// How long to wait before trying again: the delay the server asked for with
    /// `Retry-After`, or, for a login failure handed to a call while the client backs off before
    /// logging in again, the rest of that backoff.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// The service's code as text (`"InvalidParameterValue.MaterialId"`): of an API error, or
    /// of a refused login or ticket.
    pub fn code_str(&self) -> Option<&str> {
        self.code().map(ErrorCode::as_str)
    }

    /// What the service's code means ([`ErrorCode::category`]), when there is one.
    pub fn category(&self) -> Option<ErrorCategory> {
        self.code().map(ErrorCode::category)
    }

    /// Whether the service said the resource does not exist: `ResourceNotFound*`, and the codes
    /// whose class says "invalid value" but that mean "does not exist"
    /// (`InvalidParameterValue.MaterialId`, `.ClassNotExist`, `.TeamNotExist`, ...).
    pub fn is_not_found(&self) -> bool {
        self.category() == Some(ErrorCategory::NotFound)
    }

    /// Whether the service refused the user the operation (`OperationDenied.PermissionDeny`
    /// and the like).
    pub fn is_permission_denied(&self) -> bool {
        self.category() == Some(ErrorCategory::PermissionDenied)
    }

    /// Whether the request was wrong: refused by the service as malformed or with a wrong value
    /// (not a missing resource: see [`is_not_found`](Self::is_not_found)), or refused by the
    /// client before sending ([`ErrorKind::InvalidRequest`]).
    pub fn is_invalid_parameter(&self) -> bool {
        matches!(self.0.kind, ErrorKind::InvalidRequest(_))
            || self.category() == Some(ErrorCategory::InvalidParameter)
    }

    /// Whether the service rate-limited the call (`RequestLimitExceeded*` or HTTP 429).
    pub fn is_throttled(&self) -> bool {
        self.category() == Some(ErrorCategory::Throttled) || self.http_status() == Some(429)
    }

    /// For an error that ended a walk over pages ([`Call::pages`](crate::Call::pages),
    /// [`Call::items`](crate::Call::items)): the offset of the page that failed. Set it as the
    /// request's `Offset` to resume the walk there.
    pub fn page_offset(&self) -> Option<i64> {
        self.0.page_offset
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(feature = "upload")]
        let upload_step = self.0.upload_step;
        #[cfg(not(feature = "upload"))]
        let upload_step: Option<std::convert::Infallible> = None;
        match (&self.0.operation, upload_step) {
            (Operation::Action(meta), Some(step)) => {
                write!(f, "upload failed at {step} ({meta}): ")?
            }
            (_, Some(step)) => write!(f, "upload failed at {step}: ")?,
            (Operation::Action(meta), None) => write!(f, "{meta} failed: ")?,
            (Operation::Login, None) => f.write_str("login failed: ")?,
            (Operation::Build, None) => f.write_str("invalid client configuration: ")?,
            #[cfg(feature = "upload")]
            (Operation::Upload(step), None) => write!(f, "upload failed at {step}: ")?,
        }
        let login_prefix = self.0.stage == Stage::Login
            && matches!(self.0.operation, Operation::Action(_))
            && !matches!(self.0.kind, ErrorKind::Auth(_));
        if login_prefix {
            f.write_str("login: ")?;
        }
        self.0.kind.fmt(f)?;
        if let (ErrorKind::Auth(AuthError::SignatureSource), Some(source)) =
            (&self.0.kind, &self.0.source)
        {
            write!(f, ": {source}")?;
        }
        if self.0.attempts > 1 {
            write!(f, " (after {} attempts)", self.0.attempts)?;
        }
        if let Some(offset) = self.0.page_offset {
            write!(f, " (page at offset {offset})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Error");
        match &self.0.operation {
            Operation::Action(meta) => s.field("action", &format_args!("{meta}")),
            Operation::Login => s.field("operation", &"login"),
            Operation::Build => s.field("operation", &"build"),
            #[cfg(feature = "upload")]
            Operation::Upload(_) => s.field("operation", &"upload"),
        };
        #[cfg(feature = "upload")]
        if let Some(step) = self.0.upload_step {
            s.field("upload_step", &format_args!("{step}"));
        }
        if self.0.stage == Stage::Login {
            s.field("during_login", &true);
        }
        s.field("kind", &self.0.kind)
            .field("attempts", &self.0.attempts)
            .field("retryable", &self.0.retryable);
        if let Some(delay) = self.0.retry_after {
            s.field("retry_after", &delay);
        }
        if let Some(offset) = self.0.page_offset {
            s.field("page_offset", &offset);
        }
        if let Some(source) = &self.0.source {
            s.field("source", &redact::scrub(&chain(source.as_ref())));
        }
        s.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        if let Some(source) = &self.0.source {
            return Some(source.as_ref() as &(dyn StdError + 'static));
        }
        match &self.0.kind {
            ErrorKind::InvalidRequest(v) => Some(v),
            _ => None,
        }
    }
}

/// An error and its sources, joined by `": "`, skipping repeats.
fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut out = err.to_string();
    let mut next = err.source();
    while let Some(e) = next {
        let text = e.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = e.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::WireEnum as _;

    fn known_codes() -> impl Iterator<Item = ErrorCode> {
        ErrorCode::VALUES.iter().map(|code| ErrorCode::from(*code))
    }

    /// The error of an action (idempotent or not) answered with `code` and `status`.
    fn api_error_of(code: &str, status: u16, idempotent: bool) -> Error {
        let api = ApiError {
            code: ErrorCode::from(code),
            message: String::new(),
            english_message: None,
            http_status: status,
            request_id: None,
        };
        let meta = ActionMeta::new("Test", "Action", idempotent);
        Error::from_api(Operation::Action(meta), api, None)
    }

    fn retried(code: &str, idempotent: bool, status: u16) -> bool {
        api_error_of(code, status, idempotent).is_retryable()
    }

    fn api_error(code: &str, status: u16) -> Error {
        api_error_of(code, status, true)
    }

    #[test]
    fn predicates_say_what_a_caller_needs_to_know() {
        let not_found = [
            "InvalidParameterValue.MaterialId",
            "InvalidParameterValue.ClassNotExist",
            "InvalidParameterValue.TeamNotExist",
            "ResourceNotFound",
            "ResourceNotFound.Platform",
            "ResourceNotFound.SomethingNew",
        ];
        for code in not_found {
            let err = api_error(code, 200);
            assert!(err.is_not_found(), "{code}");
            assert!(!err.is_invalid_parameter(), "{code}");
            assert_eq!(err.code_str(), Some(code));
        }
        let denied = [
            "OperationDenied.PermissionDeny",
            "OperationDenied.New",
            "UnauthorizedOperation",
        ];
        assert!(denied
            .iter()
            .all(|code| api_error(code, 200).is_permission_denied()));
        let invalid = [
            "InvalidParameterValue.Limit",
            "InvalidParameter",
            "MissingParameter",
            "InvalidParameterValue.SomethingNew",
        ];
        for code in invalid {
            let err = api_error(code, 200);
            assert!(err.is_invalid_parameter() && !err.is_not_found(), "{code}");
        }
        assert!(api_error("RequestLimitExceeded.UinLimitExceeded", 200).is_throttled());
        assert!(api_error("SomethingNew", 429).is_throttled());
        let other = api_error("Brand.New", 200);
        assert_eq!(other.category(), Some(ErrorCategory::Other));
        assert!(!(other.is_not_found() || other.is_permission_denied() || other.is_throttled()));
        // Client-side refusals are invalid requests too; errors without a code have no category.
        let local = Error::invalid_request(
            ActionMeta::new("T", "A", true),
            crate::validate::Validator::check(&Limit, false).unwrap_err(),
        );
        assert!(local.is_invalid_parameter() && local.code_str().is_none());
        assert_eq!(Error::config("x").category(), None);
    }

    /// A value that breaks a constraint, for a client-side refusal.
    struct Limit;

    impl crate::action::Validate for Limit {
        fn validate(&self, v: &mut crate::validate::Validator) {
            v.int_range("Limit", 31, None, Some(30));
        }
    }

    #[test]
    fn internal_error_class_codes_are_retried_for_idempotent_actions_only() {
        let class: Vec<_> = known_codes()
            .filter(|c| c.as_str().split('.').next() == Some("InternalError"))
            .collect();
        assert!(class.len() >= 2, "{class:?}");
        for code in class
            .iter()
            .map(ErrorCode::as_str)
            .chain(["InternalError.New"])
        {
            assert!(retried(code, true, 200), "{code}");
            assert!(!retried(code, false, 200), "{code}");
        }
    }

    #[test]
    fn only_codes_guaranteed_not_executed_are_retried_for_any_action() {
        for code in known_codes() {
            let always = code.retry() == Retryability::Always;
            assert!(!always || code.not_executed(), "{code}");
            assert_eq!(retried(code.as_str(), false, 200), always, "{code}");
        }
        // An unknown code of a class is retried like the class, for idempotent actions only.
        assert!(retried("RequestLimitExceeded.New", true, 200));
        assert!(!retried("RequestLimitExceeded.New", false, 200));
        assert!(!retried("InvalidParameterValue.New", true, 200));
        assert!(!retried("NoClass", true, 200));
    }

    fn api(code: &str, message: &str, english: Option<&str>) -> ApiError {
        ApiError {
            code: ErrorCode::from(code),
            message: message.to_owned(),
            english_message: english.map(str::to_owned),
            http_status: 200,
            request_id: None,
        }
    }

    #[test]
    fn best_message_never_presents_an_undocumented_text_as_the_services() {
        // Nothing in the reply, nothing documented: no message at all.
        for code in ["RequestLimitExceeded", "AuthFailure.SessionInvalid", "Nope"] {
            assert_eq!(api(code, "", None).best_message(), None, "{code}");
            assert_eq!(api(code, " ", Some("")).to_string(), code);
        }
        // Nothing in the reply: the documented texts, as far as they go.
        let documented = [
            ("InternalError", Some("system error (服务器内部错误)")),
            ("InvalidParameterValue", Some("参数值错误")),
            ("InvalidParameterValue.Platform", Some("platform not exist")),
        ];
        for (code, expected) in documented {
            assert_eq!(api(code, "", None).best_message().as_deref(), expected);
        }
        // The reply's own texts first.
        assert_eq!(
            api("RequestLimitExceeded", "请求过于频繁", None)
                .best_message()
                .as_deref(),
            Some("请求过于频繁")
        );
        assert_eq!(
            api("InternalError", "", Some("db down"))
                .best_message()
                .as_deref(),
            Some("db down")
        );
    }

    #[test]
    fn the_code_table_keeps_only_the_documented_texts() {
        // Reference §4.1: the only codes whose texts the docs give, with those texts.
        let documented = [
            (
                "SignatureVerifyFail",
                Some("签名校验失败"),
                Some("Signature Verify Fail"),
            ),
            ("InvalidParameterValue", Some("参数值错误"), None),
            (
                "InvalidParameterValue.Platform",
                None,
                Some("platform not exist"),
            ),
            (
                "InvalidParameterValue.MaterialId",
                Some("媒体不存在"),
                Some("material not exist"),
            ),
            (
                "InvalidParameterValue.ProjectId",
                Some("项目不存在"),
                Some("project not exist"),
            ),
            (
                "InvalidParameterValue.UploadContext",
                Some("非法上传上下文"),
                Some("invalid upload context"),
            ),
            (
                "InvalidParameterValue.Limit",
                Some("参数错误，Limit 参数值超过限制"),
                Some("Limit greate than max"),
            ),
            (
                "OperationDenied.PermissionDeny",
                Some("权限不足"),
                Some("permission denied"),
            ),
            (
                "ResourceNotFound",
                Some("资源不存在"),
                Some("resource not found"),
            ),
            (
                "InternalError",
                Some("服务器内部错误"),
                Some("system error"),
            ),
        ];
        for code in known_codes() {
            let texts = (code.message_zh(), code.message_en());
            let expected = documented
                .iter()
                .find(|(c, _, _)| *c == code.as_str())
                .map_or((None, None), |(_, zh, en)| (*zh, *en));
            assert_eq!(texts, expected, "{code}");
        }
    }

    #[test]
    fn a_429_is_retried_for_idempotent_actions_only() {
        assert!(retried("InvalidParameter", true, 429));
        assert!(!retried("InvalidParameter", false, 429));
        assert!(!retried("RequestLimitExceeded", false, 429));
    }
}
