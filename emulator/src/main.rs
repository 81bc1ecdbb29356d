//! `cme-emulator`: runs the CME client API emulator standalone. See `--help`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use cme_emulator::{
    Emulator, FileConfig, Fixture, LoginShape, DEFAULT_LISTEN, DEMO_MEMBER_ID, DEMO_OUTSIDER_ID,
    DEMO_PLATFORM, DEMO_SECRET_ID, DEMO_SECRET_KEY, DEMO_TEAM_ID, DEMO_USER_ID,
};

/// A local, stateful emulator of the Tencent Cloud CME client API.
///
/// One port serves the login exchange (GET /?signature=<Login signature>), every client API
/// action (POST /PaaS/<ActionClass>/<ActionName>?auth=<ticket>), the VOD client-upload host
/// (POST /v3/index.php?Action=ApplyUploadUGC|CommitUploadUGC), and admin routes under
/// /_emulator/ (faults, stats, tickets/expire, credentials/expire, tasks/complete, state,
/// reset). Use its URL as the login, API and VOD endpoint of your client.
///
/// A second port serves a COS-compatible object store, where uploads put their bytes: use its
/// URL as the COS custom domain (an object is at <COS URL><storagePath of ApplyUploadUGC>).
/// An optional third port plays the VOD backup host. The bytes live in a fresh directory,
/// removed at exit.
///
/// Without flags it serves the built-in demo fixture on the platform `cme_demo`, with the demo
/// API key printed at start. State is in memory and lost at exit.
#[derive(Debug, Parser)]
#[command(
    name = "cme-emulator",
    version,
    after_help = "Examples:\n  cme-emulator --listen 127.0.0.1:8686   # COS on 127.0.0.1:8687\n  cme-emulator --cos-listen 127.0.0.1:9000 --vod-backup-listen 127.0.0.1:9001 --temp-credential-lifetime 60\n  cme-emulator --platform my_platform --secret-id AKID... --secret-key ... --fixture data.json\n\nIn-process (tests): cme_emulator::Emulator::builder().start().await gives a running emulator on\nan ephemeral port with base_url(), fault injection, stats and state snapshots; see the crate docs\n(cargo doc -p cme-emulator --open)."
)]
struct Args {
    /// Address to listen on [default: 127.0.0.1:8686]
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// SecretId signatures must be made with [default: the demo SecretId]
    #[arg(long, value_name = "ID", requires = "secret_key")]
    secret_id: Option<String>,
    /// SecretKey signatures must be made with [default: the demo SecretKey]
    #[arg(long, value_name = "KEY", requires = "secret_id")]
    secret_key: Option<String>,
    /// Platform name of the fixture's unnamed platform [default: cme_demo]
    #[arg(long, value_name = "NAME")]
    platform: Option<String>,
    /// Fixture file (JSON) with the starting data [default: the built-in demo fixture]
    #[arg(long, value_name = "FILE")]
    fixture: Option<PathBuf>,
    /// Start with no data at all (users appear when they log in)
    #[arg(long, conflicts_with = "fixture")]
    empty: bool,
    /// Lifetime of a login ticket, seconds [default: 86400]
    #[arg(long, value_name = "SECS")]
    ticket_lifetime: Option<u64>,
    /// How long a ProcessMaterial task runs before it succeeds, seconds [default: 3]
    #[arg(long, value_name = "SECS")]
    task_duration: Option<f64>,
    /// Login reply shape: current ({"Response":{...}}) or legacy ({"Code":...,"Data":{...}})
    #[arg(long, value_name = "SHAPE")]
    login_shape: Option<LoginShape>,
    /// Largest request body, bytes [default: 1048576]
    #[arg(long, value_name = "BYTES")]
    max_body_bytes: Option<usize>,
    /// Time a client has to send a request's head, and idle time after which a keep-alive
    /// connection is closed, seconds [default: 10]
    #[arg(long, value_name = "SECS")]
    header_read_timeout: Option<f64>,
    /// Time a client has to send a request's body, seconds; past it: HTTP 408 [default: 30]
    #[arg(long, value_name = "SECS")]
    body_read_timeout: Option<f64>,
    /// Connections served at once; more are answered HTTP 503 and closed [default: 1024]
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// Address of the COS object store [default: the --listen address, port + 1]
    #[arg(long, value_name = "ADDR")]
    cos_listen: Option<SocketAddr>,
    /// Address of the VOD backup host; set, the backup listener is on [default: off]
    #[arg(long, value_name = "ADDR")]
    vod_backup_listen: Option<SocketAddr>,
    /// Directory under which uploaded bytes are kept, in a fresh directory removed at exit
    /// [default: the system's temporary directory]
    #[arg(long, value_name = "DIR")]
    storage_dir: Option<PathBuf>,
    /// Most bytes the COS store holds [default: 17179869184 (16 GiB)]
    #[arg(long, value_name = "BYTES")]
    storage_cap: Option<u64>,
    /// Lifetime of the temporary COS credentials ApplyUploadUGC issues, seconds [default: 3600]
    #[arg(long, value_name = "SECS")]
    temp_credential_lifetime: Option<u64>,
    /// Validity of the VodUploadSign CreateUploadMaterial makes, seconds [default: 86400]
    #[arg(long, value_name = "SECS")]
    vod_sign_lifetime: Option<u64>,
    /// Make one-time VodUploadSigns (oneTimeValid=1: one ApplyUploadUGC each)
    #[arg(long)]
    vod_sign_one_time: bool,
    /// Config file (JSON, keys as the long flags: "listen", "secret-id", ...); flags override it
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cme-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut config = match &args.config {
        Some(path) => FileConfig::from_file(path)?,
        None => FileConfig::default(),
    };
    config.listen = args
        .listen
        .or(config.listen)
        .or_else(|| DEFAULT_LISTEN.parse().ok());
    if args.secret_id.is_some() {
        config.secret_id = args.secret_id;
        config.secret_key = args.secret_key;
    }
    config.platform = args.platform.or(config.platform);
    config.fixture = args.fixture.or(config.fixture);
    config.ticket_lifetime = args.ticket_lifetime.or(config.ticket_lifetime);
    config.task_duration = args.task_duration.or(config.task_duration);
    config.login_shape = args.login_shape.or(config.login_shape);
    config.max_body_bytes = args.max_body_bytes.or(config.max_body_bytes);
    config.header_read_timeout = args.header_read_timeout.or(config.header_read_timeout);
    config.body_read_timeout = args.body_read_timeout.or(config.body_read_timeout);
    config.max_connections = args.max_connections.or(config.max_connections);
    config.cos_listen = args.cos_listen.or(config.cos_listen).or_else(|| {
        // next to the main listener, so that both are stable across runs
        config.listen.map(|mut addr| {
            if addr.port() != 0 {
                addr.set_port(addr.port().wrapping_add(1));
            }
            addr
        })
    });
    config.vod_backup_listen = args.vod_backup_listen.or(config.vod_backup_listen);
    config.storage_dir = args.storage_dir.or(config.storage_dir);
    config.storage_cap = args.storage_cap.or(config.storage_cap);
    config.temp_credential_lifetime = args
        .temp_credential_lifetime
        .or(config.temp_credential_lifetime);
    config.vod_sign_lifetime = args.vod_sign_lifetime.or(config.vod_sign_lifetime);
    if args.vod_sign_one_time {
        config.vod_sign_one_time = Some(true);
    }

