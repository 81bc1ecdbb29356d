//! Configuration and the kept ticket: profiles, the precedence of flags over the environment
//! over the config file, `configure` and its masking, ticket reuse and the login after expiry.

mod common;

use common::Setup;

use cme_emulator::{DEMO_PLATFORM, DEMO_SECRET_ID, DEMO_SECRET_KEY, DEMO_USER_ID};

#[test]
fn configure_from_flags_then_env_and_flags_override() {
    let s = Setup::new("profiles").unconfigured();
    let base = s.emulator.base_url();
    // Nothing configured: a call says what is missing, with the auth exit status.
    let run = s.run(&["team", "describe-join-teams"]).expect(4);
    assert!(
        run.stderr.contains("no platform configured"),
        "{}",
        run.stderr
    );

    let configure = [
        "configure",
        "--secret-id",
        DEMO_SECRET_ID,
        "--secret-key",
        "-",
        "--platform",
        DEMO_PLATFORM,
        "--user",
        DEMO_USER_ID,
        "--endpoint",
        &base,
    ];
    // `--secret-key -` reads the key from stdin; nothing there is refused.
    s.run(&configure).expect(2);
    let saved = s.run_with(&configure, &[], Some(&format!("{DEMO_SECRET_KEY}\n")));
    saved.expect(0);
    let config = std::fs::read_to_string(s.config_dir().join("config.toml")).unwrap();
    assert!(config.starts_with("[default]\n"), "{config}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.config_dir().join("config.toml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The file alone.
    let me = s.json(&["whoami"]);
    assert_eq!(
        (me["UserId"].as_str(), me["Platform"].as_str()),
        (Some(DEMO_USER_ID), Some(DEMO_PLATFORM))
    );
    assert_eq!(s.json(&["team", "describe-join-teams"])["TotalCount"], 1);

    // The environment over the file, the flag over the environment.
    let env = s
        .run_with(
            &["whoami", "-o", "json"],
            &[("CME_USER_ID", "user_bob")],
            None,
        )
        .ok();
    assert_eq!(env["UserId"], "user_bob");
    let flag = s
        .run_with(
            &["whoami", "-o", "json", "--user", "user_carol"],
            &[("CME_USER_ID", "user_bob")],
            None,
        )
        .ok();
    assert_eq!(flag["UserId"], "user_carol");
    let teams = s
        .run_with(
            &["team", "describe-join-teams", "-o", "json"],
            &[("CME_USER_ID", "user_carol")],
            None,
        )
        .ok();
    assert_eq!(teams["TotalCount"], 0, "user_carol is in no team");

    // A wrong key in the file, the right one in TENCENTCLOUD_*: the environment wins.
    s.run(&["configure", "set", "secret-key", "not-the-key-at-all"])
        .expect(0);
    s.run(&["logout"]).expect(0);
    s.run(&["team", "describe-join-teams"]).expect(4);
    let tc = [
        ("TENCENTCLOUD_SECRET_ID", DEMO_SECRET_ID),
        ("TENCENTCLOUD_SECRET_KEY", DEMO_SECRET_KEY),
    ];
    s.run_with(&["team", "describe-join-teams"], &tc, None)
        .expect(0);
    // CME_SECRET_* over TENCENTCLOUD_SECRET_*.
    let both = [
        tc[0],
        tc[1],
        ("CME_SECRET_ID", DEMO_SECRET_ID),
        ("CME_SECRET_KEY", "wrong-again-wrong"),
    ];
    s.run(&["logout"]).expect(0);
    s.run_with(&["team", "describe-join-teams"], &both, None)
        .expect(4);
}

#[test]
fn profiles_are_chosen_by_flag_or_env_and_the_key_is_masked() {
    let s = Setup::new("choose").unconfigured();
    let base = s.emulator.base_url();
    for (profile, user) in [("alice", DEMO_USER_ID), ("bob", "user_bob")] {
        s.run(&[
            "configure",
            "--profile",
            profile,
            "--secret-id",
            DEMO_SECRET_ID,
            "--secret-key",
            DEMO_SECRET_KEY,
            "--platform",
            DEMO_PLATFORM,
            "--user",
            user,
            "--endpoint",
            &base,
        ])
        .expect(0);
    }
    assert_eq!(
        s.json(&["whoami", "--profile", "bob"])["UserId"],
        "user_bob"
    );
    let env = s
        .run_with(&["whoami", "-o", "json"], &[("CME_PROFILE", "alice")], None)
        .ok();
    assert_eq!(env["UserId"], DEMO_USER_ID);
    let flag = s
        .run_with(
            &["whoami", "-o", "json", "--profile", "bob"],
            &[("CME_PROFILE", "alice")],
            None,
        )
        .ok();
    assert_eq!(flag["UserId"], "user_bob");
    // The default profile does not exist: nothing configured.
    s.run(&["team", "describe-join-teams"]).expect(4);

    let list = s
        .run(&["configure", "list", "--profile", "bob", "-o", "json"])
        .ok();
    let row = |name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["Name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(row("secret-key")["Value"], "****6789");
    assert_eq!(row("secret-key")["Source"], "config file");
    assert_eq!(row("profile")["Source"], "flag --profile");
    let table = s
        .run(&["configure", "list", "--profile", "bob", "-o", "table"])
        .expect(0)
        .stdout;
    assert!(!table.contains(DEMO_SECRET_KEY), "{table}");
    let got = s
        .run(&["configure", "get", "secret-key", "--profile", "bob"])
        .expect(0)
        .stdout;
    assert_eq!(got, "****6789\n");
    let got = s
        .run(&["configure", "get", "user", "--profile", "bob"])
        .expect(0)
        .stdout;
    assert_eq!(got, "user_bob\n");
    s.run(&["configure", "set", "colour", "red"]).expect(2);
    s.run(&["configure", "--profile", "../x", "--user", "u"])
        .expect(2);
    // Configure with no flags and stdin not a terminal: told what to do.
    let run = s.run(&["configure"]).expect(2);
    assert!(
        run.stderr.contains("give the settings as flags"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_ticket_is_kept_reused_and_renewed_once_refused() {
    let s = Setup::new("tickets");
    for _ in 0..3 {
        s.json(&["team", "describe-join-teams"]);
    }
    assert_eq!(s.logins(), 1, "one login for three commands");
    let first = s.kept_ticket("default").expect("a kept ticket");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = s.config_dir().join("tickets/default.json");
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The service refuses the ticket: one new login, the call replayed, the new ticket kept.
    s.emulator.expire_tickets();
    s.json(&["team", "describe-join-teams"]);
    assert_eq!(s.logins(), 2);
    let second = s.kept_ticket("default").unwrap();
    assert_ne!(first, second);
    s.json(&["material", "describe-class"]);
    assert_eq!(s.logins(), 2);

    // Another user (or endpoint) does not use the kept ticket.
    s.run(&["team", "describe-join-teams", "--user", "user_bob"])
        .expect(0);
    assert_eq!(s.logins(), 3);

    // A profile with no key can still use a ticket kept for the same identity.
    let no_key = [
        ("CME_SECRET_ID", ""),
        ("CME_SECRET_KEY", ""),
        ("CME_USER_ID", "user_bob"),
    ];
    s.run_with(&["team", "describe-join-teams"], &no_key, None)
        .expect(0);
    assert_eq!(s.logins(), 3);
    s.emulator.expire_tickets();
    let run = s
        .run_with(&["team", "describe-join-teams"], &no_key, None)
        .expect(4);
    assert!(run.stderr.contains("cme configure"), "{}", run.stderr);

    // A ticket file that is not one is replaced by a new login.
    std::fs::write(s.config_dir().join("tickets/default.json"), "garbage").unwrap();
    s.json(&["team", "describe-join-teams"]);
    assert_eq!(s.logins(), 4);
    assert!(s.kept_ticket("default").is_some());
}
