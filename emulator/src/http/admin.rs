//! The admin routes (`/_emulator/...`): faults, stats, tickets, tasks and state. Never faulted.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;
use serde_json::json;

use super::{json_response, read_body, Shared};
use crate::faults::FaultJson;
use crate::time;

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
    match shared.reset(time::unix_secs(SystemTime::now())) {
        Ok(()) => json_response(StatusCode::OK, &json!({})),
        Err(e) => admin_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn credentials_expire(State(shared): State<Arc<Shared>>) -> Response {
    shared
        .credentials
        .expire_all(time::unix_secs(SystemTime::now()));
    json_response(StatusCode::OK, &json!({}))
}

async fn health() -> Response {
    json_response(StatusCode::OK, &json!({"Status": "ok"}))
}

/// Every admin route.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/health", get(health))
        .route(
            "/_emulator/faults",
            get(faults_list).post(faults_add).delete(faults_clear),
        )
        .route("/_emulator/faults/{id}", delete(fault_remove))
        .route("/_emulator/stats", get(stats_get).delete(stats_reset))
        .route("/_emulator/tickets/expire", post(tickets_expire))
        .route("/_emulator/tasks/complete", post(tasks_complete))
        .route("/_emulator/credentials/expire", post(credentials_expire))
        .route("/_emulator/state", get(state_get))
        .route("/_emulator/reset", post(state_reset))
}
