//! The loaders on `fixtures/parse/`: every node's JSON pointer, position and value is
//! snapshotted, so a change in the parsers (saphyr-parser moves fast) shows as a diff.

use crate::common;

use std::fmt::Write;
use std::fs;

use kmslint_core::source::{self, Format, LineIndex, Node, Style, Value};

fn dump(node: &Node<'_>, pointer: &str, text: &str, lines: &LineIndex, out: &mut String) {
    let at = |offset: u32| {
        let p = lines.position(text, offset as usize);
        format!("{}:{}", p.line, p.column)
    };
    let span = format!("{}-{}", at(node.span.start), at(node.span.end));
    match &node.value {
        Value::Scalar(s) => {
            let style = match s.style {
                Style::Plain => "plain",
                Style::SingleQuoted => "single",
                Style::DoubleQuoted => "double",
                Style::Literal => "literal",
                Style::Folded => "folded",
                Style::JsonString => "string",
                Style::JsonNumber => "number",
                Style::JsonBool => "bool",
                Style::JsonNull => "null",
            };
            let _ = writeln!(out, "{pointer} {span} {style} {:?}", s.text);
        }
        Value::Seq(items) => {
            let _ = writeln!(out, "{pointer} {span} seq");
            for (i, item) in items.iter().enumerate() {
                dump(item, &format!("{pointer}/{i}"), text, lines, out);
            }
        }
        Value::Map(entries) => {
            let _ = writeln!(out, "{pointer} {span} map");
            for entry in entries {
                let key = format!("{pointer}/{}", entry.key);
                let _ = writeln!(
                    out,
                    "{key} key {}-{}",
                    at(entry.key_span.start),
                    at(entry.key_span.end)
                );
                dump(&entry.value, &key, text, lines, out);
            }
        }
        Value::Invalid => {
            let _ = writeln!(out, "{pointer} {span} invalid");
        }
    }
}

/// The loader's problems, one a line: kind, line:column of the start, message.
fn write_problems(loaded: &source::Loaded<'_>, text: &str, lines: &LineIndex, out: &mut String) {
    for problem in &loaded.problems {
        let start = lines.position(text, problem.span.start as usize);
        let _ = writeln!(
            out,
            "{:?} at {}:{}: {}",
            problem.kind, start.line, start.column, problem.message
        );
    }
}

#[test]
fn parse_fixtures_load_as_snapshotted() {
    let dir = common::root().join("fixtures/parse");
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .expect("fixtures/parse exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| !p.to_string_lossy().ends_with(".args"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    for path in paths {
        let bytes = fs::read(&path).expect("readable");
        let decoded = source::read::decode(bytes);
        let text = &decoded.text;
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let loaded = source::load(text, Format::choose(&name, text));
        let lines = LineIndex::new(text);
        let mut out = String::new();
        if let Some(problem) = &decoded.problem {
            let p = lines.position(text, problem.offset);
            let _ = writeln!(
                out,
                "decode problem at {}:{}: {}",
                p.line, p.column, problem.message
            );
        }
        write_problems(&loaded, text, &lines, &mut out);
        match &loaded.root {
            Some(root) => dump(root, "", text, &lines, &mut out),
            None => out.push_str("(no tree)\n"),
        }
        insta::with_settings!({prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!(format!("parse__{name}"), out);
        });
    }
}

// Flow collections whose closing bracket sits at the indentation of the line that opened
// them (their key), as JSON is usually laid out. YAML 1.2 wants the bracket indented past the
// key and saphyr-parser rejects it; PyYAML, SnakeYAML and CloudFormation accept it, so the
// loader does too, with spans into the text as written.

/// The tree of a YAML text, one node a line, as `parse_fixtures_load_as_snapshotted` writes
/// it, or the problems when there are any.
fn tree(text: &str) -> String {
    let loaded = source::load(text, Format::Yaml);
    let lines = LineIndex::new(text);
    let mut out = String::new();
    write_problems(&loaded, text, &lines, &mut out);
    if let Some(root) = &loaded.root {
        dump(root, "", text, &lines, &mut out);
    }
    out
}

