//! The COS v5 request signature, verified (reference `upload-and-cli.md` §1.12; the same
//! algorithm as cos-js `getAuth`, cos-python `CosS3Auth`, cos-go `newAuthorization`):
//!
//! 1. `SignKey = hex(HMAC-SHA1(SecretKey, q-key-time))`;
//! 2. `HttpString = lower(method) \n path \n params \n headers \n`, where `params` and
//!    `headers` are `name=value` joined by `&`, sorted by name, over exactly the names listed in
//!    `q-url-param-list` and `q-header-list`, names lower-cased and values URL-encoded (only
//!    `A-Z a-z 0-9 - _ . ~` kept);
//! 3. `StringToSign = "sha1" \n q-sign-time \n hex(SHA1(HttpString)) \n`;
//! 4. `q-signature = hex(HMAC-SHA1(SignKey, StringToSign))`.
//!
//! The signature comes in the `Authorization` header, or in the query (a presigned URL). The key
//! must be a temporary credential the emulator issued, sent with its `x-cos-security-token`
//! (header, or query for a presigned URL), not expired, and the signature's time window must hold
//! now.
//!
//! One allowance: a client that signs `host` without the port (cos-python takes the URL's host
//! name) while sending `Host: 127.0.0.1:<port>` is accepted; the real service is on the default
//! port, where the two agree.

use axum::http::{HeaderMap, StatusCode};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::{Digest, Sha1};

use super::CosError;
use crate::credentials::{Credentials, TempCredential};
use crate::signature::{hex, hmac_sha1};

/// What the v5 encoding keeps: letters, digits and `-_.~`.
const COS_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// How far a signature's start may be ahead of the emulator's clock, seconds (COS: 15 minutes).
pub(crate) const MAX_CLOCK_SKEW: i64 = 900;

/// The v5 encoding of a name or value.
pub(crate) fn encode(text: &str) -> String {
    utf8_percent_encode(text, COS_ENCODE).to_string()
}

/// A request as the signature sees it.
#[derive(Debug)]
pub(crate) struct SignedRequest<'a> {
    /// The HTTP method.
    pub(crate) method: &'a str,
    /// The URL path, percent-decoded, starting with `/`.
    pub(crate) path: &'a str,
    /// The query parameters, percent-decoded, in order.
    pub(crate) query: &'a [(String, String)],
    /// The headers.
    pub(crate) headers: &'a HeaderMap,
}

/// The parts of an `Authorization`.
#[derive(Debug, Default)]
struct Authorization {
    algorithm: String,
    ak: String,
    sign_time: String,
    key_time: String,
    header_list: String,
    param_list: String,
    signature: String,
}

impl Authorization {
    fn parse(pairs: impl Iterator<Item = (String, String)>) -> Self {
        let mut a = Authorization::default();
        for (k, v) in pairs {
            match k.as_str() {
                "q-sign-algorithm" => a.algorithm = v,
                "q-ak" => a.ak = v,
                "q-sign-time" => a.sign_time = v,
                "q-key-time" => a.key_time = v,
                "q-header-list" => a.header_list = v,
                "q-url-param-list" => a.param_list = v,
                "q-signature" => a.signature = v,
                _ => {}
            }
        }
        a
    }
}

/// The `start;end` of a time window.
fn window(text: &str, name: &str) -> Result<(i64, i64), CosError> {
    let parsed = text
        .split_once(';')
        .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?)));
    match parsed {
        Some((start, end)) if start <= end => Ok((start, end)),
        _ => Err(CosError::access_denied(format!(
            "the Authorization's {name} {text:?} is not <start>;<end> in Unix seconds"
        ))),
    }
}

