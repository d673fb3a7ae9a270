//! The YAML loader's unit tests: spans, short-form tags, duplicates, anchors, budgets and
//! the leniency for under-indented lines.

use super::*;

fn root(text: &str) -> Node<'_> {
    let loaded = load(text);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    loaded.root.unwrap()
}

fn slice(text: &str, span: Span) -> &str {
    &text[span.range()]
}

#[test]
fn quoted_scalars_and_flow_collections_end_at_their_closing_character() {
    let text =
        "a: 'bad two' # c\nb: \"x\\\"y\"   \nc: [a, b]   # d\nd: {k: v}  # e\ne: 'it''s'  \n";
    let doc = root(text);
    assert_eq!(slice(text, doc.get("a").unwrap().span), "'bad two'");
    assert_eq!(slice(text, doc.get("b").unwrap().span), "\"x\\\"y\"");
    assert_eq!(slice(text, doc.get("c").unwrap().span), "[a, b]");
    assert_eq!(slice(text, doc.get("d").unwrap().span), "{k: v}");
    assert_eq!(slice(text, doc.get("e").unwrap().span), "'it''s'");
}

#[test]
fn short_forms_become_long_forms_with_the_tag_as_key_span() {
    let text = "a: !Sub x-${y}\nb: !GetAtt Key.Arn\nc: !Ref\n";
    let doc = root(text);
    let sub = doc.entry("a").unwrap();
    let (name, key_span, arg) = sub.value.intrinsic().unwrap();
    assert_eq!(name, "Fn::Sub");
    assert_eq!(slice(text, key_span), "!Sub");
    assert_eq!(slice(text, arg.span), "x-${y}");
    let (name, _, arg) = doc.get("b").unwrap().intrinsic().unwrap();
    assert_eq!(name, "Fn::GetAtt");
    let parts = arg.as_seq().unwrap();
    assert_eq!(slice(text, parts[0].span), "Key");
    assert_eq!(slice(text, parts[1].span), "Arn");
    let (name, _, arg) = doc.get("c").unwrap().intrinsic().unwrap();
    assert_eq!(name, "Ref");
    assert_eq!(arg.as_str(), Some(""));
}

/// `!GetStackOutput` (another stack's output, read at deployment: CDK's weak references) is
/// `Fn::GetStackOutput`, as its JSON form is written.
#[test]
fn get_stack_output_is_a_function_tag() {
    let text = "a: !GetStackOutput {StackName: keys, OutputName: KeyArn}\n";
    let doc = root(text);
    let (name, key_span, arg) = doc.get("a").unwrap().intrinsic().unwrap();
    assert_eq!(name, "Fn::GetStackOutput");
    assert_eq!(slice(text, key_span), "!GetStackOutput");
    assert!(arg.as_map().is_some());
}

#[test]
fn spans_are_bytes_after_multibyte_characters() {
    let text = "a: 🔑é\nb: ’x’\n";
    let doc = root(text);
    assert_eq!(slice(text, doc.get("b").unwrap().span), "’x’");
}

#[test]
fn block_scalars_span_from_their_indicator() {
    let text = "p: |  # c\n  {\"a\": 1}\n\nq: 1\n";
    let doc = root(text);
    assert_eq!(
        slice(text, doc.get("p").unwrap().span),
        "|  # c\n  {\"a\": 1}"
    );
}

#[test]
fn duplicates_keep_the_last_and_point_at_the_first() {
    let text = "a: 1\nb: 2\na: 3\n";
    let loaded = load(text);
    let root = loaded.root.unwrap();
    assert_eq!(root.get("a").unwrap().as_str(), Some("3"));
    assert_eq!(root.as_map().unwrap().len(), 2);
    let problem = &loaded.problems[0];
    assert_eq!(problem.kind, ProblemKind::DuplicateKey);
    assert_eq!(problem.span, Span::new(10, 11));
    assert_eq!(problem.first, Some(Span::new(0, 1)));
}

#[test]
fn duplicates_in_large_maps_are_found_too() {
    let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
    text.push_str("k7: again\n");
    let loaded = load(&text);
    assert_eq!(loaded.problems.len(), 1);
    assert_eq!(
        loaded.root.unwrap().get("k7").unwrap().as_str(),
        Some("again")
    );
}

#[test]
fn anchors_aliases_and_merge_keys_are_reported_not_expanded() {
    let text = "a: &x 1\nb: *x\nc: {<<: *x}\n";
    let loaded = load(text);
    let spans: Vec<&str> = loaded
        .problems
        .iter()
        .map(|p| slice(text, p.span))
        .collect();
    assert_eq!(spans, ["&x", "*x", "<<", "*x"]);
}

