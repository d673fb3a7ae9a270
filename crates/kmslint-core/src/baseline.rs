//! Baselines: the findings a repository already has, recorded in a file so that a run reports
//! only new ones (`kmslint check --write-baseline FILE`, then `--baseline FILE`).
//!
//! An entry is keyed on the file (its path relative to the baseline file's directory, with
//! `/` separators: the command line computes it), the rule code, the resource's logical ID
//! and the finding's [`Diagnostic::stable_pointer`], never on a line number or the message's
//! wording: moving lines, reordering resources or adding statements to a policy does not bring
//! recorded findings back. Each entry has a count: two findings at one key are absorbed by an
//! entry of count 2, and a third is new. The message is kept for the people who review the
//! file, and is not part of the key.
//!
//! Filtering by a baseline comes after suppressions, as one more of them: source → model →
//! rules → diagnostics → suppress → baseline → render.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::source::{Node, Span, Value};

/// Why a baseline file cannot be read; each says it in a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaselineError {
    /// Not JSON: the JSON parser's message.
    Json(String),
    NotAnObject,
    /// A JSON object without `"tool": "kmslint"`.
    NotKmslint,
    /// Another version of the format, as written.
    Version(String),
    NoVersion,
    NoEntries,
    /// The entries do not have their fields: the JSON reader's message.
    Entries(String),
    /// The entry at this index has a count of 0.
    ZeroCount(usize),
    /// The entry at `index`, with its `count`, takes its place over [`MAX_COUNT`].
    TooMany {
        index: usize,
        count: u64,
    },
}

impl std::fmt::Display for BaselineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BaselineError::Json(e) => write!(f, "not valid JSON: {e}"),
            BaselineError::NotAnObject => {
                f.write_str("not a kmslint baseline: expected a JSON object")
            }
            BaselineError::NotKmslint => {
                write!(f, "not a kmslint baseline: expected \"tool\": \"{TOOL}\"")
            }
            BaselineError::Version(v) => write!(
                f,
                "baseline version {v} is not supported: this kmslint reads version \
                 {VERSION} (write it again with --write-baseline)"
            ),
            BaselineError::NoVersion => f.write_str("no \"version\""),
            BaselineError::NoEntries => f.write_str("no \"entries\""),
            BaselineError::Entries(e) => write!(f, "\"entries\": {e}"),
            BaselineError::ZeroCount(i) => {
                write!(f, "\"entries\"[{i}]: \"count\" must be at least 1")
            }
            BaselineError::TooMany { index, count } => write!(
                f,
                "\"entries\"[{index}]: \"count\" {count} is more than {MAX_COUNT}, the most an \
                 entry may record (summed over the entries of one place)"
            ),
        }
    }
}

impl std::error::Error for BaselineError {}

/// The version of the file format this kmslint reads and writes.
pub(crate) const VERSION: u64 = 1;

/// The largest count an entry may have (summed over the entries of one key): a file does not
/// have a million copies of one finding, and counts are added up, so a count of `2^64 - 1`
/// must not wrap.
pub(crate) const MAX_COUNT: u64 = 1_000_000;

/// The `tool` every baseline file names.
const TOOL: &str = "kmslint";

/// A scalar list item longer than this (in characters) is named by its index, not its value:
/// the baseline file stays readable.
const MAX_VALUE_SELECTOR: usize = 256;

/// The keys that name an item of a list of mappings, the first one present with a non-empty
/// scalar value: a policy statement's `Sid`, a tag's `Key`, an IAM inline policy's
/// `PolicyName`.
const NAMING_KEYS: [&str; 3] = ["Sid", "Key", "PolicyName"];

/// Every recorded finding, by file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    files: BTreeMap<String, FileBaseline>,
}

/// The recorded findings of one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileBaseline {
    entries: BTreeMap<Key, Recorded>,
}

/// What a finding is matched on within its file. The field order is the file's sort order
/// (after the path): by resource, then place, then code.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    resource: Option<String>,
    pointer: String,
    code: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Recorded {
    count: usize,
    /// The first finding's message, for the people who read the file.
    message: String,
}

