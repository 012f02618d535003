//! `qcode count` checked by hand, against itself (block and window sizes, the mapped and read
//! paths), and against the index's readers of the same table (`agree_with_the_index`).

use super::*;
use std::collections::HashMap;

use proptest::prelude::*;

use crate::codebook::{Code, Codebook, Matching, Pattern, PatternKind};
use crate::transcript::{parse_file, CsvRows, Segment, TranscriptSettings};

fn counter<'a>(matcher: &'a Matcher, code_ids: &'a [String], roles: &'a RoleTable) -> Counter<'a> {
    Counter {
        matcher,
        code_ids,
        roles,
    }
}

fn dictionary(codes: &[(&str, &[&str])]) -> Codebook {
    let mut cb = Codebook::empty();
    cb.matching = Matching::Dictionary;
    for (id, pats) in codes {
        let mut c = Code::new(id, id, "code");
        c.patterns = pats
            .iter()
            .map(|p| Pattern {
                text: p.to_string(),
                kind: PatternKind::Seq(Vec::new()),
            })
            .collect();
        cb.codes.push(c);
    }
    cb
}

fn run(input: &str, format: InputFormat, block: usize) -> Result<(String, Tally), CountError> {
    let cb = dictionary(&[
        ("a", &["trust*", "lack of trust"]),
        ("b", &["council", "trust"]),
    ]);
    let ids: Vec<String> = cb.codes.iter().map(|c| c.id.clone()).collect();
    let mut out = Vec::new();
    let (m, roles) = (Matcher::new(&cb).unwrap(), RoleTable::default());
    let tally = count(
        input.as_bytes(),
        format,
        block,
        Path::new("c.tsv"),
        counter(&m, &ids, &roles),
        &mut out,
    )?;
    Ok((String::from_utf8(out).unwrap(), tally))
}

/// Rows of varied length, one longer than the smallest block.
fn corpus(sep: char) -> String {
    let mut s = format!("segment_id{sep}role{sep}text\n");
    let words = [
        "trust",
        "council",
        "lack of trust",
        "the",
        "trusted",
        "distrust",
        "Council's",
    ];
    for i in 0..300 {
        let n = 1 + (i * 7) % 23;
        let text: Vec<&str> = (0..n).map(|k| words[(i + k * 3) % words.len()]).collect();
        let role = ["participant", "interviewer", "observer"][i % 3];
        s.push_str(&format!("r{i}{sep}{role}{sep}{}\n", text.join(" ")));
    }
    s
}

#[test]
fn block_size_does_not_change_the_output() {
    for (format, sep) in [(InputFormat::Tsv, '\t'), (InputFormat::Csv, ',')] {
        let input = corpus(sep);
        let (big, t_big) = run(&input, format, BLOCK_BYTES).unwrap();
        for block in [16, 100, 1000] {
            let (small, t_small) = run(&input, format, block).unwrap();
            assert_eq!(big, small, "block {block}");
            assert_eq!(t_big, t_small);
        }
        assert_eq!(t_big.segments, 300);
        assert!(big.lines().count() > 300);
    }
}

