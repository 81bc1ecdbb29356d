//! Settings of an emulator: the builder of the library API and the config file of the binary.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use cme_sdk::Verifier;
use serde::Deserialize;

use crate::fixture::{Fixture, FixtureError};

/// SecretId of the demo API key (the default).
pub const DEMO_SECRET_ID: &str = "AKIDcmeEmulatorDemoSecretId00000000";
/// SecretKey of the demo API key (the default).
pub const DEMO_SECRET_KEY: &str = "cmeEmulatorDemoSecretKey0123456789";
/// The default platform; the demo fixture is loaded into it.
pub const DEMO_PLATFORM: &str = "cme_demo";
/// Demo user: owner of the demo team, with personal classes, media and projects.
pub const DEMO_USER_ID: &str = "user_alice";
/// Demo user: a member of the demo team, with a little of their own.
pub const DEMO_MEMBER_ID: &str = "user_bob";
/// Demo user: not in the demo team; shares their media with it.
pub const DEMO_OUTSIDER_ID: &str = "user_carol";
/// The demo team (owner `user_alice`, member `user_bob`).
pub const DEMO_TEAM_ID: &str = "cmetid_5f8a9c2e1b3d4e6f7a8b9c0d";
/// A demo video of `user_alice` (海边日落, 62.5 s, 1920×1080), in her class `/视频/旅行`.
pub const DEMO_MATERIAL_ID: &str = "38192156030633420589";
/// A demo project of `user_alice` (海边旅行 vlog).
pub const DEMO_PROJECT_ID: &str = "cmepid_5fbb72524e70c2000192d4ed";
/// Where the binary listens unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8686";
/// Default ticket lifetime: 24 hours.
pub const DEFAULT_TICKET_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Default run time of a `ProcessMaterial` task: 3 seconds.
pub const DEFAULT_TASK_DURATION: Duration = Duration::from_secs(3);
/// Default largest request body: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default time a client has to send a request's head (request line and headers), and how long
/// an idle keep-alive connection stays open: 10 seconds.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a client has to send a request's whole body once its head arrived: 30 seconds.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap on connections served at once: 1024.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// The largest cap on connections that can be set.
pub const MAX_CONNECTIONS_LIMIT: usize = 1 << 20;
/// Default cap on the bytes the COS store holds: 16 GiB.
pub const DEFAULT_STORAGE_CAP: u64 = 16 * 1024 * 1024 * 1024;
/// Default lifetime of the temporary COS credentials `ApplyUploadUGC` issues: 1 hour.
pub const DEFAULT_TEMP_CREDENTIAL_LIFETIME: Duration = Duration::from_secs(3600);
/// Default validity of a `VodUploadSign` from `CreateUploadMaterial`: 1 day.
pub const DEFAULT_VOD_SIGN_LIFETIME: Duration = Duration::from_secs(86_400);
/// The longest validity of a `VodUploadSign`: 90 days.
pub const MAX_VOD_SIGN_LIFETIME: Duration = Duration::from_secs(7_776_000);
/// The `secretId` of the emulator's VOD API key, which makes every `VodUploadSign` (its secret
/// key is random for each emulator).
pub const VOD_SECRET_ID: &str = "AKIDcmeEmulatorVodUploadKey000000000";

/// Which login reply shape to serve (the docs show two).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoginShape {
    /// `{"Response": {"AppId", "Authorization", "Platform", "RequestId", "TfUid"}}`; failures
    /// `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}` (the current docs).
    #[default]
    Current,
    /// `{"Code": "Success", "Message", "EnglishMessage", "Data": {"AppId", "Platform", "UserId",
    /// "Authorization"}}`; failures `{"Code": "SignatureVerifyFail", ...}` (older docs).
    Legacy,
}

impl FromStr for LoginShape {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "current" => Ok(Self::Current),
            "legacy" => Ok(Self::Legacy),
            other => Err(format!("login shape {other:?} is not current or legacy")),
        }
    }
}

