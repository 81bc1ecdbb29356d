//! The in-memory store: platforms, and in each one the users, teams, classes, media, projects,
//! tasks, frame tags and uploads of every owner.
//!
//! Each platform sits behind its own lock, and an action holds it for its whole run, so an
//! action is atomic. The actions check everything before they change anything, so a refused
//! request leaves the state as it was.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use cme_sdk::types::{
    CoverSource, MaterialType, ProjectCategory, Resolution, TaskStatus, TaskType, WhRatio,
};
use cme_sdk::wire::WireEnum;
use serde::Serialize;

use crate::fixture::{Fixture, FixtureError, OwnerFixture, PlatformFixture};
use crate::time::parse_iso8601;
use crate::{ids, sample};

/// Name of the root class of a person.
pub const PERSON_ROOT_NAME: &str = "个人";
/// Name of the root class of a team.
pub const TEAM_ROOT_NAME: &str = "团队";
/// The first class ID of a platform: the first owner's root class is 9, as in the docs.
const FIRST_CLASS_ID: i64 = 9;
/// Default AppId.
pub const DEFAULT_APP_ID: i64 = 1_200_000_001;

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

    fn from_fixture(owner: &OwnerFixture) -> Result<Self, FixtureError> {
        match owner.kind.as_str() {
            "PERSON" => Ok(Owner::Person(owner.id.clone())),
            "TEAM" => Ok(Owner::Team(owner.id.clone())),
            other => Err(FixtureError(format!(
                "owner type {other:?} is not PERSON or TEAM"
            ))),
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

impl Task {
    /// The status at `now_ms`.
    pub fn status_at(&self, now_ms: i64) -> TaskState {
        match &self.progress {
            TaskProgress::Fixed {
                status,
                progress,
                err_code,
                err_msg,
            } => TaskState {
                status: match status.as_str() {
                    "SUCCESS" => "SUCCESS",
                    "FAIL" => "FAIL",
                    _ => "PROCESSING",
                },
                progress: *progress,
                err_code: *err_code,
                err_msg: err_msg.clone(),
            },
            TaskProgress::Timed {
                start_ms,
                duration_ms,
            } => {
                let elapsed = now_ms.saturating_sub(*start_ms).max(0);
                if elapsed >= *duration_ms {
                    TaskState {
                        status: "SUCCESS",
                        progress: 100,
                        err_code: None,
                        err_msg: None,
                    }
                } else {
                    TaskState {
                        status: "PROCESSING",
                        progress: (elapsed.saturating_mul(100) / (*duration_ms).max(1)).min(99),
                        err_code: None,
                        err_msg: None,
                    }
                }
            }
        }
    }
}

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
    /// Whether it was finished (a context is good for one medium).
    pub used: bool,
}

/// One platform's data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Platform {
    /// Platform name.
    pub name: String,
    /// Users by user ID.
    pub users: BTreeMap<String, User>,
    /// Teams by team ID.
    pub teams: BTreeMap<String, Team>,
    /// The preset tag catalog by tag ID.
    pub preset_tags: BTreeMap<String, PresetTag>,
    /// Classes by class ID.
    pub classes: BTreeMap<i64, Class>,
    /// Root class of each owner (left out of the JSON form: the classes without a parent).
    #[serde(skip)]
    pub roots: BTreeMap<Owner, i64>,
    /// Media by media ID.
    pub materials: BTreeMap<String, Material>,
    /// Projects by project ID.
    pub projects: BTreeMap<String, Project>,
    /// Tasks by task ID.
    pub tasks: BTreeMap<String, Task>,
    /// Uploads by context.
    pub uploads: BTreeMap<String, Upload>,
    /// Sharing: (authorizer, authorizee).
    pub authorizations: Vec<(Owner, Owner)>,
    #[serde(skip)]
    next_class_id: i64,
    #[serde(skip)]
    next_seq: u64,
}

