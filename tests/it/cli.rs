//! The command line as users run it: exit statuses (docs/commands.md), the JSON document's shape,
//! stdin, configuration errors, `rules` and `explain`.

use crate::common;

use std::fs;

use common::{CLEAN_KEY, Kmslint, LOCKED_KEY, codes, dir_with, kmslint};

#[test]
fn exit_status_0_when_nothing_is_found() {
    let dir = dir_with(&[("key.yaml", CLEAN_KEY.as_bytes())]);
    let out = kmslint(
        dir.path(),
        &["check", "key.yaml", "--select", "KMS0,KMS2,KMS3"],
    );
    assert_eq!(out.status, 0, "{}", out.stdout);
    assert!(out.stdout.contains("Checked 1 file: no problems found."));
}

#[test]
fn exit_status_1_when_a_finding_reaches_the_fail_level() {
    let dir = dir_with(&[("key.yaml", LOCKED_KEY.as_bytes())]);
    let out = kmslint(dir.path(), &["check", "key.yaml"]);
    assert_eq!(out.status, 1);
    let text = &out.stdout;
    assert!(text.contains("error[KMS204]"), "{text}");
    assert!(text.contains("key.yaml:7:9"), "{text}");
}

#[test]
fn fail_level_decides_which_severities_fail() {
    let dir = dir_with(&[("key.yaml", LOCKED_KEY.as_bytes())]);
    let never = kmslint(dir.path(), &["check", "key.yaml", "--fail-level", "never"]);
    assert_eq!(never.status, 0);
    // The lockout becomes a warning: below `error`, at `warning`.
    fs::write(
        dir.path().join(".kmslint.toml"),
        "[severity]\nKMS204 = \"warning\"\n",
    )
    .unwrap();
    let error = kmslint(dir.path(), &["check", "key.yaml", "--fail-level", "error"]);
    assert_eq!(error.status, 0, "{}", error.stdout);
    let warning = kmslint(
        dir.path(),
        &["check", "key.yaml", "--fail-level", "warning"],
    );
    assert_eq!(warning.status, 1);
}

/// `--exit-zero` is ruff's spelling of `--fail-level never` (docs/commands.md); given with
/// `--fail-level` it is a usage error, not a silent choice of one of them.
#[test]
fn exit_zero_is_fail_level_never_and_conflicts_with_fail_level() {
    let dir = dir_with(&[("key.yaml", LOCKED_KEY.as_bytes())]);
    let zero = kmslint(dir.path(), &["check", "key.yaml", "--exit-zero"]);
    assert_eq!(zero.status, 0, "{zero:?}");
    assert!(zero.stdout.contains("error[KMS204]"), "{}", zero.stdout);
    // A configured fail level is overridden, as `--fail-level never` overrides it.
    fs::write(dir.path().join(".kmslint.toml"), "fail-level = \"info\"\n").unwrap();
    let zero = kmslint(dir.path(), &["check", "key.yaml", "--exit-zero"]);
    assert_eq!(zero.status, 0, "{zero:?}");
    let both = kmslint(
        dir.path(),
        &["check", "key.yaml", "--exit-zero", "--fail-level", "error"],
    );
    assert_eq!(both.status, 2, "{both:?}");
    assert!(
        both.stderr.contains("cannot be used with"),
        "{}",
        both.stderr
    );
    // It changes only the findings' verdict: a command that fails still exits 2.
    let missing = kmslint(dir.path(), &["check", "missing.yaml", "--exit-zero"]);
    assert_eq!(missing.status, 2, "{missing:?}");
}

/// `kmslint file.yaml` (a path where the subcommand goes) is a usage error with a tip naming
/// the command that lints it; a mistyped subcommand keeps clap's own suggestion.
#[test]
fn a_path_instead_of_a_subcommand_suggests_check() {
    let dir = dir_with(&[("key.yaml", LOCKED_KEY.as_bytes()), ("stacks/a.txt", b"x")]);
    for path in ["key.yaml", "stacks", "sub/new.json", "missing.template"] {
        let out = kmslint(dir.path(), &[path]);
        assert_eq!(out.status, 2, "{out:?}");
        assert!(
            out.stderr
                .contains(&format!("did you mean `kmslint check {path}`?")),
            "{path}: {}",
            out.stderr
        );
    }
    let typo = kmslint(dir.path(), &["chek"]);
    assert_eq!(typo.status, 2, "{typo:?}");
    assert!(!typo.stderr.contains("kmslint check"), "{}", typo.stderr);
    assert!(typo.stderr.contains("'check'"), "{}", typo.stderr);
}

