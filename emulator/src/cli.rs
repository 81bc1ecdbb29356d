//! The emulator's command line (feature `cli`): the flags of the `cme-emulator` binary and the
//! loop that serves until Ctrl-C. `cme emulator` (the `cme-cli` crate) reuses both, so the two
//! commands take the same flags and behave alike.
//!
//! ```no_run
//! use clap::{Args as _, FromArgMatches as _};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let command = cme_emulator::cli::Args::augment_args(clap::Command::new("emulator"));
//! let matches = command.get_matches_from(["emulator", "--listen", "127.0.0.1:8686"]);
//! let args = cme_emulator::cli::Args::from_arg_matches(&matches)?;
//! cme_emulator::cli::run(args, None).await?; // serves until Ctrl-C
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::{
    Emulator, FileConfig, Fixture, LoginShape, DEFAULT_LISTEN, DEMO_MEMBER_ID, DEMO_OUTSIDER_ID,
    DEMO_PLATFORM, DEMO_SECRET_ID, DEMO_SECRET_KEY, DEMO_TEAM_ID, DEMO_USER_ID,
};

/// What the emulator command does, in one paragraph (its `about`).
pub const ABOUT: &str = "A local, stateful emulator of the Tencent Cloud CME client API.";

/// The longer description of the emulator command (its `long_about`).
pub const LONG_ABOUT: &str = "A local, stateful emulator of the Tencent Cloud CME client API.\n\n\
One port serves the login exchange (GET /?signature=<Login signature>), every client API action \
(POST /PaaS/<ActionClass>/<ActionName>?auth=<ticket>), the VOD client-upload host \
(POST /v3/index.php?Action=ApplyUploadUGC|CommitUploadUGC), and admin routes under /_emulator/ \
(faults, stats, tickets/expire, credentials/expire, tasks/complete, state, reset). Use its URL as \
the login, API and VOD endpoint of your client.\n\n\
A second port serves a COS-compatible object store, where uploads put their bytes: use its URL \
as the COS custom domain (an object is at <COS URL><storagePath of ApplyUploadUGC>). An optional \
third port plays the VOD backup host. The bytes live in a fresh directory, removed at exit.\n\n\
Without flags it serves the built-in demo fixture on the platform `cme_demo`, with the demo API \
key printed at start. State is in memory and lost at exit.";

