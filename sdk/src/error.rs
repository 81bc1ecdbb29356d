//! The one error type of the SDK.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::action::{ActionMeta, Retryability};
use crate::generated::codes::ErrorCode;
use crate::redact::{self, Scrubbed, Secrets};
use crate::validate::ValidationError;

/// A boxed error, as returned by a signature callback.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// Whether an HTTP status calls for a retry, whatever the body says. 429 refuses the request
/// before it runs; a 502, 503 or 504 may come from a gateway after the service ran it, so those
/// are retried only for idempotent actions.
fn status_retryable(status: u16, operation: Operation) -> bool {
    match status {
        429 => true,
        502..=504 => operation.idempotent(),
        _ => false,
    }
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
}

/// What failed: a call of an action, an explicit login, or building the client.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Operation {
    Action(ActionMeta),
    Login,
    Build,
}

impl Operation {
    /// Whether sending this operation twice is harmless.
    fn idempotent(self) -> bool {
        match self {
            Operation::Action(meta) => meta.idempotent,
            Operation::Login | Operation::Build => true,
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

    /// The most useful message: the English one and the Chinese one in parentheses when both are
    /// known, otherwise whichever is; falls back to the spec's table.
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
        }))
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

    /// Marks the error as having happened during the login exchange.
    pub(crate) fn at_login(mut self) -> Self {
        self.0.stage = Stage::Login;
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

    /// Whether trying again may succeed and is safe: connection failures before sending, HTTP
    /// 429, retryable codes, and (for idempotent actions) 502/503/504, timeouts and resets.
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
            Operation::Login | Operation::Build => None,
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

    /// The delay the server asked for with `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.operation {
            Operation::Action(meta) => write!(f, "{meta} failed: ")?,
            Operation::Login => f.write_str("login failed: ")?,
            Operation::Build => f.write_str("invalid client configuration: ")?,
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
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Error");
        match self.0.operation {
            Operation::Action(meta) => s.field("action", &format_args!("{meta}")),
            Operation::Login => s.field("operation", &"login"),
            Operation::Build => s.field("operation", &"build"),
        };
        if self.0.stage == Stage::Login {
            s.field("during_login", &true);
        }
        s.field("kind", &self.0.kind)
            .field("attempts", &self.0.attempts)
            .field("retryable", &self.0.retryable);
        if let Some(delay) = self.0.retry_after {
            s.field("retry_after", &delay);
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
