//! `verifier`: `cme_sdk::Verifier::verify` on arbitrary text and on mutations of valid
//! signatures, against a reference check written from the signature's definition
//! (`Base64(HMAC-SHA1(SecretKey, original) ‖ original)`, `original` form-urlencoded).
//!
//! Input: the signature text. It is verified at a fixed time with no expected action and with
//! each action. Checks:
//! - no forgery: a signature verifies only if its digest is the HMAC of its plaintext under the
//!   key of its `secretId`;
//! - the claims are the plaintext's parameters, the time is within the validity window (with
//!   the clock skew), and the action is the one expected;
//! - no false refusal: a signature the reference finds valid verifies;
//! - no panic.
//!
//! Mutations decode a signature, change its parameters (values, duplicates, removals, order,
//! encodings) or its digest, sign it again with the right key half of the time, and encode it
//! (sometimes with whitespace, another alphabet or no padding).

use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};
use base64::Engine as _;
use cme_sdk::{Claims, SignAction, SignParams, Signer, Validity, Verifier, VerifyError};
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::{check, Features, Finding, Target};
use crate::mutate::Mutator;

/// The keys the verifier knows.
const KEYS: [(&str, &str); 2] = [
    ("AKIDfuzzSecretId", "fuzz-secret-key"),
    ("AKIDotherSecretId", "another key, with spaces & signs +/="),
];
/// When the signatures are verified (Unix seconds); the seeds are issued just before.
const NOW: u64 = 1_700_000_100;
/// The verifier's clock skew.
const SKEW: u64 = 60;
/// The length of an HMAC-SHA1 digest.
const DIGEST_LEN: usize = 20;
/// The parameters every signature must have.
const REQUIRED: [&str; 7] = [
    "secretId",
    "currentTimeStamp",
    "expireTime",
    "random",
    "platform",
    "action",
    "userId",
];
/// The actions a signature may be checked for.
const ACTIONS: [SignAction; 3] = [
    SignAction::Login,
    SignAction::Upload,
    SignAction::OpenProject,
];

/// The `verifier` target.
pub struct VerifierTarget {
    verifier: Verifier,
}

impl VerifierTarget {
    /// The target.
    pub fn new() -> Self {
        let verifier = KEYS
            .iter()
            .fold(Verifier::new(), |v, (id, key)| v.key(*id, *key))
            .clock_skew(Duration::from_secs(SKEW));
        Self { verifier }
    }
}

impl Default for VerifierTarget {
    fn default() -> Self {
        Self::new()
    }
}

/// `Base64(HMAC-SHA1(key, plaintext) ‖ plaintext)`, with the key of `secret_id` (or a key no
/// one knows).
fn sign(secret_id: &str, plaintext: &[u8]) -> String {
    let key = KEYS
        .iter()
        .find(|(id, _)| *id == secret_id)
        .map_or("unknown", |(_, key)| key);
    let mut blob = digest(key, plaintext).to_vec();
    blob.extend_from_slice(plaintext);
    STANDARD.encode(blob)
}

fn digest(key: &str, plaintext: &[u8]) -> [u8; DIGEST_LEN] {
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|e| panic!("HMAC takes a key of any length: {e}"));
    mac.update(plaintext);
    mac.finalize().into_bytes().into()
}

/// The decoded signature: digest and plaintext, when the text is Base64 of more than a digest.
fn decode(text: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut blob = STANDARD.decode(compact).ok()?;
    (blob.len() > DIGEST_LEN).then(|| {
        let plaintext = blob.split_off(DIGEST_LEN);
        (blob, plaintext)
    })
}

/// What the reference makes of a signature.
struct Reference {
    /// The digest is the HMAC of the plaintext under the key of its `secretId`.
    genuine: bool,
    /// The claims, when the plaintext has every parameter once, numbers where due.
    claims: Option<Expected>,
}

/// The claims the reference reads: the fields of [`Claims`], in its order.
#[derive(Debug, PartialEq)]
struct Expected {
    secret_id: String,
    current_time_stamp: u64,
    expire_time: u64,
    random: u64,
    platform: String,
    action: String,
    user_id: String,
    extra: Vec<(String, String)>,
}

impl Expected {
    fn matches(&self, claims: &Claims) -> bool {
        *self
            == Expected {
                secret_id: claims.secret_id.clone(),
                current_time_stamp: claims.current_time_stamp,
                expire_time: claims.expire_time,
                random: claims.random,
                platform: claims.platform.clone(),
                action: claims.action.clone(),
                user_id: claims.user_id.clone(),
                extra: claims.extra.clone(),
            }
    }

    /// Whether `NOW` is within the validity window, with the clock skew.
    fn current(&self) -> bool {
        within_window(self.current_time_stamp, self.expire_time)
    }
}

