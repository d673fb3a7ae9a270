//! Unit tests of the configuration: reading the file, its errors, sizes, discovery.

use super::file::{CONFIG_FILE, ConfigFile};
use super::*;

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
