//! The quickstart: `cargo run --example quickstart`.
//!
//! Starts the CME emulator in-process on an ephemeral port (no network), then tells the whole
//! story with the SDK as an app would: its backend signs (a `Login` signature, and an `Upload`
//! one for each upload or processing), the client logs in, looks up its class tree, creates a class, uploads a file (with progress), lists and
//! searches media,
//! renames and tags the medium, processes it and follows the task to success, reads the AI
//! results, adds the medium to a project, describes projects and teams, and deletes what it
//! created. Each step prints what was called and what came back.

use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cme_emulator::{Emulator, DEMO_PLATFORM, DEMO_PROJECT_ID, DEMO_SECRET_ID, DEMO_SECRET_KEY};
use cme_sdk::types::{MaterialInfo, MaterialType, SearchScope, TaskStatus};
use cme_sdk::upload::{Phase, Progress};
use cme_sdk::{
    BoxError, Client, ErrorCode, SignAction, SignParams, Signature, SignatureSource, Signer,
};

/// The signed-in user of the story (a demo user of the emulator's fixture).
const USER: &str = "user_alice";

/// The app's backend: it alone holds the API key, and hands signatures to its signed-in users.
#[derive(Clone)]
struct Backend {
    signer: Signer,
    platform: String,
    signed: Arc<AtomicUsize>,
}

impl Backend {
    /// `GET /cme/signature?action=…` of the app's backend, for its signed-in user: `Login` to
    /// log in, `Upload` for the `VerifySign` of uploads and processing.
    async fn signature(&self, user: &str, action: SignAction) -> Result<Signature, BoxError> {
        self.signed.fetch_add(1, Ordering::Relaxed);
        Ok(self
            .signer
            .sign(&SignParams::new(self.platform.as_str(), user, action)))
    }
}

/// `name (TYPE)` of a listed medium.
fn describe(m: &MaterialInfo) -> String {
    let basic = m.basic_info.as_ref();
    let name = basic.and_then(|b| b.name.as_deref()).unwrap_or("?");
    let kind = basic
        .and_then(|b| b.material_type.as_ref())
        .map_or("?", |t| t.as_str());
    format!("{name} ({kind})")
}

/// Prints a step: what is called, with what.
fn call(step: &mut u32, action: &str, what: &str) {
    *step += 1;
    if what.is_empty() {
        println!("{step:>2} → {action}");
    } else {
        println!("{step:>2} → {action}  {what}");
    }
}

/// A progress callback printing a line per part done (and when the upload finishes).
fn show_progress() -> impl Fn(&Progress) + Send + Sync + 'static {
    let shown = Mutex::new((u32::MAX, Phase::Preparing));
    move |p: &Progress| {
        let mut shown = shown
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if *shown == (p.parts_done, p.phase) || p.phase == Phase::Preparing {
            return;
        }
        *shown = (p.parts_done, p.phase);
        println!(
            "     {:?}: {}/{} parts, {:>5.1} %",
            p.phase,
            p.parts_done,
            p.parts_total,
            100.0 * p.fraction()
        );
    }
}

