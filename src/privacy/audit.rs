//! The audit before sharing (`qcode privacy check`): where a participant's name is in the
//! project outside the text the boundary masks (file names, interview ids, speaker and role
//! labels, metadata keys and values), which speaker labels look like names nobody declared
//! (so nothing can mask them), and where a declared name or a `--redact` word is in files
//! about to be shared ([`files`]). A finding says what was found and where, and keeps the words
//! found apart ([`Finding::words`]) so the caller can show them or, masked with
//! [`Finding::masked`], not.

pub mod files;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::index::{IndexError, Load, Mask, SearchIndex};
use crate::roles::RoleTable;
use crate::text::redact::{normalise, RedactError, Redactor};

/// What was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Found {
    /// A participant's declared name, whole; `words`: how many words it has.
    Name { words: usize },
    /// A part of a declared name, alone.
    NamePart,
    /// A name or place on the `--redact` list; `words`: how many words it has.
    Listed { words: usize },
    /// A speaker or role label that looks like a name and is not a declared one, so nothing
    /// masks it; the reason it looks like one.
    LooksLikeName(&'static str),
}

impl Found {
    /// A short, stable name of the kind of finding (for CSV and JSON).
    pub fn kind(&self) -> &'static str {
        match self {
            Found::Name { .. } => "declared-name",
            Found::NamePart => "declared-name-part",
            Found::Listed { .. } => "redact-list",
            Found::LooksLikeName(_) => "undeclared-name",
        }
    }

    /// What was found, in words that never quote it: "a declared name (2 words)".
    pub fn describe(&self) -> String {
        let words = |n: usize| {
            if n == 1 {
                "1 word".into()
            } else {
                format!("{n} words")
            }
        };
        match self {
            Found::Name { words: n } => format!("a declared name ({})", words(*n)),
            Found::NamePart => "part of a declared name".into(),
            Found::Listed { words: n } => format!("a --redact word ({})", words(*n)),
            Found::LooksLikeName(why) => {
                format!("a label that looks like a name ({why}) but is not declared as one")
            }
        }
    }
}

/// Where it was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Place {
    /// The name of the file itself.
    FileName,
    /// An interview id the file holds.
    Interview(String),
    /// A speaker label, first on `segment`, on `segments` segments in all.
    Speaker {
        label: String,
        segment: String,
        segments: usize,
    },
    /// A role id or label, first on `segment`.
    Role {
        label: String,
        segment: String,
        segments: usize,
    },
    /// The text of a segment (a speaker's label read as words: `Name (she/her): …`).
    Text(String),
    /// A metadata key of an interview.
    MetaKey { key: String, interview: String },
    /// A metadata value of an interview (under `key`).
    MetaValue { key: String, interview: String },
    /// A line of a text file.
    Line(usize),
    /// A cell of a CSV or TSV file: the record's line and the column's header.
    Cell { line: usize, column: String },
    /// A cell of a spreadsheet (`B14`), or the sheet's name when `cell` is empty.
    Sheet { sheet: String, cell: String },
    /// A JSON value (`key`: an object's key) at a path such as `$.tables[0].rows[3][13]`.
    Json { path: String, key: bool },
    /// Inside a package (.qdpx): an entry's line, or its name when `line` is 0.
    Entry { entry: String, line: usize },
}

