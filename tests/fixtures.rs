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
//! Change rules (KMS5xx) compare a template with its previous version, so their fixtures come
//! in pairs: `fixtures/KMS502/bad-renamed.yaml` is the new version, linted as above (markers,
//! `# args:`, snapshot, `.fixed`) but against its old version `bad-renamed.old.yaml` (the same
//! name with `.old` before the extension; it may be written in JSON and the new one in YAML, or the reverse), as `kmslint diff OLD NEW` would; the old version's
//! related places show in the snapshot under its path. The old version has no markers, no
//! `# args:` line and no sidecars: findings are reported on the new version, and the new
//! version's arguments apply to both. A KMS5xx fixture without its old version, an old version
//! without its new one, and an old version in another rule's folder are errors. `.old.*`
//! files are not fixtures of their own; the tests that lint every file of `fixtures/` one at
//! a time (tests/it/fix_properties.rs, tests/it/mutations.rs, scripts/fix-roundtrip.py, the SARIF
//! and JSON schema checks) lint them as the templates they are, and assume no markers.
//!
//! Rules across stacks need a deployment: a fixture's other stacks are the files
//! `<fixture stem>.stack-<stack>.<ext>` beside it (`bad-removed.stack-app.yaml`), linked with
//! the fixture (the stack `this`) in the fixture's `# args:` Region and account, as
//! `check --since` links them. They are not fixtures of their own.
//!
//! This is a `harness = false` test run by libtest-mimic: every fixture file is its own trial
//! (`KMS204/bad-deny.yaml`), so one mismatch does not hide the others, and a single fixture
//! can be run with `cargo test --test fixtures -- KMS204/bad-deny.yaml`.

#[path = "it/common.rs"]
mod common;

use std::collections::BTreeMap;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};

use kmslint_core::fix::Applicability;
use kmslint_core::rules::{FixAvailability, RULES, RuleEntry, is_change};
use kmslint_core::{Comparison, Previous};

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
        Trial::test(
            "declared_severities_match_the_fixtures",
            declared_severities_match_the_fixtures,
        ),
        Trial::test(
            "every_old_version_has_its_new_version",
            every_old_version_has_its_new_version,
        ),
        Trial::test(
            "pairs_are_found_and_linted_against_their_old_version",
            pairs_are_found_and_linted_against_their_old_version,
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

/// The extensions of fixture files (and of their old versions).
const EXTENSIONS: [&str; 4] = [".yaml", ".yml", ".json", ".template"];

/// A file name's stem and extension, when it has a fixture's extension.
fn split_extension(name: &str) -> Option<(&str, &str)> {
    EXTENSIONS
        .iter()
        .find_map(|ext| Some((name.strip_suffix(ext)?, *ext)))
}

/// Whether a file is the old version of a change rule's fixture: `<name>.old.<ext>`.
fn is_old(path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    split_extension(&name).is_some_and(|(stem, _)| stem.ends_with(".old"))
}

/// Whether a file is another stack of a fixture's deployment: `<name>.stack-<stack>.<ext>`.
fn is_other_stack(path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    split_extension(&name).is_some_and(|(stem, _)| stem.contains(".stack-"))
}

/// The other stacks of a fixture's deployment (see the module comment): each stack's name
/// and text, in name order.
fn other_stacks(path: &Path) -> Vec<(String, String)> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let (stem, _) = split_extension(&name).unwrap_or((&name, ""));
    let prefix = format!("{stem}.stack-");
    let mut others: Vec<(String, String)> = fs::read_dir(path.parent().expect("a folder"))
        .expect("readable fixture dir")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            let (other, _) = split_extension(&file)?;
            let stack = other.strip_prefix(&prefix)?.to_owned();
            Some((stack, fs::read_to_string(e.path()).ok()?))
        })
        .collect();
    others.sort();
    others
}

