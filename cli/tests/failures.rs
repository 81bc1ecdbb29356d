//! Failures: every kind of bad input is refused before anything is sent, naming the flag, with
//! exit status 2; the service's errors (3), authentication (4), the network (5) and local files
//! (6) have their own statuses; errors are JSON on stdout with `--output json`; and no key,
//! ticket or signature ever appears in the output, the logs or the config directory.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::Setup;

use cme_emulator::DEMO_SECRET_KEY;

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let s = Setup::new("bad-input");
    let cases: &[(&[&str], &str)] = &[
        (
            &["material", "list-mediaa"],
            "unrecognized subcommand 'list-mediaa'",
        ),
        (
            &["materials", "list-media"],
            "unrecognized subcommand 'materials'",
        ),
        (
            &[
                "material",
                "list-media",
                "--class-id",
                "9",
                "--colour",
                "red",
            ],
            "unexpected argument '--colour'",
        ),
        (
            &["material", "list-media", "--class-id", "nine"],
            "invalid value for '--class-id <INT>': expected an integer",
        ),
        (&["material", "list-media"], "--class-id <INT>"),
        (
            &["material", "list-media", "--class-id", "9", "--limit", "31"],
            "Limit (--limit): 31 is out of range [0, 30]",
        ),
        (
            &[
                "material",
                "list-media",
                "--class-id",
                "9",
                "--owner",
                "ROBOT:x",
            ],
            "invalid value for '--owner <TYPE:ID>': \"ROBOT\" is not one of PERSON, TEAM",
        ),
        (
            &[
                "material",
                "list-media",
                "--class-id",
                "9",
                "--owner",
                "{\"Type\":\"TEAM\"}",
            ],
            "Id: required field is missing",
        ),
        (
            &[
                "material",
                "modify-material",
                "--material-id",
                "m",
                "--name",
                &"名".repeat(91),
            ],
            "Name (--name): at most 90 characters allowed, got 91",
        ),
        (
            &["task", "describe-tasks", "--status-set", "DONE"],
            "is not one of",
        ),
        (
            &[
                "project",
                "describe-projects",
                "--sort",
                "{\"Field\": \"x\"",
            ],
            "invalid JSON",
        ),
        (
            &[
                "material",
                "list-media",
                "--cli-input-json",
                "{\"ClassId\": 9,",
            ],
            "--cli-input-json (the command line) is not valid JSON",
        ),
        (
            &[
                "material",
                "list-media",
                "--cli-input-json",
                "{\"ClassId\": 9, \"Colour\": 1}",
            ],
            "Colour: unknown field",
        ),
        (
            &["material", "list-media", "--cli-input-json", "[1]"],
            "must be a JSON object",
        ),
        (
            &["material", "list-media", "--cli-input-json", "req.json"],
            "takes file://PATH",
        ),
        (
            &["material", "list-media", "--class-id", "9", "--query", "[?"],
            "invalid --query",
        ),
        (
            &[
                "material",
                "list-media",
                "--class-id",
                "9",
                "--output",
                "yaml",
            ],
            "invalid value 'yaml' for '--output <FORMAT>'",
        ),
        (
            &["raw", "Material", "DescribeClass", "--body", "{oops"],
            "--body (the command line) is not valid JSON",
        ),
    ];
    for (args, says) in cases {
        let run = s.run(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains(says),
            "{args:?}: expected {says:?} in:\n{}",
            run.stderr
        );
    }
    assert_eq!(s.logins(), 0, "nothing was sent, not even a login");
    assert!(
        s.emulator.stats().received.is_empty(),
        "{:?}",
        s.emulator.stats()
    );
}

