//! KMS106 sensitive-metadata: secrets or personal data in a key's Description, its tag keys and
//! values, or an alias name. KMS returns these in plain text to anyone who may describe the
//! key or list its tags, and CloudTrail records them in every CreateKey, TagResource and
//! CreateAlias event.
//!
//! High precision only: AWS access key IDs; 40-character secret access keys only next to a
//! word like "secret"; PEM private key blocks; `password=`/`password:` followed by a value
//! that is not a placeholder; e-mail addresses only where they are strong evidence of personal
//! data. AWS's documentation examples (`…EXAMPLE`) are not secrets.
//!
//! E-mail addresses: AWS's tagging best practices recommend an owner or contact tag on every
//! resource ("Tagging Best Practices" whitepaper), and KMS warns only against confidential
//! data in tags (AWS KMS Developer Guide, "Tagging keys"). So an address in the value of a
//! contact-like tag (`Owner`, `Contact`, `Team`, `Email`…) is never reported, and elsewhere
//! only one that reads as a person's name (`jane.doe@…`) is: `ops@…` or `platform-team@…` is
//! a mailbox, not a person. Reserved example domains (RFC 2606) are never anybody's.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostic::Severity;
use crate::facts::resources::{ALIAS, KEY, REPLICA_KEY};
use crate::model::Resource;
use crate::model::value::{Alt, Resolver};
use crate::source::scalar_map::ScalarMap;
use crate::source::{Node, Span, Value};

use super::common::resources;
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS106.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS106",
    name: "sensitive-metadata",
    severity: Severity::Warning,
    also: &[],
    fix: FixAvailability::Never,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct SensitiveMetadata;

impl Rule for SensitiveMetadata {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let resolver = cx.resolver();
        let mut scan = Scan {
            cx,
            resolver: &resolver,
            seen: HashSet::new(),
            in_tags: false,
            contact: false,
        };
        for (type_name, what) in [(KEY, "key"), (REPLICA_KEY, "replica key")] {
            for resource in resources(cx, type_name) {
                if let Some(node) = resource.property("Description") {
                    let place = format!("the Description of {what} `{}`", resource.name);
                    scan.node(resource, node, node.span, &place, out);
                }
                if let Some(node) = resource.property("Tags") {
                    let place = format!("a tag of {what} `{}`", resource.name);
                    scan.in_tags = true;
                    scan.node(resource, node, node.span, &place, out);
                    scan.in_tags = false;
                }
            }
        }
        for alias in resources(cx, ALIAS) {
            if let Some(node) = alias.property("AliasName") {
                let place = format!("the name of alias `{}`", alias.name);
                scan.node(alias, node, node.span, &place, out);
            }
        }
    }
}

struct Scan<'c, 'a, 't> {
    cx: &'c Context<'a, 't>,
    resolver: &'c Resolver<'a, 't>,
    /// Spans already reported: a parameter used twice is reported once per use site.
    seen: HashSet<(Span, Span)>,
    /// Scanning `Tags`: a mapping with `Key` and `Value` is a tag.
    in_tags: bool,
    /// Scanning the value of a contact-like tag: e-mail addresses are what it is for.
    contact: bool,
}

impl<'t> Scan<'_, '_, 't> {
    /// Every string written inside `node` (the literals of `Fn::Sub`, `Fn::Join`, `Fn::If`
    /// branches…), and every value written elsewhere that it can take (a parameter's Default
    /// or AllowedValues, a mapping's value). (Not `Node::walk`: `contact` holds for a tag's
    /// `Value` only, and is restored after it.)
    fn node(
        &mut self,
        resource: &Resource<'_>,
        node: &'t Node<'t>,
        root: Span,
        place: &str,
        out: &mut Reporter,
    ) {
        match &node.value {
            Value::Scalar(_) => self.scalar(resource, node, None, place, out),
            Value::Seq(items) => {
                for item in items {
                    self.node(resource, item, root, place, out);
                }
            }
            Value::Invalid => {}
            Value::Map(entries) => match node.intrinsic() {
                None if self.in_tags
                    && node.get("Key").is_some()
                    && node.get("Value").is_some() =>
                {
                    let contact = node.get("Key").is_some_and(|key| self.contact_key(key));
                    for entry in entries {
                        let was = self.contact;
                        self.contact = was || (contact && entry.key == "Value");
                        self.node(resource, &entry.value, root, place, out);
                        self.contact = was;
                    }
                }
                None => {
                    for entry in entries {
                        self.node(resource, &entry.value, root, place, out);
                    }
                }
                Some((name, _, arg)) => {
                    for alt in self.resolver.resolve(node) {
                        if let Some(value) = alt
                            .node
                            .filter(|n| n.scalar().is_some() && !root.contains(n.span))
                        {
                            self.scalar(resource, value, Some(&alt), place, out);
                        }
                    }
                    match name {
                        // Names of parameters, resources, mappings and conditions.
                        "Ref" | "Fn::GetAtt" | "Fn::FindInMap" | "Fn::ImportValue"
                        | "Condition" => {}
                        "Fn::If" => {
                            for branch in arg.as_seq().unwrap_or_default().iter().skip(1) {
                                self.node(resource, branch, root, place, out);
                            }
                        }
                        _ => self.node(resource, arg, root, place, out),
                    }
                }
            },
        }
    }

