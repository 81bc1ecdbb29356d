//! Slow, stuck and surplus clients over raw TCP: a silent connection, a head that never ends, a
//! body that never comes or trickles, absurd chunk sizes, bare CRLFs, more connections than the
//! cap. Each is answered (the envelope, where an HTTP reply is still possible) or closed: never
//! held. The timeouts are short here; the bound on each wait only proves "closed, not held".

mod common;

use std::time::Duration;

use cme_emulator::{Emulator, EmulatorBuilder, RunningEmulator, DEMO_USER_ID};
use common::Harness;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Far longer than any timeout set here: reaching it means the connection was held.
const HELD: Duration = Duration::from_secs(20);

/// An emulator with short timeouts.
fn short() -> EmulatorBuilder {
    Emulator::builder()
        .header_read_timeout(Duration::from_millis(300))
        .body_read_timeout(Duration::from_millis(300))
}

async fn connect(emu: &RunningEmulator) -> TcpStream {
    TcpStream::connect(emu.local_addr()).await.expect("connect")
}

/// Everything the server sends until it closes the connection (a reset counts as a close).
/// Panics if the connection is still open after [`HELD`].
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(HELD, read)
        .await
        .expect("the connection was held open");
    received
}

/// Sends `bytes` every 20 ms, each in time for any timeout, until the server closes the
/// connection. Panics if it is still open after [`HELD`].
async fn trickle(stream: &mut TcpStream, bytes: &[u8]) {
    let send = async {
        while stream.write_all(bytes).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(HELD, send)
        .await
        .expect("the connection was held open");
}

/// A reply's status and its body as JSON.
fn parse(reply: &[u8]) -> (u16, Value) {
    let text = String::from_utf8_lossy(reply);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP reply: {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {head:?}"));
    assert!(
        head.to_ascii_lowercase().contains("connection: close"),
        "the reply announces the close: {head:?}"
    );
    let body = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"));
    (status, body)
}

/// Sends `head` (and whatever body follows it), then stops sending; returns the reply.
async fn stall_after(emu: &RunningEmulator, bytes: &[u8]) -> Vec<u8> {
    let mut stream = connect(emu).await;
    stream.write_all(bytes).await.expect("write");
    until_closed(&mut stream).await
}

/// Asserts a 408 with the envelope.
#[track_caller]
fn assert_timed_out(reply: &[u8]) {
    let (status, body) = parse(reply);
    assert_eq!(status, 408, "{body}");
    assert_eq!(body["Code"], "InvalidRequest", "{body}");
    assert!(
        body["EnglishMessage"]
            .as_str()
            .is_some_and(|m| m.contains("body")),
        "{body}"
    );
}

#[tokio::test]
async fn a_silent_connection_is_closed() {
    let emu = short().start().await.expect("start");
    let mut stream = connect(&emu).await;
    assert_eq!(until_closed(&mut stream).await, b"");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_head_that_never_ends_is_closed() {
    let emu = short().start().await.expect("start");
    let reply = stall_after(
        &emu,
        b"POST /PaaS/Material/ListMedia?auth=x HTTP/1.1\r\nHost: emulator\r\nContent-Le",
    )
    .await;
    assert_eq!(reply, b"");
    // trickled bare CRLFs before a request line do not keep it open either
    let mut stream = connect(&emu).await;
    trickle(&mut stream, b"\r\n").await;
    emu.shutdown().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let emu = short().start().await.expect("start");
    let mut stream = connect(&emu).await;
    stream
        .write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: emulator\r\n\r\n")
        .await
        .expect("write");
    let reply = until_closed(&mut stream).await;
    let text = String::from_utf8_lossy(&reply);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains(r#"{"Status":"ok"}"#), "{text}");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_body_that_never_comes_gets_408() {
    let h = Harness::with(short()).await;
    let ticket = h.login(DEMO_USER_ID).await;
    let head = |length: &str| {
        format!(
            "POST /PaaS/Material/DeleteMaterial?auth={ticket} HTTP/1.1\r\nHost: emulator\r\n\
             Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        )
    };
    // announced larger than the body limit, never sent
    let reply = stall_after(&h.emu, head("1000000000000").as_bytes()).await;
    let (status, body) = parse(&reply);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Code"], "RequestSizeLimitExceeded", "{body}");
    // within the limit, partly sent
    let reply = stall_after(&h.emu, format!("{}{{\"Mat", head("40")).as_bytes()).await;
    assert_timed_out(&reply);
    // 1 byte at a time, each in time, the whole too slow
    let mut stream = connect(&h.emu).await;
    stream
        .write_all(head("1000").as_bytes())
        .await
        .expect("write");
    trickle(&mut stream, b" ").await;
    assert_timed_out(&until_closed(&mut stream).await);
    assert_eq!(h.emu.stats().executed("Material/DeleteMaterial"), 0);
    h.emu.shutdown().await;
}

#[tokio::test]
async fn absurd_chunks_get_408_or_a_refusal() {
    let h = Harness::with(short()).await;
    let ticket = h.login(DEMO_USER_ID).await;
    let head = format!(
        "POST /PaaS/Material/DeleteMaterial?auth={ticket} HTTP/1.1\r\nHost: emulator\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    // a chunk of 2^64 - 1 bytes, a few of them sent
    let reply = stall_after(&h.emu, format!("{head}ffffffffffffffff\r\n{{}}").as_bytes()).await;
    assert_timed_out(&reply);
    // a chunk size past 64 bits: refused as a broken body
    let reply = stall_after(&h.emu, format!("{head}1ffffffffffffffff\r\n").as_bytes()).await;
    let (status, body) = parse(&reply);
    assert_eq!(
        (status, body["Code"].as_str()),
        (200, Some("InvalidRequest"))
    );
    // bare CRLFs: an empty body (a zero-size chunk), answered; more CRLFs then idle out
    let mut stream = connect(&h.emu).await;
    stream.write_all(head.as_bytes()).await.expect("write");
    trickle(&mut stream, b"\r\n").await;
    assert_eq!(h.emu.stats().received("Material/DeleteMaterial"), 3);
    h.emu.shutdown().await;
}

#[tokio::test]
async fn a_reply_that_needs_no_body_does_not_wait_for_it() {
    let h = Harness::with(short().body_read_timeout(HELD * 2)).await;
    // the login reads no body: answered at once, then the unread body ends the connection
    let reply = stall_after(
        &h.emu,
        b"GET /?signature=x HTTP/1.1\r\nHost: emulator\r\nContent-Length: 1000000000000\r\n\r\n",
    )
    .await;
    let text = String::from_utf8_lossy(&reply);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("AuthFailure.SignatureFailure"), "{text}");
    h.emu.shutdown().await;
}

#[tokio::test]
async fn the_admin_routes_time_out_bodies_too() {
    let emu = short().start().await.expect("start");
    let reply = stall_after(
        &emu,
        b"POST /_emulator/faults HTTP/1.1\r\nHost: emulator\r\nContent-Length: 100\r\n\r\n{\"Kind\"",
    )
    .await;
    assert_timed_out(&reply);
    assert!(emu.faults().is_empty());
    emu.shutdown().await;
}

/// Sends a health check on `stream` and reads its reply (the connection stays open).
async fn health(stream: &mut TcpStream) {
    stream
        .write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: emulator\r\n\r\n")
        .await
        .expect("write");
    let mut reply = Vec::new();
    let mut buf = [0u8; 1024];
    while !reply.ends_with(br#"{"Status":"ok"}"#) {
        let n = tokio::time::timeout(HELD, stream.read(&mut buf))
            .await
            .expect("a reply")
            .expect("read");
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&reply));
        reply.extend_from_slice(&buf[..n]);
    }
}

#[tokio::test]
async fn connections_past_the_cap_get_503_and_are_closed() {
    let emu = Emulator::builder()
        .max_connections(3)
        .start()
        .await
        .expect("start");
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = connect(&emu).await;
        health(&mut stream).await;
        held.push(stream);
    }
    for _ in 0..2 {
        let reply = stall_after(
            &emu,
            b"GET /_emulator/health HTTP/1.1\r\nHost: emulator\r\n\r\n",
        )
        .await;
        let (status, body) = parse(&reply);
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["Code"], "RequestLimitExceeded", "{body}");
        assert!(
            body["EnglishMessage"]
                .as_str()
                .is_some_and(|m| m.contains('3')),
            "{body}"
        );
    }
    // the connections within the cap still work
    for stream in &mut held {
        health(stream).await;
    }
    // once one closes, a new connection is served
    drop(held.pop());
    let mut served = false;
    for _ in 0..200 {
        let mut stream = connect(&emu).await;
        stream
            .write_all(
                b"GET /_emulator/health HTTP/1.1\r\nHost: emulator\r\nConnection: close\r\n\r\n",
            )
            .await
            .expect("write");
        if String::from_utf8_lossy(&until_closed(&mut stream).await).starts_with("HTTP/1.1 200") {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(served, "a freed slot is used again");
    emu.shutdown().await;
}

#[tokio::test]
async fn shutdown_does_not_wait_for_stuck_clients() {
    let emu = short().start().await.expect("start");
    let mut silent = connect(&emu).await;
    let mut stalled = connect(&emu).await;
    stalled
        .write_all(
            b"POST /_emulator/faults HTTP/1.1\r\nHost: emulator\r\nContent-Length: 100\r\n\r\n",
        )
        .await
        .expect("write");
    tokio::time::timeout(HELD, emu.shutdown())
        .await
        .expect("shutdown finished");
    until_closed(&mut silent).await;
    until_closed(&mut stalled).await;
}
