//! Test harness: an emulator started in-process and a raw HTTP client.
#![allow(dead_code)]

pub mod cos;

use cme_emulator::{Emulator, EmulatorBuilder, RunningEmulator, DEMO_PLATFORM};
use serde_json::{json, Value};

pub struct Harness {
    pub emu: RunningEmulator,
    pub http: reqwest::Client,
}

impl Harness {
    pub async fn start() -> Self {
        Self::with(Emulator::builder()).await
    }

    pub async fn with(builder: EmulatorBuilder) -> Self {
        let emu = builder.start().await.expect("emulator starts");
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        Self { emu, http }
    }

    /// Logs in over HTTP (current reply shape) and returns the ticket.
    pub async fn login(&self, user: &str) -> String {
        let reply = self
            .get_json(
                &self
                    .emu
                    .login_url(self.emu.login_signature(user).expose_secret()),
            )
            .await;
        reply["Response"]["Authorization"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed: {reply}"))
            .to_owned()
    }

    pub async fn get_json(&self, url: &str) -> Value {
        let resp = self.http.get(url).send().await.expect("request");
        let bytes = resp.bytes().await.expect("body");
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("not JSON ({e}): {bytes:?}"))
    }

    /// POSTs `body` to `Class/Action` and returns the HTTP status and the parsed reply.
    pub async fn raw(
        &self,
        ticket: &str,
        action: &str,
        body: impl Into<reqwest::Body>,
    ) -> (u16, Value) {
        let (class, name) = action.split_once('/').expect("Class/Action");
        let resp = self
            .http
            .post(self.emu.api_url(class, name, ticket))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("body");
        let value =
            serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("not JSON ({e}): {bytes:?}"));
        (status, value)
    }

    /// Calls an action and returns the reply envelope (always HTTP 200).
    pub async fn call(&self, ticket: &str, action: &str, body: Value) -> Value {
        let (status, value) = self.raw(ticket, action, body.to_string()).await;
        assert_eq!(status, 200, "{action}: {value}");
        value
    }

    /// Calls an action that must succeed and returns its `Data` (`null` when absent).
    pub async fn ok(&self, ticket: &str, action: &str, body: Value) -> Value {
        let reply = self.call(ticket, action, body).await;
        assert_eq!(reply["Code"], "Success", "{action}: {reply}");
        reply.get("Data").cloned().unwrap_or(Value::Null)
    }

    /// Calls an action that must fail with `code`; returns the EnglishMessage.
    pub async fn fails(&self, ticket: &str, action: &str, body: Value, code: &str) -> String {
        let reply = self.call(ticket, action, body).await;
        assert_eq!(reply["Code"], code, "{action}: {reply}");
        assert!(reply.get("Data").is_none(), "{reply}");
        assert!(
            reply["Message"].as_str().is_some_and(|m| !m.is_empty()),
            "{reply}"
        );
        reply["EnglishMessage"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The class ID at `path` (e.g. `/个人/视频`) of an owner.
    pub async fn class_id(&self, ticket: &str, owner: Value, path: &str) -> i64 {
        let data = self
            .ok(
                ticket,
                "Material/DescribeClass",
                json!({"Platform": DEMO_PLATFORM, "Owner": owner}),
            )
            .await;
        data["ClassInfoSet"]
            .as_array()
            .expect("classes")
            .iter()
            .find(|c| c["ClassPath"] == path)
            .and_then(|c| c["ClassId"].as_i64())
            .unwrap_or_else(|| panic!("no class {path} in {data}"))
    }
}

impl Harness {
    /// Posts a VOD action to `base` (the main or the backup listener); the HTTP status and
    /// the reply.
    pub async fn vod_at(&self, base: &str, action: &str, body: &Value) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{base}/v3/index.php?Action={action}"))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("VOD request");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("body");
        let value =
            serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("not JSON ({e}): {bytes:?}"));
        (status, value)
    }

    /// Posts a VOD action to the main listener; the reply (HTTP 200).
    pub async fn vod(&self, action: &str, body: Value) -> Value {
        let (status, value) = self.vod_at(&self.emu.vod_url(), action, &body).await;
        assert_eq!(status, 200, "{action}: {value}");
        value
    }

    /// A VOD action that must succeed; its `data`.
    pub async fn vod_ok(&self, action: &str, body: Value) -> Value {
        let reply = self.vod(action, body).await;
        assert_eq!(reply["code"], 0, "{action}: {reply}");
        assert_eq!(reply["message"], "成功");
        reply["data"].clone()
    }

    /// A VOD action that must fail with `code`; its message.
    pub async fn vod_fails(&self, action: &str, body: Value, code: i64) -> String {
        let reply = self.vod(action, body).await;
        assert_eq!(reply["code"], code, "{action}: {reply}");
        assert!(reply.get("data").is_none(), "{reply}");
        reply["message"].as_str().unwrap_or_default().to_owned()
    }

    /// `CreateUploadMaterial` of a video into alice's root class (9), with `extra` fields;
    /// its `Data`.
    pub async fn create_upload(&self, ticket: &str, extra: Value) -> Value {
        let mut body = json!({
            "ClassId": 9,
            "MaterialType": "VIDEO",
            "Name": "上传",
            "Owner": person("user_alice"),
            "VerifySign": self.emu.upload_signature("user_alice").expose_secret(),
        });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        self.ok(ticket, "Material/CreateUploadMaterial", body).await
    }

    /// `ApplyUploadUGC` for a new `size`-byte `.mp4`; its `data`.
    pub async fn apply(&self, sign: &str, size: usize) -> Value {
        self.vod_ok(
            "ApplyUploadUGC",
            json!({"signature": sign, "videoName": "clip", "videoType": "mp4", "videoSize": size}),
        )
        .await
    }

    /// A COS client with an Apply's credentials.
    pub fn cos(&self, applied: &Value) -> cos::Cos {
        cos::Cos::new(
            &self.http,
            &self.emu.cos_url(),
            cos::Credentials::from_apply(applied),
        )
    }

    /// The whole VOD side of an upload of `bytes` (Apply, a simple PUT, Commit); the Commit
    /// reply's `data`.
    pub async fn vod_upload(&self, sign: &str, bytes: &[u8]) -> Value {
        let applied = self.apply(sign, bytes.len()).await;
        let path = applied["video"]["storagePath"]
            .as_str()
            .expect("path")
            .to_owned();
        let put = self
            .cos(&applied)
            .send("PUT", &path, &[], bytes.to_vec())
            .await;
        assert_eq!(put.status, 200, "PUT: {}", put.text());
        self.vod_ok(
            "CommitUploadUGC",
            json!({"signature": sign, "vodSessionKey": applied["vodSessionKey"]}),
        )
        .await
    }
}

/// Lower-case hex SHA-1.
pub fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn person(id: &str) -> Value {
    json!({"Type": "PERSON", "Id": id})
}

pub fn team(id: &str) -> Value {
    json!({"Type": "TEAM", "Id": id})
}

/// The `MaterialId`s of a list of `MaterialInfo`.
pub fn material_ids(set: &Value) -> Vec<String> {
    set.as_array()
        .expect("list")
        .iter()
        .map(|m| {
            m["BasicInfo"]["MaterialId"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect()
}
