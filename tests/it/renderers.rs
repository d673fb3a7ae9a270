//! Every output format (SPEC §2) reports the same findings: one set of diagnostics, rendered
//! as pretty, compact, json, sarif and github, gives the same (line, column, code, severity)
//! in each. Also: GitHub workflow commands escape what they must; fixes show as `[*]` and a
//! note in pretty output, as `fix` in JSON, and in the summary's counts and wording.

use crate::common::{self, summary_of};

use std::collections::HashMap;
use std::ops::Range;

use kmslint_core::fix::{Applicability, Edit, Fix};
use kmslint_core::render::pretty::PrettyOptions;
use kmslint_core::render::{self, FileOutput, Summary};
use kmslint_core::source::{LineIndex, Span};
use kmslint_core::{Diagnostic, Severity, lint_source, rules};
use regex::Regex;
use serde_json::Value;

/// An error, warnings, an info (KMS105 lowered below), and messages with `%`, `,`, `:` and a
/// line break, which GitHub workflow commands must escape.
const TEMPLATE: &str = r#"Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: false
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}
            Action: ['kms:*', 'kms:Encrypt%,x', "Decrypt:\nnow", 's3:GetObject']
            Resource: '*'
  Alias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: "alias/50%,bad:name\nx"
      TargetKeyId: !Ref Key
"#;

/// A path with the characters workflow command properties escape.
const PATH: &str = "stacks/a,b:c%d.yaml";

/// One finding as every format can show it.
type Finding = (u32, u32, String, Severity);

fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort();
    findings
}

/// [`TEMPLATE`]'s findings, of the rules it was written for only (KMS104, KMS105, KMS207,
/// KMS401): the tests below index and count them, which a new rule would upset.
fn diagnostics() -> Vec<Diagnostic> {
    let mut settings = common::only(&["KMS104", "KMS105", "KMS207", "KMS401"]);
    settings.rules.severity.insert("KMS105", Severity::Info);
    lint_source(PATH, TEMPLATE, &settings)
}

fn expected(diagnostics: &[Diagnostic]) -> Vec<Finding> {
    sorted(
        diagnostics
            .iter()
            .map(|d| (d.start.line, d.start.column, d.code.to_owned(), d.severity))
            .collect(),
    )
}

fn severity(word: &str) -> Severity {
    match word {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        "info" | "note" | "notice" => Severity::Info,
        other => panic!("`{other}` is not a severity in any format"),
    }
}

fn number(s: &str) -> u32 {
    s.parse()
        .unwrap_or_else(|_| panic!("`{s}` is not a number"))
}

fn json_number(value: &Value) -> u32 {
    u32::try_from(
        value
            .as_u64()
            .unwrap_or_else(|| panic!("{value} is not a number")),
    )
    .expect("fits")
}

/// `severity[CODE]: message` headers, each followed (after the message's own lines) by
/// `┌─ path:line:column`.
fn from_pretty(text: &str) -> Vec<Finding> {
    let header = Regex::new(r"^(error|warning|info)\[(KMS\d{3})\]: ").expect("regex");
    let mut findings = Vec::new();
    let mut pending: Option<(String, Severity)> = None;
    for line in text.lines() {
        if let Some(c) = header.captures(line) {
            assert!(
                pending.is_none(),
                "pretty: a header without a location before {line:?}"
            );
            pending = Some((c[2].to_owned(), severity(&c[1])));
        } else if let Some(at) = line.trim_start().strip_prefix("┌─ ") {
            let (code, severity) = pending
                .take()
                .unwrap_or_else(|| panic!("pretty: a location without a header: {line:?}"));
            let mut parts = at.rsplitn(3, ':');
            let column = number(parts.next().expect("column"));
            let line_no = number(parts.next().expect("line"));
            assert_eq!(parts.next(), Some(PATH), "pretty: the path in {line:?}");
            findings.push((line_no, column, code, severity));
        }
    }
    assert!(pending.is_none(), "pretty: the last header has no location");
    findings
}

