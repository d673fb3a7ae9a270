//! Properties every automatic fix must keep, checked over every file of the fixtures, the
//! real-world corpus (`../shared/corpus`, see `common::corpus`) and templates generated here in
//! each way a key policy can be written (YAML block and flow, JSON pretty and on one line, LF
//! and CRLF, a policy as a mapping, as JSON in `KeyPolicy: |` and as an escaped JSON string).
//! With every rule on and fixes applied down to [`Applicability::Unsafe`]:
//!
//! a. idempotent: a second `fix_text` on the result changes nothing, and the result's findings
//!    offer no fix that `--unsafe-fixes` would apply;
//! b. the result still parses: same `Outcome`, no more KMS001 findings than before, after
//!    every pass;
//! c. no finding that had no fix disappears: each finding without an applicable fix before is
//!    matched, one for one, by a finding after of the same code with the same message or
//!    resource, except for the few documented consequences in [`CASCADES`];
//! d. bytes outside the edits are kept: for each pass done here with `kmslint_core::fix::apply`,
//!    every edit made is one a finding offered, none is a no-op, and the new text is the old
//!    one rebuilt here with only those edits made (every other byte in place).
//!
//! Failures are collected over every input and reported together, with the input's name.
//! While few rules offer fixes, most inputs check little; the `#[ignore]`d test below asserts
//! that the inputs written to be fixable do get fixes, and `KMSLINT_FIX_MIN=N` makes the main
//! test demand at least N applied fixes over all its inputs.

use crate::common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use kmslint_core::fix::{self, Applicability};
use kmslint_core::rules::{RuleKind, kind};
use kmslint_core::{Diagnostic, FileReport, Outcome, Settings, fix_text, lint_bytes};

/// Fixes are applied down to this: `--fix --unsafe-fixes`.
const LEAST: Applicability = Applicability::Unsafe;

/// Findings without a fix that may disappear when a fix of another code was applied in the same
/// file, because the fix removes their cause: (code fixed, code that may go, why). Add a row
/// only with a reason.
const CASCADES: &[(&str, &str, &str)] = &[
    (
        "KMS206",
        "KMS204",
        "a statement made valid (`allow` → `Allow`) can be the one that keeps kms:PutKeyPolicy",
    ),
    (
        "KMS207",
        "KMS204",
        "an action name corrected to kms:PutKeyPolicy (or a kms:Put* pattern) ends the lockout",
    ),
    (
        "KMS104",
        "KMS103",
        "rotation turned on gives RotationPeriodInDays, which had no effect, its effect",
    ),
    (
        "KMS201",
        "KMS206",
        "a policy string with typographic quotes for JSON quotes parses once they are replaced",
    ),
];

/// Whether `d` carries a fix that [`LEAST`] applies.
fn applicable(d: &Diagnostic) -> bool {
    d.fix
        .as_ref()
        .is_some_and(|f| f.applicability >= LEAST && f.applicability > Applicability::DisplayOnly)
}

/// Lints `text` as the command line lints a file named on it.
fn lint(name: &str, text: &str, settings: &Settings) -> FileReport {
    lint_bytes(
        name,
        text.as_bytes().to_vec(),
        settings,
        true,
        &kmslint_core::Previous::NotCompared,
    )
    .0
}

fn parse_errors(report: &FileReport) -> usize {
    report
        .diagnostics
        .iter()
        .filter(|d| kind(d.code) == Some(RuleKind::Parse))
        .count()
}

/// How many times `fix_text` lints and fixes at most (kmslint's `MAX_FIX_PASSES`).
const MAX_PASSES: usize = 10;

/// What checking one input found: its failures and the codes of the fixes applied.
#[derive(Default)]
struct Checked {
    failures: Vec<String>,
    fixed: Vec<&'static str>,
}

