//! Bytes to text: UTF-8 with an optional byte-order mark. Anything else is a problem with a
//! position, never a panic; the text is still returned (lossily) so the file can be sniffed
//! and its excerpt shown.

/// Decoded file contents.
#[derive(Debug)]
pub struct Decoded {
    /// The text without a byte-order mark. When `problem` is set this is a lossy rendering
    /// meant for sniffing and excerpts only.
    pub text: String,
    pub problem: Option<DecodeProblem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeProblem {
    /// Byte offset into `Decoded::text` where the problem is.
    pub offset: usize,
    pub message: String,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

pub fn decode(bytes: Vec<u8>) -> Decoded {
    if bytes.len() > u32::MAX as usize {
        return Decoded {
            text: String::new(),
            problem: Some(DecodeProblem {
                offset: 0,
                message: "the file is larger than 4 GiB".into(),
            }),
        };
    }
    // UTF-32 first: its little-endian mark starts with UTF-16LE's.
    if let Some((width, big_endian)) = utf32_order(&bytes)
        .map(|be| (32, be))
        .or_else(|| utf16_order(&bytes).map(|be| (16, be)))
    {
        let text = if width == 32 {
            decode_utf32(&bytes, big_endian)
        } else {
            decode_utf16(&bytes, big_endian)
        };
        return Decoded {
            text,
            problem: Some(DecodeProblem {
                offset: 0,
                message: format!(
                    "the file is encoded as UTF-{width}{}; CloudFormation and KMS read UTF-8, so save it as UTF-8",
                    if big_endian { "BE" } else { "LE" }
                ),
            }),
        };
    }
    let mut bytes = bytes;
    if bytes.starts_with(UTF8_BOM) {
        bytes.drain(..UTF8_BOM.len());
    }
    match String::from_utf8(bytes) {
        Ok(text) => Decoded {
            text,
            problem: None,
        },
        Err(err) => {
            let offset = err.utf8_error().valid_up_to();
            let bytes = err.into_bytes();
            let bad = bytes[offset];
            Decoded {
                // The prefix before `offset` is valid, so the lossy text agrees with the file
                // up to the problem, which is all a position needs.
                text: String::from_utf8_lossy(&bytes).into_owned(),
                problem: Some(DecodeProblem {
                    offset,
                    message: format!(
                        "invalid UTF-8: byte 0x{bad:02X} does not start or continue a character"
                    ),
                }),
            }
        }
    }
}

/// UTF-32 by its byte-order mark, or by the three zero bytes ASCII text has in UTF-32.
fn utf32_order(bytes: &[u8]) -> Option<bool> {
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => Some(false),
        [0, 0, 0xFE, 0xFF, ..] => Some(true),
        [a, 0, 0, 0, b, 0, 0, 0, ..] if *a != 0 && *b != 0 => Some(false),
        [0, 0, 0, a, 0, 0, 0, b, ..] if *a != 0 && *b != 0 => Some(true),
        _ => None,
    }
}

fn decode_utf32(bytes: &[u8], big_endian: bool) -> String {
    let text: String = bytes
        .chunks_exact(4)
        .map(|unit| {
            let unit = [unit[0], unit[1], unit[2], unit[3]];
            let code = if big_endian {
                u32::from_be_bytes(unit)
            } else {
                u32::from_le_bytes(unit)
            };
            char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
        })
        .collect();
    text.trim_start_matches('\u{FEFF}').to_owned()
}

/// UTF-16 by its byte-order mark, or by the zero bytes ASCII text has in UTF-16.
fn utf16_order(bytes: &[u8]) -> Option<bool> {
    match bytes {
        [0xFF, 0xFE, ..] => Some(false),
        [0xFE, 0xFF, ..] => Some(true),
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => Some(false),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => Some(true),
        _ => None,
    }
}

fn decode_utf16(bytes: &[u8], big_endian: bool) -> String {
    let units = bytes.chunks_exact(2).map(|pair| {
        if big_endian {
            u16::from_be_bytes([pair[0], pair[1]])
        } else {
            u16::from_le_bytes([pair[0], pair[1]])
        }
    });
    let text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    text.trim_start_matches('\u{FEFF}').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_the_byte_order_mark() {
        let decoded = decode(b"\xEF\xBB\xBFa: 1".to_vec());
        assert_eq!(decoded.text, "a: 1");
        assert!(decoded.problem.is_none());
    }

    #[test]
    fn reports_invalid_utf8_at_the_first_bad_byte() {
        let decoded = decode(b"a: 1\nb: \xFFx".to_vec());
        let problem = decoded.problem.unwrap();
        assert_eq!(problem.offset, 8);
        assert!(problem.message.contains("0xFF"), "{}", problem.message);
    }

    #[test]
    fn recognises_utf16_with_and_without_a_mark() {
        let le: Vec<u8> = "\u{FEFF}{\"a\": 1}"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let decoded = decode(le);
        assert_eq!(decoded.text, "{\"a\": 1}");
        assert!(decoded.problem.unwrap().message.contains("UTF-16LE"));
        let be: Vec<u8> = "ab".encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert!(decode(be).problem.unwrap().message.contains("UTF-16BE"));
    }

    #[test]
    fn recognises_utf32_before_utf16() {
        let encode = |text: &str, be: bool| -> Vec<u8> {
            text.chars()
                .flat_map(|c| {
                    let c = u32::from(c);
                    if be { c.to_be_bytes() } else { c.to_le_bytes() }
                })
                .collect()
        };
        for (text, be, name) in [
            ("\u{FEFF}a: ’1", false, "UTF-32LE"),
            ("\u{FEFF}a: ’1", true, "UTF-32BE"),
            ("ab", false, "UTF-32LE"),
            ("ab", true, "UTF-32BE"),
        ] {
            let decoded = decode(encode(text, be));
            assert_eq!(decoded.text, text.trim_start_matches('\u{FEFF}'), "{name}");
            let message = decoded.problem.unwrap().message;
            assert!(message.contains(name), "{name}: {message}");
        }
    }
}
