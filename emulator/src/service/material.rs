//! Media: list, describe, search (own and shared), modify, delete.

use std::collections::BTreeSet;

use cme_sdk::material::{
    DeleteMaterialData, DeleteMaterialRequest, DescribeMaterialsData, DescribeMaterialsRequest,
    ListMediaData, ListMediaRequest, ModifyMaterialData, ModifyMaterialRequest, SearchMaterialData,
    SearchMaterialRequest, SearchSharedMaterialData, SearchSharedMaterialRequest,
};
use cme_sdk::types::{
    FailedMaterialInfo, IntegerRange, MaterialType, Resolution, SortBy, TfError, TimeRange,
};
use cme_sdk::ErrorCode;

use super::convert::{self, Detail};
use super::{
    bad_value, check_owner, check_platform, denied, documented_bad_value, material, no_class,
    owner_of, page, paged, sort_of, Emulation,
};
use crate::dispatch::{Context, Failure};
use crate::state::{Material, Platform};
use crate::time::parse_iso8601;

/// Page size of `ListMedia` when none is given.
const LIST_LIMIT: i64 = 20;
/// Page size of the searches when none is given.
const SEARCH_LIMIT: i64 = 50;
/// Most characters of a media name.
const NAME_MAX: usize = 90;

pub(super) fn delete_material(
    svc: &Emulation,
    ctx: &Context,
    r: DeleteMaterialRequest,
) -> Result<DeleteMaterialData, Failure> {
    let mut p = svc.platform(ctx)?;
    material(&p, ctx, &r.material_id)?;
    p.materials.remove(&r.material_id);
    for project in p.projects.values_mut() {
        project.material_ids.retain(|id| id != &r.material_id);
    }
    Ok(DeleteMaterialData::default())
}

pub(super) fn modify_material(
    svc: &Emulation,
    ctx: &Context,
    r: ModifyMaterialRequest,
) -> Result<ModifyMaterialData, Failure> {
    let mut p = svc.platform(ctx)?;
    let owner = material(&p, ctx, &r.material_id)?.owner.clone();
    if let Some(class_id) = r.class_id {
        match p.classes.get(&class_id) {
            Some(class) if class.owner == owner => {}
            _ => return Err(no_class(class_id)),
        }
    }
    if let Some(name) = &r.name {
        check_name(name)?;
    }
    if let Some(ids) = &r.preset_tag_ids {
        if let Some(id) = ids.iter().find(|id| !p.preset_tags.contains_key(*id)) {
            return Err(bad_value(format!("preset tag not exist: {id}")));
        }
    }
    let now = ctx.unix_secs();
    if let Some(found) = p.materials.get_mut(&r.material_id) {
        if let Some(class_id) = r.class_id {
            found.class_id = class_id;
        }
        if let Some(name) = r.name {
            found.name = name;
        }
        if let Some(ids) = r.preset_tag_ids {
            found.preset_tag_ids = dedup(ids);
        }
        if let Some(tags) = r.tags {
            found.tags = dedup(tags);
        }
        found.update_time = now;
    }
    Ok(ModifyMaterialData::default())
}

/// Checks a media name: not blank, at most [`NAME_MAX`] characters.
pub(super) fn check_name(name: &str) -> Result<(), Failure> {
    if name.trim().is_empty() {
        return Err(Failure::new(ErrorCode::InvalidParameterValueName).detail("Name is empty"));
    }
    if name.chars().count() > NAME_MAX {
        return Err(Failure::new(ErrorCode::InvalidParameterValueNameLenLimt)
            .detail(format!("Name is longer than {NAME_MAX} characters")));
    }
    Ok(())
}

fn dedup(items: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    items
        .into_iter()
        .filter(|i| seen.insert(i.clone()))
        .collect()
}

pub(super) fn list_media(
    svc: &Emulation,
    ctx: &Context,
    r: ListMediaRequest,
) -> Result<ListMediaData, Failure> {
    check_platform(&svc.store, ctx, r.platform.as_deref(), "Platform")?;
    let owner = owner_of(&r.owner, "Owner")?;
    let p = svc.platform(ctx)?;
    check_owner(&p, ctx, &owner)?;
    match p.classes.get(&r.class_id) {
        Some(class) if class.owner == owner => {}
        _ => return Err(no_class(r.class_id)),
    }
    let mut media: Vec<&Material> = p
        .materials
        .values()
        .filter(|m| m.class_id == r.class_id)
        .collect();
    newest_first(&mut media);
    let (offset, limit) = page(r.offset, r.limit, LIST_LIMIT);
    let mut data = ListMediaData::default();
    data.material_total_count = Some(media.len() as i64);
    data.material_info_set = paged(media, offset, limit)
        .into_iter()
        .map(|m| convert::material_info(&p, m, Detail::Basic))
        .collect();
    data.class_info_set = p
        .children(r.class_id)
        .into_iter()
        .map(|c| convert::class_info(&p, c))
        .collect();
    Ok(data)
}

