//! The documentation site's rule pages are generated from the rules' documentation
//! (`rules/<CODE>.md`, which `kmslint explain` prints and the tests in `rule_docs.rs` run):
//! `docs/rules/<CODE>.md` (the text, with a table of its metadata and its links rewritten to
//! resolve from `docs/rules/`), `docs/rules/README.md` (the index, by category, with which
//! rules run by default) and the rule entries of `docs/SUMMARY.md` (mdBook's table of
//! contents). The generated files are committed, so the site builds with `mdbook build` alone
//! and reads on GitHub too; these tests fail when they are not what the rules give today, and
//! `KMSLINT_BLESS=1` rewrites them.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use kmslint_core::rules::{RULES, RuleEntry};
use pulldown_cmark::{Event, Parser, Tag};

use crate::common;

const COMMAND: &str = "KMSLINT_BLESS=1 cargo test --test it docs_site::";
const DATA: &str = "rules/*.md";
const SUMMARY: &str = "docs/SUMMARY.md";
/// The entry the rule pages are listed under in `SUMMARY.md`, each on an indented line of its own.
const RULES_ENTRY: &str = "- [Rules](rules/README.md)";
/// Where a link to a file of the repository outside `docs/` goes: the file on GitHub, as the
/// rules' `helpUri` in SARIF points at `rules/<CODE>.md` there (`render::rule_url`).
const BLOB: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/");

/// The categories, by the code's hundreds digit (README: "The rules come in groups").
const CATEGORIES: &[(u8, &str, &str)] = &[
    (b'0', "The file itself", "KMS0xx"),
    (b'1', "Key properties", "KMS1xx"),
    (b'2', "Key policies", "KMS2xx"),
    (b'3', "Multi-Region keys", "KMS3xx"),
    (b'4', "Aliases", "KMS4xx"),
    (
        b'5',
        "Changes between two versions (kmslint diff, check --since)",
        "KMS5xx",
    ),
    (b'6', "Keys as the stack uses them", "KMS6xx"),
];

fn generated_note(from: &str) -> String {
    format!("<!-- @generated from {from} by `{COMMAND}`; do not edit. -->\n")
}

fn severities(rule: &RuleEntry) -> String {
    let severities: Vec<&str> = rule.meta().severities().map(|s| s.as_str()).collect();
    severities.join("/")
}

/// A table cell: `|` would end it.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// `docs/rules/<CODE>.md`.
fn rule_page(rule: &RuleEntry) -> Result<String, String> {
    let meta = rule.meta();
    let resource_types = if meta.resource_types.is_empty() {
        "any".to_owned()
    } else {
        meta.resource_types
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let body = rewrite_links(meta.body, rule.code)?;
    Ok(format!(
        "{note}\n# {code} {name}\n\n{summary}\n\n\
         | severity | fix | on by default | resource types |\n\
         |---|---|---|---|\n\
         | {severity} | {fix} | {default} | {resource_types} |\n\n\
         {body}",
        note = generated_note(&format!("rules/{}.md", rule.code)),
        code = rule.code,
        name = meta.name,
        summary = meta.summary,
        severity = severities(rule),
        fix = meta.fix.as_str(),
        default = if meta.default {
            "yes"
        } else {
            "no (opt-in: select it by code or name)"
        },
    ))
}

/// The rule text's links, which are relative to `rules/`, made relative to `docs/rules/`: a
/// page of the site (`../docs/facts/x.md#a`) by its path in `docs/`, another rule's page by
/// its name, and any other file of the repository (source, README) by its GitHub address.
fn rewrite_links(body: &str, code: &str) -> Result<String, String> {
    let mut destinations = BTreeSet::new();
    for event in Parser::new(body) {
        if let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = event {
            destinations.insert(dest_url.into_string());
        }
    }
    let mut body = body.to_owned();
    for destination in destinations {
        let Some(new) = site_link(&destination, code)? else {
            continue;
        };
        // Inline links and reference definitions; the destination is matched with what
        // ends it (`)`, a space before a title, or the line's end).
        for (before, afters) in [("](", &[")", " "][..]), ("]: ", &["\n", " "][..])] {
            for after in afters {
                body = body.replace(
                    &format!("{before}{destination}{after}"),
                    &format!("{before}{new}{after}"),
                );
            }
        }
    }
    Ok(body)
}

/// Where `destination`, a link of `rules/<code>.md`, points from `docs/rules/`; `None` when it
/// needs no change (an address, or an anchor of the page itself).
fn site_link(destination: &str, code: &str) -> Result<Option<String>, String> {
    if destination.starts_with('#') || destination.contains("://") {
        return Ok(None);
    }
    if destination.starts_with("mailto:") {
        return Ok(None);
    }
    let (path, fragment) = match destination.split_once('#') {
        Some((path, fragment)) => (path, format!("#{fragment}")),
        None => (destination, String::new()),
    };
    // The path in the repository: resolved from rules/, without leaving the repository.
    let mut parts: Vec<&str> = vec!["rules"];
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!(
                        "rules/{code}.md: the link `{destination}` leaves the repository"
                    ));
                }
            }
            part => parts.push(part),
        }
    }
    let repository_path = parts.join("/");
    let new = if let Some(in_docs) = repository_path.strip_prefix("docs/") {
        match in_docs.strip_prefix("rules/") {
            Some(page) => format!("{page}{fragment}"),
            None => format!("../{in_docs}{fragment}"),
        }
    } else if let Some(rule) = repository_path
        .strip_prefix("rules/")
        .filter(|page| !page.contains('/'))
    {
        format!("{rule}{fragment}")
    } else {
        format!("{BLOB}{repository_path}{fragment}")
    };
    Ok(Some(new))
}