/// `path:line:column: severity[CODE] message`, one line each.
fn from_compact(text: &str) -> Vec<Finding> {
    let line_re = Regex::new(r"^(.+):(\d+):(\d+): (error|warning|info)\[(KMS\d{3})\] \S").unwrap();
    text.lines()
        .map(|line| {
            let c = line_re.captures(line).unwrap_or_else(|| {
                panic!("compact: not `path:line:col: severity[CODE] message`: {line:?}")
            });
            assert_eq!(&c[1], PATH, "compact: the path in {line:?}");
            (
                number(&c[2]),
                number(&c[3]),
                c[5].to_owned(),
                severity(&c[4]),
            )
        })
        .collect()
}

fn from_json(text: &str) -> Vec<Finding> {
    let document: Value = serde_json::from_str(text).expect("json output is JSON");
    document["diagnostics"]
        .as_array()
        .expect("a diagnostics array")
        .iter()
        .map(|d| {
            assert_eq!(d["path"], PATH);
            (
                json_number(&d["start"]["line"]),
                json_number(&d["start"]["column"]),
                d["code"].as_str().expect("code").to_owned(),
                severity(d["severity"].as_str().expect("severity")),
            )
        })
        .collect()
}

fn from_sarif(text: &str) -> Vec<Finding> {
    let log: Value = serde_json::from_str(text).expect("sarif output is JSON");
    log["runs"][0]["results"]
        .as_array()
        .expect("a results array")
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            assert_eq!(
                location["artifactLocation"]["uri"],
                render::sarif::uri(PATH),
                "sarif: the uri"
            );
            (
                json_number(&location["region"]["startLine"]),
                json_number(&location["region"]["startColumn"]),
                r["ruleId"].as_str().expect("ruleId").to_owned(),
                severity(r["level"].as_str().expect("level")),
            )
        })
        .collect()
}

/// A workflow command: `::command key=value,…::data`.
struct Command {
    command: String,
    properties: HashMap<String, String>,
    data: String,
}

