//! The ticket, the signature and the secret key never appear in Debug, Display or logs.
//!
//! Its own test binary, alone in its process: `tracing` caches per call site whether anyone
//! listens, and call sites first hit by concurrent tests could be cached as unobserved.

#[allow(dead_code)] // shared with the `client` tests, which use all of it
#[path = "client/support.rs"]
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cme_sdk::{
    CallOptions, Client, Error, RetryPolicy, Signature, SignatureSource, Signer, Validity,
};
use serde_json::json;

use support::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_never_appear_in_errors_debug_or_logs() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let signature = signer().login(PLATFORM, "user_001", Validity::DEFAULT);
    let signature_text = signature.expose_secret().to_owned();

    // The fake echoes the request's query (with the ticket) into its error pages.
    let fake = Fake::builder(|seen| match seen.n {
        1 => Reply::ok(json!({"Note": "ok"})),
        2 => Reply::error(
            200,
            "InvalidParameterValue.MaterialId",
            "媒体不存在",
            "material not exist",
        ),
        3 => Reply::Raw {
            status: 502,
            content_type: "text/html",
            headers: vec![],
            body: format!(
                "<html>upstream failed for /PaaS/Test/Probe?auth={TICKET_PREFIX}1 \
                 {{\"Authorization\": \"{TICKET_PREFIX}1\"}}</html>"
            ),
        },
        4 => Reply::Raw {
            status: 200,
            content_type: "text/plain",
            headers: vec![],
            body: format!("oops {TICKET_PREFIX}1"),
        },
        5 => Reply::ok(json!({"Note": 5})),
        _ => Reply::Hang,
    })
    .start()
    .await;
    let client = fake
        .client()
        .signature_source(SignatureSource::fixed(signature.clone()))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();

    let mut errors: Vec<Error> = Vec::new();
    client.execute(&Probe::default()).await.unwrap();
    let ticket = client.current_ticket().unwrap();
    let quick = CallOptions::new().attempt_timeout(Duration::from_millis(100));
    for _ in 0..5 {
        errors.push(
            client
                .execute_with(&Probe::default(), &quick)
                .await
                .unwrap_err(),
        );
    }
    // A revoked ticket: the re-login sends the signature again, then the call succeeds or fails.
    fake.revoke();
    let _ = client.execute_with(&Probe::default(), &quick).await;
    fake.refuse_all_tickets();
    errors.push(client.execute(&Probe::default()).await.unwrap_err());

    // A refused login (the signature is in the URL) and an unreachable API (the ticket is).
    let wrong =
        Signer::new(SECRET_ID, "wrong").login(PLATFORM, "u", Validity::from_secs(60).unwrap());
    let wrong_text = wrong.expose_secret().to_owned();
    let refused = fake.client().signature(wrong).build().unwrap();
    errors.push(refused.login().await.unwrap_err());
    let unreachable = Client::builder()
        .endpoint(closed_port_url().await)
        .ticket(ticket.clone())
        .signature(signature.clone())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    errors.push(unreachable.execute(&Probe::default()).await.unwrap_err());
    errors.push(unreachable.login().await.unwrap_err());

    assert_eq!(errors.len(), 9);

    let mut shown = String::new();
    for err in &errors {
        shown.push_str(&format!("{err}\n{err:?}\n{err:#?}\n"));
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            shown.push_str(&format!("{s}\n{s:?}\n"));
            source = s.source();
        }
    }
    shown.push_str(&format!(
        "{client:?}\n{ticket:?}\n{signature:?}\n{:?}\n{:?}\n",
        signer(),
        SignatureSource::fixed(Signature::from(signature_text.clone())),
    ));
    let login_data = fake.client().build().unwrap().login().await.unwrap();
    shown.push_str(&format!("{login_data:?}\n"));
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("cme.call"), "the calls were traced:\n{logs}");
    assert!(logs.contains("Test/Probe"), "{logs}");
    assert!(
        logs.contains("attempt finished") && logs.contains("cme.login"),
        "{logs}"
    );

    let encoded = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let forbidden = [
        TICKET_PREFIX.to_owned(),
        ticket.expose_secret().to_owned(),
        SECRET_KEY.to_owned(),
        signature_text.clone(),
        encoded(&signature_text),
        signature_text[..40].to_owned(),
        wrong_text.clone(),
        encoded(&wrong_text),
    ];
    for (what, text) in [("errors and Debug", &shown), ("logs", &logs)] {
        for secret in &forbidden {
            assert!(
                !text.contains(secret.as_str()),
                "a secret leaked into the {what}:\n{text}"
            );
        }
    }
    // The output is still useful.
    assert!(shown.contains("InvalidParameterValue.MaterialId"));
    assert!(shown.contains("HTTP 502"));
    assert!(shown.contains("<redacted>"));
}