impl Place {
    /// Where, without the file: "line 14, column text".
    pub fn describe(&self) -> String {
        let more = |n: usize| match n {
            0 | 1 => String::new(),
            2 => " and 1 more segment".into(),
            n => format!(" and {} more segments", n - 1),
        };
        let quoted = |s: &str| {
            if s.is_empty() {
                String::new()
            } else {
                format!(" `{s}`")
            }
        };
        match self {
            Place::FileName => "file name".into(),
            Place::Interview(id) => format!("interview id {id}"),
            Place::Speaker {
                label,
                segment,
                segments,
            } => format!(
                "speaker label{} of {segment}{}",
                quoted(label),
                more(*segments)
            ),
            Place::Role {
                label,
                segment,
                segments,
            } => format!(
                "role label{} of {segment}{}",
                quoted(label),
                more(*segments)
            ),
            Place::Text(segment) => format!("text of {segment}"),
            Place::MetaKey { key, interview } => {
                format!("metadata key `{key}` of interview {interview}")
            }
            Place::MetaValue { key, interview } => {
                format!("metadata `{key}` of interview {interview}")
            }
            Place::Line(n) => format!("line {n}"),
            Place::Cell { line, column } => format!("line {line}, column {column}"),
            Place::Sheet { sheet, cell } if cell.is_empty() => format!("name of sheet {sheet}"),
            Place::Sheet { sheet, cell } => format!("sheet {sheet}, cell {cell}"),
            Place::Json { path, key: false } => path.clone(),
            Place::Json { path, key: true } => format!("a key at {path}"),
            Place::Entry { entry, line: 0 } => format!("name of entry {entry}"),
            Place::Entry { entry, line } => format!("{entry}, line {line}"),
        }
    }
}

/// One thing found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// The file it is in (a corpus file for what the project holds), as the user named it.
    pub file: String,
    pub place: Place,
    pub found: Found,
    /// The words found, as written there: for the user who asked to see names.
    pub words: String,
}

impl Finding {
    /// The finding as `mask` shows things: no words; ids and labels by pseudonym; names in the
    /// file, keys, columns and paths masked; a label that looks like an undeclared name left
    /// out (nothing could mask it).
    pub fn masked(&self, mask: &Mask) -> Finding {
        let text = |s: &str| mask.redactor.apply(s);
        let label = |s: &str| match (&self.found, mask.speakers.get(s)) {
            (Found::LooksLikeName(_), _) => String::new(),
            (_, Some(p)) => p.clone(),
            (_, None) => mask.id(s),
        };
        let place = match &self.place {
            Place::FileName => Place::FileName,
            Place::Interview(id) => Place::Interview(mask.id(id)),
            Place::Speaker {
                label: l,
                segment,
                segments,
            } => Place::Speaker {
                label: label(l),
                segment: mask.id(segment),
                segments: *segments,
            },
            Place::Role {
                label: l,
                segment,
                segments,
            } => Place::Role {
                label: if matches!(self.found, Found::LooksLikeName(_)) {
                    String::new()
                } else {
                    mask.id(l)
                },
                segment: mask.id(segment),
                segments: *segments,
            },
            Place::Text(segment) => Place::Text(mask.id(segment)),
            Place::MetaKey { key, interview } => Place::MetaKey {
                key: text(key),
                interview: mask.id(interview),
            },
            Place::MetaValue { key, interview } => Place::MetaValue {
                key: text(key),
                interview: mask.id(interview),
            },
            Place::Line(n) => Place::Line(*n),
            Place::Cell { line, column } => Place::Cell {
                line: *line,
                column: text(column),
            },
            Place::Sheet { sheet, cell } => Place::Sheet {
                sheet: text(sheet),
                cell: cell.clone(),
            },
            Place::Json { path, key } => Place::Json {
                path: text(path),
                key: *key,
            },
            Place::Entry { entry, line } => Place::Entry {
                entry: mask.id(entry),
                line: *line,
            },
        };
        Finding {
            file: mask.id(&self.file),
            place,
            found: self.found.clone(),
            words: String::new(),
        }
    }

