//! The pre-commit hook definitions (`.pre-commit-hooks.yaml` and the mirror's, in
//! `pre-commit-mirror/`), read with the core's YAML loader, and the command line pre-commit
//! builds from them run as pre-commit runs it: `entry`, then `args` (the user's `args:` from
//! .pre-commit-config.yaml replace the hook's), then the staged file names that match `files`
//! (<https://pre-commit.com/#hooks-entry>, <https://pre-commit.com/#config-args>).
//!
//! `--force-exclude` belongs to `entry`: in `args`, a user's `args: [--fail-level, error]`
//! dropped it and the files `.kmslint.toml` excludes were linted and failed the commit (issue
//! 23). `scripts/pre-commit-e2e.sh` runs the same override through real pre-commit.

use crate::common::{self, LOCKED_KEY, dir_with, kmslint};

use kmslint_core::source::{self, Format, Node};

/// The hook files, relative to the repository root.
const HOOK_FILES: [&str; 2] = [
    ".pre-commit-hooks.yaml",
    "pre-commit-mirror/.pre-commit-hooks.yaml",
];

/// What pre-commit reads of the `kmslint` hook in one hook file.
struct Hook {
    file: &'static str,
    entry: Vec<String>,
    args: Vec<String>,
    files: regex::Regex,
}

fn scalar(node: &Node<'_>, file: &str, key: &str) -> String {
    node.as_str()
        .unwrap_or_else(|| panic!("{file}: `{key}` is not a string"))
        .to_owned()
}

fn hook(file: &'static str) -> Hook {
    let text = std::fs::read_to_string(common::root().join(file)).expect("hook file readable");
    let loaded = source::load(&text, Format::Yaml);
    assert!(loaded.problems.is_empty(), "{file}: {:?}", loaded.problems);
    let root = loaded.root.expect("a YAML document");
    let hooks = root.as_seq().expect("a list of hooks");
    let hook = hooks
        .iter()
        .find(|h| h.get("id").and_then(Node::as_str) == Some("kmslint"))
        .unwrap_or_else(|| panic!("{file}: no hook with id kmslint"));
    let get = |key: &str| {
        hook.get(key)
            .unwrap_or_else(|| panic!("{file}: the hook has no `{key}`"))
    };
    let args = get("args")
        .as_seq()
        .unwrap_or_else(|| panic!("{file}: `args` is not a list"))
        .iter()
        .map(|a| scalar(a, file, "args"))
        .collect();
    Hook {
        file,
        // pre-commit splits `entry` as a shell would (shlex); it has no quotes here.
        entry: scalar(get("entry"), file, "entry")
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        args,
        files: regex::Regex::new(&scalar(get("files"), file, "files")).expect("`files` regex"),
    }
}

/// A repository whose `.kmslint.toml` excludes `vendor/`, with a template there that fails
/// (KMS204, an error) and a clean one in `src/`, as pre-commit stages them.
fn project() -> tempfile::TempDir {
    dir_with(&[
        (".kmslint.toml", b"exclude = [\"vendor/\"]\n"),
        ("vendor/key.yaml", LOCKED_KEY.as_bytes()),
        ("src/key.yaml", common::CLEAN_KEY.as_bytes()),
    ])
}

const STAGED: [&str; 2] = ["src/key.yaml", "vendor/key.yaml"];

/// The exit status of the command pre-commit runs for `hook`, with `user_args` in place of
/// the hook's `args` when given, on the staged files `files` matches (`re.search`).
fn run(dir: &std::path::Path, hook: &Hook, user_args: Option<&[&str]>) -> common::Run {
    assert_eq!(hook.entry[0], "kmslint", "{}", hook.file);
    let mut argv: Vec<&str> = hook.entry[1..].iter().map(String::as_str).collect();
    match user_args {
        Some(user) => argv.extend_from_slice(user),
        None => argv.extend(hook.args.iter().map(String::as_str)),
    }
    argv.extend(STAGED.iter().filter(|f| hook.files.is_match(f)));
    kmslint(dir, &argv)
}

#[test]
fn every_hook_carries_force_exclude_in_entry_not_args() {
    for file in HOOK_FILES {
        let hook = hook(file);
        assert_eq!(
            hook.entry,
            ["kmslint", "check", "--force-exclude"],
            "{file}"
        );
        assert!(hook.args.is_empty(), "{file}: args {:?}", hook.args);
        for name in STAGED {
            assert!(hook.files.is_match(name), "{file}: `files` skips {name}");
        }
    }
}

#[test]
fn a_user_args_override_still_excludes_what_kmslint_toml_excludes() {
    let dir = project();
    // Without --force-exclude, the excluded file named on the command line is linted and
    // fails: what a user's `args:` did when the flag was in the hook's `args`.
    let unforced = kmslint(
        dir.path(),
        &["check", "--fail-level", "error", STAGED[0], STAGED[1]],
    );
    assert_eq!(unforced.status, 1, "{}{}", unforced.stdout, unforced.stderr);
    assert!(unforced.stdout.contains("KMS204"), "{}", unforced.stdout);
    for file in HOOK_FILES {
        let hook = hook(file);
        // The last: `args` written for the old hooks, which told users to keep the flag there.
        let old_advice = &["--force-exclude", "--fail-level", "error"][..];
        for user_args in [None, Some(&["--fail-level", "error"][..]), Some(old_advice)] {
            let run = run(dir.path(), &hook, user_args);
            assert_eq!(
                run.status, 0,
                "{file}, args {user_args:?}:\n{}{}",
                run.stdout, run.stderr
            );
            assert!(!run.stdout.contains("KMS204"), "{file}: {}", run.stdout);
        }
    }
}