#[test]
fn each_kind_of_failure_has_its_exit_status_and_json() {
    let s = Setup::new("statuses");
    // The service's error: 3, with the action, the code and the message.
    let run = s
        .run(&[
            "material",
            "delete-material",
            "--material-id",
            "nope",
            "-o",
            "json",
        ])
        .expect(3);
    let error = &run.json()["Error"];
    assert_eq!(error["Action"], "Material/DeleteMaterial");
    assert_eq!(error["Code"], "InvalidParameterValue.MaterialId");
    assert_eq!(error["Kind"], "api");
    assert!(error["Message"]
        .as_str()
        .unwrap()
        .contains("material not exist"));
    assert!(run
        .stderr
        .contains("Material/DeleteMaterial failed: InvalidParameterValue.MaterialId"));
    // With the table format: nothing on stdout, the error on stderr.
    let run = s
        .run(&[
            "material",
            "delete-material",
            "--material-id",
            "nope",
            "-o",
            "table",
        ])
        .expect(3);
    assert_eq!(run.stdout, "");

    // Authentication: a wrong key (for a user with no kept ticket).
    let run = s
        .run_with(
            &["team", "describe-teams", "-o", "json", "--user", "user_bob"],
            &[("CME_SECRET_KEY", "wrong-key-wrong-key")],
            None,
        )
        .expect(4);
    assert_eq!(run.json()["Error"]["Kind"], "auth");
    assert_eq!(run.json()["Error"]["Code"], "AuthFailure.SignatureFailure");

    // The network: nothing listens there.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let run = s
        .run(&[
            "team",
            "describe-teams",
            "--endpoint",
            &closed,
            "--cli-timeout",
            "5",
            "-o",
            "json",
        ])
        .expect(5);
    assert_eq!(run.json()["Error"]["Kind"], "network");

    // A local file: 6.
    let run = s
        .run(&[
            "material",
            "list-media",
            "--cli-input-json",
            "file:///nonexistent/cme/req.json",
        ])
        .expect(6);
    assert!(
        run.stderr.contains("/nonexistent/cme/req.json"),
        "{}",
        run.stderr
    );
    let blocked = s.home.path().join("not-a-dir");
    std::fs::write(&blocked, "").unwrap();
    let run = s
        .run_with(
            &["team", "describe-teams"],
            &[("CME_CONFIG_DIR", blocked.join("cme").to_str().unwrap())],
            None,
        )
        .expect(6);
    assert!(run.stderr.contains("not-a-dir/cme"), "{}", run.stderr);
}

/// Every token of `text` that decodes as a CME signature (an HMAC-SHA1 then a plaintext with
/// `secretId=`).
fn signatures_in(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '%')))
        .map(|t| {
            t.replace("%2B", "+")
                .replace("%2F", "/")
                .replace("%3D", "=")
        })
        .filter(|t| t.len() > 60)
        .filter(|t| {
            STANDARD
                .decode(t)
                .ok()
                .and_then(|b| {
                    b.get(20..)
                        .map(|p| String::from_utf8_lossy(p).contains("secretId="))
                })
                .unwrap_or(false)
        })
        .collect()
}

#[test]
fn no_key_ticket_or_signature_in_any_output() {
    let s = Setup::new("secrets");
    let mut seen = String::new();
    let mut run = |args: &[&str], extra: &[(&str, &str)]| {
        let mut all = args.to_vec();
        all.push("--debug");
        let run = s.run_with(&all, extra, None);
        seen.push_str(&run.stdout);
        seen.push_str(&run.stderr);
        run
    };
    run(&["team", "describe-join-teams"], &[]);
    run(&["material", "describe-class", "-o", "table"], &[]);
    // A call that needs an upload signature (VerifySign, filled by the CLI).
    run(
        &[
            "material",
            "process-material",
            "--material-id",
            cme_emulator::DEMO_MATERIAL_ID,
            "--definition",
            "20",
        ],
        &[],
    );
    run(
        &[
            "material",
            "delete-material",
            "--material-id",
            "nope",
            "-o",
            "json",
        ],
        &[],
    );
    s.emulator.expire_tickets();
    run(&["team", "describe-join-teams"], &[]);
    run(&["login"], &[]);
    run(&["whoami"], &[]);
    run(&["configure", "list"], &[]);
    run(
        &["team", "describe-join-teams"],
        &[("CME_SECRET_KEY", "wrong-key-wrong-key")],
    );
    let ticket = s.kept_ticket("default").expect("a kept ticket");
    assert!(seen.contains("cme.call"), "--debug logs the calls:\n{seen}");
    assert!(!seen.contains(DEMO_SECRET_KEY), "the key leaked:\n{seen}");
    assert!(
        !seen.contains("wrong-key-wrong-key"),
        "a key leaked:\n{seen}"
    );
    assert!(!seen.contains(&ticket), "the ticket leaked:\n{seen}");
    assert_eq!(
        signatures_in(&seen),
        Vec::<String>::new(),
        "a signature leaked"
    );
    // The config directory holds the ticket (in its file) and no key or signature.
    for entry in walk(&s.config_dir()) {
        let text = std::fs::read_to_string(&entry).unwrap();
        assert!(!text.contains(DEMO_SECRET_KEY), "{}", entry.display());
        assert_eq!(
            signatures_in(&text),
            Vec::<String>::new(),
            "{}",
            entry.display()
        );
    }
    // The check itself finds a signature.
    let signature = s.run(&["sign", "upload"]).expect(0).stdout;
    assert_eq!(signatures_in(&signature).len(), 1);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