#[test]
fn exit_status_2_for_a_path_that_does_not_exist() {
    let dir = dir_with(&[("key.yaml", CLEAN_KEY.as_bytes())]);
    let out = kmslint(dir.path(), &["check", "missing.yaml", "key.yaml"]);
    assert_eq!(out.status, 2);
    let err = &out.stderr;
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("missing.yaml: no such file or directory"),
        "{err}"
    );
    // The other file is still linted.
    assert!(out.stdout.contains("Checked 1 file"));
}

#[test]
fn exit_status_2_for_bad_arguments() {
    let dir = dir_with(&[]);
    for args in [
        &["check", "--format", "xml"][..],
        &["check", "--select", "KMS999"],
        &["check", "--region", "eu-west-9"],
        &["check", "--account", "12345"],
        &["check", "--parameter", "novalue"],
        &["frobnicate"],
    ] {
        let out = kmslint(dir.path(), args);
        assert_eq!(out.status, 2, "{args:?}: {}", out.stderr);
    }
    let out = kmslint(dir.path(), &["check", "--region", "eu-west-9"]);
    assert!(
        out.stderr.contains("did you mean `eu-west-1`"),
        "{}",
        out.stderr
    );
}

#[test]
fn exit_status_2_for_an_invalid_configuration_file_naming_file_and_key() {
    let dir = dir_with(&[
        ("key.yaml", CLEAN_KEY.as_bytes()),
        (
            ".kmslint.toml",
            b"select = [\"KMS2\"]\nfail-level = \"sometimes\"\n",
        ),
    ]);
    let out = kmslint(dir.path(), &["check", "key.yaml"]);
    assert_eq!(out.status, 2);
    let err = &out.stderr;
    assert!(
        err.contains(".kmslint.toml") && err.contains("`fail-level`"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // --no-config ignores it.
    let out = kmslint(
        dir.path(),
        &["check", "key.yaml", "--no-config", "--select", "KMS2"],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
}

#[test]
fn configuration_is_found_upward_and_the_command_line_wins() {
    let dir = dir_with(&[
        ("project/.kmslint.toml", b"ignore = [\"KMS204\"]\n"),
        ("project/stacks/key.yaml", LOCKED_KEY.as_bytes()),
    ]);
    let stacks = dir.path().join("project/stacks");
    let out = kmslint(&stacks, &["check", "key.yaml"]);
    assert_eq!(out.status, 0, "{}", out.stdout);
    let out = kmslint(&stacks, &["check", "key.yaml", "--ignore", "KMS001"]);
    assert_eq!(out.status, 1, "{}", out.stdout);
}

#[test]
fn json_output_is_one_document_with_the_specs_fields() {
    let dir = dir_with(&[
        ("key.yaml", LOCKED_KEY.as_bytes()),
        ("notes.yaml", b"a: 1\n"),
    ]);
    let out = kmslint(
        dir.path(),
        &["check", ".", "--format", "json", "--select", "KMS204"],
    );
    assert_eq!(out.status, 1);
    let doc = out.json();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["summary"]["files"], 1);
    assert_eq!(doc["summary"]["skipped"], 1);
    assert_eq!(doc["summary"]["errors"], 1);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["path"], "key.yaml");
    assert_eq!(d["code"], "KMS204");
    assert_eq!(d["name"], "policy-lockout");
    assert_eq!(d["severity"], "error");
    assert_eq!(
        d["start"],
        serde_json::json!({"line": 7, "column": 9, "utf16_column": 9, "offset": 113})
    );
    assert_eq!(d["end"]["line"], 7);
    assert_eq!(d["resource"], "Key");
    assert_eq!(
        d["pointer"],
        "/Resources/Key/Properties/KeyPolicy/Statement"
    );
    assert!(d["help"].is_string());
    assert_eq!(d["related"][0]["path"], "key.yaml");
    assert!(d["related"][0]["message"].is_string());
}

#[test]
fn stdin_is_linted_under_the_given_name_and_format() {
    let dir = dir_with(&[]);
    let json = r#"{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Encrypt", "Resource": "*"}]}}}}}"#;
    let out = Kmslint::new(
        dir.path(),
        &[
            "check",
            "-",
            "--stdin-filename",
            "stacks/key.json",
            "--format",
            "compact",
        ],
    )
    .stdin(json.as_bytes())
    .run();
    assert_eq!(out.status, 1, "{}", out.stderr);
    let text = &out.stdout;
    assert!(text.starts_with("stacks/key.json:1:"), "{text}");
    assert!(text.contains("error[KMS204]"), "{text}");
}

#[test]
fn a_named_file_that_is_not_a_template_is_counted_and_named_with_verbose() {
    let dir = dir_with(&[("config.yaml", b"name: app\n")]);
    // pre-commit names every file changed: no note for each, the summary counts them.
    let out = kmslint(dir.path(), &["check", "config.yaml"]);
    assert_eq!(out.status, 0);
    let text = &out.stdout;
    assert!(!text.contains("note:"), "{text}");
    assert!(text.contains("Checked 0 files (1 skipped)"), "{text}");
    let out = kmslint(dir.path(), &["check", "-v", "config.yaml"]);
    assert_eq!(out.status, 0);
    let text = &out.stdout;
    assert!(
        text.contains("note: config.yaml was skipped: not a CloudFormation template or key policy"),
        "{text}"
    );
    assert!(text.contains("Checked 0 files (1 skipped)"), "{text}");
}

#[test]
fn an_unparsable_file_is_a_finding_not_a_failure() {
    let dir = dir_with(&[
        ("bad.yaml", b"Resources: [\n"),
        ("key.yaml", LOCKED_KEY.as_bytes()),
    ]);
    let out = kmslint(dir.path(), &["check", ".", "--format", "compact"]);
    assert_eq!(out.status, 1);
    let text = &out.stdout;
    assert!(text.contains("bad.yaml:2:1: error[KMS001]"), "{text}");
    assert!(text.contains("key.yaml:7:9: error[KMS204]"), "{text}");
}

#[test]
fn rules_lists_every_rule_and_explain_prints_its_doc() {
    // All rules, on purpose: `kmslint rules` lists the whole registry.
    let dir = dir_with(&[]);
    let out = kmslint(dir.path(), &["rules", "--format", "json"]);
    assert_eq!(out.status, 0);
    let rules = out.json();
    let codes: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), kmslint_core::rules::RULES.len());
    assert!(codes.windows(2).all(|w| w[0] < w[1]), "in code order");
    let out = kmslint(dir.path(), &["explain", "policy-lockout"]);
    assert_eq!(out.status, 0);
    assert!(out.stdout.starts_with("# KMS204 policy-lockout"));
    assert!(out.stdout.contains("## Why is this bad?"));
    let out = kmslint(dir.path(), &["explain", "KMS9999"]);
    assert_eq!(out.status, 2);
}

