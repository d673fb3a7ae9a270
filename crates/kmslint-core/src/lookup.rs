//! Rules by code, name or code prefix, and "did you mean" suggestions: the one place the
//! configuration, the command line, suppressions and the rules look names up.
//!
//! Why the configuration is handed the rules' names instead of reading the registry: a
//! rule's name is declared in its file, beside its implementation (and so beside the model).
//! A second list of codes below both would have to be kept in step with the registry;
//! passing [`RuleName`]s (from `rules::names()`, by the command line and the language server)
//! keeps one list and keeps `config` free of `rules` and `model`.

/// What users call a rule by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleName {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    /// Whether the rule runs when no `select` names the rules (opt-in rules do not).
    pub(crate) default: bool,
}

/// The selector that names every rule, opt-in ones too (ruff's `ALL`); the prefix `KMS` does
/// the same.
pub(crate) const ALL: &str = "ALL";

/// A rule by code or name, in any case.
pub(crate) fn find<'r>(rules: &'r [RuleName], code_or_name: &str) -> Option<&'r RuleName> {
    rules.iter().find(|r| {
        r.code.eq_ignore_ascii_case(code_or_name) || r.name.eq_ignore_ascii_case(code_or_name)
    })
}

/// The codes a list of codes, names and code prefixes selects, sorted.
pub(crate) fn select(
    rules: &[RuleName],
    list: &[String],
) -> Result<Vec<&'static str>, LookupError> {
    let mut codes = Vec::new();
    for selector in list {
        let selector = selector.trim();
        let upper = selector.to_ascii_uppercase();
        let every = upper == ALL;
        let matched: Vec<&'static str> = rules
            .iter()
            .filter(|r| {
                every
                    || r.code.starts_with(&upper) && !upper.is_empty()
                    || r.name.eq_ignore_ascii_case(selector)
            })
            .map(|r| r.code)
            .collect();
        if matched.is_empty() {
            return Err(unknown_rule(rules, selector));
        }
        codes.extend(matched);
    }
    codes.sort_unstable();
    codes.dedup();
    Ok(codes)
}

/// The nearest code or name to `word`, if one is close.
pub fn suggest_rule<'r>(rules: &'r [RuleName], word: &str) -> Option<&'r str> {
    did_you_mean(word, rules.iter().flat_map(|r| [r.code, r.name]))
}

fn unknown_rule(rules: &[RuleName], selector: &str) -> LookupError {
    let shown = abbreviate(selector).into_owned();
    // As `suggest_rule`, for the selector as the message quotes it.
    let suggestion = did_you_mean(&shown, rules.iter().flat_map(|r| [r.code, r.name]));
    LookupError::UnknownRule {
        selector: shown,
        suggestion,
    }
}

/// Why a selector names no rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupError {
    /// No code, name or code prefix: the selector (abbreviated, as messages quote it), and
    /// the nearest code or name when one is close.
    UnknownRule {
        selector: String,
        suggestion: Option<&'static str>,
    },
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::UnknownRule {
                selector,
                suggestion: Some(c),
            } => write!(
                f,
                "`{selector}` is not a rule code, name or prefix; did you mean `{c}`?"
            ),
            LookupError::UnknownRule {
                selector,
                suggestion: None,
            } => write!(
                f,
                "`{selector}` is not a rule code, name or prefix (see `kmslint rules`)"
            ),
        }
    }
}

impl std::error::Error for LookupError {}

/// The longest value quoted whole in a message; a longer one is cut (see [`abbreviate`]).
pub(crate) const QUOTED_CHARS: usize = 80;

/// `text` as a message quotes it: whole when it has at most [`QUOTED_CHARS`] characters,
/// otherwise its start and `…`, so that a hostile value of megabytes makes a line, not a page.
pub fn abbreviate(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(QUOTED_CHARS) {
        None => text.into(),
        Some(_) => {
            let cut = text
                .char_indices()
                .nth(QUOTED_CHARS - 1)
                .map_or(text.len(), |(at, _)| at);
            format!("{}…", &text[..cut]).into()
        }
    }
}

/// The longest message (from a parser, which may quote the value it refused) shown whole.
const MESSAGE_CHARS: usize = 400;

/// A parser's message with each value it quotes (in backticks or double quotes) cut as
/// [`abbreviate`] cuts it, and the whole cut at [`MESSAGE_CHARS`] characters.
pub(crate) fn abbreviate_message(message: &str) -> std::borrow::Cow<'_, str> {
    let mut out = message.to_owned();
    for quote in ['`', '"'] {
        if out.matches(quote).count() >= 2 {
            out = out
                .split(quote)
                .enumerate()
                .map(|(i, part)| {
                    if i % 2 == 1 {
                        abbreviate(part)
                    } else {
                        part.into()
                    }
                })
                .collect::<Vec<_>>()
                .join(&quote.to_string());
        }
    }
    match out.char_indices().nth(MESSAGE_CHARS) {
        None if out == message => message.into(),
        None => out.into(),
        Some((at, _)) => format!("{}…", &out[..at]).into(),
    }
}