impl<'de> Deserialize<'de> for LoginShape {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Why an emulator could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The fixture is inconsistent (an unknown owner, a duplicate ID, a bad value...).
    Fixture(FixtureError),
    /// A setting is invalid.
    Config(String),
    /// The address could not be bound.
    Bind(std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Fixture(e) => write!(f, "{e}"),
            StartError::Config(e) => write!(f, "invalid setting: {e}"),
            StartError::Bind(e) => write!(f, "cannot listen: {e}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Fixture(e) => Some(e),
            StartError::Config(_) => None,
            StartError::Bind(e) => Some(e),
        }
    }
}

/// Entry point of the library API: `Emulator::builder()...start().await`.
#[derive(Debug, Clone, Copy)]
pub struct Emulator;

impl Emulator {
    /// A builder with the defaults: the demo credentials, platform and fixture, on
    /// `127.0.0.1:0` (an ephemeral port).
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Settings of an emulator; [`start`](Self::start) runs it (plain data: the server module wires
/// it up).
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    pub(crate) listen: SocketAddr,
    pub(crate) keys: Vec<(String, String)>,
    pub(crate) platform: String,
    pub(crate) ticket_lifetime: Duration,
    pub(crate) task_duration: Duration,
    pub(crate) login_shape: LoginShape,
    pub(crate) fixture: Fixture,
    pub(crate) max_body_bytes: usize,
    pub(crate) clock_skew: Duration,
    pub(crate) header_read_timeout: Duration,
    pub(crate) body_read_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) cos_listen: SocketAddr,
    pub(crate) vod_backup: Option<SocketAddr>,
    pub(crate) storage_dir: Option<PathBuf>,
    pub(crate) storage_cap: u64,
    pub(crate) temp_credential_lifetime: Duration,
    pub(crate) vod_sign_lifetime: Duration,
    pub(crate) vod_sign_one_time: bool,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            keys: vec![(DEMO_SECRET_ID.to_owned(), DEMO_SECRET_KEY.to_owned())],
            platform: DEMO_PLATFORM.to_owned(),
            ticket_lifetime: DEFAULT_TICKET_LIFETIME,
            task_duration: DEFAULT_TASK_DURATION,
            login_shape: LoginShape::Current,
            fixture: Fixture::demo(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            clock_skew: Duration::from_secs(60),
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            cos_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            vod_backup: None,
            storage_dir: None,
            storage_cap: DEFAULT_STORAGE_CAP,
            temp_credential_lifetime: DEFAULT_TEMP_CREDENTIAL_LIFETIME,
            vod_sign_lifetime: DEFAULT_VOD_SIGN_LIFETIME,
            vod_sign_one_time: false,
        }
    }
}

impl EmulatorBuilder {
    /// The address to listen on (default `127.0.0.1:0`: an ephemeral port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The API key signatures must be made with (replaces the demo key).
    pub fn secret(mut self, secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        self.keys = vec![(secret_id.into(), secret_key.into())];
        self
    }

    /// Accepts another API key as well.
    pub fn add_secret(
        mut self,
        secret_id: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        self.keys.push((secret_id.into(), secret_key.into()));
        self
    }

    /// The platform name of the fixture's unnamed platform (default [`DEMO_PLATFORM`]).
    pub fn platform(mut self, name: impl Into<String>) -> Self {
        self.platform = name.into();
        self
    }

    /// How long a ticket stays valid (default 24 hours).
    pub fn ticket_lifetime(mut self, lifetime: Duration) -> Self {
        self.ticket_lifetime = lifetime;
        self
    }

    /// How long a `ProcessMaterial` task runs before it succeeds (default 3 seconds).
    pub fn task_duration(mut self, duration: Duration) -> Self {
        self.task_duration = duration;
        self
    }

