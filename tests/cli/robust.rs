//! Property tests that no parser panics, whatever it is given: arbitrary bytes, and valid inputs
//! mangled by random edits. Each returns a value or an error. (cargo-fuzz targets for the same
//! entry points live in fuzz/.)

use std::path::Path;

use proptest::prelude::*;

use qcode::codebook::Pattern;
use qcode::roles::RoleTable;
use qcode::text::decode;
use qcode::text::tokens::TokenOptions;
use qcode::transcript::TranscriptSettings;
use qcode::transcript::{parse_csv, parse_transcript, Format};

const TRANSCRIPT: &str = "---\nid: nm-07\narea: Northmoor\nspeakers:\n  I: interviewer\n  P1: Council officer\n  P2: {role: LTO rep, name: Dana}\n---\nI: How has it worked?\n\nP1: [00:01:02] We met monthly.\nIt got better.\n\nP2: Café – £5 😀.\n";
const CSV: &str = "id,interview,role,area,text\nws-1,t1,Resident,North,\"We met, finally.\"\nws-2,t1,Cllr,East,Fine.\n";
const CODEBOOK: &str = "[codebook]\nname = \"x\"\nstem = true\n\n[codes.trust]\nlabel = \"Trust\"\nparent = \"c\"\npatterns = [\"trust\", '\"early win*\"', \"a NEAR/3 b\", \"/x+y/\"]\nexclude = ['\"Local Trust\"']\nmin_hits = 2\n\n[codes.c]\nlabel = \"C\"\n\n[roles.r]\nlabel = \"R\"\naliases = [\"a\"]\n";
const QDE: &str = r#"<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" origin="NVivo"><Users><User guid="U" name="Ann"/></Users><CodeBook><Codes><Code guid="C1" name="T" isCodable="true"><Code guid="C2" name="S" isCodable="true"/></Code></Codes></CodeBook><Sources><TextSource guid="S1" name="one"><PlainTextContent>P1: caf&#233; &amp; tea</PlainTextContent><PlainTextSelection guid="X" startPosition="4" endPosition="8"><Coding guid="K"><CodeRef targetGUID="C2"/></Coding></PlainTextSelection></TextSource></Sources></Project>"#;

/// A valid input with random edits: deletions, insertions of random bytes, duplications.
fn mangled(sample: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let edit = (
        0usize..4,
        any::<prop::sample::Index>(),
        0usize..12,
        prop::collection::vec(any::<u8>(), 0..8),
    );
    prop::collection::vec(edit, 0..6).prop_map(move |edits| {
        let mut b = sample.as_bytes().to_vec();
        for (op, at, len, bytes) in edits {
            let i = at.index(b.len() + 1);
            let j = (i + len).min(b.len());
            match op {
                0 => {
                    b.drain(i..j);
                }
                1 => {
                    b.splice(i..i, bytes);
                }
                2 => {
                    let copy = b[i..j].to_vec();
                    b.splice(i..i, copy);
                }
                _ => {
                    // Swap in a character parsers care about.
                    let special = [
                        b':', b'\n', b'"', b'[', b']', b'{', b'-', b'*', b'/', b'\r', b'<', b'&',
                    ];
                    if i < b.len() {
                        b[i] = special[len % special.len()];
                    }
                }
            }
        }
        b
    })
}

fn input(sample: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![mangled(sample), prop::collection::vec(any::<u8>(), 0..600)]
}

fn roles() -> RoleTable {
    let mut t = RoleTable::default();
    t.add_file(
        Path::new("r.toml"),
        "[roles.interviewer]\nlabel = \"Interviewer\"\naliases = [\"I\"]\n",
    )
    .unwrap();
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn transcripts_never_panic(bytes in input(TRANSCRIPT)) {
        if let Ok(d) = decode(&bytes) {
            let custom = TranscriptSettings {
                speaker_pattern: regex::Regex::new(r"^\*\*(.+?)\*\*:\s*").unwrap().into(),
                skip_lines: vec![regex::Regex::new(r"^\.\. ").unwrap()],
                ..TranscriptSettings::default()
            };
            // Every reading mode, with and without joining split paragraphs.
            let turn = TranscriptSettings { format: Format::Turn, ..TranscriptSettings::default() };
            let document = TranscriptSettings { format: Format::Document, join_split_paragraphs: false, ..TranscriptSettings::default() };
            let joined = TranscriptSettings { format: Format::Document, ..TranscriptSettings::default() };
            for settings in [TranscriptSettings::default(), custom, turn, document, joined] {
                if let Ok((iv, _)) = parse_transcript(Path::new("t.txt"), "t.txt", &d.text, "t", &settings, &roles()) {
                    // Offsets always slice the text they claim to.
                    let chars: Vec<char> = d.text.chars().collect();
                    for s in &iv.segments {
                        prop_assert!(s.start <= s.end && s.end <= chars.len());
                        prop_assert_eq!(chars[s.start..s.end].iter().collect::<String>(), s.text.clone());
                    }
                }
            }
        }
    }

    #[test]
    fn csv_corpora_never_panic(bytes in input(CSV)) {
        if let Ok(d) = decode(&bytes) {
            let _ = parse_csv(Path::new("w.csv"), "w.csv", &d.text, "w", &roles());
        }
    }

    #[test]
    fn codebooks_and_patterns_never_panic(bytes in input(CODEBOOK)) {
        let text = String::from_utf8_lossy(&bytes).to_string();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("c.toml"), &text).unwrap();
        if let Ok((cb, _)) = qcode::codebook::load(dir.path()) {
            // A codebook that loads compiles and codes anything, or names the code that makes
            // it too large to compile.
            match qcode::coding::Matcher::new(&cb) {
                Ok(m) => {
                    let _ = m.code(&text);
                    let _ = qcode::coding::test_examples(&cb);
                }
                Err(e) => prop_assert!(e.to_string().contains("code `"), "{}", e),
            }
        }
        for line in text.lines() {
            for stem in [true, false] {
                let _ = Pattern::parse(line, TokenOptions { stem, case_sensitive: !stem, language: qcode::text::Language::English });
            }
        }
    }

    #[test]
    fn refi_projects_never_panic(bytes in input(QDE)) {
        let text = String::from_utf8_lossy(&bytes).to_string();
        if let Ok(p) = qcode::refi::import::parse_qde(&text) {
            for s in &p.sources {
                for mode in [qcode::refi::import::Positions::CodePoints, qcode::refi::import::Positions::Crlf, qcode::refi::import::Positions::Utf16] {
                    let _ = qcode::refi::import::to_lf_offsets(&s.text, mode);
                }
            }
        }
        let _ = qcode::refi::import::read_qdpx(&bytes);
    }
}
