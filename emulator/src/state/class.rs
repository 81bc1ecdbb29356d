//! The class tree of each owner: root classes, paths and descendants.

use super::{Class, Owner, Platform, PERSON_ROOT_NAME, TEAM_ROOT_NAME};

impl Platform {
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
}

#[cfg(test)]
mod tests {
    use crate::fixture::Fixture;
    use crate::state::{Owner, Platform, Store};

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
}
