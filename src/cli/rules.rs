//! `kmslint rules` and `kmslint explain`.

use std::io::{self, BufWriter, Write};

use serde::Serialize;

use super::args::RulesFormat;
use super::{EXIT_CLEAN, EXIT_FAILURE, error};
use kmslint_core::lookup::suggest_rule;
use kmslint_core::rules::{RULES, find, names};

#[derive(Serialize)]
struct RuleInfo<'a> {
    code: &'a str,
    name: &'a str,
    /// The default severity: what `[severity]` overrides and SARIF's `defaultConfiguration`
    /// says.
    severity: &'a str,
    /// Every severity its findings take, the default first (KMS204's findings are errors, or
    /// warnings when the lockout depends on who deploys the stack).
    severities: Vec<&'a str>,
    summary: &'a str,
    /// Whether findings carry a fix: always, sometimes or never.
    fix: &'a str,
    /// Whether it runs without a `select` naming it (opt-in rules: `--extend-select CODE`).
    default: bool,
    resource_types: &'a [String],
    /// The rule's documentation, as SARIF's `helpUri` and the JSON report's `url` name it.
    url: String,
}

pub(crate) fn list(format: RulesFormat) -> u8 {
    let rules: Vec<RuleInfo<'_>> = RULES
        .iter()
        .map(|r| {
            let meta = r.meta();
            RuleInfo {
                code: r.code,
                name: &meta.name,
                severity: meta.severity.as_str(),
                severities: meta.severities().map(|s| s.as_str()).collect(),
                summary: &meta.summary,
                fix: meta.fix.as_str(),
                default: meta.default,
                resource_types: &meta.resource_types,
                url: kmslint_core::render::rule_url(r.code),
            }
        })
        .collect();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let written = match format {
        RulesFormat::Json => serde_json::to_writer_pretty(&mut out, &rules)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out)),
        RulesFormat::Pretty => write_table(&mut out, &rules),
        RulesFormat::Compact => write_lines(&mut out, &rules),
    };
    written_out(written, out)
}

/// The columns of the text lists, as the table's header row names them.
const HEADER: [&str; 7] = [
    "CODE", "NAME", "SEVERITY", "FIX", "DEFAULT", "DOCS", "SUMMARY",
];

/// A rule's cells, in [`HEADER`]'s order.
fn row(rule: &RuleInfo<'_>) -> [String; 7] {
    [
        rule.code.to_owned(),
        rule.name.to_owned(),
        rule.severities.join("/"),
        rule.fix.to_owned(),
        if rule.default { "on" } else { "opt-in" }.to_owned(),
        rule.url.clone(),
        rule.summary.to_owned(),
    ]
}

/// `--format pretty`: a header row, then one rule a line in aligned columns; the summary, the
/// one column of any length, comes last.
fn write_table(out: &mut impl Write, rules: &[RuleInfo<'_>]) -> io::Result<()> {
    let rows: Vec<[String; 7]> = std::iter::once(HEADER.map(String::from))
        .chain(rules.iter().map(row))
        .collect();
    let mut widths = [0; 7];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:width$}  ", width = widths[i]));
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// `--format compact`: the table's cells without its header or padding, separated by tabs
/// (no cell holds one), one rule a line, for `cut -f1` and `grep`.
fn write_lines(out: &mut impl Write, rules: &[RuleInfo<'_>]) -> io::Result<()> {
    for rule in rules {
        writeln!(out, "{}", row(rule).join("\t"))?;
    }
    Ok(())
}

/// The exit status once the output is written and flushed (see [`super::written`]).
fn written_out(written: io::Result<()>, mut out: impl Write) -> u8 {
    super::written(written.and_then(|()| out.flush()), EXIT_CLEAN)
}

pub(crate) fn explain(rule: &str) -> u8 {
    let Some(entry) = find(rule) else {
        match suggest_rule(names(), rule) {
            Some(c) => error(format!("`{rule}` is not a rule; did you mean `{c}`?")),
            None => error(format!("`{rule}` is not a rule (see `kmslint rules`)")),
        }
        return EXIT_FAILURE;
    };
    let meta = entry.meta();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut write = || -> io::Result<()> {
        writeln!(out, "# {} {}", entry.code, meta.name)?;
        writeln!(out)?;
        write!(
            out,
            "Severity: {}. Fix: {}. {}",
            meta.severities()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("/"),
            meta.fix.as_str(),
            if meta.default {
                "On by default"
            } else {
                "Opt-in (off unless selected by code, prefix or `ALL`)"
            }
        )?;
        if !meta.resource_types.is_empty() {
            write!(out, ". Applies to: {}", meta.resource_types.join(", "))?;
        }
        writeln!(out, ".")?;
        writeln!(out)?;
        write!(out, "{}", meta.body)
    };
    let written = write();
    written_out(written, out)
}
