//! What every end-to-end test needs: an emulator of its own (in-process, 127.0.0.1, an ephemeral
//! port), a client for a demo user whose `Login` signatures come from an async callback playing
//! the app's backend, the demo fixture's IDs, and assertions on typed errors.
#![allow(dead_code)] // each test binary uses a part of it

use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cme_emulator::{Emulator, EmulatorBuilder, RunningEmulator};
use cme_sdk::material::{FinishUploadMaterialData, MaterialClient};
use cme_sdk::types::{Entity, EntityType, MaterialInfo, MaterialType};
use cme_sdk::{
    BoxError, Client, ClientBuilder, Error, ErrorCode, RetryPolicy, SignAction, SignParams,
    SignatureSource, Signer, Validity,
};

pub use cme_emulator::{
    DEMO_MATERIAL_ID, DEMO_MEMBER_ID, DEMO_OUTSIDER_ID, DEMO_PLATFORM, DEMO_PROJECT_ID,
    DEMO_TEAM_ID, DEMO_USER_ID,
};

/// The demo platform.
pub const P: &str = DEMO_PLATFORM;
/// Demo users (emulator/fixtures/demo.json): alice owns the team, bob is a member, carol is not
/// in it and shares her media with it.
pub const ALICE: &str = DEMO_USER_ID;
pub const BOB: &str = DEMO_MEMBER_ID;
pub const CAROL: &str = DEMO_OUTSIDER_ID;
pub const TEAM: &str = DEMO_TEAM_ID;

// Demo media.
/// alice, /视频/旅行, video 62.5 s 1920×1080, tags 海边 日落 travel, in DEMO_PROJECT.
pub const SUNSET: &str = DEMO_MATERIAL_ID;
/// alice, /视频, video 125 s 4K.
pub const CITY: &str = "38192156030633420590";
/// alice, /视频, video 900 s HD.
pub const INTERVIEW: &str = "38192156030633420591";
/// alice, /视频, video 30 s 1080×1920.
pub const PORTRAIT: &str = "38192156030633420592";
/// alice, /音频, audio 180 s, in DEMO_PROJECT.
pub const MUSIC: &str = "38192156030633420593";
/// alice, /音频, audio 45.2 s.
pub const NARRATION: &str = "38192156030633420594";
/// alice, /图片, image 1280×720.
pub const POSTER: &str = "38192156030633420595";
/// alice, /图片, image 512×512.
pub const LOGO: &str = "38192156030633420596";
/// bob, root class.
pub const BOB_DRAFT: &str = "38192156030633420601";
/// the team, /宣传片.
pub const TEAM_FILM: &str = "38192156030633420611";
/// the team, root class.
pub const TEAM_PHOTO: &str = "38192156030633420612";
/// carol, shared with the team.
pub const CAROL_AERIAL: &str = "38192156030633420621";
/// carol, shared with the team.
pub const CAROL_AMBIENT: &str = "38192156030633420622";
/// A medium ID nobody has.
pub const NO_MATERIAL: &str = "11111111111111111111";

// Demo projects.
/// alice, Default, 海边旅行 vlog, media [SUNSET, MUSIC].
pub const VLOG: &str = DEMO_PROJECT_ID;
/// alice, Live, 直播回放剪辑.
pub const LIVE_PROJECT: &str = "cmepid_5fbb72524e70c2000192d4ee";
/// alice, Default, 产品竖屏短片.
pub const PORTRAIT_PROJECT: &str = "cmepid_5fbb72524e70c2000192d4ef";
/// the team, Default, 品牌宣传片 2024.
pub const TEAM_PROJECT: &str = "cmepid_6a1c0e2f3b4d5e6f7a8b9c01";
/// the team, Switcher, 发布会 导播台.
pub const TEAM_SWITCHER: &str = "cmepid_6a1c0e2f3b4d5e6f7a8b9c02";
/// bob, StreamConnect.
pub const BOB_PROJECT: &str = "cmepid_7b2d1f3a4c5e6f7a8b9c0d01";

// Demo export tasks (all owned by alice or her team).
/// SUCCESS, on VLOG.
pub const TASK_DONE: &str = "1200000001-tfusion-e8476f5ba4e3f98d691bf415cfa978bdt0";
/// PROCESSING 40 %, on LIVE_PROJECT.
pub const TASK_RUNNING: &str = "1200000001-tfusion-0b9a8c7d6e5f4a3b2c1d0e9f8a7b6c5dt0";
/// FAIL 63 %, ErrCode 10001, on TEAM_PROJECT.
pub const TASK_FAILED: &str = "1200000001-tfusion-1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6ft0";

/// The root class of the first user (alice), as in the docs.
pub const ALICE_ROOT: i64 = 9;

/// A person owner.
pub fn person(id: &str) -> Entity {
    Entity::new(EntityType::Person, id)
}

