//! Coding by rank (`[coding] assign = "ranked"` in qcode.toml): the index hands each respondent
//! segment's pattern codings here, and gets them back with the best-ranked codes of each chosen
//! dimension added, so exports and `qcode codes` see a code on every respondent segment.

use super::cache::model_for;
use super::model::{Model, Params, MODEL_VERSION};
use super::rank::{rank, RankOptions};
use crate::codebook::Codebook;
use crate::coding::Evidence;
use crate::diag::{line_col, SourceError};
use crate::index::Assign;
use crate::project::{Project, CONFIG_FILE};
use crate::transcript::Segment;

/// The ranking as the index's machine coder uses it.
pub struct RankAssign {
    model: Model,
    codebook: Codebook,
    opts: RankOptions,
}

impl RankAssign {
    pub fn new(model: Model, codebook: Codebook, opts: RankOptions) -> RankAssign {
        RankAssign {
            model,
            codebook,
            opts,
        }
    }
}

impl Assign for RankAssign {
    fn fingerprint(&self) -> String {
        format!("rank model {MODEL_VERSION} {:?}", self.model.params)
    }

    fn assign(&self, segment: &Segment, mut codings: Vec<Evidence>) -> Vec<Evidence> {
        let scores = self.model.scores(&self.model.read(&segment.text), &codings);
        for r in rank(&self.codebook, &scores, &self.opts) {
            let id = &self.codebook.codes[r.score.code as usize].id;
            if r.suggested && !codings.iter().any(|e| &e.code == id) {
                // No hits: no pattern applied it; `qcode suggest` shows why it ranked.
                codings.push(Evidence {
                    code: id.clone(),
                    ..Evidence::default()
                });
            }
        }
        let at = |e: &Evidence| self.model.code_ids.iter().position(|c| *c == e.code);
        codings.sort_by_key(at);
        codings
    }
}

/// The ranking `project`'s `[coding]` table asks for over `codebook` (what
/// [`crate::index::UpdateOptions::assign`] takes); a dimension the codebook lacks is an error.
pub fn make_assign(project: &Project, codebook: &Codebook) -> Result<Box<dyn Assign>, SourceError> {
    let a = &project.assign;
    for d in &a.dimensions {
        if !codebook
            .codes
            .iter()
            .any(|c| c.dimension.eq_ignore_ascii_case(d))
        {
            return Err(unknown_dimension(project, codebook, d));
        }
    }
    let (model, _) = model_for(&project.data_dir(), codebook, Params::default());
    let opts = RankOptions {
        top: a.top,
        min_score: a.min_score,
        dimensions: a.dimensions.clone(),
        codes: Vec::new(),
    };
    Ok(Box::new(RankAssign::new(model, codebook.clone(), opts)))
}

/// `[coding] dimensions` names a dimension no code has: the error points at the key.
fn unknown_dimension(project: &Project, codebook: &Codebook, dim: &str) -> SourceError {
    let text = &project.config_text;
    let at = text.find("dimensions").unwrap_or(0);
    let (line, col) = line_col(text, at);
    let mut dims: Vec<&str> = codebook
        .codes
        .iter()
        .map(|c| c.dimension.as_str())
        .collect();
    dims.sort_unstable();
    dims.dedup();
    SourceError::new(
        &project.root.join(CONFIG_FILE),
        line,
        col,
        format!("[coding] dimensions: no code of the codebook has the dimension `{dim}`"),
    )
    .with_source(text)
    .with_help(format!("the codebook's dimensions: {}", dims.join(", ")))
}
