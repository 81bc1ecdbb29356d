//! A mock client for unit tests of your own code: typed per-action rules, no sockets
//! (feature `test-util`).
//!
//! A mock client is a real [`Client`] whose requests never leave the process: each attempt is
//! answered by the first [`Rule`] that matches it, as a reply envelope that then takes the
//! client's normal path (decoding, error codes, retries, the re-login after a refused ticket).
//! Rules are typed by the generated request types, so a matcher reads `&DeleteMaterialRequest`
//! and a responder returns a `DeleteMaterialData`.
//!
//! ```
//! use cme_sdk::material::{DeleteMaterialData, DeleteMaterialRequest};
//! use cme_sdk::mock::{mock, Mock};
//! use cme_sdk::ErrorCode;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let gone = mock::<DeleteMaterialRequest>()
//!     .when(|request| request.material_id == "gone")
//!     .then_error(ErrorCode::InvalidParameterValueMaterialId, "material not exist");
//! let deleted = mock::<DeleteMaterialRequest>().then_data(|_| DeleteMaterialData::default());
//! let mock = Mock::new().with(&gone).with(&deleted);
//! let client = mock.client();
//!
//! client.material().delete_material("m1").send().await.unwrap();
//! let err = client.material().delete_material("gone").send().await.unwrap_err();
//! assert_eq!(err.code(), Some(&ErrorCode::InvalidParameterValueMaterialId));
//! assert_eq!((gone.calls(), deleted.calls()), (1, 1));
//! # }
//! ```
//!
//! # How rules answer
//!
//! | Rule | Answers |
//! |---|---|
//! | `then_data`, `then_error`, `then` | every matching attempt, however many |
//! | a [`Sequence`] | matching attempts in order, each step its number of [`times`](Sequence::times); once every step is used, it no longer matches |
//!
//! Rules are tried in the order they were added to the [`Mock`]; the first that matches and is
//! not used up answers, and its [`calls`](Rule::calls) count goes up. An attempt that no rule
//! answers **panics**, naming the action and the request, so that a test never passes on an
//! unexpected call. [`Mock::client`] retries nothing (the first error is the call's); build
//! with [`ClientBuilder::mock`](crate::ClientBuilder::mock) to keep a retry policy and see
//! retries consume a sequence.
//!
//! The client logs in against the mock too (every login succeeds; [`Mock::logins`] counts
//! them), as user `mock_user` on platform `mock_platform` unless the builder says otherwise.
//!
//! The functions of [`error`] build an [`Error`] of every kind, for code that
//! takes errors from elsewhere (your own trait over the client, say).

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;

use crate::action::{Action, ActionMeta};
use crate::client::Client;
use crate::error::Error;
use crate::generated::codes::ErrorCode;
use crate::options::RetryPolicy;
use crate::transport::Reply;

/// The platform a mock login names unless the client's builder names one.
pub const MOCK_PLATFORM: &str = "mock_platform";
/// The user a mock login names unless the client's builder names one.
pub const MOCK_USER: &str = "mock_user";

/// A rule for requests of action `A`; see the [module docs](self).
pub fn mock<A: Action + DeserializeOwned>() -> RuleBuilder<A> {
    RuleBuilder {
        when: Arc::new(|_| true),
        _action: PhantomData,
    }
}

/// The answer of one attempt.
pub struct MockReply(Answer);

enum Answer {
    /// An HTTP reply: its status and body.
    Reply(u16, Bytes),
    /// A failure of the attempt itself (a timeout, a broken connection...).
    Fail(Error),
}

impl MockReply {
    /// A success whose `Data` is `data`.
    pub fn data<D: Serialize>(data: &D) -> Self {
        let data = serde_json::to_value(data).unwrap_or_else(|e| {
            panic!("a mock reply's Data does not serialize: {e}");
        });
        Self::envelope(
            200,
            &json!({"Code": "Success", "Message": "成功", "EnglishMessage": "success", "Data": data}),
        )
    }

    /// An error answer of the service with `code`; an empty `message` leaves the service's
    /// message out (the SDK then shows the spec's text for the code, if it documents one).
    pub fn error(code: ErrorCode, message: &str) -> Self {
        Self::envelope(
            200,
            &json!({"Code": code.as_str(), "Message": message, "EnglishMessage": message}),
        )
    }

