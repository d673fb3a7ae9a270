//! Unit tests of the configuration: reading the file, its errors, sizes, discovery.

use super::file::{CONFIG_FILE, ConfigFile};
use super::*;
use std::collections::BTreeMap;

fn parse(origin: &str, text: &str) -> Result<ConfigFile, ConfigError> {
    super::file::parse(origin, text, lookup::TEST_RULES)
}

#[test]
fn reads_every_key_of_the_spec() {
    let config = parse(
        "x.toml",
        r#"
select = ["KMS"]
ignore = ["KMS203", "policy-lockout"]
fail-level = "warning"
exclude = ["cdk.out/**"]
region = "eu-west-1"
account = "111122223333"
deployer-arn = "arn:aws:iam::111122223333:role/deployer"

[severity]
KMS204 = "warning"
"#,
    );
    let config = config.unwrap();
    assert_eq!(config.region.as_deref(), Some("eu-west-1"));
    assert_eq!(config.severity.unwrap()["KMS204"], Severity::Warning);
    assert_eq!(config.fail_level, Some(FailLevel::Warning));
}

#[test]
fn errors_name_the_file_and_key() {
    let err = parse("c.toml", "selekt = []\n").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("c.toml:1: unknown field `selekt`"),
        "{err}"
    );
    let err = parse("c.toml", "ignore = [\"KMS999\"]\n").unwrap_err();
    assert_eq!(err.key.as_deref(), Some("ignore"));
    let err = parse("c.toml", "[severity]\nKMS204 = \"fatal\"\n").unwrap_err();
    assert_eq!(err.key.as_deref(), Some("severity.KMS204"));
    let err = parse("c.toml", "region = \"eu-west-9\"\n").unwrap_err();
    assert!(err.message.contains("did you mean"), "{err}");
    let err = parse("c.toml", "max-file-size = \"64XB\"\n").unwrap_err();
    assert_eq!(err.key.as_deref(), Some("max-file-size"));
    let err = parse("c.toml", "baseline = \"\"\n").unwrap_err();
    assert_eq!(err.key.as_deref(), Some("baseline"));
}

#[test]
fn max_file_size_in_bytes_or_with_a_unit() {
    let size = |text: &str| {
        parse("c.toml", text)
            .unwrap()
            .max_file_size
            .unwrap()
            .bytes()
    };
    assert_eq!(size("max-file-size = 1024\n"), Ok(1024));
    assert_eq!(size("max-file-size = \"64MB\"\n"), Ok(64 << 20));
}

#[test]
fn the_search_stops_at_the_repository_root_and_at_home() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join(CONFIG_FILE), "").unwrap();
    let repo = root.join("repo");
    std::fs::create_dir_all(repo.join("sub")).unwrap();
    // Without a repository or home in between, the file above is found.
    assert_eq!(
        discover(&repo.join("sub"), None),
        Some(root.join(CONFIG_FILE))
    );
    // `.git` as a file (a worktree or submodule) marks the root as well as a directory.
    std::fs::write(repo.join(".git"), "gitdir: elsewhere\n").unwrap();
    assert_eq!(discover(&repo.join("sub"), None), None);
    std::fs::remove_file(repo.join(".git")).unwrap();
    assert_eq!(discover(&repo.join("sub"), Some(&repo)), None);
    std::fs::write(repo.join(CONFIG_FILE), "").unwrap();
    assert_eq!(
        discover(&repo.join("sub"), Some(&repo)),
        Some(repo.join(CONFIG_FILE))
    );
}

/// A repository (`.git`) with these files, and the result of loading its `.kmslint.toml`.
fn stacks_in(files: &[(&str, &str)]) -> (tempfile::TempDir, Result<Resolved, ConfigError>) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join(".git"), "gitdir: elsewhere\n").unwrap();
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let resolved = load_chain(&root.join(CONFIG_FILE), lookup::TEST_RULES);
    (dir, resolved)
}

