//! Coding throughput: parse a project's corpus once, then time coding every respondent segment
//! with a codebook, on the rayon pool (set RAYON_NUM_THREADS to compare thread counts).
//!
//! cargo run --release --example coding_throughput -- PROJECT_DIR [CODEBOOK_DIR]

use std::time::Instant;

use qcode::coding::{code_segments, Matcher};

mod common;

fn main() {
    let (codebook, segments) = common::respondent_segments();
    let bytes: usize = segments.iter().map(|s| s.text.len()).sum();
    let matcher = Matcher::new(&codebook).unwrap_or_else(|e| panic!("{e}"));
    let runs = 3;
    let mut best = f64::MAX;
    let mut coded = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let out = code_segments(&matcher, &segments);
        best = best.min(t.elapsed().as_secs_f64());
        coded = out.iter().filter(|c| !c.is_empty()).count();
    }
    println!(
        "{} segments, {:.1} MB of text, {} codes, {} threads: best of {runs} {:.3} s = {:.1} MB/s, {:.0} segments/s; {} segments coded",
        segments.len(),
        bytes as f64 / 1e6,
        codebook.codes.len(),
        rayon::current_num_threads(),
        best,
        bytes as f64 / 1e6 / best,
        segments.len() as f64 / best,
        coded
    );
}
