//! Privacy as a property: projects that vary a participant's name (plain, accented composed or
//! decomposed, with a curly or straight apostrophe, hyphenated, Chinese) × how it is written
//! (as declared, upper case, lower case, decomposed, the other apostrophe, full-width letters) ×
//! where (a header, a sidecar, a CSV `name` column, a speaker label, a file name or interview
//! id, a metadata value, the spoken text). Every read command, in every format, is run without
//! `--with-names`, and no spelling of the name may be in its stdout, stderr or any file it
//! writes; with `--with-names` the name does show, so the check can fail.

use std::io::Read;
use std::path::Path;

use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

use crate::common::{Project, CODEBOOK, ROLES};

/// Names as a header declares them.
const NAMES: &[&str] = &[
    "Dana Whitfield",
    "Zoë Lindqvist",
    "Zoe\u{308} Lindqvist",
    "Siobhán O’Brien",
    "Siobhán O'Brien",
    "Mary-Kate Oduya",
    "王小明",
];

/// How the name is written where it is not declared.
#[derive(Debug, Clone, Copy)]
enum Variant {
    AsDeclared,
    Upper,
    Lower,
    Decomposed,
    OtherApostrophe,
    FullWidth,
}

impl Variant {
    fn write(self, name: &str) -> String {
        match self {
            Variant::AsDeclared => name.to_string(),
            Variant::Upper => name.to_uppercase(),
            Variant::Lower => name.to_lowercase(),
            Variant::Decomposed => name.nfd().collect(),
            Variant::OtherApostrophe => name
                .chars()
                .map(|c| match c {
                    '\'' => '’',
                    '’' => '\'',
                    c => c,
                })
                .collect(),
            Variant::FullWidth => name
                .chars()
                .map(|c| match c {
                    // Full-width forms sit 0xFEE0 above ASCII; the ideographic space is U+3000.
                    '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
                    ' ' => '\u{3000}',
                    c => c,
                })
                .collect(),
        }
    }
}

/// One generated project: a name, how it is written, and where.
#[derive(Debug, Clone)]
struct Case {
    name: &'static str,
    variant: Variant,
    /// Declared in the text transcript's header (`P1: {role: ..., name: ...}`).
    header: bool,
    /// A Zoom .vtt whose speaker is the name, with a sidecar mapping it to a role.
    sidecar: bool,
    /// A CSV corpus with the name in its `name` column.
    csv: bool,
    /// A speaker label that is the name (in a CSV, its role label too).
    label: bool,
    /// Interview ids made of the name: a file name, a sidecar's `id:`, a CSV `interview` column.
    id: bool,
    /// `notes: call with NAME` in the metadata.
    meta: bool,
    /// The name in what is said.
    text: bool,
}

fn case() -> impl Strategy<Value = Case> {
    let variant = prop_oneof![
        Just(Variant::AsDeclared),
        Just(Variant::Upper),
        Just(Variant::Lower),
        Just(Variant::Decomposed),
        Just(Variant::OtherApostrophe),
        Just(Variant::FullWidth),
    ];
    // Places are more often there than not: more places, more ways to leak.
    let place = || prop::bool::weighted(0.7);
    (
        prop::sample::select(NAMES),
        variant,
        (place(), place(), place()),
        (place(), place(), place(), place()),
    )
        .prop_map(
            |(name, variant, (header, sidecar, csv), (label, id, meta, text))| Case {
                name,
                variant,
                // The name is declared somewhere, or nothing could know to mask it.
                header: header || !(sidecar || csv),
                sidecar,
                csv,
                label,
                id,
                meta,
                text,
            },
        )
}

