//! SAM's own translator as an oracle (issue 26): every SAM fixture and every template of
//! `tests/sam-corpus/` is expanded by aws-sam-translator (PyPI, installed by `.ci/run`;
//! `tests/sam-oracle/translate.py`), and kmslint's findings on the expansion must be those on
//! the SAM source, by code and resource (the positions differ: the expansion is another file),
//! except where a difference is explained below with its cause.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common;

/// The translator's version this test was written against, as `.ci/run` installs it.
const TRANSLATOR_VERSION: &str = "1.115.0";
const INSTALL: &str = "python3 -m venv \"$HOME/.local/sam-translator\" && \
     \"$HOME/.local/sam-translator/bin/pip\" install aws-sam-translator==1.115.0 pyyaml==6.0.2";

/// A difference between the findings on the source and on the expansion, and why.
struct Explained {
    file: &'static str,
    /// The finding is on the SAM source only (else on the expansion only).
    source_only: bool,
    code: &'static str,
    cause: &'static str,
}

const EXPLAINED: &[Explained] = &[
    Explained {
        file: "aws-powertools__powertools-lambda-java__examples__powertools-examples-batch__deploy__sqs__template.yml",
        source_only: true,
        code: "KMS001",
        cause: "`!Split [ -, … ]`: YAML 1.2, which kmslint's parser follows, does not let a plain \
                `-` be followed by `,`; the translator's PyYAML (YAML 1.1) reads it \
                (tests/sam-corpus/REVIEW.md)",
    },
    Explained {
        file: "aws-samples__serverless-patterns__cognito-sns-sms-origination-id-sam__template.yaml",
        source_only: true,
        code: "KMS002",
        cause: "a key written twice in one mapping: the translator keeps the last, and its JSON \
                output has it once",
    },
    Explained {
        file: "good-transform.yaml",
        source_only: false,
        code: "KMS003",
        cause: "a `Ref` to a resource the template does not have: kmslint stays quiet on a \
                template with a `Transform` (SAM adds resources kmslint does not make: API \
                stages and deployments, aliases), the expansion has none",
    },
];

/// Templates the translator rejects, and why: they are not compared.
const NOT_TRANSLATED: &[(&str, &str)] = &[
    (
        "aws-samples__serverless-patterns__apigw-kinesis-lambda-ddb__template.yaml",
        "an API's `Auth` with a `DefinitionBody` from `AWS::Include` (the translator cannot add \
         authorizers to a definition it cannot read)",
    ),
    (
        "aws-samples__serverless-samples__queue-based-ingestion__python-sam__template.yaml",
        "the same",
    ),
];

