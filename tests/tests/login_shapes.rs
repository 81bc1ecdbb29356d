//! Both login reply shapes of the docs (the current `{"Response": …}` one and the legacy
//! `{"Code", "Data"}` one): a login succeeds with the typed `LoginData`, and each refusal is an
//! auth error with the service's code, not retried.

mod support;

use std::time::Duration;

use cme_emulator::{Emulator, LoginShape, RunningEmulator, DEMO_SECRET_ID};
use cme_sdk::{AuthError, Client, ErrorCode, ErrorKind, SignAction, SignParams, Signer};
use support::*;

#[tokio::test]
async fn the_current_shape() {
    let env = Env::start().await;
    let data = env.client.login().await.expect("login");
    assert!(data.authorization.starts_with("tf_"));
    assert_eq!(data.app_id, Some(1_200_000_001));
    assert_eq!(data.platform.as_deref(), Some(P));
    assert_eq!(data.tf_uid.as_deref(), Some("tfuid_a11ce0000000001"));
    assert_eq!(data.request_id.as_deref().map(str::len), Some(36));
    env.material()
        .list_media(ALICE_ROOT, person(ALICE))
        .send()
        .await
        .expect("a call with that ticket");
    assert_eq!(env.logins(), 1);
    env.stop().await;
}

#[tokio::test]
async fn the_legacy_shape() {
    let emu = start_with(Emulator::builder().login_shape(LoginShape::Legacy)).await;
    // a user the fixture does not know is registered at login
    let backend = Backend::new(&emu, "new_user");
    let client = builder(&emu, &backend).build().expect("client");
    let data = client.login().await.expect("login");
    assert!(data.authorization.starts_with("tf_"));
    assert_eq!(data.user_id.as_deref(), Some("new_user"));
    assert_eq!(data.platform.as_deref(), Some(P));
    let classes = client
        .material()
        .describe_class(person("new_user"))
        .send()
        .await
        .expect("a call with that ticket");
    assert_eq!(
        classes.class_info_set[0].class_path.as_deref(),
        Some("/个人"),
        "a new user has a root class"
    );
    // the re-login after an expiry reads the same shape
    emu.expire_tickets();
    client
        .team()
        .describe_join_teams()
        .send()
        .await
        .expect("re-login in the legacy shape");
    assert_eq!(emu.stats().executed("Login"), 2);
    emu.shutdown().await;
}

/// A client whose backend signs with `params` using `signer`.
fn signing_client(emu: &RunningEmulator, signer: Signer, params: SignParams) -> Client {
    Client::builder()
        .endpoint(emu.base_url())
        .signature_source(cme_sdk::SignatureSource::from_fn(move |_action| {
            let signature = signer.sign(&params);
            async move { Ok::<_, cme_sdk::BoxError>(signature) }
        }))
        .retry(quick_retries())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

#[tokio::test]
async fn refusals_in_both_shapes_are_auth_errors() {
    let demo = || Signer::new(DEMO_SECRET_ID, cme_emulator::DEMO_SECRET_KEY);
    let login = || SignParams::new(P, ALICE, SignAction::Login);
    let cases = [
        (
            LoginShape::Current,
            Signer::new(DEMO_SECRET_ID, "not-the-key"),
            login(),
            ErrorCode::AuthFailureSignatureFailure,
            "does not match",
        ),
        (
            LoginShape::Current,
            demo(),
            login().now(1_600_000_000),
            ErrorCode::AuthFailureSignatureExpire,
            "expired",
        ),
        (
            LoginShape::Current,
            demo(),
            SignParams::new(P, ALICE, SignAction::Upload),
            ErrorCode::AuthFailureSignatureFailure,
            "action",
        ),
        (
            LoginShape::Current,
            demo(),
            SignParams::new("no_such_platform", ALICE, SignAction::Login),
            ErrorCode::InvalidParameterValuePlatform,
            "platform not exist",
        ),
        (
            LoginShape::Legacy,
            Signer::new(DEMO_SECRET_ID, "not-the-key"),
            login(),
            ErrorCode::SignatureVerifyFail,
            "签名校验失败",
        ),
        (
            LoginShape::Legacy,
            demo(),
            login().now(1_600_000_000),
            ErrorCode::SignatureVerifyFail,
            "signature expired",
        ),
    ];
    for (shape, signer, params, code, detail) in cases {
        let emu = start_with(Emulator::builder().login_shape(shape)).await;
        let client = signing_client(&emu, signer, params);
        let context = format!("{shape:?} {}", code.as_str());

        // an explicit login
        let err = client.login().await.expect_err(&context);
        let ErrorKind::Auth(AuthError::LoginRefused(api)) = err.kind() else {
            panic!("{context}: a refused login: {err:?}");
        };
        assert_eq!(api.code, code, "{context}");
        assert_eq!(err.code(), Some(&code), "{context}");
        assert!(err.is_auth() && !err.is_retryable(), "{context}: {err:?}");
        assert_eq!(err.action(), None, "{context}");
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!(
                "login failed: authentication failed: login refused: {}",
                code.as_str()
            )),
            "{context}: {shown}"
        );
        assert!(shown.contains(detail), "{context}: {shown}");

        // a call that needs a login right after gets that failure (the client backs off before
        // logging in again), reported for its action
        let err = client
            .material()
            .list_media(ALICE_ROOT, person(ALICE))
            .send()
            .await
            .expect_err(&context);
        assert!(
            matches!(err.kind(), ErrorKind::Auth(AuthError::LoginRefused(_))),
            "{context}: {err:?}"
        );
        assert_eq!(err.code(), Some(&code), "{context}");
        assert!(
            err.to_string().starts_with(&format!(
                "Material/ListMedia failed: authentication failed: login refused: {}",
                code.as_str()
            )),
            "{context}: {err}"
        );
        let stats = emu.stats();
        assert_eq!(stats.received("Login"), 1, "{context}: never retried");
        assert_eq!(stats.received("Material/ListMedia"), 0, "{context}");
        emu.shutdown().await;
    }
}