#[test]
fn a_mapped_tsv_counts_the_same_in_any_window() {
    let cb = dictionary(&[
        ("a", &["trust*", "lack of trust"]),
        ("b", &["council", "trust"]),
    ]);
    let ids: Vec<String> = cb.codes.iter().map(|c| c.id.clone()).collect();
    let (m, roles) = (Matcher::new(&cb).unwrap(), RoleTable::default());
    let input = corpus('\t');
    let (reference, t_ref) = run(&input, InputFormat::Tsv, BLOCK_BYTES).unwrap();
    for window in [1, 64, 5000, 1 << 26] {
        let mut out = Vec::new();
        let mut released = 0;
        let t = count_tsv_slice(
            input.as_bytes(),
            Path::new("c.tsv"),
            window,
            counter(&m, &ids, &roles),
            &mut out,
            &mut |r| released += r.len(),
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            reference,
            "window {window}"
        );
        assert_eq!(
            (t.roles.clone(), t.matrix.clone()),
            (t_ref.roles.clone(), t_ref.matrix.clone())
        );
        assert_eq!(t.segments, t_ref.segments);
        // Every byte after the header is handed back once.
        assert_eq!(released, input.len() - input.find('\n').unwrap() - 1);
    }
    // A bad row far into the file is named by its line, whatever the window.
    let bad = format!("{input}x\tparticipant\n");
    let lines = bad.lines().count();
    for window in [64, 1 << 26] {
        let Err(CountError::Input(e)) = count_tsv_slice(
            bad.as_bytes(),
            Path::new("c.tsv"),
            window,
            counter(&m, &ids, &roles),
            &mut Vec::new(),
            &mut |_| {},
        ) else {
            panic!("expected an input error");
        };
        assert_eq!(e.line, lines, "window {window}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]
    /// Any bytes: the reader and the mapped path never panic, agree on success, and
    /// agree with the reader at a tiny block size.
    #[test]
    fn any_input_is_counted_or_refused_the_same_way(
        body in proptest::collection::vec(
            prop_oneof![
                4 => proptest::sample::select(vec!["trust", "council", "lack of trust", "x", "Trusted"]).prop_map(|w| w.as_bytes().to_vec()),
                2 => Just(b"\t".to_vec()),
                2 => Just(b"\n".to_vec()),
                1 => Just(b"\r\n".to_vec()),
                1 => Just(b" ".to_vec()),
                1 => any::<u8>().prop_map(|b| vec![b]),
            ],
            0..60,
        ),
        header in proptest::bool::ANY,
    ) {
        let mut input = if header { b"segment_id\trole\ttext\n".to_vec() } else { Vec::new() };
        input.extend(body.into_iter().flatten());
        let cb = dictionary(&[("a", &["trust*", "lack of trust"]), ("b", &["council"])]);
        let ids: Vec<String> = cb.codes.iter().map(|c| c.id.clone()).collect();
        let (m, roles) = (Matcher::new(&cb).unwrap(), RoleTable::default());
        let read = |block: usize| {
            let mut out = Vec::new();
            count(input.as_slice(), InputFormat::Tsv, block, Path::new("f.tsv"), counter(&m, &ids, &roles), &mut out)
                .map(|t| (out, t))
                .map_err(|e| e.to_string())
        };
        let mut out = Vec::new();
        let mapped = count_tsv_slice(&input, Path::new("f.tsv"), 7, counter(&m, &ids, &roles), &mut out, &mut |_| {})
            .map(|t| (out, t))
            .map_err(|e| e.to_string());
        let (big, small) = (read(BLOCK_BYTES), read(5));
        prop_assert_eq!(big.is_ok(), mapped.is_ok(), "{:?} vs {:?}", big, mapped);
        if let (Ok(a), Ok(b), Ok(c)) = (&big, &mapped, &small) {
            prop_assert_eq!(&a.0, &b.0);
            prop_assert_eq!(&a.0, &c.0);
            prop_assert_eq!(&a.1, &b.1.clone());
        }
    }
}

#[test]
fn counts_by_hand() {
    let input = "segment_id\trole\ttext\n\
                 s1\tparticipant\tLack of trust in the council\r\n\
                 s2\tobserver\tnothing\n\
                 \n\
                 s3\t\tTrusted COUNCIL";
    let (out, t) = run(input, InputFormat::Tsv, 8).unwrap();
    // s1: a = trust* + lack of trust; b = council + trust. s3: a = Trusted; b = COUNCIL.
    assert_eq!(
        out,
        "segment_id\tcode_id\tcount\ns1\ta\t2\ns1\tb\t2\ns3\ta\t1\ns3\tb\t1\n"
    );
    // A row without a role counts under the role the index gives it, `unknown`.
    assert_eq!(t.roles, vec!["participant", "unknown"]);
    assert_eq!(t.matrix, vec![vec![2, 1], vec![2, 1]]);
    assert_eq!((t.segments, t.coded), (3, 2));
}

#[test]
fn a_ragged_row_names_its_line() {
    let input = "segment_id\trole\ttext\nx\tparticipant\tok\ny\tparticipant\n";
    let Err(CountError::Input(e)) = run(input, InputFormat::Tsv, 4) else {
        panic!("expected an input error");
    };
    assert_eq!(e.line, 3);
    assert!(e.message.contains("2 columns"), "{}", e.message);
    let Err(CountError::Input(e)) = run("id,role\n", InputFormat::Csv, 4) else {
        panic!("expected an input error");
    };
    assert!(e.message.contains("`text`"), "{}", e.message);
    // A row without an id stops the run, as it stops the index.
    for (input, format) in [
        ("id\ttext\nx\tok\n \tno id\n", InputFormat::Tsv),
        ("id,text\nx,ok\n\" \",no id\n", InputFormat::Csv),
    ] {
        let Err(CountError::Input(e)) = run(input, format, 4) else {
            panic!("expected an input error");
        };
        assert_eq!((e.message.as_str(), e.line), ("this row has no id", 3));
    }
}

/// A table corpus made from drawn choices: the header (which columns, which of the accepted
/// names, in which order), the rows, and how the file is written.
#[derive(Debug, Clone)]
struct TableSpec {
    id_name: usize,
    optional: [bool; 4],
    meta: [bool; 3],
    order: Vec<usize>,
    rows: Vec<RowSpec>,
    tsv: bool,
    crlf: bool,
    quote_all: bool,
    bom: bool,
    /// This row has no id: every reader must refuse the file, at the same line.
    no_id: Option<usize>,
}

/// One row: indexes into the pools below, the text's words, and whether the text is blank.
type RowSpec = (usize, usize, usize, usize, [usize; 3], Vec<usize>, u8);

const ROLE_LABELS: [&str; 8] = [
    "",
    "Cllr",
    "Councillor",
    " local resident ",
    "Resident",
    "Ward Officer",
    "I",
    "Ward officer.",
];
const SPEAKERS: [&str; 5] = ["", "P1", "Cllr Jones", "Resident", "\u{a0}"];
const INTERVIEWS: [&str; 4] = ["", "t1", "t-2", "T1"];
const NAMES: [&str; 3] = ["", "Dana Whitfield", "Ann"];
const META_VALUES: [&str; 5] = ["", "North", "East, side", "say \"hi\"", " padded "];
const WORDS: [&str; 8] = [
    "we",
    "trust",
    "the",
    "council,",
    "\"quoted\"",
    "café",
    "line\nbreak",
    "money",
];
const ROLE_TABLE: &str = "[roles.councillor]\nlabel = \"Councillor\"\naliases = [\"Cllr\"]\n\
    [roles.resident]\nlabel = \"Resident\"\naliases = [\"local resident\"]\n\
    [roles.interviewer]\nlabel = \"Interviewer\"\naliases = [\"I\"]\n";

fn table_spec() -> impl Strategy<Value = TableSpec> {
    let row = (
        0..ROLE_LABELS.len(),
        0..SPEAKERS.len(),
        0..INTERVIEWS.len(),
        0..NAMES.len(),
        proptest::array::uniform3(0..META_VALUES.len()),
        proptest::collection::vec(0..WORDS.len(), 0..10),
        0..12u8,
    );
    (
        (
            0..4usize,
            proptest::array::uniform4(any::<bool>()),
            proptest::array::uniform3(any::<bool>()),
            Just((0..10).collect::<Vec<usize>>()).prop_shuffle(),
        ),
        proptest::collection::vec(row, 0..25),
        proptest::array::uniform4(any::<bool>()),
        proptest::option::weighted(0.15, 0..25usize),
    )
        .prop_map(
            |((id_name, optional, meta, order), rows, [tsv, crlf, quote_all, bom], no_id)| {
                TableSpec {
                    id_name,
                    optional,
                    meta,
                    order,
                    rows,
                    tsv,
                    crlf,
                    quote_all,
                    bom,
                    no_id,
                }
            },
        )
}

impl TableSpec {
    fn path(&self) -> &'static Path {
        Path::new(if self.tsv { "w.tsv" } else { "w.csv" })
    }

    /// The file's bytes. Every non-blank text holds `zz` once, so each segment has exactly one
    /// hit of the code `z` and shows in count's output.
    fn bytes(&self) -> Vec<u8> {
        let id_names = ["id", "segment_id", "ID", " Segment_Id "];
        let optional = ["role", "speaker", "interview", "name"];
        let meta = ["area", "Wave", "site"];
        // (header, kind): kind 0 id, 1 text, 2.. optional, 6.. metadata.
        let mut cols: Vec<(&str, usize)> = vec![(id_names[self.id_name], 0), ("text", 1)];
        cols.extend(
            (0..4)
                .filter(|&i| self.optional[i])
                .map(|i| (optional[i], 2 + i)),
        );
        cols.extend((0..3).filter(|&i| self.meta[i]).map(|i| (meta[i], 6 + i)));
        cols.sort_by_key(|&(_, kind)| self.order[kind]);
        let eol = if self.crlf { "\r\n" } else { "\n" };
        let field = |v: &str| -> String {
            if self.tsv {
                return v.replace('\n', " ");
            }
            let v = v.replace('\n', eol);
            if self.quote_all || v.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", v.replace('"', "\"\""))
            } else {
                v
            }
        };
        let sep = if self.tsv { "\t" } else { "," };
        let mut out = String::from(if self.bom { "\u{feff}" } else { "" });
        let header: Vec<String> = cols.iter().map(|(h, _)| field(h)).collect();
        out.push_str(&header.join(sep));
        out.push_str(eol);
        for (i, (role, speaker, interview, name, meta, words, blank)) in
            self.rows.iter().enumerate()
        {
            let id = match i % 5 {
                _ if self.no_id == Some(i) => "  ".to_string(),
                0 => format!(" r{i} "),
                _ => format!("r{i}"),
            };
            let text = match blank {
                0 => String::new(),
                1 => " \u{a0} ".to_string(),
                _ => {
                    let mut w: Vec<&str> = words.iter().map(|&w| WORDS[w]).collect();
                    w.insert(words.len() / 2, "zz");
                    w.join(" ")
                }
            };
            let values: Vec<String> = cols
                .iter()
                .map(|&(_, kind)| match kind {
                    0 => id.clone(),
                    1 => text.clone(),
                    2 => ROLE_LABELS[*role].to_string(),
                    3 => SPEAKERS[*speaker].to_string(),
                    4 => INTERVIEWS[*interview].to_string(),
                    5 => NAMES[*name].to_string(),
                    m => META_VALUES[meta[m - 6]].to_string(),
                })
                .map(|v| field(&v))
                .collect();
            out.push_str(&values.join(sep));
            out.push_str(eol);
        }
        out.into_bytes()
    }
}

