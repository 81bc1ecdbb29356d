//! Side-by-side benchmarks of the SDK against what it replaces (see BENCHMARKS.md).
//!
//! ```text
//! cargo bench -p cme-tests --bench compare                 # everything, a few minutes
//! cargo bench -p cme-tests --bench compare -- call sign    # only some groups
//! cargo bench -p cme-tests --bench compare -- call.list     # only some comparisons
//! cargo bench -p cme-tests --bench compare -- --quick      # short runs, rough figures
//! cargo build --release -p cme-cli && cargo bench -p cme-tests --bench compare -- cli
//! ```
//!
//! Prints one line per comparison on stdout, `NAME: sdk=…, baseline=…, ratio=…`, with the ratio
//! defined so that higher is better for the SDK (throughputs: sdk / baseline; times and sizes:
//! baseline / sdk), and the spread of the rounds on stderr. Each comparison interleaves SDK and
//! baseline runs (A B, B A, …) after a warm-up, and reports medians.

mod call;
mod cli;
mod codegen;
mod decode;
mod emulator;
mod fixtures;
mod measure;
mod server;
mod sign;
mod upload;

use std::process::Command;
use std::time::{Duration, Instant};

/// How long and how often to measure.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Rounds of each side of a timed comparison.
    pub rounds: usize,
    /// The target wall time of one batch (one side of one round).
    pub batch: Duration,
    /// Child processes per side of a peak-memory comparison.
    pub mem_rounds: usize,
    /// Requests per side of the emulator comparison, over all its rounds.
    pub emulator_requests: u64,
    /// Rounds of the emulator comparison.
    pub emulator_rounds: u64,
    quick: bool,
    /// Name prefixes of the comparisons to run (all when empty).
    filters: Vec<String>,
}

impl Settings {
    fn new(quick: bool, filters: Vec<String>) -> Self {
        let settings = if quick {
            Self {
                rounds: 3,
                batch: Duration::from_millis(60),
                mem_rounds: 1,
                emulator_requests: 64 * 8 * 4,
                emulator_rounds: 1,
                quick,
                filters: Vec::new(),
            }
        } else {
            Self {
                rounds: 11,
                batch: Duration::from_millis(300),
                mem_rounds: 3,
                emulator_requests: 5 * 64 * 8 * 40,
                emulator_rounds: 20,
                quick,
                filters: Vec::new(),
            }
        };
        Self {
            filters,
            ..settings
        }
    }

    /// Whether the comparison (or group) `name` is selected: a filter selects the groups and
    /// comparisons whose name starts with it, and the groups of the comparisons it selects.
    pub fn wants(&self, name: &str) -> bool {
        self.filters.is_empty()
            || self
                .filters
                .iter()
                .any(|f| name.starts_with(f.as_str()) || f.starts_with(name))
    }
}

const GROUPS: [&str; 7] = [
    "call", "decode", "sign", "codegen", "emulator", "upload", "cli",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        return child(&args[i + 1..]);
    }
    let quick = args.iter().any(|a| a == "--quick");
    // `cargo bench` adds `--bench`; other flags are ignored too.
    let filters: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .cloned()
        .collect();
    let settings = Settings::new(quick, filters);
    let started = Instant::now();
    for group in GROUPS {
        if !settings.wants(group) {
            continue;
        }
        eprintln!("== {group}");
        match group {
            "call" => call::run(&settings),
            "decode" => decode::run(&settings),
            "sign" => sign::run(&settings),
            "codegen" => codegen::run(&settings),
            "cli" => cli::run(&settings),
            // In a child process, so that its resident memory is the emulator's workload only.
            "emulator" => run_child(&["emulator"], &settings),
            // The same, for the upload's peak RSS.
            "upload" => run_child(&["upload"], &settings),
            _ => unreachable!(),
        }
    }
    eprintln!("== done in {:.0} s", started.elapsed().as_secs_f64());
}

/// Re-runs this binary as `--child ARGS…` with the same settings; it prints its own lines.
fn run_child(args: &[&str], settings: &Settings) {
    let exe = std::env::current_exe().expect("this benchmark's path");
    let mut command = Command::new(exe);
    command.arg("--child").args(args);
    if settings.quick {
        command.arg("--quick");
    }
    let status = command.status().expect("start the child");
    assert!(status.success(), "the {} child failed", args.join(" "));
}

/// The child side of [`run_child`] and of the peak-memory measurements.
fn child(args: &[String]) {
    let quick = args.iter().any(|a| a == "--quick");
    let rest: Vec<String> = args.iter().filter(|a| *a != "--quick").cloned().collect();
    match rest.first().map(String::as_str) {
        Some("emulator") => emulator::run(&Settings::new(quick, Vec::new())),
        Some("upload") => upload::run(&Settings::new(quick, Vec::new())),
        Some("peak-mem") => decode::child(&rest[1..]),
        Some("upload-rss") => upload::child(&rest[1..]),
        Some("profile") => match &rest[1..] {
            [name, side, n] if name.starts_with("emulator.") => {
                emulator::profile(side, n.parse().expect("N"));
            }
            args => call::profile(args),
        },
        other => panic!("unknown child {other:?}"),
    }
}
