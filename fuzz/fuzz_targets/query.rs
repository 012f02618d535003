//! Any text as a search query: a query or a located error, never a panic or a stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qcode::index::parse_query;

fuzz_target!(|data: &[u8]| {
    let _ = parse_query(&String::from_utf8_lossy(data));
});