/// Checks properties a–d on one input (decoded text).
fn check(name: &str, text: &str, settings: &Settings) -> Checked {
    let mut out = Checked::default();
    let before = lint(name, text, settings);
    let mut fail = |what: String| out.failures.push(format!("{name}: {what}"));

    // d (and b, pass by pass): the passes done here, each diffed against its edits.
    let mut current = text.to_owned();
    let mut report = lint(name, text, settings);
    let mut manual_fixed = Vec::new();
    let mut passes = 0;
    while let Some(applied) = fix::apply(&current, &report.diagnostics, LEAST) {
        passes += 1;
        if passes > MAX_PASSES {
            fail(format!(
                "fixes still apply after {MAX_PASSES} passes (fixes that undo each other?): {:?}",
                applied.fixed
            ));
            break;
        }
        let as_tuple = |e: &fix::Edit| {
            (
                e.span.start as usize,
                e.span.end as usize,
                e.replacement.clone(),
            )
        };
        let offered: Vec<(usize, usize, String)> = report
            .diagnostics
            .iter()
            .filter(|d| applicable(d))
            .flat_map(|d| &d.fix.as_ref().expect("applicable").edits)
            .map(as_tuple)
            .collect();
        let made: Vec<(usize, usize, String)> = applied.edits.iter().map(as_tuple).collect();
        for problem in outside_edits(&current, &applied.text, &made, &offered) {
            fail(format!(
                "pass {passes} (fixing {:?}) {problem}",
                applied.fixed
            ));
        }
        let next = lint(name, &applied.text, settings);
        if next.outcome != report.outcome || parse_errors(&next) > parse_errors(&report) {
            let new_errors: Vec<&str> = next
                .diagnostics
                .iter()
                .filter(|d| kind(d.code) == Some(RuleKind::Parse))
                .map(|d| d.message.as_str())
                .collect();
            fail(format!(
                "pass {passes} (fixing {:?}) breaks the file: {:?} → {:?}, parse errors {new_errors:?}",
                applied.fixed, report.outcome, next.outcome
            ));
            break;
        }
        manual_fixed.extend(applied.fixed);
        current = applied.text;
        report = next;
    }

    // a: idempotent.
    let fixed = fix_text(name, text, settings, true, LEAST);
    out.fixed = fixed.fixed.clone();
    if fixed.text != current {
        fail(format!(
            "fix_text's result differs from applying the passes by hand (fixed {:?} vs {manual_fixed:?})",
            fixed.fixed
        ));
    }
    let again = fix_text(name, &fixed.text, settings, true, LEAST);
    if again.text != fixed.text || !again.fixed.is_empty() {
        fail(format!(
            "not idempotent: a second fix_text fixed {:?} more",
            again.fixed
        ));
    }
    let left: Vec<String> = fixed
        .report
        .diagnostics
        .iter()
        .filter(|d| applicable(d))
        .map(|d| format!("{} at {}", d.code, d.pointer))
        .collect();
    if !left.is_empty() {
        fail(format!(
            "after fix_text, findings still offer an applicable fix: {left:?}"
        ));
    }

    // b: still parses.
    if fixed.report.outcome != before.outcome {
        fail(format!(
            "outcome changed: {:?} → {:?}",
            before.outcome, fixed.report.outcome
        ));
    }
    if parse_errors(&fixed.report) > parse_errors(&before) {
        fail(format!(
            "parse errors went from {} to {}",
            parse_errors(&before),
            parse_errors(&fixed.report)
        ));
    }

    // c: no finding without a fix disappears.
    // A finding survives when one of the same code is there after with the same message or
    // the same resource: a message quotes values a fix may have corrected (`app–role`), and a
    // resource is read from where a finding is (an end-of-line comment after a resource's last
    // value is inside the resource once an entry follows it). Matched one for one.
    let mut after: Vec<Option<&Diagnostic>> = fixed.report.diagnostics.iter().map(Some).collect();
    for d in before.diagnostics.iter().filter(|d| !applicable(d)) {
        let same = |a: &&Diagnostic| {
            a.code == d.code && (a.message == d.message || a.resource == d.resource)
        };
        let found = after
            .iter()
            .position(|a| {
                a.as_ref()
                    .is_some_and(|a| a.code == d.code && a.message == d.message)
            })
            .or_else(|| after.iter().position(|a| a.as_ref().is_some_and(same)));
        match found {
            Some(i) => after[i] = None,
            None => {
                let excused = CASCADES
                    .iter()
                    .any(|(cause, gone, _)| *gone == d.code && fixed.fixed.contains(cause));
                if !excused {
                    fail(format!(
                        "a {} finding without a fix disappeared: {} (fixed {:?})",
                        d.code, d.message, fixed.fixed
                    ));
                }
            }
        }
    }
    out
}

