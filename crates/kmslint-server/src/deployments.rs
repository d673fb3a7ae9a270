//! The stack an open document is the template of, so that it is linted with the stack's
//! Region, account and parameter values as `kmslint check` lints it (docs/deployments.md):
//! a stack of a CDK cloud assembly the file is in, else one its configuration's `[[stacks]]`
//! table declares.
//!
//! The assembly is found by looking for a `manifest.json` in the directories
//! [`assembly::enclosing_dirs`] gives, as `kmslint check` does for a template named alone.
//! Each assembly is read once and kept while its `manifest.json` is unchanged
//! (`cdk synth` writes it again), so a keystroke costs a few `stat`s, not a read of the
//! assembly.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use kmslint_core::config::StackDecl;
use kmslint_core::deployment::{self, Stack, assembly, canonical, table};
use kmslint_core::source::read::DEFAULT_MAX_FILE_SIZE;

/// The assemblies read, by the path of their `manifest.json`.
#[derive(Default)]
pub(super) struct Assemblies {
    read: HashMap<PathBuf, Read>,
}

/// An assembly as read, while its manifest has this modification time.
struct Read {
    modified: Option<SystemTime>,
    /// Its stacks by their template's resolved path; empty when the `manifest.json` is not
    /// an assembly's (a web app's) or could not be read.
    stacks: HashMap<PathBuf, Stack>,
}

impl Assemblies {
    /// The stack of the nearest cloud assembly whose template `file` is.
    fn stack_of(&mut self, file: &Path) -> Option<Stack> {
        let file = canonical(file);
        for dir in assembly::enclosing_dirs(&file) {
            let manifest = dir.join(assembly::MANIFEST);
            // No manifest here (the common case): one failed `stat`.
            if let Ok(meta) = std::fs::metadata(&manifest)
                && meta.is_file()
            {
                let modified = meta.modified().ok();
                // A time the system cannot give is never fresh: read again.
                let fresh = self
                    .read
                    .get(&manifest)
                    .is_some_and(|read| modified.is_some() && read.modified == modified);
                if !fresh {
                    let stacks = assembly::stacks_by_template(dir, DEFAULT_MAX_FILE_SIZE);
                    self.read
                        .insert(manifest.clone(), Read { modified, stacks });
                }
                let read = &self.read[&manifest];
                if let Some(stack) = read.stacks.get(&file) {
                    return Some(stack.clone());
                }
            }
        }
        None
    }
}

/// The stack whose template `file` is: an assembly's, else the first of `table` (the
/// document's configuration's `[[stacks]]`) that declares it, matched by the file itself as
/// `kmslint check` matches it (a link and another spelling of the path are the same file).
pub(super) fn stack_of(
    file: &Path,
    table: &[StackDecl],
    assemblies: &mut Assemblies,
) -> Option<Stack> {
    if let Some(stack) = assemblies.stack_of(file) {
        return Some(stack);
    }
    if table.is_empty() {
        return None;
    }
    deployment::by_template(table::stacks(table)).remove(&canonical(file))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const MANIFEST: &str = r#"{"version": "48.0.0", "artifacts": {"App": {"type": "aws:cloudformation:stack",
        "environment": "aws://111111111111/us-east-2", "properties": {"templateFile": "App.template.json"}}}}"#;

    fn set_modified(path: &Path, time: SystemTime) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(time).unwrap();
    }

    /// An assembly is read again when its manifest's modification time changes, not at
    /// each lint.
    #[test]
    fn an_assembly_is_read_again_only_when_its_manifest_changes() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join(".git")).unwrap();
        let out = root.path().join("cdk.out");
        std::fs::create_dir(&out).unwrap();
        let manifest = out.join(assembly::MANIFEST);
        let template = out.join("App.template.json");
        std::fs::write(&manifest, MANIFEST).unwrap();
        std::fs::write(&template, "{}").unwrap();
        let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        set_modified(&manifest, when);
        let mut assemblies = Assemblies::default();
        let region = |a: &mut Assemblies| a.stack_of(&template).and_then(|s| s.region);
        assert_eq!(region(&mut assemblies).as_deref(), Some("us-east-2"));

        // Another manifest with the same time: the one read is kept.
        std::fs::write(&manifest, MANIFEST.replace("us-east-2", "eu-west-1")).unwrap();
        set_modified(&manifest, when);
        assert_eq!(region(&mut assemblies).as_deref(), Some("us-east-2"));
        set_modified(&manifest, when + Duration::from_secs(1));
        assert_eq!(region(&mut assemblies).as_deref(), Some("eu-west-1"));

        // A manifest that is no assembly's: no stack, and no panic.
        std::fs::write(&manifest, "{\"name\": \"web-app\"}").unwrap();
        set_modified(&manifest, when + Duration::from_secs(2));
        assert_eq!(assemblies.stack_of(&template), None);
    }

    /// Only the assemblies of the few directories up from the file
    /// ([`assembly::enclosing_dirs`]), not above the repository's root, are looked for.
    #[test]
    fn the_search_for_an_assembly_is_bounded() {
        let root = tempfile::tempdir().unwrap();
        let repo = root.path().join("repo");
        let deep = repo.join("a/b/c/d");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir(repo.join(".git")).unwrap();
        // An assembly naming a file too far down, and one above the repository.
        let far = MANIFEST.replace("App.template.json", "a/b/c/d/App.template.json");
        std::fs::write(repo.join(assembly::MANIFEST), &far).unwrap();
        std::fs::write(repo.join("cdk.out"), "{}").unwrap();
        std::fs::write(deep.join("App.template.json"), "{}").unwrap();
        let mut assemblies = Assemblies::default();
        assert_eq!(assemblies.stack_of(&deep.join("App.template.json")), None);
        assert!(assemblies.read.is_empty());
        let near = repo.join("a/App.template.json");
        std::fs::write(&near, "{}").unwrap();
        std::fs::write(
            root.path().join(assembly::MANIFEST),
            MANIFEST.replace("App.template.json", "repo/a/App.template.json"),
        )
        .unwrap();
        assert_eq!(assemblies.stack_of(&near), None);
        assert_eq!(assemblies.read.len(), 1);
    }
}
