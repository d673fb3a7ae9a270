//! KMS106 sensitive-metadata: secrets or personal data in a key's Description, its tag keys and
//! values, or an alias name. KMS returns these in plain text to anyone who may describe the
//! key or list its tags, and CloudTrail records them in every CreateKey, TagResource and
//! CreateAlias event.
//!
//! High precision only: AWS access key IDs; 40-character secret access keys only next to a
//! word like "secret"; PEM private key blocks; `password=`/`password:` followed by a value
//! that is not a placeholder; e-mail addresses outside the reserved example domains
//! (RFC 2606). AWS's documentation examples (`…EXAMPLE`) are not secrets.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::facts::resources::{ALIAS, KEY, REPLICA_KEY};
use crate::model::Resource;
use crate::model::value::{Alt, Resolver};
use crate::source::scalar_map::ScalarMap;
use crate::source::{Node, Span, Value};

use super::common::resources;
use super::{Context, Reporter, Rule};

pub struct SensitiveMetadata;

impl Rule for SensitiveMetadata {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let resolver = cx.resolver();
        let mut scan = Scan {
            cx,
            resolver: &resolver,
            seen: HashSet::new(),
        };
        for (type_name, what) in [(KEY, "key"), (REPLICA_KEY, "replica key")] {
            for resource in resources(cx, type_name) {
                if let Some(node) = resource.property("Description") {
                    let place = format!("the Description of {what} `{}`", resource.name);
                    scan.node(resource, node, node.span, &place, out);
                }
                if let Some(node) = resource.property("Tags") {
                    let place = format!("a tag of {what} `{}`", resource.name);
                    scan.node(resource, node, node.span, &place, out);
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
}

impl<'t> Scan<'_, '_, 't> {
    /// Every string written inside `node` (the literals of `Fn::Sub`, `Fn::Join`, `Fn::If`
    /// branches…), and every value written elsewhere that it can take (a parameter's Default
    /// or AllowedValues, a mapping's value).
    fn node(&mut self, resource: &Resource<'_>, node: &'t Node<'t>, root: Span, place: &str, out: &mut Reporter) {
        match &node.value {
            Value::Scalar(_) => self.scalar(resource, node, None, place, out),
            Value::Seq(items) => {
                for item in items {
                    self.node(resource, item, root, place, out);
                }
            }
            Value::Invalid => {}
            Value::Map(entries) => match node.intrinsic() {
                None => {
                    for entry in entries {
                        self.node(resource, &entry.value, root, place, out);
                    }
                }
                Some((name, _, arg)) => {
                    for alt in self.resolver.resolve(node) {
                        if let Some(value) = alt.node.filter(|n| n.scalar().is_some() && !root.contains(n.span)) {
                            self.scalar(resource, value, Some(&alt), place, out);
                        }
                    }
                    match name {
                        // Names of parameters, resources, mappings and conditions.
                        "Ref" | "Fn::GetAtt" | "Fn::FindInMap" | "Fn::ImportValue" | "Condition" => {}
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

    fn scalar(&mut self, resource: &Resource<'_>, node: &Node<'_>, via: Option<&Alt<'_>>, place: &str, out: &mut Reporter) {
        let Some(text) = node.as_str() else {
            return;
        };
        let found = find_sensitive(text);
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
            let plain_text = if resource.type_name == Some(ALIAS) { ALIAS_PLAIN_TEXT } else { PLAIN_TEXT };
            let mut message = format!("{} in {place}: {plain_text}", kind.describe());
            if let Some(note) = via.and_then(Alt::when_note) {
                message = format!("{message} ({note})");
            }
            let diagnostic = out.report(span, message);
            diagnostic.with_resource(resource.name).with_help(kind.help());
            if let Some(param) = via.and_then(|a| a.param.as_ref()) {
                diagnostic.with_related(param.site, format!("parameter `{}` is used here", param.name));
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
            Kind::Email => "an e-mail address",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Kind::Email => "name a team, role or distribution list that is not personal data, or keep contact details out of key metadata",
            Kind::AccessKeyId => "remove it: an access key ID tells an attacker which credential to go after; refer to the IAM user or role by name instead",
            _ => "remove it and rotate the credential; keep secrets in AWS Secrets Manager or an SSM SecureString parameter",
        }
    }
}

static ACCESS_KEY_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b").expect("valid regex"));
static BASE64_RUN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9/+=]+").expect("valid regex"));
static SECRET_WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)secret").expect("valid regex"));
static PRIVATE_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----").expect("valid regex"));
static PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:password|passwd|pwd)\s*([:=])[ \t]*([^\s"',;]+)"#).expect("valid regex")
});
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Za-z0-9._%+-]+@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})\b").expect("valid regex")
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

/// A password value that is a placeholder rather than a password: `${Var}`, `{{resolve:…}}`,
/// `<password>`, `****`, `xxxx`.
fn placeholder(value: &str) -> bool {
    value.starts_with(['$', '{', '<', '[', '(', '%'])
        || value.chars().all(|c| matches!(c, '*' | 'x' | 'X' | '.' | '-' | '_'))
}

/// Whether a value after `password:` reads like a password rather than the next word of a
/// sentence ("the password: stored in…"): it has a digit or a symbol, or mixes cases.
fn password_like(value: &str) -> bool {
    let letters_only = value.chars().all(char::is_alphabetic);
    let mixed = value.chars().any(char::is_lowercase) && value.chars().skip(1).any(char::is_uppercase);
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
            let (Some(all), Some(domain)) = (c.get(0), c.get(1)) else {
                continue;
            };
            if !example_domain(domain.as_str()) {
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
        find_sensitive(text).into_iter().map(|(k, _, _)| k).collect()
    }

    #[test]
    fn finds_credentials_and_addresses() {
        assert_eq!(kinds("key for AKIAZ7QWERTYUIOP1234 jobs"), [Kind::AccessKeyId]);
        assert_eq!(kinds("ASIAZ7QWERTYUIOP1234"), [Kind::AccessKeyId]);
        assert_eq!(
            kinds("secret: Zx9mK2pQ7vR4tY8wB3nC6hJ1fL5sD0gA2eU7iO9q"),
            [Kind::SecretAccessKey]
        );
        assert_eq!(kinds("-----BEGIN RSA PRIVATE KEY-----\nMIIE"), [Kind::PrivateKey]);
        assert_eq!(kinds("-----BEGIN PRIVATE KEY-----"), [Kind::PrivateKey]);
        assert_eq!(kinds("db password=hunter2"), [Kind::Password]);
        assert_eq!(kinds("Password: Summer2024!"), [Kind::Password]);
        assert_eq!(kinds("owner jane.doe@corp.io"), [Kind::Email]);
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
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "alias/aws-sam/PasswordRotation",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
        }
    }
}
