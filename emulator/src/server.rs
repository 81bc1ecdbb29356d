//! The HTTP side: one port serves the login exchange (`GET /?signature=`), the client API
//! (`POST /PaaS/<ActionClass>/<ActionName>?auth=`) and the admin routes (`/_emulator/...`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use std::time::SystemTime;

use axum::body::{Body, HttpBody as _};
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bytes::{Bytes, BytesMut};
use cme_sdk::{Client, ErrorCode, Signature, SignatureSource, Signer, Ticket, Validity, Verifier};
use futures_util::StreamExt;

use serde::Serialize;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::{EmulatorBuilder, LoginShape, StartError};
use crate::connections::{self, Connection, Limits};
use crate::dispatch::{Context, Failure, Reply};
use crate::faults::{Drawn, FaultJson, FaultKind, FaultSpec, Faults, Route};
use crate::fixture::FixtureError;
use crate::generated::service::dispatch;
use crate::service::Emulation;
use crate::state::{Platform, Store};
use crate::stats::{Counters, Stats};
use crate::tickets::Tickets;
use crate::{login, time};

/// Everything the handlers share.
#[derive(Debug)]
struct Shared {
    store: Arc<Store>,
    service: Emulation,
    tickets: Tickets,
    faults: Arc<Faults>,
    counters: Counters,
    verifier: Verifier,
    login_shape: LoginShape,
    max_body_bytes: usize,
    body_read_timeout: Duration,
}

/// The request's connection, set by the accept loop on every request it serves.
impl<S: Sync> FromRequestParts<S> for Connection {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        parts
            .extensions
            .get::<Connection>()
            .cloned()
            .ok_or_else(|| {
                let f = Failure::new(ErrorCode::InternalError)
                    .detail("system error: a request without its connection");
                failure(StatusCode::INTERNAL_SERVER_ERROR, &f)
            })
    }
}

/// The error envelope (a success is a [`Reply`]).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Envelope<'a> {
    code: &'a str,
    message: &'a str,
    english_message: &'a str,
}

fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(_) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"Code":"InternalError","Message":"服务器内部错误","EnglishMessage":"system error"}"#,
        )
            .into_response(),
    }
}

/// A successful action's reply.
fn success(reply: Reply) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        reply.into_body(),
    )
        .into_response()
}

fn failure(status: StatusCode, failure: &Failure) -> Response {
    let envelope = Envelope {
        code: failure.code().as_str(),
        message: failure.message(),
        english_message: failure.english_message(),
    };
    json_response(status, &envelope)
}

/// The reply of a fault that replaces the real one; `None` for a delay (then carry on).
async fn strike(kind: FaultKind, conn: &Connection) -> Option<Response> {
    match kind {
        FaultKind::Delay(delay) => {
            tokio::time::sleep(delay).await;
            None
        }
        FaultKind::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let text = format!(
                "cme-emulator: injected {} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("fault")
            );
            Some(
                (
                    status,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    text,
                )
                    .into_response(),
            )
        }
        FaultKind::Drop => {
            conn.drop_it();
            // the connection's task drops this request with its connection
            std::future::pending().await
        }
        FaultKind::Garbage => Some(
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                Bytes::from_static(b"{\"Code\":\"Success\",\"Data\":{\x00\xff<html>garbage"),
            )
                .into_response(),
        ),
    }
}

/// Runs a request under the fault drawn for it: before the work, or after it (the work is done,
/// its reply lost or late).
async fn with_fault<F>(drawn: Option<Drawn>, conn: &Connection, work: F) -> Response
where
    F: std::future::Future<Output = Response>,
{
    match drawn {
        Some(d) if !d.after => match strike(d.kind, conn).await {
            Some(reply) => reply,
            None => work.await,
        },
        Some(d) => {
            let reply = work.await;
            strike(d.kind, conn).await.unwrap_or(reply)
        }
        None => work.await,
    }
}

