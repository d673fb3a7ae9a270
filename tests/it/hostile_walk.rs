//! Hostile inputs to discovery, reading, configuration and options: each attack runs beside a
//! template with a known finding, and must be refused with a note or a one-line error while the
//! other file is still linted. Bounds are counts and ratios (files visited, bytes, memory under
//! `ulimit -v`), never times; every run has a deadline after which it is killed as a hang.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{Kmslint, Run, UNROTATED_KEY, codes_for};

/// 64 MB: kmslint's default `--max-file-size`.
const DEFAULT_LIMIT: u64 = 64 << 20;

/// Runs kmslint in `dir` with `HOME` set to it, which keeps the configuration search inside
/// the temporary directory (`env` may set it elsewhere); with `memory_kb`, under `ulimit -v`
/// so a run that reads a file whole fails instead of succeeding.
fn kmslint(dir: &Path, args: &[&str], env: &[(&str, &Path)], memory_kb: Option<u64>) -> Run {
    let mut run = Kmslint::new(dir, args)
        .env("HOME", dir)
        .memory_kb(memory_kb);
    for (key, value) in env {
        run = run.env(key, value);
    }
    run.run()
}

/// A temporary directory holding `keys.yaml` (KMS104), marked as a repository root so no
/// configuration file above it applies.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir(dir.path().join(".git")).expect(".git");
    fs::write(dir.path().join("keys.yaml"), UNROTATED_KEY).expect("write");
    dir
}

/// A sparse file of `len` bytes: no disk space, but a size that reading would have to hold.
fn sparse(path: &Path, len: u64) {
    fs::File::create(path)
        .and_then(|f| f.set_len(len))
        .expect("sparse file");
}

fn assert_key_linted(json: &serde_json::Value) {
    assert!(
        codes_for(json, "keys.yaml").contains(&"KMS104".to_owned()),
        "keys.yaml keeps its finding: {json}"
    );
}

fn mkfifo(path: &Path) -> bool {
    let made = Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        common::skip("mkfifo is not available");
    }
    made
}