/// A team owner.
pub fn team(id: &str) -> Entity {
    Entity::new(EntityType::Team, id)
}

/// Starts an emulator with the demo key, platform and fixture.
pub async fn start() -> RunningEmulator {
    start_with(Emulator::builder()).await
}

/// Starts an emulator from `builder`.
pub async fn start_with(builder: EmulatorBuilder) -> RunningEmulator {
    builder.start().await.expect("the emulator starts")
}

/// The app's backend: holds the API key and makes signatures for one user on request, counting
/// the `Login` ones.
#[derive(Clone, Debug)]
pub struct Backend {
    signer: Signer,
    platform: String,
    user: String,
    signed: Arc<AtomicUsize>,
}

impl Backend {
    /// A backend with the emulator's key, signing for `user`.
    pub fn new(emu: &RunningEmulator, user: &str) -> Self {
        Self {
            signer: emu.signer().clone(),
            platform: emu.platform().to_owned(),
            user: user.to_owned(),
            signed: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// How many `Login` signatures the client asked for.
    pub fn signatures(&self) -> usize {
        self.signed.load(Ordering::SeqCst)
    }

    /// An `Upload` signature (the `VerifySign` of uploads and processing).
    pub fn upload_signature(&self) -> String {
        self.signer
            .upload(&self.platform, &self.user, Validity::DEFAULT)
            .expose_secret()
            .to_owned()
    }

    /// The client's signature source: an async callback, as if over HTTPS to the backend.
    pub fn source(&self) -> SignatureSource {
        let backend = self.clone();
        SignatureSource::from_fn(move |action| {
            let backend = backend.clone();
            async move {
                tokio::task::yield_now().await; // a round trip to the backend
                if action == SignAction::Login {
                    backend.signed.fetch_add(1, Ordering::SeqCst);
                }
                let params =
                    SignParams::new(backend.platform.as_str(), backend.user.as_str(), action);
                Ok::<_, BoxError>(backend.signer.sign(&params))
            }
        })
    }
}

/// Retries that are quick enough for tests: 3 attempts, 10-50 ms apart.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy::new()
        .with_max_attempts(3)
        .with_base_delay(Duration::from_millis(10))
        .with_max_delay(Duration::from_millis(50))
}

/// A client builder pointed at the emulator (its uploads too: VOD, the VOD backup host when it
/// has one, COS; [`RunningEmulator::client_builder`]), signing through `backend`, with quick
/// retries and a 20 s call budget (a safety net: no test should come near it).
pub fn builder(emu: &RunningEmulator, backend: &Backend) -> ClientBuilder {
    emu.client_builder()
        .signature_source(backend.source())
        .retry(quick_retries())
        .timeout(Duration::from_secs(20))
}

/// A client for `user`.
pub fn client(emu: &RunningEmulator, user: &str) -> Client {
    builder(emu, &Backend::new(emu, user))
        .build()
        .expect("the client builds")
}

/// An emulator and a client for alice, with her backend.
pub struct Env {
    pub emu: RunningEmulator,
    pub client: Client,
    pub backend: Backend,
}

impl Env {
    /// The demo emulator and alice's client.
    pub async fn start() -> Self {
        Self::with(Emulator::builder()).await
    }

    /// An emulator from `builder` and alice's client.
    pub async fn with(builder: EmulatorBuilder) -> Self {
        let emu = start_with(builder).await;
        let backend = Backend::new(&emu, ALICE);
        let client = self::builder(&emu, &backend)
            .build()
            .expect("the client builds");
        Self {
            emu,
            client,
            backend,
        }
    }

    /// Alice's `Material` actions.
    pub fn material(&self) -> MaterialClient<'_> {
        self.client.material()
    }

    /// A client for another user of the same emulator.
    pub fn client_for(&self, user: &str) -> Client {
        client(&self.emu, user)
    }

    /// Logins the emulator has answered (successful or not).
    pub fn logins(&self) -> u64 {
        self.emu.stats().executed("Login")
    }

    /// Requests of `Class/Name` that reached the emulator.
    pub fn received(&self, route: &str) -> u64 {
        self.emu.stats().received(route)
    }

    /// Requests of `Class/Name` whose action actually ran.
    pub fn executed(&self, route: &str) -> u64 {
        self.emu.stats().executed(route)
    }

    /// The emulator's copy of the demo platform.
    pub fn state(&self) -> cme_emulator::state::Platform {
        self.emu
            .snapshot()
            .platform(P)
            .cloned()
            .expect("the demo platform")
    }

    /// Stops the emulator.
    pub async fn stop(self) {
        self.emu.shutdown().await;
    }
}

