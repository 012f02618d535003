//! `qcode suggest`: the CSV its users script against, evidence, filters, thresholds, saving as
//! proposals, coding by rank (`[coding] assign = "ranked"`), the cached model, and the same
//! bytes whatever the thread count.

use crate::common::{Project, ROLES};

const CODEBOOK: &str = r#"
[codebook]
name = "suggest test"
version = "1"
stem = true

[codes.trust]
label = "Trust"
dimension = "component"
definition = "Believing the other side keeps its promises."
examples = ["They kept every promise they made."]
counterexamples = ["Local Trust paid for it."]
patterns = ["trust"]
exclude = ['"Local Trust"']

[codes.dialogue]
label = "Dialogue"
dimension = "component"
definition = "Talking regularly: meetings, feedback, news shared."
examples = ["We meet every month and they tell us the news."]
patterns = ["feedback"]

[codes.council]
label = "The council"
dimension = "stakeholder"
definition = "The local authority."
examples = ["The council agreed."]
patterns = ["council"]
"#;

const HEADER: &str = "segment_id,code,code_label,dimension,rank,score,suggested,evidence";

fn project() -> Project {
    let p = Project::empty();
    p.write("codebook/roles.toml", ROLES);
    p.write("codebook/codes.toml", CODEBOOK);
    p.write(
        "corpus/rows.csv",
        "id,role,text\n\
         s1,Resident,The council broke every promise.\n\
         s2,Resident,We get feedback at the monthly meetings.\n\
         s3,Resident,Nothing to add.\n",
    );
    p.write(
        "corpus/iv.txt",
        "---\nid: iv\nspeakers:\n  I: interviewer\n  P1: Resident\n---\nI: Do they keep promises?\n\nP1: We trust them now.\n",
    );
    p
}

/// The CSV's rows as (segment, code, dimension, rank, suggested, evidence).
fn rows(csv: &str) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>().join(","),
        HEADER
    );
    r.records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn find<'a>(rows: &'a [Vec<String>], seg: &str, code: &str) -> &'a Vec<String> {
    rows.iter()
        .find(|r| r[0] == seg && r[1] == code)
        .unwrap_or_else(|| panic!("no row {seg} {code} in {rows:?}"))
}

#[test]
fn csv_has_the_documented_columns_ranks_and_evidence() {
    let p = project();
    let (out, _) = p.run(&["suggest", "--format", "csv"], 0);
    let rows = rows(&out);
    // Every respondent segment, none of the interviewer's, two codes per dimension (the
    // stakeholder dimension has one).
    let segs: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert!(!segs.contains(&"iv:1.1"), "{segs:?}");
    for s in ["s1", "s2", "s3", "iv:2.1"] {
        assert_eq!(segs.iter().filter(|x| **x == s).count(), 3, "{s}: {rows:?}");
    }
    // s1: no pattern of trust, but its words ("promise"); council by its pattern.
    let t = find(&rows, "s1", "trust");
    assert_eq!(
        (t[2].as_str(), t[3].as_str(), t[4].as_str()),
        ("Trust", "component", "1")
    );
    assert!(
        t[7].starts_with("words +") && t[7].contains("promise +"),
        "{t:?}"
    );
    let c = find(&rows, "s1", "council");
    assert_eq!(c[4], "1");
    assert!(
        c[7].starts_with("patterns +0.150: council ×1; words +"),
        "{c:?}"
    );
    // s2: dialogue by pattern and words; s3 shares nothing and is still ranked.
    let d = find(&rows, "s2", "dialogue");
    assert!(
        d[7].contains("feedback ×1") && d[7].contains("meetings +"),
        "{d:?}"
    );
    let n = find(&rows, "s3", "trust");
    assert_eq!(
        (n[4].as_str(), n[5].as_str(), n[6].as_str()),
        ("1", "0.000", "true")
    );
    assert_eq!(n[7], "no pattern hits, no shared words");
    // Scores are the sums of their parts, to rounding.
    let score: f64 = c[5].parse().unwrap();
    assert!(score > 0.15 && score <= 1.15, "{c:?}");
}