#[cfg(target_os = "linux")]
#[test]
fn a_file_over_the_limit_found_while_walking_is_skipped_without_being_read() {
    let dir = tree();
    // 4 GB, sixty-four times the limit, under a 1 GB address-space limit: reading it, or
    // reserving room for it, fails.
    let huge: u64 = 4 << 30;
    sparse(&dir.path().join("huge.yaml"), huge);
    sparse(&dir.path().join("just-over.json"), DEFAULT_LIMIT + 1);
    let memory_kb = 1 << 20;
    assert!(huge / 1024 >= 4 * memory_kb);
    let run = kmslint(
        dir.path(),
        &["check", "--format", "json", "."],
        &[],
        Some(memory_kb),
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    let json = run.json();
    assert_key_linted(&json);
    assert_eq!(json["summary"]["files"], 1, "only keys.yaml is linted");
    assert_eq!(json["summary"]["skipped"], 2, "both big files are counted");
    for name in ["huge.yaml", "just-over.json"] {
        let notes = run.stderr_lines(name);
        assert_eq!(notes.len(), 1, "{}", run.stderr);
        assert!(
            notes[0].contains("skipped: larger than the 64 MB limit"),
            "{}",
            notes[0]
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_file_over_the_limit_named_on_the_command_line_is_an_error_and_the_rest_is_linted() {
    let dir = tree();
    sparse(&dir.path().join("huge.yaml"), 4 << 30);
    let run = kmslint(
        dir.path(),
        &["check", "--format", "json", "huge.yaml", "keys.yaml"],
        &[],
        Some(1 << 20),
    );
    assert_eq!(run.status, 2, "{}", run.stderr);
    let lines = run.stderr_lines("huge.yaml");
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(lines[0].starts_with("kmslint: error: huge.yaml: larger than the 64 MB limit"));
    let json = run.json();
    assert_key_linted(&json);
    assert_eq!(json["summary"]["files"], 1);
}

#[test]
fn the_limit_is_set_by_the_option_or_the_configuration() {
    let dir = tree();
    // 2 KB of a real template (not sparse), over a 1 KB limit.
    let padding = format!("# {}\n", "x".repeat(2048));
    fs::write(
        dir.path().join("padded.yaml"),
        format!("{padding}{UNROTATED_KEY}"),
    )
    .expect("write");
    let run_with = |args: &[&str]| {
        let mut all = vec!["check", "--select", "KMS104,KMS105", "--format", "json"];
        all.extend_from_slice(args);
        all.push(".");
        kmslint(dir.path(), &all, &[], None)
    };
    let skipped_padded = |run: &Run| {
        assert_eq!(run.status, 1, "{}", run.stderr);
        let json = run.json();
        assert_key_linted(&json);
        assert!(codes_for(&json, "padded.yaml").is_empty());
        assert_eq!(json["summary"]["skipped"], 1);
        assert_eq!(run.stderr_lines("padded.yaml").len(), 1, "{}", run.stderr);
        assert!(
            run.stderr.contains("larger than the 1 KB limit"),
            "{}",
            run.stderr
        );
    };
    skipped_padded(&run_with(&["--max-file-size", "1KB"]));
    skipped_padded(&run_with(&["--max-file-size", "1024"]));
    fs::write(
        dir.path().join(".kmslint.toml"),
        "max-file-size = \"1KB\"\n",
    )
    .expect("write");
    skipped_padded(&run_with(&[]));
    // The command line wins over the file.
    let run = run_with(&["--max-file-size", "64MB"]);
    assert_eq!(
        codes_for(&run.json(), "padded.yaml"),
        ["KMS104", "KMS105"].map(String::from)
    );
    // A bad size is a configuration error naming the file and key.
    fs::write(
        dir.path().join(".kmslint.toml"),
        "max-file-size = \"1 parsec\"\n",
    )
    .expect("write");
    let run = run_with(&[]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains(".kmslint.toml: `max-file-size`:"),
        "{}",
        run.stderr
    );
    let run = kmslint(
        dir.path(),
        &[
            "check",
            "--select",
            "KMS104,KMS105",
            "--max-file-size",
            "0",
            ".",
        ],
        &[],
        None,
    );
    assert_eq!(run.status, 2, "{}", run.stderr);
}

/// Each way of naming a file kmslint reads besides the inputs, given something that is not a
/// bounded regular file: exit 2, one line naming it, in bounded memory, without blocking.
#[cfg(target_os = "linux")]
#[test]
fn configuration_and_parameters_files_must_be_bounded_regular_files() {
    let dir = tree();
    let fifo = dir.path().join("pipe.toml");
    let have_fifo = mkfifo(&fifo);
    sparse(&dir.path().join("huge.json"), 4 << 30);
    sparse(&dir.path().join("huge.toml"), 4 << 30);
    let mut cases = vec![
        ("--config", "/dev/zero", "not a regular file"),
        ("--parameters-file", "/dev/zero", "not a regular file"),
        // Configuration-like files have a limit of their own.
        ("--config", "huge.toml", "larger than 1 MB"),
        ("--parameters-file", "huge.json", "larger than 1 MB"),
    ];
    if have_fifo {
        cases.push(("--config", "pipe.toml", "not a regular file"));
        cases.push(("--parameters-file", "pipe.toml", "not a regular file"));
    }
    for (option, file, message) in cases {
        let run = kmslint(
            dir.path(),
            &["check", option, file, "keys.yaml"],
            &[],
            Some(1 << 20),
        );
        assert_eq!(run.status, 2, "{option} {file}: {}", run.stderr);
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{option} {file}: {}", run.stderr);
        assert!(
            lines[0].starts_with(&format!("kmslint: error: {file}: {message}")),
            "{option} {file}: {}",
            lines[0]
        );
        assert!(run.stdout.is_empty(), "a configuration error stops the run");
    }
    // The same files within the limit are read as before.
    fs::write(dir.path().join("params.json"), "{}").expect("write");
    let run = kmslint(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--parameters-file",
            "params.json",
            "keys.yaml",
        ],
        &[],
        None,
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert_key_linted(&run.json());
}

#[test]
fn jobs_are_clamped_to_four_per_core_with_a_note() {
    let dir = tree();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let run = kmslint(
        dir.path(),
        &["check", "--format", "json", "--jobs", "100000", "keys.yaml"],
        &[],
        None,
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert_key_linted(&run.json());
    let notes = run.stderr_lines("--jobs 100000");
    assert_eq!(notes.len(), 1, "{}", run.stderr);
    let used: usize = notes[0]
        .rsplit("using ")
        .next()
        .and_then(|n| n.trim().parse().ok())
        .expect("the note says how many threads are used");
    assert_eq!(used, 4 * cores, "{}", notes[0]);
    // Within the bound: no note.
    let run = kmslint(
        dir.path(),
        &["check", "--jobs", "2", "keys.yaml"],
        &[],
        None,
    );
    assert!(!run.stderr.contains("--jobs"), "{}", run.stderr);
}

/// Links to `/`, `/proc/self` and `/etc` inside the tree: only the tree is linted, with or
/// without `--follow-links`.
#[cfg(target_os = "linux")]
#[test]
fn links_out_of_the_tree_are_not_walked() {
    let dir = tree();
    let link = |target: &str, name: &str| {
        std::os::unix::fs::symlink(target, dir.path().join(name)).expect("symlink")
    };
    fs::create_dir(dir.path().join("d")).expect("mkdir");
    link("/", "root");
    link("/proc/self", "self");
    link("/etc", "d/etc");
    link("/etc/hostname", "hostname.yaml");
    for follow in [false, true] {
        let mut args = vec![
            "check",
            "--select",
            "KMS104,KMS105",
            "--format",
            "json",
            ".",
        ];
        if follow {
            args.push("--follow-links");
        }
        let run = kmslint(dir.path(), &args, &[], None);
        assert_eq!(run.status, 1, "{}", run.stderr);
        let json = run.json();
        assert_key_linted(&json);
        // Exactly the one file of the tree: nothing of the machine is visited.
        assert_eq!(json["summary"]["files"], 1, "{}", run.stderr);
        assert_eq!(json["diagnostics"].as_array().map(Vec::len), Some(2));
        assert_eq!(json["summary"]["skipped"], 1, "hostname.yaml, not read");
        let notes = run.stderr_lines("hostname.yaml");
        assert_eq!(notes.len(), 1, "{}", run.stderr);
        if follow {
            for name in ["root", "self", "d/etc", "hostname.yaml"] {
                assert!(
                    run.stderr
                        .contains(&format!("{name}: skipped: symbolic link leads outside")),
                    "{name}: {}",
                    run.stderr
                );
            }
        } else {
            assert!(notes[0].contains("not followed"), "{}", notes[0]);
        }
    }
    // Named on the command line, a link is followed.
    let run = kmslint(
        dir.path(),
        &[
            "check",
            "--select",
            "KMS104,KMS105",
            "--format",
            "json",
            "hostname.yaml",
            "keys.yaml",
        ],
        &[],
        None,
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert_eq!(
        run.json()["summary"]["skipped"],
        1,
        "read, and not a template"
    );
}

#[cfg(unix)]
#[test]
fn links_inside_the_tree_are_followed_with_follow_links_and_broken_ones_skipped() {
    let dir = tree();
    let link = |target: &str, name: &str| {
        std::os::unix::fs::symlink(target, dir.path().join(name)).expect("symlink")
    };
    fs::create_dir(dir.path().join("sub")).expect("mkdir");
    link("../keys.yaml", "sub/alias.yaml");
    link("nowhere.yaml", "dangling.yaml");
    link("loop-b.yaml", "loop-a.yaml");
    link("loop-a.yaml", "loop-b.yaml");
    link("..", "sub/up");
    let plain = kmslint(dir.path(), &["check", "--format", "json", "."], &[], None);
    assert_eq!(plain.status, 1, "{}", plain.stderr);
    let json = plain.json();
    assert_key_linted(&json);
    assert_eq!(json["summary"]["files"], 1);
    assert_eq!(
        json["summary"]["skipped"], 4,
        "each link that looks like an input"
    );
    assert_eq!(
        plain.stderr_lines("not followed").len(),
        4,
        "{}",
        plain.stderr
    );

    let followed = kmslint(
        dir.path(),
        &["check", "--format", "json", "--follow-links", "."],
        &[],
        None,
    );
    assert_eq!(
        followed.status, 1,
        "a broken link met while walking is not an error: {}",
        followed.stderr
    );
    let json = followed.json();
    assert_key_linted(&json);
    assert_eq!(
        codes_for(&json, "sub/alias.yaml"),
        codes_for(&json, "keys.yaml")
    );
    // keys.yaml and its alias; `sub/up` leads back into the tree and is not walked twice.
    assert_eq!(json["summary"]["files"], 2, "{}", followed.stderr);
    assert_eq!(json["summary"]["skipped"], 3);
    assert_eq!(
        followed
            .stderr_lines("dangling.yaml: skipped: symbolic link to nothing")
            .len(),
        1
    );
    for name in ["loop-a.yaml", "loop-b.yaml"] {
        assert_eq!(
            followed
                .stderr_lines(&format!("{name}: skipped: symbolic link"))
                .len(),
            1,
            "{}",
            followed.stderr
        );
    }
    assert_eq!(
        followed
            .stderr_lines("sub/up: skipped: symbolic link loop")
            .len(),
        1,
        "{}",
        followed.stderr
    );

    // Named on the command line, a broken link is an error.
    for name in ["dangling.yaml", "loop-a.yaml"] {
        let run = kmslint(
            dir.path(),
            &["check", "--format", "json", name, "keys.yaml"],
            &[],
            None,
        );
        assert_eq!(run.status, 2, "{name}: {}", run.stderr);
        assert_eq!(run.stderr_lines(name).len(), 1, "{}", run.stderr);
        assert_key_linted(&run.json());
    }
}

#[test]
fn the_configuration_search_stops_at_the_repository_root_and_home() {
    let outer = tempfile::tempdir().expect("temp dir");
    // Anyone could write this one, above the repository.
    fs::write(outer.path().join(".kmslint.toml"), "ignore = [\"KMS\"]\n").expect("write");
    let repo = outer.path().join("repo");
    fs::create_dir_all(repo.join("sub")).expect("mkdir");
    fs::write(repo.join("sub/keys.yaml"), UNROTATED_KEY).expect("write");
    let lint = |cwd: &Path, home: &Path| {
        let run = kmslint(
            cwd,
            &["check", "--format", "json", "keys.yaml"],
            &[("HOME", home)],
            None,
        );
        // The codes of KMS104 and KMS105 only, the two this key has: `--select` would override
        // the configuration files this test is about, so other rules are filtered out instead.
        let mut codes = codes_for(&run.json(), "keys.yaml");
        codes.retain(|c| c == "KMS104" || c == "KMS105");
        (run.status, codes)
    };
    let sub = repo.join("sub");
    let elsewhere = Path::new("/nonexistent-home");
    // A repository: `.git` as a directory, or as a file (worktrees, submodules).
    fs::create_dir(repo.join(".git")).expect(".git");
    assert_eq!(
        lint(&sub, elsewhere).0,
        1,
        "the file above the repository is ignored"
    );
    fs::remove_dir(repo.join(".git")).expect("rm .git");
    fs::write(repo.join(".git"), "gitdir: ../elsewhere\n").expect(".git file");
    assert!(lint(&sub, elsewhere).1.contains(&"KMS104".to_owned()));
    fs::remove_file(repo.join(".git")).expect("rm .git");
    // Not a repository, but below home: the search stops there.
    assert_eq!(lint(&sub, &repo).0, 1);
    // Neither: the file above applies (this is how it was found before).
    let (status, codes) = lint(&sub, elsewhere);
    assert_eq!((status, codes.len()), (0, 0));
    // A file at the root of the repository still applies.
    fs::create_dir(repo.join(".git")).expect(".git");
    fs::write(repo.join(".kmslint.toml"), "ignore = [\"KMS104\"]\n").expect("write");
    assert_eq!(lint(&sub, elsewhere).1, ["KMS105"]);
    // The summary names the configuration it used.
    let run = kmslint(&sub, &["check", "keys.yaml"], &[("HOME", elsewhere)], None);
    let summary = run
        .stdout
        .lines()
        .find(|l| l.starts_with("Checked"))
        .unwrap_or_default();
    assert!(
        summary.starts_with("Checked 1 file:") && summary.ends_with("repo/.kmslint.toml)"),
        "{summary}"
    );
}

#[test]
fn a_bad_exclude_glob_names_where_it_came_from() {
    let dir = tree();
    // Each glob is valid; together they are too large to compile.
    let alternatives: Vec<String> = (0..20_000).map(|i| format!("a{i}*b*c*d")).collect();
    let toml = format!("exclude = [\"{{{}}}\"]\n", alternatives.join(","));
    fs::write(dir.path().join(".kmslint.toml"), &toml).expect("write");
    let run = kmslint(dir.path(), &["check", "keys.yaml"], &[], None);
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(".kmslint.toml: `exclude`:"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("--exclude"), "{}", run.stderr);
    fs::write(dir.path().join(".kmslint.toml"), "exclude = [\"a[b\"]\n").expect("write");
    let run = kmslint(dir.path(), &["check", "keys.yaml"], &[], None);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains(".kmslint.toml: `exclude`: `a[b`"),
        "{}",
        run.stderr
    );
    // The same globs on the command line are blamed on the option.
    fs::remove_file(dir.path().join(".kmslint.toml")).expect("rm");
    let run = kmslint(
        dir.path(),
        &["check", "--exclude", "a[b", "keys.yaml"],
        &[],
        None,
    );
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.starts_with("kmslint: error: --exclude: `a[b`"),
        "{}",
        run.stderr
    );
}
