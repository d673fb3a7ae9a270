//! Hostile and broken inputs: each must give a finding or a one-line error, never a crash or a
//! hang, and one bad file must never stop the others from being linted.
//!
//! Every run has a deadline; a run past it is killed and the test fails as a hang.

use crate::common;

use std::fs;
use std::process::Command;

use common::{LOCKED_KEY, UNROTATED_KEY, codes_for, dir_with, kmslint};

/// Runs `kmslint check --format json` on `name` beside a template with a known finding, and
/// returns the findings' `(path, code)` pairs and the summary.
fn lint_beside_locked(name: &str, bytes: &[u8]) -> (common::Run, serde_json::Value) {
    let dir = dir_with(&[(name, bytes), ("locked.yaml", LOCKED_KEY.as_bytes())]);
    let run = kmslint(
        dir.path(),
        &["check", "--format", "json", name, "locked.yaml"],
    );
    let json = run.json();
    (run, json)
}

/// The bad file gets KMS001 with a position, the other file is still linted (KMS204).
fn assert_parse_error_and_others_linted(name: &str, bytes: &[u8]) {
    let (run, json) = lint_beside_locked(name, bytes);
    assert_eq!(run.status, 1, "{name}: {}", run.stderr);
    let codes = codes_for(&json, name);
    assert!(
        codes.iter().any(|c| c == "KMS001"),
        "{name}: expected KMS001, got {codes:?}"
    );
    for d in json["diagnostics"].as_array().expect("array") {
        if d["path"] == name {
            let start = &d["start"];
            assert!(start["line"].as_u64().is_some_and(|l| l >= 1), "{d}");
            assert!(start["column"].as_u64().is_some_and(|c| c >= 1), "{d}");
            assert!(
                start["offset"]
                    .as_u64()
                    .is_some_and(|o| o as usize <= bytes.len()),
                "{d}"
            );
        }
    }
    assert!(
        codes_for(&json, "locked.yaml").contains(&"KMS204".to_owned()),
        "locked.yaml must still be linted beside {name}"
    );
    assert_eq!(json["summary"]["files"], 2, "{name}");
}

#[test]
fn hundred_thousand_nested_brackets() {
    let deep = "[".repeat(100_000);
    // A file is reported as unparsable only when its top level declares a template or policy
    // (SPEC §1): nothing but brackets is skipped, without a crash or a hang.
    let (run, json) = lint_beside_locked("brackets.json", deep.as_bytes());
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert!(
        codes_for(&json, "brackets.json").is_empty(),
        "{}",
        run.stdout
    );
    assert_eq!(json["summary"]["skipped"], 1, "{}", run.stdout);
    let deep_json = format!("{{\"Resources\": {deep}");
    assert_parse_error_and_others_linted("deep.json", deep_json.as_bytes());
    let deep_yaml = format!("Resources: {deep}");
    assert_parse_error_and_others_linted("deep.yaml", deep_yaml.as_bytes());
    let deep_maps = format!("{{Resources: {}", "{a: ".repeat(100_000));
    assert_parse_error_and_others_linted("deep-maps.yaml", deep_maps.as_bytes());
}

#[test]
fn billion_laughs() {
    let mut text =
        String::from("Resources:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        text.push_str(&format!("  a{i}: &a{i} [{}]\n", vec![prev; 9].join(", ")));
    }
    assert_parse_error_and_others_linted("laughs.yaml", text.as_bytes());
}

