//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//! <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>
//!
//! The log is written as it is serialized, one result at a time, so its size in memory does
//! not grow with the number of findings. Objects keep serde_json's sorted key order.

use std::collections::HashSet;
use std::io::{self, Write};

use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Fix;
use crate::rules::RuleEntry;
use crate::source::Position;

use super::{FileOutput, PathError, rule_url, write_json};

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: Vec<Run<'a>>,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    /// Our columns count Unicode scalar values, not UTF-16 code units.
    column_kind: &'static str,
    /// Whether every path could be read, and a notification for each one that could not.
    invocations: Value,
    results: Results<'a>,
    tool: Value,
}

/// A file's findings and the URI reference that names it.
pub struct Artifact<'a> {
    pub uri: String,
    pub diagnostics: &'a [Diagnostic],
    /// The findings are those a baseline did not absorb (`--baseline`): each result says
    /// `baselineState: "new"`.
    pub baselined: bool,
}

/// Every file's results, built and serialized one at a time.
struct Results<'a> {
    artifacts: &'a [Artifact<'a>],
    rules: &'a [&'a RuleEntry],
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rules = self.rules;
        serializer.collect_seq(
            self.artifacts
                .iter()
                .flat_map(|a| a.diagnostics.iter().map(move |d| result(a, d, rules))),
        )
    }
}

/// Writes one run, with the rules that ran and every finding, to `out`.
pub(crate) fn write(
    out: &mut (impl Write + ?Sized),
    files: &[FileOutput<'_>],
    rules: &[&RuleEntry],
) -> io::Result<()> {
    let artifacts: Vec<Artifact<'_>> = files
        .iter()
        .map(|f| Artifact {
            uri: uri(f.path),
            diagnostics: f.diagnostics,
            baselined: false,
        })
        .collect();
    write_artifacts(out, &artifacts, rules, &[])
}

/// [`write`], with each file's URI given, and the paths that could not be read as tool
/// execution notifications (the run is then not `executionSuccessful`).
pub fn write_artifacts(
    out: &mut (impl Write + ?Sized),
    artifacts: &[Artifact<'_>],
    rules: &[&RuleEntry],
    errors: &[PathError],
) -> io::Result<()> {
    // Full help only for the rules with a result in this log (see [`descriptor`]).
    let reported: HashSet<&str> = artifacts
        .iter()
        .flat_map(|a| a.diagnostics.iter().map(|d| d.code))
        .collect();
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|r| descriptor(r, reported.contains(r.code)))
        .collect();
    let notifications: Vec<Value> = errors
        .iter()
        .map(|e| {
            json!({
                "level": "error",
                "message": {"text": format!("{}: {}", e.path, e.message)},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(&e.path)}}}],
            })
        })
        .collect();
    let mut invocation = json!({"executionSuccessful": errors.is_empty()});
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs: vec![Run {
            column_kind: "unicodeCodePoints",
            invocations: json!([invocation]),
            results: Results { artifacts, rules },
            tool: json!({
                "driver": {
                    "name": "kmslint",
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": descriptors,
                }
            }),
        }],
        version: "2.1.0",
    };
    write_json(out, &log)
}

