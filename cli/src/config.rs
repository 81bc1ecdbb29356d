//! Profiles and settings: the config file, the environment and the flags, in that order of
//! precedence (flags win).
//!
//! The config file is `config.toml` in the config directory: `$CME_CONFIG_DIR`, else
//! `$XDG_CONFIG_HOME/cme` (`~/.config/cme`; on Windows `%APPDATA%\cme`). It holds one table
//! per profile, and is written only by its owner can read it (0600):
//!
//! ```toml
//! [default]
//! secret-id = "AKID..."
//! secret-key = "..."
//! platform = "my_platform"
//! user = "user_001"
//! endpoint = "http://127.0.0.1:8686"   # or login-endpoint and api-endpoint
//! vod-endpoint = "http://127.0.0.1:8686" # the hosts of `cme upload`: VOD (and its backup),
//! cos-endpoint = "http://127.0.0.1:8687" # and one COS host for every bucket
//! output = "table"
//! ```
//!
//! The profile is `--profile`, else `$CME_PROFILE`, else `default`. The environment overrides
//! the file: `CME_SECRET_ID`/`CME_SECRET_KEY` (else `TENCENTCLOUD_SECRET_ID`/
//! `TENCENTCLOUD_SECRET_KEY`; a key is always taken as a pair from one place), `CME_PLATFORM`,
//! `CME_USER_ID`, `CME_ENDPOINT`, `CME_VOD_ENDPOINT`, `CME_VOD_BACKUP_ENDPOINT`,
//! `CME_COS_ENDPOINT`. The upload hosts are apart from `endpoint`: the service's VOD and COS
//! hosts are not its CME host.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Failure;

/// The environment variables the CLI reads, captured once (tests build one by hand).
#[derive(Debug, Clone, Default)]
pub struct Env(BTreeMap<String, String>);

/// The variables [`Env::from_process`] captures.
const VARIABLES: &[&str] = &[
    "CME_CONFIG_DIR",
    "CME_PROFILE",
    "CME_SECRET_ID",
    "CME_SECRET_KEY",
    "CME_PLATFORM",
    "CME_USER_ID",
    "CME_ENDPOINT",
    "CME_VOD_ENDPOINT",
    "CME_VOD_BACKUP_ENDPOINT",
    "CME_COS_ENDPOINT",
    "TENCENTCLOUD_SECRET_ID",
    "TENCENTCLOUD_SECRET_KEY",
];

impl Env {
    /// The CLI's variables of this process (unset and empty ones left out).
    pub fn from_process() -> Self {
        Self(
            VARIABLES
                .iter()
                .filter_map(|name| {
                    let value = std::env::var(name).ok()?;
                    Some((name.to_string(), value))
                })
                .collect(),
        )
    }

    /// An environment with these variables only.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }

    /// A variable, trimmed; `None` when unset or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

/// The config directory: `$CME_CONFIG_DIR`, else `cme` in the user's config directory.
pub fn config_dir(env: &Env) -> Result<PathBuf, Failure> {
    if let Some(dir) = env.get("CME_CONFIG_DIR") {
        return Ok(PathBuf::from(dir));
    }
    use etcetera::BaseStrategy as _;
    let base = etcetera::choose_base_strategy().map_err(|e| {
        Failure::io(
            "finding the config directory (set CME_CONFIG_DIR)",
            e.to_string(),
        )
    })?;
    Ok(base.config_dir().join("cme"))
}

/// The settings of one profile in the config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Profile {
    /// The SecretId of the API key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_id: Option<String>,
    /// The SecretKey of the API key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    /// The platform the CLI acts on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// The user the CLI acts for (and signs for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The login and API endpoint both (the emulator's URL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The login endpoint, over `endpoint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_endpoint: Option<String>,
    /// The API endpoint, over `endpoint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_endpoint: Option<String>,
    /// The main VOD upload host (`ApplyUploadUGC`, `CommitUploadUGC`) of `cme upload`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vod_endpoint: Option<String>,
    /// The backup VOD upload host, tried after a network failure of the main one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vod_backup_endpoint: Option<String>,
    /// One COS host for every bucket of `cme upload` (a custom domain, e.g. an emulator's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cos_endpoint: Option<String>,
    /// The output format when `--output` is not given: `json`, `table` or `text`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// The keys of a profile, as `cme configure get/set` and the file spell them.
pub const KEYS: &[&str] = &[
    "secret-id",
    "secret-key",
    "platform",
    "user",
    "endpoint",
    "login-endpoint",
    "api-endpoint",
    "vod-endpoint",
    "vod-backup-endpoint",
    "cos-endpoint",
    "output",
];

impl Profile {
    /// The value of `key` (one of [`KEYS`]).
    pub fn get(&self, key: &str) -> Result<Option<String>, Failure> {
        Ok(self.clone().slot(key)?.take())
    }

