//! Running a command line: parse it, resolve the settings, run the command, print the result on
//! stdout and diagnostics on stderr, and give the exit status.

use std::ffi::OsString;
use std::io::{BufRead, IsTerminal, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::ArgMatches;
use futures_util::StreamExt;
use serde_json::{json, Map, Value};

use crate::commands::{self, defaults_to_me};
use crate::config::{self, mask, ConfigFile, Env, Flags, Settings};
use crate::dispatch::Reply;
use crate::error::Failure;
use crate::input;
use crate::output::{self, Format, Output};
use crate::session::{self, Session};
use crate::spec::{self, ActionSpec, ClassSpec};

/// What every command needs: the environment, the global flags and the output.
struct Context {
    /// The command line, the program's name first.
    args: Vec<OsString>,
    env: Env,
    flags: Flags,
    output: Output,
    /// `--output` was given.
    explicit_output: bool,
    quiet: bool,
    timeout: Option<Duration>,
}

impl Context {
    fn settings(&self) -> Result<Settings, Failure> {
        Settings::resolve(&self.flags, &self.env)
    }

    /// A note on stderr, unless `--quiet`.
    fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    fn print(&self, value: Value) -> Result<(), Failure> {
        self.output.print(&mut std::io::stdout().lock(), value)
    }
}

/// Runs the command line `args` (the first is the program's name) with the environment `env`;
/// returns the exit status.
pub fn run(args: Vec<OsString>, env: Env) -> u8 {
    let matches = match commands::for_args(&args).try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(e) => {
            let _ = e.print();
            return u8::try_from(e.exit_code()).unwrap_or(crate::error::EXIT_USAGE);
        }
    };
    let debug = matches.get_flag("debug");
    let emulator = matches.subcommand_name() == Some("emulator");
    if debug || emulator {
        let level = if debug {
            tracing::Level::DEBUG
        } else {
            tracing::Level::INFO
        };
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_max_level(level)
            .init();
    }
    let flags = Flags {
        profile: matches.get_one::<String>("profile").cloned(),
        endpoint: matches.get_one::<String>("endpoint").cloned(),
        user: matches.get_one::<String>("user").cloned(),
    };
    let explicit = matches.get_one::<String>("output");
    let format = match explicit {
        Some(name) => Format::parse(name),
        None => default_format(&flags, &env),
    };
    let format = format.unwrap_or(Format::Json);
    let query = matches.get_one::<String>("query").map(String::as_str);
    let output = match Output::new(format, query) {
        Ok(output) => output,
        Err(failure) => return report(&failure, format),
    };
    let context = Context {
        args: args.clone(),
        env,
        flags,
        output,
        explicit_output: explicit.is_some(),
        quiet: matches.get_flag("quiet"),
        timeout: matches
            .get_one::<u64>("cli-timeout")
            .map(|s| Duration::from_secs(*s)),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return report(&Failure::io("starting the runtime", e), format),
    };
    match runtime.block_on(execute(&matches, &context)) {
        Ok(()) => 0,
        Err(failure) if output::is_broken_pipe(&failure) => 0,
        Err(failure) => report(&failure, format),
    }
}

/// The format without `--output`: the profile's `output`, else JSON when stdout is not a
/// terminal and tables when it is.
fn default_format(flags: &Flags, env: &Env) -> Result<Format, Failure> {
    let configured = Settings::resolve(flags, env)
        .ok()
        .and_then(|s| s.output)
        .map(|s| Format::parse(&s.value))
        .transpose()?;
    Ok(configured.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    }))
}

/// Prints a failure (as JSON on stdout too with the JSON format) and gives its exit status.
fn report(failure: &Failure, format: Format) -> u8 {
    if format == Format::Json {
        let _ = output::write_out(
            &mut std::io::stdout().lock(),
            output::json(&failure.to_json()).as_bytes(),
        );
    }
    eprintln!("cme: {failure}");
    failure.exit_code()
}

async fn execute(matches: &ArgMatches, cx: &Context) -> Result<(), Failure> {
    let Some((name, m)) = matches.subcommand() else {
        return Err(Failure::usage("no command given; see cme --help"));
    };
    if let Some(class) = spec::class(name) {
        let (action, m) = m
            .subcommand()
            .ok_or_else(|| Failure::usage(format!("cme {name}: no action given")))?;
        let action = class
            .action(action)
            .ok_or_else(|| Failure::usage(format!("cme {name}: unknown action {action}")))?;
        return call(cx, class, action, m).await;
    }
    match name {
        "upload" => upload(cx, m).await,
        "sign" => sign(cx, m),
        "login" => login(cx).await,
        "logout" => logout(cx),
        "whoami" => whoami(cx),
        "raw" => raw(cx, m).await,
        "configure" => configure(cx, m),
        "completions" => completions(m),
        "emulator" => emulator(m).await,
        other => Err(Failure::usage(format!("unknown command {other}"))),
    }
}

