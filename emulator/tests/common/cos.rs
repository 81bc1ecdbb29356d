//! A small COS client for the tests: requests signed with the COS v5 algorithm as the SDKs
//! write it (the emulator's verifier is cross-checked against Tencent's Python SDK separately).

use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;
use sha1::{Digest, Sha1};

const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// A path keeps its slashes.
const PATH: &AsciiSet = &ENCODE.remove(b'/');

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hmac(key: &[u8], message: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("any key");
    mac.update(message.as_bytes());
    hex(&mac.finalize().into_bytes())
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, ENCODE).to_string()
}

/// Temporary credentials, as `ApplyUploadUGC` answers them.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub secret_id: String,
    pub secret_key: String,
    pub token: String,
}

impl Credentials {
    /// The `tempCertificate` of an Apply reply's `data`.
    pub fn from_apply(data: &Value) -> Self {
        let c = &data["tempCertificate"];
        let text = |k: &str| {
            c[k].as_str()
                .unwrap_or_else(|| panic!("no {k} in {c}"))
                .to_owned()
        };
        Self {
            secret_id: text("secretId"),
            secret_key: text("secretKey"),
            token: text("token"),
        }
    }
}

/// A reply: status, headers, body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `<Code>` of an XML error.
    pub fn code(&self) -> String {
        xml_field(&self.text(), "Code").unwrap_or_default()
    }

    /// The `<ETag>` header, without quotes.
    pub fn etag(&self) -> String {
        self.header("etag")
            .unwrap_or_default()
            .trim_matches('"')
            .to_owned()
    }
}

/// The text of the first `<name>` element.
pub fn xml_field(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(xml[start..end].to_owned())
}

/// Every `<name>` element's text.
pub fn xml_fields(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.find(&close).map(|end| rest[..end].to_owned()))
        .collect()
}

/// A COS client for one set of credentials against the emulator's COS listener.
#[derive(Debug, Clone)]
pub struct Cos {
    pub http: reqwest::Client,
    pub base: String,
    pub credentials: Credentials,
    /// The signature's time window, Unix seconds; `None`: now − 60 s to now + 1 h.
    pub window: Option<(i64, i64)>,
    /// Whether to send `x-cos-security-token`.
    pub send_token: bool,
    /// A `Host` header to send (virtual-host addressing).
    pub host: Option<String>,
}

impl Cos {
    pub fn new(http: &reqwest::Client, base: &str, credentials: Credentials) -> Self {
        Self {
            http: http.clone(),
            base: base.trim_end_matches('/').to_owned(),
            credentials,
            window: None,
            send_token: true,
            host: None,
        }
    }

    /// Sends `method path?query` with `body`, signed over every header it sends and every
    /// query parameter. `path` starts with `/` and is not encoded.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Reply {
        self.request(method, path, query, body)
            .await
            .expect("COS request")
    }

    /// [`send`](Self::send), or the transport error (a dropped connection).
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Reply, reqwest::Error> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs() as i64;
        let (start, end) = self.window.unwrap_or((now - 60, now + 3600));
        let key_time = format!("{start};{end}");
        let mut headers: Vec<(String, String)> =
            vec![("content-length".to_owned(), body.len().to_string())];
        let host = self
            .host
            .clone()
            .unwrap_or_else(|| self.base.trim_start_matches("http://").to_owned());
        headers.push(("host".to_owned(), host.clone()));
        if self.send_token {
            headers.push((
                "x-cos-security-token".to_owned(),
                self.credentials.token.clone(),
            ));
        }
        headers.sort();
        let mut params: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (encode(&k.to_ascii_lowercase()), encode(v)))
            .collect();
        params.sort();
        let join = |pairs: &[(String, String)]| {
            pairs
                .iter()
                .map(|(k, v)| format!("{k}={}", encode(v)))
                .collect::<Vec<_>>()
                .join("&")
        };
        let http_string = format!(
            "{}\n{path}\n{}\n{}\n",
            method.to_ascii_lowercase(),
            params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
            join(&headers)
        );
        let string_to_sign = format!(
            "sha1\n{key_time}\n{}\n",
            hex(&Sha1::digest(http_string.as_bytes()))
        );
        let sign_key = hmac(self.credentials.secret_key.as_bytes(), &key_time);
        let signature = hmac(sign_key.as_bytes(), &string_to_sign);
        let authorization = format!(
            "q-sign-algorithm=sha1&q-ak={}&q-sign-time={key_time}&q-key-time={key_time}&q-header-list={}&q-url-param-list={}&q-signature={signature}",
            self.credentials.secret_id,
            headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";"),
            params.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";"),
        );
        let url_query = query
            .iter()
            .map(|(k, v)| {
                if v.is_empty() {
                    encode(k)
                } else {
                    format!("{}={}", encode(k), encode(v))
                }
            })
            .collect::<Vec<_>>()
            .join("&");
        let mut url = format!("{}{}", self.base, utf8_percent_encode(path, PATH));
        if !url_query.is_empty() {
            url = format!("{url}?{url_query}");
        }
        let mut request = self
            .http
            .request(method.parse().expect("method"), url)
            .header("authorization", authorization)
            .header("host", host)
            // signed, so always sent (a client may leave it out of an empty GET)
            .header("content-length", body.len())
            .body(body);
        if self.send_token {
            request = request.header("x-cos-security-token", &self.credentials.token);
        }
        let resp = request.send().await?;
        Ok(Reply {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body: resp.bytes().await?.to_vec(),
        })
    }

    /// Initiates a multipart upload; its ID.
    pub async fn initiate(&self, path: &str) -> String {
        let r = self
            .send("POST", path, &[("uploads", "")], Vec::new())
            .await;
        assert_eq!(r.status, 200, "initiate: {}", r.text());
        xml_field(&r.text(), "UploadId").expect("UploadId")
    }

    /// Uploads a part; its ETag (no quotes).
    pub async fn part(&self, path: &str, upload_id: &str, number: u32, bytes: Vec<u8>) -> String {
        let n = number.to_string();
        let r = self
            .send(
                "PUT",
                path,
                &[("partNumber", &n), ("uploadId", upload_id)],
                bytes,
            )
            .await;
        assert_eq!(r.status, 200, "part {number}: {}", r.text());
        r.etag()
    }

    /// Completes an upload with `parts` (number, ETag).
    pub async fn complete(&self, path: &str, upload_id: &str, parts: &[(u32, String)]) -> Reply {
        self.send(
            "POST",
            path,
            &[("uploadId", upload_id)],
            complete_body(parts),
        )
        .await
    }
}

/// The body of a CompleteMultipartUpload naming `parts` (number, ETag).
pub fn complete_body(parts: &[(u32, String)]) -> Vec<u8> {
    let mut xml = String::from("<CompleteMultipartUpload>");
    for (n, etag) in parts {
        xml.push_str(&format!(
            "<Part><PartNumber>{n}</PartNumber><ETag>\"{etag}\"</ETag></Part>"
        ));
    }
    xml.push_str("</CompleteMultipartUpload>");
    xml.into_bytes()
}
