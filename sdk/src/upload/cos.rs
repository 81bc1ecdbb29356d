//! The COS requests of an upload, on the one object VOD assigned (`storagePath` in the bucket
//! `<storageBucket>-<storageAppId>`): `InitiateMultipartUpload`, `UploadPart`,
//! `CompleteMultipartUpload`, `AbortMultipartUpload`, `ListParts`, and `PutObject` for an input
//! of one part.
//!
//! Every request is signed (COS v5, [`cos_auth`](super::cos_auth)) with the session's temporary
//! credentials and carries `x-cos-security-token`. Each is retried within the upload's policy
//! with backoff and full jitter after a network failure, a 5xx or a throttling reply; when COS
//! says the credentials expired (or the request's time is skewed), they are renewed first.
//! COS's XML errors become [`UploadError::Cos`] with the code, message and request ID.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_LENGTH, ETAG, USER_AGENT};
use reqwest::{Method, Url};
use secrecy::ExposeSecret as _;

use super::cos_auth::{self, Request};
use super::credentials::{Credentials, Keys};
use super::error::{UploadError, UploadStep};
use super::{xml, Stats};
use crate::client::Client;
use crate::error::{Error, Operation};
use crate::options::RetryPolicy;
use crate::redact::{self, Secrets};
use crate::retry::{Budget, Retrier};
use crate::transport;

/// COS codes that mean "sign with fresh credentials and try again".
const EXPIRY_CODES: [&str; 3] = ["ExpiredToken", "TokenExpired", "RequestTimeTooSkewed"];

/// COS codes of a transient failure.
const TRANSIENT_CODES: [&str; 4] = [
    "SlowDown",
    "RequestTimeout",
    "InternalError",
    "ServiceUnavailable",
];

/// Whether `err` is COS saying the credentials (or the signature's time) expired: a code of
/// [`EXPIRY_CODES`], or a message that says "expired".
pub(crate) fn says_expired(err: &Error) -> bool {
    match err.upload_error() {
        Some(UploadError::Cos { code, message, .. }) => {
            EXPIRY_CODES.contains(&code.as_str())
                || message.to_ascii_lowercase().contains("expired")
        }
        _ => false,
    }
}

/// The URL of an object: `<endpoint>/<storagePath>`, or by default the bucket's own host
/// `https://<bucket>-<appid>.cos.<region>.myqcloud.com/<storagePath>`.
pub(crate) fn object_url(
    endpoint: Option<&Url>,
    bucket: &str,
    app_id: &str,
    region: Option<&str>,
    storage_path: &str,
) -> Result<Url, Error> {
    let protocol =
        |why: String| Error::upload(UploadStep::Apply, UploadError::Protocol(why), false);
    let base = match endpoint {
        Some(endpoint) => endpoint.clone(),
        None => {
            let region = region.ok_or_else(|| {
                protocol("VOD named no storage region (storageRegionV5) for the COS bucket".into())
            })?;
            let host = format!("https://{bucket}-{app_id}.cos.{region}.myqcloud.com");
            Url::parse(&host).map_err(|e| {
                protocol(format!("VOD named a bucket that makes no host name ({e})"))
            })?
        }
    };
    if !storage_path.starts_with('/') || storage_path.len() < 2 {
        return Err(protocol(format!(
            "VOD named a storage path that is not an object key: {storage_path:?}"
        )));
    }
    let mut url = base;
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.clear().extend(storage_path[1..].split('/'));
    }
    Ok(url)
}

/// One object of COS, written by an upload.
pub(crate) struct Object {
    client: Client,
    url: Url,
    /// The object key as COS signs it: `/` and the key, not encoded.
    path: String,
    keys: Arc<Keys>,
    retry: RetryPolicy,
    attempt_timeout: Duration,
    stats: Arc<Stats>,
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Object")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

/// A successful reply.
struct Reply {
    etag: Option<String>,
    body: Bytes,
}

impl Object {
    /// The object at `url` (key `path`), written with the credentials of `keys`.
    pub(crate) fn new(
        client: &Client,
        url: Url,
        path: String,
        keys: Arc<Keys>,
        retry: RetryPolicy,
        attempt_timeout: Duration,
        stats: Arc<Stats>,
    ) -> Self {
        Self {
            client: client.clone(),
            url,
            path,
            keys,
            retry,
            attempt_timeout,
            stats,
        }
    }

