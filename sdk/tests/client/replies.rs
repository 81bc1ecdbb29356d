//! Odd and hostile replies: a `Code` next to a `Response`, bytes that are not UTF-8.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_ticket_invalid_code_next_to_a_response_member_logs_in_again() {
    let fake = Fake::builder(|seen| match seen.n {
        1 => Reply::Json(
            200,
            json!({"Code": "AuthFailure.SessionInvalid", "Response": {}}),
        ),
        _ => Reply::ok(json!({"Note": "again"})),
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    let data = client.execute(&Probe::default()).await.unwrap();
    assert_eq!(data.note.as_deref(), Some("again"));
    assert_eq!(fake.logins(), 2, "the refused ticket was renewed");
}

#[tokio::test]
async fn an_error_code_next_to_a_response_member_is_an_error() {
    let fake = Fake::builder(|_| {
        Reply::Json(
            200,
            json!({"Code": "InternalError", "Response": {"Note": "?"}}),
        )
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    let err = client.execute(&Create::default()).await.unwrap_err();
    assert_eq!(err.code().unwrap().as_str(), "InternalError", "{err:?}");
}

#[tokio::test]
async fn a_ticket_invalid_code_with_a_gbk_message_logs_in_again() {
    let fake = Fake::builder(|seen| match seen.n {
        1 => Reply::Bytes(
            200,
            [
                &br#"{"Code":"AuthFailure.SessionInvalid","Message":""#[..],
                // "登录态失效" in GBK.
                b"\xb5\xc7\xc2\xbc\xcc\xac\xca\xa7\xd0\xa7",
                br#"","Data":{"K":1e999}}"#,
            ]
            .concat(),
        ),
        _ => Reply::ok(json!({"Note": "again"})),
    })
    .start()
    .await;
    let client = fake.client().build().unwrap();
    let data = client.execute(&Probe::default()).await.unwrap();
    assert_eq!(data.note.as_deref(), Some("again"));
    assert_eq!(fake.logins(), 2, "the refused ticket was renewed");
}