/// The codes found in a template by the rules these tests look for: KMS001 (the loaders'
/// errors), KMS104 and KMS210 (findings that show a template was read as written).
fn codes(text: &str) -> Vec<&'static str> {
    kmslint_core::lint_source(
        "t.yaml",
        text,
        &common::only(&["KMS001", "KMS104", "KMS210"]),
    )
    .iter()
    .map(|d| d.code)
    .collect()
}

/// The tree of `text` ([`tree`]), asserting that it loaded without a syntax problem and that
/// each of `lines` (a node as `tree` writes it, without the line break) is one of its lines.
fn loads_with(text: &str, lines: &[&str]) -> String {
    let tree = tree(text);
    assert!(!tree.contains("Syntax"), "{tree}");
    for line in lines {
        assert!(tree.contains(&format!("{line}\n")), "{line}\n{tree}");
    }
    tree
}

/// Asserts that the rules read `text` (no KMS001) and found each of `expected` in it.
fn assert_read_and_found(text: &str, expected: &[&str]) {
    let codes = codes(text);
    assert!(!codes.contains(&"KMS001"), "{codes:?}");
    for code in expected {
        assert!(codes.contains(code), "{code}: {codes:?}");
    }
}

/// Asserts that `text` does not load: its tree starts with the syntax problem `start`, and
/// the rules report it as KMS001 and nothing else.
fn assert_still_an_error(text: &str, start: &str) {
    let tree = tree(text);
    assert!(tree.starts_with(start), "{tree}");
    assert_eq!(codes(text), ["KMS001"]);
}

/// The text of the node at `path` (keys, or indices into sequences).
fn spanned<'t>(text: &'t str, path: &[&str]) -> &'t str {
    let loaded = source::load(text, Format::Yaml);
    let mut node = loaded.root.as_ref().expect("a tree");
    for step in path {
        node = match step.parse::<usize>() {
            Ok(i) => &node.as_seq().expect("a sequence")[i],
            Err(_) => node.get(step).expect("a key"),
        };
    }
    &text[node.span.start as usize..node.span.end as usize]
}

const KEY_POLICY_CLOSED_AT_KEY: &str = "\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: {
        \"Version\": \"2012-10-17\",
        \"Statement\": [ {\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"*\"}, \"Action\": \"kms:*\", \"Resource\": \"*\"}
        ]
      }
";

#[test]
fn a_flow_mapping_closed_at_its_keys_indentation_loads() {
    let text = KEY_POLICY_CLOSED_AT_KEY;
    loads_with(
        text,
        &[
            "/Resources/Key/Properties/KeyPolicy 5:18-9:8 map",
            "/Resources/Key/Properties/KeyPolicy/Statement 7:22-8:10 seq",
            "/Resources/Key/Properties/KeyPolicy/Statement/0/Effect 7:35-7:42 double \"Allow\"",
        ],
    );
    let policy = spanned(text, &["Resources", "Key", "Properties", "KeyPolicy"]);
    assert!(policy.starts_with("{\n") && policy.ends_with("]\n      }"));
    // The rules see the key now: its rotation, and the policy open to everyone.
    assert_read_and_found(text, &["KMS104", "KMS210"]);
}

#[test]
fn a_flow_sequence_closed_at_its_keys_indentation_loads() {
    let text = "\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Tags: [
        {\"Key\": \"team\", \"Value\": \"payments\"}
      ]
";
    let tags = spanned(text, &["Resources", "Key", "Properties", "Tags"]);
    assert_eq!(
        tags,
        "[\n        {\"Key\": \"team\", \"Value\": \"payments\"}\n      ]"
    );
    let value = spanned(
        text,
        &["Resources", "Key", "Properties", "Tags", "0", "Value"],
    );
    assert_eq!(value, "\"payments\"");
    assert_read_and_found(text, &["KMS104"]);
}

