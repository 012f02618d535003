//! `qcode import codings`: a coded-segments sheet (MAXQDA-style CSV and XLSX, a Taguette-style
//! CSV with semicolons and a BOM) is located in the corpus, exactly through curly quotes, dashes
//! and line breaks, approximately through typos, across turns; what is not located is listed with
//! its closest match; an existing codings file is refused without --append; the code paths become
//! a codebook file that checks. And every one of pdpilot-dev's 150 coded segments is located.

use std::path::Path;

use crate::common::Project;

const HALL: &str = "---
id: hall-01
speakers:
  I: interviewer
  R: Resident
---
I: How did the council treat you?

R: At first – honestly – they “listened”, but nothing changed for months.

I: And later?

R: Later the officers came to every meeting. We finally felt heard.
";

/// The sheet's rows (document, code path, segment text), as MAXQDA writes them: straight quotes
/// and hyphens where the transcript has curly ones and dashes, a text over three turns, typos,
/// a text that is not there, a document that is not in the corpus.
const ROWS: [[&str; 3]; 7] = [
    [
        "hall-01",
        "Relations > Listening",
        "At first - honestly - they \"listened\", but nothing changed for months.",
    ],
    [
        "hall-01.txt",
        "Relations > Trust",
        "but nothing changed for months.\nI: And later?\nR: Later the officers came",
    ],
    [
        "HALL-01",
        "Relations\\Officers",
        "Later the oficers came to evry meeting. We finally felt heard.",
    ],
    [
        "northmoor-01",
        "Money::Honesty",
        "Be honest about the money.",
    ],
    [
        "hall-01",
        "Relations > Listening",
        "The weather was lovely all summer and we went to the seaside",
    ],
    ["nowhere-99", "Money", "anything"],
    ["Nowhere-99.docx", "Money", "anything else"],
];

const HEADER: [&str; 5] = ["Color", "Document name", "Code", "Segment", "Created by"];

fn project() -> Project {
    let p = Project::coded();
    p.write("corpus/hall-01.txt", HALL);
    p
}

fn csv_sheet() -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).unwrap();
    for [doc, code, text] in ROWS {
        w.write_record(["#ff0000", doc, code, text, "ann"]).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

fn xlsx_sheet() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, [doc, code, text]) in ROWS.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, v) in ["#ff0000", doc, code, text, "ann"].iter().enumerate() {
            ws.write_string(r, c as u16, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

fn codings(p: &Project, rel: &str) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(p.file(rel)).unwrap();
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        qcode::codings::COLUMNS
    );
    r.records().map(Result::unwrap).collect()
}

/// What every form of the sheet gives: the summary's counts and lists, and the rows.
fn check_import(p: &Project, stem: &str, stderr: &str) {
    assert!(
        stderr.contains("located: 3 exactly, 1 approximately, 1 not at all"),
        "{stderr}"
    );
    assert!(
        stderr.contains("row 6 (hall-01): \"The weather was lovely"),
        "{stderr}"
    );
    assert!(stderr.contains("closest:"), "{stderr}");
    assert!(
        stderr.contains("2 row(s) name 1 document(s) not in the corpus: nowhere-99 (2)"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "4 new code(s) in codebook/{stem}.toml (2 existing reused)"
        )),
        "{stderr}"
    );
    let rows = codings(p, &format!("codings/{stem}.csv"));
    let got: Vec<(&str, &str, &str)> = rows.iter().map(|r| (&r[5], &r[0], &r[1])).collect();
    assert_eq!(
        got,
        [
            ("2", "hall-01:2.1", "listening"),
            ("3", "hall-01:2.1", "trust"),
            ("3", "hall-01:3.1", "trust"),
            ("3", "hall-01:4.1", "trust"),
            ("4", "hall-01:4.1", "officers"),
            ("5", "northmoor-01:4.1", "honesty"),
        ]
    );
    for r in &rows {
        assert_eq!((&r[2], &r[10], &r[11]), ("ann", "", ""), "{r:?}");
        assert_eq!(&r[4], format!("corpus/{}.txt", &r[6]), "{r:?}");
        assert!(!r[12].is_empty(), "time: {r:?}");
    }
    // Offsets point at the located words in the source text.
    let text: Vec<char> = HALL.chars().collect();
    let span = |r: &csv::StringRecord| -> String {
        let (s, e): (usize, usize) = (r[7].parse().unwrap(), r[8].parse().unwrap());
        text[s..e].iter().collect()
    };
    assert_eq!(
        span(&rows[0]),
        "At first – honestly – they “listened”, but nothing changed for months."
    );
    assert_eq!(
        span(&rows[1]),
        "but nothing changed for months.\n\nI: And later?\n\nR: Later the officers came"
    );
    assert_eq!(
        span(&rows[4]),
        "Later the officers came to every meeting. We finally felt heard."
    );
    assert_eq!(&rows[4][9], ROWS[2][2], "the sheet's text is kept");
    // A whole turn, and 23 of the 64 characters of the last.
    assert_eq!(&rows[0][3], "1.000");
    assert_eq!(&rows[3][3], "0.359");
}

