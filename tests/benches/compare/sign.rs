//! Item 3, signing: `Signer::login` (builds the plaintext from the clock and a fresh random
//! number, HMAC-SHA1, Base64, wraps it as a secret) versus the bare HMAC-SHA1 + Base64 of the
//! same plaintext bytes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cme_emulator::{DEMO_PLATFORM, DEMO_SECRET_ID, DEMO_SECRET_KEY, DEMO_USER_ID};
use cme_sdk::{Signer, Validity};
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::measure::{self, Better, Comparison};
use crate::Settings;

const VALIDITY: Validity = Validity::DEFAULT;

/// `Base64(HMAC-SHA1(key, plaintext) ‖ plaintext)`, by hand.
fn bare(key: &[u8], plaintext: &[u8]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("any key length");
    mac.update(plaintext);
    let digest = mac.finalize().into_bytes();
    let mut blob = Vec::with_capacity(digest.len() + plaintext.len());
    blob.extend_from_slice(&digest);
    blob.extend_from_slice(plaintext);
    STANDARD.encode(blob)
}

pub fn run(settings: &Settings) {
    let signer = Signer::new(DEMO_SECRET_ID, DEMO_SECRET_KEY);
    let sign = || signer.login(DEMO_PLATFORM, DEMO_USER_ID, VALIDITY);

    // The same bytes: the plaintext of a signature the SDK made; both outputs must agree.
    let signature = sign();
    let blob = STANDARD.decode(signature.expose_secret()).expect("Base64");
    let plaintext = blob[20..].to_vec();
    assert_eq!(
        bare(DEMO_SECRET_KEY.as_bytes(), &plaintext),
        signature.expose_secret()
    );
    let key = DEMO_SECRET_KEY.as_bytes();

    let n = measure::calibrate(settings.batch, 1000, |n| measure::time_n(n, sign));
    measure::time_n(n, || bare(key, &plaintext));
    let mut cmp = Comparison::new("sign.login", "ns", Better::Lower);
    measure::interleave(
        &mut cmp,
        settings.rounds,
        || measure::per_iter(measure::time_n(n, sign), n) * 1e9,
        || measure::per_iter(measure::time_n(n, || bare(key, &plaintext)), n) * 1e9,
    );
    cmp.report();
}
