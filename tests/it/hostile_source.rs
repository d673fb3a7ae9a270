//! Hostile input for the loaders and input formats: every input costs time in proportion to
//! its size, and nothing in it is lost. Each attack runs through the binary beside a small
//! template with a known finding (KMS104), which must keep it. The inputs are the issue's,
//! scaled down, made by the generators of `examples/generate_loader_attacks.rs`, which writes
//! them at full size.

use crate::common;

#[allow(dead_code)]
#[path = "../../examples/generate_loader_attacks.rs"]
mod attacks;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use kmslint_core::Settings;

use attacks::{
    FLOW, ROTATING, dup_keys_json, dup_keys_yaml, flow_list, multidoc, under_indented_quotes, utf32,
};
use common::{Kmslint, dir_with};

/// A key without `EnableKeyRotation`: KMS104 at 3:3. Not the shared `UNROTATED_KEY`: the
/// tests assert this line and column, here and in the files built on it (`first.yaml`,
/// `quotes.yaml`).
const PLAIN: &str = "\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Key:
    Type: AWS::KMS::Key
";

/// Tighter than the shared deadline: these inputs are small.
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs kmslint in `dir`, with `stdin` on its standard input; a run past [`DEADLINE`] is
/// killed and fails as a hang.
fn kmslint(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut run = Kmslint::new(dir, args).deadline(DEADLINE);
    if let Some(bytes) = stdin {
        run = run.stdin(bytes);
    }
    run.run().into_output()
}

/// `path:line:col: severity[CODE]` of every finding in compact output, message dropped.
fn findings(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let end = line.find("] ")?;
            Some(line[..=end].to_owned())
        })
        .collect()
}

/// The findings of [`findings`] in the file `name`.
fn findings_of(output: &Output, name: &str) -> Vec<String> {
    let prefix = format!("{name}:");
    findings(output)
        .into_iter()
        .filter(|f| f.starts_with(&prefix))
        .collect()
}

/// Lints `name` (with `bytes`) and `plain.yaml` side by side in compact format; checks the
/// exit status (1: there are findings) and that `plain.yaml` keeps its KMS104.
fn lint_beside_plain(name: &str, bytes: &[u8]) -> Output {
    let dir = dir_with(&[(name, bytes), ("plain.yaml", PLAIN.as_bytes())]);
    let output = kmslint(
        dir.path(),
        &["check", "--format", "compact", name, "plain.yaml"],
        None,
    );
    assert_plain_kept(&output);
    output
}

fn assert_plain_kept(output: &Output) {
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let found = findings(output);
    assert!(
        found
            .iter()
            .any(|f| f.ends_with("plain.yaml:3:3: warning[KMS104]")),
        "{found:?}"
    );
}

/// The KMS002 findings of a text, as (line of the duplicate, line of the first definition).
fn duplicate_lines(name: &str, text: &str) -> Vec<(u32, u32)> {
    kmslint_core::lint_source(name, text, &Settings::default())
        .into_iter()
        .filter(|d| d.code == "KMS002")
        .map(|d| {
            assert_eq!(d.related.len(), 1, "{d:?}");
            (d.start.line, d.related[0].start.line)
        })
        .collect()
}

/// The least of three timings of `f`, to keep other work on the machine out of a ratio.
fn fastest(mut f: impl FnMut()) -> Duration {
    (0..3)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .min()
        .expect("three runs")
}

#[test]
fn duplicate_keys_are_each_reported_once_at_both_places() {
    for (name, text, lines_per_key) in [
        ("dup.yaml", dup_keys_yaml(2_000), 4),
        ("dup.json", dup_keys_json(2_000), 1),
    ] {
        let output = lint_beside_plain(name, text.as_bytes());
        let found = findings(&output);
        let dups = found
            .iter()
            .filter(|f| f.starts_with(&format!("{name}:")) && f.ends_with("[KMS002]"))
            .count();
        assert_eq!(dups, 2_000, "{name}");
        // Each duplicate points back at its first definition, `n` keys earlier.
        let pairs = duplicate_lines(name, &text);
        assert_eq!(pairs.len(), 2_000, "{name}");
        let first_key_line = if name.ends_with(".yaml") { 3 } else { 4 };
        for (i, &(dup, first)) in pairs.iter().enumerate() {
            let first_want = first_key_line + (i as u32) * lines_per_key;
            assert_eq!(first, first_want, "{name}: duplicate {i}");
            assert_eq!(
                dup,
                first_want + 2_000 * lines_per_key,
                "{name}: duplicate {i}"
            );
        }
    }
}

