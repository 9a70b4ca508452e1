//! Drive's tree of folders and files: their metadata (ids, names, parent
//! folders, sizes, who made and changed them and when), looked up by id
//! or by path. Contents live elsewhere ([`super::contents`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::rules::DriveProblem;

/// A folder or a file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Item {
    /// The item's id (a GUID).
    pub(crate) id: String,
    /// The id of the folder holding it; `None` for the root folder's items.
    pub(crate) parent: Option<String>,
    /// The name, unique within its folder.
    pub(crate) name: String,
    /// Whether it is a folder (else a file).
    pub(crate) folder: bool,
    /// A file's size in bytes.
    pub(crate) size: Option<u64>,
    /// The user who created it.
    pub(crate) created_by: String,
    /// When it was created (UTC).
    #[serde(with = "crate::time_fmt::serde_lusid")]
    pub(crate) created_on: OffsetDateTime,
    /// The user who last changed it.
    pub(crate) updated_by: String,
    /// When it was last changed (UTC).
    #[serde(with = "crate::time_fmt::serde_lusid")]
    pub(crate) updated_on: OffsetDateTime,
}

/// Every item by id.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Tree {
    items: BTreeMap<String, Item>,
}

impl Tree {
    /// The item with this id.
    pub(crate) fn get(&self, id: &str) -> Option<&Item> {
        self.items.get(id)
    }

    /// The item with this id, for a change.
    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Item> {
        self.items.get_mut(id)
    }

    /// The folder with this id, or the problem saying it is missing or a
    /// file.
    pub(crate) fn folder(&self, id: &str) -> Result<&Item, DriveProblem> {
        match self.items.get(id) {
            Some(item) if item.folder => Ok(item),
            Some(_) => Err(DriveProblem::NotAFolder(id.to_owned())),
            None => Err(DriveProblem::FolderNotFound(id.to_owned())),
        }
    }

    /// The file with this id, or the problem saying it is missing or a
    /// folder.
    pub(crate) fn file(&self, id: &str) -> Result<&Item, DriveProblem> {
        match self.items.get(id) {
            Some(item) if !item.folder => Ok(item),
            Some(_) => Err(DriveProblem::NotAFile(id.to_owned())),
            None => Err(DriveProblem::FileNotFound(id.to_owned())),
        }
    }

    /// The items of folder `parent` (`None`: the root).
    pub(crate) fn children(&self, parent: Option<&str>) -> Vec<&Item> {
        self.items
            .values()
            .filter(|item| item.parent.as_deref() == parent)
            .collect()
    }

