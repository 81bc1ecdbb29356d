//! `cme`: the command line of the Tencent Cloud CME client API. See `cme --help` and the
//! `cme_cli` crate docs.

use std::process::ExitCode;

fn main() -> ExitCode {
    let env = cme_cli::config::Env::from_process();
    ExitCode::from(cme_cli::run(std::env::args_os().collect(), env))
}
