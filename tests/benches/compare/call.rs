//! Item 1, call overhead: calls/s through the SDK versus hand-written reqwest + serde_json code
//! doing the same request against the same in-process fixed-reply server.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cme_sdk::types::{Entity, EntityType};
use cme_sdk::{Client, Ticket};
use serde::{Deserialize, Serialize};

use crate::fixtures;
use crate::measure::{self, Better, Comparison};
use crate::server::FixedServer;
use crate::Settings;

/// The ticket both sides send (the fixed server does not check it).
pub const TICKET: &str = "tf_0123456789abcdef0123456789abcdef";
const MATERIAL_ID: &str = "38192156030633420589";
/// Media per ListMedia page.
const LIST_ITEMS: usize = 30;

/// What a careful person writes by hand: one shared `reqwest::Client`, the URL, the JSON body
/// from a small struct, the reply decoded by serde_json and its `Code` checked.
pub struct Handwritten {
    http: reqwest::Client,
    base: String,
    ticket: String,
}

/// The reply envelope, by hand. `Data` stays JSON: the caller gets every field of the reply, as
/// the SDK's typed `Data` does.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Code")]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
    #[serde(rename = "Data", default)]
    data: serde_json::Value,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteMaterialBody<'a> {
    material_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Owner<'a> {
    #[serde(rename = "Type")]
    kind: &'a str,
    id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListMediaBody<'a> {
    platform: &'a str,
    class_id: i64,
    owner: Owner<'a>,
    limit: i64,
}

impl Handwritten {
    pub fn new(base: &str, ticket: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("HTTP client"),
            base: base.to_owned(),
            ticket: ticket.to_owned(),
        }
    }

    /// POSTs `body` to `class/action` and returns the reply's `Data`; panics on any failure.
    pub async fn call(
        &self,
        class: &str,
        action: &str,
        body: &impl Serialize,
    ) -> serde_json::Value {
        let url = format!("{}/PaaS/{class}/{action}?auth={}", self.base, self.ticket);
        let body = serde_json::to_vec(body).expect("encode");
        let reply = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .expect("send");
        let bytes = reply.bytes().await.expect("read the reply");
        let envelope: Envelope = serde_json::from_slice(&bytes).expect("decode");
        assert_eq!(
            envelope.code, "Success",
            "{class}/{action}: {}",
            envelope.message
        );
        envelope.data
    }

    async fn delete_material(&self, id: &str) {
        let body = DeleteMaterialBody { material_id: id };
        self.call("Material", "DeleteMaterial", &body).await;
    }

    async fn list_media(&self) -> usize {
        let body = ListMediaBody {
            platform: "cme_demo",
            class_id: 10,
            owner: Owner {
                kind: "PERSON",
                id: "user_alice",
            },
            limit: LIST_ITEMS as i64,
        };
        let data = self.call("Material", "ListMedia", &body).await;
        data["MaterialInfoSet"].as_array().map_or(0, Vec::len)
    }
}

/// Runs `n` calls of `op` from `concurrency` tasks and returns the wall time.
pub async fn batch<F, Fut>(concurrency: usize, n: u64, op: F) -> Duration
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let left = Arc::new(AtomicU64::new(n));
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let op = op.clone();
            let left = Arc::clone(&left);
            tokio::spawn(async move {
                while left
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| v.checked_sub(1))
                    .is_ok()
                {
                    op().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a call failed");
    }
    started.elapsed()
}

/// Compares the SDK's `sdk` op with the hand-written `baseline` op at `concurrency`.
pub async fn compare<S, SF, B, BF>(
    name: &str,
    settings: &Settings,
    concurrency: usize,
    sdk: S,
    baseline: B,
) -> Comparison
where
    S: Fn() -> SF + Clone + Send + 'static,
    SF: Future<Output = ()> + Send,
    B: Fn() -> BF + Clone + Send + 'static,
    BF: Future<Output = ()> + Send,
{
    // Warm up both sides (connections, allocator, caches) and size a batch to the target time.
    let mut n = (concurrency as u64) * 4;
    let per_call = loop {
        batch(concurrency, n, baseline.clone()).await;
        let took = batch(concurrency, n, sdk.clone()).await;
        if took >= settings.batch / 4 {
            break measure::per_iter(took, n);
        }
        n *= 4;
    };
    let n = ((settings.batch.as_secs_f64() / per_call) as u64).max(concurrency as u64);
    let mut cmp = Comparison::new(name, "calls/s", Better::Higher);
    for round in 0..settings.rounds {
        let (s, b) = if round % 2 == 0 {
            let s = batch(concurrency, n, sdk.clone()).await;
            (s, batch(concurrency, n, baseline.clone()).await)
        } else {
            let b = batch(concurrency, n, baseline.clone()).await;
            (batch(concurrency, n, sdk.clone()).await, b)
        };
        cmp.sdk.push(measure::rate(s, n));
        cmp.baseline.push(measure::rate(b, n));
    }
    cmp
}

