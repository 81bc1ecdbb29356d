//! Bad inputs are refused with a clear error before anything is sent.

use std::io::ErrorKind as IoKind;
use std::path::Path;

use cme_sdk::types::MaterialType;
use cme_sdk::upload::{UploadError, UploadStep};
use cme_sdk::{Client, Error};

use crate::fake::Env;
use crate::support::{closed_port_url, signing_source};

/// Checks that `err` is a refusal of the input and that no service heard of the upload.
fn refused_before_sending(env: &Env, err: &Error) -> UploadError {
    assert_eq!(err.upload_step(), Some(UploadStep::Read), "{err:?}");
    assert_eq!(
        env.world().requests(),
        0,
        "nothing reached VOD, COS or the upload actions"
    );
    assert_eq!(env.cme.requests(), 0, "no CME call");
    err.upload_error().cloned().unwrap()
}

#[tokio::test]
async fn a_missing_file() {
    let env = Env::start().await;
    let path = env.dir.path().join("missing.mp4");
    let err = env
        .client()
        .material()
        .upload(&path)
        .send()
        .await
        .unwrap_err();
    let UploadError::Io { path: at, kind, .. } = refused_before_sending(&env, &err) else {
        panic!("{err:?}");
    };
    assert_eq!(
        (at.as_deref(), kind),
        (Some(path.as_path()), IoKind::NotFound)
    );
    assert!(
        err.to_string().starts_with(&format!(
            "upload failed at read: cannot read {}: ",
            path.display()
        )),
        "{err}"
    );
}

#[tokio::test]
async fn a_directory() {
    let env = Env::start().await;
    let err = env
        .client()
        .material()
        .upload(env.dir.path())
        .send()
        .await
        .unwrap_err();
    let refusal = refused_before_sending(&env, &err);
    assert_eq!(
        refusal,
        UploadError::NotAFile {
            path: env.dir.path().to_path_buf()
        }
    );
    assert!(err.to_string().ends_with("is not a regular file"), "{err}");
}

#[tokio::test]
async fn an_empty_file() {
    let env = Env::start().await;
    let path = env.file("empty.mp4", 0, 0);
    let err = env
        .client()
        .material()
        .upload(&path)
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused_before_sending(&env, &err), UploadError::Empty);
    let err = env
        .client()
        .material()
        .upload_reader(tokio::io::empty(), 0, "empty.mp4")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused_before_sending(&env, &err), UploadError::Empty);
}

#[tokio::test]
async fn an_extension_that_tells_no_type() {
    let env = Env::start().await;
    for (name, extension) in [("notes.xyz", Some("xyz")), ("README", None)] {
        let path = env.file(name, 10, 30);
        let err = env
            .client()
            .material()
            .upload(&path)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            refused_before_sending(&env, &err),
            UploadError::UnknownMaterialType {
                extension: extension.map(str::to_owned)
            }
        );
        assert!(
            err.to_string()
                .contains("set it with Upload::material_type"),
            "{err}"
        );
    }
    // Told, it goes.
    let path = env.file("notes.xyz", 10, 30);
    let uploaded = env
        .client()
        .material()
        .upload(&path)
        .material_type(MaterialType::Video)
        .send()
        .await
        .unwrap();
    assert!(uploaded.material_id.is_some());
}

#[tokio::test]
async fn a_part_size_cos_refuses() {
    let env = Env::start().await;
    let path = env.file("small-parts.mp4", 10, 31);
    let err = env
        .client()
        .material()
        .upload(&path)
        .part_size(1000)
        .send()
        .await
        .unwrap_err();
    let refusal = refused_before_sending(&env, &err);
    assert_eq!(
        refusal,
        UploadError::PartSize {
            part_size: 1000,
            min: 1 << 20,
            max: 5 << 30
        }
    );
}

#[tokio::test]
async fn a_reader_shorter_than_announced() {
    let env = Env::start().await;
    let err = env
        .client()
        .material()
        .upload_reader(std::io::Cursor::new(vec![1u8; 100]), 300, "short.mp4")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused_before_sending(&env, &err),
        UploadError::ReaderEnded {
            expected: 300,
            read: 100
        }
    );
}

/// The upload of the unreadable file at `path`, by a client that could not reach any service.
async fn upload_unreadable(path: &Path) -> Error {
    let client = Client::builder()
        .endpoint(closed_port_url().await)
        .signature_source(signing_source())
        .build()
        .unwrap();
    client.material().upload(path).send().await.unwrap_err()
}

#[cfg(unix)]
#[tokio::test]
async fn an_unreadable_file() {
    use std::os::unix::fs::PermissionsExt as _;
    use std::os::unix::process::CommandExt as _;

    let env = Env::start().await;
    let path = env.file("locked.mp4", 10, 32);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::File::open(&path).is_err() {
        let err = upload_unreadable(&path).await;
        let refusal = refused_before_sending(&env, &err);
        assert!(
            matches!(
                refusal,
                UploadError::Io {
                    kind: IoKind::PermissionDenied,
                    ..
                }
            ),
            "{err:?}"
        );
        return;
    }
    // This user reads any file (root): the same upload as an unprivileged user, in a child.
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "inputs::unreadable_by_an_unprivileged_user",
            "--exact",
            "--ignored",
        ])
        .env("CME_TEST_UNREADABLE_FILE", &path)
        .uid(65534)
        .gid(65534)
        .status()
        .unwrap();
    assert!(status.success(), "the unprivileged check failed: {status}");
}

/// Run by [`an_unreadable_file`] as an unprivileged user, with the file in
/// `CME_TEST_UNREADABLE_FILE`.
#[cfg(unix)]
#[tokio::test]
#[ignore = "run by an_unreadable_file, as another user"]
async fn unreadable_by_an_unprivileged_user() {
    let path = std::env::var_os("CME_TEST_UNREADABLE_FILE").expect("CME_TEST_UNREADABLE_FILE");
    let err = upload_unreadable(Path::new(&path)).await;
    assert_eq!(err.upload_step(), Some(UploadStep::Read), "{err:?}");
    assert!(
        matches!(
            err.upload_error(),
            Some(UploadError::Io {
                kind: IoKind::PermissionDenied,
                ..
            })
        ),
        "{err:?}"
    );
}