impl Reference {
    fn of(text: &str) -> Option<Self> {
        let (digest_sent, plaintext) = decode(text)?;
        let text = std::str::from_utf8(&plaintext).ok()?;
        let params: Vec<(String, String)> = form_urlencoded::parse(text.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let value = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let key = value("secretId").and_then(|id| KEYS.iter().find(|(i, _)| *i == id));
        let genuine = key.is_some_and(|(_, key)| digest(key, &plaintext)[..] == digest_sent[..]);
        let repeated = params
            .iter()
            .enumerate()
            .any(|(i, (k, _))| params[..i].iter().any(|(seen, _)| seen == k));
        let number = |name: &str| value(name)?.parse::<u64>().ok();
        let read = || {
            Some(Expected {
                secret_id: value("secretId")?,
                current_time_stamp: number("currentTimeStamp")?,
                expire_time: number("expireTime")?,
                random: number("random")?,
                platform: value("platform")?,
                action: value("action")?,
                user_id: value("userId")?,
                extra: params
                    .iter()
                    .filter(|(k, _)| !REQUIRED.contains(&k.as_str()))
                    .cloned()
                    .collect(),
            })
        };
        Some(Self {
            genuine,
            claims: if repeated { None } else { read() },
        })
    }
}

/// Whether `NOW` is within a validity window, with the clock skew.
fn within_window(issued: u64, expires: u64) -> bool {
    NOW <= expires.saturating_add(SKEW) && NOW.saturating_add(SKEW) >= issued
}

impl Target for VerifierTarget {
    fn name(&self) -> &'static str {
        "verifier"
    }

    fn seeds(&self) -> Vec<Vec<u8>> {
        let signer = Signer::new(KEYS[0].0, KEYS[0].1);
        let other = Signer::new(KEYS[1].0, KEYS[1].1);
        let issued = NOW - 100;
        let mut seeds: Vec<String> = Vec::new();
        for (i, action) in ACTIONS.into_iter().enumerate() {
            for validity in [Validity::MIN, Validity::DEFAULT, Validity::MAX] {
                let params = SignParams::new("fuzz_platform", "user_0+1@x", action)
                    .validity(validity)
                    .now(issued)
                    .random(u32::try_from(i).unwrap_or(0));
                seeds.push(signer.sign(&params).expose_secret().to_owned());
            }
        }
        let params = SignParams::new("平台", "用户 &=?", SignAction::OpenProject)
            .param("openProject.projectId", "cmepid_1")
            .param("extra", "a+b/c=d%")
            .now(issued)
            .random(u32::MAX);
        seeds.push(other.sign(&params).expose_secret().to_owned());
        for plaintext in [
            "secretId=AKIDfuzzSecretId&currentTimeStamp=1700000000&expireTime=1700000300&random=1&platform=p&action=Login&userId=u&userId=v",
            "secretId=AKIDfuzzSecretId&currentTimeStamp=1700000000&expireTime=18446744073709551615&random=1&platform=p&action=Login&userId=u",
            "secretId=AKIDfuzzSecretId&currentTimeStamp=18446744073709551616&expireTime=1&random=-1&platform=p&action=Login&userId=u",
            "action=Upload&userId=u&platform=p&random=7&expireTime=1700000300&currentTimeStamp=1700000000&secretId=AKIDfuzzSecretId",
            "secret%49d=AKIDfuzzSecretId&currentTimeStamp=1700000000&expireTime=1700000300&random=1&platform=p+q&action=Login&userId=%E4%BD%A0",
            "secretId=AKIDnobody&currentTimeStamp=1700000000&expireTime=1700000300&random=1&platform=p&action=Login&userId=u",
            "secretId=AKIDfuzzSecretId&currentTimeStamp=1700000000&expireTime=1700000300&random=1&platform=p&action=Login",
        ] {
            seeds.push(sign(KEYS[0].0, plaintext.as_bytes()));
        }
        let blob = |n: usize| STANDARD.encode(vec![b'x'; n]);
        seeds.extend([
            String::new(),
            "====".into(),
            "not base64!".into(),
            blob(19),
            blob(20),
            blob(21),
        ]);
        seeds.into_iter().map(String::into_bytes).collect()
    }

