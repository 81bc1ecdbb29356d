//! The in-memory store: platforms, and in each one the users, teams, classes, media, projects,
//! tasks, frame tags and uploads of every owner.
//!
//! Each platform sits behind its own lock, and an action holds it for its whole run, so an
//! action is atomic. The actions check everything before they change anything, so a refused
//! request leaves the state as it was.

mod class;
mod load;
mod model;
pub(crate) mod sample;
mod task;
mod team;
mod upload;

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::Serialize;

pub use model::*;
pub use upload::*;

use crate::fixture::{Fixture, FixtureError};
use crate::ids;

/// Name of the root class of a person.
pub const PERSON_ROOT_NAME: &str = "个人";
/// Name of the root class of a team.
pub const TEAM_ROOT_NAME: &str = "团队";
/// The first class ID of a platform: the first owner's root class is 9, as in the docs.
const FIRST_CLASS_ID: i64 = 9;
/// Default AppId.
pub const DEFAULT_APP_ID: i64 = 1_200_000_001;

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
    /// The platform's VOD sub-application and COS bucket.
    pub vod_app: VodApp,
    /// VOD client-upload sessions by session ID.
    pub vod_sessions: BTreeMap<String, VodSession>,
    /// VOD files by file ID.
    pub vod_files: BTreeMap<String, VodFile>,
    /// The one-time VOD upload signatures used so far (their plaintexts).
    #[serde(skip)]
    pub used_upload_signs: std::collections::BTreeSet<String>,
    /// Sharing: (authorizer, authorizee).
    pub authorizations: Vec<(Owner, Owner)>,
    #[serde(skip)]
    next_class_id: i64,
    #[serde(skip)]
    next_seq: u64,
}

impl Platform {
    /// An empty platform, the `index`-th of the store.
    pub(crate) fn new(name: &str, index: usize) -> Self {
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
            vod_app: VodApp::new(name, index),
            vod_sessions: BTreeMap::new(),
            vod_files: BTreeMap::new(),
            used_upload_signs: std::collections::BTreeSet::new(),
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
            let platform = Platform::from_fixture(name, platforms.len(), pf, now)
                .map_err(|e| FixtureError(format!("platform {name}: {}", e.0)))?;
            platforms.insert(name.to_owned(), Mutex::new(platform));
        }
        if platforms.is_empty() {
            platforms.insert(
                default_platform.to_owned(),
                Mutex::new(Platform::new(default_platform, 0)),
            );
        }
        Ok(platforms)
    }

    /// The AppId returned at login.
    pub(crate) fn app_id(&self) -> i64 {
        self.app_id
    }

    /// The VOD apps of every platform, by platform name.
    pub(crate) fn vod_apps(&self) -> BTreeMap<String, VodApp> {
        self.platforms
            .iter()
            .map(|(name, m)| {
                let p = m.lock().unwrap_or_else(PoisonError::into_inner);
                (name.clone(), p.vod_app.clone())
            })
            .collect()
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
