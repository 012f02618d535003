//! Transcripts from Zoom and Teams (WebVTT), SRT, otter.ai and Word, with sidecar headers
//! (fixtures in tests/cli/fixtures/media, written by us after what those tools produce).

use std::io::Write;
use std::path::Path;

use crate::common::{ids, Project};

fn project() -> Project {
    let p = Project::coded();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/fixtures/media");
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        std::fs::copy(&path, p.file("corpus").join(path.file_name().unwrap())).unwrap();
    }
    // A Word document: a title, `Name:` paragraphs, and a continuation paragraph.
    let doc = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>Interview, Westfold</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Priya Raman: We </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>trust</w:t></w:r><w:r><w:t xml:space="preserve"> the council &amp; the officers.</w:t></w:r></w:p>
<w:p><w:r><w:t>It took a while.</w:t></w:r></w:p>
<w:p><w:r><w:t>Owen Hale: Regular meetings.</w:t></w:r></w:p>
</w:body></w:document>"#;
    let mut z = zip::ZipWriter::new(std::fs::File::create(p.file("corpus/word.docx")).unwrap());
    z.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    z.write_all(doc.as_bytes()).unwrap();
    z.finish().unwrap();
    p.write(
        "corpus/word.yml",
        "id: media-word\nspeakers:\n  Priya Raman: Council officer\n  Owen Hale: Resident\n",
    );
    p
}

#[test]
fn each_format_becomes_turns_with_roles_and_timestamps() {
    let p = project();
    let (_, err) = p.run(&["index"], 0);
    assert!(err.contains("7 files: 7 indexed"), "{err}");
    let hits = p.search_json(&["", "--interview", "media-zoom", "-n", "10"]);
    assert_eq!(
        ids(&hits),
        ["media-zoom:1.1", "media-zoom:2.1", "media-zoom:3.1"],
        "consecutive cues merge"
    );
    let first = hits
        .iter()
        .find(|h| h["segment_id"] == "media-zoom:1.1")
        .unwrap();
    assert_eq!(first["text"], "So the council, um, came to the first meeting and just listened. Which we did not expect, honestly.");
    assert_eq!(first["role"], "council_officer");
    assert_eq!(first["timestamp"], "00:00:01");
    assert_eq!(first["meta"]["area"], "Westfold");
    // Teams: voice tags, a missing </v>, entities.
    let teams = p.search_json(&["", "--interview", "media-teams", "-n", "10"]);
    assert_eq!(teams.len(), 2);
    assert!(
        teams
            .iter()
            .any(|h| h["text"] == "Bureaucracy slowed it down & that hurt."
                && h["role"] == "resident")
    );
    // SRT: the speaker only when it changes.
    let srt = p.search_json(&["listened", "--interview", "media-subtitles"]);
    assert_eq!(
        srt[0]["text"],
        "We listened to the residents first. Then we wrote it down."
    );
    // otter.ai: header lines with times, h:mm:ss too.
    let otter = p.search_json(&["mostly", "--interview", "media-otter"]);
    assert_eq!(otter[0]["timestamp"], "01:02:07");
    // Word: runs joined, the title dropped, a continuation paragraph.
    let word = p.search_json(&["", "--interview", "media-word", "-n", "10"]);
    assert_eq!(
        ids(&word),
        ["media-word:1.1", "media-word:1.2", "media-word:2.1"]
    );
    assert!(word
        .iter()
        .any(|h| h["text"] == "We trust the council & the officers."
            && h["role"] == "council_officer"));
    // Coded like any transcript.
    assert!(ids(&p.search_json(&["", "--code", "trust", "-n", "50"]))
        .contains(&"media-word:1.1".to_string()));
}

#[test]
fn speakers_names_are_masked_and_offsets_hold() {
    let p = project();
    let (out, _) = p.run(&["search", "council", "--format", "csv", "-n", "50"], 0);
    assert!(
        !out.contains("Priya") && !out.contains("Raman") && !out.contains("Owen"),
        "{out}"
    );
    let (out, _) = p.run(&["segments", "corpus/zoom.vtt", "--format", "json"], 0);
    assert!(!out.contains("Priya"), "{out}");
    // The REFI-QDA export carries the rendering the offsets point into.
    p.run(&["export", "qdpx", "-o", "m.qdpx", "--with-names"], 0);
    let mut z = zip::ZipArchive::new(std::fs::File::open(p.file("m.qdpx")).unwrap()).unwrap();
    let mut all = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(&mut f, &mut s).unwrap();
        all.push_str(&s);
    }
    assert!(
        all.contains("S1: [00:00:01] So the council, um, came to the first meeting"),
        "rendering in the package"
    );
    // A malformed sidecar is reported with its own location.
    p.write("corpus/zoom.yml", "id: [broken\n");
    let (_, err) = p.run(&["index"], 1);
    assert!(err.contains("corpus/zoom.yml:"), "{err}");
}

