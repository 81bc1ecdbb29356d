//! Odd and hostile replies: a `Code` next to a `Response`, bytes that are not UTF-8, replies
//! larger than the client's limit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cme_sdk::{Client, ErrorKind, RetryPolicy, Ticket};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::support::*;

#[tokio::test]
async fn a_ticket_invalid_code_next_to_a_response_member_logs_in_again() {
    let fake = Fake::builder(|seen| match seen.n {
        1 => Reply::Json(
            200,
            json!({"Code": "AuthFailure.SessionInvalid", "Response": {}}),
        ),
        _ => Reply::ok(json!({"Note": "again"})),
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    let data = client.execute(&Probe::default()).await.unwrap();
    assert_eq!(data.note.as_deref(), Some("again"));
    assert_eq!(fake.logins(), 2, "the refused ticket was renewed");
}

#[tokio::test]
async fn an_error_code_next_to_a_response_member_is_an_error() {
    let fake = Fake::builder(|_| {
        Reply::Json(
            200,
            json!({"Code": "InternalError", "Response": {"Note": "?"}}),
        )
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    let err = client.execute(&Create::default()).await.unwrap_err();
    assert_eq!(err.code().unwrap().as_str(), "InternalError", "{err:?}");
}

#[tokio::test]
async fn a_ticket_invalid_code_with_a_gbk_message_logs_in_again() {
    let fake = Fake::builder(|seen| match seen.n {
        1 => Reply::Bytes(
            200,
            [
                &br#"{"Code":"AuthFailure.SessionInvalid","Message":""#[..],
                // "登录态失效" in GBK.
                b"\xb5\xc7\xc2\xbc\xcc\xac\xca\xa7\xd0\xa7",
                br#"","Data":{"K":1e999}}"#,
            ]
            .concat(),
        ),
        _ => Reply::ok(json!({"Note": "again"})),
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    let data = client.execute(&Probe::default()).await.unwrap();
    assert_eq!(data.note.as_deref(), Some("again"));
    assert_eq!(fake.logins(), 2, "the refused ticket was renewed");
}

#[tokio::test]
async fn a_reply_past_the_maximum_size_is_a_typed_error() {
    let fake = Fake::builder(|seen| match seen.n {
        1 => Reply::ok(json!({"Note": "x".repeat(2000)})),
        2 => Reply::ok(json!({"Note": "x".repeat(900)})),
        _ => Reply::Raw {
            status: 503,
            content_type: "text/html",
            headers: vec![],
            body: format!("<html>{}</html>", "busy ".repeat(1000)),
        },
    })
    .start()
    .await;
    let client = fake
        .client()
        .max_reply_size(1024)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    client.login().await.unwrap();

    let err = client.execute(&Probe::default()).await.unwrap_err();
    let ErrorKind::Decode(decode) = err.kind() else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path, None);
    assert_eq!(decode.http_status, 200);
    assert_eq!(
        err.to_string(),
        "Test/Probe failed: cannot decode the reply: the reply is larger than the client's \
         maximum reply size (1024 bytes)"
    );
    assert!(!err.is_retryable());

    // At the limit is fine.
    let data = client.execute(&Probe::default()).await.unwrap();
    assert_eq!(data.note.map(|n| n.len()), Some(900));

    // An error status keeps its meaning: an HTTP error, retryable as its status says.
    let err = client.execute(&Probe::default()).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Http(h) if h.status == 503),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

/// A server that answers every request with a 200 whose body never ends, and counts the bytes it
/// managed to send. With `declared`, the head announces that many bytes instead of chunks.
async fn endless_server(declared: Option<u64>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let head = match declared {
                    Some(len) => format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n\r\n"),
                    None => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned(),
                };
                let chunk = if declared.is_some() {
                    vec![b' '; 16 << 10]
                } else {
                    [&b"4000\r\n"[..], &[b' '; 16 << 10], b"\r\n"].concat()
                };
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                while stream.write_all(&chunk).await.is_ok() {
                    counter.fetch_add(chunk.len(), Ordering::SeqCst);
                }
            });
        }
    });
    (url, sent)
}

#[tokio::test]
async fn an_endless_reply_fails_at_the_limit_without_reading_on() {
    for declared in [None, Some(1 << 40)] {
        let (url, sent) = endless_server(declared).await;
        let client = Client::builder()
            .endpoint(&url)
            .ticket(Ticket::new("tf_given"))
            .max_reply_size(1 << 20)
            .attempt_timeout(Duration::from_secs(10))
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let err = client.execute(&Probe::default()).await.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Decode(d) if d.message.contains("(1048576 bytes)")),
            "{declared:?}: {err:?}"
        );
        // The connection was dropped: the server could send little more than the limit (and
        // what the socket buffers hold).
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(sent.load(Ordering::SeqCst) < 64 << 20, "{declared:?}");
    }
}

#[test]
fn a_zero_maximum_reply_size_is_refused() {
    let err = Client::builder()
        .ticket(Ticket::new("t"))
        .max_reply_size(0)
        .build()
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config(_)), "{err:?}");
}