#[test]
fn exit_status_2_for_unknown_configuration_keys_and_codes_and_a_missing_config() {
    for (config, key) in [
        ("selct = [\"KMS2\"]\n", "selct"),
        ("ignore = [\"KMS999\"]\n", "ignore"),
        ("[severity]\nKMS104 = \"fatal\"\n", "KMS104"),
    ] {
        let dir = dir_with(&[
            ("key.yaml", CLEAN_KEY.as_bytes()),
            (".kmslint.toml", config.as_bytes()),
        ]);
        let out = kmslint(dir.path(), &["check", "key.yaml"]);
        assert_eq!(out.status, 2, "{config}");
        let err = &out.stderr;
        assert!(
            err.contains(".kmslint.toml") && err.contains(key),
            "{config}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    let dir = dir_with(&[("key.yaml", CLEAN_KEY.as_bytes())]);
    let out = kmslint(
        dir.path(),
        &["check", "key.yaml", "--config", "nowhere.toml"],
    );
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("nowhere.toml"), "{}", out.stderr);
    let out = kmslint(dir.path(), &["check", "--select", "KMS10"]);
    assert_eq!(out.status, 0, "a code prefix selects: {}", out.stderr);
    let out = kmslint(dir.path(), &["check", "--select", "rotation-disabld"]);
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("rotation-disabled"), "{}", out.stderr);
}