/// The flags of the emulator command. Each overrides the same key of `--config`.
#[derive(Debug, Clone, Default, clap::Args)]
#[non_exhaustive]
pub struct Args {
    /// Address to listen on [default: 127.0.0.1:8686]
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// SecretId signatures must be made with [default: the demo SecretId]
    #[arg(long, value_name = "ID", requires = "secret_key")]
    pub secret_id: Option<String>,
    /// SecretKey signatures must be made with [default: the demo SecretKey]
    #[arg(long, value_name = "KEY", requires = "secret_id")]
    pub secret_key: Option<String>,
    /// Platform name of the fixture's unnamed platform [default: cme_demo]
    #[arg(long, value_name = "NAME")]
    pub platform: Option<String>,
    /// Fixture file (JSON) with the starting data [default: the built-in demo fixture]
    #[arg(long, value_name = "FILE")]
    pub fixture: Option<PathBuf>,
    /// Start with no data at all (users appear when they log in)
    #[arg(long, conflicts_with = "fixture")]
    pub empty: bool,
    /// Lifetime of a login ticket, seconds [default: 86400]
    #[arg(long, value_name = "SECS")]
    pub ticket_lifetime: Option<u64>,
    /// How long a ProcessMaterial task runs before it succeeds, seconds [default: 3]
    #[arg(long, value_name = "SECS")]
    pub task_duration: Option<f64>,
    /// Login reply shape: current ({"Response":{...}}) or legacy ({"Code":...,"Data":{...}})
    #[arg(long, value_name = "SHAPE")]
    pub login_shape: Option<LoginShape>,
    /// Largest request body, bytes [default: 1048576]
    #[arg(long, value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Time a client has to send a request's head, and idle time after which a keep-alive
    /// connection is closed, seconds [default: 10]
    #[arg(long, value_name = "SECS")]
    pub header_read_timeout: Option<f64>,
    /// Time a client has to send a request's body, seconds; past it: HTTP 408 [default: 30]
    #[arg(long, value_name = "SECS")]
    pub body_read_timeout: Option<f64>,
    /// Connections served at once; more are answered HTTP 503 and closed [default: 1024]
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Address of the COS object store [default: the --listen address, port + 1]
    #[arg(long, value_name = "ADDR")]
    pub cos_listen: Option<SocketAddr>,
    /// Address of the VOD backup host; set, the backup listener is on [default: off]
    #[arg(long, value_name = "ADDR")]
    pub vod_backup_listen: Option<SocketAddr>,
    /// Directory under which uploaded bytes are kept, in a fresh directory removed at exit
    /// [default: the system's temporary directory]
    #[arg(long, value_name = "DIR")]
    pub storage_dir: Option<PathBuf>,
    /// Most bytes the COS store holds [default: 17179869184 (16 GiB)]
    #[arg(long, value_name = "BYTES")]
    pub storage_cap: Option<u64>,
    /// Lifetime of the temporary COS credentials ApplyUploadUGC issues, seconds [default: 3600]
    #[arg(long, value_name = "SECS")]
    pub temp_credential_lifetime: Option<u64>,
    /// Validity of the VodUploadSign CreateUploadMaterial makes, seconds [default: 86400]
    #[arg(long, value_name = "SECS")]
    pub vod_sign_lifetime: Option<u64>,
    /// Make one-time VodUploadSigns (oneTimeValid=1: one ApplyUploadUGC each)
    #[arg(long)]
    pub vod_sign_one_time: bool,
    /// Config file (JSON, keys as the long flags: "listen", "secret-id", ...); flags override it
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl Args {
    /// The settings: the config file's (when `--config` is given), overridden by the flags,
    /// listening on [`DEFAULT_LISTEN`] when neither says where.
    pub fn file_config(&self) -> Result<FileConfig, Box<dyn std::error::Error>> {
        let mut config = match &self.config {
            Some(path) => FileConfig::from_file(path)?,
            None => FileConfig::default(),
        };
        config.listen = self
            .listen
            .or(config.listen)
            .or_else(|| DEFAULT_LISTEN.parse().ok());
        if self.secret_id.is_some() {
            config.secret_id.clone_from(&self.secret_id);
            config.secret_key.clone_from(&self.secret_key);
        }
        config.platform = self.platform.clone().or(config.platform);
        config.fixture = self.fixture.clone().or(config.fixture);
        config.ticket_lifetime = self.ticket_lifetime.or(config.ticket_lifetime);
        config.task_duration = self.task_duration.or(config.task_duration);
        config.login_shape = self.login_shape.or(config.login_shape);
        config.max_body_bytes = self.max_body_bytes.or(config.max_body_bytes);
        config.header_read_timeout = self.header_read_timeout.or(config.header_read_timeout);
        config.body_read_timeout = self.body_read_timeout.or(config.body_read_timeout);
        config.max_connections = self.max_connections.or(config.max_connections);
        config.cos_listen = self.cos_listen.or(config.cos_listen).or_else(|| {
            // next to the main listener, so that both are stable across runs
            config.listen.map(|mut addr| {
                if addr.port() != 0 {
                    addr.set_port(addr.port().wrapping_add(1));
                }
                addr
            })
        });
        config.vod_backup_listen = self.vod_backup_listen.or(config.vod_backup_listen);
        config.storage_dir = self.storage_dir.clone().or(config.storage_dir);
        config.storage_cap = self.storage_cap.or(config.storage_cap);
        config.temp_credential_lifetime = self
            .temp_credential_lifetime
            .or(config.temp_credential_lifetime);
        config.vod_sign_lifetime = self.vod_sign_lifetime.or(config.vod_sign_lifetime);
        if self.vod_sign_one_time {
            config.vod_sign_one_time = Some(true);
        }
        Ok(config)
    }
}

/// What a started emulator tells a person who wants to use it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Started {
    /// Its base URL: the login, the API and the VOD endpoint.
    pub base_url: String,
    /// The URL of its COS object store: the COS endpoint (custom domain) of a client.
    pub cos_url: String,
    /// The URL of its backup VOD upload host, when `--vod-backup-listen` turned it on
    /// ([`RunningEmulator::vod_backup_url`](crate::RunningEmulator::vod_backup_url)): the
    /// backup VOD endpoint of a client.
    pub vod_backup_url: Option<String>,
    /// The SecretId signatures must be made with.
    pub secret_id: String,
    /// The SecretKey signatures must be made with (the emulator's own, printed at start).
    pub secret_key: String,
    /// The platform of its data.
    pub platform: String,
    /// Whether it serves the demo fixture (whose users include [`DEMO_USER_ID`]).
    pub demo: bool,
}

