//! The VOD client-upload (UGC) service: `ApplyUploadUGC` and `CommitUploadUGC`, as reference
//! `upload-and-cli.md` §1 describes them.
//!
//! Apply checks the `VodUploadSign` that `CreateUploadMaterial` made (its HMAC, integers, window,
//! expiry: `10010`; a one-time signature is good for one Apply), finds the CME upload it was made
//! for (its `sourceContext`) and the platform (its `vodSubAppId`), and opens a session: a storage
//! path `/<storageBucket>/<folder>/<name>.<videoType>` in the platform's bucket, temporary COS
//! credentials for that folder, and a `vodSessionKey` (HMAC-sealed) that a later Apply sent as
//! `{signature, vodSessionKey}` maps back to the same path, with fresh credentials. Commit checks
//! that the object is in the bucket, reads what its headers tell (size, picture size,
//! duration), records the VOD file, and answers its `fileId`, `video.url` and
//! `video.verify_content` (`HMAC ++ ExpTime=…&FileId=…`, good for an hour), which
//! `FinishUploadMaterial` checks as `VodVerifyKey`.
//!
//! Replies are `{"code":0,"message":"成功","data":{…}}`; a refusal is `{"code":N,"message":…}`
//! with HTTP 200, `N` one of [`VodCode`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::credentials::Credentials;
use crate::dispatch::AUTHORED_PREFIX;
use crate::ids;
use crate::objects::{ObjectError, Objects, SegmentReader};
use crate::probe;
use crate::signature::{UploadSign, UploadSignRefusal, VodKeys};
use crate::state::sample::resolution_of;
use crate::state::{MediaFacts, Store, VodApp, VodFile, VodSession};

/// How long a `verify_content` proves an upload: an hour, as the service's samples show.
pub(crate) const VERIFY_CONTENT_LIFETIME: i64 = 3600;
/// How long a session can be resumed: a day, as the docs say (断点续传的有效时间是1天).
pub(crate) const SESSION_LIFETIME: i64 = 86_400;
/// The longest `videoName`, bytes.
const MAX_NAME_BYTES: usize = 200;
/// Characters a `videoName` may not hold.
const FORBIDDEN_NAME_CHARS: &[char] = &['\\', '/', ':', '*', '?', '"', '<', '>', '|'];

/// The `code` of a VOD reply. `10010` is the service's (the upload SDKs single it out); the
/// others are the emulator's own, with messages that start with `cme-emulator: `.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VodCode {
    /// `10001`: the request is not a JSON object, or a field is missing or wrong.
    InvalidParameter,
    /// `10002`: the signature is not one the emulator made, or is malformed.
    SignatureInvalid,
    /// `10003`: a one-time signature was already used by an Apply.
    SignatureUsed,
    /// `10004`: the `vodSessionKey` is not valid, expired, or of another upload.
    SessionInvalid,
    /// `10005`: the CME upload the signature was made for is unknown or already finished.
    UploadContextInvalid,
    /// `10006`: Commit before the video is in the bucket.
    FileNotUploaded,
    /// `10007`: the file would not fit in the emulator's storage cap.
    StorageFull,
    /// `10008`: an action other than `ApplyUploadUGC` and `CommitUploadUGC`.
    InvalidAction,
    /// `10010`: the signature expired.
    SignatureExpired,
}

impl VodCode {
    /// The number sent as `code`.
    pub fn as_i64(self) -> i64 {
        match self {
            VodCode::InvalidParameter => 10001,
            VodCode::SignatureInvalid => 10002,
            VodCode::SignatureUsed => 10003,
            VodCode::SessionInvalid => 10004,
            VodCode::UploadContextInvalid => 10005,
            VodCode::FileNotUploaded => 10006,
            VodCode::StorageFull => 10007,
            VodCode::InvalidAction => 10008,
            VodCode::SignatureExpired => 10010,
        }
    }
}

