//! Reading each dictionary format from its text into categories. Every entry becomes a pattern
//! where it is read ([`super::entry`]), so an entry that cannot be one is reported at its line, in
//! every format: the line formats count lines, and YAML and JSON are read through serde visitors
//! whose errors the parsers locate.

mod json;
mod lines;
mod yaml;

use super::entry::to_pattern;
use super::{Category, DictError, DictFormat, Taken};

/// Read a dictionary.
pub fn parse_dictionary(text: &str, format: DictFormat) -> Result<Vec<Category>, DictError> {
    parse(text, format, &Taken::new())
}

/// Read a dictionary whose codes join a codebook that has the codes `taken`: an id the
/// dictionary gives (JSON) may not be one of them.
pub(super) fn parse(
    text: &str,
    format: DictFormat,
    taken: &Taken,
) -> Result<Vec<Category>, DictError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let cats = match format {
        DictFormat::WordStat => lines::wordstat(text)?,
        DictFormat::Liwc => lines::liwc(text)?,
        DictFormat::Lexicoder => lines::lexicoder(text)?,
        DictFormat::Yaml => yaml::yaml(text)?,
        DictFormat::Json => json::json(text, taken)?,
    };
    if cats.is_empty() {
        return Err(DictError::new(0, "no categories found"));
    }
    Ok(cats)
}

/// An entry on line `line` as a pattern, or the located reason it cannot be one.
fn at_line(line: usize, entry: &str, format: DictFormat) -> Result<String, DictError> {
    to_pattern(entry, format).map_err(|e| DictError {
        line,
        message: e.message,
        help: Some(e.help),
    })
}

impl Category {
    /// A category with a name and no id of its own, patterns to come.
    fn named(name: &str, parent: Option<usize>) -> Category {
        Category {
            id: None,
            name: name.to_string(),
            parent,
            patterns: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordstat_hierarchy_and_weights() {
        let cats = parse_dictionary("TRUST\n    HONEST* (1)\n    EARLY WIN (1)\n    DISTRUST\n        SUSPICIOUS (2)\nDIALOGUE\n    FEEDBACK (1)\n", DictFormat::WordStat).unwrap();
        assert_eq!(cats.len(), 3);
        assert_eq!(cats[0].patterns, ["honest*", "\"early win\""]);
        assert_eq!(cats[1].parent, Some(0));
        assert_eq!(cats[1].patterns, ["suspicious"]);
        assert_eq!(cats[2].parent, None);
    }

    #[test]
    fn liwc_categories_and_entries() {
        let cats = parse_dictionary(
            "%\n1\tposemo\n2\tnegemo\n%\ngood\t1\nbad*\t2\nkind of\t1\t2\n",
            DictFormat::Liwc,
        )
        .unwrap();
        assert_eq!(cats[0].patterns, ["good", "\"kind of\""]);
        assert_eq!(cats[1].patterns, ["bad*", "\"kind of\""]);
        assert_eq!(
            parse_dictionary("%\n1\tx\n%\nword\t9\n", DictFormat::Liwc)
                .unwrap_err()
                .line,
            4
        );
    }

    #[test]
    fn lexicoder_and_yaml() {
        let cats = parse_dictionary(
            "+POSITIVE\ngood\ngreat*\n+NEGATIVE\nbad\n",
            DictFormat::Lexicoder,
        )
        .unwrap();
        assert_eq!(cats[1].patterns, ["bad"]);
        let cats = parse_dictionary("economy:\n  jobs:\n    - jobs\n    - employ*\n  growth:\n    - growth\nhealth:\n  - nhs\n  - \"health service\"\n", DictFormat::Yaml).unwrap();
        assert_eq!(cats.len(), 4);
        assert_eq!(cats[1].parent, Some(0));
        assert_eq!(cats[3].patterns, ["nhs", "\"health service\""]);
    }

    #[test]
    fn entries_that_cannot_be_patterns_are_refused_at_their_line() {
        let cases = [
            ("TRUST\n    * (1)\n", DictFormat::WordStat, 2),
            ("%\n1\tx\n%\ngood\t1\n:)\t1\n", DictFormat::Liwc, 5),
            ("+A\nok\n--\n", DictFormat::Lexicoder, 3),
            ("a:\n  - ok\n  - '*'\n", DictFormat::Yaml, 3),
            (
                "{\"codes\": [\n {\"id\": \"a\",\n  \"patterns\": [\"ok\",\n   \"tr*st\"]}]}",
                DictFormat::Json,
                4,
            ),
        ];
        for (text, format, line) in cases {
            let e = parse_dictionary(text, format).unwrap_err();
            assert_eq!(e.line, line, "{format:?}: {e:?}");
            assert!(e.message.contains("cannot be a pattern"), "{e:?}");
            assert!(e.help.is_some(), "{e:?}");
        }
    }
}
