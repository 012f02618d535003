//! Suggestion throughput: parse a project's corpus once and code it with the codebook's
//! patterns (as the index stores them), then time ranking every respondent segment (reading its
//! words, scoring every code, keeping each dimension's best two, writing their evidence lines)
//! on the rayon pool. RAYON_NUM_THREADS=1 gives the figure per core.
//!
//! cargo run --release --example suggest_throughput -- PROJECT_DIR [CODEBOOK_DIR]

use std::time::Instant;

use rayon::prelude::*;

use qcode::coding::{code_segments, evidence, Evidence, Matcher};
use qcode::suggest::{suggest, Model, Params, RankOptions, Ranker};
use qcode::transcript::Segment;

mod common;

fn main() {
    let (codebook, segments) = common::respondent_segments();
    let matcher = Matcher::new(&codebook).unwrap_or_else(|e| panic!("{e}"));
    let coded: Vec<(Segment, Vec<Evidence>)> = code_segments(&matcher, &segments)
        .into_par_iter()
        .zip(segments)
        .map(|(c, s)| {
            let ev = evidence(&codebook, &s.text, &c);
            (s, ev)
        })
        .collect();
    let t = Instant::now();
    let model = Model::build(&codebook, Params::default());
    let build = t.elapsed().as_secs_f64();
    let ranker = Ranker {
        model: &model,
        codebook: &codebook,
        opts: RankOptions::default(),
    };
    let bytes: usize = coded.iter().map(|(s, _)| s.text.len()).sum();
    let runs = 3;
    let mut best = f64::MAX;
    let mut rows = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let out = suggest(&ranker, &coded);
        let lines: usize = out.par_iter().map(|s| s.why.describe().len()).sum();
        best = best.min(t.elapsed().as_secs_f64());
        rows = out.len();
        assert!(lines > 0);
    }
    let threads = rayon::current_num_threads();
    let per_s = coded.len() as f64 / best;
    println!(
        "{} respondent segments, {:.1} MB of text, {} codes ({} words in the model, built in {:.1} ms), {threads} thread(s): best of {runs} {:.3} s = {:.0} segments/s, {:.0} segments/s per thread; {rows} suggestions",
        coded.len(),
        bytes as f64 / 1e6,
        codebook.codes.len(),
        model.terms.len(),
        build * 1e3,
        best,
        per_s,
        per_s / threads as f64,
    );
}