    /// Whether a tag's key names a contact: written literally, or every value it can take
    /// does.
    fn contact_key(&self, key: &Node<'_>) -> bool {
        if let Some(text) = key.as_str() {
            return contact_tag(text);
        }
        let alts = self.resolver.resolve(key);
        !alts.is_empty() && alts.iter().all(|alt| alt.as_str().is_some_and(contact_tag))
    }

    fn scalar(
        &mut self,
        resource: &Resource<'_>,
        node: &Node<'_>,
        via: Option<&Alt<'_>>,
        place: &str,
        out: &mut Reporter,
    ) {
        let Some(text) = node.as_str() else {
            return;
        };
        let mut found = find_sensitive(text);
        if self.contact {
            found.retain(|&(kind, _, _)| kind != Kind::Email);
        }
        if found.is_empty() {
            return;
        }
        let Some(map) = ScalarMap::new(self.cx.text, node) else {
            return;
        };
        let site = via.and_then(|a| a.param.as_ref()).map(|p| p.site);
        for (kind, start, end) in found {
            let span = map.span(start, end);
            let key = (span, site.unwrap_or(span));
            // A set: a text full of tokens has as many findings, each checked here.
            if !self.seen.insert(key) {
                continue;
            }
            let plain_text = if resource.type_name == Some(ALIAS) {
                ALIAS_PLAIN_TEXT
            } else {
                PLAIN_TEXT
            };
            let mut message = format!("{} in {place}: {plain_text}", kind.describe());
            if let Some(note) = via.and_then(Alt::when_note) {
                message = format!("{message} ({note})");
            }
            let diagnostic = out.report(span, message);
            diagnostic
                .with_resource(resource.name)
                .with_help(kind.help());
            if let Some(param) = via.and_then(|a| a.param.as_ref()) {
                diagnostic.with_related(
                    param.site,
                    format!("parameter `{}` is used here", param.name),
                );
            }
        }
    }
}

const PLAIN_TEXT: &str = "key metadata is shown in plain text to anyone who can describe the key and is recorded in CloudTrail";
const ALIAS_PLAIN_TEXT: &str = "alias names are listed in plain text to anyone who can list aliases and are recorded in CloudTrail";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    AccessKeyId,
    SecretAccessKey,
    PrivateKey,
    Password,
    Email,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::AccessKeyId => "an AWS access key ID",
            Kind::SecretAccessKey => "what looks like an AWS secret access key",
            Kind::PrivateKey => "a private key",
            Kind::Password => "a password",
            Kind::Email => "what looks like a person's e-mail address",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Kind::Email => {
                "keep contact details in an `Owner` or `Contact` tag, preferably a team or distribution list address"
            }
            Kind::AccessKeyId => {
                "remove it: an access key ID tells an attacker which credential to go after; refer to the IAM user or role by name instead"
            }
            _ => {
                "remove it and rotate the credential; keep secrets in AWS Secrets Manager or an SSM SecureString parameter"
            }
        }
    }
}

static ACCESS_KEY_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b").expect("valid regex"));
static BASE64_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9/+=]+").expect("valid regex"));
static SECRET_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)secret").expect("valid regex"));
static PRIVATE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----").expect("valid regex")
});
static PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:password|passwd|pwd)\s*([:=])[ \t]*([^\s"',;]+)"#).expect("valid regex")
});
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([A-Za-z0-9._%+-]+)@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})\b").expect("valid regex")
});

/// Domains reserved for examples and tests (RFC 2606, RFC 6761): not anybody's address.
fn example_domain(domain: &str) -> bool {
    let domain = domain.to_ascii_lowercase();
    ["example.com", "example.org", "example.net"]
        .iter()
        .any(|d| domain == *d || domain.ends_with(&format!(".{d}")))
        || [".example", ".test", ".invalid", ".localhost"]
            .iter()
            .any(|tld| domain.ends_with(tld))
}

