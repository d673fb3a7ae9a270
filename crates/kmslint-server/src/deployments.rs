//! The deployment an open document's template is a stack of, and the links between that
//! deployment's stacks, so that it is linted as `kmslint check` lints it
//! (docs/deployments.md, "In the editor"): with its stack's Region, account and parameter
//! values, and with what it reaches of the other stacks (a key another stack exports).
//!
//! The deployment is the CDK cloud assembly the file is in, else its configuration's
//! `[[stacks]]` table. The assembly is found by looking for a `manifest.json` in the
//! directories [`assembly::enclosing_dirs`] gives, as `kmslint check` does for a template
//! named alone. Each assembly is read once and kept while its `manifest.json` is unchanged
//! (`cdk synth` writes it again), so a keystroke costs a few `stat`s, not a read of the
//! assembly.
//!
//! The links of a deployment are made over all its stacks ([`link::link`]), each template
//! read from its open buffer when it is open (unsaved edits count), else from its file, and
//! kept while what they were made from is unchanged: the same stacks, the same buffers (by
//! their edit, [`Buffer::edit`]) and the same modification times of the files not open. So a
//! keystroke in a template of a deployment makes them again (the link pass reads only the
//! templates that can offer something: `LINKING_WORDS` in kmslint-core's `link.rs`), one in
//! any other document does not look at them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use kmslint_core::config::{Settings, StackDecl};
use kmslint_core::deployment::{Stack, assembly, canonical, table};
use kmslint_core::link::{self, DeploymentLinks, StackFile};
use kmslint_core::source::read::DEFAULT_MAX_FILE_SIZE;

/// How many tables' links are kept.
const MAX_TABLES: usize = 16;

/// Which deployment a stack is of.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Source {
    /// A cloud assembly, by its `manifest.json`.
    Assembly(PathBuf),
    /// A `[[stacks]]` table, by its stacks' templates (resolved, in its order): the documents
    /// of the directories whose configurations have the same table (one extended by each)
    /// are of the same deployment.
    Table(Vec<PathBuf>),
}

/// An open document's text, as the links read it in place of its file.
#[derive(Clone, Copy)]
pub(super) struct Buffer<'a> {
    /// Changes at every edit of the document (a counter of the server's, since clients may
    /// not count versions).
    pub edit: u64,
    pub text: &'a str,
}

/// The open buffers by their file's resolved path ([`canonical`]).
pub(super) type Buffers<'a> = HashMap<&'a Path, Buffer<'a>>;

/// The assemblies read and the links made, kept while unchanged.
#[derive(Default)]
pub(super) struct Deployments {
    /// By the path of their `manifest.json`.
    assemblies: HashMap<PathBuf, Read>,
    linked: HashMap<Source, Linked>,
}

/// An assembly as read, while its manifest has this modification time.
struct Read {
    modified: Option<SystemTime>,
    /// Its stacks, in the assembly's order; empty when the `manifest.json` is not an
    /// assembly's (a web app's) or could not be read.
    stacks: Vec<Stack>,
    /// Each stack's template, resolved.
    templates: Vec<PathBuf>,
}

/// The links of a deployment and what they were made from.
struct Linked {
    stacks: Vec<Stack>,
    read: Vec<Origin>,
    links: DeploymentLinks,
}

/// Where a stack's template was read from when the links were made.
#[derive(Debug, PartialEq)]
enum Origin {
    Buffer(u64),
    /// Its file, with this modification time (`None`: not there, or no time).
    Disk(Option<SystemTime>),
}

/// The deployment of a document, and its settings there.
pub(super) struct Placed {
    pub source: Source,
    pub settings: Settings,
    /// The links were made again for this lint: the other open documents of the deployment
    /// may lint differently now.
    pub relinked: bool,
}

