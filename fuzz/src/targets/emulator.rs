//! `emulator`: request bodies of every action through the emulator's dispatch, in process (no
//! socket), over the demo fixture.
//!
//! Input: `Class/Action`, optionally ` @member` or ` @outsider` (the demo user making the
//! request; the demo owner otherwise), a newline, the request body. `$UPLOAD_SIGN` in the body
//! stands for a valid `Upload` signature of that user, so that uploads and processing can get
//! past their signature check. Checks:
//! - the answer is a success or an error envelope with a code of the spec's table;
//! - a refused request leaves the state as it was (the snapshots before and after are equal);
//! - the SDK reads the answer as it is meant: a success as the action's `Data`, an error as an
//!   API error with the same code;
//! - no panic.
//!
//! Every input starts from the fixture's state, so an artifact replays alone.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use cme_emulator::__private::Service;
use cme_emulator::dispatch::{Context, Failure};
use cme_emulator::{
    Emulator, DEMO_MATERIAL_ID, DEMO_MEMBER_ID, DEMO_OUTSIDER_ID, DEMO_PLATFORM, DEMO_PROJECT_ID,
    DEMO_SECRET_ID, DEMO_SECRET_KEY, DEMO_TEAM_ID, DEMO_USER_ID,
};
use cme_sdk::{ErrorCode, SignAction, SignParams, Signer};

use super::framed::{self, Framed};
use super::{check, Features, Finding, Target};
use crate::actions::ACTIONS;
use crate::mutate::Mutator;

/// The placeholder of a valid `Upload` signature in a request body.
pub const UPLOAD_SIGN: &str = "$UPLOAD_SIGN";
/// The emulator's clock during the run (Unix seconds): fixed, so runs replay.
const NOW: u64 = 1_700_000_000;

/// The `emulator` target.
pub struct EmulatorTarget {
    service: Service,
    signer: Signer,
    now: SystemTime,
    /// Whether the state may differ from the fixture's (a request succeeded since the reset).
    dirty: bool,
    headers: Vec<String>,
}

impl EmulatorTarget {
    /// The target, over the demo fixture.
    pub fn new() -> Self {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(NOW);
        let service = Service::new(Emulator::builder(), now)
            .unwrap_or_else(|e| panic!("the demo emulator sets up: {e}"));
        Self {
            service,
            signer: Signer::new(DEMO_SECRET_ID, DEMO_SECRET_KEY),
            now,
            dirty: false,
            headers: framed::action_headers()
                .into_iter()
                .flat_map(|h| [format!("{h} @member"), format!("{h} @outsider"), h])
                .collect(),
        }
    }

    /// `body` with the placeholder replaced by a valid `Upload` signature of `user`.
    fn signed(&self, body: &[u8], user: &str) -> Vec<u8> {
        let placeholder = UPLOAD_SIGN.as_bytes();
        if !body.windows(placeholder.len()).any(|w| w == placeholder) {
            return body.to_vec();
        }
        let params = SignParams::new(DEMO_PLATFORM, user, SignAction::Upload)
            .now(NOW - 10)
            .random(7);
        let signature = self.signer.sign(&params);
        let text = String::from_utf8_lossy(body);
        text.replace(UPLOAD_SIGN, signature.expose_secret())
            .into_bytes()
    }
}

impl Default for EmulatorTarget {
    fn default() -> Self {
        Self::new()
    }
}

/// The error envelope the server sends for `failure`.
fn envelope(failure: &Failure) -> Vec<u8> {
    serde_json::json!({
        "Code": failure.code().as_str(),
        "Message": failure.message(),
        "EnglishMessage": failure.english_message(),
    })
    .to_string()
    .into_bytes()
}

