//! Configuration on the command line: invalid suppressions (KMS007), `[severity]` by prefix,
//! parameter values and their files, the nearest `.kmslint.toml` per file with `extend`, and
//! `--show-settings`.

use crate::common;

use common::{Kmslint, UNROTATED_KEY, codes_for, dir_with};

/// Each directory is its own repository (`.git`), so the configuration search stops in it.
const GIT: (&str, &[u8]) = (".git", b"gitdir: elsewhere\n");

#[test]
fn a_misspelt_suppression_is_kms007_and_can_be_ignored() {
    let template = UNROTATED_KEY.replace(
        "    Properties:\n",
        "    Properties: # kmslint: ignroe KMS104\n",
    );
    let dir = dir_with(&[GIT, ("t.yaml", template.as_bytes())]);
    let run = Kmslint::new(dir.path(), &["check", "--format", "json", "t.yaml"]).run();
    let codes = codes_for(&run.json(), "t.yaml");
    assert!(codes.contains(&"KMS007".to_owned()), "{codes:?}");
    assert!(codes.contains(&"KMS104".to_owned()), "{codes:?}");
    let json = run.json();
    let message = &json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "KMS007")
        .unwrap()["message"];
    assert!(
        message.as_str().unwrap().contains("did you mean `ignore`"),
        "{message}"
    );
    let run = Kmslint::new(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--extend-ignore",
            "invalid-suppression",
            "t.yaml",
        ],
    )
    .run();
    assert!(!codes_for(&run.json(), "t.yaml").contains(&"KMS007".to_owned()));
}

#[test]
fn severity_keys_take_prefixes_and_the_narrower_key_wins() {
    let config = "[severity]\nKMS1 = \"info\"\nKMS104 = \"error\"\n";
    let dir = dir_with(&[
        GIT,
        (".kmslint.toml", config.as_bytes()),
        ("t.yaml", UNROTATED_KEY.as_bytes()),
    ]);
    let run = Kmslint::new(dir.path(), &["check", "--format", "json", "t.yaml"]).run();
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    for d in run.json()["diagnostics"].as_array().unwrap() {
        let code = d["code"].as_str().unwrap();
        if code == "KMS104" {
            assert_eq!(d["severity"], "error");
        } else if code.starts_with("KMS1") {
            assert_eq!(d["severity"], "info", "{code}");
        }
    }
    let bad = dir_with(&[
        GIT,
        (".kmslint.toml", b"[severity]\nKMS9 = \"info\"\n"),
        ("t.yaml", UNROTATED_KEY.as_bytes()),
    ]);
    let run = Kmslint::new(bad.path(), &["check", "t.yaml"]).run();
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("severity.KMS9"), "{}", run.stderr);
}