    /// Sets `key` (one of [`KEYS`]); an empty value removes it.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), Failure> {
        if key == "output" && !value.is_empty() {
            crate::output::Format::parse(value)?;
        }
        let value = value.trim();
        *self.slot(key)? = (!value.is_empty()).then(|| value.to_owned());
        Ok(())
    }

    fn slot(&mut self, key: &str) -> Result<&mut Option<String>, Failure> {
        Ok(match key {
            "secret-id" => &mut self.secret_id,
            "secret-key" => &mut self.secret_key,
            "platform" => &mut self.platform,
            "user" => &mut self.user,
            "endpoint" => &mut self.endpoint,
            "login-endpoint" => &mut self.login_endpoint,
            "api-endpoint" => &mut self.api_endpoint,
            "vod-endpoint" => &mut self.vod_endpoint,
            "vod-backup-endpoint" => &mut self.vod_backup_endpoint,
            "cos-endpoint" => &mut self.cos_endpoint,
            "output" => &mut self.output,
            other => return Err(unknown_key(other)),
        })
    }
}

fn unknown_key(key: &str) -> Failure {
    Failure::usage(format!(
        "unknown setting {key:?}; the settings are {}",
        KEYS.join(", ")
    ))
}

/// The config file: profiles by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConfigFile {
    /// The profiles.
    pub profiles: BTreeMap<String, Profile>,
}

/// The path of the config file in `dir`.
pub fn config_path(dir: &Path) -> PathBuf {
    dir.join("config.toml")
}

impl ConfigFile {
    /// Reads the config file of `dir`; an absent file is an empty config.
    pub fn load(dir: &Path) -> Result<Self, Failure> {
        let path = config_path(dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(Failure::io(format!("reading {}", path.display()), e)),
        };
        // The parser's message quotes the offending line, which may hold the key: only the
        // position and the kind of problem are shown.
        toml::from_str(&text).map_err(|e| {
            let at = e
                .span()
                .map(|span| {
                    let line = text[..span.start].matches('\n').count() + 1;
                    format!(" at line {line}")
                })
                .unwrap_or_default();
            let message = e.message().lines().next().unwrap_or("invalid TOML");
            let what = if message.contains("unknown field") {
                message.split(", expected").next().unwrap_or(message)
            } else if message.contains("invalid type") {
                "invalid type (every setting is a string)"
            } else {
                message
            };
            Failure::usage(format!("{}{at}: {what}", path.display()))
        })
    }

    /// Writes the config file of `dir`, readable by its owner only, atomically.
    pub fn save(&self, dir: &Path) -> Result<(), Failure> {
        let text = toml::to_string(self)
            .map_err(|e| Failure::io("encoding the config file", e.to_string()))?;
        write_private(&config_path(dir), text.as_bytes())
    }
}

/// Checks a profile name: letters, digits, `-`, `_` and `.` (it names files).
pub fn check_profile_name(name: &str) -> Result<(), Failure> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "invalid profile name {name:?}: use letters, digits, '-', '_' and '.'"
        )))
    }
}

/// Writes `bytes` to `path` so that only the user can read it (0600 on Unix, in a 0700
/// directory created when missing) and atomically: a temporary file in the same directory,
/// renamed over the old one, so a reader never sees half a file.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let fail = |e: std::io::Error| Failure::io(format!("writing {}", path.display()), e);
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(fail)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temp, path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(e));
    }
    Ok(())
}

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A flag.
    Flag(&'static str),
    /// An environment variable.
    Env(&'static str),
    /// The config file's profile.
    File,
    /// The built-in default.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "flag --{flag}"),
            Source::Env(var) => write!(f, "env {var}"),
            Source::File => f.write_str("config file"),
            Source::Default => f.write_str("default"),
        }
    }
}

