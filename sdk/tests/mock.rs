//! The testing kit: the mock client's rules, and errors of every kind built for tests.

#![cfg(feature = "material")]

use std::time::Duration;

use cme_sdk::material::{
    DeleteMaterialData, DeleteMaterialRequest, ListMediaData, ListMediaRequest,
    ProcessMaterialData, ProcessMaterialRequest,
};
use cme_sdk::mock::{error, mock, Mock, MockReply};
use cme_sdk::types::Entity;
use cme_sdk::validate::Problem;
use cme_sdk::{AuthError, Client, ErrorCode, ErrorKind, PagingError, RetryPolicy, TimeoutKind};
use futures_util::TryStreamExt;

fn deleted() -> DeleteMaterialData {
    DeleteMaterialData::default()
}

#[tokio::test]
async fn typed_rules_match_answer_and_count() {
    let gone = mock::<DeleteMaterialRequest>()
        .when(|r| r.material_id == "gone")
        .then_error(
            ErrorCode::InvalidParameterValueMaterialId,
            "material not exist",
        );
    let ok = mock::<DeleteMaterialRequest>().then_data(|_| deleted());
    let mock = Mock::new().with(&gone).with(&ok);
    let client = mock.client();

    client
        .material()
        .delete_material("m1")
        .send()
        .await
        .unwrap();
    client
        .material()
        .delete_material("m2")
        .send()
        .await
        .unwrap();
    let err = client
        .material()
        .delete_material("gone")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some(&ErrorCode::InvalidParameterValueMaterialId)
    );
    assert_eq!(
        err.to_string(),
        "Material/DeleteMaterial failed: InvalidParameterValue.MaterialId: material not exist"
    );
    assert_eq!((gone.calls(), ok.calls()), (1, 2));
    assert_eq!(
        mock.logins(),
        1,
        "the client logged in once, against the mock"
    );
}

#[tokio::test]
async fn matchers_see_what_the_client_filled_in() {
    let media = mock::<ListMediaRequest>()
        .when(|r| r.platform.as_deref() == Some("mock_platform") && r.class_id == 9)
        .then_data(|r| {
            let mut data = ListMediaData::default();
            data.material_total_count = Some(r.limit.unwrap_or(20));
            data
        });
    let client = Mock::new().with(&media).client();
    let me = client.me().await.unwrap();
    assert_eq!(me, Entity::person("mock_user"));
    let page = client
        .material()
        .list_media(9, me)
        .limit(7)
        .send()
        .await
        .unwrap();
    assert_eq!(page.material_total_count, Some(7));
    // Pages too: the one page says it holds everything.
    let items: Vec<_> = client
        .material()
        .list_media(9, Entity::person("u"))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(items.is_empty());
    assert_eq!(media.calls(), 2);
}

