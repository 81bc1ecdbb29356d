//! The generated commands against the emulator: every class through its generated flags, the
//! skeleton → edit → `--cli-input-json` round trip, output formats, `--query` and `--all`.

mod common;

use common::Setup;
use serde_json::{json, Value};

use cme_emulator::{DEMO_MATERIAL_ID, DEMO_PROJECT_ID, DEMO_TEAM_ID, DEMO_USER_ID};

#[test]
fn every_class_through_generated_flags() {
    let s = Setup::new("classes");

    // Material: the owner defaults to the signed-in user; a class made is then listed.
    let tree = s.json(&["material", "describe-class"]);
    assert!(tree["ClassInfoSet"].as_array().unwrap().len() > 1, "{tree}");
    let made = s.json(&[
        "material",
        "create-class",
        "--parent-class-id",
        "9",
        "--name",
        "剪辑素材",
        "--owner",
        &format!("person:{DEMO_USER_ID}"),
    ]);
    let id = made["ClassId"].as_i64().expect("a ClassId");
    let tree = s.json(&[
        "material",
        "describe-class",
        "--first-level",
        "--base-class-id",
        "9",
    ]);
    let names: Vec<&str> = tree["ClassInfoSet"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["Name"].as_str())
        .collect();
    assert!(names.contains(&"剪辑素材"), "{names:?}");
    // A list flag, repeated and as a JSON array.
    let media = s.json(&[
        "material",
        "describe-materials",
        "--material-ids",
        DEMO_MATERIAL_ID,
        "--material-ids",
        "[\"38192156030633420589\"]",
    ]);
    assert_eq!(
        media["MaterialInfoSet"][0]["BasicInfo"]["MaterialId"],
        DEMO_MATERIAL_ID
    );
    s.json(&["material", "delete-class", "--class-id", &id.to_string()]);

    // Project: a struct flag as JSON, an enum flag.
    let projects = s.json(&[
        "project",
        "describe-projects",
        "--project-ids",
        DEMO_PROJECT_ID,
        "--sort",
        r#"{"Field": "CreateTime", "Order": "Asc"}"#,
    ]);
    assert_eq!(projects["ProjectInfoSet"][0]["ProjectId"], DEMO_PROJECT_ID);
    let materials = s.json(&[
        "project",
        "describe-project-materials",
        "--project-id",
        DEMO_PROJECT_ID,
    ]);
    assert!(materials.is_object());

    // Task: a list of enums, matched without case.
    let tasks = s.json(&["task", "describe-tasks", "--status-set", "success"]);
    assert_eq!(tasks["TaskInfoSet"][0]["Status"], "SUCCESS", "{tasks}");

    // Team.
    let teams = s.json(&["team", "describe-teams", "--team-ids", DEMO_TEAM_ID]);
    assert_eq!(teams["TeamSet"][0]["TeamId"], DEMO_TEAM_ID);
    let joined = s.json(&["team", "describe-join-teams"]);
    assert_eq!(joined["TotalCount"], 1);
}

#[test]
fn skeleton_edit_and_send_back() {
    let s = Setup::new("skeleton");
    let skeleton = s
        .run(&["material", "create-class", "--generate-cli-skeleton"])
        .ok();
    assert_eq!(
        skeleton,
        json!({"ParentClassId": 0, "Name": "", "Owner": {"Type": "PERSON", "Id": ""}})
    );
    assert_eq!(s.logins(), 0, "a skeleton needs no login");

    // Edit it and send it back from a file.
    let mut request = skeleton.clone();
    request["ParentClassId"] = json!(9);
    request["Name"] = json!("from a file");
    request["Owner"]["Id"] = json!(DEMO_USER_ID);
    let file = s.home.path().join("req.json");
    std::fs::write(&file, request.to_string()).unwrap();
    let source = format!("file://{}", file.display());
    let made = s.json(&["material", "create-class", "--cli-input-json", &source]);
    assert!(made["ClassId"].as_i64().is_some(), "{made}");

    // From stdin, with a flag over one of its fields.
    let made = s
        .run_with(
            &[
                "material",
                "create-class",
                "--cli-input-json",
                "-",
                "--name",
                "from stdin",
                "-o",
                "json",
            ],
            &[],
            Some(&request.to_string()),
        )
        .ok();
    let tree = s.json(&["material", "describe-class"]);
    let named = |name: &str| {
        tree["ClassInfoSet"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["Name"] == name)
            .cloned()
    };
    assert!(named("from a file").is_some());
    assert_eq!(named("from stdin").unwrap()["ClassId"], made["ClassId"]);

    // A paged action's skeleton: the platform is left to the CLI (null).
    let skeleton = s
        .run(&["material", "list-media", "--generate-cli-skeleton"])
        .ok();
    assert_eq!(skeleton["Platform"], Value::Null);
    assert_eq!(skeleton["Limit"], 20);
}

