//! Exports: golden files for every export and option on the small coded fixture (the expected
//! matrices were worked out by hand from the fixture's five respondent segments; see the
//! comments), determinism across thread counts, Excel safety, names and redaction, atomic writes.

use std::path::Path;

use crate::common::Project;

fn golden(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cli/golden")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn export(p: &Project, args: &[&str]) -> String {
    let mut all = vec!["export"];
    all.extend_from_slice(args);
    p.run(&all, 0).0
}

// The fixture's respondent segments and their codes (trust, dialogue are components; council
// and its child officers are stakeholders):
//   eastbrook-01:2.1 Resident          trust ×2, council ×1
//   eastbrook-01:4.1 Resident          trust ×1, officers ×1 (so council too)
//   northmoor-01:2.1 Council officer   dialogue ×1
//   northmoor-01:2.2 Council officer   dialogue ×1
//   northmoor-01:4.1 LTO representative trust ×1, dialogue ×1

#[test]
fn crosstab_component_by_role_in_each_unit() {
    let p = Project::coded();
    // trust: LTO 1 + Resident 2 = 3 segments; dialogue: Council officer 2 + LTO 1 = 3; column
    // totals count each segment once (northmoor 4.1 has both components): 2, 1, 2; all 5.
    assert_eq!(
        export(&p, &["crosstab", "--rows", "component", "--cols", "role"]),
        golden("crosstab_segments.csv")
    );
    assert_eq!(
        export(
            &p,
            &[
                "crosstab",
                "--rows",
                "component",
                "--cols",
                "role",
                "--count",
                "interviews"
            ]
        ),
        golden("crosstab_interviews.csv")
    );
    // Hits: trust LTO 1, Resident 2+1; dialogue Council officer 1+1, LTO 1; margins are sums.
    assert_eq!(
        export(
            &p,
            &[
                "crosstab",
                "--rows",
                "component",
                "--cols",
                "role",
                "--count",
                "hits"
            ]
        ),
        golden("crosstab_hits.csv")
    );
    assert_eq!(
        export(
            &p,
            &[
                "crosstab",
                "--rows",
                "component",
                "--cols",
                "role",
                "--percent",
                "row"
            ]
        ),
        golden("crosstab_rowpct.csv")
    );
    assert_eq!(
        export(
            &p,
            &[
                "crosstab",
                "--rows",
                "component",
                "--cols",
                "role",
                "--percent",
                "col"
            ]
        ),
        golden("crosstab_colpct.csv")
    );
    assert_eq!(
        export(
            &p,
            &[
                "crosstab",
                "--rows",
                "component",
                "--cols",
                "role",
                "--percent",
                "total"
            ]
        ),
        golden("crosstab_totalpct.csv")
    );
}

#[test]
fn crosstab_split_by_a_third_variable_and_other_variables() {
    let p = Project::coded();
    // Eastbrook: trust Resident 2; Northmoor: trust LTO 1, dialogue Council officer 2, LTO 1.
    assert_eq!(
        export(
            &p,
            &[
                "crosstab",
                "--rows",
                "component",
                "--cols",
                "role",
                "--by",
                "meta:area"
            ]
        ),
        golden("crosstab_by_area.csv")
    );
    // Mentioned stakeholders: council reaches both Eastbrook segments (one through officers).
    assert_eq!(
        export(&p, &["crosstab", "--rows", "stakeholder", "--cols", "role"]),
        golden("crosstab_stakeholder.csv")
    );
    let (_, err) = p.run(
        &["export", "crosstab", "--rows", "colour", "--cols", "role"],
        2,
    );
    assert!(err.contains("unknown variable `colour`"), "{err}");
    let (_, err) = p.run(
        &[
            "export",
            "crosstab",
            "--rows",
            "role",
            "--cols",
            "meta:area",
            "--count",
            "hits",
        ],
        2,
    );
    assert!(err.contains("--count hits needs codes"), "{err}");
}

#[test]
fn cooccurrence_counts_and_jaccard() {
    let p = Project::coded();
    // trust 3, dialogue 3, council 2, officers 1; trust∩council 2 → Jaccard 2/(3+2−2) = 0.667.
    assert_eq!(export(&p, &["cooccur"]), golden("cooccur.csv"));
    assert_eq!(
        export(&p, &["cooccur", "--measure", "jaccard"]),
        golden("cooccur_jaccard.csv")
    );
    assert_eq!(
        export(&p, &["cooccur", "--of", "component"]),
        golden("cooccur_component.csv")
    );
}

