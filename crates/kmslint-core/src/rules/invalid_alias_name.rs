//! KMS401 invalid-alias-name: an `AWS::KMS::Alias` `AliasName` that KMS rejects: not `alias/`
//! and a name, a character other than letters, digits, `/`, `_` and `-` (`:` included, which
//! the CloudFormation schema allows but KMS does not; see `facts::resources::alias_names`),
//! longer than 256 characters, or in the reserved `alias/aws/` namespace.
//!
//! A name built with `Fn::Sub` or `Fn::Join` is checked as far as its known parts go: the
//! text before the first unknown part, the characters of every literal part, and the length
//! of the literal parts together.

use crate::diagnostic::Severity;
use crate::facts::resources::ALIAS;
use crate::facts::resources::alias_names::{PREFIX, RESERVED_PREFIX, is_name_char};
use crate::facts::resources::limits::ALIAS_NAME_MAX;
use crate::model::value::abbreviate;
use crate::model::value::{Hole, Part, Text, Val};

use crate::fix::{Applicability, Fix};
use crate::source::Node;

use super::common::{report_value, resources, written_at};
use super::{Context, FixAvailability, Reporter, Rule, RuleInfo, RuleKind};

/// What `kmslint rules` lists of the rule: its summary and documentation are in
/// `rules/KMS401.md`, whose front matter must agree with this.
pub(crate) const RULE: RuleInfo = RuleInfo {
    code: "KMS401",
    name: "invalid-alias-name",
    severity: Severity::Error,
    also: &[],
    fix: FixAvailability::Sometimes,
    default: true,
    kind: RuleKind::File,
};

pub(crate) struct InvalidAliasName;

impl Rule for InvalidAliasName {
    fn check(&self, cx: &Context<'_, '_>, out: &mut Reporter) {
        let resolver = cx.resolver();
        for alias in resources(cx, ALIAS) {
            let Some(node) = alias.property("AliasName") else {
                continue;
            };
            for alt in resolver.resolve(node) {
                let Val::Text(text) = &alt.val else {
                    continue;
                };
                let (problem, fix) = match text.literal() {
                    Some(name) => (
                        check_name(name),
                        written_at(&alt, node).and_then(|n| fix_literal(cx, n, name)),
                    ),
                    None => (
                        check_partial(text),
                        (alt.param.is_none() && alt.when.is_empty())
                            .then(|| fix_sub(cx, node, text))
                            .flatten(),
                    ),
                };
                if let Some((message, help)) = problem {
                    let diagnostic = report_value(out, alias, &alt, message).with_fix(fix);
                    if let Some(help) = help {
                        diagnostic.with_help(help);
                    }
                }
            }
        }
    }
}

type Problem = (String, Option<String>);

/// The name with its `alias/` prefix: added, written in lowercase, or the name taken out of an
/// alias ARN, when the result is a valid name (a name with other problems gets no fix: which
/// name was meant is a guess). Safe: KMS rejects the name as written.
fn fix_literal(cx: &Context<'_, '_>, node: &Node<'_>, name: &str) -> Option<Fix> {
    let fixed = if let Some(at) = name.find(":alias/").filter(|_| name.starts_with("arn:")) {
        name[at + 1..].to_owned()
    } else if name.starts_with(PREFIX) {
        return None;
    } else if name.to_ascii_lowercase().starts_with(PREFIX) {
        format!("{PREFIX}{}", &name[PREFIX.len()..])
    } else {
        format!("{PREFIX}{}", name.trim_start_matches('/'))
    };
    if check_name(&fixed).is_some() {
        return None;
    }
    Fix::new(
        format!("Use `{}`", abbreviate(&fixed)),
        Applicability::Safe,
        [cx.editor.replace_scalar(node, &fixed)],
    )
}

