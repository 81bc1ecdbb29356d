//! The state's plain data: owners, users, teams, classes, media, projects and tasks (the uploads
//! are in [`upload`](super::upload)).
//! No behaviour beyond small accessors; the operations live beside [`Platform`](super::Platform)
//! in the sibling modules.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

/// An owner of resources: a person (user ID) or a team (team ID).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "Type", content = "Id")]
pub enum Owner {
    /// A user, by user ID.
    #[serde(rename = "PERSON")]
    Person(String),
    /// A team, by team ID.
    #[serde(rename = "TEAM")]
    Team(String),
}

impl Owner {
    /// The wire value of the owner type.
    pub fn kind(&self) -> &'static str {
        match self {
            Owner::Person(_) => "PERSON",
            Owner::Team(_) => "TEAM",
        }
    }

    /// The user ID or team ID.
    pub fn id(&self) -> &str {
        match self {
            Owner::Person(id) | Owner::Team(id) => id,
        }
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.id())
    }
}

/// A user of a platform.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    /// User ID.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// CME internal user ID.
    pub tf_uid: String,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Team {
    /// Team ID.
    pub team_id: String,
    /// Name.
    pub name: String,
    /// Members: user ID and role (`Owner`, `Admin`, `Member`), in join order.
    pub members: Vec<(String, String)>,
    /// Creation time, Unix seconds.
    pub create_time: i64,
    /// Last update time, Unix seconds.
    pub update_time: i64,
}

/// A preset tag of the platform's catalog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PresetTag {
    /// Tag ID.
    pub id: String,
    /// Name.
    pub name: String,
    /// Parent tag ID.
    pub parent_id: Option<String>,
}

/// A class (category) of an owner's media library.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Class {
    /// Class ID, unique on the platform.
    pub class_id: i64,
    /// Owner.
    pub owner: Owner,
    /// Name.
    pub name: String,
    /// Parent class; `None` for the owner's root class.
    pub parent: Option<i64>,
    /// Creation time, Unix seconds.
    pub create_time: i64,
}

/// File facts of a medium.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MediaFacts {
    /// Width, px.
    pub width: Option<i64>,
    /// Height, px.
    pub height: Option<i64>,
    /// Duration, seconds.
    pub duration: Option<f64>,
    /// Size, bytes.
    pub size: Option<i64>,
    /// Bitrate, bps.
    pub bitrate: Option<i64>,
    /// Video frame rate.
    pub fps: Option<i64>,
    /// Codec of the main stream.
    pub codec: Option<String>,
    /// Container.
    pub container: Option<String>,
    /// Audio sampling rate, Hz.
    pub sampling_rate: Option<i64>,
    /// Resolution class (`LD` … `4K`).
    pub resolution: Option<String>,
}

/// One frame tag item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameTag {
    /// Item ID.
    pub item_id: String,
    /// Start offset, seconds.
    pub start: f64,
    /// End offset, seconds.
    pub end: f64,
    /// Tags.
    pub tags: Vec<String>,
    /// Whether a person added it (`Version: manual`), not the AI.
    pub manual: bool,
}

/// The frame tag index of a medium.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FrameTags {
    /// Version, bumped by every change.
    pub version: u64,
    /// Items, ordered by start offset.
    pub items: Vec<FrameTag>,
}

/// A medium.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Material {
    /// Media ID.
    pub material_id: String,
    /// Owner.
    pub owner: Owner,
    /// Class.
    pub class_id: i64,
    /// Media type (wire value, e.g. `VIDEO`).
    pub material_type: String,
    /// Name.
    pub name: String,
    /// Custom tags.
    pub tags: Vec<String>,
    /// Preset tag IDs.
    pub preset_tag_ids: Vec<String>,
    /// File facts.
    pub facts: MediaFacts,
    /// VOD file ID.
    pub vod_file_id: Option<String>,
    /// Creation time, Unix seconds.
    pub create_time: i64,
    /// Last update time, Unix seconds.
    pub update_time: i64,
    /// Insertion order, to order items created in the same second.
    pub seq: u64,
    /// Frame tags, once there are any.
    pub frame_tags: Option<FrameTags>,
    /// AI results available: `20` (all) and/or `30` (subtitles), once a processing task succeeded.
    pub ai_definitions: BTreeSet<i64>,
}

/// A project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    /// Project ID.
    pub project_id: String,
    /// Name.
    pub name: String,
    /// Owner.
    pub owner: Owner,
    /// Category (wire value, e.g. `Default`).
    pub category: String,
    /// Description.
    pub description: Option<String>,
    /// Aspect ratio (`16:9` / `9:16`).
    pub wh_ratio: Option<String>,
    /// Cover URL.
    pub cover_url: Option<String>,
    /// Cover source (`USER` / `DEFAULT`).
    pub cover_source: Option<String>,
    /// Track data.
    pub fusion_data: Option<String>,
    /// Track data version.
    pub version: i64,
    /// The project's media, in the order added.
    pub material_ids: Vec<String>,
    /// Creation time, Unix seconds.
    pub create_time: i64,
    /// Last update time, Unix seconds.
    pub update_time: i64,
    /// Insertion order.
    pub seq: u64,
}

/// How a task's status is decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TaskProgress {
    /// A status that does not change (seeded tasks).
    Fixed {
        /// `PROCESSING`, `SUCCESS` or `FAIL`.
        status: String,
        /// 0-100.
        progress: i64,
        /// Error code of a failed task.
        err_code: Option<i64>,
        /// Error message of a failed task.
        err_msg: Option<String>,
    },
    /// Runs from `start_ms` for `duration_ms`, then succeeds.
    Timed {
        /// Start, Unix milliseconds.
        start_ms: i64,
        /// Processing time, milliseconds.
        duration_ms: i64,
    },
}

/// A task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Task {
    /// Task ID.
    pub task_id: String,
    /// Owner.
    pub owner: Owner,
    /// Task type (wire value), if any.
    pub task_type: Option<String>,
    /// The project, if any.
    pub project_id: Option<String>,
    /// The medium, if any.
    pub material_id: Option<String>,
    /// The processing definition (`20` / `30`) of a `ProcessMaterial` task.
    pub definition: Option<i64>,
    /// Status.
    pub progress: TaskProgress,
    /// Whether the results of a succeeded processing task were applied to its medium.
    pub applied: bool,
    /// Creation time, Unix seconds.
    pub create_time: i64,
    /// Insertion order.
    pub seq: u64,
}

/// A task's status at some time.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskState {
    /// `PROCESSING`, `SUCCESS` or `FAIL`.
    pub status: &'static str,
    /// 0-100.
    pub progress: i64,
    /// Error code of a failed task.
    pub err_code: Option<i64>,
    /// Error message of a failed task.
    pub err_msg: Option<String>,
}
