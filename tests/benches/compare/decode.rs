//! Item 2, decoding: a reply with 1,000 full `MaterialInfo` items decoded the way a call does
//! (envelope, `Code`, typed `Data`, with JSON paths in errors) versus the same bytes decoded into
//! `serde_json::Value`; and the peak memory of each.
//!
//! Peak memory is measured in a child process (this binary re-run with `--child peak-mem`): it
//! reads the reply from stdin into a buffer of the exact size, resets the kernel's high-water
//! mark of its resident memory (`/proc/self/clear_refs`), decodes once, keeps the result, and
//! reports `VmHWM` minus the resident memory before decoding. No allocator hook is needed (the
//! workspace forbids `unsafe`), and the figure includes what the allocator really takes.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use cme_sdk::__private::decode_reply;
use cme_sdk::material::{DescribeMaterialsRequest, SearchMaterialRequest};

use crate::fixtures;
use crate::measure::{self, Better, Comparison};
use crate::Settings;

/// Items per reply.
const ITEMS: usize = 1000;

#[derive(Clone, Copy)]
enum Case {
    DescribeMaterials,
    SearchMaterial,
}

impl Case {
    const ALL: [Case; 2] = [Case::DescribeMaterials, Case::SearchMaterial];

    fn name(self) -> &'static str {
        match self {
            Case::DescribeMaterials => "describe_materials",
            Case::SearchMaterial => "search_material",
        }
    }

    fn from_name(name: &str) -> Case {
        Case::ALL
            .into_iter()
            .find(|c| c.name() == name)
            .unwrap_or_else(|| panic!("unknown case {name}"))
    }

    fn reply(self) -> Vec<u8> {
        match self {
            Case::DescribeMaterials => fixtures::describe_materials_reply(ITEMS),
            Case::SearchMaterial => fixtures::search_material_reply(ITEMS),
        }
    }

    /// Decodes as a call does; returns the number of items (and drops the data).
    fn sdk(self, body: &Bytes) -> usize {
        self.sdk_keep(body).0
    }

    /// Decodes as a call does, and returns the data to keep it alive.
    fn sdk_keep(self, body: &Bytes) -> (usize, Box<dyn std::any::Any>) {
        match self {
            Case::DescribeMaterials => {
                let data = decode_reply::<DescribeMaterialsRequest>(body.clone()).expect("decode");
                (data.material_info_set.len(), Box::new(data))
            }
            Case::SearchMaterial => {
                let data = decode_reply::<SearchMaterialRequest>(body.clone()).expect("decode");
                (data.material_info_set.len(), Box::new(data))
            }
        }
    }

    /// The baseline: the whole reply into `serde_json::Value`, its `Code` checked.
    fn baseline(body: &[u8]) -> serde_json::Value {
        let value: serde_json::Value = serde_json::from_slice(body).expect("JSON");
        assert_eq!(value["Code"], "Success");
        value
    }
}

pub fn run(settings: &Settings) {
    for case in Case::ALL {
        if !settings.wants(&format!("decode.{}", case.name())) {
            continue;
        }
        let body = Bytes::from(case.reply());
        assert_eq!(case.sdk(&body), ITEMS);
        let items = |v: &serde_json::Value| v["Data"]["MaterialInfoSet"].as_array().map(Vec::len);
        assert_eq!(items(&Case::baseline(&body)), Some(ITEMS));
        eprintln!(
            "    ({}: reply of {ITEMS} items, {:.2} MiB)",
            case.name(),
            body.len() as f64 / (1 << 20) as f64
        );

        let target = settings.batch;
        let n = measure::calibrate(target, 1, |n| measure::time_n(n, || case.sdk(&body)));
        measure::time_n(n, || Case::baseline(&body));
        let mut cmp = Comparison::new(
            format!("decode.{}{ITEMS}", case.name()),
            "ms",
            Better::Lower,
        );
        measure::interleave(
            &mut cmp,
            settings.rounds,
            || measure::per_iter(measure::time_n(n, || case.sdk(&body)), n) * 1e3,
            || measure::per_iter(measure::time_n(n, || Case::baseline(&body)), n) * 1e3,
        );
        cmp.report();

        let mut mem = Comparison::new(
            format!("decode.{}{ITEMS}.peak_mem", case.name()),
            "MiB",
            Better::Lower,
        );
        measure::interleave(
            &mut mem,
            settings.mem_rounds,
            || peak_mem(case, "sdk", &body),
            || peak_mem(case, "baseline", &body),
        );
        mem.report();
    }
}

/// Runs the child that decodes `body` once on `side`; returns its peak extra memory in MiB.
fn peak_mem(case: Case, side: &str, body: &[u8]) -> f64 {
    let exe = std::env::current_exe().expect("this benchmark's path");
    let mut child = Command::new(exe)
        .args(["--child", "peak-mem", case.name(), side])
        .arg(body.len().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the child");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(body)
        .expect("write the reply");
    let out = child.wait_with_output().expect("child");
    assert!(out.status.success(), "the peak-memory child failed");
    let text = String::from_utf8_lossy(&out.stdout);
    let kb: u64 = text
        .trim()
        .strip_prefix("peak_kb=")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("bad child output {text:?}"));
    kb as f64 / 1024.0
}

/// The child: `--child peak-mem CASE SIDE LEN`, the reply on stdin.
pub fn child(args: &[String]) {
    let [case, side, len] = args else {
        panic!("usage: --child peak-mem CASE sdk|baseline LEN");
    };
    let case = Case::from_name(case);
    let len: usize = len.parse().expect("length");
    let mut body = Vec::with_capacity(len);
    std::io::stdin()
        .take(len as u64)
        .read_to_end(&mut body)
        .expect("read the reply");
    assert_eq!(body.len(), len);
    let body = Bytes::from(body);
    // Settle, then start the high-water mark from here ("5" resets VmHWM to the current RSS).
    std::thread::sleep(Duration::from_millis(5));
    let before = measure::proc_status_kb("VmRSS").expect("VmRSS");
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let kept: Box<dyn std::any::Any> = match side.as_str() {
        "sdk" => case.sdk_keep(&body).1,
        "baseline" => Box::new(Case::baseline(&body)),
        other => panic!("unknown side {other}"),
    };
    let peak = measure::proc_status_kb("VmHWM").expect("VmHWM");
    std::hint::black_box(&kept);
    println!("peak_kb={}", peak.saturating_sub(before));
}
