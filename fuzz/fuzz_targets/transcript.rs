//! Any bytes as a transcript file: decoding, then parsing with the default and a custom speaker
//! pattern. It must return a value or an error, never panic; offsets must slice the text.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use qcode::roles::RoleTable;
use qcode::transcript::TranscriptSettings;
use qcode::text::decode;
use qcode::transcript::parse_transcript;

fuzz_target!(|data: &[u8]| {
    let Ok(d) = decode(data) else { return };
    let custom = TranscriptSettings {
        speaker_pattern: regex::Regex::new(r"^\*\*(.+?)\*\*:\s*").unwrap().into(),
        ..TranscriptSettings::default()
    };
    let roles = RoleTable::default();
    for settings in [TranscriptSettings::default(), custom] {
        if let Ok((iv, _)) = parse_transcript(Path::new("f.txt"), "f.txt", &d.text, "f", &settings, &roles) {
            let chars: Vec<char> = d.text.chars().collect();
            for s in &iv.segments {
                assert!(s.start <= s.end && s.end <= chars.len());
                assert_eq!(chars[s.start..s.end].iter().collect::<String>(), s.text);
            }
        }
    }
});