/// The request body of an action: the JSON input, then the flags over it, then the signed-in
/// user for an `Owner` left out; checked against the spec.
fn request_body(
    cx: &Context,
    class: &ClassSpec,
    action: &ActionSpec,
    m: &ArgMatches,
) -> Result<(Value, Option<Settings>), Failure> {
    let mut body = match m.get_one::<String>("cli-input-json") {
        Some(source) => match input::read_input_json(source)? {
            Value::Object(object) => object,
            other => {
                return Err(Failure::usage(format!(
                    "--cli-input-json must be a JSON object, got {}",
                    output::json(&other).trim()
                )))
            }
        },
        None => Map::new(),
    };
    for field in action.fields {
        let Some(mut values) = m.get_many::<Value>(field.flag) else {
            continue;
        };
        let value = if matches!(field.ty, spec::Type::List(_)) {
            Value::Array(
                values
                    .flat_map(|v| v.as_array().cloned().unwrap_or_default())
                    .collect(),
            )
        } else {
            values.next_back().cloned().unwrap_or(Value::Null)
        };
        body.insert(field.wire.to_owned(), value);
    }
    let mut settings = None;
    for field in action.fields.iter().filter(|f| defaults_to_me(f)) {
        if body.get(field.wire).is_some_and(|v| !v.is_null()) {
            continue;
        }
        let resolved = match settings.take() {
            Some(s) => s,
            None => cx.settings()?,
        };
        let user = resolved
            .user
            .as_ref()
            .map(|u| u.value.clone())
            .ok_or_else(|| {
                Failure::usage(format!(
                    "--{} is required: no user is configured to default to (cme configure, \
                 CME_USER_ID or --user)",
                    field.flag
                ))
            })?;
        body.insert(
            field.wire.to_owned(),
            json!({ "Type": "PERSON", "Id": user }),
        );
        settings = Some(resolved);
    }
    let body = input::check_body(action, &Value::Object(body)).map_err(|e| match e {
        Failure::Usage(m) => Failure::Usage(format!("{}/{}: {m}", class.name, action.name)),
        other => other,
    })?;
    Ok((body, settings))
}

