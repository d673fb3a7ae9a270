//! Baselines (`check --write-baseline FILE`, `check --baseline FILE`, `baseline = "…"` in
//! `.kmslint.toml`): what is recorded is not reported again, whatever moves around it; what is
//! new is; what was fixed is counted as stale; the file works from any directory; bad files
//! fail the run.

use crate::common;

use common::{Kmslint, Run, codes, dir_with, kmslint};
use serde_json::Value;

/// Each directory is its own repository (`.git`), so the configuration search stops in it.
const GIT: (&str, &[u8]) = (".git", b"gitdir: elsewhere\n");

/// A key without rotation or retention (KMS104, KMS105) whose policy's second statement has
/// an unknown action (KMS207); `{before}` is where statements go before it, `{extra}` where
/// actions go after it.
const TEMPLATE: &str = "Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:{before}
          - Sid: Root
            Effect: Allow
            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}
            Action: 'kms:*'
            Resource: '*'
          - Sid: Use
            Effect: Allow
            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}
            Action: ['kms:Decrypt', 'kms:Encrypts'{extra}]
            Resource: '*'
";

fn template(before: &str, extra: &str) -> String {
    TEMPLATE
        .replace("{before}", before)
        .replace("{extra}", extra)
}

/// The rules [`TEMPLATE`] has findings of, and KMS005 (one test adds a `yes`): the only ones
/// the `check` runs here select, so that the counts and codes asserted do not change when a
/// rule is added.
const SELECT: [&str; 2] = ["--select", "KMS005,KMS104,KMS105,KMS207"];

/// Runs kmslint in `dir`, a `check` with only the rules of [`SELECT`] unless it selects its own.
fn run(dir: &std::path::Path, args: &[&str]) -> Run {
    let mut args = args.to_vec();
    if args.first() == Some(&"check") && !args.contains(&"--select") {
        args.extend(SELECT);
    }
    Kmslint::new(dir, &args).run()
}

/// `check PATHS --baseline BASELINE --format json` in `dir` (with [`SELECT`]).
fn read_json(dir: &std::path::Path, baseline: &str, paths: &[&str]) -> Run {
    let mut args = vec!["check"];
    args.extend_from_slice(paths);
    args.extend(["--baseline", baseline, "--format", "json"]);
    run(dir, &args)
}

fn baseline_summary(run: &Run) -> (u64, u64) {
    let summary = &run.json()["summary"]["baseline"];
    (
        summary["matched"].as_u64().expect("matched"),
        summary["stale"].as_u64().expect("stale"),
    )
}

