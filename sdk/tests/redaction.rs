//! The ticket, the login signature and the secret key never appear in what the SDK shows: the
//! `Display`, `{:?}` and `{:#?}` of every kind of error, every error of its `source()` chain, and
//! TRACE-level logs, in any form: verbatim, percent-encoded (upper- or lowercase hex),
//! double-encoded or JSON-escaped, even when the service echoes them in its messages.
//!
//! Its own test binary, alone in its process: `tracing` caches per call site whether anyone
//! listens, and call sites first hit by concurrent tests could be cached as unobserved.

#[allow(dead_code)] // shared with the `client` tests, which use all of it
#[path = "client/support.rs"]
mod support;

use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use cme_sdk::validate::Validator;
use cme_sdk::{
    Action, ActionMeta, AuthError, BoxError, CallOptions, Client, ClientSupplied, Error, ErrorKind,
    RetryPolicy, SignAction, SignParams, Signature, SignatureSource, Signer, Ticket, Validate,
};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::json;

use support::{closed_port_url, serve, Probe, PLATFORM};

/// The ticket the fake issues; `+`, `/` and `=` make its encoded forms differ.
const TICKET: &str = "tf_TICKET+known/ticket=1";
/// The secret key, which only a careless service or signature backend would echo.
const KEY: &str = "fake+secret/key=DO-NOT-LEAK";
const SECRET_ID: &str = "AKIDredactionTest0000";

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

/// Percent-encoding as a query string has it (uppercase hex).
fn encoded(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Percent-encoding with lowercase hex, of every byte but letters and digits.
fn encoded_lower(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02x}")
            }
        })
        .collect()
}

/// Every form a secret may take in what a service or a gateway echoes.
fn forms(secret: &str) -> Vec<String> {
    vec![
        secret.to_owned(),
        encoded(secret),
        encoded_lower(secret),
        encoded(&encoded(secret)),
        secret.replace('/', "\\/"),
    ]
}

/// What a careless service says: `secret` in every form, bare.
fn echo(secret: &str) -> String {
    forms(secret).join(" ; ")
}

/// The secret key, echoed under its name in every form.
fn echo_key() -> String {
    format!(
        "SecretKey={KEY} {{\"secretKey\": \"{}\"}} x?SecretKey%3D{}&y=1 x%3FSecretKey%253D{}%26y",
        KEY.replace('/', "\\/"),
        encoded(KEY),
        encoded(&encoded(KEY)),
    )
}

fn envelope(code: &str, message: String) -> Response {
    axum::Json(json!({"Code": code, "Message": message.clone(), "EnglishMessage": message}))
        .into_response()
}

/// A fake service that echoes every secret it can: the login exchange (which accepts only
/// `good` and echoes a refused signature) and one action per kind of reply.
fn router(good: String) -> Router {
    let login = move |Query(query): Query<HashMap<String, String>>| {
        let good = good.clone();
        async move {
            let signature = query.get("signature").cloned().unwrap_or_default();
            if signature == good {
                return axum::Json(json!({"Response": {
                    "Authorization": TICKET, "AppId": 1, "RequestId": "r-login"}}))
                .into_response();
            }
            axum::Json(json!({"Response": {"Error": {
                "Code": "InvalidParameterValue.Signature",
                "Message": format!("signature {} refused; {}", echo(&signature), echo_key())},
                "RequestId": "r-refused"}}))
            .into_response()
        }
    };
    let api = |Path((_, name)): Path<(String, String)>,
               Query(query): Query<HashMap<String, String>>| async move {
        let auth = query.get("auth").cloned().unwrap_or_default();
        if auth != TICKET || name == "Revoked" {
            return envelope(
                "AuthFailure.SessionInvalid",
                format!("session {} invalid", echo(&auth)),
            );
        }
        let everything = format!("ticket {} key {}", echo(TICKET), echo_key());
        match name.as_str() {
            "Echo" => envelope("InvalidParameter", everything),
            // A secret straddling the first 4 KiB of the body.
            "Html" => (
                StatusCode::BAD_GATEWAY,
                [("content-type", "text/html")],
                format!("<html>{}{TICKET} {everything}</html>", " ".repeat(4090)),
            )
                .into_response(),
            "Text" => (StatusCode::OK, format!("oops {everything}")).into_response(),
            "Quote" => {
                axum::Json(json!({"Code": "Success", "Data": {"Count": TICKET}})).into_response()
            }
            "Hang" => std::future::pending().await,
            _ => envelope("Success", String::new()),
        }
    };
    Router::new()
        .route("/", get(login))
        .route("/PaaS/{class}/{name}", post(api))
}

