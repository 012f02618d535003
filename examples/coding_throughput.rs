//! Coding throughput: parse a project's corpus once, then time coding every respondent segment
//! with a codebook, on the rayon pool (set RAYON_NUM_THREADS to compare thread counts).
//!
//! cargo run --release --example coding_throughput -- PROJECT_DIR [CODEBOOK_DIR]

use std::time::Instant;

use rayon::prelude::*;

use qcode::codebook::load;
use qcode::coding::{code_segments, Matcher};
use qcode::project::corpus_files;
use qcode::project::Project;
use qcode::transcript::{parse_file, Segment};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let project = Project::open(std::path::Path::new(
        args.get(1).map(String::as_str).unwrap_or("."),
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let cb_dir = args
        .get(2)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| project.codebook_dir.clone());
    let (codebook, _) = load(&cb_dir).unwrap_or_else(|e| panic!("{}", e[0]));
    let files = corpus_files(&project).unwrap_or_else(|e| panic!("{e}"));
    let segments: Vec<Segment> = files
        .par_iter()
        .filter_map(|(rel, path)| {
            let bytes = std::fs::read(path).ok()?;
            parse_file(
                &project.transcript,
                &codebook.roles,
                rel,
                path,
                &bytes,
                &Default::default(),
            )
            .ok()
        })
        .flat_map_iter(|p| p.interviews.into_iter().flat_map(|iv| iv.segments))
        .filter(|s| !s.interviewer)
        .collect();
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
