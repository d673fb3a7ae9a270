//! `kmslint check --fix`, `--unsafe-fixes` and `--diff` as a user runs them: what is written,
//! what is printed, and the exit status.

use crate::common;

use common::{CLEAN_KEY, UNROTATED_KEY, dir_with, kmslint};

/// [`UNROTATED_KEY`] has a safe fix (KMS105: add the retain policies) and an unsafe one
/// (KMS104: turn rotation on).
fn read(dir: &tempfile::TempDir, name: &str) -> String {
    std::fs::read_to_string(dir.path().join(name)).expect("readable")
}

#[test]
fn fix_applies_safe_fixes_in_place_and_reports_what_is_left() {
    let dir = dir_with(&[("t.yaml", UNROTATED_KEY.as_bytes())]);
    let run = kmslint(
        dir.path(),
        &["check", "--fix", "t.yaml", "--format", "compact"],
    );
    assert_eq!(run.status, 1, "{run:?}");
    let fixed = read(&dir, "t.yaml");
    assert_eq!(
        fixed,
        format!("{UNROTATED_KEY}    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n")
    );
    assert!(run.stdout.contains("KMS104"), "{}", run.stdout);
    assert!(!run.stdout.contains("KMS105"), "{}", run.stdout);
    // Nothing more to do: a second run writes nothing.
    let again = kmslint(
        dir.path(),
        &["check", "--fix", "t.yaml", "--format", "compact"],
    );
    assert_eq!(again.status, 1);
    assert_eq!(read(&dir, "t.yaml"), fixed);
}

#[test]
fn unsafe_fixes_apply_only_when_asked() {
    let dir = dir_with(&[("t.yaml", UNROTATED_KEY.as_bytes())]);
    let run = kmslint(
        dir.path(),
        &[
            "check",
            "--fix",
            "--unsafe-fixes",
            "t.yaml",
            "--format",
            "compact",
        ],
    );
    assert_eq!(run.status, 0, "{run:?}");
    let fixed = read(&dir, "t.yaml");
    assert!(fixed.contains("      EnableKeyRotation: true\n"), "{fixed}");
    assert!(fixed.ends_with("    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n"));
    // The same findings as the clean template: none.
    let clean = dir_with(&[("t.yaml", CLEAN_KEY.as_bytes())]);
    assert_eq!(kmslint(clean.path(), &["check", "t.yaml"]).status, 0);
}

