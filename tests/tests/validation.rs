//! The documented constraints, checked on both sides: the SDK refuses a request that breaks one
//! before sending it (`ErrorKind::InvalidRequest`, naming the field), and the emulator, sent the
//! same request by a client that does not check, refuses it with the service's code naming the
//! same field. Plus what only the server can refuse, through `Client::raw`: wrong types, unknown
//! actions, oversized bodies.

mod support;

use cme_emulator::Emulator;
use cme_sdk::material::{
    AddMaterialFrameTagRequest, ListMediaRequest, ModifyMaterialRequest, ProcessMaterialRequest,
    SearchMaterialRequest,
};
use cme_sdk::project::{AddMaterialToProjectRequest, ModifyProjectRequest};
use cme_sdk::team::DescribeJoinTeamsRequest;
use cme_sdk::types::SearchScope;
use cme_sdk::{Action, Client, ErrorCode, ErrorKind};
use serde_json::json;
use support::*;

/// Sends `request` through the checking client (refused locally, nothing sent) and through the
/// unchecked one (refused by the emulator with `code`), both naming `field`.
async fn refused_on_both_sides<A>(
    env: &Env,
    unchecked: &Client,
    request: A,
    field: &str,
    code: ErrorCode,
) where
    A: Action + std::fmt::Debug,
    A::Data: std::fmt::Debug,
{
    let route = A::META.to_string();
    let before = env.received(&route);
    let local = env
        .client
        .execute(&request)
        .await
        .expect_err(&format!("{route} {field}: refused locally"));
    let ErrorKind::InvalidRequest(invalid) = local.kind() else {
        panic!("{route} {field}: an invalid request: {local:?}");
    };
    assert!(
        invalid.violations().iter().any(|v| v.field == field),
        "{route}: {invalid}"
    );
    assert_eq!(local.action().map(|a| a.to_string()), Some(route.clone()));
    assert!(
        local
            .to_string()
            .starts_with(&format!("{route} failed: invalid request: {field}")),
        "{local}"
    );
    assert_eq!(
        env.received(&route),
        before,
        "{route} {field}: nothing sent"
    );

    let remote = unchecked.execute(&request).await;
    expect_api_error(remote, &route, &code, field);
    assert_eq!(env.received(&route), before + 1);
    assert_eq!(
        env.executed(&route),
        0,
        "{route} {field}: refused before running"
    );
}

#[tokio::test]
async fn the_sdk_and_the_emulator_refuse_the_same_requests() {
    let env = Env::start().await;
    let unchecked = builder(&env.emu, &env.backend)
        .validate_requests(false)
        .build()
        .expect("client");
    let bad = ErrorCode::InvalidParameterValue;
    let long = |n: usize| "名".repeat(n);
    let ids = |n: usize| (0..n).map(|i| format!("{i:020}")).collect::<Vec<_>>();

    refused_on_both_sides(
        &env,
        &unchecked,
        ModifyMaterialRequest::new(SUNSET).name(long(91)),
        "Name",
        bad.clone(),
    )
    .await;
    refused_on_both_sides(
        &env,
        &unchecked,
        ModifyMaterialRequest::new(SUNSET).tags((0..31).map(|i| format!("t{i}"))),
        "Tags",
        bad.clone(),
    )
    .await;
    refused_on_both_sides(
        &env,
        &unchecked,
        ListMediaRequest::new(ALICE_ROOT, person(ALICE)).limit(31),
        "Limit",
        ErrorCode::InvalidParameterValueLimit,
    )
    .await;
    refused_on_both_sides(
        &env,
        &unchecked,
        ListMediaRequest::new(ALICE_ROOT, person(ALICE)).offset(-1),
        "Offset",
        bad.clone(),
    )
    .await;
    refused_on_both_sides(
        &env,
        &unchecked,
        SearchMaterialRequest::new([SearchScope::new(person(ALICE))]).text(long(16)),
        "Text",
        bad.clone(),
    )
    .await;
    refused_on_both_sides(
        &env,
        &unchecked,
        ProcessMaterialRequest::new(CITY, 25),
        "Definition",
        bad.clone(),
    )
    .await;
    refused_on_both_sides(
        &env,
        &unchecked,
        AddMaterialToProjectRequest::new(VLOG, ids(11)),
        "MaterialIds",
        bad.clone(),
    )
    .await;
    refused_on_both_sides(
        &env,
        &unchecked,
        ModifyProjectRequest::new(VLOG).name(long(21)),
        "Name",
        bad.clone(),
    )
    .await;
    refused_on_both_sides(
        &env,
        &unchecked,
        DescribeJoinTeamsRequest::new().limit(31),
        "Limit",
        ErrorCode::InvalidParameterValueLimit,
    )
    .await;

    // what the docs allow passes both
    env.client
        .execute(&AddMaterialFrameTagRequest::new(
            SUNSET,
            0.0,
            1.0,
            ["x"],
            "manual",
        ))
        .await
        .expect("a valid request");
    env.stop().await;
}

#[tokio::test]
async fn raw_calls_reach_what_the_typed_api_cannot_send() {
    let env = Env::with(Emulator::builder().max_body_bytes(4096)).await;
    let data = env
        .client
        .raw(
            "Material",
            "DescribeMaterials",
            json!({"MaterialIds": [SUNSET]}),
        )
        .idempotent(true)
        .send()
        .await
        .expect("a raw call");
    assert_eq!(
        data["MaterialInfoSet"][0]["BasicInfo"]["Name"],
        json!("海边日落")
    );

    let cases = [
        (
            "Material",
            "DescribeMaterials",
            json!({"MaterialIds": "not a list"}),
            ErrorCode::InvalidParameter,
            "MaterialIds",
        ),
        (
            "Material",
            "DeleteMaterial",
            json!({}),
            ErrorCode::MissingParameter,
            "MaterialId",
        ),
        (
            "Material",
            "ListMedia",
            json!({"Platform": P, "ClassId": "nine", "Owner": {"Type": "PERSON", "Id": ALICE}}),
            ErrorCode::InvalidParameter,
            "ClassId",
        ),
        (
            "Material",
            "NoSuchAction",
            json!({}),
            ErrorCode::InvalidAction,
            "Material/NoSuchAction",
        ),
        (
            "Material",
            "ModifyMaterial",
            json!({"MaterialId": SUNSET, "Name": "x".repeat(5000)}),
            ErrorCode::RequestSizeLimitExceeded,
            "4096",
        ),
    ];
    let before = env.state();
    for (class, name, body, code, detail) in cases {
        let err = env
            .client
            .raw(class, name, body)
            .send()
            .await
            .expect_err(name);
        assert_api_error(&err, &format!("{class}/{name}"), &code, detail);
    }
    assert!(env.state() == before, "refused requests change nothing");
    env.stop().await;
}
