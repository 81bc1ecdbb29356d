//! The COS listener: every path is an object (or, for `GET /?uploads`, a bucket). The bucket is
//! the `Host`'s when it is `<bucket>.cos.<region>.myqcloud.com` (virtual-host addressing, the key
//! is the whole path); otherwise it is named by the path's first segment: the full bucket name
//! (`<storageBucket>-<storageAppId>`, path-style, the key is the rest), or the short
//! `storageBucket` that starts every VOD storage path (a custom domain: the key is the whole path,
//! so `http://<cos>/<storagePath>` is the object VOD asked for).
//!
//! Every request is verified (see [`crate::cos::auth`]) and scoped to the folder its temporary
//! credential was issued for; every reply carries `x-cos-request-id`; errors are COS XML.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use percent_encoding::percent_decode_str;

use super::{read_body, with_fault, Shared};
use crate::connections::Connection;
use crate::cos::auth::{self, SignedRequest};
use crate::cos::{self, xml, CosError};
use crate::credentials::TempCredential;
use crate::faults::{CosOperation, Route};
use crate::objects::{Object, SegmentReader};
use crate::{ids, time};

/// The most parts a ListParts lists at once.
const MAX_LIST_PARTS: usize = 1000;
/// The largest CompleteMultipartUpload body: 10,000 parts of ~100 bytes, with room.
const MAX_COMPLETE_BODY: usize = 4 * 1024 * 1024;

/// What a request addresses.
struct Target {
    bucket: String,
    key: String,
}

/// Percent-decoded query pairs, in order (`+` stays a `+`: COS clients encode spaces as `%20`).
fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
            (decode(k), decode(v))
        })
        .collect()
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The bucket and key of a request (see the module docs). On a custom domain the bucket's root
/// (for `GET /?uploads&prefix=<key>`) is `/`, the bucket named by the prefix's first segment, or
/// `/<storageBucket>/`.
fn target(
    shared: &Shared,
    headers: &HeaderMap,
    path: &str,
    query: &[(String, String)],
) -> Result<Target, CosError> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let path = path.strip_prefix('/').unwrap_or(path);
    if let Some(bucket) = cos::virtual_host_bucket(host) {
        return Ok(Target {
            bucket: bucket.to_owned(),
            key: path.to_owned(),
        });
    }
    let (first, rest) = path.split_once('/').unwrap_or((path, ""));
    if shared.objects.has_bucket(first) {
        return Ok(Target {
            bucket: first.to_owned(),
            key: rest.to_owned(),
        });
    }
    if let Some(full) = shared.short_buckets.get(first) {
        let root = rest.is_empty() && query.iter().any(|(k, _)| k == "uploads");
        return Ok(Target {
            bucket: full.clone(),
            key: if root { String::new() } else { path.to_owned() },
        });
    }
    let prefix_bucket = param(query, "prefix")
        .and_then(|p| p.split('/').next())
        .and_then(|short| shared.short_buckets.get(short));
    if let (true, Some(full)) = (path.is_empty(), prefix_bucket) {
        return Ok(Target {
            bucket: full.clone(),
            key: String::new(),
        });
    }
    Err(CosError::authored(
        StatusCode::NOT_FOUND,
        "NoSuchBucket",
        format!(
            "no bucket in Host {host:?} nor in the path's first segment {first:?}: use the storagePath of an ApplyUploadUGC"
        ),
    ))
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-cos-request-id", v);
    }
    response
}

/// The XML error reply (an empty body for HEAD).
fn error_reply(e: &CosError, method: &Method, resource: &str, request_id: &str) -> Response {
    let body = if method == Method::HEAD {
        String::new()
    } else {
        xml::error(e.code, &e.message, resource, request_id)
    };
    let mut response =
        (e.status, [(header::CONTENT_TYPE, "application/xml")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(e.code) {
        response.headers_mut().insert("x-cos-error-code", v);
    }
    response
}

fn xml_reply(body: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/xml")],
        body,
    )
        .into_response()
}

fn etag_reply(etag: &str) -> Response {
    let mut response = StatusCode::OK.into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{etag}\"")) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

