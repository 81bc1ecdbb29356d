//! Helpers of the CLI's tests: an emulator started in-process, a private config directory, and
//! the built `cme` binary run with an environment of the test's own (never the real home).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use cme_emulator::{
    Emulator, RunningEmulator, DEMO_PLATFORM, DEMO_SECRET_ID, DEMO_SECRET_KEY, DEMO_USER_ID,
};

/// A fresh directory under the system temp dir, removed with its contents on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("cme-cli-test-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create the temp dir");
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one run of `cme` gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// stdout as JSON; panics (showing both streams) when it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Panics unless the exit status is `code`.
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit status\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Panics unless the run succeeded; returns stdout as JSON.
    pub fn ok(self) -> serde_json::Value {
        self.expect(0).json()
    }
}

/// An emulator in-process (on a runtime of its own) and a home for `cme`: a config directory,
/// and `HOME`/`XDG_CONFIG_HOME` pointing into the temp dir.
pub struct Setup {
    pub emulator: RunningEmulator,
    runtime: tokio::runtime::Runtime,
    pub home: TempDir,
    /// Extra environment variables of every run.
    pub env: Vec<(String, String)>,
}

impl Setup {
    /// The demo emulator, and the environment of a user who configured `cme` for it with the
    /// environment variables (the key in `CME_SECRET_ID`/`CME_SECRET_KEY`).
    pub fn new(label: &str) -> Self {
        Self::with(label, Emulator::builder())
    }

    pub fn with(label: &str, builder: cme_emulator::EmulatorBuilder) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let emulator = runtime
            .block_on(builder.start())
            .expect("start the emulator");
        let home = TempDir::new(label);
        let env = vec![
            ("CME_ENDPOINT".into(), emulator.base_url()),
            ("CME_SECRET_ID".into(), DEMO_SECRET_ID.into()),
            ("CME_SECRET_KEY".into(), DEMO_SECRET_KEY.into()),
            ("CME_PLATFORM".into(), DEMO_PLATFORM.into()),
            ("CME_USER_ID".into(), DEMO_USER_ID.into()),
            ("CME_VOD_ENDPOINT".into(), emulator.base_url()),
            ("CME_COS_ENDPOINT".into(), emulator.cos_url()),
        ];
        Self {
            emulator,
            runtime,
            home,
            env,
        }
    }

    /// With no configuration in the environment at all (only the private home).
    pub fn unconfigured(mut self) -> Self {
        self.env.clear();
        self
    }

    pub fn config_dir(&self) -> PathBuf {
        self.home.path().join("config")
    }

    /// The command `cme ARGS` with the setup's environment, stdin, stdout and stderr left to
    /// the caller.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cme"));
        command.args(args);
        // Nothing from the machine's environment reaches the CLI: no real key, no real home.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("CME_") || name.starts_with("TENCENTCLOUD_") {
                command.env_remove(name.as_ref());
            }
        }
        command
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join("xdg"))
            .env("CME_CONFIG_DIR", self.config_dir());
        for (k, v) in &self.env {
            command.env(k, v);
        }
        command
    }

    /// `cme ARGS` with the setup's environment plus `extra`, stdin from `stdin`.
    pub fn run_with(&self, args: &[&str], extra: &[(&str, &str)], stdin: Option<&str>) -> Run {
        let mut command = self.command(args);
        for (k, v) in extra {
            command.env(k, v);
        }
        command.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("run cme");
        if let Some(text) = stdin {
            use std::io::Write;
            let mut pipe = child.stdin.take().expect("stdin");
            pipe.write_all(text.as_bytes()).expect("write stdin");
        }
        Run::from(child.wait_with_output().expect("wait for cme"))
    }

    /// `cme ARGS` with the setup's environment.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[], None)
    }

    /// `cme ARGS` plus `-o json`, expecting success; stdout as JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        self.run(&all).ok()
    }

    /// How many login requests the emulator received.
    pub fn logins(&self) -> u64 {
        self.emulator.stats().received("Login")
    }

    /// How many requests of `Class/Action` the emulator received.
    pub fn received(&self, route: &str) -> u64 {
        self.emulator.stats().received(route)
    }

    /// The ticket kept for `profile`.
    pub fn kept_ticket(&self, profile: &str) -> Option<String> {
        let path = self
            .config_dir()
            .join("tickets")
            .join(format!("{profile}.json"));
        let text = std::fs::read_to_string(path).ok()?;
        let value: serde_json::Value = serde_json::from_str(&text).ok()?;
        value["Ticket"].as_str().map(str::to_owned)
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}
