//! Hostile input against the output: values, comments, file names and `--diff` lines with
//! line breaks, workflow commands (`::…` after white space, `##[…]` anywhere), terminal
//! escapes and invisible characters must not start a line of their own, issue a command or
//! reach the terminal, while JSON and SARIF keep the data; SARIF URIs stay relative; failed
//! writes are exit 2 and closed pipes are quiet; long lines are cut. Each run lints the attack
//! next to `other.yaml`, whose finding (KMS104) must survive. Bounds are ratios of output to
//! input bytes; the one time bound, on many findings on one line, is a deadline far above a
//! linear run and far below a quadratic one.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use common::{Kmslint, UNROTATED_KEY, dir_with};

const FORMATS: &[&str] = &["pretty", "compact", "github", "json", "sarif"];

fn check(dir: &Path, format: &str, paths: &[&str]) -> Output {
    let mut args = vec!["check", "--no-config", "--format", format];
    args.extend(paths);
    Kmslint::new(dir, &args).run().into_output()
}

/// The message of the first finding of `code` in a `--format json` report.
fn message_of(json: &str, code: &str) -> String {
    let doc: Value = serde_json::from_str(json).unwrap();
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == code)
        .and_then(|d| d["message"].as_str())
        .unwrap()
        .to_owned()
}

/// No line of stdout or stderr starts with a workflow command unless kmslint wrote it
/// (github format, stdout: `::error file=…`); human formats hold no control character but
/// line feed and tab.
fn assert_safe(format: &str, output: &Output) {
    for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        // GitHub's runner reads lines; a lone CR is treated as a line break too, to be strict.
        for line in text.split(['\n', '\r']) {
            let ours = format == "github"
                && stream == "stdout"
                && ["::error file=", "::warning file=", "::notice file="]
                    .iter()
                    .any(|p| line.starts_with(p));
            // The runner trims white space (any Unicode white space) before looking for `::`.
            let trimmed = line.trim_start();
            assert!(
                ours || !trimmed.starts_with("::"),
                "{format} {stream}: a line starts with a workflow command: {line:?}\n{text}"
            );
        }
        // The runner's older form is acted on anywhere in a line.
        assert!(
            !text.contains("##["),
            "{format} {stream}: a `##[` command\n{text}"
        );
        let human = stream == "stderr" || !matches!(format, "json" | "sarif");
        if human {
            assert!(
                !bytes.contains(&0x1b),
                "{format} {stream}: an ESC byte\n{text}"
            );
            let control = text.chars().find(|&c| {
                (c.is_control() && c != '\n' && c != '\t')
                    || matches!(
                        c,
                        '\u{2028}' | '\u{202e}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'
                    )
            });
            assert_eq!(
                control, None,
                "{format} {stream}: a control character\n{text}"
            );
        } else {
            // JSON escapes control characters in strings.
            assert!(
                !bytes.iter().any(|&b| b < 0x20 && b != b'\n'),
                "{format}: raw control byte"
            );
        }
    }
}