/// The longest word a suggestion is looked for: no name is near a longer one, and the
/// comparison costs its length times each candidate's.
const MAX_SUGGESTED_WORD: usize = 128;

/// "did you mean `X`?" for a near miss among `candidates`.
pub fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    if word.len() > MAX_SUGGESTED_WORD {
        return None;
    }
    let word = word.to_ascii_lowercase();
    let letters = Letters::of(&word);
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        if candidate.len() > MAX_SUGGESTED_WORD {
            continue;
        }
        // Templates have hundreds of names to compare with; most share too few characters
        // to be a near miss, which this tells without the quadratic comparison.
        if letters.too_far(candidate) {
            continue;
        }
        let score = jaro_winkler(&word, &candidate.to_ascii_lowercase());
        // The first of equally close candidates wins, so table order decides ties.
        if score > 0.85 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The characters of a word (ASCII-lowercased), counted, to bound its Jaro similarity to
/// another word cheaply. Only for ASCII words of up to 255 characters (counts fit a byte).
struct Letters {
    counts: Option<[u8; 128]>,
    len: usize,
}

impl Letters {
    fn of(word: &str) -> Letters {
        let len = word.len();
        if !word.is_ascii() || len == 0 || len > usize::from(u8::MAX) {
            return Letters { counts: None, len };
        }
        let mut counts = [0u8; 128];
        for b in word.bytes() {
            counts[usize::from(b.to_ascii_lowercase())] += 1;
        }
        Letters {
            counts: Some(counts),
            len,
        }
    }

    /// Whether `candidate` certainly scores at most 0.7 in Jaro–Winkler, so is no near
    /// miss. Jaro is (m/|a| + m/|b| + (m − t)/m) / 3 with m matching characters, at most
    /// the characters the words have in common; Winkler's prefix bonus only applies above
    /// 0.7 (strsim's `generic_jaro_winkler`). The margin keeps rounding out of it.
    fn too_far(&self, candidate: &str) -> bool {
        let Some(mut counts) = self.counts else {
            return false;
        };
        if candidate.is_empty() || !candidate.is_ascii() {
            return false;
        }
        let mut common = 0usize;
        for b in candidate.bytes() {
            let slot = &mut counts[usize::from(b.to_ascii_lowercase())];
            if *slot > 0 {
                *slot -= 1;
                common += 1;
            }
        }
        let (common, a, b) = (common as f64, self.len as f64, candidate.len() as f64);
        (common / a + common / b + 1.0) / 3.0 < 0.69
    }
}

