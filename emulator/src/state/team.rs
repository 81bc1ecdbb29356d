//! Membership: who may see and change what an owner owns.

use super::{Owner, Platform};

impl Platform {
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
}
