//! Any bytes as a REFI-QDA package (.qdpx) or project.qde.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qcode::refi::import::{parse_qde, read_qdpx, to_lf_offsets, Positions};

fuzz_target!(|data: &[u8]| {
    let _ = read_qdpx(data);
    if let Ok(p) = parse_qde(&String::from_utf8_lossy(data)) {
        for s in &p.sources {
            for mode in [Positions::CodePoints, Positions::Crlf, Positions::Utf16] {
                let _ = to_lf_offsets(&s.text, mode);
            }
        }
    }
});
