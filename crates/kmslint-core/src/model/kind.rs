//! What kind of file this is, from its top level (docs/commands.md): a CloudFormation template, a key
//! policy, another kind of policy (skipped), or neither.
//!
//! A top-level `Statement` makes a policy document, but most policy documents are not key
//! policies: IAM identity policies, permissions boundaries and SCPs have no `Principal`
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>:
//! "You cannot use the Principal element in an identity-based policy"), role trust policies
//! allow `sts:AssumeRole*`, and other services' resource policies act on their own actions and
//! ARNs. A key policy's statements name a principal and act on `kms:` actions (or `*`) with
//! `Resource: "*"`, which means "this KMS key"
//! (<https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html>).
//! [`read_policy`] weighs that evidence statement by statement.

use crate::source::{Node, Span};

/// The three top-level keys that make a file one kmslint reads.
const KIND_KEYS: [&str; 3] = ["Resources", "AWSTemplateFormatVersion", "Statement"];

/// Whether the text declares a template or policy at its top level, for a file that did not
/// parse: a `Resources`, `AWSTemplateFormatVersion` or `Statement` key at column 0 (YAML), or
/// at depth 1 of the object the text opens with (JSON, with `//` and `/* */` comments
/// tolerated). A word elsewhere (`capabilityStatement`, a nested `Resources:`) is not one.
pub(crate) fn declares_kind(text: &str) -> bool {
    match first_significant(text) {
        Some('{') => json_top_level_keys(text),
        _ => yaml_top_level_keys(text),
    }
}

/// The first character that is not blank or inside a comment (`#`, `//`, `/* */`).
fn first_significant(text: &str) -> Option<char> {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if rest.starts_with('#') || rest.starts_with("//") {
            rest = rest.find('\n').map_or("", |at| &rest[at..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |at| &after[at + 2..]);
        } else {
            return rest.chars().next();
        }
    }
}

/// A line that starts, at column 0, with one of [`KIND_KEYS`] (plain or quoted) and a colon.
fn yaml_top_level_keys(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        let (key, rest) = match line.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let body = &line[1..];
                match body.find(quote) {
                    Some(end) => (&body[..end], &body[end + 1..]),
                    None => return false,
                }
            }
            _ => {
                let end = line
                    .find(|c: char| !c.is_ascii_alphanumeric())
                    .unwrap_or(line.len());
                (&line[..end], &line[end..])
            }
        };
        KIND_KEYS.contains(&key) && rest.trim_start_matches([' ', '\t']).starts_with(':')
    })
}

/// A key of [`KIND_KEYS`] directly inside the object the text opens with: strings (or bare
/// words, for YAML's flow style) followed by `:` at depth 1, skipping strings and comments
/// anywhere. Unbalanced brackets are read as they come: the scan never fails.
fn json_top_level_keys(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    // The last string or word seen at depth 1, waiting for its colon.
    let mut pending: Option<&str> = None;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(bytes.len(), |at| i + at);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |at| i + 2 + at + 2);
                continue;
            }
            quote @ (b'"' | b'\'') => {
                let start = i + 1;
                let mut end = start;
                while end < bytes.len() && bytes[end] != quote {
                    end += if bytes[end] == b'\\' { 2 } else { 1 };
                }
                let end = end.min(bytes.len());
                pending = (depth == 1).then(|| &text[start..end]);
                i = end + 1;
                continue;
            }
            b'{' | b'[' => {
                depth += 1;
                pending = None;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                pending = None;
            }
            b':' => {
                if pending.is_some_and(|key| KIND_KEYS.contains(&key)) {
                    return true;
                }
                pending = None;
            }
            b if b.is_ascii_alphabetic() && depth == 1 => {
                let end = text[i..]
                    .find(|c: char| !c.is_ascii_alphanumeric())
                    .map_or(bytes.len(), |at| i + at);
                pending = Some(&text[i..end]);
                i = end;
                continue;
            }
            b if b.is_ascii_whitespace() => {}
            _ => pending = None,
        }
        i += 1;
    }
    false
}

/// What a policy document (a file with a top-level `Statement`, or a file of named policies)
/// is, from its statements.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PolicyReading {
    /// A key policy: linted as one.
    KeyPolicy,
    /// Clearly another kind of policy: skipped, and why (`-v` says it).
    Other(String),
    /// Some statements of a key policy and some clearly of another kind: not read as a key
    /// policy; one finding (KMS008) says why.
    Mixed(MixedPolicy),
}

/// Why a policy document with statements of two kinds was not read as a key policy.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct MixedPolicy {
    /// What makes the first statement of another kind so (its `Action`, or its `Resource`).
    pub span: Span,
    pub message: String,
    /// The `Action` of the first statement that acts on KMS.
    pub kms_statement: Span,
}

/// What one statement says about the document's kind.
#[derive(Debug, PartialEq, Eq)]
enum Evidence {
    /// It acts on `kms:` actions, on `*` or KMS key ARNs (or an unknown resource); where its
    /// actions are.
    Kms { at: Span },
    /// It acts only on other services' actions, or, without a `kms:` action, only on other
    /// services' ARNs: what, in words, and whether every action is one a role trust policy
    /// allows.
    Other { what: String, trust: bool, at: Span },
    /// Neither (`Action: "*"` on `"*"`, `NotAction`, values that are not strings).
    Neutral,
}

