//! Signatures the emulator verifies or makes: why a CME signature is refused, how a signature is
//! read from a query string, the HMAC-SHA1 seal shared by the VOD tokens ([`Sealer`]: Base64 of
//! the HMAC ++ the plaintext), and the VOD client-upload signature made with it
//! ([`VodSigner`], reference `upload-and-cli.md` §2).

use std::collections::BTreeMap;
use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cme_sdk::{ErrorCode, VerifyError};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha1::Sha1;

/// Why a signature is refused, as a code and a detail.
pub(crate) fn verify_refusal(error: &VerifyError) -> (ErrorCode, String) {
    match error {
        VerifyError::Expired => (
            ErrorCode::AuthFailureSignatureExpire,
            "signature expired".to_owned(),
        ),
        VerifyError::UnknownSecretId => (
            ErrorCode::AuthFailureSignatureFailure,
            "signature failure: secretId not found".to_owned(),
        ),
        VerifyError::BadSignature => (
            ErrorCode::AuthFailureSignatureFailure,
            "signature failure: signature does not match".to_owned(),
        ),
        other => (
            ErrorCode::AuthFailureSignatureFailure,
            format!("signature failure: {other}"),
        ),
    }
}

/// The signature of a query string: `+` turned into a space by a client that did not
/// percent-encode it is turned back (Base64 has no spaces).
pub(crate) fn signature_param(query: Option<&str>, name: &str) -> Option<String> {
    let query = query.unwrap_or("");
    if !query.contains(['%', '+']) {
        // nothing to decode (the usual `auth=<ticket>`): the pairs as they are
        return query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key == name).then(|| value.to_owned())
        });
    }
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.replace(' ', "+"))
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// HMAC-SHA1 of `message` under `key`.
pub(crate) fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    // HMAC takes a key of any length
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// A token sealed with HMAC-SHA1: `Base64(HMAC-SHA1(key, plaintext) ++ plaintext)`, the shape of
/// the VOD upload signature, of `verify_content`, and of the emulator's `vodSessionKey`. The key
/// never leaves the emulator (and `Debug` does not show it).
#[derive(Clone)]
pub(crate) struct Sealer {
    key: Vec<u8>,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer(..)")
    }
}

/// Why a sealed token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unsealed {
    /// Not Base64.
    NotBase64,
    /// Shorter than an HMAC and one byte.
    TooShort,
    /// The HMAC does not match the plaintext.
    BadMac,
    /// The plaintext is not UTF-8.
    NotText,
}

impl fmt::Display for Unsealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unsealed::NotBase64 => "not Base64",
            Unsealed::TooShort => "too short to hold an HMAC-SHA1 and a plaintext",
            Unsealed::BadMac => "the HMAC does not match",
            Unsealed::NotText => "the plaintext is not UTF-8",
        })
    }
}

impl Sealer {
    /// A sealer with a key of its own (32 random bytes).
    pub(crate) fn random() -> Self {
        let key: [u8; 32] = rand::rng().random();
        Self { key: key.to_vec() }
    }

    /// A sealer with a given key.
    #[cfg(test)]
    pub(crate) fn with_key(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    /// Seals `plaintext`.
    pub(crate) fn seal(&self, plaintext: &str) -> String {
        let mut bytes = hmac_sha1(&self.key, plaintext.as_bytes()).to_vec();
        bytes.extend_from_slice(plaintext.as_bytes());
        STANDARD.encode(bytes)
    }

    /// The plaintext of a token this sealer sealed. A space is read as the `+` a client forgot
    /// to percent-encode.
    pub(crate) fn open(&self, token: &str) -> Result<String, Unsealed> {
        let token = token.trim().replace(' ', "+");
        let bytes = STANDARD
            .decode(token.as_bytes())
            .map_err(|_| Unsealed::NotBase64)?;
        if bytes.len() <= 20 {
            return Err(Unsealed::TooShort);
        }
        let (mac, plaintext) = bytes.split_at(20);
        let mut check =
            <Hmac<Sha1> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        check.update(plaintext);
        check.verify_slice(mac).map_err(|_| Unsealed::BadMac)?;
        String::from_utf8(plaintext.to_vec()).map_err(|_| Unsealed::NotText)
    }
}

/// The longest validity of a VOD upload signature: 90 days.
pub(crate) const MAX_UPLOAD_SIGN_WINDOW: i64 = 7_776_000;

/// Makes and checks VOD client-upload signatures (`VodUploadSign`) with the emulator's VOD API key:
/// the plaintext is a query string with `secretId`, `currentTimeStamp`, `expireTime` and
/// `random` (integers, `random` an unsigned 32-bit one), and optional parameters.
#[derive(Debug, Clone)]
pub(crate) struct VodSigner {
    secret_id: String,
    sealer: Sealer,
}

/// What a valid VOD upload signature says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UploadSign {
    /// The signed plaintext, which names this signature (for one-time signatures).
    pub(crate) plaintext: String,
    /// Start of validity, Unix seconds.
    pub(crate) current: i64,
    /// End of validity, Unix seconds.
    pub(crate) expire: i64,
    /// `oneTimeValid=1`.
    pub(crate) one_time: bool,
    /// Every parameter, by name.
    pub(crate) params: BTreeMap<String, String>,
}