impl Case {
    /// The project this case describes.
    fn project(&self) -> Project {
        let p = Project::empty();
        p.write("codebook/roles.toml", ROLES);
        p.write("codebook/codes.toml", CODEBOOK);
        let w = self.variant.write(self.name);
        // Each file's own stem, so no two interview ids clash.
        let stem = |plain: &str, own: &str| {
            if self.id {
                format!("{w}{own}")
            } else {
                plain.to_string()
            }
        };
        let notes = if self.meta {
            format!("call with {w}")
        } else {
            "none".to_string()
        };
        let said = if self.text {
            format!(" {w} said so.")
        } else {
            String::new()
        };
        let p1 = if self.header {
            format!("{{role: Resident, name: {}}}", self.name)
        } else {
            "Resident".to_string()
        };
        let label = if self.label {
            format!("{w}: We listened to the council more after that.\n\n")
        } else {
            String::new()
        };
        p.write(
            &format!("corpus/{}.txt", stem("northmoor-01", "")),
            &format!(
                "---\narea: Northmoor\nnotes: {notes}\nspeakers:\n  I: interviewer\n  P1: {p1}\n---\n\
                 I: How has the partnership worked with the council?\n\n\
                 P1: We trust the council and the monthly meeting helped.{said}\n\n{label}\
                 I: Anything else?\n\n\
                 P1: Officers listened, and the paperwork took months.\n"
            ),
        );
        // An interview id has no spaces: the name's words joined as a file name's would be.
        let joined = w.split_whitespace().collect::<Vec<_>>().join("-");
        if self.sidecar {
            // The sidecar's `id:` names this interview.
            let id = match self.id {
                true => format!("id: {joined}-call\n"),
                false => String::new(),
            };
            let s = "call-02";
            p.write(
                &format!("corpus/{s}.vtt"),
                &format!(
                    "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\nInterviewer: What about the council?\n\n\
                     2\n00:00:05.000 --> 00:00:09.000\n{}: I trust the council now.{said}\n",
                    self.name
                ),
            );
            p.write(
                &format!("corpus/{s}.yml"),
                &format!(
                    "{id}area: Eastbrook\nnotes: {notes}\nspeakers:\n  Interviewer: interviewer\n  {}: local resident\n",
                    self.name
                ),
            );
        }
        if self.csv {
            let id = format!("{joined}-rows");
            let interview = if self.id { id.as_str() } else { "survey-1" };
            // A speaker that is the name, with no role: the name is its role label too.
            let (speaker, role) = match self.label {
                true => (w.as_str(), ""),
                false => ("P3", "Resident"),
            };
            let rows = [
                [
                    "id",
                    "interview",
                    "role",
                    "speaker",
                    "name",
                    "notes",
                    "text",
                ]
                .map(String::from),
                [
                    "r-1",
                    interview,
                    role,
                    speaker,
                    self.name,
                    &notes,
                    &format!("I trust the council.{said}"),
                ]
                .map(String::from),
                [
                    "r-2",
                    interview,
                    "Resident",
                    "P4",
                    "",
                    "none",
                    "Regular meetings with officers.",
                ]
                .map(String::from),
            ];
            let mut out = csv::Writer::from_writer(Vec::new());
            for r in rows {
                out.write_record(&r).unwrap();
            }
            p.write_bytes(
                &format!("corpus/{}.csv", stem("survey", " survey")),
                &out.into_inner().unwrap(),
            );
        }
        p
    }
}

/// `text` as names are compared: entities decoded, NFKC, lower case, one apostrophe, one dash,
/// spaces single.
fn normalise(text: &str) -> String {
    let decoded = text
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let mut out = String::with_capacity(decoded.len());
    for c in decoded.nfkc().flat_map(char::to_lowercase) {
        let c = match c {
            '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}' | '\u{2032}' => '\'',
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if !(c == ' ' && out.ends_with(' ')) {
            out.push(c);
        }
    }
    out
}

/// Where in `text` (normalised) the name or a part of it (three letters or more) is, as whole
/// words; for a name written without spaces, anywhere. `None` when nowhere.
fn leak(text: &str, name: &str) -> Option<String> {
    let text = normalise(text);
    let name = normalise(name);
    let cjk = name.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
    let mut needles = vec![name.clone()];
    needles.extend(
        name.split([' ', '-'])
            .filter(|p| p.chars().filter(|c| c.is_alphabetic()).count() >= 3)
            .map(String::from),
    );
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '\'');
    for n in &needles {
        for (i, _) in text.match_indices(n.as_str()) {
            let before = text[..i].chars().next_back();
            let after = text[i + n.len()..].chars().next();
            if cjk || (!word(before) && !word(after)) {
                let from = text[..i].char_indices().rev().nth(60).map_or(0, |(b, _)| b);
                let to = text[i..]
                    .char_indices()
                    .nth(n.chars().count() + 60)
                    .map_or(text.len(), |(b, _)| i + b);
                return Some(format!("`{n}` in …{}…", &text[from..to]));
            }
        }
    }
    None
}