    let mut builder = Emulator::builder().config(&config)?;
    if args.empty {
        builder = builder.fixture(Fixture::empty());
    }
    let emulator = builder.start().await?;
    let secret_id = config.secret_id.as_deref().unwrap_or(DEMO_SECRET_ID);
    let secret_key = config.secret_key.as_deref().unwrap_or(DEMO_SECRET_KEY);
    let platform = emulator.platform().to_owned();
    let base = emulator.base_url();
    let demo = config.fixture.is_none() && !args.empty;
    let signature = emulator.login_signature(DEMO_USER_ID);
    println!("cme-emulator listening on {base}");
    println!();
    println!("  login endpoint : {base}/?signature=<Login signature>");
    println!("  API endpoint   : {base}/PaaS/<ActionClass>/<ActionName>?auth=<ticket>");
    println!(
        "  VOD upload     : {}/v3/index.php?Action=ApplyUploadUGC|CommitUploadUGC",
        emulator.vod_url()
    );
    match emulator.vod_backup_url() {
        Some(backup) => println!("  VOD backup     : {backup}/v3/index.php"),
        None => println!("  VOD backup     : off (--vod-backup-listen ADDR)"),
    }
    println!(
        "  COS            : {} (custom domain; objects at <COS>{{storagePath}})",
        emulator.cos_url()
    );
    println!("  storage        : {}", emulator.storage_dir().display());
    println!("  admin          : {base}/_emulator/ (faults, stats, state, reset, ...)");
    println!("  SecretId       : {secret_id}");
    println!("  SecretKey      : {secret_key}");
    println!("  platform       : {platform}");
    if demo {
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
    println!();
    println!("Press Ctrl-C to stop.");
    if platform != DEMO_PLATFORM && demo {
        println!("(the demo fixture is loaded into platform {platform})");
    }
    tokio::signal::ctrl_c().await?;
    println!("stopping...");
    tokio::time::timeout(Duration::from_secs(10), emulator.shutdown())
        .await
        .ok();
    Ok(())
}
