//! The COS request signature, version 5 (`q-sign-algorithm=sha1`), as Tencent's COS SDKs make
//! it (cos-python-sdk-v5 `CosS3Auth`, cos-js-sdk-v5 `getAuth`, cos-go-sdk-v5 `newAuthorization`):
//!
//! 1. `KeyTime = "<start>;<end>"` (Unix seconds); `SignKey = hex(HMAC-SHA1(SecretKey, KeyTime))`.
//! 2. Parameter and header names are percent-encoded and lower-cased, values percent-encoded
//!    (all but `A-Z a-z 0-9 - _ . ~`); each list is sorted and joined as `name=value` with `&`.
//! 3. `HttpString = lower(method) \n path \n params \n headers \n`, the path as the object key
//!    is written (`/` first, not encoded).
//! 4. `StringToSign = "sha1" \n KeyTime \n hex(SHA1(HttpString)) \n`.
//! 5. `Signature = hex(HMAC-SHA1(SignKey, StringToSign))`, sent as `Authorization:
//!    q-sign-algorithm=sha1&q-ak=…&q-sign-time=…&q-key-time=…&q-header-list=…&q-url-param-list=…&q-signature=…`.
//!
//! The server checks the signature over exactly the names the two lists give, so the signer
//! signs what it is handed: the caller passes the headers it sends and wants covered.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::{Digest as _, Sha1};

use super::hex;
use crate::signer::digest as hmac_sha1;

/// What COS percent-encodes in names and values: everything but the RFC 3986 unreserved
/// characters (Python's `quote(s, safe='-_.~')`).
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// One request to sign.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request<'a> {
    /// `PUT`, `POST`, … (any case).
    pub(crate) method: &'a str,
    /// The object key as a path: `/` followed by the key, not encoded.
    pub(crate) path: &'a str,
    /// The query parameters; a bare `?uploads` is `("uploads", "")`.
    pub(crate) params: &'a [(&'a str, &'a str)],
    /// The headers to sign, with the values sent.
    pub(crate) headers: &'a [(&'a str, &'a str)],
    /// When the signature starts and stops being valid, Unix seconds.
    pub(crate) start: u64,
    pub(crate) end: u64,
}

/// The `Authorization` header value of `request`, signed with the key pair.
pub(crate) fn authorization(secret_id: &str, secret_key: &str, request: &Request<'_>) -> String {
    let key_time = format!("{};{}", request.start, request.end);
    let (param_list, params) = canonical(request.params);
    let (header_list, headers) = canonical(request.headers);
    let http_string = format!(
        "{}\n{}\n{params}\n{headers}\n",
        request.method.to_ascii_lowercase(),
        request.path
    );
    let string_to_sign = format!(
        "sha1\n{key_time}\n{}\n",
        hex(&Sha1::digest(http_string.as_bytes()))
    );
    let sign_key = hex(&hmac_sha1(secret_key.as_bytes(), key_time.as_bytes()));
    let signature = hex(&hmac_sha1(sign_key.as_bytes(), string_to_sign.as_bytes()));
    format!(
        "q-sign-algorithm=sha1&q-ak={secret_id}&q-sign-time={key_time}&q-key-time={key_time}\
         &q-header-list={header_list}&q-url-param-list={param_list}&q-signature={signature}"
    )
}

/// The sorted `;`-joined names and the sorted `&`-joined `name=value` pairs of `pairs`.
fn canonical(pairs: &[(&str, &str)]) -> (String, String) {
    let mut encoded: Vec<(String, String)> = pairs
        .iter()
        .map(|(name, value)| {
            let name = utf8_percent_encode(name, ENCODED)
                .to_string()
                .to_ascii_lowercase();
            (name, utf8_percent_encode(value, ENCODED).to_string())
        })
        .collect();
    encoded.sort();
    let names = encoded
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let joined = encoded
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&");
    (names, joined)
}

