//! The language server's framing reader (`kmslint server`'s stdin) on arbitrary bytes: it must
//! never panic, every message it returns must consume input (so a loop over it ends), and no
//! allocation may be much larger than the input, whatever `Content-Length` a header declares:
//! a body is held only as its bytes arrive, and one over the limit is skipped unread.
//!
//! The first byte of an input picks the body limit (0 to 4080 bytes), so that lengths both
//! under and over it are reached.
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use kmslint_server::transport::{Frame, FrameReader, MAX_HEADER_BYTES};
use libfuzzer_sys::fuzz_target;

/// The system allocator, noting the largest single allocation since [`LARGEST`] was reset.
struct Watched;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to `System` unchanged.
unsafe impl GlobalAlloc for Watched {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Watched = Watched;

fuzz_target!(|data: &[u8]| {
    let (limit, input) = match data.split_first() {
        Some((&first, rest)) => (u64::from(first) * 16, rest),
        None => (0, data),
    };
    LARGEST.store(0, Ordering::Relaxed);
    let mut reader = FrameReader::with_max_body(input, limit);
    loop {
        let before = reader.offset();
        match reader.next_frame() {
            Ok(Some(frame)) => {
                assert!(reader.offset() > before, "a message that consumed nothing");
                if let Frame::Rejected(rejection) = frame {
                    // The answer is a framed message of valid JSON (with `"id": null` it is
                    // no message lsp-server reads, hence an InvalidRequest).
                    let answer = rejection.frame();
                    let mut again = FrameReader::with_max_body(&answer[..], u64::MAX);
                    match again.next_frame() {
                        Ok(Some(Frame::Message(_))) => {}
                        Ok(Some(Frame::Rejected(r))) => {
                            assert_eq!(r.code, -32600, "{}: {}", r.message, rejection.message)
                        }
                        other => panic!("{other:?}: {}", rejection.message),
                    }
                }
            }
            Ok(None) | Err(_) => break,
        }
        assert!(reader.offset() <= input.len() as u64, "read past the input");
    }
    // The body buffer starts at 64 KiB at most and doubles as bytes arrive; parsing holds a
    // few copies of the body.
    let bound = (64 << 10) + MAX_HEADER_BYTES + 8 * input.len();
    let largest = LARGEST.load(Ordering::Relaxed);
    assert!(
        largest <= bound,
        "an allocation of {largest} bytes for {} bytes of input",
        input.len()
    );
});