impl Platform {
    /// An empty platform.
    pub(crate) fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            users: BTreeMap::new(),
            teams: BTreeMap::new(),
            preset_tags: BTreeMap::new(),
            classes: BTreeMap::new(),
            roots: BTreeMap::new(),
            materials: BTreeMap::new(),
            projects: BTreeMap::new(),
            tasks: BTreeMap::new(),
            uploads: BTreeMap::new(),
            authorizations: Vec::new(),
            next_class_id: FIRST_CLASS_ID,
            next_seq: 0,
        }
    }

    /// The next insertion sequence number.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Registers a user (with a root class) unless known.
    pub(crate) fn ensure_user(&mut self, user_id: &str, now: i64) -> &User {
        if !self.users.contains_key(user_id) {
            let user = User {
                user_id: user_id.to_owned(),
                name: user_id.to_owned(),
                tf_uid: ids::tf_uid(),
            };
            self.users.insert(user_id.to_owned(), user);
        }
        self.root_of(&Owner::Person(user_id.to_owned()), now);
        &self.users[user_id]
    }

    /// Whether `user_id` may see and change what `owner` owns: their own person, or a team
    /// they are a member of.
    pub fn can_access(&self, user_id: &str, owner: &Owner) -> bool {
        match owner {
            Owner::Person(id) => id == user_id,
            Owner::Team(team) => self.role_in(user_id, team).is_some(),
        }
    }

    /// The role of `user_id` in `team_id`, if a member.
    pub fn role_in(&self, user_id: &str, team_id: &str) -> Option<&str> {
        self.teams.get(team_id).and_then(|t| {
            t.members
                .iter()
                .find(|(u, _)| u == user_id)
                .map(|(_, r)| r.as_str())
        })
    }

    /// The root class of `owner`, created when missing.
    pub(crate) fn root_of(&mut self, owner: &Owner, now: i64) -> i64 {
        if let Some(id) = self.roots.get(owner) {
            return *id;
        }
        let name = match owner {
            Owner::Person(_) => PERSON_ROOT_NAME,
            Owner::Team(_) => TEAM_ROOT_NAME,
        };
        let id = self.insert_class(owner.clone(), name.to_owned(), None, now);
        self.roots.insert(owner.clone(), id);
        id
    }

    /// The root class of `owner`, if it has one.
    pub fn existing_root(&self, owner: &Owner) -> Option<i64> {
        self.roots.get(owner).copied()
    }

    /// Adds a class and returns its ID.
    pub(crate) fn insert_class(
        &mut self,
        owner: Owner,
        name: String,
        parent: Option<i64>,
        now: i64,
    ) -> i64 {
        let class_id = self.next_class_id;
        self.next_class_id += 1;
        self.classes.insert(
            class_id,
            Class {
                class_id,
                owner,
                name,
                parent,
                create_time: now,
            },
        );
        class_id
    }

    /// The direct sub-classes of a class, by ID.
    pub fn children(&self, class_id: i64) -> Vec<&Class> {
        self.classes
            .values()
            .filter(|c| c.parent == Some(class_id))
            .collect()
    }

    /// Every class under a class (not itself), depth first, in ID order per level.
    pub fn descendants(&self, class_id: i64) -> Vec<&Class> {
        let mut out = Vec::new();
        let mut stack = vec![class_id];
        while let Some(id) = stack.pop() {
            let children = self.children(id);
            for child in children.iter().rev() {
                stack.push(child.class_id);
            }
            out.extend(children);
        }
        out.sort_by_key(|c| c.class_id);
        out
    }

    /// The classes from the root down to `class_id` (inclusive).
    pub fn path_to(&self, class_id: i64) -> Vec<&Class> {
        let mut path = Vec::new();
        let mut next = Some(class_id);
        while let Some(id) = next {
            let Some(class) = self.classes.get(&id) else {
                break;
            };
            path.push(class);
            next = class.parent;
            if path.len() > self.classes.len() {
                break; // a cycle; cannot happen, as moves refuse them
            }
        }
        path.reverse();
        path
    }

    /// The class path of a class, e.g. `/个人/视频`.
    pub fn class_path(&self, class_id: i64) -> String {
        let mut out = String::new();
        for class in self.path_to(class_id) {
            out.push('/');
            out.push_str(&class.name);
        }
        out
    }

    /// Whether `ancestor` is `class_id` or one of its ancestors.
    pub fn is_within(&self, class_id: i64, ancestor: i64) -> bool {
        self.path_to(class_id)
            .iter()
            .any(|c| c.class_id == ancestor)
    }

    /// Applies the results of processing tasks that have succeeded by `now_ms`: marks the AI
    /// results available and, for a full analysis, adds the AI frame tags.
    pub(crate) fn settle(&mut self, now_ms: i64) {
        let done: Vec<(String, String, i64)> = self
            .tasks
            .values()
            .filter(|t| !t.applied && t.status_at(now_ms).status == "SUCCESS")
            .filter_map(|t| Some((t.task_id.clone(), t.material_id.clone()?, t.definition?)))
            .collect();
        for (task_id, material_id, definition) in done {
            if let Some(task) = self.tasks.get_mut(&task_id) {
                task.applied = true;
            }
            let Some(material) = self.materials.get_mut(&material_id) else {
                continue;
            };
            if material.ai_definitions.insert(definition) && definition == sample::FULL_ANALYSIS {
                let index = material.frame_tags.get_or_insert_with(FrameTags::default);
                index.items.retain(|item| item.manual);
                index.items.extend(sample::ai_frame_tags(
                    &material.material_id,
                    material.facts.duration,
                ));
                index.items.sort_by(|a, b| a.start.total_cmp(&b.start));
                index.version += 1;
            }
        }
    }

    /// Builds a platform from its fixture.
    pub(crate) fn from_fixture(
        name: &str,
        fixture: &PlatformFixture,
        now: i64,
    ) -> Result<Self, FixtureError> {
        let mut p = Platform::new(name);
        let time = |t: &Option<String>, what: &str| -> Result<i64, FixtureError> {
            match t {
                None => Ok(now),
                Some(text) => parse_iso8601(text).ok_or_else(|| {
                    FixtureError(format!("{what}: {text:?} is not an ISO 8601 time"))
                }),
            }
        };
        for u in &fixture.users {
            if p.users.contains_key(&u.user_id) {
                return Err(FixtureError(format!("user {} is listed twice", u.user_id)));
            }
            p.users.insert(
                u.user_id.clone(),
                User {
                    user_id: u.user_id.clone(),
                    name: u.name.clone().unwrap_or_else(|| u.user_id.clone()),
                    tf_uid: u.tf_uid.clone().unwrap_or_else(ids::tf_uid),
                },
            );
            p.root_of(&Owner::Person(u.user_id.clone()), now);
        }
        for t in &fixture.teams {
            let team_id = t.team_id.clone().unwrap_or_else(ids::team_id);
            if p.teams.contains_key(&team_id) {
                return Err(FixtureError(format!("team {team_id} is listed twice")));
            }
            let created = time(&t.create_time, &format!("team {team_id}"))?;
            let mut members = Vec::new();
            for m in &t.members {
                let role = m.role.clone().unwrap_or_else(|| "Member".to_owned());
                if !["Owner", "Admin", "Member"].contains(&role.as_str()) {
                    return Err(FixtureError(format!(
                        "team {team_id}: role {role:?} is not Owner, Admin or Member"
                    )));
                }
                p.ensure_user(&m.user_id, now);
                members.push((m.user_id.clone(), role));
            }
            p.teams.insert(
                team_id.clone(),
                Team {
                    team_id: team_id.clone(),
                    name: t.name.clone(),
                    members,
                    create_time: created,
                    update_time: created,
                },
            );
            p.root_of(&Owner::Team(team_id), now);
        }
        for tag in &fixture.preset_tags {
            p.preset_tags.insert(
                tag.id.clone(),
                PresetTag {
                    id: tag.id.clone(),
                    name: tag.name.clone(),
                    parent_id: tag.parent_id.clone(),
                },
            );
        }
        for c in &fixture.classes {
            let owner = p.fixture_owner(&c.owner, now)?;
            p.class_by_path(&owner, &c.path, now)?;
        }
        for m in &fixture.materials {
            let owner = p.fixture_owner(&m.owner, now)?;
            let class_id = p.class_by_path(&owner, &m.class_path, now)?;
            let material_id = m.material_id.clone().unwrap_or_else(ids::material_id);
            if p.materials.contains_key(&material_id) {
                return Err(FixtureError(format!(
                    "medium {material_id} is listed twice"
                )));
            }
            check_value::<MaterialType>("MaterialType", &m.material_type)?;
            for id in &m.preset_tag_ids {
                if !p.preset_tags.contains_key(id) {
                    return Err(FixtureError(format!(
                        "medium {material_id}: preset tag {id} is not in PresetTags"
                    )));
                }
            }
            let resolution = match &m.resolution {
                Some(r) => {
                    check_value::<Resolution>("Resolution", r)?;
                    Some(r.clone())
                }
                None => sample::resolution_of(m.width, m.height).map(str::to_owned),
            };
            let created = time(&m.create_time, &format!("medium {material_id}"))?;
            let seq = p.next_seq();
            p.materials.insert(
                material_id.clone(),
                Material {
                    material_id,
                    owner,
                    class_id,
                    material_type: m.material_type.clone(),
                    name: m.name.clone(),
                    tags: m.tags.clone(),
                    preset_tag_ids: m.preset_tag_ids.clone(),
                    facts: MediaFacts {
                        width: m.width,
                        height: m.height,
                        duration: m.duration,
                        size: m.size,
                        bitrate: m.bitrate,
                        fps: m.fps,
                        codec: m.codec.clone(),
                        container: m.container.clone(),
                        sampling_rate: m.sampling_rate,
                        resolution,
                    },
                    vod_file_id: m.vod_file_id.clone(),
                    create_time: created,
                    update_time: created,
                    seq,
                    frame_tags: None,
                    ai_definitions: BTreeSet::new(),
                },
            );
        }
        for pr in &fixture.projects {
            let owner = p.fixture_owner(&pr.owner, now)?;
            let project_id = pr.project_id.clone().unwrap_or_else(ids::project_id);
            if p.projects.contains_key(&project_id) {
                return Err(FixtureError(format!(
                    "project {project_id} is listed twice"
                )));
            }
            let category = pr.category.clone().unwrap_or_else(|| "Default".to_owned());
            check_value::<ProjectCategory>("Category", &category)?;
            if let Some(r) = &pr.wh_ratio {
                check_value::<WhRatio>("WHRatio", r)?;
            }
            if let Some(s) = &pr.cover_source {
                check_value::<CoverSource>("CoverSource", s)?;
            }
            for id in &pr.material_ids {
                if !p.materials.contains_key(id) {
                    return Err(FixtureError(format!(
                        "project {project_id}: medium {id} is not in Materials"
                    )));
                }
            }
            let created = time(&pr.create_time, &format!("project {project_id}"))?;
            let seq = p.next_seq();
            p.projects.insert(
                project_id.clone(),
                Project {
                    project_id,
                    name: pr.name.clone(),
                    owner,
                    category,
                    description: pr.description.clone(),
                    wh_ratio: pr.wh_ratio.clone(),
                    cover_url: pr.cover_url.clone(),
                    cover_source: pr.cover_source.clone(),
                    fusion_data: pr.fusion_data.clone(),
                    version: created,
                    material_ids: pr.material_ids.clone(),
                    create_time: created,
                    update_time: created,
                    seq,
                },
            );
        }
        for t in &fixture.tasks {
            let task_id = t
                .task_id
                .clone()
                .unwrap_or_else(|| ids::task_id(DEFAULT_APP_ID));
            if p.tasks.contains_key(&task_id) {
                return Err(FixtureError(format!("task {task_id} is listed twice")));
            }
            let project_owner = match &t.project_id {
                Some(id) => Some(p.projects.get(id).map(|pr| pr.owner.clone()).ok_or_else(
                    || FixtureError(format!("task {task_id}: project {id} is not in Projects")),
                )?),
                None => None,
            };
            let material_owner = match &t.material_id {
                Some(id) => Some(p.materials.get(id).map(|m| m.owner.clone()).ok_or_else(
                    || FixtureError(format!("task {task_id}: medium {id} is not in Materials")),
                )?),
                None => None,
            };
            let owner = match &t.owner {
                Some(o) => p.fixture_owner(o, now)?,
                None => project_owner.or(material_owner).ok_or_else(|| {
                    FixtureError(format!(
                        "task {task_id}: needs an Owner, a ProjectId or a MaterialId"
                    ))
                })?,
            };
            let status = t.status.clone().unwrap_or_else(|| "SUCCESS".to_owned());
            check_value::<TaskStatus>("Status", &status)?;
            if let Some(kind) = &t.task_type {
                check_value::<TaskType>("TaskType", kind)?;
            }
            let progress = t
                .progress
                .unwrap_or(if status == "PROCESSING" { 0 } else { 100 })
                .clamp(0, 100);
            let created = time(&t.create_time, &format!("task {task_id}"))?;
            let seq = p.next_seq();
            p.tasks.insert(
                task_id.clone(),
                Task {
                    task_id,
                    owner,
                    task_type: t.task_type.clone(),
                    project_id: t.project_id.clone(),
                    material_id: t.material_id.clone(),
                    definition: None,
                    progress: TaskProgress::Fixed {
                        status,
                        progress,
                        err_code: t.err_code,
                        err_msg: t.err_msg.clone(),
                    },
                    applied: true,
                    create_time: created,
                    seq,
                },
            );
        }
        for a in &fixture.authorizations {
            let authorizer = p.fixture_owner(&a.authorizer, now)?;
            let authorizee = p.fixture_owner(&a.authorizee, now)?;
            p.authorizations.push((authorizer, authorizee));
        }
        Ok(p)
    }

    /// The owner named in a fixture, registered (with a root class) when it is a person.
    fn fixture_owner(&mut self, owner: &OwnerFixture, now: i64) -> Result<Owner, FixtureError> {
        let owner = Owner::from_fixture(owner)?;
        match &owner {
            Owner::Person(id) => {
                self.ensure_user(id, now);
            }
            Owner::Team(id) if !self.teams.contains_key(id) => {
                return Err(FixtureError(format!("team {id} is not in Teams")));
            }
            Owner::Team(_) => {}
        }
        Ok(owner)
    }

    /// The class at `path` under the owner's root, created with its parents when missing.
    fn class_by_path(&mut self, owner: &Owner, path: &str, now: i64) -> Result<i64, FixtureError> {
        let mut current = self.root_of(owner, now);
        for name in path.split('/').filter(|s| !s.is_empty()) {
            let existing = self
                .children(current)
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.class_id);
            current = match existing {
                Some(id) => id,
                None => self.insert_class(owner.clone(), name.to_owned(), Some(current), now),
            };
        }
        Ok(current)
    }
}

