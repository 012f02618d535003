//! The exports as their real readers read them: pandas and openpyxl (from the venv `.ci/run`
//! makes, named by READERS_PYTHON) open every XLSX qcode writes with its header in row 1, and
//! LibreOffice Calc, converting XLSX and `--excel` CSV headless, runs no participant's words as a
//! formula and keeps non-ASCII text whole. Without the tools these tests say they skipped, and
//! fail under CI=true (see `common::tool`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{tool, Project};

/// Text a spreadsheet must neither run nor garble.
const FORMULA: &str = "=1+1 café – naïve, we trust the council";

/// The Python with pandas and openpyxl: READERS_PYTHON, else the venv `.ci/run` makes.
fn readers_python() -> Option<PathBuf> {
    let python = std::env::var_os("READERS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/readers-venv/bin/python")
        });
    let found = Command::new(&python)
        .args(["-c", "import pandas, openpyxl"])
        .output()
        .is_ok_and(|o| o.status.success());
    tool(
        found,
        "no Python with pandas and openpyxl (READERS_PYTHON, or target/readers-venv that .ci/run makes from tests/readers/requirements.txt), so the XLSX files were not read by them",
    )
    .then_some(python)
}

fn soffice() -> bool {
    let found = Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    tool(
        found,
        "LibreOffice is not installed (Debian: libreoffice-calc-nogui; .ci/run installs it), so no spreadsheet opened the exports",
    )
}

/// The standard project with a respondent whose words look like a formula.
fn project() -> Project {
    let p = Project::coded();
    p.write("corpus/sums.txt", &format!("P1: {FORMULA}\n"));
    p
}

/// Every XLSX qcode writes, as (file, the export's args).
const WORKBOOKS: [(&str, &[&str]); 6] = [
    ("quotes.xlsx", &["export", "quotes"]),
    ("wide.xlsx", &["export", "wide"]),
    (
        "crosstab.xlsx",
        &[
            "export",
            "crosstab",
            "--rows",
            "component",
            "--cols",
            "role",
            "--by",
            "meta:area",
        ],
    ),
    ("cooccur.xlsx", &["export", "cooccur"]),
    ("framework.xlsx", &["export", "framework"]),
    ("taguette.xlsx", &["export", "taguette"]),
];

/// What pandas and openpyxl see of each workbook: every sheet's name and header row (pandas:
/// its column names; openpyxl: row 1), and each cell holding FORMULA's start, as JSON.
const READ: &str = r#"
import json, sys
import openpyxl, pandas
out = {}
for path in sys.argv[1:]:
    frames = pandas.read_excel(path, sheet_name=None)
    book = openpyxl.load_workbook(path)
    cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=1+1")]
    kinds = [c.data_type for ws in book.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=1+1")]
    out[path] = {
        "sheets": list(frames),
        "pandas": [[str(c) for c in f.columns] for f in frames.values()],
        "openpyxl": [[c.value for c in next(ws.iter_rows(max_row=1))] for ws in book.worksheets],
        "first_sheet_rows": len(next(iter(frames.values()))),
        "formula_cells": cells,
        "formula_kinds": kinds,
    }
print(json.dumps(out))
"#;

#[test]
fn pandas_and_openpyxl_read_every_xlsx_with_its_header_in_row_1() {
    let Some(python) = readers_python() else {
        return;
    };
    let p = project();
    let mut files = Vec::new();
    for (file, args) in WORKBOOKS {
        p.run(&[args, &["-o", file]].concat(), 0);
        files.push(file);
    }
    p.run(
        &["export", "review", "--coder", "ann", "-o", "review.xlsx"],
        0,
    );
    let out = Command::new(&python)
        .current_dir(p.path())
        .arg("-c")
        .arg(READ)
        .args(&files)
        .arg("review.xlsx")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let read: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (file, args) in WORKBOOKS {
        let (json, _) = p.run(&[args, &["--format", "json"]].concat(), 0);
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        let tables = json["tables"].as_array().unwrap();
        let r = &read[file];
        let sheets = r["sheets"].as_array().unwrap();
        assert_eq!(sheets.len(), tables.len() + 1, "{file}: {r}");
        assert_eq!(
            sheets.last().unwrap(),
            "about",
            "{file}: the about sheet is last"
        );
        for (i, t) in tables.iter().enumerate() {
            let header: Vec<String> = t["header"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h.as_str().unwrap().to_string())
                .collect();
            let by = |reader: &str| -> Vec<String> {
                r[reader][i]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| h.as_str().unwrap_or_default().to_string())
                    .collect()
            };
            assert_eq!(by("pandas"), header, "{file} sheet {i} by pandas");
            assert_eq!(by("openpyxl"), header, "{file} sheet {i} by openpyxl");
        }
        assert!(
            r["first_sheet_rows"].as_u64().unwrap() > 0,
            "{file}: data under the header"
        );
    }
    // The participant's words are text, whole, in every listing of text.
    for file in ["quotes.xlsx", "taguette.xlsx"] {
        let r = &read[file];
        let cells = r["formula_cells"].as_array().unwrap();
        assert!(!cells.is_empty(), "{file}: {r}");
        assert!(cells.iter().all(|c| c == FORMULA), "{file}: {r}");
        let kinds = r["formula_kinds"].as_array().unwrap();
        assert!(kinds.iter().all(|k| k == "s"), "{file}: strings: {r}");
    }
    let review = &read["review.xlsx"];
    assert_eq!(review["sheets"], serde_json::json!(["review"]), "{review}");
    assert_eq!(review["pandas"][0][0], "segment_id", "{review}");
}

