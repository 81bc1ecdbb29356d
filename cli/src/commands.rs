//! The command tree, built with clap's builder API from the table of actions: `cme <class>
//! <action> --flag value` per action of the spec, and the hand-written commands (`sign`,
//! `upload`, `login`, `logout`, `whoami`, `raw`, `configure`, `completions`, `emulator`).
//!
//! Only what a command line needs is built: [`for_args`] looks at the arguments first and
//! builds the flags of the one action they name (the other classes and actions are names and
//! one-line descriptions, enough for help and suggestions). [`full`] builds everything (for
//! completions and tests).
//!
//! `cme upload` is hand-written ([`crate::upload`]): an upload is a chain of calls, not one
//! action. Its `--owner` and `--material-type` parse like the generated flags of those types.

use std::ffi::OsString;

use clap::{Arg, ArgAction, Command};

use crate::input::FlagValue;
use crate::output::Format;
use crate::spec::{self, ActionSpec, ClassSpec, FieldSpec, Type};

/// The flags of every command (`global`), with whether each takes a value.
const GLOBAL_FLAGS_WITH_VALUES: &[&str] = &[
    "--profile",
    "--endpoint",
    "--user",
    "--output",
    "-o",
    "--query",
    "--cli-timeout",
];

/// The user-facing version line.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

const ABOUT: &str = "The command line of the Tencent Cloud CME client API (多媒体创作引擎)";

const LONG_ABOUT: &str =
    "The command line of the Tencent Cloud CME client API (多媒体创作引擎).\n\n\
Every action of the API is a command, `cme <class> <action>`, with one flag per request field \
(`--class-id 9`), generated from the API spec. The CLI holds your API key (SecretId/SecretKey), \
signs for your user, logs in by itself and keeps the ticket per profile.";

const AFTER_HELP: &str = "\
Getting started:
  cme configure                          set the key, platform and user (interactive)
  cme material describe-class            your class tree (the owner defaults to you)
  cme upload clip.mp4 --class-id 9       a new medium, with progress; Ctrl-C, then again: resumed
  cme material list-media --class-id 9 --all --output table
  cme project describe-projects --query 'ProjectInfoSet[].Name' --output text
  cme material list-media --generate-cli-skeleton > req.json   (edit it, then:)
  cme material list-media --cli-input-json file://req.json
  cme emulator                           a local CME to try all of it offline

Configuration: profiles in $CME_CONFIG_DIR/config.toml (default ~/.config/cme); --profile or
CME_PROFILE picks one. The environment overrides the file: CME_SECRET_ID, CME_SECRET_KEY (or
TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY), CME_PLATFORM, CME_USER_ID, CME_ENDPOINT,
CME_VOD_ENDPOINT, CME_VOD_BACKUP_ENDPOINT, CME_COS_ENDPOINT (the hosts of uploads); flags override
the environment.

Output: JSON on stdout when it is not a terminal, tables on a terminal; diagnostics on stderr.
Exit status: 0 ok, 2 usage, 3 the service's error, 4 authentication, 5 network or timeout,
6 local I/O, 130 interrupted (Ctrl-C).";

fn global(arg: Arg) -> Arg {
    arg.global(true).help_heading("Global options")
}

/// The options every command takes.
fn global_args() -> Vec<Arg> {
    vec![
        global(
            Arg::new("profile").long("profile").value_name("NAME").help(
                "The profile of the config file to use [default: $CME_PROFILE, else default]",
            ),
        ),
        global(
            Arg::new("endpoint")
                .long("endpoint")
                .value_name("URL")
                .help("The login and API endpoint, e.g. an emulator's URL [env: CME_ENDPOINT]"),
        ),
        global(
            Arg::new("user")
                .long("user")
                .value_name("USER")
                .help("Act (and sign) as this user [env: CME_USER_ID]"),
        ),
        global(
            Arg::new("output")
                .short('o')
                .long("output")
                .value_name("FORMAT")
                .value_parser(Format::NAMES)
                .help("Output format [default: json when stdout is not a terminal, else table]"),
        ),
        global(
            Arg::new("query")
                .long("query")
                .value_name("JMESPATH")
                .help("A JMESPath expression applied to the result (to each item with --all)"),
        ),
        global(
            Arg::new("quiet")
                .short('q')
                .long("quiet")
                .action(ArgAction::SetTrue)
                .help("Print no notes on stderr (errors are still printed)"),
        ),
        global(
            Arg::new("debug")
                .long("debug")
                .action(ArgAction::SetTrue)
                .help(
                    "Log what the CLI and the SDK do to stderr (never keys, signatures or tickets)",
                ),
        ),
        global(
            Arg::new("cli-timeout")
                .long("cli-timeout")
                .value_name("SECS")
                .value_parser(clap::value_parser!(u64).range(1..))
                .help("Bound each call, retries included [default: 90]"),
        ),
    ]
}