#[cfg(test)]
mod tests {
    //! Vectors made independently with Tencent's Python COS SDK (cos-python-sdk-v5 1.9.44,
    //! `pip install cos-python-sdk-v5`), through its public `CosS3Client.get_auth`, by this
    //! script:
    //!
    //! ```python
    //! import time
    //! from qcloud_cos import CosConfig, CosS3Client
    //!
    //! time.time = lambda: 1700000000  # sign time = 1699999940;1700003600 (now-60 ; now+Expired)
    //! conf = CosConfig(Region="ap-chongqing", SecretId="AKIDtmpSecretId0000", SecretKey="tmp/Secret+Key=0",
    //!                  Token="tok+en/with=chars", SignHost=False)
    //! client = CosS3Client(conf)
    //! bucket = "faeed456vodcq1400170034-10022853"
    //! key = "/faeed456vodcq1400170034/7f51d96b5285890784418605123/x2eWFXPftMEA.mp4"
    //! token = "tok+en/with=chars"
    //! upload_id = "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361"
    //! cases = [
    //!     ("initiate", "POST", key, {"x-cos-security-token": token}, {"uploads": ""}),
    //!     ("part", "PUT", key, {"Content-Length": "1048576", "x-cos-security-token": token},
    //!      {"partNumber": "7", "uploadId": upload_id}),
    //!     ("complete", "POST", key, {"Content-Type": "application/xml", "Content-Length": "123",
    //!                                "x-cos-security-token": token}, {"uploadId": upload_id}),
    //!     ("list", "GET", key, {"x-cos-security-token": token},
    //!      {"uploadId": upload_id, "part-number-marker": "1000", "max-parts": "1000"}),
    //!     ("abort", "DELETE", key, {"x-cos-security-token": token}, {"uploadId": upload_id}),
    //!     ("unicode", "PUT", "/dir/a b+c/视频 (1).mp4", {"Content-Length": "1", "X-Cos-Meta-Name": "视频 (1)!*'"}, {}),
    //! ]
    //! for name, method, k, headers, params in cases:
    //!     print(name, client.get_auth(Method=method, Bucket=bucket, Key=k, Expired=3600, Headers=headers, Params=params))
    //! # With the host signed (SignHost=True): the host name without the port, as cos-python takes it from the URL.
    //! print("host", client.get_auth(Method="PUT", Bucket=bucket, Key=key, Expired=3600,
    //!       Headers={"Content-Length": "1"}, Params={}, SignHost=True))
    //! ```

    use super::*;

    const SECRET_ID: &str = "AKIDtmpSecretId0000";
    const SECRET_KEY: &str = "tmp/Secret+Key=0";
    const TOKEN: &str = "tok+en/with=chars";
    const KEY: &str = "/faeed456vodcq1400170034/7f51d96b5285890784418605123/x2eWFXPftMEA.mp4";
    const UPLOAD_ID: &str =
        "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361";
    const PREFIX: &str = "q-sign-algorithm=sha1&q-ak=AKIDtmpSecretId0000\
        &q-sign-time=1699999940;1700003600&q-key-time=1699999940;1700003600";

    fn sign(method: &str, path: &str, params: &[(&str, &str)], headers: &[(&str, &str)]) -> String {
        let request = Request {
            method,
            path,
            params,
            headers,
            start: 1_699_999_940,
            end: 1_700_003_600,
        };
        authorization(SECRET_ID, SECRET_KEY, &request)
    }

    fn expected(rest: &str) -> String {
        format!("{PREFIX}&{rest}")
    }