/// The error loading a configuration of `table` beside `files`, without the temporary
/// directory's path (`CONFIG:LINE: …`).
fn stacks_error(table: &str, files: &[(&str, &str)]) -> String {
    let mut all = vec![(CONFIG_FILE, table)];
    all.extend_from_slice(files);
    let (dir, resolved) = stacks_in(&all);
    let err = resolved.expect_err("the table is refused").to_string();
    err.replace(&format!("{}/", dir.path().display()), "")
}

const KEYS_TEMPLATE: &str = "Resources:\n  Key:\n    Type: AWS::KMS::Key\nOutputs:\n  PrimaryKeyArn:\n    Value: !GetAtt Key.Arn\n";

#[test]
fn a_table_of_stacks_is_read_with_paths_from_the_configuration() {
    let table = r#"
[[stacks]]
name = "keys"
template = "infra/keys.yaml"
region = "eu-west-1"
account = "111122223333"
parameters = { Env = "prod", Count = 3, On = true }

[[stacks]]
name = "replica"
template = "./infra/../infra/replica.yaml"
regions = ["us-east-1", "ap-southeast-2"]
accounts = ["111122223333", "444455556666"]
parameters = { PrimaryKeyArn = { stack = "keys", output = "PrimaryKeyArn" } }
"#;
    let (dir, resolved) = stacks_in(&[
        (CONFIG_FILE, table),
        ("infra/keys.yaml", KEYS_TEMPLATE),
        ("infra/replica.yaml", "Resources: {}\n"),
    ]);
    let resolved = resolved.unwrap();
    let infra = dir.path().join("infra");
    let value = |v: &str| ParamValue::Value(v.to_owned());
    assert_eq!(
        resolved.stacks(),
        [
            StackDecl {
                name: "keys".to_owned(),
                template: infra.join("keys.yaml"),
                regions: vec!["eu-west-1".to_owned()],
                accounts: vec!["111122223333".to_owned()],
                parameters: BTreeMap::from([
                    ("Count".to_owned(), value("3")),
                    ("Env".to_owned(), value("prod")),
                    ("On".to_owned(), value("true")),
                ]),
                deployer_arn: None,
            },
            StackDecl {
                name: "replica".to_owned(),
                template: infra.join("replica.yaml"),
                regions: vec!["us-east-1".to_owned(), "ap-southeast-2".to_owned()],
                accounts: vec!["111122223333".to_owned(), "444455556666".to_owned()],
                parameters: BTreeMap::from([(
                    "PrimaryKeyArn".to_owned(),
                    ParamValue::Output {
                        stack: "keys".to_owned(),
                        output: "PrimaryKeyArn".to_owned()
                    }
                )]),
                deployer_arn: None,
            },
        ]
    );
    // Without Region or account, both are unknown: empty lists.
    let (_dir, resolved) = stacks_in(&[
        (
            CONFIG_FILE,
            "[[stacks]]\nname = \"a\"\ntemplate = \"a.json\"\n",
        ),
        ("a.json", "{}"),
    ]);
    let stacks = resolved.unwrap().file.stacks.unwrap();
    assert!(stacks[0].regions.is_empty() && stacks[0].accounts.is_empty());
}

#[test]
fn a_parameters_file_is_read_as_the_command_line_reads_it_and_parameters_win() {
    let table = r#"
[[stacks]]
name = "app"
template = "app.yaml"
parameters-file = "params/app.json"
parameters = { Env = "prod" }
"#;
    let (_dir, resolved) = stacks_in(&[
        (CONFIG_FILE, table),
        ("app.yaml", "Resources: {}\n"),
        (
            "params/app.json",
            r#"[{"ParameterKey": "Env", "ParameterValue": "dev"}, {"ParameterKey": "Size", "ParameterValue": "2"}]"#,
        ),
    ]);
    let resolved = resolved.unwrap();
    let parameters = &resolved.stacks()[0].parameters;
    assert_eq!(parameters["Env"], ParamValue::Value("prod".to_owned()));
    assert_eq!(parameters["Size"], ParamValue::Value("2".to_owned()));
    let err = stacks_error(
        "[[stacks]]\nname = \"app\"\ntemplate = \"app.yaml\"\nparameters-file = \"p.json\"\n",
        &[("app.yaml", "{}"), ("p.json", "[1]")],
    );
    assert!(
        err.starts_with(".kmslint.toml:4: `stacks.parameters-file`: ")
            && err.contains("p.json: each item needs `ParameterKey`"),
        "{err}"
    );
}

