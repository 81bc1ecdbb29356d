//! Item 6, the emulator under load: 64 SDK clients, each logged in through the emulator's
//! login exchange, run a fixed mixed workload; requests/s and resident memory, zero errors.
//!
//! The baseline is the same workload from 64 SDK clients against the fixed-reply server of
//! item 1, answering each action with the reply the emulator gave to the same request: the
//! ratio is what the emulator's work (signature and ticket checks, validation, state, locks)
//! costs next to a server that does none.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cme_emulator::{Emulator, RunningEmulator, DEMO_USER_ID};
use cme_sdk::types::{Entity, EntityType, SearchScope};
use cme_sdk::{Client, Ticket};

use crate::measure::{self, Better, Comparison};
use crate::server::FixedServer;
use crate::Settings;

/// Concurrent clients.
const CLIENTS: usize = 64;
/// Requests in one pass of the workload.
const PER_ITERATION: u64 = 8;
// Demo media of the fixture (see emulator/fixtures/demo.json).
const SUNSET: &str = "38192156030633420589";
const CITY: &str = "38192156030633420590";
const MUSIC: &str = "38192156030633420593";
const POSTER: &str = "38192156030633420595";

fn alice() -> Entity {
    Entity::new(EntityType::Person, DEMO_USER_ID)
}

/// The class ids the workload uses.
#[derive(Clone, Copy)]
struct Classes {
    root: i64,
    video: i64,
}

/// One pass of the mixed workload: 8 requests, reads and writes. Returns the errors.
async fn iteration(client: &Client, classes: Classes, tag: &str) -> u64 {
    let material = client.material();
    let mut errors = 0;
    let mut check = |ok: bool| errors += u64::from(!ok);
    check(
        material
            .describe_materials([SUNSET, CITY, MUSIC, POSTER])
            .send()
            .await
            .is_ok_and(|d| d.material_info_set.len() == 4),
    );
    check(
        material
            .list_media(classes.video, alice())
            .limit(20)
            .send()
            .await
            .is_ok(),
    );
    check(
        material
            .search_material([SearchScope::new(alice())])
            .limit(20)
            .send()
            .await
            .is_ok(),
    );
    check(
        material
            .modify_material(POSTER)
            .tags(["封面", tag])
            .send()
            .await
            .is_ok(),
    );
    match material
        .create_class(classes.root, tag, alice())
        .send()
        .await
    {
        Ok(created) => check(
            material
                .delete_class(alice(), created.class_id)
                .send()
                .await
                .is_ok(),
        ),
        Err(_) => {
            check(false);
            check(false);
        }
    }
    check(
        client
            .project()
            .describe_projects()
            .limit(10)
            .send()
            .await
            .is_ok(),
    );
    check(client.team().describe_join_teams().send().await.is_ok());
    errors
}