    /// One line: what was found and where, e.g. "a declared name (2 words) at quotes.csv:14,
    /// column text".
    pub fn line(&self) -> String {
        let what = self.found.describe();
        let at = match &self.place {
            Place::FileName => format!("in the file name {}", self.file),
            Place::Line(n) => format!("at {}:{n}", self.file),
            Place::Cell { line, column } => format!("at {}:{line}, column {column}", self.file),
            Place::Entry { entry, line } if *line > 0 => {
                format!("at {} {entry}:{line}", self.file)
            }
            Place::Json { .. } | Place::Sheet { .. } | Place::Entry { .. } => {
                format!("at {}, {}", self.file, self.place.describe())
            }
            _ => format!("in the {} ({})", self.place.describe(), self.file),
        };
        match self.words.as_str() {
            "" => format!("{what} {at}"),
            w => format!("{what} {at}: `{w}`"),
        }
    }
}

/// What the audit looks for: the declared names (each part alone too, unless the corpus uses
/// it as an ordinary word) and the `--redact` list, kept apart so a finding can say which.
#[derive(Debug, Clone)]
pub struct Auditor {
    names: Redactor,
    list: Redactor,
    /// Each declared name, normalised: a match equal to one is a whole name.
    whole: HashSet<String>,
    roles: RoleTable,
}

impl Auditor {
    /// An auditor for `names` (their parts in `everyday` left alone), the redaction `list`'s
    /// text, and `roles` (labels a role table knows are roles, not names).
    pub fn new(
        names: &[String],
        everyday: &HashSet<String>,
        list: &str,
        roles: RoleTable,
    ) -> Result<Auditor, RedactError> {
        Ok(Auditor {
            names: Redactor::with_everyday("", names, everyday)?,
            list: Redactor::new(list, &[])?,
            whole: names.iter().map(|n| normal(n)).collect(),
            roles,
        })
    }

    /// The auditor for `index`'s declared names and roles, and the list `redact_list`.
    pub fn for_index(
        index: &SearchIndex,
        redact_list: &str,
    ) -> Result<Auditor, super::PrivacyError> {
        let names = super::person_names(index.manifest.names(), &index.codebook().roles);
        let everyday = super::everyday_parts(index, &names)?;
        Ok(Auditor::new(
            &names,
            &everyday,
            redact_list,
            index.codebook().roles.clone(),
        )?)
    }

    /// Each name and listed word in `text`: what it is, and the words as written.
    pub fn find(&self, text: &str) -> Vec<(Found, String)> {
        let mut out: Vec<(usize, Found, String)> = Vec::new();
        for (s, e) in self.names.find(text) {
            let words = &text[s..e];
            let n = normal(words);
            let found = if self.whole.contains(&n) {
                Found::Name {
                    words: n.split(' ').count(),
                }
            } else {
                Found::NamePart
            };
            out.push((s, found, words.to_string()));
        }
        for (s, e) in self.list.find(text) {
            let words = &text[s..e];
            let n = normal(words).split(' ').count();
            out.push((s, Found::Listed { words: n }, words.to_string()));
        }
        out.sort_by_key(|(s, _, _)| *s);
        out.into_iter().map(|(_, f, w)| (f, w)).collect()
    }

    /// [`Auditor::find`] in an id, label or file name, whose words may be joined by `.` too.
    pub fn find_joined(&self, s: &str) -> Vec<(Found, String)> {
        let spaced = s.replace('.', " ");
        let mut found = self.find(&spaced);
        found.dedup();
        found
    }

    /// Why `label` (a speaker's or a role's) looks like a person's name, unless the role table
    /// knows it.
    pub fn looks_like_name(&self, label: &str) -> Option<&'static str> {
        if self.roles.resolve(label).is_some() {
            return None;
        }
        looks_like_name(label)
    }
}

/// `s` normalised as names are compared, without separators at either end.
fn normal(s: &str) -> String {
    normalise(s.trim()).0.trim().to_string()
}