#[test]
fn each_error_in_a_stack_is_at_its_line() {
    let t = &[("t.yaml", "Resources: {}\n")][..];
    let cases: &[(&str, &str)] = &[
        (
            "[[stacks]]\nname = \"a\"\ntempalte = \"t.yaml\"\n",
            ".kmslint.toml:3: `stacks.tempalte`: unknown key (a stack has `name`, `template`, `region`, `regions`, `account`, `accounts`, `deployer-arn`, `parameters`, `parameters-file`); did you mean `template`?",
        ),
        (
            "[[stacks]]\ntemplate = \"t.yaml\"\n",
            ".kmslint.toml:1: `stacks.name`: every stack needs a `name`",
        ),
        (
            "[[stacks]]\nname = \"a\"\ntemplate = \"t.yaml\"\n\n[[stacks]]\ntemplate = \"t.yaml\"\n",
            ".kmslint.toml:5: `stacks.name`: every stack needs a `name`",
        ),
        (
            "[[stacks]]\nname = \"\"\ntemplate = \"t.yaml\"\n",
            ".kmslint.toml:2: `stacks.name`: must not be empty",
        ),
        (
            "[[stacks]]\nname = \"my_stack\"\ntemplate = \"t.yaml\"\n",
            ".kmslint.toml:2: `stacks.name`: `my_stack` is not a stack name: letters, digits and hyphens, starting with a letter",
        ),
        (
            "[[stacks]]\nname = \"a\"\ntemplate = \"t.yaml\"\n\n[[stacks]]\nname = \"a\"\ntemplate = \"t.yaml\"\n",
            ".kmslint.toml:6: `stacks.name`: `a` is declared twice (first at line 2): a stack's name is unique",
        ),
        (
            "[[stacks]]\nname = \"a\"\n",
            ".kmslint.toml:1: `stacks.template`: stack `a` needs a `template`",
        ),
        (
            "[[stacks]]\nname = \"a\"\ntemplate = \"missing.yaml\"\n",
            ".kmslint.toml:3: `stacks.template`: `missing.yaml` is not a file (looked for missing.yaml)",
        ),
        (
            "[[stacks]]\nname = \"a\"\ntemplate = \"t.yaml\"\nregion = \"eu-west-9\"\n",
            ".kmslint.toml:4: `stacks.region`: `eu-west-9` is not a Region where KMS is available; did you mean `eu-west-1`?",
        ),
        (
            "[[stacks]]\nname = \"a\"\ntemplate = \"t.yaml\"\nregion = \"eu-west-1\"\nregions = [\"eu-west-2\"]\n",
            ".kmslint.toml:5: `stacks.regions`: give `region` or `regions`, not both",
        ),
        (
            "[[stacks]]\nname = \"a\"\ntemplate = \"t.yaml\"\nregions = [\"eu-west-1\", \"eu-west-1\"]\n",
            ".kmslint.toml:4: `stacks.regions`: `eu-west-1` is given twice",
        ),
        (
            "[[stacks]]\nname = \"a\"\ntemplate = \"t.yaml\"\nregions = []\n",
            ".kmslint.toml:4: `stacks.regions`: names none: leave `regions` out when it is not known",
        ),
        (
            "[[stacks]]\nname = \"a\"\ntemplate = \"t.yaml\"\naccounts = [\"1234\"]\n",
            ".kmslint.toml:4: `stacks.accounts`: `1234` is not a 12-digit account ID",
        ),
        (
            "[[stacks]]\nname = \"a\"\ntemplate = \"t.yaml\"\nparameters = { P = [\"x\"] }\n",
            ".kmslint.toml:4: `stacks.parameters.P`: must be a string, a number, a boolean or `{ stack = \"…\", output = \"…\" }` (a list parameter is one string, \"a,b\")",
        ),
        (
            "[[stacks]]\nname = \"a\"\ntemplate = \"t.yaml\"\nparameters = { P = { stack = \"a\", outptu = \"X\" } }\n",
            ".kmslint.toml:4: `stacks.parameters.P`: unknown key `outptu`: another stack's output is `{ stack = \"…\", output = \"…\" }`; did you mean `output`?",
        ),
        (
            "[[stacks]]\nname = \"a\"\ntemplate = \"t.yaml\"\n\n[stacks.parameters]\n\"Key-Arn\" = \"x\"\n",
            ".kmslint.toml:6: `stacks.parameters.Key-Arn`: `Key-Arn` is not a parameter name: a template's parameters are named with letters and digits",
        ),
        (
            "stacks = 3\n",
            ".kmslint.toml:1: `stacks`: must be a list of tables (`[[stacks]]`)",
        ),
        (
            "[[stacks]]\nname = \"a\"\ntemplate = \"t.yaml\"\ndeployer-arn = \"arn:aws:s3:::bucket\"\n",
            ".kmslint.toml:4: `stacks.deployer-arn`: `arn:aws:s3:::bucket` is not an IAM role, user, root or assumed-role ARN (like `arn:aws:iam::111122223333:role/deployer`)",
        ),
    ];
    for (table, expected) in cases {
        assert_eq!(stacks_error(table, t), *expected, "{table}");
    }
}