/// Runs `iterations` passes of the workload spread over `clients` (one task each); returns the
/// wall time and the errors.
async fn run_workload(clients: &[Client], classes: Classes, iterations: u64) -> (Duration, u64) {
    let left = Arc::new(AtomicU64::new(iterations));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(c, client)| {
            let (client, left, errors) = (client.clone(), Arc::clone(&left), Arc::clone(&errors));
            tokio::spawn(async move {
                let mut i = 0;
                while left
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| v.checked_sub(1))
                    .is_ok()
                {
                    let tag = format!("b{c}x{i}");
                    errors.fetch_add(iteration(&client, classes, &tag).await, Ordering::Relaxed);
                    i += 1;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a client task panicked");
    }
    (started.elapsed(), errors.load(Ordering::Relaxed))
}

/// A request body as the SDK sends it.
fn encode<T: serde::Serialize>(request: &T) -> Vec<u8> {
    serde_json::to_vec(request).expect("encode")
}

/// The requests of one pass, with their bodies as the SDK sends them, to replay them raw.
fn workload_requests(client: &Client, classes: Classes) -> Vec<(&'static str, Vec<u8>)> {
    let m = client.material();
    let scope = || SearchScope::new(alice());
    vec![
        (
            "/PaaS/Material/DescribeMaterials",
            encode(
                m.describe_materials([SUNSET, CITY, MUSIC, POSTER])
                    .request(),
            ),
        ),
        (
            "/PaaS/Material/ListMedia",
            encode(m.list_media(classes.video, alice()).limit(20).request()),
        ),
        (
            "/PaaS/Material/SearchMaterial",
            encode(m.search_material([scope()]).limit(20).request()),
        ),
        (
            "/PaaS/Material/ModifyMaterial",
            encode(
                m.modify_material(POSTER)
                    .tags(["封面", "capture"])
                    .request(),
            ),
        ),
        (
            "/PaaS/Material/CreateClass",
            encode(m.create_class(classes.root, "capture", alice()).request()),
        ),
        (
            "/PaaS/Project/DescribeProjects",
            encode(client.project().describe_projects().limit(10).request()),
        ),
        (
            "/PaaS/Team/DescribeJoinTeams",
            encode(client.team().describe_join_teams().request()),
        ),
    ]
}

/// The emulator's reply to each request of the workload, captured once over raw HTTP. The
/// class created to capture `CreateClass` is deleted again, and so is `DeleteClass`'s reply.
async fn capture_replies(
    base: &str,
    ticket: &str,
    requests: Vec<(&'static str, Vec<u8>)>,
) -> HashMap<String, Vec<u8>> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("HTTP client");
    let post = |path: &str, body: Vec<u8>| {
        http.post(format!("{base}{path}?auth={ticket}"))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
    };
    let mut replies = HashMap::new();
    for (path, body) in requests {
        let reply = post(path, body).await.expect("capture").bytes().await;
        replies.insert(path.to_owned(), reply.expect("capture").to_vec());
    }
    let created: serde_json::Value =
        serde_json::from_slice(&replies["/PaaS/Material/CreateClass"]).expect("JSON");
    let class_id = &created["Data"]["ClassId"];
    let body = serde_json::to_vec(&serde_json::json!({ "ClassId": class_id })).expect("JSON");
    let deleted = post("/PaaS/Material/DeleteClass", body)
        .await
        .expect("capture")
        .bytes()
        .await
        .expect("capture");
    replies.insert("/PaaS/Material/DeleteClass".to_owned(), deleted.to_vec());
    for (path, reply) in &replies {
        let value: serde_json::Value = serde_json::from_slice(reply).expect("JSON");
        assert_eq!(value["Code"], "Success", "{path}: {value}");
    }
    replies
}

/// The ids of alice's root class and of `/个人/视频`.
async fn find_classes(client: &Client) -> Classes {
    let data = client
        .material()
        .describe_class(alice())
        .send()
        .await
        .expect("DescribeClass");
    let id_of = |path: &str| {
        data.class_info_set
            .iter()
            .find(|c| c.class_path.as_deref() == Some(path))
            .and_then(|c| c.class_id)
            .unwrap_or_else(|| panic!("no class {path}"))
    };
    Classes {
        root: id_of("/个人"),
        video: id_of("/个人/视频"),
    }
}

/// Both sides of the comparison, ready: the emulator and its logged-in clients, the fixed-reply
/// server answering what the emulator answered, and its clients.
struct Stage {
    emulator: RunningEmulator,
    clients: Vec<Client>,
    classes: Classes,
    _fixed: FixedServer,
    fixed_clients: Vec<Client>,
}

impl Stage {
    async fn new() -> Self {
        let emulator = Emulator::builder().start().await.expect("emulator starts");
        // 64 clients of alice, each logged in by itself with a signature from the emulator's
        // key, as from the app's backend.
        let mut clients = Vec::with_capacity(CLIENTS);
        for _ in 0..CLIENTS {
            clients.push(emulator.client(DEMO_USER_ID).await.expect("login"));
        }
        let classes = find_classes(&clients[0]).await;
        let ticket = clients[0].current_ticket().expect("logged in");
        let replies = capture_replies(
            &emulator.base_url(),
            ticket.expose_secret(),
            workload_requests(&clients[0], classes),
        )
        .await;
        let fixed = FixedServer::start(replies).await;
        let fixed_clients: Vec<Client> = (0..CLIENTS)
            .map(|_| {
                Client::builder()
                    .endpoint(fixed.base_url())
                    .ticket(Ticket::new(crate::call::TICKET))
                    .build()
                    .expect("client")
            })
            .collect();
        let stage = Self {
            emulator,
            clients,
            classes,
            _fixed: fixed,
            fixed_clients,
        };
        // Warm up: connections of every client.
        let warm = CLIENTS as u64;
        assert_eq!(stage.workload(Side::Emulator, warm).await.1, 0);
        assert_eq!(stage.workload(Side::Fixed, warm).await.1, 0);
        stage
    }

    /// `iterations` passes of the workload against one side: the wall time and the errors.
    async fn workload(&self, side: Side, iterations: u64) -> (Duration, u64) {
        let clients = match side {
            Side::Emulator => &self.clients,
            Side::Fixed => &self.fixed_clients,
        };
        run_workload(clients, self.classes, iterations).await
    }
}

/// Which server the clients call.
#[derive(Debug, Clone, Copy)]
enum Side {
    Emulator,
    Fixed,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

pub fn run(settings: &Settings) {
    runtime().block_on(async {
        let stage = Stage::new().await;
        let mut errors = 0;
        let iterations = settings.emulator_requests / PER_ITERATION / settings.emulator_rounds;
        let requests = iterations * PER_ITERATION;
        let mut cmp = Comparison::new(
            format!("emulator.mixed{CLIENTS}"),
            "requests/s",
            Better::Higher,
        );
        // Interleave emulator and fixed rounds.
        for round in 0..settings.emulator_rounds {
            let ((te, ee), (tb, eb)) = if round % 2 == 0 {
                let a = stage.workload(Side::Emulator, iterations).await;
                (a, stage.workload(Side::Fixed, iterations).await)
            } else {
                let b = stage.workload(Side::Fixed, iterations).await;
                (stage.workload(Side::Emulator, iterations).await, b)
            };
            errors += ee + eb;
            cmp.sdk.push(measure::rate(te, requests));
            cmp.baseline.push(measure::rate(tb, requests));
        }
        let rss_mb = measure::proc_status_kb("VmHWM").map_or(f64::NAN, |kb| kb as f64 / 1024.0);
        let total = requests * settings.emulator_rounds;
        eprintln!(
            "    ({total} requests per side in {} rounds, {CLIENTS} clients; peak RSS of the \
             process: emulator, fixed server and 128 clients)",
            settings.emulator_rounds
        );
        cmp.report_with(&format!(", rss_mb={rss_mb:.1}, errors={errors}"));
        assert_eq!(errors, 0, "the mixed workload had errors");
        let stats = stage.emulator.stats();
        assert!(stats.executed("Material/DescribeMaterials") >= total / PER_ITERATION);
        stage.emulator.shutdown().await;
    });
}

/// For profiling one side alone, e.g. under `valgrind --tool=callgrind`:
/// `--child profile emulator.mixed64 emulator|fixed N` sets both sides up (and warms them), then
/// runs N passes of the workload (8 requests each) against one side and prints the time.
pub fn profile(side: &str, iterations: u64) {
    let side = match side {
        "emulator" => Side::Emulator,
        "fixed" | "baseline" => Side::Fixed,
        other => panic!("unknown side {other}: emulator or fixed"),
    };
    runtime().block_on(async {
        let stage = Stage::new().await;
        let (took, errors) = stage.workload(side, iterations).await;
        assert_eq!(errors, 0, "the mixed workload had errors");
        eprintln!(
            "emulator.mixed{CLIENTS} {side:?}: {} requests in {took:?}",
            iterations * PER_ITERATION
        );
    });
}