/// Why a label looks like a person's name: an e-mail address, pronouns in brackets (`Name
/// (she/her)`), `Name | Organisation`, or two or more capitalised words (`Dana Whitfield`,
/// `Cllr Jones`; not after an article: `The Witness`).
pub fn looks_like_name(label: &str) -> Option<&'static str> {
    let l = label.trim();
    let lower = l.to_lowercase();
    if let Some((user, domain)) = l.split_once('@') {
        if !user.trim().is_empty() && domain.contains('.') {
            return Some("an e-mail address");
        }
    }
    let pronouns = [
        "she/", "he/", "they/", "xe/", "ze/", "any/", "(she)", "(he)", "(they)",
    ];
    if lower.contains('(') && pronouns.iter().any(|p| lower.contains(p)) {
        return Some("pronouns in brackets");
    }
    if let Some((who, org)) = l.split_once('|') {
        if who.chars().any(char::is_alphabetic) && org.chars().any(char::is_alphabetic) {
            return Some("a name and an organisation");
        }
    }
    let capitalised = |w: &str| {
        let mut cs = w.chars();
        cs.next().is_some_and(char::is_uppercase) && cs.any(char::is_lowercase)
    };
    let words: Vec<&str> = l.split_whitespace().collect();
    // `The Witness`, `A Resident`: a description, not a name.
    let article = words
        .first()
        .is_some_and(|w| ["the", "a", "an"].contains(&w.to_lowercase().as_str()));
    if words.len() >= 2 && !article && words.iter().all(|w| capitalised(w)) {
        return Some("capitalised words");
    }
    None
}

/// Segments read at a time.
const WINDOW: usize = 32_768;

/// An e-mail address: `priya.raman@example.org`.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+").expect("valid")
});

/// A speaker's label read as words, as a recording's cue whose label a transcript did not read
/// leaves it: `Priya Raman (she/her): …`, `Owen Hale | Westfold Trust: …`.
static CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[.!?…]\s+|\n)(\p{Lu}[\p{L}\p{M}'’-]*(?: \p{Lu}[\p{L}\p{M}'’-]*)*) ?(\((?i:she|he|they|xe|ze|any)/[\p{L}/]+\)|\| [^:\n]{1,60}):",
    )
    .expect("valid")
});

/// What in a segment's text looks like a name no one declared: e-mail addresses, and speaker
/// labels read as words (pronouns in brackets, `Name | Organisation`).
fn cues_in_text(text: &str) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = EMAIL
        .find_iter(text)
        .map(|m| ("an e-mail address", m.as_str().to_string()))
        .collect();
    for c in CUE.captures_iter(text) {
        let why = match c[2].starts_with('(') {
            true => "pronouns in brackets",
            false => "a name and an organisation",
        };
        out.push((why, format!("{} {}", &c[1], &c[2])));
    }
    out
}

/// How often a label is seen, and where first.
#[derive(Debug, Default)]
struct Seen {
    first: String,
    count: usize,
}

/// What the project holds outside the masked text: file names, interview ids, speaker and role
/// labels, metadata keys and values, and speakers' labels left in the text (read from `index`
/// unmasked, a window at a time), audited by `auditor`.
pub fn audit_project(index: &SearchIndex, auditor: &Auditor) -> Result<Vec<Finding>, IndexError> {
    let mut out = Vec::new();
    let mut file_of: HashMap<&str, &str> = HashMap::new();
    for (path, entry) in &index.manifest.files {
        let name = path.rsplit('/').next().unwrap_or(path);
        for (found, words) in auditor.find_joined(name) {
            out.push(finding(path, Place::FileName, found, words));
        }
        for iv in &entry.interviews {
            file_of.insert(iv, path);
            for (found, words) in auditor.find_joined(iv) {
                out.push(finding(path, Place::Interview(iv.clone()), found, words));
            }
        }
    }
    let load = Load {
        respondents_only: false,
        text: true,
        evidence: false,
    };
    let mut tally = Tally::default();
    for window in index.ordered_addresses()?.chunks(WINDOW) {
        for (s, _) in index.segments_at(window, load, None)? {
            tally.add(auditor, s);
        }
    }
    let file = |iv: &str| file_of.get(iv).copied().unwrap_or(iv).to_string();
    out.extend(tally.findings(auditor, &file));
    out.sort();
    out.dedup();
    Ok(out)
}