fn object_headers(response: &mut Response, object: &Object) {
    let headers = response.headers_mut();
    let content_type = object
        .content_type
        .as_deref()
        .unwrap_or("application/octet-stream");
    for (name, value) in [
        (header::CONTENT_TYPE, content_type.to_owned()),
        (header::CONTENT_LENGTH, object.size.to_string()),
        (header::ETAG, format!("\"{}\"", object.etag)),
        (
            header::LAST_MODIFIED,
            time::format_http_date(object.modified),
        ),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
}

async fn cos_route(
    State(shared): State<Arc<Shared>>,
    conn: Connection,
    request: Request,
) -> Response {
    let request_id = ids::request_id();
    let (parts, body) = request.into_parts();
    conn.answering_head(parts.method == Method::HEAD);
    let path = percent_decode_str(parts.uri.path())
        .decode_utf8_lossy()
        .into_owned();
    let query = query_pairs(parts.uri.query());
    let reply = match target(&shared, &parts.headers, &path, &query) {
        Err(e) => error_reply(&e, &parts.method, &path, &request_id),
        Ok(target) => {
            let has = |name: &str| query.iter().any(|(k, _)| k == name);
            match cos::operation(&parts.method, has, target.key.is_empty()) {
                None => {
                    let e = CosError::authored(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "MethodNotAllowed",
                        format!(
                            "{} {path} is no operation of the emulator's COS",
                            parts.method
                        ),
                    );
                    error_reply(&e, &parts.method, &path, &request_id)
                }
                Some(op) => {
                    shared.counters.received(op.route());
                    let drawn = shared.faults.draw(Route::Cos(op));
                    let method = parts.method.clone();
                    with_fault(drawn, &conn, async {
                        let signed = SignedRequest {
                            method: parts.method.as_str(),
                            path: &path,
                            query: &query,
                            headers: &parts.headers,
                        };
                        let now = time::unix_secs(SystemTime::now());
                        let result = match auth::verify(&signed, &shared.credentials, now)
                            .and_then(|c| scope(&c, op, &target, &query).map(|()| c))
                        {
                            Ok(_) => {
                                shared.counters.executed(op.route());
                                run(&shared, op, &target, &query, &parts.headers, body, now).await
                            }
                            Err(e) => Err(e),
                        };
                        result.unwrap_or_else(|e| error_reply(&e, &method, &path, &request_id))
                    })
                    .await
                }
            }
        }
    };
    with_request_id(reply, &request_id)
}

/// Checks that the credential may do `op` on the target: its folder only.
fn scope(
    credential: &TempCredential,
    op: CosOperation,
    target: &Target,
    query: &[(String, String)],
) -> Result<(), CosError> {
    let key = if op == CosOperation::ListMultipartUploads {
        param(query, "prefix").unwrap_or("")
    } else {
        target.key.as_str()
    };
    if credential.allows(&target.bucket, key) {
        Ok(())
    } else {
        Err(CosError::access_denied(format!(
            "the temporary credential may use {}/{}* only, not {}/{key}",
            credential.bucket, credential.prefix, target.bucket
        )))
    }
}

/// Runs an operation the request was verified for.
async fn run(
    shared: &Shared,
    op: CosOperation,
    target: &Target,
    query: &[(String, String)],
    headers: &HeaderMap,
    body: Body,
    now: i64,
) -> Result<Response, CosError> {
    let (bucket, key) = (target.bucket.as_str(), target.key.as_str());
    let upload_id = || {
        param(query, "uploadId")
            .filter(|id| !id.is_empty())
            .ok_or_else(|| CosError::invalid_argument("uploadId is empty"))
    };
    match op {
        CosOperation::PutObject => {
            let content_type = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let object = shared
                .objects
                .put(bucket, key, content_type, body.into_data_stream(), now)
                .await?;
            Ok(etag_reply(&object.etag))
        }
        CosOperation::InitiateMultipartUpload => {
            let upload_id = shared.objects.initiate(bucket, key, now)?;
            Ok(xml_reply(xml::initiated(bucket, key, &upload_id)))
        }
        CosOperation::UploadPart => {
            let number = param(query, "partNumber")
                .and_then(|n| n.parse::<u32>().ok())
                .ok_or_else(|| {
                    CosError::invalid_argument(format!(
                        "partNumber {:?} is not a number",
                        param(query, "partNumber").unwrap_or("")
                    ))
                })?;
            let etag = shared
                .objects
                .upload_part(
                    bucket,
                    key,
                    upload_id()?,
                    number,
                    body.into_data_stream(),
                    now,
                )
                .await?;
            Ok(etag_reply(&etag))
        }
        CosOperation::CompleteMultipartUpload => {
            let bytes = read_body(body, MAX_COMPLETE_BODY, shared.body_read_timeout)
                .await
                .map_err(|_| {
                    CosError::authored(
                        StatusCode::BAD_REQUEST,
                        "MalformedXML",
                        "the body could not be read whole",
                    )
                })?;
            let text = String::from_utf8_lossy(&bytes);
            let parts = xml::complete_request(&text).map_err(|e| {
                CosError::authored(
                    StatusCode::BAD_REQUEST,
                    "MalformedXML",
                    format!("the CompleteMultipartUpload body is not valid: {e}"),
                )
            })?;
            let object = shared
                .objects
                .complete(bucket, key, upload_id()?, &parts, now)
                .await?;
            let location = format!("{}/{}", shared.cos_url, key);
            Ok(xml_reply(xml::completed(
                &location,
                bucket,
                key,
                &object.etag,
            )))
        }
        CosOperation::AbortMultipartUpload => {
            shared.objects.abort(bucket, key, upload_id()?)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        CosOperation::ListParts => {
            let marker = param(query, "part-number-marker")
                .map(|m| {
                    m.parse::<u32>().map_err(|_| {
                        CosError::invalid_argument(format!(
                            "part-number-marker {m:?} is not a number"
                        ))
                    })
                })
                .transpose()?
                .unwrap_or(0);
            let max = param(query, "max-parts")
                .map(|m| {
                    m.parse::<usize>().map_err(|_| {
                        CosError::invalid_argument(format!("max-parts {m:?} is not a number"))
                    })
                })
                .transpose()?
                .unwrap_or(MAX_LIST_PARTS)
                .clamp(1, MAX_LIST_PARTS);
            let (upload, parts, more) =
                shared
                    .objects
                    .list_parts(bucket, key, upload_id()?, marker, max)?;
            Ok(xml_reply(xml::parts(
                bucket, &upload, &parts, marker, max, more,
            )))
        }
        CosOperation::ListMultipartUploads => {
            let prefix = param(query, "prefix").unwrap_or("");
            let uploads = shared.objects.list_uploads(bucket, prefix)?;
            Ok(xml_reply(xml::uploads(bucket, prefix, &uploads)))
        }
        CosOperation::GetObject | CosOperation::HeadObject => {
            let object = shared.objects.get(bucket, key)?;
            let mut response = if op == CosOperation::HeadObject {
                StatusCode::OK.into_response()
            } else {
                let segments = object.segments.clone();
                let reader = tokio::task::spawn_blocking(move || SegmentReader::open(&segments))
                    .await
                    .map_err(|e| CosError::from(crate::objects::ObjectError::Io(e.to_string())))?
                    .map_err(|e| CosError::from(crate::objects::ObjectError::Io(e.to_string())))?;
                Response::new(Body::from_stream(reader.into_stream()))
            };
            object_headers(&mut response, &object);
            Ok(response)
        }
    }
}

/// The COS routes: every path.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().fallback(cos_route)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_decode_without_plus_as_space() {
        assert_eq!(
            query_pairs(Some("uploads&prefix=a%2Fb+c&x=")),
            vec![
                ("uploads".to_owned(), String::new()),
                ("prefix".to_owned(), "a/b+c".to_owned()),
                ("x".to_owned(), String::new())
            ]
        );
        assert!(query_pairs(None).is_empty());
    }
}
