//! Which kind a file is (docs/commands.md), as `kmslint check` decides it for files named on the command
//! line (pre-commit names every JSON and YAML file changed) and found by walking: a file that
//! does not parse is reported only when its top level declares a template or policy, and a
//! policy document is linted as a key policy only when its statements act on KMS.

use crate::common;

use std::fs;

use common::{Kmslint, Run, dir_with, root};

fn kmslint(dir: &std::path::Path, args: &[&str]) -> Run {
    Kmslint::new(dir, args)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join(".config"))
        .env("GIT_CONFIG_GLOBAL", dir.join(".gitconfig"))
        .run()
}

fn fixture(path: &str) -> Vec<u8> {
    fs::read(root().join("fixtures").join(path)).expect("fixture")
}

#[test]
fn files_that_do_not_parse_and_are_not_templates_never_fail_the_run() {
    let tsconfig = fixture("KMS001/good-tsconfig.json");
    let eslintrc = fixture("KMS001/good-eslintrc.yaml");
    let broken = fixture("KMS001/bad-template-with-comment.json");
    let settings = b"{\n  // editor settings\n  \"files.exclude\": {\"**/Statement\": true},\n}\n";
    let dir = dir_with(&[
        ("tsconfig.json", &tsconfig),
        (".eslintrc", &eslintrc),
        (".eslintrc.yml", &eslintrc),
        (".vscode/settings.json", settings),
        ("stack.json", &broken),
    ]);
    fs::create_dir(dir.path().join(".git")).expect(".git");
    let others = [
        "tsconfig.json",
        ".eslintrc",
        ".eslintrc.yml",
        ".vscode/settings.json",
    ];

    // Named, as pre-commit names them: skipped, said only with -v, exit 0.
    let mut args = vec!["check", "--select", "KMS001"];
    args.extend(others);
    let run = kmslint(dir.path(), &args);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("KMS001"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Checked 0 files (4 skipped)"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("note:"), "{}", run.stdout);
    args.push("-v");
    let run = kmslint(dir.path(), &args);
    assert_eq!(run.status, 0, "{}", run.stderr);
    for name in others {
        assert!(
            run.stdout.contains(&format!(
                "note: {name} was skipped: not a CloudFormation template or key policy (it does \
                 not parse, and has no top-level Resources, AWSTemplateFormatVersion or Statement)"
            )),
            "{name}: {}",
            run.stdout
        );
    }

    // Walked: the same (hidden files and directories are not walked at all).
    let run = kmslint(
        dir.path(),
        &["check", "--select", "KMS001", "-v", "tsconfig.json", "."],
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("note: tsconfig.json was skipped"),
        "{}",
        run.stdout
    );

    // A template that does not parse is still reported, named or walked.
    for paths in [["stack.json"], ["."]] {
        let mut args = vec!["check", "--select", "KMS001", "--format", "json"];
        args.extend(paths);
        let run = kmslint(dir.path(), &args);
        assert_eq!(run.status, 1, "{}", run.stderr);
        assert_eq!(
            common::codes_for(&run.json(), "stack.json"),
            ["KMS001"],
            "{}",
            run.stdout
        );
    }
}

#[test]
fn policy_documents_of_other_kinds_are_skipped_and_key_policies_linted() {
    let files = [
        ("identity.json", "KMS008/good-identity-policy.json"),
        ("trust.json", "KMS008/good-trust-policy.json"),
        ("bucket.json", "KMS008/good-bucket-policy.json"),
        ("scp.json", "KMS008/good-scp.json"),
        ("boundary.yaml", "KMS008/good-permissions-boundary.yaml"),
        ("mixed.json", "KMS008/bad-key-and-bucket.json"),
        ("key.json", "KMS008/good-key-policy.json"),
        ("key-arn.json", "KMS008/good-key-policy-key-arn.json"),
    ];
    let contents: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|(name, path)| (*name, fixture(path)))
        .collect();
    let refs: Vec<(&str, &[u8])> = contents.iter().map(|(n, c)| (*n, c.as_slice())).collect();
    let dir = dir_with(&refs);
    fs::create_dir(dir.path().join(".git")).expect(".git");
    let names: Vec<&str> = files.iter().map(|(name, _)| *name).collect();
    for walked in [false, true] {
        let mut args = vec!["check", "--select", "KMS", "--format", "json", "-v"];
        if walked {
            args.push(".");
        } else {
            args.extend(&names);
        }
        let run = kmslint(dir.path(), &args);
        let json = run.json();
        // Another kind of policy: not one finding (KMS203, KMS204, KMS208, KMS210 before).
        for name in [
            "identity.json",
            "trust.json",
            "bucket.json",
            "scp.json",
            "boundary.yaml",
        ] {
            assert!(
                common::codes_for(&json, name).is_empty(),
                "{name}: {}",
                run.stdout
            );
        }
        assert_eq!(json["summary"]["skipped"], 5, "{}", run.stdout);
        for (name, what) in [
            ("identity.json", "an identity-based policy"),
            ("scp.json", "an identity-based policy"),
            ("boundary.yaml", "an identity-based policy"),
            ("trust.json", "a role trust policy"),
            (
                "bucket.json",
                "a resource policy of another service (its statements act on s3)",
            ),
        ] {
            assert!(
                run.stderr
                    .contains(&format!("note: {name} was skipped: {what}")),
                "{name}: {}",
                run.stderr
            );
        }
        // Both kinds at once: one finding that says why, and nothing else.
        assert_eq!(common::codes_for(&json, "mixed.json"), ["KMS008"]);
        // Key policies are linted: `Resource` a key ARN is still a key policy (KMS208 says it).
        let key_arn = common::codes_for(&json, "key-arn.json");
        assert_eq!(key_arn, ["KMS208", "KMS208"], "{}", run.stdout);
        assert!(
            !common::codes_for(&json, "key.json").contains(&"KMS008".to_owned()),
            "{}",
            run.stdout
        );
        // Info findings do not fail the run; the key policies' warnings do.
        assert_eq!(run.status, 1, "{}", run.stderr);
    }
}
