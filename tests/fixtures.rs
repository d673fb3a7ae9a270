//! Every rule's fixtures: `fixtures/<CODE>/bad*` must produce exactly the findings their
//! markers announce, and their rendered output is snapshotted; `good*` must produce none.
//!
//! Markers: a YAML comment `# expect: KMS204` (several codes separated by commas) on the
//! line where a finding starts, or, where a comment cannot go (JSON, inside a block scalar),
//! a sidecar `<file>.expect` with lines `LINE CODE`. A code is written once per finding:
//! `# expect: KMS204, KMS204` (or `12 KMS204,KMS204`) announces two findings on that line,
//! and the counts must match, so a second finding on a marked line cannot pass unnoticed.
//! A first line `# args: --region …` (or a sidecar `<file>.args`) gives the fixture
//! command-line settings.
//!
//! Each fixture is linted with only its folder's rule, so a new rule does not disturb
//! other rules' fixtures. (`# args: --also KMS104` runs another rule too, for KMS006, whose
//! fixtures need findings to suppress; only the folder's rule's findings are compared.)
//!
//! Fixes: a bad fixture whose findings offer a fix that `--fix --unsafe-fixes` applies has a
//! golden `<file>.fixed` (clippy's habit): the text after fixing, byte for byte. The fixed
//! text is linted again: it must offer nothing more to fix, keep every finding that had no
//! fix, and lose every one that had; what is left must be on marked lines of the `.fixed`
//! file (its comments travel with their lines; JSON uses a `<file>.fixed.expect` sidecar).
//! `KMSLINT_BLESS=1` writes missing or changed `.fixed` files, for review like a snapshot.
//! Each rule's `fix = "always" | "sometimes" | "never"` is checked against its fixtures.
//!
//! This is a `harness = false` test run by libtest-mimic: every fixture file is its own trial
//! (`KMS204/bad-deny.yaml`), so one mismatch does not hide the others, and a single fixture
//! can be run with `cargo test --test fixtures -- KMS204/bad-deny.yaml`.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};

use kmslint::fix::Applicability;
use kmslint::rules::{FixAvailability, RULES};