/// What the segments hold, once each: labels (where first seen, how often), metadata, and
/// undeclared names left in the text.
#[derive(Debug, Default)]
struct Tally {
    /// (interview, label).
    speakers: BTreeMap<(String, String), Seen>,
    /// (interview, role id, role label).
    roles: BTreeMap<(String, String, String), Seen>,
    /// (interview, key, value).
    meta: BTreeMap<(String, String, String), ()>,
    /// (interview, segment id, what, words).
    cues: Vec<(String, String, Found, String)>,
}

impl Tally {
    fn add(&mut self, auditor: &Auditor, s: crate::transcript::Segment) {
        for (why, words) in cues_in_text(&s.text) {
            // A declared name is masked in the text already.
            if auditor.find(&words).is_empty() {
                let found = Found::LooksLikeName(why);
                self.cues
                    .push((s.interview.clone(), s.id.clone(), found, words));
            }
        }
        let see = |seen: &mut Seen| {
            if seen.count == 0 {
                seen.first = s.id.clone();
            }
            seen.count += 1;
        };
        if !s.speaker.is_empty() {
            let key = (s.interview.clone(), s.speaker.clone());
            see(self.speakers.entry(key).or_default());
        }
        // A role made from the speaker's own label is that label's finding.
        if s.role_label != s.speaker {
            let key = (s.interview.clone(), s.role.clone(), s.role_label.clone());
            see(self.roles.entry(key).or_default());
        }
        for (k, v) in s.meta {
            self.meta.insert((s.interview.clone(), k, v), ());
        }
    }

    /// The findings, each in the file `file` gives for an interview id.
    fn findings(self, auditor: &Auditor, file: &dyn Fn(&str) -> String) -> Vec<Finding> {
        let mut out = Vec::new();
        for ((iv, label), seen) in self.speakers {
            let place = Place::Speaker {
                label: label.clone(),
                segment: seen.first,
                segments: seen.count,
            };
            out.extend(label_findings(auditor, &file(&iv), place, &[&label]));
        }
        for ((iv, role, label), seen) in self.roles {
            let place = Place::Role {
                label: label.clone(),
                segment: seen.first,
                segments: seen.count,
            };
            out.extend(label_findings(auditor, &file(&iv), place, &[&label, &role]));
        }
        for (iv, segment, found, words) in self.cues {
            out.push(finding(&file(&iv), Place::Text(segment), found, words));
        }
        for (iv, key, value) in self.meta.into_keys() {
            let f = file(&iv);
            let place = |in_key: bool| {
                let (key, interview) = (key.clone(), iv.clone());
                match in_key {
                    true => Place::MetaKey { key, interview },
                    false => Place::MetaValue { key, interview },
                }
            };
            for (found, words) in auditor.find(&key) {
                out.push(finding(&f, place(true), found, words));
            }
            for (found, words) in auditor.find(&value) {
                out.push(finding(&f, place(false), found, words));
            }
        }
        out
    }
}

/// What a label holds: the names in any of its `forms` (a label, its role id), else, when it
/// looks like a name nobody declared, that.
fn label_findings(auditor: &Auditor, file: &str, place: Place, forms: &[&str]) -> Vec<Finding> {
    let mut found: Vec<(Found, String)> =
        forms.iter().flat_map(|f| auditor.find_joined(f)).collect();
    found.sort();
    found.dedup_by(|a, b| a.0 == b.0);
    if found.is_empty() {
        if let Some(why) = auditor.looks_like_name(forms[0]) {
            found.push((Found::LooksLikeName(why), forms[0].to_string()));
        }
    }
    found
        .into_iter()
        .map(|(f, w)| finding(file, place.clone(), f, w))
        .collect()
}