#[test]
fn parameter_files_in_every_form_and_unknown_keys_warned() {
    let template = format!(
        "Parameters:\n  Env:\n    Type: String\n    AllowedValues: [dev, prod]\n{}",
        UNROTATED_KEY
    );
    let dir = dir_with(&[
        GIT,
        ("t.yaml", template.as_bytes()),
        (
            "pipeline.json",
            br#"{"Parameters": {"Env": "qa"}, "Tags": {"team": "x"}}"#,
        ),
        ("overrides.json", br#"["Env=dev"]"#),
    ]);
    let run = Kmslint::new(
        dir.path(),
        &[
            "check",
            "--parameters-file",
            "pipeline.json",
            "--parameter",
            "Nope=1",
            "t.yaml",
        ],
    )
    .run();
    let nope = run.stderr_lines("`Nope`");
    assert_eq!(nope.len(), 1, "{}", run.stderr);
    assert!(nope[0].starts_with("kmslint: warning:"), "{}", nope[0]);
    let qa = run.stderr_lines("AllowedValues");
    assert_eq!(qa.len(), 1, "{}", run.stderr);
    assert!(
        qa[0].contains("`qa`") && qa[0].contains("dev, prod"),
        "{}",
        qa[0]
    );
    let run = Kmslint::new(
        dir.path(),
        &["check", "--parameters-file", "overrides.json", "t.yaml"],
    )
    .run();
    assert!(run.stderr_lines("warning").is_empty(), "{}", run.stderr);
}

#[test]
fn the_nearest_configuration_applies_to_each_file_and_extends_its_parent() {
    let dir = dir_with(&[
        GIT,
        (".kmslint.toml", b"ignore = [\"KMS104\"]\n"),
        ("a/t.yaml", UNROTATED_KEY.as_bytes()),
        (
            "b/.kmslint.toml",
            b"extend = \"../.kmslint.toml\"\nextend-ignore = [\"KMS105\"]\n",
        ),
        ("b/t.yaml", UNROTATED_KEY.as_bytes()),
        ("c/.kmslint.toml", b"select = [\"KMS1\"]\n"),
        ("c/t.yaml", UNROTATED_KEY.as_bytes()),
    ]);
    let run = Kmslint::new(dir.path(), &["check", "--format", "json", "."]).run();
    let json = run.json();
    let a = codes_for(&json, "a/t.yaml");
    let b = codes_for(&json, "b/t.yaml");
    let c = codes_for(&json, "c/t.yaml");
    assert!(
        !a.contains(&"KMS104".to_owned()) && a.contains(&"KMS105".to_owned()),
        "{a:?}"
    );
    assert!(
        !b.contains(&"KMS104".to_owned()) && !b.contains(&"KMS105".to_owned()),
        "{b:?}"
    );
    assert!(
        c.contains(&"KMS104".to_owned()) && c.iter().all(|c| c.starts_with("KMS1")),
        "{c:?}"
    );
    // --extend-select adds to the file's selection instead of replacing it.
    let run = Kmslint::new(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--extend-select",
            "KMS104",
            "a",
        ],
    )
    .run();
    assert!(codes_for(&run.json(), "a/t.yaml").contains(&"KMS104".to_owned()));
    // A cycle names both files.
    let cycle = dir_with(&[
        GIT,
        ("x/.kmslint.toml", b"extend = \"../y/.kmslint.toml\"\n"),
        ("y/.kmslint.toml", b"extend = \"../x/.kmslint.toml\"\n"),
        ("x/t.yaml", UNROTATED_KEY.as_bytes()),
    ]);
    let run = Kmslint::new(cycle.path(), &["check", "x"]).run();
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(run.stderr.contains("cycle"), "{}", run.stderr);
    assert!(
        run.stderr.contains("x/.kmslint.toml") && run.stderr.contains("y/.kmslint.toml"),
        "{}",
        run.stderr
    );
}