/// The old version of a fixture: `bad-renamed.yaml` → `bad-renamed.old.yaml`, or the same
/// stem with another extension (`bad-renamed.old.json`: a change from JSON to YAML is not one).
/// When there is none, the name with the same extension (for messages).
fn old_version(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let (stem, ext) = split_extension(&name).unwrap_or((&name, ""));
    let same = path.with_file_name(format!("{stem}.old{ext}"));
    std::iter::once(same.clone())
        .chain(
            EXTENSIONS
                .iter()
                .map(|e| path.with_file_name(format!("{stem}.old{e}"))),
        )
        .find(|p| p.exists())
        .unwrap_or(same)
}

/// The fixtures of a folder whose names start with `prefix` (the new versions of pairs, not
/// their `.old.*` files).
fn files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("readable fixture dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with(prefix)
                && split_extension(&name).is_some()
                && !is_old(p)
                && !is_other_stack(p)
        })
        .collect();
    files.sort();
    files
}

/// One fixture, read: its text, and for a change rule's the old version it is linted against.
struct Fixture {
    code: String,
    path: PathBuf,
    /// As read, for the markers.
    text: String,
    old: Option<OldVersion>,
}

struct OldVersion {
    /// As output shows it: `fixtures/KMS502/bad-renamed.old.yaml`.
    name: String,
    /// Decoded as the command line decodes it.
    text: String,
}

impl Fixture {
    /// Reads a fixture and its old version; `Err` with what is wrong with the pair: a change
    /// rule's fixture without its old version, an old version where the rule is not a change
    /// rule, or an old version with markers, arguments or sidecars.
    fn read(code: &str, path: &Path) -> Result<Fixture, Vec<String>> {
        let text = fs::read_to_string(path).unwrap_or_default();
        let old_path = old_version(path);
        let old = match (is_change(code), old_path.exists()) {
            (true, false) => {
                return Err(vec![format!(
                    "a change rule's fixtures come in pairs: {} is missing",
                    common::display_path(&old_path)
                )]);
            }
            (false, true) => {
                return Err(vec![format!(
                    "{} is an old version, but {code} is not a change rule (KMS5xx)",
                    common::display_path(&old_path)
                )]);
            }
            (false, false) => None,
            (true, true) => Some(read_old(&old_path)?),
        };
        Ok(Fixture {
            code: code.to_owned(),
            path: path.to_owned(),
            text,
            old,
        })
    }

    /// The version the fixture is compared with: its old version, or none.
    fn previous(&self) -> Previous<'_> {
        match &self.old {
            Some(old) => Previous::Text {
                name: &old.name,
                text: &old.text,
            },
            None => Previous::NotCompared,
        }
    }

    fn settings(&self) -> kmslint_core::Settings {
        let settings = common::settings(
            &common::fixture_args(&self.path, &self.text),
            Some(&self.code),
        );
        let others = other_stacks(&self.path);
        if others.is_empty() {
            return settings;
        }
        common::in_deployment(&settings, ("this", &self.text), &others)
    }

    /// Lints the fixture with its folder's rule and those `--also` names, against its old
    /// version if it has one. A bad fixture keeps only the folder rule's findings; a good one
    /// must have none of any rule that ran, so KMS006's good fixtures show that their
    /// suppressions work. A pair whose old version was not compared (it does not parse, or
    /// is not a template) is a problem.
    fn lint(&self, bad: bool) -> Result<(kmslint_core::FileReport, String), String> {
        let (mut report, decoded) =
            common::lint_path_against(&self.path, &self.settings(), &self.previous());
        if let Some(old) = &self.old
            && report.comparison != Comparison::Compared
        {
            return Err(format!(
                "not compared with {}: {:?}",
                old.name, report.comparison
            ));
        }
        if bad {
            report.diagnostics.retain(|d| d.code == self.code);
        }
        Ok((report, decoded))
    }
}

