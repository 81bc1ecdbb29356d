//! The accept loop. Each connection is served by hyper's HTTP/1 in a task of its own, with a
//! header read timeout (which also closes idle keep-alive connections), under a cap on the
//! connections served at once, with a handle through which a request can drop its own connection
//! (fault injection) without a second file descriptor, and with graceful shutdown.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch, Notify, OwnedSemaphorePermit, Semaphore};
use tower_service::Service;

use crate::header_case::{CosHeaderCase, HeadFlag};

/// How connections are limited.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    /// Time to send a request head; an idle keep-alive connection is closed after it too.
    pub(crate) header_read_timeout: Duration,
    /// Connections served at once.
    pub(crate) max_connections: usize,
    /// The whole HTTP reply (head and body) to a connection past the cap.
    pub(crate) over_capacity: Vec<u8>,
    /// Whether response header names are written as COS writes them (`ETag`, ...).
    pub(crate) cos_header_case: bool,
}

/// A request's handle on the connection it came on (a request extension).
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    dropping: Arc<Notify>,
    head: HeadFlag,
}

impl Connection {
    /// Tells the connection whether the response being made answers a HEAD request (for the
    /// COS listener's header case; see [`crate::header_case`]).
    pub(crate) fn answering_head(&self, head: bool) {
        self.head.set(head);
    }

    /// Makes the connection's task drop the connection, which closes its socket without a reply.
    /// The handler that asks for it should not return (it is dropped with the connection), so
    /// that no reply is written before the connection goes.
    pub(crate) fn drop_it(&self) {
        self.dropping.notify_one();
    }
}

/// Serves `router` on `listener` until `stop` fires (or its sender is dropped), then stops
/// accepting, lets every connection finish the request it is serving, and returns when all are
/// closed.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    mut stop: oneshot::Receiver<()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    // Dropping the sender tells every connection to shut down gracefully.
    let (closing, closed) = watch::channel(());
    loop {
        let stream = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    pause_after(&e).await;
                    continue;
                }
            },
        };
        match Arc::clone(&slots).try_acquire_owned() {
            Ok(slot) => {
                // Replies are written whole; waiting to coalesce them only adds latency.
                let _ = stream.set_nodelay(true);
                let head = HeadFlag::default();
                let (router, timeout, closed) =
                    (router.clone(), limits.header_read_timeout, closed.clone());
                if limits.cos_header_case {
                    let stream = CosHeaderCase::new(stream, head.clone());
                    tokio::spawn(serve_connection(
                        stream, head, router, timeout, closed, slot,
                    ));
                } else {
                    tokio::spawn(serve_connection(
                        stream, head, router, timeout, closed, slot,
                    ));
                }
            }
            Err(_) => turn_away(stream, &limits.over_capacity),
        }
    }
    drop(listener);
    drop(closing);
    // every connection holds a slot until it is closed
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
}

/// After a failed `accept`: nothing to wait for when it was the client's connection that failed;
/// otherwise (out of file descriptors, say) a short pause, so the loop does not spin while the
/// condition lasts.
async fn pause_after(error: &io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        tracing::warn!("cme-emulator: cannot accept a connection: {error}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Serves one connection until it closes, it is dropped through its [`Connection`] handle, or
/// the server shuts down (then after the request in progress, if any).
async fn serve_connection<S>(
    stream: S,
    head: HeadFlag,
    router: Router,
    header_read_timeout: Duration,
    mut closing: watch::Receiver<()>,
    _slot: OwnedSemaphorePermit,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let drop_signal = Arc::new(Notify::new());
    let handle = Connection {
        dropping: Arc::clone(&drop_signal),
        head,
    };
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(handle.clone());
        router.clone().call(request)
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let dropped = drop_signal.notified();
    tokio::pin!(dropped);
    tokio::select! {
        () = &mut dropped => return,
        _ = connection.as_mut() => return,
        _ = closing.changed() => connection.as_mut().graceful_shutdown(),
    }
    tokio::select! {
        () = dropped => {}
        _ = connection => {}
    }
}

/// Answers a connection past the cap with `reply` and closes it, without waiting on the client.
fn turn_away(stream: TcpStream, reply: &[u8]) {
    let Ok(mut stream) = stream.into_std() else {
        return;
    };
    // A fresh socket's send buffer takes a short reply whole, even without blocking.
    let _ = stream.write_all(reply);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    // What the client already sent is read, so that closing does not reset the connection (and
    // lose the reply) when there is nothing more; a bounded number of reads, never a wait.
    let mut buf = [0u8; 4096];
    for _ in 0..16 {
        match stream.read(&mut buf) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
    }
}
