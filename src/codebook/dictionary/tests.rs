//! Tests of the dictionary layer as a whole: converted files load, round trips through TOML and
//! quanteda YAML keep what each format carries, and imports check against the codebook they join.

use std::path::Path;

use proptest::prelude::*;

use super::*;
use crate::codebook::{load_texts, Codebook, Elem, Pattern, PatternKind};
use crate::text::tokens::TokenOptions;

fn load_one(toml: &str) -> Result<Codebook, Vec<SourceError>> {
    load_texts(Path::new("c"), vec![("c/t.toml".into(), toml.to_string())]).map(|(cb, _)| cb)
}

fn toml_of(cats: &[Category], format: DictFormat, dimension: &str) -> String {
    to_toml(cats, &code_ids(cats, &Taken::new()), "t", format, dimension).unwrap()
}

#[test]
fn toml_output_loads_as_a_codebook() {
    let cats = parse_dictionary(
        "TRUST\n    HONEST* (1)\n    EARLY WIN (1)\n    DISTRUST\n        SUSPICIOUS (2)\n",
        DictFormat::WordStat,
    )
    .unwrap();
    let toml = toml_of(&cats, DictFormat::WordStat, "imported");
    let cb = load_one(&toml).unwrap();
    assert_eq!(cb.codes.len(), 2, "{toml}");
    assert_eq!(cb.codes[1].parent.as_deref(), Some("trust"));
    assert_eq!(cb.codes[0].patterns[1].text, "\"early win\"");
}

#[test]
fn ids_are_made_unique_against_each_other_and_the_codebook() {
    let cats =
        parse_dictionary("+Trust\na\n+TRUST\nb\n+trust 2\nc\n", DictFormat::Lexicoder).unwrap();
    let taken = Taken::from([("trust".to_string(), "a.toml:1".to_string())]);
    assert_eq!(code_ids(&cats, &taken), ["trust_2", "trust_3", "trust_2_2"]);
}

/// A project folder with a codebook file and a dictionary.
fn project(codebook: &str, dict_name: &str, dict: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("codebook")).unwrap();
    std::fs::write(d.path().join("codebook/a.toml"), codebook).unwrap();
    std::fs::write(d.path().join(dict_name), dict).unwrap();
    d
}

fn import(d: &Path, dict_name: &str, output: Option<&Path>) -> Result<Imported, ImportError> {
    import_dictionary(&ImportRequest {
        dictionary: &d.join(dict_name),
        format: None,
        dimension: "imported",
        codebook_dir: &d.join("codebook"),
        output,
    })
}

#[test]
fn an_import_joins_the_codebook_without_clashes() {
    let d = project("[codes.trust]\nlabel = \"T\"\n", "t.lc3", "+TRUST\nword\n");
    let imported = import(d.path(), "t.lc3", None).unwrap();
    assert_eq!(imported.path, d.path().join("codebook/t.toml"));
    assert!(
        imported.converted.toml.contains("[codes.trust_2]"),
        "{}",
        imported.converted.toml
    );
    // Written elsewhere, the file stands alone: no clash to avoid.
    let alone = import(d.path(), "t.lc3", Some(&d.path().join("t.toml"))).unwrap();
    assert!(alone.converted.toml.contains("[codes.trust]"));
}

