//! Listing and paging, against an emulator started in-process.
//! `cargo run -p cme-sdk --example list_and_page`
//!
//! Walks the signed-in user's media page by page and item by item, then survives a page that
//! fails by resuming from the offset the error names. No network.

use std::error::Error;

use cme_emulator::{Emulator, FaultSpec, DEMO_USER_ID};
use cme_sdk::types::SearchScope;
use cme_sdk::RetryPolicy;
use futures_util::{StreamExt, TryStreamExt};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let emulator = Emulator::builder().start().await?;
    let client = emulator.client(DEMO_USER_ID).await?;
    let me = client.me().await?;

    // Page by page: each page's whole `Data` (here with the sub-classes beside the media).
    let mut pages = client
        .material()
        .search_material([SearchScope::new(me.clone())])
        .limit(2)
        .pages();
    let mut n = 0;
    while let Some(page) = pages.try_next().await? {
        n += 1;
        println!(
            "page {n}: {} media (of {})",
            page.material_info_set.len(),
            page.total_count.unwrap_or_default()
        );
    }

    // Item by item, across pages.
    let names: Vec<String> = client
        .material()
        .search_material([SearchScope::new(me.clone())])
        .limit(3)
        .items()
        .map_ok(|m| {
            m.basic_info
                .and_then(|b| b.name)
                .unwrap_or_else(|| "(unnamed)".into())
        })
        .try_collect()
        .await?;
    println!("every medium: {}", names.join(", "));

    // A page that fails ends the walk; the error says where to resume.
    let search = || {
        client
            .material()
            .search_material([SearchScope::new(me.clone())])
            .limit(3)
            .retry(RetryPolicy::none())
    };
    let mut walk = search().items();
    let first = walk.try_next().await?.ok_or("no media")?;
    let mut seen = vec![first];
    // The next page fails (once).
    emulator.inject(
        FaultSpec::status(503)
            .action("Material", "SearchMaterial")
            .times(1),
    );
    let resume_at = loop {
        match walk.next().await {
            Some(Ok(item)) => seen.push(item),
            Some(Err(err)) => {
                println!("the walk stopped after {} media: {err}", seen.len());
                break err.page_offset().ok_or("no offset in the error")?;
            }
            None => return Err("the injected fault did not fire".into()),
        }
    };
    let rest: Vec<_> = search().offset(resume_at).items().try_collect().await?;
    println!(
        "resumed at offset {resume_at}: {} more, {} in all",
        rest.len(),
        seen.len() + rest.len()
    );
    emulator.shutdown().await;
    Ok(())
}
