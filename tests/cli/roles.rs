//! Forgiving roles end to end: labels written differently from the role table meet their roles
//! (normalised, by glob or regex, by default), a label two roles meet is left unmapped and
//! reported, `qcode roles` lists every label with how it matched, and `qcode roles --add`
//! writes an alias in place, after which a search by that role finds the label's segments.

use crate::common::{ids, Project};

/// Speaker labels of any length, with commas, parentheses and lower case, as hearings write them.
const ANY_LABEL: &str = "[transcript]\nspeaker_pattern = '^([^:\\n]{1,80}):\\s+'\n";

const ROLES: &str = r#"# The hearing's roles. This comment must survive `qcode roles --add`.
[roles.interviewer]
label = "Interviewer"
aliases = ["Q"]

[roles.lto_rep]
label = "LTO representative"
aliases = ["Locally Trusted Organisation representative"]  # as the minutes write it

[roles.partnership_chair]
label = "Partnership chair"
aliases = ["Big Local partnership chair", "*chair*"]

[roles.councillor]
label = "Councillor"
# Any "Cllr NAME".
aliases = ['/^cllr\b/']

[roles.council_officer]
label = "Council officer"

[roles.resident]
label = "Resident"
"#;

const HEARING: &str = "---
id: hearing-1
---
Q: Please introduce yourselves.

Locally Trusted Organisation (LTO) representative: I speak for the LTO.

The Big Local Partnership Chair: I chair the partnership.

Cllr Jones: I represent the ward.

Cllr Smith, chair: I do both.

Parish clerk: I keep the minutes.

Parish clerk: And the accounts.
";

/// A participant whose speaker label is the name the header declares.
const VISIT: &str = "---
id: visit-1
speakers:
  Dana Whitfield: {role: Resident, name: Dana Whitfield}
---
Dana Whitfield: We were never asked.

Councilor Brown: We did ask.
";

fn hearing() -> Project {
    let p = Project::empty();
    p.write("qcode.toml", ANY_LABEL);
    p.write("codebook/roles.toml", ROLES);
    p.write("corpus/hearing-1.txt", HEARING);
    p.write("corpus/visit-1.txt", VISIT);
    p
}