#[test]
fn an_import_that_cannot_join_the_codebook_is_refused() {
    let json = "{\"codes\": [\n{\"id\": \"x\"},\n{\"id\": \"trust\"}]}";
    let d = project(
        "[codebook]\nmatching = \"dictionary\"\n[codes.trust]\nlabel = \"T\"\n",
        "d.json",
        json,
    );
    match import(d.path(), "d.json", None) {
        Err(ImportError::Dictionary(e)) => {
            assert_eq!(e.line, 3, "{e}");
            assert!(e.path.ends_with("d.json"), "{e}");
            assert!(e.message.contains("already defined in"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    let d = project("[codes.trust]\nlabel = \"T\"\n", "d.json", json);
    match import(d.path(), "d.json", None) {
        Err(ImportError::Dictionary(e)) => {
            assert!(e.message.contains("matched as a dictionary"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        import(d.path(), "d.json", Some(&d.path().join("codebook/a.toml"))),
        Err(ImportError::Exists(_))
    ));
    std::fs::write(d.path().join("d.txt"), "x").unwrap();
    assert!(matches!(
        import(d.path(), "d.txt", None),
        Err(ImportError::UnknownFormat(_))
    ));
    let d = project("[codes.trust]\nlabel = 1\n", "t.lc3", "+A\nb\n");
    assert!(matches!(
        import(d.path(), "t.lc3", None),
        Err(ImportError::Codebook(_))
    ));
}

// ---- property tests ----

/// Ids and names of every kind: slugs, ids TOML must quote, unicode, spaces, quotes, backslashes,
/// line breaks, control characters, nothing at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_]{0,6}",
        "C[0-9]{2}\\.[0-9]{2}",
        "[a-zA-Z \"'\\\\\n\t.:#\\[\\]=é中-]{0,8}",
        "\\PC{0,6}",
        any::<String>().prop_map(|s| s.chars().take(6).collect()),
    ]
}

/// Patterns of every kind a rules codebook takes (NEAR and regexes only TOML carries).
fn rules_pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Zé]{1,6}",
        "[a-z]{1,4}[*?][a-z]{0,2}",
        "\"[a-z]{1,4} [a-z]{1,4}\\*?\"",
        "[a-z]{1,4} NEAR/[1-9] [a-z]{1,4}",
        "/[a-z]{1,4}\\+?/",
        // Anything else that reads as a word, phrase or glob.
        "[a-zA-Z0-9 *?\"'_/.-]{1,10}".prop_filter("a pattern", |p| {
            Pattern::parse(p, OPTS).is_ok() && p.trim() == p
        }),
    ]
}

/// Patterns a counting dictionary takes.
fn dictionary_pattern() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z0-9_']{1,6}\\*?", "\"[a-z]{1,4} [a-z]{1,4}\\*?\"",]
        .prop_filter("a dictionary entry", |p| {
            crate::codebook::dictionary_entry(p).is_ok()
        })
}

const OPTS: TokenOptions = TokenOptions {
    stem: false,
    case_sensitive: false,
    language: crate::text::Language::English,
};

/// Categories with their ids, each parent before its child.
fn categories(dictionary: bool) -> impl Strategy<Value = Vec<Category>> {
    let pattern = if dictionary {
        dictionary_pattern().boxed()
    } else {
        rules_pattern().boxed()
    };
    let one = (
        text(),
        prop::option::of(text()),
        any::<prop::sample::Index>(),
        any::<bool>(),
        prop::collection::vec(pattern, 0..4),
    );
    prop::collection::vec(one, 1..7).prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (name, id, parent, has_parent, patterns))| Category {
                id,
                name,
                parent: (i > 0 && has_parent).then(|| parent.index(i)),
                patterns,
            })
            .collect()
    })
}

