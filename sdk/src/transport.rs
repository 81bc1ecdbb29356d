//! One HTTP exchange over reqwest, and the URLs of the service.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::RETRY_AFTER;
use reqwest::Url;

use crate::action::ActionMeta;
use crate::error::Error;

/// A reply as read off the wire.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    /// `Retry-After`, when given in seconds.
    pub(crate) retry_after: Option<Duration>,
    /// The body; empty when it was larger than the limit.
    pub(crate) body: Bytes,
    /// The limit the body was larger than, if it was.
    pub(crate) over_limit: Option<usize>,
}

/// Sends `request` and reads the reply, its body as it arrives and never more than `max_size`
/// bytes of it: a longer body (or one whose `Content-Length` says so) is dropped, with the
/// connection, as soon as it is known to be too long.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    max_size: usize,
) -> Result<Reply, reqwest::Error> {
    let mut response = request.send().await?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let declared_too_long = response
        .content_length()
        .is_some_and(|len| usize::try_from(len).map_or(true, |len| len > max_size));
    let body = if declared_too_long {
        None
    } else {
        read_body(&mut response, max_size).await?
    };
    Ok(Reply {
        status,
        retry_after,
        over_limit: body.is_none().then_some(max_size),
        body: body.unwrap_or_default(),
    })
}

/// The body of `response`, or `None` as soon as it is longer than `max_size` bytes.
pub(crate) async fn read_body(
    response: &mut reqwest::Response,
    max_size: usize,
) -> Result<Option<Bytes>, reqwest::Error> {
    let mut chunks = Vec::new();
    let mut len = 0;
    while let Some(chunk) = response.chunk().await? {
        if chunk.len() > max_size - len {
            return Ok(None);
        }
        len += chunk.len();
        chunks.push(chunk);
    }
    Ok(Some(match chunks.as_slice() {
        [one] => one.clone(),
        _ => {
            let mut body = Vec::with_capacity(len);
            chunks
                .iter()
                .for_each(|chunk| body.extend_from_slice(chunk));
            Bytes::from(body)
        }
    }))
}

/// Parses an endpoint: an absolute `http` or `https` URL.
pub(crate) fn endpoint(which: &str, url: &str) -> Result<Url, Error> {
    let parsed = Url::parse(url)
        .map_err(|e| Error::config(format!("the {which} endpoint {url:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.cannot_be_a_base() {
        return Err(Error::config(format!(
            "the {which} endpoint {url:?} is not an http(s) URL"
        )));
    }
    Ok(parsed)
}

/// Whether `url` points at this machine (`localhost`, 127.0.0.0/8, `::1`): no proxy serves
/// such a host, so the client does not use the system proxy for it.
pub(crate) fn is_loopback(url: &Url) -> bool {
    url.host_str().is_some_and(|host| {
        host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    })
}

/// `<api>/PaaS/<Class>/<Name>?auth=<ticket>`.
pub(crate) fn action_url(api: &Url, meta: ActionMeta, ticket: &str) -> Url {
    let mut url = api.clone();
    if let Ok(mut segments) = url.path_segments_mut() {
        segments
            .pop_if_empty()
            .extend(["PaaS", meta.class, meta.name]);
    }
    url.query_pairs_mut().append_pair("auth", ticket);
    url
}

/// `<login>?signature=<signature>`.
pub(crate) fn login_url(login: &Url, signature: &str) -> Url {
    let mut url = login.clone();
    url.query_pairs_mut().append_pair("signature", signature);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for url in [
            "http://127.0.0.1:8686",
            "http://localhost/",
            "http://[::1]:80",
            "http://127.8.0.1",
        ] {
            assert!(is_loopback(&Url::parse(url).unwrap()), "{url}");
        }
        for url in [
            "https://web-paas-api.cme.qcloud.com",
            "http://10.0.0.1",
            "http://localhost.example",
        ] {
            assert!(!is_loopback(&Url::parse(url).unwrap()), "{url}");
        }
    }

    #[test]
    fn urls_are_percent_encoded() {
        let api = endpoint("API", "http://127.0.0.1:9/base/").unwrap();
        let meta = ActionMeta::new("Material", "DeleteMaterial", false);
        assert_eq!(
            action_url(&api, meta, "tf_a+b").as_str(),
            "http://127.0.0.1:9/base/PaaS/Material/DeleteMaterial?auth=tf_a%2Bb"
        );
        let login = endpoint("login", "https://open.cme.qcloud.com").unwrap();
        assert_eq!(
            login_url(&login, "fFZm+/2B=").as_str(),
            "https://open.cme.qcloud.com/?signature=fFZm%2B%2F2B%3D"
        );
        assert!(endpoint("API", "ftp://x").is_err());
        assert!(endpoint("API", "not a url").is_err());
    }
}