/// What a reader made of the file: its segments in file order, or its error (message, line).
type Reading<T> = Result<T, (String, usize)>;

fn refused(e: SourceError) -> (String, usize) {
    (e.message, e.line)
}

/// The index's whole-file path: decode, then [`crate::transcript::parse_csv`].
fn read_whole(bytes: &[u8], path: &Path, roles: &RoleTable) -> Reading<(Vec<Segment>, usize)> {
    let settings = TranscriptSettings::default();
    let rel = path.to_str().unwrap();
    let parsed =
        parse_file(&settings, roles, rel, path, bytes, &Default::default()).map_err(refused)?;
    let segments = parsed
        .interviews
        .into_iter()
        .flat_map(|iv| iv.segments)
        .collect();
    Ok((segments, parsed.warnings.len()))
}

/// The index's streamed path: [`CsvRows::next_batch`], `batch` rows at a time.
fn read_streamed(
    bytes: &[u8],
    path: &Path,
    roles: &RoleTable,
    batch: usize,
) -> Reading<(Vec<Segment>, usize)> {
    let rel = path.to_str().unwrap();
    let mut rows = CsvRows::new(bytes, path, rel, "w", None).map_err(refused)?;
    let mut out = Vec::new();
    loop {
        let b = rows.next_batch(roles, batch).map_err(refused)?;
        if b.is_empty() {
            return Ok((out, rows.warnings.len()));
        }
        out.extend(b);
    }
}