fn parse_command(line: &str) -> Command {
    let rest = line
        .strip_prefix("::")
        .unwrap_or_else(|| panic!("github: not a workflow command: {line:?}"));
    let (head, data) = rest
        .split_once("::")
        .unwrap_or_else(|| panic!("github: no `::` before the message: {line:?}"));
    let (command, properties) = head.split_once(' ').unwrap_or((head, ""));
    let properties = properties
        .split(',')
        .map(|p| {
            let (k, v) = p
                .split_once('=')
                .unwrap_or_else(|| panic!("github: property `{p}` has no `=` in {line:?}"));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    Command {
        command: command.to_owned(),
        properties,
        data: data.to_owned(),
    }
}

/// Undoes the runner's escaping (`%25`, `%0D`, `%0A`, and in properties `%3A`, `%2C`).
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let code = rest.get(at + 1..at + 3).unwrap_or_default();
        out.push(match code {
            "25" => '%',
            "0D" => '\r',
            "0A" => '\n',
            "3A" => ':',
            "2C" => ',',
            _ => panic!("github: a bare or unknown escape `%{code}` in {s:?}"),
        });
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}

fn from_github(text: &str) -> Vec<Finding> {
    text.lines()
        .map(|line| {
            let c = parse_command(line);
            let property = |key: &str| {
                c.properties
                    .get(key)
                    .unwrap_or_else(|| panic!("github: no `{key}` in {line:?}"))
            };
            let title = unescape(property("title"));
            let code = title.split(' ').next().expect("a title").to_owned();
            (
                number(property("line")),
                number(property("col")),
                code,
                severity(&c.command),
            )
        })
        .collect()
}

struct Rendered {
    pretty: String,
    compact: String,
    json: String,
    sarif: String,
    github: String,
}

fn render_all(diagnostics: &[Diagnostic]) -> Rendered {
    let output = FileOutput {
        path: PATH,
        text: TEMPLATE,
        diagnostics,
        previous: None,
    };
    let summary = summary_of(diagnostics, false);
    let all_rules: Vec<&rules::RuleEntry> = rules::RULES.iter().collect();
    Rendered {
        pretty: render::pretty::render_file(&output, false),
        compact: render::compact::render(PATH, diagnostics),
        json: render::json::render(std::slice::from_ref(&output), &summary),
        sarif: render::sarif::render(std::slice::from_ref(&output), &all_rules),
        github: render::github::render(PATH, diagnostics),
    }
}

#[test]
fn every_format_reports_the_same_findings() {
    let diagnostics = diagnostics();
    let expected = expected(&diagnostics);
    let severities: Vec<Severity> = expected.iter().map(|f| f.3).collect();
    for wanted in [Severity::Error, Severity::Warning, Severity::Info] {
        assert!(
            severities.contains(&wanted),
            "the template gives a finding of severity {wanted}: {expected:?}"
        );
    }
    assert!(
        diagnostics.iter().any(|d| d.message.contains('\n')),
        "a message has a line break"
    );
    for special in ['%', ',', ':'] {
        assert!(
            diagnostics.iter().any(|d| d.message.contains(special)),
            "a message has `{special}`"
        );
    }

    let out = render_all(&diagnostics);
    for (format, found) in [
        ("pretty", from_pretty(&out.pretty)),
        ("compact", from_compact(&out.compact)),
        ("json", from_json(&out.json)),
        ("sarif", from_sarif(&out.sarif)),
        ("github", from_github(&out.github)),
    ] {
        assert_eq!(
            found.len(),
            diagnostics.len(),
            "{format} reports {} findings, not {}",
            found.len(),
            diagnostics.len()
        );
        assert_eq!(sorted(found), expected, "{format} reports other findings");
    }
}

#[test]
fn github_commands_escape_properties_and_messages() {
    let diagnostics = diagnostics();
    let out = render_all(&diagnostics).github;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        diagnostics.len(),
        "one command per finding, even for a message with a line break:\n{out}"
    );
    for (line, d) in lines.iter().zip(&diagnostics) {
        let c = parse_command(line);
        // A `:` or `,` in a property would end it early; the path has both, and `%`.
        assert_eq!(c.properties["file"], "stacks/a%2Cb%3Ac%25d.yaml", "{line}");
        assert_eq!(unescape(&c.properties["file"]), PATH);
        assert_eq!(
            c.properties["title"],
            format!("{} {}", d.code, d.name),
            "{line}"
        );
        assert_eq!(c.properties["endLine"], d.end.line.to_string(), "{line}");
        assert_eq!(
            c.properties["endColumn"],
            d.end.column.to_string(),
            "{line}"
        );
        // The message: `%`, CR and LF escaped, `:` and `,` left alone.
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        // (`unescape` also refuses a bare `%`.)
        assert_eq!(unescape(&c.data), message, "{line}");
        assert!(!c.data.contains('\n') && !c.data.contains('\r'));
    }
    let escaped = lines
        .iter()
        .find(|l| l.contains("Decrypt:%0Anow"))
        .unwrap_or_else(|| panic!("the line break in `Decrypt:\\nnow` is escaped:\n{out}"));
    assert!(escaped.starts_with("::error "), "{escaped}");
    assert!(
        out.contains("`kms:Encrypt%25,x` is not a KMS action"),
        "`%` in a message becomes `%25`, `,` stays:\n{out}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("::notice ")),
        "an info finding is a notice:\n{out}"
    );
}

// --- fixes ---------------------------------------------------------------------------------

/// A fix whose edits replace each byte range of `text` with its content, located as the
/// linter locates them.
fn fix(
    text: &str,
    title: &str,
    applicability: Applicability,
    edits: &[(Range<usize>, &str)],
) -> Fix {
    let lines = LineIndex::new(text);
    Fix {
        title: title.to_owned(),
        applicability,
        edits: edits
            .iter()
            .map(|(range, content)| Edit {
                span: Span::new(range.start, range.end),
                replacement: (*content).to_owned(),
                start: lines.position(text, range.start),
                end: lines.position(text, range.end),
            })
            .collect(),
    }
}