#[test]
fn nested_flow_collections_all_closed_at_the_keys_indentation_load() {
    let text = "\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: {
        \"Statement\": [
          {
            \"Effect\": \"Allow\",
            \"Principal\": {
              \"AWS\": \"arn:aws:iam::111122223333:root\"
      },
            \"Action\": \"kms:*\", \"Resource\": \"*\"
      }
      ]
      }
";
    loads_with(
        text,
        &[
            "/Resources/Key/Properties/KeyPolicy 5:18-15:8 map",
            "/Resources/Key/Properties/KeyPolicy/Statement 6:22-14:8 seq",
            "/Resources/Key/Properties/KeyPolicy/Statement/0 7:11-13:8 map",
            "/Resources/Key/Properties/KeyPolicy/Statement/0/Principal 9:26-11:8 map",
            "/Resources/Key/Properties/KeyPolicy/Statement/0/Action 12:23-12:30 double \"kms:*\"",
        ],
    );
    assert_read_and_found(text, &["KMS104"]);
}

#[test]
fn a_closing_bracket_between_the_lines_indentation_and_the_key_loads() {
    // `- Principal: {` opens at the dash's line: a bracket at the dash, or past it but short
    // of the key, is laid out as the line that opened it, and still too shallow for YAML.
    let text = "\
Statement:
  - Principal: {
      \"AWS\": \"*\"
   }
    Action: [
      \"kms:Decrypt\"
    ]
    Effect: Allow
    Resource: \"*\"
  - {
      \"Effect\": \"Deny\", \"Action\": [ \"kms:*\"
  ], \"Resource\": \"*\", \"Principal\": \"*\"
  }
";
    loads_with(
        text,
        &["/Statement/1/Action/0 11:37-11:44 double \"kms:*\""],
    );
    assert_eq!(
        spanned(text, &["Statement", "0", "Principal"]),
        "{\n      \"AWS\": \"*\"\n   }"
    );
    assert_eq!(
        spanned(text, &["Statement", "0", "Action"]),
        "[\n      \"kms:Decrypt\"\n    ]"
    );
    assert_eq!(
        spanned(text, &["Statement", "1"]),
        "{\n      \"Effect\": \"Deny\", \"Action\": [ \"kms:*\"\n  ], \"Resource\": \"*\", \"Principal\": \"*\"\n  }"
    );
    assert_eq!(spanned(text, &["Statement", "1", "Resource"]), "\"*\"");
}

#[test]
fn a_closing_bracket_at_the_keys_indentation_loads_with_crlf_line_breaks() {
    let text = KEY_POLICY_CLOSED_AT_KEY.replace('\n', "\r\n");
    loads_with(&text, &["/Resources/Key/Properties/KeyPolicy 5:18-9:8 map"]);
    let policy = spanned(&text, &["Resources", "Key", "Properties", "KeyPolicy"]);
    assert!(policy.ends_with("]\r\n      }"), "{policy:?}");
    assert_read_and_found(&text, &["KMS104"]);
}

#[test]
fn a_closing_bracket_at_the_keys_indentation_and_an_under_indented_quoted_scalar_load_together() {
    let text = "\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: !Sub '{
  \"x\": 1
}'
      KeyPolicy: {
        \"Statement\": []
      }
";
    loads_with(text, &[]);
    assert_eq!(
        spanned(text, &["Resources", "Key", "Properties", "KeyPolicy"]),
        "{\n        \"Statement\": []\n      }"
    );
    assert_eq!(
        spanned(
            text,
            &["Resources", "Key", "Properties", "Description", "Fn::Sub"]
        ),
        "'{\n  \"x\": 1\n}'"
    );
}

#[test]
fn block_scalars_keep_their_lines_when_a_flow_collection_is_padded() {
    // Only closing brackets inside flow collections are moved: a block scalar's lines are
    // its value, even those that look like brackets.
    let text = "\
a:
  k: {
    \"x\": \"y\"
  }
  s: >-
    {
    \"z\": 1
    }
  t: [ 1,
    2
  ]
";
    let loaded = source::load(text, Format::Yaml);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let root = loaded.root.expect("a tree");
    let a = root.get("a").expect("a");
    assert_eq!(a.get("s").and_then(|s| s.as_str()), Some("{ \"z\": 1 }"));
    assert_eq!(spanned(text, &["a", "t"]), "[ 1,\n    2\n  ]");
}

