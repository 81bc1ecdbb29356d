//! Uploading a file, against an emulator started in-process.
//! `cargo run -p cme-sdk --example upload`
//!
//! Uploads a generated video file in one call with a progress bar, stops a second upload
//! midway and resumes it from its checkpoint (only the missing parts are sent), and uploads the
//! same bytes again (a quick upload: the service has them, nothing is sent). No network.

use std::error::Error;
use std::time::Duration;

use cme_emulator::{sample_mp4, Emulator, DEMO_PLATFORM, DEMO_SECRET_ID, DEMO_SECRET_KEY};
use cme_sdk::upload::{Progress, Uploaded};
use cme_sdk::{Client, SignatureSource, Signer};

/// The user the example uploads as (a demo user of the emulator).
const USER: &str = "user_alice";

/// One line of progress: a bar, the percentage, the parts and the rate.
fn bar(p: &Progress) -> String {
    let filled = (p.fraction() * 30.0).round() as usize;
    format!(
        "[{}{}] {:5.1} %  {:>2}/{} parts  {:6.1} MB/s",
        "#".repeat(filled),
        " ".repeat(30 - filled),
        100.0 * p.fraction(),
        p.parts_done,
        p.parts_total,
        p.bytes_per_second / 1e6
    )
}

/// What an upload did, in one line.
fn summary(up: &Uploaded) -> String {
    format!(
        "medium {}, VOD file {}: {} bytes, {} parts sent, {} skipped, quick upload {}",
        up.material_id.as_deref().unwrap_or("?"),
        up.vod_file_id.as_deref().unwrap_or("-"),
        up.size,
        up.parts_sent,
        up.parts_skipped,
        up.quick_upload
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let emulator = Emulator::builder().start().await?;
    // A program that holds the API key signs for itself; an app would ask its backend
    // (`SignatureSource::from_fn`). Uploads go to the emulator's VOD host and COS store.
    let client = Client::builder()
        .endpoint(emulator.base_url())
        .vod_endpoint(emulator.vod_url())
        .cos_endpoint(emulator.cos_url())
        .signature_source(SignatureSource::signer(
            Signer::new(DEMO_SECRET_ID, DEMO_SECRET_KEY),
            DEMO_PLATFORM,
            USER,
        ))
        .build()?;

    let dir = std::env::temp_dir().join(format!("cme-upload-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run(&client, &dir).await;
    std::fs::remove_dir_all(&dir)?;
    result
}

async fn run(client: &Client, dir: &std::path::Path) -> Result<(), Box<dyn Error>> {
    // 1. One call, a progress line per update (at most every 50 ms here; 250 ms by default).
    let clip = dir.join("sunset.mp4");
    std::fs::write(&clip, sample_mp4(12.0, 1280, 720, 6 << 20))?;
    println!("Uploading {}:", clip.display());
    let uploaded = client
        .material()
        .upload(&clip)
        .part_size(1 << 20)
        .progress_interval(Duration::from_millis(50))
        .on_progress(|p: &Progress| println!("  {}", bar(p)))
        .send()
        .await?;
    println!("  {}\n", summary(&uploaded));

    // 2. Stopped midway, then resumed from its checkpoint. Dropping the upload's future (a
    //    crash, a Ctrl-C) keeps the checkpoint; the same call with it sends only what is missing.
    let take = dir.join("long-take.mp4");
    std::fs::write(&take, sample_mp4(60.0, 1920, 1080, 10 << 20))?;
    let checkpoint = dir.join("long-take.mp4.cme-upload");
    let upload = || {
        client
            .material()
            .upload(&take)
            .part_size(1 << 20)
            .concurrency(1)
            .checkpoint(&checkpoint)
            .progress_interval(Duration::ZERO)
    };
    println!("Uploading {}, stopped after 4 parts:", take.display());
    let mut task = upload().start();
    let mut progress = task.progress();
    tokio::select! {
        done = &mut task => println!("  finished before it could be stopped: {}", summary(&done?)),
        at = progress.wait_for(|p| p.parts_done >= 4) => {
            let at = at?.clone();
            drop(task);
            println!("  stopped at {}", bar(&at));
            println!("  checkpoint kept: {}", checkpoint.exists());
        }
    }
    let resumed = upload().send().await?;
    println!("  resumed: {}, {}\n", resumed.resumed, summary(&resumed));

    // 3. The same bytes again: the service has them, so no byte moves.
    println!("Uploading the same bytes again:");
    let again = client
        .material()
        .upload(&clip)
        .name("sunset (copy)")
        .send()
        .await?;
    println!("  {}", summary(&again));
    Ok(())
}