/// One line of the file.
#[derive(Serialize, Deserialize)]
struct Entry {
    path: String,
    code: String,
    resource: Option<String>,
    pointer: String,
    #[serde(default = "one")]
    count: u64,
    #[serde(default)]
    message: String,
}

fn one() -> u64 {
    1
}

/// The findings of one file after its baseline: the new ones, how many the baseline absorbed,
/// and how many of its recorded findings matched nothing.
#[derive(Debug, Default)]
pub struct Filtered {
    pub new: Vec<Diagnostic>,
    pub matched: usize,
    /// Recorded findings of rules that ran on the file and found nothing at their key: fixed,
    /// suppressed since, or moved to a place the key does not follow.
    pub stale: usize,
}

impl Baseline {
    /// Reads a baseline file's text. Errors say what is wrong in a sentence: an unknown
    /// version, a document that is not a kmslint baseline, an entry without its fields.
    pub fn parse(text: &str) -> Result<Baseline, BaselineError> {
        let document: serde_json::Value =
            serde_json::from_str(text).map_err(|e| BaselineError::Json(e.to_string()))?;
        let Some(object) = document.as_object() else {
            return Err(BaselineError::NotAnObject);
        };
        if object.get("tool").and_then(|t| t.as_str()) != Some(TOOL) {
            return Err(BaselineError::NotKmslint);
        }
        match object.get("version") {
            Some(v) if v.as_u64() == Some(VERSION) => {}
            Some(v) => return Err(BaselineError::Version(v.to_string())),
            None => return Err(BaselineError::NoVersion),
        }
        let entries = object.get("entries").ok_or(BaselineError::NoEntries)?;
        let entries: Vec<Entry> = serde_json::from_value(entries.clone())
            .map_err(|e| BaselineError::Entries(e.to_string()))?;
        let mut baseline = Baseline::default();
        for (i, entry) in entries.into_iter().enumerate() {
            if entry.count == 0 {
                return Err(BaselineError::ZeroCount(i));
            }
            let too_many = || BaselineError::TooMany {
                index: i,
                count: entry.count,
            };
            let count = usize::try_from(entry.count)
                .ok()
                .filter(|&c| c as u64 <= MAX_COUNT)
                .ok_or_else(too_many)?;
            let key = Key {
                resource: entry.resource,
                pointer: entry.pointer,
                code: entry.code,
            };
            // An entry given twice (two baselines merged by hand) adds up.
            let recorded = baseline
                .files
                .entry(entry.path)
                .or_default()
                .entries
                .entry(key)
                .or_insert(Recorded {
                    count: 0,
                    message: entry.message,
                });
            recorded.count = recorded
                .count
                .checked_add(count)
                .filter(|&c| c as u64 <= MAX_COUNT)
                .ok_or_else(too_many)?;
        }
        Ok(baseline)
    }

    /// Records `diagnostics`, the findings of the file at `path` (relative to the baseline's
    /// directory, `/`-separated).
    pub fn add(&mut self, path: &str, diagnostics: &[Diagnostic]) {
        if diagnostics.is_empty() {
            return;
        }
        let file = self.files.entry(path.to_owned()).or_default();
        for d in diagnostics {
            file.entries
                .entry(key_of(d))
                .or_insert_with(|| Recorded {
                    count: 0,
                    message: d.message.clone(),
                })
                .count += 1;
        }
    }

    /// The findings recorded for the file at `path`.
    pub fn file(&self, path: &str) -> Option<&FileBaseline> {
        self.files.get(path)
    }

    /// Each file's path and recorded findings, in path order.
    pub fn files(&self) -> impl Iterator<Item = (&str, &FileBaseline)> {
        self.files.iter().map(|(path, file)| (path.as_str(), file))
    }

    /// How many findings are recorded (an entry of count 2 is two).
    pub fn findings(&self) -> usize {
        self.files
            .values()
            .map(FileBaseline::findings)
            .fold(0, usize::saturating_add)
    }

