//! VOD client upload (UGC): `ApplyUploadUGC` opens (or resumes) an upload session and hands
//! out temporary COS credentials; `CommitUploadUGC` closes it and returns the VOD file ID.
//!
//! `POST <host>/v3/index.php?Action=<Action>` with a JSON body; replies are
//! `{"code": 0, "message": "…", "data": {…}}`, any other code a refusal (`10010`: the
//! signature expired). A request goes to the main host; after a network failure (a connection
//! error, a timeout, an HTTP error status) the next attempt goes to the other host, which is
//! kept for the rest of the upload, as the official upload SDKs do. A refusal is not retried.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use reqwest::header::{HeaderValue, CONTENT_TYPE, USER_AGENT};
use reqwest::Url;
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::error::{UploadError, UploadStep};
use super::Stats;
use crate::client::Client;
use crate::envelope::Payload;
use crate::error::{DecodeError, Error, ErrorKind, Operation};
use crate::options::RetryPolicy;
use crate::redact::{self, Scrubbed, Secrets};
use crate::retry::{Budget, Retrier};
use crate::transport::{self, Reply};

/// The main VOD upload host (`vod2.qcloud.com`).
pub const DEFAULT_VOD_ENDPOINT: &str = "https://vod2.qcloud.com";
/// The backup VOD upload host (`vod2.dnsv1.com`).
pub const DEFAULT_VOD_BACKUP_ENDPOINT: &str = "https://vod2.dnsv1.com";

/// The VOD hosts of a client: the main one, and the backup one if any.
#[derive(Debug, Clone)]
pub(crate) struct VodHosts {
    pub(crate) main: Url,
    pub(crate) backup: Option<Url>,
}

/// The VOD upload API, for one upload.
pub(crate) struct Vod {
    client: Client,
    hosts: Vec<Url>,
    /// The index in `hosts` of the host in use.
    host: AtomicUsize,
    used_backup: AtomicBool,
    retry: RetryPolicy,
    stats: Arc<Stats>,
}

impl fmt::Debug for Vod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vod")
            .field("hosts", &self.hosts.len())
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

/// What `ApplyUploadUGC` is told.
#[derive(Clone)]
pub(crate) struct ApplyRequest {
    /// The `VodUploadSign` of `CreateUploadMaterial`.
    pub(crate) signature: SecretString,
    /// `videoName`: the file name without extension.
    pub(crate) name: String,
    /// `videoType`: the extension, lower-case.
    pub(crate) format: String,
    /// `videoSize`.
    pub(crate) size: u64,
}

/// An upload session, as `ApplyUploadUGC` opened or resumed it.
pub(crate) struct Applied {
    /// `storageBucket`.
    pub(crate) bucket: String,
    /// `storageAppId`.
    pub(crate) app_id: String,
    /// `storageRegionV5` (or `StorageRegionV5`), when given.
    pub(crate) region: Option<String>,
    /// `video.storagePath`: the object key, `/` first.
    pub(crate) storage_path: String,
    /// `vodSessionKey`.
    pub(crate) session_key: String,
    /// `tempCertificate`.
    pub(crate) secret_id: String,
    pub(crate) secret_key: SecretString,
    pub(crate) token: SecretString,
    /// `tempCertificate.expiredTime`, Unix seconds of the server's clock.
    pub(crate) expired_time: i64,
    /// `timestamp`: the server's clock when it answered.
    pub(crate) timestamp: i64,
}