/// `alias/` put at the start of an `Fn::Sub` string that plainly lacks it: one that starts
/// with a variable (`${AWS::StackName}-key`) or with name characters other than a spelling of
/// `alias`. Safe, as for a literal name.
fn fix_sub(cx: &Context<'_, '_>, node: &Node<'_>, text: &Text<'_>) -> Option<Fix> {
    let starts_with_pseudo = matches!(
        text.parts.first(),
        Some(Part::Hole(
            Hole::Partition | Hole::Region | Hole::AccountId | Hole::UrlSuffix | Hole::Stack
        ))
    );
    let prefix = text.literal_prefix();
    if !(starts_with_pseudo || !(PREFIX.starts_with(prefix) || prefix.starts_with(PREFIX))) {
        return None;
    }
    let (name, _, arg) = node.intrinsic()?;
    let template = match (name, arg.as_seq()) {
        ("Fn::Sub", None) => arg,
        ("Fn::Sub", Some([first, _])) => first,
        _ => return None,
    };
    let written = template.as_str()?;
    let head = crate::model::value::literal_head(written);
    if head.starts_with('/')
        || head.to_ascii_lowercase().starts_with("alias")
        || !head.chars().all(is_name_char)
    {
        return None;
    }
    let fixed = format!("{PREFIX}{written}");
    Fix::new(
        format!("Use `{}`", abbreviate(&fixed)),
        Applicability::Safe,
        [cx.editor.replace_scalar(template, &fixed)],
    )
}

const CHARSET: &str = "an alias name can contain only letters, digits, `/`, `_` and `-`";

/// What is wrong with a fully known alias name, most important first.
fn check_name(name: &str) -> Option<Problem> {
    let shown = abbreviate(name);
    if let Some(at) = name.find(":alias/").filter(|_| name.starts_with("arn:")) {
        let short = &name[at + 1..];
        return Some((
            format!("`{shown}` is an alias ARN; AliasName is the name alone"),
            Some(format!("use `{}`", abbreviate(short))),
        ));
    }
    let Some(rest) = name.strip_prefix(PREFIX) else {
        let lower = name.to_ascii_lowercase();
        let help = match lower.strip_prefix(PREFIX) {
            Some(rest) => format!(
                "write the prefix in lowercase: `alias/{}`",
                abbreviate(rest)
            ),
            None => format!(
                "use `alias/{}`",
                abbreviate(&sanitized(name.trim_start_matches('/')))
            ),
        };
        return Some((
            format!("`{shown}` does not begin with `alias/`"),
            Some(help),
        ));
    };
    if rest.is_empty() {
        return Some((
            "`alias/` needs a name after it".to_owned(),
            Some("for example `alias/my-app-key`".to_owned()),
        ));
    }
    if name.starts_with(RESERVED_PREFIX) {
        return Some(reserved(name));
    }
    if let Some(problem) = bad_characters(name) {
        return Some(problem);
    }
    let length = name.chars().count();
    if length > ALIAS_NAME_MAX {
        return Some((
            format!("this alias name is {length} characters long; the limit is {ALIAS_NAME_MAX}"),
            None,
        ));
    }
    None
}

fn reserved(name: &str) -> Problem {
    (
        format!(
            "`{}` is in the reserved `alias/aws/` namespace",
            abbreviate(name)
        ),
        Some(format!(
            "`alias/aws/` names belong to AWS managed keys; choose another name, such as `alias/{}`",
            &name[RESERVED_PREFIX.len()..]
        )),
    )
}

/// Characters outside the alias name set, reported by what they are.
fn bad_characters(name: &str) -> Option<Problem> {
    let mut bad: Vec<char> = Vec::new();
    for c in name.chars().filter(|&c| !is_name_char(c)) {
        if !bad.contains(&c) {
            bad.push(c);
        }
    }
    if bad.is_empty() {
        return None;
    }
    let mut message = format!(
        "`{}` contains {}; {CHARSET}",
        abbreviate(name),
        show_chars(&bad)
    );
    if bad.contains(&':') {
        message.push_str(" (the CloudFormation schema allows `:`, but KMS rejects it)");
    }
    Some((
        message,
        Some(format!("for example `{}`", abbreviate(&sanitized(name)))),
    ))
}

/// "`.`", "`.` and a space", "`.`, `:` and a space".
fn show_chars(chars: &[char]) -> String {
    let shown: Vec<String> = chars.iter().map(|&c| show_char(c)).collect();
    match shown.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => shown.join(""),
    }
}

