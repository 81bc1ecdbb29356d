//! Interleaved A/B measurement and the one-line report of a comparison.

use std::time::{Duration, Instant};

/// How a measured quantity compares: more is better (a rate), or less is better (a time or a
/// size). The ratio is always "higher is better for the SDK".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Throughput: ratio = sdk / baseline.
    Higher,
    /// Time or memory: ratio = baseline / sdk.
    Lower,
}

/// The per-round values of both sides of one comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub name: String,
    pub unit: &'static str,
    pub better: Better,
    pub sdk: Vec<f64>,
    pub baseline: Vec<f64>,
}

impl Comparison {
    pub fn new(name: impl Into<String>, unit: &'static str, better: Better) -> Self {
        Self {
            name: name.into(),
            unit,
            better,
            sdk: Vec::new(),
            baseline: Vec::new(),
        }
    }

    fn ratio_of(&self, sdk: f64, baseline: f64) -> f64 {
        match self.better {
            Better::Higher => sdk / baseline,
            Better::Lower => baseline / sdk,
        }
    }

    /// The ratio: the median of the per-round ratios (each round pairs an SDK run with the
    /// baseline run next to it, so slow drift of the machine cancels out).
    pub fn ratio(&self) -> f64 {
        let ratios: Vec<f64> = self
            .sdk
            .iter()
            .zip(&self.baseline)
            .map(|(&s, &b)| self.ratio_of(s, b))
            .collect();
        median(&ratios)
    }

    /// Prints the comparison's line on stdout and its spread on stderr.
    pub fn report(&self) {
        self.report_with("");
    }

    /// Like [`report`](Self::report), with `extra` (`, key=value…`) appended to the line.
    pub fn report_with(&self, extra: &str) {
        let (sdk, baseline) = (median(&self.sdk), median(&self.baseline));
        println!(
            "{}: sdk={} {unit}, baseline={} {unit}, ratio={:.2}{extra}",
            self.name,
            fmt_value(sdk),
            fmt_value(baseline),
            self.ratio(),
            unit = self.unit,
        );
        eprintln!(
            "    ({} rounds; sdk {}..{}, baseline {}..{})",
            self.sdk.len(),
            fmt_value(min(&self.sdk)),
            fmt_value(max(&self.sdk)),
            fmt_value(min(&self.baseline)),
            fmt_value(max(&self.baseline)),
        );
    }
}

/// Runs `rounds` rounds of `sdk` and `baseline`, alternating which goes first (A B, B A, …), and
/// records what each returns (a rate or a time) in `cmp`.
pub fn interleave(
    cmp: &mut Comparison,
    rounds: usize,
    mut sdk: impl FnMut() -> f64,
    mut baseline: impl FnMut() -> f64,
) {
    for round in 0..rounds {
        if round % 2 == 0 {
            cmp.sdk.push(sdk());
            cmp.baseline.push(baseline());
        } else {
            cmp.baseline.push(baseline());
            cmp.sdk.push(sdk());
        }
    }
}

/// How many iterations of `f` fill about `target`, found by timing growing batches (which also
/// warms up code, caches and connection pools). At least `min`.
pub fn calibrate(target: Duration, min: u64, mut f: impl FnMut(u64) -> Duration) -> u64 {
    let mut n = min.max(1);
    loop {
        let took = f(n);
        if took >= target / 4 || n >= 1 << 40 {
            let per = took.as_secs_f64() / n as f64;
            return ((target.as_secs_f64() / per.max(1e-12)) as u64).max(min);
        }
        n *= 4;
    }
}

/// Seconds per iteration of a batch of `n` that took `took`.
pub fn per_iter(took: Duration, n: u64) -> f64 {
    took.as_secs_f64() / n as f64
}

/// Iterations per second of a batch of `n` that took `took`.
pub fn rate(took: Duration, n: u64) -> f64 {
    n as f64 / took.as_secs_f64()
}

/// Times `n` runs of `f`.
pub fn time_n<T>(n: u64, mut f: impl FnMut() -> T) -> Duration {
    let started = Instant::now();
    for _ in 0..n {
        std::hint::black_box(f());
    }
    started.elapsed()
}

pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn min(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// A value with three significant digits or so, without scientific notation.
pub fn fmt_value(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// A field of `/proc/self/status` in kB (`VmRSS`, `VmHWM`), if the system has it.
pub fn proc_status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}