/// The template's findings, the first three with a safe, an unsafe and a display-only fix
/// that replace the finding's own text.
fn diagnostics_with_fixes() -> Vec<Diagnostic> {
    let mut diagnostics = diagnostics();
    let applicabilities = [
        Applicability::Safe,
        Applicability::Unsafe,
        Applicability::DisplayOnly,
    ];
    assert!(diagnostics.len() > applicabilities.len());
    for (d, applicability) in diagnostics.iter_mut().zip(applicabilities) {
        let range = d.span.start as usize..d.span.end as usize;
        d.fix = Some(fix(
            TEMPLATE,
            &format!("Make it {}", applicability.as_str()),
            applicability,
            &[(range, "x")],
        ));
    }
    diagnostics
}

#[test]
fn fixes_leave_every_format_reporting_the_same_findings() {
    let fixed = diagnostics_with_fixes();
    let out = render_all(&fixed);
    let expected = expected(&fixed);
    assert_eq!(sorted(from_pretty(&out.pretty)), expected);
    assert_eq!(sorted(from_json(&out.json)), expected);
    assert_eq!(sorted(from_sarif(&out.sarif)), expected);
    // The line formats do not change with fixes: editors parse them.
    let plain = diagnostics();
    assert_eq!(out.compact, render::compact::render(PATH, &plain));
    assert_eq!(out.github, render::github::render(PATH, &plain));
}

/// The header and fix note of each finding with a fix, in order.
fn pretty_fixes(diagnostics: &[Diagnostic], options: PrettyOptions) -> Vec<(String, String)> {
    let output = FileOutput {
        path: PATH,
        text: TEMPLATE,
        diagnostics,
        previous: None,
    };
    let text = render::pretty::render_file(&output, options);
    let mut found = Vec::new();
    let mut header = String::new();
    for line in text.lines() {
        if line.starts_with(['e', 'w', 'i']) && line.contains("[KMS") {
            header = line.to_owned();
        } else if let Some(note) = line.trim_start().strip_prefix("= ")
            && note.contains("fix")
        {
            found.push((header.clone(), note.to_owned()));
        }
    }
    found
}

#[test]
fn pretty_marks_the_fixes_fix_would_apply() {
    let diagnostics = diagnostics_with_fixes();
    let marked = |options: PrettyOptions| -> Vec<(bool, String)> {
        pretty_fixes(&diagnostics, options)
            .into_iter()
            .map(|(header, note)| (header.contains("]: [*] "), note))
            .collect()
    };
    let notes = |unsafe_mark: bool| {
        vec![
            (true, "fix: Make it safe".to_owned()),
            (unsafe_mark, "unsafe fix: Make it unsafe".to_owned()),
            (
                false,
                "suggested fix (not applied automatically): Make it display-only".to_owned(),
            ),
        ]
    };
    // A bool is the colour, with unsafe fixes off.
    assert_eq!(marked(false.into()), notes(false));
    assert_eq!(
        marked(PrettyOptions {
            color: false,
            unsafe_fixes: true
        }),
        notes(true)
    );
    // `[*]` sits after the code, where ruff puts it, and the message follows.
    let (header, _) = &pretty_fixes(&diagnostics, false.into())[0];
    let d = &diagnostics[0];
    assert_eq!(
        *header,
        format!("{}[{}]: [*] {}", d.severity, d.code, d.message)
    );
    // Findings without a fix have neither.
    let output = FileOutput {
        path: PATH,
        text: TEMPLATE,
        diagnostics: &diagnostics[3..],
        previous: None,
    };
    let text = render::pretty::render_file(&output, false);
    assert!(!text.contains("[*]") && !text.contains("fix:"), "{text}");
}

#[test]
fn the_summary_counts_fixable_and_hidden_fixes() {
    let diagnostics = diagnostics_with_fixes();
    let off = summary_of(&diagnostics, false);
    assert_eq!((off.fixable, off.unsafe_fixable, off.fixed), (1, 1, 0));
    let on = summary_of(&diagnostics, true);
    assert_eq!((on.fixable, on.unsafe_fixable, on.fixed), (2, 0, 0));
    let plain = summary_of(&diagnostics[3..], false);
    assert_eq!((plain.fixable, plain.unsafe_fixable), (0, 0));
}

