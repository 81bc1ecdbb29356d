//! Handling errors, against an emulator started in-process.
//! `cargo run -p cme-sdk --example handle_errors`
//!
//! Provokes each kind of failure a program meets and shows how to tell them apart: a missing
//! resource, a permission, a request refused before sending, a transient failure retried, a
//! timeout, an expired ticket renewed without the caller noticing. No network.

use std::error::Error as _;
use std::time::Duration;

use cme_emulator::{Emulator, FaultSpec, DEMO_MATERIAL_ID, DEMO_MEMBER_ID, DEMO_OUTSIDER_ID};
use cme_sdk::{Error, ErrorKind, RetryPolicy};

/// One line about an error: its `Display` (action, code, message) and what the predicates say.
fn explain(err: &Error) {
    println!("  {err}");
    let mut said = Vec::new();
    for (yes, what) in [
        (err.is_not_found(), "not found"),
        (err.is_permission_denied(), "permission denied"),
        (err.is_invalid_parameter(), "invalid parameter"),
        (err.is_throttled(), "throttled"),
        (err.is_timeout(), "timeout"),
        (err.is_auth(), "auth"),
        (err.is_retryable(), "retryable"),
    ] {
        if yes {
            said.push(what);
        }
    }
    println!(
        "  code {:?}, {}, {} attempt(s){}",
        err.code_str(),
        if said.is_empty() {
            "no predicate".to_owned()
        } else {
            said.join(", ")
        },
        err.attempts(),
        err.source()
            .map_or(String::new(), |s| format!(", caused by: {s}"))
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::builder().start().await?;
    let bob = emulator.client(DEMO_MEMBER_ID).await?;

    println!("A medium that does not exist:");
    let err = bob
        .material()
        .delete_material("no_such_medium")
        .send()
        .await
        .unwrap_err();
    explain(&err);

    println!("Someone else's medium:");
    let carol = emulator.client(DEMO_OUTSIDER_ID).await?;
    let err = carol
        .material()
        .modify_material(DEMO_MATERIAL_ID)
        .name("mine now")
        .send()
        .await
        .unwrap_err();
    explain(&err);

    println!("A request that breaks a documented constraint (nothing is sent):");
    let err = bob
        .team()
        .describe_join_teams()
        .limit(31)
        .send()
        .await
        .unwrap_err();
    explain(&err);
    if let ErrorKind::InvalidRequest(invalid) = err.kind() {
        for violation in invalid.violations() {
            println!("  field {}: {}", violation.field, violation.problem);
        }
    }

    println!("A transient failure, retried (the action is idempotent):");
    emulator.inject(
        FaultSpec::status(503)
            .action("Team", "DescribeJoinTeams")
            .times(2),
    );
    let teams = bob
        .team()
        .describe_join_teams()
        .retry(
            RetryPolicy::new()
                .with_max_attempts(3)
                .with_base_delay(Duration::from_millis(20)),
        )
        .send()
        .await?;
    println!(
        "  succeeded on the third attempt: {} team(s)",
        teams.team_set.len()
    );

    println!("Too slow for this call's limit:");
    emulator.inject(
        FaultSpec::delay(Duration::from_millis(500))
            .action("Team", "DescribeJoinTeams")
            .times(1),
    );
    let err = bob
        .team()
        .describe_join_teams()
        .attempt_timeout(Duration::from_millis(100))
        .retry(RetryPolicy::none())
        .send()
        .await
        .unwrap_err();
    explain(&err);

    println!("An expired ticket: renewed once, the call replayed, nothing for the caller to do:");
    emulator.expire_tickets();
    let teams = bob.team().describe_join_teams().send().await?;
    println!(
        "  {} team(s), logins so far: {}",
        teams.team_set.len(),
        emulator.stats().received("Login")
    );

    emulator.shutdown().await;
    Ok(())
}