/// An old version: no markers, no `# args:` line, no sidecars (see the module comment).
fn read_old(path: &Path) -> Result<OldVersion, Vec<String>> {
    let name = common::display_path(path);
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let text = kmslint_core::source::read::decode(bytes).text;
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.contains("# expect:") {
            problems.push(format!(
                "{name}:{}: a marker in an old version (findings are on the new one)",
                i + 1
            ));
        }
    }
    if text.starts_with("# args:") {
        problems.push(format!(
            "{name}: `# args:` in an old version (the new version's apply to both)"
        ));
    }
    for sidecar in ["expect", "args", "fixed"] {
        let sidecar = PathBuf::from(format!("{}.{sidecar}", path.display()));
        if sidecar.exists() {
            problems.push(format!(
                "{}: an old version has no sidecars",
                common::display_path(&sidecar)
            ));
        }
    }
    if problems.is_empty() {
        Ok(OldVersion { name, text })
    } else {
        Err(problems)
    }
}

/// The old versions in `dir` whose new version is missing, and any in a folder that is not a
/// change rule's.
fn stray_old_versions(code: &str, dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .expect("readable fixture dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| is_old(p))
        .collect();
    paths.sort();
    for old in paths {
        let name = old.file_name().unwrap_or_default().to_string_lossy();
        let (stem, ext) = split_extension(&name).expect("an old version has an extension");
        let stem = stem.strip_suffix(".old").unwrap_or(stem);
        let new = std::iter::once(ext)
            .chain(EXTENSIONS)
            .map(|e| old.with_file_name(format!("{stem}{e}")))
            .find(|p| p.exists())
            .unwrap_or_else(|| old.with_file_name(format!("{stem}{ext}")));
        if !is_change(code) {
            problems.push(format!(
                "{}: an old version, but {code} is not a change rule (KMS5xx)",
                common::display_path(&old)
            ));
        } else if !new.exists() {
            problems.push(format!(
                "{}: an old version without its new version {}",
                common::display_path(&old),
                common::display_path(&new)
            ));
        }
    }
    problems
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

fn every_rule_has_failing_and_passing_fixtures() -> Result<(), Failed> {
    let dirs = fixture_dirs();
    let mut missing = Vec::new();
    for rule in RULES {
        match dirs.iter().find(|(name, _)| name == rule.code) {
            None => missing.push(format!("fixtures/{}/ is missing", rule.code)),
            Some((_, dir)) => {
                // A change rule's fixtures count as pairs only (the trials report the rest).
                let counted = |prefix: &str| {
                    files(dir, prefix)
                        .iter()
                        .filter(|p| !is_change(rule.code) || old_version(p).exists())
                        .count()
                };
                let what = if is_change(rule.code) {
                    "pair (with its .old version)"
                } else {
                    "fixture"
                };
                if counted("bad") == 0 {
                    missing.push(format!("fixtures/{}/ has no bad* {what}", rule.code));
                }
                if counted("good") == 0 {
                    missing.push(format!("fixtures/{}/ has no good* {what}", rule.code));
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

/// Old versions without their new one, or in a folder that is not a change rule's.
fn every_old_version_has_its_new_version() -> Result<(), Failed> {
    failures(
        fixture_dirs()
            .iter()
            .flat_map(|(code, dir)| stray_old_versions(code, dir))
            .collect(),
    )
}

/// The harness's handling of pairs, on pairs made here (the change rules' own fixtures may
/// find nothing while the rules are being written): which files are fixtures, the errors in
/// pairs, and that a pair is linted against its old version.
fn pairs_are_found_and_linted_against_their_old_version() -> Result<(), Failed> {
    let key = common::CLEAN_KEY;
    let renamed = key.replacen("  Key:", "  Renamed: # expect: KMS502", 1);
    let dir = common::dir_with(&[
        ("KMS502/bad-renamed.yaml", renamed.as_bytes()),
        ("KMS502/bad-renamed.old.yaml", key.as_bytes()),
        ("KMS502/good-same.json", b"{\"Resources\": {}}"),
        ("KMS502/good-same.old.json", b"{\"Resources\": {}}"),
        ("KMS502/good-alone.yaml", key.as_bytes()),
        ("KMS502/good-marked.yaml", key.as_bytes()),
        (
            "KMS502/good-marked.old.yaml",
            format!("# args: --region eu-west-1\n{key}  # expect: KMS502\n").as_bytes(),
        ),
        ("KMS502/good-marked.old.yaml.expect", b"2 KMS502\n"),
        ("KMS502/bad-orphan.old.yaml", key.as_bytes()),
        ("KMS104/bad-old.yaml", key.as_bytes()),
        ("KMS104/bad-old.old.yaml", key.as_bytes()),
    ]);
    let change = dir.path().join("KMS502");
    let other = dir.path().join("KMS104");
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: &str| {
        if !ok {
            problems.push(what.to_owned());
        }
    };
    let names = |paths: Vec<PathBuf>| -> Vec<String> {
        paths
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    check(
        names(files(&change, "bad")) == ["bad-renamed.yaml"],
        "the bad fixtures are the new versions",
    );
    check(
        names(files(&change, "good")) == ["good-alone.yaml", "good-marked.yaml", "good-same.json"],
        "the good fixtures are the new versions",
    );
    check(
        old_version(&change.join("good-same.json")).ends_with("good-same.old.json"),
        "the old version's name",
    );
    match Fixture::read("KMS502", &change.join("bad-renamed.yaml")) {
        Ok(fixture) => {
            check(
                fixture.old.as_ref().is_some_and(|o| o.text == key),
                "a pair's old version is read",
            );
            check(
                expectations(&fixture.path, &fixture.text).len() == 1,
                "the new version's marker is read",
            );
            match fixture.lint(true) {
                Ok((report, _)) => check(
                    report.comparison == Comparison::Compared,
                    "a pair is compared",
                ),
                Err(e) => check(false, &format!("a pair is compared: {e}")),
            }
        }
        Err(e) => check(false, &format!("a good pair is accepted: {e:?}")),
    }
    let error = |code: &str, path: &Path| Fixture::read(code, path).err().unwrap_or_default();
    let alone = error("KMS502", &change.join("good-alone.yaml"));
    check(
        alone.len() == 1 && alone[0].contains("good-alone.old.yaml is missing"),
        "a change rule's fixture without its old version is an error",
    );
    let marked = error("KMS502", &change.join("good-marked.yaml"));
    check(
        marked.len() == 3
            && marked[0].contains(": a marker in an old version")
            && marked[1].contains("`# args:`")
            && marked[2].contains("good-marked.old.yaml.expect"),
        &format!("markers, arguments and sidecars of an old version are errors: {marked:?}"),
    );
    let not_change = error("KMS104", &other.join("bad-old.yaml"));
    check(
        not_change.len() == 1 && not_change[0].contains("not a change rule"),
        "an old version beside another rule's fixture is an error",
    );
    let stray = stray_old_versions("KMS502", &change);
    check(
        stray.len() == 1 && stray[0].contains("bad-orphan.old.yaml: an old version without"),
        &format!("an old version without its new version is found: {stray:?}"),
    );
    check(
        stray_old_versions("KMS104", &other).len() == 1,
        "an old version in another rule's folder is found",
    );
    failures(problems)
}

/// A bad fixture: its findings match its markers, one for one, and its rendering matches its
/// snapshot. Both are checked, and both failures reported, whichever fails.
fn bad_fixture(code: &str, path: &Path) -> Result<(), Failed> {
    let fixture = Fixture::read(code, path).map_err(|problems| failed(path, problems))?;
    let text = &fixture.text;
    let expected = expectations(path, text);
    let (report, decoded) = fixture.lint(true).map_err(|e| failed(path, vec![e]))?;
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
    problems.extend(fixed_fixture(&fixture, &report));
    // The snapshot, even when the markers disagree: its diff shows what changed.
    let file = path.file_name().unwrap_or_default().to_string_lossy();
    let previous = fixture
        .old
        .as_ref()
        .map(|old| kmslint_core::render::PreviousFile {
            name: &old.name,
            text: &old.text,
        });
    let output = common::rendered_against(&report.name, &decoded, &report.diagnostics, previous);
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

/// A fixture's problems as a failure, under its path.
fn failed(path: &Path, mut problems: Vec<String>) -> Failed {
    problems.insert(0, common::display_path(path));
    Failed::from(format!("\n{}", problems.join("\n")))
}

/// The `.fixed` checks of one bad fixture (see the module comment); problems found. A pair is
/// fixed, and its fixed text linted, against its old version.
fn fixed_fixture(fixture: &Fixture, report: &kmslint_core::FileReport) -> Vec<String> {
    let (code, path) = (fixture.code.as_str(), fixture.path.as_path());
    let mut problems = Vec::new();
    let golden = PathBuf::from(format!("{}.fixed", path.display()));
    let fixable = |d: &&kmslint_core::Diagnostic| {
        d.code == code
            && d.fix
                .as_ref()
                .is_some_and(|f| f.applicability >= Applicability::Unsafe)
    };
    let (fixed, _) = kmslint_core::fix_bytes(
        &report.name,
        fs::read(path).unwrap_or_default(),
        &fixture.settings(),
        Applicability::Unsafe,
        &fixture.previous(),
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
    let left: Vec<&kmslint_core::Diagnostic> = fixed
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

/// Each rule with a fixture folder: its code, its entry, and the reports of its bad fixtures
/// (a broken pair is its own trial's failure, and is left out here).
fn bad_fixture_reports() -> Vec<(String, &'static RuleEntry, Vec<kmslint_core::FileReport>)> {
    fixture_dirs()
        .into_iter()
        .filter_map(|(code, dir)| {
            let rule = RULES.iter().find(|r| r.code == code)?;
            let reports = files(&dir, "bad")
                .iter()
                .filter_map(|path| {
                    let fixture = Fixture::read(&code, path).ok()?;
                    fixture.lint(true).ok().map(|(report, _)| report)
                })
                .collect();
            Some((code, rule, reports))
        })
        .collect()
}

/// `fix = "always"` in a rule's front matter: every finding in its bad fixtures has a fix;
/// `"never"`: none has; `"sometimes"`: some have and some do not.
fn fix_front_matter_matches_the_fixtures() -> Result<(), Failed> {
    let mut problems = Vec::new();
    for (code, rule, reports) in bad_fixture_reports() {
        let (mut with, mut without) = (0, 0);
        for report in &reports {
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

/// A rule's declared severities (`severity`, then `also`; `kmslint rules` lists them) are
/// those its bad fixtures' findings take: none missing, none extra. The info note "not checked
/// for …" that any policy rule may give is not a finding of the rule's own.
fn declared_severities_match_the_fixtures() -> Result<(), Failed> {
    let mut problems = Vec::new();
    for (code, rule, reports) in bad_fixture_reports() {
        let mut seen = std::collections::BTreeSet::new();
        for report in &reports {
            seen.extend(
                report
                    .diagnostics
                    .iter()
                    .filter(|d| !d.message.starts_with("not checked for "))
                    .map(|d| d.severity.as_str()),
            );
        }
        let declared: std::collections::BTreeSet<&str> =
            rule.meta().severities().map(|s| s.as_str()).collect();
        if seen != declared {
            problems.push(format!(
                "{code} declares severities {declared:?} (`severity` and `also` in its RULE) but its bad fixtures' findings are {seen:?}"
            ));
        }
    }
    failures(problems)
}

/// A good fixture: no finding at all, of its folder's rule or any rule its `--also` runs (for
/// a pair, compared with its old version).
fn good_fixture(code: &str, path: &Path) -> Result<(), Failed> {
    let fixture = Fixture::read(code, path).map_err(|problems| failed(path, problems))?;
    let (report, _) = fixture.lint(false).map_err(|e| failed(path, vec![e]))?;
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