#[test]
fn the_summary_line_words_fixes_as_ruff_does() {
    let line = |edit: &dyn Fn(&mut Summary)| {
        let mut summary = Summary {
            files: 2,
            errors: 3,
            warnings: 1,
            ..Summary::default()
        };
        edit(&mut summary);
        render::pretty::summary_line(&summary)
    };
    assert_eq!(line(&|_| {}), "Checked 2 files: 3 errors, 1 warning.");
    assert_eq!(
        line(&|s| s.fixable = 1),
        "Checked 2 files: 3 errors, 1 warning.\n[*] 1 fixable with `--fix`."
    );
    assert_eq!(
        line(&|s| {
            s.fixable = 3;
            s.unsafe_fixable = 1;
        }),
        "Checked 2 files: 3 errors, 1 warning.\n\
         [*] 3 fixable with `--fix` (1 hidden fix can be enabled with `--unsafe-fixes`)."
    );
    assert_eq!(
        line(&|s| s.unsafe_fixable = 2),
        "Checked 2 files: 3 errors, 1 warning.\n\
         No fixes available (2 hidden fixes can be enabled with `--unsafe-fixes`)."
    );
    assert_eq!(
        line(&|s| {
            s.fixed = 5;
            s.unreadable = 1;
        }),
        "Checked 2 files: 3 errors, 1 warning (5 fixed, 4 remaining); 1 path could not be read."
    );
    assert_eq!(
        line(&|s| {
            s.errors = 0;
            s.warnings = 0;
            s.fixed = 1;
        }),
        "Checked 2 files: all problems fixed (1 fixed, 0 remaining)."
    );
    // Counted from findings: one safe and one unsafe fix, unsafe fixes off.
    let summary = summary_of(&diagnostics_with_fixes(), false);
    let text = render::pretty::summary_line(&summary);
    assert!(
        text.ends_with(
            "\n[*] 1 fixable with `--fix` (1 hidden fix can be enabled with `--unsafe-fixes`)."
        ),
        "{text}"
    );
}

#[test]
fn json_gives_each_fix_with_the_findings_positions() {
    // `😀` is one character but two UTF-16 code units: the columns after it differ.
    let text = "a: \"😀 é\" x\nb: 1\n";
    let x = text.find('x').unwrap();
    let b = text.find('b').unwrap();
    let mut diagnostics = diagnostics();
    diagnostics.truncate(2);
    diagnostics[0].fix = Some(fix(
        text,
        "Replace `x` and insert",
        Applicability::Unsafe,
        &[(x..x + 1, "y\n"), (b..b, "c: 2\n")],
    ));
    diagnostics[1].fix = None;
    let output = FileOutput {
        path: PATH,
        text,
        diagnostics: &diagnostics,
        previous: None,
    };
    let summary = summary_of(&diagnostics, false);
    let document: Value =
        serde_json::from_str(&render::json::render(&[output], &summary)).expect("JSON");
    let fix = &document["diagnostics"][0]["fix"];
    assert_eq!(
        *fix,
        serde_json::json!({
            "title": "Replace `x` and insert",
            "applicability": "unsafe",
            "edits": [
                {
                    "content": "y\n",
                    "start": {"line": 1, "column": 10, "utf16_column": 11, "offset": x},
                    "end": {"line": 1, "column": 11, "utf16_column": 12, "offset": x + 1},
                },
                {
                    "content": "c: 2\n",
                    "start": {"line": 2, "column": 1, "utf16_column": 1, "offset": b},
                    "end": {"line": 2, "column": 1, "utf16_column": 1, "offset": b},
                },
            ],
        })
    );
    assert_eq!(document["diagnostics"][1]["fix"], Value::Null);
    assert_eq!(document["summary"]["fixable"], 0);
    assert_eq!(document["summary"]["unsafe_fixable"], 1);
    assert_eq!(document["summary"]["fixed"], 0);
    assert!(document["summary"].get("unsafe_fixes").is_none());
}

// --- related places in the old version (change rules, KMS5xx) -----------------------------

/// [`common::compared_findings`] as the file `key.yaml` compared with [`common::OLD_KEY`].
fn compared_output(diagnostics: &[Diagnostic]) -> FileOutput<'_> {
    FileOutput {
        path: "key.yaml",
        text: common::UNROTATED_KEY,
        diagnostics,
        previous: Some(render::PreviousFile {
            name: common::OLD_NAME,
            text: common::OLD_KEY,
        }),
    }
}

