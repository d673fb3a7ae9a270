//! The editor's unit tests: format-preserving replacements, insertions and removals.

use super::*;
use crate::source::load_file;

fn editor(text: &str, format: Format) -> Editor<'_> {
    Editor {
        text,
        format,
        hosts: Vec::new(),
        eol: if text.contains("\r\n") { "\r\n" } else { "\n" },
    }
}

fn edit(text: &str, edit: Edit) -> String {
    let mut out = text.to_owned();
    out.replace_range(edit.span.range(), &edit.replacement);
    out
}

/// `text` with `key: value` inserted into the mapping at `path`.
fn inserted(text: &str, path: &[&str], place: Place, key: &str, value: Fragment<'_>) -> String {
    let format = if text.starts_with('{') {
        Format::Json
    } else {
        Format::Yaml
    };
    let (_, loaded) = load_file(
        if format == Format::Json {
            "t.json"
        } else {
            "t.yaml"
        },
        text,
    );
    let root = loaded.root.unwrap();
    let map = path.iter().fold(&root, |node, key| node.get(key).unwrap());
    edit(
        text,
        editor(text, format)
            .insert_entry(map, place, key, value)
            .unwrap(),
    )
}

#[test]
fn plain_values_that_would_read_differently_are_quoted() {
    for ok in ["Retain", "alias/my-key", "kms:Encrypt", "a b"] {
        assert!(plain_safe(ok), "{ok}");
    }
    for risky in [
        "yes",
        "On",
        "2012-10-17",
        "12",
        "1e3",
        "a: b",
        "#x",
        "- x",
        "",
        "x:",
    ] {
        assert!(!plain_safe(risky), "{risky}");
    }
}

#[test]
fn block_entries_go_at_the_mapping_indentation_keeping_crlf_and_comments() {
    let text = "Resources:\r\n  Key:  # the key\r\n    Type: AWS::KMS::Key\r\n    Properties:\r\n      A: 1  # note\r\nOutputs: {}\r\n";
    let key = ["Resources", "Key"];
    assert_eq!(
        inserted(
            text,
            &key,
            Place::Last,
            "DeletionPolicy",
            Fragment::Str("Retain")
        ),
        "Resources:\r\n  Key:  # the key\r\n    Type: AWS::KMS::Key\r\n    Properties:\r\n      A: 1  # note\r\n    DeletionPolicy: Retain\r\nOutputs: {}\r\n"
    );
    let out = inserted(
        text,
        &key,
        Place::First,
        "Version",
        Fragment::Str("2012-10-17"),
    );
    assert!(
        out.contains("  Key:  # the key\r\n    Version: '2012-10-17'\r\n    Type:"),
        "{out}"
    );
    let nested = Fragment::Map(vec![("EnableKeyRotation", Fragment::Bool(true))]);
    assert_eq!(
        inserted(
            "Resources:\n  Key:\n    Type: AWS::KMS::Key",
            &key,
            Place::Last,
            "Properties",
            nested
        ),
        "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: true"
    );
}

#[test]
fn json_entries_follow_the_layout() {
    let text = "{\n    \"Resources\": {\n        \"Key\": {\n            \"Type\": \"AWS::KMS::Key\"\n        }\n    }\n}\n";
    let out = inserted(
        text,
        &["Resources", "Key"],
        Place::Last,
        "DeletionPolicy",
        Fragment::Str("Retain"),
    );
    assert!(
        out.contains("\"Type\": \"AWS::KMS::Key\",\n            \"DeletionPolicy\": \"Retain\"\n"),
        "{out}"
    );
    let flat = "{\"Resources\": {\"Key\": {\"Type\": \"AWS::KMS::Key\", \"Properties\": {}}}}";
    let out = inserted(
        flat,
        &["Resources", "Key", "Properties"],
        Place::Last,
        "EnableKeyRotation",
        Fragment::Bool(true),
    );
    assert!(
        out.contains("\"Properties\": {\"EnableKeyRotation\": true}"),
        "{out}"
    );
}

