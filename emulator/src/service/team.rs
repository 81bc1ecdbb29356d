//! Teams: describe teams, list the teams the ticket's user joined.

use cme_sdk::team::{
    DescribeJoinTeamsData, DescribeJoinTeamsRequest, DescribeTeamsData, DescribeTeamsRequest,
};
use cme_sdk::types::{JoinTeamInfo, TeamInfo, TeamRole};

use super::{denied, page, paged, Emulation};
use crate::dispatch::{Context, Failure};
use crate::state::Team;
use crate::time::format_iso8601;

/// Page size of `DescribeTeams` and `DescribeJoinTeams` when none is given.
const LIST_LIMIT: i64 = 20;

/// Describes teams a page at a time: the named ones the user is a member of (unknown IDs are
/// left out, a team the user is not in is `OperationDenied.PermissionDeny`), or without
/// `TeamIds` every team the user is in, oldest first.
pub(super) fn describe_teams(
    svc: &Emulation,
    ctx: &Context,
    r: DescribeTeamsRequest,
) -> Result<DescribeTeamsData, Failure> {
    let p = svc.platform(ctx)?;
    let mut teams: Vec<&Team> = Vec::new();
    match r.team_ids.as_deref().filter(|ids| !ids.is_empty()) {
        Some(ids) => {
            for id in ids {
                let Some(team) = p.teams.get(id) else {
                    continue;
                };
                if p.role_in(&ctx.user_id, id).is_none() {
                    return Err(denied(format!(
                        "user {} is not a member of team {id}",
                        ctx.user_id
                    )));
                }
                if !teams.iter().any(|t| t.team_id == team.team_id) {
                    teams.push(team);
                }
            }
        }
        None => {
            teams = p
                .teams
                .values()
                .filter(|team| p.role_in(&ctx.user_id, &team.team_id).is_some())
                .collect();
            teams.sort_by(|a, b| (a.create_time, &a.team_id).cmp(&(b.create_time, &b.team_id)));
        }
    }
    let (offset, limit) = page(r.offset, r.limit, LIST_LIMIT);
    let mut data = DescribeTeamsData::default();
    data.total_count = Some(teams.len() as i64);
    data.team_set = paged(teams, offset, limit)
        .into_iter()
        .map(|team| {
            let mut info = TeamInfo::default();
            info.team_id = Some(team.team_id.clone());
            info.name = Some(team.name.clone());
            info.member_count = Some(team.members.len() as i64);
            info.create_time = Some(format_iso8601(team.create_time));
            info.update_time = Some(format_iso8601(team.update_time));
            info
        })
        .collect();
    Ok(data)
}

pub(super) fn describe_join_teams(
    svc: &Emulation,
    ctx: &Context,
    r: DescribeJoinTeamsRequest,
) -> Result<DescribeJoinTeamsData, Failure> {
    let p = svc.platform(ctx)?;
    let mut joined: Vec<(&Team, &str)> = p
        .teams
        .values()
        .filter_map(|team| {
            p.role_in(&ctx.user_id, &team.team_id)
                .map(|role| (team, role))
        })
        .collect();
    joined.sort_by(|a, b| (a.0.create_time, &a.0.team_id).cmp(&(b.0.create_time, &b.0.team_id)));
    let (offset, limit) = page(r.offset, r.limit, LIST_LIMIT);
    let mut data = DescribeJoinTeamsData::default();
    data.total_count = Some(joined.len() as i64);
    data.team_set = paged(joined, offset, limit)
        .into_iter()
        .map(|(team, role)| {
            let mut info = JoinTeamInfo::default();
            info.team_id = Some(team.team_id.clone());
            info.name = Some(team.name.clone());
            info.member_count = Some(team.members.len() as i64);
            info.role = Some(TeamRole::from(role));
            info
        })
        .collect();
    Ok(data)
}
