//! `kmslint rules` and `kmslint explain`.

use serde::Serialize;

use super::args::RulesFormat;
use super::{EXIT_CLEAN, EXIT_FAILURE, error};
use crate::lookup::suggest_rule;
use crate::rules::{RULES, find, names};

#[derive(Serialize)]
struct RuleInfo<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    summary: &'a str,
    resource_types: &'a [String],
}

pub fn list(format: RulesFormat) -> u8 {
    let rules: Vec<RuleInfo<'_>> = RULES
        .iter()
        .map(|r| {
            let meta = r.meta();
            RuleInfo {
                code: r.code,
                name: &meta.name,
                severity: meta.severity.as_str(),
                summary: &meta.summary,
                resource_types: &meta.resource_types,
            }
        })
        .collect();
    match format {
        RulesFormat::Json => match serde_json::to_string_pretty(&rules) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                error(e);
                return EXIT_FAILURE;
            }
        },
        RulesFormat::Text => {
            let width = rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
            for r in &rules {
                println!(
                    "{}  {:width$}  {:7}  {}",
                    r.code, r.name, r.severity, r.summary
                );
            }
        }
    }
    EXIT_CLEAN
}

pub fn explain(rule: &str) -> u8 {
    let Some(entry) = find(rule) else {
        match suggest_rule(names(), rule) {
            Some(c) => error(format!("`{rule}` is not a rule; did you mean `{c}`?")),
            None => error(format!("`{rule}` is not a rule (see `kmslint rules`)")),
        }
        return EXIT_FAILURE;
    };
    let meta = entry.meta();
    println!("# {} {}", entry.code, meta.name);
    println!();
    print!("Severity: {}", meta.severity);
    if !meta.resource_types.is_empty() {
        print!(". Applies to: {}", meta.resource_types.join(", "));
    }
    println!(".");
    println!();
    print!("{}", meta.body);
    EXIT_CLEAN
}
