//! A small fake of the three services an upload talks to, on 127.0.0.1: CME (the scripted fake
//! of `client/support.rs`, answering the upload actions), VOD's upload API and a COS bucket.
//!
//! It keeps what a real service would (upload contexts, VOD sessions, multipart uploads and
//! objects), checks what a real one would (COS v5 signatures, recomputed here independently
//! of the SDK; the temporary credentials and their expiry; part sizes and ETags on completion;
//! the proofs and the SHA-1 keys in `FinishUploadMaterial`), logs every request, and injects
//! faults on demand.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use cme_sdk::{Client, RetryPolicy};
use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};

use crate::support::{fast_retry, serve, Fake, Reply, Seen, Server};

/// Every credential, signature and session key the fake hands out holds this, so that a test
/// can check that none leaks into an error.
pub const SECRET: &str = "SECRET";

const MIB: usize = 1 << 20;

/// One COS request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Initiate,
    Part(u32),
    Put,
    Complete,
    Abort,
    List,
}

/// A COS request and the status it got.
#[derive(Debug, Clone)]
pub struct CosCall {
    pub op: Op,
    pub status: u16,
}

/// Faults to inject; all off by default.
#[derive(Debug, Default)]
pub struct Faults {
    /// Statuses to answer the next attempts of a part with (500 → `InternalError`, 503 →
    /// `SlowDown`, 403 → `AccessDenied`).
    pub part_failures: HashMap<u32, VecDeque<u16>>,
    /// After this many parts stored, every credential issued so far stops working (COS says
    /// `ExpiredToken`).
    pub revoke_after_parts: Option<usize>,
    /// The lifetime of the temporary credentials VOD announces (default an hour). The fake
    /// never enforces it (only revocations), so a renewal a test sees is the SDK's own.
    pub credential_lifetime: Option<Duration>,
    /// The fake's clock minus the real one, in seconds (VOD's `timestamp`, COS's checks).
    pub clock_offset: i64,
    /// How long each part takes.
    pub part_delay: Duration,
    /// A code VOD answers every `ApplyUploadUGC` with.
    pub apply_refusal: Option<i64>,
    /// Whether CME refuses every `FinishUploadMaterial`.
    pub finish_refusal: bool,
}

#[derive(Debug)]
struct Context {
    sign: String,
    summary: Option<String>,
    finished: bool,
}

#[derive(Debug)]
struct Session {
    storage_path: String,
}

#[derive(Debug)]
struct Credential {
    id: String,
    key: String,
    token: String,
    revoked: bool,
}

#[derive(Debug, Default)]
struct Multipart {
    path: String,
    parts: BTreeMap<u32, (String, Vec<u8>)>,
}

/// Everything the fake services hold.
#[derive(Debug, Default)]
pub struct World {
    pub faults: Faults,
    contexts: HashMap<String, Context>,
    /// Summary key → whole SHA-1 of the files finished so far (for quick uploads).
    known: HashMap<String, String>,
    sessions: HashMap<String, Session>,
    /// VOD file ID → (storage path, verify_content).
    files: HashMap<String, (String, String)>,
    credentials: Vec<Credential>,
    uploads: HashMap<String, Multipart>,
    objects: HashMap<String, Vec<u8>>,
    parts_stored: usize,
    in_flight: usize,
    /// The most part requests handled at once.
    pub max_in_flight: usize,
    pub cos_log: Vec<CosCall>,
    /// VOD requests: the action and the body.
    pub vod_log: Vec<(String, Value)>,
    /// `FinishUploadMaterial` bodies.
    pub finishes: Vec<Value>,
    /// `CreateUploadMaterial` bodies.
    pub creates: Vec<Value>,
    /// COS requests refused for their credentials (`ExpiredToken`) or time.
    pub credential_refusals: usize,
    counter: u64,
}

