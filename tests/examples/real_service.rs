//! The client pointed at the real CME service: `cargo run --example real_service`.
//!
//! Reads the credentials from the environment, signs a `Login` signature, logs in against the
//! real hosts and lists the user's root class. Needs network access and a CME platform; it is
//! compiled by CI but never run there.
//!
//! | Variable | |
//! |---|---|
//! | `CME_SECRET_ID` | SecretId of your Tencent Cloud API key |
//! | `CME_SECRET_KEY` | its SecretKey |
//! | `CME_PLATFORM` | your CME platform |
//! | `CME_USER_ID` | the user to act for |
//! | `CME_LOGIN_ENDPOINT` | optional, default `https://open.cme.qcloud.com` |
//! | `CME_API_ENDPOINT` | optional, default `https://web-paas-api.cme.qcloud.com` |
//!
//! Here one program plays both parts to keep the example short. In an app, the signing half
//! runs on your backend (the SecretKey never reaches a client), and the client gets signatures
//! from it through a [`SignatureSource::from_fn`] callback, as below.

use std::error::Error;
use std::process::ExitCode;
use std::time::Duration;

use cme_sdk::types::{Entity, EntityType};
use cme_sdk::{
    BoxError, Client, SignatureSource, Signer, Validity, DEFAULT_API_ENDPOINT,
    DEFAULT_LOGIN_ENDPOINT,
};

/// The required variables, in the order of the table above.
const REQUIRED: [&str; 4] = [
    "CME_SECRET_ID",
    "CME_SECRET_KEY",
    "CME_PLATFORM",
    "CME_USER_ID",
];

/// Settings read from the environment.
struct Settings {
    secret_id: String,
    secret_key: String,
    platform: String,
    user_id: String,
    login_endpoint: String,
    api_endpoint: String,
}

impl Settings {
    /// Reads the settings, or names every required variable that is missing or empty.
    fn from_env() -> Result<Self, Vec<&'static str>> {
        let read = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let missing: Vec<&'static str> = REQUIRED
            .into_iter()
            .filter(|name| read(name).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        let get = |name: &str| read(name).unwrap_or_default();
        Ok(Self {
            secret_id: get("CME_SECRET_ID"),
            secret_key: get("CME_SECRET_KEY"),
            platform: get("CME_PLATFORM"),
            user_id: get("CME_USER_ID"),
            login_endpoint: read("CME_LOGIN_ENDPOINT")
                .unwrap_or_else(|| DEFAULT_LOGIN_ENDPOINT.to_owned()),
            api_endpoint: read("CME_API_ENDPOINT")
                .unwrap_or_else(|| DEFAULT_API_ENDPOINT.to_owned()),
        })
    }
}

async fn run(settings: Settings) -> Result<(), Box<dyn Error>> {
    // The backend half: the API key signs Login signatures.
    let signer = Signer::new(settings.secret_id, settings.secret_key);
    let (platform, user_id) = (settings.platform.clone(), settings.user_id.clone());
    let source = SignatureSource::from_fn(move || {
        let signature = signer.login(&platform, &user_id, Validity::DEFAULT);
        async move { Ok::<_, BoxError>(signature) }
    });

    // The client half.
    let client = Client::builder()
        .login_endpoint(settings.login_endpoint)
        .api_endpoint(settings.api_endpoint)
        .signature_source(source)
        .timeout(Duration::from_secs(30))
        .build()?;
    println!(
        "logging in as {} on {} at {}",
        settings.user_id,
        settings.platform,
        client.login_endpoint()
    );
    let login = client.login().await?;
    println!(
        "logged in (AppId {}, TfUid {})",
        login
            .app_id
            .map_or_else(|| "?".to_owned(), |id| id.to_string()),
        login.tf_uid.as_deref().unwrap_or("?")
    );

    let me = Entity::new(EntityType::Person, settings.user_id.as_str());
    let tree = client
        .material()
        .describe_class(settings.platform.as_str(), me.clone())
        .first_level(true)
        .send()
        .await?;
    let Some(root) = tree
        .class_info_set
        .iter()
        .find(|c| c.parent_class_id == Some(-1))
        .and_then(|c| c.class_id)
    else {
        println!("no root class for {}", settings.user_id);
        return Ok(());
    };
    let listed = client
        .material()
        .list_media(settings.platform.as_str(), root, me)
        .send()
        .await?;
    println!(
        "root class {root}: {} media, {} sub-classes",
        listed.material_total_count.unwrap_or_default(),
        listed.class_info_set.len()
    );
    for class in &listed.class_info_set {
        println!(
            "  class {} {}",
            class.class_id.unwrap_or_default(),
            class.class_path.as_deref().unwrap_or("?")
        );
    }
    for medium in &listed.material_info_set {
        if let Some(basic) = &medium.basic_info {
            println!(
                "  {} {} ({})",
                basic.material_id.as_deref().unwrap_or("?"),
                basic.name.as_deref().unwrap_or("?"),
                basic.material_type.as_ref().map_or("?", |t| t.as_str())
            );
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(missing) => {
            eprintln!(
                "real_service: set {} (and optionally CME_LOGIN_ENDPOINT, CME_API_ENDPOINT) to \
                 run against the real CME service; missing: {}",
                REQUIRED.join(", "),
                missing.join(", ")
            );
            return ExitCode::from(2);
        }
    };
    match run(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("real_service: {err}");
            ExitCode::FAILURE
        }
    }
}
