//! Hostile configuration-like inputs: configuration files and `extend`, parameters files,
//! baselines and the kernel's files named as any of them, and `--since` in a repository whose
//! `.git/config` runs programs. Each is refused with exit status 2 and one clear line, in
//! bounded time and memory, or handled without touching what it must not.

use crate::common;

use std::fs;
use std::path::Path;
use std::time::Duration;

use common::{Kmslint, Run, UNROTATED_KEY};

/// These inputs are small; a run past this is a hang.
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs kmslint in `dir` with `HOME` and `XDG_CONFIG_HOME` inside it, so no configuration of
/// the machine's applies.
fn kmslint(dir: &Path, args: &[&str]) -> Run {
    Kmslint::new(dir, args)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join(".config"))
        .deadline(DEADLINE)
        .run()
}

/// A repository (its `.git` a directory) holding `keys.yaml` (KMS104, KMS105) and `files`.
fn repo(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir(dir.path().join(".git")).expect(".git");
    fs::write(dir.path().join("keys.yaml"), UNROTATED_KEY).expect("write");
    for (name, bytes) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, bytes).expect("write");
    }
    dir
}

/// Exit status 2 with one error line that contains every one of `needles`.
fn refused(run: &Run, needles: &[&str]) {
    assert_eq!(run.status, 2, "{}\n{}", run.stdout, run.stderr);
    let errors = run.stderr_lines("error:");
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    for needle in needles {
        assert!(errors[0].contains(needle), "{needle:?} in {}", run.stderr);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn kernel_files_are_refused_everywhere_without_being_read() {
    // /proc/kmsg is regular to stat and blocks its reader until the kernel logs; it is only
    // named (readable as root), never read. /proc/self/status is readable by anyone.
    let mut kernel = vec!["/proc/self/status"];
    if Path::new("/proc/kmsg").exists() {
        kernel.push("/proc/kmsg");
    }
    for file in kernel {
        let dir = repo(&[(".kmslint.toml", format!("extend = \"{file}\"\n").as_bytes())]);
        let path = dir.path();
        for args in [
            vec!["check", "--no-config", file],
            vec!["check", "--config", file, "keys.yaml"],
            vec!["check", "--no-config", "--baseline", file, "keys.yaml"],
            vec![
                "check",
                "--no-config",
                "--parameters-file",
                file,
                "keys.yaml",
            ],
            vec!["diff", "--no-config", file, "keys.yaml"],
        ] {
            let run = kmslint(path, &args);
            assert_eq!(run.status, 2, "{args:?}: {}", run.stderr);
            assert!(
                run.stderr.contains("/proc or /sys"),
                "{args:?}: {}",
                run.stderr
            );
        }
        // Through `extend`: outside the repository, so not even looked at.
        refused(&kmslint(path, &["check", "keys.yaml"]), &["extend", file]);
    }
}

#[test]
fn a_configuration_file_over_1_mb_is_refused() {
    // The 36 MB `extend-select`, at just over the limit.
    let list = vec!["\"KMS104\""; 120_000].join(",");
    let dir = repo(&[(
        ".kmslint.toml",
        format!("extend-select = [{list}]\n").as_bytes(),
    )]);
    refused(
        &kmslint(dir.path(), &["check", "keys.yaml"]),
        &[".kmslint.toml", "larger than 1 MB"],
    );
    let values = (0..70_000)
        .map(|i| format!("\"P{i:07}\": \"v\""))
        .collect::<Vec<_>>()
        .join(",");
    fs::write(dir.path().join("p.json"), format!("{{{values}}}")).expect("write");
    refused(
        &kmslint(
            dir.path(),
            &[
                "check",
                "--no-config",
                "--parameters-file",
                "p.json",
                "keys.yaml",
            ],
        ),
        &["p.json", "larger than 1 MB"],
    );
}

#[test]
fn exclude_globs_are_bounded_before_they_are_compiled() {
    // The attack: thousands of `*?*?…` globs, which globset compiles into one
    // automaton of gigabytes. Under 1 MB, and refused in bounded memory.
    let many = (0..9000)
        .map(|i| format!("\"{}x{i}\"", "*?".repeat(50)))
        .collect::<Vec<_>>()
        .join(",");
    let dir = repo(&[(".kmslint.toml", format!("exclude = [{many}]\n").as_bytes())]);
    let run = Kmslint::new(dir.path(), &["check", "keys.yaml"])
        .env("HOME", dir.path())
        .memory_kb(Some(512 << 10))
        .deadline(DEADLINE)
        .run();
    refused(&run, &["exclude", "9000 globs", "at most 256"]);
    // One glob of too many wildcards, from the file or the command line; quoted abbreviated.
    let wild = "*?".repeat(60);
    let dir = repo(&[(
        ".kmslint.toml",
        format!("exclude = [\"{wild}\"]\n").as_bytes(),
    )]);
    let run = kmslint(dir.path(), &["check", "keys.yaml"]);
    refused(&run, &["exclude", "wildcards", "…"]);
    assert!(!run.stderr.contains(&wild), "{}", run.stderr);
    let run = kmslint(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--exclude",
            &"a".repeat(300),
            "keys.yaml",
        ],
    );
    refused(&run, &["--exclude", "longer than 256 bytes"]);
    // Real globs still work.
    let dir = repo(&[(
        ".kmslint.toml",
        b"exclude = [\"cdk.out/**\", \"*.generated.json\"]\n",
    )]);
    assert_eq!(kmslint(dir.path(), &["check", "keys.yaml"]).status, 1);
}

#[test]
fn long_values_are_quoted_abbreviated() {
    let long = "a".repeat(500_000);
    for (key, value) in [
        ("region", long.clone()),
        ("account", long.clone()),
        ("deployer-arn", long.clone()),
        ("fail-level", long.clone()),
        ("extend-select", format!("[\"{long}\"]")),
    ] {
        let value = if value.starts_with('[') {
            value
        } else {
            format!("\"{value}\"")
        };
        let dir = repo(&[(".kmslint.toml", format!("{key} = {value}\n").as_bytes())]);
        let run = kmslint(dir.path(), &["check", "keys.yaml"]);
        refused(&run, &[key, "aaaa…"]);
        assert!(run.stderr.len() < 1000, "{key}: {} bytes", run.stderr.len());
    }
    let dir = repo(&[]);
    let run = kmslint(
        dir.path(),
        &["check", "--region", &"b".repeat(100_000), "keys.yaml"],
    );
    refused(&run, &["--region", "bbbb…"]);
    assert!(run.stderr.len() < 1000, "{} bytes", run.stderr.len());
}

#[test]
fn extend_stays_in_the_repository_and_the_user_configuration_directory() {
    let outer = tempfile::tempdir().expect("temp dir");
    let secret = outer.path().join("secret.txt");
    fs::write(&secret, "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI\n").expect("write");
    let dir = outer.path().join("repo");
    fs::create_dir_all(dir.join(".git")).expect(".git");
    fs::write(dir.join("keys.yaml"), UNROTATED_KEY).expect("write");
    for target in [
        "../secret.txt".to_owned(),
        secret.display().to_string(),
        "/etc/passwd".to_owned(),
    ] {
        fs::write(
            dir.join(".kmslint.toml"),
            format!("extend = \"{}\"\n", target.replace('\\', "\\\\")),
        )
        .expect("write");
        let run = kmslint(&dir, &["check", "keys.yaml"]);
        refused(&run, &["extend", "outside the repository"]);
        assert!(!run.stderr.contains("AWS_SECRET"), "{}", run.stderr);
    }
    // A link inside the repository to a file outside is outside too.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&secret, dir.join("base.toml")).expect("link");
        fs::write(dir.join(".kmslint.toml"), "extend = \"base.toml\"\n").expect("write");
        let run = kmslint(&dir, &["check", "keys.yaml"]);
        refused(&run, &["extend", "outside the repository"]);
        assert!(!run.stderr.contains("AWS_SECRET"), "{}", run.stderr);
    }
    // A file inside that is not TOML is named with a position, and not quoted.
    fs::write(dir.join(".kmslint.toml"), "extend = \"notes.txt\"\n").expect("write");
    fs::write(dir.join("notes.txt"), "token hunter2 here\n").expect("write");
    let run = kmslint(&dir, &["check", "keys.yaml"]);
    refused(&run, &["notes.txt:1:", "not valid TOML"]);
    assert!(
        !run.stderr.contains("hunter2") && !run.stderr.contains("token"),
        "{}",
        run.stderr
    );
    // The user's configuration directory (outside the repository) is allowed.
    let user = outer.path().join("config/kmslint");
    fs::create_dir_all(&user).expect("mkdir");
    fs::write(
        user.join("base.toml"),
        "ignore = [\"KMS104\", \"KMS105\"]\n",
    )
    .expect("write");
    fs::write(
        dir.join(".kmslint.toml"),
        format!("extend = \"{}\"\n", user.join("base.toml").display()),
    )
    .expect("write");
    let run = Kmslint::new(&dir, &["check", "keys.yaml"])
        .env("HOME", &dir)
        .env("XDG_CONFIG_HOME", outer.path().join("config"))
        .deadline(DEADLINE)
        .run();
    assert_eq!(run.status, 0, "{}", run.stderr);
}