/// Why a VOD upload signature is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UploadSignRefusal {
    /// Not a sealed token, or its HMAC does not match.
    Invalid(String),
    /// A required parameter is missing or not an integer, or the window is wrong.
    Malformed(String),
    /// Signed with another key.
    UnknownSecretId,
    /// Its validity starts in the future.
    NotYetValid,
    /// It expired.
    Expired,
}

impl fmt::Display for UploadSignRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadSignRefusal::Invalid(why) => write!(f, "signature invalid: {why}"),
            UploadSignRefusal::Malformed(why) => write!(f, "signature invalid: {why}"),
            UploadSignRefusal::UnknownSecretId => {
                f.write_str("signature invalid: unknown secretId")
            }
            UploadSignRefusal::NotYetValid => {
                f.write_str("signature not yet valid: currentTimeStamp is in the future")
            }
            UploadSignRefusal::Expired => f.write_str("signature expired"),
        }
    }
}

impl VodSigner {
    /// A signer with the VOD API key `secret_id` and a random secret key.
    pub(crate) fn new(secret_id: impl Into<String>) -> Self {
        Self {
            secret_id: secret_id.into(),
            sealer: Sealer::random(),
        }
    }

    /// A signature valid from `now` for `lifetime` seconds, with `extra` parameters after the
    /// required ones.
    pub(crate) fn mint(&self, now: i64, lifetime: i64, extra: &[(&str, String)]) -> String {
        let random: u32 = rand::rng().random();
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("secretId", &self.secret_id)
            .append_pair("currentTimeStamp", &now.to_string())
            .append_pair("expireTime", &now.saturating_add(lifetime).to_string())
            .append_pair("random", &random.to_string());
        for (name, value) in extra {
            query.append_pair(name, value);
        }
        self.sealer.seal(&query.finish())
    }