/// Reads the policy documents of a file (`documents`: the file itself, or each named policy)
/// and says what kind they are.
pub(crate) fn read_policy(documents: &[&Node<'_>]) -> PolicyReading {
    let statements: Vec<&Node<'_>> = documents
        .iter()
        .filter_map(|document| document.get("Statement"))
        .flat_map(|statement| match statement.as_seq() {
            Some(items) => items.iter().collect::<Vec<_>>(),
            None => vec![statement],
        })
        .filter(|statement| statement.as_map().is_some())
        .collect();
    // Nothing to weigh (no statement, or statements that are not mappings): a malformed key
    // policy, for KMS206 to report.
    if statements.is_empty() {
        return PolicyReading::KeyPolicy;
    }
    if !statements
        .iter()
        .any(|s| s.get("Principal").is_some() || s.get("NotPrincipal").is_some())
    {
        return PolicyReading::Other(
            "an identity-based policy (an IAM policy, permissions boundary or SCP: no statement \
             has a Principal), not a key policy"
                .to_owned(),
        );
    }
    let evidence: Vec<Evidence> = statements.iter().map(|s| weigh(s)).collect();
    let kms = evidence.iter().enumerate().find_map(|(i, e)| match e {
        Evidence::Kms { at } => Some((i, *at)),
        _ => None,
    });
    let other = evidence.iter().enumerate().find_map(|(i, e)| match e {
        Evidence::Other { what, at, .. } => Some((i, what, *at)),
        _ => None,
    });
    match (kms, other) {
        (_, None) => PolicyReading::KeyPolicy,
        (None, Some(_)) => {
            let others: Vec<&Evidence> = evidence
                .iter()
                .filter(|e| matches!(e, Evidence::Other { .. }))
                .collect();
            let trust = others
                .iter()
                .all(|e| matches!(e, Evidence::Other { trust: true, .. }));
            if trust {
                PolicyReading::Other(
                    "a role trust policy (its statements allow sts:AssumeRole…, sts:TagSession \
                     or sts:SetSourceIdentity), not a key policy"
                        .to_owned(),
                )
            } else {
                let services = services(&statements);
                PolicyReading::Other(format!(
                    "a resource policy of another service (its statements act on {}), not a key \
                     policy",
                    if services.is_empty() {
                        "other services".to_owned()
                    } else {
                        services.join(", ")
                    }
                ))
            }
        }
        (Some((kms, kms_at)), Some((other, what, at))) => PolicyReading::Mixed(MixedPolicy {
            span: at,
            message: format!(
                "{} acts on {what}, while {} acts on KMS: a key policy's statements act on KMS \
                 only, so this file was not read as a key policy",
                describe(statements[other], other),
                describe(statements[kms], kms),
            ),
            kms_statement: kms_at,
        }),
    }
}

/// `statement 3 (Sid "Logs")`.
fn describe(statement: &Node<'_>, index: usize) -> String {
    match statement.get("Sid").and_then(Node::as_str) {
        Some(sid) if !sid.is_empty() => format!("statement {} (Sid \"{sid}\")", index + 1),
        _ => format!("statement {}", index + 1),
    }
}

/// The strings of an element: one string, or the strings of a list (others are `None`).
fn strings<'n>(node: Option<&'n Node<'_>>) -> Vec<Option<&'n str>> {
    match node {
        None => Vec::new(),
        Some(node) => match node.as_seq() {
            Some(items) => items.iter().map(Node::as_str).collect(),
            None => vec![node.as_str()],
        },
    }
}

/// The service prefix of an action (`s3` of `s3:GetObject`), lowercased; `None` for `*` and
/// for what is not an action.
fn action_service(action: &str) -> Option<String> {
    let (service, name) = action.split_once(':')?;
    (!service.is_empty()
        && !name.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    .then(|| service.to_ascii_lowercase())
}

/// Whether an action is one a role trust policy allows
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html>,
/// trust policy; session tags and source identity are allowed there too).
fn is_trust_action(action: &str) -> bool {
    let lower = action.to_ascii_lowercase();
    lower.starts_with("sts:assumerole")
        || ["sts:tagsession", "sts:setsourceidentity", "sts:setcontext"].contains(&lower.as_str())
}

/// The service of an ARN (`s3` of `arn:aws:s3:::bucket`), reading past `${…}` in the
/// partition (`arn:${AWS::Partition}:s3:::…`); `None` when it is not an ARN.
pub(crate) fn arn_service(arn: &str) -> Option<String> {
    let rest = arn.strip_prefix("arn:")?;
    // Skip the partition, which may be a `${…}` variable holding colons.
    let mut depth = 0usize;
    let mut end = None;
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => {
                end = Some(i);
                break;
            }
            _ => {}
        }
    }
    let rest = &rest[end? + 1..];
    let service = &rest[..rest.find(':')?];
    (!service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    .then(|| service.to_ascii_lowercase())
}

/// What one statement says (see [`Evidence`]).
fn weigh(statement: &Node<'_>) -> Evidence {
    let action_node = statement.get("Action");
    let resource_node = statement.get("Resource");
    let actions = strings(action_node);
    let resources = strings(resource_node);
    let action_services: Vec<Option<String>> =
        actions.iter().map(|a| a.and_then(action_service)).collect();
    let other_actions = !actions.is_empty()
        && action_services
            .iter()
            .all(|s| s.as_deref().is_some_and(|s| s != "kms"));
    let resource_services: Vec<Option<String>> =
        resources.iter().map(|r| r.and_then(arn_service)).collect();
    let other_resources = !resources.is_empty()
        && resource_services
            .iter()
            .all(|s| s.as_deref().is_some_and(|s| s != "kms"));
    if other_actions {
        let shown: Vec<&str> = actions.iter().flatten().take(3).copied().collect();
        let more = if actions.len() > 3 { ", …" } else { "" };
        return Evidence::Other {
            what: format!("{}{more}", shown.join(", ")),
            trust: actions.iter().all(|a| a.is_some_and(is_trust_action)),
            at: action_node.map_or(statement.span, |n| n.span),
        };
    }
    let kms_actions = action_services.iter().any(|s| s.as_deref() == Some("kms"));
    // A `kms:` action says more than the resources: another service's policy has no use for
    // one, while a key policy with a wrong `Resource` is a key policy KMS208 reports on.
    if other_resources && !kms_actions {
        let shown = resources
            .iter()
            .flatten()
            .next()
            .copied()
            .unwrap_or_default();
        return Evidence::Other {
            what: shown.to_owned(),
            trust: false,
            at: resource_node.map_or(statement.span, |n| n.span),
        };
    }
    if kms_actions {
        Evidence::Kms {
            at: action_node.map_or(statement.span, |n| n.span),
        }
    } else {
        Evidence::Neutral
    }
}

/// The other services a document's statements act on, in order of appearance, without
/// repeats: the actions' prefixes and the resources' ARN services.
fn services(statements: &[&Node<'_>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for statement in statements {
        let actions = strings(statement.get("Action"))
            .into_iter()
            .flatten()
            .filter_map(action_service);
        let resources = strings(statement.get("Resource"))
            .into_iter()
            .flatten()
            .filter_map(arn_service);
        for service in actions.chain(resources) {
            if service != "kms" && !out.contains(&service) {
                out.push(service);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::json;

    fn read(text: &str) -> PolicyReading {
        let loaded = json::load(text);
        let root = loaded.root.expect("parses");
        read_policy(&[&root])
    }

    #[test]
    fn top_level_keys_are_found_in_text_that_does_not_parse() {
        assert!(declares_kind("Resources:\n  Key: [\n"));
        assert!(declares_kind(
            "# c\n\"AWSTemplateFormatVersion\" : x\n  - ]"
        ));
        assert!(declares_kind("{\n  // c\n  \"Statement\": [,]\n"));
        assert!(declares_kind("{/* a */ 'Resources' : {"));
        assert!(declares_kind("{Resources: {Key: }"));
        assert!(!declares_kind(
            "{\n  // c\n  \"capabilityStatement\": {},\n}"
        ));
        assert!(!declares_kind("{\"a\": {\"Statement\": 1}, // x\n}"));
        assert!(!declares_kind("{\"a\": \"Resources\", }"));
        assert!(!declares_kind("settings:\n  Resources: 1\nextends: @x\n"));
        assert!(!declares_kind("ResourcesX: 1\n\t"));
        assert!(!declares_kind(""));
    }

    #[test]
    fn arn_services_read_past_variables() {
        assert_eq!(arn_service("arn:aws:s3:::b").as_deref(), Some("s3"));
        assert_eq!(
            arn_service("arn:${AWS::Partition}:kms:us-east-1:1:key/x").as_deref(),
            Some("kms")
        );
        assert_eq!(arn_service("*"), None);
        assert_eq!(arn_service("${bucket_arn}"), None);
    }

    #[test]
    fn statements_decide_the_kind() {
        let key = r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}"#;
        assert_eq!(read(key), PolicyReading::KeyPolicy);
        let identity =
            r#"{"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}"#;
        assert!(matches!(read(identity), PolicyReading::Other(why) if why.contains("identity")));
        let trust = r#"{"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]}"#;
        assert!(matches!(read(trust), PolicyReading::Other(why) if why.contains("trust")));
        let bucket = r#"{"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]}]}"#;
        assert!(matches!(read(bucket), PolicyReading::Other(why) if why.contains("s3")));
        // `kms:` actions on another service's ARN: a key policy with a wrong resource (KMS208).
        let wrong_resource = r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "arn:aws:s3:::b"}]}"#;
        assert_eq!(read(wrong_resource), PolicyReading::KeyPolicy);
        let mixed = r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}, {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}]}"#;
        assert!(
            matches!(read(mixed), PolicyReading::Mixed(m) if m.message.starts_with("statement 2 (Sid \"Logs\") acts on s3:PutObject"))
        );
    }
}
