//! A bounded property test: real files (the fixtures and, when present, `../shared/corpus`)
//! broken in the ways editors and merges break them — truncation, flipped bytes, inserted
//! tabs, brackets and quotes, a stray `!Tags`, deep nesting — must still lint without a panic,
//! and every finding must lie inside the text on character boundaries.
//!
//! Deterministic (a fixed-seed generator), so a failure names the file and mutation that
//! reproduce it. The fuzz target in `fuzz/` explores the same space without bounds.

use crate::common;

use std::path::{Path, PathBuf};

use kmslint_core::config::Settings;
use kmslint_core::lint_bytes;
use kmslint_core::render::{self, FileOutput};

/// xorshift64*: enough randomness for choosing mutations, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const INSERTIONS: &[&[u8]] = &[
    b"\t",
    b"[",
    b"]",
    b"{",
    b"}",
    b"\"",
    b"'",
    b"!Tags ",
    b"!Ref",
    b": ",
    b"- ",
    b"\n  ",
    b"&a ",
    b"*a",
    b"<<: ",
    b"\\u2019",
    b"\xE2\x80\x99",
    b"\xF0\x9F\x94\x91",
    b"\r\n",
    b"\0",
    b"\xFF",
    b"${",
    b"{{resolve:ssm:/x}}",
];

fn mutate(bytes: &[u8], rng: &mut Rng) -> (Vec<u8>, String) {
    let mut out = bytes.to_vec();
    let at = rng.below(out.len() + 1);
    let what = match rng.below(6) {
        0 => {
            out.truncate(at);
            format!("truncated at {at}")
        }
        1 if !out.is_empty() => {
            let i = at.min(out.len() - 1);
            let bit = 1u8 << rng.below(8);
            out[i] ^= bit;
            format!("flipped bit {bit:#x} of byte {i}")
        }
        2 => {
            let depth = 1 + rng.below(300);
            let open = if rng.below(2) == 0 { "[" } else { "{a: " };
            let nested = open.repeat(depth);
            out.splice(at..at, nested.bytes());
            format!("inserted {depth} × `{open}` at {at}")
        }
        3 if !out.is_empty() => {
            let end = (at + rng.below(64)).min(out.len());
            out.drain(at.min(end)..end);
            format!("deleted {at}..{end}")
        }
        _ => {
            let insert = INSERTIONS[rng.below(INSERTIONS.len())];
            out.splice(at..at, insert.iter().copied());
            format!("inserted {:?} at {at}", String::from_utf8_lossy(insert))
        }
    };
    (out, what)
}

fn inputs() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut roots = vec![common::root().join("fixtures")];
    // Absent, the corpus is skipped (but not under CI, where `corpus()` fails).
    match common::corpus() {
        Some(corpus) => roots.push(corpus),
        None => eprintln!("mutating the fixtures only"),
    }
    for root in roots {
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            let Ok(entry) = entry else { continue };
            let path = entry.path();
            let lintable = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| ["yaml", "yml", "json", "template"].contains(&e));
            if entry.file_type().is_file() && lintable {
                files.push(path.to_path_buf());
            }
        }
    }
    files
}

fn check(name: &str, bytes: Vec<u8>, settings: &Settings) -> Result<(), String> {
    let (report, text) = lint_bytes(name, bytes, settings, &kmslint_core::Previous::NotCompared);
    for d in &report.diagnostics {
        let (start, end) = (d.span.start as usize, d.span.end as usize);
        if start > end || end > text.len() {
            return Err(format!(
                "{} span {start}..{end} outside 0..{}",
                d.code,
                text.len()
            ));
        }
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return Err(format!("{} span {start}..{end} splits a character", d.code));
        }
    }
    let output = FileOutput {
        path: name,
        text: &text,
        diagnostics: &report.diagnostics,
        previous: None,
    };
    render::pretty::render_file(&output, false);
    Ok(())
}

#[test]
fn mutated_files_never_panic_and_findings_stay_inside() {
    const PER_FILE: usize = 4;
    // All rules, on purpose: no rule may panic or report outside the file on a mutated input.
    let settings = Settings::default();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut failures = Vec::new();
    let mut runs = 0;
    for path in inputs() {
        let Ok(original) = std::fs::read(&path) else {
            continue;
        };
        // Big files cost time without finding more.
        if original.len() > 200_000 {
            continue;
        }
        let name = display(&path);
        for _ in 0..PER_FILE {
            let (bytes, what) = mutate(&original, &mut rng);
            runs += 1;
            let result = std::panic::catch_unwind(|| check(&name, bytes, &settings));
            match result {
                Ok(Ok(())) => {}
                Ok(Err(problem)) => failures.push(format!("{name} ({what}): {problem}")),
                Err(_) => failures.push(format!("{name} ({what}): panicked")),
            }
        }
    }
    assert!(runs > 0, "no inputs found");
    assert!(
        failures.is_empty(),
        "{} of {runs} runs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The name as the command line shows it; its extension chooses the loader.
fn display(path: &Path) -> String {
    common::display_path(path)
}
