//! The whole pipeline on arbitrary bytes: decode, load (as YAML and as JSON), model, every
//! rule, suppressions, and every renderer (pretty, compact, JSON, SARIF, GitHub). It must
//! never panic, and every finding must lie inside the text, on character boundaries. Fixes
//! too: every edit lies inside the text, and fixing (unsafe fixes included) never turns a
//! file that parsed into one that does not, nor changes what kind of file it is.
//!
//! Inputs whose first byte is `#` are read as a recipe for a template's `Conditions`
//! instead (see [`conditions_template`]), so that the fuzzer reaches deep and shared
//! condition formulas, which random text seldom spells correctly.
#![no_main]

use kmslint_core::config::Settings;
use kmslint_core::lint_bytes;
use kmslint_core::render::{self, FileOutput, Summary};
use kmslint_core::rules::{RuleKind, kind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let settings = Settings::default();
    if let Some((b'#', recipe)) = data.split_first() {
        let text = conditions_template(recipe);
        check("conditions.yaml", text.into_bytes(), &settings);
        return;
    }
    for name in ["input.yaml", "input.json"] {
        check(name, data.to_vec(), &settings);
    }
});

fn check(name: &str, bytes: Vec<u8>, settings: &Settings) {
    let (report, text) = lint_bytes(name, bytes, settings, &kmslint_core::Previous::NotCompared);
    for d in &report.diagnostics {
        assert!(d.span.end as usize <= text.len(), "{d:?} past the end");
        assert!(d.span.start <= d.span.end, "{d:?} reversed");
        assert!(text.is_char_boundary(d.span.start as usize));
        assert!(text.is_char_boundary(d.span.end as usize));
        for edit in d.fix.iter().flat_map(|f| &f.edits) {
            assert!(
                edit.span.end as usize <= text.len(),
                "{edit:?} past the end"
            );
            assert!(text.is_char_boundary(edit.span.start as usize));
            assert!(text.is_char_boundary(edit.span.end as usize));
        }
    }
    // One pass of every fix, unsafe ones included, applied as is (`fix_text` would drop a
    // pass that breaks the file and so hide the rule's bad edit).
    if let Some(applied) = kmslint_core::fix::apply(
        &text,
        &report.diagnostics,
        kmslint_core::fix::Applicability::Unsafe,
    ) {
        let (after, _) = lint_bytes(
            name,
            applied.text.into_bytes(),
            settings,
            &kmslint_core::Previous::NotCompared,
        );
        let parse_errors = |ds: &[kmslint_core::Diagnostic]| {
            ds.iter()
                .filter(|d| kind(d.code) == Some(RuleKind::Parse))
                .count()
        };
        assert_eq!(
            after.outcome, report.outcome,
            "fixing changed what the file is"
        );
        assert!(
            parse_errors(&after.diagnostics) <= parse_errors(&report.diagnostics),
            "a fix broke the file"
        );
    }
    let output = FileOutput {
        path: name,
        text: &text,
        diagnostics: &report.diagnostics,
        previous: None,
    };
    let mut summary = Summary::default();
    summary.count(&report.diagnostics);
    let files = std::slice::from_ref(&output);
    let pretty = render::pretty::render_file(&output, false);
    let compact = render::compact::render(name, &report.diagnostics);
    // Human formats show input text with its control characters escaped: no line of theirs
    // can start a GitHub workflow command or carry a terminal escape.
    for human in [&pretty, &compact] {
        assert!(
            !human.contains('\u{1b}'),
            "an escape reached the output:\n{human}"
        );
        assert!(
            human.lines().all(|l| !l.starts_with("::")),
            "a line starts with `::`:\n{human}"
        );
    }
    let github = render::github::render(name, &report.diagnostics);
    assert!(github.lines().all(|l| l.starts_with("::")), "{github}");
    let _ = render::json::render(files, &summary);
    // The rules that fired: the whole catalogue's help text would dwarf the findings.
    let rules: Vec<_> = kmslint_core::rules::RULES
        .iter()
        .filter(|r| report.diagnostics.iter().any(|d| d.code == r.code))
        .collect();
    let sarif = render::sarif::render(files, &rules);
    assert!(serde_json::from_str::<serde_json::Value>(&sarif).is_ok());
}

/// A template whose conditions are built from `recipe`, three bytes a condition: an
/// operator, and two earlier (or later, or missing) conditions or parameters it refers to.
/// A key policy uses the last conditions in `Fn::If`s, so that scenarios are enumerated.
fn conditions_template(recipe: &[u8]) -> String {
    let count = recipe.len() / 3;
    let mut out =
        String::from("Parameters:\n  P0: {Type: String}\n  P1: {Type: String}\nConditions:\n");
    for (i, op) in recipe.chunks_exact(3).enumerate() {
        // Refer mostly backwards, sometimes forwards or to nothing (KMS003).
        let refer = |b: u8| match b % 8 {
            7 => format!("C{}", (b as usize) % (count + 2)),
            _ => format!("C{}", i.saturating_sub(1 + (b as usize) % 4)),
        };
        let (a, b) = (refer(op[1]), refer(op[2]));
        let formula = match op[0] % 6 {
            0 => format!("!And [{{Condition: {a}}}, {{Condition: {b}}}]"),
            1 => format!("!Or [{{Condition: {a}}}, {{Condition: {b}}}]"),
            2 => format!("!Not [{{Condition: {a}}}]"),
            3 => format!("!Equals [!Ref P{}, '{}']", op[1] % 2, op[2] % 3),
            4 => format!("!Equals ['{}', '{}']", op[1] % 2, op[2] % 2),
            _ => {
                format!("!Or [{{Condition: {a}}}, !Not [{{Condition: {b}}}], !Equals [!Ref P0, x]]")
            }
        };
        out.push_str(&format!("  C{i}: {formula}\n"));
    }
    if count == 0 {
        out.push_str("  C0: !Equals [!Ref P0, x]\n");
    }
    let last = count.max(1) - 1;
    out.push_str(&format!(
        "Resources:
  Key:
    Type: AWS::KMS::Key
    Condition: C{last}
    Properties:
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {{AWS: !Sub 'arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:root'}}
            Action: !If [C{last}, 'kms:*', 'kms:Describe*']
            Resource: '*'
          - !If
            - C{}
            - Effect: Deny
              Principal: '*'
              Action: kms:PutKeyPolicy
              Resource: '*'
            - !Ref AWS::NoValue
",
        last / 2
    ));
    out
}