/// The log as a string.
pub fn render(files: &[FileOutput<'_>], rules: &[&RuleEntry]) -> String {
    let mut out = Vec::new();
    write(&mut out, files, rules).expect("writing to memory does not fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A rule's descriptor (SARIF §3.49). Every rule that ran is listed, so that tools listing a
/// run's rules see them all and `ruleIndex` is the rule's place among them; only a rule with
/// a result in the log (`reported`) carries its documentation as `help` (text and Markdown).
/// The help of all the rules was 466 KB of a 490 KB log for one file with two findings. The
/// others keep their descriptions and, as `help`, one line with the documentation's URL:
/// GitHub code scanning wants a `help` and a `fullDescription` on every rule (the SARIF
/// validator's GH2012).
fn descriptor(rule: &RuleEntry, reported: bool) -> Value {
    let meta = rule.meta();
    let url = rule_url(rule.code);
    let mut descriptor = json!({
        "id": rule.code,
        "name": pascal_case(&meta.name),
        "helpUri": url,
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": meta.summary},
        "defaultConfiguration": {"level": level(meta.severity)},
        "help": {"text": format!("Documentation: {url}")},
        "properties": {"tags": meta.resource_types},
    });
    if reported {
        descriptor["help"] = json!({"text": meta.body, "markdown": meta.body});
    }
    descriptor
}

fn result(artifact: &Artifact<'_>, d: &Diagnostic, rules: &[&RuleEntry]) -> Value {
    let uri = artifact.uri.as_str();
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let mut result = json!({
        "ruleId": d.code,
        "level": level(d.severity),
        "message": {"text": message},
        "locations": [location(uri, d.start, d.end)],
        "partialFingerprints": {
            "kmslint/v1": fingerprint(d),
            "kmslint/v2": stable_fingerprint(uri, d),
        },
    });
    // SARIF §3.27.24: the result is new with respect to the baseline. Those it absorbed are
    // not in the log (kmslint reports only new findings), so no result is `unchanged`.
    if artifact.baselined {
        result["baselineState"] = json!("new");
    }
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
                // A place in the version the file was compared with (change rules, KMS5xx):
                // that version's name as the URI, its region located in its own text (in
                // characters, the run's `columnKind`, like every region here). The log lists
                // no `artifacts`, so there is nothing to add for it.
                let uri = r.path.as_deref().map_or_else(|| uri.to_owned(), self::uri);
                let mut location = location(&uri, r.start, r.end);
                location["id"] = json!(i + 1);
                location["message"] = json!({"text": r.message});
                location
            })
            .collect();
    }
    if let Some(fix) = &d.fix {
        result["fixes"] = json!([sarif_fix(uri, fix)]);
    }
    result
}

/// A fix (SARIF §3.55): its title, one artifact change (§3.56) for the result's own file with
/// a replacement (§3.57) per edit, and its applicability (`safe`, `unsafe`, `display-only`)
/// in the property bag. Display-only fixes are given too: editors offer them, and the bag
/// says `--fix` never applies them. Regions use the run's `columnKind` (Unicode code points,
/// as results' regions do) and give no `charOffset`: kmslint's offsets count bytes. An
/// insertion is an empty region (`endColumn` = `startColumn`).
fn sarif_fix(uri: &str, fix: &Fix) -> Value {
    let replacements: Vec<Value> = fix
        .edits
        .iter()
        .map(|e| {
            json!({
                "deletedRegion": {
                    "startLine": e.start.line.max(1),
                    "startColumn": e.start.column.max(1),
                    "endLine": e.end.line.max(e.start.line).max(1),
                    "endColumn": e.end.column.max(1),
                },
                "insertedContent": {"text": e.replacement},
            })
        })
        .collect();
    json!({
        "description": {"text": fix.title},
        "artifactChanges": [{
            "artifactLocation": {"uri": uri},
            "replacements": replacements,
        }],
        "properties": {"applicability": fix.applicability.as_str()},
    })
}

/// A rule's name as SARIF wants it (SARIF2012: PascalCase): `policy-lockout` is
/// `PolicyLockout`. The kebab-case name stays in kmslint's own outputs.
pub(crate) fn pascal_case(name: &str) -> String {
    name.split(['-', '_'])
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect()
}

/// A fingerprint that stays when lines move: FNV-1a (64 bits) of the rule code, the
/// resource's logical ID, the JSON pointer and the message, not of any position.
pub(crate) fn fingerprint(d: &Diagnostic) -> String {
    fnv1a([
        d.code,
        d.resource.as_deref().unwrap_or(""),
        &d.pointer,
        &d.message,
    ])
}