#[test]
fn quotes_wide_and_framework() {
    let p = Project::coded();
    assert_eq!(export(&p, &["quotes"]), golden("quotes.csv"));
    assert_eq!(
        export(&p, &["quotes", "--code", "council", "--role", "resident"]),
        golden("quotes_council.csv")
    );
    assert_eq!(export(&p, &["wide"]), golden("wide.csv"));
    assert_eq!(
        export(&p, &["wide", "--counts", "--dimension", "component"]),
        golden("wide_counts.csv")
    );
    assert_eq!(
        export(&p, &["framework", "--max-chars", "40"]),
        golden("framework.csv")
    );
}

/// A framework cell is bounded: past --max-cell-chars its quotes are counted, not held.
#[test]
fn a_full_framework_cell_says_how_many_quotes_it_leaves_out() {
    let p = Project::coded();
    p.run(&["index"], 0);
    let whole = export(&p, &["framework", "--max-chars", "40"]);
    let capped = export(
        &p,
        &["framework", "--max-chars", "40", "--max-cell-chars", "60"],
    );
    assert_ne!(whole, capped);
    assert!(capped.contains("more quote(s) left out: the cell is full (--max-cell-chars)"));
    assert!(!whole.contains("left out"));
    let (_, err) = p.run(
        &[
            "export",
            "framework",
            "--max-cell-chars",
            "0",
            "-o",
            "f.csv",
        ],
        2,
    );
    assert!(err.contains("--max-cell-chars"), "{err}");
}

#[test]
fn same_bytes_whatever_the_thread_count() {
    let p = Project::coded();
    p.run(&["index"], 0);
    let cases: &[&[&str]] = &[
        &["quotes"],
        &["wide", "--counts"],
        &[
            "crosstab",
            "--rows",
            "code",
            "--cols",
            "role",
            "--by",
            "meta:area",
            "--percent",
            "row",
        ],
        &["cooccur", "--measure", "jaccard"],
        &["framework"],
    ];
    for args in cases {
        for fmt in ["csv", "json", "xlsx"] {
            let mut outs = Vec::new();
            for threads in ["1", "2"] {
                let file = p.file(&format!("out-{threads}.{fmt}"));
                let mut all = vec!["export"];
                all.extend_from_slice(args);
                let f = file.to_str().unwrap().to_string();
                all.extend(["-o", &f]);
                let out = p
                    .qcode(&all)
                    .env("RAYON_NUM_THREADS", threads)
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{args:?} {fmt}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                outs.push(std::fs::read(&file).unwrap());
            }
            assert_eq!(
                outs[0], outs[1],
                "{args:?} as {fmt} differs between 1 and 2 threads"
            );
        }
    }
}

#[test]
fn streamed_listings_do_not_depend_on_the_window() {
    let p = Project::coded();
    for args in [
        &["export", "quotes"][..],
        &["export", "wide", "--counts"],
        &["export", "quotes", "--excel", "--code", "council"],
        &["export", "framework", "--of", "component"],
        &[
            "export",
            "framework",
            "--of",
            "stakeholder",
            "--format",
            "json",
        ],
    ] {
        let whole = p.qcode(args).output().unwrap();
        let tiny = p
            .qcode(args)
            .env("QCODE_EXPORT_WINDOW", "2")
            .output()
            .unwrap();
        assert!(whole.status.success() && tiny.status.success());
        assert!(whole.stdout.len() > 300);
        assert_eq!(whole.stdout, tiny.stdout, "{args:?}");
    }
}

