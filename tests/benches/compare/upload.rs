//! Uploads (issue 11): a 256 MiB file through `client.material().upload(path)` against the
//! emulator, next to a hand-written upload of the same file to the same emulator.
//!
//! The baseline is the chain a careful person writes with reqwest: `CreateUploadMaterial` (the
//! SDK's generated call, no summary key), VOD `ApplyUploadUGC` and `CommitUploadUGC` as JSON
//! POSTs, COS `InitiateMultipartUpload`, the same parts of the same size read from the file and
//! `PUT` at the same concurrency, `CompleteMultipartUpload`, all signed with a COS v5 signer
//! written here; then `FinishUploadMaterial`. It hashes nothing: no SHA-1 of the first 10 MiB for
//! the quick-upload check, none of the whole file for `UploadFullKey` (both optional for the
//! emulator), which the SDK computes. The ratio is MB/s, SDK over baseline.
//!
//! Each round uploads the file with its first 8 bytes changed (else the emulator's quick
//! upload would move no byte) and resets the emulator afterwards (which drops the stored bytes).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cme_emulator::{
    Emulator, RunningEmulator, DEMO_PLATFORM, DEMO_SECRET_ID, DEMO_SECRET_KEY, DEMO_USER_ID,
};
use cme_sdk::types::{Entity, EntityType, MaterialType};
use cme_sdk::{Client, SignatureSource, Signer};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::measure::{self, Better, Comparison};
use crate::Settings;

const MIB: u64 = 1 << 20;
/// The file's size.
const SIZE: u64 = 256 * MIB;
/// The size of the second file of the SDK's memory measurement, to show that memory does not
/// grow with the file.
const BIG_SIZE: u64 = 1024 * MIB;
/// The SDK's defaults, which the baseline uses too.
const PART_SIZE: u64 = cme_sdk::upload::DEFAULT_PART_SIZE;
const CONCURRENCY: usize = cme_sdk::upload::DEFAULT_CONCURRENCY;
/// alice's root class in the demo fixture.
const ROOT_CLASS: i64 = 9;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The emulator, alice's client, and the file.
struct Stage {
    emulator: RunningEmulator,
    client: Client,
    http: reqwest::Client,
    /// Holds the file; removed with the stage.
    _dir: tempfile::TempDir,
    file: PathBuf,
}

impl Stage {
    async fn new() -> Self {
        let emulator = Emulator::builder()
            .storage_cap(4 * BIG_SIZE)
            .start()
            .await
            .expect("the emulator starts");
        let client = emulator.client(DEMO_USER_ID).await.expect("alice logs in");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("bench.mp4");
        write_file(&file, SIZE).await;
        Self {
            emulator,
            client,
            http: reqwest::Client::new(),
            _dir: dir,
            file,
        }
    }

    /// Makes the file's content new for the next upload: its first 8 bytes are `round`.
    async fn renew(&self, round: u64) {
        renew(&self.file, round).await;
    }

