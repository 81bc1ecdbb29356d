//! The SHA-1 of the whole input (`UploadFullKey`), computed from the parts as they are read,
//! in order, while they are sent: never a second pass over the input.
//!
//! Parts are read in order and sent in parallel; hashing them in the reader would keep the
//! next part from being read while one is hashed. Instead each part's bytes (shared, not
//! copied) go to one task that hashes them in the order they were read, on the blocking pool,
//! and tells the part when its bytes are hashed. A part holds its slot until it is both sent
//! and hashed, so the memory bound (one buffer per slot) holds with hashing behind.

use bytes::Bytes;
use sha1::{Digest as _, Sha1};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::hex;

/// Hashes byte runs in the order they are given.
pub(crate) struct InOrder {
    sender: mpsc::UnboundedSender<(Bytes, oneshot::Sender<()>)>,
    /// `None` once finished.
    task: Option<JoinHandle<Sha1>>,
}

impl InOrder {
    /// A hash over nothing yet.
    pub(crate) fn new() -> Self {
        let (sender, mut runs) = mpsc::unbounded_channel::<(Bytes, oneshot::Sender<()>)>();
        let task = tokio::spawn(async move {
            let mut hasher = Sha1::new();
            while let Some((bytes, hashed)) = runs.recv().await {
                // SHA-1 runs at a GB/s or two: a part's worth of it goes to the blocking pool.
                hasher = match tokio::task::spawn_blocking(move || {
                    hasher.update(&bytes);
                    hasher
                })
                .await
                {
                    Ok(hasher) => hasher,
                    Err(join) => std::panic::resume_unwind(join.into_panic()),
                };
                let _ = hashed.send(());
            }
            hasher
        });
        Self {
            sender,
            task: Some(task),
        }
    }

    /// Hashes `bytes` after everything given before; the receiver is told once they are. The
    /// bytes are held until then.
    pub(crate) fn push(&self, bytes: Bytes) -> oneshot::Receiver<()> {
        let (hashed, receiver) = oneshot::channel();
        // The task ends only when `self` is dropped or finished: it is there to receive.
        let _ = self.sender.send((bytes, hashed));
        receiver
    }

    /// Hex SHA-1 of everything given.
    pub(crate) async fn finish(mut self) -> String {
        let task = self.task.take();
        drop(self); // closes the channel: the task ends after the last run
        let hasher = match task {
            Some(task) => task.await,
            None => Ok(Sha1::new()),
        };
        match hasher {
            Ok(hasher) => hex(&hasher.finalize()),
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        }
    }
}

impl Drop for InOrder {
    fn drop(&mut self) {
        // An upload dropped midway: hashing what is queued is of no use any more.
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_in_the_order_given() {
        let digest = InOrder::new();
        let runs: Vec<_> = (0u8..50)
            .map(|i| digest.push(Bytes::from(vec![i; 1000 + usize::from(i)])))
            .collect();
        for hashed in runs {
            hashed.await.unwrap();
        }
        let mut whole = Vec::new();
        (0u8..50).for_each(|i| whole.extend(vec![i; 1000 + usize::from(i)]));
        assert_eq!(digest.finish().await, hex(&Sha1::digest(&whole)));
    }
}