#[test]
fn output_formats_and_query() {
    let s = Setup::new("output");
    let args = ["team", "describe-join-teams"];
    let json = s.json(&args);
    let team = &json["TeamSet"][0];

    let table = s
        .run(&[&args[..], &["-o", "table"]].concat())
        .expect(0)
        .stdout;
    assert!(table.contains("| TotalCount | 1 |"), "{table}");
    assert!(table.contains("TeamSet\n+"), "{table}");
    assert!(table.contains(team["Name"].as_str().unwrap()), "{table}");

    let text = s
        .run(
            &[
                &args[..],
                &["-o", "text", "--query", "TeamSet[].[TeamId, Name]"],
            ]
            .concat(),
        )
        .expect(0)
        .stdout;
    assert_eq!(
        text,
        format!(
            "{}\t{}\n",
            team["TeamId"].as_str().unwrap(),
            team["Name"].as_str().unwrap()
        )
    );

    let queried = s.json(&[&args[..], &["--query", "TeamSet[0].TeamId"]].concat());
    assert_eq!(queried, team["TeamId"]);

    // Without --output and with stdout not a terminal: JSON.
    assert_eq!(s.run(&args).ok(), json);
    // The profile's output setting, then --output over it.
    s.run(&["configure", "set", "output", "text"]).expect(0);
    let text = s
        .run(&[&args[..], &["--query", "TotalCount"]].concat())
        .expect(0)
        .stdout;
    assert_eq!(text, "1\n");
    assert_eq!(s.json(&[&args[..], &["--query", "TotalCount"]].concat()), 1);
}

#[test]
fn all_walks_every_page_item_by_item() {
    let s = Setup::new("all");
    // A list of structs as one JSON object (the platform inside is filled by the CLI).
    let search = [
        "material",
        "search-material",
        "--search-scopes",
        r#"{"Owner": {"Type": "PERSON", "Id": "user_alice"}}"#,
    ];
    let one_page = s.json(&[&search[..], &["--limit", "30"]].concat());
    let expected: Vec<Value> = one_page["MaterialInfoSet"].as_array().unwrap().clone();
    assert!(expected.len() > 3, "the demo user has several media");

    s.emulator.reset_stats();
    let all = s.json(&[&search[..], &["--limit", "3", "--all"]].concat());
    assert_eq!(all.as_array().unwrap(), &expected);
    assert_eq!(
        s.received("Material/SearchMaterial"),
        expected.len().div_ceil(3) as u64,
        "one request per page of 3"
    );

    let ids = s
        .run(
            &[
                &search[..],
                &[
                    "--limit",
                    "2",
                    "--all",
                    "-o",
                    "text",
                    "--query",
                    "BasicInfo.[MaterialId, Name]",
                ],
            ]
            .concat(),
        )
        .expect(0)
        .stdout;
    assert_eq!(ids.lines().count(), expected.len(), "{ids}");
    assert!(ids.lines().all(|l| l.split('\t').count() == 2), "{ids}");

    let table = s
        .run(
            &[
                &search[..],
                &[
                    "--all",
                    "-o",
                    "table",
                    "--query",
                    "BasicInfo.{Id: MaterialId, Name: Name}",
                ],
            ]
            .concat(),
        )
        .expect(0)
        .stdout;
    assert!(table.starts_with("+-"), "{table}");
    assert!(table.contains("| Id "), "{table}");
    assert_eq!(table.lines().count(), expected.len() + 4, "{table}");
}