#[test]
fn walking_the_current_directory_names_files_without_a_dot_slash() {
    let dir = dir_with(&[("stacks/key.yaml", LOCKED_KEY.as_bytes())]);
    for args in [
        &["check", "--format", "github"][..],
        &["check", ".", "--format", "compact"],
        &["check", "./stacks/key.yaml", "--format", "compact"],
    ] {
        let out = kmslint(dir.path(), args);
        let text = &out.stdout;
        assert!(text.contains("stacks/key.yaml"), "{args:?}: {text}");
        assert!(!text.contains("./stacks"), "{args:?}: {text}");
    }
}

#[test]
fn color_quiet_and_statistics_options() {
    let dir = dir_with(&[("key.yaml", LOCKED_KEY.as_bytes())]);
    let always = kmslint(dir.path(), &["check", "key.yaml", "--color", "always"]).stdout;
    assert!(always.contains("\u{1b}["), "{always}");
    // Not a terminal, and NO_COLOR is set by `kmslint()`: no colour unless asked for.
    for args in [
        &["check", "key.yaml"][..],
        &["check", "key.yaml", "--color", "never"],
    ] {
        let text = kmslint(dir.path(), args).stdout;
        assert!(!text.contains('\u{1b}'), "{args:?}: {text}");
    }
    let quiet = kmslint(dir.path(), &["check", "key.yaml", "--quiet"]).stdout;
    assert!(
        quiet.contains("error[KMS204]") && !quiet.contains("Checked 1 file"),
        "{quiet}"
    );
    let stats = kmslint(dir.path(), &["check", "key.yaml", "--statistics"]);
    assert_eq!(stats.status, 1);
    let stats = &stats.stdout;
    assert!(
        stats.contains("KMS204") && stats.contains("policy-lockout"),
        "{stats}"
    );
    assert!(!stats.contains("error[KMS204]"), "{stats}");
}

/// A key whose policy lets a service use it with no condition: KMS606's finding, an opt-in
/// rule's.
const SERVICE_KEY: &str = r#"Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}
            Action: kms:*
            Resource: '*'
          - Effect: Allow
            Principal: {Service: logs.amazonaws.com}
            Action: [kms:Encrypt, kms:Decrypt, kms:GenerateDataKey*]
            Resource: '*'
"#;

#[test]
fn opt_in_rules_run_only_when_selected() {
    let dir = dir_with(&[("key.yaml", SERVICE_KEY.as_bytes())]);
    let run = |extra: &[&str]| {
        let mut args = vec!["check", "key.yaml", "--no-config", "--format", "json"];
        args.extend_from_slice(extra);
        kmslint(dir.path(), &args)
    };
    let default = codes(&run(&[]));
    assert!(!default.iter().any(|c| c == "KMS606"), "{default:?}");
    let extended = codes(&run(&["--extend-select", "KMS606"]));
    assert!(extended.iter().any(|c| c == "KMS606"), "{extended:?}");
    let by_name = codes(&run(&["--extend-select", "service-principal-unscoped"]));
    assert_eq!(by_name, extended);
    let all = run(&["--select", "ALL"]);
    let kms = run(&["--select", "KMS"]);
    assert!(codes(&all).iter().any(|c| c == "KMS606"));
    assert_eq!(all.stdout, kms.stdout);
    assert_eq!(run(&["--select", "all"]).stdout, kms.stdout);
    // `--select KMS6` names the prefix, opt-in rules included.
    assert!(
        codes(&run(&["--select", "KMS6"]))
            .iter()
            .any(|c| c == "KMS606")
    );
    // The configuration turns it on the same way.
    fs::write(
        dir.path().join(".kmslint.toml"),
        "extend-select = [\"KMS606\"]\n",
    )
    .unwrap();
    let configured = kmslint(dir.path(), &["check", "key.yaml", "--format", "json"]);
    assert!(codes(&configured).iter().any(|c| c == "KMS606"));
    let shown = kmslint(dir.path(), &["check", "--show-settings", "key.yaml"]);
    assert!(shown.stdout.contains("KMS606"), "{}", shown.stdout);
}