#[test]
fn top_min_score_and_the_code_flags_choose_what_is_listed() {
    let p = project();
    let (out, _) = p.run(&["suggest", "--format", "csv", "--top", "1"], 0);
    let r = rows(&out);
    assert_eq!(r.iter().filter(|r| r[0] == "s2").count(), 2, "{r:?}");
    let (out, _) = p.run(&["suggest", "--format", "csv", "--min-score", "0.1"], 0);
    let r = rows(&out);
    assert_eq!(find(&r, "s3", "trust")[6], "false");
    assert_eq!(find(&r, "s1", "council")[6], "true");
    // --dimension and --code choose codes, not segments: s3, coded with nothing, is there.
    let (out, _) = p.run(
        &["suggest", "--format", "csv", "--dimension", "stakeholder"],
        0,
    );
    let r = rows(&out);
    assert!(r.iter().all(|r| r[1] == "council") && r.iter().any(|r| r[0] == "s3"));
    let (out, _) = p.run(&["suggest", "--format", "csv", "--code", "dialogue"], 0);
    assert!(rows(&out).iter().all(|r| r[1] == "dialogue"));
    // The other filters choose segments.
    let (out, _) = p.run(&["suggest", "--format", "csv", "--interview", "iv"], 0);
    assert!(rows(&out).iter().all(|r| r[0] == "iv:2.1"));
    let (out, _) = p.run(&["suggest", "--format", "csv", "--query", "promise"], 0);
    assert!(rows(&out).iter().all(|r| r[0] == "s1"));
    let (_, err) = p.run(&["suggest", "--query", "zebra"], 1);
    assert!(err.is_empty() || !err.contains("error"), "{err}");
    let (_, err) = p.run(&["suggest", "--dimension", "stakeholders"], 2);
    assert!(err.contains("stakeholder"), "{err}");
    let (_, err) = p.run(&["suggest", "--top", "0"], 2);
    assert!(err.contains("--top"), "{err}");
    let (_, err) = p.run(&["suggest", "--min-score", "nan", "--save"], 2);
    assert!(err.contains("--min-score must be a number"), "{err}");
    assert!(!p.file("codings/suggested.csv").exists());
}

