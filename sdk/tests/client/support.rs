//! A scripted fake of the CME service on 127.0.0.1, and test actions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use cme_sdk::validate::Validator;
use cme_sdk::{
    Action, ActionMeta, Client, ClientBuilder, ClientSupplied, Paginated, RetryPolicy, SignAction,
    SignParams, Signature, SignatureSource, Signer, Validate, Verifier,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const SECRET_ID: &str = "AKIDfakeSecretId0000";
pub const SECRET_KEY: &str = "fake-secret-key-DO-NOT-LEAK";
pub const PLATFORM: &str = "test_platform";
/// Every ticket the fake issues starts with this.
pub const TICKET_PREFIX: &str = "tf_SECRET_TICKET_";

/// A server on an ephemeral loopback port, stopped when dropped.
pub struct Server {
    pub url: String,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn serve(router: Router) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Server { url, task }
}

/// A URL on which nothing listens.
pub async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// The shape of the fake's login replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginShape {
    /// `{"Response":{…}}`
    Current,
    /// `{"Code":"Success","Data":{…}}`
    Old,
}

/// One API request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub class: String,
    pub name: String,
    pub body: Value,
    /// 1-based index among the API requests whose ticket was accepted.
    pub n: usize,
    pub content_type: Option<String>,
    pub user_agent: Option<String>,
}

/// What the fake answers to an API request.
pub enum Reply {
    Json(u16, Value),
    Raw {
        status: u16,
        content_type: &'static str,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// A JSON body given as bytes, which need not be UTF-8.
    Bytes(u16, Vec<u8>),
    Hang,
}

impl Reply {
    pub fn ok(data: Value) -> Self {
        Reply::Json(
            200,
            json!({"Code": "Success", "Message": "成功", "EnglishMessage": "success", "Data": data}),
        )
    }

    pub fn error(status: u16, code: &str, message: &str, english: &str) -> Self {
        Reply::Json(
            status,
            json!({"Code": code, "Message": message, "EnglishMessage": english}),
        )
    }