#[tokio::test]
async fn sequences_answer_in_order_then_step_aside() {
    let flaky = mock::<DeleteMaterialRequest>()
        .sequence()
        .reply(|_| MockReply::http(503, "<html>busy</html>"))
        .times(2)
        .data(deleted())
        .build();
    let fallback =
        mock::<DeleteMaterialRequest>().then_error(ErrorCode::InvalidParameterValueMaterialId, "");
    let mock = Mock::new().with(&flaky).with(&fallback);
    // With retries, the sequence is consumed by one call: two 503s, then the data.
    let client = Client::builder()
        .mock(&mock)
        .retry(
            RetryPolicy::new()
                .with_max_attempts(3)
                .with_base_delay(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    client
        .material()
        .delete_material("m1")
        .send()
        .await
        .unwrap();
    assert_eq!(flaky.calls(), 3);
    // Used up, it no longer matches: the next rule answers.
    let err = client
        .material()
        .delete_material("m1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some(&ErrorCode::InvalidParameterValueMaterialId)
    );
    assert_eq!(fallback.calls(), 1);
}

#[tokio::test]
async fn a_refused_ticket_logs_in_again_and_replays() {
    let expired = mock::<DeleteMaterialRequest>()
        .sequence()
        .error(ErrorCode::AuthFailureSessionInvalid, "session invalid")
        .data(deleted())
        .build();
    let mock = Mock::new().with(&expired);
    mock.client()
        .material()
        .delete_material("m1")
        .send()
        .await
        .unwrap();
    assert_eq!((expired.calls(), mock.logins()), (2, 2));
}

#[tokio::test]
async fn an_unexpected_call_fails_the_test_naming_the_action_and_request() {
    let client = Mock::new()
        .with(&mock::<DeleteMaterialRequest>().then_data(|_| deleted()))
        .client();
    let call = client
        .material()
        .process_material("m1", 20)
        .verify_sign("s")
        .send();
    let panic = tokio::spawn(call).await.unwrap_err();
    let message = panic.into_panic();
    let message = message
        .downcast_ref::<String>()
        .map(String::as_str)
        .unwrap_or_default();
    assert!(
        message.starts_with("no mock rule answers Material/ProcessMaterial with {"),
        "{message}"
    );
    assert!(message.contains("\"MaterialId\":\"m1\""), "{message}");
}

#[tokio::test]
async fn replies_can_be_failures_of_any_kind() {
    let processing = mock::<ProcessMaterialRequest>()
        .sequence()
        .reply(|_| {
            MockReply::fail(error::attempt_timeout::<ProcessMaterialRequest>(
                Duration::from_secs(30),
            ))
        })
        .reply(|_| {
            let mut data = ProcessMaterialData::default();
            data.task_id = "t1".into();
            MockReply::data(&data)
        })
        .build();
    let client = Mock::new().with(&processing).client();
    let call = || {
        client
            .material()
            .process_material("m1", 20)
            .verify_sign("s")
            .send()
    };
    let err = call().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(call().await.unwrap().task_id, "t1");
}

#[test]
fn errors_of_every_kind_can_be_built_for_tests() {
    type A = DeleteMaterialRequest;
    let api = error::api::<A>(ErrorCode::InternalError, "system error");
    assert_eq!(api.code(), Some(&ErrorCode::InternalError));
    assert_eq!(api.action().unwrap().to_string(), "Material/DeleteMaterial");

    let cases = [
        (
            error::login_refused::<A>(ErrorCode::SignatureVerifyFail, "bad"),
            "auth",
        ),
        (error::auth::<A>(AuthError::NoSignatureSource), "auth"),
        (
            error::timeout::<A>(TimeoutKind::Call(Duration::from_secs(90))),
            "timeout",
        ),
        (
            error::transport::<A>(true, "connection refused"),
            "transport",
        ),
        (error::http::<A>(502, "<html>bad gateway</html>"), "http"),
        (error::decode::<A>("Data.TaskId", "missing field"), "decode"),
        (
            error::invalid_request::<A>("MaterialId", Problem::Missing),
            "invalid",
        ),
        (
            error::paging::<A>(PagingError::TooManyPages { max_pages: 3 }),
            "paging",
        ),
        (error::config("no endpoint"), "config"),
    ];
    for (err, kind) in cases {
        let matched = match err.kind() {
            ErrorKind::Auth(_) => "auth",
            ErrorKind::Timeout(_) => "timeout",
            ErrorKind::Transport(t) => {
                assert!(t.connect && err.is_retryable(), "{err:?}");
                "transport"
            }
            ErrorKind::Http(h) => {
                assert_eq!(h.status, 502);
                "http"
            }
            ErrorKind::Decode(d) => {
                assert_eq!(d.path.as_deref(), Some("Data.TaskId"));
                "decode"
            }
            ErrorKind::InvalidRequest(_) => "invalid",
            ErrorKind::Paging(_) => "paging",
            ErrorKind::Config(_) => "config",
            other => panic!("{other:?}"),
        };
        assert_eq!(matched, kind, "{err}");
        assert!(!err.to_string().is_empty());
    }
}
