//! The stable-toolchain driver: runs a target's seeds, then mutations of its corpus, for a
//! bounded time or number of inputs, keeping the inputs that reach new outcomes.
//!
//! A finding (a broken invariant, a panic in any thread, an input that runs longer than the
//! input timeout) stops the run: the input is minimized, printed (hex and text), and saved under
//! `fuzz/artifacts/<target>/`, with the command that replays it.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::mutate::{words_of, Mutator};
use crate::targets::{Finding, Target};

/// The most inputs a corpus keeps; past it a new one replaces an older mutation.
const MAX_CORPUS: usize = 8192;
/// The longest input the driver runs: a mutation past it is cut. Far above any real reply's
/// texts and request bodies, small enough to keep the run fast.
pub const MAX_INPUT: usize = 64 * 1024;
/// How long minimizing a finding may take.
const MINIMIZE_FOR: Duration = Duration::from_secs(10);

/// Where the crate lives: `fuzz/`.
pub fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The regression seeds of `target`, kept in the repository.
pub fn corpus_dir(target: &str) -> PathBuf {
    fuzz_dir().join("corpus").join(target)
}

/// Where the findings of `target` are saved.
pub fn artifacts_dir(target: &str) -> PathBuf {
    fuzz_dir().join("artifacts").join(target)
}

/// How long and how hard to run.
#[derive(Debug, Clone)]
pub struct Budget {
    /// Stop after this long (seeds included).
    pub time: Duration,
    /// Stop after this many mutated inputs.
    pub iterations: Option<u64>,
    /// The seed of the mutations.
    pub seed: u64,
    /// An input that runs longer is a finding (a hang).
    pub input_timeout: Duration,
}

/// What a run did.
#[derive(Debug)]
pub struct Report {
    /// Inputs run, seeds included.
    pub inputs: u64,
    /// How long it ran.
    pub elapsed: Duration,
    /// Distinct outcomes reached.
    pub features: usize,
    /// Inputs in the corpus at the end.
    pub corpus: usize,
    /// The finding that stopped the run, saved at the path.
    pub finding: Option<(Finding, PathBuf)>,
}

impl Report {
    /// Inputs per second.
    pub fn rate(&self) -> f64 {
        self.inputs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The panics seen since the last [`take_panic`], from any thread.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Records every panic (message and place) instead of printing it: a target's panic is a
/// finding even when the code under test catches it (a spawned task's panic becomes an error).
pub fn record_panics() {
    panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_owned());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let thread = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_owned();
        PANICS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(format!("panicked in thread {thread}: {message}{place}"));
    }));
}

fn take_panic() -> Option<String> {
    let mut panics = PANICS.lock().unwrap_or_else(PoisonError::into_inner);
    let first = panics.first().cloned();
    panics.clear();
    first
}

/// Runs one input: the target's verdict, a panic counting as a finding.
pub fn run_one(target: &mut dyn Target, input: &[u8]) -> Result<Vec<String>, Finding> {
    take_panic();
    let result = panic::catch_unwind(AssertUnwindSafe(|| target.run(input)));
    let panicked = take_panic();
    match (result, panicked) {
        (_, Some(panic)) => Err(Finding(panic)),
        (Ok(verdict), None) => verdict,
        (Err(_), None) => Err(Finding("panicked".to_owned())),
    }
}

/// The input in flight, for the watchdog.
#[derive(Default)]
struct InFlight {
    since: Option<Instant>,
    input: Vec<u8>,
}

/// A thread that ends the process when one input runs longer than `timeout`, saving it first.
fn watchdog(name: &'static str, timeout: Duration, in_flight: Arc<Mutex<InFlight>>) {
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(100).min(timeout));
        let flight = in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        if flight.since.is_some_and(|since| since.elapsed() > timeout) {
            let finding = Finding(format!("an input ran longer than {timeout:?}"));
            let path = save(name, &flight.input);
            eprintln!("{}", describe(name, &finding, &flight.input, &path));
            std::process::exit(2);
        }
    });
}

/// The inputs a run starts from: the target's seeds and the regression seeds on disk.
pub fn initial_inputs(target: &dyn Target) -> Vec<Vec<u8>> {
    let mut inputs = target.seeds();
    inputs.extend(read_dir(&corpus_dir(target.name())));
    inputs
}