#[test]
fn extend_chains_are_bounded_and_read_each_file_once() {
    // A chain of 2,000 files: refused at the bound, naming it.
    let mut files: Vec<(String, Vec<u8>)> = (0..2000)
        .map(|i| {
            (
                format!("c{i}.toml"),
                format!("extend = \"c{}.toml\"\n", i + 1).into_bytes(),
            )
        })
        .collect();
    files.push((
        ".kmslint.toml".to_owned(),
        b"extend = \"c0.toml\"\n".to_vec(),
    ));
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let dir = repo(&borrowed);
    refused(
        &kmslint(dir.path(), &["check", "keys.yaml"]),
        &["extend", "longer than 32 files"],
    );
    // 30 nested directories, each with a configuration extending its parent's: within the
    // bound, each directory's chain is merged, and each file read once.
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        ".kmslint.toml".to_owned(),
        b"ignore = [\"KMS105\"]\n".to_vec(),
    )];
    let mut path = String::new();
    for i in 0..30 {
        path.push_str(&format!("d{i}/"));
        files.push((
            format!("{path}.kmslint.toml"),
            b"extend = \"../.kmslint.toml\"\n".to_vec(),
        ));
        files.push((format!("{path}k.yaml"), UNROTATED_KEY.as_bytes().to_vec()));
    }
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let dir = repo(&borrowed);
    let run = kmslint(dir.path(), &["check", "--format", "compact", "."]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert_eq!(run.stdout.matches("KMS104").count(), 31, "{}", run.stdout);
    assert_eq!(run.stdout.matches("KMS105").count(), 0, "{}", run.stdout);
}