#[test]
fn fifty_megabyte_single_line_json() {
    let item = format!("\"{}\"", "x".repeat(100));
    let items = vec![item; 490_000].join(",");
    let text = format!(
        "{{\"AWSTemplateFormatVersion\":\"2010-09-09\",\"Metadata\":{{\"Blob\":[{items}]}},\
         \"Resources\":{{\"Key\":{{\"Type\":\"AWS::KMS::Key\",\"Properties\":{{\"KeyPolicy\":\
         {{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":\
         {{\"AWS\":\"arn:aws:iam::111122223333:role/Admin\"}},\"Action\":\"kms:Encrypt\",\
         \"Resource\":\"*\"}}]}}}}}}}}}}"
    );
    assert!(text.len() > 50_000_000);
    let (run, json) = lint_beside_locked("big.json", text.as_bytes());
    assert_eq!(run.status, 1, "{}", run.stderr);
    // The lockout at the very end of the 50 MB line is found, with its column.
    let big: Vec<&serde_json::Value> = json["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .filter(|d| d["path"] == "big.json" && d["code"] == "KMS204")
        .collect();
    assert_eq!(big.len(), 1, "{}", run.stdout.len());
    assert_eq!(big[0]["start"]["line"], 1);
    assert!(big[0]["start"]["column"].as_u64().expect("column") > 49_000_000);
    assert!(codes_for(&json, "locked.yaml").contains(&"KMS204".to_owned()));
}

#[test]
fn invalid_utf8_is_reported_at_its_offset() {
    let mut bytes =
        b"Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      Description: caf"
            .to_vec();
    bytes.extend_from_slice(&[0xC3, 0x28]);
    bytes.extend_from_slice(b"\n");
    let (run, json) = lint_beside_locked("latin1.yaml", &bytes);
    assert_eq!(run.status, 1);
    let finding = json["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["path"] == "latin1.yaml")
        .expect("a finding for the invalid UTF-8");
    assert_eq!(finding["code"], "KMS001");
    assert_eq!(finding["start"]["line"], 5);
    assert_eq!(finding["start"]["offset"], 80);
    assert!(codes_for(&json, "locked.yaml").contains(&"KMS204".to_owned()));
}

#[test]
fn utf16_files_are_read_or_reported() {
    for (name, little) in [("le.yaml", true), ("be.yaml", false)] {
        let mut bytes = if little {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in LOCKED_KEY.encode_utf16() {
            let pair = if little {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            };
            bytes.extend_from_slice(&pair);
        }
        let (run, json) = lint_beside_locked(name, &bytes);
        assert_eq!(run.status, 1, "{name}");
        let codes = codes_for(&json, name);
        assert!(
            !codes.is_empty(),
            "{name}: a UTF-16 file gets a finding (KMS001 saying so, or its own)"
        );
        assert!(codes_for(&json, "locked.yaml").contains(&"KMS204".to_owned()));
    }
}

#[test]
fn nul_byte() {
    let text = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      Description: \"a\0b\"\n";
    assert_parse_error_and_others_linted("nul.yaml", text.as_bytes());
}

#[test]
fn empty_file_named_on_the_command_line() {
    let dir = dir_with(&[("empty.yaml", b""), ("locked.yaml", LOCKED_KEY.as_bytes())]);
    let run = kmslint(
        dir.path(),
        &["check", "--format", "json", "empty.yaml", "locked.yaml"],
    );
    assert_eq!(run.status, 1);
    let json = run.json();
    // Accounted for: linted or skipped, never dropped.
    let files = json["summary"]["files"].as_u64().expect("files");
    let skipped = json["summary"]["skipped"].as_u64().expect("skipped");
    assert_eq!(files + skipped, 2, "{}", run.stdout);
    assert!(codes_for(&json, "locked.yaml").contains(&"KMS204".to_owned()));
}

#[cfg(unix)]
#[test]
fn directory_symlink_loop() {
    let dir = dir_with(&[("locked.yaml", LOCKED_KEY.as_bytes())]);
    fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::os::unix::fs::symlink("..", dir.path().join("sub/up")).expect("symlink");
    // Links are not followed by default; with --follow-links the loop is detected.
    for follow in [false, true] {
        let mut args = vec!["check", "--format", "compact", "."];
        if follow {
            args.push("--follow-links");
        }
        let run = kmslint(dir.path(), &args);
        assert_eq!(run.status, 1, "{}", run.stderr);
        assert!(run.stdout.contains("KMS204"), "{}", run.stdout);
        // Each file once, though `sub/up` leads back to it.
        assert_eq!(run.stdout.matches("KMS204").count(), 1, "{}", run.stdout);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn unreadable_file_exits_2_naming_it_and_others_are_still_linted() {
    // Permission bits do not stop root, so the unreadable file is one the kernel refuses to
    // read: `/proc/self/mem` fails with EIO at offset 0.
    let dir = dir_with(&[("locked.yaml", LOCKED_KEY.as_bytes())]);
    std::os::unix::fs::symlink("/proc/self/mem", dir.path().join("mem.yaml")).expect("symlink");
    let run = kmslint(
        dir.path(),
        &["check", "--format", "compact", "mem.yaml", "locked.yaml"],
    );
    assert_eq!(run.status, 2, "{}", run.stderr);
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("mem.yaml"))
        .collect();
    assert_eq!(errors.len(), 1, "one line names the path: {}", run.stderr);
    assert!(run.stdout.contains("locked.yaml"), "{}", run.stdout);
    assert!(run.stdout.contains("KMS204"), "{}", run.stdout);
}

#[test]
fn missing_path_exits_2_naming_it() {
    let dir = dir_with(&[("locked.yaml", LOCKED_KEY.as_bytes())]);
    let run = kmslint(dir.path(), &["check", "no-such-file.yaml", "locked.yaml"]);
    assert_eq!(run.status, 2);
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| l.contains("no-such-file.yaml"))
            .count(),
        1,
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("KMS204"), "{}", run.stdout);
}

#[cfg(unix)]
#[test]
fn fifo_is_not_read_and_does_not_hang() {
    let dir = dir_with(&[
        ("locked.yaml", LOCKED_KEY.as_bytes()),
        ("good.yaml", UNROTATED_KEY.as_bytes()),
    ]);
    let fifo = dir.path().join("pipe.yaml");
    let status = Command::new("mkfifo").arg(&fifo).status();
    if !status.is_ok_and(|s| s.success()) {
        common::skip("mkfifo is not available");
        return;
    }
    // Named: an error naming it (nobody writes to it, so reading would block forever).
    let run = kmslint(dir.path(), &["check", "pipe.yaml", "locked.yaml"]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("pipe.yaml"), "{}", run.stderr);
    assert!(run.stdout.contains("KMS204"), "{}", run.stdout);
    // Met while walking: skipped with a note, the rest linted.
    let run = kmslint(dir.path(), &["check", "--format", "json", "."]);
    assert_eq!(run.status, 1);
    let json = run.json();
    assert_eq!(json["summary"]["files"], 2);
    assert!(json["summary"]["skipped"].as_u64().expect("skipped") >= 1);
}

/// `n` statements granting `kms:*` to the account under 12 independent conditions in turn:
/// 4,096 combinations, each of which once built a model of the whole policy, all kept at once.
fn twelve_free_conditions(n: usize) -> String {
    let mut out = String::from("Parameters:\n");
    for i in 0..12 {
        out += &format!("  P{i}: {{Type: String}}\n");
    }
    out += "Conditions:\n";
    for i in 0..12 {
        out += &format!("  A{i}: !Equals [!Ref P{i}, 'yes']\n");
    }
    out += "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n";
    out += "        Version: '2012-10-17'\n        Statement:\n";
    for i in 0..n {
        out += &format!(
            "          - Sid: S{i}
            Effect: Allow
            Principal: {{AWS: !Sub 'arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root'}}
            Action: !If [A{}, 'kms:*', 'kms:Describe*']
            Resource: '*'
",
            i % 12
        );
    }
    out
}

#[test]
fn twelve_free_conditions_are_bounded_and_said_to_be() {
    let mut sizes = Vec::new();
    for n in [48, 96] {
        let text = twelve_free_conditions(n);
        let (run, json) = lint_beside_locked("conditions.yaml", text.as_bytes());
        assert_eq!(run.status, 1, "{}", run.stderr);
        assert!(codes_for(&json, "locked.yaml").contains(&"KMS204".to_owned()));
        // The lockout question depends on all twelve conditions and every statement: too
        // much to enumerate, and said so, instead of 4,096 models of the whole policy.
        let lockout: Vec<&str> = json["diagnostics"]
            .as_array()
            .expect("array")
            .iter()
            .filter(|d| d["path"] == "conditions.yaml" && d["code"] == "KMS204")
            .map(|d| d["message"].as_str().expect("message"))
            .collect();
        assert_eq!(lockout.len(), 1, "{lockout:?}");
        assert!(
            lockout[0].starts_with("not checked for policy-lockout"),
            "{lockout:?}"
        );
        sizes.push((text.len(), run.stdout.len()));
    }
    // Output grows no faster than the input.
    let [(in1, out1), (in2, out2)] = sizes[..] else {
        unreachable!()
    };
    assert!(out2 * in1 <= out1 * in2 * 2, "{sizes:?}");
}