/// An idempotent action `Test/<NAME>` without fields.
#[derive(Debug, Clone, Default, Serialize)]
struct Named<const N: usize>;

const NAMES: [&str; 6] = ["Echo", "Html", "Text", "Quote", "Hang", "Revoked"];

impl<const N: usize> Validate for Named<N> {
    fn validate(&self, _: &mut Validator) {}
}

impl<const N: usize> ClientSupplied for Named<N> {}

impl<const N: usize> Action for Named<N> {
    type Data = Counted;
    const META: ActionMeta = ActionMeta::new("Test", NAMES[N], true);
}

/// A `Data` whose `Count` is a number, so a string there is quoted by the decode error.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // only ever decoded
struct Counted {
    #[serde(rename = "Count", default)]
    count: u64,
}

/// An action whose request cannot be encoded, with an error that quotes the ticket.
#[derive(Debug, Clone, Default)]
struct Unencodable;

impl Serialize for Unencodable {
    fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(format!("ticket={TICKET}")))
    }
}

impl Validate for Unencodable {
    fn validate(&self, _: &mut Validator) {}
}

impl ClientSupplied for Unencodable {}

impl Action for Unencodable {
    type Data = Counted;
    const META: ActionMeta = ActionMeta::new("Test", "Unencodable", true);
}

/// A login signature of `signer` that holds `+`, `/` and `=` (as most do), so that its encoded
/// forms differ from it.
fn signature(signer: &Signer, user_id: &str) -> Signature {
    (1..)
        .map(|random| {
            let params = SignParams::new(PLATFORM, user_id, SignAction::Login)
                .now(1_800_000_000)
                .random(random);
            signer.sign(&params)
        })
        .find(|s| {
            ['+', '/', '=']
                .iter()
                .all(|&c| s.expose_secret().contains(c))
        })
        .unwrap()
}

