//! Configuring a [`Client`].

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::auth::{SignatureSource, Ticket};
use crate::client::{Client, Defaults, Inner, DEFAULT_USER_AGENT};
use crate::error::Error;
use crate::generated::{DEFAULT_API_ENDPOINT, DEFAULT_LOGIN_ENDPOINT};
use crate::identity::{Identity, Known};
use crate::options::RetryPolicy;
use crate::redact::Masked;
use crate::signer::Signature;
use crate::ticket_cache::TicketCache;
use crate::transport;

/// Configures a [`Client`]; see [`Client::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientBuilder {
    login_endpoint: Masked,
    api_endpoint: Masked,
    source: Option<SignatureSource>,
    ticket: Option<Ticket>,
    connect_timeout: Duration,
    defaults: Defaults,
    user_agent: String,
    validate: bool,
    max_reply_size: usize,
    http: Option<reqwest::Client>,
    identity: Identity,
    #[cfg(feature = "upload")]
    upload: UploadEndpoints,
    #[cfg(feature = "test-util")]
    mock: Option<crate::mock::Mock>,
}

/// The upload endpoints as given; `None` for the defaults.
#[cfg(feature = "upload")]
#[derive(Debug, Clone, Default)]
struct UploadEndpoints {
    vod: Option<Masked>,
    vod_backup: Option<Masked>,
    cos: Option<Masked>,
}

/// The default of [`ClientBuilder::max_reply_size`]: 32 MiB, about a thousand times the largest
/// page a list action returns.
const DEFAULT_MAX_REPLY_SIZE: usize = 32 << 20;

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            login_endpoint: Masked(DEFAULT_LOGIN_ENDPOINT.to_owned()),
            api_endpoint: Masked(DEFAULT_API_ENDPOINT.to_owned()),
            source: None,
            ticket: None,
            connect_timeout: Duration::from_secs(5),
            defaults: Defaults {
                timeout: Duration::from_secs(90),
                attempt_timeout: Duration::from_secs(30),
                retry: RetryPolicy::default(),
            },
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            validate: true,
            max_reply_size: DEFAULT_MAX_REPLY_SIZE,
            http: None,
            identity: Identity::default(),
            #[cfg(feature = "upload")]
            upload: UploadEndpoints::default(),
            #[cfg(feature = "test-util")]
            mock: None,
        }
    }
}

impl ClientBuilder {
    /// Serves both the login exchange and the API from one base URL (as the emulator does).
    pub fn endpoint(self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.login_endpoint(url.clone()).api_endpoint(url)
    }

    /// The login exchange's endpoint (default `https://open.cme.qcloud.com`).
    pub fn login_endpoint(mut self, url: impl Into<String>) -> Self {
        self.login_endpoint = Masked(url.into());
        self
    }

    /// The client API's endpoint (default `https://web-paas-api.cme.qcloud.com`).
    pub fn api_endpoint(mut self, url: impl Into<String>) -> Self {
        self.api_endpoint = Masked(url.into());
        self
    }

    /// The main host of VOD's upload API, `ApplyUploadUGC` and `CommitUploadUGC` (default
    /// [`DEFAULT_VOD_ENDPOINT`](crate::upload::DEFAULT_VOD_ENDPOINT),
    /// `https://vod2.qcloud.com`). Setting it without a
    /// [`vod_backup_endpoint`](Self::vod_backup_endpoint) leaves the client without a backup
    /// host: the default backup goes with the default main host only.
    #[cfg(feature = "upload")]
    #[cfg_attr(docsrs, doc(cfg(feature = "upload")))]
    pub fn vod_endpoint(mut self, url: impl Into<String>) -> Self {
        self.upload.vod = Some(Masked(url.into()));
        self
    }

    /// The backup host of VOD's upload API, tried after a network failure of the main one
    /// (default [`DEFAULT_VOD_BACKUP_ENDPOINT`](crate::upload::DEFAULT_VOD_BACKUP_ENDPOINT),
    /// `https://vod2.dnsv1.com`, with the default main host).
    #[cfg(feature = "upload")]
    #[cfg_attr(docsrs, doc(cfg(feature = "upload")))]
    pub fn vod_backup_endpoint(mut self, url: impl Into<String>) -> Self {
        self.upload.vod_backup = Some(Masked(url.into()));
        self
    }