/// Whether a tag key names the resource's owner or contact (`Owner`, `owner-email`,
/// `TechnicalContact`, `team`…): AWS's tagging best practices recommend such tags, and an
/// e-mail address is their usual value.
fn contact_tag(key: &str) -> bool {
    let key: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    [
        "owner",
        "contact",
        "team",
        "mail",
        "maintainer",
        "author",
        "creator",
        "createdby",
        "support",
        "oncall",
        "escalation",
        "responsible",
        "steward",
        "custodian",
        "requester",
        "requestor",
        "notify",
        "notification",
    ]
    .iter()
    .any(|word| key.contains(word))
}

/// Words of a mailbox that belongs to a team or a function rather than a person.
const ROLE_WORDS: &[&str] = &[
    "account",
    "accounts",
    "admin",
    "admins",
    "alert",
    "alerts",
    "api",
    "app",
    "apps",
    "audit",
    "aws",
    "billing",
    "bot",
    "build",
    "ci",
    "cloud",
    "compliance",
    "contact",
    "data",
    "dba",
    "deploy",
    "dev",
    "devops",
    "dl",
    "eng",
    "engineering",
    "group",
    "help",
    "helpdesk",
    "incident",
    "incidents",
    "info",
    "infra",
    "it",
    "list",
    "mail",
    "monitoring",
    "network",
    "no",
    "noreply",
    "notifications",
    "ops",
    "operations",
    "owner",
    "owners",
    "platform",
    "privacy",
    "prod",
    "reply",
    "root",
    "security",
    "service",
    "services",
    "sre",
    "support",
    "team",
    "teams",
    "test",
];

/// Whether the part of an address before `@` reads as a person's name: two or three
/// alphabetic parts joined by `.`, `_` or `-` (`jane.doe`, `j_doe`, `mary-ann.lee`), none of
/// them a word of a team mailbox. `ops@`, `jdoe@` and `platform-team@` are not.
fn personal_local_part(local: &str) -> bool {
    let local = local.split('+').next().unwrap_or(local);
    let parts: Vec<&str> = local.split(['.', '_', '-']).collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphabetic()))
        && parts.iter().any(|p| p.len() > 1)
        && !parts
            .iter()
            .any(|p| ROLE_WORDS.contains(&p.to_ascii_lowercase().as_str()))
}

/// A password value that is a placeholder rather than a password: `${Var}`, `{{resolve:…}}`,
/// `<password>`, `****`, `xxxx`.
fn placeholder(value: &str) -> bool {
    value.starts_with(['$', '{', '<', '[', '(', '%'])
        || value
            .chars()
            .all(|c| matches!(c, '*' | 'x' | 'X' | '.' | '-' | '_'))
}

/// Whether a value after `password:` reads like a password rather than the next word of a
/// sentence ("the password: stored in…"): it has a digit or a symbol, or mixes cases.
fn password_like(value: &str) -> bool {
    let letters_only = value.chars().all(char::is_alphabetic);
    let mixed =
        value.chars().any(char::is_lowercase) && value.chars().skip(1).any(char::is_uppercase);
    !letters_only || mixed
}

/// Whether a base64 token looks random, as a secret access key does, rather than like words
/// run together (`SecretsManagerKeyForRotationLambdaFunct1`): digits among the letters, and
/// the kind of character (upper, lower, digit, symbol) changing at most steps. A random
/// 40-character base64 string changes kind about 25 times; CamelCase words about 14.
fn random_looking(token: &str) -> bool {
    let class = |c: char| match c {
        'A'..='Z' => 0,
        'a'..='z' => 1,
        '0'..='9' => 2,
        _ => 3,
    };
    let classes: Vec<u8> = token.chars().map(class).collect();
    let changes = classes.windows(2).filter(|w| w[0] != w[1]).count();
    let digits = classes.iter().filter(|&&c| c == 2).count();
    changes >= 18 && digits >= 2
}

