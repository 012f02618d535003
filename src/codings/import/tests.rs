//! The import plan on hand-made documents: spans over two segments, approximate texts, rows
//! not located, documents not in the corpus, codes made from paths.

use super::*;

const TEXT: &str = "Ann: We met the council twice.\n\nBob: They never listened to us, \
                    not once in ten years.\n\nAnn: So we stopped going.";

fn doc() -> Document {
    let seg = |id: &str, s: &str| {
        let start = TEXT.find(s).unwrap();
        (id.to_string(), start, start + s.chars().count())
    };
    Document {
        interview: "hall".into(),
        source: "corpus/Hall.txt".into(),
        text: TEXT.into(),
        segments: vec![
            seg("hall:1.1", "We met the council twice."),
            seg(
                "hall:2.1",
                "They never listened to us, not once in ten years.",
            ),
            seg("hall:3.1", "So we stopped going."),
        ],
        table: false,
    }
}

fn row(row: usize, document: &str, code: &str, text: &str) -> SheetRow {
    SheetRow {
        row,
        document: document.into(),
        codes: vec![code.into()],
        text: text.into(),
    }
}

fn plan(rows: Vec<SheetRow>) -> CodingsImport {
    let sheet = Sheet {
        rows,
        headers: ["Document name".into(), "Code".into(), "Segment".into()],
    };
    let opts = ImportOptions {
        coder: "ann",
        time: "2026-01-01T00:00:00Z",
        name: "sheet.csv",
    };
    plan_codings(&sheet, &[doc()], &Codebook::empty(), opts)
}

#[test]
fn a_text_over_two_turns_codes_both_segments() {
    let p = plan(vec![row(
        2,
        "HALL.TXT",
        "Relations > Council",
        "the council twice. Bob: They never listened",
    )]);
    assert_eq!((p.exact, p.approximate), (1, 0));
    let ids: Vec<&str> = p.rows.iter().map(|r| r.segment_id.as_str()).collect();
    assert_eq!(ids, ["hall:1.1", "hall:2.1"]);
    let r = &p.rows[0];
    assert_eq!(r.code, "council");
    assert_eq!((r.coder.as_str(), r.selection.as_str()), ("ann", "2"));
    assert_eq!(r.interview, "hall");
    assert_eq!(r.source, "corpus/Hall.txt");
    let (s, e) = (r.start.unwrap(), r.end.unwrap());
    assert_eq!(
        &TEXT[s..e],
        "the council twice.\n\nBob: They never listened"
    );
    // "the council twice." is 18 of the 25 characters of the first segment.
    assert!((r.overlap.unwrap() - 18.0 / 25.0).abs() < 1e-9);
    assert_eq!(p.tree.new_codes, ["relations", "council"]);
}

#[test]
fn typos_are_approximate_and_other_text_is_not_located_with_its_closest() {
    let p = plan(vec![
        row(
            2,
            "hall",
            "Listening",
            "They nevr listened to us not once in ten years",
        ),
        row(
            3,
            "hall",
            "Listening",
            "The weather was lovely all summer long",
        ),
        row(4, "nowhere", "Listening", "x"),
        row(5, "Nowhere.docx", "Listening", "x"),
        row(6, "hall", "", "x"),
    ]);
    assert_eq!((p.exact, p.approximate), (0, 1));
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.rows[0].segment_id, "hall:2.1");
    assert_eq!(p.not_located.len(), 1);
    assert_eq!(p.not_located[0].row, 3);
    assert!(p.not_located[0].score < crate::text::locate::APPROXIMATE_THRESHOLD);
    assert_eq!(p.missing_documents, [("nowhere".to_string(), 2)]);
    assert_eq!(
        p.skipped,
        [Skipped {
            row: 6,
            reason: "no code".into()
        }]
    );
}

#[test]
fn a_table_interview_gets_offsets_within_its_rows() {
    let mut d = doc();
    d.table = true;
    d.text = "We met the council twice.\n\nThey never listened.".into();
    d.segments = vec![("r1".into(), 0, 25), ("r2".into(), 27, 47)];
    let sheet = Sheet {
        rows: vec![row(2, "hall", "A", "twice. They never")],
        headers: Default::default(),
    };
    let opts = ImportOptions {
        coder: "ann",
        time: "",
        name: "s",
    };
    let p = plan_codings(&sheet, &[d], &Codebook::empty(), opts);
    let spans: Vec<_> = p
        .rows
        .iter()
        .map(|r| (r.start.unwrap(), r.end.unwrap()))
        .collect();
    assert_eq!(spans, [(19, 25), (0, 10)]);
}

#[test]
fn excerpts_are_one_short_line() {
    assert_eq!(excerpt("a\n\nb  c", 0, 7), "a b c");
    let long = "word ".repeat(40);
    let e = short(&long);
    assert!(e.ends_with(" …") && e.chars().count() <= 82, "{e}");
}
