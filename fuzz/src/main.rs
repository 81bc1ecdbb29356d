//! `cme-fuzz`: runs the fuzz targets for a bounded time, or replays saved inputs.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use cme_fuzz::driver::{self, Budget};
use cme_fuzz::targets::{self, Target};

/// Fuzzes the CME SDK's reply decoding, login and signature verifier, and the emulator's
/// request decoding, on the stable toolchain.
#[derive(Debug, Parser)]
#[command(about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs targets one after the other (all by default), each for a bounded time.
    Run {
        /// The targets: reply, login, client, verifier, emulator.
        targets: Vec<String>,
        /// Seconds per target.
        #[arg(long, default_value_t = 25.0)]
        time: f64,
        /// Stop a target after this many mutated inputs (whichever of this and --time ends
        /// first).
        #[arg(long)]
        iterations: Option<u64>,
        /// The seed of the mutations (default: from the clock; printed, so a run can be
        /// repeated).
        #[arg(long)]
        seed: Option<u64>,
        /// Seconds one input may run before it counts as a hang.
        #[arg(long, default_value_t = 10.0)]
        input_timeout: f64,
    },
    /// Runs saved inputs (artifacts, corpus files) through a target and reports each.
    Replay {
        /// The target.
        target: String,
        /// The input files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Lists the targets.
    List,
}

fn target(name: &str) -> Result<Box<dyn Target>, String> {
    targets::by_name(name).ok_or_else(|| {
        format!(
            "no target {name:?}; the targets are {}",
            targets::NAMES.join(", ")
        )
    })
}

fn seconds(what: &str, secs: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{what} {secs} is not a duration"))
}

fn run(
    names: &[String],
    time: f64,
    iterations: Option<u64>,
    seed: Option<u64>,
    input_timeout: f64,
) -> Result<ExitCode, String> {
    let names: Vec<String> = if names.is_empty() {
        targets::NAMES.iter().map(|n| (*n).to_owned()).collect()
    } else {
        names.to_vec()
    };
    let mut chosen = Vec::new();
    for name in &names {
        chosen.push(target(name)?);
    }
    let seed = seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    let budget = Budget {
        time: seconds("--time", time)?,
        iterations,
        seed,
        input_timeout: seconds("--input-timeout", input_timeout)?,
    };
    println!("fuzzing with seed {seed} (repeat with --seed {seed})");
    let mut total = Duration::ZERO;
    for mut target in chosen {
        let report = driver::fuzz(target.as_mut(), &budget);
        total += report.elapsed;
        println!(
            "{:<9} {:>9} inputs in {:>5.1} s ({:>7.0}/s), {:>5} outcomes, corpus {:>5}: {}",
            target.name(),
            report.inputs,
            report.elapsed.as_secs_f64(),
            report.rate(),
            report.features,
            report.corpus,
            match &report.finding {
                None => "no finding".to_owned(),
                Some((finding, path)) => format!("FINDING ({}): {finding}", path.display()),
            }
        );
        if report.finding.is_some() {
            return Ok(ExitCode::FAILURE);
        }
    }
    println!("all targets passed in {:.1} s", total.as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

fn replay(name: &str, files: &[PathBuf]) -> Result<ExitCode, String> {
    let mut target = target(name)?;
    let mut failed = false;
    for file in files {
        let input =
            std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        match driver::replay(target.as_mut(), &input) {
            Ok(features) => println!("{}: passes ({})", file.display(), features.join("; ")),
            Err(finding) => {
                failed = true;
                println!("{}", driver::describe(name, &finding, &input, file));
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    driver::record_panics();
    // The targets recurse as deep as their inputs nest (to the JSON parser's bound): run them on
    // a thread with room for it.
    let work = std::thread::Builder::new()
        .name("fuzz".to_owned())
        .stack_size(256 << 20)
        .spawn(move || match cli.command {
            Command::Run {
                targets,
                time,
                iterations,
                seed,
                input_timeout,
            } => run(&targets, time, iterations, seed, input_timeout),
            Command::Replay { target, files } => replay(&target, &files),
            Command::List => {
                println!("{}", targets::NAMES.join("\n"));
                Ok(ExitCode::SUCCESS)
            }
        });
    let outcome = work
        .map_err(|e| format!("cannot start the fuzzing thread: {e}"))
        .and_then(|handle| {
            handle
                .join()
                .map_err(|_| "the fuzzing thread panicked".to_owned())?
        });
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
