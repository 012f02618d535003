//! `qcode agree` against a human codings file (tests/cli/fixtures/ann.csv) on the coded
//! fixture, with every figure worked out by hand below.

use std::path::Path;

use crate::common::Project;

fn ann(p: &Project) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/fixtures/ann.csv");
    std::fs::create_dir_all(p.file("codings")).unwrap();
    std::fs::copy(src, p.file("codings/ann.csv")).unwrap();
}

/// Rows of the agreement CSV by code.
fn rows(out: &str) -> std::collections::HashMap<String, csv::StringRecord> {
    let mut r = csv::Reader::from_reader(out.as_bytes());
    r.records()
        .map(|x| x.unwrap())
        .map(|x| (x[1].to_string(), x))
        .collect()
}

// Machine (fixture codebook) vs Ann on the five respondent segments
// [eastbrook 2.1, eastbrook 4.1, northmoor 2.1, northmoor 2.2, northmoor 4.1]:
//   trust     machine 1 1 0 0 1   ann 1 0 0 0 1   → 80%, κ = (.8 − .48)/.52 = .615,
//             α = 1 − 9·2/(2·5·5) = .640; gold Ann: P 2/3, R 1, F1 .8
//   dialogue  machine 0 0 1 1 1   ann 0 1 1 0 0   → 40%, κ = (.4 − .48)/.52 = −.154,
//             α = 1 − 9·6/50 = −.080; P 1/3, R 1/2, F1 .4
//   council   machine 1 1 0 0 0   ann 0 1 0 0 0 (officers reaches council)
//             → 80%, κ = (.8 − .56)/.44 = .545, α = 1 − 18/42 = .571; P .5, R 1, F1 .667
//   officers  machine 0 1 0 0 0   ann 0 1 0 0 0   → 100%, κ = α = 1
//   pooled (20 items): 75%, κ = (.75 − .52)/.48 = .479, α = 1 − 39·10/(2·15·25) = .480,
//             P 5/9 = .556, R 5/6 = .833, F1 .667
#[test]
fn machine_against_a_human_coder_worked_by_hand() {
    let p = Project::coded();
    ann(&p);
    let (out, _) = p.run(
        &[
            "agree",
            "codings/ann.csv",
            "--gold",
            "ann",
            "--format",
            "csv",
        ],
        0,
    );
    let header = out.lines().next().unwrap();
    assert_eq!(
        header,
        "unit,code,units,applied:machine,applied:ann,percent_agreement,cohen_kappa,krippendorff_alpha,precision:machine,recall:machine,f1:machine"
    );
    let r = rows(&out);
    let expect = |code: &str, vals: &[&str]| {
        let row = &r[code];
        let got: Vec<&str> = row.iter().skip(5).collect();
        assert_eq!(got, vals, "{code}: {out}");
        assert_eq!(&row[0], "segment");
        assert_eq!(&row[2], "5");
    };
    expect(
        "trust",
        &["80.0", "0.615", "0.640", "0.667", "1.000", "0.800"],
    );
    expect(
        "dialogue",
        &["40.0", "-0.154", "-0.080", "0.333", "0.500", "0.400"],
    );
    expect(
        "council",
        &["80.0", "0.545", "0.571", "0.500", "1.000", "0.667"],
    );
    expect(
        "officers",
        &["100.0", "1.000", "1.000", "1.000", "1.000", "1.000"],
    );
    expect(
        "(all codes, pooled)",
        &["75.0", "0.479", "0.480", "0.556", "0.833", "0.667"],
    );
}

#[test]
fn disagreements_list_the_segments_to_read() {
    let p = Project::coded();
    ann(&p);
    let (out, _) = p.run(
        &[
            "agree",
            "codings/ann.csv",
            "--disagreements",
            "--format",
            "csv",
        ],
        0,
    );
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let rows: Vec<(String, String, String)> = r
        .records()
        .map(|x| x.unwrap())
        .map(|x| (x[1].to_string(), x[2].to_string(), x[3].to_string()))
        .collect();
    // trust 1 + dialogue 3 + council 1 = 5 disagreements.
    assert_eq!(rows.len(), 5, "{out}");
    assert!(
        rows.contains(&("eastbrook-01:4.1".into(), "dialogue".into(), "ann".into())),
        "{out}"
    );
    assert!(
        rows.contains(&(
            "eastbrook-01:2.1".into(),
            "council".into(),
            "machine".into()
        )),
        "{out}"
    );
    assert!(
        out.contains("Regular meetings with officers"),
        "the text is there to read: {out}"
    );
}

#[test]
fn human_coders_only_and_edge_cases() {
    let p = Project::coded();
    p.write(
        "codings/team.csv",
        "segment_id,code,coder\neastbrook-01:2.1,trust,a\neastbrook-01:2.1,trust,b\neastbrook-01:4.1,,a\neastbrook-01:4.1,,b\n",
    );
    let (out, _) = p.run(
        &[
            "agree",
            "codings/team.csv",
            "--no-machine",
            "--code",
            "trust",
            "--code",
            "dialogue",
            "--format",
            "csv",
        ],
        0,
    );
    let r = rows(&out);
    // Perfect agreement with variation on trust; nobody used dialogue: κ and α undefined.
    assert_eq!(
        r["trust"].iter().skip(5).collect::<Vec<_>>(),
        ["100.0", "1.000", "1.000"]
    );
    assert_eq!(
        r["dialogue"].iter().skip(5).collect::<Vec<_>>(),
        ["100.0", "n/a", "n/a"]
    );
    // One coder only: nothing to compare, said plainly.
    p.write(
        "codings/solo.csv",
        "segment_id,code\neastbrook-01:2.1,trust\n",
    );
    let (_, err) = p.run(&["agree", "codings/solo.csv", "--no-machine"], 0);
    assert!(err.contains("only one coder"), "{err}");
    let (_, err) = p.run(&["agree", "codings/solo.csv", "--gold", "nobody"], 2);
    assert!(err.contains("no coder `nobody`"), "{err}");
    p.write("codings/bad.csv", "segment,code\nx,y\n");
    let (_, err) = p.run(&["agree", "codings/bad.csv"], 2);
    assert!(
        err.contains(
            "codings/bad.csv:1:1: a codings file needs a `code` column and a `segment_id`"
        ),
        "{err}"
    );
}