/// Compares the SDK's `sdk` op with the hand-written `baseline` op one call at a time: the two
/// alternate call by call (S B, B S, …, so neither always goes first), each call is timed, and a
/// round's figure per side is the median of its calls' times. A stall of the machine hits a few
/// calls of both sides, not a whole batch of one side: what batches of thousands of calls could
/// not give (their rounds spread by a factor of ten on a busy machine).
pub async fn compare_call_by_call<S, SF, B, BF>(
    name: &str,
    settings: &Settings,
    sdk: S,
    baseline: B,
) -> Comparison
where
    S: Fn() -> SF,
    SF: Future<Output = ()>,
    B: Fn() -> BF,
    BF: Future<Output = ()>,
{
    async fn timed<F: Future<Output = ()>>(call: F) -> f64 {
        let started = Instant::now();
        call.await;
        started.elapsed().as_secs_f64()
    }
    // Warm up both sides (connections, allocator, caches) and size a round to the target time.
    let mut pairs = 16u64;
    let per_pair = loop {
        let started = Instant::now();
        for _ in 0..pairs {
            timed(sdk()).await;
            timed(baseline()).await;
        }
        let took = started.elapsed();
        if took >= settings.batch / 2 {
            break measure::per_iter(took, pairs);
        }
        pairs *= 4;
    };
    let pairs = ((2.0 * settings.batch.as_secs_f64() / per_pair) as u64).max(16);
    let mut cmp = Comparison::new(name, "calls/s", Better::Higher);
    let capacity = usize::try_from(pairs).unwrap_or(0);
    for _ in 0..settings.rounds {
        let (mut s, mut b) = (Vec::with_capacity(capacity), Vec::with_capacity(capacity));
        for i in 0..pairs {
            if i % 2 == 0 {
                s.push(timed(sdk()).await);
                b.push(timed(baseline()).await);
            } else {
                b.push(timed(baseline()).await);
                s.push(timed(sdk()).await);
            }
        }
        cmp.sdk.push(1.0 / measure::median(&s));
        cmp.baseline.push(1.0 / measure::median(&b));
    }
    cmp
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The actions compared.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A small action: a short body, a reply without `Data`.
    DeleteMaterial,
    /// A large reply: a page of 30 media.
    ListMedia,
}

/// The comparisons: name, action, concurrency.
fn comparisons() -> Vec<(String, Kind, usize)> {
    let mut all = Vec::new();
    for (kind, action) in [
        (Kind::DeleteMaterial, "delete_material".to_owned()),
        (Kind::ListMedia, format!("list_media{LIST_ITEMS}")),
    ] {
        for concurrency in [1, 64] {
            all.push((format!("call.{action}.c{concurrency}"), kind, concurrency));
        }
    }
    all
}

/// One call through the SDK.
async fn sdk_call(client: &Client, kind: Kind) {
    match kind {
        Kind::DeleteMaterial => {
            client
                .material()
                .delete_material(MATERIAL_ID)
                .send()
                .await
                .expect("DeleteMaterial");
        }
        Kind::ListMedia => {
            let owner = Entity::new(EntityType::Person, "user_alice");
            let data = client
                .material()
                .list_media(10, owner)
                .limit(LIST_ITEMS as i64)
                .send()
                .await
                .expect("ListMedia");
            assert_eq!(data.material_info_set.len(), LIST_ITEMS);
        }
    }
}

/// The same call, by hand.
async fn baseline_call(hand: &Handwritten, kind: Kind) {
    match kind {
        Kind::DeleteMaterial => hand.delete_material(MATERIAL_ID).await,
        Kind::ListMedia => assert_eq!(hand.list_media().await, LIST_ITEMS),
    }
}

/// The fixed-reply server of both actions.
async fn start_server() -> FixedServer {
    let replies = HashMap::from([
        (
            "/PaaS/Material/DeleteMaterial".to_owned(),
            fixtures::delete_material_reply(),
        ),
        (
            "/PaaS/Material/ListMedia".to_owned(),
            fixtures::list_media_reply(LIST_ITEMS),
        ),
    ]);
    FixedServer::start(replies).await
}