    /// An HTTP reply with `status` and `body` as they are (a proxy's HTML page, say).
    pub fn http(status: u16, body: impl Into<String>) -> Self {
        Self::bytes(status, Bytes::from(body.into()))
    }

    /// An HTTP reply with `status` and `body` as they are, in any bytes (the fuzz targets'
    /// hook, `__private::mock_reply_bytes`).
    pub(crate) fn bytes(status: u16, body: Bytes) -> Self {
        Self(Answer::Reply(status, body))
    }

    /// A failed attempt: `error` (from the functions of [`error`]) is what
    /// the attempt returns, retried or not as its kind says.
    pub fn fail(error: Error) -> Self {
        Self(Answer::Fail(error))
    }

    fn envelope(status: u16, body: &serde_json::Value) -> Self {
        Self(Answer::Reply(status, Bytes::from(body.to_string())))
    }
}

impl fmt::Debug for MockReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Answer::Reply(status, body) => f
                .debug_struct("MockReply")
                .field("status", status)
                .field("body", &String::from_utf8_lossy(body))
                .finish(),
            Answer::Fail(error) => f.debug_tuple("MockReply::Fail").field(error).finish(),
        }
    }
}

type Matcher<A> = Arc<dyn Fn(&A) -> bool + Send + Sync>;
type Responder<A> = Box<dyn Fn(&A) -> MockReply + Send + Sync>;

/// Builds a [`Rule`] for action `A`: which requests it matches, then how it answers.
#[must_use = "a rule builder does nothing until it answers with then_* or a sequence"]
pub struct RuleBuilder<A> {
    when: Matcher<A>,
    _action: PhantomData<fn(&A)>,
}

impl<A: Action + DeserializeOwned> RuleBuilder<A> {
    /// Matches only the requests for which `matches` holds (default: every request of `A`).
    pub fn when(mut self, matches: impl Fn(&A) -> bool + Send + Sync + 'static) -> Self {
        self.when = Arc::new(matches);
        self
    }

    /// Answers every matching attempt with the `Data` `data` makes.
    pub fn then_data(self, data: impl Fn(&A) -> A::Data + Send + Sync + 'static) -> Rule
    where
        A::Data: Serialize,
    {
        self.then(move |request| MockReply::data(&data(request)))
    }

    /// Answers every matching attempt with the error `code` and `message`.
    pub fn then_error(self, code: ErrorCode, message: &str) -> Rule {
        let message = message.to_owned();
        self.then(move |_| MockReply::error(code.clone(), &message))
    }

    /// Answers every matching attempt with what `reply` makes.
    pub fn then(self, reply: impl Fn(&A) -> MockReply + Send + Sync + 'static) -> Rule {
        let reply: Responder<A> = Box::new(reply);
        Rule::new(self.when, Script::Always(reply))
    }

    /// Answers matching attempts with a sequence of replies.
    pub fn sequence(self) -> Sequence<A> {
        Sequence {
            when: self.when,
            steps: VecDeque::new(),
        }
    }
}

/// A rule's answers in order; see [`RuleBuilder::sequence`].
#[must_use = "a sequence does nothing until it is built"]
pub struct Sequence<A> {
    when: Matcher<A>,
    steps: VecDeque<(Responder<A>, usize)>,
}

impl<A: Action + DeserializeOwned> Sequence<A> {
    /// Then a success with `data` (once, unless followed by [`times`](Self::times)).
    pub fn data(self, data: A::Data) -> Self
    where
        A::Data: Serialize,
    {
        let reply = MockReply::data(&data);
        let Answer::Reply(status, body) = reply.0 else {
            unreachable!("a data reply is an HTTP reply")
        };
        self.reply(move |_| MockReply(Answer::Reply(status, body.clone())))
    }

    /// Then an error answer (once, unless followed by [`times`](Self::times)).
    pub fn error(self, code: ErrorCode, message: &str) -> Self {
        let message = message.to_owned();
        self.reply(move |_| MockReply::error(code.clone(), &message))
    }

    /// Then what `reply` makes (once, unless followed by [`times`](Self::times)).
    pub fn reply(mut self, reply: impl Fn(&A) -> MockReply + Send + Sync + 'static) -> Self {
        self.steps.push_back((Box::new(reply), 1));
        self
    }