#[test]
fn unknown_parameters_are_warned_in_bounded_work() {
    // 50,000 unknown keys against a template of 20,000 parameters: a suggestion for the first
    // few keys, a count for the rest.
    let values = (0..50_000)
        .map(|i| format!("\"P{i:07}\": \"v\""))
        .collect::<Vec<_>>()
        .join(",");
    let declared: String = (0..20_000)
        .map(|i| format!("  Q{i:07}:\n    Type: String\n"))
        .collect();
    let template = format!("Parameters:\n{declared}{UNROTATED_KEY}");
    let dir = repo(&[
        ("p.json", format!("{{{values}}}").as_bytes()),
        ("many.yaml", template.as_bytes()),
    ]);
    let run = kmslint(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--parameters-file",
            "p.json",
            "many.yaml",
        ],
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert_eq!(run.stderr_lines("did you mean").len(), 20, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("49980 more parameters (--parameter or --parameters-file) name no parameter"),
        "{}",
        run.stderr
    );
}

/// A baseline of `entries` (JSON objects), as `check --write-baseline` writes them.
fn baseline(entries: &[String]) -> String {
    format!(
        "{{\"version\": 1, \"tool\": \"kmslint\", \"entries\": [{}]}}",
        entries.join(",")
    )
}

/// An entry for KMS104 on `keys.yaml`'s key, in the file `path`, of `count`.
fn entry(path: &str, count: &str) -> String {
    format!(
        "{{\"path\": \"{path}\", \"code\": \"KMS104\", \"resource\": \"Key\", \"pointer\": \"/Resources/Key\", \"count\": {count}}}"
    )
}

#[test]
fn baseline_counts_do_not_wrap() {
    for counts in [
        vec!["18446744073709551615", "1"],
        vec!["18446744073709551615"],
        vec!["4294967296"],
    ] {
        let entries: Vec<String> = counts.iter().map(|c| entry("keys.yaml", c)).collect();
        let dir = repo(&[("b.json", baseline(&entries).as_bytes())]);
        let run = kmslint(
            dir.path(),
            &["check", "--no-config", "--baseline", "b.json", "keys.yaml"],
        );
        refused(&run, &["b.json", "\"count\"", "more than 1000000"]);
    }
}