#[test]
fn a_word_file_can_be_read_as_a_document_but_a_recording_keeps_its_turns() {
    let p = project();
    p.write(
        "corpus/word.yml",
        "id: media-word\narea: Westfold\nformat: document\n",
    );
    let zoom_sidecar = std::fs::read_to_string(p.file("corpus/zoom.yml")).unwrap();
    p.write(
        "corpus/zoom.yml",
        &format!("{zoom_sidecar}format: document\n"),
    );
    p.run(&["index"], 0);
    let (out, _) = p.run(&["segments", "--format", "json", "corpus/word.docx"], 0);
    let word: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let texts: Vec<&str> = word.iter().map(|h| h["text"].as_str().unwrap()).collect();
    assert_eq!(
        texts,
        [
            "Interview, Westfold",
            "Priya Raman: We trust the council & the officers.",
            "It took a while.",
            "Owen Hale: Regular meetings."
        ]
    );
    assert_eq!(word[3]["segment_id"], "media-word:1.4");
    assert!(word.iter().all(|h| h["role"] == "document"));
    assert_eq!(word[0]["meta"]["area"], "Westfold");
    assert!(word[0]["meta"].get("format").is_none());
    // Names the rest of the corpus declares are still masked in what is searched.
    let hits = p.search_json(&["meetings", "--interview", "media-word"]);
    assert_eq!(hits[0]["text"], "[REDACTED]: Regular meetings.");
    // A recording's rendering is read turn by turn whatever its sidecar says.
    let zoom = p.search_json(&["", "--interview", "media-zoom", "-n", "10"]);
    assert_eq!(zoom[0]["role"], "council_officer");
    assert_eq!(zoom.len(), 3);
}

/// A Zoom recording with no sidecar: who asks is written nowhere but in qcode.toml.
const CALL: &str = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nSam Reid: What changed after the first meeting?\n\n2\n00:00:03.500 --> 00:00:06.000\nPriya Raman: Well, Sam Reid, the council listened.\n\n3\n00:00:06.500 --> 00:00:08.000\nSam Reid: And since then?\n\n4\n00:00:08.500 --> 00:00:11.000\nPriya Raman: Meetings every month.\n";

#[test]
fn a_recording_without_a_sidecar_takes_its_interviewer_from_qcode_toml() {
    let p = Project::coded();
    p.write("corpus/call.vtt", CALL);
    let (_, err) = p.run(&["index"], 0);
    let warned: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("no interviewer"))
        .collect();
    assert_eq!(warned.len(), 1, "{err}");
    assert!(
        warned[0].contains("corpus/call.vtt: no interviewer among the 2 speakers (`S1`, `S2`)")
            && warned[0].contains("`speakers:`")
            && warned[0].contains("[transcript] interviewer"),
        "{err}"
    );
    let all = p.search_json(&["", "--interview", "call", "-n", "10"]);
    assert_eq!(all.len(), 4, "the questions are read as answers");

    p.write(
        "qcode.toml",
        "[transcript]\ninterviewer = [\"  sam REID \"]\n",
    );
    let (_, err) = p.run(&["index"], 0);
    assert!(!err.contains("no interviewer"), "{err}");
    let answers = p.search_json(&["", "--interview", "call", "-n", "10"]);
    assert_eq!(ids(&answers), ["call:2.1", "call:4.1"]);
    let all = p.search_json(&[
        "",
        "--interview",
        "call",
        "-n",
        "10",
        "--include-interviewer",
    ]);
    assert_eq!(all.len(), 4);
    let question = all.iter().find(|h| h["segment_id"] == "call:1.1").unwrap();
    assert_eq!(question["role"], "interviewer");
    assert_eq!(question["interviewer"], true);
    // The interviewer's name is a declared name like any other speaker's: masked in the text.
    let named = all.iter().find(|h| h["segment_id"] == "call:2.1").unwrap();
    assert_eq!(named["text"], "Well, [REDACTED], the council listened.");
    assert!(
        all.iter().all(|h| !h.to_string().contains("Sam Reid")),
        "{all:?}"
    );
}

#[test]
fn a_sidecar_that_declares_the_speaker_wins_over_qcode_toml() {
    let p = Project::coded();
    p.write("corpus/call.vtt", CALL);
    p.write(
        "corpus/call.yml",
        "id: call\nspeakers:\n  Sam Reid: local resident\n  Priya Raman: Council officer\n",
    );
    p.write("qcode.toml", "[transcript]\ninterviewer = [\"Sam Reid\"]\n");
    let (_, err) = p.run(&["index"], 0);
    assert!(err.contains("corpus/call.vtt: no interviewer"), "{err}");
    let hits = p.search_json(&["", "--interview", "call", "-n", "10"]);
    assert_eq!(hits.len(), 4);
    let question = hits.iter().find(|h| h["segment_id"] == "call:1.1").unwrap();
    assert_eq!(question["role"], "resident");
}

#[test]
fn tables_and_documents_are_not_warned_about_having_no_interviewer() {
    let p = project();
    p.write(
        "corpus/rows.csv",
        "id,role,text\nr-1,Council officer,We listened.\nr-2,local resident,We were heard.\n",
    );
    let (_, err) = p.run(&["index"], 0);
    let warned = |file: &str| {
        err.lines()
            .any(|l| l.contains(&format!("corpus/{file}: no interviewer")))
    };
    // Rows of a table are not a conversation; the Word file, read turn by turn, is one.
    assert!(!warned("rows.csv"), "{err}");
    assert!(warned("word.docx"), "{err}");
    p.write(
        "corpus/word.yml",
        "id: media-word\narea: Westfold\nformat: document\n",
    );
    let (_, err) = p.run(&["index"], 0);
    assert!(!err.contains("word.docx"), "{err}");
    assert!(!err.contains("rows.csv"), "{err}");
}
