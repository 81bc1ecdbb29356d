//! Signatures: the reference test vectors, compatibility with every official sample's style, and
//! refusal of bad signatures (never a panic).

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cme_sdk::{SignAction, SignParams, Signer, Validity, Verifier, VerifyError};
use hmac::{Hmac, Mac};
use sha1::Sha1;

const SECRET_ID: &str = "AKIDexampleSecretId000000000000000";
const SECRET_KEY: &str = "SecretKeyExample0123456789abcdef";
const NOW: u64 = 1_600_000_000;

const VECTOR_1: &str = "fFZmqpUxAlAEcgyNliRQlG+/2B1zZWNyZXRJZD1BS0lEZXhhbXBsZVNlY3JldElkMDAwMDAwMDAwMDAwMDAwJmN1cnJlbnRUaW1lU3RhbXA9MTYwMDAwMDAwMCZleHBpcmVUaW1lPTE2MDAwMDAzMDAmcmFuZG9tPTEyMzQ1JnBsYXRmb3JtPW15X3BsYXRmb3JtJmFjdGlvbj1Mb2dpbiZ1c2VySWQ9dXNlcl8wMDE=";
const VECTOR_2: &str = "KIxlCB+5bn4IpvfcwPLz9bRu8UdzZWNyZXRJZD1BS0lEZXhhbXBsZVNlY3JldElkMDAwMDAwMDAwMDAwMDAwJmN1cnJlbnRUaW1lU3RhbXA9MTYwMDAwMDAwMCZleHBpcmVUaW1lPTE2MDAwMDAzMDAmcmFuZG9tPTQyOTQ5NjcyOTUmcGxhdGZvcm09bXlfcGxhdGZvcm0mYWN0aW9uPU9wZW5Qcm9qZWN0JnVzZXJJZD0lRTclOTQlQTglRTYlODglQjcrQSZvcGVuUHJvamVjdC5wcm9qZWN0SWQ9Y21lcGlkXzVmYmI3MjUyNGU3MGMyMDAwMTkyZDRlZA==";

fn signer() -> Signer {
    Signer::new(SECRET_ID, SECRET_KEY)
}

fn verifier() -> Verifier {
    Verifier::new().key(SECRET_ID, SECRET_KEY)
}

#[test]
fn vector_1_login() {
    let params = SignParams::new("my_platform", "user_001", SignAction::Login)
        .now(NOW)
        .random(12345)
        .validity(Validity::DEFAULT);
    let signature = signer().sign(&params);
    assert_eq!(signature.expose_secret(), VECTOR_1);

    let blob = STANDARD.decode(VECTOR_1).unwrap();
    assert_eq!(hex(&blob[..20]), "7c5666aa9531025004720c8d962450946fbfd81d");
    assert_eq!(
        std::str::from_utf8(&blob[20..]).unwrap(),
        "secretId=AKIDexampleSecretId000000000000000&currentTimeStamp=1600000000\
         &expireTime=1600000300&random=12345&platform=my_platform&action=Login&userId=user_001"
    );
}

#[test]
fn vector_2_open_project_non_ascii_user_max_random() {
    let params = SignParams::new("my_platform", "用户 A", SignAction::OpenProject)
        .now(NOW)
        .random(u32::MAX)
        .validity(Validity::DEFAULT)
        .param("openProject.projectId", "cmepid_5fbb72524e70c2000192d4ed");
    assert_eq!(signer().sign(&params).expose_secret(), VECTOR_2);
    let blob = STANDARD.decode(VECTOR_2).unwrap();
    assert_eq!(hex(&blob[..20]), "288c65081fb96e7e08a6f7dcc0f2f3f5b46ef147");
}

#[test]
fn the_vectors_verify() {
    let claims = verifier()
        .verify(VECTOR_1, Some(SignAction::Login), NOW + 100)
        .unwrap();
    assert_eq!(claims.secret_id, SECRET_ID);
    assert_eq!(
        (claims.current_time_stamp, claims.expire_time, claims.random),
        (NOW, NOW + 300, 12345)
    );
    assert_eq!(
        (claims.platform.as_str(), claims.action.as_str()),
        ("my_platform", "Login")
    );
    assert_eq!(claims.user_id, "user_001");
    assert!(claims.extra.is_empty());
    assert_eq!(claims.project_id(), None);

    let claims = verifier()
        .verify(VECTOR_2, Some(SignAction::OpenProject), NOW)
        .unwrap();
    assert_eq!(claims.user_id, "用户 A");
    assert_eq!(claims.random, u64::from(u32::MAX));
    assert_eq!(claims.project_id(), Some("cmepid_5fbb72524e70c2000192d4ed"));
}

