//! Calibration of the default codebook against real quotes from the published study, with the
//! report's own component as the gold label. The quotes live in ../shared/data (licensed for
//! evaluation only, never in this repository): without them this test says it skipped
//! (crate::common::data), in CI too.
//! Run with `cargo test --test cli calibration -- --nocapture` to see the figures.

use std::path::Path;

use crate::common::Project;

const COMPONENTS: [&str; 5] = ["recognise", "trust", "dialogue", "flexibility", "ownership"];

#[test]
fn default_codebook_against_report_quotes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let quotes = root.join("../shared/data/report_quotes_dev.csv");
    if !crate::common::data(
        quotes.exists(),
        &format!(
            "{} is not here (it is not part of the repository)",
            quotes.display()
        ),
    ) {
        return;
    }
    let p = Project::empty();
    std::fs::create_dir_all(p.file("codebook")).unwrap();
    for entry in std::fs::read_dir(root.join("codebook")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, p.file("codebook").join(path.file_name().unwrap())).unwrap();
    }
    std::fs::copy(&quotes, p.file("corpus/quotes.csv")).unwrap();
    let (_, err) = p.run(&["index"], 0);
    assert!(
        !err.contains("role table"),
        "every role label of the report maps to a known role:\n{err}"
    );
    let hits = p.search_json(&["", "-n", "1000"]);
    let n = hits.len();
    assert!(n > 0);
    let (mut recall, mut top1, mut components) = (0, 0, 0);
    for h in &hits {
        let gold: usize = h["meta"]["component"].as_str().unwrap().parse().unwrap();
        let gold = COMPONENTS[gold - 1];
        let counts: Vec<(&str, usize)> = h["codings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| {
                let code = c["code"].as_str().unwrap();
                COMPONENTS
                    .iter()
                    .find(|&&k| k == code)
                    .map(|k| (*k, c["hits"].as_array().unwrap().len()))
            })
            .collect();
        components += counts.len();
        recall += usize::from(counts.iter().any(|(c, _)| *c == gold));
        // Most hits wins; ties go to the component listed first in the codebook.
        let best = counts
            .iter()
            .fold(None, |best: Option<(&str, usize)>, &(c, k)| match best {
                Some((_, bk)) if bk >= k => best,
                _ => Some((c, k)),
            });
        top1 += usize::from(best.is_some_and(|(c, _)| c == gold));
        println!(
            "{}: gold {gold:<11} coded {:?}",
            h["segment_id"].as_str().unwrap(),
            counts
        );
    }
    // The report's placement as a human coder, against the machine: κ per component, P/R/F1.
    let mut codings = String::from("segment_id,code,coder\n");
    for h in &hits {
        let gold: usize = h["meta"]["component"].as_str().unwrap().parse().unwrap();
        codings.push_str(&format!(
            "{},{},report\n",
            h["segment_id"].as_str().unwrap(),
            COMPONENTS[gold - 1]
        ));
    }
    p.write("report.csv", &codings);
    let (agree, _) = p.run(
        &[
            "agree",
            "report.csv",
            "--gold",
            "report",
            "--dimension",
            "component",
        ],
        0,
    );
    println!("{agree}");
    let pct = |k: usize| 100.0 * k as f64 / n as f64;
    println!(
        "calibration on {n} report quotes: recall {:.0}% (target ≥ 80%), top-1 {:.0}% (target ≥ 65%), {:.2} components per quote (target ≤ 2.0), roles mapped 100%",
        pct(recall),
        pct(top1),
        components as f64 / n as f64
    );
}