/// Starts the emulator `args` describe, prints where it listens, the credentials and examples
/// (`try_it` adds lines of its own to the examples), and serves until Ctrl-C.
pub async fn run(
    args: Args,
    try_it: Option<&dyn Fn(&Started) -> String>,
) -> Result<(), Box<dyn std::error::Error>> {
    let config = args.file_config()?;
    let mut builder = Emulator::builder().config(&config)?;
    if args.empty {
        builder = builder.fixture(Fixture::empty());
    }
    let emulator = builder.start().await?;
    let started = Started {
        base_url: emulator.base_url(),
        cos_url: emulator.cos_url(),
        vod_backup_url: emulator.vod_backup_url(),
        secret_id: config.secret_id.as_deref().unwrap_or(DEMO_SECRET_ID).into(),
        secret_key: config
            .secret_key
            .as_deref()
            .unwrap_or(DEMO_SECRET_KEY)
            .into(),
        platform: emulator.platform().to_owned(),
        demo: config.fixture.is_none() && !args.empty,
    };
    let Started {
        base_url: base,
        cos_url,
        vod_backup_url,
        secret_id,
        secret_key,
        platform,
        demo,
    } = &started;
    let signature = emulator.login_signature(DEMO_USER_ID);
    println!("cme-emulator listening on {base}");
    println!();
    println!("  login endpoint : {base}/?signature=<Login signature>");
    println!("  API endpoint   : {base}/PaaS/<ActionClass>/<ActionName>?auth=<ticket>");
    println!(
        "  VOD upload     : {}/v3/index.php?Action=ApplyUploadUGC|CommitUploadUGC",
        emulator.vod_url()
    );
    match vod_backup_url {
        Some(backup) => println!("  VOD backup     : {backup}/v3/index.php"),
        None => println!("  VOD backup     : off (--vod-backup-listen ADDR)"),
    }
    println!("  COS            : {cos_url} (custom domain; objects at <COS>{{storagePath}})");
    println!("  storage        : {}", emulator.storage_dir().display());
    println!("  admin          : {base}/_emulator/ (faults, stats, state, reset, ...)");
    println!("  SecretId       : {secret_id}");
    println!("  SecretKey      : {secret_key}");
    println!("  platform       : {platform}");
    if *demo {
        println!("  demo users     : {DEMO_USER_ID} (team owner), {DEMO_MEMBER_ID} (member), {DEMO_OUTSIDER_ID}");
        println!("  demo team      : {DEMO_TEAM_ID}");
    }
    println!();
    println!("Try it (this signature for {DEMO_USER_ID} is valid for 5 minutes):");
    println!(
        "  curl -s '{}'",
        emulator.login_url(signature.expose_secret())
    );
    println!(
        "  curl -s -X POST '{base}/PaaS/Material/DescribeClass?auth=<Authorization>' \\\n    -d '{{\"Platform\":\"{platform}\",\"Owner\":{{\"Type\":\"PERSON\",\"Id\":\"{DEMO_USER_ID}\"}}}}'"
    );
    if let Some(try_it) = try_it {
        println!("{}", try_it(&started));
    }
    println!();
    println!("Press Ctrl-C to stop.");
    if platform != DEMO_PLATFORM && *demo {
        println!("(the demo fixture is loaded into platform {platform})");
    }
    tokio::signal::ctrl_c().await?;
    println!("stopping...");
    tokio::time::timeout(Duration::from_secs(10), emulator.shutdown())
        .await
        .ok();
    Ok(())
}
