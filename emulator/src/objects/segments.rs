//! Reading an object stored as segments (its part files, in order) as one file: synchronously
//! with seeks (to probe media headers), or as a stream of chunks (to serve a download).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;

use bytes::Bytes;
use futures_util::Stream;
use tokio::io::AsyncReadExt;

/// The segments of an object as one `Read + Seek`. Every file is opened at once, so the object
/// reads whole even if it is replaced (and its files deleted) meanwhile.
#[derive(Debug)]
pub(crate) struct SegmentReader {
    files: Vec<(File, u64)>,
    size: u64,
    position: u64,
}

impl SegmentReader {
    /// Opens every segment.
    pub(crate) fn open(segments: &[PathBuf]) -> io::Result<Self> {
        let mut files = Vec::with_capacity(segments.len());
        let mut size = 0u64;
        for path in segments {
            let file = File::open(path)?;
            let len = file.metadata()?.len();
            size += len;
            files.push((file, len));
        }
        Ok(Self {
            files,
            size,
            position: 0,
        })
    }

    /// Turns the reader into a stream of chunks of at most 256 KiB, from the start.
    pub(crate) fn into_stream(self) -> impl Stream<Item = io::Result<Bytes>> + Send {
        let files: Vec<tokio::fs::File> = self
            .files
            .into_iter()
            .map(|(f, _)| tokio::fs::File::from_std(f))
            .collect();
        futures_util::stream::unfold(
            (files.into_iter(), None::<tokio::fs::File>),
            |(mut rest, mut current)| async move {
                loop {
                    let file = match current.as_mut() {
                        Some(f) => f,
                        None => {
                            current = Some(rest.next()?);
                            continue;
                        }
                    };
                    let mut buf = vec![0u8; 256 * 1024];
                    match file.read(&mut buf).await {
                        Ok(0) => current = None,
                        Ok(n) => {
                            buf.truncate(n);
                            return Some((Ok(Bytes::from(buf)), (rest, current)));
                        }
                        Err(e) => return Some((Err(e), (rest, None))),
                    }
                }
            },
        )
    }
}

impl Read for SegmentReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut start = 0u64;
        for (file, len) in &mut self.files {
            if self.position < start + *len {
                file.seek(SeekFrom::Start(self.position - start))?;
                let room = usize::try_from(start + *len - self.position).unwrap_or(usize::MAX);
                let len = buf.len().min(room);
                let n = file.read(&mut buf[..len])?;
                self.position += n as u64;
                return Ok(n);
            }
            start += *len;
        }
        Ok(0)
    }
}

impl Seek for SegmentReader {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.size.checked_add_signed(d),
            SeekFrom::Current(d) => self.position.checked_add_signed(d),
        };
        let target = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        self.position = target;
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[tokio::test]
    async fn reads_across_segments() {
        let dir = tempfile::tempdir().expect("dir");
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::fs::write(&a, b"hello ").expect("write");
        std::fs::write(&b, b"world").expect("write");
        let mut r = SegmentReader::open(&[a.clone(), b.clone()]).expect("open");
        assert_eq!(r.size, 11);
        let mut all = String::new();
        r.read_to_string(&mut all).expect("read");
        assert_eq!(all, "hello world");
        r.seek(SeekFrom::Start(4)).expect("seek");
        let mut three = [0u8; 3];
        r.read_exact(&mut three).expect("read");
        assert_eq!(&three, b"o w");
        r.seek(SeekFrom::End(-2)).expect("seek");
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).expect("read");
        assert_eq!(rest, b"ld");
        let stream = SegmentReader::open(&[a, b]).expect("open").into_stream();
        let chunks: Vec<Bytes> = stream.map(|c| c.expect("chunk")).collect().await;
        assert_eq!(chunks.concat(), b"hello world");
    }
}