/// Checks that a fixture value is a value of the wire enum `E`.
fn check_value<E: WireEnum>(field: &str, value: &str) -> Result<(), FixtureError> {
    if E::VALUES.contains(&value) {
        Ok(())
    } else {
        Err(FixtureError(format!(
            "{field} {value:?} is not one of {}",
            E::VALUES.join(", ")
        )))
    }
}

/// Every platform, each behind its own lock.
#[derive(Debug)]
pub(crate) struct Store {
    app_id: i64,
    platforms: BTreeMap<String, Mutex<Platform>>,
    fixture: Fixture,
    default_platform: String,
}

impl Store {
    /// Builds the store from a fixture; platforms without a name get `default_platform`.
    pub(crate) fn new(
        fixture: Fixture,
        default_platform: &str,
        now: i64,
    ) -> Result<Self, FixtureError> {
        let platforms = Self::build(&fixture, default_platform, now)?;
        Ok(Self {
            app_id: fixture.app_id.unwrap_or(DEFAULT_APP_ID),
            platforms,
            fixture,
            default_platform: default_platform.to_owned(),
        })
    }

    fn build(
        fixture: &Fixture,
        default_platform: &str,
        now: i64,
    ) -> Result<BTreeMap<String, Mutex<Platform>>, FixtureError> {
        let mut platforms = BTreeMap::new();
        for pf in &fixture.platforms {
            let name = pf.name.as_deref().unwrap_or(default_platform);
            if name.is_empty() {
                return Err(FixtureError("a platform name is empty".to_owned()));
            }
            if platforms.contains_key(name) {
                return Err(FixtureError(format!("platform {name} is listed twice")));
            }
            let platform = Platform::from_fixture(name, pf, now)
                .map_err(|e| FixtureError(format!("platform {name}: {}", e.0)))?;
            platforms.insert(name.to_owned(), Mutex::new(platform));
        }
        if platforms.is_empty() {
            platforms.insert(
                default_platform.to_owned(),
                Mutex::new(Platform::new(default_platform)),
            );
        }
        Ok(platforms)
    }

