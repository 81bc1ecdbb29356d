//! Retries, backoff, Retry-After and timeouts.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cme_sdk::{CallOptions, Client, ErrorKind, RetryPolicy, Ticket, TimeoutKind};
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use crate::support::*;

fn html(status: u16) -> Reply {
    Reply::Raw {
        status,
        content_type: "text/html",
        headers: vec![],
        body: format!("<html><head><title>{status}</title></head><body>nginx</body></html>"),
    }
}

#[tokio::test]
async fn a_503_is_retried_then_succeeds() {
    let fake = Fake::builder(|seen| {
        if seen.n == 1 {
            html(503)
        } else {
            Reply::ok(json!({"Note": "second"}))
        }
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    let data = client.execute(&Probe::default()).await.unwrap();
    assert_eq!(data.note.as_deref(), Some("second"));
    assert_eq!(fake.requests(), 2);
}

#[tokio::test]
async fn a_503_is_not_retried_for_a_non_idempotent_action() {
    // A gateway may answer 503 after the service ran the request: replaying could run it twice.
    let fake = Fake::builder(|_| html(503)).start().await;
    let client = fake.client().build().unwrap();
    let err = client.execute(&Create::default()).await.unwrap_err();
    assert_eq!(err.http_status(), Some(503));
    assert!(!err.is_retryable());
    assert_eq!(fake.requests(), 1);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    // The ticket is in the query: following a redirect would hand it to another host.
    let fake = Fake::builder(|_| Reply::Raw {
        status: 307,
        content_type: "text/plain",
        headers: vec![("location", "http://127.0.0.1:9/elsewhere".into())],
        body: String::new(),
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    let err = client.execute(&Probe::default()).await.unwrap_err();
    assert_eq!(err.http_status(), Some(307), "{err:?}");
    assert_eq!(fake.requests(), 1);
}

#[tokio::test]
async fn a_429_waits_for_retry_after() {
    let fake = Fake::builder(|seen| {
        if seen.n == 1 {
            Reply::Raw {
                status: 429,
                content_type: "application/json",
                headers: vec![("retry-after", "1".into())],
                body: json!({"Code": "RequestLimitExceeded", "Message": "请求过于频繁"})
                    .to_string(),
            }
        } else {
            Reply::ok(json!({}))
        }
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    let started = Instant::now();
    client.execute(&Probe::default()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "waited {:?}, less than Retry-After",
        started.elapsed()
    );
    assert_eq!(fake.requests(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_fails_at_once() {
    let fake = Fake::builder(|_| Reply::Raw {
        status: 429,
        content_type: "application/json",
        headers: vec![("retry-after", "3600".into())],
        body: json!({"Code": "RequestLimitExceeded", "Message": "请求过于频繁"}).to_string(),
    })
    .start()
    .await;
    let client = fake
        .client()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.execute(&Probe::default()).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "it did not wait"
    );
    assert_eq!(err.http_status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(err.is_retryable());
    assert_eq!(err.attempts(), 1);
    assert_eq!(
        err.to_string(),
        "Test/Probe failed: RequestLimitExceeded: 请求过于频繁 [HTTP 429]"
    );
}

#[tokio::test]
async fn retryable_codes_follow_idempotency() {
    // InternalError may be retried only for idempotent actions.
    let fake =
        Fake::builder(|_| Reply::error(200, "InternalError", "服务器内部错误", "system error"))
            .start()
            .await;
    let client = fake.client().build().unwrap();
    let err = client.execute(&Probe::default()).await.unwrap_err();
    assert_eq!((err.attempts(), fake.requests()), (3, 3));
    assert_eq!(
        err.to_string(),
        "Test/Probe failed: InternalError: system error (服务器内部错误) (after 3 attempts)"
    );
    let err = client.execute(&Create::default()).await.unwrap_err();
    assert!(!err.is_retryable());
    assert_eq!((err.attempts(), fake.requests()), (1, 4));

    // So are the other InternalError-class codes, known or not.
    for code in ["InternalError.CreateTask", "InternalError.Storage"] {
        let fake = Fake::builder(move |_| Reply::error(200, code, "", ""))
            .start()
            .await;
        let client = fake.client().build().unwrap();
        let err = client.execute(&Probe::default()).await.unwrap_err();
        assert!(err.is_retryable(), "{code}");
        assert_eq!((err.attempts(), fake.requests()), (3, 3), "{code}");
        let err = client.execute(&Create::default()).await.unwrap_err();
        assert!(!err.is_retryable(), "{code}");
        assert_eq!(fake.requests(), 4, "{code}");
    }

    // RequestLimitExceeded may come after the action ran (no code is documented not to have
    // run): retried for idempotent actions only.
    let fake = Fake::builder(|seen| {
        if seen.n < 3 {
            Reply::error(200, "RequestLimitExceeded", "请求过于频繁", "")
        } else {
            Reply::ok(json!({}))
        }
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    client.execute(&Probe::default()).await.unwrap();
    assert_eq!(fake.requests(), 3);
    let fake = Fake::builder(|_| Reply::error(200, "RequestLimitExceeded", "请求过于频繁", ""))
        .start()
        .await;
    let client = fake.client().build().unwrap();
    let err = client.execute(&Create::default()).await.unwrap_err();
    assert!(!err.is_retryable());
    assert_eq!((err.attempts(), fake.requests()), (1, 1));
}

/// A `CreateClass` that the service runs and then answers with HTTP 429: a fake that counts the
/// classes it created.
#[cfg(feature = "material")]
#[tokio::test]
async fn a_create_class_answered_429_after_it_ran_is_sent_once() {
    use cme_sdk::material::CreateClassRequest;
    use cme_sdk::types::{Entity, EntityType};

    let created = Arc::new(AtomicUsize::new(0));
    let counter = created.clone();
    let fake = Fake::builder(move |seen| {
        assert_eq!(seen.name, "CreateClass");
        counter.fetch_add(1, Ordering::SeqCst);
        Reply::Raw {
            status: 429,
            content_type: "application/json",
            headers: vec![("retry-after", "0".into())],
            body: json!({"Code": "RequestLimitExceeded", "Message": "请求过于频繁",
                         "Data": {"ClassId": 12}})
            .to_string(),
        }
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    let owner = Entity::new(EntityType::Person, "user_001");
    let err = client
        .execute(&CreateClassRequest::new(9, "Clips", owner))
        .await
        .unwrap_err();
    assert_eq!(err.http_status(), Some(429), "{err:?}");
    assert_eq!(err.code().map(|c| c.as_str()), Some("RequestLimitExceeded"));
    assert!(!err.is_retryable());
    assert_eq!(err.attempts(), 1);
    assert_eq!(created.load(Ordering::SeqCst), 1, "created once");

    // The same reply without the envelope (a gateway's 429) is not retried either.
    let fake = Fake::builder(|_| html(429)).start().await;
    let client = fake.client().build().unwrap();
    let err = client.execute(&Create::default()).await.unwrap_err();
    assert_eq!((err.http_status(), err.is_retryable()), (Some(429), false));
    assert_eq!(fake.requests(), 1);
}

#[tokio::test]
async fn an_html_502_is_a_typed_error_with_the_status() {
    let fake = Fake::builder(|_| html(502)).start().await;
    let client = fake.client().retry(RetryPolicy::none()).build().unwrap();
    let err = client.execute(&Probe::default()).await.unwrap_err();
    let ErrorKind::Http(http) = err.kind() else {
        panic!("{err:?}");
    };
    assert_eq!(http.status, 502);
    assert!(http.snippet.starts_with("<html><head><title>502"));
    assert_eq!(err.http_status(), Some(502));
    assert!(err.is_retryable());
    assert_eq!(
        err.to_string(),
        "Test/Probe failed: HTTP 502 Bad Gateway: \
         <html><head><title>502</title></head><body>nginx</body></html>"
    );
}

/// Per-call options bounding each attempt by `attempt` (the client's own limits stay generous, so
/// that logging in is never what times out on a busy machine).
fn attempts_of(attempt: Duration) -> CallOptions {
    CallOptions::new().attempt_timeout(attempt)
}

#[tokio::test]
async fn a_hanging_server_hits_the_attempt_timeout() {
    let fake = Fake::builder(|_| Reply::Hang).start().await;
    let client = fake.client().retry(RetryPolicy::none()).build().unwrap();
    client.login().await.unwrap();
    let started = Instant::now();
    let err = client
        .execute_with(&Probe::default(), &attempts_of(Duration::from_millis(200)))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(err.is_timeout());
    assert!(matches!(
        err.kind(),
        ErrorKind::Timeout(TimeoutKind::Attempt(limit)) if *limit == Duration::from_millis(200)
    ));
    assert_eq!(
        err.to_string(),
        "Test/Probe failed: attempt timed out after 200ms"
    );
}

#[tokio::test]
async fn a_hanging_server_hits_the_whole_call_timeout() {
    let fake = Fake::builder(|_| Reply::Hang).start().await;
    let client = fake.client().build().unwrap();
    client.login().await.unwrap();
    let started = Instant::now();
    let err = client
        .execute_with(
            &Probe::default(),
            &CallOptions::new()
                .timeout(Duration::from_millis(300))
                .attempt_timeout(Duration::from_secs(60)),
        )
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(
        matches!(err.kind(), ErrorKind::Timeout(TimeoutKind::Call(_))),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Test/Probe failed: call timed out after 300ms"
    );
}

#[tokio::test]
async fn the_whole_call_timeout_bounds_retries() {
    let fake = Fake::builder(|_| Reply::Hang).start().await;
    let client = fake.client().build().unwrap();
    client.login().await.unwrap();
    let started = Instant::now();
    let options = attempts_of(Duration::from_millis(50))
        .timeout(Duration::from_millis(600))
        .retry(
            RetryPolicy::new()
                .with_max_attempts(1000)
                .with_base_delay(Duration::from_millis(1)),
        );
    let err = client
        .execute_with(&Probe::default(), &options)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(err.is_timeout(), "{err:?}");
    assert!(fake.requests() >= 2, "retried within the budget");
}

#[tokio::test]
async fn after_a_post_send_timeout_only_idempotent_calls_are_retried() {
    let fake = Fake::builder(|_| Reply::Hang).start().await;
    let client = fake.client().build().unwrap();
    client.login().await.unwrap();
    let options = attempts_of(Duration::from_millis(100));
    let err = client
        .execute_with(&Create::default(), &options)
        .await
        .unwrap_err();
    assert!(err.is_timeout() && !err.is_retryable());
    assert_eq!(fake.requests(), 1, "a non-idempotent call is not retried");

    let err = client
        .execute_with(&Probe::default(), &options)
        .await
        .unwrap_err();
    assert!(err.is_timeout() && err.is_retryable());
    assert_eq!(err.attempts(), 3);
    assert_eq!(fake.requests(), 4, "an idempotent call is retried");
}

#[tokio::test]
async fn a_login_that_times_out_is_retried_even_for_a_non_idempotent_call() {
    let fake = Fake::builder(|_| Reply::ok(json!({})))
        .login_delay(Duration::from_secs(30))
        .start()
        .await;
    // The login is shared by all calls, so the client's limits bound it, not one call's.
    let client = fake
        .client()
        .attempt_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = client.execute(&Create::default()).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Timeout(TimeoutKind::Attempt(_))),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 3, "three login attempts");
    assert!(err.is_retryable(), "nothing reached the API");
    assert_eq!(
        err.to_string(),
        "Test/Create failed: login: attempt timed out after 100ms (after 3 attempts)"
    );
    assert_eq!(fake.requests(), 0);
}

/// A server that reads each request, then drops the connection without answering.
async fn dropping_server() -> (String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            drop(stream);
        }
    });
    (url, accepted, task)
}

#[tokio::test]
async fn after_a_dropped_connection_only_idempotent_calls_are_retried() {
    let (url, accepted, server) = dropping_server().await;
    let client = Client::builder()
        .endpoint(&url)
        .ticket(Ticket::new("tf_given"))
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = client.execute(&Create::default()).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Transport(t) if !t.connect),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(accepted.load(Ordering::SeqCst), 1);

    let err = client.execute(&Probe::default()).await.unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(err.attempts(), 3);
    assert_eq!(accepted.load(Ordering::SeqCst), 4);
    assert!(
        err.to_string()
            .starts_with("Test/Probe failed: transport error: "),
        "{err}"
    );
    server.abort();
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_when_not_idempotent() {
    let client = Client::builder()
        .endpoint(closed_port_url().await)
        .ticket(Ticket::new("tf_given"))
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = client.execute(&Create::default()).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Transport(t) if t.connect),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(err.attempts(), 3);
    assert!(std::error::Error::source(&err).is_some());
}