impl Deployments {
    /// The deployment whose stack `file`'s template is, and the settings it is linted with:
    /// `base` (its directory's settings), the stack's Region, account and parameters over
    /// them, and the links. `table` is the `[[stacks]]` of its configuration; an enclosing
    /// assembly comes first, as on the command line.
    pub(super) fn place(
        &mut self,
        file: &Path,
        table: &[StackDecl],
        base: &Settings,
        buffers: &Buffers<'_>,
    ) -> Option<Placed> {
        let file = canonical(file);
        if let Some((manifest, index)) = self.assembly_of(&file) {
            let read = &self.assemblies[&manifest];
            let source = Source::Assembly(manifest);
            let (settings, relinked) = linked_settings(
                &mut self.linked,
                &source,
                (&read.stacks, &read.templates),
                index,
                base,
                buffers,
            );
            return Some(Placed {
                source,
                settings,
                relinked,
            });
        }
        if table.is_empty() {
            return None;
        }
        let stacks = table::stacks(table);
        let templates: Vec<PathBuf> = stacks.iter().map(|s| canonical(&s.template)).collect();
        // The first stack naming the file, as `kmslint check` matches it.
        let index = templates.iter().position(|t| *t == file)?;
        let source = Source::Table(templates);
        if !self.linked.contains_key(&source) {
            // The links of tables no longer in any configuration (edited since) are dropped
            // when there are many: each edit of a table makes a new one.
            let tables = self.linked.keys().filter(|s| matches!(s, Source::Table(_)));
            if tables.count() >= MAX_TABLES {
                self.linked.retain(|s, _| matches!(s, Source::Assembly(_)));
            }
        }
        let Source::Table(templates) = &source else {
            return None;
        };
        let (settings, relinked) = linked_settings(
            &mut self.linked,
            &source,
            (&stacks, templates),
            index,
            base,
            buffers,
        );
        Some(Placed {
            source,
            settings,
            relinked,
        })
    }

    /// Forgets the links made (files changed on disk, as the client says): each is made
    /// again at the next lint of one of its stacks.
    pub(super) fn forget_links(&mut self) {
        self.linked.clear();
    }

    /// The nearest cloud assembly whose template `file` (resolved) is: its manifest and the
    /// stack's index. An assembly read again (its manifest changed) has its links dropped.
    fn assembly_of(&mut self, file: &Path) -> Option<(PathBuf, usize)> {
        for dir in assembly::enclosing_dirs(file) {
            let manifest = dir.join(assembly::MANIFEST);
            // No manifest here (the common case): one failed `stat`.
            if let Ok(meta) = std::fs::metadata(&manifest)
                && meta.is_file()
            {
                let modified = meta.modified().ok();
                // A time the system cannot give is never fresh: read again.
                let fresh = self
                    .assemblies
                    .get(&manifest)
                    .is_some_and(|read| modified.is_some() && read.modified == modified);
                if !fresh {
                    let stacks = assembly::stacks(dir, DEFAULT_MAX_FILE_SIZE);
                    let templates = stacks.iter().map(|s| canonical(&s.template)).collect();
                    self.linked.remove(&Source::Assembly(manifest.clone()));
                    let read = Read {
                        modified,
                        stacks,
                        templates,
                    };
                    self.assemblies.insert(manifest.clone(), read);
                }
                let read = &self.assemblies[&manifest];
                if let Some(index) = read.templates.iter().position(|t| t == file) {
                    return Some((manifest, index));
                }
            }
        }
        None
    }
}