    /// `InitiateMultipartUpload`: the new upload's ID.
    pub(crate) async fn initiate(&self) -> Result<String, Error> {
        let step = UploadStep::Initiate;
        let reply = self
            .send(step, Method::POST, &[("uploads", "")], None, Bytes::new())
            .await?;
        let body = String::from_utf8_lossy(&reply.body);
        xml::text(&body, "UploadId")
            .map(|id| id.into_owned())
            .filter(|id| !id.is_empty())
            .ok_or_else(|| protocol(step, "COS's InitiateMultipartUpload reply has no UploadId"))
    }

    /// `UploadPart` number `n` of `upload_id`: its ETag.
    pub(crate) async fn upload_part(
        &self,
        upload_id: &str,
        n: u32,
        body: Bytes,
    ) -> Result<String, Error> {
        let step = UploadStep::Part(n);
        let number = n.to_string();
        let params = [("partNumber", number.as_str()), ("uploadId", upload_id)];
        let reply = self.send(step, Method::PUT, &params, None, body).await?;
        reply
            .etag
            .ok_or_else(|| protocol(step, "COS's UploadPart reply has no ETag"))
    }

    /// `PutObject` of the whole input: its ETag.
    pub(crate) async fn put(&self, body: Bytes) -> Result<String, Error> {
        let step = UploadStep::Put;
        let reply = self.send(step, Method::PUT, &[], None, body).await?;
        reply
            .etag
            .ok_or_else(|| protocol(step, "COS's PutObject reply has no ETag"))
    }

    /// `CompleteMultipartUpload` of `upload_id` with `parts` (number → ETag).
    pub(crate) async fn complete(
        &self,
        upload_id: &str,
        parts: &BTreeMap<u32, String>,
    ) -> Result<(), Error> {
        let mut body = String::from("<CompleteMultipartUpload>");
        for (n, etag) in parts {
            body.push_str(&format!(
                "<Part><PartNumber>{n}</PartNumber><ETag>{}</ETag></Part>",
                xml::escape(etag)
            ));
        }
        body.push_str("</CompleteMultipartUpload>");
        let params = [("uploadId", upload_id)];
        self.send(
            UploadStep::Complete,
            Method::POST,
            &params,
            Some("application/xml"),
            Bytes::from(body),
        )
        .await
        .map(drop)
    }

    /// `AbortMultipartUpload` of `upload_id`; an upload COS does not know (aborted or
    /// completed already) is fine.
    pub(crate) async fn abort(&self, upload_id: &str) -> Result<(), Error> {
        let params = [("uploadId", upload_id)];
        match self
            .send(
                UploadStep::Abort,
                Method::DELETE,
                &params,
                None,
                Bytes::new(),
            )
            .await
        {
            Err(err) if is_no_such_upload(&err) => Ok(()),
            other => other.map(drop),
        }
    }

    /// `ListParts` of `upload_id`, every page: number → ETag; `None` when COS does not know the
    /// upload (it expired, or was aborted or completed).
    pub(crate) async fn list_parts(
        &self,
        upload_id: &str,
    ) -> Result<Option<BTreeMap<u32, String>>, Error> {
        let step = UploadStep::ListParts;
        let mut parts = BTreeMap::new();
        let mut marker = String::from("0");
        loop {
            let params = [
                ("uploadId", upload_id),
                ("max-parts", "1000"),
                ("part-number-marker", marker.as_str()),
            ];
            let reply = match self
                .send(step, Method::GET, &params, None, Bytes::new())
                .await
            {
                Ok(reply) => reply,
                Err(err) if is_no_such_upload(&err) => return Ok(None),
                Err(err) => return Err(err),
            };
            let body = String::from_utf8_lossy(&reply.body);
            for part in xml::elements(&body, "Part") {
                let number = xml::text(part, "PartNumber").and_then(|n| n.parse::<u32>().ok());
                let etag = xml::text(part, "ETag");
                match (number, etag) {
                    (Some(number), Some(etag)) => {
                        parts.insert(number, etag.into_owned());
                    }
                    _ => {
                        return Err(protocol(
                            step,
                            "a part of COS's ListParts reply has no number or ETag",
                        ))
                    }
                }
            }
            let truncated = xml::text(&body, "IsTruncated").is_some_and(|t| t == "true");
            let next = xml::text(&body, "NextPartNumberMarker").map(|m| m.into_owned());
            match next {
                Some(next) if truncated && next != marker => marker = next,
                _ if truncated => {
                    return Err(protocol(
                        step,
                        "COS's ListParts reply is truncated without a next marker",
                    ))
                }
                _ => return Ok(Some(parts)),
            }
        }
    }

