//! The loaders on `fixtures/parse/`: every node's JSON pointer, position and value is
//! snapshotted, so a change in the parsers (saphyr-parser moves fast) shows as a diff.

mod common;

use std::fmt::Write;
use std::fs;

use kmslint::source::{self, Format, LineIndex, Node, Style, Value};

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
        for problem in &loaded.problems {
            let start = lines.position(text, problem.span.start as usize);
            let _ = writeln!(
                out,
                "{:?} at {}:{}: {}",
                problem.kind, start.line, start.column, problem.message
            );
        }
        match &loaded.root {
            Some(root) => dump(root, "", text, &lines, &mut out),
            None => out.push_str("(no tree)\n"),
        }
        insta::with_settings!({prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!(format!("parse__{name}"), out);
        });
    }
}
