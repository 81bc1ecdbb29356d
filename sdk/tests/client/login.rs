//! The login exchange, the ticket cache and the single-flight re-login.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cme_sdk::{AuthError, Client, ErrorKind, Signature, SignatureSource, Ticket, Validity};
use futures_util::future::join_all;

use crate::support::*;

#[tokio::test]
async fn logs_in_with_the_current_reply_shape() {
    let fake = Fake::builder(|_| Reply::ok(serde_json::json!({})))
        .shape(LoginShape::Current)
        .start()
        .await;
    let client = fake.client().build().unwrap();
    assert!(client.current_ticket().is_none());
    let data = client.login().await.unwrap();
    assert_eq!(data.authorization, format!("{TICKET_PREFIX}1"));
    assert_eq!(data.app_id, Some(1200000001));
    assert_eq!(data.tf_uid.as_deref(), Some("tf_uid_1"));
    assert_eq!(data.platform.as_deref(), Some(PLATFORM));
    assert_eq!(data.request_id.as_deref(), Some("req-1"));
    assert_eq!(
        client.current_ticket().unwrap().expose_secret(),
        format!("{TICKET_PREFIX}1")
    );
    assert_eq!(fake.logins(), 1);
}

#[tokio::test]
async fn logs_in_with_the_old_reply_shape() {
    let fake = Fake::builder(|_| Reply::ok(serde_json::json!({})))
        .shape(LoginShape::Old)
        .start()
        .await;
    let client = fake.client().build().unwrap();
    let data = client.login().await.unwrap();
    assert_eq!(data.authorization, format!("{TICKET_PREFIX}1"));
    assert_eq!(
        data.app_id,
        Some(1200000001),
        "AppId sent as a string decodes"
    );
    assert_eq!(data.user_id.as_deref(), Some("user_001"));
    client.execute(&Probe::default()).await.unwrap();
    assert_eq!(fake.logins(), 1);
}

fn bad_signature_source() -> SignatureSource {
    let wrong_key = cme_sdk::Signer::new(SECRET_ID, "not-the-key");
    SignatureSource::fixed(wrong_key.login(PLATFORM, "user_001", Validity::DEFAULT))
}

#[tokio::test]
async fn a_refused_login_is_an_auth_error_in_the_current_shape() {
    let fake = Fake::builder(|_| Reply::ok(serde_json::json!({})))
        .shape(LoginShape::Current)
        .start()
        .await;
    let client = fake
        .client()
        .signature_source(bad_signature_source())
        .build()
        .unwrap();
    let err = client.login().await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert!(matches!(
        err.kind(),
        ErrorKind::Auth(AuthError::LoginRefused(_))
    ));
    assert_eq!(
        err.code().unwrap().as_str(),
        "InvalidParameterValue.Platform"
    );
    assert_eq!(
        err.api().unwrap().request_id.as_deref(),
        Some("req-refused")
    );
    assert_eq!(
        err.to_string(),
        "login failed: authentication failed: login refused: \
         InvalidParameterValue.Platform: platform not exist"
    );
    assert!(client.current_ticket().is_none());

    let err = client.execute(&Probe::default()).await.unwrap_err();
    assert!(err.is_auth());
    assert!(err
        .to_string()
        .starts_with("Test/Probe failed: authentication failed: login refused: "));
    assert_eq!(fake.requests(), 0, "no API call without a ticket");
}

#[tokio::test]
async fn a_refused_login_is_an_auth_error_in_the_old_shape() {
    let fake = Fake::builder(|_| Reply::ok(serde_json::json!({})))
        .shape(LoginShape::Old)
        .start()
        .await;
    let client = fake
        .client()
        .signature_source(bad_signature_source())
        .build()
        .unwrap();
    let err = client.execute(&Probe::default()).await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.code().unwrap().as_str(), "SignatureVerifyFail");
    assert_eq!(
        err.to_string(),
        "Test/Probe failed: authentication failed: login refused: \
         SignatureVerifyFail: Signature Verify Fail (签名校验失败)"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn logs_in_lazily_once_and_caches_the_ticket() {
    let fake = Fake::builder(|_| Reply::ok(serde_json::json!({"Note": "ok"})))
        .login_delay(Duration::from_millis(50))
        .start()
        .await;
    let client = fake.client().build().unwrap();
    assert_eq!(fake.logins(), 0, "building the client does not log in");

    // Many first calls at once share one login.
    let calls = (0..30).map(|_| {
        let client = client.clone();
        async move { client.execute(&Probe::default()).await }
    });
    for result in join_all(calls).await {
        assert_eq!(result.unwrap().note.as_deref(), Some("ok"));
    }
    for _ in 0..10 {
        client.execute(&Probe::default()).await.unwrap();
    }
    assert_eq!(fake.logins(), 1);
    assert_eq!(fake.requests(), 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_of_an_invalidated_ticket_log_in_again_once() {
    let fake = Fake::builder(|_| Reply::ok(serde_json::json!({"Note": "ok"})))
        .login_delay(Duration::from_millis(20))
        .start()
        .await;
    let client = fake.client().build().unwrap();
    client.execute(&Probe::default()).await.unwrap();
    assert_eq!(fake.logins(), 1);

    fake.revoke();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.execute(&Probe::default()).await })
        })
        .collect();
    for task in tasks {
        let data = task.await.unwrap().unwrap();
        assert_eq!(data.note.as_deref(), Some("ok"));
    }
    assert_eq!(fake.logins(), 2, "exactly one re-login");
    assert!(
        fake.refused() > 1,
        "several callers saw the old ticket refused"
    );
    assert_eq!(
        client.current_ticket().unwrap().expose_secret(),
        format!("{TICKET_PREFIX}2")
    );
}