    /// The file's text: a small header and one entry per line, sorted by path, resource,
    /// pointer and code, so that a change to the findings is a change to as many lines.
    pub fn to_json(&self) -> String {
        let mut out = format!("{{\n  \"version\": {VERSION},\n  \"tool\": \"{TOOL}\",\n");
        let lines: Vec<String> = self
            .files
            .iter()
            .flat_map(|(path, file)| {
                file.entries.iter().map(move |(key, recorded)| {
                    let entry = Entry {
                        path: path.clone(),
                        code: key.code.clone(),
                        resource: key.resource.clone(),
                        pointer: key.pointer.clone(),
                        count: recorded.count as u64,
                        message: recorded.message.clone(),
                    };
                    serde_json::to_string(&entry).expect("an entry serializes")
                })
            })
            .collect();
        if lines.is_empty() {
            out.push_str("  \"entries\": []\n}\n");
            return out;
        }
        out.push_str("  \"entries\": [\n");
        for (i, line) in lines.iter().enumerate() {
            let comma = if i + 1 < lines.len() { "," } else { "" };
            let _ = writeln!(out, "    {line}{comma}");
        }
        out.push_str("  ]\n}\n");
        out
    }
}

impl FileBaseline {
    /// How many findings are recorded for the file.
    pub fn findings(&self) -> usize {
        self.entries
            .values()
            .map(|r| r.count)
            .fold(0, usize::saturating_add)
    }
}

fn key_of(d: &Diagnostic) -> Key {
    Key {
        resource: d.resource.clone(),
        pointer: d.stable_pointer.clone(),
        code: d.code.to_owned(),
    }
}

/// Removes from a file's findings those its baseline records, each entry absorbing at most
/// its count, in source order. `ran` says which rules ran on the file: a recorded finding of
/// a rule that did not run is not counted as stale.
pub fn filter(
    baseline: Option<&FileBaseline>,
    diagnostics: Vec<Diagnostic>,
    ran: impl Fn(&str) -> bool,
) -> Filtered {
    let Some(baseline) = baseline else {
        return Filtered {
            new: diagnostics,
            ..Filtered::default()
        };
    };
    let mut left: BTreeMap<&Key, usize> = baseline
        .entries
        .iter()
        .map(|(key, recorded)| (key, recorded.count))
        .collect();
    let mut filtered = Filtered::default();
    for d in diagnostics {
        match left.get_mut(&key_of(&d)) {
            Some(count) if *count > 0 => {
                *count -= 1;
                filtered.matched += 1;
            }
            _ => filtered.new.push(d),
        }
    }
    filtered.stale = left
        .iter()
        .filter(|(key, _)| ran(&key.code))
        .map(|(_, count)| *count)
        .fold(0, usize::saturating_add);
    filtered
}