#[test]
fn a_csv_sheet_is_located_and_refused_a_second_time_without_append() {
    let p = project();
    p.write("sheet.csv", &csv_sheet());
    // Exit 1: done, but some rows did not come in.
    let (_, err) = p.run(&["import", "codings", "sheet.csv", "--coder", "ann"], 1);
    check_import(&p, "sheet", &err);
    let toml = std::fs::read_to_string(p.file("codebook/sheet.toml")).unwrap();
    assert!(toml.contains("[codes.honesty]"), "{toml}");
    assert!(toml.contains("parent = \"money\""), "{toml}");
    assert!(
        !toml.contains("[codes.trust]"),
        "reused, not redefined: {toml}"
    );
    p.run(&["codebook", "check"], 0);

    let before = std::fs::read(p.file("codings/sheet.csv")).unwrap();
    let (_, err) = p.run(&["import", "codings", "sheet.csv", "--coder", "ann"], 2);
    assert!(
        err.contains("codings/sheet.csv already exists") && err.contains("--append"),
        "{err}"
    );
    assert_eq!(std::fs::read(p.file("codings/sheet.csv")).unwrap(), before);

    let (_, err) = p.run(
        &[
            "import",
            "codings",
            "sheet.csv",
            "--coder",
            "bo",
            "--append",
        ],
        1,
    );
    assert!(err.contains("no new codes (6 existing reused)"), "{err}");
    let rows = codings(&p, "codings/sheet.csv");
    assert_eq!(rows.len(), 12);
    assert_eq!((&rows[0][2], &rows[11][2]), ("ann", "bo"));
    assert!(!p.file("codebook/sheet_2.toml").exists());
}

#[test]
fn an_xlsx_sheet_reads_like_the_csv() {
    let p = project();
    p.write_bytes("coded segments.xlsx", &xlsx_sheet());
    let (_, err) = p.run(
        &["import", "codings", "coded segments.xlsx", "--coder", "ann"],
        1,
    );
    check_import(&p, "coded segments", &err);
}

#[test]
fn a_taguette_sheet_with_semicolons_a_bom_and_named_columns() {
    let p = project();
    p.write(
        "highlights.csv",
        "\u{feff}id;document;tag;content\n1;hall-01;listening;\"they “listened”, but\"\n",
    );
    let (_, err) = p.run(
        &["import", "codings", "highlights.csv", "--coder", "ann"],
        0,
    );
    assert!(
        err.contains("located: 1 exactly, 0 approximately, 0 not at all"),
        "{err}"
    );
    assert!(
        err.contains("1 new code(s) in codebook/highlights.toml"),
        "{err}"
    );
    // Other headers: named by flag, by header or by number.
    p.write(
        "other.tsv",
        "who\tquote\ttheme\nhall-01\tfelt heard\tvoice\n",
    );
    let args = ["import", "codings", "other.tsv", "--coder", "ann"];
    let (_, err) = p.run(&args, 2);
    assert!(err.contains("the sheet has no document column"), "{err}");
    assert!(err.contains("--document-col"), "{err}");
    assert!(!p.file("codings/other.csv").exists());
    let mut named = args.to_vec();
    named.extend([
        "--document-col",
        "WHO",
        "--text-col",
        "2",
        "--code-col",
        "theme",
    ]);
    let (_, err) = p.run(&named, 0);
    assert!(err.contains("located: 1 exactly"), "{err}");
}

#[test]
fn a_sheet_that_cannot_be_read_writes_nothing() {
    let p = project();
    p.write_bytes("broken.xlsx", b"PK\x03\x04 not really a zip");
    let (_, err) = p.run(&["import", "codings", "broken.xlsx", "--coder", "ann"], 2);
    assert!(
        err.contains("broken.xlsx: not a readable XLSX file"),
        "{err}"
    );
    let (_, err) = p.run(&["import", "codings", "missing.csv", "--coder", "ann"], 2);
    assert!(err.contains("cannot read missing.csv"), "{err}");
    assert!(!p.file("codings").exists());
    assert!(!p.file("codebook/broken.toml").exists());
    p.write("sheet.csv", &csv_sheet());
    let (_, err) = p.run(&["import", "codings", "sheet.csv", "--coder", "all"], 2);
    assert!(err.contains("`all` is a reserved coder name"), "{err}");
    assert!(!p.file("codings").exists());
    // Read, but nothing located: nothing written either.
    p.write(
        "elsewhere.csv",
        "document,code,segment\nhall-01,A,words that are not there at all\n",
    );
    let (_, err) = p.run(&["import", "codings", "elsewhere.csv", "--coder", "ann"], 1);
    assert!(
        err.contains("0 exactly, 0 approximately, 1 not at all"),
        "{err}"
    );
    assert!(err.contains("nothing written"), "{err}");
    assert!(!p.file("codings").exists());
    assert!(!p.file("codebook/elsewhere.toml").exists());
}

/// pdpilot-dev (../shared, BSD-3-Clause, not part of the repository): four real interviews coded
/// in MAXQDA, and the 150 segments their authors coded. Every one is located.
#[test]
fn every_pdpilot_segment_is_located() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/pdpilot-dev");
    if !crate::common::data(
        data.join("coded_segments.csv").exists(),
        &format!(
            "{} is not here (it is not part of the repository)",
            data.display()
        ),
    ) {
        return;
    }
    let p = Project::empty();
    for n in 1..=4 {
        let name = format!("P{n}.txt");
        let text = std::fs::read(data.join("transcripts").join(&name)).unwrap();
        p.write_bytes(&format!("corpus/{name}"), &text);
    }
    let sheet = data.join("coded_segments.csv");
    let (_, err) = p.run(
        &[
            "import",
            "codings",
            sheet.to_str().unwrap(),
            "--coder",
            "authors",
        ],
        0,
    );
    let counts = err
        .lines()
        .find(|l| l.starts_with("located: "))
        .unwrap_or_else(|| panic!("{err}"));
    let n: Vec<usize> = counts
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|s| s.parse().ok())
        .collect();
    assert_eq!(n.len(), 3, "{counts}");
    assert_eq!((n[0] + n[1], n[2]), (150, 0), "{err}");
    let rows = codings(&p, "codings/coded_segments.csv");
    let selections: std::collections::BTreeSet<&str> = rows.iter().map(|r| &r[5]).collect();
    assert_eq!(selections.len(), 150);
}