fn sha1_hex(bytes: &[u8]) -> String {
    hex(&Sha1::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

impl World {
    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn now(&self) -> i64 {
        real_now() + self.faults.clock_offset
    }

    /// The parts PUT, in the order they came, whatever they were answered.
    pub fn parts_put(&self) -> Vec<u32> {
        self.cos_log
            .iter()
            .filter_map(|c| match c.op {
                Op::Part(n) => Some(n),
                _ => None,
            })
            .collect()
    }

    /// How many COS requests of `op` came.
    pub fn count(&self, op: &Op) -> usize {
        self.cos_log.iter().filter(|c| &c.op == op).count()
    }

    /// Multipart uploads COS still holds (neither completed nor aborted).
    pub fn open_uploads(&self) -> usize {
        self.uploads.len()
    }

    /// Makes COS lose part `n` of every open multipart upload.
    pub fn lose_part(&mut self, n: u32) {
        self.uploads.values_mut().for_each(|upload| {
            upload.parts.remove(&n);
        });
    }

    /// Makes COS lose every open multipart upload (as when they expire).
    pub fn lose_uploads(&mut self) {
        self.uploads.clear();
    }

    /// Objects COS holds.
    pub fn objects(&self) -> usize {
        self.objects.len()
    }

    /// Every request any of the three services received about uploads.
    pub fn requests(&self) -> usize {
        self.cos_log.len() + self.vod_log.len() + self.finishes.len() + self.creates.len()
    }

    /// The applies VOD received.
    pub fn applies(&self) -> Vec<&Value> {
        self.vod_log
            .iter()
            .filter(|(action, _)| action == "ApplyUploadUGC")
            .map(|(_, body)| body)
            .collect()
    }

    /// Marks a file's bytes as known to CME, as a finished upload of them would.
    pub fn know(&mut self, bytes: &[u8]) {
        let summary = sha1_hex(&bytes[..bytes.len().min(10 * MIB)]);
        self.known.insert(summary, sha1_hex(bytes));
    }

    // ---- CME ----

    fn cme(&mut self, seen: &Seen) -> Reply {
        let body = &seen.body;
        match seen.name.as_str() {
            "DescribeClass" => Reply::ok(json!({"ClassInfoSet": [
                {"ClassId": 9, "ParentClassId": -1, "Name": "个人", "ClassPath": "/个人",
                 "Owner": body["Owner"].clone()}
            ]})),
            "CreateUploadMaterial" => {
                self.creates.push(body.clone());
                if body["VerifySign"].as_str().is_none_or(str::is_empty) {
                    return Reply::error(200, "InvalidParameter", "VerifySign", "no VerifySign");
                }
                let n = self.next();
                let context = format!("ctx-{n}");
                let sign = format!("vodsign-{SECRET}-{n}");
                let summary = body["UploadSummaryKey"].as_str().map(str::to_owned);
                let quick = summary.as_ref().is_some_and(|s| self.known.contains_key(s));
                self.contexts.insert(
                    context.clone(),
                    Context {
                        sign: sign.clone(),
                        summary,
                        finished: false,
                    },
                );
                Reply::ok(json!({"UploadContext": context, "VodUploadSign": sign,
                                 "QuickUpload": quick}))
            }
            "FinishUploadMaterial" => {
                self.finishes.push(body.clone());
                if self.faults.finish_refusal {
                    let code = "InvalidParameterValue.UploadContext";
                    return Reply::error(200, code, "非法上传上下文", "invalid upload context");
                }
                match self.finish(body) {
                    Ok(id) => Reply::ok(json!({"MaterialId": id})),
                    Err(why) => Reply::error(200, "InvalidParameterValue.UploadContext", why, why),
                }
            }
            other => Reply::error(200, "InvalidAction", other, "not faked"),
        }
    }

    fn finish(&mut self, body: &Value) -> Result<String, &'static str> {
        let text = |name: &str| body[name].as_str().map(str::to_owned);
        let context = text("UploadContext").ok_or("no context")?;
        let full = text("UploadFullKey").ok_or("no UploadFullKey")?;
        let ctx = self.contexts.get(&context).ok_or("unknown context")?;
        if ctx.finished {
            return Err("context used");
        }
        let summary = ctx.summary.clone().ok_or("no summary key")?;
        match text("VodFileId") {
            None => {
                if self.known.get(&summary) != Some(&full) {
                    return Err("quick upload of unknown bytes");
                }
            }
            Some(file_id) => {
                let (path, verify) = self.files.get(&file_id).ok_or("unknown file")?;
                if text("VodVerifyKey").as_ref() != Some(verify) {
                    return Err("bad VodVerifyKey");
                }
                let bytes = self.objects.get(path).ok_or("no object")?;
                if sha1_hex(bytes) != full {
                    return Err("UploadFullKey does not match the bytes");
                }
                if sha1_hex(&bytes[..bytes.len().min(10 * MIB)]) != summary {
                    return Err("UploadSummaryKey does not match the bytes");
                }
                let bytes = bytes.clone();
                self.know(&bytes);
            }
        }
        if let Some(ctx) = self.contexts.get_mut(&context) {
            ctx.finished = true;
        }
        Ok(format!("mat-{}", self.next()))
    }

    // ---- VOD ----

    fn vod(&mut self, action: &str, body: Value) -> Value {
        self.vod_log.push((action.to_owned(), body.clone()));
        let sign = body["signature"].as_str().unwrap_or_default();
        if !self.contexts.values().any(|c| c.sign == sign) {
            return json!({"code": 10010, "message": format!("signature {sign} expired")});
        }
        match action {
            "ApplyUploadUGC" => {
                if let Some(code) = self.faults.apply_refusal {
                    return json!({"code": code, "message": format!("refused {sign}")});
                }
                let key = match body["vodSessionKey"].as_str() {
                    Some(key) if self.sessions.contains_key(key) => key.to_owned(),
                    Some(_) => return json!({"code": 10011, "message": "unknown session"}),
                    None => {
                        let n = self.next();
                        let key = format!("session-{SECRET}-{n}");
                        let name = body["videoName"].as_str().unwrap_or_default();
                        let format = body["videoType"].as_str().unwrap_or_default();
                        let storage_path = format!("/bucketvod1400/{n}/{name}.{format}");
                        self.sessions.insert(key.clone(), Session { storage_path });
                        key
                    }
                };
                let storage_path = self.sessions[&key].storage_path.clone();
                let n = self.next();
                let lifetime = self
                    .faults
                    .credential_lifetime
                    .unwrap_or(Duration::from_secs(3600));
                let credential = Credential {
                    id: format!("AKIDtmp{n}"),
                    key: format!("tmp/{SECRET}+key{n}"),
                    token: format!("tok+{SECRET}/{n}="),
                    revoked: false,
                };
                let now = self.now();
                let data = json!({
                    "video": {"storageSignature": format!("legacy-{SECRET}"), "storagePath": storage_path},
                    "storageAppId": 1250000000, "storageBucket": "bucketvod1400",
                    "storageRegionV5": "ap-guangzhou", "StorageRegionV5": "ap-guangzhou",
                    "vodSessionKey": key,
                    "tempCertificate": {"secretId": credential.id, "secretKey": credential.key,
                        "token": credential.token,
                        "expiredTime": now + lifetime.as_secs() as i64},
                    "timestamp": now,
                });
                self.credentials.push(credential);
                json!({"code": 0, "message": "成功", "data": data})
            }
            "CommitUploadUGC" => {
                let key = body["vodSessionKey"].as_str().unwrap_or_default();
                let Some(session) = self.sessions.get(key) else {
                    return json!({"code": 10011, "message": "unknown session"});
                };
                let path = session.storage_path.clone();
                if !self.objects.contains_key(&path) {
                    return json!({"code": 10012, "message": "no object at the storage path"});
                }
                let file_id = format!("5285890{}", self.next());
                let verify = format!("verify-{SECRET}-{file_id}");
                self.files.insert(file_id.clone(), (path, verify.clone()));
                json!({"code": 0, "message": "成功", "data": {
                    "video": {"url": "http://vod.example/x.mp4", "verify_content": verify},
                    "fileId": file_id.parse::<u64>().unwrap()}})
            }
            _ => json!({"code": 4000, "message": "unknown action"}),
        }
    }

    // ---- COS ----

    /// The refusal of a request whose credentials, time or signature are wrong.
    fn refusal(
        &mut self,
        method: &Method,
        path: &str,
        query: &[(String, String)],
        headers: &HeaderMap,
    ) -> Option<Response> {
        let auth = header(headers, "authorization").unwrap_or_default();
        let fields: HashMap<&str, &str> = auth
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .collect();
        let field = |name: &str| fields.get(name).copied().unwrap_or_default();
        let Some(credential) = self.credentials.iter().find(|c| c.id == field("q-ak")) else {
            return Some(cos_error(403, "InvalidAccessKeyId", "unknown key"));
        };
        if header(headers, "x-cos-security-token").as_deref() != Some(credential.token.as_str()) {
            return Some(cos_error(
                403,
                "InvalidToken",
                "the token does not match the key",
            ));
        }
        if credential.revoked {
            self.credential_refusals += 1;
            return Some(cos_error(
                400,
                "ExpiredToken",
                "The provided token has expired",
            ));
        }
        let (start, end) = field("q-sign-time").split_once(';').unwrap_or_default();
        let now = self.now();
        let (start, end): (i64, i64) = (start.parse().unwrap_or(0), end.parse().unwrap_or(0));
        if now < start || now > end {
            self.credential_refusals += 1;
            return Some(cos_error(
                403,
                "RequestTimeTooSkewed",
                "the request time is skewed",
            ));
        }
        // Every query parameter must be signed.
        let params: Vec<&str> = field("q-url-param-list")
            .split(';')
            .filter(|n| !n.is_empty())
            .collect();
        if query
            .iter()
            .any(|(k, _)| !params.contains(&encode(k).to_lowercase().as_str()))
        {
            return Some(cos_error(
                403,
                "AccessDenied",
                "a query parameter is not signed",
            ));
        }
        let canonical_params = params
            .iter()
            .map(|name| {
                let value = query
                    .iter()
                    .find(|(k, _)| encode(k).to_lowercase() == *name)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or_default();
                format!("{name}={}", encode(value))
            })
            .collect::<Vec<_>>()
            .join("&");
        let names: Vec<&str> = field("q-header-list")
            .split(';')
            .filter(|n| !n.is_empty())
            .collect();
        let canonical_headers = names
            .iter()
            .map(|name| {
                format!(
                    "{name}={}",
                    encode(&header(headers, name).unwrap_or_default())
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let http_string = format!(
            "{}\n{path}\n{canonical_params}\n{canonical_headers}\n",
            method.as_str().to_lowercase()
        );
        let string_to_sign = format!(
            "sha1\n{}\n{}\n",
            field("q-sign-time"),
            sha1_hex(http_string.as_bytes())
        );
        let sign_key = hex(&hmac(
            credential.key.as_bytes(),
            field("q-key-time").as_bytes(),
        ));
        let signature = hex(&hmac(sign_key.as_bytes(), string_to_sign.as_bytes()));
        if signature != field("q-signature") {
            return Some(cos_error(
                403,
                "SignatureDoesNotMatch",
                "the signature does not match",
            ));
        }
        None
    }

    /// Answers a COS request the fake authorized.
    fn cos(
        &mut self,
        method: &Method,
        path: &str,
        query: &[(String, String)],
        body: &[u8],
    ) -> Response {
        let param = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let upload_id = param("uploadId");
        match (method.as_str(), upload_id, param("partNumber")) {
            ("POST", None, _) if param("uploads").is_some() => {
                let id = format!("upload-{}", self.next());
                self.uploads.insert(
                    id.clone(),
                    Multipart {
                        path: path.to_owned(),
                        parts: BTreeMap::new(),
                    },
                );
                xml(format!(
                    "<?xml version=\"1.0\"?><InitiateMultipartUploadResult><Bucket>b</Bucket>\
                     <Key>{path}</Key><UploadId>{id}</UploadId></InitiateMultipartUploadResult>"
                ))
            }
            ("PUT", Some(id), Some(n)) => {
                let n: u32 = n.parse().unwrap_or(0);
                let Some(upload) = self.uploads.get_mut(&id) else {
                    return cos_error(404, "NoSuchUpload", "no such upload");
                };
                let etag = format!("\"{}\"", sha1_hex(body));
                upload.parts.insert(n, (etag.clone(), body.to_vec()));
                self.parts_stored += 1;
                if self.faults.revoke_after_parts == Some(self.parts_stored) {
                    self.credentials.iter_mut().for_each(|c| c.revoked = true);
                }
                (StatusCode::OK, [("etag", etag)]).into_response()
            }
            ("PUT", None, None) => {
                let etag = format!("\"{}\"", sha1_hex(body));
                self.objects.insert(path.to_owned(), body.to_vec());
                (StatusCode::OK, [("etag", etag)]).into_response()
            }
            ("POST", Some(id), None) => {
                let Some(upload) = self.uploads.get(&id) else {
                    return cos_error(404, "NoSuchUpload", "no such upload");
                };
                let text = String::from_utf8_lossy(body);
                let listed: Vec<(u32, String)> = text
                    .split("<Part>")
                    .skip(1)
                    .map(|part| {
                        let inner = |tag: &str| {
                            let open = format!("<{tag}>");
                            let start = part.find(&open).map(|i| i + open.len()).unwrap_or(0);
                            let end = part.find(&format!("</{tag}>")).unwrap_or(start);
                            part[start..end].replace("&quot;", "\"")
                        };
                        (inner("PartNumber").parse().unwrap_or(0), inner("ETag"))
                    })
                    .collect();
                let numbers: Vec<u32> = listed.iter().map(|(n, _)| *n).collect();
                if numbers.is_empty() || !numbers.windows(2).all(|w| w[0] < w[1]) {
                    return cos_error(400, "InvalidPartOrder", "parts not in order");
                }
                let mut object = Vec::new();
                for (i, (n, etag)) in listed.iter().enumerate() {
                    match upload.parts.get(n) {
                        Some((stored, bytes)) if stored == etag => {
                            if i + 1 < listed.len() && bytes.len() < MIB {
                                return cos_error(400, "EntityTooSmall", "a part is too small");
                            }
                            object.extend_from_slice(bytes);
                        }
                        _ => return cos_error(400, "InvalidPart", "a part is missing or differs"),
                    }
                }
                let path = upload.path.clone();
                self.uploads.remove(&id);
                self.objects.insert(path.clone(), object);
                xml(format!(
                    "<CompleteMultipartUploadResult><Key>{path}</Key><ETag>\"x\"</ETag>\
                     </CompleteMultipartUploadResult>"
                ))
            }
            ("DELETE", Some(id), None) => match self.uploads.remove(&id) {
                Some(_) => StatusCode::NO_CONTENT.into_response(),
                None => cos_error(404, "NoSuchUpload", "no such upload"),
            },
            ("GET", Some(id), None) => {
                let Some(upload) = self.uploads.get(&id) else {
                    return cos_error(404, "NoSuchUpload", "no such upload");
                };
                let marker: u32 = param("part-number-marker")
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(0);
                let max: usize = param("max-parts")
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(1000);
                // Pages of 2 parts at most, to walk the pages.
                let page: Vec<_> = upload.parts.range(marker + 1..).take(max.min(2)).collect();
                let truncated = upload.parts.range(marker + 1..).count() > page.len();
                let mut out = String::from("<ListPartsResult xmlns=\"http://www.qcloud.com/\">");
                for (n, (etag, bytes)) in &page {
                    out.push_str(&format!(
                        "<Part><PartNumber>{n}</PartNumber><ETag>{}</ETag><Size>{}</Size></Part>",
                        etag.replace('"', "&quot;"),
                        bytes.len()
                    ));
                }
                let next = page.last().map_or(marker, |(n, _)| **n);
                out.push_str(&format!(
                    "<NextPartNumberMarker>{next}</NextPartNumberMarker>\
                     <IsTruncated>{truncated}</IsTruncated></ListPartsResult>"
                ));
                xml(out)
            }
            _ => cos_error(400, "InvalidRequest", "not faked"),
        }
    }
}

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

const COS_ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn encode(text: &str) -> String {
    utf8_percent_encode(text, COS_ENCODED).to_string()
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn xml(body: String) -> Response {
    (StatusCode::OK, [("content-type", "application/xml")], body).into_response()
}

fn cos_error(status: u16, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>{code}</Code>\
         <Message>{message}</Message><Resource>r</Resource><RequestId>req-{code}</RequestId>\
         <TraceId>t</TraceId></Error>"
    );
    (
        StatusCode::from_u16(status).unwrap(),
        [
            ("content-type", "application/xml"),
            ("x-cos-request-id", "hdr-req"),
        ],
        body,
    )
        .into_response()
}

type Shared = Arc<Mutex<World>>;

async fn vod(
    State(world): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let action = query.get("Action").cloned().unwrap_or_default();
    Json(world.lock().unwrap().vod(&action, body))
}

async fn cos(
    State(world): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = percent_decode_str(uri.path())
        .decode_utf8_lossy()
        .into_owned();
    let query: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let part = query
        .iter()
        .find(|(k, _)| k == "partNumber")
        .and_then(|(_, v)| v.parse::<u32>().ok());
    let op = match (method.as_str(), part) {
        ("PUT", Some(n)) => Op::Part(n),
        ("PUT", None) => Op::Put,
        ("POST", _) if query.iter().any(|(k, _)| k == "uploads") => Op::Initiate,
        ("POST", _) => Op::Complete,
        ("DELETE", _) => Op::Abort,
        _ => Op::List,
    };
    let (refusal, delay) = {
        let mut world = world.lock().unwrap();
        let refusal = world.refusal(&method, &path, &query, &headers);
        if let Op::Part(_) = op {
            world.in_flight += 1;
            world.max_in_flight = world.max_in_flight.max(world.in_flight);
        }
        (refusal, world.faults.part_delay)
    };
    if let Op::Part(_) = op {
        tokio::time::sleep(delay).await;
    }
    let mut world = world.lock().unwrap();
    if let Op::Part(_) = op {
        world.in_flight -= 1;
    }
    let injected = match op {
        Op::Part(n) if refusal.is_none() => world
            .faults
            .part_failures
            .get_mut(&n)
            .and_then(VecDeque::pop_front),
        _ => None,
    };
    let response = match (refusal, injected) {
        (Some(refusal), _) => refusal,
        (None, Some(500)) => cos_error(500, "InternalError", "injected"),
        (None, Some(503)) => cos_error(503, "SlowDown", "injected"),
        (None, Some(status)) => cos_error(status, "AccessDenied", "Access Denied."),
        (None, None) => world.cos(&method, &path, &query, &body),
    };
    let status = response.status().as_u16();
    world.cos_log.push(CosCall { op, status });
    response
}

/// The three fake services and a directory for the test's files.
pub struct Env {
    pub cme: Fake,
    pub cloud: Server,
    pub world: Shared,
    pub dir: TempDir,
}

impl Env {
    pub async fn start() -> Env {
        Self::with(Faults::default()).await
    }

    pub async fn with(faults: Faults) -> Env {
        let world: Shared = Arc::new(Mutex::new(World {
            faults,
            ..World::default()
        }));
        let for_cme = world.clone();
        let cme = Fake::builder(move |seen| for_cme.lock().unwrap().cme(seen))
            .start()
            .await;
        let router = Router::new()
            .route("/v3/index.php", post(vod))
            .fallback(cos)
            .layer(DefaultBodyLimit::max(64 * MIB))
            .with_state(world.clone());
        let cloud = serve(router).await;
        Env {
            cme,
            cloud,
            world,
            dir: TempDir::new(),
        }
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }

    /// A client of the fakes: CME, VOD (no backup host) and COS as a custom domain.
    pub fn client(&self) -> Client {
        self.cme
            .client()
            .vod_endpoint(&self.cloud.url)
            .cos_endpoint(&self.cloud.url)
            .build()
            .unwrap()
    }

    /// A file of `len` bytes made from `seed`, in the test's directory.
    pub fn file(&self, name: &str, len: usize, seed: u64) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes(len, seed)).unwrap();
        path
    }
}

/// `len` pseudo-random bytes made from `seed` (xorshift, eight bytes a step).
pub fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Fast retries for the VOD and COS requests of a test's uploads.
pub fn quick_retry() -> RetryPolicy {
    fast_retry().with_max_attempts(4)
}

/// A directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!(
            "cme-upload-test-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    u64::from(nanos) << 16 | NEXT.fetch_add(1, Ordering::SeqCst)
}
