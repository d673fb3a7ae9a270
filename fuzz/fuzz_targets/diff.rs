//! The change rules on arbitrary pairs of versions: the input is the old text, a NUL byte and
//! the new text (no NUL: the file compared with itself). Comparing must never panic, every
//! finding must lie inside the new text and every related location in the old one must lie
//! inside the old text, on character boundaries; and a file compared with itself has no
//! change finding.
#![no_main]

use kmslint_core::config::Settings;
use kmslint_core::{Previous, lint_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let settings = Settings::default();
    let (old, new) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, data),
    };
    let old = String::from_utf8_lossy(old);
    for name in ["new.yaml", "new.json"] {
        let previous = Previous::Text {
            name: "old.yaml",
            text: &old,
        };
        let (report, text) = lint_bytes(name, new.to_vec(), &settings, &previous);
        for d in &report.diagnostics {
            let (start, end) = (d.span.start as usize, d.span.end as usize);
            assert!(start <= end && end <= text.len(), "{d:?}");
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "{d:?}"
            );
            for r in &d.related {
                let within = if r.path.is_some() {
                    old.as_ref()
                } else {
                    text.as_str()
                };
                let (start, end) = (r.span.start as usize, r.span.end as usize);
                assert!(start <= end && end <= within.len(), "{r:?}");
                assert!(
                    within.is_char_boundary(start) && within.is_char_boundary(end),
                    "{r:?}"
                );
            }
            if old.as_bytes() == new {
                assert!(
                    !kmslint_core::rules::is_change(d.code),
                    "a file compared with itself: {d:?}"
                );
            }
        }
    }
});