/// `cme <class> <action>`.
async fn call(
    cx: &Context,
    class: &ClassSpec,
    action: &ActionSpec,
    m: &ArgMatches,
) -> Result<(), Failure> {
    if m.get_flag("generate-cli-skeleton") {
        return output::write_out(
            &mut std::io::stdout().lock(),
            output::json(&input::skeleton(action)).as_bytes(),
        );
    }
    let (body, settings) = request_body(cx, class, action, m)?;
    let prepared = (action.prepare)(body).map_err(|e| {
        Failure::usage(format!(
            "{}/{}: {}",
            class.name,
            action.name,
            input::with_flag(action, &e.to_string())
        ))
    })?;
    let settings = match settings {
        Some(settings) => settings,
        None => cx.settings()?,
    };
    let session = Session::open(&settings, cx.timeout)?;
    let all = action.paging.is_some() && m.get_flag("all");
    let result = match prepared.send(&session.client, all) {
        Reply::One(reply) => match reply.await {
            Ok(data) => cx.print(data),
            Err(e) => Err(e),
        },
        Reply::Items(mut items) => {
            let mut stdout = std::io::stdout().lock();
            let mut list = cx.output.list(&mut stdout);
            let mut failed = None;
            while let Some(item) = items.next().await {
                match item.and_then(|item| list.item(item)) {
                    Ok(()) => {}
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            // The items printed so far stay a complete JSON array.
            let finished = list.finish();
            match failed {
                Some(e) => Err(e),
                None => finished,
            }
        }
    };
    keep_ticket(cx, &session, result)
}

/// Keeps the session's new ticket, whatever the command's outcome; a failure to keep it fails
/// an otherwise successful command.
fn keep_ticket(
    cx: &Context,
    session: &Session,
    result: Result<(), Failure>,
) -> Result<(), Failure> {
    match (session.save(), result) {
        (Ok(()), result) => result,
        (Err(save), Ok(())) => Err(save),
        (Err(save), Err(e)) => {
            cx.note(&format!("cme: {save}"));
            Err(e)
        }
    }
}

/// `cme upload FILE|FOLDER...` and `cme upload --abort FILE`.
async fn upload(cx: &Context, m: &ArgMatches) -> Result<(), Failure> {
    let mut request = crate::upload::Request::from_matches(m)?;
    let settings = cx.settings()?;
    if !request.abort {
        request.expand(&settings.dir)?;
    }
    let session = Session::open(&settings, cx.timeout)?;
    let result = if request.abort {
        crate::upload::abort(&session.client, &request, &settings.dir, &cx.output).await
    } else {
        let place = crate::upload::Place {
            dir: &settings.dir,
            args: &cx.args,
        };
        crate::upload::run(&session.client, &request, &place, &cx.output, cx.quiet).await
    };
    keep_ticket(cx, &session, result)
}

/// `cme sign login|upload|open-project`.
fn sign(cx: &Context, m: &ArgMatches) -> Result<(), Failure> {
    let (kind, m) = m
        .subcommand()
        .ok_or_else(|| Failure::usage("cme sign: say login, upload or open-project"))?;
    let settings = cx.settings()?;
    let (Some(id), Some(key)) = (&settings.secret_id, &settings.secret_key) else {
        return Err(Failure::NotConfigured(
            "no API key configured: run `cme configure`, or set CME_SECRET_ID and CME_SECRET_KEY"
                .into(),
        ));
    };
    let platform = m
        .get_one::<String>("platform")
        .cloned()
        .or_else(|| settings.platform.as_ref().map(|p| p.value.clone()))
        .ok_or_else(|| Failure::usage("no platform: give --platform or configure one"))?;
    let user = settings
        .user
        .as_ref()
        .map(|u| u.value.clone())
        .ok_or_else(|| Failure::usage("no user: give --user or configure one"))?;
    let validity = match m.get_one::<u64>("validity") {
        Some(secs) => cme_sdk::Validity::from_secs(*secs)
            .map_err(|e| Failure::usage(format!("--validity: {e}")))?,
        None => cme_sdk::Validity::DEFAULT,
    };
    let signer = cme_sdk::Signer::new(id.value.clone(), key.value.clone());
    let (action, signature) = match kind {
        "login" => ("Login", signer.login(&platform, &user, validity)),
        "upload" => ("Upload", signer.upload(&platform, &user, validity)),
        _ => {
            let project = m
                .get_one::<String>("project-id")
                .ok_or_else(|| Failure::usage("--project-id is required"))?;
            (
                "OpenProject",
                signer.open_project(&platform, &user, project, validity),
            )
        }
    };
    // The signature is what this command is for: it goes to stdout, bare unless JSON is asked
    // for explicitly, so that `SIG=$(cme sign login)` works.
    let text = if cx.explicit_output && cx.output.format == Format::Json {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        output::json(&json!({
            "Signature": signature.expose_secret(),
            "Action": action,
            "Platform": platform,
            "UserId": user,
            "ExpireTime": now + validity.as_secs(),
        }))
    } else {
        format!("{}\n", signature.expose_secret())
    };
    output::write_out(&mut std::io::stdout().lock(), text.as_bytes())
}

/// `cme login`.
async fn login(cx: &Context) -> Result<(), Failure> {
    let settings = cx.settings()?;
    let session = Session::open(&settings, cx.timeout)?;
    let result = session.client.login().await.map_err(Failure::from);
    let result = result.and_then(|data| {
        let mut shown = json!({
            "Profile": settings.profile.value,
            "Platform": session.client.platform(),
            "UserId": session.client.user_id(),
        });
        if let Some(app) = data.app_id {
            shown["AppId"] = json!(app);
        }
        cx.print(shown)
    });
    keep_ticket(cx, &session, result)
}

/// `cme logout`.
fn logout(cx: &Context) -> Result<(), Failure> {
    let settings = cx.settings()?;
    let had = session::forget(&settings)?;
    cx.note(&if had {
        format!(
            "cme: forgot the ticket of profile {}",
            settings.profile.value
        )
    } else {
        format!("cme: profile {} kept no ticket", settings.profile.value)
    });
    Ok(())
}

/// `cme whoami`.
fn whoami(cx: &Context) -> Result<(), Failure> {
    let settings = cx.settings()?;
    let value = |s: &Option<config::Setting>| s.as_ref().map(|s| s.value.clone());
    cx.print(json!({
        "Profile": settings.profile.value,
        "Platform": value(&settings.platform),
        "UserId": value(&settings.user),
        "SecretId": value(&settings.secret_id),
        "LoginEndpoint": settings.login_endpoint.value,
        "ApiEndpoint": settings.api_endpoint.value,
        "VodEndpoint": settings.vod_endpoint.value,
        "CosEndpoint": value(&settings.cos_endpoint),
        "TicketKept": session::has_ticket(&settings),
    }))
}

/// `cme raw CLASS ACTION --body JSON`.
async fn raw(cx: &Context, m: &ArgMatches) -> Result<(), Failure> {
    let get = |id: &str| m.get_one::<String>(id).cloned().unwrap_or_default();
    let (class, action, body) = (get("class"), get("action"), get("body"));
    let body = input::read_json("--body", &body)?;
    let settings = cx.settings()?;
    let session = Session::open(&settings, cx.timeout)?;
    let result = session
        .client
        .raw(class, action, body)
        .idempotent(m.get_flag("idempotent"))
        .send()
        .await
        .map_err(Failure::from)
        .and_then(|data| cx.print(data));
    keep_ticket(cx, &session, result)
}

/// `cme configure [list|get|set]`.
fn configure(cx: &Context, m: &ArgMatches) -> Result<(), Failure> {
    let settings = cx.settings()?;
    let dir = settings.dir.clone();
    let name = settings.profile.value.clone();
    let mut file = ConfigFile::load(&dir)?;
    match m.subcommand() {
        Some(("list", _)) => return configure_list(cx, &settings),
        Some(("get", m)) => {
            let key = m.get_one::<String>("key").map_or("", String::as_str);
            let profile = file.profiles.get(&name).cloned().unwrap_or_default();
            let value = profile
                .get(key)?
                .map(|v| if key == "secret-key" { mask(&v) } else { v });
            let Some(value) = value else {
                return Err(Failure::usage(format!(
                    "{key} is not set in profile {name}"
                )));
            };
            return output::write_out(
                &mut std::io::stdout().lock(),
                format!("{value}\n").as_bytes(),
            );
        }
        Some(("set", m)) => {
            let get = |id: &str| m.get_one::<String>(id).map_or("", String::as_str);
            file.profiles
                .entry(name.clone())
                .or_default()
                .set(get("key"), get("value"))?;
        }
        _ => {
            let profile = file.profiles.entry(name.clone()).or_default();
            let mut given = false;
            for key in config::KEYS {
                let id = if *key == "output" {
                    "default-output"
                } else {
                    key
                };
                if let Some(value) = m.get_one::<String>(id) {
                    let value = if *key == "secret-key" && value == "-" {
                        read_line_from_stdin()?
                    } else {
                        value.clone()
                    };
                    profile.set(key, &value)?;
                    given = true;
                }
            }
            if !given {
                if !std::io::stdin().is_terminal() {
                    return Err(Failure::usage(
                        "cme configure: give the settings as flags (cme configure --help), or run it in a terminal to be asked",
                    ));
                }
                let mut stdin = std::io::stdin().lock();
                prompt(profile, &mut stdin, &mut std::io::stderr())?;
            }
        }
    }
    file.save(&dir)?;
    cx.note(&format!(
        "cme: saved profile {name} in {}",
        config::config_path(&dir).display()
    ));
    Ok(())
}

fn read_line_from_stdin() -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::io("reading the secret key from stdin", e))?;
    let key = line.trim();
    if key.is_empty() {
        return Err(Failure::usage("--secret-key -: no key on standard input"));
    }
    Ok(key.to_owned())
}