fn newest_first(media: &mut [&Material]) {
    media.sort_by_key(|m| std::cmp::Reverse((m.create_time, m.seq)));
}

pub(super) fn describe_materials(
    svc: &Emulation,
    ctx: &Context,
    r: DescribeMaterialsRequest,
) -> Result<DescribeMaterialsData, Failure> {
    let sort = match &r.sort {
        Some(s) => Some(sort_of(Some(s), &["CreateTime", "UpdateTime"])?),
        None => None,
    };
    let sprite = r
        .filter_info
        .as_ref()
        .and_then(|f| f.need_image_sprite_info)
        .unwrap_or(false);
    let p = svc.platform(ctx)?;
    let mut found = Vec::new();
    let mut failed = Vec::new();
    let mut seen = BTreeSet::new();
    for id in &r.material_ids {
        if !seen.insert(id.as_str()) {
            continue;
        }
        match material(&p, ctx, id) {
            Ok(m) => found.push(m),
            Err(failure) => {
                let mut error = TfError::default();
                error.code = Some(failure.code().as_str().to_owned());
                error.message = Some(failure.message().to_owned());
                error.english_message = Some(failure.english_message().to_owned());
                let mut item = FailedMaterialInfo::default();
                item.material_id = Some(id.clone());
                item.error_info = Some(error);
                failed.push(item);
            }
        }
    }
    if let Some(sort) = sort {
        sort.order(&mut found, |m| (m.create_time, m.update_time, m.seq));
    }
    let mut data = DescribeMaterialsData::default();
    data.material_info_set = found
        .into_iter()
        .map(|m| convert::material_info(&p, m, Detail::Full { sprite }))
        .collect();
    data.failed_material_info_set = failed;
    Ok(data)
}

/// The filters shared by `SearchMaterial` and `SearchSharedMaterial`.
struct Filters {
    types: Option<Vec<MaterialType>>,
    text: Option<String>,
    resolutions: Option<Vec<Resolution>>,
    duration: Option<(i64, i64)>,
    created: Option<(i64, i64)>,
    preset_tag_ids: Option<Vec<String>>,
    tags: Option<Vec<String>>,
}

impl Filters {
    fn new(
        types: Option<Vec<MaterialType>>,
        text: Option<String>,
        resolutions: Option<Vec<Resolution>>,
        duration: Option<&IntegerRange>,
        created: Option<&TimeRange>,
        preset_tag_ids: Option<Vec<String>>,
        tags: Option<Vec<String>>,
    ) -> Result<Self, Failure> {
        let duration = match duration {
            Some(range) if range.lower_bound > range.upper_bound => {
                return Err(bad_value(
                    "DurationRange: LowerBound bigger than UpperBound",
                ))
            }
            Some(range) => Some((range.lower_bound, range.upper_bound)),
            None => None,
        };
        let created = match created {
            Some(range) => {
                let start = parse_iso8601(&range.start_time).ok_or_else(|| {
                    bad_value(format!(
                        "CreateTimeRange.StartTime {:?} is not an ISO 8601 time",
                        range.start_time
                    ))
                })?;
                let end = parse_iso8601(&range.end_time).ok_or_else(|| {
                    bad_value(format!(
                        "CreateTimeRange.EndTime {:?} is not an ISO 8601 time",
                        range.end_time
                    ))
                })?;
                if start > end {
                    return Err(documented_bad_value("starttime bigger than endtime"));
                }
                Some((start, end))
            }
            None => None,
        };
        Ok(Self {
            types: types.filter(|t| !t.is_empty()),
            text: text
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty()),
            resolutions: resolutions.filter(|r| !r.is_empty()),
            duration,
            created,
            preset_tag_ids: preset_tag_ids.filter(|t| !t.is_empty()),
            tags: tags.filter(|t| !t.is_empty()),
        })
    }

    fn matches(&self, m: &Material) -> bool {
        if let Some(types) = &self.types {
            if !types.iter().any(|t| t.as_str() == m.material_type) {
                return false;
            }
        }
        if self.text.is_some() && self.relevance(m) == 0 {
            return false;
        }
        if let Some(resolutions) = &self.resolutions {
            let ok = m
                .facts
                .resolution
                .as_deref()
                .is_some_and(|r| resolutions.iter().any(|x| x.as_str() == r));
            if !ok {
                return false;
            }
        }
        if let Some((lower, upper)) = self.duration {
            let ok = m
                .facts
                .duration
                .is_some_and(|d| d >= lower as f64 && d <= upper as f64);
            if !ok {
                return false;
            }
        }
        if let Some((start, end)) = self.created {
            if m.create_time < start || m.create_time > end {
                return false;
            }
        }
        if let Some(ids) = &self.preset_tag_ids {
            if !m.preset_tag_ids.iter().any(|id| ids.contains(id)) {
                return false;
            }
        }
        if let Some(tags) = &self.tags {
            if !m.tags.iter().any(|t| tags.contains(t)) {
                return false;
            }
        }
        true
    }

    /// How well the text matches: 4 the whole name, 3 its start, 2 part of it, 1 a tag, 0 no
    /// match (case-insensitive).
    fn relevance(&self, m: &Material) -> u8 {
        let Some(text) = &self.text else {
            return 0;
        };
        let name = m.name.to_lowercase();
        if &name == text {
            4
        } else if name.starts_with(text.as_str()) {
            3
        } else if name.contains(text.as_str()) {
            2
        } else if m
            .tags
            .iter()
            .any(|t| t.to_lowercase().contains(text.as_str()))
        {
            1
        } else {
            0
        }
    }

    /// Sorts the matches (by relevance when there is a text, as the service does) and takes a
    /// page.
    fn finish(
        &self,
        p: &Platform,
        mut found: Vec<&Material>,
        sort: Option<&SortBy>,
        offset: Option<i64>,
        limit: Option<i64>,
    ) -> Result<(i64, Vec<cme_sdk::types::MaterialInfo>), Failure> {
        let order = sort_of(sort, &["CreateTime", "UpdateTime"])?;
        order.order(&mut found, |m| (m.create_time, m.update_time, m.seq));
        if self.text.is_some() {
            found.sort_by_key(|m| std::cmp::Reverse(self.relevance(m)));
        }
        let total = found.len() as i64;
        let (offset, limit) = page(offset, limit, SEARCH_LIMIT);
        let items = paged(found, offset, limit)
            .into_iter()
            .map(|m| convert::material_info(p, m, Detail::Basic))
            .collect();
        Ok((total, items))
    }
}