#[test]
fn duplicate_keys_cost_work_in_proportion_to_their_number() {
    for (name, make) in [
        ("dup.yaml", dup_keys_yaml as fn(usize) -> String),
        ("dup.json", dup_keys_json),
    ] {
        let (small, large) = (make(1_000), make(4_000));
        // The findings grow with the input, one per duplicate...
        assert_eq!(duplicate_lines(name, &small).len(), 1_000, "{name}");
        assert_eq!(duplicate_lines(name, &large).len(), 4_000, "{name}");
        // ...and so does the time: four times the keys, about four times the work. Rebuilding
        // the mapping's index on every duplicate made it sixteen.
        let lint = |text: &str| {
            let _ = kmslint_core::lint_source(name, text, &Settings::default());
        };
        let t_small = fastest(|| lint(&small));
        let t_large = fastest(|| lint(&large));
        let ratio = t_large.as_secs_f64() / t_small.as_secs_f64().max(1e-6);
        assert!(
            ratio < 10.0,
            "{name}: 4x the duplicate keys took {ratio:.1}x the time ({t_small:?} vs {t_large:?})"
        );
    }
}

#[test]
fn utf32_is_reported_as_utf32() {
    for (name, big_endian, encoding) in [
        ("utf32le.yaml", false, "UTF-32LE"),
        ("utf32be.yaml", true, "UTF-32BE"),
    ] {
        let output = lint_beside_plain(name, &utf32(ROTATING, big_endian));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name}:")))
            .unwrap_or_else(|| panic!("{name}: no finding in {stdout}"));
        assert!(
            line.starts_with(&format!("{name}:1:1: error[KMS001]")),
            "{line}"
        );
        assert!(
            line.contains(&format!("the file is encoded as {encoding};")),
            "{line}"
        );
        assert!(!line.contains("UTF-16"), "{line}");
    }
}

#[test]
fn yaml_flow_style_without_a_json_name_is_linted_as_yaml() {
    // A `.template` file: linted, its key's KMS104 where the key is, no KMS001.
    let output = lint_beside_plain("flow.template", FLOW.as_bytes());
    let found = findings_of(&output, "flow.template");
    assert!(
        found.contains(&"flow.template:4:5: warning[KMS104]".to_owned()),
        "{found:?}"
    );
    assert!(!found.iter().any(|f| f.contains("KMS001")), "{found:?}");

    // The same on stdin, beside the plain file.
    let dir = dir_with(&[("plain.yaml", PLAIN.as_bytes())]);
    let output = kmslint(
        dir.path(),
        &["check", "--format", "compact", "-", "plain.yaml"],
        Some(FLOW.as_bytes()),
    );
    assert_plain_kept(&output);
    let found = findings(&output);
    assert!(
        found.contains(&"-:4:5: warning[KMS104]".to_owned()),
        "{found:?}"
    );
    assert!(!found.iter().any(|f| f.contains("KMS001")), "{found:?}");

    // A `.json` file must be JSON: the same text stays KMS001, at the first unquoted key.
    let output = lint_beside_plain("flow.json", FLOW.as_bytes());
    let found = findings_of(&output, "flow.json");
    assert_eq!(found, ["flow.json:2:3: error[KMS001]"]);
}

#[test]
fn broken_json_without_a_json_name_that_is_not_yaml_either_keeps_its_json_error() {
    // An unclosed object is neither JSON nor YAML: the JSON loader's problem is reported.
    let text = "{\n  \"Resources\": {\n    \"Key\": {\"Type\": \"AWS::KMS::Key\"}\n";
    let output = lint_beside_plain("broken.template", text.as_bytes());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("broken.template:"))
        .unwrap_or_else(|| panic!("no finding in {stdout}"));
    assert!(line.contains("error[KMS001] invalid JSON"), "{line}");
}

#[test]
fn a_template_in_a_later_yaml_document_is_reported_not_skipped() {
    let multidoc = multidoc();
    let want = [
        "multidoc.yaml:3:1: error[KMS001]",
        "multidoc.yaml:12:9: error[KMS204]",
    ];
    // Named on the command line.
    let output = lint_beside_plain("multidoc.yaml", multidoc.as_bytes());
    let found = findings(&output);
    for want in want {
        assert!(found.iter().any(|f| f == want), "{want}: {found:?}");
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "multidoc.yaml:3:1: error[KMS001] CloudFormation reads one YAML document per template; this file has more"
        ),
        "{stdout}"
    );
    // Found while walking a directory: linted too, not skipped.
    let dir = dir_with(&[
        ("multidoc.yaml", multidoc.as_bytes()),
        ("plain.yaml", PLAIN.as_bytes()),
    ]);
    let output = kmslint(dir.path(), &["check", "--format", "compact", "."], None);
    assert_plain_kept(&output);
    let found = findings(&output);
    for want in want {
        assert!(found.iter().any(|f| f.ends_with(want)), "{want}: {found:?}");
    }
}

#[test]
fn a_template_followed_by_another_yaml_document_is_linted_and_reported() {
    let text = format!("{PLAIN}---\nnotes: more\n");
    let output = lint_beside_plain("first.yaml", text.as_bytes());
    let found = findings_of(&output, "first.yaml");
    assert!(
        found.contains(&"first.yaml:3:3: warning[KMS104]".to_owned()),
        "{found:?}"
    );
    assert!(
        found.contains(&"first.yaml:5:1: error[KMS001]".to_owned()),
        "{found:?}"
    );
}

