//! The CME client API: the login exchange (`GET /?signature=`), the actions
//! (`POST /PaaS/<ActionClass>/<ActionName>?auth=`), and the envelope for every route that does
//! not exist.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use cme_sdk::ErrorCode;

use super::{failure, json_response, read_body, success, with_fault, Shared};
use crate::connections::Connection;
use crate::dispatch::{Context, Failure};
use crate::faults::Route;
use crate::generated::service::dispatch;
use crate::login;
use crate::signature::signature_param;

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
        let ticket = signature_param(query.as_deref(), "auth");
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
pub(crate) async fn not_found(method: Method, uri: Uri) -> Response {
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
pub(crate) async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let f = Failure::new(ErrorCode::InvalidRequest).detail(format!(
        "invalid request: {method} is not allowed on {}; the Allow header lists the methods that are",
        uri.path()
    ));
    failure(StatusCode::METHOD_NOT_ALLOWED, &f)
}

/// The login exchange and the actions.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/", get(login_route)).route(
        "/PaaS/{class}/{action}",
        post(api_route).fallback(paas_fallback),
    )
}