#[test]
fn excel_csv_has_bom_crlf_and_no_live_formulas() {
    let p = Project::coded();
    p.write(
        "corpus/sums.txt",
        "P1: =SUM(A1:A9) was the council's answer.\n\nP1: @trust me, +1 from the council\n",
    );
    let out = p
        .qcode(&["export", "quotes", "--excel", "--interview", "sums"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with('\u{feff}'), "BOM");
    assert!(text.contains("\r\n"), "CRLF");
    assert!(
        // The meta: columns are the corpus's (area, mode), whatever the filter.
        text.contains(",'=SUM(A1:A9) was the council's answer.,,\r\n"),
        "{text}"
    );
    assert!(
        text.contains(",'@trust me, +1 from the council")
            || text.contains("\"'@trust me, +1 from the council\""),
        "{text}"
    );
    assert!(!text.contains(",=SUM"), "{text}");
    // Plain CSV is left exactly as written.
    let (plain, _) = p.run(&["export", "quotes", "--interview", "sums"], 0);
    assert!(plain.contains(",=SUM(A1:A9)"), "{plain}");
}

#[test]
fn names_are_masked_unless_asked_for_and_redaction_lists_apply() {
    let p = Project::coded();
    p.write(
        "corpus/named.txt",
        "---\nid: named-01\narea: Westfold\nspeakers:\n  P1: {role: Resident, name: Maya Okafor}\n---\nP1: Maya Okafor here. The council on Fenwick Road listened; ask Maya.\n",
    );
    let (out, _) = p.run(&["export", "quotes", "--interview", "named-01"], 0);
    assert!(!out.contains("Maya") && !out.contains("Okafor"), "{out}");
    assert!(
        out.contains("[REDACTED] here. The council on Fenwick Road listened; ask [REDACTED]."),
        "{out}"
    );
    let (out, _) = p.run(
        &[
            "export",
            "quotes",
            "--interview",
            "named-01",
            "--with-names",
        ],
        0,
    );
    assert!(
        out.lines().next().unwrap().contains("speaker_name"),
        "{out}"
    );
    assert!(out.contains("Maya Okafor here."), "{out}");
    p.write("redact.txt", "fenwick road\n# streets\n");
    let (out, _) = p.run(&["export", "framework", "--redact", "redact.txt"], 0);
    assert!(out.contains("The council on [REDACTED] listened"), "{out}");
    assert!(!out.contains("Maya"), "{out}");
    // Search takes the same list.
    let (out, _) = p.run(
        &[
            "search",
            "listened",
            "--interview",
            "named-01",
            "--redact",
            "redact.txt",
        ],
        0,
    );
    assert!(
        out.contains("[REDACTED]") && !out.contains("Fenwick") && !out.contains("Maya"),
        "{out}"
    );
}

#[test]
fn xlsx_has_a_sheet_per_table_and_an_about_sheet() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let p = Project::coded();
    p.run(
        &[
            "export",
            "crosstab",
            "--rows",
            "component",
            "--cols",
            "role",
            "--by",
            "meta:area",
            "-o",
            "ct.xlsx",
        ],
        0,
    );
    let mut wb: Xlsx<_> = open_workbook(p.file("ct.xlsx")).unwrap();
    assert_eq!(wb.sheet_names(), ["Eastbrook", "Northmoor", "about"]);
    let north = wb.worksheet_range("Northmoor").unwrap();
    // The header in row 1, data from row 2: what pandas and readxl read without options.
    assert_eq!(
        north.get_value((0, 0)),
        Some(&Data::String("component \\ role".into()))
    );
    assert_eq!(north.get_value((1, 0)), Some(&Data::String("trust".into())));
    assert_eq!(
        north.get_value((2, 1)),
        Some(&Data::Float(2.0)),
        "dialogue × Council officer"
    );
    let about = wb.worksheet_range("about").unwrap();
    let facts: Vec<String> = about.rows().map(|r| format!("{}={}", r[0], r[1])).collect();
    assert!(
        facts.contains(&"codebook=test codebook".to_string()),
        "{facts:?}"
    );
    assert!(
        facts.contains(&"codebook version=0.3".to_string()),
        "{facts:?}"
    );
    assert!(
        facts
            .iter()
            .any(|f| f.starts_with("codebook hash (blake3)=") && f.len() > 40),
        "{facts:?}"
    );
    assert!(
        facts.contains(&"respondent segments=5".to_string()),
        "{facts:?}"
    );
    assert!(
        facts.iter().any(|f| f.starts_with("sheet Northmoor=")),
        "each sheet's title is on the about sheet: {facts:?}"
    );
}

