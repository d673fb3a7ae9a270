//! `kmslint check --since REV` (issue 15), as a user runs it: each file compared with its
//! version at a revision, what is not compared and why, and git's part.
//!
//! These tests run the real `git`, with the user's global and system configuration kept out.
//! Without git installed they fail, loudly: CI has it.

use crate::cli_diff::{DOOMED, old_template};
use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{CLEAN_KEY, Kmslint, Run, UNROTATED_KEY, codes, codes_for, dir_with};

/// A scratch git repository (`repo/`) beside a home of its own (`home/`), so that neither
/// the machine's git configuration nor its kmslint configuration applies.
struct Repo {
    tmp: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let tmp = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(tmp.path().join("repo")).expect("mkdir");
        std::fs::create_dir_all(tmp.path().join("home")).expect("mkdir");
        let repo = Repo { tmp };
        repo.git(&["init", "-q"]);
        repo.git(&["config", "user.name", "kmslint tests"]);
        repo.git(&["config", "user.email", "tests@kmslint.invalid"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    fn path(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }

    fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    /// Runs git in the repository, failing the test (loudly, also when git is missing).
    fn git(&self, args: &[&str]) -> String {
        let output = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap_or_else(|e| {
                panic!("git is needed by these tests and could not be run (install git): {e}")
            });
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Writes `files` (None deletes one) and commits everything.
    fn commit(&self, files: &[(&str, Option<&str>)], message: &str) {
        for (name, content) in files {
            let path = self.path().join(name);
            match content {
                Some(text) => {
                    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                    std::fs::write(&path, text).expect("write");
                }
                None => std::fs::remove_file(&path).expect("remove"),
            }
        }
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// kmslint in `dir` (the repository or a directory of it) with the scratch home; a `check`
    /// runs only the rules these tests are about ([`SINCE_RULES`]).
    fn kmslint_in(&self, dir: &Path) -> impl Fn(&[&str]) -> Kmslint + '_ {
        let dir = dir.to_owned();
        move |args: &[&str]| {
            let mut args = args.to_vec();
            if args.first() == Some(&"check") {
                args.extend(["--select", SINCE_RULES]);
            }
            Kmslint::new(&dir, &args)
                .env("HOME", self.home())
                .env("XDG_CONFIG_HOME", self.home().join(".config"))
                .env("GIT_CONFIG_NOSYSTEM", "1")
        }
    }

    fn kmslint(&self, args: &[&str]) -> Run {
        self.kmslint_in(&self.path())(args).run()
    }
}

/// The rules the repositories below have findings of: KMS104 and KMS105 on a key without
/// rotation or retention, the change rules KMS502 (a key deleted) and KMS504 (its retention
/// removed). `check --since` runs only these, so a new rule does not change what is asserted.
const SINCE_RULES: &str = "KMS104,KMS105,KMS502,KMS504";

/// A repository whose last commit removed `Doomed` from `templates/keys.yaml` and added
/// `templates/new.yaml` (with KMS104 and KMS105 of its own).
fn repo_with_a_deleted_key() -> Repo {
    let repo = Repo::new();
    repo.commit(
        &[("templates/keys.yaml", Some(&old_template()))],
        "two keys",
    );
    repo.commit(
        &[
            ("templates/keys.yaml", Some(CLEAN_KEY)),
            ("templates/new.yaml", Some(UNROTATED_KEY)),
        ],
        "one key deleted, one file added",
    );
    repo
}

#[test]
fn since_compares_each_file_with_its_version_at_the_revision() {
    let repo = repo_with_a_deleted_key();
    let run = repo.kmslint(&["check", "--since", "HEAD~1", "--format", "json"]);
    let json = run.json();
    // The new file is linted as always, and not compared: no change rule fires on it.
    assert_eq!(
        codes_for(&json, "templates/new.yaml"),
        ["KMS104", "KMS105"],
        "{run:?}"
    );
    assert_eq!(
        codes_for(&json, "templates/keys.yaml"),
        ["KMS502"],
        "{run:?}"
    );
    assert_eq!(run.status, 1, "{run:?}");
}

#[test]
fn since_summary_counts_the_files_compared_and_the_new_ones() {
    let repo = repo_with_a_deleted_key();
    let run = repo.kmslint(&["check", "--since", "HEAD~1"]);
    assert!(
        run.stdout
            .contains("(compared with HEAD~1: 2 files, 1 new)"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    // From a directory inside the repository, with a path relative to it, the file is found
    // in the repository all the same.
    let templates = repo.path().join("templates");
    let run = repo.kmslint_in(&templates)(&["check", "--since", "HEAD~1", "keys.yaml"]).run();
    assert!(
        run.stdout.contains("(compared with HEAD~1: 1 file)"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let run = repo.kmslint_in(&templates)(&[
        "check",
        "--since",
        "HEAD~1",
        "keys.yaml",
        "--format",
        "json",
    ])
    .run();
    assert_eq!(codes_for(&run.json(), "keys.yaml"), ["KMS502"], "{run:?}");
}

#[test]
fn since_with_no_change_finds_nothing_new() {
    let repo = repo_with_a_deleted_key();
    let run = repo.kmslint(&[
        "check",
        "--since",
        "HEAD",
        "templates/keys.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(codes(&run), Vec::<String>::new(), "{run:?}");
    assert_eq!(run.status, 0, "{run:?}");
}

#[test]
fn since_a_bad_revision_fails() {
    let repo = repo_with_a_deleted_key();
    // `-p` would be an option of git's: it is refused before git sees it.
    for rev in ["origin/main", "no-such-branch", "-p", "HEAD~5"] {
        let run = repo.kmslint(&["check", &format!("--since={rev}")]);
        assert_eq!(run.status, 2, "{rev}: {run:?}");
        assert!(
            run.stderr.starts_with(&format!(
                "kmslint: error: --since {rev}: not a git revision"
            )),
            "{rev}: {}",
            run.stderr
        );
        assert_eq!(run.stdout, "", "{rev}: nothing is linted");
    }
}

#[test]
fn since_outside_a_git_repository_fails() {
    let dir = dir_with(&[("keys.yaml", CLEAN_KEY.as_bytes())]);
    // git looks no higher than the temporary directory, whatever holds it.
    let ceiling = dir.path().parent().expect("parent").to_owned();
    let run = Kmslint::new(dir.path(), &["check", "--since", "HEAD"])
        .env("GIT_CEILING_DIRECTORIES", &ceiling)
        .run();
    assert_eq!(run.status, 2, "{run:?}");
    assert!(
        run.stderr.starts_with(
            "kmslint: error: --since HEAD: the current directory is not in a git work tree"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn since_without_git_on_path_fails() {
    let repo = repo_with_a_deleted_key();
    let empty = repo.home().join("empty-bin");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let run = repo.kmslint_in(&repo.path())(&["check", "--since", "HEAD~1"])
        .env("PATH", &empty)
        .run();
    assert_eq!(run.status, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        "kmslint: error: --since HEAD~1: git is not installed or not on PATH (it is run to read files at the revision)\n"
    );
}

#[test]
fn since_says_when_an_old_version_cannot_be_compared() {
    let repo = Repo::new();
    repo.commit(&[("keys.yaml", Some("Resources:\n  Key: [\n"))], "broken");
    repo.commit(&[("keys.yaml", Some(CLEAN_KEY))], "fixed");
    let run = repo.kmslint(&["check", "--since", "HEAD~1"]);
    // The file is linted (clean), and the comparison that did not happen is said.
    assert_eq!(run.status, 0, "{run:?}");
    assert!(
        run.stderr.starts_with(
            "kmslint: warning: keys.yaml at HEAD~1 was not compared: it does not parse (line "
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("(compared with HEAD~1: 0 files, 1 not compared)"),
        "{}",
        run.stdout
    );
    // An old version past --max-file-size is not read.
    let repo = Repo::new();
    let padded = format!("{}{}", "# padding\n".repeat(300), old_template());
    repo.commit(&[("keys.yaml", Some(&padded))], "large");
    repo.commit(&[("keys.yaml", Some(CLEAN_KEY))], "small");
    let run = repo.kmslint(&["check", "--since", "HEAD~1", "--max-file-size", "2KB"]);
    assert_eq!(run.status, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("keys.yaml at HEAD~1 was not compared: it is larger than the 2 KB limit"),
        "{}",
        run.stderr
    );
}

#[test]
fn since_files_outside_the_repository_are_not_compared() {
    let repo = repo_with_a_deleted_key();
    let outside = repo.home().join("outside.yaml");
    std::fs::write(&outside, CLEAN_KEY).expect("write");
    let run = repo.kmslint(&[
        "check",
        "--since",
        "HEAD~1",
        outside.to_str().expect("UTF-8 temp path"),
    ]);
    assert_eq!(run.status, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("was not compared: it is outside the git repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn since_with_stdin_compares_the_path_named_by_stdin_filename() {
    let repo = repo_with_a_deleted_key();
    let named = repo.kmslint_in(&repo.path())(&[
        "check",
        "--since",
        "HEAD~1",
        "--stdin-filename",
        "templates/keys.yaml",
        "--format",
        "json",
    ])
    .stdin(CLEAN_KEY.as_bytes())
    .run();
    assert!(named.stderr.is_empty(), "{}", named.stderr);
    // Without a name, stdin has no path in the repository: linted, not compared, and said.
    let unnamed = repo.kmslint_in(&repo.path())(&["check", "--since", "HEAD~1", "-"])
        .stdin(CLEAN_KEY.as_bytes())
        .run();
    assert_eq!(unnamed.status, 0, "{unnamed:?}");
    assert!(
        unnamed
            .stderr
            .contains("stdin was not compared with HEAD~1: give its path with --stdin-filename"),
        "{}",
        unnamed.stderr
    );
    assert_eq!(
        codes_for(&named.json(), "templates/keys.yaml"),
        ["KMS502"],
        "{named:?}"
    );
}

#[test]
fn since_with_fix_fixes_and_still_compares() {
    let repo = Repo::new();
    repo.commit(
        &[("keys.yaml", Some(&format!("{UNROTATED_KEY}{DOOMED}")))],
        "two keys",
    );
    // `Doomed` is deleted in the working tree (not committed): --since HEAD reviews it, as a
    // pre-commit hook does.
    std::fs::write(repo.path().join("keys.yaml"), UNROTATED_KEY).expect("write");
    let run = repo.kmslint(&["check", "--since", "HEAD", "--fix", "--format", "json"]);
    let fixed = std::fs::read_to_string(repo.path().join("keys.yaml")).expect("read");
    assert!(fixed.ends_with("    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n"));
    // KMS104's fix is unsafe: it stays.
    let left = codes_for(&run.json(), "keys.yaml");
    assert!(left.contains(&"KMS104".to_owned()), "{run:?}");
    assert!(!left.contains(&"KMS105".to_owned()), "{run:?}");
    let mut left = left;
    left.sort();
    assert_eq!(left, ["KMS104", "KMS502"], "{run:?}");
}

#[test]
fn since_reads_many_files_through_one_batch() {
    // More old text than a pipe holds, so that git and kmslint must take turns; with one
    // worker and with several.
    let repo = Repo::new();
    let count = 300;
    let names: Vec<String> = (0..count).map(|i| format!("t/keys{i:03}.yaml")).collect();
    let old = old_template();
    let files: Vec<(&str, Option<&str>)> = names
        .iter()
        .map(|n| (n.as_str(), Some(old.as_str())))
        .collect();
    repo.commit(&files, "many");
    let files: Vec<(&str, Option<&str>)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                n.as_str(),
                Some(if i % 2 == 0 { CLEAN_KEY } else { old.as_str() }),
            )
        })
        .collect();
    repo.commit(&files, "half of the keys deleted");
    for jobs in ["1", "2", "8"] {
        let run = repo.kmslint(&["check", "--since", "HEAD~1", "-j", jobs]);
        assert!(
            run.stdout
                .contains(&format!("(compared with HEAD~1: {count} files)")),
            "-j {jobs}: {}",
            run.stdout
        );
        assert!(run.stderr.is_empty(), "-j {jobs}: {}", run.stderr);
    }
    let run = repo.kmslint(&["check", "--since", "HEAD~1", "--format", "json"]);
    let json = run.json();
    let paths: Vec<&str> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "KMS502")
        .map(|d| d["path"].as_str().expect("path"))
        .collect();
    let expected: Vec<&str> = names.iter().step_by(2).map(String::as_str).collect();
    // In path order, once each.
    assert_eq!(paths, expected);
}

#[test]
fn since_follows_no_renames() {
    let repo = Repo::new();
    repo.commit(&[("old-name.yaml", Some(&old_template()))], "keys");
    repo.git(&["mv", "old-name.yaml", "new-name.yaml"]);
    std::fs::write(repo.path().join("new-name.yaml"), CLEAN_KEY).expect("write");
    repo.commit(&[], "renamed, and a key deleted");
    // The renamed file is new at the revision: nothing is compared, so nothing is found.
    let run = repo.kmslint(&["check", "--since", "HEAD~1"]);
    assert_eq!(run.status, 0, "{run:?}");
    assert!(
        run.stdout.contains("(compared with HEAD~1: 1 file, 1 new)"),
        "{}",
        run.stdout
    );
}

/// A repository whose `.git/config` runs a program wherever git would let it (fsmonitor on
/// reading the index, a pager, hooks, an external diff, a textconv and a filter for YAML):
/// each creates the file `marker` beside the repository. kmslint's git commands must run none.
#[cfg(unix)]
#[test]
fn since_runs_nothing_the_repository_configures() {
    use std::os::unix::fs::PermissionsExt;
    let repo = repo_with_a_deleted_key();
    let marker = repo.tmp.path().join("marker");
    let script = repo.tmp.path().join("evil.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$0 $*\" >> '{}'\n", marker.display()),
    )
    .expect("write");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let evil = script.display().to_string();
    let hooks = repo.tmp.path().join("hooks");
    std::fs::create_dir_all(&hooks).expect("mkdir");
    for hook in [
        "post-checkout",
        "post-index-change",
        "reference-transaction",
    ] {
        std::fs::copy(&script, hooks.join(hook)).expect("hook");
    }
    for (key, value) in [
        ("core.fsmonitor", evil.as_str()),
        ("core.pager", evil.as_str()),
        ("core.hooksPath", &hooks.display().to_string()),
        ("diff.external", evil.as_str()),
        ("diff.yaml.textconv", evil.as_str()),
        ("filter.yaml.smudge", evil.as_str()),
        ("filter.yaml.clean", evil.as_str()),
        ("core.sshCommand", evil.as_str()),
    ] {
        repo.git(&["config", key, value]);
    }
    std::fs::write(
        repo.path().join(".gitattributes"),
        "*.yaml diff=yaml filter=yaml\n",
    )
    .expect("write");
    assert!(!marker.exists(), "the setup itself ran the script");
    let run = repo.kmslint(&["check", "--since", "HEAD~1", "--format", "json"]);
    assert_eq!(run.status, 1, "{run:?}");
    assert_eq!(
        codes_for(&run.json(), "templates/keys.yaml"),
        ["KMS502"],
        "{run:?}"
    );
    // Options and index lookups are refused before git sees them.
    for rev in [
        ":templates/keys.yaml",
        ":/one key",
        "HEAD:templates",
        "-x",
        "--output=/tmp/x",
    ] {
        let run = repo.kmslint(&["check", &format!("--since={rev}")]);
        assert_eq!(run.status, 2, "{rev}: {run:?}");
        assert!(
            run.stderr.starts_with(&format!(
                "kmslint: error: --since {rev}: not a git revision: "
            )),
            "{rev}: {}",
            run.stderr
        );
    }
    // Stdin compared with a file's version reads the same way.
    let run = repo.kmslint_in(&repo.path())(&[
        "check",
        "--since",
        "HEAD~1",
        "--stdin-filename",
        "templates/keys.yaml",
        "-",
    ])
    .stdin(CLEAN_KEY.as_bytes())
    .run();
    assert!(run.status == 1 || run.status == 0, "{run:?}");
    assert!(
        !marker.exists(),
        "git ran the repository's program: {}",
        std::fs::read_to_string(&marker).unwrap_or_default()
    );
}

/// A repository another user owns (a container's checkout, as CI runners make) is read when
/// the user's global git configuration trusts it with `safe.directory`, though git otherwise
/// runs without that configuration; without the entry, git's refusal is said. Giving a
/// repository away needs root, so elsewhere this test has nothing to check.
#[test]
fn since_honours_the_users_safe_directory() {
    use std::os::unix::fs::MetadataExt;
    if std::fs::metadata("/").map(|m| m.uid()).ok() != Some(0)
        || !Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
    {
        eprintln!("not root: a repository cannot be given to another user here");
        return;
    }
    let repo = repo_with_a_deleted_key();
    let chown = Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(repo.path())
        .status()
        .expect("chown");
    assert!(chown.success());
    let refused = repo.kmslint(&["check", "--since", "HEAD~1", "--format", "json"]);
    assert_eq!(refused.status, 2, "{refused:?}");
    assert!(
        refused.stderr.contains("owned by another user")
            && refused.stderr.contains("safe.directory"),
        "{}",
        refused.stderr
    );
    std::fs::write(
        repo.home().join(".gitconfig"),
        format!("[safe]\n\tdirectory = {}\n", repo.path().display()),
    )
    .expect("write");
    let trusted = repo.kmslint(&["check", "--since", "HEAD~1", "--format", "json"]);
    assert_eq!(trusted.status, 1, "{trusted:?}");
    assert_eq!(
        codes_for(&trusted.json(), "templates/keys.yaml"),
        ["KMS502"],
        "{trusted:?}"
    );
}

/// Change review across stacks (docs/deployments.md): an export of a key that another stack
/// of the deployment still imports is removed: KMS508, an error naming the importing stack,
/// with the import in its file as a related location. Without `--since` nothing is said.
#[test]
fn since_an_export_still_imported_by_another_stack_is_an_error() {
    const TABLE: &str = "[[stacks]]\nname = \"keys\"\ntemplate = \"keys.yaml\"\nregion = \"eu-west-1\"\naccount = \"111122223333\"\n\n[[stacks]]\nname = \"app\"\ntemplate = \"app.yaml\"\nregion = \"eu-west-1\"\naccount = \"111122223333\"\n";
    const KEYS: &str = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n    Properties:\n      EnableKeyRotation: true\nOutputs:\n  KeyArn:\n    Value: !GetAtt Key.Arn\n    Export:\n      Name: !Sub ${AWS::StackName}-KeyArn\n";
    const APP: &str = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      KmsMasterKeyId: !ImportValue keys-KeyArn\n";
    let repo = Repo::new();
    repo.commit(
        &[
            (".kmslint.toml", Some(TABLE)),
            ("keys.yaml", Some(KEYS)),
            ("app.yaml", Some(APP)),
        ],
        "a key exported and imported",
    );
    let without_export = KEYS.split("Outputs:").next().expect("the resources");
    repo.commit(&[("keys.yaml", Some(without_export))], "export removed");
    let check = |args: &[&str]| {
        let mut all = vec!["check", "--format", "json", "--select", "KMS508"];
        all.extend_from_slice(args);
        Kmslint::new(&repo.path(), &all)
            .env("HOME", repo.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .run()
    };
    let run = check(&["--since", "HEAD~1"]);
    assert_eq!(run.status, 1, "{run:?}");
    let json = run.json();
    assert_eq!(codes_for(&json, "keys.yaml"), ["KMS508"], "{run:?}");
    let finding = &json["diagnostics"][0];
    let message = finding["message"].as_str().unwrap();
    assert!(
        message
            .starts_with("export `keys-KeyArn` (key `Key`) is removed, but stack app imports it"),
        "{message}"
    );
    assert_eq!(finding["related"][0]["path"], "app.yaml", "{finding:#}");
    assert_eq!(finding["related"][0]["start"]["line"], 5, "{finding:#}");
    // Not a change review: the export's removal is not looked at.
    assert_eq!(check(&[]).status, 0);
}

/// `kmslint access --since REV`: the matrix's changes since the revision, per key: `+` for a
/// principal that may now do more, `-` for less; a new file's keys are all gains; the JSON
/// follows the schema's `changes` form.
#[test]
fn access_since_prints_what_each_principal_gained_or_lost() {
    let old = "Resources:\n  DataKey:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Version: '2012-10-17'\n        Statement:\n          - Sid: Root\n            Effect: Allow\n            Principal:\n              AWS: arn:aws:iam::111122223333:root\n            Action: 'kms:*'\n            Resource: '*'\n          - Sid: Reports\n            Effect: Allow\n            Principal:\n              AWS: arn:aws:iam::111122223333:role/Reports\n            Action: kms:DescribeKey\n            Resource: '*'\n";
    let new = old
        .replace("role/Reports", "role/Audit")
        .replace("          - Sid: Reports", "          - Sid: Partner\n            Effect: Allow\n            Principal:\n              AWS: arn:aws:iam::444455556666:root\n            Action: kms:Decrypt\n            Resource: '*'\n          - Sid: Reports");
    let repo = Repo::new();
    repo.commit(&[("keys.yaml", Some(old))], "old");
    std::fs::write(repo.path().join("keys.yaml"), &new).expect("write");
    let args = [
        "access",
        "--no-config",
        "--account",
        "111122223333",
        "--since",
        "HEAD",
        "keys.yaml",
    ];
    let run = repo.kmslint(&args);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "keys.yaml: key `DataKey`, since HEAD:");
    assert!(
        lines.contains(&"  + arn:aws:iam::444455556666:root use: — -> allowed"),
        "{lines:#?}"
    );
    assert!(
        lines.contains(&"  + arn:aws:iam::111122223333:role/Audit read: — -> allowed"),
        "{lines:#?}"
    );
    assert!(
        lines.contains(&"  - arn:aws:iam::111122223333:role/Reports read: allowed -> —"),
        "{lines:#?}"
    );
    let mut json = args.to_vec();
    json.extend(["--format", "json"]);
    let document = repo.kmslint(&json).json();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("schema/kmslint-access.schema.json"))
            .expect("the schema"),
    )
    .expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    assert!(validator.is_valid(&document), "{document:#}");
    let changes = document["changes"].as_array().expect("changes");
    assert!(
        changes
            .iter()
            .any(|c| c["principal"] == "arn:aws:iam::444455556666:root"
                && c["capability"] == "use"
                && c["before"] == "not-allowed"
                && c["now"] == "allowed"),
        "{document:#}"
    );
    // Nothing changed since the new version is committed.
    repo.commit(&[("keys.yaml", Some(&new))], "new");
    let run = repo.kmslint(&args);
    assert_eq!(run.stdout, "No access changed since HEAD.\n");
}