async fn login_route(
    State(shared): State<Arc<Shared>>,
    conn: Connection,
    RawQuery(query): RawQuery,
) -> Response {
    shared.counters.received("Login");
    let drawn = shared.faults.draw(Route::Login);
    with_fault(drawn, &conn, async {
        shared.counters.executed("Login");
        let body = login::exchange(
            query.as_deref(),
            &shared.verifier,
            &shared.store,
            &shared.tickets,
            shared.login_shape,
        );
        json_response(StatusCode::OK, &body)
    })
    .await
}

/// Why a body could not be read.
enum BodyError {
    TooLarge,
    Broken,
    TimedOut,
}

impl BodyError {
    /// The reply: the envelope, and the end of the connection (the body was not read whole).
    fn reply(&self, shared: &Shared) -> Response {
        let (status, f) = match self {
            BodyError::TooLarge => (
                StatusCode::OK,
                Failure::new(ErrorCode::RequestSizeLimitExceeded).detail(format!(
                    "request size limit exceeded: the body is larger than {} bytes",
                    shared.max_body_bytes
                )),
            ),
            BodyError::Broken => (
                StatusCode::OK,
                Failure::new(ErrorCode::InvalidRequest)
                    .detail("invalid request: the body could not be read"),
            ),
            BodyError::TimedOut => (
                StatusCode::REQUEST_TIMEOUT,
                Failure::new(ErrorCode::InvalidRequest).detail(format!(
                    "request timeout: the body did not arrive within {} ms",
                    shared.body_read_timeout.as_millis()
                )),
            ),
        };
        let mut reply = failure(status, &f);
        reply
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        reply
    }
}

/// Reads a body of at most `limit` bytes within `timeout`. A larger one is read on (and
/// dropped) up to a hard cap, so the client gets the refusal rather than a reset connection; one
/// announced larger than the cap is refused at once.
async fn read_body(body: Body, limit: usize, timeout: Duration) -> Result<Bytes, BodyError> {
    let cap = limit.saturating_mul(16).max(16 * 1024 * 1024);
    if body.size_hint().lower() > u64::try_from(cap).unwrap_or(u64::MAX) {
        return Err(BodyError::TooLarge);
    }
    let read = async {
        let mut stream = body.into_data_stream();
        let mut buf = BytesMut::new();
        let mut seen = 0usize;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|_| BodyError::Broken)?;
            seen = seen.saturating_add(chunk.len());
            if seen > cap {
                return Err(BodyError::TooLarge);
            }
            if seen <= limit {
                buf.extend_from_slice(&chunk);
            }
        }
        if seen > limit {
            Err(BodyError::TooLarge)
        } else {
            Ok(buf.freeze())
        }
    };
    // One timer for the whole body, armed only if the body is not there at the first look.
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(Err(BodyError::TimedOut))
}

async fn api_route(
    State(shared): State<Arc<Shared>>,
    conn: Connection,
    path: Result<Path<(String, String)>, PathRejection>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let Ok(Path((class, action))) = path else {
        let f = Failure::new(ErrorCode::InvalidAction)
            .detail("invalid action: the path is not /PaaS/<Class>/<Action>");
        return failure(StatusCode::OK, &f);
    };
    let route = format!("{class}/{action}");
    shared.counters.received(&route);
    let drawn = shared.faults.draw(Route::Action(&class, &action));
    with_fault(drawn, &conn, async {
        let bytes = match read_body(body, shared.max_body_bytes, shared.body_read_timeout).await {
            Ok(bytes) => bytes,
            Err(e) => return e.reply(&shared),
        };
        let ticket = login::signature_param(query.as_deref(), "auth");
        let session = match shared.tickets.check(ticket.as_deref()) {
            Ok(session) => session,
            Err(e) => {
                let f = Failure::new(ErrorCode::AuthFailureSessionInvalid).detail(e.detail());
                return failure(StatusCode::OK, &f);
            }
        };
        let ctx = Context::new(session.platform, session.user_id);
        let result = dispatch(&shared.service, &ctx, &class, &action, &bytes);
        match result {
            Ok(reply) => {
                shared.counters.executed(&route);
                success(reply)
            }
            Err(f) => {
                if f.reached_action() {
                    shared.counters.executed(&route);
                }
                failure(StatusCode::OK, &f)
            }
        }
    })
    .await
}