/// The settings of stack `index` of the deployment `source`, whose stacks and resolved
/// templates are given, with the deployment's links (made again unless what they were made
/// from is unchanged); and whether they were made again.
fn linked_settings(
    linked: &mut HashMap<Source, Linked>,
    source: &Source,
    (stacks, templates): (&[Stack], &[PathBuf]),
    index: usize,
    base: &Settings,
    buffers: &Buffers<'_>,
) -> (Settings, bool) {
    // One `stat` for each template not open: a file saved by another program is read again.
    let read: Vec<Origin> = templates
        .iter()
        .map(|template| match buffers.get(template.as_path()) {
            Some(buffer) => Origin::Buffer(buffer.edit),
            None => Origin::Disk(std::fs::metadata(template).and_then(|m| m.modified()).ok()),
        })
        .collect();
    let current = linked
        .get(source)
        .filter(|l| l.stacks == stacks && l.read == read);
    let relinked = current.is_none();
    if relinked {
        // The absolute path is each template's name in the links: a finding's related place
        // in another file names it, and the server makes its URI from it.
        let files: Vec<StackFile> = stacks
            .iter()
            .zip(templates)
            .map(|(stack, template)| StackFile {
                stack: stack.clone(),
                shown: template.display().to_string(),
                text: buffers
                    .get(template.as_path())
                    .map(|buffer| buffer.text.to_owned()),
            })
            .collect();
        let links = link::link(files, DEFAULT_MAX_FILE_SIZE, false);
        linked.insert(
            source.clone(),
            Linked {
                stacks: stacks.to_vec(),
                read,
                links,
            },
        );
    }
    let settings = match (linked.get(source), stacks.get(index)) {
        (Some(l), Some(stack)) => l.links.settings(l.links.find(stack), stack, base),
        (None, Some(stack)) => stack.settings(base),
        (_, None) => base.clone(),
    };
    (settings, relinked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const MANIFEST: &str = r#"{"version": "48.0.0", "artifacts": {"App": {"type": "aws:cloudformation:stack",
        "environment": "aws://111111111111/us-east-2", "properties": {"templateFile": "App.template.json"}}}}"#;

    /// The deployment of `file` when it is in no configuration's table.
    fn place(deployments: &mut Deployments, file: &Path) -> Option<Placed> {
        deployments.place(file, &[], &Settings::default(), &Buffers::new())
    }

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
        let mut assemblies = Deployments::default();
        let region = |a: &mut Deployments| place(a, &template).and_then(|p| p.settings.region);
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
        assert!(place(&mut assemblies, &template).is_none());
    }

    /// The links of a table's deployment are kept while the stacks, the open buffers (by
    /// their edit) and the closed templates' modification times are the same; both templates
    /// are of the one deployment.
    #[test]
    fn links_are_made_again_only_when_what_they_were_made_from_changed() {
        let root = tempfile::tempdir().unwrap();
        let (keys, app) = (root.path().join("keys.yaml"), root.path().join("app.yaml"));
        std::fs::write(&keys, "Outputs:\n  A:\n    Value: x\n").unwrap();
        std::fs::write(&app, "Resources: {}\n").unwrap();
        let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        set_modified(&app, when);
        let decl = |name: &str, template: &Path| StackDecl {
            name: name.to_owned(),
            template: template.to_path_buf(),
            regions: vec!["eu-west-1".to_owned()],
            accounts: Vec::new(),
            parameters: Default::default(),
            deployer_arn: None,
        };
        let table = [decl("keys", &keys), decl("app", &app)];
        let mut deployments = Deployments::default();
        let mut place = |file: &Path, buffers: &Buffers<'_>| {
            let placed = deployments
                .place(file, &table, &Settings::default(), buffers)
                .expect("a stack of the table");
            assert_eq!(placed.settings.region.as_deref(), Some("eu-west-1"));
            assert!(placed.settings.links.is_some());
            (placed.source, placed.relinked)
        };
        let closed = Buffers::new();
        let (source, relinked) = place(&app, &closed);
        assert!(relinked);
        assert_eq!(place(&keys, &closed), (source.clone(), false));
        let open = |edit| {
            let text = "Outputs: {}\n";
            Buffers::from([(keys.as_path(), Buffer { edit, text })])
        };
        assert_eq!(place(&app, &open(1)), (source.clone(), true));
        assert_eq!(place(&app, &open(1)), (source.clone(), false));
        assert_eq!(place(&app, &open(2)), (source.clone(), true));
        set_modified(&app, when + Duration::from_secs(1));
        assert_eq!(place(&keys, &open(2)), (source, true));
    }

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
        let mut assemblies = Deployments::default();
        assert!(place(&mut assemblies, &deep.join("App.template.json")).is_none());
        assert!(assemblies.assemblies.is_empty());
        let near = repo.join("a/App.template.json");
        std::fs::write(&near, "{}").unwrap();
        std::fs::write(
            root.path().join(assembly::MANIFEST),
            MANIFEST.replace("App.template.json", "repo/a/App.template.json"),
        )
        .unwrap();
        assert!(place(&mut assemblies, &near).is_none());
        assert_eq!(assemblies.assemblies.len(), 1);
    }
}