/// Convert `files` (in `dir`) to UTF-8 CSV in `dir`/out with LibreOffice headless, reading
/// them with the CSV import options `infilter` when given; a profile of its own, so tests in
/// parallel do not share one.
fn libreoffice(dir: &Path, infilter: Option<&str>, files: &[&str]) {
    std::fs::create_dir_all(dir.join("out")).unwrap();
    let mut cmd = Command::new("soffice");
    cmd.current_dir(dir)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.join("lo-profile").display()
        ))
        .arg("--headless");
    if let Some(f) = infilter {
        cmd.arg(format!("--infilter={f}"));
    }
    let out = cmd
        .args(["--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76"])
        .args(["--outdir", "out"])
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every cell of the CSV LibreOffice wrote for `name`, and the whole text.
fn shown(dir: &Path, name: &str) -> (Vec<String>, String) {
    let text = std::fs::read_to_string(dir.join(format!("out/{name}.csv")))
        .unwrap_or_else(|e| panic!("{name}: LibreOffice wrote nothing: {e}"));
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let cells = r
        .records()
        .flat_map(|rec| rec.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect();
    (cells, text)
}

/// LibreOffice, headless, converts the XLSX and the `--excel` CSV to CSV: what it shows is the
/// participant's words as written (not run, not garbled). The plain CSV, which is for R and
/// pandas, is run by it: that is why `--excel` exists.
#[test]
fn libreoffice_runs_no_formula_and_keeps_non_ascii_text() {
    if !soffice() {
        return;
    }
    let p = project();
    p.write("corpus/sum.txt", "P1: =1+1\n");
    p.run(
        &["export", "quotes", "--code", "trust", "-o", "quotes.xlsx"],
        0,
    );
    let excel = [
        "export",
        "quotes",
        "--code",
        "trust",
        "--excel",
        "-o",
        "quotes-excel.csv",
    ];
    p.run(&excel, 0);
    for (name, args) in [
        ("segments-excel", &["segments", "--excel"][..]),
        ("segments-plain", &["segments"]),
    ] {
        let (csv, _) = p.run(args, 0);
        p.write(&format!("{name}.csv"), &csv);
    }
    libreoffice(p.path(), None, &["quotes.xlsx"]);
    // As LibreOffice's import dialog reads a CSV: comma, double quote, the character set
    // detected (the empty third field; without it, headless LibreOffice reads Latin-1 whatever
    // the BOM), formulas evaluated (its default).
    let csv_files = [
        "quotes-excel.csv",
        "segments-excel.csv",
        "segments-plain.csv",
    ];
    libreoffice(p.path(), Some("CSV:44,34,,1"), &csv_files);
    for name in ["quotes", "quotes-excel", "segments-excel"] {
        let (cells, text) = shown(p.path(), name);
        // A CSV's cell is marked with a `'`, which LibreOffice shows.
        let as_written = |c: &String, t: &str| c.trim_start_matches('\'') == t;
        assert!(
            cells.iter().any(|c| as_written(c, FORMULA)),
            "{name}: the text as written, not run and not garbled:\n{text}"
        );
        assert!(!text.contains('Ã'), "{name}: mojibake:\n{text}");
        assert!(
            !cells
                .iter()
                .any(|c| c.starts_with("Err:") || c.starts_with("#NAME")),
            "{name}: a formula ran:\n{text}"
        );
        if name == "segments-excel" {
            assert!(cells.iter().any(|c| as_written(c, "=1+1")), "{text}");
        }
    }
    // The plain CSV is run: `=1+1` shows as 2, the words as an error.
    let (cells, text) = shown(p.path(), "segments-plain");
    assert!(
        !cells.iter().any(|c| c == "=1+1") && cells.iter().any(|c| c.starts_with("Err:")),
        "LibreOffice ran no formula of the plain CSV, so this test cannot tell:\n{text}"
    );
}