    /// Checks a signature at `now`, allowing `skew` seconds of clock difference at its start.
    pub(crate) fn verify(
        &self,
        signature: &str,
        now: i64,
        skew: i64,
    ) -> Result<UploadSign, UploadSignRefusal> {
        let plaintext = self.sealer.open(signature).map_err(|e| match e {
            // a signature of another key fails its HMAC: name the key when it is another
            Unsealed::BadMac => match secret_id_of(signature) {
                Some(id) if id != self.secret_id => UploadSignRefusal::UnknownSecretId,
                _ => UploadSignRefusal::Invalid(e.to_string()),
            },
            other => UploadSignRefusal::Invalid(other.to_string()),
        })?;
        let params: BTreeMap<String, String> = form_urlencoded::parse(plaintext.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if params.get("secretId") != Some(&self.secret_id) {
            return Err(UploadSignRefusal::UnknownSecretId);
        }
        let integer = |name: &str| -> Result<i64, UploadSignRefusal> {
            let text = params
                .get(name)
                .ok_or_else(|| UploadSignRefusal::Malformed(format!("{name} is missing")))?;
            text.parse::<i64>().map_err(|_| {
                UploadSignRefusal::Malformed(format!("{name} {text:?} is not an integer"))
            })
        };
        let current = integer("currentTimeStamp")?;
        let expire = integer("expireTime")?;
        let random = integer("random")?;
        if u32::try_from(random).is_err() {
            return Err(UploadSignRefusal::Malformed(format!(
                "random {random} is not an unsigned 32-bit integer"
            )));
        }
        if expire < current || expire - current > MAX_UPLOAD_SIGN_WINDOW {
            return Err(UploadSignRefusal::Malformed(format!(
                "expireTime - currentTimeStamp is {}, not 0 to {MAX_UPLOAD_SIGN_WINDOW} seconds (90 days)",
                expire.saturating_sub(current)
            )));
        }
        if current > now.saturating_add(skew) {
            return Err(UploadSignRefusal::NotYetValid);
        }
        if now >= expire {
            return Err(UploadSignRefusal::Expired);
        }
        let one_time = params.get("oneTimeValid").is_some_and(|v| v == "1");
        Ok(UploadSign {
            plaintext,
            current,
            expire,
            one_time,
            params,
        })
    }
}

/// The emulator's VOD keys: the API key that makes and checks `VodUploadSign`, and the keys that
/// seal `verify_content` and `vodSessionKey`. Random for each emulator.
#[derive(Debug, Clone)]
pub(crate) struct VodKeys {
    /// Makes and checks `VodUploadSign`.
    pub(crate) signer: VodSigner,
    /// Seals `verify_content` (`ExpTime=…&FileId=…`), which `FinishUploadMaterial` checks as
    /// `VodVerifyKey`.
    pub(crate) verify: Sealer,
    /// Seals `vodSessionKey`.
    pub(crate) session: Sealer,
}

impl VodKeys {
    /// Fresh keys; the VOD API key's `secretId` is `secret_id`.
    pub(crate) fn new(secret_id: &str) -> Self {
        Self {
            signer: VodSigner::new(secret_id),
            verify: Sealer::random(),
            session: Sealer::random(),
        }
    }
}

/// The `secretId` of a sealed plaintext, read without checking the HMAC (to name the problem).
fn secret_id_of(signature: &str) -> Option<String> {
    let bytes = STANDARD
        .decode(signature.trim().replace(' ', "+").as_bytes())
        .ok()?;
    let plaintext = bytes.get(20..)?;
    form_urlencoded::parse(plaintext)
        .find(|(k, _)| k == "secretId")
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_open_and_refuse_tampering() {
        let sealer = Sealer::with_key(b"key");
        let token = sealer.seal("ExpTime=1547722986&FileId=5285890784418605123");
        assert_eq!(
            sealer.open(&token).as_deref(),
            Ok("ExpTime=1547722986&FileId=5285890784418605123")
        );
        let mut bytes = STANDARD.decode(&token).expect("base64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(sealer.open(&STANDARD.encode(&bytes)), Err(Unsealed::BadMac));
        assert_eq!(
            Sealer::with_key(b"other").open(&token),
            Err(Unsealed::BadMac)
        );
        assert_eq!(sealer.open("not base64!"), Err(Unsealed::NotBase64));
        assert_eq!(
            sealer.open(&STANDARD.encode([0u8; 20])),
            Err(Unsealed::TooShort)
        );
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
        assert!(!format!("{sealer:?}").contains("key"));
    }

    #[test]
    fn upload_signatures_follow_the_vod_rules() {
        let signer = VodSigner::new("AKIDvod");
        let now = 1_700_000_000;
        let sign = signer.mint(now, 3600, &[("oneTimeValid", "1".to_owned())]);
        let claims = signer.verify(&sign, now, 0).expect("valid");
        assert!(claims.one_time);
        assert_eq!(claims.expire, now + 3600);
        assert_eq!(
            signer.verify(&sign, now + 3600, 0),
            Err(UploadSignRefusal::Expired)
        );
        assert_eq!(
            signer.verify(&sign, now - 10, 0),
            Err(UploadSignRefusal::NotYetValid)
        );
        assert!(signer.verify(&sign, now - 10, 60).is_ok());
        let other = VodSigner::new("AKIDother").mint(now, 60, &[]);
        assert_eq!(
            signer.verify(&other, now, 0),
            Err(UploadSignRefusal::UnknownSecretId)
        );
        // hand-made plaintexts under the same key: floats, a long window, a negative random
        for (plaintext, why) in [
            (
                "secretId=AKIDvod&currentTimeStamp=1700000000.5&expireTime=1700003600&random=1",
                "currentTimeStamp",
            ),
            (
                "secretId=AKIDvod&currentTimeStamp=1700000000&expireTime=1800000000&random=1",
                "90 days",
            ),
            (
                "secretId=AKIDvod&currentTimeStamp=1700000000&expireTime=1700003600&random=-1",
                "random",
            ),
            (
                "secretId=AKIDvod&currentTimeStamp=1700000000&random=1",
                "expireTime",
            ),
        ] {
            let sign = signer.sealer.seal(plaintext);
            match signer.verify(&sign, now, 0) {
                Err(UploadSignRefusal::Malformed(text)) => assert!(text.contains(why), "{text}"),
                other => panic!("{plaintext}: {other:?}"),
            }
        }
    }

    #[test]
    fn query_parameters_decode_as_forms_do() {
        for query in [
            "auth=tf_abc",
            "x=1&auth=tf_abc&auth=second",
            "auth",
            "auth=&x=1",
            "",
            "&&auth=a=b",
            "signature=ab%2Bc%2F%3D&auth=tf%5Fx",
            "signature=ab+c",
            "%61uth=encoded&auth=plain",
        ] {
            for name in ["auth", "signature"] {
                let slow = form_urlencoded::parse(query.as_bytes())
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.replace(' ', "+"));
                assert_eq!(
                    signature_param(Some(query), name),
                    slow,
                    "{name} in {query}"
                );
            }
        }
        assert_eq!(signature_param(None, "auth"), None);
        assert_eq!(
            signature_param(Some("signature=ab+c"), "signature").as_deref(),
            Some("ab+c")
        );
    }
}
