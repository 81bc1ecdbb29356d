//! The command line's start-up and call latency: the built `cme` binary (process start, argument
//! parsing, the command tree, the config, the call) next to `curl` doing the same requests
//! against the same in-process emulator. Each side is milliseconds per run, a whole process
//! (and for curl's login + call, the shell pipeline a script would use).
//!
//! The binary is `target/release/cme`, built beforehand with `cargo build --release -p cme-cli`
//! (a bench cannot build another package's binary); without it, or without curl, the lines are
//! skipped with a message.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cme_emulator::{Emulator, DEMO_PLATFORM, DEMO_SECRET_ID, DEMO_SECRET_KEY, DEMO_USER_ID};

use crate::measure::{self, Better, Comparison};
use crate::Settings;

/// `target/release/cme`, next to this benchmark's `target/release/deps/`.
fn cme_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let cme = profile_dir.join(format!("cme{}", std::env::consts::EXE_SUFFIX));
    cme.exists().then_some(cme)
}

fn has_curl() -> bool {
    Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `command` to completion, its output discarded; panics if it fails.
fn run_quiet(command: &mut Command) {
    let status = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("start the process");
    assert!(status.success(), "{command:?} failed");
}

/// Milliseconds per run of `f`, over a batch sized for `settings.batch`.
fn ms_per_run(settings: &Settings, f: &mut dyn FnMut()) -> f64 {
    let n = measure::calibrate(settings.batch, 1, |n| measure::time_n(n, &mut *f));
    measure::per_iter(measure::time_n(n, &mut *f), n) * 1000.0
}

fn compare(settings: &Settings, name: &str, cme: &mut dyn FnMut(), baseline: &mut dyn FnMut()) {
    if !settings.wants(name) {
        return;
    }
    let mut cmp = Comparison::new(name, "ms/run", Better::Lower);
    measure::interleave(
        &mut cmp,
        settings.rounds,
        || ms_per_run(settings, cme),
        || ms_per_run(settings, baseline),
    );
    cmp.report();
}

pub fn run(settings: &Settings) {
    let Some(cme) = cme_binary() else {
        eprintln!(
            "cli: skipped: no target/release/cme; build it first with `cargo build --release -p cme-cli`"
        );
        return;
    };
    if !has_curl() {
        eprintln!("cli: skipped: curl is not installed (the baseline side)");
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let emulator = runtime
        .block_on(Emulator::builder().start())
        .expect("start the emulator");
    let base = emulator.base_url();
    let config = std::env::temp_dir().join(format!("cme-bench-cli-{}", std::process::id()));
    let ticket_file = config.join("tickets/default.json");
    let cme_command = |args: &[&str]| {
        let mut command = Command::new(&cme);
        command
            .args(args)
            .env("CME_CONFIG_DIR", &config)
            .env("CME_ENDPOINT", &base)
            .env("CME_SECRET_ID", DEMO_SECRET_ID)
            .env("CME_SECRET_KEY", DEMO_SECRET_KEY)
            .env("CME_PLATFORM", DEMO_PLATFORM)
            .env("CME_USER_ID", DEMO_USER_ID);
        command
    };
    let body = format!(
        r#"{{"Platform":"{DEMO_PLATFORM}","Owner":{{"Type":"PERSON","Id":"{DEMO_USER_ID}"}}}}"#
    );
    let login_url = emulator.login_url(emulator.login_signature(DEMO_USER_ID).expose_secret());
    // What a shell script does: log in, cut the ticket out of the reply, call.
    let login_and_call = format!(
        "T=$(curl -s '{login_url}' | sed -n 's/.*\"Authorization\":\"\\([^\"]*\\)\".*/\\1/p') && \
         curl -sf -X POST \"{base}/PaaS/Material/DescribeClass?auth=$T\" -d '{body}'"
    );
    let ticket = emulator.ticket_for(DEMO_USER_ID);
    let call_url = emulator.api_url("Material", "DescribeClass", ticket.expose_secret());

    compare(
        settings,
        "cli.help",
        &mut || run_quiet(&mut cme_command(&["--help"])),
        &mut || run_quiet(Command::new("curl").arg("--help")),
    );
    compare(
        settings,
        "cli.describe_class.login",
        &mut || {
            remove(&ticket_file);
            run_quiet(&mut cme_command(&[
                "material",
                "describe-class",
                "-o",
                "json",
            ]));
        },
        &mut || run_quiet(Command::new("sh").arg("-c").arg(&login_and_call)),
    );
    run_quiet(&mut cme_command(&["login"]));
    compare(
        settings,
        "cli.describe_class.kept",
        &mut || {
            run_quiet(&mut cme_command(&[
                "material",
                "describe-class",
                "-o",
                "json",
            ]))
        },
        &mut || run_quiet(Command::new("curl").args(["-sf", "-X", "POST", &call_url, "-d", &body])),
    );
    let _ = std::fs::remove_dir_all(&config);
    runtime.block_on(emulator.shutdown());
}

fn remove(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("remove {}: {e}", path.display()),
    }
}
