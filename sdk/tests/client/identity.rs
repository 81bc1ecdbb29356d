//! What the client supplies: its platform and user (from the builder, the signature source or the
//! login), the `VerifySign` of uploads, and owned calls that can be spawned. (The actions used
//! here are of the `material` class.)

use std::future::Future;

use cme_sdk::types::{Entity, EntityType};
use cme_sdk::{Client, ErrorKind, SignatureSource, Ticket, Validity};
use futures_util::Stream;
use serde_json::json;

use crate::support::*;

/// Compiles only for futures a `tokio::spawn` takes.
#[cfg_attr(not(feature = "project"), allow(dead_code))]
fn spawnable<F: Future + Send + 'static>(_: &F) {}

/// Compiles only for streams that outlive their client handle and cross threads.
#[cfg_attr(not(feature = "project"), allow(dead_code))]
fn static_stream<S: Stream + Send + 'static>(_: &S) {}

#[cfg(feature = "project")]
#[tokio::test]
async fn calls_and_walks_own_their_client_and_can_be_spawned() {
    let fake = Fake::ok().await;
    let client = fake.client().build().unwrap();
    let call = client.material().delete_material("m1").send();
    spawnable(&call);
    let raw = client
        .raw(String::from("Material"), "DeleteMaterial", json!({}))
        .send();
    spawnable(&raw);
    static_stream(&client.material().list_media(9, Entity::person("u")).items());
    static_stream(&client.project().describe_projects().pages());
    // The calls outlive the client handle they were made from.
    drop(client);
    tokio::spawn(call).await.unwrap().unwrap();
    tokio::spawn(raw).await.unwrap().unwrap();
    let names: Vec<_> = fake.seen().iter().map(|s| s.name.clone()).collect();
    assert_eq!(names, ["DeleteMaterial", "DeleteMaterial"]);
}

#[tokio::test]
async fn the_platform_comes_from_the_builder_the_source_or_the_login_and_a_call_overrides_it() {
    let fake = Fake::ok().await;
    let list = |client: &Client| client.material().list_media(9, Entity::person("u")).send();

    // Told on the builder.
    let told = fake.client().platform("told_platform").build().unwrap();
    list(&told).await.unwrap();
    // Named by the signature source (a signer): known before any login.
    let signed = Client::builder()
        .endpoint(fake.url())
        .signature_source(SignatureSource::signer(signer(), "signed_platform", "u2"))
        .build()
        .unwrap();
    assert_eq!(signed.platform().as_deref(), Some("signed_platform"));
    assert_eq!(signed.user_id().as_deref(), Some("u2"));
    list(&signed).await.unwrap();
    // Unknown until the login says (a callback source).
    let learnt = fake.client().build().unwrap();
    assert_eq!(learnt.platform(), None);
    list(&learnt).await.unwrap();
    assert_eq!(learnt.platform().as_deref(), Some(PLATFORM));
    // A call's own value wins.
    learnt
        .material()
        .list_media(9, Entity::person("u"))
        .platform("per_call")
        .send()
        .await
        .unwrap();

    let platforms: Vec<_> = fake
        .seen()
        .iter()
        .map(|s| s.body["Platform"].clone())
        .collect();
    assert_eq!(
        platforms,
        ["told_platform", "signed_platform", PLATFORM, "per_call"]
    );
}

#[tokio::test]
async fn nested_platforms_are_filled_too() {
    use cme_sdk::types::SearchScope;
    let fake = Fake::ok().await;
    let client = fake.client().platform(PLATFORM).build().unwrap();
    client
        .material()
        .search_material([
            SearchScope::new(Entity::person("u")),
            SearchScope::new(Entity::team("t")).platform("other"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        fake.seen()[0].body["SearchScopes"],
        json!([
            {"Platform": PLATFORM, "Owner": {"Type": "PERSON", "Id": "u"}},
            {"Platform": "other", "Owner": {"Type": "TEAM", "Id": "t"}},
        ])
    );
}

#[tokio::test]
async fn verify_sign_is_an_upload_signature_from_the_source_unless_the_call_sets_one() {
    let fake = Fake::builder(|_| Reply::ok(json!({"TaskId": "t1"})))
        .start()
        .await;
    let client = fake.client().build().unwrap();
    client
        .material()
        .process_material("m1", 20)
        .send()
        .await
        .unwrap();
    client
        .material()
        .process_material("m1", 20)
        .verify_sign("set-by-the-caller")
        .send()
        .await
        .unwrap();
    let seen = fake.seen();
    let supplied = seen[0].body["VerifySign"].as_str().unwrap();
    let claims = cme_sdk::Verifier::new()
        .key(SECRET_ID, SECRET_KEY)
        .verify(supplied, Some(cme_sdk::SignAction::Upload), cme_sdk_now())
        .expect("a valid Upload signature");
    assert_eq!(
        (claims.platform.as_str(), claims.user_id.as_str()),
        (PLATFORM, "user_001")
    );
    assert_eq!(seen[1].body["VerifySign"], "set-by-the-caller");
    assert!(
        !format!(
            "{:?}",
            client
                .material()
                .process_material("m1", 20)
                .verify_sign(supplied)
        )
        .contains(supplied),
        "a call's Debug redacts the signature"
    );
}

#[tokio::test]
async fn a_source_that_cannot_sign_uploads_fails_the_call_before_sending() {
    let fake = Fake::ok().await;
    let fixed = signer().login(PLATFORM, "user_001", Validity::DEFAULT);
    let client = Client::builder()
        .endpoint(fake.url())
        .signature_source(SignatureSource::fixed(fixed))
        .build()
        .unwrap();
    let err = client
        .material()
        .process_material("m1", 20)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert!(err.to_string().contains("Login signature only"), "{err}");
    // Without any source, the request is refused as incomplete.
    let bare = Client::builder()
        .endpoint(fake.url())
        .ticket(Ticket::new("t"))
        .platform(PLATFORM)
        .build()
        .unwrap();
    let err = bare
        .material()
        .process_material("m1", 20)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRequest(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("VerifySign: missing"), "{err}");
    assert!(fake.seen().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn me_is_the_user_the_client_acts_for() {
    let person = |id: &str| Entity::new(EntityType::Person, id);
    // Told on the builder: no login needed.
    let fake = Fake::ok().await;
    let told = fake.client().user("told_user").build().unwrap();
    assert_eq!(told.me().await.unwrap(), person("told_user"));
    assert_eq!(fake.logins(), 0);
    // Named in a fixed signature.
    let fixed = Client::builder()
        .endpoint(fake.url())
        .signature(signer().login(PLATFORM, "fixed_user", Validity::DEFAULT))
        .build()
        .unwrap();
    assert_eq!(fixed.me().await.unwrap(), person("fixed_user"));
    assert_eq!(fixed.platform().as_deref(), Some(PLATFORM));
    // From a callback: learnt by logging in (the signature names the user).
    let learnt = fake.client().build().unwrap();
    assert_eq!(learnt.user_id(), None);
    assert_eq!(learnt.me().await.unwrap(), person("user_001"));
    assert_eq!(fake.logins(), 1);
    // The old login reply names the user too.
    let old = Fake::builder(|_| Reply::ok(json!({})))
        .shape(LoginShape::Old)
        .start()
        .await;
    let client = old.client().build().unwrap();
    assert_eq!(client.me().await.unwrap(), person("user_001"));
}