/// The canonical `name=value&…` of the listed names, sorted; `value_of` gives a name's value.
fn canonical<'v>(list: &str, value_of: impl Fn(&str) -> Option<&'v str>) -> String {
    let mut names: Vec<String> = list
        .split(';')
        .filter(|n| !n.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    names.sort();
    names.dedup();
    names
        .iter()
        .map(|n| format!("{}={}", encode(n), encode(value_of(n).unwrap_or(""))))
        .collect::<Vec<_>>()
        .join("&")
}

/// The signature of `request` under `secret_key`, over the names the `Authorization` lists;
/// `host` replaces the `Host` header's value when given.
fn signature(
    request: &SignedRequest<'_>,
    a: &Authorization,
    secret_key: &str,
    host: Option<&str>,
) -> String {
    let params = canonical(&a.param_list, |name| {
        request
            .query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    });
    let headers = canonical(&a.header_list, |name| match (name, host) {
        ("host", Some(host)) => Some(host),
        _ => request.headers.get(name).and_then(|v| v.to_str().ok()),
    });
    let http_string = format!(
        "{}\n{}\n{params}\n{headers}\n",
        request.method.to_ascii_lowercase(),
        request.path
    );
    let string_to_sign = format!(
        "sha1\n{}\n{}\n",
        a.sign_time,
        hex(&Sha1::digest(http_string.as_bytes()))
    );
    let sign_key = hex(&hmac_sha1(secret_key.as_bytes(), a.key_time.as_bytes()));
    hex(&hmac_sha1(sign_key.as_bytes(), string_to_sign.as_bytes()))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Verifies `request`'s signature at `now` against the issued `credentials`; the credential it
/// was made with.
pub(crate) fn verify(
    request: &SignedRequest<'_>,
    credentials: &Credentials,
    now: i64,
) -> Result<TempCredential, CosError> {
    let from_query = request.query.iter().any(|(k, _)| k == "q-signature");
    let a = match request.headers.get("authorization") {
        Some(value) => {
            let text = value
                .to_str()
                .map_err(|_| CosError::access_denied("the Authorization header is not text"))?;
            Authorization::parse(
                text.split('&')
                    .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
                    .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())),
            )
        }
        None if from_query => Authorization::parse(request.query.iter().cloned()),
        None => {
            return Err(CosError::new(
                StatusCode::FORBIDDEN,
                "AccessDenied",
                "Access Denied.",
            ))
        }
    };
    if a.algorithm != "sha1" {
        return Err(CosError::access_denied(format!(
            "q-sign-algorithm {:?} is not sha1",
            a.algorithm
        )));
    }
    if a.signature.is_empty() || a.ak.is_empty() {
        return Err(CosError::access_denied(
            "the Authorization has no q-ak or q-signature",
        ));
    }
    let (start, end) = window(&a.sign_time, "q-sign-time")?;
    window(&a.key_time, "q-key-time")?;
    let credential = credentials.get(&a.ak).ok_or_else(|| {
        CosError::new(
            StatusCode::FORBIDDEN,
            "InvalidAccessKeyId",
            "The Access Key Id you provided does not exist in our records.",
        )
    })?;
    let token = request
        .headers
        .get("x-cos-security-token")
        .and_then(|v| v.to_str().ok())
        .or_else(|| {
            request
                .query
                .iter()
                .find(|(k, _)| k == "x-cos-security-token")
                .map(|(_, v)| v.as_str())
        });
    match token {
        None => return Err(CosError::access_denied(
            "x-cos-security-token is missing: a temporary secretId needs the token issued with it",
        )),
        Some(t) if !same(t, &credential.token) => {
            return Err(CosError::access_denied(
                "x-cos-security-token is not the token issued with this secretId",
            ))
        }
        Some(_) => {}
    }
    if now >= credential.expires {
        // What the real service answers for an expired temporary key, as Tencent's own VOD
        // upload SDKs expect it ("临时密钥过期", then they apply again with the vodSessionKey).
        return Err(CosError::authored(
            StatusCode::FORBIDDEN,
            "RequestTimeTooSkewed",
            format!(
                "the temporary secret key expired at {} (now {now}): apply again with the vodSessionKey for new credentials",
                credential.expires
            ),
        ));
    }
    let host_header = request.headers.get("host").and_then(|v| v.to_str().ok());
    let host_name = host_header.and_then(|h| {
        h.rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map(|(name, _)| name)
    });
    let matches = |host: Option<&str>| {
        same(
            &signature(request, &a, &credential.secret_key, host),
            &a.signature.to_ascii_lowercase(),
        )
    };
    if !(matches(None) || (host_name.is_some() && matches(host_name))) {
        return Err(CosError::new(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The Signature you specified is invalid.",
        ));
    }
    if start > now.saturating_add(MAX_CLOCK_SKEW) {
        return Err(CosError::new(
            StatusCode::FORBIDDEN,
            "RequestTimeTooSkewed",
            "The difference between the request time and the server's time is too large.",
        ));
    }
    if end < now {
        return Err(CosError::new(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Request has expired",
        ));
    }
    Ok(credential)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    /// The signing side, written out for the test as the SDKs do it.
    fn sign(
        method: &str,
        path: &str,
        query: &[(String, String)],
        headers: &HeaderMap,
        id: &str,
        key: &str,
        window: &str,
    ) -> String {
        let mut q: Vec<String> = query.iter().map(|(k, _)| k.to_ascii_lowercase()).collect();
        q.sort();
        let mut h: Vec<String> = headers.keys().map(|k| k.as_str().to_owned()).collect();
        h.sort();
        let a = Authorization {
            algorithm: "sha1".into(),
            ak: id.into(),
            sign_time: window.into(),
            key_time: window.into(),
            header_list: h.join(";"),
            param_list: q.join(";"),
            signature: String::new(),
        };
        let request = SignedRequest {
            method,
            path,
            query,
            headers,
        };
        format!(
            "q-sign-algorithm=sha1&q-ak={id}&q-sign-time={window}&q-key-time={window}&q-header-list={}&q-url-param-list={}&q-signature={}",
            a.header_list,
            a.param_list,
            signature(&request, &a, key, None)
        )
    }

    /// A signature computed by Tencent's Python COS SDK (cos-python-sdk-v5 1.9, `CosS3Auth` with
    /// `time.time()` fixed at 1700000000 and `expire=3600`) for an UploadPart through a custom
    /// domain on port 8687: it signs `host` without the port, `content-length`, `content-type`
    /// and `x-cos-security-token`, and both query parameters.
    #[test]
    fn verifies_a_signature_made_by_the_python_sdk() {
        let credentials = Credentials::default();
        credentials.insert(TempCredential {
            secret_id: "AKIDexampleTmpSecretId0000000000000".to_owned(),
            secret_key: "exampleTmpSecretKey00000000000000".to_owned(),
            token: "tok".to_owned(),
            issued: 1_699_999_000,
            expires: 1_700_003_600,
            bucket: "4f1a2b3cvodgz1500000001-1250000001".to_owned(),
            prefix: "4f1a2b3cvodgz1500000001/".to_owned(),
        });
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("content-type", "application/octet-stream"),
            ("x-cos-security-token", "tok"),
            ("content-length", "5"),
            ("host", "127.0.0.1:8687"),
            ("authorization", "q-sign-algorithm=sha1&q-ak=AKIDexampleTmpSecretId0000000000000&q-sign-time=1699999940;1700003600&q-key-time=1699999940;1700003600&q-header-list=content-length;content-type;host;x-cos-security-token&q-url-param-list=partnumber;uploadid&q-signature=087336458c05654a8ff61a7aebbb661fe8bf7bc0"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        let query = vec![
            ("partNumber".to_owned(), "2".to_owned()),
            (
                "uploadId".to_owned(),
                "1700000000a1b2c3d4e5f60718293a4b5c6d7e8f9".to_owned(),
            ),
        ];
        let path = "/4f1a2b3cvodgz1500000001/8a9b0c1d5285890123456789012/Ab3dEf9hIj2K.mp4";
        let request = SignedRequest {
            method: "PUT",
            path,
            query: &query,
            headers: &headers,
        };
        assert!(verify(&request, &credentials, 1_700_000_000).is_ok());
        // one byte of the path changed: refused
        let other = SignedRequest {
            path: "/4f1a2b3cvodgz1500000001/8a9b0c1d5285890123456789012/Ab3dEf9hIj2k.mp4",
            ..request
        };
        assert_eq!(
            verify(&other, &credentials, 1_700_000_000)
                .err()
                .map(|e| e.code),
            Some("SignatureDoesNotMatch")
        );
    }

    #[test]
    fn encodes_as_the_sdks_do() {
        assert_eq!(
            encode("a b/c+d=e~f_g.h-i*j!k'(l)"),
            "a%20b%2Fc%2Bd%3De~f_g.h-i%2Aj%21k%27%28l%29"
        );
        assert_eq!(encode("中"), "%E4%B8%AD");
    }

    #[test]
    fn verifies_and_names_each_refusal() {
        let credentials = Credentials::default();
        let c = credentials.issue("b-1", "b/d/", 1000, 600);
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:9000"));
        headers.insert(
            "x-cos-security-token",
            HeaderValue::from_str(&c.token).expect("token"),
        );
        let query = vec![
            ("partNumber".to_owned(), "1".to_owned()),
            ("uploadId".to_owned(), "u 1".to_owned()),
        ];
        let base = headers.clone();
        let auth = sign(
            "PUT",
            "/b/d/x.mp4",
            &query,
            &base,
            &c.secret_id,
            &c.secret_key,
            "990;2000",
        );
        headers.insert("authorization", HeaderValue::from_str(&auth).expect("auth"));
        let request = SignedRequest {
            method: "PUT",
            path: "/b/d/x.mp4",
            query: &query,
            headers: &headers,
        };
        assert_eq!(
            verify(&request, &credentials, 1000).map(|c| c.secret_id),
            Ok(c.secret_id.clone())
        );
        let code = |now: i64, headers: &HeaderMap, path: &str| {
            let r = SignedRequest {
                method: "PUT",
                path,
                query: &query,
                headers,
            };
            verify(&r, &credentials, now).err().map(|e| e.code)
        };
        assert_eq!(
            code(1000, &headers, "/b/d/y.mp4"),
            Some("SignatureDoesNotMatch")
        );
        assert_eq!(
            code(2001, &headers, "/b/d/x.mp4"),
            Some("RequestTimeTooSkewed"),
            "the credential expired"
        );
        // the headers signed for another time window
        let signed_for = |window: &str| {
            let mut signed = headers.clone();
            let auth = sign(
                "PUT",
                "/b/d/x.mp4",
                &query,
                &base,
                &c.secret_id,
                &c.secret_key,
                window,
            );
            signed.insert("authorization", HeaderValue::from_str(&auth).expect("auth"));
            signed
        };
        let late = signed_for("900;950");
        assert_eq!(
            code(1000, &late, "/b/d/x.mp4"),
            Some("AccessDenied"),
            "Request has expired"
        );
        let early = signed_for("5000;6000");
        assert_eq!(
            code(1000, &early, "/b/d/x.mp4"),
            Some("RequestTimeTooSkewed")
        );
        let mut no_token = headers.clone();
        no_token.remove("x-cos-security-token");
        assert_eq!(code(1000, &no_token, "/b/d/x.mp4"), Some("AccessDenied"));
        let mut stranger = headers.clone();
        stranger.insert("authorization", HeaderValue::from_static("q-sign-algorithm=sha1&q-ak=AKIDnobody&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature=00"));
        assert_eq!(
            code(1000, &stranger, "/b/d/x.mp4"),
            Some("InvalidAccessKeyId")
        );
        let mut none = headers.clone();
        none.remove("authorization");
        assert_eq!(code(1000, &none, "/b/d/x.mp4"), Some("AccessDenied"));
        // host signed without the port, as cos-python does
        let mut bare = base.clone();
        bare.insert("host", HeaderValue::from_static("127.0.0.1"));
        let auth = sign(
            "PUT",
            "/b/d/x.mp4",
            &query,
            &bare,
            &c.secret_id,
            &c.secret_key,
            "990;2000",
        );
        let mut sent = headers.clone();
        sent.insert("authorization", HeaderValue::from_str(&auth).expect("auth"));
        assert_eq!(code(1000, &sent, "/b/d/x.mp4"), None);
    }
}