/// The ID of the class at `path` (e.g. `/个人/视频`) of `owner`, looked up with DescribeClass.
pub async fn class_id(client: &Client, owner: Entity, path: &str) -> i64 {
    let data = client
        .material()
        .describe_class(owner)
        .send()
        .await
        .expect("DescribeClass");
    data.class_info_set
        .iter()
        .find(|c| c.class_path.as_deref() == Some(path))
        .and_then(|c| c.class_id)
        .unwrap_or_else(|| panic!("no class {path} in {:?}", data.class_info_set))
}

/// Uploads a medium into `class_id` of `owner` the way an app does: CreateUploadMaterial with an
/// `Upload` signature from the backend, the file to VOD (played in-process by the emulator),
/// FinishUploadMaterial.
pub async fn upload(
    emu: &RunningEmulator,
    client: &Client,
    backend: &Backend,
    class_id: i64,
    owner: Entity,
    kind: MaterialType,
    name: &str,
) -> String {
    let started = client
        .material()
        .create_upload_material(class_id, kind, name, owner)
        .verify_sign(backend.upload_signature())
        .send()
        .await
        .expect("CreateUploadMaterial");
    assert!(!started.upload_context.is_empty());
    assert!(!started.vod_upload_sign.is_empty());
    let vod = emu
        .upload_to_vod(
            &started.vod_upload_sign,
            &format!("{name}.mp4"),
            name.as_bytes().to_vec(),
        )
        .await
        .expect("the file goes to VOD");
    let FinishUploadMaterialData { material_id, .. } = client
        .material()
        .finish_upload_material(started.upload_context)
        .vod_file_id(vod.file_id)
        .vod_verify_key(vod.verify_content)
        .send()
        .await
        .expect("FinishUploadMaterial");
    material_id.expect("FinishUploadMaterial names the new medium")
}

/// The medium IDs of a list, in order.
pub fn ids(set: &[MaterialInfo]) -> Vec<String> {
    set.iter()
        .map(|m| {
            m.basic_info
                .as_ref()
                .and_then(|b| b.material_id.clone())
                .expect("a listed medium has an ID")
        })
        .collect()
}

/// The same IDs, sorted (for results whose order is not the point).
pub fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// Owned, sorted strings.
pub fn strs(items: &[&str]) -> Vec<String> {
    sorted(items.iter().map(|s| (*s).to_owned()).collect())
}

/// Asserts that `err` is the service's error `code` for `action` (`Class/Name`): the typed code,
/// the Chinese `Message` the docs give for the code (the `EnglishMessage` where they give none),
/// an `EnglishMessage` containing `detail`, the action, and a `Display` naming all three.
#[track_caller]
pub fn assert_api_error(err: &Error, action: &str, code: &ErrorCode, detail: &str) {
    assert_eq!(err.code(), Some(code), "{action}: {err:?}");
    assert!(!err.is_auth() && !err.is_timeout(), "{err:?}");
    assert_eq!(
        err.action().map(|meta| meta.to_string()).as_deref(),
        Some(action),
        "{err:?}"
    );
    let api = err.api().expect("an API error");
    assert_eq!(api.http_status, 200, "{err:?}");
    let en = api.english_message.as_deref().unwrap_or_default();
    let zh = code.message_zh().unwrap_or(en);
    assert_eq!(api.message, zh, "{action}: Message");
    assert!(
        en.contains(detail),
        "{action}: EnglishMessage {en:?} lacks {detail:?}"
    );
    let shown = err.to_string();
    let head = format!("{action} failed: {}: ", code.as_str());
    assert!(
        shown.starts_with(&head),
        "{shown:?} should start with {head:?}"
    );
    assert!(shown.contains(detail) && shown.contains(zh), "{shown}");
    assert!(
        !err.is_retryable() || code == &ErrorCode::InternalError,
        "{err:?}"
    );
}

/// The error of a call that must fail with `code` (see [`assert_api_error`]).
#[track_caller]
pub fn expect_api_error<T: Debug>(
    result: Result<T, Error>,
    action: &str,
    code: &ErrorCode,
    detail: &str,
) -> Error {
    let err = match result {
        Ok(data) => panic!("{action} should fail with {}, got {data:?}", code.as_str()),
        Err(err) => err,
    };
    assert_api_error(&err, action, code, detail);
    err
}

/// One documented error path: the action, the code, a word of the detail and the call's outcome.
pub type ErrorCase = (&'static str, ErrorCode, &'static str, Result<(), Error>);

/// Asserts every row of an error table.
#[track_caller]
pub fn assert_error_cases(cases: Vec<ErrorCase>) {
    for (action, code, detail, result) in cases {
        expect_api_error(result, action, &code, detail);
    }
}

/// Drops a call's `Data`, for error tables.
pub fn unit<T>(result: Result<T, Error>) -> Result<(), Error> {
    result.map(drop)
}
