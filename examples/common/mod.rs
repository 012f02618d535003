//! What the throughput examples start from: the project and codebook named on the command line
//! (`PROJECT [CODEBOOK]`), and the corpus's respondent segments, read in parallel.

use rayon::prelude::*;

use qcode::codebook::{load, Codebook};
use qcode::project::{corpus_files, Project};
use qcode::transcript::{parse_file, Segment};

/// The project's codebook (or the one named second) and its respondent segments.
pub fn respondent_segments() -> (Codebook, Vec<Segment>) {
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
    (codebook, segments)
}
