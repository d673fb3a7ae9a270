//! Writes hostile templates at full size, the inputs of the "hostile input: bounded" issue, into
//! the directory given as argument: `cargo run --example generate_attacks -- DIR`.
//!
//! Each file reproduced an exhaustion on kmslint before the model layer bounded its work:
//! conditions built on conditions (exponential or deeply recursive), `Fn::Sub` and
//! `Fn::FindInMap` values that expand to each other, a `Fn::Sub` with 100,000 variables, a
//! 100,000-digit number, and a key policy whose `Statement` is a string.

use std::fmt::Write as _;
use std::path::Path;

/// A key (with rotation, so the only findings are the attack's) that uses `condition`.
fn key(condition: Option<&str>) -> String {
    let mut s = String::from("  Key:\n    Type: AWS::KMS::Key\n");
    if let Some(c) = condition {
        let _ = writeln!(s, "    Condition: {c}");
    }
    s.push_str("    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n");
    s.push_str("    Properties:\n      EnableKeyRotation: true\n");
    s
}

/// An alias of the key, without its `AliasName` (which each attack adds).
const ALIAS: &str =
    "  Alias:\n    Type: AWS::KMS::Alias\n    Properties:\n      TargetKeyId: !Ref Key\n";

/// `C_i: !And [Condition: C_(i-1), Condition: C_(i-1)]`, `levels` deep.
pub(crate) fn conditions_and(levels: usize) -> String {
    let mut s = String::from("Parameters:\n  Env: {Type: String}\nConditions:\n");
    s.push_str("  C0: !Equals [!Ref Env, prod]\n");
    for i in 1..=levels {
        let p = i - 1;
        let _ = writeln!(s, "  C{i}: !And [{{Condition: C{p}}}, {{Condition: C{p}}}]");
    }
    s.push_str("Resources:\n");
    s + &key(Some(&format!("C{levels}")))
}

/// `C_i: !Not [Condition: C_(i-1)]`, `length` long, listed from the last when `reverse`.
pub(crate) fn conditions_not(length: usize, reverse: bool) -> String {
    let mut lines: Vec<String> = (1..=length)
        .map(|i| format!("  C{i}: !Not [{{Condition: C{}}}]", i - 1))
        .collect();
    lines.insert(0, "  C0: !Equals [!Ref Env, prod]".to_owned());
    if reverse {
        lines.reverse();
    }
    let mut s = String::from("Parameters:\n  Env: {Type: String}\nConditions:\n");
    s.push_str(&lines.join("\n"));
    s.push_str("\nResources:\n");
    s + &key(Some(&format!("C{length}")))
}

/// An alias name that is an `Fn::Sub` whose variable is an `Fn::Sub`…, `levels` deep, each
/// variable used `uses` times: uses^levels characters written out.
pub(crate) fn sub_nested(levels: usize, uses: usize) -> String {
    let mut value = String::from("\"x\"");
    for _ in 0..levels {
        value = format!(
            "{{\"Fn::Sub\": [\"{}\", {{\"V\": {value}}}]}}",
            "${V}".repeat(uses)
        );
    }
    let mut s = String::from("Resources:\n");
    s.push_str(&key(None));
    s.push_str(ALIAS);
    let _ = writeln!(s, "      AliasName: {value}");
    s
}

/// Mapping entries that join `uses` lookups of the entry before, `levels` deep, and an alias
/// name that looks up the last.
pub(crate) fn find_in_map_nested(levels: usize, uses: usize) -> String {
    let mut s = String::from("Mappings:\n  M:\n    K:\n      L0: x\n");
    for i in 1..=levels {
        let lookups = vec![format!("{{\"Fn::FindInMap\": [M, K, L{}]}}", i - 1); uses];
        let _ = writeln!(
            s,
            "      L{i}: {{\"Fn::Join\": [\"\", [{}]]}}",
            lookups.join(", ")
        );
    }
    s.push_str("Resources:\n");
    s.push_str(&key(None));
    s.push_str(ALIAS);
    let _ = writeln!(s, "      AliasName: !FindInMap [M, K, L{levels}]");
    s
}

/// An alias name that is an `Fn::Sub` with `count` variables.
pub(crate) fn sub_many_variables(count: usize) -> String {
    let mut template = String::from("alias/");
    let mut vars = String::new();
    for i in 0..count {
        let _ = write!(template, "${{V{i}}}");
        let _ = write!(vars, "{}V{i}: a", if i == 0 { "" } else { ", " });
    }
    let mut s = String::from("Resources:\n");
    s.push_str(&key(None));
    s.push_str(ALIAS);
    let _ = writeln!(s, "      AliasName: !Sub ['{template}', {{{vars}}}]");
    s
}

/// A `PendingWindowInDays` of `digits` digits.
pub(crate) fn pending_window(digits: usize) -> String {
    let mut s = String::from("Resources:\n");
    s.push_str(&key(None));
    let _ = writeln!(s, "      PendingWindowInDays: 1{}", "0".repeat(digits - 1));
    s
}

/// A key policy whose `Statement` is a string.
pub(crate) fn statement_string() -> String {
    let mut s = String::from("Resources:\n");
    s.push_str(&key(None));
    s.push_str("      KeyPolicy:\n        Version: '2012-10-17'\n");
    s.push_str("        Statement: \"Allow everyone everything\"\n");
    s
}

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: generate_attacks DIR");
        std::process::exit(2);
    };
    let dir = Path::new(&dir);
    let files = [
        ("conditions-and-28.yaml", conditions_and(28)),
        (
            "conditions-not-15000-reverse.yaml",
            conditions_not(15_000, true),
        ),
        ("conditions-not-10000.yaml", conditions_not(10_000, false)),
        ("sub-nested.yaml", sub_nested(8, 8)),
        ("findinmap-nested.yaml", find_in_map_nested(14, 4)),
        ("sub-100k-vars.yaml", sub_many_variables(100_000)),
        ("pending-window-100k-digits.yaml", pending_window(100_000)),
        ("statement-string.yaml", statement_string()),
    ];
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("{}: {e}", dir.display());
        std::process::exit(1);
    }
    for (name, text) in files {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, &text) {
            eprintln!("{}: {e}", path.display());
            std::process::exit(1);
        }
        println!("{} ({} bytes)", path.display(), text.len());
    }
}