fn seq(p: &Pattern) -> Option<Vec<Elem>> {
    match &p.kind {
        PatternKind::Seq(e) => Some(e.clone()),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Categories → TOML → codebook: every field TOML carries comes back as it was.
    #[test]
    fn toml_round_trip(
        (dictionary, cats) in any::<bool>().prop_flat_map(|d| (Just(d), categories(d))),
        dimension in text(),
    ) {
        let format = if dictionary { DictFormat::Json } else { DictFormat::Yaml };
        let ids = code_ids(&cats, &Taken::new());
        let toml = to_toml(&cats, &ids, "t", format, &dimension).unwrap();
        let cb = load_one(&toml).map_err(|e| TestCaseError::fail(format!("{e:?}\n{toml}")))?;
        prop_assert_eq!(cb.codes.len(), cats.len());
        prop_assert_eq!(cb.matching, format.matching());
        for (i, (c, code)) in cats.iter().zip(&cb.codes).enumerate() {
            prop_assert_eq!(&code.id, &ids[i]);
            prop_assert_eq!(&code.label, &c.name);
            prop_assert_eq!(&code.dimension, &dimension);
            prop_assert_eq!(code.parent.as_deref(), c.parent.map(|p| ids[p].as_str()));
            let texts: Vec<&str> = code.patterns.iter().map(|p| p.text.as_str()).collect();
            prop_assert_eq!(texts, c.patterns.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }

    /// Codebook → quanteda YAML → import → codebook: the ids, the hierarchy and the words of
    /// every word, phrase and glob pattern come back (YAML carries no labels, and no NEAR or
    /// regex).
    #[test]
    fn yaml_round_trip(cats in categories(false), labels in text()) {
        let mut cats = cats;
        // Explicit ids, as a codebook has: the TOML gives them, YAML keys keep them.
        for (i, c) in cats.iter_mut().enumerate() {
            c.id.get_or_insert_with(|| format!("c{i}"));
        }
        let original = load_one(&toml_of(&cats, DictFormat::Yaml, &labels)).unwrap();
        let yaml = to_yaml(&original).unwrap();
        let back = parse_dictionary(&yaml, DictFormat::Yaml)
            .map_err(|e| TestCaseError::fail(format!("{e:?}\n{yaml}")))?;
        let reloaded = load_one(&toml_of(&back, DictFormat::Yaml, "d"))
            .map_err(|e| TestCaseError::fail(format!("{e:?}\n{yaml}")))?;
        prop_assert_eq!(reloaded.codes.len(), original.codes.len(), "{}", yaml);
        for code in &original.codes {
            let again = reloaded.code(&code.id);
            prop_assert!(again.is_some(), "{} missing\n{}", code.id, yaml);
            let again = again.unwrap();
            prop_assert_eq!(&again.parent, &code.parent);
            let words = |c: &crate::codebook::Code| c.patterns.iter().filter_map(seq).collect::<Vec<_>>();
            prop_assert_eq!(words(again), words(code), "{}", yaml);
        }
    }
}

/// Entries of every kind, and of no kind: words, phrases (with spaces and `_`), globs inside
/// and alone, pattern syntax (quotes, NEAR, slashes), punctuation only, nothing.
fn entry() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z]{1,6}\\*?",
        2 => "[a-z]{1,4}[ _][a-z]{1,4}",
        1 => Just("NEAR".to_string()),
        1 => "[a-z]{1,3} NEAR(/[0-9])? [a-z]{1,3}",
        1 => "/[a-z]{0,3}/?",
        1 => "[a-zA-Z0-9 _*?\"'/:().,;!#&<>\\\\-]{0,8}",
        1 => "\\PC{0,5}",
    ]
}

fn name() -> impl Strategy<Value = String> {
    // A line-format name may not look like an entry (`x (1)`) or a `%` line; anything else goes.
    "[A-Za-z][A-Za-z0-9 _.:'\"é-]{0,8}".prop_map(|s| s.trim().to_string())
}

/// A dictionary of `format` as text, built from names, entries and parents.
fn dictionary_text(format: DictFormat) -> impl Strategy<Value = String> {
    let cat = (
        name(),
        prop::collection::vec(entry(), 0..4),
        any::<prop::sample::Index>(),
        any::<u8>(),
    );
    prop::collection::vec(cat, 1..5).prop_map(move |cats| render(format, &cats))
}

type RawCat = (String, Vec<String>, prop::sample::Index, u8);