/// The files of a directory (none when it does not exist), sorted by name.
fn read_dir(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// Runs `input` with the watchdog watching.
fn watched(
    target: &mut dyn Target,
    input: &[u8],
    in_flight: &Mutex<InFlight>,
) -> Result<Vec<String>, Finding> {
    {
        let mut flight = in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        flight.since = Some(Instant::now());
        flight.input.clear();
        flight.input.extend_from_slice(input);
    }
    let verdict = run_one(target, input);
    in_flight
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .since = None;
    verdict
}

/// Fuzzes `target` within `budget`.
pub fn fuzz(target: &mut dyn Target, budget: &Budget) -> Report {
    let started = Instant::now();
    let name = target.name();
    let in_flight = Arc::new(Mutex::new(InFlight::default()));
    watchdog(name, budget.input_timeout, in_flight.clone());

    let mut corpus = initial_inputs(target);
    let seeds = corpus.len();
    let mut dictionary = target.dictionary();
    dictionary.extend(words_of(&corpus));
    let mut mutator = Mutator::new(budget.seed, dictionary);
    let mut seen: HashSet<String> = HashSet::new();
    let mut inputs = 0;
    let mut mutations = 0;
    let mut failed = None;
    for seed in &corpus {
        inputs += 1;
        match watched(target, seed, &in_flight) {
            Ok(features) => seen.extend(features),
            Err(finding) => {
                failed = Some((seed.clone(), finding));
                break;
            }
        }
    }
    while failed.is_none()
        && started.elapsed() < budget.time
        && budget.iterations.is_none_or(|n| mutations < n)
    {
        let parent = mutator.below(corpus.len());
        let other = mutator.below(corpus.len());
        mutator.splice_with(&corpus[other]);
        let mut input = target.mutate(&corpus[parent], &mut mutator);
        input.truncate(MAX_INPUT);
        mutations += 1;
        inputs += 1;
        match watched(target, &input, &in_flight) {
            Ok(features) => {
                let mut new = false;
                for feature in features {
                    new |= seen.insert(feature);
                }
                if new {
                    if corpus.len() < MAX_CORPUS {
                        corpus.push(input);
                    } else {
                        let slot = seeds + mutator.below(corpus.len() - seeds);
                        corpus[slot] = input;
                    }
                }
            }
            Err(finding) => failed = Some((input, finding)),
        }
    }
    let elapsed = started.elapsed();
    let finding = failed.map(|(input, finding)| {
        let minimized = minimize(target, &input);
        let path = save(name, &minimized);
        eprintln!("{}", describe(name, &finding, &minimized, &path));
        (finding, path)
    });
    Report {
        inputs,
        elapsed,
        features: seen.len(),
        corpus: corpus.len(),
        finding,
    }
}

/// Replays `input`: the target's verdict.
pub fn replay(target: &mut dyn Target, input: &[u8]) -> Result<Vec<String>, Finding> {
    run_one(target, input)
}

/// A smaller input that still fails: chunks removed while a finding remains, for
/// [`MINIMIZE_FOR`] at most.
fn minimize(target: &mut dyn Target, input: &[u8]) -> Vec<u8> {
    let started = Instant::now();
    let mut best = input.to_vec();
    let mut chunk = best.len() / 2;
    while chunk > 0 && started.elapsed() < MINIMIZE_FOR {
        let mut at = 0;
        while at < best.len() && started.elapsed() < MINIMIZE_FOR {
            let mut candidate = best.clone();
            candidate.drain(at..(at + chunk).min(best.len()));
            if run_one(target, &candidate).is_err() {
                best = candidate;
            } else {
                at += chunk;
            }
        }
        chunk /= 2;
    }
    take_panic();
    best
}

/// Saves a failing input under the target's artifacts, named by its hash.
fn save(target: &str, input: &[u8]) -> PathBuf {
    let dir = artifacts_dir(target);
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let path = dir.join(format!("finding-{hash:016x}"));
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, input)) {
        eprintln!("cannot save the input at {}: {e}", path.display());
    }
    path
}

/// The report of a finding: what broke, the input in hex and as text, how to replay it.
pub fn describe(target: &str, finding: &Finding, input: &[u8], path: &Path) -> String {
    let mut out = format!(
        "\nFINDING in target `{target}`: {finding}\n\ninput ({} bytes), hex:\n",
        input.len()
    );
    for (i, line) in input.chunks(32).enumerate().take(64) {
        let hex: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(out, "  {:06x}  {}", i * 32, hex.join(" "));
    }
    if input.len() > 64 * 32 {
        out.push_str("  …\n");
    }
    let text = String::from_utf8_lossy(input);
    let shown: String = text.chars().take(4000).collect();
    let _ = write!(
        out,
        "input as text (lossy):\n{shown}\n\nsaved at {}\nreplay: cargo run -p cme-fuzz --release -- replay {target} {}\n\
         keep it as a regression seed once fixed: cp {} fuzz/corpus/{target}/\n",
        path.display(),
        path.display(),
        path.display()
    );
    out
}