/// The value name a flag of `ty` shows.
fn value_name(ty: &Type) -> &'static str {
    match ty {
        Type::String => "TEXT",
        Type::Integer => "INT",
        Type::Float => "NUMBER",
        Type::Bool => "BOOL",
        Type::Enum(_) => "VALUE",
        Type::Struct(name) if spec::structure(name).is_some_and(|s| s.is_entity()) => "TYPE:ID",
        Type::Struct(_) => "JSON",
        Type::List(inner) => value_name(inner),
    }
}

/// Whether a flag defaults to the signed-in user: a required owner field named `Owner` (the
/// owner of what a request reads or changes). Other owner fields (`Authorizer`,
/// `Authorizee`) must be given.
pub fn defaults_to_me(field: &FieldSpec) -> bool {
    field.wire == "Owner"
        && field.required
        && matches!(field.ty, Type::Struct(name) if spec::structure(name).is_some_and(|s| s.is_entity()))
}

/// The flag of a request field.
fn field_arg(field: &'static FieldSpec) -> Arg {
    let mut arg = Arg::new(field.flag)
        .long(field.flag)
        .alias(field.wire)
        .value_name(value_name(&field.ty))
        .value_parser(FlagValue(&field.ty));
    let mut notes = Vec::new();
    match field.ty {
        Type::List(inner) => {
            arg = arg.action(ArgAction::Append);
            let shape = if matches!(inner, Type::Struct(_)) {
                "repeat the flag, or give a JSON array of objects"
            } else {
                "repeat the flag, or give a JSON array"
            };
            notes.push(shape.to_owned());
        }
        Type::Bool => {
            arg = arg.num_args(0..=1).default_missing_value("true");
        }
        Type::Struct(name) => {
            let entity = spec::structure(name).is_some_and(|s| s.is_entity());
            notes.push(if entity {
                "TYPE:ID (PERSON:user_001, TEAM:<team id>) or a JSON object".to_owned()
            } else {
                let fields: Vec<&str> = spec::structure(name)
                    .map(|s| s.fields.iter().map(|f| f.wire).collect())
                    .unwrap_or_default();
                format!("a JSON object with {}", fields.join(", "))
            });
        }
        _ => {}
    }
    if field.date_time {
        notes.push("ISO 8601, e.g. 2024-01-15T10:00:00+08:00".into());
    }
    let constraints = field.constraints.describe();
    if !constraints.is_empty() {
        notes.push(constraints);
    }
    if let Some(default) = field.default {
        notes.push(format!(
            "the service's default: {}",
            default.trim_matches('"')
        ));
    }
    if field.from_client {
        notes.push("filled in by the CLI when left out".into());
    }
    if defaults_to_me(field) {
        notes.push("default: you, PERSON:<your user>".into());
    }
    let required = field.required && !field.from_client && !defaults_to_me(field);
    if required {
        arg = arg.required_unless_present_any(["cli-input-json", "generate-cli-skeleton"]);
        notes.insert(0, "required".into());
    }
    let short = if notes.is_empty() {
        field.doc.en.to_owned()
    } else {
        format!("{} [{}]", field.doc.en, notes.join("; "))
    };
    let mut long = field.doc.bilingual();
    long.push_str(&format!("\n\nType: {}.", field.ty.describe()));
    for note in &notes {
        long.push_str(&format!(" {}{}.", note[..1].to_uppercase(), &note[1..]));
    }
    long.push_str(&format!(" Wire name: {}.", field.wire));
    arg.help(short).long_help(long)
}

