//! The rule documentation is a contract (SPEC §5): every rule has `rules/<CODE>.md` with its
//! metadata and the fixed sections; its Example triggers the rule and its Use instead does
//! not. The code that implements a rule lives in `crates/kmslint-core/src/rules/<name>.rs`.
//!
//! A change rule (KMS5xx) compares two versions of a template, so its Example and its Use
//! instead each have two code blocks: the old version first, then the new one, which is
//! linted against the old as `kmslint diff OLD NEW` would (`# args:` is read from the new
//! one). The old version must be compared: one that does not parse fails the test.

use crate::common;

use kmslint_core::rules::{RULES, is_change, parse_doc};

const SECTIONS: &[&str] = &[
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## References",
];

/// A fenced code block: its language and its code.
type Block<'d> = (&'d str, &'d str);

/// The fenced code blocks of the section under `heading`, in order.
fn code_blocks<'d>(body: &'d str, heading: &str) -> Vec<Block<'d>> {
    let Some(at) = body.find(heading) else {
        return Vec::new();
    };
    let section = &body[at + heading.len()..];
    let mut rest = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut blocks = Vec::new();
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let Some(newline) = after.find('\n') else {
            break;
        };
        let language = after[..newline].trim();
        let code = &after[newline + 1..];
        let Some(close) = code.find("```") else {
            break;
        };
        blocks.push((language, &code[..close]));
        rest = &code[close + 3..];
    }
    blocks
}

/// The example a section gives: its one code block, or for a change rule its two (old, then
/// new); `Err` when the blocks are not there. A change rule compares two versions: its
/// examples are pairs of blocks.
fn example<'d>(body: &'d str, heading: &str, rule: &str) -> Result<Example<'d>, String> {
    let blocks = code_blocks(body, heading);
    let section = heading.trim_start_matches("## ");
    match (is_change(rule), blocks.as_slice()) {
        (false, [code, ..]) => Ok(Example {
            old: None,
            new: *code,
            others: Vec::new(),
        }),
        (true, [old, new, others @ ..]) => Ok(Example {
            old: Some(*old),
            new: *new,
            others: others.iter().map(|(_, code)| *code).collect(),
        }),
        (false, []) => Err(format!("{rule}: the {section} has no code block")),
        (true, _) => Err(format!(
            "{rule}: the {section} of a change rule needs two code blocks, the old version \
             and then the new one, not {}",
            blocks.len()
        )),
    }
}

/// One example: the code linted, and for a change rule the old version it is compared with
/// and the templates of the other stacks of its deployment (the blocks after the new
/// version: a rule across stacks, KMS508, shows the stack that reads what changed). The
/// example is the stack `keys`, the others `app`, `app-2`, …, in the example's Region and
/// account.
struct Example<'d> {
    old: Option<Block<'d>>,
    new: Block<'d>,
    others: Vec<&'d str>,
}

fn file_name(language: &str, version: &str) -> String {
    let extension = if language == "json" { "json" } else { "yaml" };
    format!("{version}.{extension}")
}

