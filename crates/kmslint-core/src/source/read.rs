//! Bytes to text: UTF-8 with an optional byte-order mark. Anything else is a problem with a
//! position, never a panic; the text is still returned (lossily) so the file can be sniffed
//! and its excerpt shown.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

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

/// The largest file kmslint reads unless told otherwise: 64 MiB, far above CloudFormation's
/// 1 MB template limit, far below what would exhaust a CI runner's memory.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 << 20;

/// Why a file is not read: its size against the limit.
pub fn too_large(len: u64, limit: u64) -> String {
    format!(
        "larger than the {} limit ({len} bytes; raise it with --max-file-size)",
        format_size(limit)
    )
}

/// `67108864` as `64 MB`; sizes that are not a whole number of units stay in bytes.
pub fn format_size(bytes: u64) -> String {
    for (unit, scale) in [("GB", 1u64 << 30), ("MB", 1 << 20), ("KB", 1 << 10)] {
        if bytes >= scale && bytes.is_multiple_of(scale) {
            return format!("{} {unit}", bytes / scale);
        }
    }
    format!("{bytes} bytes")
}

/// `64MB`, `512 KiB`, `2g` or a number of bytes. Units are powers of 1024.
pub fn parse_size(text: &str) -> Result<u64, SizeError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let shown = || crate::lookup::abbreviate(text).into_owned();
    let number: u64 = digits.parse().map_err(|_| SizeError::NotASize(shown()))?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => {
            return Err(SizeError::NotAUnit(
                crate::lookup::abbreviate(other).into_owned(),
            ));
        }
    };
    let size = number
        .checked_mul(scale)
        .ok_or_else(|| SizeError::TooLarge(shown()))?;
    if size == 0 {
        return Err(SizeError::Zero);
    }
    Ok(size)
}

/// Why a size (`--max-file-size`, `max-file-size`) is refused, with the text as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SizeError {
    NotASize(String),
    NotAUnit(String),
    TooLarge(String),
    Zero,
}

impl std::fmt::Display for SizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SizeError::NotASize(text) => write!(
                f,
                "`{text}` is not a size (a number of bytes, or with a unit: `64MB`)"
            ),
            SizeError::NotAUnit(unit) => write!(
                f,
                "`{unit}` is not a unit of size (expected B, KB, MB or GB)"
            ),
            SizeError::TooLarge(text) => write!(f, "`{text}` is too large"),
            SizeError::Zero => f.write_str("must be at least 1 byte"),
        }
    }
}

impl std::error::Error for SizeError {}

/// Reads a file, refusing anything that is not a regular file (a FIFO would block forever),
/// a file of the kernel's `/proc` or `/sys` (regular to `stat`, but `/proc/kmsg` blocks until
/// the kernel logs something), and anything larger than `limit` bytes: by its size before
/// reading, and by reading at most one byte more than the limit, so a file that grows or
/// reports no size is bounded. The file is opened without blocking, so a FIFO put in its
/// place between the look and the open cannot hang the run either.
pub fn read_file(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let meta = fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    if kernel_path(path) {
        return Err(io::Error::other(KERNEL_FILE));
    }
    if meta.len() > limit {
        return Err(io::Error::other(too_large(meta.len(), limit)));
    }
    let file = open_nonblocking(path)?;
    // The file opened may not be the one looked at (replaced in between).
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    if kernel_file_system(&file) {
        return Err(io::Error::other(KERNEL_FILE));
    }
    read_bounded(file, meta.len(), limit)
}

const KERNEL_FILE: &str =
    "a file of the kernel's /proc or /sys, not a file kmslint reads (reading it may block)";

/// Whether `path`, links resolved, is under `/proc` or `/sys`, where the kernel's files are
/// (files there report a size of 0 and may block or never end). On Linux the file system of
/// the file opened says it, wherever it is mounted, without resolving every path read.
fn kernel_path(path: &Path) -> bool {
    cfg!(all(unix, not(target_os = "linux")))
        && fs::canonicalize(path).is_ok_and(|p| p.starts_with("/proc") || p.starts_with("/sys"))
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<fs::File> {
    fs::File::open(path)
}

/// Whether `file` is on procfs, sysfs, debugfs or tracefs, wherever they are mounted (a
/// container may mount the host's `/proc` elsewhere): statfs(2)'s file system type.
#[cfg(target_os = "linux")]
#[allow(clippy::unnecessary_cast)]
fn kernel_file_system(file: &fs::File) -> bool {
    use std::os::fd::AsRawFd;
    let mut stat = std::mem::MaybeUninit::<libc::statfs>::uninit();
    // SAFETY: the descriptor is open for the call, and `stat` is written by fstatfs before it
    // is read (only when it succeeds).
    let stat = unsafe {
        if libc::fstatfs(file.as_raw_fd(), stat.as_mut_ptr()) != 0 {
            return false;
        }
        stat.assume_init()
    };
    let kind = stat.f_type as i64;
    [
        libc::PROC_SUPER_MAGIC as i64,
        libc::SYSFS_MAGIC as i64,
        libc::DEBUGFS_MAGIC as i64,
        libc::TRACEFS_MAGIC as i64,
    ]
    .contains(&kind)
}

#[cfg(not(target_os = "linux"))]
fn kernel_file_system(_: &fs::File) -> bool {
    false
}

/// Reads at most `limit` bytes, failing when there are more.
pub fn read_bounded(reader: impl Read, hint: u64, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(hint.min(limit) as usize);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::other(format!(
            "larger than the {} limit (raise it with --max-file-size)",
            format_size(limit)
        )));
    }
    Ok(bytes)
}

/// An IO error as a short phrase ("no such file or directory"), without Rust's "(os error 2)".
pub fn describe_io(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let text = err.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_lowercase(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_bytes_or_with_a_unit() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("64MB"), Ok(DEFAULT_MAX_FILE_SIZE));
        assert_eq!(parse_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("MB").is_err());
        assert!(parse_size("99999999999999999999GB").is_err());
        assert_eq!(format_size(DEFAULT_MAX_FILE_SIZE), "64 MB");
        assert_eq!(format_size(1000), "1000 bytes");
    }

    #[test]
    fn reading_stops_one_byte_past_the_limit() {
        let zeros = io::repeat(0);
        assert!(read_bounded(zeros, 0, 1000).is_err());
        assert_eq!(read_bounded(&b"abc"[..], 3, 3).unwrap(), b"abc");
        assert!(read_file(Path::new("/dev/zero"), 10).is_err());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn kernel_files_are_refused_without_reading_them() {
        // /proc/kmsg blocks until the kernel logs something: it must be refused before.
        for path in [
            "/proc/kmsg",
            "/proc/self/status",
            "/sys/kernel/uevent_seqnum",
        ] {
            if Path::new(path).exists() {
                let err = read_file(Path::new(path), 1 << 20).unwrap_err();
                assert!(describe_io(&err).contains("/proc or /sys"), "{path}: {err}");
            }
        }
        // A link to one is refused as well, by where it leads.
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("status");
        std::os::unix::fs::symlink("/proc/self/status", &link).unwrap();
        assert!(describe_io(&read_file(&link, 1 << 20).unwrap_err()).contains("/proc"));
        // By the file system too, for a /proc mounted elsewhere.
        assert!(kernel_file_system(
            &fs::File::open("/proc/self/status").unwrap()
        ));
        let plain = tempfile::NamedTempFile::new().unwrap();
        assert!(!kernel_file_system(plain.as_file()));
    }

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