/// Values that Excel refuses as sheet names, cells longer than a cell may be and control
/// characters: the workbook is written, and the one warning names what was cut.
#[test]
fn xlsx_takes_any_value_and_any_length() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let p = Project::coded();
    let long = "We trust the council. ".repeat(2_000);
    p.write(
        "corpus/long.txt",
        &format!("---\nid: long-01\narea: \"'Quoted: [area]'\"\n---\nP1: {long}\n\nP1: trust \u{7}bell\n"),
    );
    let args = ["export", "quotes", "--code", "trust", "-o", "q.xlsx"];
    let (_, err) = p.run(&args, 0);
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    assert!(
        err.contains("1 cell(s) longer than Excel's limit of 32767 characters were cut")
            && err.contains("row long-01")
            && err.contains("column text"),
        "{err}"
    );
    assert!(!err.contains("disk"), "{err}");
    let mut wb: Xlsx<_> = open_workbook(p.file("q.xlsx")).unwrap();
    let quotes = wb.worksheet_range("quotes").unwrap();
    let texts: Vec<String> = quotes.rows().map(|r| r[r.len() - 3].to_string()).collect();
    assert!(texts.iter().any(|t| t.contains("[…cut: ")), "{texts:?}");
    assert!(texts.iter().any(|t| t == "trust bell"), "{texts:?}");
    // The CSV keeps the whole text.
    let (csv, _) = p.run(&["export", "quotes", "--code", "trust"], 0);
    assert!(csv.contains(long.trim_end()), "whole in CSV");

    let args = [
        "export",
        "crosstab",
        "--rows",
        "component",
        "--cols",
        "role",
        "--by",
        "meta:area",
        "-o",
        "ct.xlsx",
    ];
    let (_, err) = p.run(&args, 0);
    assert!(!err.contains("warning"), "{err}");
    let wb: Xlsx<_> = open_workbook(p.file("ct.xlsx")).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["Quoted_ _area_", "Eastbrook", "Northmoor", "about"]
    );
    let _ = Data::Empty;
}

#[test]
fn json_records_the_codebook() {
    let p = Project::coded();
    let (out, _) = p.run(&["export", "cooccur", "--format", "json"], 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["meta"]["codebook_version"], "0.3");
    assert_eq!(v["meta"]["segments"], 5);
    assert_eq!(v["tables"][0]["rows"][0][1], 3);
}

#[test]
fn failed_exports_leave_no_file_behind() {
    let p = Project::coded();
    // A missing folder: an error, nothing written.
    let (_, err) = p.run(&["export", "quotes", "-o", "no/such/dir/q.csv"], 2);
    assert!(err.contains("cannot write to no/such/dir"), "{err}");
    // A bad option after -o: the existing file is untouched, and no temporary file is left.
    p.write("keep.csv", "old\n");
    p.run(
        &[
            "export", "crosstab", "--rows", "nope", "--cols", "role", "-o", "keep.csv",
        ],
        2,
    );
    assert_eq!(
        std::fs::read_to_string(p.file("keep.csv")).unwrap(),
        "old\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(p.path())
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().to_string();
            (n.starts_with(".tmp") || n.starts_with(".qcode-tmp-")).then_some(n)
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // A file where a folder should be.
    let (_, err) = p.run(&["export", "quotes", "-o", "keep.csv/q.csv"], 2);
    assert!(err.contains("cannot write to keep.csv"), "{err}");
    let (_, err) = p.run(&["export", "quotes", "--format", "xlsx"], 2);
    assert!(err.contains("give -o FILE.xlsx"), "{err}");
}

#[test]
fn terminal_table_is_aligned() {
    let p = Project::coded();
    let (out, _) = p.run(
        &[
            "export",
            "crosstab",
            "--rows",
            "role",
            "--cols",
            "component",
            "--format",
            "table",
        ],
        0,
    );
    assert_eq!(out, golden("crosstab_table.txt"));
}

/// Exports take search's filters, --speaker included, and keep the same segments search finds.
#[test]
fn exports_filter_as_search_does() {
    let p = Project::coded();
    let listed = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["export", "wide"];
        all.extend_from_slice(args);
        let (out, _) = p.run(&all, 0);
        let mut ids: Vec<String> = csv::Reader::from_reader(out.as_bytes())
            .records()
            .map(|r| r.unwrap()[0].to_string())
            .collect();
        ids.sort();
        ids
    };
    for filter in [
        &["--speaker", "p2"][..],
        &["--role", "resident"],
        &["--where", "area=Northmoor"],
        &["--code", "dialogue", "--interview", "northmoor-01"],
    ] {
        let found = crate::common::ids(&p.search_json(&[&["", "-n", "100"], filter].concat()));
        assert!(!found.is_empty(), "{filter:?}");
        assert_eq!(listed(filter), found, "{filter:?}");
    }
    let (_, err) = p.run(&["export", "wide", "--where", "area"], 2);
    assert!(
        err.contains("--where \"area\": write KEY=VALUE, e.g. --where area=Northmoor"),
        "{err}"
    );
}