/// Anything under `/PaaS/` that is not `POST /PaaS/<Class>/<Action>`.
async fn paas_fallback(method: Method, uri: Uri) -> Response {
    let f = if method == Method::POST {
        Failure::new(ErrorCode::InvalidAction).detail(format!("invalid action: {}", uri.path()))
    } else {
        Failure::new(ErrorCode::InvalidRequest).detail(format!(
            "invalid request: {method} is not supported, use POST {}",
            uri.path()
        ))
    };
    failure(StatusCode::OK, &f)
}

/// Any other route: under `/PaaS` the envelope with `InvalidAction` (HTTP 200), elsewhere the
/// same envelope with HTTP 404.
async fn not_found(method: Method, uri: Uri) -> Response {
    if uri.path() == "/PaaS" || uri.path().starts_with("/PaaS/") {
        return paas_fallback(method, uri).await;
    }
    let f = Failure::new(ErrorCode::InvalidAction).detail(format!(
        "no such route: {method} {}; use GET /?signature= or POST /PaaS/<Class>/<Action>?auth=",
        uri.path()
    ));
    failure(StatusCode::NOT_FOUND, &f)
}

/// A route that exists, asked with a method it does not serve: the envelope with HTTP 405 (axum
/// adds the `Allow` header listing the methods it does serve).
async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let f = Failure::new(ErrorCode::InvalidRequest).detail(format!(
        "invalid request: {method} is not allowed on {}; the Allow header lists the methods that are",
        uri.path()
    ));
    failure(StatusCode::METHOD_NOT_ALLOWED, &f)
}

fn admin_error(status: StatusCode, message: impl Into<String>) -> Response {
    json_response(status, &json!({"Error": message.into()}))
}

async fn faults_list(State(shared): State<Arc<Shared>>) -> Response {
    json_response(StatusCode::OK, &json!({"Faults": shared.faults.list()}))
}

async fn faults_add(State(shared): State<Arc<Shared>>, body: Body) -> Response {
    let body = match read_body(body, shared.max_body_bytes, shared.body_read_timeout).await {
        Ok(bytes) => bytes,
        Err(e) => return e.reply(&shared),
    };
    let spec = serde_json::from_slice::<FaultJson>(&body)
        .map_err(|e| e.to_string())
        .and_then(FaultJson::into_spec);
    match spec {
        Ok(spec) => json_response(StatusCode::OK, &json!({"Id": shared.faults.inject(spec)})),
        Err(e) => admin_error(StatusCode::BAD_REQUEST, e),
    }
}

async fn faults_clear(State(shared): State<Arc<Shared>>) -> Response {
    shared.faults.clear();
    json_response(StatusCode::OK, &json!({}))
}

async fn fault_remove(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    match id.parse::<u64>() {
        Ok(id) if shared.faults.remove(id) => json_response(StatusCode::OK, &json!({})),
        _ => admin_error(StatusCode::NOT_FOUND, format!("no fault {id}")),
    }
}

async fn stats_get(State(shared): State<Arc<Shared>>) -> Response {
    json_response(StatusCode::OK, &shared.counters.snapshot())
}

async fn stats_reset(State(shared): State<Arc<Shared>>) -> Response {
    shared.counters.reset();
    json_response(StatusCode::OK, &json!({}))
}

async fn tickets_expire(State(shared): State<Arc<Shared>>) -> Response {
    shared.tickets.expire_all();
    json_response(StatusCode::OK, &json!({}))
}

