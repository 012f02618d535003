//! `[codebook] language` picks the Snowball stemmer for coding and search alike.

use crate::common::{ids, Project, ROLES};

const HU: &str = "---
id: budapest-01
speakers:
  K: interviewer
  V: resident
---
K: Hogyan működik az együttműködés?

V: Az önkormányzattal havonta találkozunk, és a polgármesterek is eljönnek.

K: És a pénz?

V: A pályázatok lassúak.
";

fn hungarian(language: &str) -> Project {
    let p = Project::empty();
    p.write("codebook/roles.toml", ROLES);
    p.write(
        "codebook/codes.toml",
        &format!(
            "[codebook]\nname = \"hu\"\nlanguage = \"{language}\"\nstem = true\n\n[codes.council]\nlabel = \"Önkormányzat\"\ndimension = \"stakeholder\"\npatterns = [\"önkormányzat\", \"polgármester\"]\n"
        ),
    );
    p.write("corpus/budapest-01.txt", HU);
    p
}

#[test]
fn a_hungarian_codebook_codes_and_searches_by_hungarian_stems() {
    let p = hungarian("hu");
    // Coding: the pattern's stem meets the inflected forms.
    assert_eq!(
        ids(&p.search_json(&["", "--code", "council"])),
        ["budapest-01:2.1"]
    );
    // Search: the query is stemmed the same way.
    assert_eq!(ids(&p.search_json(&["önkormányzat"])), ["budapest-01:2.1"]);
    assert_eq!(ids(&p.search_json(&["polgármester"])), ["budapest-01:2.1"]);
    // English stemming would not have met them.
    let en = hungarian("en");
    assert!(en.search_json(&["", "--code", "council"]).is_empty());
}

#[test]
fn an_unknown_language_is_an_error_naming_the_supported_ones() {
    let p = hungarian("klingon");
    let (_, err) = p.run(&["codebook", "check"], 1);
    assert!(err.contains("unknown language `klingon`"), "{err}");
    assert!(
        err.contains("hu") && err.contains("de") && err.contains("codebook/codes.toml:3:"),
        "{err}"
    );
    let (_, err) = p.run(&["search", "x"], 2);
    assert!(err.contains("unknown language `klingon`"), "{err}");
}