    /// The login reply shape (default [`LoginShape::Current`]).
    pub fn login_shape(mut self, shape: LoginShape) -> Self {
        self.login_shape = shape;
        self
    }

    /// The data to start with (default [`Fixture::demo`]).
    pub fn fixture(mut self, fixture: Fixture) -> Self {
        self.fixture = fixture;
        self
    }

    /// The largest request body accepted (default 1 MiB); larger ones get
    /// `RequestSizeLimitExceeded`.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// How far a signer's clock may be off (default 60 seconds).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// How long a client has to send a request's head (request line and headers), counted from
    /// when the emulator starts waiting for it: from the connection's start, or from the end of
    /// the previous reply on a keep-alive connection, which is therefore closed after this long
    /// idle (default [`DEFAULT_HEADER_READ_TIMEOUT`], 10 seconds). Past it the connection is
    /// closed. More than zero.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// How long a client has to send a request's whole body once its head arrived (default
    /// [`DEFAULT_BODY_READ_TIMEOUT`], 30 seconds). Past it the request is answered HTTP 408 with
    /// the envelope (`InvalidRequest`) and the connection closed. More than zero.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// How many connections are served at once (default [`DEFAULT_MAX_CONNECTIONS`], 1024; at
    /// most [`MAX_CONNECTIONS_LIMIT`]). A connection past the cap is answered HTTP 503 with the
    /// envelope (`RequestLimitExceeded`) and closed at once. At least 1.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// The address the COS object store listens on (default `127.0.0.1:0`: an ephemeral port).
    /// Its base URL ([`RunningEmulator::cos_url`](crate::RunningEmulator::cos_url)) is what a
    /// COS client uses as a custom domain.
    pub fn cos_listen(mut self, addr: SocketAddr) -> Self {
        self.cos_listen = addr;
        self
    }

    /// Whether a second listener plays the VOD backup host (`vod2.dnsv1.com`), serving the VOD
    /// routes only (default off). On, it listens on `127.0.0.1:0`; see
    /// [`vod_backup_listen`](Self::vod_backup_listen) to choose the address.
    pub fn vod_backup(mut self, on: bool) -> Self {
        self.vod_backup = on.then(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        self
    }

    /// Turns the VOD backup listener on, at `addr`.
    pub fn vod_backup_listen(mut self, addr: SocketAddr) -> Self {
        self.vod_backup = Some(addr);
        self
    }

    /// The directory under which the COS store makes its own (fresh) directory for the uploaded
    /// bytes, removed when the emulator stops (default: the system's temporary directory).
    pub fn storage_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.storage_dir = Some(dir.into());
        self
    }

    /// The most bytes the COS store holds (default [`DEFAULT_STORAGE_CAP`], 16 GiB); past it an
    /// upload is refused (`EntityTooLarge`, and `ApplyUploadUGC` refuses a file that cannot fit).
    /// At least 1.
    pub fn storage_cap(mut self, bytes: u64) -> Self {
        self.storage_cap = bytes;
        self
    }

    /// The lifetime of the temporary COS credentials `ApplyUploadUGC` issues (default
    /// [`DEFAULT_TEMP_CREDENTIAL_LIFETIME`], 1 hour; whole seconds). A short one tests a
    /// client's refresh (an Apply again with the `vodSessionKey`); zero issues credentials that
    /// are expired at once.
    pub fn temp_credential_lifetime(mut self, lifetime: Duration) -> Self {
        self.temp_credential_lifetime = lifetime;
        self
    }

    /// The validity of the `VodUploadSign` that `CreateUploadMaterial` makes (default
    /// [`DEFAULT_VOD_SIGN_LIFETIME`], 1 day; whole seconds, at most 90 days). Zero makes
    /// signatures that are expired at once (`ApplyUploadUGC` answers code 10010).
    pub fn vod_sign_lifetime(mut self, lifetime: Duration) -> Self {
        self.vod_sign_lifetime = lifetime;
        self
    }

