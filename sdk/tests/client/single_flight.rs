//! One login per ticket generation, whatever happens to the callers waiting for it: time limits
//! running out, futures dropped, a hanging, failing or panicking signature source.

use std::sync::atomic::Ordering;
use std::time::Duration;

use cme_sdk::{
    AuthError, CallOptions, Client, Error, ErrorKind, RetryPolicy, TimeoutKind, Validity,
};
use futures_util::future::join_all;

use crate::support::*;

/// `n` concurrent calls of `Test/Probe` on `client` with `options`, each in its own task.
async fn burst(client: &Client, n: usize, options: &CallOptions) -> Vec<Result<ProbeData, Error>> {
    let calls = (0..n).map(|_| {
        let client = client.clone();
        let options = options.clone();
        tokio::spawn(async move { client.execute_with(&Probe::default(), &options).await })
    });
    join_all(calls)
        .await
        .into_iter()
        .map(|joined| joined.expect("no call panics"))
        .collect()
}

/// A fake whose logins take `delay`.
async fn slow_login(delay: Duration) -> Fake {
    Fake::builder(|_| Reply::ok(serde_json::json!({"Note": "ok"})))
        .login_delay(delay)
        .start()
        .await
}

fn timeout(limit: Duration) -> CallOptions {
    CallOptions::new().timeout(limit)
}

#[tokio::test(start_paused = true)]
async fn a_hanging_source_is_asked_once_by_a_thousand_callers_with_short_timeouts() {
    let (source, asked) = scripted_source(|_| std::future::pending());
    let client = Client::builder()
        .endpoint(closed_port_url().await)
        .signature_source(source)
        .build()
        .unwrap();
    for _ in 0..2 {
        for result in burst(&client, 1000, &timeout(Duration::from_millis(10))).await {
            let err = result.unwrap_err();
            assert!(
                matches!(err.kind(), ErrorKind::Timeout(TimeoutKind::Call(limit)) if *limit == Duration::from_millis(10)),
                "{err:?}"
            );
        }
    }
    assert_eq!(asked.load(Ordering::SeqCst), 1, "one login for all");

    // A caller with more time than the login's own limit (the client's 90 s) gets the login's
    // timeout, shared, not a second try.
    let err = client
        .execute_with(&Probe::default(), &timeout(Duration::from_secs(1000)))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Timeout(TimeoutKind::Call(limit)) if *limit == Duration::from_secs(90)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Test/Probe failed: login: call timed out after 90s"
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_login_endpoint_gets_one_login_request() {
    let fake = slow_login(Duration::from_millis(600)).await;
    let (source, asked) =
        scripted_source(|_| async { Ok(signer().login(PLATFORM, "user_001", Validity::DEFAULT)) });
    let client = fake.client().signature_source(source).build().unwrap();
    // Bursts of callers that give up long before the login ends.
    for _ in 0..3 {
        for result in burst(&client, 100, &timeout(Duration::from_millis(20))).await {
            assert!(result.unwrap_err().is_timeout());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A patient caller gets the ticket of that same login.
    client.execute(&Probe::default()).await.unwrap();
    assert_eq!(fake.login_requests(), 1);
    assert_eq!(fake.logins(), 1);
    assert_eq!(asked.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_fifty_of_fifty_one_callers_mid_login_does_not_restart_it() {
    let fake = slow_login(Duration::from_millis(300)).await;
    let client = fake.client().build().unwrap();
    let mut calls: Vec<_> = (0..51)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.execute(&Probe::default()).await })
        })
        .collect();
    while fake.login_requests() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let survivor = calls.pop().unwrap();
    for call in &calls {
        call.abort();
    }
    for call in calls {
        assert!(call.await.unwrap_err().is_cancelled());
    }
    let data = survivor.await.unwrap().unwrap();
    assert_eq!(data.note.as_deref(), Some("ok"));
    assert_eq!(fake.login_requests(), 1);
    assert_eq!(
        client.current_ticket().unwrap().expose_secret(),
        format!("{TICKET_PREFIX}1")
    );
}

#[tokio::test(start_paused = true)]
async fn a_failing_source_is_asked_once_per_backoff_window() {
    let (source, asked) = scripted_source(|_| async { Err("backend unavailable".into()) });
    let client = Client::builder()
        .endpoint(closed_port_url().await)
        .signature_source(source)
        // The login backs off like the retries: 1 s after one failure, then 2 s, …
        .retry(
            RetryPolicy::new()
                .with_base_delay(Duration::from_secs(1))
                .with_max_delay(Duration::from_secs(8)),
        )
        .build()
        .unwrap();
    let check = |results: Vec<Result<ProbeData, Error>>| {
        for result in results {
            let err = result.unwrap_err();
            assert!(
                matches!(err.kind(), ErrorKind::Auth(AuthError::SignatureSource)),
                "{err:?}"
            );
            assert_eq!(
                err.to_string(),
                "Test/Probe failed: authentication failed: the signature source failed: \
                 backend unavailable"
            );
        }
    };
    let options = CallOptions::new();
    // (time from the first failure in ms, calls of the source after a burst at that time)
    let script = [
        (0, 1),
        (500, 1),
        (999, 1),
        (1000, 2),
        (2500, 2),
        (2999, 2),
        (3000, 3),
    ];
    let start = tokio::time::Instant::now();
    for (at, expected) in script {
        tokio::time::advance((start + Duration::from_millis(at)) - tokio::time::Instant::now())
            .await;
        check(burst(&client, 100, &options).await);
        assert_eq!(asked.load(Ordering::SeqCst), expected, "at {at} ms");
    }
    // While backing off, a call says how long is left.
    let err = client.execute(&Probe::default()).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(4)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_source_is_an_error_for_every_waiter() {
    let fake = Fake::ok().await;
    let (source, asked) = scripted_source(|_| async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        panic!("the signing backend client broke")
    });
    let client = fake.client().signature_source(source).build().unwrap();
    // Guarded only against a hang: a waiter stuck forever fails here instead of blocking CI.
    let results = tokio::time::timeout(
        Duration::from_secs(60),
        burst(&client, 20, &CallOptions::new()),
    )
    .await
    .expect("no waiter hangs");
    for result in results {
        let err = result.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::Auth(AuthError::SignatureSource)),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "Test/Probe failed: authentication failed: the signature source failed: \
             panicked: the signing backend client broke"
        );
    }
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert_eq!(fake.login_requests(), 0);
}