    fn into_response(self) -> Response {
        match self {
            Reply::Json(status, body) => (status_code(status), axum::Json(body)).into_response(),
            Reply::Raw {
                status,
                content_type,
                headers,
                body,
            } => {
                let mut map = HeaderMap::new();
                map.insert("content-type", content_type.parse().unwrap());
                for (name, value) in headers {
                    map.insert(name, value.parse().unwrap());
                }
                (status_code(status), map, body).into_response()
            }
            Reply::Bytes(status, body) => (
                status_code(status),
                [("content-type", "application/json")],
                body,
            )
                .into_response(),
            Reply::Hang => unreachable!("handled by the caller"),
        }
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap()
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

pub struct FakeState {
    /// Login requests received (counted on arrival, before any delay).
    pub login_requests: AtomicUsize,
    /// Logins that issued a ticket.
    pub logins: AtomicUsize,
    /// API requests received, refused tickets included.
    pub requests: AtomicUsize,
    /// API requests refused for their ticket.
    pub refused: AtomicUsize,
    accepted: AtomicUsize,
    shape: LoginShape,
    login_delay: Duration,
    verifier: Verifier,
    current_ticket: Mutex<Option<String>>,
    refuse_all_tickets: Mutex<bool>,
    seen: Mutex<Vec<Seen>>,
    handler: Box<Handler>,
}

/// The fake service: a login exchange that verifies signatures and issues numbered tickets, and
/// an API that checks the ticket and then answers with the test's handler.
pub struct Fake {
    pub state: Arc<FakeState>,
    pub server: Server,
}

pub struct FakeBuilder {
    shape: LoginShape,
    login_delay: Duration,
    handler: Box<Handler>,
}

impl Fake {
    pub fn builder(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> FakeBuilder {
        FakeBuilder {
            shape: LoginShape::Current,
            login_delay: Duration::ZERO,
            handler: Box::new(handler),
        }
    }

    /// A fake whose every API call succeeds with `{"Note": "ok"}`.
    pub async fn ok() -> Fake {
        Fake::builder(|_| Reply::ok(json!({"Note": "ok"})))
            .start()
            .await
    }

    pub fn url(&self) -> &str {
        &self.server.url
    }

    pub fn logins(&self) -> usize {
        self.state.logins.load(Ordering::SeqCst)
    }

    pub fn login_requests(&self) -> usize {
        self.state.login_requests.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    pub fn refused(&self) -> usize {
        self.state.refused.load(Ordering::SeqCst)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// Invalidates the current ticket, as an expiry or a server-side logout would.
    pub fn revoke(&self) {
        *self.state.current_ticket.lock().unwrap() = None;
    }

    /// Refuses every ticket, even fresh ones.
    pub fn refuse_all_tickets(&self) {
        *self.state.refuse_all_tickets.lock().unwrap() = true;
    }

    /// A client of this fake with a signature callback, fast retries and request validation on.
    pub fn client(&self) -> ClientBuilder {
        Client::builder()
            .endpoint(self.url())
            .signature_source(signing_source())
            .retry(fast_retry())
    }
}

impl FakeBuilder {
    pub fn shape(mut self, shape: LoginShape) -> Self {
        self.shape = shape;
        self
    }

    pub fn login_delay(mut self, delay: Duration) -> Self {
        self.login_delay = delay;
        self
    }

    pub async fn start(self) -> Fake {
        let state = Arc::new(FakeState {
            login_requests: AtomicUsize::new(0),
            logins: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
            accepted: AtomicUsize::new(0),
            shape: self.shape,
            login_delay: self.login_delay,
            verifier: Verifier::new().key(SECRET_ID, SECRET_KEY),
            current_ticket: Mutex::new(None),
            refuse_all_tickets: Mutex::new(false),
            seen: Mutex::new(Vec::new()),
            handler: self.handler,
        });
        let router = Router::new()
            .route("/", get(login))
            .route("/PaaS/{class}/{name}", post(api))
            .with_state(state.clone());
        Fake {
            state,
            server: serve(router).await,
        }
    }
}

async fn login(
    State(state): State<Arc<FakeState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    state.login_requests.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(state.login_delay).await;
    let signature = query.get("signature").map(String::as_str).unwrap_or("");
    let now = cme_sdk_now();
    match state
        .verifier
        .verify(signature, Some(SignAction::Login), now)
    {
        Ok(claims) => {
            let n = state.logins.fetch_add(1, Ordering::SeqCst) + 1;
            let ticket = format!("{TICKET_PREFIX}{n}");
            *state.current_ticket.lock().unwrap() = Some(ticket.clone());
            let body = match state.shape {
                LoginShape::Current => json!({"Response": {
                    "AppId": 1200000001, "Authorization": ticket, "Platform": claims.platform,
                    "RequestId": format!("req-{n}"), "TfUid": "tf_uid_1"}}),
                LoginShape::Old => json!({"Code": "Success", "Message": "成功",
                    "EnglishMessage": "OK", "Data": {"AppId": "1200000001",
                    "Platform": claims.platform, "UserId": claims.user_id,
                    "Authorization": ticket}}),
            };
            axum::Json(body).into_response()
        }
        Err(_) => {
            let body = match state.shape {
                LoginShape::Current => json!({"Response": {"Error": {
                    "Code": "InvalidParameterValue.Platform", "Message": "platform not exist"},
                    "RequestId": "req-refused"}}),
                LoginShape::Old => json!({"Code": "SignatureVerifyFail",
                    "Message": "签名校验失败", "EnglishMessage": "Signature Verify Fail"}),
            };
            axum::Json(body).into_response()
        }
    }
}

async fn api(
    State(state): State<Arc<FakeState>>,
    Path((class, name)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let auth = query.get("auth").cloned().unwrap_or_default();
    let valid = !*state.refuse_all_tickets.lock().unwrap()
        && state.current_ticket.lock().unwrap().as_deref() == Some(auth.as_str());
    if !valid {
        state.refused.fetch_add(1, Ordering::SeqCst);
        return Reply::error(
            200,
            "AuthFailure.SessionInvalid",
            "登录态失效",
            "session invalid",
        )
        .into_response();
    }
    let n = state.accepted.fetch_add(1, Ordering::SeqCst) + 1;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let seen = Seen {
        class,
        name,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        n,
        content_type: header("content-type"),
        user_agent: header("user-agent"),
    };
    state.seen.lock().unwrap().push(seen.clone());
    match (state.handler)(&seen) {
        Reply::Hang => std::future::pending().await,
        reply => reply.into_response(),
    }
}

pub fn cme_sdk_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn signer() -> Signer {
    Signer::new(SECRET_ID, SECRET_KEY)
}

/// A signature source that signs like the app's backend would, for `user_001`, whatever
/// action the client asks for.
pub fn signing_source() -> SignatureSource {
    SignatureSource::from_fn(|action| async move {
        Ok::<Signature, cme_sdk::BoxError>(
            signer().sign(&SignParams::new(PLATFORM, "user_001", action)),
        )
    })
}

/// A signature source that counts how often it is asked and answers with `answer(n)` (`n` from
/// 1), which may hang, fail or panic.
pub fn scripted_source<F, Fut>(answer: F) -> (SignatureSource, Arc<AtomicUsize>)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Signature, cme_sdk::BoxError>> + Send + 'static,
{
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let source = SignatureSource::from_fn(move |_action| {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        answer(n)
    });
    (source, asked)
}

/// Retries with tiny delays, so retry tests run fast.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::new()
        .with_max_attempts(3)
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
}

// ---- Test actions ----

/// An idempotent action `Test/Probe` with an optional `Name` of at most 5 characters.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Probe {
    #[serde(rename = "Name", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The `Data` of `Test/Probe`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProbeData {
    #[serde(rename = "Note", default)]
    pub note: Option<String>,
}

impl Validate for Probe {
    fn validate(&self, v: &mut Validator) {
        if let Some(name) = &self.name {
            v.max_chars("Name", name, 5);
        }
    }
}

impl ClientSupplied for Probe {}

impl Action for Probe {
    type Data = ProbeData;
    const META: ActionMeta = ActionMeta::new("Test", "Probe", true);
}

/// A non-idempotent action `Test/Create`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Create {}

impl Validate for Create {
    fn validate(&self, _: &mut Validator) {}
}

impl ClientSupplied for Create {}

impl Action for Create {
    type Data = ProbeData;
    const META: ActionMeta = ActionMeta::new("Test", "Create", false);
}

/// A paginated action `Test/ListThings`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ListThings {
    #[serde(rename = "Offset", skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    #[serde(rename = "Limit")]
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Thing {
    #[serde(rename = "Id")]
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ListThingsData {
    #[serde(rename = "TotalCount", default)]
    pub total_count: Option<i64>,
    #[serde(rename = "Items", default)]
    pub items: Vec<Thing>,
}

impl Validate for ListThings {
    fn validate(&self, v: &mut Validator) {
        v.int_range("Limit", self.limit, Some(1), Some(50));
    }
}

impl ClientSupplied for ListThings {}

impl Action for ListThings {
    type Data = ListThingsData;
    const META: ActionMeta = ActionMeta::new("Test", "ListThings", true);
}

impl Paginated for ListThings {
    type Item = Thing;
    fn offset(&self) -> i64 {
        self.offset.unwrap_or(0)
    }
    fn set_offset(&mut self, offset: i64) {
        self.offset = Some(offset);
    }
    fn items(data: &ListThingsData) -> &[Thing] {
        &data.items
    }
    fn total(data: &ListThingsData) -> Option<i64> {
        data.total_count
    }
    fn into_items(data: ListThingsData) -> Vec<Thing> {
        data.items
    }
}

/// A `Data` with a nested list, to check decode error paths.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // only ever decoded
pub struct NestedData {
    #[serde(rename = "MaterialInfoSet")]
    pub material_info_set: Vec<Nested>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // only ever decoded
pub struct Nested {
    #[serde(rename = "BasicInfo")]
    pub basic_info: NestedInfo,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // only ever decoded
pub struct NestedInfo {
    #[serde(rename = "MaterialType")]
    pub material_type: String,
}

/// `Test/Nested`, whose `Data` is [`NestedData`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct NestedProbe {}

impl Validate for NestedProbe {
    fn validate(&self, _: &mut Validator) {}
}

impl ClientSupplied for NestedProbe {}

impl Action for NestedProbe {
    type Data = NestedData;
    const META: ActionMeta = ActionMeta::new("Test", "Nested", true);
}
