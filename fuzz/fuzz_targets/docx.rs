//! Any bytes as a Word file, read within small limits: paragraphs or an error, never a panic,
//! and never more memory than the bound (a zip bomb stops at it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use qcode::text::Limits;
use qcode::transcript::media::docx_paragraphs;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        unzipped_mb: 4,
        ..Limits::default()
    };
    let _ = docx_paragraphs(data, &limits);
});