    /// The previous step answers `times` attempts in a row (0 removes it).
    pub fn times(mut self, times: usize) -> Self {
        if let Some(last) = self.steps.back_mut() {
            last.1 = times;
        }
        self
    }

    /// The rule.
    pub fn build(self) -> Rule {
        Rule::new(self.when, Script::Steps(Mutex::new(self.steps)))
    }
}

/// How a rule answers.
enum Script<A> {
    Always(Responder<A>),
    Steps(Mutex<VecDeque<(Responder<A>, usize)>>),
}

impl<A> Script<A> {
    /// The next answer to `request`, `None` when used up.
    fn next(&self, request: &A) -> Option<MockReply> {
        match self {
            Script::Always(reply) => Some(reply(request)),
            Script::Steps(steps) => {
                let mut steps = steps.lock().unwrap_or_else(PoisonError::into_inner);
                while steps.front().is_some_and(|(_, left)| *left == 0) {
                    steps.pop_front();
                }
                let (reply, left) = steps.front_mut()?;
                *left -= 1;
                Some(reply(request))
            }
        }
    }
}

type Answerer = dyn Fn(&[u8]) -> Option<MockReply> + Send + Sync;

/// A rule of a [`Mock`]: the requests of one action it answers, and how. Clones share the rule
/// and its count.
#[derive(Clone)]
pub struct Rule(Arc<RuleInner>);

struct RuleInner {
    action: ActionMeta,
    answer: Box<Answerer>,
    calls: AtomicUsize,
}

impl Rule {
    fn new<A: Action + DeserializeOwned>(when: Matcher<A>, script: Script<A>) -> Self {
        let answer = move |body: &[u8]| {
            // The request as sent: what the caller built, with what the client filled in.
            let request: A = serde_json::from_slice(body).ok()?;
            if when(&request) {
                script.next(&request)
            } else {
                None
            }
        };
        Self(Arc::new(RuleInner {
            action: A::META,
            answer: Box::new(answer),
            calls: AtomicUsize::new(0),
        }))
    }

    /// How many attempts this rule answered.
    pub fn calls(&self) -> usize {
        self.0.calls.load(Ordering::SeqCst)
    }

    /// The action the rule answers.
    pub fn action(&self) -> ActionMeta {
        self.0.action
    }
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("action", &format_args!("{}", self.0.action))
            .field("calls", &self.calls())
            .finish()
    }
}

/// The rules that answer a mock client's requests; see the [module docs](self). Clones share
/// the rules and the counts.
#[derive(Clone, Default)]
pub struct Mock(Arc<MockInner>);

#[derive(Default)]
struct MockInner {
    rules: Mutex<Vec<Rule>>,
    logins: AtomicUsize,
}

impl Mock {
    /// A mock without rules: every call panics until rules are added.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `rule`, tried after the rules added before it. The rule is shared: its
    /// [`calls`](Rule::calls) count what this mock answers with it.
    pub fn with(self, rule: &Rule) -> Self {
        self.0
            .rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(rule.clone());
        self
    }

    /// A client answered by this mock, with no retries; see [`ClientBuilder::mock`](crate::ClientBuilder::mock)
    /// for other settings.
    pub fn client(&self) -> Client {
        Client::builder()
            .mock(self)
            .retry(RetryPolicy::none())
            .build()
            .unwrap_or_else(|e| panic!("a mock client always builds: {e}"))
    }

    /// How many logins the mock answered.
    pub fn logins(&self) -> usize {
        self.0.logins.load(Ordering::SeqCst)
    }

    /// The reply to an attempt of `action` with `body`. Panics when no rule answers it.
    pub(crate) fn answer(&self, action: ActionMeta, body: &[u8]) -> Result<Reply, Error> {
        let rules = self
            .0
            .rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let answered = rules
            .iter()
            .filter(|rule| rule.0.action == action)
            .find_map(|rule| {
                let reply = (rule.0.answer)(body)?;
                rule.0.calls.fetch_add(1, Ordering::SeqCst);
                Some(reply)
            });
        match answered.map(|reply| reply.0) {
            Some(Answer::Reply(status, body)) => Ok(Reply {
                status,
                retry_after: None,
                body,
                over_limit: None,
            }),
            Some(Answer::Fail(error)) => Err(error),
            None => panic!(
                "no mock rule answers {action} with {}",
                String::from_utf8_lossy(body)
            ),
        }
    }