#[test]
fn every_label_is_listed_with_its_role_how_it_matched_and_its_segments() {
    let p = hearing();
    let (out, _) = p.run(&["roles", "--format", "csv"], 0);
    assert_eq!(
        out,
        "speaker,role,role_label,match,segments,closest
Parish clerk,parish_clerk,Parish clerk,unmapped,2,
Cllr Jones,councillor,Councillor,pattern,1,
\"Cllr Smith, chair\",cllr_smith_chair,\"Cllr Smith, chair\",ambiguous,1,councillor partnership_chair
Councilor Brown,councilor_brown,Councilor Brown,unmapped,1,councillor council_officer
Locally Trusted Organisation (LTO) representative,lto_rep,LTO representative,normalised,1,
Q,interviewer,Interviewer,exact,1,
The Big Local Partnership Chair,partnership_chair,Partnership chair,normalised,1,
[REDACTED],resident,Resident,declared,1,
"
    );
    // The table says the same, and what to do about the labels left without a role.
    let (table, _) = p.run(&["roles"], 0);
    assert!(table.starts_with("speaker "), "{table}");
    assert!(
        table.contains("8 labels: 1 exact, 2 normalised, 1 by pattern, 0 by default, 1 declared, 2 unmapped, 1 ambiguous"),
        "{table}"
    );
    assert!(table.contains("qcode roles --add LABEL ROLE"), "{table}");
    assert!(!table.contains("Dana"), "{table}");
    // A declared name is shown only when asked for.
    let (json, _) = p.run(&["roles", "--format", "json", "--with-names"], 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["default_role"], serde_json::Value::Null);
    let speakers: Vec<&str> = v["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["speaker"].as_str().unwrap())
        .collect();
    assert!(speakers.contains(&"Dana Whitfield"), "{speakers:?}");
}

#[test]
fn a_label_two_roles_meet_is_reported_not_guessed() {
    let p = hearing();
    let (_, err) = p.run(&["index"], 0);
    assert!(
        err.contains("warning: role label `Cllr Smith, chair` matches roles `councillor` and `partnership_chair` alike, so it was given neither"),
        "{err}"
    );
    assert!(err.contains("`Parish clerk`"), "{err}");
    // Searched by either role, it is not found; by the role made from it, it is.
    let none = p.search_json(&["", "--role", "councillor"]);
    assert_eq!(ids(&none), ["hearing-1:4.1"]);
    let made = p.search_json(&["", "--role", "cllr_smith_chair"]);
    assert_eq!(ids(&made), ["hearing-1:5.1"]);
}

#[test]
fn an_alias_added_keeps_the_files_comments_and_the_next_search_finds_the_label() {
    let p = hearing();
    p.run(&["index"], 0);
    // The role's segments before: none.
    assert!(p.search_json(&["", "--role", "council_officer"]).is_empty());
    let (_, err) = p.run(&["roles", "--add", "Parish clerk", "council_officer"], 0);
    assert!(
        err.contains(
            "added \"Parish clerk\" to the aliases of `council_officer` in codebook/roles.toml"
        ),
        "{err}"
    );
    let text = std::fs::read_to_string(p.file("codebook/roles.toml")).unwrap();
    assert_eq!(
        text,
        ROLES.replace(
            "[roles.council_officer]\nlabel = \"Council officer\"\n",
            "[roles.council_officer]\nlabel = \"Council officer\"\naliases = [\"Parish clerk\"]\n"
        )
    );
    assert!(text.starts_with("# The hearing's roles. This comment must survive"));
    // The codebook changed, so the search re-indexes, and finds the clerk's segments.
    let hits = p.search_json(&["", "--role", "council_officer"]);
    assert_eq!(ids(&hits), ["hearing-1:6.1", "hearing-1:7.1"]);
    // A second alias joins the list written; the comment after it stays.
    p.run(&["roles", "--add", "LTO", "lto_rep"], 0);
    let text = std::fs::read_to_string(p.file("codebook/roles.toml")).unwrap();
    assert!(
        text.contains("aliases = [\"Locally Trusted Organisation representative\", \"LTO\"]  # as the minutes write it"),
        "{text}"
    );
    // Asked again: nothing to do, nothing written.
    let (_, err) = p.run(&["roles", "--add", "parish clerk.", "council_officer"], 0);
    assert!(
        err.contains("is already an alias of `council_officer`"),
        "{err}"
    );
    let (csv, _) = p.run(&["roles", "--format", "csv"], 0);
    assert!(
        csv.contains("\nParish clerk,council_officer,Council officer,exact,2,\n"),
        "{csv}"
    );
}

#[test]
fn an_unknown_role_or_a_taken_alias_is_refused_and_nothing_is_written() {
    let p = hearing();
    let (_, err) = p.run(&["roles", "--add", "Parish clerk", "council_oficer"], 2);
    assert!(
        err.contains("error: unknown role `council_oficer`; did you mean `council_officer`?"),
        "{err}"
    );
    assert!(err.contains("help: ROLE is a role id: council_officer, councillor, interviewer, lto_rep, partnership_chair, resident"), "{err}");
    let (_, err) = p.run(&["roles", "--add", "q", "resident"], 2);
    assert!(
        err.contains("error: \"q\" is already an alias of role `interviewer`, not `resident`"),
        "{err}"
    );
    // A glob that does not compile: the codebook would not load.
    let (_, err) = p.run(&["roles", "--add", "clerk [parish", "resident"], 2);
    assert!(err.contains("is not a valid glob"), "{err}");
    assert_eq!(
        std::fs::read_to_string(p.file("codebook/roles.toml")).unwrap(),
        ROLES
    );
}

#[test]
fn the_default_role_takes_what_no_alias_meets() {
    let p = hearing();
    p.write(
        "codebook/roles.toml",
        &format!(
            "{ROLES}\n[roles.other]\nlabel = \"Other\"\ndefault = true  # whoever else speaks\n"
        ),
    );
    let (json, _) = p.run(&["roles", "--format", "json"], 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["default_role"], "other");
    let row = |speaker: &str| {
        v["labels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["speaker"] == speaker)
            .unwrap()
            .clone()
    };
    assert_eq!(row("Parish clerk")["role"], "other");
    assert_eq!(row("Parish clerk")["match"], "default");
    // A label two roles meet is still left for the researcher, not given the default.
    assert_eq!(row("Cllr Smith, chair")["match"], "ambiguous");
    assert_eq!(row("Councilor Brown")["match"], "default");
    let hits = p.search_json(&["", "--role", "other"]);
    assert_eq!(
        ids(&hits),
        ["hearing-1:6.1", "hearing-1:7.1", "visit-1:2.1"]
    );
    // A filter by a label no alias meets is not the default role.
    let (_, err) = p.run(&["search", "", "--role", "parish clerk"], 2);
    assert!(err.contains("unknown role"), "{err}");
}

#[test]
fn bad_patterns_and_two_defaults_are_located_errors() {
    let p = hearing();
    let bad = ROLES.replace("\"*chair*\"", "\"*chair[\"");
    p.write("codebook/roles.toml", &bad);
    let (_, err) = p.run(&["codebook", "check"], 1);
    assert!(
        err.contains("codebook/roles.toml:12:43: alias \"*chair[\" of role `partnership_chair` is not a valid glob"),
        "{err}"
    );
    assert!(
        err.contains("help: an alias with * ? [ or { is a glob"),
        "{err}"
    );
    let bad = ROLES.replace("'/^cllr\\b/'", "'/^(cllr/'");
    p.write("codebook/roles.toml", &bad);
    let (_, err) = p.run(&["index"], 2);
    assert!(
        err.contains("codebook/roles.toml:17:12: alias \"/^(cllr/\" of role `councillor` is not a valid regex"),
        "{err}"
    );
    let two = format!("{ROLES}\n[roles.a]\nlabel = \"A\"\ndefault = true\n\n[roles.b]\nlabel = \"B\"\ndefault = true\n");
    p.write("codebook/roles.toml", &two);
    let (_, err) = p.run(&["roles"], 2);
    assert!(
        err.contains("codebook/roles.toml:31:11: roles `a` and `b` are both the default role"),
        "{err}"
    );
}