/// `other.yaml` keeps its KMS104 in the output of `format`.
fn assert_other_finding(format: &str, output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let found = match format {
        "json" => {
            let doc: Value = serde_json::from_str(&stdout).expect("one JSON document");
            doc["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .iter()
                .any(|d| d["path"] == "other.yaml" && d["code"] == "KMS104")
        }
        "sarif" => {
            let log: Value = serde_json::from_str(&stdout).expect("one SARIF log");
            sarif_results(&log).iter().any(|r| {
                r["ruleId"] == "KMS104"
                    && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        == "other.yaml"
            })
        }
        _ => {
            stdout
                .lines()
                .any(|l| l.contains("other.yaml") && l.contains("KMS104"))
                || (format == "pretty"
                    && stdout.contains("warning[KMS104]")
                    && stdout.contains("other.yaml:2:3"))
        }
    };
    assert!(found, "{format}: other.yaml's KMS104 is missing\n{stdout}");
}

fn sarif_results(log: &Value) -> Vec<Value> {
    log["runs"][0]["results"]
        .as_array()
        .expect("results")
        .clone()
}

/// A temporary directory holding `other.yaml` and `files`.
fn workspace(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let mut all = vec![("other.yaml", UNROTATED_KEY.as_bytes())];
    all.extend_from_slice(files);
    dir_with(&all)
}

const INJECTED: &str = "\n::add-mask::secret\r\n::error file=x::injected";

/// An alias name (quoted in KMS401's message) with line breaks, workflow commands and
/// escapes (YAML's `\e`, `\a`, `\x9b`: ESC, BEL, CSI).
const ATTACK: &str = r#"Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      KeyPolicy: {Version: '2012-10-17', Statement: [{Effect: Allow, Principal: {AWS: 'arn:aws:iam::111122223333:root'}, Action: 'kms:*', Resource: '*'}]}
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
  Alias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: "alias/x\n::add-mask::secret\r\n::error file=x::injected\e[1A\e]0;t\a\x9b2J"
      TargetKeyId: !Ref Key
"#;

/// Raw ESC sequences in a comment on the line the excerpt shows (cursor up, erase line,
/// window title, concealed text).
fn comment_attack() -> String {
    UNROTATED_KEY.replace(
        "  Key:\n",
        "  Key: # \u{1b}[1A\u{1b}[2K\u{1b}]0;title\u{7}\u{1b}[8m hidden\n",
    )
}

#[test]
fn values_and_comments_cannot_inject_commands_or_escapes() {
    let comment = comment_attack();
    let dir = workspace(&[
        ("attack.yaml", ATTACK.as_bytes()),
        ("comment.yaml", comment.as_bytes()),
    ]);
    for format in FORMATS {
        let output = check(
            dir.path(),
            format,
            &["attack.yaml", "comment.yaml", "other.yaml"],
        );
        assert_eq!(output.status.code(), Some(1), "{format}: {output:?}");
        assert_safe(format, &output);
        assert_other_finding(format, &output);
        let stdout = String::from_utf8_lossy(&output.stdout);
        if *format == "pretty" {
            // The comment is on the line the excerpt of comment.yaml's KMS104 shows.
            assert!(stdout.contains("\\u{1b}[8m hidden"), "{stdout}");
        }
        assert!(
            stdout.contains("KMS401"),
            "{format}: the attack's finding\n{stdout}"
        );
        match *format {
            "json" => {
                // Machine formats stay faithful.
                let message = message_of(&stdout, "KMS401");
                assert!(message.contains(INJECTED), "{message:?}");
            }
            "sarif" => {}
            "github" => assert!(
                stdout.contains("%0A::add-mask::secret%0D%0A::error file=x::injected\\u{1b}"),
                "{stdout}"
            ),
            _ => assert!(
                stdout.contains("\\n::add-mask::secret\\r\\n::error file=x::injected\\u{1b}"),
                "{stdout}"
            ),
        }
    }
}

#[cfg(unix)]
#[test]
fn file_names_cannot_inject_commands_or_escapes_and_uris_stay_relative() {
    let named = "x\n::add-mask::secret\r\n::error file=x::injected\u{1b}]0;t\u{7}.yaml";
    let skipped = "y\n::add-mask::note\u{1b}[2J.json";
    let dir = workspace(&[
        (named, UNROTATED_KEY.as_bytes()),
        ("::error file=a::b.yaml", UNROTATED_KEY.as_bytes()),
        ("javascript:alert(1).yaml", UNROTATED_KEY.as_bytes()),
        (skipped, b"{\"a\": 1}"),
    ]);
    // `--verbose`: the note naming the skipped file is printed only then.
    let files = [
        "--verbose",
        named,
        "::error file=a::b.yaml",
        "javascript:alert(1).yaml",
        skipped,
        "other.yaml",
    ];
    for format in FORMATS {
        let output = check(dir.path(), format, &files);
        assert_eq!(output.status.code(), Some(1), "{format}: {output:?}");
        assert_safe(format, &output);
        assert_other_finding(format, &output);
        if *format != "pretty" {
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                stderr.contains("was skipped"),
                "{format}: the note\n{stderr}"
            );
        }
        if *format == "sarif" {
            let log: Value = serde_json::from_slice(&output.stdout).unwrap();
            let uris: Vec<String> = sarif_results(&log)
                .iter()
                .map(|r| {
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect();
            assert!(
                uris.contains(&"javascript%3Aalert%281%29.yaml".to_owned()),
                "{uris:?}"
            );
            for uri in &uris {
                let first = uri.split('/').next().unwrap();
                assert!(!first.contains(':'), "`{uri}` has a scheme");
                assert!(
                    uri.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b)),
                    "`{uri}` is not percent-encoded"
                );
            }
        }
    }
    // A name that does not exist: one escaped line on stderr, exit 2, the rest linted.
    for format in FORMATS {
        let output = check(
            dir.path(),
            format,
            &["nope\n::add-mask::gone\u{1b}[2J.yaml", "other.yaml"],
        );
        assert_eq!(output.status.code(), Some(2), "{format}: {output:?}");
        assert_safe(format, &output);
        assert_other_finding(format, &output);
    }
}