/// One --format vocabulary: a command refuses a format it cannot write and names those it can.
#[test]
fn a_format_a_command_cannot_write_is_refused_naming_those_it_can() {
    let p = Project::coded();
    p.write("codings/h.csv", "segment_id,code\neastbrook-01:2.1,trust\n");
    for args in [
        &["search", "trust"][..],
        &["codes"],
        &["segments"],
        &["agree", "codings/h.csv"],
        &["codebook", "diff", "codebook"],
    ] {
        let (_, err) = p.run(&[args, &["--format", "xlsx"]].concat(), 2);
        assert!(
            err.contains("invalid value 'xlsx'")
                && err.contains("[possible values: table, csv, json]"),
            "{args:?}: {err}"
        );
        // And writes each of those.
        for f in ["table", "csv", "json"] {
            p.run(&[args, &["--format", f]].concat(), 0);
        }
    }
}

/// Taguette: the codebook as the tags it imports, and codings as its highlights, which
/// `qcode import codings` reads back into a new coder with the same codings.
#[test]
fn taguette_highlights_round_trip_through_import_codings() {
    let p = Project::coded();
    let (tags, _) = p.run(&["codebook", "export", "--format", "taguette"], 0);
    assert_eq!(
        tags,
        "tag,description\nTrust,Trust between council and community.\nDialogue,\nThe council,\nCouncil officers,\n"
    );
    p.run(&["export", "taguette", "-o", "highlights.csv"], 0);
    let sheet = std::fs::read_to_string(p.file("highlights.csv")).unwrap();
    assert!(
        sheet.starts_with("id,document,tag,content\n1,eastbrook-01,Trust,"),
        "{sheet}"
    );
    let (_, err) = p.run(
        &["import", "codings", "highlights.csv", "--coder", "ann"],
        0,
    );
    assert!(err.contains("located: 8 exactly"), "{err}");
    assert!(err.contains("no new codes (4 existing reused)"), "{err}");
    // The same codings: the coder's export is the machine's, row for row.
    let (ann, _) = p.run(&["export", "taguette", "--coder", "ann"], 0);
    assert_eq!(ann, sheet);
    let pairs = |coder: &str| {
        let (q, _) = p.run(&["export", "quotes", "--coder", coder], 0);
        let mut r = csv::Reader::from_reader(q.as_bytes());
        let h = r.headers().unwrap().clone();
        let col = |n: &str| h.iter().position(|x| x == n).unwrap();
        let (s, c) = (col("segment_id"), col("code"));
        let mut v: Vec<(String, String)> = r
            .records()
            .map(|x| x.unwrap())
            .map(|x| (x[s].to_string(), x[c].to_string()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(pairs("ann"), pairs("machine"));
    assert_eq!(pairs("ann").len(), 8);
}

/// A label that would not lead back to its code (shared, or a path) is tagged by the code's id.
#[test]
fn taguette_tags_lead_back_to_one_code() {
    let p = Project::new();
    p.write(
        "codebook/codes.toml",
        "[codes.a]\nlabel = \"Care\"\npatterns = [\"council\"]\n[codes.b]\nlabel = \"care\"\npatterns = [\"trust\"]\n[codes.c]\nlabel = \"Health > Care\"\npatterns = [\"meeting\"]\n",
    );
    let (tags, _) = p.run(&["codebook", "export", "--format", "taguette"], 0);
    assert_eq!(tags, "tag,description\na,\nb,\nc,\n");
}

/// `--excel` on every command that writes CSV for people: a BOM, CRLF, and only the cells a
/// spreadsheet would run made inert; numbers stay numbers. Not for JSON or tables.
#[test]
fn excel_csv_on_every_command_that_writes_csv() {
    let p = Project::coded();
    p.write(
        "corpus/sums.txt",
        "P1: =1+1 we trust the council\n\nP1: - a list item about trust\n",
    );
    // Ann disagrees with the machine on both segments.
    p.write(
        "ann.csv",
        "segment_id,code\nsums:1.1,dialogue\nsums:2.1,dialogue\n",
    );
    p.run(
        &[
            "memo",
            "sums:1.1",
            "=1+1 looks like a sum",
            "--coder",
            "ann",
        ],
        0,
    );
    let runs: [&[&str]; 7] = [
        &["export", "quotes", "--interview", "sums"],
        &["search", "trust", "--format", "csv"],
        &["segments", "corpus/sums.txt"],
        &["agree", "ann.csv", "--disagreements", "--format", "csv"],
        &[
            "codebook",
            "diff",
            "codebook/codes.toml",
            "--list",
            "--format",
            "csv",
        ],
        &["export", "taguette"],
        &["memos", "--format", "csv"],
    ];
    for args in runs {
        let (plain, _) = p.run(args, 0);
        let excel_args = [args, &["--excel"][..]].concat();
        let (excel, _) = p.run(&excel_args, 0);
        assert!(
            !plain.starts_with('\u{feff}') && !plain.contains('\r'),
            "{args:?}"
        );
        assert!(
            excel.starts_with('\u{feff}') && excel.contains("\r\n"),
            "{args:?}"
        );
        // The codebook diff lists no segment here: the codebook is the same.
        if args[0] != "codebook" {
            assert!(plain.contains("=1+1"), "{args:?}: {plain}");
            assert!(
                excel.contains("'=1+1") && !excel.contains(",=1+1"),
                "{args:?}: {excel}"
            );
        }
        if plain.contains("- a list item") {
            assert!(excel.contains("'- a list item"), "{args:?}: {excel}");
        }
        // Nothing else changes: remove the marks and the spreadsheet's line ends, and it is the
        // plain CSV.
        let back = excel
            .trim_start_matches('\u{feff}')
            .replace("\r\n", "\n")
            .replace("'=1+1", "=1+1")
            .replace("'- a list", "- a list");
        assert_eq!(back, plain, "{args:?}");
    }
    let (_, err) = p.run(&["agree", "--excel"], 2);
    assert!(
        err.contains("--excel applies to --format csv only"),
        "{err}"
    );
    let (_, err) = p.run(&["segments", "--format", "json", "--excel"], 2);
    assert!(
        err.contains("--excel applies to --format csv only"),
        "{err}"
    );
}

#[test]
fn dash_as_the_output_is_standard_output_or_refused_never_a_file_named_dash() {
    let p = Project::coded();
    // Where a command can write to standard output, `-o -` does (as leaving -o out, and as
    // `count -o -`).
    let (plain, _) = p.run(&["export", "quotes"], 0);
    let (dash, _) = p.run(&["export", "quotes", "-o", "-"], 0);
    assert!(plain.lines().count() > 1, "{plain}");
    assert_eq!(dash, plain);
    let (qdc, _) = p.run(&["export", "qdc", "-o", "-"], 0);
    assert!(qdc.contains("<CodeBook"), "{qdc}");
    let (yaml, _) = p.run(&["codebook", "export", "-o", "-"], 0);
    assert!(!yaml.is_empty());
    let (suggested, _) = p.run(&["suggest", "--format", "csv", "-o", "-"], 0);
    assert!(suggested.lines().count() > 1, "{suggested}");
    // Where the output is a file (a .qdpx, an HTML report), `-` is refused, not taken as a name.
    for args in [
        &["export", "qdpx", "-o", "-"][..],
        &["report", "-o", "-"][..],
    ] {
        let (_, err) = p.run(args, 2);
        assert!(
            err.contains("`-o -` would write a file named `-`"),
            "{args:?}: {err}"
        );
    }
    assert!(!p.file("-").exists());
}
