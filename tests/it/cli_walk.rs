//! Which files `kmslint check` reads and how it names them, as users of ruff expect:
//! `.gitignore` and friends honoured, `--force-exclude` for pre-commit, paths relative to the
//! current directory, a warning when nothing is found, `--show-files`, `--verbose`.

use crate::common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use common::{Kmslint, Run, UNROTATED_KEY, codes_for, dir_with};

/// Runs kmslint in `dir` with `HOME` and git's global configuration pointed into it, so that
/// neither a configuration file nor a global excludes file of the machine applies.
fn kmslint(dir: &Path, args: &[&str]) -> Run {
    Kmslint::new(dir, args)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join(".config"))
        .env("GIT_CONFIG_GLOBAL", dir.join(".gitconfig"))
        .run()
}

/// The paths with findings in a `--format json` run.
fn linted(run: &Run) -> BTreeSet<String> {
    run.json()["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["path"].as_str().expect("path").to_owned())
        .collect()
}

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| (*p).to_owned()).collect()
}

const KEY: &[u8] = UNROTATED_KEY.as_bytes();

/// A CDK-like repository: the source, the synthesized `cdk.out` (gitignored), a file that
/// `.git/info/exclude` names, one that `.ignore` names, and one the global excludes file
/// names.
fn cdk_repo() -> tempfile::TempDir {
    dir_with(&[
        ("src/key.yaml", KEY),
        ("cdk.out/Stack.template.json.yaml", KEY),
        ("scratch/key.yaml", KEY),
        ("vendored/key.yaml", KEY),
        ("global/key.yaml", KEY),
        (".gitignore", b"cdk.out/\n"),
        (".ignore", b"/vendored\n"),
        (".git/info/exclude", b"scratch\n"),
        (".gitconfig", b"[core]\n\texcludesFile = ~/global-ignore\n"),
        ("global-ignore", b"global/\n"),
    ])
}

