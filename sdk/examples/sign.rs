//! The backend's part: signing for a signed-in user. `cargo run -p cme-sdk --example sign [USER]`
//!
//! Uses the API key of `TENCENTCLOUD_SECRET_ID` / `TENCENTCLOUD_SECRET_KEY` when set, else a
//! demo key. Prints the three kinds of signature a backend hands out, and checks one the way the
//! service does. No network.

use std::error::Error;

use cme_sdk::signer::OPEN_PROJECT_ID_KEY;
use cme_sdk::{SignAction, SignParams, Signer, Validity, Verifier};

fn main() -> Result<(), Box<dyn Error>> {
    let user = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "user_001".to_owned());
    let (signer, secret_key) = match Signer::from_env() {
        Ok(signer) => {
            println!(
                "signing with the key of TENCENTCLOUD_SECRET_ID ({})",
                signer.secret_id()
            );
            (signer, std::env::var("TENCENTCLOUD_SECRET_KEY")?)
        }
        Err(err) => {
            println!("{err}; signing with a demo key");
            let key = "demo-secret-key".to_owned();
            (Signer::new("AKIDdemoSecretId", key.clone()), key)
        }
    };
    let platform = "my_platform";

    // Login: the client exchanges it for a ticket. Short-lived: it only has to reach the client.
    let login = signer.login(platform, &user, Validity::DEFAULT);
    // Upload: the `VerifySign` of uploads and processing.
    let upload = signer.upload(platform, &user, Validity::from_secs(600)?);
    // OpenProject: a project's editing page in an iframe, valid for a day.
    let open = signer.open_project(
        platform,
        &user,
        "cmepid_5fbb72524e70c2000192d4ed",
        Validity::from_secs(86_400)?,
    );
    for (action, signature) in [
        ("Login", &login),
        ("Upload", &upload),
        ("OpenProject", &open),
    ] {
        let text = signature.expose_secret();
        println!("{action:<12} {}… ({} characters)", &text[..24], text.len());
        // `Debug` never shows a signature.
        assert!(!format!("{signature:?}").contains(text));
    }

    // Any other parameter goes into the plaintext too.
    let custom = signer.sign(
        &SignParams::new(platform, user.as_str(), SignAction::OpenProject)
            .validity(Validity::DEFAULT)
            .param(OPEN_PROJECT_ID_KEY, "cmepid_5fbb72524e70c2000192d4ee"),
    );

    // What the service does with them.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let verifier = Verifier::new().key(signer.secret_id(), secret_key);
    let claims = verifier.verify(custom.expose_secret(), Some(SignAction::OpenProject), now)?;
    println!(
        "verified: {} on {} may {} project {} until {}",
        claims.user_id,
        claims.platform,
        claims.action,
        claims.project_id().unwrap_or("?"),
        claims.expire_time
    );
    // A validity the service would not take is refused before anything is signed.
    println!("{}", Validity::from_secs(0).unwrap_err());
    Ok(())
}