    /// Whether `CreateUploadMaterial` makes one-time signatures (`oneTimeValid=1`): each is good
    /// for one `ApplyUploadUGC` (default false).
    pub fn vod_sign_one_time(mut self, one_time: bool) -> Self {
        self.vod_sign_one_time = one_time;
        self
    }

    /// Applies a config file's settings (those it sets).
    pub fn config(mut self, config: &FileConfig) -> Result<Self, StartError> {
        if let Some(listen) = config.listen {
            self.listen = listen;
        }
        if let (Some(id), Some(key)) = (&config.secret_id, &config.secret_key) {
            self = self.secret(id.clone(), key.clone());
        }
        if let Some(platform) = &config.platform {
            self.platform = platform.clone();
        }
        if let Some(path) = &config.fixture {
            self.fixture = Fixture::from_file(path).map_err(StartError::Fixture)?;
        }
        if let Some(secs) = config.ticket_lifetime {
            self.ticket_lifetime = Duration::from_secs(secs);
        }
        if let Some(secs) = config.task_duration {
            self.task_duration = seconds("task duration", secs)?;
        }
        if let Some(shape) = config.login_shape {
            self.login_shape = shape;
        }
        if let Some(bytes) = config.max_body_bytes {
            self.max_body_bytes = bytes;
        }
        if let Some(secs) = config.header_read_timeout {
            self.header_read_timeout = seconds("header read timeout", secs)?;
        }
        if let Some(secs) = config.body_read_timeout {
            self.body_read_timeout = seconds("body read timeout", secs)?;
        }
        if let Some(connections) = config.max_connections {
            self.max_connections = connections;
        }
        if let Some(addr) = config.cos_listen {
            self.cos_listen = addr;
        }
        if let Some(addr) = config.vod_backup_listen {
            self.vod_backup = Some(addr);
        }
        if let Some(dir) = &config.storage_dir {
            self.storage_dir = Some(dir.clone());
        }
        if let Some(bytes) = config.storage_cap {
            self.storage_cap = bytes;
        }
        if let Some(secs) = config.temp_credential_lifetime {
            self.temp_credential_lifetime = Duration::from_secs(secs);
        }
        if let Some(secs) = config.vod_sign_lifetime {
            self.vod_sign_lifetime = Duration::from_secs(secs);
        }
        if let Some(one_time) = config.vod_sign_one_time {
            self.vod_sign_one_time = one_time;
        }
        Ok(self)
    }

    /// The verifier of the configured keys, with the configured clock skew.
    pub(crate) fn verifier(&self) -> Verifier {
        self.keys
            .iter()
            .fold(Verifier::new(), |v, (id, key)| {
                v.key(id.clone(), key.clone())
            })
            .clock_skew(self.clock_skew)
    }

    /// Refuses settings the server cannot run with.
    pub(crate) fn check(&self) -> Result<(), StartError> {
        if self.header_read_timeout.is_zero() {
            return Err(StartError::Config(
                "the header read timeout must be more than zero".to_owned(),
            ));
        }
        if self.body_read_timeout.is_zero() {
            return Err(StartError::Config(
                "the body read timeout must be more than zero".to_owned(),
            ));
        }
        if self.storage_cap == 0 {
            return Err(StartError::Config(
                "the storage cap must be at least 1 byte".to_owned(),
            ));
        }
        if self.vod_sign_lifetime > MAX_VOD_SIGN_LIFETIME {
            return Err(StartError::Config(format!(
                "the VOD upload signature lifetime is {} s, more than 90 days",
                self.vod_sign_lifetime.as_secs()
            )));
        }
        if !(1..=MAX_CONNECTIONS_LIMIT).contains(&self.max_connections) {
            return Err(StartError::Config(format!(
                "the cap on connections is {}, not between 1 and {MAX_CONNECTIONS_LIMIT}",
                self.max_connections
            )));
        }
        Ok(())
    }
}

