//! Client access signatures (客户端访问签名): made by the developer's backend from its
//! SecretId/SecretKey, checked by the service (and by the emulator, with [`Verifier`]).
//!
//! A signature is `Base64(HMAC-SHA1(SecretKey, original) ‖ original)`, where `original` is a
//! form-urlencoded query string of `secretId`, `currentTimeStamp`, `expireTime`, `random`,
//! `platform`, `action`, `userId` and any extra parameters.

mod env;
mod validity;
mod verify;

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;

pub use env::{EnvError, SECRET_ID_VAR, SECRET_KEY_VAR};
pub use validity::{Validity, ValidityError};
pub use verify::{Claims, Verifier, VerifyError};

pub(crate) type HmacSha1 = Hmac<Sha1>;

/// Length of the HMAC-SHA1 digest that starts every decoded signature.
pub(crate) const DIGEST_LEN: usize = 20;

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
    validity: Validity,
    extra: Vec<(String, String)>,
    now: Option<u64>,
    random: Option<u32>,
}

impl SignParams {
    /// Parameters for `action` on behalf of `user_id` on `platform`, valid for
    /// [`Validity::DEFAULT`] (five minutes) from now, with a fresh random number.
    pub fn new(
        platform: impl Into<String>,
        user_id: impl Into<String>,
        action: SignAction,
    ) -> Self {
        Self {
            platform: platform.into(),
            user_id: user_id.into(),
            action,
            validity: Validity::DEFAULT,
            extra: Vec::new(),
            now: None,
            random: None,
        }
    }

    /// How long the signature stays valid.
    pub fn validity(mut self, validity: Validity) -> Self {
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

    /// The parts of the plaintext, borrowed; the clock and the random number are read here.
    fn parts(&self) -> Parts<'_> {
        Parts {
            platform: &self.platform,
            user_id: &self.user_id,
            action: self.action,
            validity: self.validity,
            extra: &self.extra,
            now: self.now,
            random: self.random,
        }
    }
}

/// What goes into one plaintext, borrowed, so that [`Signer::login`] and friends need not copy
/// their arguments into a [`SignParams`].
struct Parts<'a> {
    platform: &'a str,
    user_id: &'a str,
    action: SignAction,
    validity: Validity,
    extra: &'a [(String, String)],
    now: Option<u64>,
    random: Option<u32>,
}

impl Parts<'_> {
    /// Appends the plaintext to `out`: the form-urlencoded query (as `form_urlencoded` encodes
    /// it), keys in the documented order.
    fn write_original(&self, secret_id: &str, out: &mut Vec<u8>) {
        let now = self.now.unwrap_or_else(unix_now);
        let expire = now.saturating_add(self.validity.as_secs());
        let random = self.random.unwrap_or_else(crate::random::u32);
        // The documented keys and the numbers need no encoding; the action is a plain word.
        out.extend_from_slice(b"secretId=");
        push_encoded(out, secret_id);
        out.extend_from_slice(b"&currentTimeStamp=");
        push_decimal(out, now);
        out.extend_from_slice(b"&expireTime=");
        push_decimal(out, expire);
        out.extend_from_slice(b"&random=");
        push_decimal(out, random.into());
        out.extend_from_slice(b"&platform=");
        push_encoded(out, self.platform);
        out.extend_from_slice(b"&action=");
        push_encoded(out, self.action.as_str());
        out.extend_from_slice(b"&userId=");
        push_encoded(out, self.user_id);
        for (key, value) in self.extra {
            out.push(b'&');
            push_encoded(out, key);
            out.push(b'=');
            push_encoded(out, value);
        }
    }

    /// A generous guess of the plaintext's length, to allocate once.
    fn capacity_hint(&self, secret_id: &str) -> usize {
        let text: usize = [secret_id, self.platform, self.user_id]
            .iter()
            .map(|s| s.len())
            .chain(self.extra.iter().map(|(k, v)| k.len() + v.len() + 2))
            .sum();
        // Fixed keys and numbers take about 100 bytes; percent-encoding at most triples text.
        128 + 3 * text
    }
}

/// Appends `text` form-urlencoded (`application/x-www-form-urlencoded`, as the official
/// samples and `form_urlencoded` encode it).
fn push_encoded(out: &mut Vec<u8>, text: &str) {
    // Most values (ids, names, numbers) need no encoding: copy them at once.
    if text.bytes().all(|b| UNRESERVED[usize::from(b)]) {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    for chunk in form_urlencoded::byte_serialize(text.as_bytes()) {
        out.extend_from_slice(chunk.as_bytes());
    }
}

/// The bytes that form-urlencoding leaves as they are (as `form_urlencoded::byte_serialize`),
/// by value.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] =
            matches!(b as u8, b'*' | b'-' | b'.' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z');
        b += 1;
    }
    table
};

