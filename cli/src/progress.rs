//! How `cme upload` shows its progress on stderr: a bar redrawn in place on a terminal (one for
//! all the files of `--jobs`), one line per report for CI logs, or nothing; and the sizes, rates and durations it shows
//! (binary units, like `aws s3 cp`: `12.5 MiB/877.0 MiB (3.4 MiB/s)`).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use cme_sdk::upload::{Phase, Progress};

/// `--progress`: how progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A bar on a terminal, nothing otherwise.
    Auto,
    /// A line redrawn in place (`\r`), ended when the file is done.
    Bar,
    /// One line per report, for logs.
    Lines,
    /// Nothing.
    None,
}

impl Mode {
    /// The names `--progress` takes.
    pub const NAMES: [&'static str; 4] = ["auto", "bar", "lines", "none"];

    /// The mode named `name` (one of [`NAMES`](Self::NAMES)).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "auto" => Some(Mode::Auto),
            "bar" => Some(Mode::Bar),
            "lines" => Some(Mode::Lines),
            "none" => Some(Mode::None),
            _ => None,
        }
    }

    /// What `self` comes to on this process's stderr: `Auto` is `Bar` on a terminal, else
    /// `None`.
    pub fn resolve(self) -> Mode {
        match self {
            Mode::Auto if std::io::stderr().is_terminal() => Mode::Bar,
            Mode::Auto => Mode::None,
            other => other,
        }
    }

    /// How often the SDK reports: a bar is redrawn four times a second, a log gets a line a
    /// second.
    pub fn interval(self) -> Duration {
        match self {
            Mode::Lines => Duration::from_secs(1),
            _ => cme_sdk::upload::DEFAULT_PROGRESS_INTERVAL,
        }
    }
}

/// Shows the progress of the files of one `cme upload` on stderr.
///
/// - [`Mode::Lines`]: one line per report, `<file>: <report>`, whatever the number of files.
/// - [`Mode::Bar`] with one file: `<file>: <report>` redrawn in place, ended when it is done.
/// - [`Mode::Bar`] with several (`--jobs`): one line redrawn in place for all of them,
///   `2/5 files, 3 uploading: <the sum of their reports>` ([`summary`]), blanked whenever a file
///   finishes so that its result starts on a line of its own.
#[derive(Debug)]
pub struct Board {
    mode: Mode,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    files: Vec<File>,
    /// The width of the bar drawn, to blank what a shorter one leaves.
    drawn: usize,
}

/// What the board knows of one file.
#[derive(Debug, Clone, Default)]
pub struct File {
    /// The file as shown.
    pub label: String,
    /// Its size as known before its upload reported (0: unknown).
    pub size: u64,
    /// Its last report.
    pub last: Option<Progress>,
    /// Whether its upload ended (uploaded or failed).
    pub finished: bool,
}

impl Board {
    /// A board in `mode` (already [resolved](Mode::resolve)) for the files shown as `labels`,
    /// whose sizes are `sizes` as far as known.
    pub fn new(mode: Mode, files: impl IntoIterator<Item = (String, u64)>) -> Self {
        let files = files
            .into_iter()
            .map(|(label, size)| File {
                label,
                size,
                ..File::default()
            })
            .collect();
        Self {
            mode,
            state: Mutex::new(State { files, drawn: 0 }),
        }
    }

