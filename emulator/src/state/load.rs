//! Loading a platform from its fixture, checking every value on the way.

use std::collections::BTreeSet;

use cme_sdk::types::{
    CoverSource, MaterialType, ProjectCategory, Resolution, TaskStatus, TaskType, WhRatio,
};
use cme_sdk::wire::WireEnum;

use super::sample;
use super::{
    Material, MediaFacts, Owner, Platform, PresetTag, Project, Task, TaskProgress, Team, User,
    DEFAULT_APP_ID,
};
use crate::fixture::{FixtureError, OwnerFixture, PlatformFixture};
use crate::ids;
use crate::time::parse_iso8601;

impl Owner {
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

impl Platform {
    /// Builds a platform from its fixture.
    pub(crate) fn from_fixture(
        name: &str,
        index: usize,
        fixture: &PlatformFixture,
        now: i64,
    ) -> Result<Self, FixtureError> {
        let mut p = Platform::new(name, index);
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

#[cfg(test)]
mod tests {
    use crate::fixture::Fixture;
    use crate::state::Store;

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
