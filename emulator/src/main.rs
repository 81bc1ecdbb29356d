//! `cme-emulator`: runs the CME client API emulator standalone. See `--help`, and
//! `cme_emulator::cli` for the flags (which `cme emulator` shares).

use std::process::ExitCode;

use clap::Parser;
use cme_emulator::cli::{self, LONG_ABOUT};

#[derive(Debug, Parser)]
#[command(
    name = "cme-emulator",
    version,
    about = cli::ABOUT,
    long_about = LONG_ABOUT,
    after_help = "Examples:\n  cme-emulator --listen 127.0.0.1:8686   # COS on 127.0.0.1:8687\n  cme-emulator --cos-listen 127.0.0.1:9000 --vod-backup-listen 127.0.0.1:9001 --temp-credential-lifetime 60\n  cme-emulator --platform my_platform --secret-id AKID... --secret-key ... --fixture data.json\n\nIn-process (tests): cme_emulator::Emulator::builder().start().await gives a running emulator on\nan ephemeral port with base_url(), fault injection, stats and state snapshots; see the crate docs\n(cargo doc -p cme-emulator --open)."
)]
struct Command {
    #[command(flatten)]
    args: cli::Args,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let command = Command::parse();
    match cli::run(command.args, None).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cme-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}
