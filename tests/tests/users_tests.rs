//! The emulator from a user's point of view: tests of the user's own code, started through the
//! emulator's public library API exactly as the docs tell users to: the README's "In your own
//! tests" snippet (verbatim, in a test), the `cme_emulator` crate docs' "Running it in-process
//! (tests)" snippet, and what a suite of such tests does next. Nothing here uses the shared test
//! support: this file is what a user writes.

use std::time::Duration;

use cme_emulator::{Emulator, FaultSpec, DEMO_MATERIAL_ID, DEMO_USER_ID};
use cme_sdk::types::{Entity, EntityType};
use cme_sdk::{Client, ErrorCode};

// README.md, "The emulator", "In your own tests": the snippet, verbatim
// ([`the_readme_snippet_is_the_one_tested`] keeps the two in step).
// README snippet: start
#[tokio::test]
async fn lists_my_classes() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::builder().start().await?; // demo key, platform and data
    let client = emulator.client(DEMO_USER_ID).await?; // logged in as a demo user

    let me = Entity::new(EntityType::Person, DEMO_USER_ID);
    let tree = client.material().describe_class(me).send().await?;
    assert!(!tree.class_info_set.is_empty());
    emulator.shutdown().await;
    Ok(())
}
// README snippet: end

/// The README's first Rust block after `heading` and the code of this file between
/// `// <marker>: start` and `// <marker>: end` are the same, up to whitespace (the README's
/// `use` lines aside).
fn assert_readme_block_is_tested(heading: &str, marker: &str) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let section = readme
        .split_once(heading)
        .unwrap_or_else(|| panic!("the README's {heading:?} section"))
        .1;
    let block = section
        .split_once("```rust\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .expect("its Rust block")
        .0;
    let documented: String = block.lines().filter(|l| !l.starts_with("use ")).collect();
    let this = include_str!("users_tests.rs");
    let tested = this
        .split_once(&format!("// {marker}: start\n"))
        .and_then(|(_, rest)| rest.split_once(&format!("// {marker}: end")))
        .expect("the markers")
        .0;
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    assert_eq!(
        squeeze(&documented),
        squeeze(tested),
        "README.md's {heading:?} snippet changed: update its copy here"
    );
}

#[test]
fn the_readme_snippets_are_the_ones_tested() {
    assert_readme_block_is_tested("In your own tests", "README snippet");
    assert_readme_block_is_tested("## Testing your code", "README mock snippet");
}

// README.md, "Testing your code": the snippet, verbatim.
mod mocked {
    use cme_sdk::material::DeleteMaterialRequest;
    use cme_sdk::mock::{mock, Mock};
    use cme_sdk::{Client, Error, ErrorCode};

    // README mock snippet: start
    /// Your code: forgets a medium; one that is already gone is fine.
    async fn forget(client: &Client, id: &str) -> Result<(), Error> {
        match client.material().delete_material(id).send().await {
            Err(e) if e.code() == Some(&ErrorCode::InvalidParameterValueMaterialId) => Ok(()),
            other => other.map(|_| ()),
        }
    }

    #[tokio::test]
    async fn forgetting_a_medium_that_is_gone_is_fine() {
        let gone = mock::<DeleteMaterialRequest>()
            .when(|request| request.material_id == "m1")
            .then_error(
                ErrorCode::InvalidParameterValueMaterialId,
                "material not exist",
            );
        let client = Mock::new().with(&gone).client();
        forget(&client, "m1").await.unwrap();
        assert_eq!(gone.calls(), 1);
    }
    // README mock snippet: end
}

/// The `cme_emulator` crate docs, "Running it in-process (tests)", with its `...` done through
/// the SDK.
#[tokio::test]
async fn the_crate_docs_snippet() -> Result<(), Box<dyn std::error::Error>> {
    // --- the documented snippet ---
    let emulator = Emulator::builder() // demo key, platform and fixture
        .ticket_lifetime(Duration::from_secs(60))
        .task_duration(Duration::from_millis(200))
        .start() // 127.0.0.1 on an ephemeral port
        .await?;
    let client = emulator.client(DEMO_USER_ID).await?; // a cme_sdk::Client, logged in
    let teams = client.team().describe_join_teams().send().await?;
    assert_eq!(teams.team_set.len(), 1);
    // or by hand: GET {base_url}/?signature=..., then POST {base_url}/PaaS/Class/Action?auth=...
    let (base_url, signature) = (emulator.base_url(), emulator.login_signature(DEMO_USER_ID));
    emulator.inject(
        FaultSpec::status(503)
            .action("Material", "DeleteMaterial")
            .times(1),
    );
    assert_eq!(emulator.stats().executed("Material/DeleteMaterial"), 0);
    // --- the "by hand" done with the SDK's builder, as the user's code would ---
    let client = Client::builder()
        .endpoint(base_url)
        .signature(signature)
        .build()?;
    let data = client
        .material()
        .describe_materials([DEMO_MATERIAL_ID])
        .send()
        .await?;
    assert_eq!(data.material_info_set.len(), 1);
    // the injected 503 is retried by the SDK's default policy
    client
        .material()
        .delete_material(DEMO_MATERIAL_ID)
        .send()
        .await?;
    let stats = emulator.stats();
    assert_eq!(stats.received("Material/DeleteMaterial"), 2);
    assert_eq!(stats.executed("Material/DeleteMaterial"), 1);
    let err = client
        .material()
        .delete_material(DEMO_MATERIAL_ID)
        .send()
        .await
        .expect_err("already deleted");
    assert_eq!(
        err.code(),
        Some(&ErrorCode::InvalidParameterValueMaterialId)
    );
    // --- and the end of the snippet ---
    emulator.shutdown().await; // or just drop it
    Ok(())
}

#[tokio::test]
async fn two_emulators_side_by_side_do_not_share_state() -> Result<(), Box<dyn std::error::Error>> {
    let first = Emulator::builder().start().await?;
    let second = Emulator::builder().start().await?;
    assert_ne!(first.base_url(), second.base_url());
    first
        .client(DEMO_USER_ID)
        .await?
        .material()
        .delete_material(DEMO_MATERIAL_ID)
        .send()
        .await?;
    let still_there = second
        .client(DEMO_USER_ID)
        .await?
        .material()
        .describe_materials([DEMO_MATERIAL_ID])
        .send()
        .await?;
    assert_eq!(still_there.material_info_set.len(), 1);
    drop(first); // dropping stops it too

    // between two tests of one suite: back to the fixture's data, tickets still valid
    let client = second.client(DEMO_USER_ID).await?;
    client
        .material()
        .delete_material(DEMO_MATERIAL_ID)
        .send()
        .await?;
    second.reset()?;
    let back = client
        .material()
        .describe_materials([DEMO_MATERIAL_ID])
        .send()
        .await?;
    assert_eq!(back.material_info_set.len(), 1);
    assert_eq!(second.stats().executed("Login"), 2, "reset kept the ticket");
    second.shutdown().await;
    Ok(())
}