/// Prints what came back.
fn back(what: impl AsRef<str>) {
    println!("   ← {}", what.as_ref());
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let started = Instant::now();
    println!("CME quickstart: the Rust SDK against a local emulator (no network)\n");

    // The emulator, in-process on 127.0.0.1 with an ephemeral port, with the demo data.
    let emulator = Emulator::builder()
        .task_duration(Duration::from_millis(1200))
        .start()
        .await?;
    println!(
        "emulator  {} (platform {DEMO_PLATFORM}, demo SecretId {DEMO_SECRET_ID})",
        emulator.base_url()
    );

    // The backend signs; the client asks it for a signature whenever it needs to log in.
    let backend = Backend {
        signer: Signer::new(DEMO_SECRET_ID, DEMO_SECRET_KEY),
        platform: DEMO_PLATFORM.to_owned(),
        signed: Arc::new(AtomicUsize::new(0)),
    };
    let for_client = backend.clone();
    let client = Client::builder()
        .endpoint(emulator.base_url())
        .vod_endpoint(emulator.vod_url())
        .cos_endpoint(emulator.cos_url())
        .signature_source(SignatureSource::from_fn(move |action| {
            let backend = for_client.clone();
            async move { backend.signature(USER, action).await }
        }))
        .build()?;
    println!("client    signs in as {USER}; its signatures come from the backend callback\n");

    let mut step = 0;

    // Log in (calls would do it by themselves; this checks the credentials early).
    call(
        &mut step,
        "login",
        "GET /?signature=<Login signature from the backend>",
    );
    let login = client.login().await?;
    back(format!(
        "ticket for {USER} on platform {} (AppId {})",
        login.platform.as_deref().unwrap_or("?"),
        login.app_id.unwrap_or_default()
    ));
    // The signed-in user as an owner; the platform of every call is the client's.
    let me = client.me().await?;

    // The class tree.
    call(
        &mut step,
        "Material/DescribeClass",
        &format!("owner PERSON {USER}"),
    );
    let tree = client.material().describe_class(me.clone()).send().await?;
    let classes: Vec<String> = tree
        .class_info_set
        .iter()
        .map(|c| {
            format!(
                "{} ({})",
                c.class_path.as_deref().unwrap_or("?"),
                c.class_id.unwrap_or_default()
            )
        })
        .collect();
    back(format!("{} classes: {}", classes.len(), classes.join(", ")));
    let root = tree
        .class_info_set
        .iter()
        .find(|c| c.parent_class_id == Some(-1))
        .and_then(|c| c.class_id)
        .ok_or("no root class")?;

    // A class of our own.
    call(
        &mut step,
        "Material/CreateClass",
        &format!("\"快速上手\" under the root ({root})"),
    );
    let class_id = client
        .material()
        .create_class(root, "快速上手", me.clone())
        .send()
        .await?
        .class_id;
    back(format!("ClassId {class_id}"));

    // An upload: one call does the whole chain of CME's clients (CreateUploadMaterial with an
    // Upload signature from the backend, VOD's ApplyUploadUGC, COS multipart with VOD's
    // temporary credentials, CommitUploadUGC, FinishUploadMaterial).
    let dir = std::env::temp_dir().join(format!("cme-quickstart-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("海浪 原片.mp4");
    std::fs::write(
        &file,
        cme_emulator::sample_mp4(8.0, 1920, 1080, 3 * 1024 * 1024),
    )?;
    call(
        &mut step,
        "upload",
        &format!(
            "{} ({} bytes) into class {class_id}, in parts of 1 MiB",
            file.display(),
            std::fs::metadata(&file)?.len()
        ),
    );
    let uploaded = client
        .material()
        .upload(&file)
        .name("海浪 原片")
        .class_id(class_id)
        .part_size(1024 * 1024)
        .progress_interval(Duration::ZERO)
        .on_progress(show_progress())
        .send()
        .await;
    std::fs::remove_dir_all(&dir)?;
    let uploaded = uploaded?;
    let material_id = uploaded
        .material_id
        .clone()
        .ok_or("the upload named no medium")?;
    back(format!(
        "MaterialId {material_id}, VodFileId {}: {} parts sent in {:.0?}",
        uploaded.vod_file_id.as_deref().unwrap_or("?"),
        uploaded.parts_sent,
        uploaded.elapsed
    ));

    // List and search.
    call(
        &mut step,
        "Material/ListMedia",
        &format!("class {class_id}"),
    );
    let listed = client
        .material()
        .list_media(class_id, me.clone())
        .send()
        .await?;
    let names: Vec<String> = listed.material_info_set.iter().map(describe).collect();
    back(format!(
        "{} in the class: {}",
        listed.material_total_count.unwrap_or_default(),
        names.join(", ")
    ));
    call(
        &mut step,
        "Material/SearchMaterial",
        "Text \"海\", VIDEO, in all of her media",
    );
    let found = client
        .material()
        .search_material([SearchScope::new(me.clone())])
        .text("海")
        .material_types([MaterialType::Video])
        .send()
        .await?;
    let names: Vec<String> = found.material_info_set.iter().map(describe).collect();
    back(format!(
        "{} matches: {}",
        found.total_count.unwrap_or_default(),
        names.join(", ")
    ));

    // Rename and tag, then read the details.
    call(
        &mut step,
        "Material/ModifyMaterial",
        "Name \"海浪 精选\", Tags [海浪, 快速上手]",
    );
    client
        .material()
        .modify_material(material_id.as_str())
        .name("海浪 精选")
        .tags(["海浪", "快速上手"])
        .send()
        .await?;
    back("ok");
    call(&mut step, "Material/DescribeMaterials", &material_id);
    let details = client
        .material()
        .describe_materials([material_id.as_str()])
        .send()
        .await?;
    let info = details
        .material_info_set
        .first()
        .ok_or("the medium is missing")?;
    let basic = info.basic_info.as_ref().ok_or("no basic info")?;
    let media = info.media_info.as_ref().ok_or("no media info")?;
    let resolution = info
        .video_material
        .as_ref()
        .and_then(|v| v.resolution.as_ref())
        .map_or("?", |r| r.as_str());
    back(format!(
        "{}: {}×{}, {:.1} s, {resolution}, tags [{}], in {}",
        basic.name.as_deref().unwrap_or("?"),
        media.width.unwrap_or_default(),
        media.height.unwrap_or_default(),
        media.duration.unwrap_or_default(),
        basic.tag_set.join(", "),
        basic.class_path.as_deref().unwrap_or("?"),
    ));

    // Processing: start it and follow the task.
    call(
        &mut step,
        "Material/ProcessMaterial",
        "Definition 20 (full AI analysis)",
    );
    let task_id = client
        .material()
        .process_material(material_id.as_str(), 20)
        .send()
        .await?
        .task_id;
    back(format!("TaskId {task_id}"));
    call(&mut step, "Task/DescribeTasks", "polling the task");
    let polling = Instant::now();
    loop {
        let tasks = client
            .task()
            .describe_tasks()
            .task_ids([task_id.as_str()])
            .send()
            .await?;
        let task = tasks.task_info_set.first().ok_or("the task is missing")?;
        let status = task.status.clone().ok_or("a task without status")?;
        let progress = task.progress.unwrap_or_default();
        match status {
            TaskStatus::Success => {
                back(format!(
                    "SUCCESS {progress}% after {:.1} s",
                    polling.elapsed().as_secs_f64()
                ));
                break;
            }
            TaskStatus::Processing if polling.elapsed() < Duration::from_secs(60) => {
                back(format!("PROCESSING {progress}%"));
            }
            other => return Err(format!("the task ended as {other}").into()),
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // The AI results.
    call(&mut step, "Material/DescribeFaceInMaterial", "");
    let faces = client
        .material()
        .describe_face_in_material(material_id.as_str())
        .send()
        .await?
        .face_info
        .ok_or("no FaceInfo")?;
    let names: Vec<&str> = faces
        .face_set
        .iter()
        .filter_map(|f| f.name.as_deref())
        .collect();
    back(format!("{} faces: {}", names.len(), names.join(", ")));
    call(&mut step, "Material/DescribeMaterialSubtitle", "0-30 s");
    let subtitles = client
        .material()
        .describe_material_subtitle(material_id.as_str(), 0.0, 30.0)
        .send()
        .await?
        .subtitle_info
        .ok_or("no SubtitleInfo")?;
    let first = subtitles
        .subtitle_set
        .first()
        .and_then(|s| s.text.as_deref())
        .unwrap_or("");
    back(format!(
        "{} lines, the first: \"{first}\"",
        subtitles.subtitle_set.len()
    ));
    call(&mut step, "Material/DescribeObjectInMaterial", "");
    let objects = client
        .material()
        .describe_object_in_material(material_id.as_str())
        .send()
        .await?
        .object_info
        .ok_or("no ObjectInfo")?;
    let names: Vec<&str> = objects
        .object_set
        .iter()
        .filter_map(|o| o.name.as_deref())
        .collect();
    back(format!("{} objects: {}", names.len(), names.join(", ")));

    // Projects.
    call(&mut step, "Project/DescribeProjects", "");
    let projects = client.project().describe_projects().send().await?;
    let names: Vec<String> = projects
        .project_info_set
        .iter()
        .map(|p| {
            format!(
                "{} ({})",
                p.name.as_deref().unwrap_or("?"),
                p.category.first().map_or("?", |c| c.as_str())
            )
        })
        .collect();
    back(format!(
        "{} projects: {}",
        projects.total_count.unwrap_or_default(),
        names.join(", ")
    ));
    call(
        &mut step,
        "Project/AddMaterialToProject",
        &format!("{material_id} to {DEMO_PROJECT_ID}"),
    );
    client
        .project()
        .add_material_to_project(DEMO_PROJECT_ID, [material_id.as_str()])
        .send()
        .await?;
    back("ok");
    call(
        &mut step,
        "Project/DescribeProjectMaterials",
        DEMO_PROJECT_ID,
    );
    let in_project = client
        .project()
        .describe_project_materials(DEMO_PROJECT_ID)
        .send()
        .await?;
    back(format!(
        "{} media: {}",
        in_project.material_id_set.len(),
        in_project.material_id_set.join(", ")
    ));

    // Teams.
    call(&mut step, "Team/DescribeJoinTeams", "");
    let joined = client.team().describe_join_teams().send().await?;
    let teams: Vec<String> = joined
        .team_set
        .iter()
        .map(|t| {
            format!(
                "{} ({}, {} members)",
                t.name.as_deref().unwrap_or("?"),
                t.role.as_ref().map_or("?", |r| r.as_str()),
                t.member_count.unwrap_or_default()
            )
        })
        .collect();
    back(format!("{} team: {}", teams.len(), teams.join(", ")));
    let team_ids: Vec<String> = joined
        .team_set
        .iter()
        .filter_map(|t| t.team_id.clone())
        .collect();
    call(&mut step, "Team/DescribeTeams", &team_ids.join(", "));
    let described = client
        .team()
        .describe_teams()
        .team_ids(team_ids)
        .send()
        .await?;
    for team in &described.team_set {
        back(format!(
            "{}: {} members, created {}",
            team.name.as_deref().unwrap_or("?"),
            team.member_count.unwrap_or_default(),
            team.create_time.as_deref().unwrap_or("?")
        ));
    }

    // Clean up what we created.
    call(
        &mut step,
        "Project/DeleteMaterialFromProject",
        &format!("{material_id} from {DEMO_PROJECT_ID}"),
    );
    client
        .project()
        .delete_material_from_project(DEMO_PROJECT_ID, [material_id.as_str()])
        .send()
        .await?;
    back("ok");
    call(&mut step, "Material/DeleteMaterial", &material_id);
    client
        .material()
        .delete_material(material_id.as_str())
        .send()
        .await?;
    back("ok");
    call(&mut step, "Material/DeleteMaterial", "again: it is gone");
    match client
        .material()
        .delete_material(material_id.as_str())
        .send()
        .await
    {
        Err(err) if err.code() == Some(&ErrorCode::InvalidParameterValueMaterialId) => {
            back(format!("refused as expected: {err}"));
        }
        Err(err) => return Err(err.into()),
        Ok(_) => return Err("the medium was deleted twice".into()),
    }
    call(&mut step, "Material/DeleteClass", &class_id.to_string());
    client
        .material()
        .delete_class(me.clone(), class_id)
        .send()
        .await?;
    back("ok");

    let stats = emulator.stats();
    let requests: u64 = stats
        .received
        .iter()
        .filter(|(route, _)| route.as_str() != "Login")
        .map(|(_, n)| n)
        .sum();
    println!(
        "\nDone in {:.1} s: {requests} API requests, {} login, {} signatures from the backend.",
        started.elapsed().as_secs_f64(),
        stats.received("Login"),
        backend.signed.load(Ordering::Relaxed),
    );
    emulator.shutdown().await;
    Ok(())
}
