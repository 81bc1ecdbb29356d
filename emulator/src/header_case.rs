//! Writes response header names in the case a service's clients expect.
//!
//! HTTP header names are case-insensitive, and hyper writes them in lower case; but Tencent's
//! Python COS SDK reads its replies through `dict(**response.headers)` and then `['ETag']`, so a
//! reply with `etag:` fails it. COS itself sends `ETag`, `Content-Length`, …; this writer sits
//! between hyper and the socket and restores those names in each response head, and passes the
//! body through untouched: it follows the framing (a `Content-Length` body; none for a 1xx, 204
//! or 304 status, or for the reply to a HEAD request, which the handler announces through
//! [`HeadFlag`]). A reply framed any other way (chunked) ends the rewriting for the rest of the
//! connection, so a body is never altered.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The names COS writes with capitals (the others, such as `x-cos-request-id`, are lower case).
const COS_NAMES: &[&str] = &[
    "Connection",
    "Content-Length",
    "Content-Type",
    "Date",
    "ETag",
    "Last-Modified",
    "Server",
];

/// The longest response head rewritten; a longer one ends the rewriting.
const MAX_HEAD: usize = 64 * 1024;

/// Whether the response being written answers a HEAD request (it then has no body, whatever its
/// `Content-Length`). Set by the handler before it returns the response.
#[derive(Debug, Clone, Default)]
pub(crate) struct HeadFlag(Arc<AtomicBool>);

impl HeadFlag {
    /// Marks whether the current request is a HEAD.
    pub(crate) fn set(&self, head: bool) {
        self.0.store(head, Ordering::Release);
    }

    fn get(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

#[derive(Debug)]
enum State {
    /// Collecting a response head.
    Head(Vec<u8>),
    /// Passing this many body bytes through.
    Body(u64),
    /// Passing everything through.
    Raw,
}

/// The stream `inner` with COS's header names in the responses written to it.
#[derive(Debug)]
pub(crate) struct CosHeaderCase<T> {
    inner: T,
    state: State,
    head: HeadFlag,
    /// Rewritten head bytes not yet written.
    pending: Vec<u8>,
    written: usize,
}

impl<T> CosHeaderCase<T> {
    pub(crate) fn new(inner: T, head: HeadFlag) -> Self {
        Self {
            inner,
            state: State::Head(Vec::new()),
            head,
            pending: Vec::new(),
            written: 0,
        }
    }
}

/// Rewrites the header names of a complete head; the body length it announces (`None`: framed
/// otherwise, so rewriting stops).
fn rewrite(head: &[u8], is_head: bool) -> (Vec<u8>, Option<u64>) {
    let text = String::from_utf8_lossy(head);
    let mut out = String::with_capacity(head.len());
    let mut status = 0u16;
    let mut length = None;
    let mut chunked = false;
    for (i, line) in text.split_inclusive("\r\n").enumerate() {
        if i == 0 {
            status = line
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            out.push_str(line);
            continue;
        }
        match line.split_once(':') {
            Some((name, rest)) => {
                let canonical = COS_NAMES
                    .iter()
                    .find(|n| n.eq_ignore_ascii_case(name))
                    .copied()
                    .unwrap_or(name);
                if canonical == "Content-Length" {
                    length = rest.trim().parse::<u64>().ok();
                }
                if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = true;
                }
                out.push_str(canonical);
                out.push(':');
                out.push_str(rest);
            }
            None => out.push_str(line),
        }
    }
    let body = if is_head || (100..200).contains(&status) || status == 204 || status == 304 {
        Some(0)
    } else if chunked {
        None
    } else {
        Some(length.unwrap_or(0))
    };
    (out.into_bytes(), body)
}

impl<T: AsyncWrite + Unpin> CosHeaderCase<T> {
    /// Writes the pending head bytes.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for CosHeaderCase<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        ready!(this.poll_pending(cx))?;
        match &mut this.state {
            State::Raw => Pin::new(&mut this.inner).poll_write(cx, buf),
            State::Body(remaining) => {
                let take = usize::try_from(*remaining)
                    .unwrap_or(usize::MAX)
                    .min(buf.len());
                let n = ready!(Pin::new(&mut this.inner).poll_write(cx, &buf[..take]))?;
                *remaining -= n as u64;
                if *remaining == 0 {
                    this.state = State::Head(Vec::new());
                }
                Poll::Ready(Ok(n))
            }
            State::Head(collected) => {
                // take bytes up to the end of the head (the blank line), if it is in `buf`
                let start = collected.len().saturating_sub(3);
                collected.extend_from_slice(buf);
                let end = collected[start..]
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .map(|at| start + at + 4);
                let Some(end) = end else {
                    if collected.len() > MAX_HEAD {
                        this.pending = std::mem::take(collected);
                        this.state = State::Raw;
                    }
                    return Poll::Ready(Ok(buf.len()));
                };
                let consumed = buf.len() - (collected.len() - end);
                collected.truncate(end);
                let (head, body) = rewrite(collected, this.head.get());
                this.pending = head;
                this.state = match body {
                    Some(0) => State::Head(Vec::new()),
                    Some(n) => State::Body(n),
                    None => State::Raw,
                };
                // start writing; what is left goes first on the next call or flush
                if let Poll::Ready(Err(e)) = this.poll_pending(cx) {
                    return Poll::Ready(Err(e));
                }
                Poll::Ready(Ok(consumed))
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for CosHeaderCase<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    async fn through(writes: &[&[u8]], head: bool) -> Vec<u8> {
        let mut out = CosHeaderCase::new(Vec::new(), HeadFlag::default());
        out.head.set(head);
        for w in writes {
            out.write_all(w).await.expect("write");
        }
        out.flush().await.expect("flush");
        out.inner
    }

    #[tokio::test]
    async fn restores_names_in_heads_and_never_touches_bodies() {
        let body = b"HTTP/1.1 200 OK\r\netag: \"x\"\r\n\r\n";
        let first = format!(
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\netag: \"abc\"\r\nx-cos-request-id: r\r\n\r\n",
            body.len()
        );
        let reply = [
            first.as_bytes(),
            body,
            b"HTTP/1.1 204 No Content\r\ndate: now\r\n\r\n",
        ]
        .concat();
        // written whole, and written a byte at a time
        let whole = through(&[&reply], false).await;
        let bytes: Vec<&[u8]> = reply.chunks(1).collect();
        let trickled = through(&bytes, false).await;
        let restored = first
            .replace("content-length", "Content-Length")
            .replace("etag", "ETag");
        let want = [
            restored.as_bytes(),
            body,
            b"HTTP/1.1 204 No Content\r\nDate: now\r\n\r\n",
        ]
        .concat();
        assert_eq!(
            String::from_utf8_lossy(&whole),
            String::from_utf8_lossy(&want)
        );
        assert_eq!(trickled, want);
        // the reply to a HEAD has no body despite its length: the next head is rewritten
        let head = through(
            &[b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nHTTP/1.1 200 OK\r\netag: e\r\n\r\n"],
            true,
        )
        .await;
        assert!(String::from_utf8_lossy(&head).ends_with("ETag: e\r\n\r\n"));
        // chunked: passed through from then on
        let chunked = through(
            &[b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\netag: x\r\n"],
            false,
        )
        .await;
        assert!(String::from_utf8_lossy(&chunked).ends_with("3\r\netag: x\r\n"));
    }
}