    /// The AppId returned at login.
    pub(crate) fn app_id(&self) -> i64 {
        self.app_id
    }

    /// Whether a platform exists.
    pub(crate) fn has_platform(&self, name: &str) -> bool {
        self.platforms.contains_key(name)
    }

    /// Locks a platform.
    pub(crate) fn lock(&self, name: &str) -> Option<MutexGuard<'_, Platform>> {
        self.platforms
            .get(name)
            .map(|m| m.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// A copy of every platform.
    pub(crate) fn snapshot(&self) -> BTreeMap<String, Platform> {
        self.platforms
            .iter()
            .map(|(name, m)| {
                (
                    name.clone(),
                    m.lock().unwrap_or_else(PoisonError::into_inner).clone(),
                )
            })
            .collect()
    }

    /// Puts every platform back to the fixture's state.
    pub(crate) fn reset(&self, now: i64) -> Result<(), FixtureError> {
        let fresh = Self::build(&self.fixture, &self.default_platform, now)?;
        for (name, platform) in fresh {
            if let Some(slot) = self.platforms.get(&name) {
                *slot.lock().unwrap_or_else(PoisonError::into_inner) = platform
                    .into_inner()
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
        Ok(())
    }

    /// Makes every running timed task finish now.
    pub(crate) fn complete_tasks(&self, now_ms: i64) {
        for m in self.platforms.values() {
            let mut p = m.lock().unwrap_or_else(PoisonError::into_inner);
            for task in p.tasks.values_mut() {
                if let TaskProgress::Timed {
                    start_ms,
                    duration_ms,
                } = &mut task.progress
                {
                    *start_ms = (*start_ms).min(now_ms.saturating_sub(*duration_ms));
                }
            }
            p.settle(now_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Platform {
        let store = Store::new(Fixture::demo(), "demo", 1_700_000_000).expect("demo");
        let p = store.lock("demo").expect("platform").clone();
        p
    }

    #[test]
    fn demo_has_roots_and_paths() {
        let p = demo();
        let alice = Owner::Person("user_alice".into());
        let root = p.existing_root(&alice).expect("root");
        assert_eq!(root, 9);
        assert_eq!(p.class_path(root), "/个人");
        let travel = p
            .classes
            .values()
            .find(|c| c.name == "旅行")
            .expect("class");
        assert_eq!(p.class_path(travel.class_id), "/个人/视频/旅行");
        assert!(p.is_within(travel.class_id, root));
        assert_eq!(p.descendants(root).len(), 4);
        assert!(p.can_access(
            "user_bob",
            &Owner::Team("cmetid_5f8a9c2e1b3d4e6f7a8b9c0d".into())
        ));
        assert!(!p.can_access(
            "user_carol",
            &Owner::Team("cmetid_5f8a9c2e1b3d4e6f7a8b9c0d".into())
        ));
    }

    #[test]
    fn timed_tasks_progress_then_succeed() {
        let task = Task {
            task_id: "t".into(),
            owner: Owner::Person("u".into()),
            task_type: None,
            project_id: None,
            material_id: None,
            definition: Some(20),
            progress: TaskProgress::Timed {
                start_ms: 1000,
                duration_ms: 1000,
            },
            applied: false,
            create_time: 0,
            seq: 0,
        };
        assert_eq!(task.status_at(1500).status, "PROCESSING");
        assert_eq!(task.status_at(1500).progress, 50);
        assert_eq!(task.status_at(2000).status, "SUCCESS");
    }

    #[test]
    fn bad_fixtures_are_refused() {
        let bad = [
            r#"{"Platforms":[{"Materials":[{"Owner":{"Type":"PERSON","Id":"u"},"MaterialType":"VIDO","Name":"x"}]}]}"#,
            r#"{"Platforms":[{"Classes":[{"Owner":{"Type":"TEAM","Id":"nope"},"Path":"/a"}]}]}"#,
            r#"{"Platforms":[{"Projects":[{"Name":"p","Owner":{"Type":"PERSON","Id":"u"},"MaterialIds":["1"]}]}]}"#,
            r#"{"Platforms":[{"Teams":[{"Name":"t","CreateTime":"yesterday"}]}]}"#,
            r#"{"Platforms":[{"Name":"a"},{"Name":"a"}]}"#,
        ];
        for text in bad {
            let fixture = Fixture::from_json(text).expect("parses");
            assert!(Store::new(fixture, "demo", 0).is_err(), "{text}");
        }
    }
}