/// Asks for each setting of `profile` on `out`, reading answers from `input`; an empty answer
/// keeps the current value. The key is shown masked.
pub fn prompt(
    profile: &mut config::Profile,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let asked = [
        ("secret-id", "SecretId"),
        ("secret-key", "SecretKey"),
        ("platform", "Platform"),
        ("user", "User ID"),
        ("endpoint", "Endpoint (empty: the service's)"),
    ];
    let io = |e: std::io::Error| Failure::io("asking for the settings", e);
    for (key, label) in asked {
        let current = profile
            .get(key)?
            .map(|v| if key == "secret-key" { mask(&v) } else { v });
        let shown = current.map(|c| format!(" [{c}]")).unwrap_or_default();
        write!(out, "{label}{shown}: ")
            .and_then(|()| out.flush())
            .map_err(io)?;
        let mut line = String::new();
        if input.read_line(&mut line).map_err(io)? == 0 {
            break;
        }
        let answer = line.trim();
        if !answer.is_empty() {
            profile.set(key, answer)?;
        }
    }
    Ok(())
}

/// `cme configure list`: every setting, its source, the key masked.
fn configure_list(cx: &Context, settings: &Settings) -> Result<(), Failure> {
    let row = |name: &str, setting: Option<&config::Setting>, shown: &dyn Fn(&str) -> String| {
        json!({
            "Name": name,
            "Value": setting.map(|s| shown(&s.value)).unwrap_or_default(),
            "Source": setting.map_or_else(|| "not set".to_owned(), |s| s.source.to_string()),
        })
    };
    let plain = |value: &str| value.to_owned();
    let rows = json!([
        row("profile", Some(&settings.profile), &plain),
        row("secret-id", settings.secret_id.as_ref(), &plain),
        row("secret-key", settings.secret_key.as_ref(), &mask),
        row("platform", settings.platform.as_ref(), &plain),
        row("user", settings.user.as_ref(), &plain),
        row("login-endpoint", Some(&settings.login_endpoint), &plain),
        row("api-endpoint", Some(&settings.api_endpoint), &plain),
        row("vod-endpoint", Some(&settings.vod_endpoint), &plain),
        row("vod-backup-endpoint", settings.vod_backup_endpoint.as_ref(), &plain),
        row("cos-endpoint", settings.cos_endpoint.as_ref(), &plain),
        row("output", settings.output.as_ref(), &plain),
        {
            "Name": "config-file",
            "Value": config::config_path(&settings.dir).display().to_string(),
            "Source": "",
        },
    ]);
    cx.print(rows)
}