/// `kmslint rules` (docs/commands.md): a header row naming the columns, and for each rule
/// every severity its findings take, its fix column, whether it is on by default and the URL
/// of its documentation (the one SARIF's `helpUri` gives).
#[test]
fn rules_list_has_a_header_severities_and_doc_urls() {
    let dir = dir_with(&[]);
    let text = kmslint(dir.path(), &["rules"]).stdout;
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "CODE", "NAME", "SEVERITY", "FIX", "DEFAULT", "DOCS", "SUMMARY"
        ]
    );
    assert_eq!(lines.count(), kmslint_core::rules::RULES.len());
    let cells = |code: &str| -> Vec<String> {
        let line = text
            .lines()
            .find(|l| l.starts_with(code))
            .unwrap_or_default();
        line.split_whitespace().take(6).map(str::to_owned).collect()
    };
    let url = |code: &str| format!("https://github.com/kmslint/kmslint/blob/main/rules/{code}.md");
    assert_eq!(
        cells("KMS204"),
        [
            "KMS204",
            "policy-lockout",
            "error/warning",
            "sometimes",
            "on",
            &url("KMS204")
        ]
    );
    assert_eq!(
        cells("KMS610"),
        [
            "KMS610",
            "unconstrained-create-grant",
            "warning",
            "never",
            "on",
            &url("KMS610")
        ]
    );
    assert_eq!(cells("KMS606")[2..5], ["info", "never", "opt-in"]);
    let json = kmslint(dir.path(), &["rules", "--format", "json"]).json();
    let rule = |code: &str| {
        json.as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(rule("KMS215")["severity"], "warning");
    assert_eq!(
        rule("KMS215")["severities"],
        serde_json::json!(["warning", "info"])
    );
    assert_eq!(rule("KMS610")["severities"], serde_json::json!(["warning"]));
}

/// `kmslint rules --format` takes `check`'s words where they fit a list of rules: `pretty`
/// (the table; `text`, its old name, too), `compact` (tab-separated, one rule a line, no
/// header) and `json`; the report formats are refused with the words it takes.
#[test]
fn rules_format_takes_the_words_of_check_that_fit() {
    let dir = dir_with(&[]);
    let pretty = kmslint(dir.path(), &["rules", "--format", "pretty"]);
    assert_eq!(pretty.status, 0, "{}", pretty.stderr);
    assert!(pretty.stdout.starts_with("CODE "), "{}", pretty.stdout);
    assert_eq!(pretty.stdout, kmslint(dir.path(), &["rules"]).stdout);
    assert_eq!(
        pretty.stdout,
        kmslint(dir.path(), &["rules", "--format", "text"]).stdout
    );
    let compact = kmslint(dir.path(), &["rules", "--output-format", "compact"]);
    assert_eq!(compact.status, 0, "{}", compact.stderr);
    let json = kmslint(dir.path(), &["rules", "--format", "json"]).json();
    let rules = json.as_array().unwrap();
    let lines: Vec<Vec<&str>> = compact
        .stdout
        .lines()
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(lines.len(), rules.len());
    for (cells, rule) in lines.iter().zip(rules) {
        assert_eq!(cells.len(), 7, "{cells:?}");
        assert_eq!(cells[0], rule["code"], "{cells:?}");
        assert_eq!(cells[1], rule["name"], "{cells:?}");
        assert_eq!(cells[5], rule["url"], "{cells:?}");
        assert_eq!(cells[6], rule["summary"], "{cells:?}");
    }
    for report in ["sarif", "github", "gitlab", "junit"] {
        let refused = kmslint(dir.path(), &["rules", "--format", report]);
        assert_eq!(refused.status, 2, "{report}");
        assert!(refused.stdout.is_empty(), "{}", refused.stdout);
        assert!(
            refused.stderr.contains("report of findings")
                && refused.stderr.contains("pretty, compact or json"),
            "{}",
            refused.stderr
        );
    }
    let unknown = kmslint(dir.path(), &["rules", "--format", "xml"]);
    assert_eq!(unknown.status, 2);
    assert!(
        unknown.stderr.contains("expected pretty, compact or json"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn rules_say_which_rules_run_by_default() {
    let dir = dir_with(&[]);
    let json = kmslint(dir.path(), &["rules", "--format", "json"]).json();
    let default = |code: &str| {
        json.as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .map(|r| r["default"].clone())
    };
    assert_eq!(default("KMS606"), Some(serde_json::Value::Bool(false)));
    assert_eq!(default("KMS204"), Some(serde_json::Value::Bool(true)));
    let text = kmslint(dir.path(), &["rules"]).stdout;
    let line = |code: &str| {
        text.lines()
            .find(|l| l.starts_with(code))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("KMS606").contains("  opt-in  "), "{text}");
    assert!(line("KMS204").contains("  on  "), "{text}");
    let explained = kmslint(dir.path(), &["explain", "KMS606"]).stdout;
    assert!(explained.contains("Opt-in"), "{explained}");
}
