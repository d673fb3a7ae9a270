//! The rule documentation is a contract (SPEC §5): every rule has `rules/<CODE>.md` with its
//! metadata and the fixed sections; its Example triggers the rule and its Use instead does
//! not. The code that implements a rule lives in `crates/kmslint-core/src/rules/<name>.rs`.

mod common;

use kmslint::rules::{RULES, parse_doc};

const SECTIONS: &[&str] = &[
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## References",
];

/// The first fenced code block after `heading`.
fn code_block<'d>(body: &'d str, heading: &str) -> Option<(&'d str, &'d str)> {
    let section = &body[body.find(heading)? + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let open = section.find("```")?;
    let after = &section[open + 3..];
    let newline = after.find('\n')?;
    let language = after[..newline].trim();
    let code = &after[newline + 1..];
    let close = code.find("```")?;
    Some((language, &code[..close]))
}

fn lint_example(code: &str, language: &str, rule: &str) -> Vec<String> {
    let name = if language == "json" {
        "example.json"
    } else {
        "example.yaml"
    };
    let args = code
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# args:"))
        .unwrap_or_default();
    // Every rule runs, as for a user, and the rule's own findings are kept: KMS006 needs
    // other rules' findings to exist before it can see an unused suppression.
    let settings = common::settings(args, None);
    kmslint::lint_source(name, code, &settings)
        .into_iter()
        .filter(|d| d.code == rule)
        .map(|d| {
            format!(
                "{}:{} {} {}",
                d.start.line, d.start.column, d.code, d.message
            )
        })
        .collect()
}

#[test]
fn every_rule_is_documented_with_the_fixed_sections() {
    let mut problems = Vec::new();
    let mut names = Vec::new();
    for rule in RULES {
        let meta = match parse_doc(rule.doc) {
            Ok(meta) => meta,
            Err(e) => {
                problems.push(format!("rules/{}.md: {e}", rule.code));
                continue;
            }
        };
        if meta.code != rule.code {
            problems.push(format!("rules/{}.md says code {}", rule.code, meta.code));
        }
        let kebab = meta
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !kebab {
            problems.push(format!(
                "{}: name `{}` is not kebab-case",
                rule.code, meta.name
            ));
        }
        if rule.module != meta.name.replace('-', "_") {
            problems.push(format!(
                "{}: implemented in crates/kmslint-core/src/rules/{}.rs, expected crates/kmslint-core/src/rules/{}.rs",
                rule.code,
                rule.module,
                meta.name.replace('-', "_")
            ));
        }
        names.push(meta.name.clone());
        if meta.summary.trim().is_empty() || meta.summary.ends_with('.') {
            problems.push(format!(
                "{}: the summary is one line without a final period",
                rule.code
            ));
        }
        let mut at = 0;
        for section in SECTIONS {
            match meta.body[at..].find(section) {
                Some(i) => at += i + section.len(),
                None => problems.push(format!(
                    "rules/{}.md: `{section}` is missing or out of order",
                    rule.code
                )),
            }
        }
        if meta.body.contains("TODO") {
            problems.push(format!("rules/{}.md still says TODO", rule.code));
        }
    }
    names.sort();
    let before = names.len();
    names.dedup();
    if names.len() != before {
        problems.push("two rules share a name".to_owned());
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn examples_trigger_their_rule_and_fixes_do_not() {
    let mut problems = Vec::new();
    for rule in RULES {
        let meta = rule.meta();
        match code_block(meta.body, "## Example") {
            Some((language, code)) => {
                if lint_example(code, language, rule.code).is_empty() {
                    problems.push(format!(
                        "{}: the Example does not trigger the rule",
                        rule.code
                    ));
                }
            }
            None => problems.push(format!("{}: the Example has no code block", rule.code)),
        }
        match code_block(meta.body, "## Use instead") {
            Some((language, code)) => {
                let found = lint_example(code, language, rule.code);
                if !found.is_empty() {
                    problems.push(format!(
                        "{}: Use instead still triggers it: {found:?}",
                        rule.code
                    ));
                }
            }
            None => problems.push(format!("{}: Use instead has no code block", rule.code)),
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