/// A setting's value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The value.
    pub value: String,
    /// Its source.
    pub source: Source,
}

/// The settings given as flags (global flags of every command).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `--profile`.
    pub profile: Option<String>,
    /// `--endpoint`.
    pub endpoint: Option<String>,
    /// `--user`.
    pub user: Option<String>,
}

/// Everything the CLI acts with, resolved from the flags, the environment and the profile.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The profile's name.
    pub profile: Setting,
    /// The config directory.
    pub dir: PathBuf,
    /// The SecretId, when a key is configured.
    pub secret_id: Option<Setting>,
    /// The SecretKey (never shown).
    pub secret_key: Option<Setting>,
    /// The platform.
    pub platform: Option<Setting>,
    /// The user.
    pub user: Option<Setting>,
    /// The login endpoint.
    pub login_endpoint: Setting,
    /// The API endpoint.
    pub api_endpoint: Setting,
    /// The main VOD upload host.
    pub vod_endpoint: Setting,
    /// The backup VOD upload host: the service's with its main host, else only when set.
    pub vod_backup_endpoint: Option<Setting>,
    /// The one COS host of uploads; `None` for each bucket's own host.
    pub cos_endpoint: Option<Setting>,
    /// The output format's name, when configured.
    pub output: Option<Setting>,
}

fn first(candidates: impl IntoIterator<Item = Option<Setting>>) -> Option<Setting> {
    candidates.into_iter().flatten().next()
}

fn from(value: Option<&str>, source: Source) -> Option<Setting> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| Setting {
            value: v.to_owned(),
            source,
        })
}

impl Settings {
    /// Resolves the settings: flags over the environment over the profile `--profile` /
    /// `CME_PROFILE` / `default` of the config file.
    pub fn resolve(flags: &Flags, env: &Env) -> Result<Self, Failure> {
        let dir = config_dir(env)?;
        let file = ConfigFile::load(&dir)?;
        Self::resolve_with(flags, env, dir, &file)
    }

    /// [`resolve`](Self::resolve) with the config file already read.
    pub fn resolve_with(
        flags: &Flags,
        env: &Env,
        dir: PathBuf,
        file: &ConfigFile,
    ) -> Result<Self, Failure> {
        let profile = first([
            from(flags.profile.as_deref(), Source::Flag("profile")),
            from(env.get("CME_PROFILE"), Source::Env("CME_PROFILE")),
        ])
        .unwrap_or(Setting {
            value: "default".into(),
            source: Source::Default,
        });
        check_profile_name(&profile.value)?;
        let named = file.profiles.get(&profile.value);
        if named.is_none() && profile.source != Source::Default {
            // A profile asked for by name that has no table yet: fine when the environment
            // gives what is needed, so only a note in `whoami`/`configure list`.
            tracing::debug!(profile = %profile.value, "the profile is not in the config file");
        }
        let p = named.cloned().unwrap_or_default();
        let file_value = |v: &Option<String>| from(v.as_deref(), Source::File);

        let (secret_id, secret_key) = key_pair(env, &p)?;
        let platform = first([
            from(env.get("CME_PLATFORM"), Source::Env("CME_PLATFORM")),
            file_value(&p.platform),
        ]);
        let user = first([
            from(flags.user.as_deref(), Source::Flag("user")),
            from(env.get("CME_USER_ID"), Source::Env("CME_USER_ID")),
            file_value(&p.user),
        ]);
        let endpoint = first([
            from(flags.endpoint.as_deref(), Source::Flag("endpoint")),
            from(env.get("CME_ENDPOINT"), Source::Env("CME_ENDPOINT")),
        ]);
        let pick = |specific: &Option<String>, default: &str| {
            endpoint
                .clone()
                .or_else(|| file_value(specific))
                .or_else(|| file_value(&p.endpoint))
                .unwrap_or(Setting {
                    value: default.to_owned(),
                    source: Source::Default,
                })
        };
        let login_endpoint = pick(&p.login_endpoint, cme_sdk::DEFAULT_LOGIN_ENDPOINT);
        let api_endpoint = pick(&p.api_endpoint, cme_sdk::DEFAULT_API_ENDPOINT);
        let upload_host = |variable: &'static str, in_file: &Option<String>| {
            first([
                from(env.get(variable), Source::Env(variable)),
                file_value(in_file),
            ])
        };
        let vod_endpoint = upload_host("CME_VOD_ENDPOINT", &p.vod_endpoint).unwrap_or(Setting {
            value: cme_sdk::upload::DEFAULT_VOD_ENDPOINT.to_owned(),
            source: Source::Default,
        });
        // The service's backup host goes with its main host only: a backup of the real
        // service behind an emulator (or a proxy) would send uploads where nobody meant.
        let vod_backup_endpoint = upload_host("CME_VOD_BACKUP_ENDPOINT", &p.vod_backup_endpoint)
            .or_else(|| {
                (vod_endpoint.source == Source::Default).then(|| Setting {
                    value: cme_sdk::upload::DEFAULT_VOD_BACKUP_ENDPOINT.to_owned(),
                    source: Source::Default,
                })
            });
        let cos_endpoint = upload_host("CME_COS_ENDPOINT", &p.cos_endpoint);
        Ok(Self {
            profile,
            dir,
            secret_id,
            secret_key,
            platform,
            user,
            login_endpoint,
            api_endpoint,
            vod_endpoint,
            vod_backup_endpoint,
            cos_endpoint,
            output: file_value(&p.output),
        })
    }
}