/// What `CommitUploadUGC` returned.
pub(crate) struct Committed {
    /// `fileId`.
    pub(crate) file_id: String,
    /// `video.verify_content`: the proof `FinishUploadMaterial` takes as `VodVerifyKey`.
    pub(crate) verify_content: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApplyData {
    video: StorageTarget,
    storage_bucket: String,
    #[serde(deserialize_with = "crate::de::lenient")]
    storage_app_id: String,
    #[serde(default)]
    storage_region_v5: Option<String>,
    /// Both spellings are sent (npm vod-js-sdk-v6 1.8.0 reads this one).
    #[serde(default, rename = "StorageRegionV5")]
    storage_region_v5_upper: Option<String>,
    vod_session_key: String,
    temp_certificate: TempCertificate,
    #[serde(deserialize_with = "crate::de::lenient")]
    timestamp: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StorageTarget {
    storage_path: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TempCertificate {
    secret_id: String,
    secret_key: String,
    token: String,
    #[serde(deserialize_with = "crate::de::lenient")]
    expired_time: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommitData {
    #[serde(deserialize_with = "crate::de::lenient")]
    file_id: String,
    video: CommitVideo,
}

#[derive(Deserialize)]
struct CommitVideo {
    verify_content: String,
}

/// The members of a VOD reply, the payload kept as raw JSON.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    message: Option<Value>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

impl Vod {
    /// The VOD API at `hosts`, through `client`'s HTTP client and time limits, retrying as its
    /// upload's policy says.
    pub(crate) fn new(
        client: &Client,
        hosts: &VodHosts,
        retry: RetryPolicy,
        stats: Arc<Stats>,
    ) -> Self {
        let hosts = std::iter::once(hosts.main.clone())
            .chain(hosts.backup.clone())
            .collect();
        Self {
            client: client.clone(),
            hosts,
            host: AtomicUsize::new(0),
            used_backup: AtomicBool::new(false),
            retry,
            stats,
        }
    }

    /// Whether a request went to the backup host.
    pub(crate) fn used_backup(&self) -> bool {
        self.used_backup.load(Ordering::SeqCst)
    }

    /// `ApplyUploadUGC`: a new session, or with `session_key` the same session again (for
    /// fresh credentials, or to resume).
    pub(crate) async fn apply(
        &self,
        request: &ApplyRequest,
        session_key: Option<&str>,
    ) -> Result<Applied, Error> {
        use secrecy::ExposeSecret as _;
        let signature = request.signature.expose_secret();
        let mut body = json!({
            "signature": signature,
            "videoName": request.name,
            "videoType": request.format,
            "videoSize": request.size,
        });
        if let Some(key) = session_key {
            body["vodSessionKey"] = key.into();
        }
        let secrets = [signature, session_key.unwrap_or_default()];
        let data: ApplyData = self
            .call("ApplyUploadUGC", UploadStep::Apply, &body, &secrets)
            .await?;
        let region = data
            .storage_region_v5
            .or(data.storage_region_v5_upper)
            .filter(|r| !r.is_empty());
        Ok(Applied {
            bucket: data.storage_bucket,
            app_id: data.storage_app_id,
            region,
            storage_path: data.video.storage_path,
            session_key: data.vod_session_key,
            secret_id: data.temp_certificate.secret_id,
            secret_key: data.temp_certificate.secret_key.into(),
            token: data.temp_certificate.token.into(),
            expired_time: data.temp_certificate.expired_time,
            timestamp: data.timestamp,
        })
    }

    /// `CommitUploadUGC` of the session.
    pub(crate) async fn commit(
        &self,
        signature: &SecretString,
        session_key: &str,
    ) -> Result<Committed, Error> {
        use secrecy::ExposeSecret as _;
        let signature = signature.expose_secret();
        let body = json!({"signature": signature, "vodSessionKey": session_key});
        let data: CommitData = self
            .call(
                "CommitUploadUGC",
                UploadStep::Commit,
                &body,
                &[signature, session_key],
            )
            .await?;
        Ok(Committed {
            file_id: data.file_id,
            verify_content: data.video.verify_content,
        })
    }

    /// One VOD action, retried within the client's time limits, failing over between hosts.
    async fn call<T: DeserializeOwned>(
        &self,
        action: &str,
        step: UploadStep,
        body: &Value,
        secrets: &[&str],
    ) -> Result<T, Error> {
        let operation = Operation::Upload(step);
        let body = Bytes::from(body.to_string());
        let defaults = &self.client.inner.defaults;
        let budget = Budget::new(defaults.timeout, defaults.attempt_timeout);
        let mut retrier = Retrier::new(&self.retry, budget);
        loop {
            let host = self.host.load(Ordering::SeqCst);
            if retrier.sending() > 1 {
                self.stats.retried();
            }
            let attempt = self.attempt(&self.hosts[host], action, step, &body, secrets);
            let err = match budget.attempt(operation, attempt).await {
                Ok(data) => return Ok(data),
                Err(err) => err,
            };
            let network = matches!(
                err.kind(),
                ErrorKind::Transport(_) | ErrorKind::Timeout(_) | ErrorKind::Http(_)
            );
            if network && self.hosts.len() > 1 {
                let next = (host + 1) % self.hosts.len();
                // Another task may have switched already: switch only from the host that failed.
                let _ = self
                    .host
                    .compare_exchange(host, next, Ordering::SeqCst, Ordering::SeqCst);
                if next != 0 {
                    self.used_backup.store(true, Ordering::SeqCst);
                }
                tracing::debug!(action, error = %err, "VOD host failed; trying the other host");
            }
            retrier.after_failure(err).await?;
        }
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        host: &Url,
        action: &str,
        step: UploadStep,
        body: &Bytes,
        secrets: &[&str],
    ) -> Result<T, Error> {
        let operation = Operation::Upload(step);
        let inner = &self.client.inner;
        let mut url = host.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(["v3", "index.php"]);
        }
        url.query_pairs_mut().append_pair("Action", action);
        let request = inner
            .http
            .post(url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, inner.user_agent.clone())
            .body(body.clone());
        let reply = transport::send(request, inner.max_reply_size)
            .await
            .map_err(|e| Error::transport(operation, e, secrets))?;
        read_reply(step, &reply, &Secrets::new(secrets))
    }
}

/// Reads a VOD reply: its `data` as `T` when `code` is 0, else the refusal.
fn read_reply<T: DeserializeOwned>(
    step: UploadStep,
    reply: &Reply,
    secrets: &Secrets,
) -> Result<T, Error> {
    let operation = Operation::Upload(step);
    let status = reply.status;
    let snippet = || secrets.snippet(&reply.body);
    if !(200..300).contains(&status) || reply.over_limit.is_some() {
        let snippet = match reply.over_limit {
            Some(_) => Scrubbed::from(""),
            None => snippet(),
        };
        let retryable = status >= 500 || status == 429;
        return Err(Error::http(operation, status, snippet, reply.retry_after).retryable(retryable));
    }
    let not_vod = |why: &'static str| {
        let decode = DecodeError::new(None, Scrubbed::from(why), status, Some(snippet()));
        Error::decode(operation, decode)
    };
    let Ok(head) = serde_json::from_slice::<Head<'_>>(&reply.body) else {
        return Err(not_vod("the reply is not a VOD reply (JSON with `code`)"));
    };
    let code = match &head.code {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let Some(code) = code else {
        return Err(not_vod("the reply has no integer `code`"));
    };
    if code != 0 {
        let message = match &head.message {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let message = secrets
            .and_credentials_in(&reply.body)
            .scrub(&message, redact::TEXT_CHARS)
            .into_string();
        return Err(Error::upload(
            step,
            UploadError::Vod { code, message },
            false,
        ));
    }
    let json = head
        .data
        .map(|raw| reply.body.slice_ref(raw.get().as_bytes()));
    Payload::new(json, "data", status, secrets.clone()).decode(operation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            retry_after: None,
            body: Bytes::from(body.to_owned()),
            over_limit: None,
        }
    }

    fn apply(body: &str) -> Result<ApplyData, Error> {
        read_reply(
            UploadStep::Apply,
            &reply(200, body),
            &Secrets::new(&["SIGNATURE"]),
        )
    }

    fn refused(body: &str) -> Error {
        match apply(body) {
            Ok(_) => panic!("accepted: {body}"),
            Err(err) => err,
        }
    }

    #[test]
    fn reads_the_documented_apply_reply() {
        // vod-js-sdk-v6 test/uploader.test.ts, secrets replaced.
        let body = r#"{ "code":0, "message":"成功", "data":{
          "video":{"storageSignature":"c2ln","storagePath":"/faeed456vodcq1400170034/7f51d96b5285890784418605123/x2eWFXPftMEA.mp4"},
          "storageAppId":10022853, "storageBucket":"faeed456vodcq1400170034",
          "storageRegion":"cq", "storageRegionV5":"ap-chongqing", "StorageRegionV5":"ap-chongqing",
          "domain":"vod2.qcloud.com", "vodSessionKey":"SESSION",
          "tempCertificate":{"secretId":"AKIDtmp","secretKey":"KEY","token":"TOKEN","expiredTime":1547719375},
          "appId":1400170034, "timestamp":1547719375 } }"#;
        let data = apply(body).unwrap();
        assert_eq!(data.storage_app_id, "10022853");
        assert_eq!(data.storage_region_v5.as_deref(), Some("ap-chongqing"));
        assert_eq!(data.temp_certificate.expired_time, 1_547_719_375);
        assert_eq!(
            data.video.storage_path,
            "/faeed456vodcq1400170034/7f51d96b5285890784418605123/x2eWFXPftMEA.mp4"
        );
    }