/// Both clients of `base`, made on the runtime that will drive them (connections belong to it).
fn clients(base: &str) -> (Client, Arc<Handwritten>) {
    let sdk = Client::builder()
        .endpoint(base)
        .ticket(Ticket::new(TICKET))
        .build()
        .expect("client");
    (sdk, Arc::new(Handwritten::new(base, TICKET)))
}

/// Where the comparisons run.
///
/// - Concurrency 1 measures latency: the caller alone on the bench's thread (a current-thread
///   runtime), the server on a thread of its own. Each call crosses threads the same way for
///   both sides; on a shared runtime it would depend on where the scheduler puts the tasks.
/// - Concurrency 64 measures throughput: the 64 tasks and the server share one multi-thread
///   runtime (a worker per core), so both cores are busy and the client's CPU cost per call
///   shows up in calls/s.
struct Stage {
    _server_runtime: tokio::runtime::Runtime,
    lone: (tokio::runtime::Runtime, FixedServer),
    shared: (tokio::runtime::Runtime, FixedServer),
}

impl Stage {
    fn new() -> Self {
        let server_runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let lone_server = server_runtime.block_on(start_server());
        let lone = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let shared = runtime();
        let shared_server = shared.block_on(start_server());
        Self {
            _server_runtime: server_runtime,
            lone: (lone, lone_server),
            shared: (shared, shared_server),
        }
    }

    /// The runtime to call from and the server to call, for `concurrency`.
    fn for_concurrency(&self, concurrency: usize) -> (&tokio::runtime::Runtime, &str) {
        let (runtime, server) = if concurrency == 1 {
            &self.lone
        } else {
            &self.shared
        };
        (runtime, server.base_url())
    }
}

pub fn run(settings: &Settings) {
    let stage = Stage::new();
    for (name, kind, concurrency) in comparisons() {
        if !settings.wants(&name) {
            continue;
        }
        let (runtime, base) = stage.for_concurrency(concurrency);
        runtime.block_on(async {
            let (sdk, hand) = clients(base);
            let sdk_op = move || {
                let s = sdk.clone();
                async move { sdk_call(&s, kind).await }
            };
            let baseline_op = move || {
                let h = Arc::clone(&hand);
                async move { baseline_call(&h, kind).await }
            };
            let cmp = if concurrency == 1 {
                compare_call_by_call(&name, settings, sdk_op, baseline_op).await
            } else {
                compare(&name, settings, concurrency, sdk_op, baseline_op).await
            };
            cmp.report();
        });
    }
}

/// For profiling one side alone, e.g. under `valgrind --tool=callgrind`:
/// `--child profile NAME sdk|baseline|baseline-timeout N` runs 100 warm-up calls, then N calls
/// of comparison NAME, and prints the time they took.
pub fn profile(args: &[String]) {
    let [name, side, n] = args else {
        panic!("usage: --child profile NAME sdk|baseline|baseline-timeout N");
    };
    let n: u64 = n.parse().expect("N");
    let (_, kind, concurrency) = comparisons()
        .into_iter()
        .find(|(c, _, _)| c == name)
        .unwrap_or_else(|| panic!("no comparison {name}"));
    let stage = Stage::new();
    let (runtime, base) = stage.for_concurrency(concurrency);
    runtime.block_on(async {
        let (sdk, hand) = clients(base);
        eprintln!(
            "size of a call's future: SDK {} bytes, hand-written {} bytes",
            std::mem::size_of_val(&sdk.material().delete_material(MATERIAL_ID).send()),
            std::mem::size_of_val(&hand.delete_material(MATERIAL_ID)),
        );
        let took = match side.as_str() {
            "sdk" => {
                let op = move || {
                    let s = sdk.clone();
                    async move { sdk_call(&s, kind).await }
                };
                batch(concurrency, 100, op.clone()).await;
                batch(concurrency, n, op).await
            }
            // `baseline-timeout`: the hand-written call inside a 30 s `tokio::time::timeout`,
            // the SDK's default attempt timeout (see BENCHMARKS.md, what we found).
            "baseline" | "baseline-timeout" => {
                let with_timeout = side == "baseline-timeout";
                let op = move || {
                    let h = Arc::clone(&hand);
                    async move {
                        if with_timeout {
                            tokio::time::timeout(Duration::from_secs(30), baseline_call(&h, kind))
                                .await
                                .expect("30 s is plenty")
                        } else {
                            baseline_call(&h, kind).await
                        }
                    }
                };
                batch(concurrency, 100, op.clone()).await;
                batch(concurrency, n, op).await
            }
            other => panic!("unknown side {other}"),
        };
        eprintln!("{name} {side}: {n} calls in {took:?}");
    });
}