    /// One host for every COS request of every upload, as a custom domain: a request for the
    /// object VOD names `storagePath` goes to `<url><storagePath>`. The URL has no path. By
    /// default each bucket's own host,
    /// `https://<storageBucket>-<storageAppId>.cos.<storageRegionV5>.myqcloud.com`.
    #[cfg(feature = "upload")]
    #[cfg_attr(docsrs, doc(cfg(feature = "upload")))]
    pub fn cos_endpoint(mut self, url: impl Into<String>) -> Self {
        self.upload.cos = Some(Masked(url.into()));
        self
    }

    /// Where `Login` signatures come from when the client needs a ticket.
    pub fn signature_source(mut self, source: SignatureSource) -> Self {
        self.source = Some(source);
        self
    }

    /// Shorthand for [`signature_source`](Self::signature_source) with
    /// [`SignatureSource::fixed`].
    pub fn signature(self, signature: Signature) -> Self {
        self.signature_source(SignatureSource::fixed(signature))
    }

    /// The platform the client acts on, sent as `Platform` where a request has one that the
    /// call does not set. Without it, the client takes the one its signature source
    /// ([`SignatureSource::signer`], a fixed signature) or its login names.
    pub fn platform(mut self, platform: impl Into<String>) -> Self {
        self.identity.platform = Some(platform.into());
        self
    }

    /// The user the client acts for ([`Client::me`]). Without it, the client takes the one its
    /// signature source ([`SignatureSource::signer`], a fixed signature) or its login names.
    pub fn user(mut self, user_id: impl Into<String>) -> Self {
        self.identity.user_id = Some(user_id.into());
        self
    }

    /// Starts with a ticket obtained earlier, so the first call needs no login.
    pub fn ticket(mut self, ticket: Ticket) -> Self {
        self.ticket = Some(ticket);
        self
    }

