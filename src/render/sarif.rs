//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//! <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>

use serde_json::{Value, json};

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::RuleEntry;
use crate::source::Position;

use super::FileOutput;

/// One run: the rules that ran, and every finding.
pub fn render(files: &[FileOutput<'_>], rules: &[&RuleEntry]) -> String {
    let descriptors: Vec<Value> = rules.iter().map(|r| descriptor(r)).collect();
    let results: Vec<Value> = files
        .iter()
        .flat_map(|f| f.diagnostics.iter().map(move |d| result(f.path, d, rules)))
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "kmslint",
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": descriptors,
                }
            },
            // Our columns count Unicode scalar values, not UTF-16 code units.
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn descriptor(rule: &RuleEntry) -> Value {
    let meta = rule.meta();
    json!({
        "id": rule.code,
        "name": meta.name,
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": meta.summary},
        "defaultConfiguration": {"level": level(meta.severity)},
        "help": {"text": meta.body, "markdown": meta.body},
        "properties": {"tags": meta.resource_types},
    })
}

fn result(path: &str, d: &Diagnostic, rules: &[&RuleEntry]) -> Value {
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let mut result = json!({
        "ruleId": d.code,
        "level": level(d.severity),
        "message": {"text": message},
        "locations": [location(path, d.start, d.end)],
    });
    if let Some(index) = rules.iter().position(|r| r.code == d.code) {
        result["ruleIndex"] = json!(index);
    }
    if !d.pointer.is_empty() {
        result["locations"][0]["logicalLocations"] = json!([{
            "fullyQualifiedName": d.pointer,
            "kind": "member",
        }]);
    }
    if !d.related.is_empty() {
        result["relatedLocations"] = d
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut location = location(path, r.start, r.end);
                location["id"] = json!(i + 1);
                location["message"] = json!({"text": r.message});
                location
            })
            .collect();
    }
    result
}

fn location(path: &str, start: Position, end: Position) -> Value {
    let mut region = json!({
        "startLine": start.line.max(1),
        "startColumn": start.column.max(1),
        "endLine": end.line.max(start.line).max(1),
        "endColumn": end.column.max(1),
    });
    // SARIF wants an end after the start; an empty span covers one column.
    if end.line == start.line && end.column <= start.column {
        region["endColumn"] = json!(start.column.max(1) + 1);
    }
    json!({
        "physicalLocation": {
            "artifactLocation": {"uri": uri(path)},
            "region": region,
        }
    })
}

/// A relative path as a relative URI reference; an absolute one as a `file:` URI.
pub fn uri(path: &str) -> String {
    let forward = path.replace('\\', "/");
    let mut out = String::new();
    for byte in forward.bytes() {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'@'
            | b':' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    if forward.starts_with('/') {
        format!("file://{out}")
    } else if let Some(rest) = out.strip_prefix("./") {
        rest.to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("templates/my key.yaml"), "templates/my%20key.yaml");
        assert_eq!(uri("./a.json"), "a.json");
        assert_eq!(uri("/tmp/a#b.json"), "file:///tmp/a%23b.json");
        assert_eq!(uri("..\\x\\y.yml"), "../x/y.yml");
    }
}
