//! `kmslint check --fix`, `--unsafe-fixes` and `--diff` as a user runs them: what is written,
//! what is printed, and the exit status.

mod common;

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
    let document: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
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
