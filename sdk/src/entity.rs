//! Owners, spelled out: `Entity::person(id)` and `Entity::team(id)`.

use crate::types::{Entity, EntityType};

impl Entity {
    /// A person, by user ID (`{"Type": "PERSON", "Id": user_id}`); [`Client::me`](crate::Client::me)
    /// is the signed-in user.
    pub fn person(user_id: impl Into<String>) -> Self {
        Self::new(EntityType::Person, user_id)
    }

    /// A team, by team ID (`{"Type": "TEAM", "Id": team_id}`).
    pub fn team(team_id: impl Into<String>) -> Self {
        Self::new(EntityType::Team, team_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_serialize_as_documented() {
        assert_eq!(
            serde_json::to_value(Entity::person("user_001")).unwrap(),
            serde_json::json!({"Type": "PERSON", "Id": "user_001"})
        );
        assert_eq!(
            serde_json::to_value(Entity::team("cmetid_1")).unwrap(),
            serde_json::json!({"Type": "TEAM", "Id": "cmetid_1"})
        );
    }
}
