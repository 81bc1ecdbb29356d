//! The client a command calls with: it signs with the configured key for the configured user
//! and logs in by itself. The ticket is kept per profile in `tickets/<profile>.json` of the
//! config directory (readable by the user only, written atomically) and reused by the next
//! commands until the service refuses it; then the SDK logs in again, once, and the new ticket
//! is kept. A kept ticket is used only for the same user, platform, SecretId and endpoints;
//! without a key configured, a kept ticket of the same user, platform and endpoints is used
//! until it is refused.

use std::path::PathBuf;
use std::time::Duration;

use cme_sdk::{Client, SignatureSource, Signer, Ticket};
use serde::{Deserialize, Serialize};

use crate::config::{write_private, Settings};
use crate::error::Failure;

/// What a kept ticket belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Identity {
    secret_id: Option<String>,
    platform: String,
    user_id: String,
    login_endpoint: String,
    api_endpoint: String,
}

impl Identity {
    /// Whether a ticket kept for `self` may be used for `wanted`: the same platform, user and
    /// endpoints, and the same SecretId unless `wanted` has no key (then the ticket is all it
    /// has).
    fn serves(&self, wanted: &Identity) -> bool {
        self.platform == wanted.platform
            && self.user_id == wanted.user_id
            && self.login_endpoint == wanted.login_endpoint
            && self.api_endpoint == wanted.api_endpoint
            && (wanted.secret_id.is_none() || self.secret_id == wanted.secret_id)
    }
}

/// The ticket file's contents.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Kept {
    #[serde(flatten)]
    identity: Identity,
    ticket: String,
}

/// The ticket file of the settings' profile.
pub fn ticket_path(settings: &Settings) -> PathBuf {
    settings
        .dir
        .join("tickets")
        .join(format!("{}.json", settings.profile.value))
}

/// A client for the settings, and the ticket file it keeps.
#[derive(Debug)]
pub struct Session {
    /// The client.
    pub client: Client,
    path: PathBuf,
    identity: Identity,
    /// The ticket the session started with (to save only a new one).
    loaded: Option<String>,
}

fn needs(what: &str, setting: &str, variable: &str) -> Failure {
    Failure::NotConfigured(format!(
        "no {what} configured: run `cme configure`, or set {setting} in the profile, or \
         {variable}"
    ))
}

impl Session {
    /// A client for `settings`: signing with the key when there is one, starting with the kept
    /// ticket when it belongs to the same identity; `timeout` bounds each call.
    pub fn open(settings: &Settings, timeout: Option<Duration>) -> Result<Self, Failure> {
        let value = |setting: &Option<crate::config::Setting>, what, variable| {
            setting
                .as_ref()
                .map(|s| s.value.clone())
                .ok_or_else(|| needs(what, what, variable))
        };
        let platform = value(&settings.platform, "platform", "CME_PLATFORM")?;
        let user = value(&settings.user, "user", "CME_USER_ID, or give --user")?;
        let identity = Identity {
            secret_id: settings.secret_id.as_ref().map(|s| s.value.clone()),
            platform: platform.clone(),
            user_id: user.clone(),
            login_endpoint: settings.login_endpoint.value.clone(),
            api_endpoint: settings.api_endpoint.value.clone(),
        };
        let path = ticket_path(settings);
        let loaded = read_kept(&path)
            .filter(|kept| kept.identity.serves(&identity))
            .map(|kept| kept.ticket);
        let mut builder = Client::builder()
            .login_endpoint(&settings.login_endpoint.value)
            .api_endpoint(&settings.api_endpoint.value)
            .vod_endpoint(&settings.vod_endpoint.value)
            .platform(&platform)
            .user(&user)
            .user_agent(format!(
                "cme-cli/{} {}",
                env!("CARGO_PKG_VERSION"),
                cme_sdk::DEFAULT_USER_AGENT
            ));
        if let Some(backup) = &settings.vod_backup_endpoint {
            builder = builder.vod_backup_endpoint(&backup.value);
        }
        if let Some(cos) = &settings.cos_endpoint {
            builder = builder.cos_endpoint(&cos.value);
        }
        if let Some(timeout) = timeout {
            builder = builder.timeout(timeout);
        }
        match (&settings.secret_id, &settings.secret_key) {
            (Some(id), Some(key)) => {
                let signer = Signer::new(id.value.clone(), key.value.clone());
                builder = builder.signature_source(SignatureSource::signer(signer, platform, user));
            }
            _ if loaded.is_none() => {
                return Err(needs(
                    "API key",
                    "secret-id and secret-key",
                    "CME_SECRET_ID and CME_SECRET_KEY",
                ));
            }
            _ => {}
        }
        if let Some(ticket) = &loaded {
            builder = builder.ticket(Ticket::new(ticket.clone()));
        }
        let client = builder.build()?;
        Ok(Self {
            client,
            path,
            identity,
            loaded,
        })
    }

    /// Whether the session started with a kept ticket.
    pub fn has_kept_ticket(&self) -> bool {
        self.loaded.is_some()
    }

    /// Keeps the client's ticket when it got a new one.
    pub fn save(&self) -> Result<(), Failure> {
        let Some(ticket) = self.client.current_ticket() else {
            return Ok(());
        };
        if self.loaded.as_deref() == Some(ticket.expose_secret()) {
            return Ok(());
        }
        let kept = Kept {
            identity: self.identity.clone(),
            ticket: ticket.expose_secret().to_owned(),
        };
        let text = serde_json::to_vec_pretty(&kept)
            .map_err(|e| Failure::io("encoding the ticket file", e))?;
        write_private(&self.path, &text)
    }
}

/// The kept ticket of a file; an unreadable or malformed file is no ticket (a new login
/// replaces it).
fn read_kept(path: &std::path::Path) -> Option<Kept> {
    let text = std::fs::read(path).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Whether the profile keeps a ticket.
pub fn has_ticket(settings: &Settings) -> bool {
    read_kept(&ticket_path(settings)).is_some()
}

/// Forgets the profile's ticket; `true` when there was one.
pub fn forget(settings: &Settings) -> Result<bool, Failure> {
    let path = ticket_path(settings);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Failure::io(format!("removing {}", path.display()), e)),
    }
}