/// A number of seconds from a config file.
fn seconds(what: &str, secs: f64) -> Result<Duration, StartError> {
    Duration::try_from_secs_f64(secs)
        .map_err(|_| StartError::Config(format!("{what} {secs} is not a number of seconds")))
}

/// The binary's config file (`--config FILE`, JSON); command-line flags override it.
///
/// ```json
/// {
///   "listen": "127.0.0.1:8686",
///   "secret-id": "AKID...",
///   "secret-key": "...",
///   "platform": "my_platform",
///   "fixture": "fixtures/mine.json",
///   "ticket-lifetime": 86400,
///   "task-duration": 3,
///   "login-shape": "current",
///   "max-body-bytes": 1048576,
///   "header-read-timeout": 10,
///   "body-read-timeout": 30,
///   "max-connections": 1024,
///   "cos-listen": "127.0.0.1:8687",
///   "vod-backup-listen": "127.0.0.1:8688",
///   "storage-dir": "/tmp",
///   "storage-cap": 17179869184,
///   "temp-credential-lifetime": 3600,
///   "vod-sign-lifetime": 86400,
///   "vod-sign-one-time": false
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[non_exhaustive]
pub struct FileConfig {
    /// Address to listen on.
    pub listen: Option<SocketAddr>,
    /// SecretId (with `secret-key`).
    pub secret_id: Option<String>,
    /// SecretKey (with `secret-id`).
    pub secret_key: Option<String>,
    /// Platform name.
    pub platform: Option<String>,
    /// Fixture file, relative to the config file.
    pub fixture: Option<PathBuf>,
    /// Ticket lifetime, seconds.
    pub ticket_lifetime: Option<u64>,
    /// Processing time of a task, seconds.
    pub task_duration: Option<f64>,
    /// `current` or `legacy`.
    pub login_shape: Option<LoginShape>,
    /// Largest request body, bytes.
    pub max_body_bytes: Option<usize>,
    /// Time to send a request's head, and idle time of a keep-alive connection, seconds.
    pub header_read_timeout: Option<f64>,
    /// Time to send a request's body, seconds.
    pub body_read_timeout: Option<f64>,
    /// Connections served at once.
    pub max_connections: Option<usize>,
    /// Address of the COS object store.
    pub cos_listen: Option<SocketAddr>,
    /// Address of the VOD backup host (set: the listener is on).
    pub vod_backup_listen: Option<SocketAddr>,
    /// Directory under which the uploaded bytes are kept (in a fresh directory, removed at exit).
    pub storage_dir: Option<PathBuf>,
    /// Most bytes the COS store holds.
    pub storage_cap: Option<u64>,
    /// Lifetime of temporary COS credentials, seconds.
    pub temp_credential_lifetime: Option<u64>,
    /// Validity of a `VodUploadSign`, seconds.
    pub vod_sign_lifetime: Option<u64>,
    /// Whether `VodUploadSign`s are one-time signatures.
    pub vod_sign_one_time: Option<bool>,
}

