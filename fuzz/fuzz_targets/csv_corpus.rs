//! Any bytes as a CSV corpus file.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use qcode::roles::RoleTable;
use qcode::text::decode;
use qcode::transcript::parse_csv;

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = decode(data) {
        let _ = parse_csv(Path::new("f.csv"), "f.csv", &d.text, "f", &RoleTable::default());
    }
});