#[tokio::test]
async fn a_ticket_refused_again_after_a_fresh_login_is_an_auth_error() {
    let fake = Fake::ok().await;
    let client = fake.client().build().unwrap();
    fake.refuse_all_tickets();
    let err = client.execute(&Probe::default()).await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert!(matches!(
        err.kind(),
        ErrorKind::Auth(AuthError::TicketRefused(_))
    ));
    assert_eq!(err.code().unwrap().as_str(), "AuthFailure.SessionInvalid");
    assert_eq!(err.attempts(), 2);
    assert_eq!(fake.logins(), 2, "the lazy login and one re-login");
    assert_eq!(fake.requests(), 2, "the call and one replay");
    assert_eq!(fake.refused(), 2);
    assert!(err.to_string().starts_with(
        "Test/Probe failed: authentication failed: ticket refused right after a fresh login: \
         AuthFailure.SessionInvalid: "
    ));
}

#[tokio::test]
async fn a_given_ticket_is_used_without_logging_in() {
    let fake = Fake::ok().await;
    // Log in with a first client, hand its ticket to a second one.
    let first = fake.client().build().unwrap();
    first.login().await.unwrap();
    let ticket = first.current_ticket().unwrap();
    let second = Client::builder()
        .endpoint(fake.url())
        .ticket(ticket)
        .build()
        .unwrap();
    second.execute(&Probe::default()).await.unwrap();
    assert_eq!(fake.logins(), 1);

    // Once it is refused, there is no way to log in again.
    fake.revoke();
    let err = second.execute(&Probe::default()).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Auth(AuthError::NoSignatureSource)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_failing_signature_source_is_an_auth_error() {
    let fake = Fake::ok().await;
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let source = SignatureSource::from_fn(move |_action| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                Err("backend unavailable".into())
            } else {
                Ok::<Signature, cme_sdk::BoxError>(signer().login(
                    PLATFORM,
                    "user_001",
                    Validity::from_secs(60).unwrap(),
                ))
            }
        }
    });
    let client = fake.client().signature_source(source).build().unwrap();
    let err = client.execute(&Probe::default()).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Auth(AuthError::SignatureSource)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Test/Probe failed: authentication failed: the signature source failed: backend unavailable"
    );
    let source = std::error::Error::source(&err).expect("the callback's error is the source");
    assert_eq!(source.to_string(), "backend unavailable");

    // The next call after the backoff (1 ms after one failure with `fast_retry`) asks again and
    // succeeds.
    tokio::time::sleep(Duration::from_millis(10)).await;
    client.execute(&Probe::default()).await.unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 2);
    assert_eq!(fake.logins(), 1);
}

#[tokio::test]
async fn an_unreachable_login_endpoint_is_reported_as_a_login_transport_error() {
    let fake = Fake::ok().await;
    let closed = closed_port_url().await;
    let client = fake
        .client()
        .login_endpoint(closed)
        .api_endpoint(fake.url())
        .build()
        .unwrap();
    let err = client.execute(&Probe::default()).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Transport(t) if t.connect),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("Test/Probe failed: login: transport error: "),
        "{err}"
    );
    assert_eq!(fake.requests(), 0);
}

#[tokio::test]
async fn ticket_and_signature_debug_are_redacted() {
    let ticket = Ticket::new("tf_abc");
    assert_eq!(format!("{ticket:?}"), "Ticket(<redacted>)");
    assert_eq!(ticket.expose_secret(), "tf_abc");
    let signature = Signature::from("sig".to_owned());
    assert_eq!(format!("{signature:?}"), "Signature(<redacted>)");
    assert_eq!(
        format!("{:?}", SignatureSource::fixed(signature)),
        "SignatureSource::Fixed(<redacted>)"
    );
}
