//! The whole pipeline on arbitrary bytes: decode, load (as YAML and as JSON), model, every
//! rule, suppressions, and the pretty and JSON renderers. It must never panic, and every
//! finding must lie inside the text, on character boundaries.
#![no_main]

use kmslint::config::Settings;
use kmslint::lint_bytes;
use kmslint::render::{self, FileOutput, Summary};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let settings = Settings::default();
    for name in ["input.yaml", "input.json"] {
        let (report, text) = lint_bytes(name, data.to_vec(), &settings, true);
        for d in &report.diagnostics {
            assert!(d.span.end as usize <= text.len(), "{d:?} past the end");
            assert!(d.span.start <= d.span.end, "{d:?} reversed");
            assert!(text.is_char_boundary(d.span.start as usize));
            assert!(text.is_char_boundary(d.span.end as usize));
        }
        let output = FileOutput {
            path: name,
            text: &text,
            diagnostics: &report.diagnostics,
        };
        let mut summary = Summary::default();
        summary.count(&report.diagnostics);
        let _ = render::pretty::render_file(&output, false);
        let _ = render::json::render(std::slice::from_ref(&output), &summary);
    }
});