fn main() {
    let args = Arguments::from_args();
    let mut trials = vec![
        Trial::test(
            "every_rule_has_failing_and_passing_fixtures",
            every_rule_has_failing_and_passing_fixtures,
        ),
        Trial::test("markers_count_each_finding", markers_count_each_finding),
        Trial::test(
            "fix_front_matter_matches_the_fixtures",
            fix_front_matter_matches_the_fixtures,
        ),
    ];
    for (code, dir) in fixture_dirs() {
        for path in files(&dir, "bad") {
            let code = code.clone();
            trials.push(Trial::test(trial_name(&code, &path), move || {
                bad_fixture(&code, &path)
            }));
        }
        for path in files(&dir, "good") {
            let code = code.clone();
            trials.push(Trial::test(trial_name(&code, &path), move || {
                good_fixture(&code, &path)
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

fn trial_name(code: &str, path: &Path) -> String {
    format!(
        "{code}/{}",
        path.file_name().unwrap_or_default().to_string_lossy()
    )
}

fn fixture_dirs() -> Vec<(String, PathBuf)> {
    let mut dirs: Vec<(String, PathBuf)> = fs::read_dir(common::root().join("fixtures"))
        .expect("fixtures/ exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(name, _)| name != "parse")
        .collect();
    dirs.sort();
    dirs
}

fn files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("readable fixture dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with(prefix)
                && [".yaml", ".yml", ".json", ".template"]
                    .iter()
                    .any(|ext| name.ends_with(ext))
        })
        .collect();
    files.sort();
    files
}

/// How many findings of each `(line, code)`: a multiset, so repeated findings count.
type Counts = BTreeMap<(u32, String), usize>;

/// The `(line, code)` findings the fixture announces, each as many times as it is written.
fn expectations(path: &Path, text: &str) -> Counts {
    let sidecar = fs::read_to_string(format!("{}.expect", path.display())).ok();
    parse_markers(text, sidecar.as_deref())
        .unwrap_or_else(|line| panic!("{}: `{line}` is not `LINE CODE`", path.display()))
}

/// Markers in a fixture's text and its sidecar; `Err` with a sidecar line that is not
/// `LINE CODE[,CODE…]`.
fn parse_markers(text: &str, sidecar: Option<&str>) -> Result<Counts, String> {
    let mut expected = Counts::new();
    let mut add = |line: u32, codes: &str| {
        for code in codes.split(',') {
            *expected.entry((line, code.trim().to_owned())).or_default() += 1;
        }
    };
    for (i, line) in text.lines().enumerate() {
        if let Some(at) = line.find("# expect:") {
            add(i as u32 + 1, &line[at + "# expect:".len()..]);
        }
    }
    for line in sidecar.unwrap_or_default().lines() {
        if line.trim().is_empty() {
            continue;
        }
        let (number, codes) = line.trim().split_once(' ').ok_or(line)?;
        let number: u32 = number.parse().map_err(|_| line)?;
        add(number, codes);
    }
    Ok(expected)
}

/// Lints a fixture with its folder's rule and those `--also` names. A bad fixture keeps only
/// the folder rule's findings; a good one must have none of any rule that ran, so KMS006's
/// good fixtures show that their suppressions work.
fn lint_fixture(path: &Path, text: &str, code: &str, bad: bool) -> (kmslint::FileReport, String) {
    let settings = common::settings(&common::fixture_args(path, text), Some(code));
    let (mut report, decoded) = common::lint_path(path, &settings);
    if bad {
        report.diagnostics.retain(|d| d.code == code);
    }
    (report, decoded)
}

fn every_rule_has_failing_and_passing_fixtures() -> Result<(), Failed> {
    let dirs = fixture_dirs();
    let mut missing = Vec::new();
    for rule in RULES {
        match dirs.iter().find(|(name, _)| name == rule.code) {
            None => missing.push(format!("fixtures/{}/ is missing", rule.code)),
            Some((_, dir)) => {
                if files(dir, "bad").is_empty() {
                    missing.push(format!("fixtures/{}/ has no bad* fixture", rule.code));
                }
                if files(dir, "good").is_empty() {
                    missing.push(format!("fixtures/{}/ has no good* fixture", rule.code));
                }
            }
        }
    }
    for (name, _) in &dirs {
        if !RULES.iter().any(|r| r.code == name) {
            missing.push(format!("fixtures/{name}/ is not a rule's folder"));
        }
    }
    failures(missing)
}

/// The marker syntax itself: a code written twice is two findings, in comments and sidecars.
fn markers_count_each_finding() -> Result<(), Failed> {
    let text = "a: 1  # expect: KMS204, KMS204\nb: 2  # expect: KMS210\n";
    let counts =
        parse_markers(text, Some("2 KMS210\n5 KMS204,KMS204\n\n")).map_err(Failed::from)?;
    let want: Counts = [
        ((1, "KMS204".to_owned()), 2),
        ((2, "KMS210".to_owned()), 2),
        ((5, "KMS204".to_owned()), 2),
    ]
    .into_iter()
    .collect();
    if counts != want {
        return Err(format!("{counts:?} != {want:?}").into());
    }
    if parse_markers("", Some("KMS204")).is_ok() {
        return Err("a sidecar line without a line number was accepted".into());
    }
    Ok(())
}

/// A bad fixture: its findings match its markers, one for one, and its rendering matches its
/// snapshot. Both are checked, and both failures reported, whichever fails.
fn bad_fixture(code: &str, path: &Path) -> Result<(), Failed> {
    let text = fs::read_to_string(path).unwrap_or_default();
    let expected = expectations(path, &text);
    let (report, decoded) = lint_fixture(path, &text, code, true);
    let mut problems = Vec::new();
    if expected.is_empty() {
        problems.push("no `# expect:` marker".to_owned());
    }
    for (line, marked) in expected.keys() {
        if marked != code {
            problems.push(format!(
                "line {line}: marker `{marked}` in the {code} folder"
            ));
        }
    }
    let mut found = Counts::new();
    for d in &report.diagnostics {
        *found.entry((d.start.line, d.code.to_owned())).or_default() += 1;
    }
    let lines: std::collections::BTreeSet<&(u32, String)> =
        found.keys().chain(expected.keys()).collect();
    for key @ (line, code) in lines {
        let (f, e) = (
            found.get(key).copied().unwrap_or(0),
            expected.get(key).copied().unwrap_or(0),
        );
        if f != e {
            problems.push(format!("line {line}: {f} {code} found, {e} marked"));
        }
    }
    problems.extend(fixed_fixture(code, path, &text, &report));
    // The snapshot, even when the markers disagree: its diff shows what changed.
    let file = path.file_name().unwrap_or_default().to_string_lossy();
    let output = common::rendered(&report.name, &decoded, &report.diagnostics);
    let snapshot = panic::catch_unwind(AssertUnwindSafe(|| {
        insta::with_settings!({
            prepend_module_to_snapshot => false,
            description => report.name.clone(),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{code}__{file}"), output);
        });
    }));
    if let Err(panic) = snapshot {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "the snapshot does not match".to_owned());
        problems.push(format!("snapshot {code}__{file}: {message}"));
    }
    if !problems.is_empty() {
        problems.insert(0, common::display_path(path));
    }
    failures(problems)
}

/// The `.fixed` checks of one bad fixture (see the module comment); problems found.
fn fixed_fixture(code: &str, path: &Path, text: &str, report: &kmslint::FileReport) -> Vec<String> {
    let mut problems = Vec::new();
    let golden = PathBuf::from(format!("{}.fixed", path.display()));
    let fixable = |d: &&kmslint::Diagnostic| {
        d.code == code
            && d.fix
                .as_ref()
                .is_some_and(|f| f.applicability >= Applicability::Unsafe)
    };
    let settings = common::settings(&common::fixture_args(path, text), Some(code));
    let decoded = kmslint::source::read::decode(fs::read(path).unwrap_or_default()).text;
    let fixed = kmslint::fix_text(
        &report.name,
        &decoded,
        &settings,
        true,
        Applicability::Unsafe,
    );
    let bless = std::env::var_os("KMSLINT_BLESS").is_some();
    if report.diagnostics.iter().filter(fixable).count() == 0 {
        if golden.exists() {
            problems.push(format!(
                "{} exists but nothing here is fixable",
                golden.display()
            ));
        }
        return problems;
    }
    match fs::read_to_string(&golden) {
        Ok(want) if want == fixed.text => {}
        _ if bless => fs::write(&golden, &fixed.text).expect("write the .fixed file"),
        Ok(want) => problems.push(format!(
            "the fixed text differs from {} (KMSLINT_BLESS=1 rewrites it):\n{}",
            golden.display(),
            similar::TextDiff::from_lines(&want, &fixed.text)
                .unified_diff()
                .header("expected", "fixed")
        )),
        Err(_) => problems.push(format!(
            "{} is missing (KMSLINT_BLESS=1 writes it)",
            golden.display()
        )),
    }
    let before = report.diagnostics.iter().filter(|d| d.code == code).count();
    let fixed_here = fixed.fixed.iter().filter(|c| **c == code).count();
    let left: Vec<&kmslint::Diagnostic> = fixed
        .report
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .collect();
    if left.iter().any(fixable) {
        problems.push("the fixed text still offers fixes (fixes are not idempotent)".to_owned());
    }
    if left.len() + fixed_here != before {
        problems.push(format!(
            "{before} findings, {fixed_here} fixed, but {} left in the fixed text",
            left.len()
        ));
    }
    let sidecar = fs::read_to_string(format!("{}.expect", golden.display())).ok();
    let marked = parse_markers(&fixed.text, sidecar.as_deref()).unwrap_or_default();
    let mut found = Counts::new();
    for d in &left {
        *found.entry((d.start.line, d.code.to_owned())).or_default() += 1;
    }
    for ((line, code), n) in found {
        if marked.get(&(line, code.clone())).copied().unwrap_or(0) < n {
            problems.push(format!(
                "{}: line {line}: {n} {code} left after fixing on a line not marked for it",
                golden.display()
            ));
        }
    }
    problems
}

/// `fix = "always"` in a rule's front matter: every finding in its bad fixtures has a fix;
/// `"never"`: none has; `"sometimes"`: some have and some do not.
fn fix_front_matter_matches_the_fixtures() -> Result<(), Failed> {
    let mut problems = Vec::new();
    for (code, dir) in fixture_dirs() {
        let Some(rule) = RULES.iter().find(|r| r.code == code) else {
            continue;
        };
        let (mut with, mut without) = (0, 0);
        for path in files(&dir, "bad") {
            let text = fs::read_to_string(&path).unwrap_or_default();
            let (report, _) = lint_fixture(&path, &text, &code, true);
            for d in &report.diagnostics {
                if d.fix.is_some() {
                    with += 1;
                } else {
                    without += 1;
                }
            }
        }
        let actual = match (with, without) {
            (0, _) => FixAvailability::Never,
            (_, 0) => FixAvailability::Always,
            _ => FixAvailability::Sometimes,
        };
        if actual != rule.meta().fix {
            problems.push(format!(
                "rules/{code}.md says fix = \"{}\" but its fixtures have {with} findings with a fix and {without} without",
                rule.meta().fix.as_str()
            ));
        }
    }
    failures(problems)
}

/// A good fixture: no finding at all, of its folder's rule or any rule its `--also` runs.
fn good_fixture(code: &str, path: &Path) -> Result<(), Failed> {
    let text = fs::read_to_string(path).unwrap_or_default();
    let (report, _) = lint_fixture(path, &text, code, false);
    failures(
        report
            .diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{}:{}:{}: {} {}",
                    report.name, d.start.line, d.start.column, d.code, d.message
                )
            })
            .collect(),
    )
}

fn failures(lines: Vec<String>) -> Result<(), Failed> {
    if lines.is_empty() {
        Ok(())
    } else {
        Err(format!("\n{}", lines.join("\n")).into())
    }
}