#[test]
fn a_baseline_written_then_read_reports_nothing() {
    let dir = dir_with(&[GIT, ("stacks/k.yaml", template("", "").as_bytes())]);
    let write = run(dir.path(), &["check", "--write-baseline", "base.json"]);
    assert_eq!(write.status, 0, "{}", write.stderr);
    assert!(write.stdout.is_empty(), "{}", write.stdout);
    assert!(
        write
            .stderr
            .contains("wrote 3 findings in 1 file to base.json"),
        "{}",
        write.stderr
    );
    let text = std::fs::read_to_string(dir.path().join("base.json")).unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["version"], 1);
    assert_eq!(file["tool"], "kmslint");
    let entries = file["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{text}");
    assert!(
        entries.iter().all(|e| e["path"] == "stacks/k.yaml"),
        "{text}"
    );
    // One entry a line, keyed by Sid and value rather than indices, with the message.
    let unknown = text
        .lines()
        .find(|l| l.contains("KMS207"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        unknown.contains(
            r#""pointer":"/Resources/Key/Properties/KeyPolicy/Statement/[Sid=Use]/Action/[=kms:Encrypts]""#
        ),
        "{unknown}"
    );
    assert!(unknown.contains(r#""message":"#), "{unknown}");

    let read = read_json(dir.path(), "base.json", &[]);
    assert_eq!(read.status, 0, "{}", read.stderr);
    assert!(codes(&read).is_empty(), "{}", read.stdout);
    assert_eq!(baseline_summary(&read), (3, 0));
    // The pretty summary says how many the baseline absorbed; no note about stale entries.
    let pretty = run(dir.path(), &["check", "--baseline", "base.json"]);
    assert!(
        pretty
            .stdout
            .contains("no problems found; 3 findings in the baseline."),
        "{}",
        pretty.stdout
    );
    assert!(
        !pretty.stderr.contains("no longer match"),
        "{}",
        pretty.stderr
    );
    // Without the baseline, everything is back.
    let all = run(dir.path(), &["check", "--format", "json"]);
    assert_eq!(codes(&all).len(), 3);
    assert!(all.json()["summary"].get("baseline").is_none());
}

/// The baseline file in the directory linted is the run's record, not an input: a walk
/// leaves it out, so it is not "1 skipped" on every run (issue 23); named, it is still read.
#[test]
fn the_baseline_file_in_the_linted_directory_is_not_counted_as_skipped() {
    let dir = dir_with(&[GIT, ("k.yaml", template("", "").as_bytes())]);
    let write = run(dir.path(), &["check", ".", "--write-baseline", "base.json"]);
    assert_eq!(write.status, 0, "{}", write.stderr);
    let again = run(dir.path(), &["check", ".", "--write-baseline", "base.json"]);
    assert!(
        again.stderr.contains("wrote 3 findings in 1 file"),
        "{}",
        again.stderr
    );
    let read = run(dir.path(), &["check", ".", "--baseline", "base.json", "-v"]);
    assert_eq!(read.status, 0, "{}", read.stderr);
    assert!(
        read.stdout
            .contains("Checked 1 file: no problems found; 3 findings in the baseline."),
        "{}",
        read.stdout
    );
    assert!(!read.stderr.contains("base.json"), "{}", read.stderr);
    let files = run(
        dir.path(),
        &["check", "--baseline", "base.json", "--show-files"],
    );
    assert_eq!(files.stdout, "k.yaml\n", "{files:?}");
    // The configuration's baseline, named from another directory, is left out the same way.
    std::fs::write(
        dir.path().join(".kmslint.toml"),
        "baseline = \"base.json\"\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let configured = run(
        &dir.path().join("sub"),
        &["check", "..", "--format", "json"],
    );
    assert_eq!(
        configured.json()["summary"]["skipped"],
        0,
        "{}",
        configured.stdout
    );
    assert_eq!(baseline_summary(&configured), (3, 0));
    // Named on the command line, it is read as asked: not a template, so skipped.
    let named = run(dir.path(), &["check", "base.json", "k.yaml"]);
    assert!(named.stdout.contains("(1 skipped)"), "{}", named.stdout);
}

#[test]
fn moving_and_adding_around_recorded_findings_does_not_bring_them_back() {
    let dir = dir_with(&[GIT, ("k.yaml", template("", "").as_bytes())]);
    assert_eq!(
        run(dir.path(), &["check", "--write-baseline", "b.json"]).status,
        0
    );
    // A statement before the others (indices shift), a resource before the key, lines above.
    let statement = "
          - Sid: Admins
            Effect: Allow
            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/admin'}
            Action: 'kms:Describe*'
            Resource: '*'";
    let moved = template(statement, "").replace(
        "Resources:\n",
        "# a comment\n\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n",
    );
    std::fs::write(dir.path().join("k.yaml"), &moved).unwrap();
    let read = read_json(dir.path(), "b.json", &[]);
    assert!(codes(&read).is_empty(), "{}", read.stdout);
    assert_eq!(baseline_summary(&read), (3, 0));
    // A new unknown action is new, and fails the run; the recorded one stays absorbed.
    std::fs::write(
        dir.path().join("k.yaml"),
        template(statement, ", 'kms:Decrypts'"),
    )
    .unwrap();
    let read = read_json(dir.path(), "b.json", &[]);
    assert_eq!(read.status, 1, "{}", read.stderr);
    assert_eq!(codes(&read), ["KMS207"]);
    assert!(
        read.json()["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("kms:Decrypts"),
        "{}",
        read.stdout
    );
}

#[test]
fn fixed_findings_and_deleted_files_are_stale() {
    let dir = dir_with(&[
        GIT,
        ("a.yaml", template("", "").as_bytes()),
        ("gone.yaml", template("", "").as_bytes()),
        ("kept/other.yaml", template("", "").as_bytes()),
    ]);
    let write = run(dir.path(), &["check", "--write-baseline", "b.json"]);
    assert!(
        write.stderr.contains("wrote 9 findings in 3 files"),
        "{}",
        write.stderr
    );
    // Rotation turned on in a.yaml (KMS104 fixed), gone.yaml deleted; kept/ is not linted in
    // this run, so its entries are not stale.
    let fixed = template("", "").replace(
        "    Properties:\n",
        "    Properties:\n      EnableKeyRotation: true\n",
    );
    std::fs::write(dir.path().join("a.yaml"), fixed).unwrap();
    std::fs::remove_file(dir.path().join("gone.yaml")).unwrap();
    let read = read_json(dir.path(), "b.json", &["a.yaml"]);
    assert_eq!(read.status, 0, "{}", read.stderr);
    assert!(codes(&read).is_empty(), "{}", read.stdout);
    assert_eq!(baseline_summary(&read), (2, 4));
    assert!(
        read.stderr.contains(
            "4 baseline entries no longer match: run --write-baseline again to drop them"
        ),
        "{}",
        read.stderr
    );
    // A rule that did not run does not make its entries stale.
    let read = run(
        dir.path(),
        &[
            "check",
            "a.yaml",
            "--baseline",
            "b.json",
            "--select",
            "KMS207",
            "--format",
            "json",
        ],
    );
    assert_eq!(baseline_summary(&read), (1, 3));
    // Writing again drops them.
    run(dir.path(), &["check", "--write-baseline", "b.json"]);
    let read = read_json(dir.path(), "b.json", &[]);
    assert_eq!(baseline_summary(&read), (5, 0));
    assert!(read.stderr.is_empty(), "{}", read.stderr);
}

#[test]
fn an_entry_absorbs_as_many_findings_as_it_counts() {
    // The unknown action twice in one list: two findings at one key.
    let twice = template("", ", 'kms:Encrypts'");
    let dir = dir_with(&[GIT, ("k.yaml", twice.as_bytes())]);
    run(dir.path(), &["check", "--write-baseline", "b.json"]);
    let text = std::fs::read_to_string(dir.path().join("b.json")).unwrap();
    let entry = text.lines().find(|l| l.contains("KMS207")).unwrap();
    assert!(entry.contains(r#""count":2"#), "{text}");
    // A third is new; two of them are absorbed.
    let thrice = template("", ", 'kms:Encrypts', 'kms:Encrypts'");
    std::fs::write(dir.path().join("k.yaml"), thrice).unwrap();
    let read = read_json(dir.path(), "b.json", &[]);
    assert_eq!(codes(&read), ["KMS207"]);
    assert_eq!(baseline_summary(&read), (4, 0));
    // One alone leaves one stale.
    std::fs::write(dir.path().join("k.yaml"), template("", "")).unwrap();
    let read = read_json(dir.path(), "b.json", &[]);
    assert!(codes(&read).is_empty());
    assert_eq!(baseline_summary(&read), (3, 1));
    assert!(
        read.stderr.contains("1 baseline entry no longer matches"),
        "{}",
        read.stderr
    );
}

#[test]
fn paths_are_relative_to_the_baseline_so_any_directory_works() {
    let config = "baseline = \"ci/kmslint-baseline.json\"\n";
    let dir = dir_with(&[
        GIT,
        ("stacks/k.yaml", template("", "").as_bytes()),
        ("ci/.keep", b""),
    ]);
    // Written from stacks/, into ../ci/.
    let stacks = dir.path().join("stacks");
    let write = run(
        &stacks,
        &[
            "check",
            "k.yaml",
            "--write-baseline",
            "../ci/kmslint-baseline.json",
        ],
    );
    assert_eq!(write.status, 0, "{}", write.stderr);
    let text = std::fs::read_to_string(dir.path().join("ci/kmslint-baseline.json")).unwrap();
    assert!(text.contains(r#""path":"../stacks/k.yaml""#), "{text}");
    // Read from the root with the option, and from stacks/ through the configuration, whose
    // `baseline` is relative to the configuration file.
    let read = read_json(dir.path(), "ci/kmslint-baseline.json", &[]);
    assert!(codes(&read).is_empty(), "{}", read.stdout);
    std::fs::write(dir.path().join(".kmslint.toml"), config).unwrap();
    let read = run(&stacks, &["check", "--format", "json"]);
    assert_eq!(read.status, 0, "{}", read.stderr);
    assert!(codes(&read).is_empty(), "{}", read.stdout);
    assert_eq!(baseline_summary(&read), (3, 0));
    // `--no-baseline` reports everything; --show-settings names the file and its origin.
    let all = run(&stacks, &["check", "--no-baseline", "--format", "json"]);
    assert_eq!(codes(&all).len(), 3);
    let shown = run(&stacks, &["check", "--show-settings", "k.yaml"]);
    let line = shown
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("baseline ="))
        .unwrap_or_else(|| panic!("{}", shown.stdout));
    assert!(line.contains("kmslint-baseline.json"), "{line}");
    assert_eq!(
        line,
        "  baseline = \"../ci/kmslint-baseline.json\"  # ../.kmslint.toml key baseline"
    );
}

#[test]
fn a_baseline_that_cannot_be_used_fails_the_run() {
    let dir = dir_with(&[
        GIT,
        ("k.yaml", template("", "").as_bytes()),
        (
            "v2.json",
            br#"{"version": 2, "tool": "kmslint", "entries": []}"#,
        ),
        ("other.json", br#"{"runs": []}"#),
    ]);
    let v2 = run(dir.path(), &["check", "--baseline", "v2.json"]);
    assert_eq!(v2.status, 2, "{}", v2.stderr);
    assert!(
        v2.stderr
            .contains("v2.json: baseline version 2 is not supported: this kmslint reads version 1"),
        "{}",
        v2.stderr
    );
    assert!(v2.stdout.is_empty(), "{}", v2.stdout);
    let other = run(dir.path(), &["check", "--baseline", "other.json"]);
    assert_eq!(other.status, 2);
    assert!(
        other.stderr.contains("not a kmslint baseline"),
        "{}",
        other.stderr
    );
    let missing = run(dir.path(), &["check", "--baseline", "missing.json"]);
    assert_eq!(missing.status, 2);
    assert!(
        missing
            .stderr
            .contains("create it with `kmslint check --write-baseline missing.json`"),
        "{}",
        missing.stderr
    );
    // The configuration's, named with the configuration file and key.
    std::fs::write(
        dir.path().join(".kmslint.toml"),
        "baseline = \"nope.json\"\n",
    )
    .unwrap();
    let configured = run(dir.path(), &["check"]);
    assert_eq!(configured.status, 2);
    assert!(
        configured.stderr.contains(".kmslint.toml: `baseline`: "),
        "{}",
        configured.stderr
    );
    // Options that contradict each other.
    let both = run(
        dir.path(),
        &[
            "check",
            "--baseline",
            "a.json",
            "--write-baseline",
            "b.json",
        ],
    );
    assert_eq!(both.status, 2);
    // A baseline is not written from a run that could not read a path, nor where no
    // directory is.
    let partial = run(
        dir.path(),
        &[
            "check",
            "k.yaml",
            "missing.yaml",
            "--write-baseline",
            "b.json",
        ],
    );
    assert_eq!(partial.status, 2, "{}", partial.stderr);
    assert!(
        partial.stderr.contains("b.json was not written"),
        "{}",
        partial.stderr
    );
    assert!(!dir.path().join("b.json").exists());
    let nowhere = run(dir.path(), &["check", "--write-baseline", "no/such/b.json"]);
    assert_eq!(nowhere.status, 2, "{}", nowhere.stderr);
}

#[test]
fn sarif_results_are_new_with_respect_to_the_baseline() {
    let dir = dir_with(&[GIT, ("k.yaml", template("", "").as_bytes())]);
    run(dir.path(), &["check", "--write-baseline", "b.json"]);
    std::fs::write(dir.path().join("k.yaml"), template("", ", 'kms:Decrypts'")).unwrap();
    let log = run(
        dir.path(),
        &["check", "--baseline", "b.json", "--format", "sarif"],
    )
    .json();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{log:#}");
    assert_eq!(results[0]["baselineState"], "new");
    assert!(results[0]["partialFingerprints"]["kmslint/v2"].is_string());
    // Without a baseline, no baseline state.
    let log = run(dir.path(), &["check", "--format", "sarif"]).json();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert!(results.iter().all(|r| r.get("baselineState").is_none()));
}

#[test]
fn the_stable_fingerprint_follows_the_statement_not_its_index() {
    let fingerprint = |text: &str| {
        let dir = dir_with(&[("k.yaml", text.as_bytes())]);
        let log = run(
            dir.path(),
            &["check", "--format", "sarif", "--select", "KMS207"],
        )
        .json();
        let result = &log["runs"][0]["results"][0];
        (
            result["partialFingerprints"]["kmslint/v2"]
                .as_str()
                .unwrap()
                .to_owned(),
            result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].clone(),
        )
    };
    let statement = "
          - Sid: Admins
            Effect: Allow
            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/admin'}
            Action: 'kms:Describe*'
            Resource: '*'";
    let (before, before_pointer) = fingerprint(&template("", ""));
    let (after, after_pointer) = fingerprint(&template(statement, ""));
    assert_eq!(before, after);
    assert_ne!(before_pointer, after_pointer);
}

#[test]
fn fixes_apply_to_recorded_findings_too() {
    // KMS005 (`yes` for a boolean) has a safe fix; recorded, it is still fixed by --fix, and
    // its entry is then stale.
    let text = template("", "").replace(
        "    Properties:\n",
        "    Properties:\n      EnableKeyRotation: yes\n",
    );
    let dir = dir_with(&[GIT, ("k.yaml", text.as_bytes())]);
    run(dir.path(), &["check", "--write-baseline", "b.json"]);
    let before = std::fs::read_to_string(dir.path().join("b.json")).unwrap();
    assert!(before.contains("KMS005"), "{before}");
    let fixed = run(
        dir.path(),
        &["check", "--baseline", "b.json", "--fix", "--format", "json"],
    );
    assert!(codes(&fixed).is_empty(), "{}", fixed.stdout);
    let after = std::fs::read_to_string(dir.path().join("k.yaml")).unwrap();
    assert!(after.contains("EnableKeyRotation: true"), "{after}");
    let (_, stale) = baseline_summary(&fixed);
    assert!(stale >= 1, "{}", fixed.stdout);
}

#[test]
fn stdin_is_named_by_its_stdin_filename() {
    let dir = dir_with(&[GIT, ("stacks/k.yaml", template("", "").as_bytes())]);
    run(dir.path(), &["check", "--write-baseline", "b.json"]);
    // The editor's buffer, moved down a few lines, and with a new unknown action.
    let buffer = format!("\n\n{}", template("", ", 'kms:Decrypts'"));
    let read = Kmslint::new(
        dir.path(),
        &[
            "check",
            "--stdin-filename",
            "stacks/k.yaml",
            "--baseline",
            "b.json",
            "--format",
            "json",
            SELECT[0],
            SELECT[1],
        ],
    )
    .stdin(buffer.as_bytes())
    .run();
    assert_eq!(codes(&read), ["KMS207"], "{}", read.stderr);
    assert_eq!(baseline_summary(&read), (3, 0));
}

/// A link committed under the baseline's name would send the write anywhere: refused.
#[cfg(unix)]
#[test]
fn the_baseline_is_not_written_through_a_link() {
    let outside = dir_with(&[("victim", b"keep")]);
    let victim = outside.path().join("victim");
    let tree = dir_with(&[("t.yaml", common::UNROTATED_KEY.as_bytes())]);
    std::os::unix::fs::symlink(&victim, tree.path().join("kmslint-baseline.json")).unwrap();
    let run = kmslint(
        tree.path(),
        &[
            "check",
            "t.yaml",
            "--write-baseline",
            "kmslint-baseline.json",
        ],
    );
    assert_eq!(run.status, 2, "{run:?}");
    assert!(
        run.stderr.contains("it is a symbolic link"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
}