fn finding(file: &str, place: Place, found: Found, words: String) -> Finding {
    Finding {
        file: file.to_string(),
        place,
        found,
        words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn auditor() -> Auditor {
        let mut roles = RoleTable::default();
        roles
            .add_file(
                std::path::Path::new("roles.toml"),
                "[roles.council_officer]\nlabel = \"Council officer\"\naliases = [\"Council Officer\"]\n",
            )
            .unwrap();
        Auditor::new(
            &["Dana Whitfield".into(), "王小明".into()],
            &HashSet::new(),
            "Fenwick Road\n",
            roles,
        )
        .unwrap()
    }

    #[test]
    fn names_parts_and_listed_words_are_told_apart() {
        let a = auditor();
        let found = a.find("DANA WHITFIELD met Whitfield on fenwick road; 我和王小明说过");
        let kinds: Vec<&Found> = found.iter().map(|(f, _)| f).collect();
        assert_eq!(
            kinds,
            [
                &Found::Name { words: 2 },
                &Found::NamePart,
                &Found::Listed { words: 2 },
                &Found::Name { words: 1 },
            ]
        );
        assert_eq!(found[0].1, "DANA WHITFIELD");
        assert_eq!(
            a.find_joined("dana.whitfield-notes")[0].0,
            Found::Name { words: 2 }
        );
    }

    #[test]
    fn labels_that_look_like_names() {
        let a = auditor();
        for (label, why) in [
            ("Priya Raman", Some("capitalised words")),
            ("Cllr Jones", Some("capitalised words")),
            ("Priya (she/her)", Some("pronouns in brackets")),
            ("priya.raman@example.org", Some("an e-mail address")),
            ("Priya | Westfold Trust", Some("a name and an organisation")),
            ("Council Officer", None),
            ("P1", None),
            ("Unknown speaker", None),
            ("The Witness", None),
            ("LTO REP", None),
            ("Interviewer", None),
        ] {
            assert_eq!(a.looks_like_name(label), why, "{label}");
        }
    }

    #[test]
    fn labels_read_as_words_and_email_addresses_in_text() {
        let text = "What about it? Priya Raman (she/her): I trust them. priya@example.org: Me too.\nOwen Hale | Westfold Trust: Agreed. Then Sam (he/him) left.";
        let found = cues_in_text(text);
        let whys: Vec<&str> = found.iter().map(|f| f.0).collect();
        assert_eq!(
            whys,
            [
                "an e-mail address",
                "pronouns in brackets",
                "a name and an organisation"
            ]
        );
        assert_eq!(found[1].1, "Priya Raman (she/her)");
        assert!(cues_in_text("We met at 10:30. Fine: yes. The Board | Trust.").is_empty());
    }

    #[test]
    fn a_masked_finding_names_no_one() {
        let mask = Mask {
            redactor: Redactor::new("", &["Dana Whitfield".into()]).unwrap(),
            interviews: [("dana-whitfield".to_string(), "case-01".to_string())].into(),
            ..Mask::default()
        };
        let f = Finding {
            file: "corpus/Dana Whitfield.txt".into(),
            place: Place::MetaValue {
                key: "notes".into(),
                interview: "dana-whitfield".into(),
            },
            found: Found::Name { words: 2 },
            words: "Dana Whitfield".into(),
        };
        assert_eq!(
            f.masked(&mask).line(),
            "a declared name (2 words) in the metadata `notes` of interview case-01 (corpus/[REDACTED].txt)"
        );
        assert!(f.line().ends_with(": `Dana Whitfield`"));
        let undeclared = Finding {
            file: "corpus/a.txt".into(),
            place: Place::Speaker {
                label: "Priya Raman".into(),
                segment: "a:3.1".into(),
                segments: 3,
            },
            found: Found::LooksLikeName("capitalised words"),
            words: "Priya Raman".into(),
        };
        assert_eq!(
            undeclared.masked(&mask).line(),
            "a label that looks like a name (capitalised words) but is not declared as one in the speaker label of a:3.1 and 2 more segments (corpus/a.txt)"
        );
    }
}
