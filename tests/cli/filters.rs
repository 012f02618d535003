//! A filter naming what the index does not hold (a typo, most often) is an error with a "did you
//! mean" hint or the known values, exit 2, in search and in every command that takes filters;
//! a filter that merely matches nothing still says "no matching segments", exit 1.

use crate::common::Project;

fn indexed() -> Project {
    let p = Project::coded();
    p.run(&["index"], 0);
    p
}

/// stderr of a run that must fail with exit 2 and print nothing on stdout.
fn refused(p: &Project, args: &[&str]) -> String {
    let (out, err) = p.run(args, 2);
    assert_eq!(out, "", "{args:?}");
    assert!(!err.contains("no matching segments"), "{err}");
    err
}

#[test]
fn each_kind_of_typo_in_search_names_the_nearest_value() {
    let p = indexed();
    let cases: [(&[&str], &str); 7] = [
        (
            &["--role", "residnt"],
            "error: unknown role `residnt` in --role; did you mean `resident`?",
        ),
        (
            &["--role", "Councilor"],
            "error: unknown role `Councilor` in --role; did you mean `councillor`?",
        ),
        (
            &["--speaker", "P9"],
            "error: unknown speaker `P9` in --speaker; did you mean `p1`?",
        ),
        (
            &["--interview", "northmor-01"],
            "error: unknown interview `northmor-01` in --interview; did you mean `northmoor-01`?",
        ),
        (
            &["--where", "aera=Northmoor"],
            "error: unknown metadata key `aera` in --where; did you mean `area`?",
        ),
        (
            &["--where", "mode=telephon"],
            "error: no segment has mode = `telephon` (--where mode=telephon); did you mean `telephone`?",
        ),
        (
            &["--dimension", "stakholder"],
            "error: unknown dimension `stakholder` in --dimension; did you mean `stakeholder`?",
        ),
    ];
    for (flags, message) in cases {
        let mut args = vec!["search", "trust"];
        args.extend_from_slice(flags);
        let err = refused(&p, &args);
        assert_eq!(err.trim_end(), message, "{args:?}");
    }
    let err = refused(&p, &["search", "trust", "--code", "trst"]);
    assert_eq!(
        err.trim_end(),
        "error: unknown code `trst` in --code; did you mean `trust`?"
    );
}

#[test]
fn without_a_near_value_the_known_ones_are_listed_and_every_problem_said() {
    let p = indexed();
    let err = refused(
        &p,
        &[
            "search",
            "",
            "--where",
            "area=Nowhere",
            "--dimension",
            "nosuchdim",
            "--role",
            "mayor",
        ],
    );
    assert_eq!(
        err.trim_end(),
        "error: unknown role `mayor` in --role; known: council_officer, councillor, interviewer, lto_rep, resident\n\
         no segment has area = `Nowhere` (--where area=Nowhere); known: eastbrook, northmoor\n\
         unknown dimension `nosuchdim` in --dimension; known: component, stakeholder"
    );
}

#[test]
fn values_the_index_holds_pass_in_any_case_the_search_allows() {
    let p = indexed();
    for flags in [
        &["--role", "RESIDENT"][..],
        &["--role", "local resident"],
        &["--speaker", "p1"],
        &["--where", "AREA=eastbrook"],
        &["--interview", "eastbrook-01"],
        &["--code", "trust", "--dimension", "component"],
    ] {
        let mut args = vec!["search", "trust"];
        args.extend_from_slice(flags);
        p.run(&args, 0);
    }
    // Known values that match nothing together are a question answered "no", not a typo.
    let (out, _) = p.run(&["search", "trust", "--where", "area=Northmoor"], 1);
    assert!(out.contains("no matching segments"), "{out}");
}

#[test]
fn exports_and_the_report_refuse_unknown_filters_and_dimensions_writing_nothing() {
    let p = indexed();
    let err = refused(
        &p,
        &[
            "export",
            "cooccur",
            "--dimension",
            "nosuchdim",
            "-o",
            "c.csv",
        ],
    );
    assert!(
        err.contains("unknown dimension `nosuchdim` in --dimension; known: component, stakeholder"),
        "{err}"
    );
    let err = refused(&p, &["export", "cooccur", "--of", "componnt"]);
    assert!(
        err.contains("unknown dimension `componnt` in --of; did you mean `component`?"),
        "{err}"
    );
    let err = refused(&p, &["export", "quotes", "--role", "residnt"]);
    assert!(err.contains("did you mean `resident`?"), "{err}");
    let err = refused(&p, &["export", "wide", "--where", "aera=x"]);
    assert!(err.contains("did you mean `area`?"), "{err}");
    let err = refused(&p, &["report", "--dimension", "stakholder", "-o", "r.html"]);
    assert!(
        err.contains("unknown dimension `stakholder` in --dimension; did you mean `stakeholder`?"),
        "{err}"
    );
    assert!(!p.file("c.csv").exists() && !p.file("r.html").exists());
    p.run(&["report", "--dimension", "stakeholder", "-o", "r.html"], 0);
    p.run(&["export", "cooccur", "--of", "component"], 0);
}
