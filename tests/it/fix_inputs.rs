//! The inputs of the fix property tests (`fix_properties`): the fixtures and the corpus, and
//! templates and key policy files generated in each way a key policy can be written (YAML
//! block and flow, JSON pretty and on one line, LF and CRLF, a policy as a mapping, as JSON in
//! `KeyPolicy: |` and as an escaped JSON string).

use crate::common;

use std::fmt::Write as _;
use std::path::Path;

/// The fixtures and the corpus: (name as shown, decoded text). Files that are not UTF-8 are
/// left out (they are linted as undecodable, and nothing is fixed in them).
pub(crate) fn files() -> Vec<(String, String)> {
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
pub(crate) enum V {
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

/// A key with `key_policy`, rotated and retained: nothing else to find in it.
fn rotated_retained_key(key_policy: V) -> V {
    key(
        vec![("KeyPolicy", key_policy), ("EnableKeyRotation", V::B(true))],
        retained(),
    )
}

fn template(resources: Vec<(&str, V)>) -> V {
    m(vec![("Resources", m(resources))])
}

/// Templates with nothing to fix, or findings no rule fixes.
pub(crate) fn plain_templates() -> Vec<(&'static str, V)> {
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
            template(vec![("Key", rotated_retained_key(admin_policy()))]),
        ),
        (
            "locked",
            template(vec![(
                "Key",
                rotated_retained_key(policy(vec![statement(None, "Allow", s("kms:Encrypt"))])),
            )]),
        ),
    ]
}

/// Templates written so that the rules that gain fixes (issue 12) have something to fix.
pub(crate) fn fixable_templates() -> Vec<(&'static str, V)> {
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
                    rotated_retained_key(policy(vec![
                        statement(Some("Admin"), "Allow", s("kms:*")),
                        statement(
                            Some("Admin"),
                            "Allow",
                            V::L(vec![s("kms:Encrypts"), s("kms:Decrypt")]),
                        ),
                    ])),
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
                ("Primary", rotated_retained_key(admin_policy())),
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
pub(crate) fn policy_files() -> Vec<(&'static str, V)> {
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
pub(crate) fn generated(
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