/// `docs/rules/README.md`: every rule by category, with its name, severities, fix and whether
/// it runs by default.
fn rules_index() -> Result<String, String> {
    let opt_in: Vec<&str> = RULES
        .iter()
        .filter(|r| !r.meta().default)
        .map(|r| r.code)
        .collect();
    let mut out = format!(
        "{note}\n# Rules\n\n\
         kmslint has {count} rules, {default} of them on by default. The opt-in ones run only \
         when selected by code, name or prefix (`--extend-select {example}`, or `extend-select` in \
         the [configuration](../configuration.md)): {opt_in}. `kmslint rules` prints this list \
         and `kmslint explain CODE` a rule's page.\n\n\
         The severity is the one its findings have unless the configuration's `[severity]` \
         changes it; a rule with two (`error/warning`) gives the first unless the finding says \
         otherwise, as its page explains. The fix column says whether its findings carry a \
         [fix](../fixes.md): always, sometimes or never.\n",
        note = generated_note(DATA),
        example = opt_in.first().copied().unwrap_or("KMS606"),
        count = RULES.len(),
        default = RULES.len() - opt_in.len(),
        opt_in = opt_in.join(", "),
    );
    for (digit, title, codes) in CATEGORIES {
        out.push_str(&format!(
            "\n## {title} ({codes})\n\n\
             | code | name | severity | fix | default | summary |\n\
             |---|---|---|---|---|---|\n"
        ));
        for rule in RULES.iter().filter(|r| r.code.as_bytes()[3] == *digit) {
            let meta = rule.meta();
            out.push_str(&format!(
                "| [{code}]({code}.md) | `{name}` | {severity} | {fix} | {default} | {summary} |\n",
                code = rule.code,
                name = meta.name,
                severity = severities(rule),
                fix = meta.fix.as_str(),
                default = if meta.default { "on" } else { "opt-in" },
                summary = cell(&meta.summary),
            ));
        }
    }
    if let Some(rule) = RULES
        .iter()
        .find(|r| !CATEGORIES.iter().any(|(d, ..)| r.code.as_bytes()[3] == *d))
    {
        return Err(format!(
            "{} is in no category of tests/it/docs_site.rs's CATEGORIES: name its group there",
            rule.code
        ));
    }
    Ok(out)
}

/// `summary` with the lines under [`RULES_ENTRY`] (the indented ones that follow it) replaced
/// by one entry per rule.
fn summary_with_rules(summary: &str) -> Result<String, String> {
    let lines: Vec<&str> = summary.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == RULES_ENTRY)
        .ok_or_else(|| format!("{SUMMARY} has no line `{RULES_ENTRY}`"))?;
    let end = lines[at + 1..]
        .iter()
        .position(|l| !l.starts_with("  "))
        .map_or(lines.len(), |n| at + 1 + n);
    let mut out: Vec<String> = lines[..=at].iter().map(|l| (*l).to_owned()).collect();
    out.extend(
        RULES
            .iter()
            .map(|r| format!("  - [{} {}](rules/{}.md)", r.code, r.meta().name, r.code)),
    );
    out.extend(lines[end..].iter().map(|l| (*l).to_owned()));
    Ok(out.join("\n") + "\n")
}

/// Every generated file, its path in the repository and what it should hold.
fn generated() -> Result<Vec<(String, String)>, String> {
    let root = common::root();
    let summary =
        std::fs::read_to_string(root.join(SUMMARY)).map_err(|e| format!("{SUMMARY}: {e}"))?;
    let mut files = vec![
        (SUMMARY.to_owned(), summary_with_rules(&summary)?),
        ("docs/rules/README.md".to_owned(), rules_index()?),
    ];
    for rule in RULES {
        files.push((format!("docs/rules/{}.md", rule.code), rule_page(rule)?));
    }
    Ok(files)
}

fn bless() -> bool {
    std::env::var_os("KMSLINT_BLESS").is_some()
}

