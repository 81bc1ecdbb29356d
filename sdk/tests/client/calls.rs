//! Calls: the request on the wire, envelopes, decoding, validation, the raw escape hatch and
//! pagination.

use cme_sdk::{Call, CallOptions, ErrorKind, PagingError, RetryPolicy, DEFAULT_USER_AGENT};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn posts_json_with_the_ticket_to_the_action_path() {
    let fake = Fake::ok().await;
    let client = fake.client().build().unwrap();
    let data = client
        .execute(&Probe {
            name: Some("abc".into()),
        })
        .await
        .unwrap();
    assert_eq!(data.note.as_deref(), Some("ok"));
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].class.as_str(), seen[0].name.as_str()),
        ("Test", "Probe")
    );
    assert_eq!(seen[0].body, json!({"Name": "abc"}));
    assert_eq!(seen[0].content_type.as_deref(), Some("application/json"));
    assert_eq!(seen[0].user_agent.as_deref(), Some(DEFAULT_USER_AGENT));
    assert!(DEFAULT_USER_AGENT.starts_with("cme-sdk-rust/"));
}

#[cfg(feature = "material")]
#[tokio::test]
async fn generated_methods_go_through_the_client() {
    let fake = Fake::builder(|seen| {
        if seen.body["MaterialId"] == "gone" {
            Reply::error(
                200,
                "InvalidParameterValue.MaterialId",
                "媒体不存在",
                "material not exist",
            )
        } else {
            Reply::Json(
                200,
                json!({"Code": "Success", "Message": "成功", "EnglishMessage": "success"}),
            )
        }
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    client
        .material()
        .delete_material("m1")
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
        err.to_string(),
        "Material/DeleteMaterial failed: InvalidParameterValue.MaterialId: material not exist (媒体不存在)"
    );
    assert_eq!(err.action().unwrap().to_string(), "Material/DeleteMaterial");
    assert_eq!(err.http_status(), Some(200));
    assert!(!err.is_retryable());
    let seen = fake.seen();
    assert_eq!(seen[0].name, "DeleteMaterial");
    assert_eq!(seen[0].body, json!({"MaterialId": "m1"}));
}

#[tokio::test]
async fn empty_data_decodes_in_every_spelling() {
    let bodies = [
        json!({"Code": "Success", "Message": "成功", "EnglishMessage": "success"}),
        json!({"Code": "Success", "Data": null}),
        json!({"Code": "Success", "Data": {}}),
        json!({"Code": "Success", "Data": []}),
    ];
    let fake = Fake::builder(move |seen| Reply::Json(200, bodies[seen.n - 1].clone()))
        .start()
        .await;
    let client = fake.client().build().unwrap();
    for _ in 0..4 {
        let data = client.execute(&Probe::default()).await.unwrap();
        assert_eq!(data.note, None);
    }
}

#[tokio::test]
async fn error_envelopes_with_empty_data_and_error_statuses_are_api_errors() {
    let fake = Fake::builder(|seen| match seen.n {
        1 => Reply::Json(
            200,
            json!({"Code": "OperationDenied.PermissionDeny", "Message": "权限不足",
                   "EnglishMessage": "permission denied", "Data": []}),
        ),
        _ => Reply::Json(
            403,
            json!({"Code": "OperationDenied.PermissionDeny", "Message": "权限不足", "Data": null}),
        ),
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    let err = client.execute(&Probe::default()).await.unwrap_err();
    assert_eq!(
        err.code().unwrap().as_str(),
        "OperationDenied.PermissionDeny"
    );
    assert_eq!(
        err.to_string(),
        "Test/Probe failed: OperationDenied.PermissionDeny: permission denied (权限不足)"
    );
    let err = client.execute(&Probe::default()).await.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.http_status, 403);
    assert_eq!(api.message, "权限不足");
    assert_eq!(api.english_message, None);
    assert_eq!(
        err.to_string(),
        "Test/Probe failed: OperationDenied.PermissionDeny: 权限不足 [HTTP 403]"
    );
}

#[tokio::test]
async fn a_decode_error_names_the_json_path() {
    let fake = Fake::builder(|_| {
        let good = json!({"BasicInfo": {"MaterialType": "VIDEO"}});
        let bad = json!({"BasicInfo": {"MaterialType": {"oops": true}}});
        Reply::ok(json!({"MaterialInfoSet": [good.clone(), good.clone(), good, bad]}))
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    let err = client.execute(&NestedProbe::default()).await.unwrap_err();
    let ErrorKind::Decode(decode) = err.kind() else {
        panic!("{err:?}");
    };
    assert_eq!(
        decode.path.as_deref(),
        Some("Data.MaterialInfoSet[3].BasicInfo.MaterialType")
    );
    assert!(
        err.to_string().starts_with(
            "Test/Nested failed: cannot decode the reply at \
             Data.MaterialInfoSet[3].BasicInfo.MaterialType: invalid type"
        ),
        "{err}"
    );
    assert_eq!(err.attempts(), 1);
    assert_eq!(fake.requests(), 1, "decode errors are not retried");
}

#[tokio::test]
async fn an_invalid_request_is_refused_before_anything_is_sent() {
    let fake = Fake::ok().await;
    let client = fake.client().build().unwrap();
    let err = client
        .execute(&Probe {
            name: Some("too long".into()),
        })
        .await
        .unwrap_err();
    let ErrorKind::InvalidRequest(validation) = err.kind() else {
        panic!("{err:?}");
    };
    assert_eq!(validation.violations()[0].field, "Name");
    assert_eq!(
        err.to_string(),
        "Test/Probe failed: invalid request: Name: at most 5 characters allowed, got 8"
    );
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(err.attempts(), 0);
    assert_eq!((fake.logins(), fake.requests()), (0, 0), "nothing was sent");

    // With validation off, the service gets to judge.
    let lax = fake.client().validate_requests(false).build().unwrap();
    lax.execute(&Probe {
        name: Some("too long".into()),
    })
    .await
    .unwrap();
    assert_eq!(fake.requests(), 1);
}

#[tokio::test]
async fn raw_calls_share_the_auth_and_error_path() {
    let fake = Fake::builder(|seen| match seen.name.as_str() {
        "SearchResource" => Reply::ok(json!({"TotalCount": 1, "Echo": seen.body.clone()})),
        "NoData" => Reply::Json(200, json!({"Code": "Success"})),
        _ => Reply::error(200, "InvalidAction", "接口不存在", "action not found"),
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    let data = client
        .raw("Material", "SearchResource", json!({"Text": "cat"}))
        .idempotent(true)
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    assert_eq!(data, json!({"TotalCount": 1, "Echo": {"Text": "cat"}}));
    let none = client
        .raw("Material", "NoData", json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(none, serde_json::Value::Null);
    let err = client
        .raw("Material", "Nope", json!({}))
        .retry(RetryPolicy::none())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Material/Nope failed: InvalidAction: action not found (接口不存在)"
    );
    assert_eq!(fake.logins(), 1);
    assert_eq!(fake.seen()[0].class, "Material");
}

fn paging_fake(total: i64, report_total: bool) -> impl Fn(&Seen) -> Reply + Send + Sync {
    move |seen| {
        let offset = seen.body["Offset"].as_i64().unwrap_or(0);
        let limit = seen.body["Limit"].as_i64().unwrap();
        let items: Vec<_> = (offset..(offset + limit).min(total))
            .map(|id| json!({"Id": id}))
            .collect();
        if report_total {
            Reply::ok(json!({"TotalCount": total, "Items": items}))
        } else {
            Reply::ok(json!({"Items": items}))
        }
    }
}

#[tokio::test]
async fn pages_and_items_walk_every_page() {
    let fake = Fake::builder(paging_fake(7, true)).start().await;
    let client = fake.client().build().unwrap();
    let request = ListThings {
        offset: None,
        limit: 3,
    };
    let pages: Vec<_> = Call::new(&client, request.clone())
        .pages()
        .try_collect()
        .await
        .unwrap();
    let sizes: Vec<_> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(sizes, [3, 3, 1]);
    assert!(pages.iter().all(|p| p.total_count == Some(7)));
    let offsets: Vec<_> = fake
        .seen()
        .iter()
        .map(|s| s.body["Offset"].as_i64())
        .collect();
    assert_eq!(offsets, [None, Some(3), Some(6)]);

    let ids: Vec<i64> = Call::new(&client, request)
        .items()
        .map_ok(|thing| thing.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, (0..7).collect::<Vec<_>>());
    assert_eq!(fake.requests(), 6);
}

#[tokio::test]
async fn pages_without_a_total_stop_at_an_empty_page() {
    let fake = Fake::builder(paging_fake(4, false)).start().await;
    let client = fake.client().build().unwrap();
    let ids: Vec<i64> = Call::new(
        &client,
        ListThings {
            offset: Some(1),
            limit: 2,
        },
    )
    .items()
    .map_ok(|thing| thing.id)
    .try_collect()
    .await
    .unwrap();
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(fake.requests(), 3, "two full pages and an empty one");
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_the_error() {
    let fake = Fake::builder(|seen| {
        if seen.n == 2 {
            Reply::error(
                200,
                "InvalidParameterValue.Offset",
                "偏移量无效",
                "invalid offset",
            )
        } else {
            paging_fake(10, true)(seen)
        }
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    let result: Result<Vec<_>, _> = Call::new(
        &client,
        ListThings {
            offset: None,
            limit: 4,
        },
    )
    .items()
    .try_collect()
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.code().unwrap().as_str(), "InvalidParameterValue.Offset");
    assert_eq!(fake.requests(), 2);
    // The error tells where to resume; resuming there walks the rest.
    assert_eq!(err.page_offset(), Some(4));
    assert!(err.to_string().ends_with("(page at offset 4)"), "{err}");
    let rest: Vec<i64> = Call::new(
        &client,
        ListThings {
            offset: err.page_offset(),
            limit: 4,
        },
    )
    .items()
    .map_ok(|thing| thing.id)
    .try_collect()
    .await
    .unwrap();
    assert_eq!(rest, (4..10).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_service_that_ignores_the_offset_ends_the_walk_with_an_error() {
    // Always the first page, and no total (or an absurd one): a naive walk never ends.
    for total in [None, Some(i64::MAX)] {
        let fake = Fake::builder(move |_| {
            let items = json!([{"Id": 0}, {"Id": 1}]);
            match total {
                Some(total) => Reply::ok(json!({"TotalCount": total, "Items": items})),
                None => Reply::ok(json!({"Items": items})),
            }
        })
        .start()
        .await;
        let client = fake.client().build().unwrap();
        let walked: Vec<Result<Thing, _>> = Call::new(
            &client,
            ListThings {
                offset: None,
                limit: 2,
            },
        )
        .items()
        .collect()
        .await;
        let [Ok(_), Ok(_), Err(err)] = walked.as_slice() else {
            panic!("{walked:?}")
        };
        assert!(
            matches!(
                err.kind(),
                ErrorKind::Paging(PagingError::Stalled { offset: 2 })
            ),
            "{err:?}"
        );
        assert_eq!(err.page_offset(), Some(2));
        assert_eq!(fake.requests(), 2);
    }
}

#[tokio::test]
async fn a_walk_stops_at_its_page_bound() {
    let fake = Fake::builder(paging_fake(100, false)).start().await;
    let client = fake.client().build().unwrap();
    let walked: Vec<Result<Thing, _>> = Call::new(
        &client,
        ListThings {
            offset: None,
            limit: 10,
        },
    )
    .max_pages(3)
    .items()
    .collect()
    .await;
    assert_eq!(walked.iter().filter(|r| r.is_ok()).count(), 30);
    let err = walked.last().unwrap().as_ref().unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Paging(PagingError::TooManyPages { max_pages: 3 })
        ),
        "{err:?}"
    );
    assert_eq!(err.page_offset(), Some(30));
    assert_eq!(fake.requests(), 3);
}

#[tokio::test]
async fn call_options_override_the_client_defaults() {
    let fake = Fake::builder(|_| Reply::error(503, "InternalError", "", ""))
        .start()
        .await;
    let client = fake.client().build().unwrap();
    let err = client
        .execute_with(
            &Probe::default(),
            &CallOptions::new().retry(RetryPolicy::none()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 1);
    let err = client.execute(&Probe::default()).await.unwrap_err();
    assert_eq!(err.attempts(), 3, "the client's policy");
    assert_eq!(fake.requests(), 4);
}

#[tokio::test]
async fn a_reqwest_client_from_the_reexport_makes_the_calls() {
    let fake = Fake::ok().await;
    // `cme_sdk::reqwest` is the reqwest the SDK runs on: its client is what `http_client` takes.
    let http = cme_sdk::reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap();
    let client = fake.client().http_client(http).build().unwrap();
    client.execute(&Probe { name: None }).await.unwrap();
    assert_eq!((fake.logins(), fake.requests()), (1, 1));
}
