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
    severity: &'a str,
    summary: &'a str,
    /// Whether findings carry a fix: always, sometimes or never.
    fix: &'a str,
    /// Whether it runs without a `select` naming it (opt-in rules: `--extend-select CODE`).
    default: bool,
    resource_types: &'a [String],
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
        RulesFormat::Text => {
            let width = rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
            rules.iter().try_for_each(|r| {
                let default = if r.default { "default" } else { "opt-in" };
                writeln!(
                    out,
                    "{}  {:width$}  {:7}  {:9}  {:7}  {}",
                    r.code, r.name, r.severity, r.fix, default, r.summary
                )
            })
        }
    };
    written_out(written, out)
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
            meta.severity,
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
