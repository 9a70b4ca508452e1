//! Drive's rules: what a name and a path may be, and the problems Drive
//! answers with.

use http::StatusCode;

use crate::problem::{CODE_UNKNOWN, Problem};

/// The longest name of a folder or file, in characters.
pub(crate) const MAX_NAME: usize = 256;

/// Why a Drive request failed.
#[derive(Debug)]
pub(crate) enum DriveProblem {
    /// No folder has this id.
    FolderNotFound(String),
    /// No file has this id.
    FileNotFound(String),
    /// The id is a file's, where a folder was asked for.
    NotAFolder(String),
    /// The id is a folder's, where a file was asked for.
    NotAFile(String),
    /// A folder on the way of a path does not exist (the path up to it).
    PathNotFound(String),
    /// The folder already holds an item of that name.
    AlreadyExists {
        /// The folder's path.
        path: String,
        /// The name.
        name: String,
    },
    /// A folder cannot move into itself or its own subfolders.
    MoveIntoItself(String),
    /// A field or header is not valid (its name, the message).
    Invalid(&'static str, String),
    /// The contents could not be stored or read (what failed).
    Storage(String),
    /// The upload's body ended before its `Content-Length`, or ran past it.
    LengthMismatch {
        /// The declared length.
        declared: u64,
        /// The bytes received.
        received: u64,
    },
}

impl From<DriveProblem> for Problem {
    fn from(problem: DriveProblem) -> Self {
        let not_found = |name: &str, title: &str, detail: String| {
            Problem::new(StatusCode::NOT_FOUND, name, CODE_UNKNOWN, title, detail)
        };
        match problem {
            DriveProblem::FolderNotFound(id) => not_found(
                "FolderNotFound",
                "Folder not found",
                format!("No folder with id {id} exists in Drive."),
            ),
            DriveProblem::FileNotFound(id) => not_found(
                "FileNotFound",
                "File not found",
                format!("No file with id {id} exists in Drive."),
            ),
            DriveProblem::NotAFolder(id) => {
                Problem::invalid_field("id", format!("The item {id} is a file, not a folder."))
            }
            DriveProblem::NotAFile(id) => {
                Problem::invalid_field("id", format!("The item {id} is a folder, not a file."))
            }
            DriveProblem::PathNotFound(path) => not_found(
                "FolderNotFound",
                "Folder not found",
                format!("The folder {path} does not exist in Drive."),
            ),
            DriveProblem::AlreadyExists { path, name } => Problem::new(
                StatusCode::CONFLICT,
                "ItemAlreadyExists",
                CODE_UNKNOWN,
                "Item already exists",
                format!("The folder {path} already holds an item named {name}."),
            ),
            DriveProblem::MoveIntoItself(path) => Problem::invalid_field(
                "path",
                format!("A folder cannot move into itself or its subfolders ({path})."),
            ),
            DriveProblem::Invalid(field, message) => Problem::invalid_field(field, message),
            DriveProblem::Storage(what) => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                CODE_UNKNOWN,
                "Drive storage failed",
                format!("The emulator's Drive store failed: {what}."),
            ),
            DriveProblem::LengthMismatch { declared, received } => Problem::invalid_field(
                "Content-Length",
                format!("The body held {received} bytes where Content-Length declared {declared}."),
            ),
        }
    }
}

/// Checks a folder or file name (`field` names it in the problem): not
/// empty, at most [`MAX_NAME`] characters, no `/` or `\`, no control
/// characters, not `.` or `..`, no leading or trailing spaces.
pub(crate) fn check_name(field: &'static str, name: &str) -> Result<(), DriveProblem> {
    let invalid = |why: &str| DriveProblem::Invalid(field, format!("The name {name:?} {why}."));
    if name.is_empty() {
        return Err(DriveProblem::Invalid(
            field,
            "The name must not be empty.".to_owned(),
        ));
    }
    if name.chars().count() > MAX_NAME {
        return Err(invalid(&format!("is longer than {MAX_NAME} characters")));
    }
    if name.contains(['/', '\\']) || name.chars().any(char::is_control) {
        return Err(invalid("contains '/', '\\' or a control character"));
    }
    if name == "." || name == ".." || name.trim() != name {
        return Err(invalid("is not a valid name"));
    }
    Ok(())
}

/// Checks a folder path (`field` names it): absolute (`/`, `/a/b`), each
/// name valid.
pub(crate) fn check_path(field: &'static str, path: &str) -> Result<(), DriveProblem> {
    if !path.starts_with('/') {
        return Err(DriveProblem::Invalid(
            field,
            format!("The path {path:?} must start with '/'."),
        ));
    }
    path.split('/')
        .filter(|name| !name.is_empty())
        .try_for_each(|name| check_name(field, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths_are_checked() {
        assert!(check_name("name", "q4 report.csv").is_ok());
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "a\\b",
            " a",
            "a\u{0}",
            &"x".repeat(257),
        ] {
            assert!(check_name("name", bad).is_err(), "{bad:?}");
        }
        assert!(check_path("path", "/").is_ok());
        assert!(check_path("path", "/a/b/").is_ok());
        assert!(check_path("path", "a/b").is_err());
        assert!(check_path("path", "/a/../b").is_err());
        let problem = Problem::from(DriveProblem::AlreadyExists {
            path: "/a".to_owned(),
            name: "b".to_owned(),
        });
        assert_eq!(problem.status, StatusCode::CONFLICT);
        assert!(problem.detail.contains("/a already holds an item named b"));
    }
}