    /// The SDK's own memory for an upload of `file`, measured in a child process
    /// (`--child upload-rss`, see [`child`]) that holds only a tokio runtime and alice's client
    /// and uploads to this process's emulator.
    async fn sdk_memory(&self, file: &Path) -> SdkMemory {
        let exe = std::env::current_exe().expect("this benchmark's path");
        let mut command = std::process::Command::new(exe);
        command
            .args(["--child", "upload-rss"])
            .arg(self.emulator.base_url())
            .arg(self.emulator.cos_url())
            .arg(file);
        // The emulator keeps serving on the runtime's other threads meanwhile.
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("the child's waiter")
            .expect("start the child");
        assert!(
            output.status.success(),
            "the upload-rss child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        self.emulator.reset().expect("reset");
        let text = String::from_utf8(output.stdout).expect("the child's line");
        let field = |name: &str| -> u64 {
            text.split_whitespace()
                .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
                .unwrap_or_else(|| panic!("no {name} in the child's line {text:?}"))
        };
        SdkMemory {
            idle_kb: field("idle_kb"),
            peak_kb: field("peak_kb"),
        }
    }

    /// The SDK's upload; MB/s and its peak of buffered bytes.
    async fn sdk(&self) -> (f64, u64) {
        let started = Instant::now();
        let uploaded = self
            .client
            .material()
            .upload(&self.file)
            .class_id(ROOT_CLASS)
            .owner(alice())
            .send()
            .await
            .expect("the SDK's upload");
        let took = started.elapsed();
        assert!(!uploaded.quick_upload && uploaded.parts_sent == parts());
        self.emulator.reset().expect("reset");
        (mb_per_s(took), uploaded.peak_buffered_bytes)
    }

    /// The hand-written upload; MB/s.
    async fn baseline(&self) -> f64 {
        let started = Instant::now();
        baseline_upload(self).await;
        let took = started.elapsed();
        self.emulator.reset().expect("reset");
        mb_per_s(took)
    }
}

/// The peak RSS (VmHWM) of a process that ran only the SDK's upload: before the upload (a
/// tokio runtime and a logged-in client) and after it.
#[derive(Debug, Clone, Copy)]
struct SdkMemory {
    idle_kb: u64,
    peak_kb: u64,
}

/// Makes `path`'s content new for the next upload: its first 8 bytes are `round`.
async fn renew(path: &Path, round: u64) {
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .await
        .expect("open the file");
    file.write_all(&round.to_le_bytes()).await.expect("write");
    file.sync_all().await.expect("sync");
}

/// The child side of [`Stage::sdk_memory`]: `BASE_URL COS_URL FILE`. Logs alice in at the
/// emulator, notes the peak RSS, uploads `FILE` with the SDK's defaults, and prints
/// `idle_kb=… peak_kb=… buffered=…` (the peak RSS before and after the upload, and the SDK's
/// own count of its buffered bytes).
pub fn child(args: &[String]) {
    let [base, cos, file] = args else {
        panic!("usage: --child upload-rss BASE_URL COS_URL FILE");
    };
    let (idle_kb, peak_kb, buffered) = runtime().block_on(async {
        let signer = Signer::new(DEMO_SECRET_ID, DEMO_SECRET_KEY);
        let client = Client::builder()
            .endpoint(base)
            .vod_endpoint(base)
            .cos_endpoint(cos)
            .signature_source(SignatureSource::signer(signer, DEMO_PLATFORM, DEMO_USER_ID))
            .build()
            .expect("the client");
        client.login().await.expect("alice logs in");
        let idle_kb = measure::proc_status_kb("VmHWM").expect("VmHWM");
        let uploaded = client
            .material()
            .upload(file)
            .class_id(ROOT_CLASS)
            .owner(alice())
            .send()
            .await
            .expect("the SDK's upload");
        assert!(!uploaded.quick_upload);
        let peak_kb = measure::proc_status_kb("VmHWM").expect("VmHWM");
        (idle_kb, peak_kb, uploaded.peak_buffered_bytes)
    });
    println!("idle_kb={idle_kb} peak_kb={peak_kb} buffered={buffered}");
}

fn alice() -> Entity {
    Entity::new(EntityType::Person, DEMO_USER_ID)
}

fn parts() -> u32 {
    SIZE.div_ceil(PART_SIZE) as u32
}

fn mb_per_s(took: Duration) -> f64 {
    SIZE as f64 / 1e6 / took.as_secs_f64()
}

/// Writes `size` pseudo-random bytes to `path`, a MiB at a time.
async fn write_file(path: &Path, size: u64) {
    let mut file = tokio::fs::File::create(path)
        .await
        .expect("create the file");
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut chunk = vec![0u8; MIB as usize];
    for _ in 0..size / MIB {
        for word in chunk.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        file.write_all(&chunk).await.expect("write the file");
    }
    file.sync_all().await.expect("sync the file");
}

/// The hand-written chain, as described in the module docs.
async fn baseline_upload(stage: &Stage) {
    let created = stage
        .client
        .material()
        .create_upload_material(ROOT_CLASS, MaterialType::Video, "bench.mp4", alice())
        .send()
        .await
        .expect("CreateUploadMaterial");
    let vod = stage.emulator.vod_url();
    let applied = vod_call(
        &stage.http,
        &vod,
        "ApplyUploadUGC",
        json!({
            "signature": created.vod_upload_sign,
            "videoName": "bench",
            "videoType": "mp4",
            "videoSize": SIZE,
        }),
    )
    .await;
    let cert = &applied["tempCertificate"];
    let cos = Cos {
        http: stage.http.clone(),
        url: format!(
            "{}{}",
            stage.emulator.cos_url(),
            applied["video"]["storagePath"]
                .as_str()
                .expect("storagePath")
        ),
        path: applied["video"]["storagePath"]
            .as_str()
            .expect("storagePath")
            .to_owned(),
        secret_id: cert["secretId"].as_str().expect("secretId").to_owned(),
        secret_key: cert["secretKey"].as_str().expect("secretKey").to_owned(),
        token: cert["token"].as_str().expect("token").to_owned(),
    };
    let initiated = cos.send("POST", &[("uploads", "")], Vec::new()).await;
    let upload_id = xml_field(&initiated, "UploadId");
    let file = &stage.file;
    let mut etags: Vec<(u32, String)> = stream::iter(1..=parts())
        .map(|n| {
            let (cos, upload_id) = (&cos, &upload_id);
            async move {
                let start = u64::from(n - 1) * PART_SIZE;
                let len = PART_SIZE.min(SIZE - start);
                let mut f = tokio::fs::File::open(file).await?;
                f.seek(std::io::SeekFrom::Start(start)).await?;
                let mut body = vec![0u8; len as usize];
                f.read_exact(&mut body).await?;
                let number = n.to_string();
                let params = [("partNumber", number.as_str()), ("uploadId", upload_id)];
                let etag = cos.put_part(&params, body).await;
                Ok::<_, std::io::Error>((n, etag))
            }
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await
        .expect("the parts");
    etags.sort();
    let mut complete = String::from("<CompleteMultipartUpload>");
    for (n, etag) in &etags {
        complete.push_str(&format!(
            "<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
        ));
    }
    complete.push_str("</CompleteMultipartUpload>");
    cos.send("POST", &[("uploadId", &upload_id)], complete.into_bytes())
        .await;
    let session = applied["vodSessionKey"].as_str().expect("vodSessionKey");
    let committed = vod_call(
        &stage.http,
        &vod,
        "CommitUploadUGC",
        json!({ "signature": created.vod_upload_sign, "vodSessionKey": session }),
    )
    .await;
    let finished = stage
        .client
        .material()
        .finish_upload_material(created.upload_context)
        .vod_file_id(committed["fileId"].as_str().expect("fileId"))
        .vod_verify_key(
            committed["video"]["verify_content"]
                .as_str()
                .expect("verify_content"),
        )
        .send()
        .await
        .expect("FinishUploadMaterial");
    assert!(finished.material_id.is_some());
}

/// A VOD action; its `data`.
async fn vod_call(http: &reqwest::Client, vod: &str, action: &str, body: Value) -> Value {
    let reply = http
        .post(format!("{vod}/v3/index.php?Action={action}"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("VOD request")
        .bytes()
        .await
        .expect("VOD reply");
    let reply: Value = serde_json::from_slice(&reply).expect("VOD reply JSON");
    assert_eq!(reply["code"], 0, "{action}: {reply}");
    reply["data"].clone()
}

/// The text of the first `<name>` of `xml`.
fn xml_field(xml: &str, name: &str) -> String {
    let open = format!("<{name}>");
    let start = xml.find(&open).expect("the field") + open.len();
    let end = start + xml[start..].find('<').expect("its end");
    xml[start..end].to_owned()
}

/// One COS object, signed with the temporary credentials (COS v5, reference `upload-and-cli.md`
/// §1.12): the token and `content-length` signed, the query parameters too.
struct Cos {
    http: reqwest::Client,
    url: String,
    path: String,
    secret_id: String,
    secret_key: String,
    token: String,
}

impl Cos {
    fn authorization(&self, method: &str, params: &[(&str, &str)], length: &str) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let key_time = format!("{};{}", now - 60, now + 3600);
        let mut names: Vec<(String, &str)> = params
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), *v))
            .collect();
        names.sort();
        let param_list: Vec<&str> = names.iter().map(|(k, _)| k.as_str()).collect();
        let param_string: Vec<String> = names.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let headers = format!(
            "content-length={length}&x-cos-security-token={}",
            encode(&self.token)
        );
        let http_string = format!(
            "{}\n{}\n{}\n{headers}\n",
            method.to_ascii_lowercase(),
            self.path,
            param_string.join("&")
        );
        let string_to_sign = format!(
            "sha1\n{key_time}\n{}\n",
            hex(&Sha1::digest(http_string.as_bytes()))
        );
        let sign_key = hex(&hmac(self.secret_key.as_bytes(), key_time.as_bytes()));
        let signature = hex(&hmac(sign_key.as_bytes(), string_to_sign.as_bytes()));
        format!(
            "q-sign-algorithm=sha1&q-ak={}&q-sign-time={key_time}&q-key-time={key_time}\
             &q-header-list=content-length;x-cos-security-token&q-url-param-list={}\
             &q-signature={signature}",
            self.secret_id,
            param_list.join(";")
        )
    }

    async fn request(
        &self,
        method: &str,
        params: &[(&str, &str)],
        body: Vec<u8>,
    ) -> reqwest::Response {
        let length = body.len().to_string();
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| {
                if v.is_empty() {
                    (*k).to_owned()
                } else {
                    format!("{k}={v}")
                }
            })
            .collect();
        let reply = self
            .http
            .request(
                method.parse().expect("a method"),
                format!("{}?{}", self.url, query.join("&")),
            )
            .header("authorization", self.authorization(method, params, &length))
            .header("x-cos-security-token", &self.token)
            .header("content-length", length)
            .body(body)
            .send()
            .await
            .expect("COS request");
        assert!(reply.status().is_success(), "{method}: {}", reply.status());
        reply
    }