impl FileConfig {
    /// Reads a config file; a relative `fixture` path is resolved against the file's folder.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, FixtureError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| FixtureError(format!("{}: {e}", path.display())))?;
        let de = &mut serde_json::Deserializer::from_str(&text);
        let mut config: Self = serde_path_to_error::deserialize(de)
            .map_err(|e| FixtureError(format!("{}: {e}", path.display())))?;
        if let (Some(fixture), Some(dir)) = (&config.fixture, path.parent()) {
            if fixture.is_relative() {
                config.fixture = Some(dir.join(fixture));
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_shapes_parse() {
        assert_eq!("Legacy".parse::<LoginShape>(), Ok(LoginShape::Legacy));
        assert_eq!("current".parse::<LoginShape>(), Ok(LoginShape::Current));
        assert!("new".parse::<LoginShape>().is_err());
    }

    #[test]
    fn config_file_applies() {
        let dir = std::env::temp_dir().join(format!("cme-emulator-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("f.json"), r#"{"Platforms":[{"Name":"other"}]}"#).expect("write");
        let path = dir.join("c.json");
        std::fs::write(
            &path,
            r#"{"platform":"p1","fixture":"f.json","ticket-lifetime":5,"login-shape":"legacy","secret-id":"a","secret-key":"b"}"#,
        )
        .expect("write");
        let config = FileConfig::from_file(&path).expect("config");
        let builder = Emulator::builder().config(&config).expect("applies");
        assert_eq!(builder.platform, "p1");
        assert_eq!(builder.ticket_lifetime, Duration::from_secs(5));
        assert_eq!(builder.login_shape, LoginShape::Legacy);
        assert_eq!(builder.keys, vec![("a".to_owned(), "b".to_owned())]);
        assert_eq!(builder.fixture.platforms[0].name.as_deref(), Some("other"));
        std::fs::write(&path, r#"{"platfrom":"x"}"#).expect("write");
        assert!(FileConfig::from_file(&path).is_err());
        let nan = FileConfig {
            task_duration: Some(f64::NAN),
            ..FileConfig::default()
        };
        assert!(Emulator::builder().config(&nan).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn connection_limits_apply_and_are_checked() {
        let defaults = Emulator::builder();
        assert_eq!(defaults.header_read_timeout, DEFAULT_HEADER_READ_TIMEOUT);
        assert_eq!(defaults.body_read_timeout, DEFAULT_BODY_READ_TIMEOUT);
        assert_eq!(defaults.max_connections, DEFAULT_MAX_CONNECTIONS);
        assert!(defaults.check().is_ok());
        let config: FileConfig = serde_json::from_str(
            r#"{"header-read-timeout":0.5,"body-read-timeout":2,"max-connections":8}"#,
        )
        .expect("config");
        let builder = Emulator::builder().config(&config).expect("applies");
        assert_eq!(builder.header_read_timeout, Duration::from_millis(500));
        assert_eq!(builder.body_read_timeout, Duration::from_secs(2));
        assert_eq!(builder.max_connections, 8);
        let negative = FileConfig {
            body_read_timeout: Some(-1.0),
            ..FileConfig::default()
        };
        assert!(Emulator::builder().config(&negative).is_err());
        let uploads: FileConfig = serde_json::from_str(
            r#"{"cos-listen":"127.0.0.1:9001","vod-backup-listen":"127.0.0.1:9002","storage-dir":"/x","storage-cap":5,"temp-credential-lifetime":7,"vod-sign-lifetime":9,"vod-sign-one-time":true}"#,
        )
        .expect("config");
        let builder = Emulator::builder().config(&uploads).expect("applies");
        assert_eq!(builder.cos_listen.port(), 9001);
        assert_eq!(builder.vod_backup.map(|a| a.port()), Some(9002));
        assert_eq!(builder.storage_dir.as_deref(), Some(Path::new("/x")));
        assert_eq!(builder.storage_cap, 5);
        assert_eq!(builder.temp_credential_lifetime, Duration::from_secs(7));
        assert_eq!(builder.vod_sign_lifetime, Duration::from_secs(9));
        assert!(builder.vod_sign_one_time);
        assert!(Emulator::builder().vod_backup(true).vod_backup.is_some());
        for bad in [
            Emulator::builder().storage_cap(0),
            Emulator::builder().vod_sign_lifetime(MAX_VOD_SIGN_LIFETIME + Duration::from_secs(1)),
            Emulator::builder().header_read_timeout(Duration::ZERO),
            Emulator::builder().body_read_timeout(Duration::ZERO),
            Emulator::builder().max_connections(0),
            Emulator::builder().max_connections(MAX_CONNECTIONS_LIMIT + 1),
        ] {
            let err = bad.check().expect_err("refused");
            assert!(err.to_string().starts_with("invalid setting: "), "{err}");
        }
    }
}