/// What is wrong with `new` as `old` with `edits` made: each edit must be one a finding offered
/// (`offered`), none may overlap another or change nothing, and `new` must be `old` with the
/// bytes between the edits kept exactly, in place (rebuilt here, independently of `apply`).
fn outside_edits(
    old: &str,
    new: &str,
    edits: &[(usize, usize, String)],
    offered: &[(usize, usize, String)],
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut rebuilt = String::with_capacity(new.len());
    let mut at = 0;
    for (start, end, replacement) in edits {
        if !offered.contains(&(*start, *end, replacement.clone())) {
            problems.push(format!(
                "edit {start}..{end} → {:?} was not offered",
                excerpt(replacement.as_bytes())
            ));
        }
        if *start < at {
            problems.push(format!("edit {start}..{end} overlaps the one before"));
            continue;
        }
        if old.get(*start..*end) == Some(replacement.as_str()) {
            problems.push(format!("edit {start}..{end} changes nothing"));
        }
        rebuilt.push_str(&old[at..*start]);
        rebuilt.push_str(replacement);
        at = *end;
    }
    rebuilt.push_str(&old[at..]);
    if rebuilt != new {
        let first = rebuilt
            .bytes()
            .zip(new.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(rebuilt.len().min(new.len()));
        problems.push(format!(
            "the fixed text differs from the text with only its edits made, from byte {first}: {:?} vs {:?}",
            excerpt(&new.as_bytes()[first.min(new.len())..]),
            excerpt(&rebuilt.as_bytes()[first.min(rebuilt.len())..])
        ));
    }
    problems
}

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text.into_owned()
    }
}

// --- inputs -------------------------------------------------------------------------------