#[test]
fn outputs_name_declared_stacks_with_that_output_and_no_cycle() {
    let files = &[
        ("keys.yaml", KEYS_TEMPLATE),
        ("app.yaml", "Resources: {}\n"),
        ("broken.yaml", "Resources: [\n"),
    ][..];
    let stack = |name: &str, template: &str, parameter: &str| {
        format!(
            "[[stacks]]\nname = \"{name}\"\ntemplate = \"{template}\"\nparameters = {{ P = {parameter} }}\n"
        )
    };
    let keys = "[[stacks]]\nname = \"keys\"\ntemplate = \"keys.yaml\"\n";
    let unknown = format!(
        "{keys}{}",
        stack(
            "app",
            "app.yaml",
            "{ stack = \"kyes\", output = \"PrimaryKeyArn\" }"
        )
    );
    assert_eq!(
        stacks_error(&unknown, files),
        ".kmslint.toml:7: `stacks.parameters.P`: no stack is named `kyes` in this file; did you mean `keys`?"
    );
    let missing = format!(
        "{keys}{}",
        stack(
            "app",
            "app.yaml",
            "{ stack = \"keys\", output = \"PrimaryKey\" }"
        )
    );
    let err = stacks_error(&missing, files);
    assert!(
        err.starts_with(
            ".kmslint.toml:7: `stacks.parameters.P`: stack `keys` has no output `PrimaryKey` ("
        ) && err
            .ends_with("keys.yaml has no such key in `Outputs`); did you mean `PrimaryKeyArn`?"),
        "{err}"
    );
    let broken = format!(
        "[[stacks]]\nname = \"keys\"\ntemplate = \"broken.yaml\"\n{}",
        stack("app", "app.yaml", "{ stack = \"keys\", output = \"A\" }")
    );
    let err = stacks_error(&broken, files);
    assert!(
        err.starts_with(".kmslint.toml:7: `stacks.parameters.P`: the template of stack `keys` (")
            && err.contains("broken.yaml): does not parse, so its outputs are not known: "),
        "{err}"
    );
    let cycle = format!(
        "{}{}{}",
        stack("a", "app.yaml", "{ stack = \"b\", output = \"X\" }"),
        stack("b", "app.yaml", "{ stack = \"c\", output = \"X\" }"),
        stack("c", "app.yaml", "{ stack = \"a\", output = \"X\" }"),
    );
    assert_eq!(
        stacks_error(&cycle, files),
        ".kmslint.toml:12: `stacks.parameters.P`: outputs taken in a cycle: a → b → c → a (a stack's outputs exist only after the stacks it takes outputs from are deployed)"
    );
    let own = stack("a", "app.yaml", "{ stack = \"a\", output = \"X\" }");
    assert!(stacks_error(&own, files).contains("a cycle: a → a"));
    // A template whose outputs a macro may add is not judged.
    let transformed = format!(
        "[[stacks]]\nname = \"m\"\ntemplate = \"m.yaml\"\n{}",
        stack("app", "app.yaml", "{ stack = \"m\", output = \"Made\" }")
    );
    let (_dir, resolved) = stacks_in(&[
        (CONFIG_FILE, &transformed),
        ("m.yaml", "Transform: MyMacro\nResources: {}\n"),
        ("app.yaml", "Resources: {}\n"),
    ]);
    assert_eq!(resolved.unwrap().stacks().len(), 2);
}