/// `cme completions SHELL`.
fn completions(m: &ArgMatches) -> Result<(), Failure> {
    let Some(shell) = m.get_one::<clap_complete::Shell>("shell") else {
        return Err(Failure::usage("name a shell"));
    };
    let mut script = Vec::new();
    clap_complete::generate(*shell, &mut commands::full(), "cme", &mut script);
    output::write_out(&mut std::io::stdout().lock(), &script)
}

/// `cme emulator`: the emulator with `cme-emulator`'s flags, and how to point `cme` at it.
async fn emulator(m: &ArgMatches) -> Result<(), Failure> {
    use clap::FromArgMatches as _;
    let args =
        cme_emulator::cli::Args::from_arg_matches(m).map_err(|e| Failure::usage(e.to_string()))?;
    let try_cme = |started: &cme_emulator::cli::Started| {
        let user = if started.demo {
            cme_emulator::DEMO_USER_ID
        } else {
            "<user>"
        };
        let backup = started
            .vod_backup_url
            .as_ref()
            .map(|url| format!(" \\\n    CME_VOD_BACKUP_ENDPOINT={url}"))
            .unwrap_or_default();
        format!(
            "\nOr with cme, in another shell:\n  export CME_ENDPOINT={base} CME_SECRET_ID={} \\\n    \
             CME_SECRET_KEY={} CME_PLATFORM={} CME_USER_ID={user} \\\n    \
             CME_VOD_ENDPOINT={base} CME_COS_ENDPOINT={}{backup}\n  cme material describe-class\n  \
             cme upload clip.mp4",
            started.secret_id,
            started.secret_key,
            started.platform,
            started.cos_url,
            base = started.base_url,
        )
    };
    cme_emulator::cli::run(args, Some(&try_cme))
        .await
        .map_err(|e| Failure::Io(format!("cme emulator: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_asks_for_each_setting_and_enter_keeps_the_current_one() {
        let mut profile = config::Profile::default();
        profile
            .set("secret-key", "cmeEmulatorDemoSecretKey0123456789")
            .unwrap();
        profile.set("platform", "old_platform").unwrap();
        // SecretId, SecretKey (kept), Platform, User ID, then the input ends.
        let mut input = std::io::Cursor::new("AKIDnew\n\nnew_platform\nuser_1\n");
        let mut shown = Vec::new();
        prompt(&mut profile, &mut input, &mut shown).unwrap();
        assert_eq!(
            String::from_utf8(shown).unwrap(),
            "SecretId: SecretKey [****6789]: Platform [old_platform]: User ID: \
             Endpoint (empty: the service's): "
        );
        let get = |key| profile.get(key).unwrap();
        assert_eq!(get("secret-id").as_deref(), Some("AKIDnew"));
        assert_eq!(
            get("secret-key").as_deref(),
            Some("cmeEmulatorDemoSecretKey0123456789")
        );
        assert_eq!(get("platform").as_deref(), Some("new_platform"));
        assert_eq!(get("user").as_deref(), Some("user_1"));
        assert_eq!(get("endpoint"), None);
    }
}