/// The command of one action, with a flag per request field.
pub fn action_command(class: &ClassSpec, action: &'static ActionSpec) -> Command {
    let mut long = action.doc.bilingual();
    long.push_str(&format!("\n\n{}/{}. ", class.name, action.name));
    long.push_str(if action.idempotent {
        "Idempotent: retried after a lost reply."
    } else {
        "Not idempotent: never retried once it may have reached the service."
    });
    if let Some(p) = &action.paging {
        long.push_str(&format!(
            " A list: one page per call ({}/{}); --all walks every page and prints the items \
             of {} one by one.",
            p.offset, p.limit, p.items
        ));
    }
    if let Some(url) = action.doc_url {
        long.push_str(&format!("\nReference: {url}"));
    }
    let mut command = Command::new(action.command)
        .about(action.doc.en)
        .long_about(long)
        .args(action.fields.iter().map(field_arg))
        .arg(
            Arg::new("cli-input-json")
                .long("cli-input-json")
                .value_name("file://PATH|-|JSON")
                .help_heading("Request")
                .help("The request as JSON (a file, - for stdin, or inline); flags override its fields"),
        )
        .arg(
            Arg::new("generate-cli-skeleton")
                .long("generate-cli-skeleton")
                .action(ArgAction::SetTrue)
                .help_heading("Request")
                .help("Print a request template with every field, for --cli-input-json, and exit"),
        );
    if action.paging.is_some() {
        command = command.arg(
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .help_heading("Request")
                .help("Walk every page and print every item, as the pages arrive"),
        );
    }
    command
}

/// The command of a class; the actions named in `full` get their flags, the others are stubs.
fn class_command(class: &'static ClassSpec, full: impl Fn(&str) -> bool) -> Command {
    Command::new(class.command)
        .about(class.doc.en)
        .long_about(class.doc.bilingual())
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommands(class.actions.iter().map(|a| {
            if full(a.command) {
                action_command(class, a)
            } else {
                Command::new(a.command).about(a.doc.en)
            }
        }))
}

/// `cme sign login|upload|open-project`.
fn sign_command() -> Command {
    let validity = Arg::new("validity")
        .long("validity")
        .value_name("SECS")
        .value_parser(clap::value_parser!(u64).range(1..=90 * 24 * 3600))
        .help("How long the signature is valid, 1 second to 90 days [default: 300]");
    let platform = Arg::new("platform")
        .long("platform")
        .value_name("NAME")
        .help("Sign for this platform [default: the configured one]");
    let kind = |name: &'static str, about: &'static str| {
        Command::new(name)
            .about(about)
            .arg(validity.clone())
            .arg(platform.clone())
    };
    Command::new("sign")
        .about("Make a signature with the configured key, for a backend or a script")
        .long_about(
            "Make a signature with the configured key (SecretId/SecretKey) for the user given \
             with --user (else the configured one), and print it on stdout (a JSON object with \
             --output json). For backends and shell scripts that hand signatures to clients.",
        )
        .subcommand_required(true)
        .subcommand(kind("login", "A Login signature: exchanged for a ticket"))
        .subcommand(kind(
            "upload",
            "An Upload signature: the VerifySign of uploads and processing",
        ))
        .subcommand(
            kind(
                "open-project",
                "An OpenProject signature: opens a project's editing page",
            )
            .arg(
                Arg::new("project-id")
                    .long("project-id")
                    .value_name("ID")
                    .required(true)
                    .help("The project to open"),
            ),
        )
}

fn configure_command() -> Command {
    let setting = |name: &'static str, help: &'static str| {
        Arg::new(name).long(name).value_name("VALUE").help(help)
    };
    let key = Arg::new("key")
        .value_name("SETTING")
        .required(true)
        .value_parser(crate::config::KEYS.to_vec())
        .help("The setting");
    Command::new("configure")
        .about("Write a profile: the key, platform, user and endpoints")
        .long_about(
            "Write a profile of the config file. Without flags on a terminal it asks for each \
             setting (Enter keeps the current value); with flags it sets those. The file is \
             readable by you only. `--profile NAME` picks the profile.",
        )
        .arg(setting("secret-id", "The SecretId of your API key"))
        .arg(setting(
            "secret-key",
            "The SecretKey of your API key; - reads it from stdin (keeps it out of the shell history)",
        ))
        .arg(setting("platform", "The platform (平台名称) to act on"))
        .arg(setting("user", "Your user ID on the platform"))
        .arg(setting("endpoint", "The login and API endpoint (an emulator's URL)"))
        .arg(setting("login-endpoint", "The login endpoint, when it differs"))
        .arg(setting("api-endpoint", "The API endpoint, when it differs"))
        .arg(setting(
            "vod-endpoint",
            "The VOD upload host of `cme upload` [default: https://vod2.qcloud.com]",
        ))
        .arg(setting(
            "vod-backup-endpoint",
            "The backup VOD upload host, tried when the main one is down",
        ))
        .arg(setting(
            "cos-endpoint",
            "One COS host for every bucket of `cme upload` (a custom domain, an emulator's)",
        ))
        .arg(
            Arg::new("default-output")
                .long("default-output")
                .value_name("FORMAT")
                .value_parser(Format::NAMES)
                .help("The output format when --output is not given"),
        )
        .subcommand(Command::new("list").about(
            "Show every setting, where it comes from (flag, environment, file) and the key masked",
        ))
        .subcommand(
            Command::new("get")
                .about("Print one setting of the profile (the key masked)")
                .arg(key.clone()),
        )
        .subcommand(
            Command::new("set")
                .about("Set one setting of the profile (an empty value removes it)")
                .arg(key)
                .arg(Arg::new("value").value_name("VALUE").required(true)),
        )
}

