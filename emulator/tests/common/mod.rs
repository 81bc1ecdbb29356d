//! Test harness: an emulator started in-process and a raw HTTP client.
#![allow(dead_code)]

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