    #[test]
    fn a_refusal_names_its_code_and_a_bad_reply_its_path_without_secrets() {
        let err = refused(r#"{"code":10010,"message":"signature SIGNATURE expired"}"#);
        assert_eq!(
            err.upload_error(),
            Some(&UploadError::Vod {
                code: 10010,
                message: "signature <redacted> expired".into()
            })
        );
        assert_eq!(
            err.to_string(),
            "upload failed at apply: VOD code 10010: signature <redacted> expired \
             (the upload signature expired)"
        );
        assert!(!err.is_retryable());
        let err = refused(r#"{"code":"0","data":{"video":{}}}"#);
        assert!(err.to_string().contains("at data.video"), "{err}");
        let err = refused(
            r#"{"code":0,"data":{"video":{"storagePath":"/p"},"storageBucket":"b","storageAppId":1,"vodSessionKey":"SECRET_KEY_VALUE","tempCertificate":{"secretId":"i","secretKey":7,"token":"t","expiredTime":1},"timestamp":1}}"#,
        );
        assert!(!err.to_string().contains("SECRET_KEY_VALUE"), "{err}");
        let err = refused("<html>502 Bad Gateway</html>");
        assert!(matches!(err.kind(), ErrorKind::Decode(_)), "{err:?}");
    }

    #[test]
    fn error_statuses_are_retried_on_the_other_host() {
        let Err(err) =
            read_reply::<ApplyData>(UploadStep::Commit, &reply(500, "oops"), &Secrets::default())
        else {
            panic!("accepted");
        };
        assert!(
            err.is_retryable() && err.http_status() == Some(500),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "upload failed at commit: HTTP 500 Internal Server Error: oops"
        );
    }
}