    /// Whether it shows anything.
    pub fn is_on(&self) -> bool {
        matches!(self.mode, Mode::Bar | Mode::Lines)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Shows a report of file `n`.
    pub fn report(&self, n: usize, progress: &Progress) {
        let mut state = self.state();
        let Some(file) = state.files.get_mut(n) else {
            return;
        };
        file.last = Some(progress.clone());
        let line = match (self.mode, state.files.as_slice()) {
            (Mode::Bar, [_, _, ..]) => summary(&state.files),
            (Mode::Bar | Mode::Lines, _) => {
                format!("{}: {}", state.files[n].label, describe(progress))
            }
            (Mode::Auto | Mode::None, _) => return,
        };
        let mut stderr = std::io::stderr().lock();
        // Progress is a courtesy: a stderr that cannot be written to fails nothing.
        let _ = if self.mode == Mode::Bar {
            let width = line.chars().count();
            let blank = " ".repeat(state.drawn.saturating_sub(width));
            state.drawn = width;
            write!(stderr, "\r{line}{blank}").and_then(|()| stderr.flush())
        } else {
            writeln!(stderr, "{line}")
        };
    }

    /// Marks file `n` finished and gets the bar out of the way of what follows: one file's bar
    /// keeps its last line, the summary of several is blanked (the next report draws it again).
    pub fn finish(&self, n: usize) {
        let mut state = self.state();
        if let Some(file) = state.files.get_mut(n) {
            file.finished = true;
        }
        if self.mode != Mode::Bar || state.drawn == 0 {
            return;
        }
        let mut stderr = std::io::stderr().lock();
        let _ = if state.files.len() == 1 {
            writeln!(stderr)
        } else {
            let blank = " ".repeat(state.drawn);
            write!(stderr, "\r{blank}\r").and_then(|()| stderr.flush())
        };
        state.drawn = 0;
    }
}

/// The summary of several files in one line: `2/5 files, 3 uploading: ` and the sum of their
/// reports (their bytes over the sizes of all, the rates of those uploading).
pub fn summary(files: &[File]) -> String {
    let mut sum = Progress::default();
    sum.phase = Phase::Sending;
    let (mut finished, mut uploading) = (0, 0);
    for file in files {
        let last = file.last.as_ref();
        sum.total_bytes += last.map_or(file.size, |p| p.total_bytes.max(file.size));
        sum.bytes_done += last.map_or(0, |p| p.bytes_done);
        if file.finished {
            finished += 1;
        } else if let Some(p) = last {
            uploading += 1;
            sum.bytes_per_second += p.bytes_per_second;
        }
    }
    format!(
        "{finished}/{} files, {uploading} uploading: {}",
        files.len(),
        describe(&sum)
    )
}

/// One report in words: `42.0% 3.4 MiB/8.0 MiB (1.2 MiB/s, ETA 0:04), part 2/3`.
pub fn describe(p: &Progress) -> String {
    match p.phase {
        Phase::Preparing => return "preparing".to_owned(),
        Phase::Finishing => return format!("{} sent, finishing", size(p.total_bytes)),
        Phase::Done => return format!("{} done", size(p.total_bytes)),
        _ => {}
    }
    let mut text = format!(
        "{:5.1}% {}/{}",
        100.0 * p.fraction(),
        size(p.bytes_done),
        size(p.total_bytes)
    );
    if p.bytes_per_second > 0.0 {
        text.push_str(&format!(" ({}/s", size(p.bytes_per_second as u64)));
        let left = p.total_bytes.saturating_sub(p.bytes_done) as f64 / p.bytes_per_second;
        if left.is_finite() {
            text.push_str(&format!(", ETA {}", duration(left)));
        }
        text.push(')');
    }
    if p.parts_total > 1 {
        text.push_str(&format!(", part {}/{}", p.parts_done, p.parts_total));
    }
    text
}

/// A size in binary units: `512 B`, `1.5 KiB`, `877.0 MiB`, `2.0 GiB`.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Seconds as `m:ss`, or `h:mm:ss` from an hour on.
pub fn duration(seconds: f64) -> String {
    let total = seconds.max(0.0).round().min(u32::MAX as f64) as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// A size given on the command line: a number of bytes, or a number with a unit, binary
/// (`KiB`, `MiB`, `GiB`, and `K`, `M`, `G`) or decimal (`KB`, `MB`, `GB`), any case:
/// `8MiB`, `16M`, `1.5 GiB`, `5000000`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let scale: u64 = match unit.as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => {
            return Err(format!(
                "expected a size such as 8MiB, 16M or 5000000, got {text:?}"
            ))
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("expected a size such as 8MiB, 16M or 5000000, got {text:?}"))?;
    let bytes = value * scale as f64;
    if !bytes.is_finite() || bytes < 1.0 || bytes >= u64::MAX as f64 {
        return Err(format!("{text:?} is not a size in bytes"));
    }
    Ok(bytes.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_and_decimal_units() {
        assert_eq!(parse_size("8MiB"), Ok(8 << 20));
        assert_eq!(parse_size("16m"), Ok(16 << 20));
        assert_eq!(parse_size("1.5 GiB"), Ok(3 << 29));
        assert_eq!(parse_size("5MB"), Ok(5_000_000));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        for bad in ["", "MiB", "8 parsecs", "-1M", "0", "1e400", "1.2.3M"] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sizes_rates_and_durations_read_well() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(877 << 20), "877.0 MiB");
        assert_eq!(duration(4.4), "0:04");
        assert_eq!(duration(3725.0), "1:02:05");
        assert_eq!(duration(f64::NAN), "0:00");
    }

    #[test]
    fn a_report_gives_percent_rate_eta_and_parts() {
        let mut p = Progress::default();
        assert_eq!(describe(&p), "preparing");
        p.phase = Phase::Sending;
        p.total_bytes = 8 << 20;
        p.bytes_done = 2 << 20;
        p.parts_done = 2;
        p.parts_total = 8;
        p.bytes_per_second = (1 << 20) as f64;
        assert_eq!(
            describe(&p),
            " 25.0% 2.0 MiB/8.0 MiB (1.0 MiB/s, ETA 0:06), part 2/8"
        );
        p.bytes_per_second = 0.0;
        p.parts_total = 1;
        assert_eq!(describe(&p), " 25.0% 2.0 MiB/8.0 MiB");
        p.phase = Phase::Done;
        assert_eq!(describe(&p), "8.0 MiB done");
    }

    #[test]
    fn several_files_sum_up_in_one_line() {
        let report = |phase, total: u64, done: u64, rate: f64| {
            let mut p = Progress::default();
            p.phase = phase;
            p.total_bytes = total;
            p.bytes_done = done;
            p.bytes_per_second = rate;
            p
        };
        let file = |size, last, finished| File {
            label: "f".into(),
            size,
            last,
            finished,
        };
        let files = [
            // Uploaded.
            file(
                2 << 20,
                Some(report(Phase::Done, 2 << 20, 2 << 20, 0.0)),
                true,
            ),
            // Uploading, at 1 MiB/s each.
            file(
                4 << 20,
                Some(report(Phase::Sending, 4 << 20, 1 << 20, 1048576.0)),
                false,
            ),
            file(
                0,
                Some(report(Phase::Sending, 2 << 20, 1 << 20, 1048576.0)),
                false,
            ),
            // Not started: its size counts, none of it is done.
            file(8 << 20, None, false),
        ];
        assert_eq!(
            summary(&files),
            "1/4 files, 2 uploading:  25.0% 4.0 MiB/16.0 MiB (2.0 MiB/s, ETA 0:06)"
        );
    }
}