/// The fixtures and the corpus: (name as shown, decoded text). Files that are not UTF-8 are
/// left out (they are linted as undecodable, and nothing is fixed in them).
fn files() -> Vec<(String, String)> {
    let mut roots = vec![(common::root().join("fixtures"), "fixtures".to_owned())];
    if let Some(corpus) = common::corpus() {
        roots.push((corpus, "corpus".to_owned()));
    }
    let mut files = Vec::new();
    for (root, label) in roots {
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let entry = entry.expect("readable directory");
            let path = entry.path();
            let lintable = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| ["yaml", "yml", "json", "template"].contains(&e));
            if !entry.file_type().is_file() || !lintable {
                continue;
            }
            let mut bytes =
                std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            // Decoded as the command line decodes UTF-8 (a byte order mark is dropped).
            if bytes.starts_with(b"\xEF\xBB\xBF") {
                bytes.drain(..3);
            }
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            files.push((format!("{label}/{}", relative(path, &root)), text));
        }
    }
    files
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// A value of a generated template.
#[derive(Clone)]
enum V {
    /// A string, quoted in YAML when it has to be.
    S(String),
    /// A scalar written as is in YAML (`yes`), as a string in JSON.
    Plain(String),
    B(bool),
    /// An intrinsic function: YAML short form (`!Sub '…'`), JSON `{"Fn::Sub": …}` (`Ref` is
    /// `{"Ref": …}`).
    Fn(&'static str, Box<V>),
    M(Vec<(String, V)>),
    L(Vec<V>),
    /// A key policy: a mapping, or JSON in a string, as the rendering chooses.
    Policy(Box<V>),
}

fn s(text: &str) -> V {
    V::S(text.to_owned())
}

fn m(entries: Vec<(&str, V)>) -> V {
    V::M(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

fn sub(text: &str) -> V {
    V::Fn("Sub", Box::new(s(text)))
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    YamlBlock,
    YamlFlow,
    JsonPretty,
    JsonLine,
}

const ROOT_ARN: &str = "arn:${AWS::Partition}:iam::${AWS::AccountId}:root";

/// A statement giving `principal` the `action`s on `*`.
fn statement(sid: Option<&str>, effect: &str, action: V) -> V {
    let mut entries = Vec::new();
    if let Some(sid) = sid {
        entries.push(("Sid", s(sid)));
    }
    entries.extend([
        ("Effect", s(effect)),
        ("Principal", m(vec![("AWS", sub(ROOT_ARN))])),
        ("Action", action),
        ("Resource", s("*")),
    ]);
    m(entries)
}

fn policy(statements: Vec<V>) -> V {
    V::Policy(Box::new(m(vec![
        ("Version", s("2012-10-17")),
        ("Statement", V::L(statements)),
    ])))
}

fn admin_policy() -> V {
    policy(vec![statement(None, "Allow", s("kms:*"))])
}

/// A key resource: its properties (KeyPolicy first) and then resource attributes.
fn key(properties: Vec<(&str, V)>, attributes: Vec<(&str, V)>) -> V {
    let mut entries = vec![("Type", s("AWS::KMS::Key")), ("Properties", m(properties))];
    entries.extend(attributes);
    m(entries)
}

fn retained() -> Vec<(&'static str, V)> {
    vec![
        ("DeletionPolicy", s("Retain")),
        ("UpdateReplacePolicy", s("Retain")),
    ]
}

fn template(resources: Vec<(&str, V)>) -> V {
    m(vec![("Resources", m(resources))])
}

/// Templates with nothing to fix, or findings no rule fixes.
fn plain_templates() -> Vec<(&'static str, V)> {
    vec![
        (
            "unrotated",
            template(vec![(
                "Key",
                key(vec![("KeyPolicy", admin_policy())], vec![]),
            )]),
        ),
        (
            "clean",
            template(vec![(
                "Key",
                key(
                    vec![
                        ("KeyPolicy", admin_policy()),
                        ("EnableKeyRotation", V::B(true)),
                    ],
                    retained(),
                ),
            )]),
        ),
        (
            "locked",
            template(vec![(
                "Key",
                key(
                    vec![
                        (
                            "KeyPolicy",
                            policy(vec![statement(None, "Allow", s("kms:Encrypt"))]),
                        ),
                        ("EnableKeyRotation", V::B(true)),
                    ],
                    retained(),
                ),
            )]),
        ),
    ]
}

/// Templates written so that the rules that gain fixes (issue 12) have something to fix.
fn fixable_templates() -> Vec<(&'static str, V)> {
    vec![
        (
            // KMS206 (`allow`), KMS104 (rotation false), KMS105 (no DeletionPolicy).
            "lowercase-effect-unrotated-unretained",
            template(vec![(
                "Key",
                key(
                    vec![
                        (
                            "KeyPolicy",
                            policy(vec![
                                statement(Some("Admin"), "Allow", s("kms:*")),
                                statement(Some("Use"), "allow", s("kms:Decrypt")),
                            ]),
                        ),
                        ("EnableKeyRotation", V::B(false)),
                    ],
                    vec![],
                ),
            )]),
        ),
        (
            // KMS212 (duplicate Sid), KMS207 (kms:Encrypts), KMS401 (alias name).
            "duplicate-sid-bad-action-alias",
            template(vec![
                (
                    "Key",
                    key(
                        vec![
                            (
                                "KeyPolicy",
                                policy(vec![
                                    statement(Some("Admin"), "Allow", s("kms:*")),
                                    statement(
                                        Some("Admin"),
                                        "Allow",
                                        V::L(vec![s("kms:Encrypts"), s("kms:Decrypt")]),
                                    ),
                                ]),
                            ),
                            ("EnableKeyRotation", V::B(true)),
                        ],
                        retained(),
                    ),
                ),
                (
                    "Alias",
                    m(vec![
                        ("Type", s("AWS::KMS::Alias")),
                        (
                            "Properties",
                            m(vec![
                                ("AliasName", s("my-key")),
                                ("TargetKeyId", V::Fn("Ref", Box::new(s("Key")))),
                            ]),
                        ),
                    ]),
                ),
            ]),
        ),
        (
            // KMS301 (the primary is not multi-Region), KMS105 on the replica.
            "replica-of-single-region-key",
            template(vec![
                (
                    "Primary",
                    key(
                        vec![
                            ("KeyPolicy", admin_policy()),
                            ("EnableKeyRotation", V::B(true)),
                        ],
                        retained(),
                    ),
                ),
                (
                    "Replica",
                    m(vec![
                        ("Type", s("AWS::KMS::ReplicaKey")),
                        (
                            "Properties",
                            m(vec![
                                (
                                    "PrimaryKeyArn",
                                    V::Fn("GetAtt", Box::new(V::L(vec![s("Primary"), s("Arn")]))),
                                ),
                                ("KeyPolicy", admin_policy()),
                            ]),
                        ),
                    ]),
                ),
            ]),
        ),
        (
            // KMS201 (typographic quotes), KMS005 (a YAML 1.1 `yes`), KMS006 (unused
            // suppression in metadata).
            "curly-quotes-yes-unused-suppression",
            template(vec![(
                "Key",
                key(
                    vec![
                        (
                            "KeyPolicy",
                            policy(vec![statement(
                                Some("Admin \u{2019}root\u{2019}"),
                                "Allow",
                                s("kms:*"),
                            )]),
                        ),
                        ("EnableKeyRotation", V::Plain("yes".into())),
                    ],
                    {
                        let mut attributes = retained();
                        attributes.push((
                            "Metadata",
                            m(vec![(
                                "kmslint",
                                m(vec![("ignore", V::L(vec![s("KMS107")]))]),
                            )]),
                        ));
                        attributes
                    },
                ),
            )]),
        ),
    ]
}

/// Key policy files (JSON documents of their own).
fn policy_files() -> Vec<(&'static str, V)> {
    vec![
        ("policy-admin", admin_policy()),
        (
            "policy-lowercase-duplicate",
            policy(vec![
                statement(Some("Admin"), "Allow", s("kms:*")),
                statement(Some("Admin"), "allow", s("kms:Decrypts")),
            ]),
        ),
    ]
}

/// Inside a policy written as a string, intrinsic functions cannot be used.
fn literal(v: &V) -> V {
    match v {
        V::Fn(_, inner) => match &**inner {
            V::S(text) => s(&text
                .replace("${AWS::Partition}", "aws")
                .replace("${AWS::AccountId}", "111122223333")),
            other => literal(other),
        },
        V::M(entries) => V::M(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), literal(v)))
                .collect(),
        ),
        V::L(items) => V::L(items.iter().map(literal).collect()),
        V::Policy(inner) => literal(inner),
        other => other.clone(),
    }
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

/// `v` as JSON, on one line or indented from `indent`; a policy is a mapping, or an escaped
/// JSON string when `as_string`.
fn json(v: &V, pretty: bool, indent: usize, as_string: bool) -> String {
    let (nl, pad, inner_pad) = if pretty {
        ("\n".to_owned(), " ".repeat(indent), " ".repeat(indent + 2))
    } else {
        (String::new(), String::new(), String::new())
    };
    let sep = if pretty { "," } else { ", " };
    match v {
        V::S(text) | V::Plain(text) => json_string(text),
        V::B(b) => b.to_string(),
        V::Fn(name, inner) => {
            let key = if *name == "Ref" {
                "Ref".to_owned()
            } else {
                format!("Fn::{name}")
            };
            format!(
                "{{{} {}}}",
                format_args!("{}:", json_string(&key)),
                json(inner, false, 0, as_string)
            )
        }
        V::M(entries) => {
            let body: Vec<String> = entries
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{inner_pad}{}: {}",
                        json_string(k),
                        json(v, pretty, indent + 2, as_string)
                    )
                })
                .collect();
            format!("{{{nl}{}{nl}{pad}}}", body.join(&format!("{sep}{nl}")))
        }
        V::L(items) => {
            let body: Vec<String> = items
                .iter()
                .map(|v| format!("{inner_pad}{}", json(v, pretty, indent + 2, as_string)))
                .collect();
            format!("[{nl}{}{nl}{pad}]", body.join(&format!("{sep}{nl}")))
        }
        V::Policy(inner) if as_string => json_string(&json(&literal(inner), false, 0, false)),
        V::Policy(inner) => json(inner, pretty, indent, as_string),
    }
}

