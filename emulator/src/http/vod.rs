//! The VOD client-upload routes: `POST /v3/index.php?Action=ApplyUploadUGC|CommitUploadUGC`,
//! on the main listener and on the backup one. JSON in, `{code, message, data}` out (HTTP 200,
//! also for a refusal); a method other than POST is HTTP 405 with the same shape.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;

use super::{json_response, read_body, with_fault, Shared};
use crate::connections::Connection;
use crate::faults::{Route, VodAction};
use crate::time;
use crate::vod::{success, VodCode, VodError};

/// The route of an action that is not one of the emulator's.
const UNKNOWN_ACTION: &str = "VOD/unknown";

async fn vod_route(
    State(shared): State<Arc<Shared>>,
    conn: Connection,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let name = form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let action = VodAction::from_name(&name);
    let route = action.map_or(UNKNOWN_ACTION, VodAction::route);
    shared.counters.received(route);
    let drawn = shared.faults.draw(Route::Vod(&name));
    with_fault(drawn, &conn, async {
        let Some(action) = action else {
            let e = VodError::new(
                VodCode::InvalidAction,
                format!("invalid action {name:?}: use ApplyUploadUGC or CommitUploadUGC"),
            );
            return json_response(StatusCode::OK, &e.body());
        };
        let bytes = match read_body(body, shared.max_body_bytes, shared.body_read_timeout).await {
            Ok(bytes) => bytes,
            Err(e) => return e.reply(&shared),
        };
        shared.counters.executed(route);
        let now = time::unix_secs(SystemTime::now());
        let result = match action {
            VodAction::Apply => shared.vod.apply(&bytes, now),
            VodAction::Commit => shared.vod.commit(&bytes, now).await,
        };
        let body = match result {
            Ok(data) => success(data),
            Err(e) => e.body(),
        };
        json_response(StatusCode::OK, &body)
    })
    .await
}

/// Any method but POST.
async fn vod_method_not_allowed() -> Response {
    let e = VodError::new(
        VodCode::InvalidAction,
        "use POST /v3/index.php?Action=<action>",
    );
    json_response(StatusCode::METHOD_NOT_ALLOWED, &e.body())
}

/// Any other path of the backup listener.
pub(crate) async fn vod_not_found() -> Response {
    let e = VodError::new(
        VodCode::InvalidAction,
        "no such route: this is the VOD backup host, use POST /v3/index.php?Action=<action>",
    );
    json_response(StatusCode::NOT_FOUND, &e.body())
}

/// The VOD routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().route(
        "/v3/index.php",
        post(vod_route).fallback(vod_method_not_allowed),
    )
}
