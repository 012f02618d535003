//! Any text as a transcript's YAML header (and the depth scan that guards it): a value or an
//! error, never a panic, never a hang on deep or wide nesting.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use qcode::roles::RoleTable;
use qcode::text::limits::yaml_too_deep;
use qcode::transcript::{parse_transcript, TranscriptSettings};

fuzz_target!(|data: &[u8]| {
    let yaml = String::from_utf8_lossy(data);
    let _ = yaml_too_deep(&yaml, 16);
    let text = format!("---\n{yaml}\n---\nP1: hello\n");
    let settings = TranscriptSettings::default();
    let _ = parse_transcript(
        Path::new("f.txt"),
        "f.txt",
        &text,
        "f",
        &settings,
        &RoleTable::default(),
    );
});