#[test]
fn gitignore_ignore_and_git_excludes_are_honoured_and_no_ignore_turns_them_off() {
    let dir = cdk_repo();
    let run = kmslint(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert_eq!(linted(&run), set(&["src/key.yaml"]), "{}", run.stderr);
    assert_eq!(run.json()["summary"]["files"], 1);

    let run = kmslint(dir.path(), &["check", "--format", "json", "--no-ignore"]);
    assert_eq!(
        linted(&run),
        set(&[
            "cdk.out/Stack.template.json.yaml",
            "global/key.yaml",
            "scratch/key.yaml",
            "src/key.yaml",
            "vendored/key.yaml",
        ])
    );
    // A subdirectory walked is matched against the ignore files above it.
    fs::write(dir.path().join("src/.gitignore"), "generated.yaml\n").expect("write");
    fs::write(dir.path().join("src/generated.yaml"), KEY).expect("write");
    let run = kmslint(&dir.path().join("src"), &["check", "--format", "json", "."]);
    assert_eq!(linted(&run), set(&["key.yaml"]), "{}", run.stderr);

    // Outside a git repository `.gitignore` does not apply (as ripgrep's `require_git`);
    // `.ignore` does.
    fs::remove_dir_all(dir.path().join(".git")).expect("rm .git");
    let run = kmslint(dir.path(), &["check", "--format", "json"]);
    assert_eq!(
        linted(&run),
        set(&[
            "cdk.out/Stack.template.json.yaml",
            "global/key.yaml",
            "scratch/key.yaml",
            "src/generated.yaml",
            "src/key.yaml",
        ])
    );
}

/// A `.gitignore` from a pull request is read as git reads it: a link is not followed (to
/// `/dev/zero` it would never end), and a huge one is not read, each with a note.
#[cfg(unix)]
#[test]
fn ignore_files_that_are_links_or_huge_are_not_read() {
    let dir = dir_with(&[("key.yaml", KEY), ("sub/key.yaml", KEY)]);
    fs::create_dir(dir.path().join(".git")).expect(".git");
    std::os::unix::fs::symlink("/dev/zero", dir.path().join(".gitignore")).expect("symlink");
    fs::File::create(dir.path().join("sub/.gitignore"))
        .and_then(|f| f.set_len(4 << 30))
        .expect("sparse");
    let run = kmslint(dir.path(), &["check", "--format", "json"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert_eq!(linted(&run), set(&["key.yaml", "sub/key.yaml"]));
    let notes = run.stderr_lines("not read as an ignore file");
    assert_eq!(notes.len(), 2, "{}", run.stderr);
    assert!(notes[0].contains(".gitignore: not read as an ignore file: symbolic link"));
    assert!(notes[1].contains("sub/.gitignore: not read as an ignore file: larger than"));
}

#[test]
fn force_exclude_applies_exclude_and_gitignore_to_files_named_on_the_command_line() {
    let dir = dir_with(&[
        ("src/key.yaml", KEY),
        ("cdk.out/key.yaml", KEY),
        ("infra/cdk.out/key.yaml", KEY),
        ("build/key.yaml", KEY),
    ]);
    fs::create_dir(dir.path().join(".git")).expect(".git");
    fs::write(dir.path().join(".gitignore"), "build/\n").expect("write");
    // As pre-commit runs it: every file named.
    let named = [
        "check",
        "--format",
        "json",
        "src/key.yaml",
        "cdk.out/key.yaml",
        "infra/cdk.out/key.yaml",
        "build/key.yaml",
    ];
    let run_with = |extra: &[&str]| {
        let mut args = named.to_vec();
        args.extend_from_slice(extra);
        kmslint(dir.path(), &args)
    };
    let everything = set(&[
        "build/key.yaml",
        "cdk.out/key.yaml",
        "infra/cdk.out/key.yaml",
        "src/key.yaml",
    ]);
    // Without --force-exclude, a file named is linted, excluded or gitignored (as ruff).
    assert_eq!(linted(&run_with(&["--exclude", "cdk.out"])), everything);
    // Each way of writing the directory means it and all below it; a bare name matches at
    // any depth.
    for glob in ["cdk.out", "cdk.out/", "**/cdk.out"] {
        let run = run_with(&["--force-exclude", "--exclude", glob]);
        assert_eq!(run.status, 1, "{glob}: {}", run.stderr);
        assert_eq!(linted(&run), set(&["src/key.yaml"]), "{glob}");
    }
    // A glob with a `/` inside is anchored at the current directory.
    for glob in ["./cdk.out/", "./cdk.out/**", "cdk.out/**"] {
        let run = run_with(&["--force-exclude", "--exclude", glob]);
        assert_eq!(
            linted(&run),
            set(&["infra/cdk.out/key.yaml", "src/key.yaml"]),
            "{glob}"
        );
    }
    // The configuration's key does the same, and --no-force-exclude undoes it.
    fs::write(
        dir.path().join(".kmslint.toml"),
        "exclude = [\"cdk.out/\"]\nforce-exclude = true\n",
    )
    .expect("write");
    assert_eq!(linted(&run_with(&[])), set(&["src/key.yaml"]));
    assert_eq!(linted(&run_with(&["--no-force-exclude"])), everything);
    // --no-ignore keeps the excludes but not the ignore files.
    assert_eq!(
        linted(&run_with(&["--no-ignore"])),
        set(&["build/key.yaml", "src/key.yaml"])
    );
    // Walking applies the same globs: a bare name at any depth.
    fs::remove_file(dir.path().join(".kmslint.toml")).expect("rm");
    let run = kmslint(
        dir.path(),
        &["check", "--format", "json", "--exclude", "cdk.out/", "."],
    );
    assert_eq!(linted(&run), set(&["src/key.yaml"]));
}

#[test]
fn paths_are_shown_relative_to_the_current_directory_and_each_file_is_linted_once() {
    let dir = dir_with(&[("repo/src/key.yaml", KEY), ("other/key.yaml", KEY)]);
    let repo = dir.path().join("repo");
    fs::create_dir(repo.join(".git")).expect(".git");
    let absolute = repo.join("src/key.yaml");
    let absolute = absolute.to_str().expect("UTF-8 temp dir");
    // The unrotated key's two findings, in `format`, for `paths`.
    let check = |format: &str, paths: &[&str]| {
        let mut args = vec!["check", "--select", "KMS104,KMS105", "--format", format];
        args.extend_from_slice(paths);
        kmslint(&repo, &args)
    };
    let run = check(
        "json",
        &[
            absolute,
            "../repo/src/key.yaml",
            "./src/key.yaml",
            "src/key.yaml",
            "src",
            ".",
        ],
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(linted(&run), set(&["src/key.yaml"]));
    assert_eq!(json["summary"]["files"], 1, "linted once");
    assert_eq!(codes_for(&json, "src/key.yaml"), ["KMS104", "KMS105"]);
    // In every format: GitHub matches annotations against the files of the repository.
    let run = check("github", &[absolute]);
    assert!(
        run.stdout
            .starts_with("::warning file=src/key.yaml,line=2,"),
        "{}",
        run.stdout
    );
    let run = check("compact", &[absolute]);
    assert!(
        run.stdout.starts_with("src/key.yaml:2:3:"),
        "{}",
        run.stdout
    );
    // Outside the current directory, the path stays as given.
    let run = check("json", &["../other"]);
    assert_eq!(linted(&run), set(&["../other/key.yaml"]));
}

#[test]
fn a_run_that_finds_nothing_says_so_and_exits_0() {
    let dir = dir_with(&[("empty/README.md", b"nothing here\n"), ("key.yaml", KEY)]);
    fs::create_dir(dir.path().join(".git")).expect(".git");
    let warning = "kmslint: warning: no templates or key policies found";
    let run = kmslint(dir.path(), &["check", "empty"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(run.stderr_lines(warning).len(), 1, "{}", run.stderr);
    // Everything excluded: the same.
    let run = kmslint(dir.path(), &["check", "--exclude", "*.yaml", "."]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(run.stderr_lines(warning).len(), 1, "{}", run.stderr);
    // Something found: no warning.
    let run = kmslint(dir.path(), &["check", "."]);
    assert_eq!(run.status, 1);
    assert!(!run.stderr.contains(warning), "{}", run.stderr);
}

#[test]
fn show_files_lists_what_would_be_linted_and_exits_0() {
    let dir = cdk_repo();
    fs::write(dir.path().join("src/package.json"), "{}").expect("write");
    fs::write(dir.path().join("src/skip.yaml"), KEY).expect("write");
    let run = kmslint(
        dir.path(),
        &["check", "--show-files", "--exclude", "skip.yaml", "."],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    // The files the walk keeps, by extension (their content is not read), in path order.
    assert_eq!(run.stdout, "src/key.yaml\nsrc/package.json\n");
    // Named files, absolute or not, relative and once.
    let absolute = dir.path().join("src/key.yaml");
    let run = kmslint(
        dir.path(),
        &[
            "check",
            "--show-files",
            absolute.to_str().expect("UTF-8"),
            "src/key.yaml",
            "cdk.out/Stack.template.json.yaml",
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "cdk.out/Stack.template.json.yaml\nsrc/key.yaml\n"
    );
    // A missing path is still an error.
    let run = kmslint(dir.path(), &["check", "--show-files", "missing.yaml"]);
    assert_eq!(run.status, 2, "{}", run.stderr);
}

#[test]
fn files_skipped_as_not_templates_are_named_only_with_verbose() {
    let dir = dir_with(&[
        ("key.yaml", KEY),
        ("package.json", b"{\"name\": \"app\"}"),
        ("tsconfig.json", b"{}"),
    ]);
    fs::create_dir(dir.path().join(".git")).expect(".git");
    // As pre-commit runs it, and as a walk finds them.
    for paths in [vec!["key.yaml", "package.json", "tsconfig.json"], vec!["."]] {
        let mut args = vec!["check"];
        args.extend(&paths);
        let run = kmslint(dir.path(), &args);
        assert_eq!(run.status, 1, "{}", run.stderr);
        assert!(!run.stdout.contains("note:"), "{}", run.stdout);
        assert!(
            run.stdout.contains("Checked 1 file (2 skipped)"),
            "{}",
            run.stdout
        );
        for verbose in ["-v", "--verbose"] {
            let mut args = args.clone();
            args.push(verbose);
            let run = kmslint(dir.path(), &args);
            for name in ["package.json", "tsconfig.json"] {
                assert!(
                    run.stdout.contains(&format!("note: {name} was skipped:")),
                    "{}",
                    run.stdout
                );
            }
            assert!(run.stdout.contains("Checked 1 file (2 skipped)"));
        }
    }
}