#[test]
fn deep_nesting_is_a_problem_not_a_crash() {
    let text = "a:\n".to_owned()
        + &(1..400)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect::<String>();
    let loaded = load(&text);
    assert!(loaded.root.is_none());
    assert!(loaded.problems[0].message.contains("nesting"));
    let flow = "[".repeat(100_000);
    assert!(load(&flow).root.is_none());
}

#[test]
fn syntax_errors_have_positions() {
    let text = "a: [1, 2\nb: 3\n";
    let loaded = load(text);
    assert!(loaded.root.is_none());
    assert_eq!(loaded.problems[0].kind, ProblemKind::Syntax);
    assert_eq!(loaded.problems[0].span.start, 10);
}

#[test]
fn under_indented_quoted_scalars_load_as_pyyaml_loads_them() {
    let text = "a:\n  b:\n    c: !Sub '{\n  \"x\": 1\n}'\n    d: ’z\n";
    let loaded = load(text);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let root = loaded.root.unwrap();
    let b = root.get("a").unwrap().get("b").unwrap();
    let (_, _, sub) = b.get("c").unwrap().intrinsic().unwrap();
    assert_eq!(sub.as_str(), Some("{ \"x\": 1 }"));
    assert_eq!(slice(text, b.get("d").unwrap().span), "’z");
    assert_eq!(slice(text, sub.span), "'{\n  \"x\": 1\n}'");
}

#[test]
fn scalars_borrow_the_text_where_it_is_written_as_is() {
    let text =
        "a: plain\nb: 'single'\nc: \"double\"\nd: \"esc\\n\"\ne: 'it''s'\nf: !GetAtt K.Arn\n";
    let doc = root(text);
    let text_of = |key: &str| doc.get(key).unwrap().scalar().unwrap().text.clone();
    for (key, value) in [("a", "plain"), ("b", "single"), ("c", "double")] {
        assert!(
            matches!(text_of(key), Cow::Borrowed(v) if v == value),
            "{key}"
        );
    }
    assert!(matches!(text_of("d"), Cow::Owned(v) if v == "esc\n"));
    assert!(matches!(text_of("e"), Cow::Owned(v) if v == "it's"));
    assert!(matches!(doc.entry("a").unwrap().key, Cow::Borrowed("a")));
    let (name, _, arg) = doc.get("f").unwrap().intrinsic().unwrap();
    assert_eq!(name, "Fn::GetAtt");
    let parts = arg.as_seq().unwrap();
    assert!(matches!(
        parts[0].scalar().unwrap().text,
        Cow::Borrowed("K")
    ));
    assert!(matches!(
        parts[1].scalar().unwrap().text,
        Cow::Borrowed("Arn")
    ));
}

