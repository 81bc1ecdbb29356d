//! Where an upload stands, told to a callback and a `watch` channel, throttled.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

/// What an upload is doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Reading the first 10 MiB, checking the checkpoint, `CreateUploadMaterial`, and for a
    /// quick upload, reading the whole input for its SHA-1.
    #[default]
    Preparing,
    /// Sending the parts.
    Sending,
    /// Completing the COS upload, committing it to VOD, `FinishUploadMaterial`.
    Finishing,
    /// Done: the medium exists.
    Done,
}

/// Where an upload stands. Counts only grow, part by part: a part counts once its reply
/// came back, and a retried part is counted once.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// What the upload is doing.
    pub phase: Phase,
    /// The input's size, in bytes.
    pub total_bytes: u64,
    /// Bytes the service holds: of the parts sent in this run, and of the parts a checkpoint
    /// says were sent before. `total_bytes` when done (also after a quick upload, which sends
    /// none).
    pub bytes_done: u64,
    /// Bytes of the parts sent in this run.
    pub bytes_sent: u64,
    /// Parts the service holds (sent now or before).
    pub parts_done: u32,
    /// The number of parts (0 until known).
    pub parts_total: u32,
    /// Bytes sent per second in this run, from the first part sent until now.
    pub bytes_per_second: f64,
    /// Time since the upload started.
    pub elapsed: Duration,
}

impl Progress {
    /// `bytes_done` over `total_bytes`, from 0.0 to 1.0.
    pub fn fraction(&self) -> f64 {
        if self.total_bytes == 0 {
            return 0.0;
        }
        self.bytes_done as f64 / self.total_bytes as f64
    }
}

/// A progress callback.
pub(crate) type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// The default of [`Upload::progress_interval`](super::Upload::progress_interval).
pub const DEFAULT_PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

/// Keeps the progress of one upload and tells it, at most once per interval, plus on every
/// change of phase. Owned by the task that runs the upload, so the reports come in order.
pub(crate) struct Reporter {
    current: Progress,
    sender: watch::Sender<Progress>,
    callback: Option<ProgressFn>,
    interval: Duration,
    started: Instant,
    sending_since: Option<Instant>,
    last_told: Option<Instant>,
}

impl fmt::Debug for Reporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reporter")
            .field("current", &self.current)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

impl Reporter {
    /// A reporter telling `callback` (if any) and `sender`.
    pub(crate) fn new(
        sender: watch::Sender<Progress>,
        callback: Option<ProgressFn>,
        interval: Duration,
    ) -> Self {
        Self {
            current: Progress::default(),
            sender,
            callback,
            interval,
            started: Instant::now(),
            sending_since: None,
            last_told: None,
        }
    }

    /// The input's size and number of parts.
    pub(crate) fn sizes(&mut self, total_bytes: u64, parts_total: u32) {
        self.current.total_bytes = total_bytes;
        self.current.parts_total = parts_total;
    }

    /// Parts the service already holds (from a checkpoint).
    pub(crate) fn held(&mut self, parts: u32, bytes: u64) {
        self.current.parts_done = parts;
        self.current.bytes_done = bytes;
    }

    /// A new phase; always told.
    pub(crate) fn phase(&mut self, phase: Phase) {
        if phase == Phase::Sending {
            self.sending_since.get_or_insert_with(Instant::now);
        }
        if phase == Phase::Done {
            self.current.bytes_done = self.current.total_bytes;
            self.current.parts_done = self.current.parts_total;
        }
        self.current.phase = phase;
        self.tell();
    }

    /// A part of `len` bytes came back; told when the interval has passed.
    pub(crate) fn part_sent(&mut self, len: u64) {
        self.current.parts_done += 1;
        self.current.bytes_done += len;
        self.current.bytes_sent += len;
        if self
            .last_told
            .is_none_or(|at| at.elapsed() >= self.interval)
        {
            self.tell();
        }
    }

    /// The progress as last updated.
    pub(crate) fn current(&self) -> &Progress {
        &self.current
    }

    fn tell(&mut self) {
        let now = Instant::now();
        self.current.elapsed = now - self.started;
        if let Some(since) = self.sending_since {
            let secs = (now - since).as_secs_f64();
            if secs > 0.0 {
                self.current.bytes_per_second = self.current.bytes_sent as f64 / secs;
            }
        }
        self.last_told = Some(now);
        self.sender.send_replace(self.current.clone());
        if let Some(callback) = &self.callback {
            callback(&self.current);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn parts_are_told_at_most_once_per_interval_and_phases_always() {
        let told = Arc::new(Mutex::new(Vec::new()));
        let seen = told.clone();
        let callback: ProgressFn =
            Arc::new(move |p: &Progress| seen.lock().unwrap().push(p.clone()));
        let (sender, receiver) = watch::channel(Progress::default());
        let mut reporter = Reporter::new(sender, Some(callback), Duration::from_millis(100));
        reporter.sizes(30, 3);
        reporter.phase(Phase::Sending);
        reporter.part_sent(10); // within the interval of the phase change: not told
        tokio::time::advance(Duration::from_millis(100)).await;
        reporter.part_sent(10); // told
        reporter.part_sent(10); // not told
        reporter.phase(Phase::Done);
        let told = told.lock().unwrap();
        let phases: Vec<_> = told.iter().map(|p| (p.phase, p.bytes_done)).collect();
        assert_eq!(
            phases,
            [(Phase::Sending, 0), (Phase::Sending, 20), (Phase::Done, 30)]
        );
        assert_eq!(told[1].bytes_per_second, 200.0);
        assert_eq!(*receiver.borrow(), told[2]);
        assert_eq!(told[2].fraction(), 1.0);
    }
}
