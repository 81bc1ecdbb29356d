//! Hand-made hostile replies, beside the spec's examples: what the adversarial review sent.

use crate::secrets;

/// Reply bodies that broke, or could break, the envelope rule: `Code` beside `Response`, bad
/// bytes beside a code (GBK, non-UTF-8 keys, numbers beyond every range), duplicate members,
/// deep nesting, both login shapes, bodies that are not envelopes, and messages that echo
/// `secret` (and a ticket-like value of the reply's own) in every encoded form.
pub fn hostile_replies(secret: &str) -> Vec<Vec<u8>> {
    let mut replies: Vec<Vec<u8>> = [
        r#"{"Code":"InternalError","Response":{}}"#,
        r#"{"Code":"AuthFailure.SessionInvalid","Response":{}}"#,
        r#"{"Response":{"Authorization":"t"},"Code":"AuthFailure.SessionInvalid"}"#,
        r#"{"Code":"InternalError","Response":{"Error":null},"Data":{}}"#,
        r#"{"Code":7,"Response":{"Authorization":"t"}}"#,
        r#"{"Code":"Success","Code":"AuthFailure.InvalidAuthorization"}"#,
        r#"{"Code":"AuthFailure.TokenFailure","Code":null,"Response":{"Authorization":"t"}}"#,
        r#"{"Code":1001,"Message":"\u5a92\u4f53\u4e0d\u5b58\u5728","EnglishMessage":{"x":[1]}}"#,
        r#"{"Code":0,"Data":{}}"#,
        r#"{"Code":"success","Data":[]}"#,
        r#"{"Code":"Success","Data":{"N":1e999,"M":-0,"L":123456789012345678901234567890}}"#,
        r#"{"Code":"InvalidParameter","Data":{"N":1e999}}"#,
        r#"{"Data":{"N":[-1e400]},"Code":"InvalidParameter","Message":"m"}"#,
        r#"{"Response":{"Error":{"Code":"InvalidParameterValue.Platform","Message":"platform not exist"},"RequestId":"r"}}"#,
        r#"{"Response":{"Authorization":"tf+0Ticket/Of=TheReply","AppId":"tf+0Ticket/Of=TheReply"}}"#,
        r#"{"Response":{"Authorization":"tf_9a8b7c","AppId":1300000001,"Platform":"p","TfUid":"u","RequestId":"r"}}"#,
        r#"{"Code":"Success","Message":"成功","EnglishMessage":"success","Data":{"Authorization":"tf_old","Platform":"p","UserId":"u"}}"#,
        r#"{"Code":"Success","Data":{"Authorization":"   "}}"#,
        r#"<html><body>502 Bad Gateway</body></html>"#,
        "",
        "null",
        "[]",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();

    // "登录态失效" in GBK, and stray bytes in the other texts and in a key of `Data`.
    replies.push(
        [
            &br#"{"Code":"AuthFailure.SessionInvalid","Message":""#[..],
            b"\xb5\xc7\xc2\xbc\xcc\xac\xca\xa7\xd0\xa7",
            br#"","EnglishMessage":"session "#,
            b"\xff",
            br#" invalid","RequestId":"r-"#,
            b"\xfe\"}",
        ]
        .concat(),
    );
    replies.push(b"{\"Code\":\"InvalidParameter\",\"Data\":{\"\xff\":1}}".to_vec());
    replies.push(b"{\"Code\":\"Success\",\"Data\":{\"Name\":\"a\xffb\"}}".to_vec());
    for depth in [100, 127, 128, 129] {
        replies.push(
            format!(
                r#"{{"Code":"AuthFailure.SessionInvalid","Data":{}{}}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            )
            .into_bytes(),
        );
    }
    replies.push(
        serde_json::json!({"Code": "InvalidParameter", "Message": "媒体不存在\n".repeat(2_000)})
            .to_string()
            .into_bytes(),
    );
    for form in secrets::forms(secret) {
        replies.push(
            serde_json::json!({"Code": "AuthFailure.SessionInvalid",
                "Message": format!("ticket {form} is invalid"),
                "EnglishMessage": format!("auth={form}&x=1")})
            .to_string()
            .into_bytes(),
        );
        replies.push(
            serde_json::json!({"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                "Message": format!("signature {form} expired")}, "RequestId": "r"}})
            .to_string()
            .into_bytes(),
        );
        replies.push(
            serde_json::json!({"Code": "Success", "Data": {"AppId": form, "Authorization": form}})
                .to_string()
                .into_bytes(),
        );
    }
    replies
}