#[test]
fn pretty_shows_old_places_under_the_old_name() {
    assert!(
        common::OLD_KEY.rfind("whose").unwrap() > common::UNROTATED_KEY.len(),
        "a related place lies past the new text's end"
    );
    let diagnostics = common::compared_findings();
    let pretty = render::pretty::render_file(&compared_output(&diagnostics[..1]), false);
    insta::assert_snapshot!("old_places_pretty", pretty);
    // The old version's places in its own snippet, at their own lines and columns: the
    // emoji counts as one column.
    assert!(pretty.contains("┌─ key.yaml:2:3"), "{pretty}");
    assert!(pretty.contains("┌─ old/key.yaml:4:45"), "{pretty}");
    assert!(pretty.contains("was `RSA_2048` here"), "{pretty}");
    assert!(pretty.contains("exported here"), "{pretty}");
    // An old version without its text: the position in a note.
    assert!(
        pretty.contains("= other.yaml:5:5: retained here"),
        "{pretty}"
    );
    // Without the old text at all, every old place is a note, and nothing is taken from the
    // new text at their offsets.
    let alone = FileOutput {
        previous: None,
        ..compared_output(&diagnostics[..1])
    };
    let pretty = render::pretty::render_file(&alone, false);
    assert!(!pretty.contains("old/key.yaml:4:45\n"), "{pretty}");
    assert!(
        pretty.contains("= old/key.yaml:4:45: was `RSA_2048` here"),
        "{pretty}"
    );
    assert_eq!(pretty.matches("┌─").count(), 1, "{pretty}");
}

#[test]
fn pretty_escapes_the_old_name_and_clamps_old_spans() {
    let mut diagnostics = common::compared_findings();
    diagnostics.truncate(1);
    let name = "old\u{1b}]0;x\u{7}.yaml";
    for related in &mut diagnostics[0].related {
        if related.path.as_deref() == Some(common::OLD_NAME) {
            related.path = Some(name.to_owned());
        }
    }
    // A span past the old text's end is clamped to it, not to the new text's.
    let mut past = diagnostics[0].related[1].clone();
    past.span = kmslint_core::source::Span::new(100_000, 100_001);
    past.message = "past the end".to_owned();
    diagnostics[0].related.push(past);
    let output = FileOutput {
        previous: Some(render::PreviousFile {
            name,
            text: common::OLD_KEY,
        }),
        ..compared_output(&diagnostics)
    };
    let pretty = render::pretty::render_file(&output, false);
    assert!(
        !pretty.contains('\u{1b}') && !pretty.contains('\u{7}'),
        "{pretty}"
    );
    assert!(
        pretty.contains("┌─ old\\u{1b}]0;x\\u{7}.yaml:4:45"),
        "{pretty}"
    );
    assert!(pretty.contains("past the end"), "{pretty}");
    let last_line = common::OLD_KEY.lines().count();
    assert!(
        pretty.contains(&format!("{last_line} │     Description: the payments key")),
        "{pretty}"
    );
}

#[test]
fn json_gives_old_places_with_the_old_name_and_old_utf16_columns() {
    let diagnostics = common::compared_findings();
    let output = compared_output(&diagnostics[..1]);
    let summary = Summary {
        files: 1,
        ..Summary::default()
    };
    let json = render::json::render(std::slice::from_ref(&output), &summary);
    let document: Value = serde_json::from_str(&json).expect("JSON");
    let related = &document["diagnostics"][0]["related"];
    insta::assert_json_snapshot!("old_places_json", related);
    assert_eq!(related[0]["path"], "key.yaml");
    assert_eq!(related[1]["path"], common::OLD_NAME);
    // `KeySpec` follows an emoji: one column, two UTF-16 code units.
    assert_eq!(related[1]["start"]["column"], 45);
    assert_eq!(related[1]["start"]["utf16_column"], 46);
    assert_eq!(related[2]["start"]["line"], 14);
    // Without its text, an old place keeps its column in characters.
    assert_eq!(related[3]["path"], "other.yaml");
    assert_eq!(
        related[3]["start"]["utf16_column"],
        related[3]["start"]["column"]
    );
    // The command line's way (columns computed per file first) gives the same.
    let columns = render::json::utf16_columns(&output);
    assert_eq!(columns[0].related[1], (46, 63));
}