    /// A request; the reply's body.
    async fn send(&self, method: &str, params: &[(&str, &str)], body: Vec<u8>) -> String {
        let reply = self.request(method, params, body).await;
        reply.text().await.expect("COS reply")
    }

    /// `UploadPart`; the ETag, quoted as COS sends it.
    async fn put_part(&self, params: &[(&str, &str)], body: Vec<u8>) -> String {
        let reply = self.request("PUT", params, body).await;
        reply.headers()["etag"]
            .to_str()
            .expect("an ETag")
            .to_owned()
    }
}

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("any key");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// COS's encoding of a value: everything but `A-Za-z0-9-_.~`.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `upload.mb256`: interleaved rounds of both sides; the SDK's peak of buffered bytes next to
/// `concurrency × part size`, and the process's peak RSS (this child runs nothing else).
pub fn run(settings: &Settings) {
    runtime().block_on(async {
        let stage = Stage::new().await;
        // a warm-up of each side
        stage.renew(0).await;
        stage.sdk().await;
        stage.renew(1).await;
        stage.baseline().await;
        let rounds = if settings.quick { 1 } else { 7 };
        let mut cmp = Comparison::new("upload.mb256", "MB/s", Better::Higher);
        let mut peak = 0;
        let mut next = 2;
        for round in 0..rounds {
            // A B, B A, …
            let sides = if round % 2 == 0 {
                [true, false]
            } else {
                [false, true]
            };
            for sdk in sides {
                stage.renew(next).await;
                next += 1;
                if sdk {
                    let (rate, buffered) = stage.sdk().await;
                    cmp.sdk.push(rate);
                    peak = peak.max(buffered);
                } else {
                    cmp.baseline.push(stage.baseline().await);
                }
            }
        }
        let bound = CONCURRENCY as u64 * PART_SIZE;
        let rss_mb = measure::proc_status_kb("VmHWM").map_or(f64::NAN, |kb| kb as f64 / 1024.0);
        // The SDK alone, in child processes: the same file, then a 4 times bigger one.
        let mut small = Vec::new();
        for _ in 0..settings.mem_rounds {
            stage.renew(next).await;
            next += 1;
            small.push(stage.sdk_memory(&stage.file).await);
        }
        let big_file = stage._dir.path().join("big.mp4");
        write_file(&big_file, BIG_SIZE).await;
        let mut big = Vec::new();
        for _ in 0..settings.mem_rounds {
            renew(&big_file, next).await;
            next += 1;
            big.push(stage.sdk_memory(&big_file).await);
        }
        tokio::fs::remove_file(&big_file)
            .await
            .expect("remove the big file");
        let mib = |runs: &[SdkMemory], kb: fn(&SdkMemory) -> u64| {
            let values: Vec<f64> = runs.iter().map(|m| kb(m) as f64 / 1024.0).collect();
            measure::median(&values)
        };
        let (sdk_rss, sdk_idle) = (mib(&small, |m| m.peak_kb), mib(&small, |m| m.idle_kb));
        let (big_rss, big_idle) = (mib(&big, |m| m.peak_kb), mib(&big, |m| m.idle_kb));
        eprintln!(
            "    (a {} MiB file in {} parts of {} MiB, {CONCURRENCY} at a time; peak RSS of the \
             process: the emulator and both sides)",
            SIZE / MIB,
            parts(),
            PART_SIZE / MIB
        );
        eprintln!(
            "    (sdk_rss_mb: peak RSS of a process that ran only the SDK's upload, median of {}; \
             sdk_rss_idle_mb: the same before the upload; a {} MiB file: {big_rss:.1} and \
             {big_idle:.1})",
            small.len(),
            BIG_SIZE / MIB
        );
        cmp.report_with(&format!(
            ", peak_buffered_mib={:.1}, concurrency_x_part_mib={}, rss_mb={rss_mb:.1}, \
             sdk_rss_mb={sdk_rss:.1}, sdk_rss_idle_mb={sdk_idle:.1}, sdk_rss_1gib_mb={big_rss:.1}",
            peak as f64 / MIB as f64,
            bound / MIB
        ));
        assert!(peak <= bound, "the SDK buffered {peak} bytes, over {bound}");
        // The process's memory, not only the SDK's count: part buffers left to the allocator
        // took 2.5 × the bound (BENCHMARKS.md); reused, they take the bound and about 1 MiB.
        let limit = 2.0 * (bound / MIB) as f64;
        for (size, rss, idle) in [(SIZE, sdk_rss, sdk_idle), (BIG_SIZE, big_rss, big_idle)] {
            assert!(
                rss - idle <= limit,
                "the SDK's upload of {} MiB took {:.1} MiB over idle, over {limit}",
                size / MIB,
                rss - idle
            );
        }
        stage.emulator.shutdown().await;
    });
}