/// FNV-1a (64 bits) of `parts`, as 16 hexadecimal digits.
fn fnv1a<const N: usize>(parts: [&str; N]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        // Each part ends with a byte no UTF-8 text holds, so parts cannot run together.
        for &byte in part.as_bytes().iter().chain(&[0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// A fingerprint keyed as baselines are (see [`crate::baseline`]): FNV-1a (64 bits) of the
/// file's URI, the rule code, the resource's logical ID and the stable pointer, in which list
/// items are named by `Sid`, tag `Key` or value rather than by index. Neither a line nor the
/// message's wording: it stays when lines move, statements are added or reordered, or a
/// message is reworded.
pub(crate) fn stable_fingerprint(uri: &str, d: &Diagnostic) -> String {
    fnv1a([
        uri,
        d.code,
        d.resource.as_deref().unwrap_or(""),
        &d.stable_pointer,
    ])
}

fn location(uri: &str, start: Position, end: Position) -> Value {
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
            "artifactLocation": {"uri": uri},
            "region": region,
        }
    })
}

/// A relative path as a relative URI reference; an absolute one as a `file:` URI. Every byte
/// but RFC 3986's unreserved characters and `/` is percent-encoded, so a `:` can never make
/// a relative path read as a scheme (`javascript:…`), nor `?` or `#` end the path.
///
/// A backslash separates directories only on Windows; elsewhere it is a character of the
/// name (`a\\b.yaml` is one file, not `b.yaml` in `a`) and is percent-encoded (`%5C`).
pub fn uri(path: &str) -> String {
    if cfg!(windows) {
        uri_of_bytes(path.replace('\\', "/").as_bytes())
    } else {
        uri_of_bytes(path.as_bytes())
    }
}

/// [`uri`] of a path that need not be UTF-8: on Unix, its raw bytes are percent-encoded.
pub fn uri_of_path(path: &std::path::Path) -> String {
    match path.to_str() {
        Some(path) => uri(path),
        #[cfg(unix)]
        None => uri_of_bytes(std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str())),
        #[cfg(not(unix))]
        None => uri(&path.to_string_lossy()),
    }
}

fn uri_of_bytes(mut path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    let drive = matches!(path, [letter, b':', b'/', ..] if letter.is_ascii_alphabetic());
    if path.starts_with(b"/") {
        out.push_str("file://");
    } else if drive {
        // `C:/x` (a Windows path with its backslashes turned): `file:///C:/x`.
        out.push_str("file:///");
        out.push(char::from(path[0]));
        out.push(':');
        path = &path[2..];
    } else {
        // `./a` is `a`; `.//a` stays `./…` so that it does not become an absolute path.
        while let Some(rest) = path.strip_prefix(b"./") {
            if rest.starts_with(b"/") || rest.is_empty() {
                break;
            }
            path = rest;
        }
    }
    for &byte in path {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(char::from(byte));
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_pascal_case() {
        assert_eq!(pascal_case("policy-lockout"), "PolicyLockout");
        assert_eq!(pascal_case("parse-error"), "ParseError");
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("templates/my key.yaml"), "templates/my%20key.yaml");
        assert_eq!(uri("./a.json"), "a.json");
        assert_eq!(uri("/tmp/a#b.json"), "file:///tmp/a%23b.json");
        if cfg!(windows) {
            assert_eq!(uri("..\\x\\y.yml"), "../x/y.yml");
            assert_eq!(uri("C:\\t\\k.yaml"), "file:///C:/t/k.yaml");
        } else {
            assert_eq!(uri("a\\b.yaml"), "a%5Cb.yaml");
            assert_eq!(uri("..\\x\\y.yml"), "..%5Cx%5Cy.yml");
        }
        assert_eq!(
            uri("javascript:alert(1).yaml"),
            "javascript%3Aalert%281%29.yaml"
        );
        assert_eq!(uri("a@b/c:d?e#f"), "a%40b/c%3Ad%3Fe%23f");
        assert_eq!(uri(".//etc/x"), ".//etc/x");
        assert_eq!(uri("./"), "./");
        assert_eq!(uri("C:/t/k.yaml"), "file:///C:/t/k.yaml");
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_names_are_percent_encoded_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let path = std::path::Path::new(std::ffi::OsStr::from_bytes(b"a\xff:b.yaml"));
        assert_eq!(uri_of_path(path), "a%FF%3Ab.yaml");
    }
}
