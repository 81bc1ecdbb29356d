//! The fixture: the data an emulator starts with (and returns to on reset).
//!
//! A fixture is a JSON document. Keys are `PascalCase` like the API's; enum values are the API's
//! wire values. Every key except the ones marked *required* may be left out.
//!
//! ```json
//! {
//!   "AppId": 1200000001,
//!   "Platforms": [{
//!     "Name": "my_platform",
//!     "Users": [{"UserId": "user_alice", "Name": "Alice"}],
//!     "Teams": [{"TeamId": "cmetid_…", "Name": "Studio",
//!                "Members": [{"UserId": "user_alice", "Role": "Owner"}]}],
//!     "PresetTags": [{"Id": "1001", "Name": "风景"}],
//!     "Classes": [{"Owner": {"Type": "PERSON", "Id": "user_alice"}, "Path": "/视频/旅行"}],
//!     "Materials": [{"MaterialId": "38192156030633420589",
//!                    "Owner": {"Type": "PERSON", "Id": "user_alice"}, "ClassPath": "/视频",
//!                    "MaterialType": "VIDEO", "Name": "海边日落", "Width": 1920, "Height": 1080,
//!                    "Duration": 62.5, "Tags": ["sea"], "CreateTime": "2024-05-01T08:00:00Z"}],
//!     "Projects": [{"ProjectId": "cmepid_…", "Name": "Trip", "Category": "Default",
//!                   "Owner": {"Type": "PERSON", "Id": "user_alice"},
//!                   "MaterialIds": ["38192156030633420589"]}],
//!     "Tasks": [{"TaskType": "VIDEO_EDIT_PROJECT_EXPORT", "ProjectId": "cmepid_…",
//!                "Status": "SUCCESS", "Progress": 100}],
//!     "Authorizations": [{"Authorizer": {"Type": "PERSON", "Id": "user_carol"},
//!                         "Authorizee": {"Type": "TEAM", "Id": "cmetid_…"}}]
//!   }]
//! }
//! ```
//!
//! - `Platforms[].Name`: the platform name; left out, it is the emulator's configured platform
//!   (`--platform`), which is how the built-in demo fixture ([`Fixture::demo`]) is used.
//! - Users, team members, and the owners named anywhere are registered on the platform. Every
//!   owner (a user, a team) has a root class, `/个人` for a person and `/团队` for a team, with
//!   `ParentClassId` -1. A user who logs in and is not in the fixture is registered then.
//! - Paths (`Classes[].Path`, `Materials[].ClassPath`) are relative to the owner's root: `/视频/旅行`
//!   is the class `旅行` in the class `视频` of the root; missing classes on the way are created.
//!   `""` or `/` is the root itself.
//! - IDs (`MaterialId`, `ProjectId`, `TeamId`, `TaskId`) are generated when left out. Times are
//!   ISO 8601 and default to the time the emulator starts.
//! - Materials: `MaterialType` (*required*) and `Name` (*required*), `Owner` (*required*),
//!   `ClassPath`, `Tags`, `PresetTagIds` (ids of `PresetTags`), `Width`, `Height`, `Duration`
//!   (seconds), `Size` (bytes), `Bitrate`, `Fps`, `Codec`, `Container`, `SamplingRate`,
//!   `Resolution` (derived from the height when left out), `VodFileId`, `CreateTime`. Their AI
//!   results become available once a `ProcessMaterial` task succeeds.
//! - Projects: `Name` and `Owner` (*required*), `Category` (default `Default`), `Description`,
//!   `WHRatio`, `CoverUrl`, `CoverSource`, `FusionData`, `MaterialIds`, `CreateTime`.
//! - Tasks: `TaskId`, `Owner` (default: the project's owner), `TaskType`, `ProjectId`,
//!   `MaterialId`, `Status` (`PROCESSING` / `SUCCESS` / `FAIL`), `Progress`, `ErrCode`, `ErrMsg`,
//!   `CreateTime`. Seeded tasks keep their status.
//! - Authorizations: the `Authorizer`'s media can be searched by the `Authorizee` (a person, or
//!   any member of a team) with `SearchSharedMaterial`.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The built-in demo fixture, `fixtures/demo.json`.
const DEMO_JSON: &str = include_str!("../fixtures/demo.json");

/// The data an emulator starts with. See the [module docs](self) for the format.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Fixture {
    /// The Tencent Cloud AppId returned at login (default 1200000001).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<i64>,
    /// The platforms and their data.
    #[serde(default)]
    pub platforms: Vec<PlatformFixture>,
}

impl Fixture {
    /// An empty fixture: one platform (the configured one) with no data. Users appear when they
    /// log in.
    pub fn empty() -> Self {
        Self {
            app_id: None,
            platforms: vec![PlatformFixture::default()],
        }
    }

    /// The built-in demo fixture: users, a team, classes, media, projects, tasks and a shared
    /// authorization on the configured platform. See the `DEMO_*` constants of the crate root.
    pub fn demo() -> Self {
        // The embedded file is checked by a unit test, so this cannot fail at run time.
        Self::from_json(DEMO_JSON).unwrap_or_else(|_| Self::empty())
    }

    /// Parses a fixture from JSON text.
    pub fn from_json(text: &str) -> Result<Self, FixtureError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| FixtureError(e.to_string()))
    }

    /// Reads a fixture from a JSON file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, FixtureError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| FixtureError(format!("{}: {e}", path.display())))?;
        Self::from_json(&text).map_err(|e| FixtureError(format!("{}: {}", path.display(), e.0)))
    }
}

/// Why a fixture could not be read or loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureError(pub String);