/// strsim's `jaro_winkler`, to the bit, for ASCII words: the same matches, transpositions
/// and arithmetic, without decoding characters again for every character of the other word.
/// Other words go to strsim.
fn jaro_winkler(a: &str, b: &str) -> f64 {
    if !a.is_ascii() || !b.is_ascii() {
        return strsim::jaro_winkler(a, b);
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let sim = jaro(a, b);
    if sim > 0.7 {
        let prefix_length = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
        sim + 0.1 * prefix_length as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// strsim's `generic_jaro` on bytes.
fn jaro(a: &[u8], b: &[u8]) -> f64 {
    let (a_len, b_len) = (a.len(), b.len());
    if a_len == 0 && b_len == 0 {
        return 1.0;
    } else if a_len == 0 || b_len == 0 {
        return 0.0;
    }
    let search_range = (a_len.max(b_len) / 2).saturating_sub(1);
    let mut flags = vec![false; a_len + b_len];
    let (a_flags, b_flags) = flags.split_at_mut(a_len);
    let mut matches = 0usize;
    for (i, &x) in a.iter().enumerate() {
        // An empty window once `i` is past the end of `b`.
        let max_bound = b_len.min(i + search_range + 1);
        let min_bound = i.saturating_sub(search_range).min(max_bound);
        // The first unmatched equal character in the window, as strsim takes it.
        let window = b[min_bound..max_bound]
            .iter()
            .zip(&mut b_flags[min_bound..max_bound]);
        for (&y, matched) in window {
            if x == y && !*matched {
                a_flags[i] = true;
                *matched = true;
                matches += 1;
                break;
            }
        }
    }
    let mut transpositions = 0usize;
    if matches != 0 {
        let mut b_matched = b_flags.iter().zip(b).filter(|(f, _)| **f).map(|(_, y)| y);
        for (_, x) in a_flags.iter().zip(a).filter(|(f, _)| **f) {
            if b_matched.next().is_some_and(|y| y != x) {
                transpositions += 1;
            }
        }
    }
    transpositions /= 2;
    if matches == 0 {
        0.0
    } else {
        ((matches as f64 / a_len as f64)
            + (matches as f64 / b_len as f64)
            + ((matches - transpositions) as f64 / matches as f64))
            / 3.0
    }
}

/// A few rules, for tests that need names without the registry.
#[cfg(test)]
pub(crate) const TEST_RULES: &[RuleName] = &[
    RuleName {
        code: "KMS203",
        name: "principal-missing",
        default: true,
    },
    RuleName {
        code: "KMS204",
        name: "policy-lockout",
        default: true,
    },
    RuleName {
        code: "KMS301",
        name: "primary-not-multi-region",
        default: false,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The cheap bound must never drop a candidate that Jaro–Winkler would have kept.
    #[test]
    fn the_common_character_bound_drops_no_near_miss() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "Key",
            "key",
            "KmsKey",
            "MyKey",
            "KeyAlias",
            "pAz",
            "pSize",
            "SourceSG",
            "TargetSG",
            "BucketKey",
            "BuckteKey",
            "AWS::Region",
            "AWS::Regoin",
            "AWS::AccountId",
            "LogGroup",
            "LogGroupKey",
            "Queue",
            "Qeueu",
            "é",
            "éa",
            "ÉA",
            "Ωmega",
            "omega",
            "kms:Decrypt",
            "kms:Decrpyt",
            "x",
            "xx",
            "xxxxxxxx",
            "KMS204",
            "policy-lockout",
        ];
        for a in words {
            let letters = Letters::of(&a.to_ascii_lowercase());
            for b in words {
                let score = strsim::jaro_winkler(&a.to_ascii_lowercase(), &b.to_ascii_lowercase());
                if letters.too_far(b) {
                    assert!(score <= 0.7, "{a} / {b}: {score}");
                }
            }
        }
        assert_eq!(
            did_you_mean("BuckteKey", ["Queue", "BucketKey"]),
            Some("BucketKey")
        );
        // Windows past the end of the shorter word.
        assert_eq!(
            jaro_winkler("abcdefghijkl", "ab").to_bits(),
            strsim::jaro_winkler("abcdefghijkl", "ab").to_bits()
        );
        // The byte version gives strsim's score to the bit, on these and on generated words.
        let mut generated: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
        let mut seed = 12345u64;
        for _ in 0..400 {
            let len = (seed >> 33) % 14;
            let word = (0..len)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    char::from(b"abcdekms:-"[((seed >> 33) % 10) as usize])
                })
                .collect();
            generated.push(word);
        }
        for a in &generated {
            for b in &generated {
                let ours = jaro_winkler(a, b);
                let theirs = strsim::jaro_winkler(a, b);
                assert_eq!(ours.to_bits(), theirs.to_bits(), "{a} / {b}");
            }
        }
        assert_eq!(did_you_mean("pAz", ["BucketKey", "LogGroup"]), None);
    }

    #[test]
    fn selectors_take_codes_names_and_prefixes() {
        assert_eq!(
            select(TEST_RULES, &["KMS2".into()]).unwrap(),
            ["KMS203", "KMS204"]
        );
        assert_eq!(
            select(TEST_RULES, &["policy-lockout".into()]).unwrap(),
            ["KMS204"]
        );
        assert!(select(TEST_RULES, &["KMS9".into()]).is_err());
        let every = ["KMS203", "KMS204", "KMS301"];
        assert_eq!(select(TEST_RULES, &["ALL".into()]).unwrap(), every);
        assert_eq!(select(TEST_RULES, &["all".into()]).unwrap(), every);
        assert_eq!(select(TEST_RULES, &["KMS".into()]).unwrap(), every);
        assert_eq!(find(TEST_RULES, "kms301").map(|r| r.code), Some("KMS301"));
        let err = select(TEST_RULES, &["policy-lockot".into()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`policy-lockot` is not a rule code, name or prefix; did you mean `policy-lockout`?"
        );
    }

    #[test]
    fn long_values_are_cut_with_an_ellipsis() {
        assert_eq!(abbreviate("eu-west-9"), "eu-west-9");
        let long = "é".repeat(1000);
        let cut = abbreviate(&long);
        assert_eq!(cut.chars().count(), QUOTED_CHARS);
        assert!(cut.ends_with("é…"), "{cut}");
        assert_eq!(
            abbreviate(&"x".repeat(QUOTED_CHARS)).chars().count(),
            QUOTED_CHARS
        );
        assert!(abbreviate_message(&"m".repeat(10_000)).chars().count() <= 401);
        let quoted = format!(
            "invalid type: string \"{}\", expected a boolean",
            "z".repeat(500)
        );
        let cut = abbreviate_message(&quoted);
        assert!(cut.ends_with("z…\", expected a boolean"), "{cut}");
        assert!(cut.len() < 200, "{cut}");
        // No suggestion is looked for a word longer than any name.
        assert_eq!(did_you_mean(&"a".repeat(100_000), ["aaaa"]), None);
    }
}