/// A refused VOD request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VodError {
    pub(crate) code: VodCode,
    pub(crate) message: String,
}

impl VodError {
    pub(crate) fn new(code: VodCode, detail: impl std::fmt::Display) -> Self {
        Self {
            code,
            message: format!("{AUTHORED_PREFIX}{detail}"),
        }
    }

    /// The reply body.
    pub(crate) fn body(&self) -> Value {
        json!({"code": self.code.as_i64(), "message": self.message})
    }
}

/// The success reply body around `data`.
pub(crate) fn success(data: Value) -> Value {
    json!({"code": 0, "message": "成功", "data": data})
}

fn invalid(detail: impl std::fmt::Display) -> VodError {
    VodError::new(VodCode::InvalidParameter, detail)
}

/// The fields of Apply and Commit the emulator reads (others, such as `clientReportId` or
/// `uploadFromWeb`, are accepted and ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UgcRequest {
    signature: Option<String>,
    video_name: Option<String>,
    video_type: Option<String>,
    video_size: Option<Value>,
    cover_type: Option<String>,
    vod_session_key: Option<String>,
}

impl UgcRequest {
    fn parse(body: &[u8]) -> Result<Self, VodError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| invalid(format!("the body is not JSON: {e}")))?;
        if !value.is_object() {
            return Err(invalid("the body must be a JSON object"));
        }
        serde_json::from_value(value).map_err(|e| invalid(format!("invalid parameter: {e}")))
    }
}

/// The VOD client-upload service.
#[derive(Debug)]
pub(crate) struct Vod {
    keys: VodKeys,
    store: Arc<Store>,
    credentials: Arc<Credentials>,
    objects: Arc<Objects>,
    credential_lifetime: Duration,
    clock_skew: i64,
    media_base_url: String,
}

/// The platform and CME upload a signature was made for.
struct Signed {
    sign: UploadSign,
    platform: String,
    app: VodApp,
    context: String,
}

impl Vod {
    /// The service: signatures checked with `keys` (allowing `clock_skew` at their start), the
    /// state in `store`, credentials of `credential_lifetime` issued into `credentials` for the
    /// buckets of `objects`; media URLs start with `media_base_url` (the COS listener).
    pub(crate) fn new(
        keys: VodKeys,
        store: Arc<Store>,
        credentials: Arc<Credentials>,
        objects: Arc<Objects>,
        credential_lifetime: Duration,
        clock_skew: Duration,
        media_base_url: String,
    ) -> Self {
        Self {
            keys,
            store,
            credentials,
            objects,
            credential_lifetime,
            clock_skew: i64::try_from(clock_skew.as_secs()).unwrap_or(i64::MAX),
            media_base_url,
        }
    }