#[test]
fn a_baseline_with_a_byte_order_mark_is_read() {
    let dir = repo(&[]);
    let args = [
        "check",
        "--no-config",
        "--write-baseline",
        "b.json",
        "keys.yaml",
    ];
    assert_eq!(kmslint(dir.path(), &args).status, 0);
    let written = fs::read_to_string(dir.path().join("b.json")).expect("written");
    fs::write(dir.path().join("b.json"), format!("\u{feff}{written}")).expect("write");
    let run = kmslint(
        dir.path(),
        &["check", "--no-config", "--baseline", "b.json", "keys.yaml"],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
}

#[test]
fn baseline_paths_outside_its_directory_are_not_looked_for() {
    // Entries for files outside the baseline's directory, none of which exist: a file that is
    // not looked for is not known to be gone, so none is stale (looking would have said so).
    let dir = repo(&[]);
    let gone = dir.path().join("gone.yaml");
    let entries = [
        entry("keys.yaml", "1"),
        entry("../../../../../../etc/kmslint-nothing-here", "1"),
        entry(&gone.display().to_string().replace('\\', "/"), "1"),
        entry("sub/../../x.yaml", "1"),
        entry("deleted.yaml", "2"),
    ];
    fs::write(dir.path().join("b.json"), baseline(&entries)).expect("write");
    let run = kmslint(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--format",
            "json",
            "--baseline",
            "b.json",
            "keys.yaml",
        ],
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    // Only `deleted.yaml`, inside and gone, is stale.
    assert_eq!(
        run.json()["summary"]["baseline"]["stale"],
        2,
        "{}",
        run.stdout
    );
}

/// Many directories, each with a configuration extending the root's: what the root's chain
/// and the run's parameters cost is paid once, not once a directory.
#[test]
fn many_configurations_share_the_root_chain_and_the_parameters() {
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        ".kmslint.toml".to_owned(),
        format!(
            "extend-select = [{}]\n[severity]\nKMS1 = \"info\"\n",
            vec!["\"KMS104\""; 256].join(",")
        )
        .into_bytes(),
    )];
    // Parameters of almost 1 MB, which every directory's settings used to copy.
    let values = (0..25_000)
        .map(|i| format!("\"P{i:07}\": \"{}\"", "v".repeat(16)))
        .collect::<Vec<_>>()
        .join(",");
    files.push(("p.json".to_owned(), format!("{{{values}}}").into_bytes()));
    for i in 0..500 {
        files.push((
            format!("d{i}/.kmslint.toml"),
            b"extend = \"../.kmslint.toml\"\n".to_vec(),
        ));
        files.push((format!("d{i}/k.yaml"), UNROTATED_KEY.as_bytes().to_vec()));
    }
    let borrowed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let dir = repo(&borrowed);
    let run = Kmslint::new(
        dir.path(),
        &[
            "check",
            "--format",
            "compact",
            "--select",
            "KMS104",
            "--parameters-file",
            "p.json",
            ".",
        ],
    )
    .env("HOME", dir.path())
    .memory_kb(Some(1 << 20))
    .deadline(DEADLINE)
    .run();
    // KMS104 at info: the root's severity applies in every directory.
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout.matches("info[KMS104]").count(),
        501,
        "{}",
        run.stdout
    );
    // Over the bound, a list is refused, in a file or across its chain.
    let dir = repo(&[(
        ".kmslint.toml",
        format!("ignore = [{}]\n", vec!["\"KMS104\""; 300].join(",")).as_bytes(),
    )]);
    refused(
        &kmslint(dir.path(), &["check", "keys.yaml"]),
        &["ignore", "300 entries: at most 256"],
    );
    // A deployer ARN longer than IAM has.
    let arn = format!("arn:aws:iam::111122223333:role/{}x", "p/".repeat(100_000));
    let dir = repo(&[(
        ".kmslint.toml",
        format!("deployer-arn = \"{arn}\"\n").as_bytes(),
    )]);
    refused(
        &kmslint(dir.path(), &["check", "keys.yaml"]),
        &["deployer-arn", "longer than 2048"],
    );
}

/// A table of stacks near the 1 MB the file may be: 8,000 stacks in one chain of outputs,
/// all of one template, are read in linear work (the template read once, the chain walked
/// without recursion), and the same chain closed into a cycle is refused on one line that
/// names a few of its stacks and counts the rest.
#[test]
fn a_long_chain_of_outputs_is_read_in_bounded_work() {
    const STACKS: usize = 8_000;
    let stack = |i: usize, to: usize| {
        let parameters = if to == usize::MAX {
            String::new()
        } else {
            format!("parameters = {{ In = {{ stack = \"s{to}\", output = \"Out\" }} }}\n")
        };
        format!("[[stacks]]\nname = \"s{i}\"\ntemplate = \"t.yaml\"\n{parameters}")
    };
    let chain: String = (0..STACKS)
        .map(|i| stack(i, i.checked_sub(1).unwrap_or(usize::MAX)))
        .collect();
    let cycle: String = (0..STACKS).map(|i| stack(i, (i + 1) % STACKS)).collect();
    let template: &[u8] = b"Resources: {}\nOutputs:\n  Out:\n    Value: x\n";
    let dir = repo(&[(".kmslint.toml", chain.as_bytes()), ("t.yaml", template)]);
    let started = std::time::Instant::now();
    let run = kmslint(dir.path(), &["check", "keys.yaml"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let dir = repo(&[(".kmslint.toml", cycle.as_bytes()), ("t.yaml", template)]);
    let run = kmslint(dir.path(), &["check", "keys.yaml"]);
    refused(
        &run,
        &[
            "`stacks.parameters.In`",
            "s0 → s1 → s2 → s3 → s4 → s5 → … (8000 stacks) → s0",
        ],
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
