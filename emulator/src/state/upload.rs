//! Uploads: the CME upload contexts (`CreateUploadMaterial` to `FinishUploadMaterial`), and the
//! platform's VOD side: its sub-application and COS bucket, the client-upload sessions
//! (`ApplyUploadUGC` to `CommitUploadUGC`) and the files they made.

use serde::Serialize;

use super::{MediaFacts, Owner, Platform};

/// The first VOD sub-application ID; a platform's is this plus its place in the fixture.
pub const FIRST_VOD_SUB_APP_ID: i64 = 1_500_000_001;
/// The COS AppId of every bucket (`storageAppId`).
pub const COS_APP_ID: i64 = 1_250_000_001;
/// The COS region of every bucket (`storageRegionV5`).
pub const COS_REGION: &str = "ap-guangzhou";

/// A pending upload (from `CreateUploadMaterial` to `FinishUploadMaterial`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Upload {
    /// The upload context.
    pub context: String,
    /// The user who asked for it.
    pub user_id: String,
    /// Owner of the new medium.
    pub owner: Owner,
    /// Target class.
    pub class_id: i64,
    /// Media type.
    pub material_type: String,
    /// Name.
    pub name: String,
    /// Tags of the new medium.
    pub tags: Vec<String>,
    /// `UploadSummaryKey`: SHA-1 (hex, lower case) of the file's first 10 MiB, if sent.
    pub summary_key: Option<String>,
    /// Whether it was finished (a context is good for one medium).
    pub used: bool,
}

/// The platform's VOD sub-application and the COS bucket its uploads go to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VodApp {
    /// VOD sub-application ID (`vodSubAppId` of its upload signatures).
    pub sub_app_id: i64,
    /// `storageBucket`: the bucket's short name, also the first folder of every storage path.
    pub storage_bucket: String,
    /// `storageAppId`.
    pub storage_app_id: i64,
    /// `storageRegionV5`.
    pub region: String,
}

impl VodApp {
    /// The app of the `index`-th platform, named `name`.
    pub(crate) fn new(name: &str, index: usize) -> Self {
        let sub_app_id = FIRST_VOD_SUB_APP_ID.saturating_add(i64::try_from(index).unwrap_or(0));
        // FNV-1a of the name: a stable, name-like prefix; the sub-application ID keeps it unique
        let hash = name.bytes().fold(0x811c_9dc5u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
        Self {
            sub_app_id,
            storage_bucket: format!("{hash:08x}vodgz{sub_app_id}"),
            storage_app_id: COS_APP_ID,
            region: COS_REGION.to_owned(),
        }
    }

    /// The bucket's full name, as COS requests name it: `<storageBucket>-<storageAppId>`.
    pub fn bucket(&self) -> String {
        format!("{}-{}", self.storage_bucket, self.storage_app_id)
    }
}

/// A VOD client-upload session, from `ApplyUploadUGC` to `CommitUploadUGC`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VodSession {
    /// Session ID (inside the `vodSessionKey`).
    pub session_id: String,
    /// The CME upload context of the signature that opened it.
    pub context: String,
    /// The VOD file ID it will commit as.
    pub file_id: String,
    /// `video.storagePath`: `/<storageBucket>/<folder>/<name>.<type>`.
    pub storage_path: String,
    /// `cover.storagePath`, when a cover was announced.
    pub cover_path: Option<String>,
    /// `videoName`.
    pub video_name: String,
    /// `videoType` (the extension).
    pub video_type: String,
    /// `videoSize` as announced, bytes.
    pub video_size: u64,
    /// Opened at, Unix seconds.
    pub created: i64,
    /// Whether it was committed.
    pub committed: bool,
}

impl VodSession {
    /// The COS key of the video: the storage path without its leading `/`.
    pub fn video_key(&self) -> &str {
        self.storage_path.trim_start_matches('/')
    }

    /// The folder its temporary credentials may write to (the key prefix, ending in `/`).
    pub fn folder(&self) -> String {
        let key = self.video_key();
        key.rfind('/')
            .map_or_else(String::new, |at| key[..=at].to_owned())
    }
}

/// A file VOD holds, committed by a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VodFile {
    /// VOD file ID.
    pub file_id: String,
    /// The CME upload context it was uploaded for.
    pub context: String,
    /// Its COS key.
    pub key: String,
    /// Its URL.
    pub url: String,
    /// SHA-1 (hex) of the whole file: what `UploadFullKey` must be.
    pub sha1: String,
    /// SHA-1 (hex) of its first 10 MiB: what `UploadSummaryKey` must be for a quick upload.
    pub summary_sha1: String,
    /// What its bytes tell (size, and picture size and duration where cheap to tell).
    pub facts: MediaFacts,
    /// Committed at, Unix seconds.
    pub created: i64,
}

impl Platform {
    /// A file of the platform whose first 10 MiB hash to `summary_key` (a quick upload's
    /// candidate).
    pub fn vod_file_by_summary(&self, summary_key: &str) -> Option<&VodFile> {
        self.vod_files
            .values()
            .find(|f| f.summary_sha1.eq_ignore_ascii_case(summary_key))
    }

    /// A file of the platform whose whole bytes hash to `full_key` (and whose first 10 MiB to
    /// `summary_key`, when given).
    pub fn vod_file_by_keys(&self, full_key: &str, summary_key: Option<&str>) -> Option<&VodFile> {
        self.vod_files.values().find(|f| {
            f.sha1.eq_ignore_ascii_case(full_key)
                && summary_key.is_none_or(|s| f.summary_sha1.eq_ignore_ascii_case(s))
        })
    }
}