    /// One request, retried: after a transient failure as the policy says, after an expiry
    /// with fresh credentials.
    async fn send(
        &self,
        step: UploadStep,
        method: Method,
        params: &[(&str, &str)],
        content_type: Option<&str>,
        body: Bytes,
    ) -> Result<Reply, Error> {
        let operation = Operation::Upload(step);
        let budget = Budget::new(Duration::MAX, self.attempt_timeout);
        let mut retrier = Retrier::new(&self.retry, budget);
        loop {
            let credentials = self.keys.current().await?;
            if retrier.sending() > 1 {
                self.stats.retried();
            }
            let attempt = self.attempt(
                step,
                &credentials,
                &method,
                params,
                content_type,
                body.clone(),
            );
            let err = match budget.attempt(operation, attempt).await {
                Ok(reply) => return Ok(reply),
                Err(err) => err,
            };
            if says_expired(&err) {
                self.keys.renew(credentials.generation).await?;
            }
            retrier.after_failure(err).await?;
        }
    }

    async fn attempt(
        &self,
        step: UploadStep,
        credentials: &Credentials,
        method: &Method,
        params: &[(&str, &str)],
        content_type: Option<&str>,
        body: Bytes,
    ) -> Result<Reply, Error> {
        let operation = Operation::Upload(step);
        let inner = &self.client.inner;
        let mut url = self.url.clone();
        if !params.is_empty() {
            let mut query = url.query_pairs_mut();
            for (name, value) in params {
                if value.is_empty() {
                    query.append_key_only(name);
                } else {
                    query.append_pair(name, value);
                }
            }
        }
        let length = body.len().to_string();
        let token = credentials.token.expose_secret();
        let mut signed: Vec<(&str, &str)> = vec![("x-cos-security-token", token)];
        let sends_body = matches!(*method, Method::PUT | Method::POST);
        if sends_body {
            signed.push(("content-length", &length));
        }
        if let Some(content_type) = content_type {
            signed.push(("content-type", content_type));
        }
        let (start, end) = credentials.key_time();
        let authorization = cos_auth::authorization(
            &credentials.secret_id,
            credentials.secret_key.expose_secret(),
            &Request {
                method: method.as_str(),
                path: &self.path,
                params,
                headers: &signed,
                start,
                end,
            },
        );
        let mut headers = HeaderMap::new();
        for (name, value) in &signed {
            let value = HeaderValue::from_str(value).map_err(|_| {
                protocol(
                    step,
                    "the temporary credentials hold characters a header cannot",
                )
            })?;
            headers.insert(*name, value);
        }
        let authorization = HeaderValue::from_str(&authorization).map_err(|_| {
            protocol(
                step,
                "the temporary key id holds characters a header cannot",
            )
        })?;
        headers.insert("authorization", authorization);
        headers.insert(USER_AGENT, inner.user_agent.clone());
        let mut request = inner.http.request(method.clone(), url).headers(headers);
        if sends_body {
            request = request.body(body);
        }
        let secrets = credentials.secrets();
        let mut response = request
            .send()
            .await
            .map_err(|e| Error::transport(operation, e, &secrets))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let etag = header(ETAG.as_str());
        let request_id = header("x-cos-request-id");
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let max = inner.max_reply_size;
        let body = if declared.is_some_and(|len| len > max) {
            None
        } else {
            transport::read_body(&mut response, max)
                .await
                .map_err(|e| Error::transport(operation, e, &secrets))?
        };
        let secrets = Secrets::new(&secrets);
        let body = match body {
            Some(body) if (200..300).contains(&status) && !is_error_document(&body) => {
                return Ok(Reply { etag, body });
            }
            Some(body) => body,
            None if (200..300).contains(&status) => {
                return Err(protocol(
                    step,
                    "COS's reply is larger than the client's maximum reply size",
                ));
            }
            None => Bytes::new(),
        };
        Err(cos_error(step, status, &body, request_id, &secrets))
    }
}

/// Whether a body is COS's `<Error>` document (COS may answer a completion with one and a
/// success status).
fn is_error_document(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(512)]);
    xml::elements(&text, "Error").next().is_some() || text.trim_start().starts_with("<Error")
}