#[test]
fn raw_sign_login_whoami_logout() {
    let s = Setup::new("raw");
    // The body is sent as it is: the platform too must be in it.
    let body = json!({"Platform": cme_emulator::DEMO_PLATFORM, "Owner": {"Type": "PERSON", "Id": DEMO_USER_ID}})
        .to_string();
    let data = s.json(&["raw", "Material", "DescribeClass", "--body", &body]);
    assert!(data["ClassInfoSet"].is_array(), "{data}");
    let unknown = s
        .run(&["raw", "Material", "SearchResource", "-o", "json"])
        .expect(3);
    assert_eq!(unknown.json()["Error"]["Code"], "InvalidAction");

    let signature = s
        .run(&["sign", "login", "--user", "user_bob"])
        .expect(0)
        .stdout;
    let verifier =
        cme_sdk::Verifier::new().key(cme_emulator::DEMO_SECRET_ID, cme_emulator::DEMO_SECRET_KEY);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = verifier
        .verify(signature.trim(), Some(cme_sdk::SignAction::Login), now)
        .expect("a valid Login signature");
    assert_eq!(claims.user_id, "user_bob");
    assert_eq!(claims.expire_time - claims.current_time_stamp, 300);
    let open = s
        .run(&[
            "sign",
            "open-project",
            "--project-id",
            DEMO_PROJECT_ID,
            "--validity",
            "60",
            "-o",
            "json",
        ])
        .ok();
    let claims = verifier
        .verify(
            open["Signature"].as_str().unwrap(),
            Some(cme_sdk::SignAction::OpenProject),
            now,
        )
        .unwrap();
    assert_eq!(claims.project_id(), Some(DEMO_PROJECT_ID));
    assert_eq!(claims.expire_time - claims.current_time_stamp, 60);

    let me = s.json(&["whoami"]);
    assert_eq!(me["TicketKept"], true, "raw kept its ticket: {me}");
    assert_eq!(me["UserId"], DEMO_USER_ID);
    s.run(&["logout"]).expect(0);
    assert_eq!(s.json(&["whoami"])["TicketKept"], false);
    let logins = s.logins();
    let shown = s.json(&["login"]);
    assert_eq!(shown["UserId"], DEMO_USER_ID);
    assert_eq!(s.logins(), logins + 1);
    assert_eq!(s.json(&["whoami"])["TicketKept"], true);
}

#[test]
fn help_and_completions() {
    let s = Setup::new("help");
    let help = s.run(&["--help"]).expect(0).stdout;
    for word in [
        "material",
        "project",
        "task",
        "team",
        "configure",
        "emulator",
        "Exit status",
    ] {
        assert!(help.contains(word), "{word} in {help}");
    }
    let help = s
        .run(&["material", "list-media", "--help"])
        .expect(0)
        .stdout;
    for word in [
        "--class-id <INT>",
        "--owner <TYPE:ID>",
        "--all",
        "0 to 30",
        "媒体分类 ID",
    ] {
        assert!(help.contains(word), "{word} in {help}");
    }
    let help = s
        .run(&["material", "create-upload-material", "-h"])
        .expect(0)
        .stdout;
    assert!(help.contains("possible values: VIDEO, AUDIO"), "{help}");
    let help = s.run(&["emulator", "--help"]).expect(0).stdout;
    assert!(help.contains("--ticket-lifetime <SECS>"), "{help}");
    let script = s.run(&["completions", "bash"]).expect(0).stdout;
    assert!(script.contains("list-media") && script.contains("--class-id"));
    assert_eq!(s.logins(), 0);
}