/// Every entry of a zip (an .xlsx, a .qdpx): names and contents.
fn unzip_all(path: &Path) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut all = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        all.push_str(&f.name().unwrap());
        all.push('\n');
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        all.push_str(&String::from_utf8_lossy(&bytes));
        all.push('\n');
    }
    all
}

/// A written file's text: zips unzipped.
fn file_text(path: &Path) -> String {
    match path.extension().and_then(|e| e.to_str()) {
        Some("xlsx" | "qdpx") => unzip_all(path),
        _ => String::from_utf8_lossy(&std::fs::read(path).unwrap()).to_string(),
    }
}

/// Run each of `runs` as [`run_clean`], a few at a time (they only read the index, which is up
/// to date, and the pseudonyms table, which is complete): the first failure, in `runs` order,
/// fails the test.
fn run_all(p: &Project, runs: &[Vec<String>], name: &str) {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut failures: Vec<(usize, String)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut failed = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(args) = runs.get(i) else { break };
                        let args = args_of(args);
                        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            run_clean(p, &args, name)
                        }));
                        if let Err(e) = run {
                            let msg = e
                                .downcast_ref::<String>()
                                .cloned()
                                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                                .unwrap_or_default();
                            failed.push((i, msg));
                        }
                    }
                    failed
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    failures.sort();
    if let Some((_, msg)) = failures.first() {
        panic!("{msg}");
    }
}

fn args_of(run: &[String]) -> Vec<&str> {
    run.iter().map(String::as_str).collect()
}

/// Run `args`; it must not fail (exit 2) and neither stream may name `name`.
fn run_clean(p: &Project, args: &[&str], name: &str) {
    let out = p.qcode(args).output().unwrap();
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "qcode {args:?} failed:\n{se}"
    );
    for (stream, text) in [("stdout", &so), ("stderr", &se)] {
        if let Some(l) = leak(text, name) {
            panic!("qcode {args:?}: {stream} names the participant: {l}");
        }
    }
}

/// The real segment ids (and the first of the text transcript), read with --with-names.
fn real_ids(p: &Project) -> Vec<String> {
    let (out, _) = p.run(
        &[
            "search",
            "",
            "--include-interviewer",
            "--with-names",
            "--format",
            "json",
            "-n",
            "1000",
        ],
        0,
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["segment_id"].as_str().unwrap().to_string())
        .collect()
}