#[test]
fn signatures_round_trip_with_the_clock() {
    let signer = signer();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let validity = Validity::from_secs(600).unwrap();
    let cases = [
        (signer.login("p", "u 1", validity), SignAction::Login),
        (signer.upload("p", "u&=2", validity), SignAction::Upload),
        (
            signer.open_project("p", "u3", "pid", validity),
            SignAction::OpenProject,
        ),
    ];
    for (signature, action) in cases {
        let claims = verifier()
            .verify(signature.expose_secret(), Some(action), now)
            .unwrap();
        assert_eq!(claims.action, action.as_str());
        assert_eq!(claims.expire_time - claims.current_time_stamp, 600);
        assert!(claims.current_time_stamp.abs_diff(now) < 60);
    }
    // Reserved characters in values survive the round trip.
    let params = SignParams::new("p", "u&=2+%", SignAction::Upload)
        .now(NOW)
        .random(1);
    let claims = verifier()
        .verify(signer.sign(&params).expose_secret(), None, NOW)
        .unwrap();
    assert_eq!(claims.user_id, "u&=2+%");
}

#[test]
fn random_numbers_vary() {
    let a = signer().login("p", "u", Validity::from_secs(60).unwrap());
    let b = signer().login("p", "u", Validity::from_secs(60).unwrap());
    assert_ne!(a.expose_secret(), b.expose_secret());
}

// ---- The official samples' styles ----

/// How a sample form-urlencodes a value.
#[derive(Clone, Copy)]
enum Style {
    /// Go `url.QueryEscape` / PHP `urlencode`: space as `+`, only `-_.~` (Go) kept.
    Go,
    /// Java `URLEncoder.encode`: space as `+`, `*-._` kept.
    Java,
    /// Python `quote_plus`: space as `+`, `_.-~` kept.
    Python,
    /// PHP `http_build_query` (RFC 1738): space as `+`, `-_.` kept.
    Php,
    /// Node `querystring.escape`: space as `%20`, `!'()*-._~` kept.
    Node,
}

fn encode(value: &str, style: Style) -> String {
    let kept: &[u8] = match style {
        Style::Go | Style::Python => b"-_.~",
        Style::Java => b"*-._",
        Style::Php => b"-_.",
        Style::Node => b"!'()*-._~",
    };
    let mut out = String::new();
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || kept.contains(&b) {
            out.push(b as char);
        } else if b == b' ' && !matches!(style, Style::Node) {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds a signature the way a sample does: its key order, its encoding, HMAC over the bytes.
fn sample_signature(key: &str, params: &[(&str, String)], style: Style) -> String {
    let mut pairs: Vec<(&str, &String)> = params.iter().map(|(k, v)| (*k, v)).collect();
    match style {
        Style::Go => pairs.sort_by(|a, b| a.0.cmp(b.0)),
        // A HashMap's order: arbitrary; any fixed scramble will do.
        Style::Java => pairs.reverse(),
        Style::Python | Style::Php | Style::Node => {}
    }
    let original = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k, style), encode(v, style)))
        .collect::<Vec<_>>()
        .join("&");
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(original.as_bytes());
    let mut blob = mac.finalize().into_bytes().to_vec();
    blob.extend_from_slice(original.as_bytes());
    STANDARD.encode(blob)
}

fn sample_params(user_id: &str, random: u64, action: &str) -> Vec<(&'static str, String)> {
    vec![
        ("secretId", SECRET_ID.to_owned()),
        ("currentTimeStamp", NOW.to_string()),
        ("expireTime", (NOW + 300).to_string()),
        ("random", random.to_string()),
        ("platform", "my platform".to_owned()),
        ("action", action.to_owned()),
        ("userId", user_id.to_owned()),
    ]
}

#[test]
fn signatures_in_every_official_sample_style_verify() {
    let users = ["user_001", "用户 A", "a+b c/d=e&f*g~h", "日本語 テスト"];
    let styles = [
        (Style::Go, u64::from(u32::MAX)),
        (Style::Java, i32::MAX as u64 - 1),
        (Style::Python, 999_999),
        (Style::Php, 2_147_483_647),
        // Node's `Math.round(Math.random() * 2^32)` can yield 2^32.
        (Style::Node, 1 << 32),
    ];
    for user in users {
        for (style, random) in styles {
            let mut params = sample_params(user, random, "OpenProject");
            params.push(("openProject.projectId", "cmepid_1".to_owned()));
            let signature = sample_signature(SECRET_KEY, &params, style);
            let claims = verifier()
                .verify(&signature, Some(SignAction::OpenProject), NOW + 1)
                .unwrap_or_else(|e| panic!("{user:?} in style {}: {e}", style as u8));
            assert_eq!(claims.user_id, user);
            assert_eq!(claims.platform, "my platform");
            assert_eq!(claims.random, random);
            assert_eq!(claims.project_id(), Some("cmepid_1"));
        }
    }
}