/// Count's view: (segment ids in order, tally), from its per-segment output.
fn read_counted(r: Result<Tally, CountError>, out: Vec<u8>) -> Reading<(Vec<String>, Tally)> {
    let tally = r.map_err(|e| match e {
        CountError::Input(e) => refused(*e),
        CountError::Output(e) => (e.to_string(), 0),
    })?;
    let out = String::from_utf8(out).unwrap();
    let ids = out
        .lines()
        .skip(1)
        .map(|l| l.strip_suffix("\tz\t1").unwrap_or(l).to_string())
        .collect();
    Ok((ids, tally))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// The same table, however written, means the same through every reader: the index's
    /// whole-file parse and streamed batches give the same segments (ids, roles, speakers,
    /// names, metadata, text), and count sees the same rows with the same role ids; a file one
    /// refuses, all refuse, at the same line.
    #[test]
    fn agree_with_the_index(spec in table_spec(), batch in 1..6usize, block in 1..300usize) {
        let mut roles = RoleTable::default();
        roles.add_file(Path::new("r.toml"), ROLE_TABLE).unwrap();
        let cb = dictionary(&[("z", &["zz"])]);
        let ids = vec!["z".to_string()];
        let m = Matcher::new(&cb).unwrap();
        let (bytes, path) = (spec.bytes(), spec.path());

        let whole = read_whole(&bytes, path, &roles);
        let streamed = read_streamed(&bytes, path, &roles, batch);
        let mut counts = Vec::new();
        let mut out = Vec::new();
        let format = InputFormat::for_path(path);
        let r = count(bytes.as_slice(), format, block, path, counter(&m, &ids, &roles), &mut out);
        counts.push(read_counted(r, out));
        if spec.tsv {
            let mut out = Vec::new();
            let r = count_tsv_slice(&bytes, path, block, counter(&m, &ids, &roles), &mut out, &mut |_| {});
            counts.push(read_counted(r, out));
        }

        let (mut whole, streamed) = match (whole, streamed) {
            (Ok(w), Ok(s)) => (w, s),
            (Err(w), Err(s)) => {
                prop_assert_eq!(&w, &s);
                prop_assert!(w.0.contains("no id"), "{:?}", w);
                for c in &counts {
                    prop_assert_eq!(c.as_ref().err(), Some(&w));
                }
                return Ok(());
            }
            (w, s) => {
                prop_assert!(false, "whole {:?}\nstreamed {:?}", w, s);
                unreachable!()
            }
        };
        prop_assert!(spec.no_id.is_none_or(|k| k >= spec.rows.len()));
        // parse_csv groups rows by interview; put them back in file order.
        let order: HashMap<&str, usize> =
            streamed.0.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
        whole.0.sort_by_key(|s| order.get(s.id.as_str()).copied());
        prop_assert_eq!(&whole, &streamed);

        let segs = &streamed.0;
        let mut role_order: Vec<&str> = Vec::new();
        for s in segs {
            if !role_order.contains(&s.role.as_str()) {
                role_order.push(&s.role);
            }
        }
        let per_role: Vec<u64> = role_order
            .iter()
            .map(|r| segs.iter().filter(|s| &s.role == r).count() as u64)
            .collect();
        let seg_ids: Vec<String> = segs.iter().map(|s| s.id.clone()).collect();
        for c in counts {
            let (count_ids, tally) = c.map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(&count_ids, &seg_ids);
            prop_assert_eq!(tally.segments, segs.len() as u64);
            prop_assert_eq!(&tally.roles, &role_order);
            let cells = tally.matrix.first().cloned().unwrap_or_default();
            prop_assert_eq!(&cells, &per_role);
        }
    }
}