async fn tasks_complete(State(shared): State<Arc<Shared>>) -> Response {
    shared
        .store
        .complete_tasks(time::unix_millis(SystemTime::now()));
    json_response(StatusCode::OK, &json!({}))
}

async fn state_get(State(shared): State<Arc<Shared>>) -> Response {
    json_response(StatusCode::OK, &shared.store.snapshot())
}

async fn state_reset(State(shared): State<Arc<Shared>>) -> Response {
    match shared.store.reset(time::unix_secs(SystemTime::now())) {
        Ok(()) => json_response(StatusCode::OK, &json!({})),
        Err(e) => admin_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn health() -> Response {
    json_response(StatusCode::OK, &json!({"Status": "ok"}))
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(login_route))
        .route(
            "/PaaS/{class}/{action}",
            post(api_route).fallback(paas_fallback),
        )
        .route("/_emulator/health", get(health))
        .route(
            "/_emulator/faults",
            get(faults_list).post(faults_add).delete(faults_clear),
        )
        .route(
            "/_emulator/faults/{id}",
            axum::routing::delete(fault_remove),
        )
        .route("/_emulator/stats", get(stats_get).delete(stats_reset))
        .route("/_emulator/tickets/expire", post(tickets_expire))
        .route("/_emulator/tasks/complete", post(tasks_complete))
        .route("/_emulator/state", get(state_get))
        .route("/_emulator/reset", post(state_reset))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared)
}