#[test]
fn diff_prints_the_change_and_writes_nothing() {
    let dir = dir_with(&[("t.yaml", UNROTATED_KEY.as_bytes())]);
    let run = kmslint(dir.path(), &["check", "--diff", "t.yaml"]);
    assert_eq!(run.status, 1, "{run:?}");
    assert!(
        run.stdout.starts_with("--- a/t.yaml\n+++ b/t.yaml\n@@"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("\n+    DeletionPolicy: Retain\n+    UpdateReplacePolicy: Retain\n")
    );
    assert!(
        !run.stdout.contains("EnableKeyRotation"),
        "unsafe fixes are not in the diff"
    );
    assert!(
        run.stderr.contains("would fix 1 finding in 1 file"),
        "{}",
        run.stderr
    );
    assert_eq!(read(&dir, "t.yaml"), UNROTATED_KEY);
    let clean = dir_with(&[("t.yaml", CLEAN_KEY.as_bytes())]);
    let run = kmslint(clean.path(), &["check", "--diff", "t.yaml"]);
    assert_eq!((run.status, run.stdout.as_str()), (0, ""));
}

#[test]
fn fix_on_stdin_prints_the_fixed_text_and_reports_on_stderr() {
    let dir = dir_with(&[]);
    let run = common::Kmslint::new(
        dir.path(),
        &[
            "check",
            "--fix",
            "--stdin-filename",
            "t.yaml",
            "--format",
            "compact",
        ],
    )
    .stdin(UNROTATED_KEY.as_bytes())
    .run();
    assert_eq!(
        run.stdout,
        format!("{UNROTATED_KEY}    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n")
    );
    assert!(run.stderr.contains("KMS104"), "{}", run.stderr);
    assert_eq!(run.status, 1);
}

#[test]
fn a_fixed_file_keeps_its_line_endings_and_byte_order_mark() {
    let crlf = format!("\u{FEFF}{}", UNROTATED_KEY.replace('\n', "\r\n"));
    let dir = dir_with(&[("t.yaml", crlf.as_bytes())]);
    kmslint(dir.path(), &["check", "--fix", "t.yaml"]);
    let bytes = std::fs::read(dir.path().join("t.yaml")).unwrap();
    let want = format!("{crlf}    DeletionPolicy: Retain\r\n    UpdateReplacePolicy: Retain\r\n");
    assert_eq!(String::from_utf8_lossy(&bytes), want);
}

#[test]
fn the_configuration_can_turn_fixing_on_and_the_command_line_off() {
    let config = b"fix = true\nunsafe-fixes = true\n";
    let dir = dir_with(&[
        ("t.yaml", UNROTATED_KEY.as_bytes()),
        (".kmslint.toml", config),
    ]);
    kmslint(dir.path(), &["check", "--no-fix", "t.yaml"]);
    assert_eq!(read(&dir, "t.yaml"), UNROTATED_KEY);
    let run = kmslint(dir.path(), &["check", "t.yaml"]);
    assert_eq!(run.status, 0, "{run:?}");
    assert!(read(&dir, "t.yaml").contains("EnableKeyRotation: true"));
}

#[test]
fn a_file_that_does_not_parse_is_left_as_it_is() {
    let broken = format!("{UNROTATED_KEY}  Other: [\n");
    let dir = dir_with(&[("t.yaml", broken.as_bytes())]);
    let run = kmslint(dir.path(), &["check", "--fix", "--unsafe-fixes", "t.yaml"]);
    assert_eq!(run.status, 1, "{run:?}");
    assert_eq!(read(&dir, "t.yaml"), broken);
}

/// Found by the fuzzer: a template the YAML loader reads only leniently (a closing bracket out
/// of place) gets no fixes, since an edit can tip its reading into something else.
#[test]
fn a_file_with_a_syntax_error_offers_no_fixes() {
    let text = "{\n  \"Resources\": {\n    \"Key\": {   \"Type\": \"AWS::KMS::Key\",\n    0 \"Properties\":  }\n    }\n  }\n}\n";
    let dir = dir_with(&[("t.yaml", text.as_bytes())]);
    let run = kmslint(dir.path(), &["check", "--format", "json", "t.yaml"]);
    let document = run.json();
    let findings = document["diagnostics"].as_array().expect("diagnostics");
    assert!(
        findings.iter().any(|d| d["code"] == "KMS001"),
        "{}",
        run.stdout
    );
    assert!(
        findings.iter().any(|d| d["code"] == "KMS105"),
        "{}",
        run.stdout
    );
    assert!(
        findings.iter().all(|d| d["fix"].is_null()),
        "{}",
        run.stdout
    );
    let diff = kmslint(dir.path(), &["check", "--diff", "--unsafe-fixes", "t.yaml"]);
    assert_eq!((diff.status, diff.stdout.as_str()), (0, ""));
}

/// `--fix` against links and permissions planted in the tree (docs/fixes.md): nothing
/// outside the directories named is written, and what is not written is said (exit 2), its
/// findings kept.
#[cfg(unix)]
mod writes {
    use super::common::{Kmslint, UNROTATED_KEY, dir_with, kmslint};
    use std::fs;
    use std::os::unix::fs::{PermissionsExt, symlink};
    use std::path::Path;

    const FIXED_TAIL: &str = "    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n";

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn is_link(path: &Path) -> bool {
        fs::symlink_metadata(path).unwrap().file_type().is_symlink()
    }

    #[test]
    fn links_under_the_old_temporary_names_are_not_followed() {
        let outside = dir_with(&[("hook", b"#!/bin/sh\necho mine\n")]);
        let victim = outside.path().join("hook");
        fs::set_permissions(&victim, fs::Permissions::from_mode(0o600)).unwrap();
        let tree = dir_with(&[("t.yaml", UNROTATED_KEY.as_bytes())]);
        // `.t.yaml.kmslint-fix.PID` was the temporary file: links for the PIDs the run is
        // likely to get (the next ones after this process's).
        let me = std::process::id();
        for pid in me..me + 3000 {
            symlink(
                &victim,
                tree.path().join(format!(".t.yaml.kmslint-fix.{pid}")),
            )
            .unwrap();
        }
        let before = names(tree.path());
        let run = kmslint(tree.path(), &["check", "--fix", "t.yaml"]);
        assert_eq!(run.status, 1, "{run:?}");
        assert_eq!(
            fs::read_to_string(&victim).unwrap(),
            "#!/bin/sh\necho mine\n"
        );
        assert_eq!(
            fs::metadata(&victim).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(!is_link(&tree.path().join("t.yaml")));
        let fixed = fs::read_to_string(tree.path().join("t.yaml")).unwrap();
        assert_eq!(fixed, format!("{UNROTATED_KEY}{FIXED_TAIL}"));
        // Nothing left behind, nothing of the links changed.
        assert_eq!(names(tree.path()), before);
    }

    #[test]
    fn a_template_linked_to_outside_is_reported_and_left_alone() {
        let outside = dir_with(&[("key.yaml", UNROTATED_KEY.as_bytes())]);
        let tree = dir_with(&[]);
        let link = tree.path().join("t.yaml");
        symlink(outside.path().join("key.yaml"), &link).unwrap();
        for args in [
            &["check", "--fix", "t.yaml"][..],
            &["check", "--fix", "--follow-links", "."][..],
        ] {
            let run = kmslint(tree.path(), args);
            assert_eq!(
                fs::read_to_string(outside.path().join("key.yaml")).unwrap(),
                UNROTATED_KEY,
                "{args:?}"
            );
            assert!(is_link(&link));
            assert_eq!(names(tree.path()), ["t.yaml"]);
            if args.contains(&"t.yaml") {
                // Named: read through the link, not written; its findings are all there.
                assert_eq!(run.status, 2, "{run:?}");
                assert!(
                    run.stderr
                        .contains("t.yaml: not fixed: it is a symbolic link to")
                        && run.stderr.contains("outside the directories named"),
                    "{}",
                    run.stderr
                );
                assert!(run.stdout.contains("KMS105"), "{}", run.stdout);
                assert!(
                    run.stdout.contains("1 file could not be written")
                        && !run.stdout.contains("fixed")
                        && !run.stdout.contains("could not be read"),
                    "{}",
                    run.stdout
                );
            }
        }
    }

    #[test]
    fn a_template_linked_inside_the_directory_is_fixed_at_its_target() {
        let tree = dir_with(&[("stacks/real.yaml", UNROTATED_KEY.as_bytes())]);
        let link = tree.path().join("stacks/t.yaml");
        symlink("real.yaml", &link).unwrap();
        let run = kmslint(tree.path(), &["check", "--fix", "stacks/t.yaml"]);
        assert_eq!(run.status, 1, "{run:?}");
        assert!(is_link(&link));
        assert_eq!(
            fs::read_to_string(tree.path().join("stacks/real.yaml")).unwrap(),
            format!("{UNROTATED_KEY}{FIXED_TAIL}")
        );
        assert_eq!(names(&tree.path().join("stacks")), ["real.yaml", "t.yaml"]);
        // Walked with --follow-links: the same.
        let tree = dir_with(&[("real/k.yaml", UNROTATED_KEY.as_bytes())]);
        symlink("real/k.yaml", tree.path().join("t.yaml")).unwrap();
        let run = kmslint(tree.path(), &["check", "--fix", "--follow-links", "t.yaml"]);
        assert_eq!(run.status, 1, "{run:?}");
        assert!(
            fs::read_to_string(tree.path().join("real/k.yaml"))
                .unwrap()
                .ends_with(FIXED_TAIL)
        );
    }

    #[test]
    fn a_file_that_cannot_be_written_keeps_its_findings_and_fails() {
        let tree = dir_with(&[
            ("ro/t.yaml", UNROTATED_KEY.as_bytes()),
            ("rw/t.yaml", UNROTATED_KEY.as_bytes()),
        ]);
        // A read-only directory stops anyone but root; `ulimit -f 0` stops root too.
        fs::set_permissions(tree.path().join("ro"), fs::Permissions::from_mode(0o555)).unwrap();
        let run = Kmslint::new(
            tree.path(),
            &["check", "--fix", "ro/t.yaml", "--select", "KMS104,KMS105"],
        )
        .no_file_writes()
        .run();
        fs::set_permissions(tree.path().join("ro"), fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(run.status, 2, "{run:?}");
        assert!(
            run.stderr
                .contains("kmslint: error: ro/t.yaml: not fixed: "),
            "{}",
            run.stderr
        );
        assert!(
            run.stdout.contains("KMS104") && run.stdout.contains("KMS105"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout
                .contains("Checked 1 file: 2 warnings; 1 file could not be written."),
            "{}",
            run.stdout
        );
        assert_eq!(
            fs::read_to_string(tree.path().join("ro/t.yaml")).unwrap(),
            UNROTATED_KEY
        );
        assert_eq!(names(&tree.path().join("ro")), ["t.yaml"]);
        // JSON: the failure among `errors`, the fixed count only of what was written.
        let run = Kmslint::new(
            tree.path(),
            &[
                "check",
                "--fix",
                "ro/t.yaml",
                "--format",
                "json",
                "--select",
                "KMS104,KMS105",
            ],
        )
        .no_file_writes()
        .run();
        let json = run.json();
        assert_eq!(json["summary"]["fixed"], 0, "{json}");
        assert_eq!(json["errors"][0]["path"], "ro/t.yaml", "{json}");
        assert_eq!(json["diagnostics"].as_array().unwrap().len(), 2, "{json}");
    }

    #[test]
    fn read_only_and_hard_linked_files_are_refused() {
        let tree = dir_with(&[
            ("ro.yaml", UNROTATED_KEY.as_bytes()),
            ("linked.yaml", UNROTATED_KEY.as_bytes()),
        ]);
        let ro = tree.path().join("ro.yaml");
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o444)).unwrap();
        let outside = dir_with(&[]);
        fs::hard_link(
            tree.path().join("linked.yaml"),
            outside.path().join("other"),
        )
        .unwrap();
        let run = kmslint(
            tree.path(),
            &[
                "check",
                "--fix",
                "ro.yaml",
                "linked.yaml",
                "--format",
                "compact",
            ],
        );
        assert_eq!(run.status, 2, "{run:?}");
        assert!(
            run.stderr.contains("ro.yaml: not fixed: it is read-only"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("linked.yaml: not fixed: it has 2 hard links"),
            "{}",
            run.stderr
        );
        assert_eq!(fs::read_to_string(&ro).unwrap(), UNROTATED_KEY);
        assert_eq!(
            fs::metadata(&ro).unwrap().permissions().mode() & 0o777,
            0o444
        );
        assert_eq!(
            fs::read_to_string(outside.path().join("other")).unwrap(),
            UNROTATED_KEY
        );
        assert_eq!(run.stdout.matches("KMS105").count(), 2, "{}", run.stdout);
    }

    #[test]
    fn reports_are_not_written_through_links() {
        let outside = dir_with(&[("victim", b"keep")]);
        let victim = outside.path().join("victim");
        let tree = dir_with(&[("t.yaml", UNROTATED_KEY.as_bytes())]);
        symlink(&victim, tree.path().join("report.sarif")).unwrap();
        let run = kmslint(
            tree.path(),
            &["check", "t.yaml", "--format", "sarif", "-o", "report.sarif"],
        );
        assert_eq!(run.status, 2, "{run:?}");
        assert!(
            run.stderr
                .contains("--output-file report.sarif: it is a symbolic link"),
            "{}",
            run.stderr
        );
        assert_eq!(fs::read(&victim).unwrap(), b"keep");
        // An absolute path outside the tree that is no link (the Action's runner temp).
        let report = outside.path().join("report.sarif");
        let run = kmslint(
            tree.path(),
            &[
                "check",
                "t.yaml",
                "--format",
                "sarif",
                "-o",
                report.to_str().unwrap(),
            ],
        );
        assert_eq!(run.status, 1, "{run:?}");
        assert!(fs::read_to_string(&report).unwrap().contains("KMS105"));
    }
}