    /// Checks the signature and finds what it was made for.
    fn signed(&self, signature: Option<&str>, now: i64) -> Result<Signed, VodError> {
        let signature = signature
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("missing parameter signature"))?;
        let sign = self
            .keys
            .signer
            .verify(signature, now, self.clock_skew)
            .map_err(|e| match e {
                UploadSignRefusal::Expired => VodError::new(VodCode::SignatureExpired, e),
                other => VodError::new(VodCode::SignatureInvalid, other),
            })?;
        let sub_app = sign.params.get("vodSubAppId").cloned().unwrap_or_default();
        let (platform, app) = self
            .store
            .vod_apps()
            .into_iter()
            .find(|(_, app)| app.sub_app_id.to_string() == sub_app)
            .ok_or_else(|| {
                VodError::new(
                    VodCode::SignatureInvalid,
                    format!("signature invalid: vodSubAppId {sub_app:?} is no sub-application of the emulator"),
                )
            })?;
        let context = sign
            .params
            .get("sourceContext")
            .cloned()
            .unwrap_or_default();
        Ok(Signed {
            sign,
            platform,
            app,
            context,
        })
    }

    /// The session a `vodSessionKey` names, checked to belong to the signed upload.
    fn session_of(
        &self,
        key: &str,
        signed: &Signed,
        sessions: &BTreeMap<String, VodSession>,
        now: i64,
    ) -> Result<VodSession, VodError> {
        let bad = |why: &str| {
            VodError::new(
                VodCode::SessionInvalid,
                format!("vodSessionKey invalid: {why}"),
            )
        };
        let plaintext = self
            .keys
            .session
            .open(key)
            .map_err(|e| bad(&e.to_string()))?;
        let id = form_urlencoded::parse(plaintext.as_bytes())
            .find(|(k, _)| k == "s")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| bad("no session"))?;
        let session = sessions.get(&id).ok_or_else(|| bad("no such session"))?;
        if session.context != signed.context {
            return Err(bad("the session belongs to another upload"));
        }
        if now >= session.created.saturating_add(SESSION_LIFETIME) {
            return Err(bad(
                "the session expired (a session can be resumed for a day)",
            ));
        }
        Ok(session.clone())
    }

    /// `ApplyUploadUGC`.
    pub(crate) fn apply(&self, body: &[u8], now: i64) -> Result<Value, VodError> {
        let request = UgcRequest::parse(body)?;
        let signed = self.signed(request.signature.as_deref(), now)?;
        let mut p = self.store.lock(&signed.platform).ok_or_else(|| {
            VodError::new(
                VodCode::SignatureInvalid,
                "signature invalid: no such platform",
            )
        })?;
        match p.uploads.get(&signed.context) {
            Some(u) if !u.used => {}
            Some(_) => {
                return Err(VodError::new(
                    VodCode::UploadContextInvalid,
                    "the upload was already finished (FinishUploadMaterial)",
                ))
            }
            None => {
                return Err(VodError::new(
                    VodCode::UploadContextInvalid,
                    "the signature was made for no upload of the platform",
                ))
            }
        }
        if signed.sign.one_time && p.used_upload_signs.contains(&signed.sign.plaintext) {
            return Err(VodError::new(
                VodCode::SignatureUsed,
                "duplicate vod signature: a one-time signature was already used",
            ));
        }
        let session = match request.vod_session_key.as_deref().filter(|k| !k.is_empty()) {
            Some(key) => {
                let session = self.session_of(key, &signed, &p.vod_sessions, now)?;
                if session.committed {
                    return Err(VodError::new(
                        VodCode::SessionInvalid,
                        "vodSessionKey invalid: the session was already committed",
                    ));
                }
                session
            }
            None => self.new_session(&request, &signed, now)?,
        };
        if signed.sign.one_time {
            p.used_upload_signs.insert(signed.sign.plaintext.clone());
        }
        p.vod_sessions
            .insert(session.session_id.clone(), session.clone());
        drop(p);
        let lifetime = i64::try_from(self.credential_lifetime.as_secs()).unwrap_or(i64::MAX);
        let credential =
            self.credentials
                .issue(&signed.app.bucket(), &session.folder(), now, lifetime);
        let session_key = self.keys.session.seal(&format!(
            "s={}&p={}",
            session.session_id, session.storage_path
        ));
        let mut data = json!({
            "video": {"storageSignature": "", "storagePath": session.storage_path},
            "storageAppId": signed.app.storage_app_id,
            "storageBucket": signed.app.storage_bucket,
            "storageRegion": "gz",
            "storageRegionV5": signed.app.region,
            "StorageRegionV5": signed.app.region,
            "domain": "vod2.qcloud.com",
            "vodSessionKey": session_key,
            "tempCertificate": {
                "secretId": credential.secret_id,
                "secretKey": credential.secret_key,
                "token": credential.token,
                "expiredTime": credential.expires,
            },
            "appId": signed.app.sub_app_id,
            "timestamp": now,
        });
        if let Some(cover) = &session.cover_path {
            data["cover"] = json!({"storageSignature": "", "storagePath": cover});
        }
        Ok(data)
    }

    /// A new session for a first Apply, its fields checked.
    fn new_session(
        &self,
        request: &UgcRequest,
        signed: &Signed,
        now: i64,
    ) -> Result<VodSession, VodError> {
        let video_type = request
            .video_type
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| invalid("missing parameter videoType"))?
            .to_ascii_lowercase();
        if video_type.len() > 16 || !video_type.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(invalid(format!(
                "videoType {video_type:?} is not an extension (1 to 16 letters and digits)"
            )));
        }
        let video_size = match &request.video_size {
            None => return Err(invalid("missing parameter videoSize")),
            Some(v) => v
                .as_u64()
                .ok_or_else(|| invalid(format!("videoSize {v} is not a number of bytes")))?,
        };
        let room = self.objects.cap().saturating_sub(self.objects.used());
        if video_size > room {
            return Err(VodError::new(
                VodCode::StorageFull,
                format!(
                    "storage full: videoSize {video_size} is more than the {room} bytes left of the emulator's cap of {}",
                    self.objects.cap()
                ),
            ));
        }
        let video_name = request.video_name.clone().unwrap_or_default();
        if video_name.len() > MAX_NAME_BYTES {
            return Err(invalid(format!(
                "videoName is {} bytes, more than {MAX_NAME_BYTES}",
                video_name.len()
            )));
        }
        if let Some(c) = video_name
            .chars()
            .find(|c| FORBIDDEN_NAME_CHARS.contains(c))
        {
            return Err(invalid(format!("videoName may not contain {c:?}")));
        }
        let cover_type = match request.cover_type.as_deref().filter(|t| !t.is_empty()) {
            Some(t) if t.len() <= 16 && t.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                Some(t.to_ascii_lowercase())
            }
            Some(t) => return Err(invalid(format!("coverType {t:?} is not an extension"))),
            None => None,
        };
        let file_id = ids::vod_file_id();
        let folder = format!(
            "/{}/{}{}/",
            signed.app.storage_bucket,
            ids::folder_prefix(),
            file_id
        );
        Ok(VodSession {
            session_id: ids::vod_session_id(),
            context: signed.context.clone(),
            storage_path: format!("{folder}{}.{video_type}", ids::storage_name()),
            cover_path: cover_type.map(|t| format!("{folder}{}.{t}", ids::storage_name())),
            video_name,
            video_type,
            video_size,
            file_id,
            created: now,
            committed: false,
        })
    }

    /// `CommitUploadUGC`.
    pub(crate) async fn commit(&self, body: &[u8], now: i64) -> Result<Value, VodError> {
        let request = UgcRequest::parse(body)?;
        let signed = self.signed(request.signature.as_deref(), now)?;
        let key = request
            .vod_session_key
            .as_deref()
            .filter(|k| !k.is_empty())
            .ok_or_else(|| invalid("missing parameter vodSessionKey"))?;
        let session = {
            let p = self.store.lock(&signed.platform).ok_or_else(|| {
                VodError::new(
                    VodCode::SignatureInvalid,
                    "signature invalid: no such platform",
                )
            })?;
            self.session_of(key, &signed, &p.vod_sessions, now)?
        };
        let bucket = signed.app.bucket();
        let file = if session.committed {
            // a Commit sent again (its reply was lost): the same file
            let p = self.store.lock(&signed.platform);
            p.and_then(|p| p.vod_files.get(&session.file_id).cloned())
                .ok_or_else(|| {
                    VodError::new(VodCode::FileNotUploaded, "the committed file is gone")
                })?
        } else {
            self.record(&signed, &session, &bucket, now).await?
        };
        let verify = |file_id: &str| {
            self.keys.verify.seal(&format!(
                "ExpTime={}&FileId={file_id}",
                now.saturating_add(VERIFY_CONTENT_LIFETIME)
            ))
        };
        let mut data = json!({
            "fileId": file.file_id,
            "video": {"url": file.url, "verify_content": verify(&file.file_id)},
        });
        if let Some(cover) = &session.cover_path {
            if self
                .objects
                .get(&bucket, cover.trim_start_matches('/'))
                .is_ok()
            {
                data["cover"] = json!({
                    "url": format!("{}{cover}", self.media_base_url),
                    "verify_content": verify(&file.file_id),
                });
            }
        }
        Ok(data)
    }

    /// Plays a client's whole VOD upload in-process (Apply, the bytes into the bucket, Commit);
    /// the Commit reply's `data`.
    pub(crate) async fn upload(
        &self,
        signature: &str,
        file_name: &str,
        bytes: bytes::Bytes,
        now: i64,
    ) -> Result<Value, VodError> {
        let (name, extension) = file_name.rsplit_once('.').unwrap_or((file_name, "bin"));
        let apply = json!({
            "signature": signature,
            "videoName": name,
            "videoType": extension,
            "videoSize": bytes.len(),
        });
        let applied = self.apply(apply.to_string().as_bytes(), now)?;
        let path = applied["video"]["storagePath"].as_str().unwrap_or_default();
        let bucket = format!(
            "{}-{}",
            applied["storageBucket"].as_str().unwrap_or_default(),
            applied["storageAppId"]
        );
        let body =
            futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes) });
        self.objects
            .put(
                &bucket,
                path.trim_start_matches('/'),
                None,
                Box::pin(body),
                now,
            )
            .await
            .map_err(|e| {
                VodError::new(
                    VodCode::FileNotUploaded,
                    format!("the bytes could not be stored: {e:?}"),
                )
            })?;
        let commit = json!({"signature": signature, "vodSessionKey": applied["vodSessionKey"]});
        self.commit(commit.to_string().as_bytes(), now).await
    }

    /// Records the session's video as a VOD file.
    async fn record(
        &self,
        signed: &Signed,
        session: &VodSession,
        bucket: &str,
        now: i64,
    ) -> Result<VodFile, VodError> {
        let object = self.objects.get(bucket, session.video_key()).map_err(|e| match e {
            ObjectError::NoSuchKey => VodError::new(
                VodCode::FileNotUploaded,
                format!("the video was not uploaded: no object {} in the bucket (complete the upload first)", session.video_key()),
            ),
            other => VodError::new(VodCode::FileNotUploaded, format!("the video cannot be read: {other:?}")),
        })?;
        let segments = object.segments.clone();
        let size = object.size;
        let probed = tokio::task::spawn_blocking(move || {
            SegmentReader::open(&segments)
                .map(|mut r| probe::probe(&mut r, size))
                .unwrap_or_default()
        })
        .await
        .unwrap_or_default();
        let facts = MediaFacts {
            width: probed.width,
            height: probed.height,
            duration: probed.duration,
            size: i64::try_from(object.size).ok(),
            container: probed.container.map(str::to_owned),
            resolution: resolution_of(probed.width, probed.height).map(str::to_owned),
            ..MediaFacts::default()
        };
        let file = VodFile {
            file_id: session.file_id.clone(),
            context: session.context.clone(),
            key: session.video_key().to_owned(),
            url: format!("{}{}", self.media_base_url, session.storage_path),
            sha1: object.sha1,
            summary_sha1: object.summary_sha1,
            facts,
            created: now,
        };
        let mut p = self.store.lock(&signed.platform).ok_or_else(|| {
            VodError::new(
                VodCode::SignatureInvalid,
                "signature invalid: no such platform",
            )
        })?;
        if let Some(s) = p.vod_sessions.get_mut(&session.session_id) {
            s.committed = true;
        }
        let file = p
            .vod_files
            .entry(file.file_id.clone())
            .or_insert(file)
            .clone();
        Ok(file)
    }
}