    /// Every item.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Item> {
        self.items.values()
    }

    /// The item named `name` in folder `parent`.
    pub(crate) fn child(&self, parent: Option<&str>, name: &str) -> Option<&Item> {
        self.items
            .values()
            .find(|item| item.parent.as_deref() == parent && item.name == name)
    }

    /// The folder at a path (`/` is the root, `None`); the problem names
    /// the first missing folder.
    pub(crate) fn resolve_folder(&self, path: &str) -> Result<Option<String>, DriveProblem> {
        let mut current: Option<String> = None;
        let mut walked = String::new();
        for name in path.split('/').filter(|name| !name.is_empty()) {
            walked.push('/');
            walked.push_str(name);
            match self.child(current.as_deref(), name) {
                Some(item) if item.folder => current = Some(item.id.clone()),
                _ => return Err(DriveProblem::PathNotFound(walked)),
            }
        }
        Ok(current)
    }

    /// The path of folder `id` (`None`: the root, `/`).
    pub(crate) fn path_of(&self, id: Option<&str>) -> String {
        let mut names = Vec::new();
        let mut current = id.and_then(|id| self.items.get(id));
        while let Some(item) = current {
            names.push(item.name.as_str());
            current = item.parent.as_deref().and_then(|id| self.items.get(id));
        }
        names.reverse();
        format!("/{}", names.join("/"))
    }

    /// Whether folder `id` is `ancestor` or lies inside it.
    pub(crate) fn is_within(&self, id: Option<&str>, ancestor: &str) -> bool {
        let mut current = id;
        while let Some(id) = current {
            if id == ancestor {
                return true;
            }
            current = self.items.get(id).and_then(|item| item.parent.as_deref());
        }
        false
    }

    /// Adds an item; the problem when its folder is missing or already
    /// holds that name.
    pub(crate) fn insert(&mut self, item: Item) -> Result<&Item, DriveProblem> {
        if let Some(parent) = item.parent.as_deref() {
            self.folder(parent)?;
        }
        if self.child(item.parent.as_deref(), &item.name).is_some() {
            return Err(DriveProblem::AlreadyExists {
                path: self.path_of(item.parent.as_deref()),
                name: item.name,
            });
        }
        let id = item.id.clone();
        Ok(self.items.entry(id).or_insert(item))
    }

    /// Checks a tree read from disk: each item under its own id (a plain
    /// file name, since a file's contents are `objects/<id>`), in a folder
    /// that exists, not inside itself, with a valid name unique in its
    /// folder; the first problem found, in words.
    pub(crate) fn check(&self) -> Result<(), String> {
        let mut names = std::collections::HashSet::new();
        for (key, item) in &self.items {
            if *key != item.id {
                return Err(format!("the item under {key} has the id {}", item.id));
            }
            if key.is_empty()
                || key.contains(['/', '\\'])
                || key.starts_with('.')
                || key.ends_with(".part")
            {
                return Err(format!("the id {key:?} is not a plain file name"));
            }
            if let Some(parent) = item.parent.as_deref()
                && self.folder(parent).is_err()
            {
                return Err(format!(
                    "the folder {parent} of {key} is not a folder in it"
                ));
            }
            if self.inside_itself(key) {
                return Err(format!("the item {key} is inside itself"));
            }
            super::rules::check_name("name", &item.name)
                .map_err(|_| format!("the item {key} has the invalid name {:?}", item.name))?;
            if !names.insert((item.parent.as_deref(), item.name.as_str())) {
                return Err(format!("two items of one folder are named {:?}", item.name));
            }
        }
        Ok(())
    }

    /// Whether walking up from item `id` comes back to it (or never ends).
    fn inside_itself(&self, id: &str) -> bool {
        let mut current = self.items.get(id).and_then(|item| item.parent.as_deref());
        for _ in 0..self.items.len() {
            match current {
                None => return false,
                Some(parent) if parent == id => return true,
                Some(parent) => {
                    current = self
                        .items
                        .get(parent)
                        .and_then(|item| item.parent.as_deref());
                }
            }
        }
        current.is_some()
    }

    /// Removes an item and, for a folder, everything in it; the removed
    /// items.
    pub(crate) fn remove(&mut self, id: &str) -> Vec<Item> {
        let doomed: Vec<String> = self
            .items
            .values()
            .filter(|item| self.is_within(Some(&item.id), id))
            .map(|item| item.id.clone())
            .collect();
        doomed
            .iter()
            .filter_map(|id| self.items.remove(id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, parent: Option<&str>, name: &str, folder: bool) -> Item {
        Item {
            id: id.to_owned(),
            parent: parent.map(str::to_owned),
            name: name.to_owned(),
            folder,
            size: (!folder).then_some(3),
            created_by: "u".to_owned(),
            created_on: OffsetDateTime::UNIX_EPOCH,
            updated_by: "u".to_owned(),
            updated_on: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn paths_resolve_and_removal_is_recursive() {
        let mut tree = Tree::default();
        tree.insert(item("a", None, "reports", true)).unwrap();
        tree.insert(item("b", Some("a"), "2026", true)).unwrap();
        tree.insert(item("c", Some("b"), "q4.csv", false)).unwrap();
        tree.insert(item("d", None, "other.csv", false)).unwrap();
        assert_eq!(
            tree.resolve_folder("/reports/2026/").unwrap().as_deref(),
            Some("b")
        );
        assert_eq!(tree.resolve_folder("/").unwrap(), None);
        assert!(matches!(
            tree.resolve_folder("/reports/2025"),
            Err(DriveProblem::PathNotFound(path)) if path == "/reports/2025"
        ));
        // A file is not a folder on the way.
        assert!(tree.resolve_folder("/other.csv").is_err());
        assert_eq!(tree.path_of(Some("b")), "/reports/2026");
        assert!(tree.is_within(Some("b"), "a"));
        assert!(!tree.is_within(Some("a"), "b"));
        assert!(matches!(
            tree.insert(item("e", Some("b"), "q4.csv", false)),
            Err(DriveProblem::AlreadyExists { .. })
        ));
        // An item cannot go into a folder that does not exist.
        assert!(matches!(
            tree.insert(item("f", Some("gone"), "x.csv", false)),
            Err(DriveProblem::FolderNotFound(id)) if id == "gone"
        ));
        let removed: Vec<String> = tree.remove("a").into_iter().map(|i| i.id).collect();
        assert_eq!(removed.len(), 3, "{removed:?}");
        assert!(tree.get("c").is_none());
        assert!(tree.get("d").is_some());
    }
}
