//! `qcode report`: one self-contained HTML file; rendered in headless Chromium when it is
//! installed (.ci/run installs Debian's chromium), which must load it without console errors
//! and find the heatmap.

use std::process::Command;

use crate::common::Project;

#[test]
fn report_is_self_contained_and_complete() {
    let p = Project::coded();
    p.write(
        "corpus/named.txt",
        "---\nid: named-01\nspeakers:\n  P1: {role: Resident, name: Maya Okafor}\n---\nP1: Maya says the council listened to us.\n\nP1: Nothing else.\n",
    );
    p.run(&["report", "-o", "r.html"], 0);
    let html = std::fs::read_to_string(p.file("r.html")).unwrap();
    for part in [
        "id=\"summary\"",
        "id=\"heatmap\"",
        "id=\"colour-scale\"",
        "id=\"frequencies\"",
        "id=\"code-trust\"",
        "id=\"uncoded\"",
        "named-01:2.1",
        "Resident, Eastbrook",
    ] {
        assert!(html.contains(part), "missing {part}");
    }
    // Self-contained: nothing fetched, no scripts.
    for bad in [
        "<script",
        "src=\"http",
        "href=\"http",
        "@import",
        "url(http",
    ] {
        assert!(!html.contains(bad), "{bad}");
    }
    assert!(
        !html.contains("Maya") && !html.contains("Okafor"),
        "names masked"
    );
    // The heatmap shows counts and row shares: dialogue × Council officer is 2 of dialogue's 4
    // (the named file adds a Resident who "listened").
    assert!(
        html.contains("dialogue × Council officer: 2 segments, 50.0% of the row"),
        "heatmap cell"
    );
    // Deterministic.
    p.run(&["report", "-o", "r2.html"], 0);
    assert_eq!(html, std::fs::read_to_string(p.file("r2.html")).unwrap());

    let chromium = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !crate::common::tool(
        chromium.is_some(),
        "Chromium is not installed (Debian: chromium; .ci/run installs it), so the report was not rendered",
    ) {
        return;
    }
    let chromium = chromium.expect("found above");
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", p.file("r.html").display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        dom.contains("id=\"heatmap\""),
        "Chromium rendered the heatmap: {log}"
    );
    assert!(
        !log.contains("CONSOLE") && !log.contains("Uncaught"),
        "console errors: {log}"
    );
}

/// At scale the report caps each code's quotes and shows uncoded segments as a count with the
/// first few of them, and it still gives the same bytes twice.
#[test]
fn report_caps_quotes_and_counts_uncoded_segments() {
    let p = Project::coded();
    p.write(
        "corpus/quiet.txt",
        "---\nid: quiet-01\nspeakers:\n  P1: {role: Resident}\n---\nP1: Nothing here.\n\nP1: Nor here.\n\nP1: Still nothing.\n",
    );
    p.run(
        &["report", "--quotes", "1", "--uncoded", "1", "-o", "r.html"],
        0,
    );
    let html = std::fs::read_to_string(p.file("r.html")).unwrap();
    // trust reaches 3 segments; one is quoted, and the page says so.
    let trust = &html[html.find("<article id=\"code-trust\"").unwrap()..];
    let trust = &trust[..trust.find("</article>").unwrap()];
    assert_eq!(trust.matches("<blockquote").count(), 1, "{trust}");
    assert!(trust.contains("1 of 3 segments shown"), "{trust}");
    // Three uncoded segments counted, the first in corpus order shown, the others not.
    assert!(html.contains("<b id=\"uncoded-count\">3</b> of 8 respondent segments are uncoded; the first 1 in corpus order"));
    assert!(
        html.contains("quiet-01:1.1")
            && !html.contains("quiet-01:2.1")
            && !html.contains("Nor here")
    );
    // The role-emphasis heatmap is there with ids of its own.
    assert!(html.contains("id=\"role-emphasis\"") && html.contains("id=\"role-emphasis-scale\""));
    assert_eq!(html.matches("id=\"colour-scale\"").count(), 1);
    // A role's emphasis is of its coded segments: the Residents' three uncoded ones do not count.
    assert!(html.contains("Resident × trust: 2 segments, 100.0% of the role's coded segments"));
    p.run(
        &["report", "--quotes", "1", "--uncoded", "1", "-o", "r2.html"],
        0,
    );
    assert_eq!(html, std::fs::read_to_string(p.file("r2.html")).unwrap());
}

/// Every attribute and text of the report is escaped: a dimension, code id, label or role
/// holding quotes and markup (`--dimension` goes into the heatmap's `aria-label`) cannot end an
/// attribute or open an element.
#[test]
fn markup_in_a_dimension_or_label_is_escaped_everywhere() {
    let p = Project::new();
    p.write(
        "codebook/codes.toml",
        "[codes.trust]\nlabel = \"Trust \\\"<i>x</i>\\\"\"\ndimension = \"d\\\" onmouseover=\\\"alert(1)<qx>\"\npatterns = [\"trust\"]\n",
    );
    p.run(
        &[
            "report",
            "--dimension",
            "d\" onmouseover=\"alert(1)<qx>",
            "-o",
            "r.html",
        ],
        0,
    );
    let html = std::fs::read_to_string(p.file("r.html")).unwrap();
    for raw in ["onmouseover=\"alert", "<qx>", "<i>x</i>"] {
        assert!(!html.contains(raw), "unescaped {raw}");
    }
    assert!(
        html.contains(
            "aria-label=\"d&quot; onmouseover=&quot;alert(1)&lt;qx&gt; by speaker role\""
        ),
        "aria-label escaped"
    );
}