/// The name of an error's kind, to check that every kind was provoked.
fn kind_name(err: &Error) -> &'static str {
    match err.kind() {
        ErrorKind::Api(_) => "Api",
        ErrorKind::Auth(AuthError::LoginRefused(_)) => "Auth::LoginRefused",
        ErrorKind::Auth(AuthError::TicketRefused(_)) => "Auth::TicketRefused",
        ErrorKind::Auth(AuthError::SignatureSource) => "Auth::SignatureSource",
        ErrorKind::Auth(AuthError::NoSignatureSource) => "Auth::NoSignatureSource",
        ErrorKind::Timeout(_) => "Timeout",
        ErrorKind::Transport(_) => "Transport",
        ErrorKind::Http(_) => "Http",
        ErrorKind::Decode(_) => "Decode",
        ErrorKind::InvalidRequest(_) => "InvalidRequest",
        ErrorKind::Encode(_) => "Encode",
        ErrorKind::Config(_) => "Config",
        _ => "unknown",
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

    let signer = Signer::new(SECRET_ID, KEY);
    let good = signature(&signer, "user_001");
    let wrong = signature(&Signer::new(SECRET_ID, "wrong"), "u");
    let (good_text, wrong_text) = (good.expose_secret(), wrong.expose_secret());

    let fake = serve(router(good_text.to_owned())).await;
    // Userinfo in the endpoint, which `Debug` must not show either.
    let endpoint = fake
        .url
        .replace("http://", &format!("http://user:{}@", encoded(KEY)));
    let client = Client::builder()
        .endpoint(&endpoint)
        .signature(good.clone())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let quick = CallOptions::new().attempt_timeout(Duration::from_millis(200));

    let mut errors: Vec<Error> = Vec::new();
    errors.push(client.execute(&Named::<0>).await.unwrap_err()); // Api
    errors.push(client.execute(&Named::<1>).await.unwrap_err()); // Http
    errors.push(client.execute(&Named::<2>).await.unwrap_err()); // Decode, not an envelope
    errors.push(client.execute(&Named::<3>).await.unwrap_err()); // Decode, quoting a value
    errors.push(client.execute_with(&Named::<4>, &quick).await.unwrap_err()); // Timeout
    errors.push(client.execute(&Named::<5>).await.unwrap_err()); // Auth::TicketRefused
    errors.push(
        client
            .execute(&Probe {
                name: Some(format!("{TICKET}{TICKET}")),
            })
            .await
            .unwrap_err(),
    ); // InvalidRequest
    errors.push(client.execute(&Unencodable).await.unwrap_err()); // Encode
    let ticket = client.current_ticket().unwrap();
    assert_eq!(ticket.expose_secret(), TICKET);

    // A refused login, which echoes the signature; a failing signature source, whose error
    // quotes what it fetched; none at all.
    let refused = Client::builder()
        .endpoint(&fake.url)
        .signature(wrong.clone())
        .build()
        .unwrap();
    errors.push(refused.login().await.unwrap_err()); // Auth::LoginRefused
    errors.push(refused.execute(&Probe::default()).await.unwrap_err());
    let quoted = encoded(good_text);
    let failing = Client::builder()
        .endpoint(&fake.url)
        .signature_source(SignatureSource::from_fn(move |_action| {
            let message = format!(
                "GET https://backend.example/sign?ticket={TICKET}&signature={quoted} failed; {}",
                echo_key()
            );
            async move { Err::<Signature, BoxError>(message.into()) }
        }))
        .build()
        .unwrap();
    errors.push(failing.login().await.unwrap_err()); // Auth::SignatureSource
    let ticket_only = Client::builder()
        .endpoint(&fake.url)
        .ticket(Ticket::new("tf_stale"))
        .build()
        .unwrap();
    errors.push(ticket_only.execute(&Named::<0>).await.unwrap_err()); // Auth::NoSignatureSource

    // Nothing listens (the ticket is in the URL for the call, the signature for the login).
    let unreachable = Client::builder()
        .endpoint(closed_port_url().await)
        .ticket(ticket.clone())
        .signature(good.clone())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    errors.push(unreachable.execute(&Probe::default()).await.unwrap_err()); // Transport
    errors.push(unreachable.login().await.unwrap_err());

    // A configuration error quoting an endpoint with credentials.
    let bad_endpoint = format!("ftp://user:{KEY}@127.0.0.1/?auth={}", encoded(TICKET));
    errors.push(
        Client::builder()
            .endpoint(&bad_endpoint)
            .ticket(ticket.clone())
            .build()
            .unwrap_err(),
    ); // Config

    let kinds: BTreeSet<&str> = errors.iter().map(kind_name).collect();
    let expected: BTreeSet<&str> = [
        "Api",
        "Auth::LoginRefused",
        "Auth::TicketRefused",
        "Auth::SignatureSource",
        "Auth::NoSignatureSource",
        "Timeout",
        "Transport",
        "Http",
        "Decode",
        "InvalidRequest",
        "Encode",
        "Config",
    ]
    .into();
    assert_eq!(kinds, expected, "every kind of error was provoked");

    let mut shown = String::new();
    for err in &errors {
        shown.push_str(&format!("{err}\n{err:?}\n{err:#?}\n"));
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            shown.push_str(&format!("{s}\n{s:?}\n{s:#?}\n"));
            source = s.source();
        }
    }
    let builder = Client::builder().endpoint(&endpoint).ticket(ticket.clone());
    shown.push_str(&format!(
        "{client:?}\n{client:#?}\n{builder:?}\n{ticket:?}\n{good:?}\n{signer:?}\n{:?}\n",
        SignatureSource::fixed(good.clone()),
    ));
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("cme.call"), "the calls were traced:\n{logs}");
    assert!(
        logs.contains("call failed") && logs.contains("cme.login"),
        "{logs}"
    );

    for (what, text) in [("errors and Debug", &shown), ("logs", &logs)] {
        for secret in [TICKET, good_text, wrong_text, KEY] {
            // Whole, and the first half: a secret cut short must not leak its start either.
            for part in [secret, &secret[..secret.len() / 2]] {
                for form in forms(part) {
                    assert!(
                        !text.contains(&form),
                        "{form:?} leaked into the {what}:\n{text}"
                    );
                }
            }
        }
    }
    // What is shown is still useful.
    for useful in [
        "InvalidParameter",
        "HTTP 502",
        "AuthFailure.SessionInvalid",
        "InvalidParameterValue.Signature",
        "Data.Count",
        "<redacted>",
    ] {
        assert!(shown.contains(useful), "{useful}:\n{shown}");
    }
}