    #[test]
    fn matches_the_python_sdk_on_every_request_of_an_upload() {
        let token = [("x-cos-security-token", TOKEN)];
        let cases = [
            (
                sign("POST", KEY, &[("uploads", "")], &token),
                "q-header-list=x-cos-security-token&q-url-param-list=uploads\
                 &q-signature=76b8bfb94d46f452dca09cf634e269744a2ea055",
            ),
            (
                sign(
                    "PUT",
                    KEY,
                    &[("partNumber", "7"), ("uploadId", UPLOAD_ID)],
                    &[
                        ("Content-Length", "1048576"),
                        ("x-cos-security-token", TOKEN),
                    ],
                ),
                "q-header-list=content-length;x-cos-security-token\
                 &q-url-param-list=partnumber;uploadid\
                 &q-signature=d41086c472f79488fba2cad9ba6e0267d7fa3889",
            ),
            (
                sign(
                    "POST",
                    KEY,
                    &[("uploadId", UPLOAD_ID)],
                    &[
                        ("Content-Type", "application/xml"),
                        ("Content-Length", "123"),
                        ("x-cos-security-token", TOKEN),
                    ],
                ),
                "q-header-list=content-length;content-type;x-cos-security-token\
                 &q-url-param-list=uploadid\
                 &q-signature=7071210b4be29e8f1c97da85a262af03d831fead",
            ),
            (
                sign(
                    "GET",
                    KEY,
                    &[
                        ("uploadId", UPLOAD_ID),
                        ("part-number-marker", "1000"),
                        ("max-parts", "1000"),
                    ],
                    &token,
                ),
                "q-header-list=x-cos-security-token\
                 &q-url-param-list=max-parts;part-number-marker;uploadid\
                 &q-signature=0f8bc169c956f58192b58c97ae81082cbb437498",
            ),
            (
                sign("DELETE", KEY, &[("uploadId", UPLOAD_ID)], &token),
                "q-header-list=x-cos-security-token&q-url-param-list=uploadid\
                 &q-signature=fb5c5db6cb07ac3ba28efc788c4f5c49a6bb01c2",
            ),
        ];
        for (got, rest) in cases {
            assert_eq!(got, expected(rest));
        }
    }

    #[test]
    fn encodes_names_values_and_leaves_the_path_as_written() {
        let got = sign(
            "PUT",
            "/dir/a b+c/视频 (1).mp4",
            &[],
            &[("Content-Length", "1"), ("X-Cos-Meta-Name", "视频 (1)!*'")],
        );
        assert_eq!(
            got,
            expected(
                "q-header-list=content-length;x-cos-meta-name&q-url-param-list=\
                 &q-signature=a8977a02ca7598b5187767a43fa00d1672a3d85a"
            )
        );
        let host = "faeed456vodcq1400170034-10022853.cos.ap-chongqing.myqcloud.com";
        let got = sign("PUT", KEY, &[], &[("Content-Length", "1"), ("host", host)]);
        assert_eq!(
            got,
            expected(
                "q-header-list=content-length;host&q-url-param-list=\
                 &q-signature=885dc4656e318cd7b4c7ac364622afea1e037297"
            )
        );
    }

    /// The emulator's vector (`emulator/src/cos/auth.rs`, `verifies_a_signature_made_by_the_python_sdk`,
    /// made with cos-python-sdk-v5 1.9.44, `CosConfig(Domain="127.0.0.1:8687", …)`,
    /// `get_auth(…, SignHost=True)` at `time.time() == 1700000000`): other credentials, the host
    /// signed, a content type.
    #[test]
    fn matches_the_python_sdk_vector_the_emulator_verifies() {
        let request = Request {
            method: "PUT",
            path: "/4f1a2b3cvodgz1500000001/8a9b0c1d5285890123456789012/Ab3dEf9hIj2K.mp4",
            params: &[
                ("partNumber", "2"),
                ("uploadId", "1700000000a1b2c3d4e5f60718293a4b5c6d7e8f9"),
            ],
            headers: &[
                ("content-type", "application/octet-stream"),
                ("x-cos-security-token", "tok"),
                ("content-length", "5"),
                // cos-python signs the host of the URL without its port
                ("host", "127.0.0.1"),
            ],
            start: 1_699_999_940,
            end: 1_700_003_600,
        };
        let got = authorization(
            "AKIDexampleTmpSecretId0000000000000",
            "exampleTmpSecretKey00000000000000",
            &request,
        );
        assert_eq!(
            got,
            "q-sign-algorithm=sha1&q-ak=AKIDexampleTmpSecretId0000000000000\
             &q-sign-time=1699999940;1700003600&q-key-time=1699999940;1700003600\
             &q-header-list=content-length;content-type;host;x-cos-security-token\
             &q-url-param-list=partnumber;uploadid\
             &q-signature=087336458c05654a8ff61a7aebbb661fe8bf7bc0"
        );
    }
}