fn raw_command() -> Command {
    Command::new("raw")
        .about("Call any action by name with a JSON body (for actions the spec lacks)")
        .arg(
            Arg::new("class")
                .value_name("CLASS")
                .required(true)
                .help("The ActionClass, e.g. Material"),
        )
        .arg(
            Arg::new("action")
                .value_name("ACTION")
                .required(true)
                .help("The ActionName, e.g. SearchResource"),
        )
        .arg(
            Arg::new("body")
                .long("body")
                .value_name("JSON|file://PATH|-")
                .default_value("{}")
                .help("The request body"),
        )
        .arg(
            Arg::new("idempotent")
                .long("idempotent")
                .action(ArgAction::SetTrue)
                .help("Declare the action idempotent, so it is retried after a lost reply"),
        )
}

fn upload_command() -> Command {
    let option = |id: &'static str, value: &'static str, help: &'static str| {
        Arg::new(id).long(id).value_name(value).help(help)
    };
    Command::new("upload")
        .about("Upload files or folders as new media, with progress, resume and Ctrl-C kept safe")
        .long_about(
            "Upload files as new media, the way CME's clients do (CreateUploadMaterial, VOD's \
             client upload, a COS multipart upload, FinishUploadMaterial), --jobs files at once. \
             Each medium is named after its file and typed by its extension unless told; it is \
             yours and goes in your root class unless --owner and --class-id say otherwise.\n\n\
             A folder is the files directly in it, in the order of their names (--recursive: \
             its subfolders' too), each uploaded like a file named; hidden files and the CLI's \
             checkpoints are left out, links to folders not followed. Files whose extension \
             tells no material type are refused before anything is sent, all named at once: \
             give --material-type, or name the files to upload.\n\n\
             A checkpoint is written after every part (--checkpoint, else uploads/ in the config \
             directory), so after an error or Ctrl-C the same command (with several files: the \
             one printed, without the files uploaded) goes on, sending only the parts COS does \
             not have; `cme upload --abort FILE` gives the upload up. A file \
             the service already has is not sent again (quick upload).\n\n\
             Progress goes to stderr, as a bar when it is a terminal (one line for all the files \
             in flight); the result of each file (MaterialId, VodFileId, parts, bytes, …) to \
             stdout, as it finishes. A file that fails stops none of the others: the command \
             then names each failed file with its error, prints the command that goes on with \
             the files not uploaded, and exits with the highest of their statuses (6 over 5 over \
             4 over 3 over 2). Ctrl-C stops every upload with its checkpoint kept, prints that \
             command, and exits with 130.",
        )
        .after_help(
            "Examples:\n  \
             cme upload clip.mp4\n  \
             cme upload *.mp4 --class-id 9 --tag holiday --query '[].MaterialId' --output text\n  \
             cme upload clips/ --jobs 4 --progress lines\n  \
             cme upload footage/ --recursive --class-id 9\n  \
             cme upload cover.bin --material-type IMAGE --name cover.png --owner TEAM:cmetid_1\n  \
             cme upload - --name clip.mp4 < clip.mp4\n  \
             cme upload --abort clip.mp4",
        )
        .arg(
            Arg::new("file")
                .value_name("FILE")
                .required(true)
                .num_args(1..)
                .value_parser(clap::value_parser!(std::path::PathBuf))
                .help(
                    "The files to upload, or folders of them; - reads standard input redirected \
                     from a file",
                ),
        )
        .arg(
            Arg::new("recursive")
                .long("recursive")
                .short('r')
                .action(ArgAction::SetTrue)
                .help("Upload the files of a folder's subfolders too"),
        )
        .arg(option(
            "name",
            "NAME",
            "The medium's name [default: the file's name]; one file only",
        ))
        .arg(
            option(
                "class-id",
                "INT",
                "The class to put the media in [default: the owner's root class]",
            )
            .value_parser(clap::value_parser!(i64)),
        )
        .arg(
            option(
                "owner",
                "TYPE:ID",
                "Who owns the media: PERSON:<user> or TEAM:<team id> [default: you]",
            )
            .value_parser(FlagValue(&crate::upload::OWNER_TYPE)),
        )
        .arg(
            option(
                "material-type",
                "VALUE",
                "The material type [default: told by the extension]",
            )
            .value_parser(FlagValue(&crate::upload::MATERIAL_TYPE)),
        )
        .arg(
            option(
                "tag",
                "TAG",
                "A tag of the media; repeat the flag for several",
            )
            .action(ArgAction::Append),
        )
        .arg(
            option(
                "part-size",
                "SIZE",
                "The size of each part: 8MiB, 16M, 5000000 (1 MiB to 5 GiB) [default: 8MiB, more \
                 for files over 78 GiB]",
            )
            .value_parser(|text: &str| crate::progress::parse_size(text)),
        )
        .arg(
            option("concurrency", "N", "Parts sent at once [default: 4]")
                .value_parser(clap::value_parser!(u16).range(1..=64)),
        )
        .arg(
            option(
                "jobs",
                "N",
                "Files uploaded at once, each with its own checkpoint; memory grows to N × \
                 --concurrency × --part-size [default: 1]",
            )
            .value_parser(clap::value_parser!(u16).range(1..=16)),
        )
        .arg(
            option(
                "retries",
                "N",
                "Attempts of each VOD and COS request, the first included [default: 5]",
            )
            .value_parser(clap::value_parser!(u32).range(1..=20)),
        )
        .arg(
            option(
                "checkpoint",
                "PATH",
                "Keep the checkpoint here [default: uploads/<file>-<hash>.json in the config \
                 directory]; one file only",
            )
            .value_parser(clap::value_parser!(std::path::PathBuf)),
        )
        .arg(
            Arg::new("no-resume")
                .long("no-resume")
                .action(ArgAction::SetTrue)
                .conflicts_with("checkpoint")
                .help("Keep no checkpoint: an interrupted upload starts over"),
        )
        .arg(
            option(
                "progress",
                "MODE",
                "auto: a bar when stderr is a terminal, else nothing; bar; lines (one a second, \
                 for logs); none [default: auto]",
            )
            .value_parser(crate::progress::Mode::NAMES),
        )
        .arg(
            Arg::new("no-progress")
                .long("no-progress")
                .action(ArgAction::SetTrue)
                .conflicts_with("progress")
                .help("Show no progress (--progress none)"),
        )
        .arg(
            Arg::new("abort")
                .long("abort")
                .action(ArgAction::SetTrue)
                .conflicts_with_all([
                    "name",
                    "class-id",
                    "owner",
                    "material-type",
                    "tag",
                    "no-resume",
                    "recursive",
                ])
                .help(
                    "Give up the upload of FILE (its checkpoint; or FILE is the checkpoint): COS \
                     drops its parts, the checkpoint goes",
                ),
        )
}