impl Target for EmulatorTarget {
    fn name(&self) -> &'static str {
        "emulator"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let mut seeds = Vec::new();
        for entry in ACTIONS {
            for request in entry.requests {
                // A documented `VerifySign` is no valid signature of ours.
                let mut body: serde_json::Value = serde_json::from_str(request).unwrap_or_default();
                if let Some(sign) = body.get_mut("VerifySign") {
                    *sign = UPLOAD_SIGN.into();
                }
                let body = body.to_string();
                seeds.push(framed::join(&entry.path(), body.as_bytes()));
                seeds.push(framed::join(
                    &format!("{} @outsider", entry.path()),
                    body.as_bytes(),
                ));
            }
            seeds.push(framed::join(&entry.path(), b""));
            seeds.push(framed::join(&entry.path(), b"[]"));
        }
        seeds
    }

    fn run(&mut self, input: &[u8]) -> Result<Features, Finding> {
        let framed = Framed::split(input);
        let entry = framed.action();
        let user = match framed.words().nth(1) {
            Some("@member") => DEMO_MEMBER_ID,
            Some("@outsider") => DEMO_OUTSIDER_ID,
            _ => DEMO_USER_ID,
        };
        if self.dirty {
            self.service
                .reset(self.now)
                .unwrap_or_else(|e| panic!("the demo fixture resets: {e}"));
            self.dirty = false;
        }
        let mut ctx = Context::new(DEMO_PLATFORM, user);
        ctx.now = self.now;
        let body = self.signed(framed.body, user);
        let before = self.service.snapshot();
        let result = self
            .service
            .dispatch(&ctx, entry.meta.class, entry.meta.name, &body);
        let feature = match result {
            Ok(reply) => {
                self.dirty = true;
                let read = (entry.decode)(Bytes::from(reply.into_body()));
                check!(
                    read.is_ok(),
                    "the SDK cannot read the emulator's success reply: {:?}",
                    read.err()
                );
                format!("{} ok", entry.path())
            }
            Err(failure) => {
                let code = failure.code();
                check!(
                    !matches!(code, ErrorCode::Unknown(_)),
                    "answered with a code the spec does not know: {failure}"
                );
                check!(
                    self.service.snapshot() == before,
                    "the state changed, though the request was refused with {failure}"
                );
                let read = (entry.decode)(Bytes::from(envelope(&failure)));
                let read_code = read.as_ref().err().and_then(|e| e.code());
                check!(
                    read_code == Some(code),
                    "the SDK reads the error envelope of {failure} as {read:?}"
                );
                let detail = failure
                    .english_message()
                    .trim_start_matches(cme_emulator::dispatch::AUTHORED_PREFIX);
                let words: Vec<&str> = detail.split([' ', ':']).take(3).collect();
                format!("{} {} {}", entry.path(), code.as_str(), words.join(" "))
            }
        };
        Ok(vec![feature])
    }

    fn mutate(&self, input: &[u8], mutator: &mut Mutator) -> Vec<u8> {
        framed::mutate(input, mutator, &self.headers)
    }

    fn dictionary(&self) -> Vec<Vec<u8>> {
        // The fixture's identifiers, so that requests reach what exists.
        let state = serde_json::to_value(self.service.snapshot()).unwrap_or_default();
        let mut words = Vec::new();
        let mut stack = vec![&state];
        while let Some(value) = stack.pop() {
            match value {
                serde_json::Value::String(s) if s.len() <= 64 => words.push(s.clone().into_bytes()),
                serde_json::Value::Number(n) => words.push(n.to_string().into_bytes()),
                serde_json::Value::Array(items) => stack.extend(items),
                serde_json::Value::Object(members) => stack.extend(members.values()),
                _ => {}
            }
        }
        words.extend(
            [
                DEMO_MATERIAL_ID,
                DEMO_PROJECT_ID,
                DEMO_TEAM_ID,
                DEMO_USER_ID,
                DEMO_MEMBER_ID,
                DEMO_OUTSIDER_ID,
                DEMO_PLATFORM,
                UPLOAD_SIGN,
                "PERSON",
                "TEAM",
            ]
            .map(|w| w.as_bytes().to_vec()),
        );
        words.sort();
        words.dedup();
        words
    }
}