#[test]
fn several_documents_none_a_template_are_still_skipped_when_walking() {
    let dir = dir_with(&[
        ("k8s.yaml", b"kind: A\n---\nkind: B\n---\nkind: C\n"),
        ("plain.yaml", PLAIN.as_bytes()),
    ]);
    let output = kmslint(dir.path(), &["check", "--format", "compact", "."], None);
    assert_plain_kept(&output);
    let found = findings(&output);
    assert!(!found.iter().any(|f| f.contains("k8s.yaml")), "{found:?}");
}

#[test]
fn many_under_indented_quoted_scalars_load_in_one_more_parse() {
    // Each such scalar used to cost a parse of the whole file, and the 65th was an error.
    let text = under_indented_quotes(PLAIN, 100, 0);
    let output = lint_beside_plain("quotes.yaml", text.as_bytes());
    let found = findings_of(&output, "quotes.yaml");
    assert!(
        found.contains(&"quotes.yaml:3:3: warning[KMS104]".to_owned()),
        "{found:?}"
    );
    assert!(!found.iter().any(|f| f.contains("KMS001")), "{found:?}");

    // Work: four times the scalars in four times the text, well under sixteen times the time.
    let lint = |text: &str| {
        let found = kmslint_core::lint_source("quotes.yaml", text, &Settings::default());
        assert!(!found.iter().any(|d| d.code == "KMS001"), "{found:?}");
    };
    let (small, large) = (
        under_indented_quotes(PLAIN, 50, 2_000),
        under_indented_quotes(PLAIN, 200, 8_000),
    );
    let t_small = fastest(|| lint(&small));
    let t_large = fastest(|| lint(&large));
    let ratio = t_large.as_secs_f64() / t_small.as_secs_f64().max(1e-6);
    assert!(
        ratio < 10.0,
        "4x the scalars took {ratio:.1}x the time ({t_small:?} vs {t_large:?})"
    );
}

/// Address space for a run on an input of `len` bytes: `times` the input, plus 64 MB for the
/// binary itself (it runs in about 30 MB with one malloc arena and two threads).
fn memory_kb(len: usize, times: usize) -> u64 {
    (64 << 10) + (len * times / 1024) as u64
}

/// [`lint_beside_plain`] under `ulimit -v memory_kb`, on two threads.
fn lint_beside_plain_within(name: &str, bytes: &[u8], memory_kb: u64) -> Output {
    let dir = dir_with(&[(name, bytes), ("plain.yaml", PLAIN.as_bytes())]);
    let args = [
        "check",
        "--format",
        "compact",
        "--jobs",
        "2",
        name,
        "plain.yaml",
    ];
    let output = Kmslint::new(dir.path(), &args)
        .deadline(Duration::from_secs(180))
        .memory_kb(Some(memory_kb))
        // glibc reserves 64 MB of address space for each thread's malloc arena, which
        // `ulimit -v` counts though little of it is used; with one arena the limit measures
        // what is allocated.
        .env("MALLOC_ARENA_MAX", "1")
        .run()
        .into_output();
    assert_plain_kept(&output);
    output
}

#[test]
fn a_flow_list_of_one_character_items_loads_within_25_times_its_size() {
    // A node every two bytes: the YAML loader took 190 times the input (3.9 GB for 20 MB,
    // mostly saphyr's tokens, buffered to the closing bracket), and the process aborted.
    for (name, item) in [("list.yaml", "a"), ("list.json", "1")] {
        let text = flow_list(item, 4 << 20);
        let output = lint_beside_plain_within(name, text.as_bytes(), memory_kb(text.len(), 25));
        let found = findings_of(&output, name);
        assert!(found.is_empty(), "{name}: {found:?}");
    }
}

#[test]
fn a_file_whose_tree_would_not_fit_is_too_large_to_analyse() {
    // `{a}` is a map of one entry in four bytes: its tree would take 28 times the input, past
    // the loader's budget of 22 times. It is reported where loading stopped, and the memory
    // stays bounded. The list is a template's `Metadata`: a file that declares no template or
    // policy at its top level is not linted at all.
    let list = flow_list("{a}", 2 << 20);
    let text = format!("AWSTemplateFormatVersion: '2010-09-09'\nMetadata: {list}");
    let output = lint_beside_plain_within("maps.yaml", text.as_bytes(), memory_kb(text.len(), 25));
    let found = findings_of(&output, "maps.yaml");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("maps.yaml:2:"), "{found:?}");
    assert!(found[0].ends_with("error[KMS001]"), "{found:?}");
    let column: usize = found[0]["maps.yaml:2:".len()..]
        .split(':')
        .next()
        .and_then(|c| c.parse().ok())
        .expect("a column");
    assert!(column > list.len() / 2 && column < list.len(), "{column}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("too large to analyse"), "{stdout}");
}