fn emulator_command() -> Command {
    use clap::Args as _;
    // The about texts after the flags: `augment_args` sets the struct's own doc as the about.
    cme_emulator::cli::Args::augment_args(Command::new("emulator"))
        .about(cme_emulator::cli::ABOUT)
        .long_about(cme_emulator::cli::LONG_ABOUT)
}

/// The commands that are not classes.
fn other_commands() -> Vec<Command> {
    vec![
        upload_command(),
        sign_command(),
        Command::new("login")
            .about("Log in now and keep the ticket (calls log in by themselves when needed)"),
        Command::new("logout").about("Forget the profile's ticket"),
        Command::new("whoami")
            .about("Show the profile, platform, user and endpoints, and whether a ticket is kept"),
        raw_command(),
        configure_command(),
        Command::new("completions")
            .about("Print a completion script for a shell")
            .arg(
                Arg::new("shell")
                    .value_name("SHELL")
                    .required(true)
                    .value_parser(clap::value_parser!(clap_complete::Shell)),
            ),
        emulator_command(),
    ]
}

fn root(classes: impl Iterator<Item = Command>) -> Command {
    Command::new("cme")
        .version(VERSION)
        .about(ABOUT)
        .long_about(LONG_ABOUT)
        .after_help(AFTER_HELP)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(global_args())
        .subcommands(classes)
        .subcommands(other_commands())
}