#[test]
fn sarif_gives_old_places_as_related_locations_in_the_old_file() {
    let diagnostics = common::compared_findings();
    let output = compared_output(&diagnostics[..1]);
    let all_rules: Vec<&rules::RuleEntry> = rules::RULES.iter().collect();
    let sarif = render::sarif::render(std::slice::from_ref(&output), &all_rules);
    let log: Value = serde_json::from_str(&sarif).expect("JSON");
    let related = &log["runs"][0]["results"][0]["relatedLocations"];
    insta::assert_json_snapshot!("old_places_sarif", related);
    let uri = |i: usize| related[i]["physicalLocation"]["artifactLocation"]["uri"].clone();
    assert_eq!(uri(0), "key.yaml");
    assert_eq!(uri(1), "old/key.yaml");
    assert_eq!(uri(3), "other.yaml");
    // Columns in Unicode code points (the run's columnKind), in the old text.
    assert_eq!(log["runs"][0]["columnKind"], "unicodeCodePoints");
    assert_eq!(related[1]["physicalLocation"]["region"]["startColumn"], 45);
}

#[test]
fn compact_and_github_lines_keep_their_shape_with_old_places() {
    let diagnostics = common::compared_findings();
    let plain: Vec<Diagnostic> = diagnostics
        .iter()
        .cloned()
        .map(|mut d| {
            d.related.clear();
            d
        })
        .collect();
    assert_eq!(
        render::compact::render("key.yaml", &diagnostics),
        render::compact::render("key.yaml", &plain)
    );
    assert_eq!(
        render::github::render("key.yaml", &diagnostics),
        render::github::render("key.yaml", &plain)
    );
}

/// One word per severity (docs/output-formats.md, "Severity words"): an info finding is `info` wherever
/// kmslint picks the word (pretty, coloured or not, compact, JSON, JUnit), and the format's own
/// word where the format defines one (SARIF's `note`, GitHub's `notice`, GitLab's `info`).
#[test]
fn an_info_finding_is_info_wherever_kmslint_chooses_the_word() {
    let all = diagnostics();
    let info: Vec<Diagnostic> = all
        .into_iter()
        .filter(|d| d.severity == Severity::Info)
        .collect();
    assert_eq!(info.len(), 1, "{info:?}");
    let output = FileOutput {
        path: PATH,
        text: TEMPLATE,
        diagnostics: &info,
        previous: None,
    };
    let ansi = Regex::new("\x1b\\[[0-9;]*m").unwrap();
    for color in [false, true] {
        let pretty = render::pretty::render_file(&output, color);
        let plain = ansi.replace_all(&pretty, "");
        assert!(plain.starts_with("info[KMS105]: "), "{plain}");
        assert!(!plain.contains("note"), "{plain}");
    }
    let compact = render::compact::render(PATH, &info);
    assert!(compact.contains(": info[KMS105] "), "{compact}");
    let json: Value = serde_json::from_str(&render::json::render(
        std::slice::from_ref(&output),
        &Summary::default(),
    ))
    .unwrap();
    assert_eq!(json["diagnostics"][0]["severity"], "info", "{json}");
    let junit = render::junit::render(
        &[render::junit::JunitFile {
            path: PATH,
            diagnostics: &info,
        }],
        &[],
    );
    assert!(junit.contains("type=\"info\""), "{junit}");
    let mut gitlab = Vec::new();
    render::gitlab::write_report(
        &mut gitlab,
        &[render::gitlab::GitlabFile {
            path: PATH,
            diagnostics: &info,
        }],
    )
    .unwrap();
    let gitlab: Value = serde_json::from_slice(&gitlab).unwrap();
    assert_eq!(gitlab[0]["severity"], "info");
    let sarif: Value =
        serde_json::from_str(&render::sarif::render(std::slice::from_ref(&output), &[])).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["level"], "note");
    let github = render::github::render(PATH, &info);
    assert!(github.starts_with("::notice "), "{github}");
}