#[cfg(unix)]
#[test]
fn a_non_utf8_name_is_percent_encoded_from_its_bytes_in_sarif() {
    use std::os::unix::ffi::OsStrExt;
    let dir = workspace(&[]);
    let name = std::ffi::OsStr::from_bytes(b"k\xff\x1b.yaml");
    fs::write(dir.path().join(name), UNROTATED_KEY).unwrap();
    let args = ["check", "--no-config", "--format", "sarif"].map(std::ffi::OsStr::new);
    let args = [&args[..], &[name, std::ffi::OsStr::new("other.yaml")]].concat();
    let output = Kmslint::new(dir.path(), &args).run().into_output();
    assert_eq!(output.status.code(), Some(1));
    assert_other_finding("sarif", &output);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("\"uri\": \"k%FF%1B.yaml\""), "{text}");
}

#[test]
fn a_long_line_gives_a_short_excerpt() {
    let padding = "p".repeat(2_000_000);
    let template = format!(
        "{{\"Resources\": {{\"Key\": {{\"Type\": \"AWS::KMS::Key\", \"Properties\": {{\"Description\": \"{padding}\", \"KeyPolicy\": {{\"Version\": \"2012-10-17\", \"Statement\": [{{\"Effect\": \"Allow\", \"Principal\": {{\"AWS\": \"arn:aws:iam::111122223333:root\"}}, \"Action\": \"kms:*\", \"Resource\": \"*\"}}]}}}}}}, \"Tail\": \"{padding}\"}}}}"
    );
    let dir = workspace(&[("long.json", template.as_bytes())]);
    let output = check(dir.path(), "pretty", &["long.json", "other.yaml"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_safe("pretty", &output);
    assert_other_finding("pretty", &output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("long.json:1:"),
        "{}",
        &stdout[..stdout.len().min(4000)]
    );
    assert!(stdout.contains('…'));
    // Every finding's excerpt is bounded, whatever the line's length.
    let ratio = output.stdout.len() as f64 / template.len() as f64;
    assert!(
        ratio < 0.01,
        "{} bytes of output for {} of input",
        output.stdout.len(),
        template.len()
    );
    assert!(
        stdout.lines().all(|l| l.chars().count() < 2_000),
        "a line is not cut"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_is_exit_2_with_one_line() {
    let dir = workspace(&[]);
    let runs: Vec<Vec<&str>> = FORMATS
        .iter()
        .map(|f| vec!["check", "--no-config", "--format", f, "other.yaml"])
        .chain([
            vec!["rules"],
            vec!["rules", "--format", "json"],
            vec!["explain", "KMS104"],
        ])
        .collect();
    for args in runs {
        let output = Command::new(env!("CARGO_BIN_EXE_kmslint"))
            .args(&args)
            .current_dir(dir.path())
            .stdout(Stdio::from(fs::File::create("/dev/full").unwrap()))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("kmslint: error: cannot write"),
            "{stderr}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_closed_pipe_is_quiet_and_keeps_the_status() {
    let dir = workspace(&[]);
    let runs: Vec<(Vec<&str>, i32)> = FORMATS
        .iter()
        .map(|f| (vec!["check", "--no-config", "--format", f, "other.yaml"], 1))
        .chain([
            (vec!["rules"], 0),
            (vec!["rules", "--format", "json"], 0),
            (vec!["explain", "KMS104"], 0),
        ])
        .collect();
    for (args, status) in runs {
        // The reading end is closed before kmslint starts: every write fails with EPIPE.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = Command::new(env!("CARGO_BIN_EXE_kmslint"))
            .args(&args)
            .current_dir(dir.path())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(status), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
    // And through a shell, as in `kmslint rules | true`.
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' rules | true; '{}' rules; echo \"status $?\"",
            env!("CARGO_BIN_EXE_kmslint"),
            env!("CARGO_BIN_EXE_kmslint")
        ))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).ends_with("status 0\n"));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn streamed_json_and_sarif_hold_every_finding_of_many_files() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..2_000 {
        let sub = dir.path().join(format!("d{}", i / 100));
        fs::create_dir_all(&sub).unwrap();
        fs::write(sub.join(format!("t{i}.yaml")), UNROTATED_KEY).unwrap();
    }
    fs::write(dir.path().join("other.yaml"), UNROTATED_KEY).unwrap();
    let json = check(dir.path(), "json", &["."]);
    assert_eq!(json.status.code(), Some(1));
    assert_other_finding("json", &json);
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    let diagnostics = doc["diagnostics"].as_array().unwrap();
    assert_eq!(doc["summary"]["files"], 2_001);
    assert_eq!(
        diagnostics.iter().filter(|d| d["code"] == "KMS104").count(),
        2_001
    );
    let sarif = check(dir.path(), "sarif", &["."]);
    assert_eq!(sarif.status.code(), Some(1));
    assert_other_finding("sarif", &sarif);
    let log: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let results = sarif_results(&log);
    assert_eq!(results.len(), diagnostics.len());
    for (r, d) in results.iter().zip(diagnostics) {
        assert_eq!(r["ruleId"], d["code"]);
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            d["path"]
        );
        assert_eq!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            d["start"]["line"]
        );
    }
    assert_eq!(log["version"], "2.1.0");
    assert!(
        !log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// An alias name (quoted in KMS401's message) and a comment on its line with the runner's older
/// `##[command]` form, which it acts on anywhere in a line (`##[stop-commands]` would turn off
/// every annotation after it), and invisible characters (zero-width space and joiner, word
/// joiner, a byte order mark mid-text).
fn legacy_attack() -> String {
    ATTACK
        .replace(
            r#"AliasName: "alias/x\n::add-mask::secret\r\n::error file=x::injected\e[1A\e]0;t\a\x9b2J""#,
            "AliasName: \"alias/x##[stop-commands]tok ###[warning]w \\u200b\\u200d\\u2060\\ufeff\" # ##[stop-commands]comment \u{200b}\u{2060}",
        )
}

#[test]
fn legacy_commands_and_invisible_characters_are_escaped_and_machine_formats_keep_the_data() {
    let attack = legacy_attack();
    assert!(attack.contains("##[stop-commands]tok"), "{attack}");
    let dir = workspace(&[("legacy.yaml", attack.as_bytes())]);
    for format in FORMATS {
        let output = check(dir.path(), format, &["legacy.yaml", "other.yaml"]);
        assert_eq!(output.status.code(), Some(1), "{format}: {output:?}");
        assert_safe(format, &output);
        assert_other_finding(format, &output);
        let stdout = String::from_utf8_lossy(&output.stdout);
        match *format {
            "json" => {
                // `\u005b` parses back to `[`: the message is the one linted.
                assert!(stdout.contains("##\\u005bstop-commands]tok"), "{stdout}");
                let message = message_of(&stdout, "KMS401");
                assert!(
                    message.contains(
                        "x##[stop-commands]tok ###[warning]w \u{200b}\u{200d}\u{2060}\u{feff}"
                    ),
                    "{message:?}"
                );
            }
            "sarif" => {
                let log: Value = serde_json::from_str(&stdout).unwrap();
                assert!(
                    sarif_results(&log).iter().any(|r| r["message"]["text"]
                        .as_str()
                        .is_some_and(|m| m.contains("x##[stop-commands]tok"))),
                    "{stdout}"
                );
            }
            _ => {
                assert!(
                    stdout.contains("##\\u{5b}stop-commands]tok ###\\u{5b}warning]w \\u{200b}\\u{200d}\\u{2060}\\u{feff}"),
                    "{format}\n{stdout}"
                );
                if *format == "pretty" {
                    // The comment is on the line the excerpt of KMS401 shows.
                    assert!(
                        stdout.contains("# ##\\u{5b}stop-commands]comment \\u{200b}\\u{2060}"),
                        "{stdout}"
                    );
                }
            }
        }
    }
}

#[cfg(unix)]
#[test]
fn names_starting_with_white_space_or_commands_cannot_start_a_command_line() {
    let names = [
        " ::error file=a::space.yaml",
        "\t::error file=a::tab.yaml",
        "\u{a0}::error file=a::nbsp.yaml",
        "\u{2003}::error file=a::em.yaml",
        "\u{3000}::error file=a::ideographic.yaml",
        "::error file=a::colon.yaml",
        "##[stop-commands]hash.yaml",
        "zero\u{200b}width\u{feff}.yaml",
    ];
    let files: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (*n, UNROTATED_KEY.as_bytes()))
        .collect();
    let dir = workspace(&files);
    let mut paths: Vec<&str> = names.to_vec();
    paths.push("other.yaml");
    let mut args = vec!["check", "--no-config", "--show-files"];
    args.extend(&paths);
    let output = Kmslint::new(dir.path(), &args).run().into_output();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_safe("pretty", &output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().count(), names.len() + 1, "{stdout}");
    // The same files, named so that the runner reads no command.
    assert!(
        stdout.contains("./ ::error file=a::space.yaml\n"),
        "{stdout}"
    );
    assert!(stdout.contains("./\u{3000}::error"), "{stdout}");
    assert!(
        stdout.contains("./::error file=a::colon.yaml\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("./##\\u{5b}stop-commands]hash.yaml\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("zero\\u{200b}width\\u{feff}.yaml\n"),
        "{stdout}"
    );
    for format in FORMATS {
        let output = check(dir.path(), format, &paths);
        assert_eq!(output.status.code(), Some(1), "{format}: {output:?}");
        assert_safe(format, &output);
        assert_other_finding(format, &output);
    }
}

#[cfg(unix)]
#[test]
fn a_backslash_in_a_name_is_percent_encoded_in_sarif() {
    let dir = workspace(&[("a\\b.yaml", UNROTATED_KEY.as_bytes())]);
    let output = check(dir.path(), "sarif", &["a\\b.yaml", "other.yaml"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let log: Value = serde_json::from_slice(&output.stdout).unwrap();
    let results = sarif_results(&log);
    let uris: Vec<&str> = results
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    // `a/b.yaml` would be another file.
    assert!(uris.contains(&"a%5Cb.yaml"), "{uris:?}");
    assert!(!uris.contains(&"a/b.yaml"), "{uris:?}");
}

/// [`UNROTATED_KEY`] with a description whose last lines, the context of the diff of KMS105's
/// fix, hold a `##[…]` command, an indented `::error` line, U+202E, a zero-width space, and
/// ESC sequences (an OSC 8 hyperlink, erase screen).
fn diff_attack() -> String {
    format!(
        "{UNROTATED_KEY}      Description: |\n        ##[stop-commands]x \u{202e}rev \u{200b}zw\n          ::error file=x::injected\n        link \u{1b}]8;;http://evil.example/\u{1b}\\click\u{1b}]8;;\u{1b}\\ \u{1b}[2J\n"
    )
}

#[test]
fn diff_on_stdout_is_escaped_and_to_a_file_applies() {
    let attack = diff_attack();
    let dir = dir_with(&[("t.yaml", attack.as_bytes())]);
    let output = Kmslint::new(dir.path(), &["check", "--no-config", "--diff", "t.yaml"])
        .run()
        .into_output();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_safe("pretty", &output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("+    DeletionPolicy: Retain\n"), "{stdout}");
    assert!(
        stdout.contains("         ##\\u{5b}stop-commands]x \\u{202e}rev \\u{200b}zw\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("           \\u{3a}:error file=x::injected\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("link \\u{1b}]8;;http://evil.example/"),
        "{stdout}"
    );

    // Written to a file with -o, the diff is the template's own text and applies.
    let output = Kmslint::new(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--diff",
            "-o",
            "fix.patch",
            "t.yaml",
        ],
    )
    .run()
    .into_output();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    let patch = fs::read_to_string(dir.path().join("fix.patch")).unwrap();
    assert!(patch.contains("\u{1b}]8;;http://evil.example/"), "{patch}");
    assert!(
        patch.contains("\n           ::error file=x::injected\n"),
        "{patch}"
    );
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("git runs")
    };
    if git(&["--version"]).status.success() {
        assert!(git(&["init", "-q", "."]).status.success());
        let check = git(&["apply", "--check", "fix.patch"]);
        assert!(check.status.success(), "{check:?}\n{patch}");
        assert!(git(&["apply", "fix.patch"]).status.success());
        assert_eq!(
            fs::read_to_string(dir.path().join("t.yaml")).unwrap(),
            format!("{attack}    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n")
        );
    }
}

/// `keys` keys on one line of JSON, each with four findings (KMS104, KMS105, KMS204, KMS206),
/// most with a fix on that line too.
fn one_line_keys(keys: usize) -> String {
    let statement = r#"{"Effect": "allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}"#;
    let keys: Vec<String> = (0..keys)
        .map(|i| {
            format!(
                r#""K{i}": {{"Type": "AWS::KMS::Key", "Properties": {{"KeyPolicy": {{"Version": "2012-10-17", "Statement": [{statement}]}}}}}}"#
            )
        })
        .collect();
    format!("{{\"Resources\": {{{}}}}}", keys.join(", "))
}

#[test]
fn ten_thousand_findings_on_one_long_line_render_in_linear_time() {
    let template = one_line_keys(2_500);
    let dir = workspace(&[("long.json", template.as_bytes())]);
    for format in FORMATS {
        // A pretty report took seconds in a release build when each finding scanned the line
        // (minutes in a debug build); every format now takes about as long as JSON.
        let output = Kmslint::new(
            dir.path(),
            &[
                "check",
                "--no-config",
                "--format",
                format,
                "long.json",
                "other.yaml",
            ],
        )
        .deadline(std::time::Duration::from_secs(30))
        .run()
        .into_output();
        assert_eq!(output.status.code(), Some(1), "{format}: {output:?}");
        assert_other_finding(format, &output);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let findings = match *format {
            "json" => serde_json::from_str::<Value>(&stdout).unwrap()["diagnostics"]
                .as_array()
                .unwrap()
                .len(),
            "sarif" => sarif_results(&serde_json::from_str(&stdout).unwrap()).len(),
            "pretty" => stdout.matches("long.json:1:").count(),
            _ => stdout.lines().filter(|l| l.contains("long.json")).count(),
        };
        assert!(findings >= 10_000, "{format}: {findings} findings");
    }
}
