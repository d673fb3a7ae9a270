//! `check --show-settings` (docs/configuration.md): a flag, for the current directory alone
//! or for each PATH; every setting, each with its exact origin (the file and key, the option,
//! or `default`), on lines that are not padded.

use crate::common;

use common::{Kmslint, UNROTATED_KEY, dir_with};

/// Each directory is its own repository (`.git`), so the configuration search stops in it.
const GIT: (&str, &[u8]) = (".git", b"gitdir: elsewhere\n");

/// A configuration that sets every key, a subdirectory's that extends it, and the files
/// they name.
const ROOT_CONFIG: &[u8] = br#"region = "eu-west-1"
account = "111122223333"
extend-select = ["KMS606"]
fail-level = "error"
exclude = ["vendor", "cdk.out"]
force-exclude = true
max-file-size = "1MB"
fix = false
unsafe-fixes = true
baseline = "kmslint-baseline.json"

[severity]
KMS2 = "info"
KMS204 = "error"
"#;

const SUB_CONFIG: &[u8] = br#"extend = "../.kmslint.toml"
ignore = ["KMS104"]
extend-select = ["KMS3"]
baseline = "sub-baseline.json"
"#;

const BASELINE: &[u8] = br#"{"version": 1, "tool": "kmslint", "entries": []}"#;

fn project() -> tempfile::TempDir {
    dir_with(&[
        GIT,
        (".kmslint.toml", ROOT_CONFIG),
        ("kmslint-baseline.json", BASELINE),
        ("b/.kmslint.toml", SUB_CONFIG),
        ("b/t.yaml", UNROTATED_KEY.as_bytes()),
        ("params.json", br#"{"Env": "prod", "Size": "2"}"#),
    ])
}

fn show(dir: &std::path::Path, args: &[&str]) -> String {
    let mut all = vec!["check", "--show-settings"];
    all.extend_from_slice(args);
    let run = Kmslint::new(dir, &all).run();
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    // Not padded, and no origin is a guess between two.
    for line in run.stdout.lines() {
        assert!(
            line.starts_with("Settings ") || line.starts_with("  ") && line.contains("  # "),
            "{line:?}"
        );
        assert!(!line.trim_start().contains("   "), "padded: {line:?}");
        assert!(!line.contains(" or default"), "{line:?}");
    }
    run.stdout
}

/// `--show-settings` alone: the current directory's settings, every key of the file with
/// the key it comes from, the stack values from the options and the parameters with the
/// option or file that gives each.
#[test]
fn show_settings_alone_shows_every_setting_of_the_current_directory() {
    let dir = project();
    let out = show(
        dir.path(),
        &[
            "--deployer-arn",
            "arn:aws:iam::111122223333:role/deploy",
            "--parameters-file",
            "params.json",
            "--parameter",
            "Size=3",
            "--exclude",
            "build",
        ],
    );
    insta::assert_snapshot!("show_settings_current_directory", out);
}

/// With a PATH: its directory's nearest configuration and those it extends, each value from
/// the file that sets it (`extend-select` from each file of the chain), and the keys a
/// subdirectory's file sets that only the run's configuration decides, said to be unused.
#[test]
fn show_settings_with_a_path_names_the_file_in_the_chain_that_sets_each_value() {
    let dir = project();
    let out = show(
        dir.path(),
        &["b/t.yaml", "--extend-select", "KMS105", "--exit-zero"],
    );
    insta::assert_snapshot!("show_settings_extended_file", out);
    // A directory's files get what a file in it gets.
    let for_dir = show(
        dir.path(),
        &["b", "--extend-select", "KMS105", "--exit-zero"],
    );
    assert_eq!(
        for_dir.replace("b/t.yaml", "b"),
        out.replace("b/t.yaml", "b")
    );
    // From inside b, `--show-settings` alone shows b's settings, and b's baseline is the run's.
    let inside = Kmslint::new(&dir.path().join("b"), &["check", "--show-settings"]).run();
    assert_eq!(
        inside.status, 2,
        "b's baseline does not exist: {}",
        inside.stdout
    );
    assert!(
        inside.stderr.contains("sub-baseline.json"),
        "{}",
        inside.stderr
    );
}

/// The command line's selection replaces the file's, whose extensions then do not apply (and
/// say so); `--select ALL` runs every rule, the opt-in ones too.
#[test]
fn show_settings_follows_the_command_line_selection() {
    let dir = project();
    let out = show(dir.path(), &["--select", "ALL", "--no-baseline"]);
    let line = |key: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("  {key} = ")))
            .unwrap_or_else(|| panic!("no {key}:\n{out}"))
            .to_owned()
    };
    let every: Vec<&str> = kmslint_core::rules::RULES.iter().map(|r| r.code).collect();
    assert_eq!(
        line("rules that run"),
        format!(
            "  rules that run = {}  # from select, ignore, extend-select and extend-ignore",
            every.join(", ")
        )
    );
    assert_eq!(line("select"), r#"  select = ["ALL"]  # --select"#);
    assert_eq!(
        line("extend-select"),
        r#"  extend-select = ["KMS606"] (not used: --select replaces the select it extends)  # .kmslint.toml key extend-select"#
    );
    assert_eq!(line("baseline"), "  baseline = none  # --no-baseline");
    let none = show(dir.path(), &["--no-config"]);
    assert!(
        none.contains("  configuration file = none  # --no-config\n"),
        "{none}"
    );
    assert!(none.contains("  region = none  # default\n"), "{none}");
    assert!(
        none.contains("  fail-level = \"warning\"  # default\n"),
        "{none}"
    );
}

/// `--show-settings` takes no value (the files are the PATHs): `--show-settings=FILE`, its
/// form before it was a flag, is refused rather than read as something else.
#[test]
fn show_settings_takes_no_value() {
    let dir = project();
    let run = Kmslint::new(dir.path(), &["check", "--show-settings=b/t.yaml"]).run();
    assert_eq!(run.status, 2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("--show-settings"), "{}", run.stderr);
}