/// Sensitive text in `text`: what it is, and its byte range.
fn find_sensitive(text: &str) -> Vec<(Kind, usize, usize)> {
    let mut found = Vec::new();
    // Cheap literal checks first: most descriptions and tags contain none of these, and the
    // regexes then never run.
    if text.contains("AKIA") || text.contains("ASIA") {
        for m in ACCESS_KEY_ID.find_iter(text) {
            if !m.as_str().ends_with("EXAMPLE") {
                found.push((Kind::AccessKeyId, m.start(), m.end()));
            }
        }
    }
    // The first and last mentions of the word, found once: a token is named when a mention
    // ends before it (the first does, if any) or starts after it (the last does, if any).
    // Asking each token to rescan the text for the word made a long text quadratic.
    let words = (text.len() >= 40)
        .then(|| SECRET_WORD.find_iter(text).map(|w| (w.start(), w.end())))
        .into_iter()
        .flatten()
        .fold(None, |seen: Option<((usize, usize), (usize, usize))>, w| {
            Some((seen.map_or(w, |(first, _)| first), w))
        });
    if let Some(((_, first_end), (last_start, _))) = words {
        for m in BASE64_RUN.find_iter(text) {
            if m.as_str().len() != 40 {
                continue;
            }
            let named = first_end <= m.start() || last_start >= m.end();
            if named && random_looking(m.as_str()) && !m.as_str().contains("EXAMPLE") {
                found.push((Kind::SecretAccessKey, m.start(), m.end()));
            }
        }
    }
    if text.contains("PRIVATE KEY") {
        for m in PRIVATE_KEY.find_iter(text) {
            found.push((Kind::PrivateKey, m.start(), m.end()));
        }
    }
    for c in PASSWORD.captures_iter(text) {
        let (Some(all), Some(separator), Some(value)) = (c.get(0), c.get(1), c.get(2)) else {
            continue;
        };
        let value_text = value.as_str();
        if placeholder(value_text) || (separator.as_str() == ":" && !password_like(value_text)) {
            continue;
        }
        found.push((Kind::Password, all.start(), all.end()));
    }
    if text.contains('@') {
        for c in EMAIL.captures_iter(text) {
            let (Some(all), Some(local), Some(domain)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            if personal_local_part(local.as_str()) && !example_domain(domain.as_str()) {
                found.push((Kind::Email, all.start(), all.end()));
            }
        }
    }
    found.sort_by_key(|&(_, start, _)| start);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Kind> {
        find_sensitive(text)
            .into_iter()
            .map(|(k, _, _)| k)
            .collect()
    }

    #[test]
    fn finds_credentials_and_addresses() {
        assert_eq!(
            kinds("key for AKIAZ7QWERTYUIOP1234 jobs"),
            [Kind::AccessKeyId]
        );
        assert_eq!(kinds("ASIAZ7QWERTYUIOP1234"), [Kind::AccessKeyId]);
        assert_eq!(
            kinds("secret: Zx9mK2pQ7vR4tY8wB3nC6hJ1fL5sD0gA2eU7iO9q"),
            [Kind::SecretAccessKey]
        );
        assert_eq!(
            kinds("-----BEGIN RSA PRIVATE KEY-----\nMIIE"),
            [Kind::PrivateKey]
        );
        assert_eq!(kinds("-----BEGIN PRIVATE KEY-----"), [Kind::PrivateKey]);
        assert_eq!(kinds("db password=hunter2"), [Kind::Password]);
        assert_eq!(kinds("Password: Summer2024!"), [Kind::Password]);
        assert_eq!(kinds("owner jane.doe@corp.io"), [Kind::Email]);
        assert_eq!(kinds("ask Mary-Ann.Lee+kms@corp.io"), [Kind::Email]);
    }

    #[test]
    fn contact_tags() {
        for key in [
            "Owner",
            "owner-email",
            "TechnicalContact",
            "team",
            "CreatedBy",
            "on-call",
        ] {
            assert!(contact_tag(key), "{key}");
        }
        for key in ["Name", "Environment", "CostCenter", "Notes", "Description"] {
            assert!(!contact_tag(key), "{key}");
        }
    }

    #[test]
    fn ordinary_text_and_examples_are_not_secrets() {
        for text in [
            "KMS key for the orders table",
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY secret",
            // A 40-character token without a word like "secret" nearby.
            "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",
            "SecretsManagerKeyForRotationLambdaFunct1",
            "Encrypts the database password: stored in Secrets Manager",
            "password=${DbPassword}",
            "password: '{{resolve:secretsmanager:db}}'",
            "password=<set me>",
            "-----BEGIN PUBLIC KEY-----",
            "contact ops@example.com",
            // Mailboxes of a team or a function, not of a person.
            "escalate to ops@corp.io",
            "security-team@corp.io",
            "platform.support@corp.io",
            "no-reply@corp.io",
            "jdoe@corp.io",
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "alias/aws-sam/PasswordRotation",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
        }
    }
}