/// `"00" "01" … "99"`: two decimal digits at a time.
const DIGIT_PAIRS: [u8; 200] = {
    let mut table = [0; 200];
    let mut n = 0;
    while n < 100 {
        table[2 * n] = b'0' + (n / 10) as u8;
        table[2 * n + 1] = b'0' + (n % 10) as u8;
        n += 1;
    }
    table
};

/// Appends `n` in decimal, without allocating.
fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0; 20]; // u64::MAX has 20 digits
    let mut at = digits.len();
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        at -= 2;
        digits[at..at + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        at -= 2;
        digits[at..at + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
    } else {
        at -= 1;
        digits[at] = b'0' + n as u8;
    }
    out.extend_from_slice(&digits[at..]);
}

/// Makes signatures from a SecretId/SecretKey. Runs on the developer's backend only: the key
/// must never reach a client. `Debug` shows the SecretId, never the key.
///
/// Every signature is valid for a [`Validity`] (1 second to 90 days), checked when the validity
/// is built, so signing itself cannot fail.
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
    pub fn login(&self, platform: &str, user_id: &str, validity: Validity) -> Signature {
        self.sign_parts(&Parts::simple(
            platform,
            user_id,
            SignAction::Login,
            validity,
        ))
    }

    /// An `OpenProject` signature for `project_id` (parameter `openProject.projectId`).
    pub fn open_project(
        &self,
        platform: &str,
        user_id: &str,
        project_id: &str,
        validity: Validity,
    ) -> Signature {
        let params = SignParams::new(platform, user_id, SignAction::OpenProject)
            .validity(validity)
            .param(OPEN_PROJECT_ID_KEY, project_id);
        self.sign(&params)
    }

    /// An `Upload` signature for `user_id`, valid for `validity`.
    pub fn upload(&self, platform: &str, user_id: &str, validity: Validity) -> Signature {
        self.sign_parts(&Parts::simple(
            platform,
            user_id,
            SignAction::Upload,
            validity,
        ))
    }

    /// A signature over `params`.
    pub fn sign(&self, params: &SignParams) -> Signature {
        self.sign_parts(&params.parts())
    }

    /// `Base64(HMAC-SHA1(key, original) ‖ original)`, built in one buffer: room for the digest,
    /// then the plaintext written after it, then the digest filled in.
    fn sign_parts(&self, parts: &Parts<'_>) -> Signature {
        let mut blob = Vec::with_capacity(DIGEST_LEN + parts.capacity_hint(&self.secret_id));
        blob.resize(DIGEST_LEN, 0);
        parts.write_original(&self.secret_id, &mut blob);
        let (head, original) = blob.split_at_mut(DIGEST_LEN);
        head.copy_from_slice(&digest(
            self.secret_key.expose_secret().as_bytes(),
            original,
        ));
        Signature::from(STANDARD.encode(&blob))
    }
}

impl<'a> Parts<'a> {
    /// The parts of a signature without extra parameters, with the clock and a fresh random.
    fn simple(platform: &'a str, user_id: &'a str, action: SignAction, validity: Validity) -> Self {
        Self {
            platform,
            user_id,
            action,
            validity,
            extra: &[],
            now: None,
            random: None,
        }
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
pub(crate) fn digest(key: &[u8], message: &[u8]) -> [u8; DIGEST_LEN] {
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
        let sig = signer.login("p", "u", Validity::DEFAULT);
        assert_eq!(format!("{sig:?}"), "Signature(<redacted>)");
    }

    #[test]
    fn values_are_encoded_as_form_urlencoded_does() {
        for text in [
            "",
            "plain_ID-1.2*x",
            "a b",
            "1&2=3+4",
            "用户/名?#%",
            "tab\tnl\n~!'()",
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        ] {
            let mut ours = Vec::new();
            push_encoded(&mut ours, text);
            let theirs: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
            assert_eq!(String::from_utf8(ours).unwrap(), theirs, "{text:?}");
        }
        for n in [
            0,
            7,
            10,
            99,
            100,
            101,
            1_700_000_000,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut ours = Vec::new();
            push_decimal(&mut ours, n);
            assert_eq!(String::from_utf8(ours).unwrap(), n.to_string());
        }
    }

    #[test]
    fn extra_params_come_after_the_required_ones() {
        let signer = Signer::new("id", "key");
        let params = SignParams::new("p", "a b", SignAction::Upload)
            .now(10)
            .random(7)
            .validity(Validity::from_secs(5).unwrap())
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
