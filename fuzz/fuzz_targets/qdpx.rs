//! Any bytes as a REFI-QDA package read within small limits: a project (sources outside the
//! package left out, with warnings) or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qcode::refi::import::read_qdpx_within;
use qcode::text::Limits;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        unzipped_mb: 4,
        ..Limits::default()
    };
    let _ = read_qdpx_within(data, &limits);
});