/// The key, as a pair from one place: `CME_SECRET_*`, else `TENCENTCLOUD_SECRET_*`, else the
/// profile. Half a pair is an error naming what is missing.
fn key_pair(env: &Env, p: &Profile) -> Result<(Option<Setting>, Option<Setting>), Failure> {
    let places = [
        (
            from(env.get("CME_SECRET_ID"), Source::Env("CME_SECRET_ID")),
            from(env.get("CME_SECRET_KEY"), Source::Env("CME_SECRET_KEY")),
            ("CME_SECRET_ID", "CME_SECRET_KEY"),
        ),
        (
            from(
                env.get("TENCENTCLOUD_SECRET_ID"),
                Source::Env("TENCENTCLOUD_SECRET_ID"),
            ),
            from(
                env.get("TENCENTCLOUD_SECRET_KEY"),
                Source::Env("TENCENTCLOUD_SECRET_KEY"),
            ),
            ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"),
        ),
        (
            from(p.secret_id.as_deref(), Source::File),
            from(p.secret_key.as_deref(), Source::File),
            ("secret-id in the profile", "secret-key in the profile"),
        ),
    ];
    for (id, key, (id_name, key_name)) in places {
        match (id, key) {
            (None, None) => continue,
            (Some(id), Some(key)) => return Ok((Some(id), Some(key))),
            (Some(_), None) => {
                return Err(Failure::usage(format!(
                    "{id_name} is set but not {key_name}"
                )))
            }
            (None, Some(_)) => {
                return Err(Failure::usage(format!(
                    "{key_name} is set but not {id_name}"
                )))
            }
        }
    }
    Ok((None, None))
}