#[test]
fn many_closing_brackets_at_their_keys_indentation_load() {
    let mut text = String::from("Resources:\n");
    for i in 0..2000 {
        text.push_str(&format!(
            "  Key{i}:\n    Type: AWS::KMS::Key\n    Properties: {{\n      \"EnableKeyRotation\": \"true\"\n    }}\n"
        ));
    }
    let loaded = source::load(&text, Format::Yaml);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems.first());
    let root = loaded.root.expect("a tree");
    let last = root
        .get("Resources")
        .and_then(|r| r.get("Key1999"))
        .and_then(|k| k.get("Properties"))
        .expect("the last key");
    assert!(text[last.span.start as usize..last.span.end as usize].ends_with("\"true\"\n    }"));
}

#[test]
fn a_closing_bracket_less_indented_than_its_key_is_still_an_error() {
    let text = "\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: {
        \"Statement\": [
      ]
    }
";
    assert_eq!(
        tree(text),
        "Syntax at 8:5: invalid YAML: invalid indentation\n"
    );
    assert_eq!(codes(text), ["KMS001"]);
}

#[test]
fn an_unclosed_flow_collection_is_still_an_error() {
    let text = "\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: {
        \"Statement\": [
      ]
Outputs: {}
";
    assert_still_an_error(text, "Syntax at ");
}

#[test]
fn a_tab_before_a_closing_bracket_is_still_an_error() {
    let text = "\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: {
        \"Statement\": []
\t}
";
    assert_still_an_error(text, "Syntax at 7:1: ");
}

/// A trailing comma in a flow collection (`{a: 1,}`): the collection's span still ends at its
/// bracket (an entry a fix adds after it must go outside it), and a blank YAML does not skip
/// (a form feed) after the comma ends the search instead of looping (both found by the fuzzer).
#[test]
fn a_flow_collection_with_a_trailing_comma_ends_at_its_bracket() {
    let text = "m:\n  inner: {a: 1,\n  }\n  list: [1, 2, ]\n";
    assert_eq!(spanned(text, &["m", "inner"]), "{a: 1,\n  }");
    assert_eq!(spanned(text, &["m", "list"]), "[1, 2, ]");
    let feed = "m: {a: 1,\u{c}}\n";
    let _ = codes(feed);
    let _ = spanned(feed, &["m"]);
}

// A flow collection's entries on lines at the indentation of the key that opened it (issue
// 21): YAML 1.2 wants them indented past the key, PyYAML ignores indentation inside flow
// collections, and so does CloudFormation. Entries less indented than the key's line stay an
// error.

#[test]
fn flow_entries_at_a_top_level_keys_indentation_load() {
    // PyYAML: {'Outputs': ['a', 'b']}
    let tree = tree("Outputs: [\na,\n\"b\"\n]\n");
    assert_eq!(
        tree,
        " 1:1-4:2 map\n/Outputs key 1:1-1:8\n/Outputs 1:10-4:2 seq\n\
         /Outputs/0 2:1-2:2 plain \"a\"\n/Outputs/1 3:1-3:4 double \"b\"\n"
    );
}

#[test]
fn flow_entries_at_the_keys_indentation_three_levels_down_load() {
    // PyYAML: {'Outputs': {'X': {'Value': {'Fn::Join': ['', ['a', 'b']]}}}}
    let text = "Outputs:\n  X:\n    Value: !Join [\"\", [\n    \"a\",\n    \"b\"]]\n";
    loads_with(
        text,
        &[
            "/Outputs/X/Value/Fn::Join/1/0 4:5-4:8 double \"a\"",
            "/Outputs/X/Value/Fn::Join/1/1 5:5-5:8 double \"b\"",
        ],
    );
    assert_eq!(
        spanned(text, &["Outputs", "X", "Value", "Fn::Join", "1"]),
        "[\n    \"a\",\n    \"b\"]"
    );
}