    fn run(&mut self, input: &[u8]) -> Result<Features, Finding> {
        let text = String::from_utf8_lossy(input);
        let reference = Reference::of(&text);
        let any = self.verifier.verify(&text, None, NOW);
        let mut features = vec![feature(&any)];
        if let Ok(claims) = &any {
            let reference = reference.as_ref();
            check!(
                reference.is_some_and(|r| r.genuine),
                "a signature verified whose digest is not the HMAC of its plaintext: {claims:?}"
            );
            check!(
                reference
                    .and_then(|r| r.claims.as_ref())
                    .is_some_and(|expected| expected.matches(claims)),
                "the claims {claims:?} are not the plaintext's parameters"
            );
            check!(
                within_window(claims.current_time_stamp, claims.expire_time),
                "verified outside its validity window: {claims:?}"
            );
        } else if let Some(Reference {
            genuine: true,
            claims: Some(claims),
        }) = &reference
        {
            check!(
                !claims.current(),
                "a genuine signature within its window was refused: {any:?} for {claims:?}"
            );
        }
        for action in ACTIONS {
            let result = self.verifier.verify(&text, Some(action), NOW);
            features.push(format!("{action} {}", feature(&result)));
            match (&any, &result) {
                (Ok(claims), Ok(for_action)) => check!(
                    claims.action == action.as_str() && for_action == claims,
                    "verified for {action} with the claims {for_action:?}"
                ),
                (Ok(claims), Err(err)) => check!(
                    claims.action != action.as_str()
                        && matches!(err, VerifyError::WrongAction { .. }),
                    "refused for {action} ({err}) though its action is {:?}",
                    claims.action
                ),
                (Err(_), Ok(claims)) => {
                    return Err(Finding(format!("verified for {action} only: {claims:?}")))
                }
                (Err(_), Err(_)) => {}
            }
        }
        Ok(features)
    }

    fn mutate(&self, input: &[u8], mutator: &mut Mutator) -> Vec<u8> {
        let text = String::from_utf8_lossy(input);
        let Some((digest_sent, plaintext)) = decode(&text).filter(|_| !mutator.one_in(4)) else {
            let mut bytes = input.to_vec();
            mutator.bytes(&mut bytes);
            return bytes;
        };
        let mut params: Vec<(String, String)> = form_urlencoded::parse(&plaintext)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut raw = None;
        match mutator.below(6) {
            0 if !params.is_empty() => {
                let i = mutator.below(params.len());
                let word = mutator.word();
                params[i].1 = String::from_utf8_lossy(&word).into_owned();
            }
            1 if !params.is_empty() => {
                let i = mutator.below(params.len());
                let pair = params[i].clone();
                params.insert(mutator.below(params.len() + 1), pair);
            }
            2 if !params.is_empty() => {
                params.remove(mutator.below(params.len()));
            }
            3 if !params.is_empty() => {
                let (i, j) = (mutator.below(params.len()), mutator.below(params.len()));
                params.swap(i, j);
            }
            4 => {
                let mut bytes = plaintext.clone();
                mutator.bytes(&mut bytes);
                raw = Some(bytes);
            }
            _ => {
                let name = *mutator.pick(&REQUIRED);
                let word = mutator.word();
                params.push((name.to_owned(), String::from_utf8_lossy(&word).into_owned()));
            }
        }
        let plaintext = raw.unwrap_or_else(|| {
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&params)
                .finish()
                .into_bytes()
        });
        let signed = if mutator.one_in(2) {
            let id = params
                .iter()
                .find(|(k, _)| k == "secretId")
                .map_or("", |(_, v)| v.as_str());
            sign(id, &plaintext)
        } else {
            let mut blob = digest_sent;
            if mutator.one_in(4) {
                let i = mutator.below(blob.len());
                blob[i] ^= 1 << mutator.below(8);
            }
            blob.extend_from_slice(&plaintext);
            STANDARD.encode(blob)
        };
        let signed = match mutator.below(8) {
            0 => {
                let at = mutator.below(signed.len() + 1);
                let (head, tail) = signed.split_at(at);
                format!("{head}\n {tail}")
            }
            1 => STANDARD
                .decode(&signed)
                .map_or(signed, |blob| URL_SAFE.encode(blob)),
            2 => STANDARD
                .decode(&signed)
                .map_or(signed, |blob| STANDARD_NO_PAD.encode(blob)),
            _ => signed,
        };
        signed.into_bytes()
    }

    fn dictionary(&self) -> Vec<Vec<u8>> {
        let mut words: Vec<Vec<u8>> = REQUIRED.iter().map(|w| w.as_bytes().to_vec()).collect();
        words.extend(KEYS.iter().map(|(id, _)| id.as_bytes().to_vec()));
        words.extend(ACTIONS.iter().map(|a| a.as_str().as_bytes().to_vec()));
        for n in [
            0,
            NOW - SKEW - 1,
            NOW - SKEW,
            NOW,
            NOW + SKEW,
            NOW + SKEW + 1,
            u64::MAX,
        ] {
            words.push(n.to_string().into_bytes());
        }
        words.push(b"18446744073709551616".to_vec());
        words
    }
}

/// The kind of a verification's outcome.
fn feature(result: &Result<Claims, VerifyError>) -> String {
    match result {
        Ok(claims) => format!("ok {}", claims.extra.len().min(3)),
        Err(VerifyError::Malformed(why)) => {
            format!(
                "malformed {}",
                why.split(' ').take(2).collect::<Vec<_>>().join(" ")
            )
        }
        Err(err) => format!("{err:?}").chars().take(32).collect(),
    }
}