fn check(c: &Case) {
    let p = c.project();
    let w = c.variant.write(c.name);
    run_clean(&p, &["index"], c.name);
    // A codings file that disagrees with the machine, a memo naming the participant.
    let ids = real_ids(&p);
    let mut codings = String::from("segment_id,code\n");
    for (i, id) in ids.iter().enumerate() {
        codings.push_str(&format!("\"{id}\",{}\n", ["trust", "dialogue", ""][i % 3]));
    }
    p.write("codings/h.csv", &codings);
    p.run(
        &[
            "memo",
            &ids[0],
            &format!("Ask {w} about the council again"),
            "--coder",
            "ann",
        ],
        0,
    );
    std::fs::create_dir_all(p.file("out")).unwrap();
    let mut runs: Vec<Vec<String>> = Vec::new();
    let mut add = |args: &[&str]| runs.push(args.iter().map(|s| s.to_string()).collect());
    for format in ["table", "csv", "json"] {
        add(&[
            "search",
            "",
            "--include-interviewer",
            "-C",
            "1",
            "-n",
            "100",
            "--format",
            format,
        ]);
        add(&["segments", "--include-interviewer", "--format", format]);
        add(&["codes", "--uncoded", "--format", format]);
        add(&[
            "agree",
            "codings/h.csv",
            "--disagreements",
            "--format",
            format,
        ]);
        add(&["memos", "--format", format]);
    }
    add(&["agree", "codings/h.csv"]);
    add(&["search", &w]);
    add(&["code", "--explain", &ids[0]]);
    add(&["codebook", "diff", "codebook", "--list"]);
    add(&["report", "-o", "out/report.html"]);
    add(&["export", "qdpx", "-o", "out/project.qdpx"]);
    for ext in ["csv", "json", "xlsx"] {
        for kind in ["quotes", "wide", "cooccur", "framework"] {
            add(&["export", kind, "-o", &format!("out/{kind}.{ext}")]);
        }
        add(&[
            "export",
            "crosstab",
            "--rows",
            "meta:notes",
            "--cols",
            "role",
            "-o",
            &format!("out/crosstab.{ext}"),
        ]);
    }
    // The first read writes the pseudonyms table; the others then only read it.
    run_clean(&p, &args_of(&runs[0]), c.name);
    // Masking keeps roles: the recording's `Interviewer` is a speaker's label, not a name.
    let (out, _) = p.run(
        &[
            "search",
            "",
            "--include-interviewer",
            "--format",
            "json",
            "-n",
            "1000",
        ],
        0,
    );
    let hits: serde_json::Value = serde_json::from_str(&out).unwrap();
    let roles: Vec<&str> = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["role"].as_str().unwrap())
        .collect();
    assert!(roles.contains(&"interviewer"), "{roles:?}");
    run_all(&p, &runs[1..], c.name);
    let mut exports: Vec<String> = std::fs::read_dir(p.file("out"))
        .unwrap()
        .map(|e| format!("out/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    exports.sort();
    for format in ["table", "csv", "json"] {
        let mut args = vec!["privacy", "check", "--format", format];
        args.extend(exports.iter().map(String::as_str));
        run_clean(&p, &args, c.name);
    }
    for f in &exports {
        if let Some(l) = leak(&file_text(&p.file(f)), c.name) {
            panic!("{f} names the participant: {l}");
        }
    }
    // The audit agrees: what it finds is in the project, none of it in the masked exports.
    let mut args = vec!["privacy", "check", "--format", "json"];
    args.extend(exports.iter().map(String::as_str));
    for f in findings(&p, &args) {
        assert!(f["file"].as_str().unwrap().starts_with("corpus/"), "{f}");
    }
    // With --with-names the name is there (so the checks above can fail), and the audit finds it.
    p.run(&["export", "quotes", "--with-names", "-o", "named.csv"], 0);
    let shown = std::fs::read_to_string(p.file("named.csv")).unwrap();
    assert!(
        normalise(&shown).contains(&normalise(c.name)),
        "export quotes --with-names does not show {}:\n{shown}",
        c.name
    );
    let found = findings(&p, &["privacy", "check", "--format", "json", "named.csv"]);
    assert!(found.iter().any(|f| f["file"] == "named.csv"), "{found:?}");
}

/// The findings `privacy check` (which exits 1 when it finds any) reports as JSON.
fn findings(p: &Project, args: &[&str]) -> Vec<serde_json::Value> {
    let out = p.qcode(args).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["findings"].as_array().unwrap().clone()
}

proptest! {
    // Each case runs the binary about forty times: a few cases, each a whole project.
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn no_spelling_of_a_name_in_any_output(c in case()) {
        check(&c);
    }
}

#[test]
fn the_leak_check_finds_every_spelling() {
    for (text, name) in [
        ("said ZOË LINDQVIST", "Zoë Lindqvist"),
        ("said zoe\u{308} lindqvist", "Zoë Lindqvist"),
        ("ＳＩＯＢＨＡＮ O’BRIEN", "Siobhan O'Brien"),
        ("case siobhán-o'brien:1.1", "Siobhán O’Brien"),
        ("mary-kate-oduya", "Mary-Kate Oduya"),
        ("我和王小明说过", "王小明"),
        ("&lt;td&gt;O&#39;Brien", "Siobhán O’Brien"),
    ] {
        assert!(leak(text, name).is_some(), "{text} / {name}");
    }
    assert_eq!(
        leak("[REDACTED] said so; the danaish road", "Dana Whitfield"),
        None
    );
}