#[test]
fn table_json_and_files() {
    let p = project();
    let (out, _) = p.run(&["suggest", "--interview", "rows"], 0);
    assert!(
        out.starts_with("Suggested codes for 3 respondent segment(s)"),
        "{out}"
    );
    assert!(
        out.contains("segment_id") && out.contains("evidence"),
        "{out}"
    );
    let (out, _) = p.run(&["suggest", "--format", "json"], 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let header: Vec<&str> = v["tables"][0]["header"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert_eq!(header.join(","), HEADER);
    assert_eq!(v["meta"]["export"], "suggest");
    assert_eq!(v["meta"]["segments"], 4);
    p.run(&["suggest", "-o", "s.csv"], 0);
    let csv = std::fs::read_to_string(p.file("s.csv")).unwrap();
    assert!(csv.starts_with(HEADER));
}

#[test]
fn the_model_is_cached_under_the_codebook_it_came_from() {
    let p = project();
    let (_, err) = p.run(&["suggest", "-v"], 0);
    assert!(err.contains("built from the codebook"), "{err}");
    assert!(p.file(".qcode/suggest-model.json").exists());
    let (_, err) = p.run(&["suggest", "-v"], 0);
    assert!(err.contains("read from .qcode/"), "{err}");
    p.write(
        "codebook/codes.toml",
        &CODEBOOK.replace("keeps its promises", "keeps its word"),
    );
    let (_, err) = p.run(&["suggest", "-v"], 0);
    assert!(err.contains("built from the codebook"), "{err}");
}

#[test]
fn save_stores_proposals_and_replaces_them() {
    let p = project();
    let (_, err) = p.run(
        &[
            "suggest",
            "--dimension",
            "component",
            "--top",
            "1",
            "--save",
        ],
        0,
    );
    assert!(
        err.contains("4 proposal(s) saved to codings/suggested.csv"),
        "{err}"
    );
    let text = std::fs::read_to_string(p.file("codings/suggested.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let recs: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(recs.len(), 4);
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    for rec in &recs {
        assert_eq!(
            (&rec[col("coder")], &rec[col("status")]),
            ("suggested", "proposed")
        );
    }
    assert!(recs
        .iter()
        .any(|x| &x[col("segment_id")] == "s1" && &x[col("code")] == "trust"));
    // A decision someone wrote in the file is kept; saving again with a threshold withdraws
    // the proposals no longer suggested, on the segments covered only.
    let mut kept = text.clone();
    kept.push_str("s3,dialogue,ann,,,,,,,,,accepted,\n");
    p.write("codings/suggested.csv", &kept);
    let (_, err) = p.run(
        &[
            "suggest",
            "--dimension",
            "component",
            "--top",
            "1",
            "--min-score",
            "0.1",
            "--save",
            "--interview",
            "rows",
        ],
        0,
    );
    assert!(err.contains("(2 already there, 1 withdrawn)"), "{err}");
    let text = std::fs::read_to_string(p.file("codings/suggested.csv")).unwrap();
    assert!(!text.contains("s3,trust,suggested"), "{text}");
    assert!(text.contains("s3,dialogue,ann"), "{text}");
    assert!(text.contains("iv:2.1,trust,suggested"), "{text}");
    // The store reads the file: proposals are nobody's coding.
    let (out, _) = p.run(&["codes", "--coder", "suggested", "--format", "csv"], 0);
    // (`codes --coder` names a coder, so review progress columns follow the counts.)
    assert!(
        out.lines().skip(1).all(|l| l.contains(",0,0,0.0000")),
        "{out}"
    );
}

#[test]
fn assign_ranked_codes_every_respondent_segment() {
    let p = project();
    let (out, _) = p.run(&["codes", "--uncoded"], 0);
    assert!(out.contains("s3"), "patterns leave s3 uncoded: {out}");
    p.write(
        "qcode.toml",
        "[coding]\nassign = \"ranked\"\ndimensions = [\"component\"]\n",
    );
    let (out, err) = p.run(&["codes", "--uncoded"], 0);
    assert!(err.contains("index updated"), "{err}");
    assert!(out.contains("uncoded: 0 of 4"), "{out}");
    // s1's trust comes from its words alone; the patterns' codes stay.
    let (out, _) = p.run(&["export", "wide", "--format", "csv"], 0);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let header = r.headers().unwrap().clone();
    let at = |c: &str| header.iter().position(|h| h == c).unwrap();
    let s1 = r
        .records()
        .map(|x| x.unwrap())
        .find(|x| &x[0] == "s1")
        .unwrap();
    assert_eq!((&s1[at("trust")], &s1[at("council")]), ("1", "1"), "{out}");
    // A threshold nothing in s3 reaches leaves it uncoded; each change re-codes the corpus.
    p.write(
        "qcode.toml",
        "[coding]\nassign = \"ranked\"\ndimensions = [\"component\"]\nmin_score = 0.1\n",
    );
    let (out, _) = p.run(&["codes", "--uncoded"], 0);
    assert!(out.contains("s3") && !out.contains("s1 "), "{out}");
    // `use` only chooses what is read: no re-indexing.
    p.write(
        "qcode.toml",
        "[coding]\nuse = \"machine\"\nassign = \"ranked\"\ndimensions = [\"component\"]\nmin_score = 0.1\n",
    );
    let (_, err) = p.run(&["index"], 0);
    assert!(err.contains("up to date"), "{err}");
    p.write("qcode.toml", "[coding]\nassign = \"patterns\"\ntop = 3\n");
    let (_, err) = p.run(&["index"], 0);
    assert!(err.contains("rebuilt the index"), "{err}");
    p.write(
        "qcode.toml",
        "[coding]\nassign = \"ranked\"\ndimensions = [\"components\"]\n",
    );
    let (_, err) = p.run(&["index"], 2);
    assert!(
        err.contains("qcode.toml:3:1") && err.contains("`components`"),
        "{err}"
    );
    p.write("qcode.toml", "[coding]\nassign = \"rank\"\n");
    let (_, err) = p.run(&["index"], 2);
    assert!(
        err.contains("qcode.toml:2:11: unknown assign `rank`"),
        "{err}"
    );
}

/// A corpus big enough to be split across threads, coded by rank and suggested for, read
/// `window` segments at a time.
fn many(threads: &str, window: &str) -> (String, String, String) {
    let p = project();
    let words = [
        "promise",
        "feedback",
        "council",
        "meetings",
        "news",
        "trust",
        "month",
        "nothing",
        "authority",
        "talking",
    ];
    let mut csv = String::from("id,role,text\n");
    for i in 0..600 {
        let a = words[i % words.len()];
        let b = words[(i * 7 + 3) % words.len()];
        csv.push_str(&format!(
            "m{i},Resident,We talked about {a} and {b} again ({i}).\n"
        ));
    }
    p.write("corpus/many.csv", &csv);
    p.write(
        "qcode.toml",
        "[coding]\nassign = \"ranked\"\ndimensions = [\"component\"]\n",
    );
    let run = |args: &[&str]| {
        let out = p
            .qcode(args)
            .env("RAYON_NUM_THREADS", threads)
            .env("QCODE_EXPORT_WINDOW", window)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    (
        run(&["suggest", "--format", "csv"]),
        run(&["suggest", "--format", "json"]),
        run(&["export", "wide", "--format", "csv"]),
    )
}

#[test]
fn the_same_bytes_whatever_the_thread_count_and_window() {
    let one = many("1", "100000");
    let two = many("2", "7");
    assert!(one.0.lines().count() > 1800, "{}", one.0.lines().count());
    assert!(
        one.0 == two.0,
        "suggest --format csv differs between 1 and 2 threads"
    );
    assert!(
        one.1 == two.1,
        "suggest --format json differs between 1 and 2 threads"
    );
    assert!(
        one.2 == two.2,
        "export wide (coded by rank) differs between 1 and 2 threads"
    );
}