/// A YAML scalar: plain when it reads back as the same string, else single-quoted.
fn yaml_scalar(text: &str, flow: bool) -> String {
    let safe = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_.-".contains(c) || (c == ':' && !flow))
        && !text.contains(": ")
        && !["yes", "no", "on", "off", "y", "n", "true", "false", "null"]
            .contains(&text.to_ascii_lowercase().as_str());
    if safe {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// `v` as flow YAML.
fn yaml_flow(v: &V, as_string: bool) -> String {
    match v {
        V::S(text) => yaml_scalar(text, true),
        V::Plain(text) => text.clone(),
        V::B(b) => b.to_string(),
        V::Fn(name, inner) => format!("!{name} {}", yaml_flow(inner, as_string)),
        V::M(entries) => {
            let body: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", yaml_scalar(k, true), yaml_flow(v, as_string)))
                .collect();
            format!("{{{}}}", body.join(", "))
        }
        V::L(items) => {
            let body: Vec<String> = items.iter().map(|v| yaml_flow(v, as_string)).collect();
            format!("[{}]", body.join(", "))
        }
        // A double-quoted YAML string takes JSON's escapes.
        V::Policy(inner) if as_string => json_string(&json(&literal(inner), false, 0, false)),
        V::Policy(inner) => yaml_flow(inner, as_string),
    }
}

/// `v` as block YAML, as the value of a key (starting after `key:`), at `indent`.
fn yaml_block(v: &V, indent: usize, as_string: bool) -> String {
    let pad = " ".repeat(indent);
    match v {
        V::M(entries) if !entries.is_empty() => {
            let mut out = String::new();
            for (k, v) in entries {
                write!(
                    out,
                    "\n{pad}{}:{}",
                    yaml_scalar(k, false),
                    yaml_block(v, indent + 2, as_string)
                )
                .unwrap();
            }
            out
        }
        V::L(items) if !items.is_empty() => {
            let mut out = String::new();
            for item in items {
                // `- ` then the item's first entry on the same line.
                let written = yaml_block(item, indent + 2, as_string);
                match written.strip_prefix('\n') {
                    Some(rest) => {
                        write!(out, "\n{pad}- {}", &rest[indent + 2..]).unwrap();
                    }
                    None => write!(out, "\n{pad}-{written}").unwrap(),
                }
            }
            out
        }
        V::Policy(inner) if as_string => {
            // `KeyPolicy: |` and the JSON, indented.
            let text = json(&literal(inner), true, 0, false);
            let mut out = " |".to_owned();
            for line in text.lines() {
                write!(out, "\n{pad}{line}").unwrap();
            }
            out
        }
        V::Policy(inner) => yaml_block(inner, indent, as_string),
        V::S(text) => format!(" {}", yaml_scalar(text, false)),
        other => format!(" {}", yaml_flow(other, as_string)),
    }
}

fn render(v: &V, shape: Shape, as_string: bool) -> String {
    let mut text = match shape {
        Shape::YamlBlock => yaml_block(v, 0, as_string)
            .strip_prefix('\n')
            .expect("a mapping")
            .to_owned(),
        Shape::YamlFlow => {
            // Each top-level entry and each resource on a line of its own.
            match v {
                V::M(entries) => {
                    let lines: Vec<String> = entries
                        .iter()
                        .map(|(k, v)| match v {
                            V::M(resources) if k == "Resources" => {
                                let inner: Vec<String> = resources
                                    .iter()
                                    .map(|(name, r)| {
                                        format!("    {name}: {}", yaml_flow(r, as_string))
                                    })
                                    .collect();
                                format!("  {k}: {{\n{}\n  }}", inner.join(",\n"))
                            }
                            _ => format!("  {}: {}", yaml_scalar(k, true), yaml_flow(v, as_string)),
                        })
                        .collect();
                    format!("{{\n{}\n}}", lines.join(",\n"))
                }
                other => yaml_flow(other, as_string),
            }
        }
        Shape::JsonPretty => json(v, true, 0, as_string),
        Shape::JsonLine => json(v, false, 0, as_string),
    };
    text.push('\n');
    text
}

/// Every rendering of every generated template and policy file, with LF and CRLF line
/// endings, and the templates the other tests share: (name, text). The name's extension
/// chooses the loader.
fn generated(
    templates: &[(&'static str, V)],
    policies: &[(&'static str, V)],
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut both = |stem: String, ext: &str, text: String| {
        out.push((format!("{stem}.crlf.{ext}"), text.replace('\n', "\r\n")));
        out.push((format!("{stem}.{ext}"), text));
    };
    for (label, v) in templates {
        for shape in [
            Shape::YamlBlock,
            Shape::YamlFlow,
            Shape::JsonPretty,
            Shape::JsonLine,
        ] {
            let ext = match shape {
                Shape::YamlBlock | Shape::YamlFlow => "yaml",
                Shape::JsonPretty | Shape::JsonLine => "json",
            };
            for (as_string, policy) in [(false, "map"), (true, "string")] {
                both(
                    format!("generated/{label}.{shape:?}.{policy}"),
                    ext,
                    render(v, shape, as_string),
                );
            }
        }
    }
    for (label, v) in policies {
        for shape in [Shape::JsonPretty, Shape::JsonLine] {
            both(
                format!("generated/{label}.{shape:?}"),
                "json",
                render(&literal(v), shape, false),
            );
        }
    }
    for (label, text) in [
        ("UNROTATED_KEY", common::UNROTATED_KEY),
        ("CLEAN_KEY", common::CLEAN_KEY),
        ("LOCKED_KEY", common::LOCKED_KEY),
    ] {
        both(format!("common/{label}"), "yaml", text.to_owned());
    }
    out
}

/// Checks every input, and reports every failure with its input's name.
fn check_all(inputs: &[(String, String)]) -> (usize, BTreeMap<&'static str, usize>) {
    // All rules, on purpose: every fix any rule offers must keep these properties.
    let settings = Settings::default();
    let mut failures = Vec::new();
    let mut per_code: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (name, text) in inputs {
        let checked =
            std::panic::catch_unwind(|| check(name, text, &settings)).unwrap_or_else(|_| Checked {
                failures: vec![format!("{name}: panicked")],
                fixed: Vec::new(),
            });
        failures.extend(checked.failures);
        for code in checked.fixed {
            *per_code.entry(code).or_default() += 1;
        }
    }
    let total = per_code.values().sum();
    eprintln!(
        "{} inputs, {total} fixes applied {per_code:?}",
        inputs.len()
    );
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    (total, per_code)
}

#[test]
fn the_generated_inputs_are_what_they_say() {
    // The generator writes what the loaders read: every rendering lints as a template or a
    // key policy, without a parse error, with the findings it was written to have.
    let mut templates = plain_templates();
    templates.extend(fixable_templates());
    // The rules the inputs were written to trigger (and KMS001, for parse errors; KMS107,
    // which the unused suppression names: one of a rule that did not run is not unused): only
    // these run, so a new rule does not change the codes expected below.
    let settings = common::only(&[
        "KMS001", "KMS004", "KMS005", "KMS006", "KMS104", "KMS105", "KMS107", "KMS201", "KMS204",
        "KMS206", "KMS207", "KMS212", "KMS301", "KMS302", "KMS401",
    ]);
    let mut problems = Vec::new();
    for (name, text) in generated(&templates, &policy_files()) {
        let report = lint(&name, &text, &settings);
        if !matches!(report.outcome, Outcome::Linted(_)) || parse_errors(&report) > 0 {
            problems.push(format!(
                "{name}: {:?} {:?}\n{text}",
                report.outcome,
                report
                    .diagnostics
                    .iter()
                    .map(|d| (d.code, &d.message))
                    .collect::<Vec<_>>()
            ));
        }
        let mut codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
        codes.sort_unstable();
        let label = name.split(['/', '.']).nth(1).expect("a label");
        let json = name.ends_with(".json");
        let expected: &[&str] = match label {
            "unrotated" | "UNROTATED_KEY" => &["KMS104", "KMS105"],
            "clean" | "CLEAN_KEY" | "policy-admin" => &[],
            "locked" | "LOCKED_KEY" => &["KMS204"],
            "lowercase-effect-unrotated-unretained" => &["KMS104", "KMS105", "KMS206"],
            "duplicate-sid-bad-action-alias" => &["KMS207", "KMS212", "KMS401"],
            "replica-of-single-region-key" => &["KMS105", "KMS301", "KMS302"],
            // `yes` is a YAML 1.1 boolean (KMS005) in YAML, a string (KMS004) in JSON.
            "curly-quotes-yes-unused-suppression" if json => {
                &["KMS004", "KMS006", "KMS201", "KMS201"]
            }
            "curly-quotes-yes-unused-suppression" => &["KMS005", "KMS006", "KMS201", "KMS201"],
            "policy-lowercase-duplicate" => &["KMS206", "KMS207", "KMS212"],
            other => panic!("no expectation for {other}"),
        };
        if codes != expected {
            problems.push(format!("{name}: {codes:?}, expected {expected:?}\n{text}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn fixes_are_idempotent_keep_parsing_keep_unfixed_findings_and_touch_only_their_edits() {
    let mut templates = plain_templates();
    templates.extend(fixable_templates());
    let mut inputs = files();
    let from_files = inputs.len();
    assert!(
        from_files > 100,
        "the fixtures are read ({from_files} files)"
    );
    inputs.extend(generated(&templates, &policy_files()));
    inputs.extend(found_by_the_fuzzer());
    let started = std::time::Instant::now();
    let (total, _) = check_all(&inputs);
    eprintln!("checked in {:?}", started.elapsed());
    if let Some(min) = std::env::var("KMSLINT_FIX_MIN")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        let min: usize = min.trim().parse().expect("KMSLINT_FIX_MIN is a number");
        assert!(
            total >= min,
            "only {total} fixes were applied over {} inputs, KMSLINT_FIX_MIN is {min}",
            inputs.len()
        );
    }
}

/// Fails while no rule offers fixes: the inputs written to be fixable must get fixes, or the
/// properties above check nothing.
#[test]
fn the_fixable_inputs_get_fixes() {
    let inputs = generated(&fixable_templates(), &policy_files()[1..]);
    let (total, per_code) = check_all(&inputs);
    assert!(
        total > 0,
        "no fix was applied over the {} inputs written to be fixable",
        inputs.len()
    );
    eprintln!("fixes applied per code: {per_code:?}");
}

/// Inputs on which a raw pass of fixes once broke the file (`fuzz/fuzz_targets/lint.rs`).
fn found_by_the_fuzzer() -> Vec<(String, String)> {
    [
        // A flow mapping whose last key has no value: an entry was inserted before its colon.
        "{\n  -20-1\"Vers:*\",\n      \u{56d}esou\",\n  \"Statement\": [\n    {\n      \"`Uffect\": s:*\",\n      \u{56d}esource\":\n    }\n  ]\n}\n",
        // A trailing comma in a flow mapping: its span ended at the comma, not its bracket, so
        // an entry added after it went inside it.
        "{\n  \"Resources\": {\n    \"Key\": {\n      \"Type\": \"AWS::KMS::Key\",\n      \"Properties\": {\n        \"EnableKeyRotation\": 4rue,\n      }\n    }\n  }\n}\n",
        // `Action:` with no value: an action was "appended" to the empty scalar before the colon.
        "{\n  \"Statement\": [\n    {\n      \"Sid\": \"OwnData\",\n      \"Effect\": \"Allow\",\n      \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"},\n      \"Action\":    }\n  ]\n}\n",
        // Mappings without braces inside a flow sequence: entries were added as block lines.
        "{\n  \"Statement\": [\n  : \"OwnData\",\n      \"Effect\": \"AllowOwnData\",\n      \"Effect\": \"Allow\",\n      \"Principal\": {\"AWS\": \"arn:aws:iKMS001am::111122223332:root\"},\n      ]\n}\n",
        "{\n  \"Statement\": [\n  : \"OwnData\",\n      \"Effect\": \"AllowOwnData\",\n      \"Effect\": \"Allow\",\n      \"Principal\": {\"AWS\": \"arn:aws:iKMS001am::111122223332:root\"},\n :     ]\n}\n",
        // A key with no value before an unused Metadata suppression: its removal kept two commas.
        "{\n  \"Metadata\": {\"km%lint\": {\"ignore\": [\"KMS105\"]}},\n  \"Resources\": {\n    \"ScRatchKey\": {\n      \"T{peS::Key\",\n      \"Metadata\": {\"kmslint\": {\"ignore\": [\"KMS208\"]}},\n    \"Properties\": {\"Description\": \"Test data only\"}\n    },\n    \"OtherKeyey\": {\n      \"Type\": \"AWS::KMS::Key\",\n      \"Properties\": {\"EnablKeyRotation\": true}\n    }\n  }\n}\n",
        // A lone carriage return (a line break to YAML) inside a block mapping's last key.
        "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      Description: a\r      Enabled: true\n",
        // A bracket out of place, read leniently: no fixes at all.
        "{\n  \"Resources\": {\n    \"Key\": {   \"Type\": \"AWS::KMS::Key\",\n    0 \"Properties\":  }\n    }\n  }\n}\n",
    ]
    .iter()
    .enumerate()
    .map(|(i, text)| (format!("fuzz/{i}.yaml"), (*text).to_owned()))
    .collect()
}

// --- the checks themselves ---------------------------------------------------------------

#[test]
fn the_diff_check_accepts_edits_and_rejects_changes_elsewhere() {
    let old = "a: 1\nb: 2\n";
    let e = |s: usize, e: usize, r: &str| (s, e, r.to_owned());
    let offered = [e(3, 4, "9"), e(10, 10, "c: 3\n")];
    assert!(outside_edits(old, "a: 9\nb: 2\nc: 3\n", &offered, &offered).is_empty());
    assert!(outside_edits(old, "a: 9\nb: 2\n", &offered[..1], &offered).is_empty());
    // A change elsewhere, an edit not offered, a no-op edit.
    assert_eq!(
        outside_edits(old, "a: 9\nb: 3\n", &offered[..1], &offered).len(),
        1
    );
    assert_eq!(
        outside_edits(old, "a: 7\nb: 2\n", &[e(3, 4, "7")], &offered).len(),
        1
    );
    assert_eq!(
        outside_edits(old, old, &[e(3, 4, "1")], &[e(3, 4, "1")]).len(),
        1
    );
}