/// The first arguments that are not options (or values of global options), at most three: the
/// class and the action a command line names (after `help` for `cme help <class> <action>`).
fn positionals(args: &[OsString]) -> Vec<String> {
    let mut found = Vec::new();
    let mut args = args.iter().skip(1);
    while let Some(arg) = args.next() {
        let arg = arg.to_string_lossy();
        if arg == "--" {
            break;
        }
        if arg.starts_with('-') {
            if GLOBAL_FLAGS_WITH_VALUES.contains(&arg.as_ref()) {
                args.next();
            }
            continue;
        }
        found.push(arg.into_owned());
        if found.len() == 3 {
            break;
        }
    }
    found
}

/// The command tree for `args` (the first is the program's name): the class the arguments name
/// with its actions, and the flags of the action they name (of every action of the class when
/// they name none); the other classes and actions are names and one-line descriptions, enough
/// for help, suggestions and errors.
pub fn for_args(args: &[OsString]) -> Command {
    let words = positionals(args);
    let words = match words.first().map(String::as_str) {
        Some("help") => &words[1..],
        _ => &words[..],
    };
    let chosen = words.first().and_then(|c| spec::class(c));
    let action = chosen.and_then(|c| c.action(words.get(1)?));
    root(spec::classes().iter().map(|c| match chosen {
        Some(chosen) if std::ptr::eq(c, chosen) => {
            class_command(c, |a| action.is_none_or(|k| k.command == a))
        }
        _ => Command::new(c.command).about(c.doc.en),
    }))
}

/// The whole command tree.
pub fn full() -> Command {
    root(spec::classes().iter().map(|c| class_command(c, |_| true)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_tree_is_valid() {
        full().debug_assert();
        for class in spec::classes() {
            for action in class.actions {
                let line = args(&["cme", class.command, action.command]);
                for_args(&line).debug_assert();
            }
        }
    }

    #[test]
    fn only_the_named_action_gets_its_flags() {
        let tree = for_args(&args(&[
            "cme",
            "-o",
            "json",
            "material",
            "list-media",
            "--class-id",
            "9",
        ]));
        let material = tree.find_subcommand("material").unwrap();
        let list = material.find_subcommand("list-media").unwrap();
        assert!(list.get_arguments().any(|a| a.get_id() == "class-id"));
        let delete = material.find_subcommand("delete-material").unwrap();
        assert_eq!(delete.get_arguments().count(), 0);
        let team = tree.find_subcommand("team").unwrap();
        assert_eq!(team.get_subcommands().count(), 0);
        assert_eq!(
            positionals(&args(&[
                "cme",
                "--query",
                "x",
                "team",
                "--output",
                "table",
                "describe-teams"
            ])),
            ["team", "describe-teams"]
        );
        // `cme --help` and other commands need no action's flags; `cme help <class> <action>`
        // gets that action's.
        let tree = for_args(&args(&["cme", "--help"]));
        let material = tree.find_subcommand("material").unwrap();
        assert_eq!(material.get_subcommands().count(), 0);
        let tree = for_args(&args(&["cme", "help", "material", "list-media"]));
        let material = tree.find_subcommand("material").unwrap();
        let list = material.find_subcommand("list-media").unwrap();
        assert!(list.get_arguments().count() > 0);
    }

    #[test]
    fn flags_parse_to_typed_json() {
        let line = args(&[
            "cme",
            "material",
            "list-media",
            "--class-id",
            "9",
            "--owner",
            "team:t1",
            "--limit",
            "30",
        ]);
        let matches = for_args(&line).try_get_matches_from(&line).unwrap();
        let (_, m) = matches.subcommand().unwrap();
        let (_, m) = m.subcommand().unwrap();
        assert_eq!(
            m.get_one::<serde_json::Value>("owner"),
            Some(&serde_json::json!({"Type": "TEAM", "Id": "t1"}))
        );
        let bad = args(&["cme", "material", "list-media", "--class-id", "nine"]);
        let err = for_args(&bad).try_get_matches_from(&bad).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.to_string()
                .contains("invalid value for '--class-id <INT>': expected an integer"),
            "{err}"
        );
    }
}