#[test]
fn the_long_form_lists_nonzero_counts_and_the_parts_add_up_to_the_whole() {
    let whole = corpus('\t');
    let (_, all) = run(&whole, InputFormat::Tsv, 1 << 20).unwrap();
    let ids = ["a".to_string(), "b".to_string()];
    let table = |t: &Tally| {
        let mut out = Vec::new();
        write_long(t, &ids, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    let sum = |text: &str, into: &mut HashMap<(String, String), u64>| {
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 3, "{line}");
            assert_ne!(f[2], "0", "zero counts are left out");
            *into.entry((f[0].into(), f[1].into())).or_default() += f[2].parse::<u64>().unwrap();
        }
    };
    let mut expected = HashMap::new();
    sum(&table(&all), &mut expected);
    // Split after any row: each half with the header, as an engine's partitions are given it.
    let lines: Vec<&str> = whole.lines().collect();
    for cut in (1..lines.len()).step_by(29) {
        let mut added = HashMap::new();
        for part in [&lines[1..cut], &lines[cut..]] {
            let text = format!("{}\n{}\n", lines[0], part.join("\n"));
            let (_, t) = run(&text, InputFormat::Tsv, 1 << 20).unwrap();
            sum(&table(&t), &mut added);
        }
        assert_eq!(added, expected, "cut after line {cut}");
    }
}
