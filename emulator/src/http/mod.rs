//! The HTTP side of the emulator's services: the state every handler shares, the reply shapes,
//! body reading with limits, and fault injection around a handler. The routes live in the
//! submodules, one per kind of client; `server` assembles them.

pub(crate) mod admin;
pub(crate) mod cme;
pub(crate) mod cos;
pub(crate) mod vod;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, HttpBody as _};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use cme_sdk::{ErrorCode, Verifier};
use futures_util::StreamExt;
use serde::Serialize;

use crate::config::LoginShape;
use crate::connections::Connection;
use crate::credentials::Credentials;
use crate::dispatch::{Failure, Reply};
use crate::faults::{Drawn, FaultKind, Faults};
use crate::objects::Objects;
use crate::service::Emulation;
use crate::state::Store;
use crate::stats::Counters;
use crate::tickets::Tickets;
use crate::vod::Vod;

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) store: Arc<Store>,
    pub(crate) service: Emulation,
    pub(crate) tickets: Tickets,
    pub(crate) faults: Arc<Faults>,
    pub(crate) counters: Counters,
    pub(crate) verifier: Verifier,
    pub(crate) login_shape: LoginShape,
    pub(crate) max_body_bytes: usize,
    pub(crate) body_read_timeout: Duration,
    /// The VOD client-upload service.
    pub(crate) vod: Vod,
    /// The COS object store.
    pub(crate) objects: Arc<Objects>,
    /// The temporary credentials VOD issued.
    pub(crate) credentials: Arc<Credentials>,
    /// Each platform's `storageBucket` to its full bucket name.
    pub(crate) short_buckets: BTreeMap<String, String>,
    /// The COS listener's base URL.
    pub(crate) cos_url: String,
}

impl Shared {
    /// Puts the state back to the fixture's; the uploaded bytes and the credentials go too.
    pub(crate) fn reset(&self, now: i64) -> Result<(), crate::fixture::FixtureError> {
        self.store.reset(now)?;
        self.objects.clear();
        self.credentials.clear();
        Ok(())
    }
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
pub(crate) struct Envelope<'a> {
    pub(crate) code: &'a str,
    pub(crate) message: &'a str,
    pub(crate) english_message: &'a str,
}

pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
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
pub(crate) fn success(reply: Reply) -> Response {
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
pub(crate) async fn with_fault<F>(drawn: Option<Drawn>, conn: &Connection, work: F) -> Response
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

/// Why a body could not be read.
pub(crate) enum BodyError {
    TooLarge,
    Broken,
    TimedOut,
}

impl BodyError {
    /// The reply: the envelope, and the end of the connection (the body was not read whole).
    pub(crate) fn reply(&self, shared: &Shared) -> Response {
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
pub(crate) async fn read_body(
    body: Body,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, BodyError> {
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

/// The reply to a connection past the cap: HTTP 503 with the envelope, closing.
pub(crate) fn over_capacity_reply(max_connections: usize) -> Vec<u8> {
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