#[test]
fn show_settings_names_where_each_setting_comes_from() {
    let dir = dir_with(&[
        GIT,
        (
            ".kmslint.toml",
            b"region = \"eu-west-1\"\n[severity]\nKMS2 = \"info\"\n",
        ),
        (
            "b/.kmslint.toml",
            b"extend = \"../.kmslint.toml\"\nignore = [\"KMS104\"]\n",
        ),
        ("b/t.yaml", UNROTATED_KEY.as_bytes()),
    ]);
    let run = Kmslint::new(
        dir.path(),
        &[
            "check",
            "--show-settings",
            "b/t.yaml",
            "--account",
            "111122223333",
        ],
    )
    .run();
    assert_eq!(run.status, 0, "{}", run.stderr);
    let line = |key: &str| {
        run.stdout
            .lines()
            .find(|l| l.trim_start().starts_with(key))
            .unwrap_or_else(|| panic!("no {key}:\n{}", run.stdout))
            .to_owned()
    };
    // The root's file, not b's, and the key in it.
    assert!(
        line("region =").ends_with("  # .kmslint.toml key region"),
        "{}",
        run.stdout
    );
    assert!(
        line("ignore =").ends_with("  # b/.kmslint.toml key ignore"),
        "{}",
        run.stdout
    );
    assert!(
        line("account =").ends_with("  # --account"),
        "{}",
        run.stdout
    );
    assert!(line("select =").ends_with("  # default"), "{}", run.stdout);
    assert!(
        line("severity.KMS204 =").ends_with("  # .kmslint.toml key severity.KMS2"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("extending"), "{}", run.stdout);
}

/// A key stack and a stack taking its output, as docs/configuration.md#stacks-stacks shows.
const STACKS: &str = r#"[[stacks]]
name = "keys"
template = "infra/keys.yaml"
region = "eu-west-1"
account = "111122223333"
parameters = { Env = "prod" }

[[stacks]]
name = "replica"
template = "infra/replica.yaml"
regions = ["us-east-1", "ap-southeast-2"]
account = "111122223333"
parameters = { PrimaryKeyArn = { stack = "keys", output = "PrimaryKeyArn" } }
"#;

const KEYS_TEMPLATE: &[u8] = b"Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      MultiRegion: true\nOutputs:\n  PrimaryKeyArn:\n    Value: !GetAtt Key.Arn\n";

/// Exit 2 and the message of `check` in a repository whose `.kmslint.toml` is `config`, with
/// the temporary directory's path taken out.
fn stacks_refused(config: &str) -> String {
    let dir = dir_with(&[
        GIT,
        (".kmslint.toml", config.as_bytes()),
        ("infra/keys.yaml", KEYS_TEMPLATE),
        ("infra/replica.yaml", b"Resources: {}\n"),
    ]);
    let run = Kmslint::new(dir.path(), &["check", "infra"]).run();
    assert_eq!(run.status, 2, "{}", run.stderr);
    let real = std::fs::canonicalize(dir.path()).unwrap();
    run.stderr
        .replace(&format!("{}/", real.display()), "")
        .replace(&format!("{}/", dir.path().display()), "")
}

#[test]
fn a_table_of_stacks_with_an_error_is_a_configuration_error_at_its_line() {
    let unknown = STACKS.replace("stack = \"keys\"", "stack = \"key\"");
    let missing = STACKS.replace("infra/replica.yaml", "infra/replika.yaml");
    let output = STACKS.replace("output = \"PrimaryKeyArn\"", "output = \"KeyArn\"");
    let cycle = STACKS.replace(
        "parameters = { Env = \"prod\" }",
        "parameters = { Env = { stack = \"replica\", output = \"X\" } }",
    );
    let typo = STACKS.replace("regions =", "regoins =");
    let all = [unknown, missing, output, cycle, typo]
        .iter()
        .map(|config| stacks_refused(config))
        .collect::<Vec<_>>()
        .join("");
    insta::assert_snapshot!("stacks_table_errors", all);
}

#[test]
fn a_valid_table_of_stacks_is_linted_and_listed_by_show_settings() {
    let dir = dir_with(&[
        GIT,
        (".kmslint.toml", STACKS.as_bytes()),
        ("infra/keys.yaml", KEYS_TEMPLATE),
        ("infra/replica.yaml", UNROTATED_KEY.as_bytes()),
    ]);
    let run = Kmslint::new(dir.path(), &["check", "--format", "json", "infra"]).run();
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert!(codes_for(&run.json(), "infra/replica.yaml").contains(&"KMS104".to_owned()));
    let run = Kmslint::new(dir.path(), &["check", "--show-settings", "infra"]).run();
    assert_eq!(run.status, 0, "{}", run.stderr);
    let stacks: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("stack "))
        .collect();
    assert_eq!(
        stacks,
        [
            "  stack keys = { template = \"infra/keys.yaml\", region = \"eu-west-1\", account = \"111122223333\", parameters = [\"Env\"] }  # .kmslint.toml key stacks",
            "  stack replica = { template = \"infra/replica.yaml\", regions = [\"us-east-1\", \"ap-southeast-2\"], account = \"111122223333\", parameters = [\"PrimaryKeyArn\"] }  # .kmslint.toml key stacks",
        ],
        "{}",
        run.stdout
    );
}