/// The [`Diagnostic::stable_pointer`] of the node `pointer` names in `root`: the same tokens,
/// with each list index replaced by a selector where the item has a name. `embedded` are the
/// key policies written as JSON strings (host span, parsed policy), which `pointer` descends
/// into as [`crate::pointer::pointer_to`] does; `span` is the finding's, a guide to find map entries
/// quickly. Tokens the tree does not have are kept as they are.
pub(crate) fn stable_pointer(
    root: &Node<'_>,
    embedded: &[(Span, &Node<'_>)],
    pointer: &str,
    span: Span,
) -> String {
    let mut out = String::with_capacity(pointer.len());
    let mut node = Some(root);
    // Whether the current node is the argument of an intrinsic function: a list there is
    // positional (`Fn::If: [Condition, Then, Else]`), and its items keep their index.
    let mut positional = false;
    for token in pointer.split('/').skip(1) {
        out.push('/');
        let Some(mut current) = node else {
            out.push_str(token);
            continue;
        };
        if current.scalar().is_some()
            && let Some((_, inner)) = embedded.iter().find(|(host, _)| *host == current.span)
        {
            current = inner;
            positional = false;
        }
        match &current.value {
            Value::Map(entries) => {
                let key = crate::pointer::unescape(token);
                let guess = entries
                    .partition_point(|e| e.key_span.start <= span.start)
                    .checked_sub(1)
                    .filter(|&i| entries[i].key == key);
                let entry = match guess {
                    Some(i) => Some(&entries[i]),
                    None => entries.iter().find(|e| e.key == key),
                };
                positional = key == "Ref" || key == "Condition" || key.starts_with("Fn::");
                node = entry.map(|e| &e.value);
                out.push_str(token);
            }
            Value::Seq(items) => {
                let item = token.parse::<usize>().ok().and_then(|i| items.get(i));
                match item.and_then(|item| selector(item).filter(|_| !positional)) {
                    Some(selector) => out.push_str(&selector),
                    None => out.push_str(token),
                }
                node = item;
                positional = false;
            }
            Value::Scalar(_) | Value::Invalid => {
                out.push_str(token);
                node = None;
            }
        }
    }
    out
}

/// How a list item is named, when something names it: `[Sid=…]`, `[Key=…]`,
/// `[PolicyName=…]` for a mapping with that key, `[Ref=…]` or `[Fn::GetAtt=…]` for an
/// intrinsic function of a scalar, `[=…]` for a scalar. Values are escaped as JSON pointer
/// tokens are (`~0`, `~1`), so the result stays one token.
fn selector(item: &Node<'_>) -> Option<String> {
    let named =
        |name: &str, value: &str| Some(format!("[{name}={}]", crate::pointer::escape(value)));
    match &item.value {
        Value::Map(_) => {
            for key in NAMING_KEYS {
                if let Some(value) = item.get(key).and_then(Node::as_str)
                    && !value.is_empty()
                {
                    return named(key, value);
                }
            }
            let (function, _, argument) = item.intrinsic()?;
            named(function, argument.as_str()?)
        }
        Value::Scalar(scalar) if scalar.text.chars().count() <= MAX_VALUE_SELECTOR => {
            named("", &scalar.text)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{self, Format};

    /// The stable pointer of `pointer` in `text` (a template), descending into key policies
    /// written as JSON strings.
    fn stable(text: &str, pointer: &str) -> String {
        let loaded = source::load(text, Format::Yaml);
        let root = loaded.root.as_ref().expect("the template parses");
        let embedded = crate::model::embedded_policies(text, root);
        let hosts: Vec<(Span, &Node<'_>)> = embedded
            .iter()
            .filter_map(|e| Some((e.text_node.span, e.loaded.root.as_ref()?)))
            .collect();
        stable_pointer(root, &hosts, pointer, Span::default())
    }

    const TEMPLATE: &str = r#"Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Tags:
        - {Key: team/name, Value: x}
        - {Key: '', Value: y}
      KeyPolicy:
        Statement:
          - Sid: Allow admins
            Effect: Allow
            Principal: {AWS: [!Ref Admin, !GetAtt [Role, Arn], 'arn:aws:iam::111122223333:root']}
            Action: [kms:Create*, kms:Foo]
            Resource: '*'
          - Effect: Allow
            Principal: '*'
            Action: !If [Prod, kms:Decrypt, kms:Encrypt]
            Resource: '*'
  Text:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: '{"Statement": [{"Sid": "S/1~", "Effect": "Allow", "Action": ["kms:Foo"]}]}'
"#;

    #[test]
    fn statements_are_named_by_sid_tags_by_key_scalars_by_value() {
        let key = "/Resources/Key/Properties";
        let policy = "/Resources/Key/Properties/KeyPolicy/Statement";
        assert_eq!(
            stable(TEMPLATE, &format!("{policy}/0/Principal")),
            format!("{policy}/[Sid=Allow admins]/Principal")
        );
        assert_eq!(
            stable(TEMPLATE, &format!("{policy}/0/Action/1")),
            format!("{policy}/[Sid=Allow admins]/Action/[=kms:Foo]")
        );
        // A tag key with a `/` is escaped as a pointer token is; an empty one has no name.
        assert_eq!(
            stable(TEMPLATE, &format!("{key}/Tags/0/Value")),
            format!("{key}/Tags/[Key=team~1name]/Value")
        );
        assert_eq!(
            stable(TEMPLATE, &format!("{key}/Tags/1/Value")),
            format!("{key}/Tags/1/Value")
        );
        // Intrinsic functions of a scalar are named by it; of a list, not.
        assert_eq!(
            stable(TEMPLATE, &format!("{policy}/0/Principal/AWS/0")),
            format!("{policy}/[Sid=Allow admins]/Principal/AWS/[Ref=Admin]")
        );
        assert_eq!(
            stable(
                TEMPLATE,
                &format!("{policy}/0/Principal/AWS/1/Fn::GetAtt/0")
            ),
            format!("{policy}/[Sid=Allow admins]/Principal/AWS/1/Fn::GetAtt/0")
        );
        assert_eq!(
            stable(TEMPLATE, &format!("{policy}/0/Principal/AWS/2")),
            format!("{policy}/[Sid=Allow admins]/Principal/AWS/[=arn:aws:iam::111122223333:root]")
        );
    }

    #[test]
    fn items_without_a_name_and_function_arguments_keep_their_index() {
        let policy = "/Resources/Key/Properties/KeyPolicy/Statement";
        assert_eq!(
            stable(TEMPLATE, &format!("{policy}/1/Principal")),
            format!("{policy}/1/Principal")
        );
        assert_eq!(
            stable(TEMPLATE, &format!("{policy}/1/Action/Fn::If/1")),
            format!("{policy}/1/Action/Fn::If/1")
        );
        // What the tree does not have is kept as written.
        assert_eq!(
            stable(TEMPLATE, &format!("{policy}/7/Principal")),
            format!("{policy}/7/Principal")
        );
        assert_eq!(
            stable(TEMPLATE, "/Resources/Gone/Properties/x"),
            "/Resources/Gone/Properties/x"
        );
        assert_eq!(stable(TEMPLATE, ""), "");
    }

    #[test]
    fn policies_written_as_json_strings_are_descended_into() {
        let policy = "/Resources/Text/Properties/KeyPolicy/Statement";
        assert_eq!(
            stable(TEMPLATE, &format!("{policy}/0/Action/0")),
            format!("{policy}/[Sid=S~11~0]/Action/[=kms:Foo]")
        );
    }

    #[test]
    fn findings_carry_the_stable_pointer() {
        let text = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: true\n      KeyPolicy:\n        Version: '2012-10-17'\n        Statement:\n          - Sid: Root\n            Effect: Allow\n            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}\n            Action: 'kms:*'\n            Resource: '*'\n          - Sid: Typo\n            Effect: Allow\n            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}\n            Action: ['kms:Decrypt', 'kms:Encrypts']\n            Resource: '*'\n";
        let found = crate::lint_source("t.yaml", text, &crate::Settings::default());
        let typo = found
            .iter()
            .find(|d| d.code == "KMS207")
            .unwrap_or_else(|| panic!("{found:#?}"));
        assert_eq!(
            typo.pointer,
            "/Resources/Key/Properties/KeyPolicy/Statement/1/Action/1"
        );
        assert_eq!(
            typo.stable_pointer,
            "/Resources/Key/Properties/KeyPolicy/Statement/[Sid=Typo]/Action/[=kms:Encrypts]"
        );
    }

    fn finding(code: &'static str, resource: &str, pointer: &str, message: &str) -> Diagnostic {
        Diagnostic {
            code,
            name: "x",
            severity: crate::Severity::Warning,
            message: message.to_owned(),
            span: Span::default(),
            resource: Some(resource.to_owned()),
            pointer: String::new(),
            stable_pointer: pointer.to_owned(),
            help: None,
            related: Vec::new(),
            fix: None,
            start: Default::default(),
            end: Default::default(),
        }
    }

    #[test]
    fn entries_absorb_at_most_their_count_and_the_rest_is_stale() {
        let a = finding("KMS104", "Key", "/Resources/Key", "one wording");
        let b = finding("KMS105", "Key", "/Resources/Key", "b");
        let mut baseline = Baseline::default();
        baseline.add("t.yaml", &[a.clone(), a.clone(), b.clone()]);
        assert_eq!(baseline.findings(), 3);
        let text = baseline.to_json();
        assert_eq!(Baseline::parse(&text), Ok(baseline.clone()));
        // The message is not part of the key.
        let mut reworded = a.clone();
        reworded.message = "another wording".to_owned();
        let file = baseline.file("t.yaml");
        let filtered = filter(file, vec![reworded, a.clone(), a.clone()], |_| true);
        assert_eq!((filtered.new.len(), filtered.matched), (1, 2));
        // KMS105's entry matched nothing: stale, unless KMS105 did not run.
        assert_eq!(filtered.stale, 1);
        assert_eq!(filter(file, vec![], |c| c != "KMS105").stale, 2);
        assert_eq!(filter(None, vec![b], |_| true).new.len(), 1);
    }

    #[test]
    fn the_file_is_sorted_one_entry_a_line() {
        let mut baseline = Baseline::default();
        baseline.add("b.yaml", &[finding("KMS104", "Key", "/Resources/Key", "m")]);
        baseline.add(
            "a.yaml",
            &[
                finding("KMS105", "Z", "/Resources/Z", "m"),
                finding("KMS104", "A", "/Resources/A", "m \"quoted\""),
            ],
        );
        let text = baseline.to_json();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[..4],
            [
                "{",
                "  \"version\": 1,",
                "  \"tool\": \"kmslint\",",
                "  \"entries\": ["
            ]
        );
        assert_eq!(
            lines[4],
            r#"    {"path":"a.yaml","code":"KMS104","resource":"A","pointer":"/Resources/A","count":1,"message":"m \"quoted\""},"#
        );
        assert!(lines[5].contains("\"resource\":\"Z\""), "{text}");
        assert!(lines[6].starts_with("    {\"path\":\"b.yaml\"") && !lines[6].ends_with(','));
        assert_eq!(lines[7..], ["  ]", "}"]);
        assert_eq!(
            Baseline::default().to_json(),
            "{\n  \"version\": 1,\n  \"tool\": \"kmslint\",\n  \"entries\": []\n}\n"
        );
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let err = |text: &str| Baseline::parse(text).unwrap_err().to_string();
        assert!(
            err(r#"{"version": 2, "tool": "kmslint", "entries": []}"#)
                .starts_with("baseline version 2 is not supported")
        );
        assert!(err(r#"{"version": 1, "entries": []}"#).starts_with("not a kmslint baseline"));
        assert!(err("[]").starts_with("not a kmslint baseline"));
        assert!(err("{").starts_with("not valid JSON"));
        assert!(
            err(r#"{"version": 1, "tool": "kmslint", "entries": [{"path": "a"}]}"#)
                .contains("missing field")
        );
        let zero = r#"{"version": 1, "tool": "kmslint", "entries": [{"path": "a", "code": "KMS104", "resource": null, "pointer": "", "count": 0}]}"#;
        assert!(err(zero).contains("at least 1"));
        // An entry given twice adds up; count and message may be left out.
        let twice = r#"{"version": 1, "tool": "kmslint", "entries": [
            {"path": "a", "code": "KMS104", "resource": null, "pointer": ""},
            {"path": "a", "code": "KMS104", "resource": null, "pointer": "", "count": 2}]}"#;
        assert_eq!(Baseline::parse(twice).unwrap().findings(), 3);
        // Counts that would wrap, or are absurd, are refused.
        let entry = |count: &str| {
            format!(
                r#"{{"path": "a", "code": "KMS104", "resource": null, "pointer": "", "count": {count}}}"#
            )
        };
        for counts in [
            vec!["18446744073709551615"],
            vec!["4294967296"],
            vec!["1000001"],
            vec!["18446744073709551615", "1"],
            vec!["600000", "600000"],
        ] {
            let entries: Vec<String> = counts.iter().map(|c| entry(c)).collect();
            let text = format!(
                r#"{{"version": 1, "tool": "kmslint", "entries": [{}]}}"#,
                entries.join(",")
            );
            assert!(err(&text).contains("more than 1000000"), "{counts:?}");
        }
    }
}