/// A secret shown masked, like tccli: its last four characters (`****ArFd`), or `****`.
pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 12 {
        return "****".into();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> ConfigFile {
        toml::from_str(
            r#"
            [default]
            secret-id = "AKIDfile"
            secret-key = "file-key"
            platform = "p_file"
            user = "u_file"

            [emu]
            secret-id = "AKIDemu"
            secret-key = "emu-key"
            endpoint = "http://127.0.0.1:1"
            api-endpoint = "http://127.0.0.1:2"
            "#,
        )
        .unwrap()
    }

    fn resolve(flags: Flags, env: &[(&str, &str)]) -> Result<Settings, Failure> {
        Settings::resolve_with(
            &flags,
            &Env::from_pairs(env.iter().copied()),
            "/x".into(),
            &file(),
        )
    }

    #[test]
    fn flags_over_env_over_file() {
        let s = resolve(Flags::default(), &[]).unwrap();
        assert_eq!(s.profile.value, "default");
        assert_eq!(s.secret_id.unwrap().value, "AKIDfile");
        assert_eq!(s.user.clone().unwrap().source, Source::File);
        assert_eq!(s.login_endpoint.value, cme_sdk::DEFAULT_LOGIN_ENDPOINT);
        assert_eq!(s.login_endpoint.source, Source::Default);

        let env = [
            ("CME_USER_ID", "u_env"),
            ("CME_PLATFORM", "p_env"),
            ("CME_ENDPOINT", "http://e"),
        ];
        let s = resolve(Flags::default(), &env).unwrap();
        assert_eq!(
            (s.user.unwrap().value, s.platform.unwrap().value),
            ("u_env".into(), "p_env".into())
        );
        assert_eq!(s.api_endpoint.source, Source::Env("CME_ENDPOINT"));

        let flags = Flags {
            user: Some("u_flag".into()),
            endpoint: Some("http://f".into()),
            profile: None,
        };
        let s = resolve(flags, &env).unwrap();
        assert_eq!(s.user.unwrap().source, Source::Flag("user"));
        assert_eq!(s.login_endpoint.value, "http://f");
    }

    #[test]
    fn profiles_and_endpoints() {
        let s = resolve(Flags::default(), &[("CME_PROFILE", "emu")]).unwrap();
        assert_eq!(s.profile.source, Source::Env("CME_PROFILE"));
        assert_eq!(s.login_endpoint.value, "http://127.0.0.1:1");
        assert_eq!(
            s.api_endpoint.value, "http://127.0.0.1:2",
            "specific over general"
        );
        assert!(s.user.is_none());
        let flags = Flags {
            profile: Some("default".into()),
            ..Flags::default()
        };
        let s = resolve(flags, &[("CME_PROFILE", "emu")]).unwrap();
        assert_eq!(s.secret_id.unwrap().value, "AKIDfile");
        let bad = Flags {
            profile: Some("../etc".into()),
            ..Flags::default()
        };
        assert_eq!(resolve(bad, &[]).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn keys_come_in_pairs() {
        let s = resolve(
            Flags::default(),
            &[
                ("TENCENTCLOUD_SECRET_ID", "AKIDtc"),
                ("TENCENTCLOUD_SECRET_KEY", "tc-key"),
            ],
        )
        .unwrap();
        assert_eq!(
            s.secret_key.unwrap().source,
            Source::Env("TENCENTCLOUD_SECRET_KEY")
        );
        let s = resolve(
            Flags::default(),
            &[
                ("TENCENTCLOUD_SECRET_ID", "AKIDtc"),
                ("TENCENTCLOUD_SECRET_KEY", "tc-key"),
                ("CME_SECRET_ID", "AKIDcme"),
                ("CME_SECRET_KEY", "cme-key"),
            ],
        )
        .unwrap();
        assert_eq!(s.secret_id.unwrap().value, "AKIDcme");
        let err = resolve(Flags::default(), &[("CME_SECRET_ID", "AKIDcme")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "CME_SECRET_ID is set but not CME_SECRET_KEY"
        );
    }

    #[test]
    fn the_file_refuses_unknown_keys_without_quoting_values() {
        let dir = std::env::temp_dir().join(format!("cme-cli-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            config_path(&dir),
            "[default]\nsecert-key = \"hush-hush-key\"\n",
        )
        .unwrap();
        let err = ConfigFile::load(&dir).unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("secert-key"),
            "{err}"
        );
        assert!(!err.contains("hush-hush-key"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn private_files_are_0600_and_replaced_whole() {
        let dir = std::env::temp_dir().join(format!("cme-cli-private-{}", std::process::id()));
        let path = dir.join("sub/file");
        write_private(&path, b"one").unwrap();
        write_private(&path, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn masks_and_settings() {
        assert_eq!(mask("cmeEmulatorDemoSecretKey0123456789"), "****6789");
        assert_eq!(mask("short"), "****");
        let mut p = Profile::default();
        p.set("platform", "p1").unwrap();
        assert_eq!(p.get("platform").unwrap().as_deref(), Some("p1"));
        p.set("platform", "").unwrap();
        assert_eq!(p.get("platform").unwrap(), None);
        assert_eq!(p.set("colour", "red").unwrap_err().exit_code(), 2);
        assert!(p.set("output", "yaml").is_err());
    }
}