#[test]
fn templates_stay_inside_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("outside.yaml"), "Resources: {}\n").unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(repo.join(".git"), "gitdir: elsewhere\n").unwrap();
    let config = repo.join(CONFIG_FILE);
    std::fs::write(
        &config,
        "[[stacks]]\nname = \"a\"\ntemplate = \"../outside.yaml\"\n",
    )
    .unwrap();
    let err = load_chain(&config, lookup::TEST_RULES).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("stacks.template"));
    assert!(
        err.message
            .starts_with("`../outside.yaml` is outside the repository"),
        "{err}"
    );
    // Nor through a link.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path().join("outside.yaml"), repo.join("in.yaml")).unwrap();
        std::fs::write(
            &config,
            "[[stacks]]\nname = \"a\"\ntemplate = \"in.yaml\"\n",
        )
        .unwrap();
        let err = load_chain(&config, lookup::TEST_RULES).unwrap_err();
        assert!(err.message.contains("is outside the repository"), "{err}");
    }
    // A subdirectory's configuration may name a template elsewhere in its repository.
    std::fs::create_dir_all(repo.join("sub")).unwrap();
    std::fs::write(repo.join("t.yaml"), "Resources: {}\n").unwrap();
    let sub = repo.join("sub").join(CONFIG_FILE);
    std::fs::write(&sub, "[[stacks]]\nname = \"a\"\ntemplate = \"../t.yaml\"\n").unwrap();
    assert_eq!(
        load_chain(&sub, lookup::TEST_RULES).unwrap().stacks()[0].template,
        repo.join("t.yaml")
    );
}

#[test]
fn a_nearer_files_stacks_replace_those_it_extends() {
    let base = "[[stacks]]\nname = \"base\"\ntemplate = \"t.yaml\"\n";
    let (dir, resolved) = stacks_in(&[
        ("base.toml", base),
        ("t.yaml", "Resources: {}\n"),
        ("sub/u.yaml", "Resources: {}\n"),
        (CONFIG_FILE, "extend = \"base.toml\"\n"),
        (
            "sub/.kmslint.toml",
            "extend = \"../base.toml\"\n[[stacks]]\nname = \"sub\"\ntemplate = \"u.yaml\"\n",
        ),
        (
            "empty/.kmslint.toml",
            "extend = \"../base.toml\"\nstacks = []\n",
        ),
    ]);
    // Inherited whole, the template relative to the file that declares it.
    let resolved = resolved.unwrap();
    assert_eq!(resolved.stacks()[0].template, dir.path().join("t.yaml"));
    assert_eq!(resolved.origins["stacks"], dir.path().join("base.toml"));
    let sub = load_chain(
        &dir.path().join("sub").join(CONFIG_FILE),
        lookup::TEST_RULES,
    )
    .unwrap();
    let names: Vec<&str> = sub.stacks().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["sub"]);
    let empty = load_chain(
        &dir.path().join("empty").join(CONFIG_FILE),
        lookup::TEST_RULES,
    )
    .unwrap();
    assert!(empty.stacks().is_empty());
}

/// An unknown key's error lists every key the file may have, `stacks` too (the table is read
/// apart from the rest of the file, with its positions).
#[test]
fn an_unknown_key_lists_the_keys_expected_stacks_included() {
    let err = parse("x.toml", "stack = 1\n").unwrap_err();
    assert!(err.message.contains("unknown field `stack`"), "{err:?}");
    assert!(err.message.contains("`stacks`"), "{err:?}");
    assert!(err.message.contains("`region`"), "{err:?}");
}