#[test]
fn the_iframe_tutorials_project_id_key_is_read_too() {
    let mut params = sample_params("u", 1, "OpenProject");
    params.push(("projectId", "cmepid_2".to_owned()));
    let signature = sample_signature(SECRET_KEY, &params, Style::Python);
    let claims = verifier().verify(&signature, None, NOW).unwrap();
    assert_eq!(claims.project_id(), Some("cmepid_2"));
    assert_eq!(
        claims.extra,
        [("projectId".to_owned(), "cmepid_2".to_owned())]
    );
}

// ---- Refusals ----

fn login_at_now() -> String {
    signer()
        .sign(
            &SignParams::new("p", "u", SignAction::Login)
                .now(NOW)
                .random(7)
                .validity(Validity::DEFAULT),
        )
        .expose_secret()
        .to_owned()
}

#[test]
fn tampering_is_refused() {
    let mut blob = STANDARD.decode(login_at_now()).unwrap();
    blob[3] ^= 0x01;
    let tampered_digest = STANDARD.encode(&blob);
    assert_eq!(
        verifier().verify(&tampered_digest, None, NOW),
        Err(VerifyError::BadSignature)
    );

    let mut blob = STANDARD.decode(login_at_now()).unwrap();
    let last = blob.len() - 1;
    blob[last] = b'v'; // userId=u -> userId=v
    assert_eq!(
        verifier().verify(&STANDARD.encode(&blob), None, NOW),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn wrong_or_unknown_keys_are_refused() {
    let other_key = Verifier::new().key(SECRET_ID, "another key");
    assert_eq!(
        other_key.verify(&login_at_now(), None, NOW),
        Err(VerifyError::BadSignature)
    );
    let other_id = Verifier::new().key("AKIDother", SECRET_KEY);
    assert_eq!(
        other_id.verify(&login_at_now(), None, NOW),
        Err(VerifyError::UnknownSecretId)
    );
    // Several keys: the right one is picked by secretId.
    let both = Verifier::new()
        .key("AKIDother", "x")
        .key(SECRET_ID, SECRET_KEY);
    assert!(both.verify(&login_at_now(), None, NOW).is_ok());
}

#[test]
fn the_validity_window_is_checked_with_clock_skew() {
    let sig = login_at_now();
    let v = verifier().clock_skew(Duration::from_secs(60));
    assert!(v.verify(&sig, None, NOW + 300 + 60).is_ok());
    assert_eq!(
        v.verify(&sig, None, NOW + 300 + 61),
        Err(VerifyError::Expired)
    );
    assert!(v.verify(&sig, None, NOW - 60).is_ok());
    assert_eq!(
        v.verify(&sig, None, NOW - 61),
        Err(VerifyError::NotYetValid)
    );
    let strict = verifier().clock_skew(Duration::ZERO);
    assert_eq!(
        strict.verify(&sig, None, NOW + 301),
        Err(VerifyError::Expired)
    );
}

#[test]
fn a_signature_window_is_never_empty_nor_endless() {
    // Once, a sub-second validity signed `expireTime == currentTimeStamp` and `Duration::MAX`
    // a window that never ends; a `Validity` is 1 s to 90 days, or it is not built.
    assert!(Validity::try_from(Duration::from_millis(500)).is_err());
    assert!(Validity::try_from(Duration::MAX).is_err());
    for (validity, window) in [
        (Validity::MIN, 1),
        (Validity::DEFAULT, 300),
        (Validity::MAX, 90 * 24 * 3600),
    ] {
        let params = SignParams::new("p", "u", SignAction::Login)
            .now(NOW)
            .validity(validity);
        let claims = verifier()
            .verify(signer().sign(&params).expose_secret(), None, NOW)
            .unwrap();
        assert_eq!(claims.expire_time - claims.current_time_stamp, window);
    }
}

#[test]
fn the_action_is_checked() {
    let err = verifier()
        .verify(&login_at_now(), Some(SignAction::Upload), NOW)
        .unwrap_err();
    assert_eq!(
        err,
        VerifyError::WrongAction {
            expected: SignAction::Upload,
            actual: "Login".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "signature is for action \"Login\", expected Upload"
    );
}

#[test]
fn missing_parameters_are_named() {
    for missing in [
        "secretId",
        "currentTimeStamp",
        "expireTime",
        "random",
        "platform",
        "action",
        "userId",
    ] {
        let params: Vec<_> = sample_params("u", 1, "Login")
            .into_iter()
            .filter(|(k, _)| *k != missing)
            .collect();
        let signature = sample_signature(SECRET_KEY, &params, Style::Python);
        assert_eq!(
            verifier().verify(&signature, None, NOW),
            Err(VerifyError::MissingParameter(missing)),
            "{missing}"
        );
    }
}

#[test]
fn malformed_signatures_are_refused_without_panicking() {
    let malformed = |s: &str| {
        matches!(
            verifier().verify(s, None, NOW),
            Err(VerifyError::Malformed(_))
        )
    };
    assert!(malformed("not base64 at all!"));
    assert!(malformed(""));
    assert!(malformed(&STANDARD.encode([1u8; 10])), "too short");
    assert!(
        malformed(&STANDARD.encode([1u8; 20])),
        "a digest without plaintext"
    );

    let mut non_numeric = sample_params("u", 1, "Login");
    non_numeric[2].1 = "soon".into();
    assert!(malformed(&sample_signature(
        SECRET_KEY,
        &non_numeric,
        Style::Go
    )));

    let mut repeated = sample_params("u", 1, "Login");
    repeated.push(("userId", "admin".into()));
    assert!(malformed(&sample_signature(
        SECRET_KEY,
        &repeated,
        Style::Python
    )));

    let mut blob = vec![0u8; 20];
    blob.extend_from_slice(b"secretId=\xff\xfe");
    assert!(malformed(&STANDARD.encode(&blob)), "non-UTF-8 plaintext");

    // A line-wrapped signature (old Java encoders) still verifies.
    let sig = login_at_now();
    let wrapped = format!("{}\r\n{}", &sig[..76], &sig[76..]);
    assert!(verifier().verify(&wrapped, None, NOW).is_ok());

    // Arbitrary input never panics.
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for len in 0..400 {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        let _ = verifier().verify(&STANDARD.encode(&bytes), None, NOW);
        let _ = verifier().verify(&String::from_utf8_lossy(&bytes), None, NOW);
    }
    let huge = STANDARD.encode(format!("{}&a=1", "x=1&".repeat(10_000)));
    assert!(verifier().verify(&huge, None, NOW).is_err());
}

#[test]
fn every_refusal_reads_as_a_sentence_and_is_an_error() {
    let cases = [
        (
            VerifyError::Malformed("bad Base64".into()),
            "malformed signature: bad Base64",
        ),
        (VerifyError::UnknownSecretId, "unknown secretId"),
        (VerifyError::BadSignature, "signature does not match"),
        (VerifyError::Expired, "signature expired"),
        (VerifyError::NotYetValid, "signature not yet valid"),
        (
            VerifyError::MissingParameter("userId"),
            "missing signature parameter userId",
        ),
        (
            VerifyError::WrongAction {
                expected: SignAction::OpenProject,
                actual: "Login".into(),
            },
            "signature is for action \"Login\", expected OpenProject",
        ),
    ];
    for (err, shown) in cases {
        assert_eq!(err.to_string(), shown);
        let err: Box<dyn std::error::Error + Send + Sync> = Box::new(err);
        assert!(err.source().is_none(), "{shown}");
    }
}

#[test]
fn debug_never_shows_keys() {
    let shown = format!("{:?} {:?}", signer(), verifier());
    assert!(shown.contains(SECRET_ID));
    assert!(!shown.contains(SECRET_KEY));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn signer_from_env_names_the_missing_variable_and_never_the_key() {
    // One test owns these variables: no other test of this binary reads them.
    let set = |id: Option<&str>, key: Option<&str>| {
        for (name, value) in [
            (cme_sdk::signer::SECRET_ID_VAR, id),
            (cme_sdk::signer::SECRET_KEY_VAR, key),
        ] {
            match value {
                Some(v) => std::env::set_var(name, v),
                None => std::env::remove_var(name),
            }
        }
    };
    set(None, Some(SECRET_KEY));
    let err = Signer::from_env().unwrap_err();
    assert_eq!(err.to_string(), "TENCENTCLOUD_SECRET_ID is not set");
    assert_eq!(err.variable(), cme_sdk::signer::SECRET_ID_VAR);
    set(Some(SECRET_ID), Some("  "));
    let err = Signer::from_env().unwrap_err();
    assert_eq!(err.to_string(), "TENCENTCLOUD_SECRET_KEY is empty");
    set(Some(SECRET_ID), Some(SECRET_KEY));
    let signer = Signer::from_env().unwrap();
    assert_eq!(signer.secret_id(), SECRET_ID);
    assert!(!format!("{signer:?}").contains(SECRET_KEY));
    set(None, None);
}