fn show_char(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        '\t' => "a tab".to_owned(),
        '`' => "a backquote".to_owned(),
        c if c.is_control() => format!("U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}

/// The name with every character KMS rejects replaced by `-`.
fn sanitized(name: &str) -> String {
    name.chars()
        .map(|c| if is_name_char(c) { c } else { '-' })
        .collect()
}

/// What is certainly wrong with a name that has unknown parts.
fn check_partial(text: &Text<'_>) -> Option<Problem> {
    let shown = text.display();
    let prefix = text.literal_prefix();
    // Pseudo parameters never begin with `alias/`: a Region, an account ID, a stack name.
    let starts_with_pseudo = matches!(
        text.parts.first(),
        Some(Part::Hole(
            Hole::Partition | Hole::Region | Hole::AccountId | Hole::UrlSuffix | Hole::Stack
        ))
    );
    let compatible = PREFIX.starts_with(prefix) || prefix.starts_with(PREFIX);
    if starts_with_pseudo || !compatible {
        return Some((
            format!("`{shown}` does not begin with `alias/`"),
            Some(format!("use `alias/{shown}`")),
        ));
    }
    if prefix.starts_with(RESERVED_PREFIX) {
        return Some(reserved(&shown));
    }
    let mut bad: Vec<char> = Vec::new();
    let mut known = 0;
    for part in &text.parts {
        if let Part::Lit(s) = part {
            known += s.chars().count();
            for c in s.chars().filter(|&c| !is_name_char(c)) {
                if !bad.contains(&c) {
                    bad.push(c);
                }
            }
        }
    }
    if !bad.is_empty() {
        let mut message = format!("`{shown}` contains {}; {CHARSET}", show_chars(&bad));
        if bad.contains(&':') {
            message.push_str(" (the CloudFormation schema allows `:`, but KMS rejects it)");
        }
        return Some((message, None));
    }
    if known > ALIAS_NAME_MAX {
        return Some((
            format!(
                "this alias name is more than {ALIAS_NAME_MAX} characters long even without its unknown parts"
            ),
            None,
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_names() {
        assert!(check_name("alias/my-app/key_1").is_none());
        assert!(check_name("alias/a").is_none());
        assert!(check_name("alias/").is_some());
        assert!(check_name("my-key").is_some());
        assert!(check_name("Alias/my-key").is_some());
        assert!(check_name("alias/aws/x").is_some());
        assert!(check_name("alias/awsome").is_none());
        assert!(check_name("alias/a:b").is_some());
        assert!(check_name("alias/a.b").is_some());
        // `alias/` counts: 6 + 250 = 256 is the limit.
        assert!(
            check_name(&format!("alias/{}", "a".repeat(251)))
                .is_some_and(|(m, _)| m.contains("256"))
        );
        assert!(check_name(&format!("alias/{}", "a".repeat(250))).is_none());
        let (message, help) = check_name("arn:aws:kms:us-east-1:111122223333:alias/x").unwrap();
        assert!(message.contains("alias ARN"));
        assert_eq!(help.as_deref(), Some("use `alias/x`"));
    }

    #[test]
    fn names_with_unknown_parts() {
        let text = |parts: Vec<Part<'static>>| Text { parts };
        let lit = |s: &'static str| Part::Lit(s.into());
        assert!(check_partial(&text(vec![lit("alias/"), Part::Hole(Hole::Stack)])).is_none());
        assert!(check_partial(&text(vec![Part::Hole(Hole::Stack), lit("-key")])).is_some());
        assert!(check_partial(&text(vec![Part::Hole(Hole::Param("P")), lit("-key")])).is_none());
        assert!(check_partial(&text(vec![lit("alias/aws/"), Part::Hole(Hole::Stack)])).is_some());
        assert!(
            check_partial(&text(vec![
                lit("alias/"),
                Part::Hole(Hole::Stack),
                lit(".key")
            ]))
            .is_some()
        );
        assert!(check_partial(&text(vec![lit("key-"), Part::Hole(Hole::Stack)])).is_some());
        assert!(check_partial(&text(vec![lit("ali"), Part::Hole(Hole::Param("P"))])).is_none());
    }
}