#[test]
fn the_generated_rule_pages_are_current() {
    let root = common::root();
    let files = generated().unwrap_or_else(|e| panic!("{e}"));
    if bless() {
        for (path, text) in &files {
            std::fs::write(root.join(path), text).unwrap_or_else(|e| panic!("{path}: {e}"));
        }
    }
    // A rule page whose rule is gone (a renumbered rule) would stay in the site.
    let expected: BTreeSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    let rules_dir = root.join("docs/rules");
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(&rules_dir).expect("docs/rules") {
        let path = entry.expect("entry").path();
        let name = format!(
            "docs/rules/{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        if !expected.contains(name.as_str()) {
            if bless() {
                std::fs::remove_file(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
            } else {
                stale.push(name);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} are generated from no rule; run `{COMMAND}` to remove them"
    );
    for (path, text) in &files {
        common::assert_generated(path, text, DATA, COMMAND);
    }
}

#[test]
fn links_are_rewritten_to_resolve_from_docs_rules() {
    let cases = [
        ("../docs/facts/kms.md#rotation", "../facts/kms.md#rotation"),
        ("../docs/suppressions.md", "../suppressions.md"),
        ("../docs/rules/KMS002.md", "KMS002.md"),
        ("KMS002.md#example", "KMS002.md#example"),
        ("./KMS002.md", "KMS002.md"),
        (
            "../crates/kmslint-core/src/facts/consumers.rs",
            concat!(
                env!("CARGO_PKG_REPOSITORY"),
                "/blob/main/crates/kmslint-core/src/facts/consumers.rs"
            ),
        ),
        (
            "../README.md#install",
            concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/README.md#install"),
        ),
    ];
    for (link, expected) in cases {
        assert_eq!(
            site_link(link, "KMS000").expect("resolves").as_deref(),
            Some(expected),
            "{link}"
        );
    }
    assert_eq!(
        site_link("https://docs.aws.amazon.com/x", "KMS000"),
        Ok(None)
    );
    assert_eq!(site_link("#why-is-this-bad", "KMS000"), Ok(None));
    assert!(site_link("../../elsewhere.md", "KMS000").is_err());

    let body = "See [the facts](../docs/facts/kms.md#rotation) and [ref][r], not \
                `[code](../docs/facts/kms.md#rotation)` in a different spelling.\n\n\
                [r]: ../README.md\n";
    let rewritten = rewrite_links(body, "KMS000").expect("rewrites");
    assert!(
        rewritten.contains("[the facts](../facts/kms.md#rotation)"),
        "{rewritten}"
    );
    assert!(
        rewritten.contains(concat!(
            "[r]: ",
            env!("CARGO_PKG_REPOSITORY"),
            "/blob/main/README.md\n"
        )),
        "{rewritten}"
    );
}

#[test]
fn every_rule_has_a_summary_entry_and_an_index_row() {
    let summary = summary_with_rules(&format!(
        "# Summary\n\n{RULES_ENTRY}\n  - [old](x.md)\n- [FAQ](faq.md)\n"
    ))
    .expect("the entry is there");
    let index = rules_index().expect("every rule has a category");
    for rule in RULES {
        assert!(
            summary.contains(&format!("(rules/{}.md)", rule.code)),
            "{summary}"
        );
        assert!(index.contains(&format!("| [{0}]({0}.md) |", rule.code)));
        assert!(
            Path::new(&common::root())
                .join(format!("rules/{}.md", rule.code))
                .is_file()
        );
    }
    assert!(!summary.contains("[old]"), "{summary}");
    assert!(summary.ends_with("- [FAQ](faq.md)\n"), "{summary}");
}

/// `scripts/check-links.py` (which `.ci/run` runs on the built site) fails on a link to a
/// missing page or to a missing id, and passes a site whose links all resolve. Its check of the
/// repository's Markdown runs on this repository both times, and must pass.
#[test]
fn the_link_checker_finds_broken_links() {
    let page = |links: &str| format!("<html><body><h2 id=\"here\">Here</h2>{links}</body></html>");
    let good = common::dir_with(&[
        (
            "index.html",
            page(r##"<a href="rules/a.html#here">a</a> <a href="#here">self</a> <a href="https://example.com/x#y">out</a>"##).as_bytes(),
        ),
        ("rules/a.html", page(r#"<a href="../index.html">up</a> <img src="../x.png">"#).as_bytes()),
        ("x.png", b"png"),
    ]);
    let bad = common::dir_with(&[
        (
            "index.html",
            page(r#"<a href="rules/a.html#gone">a</a> <a href="missing.html">m</a> <a href="../README.html">out</a>"#).as_bytes(),
        ),
        ("rules/a.html", page("").as_bytes()),
    ]);
    let check = |dir: &Path| {
        Command::new("python3")
            .arg(common::root().join("scripts/check-links.py"))
            .arg(dir)
            .output()
    };
    let Ok(passed) = check(good.path()) else {
        common::skip("python3 is not here (scripts/check-links.py needs it)");
        return;
    };
    let stdout = String::from_utf8_lossy(&passed.stdout);
    assert!(
        passed.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&passed.stderr)
    );

    let failed = check(bad.path()).expect("python3 ran once");
    let stdout = String::from_utf8_lossy(&failed.stdout);
    assert_eq!(failed.status.code(), Some(1), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "index.html: rules/a.html#gone: no id `gone` in a.html",
            "index.html: missing.html: no such file in the site",
            "index.html: ../README.html: leaves the site",
        ],
        "{stdout}"
    );
}