    /// The reply to a login: a new ticket for `platform` and `user_id` (the old reply shape,
    /// which names the user).
    pub(crate) fn login(&self, platform: Option<&str>, user_id: Option<&str>) -> Reply {
        let n = self.0.logins.fetch_add(1, Ordering::SeqCst) + 1;
        let body = json!({"Code": "Success", "Message": "成功", "EnglishMessage": "success",
            "Data": {"Authorization": format!("mock-ticket-{n}"),
                "Platform": platform.unwrap_or(MOCK_PLATFORM),
                "UserId": user_id.unwrap_or(MOCK_USER)}});
        Reply {
            status: 200,
            retry_after: None,
            body: Bytes::from(body.to_string()),
            over_limit: None,
        }
    }
}

impl fmt::Debug for Mock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rules = self.0.rules.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Mock")
            .field("rules", &*rules)
            .field("logins", &self.logins())
            .finish()
    }
}

/// Errors of every kind, as calls of action `A` return them, for tests.
pub mod error {
    use std::time::Duration;

    use crate::action::Action;
    use crate::error::{
        ApiError, AuthError, DecodeError, Error, Operation, PagingError, TimeoutKind,
    };
    use crate::generated::codes::ErrorCode;
    use crate::validate::{Problem, ValidationError};

    /// The service answered `code` with `message` (retryable as the spec says for `code`).
    pub fn api<A: Action>(code: ErrorCode, message: &str) -> Error {
        Error::from_api(Operation::Action(A::META), api_error(code, message), None)
    }

    /// No ticket could be had (`AuthError::LoginRefused`, `SignatureSource`, ...).
    pub fn auth<A: Action>(auth: AuthError) -> Error {
        Error::auth(Operation::Action(A::META), auth)
    }

    /// The login refused the signature with `code` and `message`.
    pub fn login_refused<A: Action>(code: ErrorCode, message: &str) -> Error {
        auth::<A>(AuthError::LoginRefused(api_error(code, message)))
    }

    /// A time limit ran out.
    pub fn timeout<A: Action>(kind: TimeoutKind) -> Error {
        Error::timeout(Operation::Action(A::META), kind)
    }

    /// The attempt timed out after `limit`.
    pub fn attempt_timeout<A: Action>(limit: Duration) -> Error {
        timeout::<A>(TimeoutKind::Attempt(limit))
    }

    /// The connection failed; `connect` says whether before the request was sent.
    pub fn transport<A: Action>(connect: bool, detail: &str) -> Error {
        Error::transport_detail(Operation::Action(A::META), connect, detail)
    }

    /// An HTTP error status whose body is not the service's envelope.
    pub fn http<A: Action>(status: u16, body: &str) -> Error {
        let snippet = crate::redact::Secrets::default().snippet(body.as_bytes());
        Error::http(Operation::Action(A::META), status, snippet, None)
    }

    /// The reply could not be decoded at `path` (e.g. `Data.MaterialInfoSet[0]`).
    pub fn decode<A: Action>(path: &str, message: &str) -> Error {
        let decode = DecodeError {
            path: Some(path.to_owned()),
            message: message.to_owned(),
            http_status: 200,
            snippet: None,
        };
        Error::decode(Operation::Action(A::META), decode)
    }

    /// The request broke a constraint at `field`.
    pub fn invalid_request<A: Action>(field: &str, problem: Problem) -> Error {
        Error::invalid_request(A::META, ValidationError::single(field, problem))
    }

    /// A walk over pages stopped.
    pub fn paging<A: Action>(paging: PagingError) -> Error {
        Error::paging(A::META, paging)
    }

    /// The client was configured wrongly.
    pub fn config(message: &str) -> Error {
        Error::config(message)
    }

    fn api_error(code: ErrorCode, message: &str) -> ApiError {
        ApiError {
            code,
            message: message.to_owned(),
            english_message: None,
            http_status: 200,
            request_id: None,
        }
    }
}