fn render(format: DictFormat, cats: &[RawCat]) -> String {
    let mut out = String::new();
    match format {
        DictFormat::WordStat => {
            for (i, (name, entries, _, depth)) in cats.iter().enumerate() {
                let pad = "    ".repeat(if i == 0 { 0 } else { (*depth % 3) as usize });
                out.push_str(&format!("{pad}{name}\n"));
                for e in entries {
                    out.push_str(&format!("{pad}    {e} (1)\n"));
                }
            }
        }
        DictFormat::Liwc => {
            out.push_str("%\n");
            for (i, (name, _, _, _)) in cats.iter().enumerate() {
                let name = name.split_whitespace().next().unwrap_or("x");
                out.push_str(&format!("{}\t{name}\n", i + 1));
            }
            out.push_str("%\n");
            for (i, (_, entries, _, _)) in cats.iter().enumerate() {
                for e in entries {
                    out.push_str(&format!("{e}\t{}\n", i + 1));
                }
            }
        }
        DictFormat::Lexicoder => {
            for (name, entries, _, _) in cats {
                out.push_str(&format!("+{name}\n"));
                for e in entries {
                    out.push_str(&format!("{e}\n"));
                }
            }
        }
        DictFormat::Yaml => {
            let mut root = serde_norway::Mapping::new();
            for (name, entries, _, depth) in cats {
                let list = serde_norway::Value::Sequence(
                    entries.iter().map(|e| e.as_str().into()).collect(),
                );
                let value = if depth % 2 == 0 {
                    list
                } else {
                    let mut sub = serde_norway::Mapping::new();
                    sub.insert(name.as_str().into(), list);
                    sub.insert("sub".into(), serde_norway::Value::Null);
                    serde_norway::Value::Mapping(sub)
                };
                root.insert(name.as_str().into(), value);
            }
            out = serde_norway::to_string(&root).unwrap();
        }
        DictFormat::Json => {
            let codes: Vec<serde_json::Value> = cats
                .iter()
                .enumerate()
                .map(|(i, (name, entries, parent, depth))| {
                    let mut code = serde_json::json!({"id": name, "patterns": entries});
                    // Mostly an earlier code; now and then any, so forward references,
                    // unknown parents (a repeated name) and cycles come up too.
                    let p = match depth % 6 {
                        0 => Some(parent.index(cats.len())),
                        1 | 2 if i > 0 => Some(parent.index(i)),
                        _ => None,
                    };
                    if let Some(p) = p {
                        code["parent"] = cats[p].0.clone().into();
                    }
                    if i % 2 == 0 {
                        code["name"] = format!("{name} {i}").into();
                    }
                    code
                })
                .collect();
            out = serde_json::json!({ "codes": codes }).to_string();
        }
    }
    out
}

const FORMATS: [DictFormat; 5] = [
    DictFormat::WordStat,
    DictFormat::Liwc,
    DictFormat::Lexicoder,
    DictFormat::Yaml,
    DictFormat::Json,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the dictionary, an import that succeeds writes a codebook that loads, and one
    /// that fails names a line (or the whole file) and says why.
    #[test]
    fn a_successful_import_always_loads(
        text in prop::sample::select(FORMATS.to_vec()).prop_flat_map(dictionary_text),
        dimension in text(),
    ) {
        // Each text read as every format: its own, and the others' (which mostly refuse it).
        for format in FORMATS {
            match parse_dictionary(&text, format) {
                Ok(cats) => {
                    let toml = toml_of(&cats, format, &dimension);
                    if let Err(e) = load_one(&toml) {
                        return Err(TestCaseError::fail(format!("{format:?}: {e:?}\n{text}\n{toml}")));
                    }
                }
                Err(e) => prop_assert!(!e.message.is_empty()),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any text at all, as every format: a value or an error, never a panic; and a value loads.
    #[test]
    fn any_text_is_read_or_refused(text in "(?s).{0,120}") {
        for format in FORMATS {
            if let Ok(cats) = parse_dictionary(&text, format) {
                let toml = toml_of(&cats, format, "d");
                prop_assert!(load_one(&toml).is_ok(), "{:?}\n{}\n{}", format, text, toml);
            }
        }
    }
}