/// The codes (`KMS` and three digits) on the lines of `code` that name `kmslint` or `ignore`
/// (a suppression comment, or metadata's `kmslint: {ignore: …}`): the rules it suppresses.
fn suppressed_codes(code: &str) -> Vec<&str> {
    let mut codes: Vec<&str> = code
        .lines()
        .filter(|line| line.contains("kmslint") || line.contains("ignore"))
        .flat_map(|line| line.split(|c: char| !c.is_ascii_alphanumeric()))
        .filter(|word| {
            word.len() == 6
                && word.starts_with("KMS")
                && word[3..].bytes().all(|b| b.is_ascii_digit())
        })
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// The rule's findings in the example, or `Err` when its old version was not compared.
fn lint_example(example: &Example<'_>, rule: &str) -> Result<Vec<String>, String> {
    let (language, code) = example.new;
    let name = file_name(language, "example");
    let args = code
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# args:"))
        .unwrap_or_default();
    // Only the rule runs, so that another rule (a new one too) cannot change what its docs
    // show; and the rules the example's suppression comments name, which KMS006 needs to
    // have run before it can see a suppression that covered nothing.
    let named = suppressed_codes(code);
    let args = if named.is_empty() {
        args.to_owned()
    } else {
        format!("{args} --also {}", named.join(","))
    };
    let mut settings = common::settings(&args, Some(rule));
    if !example.others.is_empty() {
        let others: Vec<(String, String)> = example
            .others
            .iter()
            .enumerate()
            .map(|(i, code)| {
                let name = if i == 0 {
                    "app".to_owned()
                } else {
                    format!("app-{}", i + 1)
                };
                (name, (*code).to_owned())
            })
            .collect();
        settings = common::in_deployment(&settings, ("keys", code), &others);
    }
    let old_name = example.old.map(|(language, _)| file_name(language, "old"));
    let previous = match (&old_name, example.old) {
        (Some(name), Some((_, text))) => kmslint_core::Previous::Text { name, text },
        _ => kmslint_core::Previous::NotCompared,
    };
    let report = kmslint_core::lint_against(&name, code, &settings, &previous);
    if example.old.is_some() && report.comparison != kmslint_core::Comparison::Compared {
        return Err(format!(
            "{rule}: the old version was not compared: {:?}",
            report.comparison
        ));
    }
    Ok(report
        .diagnostics
        .into_iter()
        .filter(|d| d.code == rule)
        .map(|d| {
            format!(
                "{}:{} {} {}",
                d.start.line, d.start.column, d.code, d.message
            )
        })
        .collect())
}

#[test]
fn every_rule_is_documented_with_the_fixed_sections() {
    // All rules, on purpose: the registry and the docs must agree, rule by rule.
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
        match example(meta.body, "## Example", rule.code).and_then(|e| lint_example(&e, rule.code))
        {
            Ok(found) if found.is_empty() => problems.push(format!(
                "{}: the Example does not trigger the rule",
                rule.code
            )),
            Ok(_) => {}
            Err(problem) => problems.push(problem),
        }
        match example(meta.body, "## Use instead", rule.code)
            .and_then(|e| lint_example(&e, rule.code))
        {
            Ok(found) if !found.is_empty() => problems.push(format!(
                "{}: Use instead still triggers it: {found:?}",
                rule.code
            )),
            Ok(_) => {}
            Err(problem) => problems.push(problem),
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The examples of a change rule: two blocks per section, the second linted against the first.
#[test]
fn change_rule_examples_are_pairs_linted_against_the_old_version() {
    let body = "## Example\n\nBefore:\n\n```yaml\nResources: {Key: {Type: AWS::KMS::Key}}\n```\n\n\
                After:\n\n```json\n{\"Resources\": {}}\n```\n\n## Use instead\n\n```yaml\n\
                Resources: {}\n```\n\n## References\n\n```yaml\nnot: this\n```\n";
    let blocks = code_blocks(body, "## Example");
    assert_eq!(
        blocks,
        [
            ("yaml", "Resources: {Key: {Type: AWS::KMS::Key}}\n"),
            ("json", "{\"Resources\": {}}\n")
        ]
    );
    let pair = example(body, "## Example", "KMS502").expect("two blocks");
    assert_eq!(pair.old, Some(blocks[0]));
    assert_eq!(pair.new, blocks[1]);
    // Another rule's example is the first block only.
    let single = example(body, "## Example", "KMS104").expect("a block");
    assert!(single.old.is_none() && single.new == blocks[0]);
    // One block is not enough for a change rule.
    let one = example(body, "## Use instead", "KMS502")
        .err()
        .expect("an error");
    assert!(one.contains("not 1"), "{one}");
    // The pair is compared; an old version that does not parse is an error.
    assert!(lint_example(&pair, "KMS502").is_ok());
    let broken = Example {
        old: Some(("yaml", "Resources: [\n")),
        new: blocks[1],
        others: Vec::new(),
    };
    let error = lint_example(&broken, "KMS502").expect_err("not compared");
    assert!(error.contains("not compared"), "{error}");
}