#[test]
fn a_mapping_inserted_in_json_on_many_lines_is_spread_over_lines() {
    let text =
        "{\n  \"Resources\": {\n    \"Key\": {\n      \"Type\": \"AWS::KMS::Key\"\n    }\n  }\n}\n";
    let nested = Fragment::Map(vec![("EnableKeyRotation", Fragment::Bool(true))]);
    assert_eq!(
        inserted(
            text,
            &["Resources", "Key"],
            Place::Last,
            "Properties",
            nested
        ),
        "{\n  \"Resources\": {\n    \"Key\": {\n      \"Type\": \"AWS::KMS::Key\",\n      \"Properties\": {\n        \"EnableKeyRotation\": true\n      }\n    }\n  }\n}\n"
    );
}

#[test]
fn an_entry_after_a_key_without_value_goes_after_its_colon() {
    let text = "m: {a: 1, b:}";
    assert_eq!(
        inserted(text, &["m"], Place::Last, "c", Fragment::Str("x")),
        "m: {a: 1, b:, c: x}"
    );
}

#[test]
fn a_mapping_without_braces_in_a_flow_sequence_gets_no_entry() {
    let text = "s: [a: 1, b: 2]\n";
    let (_, loaded) = load_file("t.yaml", text);
    let root = loaded.root.unwrap();
    let first = &root.get("s").unwrap().as_seq().unwrap()[0];
    let e = editor(text, Format::Yaml);
    assert!(
        e.insert_entry(first, Place::Last, "c", Fragment::Str("x"))
            .is_none()
    );
}

#[test]
fn replacements_keep_the_quoting() {
    let text = "a: allow\nb: 'allow'\nc: \"allow\"\nd: yes\n";
    let (_, loaded) = load_file("t.yaml", text);
    let root = loaded.root.unwrap();
    let e = editor(text, Format::Yaml);
    let mut out = text.to_owned();
    for key in ["d", "c", "b", "a"] {
        let node = root.get(key).unwrap();
        let edit = if key == "d" {
            e.replace_raw(node, "true").unwrap()
        } else {
            e.replace_scalar(node, "Allow").unwrap()
        };
        out.replace_range(edit.span.range(), &edit.replacement);
    }
    assert_eq!(out, "a: Allow\nb: 'Allow'\nc: \"Allow\"\nd: true\n");
    assert_eq!(inside(Style::JsonString, "\"", false).unwrap(), "\\\"");
    assert_eq!(inside(Style::SingleQuoted, "'", false).unwrap(), "''");
    assert!(inside(Style::Plain, "'", true).is_none());
}

/// A lone action in a policy held in an escaped JSON string becomes a list: the action is
/// kept as written (already escaped), only what is added is escaped for the string.
#[test]
fn a_scalar_made_a_list_inside_an_escaped_policy_keeps_its_escapes() {
    let text = r#"{"P": "{\"Action\": \"kms:Encrypt\"}"}"#;
    let (_, loaded) = load_file("t.json", text);
    let root = loaded.root.unwrap();
    let host = root.get("P").unwrap();
    let mut e = editor(text, Format::Json);
    e.hosts = vec![(host.span, Style::JsonString)];
    let start = text.find(r#"\"kms"#).unwrap();
    let end = start + r#"\"kms:Encrypt\""#.len();
    let action = Node {
        span: Span::new(start, end),
        value: Value::Scalar(crate::source::Scalar {
            text: "kms:Encrypt".into(),
            style: Style::JsonString,
        }),
    };
    let out = edit(text, e.append_item(&action, "kms:PutKeyPolicy").unwrap());
    assert_eq!(
        out,
        r#"{"P": "{\"Action\": [\"kms:Encrypt\", \"kms:PutKeyPolicy\"]}"}"#
    );
}