const KEY_POLICY_ENTRIES_AT_KEY: &str = "\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {
            \"AWS\": \"*\"
            }
            Action: [
            \"kms:*\"
            ]
            Resource: \"*\"
";

#[test]
fn flow_entries_at_the_keys_indentation_in_a_sequence_six_levels_down_are_linted() {
    let text = KEY_POLICY_ENTRIES_AT_KEY;
    loads_with(
        text,
        &[
            "/Resources/Key/Properties/KeyPolicy/Statement/0/Action/0 12:13-12:20 double \"kms:*\"",
            "/Resources/Key/Properties/KeyPolicy/Statement/0/Principal/AWS 9:20-9:23 double \"*\"",
        ],
    );
    // The policy is read: open to everyone.
    assert_read_and_found(text, &["KMS210"]);
}

#[test]
fn flow_entries_less_indented_than_the_keys_line_are_still_an_error() {
    let text = "\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: {
    \"Statement\": []
      }
";
    assert_still_an_error(text, "Syntax at 6:5: ");
}

#[test]
fn a_document_marker_inside_a_flow_collection_is_still_an_error() {
    let tree = tree("Outputs: [\n---\n]\n");
    assert!(tree.starts_with("Syntax at "), "{tree}");
}

// YAML's non-specific tag `!` asks for no type: the node is read as if untagged, as PyYAML and
// cfn-lint read it (`{! "Ref": P}` is `{'Ref': 'P'}`).

#[test]
fn the_non_specific_tag_on_a_key_is_ignored() {
    // The key's span is the key, not its tag.
    for (text, key, value) in [
        (
            "! \"Ref\": P\n",
            "/Ref key 1:3-1:8",
            "/Ref 1:10-1:11 plain \"P\"",
        ),
        (
            "Outputs:\n  X:\n    Value: {! \"Ref\": P}\n",
            "/Outputs/X/Value/Ref key 3:15-3:20",
            "/Outputs/X/Value/Ref 3:22-3:23 plain \"P\"",
        ),
        (
            "Outputs:\n  X:\n    Value:\n      ! \"Ref\": P\n",
            "/Outputs/X/Value/Ref key 4:9-4:14",
            "/Outputs/X/Value/Ref 4:16-4:17 plain \"P\"",
        ),
        (
            "Outputs:\n  X:\n    Value:\n      - ! Ref: P\n",
            "/Outputs/X/Value/0/Ref key 4:11-4:14",
            "/Outputs/X/Value/0/Ref 4:16-4:17 plain \"P\"",
        ),
    ] {
        loads_with(text, &[key, value]);
    }
}

#[test]
fn the_non_specific_tag_on_a_value_is_ignored() {
    // PyYAML: {'Outputs': {'X': {'Value': 'Ref', 'N': 123}}}
    let text = "Outputs:\n  X:\n    Value: ! \"Ref\"\n    N: ! 123\n";
    loads_with(
        text,
        &[
            "/Outputs/X/Value 3:14-3:19 double \"Ref\"",
            "/Outputs/X/N 4:10-4:13 plain \"123\"",
        ],
    );
}

#[test]
fn a_policy_under_non_specific_tags_is_linted() {
    let text = "\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        ! Statement:
          - Effect: ! Allow
            Principal: {! \"AWS\": ! \"*\"}
            Action: ! \"kms:*\"
            Resource: \"*\"
";
    assert_read_and_found(text, &["KMS210"]);
}

#[test]
fn a_verbatim_tag_is_reported_as_written() {
    let tree = tree("X: !<tag:example.com,2000:x> a\n");
    assert!(
        tree.starts_with(
            "Syntax at 1:4: the tag `!<tag:example.com,2000:x>` is not one CloudFormation understands\n"
        ),
        "{tree}"
    );
}
