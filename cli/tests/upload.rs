//! `cme upload` against the emulator: a file becomes a medium and the result is JSON; a failed
//! upload names its step, keeps its checkpoint, and the same command sends only the missing
//! parts; `--abort` gives it up; Ctrl-C stops it with the checkpoint kept (exit 130); bad
//! inputs are refused before anything is sent, with exit 2 or 6 and no traceback.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use cme_emulator::{sample_mp4, CosOperation, FaultSpec};
use common::{Run, Setup};

const MIB: usize = 1 << 20;

/// A sample MP4 of about `mib` MiB at `dir/name`.
fn clip(dir: &Path, name: &str, mib: usize) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, sample_mp4(12.5, 1280, 720, mib * MIB - 4096)).unwrap();
    path
}

fn checkpoints(s: &Setup) -> Vec<PathBuf> {
    match std::fs::read_dir(s.config_dir().join("uploads")) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Runs `cme ARGS` so that its first part is stored and acknowledged, and `second` strikes the
/// requests of the parts after it: the first part is held back a second before it is stored,
/// and `second` is injected as soon as it arrives. Returns the running command.
fn after_the_first_part(s: &Setup, args: &[&str], second: FaultSpec) -> std::process::Child {
    s.emulator.faults().inject(
        FaultSpec::delay(Duration::from_secs(1))
            .cos(CosOperation::UploadPart)
            .times(1),
    );
    let child = s
        .command(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(|| {
        s.emulator
            .stats()
            .received(CosOperation::UploadPart.route())
            >= 1
    });
    s.emulator.faults().inject(second);
    child
}

/// Waits until `done`, at most a minute.
fn wait_for(done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "waited a minute in vain"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether a checkpoint records part `n` as acknowledged (a `parts` object with key `n`).
fn records_part(checkpoint: &Path, n: u32) -> bool {
    fn find(value: &serde_json::Value, n: &str) -> bool {
        match value {
            serde_json::Value::Object(map) => map
                .iter()
                .any(|(k, v)| (k == "parts" && v.get(n).is_some()) || find(v, n)),
            serde_json::Value::Array(items) => items.iter().any(|v| find(v, n)),
            _ => false,
        }
    }
    std::fs::read(checkpoint)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .is_some_and(|json| find(&json, &n.to_string()))
}

fn assert_no_traceback(run: &Run) {
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_file_becomes_a_medium_and_the_result_is_json() {
    let s = Setup::new("upload-ok");
    let file = clip(s.home.path(), "clip.mp4", 3);
    let path = file.to_str().unwrap();
    let run = s.run(&[
        "upload",
        path,
        "--part-size",
        "1MiB",
        "--tag",
        "holiday",
        "--progress",
        "lines",
        "-o",
        "json",
    ]);
    let result = run.expect(0);
    let json = result.json();
    let size = std::fs::metadata(&file).unwrap().len();
    assert_eq!(json["File"], path);
    assert_eq!(json["Size"], size);
    assert_eq!(json["Parts"], 3);
    assert_eq!(json["PartsSent"], 3);
    assert_eq!(json["PartsSkipped"], 0);
    assert_eq!(json["BytesSent"], size);
    assert_eq!(json["QuickUpload"], false);
    assert_eq!(json["Resumed"], false);
    assert_eq!(json["Sha1"].as_str().unwrap().len(), 40);
    assert!(json["VodFileId"].as_str().is_some_and(|id| !id.is_empty()));
    // Progress went to stderr, one line per report, for logs.
    assert!(
        result.stderr.contains(&format!("{path}: ")),
        "{}",
        result.stderr
    );
    assert!(result.stderr.contains("done"), "{}", result.stderr);
    assert_eq!(
        s.emulator
            .stats()
            .executed(CosOperation::UploadPart.route()),
        3
    );

    let id = json["MaterialId"].as_str().expect("a MaterialId");
    let described = s.json(&["material", "describe-materials", "--material-ids", id]);
    let basic = &described["MaterialInfoSet"][0]["BasicInfo"];
    assert_eq!(basic["MaterialId"], id);
    assert_eq!(basic["Name"], "clip.mp4");
    assert_eq!(basic["TagSet"], serde_json::json!(["holiday"]));
    assert!(
        checkpoints(&s).is_empty(),
        "a finished upload keeps no checkpoint"
    );

    // Not on a terminal and without --progress: nothing on stderr. The same bytes again: a
    // quick upload, none sent.
    let again = s
        .run(&["upload", path, "--name", "again.mp4", "-o", "json"])
        .expect(0);
    assert_eq!(again.stderr, "");
    let again = again.json();
    assert_eq!(again["QuickUpload"], true);
    assert_eq!(again["BytesSent"], 0);
    assert_ne!(again["MaterialId"], json["MaterialId"]);
}

#[test]
fn several_files_give_a_list_and_text_output_works() {
    let s = Setup::new("upload-several");
    let a = clip(s.home.path(), "a.mp4", 1);
    let b = clip(s.home.path(), "b.mp4", 2);
    let run = s.run(&[
        "upload",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--query",
        "MaterialId",
        "-o",
        "text",
    ]);
    let out = run.expect(0).stdout;
    let ids: Vec<&str> = out.lines().collect();
    assert_eq!(ids.len(), 2, "{out}");
    assert_ne!(ids[0], ids[1]);
}

/// `--jobs 3`: four files at once, their progress in lines named after them. The big one
/// fails at its second part (one attempt allowed); the three others (one part each, a COS
/// PutObject the fault does not strike) still become media. The command names the failed
/// file's error, exits non-zero, and prints the command that goes on with it alone, which
/// sends only its missing parts.
#[test]
fn several_files_at_once_and_one_failing_stops_none_of_the_others() {
    let s = Setup::new("upload-jobs");
    let dir = s.home.path();
    let big = clip(dir, "big.mp4", 3);
    let small: Vec<PathBuf> = (0..3)
        .map(|k| {
            let path = dir.join(format!("small{k}.mp4"));
            std::fs::write(&path, sample_mp4(12.5, 1280, 720, MIB / 2 + k * 4096)).unwrap();
            path
        })
        .collect();
    let paths: Vec<&str> = std::iter::once(&big)
        .chain(&small)
        .map(|p| p.to_str().unwrap())
        .collect();
    let mut args = vec!["upload"];
    args.extend(&paths);
    args.extend([
        "--jobs",
        "3",
        "--progress",
        "lines",
        "--part-size",
        "1MiB",
        "--concurrency",
        "1",
        "--retries",
        "1",
        "-o",
        "json",
    ]);
    let child = after_the_first_part(
        &s,
        &args,
        FaultSpec::status(503)
            .cos(CosOperation::UploadPart)
            .times(1),
    );
    let failed = Run::from(child.wait_with_output().unwrap());
    assert_no_traceback(&failed);
    assert!(
        failed.code == 3 || failed.code == 5,
        "exit {}: {}",
        failed.code,
        failed.stderr
    );
    // Stdout: the list of the media made, then the error.
    let docs: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&failed.stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}: {}", failed.stdout));
    let [results, error] = docs.as_slice() else {
        panic!("a list and an error: {}", failed.stdout)
    };
    let mut done: Vec<&str> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["File"].as_str().unwrap())
        .collect();
    done.sort_unstable();
    assert_eq!(done, paths[1..]);
    for result in results.as_array().unwrap() {
        let id = result["MaterialId"].as_str().expect("a MaterialId");
        let described = s.json(&["material", "describe-materials", "--material-ids", id]);
        assert_eq!(
            described["MaterialInfoSet"][0]["BasicInfo"]["MaterialId"],
            id
        );
    }
    assert_eq!(error["Error"]["Message"], "1 of 4 files not uploaded");
    assert_eq!(error["Error"]["Files"][0]["File"], paths[0]);
    assert_eq!(error["Error"]["Files"][0]["Step"], "part 2");
    // Stderr: the progress of each file, named; the failed file's error; how to go on.
    for path in &paths {
        assert!(
            failed.stderr.contains(&format!("{path}: ")),
            "{}",
            failed.stderr
        );
    }
    assert!(
        failed.stderr.contains("1 of 4 files not uploaded")
            && failed
                .stderr
                .contains(&format!("cme: {}: upload failed at part 2", paths[0])),
        "{}",
        failed.stderr
    );
    let resume = failed
        .stderr
        .lines()
        .skip_while(|l| !l.ends_with("run:"))
        .nth(1)
        .unwrap_or_else(|| panic!("no command to go on in {}", failed.stderr));
    let words: Vec<&str> = resume.split_whitespace().collect();
    assert!(words.contains(&paths[0]), "{resume}");
    assert!(paths[1..].iter().all(|p| !words.contains(p)), "{resume}");
    assert_eq!(
        checkpoints(&s).len(),
        1,
        "the failed file's checkpoint is kept"
    );

    // One file left: its result is one object.
    let resumed = Run::from(s.command(&words[1..]).output().unwrap()).ok();
    assert_eq!(resumed["File"], paths[0]);
    assert_eq!(resumed["Resumed"], true);
    assert_eq!(resumed["PartsSkipped"], 1);
    assert_eq!(resumed["PartsSent"], 2);
    assert_eq!(
        s.emulator
            .stats()
            .executed(CosOperation::UploadPart.route()),
        3
    );
    assert!(checkpoints(&s).is_empty());
    let id = resumed["MaterialId"].as_str().unwrap();
    s.json(&["material", "describe-materials", "--material-ids", id]);
}

#[test]
fn a_failed_upload_names_its_step_and_the_same_command_sends_only_the_missing_parts() {
    let s = Setup::new("upload-resume");
    let file = clip(s.home.path(), "long take.mp4", 3);
    let path = file.to_str().unwrap();
    let args = [
        "upload",
        path,
        "--part-size",
        "1MiB",
        "--concurrency",
        "1",
        "--retries",
        "1",
        "-o",
        "json",
    ];
    // The first part goes through; the second is refused, and no retry is allowed.
    let child = after_the_first_part(
        &s,
        &args,
        FaultSpec::status(503)
            .cos(CosOperation::UploadPart)
            .times(1),
    );
    let failed = Run::from(child.wait_with_output().unwrap());
    assert_no_traceback(&failed);
    assert!(
        failed.code == 3 || failed.code == 5,
        "exit {}: {}",
        failed.code,
        failed.stderr
    );
    assert!(
        failed.stderr.contains("upload failed at part 2"),
        "{}",
        failed.stderr
    );
    assert_eq!(failed.json()["Error"]["Step"], "part 2");
    assert_eq!(checkpoints(&s).len(), 1, "the checkpoint is kept");

    let resumed = s.run(&args).ok();
    assert_eq!(resumed["Resumed"], true);
    assert_eq!(resumed["Parts"], 3);
    assert_eq!(resumed["PartsSkipped"], 1);
    assert_eq!(resumed["PartsSent"], 2);
    // One part stored by the failed run, two by the second: none twice.
    assert_eq!(
        s.emulator
            .stats()
            .executed(CosOperation::UploadPart.route()),
        3
    );
    assert!(checkpoints(&s).is_empty());
    let id = resumed["MaterialId"].as_str().unwrap();
    s.json(&["material", "describe-materials", "--material-ids", id]);
}

#[test]
fn abort_gives_the_upload_up() {
    let s = Setup::new("upload-abort");
    let file = clip(s.home.path(), "clip.mp4", 2);
    let path = file.to_str().unwrap();
    s.emulator.faults().inject(
        FaultSpec::status(503)
            .cos(CosOperation::UploadPart)
            .after_action()
            .times(1),
    );
    let upload = [
        "upload",
        path,
        "--part-size",
        "1MiB",
        "--concurrency",
        "1",
        "--retries",
        "1",
    ];
    assert_ne!(s.run(&upload).code, 0);
    assert_eq!(checkpoints(&s).len(), 1);

    let aborted = s.run(&["upload", "--abort", path, "-o", "json"]).ok();
    assert_eq!(aborted["Aborted"], true);
    assert!(checkpoints(&s).is_empty(), "the checkpoint is gone");
    assert_eq!(
        s.emulator
            .stats()
            .executed(CosOperation::AbortMultipartUpload.route()),
        1
    );
    let nothing = s.run(&["upload", "--abort", path]).expect(2);
    assert!(
        nothing.stderr.contains("no upload of") && nothing.stderr.contains("to give up"),
        "{}",
        nothing.stderr
    );
    // A checkpoint of --checkpoint, given up by its own path; the medium is never taken for
    // one.
    s.emulator.faults().inject(
        FaultSpec::status(503)
            .cos(CosOperation::UploadPart)
            .after_action()
            .times(1),
    );
    let custom = s.home.path().join("my.ckpt");
    let custom = custom.to_str().unwrap();
    let mut with_custom = upload.to_vec();
    with_custom.extend(["--checkpoint", custom]);
    assert_ne!(s.run(&with_custom).code, 0);
    assert!(Path::new(custom).exists());
    s.run(&["upload", "--abort", custom, "-o", "json"]).ok();
    assert!(!Path::new(custom).exists());
    assert!(file.exists(), "the medium is untouched");
    assert_eq!(
        s.emulator
            .stats()
            .executed(CosOperation::AbortMultipartUpload.route()),
        2
    );
}

#[test]
fn bad_inputs_are_refused_before_anything_is_sent() {
    let s = Setup::new("upload-bad");
    let dir = s.home.path();
    let missing = dir.join("missing.mp4");
    let notes = dir.join("notes.xyz");
    std::fs::write(&notes, b"not a medium").unwrap();
    let empty = dir.join("empty.mp4");
    std::fs::write(&empty, b"").unwrap();
    let a = clip(dir, "a.mp4", 1);
    let (missing, notes, empty, a, dir_s) = (
        missing.to_str().unwrap(),
        notes.to_str().unwrap(),
        empty.to_str().unwrap(),
        a.to_str().unwrap(),
        dir.to_str().unwrap(),
    );
    let cases: &[(&[&str], i32, &str)] = &[
        (&["upload", missing], 6, "missing.mp4"),
        (&["upload", missing, "--no-resume"], 6, "missing.mp4"),
        (
            &["upload", dir_s, "--no-resume"],
            2,
            "cannot tell the material type of 1 of 3 files",
        ),
        (
            &["upload", notes],
            2,
            "cannot tell the material type of a .xyz file: give --material-type",
        ),
        (&["upload", empty], 2, "empty"),
        (&["upload", a, "--part-size", "8 parsecs"], 2, "8MiB"),
        (&["upload", a, "--part-size", "6GiB"], 2, "part size"),
        (
            &["upload", a, a, "--checkpoint", "x.json"],
            2,
            "--checkpoint",
        ),
        (&["upload", a, a, "--name", "x.mp4"], 2, "--name"),
        (&["upload", "-"], 2, "needs --name"),
        (&["upload", "-", "--name", "clip.mp4"], 2, "a pipe"),
        (
            &["upload", a, "--owner", "ROBOT:x"],
            2,
            "\"ROBOT\" is not one of PERSON, TEAM",
        ),
        (&["upload", a, "--material-type", "HOLOGRAM"], 2, "HOLOGRAM"),
        (&["upload", a, "--concurrency", "0"], 2, "--concurrency"),
        (&["upload", a, a, "--jobs", "0"], 2, "--jobs"),
        (&["upload"], 2, "<FILE>"),
    ];
    for (args, code, message) in cases {
        // Standard input is a pipe for `-`.
        let run = s.run_with(args, &[], Some(""));
        assert_no_traceback(&run);
        assert_eq!(run.code, *code, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
    assert_eq!(s.received("Material/CreateUploadMaterial"), 0);
    assert_eq!(
        s.emulator
            .stats()
            .received(CosOperation::UploadPart.route()),
        0
    );
}

/// A folder is the files directly in it, in the order of their names, hidden ones left out;
/// `--recursive` adds its subfolders' files.
#[test]
fn a_folder_is_its_files() {
    let s = Setup::new("upload-folder");
    let clips = s.home.path().join("clips");
    std::fs::create_dir_all(clips.join("sub")).unwrap();
    clip(&clips, "b.mp4", 1);
    clip(&clips, "a.mp4", 1);
    clip(&clips, ".hidden.mp4", 1);
    clip(&clips.join("sub"), "c.mp4", 1);
    let folder = clips.to_str().unwrap();
    let files = |args: &[&str]| -> Vec<String> {
        let mut args = args.to_vec();
        args.extend(["--query", "File", "-o", "text"]);
        let out = s.run(&args).expect(0).stdout;
        let root = format!("{folder}/");
        out.lines().map(|l| l.replace(&root, "")).collect()
    };
    assert_eq!(files(&["upload", folder]), ["a.mp4", "b.mp4"]);
    assert_eq!(s.received("Material/CreateUploadMaterial"), 2);
    assert_eq!(
        files(&["upload", "--recursive", folder]),
        ["a.mp4", "b.mp4", "sub/c.mp4"]
    );
    assert_eq!(s.received("Material/CreateUploadMaterial"), 5);
    // A folder of one file is that file: one result, not a list.
    let sub = clips.join("sub");
    let one = s
        .run(&["upload", sub.to_str().unwrap(), "-o", "json"])
        .expect(0);
    assert_eq!(one.json()["File"], sub.join("c.mp4").to_str().unwrap());
}

/// A folder holding files of no known type is refused at once, naming them; so is a folder
/// with no file.
#[test]
fn folders_without_known_types_or_files_are_refused_before_anything_is_sent() {
    let s = Setup::new("upload-folder-bad");
    let mixed = s.home.path().join("mixed");
    std::fs::create_dir_all(&mixed).unwrap();
    clip(&mixed, "a.mp4", 1);
    for n in 0..12 {
        std::fs::write(mixed.join(format!("notes{n:02}.txt")), b"not a medium").unwrap();
    }
    let empty = s.home.path().join("empty");
    std::fs::create_dir_all(empty.join("sub")).unwrap();
    std::fs::write(empty.join(".hidden.mp4"), b"hidden").unwrap();
    let mixed = mixed.to_str().unwrap();
    let run = s.run(&["upload", mixed, "--jobs", "4"]);
    assert_no_traceback(&run);
    assert_eq!(run.code, 2, "{}", run.stderr);
    for wanted in [
        "cannot tell the material type of 12 of 13 files",
        "notes00.txt",
        "notes09.txt",
        "and 2 more",
        "--material-type",
    ] {
        assert!(run.stderr.contains(wanted), "{wanted}: {}", run.stderr);
    }
    assert!(!run.stderr.contains("notes10.txt"), "{}", run.stderr);
    let run = s.run(&["upload", empty.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("no file to upload (give --recursive"),
        "{}",
        run.stderr
    );
    let run = s.run(&["upload", "-r", empty.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(s.received("Material/CreateUploadMaterial"), 0);
    assert_eq!(
        s.emulator
            .stats()
            .received(CosOperation::UploadPart.route()),
        0
    );
}

#[test]
fn standard_input_redirected_from_a_file_is_uploaded() {
    let s = Setup::new("upload-stdin");
    let file = clip(s.home.path(), "clip.mp4", 1);
    let output = s
        .command(&["upload", "-", "--name", "from stdin.mp4", "-o", "json"])
        .stdin(Stdio::from(std::fs::File::open(&file).unwrap()))
        .output()
        .unwrap();
    let json = Run::from(output).ok();
    assert_eq!(json["File"], "-");
    assert_eq!(json["Size"], std::fs::metadata(&file).unwrap().len());
    let id = json["MaterialId"].as_str().unwrap();
    let described = s.json(&["material", "describe-materials", "--material-ids", id]);
    assert_eq!(
        described["MaterialInfoSet"][0]["BasicInfo"]["Name"],
        "from stdin.mp4"
    );
}

#[test]
fn the_hosts_of_uploads_are_settings() {
    let s = Setup::new("upload-settings");
    let rows = s.run(&["configure", "list", "-o", "json"]).ok();
    let row = |name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["Name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no row {name}: {rows}"))
    };
    assert_eq!(row("vod-endpoint")["Value"], s.emulator.base_url());
    assert_eq!(row("vod-endpoint")["Source"], "env CME_VOD_ENDPOINT");
    assert_eq!(row("cos-endpoint")["Value"], s.emulator.cos_url());
    // With its own VOD host, a profile has no backup unless it names one.
    assert_eq!(row("vod-backup-endpoint")["Source"], "not set");
    s.run(&["configure", "--vod-backup-endpoint", "http://127.0.0.1:9"])
        .expect(0);
    let rows = s.run(&["configure", "list", "-o", "json"]).ok();
    let backup = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["Name"] == "vod-backup-endpoint")
        .unwrap();
    assert_eq!(backup["Value"], "http://127.0.0.1:9");
    assert_eq!(backup["Source"], "config file");
}

/// Ctrl-C (SIGINT) after the first part: the command stops, keeps its checkpoint, says how to
/// go on, and exits 130; the same command then sends only the missing parts.
#[cfg(unix)]
#[test]
fn ctrl_c_keeps_the_checkpoint_and_the_same_command_goes_on() {
    let s = Setup::new("upload-sigint");
    let file = clip(s.home.path(), "clip.mp4", 3);
    let path = file.to_str().unwrap();
    let args = [
        "upload",
        path,
        "--part-size",
        "1MiB",
        "--concurrency",
        "1",
        "-o",
        "json",
    ];
    // The first part goes through; the reply to the second takes a minute, and the test
    // interrupts the command once the checkpoint records the first.
    let child = after_the_first_part(
        &s,
        &args,
        FaultSpec::delay(Duration::from_secs(60))
            .cos(CosOperation::UploadPart)
            .after_action()
            .times(1),
    );
    wait_for(|| checkpoints(&s).iter().any(|c| records_part(c, 1)));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let stopped = Run::from(child.wait_with_output().unwrap());
    assert_no_traceback(&stopped);
    assert_eq!(stopped.code, 130, "{}", stopped.stderr);
    assert!(
        stopped.stderr.contains("run the same command again")
            && stopped.stderr.contains("cme upload --abort"),
        "{}",
        stopped.stderr
    );
    assert_eq!(stopped.json()["Error"]["Kind"], "interrupted");
    let kept = checkpoints(&s);
    assert_eq!(kept.len(), 1);
    assert!(stopped.stderr.contains(&kept[0].display().to_string()));

    let resumed = s.run(&args).ok();
    assert_eq!(resumed["Resumed"], true);
    assert_eq!(resumed["PartsSkipped"], 1);
    assert_eq!(resumed["PartsSent"], 2);
}

/// `cme emulator` tells how to point `cme` at it: the export line names every host an upload
/// uses, the backup VOD host too when `--vod-backup-listen` turns it on, and `cme` works with
/// exactly those variables.
#[cfg(unix)]
#[test]
fn cme_emulator_prints_the_variables_of_its_hosts() {
    use std::io::BufRead;
    let s = Setup::new("emulator-export").unconfigured();
    for backup in [false, true] {
        let mut args = vec![
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--cos-listen",
            "127.0.0.1:0",
        ];
        if backup {
            args.extend(["--vod-backup-listen", "127.0.0.1:0"]);
        }
        let mut child = s
            .command(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut printed = String::new();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines.by_ref() {
            let line = line.unwrap();
            printed.push_str(&line);
            printed.push('\n');
            if line.starts_with("Press Ctrl-C") {
                break;
            }
        }
        // The variables of the export line, `NAME=value` up to its last continued line.
        let export = printed
            .split("export ")
            .nth(1)
            .unwrap_or_else(|| panic!("no export line in:\n{printed}"));
        let mut vars: Vec<(String, String)> = Vec::new();
        for line in export.lines() {
            for word in line.split_whitespace() {
                if let Some((name, value)) = word.split_once('=') {
                    vars.push((name.to_owned(), value.to_owned()));
                }
            }
            if !line.trim_end().ends_with('\\') {
                break;
            }
        }
        let var = |name: &str| vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        let shown_backup = printed
            .lines()
            .find_map(|l| l.trim().strip_prefix("VOD backup     : "))
            .unwrap_or_else(|| panic!("no VOD backup line in:\n{printed}"));
        if backup {
            let url = var("CME_VOD_BACKUP_ENDPOINT")
                .unwrap_or_else(|| panic!("no CME_VOD_BACKUP_ENDPOINT in:\n{printed}"));
            assert_eq!(shown_backup, format!("{url}/v3/index.php"));
            assert_ne!(Some(url), var("CME_VOD_ENDPOINT"));
        } else {
            assert!(shown_backup.starts_with("off"), "{printed}");
            assert_eq!(var("CME_VOD_BACKUP_ENDPOINT"), None, "{printed}");
        }
        for name in ["CME_ENDPOINT", "CME_VOD_ENDPOINT", "CME_COS_ENDPOINT"] {
            assert!(var(name).is_some(), "no {name} in:\n{printed}");
        }
        // With only the printed variables, cme calls this emulator and sees its hosts.
        let extra: Vec<(&str, &str)> = vars.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let described = s.run_with(&["material", "describe-class", "-o", "json"], &extra, None);
        described.ok();
        let rows = s
            .run_with(&["configure", "list", "-o", "json"], &extra, None)
            .ok();
        let backup_row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["Name"] == "vod-backup-endpoint")
            .cloned()
            .unwrap();
        match var("CME_VOD_BACKUP_ENDPOINT") {
            Some(url) => assert_eq!(backup_row["Value"], url),
            None => assert_eq!(backup_row["Source"], "not set"),
        }

        let status = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        assert!(child.wait().unwrap().success(), "{rest:?}");
    }
}
