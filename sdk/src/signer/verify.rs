//! Checking a signature the way the service does: re-read the plaintext embedded in it (any key
//! order, any standard form-urlencoding), then check the HMAC, the validity window and the action.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::Mac;
use secrecy::{ExposeSecret, SecretString};

use super::{mac, SignAction, DIGEST_LEN, OPEN_PROJECT_ID_KEY};

/// The clock skew [`Verifier`] tolerates unless told otherwise.
const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(60);

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// Not a signature: bad Base64, too short, or an unreadable plaintext.
    Malformed(String),
    /// Signed with a SecretId this verifier does not know.
    UnknownSecretId,
    /// The digest does not match the plaintext under the SecretId's key.
    BadSignature,
    /// `expireTime` has passed.
    Expired,
    /// `currentTimeStamp` is in the future.
    NotYetValid,
    /// A required parameter is missing from the plaintext.
    MissingParameter(&'static str),
    /// The signature is for another action.
    WrongAction {
        /// The action the caller required.
        expected: SignAction,
        /// The action in the signature.
        actual: String,
    },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(why) => write!(f, "malformed signature: {why}"),
            Self::UnknownSecretId => f.write_str("unknown secretId"),
            Self::BadSignature => f.write_str("signature does not match"),
            Self::Expired => f.write_str("signature expired"),
            Self::NotYetValid => f.write_str("signature not yet valid"),
            Self::MissingParameter(name) => write!(f, "missing signature parameter {name}"),
            Self::WrongAction { expected, actual } => {
                write!(f, "signature is for action {actual:?}, expected {expected}")
            }
        }
    }
}

impl std::error::Error for VerifyError {}

/// What a valid signature says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claims {
    /// `secretId`: the API key that signed.
    pub secret_id: String,
    /// `currentTimeStamp`: when it was issued (Unix seconds).
    pub current_time_stamp: u64,
    /// `expireTime`: when it expires (Unix seconds).
    pub expire_time: u64,
    /// `random`.
    pub random: u64,
    /// `platform`.
    pub platform: String,
    /// `action`, as written.
    pub action: String,
    /// `userId`.
    pub user_id: String,
    /// Every other parameter, in plaintext order.
    pub extra: Vec<(String, String)>,
}

impl Claims {
    /// The project of an `OpenProject` signature: `openProject.projectId`, or `projectId` (which
    /// one of the official samples uses).
    pub fn project_id(&self) -> Option<&str> {
        [OPEN_PROJECT_ID_KEY, "projectId"]
            .iter()
            .find_map(|wanted| {
                self.extra
                    .iter()
                    .find(|(key, _)| key == wanted)
                    .map(|(_, value)| value.as_str())
            })
    }
}

/// Checks signatures against one or more SecretId/SecretKey pairs. `Debug` shows the SecretIds
/// only.
#[derive(Clone)]
pub struct Verifier {
    keys: HashMap<String, SecretString>,
    clock_skew: Duration,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<&str> = self.keys.keys().map(String::as_str).collect();
        ids.sort_unstable();
        f.debug_struct("Verifier")
            .field("secret_ids", &ids)
            .field("clock_skew", &self.clock_skew)
            .finish()
    }
}

/// The parameters every signature must have, in documented order.
const REQUIRED: [&str; 7] = [
    "secretId",
    "currentTimeStamp",
    "expireTime",
    "random",
    "platform",
    "action",
    "userId",
];

impl Verifier {
    /// A verifier with no keys (it refuses everything until [`key`](Self::key) is called) and a
    /// clock skew of 60 seconds.
    pub fn new() -> Self {
        Self {
            keys: HashMap::new(),
            clock_skew: DEFAULT_CLOCK_SKEW,
        }
    }

    /// Accepts signatures made with this SecretId/SecretKey (call again for more keys).
    pub fn key(mut self, secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        self.keys
            .insert(secret_id.into(), SecretString::from(secret_key.into()));
        self
    }

    /// How far the signer's clock may be off: a signature is accepted from `currentTimeStamp -
    /// skew` until `expireTime + skew`.
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Checks `signature` at Unix time `now_unix` and, when `expected_action` is given, that it is
    /// for that action.
    pub fn verify(
        &self,
        signature: &str,
        expected_action: Option<SignAction>,
        now_unix: u64,
    ) -> Result<Claims, VerifyError> {
        let compact: String = signature
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let blob = STANDARD
            .decode(compact.as_bytes())
            .map_err(|e| VerifyError::Malformed(format!("not Base64: {e}")))?;
        if blob.len() <= DIGEST_LEN {
            return Err(VerifyError::Malformed(format!(
                "{} bytes is too short for a digest and a plaintext",
                blob.len()
            )));
        }
        let (digest, original) = blob.split_at(DIGEST_LEN);
        let text = std::str::from_utf8(original)
            .map_err(|_| VerifyError::Malformed("the plaintext is not UTF-8".into()))?;

        let mut params: Vec<(String, String)> = Vec::new();
        let mut seen = HashSet::new();
        for (key, value) in form_urlencoded::parse(text.as_bytes()) {
            if !seen.insert(key.clone()) {
                return Err(VerifyError::Malformed(format!(
                    "parameter {key:?} repeated"
                )));
            }
            params.push((key.into_owned(), value.into_owned()));
        }
        let take = |name: &'static str| -> Result<String, VerifyError> {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .ok_or(VerifyError::MissingParameter(name))
        };

        let secret_id = take("secretId")?;
        let key = self
            .keys
            .get(&secret_id)
            .ok_or(VerifyError::UnknownSecretId)?;
        let mut check = mac(key.expose_secret().as_bytes());
        check.update(original);
        check
            .verify_slice(digest)
            .map_err(|_| VerifyError::BadSignature)?;

        let number = |name: &'static str| -> Result<u64, VerifyError> {
            take(name)?.parse().map_err(|_| {
                VerifyError::Malformed(format!("{name} is not a non-negative integer"))
            })
        };
        let current_time_stamp = number("currentTimeStamp")?;
        let expire_time = number("expireTime")?;
        let random = number("random")?;
        let platform = take("platform")?;
        let action = take("action")?;
        let user_id = take("userId")?;

        let skew = self.clock_skew.as_secs();
        if now_unix > expire_time.saturating_add(skew) {
            return Err(VerifyError::Expired);
        }
        if now_unix.saturating_add(skew) < current_time_stamp {
            return Err(VerifyError::NotYetValid);
        }
        if let Some(expected) = expected_action {
            if action != expected.as_str() {
                return Err(VerifyError::WrongAction {
                    expected,
                    actual: action,
                });
            }
        }

        let extra = params
            .into_iter()
            .filter(|(k, _)| !REQUIRED.contains(&k.as_str()))
            .collect();
        Ok(Claims {
            secret_id,
            current_time_stamp,
            expire_time,
            random,
            platform,
            action,
            user_id,
            extra,
        })
    }
}
