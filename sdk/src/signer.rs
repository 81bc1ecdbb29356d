//! Client access signatures (客户端访问签名): made by the developer's backend from its
//! SecretId/SecretKey, checked by the service (and by the emulator, with [`Verifier`]).
//!
//! A signature is `Base64(HMAC-SHA1(SecretKey, original) ‖ original)`, where `original` is a
//! form-urlencoded query string of `secretId`, `currentTimeStamp`, `expireTime`, `random`,
//! `platform`, `action`, `userId` and any extra parameters.

mod verify;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;

pub use verify::{Claims, Verifier, VerifyError};

pub(crate) type HmacSha1 = Hmac<Sha1>;

/// Length of the HMAC-SHA1 digest that starts every decoded signature.
pub(crate) const DIGEST_LEN: usize = 20;

/// The validity [`SignParams`] uses unless told otherwise: five minutes, as in the official samples.
pub const DEFAULT_VALIDITY: Duration = Duration::from_secs(300);

/// The parameter that carries the project of an [`SignAction::OpenProject`] signature.
pub const OPEN_PROJECT_ID_KEY: &str = "openProject.projectId";

/// What a signature allows (`action` in the plaintext).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignAction {
    /// `Login`: exchange the signature for a ticket and call the client API.
    Login,
    /// `OpenProject`: open a project's editing page (Iframe integration).
    OpenProject,
    /// `Upload`: a client upload (a "sensitive operation").
    Upload,
}

impl SignAction {
    /// The value as written in the plaintext.
    pub fn as_str(self) -> &'static str {
        match self {
            SignAction::Login => "Login",
            SignAction::OpenProject => "OpenProject",
            SignAction::Upload => "Upload",
        }
    }
}

impl fmt::Display for SignAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A signature, as handed to the client. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Signature(SecretString);

impl Signature {
    /// The signature text, to send it on (for example in the backend's HTTP reply).
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for Signature {
    fn from(value: String) -> Self {
        Self(SecretString::from(value))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Signature(<redacted>)")
    }
}

/// Everything that goes into one signature; see [`Signer::sign`].
#[derive(Debug, Clone)]
pub struct SignParams {
    platform: String,
    user_id: String,
    action: SignAction,
    validity: Duration,
    extra: Vec<(String, String)>,
    now: Option<u64>,
    random: Option<u32>,
}

impl SignParams {
    /// Parameters for `action` on behalf of `user_id` on `platform`, valid for
    /// [`DEFAULT_VALIDITY`] from now, with a fresh random number.
    pub fn new(
        platform: impl Into<String>,
        user_id: impl Into<String>,
        action: SignAction,
    ) -> Self {
        Self {
            platform: platform.into(),
            user_id: user_id.into(),
            action,
            validity: DEFAULT_VALIDITY,
            extra: Vec::new(),
            now: None,
            random: None,
        }
    }

    /// How long the signature stays valid (whole seconds).
    pub fn validity(mut self, validity: Duration) -> Self {
        self.validity = validity;
        self
    }

    /// Appends an optional parameter (after the required ones, in call order).
    pub fn param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((key.into(), value.into()));
        self
    }

    /// Fixes the issue time (Unix seconds) instead of reading the clock; for reproducible tests.
    pub fn now(mut self, unix_secs: u64) -> Self {
        self.now = Some(unix_secs);
        self
    }

    /// Fixes the random number instead of drawing one; for reproducible tests.
    pub fn random(mut self, random: u32) -> Self {
        self.random = Some(random);
        self
    }

    /// The plaintext: the form-urlencoded query, keys in the documented order.
    fn original(&self, secret_id: &str) -> String {
        let now = self.now.unwrap_or_else(unix_now);
        let expire = now.saturating_add(self.validity.as_secs());
        let random = self.random.unwrap_or_else(rand::random::<u32>);
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("secretId", secret_id)
            .append_pair("currentTimeStamp", &now.to_string())
            .append_pair("expireTime", &expire.to_string())
            .append_pair("random", &random.to_string())
            .append_pair("platform", &self.platform)
            .append_pair("action", self.action.as_str())
            .append_pair("userId", &self.user_id);
        for (key, value) in &self.extra {
            query.append_pair(key, value);
        }
        query.finish()
    }
}

/// Makes signatures from a SecretId/SecretKey. Runs on the developer's backend only: the key
/// must never reach a client. `Debug` shows the SecretId, never the key.
#[derive(Clone)]
pub struct Signer {
    secret_id: String,
    secret_key: SecretString,
}

impl Signer {
    /// A signer for the API key `secret_id`/`secret_key`.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            secret_id: secret_id.into(),
            secret_key: SecretString::from(secret_key.into()),
        }
    }

    /// The SecretId this signer signs with.
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// A `Login` signature for `user_id`, valid for `validity`.
    pub fn login(&self, platform: &str, user_id: &str, validity: Duration) -> Signature {
        self.sign(&SignParams::new(platform, user_id, SignAction::Login).validity(validity))
    }

    /// An `OpenProject` signature for `project_id` (parameter `openProject.projectId`).
    pub fn open_project(
        &self,
        platform: &str,
        user_id: &str,
        project_id: &str,
        validity: Duration,
    ) -> Signature {
        let params = SignParams::new(platform, user_id, SignAction::OpenProject)
            .validity(validity)
            .param(OPEN_PROJECT_ID_KEY, project_id);
        self.sign(&params)
    }

    /// An `Upload` signature for `user_id`, valid for `validity`.
    pub fn upload(&self, platform: &str, user_id: &str, validity: Duration) -> Signature {
        self.sign(&SignParams::new(platform, user_id, SignAction::Upload).validity(validity))
    }

    /// A signature over `params`.
    pub fn sign(&self, params: &SignParams) -> Signature {
        let original = params.original(&self.secret_id);
        let mut blob = digest(
            self.secret_key.expose_secret().as_bytes(),
            original.as_bytes(),
        )
        .to_vec();
        blob.extend_from_slice(original.as_bytes());
        Signature::from(STANDARD.encode(blob))
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("secret_id", &self.secret_id)
            .finish_non_exhaustive()
    }
}

/// A keyed HMAC-SHA1 instance.
pub(crate) fn mac(key: &[u8]) -> HmacSha1 {
    // HMAC takes keys of any length (long keys are hashed), so this cannot fail.
    <HmacSha1 as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// HMAC-SHA1 of `message` under `key`.
fn digest(key: &[u8], message: &[u8]) -> [u8; DIGEST_LEN] {
    let mut mac = mac(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The current Unix time in seconds (0 if the clock is before 1970).
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key_and_the_signature() {
        let signer = Signer::new("AKIDid", "very-secret-key");
        let shown = format!("{signer:?}");
        assert!(shown.contains("AKIDid"));
        assert!(!shown.contains("very-secret-key"));
        let sig = signer.login("p", "u", DEFAULT_VALIDITY);
        assert_eq!(format!("{sig:?}"), "Signature(<redacted>)");
    }

    #[test]
    fn extra_params_come_after_the_required_ones() {
        let signer = Signer::new("id", "key");
        let params = SignParams::new("p", "a b", SignAction::Upload)
            .now(10)
            .random(7)
            .validity(Duration::from_secs(5))
            .param("x y", "1&2");
        let sig = signer.sign(&params);
        let blob = STANDARD.decode(sig.expose_secret()).unwrap();
        assert_eq!(
            std::str::from_utf8(&blob[DIGEST_LEN..]).unwrap(),
            "secretId=id&currentTimeStamp=10&expireTime=15&random=7&platform=p&action=Upload\
             &userId=a+b&x+y=1%262"
        );
    }
}