impl std::fmt::Display for FixtureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid fixture: {}", self.0)
    }
}

impl std::error::Error for FixtureError {}

/// An owner as written in a fixture: `{"Type": "PERSON" | "TEAM", "Id": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct OwnerFixture {
    /// `PERSON` or `TEAM`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// The user ID or the team ID.
    pub id: String,
}

/// One platform of a fixture.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct PlatformFixture {
    /// Platform name; `None` means the emulator's configured platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Users.
    #[serde(default)]
    pub users: Vec<UserFixture>,
    /// Teams with their members.
    #[serde(default)]
    pub teams: Vec<TeamFixture>,
    /// The preset tag catalog.
    #[serde(default)]
    pub preset_tags: Vec<PresetTagFixture>,
    /// Classes (created with their parents).
    #[serde(default)]
    pub classes: Vec<ClassFixture>,
    /// Media.
    #[serde(default)]
    pub materials: Vec<MaterialFixture>,
    /// Projects.
    #[serde(default)]
    pub projects: Vec<ProjectFixture>,
    /// Tasks.
    #[serde(default)]
    pub tasks: Vec<TaskFixture>,
    /// Media sharing between owners.
    #[serde(default)]
    pub authorizations: Vec<AuthorizationFixture>,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct UserFixture {
    /// The user ID, as in login signatures (*required*).
    pub user_id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// CME internal user ID returned at login (generated when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tf_uid: Option<String>,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct TeamFixture {
    /// Team ID (generated when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// Team name (*required*).
    pub name: String,
    /// Members and their roles.
    #[serde(default)]
    pub members: Vec<MemberFixture>,
    /// Creation time, ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
}

/// A member of a team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct MemberFixture {
    /// The user ID (*required*).
    pub user_id: String,
    /// `Owner`, `Admin` or `Member` (default `Member`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// A preset tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct PresetTagFixture {
    /// Tag ID (*required*).
    pub id: String,
    /// Tag name (*required*).
    pub name: String,
    /// Parent tag ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
}

/// A class, by its path under the owner's root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ClassFixture {
    /// The owner (*required*).
    pub owner: OwnerFixture,
    /// Path under the owner's root, e.g. `/视频/旅行` (*required*).
    pub path: String,
}

/// A medium.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct MaterialFixture {
    /// Media ID (20 digits; generated when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material_id: Option<String>,
    /// The owner (*required*).
    pub owner: OwnerFixture,
    /// Class path under the owner's root (default the root).
    #[serde(default)]
    pub class_path: String,
    /// `VIDEO`, `AUDIO`, `IMAGE`, … (*required*).
    pub material_type: String,
    /// Name (*required*).
    pub name: String,
    /// Custom tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Preset tag IDs (of the platform's `PresetTags`).
    #[serde(default)]
    pub preset_tag_ids: Vec<String>,
    /// Width, px.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<i64>,
    /// Height, px.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<i64>,
    /// Duration, seconds (audio and video).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// Size, bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// Bitrate, bps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<i64>,
    /// Video frame rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fps: Option<i64>,
    /// Codec of the main stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec: Option<String>,
    /// Container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Audio sampling rate, Hz.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling_rate: Option<i64>,
    /// `LD`, `SD`, `HD`, `FHD`, `2K` or `4K` (derived from the height when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// VOD file ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vod_file_id: Option<String>,
    /// Creation time, ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
}

/// A project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ProjectFixture {
    /// Project ID (`cmepid_…`; generated when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// Name (*required*).
    pub name: String,
    /// The owner (*required*).
    pub owner: OwnerFixture,
    /// `Default`, `Live`, `VideoSegmentation`, `Switcher` or `StreamConnect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `16:9` or `9:16`.
    #[serde(default, rename = "WHRatio", skip_serializing_if = "Option::is_none")]
    pub wh_ratio: Option<String>,
    /// Cover URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_url: Option<String>,
    /// `USER` or `DEFAULT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_source: Option<String>,
    /// Track data (a JSON string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fusion_data: Option<String>,
    /// The project's media.
    #[serde(default)]
    pub material_ids: Vec<String>,
    /// Creation time, ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
}

/// A task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct TaskFixture {
    /// Task ID (generated when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// The owner (default: the owner of the project, or of the medium).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<OwnerFixture>,
    /// Task type, e.g. `VIDEO_EDIT_PROJECT_EXPORT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_type: Option<String>,
    /// The project the task belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// The medium the task belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material_id: Option<String>,
    /// `PROCESSING`, `SUCCESS` or `FAIL` (default `SUCCESS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Progress, 0-100 (default 100 for a finished task, 0 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<i64>,
    /// Error code of a failed task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err_code: Option<i64>,
    /// Error message of a failed task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err_msg: Option<String>,
    /// Creation time, ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
}

/// Media sharing: the authorizee may search the authorizer's media.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AuthorizationFixture {
    /// Who shares (*required*).
    pub authorizer: OwnerFixture,
    /// Who may search (*required*).
    pub authorizee: OwnerFixture,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_fixture_parses() {
        let fixture = Fixture::from_json(DEMO_JSON).expect("demo fixture");
        assert_eq!(fixture.platforms.len(), 1);
        assert!(fixture.platforms[0].name.is_none());
        assert!(fixture.platforms[0].materials.len() >= 6);
    }

    #[test]
    fn errors_name_the_path() {
        let err = Fixture::from_json(r#"{"Platforms":[{"Users":[{"Name":"x"}]}]}"#).unwrap_err();
        assert!(err.to_string().contains("Platforms[0].Users[0]"), "{err}");
        let err = Fixture::from_json(r#"{"Platform":[]}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
    }
}