pub(super) fn search_material(
    svc: &Emulation,
    ctx: &Context,
    r: SearchMaterialRequest,
) -> Result<SearchMaterialData, Failure> {
    if r.search_scopes.is_empty() {
        return Err(bad_value("SearchScopes is empty"));
    }
    let filters = Filters::new(
        r.material_types,
        r.text,
        r.resolutions,
        r.duration_range.as_ref(),
        r.create_time_range.as_ref(),
        r.preset_tag_ids,
        r.tags,
    )?;
    let mut p = svc.platform(ctx)?;
    let now = ctx.unix_secs();
    let mut classes = BTreeSet::new();
    for (i, scope) in r.search_scopes.iter().enumerate() {
        check_platform(
            &svc.store,
            ctx,
            scope.platform.as_deref(),
            &format!("SearchScopes[{i}].Platform"),
        )?;
        let owner = owner_of(&scope.owner, &format!("SearchScopes[{i}].Owner"))?;
        check_owner(&p, ctx, &owner)?;
        let start = match scope.class_id {
            Some(id) => match p.classes.get(&id) {
                Some(class) if class.owner == owner => id,
                _ => return Err(no_class(id)),
            },
            None => p.root_of(&owner, now),
        };
        classes.insert(start);
        if !scope.search_one_depth.unwrap_or(false) {
            classes.extend(p.descendants(start).iter().map(|c| c.class_id));
        }
    }
    let found: Vec<&Material> = p
        .materials
        .values()
        .filter(|m| classes.contains(&m.class_id) && filters.matches(m))
        .collect();
    let (total, items) = filters.finish(&p, found, r.sort.as_ref(), r.offset, r.limit)?;
    let mut data = SearchMaterialData::default();
    data.total_count = Some(total);
    data.material_info_set = items;
    Ok(data)
}

pub(super) fn search_shared_material(
    svc: &Emulation,
    ctx: &Context,
    r: SearchSharedMaterialRequest,
) -> Result<SearchSharedMaterialData, Failure> {
    let authorizer = owner_of(&r.authorizer, "Authorizer")?;
    let authorizee = owner_of(&r.authorizee, "Authorizee")?;
    let filters = Filters::new(
        r.material_types,
        r.text,
        r.resolutions,
        r.duration_range.as_ref(),
        r.create_time_range.as_ref(),
        r.preset_tag_ids,
        None,
    )?;
    let p = svc.platform(ctx)?;
    check_owner(&p, ctx, &authorizee)?;
    if !p
        .authorizations
        .iter()
        .any(|(from, to)| from == &authorizer && to == &authorizee)
    {
        return Err(denied(format!(
            "{authorizer} shares nothing with {authorizee}"
        )));
    }
    let found: Vec<&Material> = p
        .materials
        .values()
        .filter(|m| m.owner == authorizer && filters.matches(m))
        .collect();
    let (total, items) = filters.finish(&p, found, r.sort.as_ref(), r.offset, r.limit)?;
    let mut data = SearchSharedMaterialData::default();
    data.total_count = Some(total);
    data.material_info_set = items;
    Ok(data)
}