#[test]
fn flow_collections_longer_than_an_implicit_key_load_whole() {
    // saphyr-parser is patched to stop treating such a collection as a possible key after
    // 1024 characters: the value must not change.
    let items: Vec<String> = (0..1000).map(|i| format!("x{i}")).collect();
    let list = format!("[{}]", items.join(", "));
    let text = format!("a: {list}\nb:\n  - {list}\n  - k: {{m: {list}}}\n");
    let doc = root(&text);
    assert_eq!(doc.get("a").unwrap().as_seq().unwrap().len(), 1000);
    let b = doc.get("b").unwrap().as_seq().unwrap();
    assert_eq!(b[0].as_seq().unwrap()[999].as_str(), Some("x999"));
    let m = b[1].get("k").unwrap().get("m").unwrap();
    assert_eq!(slice(&text, m.span), list);
    let map = format!(
        "{{{}}}",
        items
            .iter()
            .map(|i| format!("{i}: v"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert_eq!(root(&map).as_map().unwrap().len(), 1000);
    assert_eq!(
        root(&format!("[{list}, {list}]")).as_seq().unwrap().len(),
        2
    );
}

#[test]
fn a_tree_over_the_budget_stops_where_it_got_to() {
    // `{a}` is a map of one entry: 112 bytes of tree for four of text, over the budget of
    // 22 times the text (at least 16 MB).
    let text = format!("[{}]", vec!["{a}"; 1 << 20].join(","));
    let loaded = load(&text);
    assert!(loaded.root.is_none());
    let problem = loaded.problems.last().unwrap();
    assert!(
        problem.message.starts_with("too large to analyse"),
        "{problem:?}"
    );
    let at = problem.span.start as usize;
    assert!(at > text.len() / 2 && at < text.len(), "{at}");
    // Within the budget, the same shape loads.
    let text = format!("[{}]", vec!["{a}"; 1 << 16].join(","));
    assert_eq!(root(&text).as_seq().unwrap().len(), 1 << 16);
}

#[test]
fn a_second_document_is_reported() {
    let text = "a: 1\n---\nb: 2\n...\n---\nc: 3\n";
    let loaded = load(text);
    assert!(loaded.root.is_some());
    assert_eq!(loaded.problems.len(), 1, "{:?}", loaded.problems);
    assert_eq!(loaded.problems[0].message, SECOND_DOCUMENT);
    assert_eq!(slice(text, loaded.problems[0].span), "---");
    let more: Vec<&str> = loaded.more.iter().map(|n| slice(text, n.span)).collect();
    assert_eq!(more, ["b: 2", "c: 3"]);
}

#[test]
fn an_error_line_is_read_past_with_the_lines_under_it() {
    let text = "a:\n  b: 1\n  c: x: y\n    d: 2\n  e: 3\nf: [4]\n";
    let loaded = load(text);
    assert!(loaded.recovered);
    assert_eq!(loaded.problems.len(), 1, "{:?}", loaded.problems);
    assert!(
        loaded.problems[0]
            .message
            .starts_with("invalid YAML: mapping values")
    );
    assert_eq!(
        loaded.problems[0].span.start as usize,
        text.find("x:").unwrap() + 1
    );
    let root = loaded.root.unwrap();
    let a = root.get("a").unwrap();
    assert_eq!(a.get("b").unwrap().as_str(), Some("1"));
    // The broken entry and what it held are missing, not moved to another entry.
    assert!(a.get("c").is_none() && a.get("d").is_none());
    assert_eq!(a.get("e").unwrap().as_str(), Some("3"));
    assert_eq!(slice(text, root.get("f").unwrap().span), "[4]");
    // Several broken lines: each is reported, in order.
    let text = "a: 1\nb: x: y\nc: 2\nd: [\ne: 3\n";
    let loaded = load(text);
    assert_eq!(loaded.problems.len(), 1, "{:?}", loaded.problems);
    let text = "a: 1\nb: x: y\nc: 2\n\td: 3\ne: 4\n";
    let loaded = load(text);
    let lines: Vec<usize> = loaded
        .problems
        .iter()
        .map(|p| text[..p.span.start as usize].lines().count())
        .collect();
    // saphyr reports the tab where the plain scalar before it starts: that line goes too.
    assert_eq!(lines, [2, 3], "{:?}", loaded.problems);
    assert_eq!(keys(&loaded), ["a", "e"]);
    // An unclosed quote, which saphyr reports where it opens: that line goes, and the line
    // where the leniency for under-indented quoted lines stopped (its error is reported too).
    let text = "a: \"x\nb: 1\nc: \"y\"\nd: 2\n";
    let loaded = load(text);
    let at: Vec<usize> = loaded
        .problems
        .iter()
        .map(|p| p.span.start as usize)
        .collect();
    assert_eq!(at, [3, 15], "{:?}", loaded.problems);
    assert_eq!(keys(&loaded), ["b", "d"]);
    let loaded = load("a: 1\nb: 'x\n");
    assert_eq!(loaded.problems[0].span.start, 8, "{:?}", loaded.problems);
    assert_eq!(keys(&loaded), ["a"]);
}

fn keys<'a>(loaded: &'a Loaded<'_>) -> Vec<&'a str> {
    let map = loaded.root.as_ref().and_then(Node::as_map);
    map.into_iter().flatten().map(|e| &*e.key).collect()
}

#[test]
fn nothing_is_recovered_where_a_value_would_span_a_blanked_line() {
    for text in [
        // Blanking the entry inside the flow sequence would leave `[1, 2]`.
        "a: [1,\n  b: c: d,\n  2]\n",
        // An unclosed bracket: the error is found at the end of the text.
        "a: {b: 1\nc: 2\n",
        // A broken line every time: the blanking stops after MAX_BLANKED lines.
        &"a: b: c\n".repeat(100),
    ] {
        let loaded = load(text);
        assert!(loaded.root.is_none(), "{text}");
        assert!(!loaded.recovered, "{text}");
        assert_eq!(loaded.problems.len(), 1, "{text}: {:?}", loaded.problems);
    }
}