/// The error COS answered: its XML `<Error>`, scrubbed.
fn cos_error(
    step: UploadStep,
    status: u16,
    body: &[u8],
    request_id: Option<String>,
    secrets: &Secrets,
) -> Error {
    let text = String::from_utf8_lossy(body);
    let field = |tag: &str| {
        xml::text(&text, tag)
            .map(|value| secrets.scrub(&value, redact::TEXT_CHARS).into_string())
            .unwrap_or_default()
    };
    let code = field("Code");
    let mut message = field("Message");
    if code.is_empty() && message.is_empty() && !body.is_empty() {
        message = secrets.snippet(body).into_string();
    }
    let request_id = Some(field("RequestId"))
        .filter(|id| !id.is_empty())
        .or_else(|| request_id.map(|id| secrets.scrub(&id, redact::TEXT_CHARS).into_string()));
    let retryable = status >= 500
        || status == 429
        || status == 408
        || TRANSIENT_CODES.contains(&code.as_str())
        || EXPIRY_CODES.contains(&code.as_str())
        || message.to_ascii_lowercase().contains("expired");
    let error = UploadError::Cos {
        status,
        code,
        message,
        request_id,
    };
    Error::upload(step, error, retryable)
}

fn is_no_such_upload(err: &Error) -> bool {
    matches!(err.upload_error(), Some(UploadError::Cos { code, .. }) if code == "NoSuchUpload")
}

fn protocol(step: UploadStep, why: &str) -> Error {
    Error::upload(step, UploadError::Protocol(why.to_owned()), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_urls_put_the_storage_path_under_the_endpoint() {
        let path = "/faeed456vodcq1400170034/7f51/x2eW FX.mp4";
        let url = object_url(
            None,
            "faeed456vodcq1400170034",
            "10022853",
            Some("ap-chongqing"),
            path,
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://faeed456vodcq1400170034-10022853.cos.ap-chongqing.myqcloud.com/faeed456vodcq1400170034/7f51/x2eW%20FX.mp4"
        );
        let endpoint = Url::parse("http://127.0.0.1:9000").unwrap();
        let url = object_url(Some(&endpoint), "b", "1", None, "/b/k.mp4").unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:9000/b/k.mp4");
        for bad in ["", "/", "k.mp4"] {
            assert!(
                object_url(Some(&endpoint), "b", "1", None, bad).is_err(),
                "{bad:?}"
            );
        }
        let err = object_url(None, "b", "1", None, "/b/k").unwrap_err();
        assert!(err.to_string().contains("storage region"), "{err}");
    }

    #[test]
    fn cos_errors_are_typed_scrubbed_and_retried_when_transient() {
        let secrets = Secrets::new(&["TMP_KEY", "TMP_TOKEN"]);
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SignatureDoesNotMatch</Code><Message>The signature TMP_KEY does not match; q-signature=abcdef</Message>
<Resource>b.cos.ap-chongqing.myqcloud.com/k</Resource><RequestId>NjQ1</RequestId><TraceId>x</TraceId></Error>"#;
        let err = cos_error(UploadStep::Part(7), 403, body, None, &secrets);
        assert_eq!(
            err.to_string(),
            "upload failed at part 7: COS SignatureDoesNotMatch: The signature <redacted> does not \
             match; q-signature=<redacted> [HTTP 403] (request NjQ1)"
        );
        assert!(!err.is_retryable() && !says_expired(&err));
        let expired =
            br"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";
        let err = cos_error(
            UploadStep::Part(1),
            403,
            expired,
            Some("hdr".into()),
            &secrets,
        );
        assert!(err.is_retryable() && says_expired(&err));
        assert!(err.to_string().ends_with("(request hdr)"), "{err}");
        let err = cos_error(
            UploadStep::Complete,
            503,
            b"<html>busy</html>",
            None,
            &secrets,
        );
        assert!(err.is_retryable());
        assert!(
            err.to_string()
                .contains("COS error: <html>busy</html> [HTTP 503]"),
            "{err}"
        );
        assert!(is_error_document(
            b"<?xml version='1.0'?>\n<Error><Code>InternalError</Code></Error>"
        ));
        assert!(!is_error_document(b"<CompleteMultipartUploadResult/>"));
    }
}