/// The reply to a connection past the cap: HTTP 503 with the envelope, closing.
fn over_capacity_reply(max_connections: usize) -> Vec<u8> {
    let f = Failure::new(ErrorCode::RequestLimitExceeded).detail(format!(
        "request limit exceeded: the emulator serves at most {max_connections} connections at once"
    ));
    let body = serde_json::to_string(&Envelope {
        code: f.code().as_str(),
        message: f.message(),
        english_message: f.english_message(),
    })
    .unwrap_or_default();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Starts an emulator (see [`EmulatorBuilder::start`]).
pub(crate) async fn start(config: EmulatorBuilder) -> Result<RunningEmulator, StartError> {
    config.check()?;
    let now = time::unix_secs(SystemTime::now());
    let verifier = config.verifier();
    let store =
        Arc::new(Store::new(config.fixture, &config.platform, now).map_err(StartError::Fixture)?);
    let faults = Arc::new(Faults::default());
    let shared = Arc::new(Shared {
        service: Emulation::new(store.clone(), verifier.clone(), config.task_duration),
        store,
        tickets: Tickets::new(config.ticket_lifetime),
        faults,
        counters: Counters::default(),
        verifier,
        login_shape: config.login_shape,
        max_body_bytes: config.max_body_bytes,
        body_read_timeout: config.body_read_timeout,
    });
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(StartError::Bind)?;
    let addr = listener.local_addr().map_err(StartError::Bind)?;
    let limits = Limits {
        header_read_timeout: config.header_read_timeout,
        max_connections: config.max_connections,
        over_capacity: over_capacity_reply(config.max_connections),
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(connections::serve(
        listener,
        router(shared.clone()),
        limits,
        stopped,
    ));
    let (secret_id, secret_key) = config.keys.first().cloned().unwrap_or_default();
    Ok(RunningEmulator {
        addr,
        platform: config.platform,
        signer: Signer::new(secret_id, secret_key),
        shared,
        stop: Some(stop),
        task: Some(task),
    })
}

/// A copy of the emulator's state, per platform.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Snapshot {
    /// Every platform's data by name.
    pub platforms: BTreeMap<String, Platform>,
}

impl Snapshot {
    /// One platform's data.
    pub fn platform(&self, name: &str) -> Option<&Platform> {
        self.platforms.get(name)
    }
}

/// A running emulator. It stops when dropped, or gracefully with [`shutdown`](Self::shutdown).
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    platform: String,
    signer: Signer,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, e.g. `http://127.0.0.1:40123`: the login endpoint and the API endpoint
    /// both.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The login URL for a signature (`<base>/?signature=<percent-encoded>`).
    pub fn login_url(&self, signature: &str) -> String {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("signature", signature)
            .finish();
        format!("{}/?{query}", self.base_url())
    }

    /// The URL of an action for a ticket (`<base>/PaaS/<class>/<action>?auth=<ticket>`).
    pub fn api_url(&self, class: &str, action: &str, ticket: &str) -> String {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("auth", ticket)
            .finish();
        format!("{}/PaaS/{class}/{action}?{query}", self.base_url())
    }

    /// The configured platform name (the fixture's unnamed platform).
    pub fn platform(&self) -> &str {
        &self.platform
    }

    /// A signer with the emulator's (first) API key, to make signatures like a backend would.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// A `Login` signature for `user_id` on the configured platform, valid for five minutes.
    pub fn login_signature(&self, user_id: &str) -> Signature {
        self.signer
            .login(&self.platform, user_id, Validity::DEFAULT)
    }

    /// An `Upload` signature for `user_id` on the configured platform, valid for five minutes
    /// (the `VerifySign` of `CreateUploadMaterial` and `ProcessMaterial`).
    pub fn upload_signature(&self, user_id: &str) -> Signature {
        self.signer
            .upload(&self.platform, user_id, Validity::DEFAULT)
    }

    /// Issues a ticket for `user_id` on the configured platform without the login exchange
    /// (the user is registered if new).
    pub fn ticket_for(&self, user_id: &str) -> Ticket {
        if let Some(mut p) = self.shared.store.lock(&self.platform) {
            p.ensure_user(user_id, time::unix_secs(SystemTime::now()));
        }
        Ticket::new(self.shared.tickets.issue(&self.platform, user_id))
    }

    /// A client of `user_id` pointed at the emulator, logged in. Its signatures come from the
    /// emulator's signer ([`SignatureSource::signer`]), a fresh one for each login and each
    /// `VerifySign`, as from the app's backend, so it logs in again by itself when its ticket
    /// expires; it knows its platform and user.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use cme_emulator::{Emulator, DEMO_USER_ID};
    ///
    /// let emulator = Emulator::builder().start().await?;
    /// let client = emulator.client(DEMO_USER_ID).await?;
    /// let teams = client.team().describe_join_teams().send().await?;
    /// assert!(!teams.team_set.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn client(&self, user_id: &str) -> Result<Client, cme_sdk::Error> {
        let source = SignatureSource::signer(self.signer.clone(), self.platform.as_str(), user_id);
        let client = Client::builder()
            .endpoint(self.base_url())
            .signature_source(source)
            .build()?;
        client.login().await?;
        Ok(client)
    }

    /// The fault injector.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Adds a fault; returns its ID. Shortcut for `faults().inject(spec)`.
    pub fn inject(&self, spec: FaultSpec) -> u64 {
        self.shared.faults.inject(spec)
    }

    /// Makes every ticket issued so far expire now.
    pub fn expire_tickets(&self) {
        self.shared.tickets.expire_all();
    }

    /// Makes every running `ProcessMaterial` task succeed now.
    pub fn complete_tasks(&self) {
        self.shared
            .store
            .complete_tasks(time::unix_millis(SystemTime::now()));
    }

    /// Request counters per route.
    pub fn stats(&self) -> Stats {
        self.shared.counters.snapshot()
    }

    /// Zeroes the request counters.
    pub fn reset_stats(&self) {
        self.shared.counters.reset();
    }

    /// A copy of the whole state.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            platforms: self.shared.store.snapshot(),
        }
    }

    /// Puts the state back to the fixture's (tickets stay valid).
    pub fn reset(&self) -> Result<(), FixtureError> {
        self.shared.store.reset(time::unix_secs(SystemTime::now()))
    }

    /// Stops accepting connections, lets the requests in flight finish, and returns when the
    /// server has stopped.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
