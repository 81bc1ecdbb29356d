//! File descriptors per connection, counted in `/proc/self/fd` (Linux). Alone in its test binary:
//! other tests opening sockets at the same time would change the count.

#![cfg(target_os = "linux")]

use std::time::Duration;

use cme_emulator::{Emulator, FaultSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CONNECTIONS: usize = 64;

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// Sends a request and reads until `end` (or the close); returns what was read.
async fn exchange(stream: &mut TcpStream, request: &[u8], end: &[u8]) -> Vec<u8> {
    stream.write_all(request).await.expect("write");
    let mut reply = Vec::new();
    let mut buf = [0u8; 1024];
    while !reply.ends_with(end) {
        let read = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buf))
            .await
            .expect("not held");
        match read {
            Ok(0) | Err(_) => break,
            Ok(n) => reply.extend_from_slice(&buf[..n]),
        }
    }
    reply
}

const HEALTH: &[u8] = b"GET /_emulator/health HTTP/1.1\r\nHost: emulator\r\n\r\n";
const OK: &[u8] = br#"{"Status":"ok"}"#;

/// Waits until the count of open descriptors is `expected` (the server closes its side in its own
/// time); returns the last count.
async fn settle(expected: usize) -> usize {
    for _ in 0..500 {
        if open_descriptors() == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    open_descriptors()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_costs_the_server_one_descriptor() {
    let emu = Emulator::builder().start().await.expect("start");
    let before = open_descriptors();
    let mut streams = Vec::new();
    for _ in 0..CONNECTIONS {
        let mut stream = TcpStream::connect(emu.local_addr()).await.expect("connect");
        let reply = exchange(&mut stream, HEALTH, OK).await;
        assert!(reply.ends_with(OK), "{}", String::from_utf8_lossy(&reply));
        streams.push(stream);
    }
    // each idle connection: the client's socket and the server's, nothing more
    assert_eq!(
        settle(before + 2 * CONNECTIONS).await,
        before + 2 * CONNECTIONS
    );

    // a dropped connection closes the server's one descriptor and sends nothing
    emu.inject(FaultSpec::drop_connection().login().times(1));
    let mut dropped = streams.pop().expect("a connection");
    let reply = exchange(
        &mut dropped,
        b"GET /?signature=x HTTP/1.1\r\nHost: e\r\n\r\n",
        b"\n",
    )
    .await;
    assert_eq!(reply, b"", "{}", String::from_utf8_lossy(&reply));
    drop(dropped);
    assert_eq!(
        settle(before + 2 * (CONNECTIONS - 1)).await,
        before + 2 * (CONNECTIONS - 1)
    );

    // the others still work; closing them frees both sides
    for stream in &mut streams {
        assert!(exchange(stream, HEALTH, OK).await.ends_with(OK));
    }
    drop(streams);
    assert_eq!(settle(before).await, before);
    emu.shutdown().await;
}