/// The translator's Python, or `None` with the test skipped ([`common::skip`]).
fn translator_or_skip() -> Option<PathBuf> {
    let python = match std::env::var_os("KMSLINT_SAM_TRANSLATOR") {
        Some(python) => PathBuf::from(python),
        None => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(".local/sam-translator/bin/python"),
    };
    let version = Command::new(&python)
        .args([
            "-c",
            "import samtranslator; print(samtranslator.__version__)",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    match version.as_deref() {
        Some(TRANSLATOR_VERSION) => Some(python),
        Some(other) => {
            common::skip(&format!(
                "aws-sam-translator is {other}, not {TRANSLATOR_VERSION}; install it with\n    {INSTALL}"
            ));
            None
        }
        None => {
            common::skip(&format!(
                "aws-sam-translator is not installed at {}; install it with\n    {INSTALL}",
                python.display()
            ));
            None
        }
    }
}

/// The SAM fixtures and the SAM corpus.
fn sam_templates() -> Vec<PathBuf> {
    let root = common::root();
    let mut out = Vec::new();
    let fixtures = std::fs::read_dir(root.join("fixtures"))
        .expect("fixtures/")
        .flatten()
        .flat_map(|rule| {
            std::fs::read_dir(rule.path())
                .into_iter()
                .flatten()
                .flatten()
        });
    for file in fixtures {
        let path = file.path();
        if std::fs::read_to_string(&path).is_ok_and(|t| t.contains("AWS::Serverless-2016-10-31")) {
            out.push(path);
        }
    }
    for file in std::fs::read_dir(root.join("tests/sam-corpus"))
        .expect("tests/sam-corpus/")
        .flatten()
    {
        let path = file.path();
        if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// kmslint's findings on each of `files` (by file name), as (code, resource) pairs.
fn findings(dir: &Path, files: &[PathBuf]) -> BTreeMap<String, BTreeSet<(String, String)>> {
    let mut args = vec!["check", "--no-config", "--format", "json"];
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    let run = common::kmslint(dir, &args);
    let mut out: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for file in files {
        out.entry(name_of(file)).or_default();
    }
    for d in run.json()["diagnostics"].as_array().into_iter().flatten() {
        let path = Path::new(d["path"].as_str().unwrap_or_default());
        out.entry(name_of(path)).or_default().insert((
            d["code"].as_str().unwrap_or_default().to_owned(),
            d["resource"].as_str().unwrap_or_default().to_owned(),
        ));
    }
    out
}

/// A file's name, without the `.json` the translation adds.
fn name_of(path: &Path) -> String {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    name.strip_suffix(".json")
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
        .unwrap_or(&name)
        .to_owned()
}

#[test]
fn findings_on_sam_source_are_those_on_the_translators_expansion() {
    let Some(python) = translator_or_skip() else {
        return;
    };
    let sources = sam_templates();
    assert!(sources.len() >= 37, "{sources:#?}");
    let out = tempfile::tempdir().expect("temp dir");
    let run = Command::new(&python)
        .arg(common::root().join("tests/sam-oracle/translate.py"))
        .arg(out.path())
        .args(&sources)
        .output()
        .expect("run the translator");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut expanded = Vec::new();
    let mut rejected = Vec::new();
    for source in &sources {
        let name = name_of(source);
        let json = out.path().join(format!("{name}.json"));
        if json.exists() {
            expanded.push(json);
        } else {
            let why = std::fs::read_to_string(out.path().join(format!("{name}.error")))
                .unwrap_or_default();
            rejected.push((name, why));
        }
    }
    let expected: Vec<&str> = NOT_TRANSLATED.iter().map(|(f, _)| *f).collect();
    let names: Vec<&str> = rejected.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(names, expected, "not translated: {rejected:#?}");

    let on_source = findings(&common::root(), &sources);
    let on_expansion = findings(out.path(), &expanded);
    let mut unexplained = Vec::new();
    let mut seen: BTreeSet<usize> = BTreeSet::new();
    let mut compared = 0;
    for (name, expansion) in &on_expansion {
        compared += 1;
        let source = &on_source[name];
        for (side, only) in [
            (true, source.difference(expansion)),
            (false, expansion.difference(source)),
        ] {
            for (code, resource) in only {
                let explained = EXPLAINED
                    .iter()
                    .position(|e| e.file == name && e.source_only == side && e.code == code);
                if let Some(i) = explained {
                    seen.insert(i);
                } else {
                    let on = if side { "source" } else { "expansion" };
                    unexplained.push(format!("{name}: {code} on `{resource}` on the {on} only"));
                }
            }
        }
    }
    eprintln!("{compared} templates compared; differences explained:");
    for e in EXPLAINED {
        eprintln!("  {} {}: {}", e.file, e.code, e.cause);
    }
    for (file, why) in NOT_TRANSLATED {
        eprintln!("not translated: {file}: {why}");
    }
    let stale: Vec<&str> = EXPLAINED
        .iter()
        .enumerate()
        .filter(|(i, _)| !seen.contains(i))
        .map(|(_, e)| e.file)
        .collect();
    assert!(
        stale.is_empty(),
        "explained differences that no longer occur: {stale:?}"
    );
    assert_eq!(compared, sources.len() - NOT_TRANSLATED.len());
    assert!(
        unexplained.is_empty(),
        "kmslint finds other things on the SAM source than on SAM's expansion:\n{}",
        unexplained.join("\n")
    );
}