    /// Bounds connecting to a server (default 5 s). Not applied to a client given with
    /// [`http_client`](Self::http_client), which keeps its own settings.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Bounds each attempt: sending a request and reading its reply (default 30 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.defaults.attempt_timeout = timeout;
        self
    }

    /// Bounds a whole call, login and retries included (default 90 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.defaults.timeout = timeout;
        self
    }

    /// The retry policy of every call (default [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.defaults.retry = policy;
        self
    }

    /// Replaces the `User-Agent` (default [`DEFAULT_USER_AGENT`]).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Whether requests are checked against the documented constraints before they are sent
    /// (default on); a violation fails the call with [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest).
    pub fn validate_requests(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// The largest reply body the client reads, in bytes (default 32 MiB, far above the
    /// largest real reply: a page of 30 full `MaterialInfo` is tens of KiB). A body is read as it
    /// arrives and never buffered past this: a longer one (or one whose `Content-Length` says
    /// so) is dropped unread and fails the attempt with
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode) for a success status, or
    /// [`ErrorKind::Http`](crate::ErrorKind::Http) (without a snippet) for an error status. Must
    /// not be 0.
    pub fn max_reply_size(mut self, bytes: usize) -> Self {
        self.max_reply_size = bytes;
        self
    }

    /// Uses this reqwest client (its TLS, proxy and pool settings) instead of the SDK's own.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Answers every request of the client with `mock`'s rules instead of sending it (feature
    /// `test-util`): see [`crate::mock`]. No signature source or ticket is needed; the other
    /// settings (retries, timeouts, platform and user) apply as usual.
    #[cfg(feature = "test-util")]
    #[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
    pub fn mock(mut self, mock: &crate::mock::Mock) -> Self {
        self.mock = Some(mock.clone());
        self
    }

    /// Builds the client. Fails when an endpoint is not an http(s) URL, the user agent is not a
    /// valid header value, neither a signature source nor a ticket is given, or the HTTP client
    /// cannot be set up.
    pub fn build(self) -> Result<Client, Error> {
        let login_endpoint = transport::endpoint("login", &self.login_endpoint.0)?;
        let api_endpoint = transport::endpoint("API", &self.api_endpoint.0)?;
        #[cfg(feature = "upload")]
        let upload = self.upload.parse()?;
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::config(format!("invalid user agent {:?}", self.user_agent)))?;
        #[cfg(feature = "test-util")]
        let mocked = self.mock.is_some();
        #[cfg(not(feature = "test-util"))]
        let mocked = false;
        if self.source.is_none() && self.ticket.is_none() && !mocked {
            return Err(Error::config("a signature source or a ticket is required"));
        }
        if self.max_reply_size == 0 {
            return Err(Error::config("the maximum reply size must not be 0"));
        }
        let http = match self.http {
            Some(http) => http,
            None => {
                let local = transport::is_loopback(&login_endpoint)
                    && transport::is_loopback(&api_endpoint);
                // Upload endpoints count when set (the defaults are remote hosts).
                #[cfg(feature = "upload")]
                let local = local && self.upload.all_loopback(&upload);
                // No redirects: the ticket and the signature travel in the query, and a followed
                // redirect would hand them (in `Referer`, and the URL) to another host and replay
                // the body there. A 3xx reply is an `Http` error instead.
                let builder = reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout)
                    .redirect(reqwest::redirect::Policy::none())
                    .referer(false);
                // A system proxy (HTTP_PROXY) never serves this machine: an emulator on
                // loopback is reached directly.
                let builder = if local { builder.no_proxy() } else { builder };
                builder.build().map_err(|e| {
                    Error::config(format!(
                        "cannot set up the HTTP client: {}",
                        e.without_url()
                    ))
                })?
            }
        };
        let learnt = self
            .source
            .as_ref()
            .map(SignatureSource::identity)
            .unwrap_or_default();
        Ok(Client {
            inner: Arc::new(Inner {
                #[cfg(feature = "test-util")]
                mock: self.mock,
                identity: Known::new(self.identity, learnt),
                http,
                login_endpoint,
                api_endpoint,
                user_agent,
                defaults: self.defaults,
                validate: self.validate,
                max_reply_size: self.max_reply_size,
                source: self.source,
                tickets: TicketCache::new(self.ticket),
                #[cfg(feature = "upload")]
                upload,
            }),
        })
    }
}

#[cfg(feature = "upload")]
impl UploadEndpoints {
    /// The endpoints to use: the ones given, checked, or the defaults.
    fn parse(&self) -> Result<crate::upload::Endpoints, Error> {
        use crate::upload::{VodHosts, DEFAULT_VOD_BACKUP_ENDPOINT, DEFAULT_VOD_ENDPOINT};
        let main = match &self.vod {
            Some(url) => transport::endpoint("VOD", &url.0)?,
            None => transport::endpoint("VOD", DEFAULT_VOD_ENDPOINT)?,
        };
        let backup = match (&self.vod_backup, &self.vod) {
            (Some(url), _) => Some(transport::endpoint("VOD backup", &url.0)?),
            (None, None) => Some(transport::endpoint(
                "VOD backup",
                DEFAULT_VOD_BACKUP_ENDPOINT,
            )?),
            (None, Some(_)) => None,
        };
        let cos = match &self.cos {
            Some(url) => {
                let parsed = transport::endpoint("COS", &url.0)?;
                if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() {
                    return Err(Error::config(format!(
                        "the COS endpoint {:?} must have no path or query: requests go to \
                         <endpoint>/<storagePath>",
                        url.0
                    )));
                }
                Some(parsed)
            }
            None => None,
        };
        Ok(crate::upload::Endpoints {
            vod: VodHosts { main, backup },
            cos,
        })
    }

    /// Whether every upload endpoint that was set points at this machine.
    fn all_loopback(&self, parsed: &crate::upload::Endpoints) -> bool {
        let set = [
            self.vod.as_ref().map(|_| &parsed.vod.main),
            self.vod_backup.as_ref().and(parsed.vod.backup.as_ref()),
            self.cos.as_ref().and(parsed.cos.as_ref()),
        ];
        set.into_iter().flatten().all(transport::is_loopback)
    }
}
